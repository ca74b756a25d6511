//! Rules across fields, on the normalized submission: each a named, unit-tested function,
//! each problem a located diagnostic. Problems of reading single values (an unreadable date,
//! a missing measure) are raised in `normalize`, where the value is read; this module adds
//! what needs the whole file, then puts every diagnostic in reading order.

use crate::calendar::YearMonth;
use crate::diag::{Diagnostic, Rule};
use crate::domain::{Level, registry};
use crate::model::Item;
use crate::normalize::{ItemCells, Normalized};
use crate::notice::{COUNTY_LIST, SCHOOL_LIST};

/// Applies every rule and orders the diagnostics: problems of the whole file first, then by
/// sheet, row and column.
pub fn validate(n: &mut Normalized) {
    let mut found = Vec::new();
    let filed_month = n.submission.filed_on.map(YearMonth::of);

    for (school, cells) in n.submission.schools.iter().zip(&n.schools) {
        if is_multi_campus(&school.name) {
            found.push(
                Diagnostic::new(
                    Rule::SchoolMultiCampus,
                    cells.name.clone(),
                    format!("「{}」像是多个校区合在一起填报", school.name),
                )
                .with_hint("一校多区须分开填报：每个物理独立校区单独一行（或一组行）自查填报"),
            );
        }
        for (item, cells) in school.items.iter().zip(&cells.items) {
            item_rules(item, cells, Level::School, filed_month, &mut found);
        }
    }
    for (item, cells) in n.submission.county_items.iter().zip(&n.county_items) {
        item_rules(item, cells, Level::County, filed_month, &mut found);
    }
    for (index, cell) in &n.repeated_schools {
        let name = &n.submission.schools[*index].name;
        let first = n.schools[*index]
            .name
            .as_ref()
            .map(|c| format!("（第一次出现在{c}）"))
            .unwrap_or_default();
        found.push(
            Diagnostic::new(
                Rule::SchoolDuplicate,
                Some(cell.clone()),
                format!("学校「{name}」重复填报{first}"),
            )
            .with_hint("同一学校的各项不足请写在一起；如是不同校区，请写明校区名称"),
        );
    }

    let diags = &mut n.submission.diagnostics;
    diags.extend(found);
    let order = &n.sheet_order;
    diags.sort_by_key(|d| match &d.cell {
        None => (0, 0, 0, 0),
        Some(c) => (
            1,
            order
                .iter()
                .position(|s| *s == c.sheet)
                .unwrap_or(usize::MAX),
            c.row as usize,
            c.col as usize,
        ),
    });
}

fn item_rules(
    item: &Item,
    cells: &ItemCells,
    list: Level,
    filed_month: Option<YearMonth>,
    out: &mut Vec<Diagnostic>,
) {
    if let (Some(deadline), Some(filed)) = (item.deadline, filed_month)
        && deadline_before_filing(deadline, filed)
    {
        out.push(
            Diagnostic::new(
                Rule::DeadlineBeforeFiling,
                Some(cells.deadline.clone()),
                format!("完成时限{deadline}早于填报日期所在月份{filed}"),
            )
            .with_hint("已完成的整改不必填报；未完成的请填写今后的完成时限"),
        );
    }
    if item.shortcoming.is_empty() {
        return;
    }
    match item
        .indicator
        .as_deref()
        .and_then(|code| registry().indicator(code))
    {
        None => out.push(
            Diagnostic::new(
                Rule::IndicatorUnmatched,
                Some(cells.shortcoming.clone()),
                format!(
                    "「{}」对应不上31项指标中的任何一项",
                    excerpt(&item.shortcoming)
                ),
            )
            .with_hint("按《办法》31项指标逐项填报，写明指标名称，例如“生均教学仪器设备值不足”"),
        ),
        Some(indicator) if !indicator.level.fits(list) => {
            let (this, other) = match list {
                Level::School => (SCHOOL_LIST, COUNTY_LIST),
                _ => (COUNTY_LIST, SCHOOL_LIST),
            };
            let (this, other) = (this.name, format!("{}（{}）", other.name, other.label));
            // Reported where the indicator was read: the 对应指标 cell when it gave one.
            let (cell, message) = match &cells.indicator {
                Some(cell) => (
                    cell.clone(),
                    format!(
                        "对应指标{}（{}）不属于{}（存在不足情况「{}」）",
                        indicator.code,
                        indicator.short,
                        this,
                        excerpt(&item.shortcoming)
                    ),
                ),
                None => (
                    cells.shortcoming.clone(),
                    format!(
                        "「{}」对应指标{}（{}），不属于{}",
                        excerpt(&item.shortcoming),
                        indicator.code,
                        indicator.short,
                        this
                    ),
                ),
            };
            out.push(
                Diagnostic::new(Rule::IndicatorWrongList, Some(cell), message).with_hint(format!(
                    "该指标由{}，请移到{}",
                    level_owner(indicator.level),
                    other
                )),
            );
        }
        Some(_) => {}
    }
}

fn level_owner(level: Level) -> &'static str {
    match level {
        Level::School => "学校达标",
        Level::County => "县级政府达标",
        Level::Both => "学校或县级政府达标",
    }
}

/// The first characters of a long text, for messages.
fn excerpt(text: &str) -> String {
    let first_line = text.lines().next().unwrap_or_default();
    let mut out: String = first_line.chars().take(20).collect();
    if first_line.chars().count() > 20 || text.lines().count() > 1 {
        out.push('…');
    }
    out
}

/// A deadline month (`YYYY-MM`) before the month of filing.
pub fn deadline_before_filing(deadline: YearMonth, filed_month: YearMonth) -> bool {
    deadline < filed_month
}

const SCHOOL_SUFFIXES: [&str; 9] = [
    "小学", "中学", "学校", "校区", "分校", "初中", "学园", "书院", "校",
];

/// A name that looks like several campuses filed as one: 一校多区 must be filed per campus.
pub fn is_multi_campus(name: &str) -> bool {
    if name.contains("一校多区") || name.matches("校区").count() >= 2 {
        return true;
    }
    if (name.contains("含") || name.contains("包括"))
        && (name.contains("校区") || name.contains("分校"))
    {
        return true;
    }
    let parts: Vec<&str> = name
        .split(['、', '和', '及', '与', '/', '／', '；', ';', '，', ','])
        .map(|p| p.trim_matches(|c: char| c.is_whitespace() || "（）()".contains(c)))
        .filter(|p| !p.is_empty())
        .collect();
    parts.len() >= 2
        && parts
            .iter()
            .all(|p| SCHOOL_SUFFIXES.iter().any(|s| p.ends_with(s)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multi_campus_names() {
        assert!(is_multi_campus("杭州市文三街小学（东校区、西校区）"));
        assert!(is_multi_campus("XX小学、XX小学分校"));
        assert!(is_multi_campus("XX中学（含南校区）"));
        assert!(is_multi_campus("一校多区：XX小学"));
        assert!(!is_multi_campus("杭州市保俶塔实验学校"));
        assert!(!is_multi_campus("杭州市文三街小学"));
        assert!(!is_multi_campus("杭州市西湖区三墩镇中心小学兰里校区"));
        assert!(!is_multi_campus("浙江大学附属中学"));
    }

    #[test]
    fn deadline_before_filing_compares_months() {
        let m = |s: &str| YearMonth::parse(s).unwrap();
        assert!(deadline_before_filing(m("2019-04"), m("2019-05")));
        assert!(!deadline_before_filing(m("2019-05"), m("2019-05")));
        assert!(!deadline_before_filing(m("2020-01"), m("2019-05")));
        assert!(deadline_before_filing(m("2018-12"), m("2019-01")));
    }

    #[test]
    fn excerpts_are_short() {
        assert_eq!(excerpt("短"), "短");
        assert_eq!(excerpt("一\n二"), "一…");
        assert_eq!(excerpt(&"长".repeat(30)).chars().count(), 21);
    }
}
