use super::*;
use crate::diag::Location;
use crate::domain::{self, CountyMatch};
use crate::model::{SUBMISSION_SCHEMA, School, Source};

fn county() -> CountyRef {
    match domain::registry().county("西湖区", None) {
        CountyMatch::Exact(d) => d.to_ref(),
        _ => panic!("西湖区 is in the registry"),
    }
}

fn item(shortcoming: &str, indicator: &str, measure: &str, deadline: &str) -> Item {
    Item {
        shortcoming: shortcoming.to_owned(),
        indicator: (!indicator.is_empty()).then(|| indicator.to_owned()),
        measure: measure.to_owned(),
        deadline: deadline.parse().ok(),
        cell: Location::new("学校整改清单", 4, 1),
        id: None,
    }
}

fn list(sha: &str, schools: Vec<(&str, Vec<Item>)>, county_items: Vec<Item>) -> Submission {
    Submission {
        schema: SUBMISSION_SCHEMA.to_owned(),
        source: Source {
            file: format!("西湖区_{sha}.xlsx"),
            sha256: sha.to_owned(),
        },
        county: Some(county()),
        filed_on: NaiveDate::from_ymd_opt(2019, 5, 20),
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

fn first_list() -> Submission {
    list(
        "a1",
        vec![
            (
                "文三街小学",
                vec![
                    item("生均体育运动场馆面积不足", "R3", "错时共享", "2020-08"),
                    item("网络多媒体教室不足", "R5", "新建录播教室", "2019-12"),
                ],
            ),
            (
                "学军小学",
                vec![item("美术教室不足", "R2", "改建", "2021-06")],
            ),
        ],
        vec![item("教师交流不足", "G10", "建立轮岗制度", "2019-12")],
    )
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn id(seq: u32) -> ItemId {
    ItemId::new("330106", seq)
}

fn ids(seqs: &[u32]) -> Vec<ItemId> {
    seqs.iter().map(|&s| id(s)).collect()
}

fn source(sha: &str) -> SourceRef {
    SourceRef {
        file: format!("{sha}.xlsx"),
        sha256: sha.to_owned(),
    }
}

#[test]
fn ids_read_and_print_as_clerks_quote_them() {
    assert_eq!(id(17).to_string(), "330106-017");
    assert_eq!(ItemId::new("330106", 1234).to_string(), "330106-1234");
    assert_eq!(ItemId::parse(" 330106-017 "), Some(id(17)));
    for bad in [
        "330106",
        "33010-017",
        "330106-",
        "330106-01a",
        "x30106-017",
        "",
    ] {
        assert_eq!(ItemId::parse(bad), None, "{bad:?}");
    }
    let json = serde_json::to_string(&id(5)).unwrap();
    assert_eq!(json, "\"330106-005\"");
    assert_eq!(serde_json::from_str::<ItemId>(&json).unwrap(), id(5));
}

#[test]
fn a_first_list_numbers_its_items_in_list_order() {
    let mut ledger = Ledger::new(county());
    let changes = ledger.apply_list(&first_list(), day(2019, 5, 21));
    assert_eq!(changes.ids, ids(&[1, 2, 3, 4]));
    assert_eq!(changes.added, ids(&[1, 2, 3, 4]));
    assert_eq!(ledger.item(&id(4)).unwrap().level, ItemLevel::County);
    assert_eq!(
        ledger.item(&id(3)).unwrap().school.as_deref(),
        Some("学军小学")
    );
    assert!(ledger.items.iter().all(|i| i.status == Status::NotStarted));
    assert_eq!(ledger.list.as_ref().unwrap().sha256, "a1");
}

#[test]
fn the_same_list_applied_again_changes_nothing() {
    let mut ledger = Ledger::new(county());
    ledger.apply_list(&first_list(), day(2019, 5, 21));
    let before = ledger.clone();
    let again = ledger.apply_list(&first_list(), day(2019, 5, 22));
    assert_eq!(again.ids, ids(&[1, 2, 3, 4]));
    assert!(again.added.is_empty() && again.withdrawn.is_empty() && again.revised.is_empty());
    assert_eq!(ledger, before);
}

#[test]
fn a_revised_list_keeps_ids_adds_new_ones_and_withdraws_the_dropped() {
    let mut ledger = Ledger::new(county());
    ledger.apply_list(&first_list(), day(2019, 5, 21));
    // Reordered, re-spaced, renumbered; one measure changed, one item dropped, one new.
    let revised = list(
        "b2",
        vec![
            (
                "学军 小学",
                vec![item("1、美术教室不足。", "R2", "改建", "2021-06")],
            ),
            (
                "文三街小学",
                vec![
                    item(
                        "生均体育运动场馆\n面积不足",
                        "R3",
                        "新建风雨操场",
                        "2021-08",
                    ),
                    item("音乐教室不足", "R2", "改建", "2020-06"),
                ],
            ),
        ],
        vec![item("教师交流不足", "G10", "建立轮岗制度", "2019-12")],
    );
    let changes = ledger.apply_list(&revised, day(2019, 7, 1));
    assert_eq!(changes.ids, ids(&[3, 1, 5, 4]));
    assert_eq!(changes.added, ids(&[5]));
    assert_eq!(changes.revised, ids(&[1]));
    assert_eq!(changes.withdrawn, ids(&[2]));
    let dropped = ledger.item(&id(2)).unwrap();
    assert_eq!(dropped.status, Status::Withdrawn);
    assert_eq!(dropped.history.last().unwrap().change, Change::Withdrawn);
    let revised_item = ledger.item(&id(1)).unwrap();
    assert_eq!(revised_item.measure, "新建风雨操场");
    assert_eq!(revised_item.deadline, "2021-08".parse().ok());
    assert_eq!(
        revised_item.history.last().unwrap().change,
        Change::Revised {
            measure: true,
            deadline: true
        }
    );
    assert_eq!(ledger.current().count(), 4);

    // The first list again: the withdrawn item comes back under its ID, the new one goes.
    let mut back = first_list();
    back.source.sha256 = "c3".to_owned();
    let changes = ledger.apply_list(&back, day(2019, 8, 1));
    assert_eq!(changes.ids, ids(&[1, 2, 3, 4]));
    assert_eq!(changes.reinstated, ids(&[2]));
    assert_eq!(changes.withdrawn, ids(&[5]));
    assert_eq!(ledger.item(&id(2)).unwrap().status, Status::NotStarted);
    assert_eq!(ledger.next_seq, 6, "IDs are never reused");
}

#[test]
fn two_equal_rows_keep_two_ids() {
    let twice = || {
        list(
            "d4",
            vec![(
                "文三街小学",
                vec![
                    item("厕所不足", "R1", "新建", "2020-08"),
                    item("厕所不足", "R1", "新建", "2020-08"),
                ],
            )],
            vec![],
        )
    };
    let mut ledger = Ledger::new(county());
    assert_eq!(
        ledger.apply_list(&twice(), day(2019, 5, 21)).ids,
        ids(&[1, 2])
    );
    let mut again = twice();
    again.source.sha256 = "e5".to_owned();
    again.schools[0].items.pop();
    let changes = ledger.apply_list(&again, day(2019, 6, 1));
    assert_eq!(changes.ids, ids(&[1]));
    assert_eq!(changes.withdrawn, ids(&[2]));
}

fn row(seq: u32, status: Status, done: Option<&str>) -> ProgressRow {
    ProgressRow {
        id: id(seq),
        status,
        completed_in: done.and_then(|d| d.parse().ok()),
        completion: if status == Status::Completed {
            "已完成改建".to_owned()
        } else {
            String::new()
        },
        evidence: String::new(),
    }
}

#[test]
fn progress_reports_move_items_and_say_what_changed() {
    let mut ledger = Ledger::new(county());
    ledger.apply_list(&first_list(), day(2019, 5, 21));
    let report = [
        row(1, Status::InProgress, None),
        row(2, Status::Completed, Some("2019-11")),
        row(3, Status::NotStarted, None),
    ];
    let changes = ledger
        .apply_progress(&report, &source("p1"), day(2019, 12, 1))
        .unwrap();
    assert_eq!(changes.completed, ids(&[2]));
    assert_eq!(changes.advanced, ids(&[1]));
    assert!(changes.reopened.is_empty());
    let done = ledger.item(&id(2)).unwrap();
    assert_eq!(done.status, Status::Completed);
    assert_eq!(done.completed_in, "2019-11".parse().ok());
    assert_eq!(done.completion, "已完成改建");

    // The same file again: nothing.
    let before = ledger.clone();
    let again = ledger
        .apply_progress(&report, &source("p1"), day(2019, 12, 2))
        .unwrap();
    assert_eq!(again, ProgressChanges::default());
    assert_eq!(ledger, before);

    // Taken back: reopened.
    let changes = ledger
        .apply_progress(
            &[row(2, Status::InProgress, None)],
            &source("p2"),
            day(2019, 12, 5),
        )
        .unwrap();
    assert_eq!(changes.reopened, ids(&[2]));

    assert_eq!(
        ledger.apply_progress(
            &[row(99, Status::InProgress, None)],
            &source("p3"),
            day(2020, 1, 1)
        ),
        Err(UnknownItem(id(99)))
    );
    assert!(!ledger.has_applied("p3"), "a refused file is not recorded");
}

fn review(seq: u32, verdict: Verdict, remark: &str) -> ReviewRow {
    ReviewRow {
        id: id(seq),
        verdict,
        remark: remark.to_owned(),
    }
}

#[test]
fn the_city_closes_or_returns_what_was_reported_done() {
    let mut ledger = Ledger::new(county());
    ledger.apply_list(&first_list(), day(2019, 5, 21));
    ledger
        .apply_progress(
            &[
                row(1, Status::Completed, Some("2019-11")),
                row(2, Status::Completed, Some("2019-11")),
            ],
            &source("p1"),
            day(2019, 12, 1),
        )
        .unwrap();
    let changes = ledger
        .apply_review(
            &[
                review(1, Verdict::Agree, ""),
                review(2, Verdict::Return, "佐证材料不全"),
                review(3, Verdict::Agree, ""),
            ],
            &source("r1"),
            day(2019, 12, 10),
        )
        .unwrap();
    assert_eq!(changes.closed, ids(&[1]));
    assert_eq!(changes.returned, ids(&[2]));
    assert_eq!(changes.not_awaiting, ids(&[3]), "never reported done");
    let closed = ledger.item(&id(1)).unwrap();
    assert_eq!(closed.status, Status::Closed);
    assert_eq!(closed.closed_on, Some(day(2019, 12, 10)));
    let returned = ledger.item(&id(2)).unwrap();
    assert_eq!(returned.status, Status::InProgress);
    assert_eq!(returned.returned_remark.as_deref(), Some("佐证材料不全"));
    assert_eq!(
        returned
            .history
            .iter()
            .map(|e| e.change.describe_zh())
            .collect::<Vec<_>>(),
        [
            "列入整改清单",
            "进展由未启动改为已完成",
            "设区市核查退回重改：佐证材料不全"
        ]
    );
    assert_eq!(ledger.item(&id(3)).unwrap().status, Status::NotStarted);

    // A closed item stays closed whatever a later progress report says.
    let changes = ledger
        .apply_progress(
            &[row(1, Status::InProgress, None)],
            &source("p2"),
            day(2020, 1, 1),
        )
        .unwrap();
    assert_eq!(changes.already_closed, ids(&[1]));
    assert_eq!(ledger.item(&id(1)).unwrap().status, Status::Closed);
}

#[test]
fn an_item_is_overdue_after_its_deadline_month_until_it_is_closed() {
    let mut ledger = Ledger::new(county());
    ledger.apply_list(&first_list(), day(2019, 5, 21));
    // 2019-12 items: due by 2019-12-31.
    assert!(ledger.overdue(day(2019, 12, 31)).is_empty());
    let late = ledger.overdue(day(2020, 1, 10));
    assert_eq!(
        late.iter()
            .map(|(i, d)| (i.id.clone(), *d))
            .collect::<Vec<_>>(),
        vec![(id(2), 10), (id(4), 10)]
    );
    ledger
        .apply_progress(
            &[row(2, Status::Completed, Some("2019-12"))],
            &source("p1"),
            day(2020, 1, 2),
        )
        .unwrap();
    assert_eq!(
        ledger.overdue(day(2020, 1, 10)).len(),
        2,
        "reported done is not 销号"
    );
    ledger
        .apply_review(
            &[review(2, Verdict::Agree, "")],
            &source("r1"),
            day(2020, 1, 5),
        )
        .unwrap();
    assert_eq!(ledger.overdue(day(2020, 1, 10)).len(), 1);
    assert_eq!(last_day("2020-02".parse().unwrap()), day(2020, 2, 29));
}

#[test]
fn the_annual_assessment_counts_what_was_due_in_the_year() {
    let mut ledger = Ledger::new(county());
    ledger.apply_list(&first_list(), day(2019, 5, 21));
    ledger
        .apply_progress(
            &[
                row(2, Status::Completed, Some("2019-12")),
                row(4, Status::Completed, Some("2019-12")),
            ],
            &source("p1"),
            day(2019, 12, 20),
        )
        .unwrap();
    ledger
        .apply_review(
            &[review(2, Verdict::Agree, "")],
            &source("r1"),
            day(2019, 12, 28),
        )
        .unwrap();
    ledger
        .apply_review(
            &[review(4, Verdict::Agree, "")],
            &source("r2"),
            day(2020, 1, 15),
        )
        .unwrap();
    let year = ledger.annual(2019, day(2020, 2, 1));
    assert_eq!(
        year,
        Annual {
            due: 2,
            on_time: 1,
            late: 1,
            open: 0
        }
    );
    assert_eq!(year.rate(), Some(50.0));
    let next = ledger.annual(2020, day(2020, 2, 1));
    assert_eq!((next.due, next.open), (1, 1));
    assert_eq!(ledger.annual(2030, day(2020, 2, 1)).rate(), None);
}

#[test]
fn a_ledger_is_kept_and_read_back_whole() {
    let dir = tempfile::tempdir().unwrap();
    let layout = Layout::new(dir.path());
    layout.prepare().unwrap();
    assert_eq!(Ledger::load(&layout, "330106").unwrap(), None);
    let mut ledger = Ledger::new(county());
    ledger.apply_list(&first_list(), day(2019, 5, 21));
    ledger
        .apply_review(
            &[review(1, Verdict::Return, "")],
            &source("r0"),
            day(2019, 6, 1),
        )
        .unwrap();
    ledger.save(&layout).unwrap();
    assert_eq!(
        Ledger::load(&layout, "330106").unwrap(),
        Some(ledger.clone())
    );
    let all = Ledger::load_all(&layout).unwrap();
    assert_eq!(all.keys().collect::<Vec<_>>(), ["330106"]);
    let text = std::fs::read_to_string(Ledger::path(&layout, "330106")).unwrap();
    assert!(text.contains("\"schema\": \"gongwen.tracking/1\""));
    assert!(text.contains("\"id\": \"330106-001\""));
    assert!(text.contains("\"type\": \"listed\""));
}
