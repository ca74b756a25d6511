//! Reading what clerks really leave in a file: a stray far from the table on the real example
//! workbook, and a folder given where a file was meant.

mod common;

use std::io::{Read, Write};
use std::path::Path;

use common::{check_json, repo_root};
use serde_json::Value;

/// The example workbook with `cells` (row XML) appended to the first sheet's data, as Excel
/// keeps a cell typed far below the table.
fn example_with(dir: &Path, rows: &str) -> std::path::PathBuf {
    let example = std::fs::read(repo_root().join("examples").join("西湖区.xlsx")).unwrap();
    let mut source = zip::ZipArchive::new(std::io::Cursor::new(example)).unwrap();
    let path = dir.join("西湖区.xlsx");
    let mut out = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
    for i in 0..source.len() {
        let mut entry = source.by_index(i).unwrap();
        let name = entry.name().unwrap().into_owned();
        let mut body = Vec::new();
        entry.read_to_end(&mut body).unwrap();
        if name == "xl/worksheets/sheet1.xml" {
            let text = String::from_utf8(body).unwrap();
            body = text
                .replacen("</sheetData>", &format!("{rows}</sheetData>"), 1)
                .into_bytes();
        }
        out.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        out.write_all(&body).unwrap();
    }
    out.finish().unwrap();
    path
}

fn rules(submission: &Value) -> Vec<(String, String)> {
    submission["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["rule"].as_str().unwrap_or_default().to_owned(),
                d["cell"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

#[test]
fn far_strays_are_named_and_left_out_and_the_example_reads_as_without_them() {
    let dir = tempfile::tempdir().unwrap();
    let (_, plain) = check_json(&[&repo_root().join("examples").join("西湖区.xlsx")]);
    // A space at D499000 and A500000 (a box of two million cells), a note in the last cell.
    let path = example_with(
        dir.path(),
        r#"<row r="499000"><c r="D499000" t="inlineStr"><is><t xml:space="preserve"> </t></is></c></row><row r="500000"><c r="A500000" t="inlineStr"><is><t xml:space="preserve"> </t></is></c></row><row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>备注</t></is></c></row>"#,
    );
    let (out, read) = check_json(&[&path]);
    assert_eq!(out.status.code(), Some(0), "{read:?}");
    assert_eq!(
        rules(&read[0]),
        [
            ("stray_cell_ignored", "学校整改清单!D499000"),
            ("stray_cell_ignored", "学校整改清单!A500000"),
            ("stray_cell_ignored", "学校整改清单!XFD1048576"),
        ]
        .map(|(r, c)| (r.to_owned(), c.to_owned()))
    );
    let message = read[0]["diagnostics"][2]["message"].as_str().unwrap();
    assert!(
        message.contains("备注") && message.contains("已忽略"),
        "{message}"
    );
    for key in ["county", "plan_year", "schools", "county_items"] {
        assert_eq!(read[0][key], plain[0][key], "{key}");
    }
}

#[test]
fn a_folder_given_to_check_is_named_as_a_folder() {
    let dir = tempfile::tempdir().unwrap();
    let (out, read) = check_json(&[dir.path()]);
    assert_eq!(out.status.code(), Some(1));
    let diagnostic = &read[0]["diagnostics"][0];
    assert_eq!(diagnostic["rule"], "file_not_regular");
    assert!(
        diagnostic["message"].as_str().unwrap().contains("文件夹"),
        "{diagnostic}"
    );
}
