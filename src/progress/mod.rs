//! The loop's two workbooks, written by gongwen and dropped back by people:
//!
//! - the county's 整改进展表 (`outbox/<市>/<县>/整改进展表_<县>.xlsx`): every current item of
//!   its ledger under its ID, locked, with the columns the clerk fills (进展状态, 完成时间,
//!   完成情况, 佐证材料) and the city's last 退回 remark;
//! - the city's 整改进展汇总 (`outbox/<市>/整改进展汇总_<市>.xlsx`): every item its counties
//!   reported 已完成, awaiting 销号, with the 核查意见 the city fills.
//!
//! Each carries a very hidden sheet ([`FINGERPRINT_SHEET`]) saying what it is (`format`), whose
//! it is, and — for the progress workbook — the SHA-256 of the list it was made from, so a
//! returned workbook is read as a report ([`read::recognise`]) and never as a filing, and an
//! outdated one is told apart.

pub mod read;
pub mod workbook;

use std::collections::BTreeMap;

use chrono::NaiveDate;

use crate::archive::Layout;
use crate::domain::registry;
use crate::model::CountyRef;
use crate::tracking::Ledger;

/// `format` of a county's progress workbook, and the schema of its reading.
pub const PROGRESS_FORMAT: &str = "gongwen.progress/1";
/// `format` of a city's review workbook, and the schema of its reading.
pub const REVIEW_FORMAT: &str = "gongwen.review/1";
/// The progress workbook's visible sheet.
pub const PROGRESS_SHEET: &str = "整改进展表";
/// The review workbook's visible sheet.
pub const REVIEW_SHEET: &str = "整改进展汇总";
/// The very hidden sheet holding the fingerprint: one `key | value` pair a row.
pub const FINGERPRINT_SHEET: &str = crate::workbook::FINGERPRINT_SHEET;
/// The hidden sheet holding the 完成时间 drop-down's months.
pub const LISTS_SHEET: &str = "下拉选项";

/// Zero-based row of the column headers on both sheets (title, then a line naming the unit).
pub const HEADER_ROW: u32 = 2;
/// Zero-based row of the first item.
pub const FIRST_ROW: u32 = 3;

/// The progress sheet's columns, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ProgressColumn {
    Id,
    School,
    Shortcoming,
    Indicator,
    Measure,
    Deadline,
    Status,
    CompletedIn,
    Completion,
    Evidence,
    Remark,
}

impl ProgressColumn {
    pub const ALL: [ProgressColumn; 11] = [
        ProgressColumn::Id,
        ProgressColumn::School,
        ProgressColumn::Shortcoming,
        ProgressColumn::Indicator,
        ProgressColumn::Measure,
        ProgressColumn::Deadline,
        ProgressColumn::Status,
        ProgressColumn::CompletedIn,
        ProgressColumn::Completion,
        ProgressColumn::Evidence,
        ProgressColumn::Remark,
    ];

    pub fn header(self) -> &'static str {
        match self {
            ProgressColumn::Id => "编号",
            ProgressColumn::School => "学校名称",
            ProgressColumn::Shortcoming => "存在不足情况",
            ProgressColumn::Indicator => "对应指标",
            ProgressColumn::Measure => "整改提升措施",
            ProgressColumn::Deadline => "完成时限",
            ProgressColumn::Status => "进展状态",
            ProgressColumn::CompletedIn => "完成时间",
            ProgressColumn::Completion => "完成情况",
            ProgressColumn::Evidence => "佐证材料",
            ProgressColumn::Remark => "核查意见",
        }
    }

    /// Zero-based column as gongwen writes it.
    pub fn col(self) -> u16 {
        ProgressColumn::ALL
            .iter()
            .position(|c| *c == self)
            .unwrap_or(0) as u16
    }

    /// The columns the clerk fills.
    pub fn is_fill(self) -> bool {
        matches!(
            self,
            ProgressColumn::Status
                | ProgressColumn::CompletedIn
                | ProgressColumn::Completion
                | ProgressColumn::Evidence
        )
    }
}

/// The review sheet's columns, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ReviewColumn {
    Id,
    County,
    School,
    Shortcoming,
    Deadline,
    CompletedIn,
    Completion,
    Evidence,
    Verdict,
    Remark,
}

impl ReviewColumn {
    pub const ALL: [ReviewColumn; 10] = [
        ReviewColumn::Id,
        ReviewColumn::County,
        ReviewColumn::School,
        ReviewColumn::Shortcoming,
        ReviewColumn::Deadline,
        ReviewColumn::CompletedIn,
        ReviewColumn::Completion,
        ReviewColumn::Evidence,
        ReviewColumn::Verdict,
        ReviewColumn::Remark,
    ];

    pub fn header(self) -> &'static str {
        match self {
            ReviewColumn::Id => "编号",
            ReviewColumn::County => "县（市、区）",
            ReviewColumn::School => "学校名称",
            ReviewColumn::Shortcoming => "存在不足情况",
            ReviewColumn::Deadline => "完成时限",
            ReviewColumn::CompletedIn => "完成时间",
            ReviewColumn::Completion => "完成情况",
            ReviewColumn::Evidence => "佐证材料",
            ReviewColumn::Verdict => "核查意见",
            ReviewColumn::Remark => "意见说明",
        }
    }

    pub fn col(self) -> u16 {
        ReviewColumn::ALL
            .iter()
            .position(|c| *c == self)
            .unwrap_or(0) as u16
    }
}

/// `整改进展表_西湖区.xlsx`.
pub fn progress_file_name(county: &CountyRef) -> String {
    format!("整改进展表_{}.xlsx", county.name)
}

/// `整改进展汇总_杭州市.xlsx`.
pub fn review_file_name(city: &str) -> String {
    format!("整改进展汇总_{city}.xlsx")
}

/// Where the daemon keeps a county's progress workbook.
pub fn progress_path(layout: &Layout, county: &CountyRef) -> std::path::PathBuf {
    layout
        .outbox
        .join(&county.city)
        .join(&county.name)
        .join(progress_file_name(county))
}

/// Where the daemon keeps a city's review workbook.
pub fn review_path(layout: &Layout, city: &str) -> std::path::PathBuf {
    layout.outbox.join(city).join(review_file_name(city))
}

/// The county of a 6-digit code, from the registry.
pub fn county_of_code(code: &str) -> Option<CountyRef> {
    registry()
        .divisions
        .iter()
        .find(|d| d.code == code)
        .map(|d| d.to_ref())
}

/// The city code of a city's name, from the registry.
pub fn city_code(city: &str) -> Option<String> {
    registry()
        .divisions
        .iter()
        .find(|d| d.city == city)
        .map(|d| d.city_code.clone())
}

/// The ledgers of one city's counties, in county-code order.
pub fn city_ledgers<'a>(all: &'a BTreeMap<String, Ledger>, city: &str) -> Vec<&'a Ledger> {
    all.values().filter(|l| l.county.city == city).collect()
}

/// Rewrites the county's progress workbook in the outbox from its ledger (atomically).
pub fn write_progress(layout: &Layout, ledger: &Ledger, made_on: NaiveDate) -> std::io::Result<()> {
    let bytes = workbook::progress_workbook(ledger, made_on).map_err(std::io::Error::other)?;
    crate::archive::write_atomic(&progress_path(layout, &ledger.county), &bytes)
}

/// Rewrites the city's review workbook in the outbox from its counties' ledgers.
pub fn write_review(
    layout: &Layout,
    city: &str,
    ledgers: &[&Ledger],
    made_on: NaiveDate,
) -> std::io::Result<()> {
    let bytes = workbook::review_workbook(city, ledgers, made_on).map_err(std::io::Error::other)?;
    crate::archive::write_atomic(&review_path(layout, city), &bytes)
}

#[cfg(test)]
mod tests;
