//! The receipt (回执) every dropped file gets: what was read, every problem with its sheet and
//! cell, what became of the file and where its documents went, and — for a county's newer file
//! — what changed since its last accepted one. Written as Chinese text for the clerk and as
//! JSON for machines.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::calendar::{Timestamp, YearMonth};
use crate::diag::{Diagnostic, Severity};
use crate::model::{CountyRef, PlanYear, Submission};
use crate::notice::{COUNTY_LIST, SCHOOL_LIST};

pub const RECEIPT_SCHEMA: &str = "gongwen.receipt/1";

/// What became of a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Accepted; documents made.
    Accepted,
    /// Accepted, with warnings worth a look.
    AcceptedWithWarnings,
    /// The same bytes were accepted before; nothing rendered again.
    Duplicate,
    /// Not accepted; the file is kept in rejected/ with this receipt.
    Rejected,
}

impl Verdict {
    pub fn label_zh(self) -> &'static str {
        match self {
            Verdict::Accepted => "已受理",
            Verdict::AcceptedWithWarnings => "已受理（有警告，请核对）",
            Verdict::Duplicate => "重复提交（与已受理文件内容完全相同，未重新生成）",
            Verdict::Rejected => "退回（请修改后重新提交）",
        }
    }

    /// Whether the file counts as a failure for `--once`'s exit status.
    pub fn is_failure(self) -> bool {
        self == Verdict::Rejected
    }
}

/// What changed between a county's previous accepted file and this one.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Changes {
    pub previous_file: String,
    pub previous_sha256: String,
    pub schools_added: Vec<String>,
    pub schools_removed: Vec<String>,
    /// `学校：存在不足情况`, or the shortcoming alone for county items.
    pub items_added: Vec<String>,
    pub items_removed: Vec<String>,
    /// `学校：存在不足情况：2020-06 → 2020-09`.
    pub deadlines_moved: Vec<String>,
    pub plan_year: Option<(Option<PlanYear>, Option<PlanYear>)>,
}

impl Changes {
    pub fn is_empty(&self) -> bool {
        self.schools_added.is_empty()
            && self.schools_removed.is_empty()
            && self.items_added.is_empty()
            && self.items_removed.is_empty()
            && self.deadlines_moved.is_empty()
            && self.plan_year.is_none()
    }
}

/// Compares a county's previous accepted submission with its new one.
pub fn changes(previous: &Submission, current: &Submission) -> Changes {
    let school_names =
        |s: &Submission| -> BTreeSet<String> { s.schools.iter().map(|x| x.name.clone()).collect() };
    let items = |s: &Submission| -> Vec<(String, Option<YearMonth>)> {
        let mut out: Vec<(String, Option<YearMonth>)> = s
            .schools
            .iter()
            .flat_map(|school| {
                school
                    .items
                    .iter()
                    .map(move |i| (format!("{}：{}", school.name, i.shortcoming), i.deadline))
            })
            .collect();
        out.extend(
            s.county_items
                .iter()
                .map(|i| (format!("县级：{}", i.shortcoming), i.deadline)),
        );
        out
    };
    let (before, after) = (school_names(previous), school_names(current));
    let (old_items, new_items) = (items(previous), items(current));
    let old_keys: BTreeSet<&String> = old_items.iter().map(|(k, _)| k).collect();
    let new_keys: BTreeSet<&String> = new_items.iter().map(|(k, _)| k).collect();
    let mut deadlines_moved = Vec::new();
    for (key, deadline) in &new_items {
        if let Some((_, old)) = old_items.iter().find(|(k, _)| k == key)
            && old != deadline
        {
            let show =
                |d: &Option<YearMonth>| d.map_or_else(|| "未填".to_owned(), |d| d.to_string());
            deadlines_moved.push(format!("{key}：{} → {}", show(old), show(deadline)));
        }
    }
    Changes {
        previous_file: previous.source.file.clone(),
        previous_sha256: previous.source.sha256.clone(),
        schools_added: after.difference(&before).cloned().collect(),
        schools_removed: before.difference(&after).cloned().collect(),
        items_added: new_keys
            .difference(&old_keys)
            .map(|k| (*k).clone())
            .collect(),
        items_removed: old_keys
            .difference(&new_keys)
            .map(|k| (*k).clone())
            .collect(),
        deadlines_moved,
        plan_year: (previous.plan_year != current.plan_year)
            .then_some((previous.plan_year, current.plan_year)),
    }
}

/// One receipt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Receipt {
    pub schema: String,
    /// The file as dropped, relative to the inbox.
    pub file: String,
    pub sha256: String,
    /// When gongwen took the file (the office's clock, written RFC 3339).
    pub received_at: Timestamp,
    pub verdict: Verdict,
    pub county: Option<CountyRef>,
    pub filed_on: Option<NaiveDate>,
    pub plan_year: Option<PlanYear>,
    pub schools: usize,
    pub school_items: usize,
    pub county_items: usize,
    pub diagnostics: Vec<Diagnostic>,
    /// Where the documents and the original went, relative to the root.
    pub outputs: Vec<String>,
    /// Where the original is kept, relative to the root.
    pub kept_at: String,
    pub changes: Option<Changes>,
    /// For a duplicate: when the same bytes were first accepted.
    pub duplicate_of: Option<String>,
    pub gongwen_version: String,
}

impl Receipt {
    /// A receipt for a submission; outputs and changes are filled in by the caller.
    pub fn for_submission(
        file: &str,
        received_at: Timestamp,
        verdict: Verdict,
        s: &Submission,
        kept_at: &str,
    ) -> Receipt {
        Receipt {
            schema: RECEIPT_SCHEMA.to_owned(),
            file: file.to_owned(),
            sha256: s.source.sha256.clone(),
            received_at,
            verdict,
            county: s.county.clone(),
            filed_on: s.filed_on,
            plan_year: s.plan_year,
            schools: s.schools.len(),
            school_items: s.school_item_count(),
            county_items: s.county_items.len(),
            diagnostics: s.diagnostics.clone(),
            outputs: Vec::new(),
            kept_at: kept_at.to_owned(),
            changes: None,
            duplicate_of: None,
            gongwen_version: env!("CARGO_PKG_VERSION").to_owned(),
        }
    }

    /// The receipt as the clerk reads it.
    pub fn to_text(&self) -> String {
        let mut t = String::new();
        t.push_str("gongwen 回执\n");
        t.push_str("==========\n");
        t.push_str(&format!("文件：{}\n", self.file));
        t.push_str(&format!("收到时间：{}\n", self.received_at));
        t.push_str(&format!("SHA-256：{}\n", self.sha256));
        t.push_str(&format!("结果：{}\n", self.verdict.label_zh()));
        if let Some(of) = &self.duplicate_of {
            t.push_str(&format!("首次受理：{of}\n"));
        }
        t.push('\n');
        t.push_str("读取内容\n");
        match &self.county {
            Some(c) => t.push_str(&format!(
                "  县（市、区）：{}{}（{}）\n",
                c.city, c.name, c.code
            )),
            None => t.push_str("  县（市、区）：未能识别\n"),
        }
        t.push_str(&format!(
            "  填报日期：{}\n",
            self.filed_on
                .map_or_else(|| "未填".to_owned(), |d| d.to_string())
        ));
        t.push_str(&format!(
            "  计划创建年份：{}\n",
            self.plan_year.map_or("未填", PlanYear::label)
        ));
        t.push_str(&format!(
            "  {}：{}所学校，{}项；{}：{}项\n",
            SCHOOL_LIST.name, self.schools, self.school_items, COUNTY_LIST.name, self.county_items
        ));
        let errors = self
            .diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count();
        let warnings = self.diagnostics.len() - errors;
        t.push('\n');
        t.push_str(&format!("问题：{errors}个错误，{warnings}个警告\n"));
        for (i, d) in self.diagnostics.iter().enumerate() {
            let at = d
                .cell
                .as_ref()
                .map(|c| format!("［{c}］"))
                .unwrap_or_default();
            t.push_str(&format!(
                "  {}. {}{at} {}\n",
                i + 1,
                d.severity.label_zh(),
                d.message
            ));
            if let Some(h) = &d.hint {
                t.push_str(&format!("     提示：{h}\n"));
            }
        }
        if let Some(c) = &self.changes {
            t.push('\n');
            t.push_str(&format!("与上次受理的文件（{}）相比\n", c.previous_file));
            if c.is_empty() {
                t.push_str("  内容没有变化\n");
            }
            let list = |t: &mut String, title: &str, items: &[String]| {
                for item in items {
                    t.push_str(&format!("  {title}：{item}\n"));
                }
            };
            list(&mut t, "新增学校", &c.schools_added);
            list(&mut t, "删除学校", &c.schools_removed);
            list(&mut t, "新增整改项", &c.items_added);
            list(&mut t, "删除整改项", &c.items_removed);
            list(&mut t, "完成时限变更", &c.deadlines_moved);
            if let Some((old, new)) = c.plan_year {
                t.push_str(&format!(
                    "  计划创建年份：{} → {}\n",
                    old.map_or("未填", PlanYear::label),
                    new.map_or("未填", PlanYear::label)
                ));
            }
        }
        t.push('\n');
        t.push_str(&format!("原文件保存于：{}\n", self.kept_at));
        if !self.outputs.is_empty() {
            t.push_str("生成的文件：\n");
            for o in &self.outputs {
                t.push_str(&format!("  {o}\n"));
            }
        }
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::Location;
    use crate::model::{Item, School, Source};

    fn sub(schools: &[(&str, &[(&str, &str)])], plan: Option<PlanYear>) -> Submission {
        Submission {
            schema: String::new(),
            source: Source {
                file: "a.xlsx".into(),
                sha256: "x".into(),
            },
            county: None,
            filed_on: None,
            plan_year: plan,
            schools: schools
                .iter()
                .map(|(name, items)| School {
                    name: (*name).into(),
                    items: items
                        .iter()
                        .map(|(s, d)| Item {
                            shortcoming: (*s).into(),
                            indicator: None,
                            measure: "m".into(),
                            deadline: d.parse().ok(),
                            cell: Location::new("S", 4, 1),
                            id: None,
                        })
                        .collect(),
                })
                .collect(),
            county_items: Vec::new(),
            diagnostics: Vec::new(),
        }
    }

    #[test]
    fn changes_list_schools_items_and_moved_deadlines() {
        let old = sub(
            &[
                ("甲", &[("操场", "2020-06"), ("教师", "2020-09")]),
                ("乙", &[("班额", "2019-09")]),
            ],
            Some(PlanYear::Y2020),
        );
        let new = sub(
            &[
                ("甲", &[("操场", "2020-12"), ("设备", "2021-01")]),
                ("丙", &[("班额", "2019-09")]),
            ],
            Some(PlanYear::Y2021),
        );
        let c = changes(&old, &new);
        assert_eq!(c.schools_added, vec!["丙"]);
        assert_eq!(c.schools_removed, vec!["乙"]);
        assert_eq!(c.items_added, vec!["丙：班额", "甲：设备"]);
        assert_eq!(c.items_removed, vec!["乙：班额", "甲：教师"]);
        assert_eq!(c.deadlines_moved, vec!["甲：操场：2020-06 → 2020-12"]);
        assert_eq!(
            c.plan_year,
            Some((Some(PlanYear::Y2020), Some(PlanYear::Y2021)))
        );
        assert!(changes(&old, &old).is_empty());
    }
}
