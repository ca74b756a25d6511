//! The limits no clerk's file needs, end to end: an over-long cell, too many schools, items or
//! rows, control characters, a file too large to read. Each is refused (or cleaned, with a
//! warning) with a Chinese message naming the cell or the count.

mod common;

use std::path::Path;

use common::{check_json, must_exit};
use gongwen::intake::{self, IntakeError, Limits};
use gongwen::pipeline::{self, WorkbookReader};
use rust_xlsxwriter::Workbook;
use serde_json::Value;

const HEADER: [&str; 4] = ["学校名称", "存在不足情况", "整改提升措施", "完成时限"];

/// A county workbook in the notice's layout with the given item rows under the header
/// (row 4, so the first item sits in row 5).
fn write_workbook(path: &Path, rows: &[[&str; 4]]) {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("学校整改清单").unwrap();
    sheet.write(0, 0, "附件1").unwrap();
    sheet
        .write(1, 0, "义务教育学校达到优质均衡目标整改清单")
        .unwrap();
    sheet
        .write(
            2,
            0,
            "县（市、区）名称：西湖区          填报日期：2019年5月20日",
        )
        .unwrap();
    for (col, title) in (0u16..).zip(HEADER) {
        sheet.write(3, col, title).unwrap();
    }
    for (row, cells) in (4u32..).zip(rows) {
        for (col, text) in (0u16..).zip(cells) {
            if !text.is_empty() {
                sheet.write(row, col, *text).unwrap();
            }
        }
    }
    sheet
        .write(4 + rows.len() as u32 + 1, 0, "计划创建年份：2020年")
        .unwrap();
    book.save(path).unwrap();
}

/// A county CSV with `schools` schools of one item each, then `extra_rows` more items of the
/// last school.
fn county_csv(schools: usize, extra_rows: usize) -> String {
    let mut csv = String::from(
        "附件1,,,\n县（市、区）名称：西湖区  填报日期：2019年5月20日,,,\n\
         学校名称,存在不足情况,整改提升措施,完成时限\n",
    );
    for i in 0..schools {
        csv.push_str(&format!(
            "杭州市第{i}小学,生均体育运动场馆面积不足,改造屋顶运动场,2020年8月\n"
        ));
    }
    for _ in 0..extra_rows {
        csv.push_str(",网络多媒体教室数不足,新建录播教室,2020年9月\n");
    }
    csv.push_str("计划创建年份：2020年,,,\n");
    csv
}

fn rules(submission: &Value) -> Vec<String> {
    submission["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["rule"].as_str().unwrap().to_owned())
        .collect()
}

fn diagnostic<'a>(submission: &'a Value, rule: &str) -> &'a Value {
    submission["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["rule"] == rule)
        .unwrap_or_else(|| panic!("no {rule} in {submission}"))
}

#[test]
fn a_cell_over_2000_characters_is_refused_naming_the_cell() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("西湖区.xlsx");
    let long = "操场面积不足".repeat(500);
    let ok = [
        "杭州市文三街小学",
        "生均体育运动场馆面积不足",
        "改造屋顶运动场",
        "2020年8月",
    ];
    let mut bad = ok;
    bad[2] = &long;
    write_workbook(&path, &[ok, ok, bad]);

    let (out, json) = check_json(&[&path]);
    must_exit(&out, 1);
    let s = &json[0];
    assert_eq!(rules(s), ["cell_too_long"], "{s}");
    let d = diagnostic(s, "cell_too_long");
    assert_eq!(d["cell"], "学校整改清单!C7");
    let message = d["message"].as_str().unwrap();
    assert!(
        message.contains("3000") && message.contains("2000"),
        "{message}"
    );
    assert!(d["hint"].is_string());
    // Refused in the reader: nothing of the file reached the submission.
    assert_eq!(s["schools"], serde_json::json!([]));
}

/// Regression: a 60-million-character cell passed `check` and then killed the renderer. A
/// smaller one (a few megabytes) takes the same path: refused inside the reading child.
#[test]
fn a_huge_cell_is_refused_inside_the_reader() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("西湖区.xlsx");
    write_workbook(
        &path,
        &[["杭州市文三街小学", "PLACEHOLDER", "改造", "2020年8月"]],
    );
    replace_shared_string(&path, "PLACEHOLDER", &"整".repeat(3_000_000));
    let (out, json) = check_json(&[&path]);
    must_exit(&out, 1);
    let d = diagnostic(&json[0], "cell_too_long");
    assert_eq!(d["cell"], "学校整改清单!B5");
    assert!(d["message"].as_str().unwrap().contains("3000000"), "{d}");
}

/// Replaces a shared string in an xlsx. `rust_xlsxwriter`, like Excel, refuses a cell over
/// 32,767 characters; a hostile file is made by hand.
fn replace_shared_string(path: &Path, placeholder: &str, text: &str) {
    use std::io::{Read, Write};
    let bytes = std::fs::read(path).unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut out = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).unwrap();
        let name = entry.name().unwrap().into_owned();
        let mut content = Vec::new();
        entry.read_to_end(&mut content).unwrap();
        if name == "xl/sharedStrings.xml" {
            let xml = String::from_utf8(content).unwrap();
            assert!(xml.contains(placeholder), "{xml}");
            content = xml.replace(placeholder, text).into_bytes();
        }
        out.start_file(name, opts).unwrap();
        out.write_all(&content).unwrap();
    }
    out.finish().unwrap();
}

#[test]
fn a_county_with_2001_schools_is_refused_naming_the_count() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("西湖区.csv");
    std::fs::write(&path, county_csv(2001, 0)).unwrap();
    let (out, json) = check_json(&[&path]);
    must_exit(&out, 1);
    let s = &json[0];
    let d = diagnostic(s, "too_many_schools");
    assert_eq!(d["severity"], "error");
    let message = d["message"].as_str().unwrap();
    assert!(
        message.contains("2001") && message.contains("2000"),
        "{message}"
    );
    assert_eq!(s["schools"], serde_json::json!([]));
}

#[test]
fn a_county_at_the_limits_is_read_whole() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("西湖区.csv");
    // 2,000 schools and 5,000 items: exactly the limits.
    std::fs::write(&path, county_csv(2000, 3_000)).unwrap();
    let (out, json) = check_json(&[&path]);
    let s = &json[0];
    assert_eq!(
        s["schools"].as_array().unwrap().len(),
        2000,
        "{:?}",
        rules(s)
    );
    let items: usize = s["schools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|school| school["items"].as_array().unwrap().len())
        .sum();
    assert_eq!(items, 5_000);
    assert!(
        !rules(s).iter().any(|r| r.starts_with("too_many")),
        "{:?}",
        rules(s)
    );
    must_exit(&out, 0);
}

/// Regression: a 40,000-row CSV took 17 s (quadratic); past the row limit reading now stops.
#[test]
fn a_csv_of_40000_rows_stops_at_the_row_limit() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("西湖区.csv");
    std::fs::write(&path, county_csv(1, 40_000)).unwrap();
    let (out, json) = check_json(&[&path]);
    must_exit(&out, 1);
    let s = &json[0];
    assert_eq!(rules(s), ["too_many_rows"], "{s}");
    let d = diagnostic(s, "too_many_rows");
    let limit = Limits::default().max_rows;
    assert!(
        d["message"].as_str().unwrap().contains(&limit.to_string()),
        "{d}"
    );
    // The row that went over: the title lines and the header count too.
    assert_eq!(d["cell"], format!("西湖区!A{}", limit + 1));
}

#[test]
fn too_many_items_are_refused_with_the_count() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("西湖区.csv");
    std::fs::write(&path, county_csv(3, 3)).unwrap();
    let book = intake::read_path(&path, &Limits::default()).unwrap();
    let found = gongwen::intake::forms::find(&book);
    let tight = Limits {
        max_items: 5,
        ..Limits::default()
    };
    let source = gongwen::model::Source {
        file: "西湖区.csv".into(),
        sha256: String::new(),
    };
    let n = gongwen::normalize::normalize_within(&found, source, &tight);
    let d = n
        .submission
        .diagnostics
        .iter()
        .find(|d| d.rule == gongwen::diag::Rule::TooManyItems)
        .expect("too_many_items");
    assert!(d.message.contains('6') && d.message.contains('5'), "{d:?}");
    assert!(n.submission.schools.is_empty());
}

#[test]
fn lowered_limits_stop_a_csv_at_the_limit() {
    let bytes = county_csv(30, 0);
    let tight = Limits {
        max_rows: 10,
        ..Limits::default()
    };
    match intake::read_bytes(bytes.as_bytes(), "西湖区.csv", &tight) {
        Err(IntakeError::TooManyRows { cell, limit: 10 }) => {
            assert_eq!(cell.to_string(), "西湖区!A11");
        }
        other => panic!("expected too many rows, got {other:?}"),
    }
}

/// Regression: C0 controls in a cell passed `check`, then failed the PDF/A export.
#[test]
fn control_characters_are_removed_with_a_warning_naming_each_cell() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("西湖区.xlsx");
    write_controls_workbook(&path);
    let (out, json) = check_json(&[&path]);
    must_exit(&out, 0);
    let s = &json[0];
    let cells: Vec<&str> = s["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["rule"] == "control_characters")
        .map(|d| d["cell"].as_str().unwrap())
        .collect();
    assert_eq!(
        cells,
        ["学校整改清单!A5", "学校整改清单!B5", "学校整改清单!C6"]
    );
    assert!(
        diagnostic(s, "control_characters")["message"]
            .as_str()
            .unwrap()
            .contains("U+0001"),
    );
    let school = &s["schools"][0];
    assert_eq!(school["name"], "杭州市文三街小学");
    assert_eq!(
        school["items"][0]["shortcoming"],
        "生均体育运动场馆面积不足"
    );
    assert_eq!(school["items"][0]["measure"], "改造 屋顶\n运动场");
    assert_eq!(school["items"][1]["measure"], "新建录播教室");
}

/// Every C0 control the tester used, DEL and a C1 control, spread over a name, a shortcoming
/// and a measure; a tab and CR LF too, which stay as a space and a line break.
fn write_controls_workbook(path: &Path) {
    write_workbook(
        path,
        &[
            [
                "杭州市\u{1}文三街\u{2}小学",
                "生均体育\u{7}运动场馆\u{1b}面积不足\u{1f}",
                "改造\t屋顶\r\n运动场",
                "2020年8月",
            ],
            [
                "",
                "网络多媒体教室数不足",
                "新建\u{7f}录播\u{85}教室",
                "2020年9月",
            ],
        ],
    );
}

/// The guarantee behind the warning: what `check` passes renders, here through the
/// library's render path into a PDF/A.
#[test]
fn a_workbook_with_control_characters_renders() {
    use gongwen::config::Config;
    use gongwen::render::renderer::{Formats, Renderer};
    use gongwen::render::world::{GongwenWorld, Templates};

    let root = common::repo_root();
    let fonts = root.join("fonts");
    if !gongwen::render::fonts::STAND_INS
        .iter()
        .all(|s| fonts.join(s.file).is_file())
    {
        common::skip("fonts/ incomplete");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("西湖区.xlsx");
    write_controls_workbook(&path);
    let submission =
        pipeline::read_submission(&path, &WorkbookReader::InProcess, &Limits::default()).unwrap();
    assert!(!submission.has_errors(), "{:?}", submission.diagnostics);

    let world = GongwenWorld::new(&Templates::Dir(root.join("templates")), &[fonts]).unwrap();
    let mut renderer = Renderer::new(world, Config::default(), Formats::default());
    let rendered = renderer.county(&submission).unwrap();
    let pdfs: Vec<_> = rendered
        .files
        .iter()
        .filter(|f| f.name.ends_with(".pdf"))
        .collect();
    assert!(!pdfs.is_empty());
    for pdf in pdfs {
        assert!(pdf.bytes.starts_with(b"%PDF-"), "{}", pdf.name);
    }
}

/// Peak resident memory of this process, from the kernel.
fn peak_rss_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map(|kb| kb * 1024)
        .unwrap()
}

/// Regression: a 2 GB file was read whole (4.2 GB resident) before being refused as too large.
#[test]
fn a_sparse_2_gb_file_is_refused_before_a_byte_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("西湖区.xlsx");
    let file = std::fs::File::create(&path).unwrap();
    // Sparse: costs no disk.
    file.set_len(2 * 1024 * 1024 * 1024).unwrap();
    drop(file);

    let before = peak_rss_bytes();
    let result = intake::read_path(&path, &Limits::default());
    let grown = peak_rss_bytes().saturating_sub(before);
    assert!(
        matches!(result, Err(IntakeError::TooLarge { .. })),
        "{result:?}"
    );
    assert!(grown < 16 * 1024 * 1024, "peak RSS grew by {grown} bytes");
    assert_eq!(
        result.unwrap_err().diagnostic().rule,
        gongwen::diag::Rule::FileTooLarge
    );
}

/// The same end to end: `gongwen check` under a 600 MB address-space limit refuses a sparse
/// 2 GB file as too large (it used to read it whole to hash it first).
#[test]
fn check_refuses_a_sparse_2_gb_file_within_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("西湖区.xlsx");
    std::fs::File::create(&path)
        .unwrap()
        .set_len(2 * 1024 * 1024 * 1024)
        .unwrap();
    let out = common::run(
        std::process::Command::new("sh")
            .arg("-c")
            .arg("ulimit -v 600000 && exec \"$0\" check --json \"$1\"")
            .arg(env!("CARGO_BIN_EXE_gongwen"))
            .arg(&path),
    );
    must_exit(&out, 1);
    let json: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rules(&json[0]), ["file_too_large"], "{}", json[0]);
}
