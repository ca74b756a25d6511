//! Finding the notice's forms in a workbook by their header cells, never by fixed positions:
//! 附件1 (学校名称 · 存在不足情况 · 整改提升措施 · 完成时限), 附件2 (the same without 学校名称),
//! the 创建时间 sheet (县（市、区）· 所属设区市 · 计划创建年份), and labelled cells such as
//! 县（市、区）名称：西湖区 or 计划创建年份：2020年 anywhere outside a table.
//!
//! The output keeps every value raw with its absolute cell, merged regions filled, school
//! names carried down over blank or merged cells; it attaches no business meaning.

use crate::diag::Location;
use crate::domain::squeeze;

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
    PlanCounty,
    PlanCity,
    PlanYear,
}

/// Header texts after [`header_key`]; the first of each group is the notice's own wording.
const HEADERS: &[(Column, &[&str])] = &[
    (
        Column::School,
        &[
            "学校名称",
            "学校（校区）名称",
            "校区名称",
            "学校名称（校区）",
            "学校",
        ],
    ),
    (
        Column::Shortcoming,
        &[
            "存在不足情况",
            "存在的不足",
            "存在不足",
            "存在问题",
            "存在的问题",
            "不足情况",
        ],
    ),
    (
        Column::Measure,
        &["整改提升措施", "整改措施", "提升措施", "整改提升举措"],
    ),
    (
        Column::Deadline,
        &[
            "完成时限",
            "完成时间",
            "整改时限",
            "整改完成时限",
            "完成期限",
        ],
    ),
    (
        Column::Indicator,
        &[
            "对应指标",
            "指标",
            "指标编号",
            "所属指标",
            "对应指标（可选）",
        ],
    ),
    (
        Column::PlanCounty,
        &["县（市、区）", "县（市、区）名称", "县市区", "县（市区）"],
    ),
    (Column::PlanCity, &["所属设区市", "设区市", "所属市"]),
    (
        Column::PlanYear,
        &[
            "计划创建年份",
            "创建年份",
            "计划创建时间",
            "创建时间",
            "计划通过年份",
        ],
    ),
];

/// Labels outside tables and what they name, most specific first.
const LABELS: &[(Label, &[&str])] = &[
    (
        Label::County,
        &[
            "县（市、区）名称",
            "县(市、区)名称",
            "县（市、区）",
            "县市区名称",
            "县（市区）名称",
        ],
    ),
    (Label::City, &["所属设区市", "设区市"]),
    (Label::FiledOn, &["填报日期", "填报时间"]),
    (
        Label::PlanYear,
        &["计划创建年份", "创建年份", "计划创建时间", "计划通过年份"],
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
    HEADERS
        .iter()
        .find(|(_, names)| names.contains(&key.as_str()))
        .map(|(col, _)| *col)
}

/// Finds every form in the visible sheets of a workbook.
pub fn find(book: &RawWorkbook) -> Found {
    let mut found = Found::default();
    for sheet in book.sheets.iter().filter(|s| s.visible) {
        found.sheet_order.push(sheet.name.clone());
        let mut covered: Vec<(u32, u32)> = Vec::new();
        let mut row = sheet.origin.0;
        while row < sheet.row_end() {
            if let Some(columns) = header_row(sheet, row) {
                let end = if let Some(table) = read_table(sheet, row, &columns) {
                    let end = table_end(sheet, row);
                    found.tables.push(table);
                    end
                } else if let Some(plans) = read_plan_rows(sheet, row, &columns) {
                    let end = table_end(sheet, row);
                    found.plan_rows.extend(plans);
                    end
                } else {
                    row + 1
                };
                covered.push((row, end));
                row = end;
            } else {
                row += 1;
            }
        }
        found.labels.extend(find_labels(sheet, &covered));
    }
    found
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
    let table = has(Column::Shortcoming) && has(Column::Measure) && has(Column::Deadline);
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

fn read_table(sheet: &RawSheet, header: u32, columns: &[(Column, u32)]) -> Option<Table> {
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
    let end = table_end(sheet, header);
    let mut rows = Vec::new();
    let mut carried: Option<Field> = None;
    let mut first = header + 1;
    // A split header's second line is not data.
    while first < end && header_row(sheet, first).is_some() {
        first += 1;
    }
    for row in first..end {
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
    Some(Table {
        kind,
        sheet: sheet.name.clone(),
        header_row: header,
        rows,
    })
}

fn read_plan_rows(
    sheet: &RawSheet,
    header: u32,
    columns: &[(Column, u32)],
) -> Option<Vec<PlanRow>> {
    let county = col_of(columns, Column::PlanCounty)?;
    let year = col_of(columns, Column::PlanYear)?;
    let city = col_of(columns, Column::PlanCity);
    let end = table_end(sheet, header);
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

    #[test]
    fn titles_do_not_read_as_labels() {
        assert!(split_labels("创建全国义务教育优质均衡发展县（市、区）时间表").is_empty());
    }
}
