//! The receipt (回执) every dropped file gets: what was read, every problem with its sheet and
//! cell, what became of the file and where its documents went, and — for a county's newer file
//! — what changed since its last accepted one. Written as Chinese text for the clerk and as
//! JSON for machines.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::calendar::{Timestamp, YearMonth, zh_date};
use crate::diag::{Diagnostic, Rule, Severity};
use crate::model::{CountyRef, PlanYear, Submission};
use crate::notice::{COUNTY_LIST, SCHOOL_LIST};
use crate::tracking::{ItemId, Status, TrackedItem};

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

/// What kind of file a receipt answers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FileKind {
    /// A county's lists (附件1, 附件2, 创建时间).
    #[default]
    Filing,
    /// A county's 整改进展表.
    Progress,
    /// A city's 整改进展汇总.
    Review,
}

/// One item as a receipt names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemLine {
    pub id: ItemId,
    /// The school, or 县级政府.
    pub owner: String,
    pub shortcoming: String,
    pub deadline: Option<YearMonth>,
    pub status: Status,
    /// The city's remark, for an item sent back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remark: Option<String>,
}

impl ItemLine {
    pub fn of(item: &TrackedItem) -> ItemLine {
        ItemLine {
            id: item.id.clone(),
            owner: item.owner().to_owned(),
            shortcoming: item.shortcoming.clone(),
            deadline: item.deadline,
            status: item.status,
            remark: item.returned_remark.clone(),
        }
    }

    /// `330106-001 文三街小学：生均体育运动场馆面积不足（完成时限2020年8月）`
    fn text(&self) -> String {
        let deadline = self
            .deadline
            .map_or_else(|| "未填".to_owned(), YearMonth::zh);
        format!(
            "{} {}：{}（完成时限{deadline}）",
            self.id, self.owner, self.shortcoming
        )
    }
}

/// An item past its deadline and not 销号, as of the receipt's day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OverdueLine {
    #[serde(flatten)]
    pub item: ItemLine,
    pub days: i64,
}

/// What a file did to the county's (or the city's counties') tracked items, in tracking
/// terms: IDs given and withdrawn, states reported, 销号 given or refused, and what is overdue.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tracking {
    /// The day the changes are dated and 逾期 is counted from.
    pub as_of: Option<NaiveDate>,
    /// A list: every item with the ID it now has, in list order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<ItemLine>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub added: Vec<ItemId>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub revised: Vec<ItemId>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub withdrawn: Vec<ItemLine>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reinstated: Vec<ItemId>,
    /// A progress report: now 已完成, awaiting the city.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub completed: Vec<ItemLine>,
    /// Back to 未启动 or 推进中 after 已完成.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reopened: Vec<ItemLine>,
    /// 未启动 → 推进中 and the like.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub advanced: Vec<ItemLine>,
    /// Rows about items already 销号, left as they were.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub already_closed: Vec<ItemId>,
    /// A review: 同意销号.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub closed: Vec<ItemLine>,
    /// 退回重改, with the remark.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub returned: Vec<ItemLine>,
    /// Rows about items not awaiting 销号, left as they were.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_awaiting: Vec<ItemId>,
    /// Items past their deadline and not 销号 as of `as_of`, most overdue first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub overdue: Vec<OverdueLine>,
}

impl Tracking {
    fn to_text(&self, kind: FileKind, t: &mut String) {
        let ids = |t: &mut String, title: &str, ids: &[ItemId]| {
            if !ids.is_empty() {
                let joined: Vec<String> = ids.iter().map(ToString::to_string).collect();
                t.push_str(&format!("  {title}：{}\n", joined.join("、")));
            }
        };
        let lines = |t: &mut String, title: &str, items: &[ItemLine]| {
            if items.is_empty() {
                return;
            }
            t.push_str(&format!("  {title}（{}项）：\n", items.len()));
            for item in items {
                t.push_str(&format!("    {}\n", item.text()));
                if let Some(remark) = &item.remark {
                    t.push_str(&format!("      核查意见：{remark}\n"));
                }
            }
        };
        t.push('\n');
        match kind {
            FileKind::Filing => {
                t.push_str("整改事项编号（销号管理用，填报整改进展时请引用）\n");
                for item in &self.items {
                    t.push_str(&format!("  {}\n", item.text()));
                }
                if !self.items.is_empty() && self.added.len() == self.items.len() {
                    t.push_str(&format!("  首次登记，共{}项\n", self.items.len()));
                } else {
                    ids(t, "新增编号", &self.added);
                }
                ids(t, "修订（措施或时限）", &self.revised);
                ids(t, "重新列入", &self.reinstated);
                lines(t, "撤回（不再列入清单）", &self.withdrawn);
            }
            FileKind::Progress => {
                t.push_str("与上次报告相比\n");
                if self.completed.is_empty() && self.reopened.is_empty() && self.advanced.is_empty()
                {
                    t.push_str("  进展状态没有变化\n");
                }
                lines(t, "报告已完成（待设区市核查销号）", &self.completed);
                lines(t, "由已完成改回未完成", &self.reopened);
                lines(t, "进展推进", &self.advanced);
                ids(t, "已销号或已撤回，未再登记", &self.already_closed);
            }
            FileKind::Review => {
                t.push_str("核查结果\n");
                lines(t, "同意销号", &self.closed);
                lines(t, "退回重改", &self.returned);
                ids(t, "不在待核查之列，未登记", &self.not_awaiting);
            }
        }
        if kind != FileKind::Filing {
            let as_of = self.as_of.map(zh_date).unwrap_or_default();
            t.push('\n');
            if self.overdue.is_empty() {
                t.push_str(&format!("逾期事项（截至{as_of}）：无\n"));
            } else {
                t.push_str(&format!(
                    "逾期事项（截至{as_of}，{}项，超过完成时限尚未销号）\n",
                    self.overdue.len()
                ));
                for late in &self.overdue {
                    t.push_str(&format!("  {}，逾期{}天\n", late.item.text(), late.days));
                }
            }
        }
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

/// How many problems the text receipt lists one by one; the rest are counted in a line (the
/// JSON receipt keeps them all). A clerk reads 200 lines; past that the counts per rule say more.
pub const TEXT_PROBLEMS_LIMIT: usize = 200;

/// Problems counted per rule, most frequent first (ties in the order first met): what the
/// receipt's first problem line says.
pub fn counts_by_rule(diagnostics: &[Diagnostic]) -> Vec<(Rule, Severity, usize)> {
    let mut counts: Vec<(Rule, Severity, usize)> = Vec::new();
    for d in diagnostics {
        match counts
            .iter_mut()
            .find(|(r, s, _)| *r == d.rule && *s == d.severity)
        {
            Some((_, _, n)) => *n += 1,
            None => counts.push((d.rule, d.severity, 1)),
        }
    }
    // A stable sort keeps first-met order among equal counts.
    counts.sort_by_key(|c| std::cmp::Reverse(c.2));
    counts
}

/// `3个错误：完成时限未精确到月份 2个，学校名称为空 1个；1个警告：合计行未计入 1个`, or `无`.
pub fn counts_zh(diagnostics: &[Diagnostic]) -> String {
    let counts = counts_by_rule(diagnostics);
    let mut parts = Vec::new();
    for severity in [Severity::Error, Severity::Warning] {
        let of: Vec<String> = counts
            .iter()
            .filter(|(_, s, _)| *s == severity)
            .map(|(rule, _, n)| format!("{} {n}个", rule.label_zh()))
            .collect();
        let total: usize = counts
            .iter()
            .filter(|(_, s, _)| *s == severity)
            .map(|(_, _, n)| n)
            .sum();
        if total > 0 {
            parts.push(format!(
                "{total}个{}：{}",
                severity.label_zh(),
                of.join("，")
            ));
        }
    }
    if parts.is_empty() {
        "无".to_owned()
    } else {
        parts.join("；")
    }
}

/// The JSON's `diagnostics` and `counts` (per rule code), written from the one list.
mod problems {
    use super::*;
    use serde::{Deserializer, Serializer};

    #[derive(Serialize)]
    struct Out<'a> {
        diagnostics: &'a [Diagnostic],
        counts: BTreeMap<String, usize>,
    }

    #[derive(Deserialize)]
    struct In {
        diagnostics: Vec<Diagnostic>,
    }

    pub fn serialize<S: Serializer>(d: &[Diagnostic], s: S) -> Result<S::Ok, S::Error> {
        let mut counts = BTreeMap::new();
        for x in d {
            *counts.entry(x.rule.code()).or_insert(0) += 1;
        }
        Out {
            diagnostics: d,
            counts,
        }
        .serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Diagnostic>, D::Error> {
        In::deserialize(d).map(|i| i.diagnostics)
    }
}

/// One receipt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Receipt {
    pub schema: String,
    /// A county's lists, its progress report or a city's review.
    #[serde(default)]
    pub kind: FileKind,
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
    /// Every problem, however many (machines read them all); the JSON carries beside them
    /// `counts`, the number per rule code, computed as it is written so it never goes stale.
    #[serde(flatten, with = "problems")]
    pub diagnostics: Vec<Diagnostic>,
    /// Where the documents and the original went, relative to the root.
    pub outputs: Vec<String>,
    /// Where the original is kept, relative to the root.
    pub kept_at: String,
    pub changes: Option<Changes>,
    /// For a duplicate: when the same bytes were first accepted.
    pub duplicate_of: Option<String>,
    /// The city a review is from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// Items reported on (a progress report) or reviewed (a review).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rows: Option<usize>,
    /// What the file did to the tracked items.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracking: Option<Tracking>,
    /// The marked workbook (批注版) made for the clerk, relative to the root.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub marked: Option<String>,
    /// When the marked workbook is a new workbook of the cells as read rather than a copy of
    /// the clerk's: why, in Chinese.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub marked_note: Option<String>,
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
            kind: FileKind::Filing,
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
            city: None,
            rows: None,
            tracking: None,
            marked: None,
            marked_note: None,
            gongwen_version: env!("CARGO_PKG_VERSION").to_owned(),
        }
    }

    /// A receipt for a county's progress report; tracking and outputs are filled in by the
    /// caller.
    pub fn for_progress(
        file: &str,
        received_at: Timestamp,
        verdict: Verdict,
        report: &crate::progress::read::ProgressReport,
        kept_at: &str,
    ) -> Receipt {
        let mut receipt = Receipt::for_submission(
            file,
            received_at,
            verdict,
            &crate::pipeline::empty(report.source.clone()),
            kept_at,
        );
        receipt.kind = FileKind::Progress;
        receipt.county = report.county.clone();
        receipt.filed_on = report.list_filed_on;
        receipt.rows =
            Some(report.rows.len() + report.closed_rows.len() + report.rows_in_error.len());
        receipt.diagnostics = report.diagnostics.clone();
        receipt
    }

    /// A receipt for a city's review.
    pub fn for_review(
        file: &str,
        received_at: Timestamp,
        verdict: Verdict,
        report: &crate::progress::read::ReviewReport,
        kept_at: &str,
    ) -> Receipt {
        let mut receipt = Receipt::for_submission(
            file,
            received_at,
            verdict,
            &crate::pipeline::empty(report.source.clone()),
            kept_at,
        );
        receipt.kind = FileKind::Review;
        receipt.city = Some(report.city.clone());
        receipt.rows = Some(report.rows.len());
        receipt.diagnostics = report.diagnostics.clone();
        receipt
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
        match self.kind {
            FileKind::Filing => self.filing_text(&mut t),
            FileKind::Progress => {
                t.push_str("  类型：整改进展表（整改进展报告）\n");
                self.county_line(&mut t);
                t.push_str(&format!(
                    "  依据的整改清单填报日期：{}\n",
                    self.filed_on.map_or_else(|| "未知".to_owned(), zh_date)
                ));
                t.push_str(&format!("  报告事项：{}项\n", self.rows.unwrap_or(0)));
            }
            FileKind::Review => {
                t.push_str("  类型：整改进展汇总（设区市销号核查）\n");
                t.push_str(&format!(
                    "  设区市：{}\n",
                    self.city.as_deref().unwrap_or("未能识别")
                ));
                t.push_str(&format!("  填写核查意见：{}项\n", self.rows.unwrap_or(0)));
            }
        }
        self.problems_text(&mut t);
        if let Some(tracking) = &self.tracking {
            tracking.to_text(self.kind, &mut t);
        }
        self.changes_text(&mut t);
        t.push('\n');
        t.push_str(&format!("原文件保存于：{}\n", self.kept_at));
        if let Some(marked) = &self.marked {
            t.push_str(&format!(
                "批注版：{marked}（问题已在表中标出，改好后可直接重新提交）\n"
            ));
            if let Some(note) = &self.marked_note {
                t.push_str(&format!("  {note}\n"));
            }
        }
        if !self.outputs.is_empty() {
            t.push_str("生成的文件：\n");
            for o in &self.outputs {
                t.push_str(&format!("  {o}\n"));
            }
        }
        t
    }

    fn county_line(&self, t: &mut String) {
        match &self.county {
            Some(c) => t.push_str(&format!(
                "  县（市、区）：{}{}（{}）\n",
                c.city, c.name, c.code
            )),
            None => t.push_str("  县（市、区）：未能识别\n"),
        }
    }

    fn filing_text(&self, t: &mut String) {
        self.county_line(t);
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
    }

    fn problems_text(&self, t: &mut String) {
        t.push('\n');
        t.push_str(&format!("问题：{}\n", counts_zh(&self.diagnostics)));
        for (i, d) in self
            .diagnostics
            .iter()
            .enumerate()
            .take(TEXT_PROBLEMS_LIMIT)
        {
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
        let more = self.diagnostics.len().saturating_sub(TEXT_PROBLEMS_LIMIT);
        if more > 0 {
            // The marked workbook carries every problem at its cell: the place a clerk looks.
            let all_in = if self.marked.is_some() {
                "批注版和同名的 .json 回执"
            } else {
                "同名的 .json 回执"
            };
            t.push_str(&format!(
                "  另有{more}个问题未列出（以上为前{TEXT_PROBLEMS_LIMIT}个；全部问题见{all_in}）\n"
            ));
        }
    }

    fn changes_text(&self, t: &mut String) {
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
            list(t, "新增学校", &c.schools_added);
            list(t, "删除学校", &c.schools_removed);
            list(t, "新增整改项", &c.items_added);
            list(t, "删除整改项", &c.items_removed);
            list(t, "完成时限变更", &c.deadlines_moved);
            if let Some((old, new)) = c.plan_year {
                t.push_str(&format!(
                    "  计划创建年份：{} → {}\n",
                    old.map_or("未填", PlanYear::label),
                    new.map_or("未填", PlanYear::label)
                ));
            }
        }
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

    fn line(seq: u32, status: Status, remark: Option<&str>) -> ItemLine {
        ItemLine {
            id: ItemId::new("330106", seq),
            owner: "杭州市文三街小学".into(),
            shortcoming: "生均体育运动场馆面积不足".into(),
            deadline: "2019-12".parse().ok(),
            status,
            remark: remark.map(str::to_owned),
        }
    }

    #[test]
    fn tracking_is_told_in_the_clerks_terms() {
        let as_of = NaiveDate::from_ymd_opt(2020, 3, 15);
        let first = Tracking {
            as_of,
            items: vec![line(1, Status::NotStarted, None)],
            added: vec![ItemId::new("330106", 1)],
            ..Tracking::default()
        };
        let mut t = String::new();
        first.to_text(FileKind::Filing, &mut t);
        assert!(
            t.contains(
                "  330106-001 杭州市文三街小学：生均体育运动场馆面积不足（完成时限2019年12月）\n"
            ),
            "{t}"
        );
        assert!(t.contains("首次登记，共1项"), "{t}");
        assert!(!t.contains("逾期"), "a list's receipt counts no days: {t}");

        let review = Tracking {
            as_of,
            closed: vec![line(1, Status::Closed, None)],
            returned: vec![line(2, Status::InProgress, Some("佐证不全"))],
            overdue: vec![OverdueLine {
                item: line(2, Status::InProgress, None),
                days: 75,
            }],
            ..Tracking::default()
        };
        let mut t = String::new();
        review.to_text(FileKind::Review, &mut t);
        assert!(t.contains("同意销号（1项）：\n    330106-001"), "{t}");
        assert!(t.contains("退回重改（1项）：\n    330106-002"), "{t}");
        assert!(t.contains("      核查意见：佐证不全\n"), "{t}");
        assert!(
            t.contains("逾期事项（截至2020年3月15日，1项，超过完成时限尚未销号）"),
            "{t}"
        );
        assert!(t.contains("（完成时限2019年12月），逾期75天"), "{t}");
        let mut t = String::new();
        Tracking {
            as_of,
            ..Tracking::default()
        }
        .to_text(FileKind::Progress, &mut t);
        assert!(t.contains("进展状态没有变化"), "{t}");
        assert!(t.contains("逾期事项（截至2020年3月15日）：无"), "{t}");
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

    fn diag(rule: crate::diag::Rule, row: u32) -> Diagnostic {
        Diagnostic::new(rule, Some(Location::new("学校整改清单", row, 3)), "m")
    }

    #[test]
    fn counts_per_rule_lead_the_problems() {
        use crate::diag::Rule::*;
        let diags = vec![
            diag(SchoolNameMissing, 4),
            diag(DeadlineNotMonth, 5),
            diag(TotalsRowSkipped, 6),
            diag(DeadlineNotMonth, 7),
        ];
        assert_eq!(
            counts_zh(&diags),
            "3个错误：完成时限未精确到月份 2个，学校名称为空 1个；1个警告：合计行未计入 1个"
        );
        assert_eq!(counts_zh(&[]), "无");
        assert_eq!(
            counts_zh(&[diag(TotalsRowSkipped, 1)]),
            "1个警告：合计行未计入 1个"
        );
    }

    #[test]
    fn the_text_lists_200_problems_and_the_json_all_with_counts() {
        use crate::diag::Rule::*;
        let mut s = sub(&[], None);
        s.diagnostics = (0..250).map(|r| diag(DeadlineNotMonth, r)).collect();
        s.diagnostics.push(diag(TotalsRowSkipped, 300));
        let at: Timestamp = "2020-03-15T10:00:00+08:00".parse().unwrap();
        let r = Receipt::for_submission("a.xlsx", at, Verdict::Rejected, &s, "rejected/a.xlsx");
        let text = r.to_text();
        assert!(
            text.contains(
                "问题：250个错误：完成时限未精确到月份 250个；1个警告：合计行未计入 1个\n"
            ),
            "{text}"
        );
        assert!(
            text.contains("  200. 错误［学校整改清单!D200］ m\n"),
            "{text}"
        );
        assert!(!text.contains("  201. "), "{text}");
        assert!(text.contains("另有51个问题未列出"), "{text}");
        assert!(text.contains("全部问题见同名的 .json 回执"), "{text}");
        let mut marked = r.clone();
        marked.marked = Some("rejected/a_12345678.批注.xlsx".to_owned());
        assert!(
            marked
                .to_text()
                .contains("全部问题见批注版和同名的 .json 回执"),
            "the marked workbook carries them all"
        );
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(json["diagnostics"].as_array().unwrap().len(), 251);
        assert_eq!(json["counts"]["deadline_not_month"], 250);
        assert_eq!(json["counts"]["totals_row_skipped"], 1);
        let back: Receipt = serde_json::from_value(json).unwrap();
        assert_eq!(back, r, "the receipt reads back as written");
    }
}
