//! The domain types every later step speaks: one county's submission as read from its
//! workbook. This is the JSON contract (`gongwen.submission/1`) that `check --json` prints,
//! the archive keeps and the templates read, so field names here are part of the public
//! interface and change only with a new schema version.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::calendar::YearMonth;
use crate::diag::{Diagnostic, Location};
use crate::tracking::ItemId;

/// Schema identifier written into every submission.
pub const SUBMISSION_SCHEMA: &str = "gongwen.submission/1";

/// One county's filing: 附件1 (schools), 附件2 (county government) and its plan year.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Submission {
    pub schema: String,
    pub source: Source,
    /// The county-level division the file is for, resolved against the registry.
    pub county: Option<CountyRef>,
    /// 填报日期, written `YYYY-MM-DD`.
    pub filed_on: Option<NaiveDate>,
    /// The year the county plans to pass the national assessment.
    pub plan_year: Option<PlanYear>,
    /// 附件1: one entry per physical campus, in the order of the workbook.
    pub schools: Vec<School>,
    /// 附件2: the county government's own shortcomings.
    pub county_items: Vec<Item>,
    pub diagnostics: Vec<Diagnostic>,
}

impl Submission {
    /// True when any diagnostic is an error: such a submission is rejected, never rendered.
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }

    pub fn has_warnings(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_warning)
    }

    /// Number of 附件1 items over all schools.
    pub fn school_item_count(&self) -> usize {
        self.schools.iter().map(|s| s.items.len()).sum()
    }
}

/// Where a submission came from: the file name as dropped and the SHA-256 of its bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Source {
    pub file: String,
    pub sha256: String,
}

/// A county-level division (县、县级市、区) with its city (设区市).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CountyRef {
    pub name: String,
    pub code: String,
    pub city: String,
    pub city_code: String,
}

/// One physical campus and its shortcomings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct School {
    pub name: String,
    pub items: Vec<Item>,
}

/// One shortcoming with its measure and deadline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Item {
    /// 存在不足情况, trimmed of numbering and outer whitespace, otherwise as written.
    pub shortcoming: String,
    /// Code of the matched indicator (R1…Q9), if the wording matched one.
    pub indicator: Option<String>,
    /// 整改提升措施.
    pub measure: String,
    /// 完成时限, written `YYYY-MM`, or `None` when it could not be read (a diagnostic says why).
    pub deadline: Option<YearMonth>,
    /// The 存在不足情况 cell, written `Sheet!A1`.
    pub cell: Location,
    /// The item's tracking ID (`330106-017`, [`crate::tracking`]): given when the archive
    /// accepts the list, stable across resubmissions; absent from `check` of a bare file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<ItemId>,
}

/// The year a county plans to pass the national assessment, as the 附件3 columns have it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum PlanYear {
    #[serde(rename = "2019")]
    Y2019,
    #[serde(rename = "2020")]
    Y2020,
    #[serde(rename = "2021")]
    Y2021,
    #[serde(rename = "2022")]
    Y2022,
    /// 2023年及以后.
    #[serde(rename = "2023+")]
    Later,
}

impl PlanYear {
    /// Every column of 附件3, in order.
    pub const ALL: [PlanYear; 5] = [
        PlanYear::Y2019,
        PlanYear::Y2020,
        PlanYear::Y2021,
        PlanYear::Y2022,
        PlanYear::Later,
    ];

    /// The column heading as the notice prints it.
    pub fn label(self) -> &'static str {
        match self {
            PlanYear::Y2019 => "2019年",
            PlanYear::Y2020 => "2020年",
            PlanYear::Y2021 => "2021年",
            PlanYear::Y2022 => "2022年",
            PlanYear::Later => "2023年及以后",
        }
    }

    /// The JSON value (`"2019"` … `"2023+"`).
    pub fn code(self) -> &'static str {
        match self {
            PlanYear::Y2019 => "2019",
            PlanYear::Y2020 => "2020",
            PlanYear::Y2021 => "2021",
            PlanYear::Y2022 => "2022",
            PlanYear::Later => "2023+",
        }
    }

    /// Maps a calendar year; years before 2019 have no column.
    pub fn from_year(year: i32) -> Option<PlanYear> {
        match year {
            2019 => Some(PlanYear::Y2019),
            2020 => Some(PlanYear::Y2020),
            2021 => Some(PlanYear::Y2021),
            2022 => Some(PlanYear::Y2022),
            y if y >= 2023 => Some(PlanYear::Later),
            _ => None,
        }
    }

    /// The last calendar year the plan counts for (2023+ has none).
    pub fn year(self) -> Option<i32> {
        match self {
            PlanYear::Y2019 => Some(2019),
            PlanYear::Y2020 => Some(2020),
            PlanYear::Y2021 => Some(2021),
            PlanYear::Y2022 => Some(2022),
            PlanYear::Later => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plan_year_serializes_as_contract_strings() {
        let json = serde_json::to_string(&PlanYear::ALL).unwrap();
        assert_eq!(json, r#"["2019","2020","2021","2022","2023+"]"#);
        assert_eq!(PlanYear::from_year(2031), Some(PlanYear::Later));
        assert_eq!(PlanYear::from_year(2018), None);
    }
}
