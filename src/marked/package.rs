//! The clerk's `.xlsx` copied with only additions. Every zip entry is copied as it was (its
//! compressed bytes too) except:
//! - `styles.xml`: two fills and the cell formats using them appended; each new format is the
//!   cell's own format with the fill, so number formats, fonts, borders, alignment stay;
//! - each marked sheet: the `s` attribute of the marked cells (an empty cell gets a `<c>` of
//!   its own), and a `<legacyDrawing>` naming the comments' shapes;
//! - `workbook.xml`, its rels and `[Content_Types].xml`: the 问题清单 sheet added first (the
//!   sheet indices of defined names and the active tab shifted by one to keep their sheets);
//! - new parts: the 问题清单 sheet, and per marked sheet its comments, their VML shapes (what
//!   Excel and LibreOffice show) and the sheet's rels.
//!
//! A package this cannot edit safely (strict OOXML, comments already on a marked sheet, a
//! sheet already named 问题清单, parts it cannot find) answers with the reason, and the caller
//! writes a new workbook instead.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Cursor, Read, Write as _};

use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use quick_xml::{Reader, Writer};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipArchive, ZipWriter};

use super::{CellProblems, MarkError, PROBLEM_HEADERS, PROBLEM_SHEET, Problems, quoted_location};
use crate::diag::{Location, Severity, column_letters};
use crate::intake::Limits;

const NS_MAIN: &str = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
const NS_REL: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
const NS_PKG_REL: &str = "http://schemas.openxmlformats.org/package/2006/relationships";
const REL_WORKSHEET: &str =
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet";
const REL_COMMENTS: &str =
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/comments";
const REL_VML: &str =
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/vmlDrawing";
const CT_WORKSHEET: &str =
    "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml";
const CT_COMMENTS: &str =
    "application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml";
const CT_VML: &str = "application/vnd.openxmlformats-officedocument.vmlDrawing";

/// Top-level worksheet elements that come after `legacyDrawing` in the schema's order.
const AFTER_LEGACY_DRAWING: [&str; 8] = [
    "legacyDrawingHF",
    "drawingHF",
    "picture",
    "oleObjects",
    "controls",
    "webPublishItems",
    "tableParts",
    "extLst",
];

/// Why a package is not edited (for the receipt, in Chinese).
type Refusal = String;

type Xml = Writer<Vec<u8>>;

/// The marked copy, or the reason to write a new workbook instead.
pub(super) fn mark(
    bytes: &[u8],
    problems: &Problems,
    limits: &Limits,
) -> Result<Result<Vec<u8>, Refusal>, MarkError> {
    let mut zip = match ZipArchive::new(Cursor::new(bytes)) {
        Ok(zip) => zip,
        Err(_) => return Ok(Err("文件不是可编辑的xlsx压缩包".into())),
    };
    // The reader accepted these parts under the same limit; checked again, as marking reads
    // every part it edits.
    let mut declared = 0u64;
    for i in 0..zip.len() {
        let Ok(entry) = zip.by_index_raw(i) else {
            return Ok(Err("压缩包中有无法读取的部件".into()));
        };
        if entry.encrypted() {
            return Ok(Err("文件已加密".into()));
        }
        declared = declared.saturating_add(entry.size());
    }
    if declared > limits.max_unzipped_bytes {
        return Err(MarkError::TooLarge { declared });
    }
    let edits = Editor::new(&mut zip).and_then(|editor| editor.edit(problems));
    match edits {
        Ok(edits) => Ok(write_zip(&mut zip, edits).map_err(|e| format!("写入失败：{e}"))),
        Err(refusal) => Ok(Err(refusal)),
    }
}

/// Parts replaced and added, by name.
struct Edits {
    replaced: BTreeMap<String, Vec<u8>>,
    added: Vec<(String, Vec<u8>)>,
}

fn write_zip(zip: &mut ZipArchive<Cursor<&[u8]>>, edits: Edits) -> zip::result::ZipResult<Vec<u8>> {
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .last_modified_time(DateTime::default());
    let mut out = ZipWriter::new(Cursor::new(Vec::new()));
    for i in 0..zip.len() {
        let name = zip.by_index_raw(i)?.name()?.into_owned();
        match edits.replaced.get(&name) {
            Some(bytes) => {
                out.start_file(name, options)?;
                out.write_all(bytes)?;
            }
            None => out.raw_copy_file(zip.by_index_raw(i)?)?,
        }
    }
    for (name, bytes) in &edits.added {
        out.start_file(name.as_str(), options)?;
        out.write_all(bytes)?;
    }
    Ok(out.finish()?.into_inner())
}

/// One sheet of the workbook: its name, relationship id and part.
struct SheetRef {
    name: String,
    part: Option<String>,
}

struct Editor<'z, 'b> {
    zip: &'z mut ZipArchive<Cursor<&'b [u8]>>,
    names: BTreeSet<String>,
    workbook: String,
    workbook_rels: String,
    sheets: Vec<SheetRef>,
    styles: String,
}

impl<'z, 'b> Editor<'z, 'b> {
    fn new(zip: &'z mut ZipArchive<Cursor<&'b [u8]>>) -> Result<Editor<'z, 'b>, Refusal> {
        let names: BTreeSet<String> = zip
            .file_names()
            .map(|n| {
                n.map(|n| n.into_owned())
                    .map_err(|_| "压缩包中有无法读取的名称".to_owned())
            })
            .collect::<Result<_, _>>()?;
        let mut editor = Editor {
            zip,
            names,
            workbook: String::new(),
            workbook_rels: String::new(),
            sheets: Vec::new(),
            styles: String::new(),
        };
        let root_rels = editor.text("_rels/.rels")?;
        let main = rels(&root_rels)?
            .into_iter()
            .find(|r| r.kind.ends_with("/officeDocument"))
            .ok_or("找不到工作簿部件")?;
        editor.workbook = resolve("", &main.target);
        let text = editor.text(&editor.workbook.clone())?;
        if text.contains("purl.oclc.org/ooxml") {
            return Err("文件是严格（Strict）OOXML格式".into());
        }
        editor.workbook_rels = rels_part(&editor.workbook);
        let wb_rels = rels(&editor.text(&editor.workbook_rels.clone())?)?;
        let dir = dir_of(&editor.workbook);
        for (name, rid) in workbook_sheets(&text)? {
            let part = wb_rels
                .iter()
                .find(|r| r.id == rid && r.kind.ends_with("/worksheet"))
                .map(|r| resolve(&dir, &r.target));
            editor.sheets.push(SheetRef { name, part });
        }
        if editor.sheets.iter().any(|s| s.name == PROBLEM_SHEET) {
            return Err(format!(
                "文件中已有名为“{PROBLEM_SHEET}”的工作表（可能是之前的批注版）"
            ));
        }
        editor.styles = wb_rels
            .iter()
            .find(|r| r.kind.ends_with("/styles"))
            .map(|r| resolve(&dir, &r.target))
            .ok_or("文件没有样式部件")?;
        Ok(editor)
    }

    /// A part as text, read no further than its declared size (checked against the limit on
    /// the whole package): a part that inflates beyond what it declares is refused.
    fn text(&mut self, name: &str) -> Result<String, Refusal> {
        let entry = self
            .zip
            .by_name(name)
            .map_err(|_| format!("找不到部件{name}"))?;
        let declared = entry.size();
        let mut text = String::new();
        entry
            .take(declared.saturating_add(1))
            .read_to_string(&mut text)
            .map_err(|_| format!("部件{name}无法读取"))?;
        if text.len() as u64 > declared {
            return Err(format!("部件{name}的大小与声明的不符"));
        }
        Ok(text)
    }

    fn free_name(&self, stem: &str, ext: &str, taken: &BTreeSet<String>) -> (u32, String) {
        (1..)
            .map(|n| (n, format!("{stem}{n}.{ext}")))
            .find(|(_, name)| !self.names.contains(name) && !taken.contains(name))
            .unwrap_or_else(|| unreachable!("an unbounded range"))
    }

    fn edit(mut self, problems: &Problems) -> Result<Edits, Refusal> {
        let styles_text = self.text(&self.styles.clone())?;
        let mut styles = Styles::read(&styles_text)?;
        let mut replaced = BTreeMap::new();
        let mut added = Vec::new();
        let mut taken = BTreeSet::new();
        let mut content_types = ContentTypes::default();
        let mut vml_block = 0u32;
        let sheet_parts: Vec<(String, String)> = self
            .sheets
            .iter()
            .filter_map(|s| s.part.clone().map(|p| (s.name.clone(), p)))
            .collect();
        for (name, part) in &sheet_parts {
            let cells: Vec<(&Location, &CellProblems)> = problems.on_sheet(name).collect();
            if cells.is_empty() {
                continue;
            }
            let sheet_rels_name = rels_part(part);
            let mut sheet_rels = match self.names.contains(&sheet_rels_name) {
                true => Some(self.text(&sheet_rels_name)?),
                false => None,
            };
            let existing = match &sheet_rels {
                Some(text) => rels(text)?,
                None => Vec::new(),
            };
            if existing
                .iter()
                .any(|r| r.kind.ends_with("/comments") || r.kind.ends_with("/vmlDrawing"))
            {
                return Err(format!("工作表“{name}”中已有批注"));
            }
            let (n, comments_part) = self.free_name("xl/comments", "xml", &taken);
            taken.insert(comments_part.clone());
            let (_, vml_part) = self.free_name("xl/drawings/vmlDrawing", "vml", &taken);
            taken.insert(vml_part.clone());
            let _ = n;
            let rid_vml = free_rid(&existing, 0);
            let rid_comments = free_rid(&existing, 1);
            let sheet_text = self.text(part)?;
            let targets: BTreeMap<(u32, u32), Severity> = cells
                .iter()
                .map(|(loc, p)| ((loc.row, loc.col), p.severity))
                .collect();
            let new_sheet = mark_sheet(&sheet_text, &targets, &mut styles, &rid_vml)?;
            replaced.insert(part.clone(), new_sheet);
            vml_block += 1;
            added.push((comments_part.clone(), comments_xml(&cells)));
            added.push((vml_part.clone(), vml(&cells, vml_block)));
            let sheet_dir = dir_of(part);
            let new_rels = add_rels(
                sheet_rels.take().as_deref(),
                &[
                    (
                        rid_comments.as_str(),
                        REL_COMMENTS,
                        relative(&sheet_dir, &comments_part),
                    ),
                    (rid_vml.as_str(), REL_VML, relative(&sheet_dir, &vml_part)),
                ],
            )?;
            if self.names.contains(&sheet_rels_name) {
                replaced.insert(sheet_rels_name, new_rels);
            } else {
                added.push((sheet_rels_name, new_rels));
            }
            content_types
                .overrides
                .push((format!("/{comments_part}"), CT_COMMENTS));
            content_types.vml = true;
        }
        // The 问题清单 sheet.
        let (_, list_part) = self.free_name("xl/worksheets/sheet", "xml", &taken);
        let linked: BTreeSet<&str> = sheet_parts.iter().map(|(n, _)| n.as_str()).collect();
        added.push((
            list_part.clone(),
            problem_sheet(problems, &linked, &mut styles),
        ));
        content_types
            .overrides
            .push((format!("/{list_part}"), CT_WORKSHEET));
        let wb_rels_text = self.text(&self.workbook_rels.clone())?;
        let rid_list = free_rid(&rels(&wb_rels_text)?, 0);
        let wb_dir = dir_of(&self.workbook);
        replaced.insert(
            self.workbook_rels.clone(),
            add_rels(
                Some(&wb_rels_text),
                &[(
                    rid_list.as_str(),
                    REL_WORKSHEET,
                    relative(&wb_dir, &list_part),
                )],
            )?,
        );
        let wb_text = self.text(&self.workbook.clone())?;
        replaced.insert(
            self.workbook.clone(),
            add_problem_sheet(&wb_text, &rid_list)?,
        );
        replaced.insert(self.styles.clone(), styles.write(&styles_text)?);
        let ct = self.text("[Content_Types].xml")?;
        replaced.insert("[Content_Types].xml".to_owned(), content_types.write(&ct)?);
        Ok(Edits { replaced, added })
    }
}

fn xml_err(e: impl std::fmt::Display) -> Refusal {
    format!("XML无法解析：{e}")
}

/// `dir/_rels/name.rels` for `dir/name`.
fn rels_part(part: &str) -> String {
    match part.rsplit_once('/') {
        Some((dir, name)) => format!("{dir}/_rels/{name}.rels"),
        None => format!("_rels/{part}.rels"),
    }
}

fn dir_of(part: &str) -> String {
    part.rsplit_once('/')
        .map_or(String::new(), |(d, _)| d.to_owned())
}

/// A relationship target resolved to a part name (no leading slash).
fn resolve(dir: &str, target: &str) -> String {
    if let Some(abs) = target.strip_prefix('/') {
        return abs.to_owned();
    }
    let mut parts: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
    for piece in target.split('/') {
        match piece {
            ".." => {
                parts.pop();
            }
            "." | "" => {}
            p => parts.push(p),
        }
    }
    parts.join("/")
}

/// An absolute target (`/xl/comments1.xml`): valid from any part, so no relative path is
/// worked out.
fn relative(_dir: &str, part: &str) -> String {
    format!("/{part}")
}

struct Rel {
    id: String,
    kind: String,
    target: String,
}

fn attr(e: &BytesStart, key: &str) -> Option<String> {
    let mut attrs = e.attributes();
    attrs.with_checks(false);
    attrs.flatten().find(|a| a.key.0 == key).and_then(|a| {
        a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
            .ok()
            .map(|v| v.into_owned())
    })
}

fn rels(text: &str) -> Result<Vec<Rel>, Refusal> {
    let mut reader = Reader::from_str(text);
    let mut out = Vec::new();
    loop {
        match reader.read_event().map_err(xml_err)? {
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == "Relationship" => {
                out.push(Rel {
                    id: attr(&e, "Id").unwrap_or_default(),
                    kind: attr(&e, "Type").unwrap_or_default(),
                    target: attr(&e, "Target").unwrap_or_default(),
                });
            }
            Event::Eof => return Ok(out),
            _ => {}
        }
    }
}

/// An id no relationship of `existing` has: `rId<max+1+offset>`.
fn free_rid(existing: &[Rel], offset: u32) -> String {
    let max = existing
        .iter()
        .filter_map(|r| r.id.strip_prefix("rId")?.parse::<u32>().ok())
        .max()
        .unwrap_or(0);
    let mut n = max + 1 + offset;
    while existing.iter().any(|r| r.id == format!("rId{n}")) {
        n += 1;
    }
    format!("rId{n}")
}

/// `rels` (or a new rels part) with relationships appended.
fn add_rels(text: Option<&str>, new: &[(&str, &str, String)]) -> Result<Vec<u8>, Refusal> {
    let write_new = |w: &mut Xml| -> std::io::Result<()> {
        for (id, kind, target) in new {
            let mut e = BytesStart::new("Relationship");
            e.push_attribute(("Id", *id));
            e.push_attribute(("Type", *kind));
            e.push_attribute(("Target", target.as_str()));
            w.write_event(Event::Empty(e))?;
        }
        Ok(())
    };
    let Some(text) = text else {
        let mut w = Writer::new(Vec::new());
        decl(&mut w).map_err(xml_err)?;
        let mut root = BytesStart::new("Relationships");
        root.push_attribute(("xmlns", NS_PKG_REL));
        w.write_event(Event::Start(root)).map_err(xml_err)?;
        write_new(&mut w).map_err(xml_err)?;
        w.write_event(Event::End(BytesEnd::new("Relationships")))
            .map_err(xml_err)?;
        return Ok(w.into_inner());
    };
    rewrite(text, |w, event| match event {
        Event::End(e) if e.local_name().as_ref() == "Relationships" => {
            write_new(w)?;
            w.write_event(Event::End(e))?;
            Ok(true)
        }
        Event::Empty(e) if e.local_name().as_ref() == "Relationships" => {
            w.write_event(Event::Start(e.clone()))?;
            write_new(w)?;
            w.write_event(Event::End(e.to_end()))?;
            Ok(true)
        }
        _ => Ok(false),
    })
}

fn decl(w: &mut Xml) -> std::io::Result<()> {
    w.write_event(Event::Decl(BytesDecl::new(
        "1.0",
        Some("UTF-8"),
        Some("yes"),
    )))?;
    w.write_event(Event::Text(BytesText::from_escaped("\n")))
}

/// Streams `text` through `edit`, which writes an event itself (answering true) or leaves it
/// to be copied (false).
fn rewrite(
    text: &str,
    mut edit: impl FnMut(&mut Xml, Event) -> std::io::Result<bool>,
) -> Result<Vec<u8>, Refusal> {
    let mut reader = Reader::from_str(text);
    let mut w = Writer::new(Vec::with_capacity(text.len() + 4096));
    loop {
        let event = reader.read_event().map_err(xml_err)?;
        if matches!(event, Event::Eof) {
            return Ok(w.into_inner());
        }
        if !edit(&mut w, event.clone()).map_err(xml_err)? {
            w.write_event(event).map_err(xml_err)?;
        }
    }
}

/// The sheets in workbook order: name and relationship id.
fn workbook_sheets(text: &str) -> Result<Vec<(String, String)>, Refusal> {
    let mut reader = Reader::from_str(text);
    let mut out = Vec::new();
    loop {
        match reader.read_event().map_err(xml_err)? {
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == "sheet" => {
                let rid = e
                    .attributes()
                    .flatten()
                    .find(|a| a.key.0.ends_with(":id"))
                    .and_then(|a| {
                        a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                            .ok()
                            .map(|v| v.into_owned())
                    })
                    .unwrap_or_default();
                out.push((attr(&e, "name").unwrap_or_default(), rid));
            }
            Event::Eof => return Ok(out),
            _ => {}
        }
    }
}

/// `name` with the prefix of `like` (`x:c` in a document whose elements are `x:`-prefixed).
fn qualified(like: &str, name: &str) -> String {
    match like.split_once(':') {
        Some((prefix, _)) => format!("{prefix}:{name}"),
        None => name.to_owned(),
    }
}

/// `start` with `key` set to `value` (replaced in place, or appended).
fn with_attr(start: &BytesStart, key: &str, value: &str) -> BytesStart<'static> {
    let mut out = BytesStart::new(start.name().0.to_owned());
    let mut done = false;
    let mut attrs = start.attributes();
    attrs.with_checks(false);
    for a in attrs.flatten() {
        if a.key.0 == key {
            out.push_attribute((key, value));
            done = true;
        } else {
            out.push_attribute(a);
        }
    }
    if !done {
        out.push_attribute((key, value));
    }
    out
}

/// The workbook with the 问题清单 sheet first: sheet indices in defined names and views
/// shifted by one so they keep naming the same sheets.
fn add_problem_sheet(text: &str, rid: &str) -> Result<Vec<u8>, Refusal> {
    let mut max_id = 0u32;
    let mut reader = Reader::from_str(text);
    loop {
        match reader.read_event().map_err(xml_err)? {
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == "sheet" => {
                max_id = max_id.max(
                    attr(&e, "sheetId")
                        .and_then(|v| v.parse().ok())
                        .unwrap_or(0),
                );
            }
            Event::Eof => break,
            _ => {}
        }
    }
    let shift = |e: &BytesStart, key: &str| -> Option<BytesStart<'static>> {
        let v: u32 = attr(e, key)?.parse().ok()?;
        Some(with_attr(e, key, &(v + 1).to_string()))
    };
    rewrite(text, |w, event| match &event {
        Event::Start(e) if e.local_name().as_ref() == "sheets" => {
            w.write_event(event.clone())?;
            let mut sheet = BytesStart::new(qualified(e.name().0, "sheet"));
            sheet.push_attribute(("name", PROBLEM_SHEET));
            sheet.push_attribute(("sheetId", (max_id + 1).to_string().as_str()));
            sheet.push_attribute(("xmlns:r", NS_REL));
            sheet.push_attribute(("r:id", rid));
            w.write_event(Event::Empty(sheet))?;
            Ok(true)
        }
        Event::Start(e) if e.local_name().as_ref() == "definedName" => {
            match shift(e, "localSheetId") {
                Some(s) => w.write_event(Event::Start(s)).map(|_| true),
                None => Ok(false),
            }
        }
        Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == "workbookView" => {
            let mut s = shift(e, "activeTab").unwrap_or_else(|| with_attr(e, "activeTab", "1"));
            if let Some(shifted) = shift(&s, "firstSheet") {
                s = shifted;
            }
            let s = if matches!(event, Event::Empty(_)) {
                Event::Empty(s)
            } else {
                Event::Start(s)
            };
            w.write_event(s).map(|_| true)
        }
        _ => Ok(false),
    })
}

#[derive(Default)]
struct ContentTypes {
    overrides: Vec<(String, &'static str)>,
    vml: bool,
}

impl ContentTypes {
    fn write(&self, text: &str) -> Result<Vec<u8>, Refusal> {
        let has_vml = {
            let mut reader = Reader::from_str(text);
            let mut found = false;
            loop {
                match reader.read_event().map_err(xml_err)? {
                    Event::Start(e) | Event::Empty(e)
                        if e.local_name().as_ref() == "Default"
                            && attr(&e, "Extension")
                                .is_some_and(|x| x.eq_ignore_ascii_case("vml")) =>
                    {
                        found = true;
                    }
                    Event::Eof => break found,
                    _ => {}
                }
            }
        };
        rewrite(text, |w, event| match event {
            Event::End(e) if e.local_name().as_ref() == "Types" => {
                if self.vml && !has_vml {
                    let mut d = BytesStart::new("Default");
                    d.push_attribute(("Extension", "vml"));
                    d.push_attribute(("ContentType", CT_VML));
                    w.write_event(Event::Empty(d))?;
                }
                for (part, kind) in &self.overrides {
                    let mut o = BytesStart::new("Override");
                    o.push_attribute(("PartName", part.as_str()));
                    o.push_attribute(("ContentType", *kind));
                    w.write_event(Event::Empty(o))?;
                }
                w.write_event(Event::End(e))?;
                Ok(true)
            }
            _ => Ok(false),
        })
    }
}

/// A cell format to append: a copy of an existing one with a fill, or one for the 问题清单.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum NewXf {
    Filled {
        of: u32,
        severity: Severity,
    },
    /// The 问题清单's text: wrapped, at the top of its row.
    Wrap,
    /// The 问题清单's 级别: filled, at the top of its row.
    Level(Severity),
}

/// `styles.xml`: what it holds, and the formats appended.
struct Styles {
    fills: u32,
    xfs: u32,
    added: Vec<NewXf>,
}

impl Styles {
    fn read(text: &str) -> Result<Styles, Refusal> {
        let mut reader = Reader::from_str(text);
        let (mut fills, mut xfs) = (None, None);
        let mut stack: Vec<String> = Vec::new();
        loop {
            let event = reader.read_event().map_err(xml_err)?;
            let (start, empty) = match &event {
                Event::Start(e) => (Some(e.local_name().as_ref().to_owned()), false),
                Event::Empty(e) => (Some(e.local_name().as_ref().to_owned()), true),
                Event::End(_) => {
                    stack.pop();
                    continue;
                }
                Event::Eof => break,
                _ => continue,
            };
            let Some(name) = start else { continue };
            let parent = stack.last().map(String::as_str);
            match (parent, name.as_str()) {
                (Some("styleSheet"), "fills") => fills = Some(0),
                (Some("styleSheet"), "cellXfs") => xfs = Some(0),
                (Some("fills"), "fill") => *fills.get_or_insert(0) += 1,
                (Some("cellXfs"), "xf") => *xfs.get_or_insert(0) += 1,
                _ => {}
            }
            if !empty {
                stack.push(name);
            }
        }
        match (fills, xfs) {
            // Every writer keeps the two fills the format reserves (none, gray125).
            (Some(fills), Some(xfs)) if xfs > 0 && fills >= 2 => Ok(Styles {
                fills,
                xfs,
                added: Vec::new(),
            }),
            _ => Err("样式部件中没有填充或单元格格式".into()),
        }
    }

    /// The index of a format to append, allocated once.
    fn xf(&mut self, new: NewXf) -> u32 {
        let at = match self.added.iter().position(|x| *x == new) {
            Some(at) => at,
            None => {
                self.added.push(new);
                self.added.len() - 1
            }
        };
        self.xfs + at as u32
    }

    fn fill_of(&self, severity: Severity) -> u32 {
        match severity {
            Severity::Error => self.fills,
            Severity::Warning => self.fills + 1,
        }
    }

    /// The part with the fills and formats appended, every existing one as it was.
    fn write(&self, text: &str) -> Result<Vec<u8>, Refusal> {
        // The existing cell formats, as events, to copy from.
        let mut originals: Vec<Vec<Event<'static>>> = Vec::new();
        let mut capturing: Option<(Vec<Event<'static>>, usize)> = None;
        let mut stack: Vec<String> = Vec::new();
        rewrite(text, |w, event| {
            if let Some((events, depth)) = &mut capturing {
                events.push(event.clone().into_owned());
                match &event {
                    Event::Start(_) => *depth += 1,
                    Event::End(_) => *depth -= 1,
                    _ => {}
                }
                if *depth == 0 {
                    let (events, _) = capturing.take().unwrap_or_default();
                    originals.push(events);
                }
                if !matches!(event, Event::End(_)) || stack.last().map(String::as_str) != Some("xf")
                {
                    // fallthrough: copied below
                }
            }
            let parent = stack.last().cloned();
            let handled = match &event {
                Event::Start(e) => {
                    let name = e.local_name().as_ref().to_owned();
                    let out = match (parent.as_deref(), name.as_str()) {
                        (Some("styleSheet"), "fills") => {
                            w.write_event(Event::Start(with_attr(
                                e,
                                "count",
                                &(self.fills + 2).to_string(),
                            )))?;
                            true
                        }
                        (Some("styleSheet"), "cellXfs") => {
                            let count = self.xfs + self.added.len() as u32;
                            w.write_event(Event::Start(with_attr(e, "count", &count.to_string())))?;
                            true
                        }
                        (Some("cellXfs"), "xf") if capturing.is_none() => {
                            capturing = Some((vec![event.clone().into_owned()], 1));
                            false
                        }
                        _ => false,
                    };
                    stack.push(name);
                    out
                }
                Event::Empty(e) => {
                    if parent.as_deref() == Some("cellXfs") && e.local_name().as_ref() == "xf" {
                        originals.push(vec![event.clone().into_owned()]);
                    }
                    false
                }
                Event::End(e) => {
                    stack.pop();
                    match e.local_name().as_ref() {
                        "fills" if stack.last().map(String::as_str) == Some("styleSheet") => {
                            for rgb in ["FFFFC7CE", "FFFFEB9C"] {
                                write_fill(w, e.name().0, rgb)?;
                            }
                            w.write_event(Event::End(e.clone()))?;
                            true
                        }
                        "cellXfs" if stack.last().map(String::as_str) == Some("styleSheet") => {
                            for new in &self.added {
                                self.write_xf(w, *new, &originals, e.name().0)?;
                            }
                            w.write_event(Event::End(e.clone()))?;
                            true
                        }
                        _ => false,
                    }
                }
                _ => false,
            };
            Ok(handled)
        })
    }

    fn write_xf(
        &self,
        w: &mut Xml,
        new: NewXf,
        originals: &[Vec<Event<'static>>],
        like: &str,
    ) -> std::io::Result<()> {
        match new {
            NewXf::Filled { of, severity } => {
                let fill = self.fill_of(severity).to_string();
                let events = originals.get(of as usize).or(originals.first());
                let Some(events) = events else { return Ok(()) };
                for (i, event) in events.iter().enumerate() {
                    if i == 0 {
                        let (start, empty) = match event {
                            Event::Start(e) => (e, false),
                            Event::Empty(e) => (e, true),
                            _ => continue,
                        };
                        let s = with_attr(&with_attr(start, "fillId", &fill), "applyFill", "1");
                        w.write_event(if empty {
                            Event::Empty(s)
                        } else {
                            Event::Start(s)
                        })?;
                    } else {
                        w.write_event(event.clone())?;
                    }
                }
                Ok(())
            }
            NewXf::Wrap | NewXf::Level(_) => {
                let fill = match new {
                    NewXf::Level(severity) => self.fill_of(severity).to_string(),
                    _ => "0".to_owned(),
                };
                let mut xf = BytesStart::new(qualified(like, "xf"));
                for (k, v) in [
                    ("numFmtId", "0"),
                    ("fontId", "0"),
                    ("fillId", fill.as_str()),
                    ("borderId", "0"),
                    ("xfId", "0"),
                    ("applyFill", "1"),
                    ("applyAlignment", "1"),
                ] {
                    xf.push_attribute((k, v));
                }
                w.write_event(Event::Start(xf))?;
                let mut al = BytesStart::new(qualified(like, "alignment"));
                al.push_attribute(("vertical", "top"));
                if new == NewXf::Wrap {
                    al.push_attribute(("wrapText", "1"));
                }
                w.write_event(Event::Empty(al))?;
                w.write_event(Event::End(BytesEnd::new(qualified(like, "xf"))))
            }
        }
    }
}

fn write_fill(w: &mut Xml, like: &str, rgb: &str) -> std::io::Result<()> {
    let q = |n: &str| qualified(like, n);
    w.write_event(Event::Start(BytesStart::new(q("fill"))))?;
    let mut pattern = BytesStart::new(q("patternFill"));
    pattern.push_attribute(("patternType", "solid"));
    w.write_event(Event::Start(pattern))?;
    let mut fg = BytesStart::new(q("fgColor"));
    fg.push_attribute(("rgb", rgb));
    w.write_event(Event::Empty(fg))?;
    let mut bg = BytesStart::new(q("bgColor"));
    bg.push_attribute(("indexed", "64"));
    w.write_event(Event::Empty(bg))?;
    w.write_event(Event::End(BytesEnd::new(q("patternFill"))))?;
    w.write_event(Event::End(BytesEnd::new(q("fill"))))
}

/// `A1` → (0, 0).
fn parse_ref(r: &str) -> Option<(u32, u32)> {
    let split = r.find(|c: char| c.is_ascii_digit())?;
    let (letters, digits) = r.split_at(split);
    if letters.is_empty() {
        return None;
    }
    let col = letters.chars().try_fold(0u32, |acc, c| {
        c.is_ascii_uppercase()
            .then(|| acc.checked_mul(26)?.checked_add(c as u32 - 'A' as u32 + 1))
            .flatten()
    })?;
    let row: u32 = digits.parse().ok()?;
    Some((row.checked_sub(1)?, col.checked_sub(1)?))
}

/// One marked sheet: the marked cells' `s` replaced by a filled copy of their format (new
/// `<c>` elements for empty cells), and the `legacyDrawing` added; everything else as it was.
fn mark_sheet(
    text: &str,
    targets: &BTreeMap<(u32, u32), Severity>,
    styles: &mut Styles,
    rid_vml: &str,
) -> Result<Vec<u8>, Refusal> {
    let mut pending: BTreeMap<(u32, u32), Severity> = targets.clone();
    let mut depth = 0usize;
    let mut root = String::new();
    let mut cols: Vec<(u32, u32, u32)> = Vec::new();
    let mut row: Option<u32> = None;
    let mut last_row: Option<u32> = None;
    let mut row_style: Option<u32> = None;
    let mut col: Option<u32> = None;
    let mut in_sheet_data = false;
    let mut drawn = false;

    // The format a new cell takes where none is written: its row's, else its column's.
    let inherited = |cols: &[(u32, u32, u32)], row_style: Option<u32>, c: u32| -> u32 {
        row_style.unwrap_or_else(|| {
            cols.iter()
                .find(|(min, max, _)| (*min..=*max).contains(&(c + 1)))
                .map_or(0, |(_, _, s)| *s)
        })
    };
    let new_cell = |w: &mut Xml, root: &str, r: u32, c: u32, s: u32| -> std::io::Result<()> {
        let mut e = BytesStart::new(qualified(root, "c"));
        e.push_attribute(("r", format!("{}{}", column_letters(c), r + 1).as_str()));
        e.push_attribute(("s", s.to_string().as_str()));
        w.write_event(Event::Empty(e))
    };
    // Empty cells of rows before `before` (rows absent from the sheet), each row whole.
    let flush_rows = |w: &mut Xml,
                      root: &str,
                      pending: &mut BTreeMap<(u32, u32), Severity>,
                      styles: &mut Styles,
                      cols: &[(u32, u32, u32)],
                      before: u32|
     -> std::io::Result<()> {
        while let Some((&(r, _), _)) = pending.iter().next() {
            if r >= before {
                break;
            }
            let mut e = BytesStart::new(qualified(root, "row"));
            e.push_attribute(("r", (r + 1).to_string().as_str()));
            w.write_event(Event::Start(e))?;
            let cells: Vec<(u32, Severity)> = pending
                .range((r, 0)..=(r, u32::MAX))
                .map(|(&(_, c), &s)| (c, s))
                .collect();
            for (c, severity) in cells {
                pending.remove(&(r, c));
                let of = inherited(cols, None, c);
                let s = styles.xf(NewXf::Filled { of, severity });
                new_cell(w, root, r, c, s)?;
            }
            w.write_event(Event::End(BytesEnd::new(qualified(root, "row"))))?;
        }
        Ok(())
    };
    // Empty cells of row `r` before column `before`.
    let flush_cells = |w: &mut Xml,
                       root: &str,
                       pending: &mut BTreeMap<(u32, u32), Severity>,
                       styles: &mut Styles,
                       cols: &[(u32, u32, u32)],
                       row_style: Option<u32>,
                       r: u32,
                       before: u32|
     -> std::io::Result<()> {
        let cells: Vec<(u32, Severity)> = pending
            .range((r, 0)..(r, before))
            .map(|(&(_, c), &s)| (c, s))
            .collect();
        for (c, severity) in cells {
            pending.remove(&(r, c));
            let of = inherited(cols, row_style, c);
            let s = styles.xf(NewXf::Filled { of, severity });
            new_cell(w, root, r, c, s)?;
        }
        Ok(())
    };
    let legacy = |w: &mut Xml, root: &str| -> std::io::Result<()> {
        let mut e = BytesStart::new(qualified(root, "legacyDrawing"));
        e.push_attribute(("xmlns:r", NS_REL));
        e.push_attribute(("r:id", rid_vml));
        w.write_event(Event::Empty(e))
    };

    let out = rewrite(text, |w, event| {
        let (start, empty) = match &event {
            Event::Start(e) => (Some(e), false),
            Event::Empty(e) => (Some(e), true),
            _ => (None, false),
        };
        if let Some(e) = start {
            let name = e.local_name().as_ref().to_owned();
            if depth == 0 {
                root = e.name().0.to_owned();
            }
            if depth == 1 && !drawn && AFTER_LEGACY_DRAWING.contains(&name.as_str()) {
                legacy(w, &root)?;
                drawn = true;
            }
            let mut handled = false;
            match name.as_str() {
                "col" if depth == 2 => {
                    let n = |k| attr(e, k).and_then(|v| v.parse::<u32>().ok());
                    if let (Some(min), Some(max), Some(s)) = (n("min"), n("max"), n("style")) {
                        cols.push((min, max, s));
                    }
                }
                "sheetData" if depth == 1 => {
                    in_sheet_data = true;
                    if empty {
                        w.write_event(Event::Start(e.clone()))?;
                        flush_rows(w, &root, &mut pending, styles, &cols, u32::MAX)?;
                        w.write_event(Event::End(e.to_end()))?;
                        in_sheet_data = false;
                        handled = true;
                    }
                }
                "row" if in_sheet_data && depth == 2 => {
                    let r = attr(e, "r")
                        .and_then(|v| v.parse::<u32>().ok())
                        .and_then(|r| r.checked_sub(1))
                        .unwrap_or_else(|| last_row.map_or(0, |l| l + 1));
                    flush_rows(w, &root, &mut pending, styles, &cols, r)?;
                    row = Some(r);
                    last_row = Some(r);
                    col = None;
                    row_style = (attr(e, "customFormat").as_deref() == Some("1"))
                        .then(|| attr(e, "s").and_then(|v| v.parse().ok()))
                        .flatten();
                    if empty {
                        w.write_event(Event::Start(e.clone()))?;
                        flush_cells(
                            w,
                            &root,
                            &mut pending,
                            styles,
                            &cols,
                            row_style,
                            r,
                            u32::MAX,
                        )?;
                        w.write_event(Event::End(e.to_end()))?;
                        row = None;
                        handled = true;
                    }
                }
                "c" if depth == 3 && row.is_some() => {
                    let r = row.unwrap_or_default();
                    let c = attr(e, "r")
                        .and_then(|v| parse_ref(&v))
                        .map(|(_, c)| c)
                        .unwrap_or_else(|| col.map_or(0, |c| c + 1));
                    flush_cells(w, &root, &mut pending, styles, &cols, row_style, r, c)?;
                    col = Some(c);
                    if let Some(severity) = pending.remove(&(r, c)) {
                        let of = attr(e, "s")
                            .and_then(|v| v.parse().ok())
                            .unwrap_or_else(|| inherited(&cols, row_style, c));
                        let s = styles.xf(NewXf::Filled { of, severity });
                        let marked = with_attr(e, "s", &s.to_string());
                        w.write_event(if empty {
                            Event::Empty(marked)
                        } else {
                            Event::Start(marked)
                        })?;
                        handled = true;
                    }
                }
                _ => {}
            }
            if !empty {
                depth += 1;
            }
            return Ok(handled);
        }
        if let Event::End(e) = &event {
            depth = depth.saturating_sub(1);
            let name = e.local_name();
            match name.as_ref() {
                "row" if in_sheet_data && depth == 2 => {
                    if let Some(r) = row.take() {
                        flush_cells(
                            w,
                            &root,
                            &mut pending,
                            styles,
                            &cols,
                            row_style,
                            r,
                            u32::MAX,
                        )?;
                    }
                }
                "sheetData" if depth == 1 => {
                    flush_rows(w, &root, &mut pending, styles, &cols, u32::MAX)?;
                    in_sheet_data = false;
                }
                _ if depth == 0 && !drawn => {
                    legacy(w, &root)?;
                    drawn = true;
                }
                _ => {}
            }
        }
        Ok(false)
    })?;
    if !pending.is_empty() || !drawn {
        return Err("工作表结构无法识别".into());
    }
    Ok(out)
}

/// The comments part of one sheet.
fn comments_xml(cells: &[(&Location, &CellProblems)]) -> Vec<u8> {
    let mut w = Writer::new(Vec::new());
    let write = |w: &mut Xml| -> std::io::Result<()> {
        decl(w)?;
        let mut root = BytesStart::new("comments");
        root.push_attribute(("xmlns", NS_MAIN));
        w.write_event(Event::Start(root))?;
        w.write_event(Event::Start(BytesStart::new("authors")))?;
        w.write_event(Event::Start(BytesStart::new("author")))?;
        w.write_event(Event::Text(BytesText::new("gongwen")))?;
        w.write_event(Event::End(BytesEnd::new("author")))?;
        w.write_event(Event::End(BytesEnd::new("authors")))?;
        w.write_event(Event::Start(BytesStart::new("commentList")))?;
        for (loc, problems) in cells {
            let mut c = BytesStart::new("comment");
            c.push_attribute(("ref", loc.a1().as_str()));
            c.push_attribute(("authorId", "0"));
            w.write_event(Event::Start(c))?;
            w.write_event(Event::Start(BytesStart::new("text")))?;
            let mut t = BytesStart::new("t");
            t.push_attribute(("xml:space", "preserve"));
            w.write_event(Event::Start(t))?;
            w.write_event(Event::Text(BytesText::new(&xml_safe(&problems.comment()))))?;
            w.write_event(Event::End(BytesEnd::new("t")))?;
            w.write_event(Event::End(BytesEnd::new("text")))?;
            w.write_event(Event::End(BytesEnd::new("comment")))?;
        }
        w.write_event(Event::End(BytesEnd::new("commentList")))?;
        w.write_event(Event::End(BytesEnd::new("comments")))
    };
    write(&mut w).unwrap_or_else(|e| unreachable!("writing to memory: {e}"));
    w.into_inner()
}

/// Text without the control characters XML 1.0 cannot carry.
fn xml_safe(text: &str) -> String {
    text.chars()
        .filter(|&c| c == '\n' || c == '\t' || !c.is_control())
        .collect()
}

/// The legacy shapes the comments are shown in (Excel and LibreOffice both need them).
fn vml(cells: &[(&Location, &CellProblems)], block: u32) -> Vec<u8> {
    let mut w = Writer::new(Vec::new());
    let write = |w: &mut Xml| -> std::io::Result<()> {
        let mut root = BytesStart::new("xml");
        root.push_attribute(("xmlns:v", "urn:schemas-microsoft-com:vml"));
        root.push_attribute(("xmlns:o", "urn:schemas-microsoft-com:office:office"));
        root.push_attribute(("xmlns:x", "urn:schemas-microsoft-com:office:excel"));
        w.write_event(Event::Start(root))?;
        let mut layout = BytesStart::new("o:shapelayout");
        layout.push_attribute(("v:ext", "edit"));
        w.write_event(Event::Start(layout))?;
        let mut idmap = BytesStart::new("o:idmap");
        idmap.push_attribute(("v:ext", "edit"));
        idmap.push_attribute(("data", block.to_string().as_str()));
        w.write_event(Event::Empty(idmap))?;
        w.write_event(Event::End(BytesEnd::new("o:shapelayout")))?;
        let mut st = BytesStart::new("v:shapetype");
        for (k, v) in [
            ("id", "_x0000_t202"),
            ("coordsize", "21600,21600"),
            ("o:spt", "202"),
            ("path", "m,l,21600r21600,l21600,xe"),
        ] {
            st.push_attribute((k, v));
        }
        w.write_event(Event::Start(st))?;
        let mut stroke = BytesStart::new("v:stroke");
        stroke.push_attribute(("joinstyle", "miter"));
        w.write_event(Event::Empty(stroke))?;
        let mut path = BytesStart::new("v:path");
        path.push_attribute(("gradientshapeok", "t"));
        path.push_attribute(("o:connecttype", "rect"));
        w.write_event(Event::Empty(path))?;
        w.write_event(Event::End(BytesEnd::new("v:shapetype")))?;
        for (i, (loc, problems)) in cells.iter().enumerate() {
            let lines = problems.comment().lines().count() as u32;
            let id = format!("_x0000_s{}", block * 1024 + 1 + i as u32);
            let mut shape = BytesStart::new("v:shape");
            let height = 15 + 15 * lines.max(2);
            shape.push_attribute(("id", id.as_str()));
            shape.push_attribute(("type", "#_x0000_t202"));
            shape.push_attribute((
                "style",
                format!(
                    "position:absolute;margin-left:60pt;margin-top:2pt;width:240pt;height:{height}pt;z-index:{};visibility:hidden",
                    i + 1
                )
                .as_str(),
            ));
            shape.push_attribute(("fillcolor", "#ffffe1"));
            shape.push_attribute(("o:insetmode", "auto"));
            w.write_event(Event::Start(shape))?;
            let mut fill = BytesStart::new("v:fill");
            fill.push_attribute(("color2", "#ffffe1"));
            w.write_event(Event::Empty(fill))?;
            let mut shadow = BytesStart::new("v:shadow");
            shadow.push_attribute(("on", "t"));
            shadow.push_attribute(("color", "black"));
            shadow.push_attribute(("obscured", "t"));
            w.write_event(Event::Empty(shadow))?;
            let mut path = BytesStart::new("v:path");
            path.push_attribute(("o:connecttype", "none"));
            w.write_event(Event::Empty(path))?;
            let mut tb = BytesStart::new("v:textbox");
            tb.push_attribute(("style", "mso-direction-alt:auto"));
            w.write_event(Event::Start(tb))?;
            let mut div = BytesStart::new("div");
            div.push_attribute(("style", "text-align:left"));
            w.write_event(Event::Start(div))?;
            w.write_event(Event::End(BytesEnd::new("div")))?;
            w.write_event(Event::End(BytesEnd::new("v:textbox")))?;
            let mut cd = BytesStart::new("x:ClientData");
            cd.push_attribute(("ObjectType", "Note"));
            w.write_event(Event::Start(cd))?;
            w.write_event(Event::Empty(BytesStart::new("x:MoveWithCells")))?;
            w.write_event(Event::Empty(BytesStart::new("x:SizeWithCells")))?;
            let anchor = format!(
                "{}, 15, {}, 2, {}, 15, {}, 4",
                loc.col + 1,
                loc.row,
                loc.col + 5,
                loc.row + 2 + lines
            );
            for (name, text) in [
                ("x:Anchor", anchor),
                ("x:AutoFill", "False".to_owned()),
                ("x:Row", loc.row.to_string()),
                ("x:Column", loc.col.to_string()),
            ] {
                w.write_event(Event::Start(BytesStart::new(name)))?;
                w.write_event(Event::Text(BytesText::new(&text)))?;
                w.write_event(Event::End(BytesEnd::new(name)))?;
            }
            w.write_event(Event::End(BytesEnd::new("x:ClientData")))?;
            w.write_event(Event::End(BytesEnd::new("v:shape")))?;
        }
        w.write_event(Event::End(BytesEnd::new("xml")))
    };
    write(&mut w).unwrap_or_else(|e| unreachable!("writing to memory: {e}"));
    w.into_inner()
}

/// The 问题清单 sheet: inline strings (the shared strings stay as they were), the level
/// filled, the location a link to its cell when that sheet is in the workbook.
fn problem_sheet(problems: &Problems, linked: &BTreeSet<&str>, styles: &mut Styles) -> Vec<u8> {
    let wrap = styles.xf(NewXf::Wrap);
    let error = styles.xf(NewXf::Level(Severity::Error));
    let warning = styles.xf(NewXf::Level(Severity::Warning));
    let mut w = Writer::new(Vec::new());
    let mut links: Vec<(String, String, String)> = Vec::new();
    let write = |w: &mut Xml, links: &mut Vec<(String, String, String)>| -> std::io::Result<()> {
        decl(w)?;
        let mut root = BytesStart::new("worksheet");
        root.push_attribute(("xmlns", NS_MAIN));
        root.push_attribute(("xmlns:r", NS_REL));
        w.write_event(Event::Start(root))?;
        // Printed landscape, as wide as one page: the messages are long.
        w.write_event(Event::Start(BytesStart::new("sheetPr")))?;
        let mut fit = BytesStart::new("pageSetUpPr");
        fit.push_attribute(("fitToPage", "1"));
        w.write_event(Event::Empty(fit))?;
        w.write_event(Event::End(BytesEnd::new("sheetPr")))?;
        w.write_event(Event::Start(BytesStart::new("cols")))?;
        let text = super::TEXT_COLUMN_WIDTH;
        for (i, width) in [6, 6, 24, text, text].iter().enumerate() {
            let mut c = BytesStart::new("col");
            let n = (i + 1).to_string();
            c.push_attribute(("min", n.as_str()));
            c.push_attribute(("max", n.as_str()));
            c.push_attribute(("width", width.to_string().as_str()));
            c.push_attribute(("customWidth", "1"));
            w.write_event(Event::Empty(c))?;
        }
        w.write_event(Event::End(BytesEnd::new("cols")))?;
        w.write_event(Event::Start(BytesStart::new("sheetData")))?;
        let cell =
            |w: &mut Xml, r: u32, c: u32, text: &str, s: Option<u32>| -> std::io::Result<()> {
                let mut e = BytesStart::new("c");
                e.push_attribute(("r", format!("{}{}", column_letters(c), r + 1).as_str()));
                if let Some(s) = s {
                    e.push_attribute(("s", s.to_string().as_str()));
                }
                e.push_attribute(("t", "inlineStr"));
                w.write_event(Event::Start(e))?;
                w.write_event(Event::Start(BytesStart::new("is")))?;
                let mut t = BytesStart::new("t");
                t.push_attribute(("xml:space", "preserve"));
                w.write_event(Event::Start(t))?;
                w.write_event(Event::Text(BytesText::new(&xml_safe(text))))?;
                w.write_event(Event::End(BytesEnd::new("t")))?;
                w.write_event(Event::End(BytesEnd::new("is")))?;
                w.write_event(Event::End(BytesEnd::new("c")))
            };
        let row_start = |w: &mut Xml, r: u32, height: Option<f64>| -> std::io::Result<()> {
            let mut e = BytesStart::new("row");
            e.push_attribute(("r", (r + 1).to_string().as_str()));
            if let Some(height) = height {
                e.push_attribute(("ht", height.to_string().as_str()));
                e.push_attribute(("customHeight", "1"));
            }
            w.write_event(Event::Start(e))
        };
        row_start(w, 0, None)?;
        for (c, h) in PROBLEM_HEADERS.iter().enumerate() {
            cell(w, 0, c as u32, h, None)?;
        }
        w.write_event(Event::End(BytesEnd::new("row")))?;
        for (i, d) in problems.list.iter().enumerate() {
            let r = i as u32 + 1;
            row_start(w, r, Some(super::row_height(d)))?;
            let mut n = BytesStart::new("c");
            n.push_attribute(("r", format!("A{}", r + 1).as_str()));
            n.push_attribute(("s", wrap.to_string().as_str()));
            w.write_event(Event::Start(n))?;
            w.write_event(Event::Start(BytesStart::new("v")))?;
            w.write_event(Event::Text(BytesText::new(&(i + 1).to_string())))?;
            w.write_event(Event::End(BytesEnd::new("v")))?;
            w.write_event(Event::End(BytesEnd::new("c")))?;
            let level = if d.is_error() { error } else { warning };
            cell(w, r, 1, d.severity.label_zh(), Some(level))?;
            if let Some(loc) = &d.cell {
                cell(w, r, 2, &loc.to_string(), Some(wrap))?;
                if linked.contains(loc.sheet.as_str()) && super::markable(loc) {
                    links.push((format!("C{}", r + 1), quoted_location(loc), loc.to_string()));
                }
            }
            cell(w, r, 3, &d.message, Some(wrap))?;
            cell(w, r, 4, d.hint.as_deref().unwrap_or(""), Some(wrap))?;
            w.write_event(Event::End(BytesEnd::new("row")))?;
        }
        w.write_event(Event::End(BytesEnd::new("sheetData")))?;
        if !links.is_empty() {
            w.write_event(Event::Start(BytesStart::new("hyperlinks")))?;
            for (at, location, display) in links.iter() {
                let mut h = BytesStart::new("hyperlink");
                h.push_attribute(("ref", at.as_str()));
                h.push_attribute(("location", location.as_str()));
                h.push_attribute(("display", display.as_str()));
                w.write_event(Event::Empty(h))?;
            }
            w.write_event(Event::End(BytesEnd::new("hyperlinks")))?;
        }
        let mut margins = BytesStart::new("pageMargins");
        for (k, v) in [
            ("left", "0.5"),
            ("right", "0.5"),
            ("top", "0.75"),
            ("bottom", "0.75"),
            ("header", "0.3"),
            ("footer", "0.3"),
        ] {
            margins.push_attribute((k, v));
        }
        w.write_event(Event::Empty(margins))?;
        let mut setup = BytesStart::new("pageSetup");
        for (k, v) in [
            ("paperSize", "9"),
            ("orientation", "landscape"),
            ("fitToWidth", "1"),
            ("fitToHeight", "0"),
        ] {
            setup.push_attribute((k, v));
        }
        w.write_event(Event::Empty(setup))?;
        w.write_event(Event::End(BytesEnd::new("worksheet")))
    };
    write(&mut w, &mut links).unwrap_or_else(|e| unreachable!("writing to memory: {e}"));
    w.into_inner()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn styles() -> Styles {
        Styles {
            fills: 2,
            xfs: 3,
            added: Vec::new(),
        }
    }

    fn marked(sheet: &str, targets: &[((u32, u32), Severity)]) -> String {
        let targets = targets.iter().copied().collect();
        let out = mark_sheet(sheet, &targets, &mut styles(), "rId9").unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn empty_cells_get_a_cell_of_their_own_in_row_and_column_order() {
        let sheet = r#"<worksheet xmlns="m"><cols><col min="2" max="2" style="2"/></cols><sheetData><row r="2"><c r="A2" s="1"><v>1</v></c><c r="C2"><v>2</v></c></row><row r="5"><c r="A5"/></row></sheetData><pageMargins/><tableParts count="0"/></worksheet>"#;
        let out = marked(
            sheet,
            &[
                ((0, 0), Severity::Error),
                ((1, 0), Severity::Warning),
                ((1, 1), Severity::Error),
                ((3, 2), Severity::Error),
                ((9, 0), Severity::Error),
            ],
        );
        assert_eq!(
            out,
            r#"<worksheet xmlns="m"><cols><col min="2" max="2" style="2"/></cols><sheetData><row r="1"><c r="A1" s="3"/></row><row r="2"><c r="A2" s="4"><v>1</v></c><c r="B2" s="5"/><c r="C2"><v>2</v></c></row><row r="4"><c r="C4" s="3"/></row><row r="5"><c r="A5"/></row><row r="10"><c r="A10" s="3"/></row></sheetData><pageMargins/><legacyDrawing xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" r:id="rId9"/><tableParts count="0"/></worksheet>"#
        );
    }

    #[test]
    fn prefixed_sheets_and_cells_without_references_are_followed() {
        let sheet = r#"<x:worksheet xmlns:x="m"><x:sheetData><x:row><x:c><x:v>1</x:v></x:c><x:c><x:v>2</x:v></x:c></x:row></x:sheetData></x:worksheet>"#;
        let out = marked(
            sheet,
            &[((0, 1), Severity::Error), ((0, 3), Severity::Warning)],
        );
        assert_eq!(
            out,
            r#"<x:worksheet xmlns:x="m"><x:sheetData><x:row><x:c><x:v>1</x:v></x:c><x:c s="3"><x:v>2</x:v></x:c><x:c r="D1" s="4"/></x:row></x:sheetData><x:legacyDrawing xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" r:id="rId9"/></x:worksheet>"#
        );
    }

    #[test]
    fn an_empty_sheet_data_is_opened_for_the_marks() {
        let out = marked(
            r#"<worksheet><sheetData/></worksheet>"#,
            &[((2, 0), Severity::Warning)],
        );
        assert!(
            out.contains(r#"<sheetData><row r="3"><c r="A3" s="3"/></row></sheetData>"#),
            "{out}"
        );
    }

    #[test]
    fn references_parse() {
        assert_eq!(parse_ref("A1"), Some((0, 0)));
        assert_eq!(parse_ref("AB12"), Some((11, 27)));
        assert_eq!(parse_ref("1"), None);
        assert_eq!(parse_ref("A0"), None);
    }
}
