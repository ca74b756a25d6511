//! Item ledgers for the views' tests, made the way the daemon makes them (a list applied,
//! then a county's progress report, then the city's review) and saved in a temporary
//! archive. Shared by `tests/status_page.rs` and `tests/tile_map.rs`.

use chrono::NaiveDate;
use gongwen::archive::Layout;
use gongwen::diag::Location;
use gongwen::domain::{self, CountyMatch};
use gongwen::model::{Item, SUBMISSION_SCHEMA, School, Source, Submission};
use gongwen::tracking::{Ledger, ProgressRow, ReviewRow, SourceRef, Status, Verdict};

pub fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// What becomes of a county's items: how many of each, all due in `deadline`.
pub struct Plan<'a> {
    pub county: &'a str,
    pub deadline: &'a str,
    pub not_started: usize,
    pub in_progress: usize,
    /// Reported 已完成, not reviewed.
    pub completed: usize,
    /// Reported 已完成 and 同意销号.
    pub closed: usize,
    /// Reported 已完成 and 退回重改 (back to 推进中, with a remark).
    pub returned: usize,
}

const INDICATORS: [(&str, &str); 4] = [
    ("R5", "生均体育运动场馆面积不足"),
    ("R3", "体育、艺术专任教师不足"),
    ("R2", "县级以上骨干教师不足"),
    ("R1", "高于规定学历教师数不足"),
];

/// The ledger of `plan`'s county after its list (2019-05-20), its progress report
/// (2019-09-30) and its city's review (2019-10-15), saved under `layout`.
pub fn save(layout: &Layout, plan: &Plan) -> Ledger {
    let CountyMatch::Exact(division) = domain::registry().county(plan.county, None) else {
        panic!("{} is not in the registry", plan.county);
    };
    let county = division.to_ref();
    let n = plan.not_started + plan.in_progress + plan.completed + plan.closed + plan.returned;
    let items: Vec<Item> = (0..n)
        .map(|i| {
            let (indicator, words) = INDICATORS[i % INDICATORS.len()];
            Item {
                shortcoming: format!("{words}（第{}处）", i + 1),
                indicator: Some(indicator.to_owned()),
                measure: "按计划改造".to_owned(),
                deadline: plan.deadline.parse().ok(),
                cell: Location::new("学校整改清单", 4 + i as u32, 1),
                id: None,
            }
        })
        .collect();
    let list = Submission {
        schema: SUBMISSION_SCHEMA.to_owned(),
        source: Source {
            file: format!("{}.xlsx", plan.county),
            sha256: format!("list-{}", county.code),
        },
        county: Some(county.clone()),
        filed_on: Some(day(2019, 5, 20)),
        plan_year: None,
        schools: vec![School {
            name: format!("{}实验小学", division.short_name()),
            items,
        }],
        county_items: Vec::new(),
        diagnostics: Vec::new(),
    };
    let mut ledger = Ledger::new(county.clone());
    let ids = ledger.apply_list(&list, day(2019, 5, 20)).ids;
    let mut rows = Vec::new();
    let mut reviews = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        let status = if i < plan.not_started {
            Status::NotStarted
        } else if i < plan.not_started + plan.in_progress {
            Status::InProgress
        } else {
            Status::Completed
        };
        rows.push(ProgressRow {
            id: id.clone(),
            status,
            completed_in: (status == Status::Completed).then(|| "2019-09".parse().unwrap()),
            completion: if status == Status::Completed {
                "已完成改造".to_owned()
            } else {
                String::new()
            },
            evidence: String::new(),
        });
        let reviewed = plan.not_started + plan.in_progress + plan.completed;
        if i >= reviewed {
            let agree = i < reviewed + plan.closed;
            reviews.push(ReviewRow {
                id: id.clone(),
                verdict: if agree {
                    Verdict::Agree
                } else {
                    Verdict::Return
                },
                remark: if agree {
                    String::new()
                } else {
                    "佐证材料不全".to_owned()
                },
            });
        }
    }
    let report = SourceRef {
        file: format!("整改进展表_{}.xlsx", plan.county),
        sha256: format!("progress-{}", county.code),
    };
    ledger
        .apply_progress(&rows, &report, day(2019, 9, 30))
        .unwrap();
    let review = SourceRef {
        file: format!("整改进展汇总_{}.xlsx", county.city),
        sha256: format!("review-{}", county.code),
    };
    ledger
        .apply_review(&reviews, &review, day(2019, 10, 15))
        .unwrap();
    ledger.save(layout).unwrap();
    ledger
}
