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
    let first = std::fs::read(write_template(a.path(), &["--county", "西湖区"])).unwrap();
    let again = std::fs::read(write_template(b.path(), &["--county", "西湖区"])).unwrap();
    assert!(first == again, "two runs wrote different bytes");
    let with_city = std::fs::read(write_template(c.path(), &["--county", "杭州市西湖区"])).unwrap();
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
}
