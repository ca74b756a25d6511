//! Raw forms → the submission model. Text is trimmed of outer whitespace and numbering and
//! otherwise kept exactly; dates become `YYYY-MM-DD`, deadlines `YYYY-MM`; the county is
//! resolved against the registry; each shortcoming is matched to an indicator. Every value
//! that cannot be read becomes a located diagnostic, and reading goes on: all problems of a
//! file are collected, none stops the rest.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};

use crate::calendar::YearMonth;
use crate::diag::{Diagnostic, Location, Rule};
use crate::domain::{self, CountyMatch, Level, registry, squeeze};
use crate::intake::forms::{Field, Found, ItemRow, Label, TableKind};
use crate::intake::{CellValue, Format, Limits};
use crate::model::{CountyRef, Item, PlanYear, SUBMISSION_SCHEMA, School, Source, Submission};
use crate::notice;

/// Where each item's cells sit, kept beside the model for the validation rules.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemCells {
    pub shortcoming: Location,
    pub measure: Location,
    pub deadline: Location,
    /// The 对应指标 cell, when the item's indicator was read from it rather than matched from
    /// the shortcoming's wording.
    pub indicator: Option<Location>,
}

/// Where each school's name was written (every occurrence that started a block).
#[derive(Debug, Clone, PartialEq)]
pub struct SchoolCells {
    pub name: Option<Location>,
    pub items: Vec<ItemCells>,
}

/// The normalized submission and the cell positions validation needs.
#[derive(Debug, Clone)]
pub struct Normalized {
    pub submission: Submission,
    pub schools: Vec<SchoolCells>,
    pub county_items: Vec<ItemCells>,
    /// A school name written again after another school: (school index, cell of the repeat).
    pub repeated_schools: Vec<(usize, Location)>,
    pub filed_on_cell: Option<Location>,
    pub plan_year_cell: Option<Location>,
    pub county_cell: Option<Location>,
    pub sheet_order: Vec<String>,
}

/// Normalizes what [`crate::intake::forms::find`] found in one file, within the default
/// [`Limits`].
pub fn normalize(found: &Found, source: Source) -> Normalized {
    normalize_within(found, source, &Limits::default())
}

/// Normalizes what [`crate::intake::forms::find`] found in a file whose cells keep their
/// types. A file over the limits on schools or items is refused with one error naming the
/// count, and no item of it is built.
pub fn normalize_within(found: &Found, source: Source, limits: &Limits) -> Normalized {
    normalize_typed(found, source, limits, CellTyping::Typed)
}

/// Normalizes what [`crate::intake::forms::find`] found in one file, reading its cells as
/// the file's format typed them (`CellTyping::from(workbook.format)`).
pub fn normalize_typed(
    found: &Found,
    source: Source,
    limits: &Limits,
    typing: CellTyping,
) -> Normalized {
    let mut diags = Vec::new();
    let filed = filed_on(found, &mut diags);
    let filed_date = filed.as_ref().map(|(d, _)| *d);
    let (county, county_cell) = county(found, &source.file, filed_date, &mut diags);
    let (plan_year, plan_year_cell) = plan_year(found, &mut diags);
    if let Some(print) = &found.template {
        template_checks(print, county.as_ref(), county_cell.as_ref(), &mut diags);
    }

    let mut schools: Vec<School> = Vec::new();
    let mut school_cells: Vec<SchoolCells> = Vec::new();
    // Each school's index by name, so finding an earlier block stays constant-time.
    let mut school_index: HashMap<String, usize> = HashMap::new();
    let mut county_items = Vec::new();
    let mut county_item_cells = Vec::new();
    let mut repeated = Vec::new();
    // Counted before anything is built, so an oversized file costs no more than its rows.
    let item_count: usize = found.tables.iter().map(|t| t.rows.len()).sum();
    let school_count = school_names(found).len();
    let tables = if item_count as u64 > limits.max_items {
        diags.push(too_many_items(item_count, limits));
        &[][..]
    } else if school_count as u64 > limits.max_schools {
        diags.push(too_many_schools(school_count, limits));
        &[][..]
    } else {
        &found.tables[..]
    };
    for table in tables {
        let list = match table.kind {
            TableKind::Schools => Level::School,
            TableKind::County => Level::County,
        };
        let mut current: Option<usize> = None;
        for row in &table.rows {
            let (item, cells) = item(row, list, typing, &mut diags);
            if table.kind == TableKind::County {
                county_items.push(item);
                county_item_cells.push(cells);
                continue;
            }
            let school_field = row.school.as_ref();
            let starts_block = !row.school_carried;
            let name = match school_field {
                // A carried name was read, and warned about, on the row that wrote it.
                Some(f) if starts_block => document_text(f, &mut diags),
                Some(f) => document_text(f, &mut Vec::new()),
                None => String::new(),
            };
            if name.is_empty()
                && let Some(f) = school_field
            {
                diags.push(
                    Diagnostic::new(
                        Rule::SchoolNameMissing,
                        Some(f.cell.clone()),
                        "这一项没有填写学校名称",
                    )
                    .with_hint("在“学校名称”列填写该项所属学校（按物理独立校区填写）"),
                );
            }
            let earlier = (!name.is_empty())
                .then(|| school_index.get(&name).copied())
                .flatten();
            let index = match current {
                Some(i) if !starts_block || schools[i].name == name => i,
                _ => match earlier {
                    Some(existing) => {
                        if let Some(f) = school_field {
                            repeated.push((existing, f.cell.clone()));
                        }
                        existing
                    }
                    None => {
                        schools.push(School {
                            name: name.clone(),
                            items: Vec::new(),
                        });
                        school_cells.push(SchoolCells {
                            name: school_field.map(|f| f.cell.clone()),
                            items: Vec::new(),
                        });
                        school_index
                            .entry(name.clone())
                            .or_insert(schools.len() - 1);
                        schools.len() - 1
                    }
                },
            };
            current = Some(index);
            schools[index].items.push(item);
            school_cells[index].items.push(cells);
        }
    }

    let submission = Submission {
        schema: SUBMISSION_SCHEMA.to_owned(),
        source,
        county,
        filed_on: filed.map(|(d, _)| d),
        plan_year,
        schools,
        county_items,
        diagnostics: diags,
    };
    Normalized {
        submission,
        schools: school_cells,
        county_items: county_item_cells,
        repeated_schools: repeated,
        filed_on_cell: found
            .labels
            .iter()
            .find(|l| l.label == Label::FiledOn)
            .map(|l| l.field.cell.clone()),
        plan_year_cell,
        county_cell,
        sheet_order: found.sheet_order.clone(),
    }
}

/// What a gongwen template's fingerprint says against the file: an older format than the
/// current one, or a template made for another county. The filed county stays the one the
/// 县（市、区） field names: the clerk wrote it, and it is what the documents will say; the
/// warning makes sure that was meant.
fn template_checks(
    print: &crate::template::Fingerprint,
    county: Option<&CountyRef>,
    county_cell: Option<&Location>,
    diags: &mut Vec<Diagnostic>,
) {
    use crate::template::{FORMAT_VERSION, format_name};
    if print.version < FORMAT_VERSION {
        diags.push(
            Diagnostic::new(
                Rule::TemplateOutdated,
                None,
                format!(
                    "这份表格用的是旧版填报模板（{}），当前模板为{}",
                    format_name(print.version),
                    format_name(FORMAT_VERSION)
                ),
            )
            .with_hint("请用 gongwen template 重新生成（或向市教育局索取）最新模板，把内容填入新模板后再报送"),
        );
    }
    let (Some((code, name)), Some(filed)) = (&print.county, county) else {
        return;
    };
    if *code == filed.code {
        return;
    }
    let made_for = crate::domain::registry()
        .divisions
        .iter()
        .find(|d| d.code == *code)
        .map_or_else(|| name.clone(), |d| format!("{}{}", d.city, d.name));
    let filed_as = format!("{}{}", filed.city, filed.name);
    diags.push(
        Diagnostic::new(
            Rule::TemplateOtherCounty,
            county_cell.cloned(),
            format!("这份模板是为{made_for}生成的，县（市、区）名称却填写为{filed_as}；本文件按{filed_as}登记"),
        )
        .with_hint(format!(
            "如果报送的是{filed_as}，请用为{filed_as}生成的模板（gongwen template --county {}）；如果是{made_for}，请把县（市、区）名称改回{}",
            filed.name, name
        )),
    );
}

fn too_many_items(count: usize, limits: &Limits) -> Diagnostic {
    Diagnostic::new(
        Rule::TooManyItems,
        None,
        format!(
            "整改清单共有{count}项，超过一个县（市、区）{}项的上限",
            limits.max_items
        ),
    )
    .with_hint("一个文件只填报一个县（市、区）的整改清单；请删除重复或无关的行后再提交")
}

fn too_many_schools(count: usize, limits: &Limits) -> Diagnostic {
    Diagnostic::new(
        Rule::TooManySchools,
        None,
        format!(
            "{}共有{count}所学校，超过一个县（市、区）{}所的上限",
            notice::SCHOOL_LIST.name,
            limits.max_schools
        ),
    )
    .with_hint("一个文件只填报一个县（市、区）的学校；请删除重复或无关的行后再提交")
}

/// The distinct school names written in the 附件1 tables, as normalize reads them.
fn school_names(found: &Found) -> std::collections::HashSet<String> {
    found
        .tables
        .iter()
        .filter(|t| t.kind == TableKind::Schools)
        .flat_map(|t| &t.rows)
        .filter(|row| !row.school_carried)
        .filter_map(|row| row.school.as_ref())
        .map(|f| document_text(f, &mut Vec::new()))
        .filter(|name| !name.is_empty())
        .collect()
}

/// A cell's text as it may reach a document: control characters removed (with a warning
/// naming the cell), then outer whitespace and numbering trimmed.
fn document_text(field: &Field, diags: &mut Vec<Diagnostic>) -> String {
    let raw = field.text();
    let (text, removed) = without_control_characters(&raw);
    if !removed.is_empty() {
        let shown: Vec<String> = removed
            .iter()
            .map(|c| format!("U+{:04X}", *c as u32))
            .collect();
        diags.push(
            Diagnostic::new(
                Rule::ControlCharacters,
                Some(field.cell.clone()),
                format!(
                    "单元格中有看不见的控制字符（{}），已删除",
                    shown.join("、")
                ),
            )
            .with_hint("这类字符多是从其他系统复制粘贴带来的；请核对删除后的文字，或在表格中重新输入该单元格"),
        );
    }
    clean_text(&text)
}

/// Removes what a document cannot print: C0 controls, DEL and C1 controls. A tab becomes a
/// space and a carriage return a line break, as the clerk meant them; line breaks stay.
/// Returns the text and each removed character once, in order of first appearance. Left in,
/// these characters pass every check and then fail the PDF/A export.
pub fn without_control_characters(text: &str) -> (String, Vec<char>) {
    let is_removed = |c: char| c.is_control() && !matches!(c, '\t' | '\n' | '\r');
    if !text.chars().any(|c| c.is_control() && c != '\n') {
        return (text.to_owned(), Vec::new());
    }
    let mut removed = Vec::new();
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\t' => out.push(' '),
            '\r' => {
                // CR LF is one line break.
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push('\n');
            }
            c if is_removed(c) => {
                if !removed.contains(&c) {
                    removed.push(c);
                }
            }
            c => out.push(c),
        }
    }
    (out, removed)
}

/// One data row → an item, with diagnostics for what is missing or unreadable.
fn item(
    row: &ItemRow,
    list: Level,
    typing: CellTyping,
    diags: &mut Vec<Diagnostic>,
) -> (Item, ItemCells) {
    let shortcoming = document_text(&row.shortcoming, diags);
    let measure = document_text(&row.measure, diags);
    if shortcoming.is_empty() {
        diags.push(
            Diagnostic::new(
                Rule::ShortcomingMissing,
                Some(row.shortcoming.cell.clone()),
                "填写了整改措施或完成时限，但没有填写存在不足情况",
            )
            .with_hint("写明对照哪项指标存在什么不足，例如“生均体育运动场馆面积不足”"),
        );
    }
    if measure.is_empty() {
        diags.push(
            Diagnostic::new(
                Rule::MeasureMissing,
                Some(row.measure.cell.clone()),
                "没有填写整改提升措施",
            )
            .with_hint("每一项不足都要写明针对性的整改提升措施"),
        );
    }
    let deadline = match parse_deadline_in(&row.deadline.value, typing) {
        Ok(month) => Some(month),
        Err(problem) => {
            diags.push(problem.diagnostic(&row.deadline));
            None
        }
    };
    let explicit = row
        .indicator
        .as_ref()
        .and_then(|f| Some((indicator_from_column(&f.text())?, f.cell.clone())));
    let (indicator, indicator_cell) = match explicit {
        Some((code, cell)) => (Some(code), Some(cell)),
        None => (matched_indicator(&shortcoming, list), None),
    };
    let cells = ItemCells {
        shortcoming: row.shortcoming.cell.clone(),
        measure: row.measure.cell.clone(),
        deadline: row.deadline.cell.clone(),
        indicator: indicator_cell,
    };
    (
        Item {
            shortcoming,
            indicator,
            measure,
            deadline,
            cell: row.shortcoming.cell.clone(),
            id: None,
        },
        cells,
    )
}

fn matched_indicator(shortcoming: &str, list: Level) -> Option<String> {
    registry()
        .match_indicator(shortcoming, list)
        .map(|i| i.code.clone())
}

/// The 对应指标 column holds a code with its short name ("R5 生均体育运动场馆面积") or the
/// name alone.
fn indicator_from_column(text: &str) -> Option<String> {
    let text = squeeze(text);
    if text.is_empty() {
        return None;
    }
    let reg = registry();
    let code: String = text
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .collect();
    let code = code.to_ascii_uppercase();
    if let Some(ind) = reg.indicator(&code) {
        return Some(ind.code.clone());
    }
    reg.indicators
        .iter()
        .find(|i| text.contains(i.short.as_str()))
        .map(|i| i.code.clone())
}

/// Trims outer whitespace and a leading numbering prefix; inner text stays as written.
pub fn clean_text(text: &str) -> String {
    let trimmed = text.trim();
    strip_numbering(trimmed).trim().to_owned()
}

/// Removes one leading numbering prefix: `1.` `1、` `1．` `（1）` `(1)` `①` `一、`. A `1.`
/// followed by a digit is a decimal number, not numbering, and stays.
pub fn strip_numbering(text: &str) -> &str {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let Some(&(_, first)) = chars.first() else {
        return text;
    };
    let rest_from = |i: usize| chars.get(i).map_or("", |&(b, _)| &text[b..]);
    if ('①'..='⑳').contains(&first) || ('⑴'..='⒇').contains(&first) {
        return rest_from(1);
    }
    if first == '（' || first == '(' {
        let digits = chars[1..]
            .iter()
            .take_while(|(_, c)| c.is_ascii_digit() || is_cn_numeral(*c))
            .count();
        if (1..=3).contains(&digits)
            && let Some(&(_, close)) = chars.get(1 + digits)
            && (close == '）' || close == ')')
        {
            return rest_from(2 + digits);
        }
        return text;
    }
    let digits = chars.iter().take_while(|(_, c)| c.is_ascii_digit()).count();
    if (1..=2).contains(&digits)
        && let Some(&(_, sep)) = chars.get(digits)
    {
        let next_is_digit = chars
            .get(digits + 1)
            .is_some_and(|(_, c)| c.is_ascii_digit());
        if matches!(sep, '、' | '．' | '，') || (sep == '.' && !next_is_digit) {
            return rest_from(digits + 1);
        }
    }
    let numerals = chars.iter().take_while(|(_, c)| is_cn_numeral(*c)).count();
    if (1..=3).contains(&numerals) && chars.get(numerals).is_some_and(|(_, c)| *c == '、') {
        return rest_from(numerals + 1);
    }
    text
}

fn is_cn_numeral(c: char) -> bool {
    "一二三四五六七八九十".contains(c)
}

/// How the cells of a file carry their types. A CSV keeps only the text a cell showed, so a
/// typed 2020.10 arrives as the text `2020.1`, as ambiguous there as the number in an xlsx.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CellTyping {
    /// xlsx, xls, ods, xlsb: a number is a number, text was typed as text.
    Typed,
    /// CSV and tab-separated text: every cell is the text the spreadsheet displayed.
    DisplayedText,
}

impl From<Format> for CellTyping {
    fn from(format: Format) -> Self {
        match format {
            Format::Csv => CellTyping::DisplayedText,
            Format::Xlsx | Format::Xlsb | Format::Xls | Format::Ods => CellTyping::Typed,
        }
    }
}

/// Why a deadline could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeadlineProblem {
    Missing,
    /// A year without a month (2020年, 2020年底, 2020年上半年).
    NotMonth,
    /// A number such as 2020.1, which Excel also makes of a typed 2020.10.
    Ambiguous,
    /// A range whose end month comes before its start (a month, or a year alone as in
    /// 2021年上半年—2020年8月), the start as a clerk reads it.
    RangeReversed {
        start: String,
        end: YearMonth,
    },
    Invalid,
}

impl DeadlineProblem {
    fn diagnostic(&self, field: &Field) -> Diagnostic {
        let shown = field.text();
        let shown = shown.trim();
        let cell = Some(field.cell.clone());
        match self {
            DeadlineProblem::Missing => {
                Diagnostic::new(Rule::DeadlineMissing, cell, "没有填写完成时限")
                    .with_hint("填写到月份，例如“2020年6月”")
            }
            DeadlineProblem::NotMonth => Diagnostic::new(
                Rule::DeadlineNotMonth,
                cell,
                format!("完成时限「{shown}」没有精确到月份"),
            )
            .with_hint("通知要求完成时限精确到月份，例如“2020年12月”"),
            DeadlineProblem::Ambiguous if matches!(field.value, CellValue::Text(_)) => {
                Diagnostic::new(
                    Rule::DeadlineAmbiguous,
                    cell,
                    format!("完成时限「{shown}」无法判断是1月还是10月"),
                )
                .with_hint("CSV文件只保存表格显示的文字，Excel会把输入的“2020.10”显示并保存成“2020.1”；请写成“2020年10月”或“2020年1月”")
            }
            DeadlineProblem::Ambiguous => Diagnostic::new(
                Rule::DeadlineAmbiguous,
                cell,
                format!("完成时限「{shown}」是数字，无法判断是1月还是10月"),
            )
            .with_hint("Excel会把输入的“2020.10”存成数字2020.1；请写成“2020年10月”或“2020年1月”"),
            DeadlineProblem::RangeReversed { start, end } => Diagnostic::new(
                Rule::DeadlineRangeReversed,
                cell,
                format!(
                    "完成时限「{shown}」的结束月份（{}）早于开始月份（{}）",
                    end.zh(),
                    start
                ),
            )
            .with_hint("时间段按结束月份作为完成时限；请核对起止月份，跨年的时间段两头都写年份，例如“2020年11月—2021年2月”"),
            DeadlineProblem::Invalid => Diagnostic::new(
                Rule::DeadlineInvalid,
                cell,
                format!("无法识别完成时限「{shown}」"),
            )
            .with_hint("填写到月份，例如“2020年6月”；时间段写成“2020年6月—8月”"),
        }
    }
}

/// Reads a deadline to its month from any of the ways clerks write one, from a file whose
/// cells keep their types.
pub fn parse_deadline(value: &CellValue) -> Result<YearMonth, DeadlineProblem> {
    parse_deadline_in(value, CellTyping::Typed)
}

/// Reads a deadline to `YYYY-MM`. A range (2020年6-8月, 2019.9-2020.6) is due at its end.
pub fn parse_deadline_in(
    value: &CellValue,
    typing: CellTyping,
) -> Result<YearMonth, DeadlineProblem> {
    match value {
        CellValue::Empty => Err(DeadlineProblem::Missing),
        CellValue::Date(at) => year_month(at.year(), at.month()),
        CellValue::Number(n) => {
            if let Some(date) = excel_serial(*n) {
                return year_month(date.year(), date.month());
            }
            let shown = crate::intake::format_number(*n);
            match shown.split_once('.') {
                None if (2000..=2099).contains(&(*n as i64)) => Err(DeadlineProblem::NotMonth),
                None if (200_001..=209_912).contains(&(*n as i64)) => {
                    year_month((*n as i64 / 100) as i32, (*n as i64 % 100) as u32)
                }
                Some((_, "1")) => Err(DeadlineProblem::Ambiguous),
                Some((y, m)) if m.len() <= 2 => year_month(
                    y.parse().map_err(|_| DeadlineProblem::Invalid)?,
                    m.parse().map_err(|_| DeadlineProblem::Invalid)?,
                ),
                _ => Err(DeadlineProblem::Invalid),
            }
        }
        CellValue::Text(text)
            if typing == CellTyping::DisplayedText && is_number_with_trailing_zero_lost(text) =>
        {
            Err(DeadlineProblem::Ambiguous)
        }
        CellValue::Text(text) => parse_month_text(text),
        CellValue::Bool(_) | CellValue::Error(_) => Err(DeadlineProblem::Invalid),
    }
}

/// A deadline's month: this century's, as every deadline of the notice is.
fn year_month(year: i32, month: u32) -> Result<YearMonth, DeadlineProblem> {
    YearMonth::new(year, month)
        .filter(|_| (2000..=2099).contains(&year))
        .ok_or(DeadlineProblem::Invalid)
}

/// `2020.1` exactly as Excel displays the number 2020.10 in a General cell, which is what its
/// CSV holds.
fn is_number_with_trailing_zero_lost(text: &str) -> bool {
    text.trim()
        .strip_suffix(".1")
        .is_some_and(|year| year.len() == 4 && year.bytes().all(|b| b.is_ascii_digit()))
}

/// Dashes clerks type, between the ends of a range or between the parts of one date
/// (2020-06); [`read_range`] tells the two uses apart.
const HYPHENS: &[char] = &['-', '‐', '‑', '‒', '–', '—', '―', '−', '﹣', '－'];

/// What else clerks put between the ends of a range, or between the months of a list
/// (2020年6月、8月), which is due at its last month just the same.
const RANGE_WORDS: &[char] = &['~', '～', '〜', '至', '到', '、', '及', '和'];

fn is_range_mark(c: char) -> bool {
    HYPHENS.contains(&c) || RANGE_WORDS.contains(&c)
}

fn parse_month_text(text: &str) -> Result<YearMonth, DeadlineProblem> {
    /// Longer than any date or range clerks write; a range is read in time quadratic in its
    /// dashes, so a pasted paragraph is refused before that.
    const LONGEST_DEADLINE_CHARS: usize = 64;
    let text = squeeze(text);
    if text.chars().count() > LONGEST_DEADLINE_CHARS {
        return Err(DeadlineProblem::Invalid);
    }
    let text = ascii_digits(&chinese_numerals_in_dates(&text));
    if text.is_empty() {
        return Err(DeadlineProblem::Missing);
    }
    let text = comma_for_point(&text).unwrap_or(text);
    if let Some(range) = read_range(&text) {
        return range;
    }
    // 2020年6月— with the end left out: the start is all there is.
    let text = text.trim_end_matches(is_range_mark);
    if let Some(written) = WrittenDate::read(text) {
        if !written.is_one_date() {
            return Err(DeadlineProblem::Invalid);
        }
        return match written.year_month() {
            Some((y, m)) => year_month(y, m),
            None if written.is_year_only() => Err(DeadlineProblem::NotMonth),
            None => Err(DeadlineProblem::Invalid),
        };
    }
    if text.contains("年底")
        || text.contains("年末")
        || text.contains("半年")
        || text.contains("季度")
        || (WrittenDate::leading_year(text).is_some()
            && !text[4..].contains(|c: char| c.is_ascii_digit()))
    {
        return Err(DeadlineProblem::NotMonth);
    }
    Err(DeadlineProblem::Invalid)
}

/// A range read to its end month, or `None` when the text holds no range (2020-06 and
/// 2020-06-30 are one date, not ranges). The end may omit the year (2020年6-8月, 2020.6-8),
/// then it is the start's year.
fn read_range(text: &str) -> Option<Result<YearMonth, DeadlineProblem>> {
    for (at, dash) in text.char_indices().filter(|&(_, c)| is_range_mark(c)) {
        // A doubled dash (——) is one dash.
        let end_text = text[at + dash.len_utf8()..].trim_start_matches(is_range_mark);
        let Some(end) = WrittenDate::read(end_text) else {
            continue;
        };
        let start = WrittenDate::read(&text[..at]);
        let start_month = start.as_ref().and_then(WrittenDate::year_month);
        let (Some(start), Some((start_year, start_month))) = (start, start_month) else {
            // 2020年上半年—2020年8月: a start without its month, an end with its own year.
            if let Some(start_year) = WrittenDate::leading_year(&text[..at])
                && end.has_year()
                && let Some((end_year, end_month)) = end.year_month()
            {
                let end = year_month(end_year, end_month);
                return Some(match end {
                    Ok(end) if start_year.parse().is_ok_and(|year: i32| end.year() < year) => {
                        Err(DeadlineProblem::RangeReversed {
                            start: format!("{start_year}年"),
                            end,
                        })
                    }
                    end => end,
                });
            }
            continue;
        };
        let (end_year, end_month) = if end.has_year() {
            match end.year_month() {
                Some(ym) => ym,
                // 2019年9月—2020年底: the end is no month.
                None if end.is_year_only() => return Some(Err(DeadlineProblem::NotMonth)),
                None => continue,
            }
        } else {
            // 2020-6-8 is the 8th of June, written with one separator throughout.
            let same_separator = start
                .separators
                .first()
                .is_some_and(|s| s.starts_with(dash));
            if end.is_bare_number() && same_separator {
                continue;
            }
            match end.month_day() {
                Some(month) => (start_year, month),
                // 2020年6月1日-30日: days of the start's month.
                None if start.numbers.len() == 3 && end.is_day() => (start_year, start_month),
                None => continue,
            }
        };
        let start = year_month(start_year, start_month);
        let end = year_month(end_year, end_month);
        return Some(match (start, end) {
            (Ok(start), Ok(end)) if end < start => Err(DeadlineProblem::RangeReversed {
                start: start.zh(),
                end,
            }),
            (_, end) => end,
        });
    }
    None
}

/// Chinese numerals where a date has them: 二〇二〇年 and 二零二零年 as 2020年, 六月 and 十二月 as
/// 6月 and 12月. Other numerals (第二季度) stay.
fn chinese_numerals_in_dates(text: &str) -> String {
    let digit = |c: char| match c {
        '〇' | '零' => Some(0),
        _ => "一二三四五六七八九"
            .chars()
            .position(|d| d == c)
            .map(|p| p + 1),
    };
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let run = chars[i..]
            .iter()
            .take_while(|&&c| digit(c).is_some() || c == '十')
            .count();
        let unit = chars.get(i + run).copied();
        let numerals = &chars[i..i + run];
        let month = || match numerals {
            ['十'] => Some(10),
            ['十', ones] => digit(*ones).filter(|d| (1..=2).contains(d)).map(|d| 10 + d),
            [ones] => digit(*ones).filter(|&d| d >= 1),
            _ => None,
        };
        let year = || {
            (numerals.len() == 4)
                .then(|| {
                    numerals
                        .iter()
                        .map(|&c| digit(c))
                        .collect::<Option<Vec<_>>>()
                })
                .flatten()
                .map(|ds| ds.iter().map(ToString::to_string).collect::<String>())
        };
        let written = match unit {
            Some('年') if run > 0 => year(),
            Some('月') if run > 0 => month().map(|m| m.to_string()),
            _ => None,
        };
        match written {
            Some(number) => {
                out.push_str(&number);
                i += run;
            }
            None => {
                out.extend(&chars[i..i + run.max(1)]);
                i += run.max(1);
            }
        }
    }
    out
}

/// `2020,6` and `2020，6`: a comma typed for the point, read as `2020.6`.
fn comma_for_point(text: &str) -> Option<String> {
    let year = WrittenDate::leading_year(text)?;
    let rest = text[4..].strip_prefix([',', '，'])?;
    let digits = rest.chars().take_while(char::is_ascii_digit).count();
    (1..=2).contains(&digits).then(|| format!("{year}.{rest}"))
}

/// The numbers of one date as written (2020年6月30日, 2020.6, 8月底, 20200630) and the run
/// of separators after each, up to an allowed tail (底, 前, 份…).
#[derive(Debug)]
struct WrittenDate {
    /// Each number with the count of digits it was written with.
    numbers: Vec<(u32, usize)>,
    /// The separators after each number (`年`, `.`, `月-`), empty after the last if none.
    separators: Vec<String>,
}

impl WrittenDate {
    const ALLOWED_TAIL: [&str; 12] = [
        "底", "末", "前", "份", "以前", "之前", "前后", "中旬", "上旬", "下旬", "初", "内",
    ];

    fn is_separator(c: char) -> bool {
        matches!(
            c,
            '年' | '月' | '日' | '号' | '.' | '/' | '．' | '／' | '、'
        ) || HYPHENS.contains(&c)
    }

    /// The date written at the start of `text`, when everything after it is an allowed tail.
    fn read(text: &str) -> Option<WrittenDate> {
        let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        // 20200630 and 202006.
        if all_digits(text) && (text.len() == 8 || text.len() == 6) {
            let number = |range: std::ops::Range<usize>| text[range].parse().ok();
            let mut numbers = vec![(number(0..4)?, 4), (number(4..6)?, 2)];
            if text.len() == 8 {
                numbers.push((number(6..8)?, 2));
            }
            let separators = vec![String::new(); numbers.len()];
            return Some(WrittenDate {
                numbers,
                separators,
            });
        }
        let mut numbers = Vec::new();
        let mut separators = Vec::new();
        let mut rest = text;
        while numbers.len() < 3 {
            let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
            if digits == 0 || digits > 4 {
                break;
            }
            numbers.push((rest[..digits].parse().ok()?, digits));
            rest = &rest[digits..];
            let run: usize = rest
                .chars()
                .take_while(|&c| Self::is_separator(c))
                .map(char::len_utf8)
                .sum();
            separators.push(rest[..run].to_owned());
            rest = &rest[run..];
        }
        // 20年6月: a two-digit year, said so by its 年.
        if let (Some(first), Some(run)) = (numbers.first_mut(), separators.first())
            && first.1 == 2
            && run.starts_with('年')
        {
            *first = (2000 + first.0, 4);
        }
        let tail_ok = rest.is_empty() || Self::ALLOWED_TAIL.iter().any(|t| rest.starts_with(t));
        (!numbers.is_empty() && tail_ok).then_some(WrittenDate {
            numbers,
            separators,
        })
    }

    /// A four-digit year at the start of `text` (2020年上半年, 2020,6).
    fn leading_year(text: &str) -> Option<&str> {
        let year = text.get(..4)?;
        let is_year = year.bytes().all(|b| b.is_ascii_digit())
            && !text[4..].starts_with(|c: char| c.is_ascii_digit());
        is_year.then_some(year)
    }

    fn has_year(&self) -> bool {
        self.numbers.first().is_some_and(|&(_, digits)| digits == 4)
    }

    fn is_year_only(&self) -> bool {
        self.has_year() && self.numbers.len() == 1
    }

    /// One number and nothing after it (the `8` of 2020.6-8).
    fn is_bare_number(&self) -> bool {
        self.numbers.len() == 1 && self.separators.iter().all(String::is_empty)
    }

    /// One date uses no dash between its numbers, or the same hyphen throughout (2020-06-30).
    /// One date has no dash or list mark between its numbers, or the same single one between
    /// each (2020-06-30, 2020–08); 2020年6月-8月 is no one date.
    fn is_one_date(&self) -> bool {
        let between = &self.separators[..self.numbers.len() - 1];
        let plain = |s: &String| !s.contains(is_range_mark);
        between.iter().all(plain)
            || (between.iter().all(|s| s.chars().count() == 1)
                && between.windows(2).all(|w| w[0] == w[1]))
    }

    /// Year and month, when a valid day (if any) follows.
    fn year_month(&self) -> Option<(i32, u32)> {
        match self.numbers.as_slice() {
            [(year, 4), (month, 1..=2), rest @ ..] if Self::day_ok(rest) => {
                Some((i32::try_from(*year).ok()?, *month))
            }
            _ => None,
        }
    }

    /// The month of an end written without its year (8月, 8月31日, 08).
    fn month_day(&self) -> Option<u32> {
        match self.numbers.as_slice() {
            [(month, 1..=2), rest @ ..] if (1..=12).contains(month) && Self::day_ok(rest) => {
                Some(*month)
            }
            _ => None,
        }
    }

    /// A day alone (30日, 30号).
    fn is_day(&self) -> bool {
        matches!(self.numbers.as_slice(), [(day, 1..=2)] if (1..=31).contains(day))
            && self
                .separators
                .first()
                .is_some_and(|s| s.starts_with(['日', '号']))
    }

    fn day_ok(rest: &[(u32, usize)]) -> bool {
        match rest {
            [] => true,
            [(day, 1..=2)] => (1..=31).contains(day),
            _ => false,
        }
    }
}

/// The numbers of a date written as 2020年6月30日, 2020.6.30, 2020-06, 2020/09 or 20200630:
/// a year first, then month and day when present. Anything after them that is no further
/// number (底, 前, 份, 以前) is ignored; a number glued to other text is not a date.
fn date_parts(text: &str) -> Vec<i32> {
    let is_sep = |c: char| {
        matches!(
            c,
            '年' | '月' | '日' | '号' | '.' | '-' | '/' | '．' | '／' | '－' | '、'
        )
    };
    let allowed_tail = [
        "底", "末", "前", "份", "以前", "之前", "前后", "中旬", "上旬", "下旬", "初",
    ];
    if text.len() == 8 && text.chars().all(|c| c.is_ascii_digit()) {
        return vec![
            text[..4].parse().unwrap_or(0),
            text[4..6].parse().unwrap_or(0),
            text[6..].parse().unwrap_or(0),
        ];
    }
    if text.len() == 6 && text.chars().all(|c| c.is_ascii_digit()) {
        return vec![
            text[..4].parse().unwrap_or(0),
            text[4..].parse().unwrap_or(0),
        ];
    }
    let mut parts = Vec::new();
    let mut rest = text;
    loop {
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        if digits.is_empty() || digits.len() > 4 {
            break;
        }
        parts.push(digits.parse().unwrap_or(0));
        rest = &rest[digits.len()..];
        let seps: usize = rest
            .chars()
            .take_while(|&c| is_sep(c))
            .map(char::len_utf8)
            .sum();
        if seps == 0 {
            break;
        }
        rest = &rest[seps..];
        if parts.len() == 3 {
            break;
        }
    }
    let tail_ok = rest.is_empty() || allowed_tail.iter().any(|t| rest.starts_with(t));
    if parts.is_empty() || !tail_ok || parts[0] < 1000 {
        // Keep just the year so "2020年上半年" is told apart from nonsense.
        if let Some(&year) = parts.first()
            && parts.len() == 1
            && year >= 1000
        {
            return vec![year];
        }
        return Vec::new();
    }
    parts
}

/// Full-width digits (２０２０) as ASCII.
fn ascii_digits(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '０'..='９' => char::from(b'0' + (c as u32 - '０' as u32) as u8),
            c => c,
        })
        .collect()
}

/// An Excel serial day number within 2000–2099, for date cells whose format was lost.
fn excel_serial(n: f64) -> Option<NaiveDate> {
    if n.fract() != 0.0 || !(36_526.0..=73_050.0).contains(&n) {
        return None;
    }
    NaiveDate::from_ymd_opt(1899, 12, 30)?.checked_add_days(chrono::Days::new(n as u64))
}

/// Reads a full date (填报日期).
pub fn parse_date(value: &CellValue) -> Option<NaiveDate> {
    match value {
        CellValue::Date(date) => Some(*date),
        CellValue::Number(n) => excel_serial(*n).or_else(|| {
            let n = *n as i64;
            NaiveDate::from_ymd_opt(
                (n / 10_000) as i32,
                (n / 100 % 100) as u32,
                (n % 100) as u32,
            )
            .filter(|d| (2000..=2099).contains(&d.year()))
        }),
        CellValue::Text(text) => {
            let text = ascii_digits(&squeeze(text));
            match date_parts(&text).as_slice() {
                [y, m, d] => {
                    NaiveDate::from_ymd_opt(*y, u32::try_from(*m).ok()?, u32::try_from(*d).ok()?)
                }
                _ => None,
            }
        }
        _ => None,
    }
}

fn filed_on(found: &Found, diags: &mut Vec<Diagnostic>) -> Option<(NaiveDate, Location)> {
    let labels: Vec<_> = found
        .labels
        .iter()
        .filter(|l| l.label == Label::FiledOn)
        .collect();
    if labels.is_empty() || labels.iter().all(|l| l.field.is_empty()) {
        diags.push(
            Diagnostic::new(Rule::FiledOnMissing, None, "没有找到填报日期")
                .with_hint("在表头“填报日期：”后填写日期，例如“2019年5月20日”"),
        );
        return None;
    }
    let mut first_bad = None;
    for label in &labels {
        if let Some(date) = parse_date(&label.field.value) {
            return Some((date, label.field.cell.clone()));
        }
        first_bad.get_or_insert(label);
    }
    if let Some(label) = first_bad {
        diags.push(
            Diagnostic::new(
                Rule::FiledOnInvalid,
                Some(label.field.cell.clone()),
                format!("无法识别填报日期「{}」", label.field.text().trim()),
            )
            .with_hint("填写完整日期，例如“2019年5月20日”"),
        );
    }
    None
}

/// The county, from the forms' 县（市、区）名称, the 创建时间 sheet, or the file name.
fn county(
    found: &Found,
    file: &str,
    on: Option<NaiveDate>,
    diags: &mut Vec<Diagnostic>,
) -> (Option<CountyRef>, Option<Location>) {
    let reg = registry();
    let mut candidates: Vec<(String, Option<Location>)> = found
        .labels
        .iter()
        .filter(|l| l.label == Label::County && !l.field.is_empty())
        .map(|l| (l.field.text(), Some(l.field.cell.clone())))
        .collect();
    candidates.extend(
        found
            .plan_rows
            .iter()
            .filter(|p| !p.county.is_empty())
            .map(|p| (p.county.text(), Some(p.county.cell.clone()))),
    );
    let explicit_city = found
        .plan_rows
        .iter()
        .filter_map(|p| p.city.as_ref())
        .chain(
            found
                .labels
                .iter()
                .filter(|l| l.label == Label::City)
                .map(|l| &l.field),
        )
        .find(|f| !f.is_empty())
        .cloned();

    let (text, cell) = match candidates.first() {
        Some(first) => first.clone(),
        None => match county_in_file_name(file) {
            Some(division) => {
                diags.push(
                    Diagnostic::new(
                        Rule::CountyFromFilename,
                        None,
                        format!(
                            "表格中没有填写县（市、区）名称，按文件名认定为{}",
                            division.name
                        ),
                    )
                    .with_hint("请在表头“县（市、区）名称：”后填写本县（市、区）名称"),
                );
                return (Some(division.to_ref()), None);
            }
            None => {
                diags.push(
                    Diagnostic::new(Rule::CountyMissing, None, "没有找到县（市、区）名称")
                        .with_hint("在表头“县（市、区）名称：”后填写，例如“西湖区”"),
                );
                return (None, None);
            }
        },
    };

    let division = match reg.county(&text, on) {
        CountyMatch::Exact(d) => d,
        CountyMatch::WithoutSuffix(d) => {
            diags.push(
                Diagnostic::new(
                    Rule::CountySuffixMissing,
                    cell.clone(),
                    format!(
                        "县（市、区）名称「{}」不完整，按{}{}处理",
                        text.trim(),
                        d.city,
                        d.name
                    ),
                )
                .with_hint(format!("请写全称“{}”", d.name)),
            );
            d
        }
        CountyMatch::NotFound => {
            // 宁波市西湖区: a real county written under the wrong city.
            let bare = strip_any_city(&text);
            if let Some(bare) = bare
                && let CountyMatch::Exact(d) | CountyMatch::WithoutSuffix(d) = reg.county(&bare, on)
            {
                diags.push(
                    Diagnostic::new(
                        Rule::CountyCityMismatch,
                        cell.clone(),
                        format!(
                            "「{}」与所属设区市不符：{}属于{}",
                            text.trim(),
                            d.name,
                            d.city
                        ),
                    )
                    .with_hint(format!("请核对，应为“{}{}”", d.city, d.name)),
                );
                return (None, cell);
            }
            diags.push(
                Diagnostic::new(
                    Rule::UnknownCounty,
                    cell.clone(),
                    format!("「{}」不是浙江省的县（市、区）", text.trim()),
                )
                .with_hint("请填写规范名称，例如“西湖区”“桐庐县”“建德市”"),
            );
            return (None, cell);
        }
    };

    if let Some(city_field) = &explicit_city {
        let city_text = city_field.text();
        match reg.city(&city_text) {
            Some((city, _)) if city == division.city => {}
            _ => {
                diags.push(
                    Diagnostic::new(
                        Rule::CountyCityMismatch,
                        Some(city_field.cell.clone()),
                        format!(
                            "所属设区市「{}」与{}不符：{}属于{}",
                            city_text.trim(),
                            division.name,
                            division.name,
                            division.city
                        ),
                    )
                    .with_hint(format!(
                        "请核对县（市、区）名称和所属设区市，{}应填“{}”",
                        division.name, division.city
                    )),
                );
                return (None, cell);
            }
        }
    }

    // Other places naming the county must agree with the first.
    for (other, other_cell) in candidates.iter().skip(1) {
        let same = match reg.county(other, on) {
            CountyMatch::Exact(d) | CountyMatch::WithoutSuffix(d) => d.code == division.code,
            CountyMatch::NotFound => false,
        };
        if !same {
            diags.push(
                Diagnostic::new(
                    Rule::CountyCityMismatch,
                    other_cell.clone(),
                    format!(
                        "这里填写的县（市、区）「{}」与本文件其他位置的「{}」不一致",
                        other.trim(),
                        division.name
                    ),
                )
                .with_hint("一个文件只填报一个县（市、区）"),
            );
        }
    }

    let date = on.unwrap_or_else(domain::reference_date);
    if !division.valid_on(date) {
        let when = match (division.valid_from, division.valid_to) {
            (Some(from), _) if date < from => format!("{}设立", from.format("%Y年%-m月%-d日")),
            (_, Some(to)) => format!("{}撤销", to.format("%Y年%-m月%-d日")),
            _ => String::new(),
        };
        diags.push(
            Diagnostic::new(
                Rule::DivisionNotValid,
                cell.clone(),
                format!(
                    "{}于{}，填报日期{}时不存在",
                    division.name,
                    when,
                    date.format("%Y年%-m月%-d日")
                ),
            )
            .with_hint("请核对县（市、区）名称或填报日期"),
        );
    }
    (Some(division.to_ref()), cell)
}

/// The text without a leading city name of any city.
fn strip_any_city(text: &str) -> Option<String> {
    let text = squeeze(text);
    let text = text.strip_prefix("浙江省").unwrap_or(&text);
    for (city, _) in registry().cities() {
        let stem = city.trim_end_matches('市');
        for prefix in [city, stem] {
            if let Some(rest) = text.strip_prefix(prefix)
                && rest.chars().count() >= 2
            {
                return Some(rest.to_owned());
            }
        }
    }
    // A city that is not one of Zhejiang's: drop everything up to its 市.
    text.split_once('市')
        .map(|(_, rest)| rest.to_owned())
        .filter(|r| r.chars().count() >= 2)
}

/// A division whose full name appears in the file name (西湖区整改清单.xlsx).
fn county_in_file_name(file: &str) -> Option<&'static domain::Division> {
    let stem = std::path::Path::new(file)
        .file_stem()?
        .to_string_lossy()
        .into_owned();
    let on = domain::reference_date();
    let mut hits: Vec<_> = registry()
        .divisions
        .iter()
        .filter(|d| stem.contains(&d.name))
        .collect();
    hits.sort_by_key(|d| (!d.valid_on(on), std::cmp::Reverse(d.name.chars().count())));
    hits.first().copied()
}

fn plan_year(found: &Found, diags: &mut Vec<Diagnostic>) -> (Option<PlanYear>, Option<Location>) {
    let fields: Vec<&Field> = found
        .plan_rows
        .iter()
        .map(|p| &p.year)
        .chain(
            found
                .labels
                .iter()
                .filter(|l| l.label == Label::PlanYear)
                .map(|l| &l.field),
        )
        .filter(|f| !f.is_empty())
        .collect();
    let Some(first) = fields.first() else {
        diags.push(
            Diagnostic::new(Rule::PlanYearMissing, None, "没有找到计划创建年份")
                .with_hint("在“创建时间”表或“计划创建年份：”后填写，例如“2020年”或“2023年及以后”"),
        );
        return (None, None);
    };
    match parse_plan_year(&first.value) {
        Some(year) => {
            for other in &fields[1..] {
                if parse_plan_year(&other.value).is_some_and(|y| y != year) {
                    diags.push(
                        Diagnostic::new(
                            Rule::PlanYearConflict,
                            Some(other.cell.clone()),
                            format!(
                                "计划创建年份「{}」与{}填写的「{}」不一致",
                                other.text().trim(),
                                first.cell,
                                first.text().trim()
                            ),
                        )
                        .with_hint("一个县（市、区）只填一个计划创建年份"),
                    );
                }
            }
            (Some(year), Some(first.cell.clone()))
        }
        None => {
            diags.push(
                Diagnostic::new(
                    Rule::PlanYearInvalid,
                    Some(first.cell.clone()),
                    format!(
                        "计划创建年份「{}」无法识别或早于2019年",
                        first.text().trim()
                    ),
                )
                .with_hint(format!("只能填写{}", notice::plan_year_choices())),
            );
            (None, Some(first.cell.clone()))
        }
    }
}

/// Reads 2020, 2020年, 2023年及以后, 2025年.
pub fn parse_plan_year(value: &CellValue) -> Option<PlanYear> {
    let year = match value {
        CellValue::Number(n) if n.fract() == 0.0 => *n as i32,
        CellValue::Date(date) => date.year(),
        CellValue::Text(text) => {
            let text = ascii_digits(&squeeze(text));
            let digits: String = text.chars().take_while(char::is_ascii_digit).collect();
            let rest = &text[digits.len()..];
            let tail_ok = [
                "",
                "年",
                "年及以后",
                "年以后",
                "年及之后",
                "年后",
                "及以后",
                "年度",
            ]
            .contains(&rest);
            if digits.len() != 4 || !tail_ok {
                return None;
            }
            digits.parse().ok()?
        }
        _ => return None,
    };
    PlanYear::from_year(year)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::intake::iso_date_cell;

    fn text(s: &str) -> CellValue {
        CellValue::Text(s.into())
    }

    fn ym(s: &str) -> YearMonth {
        YearMonth::parse(s).unwrap()
    }

    #[test]
    fn numbering_is_stripped_but_decimals_stay() {
        assert_eq!(strip_numbering("1.操场面积不足"), "操场面积不足");
        assert_eq!(strip_numbering("12、班额"), "班额");
        assert_eq!(strip_numbering("（3）编制"), "编制");
        assert_eq!(strip_numbering("(3)编制"), "编制");
        assert_eq!(strip_numbering("①骨干"), "骨干");
        assert_eq!(strip_numbering("二、布局"), "布局");
        assert_eq!(strip_numbering("1.5万平方米"), "1.5万平方米");
        assert_eq!(strip_numbering("2020年"), "2020年");
        assert_eq!(clean_text("  1. 文三街小学 \n"), "文三街小学");
        assert_eq!(clean_text("甲\n乙"), "甲\n乙");
    }

    #[test]
    fn control_characters_go_and_line_breaks_stay() {
        assert_eq!(
            without_control_characters("甲\u{1}乙\u{1b}丙\u{7f}丁\u{85}\u{1}"),
            (
                "甲乙丙丁".to_owned(),
                vec!['\u{1}', '\u{1b}', '\u{7f}', '\u{85}']
            )
        );
        assert_eq!(
            without_control_characters("甲\t乙\r\n丙\r丁\n戊"),
            ("甲 乙\n丙\n丁\n戊".to_owned(), vec![])
        );
        assert_eq!(without_control_characters("甲\n乙").0, "甲\n乙");
    }

    #[test]
    fn deadlines_in_every_written_form() {
        for (input, want) in [
            ("2020年6月", "2020-06"),
            ("2020.6", "2020-06"),
            ("2020/09", "2020-09"),
            ("2021年3月底", "2021-03"),
            ("2020-06", "2020-06"),
            ("2020年6月30日", "2020-06"),
            ("２０２０年１２月", "2020-12"),
            ("2020年06月份", "2020-06"),
            ("2019年9月—2020年6月", "2020-06"),
            ("2020.06.30", "2020-06"),
        ] {
            assert_eq!(parse_deadline(&text(input)), Ok(ym(want)), "{input}");
        }
        assert_eq!(
            parse_deadline(&text("2020年")),
            Err(DeadlineProblem::NotMonth)
        );
        assert_eq!(
            parse_deadline(&text("2020年底")),
            Err(DeadlineProblem::NotMonth)
        );
        assert_eq!(
            parse_deadline(&text("2020年上半年")),
            Err(DeadlineProblem::NotMonth)
        );
        assert_eq!(parse_deadline(&text("尽快")), Err(DeadlineProblem::Invalid));
        assert_eq!(
            parse_deadline(&text("2020年13月")),
            Err(DeadlineProblem::Invalid)
        );
        assert_eq!(
            parse_deadline(&CellValue::Empty),
            Err(DeadlineProblem::Missing)
        );
    }

    /// Every range reads to its end month, whatever stands between the ends (issue 13: an
    /// ASCII hyphen, an en dash and a full-width minus were refused, `2020年6-8月` read as June).
    #[test]
    fn deadline_ranges_read_to_their_end_with_every_dash() {
        for dash in [
            "-", "‐", "‑", "‒", "–", "—", "――", "——", "―", "−", "﹣", "－", "~", "～", "〜", "至",
            "到",
        ] {
            for (input, want) in [
                (format!("2019年9月{dash}2020年6月"), "2020-06"),
                (format!("2019年9月 {dash} 2020年6月"), "2020-06"),
                (format!("2020年6{dash}8月"), "2020-08"),
                (format!("2020年6月{dash}8月"), "2020-08"),
                (format!("2020年6月 {dash} 8月"), "2020-08"),
                (format!("2019.9{dash}2020.6"), "2020-06"),
                (format!("2020.6{dash}8"), "2020-08"),
                (format!("2019年11月{dash}2020年2月"), "2020-02"),
                (format!("2020/6{dash}2020/8"), "2020-08"),
                (format!("2020.06{dash}2020.08"), "2020-08"),
                (format!("2020年6月1日{dash}8月31日"), "2020-08"),
                (format!("２０２０年６月{dash}８月"), "2020-08"),
            ] {
                assert_eq!(parse_deadline(&text(&input)), Ok(ym(want)), "{input}");
            }
            assert_eq!(
                parse_deadline(&text(&format!("2020年8月{dash}6月"))),
                Err(DeadlineProblem::RangeReversed {
                    start: "2020年8月".into(),
                    end: ym("2020-06")
                }),
                "{dash}"
            );
        }
    }

    #[test]
    fn deadline_ranges_the_issue_does_not_name() {
        for (input, want) in [
            ("2020年6月至8月底", "2020-08"),
            ("2020年6月至2020年8月底前", "2020-08"),
            ("2020.06—2020.08", "2020-08"),
            ("2020/6-2020/8", "2020-08"),
            ("2020-06—2020-08", "2020-08"),
            ("2020-06-2020-08", "2020-08"),
            ("2020.6-2020.8月", "2020-08"),
            ("202006-202008", "2020-08"),
            ("2020年6月到8月", "2020-08"),
            ("2020年6月-8", "2020-08"),
            ("2020年6月-6月", "2020-06"),
            ("2020年6月前到位", "2020-06"),
            ("2020年6月1日-30日", "2020-06"),
            ("2020.6.1—2020.8.31", "2020-08"),
            ("2020-6-1至2020-8-31", "2020-08"),
            ("2020-06-01-2020-08-31", "2020-08"),
            ("2020年6月份-8月份", "2020-08"),
            ("2020年6月底至8月底", "2020-08"),
            ("2020年6月—", "2020-06"),
            ("2020年6月～", "2020-06"),
            ("2020年6-8", "2020-08"),
            ("2020年06-08月", "2020-08"),
            ("2020.6月-8月", "2020-08"),
            ("2020,6-8", "2020-08"),
            // A start without its month, an end with its own year.
            ("2020年上半年-2020年8月", "2020-08"),
            ("2020年-2021年6月", "2021-06"),
            // A list of months is due at its last.
            ("2020年6月、8月", "2020-08"),
            ("2020年6月及8月", "2020-08"),
            ("2020年6月和2020年8月", "2020-08"),
            // Two-digit years said so by 年, Chinese numerals.
            ("19年9月-20年6月", "2020-06"),
            ("20年6月", "2020-06"),
            ("2020年六月", "2020-06"),
            ("二〇二〇年十二月", "2020-12"),
            ("二零二零年六月至八月", "2020-08"),
            ("2020年十一月", "2020-11"),
        ] {
            assert_eq!(parse_deadline(&text(input)), Ok(ym(want)), "{input}");
        }
        // The end has no month.
        assert_eq!(
            parse_deadline(&text("2019年9月—2020年底")),
            Err(DeadlineProblem::NotMonth)
        );
        assert_eq!(
            parse_deadline(&text("2019年9月-2020年")),
            Err(DeadlineProblem::NotMonth)
        );
        // Across a year end with the year written once: the end is before the start.
        assert_eq!(
            parse_deadline(&text("2020年11月-2月")),
            Err(DeadlineProblem::RangeReversed {
                start: "2020年11月".into(),
                end: ym("2020-02")
            })
        );
        assert_eq!(
            parse_deadline(&text("2020年6月—13月")),
            Err(DeadlineProblem::Invalid)
        );
        assert_eq!(
            parse_deadline(&text("2020年6月—尽快")),
            Err(DeadlineProblem::Invalid)
        );
        assert_eq!(
            parse_deadline(&text("2021年上半年-2020年8月")),
            Err(DeadlineProblem::RangeReversed {
                start: "2021年".into(),
                end: ym("2020-08")
            })
        );
        assert_eq!(
            parse_deadline(&text(&"-".repeat(100_000))),
            Err(DeadlineProblem::Invalid)
        );
        assert_eq!(
            parse_deadline(&text("2020年第二季度")),
            Err(DeadlineProblem::NotMonth)
        );
        assert_eq!(
            parse_deadline(&text("2020年十三月")),
            Err(DeadlineProblem::NotMonth)
        );
    }

    /// A date written with one hyphen throughout is one date, not a range.
    #[test]
    fn hyphenated_dates_are_not_ranges() {
        for (input, want) in [
            ("2020-06", "2020-06"),
            ("2020-6", "2020-06"),
            ("2020-06-30", "2020-06"),
            ("2020-6-8", "2020-06"),
            ("2020－06－30", "2020-06"),
            ("2020－06", "2020-06"),
            ("20200630", "2020-06"),
            ("202006", "2020-06"),
            ("2020.6.8", "2020-06"),
            ("2020–08", "2020-08"),
            ("2020—08", "2020-08"),
            ("2020、6", "2020-06"),
        ] {
            assert_eq!(parse_deadline(&text(input)), Ok(ym(want)), "{input}");
        }
    }

    #[test]
    fn a_reversed_range_names_both_months_in_words() {
        let field = Field {
            cell: Location::new("学校整改清单", 5, 3),
            value: text("2020年8月-6月"),
        };
        let problem = parse_deadline(&field.value).expect_err("reversed");
        let diagnostic = problem.diagnostic(&field);
        assert_eq!(diagnostic.rule, Rule::DeadlineRangeReversed);
        assert_eq!(
            diagnostic.message,
            "完成时限「2020年8月-6月」的结束月份（2020年6月）早于开始月份（2020年8月）"
        );
    }

    #[test]
    fn a_comma_typed_for_the_point_is_a_month() {
        for (input, want) in [
            ("2020,6", "2020-06"),
            ("2020，6", "2020-06"),
            ("2020, 12", "2020-12"),
            ("2020,06月", "2020-06"),
            ("2020,1", "2020-01"),
        ] {
            assert_eq!(parse_deadline(&text(input)), Ok(ym(want)), "{input}");
        }
        assert_eq!(
            parse_deadline(&text("2020,13")),
            Err(DeadlineProblem::Invalid)
        );
        assert_eq!(
            parse_deadline(&text("2020,上半年")),
            Err(DeadlineProblem::NotMonth)
        );
    }

    /// A CSV holds what Excel displayed: the text `2020.1` may be a typed 2020.10 (issue 13:
    /// read silently as January).
    #[test]
    fn text_2020_1_is_ambiguous_only_where_cells_are_displayed_text() {
        let csv = CellTyping::DisplayedText;
        assert_eq!(
            parse_deadline_in(&text("2020.1"), csv),
            Err(DeadlineProblem::Ambiguous)
        );
        assert_eq!(
            parse_deadline_in(&text(" 2020.1 "), csv),
            Err(DeadlineProblem::Ambiguous)
        );
        assert_eq!(parse_deadline_in(&text("2020.10"), csv), Ok(ym("2020-10")));
        assert_eq!(parse_deadline_in(&text("2020.6"), csv), Ok(ym("2020-06")));
        assert_eq!(
            parse_deadline_in(&text("2020.1-2020.6"), csv),
            Ok(ym("2020-06"))
        );
        assert_eq!(
            parse_deadline_in(&text("2020年1月"), csv),
            Ok(ym("2020-01"))
        );
        // In an xlsx, a text cell was typed as text: 2020.1 is January.
        assert_eq!(parse_deadline(&text("2020.1")), Ok(ym("2020-01")));
        assert_eq!(CellTyping::from(Format::Csv), csv);
        assert_eq!(CellTyping::from(Format::Ods), CellTyping::Typed);
    }

    #[test]
    fn deadline_numbers_and_dates() {
        assert_eq!(
            parse_deadline(&CellValue::Number(2020.6)),
            Ok(ym("2020-06"))
        );
        assert_eq!(
            parse_deadline(&CellValue::Number(2020.12)),
            Ok(ym("2020-12"))
        );
        assert_eq!(
            parse_deadline(&CellValue::Number(2020.1)),
            Err(DeadlineProblem::Ambiguous)
        );
        assert_eq!(
            parse_deadline(&CellValue::Number(2020.0)),
            Err(DeadlineProblem::NotMonth)
        );
        assert_eq!(
            parse_deadline(&CellValue::Date(
                NaiveDate::from_ymd_opt(2020, 8, 31).unwrap()
            )),
            Ok(ym("2020-08"))
        );
        assert_eq!(
            parse_deadline(&iso_date_cell("2020-08-31")),
            Ok(ym("2020-08"))
        );
        // 44074 is 2020-08-31 as an Excel serial whose date format was lost.
        assert_eq!(
            parse_deadline(&CellValue::Number(44074.0)),
            Ok(ym("2020-08"))
        );
    }

    #[test]
    fn filing_dates() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day);
        assert_eq!(parse_date(&text("2019年5月20日")), d(2019, 5, 20));
        assert_eq!(parse_date(&text("2019.5.30")), d(2019, 5, 30));
        assert_eq!(parse_date(&text("2019-05-28")), d(2019, 5, 28));
        assert_eq!(parse_date(&text("2019/5/28")), d(2019, 5, 28));
        assert_eq!(parse_date(&text("20190528")), d(2019, 5, 28));
        assert_eq!(parse_date(&text("2019年5月")), None);
        assert_eq!(
            parse_date(&iso_date_cell("2019-05-20T00:00:00")),
            d(2019, 5, 20)
        );
    }

    #[test]
    fn plan_years() {
        assert_eq!(parse_plan_year(&text("2020年")), Some(PlanYear::Y2020));
        assert_eq!(
            parse_plan_year(&text("2023年及以后")),
            Some(PlanYear::Later)
        );
        assert_eq!(parse_plan_year(&text("2025")), Some(PlanYear::Later));
        assert_eq!(
            parse_plan_year(&CellValue::Number(2019.0)),
            Some(PlanYear::Y2019)
        );
        assert_eq!(parse_plan_year(&text("2018年")), None);
        assert_eq!(parse_plan_year(&text("待定")), None);
    }
}
