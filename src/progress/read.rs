//! Reads a returned 整改进展表 or 整改进展汇总, recognised by its fingerprint sheet, and
//! checks it at its cells. What needs only the workbook and the day is checked here
//! ([`recognise`]); what needs the county's ledger (IDs it holds, items left out, an
//! outdated list) is checked by [`check_progress`] and [`check_review`], which the daemon and
//! `check --root` call.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::calendar::{YearMonth, zh_date};
use crate::diag::{Diagnostic, Location, Rule};
use crate::intake::{CellValue, RawSheet, RawWorkbook};
use crate::model::{CountyRef, Source};
use crate::tracking::{ItemId, Ledger, ProgressRow, ReviewRow, Status, Verdict};

use super::workbook::keys;
use super::{PROGRESS_FORMAT, ProgressColumn, REVIEW_FORMAT, ReviewColumn, county_of_code};

/// A returned workbook gongwen made.
#[derive(Debug, Clone, PartialEq)]
pub enum Returned {
    Progress(ProgressReport),
    Review(ReviewReport),
}

/// A county's progress report as read (`gongwen.progress/1`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProgressReport {
    /// [`PROGRESS_FORMAT`].
    pub schema: String,
    pub source: Source,
    /// The county the fingerprint names; `None` when the registry does not know its code.
    pub county: Option<CountyRef>,
    /// The SHA-256 of the list the workbook was made from.
    pub list_sha256: String,
    /// 填报日期 of that list.
    pub list_filed_on: Option<NaiveDate>,
    /// The day gongwen made the workbook.
    pub made_on: Option<NaiveDate>,
    /// The rows read, each about one item the county may report on (rows of items already
    /// 已销号 are left out: the city closed them).
    pub rows: Vec<ReportedRow>,
    /// Rows marked 已销号, by ID with their 进展状态 cell: checked against the ledger.
    #[serde(skip)]
    pub closed_rows: Vec<(ItemId, Location)>,
    /// Rows left out for an error of their own: not "missing" on top of it.
    #[serde(skip)]
    pub rows_in_error: Vec<ItemId>,
    pub diagnostics: Vec<Diagnostic>,
}

/// One row of a progress report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportedRow {
    pub id: ItemId,
    pub status: Status,
    pub completed_in: Option<YearMonth>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub completion: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub evidence: String,
    /// The 编号 cell.
    pub cell: Location,
}

impl ReportedRow {
    pub fn to_row(&self) -> ProgressRow {
        ProgressRow {
            id: self.id.clone(),
            status: self.status,
            completed_in: self.completed_in,
            completion: self.completion.clone(),
            evidence: self.evidence.clone(),
        }
    }
}

/// A city's review as read (`gongwen.review/1`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewReport {
    /// [`REVIEW_FORMAT`].
    pub schema: String,
    pub source: Source,
    pub city: String,
    pub made_on: Option<NaiveDate>,
    /// Rows with a 核查意见; rows left empty are not here.
    pub rows: Vec<ReviewedRow>,
    pub diagnostics: Vec<Diagnostic>,
}

/// One row of a review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewedRow {
    pub id: ItemId,
    pub verdict: Verdict,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub remark: String,
    pub cell: Location,
}

impl ReviewedRow {
    pub fn to_row(&self) -> ReviewRow {
        ReviewRow {
            id: self.id.clone(),
            verdict: self.verdict,
            remark: self.remark.clone(),
        }
    }
}

impl ProgressReport {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }

    pub fn has_warnings(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_warning)
    }

    pub fn rows(&self) -> Vec<ProgressRow> {
        self.rows.iter().map(ReportedRow::to_row).collect()
    }
}

impl ReviewReport {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }

    pub fn has_warnings(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_warning)
    }

    pub fn rows(&self) -> Vec<ReviewRow> {
        self.rows.iter().map(ReviewedRow::to_row).collect()
    }

    /// The county codes the rows name.
    pub fn counties(&self) -> BTreeSet<String> {
        self.rows
            .iter()
            .map(|r| r.id.county_code().to_owned())
            .collect()
    }
}

/// Whether a returned workbook is a report made by gongwen, and if so reads it. `as_of` is
/// the day it is received: a 完成时间 after that month is an error.
pub fn recognise(book: &RawWorkbook, source: &Source, as_of: NaiveDate) -> Option<Returned> {
    let print = fingerprint(book)?;
    match print.get(keys::FORMAT).map(String::as_str) {
        Some(PROGRESS_FORMAT) => Some(Returned::Progress(read_progress(
            book, source, &print, as_of,
        ))),
        Some(REVIEW_FORMAT) => Some(Returned::Review(read_review(book, source, &print))),
        _ => None,
    }
}

/// Which of gongwen's report formats a workbook's fingerprint names, if any.
pub fn report_format(book: &RawWorkbook) -> Option<&'static str> {
    let print = fingerprint(book)?;
    [PROGRESS_FORMAT, REVIEW_FORMAT]
        .into_iter()
        .find(|f| print.get(keys::FORMAT).is_some_and(|v| v == f))
}

type Fingerprint = BTreeMap<String, String>;

/// The `key | value` rows of the fingerprint sheet, when its `format` names one of gongwen's
/// report formats.
fn fingerprint(book: &RawWorkbook) -> Option<Fingerprint> {
    crate::workbook::read_fingerprint(book, |format| {
        format == PROGRESS_FORMAT || format == REVIEW_FORMAT
    })
}

fn text(sheet: &RawSheet, row: u32, col: u32) -> String {
    sheet.get(row, col).display().trim().to_owned()
}

fn date(print: &Fingerprint, key: &str) -> Option<NaiveDate> {
    print
        .get(key)
        .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
}

/// The visible sheet holding a table whose header row has all of `headers`, with the row and
/// the column of each header.
fn table<'a>(book: &'a RawWorkbook, headers: &[&str]) -> Option<(&'a RawSheet, u32, Vec<u32>)> {
    book.sheets.iter().filter(|s| s.visible).find_map(|sheet| {
        (0..sheet.row_end().min(20)).find_map(|row| {
            let cols: Option<Vec<u32>> = headers
                .iter()
                .map(|h| {
                    (0..sheet.col_end().min(40))
                        .find(|c| crate::domain::squeeze(&text(sheet, row, *c)) == *h)
                })
                .collect();
            cols.map(|cols| (sheet, row, cols))
        })
    })
}

fn read_progress(
    book: &RawWorkbook,
    source: &Source,
    print: &Fingerprint,
    as_of: NaiveDate,
) -> ProgressReport {
    let code = print.get(keys::COUNTY_CODE).cloned().unwrap_or_default();
    let county = county_of_code(&code);
    let mut report = ProgressReport {
        schema: PROGRESS_FORMAT.to_owned(),
        source: source.clone(),
        county: county.clone(),
        list_sha256: print.get(keys::LIST_SHA256).cloned().unwrap_or_default(),
        list_filed_on: date(print, keys::LIST_FILED_ON),
        made_on: date(print, keys::MADE_ON),
        rows: Vec::new(),
        closed_rows: Vec::new(),
        rows_in_error: Vec::new(),
        diagnostics: Vec::new(),
    };
    if county.is_none() {
        report.diagnostics.push(
            Diagnostic::new(
                Rule::ProgressWrongCounty,
                None,
                format!("整改进展表标记的县（市、区）代码「{code}」不是浙江省的县级行政区划"),
            )
            .with_hint(
                "请使用 gongwen 为本县（市、区）生成的整改进展表填写，不要复制或改动隐藏的标记页",
            ),
        );
        return report;
    }
    let headers: Vec<&str> = ProgressColumn::ALL.iter().map(|c| c.header()).collect();
    let Some((sheet, header, cols)) = table(book, &headers) else {
        report.diagnostics.push(
            Diagnostic::new(
                Rule::HeaderUnmatched,
                None,
                "整改进展表中找不到表头（编号、进展状态、完成时间……）",
            )
            .with_hint("请在 gongwen 生成的整改进展表上填写，不要删除或改写表头"),
        );
        return report;
    };
    let col = |c: ProgressColumn| cols[c as usize];
    let at = |row: u32, c: ProgressColumn| Location::new(&sheet.name, row, col(c));
    let this_month = YearMonth::of(as_of);
    let list_month = report.list_filed_on.map(YearMonth::of);
    let mut seen: BTreeMap<ItemId, Location> = BTreeMap::new();
    for row in header + 1..sheet.row_end() {
        let id_text = text(sheet, row, col(ProgressColumn::Id));
        if id_text.is_empty() {
            continue;
        }
        let Some(id) = ItemId::parse(&id_text) else {
            report.diagnostics.push(
                Diagnostic::new(
                    Rule::ProgressUnknownId,
                    Some(at(row, ProgressColumn::Id)),
                    format!("「{id_text}」不是整改事项编号"),
                )
                .with_hint("编号由 gongwen 生成（如“330106-017”），请不要改动编号列"),
            );
            continue;
        };
        if Some(id.county_code()) != county.as_ref().map(|c| c.code.as_str()) {
            report.diagnostics.push(
                Diagnostic::new(
                    Rule::ProgressWrongCounty,
                    Some(at(row, ProgressColumn::Id)),
                    format!("编号{id}不是本县（市、区）的整改事项"),
                )
                .with_hint("每个县（市、区）只填报本县的整改进展表，请不要从其他县的表中复制行"),
            );
            continue;
        }
        if let Some(first) = seen.get(&id) {
            report.diagnostics.push(
                Diagnostic::new(
                    Rule::ProgressDuplicateId,
                    Some(at(row, ProgressColumn::Id)),
                    format!("编号{id}重复出现（首次出现在{}）", first.a1()),
                )
                .with_hint("每个整改事项只填一行，请删除重复的行"),
            );
            continue;
        }
        seen.insert(id.clone(), at(row, ProgressColumn::Id));
        let status_text = text(sheet, row, col(ProgressColumn::Status));
        if crate::domain::squeeze(&status_text) == Status::Closed.label() {
            report
                .closed_rows
                .push((id, at(row, ProgressColumn::Status)));
            continue;
        }
        let Some(status) = Status::from_label(&status_text) else {
            let shown = if status_text.is_empty() {
                "进展状态未填写".to_owned()
            } else {
                format!("无法识别进展状态「{status_text}」")
            };
            report.diagnostics.push(
                Diagnostic::new(
                    Rule::ProgressStatusInvalid,
                    Some(at(row, ProgressColumn::Status)),
                    format!("{id}：{shown}"),
                )
                .with_hint("从下拉列表中选择：未启动、推进中、已完成"),
            );
            report.rows_in_error.push(id);
            continue;
        };
        let completion = text(sheet, row, col(ProgressColumn::Completion));
        let evidence = text(sheet, row, col(ProgressColumn::Evidence));
        let completed_cell = sheet.get(row, col(ProgressColumn::CompletedIn));
        let completed_in = match completed_cell {
            CellValue::Empty => None,
            value if value.is_empty() => None,
            value => match crate::normalize::parse_deadline(value) {
                Ok(month) => Some(month),
                Err(_) => {
                    report.diagnostics.push(
                        Diagnostic::new(
                            Rule::ProgressCompletedInInvalid,
                            Some(at(row, ProgressColumn::CompletedIn)),
                            format!("{id}：无法识别完成时间「{}」", value.display()),
                        )
                        .with_hint("从下拉列表中选择完成的月份，如“2020年6月”"),
                    );
                    report.rows_in_error.push(id);
                    continue;
                }
            },
        };
        let mut ok = true;
        if status == Status::Completed && completed_in.is_none() {
            ok = false;
            report.diagnostics.push(
                Diagnostic::new(
                    Rule::ProgressCompletedInMissing,
                    Some(at(row, ProgressColumn::CompletedIn)),
                    format!("{id}：进展状态为已完成，但未填写完成时间"),
                )
                .with_hint("填写整改完成的月份；尚未完成的请选择“推进中”"),
            );
        }
        if status == Status::Completed && completion.is_empty() {
            ok = false;
            report.diagnostics.push(
                Diagnostic::new(
                    Rule::ProgressCompletionMissing,
                    Some(at(row, ProgressColumn::Completion)),
                    format!("{id}：进展状态为已完成，但未填写完成情况"),
                )
                .with_hint("简要写明完成了哪些整改（如“新建塑胶跑道300米，已投入使用”）"),
            );
        }
        if let Some(month) = completed_in {
            if month > this_month {
                ok = false;
                report.diagnostics.push(
                    Diagnostic::new(
                        Rule::ProgressCompletedInFuture,
                        Some(at(row, ProgressColumn::CompletedIn)),
                        format!("{id}：完成时间{}晚于报送日期{}", month.zh(), zh_date(as_of)),
                    )
                    .with_hint("已完成的事项填写实际完成的月份；尚未完成的请选择“推进中”"),
                );
            } else if list_month.is_some_and(|filed| month < filed) {
                ok = false;
                report.diagnostics.push(
                    Diagnostic::new(
                        Rule::ProgressCompletedBeforeList,
                        Some(at(row, ProgressColumn::CompletedIn)),
                        format!(
                            "{id}：完成时间{}早于整改清单的填报日期{}",
                            month.zh(),
                            report.list_filed_on.map(zh_date).unwrap_or_default()
                        ),
                    )
                    .with_hint("完成时间应在整改清单填报之后，请核对"),
                );
            }
        }
        if !ok {
            report.rows_in_error.push(id);
        } else {
            report.rows.push(ReportedRow {
                id,
                status,
                completed_in,
                completion,
                evidence,
                cell: at(row, ProgressColumn::Id),
            });
        }
    }
    report
}

/// Checks a progress report against the county's ledger: IDs it does not hold (error),
/// 已销号 the city did not give (error), current items left out (warning), a workbook made
/// from an older list (warning; its rows still apply by ID).
pub fn check_progress(report: &mut ProgressReport, ledger: Option<&Ledger>) {
    let Some(county) = &report.county else {
        return;
    };
    let Some(ledger) = ledger else {
        report.diagnostics.push(
            Diagnostic::new(
                Rule::ProgressWrongCounty,
                None,
                format!(
                    "{}{}尚无已受理的整改清单，无法登记整改进展",
                    county.city, county.name
                ),
            )
            .with_hint("请先报送整改清单（附件1、附件2），受理后再填报整改进展表"),
        );
        return;
    };
    let mut unknown = Vec::new();
    for row in &report.rows {
        if ledger.item(&row.id).is_none() {
            unknown.push(
                Diagnostic::new(
                    Rule::ProgressUnknownId,
                    Some(row.cell.clone()),
                    format!("编号{}不是本县（市、区）已登记的整改事项", row.id),
                )
                .with_hint("请在 gongwen 最新生成的整改进展表上填写，不要新增或改动编号"),
            );
        }
    }
    for (id, cell) in &report.closed_rows {
        match ledger.item(id) {
            None => unknown.push(
                Diagnostic::new(
                    Rule::ProgressUnknownId,
                    Some(cell.clone()),
                    format!("编号{id}不是本县（市、区）已登记的整改事项"),
                )
                .with_hint("请在 gongwen 最新生成的整改进展表上填写，不要新增或改动编号"),
            ),
            Some(item) if item.status != Status::Closed => unknown.push(
                Diagnostic::new(
                    Rule::ProgressStatusInvalid,
                    Some(cell.clone()),
                    format!("{id}：“已销号”须由设区市核查同意，县（市、区）不能直接填报"),
                )
                .with_hint("整改完成的请选择“已完成”，经设区市核查同意后销号"),
            ),
            Some(_) => {}
        }
    }
    report.diagnostics.extend(unknown);
    let reported: BTreeSet<&ItemId> = report
        .rows
        .iter()
        .map(|r| &r.id)
        .chain(report.closed_rows.iter().map(|(id, _)| id))
        .chain(&report.rows_in_error)
        .collect();
    for item in ledger.current().filter(|i| i.status.is_open()) {
        if !reported.contains(&item.id) {
            report.diagnostics.push(
                Diagnostic::new(
                    Rule::ProgressItemMissing,
                    None,
                    format!(
                        "整改事项{}（{}：{}）不在本次报告中，进展保持不变",
                        item.id,
                        item.owner(),
                        item.shortcoming
                    ),
                )
                .with_hint("请在 gongwen 最新生成的整改进展表上填写全部事项"),
            );
        }
    }
    let current = ledger.list.as_ref().map(|l| l.sha256.as_str());
    if current.is_some_and(|sha| sha != report.list_sha256) {
        let made = report
            .list_filed_on
            .map_or_else(|| "较早".to_owned(), zh_date);
        let now = ledger
            .list_filed_on
            .map_or_else(|| "最新".to_owned(), zh_date);
        report.diagnostics.push(
            Diagnostic::new(
                Rule::ProgressOutdatedList,
                None,
                format!(
                    "此整改进展表依据{made}填报的整改清单生成，本县（市、区）现行清单为{now}填报的；各行仍按编号登记"
                ),
            )
            .with_hint("下次请使用 outbox 中最新的整改进展表填报"),
        );
    }
}

fn read_review(book: &RawWorkbook, source: &Source, print: &Fingerprint) -> ReviewReport {
    let city = print.get(keys::CITY).cloned().unwrap_or_default();
    let mut report = ReviewReport {
        schema: REVIEW_FORMAT.to_owned(),
        source: source.clone(),
        city: city.clone(),
        made_on: date(print, keys::MADE_ON),
        rows: Vec::new(),
        diagnostics: Vec::new(),
    };
    if super::city_code(&city).is_none() {
        report.diagnostics.push(
            Diagnostic::new(
                Rule::ReviewWrongCity,
                None,
                format!("整改进展汇总标记的设区市「{city}」不是浙江省的设区市"),
            )
            .with_hint("请使用 gongwen 为本市生成的整改进展汇总填写，不要改动隐藏的标记页"),
        );
        return report;
    }
    let headers: Vec<&str> = ReviewColumn::ALL.iter().map(|c| c.header()).collect();
    let Some((sheet, header, cols)) = table(book, &headers) else {
        report.diagnostics.push(
            Diagnostic::new(
                Rule::HeaderUnmatched,
                None,
                "整改进展汇总中找不到表头（编号、核查意见、意见说明……）",
            )
            .with_hint("请在 gongwen 生成的整改进展汇总上填写，不要删除或改写表头"),
        );
        return report;
    };
    let col = |c: ReviewColumn| cols[c as usize];
    let at = |row: u32, c: ReviewColumn| Location::new(&sheet.name, row, col(c));
    let mut seen: BTreeMap<ItemId, Location> = BTreeMap::new();
    for row in header + 1..sheet.row_end() {
        let id_text = text(sheet, row, col(ReviewColumn::Id));
        let verdict_text = text(sheet, row, col(ReviewColumn::Verdict));
        let remark = text(sheet, row, col(ReviewColumn::Remark));
        if verdict_text.is_empty() && remark.is_empty() {
            continue;
        }
        let Some(id) = ItemId::parse(&id_text) else {
            report.diagnostics.push(
                Diagnostic::new(
                    Rule::ReviewUnknownId,
                    Some(at(row, ReviewColumn::Id)),
                    format!("「{id_text}」不是整改事项编号"),
                )
                .with_hint("编号由 gongwen 生成（如“330106-017”），请不要改动编号列"),
            );
            continue;
        };
        if let Some(first) = seen.get(&id) {
            report.diagnostics.push(
                Diagnostic::new(
                    Rule::ReviewDuplicateId,
                    Some(at(row, ReviewColumn::Id)),
                    format!("编号{id}重复出现（首次出现在{}）", first.a1()),
                )
                .with_hint("每个整改事项只填一行核查意见，请删除重复的行"),
            );
            continue;
        }
        seen.insert(id.clone(), at(row, ReviewColumn::Id));
        let Some(verdict) = Verdict::from_label(&verdict_text) else {
            let shown = if verdict_text.is_empty() {
                "填写了意见说明，但未选择核查意见".to_owned()
            } else {
                format!("无法识别核查意见「{verdict_text}」")
            };
            report.diagnostics.push(
                Diagnostic::new(
                    Rule::ReviewVerdictInvalid,
                    Some(at(row, ReviewColumn::Verdict)),
                    format!("{id}：{shown}"),
                )
                .with_hint("从下拉列表中选择：同意销号、退回重改；暂不核查的行请留空"),
            );
            continue;
        };
        if verdict == Verdict::Return && remark.is_empty() {
            report.diagnostics.push(
                Diagnostic::new(
                    Rule::ReviewRemarkMissing,
                    Some(at(row, ReviewColumn::Remark)),
                    format!("{id}：退回重改须写明意见说明"),
                )
                .with_hint("写明退回的理由和整改要求，县（市、区）将在下一期整改进展表中看到"),
            );
            continue;
        }
        report.rows.push(ReviewedRow {
            id,
            verdict,
            remark,
            cell: at(row, ReviewColumn::Id),
        });
    }
    report
}

/// Checks a review against the ledgers: IDs no county of the city holds or of another city
/// (error), items no longer awaiting 销号 (warning; their rows change nothing).
pub fn check_review(report: &mut ReviewReport, ledgers: &BTreeMap<String, Ledger>) {
    let mut found = Vec::new();
    for row in &report.rows {
        let ledger = ledgers.get(row.id.county_code());
        let item = ledger.and_then(|l| l.item(&row.id));
        match (ledger, item) {
            (Some(ledger), Some(_)) if ledger.county.city != report.city => found.push(
                Diagnostic::new(
                    Rule::ReviewUnknownId,
                    Some(row.cell.clone()),
                    format!(
                        "编号{}是{}{}的整改事项，不属于{}",
                        row.id, ledger.county.city, ledger.county.name, report.city
                    ),
                )
                .with_hint("每个设区市只核查本市县（市、区）的事项"),
            ),
            (_, None) => found.push(
                Diagnostic::new(
                    Rule::ReviewUnknownId,
                    Some(row.cell.clone()),
                    format!("编号{}不是已登记的整改事项", row.id),
                )
                .with_hint("请在 gongwen 最新生成的整改进展汇总上填写，不要新增或改动编号"),
            ),
            (_, Some(item)) if item.status != Status::Completed => found.push(
                Diagnostic::new(
                    Rule::ReviewNotAwaiting,
                    Some(row.cell.clone()),
                    format!(
                        "{}当前为“{}”，不在待核查之列，本行核查意见未登记",
                        row.id,
                        item.status.label()
                    ),
                )
                .with_hint("下次请使用 outbox 中最新的整改进展汇总"),
            ),
            _ => {}
        }
    }
    report.diagnostics.extend(found);
}
