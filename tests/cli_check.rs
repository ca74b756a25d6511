//! `gongwen check` end to end: what a person sees, exit codes, hostile and broken files.

mod common;

use std::path::{Path, PathBuf};

use common::{check_json, fixtures, gongwen, must_exit, run, stdout};
use rust_xlsxwriter::Workbook;

/// A small clean county workbook written from code, in the notice's layout.
fn write_county_workbook(path: &Path) {
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
    for (col, title) in ["学校名称", "存在不足情况", "整改提升措施", "完成时限"]
        .iter()
        .enumerate()
    {
        sheet.write(3, col as u16, *title).unwrap();
    }
    let rows = [
        [
            "1.杭州市文三街小学",
            "1.生均体育运动场馆面积不足",
            "改造屋顶运动场",
            "2020年8月",
        ],
        [
            "",
            "2.县级以上骨干教师数不足",
            "引进和培养骨干教师",
            "2020.12",
        ],
        [
            "2.杭州市保俶塔实验学校",
            "网络多媒体教室数不足",
            "新建录播教室",
            "2019/09",
        ],
    ];
    for (r, row) in rows.iter().enumerate() {
        for (c, text) in row.iter().enumerate() {
            sheet.write(4 + r as u32, c as u16, *text).unwrap();
        }
    }
    sheet.write(8, 0, "计划创建年份：2020年").unwrap();
    book.save(path).unwrap();
}

fn temp() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

#[test]
fn clean_file_reads_and_exits_zero() {
    let dir = temp();
    let path = dir.path().join("西湖区.xlsx");
    write_county_workbook(&path);
    let (out, json) = check_json(&[&path]);
    must_exit(&out, 0);
    let s = &json[0];
    assert_eq!(s["schema"], "gongwen.submission/1");
    assert_eq!(s["county"]["code"], "330106");
    assert_eq!(s["county"]["city"], "杭州市");
    assert_eq!(s["filed_on"], "2019-05-20");
    assert_eq!(s["plan_year"], "2020");
    assert_eq!(s["schools"][0]["name"], "杭州市文三街小学");
    assert_eq!(s["schools"][0]["items"][0]["indicator"], "R5");
    assert_eq!(s["schools"][0]["items"][0]["deadline"], "2020-08");
    assert_eq!(s["schools"][0]["items"][0]["cell"], "学校整改清单!B5");
    assert_eq!(
        s["schools"][0]["items"][1]["shortcoming"],
        "县级以上骨干教师数不足"
    );
    assert_eq!(s["schools"][0]["items"][1]["deadline"], "2020-12");
    assert_eq!(s["schools"][1]["items"][0]["indicator"], "R7");
    assert_eq!(s["diagnostics"], serde_json::json!([]));
    assert_eq!(s["source"]["sha256"].as_str().unwrap().len(), 64);
}

#[test]
fn human_report_names_file_cell_and_hint() {
    let dir = temp();
    let path = dir.path().join("上城区.csv");
    std::fs::write(
        &path,
        "县（市、区）名称：上城区,,填报日期：2019年5月20日,\n学校名称,存在不足情况,整改提升措施,完成时限\n甲小学,班额超过45人,分班,2020年\n",
    )
    .unwrap();
    let out = run(gongwen().arg("check").arg(&path));
    must_exit(&out, 1);
    let text = stdout(&out);
    assert!(
        text.contains("错误: 完成时限「2020年」没有精确到月份"),
        "{text}"
    );
    assert!(text.contains("--> 上城区.csv 上城区!D3"), "{text}");
    assert!(text.contains("提示: 通知要求完成时限精确到月份"), "{text}");
    assert!(
        text.contains("上城区.csv: 杭州市上城区 · 1所学校 1项"),
        "{text}"
    );
    assert!(text.contains("未通过（1个错误"), "{text}");
}

#[test]
fn deny_warnings_turns_warnings_into_failure() {
    let dir = temp();
    let path = dir.path().join("x.csv");
    // No plan year anywhere: a warning only.
    std::fs::write(
        &path,
        "县（市、区）名称：西湖区,填报日期：2019年5月20日\n存在不足情况,整改提升措施,完成时限\n教职工编制统筹不到位,统筹调配,2019年12月\n",
    )
    .unwrap();
    must_exit(&run(gongwen().arg("check").arg(&path)), 0);
    must_exit(
        &run(gongwen().arg("check").arg("--deny-warnings").arg(&path)),
        1,
    );
}

#[test]
fn bad_usage_exits_two() {
    must_exit(&run(gongwen().arg("check")), 2);
    must_exit(&run(gongwen().arg("no-such-command")), 2);
}

#[test]
fn missing_file_is_reported_not_fatal() {
    let dir = temp();
    let good = dir.path().join("西湖区.xlsx");
    write_county_workbook(&good);
    let missing = dir.path().join("不存在.xlsx");
    let (out, json) = check_json(&[&missing, &good]);
    must_exit(&out, 1);
    assert_eq!(json.len(), 2);
    assert_eq!(json[0]["diagnostics"][0]["rule"], "file_corrupt");
    assert_eq!(json[1]["diagnostics"], serde_json::json!([]));
}

#[test]
fn oversized_file_and_zip_bomb_are_refused_with_bounded_memory() {
    let dir = temp();
    let big = dir.path().join("big.xlsx");
    std::fs::write(&big, vec![b'P'; 33 * 1024 * 1024]).unwrap();

    // 300 MB of zeros declared inside a zip of a few hundred kilobytes.
    let bomb = dir.path().join("bomb.xlsx");
    {
        let file = std::fs::File::create(&bomb).unwrap();
        let mut zip = zip::ZipWriter::new(file);
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .large_file(true);
        zip.start_file("xl/workbook.xml", opts).unwrap();
        let zeros = vec![0u8; 1024 * 1024];
        for _ in 0..300 {
            std::io::Write::write_all(&mut zip, &zeros).unwrap();
        }
        zip.finish().unwrap();
    }
    let (out, json) = check_json(&[&big, &bomb]);
    must_exit(&out, 1);
    for s in &json {
        assert_eq!(s["diagnostics"].as_array().unwrap().len(), 1, "{s}");
        assert_eq!(s["diagnostics"][0]["rule"], "file_too_large", "{s}");
    }
}

/// A small deterministic generator, so a failing mutant can be reproduced from its seed.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Bases for mutation: the generated workbook plus every xls/ods/csv fixture present.
fn mutation_bases(dir: &Path) -> Vec<PathBuf> {
    let generated = dir.join("base.xlsx");
    write_county_workbook(&generated);
    let mut bases = vec![generated];
    for ext in ["xls", "ods", "csv", "xlsx"] {
        if let Some(found) = find_fixture(&fixtures().join("formats"), ext) {
            bases.push(found);
        }
    }
    bases
}

fn find_fixture(dir: &Path, ext: &str) -> Option<PathBuf> {
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).ok()?.flatten() {
            let p = entry.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|e| e == ext) {
                return Some(p);
            }
        }
    }
    None
}

/// Random, truncated and mutated files never crash gongwen: each gets a JSON answer and exit
/// status 0 or 1 (calamine's own panics and aborts stay inside the sandboxed reader).
#[test]
fn random_truncated_and_mutated_files_never_crash() {
    let dir = temp();
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    let mut files = Vec::new();
    for base in mutation_bases(dir.path()) {
        let bytes = std::fs::read(&base).unwrap();
        let ext = base.extension().unwrap().to_string_lossy().into_owned();
        for i in 0..24 {
            let mut m = bytes.clone();
            match i % 3 {
                0 => m.truncate(rng.below(m.len())),
                1 => {
                    for _ in 0..1 + rng.below(16) {
                        let at = rng.below(m.len());
                        m[at] = rng.next() as u8;
                    }
                }
                _ => {
                    let at = rng.below(m.len());
                    let len = rng.below(64);
                    let junk: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
                    m.splice(at..at, junk);
                }
            }
            let path = dir.path().join(format!("mutant-{}-{i}.{ext}", files.len()));
            std::fs::write(&path, m).unwrap();
            files.push(path);
        }
    }
    let noise = dir.path().join("noise.xls");
    std::fs::write(
        &noise,
        (0..4096).map(|_| rng.next() as u8).collect::<Vec<_>>(),
    )
    .unwrap();
    files.push(noise);

    for chunk in files.chunks(16) {
        let refs: Vec<&Path> = chunk.iter().map(PathBuf::as_path).collect();
        let (out, json) = check_json(&refs);
        assert!(
            matches!(out.status.code(), Some(0 | 1)),
            "{:?} on {chunk:?}",
            out.status
        );
        assert_eq!(json.len(), chunk.len());
    }
}

/// The JSON contract (`gongwen.submission/1`) byte for byte: five fixtures (clean, many
/// problems, a deadline before the filing, 2023年及以后, no filing date) as `check --json`
/// printed them when the contract was fixed. Reading them back into the library's types and
/// writing them again gives the same bytes, so a type change cannot move the contract.
#[test]
fn the_submission_contract_is_unchanged() {
    let stored =
        std::fs::read_to_string(common::repo_root().join("tests/reference/submissions.json"))
            .expect("tests/reference/submissions.json");
    let dir = fixtures();
    let files = [
        "examples/xihu/西湖区.xlsx",
        "errors/many_problems/西湖区.xlsx",
        "errors/deadline_before_filing/西湖区.xlsx",
        "layout/plan_year_2023_later/西湖区.xlsx",
        "errors/filed_on_missing/西湖区.xlsx",
    ]
    .map(|f| dir.join(f));
    let out = run(gongwen()
        .current_dir(&dir)
        .arg("check")
        .arg("--json")
        .args(files.iter().map(|f| f.strip_prefix(&dir).unwrap())));
    assert_eq!(
        stdout(&out),
        stored,
        "check --json no longer prints the stored contract"
    );

    let read: Vec<gongwen::model::Submission> = serde_json::from_str(&stored).unwrap();
    let mut written = serde_json::to_string_pretty(&read).unwrap();
    written.push('\n');
    assert_eq!(written, stored, "the types do not round-trip the contract");
}

/// 西湖区's example list under tracking, as the daemon would hold it after accepting it.
fn xihu_ledger() -> gongwen::tracking::Ledger {
    use gongwen::intake::Limits;
    use gongwen::pipeline::{WorkbookReader, read_submission};
    let list = common::repo_root().join("examples/西湖区.xlsx");
    let submission =
        read_submission(&list, &WorkbookReader::InProcess, &Limits::default()).unwrap();
    let mut ledger = gongwen::tracking::Ledger::new(submission.county.clone().unwrap());
    ledger.apply_list(
        &submission,
        chrono::NaiveDate::from_ymd_opt(2019, 5, 28).unwrap(),
    );
    ledger
}

#[test]
fn a_progress_workbook_is_read_as_a_report_and_checked_at_its_cells() {
    use gongwen::progress::ProgressColumn;
    use gongwen::progress::workbook::{progress_workbook, progress_workbook_filled};
    use gongwen::tracking::ItemId;
    let dir = temp();
    let ledger = xihu_ledger();
    let made_on = chrono::NaiveDate::from_ymd_opt(2020, 3, 1).unwrap();
    let fresh = dir.path().join("整改进展表_西湖区.xlsx");
    std::fs::write(&fresh, progress_workbook(&ledger, made_on).unwrap()).unwrap();
    let out = run(gongwen()
        .arg("check")
        .arg(&fresh)
        .env("GONGWEN_AS_OF", "2020-03-15"));
    must_exit(&out, 0);
    let text = stdout(&out);
    assert!(
        text.contains("杭州市西湖区的整改进展表（整改进展报告，不是整改清单） · 23项"),
        "{text}"
    );
    assert!(text.trim_end().ends_with("通过"), "{text}");

    // Checked against the daemon's ledger too, with --root: an ID it does not hold.
    let root = dir.path().join("root");
    ledger.save(&gongwen::archive::Layout::new(&root)).unwrap();
    let mut fill = std::collections::BTreeMap::new();
    fill.insert(
        (ItemId::new("330106", 1), ProgressColumn::Status),
        "已完成".to_owned(),
    );
    fill.insert(
        (ItemId::new("330106", 2), ProgressColumn::Id),
        "330106-099".to_owned(),
    );
    let filled = dir.path().join("进展.xlsx");
    std::fs::write(
        &filled,
        progress_workbook_filled(&ledger, made_on, &fill).unwrap(),
    )
    .unwrap();
    let out = run(gongwen()
        .args(["check", "--root"])
        .arg(&root)
        .arg(&filled)
        .env("GONGWEN_AS_OF", "2020-03-15"));
    must_exit(&out, 1);
    let text = stdout(&out);
    assert!(text.contains("进展.xlsx 整改进展表!H4"), "{text}");
    assert!(text.contains("进展.xlsx 整改进展表!A5"), "{text}");
    assert!(
        text.contains("编号330106-099不是本县（市、区）已登记的整改事项"),
        "{text}"
    );
    assert!(text.contains("未通过（3个错误，1个警告）"), "{text}");

    // `render` refuses it for what it is.
    let out = run(gongwen()
        .args(["render", "--out"])
        .arg(dir.path().join("out"))
        .arg(&fresh));
    assert!(
        stdout(&out).contains("不是整改清单") || common::stderr(&out).contains("不是整改清单"),
        "{}{}",
        stdout(&out),
        common::stderr(&out)
    );
}

/// `check --json` of a returned 整改进展表 and 整改进展汇总 (`gongwen.progress/1`,
/// `gongwen.review/1`) as stored in tests/reference/reports.json: the reports' contract.
/// `GONGWEN_BLESS=1` writes the file again after a deliberate change.
#[test]
fn the_report_contract_is_unchanged() {
    use gongwen::progress::workbook::{progress_workbook_filled, review_workbook_filled};
    use gongwen::progress::{ProgressColumn, ReviewColumn};
    use gongwen::tracking::{ItemId, ProgressRow, SourceRef, Status};
    let reference = common::repo_root().join("tests/reference/reports.json");
    let dir = temp();
    let mut ledger = xihu_ledger();
    let made_on = chrono::NaiveDate::from_ymd_opt(2020, 3, 1).unwrap();
    let id = |seq| ItemId::new("330106", seq);
    let mut fill = std::collections::BTreeMap::new();
    for (column, text) in [
        (ProgressColumn::Status, "已完成"),
        (ProgressColumn::CompletedIn, "2020年2月"),
        (ProgressColumn::Completion, "改造屋顶运动场1200平方米"),
        (ProgressColumn::Evidence, "区教育局基建科验收报告"),
    ] {
        fill.insert((id(1), column), text.to_owned());
    }
    fill.insert((id(2), ProgressColumn::Status), "推进中".to_owned());
    std::fs::write(
        dir.path().join("整改进展表_西湖区.xlsx"),
        progress_workbook_filled(&ledger, made_on, &fill).unwrap(),
    )
    .unwrap();
    ledger
        .apply_progress(
            &[ProgressRow {
                id: id(1),
                status: Status::Completed,
                completed_in: "2020-02".parse().ok(),
                completion: "改造屋顶运动场1200平方米".into(),
                evidence: String::new(),
            }],
            &SourceRef {
                file: "整改进展表_西湖区.xlsx".into(),
                sha256: "p".into(),
            },
            made_on,
        )
        .unwrap();
    let mut review = std::collections::BTreeMap::new();
    review.insert((id(1), ReviewColumn::Verdict), "同意销号".to_owned());
    std::fs::write(
        dir.path().join("整改进展汇总_杭州市.xlsx"),
        review_workbook_filled("杭州市", &[&ledger], made_on, &review).unwrap(),
    )
    .unwrap();
    let out = run(gongwen()
        .current_dir(dir.path())
        .args([
            "check",
            "--json",
            "整改进展表_西湖区.xlsx",
            "整改进展汇总_杭州市.xlsx",
        ])
        .env("GONGWEN_AS_OF", "2020-03-15"));
    must_exit(&out, 0);
    let printed = stdout(&out);
    if std::env::var_os("GONGWEN_BLESS").is_some_and(|v| v == "1") {
        std::fs::write(&reference, &printed).unwrap();
    }
    let stored = std::fs::read_to_string(&reference).expect("tests/reference/reports.json");
    assert_eq!(
        printed, stored,
        "check --json no longer prints the stored contract"
    );
}
