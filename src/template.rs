//! The workbook a county clerk fills in Excel, WPS or LibreOffice and drops back into the
//! inbox (`gongwen template`): the notice's 附件1 and 附件2 and the 创建时间 sheet, laid out so
//! that [`crate::intake::forms`] finds every table by its header cells, after a 填表说明 sheet
//! with the notice's 注 rules and the 31 indicators.
//!
//! Titles, labels and header rows are locked (sheet protection without a password); the cells a
//! clerk writes in are unlocked and carry data validation with an input message and a stop
//! alert: 完成时限 a drop-down of months, 对应指标 a drop-down of the indicators that fit the
//! list, 计划创建年份 and 所属设区市 drop-downs, 填报日期 a date. The long lists sit on a hidden
//! sheet, which intake skips.
//!
//! Two choices keep the printout clean. The data columns are formatted as whole columns (so
//! every row a clerk may reach is unlocked and wraps) rather than as written blank cells, and
//! the table's borders are a conditional format that draws a row once it has content: written
//! blank cells with borders would make Excel print every reserved row, filled or not.
//!
//! Every template carries a very hidden fingerprint sheet ([`workbook::FINGERPRINT_SHEET`]):
//! its format (`gongwen.template/N`, [`FORMAT_VERSION`]), the county, the accepted list it was
//! filled from, the day it was made, and where each form sits (sheet, header row, columns).
//! Intake reads a returned template by that layout rather than by header meaning, so a header a
//! clerk reworded loses no table, and warns when the template is of an older format or was made
//! for another county ([`crate::normalize`]).
//!
//! The bytes are deterministic: nothing here reads the clock; the document's creation date is
//! the notice's date, the day made is given, and the 完成时限 list starts at a fixed month
//! ([`notice::FIRST_DEADLINE_MONTH`] unless given). The builder also writes rows ([`Fill`]):
//! `gongwen template --root` refills a county's accepted list ([`fill_from`]), and tests
//! produce a filled template through this same code path.

use chrono::NaiveDate;
use rust_xlsxwriter::{
    ConditionalFormatFormula, DataValidation, DataValidationRule, DocProperties, ExcelDateTime,
    Format, FormatAlign, FormatBorder, Formula, ProtectionOptions, Workbook, Worksheet, XlsxError,
};

use crate::calendar::YearMonth;
use crate::domain::{CountyMatch, Division, Indicator, Level, registry, squeeze};
use crate::model::CountyRef;
use crate::notice::{
    self, COUNTY_FIELD, COUNTY_LIST, Column, FILED_ON_FIELD, Form, PLAN, SCHOOL_LIST,
};
use crate::workbook;

/// The instructions sheet, first in the workbook.
pub const GUIDE_SHEET: &str = "填表说明";
/// 附件1, under the list's short name.
pub const SCHOOL_SHEET: &str = SCHOOL_LIST.name;
/// 附件2, under the list's short name.
pub const COUNTY_SHEET: &str = COUNTY_LIST.name;
/// The county's planned year.
pub const PLAN_SHEET: &str = PLAN.name;
/// The hidden sheet holding the drop-down lists.
pub const LISTS_SHEET: &str = "下拉选项";

/// Zero-based row of the 县（市、区）名称 / 填报日期 preamble on both item sheets.
pub const PREAMBLE_ROW: u32 = 2;
/// Zero-based row of the header on both item sheets.
pub const HEADER_ROW: u32 = 3;
/// Zero-based row of the first data row on both item sheets.
pub const FIRST_DATA_ROW: u32 = 4;
/// Rows below the header that carry the validations and the borders, on each item sheet.
pub const DATA_ROWS: u32 = 1000;
/// Zero-based row of the one data row of the 创建时间 sheet.
pub const PLAN_ROW: u32 = 2;

/// The 完成时限 drop-down: every month from `from` to [`notice::LAST_DEADLINE_MONTH`], as
/// `2019年3月`.
pub fn deadline_months(from: YearMonth) -> Vec<String> {
    let mut out = Vec::new();
    let mut month = from;
    while month <= notice::LAST_DEADLINE_MONTH {
        out.push(month.zh());
        month = month.next();
    }
    out
}

/// The 完成时限 drop-down of a template: [`deadline_months`] from `from`, and every month a
/// filled list already holds outside them (a refilled list's 2019年6月 when the list starts at
/// `--from 2020-01`), in calendar order, so a clerk editing a row can keep its month.
pub fn offered_months(from: YearMonth, fill: &Fill) -> Vec<String> {
    let mut months: Vec<YearMonth> = Vec::new();
    let mut month = from;
    while month <= notice::LAST_DEADLINE_MONTH {
        months.push(month);
        month = month.next();
    }
    for row in fill.schools.iter().chain(&fill.county_items) {
        if let Some(m) = month_of_choice(&row.deadline)
            && !months.contains(&m)
        {
            months.push(m);
        }
    }
    months.sort();
    months.into_iter().map(YearMonth::zh).collect()
}

/// `2020年6月`, as the drop-down writes a month.
fn month_of_choice(text: &str) -> Option<YearMonth> {
    let (year, month) = text.trim().strip_suffix('月')?.split_once('年')?;
    YearMonth::parse(&format!("{year}-{month}"))
}

/// The 对应指标 drop-down of a list: the indicators that fit it, as `R5 生均体育运动场馆面积`
/// (the code first, so the reader takes the code).
pub fn indicator_choices(list: Level) -> Vec<String> {
    registry()
        .indicators
        .iter()
        .filter(|i| i.level.fits(list))
        .map(indicator_choice)
        .collect()
}

fn indicator_choice(indicator: &Indicator) -> String {
    format!("{} {}", indicator.code, indicator.short)
}

/// One row a [`Fill`] writes: for the county list `school` is ignored; an empty `school` on the
/// school list is a row carried down from the school above, as clerks write it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Row {
    pub school: String,
    pub shortcoming: String,
    pub measure: String,
    /// As picked from the drop-down: `2020年6月`.
    pub deadline: String,
    /// As picked from the drop-down (`R5 生均体育运动场馆面积`), or empty.
    pub indicator: String,
}

/// Values written into the template's data cells, exactly where and how a clerk would put
/// them: a county's accepted list ([`fill_from`]), or a test's rows.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Fill {
    /// Written as a date cell into both preambles.
    pub filed_on: Option<NaiveDate>,
    pub schools: Vec<Row>,
    pub county_items: Vec<Row>,
    /// One of [`notice::plan_year_labels`], or anything else a test wants to try.
    pub plan_year: Option<String>,
}

/// The template refilled from an accepted list, so a resubmission is an edit: every school
/// with its items (the school's name on its first row, as clerks write it), the county items,
/// deadlines as the drop-down's months, indicators as the drop-down's choices, the plan year,
/// and the list's 填报日期 (kept, so the refilled template reads back as the list it came from;
/// the clerk updates it when resubmitting).
pub fn fill_from(list: &crate::model::Submission) -> (Fill, ListOrigin) {
    let row = |school: &str, item: &crate::model::Item| Row {
        school: school.to_owned(),
        shortcoming: item.shortcoming.clone(),
        measure: item.measure.clone(),
        deadline: item.deadline.map(YearMonth::zh).unwrap_or_default(),
        indicator: item
            .indicator
            .as_deref()
            .and_then(|code| registry().indicator(code))
            .map(indicator_choice)
            .unwrap_or_default(),
    };
    let schools = list
        .schools
        .iter()
        .flat_map(|school| {
            school
                .items
                .iter()
                .enumerate()
                .map(|(i, item)| row(if i == 0 { school.name.as_str() } else { "" }, item))
        })
        .collect();
    let fill = Fill {
        filed_on: list.filed_on,
        schools,
        county_items: list.county_items.iter().map(|i| row("", i)).collect(),
        plan_year: list.plan_year.map(|y| y.label().to_owned()),
    };
    let origin = ListOrigin {
        sha256: list.source.sha256.clone(),
        file: list.source.file.clone(),
        filed_on: list.filed_on,
    };
    (fill, origin)
}

/// What to build.
#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    /// Filled into both preambles and the 创建时间 row when given.
    pub county: Option<CountyRef>,
    /// The first month of the 完成时限 drop-down.
    pub from: YearMonth,
    pub fill: Fill,
    /// The accepted list the fill was taken from, named in the fingerprint.
    pub list: Option<ListOrigin>,
    /// The day the template is made, named in the fingerprint: given, never read from the
    /// clock here, so the same inputs give the same bytes.
    pub made_on: Option<NaiveDate>,
}

impl Default for Template {
    fn default() -> Self {
        Template {
            county: None,
            from: notice::FIRST_DEADLINE_MONTH,
            fill: Fill::default(),
            list: None,
            made_on: None,
        }
    }
}

/// The template's format version. Raise it whenever the forms move (a sheet renamed, a
/// header row or a column moved): intake reads a template by where its fingerprint says the
/// forms are, and tells a clerk who filled an older one to fetch a new one.
pub const FORMAT_VERSION: u32 = 1;
/// The fingerprint's `format` before the version: `gongwen.template/1`.
pub const FORMAT_PREFIX: &str = "gongwen.template/";

/// `gongwen.template/N`.
pub fn format_name(version: u32) -> String {
    format!("{FORMAT_PREFIX}{version}")
}

/// The accepted list a filled template was made from (`archive/<sha256>/`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListOrigin {
    pub sha256: String,
    /// The file name as the county sent it.
    pub file: String,
    /// The list's 填报日期.
    pub filed_on: Option<NaiveDate>,
}

/// Where the template put one form: its sheet, header row (zero-based) and columns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrintedForm {
    pub sheet: String,
    pub header_row: u32,
    /// Zero-based column and what it holds ([`fingerprint_keys::COLUMNS`] names).
    pub columns: Vec<(u32, String)>,
}

/// A template's fingerprint as read back from a returned workbook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fingerprint {
    /// N of `gongwen.template/N`.
    pub version: u32,
    /// The county the template was made for: code and name.
    pub county: Option<(String, String)>,
    pub list: Option<ListOrigin>,
    pub made_on: Option<NaiveDate>,
    pub forms: Vec<PrintedForm>,
}

/// The fingerprint's keys and the names of what a column holds.
pub mod fingerprint_keys {
    pub const COUNTY_CODE: &str = "county_code";
    pub const COUNTY_NAME: &str = "county_name";
    pub const LIST_SHA256: &str = "list_sha256";
    pub const LIST_FILE: &str = "list_file";
    pub const LIST_FILED_ON: &str = "list_filed_on";
    pub const MADE_ON: &str = "made_on";
    /// `form1.sheet`, `form1.header_row` (as Excel numbers rows), `form1.columns`
    /// (`A=school,B=shortcoming,…`), then form2, form3.
    pub const FORM: &str = "form";
    pub const SCHOOL: &str = "school";
    pub const SHORTCOMING: &str = "shortcoming";
    pub const MEASURE: &str = "measure";
    pub const DEADLINE: &str = "deadline";
    pub const INDICATOR: &str = "indicator";
    pub const PLAN_COUNTY: &str = "plan_county";
    pub const PLAN_CITY: &str = "plan_city";
    pub const PLAN_YEAR: &str = "plan_year";
    /// Every name a column may carry.
    pub const COLUMNS: &[&str] = &[
        SCHOOL,
        SHORTCOMING,
        MEASURE,
        DEADLINE,
        INDICATOR,
        PLAN_COUNTY,
        PLAN_CITY,
        PLAN_YEAR,
    ];
}

fn column_key(column: Column) -> &'static str {
    use fingerprint_keys as k;
    match column {
        Column::School => k::SCHOOL,
        Column::Shortcoming => k::SHORTCOMING,
        Column::Measure => k::MEASURE,
        Column::Deadline => k::DEADLINE,
        Column::Indicator => k::INDICATOR,
    }
}

/// Where this builder puts the forms: the three the fingerprint names.
fn printed_forms() -> Vec<PrintedForm> {
    let items = |layout: &ItemLayout| PrintedForm {
        sheet: layout.form.name.to_owned(),
        header_row: HEADER_ROW,
        columns: layout
            .columns()
            .enumerate()
            .map(|(col, (column, _))| (col as u32, column_key(column).to_owned()))
            .collect(),
    };
    use fingerprint_keys as k;
    vec![
        items(&ItemLayout::SCHOOLS),
        items(&ItemLayout::COUNTY),
        PrintedForm {
            sheet: PLAN.name.to_owned(),
            header_row: PLAN_ROW - 1,
            columns: [k::PLAN_COUNTY, k::PLAN_CITY, k::PLAN_YEAR]
                .iter()
                .enumerate()
                .map(|(col, key)| (col as u32, (*key).to_owned()))
                .collect(),
        },
    ]
}

/// The fingerprint's rows, in a fixed order.
fn fingerprint_pairs(template: &Template) -> Vec<(String, String)> {
    use fingerprint_keys as k;
    let mut pairs = vec![(workbook::FORMAT_KEY.to_owned(), format_name(FORMAT_VERSION))];
    if let Some(county) = &template.county {
        pairs.push((k::COUNTY_CODE.to_owned(), county.code.clone()));
        pairs.push((k::COUNTY_NAME.to_owned(), county.name.clone()));
    }
    if let Some(list) = &template.list {
        pairs.push((k::LIST_SHA256.to_owned(), list.sha256.clone()));
        pairs.push((k::LIST_FILE.to_owned(), list.file.clone()));
        if let Some(date) = list.filed_on {
            pairs.push((k::LIST_FILED_ON.to_owned(), date.to_string()));
        }
    }
    if let Some(date) = template.made_on {
        pairs.push((k::MADE_ON.to_owned(), date.to_string()));
    }
    for (i, form) in printed_forms().iter().enumerate() {
        let n = i + 1;
        pairs.push((format!("{}{n}.sheet", k::FORM), form.sheet.clone()));
        pairs.push((
            format!("{}{n}.header_row", k::FORM),
            (form.header_row + 1).to_string(),
        ));
        let columns: Vec<String> = form
            .columns
            .iter()
            .map(|(col, key)| format!("{}={key}", crate::diag::column_letters(*col)))
            .collect();
        pairs.push((format!("{}{n}.columns", k::FORM), columns.join(",")));
    }
    pairs
}

/// The fingerprint of a template gongwen wrote, when the workbook carries one (of any
/// version: an older one is still read, and warned about).
pub fn fingerprint(book: &crate::intake::RawWorkbook) -> Option<Fingerprint> {
    use fingerprint_keys as k;
    let print = workbook::read_fingerprint(book, |format| version_of(format).is_some())?;
    let version = version_of(print.get(workbook::FORMAT_KEY)?)?;
    let get = |key: &str| print.get(key).filter(|v| !v.is_empty()).cloned();
    let date = |key: &str| get(key).and_then(|d| NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok());
    let county = get(k::COUNTY_CODE).map(|code| (code, get(k::COUNTY_NAME).unwrap_or_default()));
    let list = get(k::LIST_SHA256).map(|sha256| ListOrigin {
        sha256,
        file: get(k::LIST_FILE).unwrap_or_default(),
        filed_on: date(k::LIST_FILED_ON),
    });
    let mut forms = Vec::new();
    for n in 1..=8 {
        let key = |what: &str| format!("{}{n}.{what}", k::FORM);
        let (Some(sheet), Some(row), Some(columns)) = (
            get(&key("sheet")),
            get(&key("header_row")),
            get(&key("columns")),
        ) else {
            continue;
        };
        let Some(header_row) = row.parse::<u32>().ok().and_then(|r| r.checked_sub(1)) else {
            continue;
        };
        let columns: Option<Vec<(u32, String)>> = columns
            .split(',')
            .map(|pair| {
                let (letters, name) = pair.split_once('=')?;
                let cell = crate::diag::Location::parse(&format!("x!{}1", letters.trim()))?;
                k::COLUMNS
                    .contains(&name.trim())
                    .then(|| (cell.col, name.trim().to_owned()))
            })
            .collect();
        if let Some(columns) = columns {
            forms.push(PrintedForm {
                sheet,
                header_row,
                columns,
            });
        }
    }
    Some(Fingerprint {
        version,
        county,
        list,
        made_on: date(k::MADE_ON),
        forms,
    })
}

/// N of `gongwen.template/N`.
fn version_of(format: &str) -> Option<u32> {
    format.strip_prefix(FORMAT_PREFIX)?.parse().ok()
}

/// Why a template could not be built.
#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    #[error("the 完成时限 list would be empty: {from} is after {last}", last = notice::LAST_DEADLINE_MONTH)]
    FromTooLate { from: YearMonth },
    #[error("{sheet} holds at most {max} rows, {given} were given")]
    TooManyRows {
        sheet: &'static str,
        max: u32,
        given: usize,
    },
    #[error("page footer of {sheet} is longer than Excel's 255 characters")]
    FooterTooLong { sheet: &'static str },
    #[error("cannot write the workbook: {0}")]
    Xlsx(#[from] XlsxError),
}

/// The file name `gongwen template` writes: `整改清单填报模板_西湖区.xlsx`, or without the
/// county when none is given.
pub fn file_name(county: Option<&CountyRef>) -> String {
    match county {
        Some(c) => format!("整改清单填报模板_{}.xlsx", c.name),
        None => "整改清单填报模板.xlsx".to_owned(),
    }
}

/// A county name as the user gave it on the command line, resolved.
#[derive(Debug, Clone)]
pub struct ResolvedCounty {
    pub division: &'static Division,
    /// Said when the name was accepted without its suffix (西湖 for 西湖区).
    pub note: Option<String>,
}

/// A county name that names no division, with what to write instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct UnknownCounty {
    pub message: String,
    pub hint: String,
}

/// Resolves `--county`: 西湖区 and 杭州市西湖区 exactly, 西湖 with a note; anything else is an
/// error whose hint names the county's real city or similar names.
pub fn resolve_county(text: &str) -> Result<ResolvedCounty, UnknownCounty> {
    let reg = registry();
    match reg.county(text, None) {
        CountyMatch::Exact(division) => Ok(ResolvedCounty {
            division,
            note: None,
        }),
        CountyMatch::WithoutSuffix(division) => Ok(ResolvedCounty {
            division,
            note: Some(format!(
                "「{}」 taken as {}{}",
                text.trim(),
                division.city,
                division.name
            )),
        }),
        CountyMatch::NotFound => {
            let squeezed = squeeze(text);
            let message = format!(
                "「{}」 is not a county-level division of Zhejiang",
                text.trim()
            );
            // 宁波市西湖区: a real county under the wrong city.
            if let Some(division) = reg.divisions.iter().find(|d| {
                squeezed.ends_with(&d.name) && squeezed.chars().count() > d.name.chars().count()
            }) {
                return Err(UnknownCounty {
                    message,
                    hint: format!(
                        "{} belongs to {}: give --county {} or --county {}{}",
                        division.name, division.city, division.name, division.city, division.name
                    ),
                });
            }
            let mut similar: Vec<&str> = reg
                .divisions
                .iter()
                .filter(|d| {
                    squeezed.contains(d.short_name())
                        || (squeezed.chars().count() >= 2 && d.name.contains(&squeezed))
                })
                .map(|d| d.name.as_str())
                .collect();
            similar.dedup();
            let hint = if similar.is_empty() {
                "give the county as the registry names it, e.g. --county 西湖区, --county 杭州市西湖区 or --county 桐庐县 (data/zhejiang_divisions.csv lists them all)".to_owned()
            } else {
                format!("did you mean {}?", similar.join(", "))
            };
            Err(UnknownCounty { message, hint })
        }
    }
}

/// Builds the workbook's bytes.
pub fn build(template: &Template) -> Result<Vec<u8>, TemplateError> {
    if template.from > notice::LAST_DEADLINE_MONTH {
        return Err(TemplateError::FromTooLate {
            from: template.from,
        });
    }
    for (sheet, rows) in [
        (SCHOOL_SHEET, template.fill.schools.len()),
        (COUNTY_SHEET, template.fill.county_items.len()),
    ] {
        if rows > DATA_ROWS as usize {
            return Err(TemplateError::TooManyRows {
                sheet,
                max: DATA_ROWS,
                given: rows,
            });
        }
    }
    let styles = Styles::new();
    let lists = Lists::new(template.from, &template.fill);
    let mut book = Workbook::new();
    book.set_properties(&properties(template.county.as_ref())?);
    guide_sheet(book.add_worksheet(), &styles, template)?;
    item_sheet(
        book.add_worksheet(),
        &styles,
        &lists,
        template,
        &ItemLayout::SCHOOLS,
    )?;
    item_sheet(
        book.add_worksheet(),
        &styles,
        &lists,
        template,
        &ItemLayout::COUNTY,
    )?;
    plan_sheet(book.add_worksheet(), &styles, template)?;
    lists_sheet(book.add_worksheet(), &lists)?;
    let pairs = fingerprint_pairs(template);
    let pairs: Vec<(&str, String)> = pairs.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
    workbook::fingerprint_sheet(book.add_worksheet(), &pairs)?;
    Ok(book.save_to_buffer()?)
}

fn properties(county: Option<&CountyRef>) -> Result<DocProperties, XlsxError> {
    let (y, m, d) = notice::DATE;
    // The notice's date: a constant well inside Excel's range, so the casts cannot wrap.
    let created = ExcelDateTime::from_ymd(y as u16, m as u8, d as u8)?;
    let title = match county {
        Some(c) => format!("义务教育优质均衡整改清单填报模板（{}{}）", c.city, c.name),
        None => "义务教育优质均衡整改清单填报模板".to_owned(),
    };
    Ok(DocProperties::new()
        .set_title(title)
        .set_subject(format!(
            "{} {}、{}及{}",
            notice::NUMBER,
            SCHOOL_LIST.label,
            COUNTY_LIST.label,
            PLAN.name
        ))
        .set_author("gongwen")
        .set_comment("填好后保存，交回收件文件夹（inbox）")
        .set_creation_datetime(&created))
}

/// Every cell format, made once.
struct Styles {
    attachment: Format,
    title: Format,
    label: Format,
    label_right: Format,
    value: Format,
    date_value: Format,
    filler: Format,
    header: Format,
    text_column: Format,
    deadline_column: Format,
    row_border: Format,
    plan_value: Format,
    heading: Format,
    paragraph: Format,
    table_header: Format,
    table_cell: Format,
    table_number: Format,
}

impl Styles {
    fn new() -> Styles {
        let body = workbook::body();
        let heading = workbook::heading();
        let unlocked_text = body
            .clone()
            .set_unlocked()
            .set_text_wrap()
            .set_align(FormatAlign::VerticalCenter);
        Styles {
            attachment: heading.clone().set_font_size(14),
            title: workbook::title(),
            label: body.clone().set_align(FormatAlign::VerticalCenter),
            label_right: body
                .clone()
                .set_align(FormatAlign::Right)
                .set_align(FormatAlign::VerticalCenter),
            value: body
                .clone()
                .set_unlocked()
                .set_align(FormatAlign::Left)
                .set_align(FormatAlign::VerticalCenter)
                .set_border_bottom(FormatBorder::Thin),
            date_value: body
                .clone()
                .set_unlocked()
                .set_align(FormatAlign::Left)
                .set_align(FormatAlign::VerticalCenter)
                .set_border_bottom(FormatBorder::Thin)
                .set_num_format("yyyy\"年\"m\"月\"d\"日\""),
            filler: body.clone(),
            header: heading
                .clone()
                .set_font_size(12)
                .set_align(FormatAlign::Center)
                .set_align(FormatAlign::VerticalCenter)
                .set_text_wrap()
                .set_border(FormatBorder::Thin)
                .set_background_color("#F2F2F2"),
            text_column: unlocked_text.clone(),
            // Text, so a typed 2020年6月 or 2020.10 stays what was typed rather than becoming
            // a date or the number 2020.1.
            deadline_column: unlocked_text
                .clone()
                .set_num_format("@")
                .set_align(FormatAlign::Center),
            row_border: Format::new().set_border(FormatBorder::Thin),
            plan_value: unlocked_text
                .set_align(FormatAlign::Center)
                .set_border(FormatBorder::Thin),
            heading: heading
                .clone()
                .set_font_size(12)
                .set_align(FormatAlign::VerticalCenter),
            paragraph: body
                .clone()
                .set_text_wrap()
                .set_align(FormatAlign::Top)
                .set_align(FormatAlign::Left),
            table_header: heading
                .set_font_size(11)
                .set_align(FormatAlign::Center)
                .set_align(FormatAlign::VerticalCenter)
                .set_text_wrap()
                .set_border(FormatBorder::Thin)
                .set_background_color("#F2F2F2"),
            table_cell: body
                .clone()
                .set_text_wrap()
                .set_align(FormatAlign::VerticalCenter)
                .set_border(FormatBorder::Thin),
            table_number: body
                .set_align(FormatAlign::Center)
                .set_align(FormatAlign::VerticalCenter)
                .set_border(FormatBorder::Thin),
        }
    }
}

/// The drop-down lists and where each sits on the hidden sheet.
struct Lists {
    months: Vec<String>,
    school_indicators: Vec<String>,
    county_indicators: Vec<String>,
}

impl Lists {
    fn new(from: YearMonth, fill: &Fill) -> Lists {
        Lists {
            months: offered_months(from, fill),
            school_indicators: indicator_choices(Level::School),
            county_indicators: indicator_choices(Level::County),
        }
    }

    /// The columns of the hidden sheet, in order.
    fn columns(&self) -> [&[String]; 3] {
        [
            &self.months,
            &self.school_indicators,
            &self.county_indicators,
        ]
    }

    /// `'下拉选项'!$A$1:$A$58`: the range of the list in column `col` of the hidden sheet.
    fn range(&self, col: usize) -> Formula {
        let len = self.columns()[col].len().max(1);
        let letter = char::from(b'A' + col as u8);
        Formula::new(format!("'{LISTS_SHEET}'!${letter}$1:${letter}${len}"))
    }
}

/// One of the notice's two lists on its sheet: the form's columns, then gongwen's
/// 对应指标（可选）, each with its width.
struct ItemLayout {
    form: &'static Form,
    list: Level,
    /// One per column of [`ItemLayout::columns`].
    widths: &'static [f64],
}

impl ItemLayout {
    const SCHOOLS: ItemLayout = ItemLayout {
        form: &SCHOOL_LIST,
        list: Level::School,
        widths: &[26.0, 40.0, 44.0, 17.0, 28.0],
    };

    const COUNTY: ItemLayout = ItemLayout {
        form: &COUNTY_LIST,
        list: Level::County,
        widths: &[48.0, 56.0, 17.0, 28.0],
    };

    /// The sheet's columns and their widths.
    fn columns(&self) -> impl Iterator<Item = (Column, f64)> + '_ {
        self.form
            .columns
            .iter()
            .copied()
            .chain([Column::Indicator])
            .zip(self.widths.iter().copied())
    }

    fn last_col(&self) -> u16 {
        self.widths.len() as u16 - 1
    }
}

// A width for every column, so `columns` drops none.
const _: () = assert!(ItemLayout::SCHOOLS.widths.len() == SCHOOL_LIST.columns.len() + 1);
const _: () = assert!(ItemLayout::COUNTY.widths.len() == COUNTY_LIST.columns.len() + 1);

/// Protection that leaves unlocked cells editable and lets rows and columns be resized (long
/// measures need taller rows); no password.
fn protection() -> ProtectionOptions {
    ProtectionOptions {
        format_columns: true,
        format_rows: true,
        ..ProtectionOptions::default()
    }
}

/// A4 with the margins the rendered documents use roughly, one page wide.
fn print_setup(sheet: &mut Worksheet, landscape: bool) {
    const A4: u8 = 9;
    sheet.set_paper_size(A4);
    if landscape {
        sheet.set_landscape();
    } else {
        sheet.set_portrait();
    }
    sheet.set_margins(0.5, 0.5, 0.6, 1.0, 0.3, 0.3);
    sheet.set_print_fit_to_pages(1, 0);
    sheet.set_print_center_horizontally(true);
}

/// The footer: the notice's 注 on the left, numbered, one per line, and the page number on
/// the right.
fn footer(sheet: &'static str, notes: &[String]) -> Result<String, TemplateError> {
    let mut text = String::from("&L&9注：");
    text.push_str(&notes.join("\n"));
    text.push_str("&R&9第 &P 页，共 &N 页");
    // Excel's limit; rust_xlsxwriter would drop a longer footer with only a message on stderr.
    if text.encode_utf16().count() > 255 {
        return Err(TemplateError::FooterTooLong { sheet });
    }
    Ok(text)
}

/// An input message and a stop alert, with the list or rule already set.
fn messages(
    validation: DataValidation,
    title: &str,
    input: &str,
    error: Option<&str>,
) -> Result<DataValidation, XlsxError> {
    let validation = validation
        .set_input_title(title)?
        .set_input_message(input)?;
    match error {
        Some(error) => validation
            .set_error_title(format!("{title}填写有误"))?
            .set_error_message(error),
        None => Ok(validation),
    }
}

fn item_sheet(
    sheet: &mut Worksheet,
    styles: &Styles,
    lists: &Lists,
    template: &Template,
    layout: &ItemLayout,
) -> Result<(), TemplateError> {
    let form = layout.form;
    sheet.set_name(form.name)?;
    let last = layout.last_col();
    for (col, (column, width)) in layout.columns().enumerate() {
        let col = col as u16;
        sheet.set_column_width(col, width)?;
        let format = match column {
            Column::Deadline => &styles.deadline_column,
            _ => &styles.text_column,
        };
        sheet.set_column_format(col, format)?;
    }

    // 附件1 / title / preamble / header, each cell written so none inherits the unlocked
    // column format.
    for row in 0..FIRST_DATA_ROW {
        for col in 0..=last {
            sheet.write_blank(row, col, &styles.filler)?;
        }
    }
    sheet.set_row_height(0, 22)?;
    sheet.write_string_with_format(0, 0, form.label, &styles.attachment)?;
    sheet.set_row_height(1, 40)?;
    sheet.merge_range(1, 0, 1, last, form.title, &styles.title)?;
    preamble(sheet, styles, template, layout)?;
    sheet.set_row_height(HEADER_ROW, 32)?;
    for (col, (column, _)) in layout.columns().enumerate() {
        sheet.write_string_with_format(HEADER_ROW, col as u16, column.header(), &styles.header)?;
    }

    let first = FIRST_DATA_ROW;
    let end = FIRST_DATA_ROW + DATA_ROWS - 1;
    for (col, (column, _)) in layout.columns().enumerate() {
        let validation = column_validation(column, layout, lists)?;
        sheet.add_data_validation(first, col as u16, end, col as u16, &validation)?;
    }
    let last_letter = char::from(b'A' + last as u8);
    let borders = ConditionalFormatFormula::new()
        .set_rule(format!("=COUNTA($A{0}:${last_letter}{0})>0", first + 1).as_str())
        .set_format(&styles.row_border);
    sheet.add_conditional_format(first, 0, end, last, &borders)?;

    let rows = match layout.list {
        Level::School => &template.fill.schools,
        _ => &template.fill.county_items,
    };
    for (i, row) in rows.iter().enumerate() {
        write_row(sheet, styles, layout, first + i as u32, row)?;
    }

    sheet.set_freeze_panes(FIRST_DATA_ROW, 0)?;
    sheet.set_selection(FIRST_DATA_ROW, 0, FIRST_DATA_ROW, 0)?;
    print_setup(sheet, true);
    sheet.set_repeat_rows(HEADER_ROW, HEADER_ROW)?;
    sheet.set_footer(footer(form.name, &form.numbered_notes())?);
    sheet.protect_with_options(&protection());
    Ok(())
}

/// `县（市、区）名称：` value `填报日期：` value, as label and value cells the reader pairs.
fn preamble(
    sheet: &mut Worksheet,
    styles: &Styles,
    template: &Template,
    layout: &ItemLayout,
) -> Result<(), TemplateError> {
    let row = PREAMBLE_ROW;
    let last = layout.last_col();
    sheet.set_row_height(row, 26)?;
    sheet.write_string_with_format(row, 0, format!("{COUNTY_FIELD}："), &styles.label_right)?;
    let county = template.county.as_ref().map_or("", |c| c.name.as_str());
    write_text(sheet, row, 1, county, &styles.value)?;
    sheet.write_string_with_format(
        row,
        last - 1,
        format!("{FILED_ON_FIELD}："),
        &styles.label_right,
    )?;
    match template.fill.filed_on {
        Some(date) => {
            let cell = excel_date(date)?;
            sheet.write_datetime_with_format(row, last, &cell, &styles.date_value)?;
        }
        None => {
            sheet.write_blank(row, last, &styles.date_value)?;
        }
    }
    let validation = messages(
        DataValidation::new().allow_date(DataValidationRule::Between(
            ExcelDateTime::from_ymd(2019, 1, 1)?,
            ExcelDateTime::from_ymd(2099, 12, 31)?,
        )),
        FILED_ON_FIELD,
        "填写填报日期，如 2019-5-20（显示为2019年5月20日）。",
        Some("请输入日期，如 2019-5-20。"),
    )?;
    sheet.add_data_validation(row, last, row, last, &validation)?;
    let validation = messages(
        DataValidation::new().allow_any_value(),
        COUNTY_FIELD,
        "填写本县（市、区）规范名称，如“西湖区”或“杭州市西湖区”。",
        None,
    )?;
    sheet.add_data_validation(row, 1, row, 1, &validation)?;
    Ok(())
}

fn excel_date(date: NaiveDate) -> Result<ExcelDateTime, XlsxError> {
    use chrono::Datelike;
    let year = u16::try_from(date.year())
        .map_err(|_| XlsxError::ParameterError(format!("year {} out of range", date.year())))?;
    ExcelDateTime::from_ymd(year, date.month() as u8, date.day() as u8)
}

fn column_validation(
    column: Column,
    layout: &ItemLayout,
    lists: &Lists,
) -> Result<DataValidation, XlsxError> {
    let any = DataValidation::new().allow_any_value();
    let from = lists.months.first().map_or("", String::as_str);
    let until = lists.months.last().map_or("", String::as_str);
    let title = column.header();
    match column {
        Column::School => messages(
            any,
            title,
            "填写学校全称。按物理独立校区填报，一校多区的每个校区分开填报。同一学校有多项不足的，只在第一行填写校名，以下各行可留空。",
            None,
        ),
        Column::Shortcoming => {
            let whose = match layout.list {
                Level::School => "学校",
                _ => "县级政府",
            };
            messages(
                any,
                title,
                &format!(
                    "每行一项。按《办法》31项指标中要求{whose}达标的指标逐项填写，写明指标名称，如“生均体育运动场馆面积不足”。达标项目不用填报。"
                ),
                None,
            )
        }
        Column::Measure => messages(any, title, "针对这一项不足的整改提升措施。", None),
        Column::Deadline => messages(
            DataValidation::new().allow_list_formula(lists.range(0)),
            title,
            &format!("从下拉列表选择年月（{from}至{until}）。完成时限精确到月份。"),
            Some(&format!(
                "完成时限要精确到月份，请从下拉列表选择{from}至{until}中的一个月，如“2020年6月”。"
            )),
        ),
        Column::Indicator => {
            let (col, whose) = match layout.list {
                Level::School => (1, "学校"),
                _ => (2, "县级政府"),
            };
            messages(
                DataValidation::new().allow_list_formula(lists.range(col)),
                title,
                &format!(
                    "可不填。从下拉列表选择这一项不足对应的指标（只列出要求{whose}达标的指标）；选了的，以所选指标为准。"
                ),
                Some("请从下拉列表选择指标，或者留空。"),
            )
        }
    }
}

fn write_row(
    sheet: &mut Worksheet,
    styles: &Styles,
    layout: &ItemLayout,
    row: u32,
    values: &Row,
) -> Result<(), XlsxError> {
    for (col, (column, _)) in layout.columns().enumerate() {
        let (text, format) = match column {
            Column::School => (&values.school, &styles.text_column),
            Column::Shortcoming => (&values.shortcoming, &styles.text_column),
            Column::Measure => (&values.measure, &styles.text_column),
            Column::Deadline => (&values.deadline, &styles.deadline_column),
            Column::Indicator => (&values.indicator, &styles.text_column),
        };
        if !text.is_empty() {
            sheet.write_string_with_format(row, col as u16, text, format)?;
        }
    }
    Ok(())
}

/// A text cell, or a formatted blank one for no text (an empty string would be a value).
fn write_text(
    sheet: &mut Worksheet,
    row: u32,
    col: u16,
    text: &str,
    format: &Format,
) -> Result<(), XlsxError> {
    if text.is_empty() {
        sheet.write_blank(row, col, format)?;
    } else {
        sheet.write_string_with_format(row, col, text, format)?;
    }
    Ok(())
}

fn plan_sheet(
    sheet: &mut Worksheet,
    styles: &Styles,
    template: &Template,
) -> Result<(), TemplateError> {
    const WIDTHS: [f64; 3] = [24.0, 20.0, 24.0];
    sheet.set_name(PLAN.name)?;
    for (col, width) in WIDTHS.iter().enumerate() {
        sheet.set_column_width(col as u16, *width)?;
    }
    sheet.set_row_height(0, 40)?;
    sheet.merge_range(0, 0, 0, 2, PLAN.title, &styles.title)?;
    sheet.set_row_height(1, 32)?;
    for (col, header) in PLAN.headers().iter().enumerate() {
        sheet.write_string_with_format(1, col as u16, *header, &styles.header)?;
    }
    sheet.set_row_height(PLAN_ROW, 26)?;
    let values = [
        template.county.as_ref().map_or("", |c| c.name.as_str()),
        template.county.as_ref().map_or("", |c| c.city.as_str()),
        template.fill.plan_year.as_deref().unwrap_or(""),
    ];
    for (col, value) in values.iter().enumerate() {
        write_text(sheet, PLAN_ROW, col as u16, value, &styles.plan_value)?;
    }
    let county = messages(
        DataValidation::new().allow_any_value(),
        PLAN.county_header,
        "填写本县（市、区）规范名称，如“西湖区”。",
        None,
    )?;
    let cities: Vec<&str> = registry().cities().into_iter().map(|(c, _)| c).collect();
    let city = messages(
        DataValidation::new().allow_list_strings(&cities)?,
        PLAN.city_header,
        "从下拉列表选择本县（市、区）所属的设区市。",
        Some("请从下拉列表选择设区市，如“杭州市”。"),
    )?;
    let year = messages(
        DataValidation::new().allow_list_strings(&notice::plan_year_labels())?,
        PLAN.year_header,
        "从下拉列表选择计划通过国家县域义务教育优质均衡发展评估认定的年份。",
        Some(&format!(
            "请从下拉列表选择：{}。",
            notice::plan_year_choices()
        )),
    )?;
    for (col, validation) in [county, city, year].iter().enumerate() {
        let col = col as u16;
        sheet.add_data_validation(PLAN_ROW, col, PLAN_ROW, col, validation)?;
    }
    sheet.write_string_with_format(
        PLAN_ROW + 2,
        0,
        "注：每个县（市、区）填写一行，年份从下拉列表选择。",
        &styles.label,
    )?;
    sheet.set_selection(PLAN_ROW, 2, PLAN_ROW, 2)?;
    print_setup(sheet, false);
    sheet.protect_with_options(&protection());
    Ok(())
}

fn lists_sheet(sheet: &mut Worksheet, lists: &Lists) -> Result<(), TemplateError> {
    sheet.set_name(LISTS_SHEET)?;
    for (col, values) in lists.columns().iter().enumerate() {
        sheet.set_column_width(col as u16, 30)?;
        for (row, value) in values.iter().enumerate() {
            sheet.write_string(row as u32, col as u16, value)?;
        }
    }
    sheet.set_hidden(true);
    sheet.protect();
    Ok(())
}

/// Column widths of the 填表说明 sheet: the indicator table's columns.
const GUIDE_COLUMNS: [(&str, f64); 8] = [
    ("编号", 6.0),
    ("类别", 14.0),
    ("达标主体", 16.0),
    ("指标名称", 22.0),
    ("指标要求", 46.0),
    ("小学", 8.0),
    ("初中", 8.0),
    ("单位", 8.0),
];

/// One line of the 填表说明 sheet.
enum Line {
    Title(String),
    Heading(&'static str),
    Paragraph(String),
    Blank,
    Indicators,
}

/// The 填表说明 text. Names of labels and headers (县（市、区）名称, 填报日期, 计划创建年份…) only
/// ever appear in quotes or mid-sentence, so the reader never takes a sentence here for a label.
fn guide_lines(template: &Template) -> Vec<Line> {
    let offered = offered_months(template.from, &template.fill);
    let from = offered.first().cloned().unwrap_or_default();
    let until = offered.last().cloned().unwrap_or_default();
    let mut lines = vec![
        Line::Title("义务教育优质均衡整改清单填表说明".to_owned()),
        Line::Blank,
        Line::Paragraph(format!(
            "依据{issuer}{title}（{number}），各县（市、区）对照《县域义务教育优质均衡发展督导评估办法》（以下简称《办法》）31项指标逐项逐校自查，填写本工作簿的“{school}”（{school_label}）、“{county}”（{county_label}）和“{plan}”三张表，于2019年5月底前报设区市教育局。",
            issuer = notice::ISSUER,
            title = notice::TITLE,
            number = notice::NUMBER,
            school = SCHOOL_LIST.name,
            school_label = SCHOOL_LIST.label,
            county = COUNTY_LIST.name,
            county_label = COUNTY_LIST.label,
            plan = PLAN.name,
        )),
    ];
    if let Some(c) = &template.county {
        lines.push(Line::Paragraph(format!(
            "本工作簿为{}{}生成，县（市、区）名称和所属设区市已经填好。",
            c.city, c.name
        )));
    }
    lines.push(Line::Heading("一、通知附件的注"));
    for form in [&SCHOOL_LIST, &COUNTY_LIST] {
        lines.push(Line::Paragraph(format!("{} {}：", form.label, form.name)));
        lines.extend(form.numbered_notes().into_iter().map(Line::Paragraph));
    }
    lines.push(Line::Heading("二、怎样填写"));
    for text in [
        "1.标题和表头已锁定（工作表保护，没有密码），白色格子可以填写；点到格子时会显示填写提示。".to_owned(),
        format!(
            "2.两张整改清单表头上方，在“{COUNTY_FIELD}：”右边的格子填写本县（市、区）规范名称，如“西湖区”或“杭州市西湖区”；在“{FILED_ON_FIELD}：”右边的格子填写日期，如“2019-5-20”，显示为“2019年5月20日”。"
        ),
        format!(
            "3.{}每行填写一项不足：{}。同一学校有多项不足的，学校名称只在第一行填写，以下各行留空即可，也可以每行都填；一校多区的，每个校区分开填报。",
            SCHOOL_LIST.name,
            SCHOOL_LIST.headers().join("、")
        ),
        "4.存在不足情况写明对照哪项指标、存在什么不足，如“生均体育运动场馆面积不足”；达标的指标不填。".to_owned(),
        format!(
            "5.完成时限从下拉列表选择年月（{from}至{until}），精确到月份，不要早于填报日期所在的月份。"
        ),
        "6.对应指标（可选）从下拉列表选择，如“R5 生均体育运动场馆面积”。选了对应指标的，以所选指标为准；没有选的，按存在不足情况的文字判断对应哪项指标。学校整改清单只列出要求学校达标的指标，县级政府整改清单只列出要求县级政府达标的指标。".to_owned(),
        "7.县级政府整改清单填写要求县级政府达标的指标的不足，没有学校名称一列，其余与学校整改清单相同。".to_owned(),
        format!(
            "8.“{}”表填写本县（市、区）、所属设区市，并从下拉列表选择计划创建年份：{}。",
            PLAN.name,
            notice::plan_year_choices()
        ),
        format!("9.每张整改清单预留{DATA_ROWS}行，按顺序往下填写；中间的空行不影响读取。打印时只有填了内容的行带表格线。"),
    ] {
        lines.push(Line::Paragraph(text));
    }
    lines.push(Line::Heading("三、交回"));
    lines.push(Line::Paragraph(
        "填好后直接保存（xlsx格式，另存为xls或ods也可以），文件名最好带上本县（市、区）名称，如“西湖区.xlsx”，交回收件文件夹。系统会逐格检查，发现的问题写明工作表和单元格，如“学校整改清单!D7”。".to_owned(),
    ));
    if let Some(list) = &template.list {
        let when = list
            .filed_on
            .map(|d| format!("{}报送的", crate::calendar::zh_date(d)))
            .unwrap_or_default();
        lines.push(Line::Paragraph(format!(
            "本模板已填入本县（市、区）{when}已接收的整改清单（{}），重新报送时在此基础上修改即可；交回前请把“{FILED_ON_FIELD}”改为本次报送的日期。",
            list.file
        )));
    }
    lines.push(Line::Heading("四、《办法》31项指标"));
    lines.push(Line::Indicators);
    lines.push(Line::Paragraph(
        "资源配置7项指标（R1—R7），每所学校至少6项达到要求，其余项不低于要求的85%；各项指标的校际差异系数，小学不高于0.50，初中不高于0.45。社会认可度达到85%以上。".to_owned(),
    ));
    lines.push(Line::Paragraph(
        "指标依据《县域义务教育优质均衡发展督导评估办法》（教督〔2017〕6号），所列数值为国家标准；本省另有更高要求的，从其规定。".to_owned(),
    ));
    lines
}

/// Rows a wrapped paragraph needs in a merged cell `width` characters wide (Excel does not
/// size merged cells to their text): CJK characters count double.
fn lines_needed(text: &str, width: f64) -> usize {
    let units: f64 = text
        .chars()
        .map(|c| if c.is_ascii() { 1.1 } else { 2.2 })
        .sum();
    ((units / width).ceil() as usize).max(1)
}

fn guide_sheet(
    sheet: &mut Worksheet,
    styles: &Styles,
    template: &Template,
) -> Result<(), TemplateError> {
    sheet.set_name(GUIDE_SHEET)?;
    let last = GUIDE_COLUMNS.len() as u16 - 1;
    let width: f64 = GUIDE_COLUMNS.iter().map(|(_, w)| w).sum();
    for (col, (_, w)) in GUIDE_COLUMNS.iter().enumerate() {
        sheet.set_column_width(col as u16, *w)?;
    }
    let mut row = 0u32;
    for line in guide_lines(template) {
        match line {
            Line::Title(text) => {
                sheet.set_row_height(row, 40)?;
                sheet.merge_range(row, 0, row, last, &text, &styles.title)?;
            }
            Line::Heading(text) => {
                sheet.set_row_height(row, 24)?;
                sheet.merge_range(row, 0, row, last, text, &styles.heading)?;
            }
            Line::Paragraph(text) => {
                let lines = lines_needed(&text, width - 2.0);
                sheet.set_row_height(row, lines as f64 * 15.0 + 4.0)?;
                sheet.merge_range(row, 0, row, last, &text, &styles.paragraph)?;
            }
            Line::Blank => {}
            Line::Indicators => {
                row = indicator_table(sheet, styles, row)?;
                continue;
            }
        }
        row += 1;
    }
    sheet.set_selection(0, 0, 0, 0)?;
    print_setup(sheet, true);
    sheet.set_footer("&R&9第 &P 页，共 &N 页");
    sheet.protect_with_options(&protection());
    Ok(())
}

/// The 31 indicators from `row` on; returns the row after the table.
fn indicator_table(sheet: &mut Worksheet, styles: &Styles, row: u32) -> Result<u32, XlsxError> {
    sheet.set_row_height(row, 24)?;
    for (col, (header, _)) in GUIDE_COLUMNS.iter().enumerate() {
        sheet.write_string_with_format(row, col as u16, *header, &styles.table_header)?;
    }
    let mut row = row + 1;
    for indicator in &registry().indicators {
        let who = match indicator.level {
            Level::School => "学校",
            Level::County => "县级政府",
            Level::Both => "学校或县级政府",
        };
        let texts = [
            indicator.code.as_str(),
            indicator.group.as_str(),
            who,
            indicator.short.as_str(),
            indicator.requirement.as_str(),
        ];
        // LibreOffice does not size rows to wrapped text on load; Excel does, but an explicit
        // height serves both.
        let lines = texts
            .iter()
            .zip(GUIDE_COLUMNS)
            .map(|(text, (_, width))| lines_needed(text, width - 1.0))
            .max()
            .unwrap_or(1);
        sheet.set_row_height(row, lines as f64 * 15.0 + 4.0)?;
        for (col, text) in texts.iter().enumerate() {
            let format = if col == 0 {
                &styles.table_number
            } else {
                &styles.table_cell
            };
            sheet.write_string_with_format(row, col as u16, *text, format)?;
        }
        for (col, value) in [(5, indicator.primary), (6, indicator.junior)] {
            match value {
                Some(v) => sheet.write_number_with_format(row, col, v, &styles.table_number)?,
                None => sheet.write_blank(row, col, &styles.table_number)?,
            };
        }
        sheet.write_string_with_format(
            row,
            7,
            indicator.unit.as_deref().unwrap_or(""),
            &styles.table_number,
        )?;
        row += 1;
    }
    Ok(row)
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;
    use crate::intake::{self, Limits};
    use crate::model::Source;
    use crate::pipeline;

    fn xihu() -> CountyRef {
        resolve_county("西湖区").unwrap().division.to_ref()
    }

    fn read_back(bytes: &[u8], name: &str) -> crate::model::Submission {
        let book = intake::read_bytes(bytes, name, &Limits::default()).unwrap();
        pipeline::submission_from_workbook(
            &book,
            Source {
                file: name.to_owned(),
                sha256: String::new(),
            },
            &Limits::default(),
        )
    }

    fn rules(sub: &crate::model::Submission) -> Vec<String> {
        sub.diagnostics.iter().map(|d| d.rule.code()).collect()
    }

    fn part(bytes: &[u8], name: &str) -> String {
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let mut text = String::new();
        zip.by_name(name)
            .unwrap()
            .read_to_string(&mut text)
            .unwrap();
        text
    }

    #[test]
    fn months_run_from_the_notice_to_2023() {
        let months = deadline_months(notice::FIRST_DEADLINE_MONTH);
        assert_eq!(months.first().map(String::as_str), Some("2019年3月"));
        assert_eq!(months.last().map(String::as_str), Some("2023年12月"));
        assert_eq!(months.len(), 10 + 4 * 12);
        assert_eq!(
            deadline_months(notice::LAST_DEADLINE_MONTH),
            vec!["2023年12月".to_owned()]
        );
        assert!(deadline_months(YearMonth::known(2024, 1)).is_empty());
    }

    #[test]
    fn a_filled_lists_months_are_offered_even_before_from() {
        let row = |deadline: &str| Row {
            deadline: deadline.to_owned(),
            ..Row::default()
        };
        let fill = Fill {
            schools: vec![row("2019年6月"), row("2020年3月"), row("")],
            county_items: vec![row("2024年2月"), row("2019年6月")],
            ..Fill::default()
        };
        let from = YearMonth::known(2020, 1);
        let months = offered_months(from, &fill);
        assert_eq!(months[0], "2019年6月");
        assert_eq!(months[1], "2020年1月");
        assert_eq!(months.last().map(String::as_str), Some("2024年2月"));
        assert_eq!(months.len(), 1 + deadline_months(from).len() + 1);
        assert_eq!(
            offered_months(from, &Fill::default()),
            deadline_months(from)
        );
        assert_eq!(
            month_of_choice("2020年12月"),
            Some(YearMonth::known(2020, 12))
        );
        assert_eq!(month_of_choice("2020年"), None);
    }

    #[test]
    fn indicator_choices_fit_their_list() {
        let school = indicator_choices(Level::School);
        let county = indicator_choices(Level::County);
        assert!(school.contains(&"R5 生均体育运动场馆面积".to_owned()));
        assert!(
            school.contains(&"G9 教师培训完成率".to_owned()),
            "both-level"
        );
        assert!(!school.iter().any(|c| c.starts_with("G10 ")));
        assert!(county.contains(&"G10 教职工编制和岗位统筹".to_owned()));
        assert!(
            county.contains(&"G9 教师培训完成率".to_owned()),
            "both-level"
        );
        assert!(!county.iter().any(|c| c.starts_with("R5 ")));
        // Every indicator is offered on at least one list.
        for i in &registry().indicators {
            let choice = indicator_choice(i);
            assert!(
                school.contains(&choice) || county.contains(&choice),
                "{choice}"
            );
        }
    }

    #[test]
    fn county_names_resolve_like_the_reader_resolves_them() {
        assert_eq!(resolve_county("西湖区").unwrap().division.code, "330106");
        assert_eq!(
            resolve_county("杭州市西湖区").unwrap().division.code,
            "330106"
        );
        assert!(resolve_county("西湖区").unwrap().note.is_none());
        let short = resolve_county("西湖").unwrap();
        assert_eq!(short.division.name, "西湖区");
        assert!(short.note.unwrap().contains("杭州市西湖区"));
        let wrong_city = resolve_county("宁波市西湖区").unwrap_err();
        assert!(wrong_city.hint.contains("杭州市"), "{}", wrong_city.hint);
        let unknown = resolve_county("不存在县").unwrap_err();
        assert!(unknown.message.contains("不存在县"));
        assert!(unknown.hint.contains("--county"), "{}", unknown.hint);
        let typo = resolve_county("西湖县").unwrap_err();
        assert!(typo.hint.contains("西湖区"), "{}", typo.hint);
    }

    #[test]
    fn footers_fit_excels_limit() {
        assert!(footer(SCHOOL_SHEET, &SCHOOL_LIST.numbered_notes()).is_ok());
        assert!(footer(COUNTY_SHEET, &COUNTY_LIST.numbered_notes()).is_ok());
        let long = ["很长".repeat(130)];
        assert!(matches!(
            footer(SCHOOL_SHEET, &long),
            Err(TemplateError::FooterTooLong { .. })
        ));
    }

    #[test]
    fn same_template_same_bytes() {
        let template = Template {
            county: Some(xihu()),
            ..Template::default()
        };
        assert_eq!(build(&template).unwrap(), build(&template).unwrap());
        let core = part(&build(&template).unwrap(), "docProps/core.xml");
        assert!(core.contains("2019-03-29T00:00:00Z"), "{core}");
    }

    #[test]
    fn blank_template_reads_with_only_what_is_left_to_fill() {
        let bytes = build(&Template::default()).unwrap();
        let sub = read_back(&bytes, "整改清单填报模板.xlsx");
        assert_eq!(
            rules(&sub),
            ["filed_on_missing", "county_missing", "plan_year_missing"]
        );
        assert!(sub.schools.is_empty() && sub.county_items.is_empty());

        let bytes = build(&Template {
            county: Some(xihu()),
            ..Template::default()
        })
        .unwrap();
        let sub = read_back(&bytes, "整改清单填报模板_西湖区.xlsx");
        assert_eq!(rules(&sub), ["filed_on_missing", "plan_year_missing"]);
        assert_eq!(sub.county.unwrap().code, "330106");
    }

    #[test]
    fn filled_template_reads_clean_and_the_chosen_indicator_wins() {
        let row = |school: &str, shortcoming: &str, deadline: &str, indicator: &str| Row {
            school: school.to_owned(),
            shortcoming: shortcoming.to_owned(),
            measure: "整改".to_owned(),
            deadline: deadline.to_owned(),
            indicator: indicator.to_owned(),
        };
        let template = Template {
            county: Some(xihu()),
            from: notice::FIRST_DEADLINE_MONTH,
            fill: Fill {
                filed_on: NaiveDate::from_ymd_opt(2019, 5, 20),
                schools: vec![
                    row(
                        "杭州市文三街小学",
                        "生均体育运动场馆面积不足",
                        "2020年8月",
                        "R7 网络多媒体教室数",
                    ),
                    row("", "县级以上骨干教师数不足", "2020年12月", ""),
                ],
                county_items: vec![row("", "教职工编制统筹分配不到位", "2019年12月", "")],
                plan_year: Some("2020年".to_owned()),
            },
            ..Template::default()
        };
        let sub = read_back(&build(&template).unwrap(), "西湖区.xlsx");
        assert!(sub.diagnostics.is_empty(), "{:?}", sub.diagnostics);
        assert_eq!(sub.filed_on, NaiveDate::from_ymd_opt(2019, 5, 20));
        let items = &sub.schools[0].items;
        assert_eq!(items[0].indicator.as_deref(), Some("R7"));
        assert_eq!(
            items[0].deadline.map(|d| d.to_string()).as_deref(),
            Some("2020-08")
        );
        assert_eq!(items[0].cell.to_string(), "学校整改清单!B5");
        assert_eq!(items[1].indicator.as_deref(), Some("R2"));
        assert_eq!(sub.county_items[0].indicator.as_deref(), Some("G10"));
    }

    fn book(bytes: &[u8]) -> crate::intake::RawWorkbook {
        intake::read_bytes(bytes, "t.xlsx", &Limits::default()).unwrap()
    }

    #[test]
    fn the_fingerprint_names_format_county_list_day_and_forms() {
        let made_on = NaiveDate::from_ymd_opt(2020, 3, 2);
        let template = Template {
            county: Some(xihu()),
            list: Some(ListOrigin {
                sha256: "ab".repeat(32),
                file: "西湖区.xlsx".to_owned(),
                filed_on: NaiveDate::from_ymd_opt(2019, 5, 20),
            }),
            made_on,
            ..Template::default()
        };
        let bytes = build(&template).unwrap();
        assert_eq!(bytes, build(&template).unwrap(), "same inputs, same bytes");
        let workbook = part(&bytes, "xl/workbook.xml");
        assert!(
            workbook.contains("<sheet name=\"gongwen\" sheetId=\"6\" state=\"veryHidden\""),
            "{workbook}"
        );
        let print = fingerprint(&book(&bytes)).unwrap();
        assert_eq!(print.version, FORMAT_VERSION);
        assert_eq!(
            print.county,
            Some(("330106".to_owned(), "西湖区".to_owned()))
        );
        assert_eq!(print.list, template.list);
        assert_eq!(print.made_on, made_on);
        assert_eq!(print.forms, printed_forms());
        assert_eq!(print.forms[0].sheet, SCHOOL_SHEET);
        assert_eq!(print.forms[0].header_row, HEADER_ROW);
        assert_eq!(print.forms[2].header_row, PLAN_ROW - 1);

        let blank = fingerprint(&book(&build(&Template::default()).unwrap())).unwrap();
        assert_eq!(
            (blank.county, blank.list, blank.made_on),
            (None, None, None)
        );
        assert_eq!(blank.forms.len(), 3);
    }

    #[test]
    fn a_reworded_header_in_a_template_still_reads_every_item() {
        let template = Template {
            county: Some(xihu()),
            fill: Fill {
                filed_on: NaiveDate::from_ymd_opt(2019, 5, 20),
                schools: vec![Row {
                    school: "杭州市文三街小学".to_owned(),
                    shortcoming: "生均体育运动场馆面积不足".to_owned(),
                    measure: "扩建".to_owned(),
                    deadline: "2020年8月".to_owned(),
                    indicator: String::new(),
                }],
                plan_year: Some("2020年".to_owned()),
                ..Fill::default()
            },
            ..Template::default()
        };
        let mut raw = book(&build(&template).unwrap());
        let school = raw
            .sheets
            .iter_mut()
            .find(|s| s.name == SCHOOL_SHEET)
            .unwrap();
        // The clerk's own words, which no header word matches.
        let mut rows = school.rows().to_vec();
        let header = (HEADER_ROW - school.origin.0) as usize;
        rows[header][1] = crate::intake::CellValue::Text("我们的短板".into());
        rows[header][2] = crate::intake::CellValue::Text("怎么办".into());
        *school = crate::intake::RawSheet::new(
            school.name.clone(),
            true,
            school.origin,
            rows,
            school.merges().to_vec(),
        );
        let sub = pipeline::submission_from_workbook(
            &raw,
            Source {
                file: "西湖区.xlsx".to_owned(),
                sha256: String::new(),
            },
            &Limits::default(),
        );
        assert!(sub.diagnostics.is_empty(), "{:?}", sub.diagnostics);
        assert_eq!(sub.schools.len(), 1);
        assert_eq!(sub.schools[0].items[0].measure, "扩建");
    }

    #[test]
    fn too_many_rows_or_a_late_start_are_refused() {
        let template = Template {
            fill: Fill {
                schools: vec![Row::default(); DATA_ROWS as usize + 1],
                ..Fill::default()
            },
            ..Template::default()
        };
        assert!(matches!(
            build(&template),
            Err(TemplateError::TooManyRows { .. })
        ));
        let late = Template {
            from: YearMonth::known(2024, 1),
            ..Template::default()
        };
        assert!(matches!(
            build(&late),
            Err(TemplateError::FromTooLate { .. })
        ));
    }

    #[test]
    fn sheets_are_protected_validated_and_set_up_for_print() {
        let bytes = build(&Template::default()).unwrap();
        let workbook = part(&bytes, "xl/workbook.xml");
        for name in [GUIDE_SHEET, SCHOOL_SHEET, COUNTY_SHEET, PLAN_SHEET] {
            assert!(
                workbook.contains(&format!("<sheet name=\"{name}\"")),
                "{name}"
            );
        }
        assert!(
            workbook.contains(&format!(
                "<sheet name=\"{LISTS_SHEET}\" sheetId=\"5\" state=\"hidden\""
            )),
            "{workbook}"
        );
        assert!(workbook.contains("_xlnm.Print_Titles"), "{workbook}");

        let school = part(&bytes, "xl/worksheets/sheet2.xml");
        assert!(school.contains("<sheetProtection"), "protected");
        assert!(!school.contains("password"), "no password");
        assert!(school.contains("paperSize=\"9\""), "A4");
        assert!(school.contains("orientation=\"landscape\""));
        assert!(school.contains("<pageSetUpPr fitToPage=\"1\"/>"));
        assert!(school.contains("fitToHeight=\"0\""), "fit to width only");
        // The 完成时限 list, with its input message and stop alert.
        let deadline = format!("<formula1>'{LISTS_SHEET}'!$A$1:$A$58</formula1>");
        assert!(school.contains(&deadline), "{school}");
        assert!(school.contains("sqref=\"D5:D1004\""));
        assert!(school.contains("promptTitle=\"完成时限\""));
        assert!(school.contains("errorTitle=\"完成时限填写有误\""));
        assert!(!school.contains("errorStyle="), "the default style, stop");
        assert!(school.contains(&format!("<formula1>'{LISTS_SHEET}'!$B$1:$B$")));
        assert!(
            school.contains("COUNTA($A5:$E5)&gt;0"),
            "borders drawn once a row is filled"
        );

        let county = part(&bytes, "xl/worksheets/sheet3.xml");
        assert!(county.contains(&format!("<formula1>'{LISTS_SHEET}'!$C$1:$C$")));
        assert!(county.contains("sqref=\"C5:C1004\""));

        let plan = part(&bytes, "xl/worksheets/sheet4.xml");
        assert!(
            plan.contains("\"2019年,2020年,2021年,2022年,2023年及以后\""),
            "{plan}"
        );
    }
}
