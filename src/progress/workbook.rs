//! Writes the 整改进展表 and the 整改进展汇总 with `rust_xlsxwriter`, in the style of the
//! template (src/template.rs): a 小标宋 title, a line naming the unit, a frozen grey header
//! row, A4 landscape one page wide with the header repeated. What gongwen wrote is locked
//! (sheet protection, no password); the columns a person fills are unlocked and carry
//! drop-downs. The bytes depend only on the ledgers and `made_on`: nothing reads the clock.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_xlsxwriter::{
    DataValidation, DocProperties, ExcelDateTime, Format, FormatAlign, FormatBorder, Formula,
    ProtectionOptions, Workbook, Worksheet, XlsxError,
};

use crate::calendar::{YearMonth, zh_date};
use crate::domain::registry;
use crate::notice;
use crate::tracking::{ItemId, Ledger, Status, TrackedItem, Verdict};
use crate::workbook;

use super::{
    FIRST_ROW, HEADER_ROW, LISTS_SHEET, PROGRESS_FORMAT, PROGRESS_SHEET, ProgressColumn,
    REVIEW_FORMAT, REVIEW_SHEET, ReviewColumn,
};

/// Fingerprint keys, as the hidden sheet's column A holds them.
pub mod keys {
    pub const FORMAT: &str = "format";
    pub const COUNTY_CODE: &str = "county_code";
    pub const COUNTY_NAME: &str = "county_name";
    pub const CITY: &str = "city";
    pub const CITY_CODE: &str = "city_code";
    pub const LIST_SHA256: &str = "list_sha256";
    pub const LIST_FILE: &str = "list_file";
    pub const LIST_FILED_ON: &str = "list_filed_on";
    pub const MADE_ON: &str = "made_on";
}

/// Column widths of the progress sheet, one per [`ProgressColumn`].
const PROGRESS_WIDTHS: [f64; 11] = [
    12.0, 22.0, 36.0, 22.0, 40.0, 11.0, 10.0, 11.0, 34.0, 24.0, 24.0,
];
/// Column widths of the review sheet, one per [`ReviewColumn`].
const REVIEW_WIDTHS: [f64; 10] = [12.0, 12.0, 22.0, 34.0, 11.0, 11.0, 34.0, 24.0, 12.0, 28.0];

/// What a person wrote into a workbook's cells, by item and column, as text: tests fill a
/// workbook through the same code that writes it (the daemon fills nothing).
pub type Fill<C> = BTreeMap<(ItemId, C), String>;

/// The county's 整改进展表: every current item of its ledger (withdrawn ones left out), the
/// closed ones locked as 已销号.
pub fn progress_workbook(ledger: &Ledger, made_on: NaiveDate) -> Result<Vec<u8>, XlsxError> {
    progress_workbook_filled(ledger, made_on, &Fill::new())
}

/// [`progress_workbook`] with cells written over as a clerk would.
pub fn progress_workbook_filled(
    ledger: &Ledger,
    made_on: NaiveDate,
    fill: &Fill<ProgressColumn>,
) -> Result<Vec<u8>, XlsxError> {
    let county = &ledger.county;
    let styles = Styles::new();
    let mut book = Workbook::new();
    book.set_properties(&properties(
        format!("{}{}义务教育优质均衡整改进展表", county.city, county.name),
        made_on,
    )?);
    let items: Vec<&TrackedItem> = ledger.current().collect();
    let months = completion_months(made_on);
    {
        let sheet = book.add_worksheet();
        sheet.set_name(PROGRESS_SHEET)?;
        let last_col = ProgressColumn::ALL.len() as u16 - 1;
        let list = match (&ledger.list, ledger.list_filed_on) {
            (Some(list), Some(filed)) => format!("{}（填报日期{}）", list.file, zh_date(filed)),
            (Some(list), None) => list.file.clone(),
            (None, _) => "无".to_owned(),
        };
        heading(
            sheet,
            &styles,
            last_col,
            &format!("{}{}义务教育优质均衡整改进展表", county.city, county.name),
            &format!(
                "县（市、区）：{}{}　　依据清单：{list}　　制表日期：{}",
                county.city,
                county.name,
                zh_date(made_on)
            ),
        )?;
        for (column, width) in ProgressColumn::ALL.iter().zip(PROGRESS_WIDTHS) {
            let col = column.col();
            sheet.set_column_width(col, width)?;
            sheet.write_string_with_format(HEADER_ROW, col, column.header(), &styles.header)?;
        }
        for (offset, item) in items.iter().enumerate() {
            let row = FIRST_ROW + offset as u32;
            let closed = item.status == Status::Closed;
            let mut lines = 1;
            let fill_format = if closed {
                &styles.locked
            } else {
                &styles.unlocked
            };
            let fill_centre = if closed {
                &styles.locked_centre
            } else {
                &styles.unlocked_centre
            };
            for column in ProgressColumn::ALL {
                let (text, format) = match column {
                    ProgressColumn::Id => (item.id.to_string(), &styles.locked_centre),
                    ProgressColumn::School => (item.owner().to_owned(), &styles.locked),
                    ProgressColumn::Shortcoming => (item.shortcoming.clone(), &styles.locked),
                    ProgressColumn::Indicator => (indicator_label(item), &styles.locked),
                    ProgressColumn::Measure => (item.measure.clone(), &styles.locked),
                    ProgressColumn::Deadline => (month_text(item.deadline), &styles.locked_centre),
                    ProgressColumn::Status => (item.status.label().to_owned(), fill_centre),
                    ProgressColumn::CompletedIn => (
                        item.completed_in.map(YearMonth::zh).unwrap_or_default(),
                        fill_centre,
                    ),
                    ProgressColumn::Completion => (item.completion.clone(), fill_format),
                    ProgressColumn::Evidence => (item.evidence.clone(), fill_format),
                    ProgressColumn::Remark => (
                        item.returned_remark.clone().unwrap_or_default(),
                        &styles.remark,
                    ),
                };
                let text = fill
                    .get(&(item.id.clone(), column))
                    .cloned()
                    .unwrap_or(text);
                lines = lines.max(lines_needed(&text, PROGRESS_WIDTHS[column.col() as usize]));
                sheet.write_string_with_format(row, column.col(), &text, format)?;
            }
            sheet.set_row_height(row, row_height(lines))?;
        }
        if !items.is_empty() {
            let last = FIRST_ROW + items.len() as u32 - 1;
            let labels: Vec<&str> = Status::REPORTABLE.iter().map(|s| s.label()).collect();
            let status = messages(
                DataValidation::new().allow_list_strings(&labels)?,
                "进展状态",
                "请选择：未启动、推进中或已完成。已完成的须填写完成时间和完成情况。",
                "请从下拉列表中选择：未启动、推进中、已完成。",
            )?;
            let col = ProgressColumn::Status.col();
            sheet.add_data_validation(FIRST_ROW, col, last, col, &status)?;
            let range = format!("'{LISTS_SHEET}'!$A$1:$A${}", months.len().max(1));
            let completed = messages(
                DataValidation::new()
                    .allow_list_formula(Formula::new(range))
                    .ignore_blank(true),
                "完成时间",
                "整改完成的月份，从下拉列表中选择，如“2020年6月”。",
                "请从下拉列表中选择完成的月份。",
            )?;
            let col = ProgressColumn::CompletedIn.col();
            sheet.add_data_validation(FIRST_ROW, col, last, col, &completed)?;
        }
        finish(sheet)?;
    }
    lists_sheet(book.add_worksheet(), &months)?;
    fingerprint_sheet(
        book.add_worksheet(),
        &[
            (keys::FORMAT, PROGRESS_FORMAT.to_owned()),
            (keys::COUNTY_CODE, county.code.clone()),
            (keys::COUNTY_NAME, county.name.clone()),
            (keys::CITY, county.city.clone()),
            (
                keys::LIST_SHA256,
                ledger
                    .list
                    .as_ref()
                    .map(|l| l.sha256.clone())
                    .unwrap_or_default(),
            ),
            (
                keys::LIST_FILE,
                ledger
                    .list
                    .as_ref()
                    .map(|l| l.file.clone())
                    .unwrap_or_default(),
            ),
            (
                keys::LIST_FILED_ON,
                ledger
                    .list_filed_on
                    .map(|d| d.to_string())
                    .unwrap_or_default(),
            ),
            (keys::MADE_ON, made_on.to_string()),
        ],
    )?;
    book.save_to_buffer()
}

/// The city's 整改进展汇总: every item of its counties reported 已完成 and awaiting 销号,
/// county by county, with 核查意见 and 意见说明 to fill.
pub fn review_workbook(
    city: &str,
    ledgers: &[&Ledger],
    made_on: NaiveDate,
) -> Result<Vec<u8>, XlsxError> {
    review_workbook_filled(city, ledgers, made_on, &Fill::new())
}

/// [`review_workbook`] with cells written over as the city bureau would.
pub fn review_workbook_filled(
    city: &str,
    ledgers: &[&Ledger],
    made_on: NaiveDate,
    fill: &Fill<ReviewColumn>,
) -> Result<Vec<u8>, XlsxError> {
    let styles = Styles::new();
    let mut book = Workbook::new();
    book.set_properties(&properties(
        format!("{city}义务教育优质均衡整改进展汇总"),
        made_on,
    )?);
    let awaiting: Vec<(&Ledger, &TrackedItem)> = ledgers
        .iter()
        .flat_map(|l| {
            l.current()
                .filter(|i| i.status == Status::Completed)
                .map(move |i| (*l, i))
        })
        .collect();
    {
        let sheet = book.add_worksheet();
        sheet.set_name(REVIEW_SHEET)?;
        let last_col = ReviewColumn::ALL.len() as u16 - 1;
        heading(
            sheet,
            &styles,
            last_col,
            &format!("{city}义务教育优质均衡整改进展汇总（销号核查）"),
            &format!(
                "设区市：{city}　　待核查事项：{}项　　制表日期：{}",
                awaiting.len(),
                zh_date(made_on)
            ),
        )?;
        for (column, width) in ReviewColumn::ALL.iter().zip(REVIEW_WIDTHS) {
            let col = column.col();
            sheet.set_column_width(col, width)?;
            sheet.write_string_with_format(HEADER_ROW, col, column.header(), &styles.header)?;
        }
        for (offset, (ledger, item)) in awaiting.iter().enumerate() {
            let row = FIRST_ROW + offset as u32;
            let mut lines = 1;
            for column in ReviewColumn::ALL {
                let (text, format) = match column {
                    ReviewColumn::Id => (item.id.to_string(), &styles.locked_centre),
                    ReviewColumn::County => (ledger.county.name.clone(), &styles.locked_centre),
                    ReviewColumn::School => (item.owner().to_owned(), &styles.locked),
                    ReviewColumn::Shortcoming => (item.shortcoming.clone(), &styles.locked),
                    ReviewColumn::Deadline => (month_text(item.deadline), &styles.locked_centre),
                    ReviewColumn::CompletedIn => {
                        (month_text(item.completed_in), &styles.locked_centre)
                    }
                    ReviewColumn::Completion => (item.completion.clone(), &styles.locked),
                    ReviewColumn::Evidence => (item.evidence.clone(), &styles.locked),
                    ReviewColumn::Verdict => (String::new(), &styles.unlocked_centre),
                    ReviewColumn::Remark => (String::new(), &styles.unlocked),
                };
                let text = fill
                    .get(&(item.id.clone(), column))
                    .cloned()
                    .unwrap_or(text);
                lines = lines.max(lines_needed(&text, REVIEW_WIDTHS[column.col() as usize]));
                sheet.write_string_with_format(row, column.col(), &text, format)?;
            }
            sheet.set_row_height(row, row_height(lines))?;
        }
        if !awaiting.is_empty() {
            let last = FIRST_ROW + awaiting.len() as u32 - 1;
            let labels: Vec<&str> = Verdict::ALL.iter().map(|v| v.label()).collect();
            let verdict = messages(
                DataValidation::new()
                    .allow_list_strings(&labels)?
                    .ignore_blank(true),
                "核查意见",
                "同意销号，或退回重改（须在意见说明中写明理由）；留空的行不作处理。",
                "请从下拉列表中选择：同意销号、退回重改。",
            )?;
            let col = ReviewColumn::Verdict.col();
            sheet.add_data_validation(FIRST_ROW, col, last, col, &verdict)?;
        }
        finish(sheet)?;
    }
    fingerprint_sheet(
        book.add_worksheet(),
        &[
            (keys::FORMAT, REVIEW_FORMAT.to_owned()),
            (keys::CITY, city.to_owned()),
            (keys::CITY_CODE, super::city_code(city).unwrap_or_default()),
            (keys::MADE_ON, made_on.to_string()),
        ],
    )?;
    book.save_to_buffer()
}

/// The 完成时间 drop-down: every month from the notice's first to a year after `made_on`.
pub fn completion_months(made_on: NaiveDate) -> Vec<String> {
    let mut end = YearMonth::of(made_on);
    for _ in 0..12 {
        end = end.next();
    }
    let mut out = Vec::new();
    let mut month = notice::FIRST_DEADLINE_MONTH;
    while month <= end {
        out.push(month.zh());
        month = month.next();
    }
    out
}

/// `R5 生均体育运动场馆面积`, the code alone when the registry does not know it, or empty.
fn indicator_label(item: &TrackedItem) -> String {
    let Some(code) = item.indicator.as_deref() else {
        return String::new();
    };
    registry()
        .indicators
        .iter()
        .find(|i| i.code == code)
        .map_or_else(|| code.to_owned(), |i| format!("{} {}", i.code, i.short))
}

/// Lines a wrapped cell of `width` (Excel's units, about one Latin character) needs for
/// `text`, a Chinese character counting two: rows are given their height, since neither
/// Excel nor LibreOffice grows a written row to its wrapped text when opening the file.
fn lines_needed(text: &str, width: f64) -> usize {
    let per_line = (width - 1.0).max(2.0);
    text.split('\n')
        .map(|line| {
            let units: f64 = line
                .chars()
                .map(|c| if c.is_ascii() { 1.1 } else { 2.0 })
                .sum();
            (units / per_line).ceil().max(1.0) as usize
        })
        .sum::<usize>()
        .max(1)
}

/// The height in points of a row of `lines` lines of 11 pt text.
fn row_height(lines: usize) -> f64 {
    15.0 * lines.min(20) as f64 + 4.0
}

fn month_text(month: Option<YearMonth>) -> String {
    month.map_or_else(|| "未填".to_owned(), YearMonth::zh)
}

fn properties(title: String, made_on: NaiveDate) -> Result<DocProperties, XlsxError> {
    use chrono::Datelike as _;
    // Dated by the day made, never by the clock, so the same ledger gives the same bytes.
    let created = ExcelDateTime::from_ymd(
        u16::try_from(made_on.year()).unwrap_or(2019),
        made_on.month() as u8,
        made_on.day() as u8,
    )?;
    Ok(DocProperties::new()
        .set_title(title)
        .set_subject(notice::NUMBER)
        .set_author("gongwen")
        .set_comment("填好后保存，交回收件文件夹（inbox）")
        .set_creation_datetime(&created))
}

struct Styles {
    title: Format,
    subtitle: Format,
    header: Format,
    locked: Format,
    locked_centre: Format,
    unlocked: Format,
    unlocked_centre: Format,
    remark: Format,
}

impl Styles {
    fn new() -> Styles {
        let cell = workbook::body()
            .set_text_wrap()
            .set_align(FormatAlign::VerticalCenter)
            .set_border(FormatBorder::Thin);
        let unlocked = cell.clone().set_unlocked().set_background_color("#FFFDE7");
        Styles {
            title: workbook::title(),
            subtitle: workbook::body().set_align(FormatAlign::VerticalCenter),
            header: workbook::heading()
                .set_font_size(12)
                .set_align(FormatAlign::Center)
                .set_align(FormatAlign::VerticalCenter)
                .set_text_wrap()
                .set_border(FormatBorder::Thin)
                .set_background_color("#F2F2F2"),
            locked_centre: cell.clone().set_align(FormatAlign::Center),
            remark: cell.clone().set_font_color("#C00000"),
            locked: cell,
            // Text, so a typed 2020年6月 stays what was typed.
            unlocked_centre: unlocked
                .clone()
                .set_num_format("@")
                .set_align(FormatAlign::Center),
            unlocked,
        }
    }
}

/// The title (row 1) and the unit's line (row 2), merged across the table.
fn heading(
    sheet: &mut Worksheet,
    styles: &Styles,
    last_col: u16,
    title: &str,
    subtitle: &str,
) -> Result<(), XlsxError> {
    sheet.set_row_height(0, 36)?;
    sheet.merge_range(0, 0, 0, last_col, title, &styles.title)?;
    sheet.set_row_height(1, 22)?;
    sheet.merge_range(1, 0, 1, last_col, subtitle, &styles.subtitle)?;
    sheet.set_row_height(HEADER_ROW, 30)?;
    Ok(())
}

/// Frozen header, printing, protection.
fn finish(sheet: &mut Worksheet) -> Result<(), XlsxError> {
    sheet.set_freeze_panes(FIRST_ROW, 1)?;
    const A4: u8 = 9;
    sheet.set_paper_size(A4);
    sheet.set_landscape();
    sheet.set_margins(0.5, 0.5, 0.6, 0.8, 0.3, 0.3);
    sheet.set_print_fit_to_pages(1, 0);
    sheet.set_print_center_horizontally(true);
    sheet.set_repeat_rows(HEADER_ROW, HEADER_ROW)?;
    sheet.set_footer("&R&9第 &P 页，共 &N 页");
    sheet.protect_with_options(&ProtectionOptions {
        format_columns: true,
        format_rows: true,
        ..ProtectionOptions::default()
    });
    Ok(())
}

fn messages(
    validation: DataValidation,
    title: &str,
    input: &str,
    error: &str,
) -> Result<DataValidation, XlsxError> {
    validation
        .set_input_title(title)?
        .set_input_message(input)?
        .set_error_title(format!("{title}填写有误"))?
        .set_error_message(error)
}

fn lists_sheet(sheet: &mut Worksheet, months: &[String]) -> Result<(), XlsxError> {
    sheet.set_name(LISTS_SHEET)?;
    for (row, month) in months.iter().enumerate() {
        sheet.write_string(row as u32, 0, month)?;
    }
    sheet.set_hidden(true);
    sheet.protect();
    Ok(())
}

/// The fingerprint: very hidden (Excel's menus cannot show it), protected.
fn fingerprint_sheet(sheet: &mut Worksheet, pairs: &[(&str, String)]) -> Result<(), XlsxError> {
    crate::workbook::fingerprint_sheet(sheet, pairs)
}
