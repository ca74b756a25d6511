//! Deciding what a file really is, from its bytes rather than its name (clerks rename files,
//! and some systems save HTML as `.xls`), and refusing what must not reach a parser: empty
//! files, oversized files, zip bombs, encrypted workbooks.

use std::io::{Cursor, Read};
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::IntakeError;

/// Bounds on what one input may cost. Each is far above what a clerk's real file needs
/// (a county's lists hold tens of schools and a few hundred items, a cell one sentence),
/// so hitting one means a hostile or broken file, refused before anything large is built.
/// Fields added later default when a caller's serialized limits lack them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Limits {
    /// Largest file accepted, in bytes.
    pub max_file_bytes: u64,
    /// Largest total of a zip's declared uncompressed sizes.
    pub max_unzipped_bytes: u64,
    /// Most cells over all sheets.
    pub max_cells: u64,
    /// Most characters in one cell's text: the notice's cells are sentences.
    pub max_cell_chars: u64,
    /// Most rows holding anything, over all sheets; reading stops there. Room for every item,
    /// every school's own line, titles and notes.
    pub max_rows: u64,
    /// Most schools in one county's file.
    pub max_schools: u64,
    /// Most items (附件1 and 附件2 together) in one county's file.
    pub max_items: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_bytes: 32 * 1024 * 1024,
            max_unzipped_bytes: 256 * 1024 * 1024,
            max_cells: 2_000_000,
            max_cell_chars: 2_000,
            max_rows: 10_000,
            max_schools: 2_000,
            // The render worker lays out about 5,000 items within its 1 GiB (measured: 712 MB
            // resident at 5,000, 2.35 GB at 20,000); a county needs a few hundred.
            max_items: 5_000,
        }
    }
}

/// The formats gongwen reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Xlsx,
    Xlsb,
    Xls,
    Ods,
    Csv,
}

const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
const EMPTY_ZIP_MAGIC: &[u8] = b"PK\x05\x06";
const CFB_MAGIC: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

/// Reads a file, refusing it from the opened handle's metadata before reading a byte when
/// it is over the size limit or no regular file. The read itself is bounded too, so a file
/// that grows between the stat and the read costs at most one byte more than the limit.
pub fn read_bounded(path: &Path, limits: &Limits) -> Result<Vec<u8>, IntakeError> {
    let io = |err: std::io::Error| IntakeError::Io {
        detail: err.to_string(),
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let metadata = file.metadata().map_err(io)?;
    if !metadata.is_file() {
        return Err(not_a_file(&metadata));
    }
    let too_large = || IntakeError::TooLarge {
        limit: limits.max_file_bytes,
    };
    if metadata.len() > limits.max_file_bytes {
        return Err(too_large());
    }
    let mut bytes = Vec::with_capacity(metadata.len() as usize);
    file.take(limits.max_file_bytes.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > limits.max_file_bytes {
        return Err(too_large());
    }
    Ok(bytes)
}

/// A path that opened but is no regular file: a folder given where a file was meant, or a
/// device or pipe.
fn not_a_file(metadata: &std::fs::Metadata) -> IntakeError {
    IntakeError::NotAFile {
        directory: metadata.is_dir(),
    }
}

/// The SHA-256 of a file, in hex, streamed from the opened handle under the same size limit
/// as [`read_bounded`]: a file over it is refused from its metadata, before a byte is read,
/// and a file growing meanwhile is cut off one byte past the limit. For callers that need
/// the hash beside the parse (reading a whole 2 GB file to hash it cost 2 GB of memory).
pub fn sha256_bounded(path: &Path, limits: &Limits) -> Result<String, IntakeError> {
    use sha2::{Digest, Sha256};
    let io = |err: std::io::Error| IntakeError::Io {
        detail: err.to_string(),
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let metadata = file.metadata().map_err(io)?;
    if !metadata.is_file() {
        return Err(not_a_file(&metadata));
    }
    let too_large = IntakeError::TooLarge {
        limit: limits.max_file_bytes,
    };
    if metadata.len() > limits.max_file_bytes {
        return Err(too_large);
    }
    let mut hasher = Sha256::new();
    let copied = std::io::copy(
        &mut file.take(limits.max_file_bytes.saturating_add(1)),
        &mut hasher,
    )
    .map_err(io)?;
    if copied > limits.max_file_bytes {
        return Err(too_large);
    }
    Ok(hex::encode(hasher.finalize()))
}

/// Decides the format of `bytes`, or why they cannot be read.
pub fn sniff(bytes: &[u8], name: &str, limits: &Limits) -> Result<Format, IntakeError> {
    if bytes.is_empty() {
        return Err(IntakeError::Empty);
    }
    if bytes.len() as u64 > limits.max_file_bytes {
        return Err(IntakeError::TooLarge {
            limit: limits.max_file_bytes,
        });
    }
    if bytes.starts_with(ZIP_MAGIC) || bytes.starts_with(EMPTY_ZIP_MAGIC) {
        return sniff_zip(bytes, limits);
    }
    if bytes.starts_with(CFB_MAGIC) {
        return sniff_cfb(bytes);
    }
    if let Some(unsupported) = xml_spreadsheet(bytes) {
        return Err(unsupported);
    }
    if let Some(what) = known_non_spreadsheet(bytes) {
        return Err(IntakeError::NotSpreadsheet { what: what.into() });
    }
    let ext = extension(name);
    if matches!(ext.as_str(), "csv" | "tsv" | "txt") {
        if looks_binary(bytes) {
            return Err(IntakeError::NotSpreadsheet {
                what: "内容不是文本".into(),
            });
        }
        return Ok(Format::Csv);
    }
    if matches!(ext.as_str(), "xlsx" | "xlsm" | "xlsb" | "ods")
        && bytes.len() >= 2
        && bytes[..2] == ZIP_MAGIC[..2]
    {
        return Err(IntakeError::Corrupt {
            detail: "zip header damaged".into(),
        });
    }
    let what = if looks_binary(bytes) {
        "无法识别的文件内容"
    } else {
        "内容是纯文本；如果是CSV表格，请把扩展名改为.csv"
    };
    Err(IntakeError::NotSpreadsheet { what: what.into() })
}

fn extension(name: &str) -> String {
    Path::new(name)
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default()
}

/// Formats that reach the inbox by mistake, recognised so the message can name them.
fn known_non_spreadsheet(bytes: &[u8]) -> Option<&'static str> {
    let head = &bytes[..bytes.len().min(1024)];
    let lower = String::from_utf8_lossy(head).to_ascii_lowercase();
    let trimmed = lower.trim_start_matches('\u{feff}').trim_start();
    if bytes.starts_with(b"%PDF") {
        Some("PDF文件")
    } else if bytes.starts_with(b"\x89PNG") {
        Some("PNG图片")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("JPEG图片")
    } else if bytes.starts_with(b"GIF8") {
        Some("GIF图片")
    } else if bytes.starts_with(b"{\\rtf") {
        Some("RTF文档")
    } else if bytes.starts_with(b"Rar!") || bytes.starts_with(&[0x37, 0x7A, 0xBC, 0xAF]) {
        Some("压缩包")
    } else if trimmed.starts_with("<html")
        || trimmed.starts_with("<!doctype html")
        || (trimmed.starts_with("<?xml") && lower.contains("<html"))
    {
        Some("网页文件，可能是从系统导出的“伪xls”；请用Excel或WPS打开后另存为.xlsx")
    } else {
        None
    }
}

/// Spreadsheets saved as one XML file, which are spreadsheets but not read here: Excel 2003
/// XML (`SpreadsheetML`) and LibreOffice's flat OpenDocument (.fods). Their root element names
/// them; it comes after the XML declaration and, in a .fods, a long list of namespaces.
fn xml_spreadsheet(bytes: &[u8]) -> Option<IntakeError> {
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(16 * 1024)]);
    let trimmed = head.trim_start_matches('\u{feff}').trim_start();
    if !trimmed.starts_with('<') {
        return None;
    }
    if head.contains("urn:schemas-microsoft-com:office:spreadsheet")
        && (head.contains("<Workbook") || head.contains("<ss:Workbook"))
    {
        return Some(IntakeError::UnsupportedFormat {
            what: "Excel 2003 XML表格（SpreadsheetML，一种旧的Excel格式）".into(),
            save_as: "请用Excel或WPS打开该文件，点“文件→另存为”，保存类型选“Excel 工作簿（*.xlsx）”后再提交"
                .into(),
        });
    }
    if head.contains("<office:document")
        && head.contains("application/vnd.oasis.opendocument.spreadsheet")
    {
        return Some(IntakeError::UnsupportedFormat {
            what: "LibreOffice平面XML表格（.fods）".into(),
            save_as: "请用LibreOffice打开该文件，点“文件→另存为”，保存为.ods或.xlsx后再提交".into(),
        });
    }
    None
}

/// Text files have no NUL bytes except in UTF-16, which starts with a byte-order mark.
fn looks_binary(bytes: &[u8]) -> bool {
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return false;
    }
    let head = &bytes[..bytes.len().min(8192)];
    head.contains(&0) || head.iter().filter(|&&b| b < 0x09).count() > head.len() / 100
}

fn sniff_zip(bytes: &[u8], limits: &Limits) -> Result<Format, IntakeError> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|err| match err {
        zip::result::ZipError::UnsupportedArchive(m) if m.contains("ncrypt") => {
            IntakeError::Encrypted
        }
        other => IntakeError::Corrupt {
            detail: other.to_string(),
        },
    })?;
    let mut declared: u64 = 0;
    let mut names = Vec::with_capacity(archive.len());
    for i in 0..archive.len() {
        let entry = archive
            .by_index_raw(i)
            .map_err(|err| IntakeError::Corrupt {
                detail: err.to_string(),
            })?;
        if entry.encrypted() {
            return Err(IntakeError::Encrypted);
        }
        declared = declared.saturating_add(entry.size());
        // Some writers store part names with Windows backslashes (`xl\workbook.xml`);
        // calamine reads those, so they are recognised as the parts they are.
        names.push(
            entry
                .name()
                .map(|n| n.replace('\\', "/"))
                .unwrap_or_default(),
        );
    }
    if declared > limits.max_unzipped_bytes {
        return Err(IntakeError::ZipBomb {
            declared,
            limit: limits.max_unzipped_bytes,
        });
    }
    let has = |n: &str| names.iter().any(|x| x == n);
    if has("xl/workbook.xml") {
        Ok(Format::Xlsx)
    } else if has("xl/workbook.bin") {
        Ok(Format::Xlsb)
    } else if has("_rels/.rels") && has("[Content_Types].xml") {
        ooxml_elsewhere(&mut archive, &names)
    } else if has("content.xml") && ods_mimetype(&mut archive) {
        if ods_encrypted(&mut archive) {
            return Err(IntakeError::Encrypted);
        }
        Ok(Format::Ods)
    } else if has("word/document.xml") {
        Err(IntakeError::NotSpreadsheet {
            what: "Word文档".into(),
        })
    } else if has("ppt/presentation.xml") {
        Err(IntakeError::NotSpreadsheet {
            what: "PowerPoint演示文稿".into(),
        })
    } else if has("content.xml") {
        Err(IntakeError::NotSpreadsheet {
            what: "OpenDocument文本或演示文稿".into(),
        })
    } else {
        Err(IntakeError::NotSpreadsheet {
            what: "ZIP压缩包".into(),
        })
    }
}

/// An OOXML package whose workbook part is not at `xl/`: `_rels/.rels` names the main part
/// (calamine follows it); the part must exist, and its name says xlsx or xlsb. Word and
/// PowerPoint packages name their own main parts.
fn ooxml_elsewhere(
    archive: &mut zip::ZipArchive<Cursor<&[u8]>>,
    names: &[String],
) -> Result<Format, IntakeError> {
    let rels = read_small(archive, "_rels/.rels")?;
    let target = main_part_target(&rels).ok_or_else(|| IntakeError::PartMissing {
        part: "_rels/.rels中的主文档（officeDocument）关系".into(),
    })?;
    let part = target.trim_start_matches('/').to_owned();
    if !names.contains(&part) {
        return Err(IntakeError::PartMissing { part });
    }
    if part.ends_with("workbook.xml") {
        Ok(Format::Xlsx)
    } else if part.ends_with("workbook.bin") {
        Ok(Format::Xlsb)
    } else if part.ends_with("document.xml") {
        Err(IntakeError::NotSpreadsheet {
            what: "Word文档".into(),
        })
    } else if part.ends_with("presentation.xml") {
        Err(IntakeError::NotSpreadsheet {
            what: "PowerPoint演示文稿".into(),
        })
    } else {
        Err(IntakeError::NotSpreadsheet {
            what: format!("Office文档，主文档是“{part}”"),
        })
    }
}

/// The target of the officeDocument relationship in `_rels/.rels`.
fn main_part_target(rels: &str) -> Option<String> {
    let mut reader = quick_xml::Reader::from_str(rels);
    loop {
        match reader.read_event().ok()? {
            quick_xml::events::Event::Empty(e) | quick_xml::events::Event::Start(e)
                if e.local_name().as_ref() == "Relationship" =>
            {
                let attr = |name: &str| {
                    e.attributes()
                        .flatten()
                        .find(|a| a.key.0 == name)
                        .map(|a| a.value.into_owned())
                };
                if attr("Type").is_some_and(|t| t.ends_with("/officeDocument")) {
                    return attr("Target");
                }
            }
            quick_xml::events::Event::Eof => return None,
            _ => {}
        }
    }
}

/// A small XML part of a package, read whole (bounded: these parts are a few hundred bytes).
fn read_small(
    archive: &mut zip::ZipArchive<Cursor<&[u8]>>,
    name: &str,
) -> Result<String, IntakeError> {
    let corrupt = |detail: String| IntakeError::Corrupt { detail };
    let entry = archive.by_name(name).map_err(|e| corrupt(e.to_string()))?;
    let mut text = String::new();
    entry
        .take(1024 * 1024)
        .read_to_string(&mut text)
        .map_err(|e| corrupt(format!("{name}: {e}")))?;
    Ok(text)
}

/// A password-protected .ods keeps its zip readable but encrypts each part, which the
/// manifest records as `manifest:encryption-data`.
fn ods_encrypted(archive: &mut zip::ZipArchive<Cursor<&[u8]>>) -> bool {
    read_small(archive, "META-INF/manifest.xml")
        .is_ok_and(|manifest| manifest.contains("encryption-data"))
}

fn ods_mimetype(archive: &mut zip::ZipArchive<Cursor<&[u8]>>) -> bool {
    let Ok(entry) = archive.by_name("mimetype") else {
        // Some writers omit it; content.xml alone is taken as ODS and calamine decides.
        return true;
    };
    let mut text = String::new();
    entry.take(200).read_to_string(&mut text).is_ok() && text.contains("opendocument.spreadsheet")
}

/// A compound file is an `.xls`, an encrypted OOXML workbook, or a Word/PowerPoint 97 file.
/// Directory entries store names in UTF-16LE, which is enough to tell them apart.
fn sniff_cfb(bytes: &[u8]) -> Result<Format, IntakeError> {
    let utf16 = |s: &str| -> Vec<u8> { s.encode_utf16().flat_map(u16::to_le_bytes).collect() };
    let contains = |needle: &[u8]| bytes.windows(needle.len()).any(|w| w == needle);
    if contains(&utf16("EncryptedPackage")) {
        return Err(IntakeError::Encrypted);
    }
    if contains(&utf16("Workbook")) || contains(&utf16("Book")) {
        if xls_filepass(bytes) {
            return Err(IntakeError::Encrypted);
        }
        return Ok(Format::Xls);
    }
    if contains(&utf16("WordDocument")) {
        return Err(IntakeError::NotSpreadsheet {
            what: "Word 97-2003文档".into(),
        });
    }
    if contains(&utf16("PowerPoint Document")) {
        return Err(IntakeError::NotSpreadsheet {
            what: "PowerPoint 97-2003演示文稿".into(),
        });
    }
    // Truncated or damaged: let calamine try and report corruption if it fails.
    Ok(Format::Xls)
}

/// Whether the workbook globals of a BIFF8 file start with a FILEPASS record: the file is
/// XOR-obfuscated or RC4-encrypted. FILEPASS follows the globals' BOF record directly (BOF:
/// type 0x0809, 16 bytes, BIFF8 version 0x0600, substream 0x0005 = globals).
fn xls_filepass(bytes: &[u8]) -> bool {
    const GLOBALS_BOF: [u8; 8] = [0x09, 0x08, 0x10, 0x00, 0x00, 0x06, 0x05, 0x00];
    const FILEPASS: [u8; 2] = [0x2F, 0x00];
    bytes
        .windows(GLOBALS_BOF.len())
        .enumerate()
        .filter(|(_, w)| *w == GLOBALS_BOF)
        .any(|(at, _)| bytes.get(at + 20..at + 22) == Some(&FILEPASS[..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> Limits {
        Limits::default()
    }

    #[test]
    fn refuses_empty_and_oversized() {
        assert_eq!(sniff(b"", "a.xlsx", &limits()), Err(IntakeError::Empty));
        let small = Limits {
            max_file_bytes: 4,
            ..limits()
        };
        assert!(matches!(
            sniff(b"12345", "a.csv", &small),
            Err(IntakeError::TooLarge { .. })
        ));
    }

    #[test]
    fn hashes_within_the_limit_and_refuses_past_it_from_the_metadata() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.csv");
        std::fs::write(&path, b"abc").unwrap();
        assert_eq!(
            sha256_bounded(&path, &limits()).unwrap(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        let sparse = dir.path().join("sparse.xlsx");
        std::fs::File::create(&sparse)
            .unwrap()
            .set_len(64 * 1024 * 1024 * 1024)
            .unwrap();
        assert!(matches!(
            sha256_bounded(&sparse, &limits()),
            Err(IntakeError::TooLarge { .. })
        ));
        assert!(matches!(
            sha256_bounded(dir.path(), &limits()),
            Err(IntakeError::NotAFile { directory: true })
        ));
    }

    #[test]
    fn names_common_mistakes() {
        assert!(matches!(
            sniff(b"%PDF-1.7 ...", "a.xlsx", &limits()),
            Err(IntakeError::NotSpreadsheet { what }) if what.contains("PDF")
        ));
        assert!(matches!(
            sniff(b"<html><table>", "a.xls", &limits()),
            Err(IntakeError::NotSpreadsheet { what }) if what.contains("网页")
        ));
        assert!(matches!(
            sniff("学校名称,存在不足情况".as_bytes(), "a.xlsx", &limits()),
            Err(IntakeError::NotSpreadsheet { what }) if what.contains(".csv")
        ));
        assert_eq!(sniff("a,b".as_bytes(), "a.CSV", &limits()), Ok(Format::Csv));
    }

    /// calamine's issue 530: a real xlsx whose part names use Windows backslashes.
    #[test]
    fn part_names_with_backslashes_are_still_xlsx() {
        let mut buf = Cursor::new(Vec::new());
        {
            let mut zip = zip::ZipWriter::new(&mut buf);
            let opts = zip::write::SimpleFileOptions::default();
            for name in ["[Content_Types].xml", "_rels\\.rels", "xl\\workbook.xml"] {
                zip.start_file(name, opts).unwrap();
            }
            zip.finish().unwrap();
        }
        assert_eq!(
            sniff(&buf.into_inner(), "a.xlsx", &limits()),
            Ok(Format::Xlsx)
        );
    }

    #[test]
    fn zip_bomb_is_refused_by_declared_size() {
        let mut buf = Cursor::new(Vec::new());
        {
            let mut zip = zip::ZipWriter::new(&mut buf);
            let opts = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Deflated);
            zip.start_file("xl/workbook.xml", opts).unwrap();
            let zeros = vec![0u8; 1024 * 1024];
            for _ in 0..8 {
                std::io::Write::write_all(&mut zip, &zeros).unwrap();
            }
            zip.finish().unwrap();
        }
        let bytes = buf.into_inner();
        let tight = Limits {
            max_unzipped_bytes: 4 * 1024 * 1024,
            ..limits()
        };
        assert!(matches!(
            sniff(&bytes, "bomb.xlsx", &tight),
            Err(IntakeError::ZipBomb { declared, .. }) if declared == 8 * 1024 * 1024
        ));
        assert_eq!(sniff(&bytes, "bomb.xlsx", &limits()), Ok(Format::Xlsx));
    }

    fn zip_of(parts: &[(&str, &str)]) -> Vec<u8> {
        let mut buf = Cursor::new(Vec::new());
        {
            let mut zip = zip::ZipWriter::new(&mut buf);
            for (name, body) in parts {
                zip.start_file(*name, zip::write::SimpleFileOptions::default())
                    .unwrap();
                std::io::Write::write_all(&mut zip, body.as_bytes()).unwrap();
            }
            zip.finish().unwrap();
        }
        buf.into_inner()
    }

    const RELS: &str = r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="/book/workbook.xml"/></Relationships>"#;

    #[test]
    fn an_ooxml_workbook_is_found_where_the_package_says() {
        let types = ("[Content_Types].xml", "<Types/>");
        let moved = zip_of(&[
            types,
            ("_rels/.rels", RELS),
            ("book/workbook.xml", "<workbook/>"),
        ]);
        assert_eq!(sniff(&moved, "a.xlsx", &limits()), Ok(Format::Xlsx));
        let missing = zip_of(&[types, ("_rels/.rels", RELS)]);
        assert_eq!(
            sniff(&missing, "a.xlsx", &limits()),
            Err(IntakeError::PartMissing {
                part: "book/workbook.xml".into()
            })
        );
    }

    #[test]
    fn a_password_protected_ods_is_encrypted_not_corrupt() {
        let manifest = r#"<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"><manifest:encryption-data manifest:checksum-type="SHA1/1K"/></manifest:file-entry></manifest:manifest>"#;
        let bytes = zip_of(&[
            ("mimetype", "application/vnd.oasis.opendocument.spreadsheet"),
            ("content.xml", "\u{1}\u{2}"),
            ("META-INF/manifest.xml", manifest),
        ]);
        assert_eq!(
            sniff(&bytes, "a.ods", &limits()),
            Err(IntakeError::Encrypted)
        );
    }

    #[test]
    fn an_xls_with_filepass_is_encrypted_not_corrupt() {
        let utf16: Vec<u8> = "Workbook"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        let mut bytes = CFB_MAGIC.to_vec();
        bytes.extend_from_slice(&utf16);
        bytes.extend_from_slice(&[0x09, 0x08, 0x10, 0x00, 0x00, 0x06, 0x05, 0x00]);
        bytes.extend_from_slice(&[0; 12]);
        let plain = bytes.clone();
        // FILEPASS, 6 bytes: wEncryptionType 0 = XOR obfuscation, key, verifier.
        bytes.extend_from_slice(&[0x2F, 0x00, 0x06, 0x00, 0x00, 0x00, 0x12, 0x34, 0x56, 0x78]);
        assert_eq!(
            sniff(&bytes, "a.xls", &limits()),
            Err(IntakeError::Encrypted)
        );
        assert_eq!(sniff(&plain, "a.xls", &limits()), Ok(Format::Xls));
    }

    #[test]
    fn a_folder_is_named_as_one() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(
            read_bounded(dir.path(), &limits()),
            Err(IntakeError::NotAFile { directory: true })
        );
    }

    #[test]
    fn spreadsheets_in_one_xml_file_are_named_not_called_text() {
        let spreadsheetml = r#"<?xml version="1.0"?><?mso-application progid="Excel.Sheet"?><Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"/>"#;
        let fods = format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><office:document {} office:mimetype="application/vnd.oasis.opendocument.spreadsheet">"#,
            "xmlns:x=\"urn:x\" ".repeat(200)
        );
        for (bytes, name, what) in [
            (spreadsheetml.as_bytes(), "a.xml", "Excel 2003"),
            (fods.as_bytes(), "a.fods", ".fods"),
        ] {
            assert!(matches!(
                sniff(bytes, name, &limits()),
                Err(IntakeError::UnsupportedFormat { what: w, .. }) if w.contains(what)
            ));
        }
    }
}
