use super::*;
use crate::diag::Location;
use crate::domain::CountyMatch;
use crate::model::{Item, SUBMISSION_SCHEMA, School, Source, Submission};
use crate::tracking::{ProgressRow, SourceRef};

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn county(name: &str) -> CountyRef {
    match domain::registry().county(name, None) {
        CountyMatch::Exact(d) => d.to_ref(),
        _ => panic!("{name}"),
    }
}

/// 定海区 with two school items due 2019-12 and 2020-06, the first reported done.
fn ledger() -> Ledger {
    let of = county("定海区");
    let item = |s: &str, d: &str| Item {
        shortcoming: s.to_owned(),
        indicator: Some("R5".to_owned()),
        measure: "新建".to_owned(),
        deadline: d.parse().ok(),
        cell: Location::new("学校整改清单", 4, 1),
        id: None,
    };
    let sub = Submission {
        schema: SUBMISSION_SCHEMA.to_owned(),
        source: Source {
            file: "定海区.xlsx".to_owned(),
            sha256: "a".to_owned(),
        },
        county: Some(of.clone()),
        filed_on: Some(day(2019, 5, 20)),
        plan_year: None,
        schools: vec![School {
            name: "定海区第一小学".to_owned(),
            items: vec![item("操场不足", "2019-12"), item("教室不足", "2020-06")],
        }],
        county_items: Vec::new(),
        diagnostics: Vec::new(),
    };
    let mut ledger = Ledger::new(of);
    ledger.apply_list(&sub, day(2019, 5, 20));
    let row = ProgressRow {
        id: ledger.items[0].id.clone(),
        status: Status::Completed,
        completed_in: "2019-12".parse().ok(),
        completion: "已建成".to_owned(),
        evidence: String::new(),
    };
    let source = SourceRef {
        file: "p.xlsx".to_owned(),
        sha256: "p".to_owned(),
    };
    ledger
        .apply_progress(&[row], &source, day(2019, 12, 20))
        .unwrap();
    ledger
}

fn stems(placed: &[Placed]) -> Vec<(Option<&str>, &str)> {
    placed
        .iter()
        .map(|p| (p.county.as_deref(), p.document.file_stem.as_str()))
        .collect()
}

#[test]
fn before_the_county_deadline_nobody_is_reminded_and_nothing_is_overdue() {
    let ledger = ledger();
    let placed = city_documents("舟山市", &[&ledger], day(2019, 5, 31), &Config::default());
    assert_eq!(
        stems(&placed),
        [
            (Some("定海区"), "整改进展情况报告_定海区"),
            (None, "整改进展情况报告_舟山市"),
        ]
    );
}

#[test]
fn after_the_deadline_the_overdue_are_urged_and_the_silent_reminded() {
    let ledger = ledger();
    let placed = city_documents("舟山市", &[&ledger], day(2020, 1, 10), &Config::default());
    assert_eq!(
        stems(&placed),
        [
            (Some("定海区"), "督办通知_定海区"),
            (Some("定海区"), "整改进展情况报告_定海区"),
            (Some("普陀区"), "催报通知_普陀区"),
            (Some("岱山县"), "催报通知_岱山县"),
            (Some("嵊泗县"), "催报通知_嵊泗县"),
            (None, "整改进展情况报告_舟山市"),
        ]
    );
    // The urge notice's attachment lists the one overdue item, 10 days over.
    let urge = &placed[0].document;
    let table = urge
        .sections
        .iter()
        .flat_map(|s| &s.blocks)
        .find_map(|b| match b {
            Block::Table(t) => Some(t),
            _ => None,
        })
        .unwrap();
    assert_eq!(table.rows.len(), 1);
    assert_eq!(table.rows[0][0], "330902-001");
    assert_eq!(table.rows[0][5], "10");
    assert_eq!(table.rows[0][6], "已完成（待销号）");
    // Body, attachment, 版记 on a page of its own.
    let orientations: Vec<_> = urge.sections.iter().map(|s| s.orientation).collect();
    assert_eq!(
        orientations,
        [
            Orientation::Portrait,
            Orientation::Landscape,
            Orientation::Portrait
        ]
    );
    assert_eq!(urge.sections[2].role, SectionRole::ColophonOnEvenPage);
    assert_eq!(urge.meta.date, day(2020, 1, 10));
}

#[test]
fn other_cities_ledgers_change_nothing() {
    let ledger = ledger();
    let placed = city_documents("湖州市", &[&ledger], day(2019, 5, 31), &Config::default());
    assert!(placed.is_empty(), "{:?}", stems(&placed));
}

#[test]
fn the_day_to_report_by_is_configured() {
    let mut config = Config::default();
    assert_eq!(report_by(day(2020, 12, 25), &config), day(2021, 1, 4));
    config.progress.report_within_days = 3;
    assert_eq!(report_by(day(2020, 12, 25), &config), day(2020, 12, 28));
    let config = Config::parse("[progress]\nreport_within_days = 0\n").unwrap_err();
    assert!(
        config
            .to_string()
            .contains("progress.report_within_days = 0"),
        "{config}"
    );
}

#[test]
fn annual_rows_group_counties_by_city_with_subtotals() {
    let ledger = ledger();
    let (rows, total) = annual_rows(&[&ledger], 2019, day(2020, 1, 10));
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].county.as_deref(), Some("定海区"));
    assert_eq!(rows[1].county, None);
    assert_eq!(rows[1].annual, total);
    assert_eq!(total.due, 1);
    assert_eq!(total.open, 1);
    assert_eq!(annual_rate_text(&total), "0.0%");
    assert_eq!(annual_rate_text(&Annual::default()), "—");
}

#[test]
fn progress_files_are_recognised_by_name() {
    for name in [
        "督办通知_西湖区.pdf",
        "催报通知_西湖区.docx",
        "整改进展情况报告_杭州市.pdf",
        "年度考核_2020.pdf",
    ] {
        assert!(is_progress_file(name), "{name}");
    }
    for name in [
        "报告_西湖区.pdf",
        "督办通知.pdf",
        "全省整改清单.xlsx",
        "回执.txt",
    ] {
        assert!(!is_progress_file(name), "{name}");
    }
}
