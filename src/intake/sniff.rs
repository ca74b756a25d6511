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
        return Err(IntakeError::Io {
            detail: "not a regular file".into(),
        });
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
        return Err(IntakeError::Io {
            detail: "not a regular file".into(),
        });
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
    } else if trimmed.starts_with("<?xml")
        && lower.contains("urn:schemas-microsoft-com:office:spreadsheet")
    {
        Some("Excel 2003 XML表格；请用Excel或WPS打开后另存为.xlsx")
    } else {
        None
    }
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
        names.push(entry.name().map(|n| n.into_owned()).unwrap_or_default());
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
    } else if has("content.xml") && ods_mimetype(&mut archive) {
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
            Err(IntakeError::Io { .. })
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
}
