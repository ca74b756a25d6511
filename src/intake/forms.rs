//! Finding the notice's forms in a workbook by their header cells, never by fixed positions:
//! 附件1 (学校名称 · 存在不足情况 · 整改提升措施 · 完成时限), 附件2 (the same without 学校名称),
//! the 创建时间 sheet (县（市、区）· 所属设区市 · 计划创建年份), and labelled cells such as
//! 县（市、区）名称：西湖区 or 计划创建年份：2020年 anywhere outside a table.
//!
//! Item columns are recognised by meaning, from the words clerks use for each
//! (`data/header_words.csv`): 存在的不足情况, 问题及不足, 整改提升的措施 and 计划完成时间 read
//! as the notice's columns. A sheet named or titled 附件1 / 学校整改清单 is a school list
//! whatever its header says; a header that cannot be read, or a table that yields no item,
//! is an error, never a silent loss. 合计/小计/总计 rows are left out with a note.
//!
//! The output keeps every value raw with its absolute cell, merged regions filled, school
//! names carried down over blank or merged cells; it attaches no business meaning.

use std::collections::HashMap;
use std::sync::LazyLock;

use crate::diag::{Diagnostic, Location, Rule};
use crate::domain::{HeaderGroup, HeaderWords, header_words, squeeze};
use crate::notice::{self, COUNTY_FIELD, COUNTY_LIST, FILED_ON_FIELD, PLAN, SCHOOL_LIST};

use super::{CellValue, RawSheet, RawWorkbook};

/// A raw value and where it sits.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    pub cell: Location,
    pub value: CellValue,
}

impl Field {
    pub fn text(&self) -> String {
        self.value.display()
    }

    pub fn is_empty(&self) -> bool {
        self.value.is_empty()
    }
}

/// Which table a header row introduces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableKind {
    /// 附件1 学校整改清单.
    Schools,
    /// 附件2 县级政府整改清单.
    County,
}

/// One data row of 附件1 or 附件2.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemRow {
    /// The school as written on this row or carried down from above (附件1 only).
    pub school: Option<Field>,
    /// Whether `school` was carried down from an earlier row rather than written here.
    pub school_carried: bool,
    pub shortcoming: Field,
    pub measure: Field,
    pub deadline: Field,
    /// The optional 对应指标 column.
    pub indicator: Option<Field>,
}

/// A table found on a sheet.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub kind: TableKind,
    pub sheet: String,
    pub header_row: u32,
    pub rows: Vec<ItemRow>,
}

/// One row of the 创建时间 sheet.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanRow {
    pub county: Field,
    pub city: Option<Field>,
    pub year: Field,
}

/// What a label outside the tables names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Label {
    County,
    City,
    FiledOn,
    PlanYear,
}

/// A labelled value: `县（市、区）名称：西湖区` in one cell, or a label cell and a value cell.
#[derive(Debug, Clone, PartialEq)]
pub struct Labelled {
    pub label: Label,
    pub field: Field,
}

/// Everything found in one workbook, in reading order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Found {
    pub tables: Vec<Table>,
    pub plan_rows: Vec<PlanRow>,
    pub labels: Vec<Labelled>,
    /// Names of the sheets read, in workbook order (for ordering diagnostics).
    pub sheet_order: Vec<String>,
    /// What could not be read as a form, or was left out of one (`header_unmatched`,
    /// `table_without_items`, `totals_row_skipped`).
    pub diagnostics: Vec<Diagnostic>,
    /// The fingerprint of the gongwen template the workbook was filled in, if it is one.
    pub template: Option<crate::template::Fingerprint>,
}

impl Found {
    pub fn is_empty(&self) -> bool {
        self.tables.is_empty()
            && self.plan_rows.is_empty()
            && !self.labels.iter().any(|l| l.label == Label::PlanYear)
    }
}

/// Columns a header row may name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    School,
    Shortcoming,
    Measure,
    Deadline,
    Indicator,
    /// 序号: recognised so it is not an unknown header, never read.
    Serial,
    PlanCounty,
    PlanCity,
    PlanYear,
}

/// The 创建时间 sheet's headers after [`header_key`], matched exactly: its words (创建时间,
/// 县（市、区）) would otherwise read as item columns. The template's own header comes first.
const PLAN_HEADERS: &[(Column, &[&str])] = &[
    (
        Column::PlanCounty,
        &[PLAN.county_header, COUNTY_FIELD, "县市区", "县（市区）"],
    ),
    (Column::PlanCity, &[PLAN.city_header, "设区市", "所属市"]),
    (
        Column::PlanYear,
        &[
            PLAN.year_header,
            "创建年份",
            "计划创建时间",
            "创建时间",
            "计划通过年份",
        ],
    ),
];

/// The columns every item table needs; 学校名称 is needed too on a school list.
const ITEM_COLUMNS: [Column; 3] = [Column::Shortcoming, Column::Measure, Column::Deadline];

/// A header cell is short text: longer cells, or cells with digits (dates, counts), are data.
const MAX_HEADER_CHARS: usize = 20;

/// Labels outside tables and what they name, most specific first; the notice's and the
/// template's own label first in each.
const LABELS: &[(Label, &[&str])] = &[
    (
        Label::County,
        &[
            COUNTY_FIELD,
            "县(市、区)名称",
            PLAN.county_header,
            "县市区名称",
            "县（市区）名称",
        ],
    ),
    (Label::City, &[PLAN.city_header, "设区市"]),
    (Label::FiledOn, &[FILED_ON_FIELD, "填报时间"]),
    (
        Label::PlanYear,
        &[PLAN.year_header, "创建年份", "计划创建时间", "计划通过年份"],
    ),
];

/// How far down a sheet a header row is looked for.
const HEADER_SEARCH_ROWS: u32 = 40;

/// A header cell's text made comparable: no whitespace of any kind (line breaks, full-width
/// spaces, spaces between characters), ASCII parentheses and colons as full-width, no
/// required-field stars or trailing colon.
pub fn header_key(text: &str) -> String {
    let squeezed: String = squeeze(text)
        .chars()
        .map(|c| match c {
            '(' => '（',
            ')' => '）',
            ':' => '：',
            ',' => '、',
            c => c,
        })
        .filter(|&c| c != '*' && c != '＊')
        .collect();
    squeezed.trim_end_matches('：').to_owned()
}

fn column_of(text: &str) -> Option<Column> {
    let key = header_key(text);
    if let Some((col, _)) = PLAN_HEADERS
        .iter()
        .find(|(_, names)| names.contains(&key.as_str()))
    {
        return Some(*col);
    }
    group_column(meaning_of(&key)?)
}

/// The item column a group of header words names; other headers and 合计 name none.
fn group_column(group: HeaderGroup) -> Option<Column> {
    match group {
        HeaderGroup::School => Some(Column::School),
        HeaderGroup::Shortcoming => Some(Column::Shortcoming),
        HeaderGroup::Measure => Some(Column::Measure),
        HeaderGroup::Deadline => Some(Column::Deadline),
        HeaderGroup::Indicator => Some(Column::Indicator),
        HeaderGroup::Serial => Some(Column::Serial),
        HeaderGroup::Other | HeaderGroup::Totals => None,
    }
}

/// What a header cell means, from the words of `data/header_words.csv`; `key` is already a
/// [`header_key`]. Text in parentheses is a remark (完成时限（精确到月）) and is not read.
///
/// Precedence: a header joining two names (整改措施及责任单位, 问题及不足) means its first part
/// that names an item column; `other` only when no part does. Within a part, a Chinese
/// compound ends with its head noun (整改提升**措施**, 计划完成**时间**, 整改**时限**), so the
/// word that ends latest decides, and of the words ending there the longest (责任**单位** is
/// the `other` word 责任单位, not the school word 单位). So 整改 names a measure only when
/// nothing follows it (整改问题 is a shortcoming).
fn meaning_of(key: &str) -> Option<HeaderGroup> {
    let unremarked = without_parentheses(key);
    let text = if unremarked.is_empty() {
        key
    } else {
        unremarked.as_str()
    };
    if text.chars().count() > MAX_HEADER_CHARS || text.chars().any(char::is_numeric) {
        return None;
    }
    let meanings: Vec<HeaderGroup> = text
        .split(['及', '和', '与', '、', '/', '／'])
        .filter_map(meaning_of_part)
        .collect();
    meanings
        .iter()
        .copied()
        .find(|&g| g != HeaderGroup::Other)
        .or(meanings.first().copied())
}

/// The meaning of one name: the word ending latest, then the longest.
fn meaning_of_part(text: &str) -> Option<HeaderGroup> {
    let mut best: Option<(usize, usize, HeaderGroup)> = None;
    for (start, first) in text.char_indices() {
        let Some(words) = WORDS_BY_FIRST_CHAR.get(&first) else {
            continue;
        };
        for &(word, group) in words {
            if text[start..].starts_with(word) {
                let candidate = (start + word.len(), word.len());
                if best.is_none_or(|(end, len, _)| candidate > (end, len)) {
                    best = Some((candidate.0, candidate.1, group));
                }
            }
        }
    }
    best.map(|(_, _, group)| group)
}

/// The header words by their first character: every cell of a long sheet is looked up, and
/// most share no first character with any word.
static WORDS_BY_FIRST_CHAR: LazyLock<HashMap<char, Vec<(&'static str, HeaderGroup)>>> =
    LazyLock::new(|| {
        let mut index: HashMap<char, Vec<(&'static str, HeaderGroup)>> = HashMap::new();
        for group in header_words()
            .iter()
            .filter(|g| g.group != HeaderGroup::Totals)
        {
            for word in group.words() {
                if let Some(first) = word.chars().next() {
                    index.entry(first).or_default().push((word, group.group));
                }
            }
        }
        index
    });

/// `key` without its （…） remarks.
fn without_parentheses(key: &str) -> String {
    let mut depth = 0usize;
    key.chars()
        .filter(|&c| match c {
            '（' => {
                depth += 1;
                false
            }
            '）' => {
                depth = depth.saturating_sub(1);
                false
            }
            _ => depth == 0,
        })
        .collect()
}

fn words_of(group: HeaderGroup) -> Option<&'static HeaderWords> {
    header_words().iter().find(|g| g.group == group)
}

fn group_of(column: Column) -> Option<HeaderGroup> {
    match column {
        Column::School => Some(HeaderGroup::School),
        Column::Shortcoming => Some(HeaderGroup::Shortcoming),
        Column::Measure => Some(HeaderGroup::Measure),
        Column::Deadline => Some(HeaderGroup::Deadline),
        Column::Indicator => Some(HeaderGroup::Indicator),
        _ => None,
    }
}

/// The header a column is asked for by, as the template prints it (存在不足情况).
fn notice_name(column: Column) -> &'static str {
    match column {
        Column::School => notice::Column::School.header(),
        Column::Shortcoming => notice::Column::Shortcoming.header(),
        Column::Measure => notice::Column::Measure.header(),
        Column::Deadline => notice::Column::Deadline.header(),
        Column::Indicator => notice::Column::Indicator.header(),
        Column::PlanCounty => PLAN.county_header,
        Column::PlanCity => PLAN.city_header,
        Column::PlanYear => PLAN.year_header,
        Column::Serial => "",
    }
}

/// The words accepted for a column, for a hint: 不足、问题、短板…
fn accepted_words(column: Column) -> String {
    group_of(column)
        .and_then(words_of)
        .map(|w| w.words().collect::<Vec<_>>().join("、"))
        .unwrap_or_default()
}

/// The column a template's fingerprint names ([`crate::template::fingerprint_keys`]).
fn printed_column(name: &str) -> Option<Column> {
    use crate::template::fingerprint_keys as k;
    Some(match name {
        k::SCHOOL => Column::School,
        k::SHORTCOMING => Column::Shortcoming,
        k::MEASURE => Column::Measure,
        k::DEADLINE => Column::Deadline,
        k::INDICATOR => Column::Indicator,
        k::PLAN_COUNTY => Column::PlanCounty,
        k::PLAN_CITY => Column::PlanCity,
        k::PLAN_YEAR => Column::PlanYear,
        _ => return None,
    })
}

/// The header row and columns a template's fingerprint gives for `sheet`, when the sheet
/// still has them there: every pinned header cell holds text (a clerk may reword a header,
/// but a shifted or emptied header row means the layout no longer holds, and the sheet is
/// read by meaning).
fn pinned_header(
    print: Option<&crate::template::Fingerprint>,
    sheet: &RawSheet,
) -> Option<(u32, Vec<(Column, u32)>)> {
    let form = print?.forms.iter().find(|f| f.sheet == sheet.name)?;
    let columns: Vec<(Column, u32)> = form
        .columns
        .iter()
        .map(|(col, name)| Some((printed_column(name)?, *col)))
        .collect::<Option<_>>()?;
    let complete = ITEM_COLUMNS.iter().all(|&c| col_of(&columns, c).is_some())
        || (col_of(&columns, Column::PlanCounty).is_some()
            && col_of(&columns, Column::PlanYear).is_some());
    let in_place = columns
        .iter()
        .all(|&(_, col)| !sheet.get(form.header_row, col).display().trim().is_empty());
    (complete && in_place).then_some((form.header_row, columns))
}

/// Finds every form in the visible sheets of a workbook: where a gongwen template's
/// fingerprint says the forms are, else by their headers' meaning.
pub fn find(book: &RawWorkbook) -> Found {
    let mut found = Found {
        template: crate::template::fingerprint(book),
        ..Found::default()
    };
    for sheet in book.sheets.iter().filter(|s| s.visible) {
        found.sheet_order.push(sheet.name.clone());
        let diagnostics_before = found.diagnostics.len();
        let mut covered: Vec<(u32, u32)> = Vec::new();
        let pinned = pinned_header(found.template.as_ref(), sheet);
        // Rows since the previous table: where a title (附件1, 学校整改清单) names the next one.
        let mut region_start = sheet.origin.0;
        let mut row = sheet.origin.0;
        while row < sheet.row_end() {
            let columns = match &pinned {
                Some((header, columns)) if *header == row => Some(columns.clone()),
                _ => header_row(sheet, row),
            };
            let end = if let Some(columns) = columns {
                let says_schools =
                    names_school_list(&sheet.name) || titled_school_list(sheet, region_start, row);
                let end = table_end(sheet, row);
                if ITEM_COLUMNS.iter().all(|&c| col_of(&columns, c).is_some()) {
                    if says_schools && col_of(&columns, Column::School).is_none() {
                        found
                            .diagnostics
                            .push(school_column_missing(sheet, row, &columns));
                    } else {
                        let table = read_table(sheet, row, end, &columns, &mut found.diagnostics);
                        found.tables.extend(table);
                    }
                    Some(end)
                } else if let Some(plans) = read_plan_rows(sheet, row, end, &columns) {
                    found.plan_rows.extend(plans);
                    Some(end)
                } else {
                    None
                }
            } else if row < region_start + HEADER_SEARCH_ROWS
                && let Some(diagnostic) = unreadable_header(sheet, row)
            {
                found.diagnostics.push(diagnostic);
                Some(table_end(sheet, row))
            } else {
                None
            };
            match end {
                Some(end) => {
                    covered.push((row, end));
                    row = end.max(row + 1);
                    region_start = row;
                }
                None => row += 1,
            }
        }
        let read_items = found.tables.iter().any(|t| t.sheet == sheet.name)
            || found.diagnostics[diagnostics_before..]
                .iter()
                .any(|d| d.rule == Rule::HeaderUnmatched);
        if !read_items
            && (names_school_list(&sheet.name)
                || titled_school_list(sheet, sheet.origin.0, sheet.origin.0 + HEADER_SEARCH_ROWS))
            && let Some(row) = (sheet.origin.0..sheet.row_end())
                .find(|&row| !in_ranges(&covered, row) && is_tabular_row(sheet, row))
        {
            found
                .diagnostics
                .push(school_list_without_header(sheet, row));
        }
        found.labels.extend(find_labels(sheet, &covered));
    }
    found
}

fn in_ranges(ranges: &[(u32, u32)], row: u32) -> bool {
    ranges.iter().any(|&(start, end)| row >= start && row < end)
}

/// A row of two or more written cells that is no label, footer or note line: a table's row.
fn is_tabular_row(sheet: &RawSheet, row: u32) -> bool {
    let written = (sheet.origin.1..sheet.col_end())
        .filter(|&c| sheet.merge_anchor(row, c) == (row, c))
        .filter(|&c| !is_placeholder(&sheet.stored(row, c).display()))
        .count();
    written >= 2 && !is_label_row(sheet, row) && !is_notes_row(sheet, row)
}

/// A sheet named or titled 附件1 whose table has no header this reader recognises: its items
/// would otherwise vanish while another sheet's forms pass.
fn school_list_without_header(sheet: &RawSheet, row: u32) -> Diagnostic {
    let names: Vec<String> = [
        Column::School,
        Column::Shortcoming,
        Column::Measure,
        Column::Deadline,
    ]
    .iter()
    .map(|&c| format!("“{}”", notice_name(c)))
    .collect();
    Diagnostic::new(
        Rule::HeaderUnmatched,
        Some(Location::new(&sheet.name, row, sheet.origin.1)),
        format!(
            "“{}”是{}，但找不到它的表头（{}），表中内容没有读取",
            sheet.name,
            SCHOOL_LIST.full_name(),
            names.join("")
        ),
    )
    .with_hint(format!(
        "请在表格第一行写表头：{}；各列表头可写的词：不足列{}，措施列{}，时限列{}",
        names.join("、"),
        accepted_words(Column::Shortcoming),
        accepted_words(Column::Measure),
        accepted_words(Column::Deadline)
    ))
}

/// Whether a sheet's name says it is 附件1, the school list.
fn names_school_list(name: &str) -> bool {
    says_school_list(&header_key(name))
}

/// How many written rows at the top of a table's region may be its titles (附件1, the title,
/// the preamble): text further down is a paragraph, such as an instructions sheet naming 附件1.
const TITLE_ROWS: usize = 3;

/// Whether a title at the top of the rows from `from` up to `until` says the table is 附件1.
fn titled_school_list(sheet: &RawSheet, from: u32, until: u32) -> bool {
    (from..until.min(sheet.row_end()))
        .map(|row| {
            (sheet.origin.1..sheet.col_end())
                .filter(|&col| sheet.merge_anchor(row, col) == (row, col))
                .map(|col| sheet.stored(row, col).display())
                .filter(|text| !text.trim().is_empty())
                .collect::<Vec<_>>()
        })
        .filter(|texts| !texts.is_empty())
        .take(TITLE_ROWS)
        .flatten()
        .any(|text| {
            let key = header_key(&text);
            key.chars().count() <= MAX_TITLE_CHARS && says_school_list(&key)
        })
}

/// A title is a line, not a paragraph that mentions 附件1 in passing.
const MAX_TITLE_CHARS: usize = 40;

/// 附件1 (not 附件10), 学校整改清单, or a title naming both 学校 and 整改清单
/// (义务教育学校达到优质均衡目标整改清单).
fn says_school_list(key: &str) -> bool {
    let annex1 = key.match_indices(SCHOOL_LIST.label).any(|(at, word)| {
        !key[at + word.len()..]
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_digit())
    });
    annex1 || key.contains(SCHOOL_LIST.name) || (key.contains("学校") && key.contains("整改清单"))
}

/// A sheet that says it is the school list, with a header lacking a school column: reading it
/// as 附件2 would turn every school's item into the county's.
fn school_column_missing(sheet: &RawSheet, row: u32, columns: &[(Column, u32)]) -> Diagnostic {
    let unknown = unknown_header_cells(sheet, row);
    let cell = unknown
        .first()
        .map(|(col, _)| *col)
        .or_else(|| columns.iter().map(|(_, c)| *c).min())
        .unwrap_or(sheet.origin.1);
    let shown = if unknown.is_empty() {
        String::new()
    } else {
        format!(
            "（未读作任何一列的表头：{}）",
            unknown
                .iter()
                .map(|(_, t)| format!("“{t}”"))
                .collect::<Vec<_>>()
                .join("、")
        )
    };
    Diagnostic::new(
        Rule::HeaderUnmatched,
        Some(Location::new(&sheet.name, row, cell)),
        format!(
            "这张表是{}，但表头中找不到“{}”列{shown}，整张学校清单没有读取",
            SCHOOL_LIST.full_name(),
            notice_name(Column::School)
        ),
    )
    .with_hint(format!(
        "在表头写“{}”（也可写：{}）；县级政府的整改项请填在{}",
        notice_name(Column::School),
        accepted_words(Column::School),
        COUNTY_LIST.label
    ))
}

/// The non-empty cells of a header row read as no column of the forms, with their text; an
/// `other` header such as 情况说明 is among them, as it may be the column the clerk meant.
fn unknown_header_cells(sheet: &RawSheet, row: u32) -> Vec<(u32, String)> {
    (sheet.origin.1..sheet.col_end())
        .filter(|&col| sheet.merge_anchor(row, col) == (row, col))
        .filter_map(|col| {
            let text = sheet.stored(row, col).display();
            let key = header_key(&text);
            (!key.is_empty() && column_of(&text).is_none()).then(|| (col, text.trim().to_owned()))
        })
        .collect()
}

/// A row that is an item table's header but for one column: three or more cells, all short
/// text without digits, naming two of 存在不足情况 / 整改提升措施 / 完成时限. The error names
/// the cells not recognised and the words each missing column accepts.
fn unreadable_header(sheet: &RawSheet, row: u32) -> Option<Diagnostic> {
    let mut texts = Vec::new();
    let mut named = Vec::new();
    for col in sheet.origin.1..sheet.col_end() {
        if sheet.merge_anchor(row, col) != (row, col) {
            continue;
        }
        let text = sheet.stored(row, col).display();
        let key = header_key(&text);
        if key.is_empty() {
            continue;
        }
        if key.chars().count() > MAX_HEADER_CHARS || key.chars().any(char::is_numeric) {
            return None;
        }
        texts.push(col);
        if let Some(column) = column_of(&text) {
            named.push(column);
        }
    }
    let missing: Vec<Column> = ITEM_COLUMNS
        .iter()
        .copied()
        .filter(|c| !named.contains(c))
        .collect();
    if texts.len() < 3 || missing.is_empty() || missing.len() > 1 {
        return None;
    }
    let unknown = unknown_header_cells(sheet, row);
    let column = missing[0];
    let cell = unknown.first().map_or(texts[0], |(col, _)| *col);
    let message = if unknown.is_empty() {
        format!(
            "这一行像整改清单的表头，但没有“{}”列，这张表没有读取",
            notice_name(column)
        )
    } else {
        format!(
            "表头{}认不出是哪一列：整改清单缺少“{}”列，这张表没有读取",
            unknown
                .iter()
                .map(|(c, t)| format!("“{t}”（{}）", Location::new(&sheet.name, row, *c).a1()))
                .collect::<Vec<_>>()
                .join("、"),
            notice_name(column)
        )
    };
    Some(
        Diagnostic::new(
            Rule::HeaderUnmatched,
            Some(Location::new(&sheet.name, row, cell)),
            message,
        )
        .with_hint(format!(
            "请把该列表头改为“{}”；表头中含有这些词之一即可认出：{}",
            notice_name(column),
            accepted_words(column)
        )),
    )
}

/// The columns of a header row, when the row is one: at least 存在不足情况, 整改提升措施 and
/// 完成时限, or 县（市、区） and 计划创建年份.
fn header_row(sheet: &RawSheet, row: u32) -> Option<Vec<(Column, u32)>> {
    if row >= sheet.origin.0 + HEADER_SEARCH_ROWS && !looks_like_header_anywhere(sheet, row) {
        return None;
    }
    let mut columns: Vec<(Column, u32)> = Vec::new();
    for col in sheet.origin.1..sheet.col_end() {
        // Only the anchor of a merged header counts, so a header merged across columns
        // names one column.
        if sheet.merge_anchor(row, col).1 != col {
            continue;
        }
        let text = sheet.get(row, col).display();
        if let Some(kind) = column_of(&text)
            && !columns.iter().any(|(k, _)| *k == kind)
        {
            columns.push((kind, col));
        }
    }
    let has = |k| columns.iter().any(|(c, _)| *c == k);
    let table = ITEM_COLUMNS.iter().all(|&c| has(c));
    let plan = has(Column::PlanCounty) && has(Column::PlanYear);
    (table || plan).then_some(columns)
}

/// Tables further down a long sheet still count when the row is clearly a header.
fn looks_like_header_anywhere(sheet: &RawSheet, row: u32) -> bool {
    (sheet.origin.1..sheet.col_end())
        .any(|c| column_of(&sheet.get(row, c).display()) == Some(Column::Shortcoming))
}

fn col_of(columns: &[(Column, u32)], kind: Column) -> Option<u32> {
    columns.iter().find(|(k, _)| *k == kind).map(|(_, c)| *c)
}

/// One past the last row of the table whose header is at `header`: the next header row,
/// the notes (注：…) or the end of the sheet. Header lines directly under the first (a split
/// or vertically merged header) belong to the header.
fn table_end(sheet: &RawSheet, header: u32) -> u32 {
    let mut row = header + 1;
    while row < sheet.row_end() && header_row(sheet, row).is_some() {
        row += 1;
    }
    while row < sheet.row_end() {
        if is_notes_row(sheet, row) || is_label_row(sheet, row) || header_row(sheet, row).is_some()
        {
            return row;
        }
        row += 1;
    }
    row
}

/// A row that starts with a label (计划创建年份：, 填报人：, 联系电话：…) closes a table: forms end
/// with such lines, and they are not items.
fn is_label_row(sheet: &RawSheet, row: u32) -> bool {
    let Some(first) = (sheet.origin.1..sheet.col_end())
        .map(|c| sheet.stored(row, c).display())
        .find(|t| !t.trim().is_empty())
    else {
        return false;
    };
    let key = header_key(&first);
    FOOTER_LABELS.iter().any(|l| key.starts_with(l))
        || split_labels(&first).first().is_some_and(|_| {
            LABELS
                .iter()
                .any(|(_, names)| names.iter().any(|n| key.starts_with(&header_key(n))))
        })
}

/// Lines under a form that name people, not items.
const FOOTER_LABELS: &[&str] = &[
    "填报人",
    "联系人",
    "联系电话",
    "审核人",
    "负责人",
    "制表人",
    "单位负责人",
    "分管领导",
];

/// 注：, 注:, 备注： or 说明： at the start of the row's first non-empty cell.
fn is_notes_row(sheet: &RawSheet, row: u32) -> bool {
    let first = (sheet.origin.1..sheet.col_end())
        .map(|c| sheet.stored(row, c))
        .find(|v| !v.is_empty());
    let Some(value) = first else { return false };
    let text = squeeze(&value.display());
    ["注：", "注:", "备注：", "备注:", "说明：", "说明:"]
        .iter()
        .any(|p| text.starts_with(p))
        || text == "注"
}

fn field(sheet: &RawSheet, row: u32, col: u32) -> Field {
    Field {
        cell: Location::new(&sheet.name, row, col),
        value: sheet.get(row, col).clone(),
    }
}

/// Reads the items under a header row. 合计/小计/总计 rows are left out with a note; rows that
/// hold something but yield no item at all are an error naming the table.
fn read_table(
    sheet: &RawSheet,
    header: u32,
    end: u32,
    columns: &[(Column, u32)],
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<Table> {
    let shortcoming = col_of(columns, Column::Shortcoming)?;
    let measure = col_of(columns, Column::Measure)?;
    let deadline = col_of(columns, Column::Deadline)?;
    let school_col = col_of(columns, Column::School);
    let indicator_col = col_of(columns, Column::Indicator);
    let kind = if school_col.is_some() {
        TableKind::Schools
    } else {
        TableKind::County
    };
    let mut rows = Vec::new();
    let mut carried: Option<Field> = None;
    let mut first = header + 1;
    // A split header's second line is not data.
    while first < end && header_row(sheet, first).is_some() {
        first += 1;
    }
    let mut unread_content: Option<u32> = None;
    for row in first..end {
        if let Some(totals) = totals_cell(sheet, row, school_col, [shortcoming, measure, deadline])
        {
            diagnostics.push(totals_note(sheet, row, &totals));
            continue;
        }
        let data_cols = [shortcoming, measure, deadline];
        let school_here = school_col.map(|c| field(sheet, row, c));
        let has_data = data_cols
            .iter()
            .any(|&c| !is_placeholder(&sheet.get(row, c).display()));
        let school_written = school_here
            .as_ref()
            .is_some_and(|f| !is_placeholder(&f.text()));
        if !has_data {
            // A school line without items (the template's "1.xx小学" row) still starts a school.
            if school_written {
                carried = school_here;
            }
            if unread_content.is_none() && row_has_content(sheet, row) {
                unread_content = Some(row);
            }
            continue;
        }
        let (school, school_carried) = match (school_written, &carried) {
            (true, _) => (school_here, false),
            (false, Some(prev)) => (Some(prev.clone()), true),
            (false, None) => (school_here, false),
        };
        if school_written {
            carried = school.clone();
        }
        rows.push(ItemRow {
            school: if kind == TableKind::Schools {
                school
            } else {
                None
            },
            school_carried,
            shortcoming: field(sheet, row, shortcoming),
            measure: field(sheet, row, measure),
            deadline: field(sheet, row, deadline),
            indicator: indicator_col.map(|c| field(sheet, row, c)),
        });
    }
    if rows.is_empty()
        && let Some(row) = unread_content
    {
        diagnostics.push(table_without_items(sheet, header, shortcoming, row, kind));
    }
    Some(Table {
        kind,
        sheet: sheet.name.clone(),
        header_row: header,
        rows,
    })
}

/// Whether any cell of a row holds more than the blank form's placeholders.
fn row_has_content(sheet: &RawSheet, row: u32) -> bool {
    (sheet.origin.1..sheet.col_end()).any(|col| !is_placeholder(&sheet.stored(row, col).display()))
}

fn table_without_items(
    sheet: &RawSheet,
    header: u32,
    shortcoming: u32,
    first_content: u32,
    kind: TableKind,
) -> Diagnostic {
    let form = match kind {
        TableKind::Schools => SCHOOL_LIST.full_name(),
        TableKind::County => COUNTY_LIST.full_name(),
    };
    Diagnostic::new(
        Rule::TableWithoutItems,
        Some(Location::new(&sheet.name, header, shortcoming)),
        format!(
            "“{}”第{}行起的{form}下有内容（第{}行起），但没有读到一项整改：“{}”“{}”“{}”列都是空的",
            sheet.name,
            header + 1,
            first_content + 1,
            notice_name(Column::Shortcoming),
            notice_name(Column::Measure),
            notice_name(Column::Deadline)
        ),
    )
    .with_hint("请把每项整改写在表头对应的列下，不要错开列或写在表格之外")
}

/// The cell that makes a row a totals row: the school cell or the row's first written cell
/// saying 合计, 小计, 总计 or 共计 (合计 | 共8所学校18项). A cell that only starts with such a
/// word (共计缺少教师20名) marks a totals row only when the row is no complete item, so a
/// shortcoming worded so is still read.
fn totals_cell(
    sheet: &RawSheet,
    row: u32,
    school_col: Option<u32>,
    item_cols: [u32; 3],
) -> Option<Field> {
    let totals = words_of(HeaderGroup::Totals)?;
    let first = (sheet.origin.1..sheet.col_end()).find(|&c| !sheet.stored(row, c).is_empty());
    [school_col, first]
        .into_iter()
        .flatten()
        .filter(|&col| sheet.merge_anchor(row, col).0 == row)
        .find(|&col| {
            let key = header_key(&sheet.get(row, col).display());
            let anchor = sheet.merge_anchor(row, col);
            let complete_item = item_cols.iter().all(|&c| {
                // A cell merged into the totals cell is not an item's own value.
                (c == col || sheet.merge_anchor(row, c) != anchor)
                    && !is_placeholder(&sheet.get(row, c).display())
            });
            totals.words().any(|word| {
                key == word
                    || key.starts_with(&format!("{word}："))
                    || (key.starts_with(word) && !complete_item)
            })
        })
        .map(|col| field(sheet, row, col))
}

fn totals_note(sheet: &RawSheet, row: u32, totals: &Field) -> Diagnostic {
    let written: Vec<String> = (sheet.origin.1..sheet.col_end())
        .filter(|&c| sheet.merge_anchor(row, c) == (row, c))
        .map(|c| sheet.stored(row, c).display().trim().to_owned())
        .filter(|t| !t.is_empty())
        .collect();
    Diagnostic::new(
        Rule::TotalsRowSkipped,
        Some(totals.cell.clone()),
        format!(
            "第{}行是合计行（{}），不是整改项，已略去",
            row + 1,
            written.join(" | ")
        ),
    )
    .with_hint("合计行不必填写；如果这一行其实是一所学校或一项整改，请改写“合计”等字样")
}

fn read_plan_rows(
    sheet: &RawSheet,
    header: u32,
    end: u32,
    columns: &[(Column, u32)],
) -> Option<Vec<PlanRow>> {
    let county = col_of(columns, Column::PlanCounty)?;
    let year = col_of(columns, Column::PlanYear)?;
    let city = col_of(columns, Column::PlanCity);
    Some(
        (header + 1..end)
            .filter(|&row| {
                !is_placeholder(&sheet.get(row, county).display())
                    || !sheet.get(row, year).is_empty()
            })
            .map(|row| PlanRow {
                county: field(sheet, row, county),
                city: city.map(|c| field(sheet, row, c)),
                year: field(sheet, row, year),
            })
            .collect(),
    )
}

/// Empty, or only what the notice's blank form leaves behind: "…", "……", "...", a bare
/// number such as "1." or "2、".
pub fn is_placeholder(text: &str) -> bool {
    let squeezed = squeeze(text);
    let stripped = squeezed.trim_matches(|c: char| {
        matches!(c, '…' | '.' | '．' | '。' | '、' | '-' | '—' | '_' | '⋯')
    });
    stripped.is_empty()
        || (stripped.chars().all(|c| c.is_ascii_digit())
            && squeezed.len() > stripped.len()
            && stripped.len() <= 3)
}

/// Labelled values in the rows of a sheet outside its tables (`covered`: the tables' row
/// ranges, top to bottom).
fn find_labels(sheet: &RawSheet, covered: &[(u32, u32)]) -> Vec<Labelled> {
    let mut out = Vec::new();
    // `covered` ascends, as `find` records tables top to bottom: walk it alongside the rows
    // rather than searching it for each row.
    let mut next_cover = covered.iter().peekable();
    for row in sheet.origin.0..sheet.row_end() {
        while next_cover.next_if(|&&(_, end)| end <= row).is_some() {}
        if next_cover
            .peek()
            .is_some_and(|&&(start, end)| row >= start && row < end)
        {
            continue;
        }
        let cols: Vec<u32> = (sheet.origin.1..sheet.col_end())
            .filter(|&c| sheet.merge_anchor(row, c) == (row, c))
            .collect();
        for (i, &col) in cols.iter().enumerate() {
            let text = sheet.stored(row, col).display();
            if text.trim().is_empty() {
                continue;
            }
            for (label, value) in split_labels(&text) {
                let field = if value.is_empty() {
                    // The value sits in the next non-empty cell to the right that is no label.
                    cols[i + 1..]
                        .iter()
                        .map(|&c| field(sheet, row, c))
                        .find(|f| !f.is_empty())
                        .filter(|f| split_labels(&f.text()).is_empty())
                } else {
                    Some(Field {
                        cell: Location::new(&sheet.name, row, col),
                        value: CellValue::Text(value),
                    })
                };
                if let Some(field) = field {
                    out.push(Labelled { label, field });
                }
            }
        }
    }
    out
}

/// Splits a cell's text into its labels and the text after each, up to the next label:
/// `县（市、区）名称：西湖区    填报日期：2019年5月20日` gives two.
fn split_labels(text: &str) -> Vec<(Label, String)> {
    // Compare on a normalized copy but keep the value's own characters.
    let normalized: String = text
        .chars()
        .map(|c| match c {
            '(' => '（',
            ')' => '）',
            ':' => '：',
            c => c,
        })
        .collect();
    let compact = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
    let mut hits: Vec<(usize, usize, Label)> = Vec::new();
    for (label, names) in LABELS {
        for name in *names {
            if let Some(pos) = find_spaced(&normalized, name) {
                let (start, end) = pos;
                if !hits.iter().any(|&(s, e, _)| start < e && end > s) {
                    hits.push((start, end, *label));
                }
                break;
            }
        }
    }
    hits.sort_by_key(|h| h.0);
    let mut out = Vec::new();
    for (i, &(_, end, label)) in hits.iter().enumerate() {
        let until = hits.get(i + 1).map_or(normalized.len(), |h| h.0);
        let raw = &normalized[end..until];
        let value = raw
            .trim_start_matches(|c: char| c == '：' || c.is_whitespace())
            .trim()
            .trim_matches(|c: char| c == '_' || c == '＿' || c.is_whitespace())
            .to_owned();
        // A label must start the cell or follow whitespace/punctuation, not sit inside a title.
        let before = compact(&normalized[..hits[i].0]);
        if before.is_empty()
            || before.ends_with(['：', '）', '日', '　'])
            || hits[i].0 > 0 && normalized[..hits[i].0].ends_with(char::is_whitespace)
        {
            out.push((label, value));
        }
    }
    out
}

/// Finds `needle` in `haystack` allowing whitespace between its characters ("填 报 日 期");
/// returns byte offsets of the match.
fn find_spaced(haystack: &str, needle: &str) -> Option<(usize, usize)> {
    let needle: Vec<char> = needle.chars().collect();
    let chars: Vec<(usize, char)> = haystack.char_indices().collect();
    for start in 0..chars.len() {
        let mut n = 0;
        let mut i = start;
        while i < chars.len() && n < needle.len() {
            let c = chars[i].1;
            if c == needle[n] {
                n += 1;
            } else if !(c.is_whitespace() && n > 0) {
                break;
            }
            i += 1;
        }
        if n == needle.len() {
            let end = chars.get(i).map_or(haystack.len(), |(b, _)| *b);
            return Some((chars[start].0, end));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> CellValue {
        if s.is_empty() {
            CellValue::Empty
        } else {
            CellValue::Text(s.into())
        }
    }

    fn sheet(rows: &[&[&str]]) -> RawWorkbook {
        RawWorkbook {
            format: super::super::Format::Csv,
            sheets: vec![RawSheet::from_rows(
                "表",
                rows.iter()
                    .map(|r| r.iter().map(|c| text(c)).collect())
                    .collect(),
            )],
        }
    }

    #[test]
    fn header_keys_ignore_spacing_and_breaks() {
        assert_eq!(header_key("学 校 名 称"), "学校名称");
        assert_eq!(header_key("存在不足\n情况"), "存在不足情况");
        assert_eq!(header_key("完成\u{3000}时限"), "完成时限");
        assert_eq!(header_key("县(市、区)"), "县（市、区）");
        assert_eq!(column_of("*整改提升措施："), Some(Column::Measure));
    }

    #[test]
    fn finds_table_under_title_and_preamble_and_stops_at_notes() {
        let book = sheet(&[
            &["附件1", "", "", ""],
            &["义务教育学校达到优质均衡目标整改清单", "", "", ""],
            &[
                "县（市、区）名称：西湖区      填报日期：2019年5月20日",
                "",
                "",
                "",
            ],
            &["学校名称", "存在不足情况", "整改提升措施", "完成时限"],
            &["1.甲小学", "1.操场面积不足", "扩建", "2020年6月"],
            &["", "2.骨干教师不足", "引进", "2020.9"],
            &["", "", "", ""],
            &["2.乙中学", "班额超标", "分班", "2019/09"],
            &["……", "", "", ""],
            &["注：", "", "", ""],
            &["1.学校必须按照物理独立校区填报", "", "", ""],
        ]);
        let found = find(&book);
        assert_eq!(found.tables.len(), 1);
        let table = &found.tables[0];
        assert_eq!(table.kind, TableKind::Schools);
        assert_eq!(table.rows.len(), 3);
        assert_eq!(table.rows[1].school.as_ref().unwrap().text(), "1.甲小学");
        assert!(table.rows[1].school_carried);
        assert_eq!(table.rows[2].shortcoming.cell.to_string(), "表!B8");
        let labels: Vec<_> = found
            .labels
            .iter()
            .map(|l| (l.label, l.field.text()))
            .collect();
        assert_eq!(
            labels,
            vec![
                (Label::County, "西湖区".into()),
                (Label::FiledOn, "2019年5月20日".into())
            ]
        );
    }

    #[test]
    fn label_value_in_the_next_cell() {
        let book = sheet(&[
            &[
                "县（市、区）名称",
                "",
                "上城区",
                "填 报 日 期：",
                "2019.5.30",
            ],
            &["存在不足情况", "整改提升措施", "完成时限"],
            &["编制不足", "统筹", "2019年12月"],
            &["计划创建年份", "2021年"],
        ]);
        let found = find(&book);
        assert_eq!(found.tables[0].kind, TableKind::County);
        let labels: Vec<_> = found
            .labels
            .iter()
            .map(|l| (l.label, l.field.text(), l.field.cell.to_string()))
            .collect();
        assert_eq!(
            labels,
            vec![
                (Label::County, "上城区".into(), "表!C1".into()),
                (Label::FiledOn, "2019.5.30".into(), "表!E1".into()),
                (Label::PlanYear, "2021年".into(), "表!B4".into()),
            ]
        );
    }

    #[test]
    fn placeholders_are_not_data() {
        assert!(is_placeholder("…"));
        assert!(is_placeholder("……"));
        assert!(is_placeholder(" 2. "));
        assert!(is_placeholder("3、"));
        assert!(!is_placeholder("2020"));
        assert!(!is_placeholder("1.操场"));
    }

    /// Every word of every group, alone and as the notice's wording, reads as its group.
    fn assert_group_words(group: HeaderGroup, combinations: &[&str]) {
        let words = words_of(group).expect("group in data/header_words.csv");
        let column = group_column(group);
        let printed = column.map(notice_name).filter(|n| !n.is_empty());
        for word in words.words().chain(printed) {
            assert_eq!(column_of(word), column, "{word}");
        }
        for header in combinations {
            assert_eq!(column_of(header), column, "{header}");
        }
    }

    #[test]
    fn school_words() {
        assert_group_words(
            HeaderGroup::School,
            &[
                "学校名",
                "学校名称",
                "学校（校区）名称",
                "学校名称（按物理独立校区填写）",
                "校区名称",
                "单位名称",
                "学 校",
            ],
        );
    }

    #[test]
    fn shortcoming_words() {
        assert_group_words(
            HeaderGroup::Shortcoming,
            &[
                "存在的不足情况",
                "问题及不足",
                "主要问题",
                "存在问题",
                "不足情况",
                "整改问题",
                "存在短板",
                "差距与不足",
                "未达标情况",
            ],
        );
    }

    #[test]
    fn measure_words() {
        assert_group_words(
            HeaderGroup::Measure,
            &[
                "整改提升的措施",
                "整改举措",
                "整改提升措施（含责任人）",
                "整改措施及责任单位",
                "责任单位和整改措施",
                "提升措施",
                "问题整改措施",
                "具体整改办法",
                "整改",
            ],
        );
    }

    #[test]
    fn deadline_words() {
        assert_group_words(
            HeaderGroup::Deadline,
            &[
                "计划完成时间",
                "完成期限",
                "整改时限",
                "整改完成时限",
                "完成时限（精确到月）",
                "时间节点",
                "完成日期",
                "完成时限及责任人",
            ],
        );
    }

    #[test]
    fn indicator_and_serial_words() {
        assert_group_words(HeaderGroup::Indicator, &["对应指标（可选）", "所属指标"]);
        assert_group_words(HeaderGroup::Serial, &["序 号"]);
    }

    #[test]
    fn unrelated_headers_name_no_column() {
        for header in [
            "责任单位",
            "整改责任人",
            "牵头部门",
            "备注",
            "学校类型",
            "学段",
            "整改进度",
            "整改目标",
            "实施单位",
            "投入资金（万元）",
            "联系电话",
            "名称",
            "",
            "2020年6月",
            "加强教师队伍建设，补足短板，确保按期完成整改任务",
        ] {
            assert_eq!(column_of(header), None, "{header}");
        }
        // The 创建时间 sheet's own words stay its columns, not a deadline.
        assert_eq!(column_of("创建时间"), Some(Column::PlanYear));
        assert_eq!(column_of("县（市、区）"), Some(Column::PlanCounty));
    }

    #[test]
    fn every_data_line_names_a_known_group_with_words() {
        let groups: Vec<HeaderGroup> = header_words().iter().map(|g| g.group).collect();
        for group in [
            HeaderGroup::School,
            HeaderGroup::Shortcoming,
            HeaderGroup::Measure,
            HeaderGroup::Deadline,
            HeaderGroup::Indicator,
            HeaderGroup::Serial,
            HeaderGroup::Other,
            HeaderGroup::Totals,
        ] {
            assert_eq!(
                groups.iter().filter(|&&g| g == group).count(),
                1,
                "{group:?}"
            );
        }
        assert!(header_words().iter().all(|g| g.words().count() > 0));
    }

    fn school_book(header: &[&str]) -> RawWorkbook {
        sheet(&[
            &["附件1", "", "", ""],
            &["义务教育学校达到优质均衡目标整改清单", "", "", ""],
            header,
            &["1.甲小学", "1.操场面积不足", "扩建", "2020年6月"],
            &["", "2.骨干教师不足", "引进", "2020.9"],
            &["2.乙中学", "班额超标", "分班", "2019/09"],
        ])
    }

    #[test]
    fn reworded_headers_read_every_item() {
        for header in [
            ["学校名称", "存在的不足情况", "整改提升措施", "完成时限"],
            ["学校名称", "问题及不足", "整改提升的措施", "计划完成时间"],
            ["学校名", "主要问题", "整改举措", "完成期限"],
        ] {
            let found = find(&school_book(&header));
            assert!(
                found.diagnostics.is_empty(),
                "{header:?}: {:?}",
                found.diagnostics
            );
            assert_eq!(found.tables.len(), 1, "{header:?}");
            assert_eq!(found.tables[0].kind, TableKind::Schools, "{header:?}");
            assert_eq!(found.tables[0].rows.len(), 3, "{header:?}");
        }
    }

    #[test]
    fn a_school_list_without_a_school_column_is_an_error_not_a_county_list() {
        let found = find(&school_book(&[
            "名目",
            "存在不足情况",
            "整改提升措施",
            "完成时限",
        ]));
        assert!(found.tables.is_empty());
        assert_eq!(found.diagnostics.len(), 1);
        let diagnostic = &found.diagnostics[0];
        assert_eq!(diagnostic.rule, Rule::HeaderUnmatched);
        assert_eq!(
            diagnostic.cell.as_ref().map(ToString::to_string).as_deref(),
            Some("表!A3")
        );
        assert!(
            diagnostic.message.contains("名目"),
            "{}",
            diagnostic.message
        );
        assert!(
            diagnostic
                .hint
                .as_deref()
                .is_some_and(|h| h.contains("校名"))
        );
    }

    #[test]
    fn an_unrecognised_item_header_names_its_cell_and_the_words_accepted() {
        let found = find(&school_book(&[
            "学校名称",
            "情况描述",
            "整改措施",
            "完成时限",
        ]));
        assert!(found.tables.is_empty());
        let diagnostic = &found.diagnostics[0];
        assert_eq!(diagnostic.rule, Rule::HeaderUnmatched);
        assert_eq!(
            diagnostic.cell.as_ref().map(ToString::to_string).as_deref(),
            Some("表!B3")
        );
        assert!(diagnostic.message.contains("存在不足情况"));
        assert!(
            diagnostic
                .hint
                .as_deref()
                .is_some_and(|h| h.contains("短板"))
        );
        // Data rows under it are not read as further headers or items.
        assert_eq!(found.diagnostics.len(), 1);
    }

    #[test]
    fn totals_rows_are_left_out_with_a_note() {
        let found = find(&sheet(&[
            &[
                "序号",
                "学校名称",
                "存在不足情况",
                "整改提升措施",
                "完成时限",
            ],
            &["1", "甲小学", "操场面积不足", "扩建", "2020年6月"],
            &["合计", "", "共1所学校1项", "", ""],
            &["2", "乙中学", "班额超标", "分班", "2019/09"],
            &["", "小 计", "1项", "", ""],
        ]));
        let table = &found.tables[0];
        assert_eq!(table.rows.len(), 2);
        assert_eq!(table.rows[1].school.as_ref().unwrap().text(), "乙中学");
        let notes: Vec<String> = found
            .diagnostics
            .iter()
            .map(|d| {
                assert_eq!(d.rule, Rule::TotalsRowSkipped);
                d.cell.as_ref().unwrap().to_string()
            })
            .collect();
        assert_eq!(notes, ["表!A3", "表!B5"]);
    }

    #[test]
    fn an_item_that_starts_with_a_totals_word_is_still_read() {
        let found = find(&sheet(&[
            &["存在不足情况", "整改提升措施", "完成时限"],
            &["共计缺少专任教师20名", "公开招聘", "2020年8月"],
            &["合计：1项", "", ""],
        ]));
        assert_eq!(found.tables[0].rows.len(), 1, "{found:#?}");
        assert_eq!(found.diagnostics.len(), 1);
        assert_eq!(found.diagnostics[0].rule, Rule::TotalsRowSkipped);
    }

    #[test]
    fn a_table_whose_rows_yield_no_item_is_an_error() {
        let found = find(&sheet(&[
            &["学校名称", "存在不足情况", "整改提升措施", "完成时限", ""],
            &["甲小学", "", "", "", "操场面积不足"],
        ]));
        assert_eq!(found.tables[0].rows.len(), 0);
        assert_eq!(found.diagnostics.len(), 1);
        assert_eq!(found.diagnostics[0].rule, Rule::TableWithoutItems);
        assert_eq!(
            found.diagnostics[0].cell.as_ref().unwrap().to_string(),
            "表!B1"
        );
        assert_eq!(
            found.diagnostics[0].message,
            "“表”第1行起的附件1学校整改清单下有内容（第2行起），但没有读到一项整改：“存在不足情况”“整改提升措施”“完成时限”列都是空的"
        );
    }

    #[test]
    fn a_school_list_with_no_header_recognised_is_an_error() {
        let found = find(&sheet(&[
            &["附件1", "", "", ""],
            &["学校整改清单", "", "", ""],
            &["学校", "情况", "做法", "何时"],
            &["甲小学", "操场面积不足", "扩建", "2020年6月"],
        ]));
        assert!(found.tables.is_empty());
        assert_eq!(found.diagnostics.len(), 1);
        assert_eq!(found.diagnostics[0].rule, Rule::HeaderUnmatched);
        assert_eq!(
            found.diagnostics[0].cell.as_ref().unwrap().to_string(),
            "表!A3"
        );
    }

    #[test]
    fn a_county_list_stays_a_county_list() {
        let found = find(&sheet(&[
            &["附件2", "", ""],
            &["县级政府达到优质均衡目标整改清单", "", ""],
            &["问题", "举措", "期限"],
            &["编制不足", "统筹", "2019年12月"],
        ]));
        assert!(found.diagnostics.is_empty());
        assert_eq!(found.tables[0].kind, TableKind::County);
        assert_eq!(found.tables[0].rows.len(), 1);
    }

    #[test]
    fn titles_do_not_read_as_labels() {
        assert!(split_labels("创建全国义务教育优质均衡发展县（市、区）时间表").is_empty());
    }
}
