use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::read::{Returned, check_progress, check_review, recognise};
use super::workbook::{Fill, progress_workbook, progress_workbook_filled, review_workbook_filled};
use super::*;
use crate::diag::{Location, Rule};
use crate::domain::{self, CountyMatch};
use crate::intake::{self, Limits};
use crate::model::{Item, SUBMISSION_SCHEMA, School, Source, Submission};
use crate::tracking::{ItemId, Ledger, ProgressRow, SourceRef, Status};

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
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
        indicator: Some(indicator.to_owned()),
        measure: format!("{shortcoming}的整改措施"),
        deadline: deadline.parse().ok(),
        cell: Location::new("学校整改清单", 4, 1),
        id: None,
    }
}

fn list(name: &str, sha: &str) -> Submission {
    Submission {
        schema: SUBMISSION_SCHEMA.to_owned(),
        source: Source {
            file: format!("{name}.xlsx"),
            sha256: sha.to_owned(),
        },
        county: Some(county(name)),
        filed_on: Some(day(2019, 5, 20)),
        plan_year: None,
        schools: vec![
            School {
                name: "文三街小学".to_owned(),
                items: vec![
                    item("生均体育运动场馆面积不足", "R5", "2020-08"),
                    item("网络多媒体教室不足", "R6", "2019-12"),
                ],
            },
            School {
                name: "学军小学".to_owned(),
                items: vec![item("音乐美术专用教室不足", "R4", "2021-06")],
            },
        ],
        county_items: vec![item("教师交流轮岗比例不足", "Q7", "2020-12")],
        diagnostics: Vec::new(),
    }
}

fn ledger(name: &str) -> Ledger {
    let sub = list(name, &format!("{name}-sha"));
    let mut ledger = Ledger::new(sub.county.clone().unwrap());
    ledger.apply_list(&sub, day(2019, 5, 28));
    ledger
}

fn read(bytes: &[u8], as_of: NaiveDate) -> Returned {
    let book = intake::read_bytes(bytes, "整改进展表.xlsx", &Limits::default()).unwrap();
    let source = Source {
        file: "整改进展表.xlsx".to_owned(),
        sha256: "x".to_owned(),
    };
    recognise(&book, &source, as_of).expect("recognised by its fingerprint")
}

fn progress(bytes: &[u8], as_of: NaiveDate) -> read::ProgressReport {
    match read(bytes, as_of) {
        Returned::Progress(report) => report,
        other => panic!("not a progress report: {other:?}"),
    }
}

fn id(ledger: &Ledger, index: usize) -> ItemId {
    ledger.items[index].id.clone()
}

fn rules(diagnostics: &[crate::diag::Diagnostic]) -> Vec<(Rule, String)> {
    diagnostics
        .iter()
        .map(|d| {
            (
                d.rule,
                d.cell.as_ref().map(ToString::to_string).unwrap_or_default(),
            )
        })
        .collect()
}

#[test]
fn a_fresh_progress_workbook_reads_back_without_a_word() {
    let ledger = ledger("西湖区");
    let bytes = progress_workbook(&ledger, day(2019, 6, 1)).unwrap();
    // The fingerprint sheet is very hidden, and intake keeps it (marked not visible).
    let book = intake::read_bytes(&bytes, "a.xlsx", &Limits::default()).unwrap();
    let print = book
        .sheets
        .iter()
        .find(|s| s.name == FINGERPRINT_SHEET)
        .unwrap();
    assert!(!print.visible);
    let mut report = progress(&bytes, day(2019, 6, 1));
    assert_eq!(report.diagnostics, vec![]);
    assert_eq!(report.county.as_ref().unwrap().code, "330106");
    assert_eq!(report.list_sha256, "西湖区-sha");
    assert_eq!(report.list_filed_on, Some(day(2019, 5, 20)));
    assert_eq!(report.made_on, Some(day(2019, 6, 1)));
    assert_eq!(report.rows.len(), 4);
    assert_eq!(report.rows[0].id.to_string(), "330106-001");
    assert_eq!(report.rows[0].cell.to_string(), "整改进展表!A4");
    assert!(report.rows.iter().all(|r| r.status == Status::NotStarted));
    check_progress(&mut report, Some(&ledger));
    assert_eq!(report.diagnostics, vec![]);
    // The same ledger and day give the same bytes.
    assert_eq!(progress_workbook(&ledger, day(2019, 6, 1)).unwrap(), bytes);
}

#[test]
fn a_filled_report_is_checked_at_its_cells() {
    let ledger = ledger("西湖区");
    let mut fill: Fill<ProgressColumn> = BTreeMap::new();
    let mut put = |index: usize, column, text: &str| {
        fill.insert((id(&ledger, index), column), text.to_owned());
    };
    // Row 4: done, but no 完成时间.
    put(0, ProgressColumn::Status, "已完成");
    put(0, ProgressColumn::Completion, "新建跑道");
    // Row 5: done in a month not yet come.
    put(1, ProgressColumn::Status, "已完成");
    put(1, ProgressColumn::CompletedIn, "2020年9月");
    put(1, ProgressColumn::Completion, "建成录播教室");
    // Row 6: a word that is no state.
    put(2, ProgressColumn::Status, "差不多了");
    // Row 7: done before the list was filed, and without 完成情况.
    put(3, ProgressColumn::Status, "已完成");
    put(3, ProgressColumn::CompletedIn, "2019年4月");
    let bytes = progress_workbook_filled(&ledger, day(2019, 6, 1), &fill).unwrap();
    let report = progress(&bytes, day(2020, 6, 15));
    assert_eq!(
        rules(&report.diagnostics),
        vec![
            (Rule::ProgressCompletedInMissing, "整改进展表!H4".to_owned()),
            (Rule::ProgressCompletedInFuture, "整改进展表!H5".to_owned()),
            (Rule::ProgressStatusInvalid, "整改进展表!G6".to_owned()),
            (Rule::ProgressCompletionMissing, "整改进展表!I7".to_owned()),
            (
                Rule::ProgressCompletedBeforeList,
                "整改进展表!H7".to_owned()
            ),
        ]
    );
    assert!(report.diagnostics.iter().all(|d| d.is_error()));
    assert!(report.diagnostics[0].message.contains("330106-001"));
    assert!(report.rows.is_empty());
}

#[test]
fn ids_unknown_duplicated_or_of_another_county_are_errors() {
    let mut ledger = ledger("西湖区");
    let mut fill: Fill<ProgressColumn> = BTreeMap::new();
    fill.insert(
        (id(&ledger, 1), ProgressColumn::Id),
        "330106-001".to_owned(),
    );
    fill.insert(
        (id(&ledger, 2), ProgressColumn::Id),
        "330108-003".to_owned(),
    );
    fill.insert(
        (id(&ledger, 3), ProgressColumn::Id),
        "330106-099".to_owned(),
    );
    let bytes = progress_workbook_filled(&ledger, day(2019, 6, 1), &fill).unwrap();
    let mut report = progress(&bytes, day(2019, 7, 1));
    // A newer list makes the workbook outdated; its rows still count by ID.
    let newer = list("西湖区", "newer");
    let mut newer = newer;
    newer.filed_on = Some(day(2019, 6, 20));
    ledger.apply_list(&newer, day(2019, 6, 21));
    check_progress(&mut report, Some(&ledger));
    let found = rules(&report.diagnostics);
    assert_eq!(
        found,
        vec![
            (Rule::ProgressDuplicateId, "整改进展表!A5".to_owned()),
            (Rule::ProgressWrongCounty, "整改进展表!A6".to_owned()),
            (Rule::ProgressUnknownId, "整改进展表!A7".to_owned()),
            (Rule::ProgressItemMissing, String::new()),
            (Rule::ProgressItemMissing, String::new()),
            (Rule::ProgressItemMissing, String::new()),
            (Rule::ProgressOutdatedList, String::new()),
        ],
        "{:#?}",
        report.diagnostics
    );
    let outdated = report.diagnostics.last().unwrap();
    assert!(
        outdated.message.contains("2019年5月20日"),
        "{}",
        outdated.message
    );
    assert!(
        outdated.message.contains("2019年6月20日"),
        "{}",
        outdated.message
    );
    assert!(!outdated.is_error());
}

#[test]
fn closed_items_are_locked_and_not_reported_again() {
    let mut ledger = ledger("西湖区");
    let source = SourceRef {
        file: "p.xlsx".into(),
        sha256: "p".into(),
    };
    let first = id(&ledger, 0);
    ledger
        .apply_progress(
            &[ProgressRow {
                id: first.clone(),
                status: Status::Completed,
                completed_in: "2019-06".parse().ok(),
                completion: "完成".into(),
                evidence: "档案室".into(),
            }],
            &source,
            day(2019, 7, 1),
        )
        .unwrap();
    let review = SourceRef {
        file: "r.xlsx".into(),
        sha256: "r".into(),
    };
    ledger
        .apply_review(
            &[crate::tracking::ReviewRow {
                id: first.clone(),
                verdict: crate::tracking::Verdict::Agree,
                remark: String::new(),
            }],
            &review,
            day(2019, 7, 5),
        )
        .unwrap();
    let bytes = progress_workbook(&ledger, day(2019, 7, 6)).unwrap();
    let mut report = progress(&bytes, day(2019, 7, 6));
    assert_eq!(report.closed_rows.len(), 1);
    assert_eq!(report.rows.len(), 3);
    check_progress(&mut report, Some(&ledger));
    assert_eq!(report.diagnostics, vec![]);
}

#[test]
fn the_review_workbook_lists_what_awaits_and_reads_back_the_verdicts() {
    let mut xihu = ledger("西湖区");
    let mut binjiang = ledger("滨江区");
    for (ledger, sha) in [(&mut xihu, "px"), (&mut binjiang, "pb")] {
        let rows: Vec<ProgressRow> = ledger.items[..2]
            .iter()
            .map(|i| ProgressRow {
                id: i.id.clone(),
                status: Status::Completed,
                completed_in: "2019-06".parse().ok(),
                completion: "完成".into(),
                evidence: String::new(),
            })
            .collect();
        let source = SourceRef {
            file: "p.xlsx".into(),
            sha256: sha.into(),
        };
        ledger
            .apply_progress(&rows, &source, day(2019, 7, 1))
            .unwrap();
    }
    let ledgers = [&xihu, &binjiang];
    let fresh =
        review_workbook_filled("杭州市", &ledgers, day(2019, 7, 2), &BTreeMap::new()).unwrap();
    let Returned::Review(report) = read(&fresh, day(2019, 7, 2)) else {
        panic!("not a review")
    };
    assert_eq!(report.city, "杭州市");
    assert_eq!(report.rows, vec![], "empty rows are ignored");
    assert_eq!(report.diagnostics, vec![]);

    let mut fill: Fill<ReviewColumn> = BTreeMap::new();
    fill.insert((id(&xihu, 0), ReviewColumn::Verdict), "同意销号".into());
    fill.insert((id(&xihu, 1), ReviewColumn::Verdict), "退回重改".into());
    fill.insert((id(&binjiang, 0), ReviewColumn::Verdict), "退回重改".into());
    fill.insert(
        (id(&binjiang, 0), ReviewColumn::Remark),
        "佐证材料不全".into(),
    );
    fill.insert((id(&binjiang, 1), ReviewColumn::Verdict), "同意".into());
    let bytes = review_workbook_filled("杭州市", &ledgers, day(2019, 7, 2), &fill).unwrap();
    let Returned::Review(mut report) = read(&bytes, day(2019, 7, 3)) else {
        panic!("not a review")
    };
    assert_eq!(
        rules(&report.diagnostics),
        vec![
            (Rule::ReviewRemarkMissing, "整改进展汇总!J5".to_owned()),
            (Rule::ReviewVerdictInvalid, "整改进展汇总!I7".to_owned()),
        ]
    );
    assert_eq!(report.rows.len(), 2);
    let mut all = BTreeMap::new();
    all.insert("330106".to_owned(), xihu.clone());
    all.insert("330108".to_owned(), binjiang.clone());
    check_review(&mut report, &all);
    assert_eq!(report.diagnostics.len(), 2, "{:#?}", report.diagnostics);
    // Another city's review naming 杭州市's items.
    report.city = "宁波市".into();
    report.diagnostics.clear();
    check_review(&mut report, &all);
    assert!(
        report
            .diagnostics
            .iter()
            .all(|d| d.rule == Rule::ReviewUnknownId && d.message.contains("不属于宁波市")),
        "{:#?}",
        report.diagnostics
    );
}
