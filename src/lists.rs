//! The lists a city sends the province electronically: 附件1 and 附件2 of every county the
//! city's 附件3 counts, as workbooks the province can sort, filter and total
//! (`附件1_学校整改清单_杭州市.xlsx`, `附件2_县级政府整改清单_杭州市.xlsx`), and the province's
//! `全省整改清单.xlsx` with every city and a county × indicator count sheet, which is what the
//! province plans from.
//!
//! Which filings count is the roll-up's business ([`crate::rollup`]): the latest filing of each
//! county standing on the county deadline, exactly the ones 附件3 counts. Filings of divisions
//! that did not stand then are named under the table with the reason, and their items are not
//! listed.
//!
//! Each list sheet is the notice's form (附件N, its title, 填报单位 and 填报日期, the notice's
//! headers, its 注) widened by the columns a merged list needs: 县（市、区）(and 设区市 in the
//! province's), the indicator's code and name, and the source file with the start of its
//! SHA-256. 完成时限 is a date cell (the first of the month) shown as `2020年6月`, so it sorts and
//! filters as a month. The bytes are deterministic: the document date is the roll-up's
//! 成文日期 (configured, else the latest 填报日期), never the clock.
//!
//! [`recognise`] reads such a workbook back (for `gongwen check`): it is a city's or the
//! province's list, not a county's filing, and check says so with its totals.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use rust_xlsxwriter::{
    DocProperties, ExcelDateTime, Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError,
};
use serde::Serialize;

use crate::calendar::YearMonth;
use crate::config::{Config, Office};
use crate::domain::{self, Indicator};
use crate::intake::{CellValue, RawSheet, RawWorkbook};
use crate::model::{Item, Source, Submission};
use crate::notice::{
    self, COUNTY_LIST, Column, FILED_ON_FIELD, Form, PLAN, SCHOOL_LIST, TIMETABLE,
};
use crate::pipeline::RenderedFile;
use crate::render::compose::latest_per_county;
use crate::rollup::{self, CityRollup, Rollup};
use crate::tracking::Ledger;
use crate::workbook;

/// The province's workbook, beside `全省汇总`.
pub const PROVINCE_FILE: &str = "全省整改清单.xlsx";
/// gongwen's header of the indicator's code (the template's 对应指标 column, without （可选）).
pub const INDICATOR_HEADER: &str = "对应指标";
/// gongwen's header of the indicator's short name.
pub const INDICATOR_NAME_HEADER: &str = "指标名称";
/// gongwen's header of the file an item was read from.
pub const FILE_HEADER: &str = "来源文件";
/// gongwen's header of the start of that file's SHA-256.
pub const SHA_HEADER: &str = "SHA-256（前12位）";
/// How much of the SHA-256 is printed: enough to tell two files apart at a glance.
pub const SHA_PREFIX: usize = 12;
/// The province workbook's count sheet (gongwen's name).
pub const COUNT_SHEET: &str = "指标统计";
/// The count sheet's title (gongwen's words).
pub const COUNT_TITLE: &str = "各县（市、区）整改任务按指标统计";
/// The count sheet's column of items that name no indicator.
pub const NO_INDICATOR: &str = "未对应指标";
/// The count sheet's totals column and the first cell of its last row.
pub const TOTAL: &str = "合计";
/// The first cell of the row under the table that counts it: `合计：…`.
pub const TOTALS_LABEL: &str = "合计：";

/// Zero-based rows of a list sheet: 附件N, the title, 填报单位 / 填报日期, the header.
pub const LABEL_ROW: u32 = 0;
pub const TITLE_ROW: u32 = 1;
pub const PREAMBLE_ROW: u32 = 2;
pub const HEADER_ROW: u32 = 3;
pub const FIRST_DATA_ROW: u32 = 4;

/// `附件1_学校整改清单_杭州市.xlsx`: the file of one city's list.
pub fn city_file_name(form: &Form, city: &str) -> String {
    format!("{}.xlsx", form.file_stem(city))
}

/// A column of a merged list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListColumn {
    City,
    County,
    School,
    Shortcoming,
    Indicator,
    IndicatorName,
    Measure,
    Deadline,
    File,
    Sha,
}

impl ListColumn {
    pub fn header(self) -> &'static str {
        match self {
            ListColumn::City => TIMETABLE.city_header,
            ListColumn::County => PLAN.county_header,
            ListColumn::School => Column::School.header(),
            ListColumn::Shortcoming => Column::Shortcoming.header(),
            ListColumn::Indicator => INDICATOR_HEADER,
            ListColumn::IndicatorName => INDICATOR_NAME_HEADER,
            ListColumn::Measure => Column::Measure.header(),
            ListColumn::Deadline => Column::Deadline.header(),
            ListColumn::File => FILE_HEADER,
            ListColumn::Sha => SHA_HEADER,
        }
    }

    fn width(self) -> f64 {
        match self {
            ListColumn::City | ListColumn::County => 10.0,
            ListColumn::School => 20.0,
            ListColumn::Shortcoming | ListColumn::Measure => 40.0,
            ListColumn::Indicator => 8.0,
            ListColumn::IndicatorName => 18.0,
            ListColumn::Deadline => 11.0,
            ListColumn::File => 18.0,
            ListColumn::Sha => 15.0,
        }
    }
}

/// The columns of `form`'s merged list: the notice's, with 县（市、区） (and 设区市 for the
/// province) first, the indicator after 存在不足情况, the source last.
pub fn columns(form: &Form, province: bool) -> Vec<ListColumn> {
    let mut out = Vec::new();
    if province {
        out.push(ListColumn::City);
    }
    out.push(ListColumn::County);
    for column in form.columns {
        out.push(match column {
            Column::School => ListColumn::School,
            Column::Shortcoming => ListColumn::Shortcoming,
            Column::Measure => ListColumn::Measure,
            Column::Deadline => ListColumn::Deadline,
            Column::Indicator => ListColumn::Indicator,
        });
        if *column == Column::Shortcoming {
            out.push(ListColumn::Indicator);
            out.push(ListColumn::IndicatorName);
        }
    }
    out.push(ListColumn::File);
    out.push(ListColumn::Sha);
    out
}

/// The headers of [`columns`].
pub fn headers(form: &Form, province: bool) -> Vec<&'static str> {
    columns(form, province)
        .into_iter()
        .map(ListColumn::header)
        .collect()
}

/// Why a list workbook could not be written (a fault of gongwen, never of the data).
#[derive(Debug, thiserror::Error)]
#[error("cannot write {file}: {source}")]
pub struct ListsError {
    pub file: String,
    #[source]
    pub source: XlsxError,
}

/// One item with where it comes from.
struct Row<'a> {
    city: &'a str,
    county: &'a str,
    school: Option<&'a str>,
    item: &'a Item,
    source: &'a Source,
}

fn rows<'a>(city: &CityRollup<'a>, form: &Form) -> Vec<Row<'a>> {
    let mut out = Vec::new();
    for sub in &city.counted {
        let county = sub.county.as_ref().map_or("", |c| c.name.as_str());
        if *form == SCHOOL_LIST {
            for school in &sub.schools {
                for item in &school.items {
                    out.push(Row {
                        city: city.name,
                        county,
                        school: Some(&school.name),
                        item,
                        source: &sub.source,
                    });
                }
            }
        } else {
            for item in &sub.county_items {
                out.push(Row {
                    city: city.name,
                    county,
                    school: None,
                    item,
                    source: &sub.source,
                });
            }
        }
    }
    out
}

/// 成文日期 as the documents have it: configured, else the latest 填报日期, else the deadline.
fn document_date<'a>(office: &Office, subs: impl IntoIterator<Item = &'a Submission>) -> NaiveDate {
    office
        .date
        .or_else(|| subs.into_iter().filter_map(|s| s.filed_on).max())
        .unwrap_or_else(domain::reference_date)
}

/// Every filing of a city, counted or listed apart.
fn all_filings<'a>(city: &CityRollup<'a>) -> Vec<&'a Submission> {
    let mut out = city.counted.clone();
    out.extend(city.apart.iter().map(|a| a.submission));
    out
}

/// What one sheet says about its owner.
struct Scope<'a> {
    province: bool,
    /// 填报单位.
    unit: &'a str,
    date: NaiveDate,
    /// `临平区于…不存在`: filings named under the table, not listed.
    apart: Vec<String>,
}

/// `附件1_学校整改清单_<市>.xlsx` and `附件2_县级政府整改清单_<市>.xlsx` of `city`, from the
/// latest filing of each of its counties in `subs` (which may hold other cities' filings).
/// Nothing when the city has no filing.
pub fn city_workbooks(
    city: &str,
    subs: &[Submission],
    config: &Config,
) -> Result<Vec<RenderedFile>, ListsError> {
    let rollup = Rollup::new(
        rollup::reference_date(&config.deadlines),
        latest_per_county(subs),
    );
    let Some(city_rollup) = rollup
        .city(city)
        .filter(|c| !c.counted.is_empty() || !c.apart.is_empty())
    else {
        return Ok(Vec::new());
    };
    let office = config.city_office(city);
    let scope = Scope {
        province: false,
        unit: &office.issuer,
        date: document_date(&office, all_filings(city_rollup)),
        apart: city_rollup.apart.iter().map(|a| a.reason.clone()).collect(),
    };
    let styles = Styles::new();
    [&SCHOOL_LIST, &COUNTY_LIST]
        .into_iter()
        .map(|form| {
            let name = city_file_name(form, city);
            city_book(
                city,
                form,
                &office,
                &scope,
                &styles,
                &rows(city_rollup, form),
            )
            .map(|bytes| RenderedFile {
                name: name.clone(),
                bytes,
            })
            .map_err(|source| ListsError { file: name, source })
        })
        .collect()
}

fn city_book(
    city: &str,
    form: &Form,
    office: &Office,
    scope: &Scope,
    styles: &Styles,
    rows: &[Row],
) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    book.set_properties(&properties(
        format!("{city}{}", form.title),
        &format!("{} {}（电子版）", notice::NUMBER, form.label),
        &office.issuer,
        scope.date,
    )?);
    list_sheet(book.add_worksheet(), styles, form, scope, rows)?;
    book.save_to_buffer()
}

/// `全省整改清单.xlsx`: 附件1 and 附件2 of every counted county of every city, and the county ×
/// indicator counts. None when no filing can be rolled up.
pub fn province_workbook(
    subs: &[Submission],
    config: &Config,
) -> Result<Option<RenderedFile>, ListsError> {
    province_workbook_with_annual(subs, config, None)
}

/// The ledgers, year and day of the 年度考核 sheet.
#[derive(Debug, Clone, Copy)]
pub struct AnnualInput<'a> {
    pub ledgers: &'a [&'a Ledger],
    pub year: i32,
    pub as_of: NaiveDate,
}

/// The province workbook's 年度考核 sheet (gongwen's name).
pub const ANNUAL_SHEET: &str = "年度考核";

/// [`province_workbook`], with a last sheet [`ANNUAL_SHEET`] when `annual` is given: the
/// 年度考核 table of the PDF `年度考核_<年>`, its rate a number formatted as a percentage.
pub fn province_workbook_with_annual(
    subs: &[Submission],
    config: &Config,
    annual: Option<&AnnualInput>,
) -> Result<Option<RenderedFile>, ListsError> {
    let latest = latest_per_county(subs);
    if latest.is_empty() {
        return Ok(None);
    }
    let office = config.province_office();
    let date = document_date(&office, latest.iter().copied());
    let rollup = Rollup::new(rollup::reference_date(&config.deadlines), latest);
    let scope = Scope {
        province: true,
        unit: &office.issuer,
        date,
        apart: rollup.apart().map(|(_, a)| a.reason.clone()).collect(),
    };
    province_book(&rollup, &office, &scope, annual)
        .map(|bytes| {
            Some(RenderedFile {
                name: PROVINCE_FILE.to_owned(),
                bytes,
            })
        })
        .map_err(|source| ListsError {
            file: PROVINCE_FILE.to_owned(),
            source,
        })
}

fn province_book(
    rollup: &Rollup,
    office: &Office,
    scope: &Scope,
    annual: Option<&AnnualInput>,
) -> Result<Vec<u8>, XlsxError> {
    let styles = Styles::new();
    let mut book = Workbook::new();
    book.set_properties(&properties(
        format!("全省{}及{}", SCHOOL_LIST.title, COUNTY_LIST.title),
        &format!(
            "{} {}、{}（电子版）汇总",
            notice::NUMBER,
            SCHOOL_LIST.label,
            COUNTY_LIST.label
        ),
        &office.issuer,
        scope.date,
    )?);
    for form in [&SCHOOL_LIST, &COUNTY_LIST] {
        let rows: Vec<Row> = rollup.cities.iter().flat_map(|c| rows(c, form)).collect();
        list_sheet(book.add_worksheet(), &styles, form, scope, &rows)?;
    }
    count_sheet(book.add_worksheet(), &styles, rollup, scope)?;
    if let Some(annual) = annual {
        annual_sheet(book.add_worksheet(), &styles, annual)?;
    }
    book.save_to_buffer()
}

/// 年度考核: each county with a ledger grouped by city, a 小计 per city and 全省合计; the rate
/// is the share 销号 on time (blank when nothing was due).
fn annual_sheet(
    sheet: &mut Worksheet,
    styles: &Styles,
    input: &AnnualInput,
) -> Result<(), XlsxError> {
    use crate::render::progress::{SUBTOTAL, annual_rows};
    let (rows, total) = annual_rows(input.ledgers, input.year, input.as_of);
    let headers = [
        TIMETABLE.city_header,
        PLAN.county_header,
        "到期任务",
        "按时销号",
        "逾期销号",
        "未销号",
        "按时销号率",
    ];
    let last = last_col(headers.len());
    sheet.set_name(ANNUAL_SHEET)?;
    sheet.set_column_width(0, 10)?;
    sheet.set_column_width(1, 14)?;
    for col in 2..=last {
        sheet.set_column_width(col, 11)?;
    }
    sheet.set_row_height(0, 40)?;
    sheet.merge_range(
        0,
        0,
        0,
        last,
        &format!(
            "{}年度各县（市、区）义务教育优质均衡发展整改任务完成情况考核表",
            input.year
        ),
        &styles.title,
    )?;
    let as_of = input.as_of;
    sheet.write_string_with_format(
        1,
        0,
        format!(
            "单位：项。统计截至{}年{}月{}日；到期任务指完成时限在{}年内的整改任务（不含已撤回）。",
            chrono::Datelike::year(&as_of),
            chrono::Datelike::month(&as_of),
            chrono::Datelike::day(&as_of),
            input.year
        ),
        &styles.label,
    )?;
    const HEADER: u32 = 2;
    sheet.set_row_height(HEADER, 30)?;
    for (col, header) in headers.iter().enumerate() {
        sheet.write_string_with_format(HEADER, col as u16, *header, &styles.header)?;
    }
    let write = |sheet: &mut Worksheet,
                 row: u32,
                 annual: &crate::tracking::Annual,
                 count: &Format,
                 rate: &Format|
     -> Result<(), XlsxError> {
        for (i, n) in [annual.due, annual.on_time, annual.late, annual.open]
            .into_iter()
            .enumerate()
        {
            sheet.write_number_with_format(row, 2 + i as u16, n as f64, count)?;
        }
        // The share itself, not the percentage divided back: Excel shows it as a percentage.
        match annual.due {
            0 => sheet.write_blank(row, 6, rate)?,
            due => {
                sheet.write_number_with_format(row, 6, annual.on_time as f64 / due as f64, rate)?
            }
        };
        Ok(())
    };
    let rate = styles.count.clone().set_num_format("0.0%");
    let rate_total = styles.count_total.clone().set_num_format("0.0%");
    let counts = styles.center.clone();
    let counts_total = styles.count_total.clone().set_num_format("0");
    let mut row = HEADER + 1;
    for r in &rows {
        match &r.county {
            Some(county) => {
                sheet.write_string_with_format(row, 0, &r.city, &styles.center)?;
                sheet.write_string_with_format(row, 1, county, &styles.center)?;
                write(sheet, row, &r.annual, &counts, &rate)?;
            }
            None => {
                sheet.write_string_with_format(row, 0, &r.city, &styles.total_label)?;
                sheet.write_string_with_format(row, 1, SUBTOTAL, &styles.total_label)?;
                write(sheet, row, &r.annual, &counts_total, &rate_total)?;
            }
        }
        row += 1;
    }
    sheet.write_string_with_format(row, 0, "全省", &styles.total_label)?;
    sheet.write_string_with_format(row, 1, TOTAL, &styles.total_label)?;
    write(sheet, row, &total, &counts_total, &rate_total)?;
    sheet.autofilter(HEADER, 0, (row - 1).max(HEADER), last)?;
    sheet.set_freeze_panes(HEADER + 1, 2)?;
    sheet.set_selection(HEADER + 1, 2, HEADER + 1, 2)?;
    print_setup(sheet, (HEADER, HEADER))
}

fn excel_date(date: NaiveDate) -> Result<ExcelDateTime, XlsxError> {
    use chrono::Datelike;
    let year = u16::try_from(date.year())
        .map_err(|_| XlsxError::ParameterError(format!("year {} out of range", date.year())))?;
    ExcelDateTime::from_ymd(year, date.month() as u8, date.day() as u8)
}

fn month_cell(month: YearMonth) -> Result<ExcelDateTime, XlsxError> {
    let year = u16::try_from(month.year())
        .map_err(|_| XlsxError::ParameterError(format!("year {} out of range", month.year())))?;
    ExcelDateTime::from_ymd(year, month.month() as u8, 1)
}

fn properties(
    title: String,
    subject: &str,
    author: &str,
    date: NaiveDate,
) -> Result<DocProperties, XlsxError> {
    Ok(DocProperties::new()
        .set_title(title)
        .set_subject(subject)
        .set_author(author)
        .set_keywords("义务教育优质均衡, 整改清单")
        .set_comment("gongwen rollup 由各县（市、区）报送的整改清单汇总")
        .set_creation_datetime(&excel_date(date)?))
}

/// Every cell format, made once.
struct Styles {
    attachment: Format,
    title: Format,
    label: Format,
    date: Format,
    header: Format,
    text: Format,
    center: Format,
    month: Format,
    note: Format,
    count: Format,
    count_total: Format,
    total_label: Format,
}

/// Excel shows the first of a month as the month.
const MONTH_FORMAT: &str = "yyyy\"年\"m\"月\"";
/// Counts with zero left blank, so the count sheet shows where the items are.
const COUNT_FORMAT: &str = "0;-0;;@";

impl Styles {
    fn new() -> Styles {
        let body = workbook::body();
        let cell = body
            .clone()
            .set_text_wrap()
            .set_align(FormatAlign::VerticalCenter)
            .set_border(FormatBorder::Thin);
        let header = workbook::heading()
            .set_font_size(11)
            .set_align(FormatAlign::Center)
            .set_align(FormatAlign::VerticalCenter)
            .set_text_wrap()
            .set_border(FormatBorder::Thin)
            .set_background_color("#F2F2F2");
        Styles {
            attachment: workbook::heading().set_font_size(14),
            title: workbook::title(),
            label: body.clone().set_align(FormatAlign::VerticalCenter),
            date: body
                .clone()
                .set_align(FormatAlign::Left)
                .set_align(FormatAlign::VerticalCenter)
                .set_num_format("yyyy\"年\"m\"月\"d\"日\""),
            header: header.clone(),
            text: cell.clone(),
            center: cell.clone().set_align(FormatAlign::Center),
            month: cell
                .clone()
                .set_align(FormatAlign::Center)
                .set_num_format(MONTH_FORMAT),
            note: body
                .clone()
                .set_text_wrap()
                .set_align(FormatAlign::Top)
                .set_align(FormatAlign::Left),
            count: cell
                .clone()
                .set_align(FormatAlign::Center)
                .set_num_format(COUNT_FORMAT),
            count_total: cell
                .set_align(FormatAlign::Center)
                .set_bold()
                .set_num_format(COUNT_FORMAT),
            total_label: header,
        }
    }
}

/// A4 landscape, one page wide, centred, the page number in the footer.
fn print_setup(sheet: &mut Worksheet, repeat: (u32, u32)) -> Result<(), XlsxError> {
    const A4: u8 = 9;
    sheet.set_paper_size(A4);
    sheet.set_landscape();
    sheet.set_margins(0.5, 0.5, 0.6, 0.8, 0.3, 0.3);
    sheet.set_print_fit_to_pages(1, 0);
    sheet.set_print_center_horizontally(true);
    sheet.set_repeat_rows(repeat.0, repeat.1)?;
    sheet.set_footer("&C&9第 &P 页，共 &N 页");
    Ok(())
}

fn last_col(n: usize) -> u16 {
    n.saturating_sub(1) as u16
}

/// 附件N, its title, 填报单位 / 填报日期, the header, one row per item, then 合计, the filings
/// left out and the notice's 注.
fn list_sheet(
    sheet: &mut Worksheet,
    styles: &Styles,
    form: &Form,
    scope: &Scope,
    rows: &[Row],
) -> Result<(), XlsxError> {
    let columns = columns(form, scope.province);
    let last = last_col(columns.len());
    sheet.set_name(form.name)?;
    for (col, column) in columns.iter().enumerate() {
        sheet.set_column_width(col as u16, column.width())?;
    }
    sheet.set_row_height(LABEL_ROW, 22)?;
    sheet.write_string_with_format(LABEL_ROW, 0, form.label, &styles.attachment)?;
    sheet.set_row_height(TITLE_ROW, 40)?;
    sheet.merge_range(TITLE_ROW, 0, TITLE_ROW, last, form.title, &styles.title)?;
    sheet.set_row_height(PREAMBLE_ROW, 26)?;
    sheet.write_string_with_format(
        PREAMBLE_ROW,
        0,
        format!("{}：{}", TIMETABLE.unit_field, scope.unit),
        &styles.label,
    )?;
    sheet.write_string_with_format(
        PREAMBLE_ROW,
        last - 1,
        format!("{FILED_ON_FIELD}："),
        &styles.label,
    )?;
    sheet.write_datetime_with_format(PREAMBLE_ROW, last, excel_date(scope.date)?, &styles.date)?;
    sheet.set_row_height(HEADER_ROW, 30)?;
    for (col, column) in columns.iter().enumerate() {
        sheet.write_string_with_format(HEADER_ROW, col as u16, column.header(), &styles.header)?;
    }
    let registry = domain::registry();
    for (i, row) in rows.iter().enumerate() {
        let r = FIRST_DATA_ROW + i as u32;
        let indicator: Option<&Indicator> = row
            .item
            .indicator
            .as_deref()
            .and_then(|c| registry.indicator(c));
        for (col, column) in columns.iter().enumerate() {
            let col = col as u16;
            match column {
                ListColumn::City => {
                    sheet.write_string_with_format(r, col, row.city, &styles.center)?
                }
                ListColumn::County => {
                    sheet.write_string_with_format(r, col, row.county, &styles.center)?
                }
                ListColumn::School => sheet.write_string_with_format(
                    r,
                    col,
                    row.school.unwrap_or(""),
                    &styles.text,
                )?,
                ListColumn::Shortcoming => {
                    sheet.write_string_with_format(r, col, &row.item.shortcoming, &styles.text)?
                }
                ListColumn::Indicator => sheet.write_string_with_format(
                    r,
                    col,
                    row.item.indicator.as_deref().unwrap_or(""),
                    &styles.center,
                )?,
                ListColumn::IndicatorName => sheet.write_string_with_format(
                    r,
                    col,
                    indicator.map_or("", |i| i.short.as_str()),
                    &styles.text,
                )?,
                ListColumn::Measure => {
                    sheet.write_string_with_format(r, col, &row.item.measure, &styles.text)?
                }
                ListColumn::Deadline => match row.item.deadline {
                    Some(month) => sheet.write_datetime_with_format(
                        r,
                        col,
                        month_cell(month)?,
                        &styles.month,
                    )?,
                    None => sheet.write_blank(r, col, &styles.month)?,
                },
                ListColumn::File => {
                    sheet.write_string_with_format(r, col, &row.source.file, &styles.text)?
                }
                ListColumn::Sha => {
                    let prefix: String = row.source.sha256.chars().take(SHA_PREFIX).collect();
                    sheet.write_string_with_format(r, col, prefix, &styles.center)?
                }
            };
        }
    }
    let last_data = FIRST_DATA_ROW + rows.len().max(1) as u32 - 1;
    sheet.autofilter(HEADER_ROW, 0, last_data.max(HEADER_ROW), last)?;
    sheet.set_freeze_panes(FIRST_DATA_ROW, 0)?;
    sheet.set_selection(FIRST_DATA_ROW, 0, FIRST_DATA_ROW, 0)?;

    // Under the table, after a blank row: 合计, the filings left out, the notice's 注.
    let mut under = vec![format!("{TOTALS_LABEL}{}", totals_sentence(form, rows))];
    if !scope.apart.is_empty() {
        under.push(format!(
            "另有{}，其报送未列入本表。",
            scope.apart.join("；")
        ));
    }
    for (i, note) in form.numbered_notes().into_iter().enumerate() {
        under.push(if i == 0 {
            format!("注：{note}")
        } else {
            note
        });
    }
    let first_under = FIRST_DATA_ROW + rows.len() as u32 + 1;
    for (r, text) in (first_under..).zip(under) {
        sheet.merge_range(r, 0, r, last, &text, &styles.note)?;
        sheet.set_row_height(r, 24)?;
    }
    print_setup(sheet, (HEADER_ROW, HEADER_ROW))
}

/// `6个县（市、区），40所学校（校区），120项。`: what a list holds.
fn totals_sentence(form: &Form, rows: &[Row]) -> String {
    let counties: BTreeSet<(&str, &str)> = rows.iter().map(|r| (r.city, r.county)).collect();
    if *form == SCHOOL_LIST {
        let schools: BTreeSet<(&str, &str, &str)> = rows
            .iter()
            .map(|r| (r.city, r.county, r.school.unwrap_or("")))
            .collect();
        format!(
            "{}个县（市、区），{}所学校（校区），{}项。",
            counties.len(),
            schools.len(),
            rows.len()
        )
    } else {
        format!("{}个县（市、区），{}项。", counties.len(), rows.len())
    }
}

/// How many items of each county answer each indicator, both lists together: rows are the
/// counted counties grouped by city with a 小计 per city, columns the indicators that occur (in
/// the registry's order), then 未对应指标 and 合计; the last row totals the province.
fn count_sheet(
    sheet: &mut Worksheet,
    styles: &Styles,
    rollup: &Rollup,
    scope: &Scope,
) -> Result<(), XlsxError> {
    let registry = domain::registry();
    let counts = county_counts(rollup);
    let occurring: BTreeSet<&str> = counts
        .iter()
        .flat_map(|c| c.by_indicator.keys().copied())
        .collect();
    let indicators: Vec<&Indicator> = registry
        .indicators
        .iter()
        .filter(|i| occurring.contains(i.code.as_str()))
        .collect();
    let unmatched = counts.iter().any(|c| c.unmatched > 0);
    let mut headers: Vec<String> = vec![
        TIMETABLE.city_header.to_owned(),
        PLAN.county_header.to_owned(),
    ];
    headers.extend(
        indicators
            .iter()
            .map(|i| format!("{}\n{}", i.code, i.short)),
    );
    if unmatched {
        headers.push(NO_INDICATOR.to_owned());
    }
    headers.push(TOTAL.to_owned());
    let last = last_col(headers.len());

    sheet.set_name(COUNT_SHEET)?;
    sheet.set_column_width(0, 10)?;
    sheet.set_column_width(1, 12)?;
    for col in 2..=last {
        sheet.set_column_width(col, 9)?;
    }
    sheet.set_row_height(0, 40)?;
    sheet.merge_range(0, 0, 0, last, COUNT_TITLE, &styles.title)?;
    sheet.write_string_with_format(
        1,
        0,
        format!(
            "单位：项（{}与{}合计）。{}：{}年{}月{}日",
            SCHOOL_LIST.label,
            COUNTY_LIST.label,
            FILED_ON_FIELD,
            chrono::Datelike::year(&scope.date),
            chrono::Datelike::month(&scope.date),
            chrono::Datelike::day(&scope.date),
        ),
        &styles.label,
    )?;
    const HEADER: u32 = 2;
    sheet.set_row_height(HEADER, 60)?;
    for (col, header) in headers.iter().enumerate() {
        sheet.write_string_with_format(HEADER, col as u16, header, &styles.header)?;
    }
    let write_counts = |sheet: &mut Worksheet,
                        row: u32,
                        counts: &Counts,
                        format: &Format|
     -> Result<(), XlsxError> {
        for (i, indicator) in indicators.iter().enumerate() {
            let n = counts
                .by_indicator
                .get(indicator.code.as_str())
                .copied()
                .unwrap_or(0);
            sheet.write_number_with_format(row, 2 + i as u16, n as f64, format)?;
        }
        let mut col = 2 + indicators.len() as u16;
        if unmatched {
            sheet.write_number_with_format(row, col, counts.unmatched as f64, format)?;
            col += 1;
        }
        sheet.write_number_with_format(row, col, counts.total() as f64, format)?;
        Ok(())
    };
    let mut row = HEADER + 1;
    let mut province = Counts::default();
    for city in &rollup.cities {
        let of_city: Vec<&Counts> = counts.iter().filter(|c| c.city == city.name).collect();
        if of_city.is_empty() {
            continue;
        }
        let mut subtotal = Counts::default();
        for county in of_city {
            sheet.write_string_with_format(row, 0, city.name, &styles.center)?;
            sheet.write_string_with_format(row, 1, county.county, &styles.center)?;
            write_counts(sheet, row, county, &styles.count)?;
            subtotal.add(county);
            row += 1;
        }
        sheet.write_string_with_format(row, 0, city.name, &styles.total_label)?;
        sheet.write_string_with_format(row, 1, "小计", &styles.total_label)?;
        write_counts(sheet, row, &subtotal, &styles.count_total)?;
        province.add(&subtotal);
        row += 1;
    }
    sheet.write_string_with_format(row, 0, "全省", &styles.total_label)?;
    sheet.write_string_with_format(row, 1, TOTAL, &styles.total_label)?;
    write_counts(sheet, row, &province, &styles.count_total)?;
    // The filter picks a city (its counties and 小计); the 全省 row stays below it.
    sheet.autofilter(HEADER, 0, (row - 1).max(HEADER), last)?;
    sheet.set_freeze_panes(HEADER + 1, 2)?;
    sheet.set_selection(HEADER + 1, 2, HEADER + 1, 2)?;
    print_setup(sheet, (HEADER, HEADER))
}

/// One county's items per indicator code.
#[derive(Debug, Default)]
struct Counts<'a> {
    city: &'a str,
    county: &'a str,
    by_indicator: BTreeMap<&'a str, usize>,
    unmatched: usize,
}

impl<'a> Counts<'a> {
    fn total(&self) -> usize {
        self.by_indicator.values().sum::<usize>() + self.unmatched
    }

    fn add(&mut self, other: &Counts<'a>) {
        for (code, n) in &other.by_indicator {
            *self.by_indicator.entry(code).or_default() += n;
        }
        self.unmatched += other.unmatched;
    }
}

fn county_counts<'a>(rollup: &Rollup<'a>) -> Vec<Counts<'a>> {
    let mut out = Vec::new();
    for city in &rollup.cities {
        for sub in &city.counted {
            let mut counts = Counts {
                city: city.name,
                county: sub.county.as_ref().map_or("", |c| c.name.as_str()),
                ..Counts::default()
            };
            let items = sub
                .schools
                .iter()
                .flat_map(|s| &s.items)
                .chain(&sub.county_items);
            for item in items {
                match &item.indicator {
                    Some(code) => *counts.by_indicator.entry(code.as_str()).or_default() += 1,
                    None => counts.unmatched += 1,
                }
            }
            out.push(counts);
        }
    }
    out
}

/// A merged list read back: what `gongwen check` says of a workbook gongwen's roll-up wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ListReading {
    /// The lists found, by label (`附件1`, `附件2`), in the order met.
    pub lists: Vec<String>,
    /// 填报单位 as written above the first list.
    pub unit: String,
    /// The cities the lists cover, in the order met.
    pub cities: Vec<String>,
    /// Counties with at least one item, over both lists.
    pub counties: usize,
    /// Distinct schools (per county) of 附件1.
    pub schools: usize,
    pub school_items: usize,
    pub county_items: usize,
    /// Whether the count sheet is there (the province's workbook).
    pub count_sheet: bool,
    /// 完成时限 cells that are not a date (none in a workbook gongwen wrote).
    pub deadlines_not_dates: usize,
    /// Totals that disagree with the rows (none in a workbook gongwen wrote): a 合计 under a
    /// table, or the count sheet's 全省合计.
    pub problems: Vec<String>,
}

impl ListReading {
    pub fn is_province(&self) -> bool {
        self.count_sheet
    }

    /// What check warns about: each 完成时限 not a date is one warning, each total that
    /// disagrees another.
    pub fn warnings(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.deadlines_not_dates > 0 {
            out.push(format!(
                "{}个{}不是日期",
                self.deadlines_not_dates,
                Column::Deadline.header()
            ));
        }
        out.extend(self.problems.iter().cloned());
        out
    }
}

/// Recognises a workbook [`city_workbooks`] or [`province_workbook`] wrote: a sheet whose
/// header row is exactly a merged list's, under 附件1 or 附件2. None for anything else, such
/// as a county's filing.
pub fn recognise(book: &RawWorkbook) -> Option<ListReading> {
    let mut reading = ListReading::default();
    let mut found = false;
    let mut counties: BTreeSet<(String, String)> = BTreeSet::new();
    let mut schools: BTreeSet<(String, String, String)> = BTreeSet::new();
    let mut province_total = None;
    for sheet in book.sheets.iter().filter(|s| s.visible) {
        if text(sheet, 0, 0) == COUNT_TITLE {
            reading.count_sheet = true;
            province_total = Some(count_sheet_total(sheet));
            continue;
        }
        let Some((form, province, header)) = list_header(sheet) else {
            continue;
        };
        found = true;
        if !reading.lists.iter().any(|l| l == form.label) {
            reading.lists.push(form.label.to_owned());
        }
        if reading.unit.is_empty() {
            let prefix = format!("{}：", TIMETABLE.unit_field);
            reading.unit = (0..header)
                .find_map(|r| text(sheet, r, 0).strip_prefix(&prefix).map(str::to_owned))
                .unwrap_or_default();
        }
        let columns = columns(form, province);
        let at = |c: ListColumn| columns.iter().position(|x| *x == c).map(|p| p as u32);
        let county_col = at(ListColumn::County)?;
        let mut row = header + 1;
        let first = row;
        while row < sheet.row_end() {
            let county = text(sheet, row, county_col);
            if county.is_empty() {
                break;
            }
            let city = match at(ListColumn::City) {
                Some(col) => text(sheet, row, col),
                None => city_of(&county),
            };
            if !reading.cities.contains(&city) {
                reading.cities.push(city.clone());
            }
            counties.insert((city.clone(), county.clone()));
            if let Some(col) = at(ListColumn::Deadline)
                && !matches!(sheet.get(row, col), CellValue::Date(_))
            {
                reading.deadlines_not_dates += 1;
            }
            match at(ListColumn::School) {
                Some(col) => {
                    schools.insert((city, county, text(sheet, row, col)));
                    reading.school_items += 1;
                }
                None => reading.county_items += 1,
            }
            row += 1;
        }
        // After a blank row, 合计：…N项。
        let n = row - first;
        let totals = text(sheet, row + 1, 0);
        if !(totals.starts_with(TOTALS_LABEL) && totals.ends_with(&format!("，{n}项。"))) {
            reading
                .problems
                .push(format!("工作表“{}”的合计行与表中{n}项不符", sheet.name));
        }
    }
    if let Some(total) = province_total {
        let items = reading.school_items + reading.county_items;
        if total != Some(items) {
            reading.problems.push(format!(
                "工作表“{COUNT_SHEET}”的全省合计与清单的{items}项不符"
            ));
        }
    }
    reading.counties = counties.len();
    reading.schools = schools.len();
    found.then_some(reading)
}

/// The count sheet's last number: 全省's 合计.
fn count_sheet_total(sheet: &RawSheet) -> Option<usize> {
    let row = (0..sheet.row_end()).find(|&r| text(sheet, r, 0) == "全省")?;
    let col = (0..sheet.col_end())
        .rev()
        .find(|&c| !sheet.get(row, c).is_empty())?;
    match sheet.get(row, col) {
        CellValue::Number(n) if *n >= 0.0 => Some(*n as usize),
        _ => None,
    }
}

fn text(sheet: &RawSheet, row: u32, col: u32) -> String {
    sheet.get(row, col).display().trim().to_owned()
}

/// The city of a county named in a city's list: the registry's, or empty.
fn city_of(county: &str) -> String {
    let registry = domain::registry();
    registry
        .divisions
        .iter()
        .find(|d| d.name == county)
        .map_or_else(String::new, |d| d.city.clone())
}

/// The form, whether the province's, and the header row of a merged list on `sheet`.
fn list_header(sheet: &RawSheet) -> Option<(&'static Form, bool, u32)> {
    let end = sheet.row_end().min(FIRST_DATA_ROW + 2);
    for row in 0..end {
        for form in [&SCHOOL_LIST, &COUNTY_LIST] {
            for province in [false, true] {
                let expected = headers(form, province);
                let matches = expected
                    .iter()
                    .enumerate()
                    .all(|(col, h)| text(sheet, row, col as u32) == *h);
                let labelled = (0..row).any(|r| text(sheet, r, 0) == form.label);
                if matches && labelled {
                    return Some((form, province, row));
                }
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_columns_are_the_notices_widened() {
        assert_eq!(
            headers(&SCHOOL_LIST, false),
            [
                "县（市、区）",
                "学校名称",
                "存在不足情况",
                "对应指标",
                "指标名称",
                "整改提升措施",
                "完成时限",
                "来源文件",
                "SHA-256（前12位）"
            ]
        );
        assert_eq!(
            headers(&COUNTY_LIST, true)[0..2],
            ["设区市", "县（市、区）"]
        );
        assert!(!headers(&COUNTY_LIST, true).contains(&"学校名称"));
        assert_eq!(
            city_file_name(&COUNTY_LIST, "杭州市"),
            "附件2_县级政府整改清单_杭州市.xlsx"
        );
    }
}
