//! The marked workbook (批注版): the clerk's own workbook returned with every problem filled
//! and commented, and a first sheet 问题清单; for an `.xlsx` a copy whose other parts are the
//! original's bytes, for other formats a new workbook of the cells as read.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};

use gongwen::diag::{Diagnostic, Severity};
use gongwen::intake::{self, Limits, RawWorkbook};
use gongwen::marked::{self, How};
use gongwen::model::Source;

const REL_NS: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
const RED: &str = "FFFFC7CE";
const YELLOW: &str = "FFFFEB9C";

/// Every part of a package, by name.
fn unzip(bytes: &[u8]) -> BTreeMap<String, Vec<u8>> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    let mut parts = BTreeMap::new();
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).unwrap();
        let mut data = Vec::new();
        entry.read_to_end(&mut data).unwrap();
        parts.insert(entry.name().unwrap().into_owned(), data);
    }
    parts
}

fn text(parts: &BTreeMap<String, Vec<u8>>, name: &str) -> String {
    String::from_utf8(
        parts
            .get(name)
            .unwrap_or_else(|| panic!("no part {name}"))
            .clone(),
    )
    .unwrap()
}

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

fn rels_of(parts: &BTreeMap<String, Vec<u8>>, part: &str) -> Vec<(String, String, String)> {
    let (dir, name) = part.rsplit_once('/').unwrap();
    let Some(bytes) = parts.get(&format!("{dir}/_rels/{name}.rels")) else {
        return Vec::new();
    };
    let text = String::from_utf8(bytes.clone()).unwrap();
    let doc = roxmltree::Document::parse(&text).unwrap();
    doc.descendants()
        .filter(|n| n.has_tag_name("Relationship"))
        .map(|n| {
            (
                n.attribute("Id").unwrap().to_owned(),
                n.attribute("Type").unwrap().to_owned(),
                resolve(dir, n.attribute("Target").unwrap()),
            )
        })
        .collect()
}

/// The sheets in order: name and part.
fn sheets(parts: &BTreeMap<String, Vec<u8>>) -> Vec<(String, String)> {
    let wb = text(parts, "xl/workbook.xml");
    let doc = roxmltree::Document::parse(&wb).unwrap();
    let rels = rels_of(parts, "xl/workbook.xml");
    doc.descendants()
        .filter(|n| n.has_tag_name("sheet"))
        .map(|n| {
            let rid = n.attribute((REL_NS, "id")).unwrap();
            let part = rels.iter().find(|r| r.0 == rid).unwrap().2.clone();
            (n.attribute("name").unwrap().to_owned(), part)
        })
        .collect()
}

/// A cell format: its attributes and its XML.
type Xf = (BTreeMap<String, String>, String);

/// The cell formats (`cellXfs`) as (attributes, children's XML) and the fills' colours.
fn styles(parts: &BTreeMap<String, Vec<u8>>) -> (Vec<Xf>, Vec<Option<String>>) {
    let st = text(parts, "xl/styles.xml");
    let doc = roxmltree::Document::parse(&st).unwrap();
    let fills = doc
        .descendants()
        .find(|n| n.has_tag_name("fills"))
        .unwrap()
        .children()
        .filter(|n| n.has_tag_name("fill"))
        .map(|f| {
            f.descendants()
                .find(|n| n.has_tag_name("fgColor"))
                .and_then(|c| c.attribute("rgb"))
                .map(str::to_owned)
        })
        .collect();
    let xfs = doc
        .descendants()
        .find(|n| n.has_tag_name("cellXfs"))
        .unwrap()
        .children()
        .filter(|n| n.has_tag_name("xf"))
        .map(|x| {
            let attrs = x
                .attributes()
                .map(|a| (a.name().to_owned(), a.value().to_owned()))
                .collect();
            (attrs, st[x.range()].to_owned())
        })
        .collect();
    (xfs, fills)
}

/// What a marked workbook marks: each cell (`Sheet!A1`, sheets other than 问题清单) with the
/// light red or yellow fill, and each comment's text.
#[derive(Debug, Default)]
struct Marks {
    fills: BTreeMap<String, String>,
    comments: BTreeMap<String, String>,
    /// The `s` of every cell, to compare formats with the original.
    styles: BTreeMap<String, usize>,
}

fn marks(bytes: &[u8]) -> Marks {
    let parts = unzip(bytes);
    let (xfs, fills) = styles(&parts);
    let mut out = Marks::default();
    for (name, part) in sheets(&parts) {
        if name == marked::PROBLEM_SHEET {
            continue;
        }
        let sheet = text(&parts, &part);
        let doc = roxmltree::Document::parse(&sheet).unwrap();
        for c in doc.descendants().filter(|n| n.has_tag_name("c")) {
            let at = format!("{name}!{}", c.attribute("r").unwrap());
            let s: usize = c.attribute("s").map_or(0, |s| s.parse().unwrap());
            out.styles.insert(at.clone(), s);
            let fill_id: usize = xfs[s].0.get("fillId").map_or(0, |f| f.parse().unwrap());
            if let Some(Some(rgb)) = fills.get(fill_id)
                && (rgb == RED || rgb == YELLOW)
            {
                out.fills.insert(at, rgb.clone());
            }
        }
        for (_, kind, target) in rels_of(&parts, &part) {
            if kind.ends_with("/comments") {
                let c = text(&parts, &target);
                let doc = roxmltree::Document::parse(&c).unwrap();
                for comment in doc.descendants().filter(|n| n.has_tag_name("comment")) {
                    let body: String = comment
                        .descendants()
                        .filter(|n| n.is_text())
                        .filter_map(|n| n.text())
                        .collect();
                    out.comments.insert(
                        format!("{name}!{}", comment.attribute("ref").unwrap()),
                        body,
                    );
                }
            }
        }
    }
    out
}

/// The marks the diagnostics ask for: each cell's colour and the messages its comment holds.
fn expected(diagnostics: &[Diagnostic]) -> BTreeMap<String, (String, Vec<String>)> {
    let mut out: BTreeMap<String, (String, Vec<String>)> = BTreeMap::new();
    for d in diagnostics {
        if let Some(cell) = &d.cell {
            let entry = out
                .entry(cell.to_string())
                .or_insert_with(|| (YELLOW.to_owned(), Vec::new()));
            if d.severity == Severity::Error {
                entry.0 = RED.to_owned();
            }
            entry.1.push(d.message.clone());
        }
    }
    out
}

/// Asserts the marks are exactly the diagnostics' cells, each comment carrying its messages.
fn assert_marks_match(bytes: &[u8], diagnostics: &[Diagnostic]) {
    let marks = marks(bytes);
    let want = expected(diagnostics);
    let filled: BTreeMap<String, String> = want
        .iter()
        .map(|(k, (c, _))| (k.clone(), c.clone()))
        .collect();
    assert_eq!(marks.fills, filled, "filled cells");
    assert_eq!(
        marks.comments.keys().collect::<Vec<_>>(),
        want.keys().collect::<Vec<_>>(),
        "commented cells"
    );
    for (cell, (_, messages)) in &want {
        for m in messages {
            assert!(
                marks.comments[cell].contains(m.as_str()),
                "{cell}: {m} not in {:?}",
                marks.comments[cell]
            );
        }
    }
}

fn read(path: &Path) -> (Vec<u8>, RawWorkbook, Vec<Diagnostic>) {
    let bytes = std::fs::read(path).unwrap();
    let limits = Limits::default();
    let name = intake::file_name(path);
    let raw = intake::read_bytes(&bytes, &name, &limits).unwrap();
    let source = Source {
        file: name,
        sha256: String::new(),
    };
    let submission = gongwen::pipeline::submission_from_workbook(&raw, source, &limits);
    (bytes, raw, submission.diagnostics)
}

fn fixture(case: &str) -> PathBuf {
    let dir = common::fixtures().join(case);
    std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e != "json" && e != "md"))
        .unwrap()
}

/// The values of every sheet but 问题清单, as calamine reads them.
fn values(bytes: &[u8]) -> BTreeMap<String, Vec<Vec<String>>> {
    use calamine::{Reader, open_workbook_auto_from_rs};
    let mut book = open_workbook_auto_from_rs(Cursor::new(bytes.to_vec())).unwrap();
    let mut out = BTreeMap::new();
    for name in book.sheet_names() {
        if name == marked::PROBLEM_SHEET {
            continue;
        }
        let range = book.worksheet_range(&name).unwrap();
        let start = range.start().unwrap_or((0, 0));
        let mut rows: Vec<Vec<String>> = vec![vec![format!("{start:?}")]];
        rows.extend(
            range
                .rows()
                .map(|r| r.iter().map(|c| c.to_string()).collect()),
        );
        out.insert(name, rows);
    }
    out
}

#[test]
fn an_xls_becomes_a_new_workbook_with_the_cells_where_they_were() {
    for case in [
        "dates/typed_cells_xls",
        "dates/typed_cells_ods",
        "deadlines/csv_excel_2020_1",
    ] {
        let path = fixture(case);
        let (bytes, raw, diagnostics) = read(&path);
        assert!(
            diagnostics.iter().any(|d| d.cell.is_some()),
            "{case}: no cell to mark"
        );
        let marked = marked::mark(&bytes, &raw, &diagnostics, &Limits::default()).unwrap();
        assert_eq!(marked.how, How::Rebuilt { reason: None }, "{case}");
        assert_marks_match(&marked.bytes, &diagnostics);
        // The same cells read back at the same places.
        let again = intake::read_bytes(&marked.bytes, "x.xlsx", &Limits::default()).unwrap();
        let sheets: Vec<_> = again
            .sheets
            .iter()
            .filter(|s| s.name != marked::PROBLEM_SHEET)
            .collect();
        assert_eq!(sheets.len(), raw.sheets.len(), "{case}");
        for (a, b) in sheets.iter().zip(&raw.sheets) {
            assert_eq!(a.name, b.name);
            for row in b.origin.0..b.row_end() {
                for col in b.origin.1..b.col_end() {
                    assert_eq!(
                        a.get(row, col),
                        b.get(row, col),
                        "{case} {}!{row}:{col}",
                        a.name
                    );
                }
            }
        }
        // The same input, the same bytes.
        let twice = marked::mark(&bytes, &raw, &diagnostics, &Limits::default()).unwrap();
        assert_eq!(twice.bytes, marked.bytes, "{case}: not deterministic");
        // The list: first, every problem, in order.
        let parts = unzip(&marked.bytes);
        assert_eq!(sheets_of(&parts)[0], marked::PROBLEM_SHEET);
        assert_problem_list(&marked.bytes, &diagnostics);
    }
}

fn sheets_of(parts: &BTreeMap<String, Vec<u8>>) -> Vec<String> {
    sheets(parts).into_iter().map(|(n, _)| n).collect()
}

/// The 问题清单 lists every diagnostic in order, and links each located one to its cell.
fn assert_problem_list(bytes: &[u8], diagnostics: &[Diagnostic]) {
    use calamine::{Reader, open_workbook_auto_from_rs};
    let mut book = open_workbook_auto_from_rs(Cursor::new(bytes.to_vec())).unwrap();
    let range = book.worksheet_range(marked::PROBLEM_SHEET).unwrap();
    let rows: Vec<Vec<String>> = range
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    assert_eq!(rows[0], marked::PROBLEM_HEADERS.map(String::from).to_vec());
    assert_eq!(rows.len(), diagnostics.len() + 1);
    for (i, d) in diagnostics.iter().enumerate() {
        let row = &rows[i + 1];
        assert_eq!(row[0], (i + 1).to_string());
        assert_eq!(row[1], d.severity.label_zh());
        assert_eq!(
            row[2],
            d.cell.as_ref().map(|c| c.to_string()).unwrap_or_default()
        );
        assert_eq!(row[3], d.message);
    }
    let parts = unzip(bytes);
    let (_, part) = sheets(&parts).into_iter().next().unwrap();
    let sheet = text(&parts, &part);
    let doc = roxmltree::Document::parse(&sheet).unwrap();
    let links: Vec<String> = doc
        .descendants()
        .filter(|n| n.has_tag_name("hyperlink"))
        .map(|n| {
            n.attribute("location")
                .map(str::to_owned)
                .unwrap_or_default()
        })
        .collect();
    let linked: Vec<String> = diagnostics
        .iter()
        .filter_map(|d| d.cell.as_ref())
        .map(|c| format!("'{}'!{}", c.sheet.replace('\'', "''"), c.a1()))
        .collect();
    assert_eq!(links, linked);
}

/// Parts the copy may change; anything else must be the original's bytes.
fn may_change(name: &str, marked_sheets: &BTreeSet<String>) -> bool {
    matches!(
        name,
        "[Content_Types].xml" | "xl/workbook.xml" | "xl/_rels/workbook.xml.rels" | "xl/styles.xml"
    ) || marked_sheets.contains(name)
        || marked_sheets.iter().any(|s| {
            let (dir, file) = s.rsplit_once('/').unwrap();
            name == format!("{dir}/_rels/{file}.rels")
        })
}

/// Asserts the copy keeps every other part byte for byte, adds only comments, their shapes,
/// rels and the 问题清单 sheet, and keeps each marked cell's format apart from its fill.
fn assert_copy_of(original: &[u8], marked: &[u8]) {
    let before = unzip(original);
    let after = unzip(marked);
    let marks = marks(marked);
    let sheet_parts: BTreeMap<String, String> = sheets(&before).into_iter().collect();
    let marked_sheets: BTreeSet<String> = marks
        .fills
        .keys()
        .map(|cell| sheet_parts[cell.rsplit_once('!').unwrap().0].clone())
        .collect();
    for (name, bytes) in &before {
        let now = after
            .get(name)
            .unwrap_or_else(|| panic!("part {name} lost"));
        if !may_change(name, &marked_sheets) {
            assert!(now == bytes, "part {name} changed");
        }
    }
    let (list_name, list_part) = sheets(&after).into_iter().next().unwrap();
    assert_eq!(list_name, marked::PROBLEM_SHEET);
    for name in after.keys().filter(|n| !before.contains_key(*n)) {
        let allowed = name.starts_with("xl/comments")
            || name.starts_with("xl/drawings/vmlDrawing")
            || (name.starts_with("xl/worksheets/_rels/") && may_change(name, &marked_sheets))
            || *name == list_part;
        assert!(allowed, "unexpected new part {name}");
    }
    // The other sheets keep their order after the list.
    assert_eq!(sheets_of(&after)[1..], sheets_of(&before)[..]);
    // Each marked cell: its own format with the fill, nothing else changed.
    let (xfs_before, _) = styles(&before);
    let (xfs_after, _) = styles(&after);
    let original_styles = {
        let mut styles = BTreeMap::new();
        for (name, part) in sheets(&before) {
            let sheet = text(&before, &part);
            let doc = roxmltree::Document::parse(&sheet).unwrap();
            for c in doc.descendants().filter(|n| n.has_tag_name("c")) {
                let s: usize = c.attribute("s").map_or(0, |s| s.parse().unwrap());
                styles.insert(format!("{name}!{}", c.attribute("r").unwrap()), s);
            }
        }
        styles
    };
    assert_eq!(
        xfs_after[..xfs_before.len()],
        xfs_before[..],
        "existing formats changed"
    );
    let without_fill = |xf: &Xf| {
        let mut attrs = xf.0.clone();
        attrs.remove("fillId");
        attrs.remove("applyFill");
        let children =
            xf.1.split_once('>')
                .map(|(_, rest)| rest.to_owned())
                .unwrap_or_default();
        (attrs, children)
    };
    for (cell, s) in &marks.styles {
        match original_styles.get(cell) {
            Some(was) if marks.fills.contains_key(cell) => {
                assert_eq!(
                    without_fill(&xfs_after[*s]),
                    without_fill(&xfs_before[*was]),
                    "{cell}"
                );
            }
            Some(was) => assert_eq!(s, was, "{cell}: an unmarked cell's format changed"),
            None => assert!(
                marks.fills.contains_key(cell),
                "{cell}: a cell added unmarked"
            ),
        }
    }
    // calamine reads the same values from the original sheets.
    assert_eq!(values(marked), values(original));
}

/// LibreOffice opens the file (converts it to PDF), or the test says why it could not run.
fn assert_libreoffice_opens(bytes: &[u8], name: &str) {
    if !common::have_tool("soffice") {
        common::skip("soffice (LibreOffice) not installed");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    let (_, pdfs) = common::pdf_tools::soffice_to_pdf(dir.path(), &[path], "pdf");
    assert!(std::fs::metadata(&pdfs[0]).unwrap().len() > 1000);
}

#[test]
fn an_xlsx_is_copied_with_only_the_marks_added() {
    for case in [
        "errors/deadline_invalid",
        "errors/deadline_missing",
        "errors/county_suffix_missing",
        "errors/many_problems",
    ] {
        let path = fixture(case);
        let (bytes, raw, diagnostics) = read(&path);
        let marked = marked::mark(&bytes, &raw, &diagnostics, &Limits::default()).unwrap();
        assert_eq!(marked.how, How::Copy, "{case}");
        assert_marks_match(&marked.bytes, &diagnostics);
        assert_copy_of(&bytes, &marked.bytes);
        assert_problem_list(&marked.bytes, &diagnostics);
        let twice = marked::mark(&bytes, &raw, &diagnostics, &Limits::default()).unwrap();
        assert_eq!(twice.bytes, marked.bytes, "{case}: not deterministic");
    }
}

/// A filing written by `rust_xlsxwriter` with what a clerk's file carries: merged cells, a data
/// validation, a formula, number formats, borders and fonts on the cells to be marked.
fn clerk_workbook() -> Vec<u8> {
    use rust_xlsxwriter::{DataValidation, Format, FormatBorder, Formula, Workbook};
    let mut book = Workbook::new();
    let ws = book.add_worksheet();
    ws.set_name("学校整改清单").unwrap();
    let title = Format::new().set_bold().set_font_size(16);
    let cell = Format::new()
        .set_border(FormatBorder::Thin)
        .set_text_wrap()
        .set_font_name("宋体");
    let month = Format::new()
        .set_border(FormatBorder::Medium)
        .set_num_format("yyyy\"年\"m\"月\"")
        .set_italic();
    ws.write(0, 0, "附件1").unwrap();
    ws.merge_range(1, 0, 1, 3, "义务教育学校达到优质均衡目标整改清单", &title)
        .unwrap();
    ws.merge_range(
        2,
        0,
        2,
        3,
        "县（市、区）名称：西湖区          填报日期：2019年5月20日",
        &Format::new(),
    )
    .unwrap();
    ws.write(3, 0, "计划创建年份：2020年").unwrap();
    for (c, h) in ["学校名称", "存在不足情况", "整改提升措施", "完成时限"]
        .iter()
        .enumerate()
    {
        ws.write_with_format(4, c as u16, *h, &cell).unwrap();
    }
    ws.merge_range(5, 0, 6, 0, "杭州市文三街小学", &cell)
        .unwrap();
    ws.write_with_format(5, 1, "生均体育运动场馆面积不足", &cell)
        .unwrap();
    ws.write_with_format(5, 2, "改造屋顶运动场", &cell).unwrap();
    ws.write_with_format(5, 3, "尽快", &month).unwrap();
    ws.write_with_format(6, 1, "每百名学生拥有网络多媒体教室数不足", &cell)
        .unwrap();
    ws.write_with_format(6, 2, "改造普通教室为网络多媒体教室", &cell)
        .unwrap();
    // D7 left empty: the mark must add a cell of its own.
    let validation = DataValidation::new()
        .allow_list_strings(&["2020年6月", "2020年8月", "2020年12月"])
        .unwrap()
        .ignore_blank(true);
    ws.add_data_validation(5, 3, 20, 3, &validation).unwrap();
    ws.write(8, 0, "合计项数").unwrap();
    ws.write_formula_with_format(
        8,
        1,
        Formula::new("=COUNTA(B6:B7)").set_result("2"),
        &Format::new().set_num_format("0.00"),
    )
    .unwrap();
    ws.set_column_width(1, 40).unwrap();
    book.save_to_buffer().unwrap()
}

#[test]
fn a_clerks_merges_validations_formulas_and_formats_stay() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("西湖区.xlsx");
    std::fs::write(&path, clerk_workbook()).unwrap();
    let (bytes, raw, diagnostics) = read(&path);
    let cells: Vec<String> = diagnostics
        .iter()
        .filter_map(|d| d.cell.as_ref())
        .map(|c| c.to_string())
        .collect();
    assert!(
        cells.contains(&"学校整改清单!D6".to_owned()),
        "{diagnostics:#?}"
    );
    let marked = marked::mark(&bytes, &raw, &diagnostics, &Limits::default()).unwrap();
    assert_eq!(marked.how, How::Copy);
    assert_marks_match(&marked.bytes, &diagnostics);
    assert_copy_of(&bytes, &marked.bytes);
    let after = unzip(&marked.bytes);
    let sheet = text(&after, "xl/worksheets/sheet1.xml");
    for kept in [
        "<mergeCell ref=\"A6:A7\"/>",
        "<dataValidation ",
        "<f>COUNTA(B6:B7)</f>",
    ] {
        assert!(sheet.contains(kept), "{kept} lost");
    }
    if let Some(dir) = std::env::var_os("GONGWEN_MARK_DUMP") {
        std::fs::write(Path::new(&dir).join("clerk.xlsx"), &bytes).unwrap();
        std::fs::write(Path::new(&dir).join("clerk.批注.xlsx"), &marked.bytes).unwrap();
    }
    assert_libreoffice_opens(&marked.bytes, "marked.xlsx");
}

#[test]
fn a_libreoffice_xlsx_is_copied_and_opens() {
    if !common::have_tool("soffice") {
        common::skip("soffice (LibreOffice) not installed");
        return;
    }
    // LibreOffice's own xlsx (shared strings, its styles): the .xls fixture saved as .xlsx.
    let dir = tempfile::tempdir().unwrap();
    let xls = dir.path().join("西湖区.xls");
    std::fs::copy(fixture("dates/typed_cells_xls"), &xls).unwrap();
    let status = std::process::Command::new("soffice")
        .arg(format!(
            "-env:UserInstallation=file://{}",
            dir.path().join("profile").display()
        ))
        .args(["--headless", "--convert-to", "xlsx", "--outdir"])
        .arg(dir.path())
        .arg(&xls)
        .output()
        .unwrap();
    let path = dir.path().join("西湖区.xlsx");
    assert!(path.exists(), "{}", String::from_utf8_lossy(&status.stderr));
    let (bytes, raw, diagnostics) = read(&path);
    assert!(diagnostics.iter().any(|d| d.cell.is_some()));
    let marked = marked::mark(&bytes, &raw, &diagnostics, &Limits::default()).unwrap();
    assert_eq!(marked.how, How::Copy);
    assert_marks_match(&marked.bytes, &diagnostics);
    assert_copy_of(&bytes, &marked.bytes);
    assert_problem_list(&marked.bytes, &diagnostics);
    assert_libreoffice_opens(&marked.bytes, "marked.xlsx");
}

/// The package with cells of one sheet given new text (inline strings, their format kept):
/// what a clerk's fix in Excel amounts to, made without rewriting anything else.
fn set_cells(bytes: &[u8], sheet: &str, cells: &[(&str, &str)]) -> Vec<u8> {
    use std::io::Write as _;
    let mut parts = unzip(bytes);
    let part = sheets(&parts)
        .into_iter()
        .find(|(n, _)| n == sheet)
        .unwrap()
        .1;
    let mut xml = text(&parts, &part);
    for (at, value) in cells {
        let start = xml
            .find(&format!("<c r=\"{at}\""))
            .unwrap_or_else(|| panic!("no cell {at}"));
        let open_end = start + xml[start..].find('>').unwrap();
        let end = if xml[..open_end].ends_with('/') {
            open_end + 1
        } else {
            open_end + xml[open_end..].find("</c>").unwrap() + 4
        };
        let style = regex_attr(&xml[start..open_end], "s");
        let s = style.map(|s| format!(" s=\"{s}\"")).unwrap_or_default();
        let cell = format!("<c r=\"{at}\"{s} t=\"inlineStr\"><is><t>{value}</t></is></c>");
        xml.replace_range(start..end, &cell);
    }
    parts.insert(part, xml.into_bytes());
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, data) in parts {
        out.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        out.write_all(&data).unwrap();
    }
    out.finish().unwrap().into_inner()
}

fn regex_attr(tag: &str, key: &str) -> Option<String> {
    let at = tag.find(&format!(" {key}=\""))? + key.len() + 3;
    Some(tag[at..at + tag[at..].find('"')?].to_owned())
}

/// `gongwen check --json` on bytes saved as `name`: its diagnostics as (cell, rule).
fn checked(bytes: &[u8], name: &str) -> Vec<(String, String)> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    let (_, files) = common::check_json(&[&path]);
    files[0]["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["cell"].as_str().unwrap_or_default().to_owned(),
                d["rule"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

#[test]
fn a_marked_workbook_fixed_and_dropped_back_reads_as_the_original() {
    // The copy of an xlsx: the marks read as nothing; fixed, its errors are gone.
    let original = clerk_workbook();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("西湖区.xlsx");
    std::fs::write(&path, &original).unwrap();
    let (bytes, raw, diagnostics) = read(&path);
    let marked = marked::mark(&bytes, &raw, &diagnostics, &Limits::default()).unwrap();
    let before = checked(&original, "西湖区.xlsx");
    assert_eq!(
        checked(&marked.bytes, "西湖区.批注.xlsx"),
        before,
        "the marks changed the reading"
    );
    assert!(before.iter().any(|(c, _)| c == "学校整改清单!D6"));
    let fixed = set_cells(
        &marked.bytes,
        "学校整改清单",
        &[("D6", "2020年6月"), ("D7", "2020年8月")],
    );
    let after = checked(&fixed, "西湖区.批注.xlsx");
    let rest: Vec<_> = before
        .iter()
        .filter(|(c, _)| c != "学校整改清单!D6" && c != "学校整改清单!D7")
        .cloned()
        .collect();
    assert_eq!(after, rest);
    assert!(
        after
            .iter()
            .all(|(c, _)| !c.starts_with(marked::PROBLEM_SHEET))
    );

    // The new workbook made for an .xls: the same.
    let path = fixture("dates/typed_cells_xls");
    let (bytes, raw, diagnostics) = read(&path);
    let marked = marked::mark(&bytes, &raw, &diagnostics, &Limits::default()).unwrap();
    let before = checked(&bytes, "西湖区.xls");
    assert_eq!(checked(&marked.bytes, "西湖区.批注.xlsx"), before);
    let errors: Vec<&str> = diagnostics
        .iter()
        .filter(|d| d.is_error())
        .filter_map(|d| d.cell.as_ref())
        .map(|c| c.sheet.as_str())
        .collect();
    assert_eq!(errors, ["学校整改清单"]);
    let at = diagnostics
        .iter()
        .find(|d| d.is_error())
        .unwrap()
        .cell
        .as_ref()
        .unwrap()
        .a1();
    let fixed = set_cells(
        &marked.bytes,
        "学校整改清单",
        &[(at.as_str(), "2020年10月")],
    );
    let after = checked(&fixed, "西湖区.批注.xlsx");
    assert_eq!(
        after,
        before
            .into_iter()
            .filter(|(c, _)| *c != format!("学校整改清单!{at}"))
            .collect::<Vec<_>>()
    );
}

fn watch_once(root: &Path) {
    let out = common::run(
        common::gongwen()
            .args(["watch", "--once", "--settle", "100", "--root"])
            .arg(root),
    );
    // 1 when a file was rejected.
    assert!(matches!(out.status.code(), Some(0 | 1)), "{out:?}");
}

/// The receipt (JSON) in `outbox/回执/` of the file dropped as `name`.
fn receipt_of(root: &Path, name: &str) -> serde_json::Value {
    let found: Vec<_> = common::receipts(root)
        .into_iter()
        .filter(|r| r["file"] == name)
        .collect();
    assert_eq!(found.len(), 1, "receipts of {name}");
    found.into_iter().next().unwrap()
}

fn diagnostics_of(receipt: &serde_json::Value) -> Vec<Diagnostic> {
    serde_json::from_value(receipt["diagnostics"].clone()).unwrap()
}

#[test]
fn the_daemon_returns_the_workbook_marked_and_takes_it_back_fixed() {
    let root = tempfile::tempdir().unwrap();
    let root = root.path();
    std::fs::create_dir_all(root.join("inbox")).unwrap();
    let original = std::fs::read(fixture("errors/deadline_invalid")).unwrap();
    std::fs::write(root.join("inbox/西湖区.xlsx"), &original).unwrap();
    watch_once(root);

    // Rejected: the marked copy beside the kept file, named by the receipt.
    let receipt = receipt_of(root, "西湖区.xlsx");
    assert_eq!(receipt["verdict"], "rejected");
    let marked_at = receipt["marked"]
        .as_str()
        .expect("the receipt names the marked workbook");
    let kept = receipt["kept_at"].as_str().unwrap();
    let kept_stem = kept.strip_suffix(".xlsx").unwrap();
    assert_eq!(marked_at, format!("{kept_stem}.批注.xlsx"));
    assert!(
        receipt.get("marked_note").is_none(),
        "an xlsx is copied, not rebuilt"
    );
    let beside: serde_json::Value =
        serde_json::from_slice(&std::fs::read(root.join(format!("{kept}.回执.json"))).unwrap())
            .unwrap();
    assert_eq!(beside["marked"], marked_at);
    let text = std::fs::read_to_string(root.join(format!("{kept}.回执.txt"))).unwrap();
    assert!(text.contains(&format!("批注版：{marked_at}")), "{text}");
    let marked = std::fs::read(root.join(marked_at)).unwrap();
    let diagnostics = diagnostics_of(&receipt);
    assert!(diagnostics.iter().any(|d| d.is_error() && d.cell.is_some()));
    assert_marks_match(&marked, &diagnostics);
    assert_copy_of(&original, &marked);

    // Fixed in the marked copy and dropped back: accepted clean, nothing marked.
    let error = diagnostics
        .iter()
        .find(|d| d.is_error())
        .unwrap()
        .cell
        .clone()
        .unwrap();
    let fixed = set_cells(&marked, &error.sheet, &[(error.a1().as_str(), "2020年6月")]);
    std::fs::write(root.join("inbox/西湖区.批注.xlsx"), &fixed).unwrap();
    watch_once(root);
    let receipt = receipt_of(root, "西湖区.批注.xlsx");
    assert_eq!(receipt["verdict"], "accepted", "{receipt:#}");
    assert_eq!(receipt["diagnostics"], serde_json::json!([]));
    assert!(receipt.get("marked").is_none());

    // Accepted with warnings: the marked copy in outbox/回执/ beside the receipt.
    let warned = std::fs::read(fixture("errors/county_suffix_missing")).unwrap();
    std::fs::write(root.join("inbox/西湖.xlsx"), &warned).unwrap();
    watch_once(root);
    let receipt = receipt_of(root, "西湖.xlsx");
    assert_eq!(receipt["verdict"], "accepted_with_warnings");
    let marked_at = receipt["marked"].as_str().unwrap();
    assert!(
        marked_at.starts_with("outbox/回执/") && marked_at.ends_with("西湖.xlsx.批注.xlsx"),
        "{marked_at}"
    );
    let receipts_there: Vec<_> = common::files_under(&root.join("outbox/回执"))
        .into_iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    let stem = Path::new(marked_at)
        .file_name()
        .unwrap()
        .to_string_lossy()
        .replace(".批注.xlsx", "");
    assert!(
        receipts_there.contains(&format!("{stem}.回执.txt")),
        "{receipts_there:?}"
    );
    let marked = std::fs::read(root.join(marked_at)).unwrap();
    let diagnostics = diagnostics_of(&receipt);
    assert!(diagnostics.iter().all(|d| !d.is_error()));
    assert_marks_match(&marked, &diagnostics);
    assert_copy_of(&warned, &marked);
    assert!(
        common::files_under(root)
            .iter()
            .all(|p| !p.to_string_lossy().ends_with(".gongwen-tmp"))
    );
}

#[test]
fn an_unreadable_file_gets_no_marked_workbook() {
    let root = tempfile::tempdir().unwrap();
    let root = root.path();
    std::fs::create_dir_all(root.join("inbox")).unwrap();
    let corrupt = std::fs::read(fixture("errors/file_corrupt")).unwrap();
    std::fs::write(root.join("inbox/学校整改清单.xlsx"), corrupt).unwrap();
    watch_once(root);
    let receipt = receipt_of(root, "学校整改清单.xlsx");
    assert_eq!(receipt["verdict"], "rejected");
    assert!(receipt.get("marked").is_none());
    let marked: Vec<_> = common::files_under(root)
        .into_iter()
        .filter(|p| p.to_string_lossy().contains("批注"))
        .collect();
    assert!(marked.is_empty(), "{marked:?}");
}

#[test]
fn a_package_not_to_be_edited_is_marked_in_a_new_workbook_and_says_why() {
    // A marked workbook marked again (a clerk fixed half of it): its 问题清单 is not
    // overwritten in place; the marks go into a new workbook of the cells as read.
    let path = fixture("errors/many_problems");
    let (bytes, raw, diagnostics) = read(&path);
    let once = marked::mark(&bytes, &raw, &diagnostics, &Limits::default()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let again_path = dir.path().join("西湖区.批注.xlsx");
    std::fs::write(&again_path, &once.bytes).unwrap();
    let (again, raw, diagnostics) = read(&again_path);
    let twice = marked::mark(&again, &raw, &diagnostics, &Limits::default()).unwrap();
    let How::Rebuilt {
        reason: Some(reason),
    } = &twice.how
    else {
        panic!("{:?}", twice.how)
    };
    assert!(reason.contains(marked::PROBLEM_SHEET), "{reason}");
    assert!(twice.how.note().unwrap().contains(reason.as_str()));
    assert_marks_match(&twice.bytes, &diagnostics);
    assert_problem_list(&twice.bytes, &diagnostics);
}

#[test]
fn a_macro_workbook_stays_a_macro_workbook() {
    use std::io::Write as _;
    // An .xlsm: the same package with the main part's macro-enabled content type.
    let bytes = std::fs::read(fixture("errors/deadline_invalid")).unwrap();
    let mut parts = unzip(&bytes);
    let ct = text(&parts, "[Content_Types].xml").replace(
        "spreadsheetml.sheet.main+xml",
        "application/vnd.ms-excel.sheet.macroEnabled.main+xml",
    );
    let ct = ct.replace(
        "application/vnd.openxmlformats-officedocument.application/vnd.ms-excel",
        "application/vnd.ms-excel",
    );
    assert!(ct.contains("macroEnabled.main+xml"));
    parts.insert("[Content_Types].xml".to_owned(), ct.into_bytes());
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, data) in parts {
        out.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        out.write_all(&data).unwrap();
    }
    let xlsm = out.finish().unwrap().into_inner();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("西湖区.xlsm");
    std::fs::write(&path, &xlsm).unwrap();
    let (bytes, raw, diagnostics) = read(&path);
    let marked = marked::mark(&bytes, &raw, &diagnostics, &Limits::default()).unwrap();
    assert_eq!(marked.how, How::Copy);
    assert_eq!(marked.extension(), "xlsm");
    assert_copy_of(&bytes, &marked.bytes);
    // Any other workbook is an .xlsx.
    let (bytes, raw, diagnostics) = read(&fixture("errors/deadline_invalid"));
    let marked = marked::mark(&bytes, &raw, &diagnostics, &Limits::default()).unwrap();
    assert_eq!(marked.extension(), "xlsx");
}

#[test]
fn check_mark_writes_the_marked_workbooks_of_files_with_problems() {
    let dir = tempfile::tempdir().unwrap();
    let with_errors = fixture("errors/deadline_invalid");
    let clean = common::fixtures().join("examples/xihu/西湖区.xlsx");
    let out = common::run(
        common::gongwen()
            .arg("check")
            .arg("--mark")
            .arg(dir.path())
            .arg(&with_errors)
            .arg(&clean),
    );
    common::must_exit(&out, 1);
    let written: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(written, ["西湖区.xlsx.批注.xlsx"]);
    assert!(common::stderr(&out).contains("批注版："));
    let (_, _, diagnostics) = read(&with_errors);
    let marked = std::fs::read(dir.path().join("西湖区.xlsx.批注.xlsx")).unwrap();
    assert_marks_match(&marked, &diagnostics);
    assert_copy_of(&std::fs::read(&with_errors).unwrap(), &marked);
}
