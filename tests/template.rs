//! `gongwen template` end to end: the workbook it writes reads back through `gongwen check`
//! (blank: only what is left to fill; filled: nothing at all), the same command gives the same
//! bytes, a wrong county is bad usage, and LibreOffice's copy still reads.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::NaiveDate;
use common::{check_json, gongwen, must_exit, run, stderr, stdout};
use gongwen::domain::Level;
use gongwen::model::PlanYear;
use gongwen::notice::FIRST_DEADLINE_MONTH;
use gongwen::template::{self, Fill, Row, Template};
use serde_json::Value;

fn temp() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

/// Runs `gongwen template ARGS --out DIR` and returns the file it wrote.
fn write_template(dir: &Path, args: &[&str]) -> PathBuf {
    let out = run(gongwen().arg("template").args(args).arg("--out").arg(dir));
    must_exit(&out, 0);
    let written: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "xlsx"))
        .collect();
    assert_eq!(written.len(), 1, "{written:?}");
    assert!(
        stdout(&out).contains(&written[0].display().to_string()),
        "the command names the file it wrote: {}",
        stdout(&out)
    );
    written[0].clone()
}

fn rules(submission: &Value) -> Vec<String> {
    submission["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["rule"].as_str().unwrap().to_owned())
        .collect()
}

/// A value from one of the template's own drop-downs.
fn month(label: &str) -> String {
    let months = template::deadline_months(FIRST_DEADLINE_MONTH);
    assert!(months.iter().any(|m| m == label), "{label} is on the list");
    label.to_owned()
}

fn indicator(list: Level, code: &str) -> String {
    template::indicator_choices(list)
        .into_iter()
        .find(|c| c.split(' ').next() == Some(code))
        .unwrap_or_else(|| panic!("{code} is on the list"))
}

fn row(school: &str, shortcoming: &str, measure: &str, deadline: &str, indicator: &str) -> Row {
    Row {
        school: school.to_owned(),
        shortcoming: shortcoming.to_owned(),
        measure: measure.to_owned(),
        deadline: month(deadline),
        indicator: indicator.to_owned(),
    }
}

/// 西湖区's template filled as a clerk fills it: the date typed as a date, months and
/// indicators picked from the drop-downs, a school's name written once for its rows.
fn filled_template(path: &Path) {
    let county = template::resolve_county("西湖区")
        .unwrap()
        .division
        .to_ref();
    let fill = Fill {
        filed_on: NaiveDate::from_ymd_opt(2019, 5, 20),
        schools: vec![
            // The wording names R5; the 对应指标 column says R7, and wins.
            row(
                "杭州市文三街小学",
                "1.生均体育运动场馆面积不足",
                "改造屋顶运动场，增设多媒体教室",
                "2020年8月",
                &indicator(Level::School, "R7"),
            ),
            row(
                "",
                "2.县级以上骨干教师数不足",
                "引进和培养骨干教师",
                "2020年12月",
                "",
            ),
            // The same wording without a chosen indicator: matched by its words.
            row(
                "杭州市保俶塔实验学校",
                "生均体育运动场馆面积不足",
                "扩建操场",
                "2021年6月",
                "",
            ),
        ],
        county_items: vec![
            row(
                "",
                "教职工编制统筹分配不到位",
                "核定编制，按学校规模统筹分配",
                "2019年12月",
                "",
            ),
            row(
                "",
                "部分教师未完成5年360学时培训",
                "组织专项培训",
                "2020年6月",
                &indicator(Level::County, "G9"),
            ),
        ],
        plan_year: Some(PlanYear::Y2020.label().to_owned()),
    };
    let bytes = template::build(&Template {
        county: Some(county),
        from: FIRST_DEADLINE_MONTH,
        fill,
        ..Template::default()
    })
    .unwrap();
    std::fs::write(path, bytes).unwrap();
}

/// What the filled template must read as, whatever format it went through.
fn assert_filled_reads_clean(s: &Value) {
    assert_eq!(rules(s), Vec::<String>::new(), "{s:#}");
    assert_eq!(s["county"]["code"], "330106");
    assert_eq!(s["county"]["city"], "杭州市");
    assert_eq!(s["filed_on"], "2019-05-20");
    assert_eq!(s["plan_year"], "2020");
    let schools = s["schools"].as_array().unwrap();
    assert_eq!(schools.len(), 2);
    assert_eq!(schools[0]["name"], "杭州市文三街小学");
    let items = schools[0]["items"].as_array().unwrap();
    assert_eq!(
        items.len(),
        2,
        "the second row is carried down to the first school"
    );
    assert_eq!(items[0]["shortcoming"], "生均体育运动场馆面积不足");
    assert_eq!(
        items[0]["indicator"], "R7",
        "the chosen indicator wins over the wording"
    );
    assert_eq!(items[0]["deadline"], "2020-08");
    assert_eq!(items[0]["cell"], "学校整改清单!B5");
    assert_eq!(items[1]["indicator"], "R2");
    assert_eq!(items[1]["deadline"], "2020-12");
    assert_eq!(schools[1]["items"][0]["indicator"], "R5", "by wording");
    assert_eq!(schools[1]["items"][0]["deadline"], "2021-06");
    let county_items = s["county_items"].as_array().unwrap();
    assert_eq!(county_items.len(), 2);
    assert_eq!(county_items[0]["indicator"], "G10");
    assert_eq!(county_items[0]["deadline"], "2019-12");
    assert_eq!(county_items[0]["cell"], "县级政府整改清单!A5");
    assert_eq!(county_items[1]["indicator"], "G9");
}

#[test]
fn county_template_reads_back_with_only_the_blanks_to_fill() {
    let dir = temp();
    let path = write_template(dir.path(), &["--county", "西湖区"]);
    assert_eq!(path.file_name().unwrap(), "整改清单填报模板_西湖区.xlsx");
    let (out, json) = check_json(&[&path]);
    must_exit(&out, 0);
    let s = &json[0];
    assert_eq!(s["county"]["code"], "330106");
    assert_eq!(s["county"]["city"], "杭州市");
    // Nothing of the instructions sheet, the titles or the hidden lists reads as data.
    assert_eq!(rules(s), ["filed_on_missing", "plan_year_missing"]);
    assert_eq!(s["schools"], Value::Array(Vec::new()));
    assert_eq!(s["county_items"], Value::Array(Vec::new()));
}

#[test]
fn template_without_a_county_leaves_it_to_the_clerk() {
    let dir = temp();
    let path = write_template(dir.path(), &[]);
    assert_eq!(path.file_name().unwrap(), "整改清单填报模板.xlsx");
    let (out, json) = check_json(&[&path]);
    must_exit(&out, 1);
    assert_eq!(
        rules(&json[0]),
        ["filed_on_missing", "county_missing", "plan_year_missing"]
    );
}

#[test]
fn same_command_same_bytes() {
    let (a, b, c) = (temp(), temp(), temp());
    // The day made is in the fingerprint: the same day gives the same bytes.
    let day = ["--as-of", "2019-05-01"];
    let first = std::fs::read(write_template(
        a.path(),
        &["--county", "西湖区", day[0], day[1]],
    ))
    .unwrap();
    let again = std::fs::read(write_template(
        b.path(),
        &["--county", "西湖区", day[0], day[1]],
    ))
    .unwrap();
    assert!(first == again, "two runs wrote different bytes");
    let with_city = std::fs::read(write_template(
        c.path(),
        &["--county", "杭州市西湖区", day[0], day[1]],
    ))
    .unwrap();
    assert!(first == with_city, "杭州市西湖区 is 西湖区");
}

#[test]
fn unknown_county_is_bad_usage_with_a_hint() {
    let dir = temp();
    let out = run(gongwen()
        .args(["template", "--county", "不存在县", "--out"])
        .arg(dir.path()));
    must_exit(&out, 2);
    let err = stderr(&out);
    assert!(err.contains("error:") && err.contains("不存在县"), "{err}");
    assert!(err.contains("hint:") && err.contains("--county"), "{err}");
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "nothing written"
    );

    let out = run(gongwen()
        .args(["template", "--county", "宁波市西湖区", "--out"])
        .arg(dir.path()));
    must_exit(&out, 2);
    assert!(stderr(&out).contains("杭州市"), "{}", stderr(&out));
}

#[test]
fn from_month_starts_the_deadline_list() {
    let dir = temp();
    for bad in ["2019/06", "2024-01", "六月"] {
        let out = run(gongwen()
            .args(["template", "--from", bad, "--out"])
            .arg(dir.path()));
        must_exit(&out, 2);
        assert!(stderr(&out).contains("hint:"), "{}", stderr(&out));
    }
    let path = write_template(dir.path(), &["--from", "2019-06"]);
    let bytes = std::fs::read(path).unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut sheet = String::new();
    std::io::Read::read_to_string(
        &mut zip.by_name("xl/worksheets/sheet2.xml").unwrap(),
        &mut sheet,
    )
    .unwrap();
    assert!(
        sheet.contains("2019年6月至2023年12月"),
        "the input message says so"
    );
    // 2019年6月 … 2023年12月 is 55 months.
    assert!(sheet.contains("'下拉选项'!$A$1:$A$55"), "{sheet}");
}

#[test]
fn filled_template_checks_clean_and_the_chosen_indicator_wins() {
    let dir = temp();
    let path = dir.path().join("西湖区.xlsx");
    filled_template(&path);
    let (out, json) = check_json(&[&path]);
    must_exit(&out, 0);
    assert_filled_reads_clean(&json[0]);
    let out = run(gongwen().args(["check", "--deny-warnings"]).arg(&path));
    must_exit(&out, 0);
    assert!(stdout(&out).contains("通过"), "{}", stdout(&out));
}

/// Converts `files` to ods with LibreOffice in its own profile; `None` when it is missing.
fn to_ods(dir: &Path, files: &[&Path]) -> Option<Vec<PathBuf>> {
    let found = Command::new("sh")
        .args(["-c", "command -v soffice"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        common::skip("LibreOffice (soffice) is not installed");
        return None;
    }
    let out_dir = dir.join("ods");
    let out = Command::new("soffice")
        .arg(format!(
            "-env:UserInstallation=file://{}",
            dir.join("profile").display()
        ))
        .args(["--headless", "--convert-to", "ods", "--outdir"])
        .arg(&out_dir)
        .args(files)
        .output()
        .expect("run soffice");
    let converted: Vec<PathBuf> = files
        .iter()
        .map(|f| out_dir.join(f.file_name().unwrap()).with_extension("ods"))
        .collect();
    for file in &converted {
        assert!(
            file.exists(),
            "LibreOffice did not convert {}: {}",
            file.display(),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Some(converted)
}

#[test]
fn libreoffice_copy_still_reads() {
    let dir = temp();
    let blank = write_template(dir.path(), &["--county", "西湖区"]);
    let filled = dir.path().join("西湖区.xlsx");
    filled_template(&filled);
    let Some(converted) = to_ods(dir.path(), &[&blank, &filled]) else {
        return;
    };
    let (out, json) = check_json(&[&converted[0], &converted[1]]);
    must_exit(&out, 0);
    // The forms are still found (no `no_forms`), and the hidden lists are still skipped.
    assert_eq!(rules(&json[0]), ["filed_on_missing", "plan_year_missing"]);
    assert_eq!(json[0]["county"]["code"], "330106");
    assert_filled_reads_clean(&json[1]);
    // The fingerprint survives the round trip, so the forms are still found where it says.
    for ods in &converted {
        let book = gongwen::intake::read_path(ods, &gongwen::intake::Limits::default()).unwrap();
        let print = template::fingerprint(&book).expect("the fingerprint is kept");
        assert_eq!(
            print.county.map(|(code, _)| code).as_deref(),
            Some("330106")
        );
        assert_eq!(print.forms.len(), 3);
    }
}

/// The bytes of an xlsx with some parts' text changed by `edit` (`None`: kept as they are):
/// what a clerk's office program, or an older gongwen, would have written instead.
fn rewrite_xlsx(bytes: &[u8], edit: impl Fn(&str, &str) -> Option<String>) -> Vec<u8> {
    use std::io::{Read, Write};
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).unwrap();
        let name = entry.name().unwrap().to_string();
        let mut data = Vec::new();
        entry.read_to_end(&mut data).unwrap();
        let data = match std::str::from_utf8(&data).ok().and_then(|t| edit(&name, t)) {
            Some(text) => text.into_bytes(),
            None => data,
        };
        out.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        out.write_all(&data).unwrap();
    }
    out.finish().unwrap().into_inner()
}

/// The xlsx part `name` as text.
fn xlsx_part(bytes: &[u8], name: &str) -> String {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut text = String::new();
    std::io::Read::read_to_string(&mut zip.by_name(name).unwrap(), &mut text).unwrap();
    text
}

/// The template's fingerprint as gongwen reads it back.
fn fingerprint_of(bytes: &[u8]) -> Option<template::Fingerprint> {
    let book =
        gongwen::intake::read_bytes(bytes, "t.xlsx", &gongwen::intake::Limits::default()).unwrap();
    template::fingerprint(&book)
}

#[test]
fn every_template_carries_a_very_hidden_fingerprint() {
    let dir = temp();
    let path = write_template(dir.path(), &["--county", "西湖区", "--as-of", "2019-05-01"]);
    let bytes = std::fs::read(&path).unwrap();
    let workbook = xlsx_part(&bytes, "xl/workbook.xml");
    assert!(
        workbook.contains("<sheet name=\"gongwen\" sheetId=\"6\" state=\"veryHidden\""),
        "{workbook}"
    );
    let print = fingerprint_of(&bytes).unwrap();
    assert_eq!(print.version, template::FORMAT_VERSION);
    assert_eq!(
        print.county,
        Some(("330106".to_owned(), "西湖区".to_owned()))
    );
    assert_eq!(print.list, None, "a blank template is filled from no list");
    assert_eq!(print.made_on, NaiveDate::from_ymd_opt(2019, 5, 1));
    let sheets: Vec<&str> = print.forms.iter().map(|f| f.sheet.as_str()).collect();
    assert_eq!(sheets, ["学校整改清单", "县级政府整改清单", "创建时间"]);

    std::fs::create_dir_all(dir.path().join("blank")).unwrap();
    let blank = write_template(&dir.path().join("blank"), &[]);
    let print = fingerprint_of(&std::fs::read(blank).unwrap()).unwrap();
    assert_eq!(print.county, None);
}

#[test]
fn a_reworded_header_in_a_gongwen_template_loses_no_table() {
    let dir = temp();
    let path = dir.path().join("西湖区.xlsx");
    filled_template(&path);
    let bytes = std::fs::read(&path).unwrap();
    // The clerk rewrote two headers in their own words, which no header word matches.
    let reworded = |format: &'static str| {
        move |name: &str, text: &str| {
            (name == "xl/sharedStrings.xml").then(|| {
                text.replace("<t>存在不足情况</t>", "<t>我们的短板</t>")
                    .replace("<t>整改提升措施</t>", "<t>怎么办</t>")
                    .replace("<t>gongwen.template/1</t>", &format!("<t>{format}</t>"))
            })
        }
    };
    let kept = dir.path().join("改了表头.xlsx");
    std::fs::write(&kept, rewrite_xlsx(&bytes, reworded("gongwen.template/1"))).unwrap();
    let (out, json) = check_json(&[&kept]);
    must_exit(&out, 0);
    assert_filled_reads_clean(&json[0]);

    // The same workbook without a fingerprint gongwen knows is read by meaning, and says the
    // headers cannot be read: the fingerprint is what kept the tables.
    let lost = dir.path().join("没有标记.xlsx");
    std::fs::write(&lost, rewrite_xlsx(&bytes, reworded("something.else/1"))).unwrap();
    let (out, json) = check_json(&[&lost]);
    must_exit(&out, 1);
    assert!(
        rules(&json[0]).contains(&"header_unmatched".to_owned()),
        "{:#}",
        json[0]
    );
}

/// A temporary daemon root whose archive accepted examples/西湖区.xlsx.
fn root_with_xihu_accepted() -> (tempfile::TempDir, Value, String) {
    let root = temp();
    std::fs::create_dir_all(root.path().join("inbox")).unwrap();
    std::fs::write(
        root.path().join("inbox/西湖区.xlsx"),
        common::example("西湖区.xlsx"),
    )
    .unwrap();
    let out = run(gongwen()
        .args(["watch", "--once", "--settle", "100", "--root"])
        .arg(root.path()));
    must_exit(&out, 0);
    let state: Value =
        serde_json::from_slice(&std::fs::read(root.path().join("archive/state.json")).unwrap())
            .unwrap();
    let sha = state["accepted"]["330106"]["sha256"]
        .as_str()
        .unwrap_or_else(|| panic!("西湖区 accepted: {state:#}\n{}", stderr(&out)))
        .to_owned();
    let accepted: Value = serde_json::from_slice(
        &std::fs::read(
            root.path()
                .join("archive")
                .join(&sha)
                .join("submission.json"),
        )
        .unwrap(),
    )
    .unwrap();
    (root, accepted, sha)
}

/// What a list says, its sources, cells and tracking IDs aside.
fn content(s: &Value) -> Value {
    let item = |i: &Value| {
        serde_json::json!({
            "shortcoming": i["shortcoming"],
            "measure": i["measure"],
            "deadline": i["deadline"],
            "indicator": i["indicator"],
        })
    };
    let items = |v: &Value| Value::Array(v.as_array().unwrap().iter().map(item).collect());
    serde_json::json!({
        "county": s["county"],
        "filed_on": s["filed_on"],
        "plan_year": s["plan_year"],
        "schools": s["schools"].as_array().unwrap().iter().map(|school| serde_json::json!({
            "name": school["name"],
            "items": items(&school["items"]),
        })).collect::<Vec<_>>(),
        "county_items": items(&s["county_items"]),
    })
}

#[test]
fn a_template_filled_from_the_archive_reads_back_as_the_accepted_list() {
    let (root, accepted, sha) = root_with_xihu_accepted();
    assert!(
        !accepted["schools"].as_array().unwrap().is_empty()
            && !accepted["county_items"].as_array().unwrap().is_empty(),
        "the example has both lists"
    );
    let dir = temp();
    let args = [
        "--county",
        "西湖区",
        "--root",
        root.path().to_str().unwrap(),
        "--as-of",
        "2020-01-10",
    ];
    let path = write_template(dir.path(), &args);
    let bytes = std::fs::read(&path).unwrap();
    std::fs::create_dir_all(dir.path().join("again")).unwrap();
    let again = std::fs::read(write_template(&dir.path().join("again"), &args)).unwrap();
    assert!(bytes == again, "same archive, same day: same bytes");

    let (out, json) = check_json(&[&path]);
    must_exit(&out, 0);
    assert_eq!(rules(&json[0]), Vec::<String>::new(), "{:#}", json[0]);
    assert_eq!(content(&json[0]), content(&accepted));

    let print = fingerprint_of(&bytes).unwrap();
    let list = print.list.expect("the list it was filled from");
    assert_eq!(list.sha256, sha);
    assert_eq!(list.file, "西湖区.xlsx");
    assert_eq!(
        list.filed_on.map(|d| d.to_string()),
        accepted["filed_on"].as_str().map(str::to_owned)
    );
    assert_eq!(print.made_on, NaiveDate::from_ymd_opt(2020, 1, 10));

    // --from after every deadline of the list: the drop-down still offers the list's months.
    std::fs::create_dir_all(dir.path().join("late")).unwrap();
    let late = write_template(
        &dir.path().join("late"),
        &[&args[..], &["--from", "2023-12"]].concat(),
    );
    let late_bytes = std::fs::read(&late).unwrap();
    let mut months: Vec<&str> = accepted["schools"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["items"].as_array().unwrap())
        .chain(accepted["county_items"].as_array().unwrap())
        .map(|i| i["deadline"].as_str().unwrap())
        .filter(|m| *m != "2023-12")
        .collect();
    months.sort_unstable();
    months.dedup();
    let range = format!("'下拉选项'!$A$1:$A${}", months.len() + 1);
    let sheet = xlsx_part(&late_bytes, "xl/worksheets/sheet2.xml");
    assert!(sheet.contains(&range), "{range}: {sheet}");
    let lists = xlsx_part(&late_bytes, "xl/sharedStrings.xml");
    for month in &months {
        let (y, m) = month.split_once('-').unwrap();
        let label = format!("<t>{y}年{}月</t>", m.trim_start_matches('0'));
        assert!(lists.contains(&label), "{label} offered");
    }
    let (out, json) = check_json(&[&late]);
    must_exit(&out, 0);
    assert_eq!(content(&json[0]), content(&accepted));

    // The 县（市、区） cells changed to 上城区: filed as 上城区, and warned about.
    let other = dir.path().join("上城区.xlsx");
    std::fs::write(
        &other,
        rewrite_xlsx(&bytes, |name, text| {
            let cell = match name {
                "xl/worksheets/sheet2.xml" | "xl/worksheets/sheet3.xml" => "B3",
                "xl/worksheets/sheet4.xml" => "A3",
                _ => return None,
            };
            Some(with_inline_text(text, cell, "上城区"))
        }),
    )
    .unwrap();
    let (out, json) = check_json(&[&other]);
    must_exit(&out, 0);
    let s = &json[0];
    assert_eq!(
        s["county"]["name"], "上城区",
        "the filed county is the one written"
    );
    assert_eq!(rules(s), ["template_other_county"], "{s:#}");
    let warning = &s["diagnostics"][0];
    assert_eq!(warning["severity"], "warning");
    let message = warning["message"].as_str().unwrap();
    assert!(
        message.contains("西湖区") && message.contains("上城区"),
        "{message}"
    );
    assert!(
        warning["cell"].as_str().unwrap().ends_with("!B3"),
        "{warning}"
    );

    // A fingerprint of an older format: read all the same, and warned about.
    let old = dir.path().join("旧模板.xlsx");
    std::fs::write(
        &old,
        rewrite_xlsx(&bytes, |name, text| {
            (name == "xl/sharedStrings.xml").then(|| {
                assert!(text.contains("<t>gongwen.template/1</t>"));
                text.replace("<t>gongwen.template/1</t>", "<t>gongwen.template/0</t>")
            })
        }),
    )
    .unwrap();
    let (out, json) = check_json(&[&old]);
    must_exit(&out, 0);
    assert_eq!(rules(&json[0]), ["template_outdated"], "{:#}", json[0]);
    let message = json[0]["diagnostics"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("gongwen.template/0") && message.contains("gongwen.template/1"),
        "{message}"
    );
    assert!(
        json[0]["diagnostics"][0]["hint"]
            .as_str()
            .unwrap()
            .contains("gongwen template")
    );
    assert_eq!(content(&json[0]), content(&accepted));
}

/// The sheet XML with cell `cell` holding `text` as an inline string, its style kept.
fn with_inline_text(sheet: &str, cell: &str, text: &str) -> String {
    let start = sheet
        .find(&format!("<c r=\"{cell}\""))
        .unwrap_or_else(|| panic!("{cell} is written"));
    let end = start + sheet[start..].find("</c>").unwrap() + "</c>".len();
    let open = &sheet[start..];
    let style = open[..open.find('>').unwrap()]
        .split(' ')
        .find(|a| a.starts_with("s=\""))
        .map(|s| format!(" {s}"))
        .unwrap_or_default();
    format!(
        "{}<c r=\"{cell}\"{style} t=\"inlineStr\"><is><t>{text}</t></is></c>{}",
        &sheet[..start],
        &sheet[end..]
    )
}

#[test]
fn a_template_for_a_county_without_an_accepted_list_is_refused_with_a_hint() {
    let root = temp();
    let dir = temp();
    let out = run(gongwen()
        .args(["template", "--county", "西湖区", "--root"])
        .arg(root.path())
        .arg("--out")
        .arg(dir.path()));
    must_exit(&out, 2);
    assert!(stderr(&out).contains("hint:"), "{}", stderr(&out));
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn a_refilled_template_dropped_back_is_accepted_as_the_same_list() {
    let (root, accepted, sha) = root_with_xihu_accepted();
    let dir = temp();
    let path = write_template(
        dir.path(),
        &[
            "--county",
            "西湖区",
            "--root",
            root.path().to_str().unwrap(),
            "--as-of",
            "2020-01-10",
        ],
    );
    std::fs::copy(&path, root.path().join("inbox/西湖区_重报.xlsx")).unwrap();
    let out = run(gongwen()
        .args(["watch", "--once", "--settle", "100", "--root"])
        .arg(root.path()));
    must_exit(&out, 0);
    let state: Value =
        serde_json::from_slice(&std::fs::read(root.path().join("archive/state.json")).unwrap())
            .unwrap();
    let entry = &state["accepted"]["330106"];
    assert_ne!(
        entry["sha256"], sha,
        "the refilled template is the latest list"
    );
    assert_eq!(entry["warnings"], 0, "{state:#}\n{}", stderr(&out));
    let again: Value = serde_json::from_slice(
        &std::fs::read(
            root.path()
                .join("archive")
                .join(entry["sha256"].as_str().unwrap())
                .join("submission.json"),
        )
        .unwrap(),
    )
    .unwrap();
    assert_eq!(content(&again), content(&accepted));
    // Nothing changed, so every item keeps its tracking ID.
    let ids = |s: &Value| -> Vec<Value> {
        s["schools"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|s| s["items"].as_array().unwrap())
            .chain(s["county_items"].as_array().unwrap())
            .map(|i| i["id"].clone())
            .collect()
    };
    assert!(ids(&accepted).iter().all(Value::is_string), "tracked");
    assert_eq!(ids(&again), ids(&accepted));
}
