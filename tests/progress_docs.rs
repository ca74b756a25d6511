//! The documents of 倒逼 end to end: ledgers built in code (lists applied, progress reported,
//! the city's reviews), rendered with the real templates and fonts, and read back with
//! pdftotext: the 督办通知 lists exactly the overdue items with their day counts, the 催报通知
//! goes exactly to the counties without a list, the reports count what the ledger holds, the
//! 年度考核 has the ledger's rate; one DOCX opened by LibreOffice; and `gongwen progress` run
//! on a temporary archive, twice, to the same bytes.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::NaiveDate;
use gongwen::archive::{self, Entry, Layout, State};
use gongwen::calendar::Timestamp;
use gongwen::config::Config;
use gongwen::diag::Location;
use gongwen::domain::{self, CountyMatch};
use gongwen::lists::{self, AnnualInput};
use gongwen::model::{CountyRef, Item, SUBMISSION_SCHEMA, School, Source, Submission};
use gongwen::pipeline::RenderedFile;
use gongwen::render::progress;
use gongwen::render::renderer::{Formats, Renderer};
use gongwen::render::world::{GongwenWorld, Templates};
use gongwen::tracking::{Ledger, ProgressRow, ReviewRow, SourceRef, Status, Verdict};

use common::{gongwen, have_tool, run, skip};

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// The day everything is counted as of.
fn as_of() -> NaiveDate {
    day(2020, 9, 15)
}

fn county(name: &str) -> CountyRef {
    match domain::registry().county(name, None) {
        CountyMatch::Exact(d) => d.to_ref(),
        _ => panic!("{name} is in the registry"),
    }
}

fn item(shortcoming: &str, indicator: &str, deadline: &str) -> Item {
    Item {
        shortcoming: shortcoming.to_owned(),
        indicator: (!indicator.is_empty()).then(|| indicator.to_owned()),
        measure: format!("针对{shortcoming}制定整改方案"),
        deadline: deadline.parse().ok(),
        cell: Location::new("学校整改清单", 4, 1),
        id: None,
    }
}

fn list(
    of: &CountyRef,
    sha: &str,
    schools: Vec<(&str, Vec<Item>)>,
    county_items: Vec<Item>,
) -> Submission {
    Submission {
        schema: SUBMISSION_SCHEMA.to_owned(),
        source: Source {
            file: format!("{}_{sha}.xlsx", of.name),
            sha256: sha.to_owned(),
        },
        county: Some(of.clone()),
        filed_on: Some(day(2019, 5, 20)),
        plan_year: None,
        schools: schools
            .into_iter()
            .map(|(name, items)| School {
                name: name.to_owned(),
                items,
            })
            .collect(),
        county_items,
        diagnostics: Vec::new(),
    }
}

fn source(sha: &str) -> SourceRef {
    SourceRef {
        file: format!("{sha}.xlsx"),
        sha256: sha.to_owned(),
    }
}

fn report(ledger: &mut Ledger, sha: &str, on: NaiveDate, rows: &[(u32, Status, Option<&str>)]) {
    let rows: Vec<ProgressRow> = rows
        .iter()
        .map(|(seq, status, month)| ProgressRow {
            id: ledger.items[*seq as usize - 1].id.clone(),
            status: *status,
            completed_in: month.and_then(|m| m.parse().ok()),
            completion: if *status == Status::Completed {
                "已完成".to_owned()
            } else {
                String::new()
            },
            evidence: String::new(),
        })
        .collect();
    ledger.apply_progress(&rows, &source(sha), on).unwrap();
}

fn review(ledger: &mut Ledger, sha: &str, on: NaiveDate, rows: &[(u32, Verdict, &str)]) {
    let rows: Vec<ReviewRow> = rows
        .iter()
        .map(|(seq, verdict, remark)| ReviewRow {
            id: ledger.items[*seq as usize - 1].id.clone(),
            verdict: *verdict,
            remark: (*remark).to_owned(),
        })
        .collect();
    ledger.apply_review(&rows, &source(sha), on).unwrap();
}

/// 定海区: seven items listed, one withdrawn by a revised list; as of 2020-09-15, 001 销号 on
/// time, 006 销号 late, 002 reported done but not yet 销号 (77 days over), 003 sent back (168
/// days over), 007 not started (15 days over), 004 not yet due.
fn dinghai() -> Ledger {
    let of = county("定海区");
    let schools = |with_withdrawn: bool| {
        let mut second = vec![
            item("美术教室不足", "G3", "2020-03"),
            item("音乐教室不足", "G3", "2020-12"),
        ];
        if with_withdrawn {
            second.push(item("骨干教师数不足", "R2", "2019-10"));
        }
        vec![
            (
                "定海区第一小学",
                vec![
                    item("生均体育运动场馆面积不足", "R5", "2019-12"),
                    item("网络多媒体教室不足", "R7", "2020-06"),
                ],
            ),
            ("定海区第二小学", second),
        ]
    };
    let county_items = || {
        vec![
            item("教师交流轮岗比例不足", "G11", "2020-01"),
            item("特殊教育学校生均公用经费未达标", "", "2020-08"),
        ]
    };
    let mut ledger = Ledger::new(of.clone());
    ledger.apply_list(
        &list(&of, "dh1", schools(true), county_items()),
        day(2019, 5, 20),
    );
    assert_eq!(ledger.items.len(), 7);
    // The revised list drops 005 and keeps the others under their IDs.
    let changes = ledger.apply_list(
        &list(&of, "dh2", schools(false), county_items()),
        day(2019, 6, 10),
    );
    assert_eq!(changes.withdrawn.len(), 1);
    assert_eq!(ledger.items[4].status, Status::Withdrawn);
    report(
        &mut ledger,
        "p1",
        day(2019, 12, 15),
        &[
            (1, Status::Completed, Some("2019-12")),
            (3, Status::InProgress, None),
            (6, Status::InProgress, None),
        ],
    );
    review(
        &mut ledger,
        "r1",
        day(2019, 12, 20),
        &[(1, Verdict::Agree, "")],
    );
    report(
        &mut ledger,
        "p2",
        day(2020, 4, 20),
        &[
            (3, Status::Completed, Some("2020-03")),
            (6, Status::Completed, Some("2020-04")),
        ],
    );
    review(
        &mut ledger,
        "r2",
        day(2020, 5, 10),
        &[
            (3, Verdict::Return, "缺少佐证材料"),
            (6, Verdict::Agree, ""),
        ],
    );
    report(
        &mut ledger,
        "p3",
        day(2020, 7, 10),
        &[
            (2, Status::Completed, Some("2020-07")),
            (3, Status::InProgress, None),
        ],
    );
    ledger
}

/// 普陀区: one item 销号 on time, one not yet due — nothing overdue.
fn putuo() -> Ledger {
    let of = county("普陀区");
    let mut ledger = Ledger::new(of.clone());
    ledger.apply_list(
        &list(
            &of,
            "pt1",
            vec![(
                "普陀区实验小学",
                vec![
                    item("体育专任教师不足", "R3", "2020-05"),
                    item("生均教学仪器设备值不足", "R6", "2020-11"),
                ],
            )],
            Vec::new(),
        ),
        day(2019, 5, 25),
    );
    report(
        &mut ledger,
        "pt-p1",
        day(2020, 5, 15),
        &[(1, Status::Completed, Some("2020-05"))],
    );
    review(
        &mut ledger,
        "pt-r1",
        day(2020, 5, 20),
        &[(1, Verdict::Agree, "")],
    );
    ledger
}

/// 吴兴区 of another city: one item due 2020, 销号 on time.
fn wuxing() -> Ledger {
    let of = county("吴兴区");
    let mut ledger = Ledger::new(of.clone());
    ledger.apply_list(
        &list(
            &of,
            "wx1",
            vec![("吴兴区实验小学", vec![item("班额超标", "G5", "2020-04")])],
            Vec::new(),
        ),
        day(2019, 5, 28),
    );
    report(
        &mut ledger,
        "wx-p1",
        day(2020, 4, 1),
        &[(1, Status::Completed, Some("2020-03"))],
    );
    review(
        &mut ledger,
        "wx-r1",
        day(2020, 4, 10),
        &[(1, Verdict::Agree, "")],
    );
    ledger
}

fn ledgers() -> Vec<Ledger> {
    vec![dinghai(), putuo(), wuxing()]
}

fn code(name: &str) -> String {
    county(name).code
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn renderer() -> Option<Renderer> {
    let fonts = repo().join("fonts");
    if !gongwen::render::fonts::STAND_INS
        .iter()
        .all(|s| fonts.join(s.file).is_file())
    {
        skip("fonts/ does not hold the stand-in fonts");
        return None;
    }
    let world = GongwenWorld::new(&Templates::Dir(repo().join("templates")), &[fonts])
        .unwrap_or_else(|e| panic!("cannot build the world: {e}"));
    Some(Renderer::new(world, Config::default(), Formats::default()))
}

/// pdftotext -layout of `bytes`, each line's runs of spaces squeezed to one, page numbers
/// (`—1—`) left out so sentences read on across pages.
fn pdf_lines(bytes: &[u8]) -> Vec<String> {
    pdftotext(bytes, "-layout")
}

/// pdftotext with `mode` (`-layout`, or `-raw` for the content stream's order, which keeps a
/// wrapped table cell's lines together).
fn pdftotext(bytes: &[u8], mode: &str) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let pdf = dir.path().join("doc.pdf");
    std::fs::write(&pdf, bytes).unwrap();
    let out = Command::new("pdftotext")
        .arg(mode)
        .arg(&pdf)
        .arg("-")
        .output()
        .expect("run pdftotext");
    assert!(out.status.success(), "pdftotext failed");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|l| !l.is_empty() && !is_page_number(l))
        .collect()
}

fn is_page_number(line: &str) -> bool {
    line.strip_prefix('—')
        .and_then(|l| l.strip_suffix('—'))
        .is_some_and(|n| !n.is_empty() && n.trim().chars().all(|c| c.is_ascii_digit()))
}

fn file<'a>(files: &'a [RenderedFile], name: &str) -> &'a RenderedFile {
    files.iter().find(|f| f.name == name).unwrap_or_else(|| {
        panic!(
            "no {name} among {:?}",
            files.iter().map(|f| &f.name).collect::<Vec<_>>()
        )
    })
}

/// The lines naming an item ID of `county_code`: `(seq, line)`.
fn id_lines(lines: &[String], county_code: &str) -> BTreeMap<u32, String> {
    let prefix = format!("{county_code}-");
    let mut out = BTreeMap::new();
    for line in lines {
        for word in line.split(' ') {
            if let Some(seq) = word.strip_prefix(&prefix)
                && let Ok(seq) = seq.parse::<u32>()
            {
                out.insert(seq, line.clone());
            }
        }
    }
    out
}

/// Keeps the rendered files under target/ for looking at when `GONGWEN_KEEP_PDFS` is set.
fn keep(files: &[RenderedFile]) {
    if std::env::var_os("GONGWEN_KEEP_PDFS").is_none() {
        return;
    }
    let dir = repo().join("target").join("progress-docs");
    std::fs::create_dir_all(&dir).unwrap();
    for f in files {
        std::fs::write(dir.join(&f.name), &f.bytes).unwrap();
    }
    eprintln!("kept in {}", dir.display());
}

#[test]
fn city_documents_say_what_the_ledgers_hold() {
    if !have_tool("pdftotext") {
        skip("pdftotext is not installed");
        return;
    }
    let Some(mut renderer) = renderer() else {
        return;
    };
    let ledgers = ledgers();
    let refs: Vec<&Ledger> = ledgers.iter().collect();
    let placed = renderer.progress_city("舟山市", &refs, as_of()).unwrap();
    keep(&placed.rendered.files);
    let files = &placed.rendered.files;
    // Every character has a font; the templates have nothing to say.
    assert!(
        placed.rendered.diagnostics.is_empty(),
        "{:?}",
        placed.rendered.diagnostics
    );
    assert!(
        placed.rendered.typst_warnings.is_empty(),
        "{:?}",
        placed.rendered.typst_warnings
    );

    // Who gets what, and in which folder.
    let by_folder: Vec<(Option<&str>, Vec<String>)> = placed
        .by_folder()
        .into_iter()
        .map(|(folder, files)| (folder, files.into_iter().map(|f| f.name).collect()))
        .collect();
    let names = |stems: &[&str]| -> Vec<String> {
        stems
            .iter()
            .flat_map(|s| [format!("{s}.pdf"), format!("{s}.docx")])
            .collect()
    };
    assert_eq!(
        by_folder,
        vec![
            (None, names(&["整改进展情况报告_舟山市"])),
            (
                Some("定海区"),
                names(&["督办通知_定海区", "整改进展情况报告_定海区"])
            ),
            (Some("普陀区"), names(&["整改进展情况报告_普陀区"])),
            (Some("岱山县"), names(&["催报通知_岱山县"])),
            (Some("嵊泗县"), names(&["催报通知_嵊泗县"])),
        ]
    );

    // 督办通知: exactly 003, 002 and 007, most overdue first, with their day counts.
    let urge = pdf_lines(&file(files, "督办通知_定海区.pdf").bytes);
    let text = urge.join("\n");
    let dinghai = code("定海区");
    let listed = id_lines(&urge, &dinghai);
    assert_eq!(
        listed.keys().copied().collect::<Vec<_>>(),
        [2, 3, 7],
        "{text}"
    );
    for (seq, days) in [(3, 168), (2, 77), (7, 15)] {
        let line = &listed[&seq];
        assert!(
            line.split(' ').any(|w| w == days.to_string()),
            "{dinghai}-{seq:03} should be {days} days overdue: {line}"
        );
    }
    let at = |needle: &str| {
        text.find(needle)
            .unwrap_or_else(|| panic!("{needle}: {text}"))
    };
    assert!(at(&format!("{dinghai}-003")) < at(&format!("{dinghai}-002")));
    assert!(at(&format!("{dinghai}-002")) < at(&format!("{dinghai}-007")));
    let flat = urge.concat();
    for want in [
        "舟山市教育局文件",
        "关于督促加快义务教育优质均衡发展整改进度的通知",
        "舟山市定海区教育局：",
        "截至2020年9月15日，你局整改清单中有3项整改任务已超过完成时限仍未销号（详见附件）。",
        "请于2020年9月25日前",
        "附件：定海区逾期未销号整改任务清单",
        "推进中（退回重改）",
        "已完成（待销号）",
        "抄送：舟山市定海区人民政府",
        "舟山市教育局2020年9月15日",
    ] {
        assert!(flat.contains(want), "督办通知 lacks {want}:\n{text}");
    }
    // Nothing closed or withdrawn is named.
    for closed in [
        "生均体育运动场馆面积不足",
        "教师交流轮岗比例不足",
        "骨干教师数不足",
    ] {
        assert!(!text.contains(closed), "{closed} is not overdue:\n{text}");
    }

    // 催报通知: the county deadline and the day to report by.
    let remind = pdf_lines(&file(files, "催报通知_岱山县.pdf").bytes).concat();
    for want in [
        "岱山县教育局：",
        "2019年5月31日前",
        "截至2020年9月15日，我局尚未收到你局报送的整改清单",
        "2020年9月25日前",
    ] {
        assert!(remind.contains(want), "催报通知 lacks {want}:\n{remind}");
    }

    // The county's report counts what the ledger holds (withdrawn aside).
    let ledger = &ledgers[0];
    let counts = ledger.counts();
    let total: usize = counts.values().sum();
    assert_eq!(total, 6);
    let county_report = pdf_lines(&file(files, "整改进展情况报告_定海区.pdf").bytes);
    let report_text = county_report.join("\n");
    let report_flat = county_report.concat();
    for status in [
        Status::NotStarted,
        Status::InProgress,
        Status::Completed,
        Status::Closed,
    ] {
        let n = counts.get(&status).copied().unwrap_or(0);
        let row = format!("{} {n} ", status.label());
        assert!(
            county_report.iter().any(|l| l.starts_with(&row)),
            "no row「{row}」in:\n{report_text}"
        );
    }
    for want in [
        "我区整改清单共有整改任务6项，其中已销号2项，已完成待销号1项，推进中1项，未启动2项，销号率33.3%；已超过完成时限仍未销号的3项。",
        "另有1项整改任务已从整改清单中撤回",
        "舟山市教育局：",
        // By indicator: G3 has 003 (推进中, overdue) and 004 (未启动).
        "G3 音乐、美术专用教室 2 1 1 0 0 1",
        "未对应指标 1 1 0 0 0 1",
        // By deadline month.
        "2020年3月 1 0 1 0 0 1",
        "2020年12月 1 1 0 0 0 0",
    ] {
        assert!(
            report_text.contains(want) || report_flat.contains(want),
            "county report lacks {want}:\n{report_text}"
        );
    }
    assert_eq!(
        id_lines(&county_report, &dinghai)
            .keys()
            .copied()
            .collect::<Vec<_>>(),
        [2, 3, 7]
    );

    // The city's report: a row per county and the city's total.
    let city_lines = pdf_lines(&file(files, "整改进展情况报告_舟山市.pdf").bytes);
    let city = format!("{}\n{}", city_lines.join("\n"), city_lines.concat());
    assert_eq!(
        id_lines(&city_lines, &dinghai)
            .keys()
            .copied()
            .collect::<Vec<_>>(),
        [2, 3, 7]
    );
    for want in [
        "浙江省人民政府教育督导委员会办公室：",
        "全市共有县（市、区）4个，已报送整改清单2个，共有整改任务8项",
        "岱山县、嵊泗县尚未报送整改清单",
        "定海区 6 2 1 1 2 3 33.3%",
        "普陀区 2 1 0 0 1 0 50.0%",
        "全市 8 3 1 1 3 3 37.5%",
    ] {
        assert!(city.contains(want), "city report lacks {want}:\n{city}");
    }
}

#[test]
fn annual_assessment_has_the_ledgers_rate() {
    if !have_tool("pdftotext") {
        skip("pdftotext is not installed");
        return;
    }
    let Some(mut renderer) = renderer() else {
        return;
    };
    let ledgers = ledgers();
    let refs: Vec<&Ledger> = ledgers.iter().collect();
    let rendered = renderer.progress_province(&refs, 2020, as_of()).unwrap();
    keep(&rendered.files);
    assert!(
        rendered.diagnostics.is_empty(),
        "{:?}",
        rendered.diagnostics
    );
    let names: Vec<&str> = rendered.files.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["年度考核_2020.pdf", "年度考核_2020.docx"]);
    // 定海区 2020: 002, 003, 004, 006, 007 due; 006 销号 late; none on time.
    assert_eq!(
        ledgers[0].annual(2020, as_of()),
        gongwen::tracking::Annual {
            due: 5,
            on_time: 0,
            late: 1,
            open: 4
        }
    );
    let lines = pdf_lines(&rendered.files[0].bytes);
    let text = format!("{}\n{}", lines.join("\n"), lines.concat());
    for want in [
        "定海区 5 0 1 4 0.0%",
        "普陀区 2 1 0 1 50.0%",
        "小计 7 1 1 5 14.3%",
        "吴兴区 1 1 0 0 100.0%",
        "全省 合计 8 2 1 5 25.0%",
        "完成时限在2020年内的整改任务共8项，按时销号2项，逾期销号1项，尚未销号5项，按时销号率25.0%",
    ] {
        assert!(text.contains(want), "年度考核 lacks {want}:\n{text}");
    }
    // 舟山市 (code 3309) comes after 湖州市 (3305).
    assert!(text.find("吴兴区").unwrap() < text.find("定海区").unwrap());
}

fn sheet_names(xlsx: &[u8]) -> Vec<String> {
    use calamine::{Reader, Xlsx};
    let book: Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(xlsx)).expect("open the workbook");
    book.sheet_names().clone()
}

/// 定海区's list as last accepted (one item is enough for the workbook).
fn dinghai_list() -> Submission {
    list(
        &county("定海区"),
        "dh2",
        vec![(
            "定海区第一小学",
            vec![item("生均体育运动场馆面积不足", "R5", "2019-12")],
        )],
        Vec::new(),
    )
}

#[test]
fn the_province_summary_can_carry_the_annual_sheet() {
    let Some(mut renderer) = renderer() else {
        return;
    };
    let ledgers = ledgers();
    let refs: Vec<&Ledger> = ledgers.iter().collect();
    let annual = AnnualInput {
        ledgers: &refs,
        year: 2020,
        as_of: as_of(),
    };
    let rendered = renderer
        .province_with_annual(&[dinghai_list()], &annual)
        .unwrap();
    let names: Vec<&str> = rendered.files.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(
        names,
        ["全省汇总.pdf", "全省汇总.docx", lists::PROVINCE_FILE]
    );
    assert_eq!(
        sheet_names(&rendered.files[2].bytes)
            .last()
            .map(String::as_str),
        Some(lists::ANNUAL_SHEET)
    );
}

#[test]
fn the_province_workbook_gains_the_annual_sheet() {
    use calamine::{Data, Reader, Xlsx};
    let ledgers = ledgers();
    let refs: Vec<&Ledger> = ledgers.iter().collect();
    let sub = dinghai_list();
    let config = Config::default();
    let annual = AnnualInput {
        ledgers: &refs,
        year: 2020,
        as_of: as_of(),
    };
    let with =
        lists::province_workbook_with_annual(std::slice::from_ref(&sub), &config, Some(&annual))
            .unwrap()
            .unwrap();
    let without = lists::province_workbook(std::slice::from_ref(&sub), &config)
        .unwrap()
        .unwrap();
    assert_eq!(with.name, lists::PROVINCE_FILE);
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(&with.bytes))
        .expect("open the workbook");
    let sheets = book.sheet_names().clone();
    assert_eq!(sheets.last().map(String::as_str), Some(lists::ANNUAL_SHEET));
    let old: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(&without.bytes))
        .expect("open the workbook");
    assert_eq!(old.sheet_names(), &sheets[..sheets.len() - 1]);
    let range = book.worksheet_range(lists::ANNUAL_SHEET).unwrap();
    let cell = |r: u32, c: u32| match range.get_value((r, c)) {
        Some(Data::String(s)) => s.clone(),
        Some(Data::Float(f)) => format!("{f}"),
        Some(Data::Int(i)) => format!("{i}"),
        Some(Data::Empty) | None => String::new(),
        Some(other) => format!("{other:?}"),
    };
    let rows: Vec<Vec<String>> = (3..range.end().unwrap().0 + 1)
        .map(|r| (0..7).map(|c| cell(r, c)).collect())
        .collect();
    let want: Vec<Vec<String>> = [
        ["湖州市", "吴兴区", "1", "1", "0", "0", "1"],
        ["湖州市", "小计", "1", "1", "0", "0", "1"],
        ["舟山市", "定海区", "5", "0", "1", "4", "0"],
        ["舟山市", "普陀区", "2", "1", "0", "1", "0.5"],
        ["舟山市", "小计", "7", "1", "1", "5", "0.14285714285714285"],
        ["全省", "合计", "8", "2", "1", "5", "0.25"],
    ]
    .iter()
    .map(|r| r.iter().map(|s| (*s).to_owned()).collect())
    .collect();
    assert_eq!(rows, want);
    assert_eq!(cell(2, 6), "按时销号率");
}

#[test]
fn an_urge_notice_opens_in_libreoffice() {
    if !have_tool("soffice") || !have_tool("pdftotext") {
        skip("LibreOffice (soffice) or pdftotext is not installed");
        return;
    }
    let Some(mut renderer) = renderer() else {
        return;
    };
    let ledgers = ledgers();
    let refs: Vec<&Ledger> = ledgers.iter().collect();
    let placed = renderer.progress_city("舟山市", &refs, as_of()).unwrap();
    let docx = file(&placed.rendered.files, "督办通知_定海区.docx");
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("督办通知_定海区.docx");
    std::fs::write(&input, &docx.bytes).unwrap();
    let conf = common::libreoffice::fontconfig(dir.path());
    let out = Command::new("soffice")
        .arg(format!(
            "-env:UserInstallation=file://{}",
            dir.path().join("profile").display()
        ))
        .args(["--headless", "--convert-to", "pdf", "--outdir"])
        .arg(dir.path())
        .arg(&input)
        .env("FONTCONFIG_FILE", &conf)
        .output()
        .expect("run soffice");
    let pdf = input.with_extension("pdf");
    assert!(
        pdf.exists(),
        "LibreOffice did not convert the DOCX: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines = pdf_lines(&std::fs::read(&pdf).unwrap());
    let dinghai = code("定海区");
    let listed = id_lines(&lines, &dinghai);
    assert_eq!(
        listed.keys().copied().collect::<Vec<_>>(),
        [2, 3, 7],
        "{lines:#?}"
    );
    // LibreOffice may set a space between Chinese and digits; the DOCX may hold zero-width
    // spaces there.
    let text = squeeze(&lines.concat());
    assert!(text.contains("请于2020年9月25日前"), "{text}");
}

fn progress_cli(root: &Path, out: &Path, extra: &[&str]) -> std::process::Output {
    let mut cmd = gongwen();
    cmd.arg("progress")
        .arg("--root")
        .arg(root)
        .arg("--as-of")
        .arg("2020-09-15")
        .arg("--year")
        .arg("2020")
        .arg("-o")
        .arg(out)
        .arg("--install-root")
        .arg(repo())
        .args(extra)
        .current_dir(root);
    run(&mut cmd)
}

#[test]
fn the_cli_writes_every_document_from_an_archive() {
    let fonts = repo().join("fonts");
    if !gongwen::render::fonts::STAND_INS
        .iter()
        .all(|s| fonts.join(s.file).is_file())
    {
        skip("fonts/ does not hold the stand-in fonts");
        return;
    }
    let root = tempfile::tempdir().unwrap();
    let layout = Layout::new(root.path());
    layout.prepare().unwrap();
    for ledger in ledgers() {
        ledger.save(&layout).unwrap();
    }
    let out = root.path().join("out");
    // First without any list in archive/state.json: no province workbook to add a sheet to;
    // and without -o, into the root's outbox/ (GONGWEN_AS_OF naming the day).
    let result = run(gongwen()
        .arg("progress")
        .arg("--root")
        .arg(root.path())
        .arg("--install-root")
        .arg(repo())
        .env("GONGWEN_AS_OF", "2020-09-15"));
    assert!(result.status.success(), "{}", common::stderr(&result));
    assert!(
        layout
            .outbox
            .join("舟山市/定海区/督办通知_定海区.pdf")
            .is_file()
    );
    assert!(layout.outbox.join("年度考核_2020.pdf").is_file());
    assert!(!layout.outbox.join(lists::PROVINCE_FILE).exists());
    // Then with 定海区's list accepted, as the daemon records it.
    let sub = dinghai_list();
    archive::write_json(
        &layout.archived(&sub.source.sha256).join("submission.json"),
        &sub,
    )
    .unwrap();
    let mut state = State::default();
    state.accepted.insert(
        code("定海区"),
        Entry {
            sha256: sub.source.sha256.clone(),
            file: sub.source.file.clone(),
            at: Timestamp::parse("2019-05-20T10:00:00+08:00").unwrap(),
            receipt: "outbox/回执/x.txt".to_owned(),
            warnings: 0,
        },
    );
    state.save(&layout).unwrap();
    let result = progress_cli(root.path(), &out, &[]);
    assert!(
        result.status.success(),
        "{}{}",
        common::stdout(&result),
        common::stderr(&result)
    );
    let standing = domain::registry().counties_on(as_of()).len();
    assert!(
        common::stdout(&result).contains(&format!(
            "截至2020年9月15日：督办通知1份，催报通知{}份，整改进展情况报告5份，2020年度考核1份。",
            standing - 3
        )),
        "{}",
        common::stdout(&result)
    );
    let files: Vec<String> = common::files_under(&out)
        .iter()
        .map(|p| p.strip_prefix(&out).unwrap().display().to_string())
        .collect();
    for want in [
        "舟山市/定海区/督办通知_定海区.pdf",
        "舟山市/定海区/督办通知_定海区.docx",
        "舟山市/定海区/整改进展情况报告_定海区.pdf",
        "舟山市/普陀区/整改进展情况报告_普陀区.pdf",
        "舟山市/岱山县/催报通知_岱山县.pdf",
        "舟山市/整改进展情况报告_舟山市.pdf",
        "湖州市/吴兴区/整改进展情况报告_吴兴区.pdf",
        "湖州市/整改进展情况报告_湖州市.pdf",
        "杭州市/西湖区/催报通知_西湖区.pdf",
        "年度考核_2020.pdf",
        "年度考核_2020.docx",
    ] {
        assert!(files.iter().any(|f| f == want), "no {want} in {files:#?}");
    }
    assert!(
        !files.iter().any(|f| f.contains("督办通知_普陀区")),
        "{files:#?}"
    );
    // The province workbook of the accepted lists, with its 年度考核 sheet.
    assert!(
        files.iter().any(|f| f == lists::PROVINCE_FILE),
        "{files:#?}"
    );
    assert_eq!(
        sheet_names(&std::fs::read(out.join(lists::PROVINCE_FILE)).unwrap())
            .last()
            .map(String::as_str),
        Some(lists::ANNUAL_SHEET)
    );
    // Every county standing on the day without a ledger is reminded, and only those.
    let reminded = files.iter().filter(|f| f.contains("催报通知_")).count();
    assert_eq!(reminded, 2 * (standing - 3), "{files:#?}");
    assert!(!files.iter().any(|f| f.contains(".tmp")), "{files:#?}");

    // A later run into the same folder removes what is no longer true: 定海区 settled
    // everything (its 督办通知 goes), a county's own file stays.
    let mut settled = dinghai();
    for item in &mut settled.items {
        if item.status.is_open() {
            item.status = Status::Closed;
            item.closed_on = Some(day(2020, 9, 1));
        }
    }
    settled.save(&layout).unwrap();
    let own = out.join("舟山市/定海区/报告_定海区.pdf");
    std::fs::write(&own, b"kept").unwrap();
    let result = progress_cli(root.path(), &out, &[]);
    assert!(result.status.success(), "{}", common::stderr(&result));
    assert!(!out.join("舟山市/定海区/督办通知_定海区.pdf").exists());
    assert!(!out.join("舟山市/定海区/督办通知_定海区.docx").exists());
    assert!(
        out.join("舟山市/定海区/整改进展情况报告_定海区.pdf")
            .exists()
    );
    assert_eq!(std::fs::read(&own).unwrap(), b"kept");
    std::fs::remove_file(&own).unwrap();
    dinghai().save(&layout).unwrap();
    let result = progress_cli(root.path(), &out, &[]);
    assert!(result.status.success(), "{}", common::stderr(&result));

    // The same archive and day give the same bytes.
    let again = root.path().join("again");
    let result = progress_cli(root.path(), &again, &[]);
    assert!(result.status.success(), "{}", common::stderr(&result));
    for f in &files {
        assert!(
            std::fs::read(out.join(f)).unwrap() == std::fs::read(again.join(f)).unwrap(),
            "{f} differs between two runs"
        );
    }
}

#[test]
fn the_cli_refuses_a_bad_day_and_a_folder_without_an_archive() {
    let root = tempfile::tempdir().unwrap();
    let out = root.path().join("out");
    let result = progress_cli(root.path(), &out, &[]);
    assert_eq!(result.status.code(), Some(2));
    assert!(
        common::stderr(&result).contains("has no archive/"),
        "{}",
        common::stderr(&result)
    );
    Layout::new(root.path()).prepare().unwrap();
    let result = run(gongwen()
        .arg("progress")
        .arg("--root")
        .arg(root.path())
        .arg("--as-of")
        .arg("2020-9-31")
        .arg("--install-root")
        .arg(repo()));
    assert_eq!(result.status.code(), Some(2));
    assert!(
        common::stderr(&result).contains("--as-of「2020-9-31」is not a date"),
        "{}",
        common::stderr(&result)
    );
}

/// Whitespace removed: line breaks differ between the backends.
fn squeeze(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_whitespace() && *c != '\u{200b}')
        .collect()
}

fn docx_text(bytes: &[u8]) -> String {
    use std::io::Read;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut xml = String::new();
    zip.by_name("word/document.xml")
        .unwrap()
        .read_to_string(&mut xml)
        .unwrap();
    let mut text = String::new();
    for part in xml.split("<w:t").skip(1) {
        if let (Some(start), Some(end)) = (part.find('>'), part.find("</w:t>"))
            && start < end
        {
            text.push_str(&part[start + 1..end]);
        }
    }
    squeeze(
        &text
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&apos;", "'")
            .replace("&amp;", "&"),
    )
}

#[test]
fn pdf_and_docx_print_every_text_of_the_model() {
    if !have_tool("pdftotext") {
        skip("pdftotext is not installed");
        return;
    }
    let Some(mut renderer) = renderer() else {
        return;
    };
    let ledgers = ledgers();
    let refs: Vec<&Ledger> = ledgers.iter().collect();
    let config = Config::default();
    let mut docs: Vec<_> = progress::city_documents("舟山市", &refs, as_of(), &config)
        .into_iter()
        .map(|p| p.document)
        .collect();
    docs.extend(progress::province_documents(&refs, 2020, as_of(), &config));
    let rendered = renderer.documents(&docs, None).unwrap();
    let mut failures = Vec::new();
    for doc in &docs {
        let find = |ext: &str| {
            let name = format!("{}.{ext}", doc.file_stem);
            &file(&rendered.files, &name).bytes
        };
        let pdf = squeeze(&pdftotext(find("pdf"), "-raw").concat());
        let docx = docx_text(find("docx"));
        for text in doc.texts() {
            let want = squeeze(text);
            if want.is_empty() {
                continue;
            }
            if !pdf.contains(&want) {
                failures.push(format!("{}: the PDF lacks 「{want}」", doc.file_stem));
            }
            if !docx.contains(&want) {
                failures.push(format!("{}: the DOCX lacks 「{want}」", doc.file_stem));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn a_county_with_every_item_withdrawn_still_reports() {
    let Some(mut renderer) = renderer() else {
        return;
    };
    let of = county("嵊泗县");
    let mut ledger = Ledger::new(of.clone());
    ledger.apply_list(
        &list(
            &of,
            "ss1",
            vec![("嵊泗县实验小学", vec![item("班额超标", "G5", "2019-12")])],
            Vec::new(),
        ),
        day(2019, 5, 20),
    );
    ledger.apply_list(&list(&of, "ss2", Vec::new(), Vec::new()), day(2019, 6, 1));
    assert_eq!(ledger.current().count(), 0);
    let placed = renderer
        .progress_city("舟山市", &[&ledger], as_of())
        .unwrap();
    assert!(
        placed.rendered.typst_warnings.is_empty(),
        "{:?}",
        placed.rendered.typst_warnings
    );
    let report = file(&placed.rendered.files, "整改进展情况报告_嵊泗县.pdf");
    if !have_tool("pdftotext") {
        skip("pdftotext is not installed");
        return;
    }
    let text = pdf_lines(&report.bytes).concat();
    for want in [
        "我县整改清单共有整改任务0项",
        "销号率—",
        "另有1项整改任务已从整改清单中撤回",
        "没有超过完成时限仍未销号的整改任务",
    ] {
        assert!(text.contains(want), "lacks {want}:\n{text}");
    }
    assert!(
        !placed
            .rendered
            .files
            .iter()
            .any(|f| f.name.starts_with("督办通知_嵊泗县")),
    );
}
