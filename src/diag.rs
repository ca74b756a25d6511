//! Diagnostics a clerk can act on: every problem found in a file, each with its rule, the
//! sheet and cell it sits in (`学校整改清单!D7`), a message in Chinese and a hint saying what
//! to write instead. Modelled on typst's `SourceDiagnostic`, with a cell where typst has a span.
//! This module knows neither calamine nor typst, and decides no exit codes.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// How bad a problem is. Errors reject the file; warnings are reported and the file goes on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Error,
}

impl Severity {
    /// The word a Chinese reader sees.
    pub fn label_zh(self) -> &'static str {
        match self {
            Severity::Warning => "警告",
            Severity::Error => "错误",
        }
    }
}

/// A cell in a sheet, zero-based, as absolute positions from the sheet's top-left corner.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Location {
    pub sheet: String,
    pub row: u32,
    pub col: u32,
}

impl Location {
    pub fn new(sheet: impl Into<String>, row: u32, col: u32) -> Self {
        Location {
            sheet: sheet.into(),
            row,
            col,
        }
    }

    /// The A1-style reference of the cell alone (`D7`).
    pub fn a1(&self) -> String {
        format!("{}{}", column_letters(self.col), self.row + 1)
    }

    /// Parses `Sheet!D7`; the sheet name may itself contain `!`, the last one separates.
    pub fn parse(text: &str) -> Option<Location> {
        let (sheet, cell) = text.rsplit_once('!')?;
        let split = cell.find(|c: char| c.is_ascii_digit())?;
        let (letters, digits) = cell.split_at(split);
        if letters.is_empty() || !letters.chars().all(|c| c.is_ascii_uppercase()) {
            return None;
        }
        let col = letters
            .chars()
            .try_fold(0u32, |acc, c| {
                acc.checked_mul(26)?.checked_add(c as u32 - 'A' as u32 + 1)
            })?
            .checked_sub(1)?;
        let row = digits.parse::<u32>().ok()?.checked_sub(1)?;
        Some(Location::new(sheet, row, col))
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}!{}", self.sheet, self.a1())
    }
}

impl Serialize for Location {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Location {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Location::parse(&text)
            .ok_or_else(|| serde::de::Error::custom(format!("not a Sheet!A1 cell: {text}")))
    }
}

/// Spreadsheet column letters for a zero-based column (0 → A, 26 → AA).
pub fn column_letters(col: u32) -> String {
    let mut n = col + 1;
    let mut letters = Vec::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        letters.push(char::from(b'A' + rem as u8));
        n = (n - 1) / 26;
    }
    letters.iter().rev().collect()
}

/// Every rule gongwen checks, named so tests, receipts and the JSON contract can refer to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    // The file itself.
    FileNotSpreadsheet,
    /// A spreadsheet in a format not read (Excel 2003 XML, flat ODS): saved again, it reads.
    FileFormatUnsupported,
    FileCorrupt,
    FileEncrypted,
    FileEmpty,
    FileTooLarge,
    /// One cell holds more text than any form's cell needs (checked while reading).
    CellTooLong,
    /// A file holds more rows than a county's forms can have (reading stops there).
    TooManyRows,
    /// More schools than any county has.
    TooManySchools,
    /// More items than any county's lists hold.
    TooManyItems,
    NoForms,
    /// A list gongwen's roll-up wrote (a city's 附件1/附件2 or 全省整改清单), not a county's
    /// filing: `check` reports it for what it is, the inbox and `render` refuse it.
    RollupList,
    // The county and its city.
    UnknownCounty,
    CountyCityMismatch,
    CountyMissing,
    CountySuffixMissing,
    CountyFromFilename,
    DivisionNotValid,
    // Dates.
    FiledOnMissing,
    FiledOnInvalid,
    DeadlineNotMonth,
    DeadlineInvalid,
    DeadlineAmbiguous,
    DeadlineMissing,
    DeadlineBeforeFiling,
    /// A range (2020年8月—6月) whose end month comes before its start.
    DeadlineRangeReversed,
    // Items and schools.
    MeasureMissing,
    ShortcomingMissing,
    SchoolNameMissing,
    IndicatorUnmatched,
    IndicatorWrongList,
    SchoolMultiCampus,
    SchoolDuplicate,
    /// Invisible control characters removed from a cell's text before it reaches a document.
    ControlCharacters,
    /// A cell far from the table (a stray space, a note at the sheet's end) left out.
    StrayCellIgnored,
    // The plan year.
    PlanYearMissing,
    PlanYearInvalid,
    PlanYearConflict,
    // Rendering.
    GlyphMissing,
    // The daemon.
    FileNotRegular,
    FileUnreadable,
    RenderLimit,
    Quarantined,
    // Reading the forms' tables.
    /// A table's header row was found but a column it needs could not be recognised.
    HeaderUnmatched,
    /// A table holds rows, yet not one item could be read from them.
    TableWithoutItems,
    /// A 合计/小计/总计 row left out of the items (a note; the file goes on).
    TotalsRowSkipped,
    /// A returned 整改进展表 or 整改进展汇总 given where a county's lists are expected
    /// (`render`, `rollup`): the inbox takes it as a report.
    ReportNotFiling,
    // A county's progress report (整改进展表).
    /// An 编号 that is no item of the county (or not an ID at all).
    ProgressUnknownId,
    /// The same 编号 on two rows.
    ProgressDuplicateId,
    /// A 进展状态 that is not 未启动, 推进中 or 已完成 (or 已销号 the city did not give).
    ProgressStatusInvalid,
    /// 已完成 without 完成时间.
    ProgressCompletedInMissing,
    /// A 完成时间 that is no month.
    ProgressCompletedInInvalid,
    /// 已完成 without 完成情况.
    ProgressCompletionMissing,
    /// A 完成时间 after the month the report is received.
    ProgressCompletedInFuture,
    /// A 完成时间 before the list was filed.
    ProgressCompletedBeforeList,
    /// A current item of the county the report leaves out.
    ProgressItemMissing,
    /// A workbook made from an older list than the county's current one.
    ProgressOutdatedList,
    /// A workbook of another county, or of a county code the registry does not know.
    ProgressWrongCounty,
    // A city's review (整改进展汇总).
    /// An 编号 no county of the city holds, or of another city.
    ReviewUnknownId,
    /// The same 编号 on two rows.
    ReviewDuplicateId,
    /// A 核查意见 that is not 同意销号 or 退回重改.
    ReviewVerdictInvalid,
    /// 退回重改 without 意见说明.
    ReviewRemarkMissing,
    /// An item no longer awaiting 销号 (not reported 已完成): its row is left as it is.
    ReviewNotAwaiting,
    /// A review workbook of a city the registry does not know.
    ReviewWrongCity,
    // gongwen's template.
    /// A template whose fingerprint names an older format than the current one.
    TemplateOutdated,
    /// A template made for another county than its 县（市、区） field names.
    TemplateOtherCounty,
}

impl Rule {
    /// The severity the rule carries everywhere it is raised.
    pub fn severity(self) -> Severity {
        use Rule::*;
        match self {
            CountySuffixMissing | CountyFromFilename | DivisionNotValid | FiledOnMissing
            | DeadlineBeforeFiling | IndicatorUnmatched | IndicatorWrongList
            | SchoolMultiCampus | SchoolDuplicate | ControlCharacters | StrayCellIgnored
            | PlanYearMissing | GlyphMissing | TotalsRowSkipped | ProgressItemMissing
            | ProgressOutdatedList | ReviewNotAwaiting | TemplateOutdated | TemplateOtherCounty => {
                Severity::Warning
            }
            _ => Severity::Error,
        }
    }

    /// The rule's short Chinese name, as the receipt counts problems by it
    /// (`完成时限未精确到月份 2个`). The match has no catch-all, so a new rule cannot compile
    /// without a name.
    pub fn label_zh(self) -> &'static str {
        use Rule::*;
        match self {
            FileNotSpreadsheet => "不是电子表格文件",
            FileFormatUnsupported => "表格格式无法读取",
            FileCorrupt => "文件已损坏",
            FileEncrypted => "文件已加密",
            FileEmpty => "文件为空",
            FileTooLarge => "文件过大",
            CellTooLong => "单元格文字过长",
            TooManyRows => "行数过多",
            TooManySchools => "学校数过多",
            TooManyItems => "整改项过多",
            NoForms => "未找到整改清单表格",
            RollupList => "汇总清单不是县级报送文件",
            UnknownCounty => "县（市、区）名称无法识别",
            CountyCityMismatch => "县（市、区）与设区市不符",
            CountyMissing => "未填写县（市、区）",
            CountySuffixMissing => "县（市、区）名称缺少“县”“市”“区”",
            CountyFromFilename => "县（市、区）取自文件名",
            DivisionNotValid => "行政区划已调整",
            FiledOnMissing => "未填写填报日期",
            FiledOnInvalid => "填报日期无法识别",
            DeadlineNotMonth => "完成时限未精确到月份",
            DeadlineInvalid => "完成时限无法识别",
            DeadlineAmbiguous => "完成时限有歧义",
            DeadlineMissing => "未填写完成时限",
            DeadlineBeforeFiling => "完成时限早于填报日期",
            DeadlineRangeReversed => "完成时限起止颠倒",
            MeasureMissing => "未填写整改措施",
            ShortcomingMissing => "未填写存在不足情况",
            SchoolNameMissing => "学校名称为空",
            IndicatorUnmatched => "指标无法对应",
            IndicatorWrongList => "指标不属于本清单",
            SchoolMultiCampus => "学校有多个校区",
            SchoolDuplicate => "学校重复",
            ControlCharacters => "已删除不可见控制字符",
            StrayCellIgnored => "表格外的单元格未读取",
            PlanYearMissing => "未填写计划创建年份",
            PlanYearInvalid => "计划创建年份无法识别",
            PlanYearConflict => "计划创建年份前后不一",
            GlyphMissing => "字体缺少字形",
            FileNotRegular => "不是普通文件",
            FileUnreadable => "文件无法读取",
            RenderLimit => "文书生成超出限制",
            Quarantined => "文件已隔离",
            HeaderUnmatched => "表头列无法识别",
            TableWithoutItems => "表格中没有读到整改项",
            TotalsRowSkipped => "合计行未计入",
            ReportNotFiling => "整改进展表不是整改清单",
            TemplateOutdated => "模板格式已过时",
            TemplateOtherCounty => "模板属于其他县（市、区）",
            ProgressUnknownId => "编号不属于本县",
            ProgressDuplicateId => "编号重复",
            ProgressStatusInvalid => "进展状态无法识别",
            ProgressCompletedInMissing => "未填写完成时间",
            ProgressCompletedInInvalid => "完成时间无法识别",
            ProgressCompletionMissing => "未填写完成情况",
            ProgressCompletedInFuture => "完成时间晚于本月",
            ProgressCompletedBeforeList => "完成时间早于清单填报",
            ProgressItemMissing => "整改事项未报告进展",
            ProgressOutdatedList => "进展表依据的清单已过时",
            ProgressWrongCounty => "进展表不属于本县",
            ReviewUnknownId => "编号不属于本市",
            ReviewDuplicateId => "核查编号重复",
            ReviewVerdictInvalid => "核查意见无法识别",
            ReviewRemarkMissing => "退回重改未写意见说明",
            ReviewNotAwaiting => "事项不在待核查之列",
            ReviewWrongCity => "汇总表的设区市无法识别",
        }
    }

    /// The `snake_case` name used in JSON and receipts.
    pub fn code(self) -> String {
        serde_json::to_value(self)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default()
    }
}

/// One problem, located where it can be.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnostic {
    pub severity: Severity,
    pub rule: Rule,
    /// `Sheet!A1`, absent for problems of the whole file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cell: Option<Location>,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

impl Diagnostic {
    /// A problem with the severity its rule carries.
    pub fn new(rule: Rule, cell: Option<Location>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: rule.severity(),
            rule,
            cell,
            message: message.into(),
            hint: None,
        }
    }

    #[must_use]
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    pub fn is_warning(&self) -> bool {
        self.severity == Severity::Warning
    }

    /// Renders the diagnostic for people, like a compiler: severity and message, the file and
    /// cell, then the hint.
    pub fn human(&self, file: &str) -> String {
        let mut out = format!("{}: {}\n", self.severity.label_zh(), self.message);
        match &self.cell {
            Some(cell) => out.push_str(&format!("  --> {file} {cell}\n")),
            None => out.push_str(&format!("  --> {file}\n")),
        }
        if let Some(hint) = &self.hint {
            out.push_str(&format!("   = 提示: {hint}\n"));
        }
        out
    }
}

/// Overall outcome of one file, as a status line and the daemon tell them apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Ok,
    OkWithWarnings,
    Failed,
}

impl Outcome {
    pub fn of(diagnostics: &[Diagnostic]) -> Outcome {
        if diagnostics.iter().any(Diagnostic::is_error) {
            Outcome::Failed
        } else if diagnostics.is_empty() {
            Outcome::Ok
        } else {
            Outcome::OkWithWarnings
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_letters_roll_over_like_excel() {
        assert_eq!(column_letters(0), "A");
        assert_eq!(column_letters(25), "Z");
        assert_eq!(column_letters(26), "AA");
        assert_eq!(column_letters(701), "ZZ");
        assert_eq!(column_letters(702), "AAA");
    }

    #[test]
    fn location_round_trips_through_text() {
        let loc = Location::new("学校整改清单", 6, 3);
        assert_eq!(loc.to_string(), "学校整改清单!D7");
        assert_eq!(Location::parse("学校整改清单!D7"), Some(loc));
        assert_eq!(
            Location::parse("a!b!AA10"),
            Some(Location::new("a!b", 9, 26))
        );
        assert_eq!(Location::parse("Sheet1!7"), None);
        assert_eq!(Location::parse("Sheet1!D0"), None);
    }

    #[test]
    fn rule_codes_are_snake_case() {
        assert_eq!(Rule::DeadlineNotMonth.code(), "deadline_not_month");
        assert_eq!(Rule::DeadlineNotMonth.severity(), Severity::Error);
        assert_eq!(Rule::SchoolDuplicate.severity(), Severity::Warning);
        assert_eq!(Rule::CellTooLong.code(), "cell_too_long");
        assert_eq!(Rule::CellTooLong.severity(), Severity::Error);
        assert_eq!(Rule::ControlCharacters.code(), "control_characters");
        assert_eq!(Rule::ControlCharacters.severity(), Severity::Warning);
        assert_eq!(Rule::HeaderUnmatched.code(), "header_unmatched");
        assert_eq!(Rule::HeaderUnmatched.severity(), Severity::Error);
        assert_eq!(Rule::TableWithoutItems.severity(), Severity::Error);
        assert_eq!(Rule::TotalsRowSkipped.code(), "totals_row_skipped");
        assert_eq!(Rule::TotalsRowSkipped.severity(), Severity::Warning);
        assert_eq!(Rule::TemplateOutdated.code(), "template_outdated");
        assert_eq!(Rule::TemplateOutdated.severity(), Severity::Warning);
        assert_eq!(Rule::TemplateOtherCounty.code(), "template_other_county");
        assert_eq!(Rule::TemplateOtherCounty.severity(), Severity::Warning);
    }

    /// Every rule, listed by hand: `label_zh`'s exhaustive match makes the compiler demand a
    /// name for a new rule; this test checks the names are there, Chinese and tell rules apart.
    #[test]
    fn every_rule_has_a_chinese_name() {
        use Rule::*;
        let all = [
            FileNotSpreadsheet,
            FileFormatUnsupported,
            FileCorrupt,
            FileEncrypted,
            FileEmpty,
            FileTooLarge,
            CellTooLong,
            TooManyRows,
            TooManySchools,
            TooManyItems,
            NoForms,
            RollupList,
            UnknownCounty,
            CountyCityMismatch,
            CountyMissing,
            CountySuffixMissing,
            CountyFromFilename,
            DivisionNotValid,
            FiledOnMissing,
            FiledOnInvalid,
            DeadlineNotMonth,
            DeadlineInvalid,
            DeadlineAmbiguous,
            DeadlineMissing,
            DeadlineBeforeFiling,
            DeadlineRangeReversed,
            MeasureMissing,
            ShortcomingMissing,
            SchoolNameMissing,
            IndicatorUnmatched,
            IndicatorWrongList,
            SchoolMultiCampus,
            SchoolDuplicate,
            ControlCharacters,
            StrayCellIgnored,
            PlanYearMissing,
            PlanYearInvalid,
            PlanYearConflict,
            GlyphMissing,
            FileNotRegular,
            FileUnreadable,
            RenderLimit,
            Quarantined,
            HeaderUnmatched,
            TableWithoutItems,
            TotalsRowSkipped,
            ReportNotFiling,
            TemplateOutdated,
            TemplateOtherCounty,
            ProgressUnknownId,
            ProgressDuplicateId,
            ProgressStatusInvalid,
            ProgressCompletedInMissing,
            ProgressCompletedInInvalid,
            ProgressCompletionMissing,
            ProgressCompletedInFuture,
            ProgressCompletedBeforeList,
            ProgressItemMissing,
            ProgressOutdatedList,
            ProgressWrongCounty,
            ReviewUnknownId,
            ReviewDuplicateId,
            ReviewVerdictInvalid,
            ReviewRemarkMissing,
            ReviewNotAwaiting,
            ReviewWrongCity,
        ];
        let mut seen = std::collections::HashMap::new();
        for rule in all {
            let label = rule.label_zh();
            assert!(!label.is_empty(), "{rule:?} has no name");
            assert!(
                label
                    .chars()
                    .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
                "{rule:?}: {label}"
            );
            assert!(
                label.chars().count() <= 20,
                "{rule:?}: {label} is not short"
            );
            if let Some(other) = seen.insert(label, rule) {
                panic!("{rule:?} and {other:?} share the name {label}");
            }
        }
        assert_eq!(DeadlineNotMonth.label_zh(), "完成时限未精确到月份");
        assert_eq!(SchoolNameMissing.label_zh(), "学校名称为空");
    }
}
