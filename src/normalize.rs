//! Raw forms → the submission model. Text is trimmed of outer whitespace and numbering and
//! otherwise kept exactly; dates become `YYYY-MM-DD`, deadlines `YYYY-MM`; the county is
//! resolved against the registry; each shortcoming is matched to an indicator. Every value
//! that cannot be read becomes a located diagnostic, and reading goes on: all problems of a
//! file are collected, none stops the rest.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};

use crate::diag::{Diagnostic, Location, Rule};
use crate::domain::{self, CountyMatch, Level, registry, squeeze};
use crate::intake::forms::{Field, Found, ItemRow, Label, TableKind};
use crate::intake::{CellValue, Limits};
use crate::model::{CountyRef, Item, PlanYear, SUBMISSION_SCHEMA, School, Source, Submission};

/// Where each item's cells sit, kept beside the model for the validation rules.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemCells {
    pub shortcoming: Location,
    pub measure: Location,
    pub deadline: Location,
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

/// Normalizes what [`crate::intake::forms::find`] found in one file. A file over the limits
/// on schools or items is refused with one error naming the count, and no item of it is
/// built.
pub fn normalize_within(found: &Found, source: Source, limits: &Limits) -> Normalized {
    let mut diags = Vec::new();
    let filed = filed_on(found, &mut diags);
    let filed_date = filed.as_ref().map(|(d, _)| *d);
    let (county, county_cell) = county(found, &source.file, filed_date, &mut diags);
    let (plan_year, plan_year_cell) = plan_year(found, &mut diags);

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
            let (item, cells) = item(row, list, &mut diags);
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
        filed_on: filed.map(|(d, _)| d.format("%Y-%m-%d").to_string()),
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
            "学校整改清单共有{count}所学校，超过一个县（市、区）{}所的上限",
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
fn item(row: &ItemRow, list: Level, diags: &mut Vec<Diagnostic>) -> (Item, ItemCells) {
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
    let deadline = match parse_deadline(&row.deadline.value) {
        Ok(month) => Some(month),
        Err(problem) => {
            diags.push(problem.diagnostic(&row.deadline));
            None
        }
    };
    let explicit = row
        .indicator
        .as_ref()
        .and_then(|f| indicator_from_column(&f.text()));
    let indicator = explicit.or_else(|| {
        registry()
            .match_indicator(&shortcoming, list)
            .map(|i| i.code.clone())
    });
    let cells = ItemCells {
        shortcoming: row.shortcoming.cell.clone(),
        measure: row.measure.cell.clone(),
        deadline: row.deadline.cell.clone(),
    };
    (
        Item {
            shortcoming,
            indicator,
            measure,
            deadline,
            cell: row.shortcoming.cell.to_string(),
        },
        cells,
    )
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

/// Why a deadline could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeadlineProblem {
    Missing,
    /// A year without a month (2020年, 2020年底, 2020年上半年).
    NotMonth,
    /// A number such as 2020.1, which Excel also makes of a typed 2020.10.
    Ambiguous,
    Invalid,
}

impl DeadlineProblem {
    fn diagnostic(&self, field: &Field) -> Diagnostic {
        let shown = field.text();
        let cell = Some(field.cell.clone());
        match self {
            DeadlineProblem::Missing => {
                Diagnostic::new(Rule::DeadlineMissing, cell, "没有填写完成时限")
                    .with_hint("填写到月份，例如“2020年6月”")
            }
            DeadlineProblem::NotMonth => Diagnostic::new(
                Rule::DeadlineNotMonth,
                cell,
                format!("完成时限「{}」没有精确到月份", shown.trim()),
            )
            .with_hint("通知要求完成时限精确到月份，例如“2020年12月”"),
            DeadlineProblem::Ambiguous => Diagnostic::new(
                Rule::DeadlineAmbiguous,
                cell,
                format!("完成时限「{}」是数字，无法判断是1月还是10月", shown.trim()),
            )
            .with_hint("Excel会把输入的“2020.10”存成数字2020.1；请写成“2020年10月”或“2020年1月”"),
            DeadlineProblem::Invalid => Diagnostic::new(
                Rule::DeadlineInvalid,
                cell,
                format!("无法识别完成时限「{}」", shown.trim()),
            )
            .with_hint("填写到月份，例如“2020年6月”"),
        }
    }
}

/// Reads a deadline to `YYYY-MM` from any of the ways clerks write one.
pub fn parse_deadline(value: &CellValue) -> Result<String, DeadlineProblem> {
    let month = |y: i32, m: u32| -> Result<String, DeadlineProblem> {
        if (1..=12).contains(&m) && (2000..=2099).contains(&y) {
            Ok(format!("{y:04}-{m:02}"))
        } else {
            Err(DeadlineProblem::Invalid)
        }
    };
    match value {
        CellValue::Empty => Err(DeadlineProblem::Missing),
        CellValue::Date(iso) => {
            let date = parse_iso_date(iso).ok_or(DeadlineProblem::Invalid)?;
            month(date.year(), date.month())
        }
        CellValue::Number(n) => {
            if let Some(date) = excel_serial(*n) {
                return month(date.year(), date.month());
            }
            let shown = crate::intake::format_number(*n);
            match shown.split_once('.') {
                None if (2000..=2099).contains(&(*n as i64)) => Err(DeadlineProblem::NotMonth),
                None if (200_001..=209_912).contains(&(*n as i64)) => {
                    month((*n as i64 / 100) as i32, (*n as i64 % 100) as u32)
                }
                Some((_, "1")) => Err(DeadlineProblem::Ambiguous),
                Some((y, m)) if m.len() <= 2 => month(
                    y.parse().map_err(|_| DeadlineProblem::Invalid)?,
                    m.parse().map_err(|_| DeadlineProblem::Invalid)?,
                ),
                _ => Err(DeadlineProblem::Invalid),
            }
        }
        CellValue::Text(text) => parse_month_text(text),
        CellValue::Bool(_) | CellValue::Error(_) => Err(DeadlineProblem::Invalid),
    }
}

fn parse_month_text(text: &str) -> Result<String, DeadlineProblem> {
    let text = ascii_digits(&squeeze(text));
    if text.is_empty() {
        return Err(DeadlineProblem::Missing);
    }
    // A range (2019年9月—2020年6月) is due at its end.
    let last = text
        .rsplit(['—', '~', '～', '至', '到'])
        .next()
        .unwrap_or(&text);
    let last = if last.len() < text.len() && !last.is_empty() {
        last
    } else {
        &text
    };
    let parts = date_parts(last);
    match parts.as_slice() {
        [y, m, ..] if (2000..=2099).contains(y) => {
            let m = u32::try_from(*m).map_err(|_| DeadlineProblem::Invalid)?;
            if (1..=12).contains(&m) {
                Ok(format!("{y:04}-{m:02}"))
            } else {
                Err(DeadlineProblem::Invalid)
            }
        }
        [y] if (2000..=2099).contains(y) => Err(DeadlineProblem::NotMonth),
        _ if last.contains("年底")
            || last.contains("年末")
            || last.contains("半年")
            || last.contains("季度") =>
        {
            Err(DeadlineProblem::NotMonth)
        }
        _ => Err(DeadlineProblem::Invalid),
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

fn parse_iso_date(iso: &str) -> Option<NaiveDate> {
    let date = iso.split('T').next()?;
    NaiveDate::parse_from_str(date, "%Y-%m-%d").ok()
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
        CellValue::Date(iso) => parse_iso_date(iso),
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
                .with_hint("只能填写2019年、2020年、2021年、2022年或2023年及以后"),
            );
            (None, Some(first.cell.clone()))
        }
    }
}

/// Reads 2020, 2020年, 2023年及以后, 2025年.
pub fn parse_plan_year(value: &CellValue) -> Option<PlanYear> {
    let year = match value {
        CellValue::Number(n) if n.fract() == 0.0 => *n as i32,
        CellValue::Date(iso) => parse_iso_date(iso)?.year(),
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

    fn text(s: &str) -> CellValue {
        CellValue::Text(s.into())
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
            assert_eq!(parse_deadline(&text(input)), Ok(want.to_owned()), "{input}");
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

    #[test]
    fn deadline_numbers_and_dates() {
        assert_eq!(
            parse_deadline(&CellValue::Number(2020.6)),
            Ok("2020-06".into())
        );
        assert_eq!(
            parse_deadline(&CellValue::Number(2020.12)),
            Ok("2020-12".into())
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
            parse_deadline(&CellValue::Date("2020-08-31T00:00:00".into())),
            Ok("2020-08".into())
        );
        assert_eq!(
            parse_deadline(&CellValue::Date("2020-08-31".into())),
            Ok("2020-08".into())
        );
        // 44074 is 2020-08-31 as an Excel serial whose date format was lost.
        assert_eq!(
            parse_deadline(&CellValue::Number(44074.0)),
            Ok("2020-08".into())
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
            parse_date(&CellValue::Date("2019-05-20T00:00:00".into())),
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
