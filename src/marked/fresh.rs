//! A new workbook of the cells as read, for files that are no `.xlsx` (`.xls`, `.ods`, CSV)
//! or a package gongwen does not edit: every sheet under its name with its cells at their
//! positions and its merged regions, marked, after a first sheet 问题清单.

use rust_xlsxwriter::{
    DocProperties, ExcelDateTime, Format, FormatBorder, Note, Workbook, Worksheet, XlsxError,
};

use super::{MarkError, PROBLEM_HEADERS, PROBLEM_SHEET, Problems, quoted_location};
use crate::diag::Location;
use crate::intake::{CellValue, RawSheet, RawWorkbook};

/// The workbook's bytes; the same input gives the same bytes (a fixed creation date).
pub(super) fn write(raw: &RawWorkbook, problems: &Problems) -> Result<Vec<u8>, MarkError> {
    let mut book = Workbook::new();
    book.set_properties(&properties()?);
    let names: Vec<&str> = raw.sheets.iter().map(|s| s.name.as_str()).collect();
    if names.contains(&PROBLEM_SHEET) {
        return Err(MarkError::SheetName(PROBLEM_SHEET.to_owned()));
    }
    problem_sheet(book.add_worksheet(), problems, |loc| {
        names.contains(&loc.sheet.as_str()) && super::markable(loc)
    })?;
    for sheet in &raw.sheets {
        let ws = book.add_worksheet();
        ws.set_name(&sheet.name)
            .map_err(|_| MarkError::SheetName(sheet.name.clone()))?;
        cells(ws, sheet, problems)?;
        if !sheet.visible {
            ws.set_hidden(true);
        }
    }
    Ok(book.save_to_buffer()?)
}

/// The notice's date as the creation date: nothing here reads the clock.
pub(super) fn properties() -> Result<DocProperties, XlsxError> {
    let (y, m, d) = crate::notice::DATE;
    let created = ExcelDateTime::from_ymd(y as u16, m as u8, d as u8)?;
    Ok(DocProperties::new()
        .set_title("批注版（gongwen标出的问题）")
        .set_author("gongwen")
        .set_creation_datetime(&created))
}

/// The 问题清单: one row per problem, the location a link to its cell when the cell is in
/// the workbook (`linked`).
pub(super) fn problem_sheet(
    ws: &mut Worksheet,
    problems: &Problems,
    linked: impl Fn(&Location) -> bool,
) -> Result<(), MarkError> {
    ws.set_name(PROBLEM_SHEET)?;
    let header = Format::new()
        .set_bold()
        .set_border_bottom(FormatBorder::Thin);
    for (col, text) in PROBLEM_HEADERS.iter().enumerate() {
        ws.write_string_with_format(0, col as u16, *text, &header)?;
    }
    let wrap = Format::new()
        .set_text_wrap()
        .set_align(rust_xlsxwriter::FormatAlign::Top);
    let top = Format::new().set_align(rust_xlsxwriter::FormatAlign::Top);
    for (i, d) in problems.list.iter().enumerate() {
        let row = i as u32 + 1;
        ws.write_number_with_format(row, 0, (i + 1) as f64, &top)?;
        let level = top.clone().set_background_color(if d.is_error() {
            super::ERROR_FILL
        } else {
            super::WARNING_FILL
        });
        ws.write_string_with_format(row, 1, d.severity.label_zh(), &level)?;
        match &d.cell {
            Some(loc) if linked(loc) => {
                let url = rust_xlsxwriter::Url::new(format!("internal:{}", quoted_location(loc)))
                    .set_text(loc.to_string());
                ws.write_url_with_format(row, 2, url, &top)?;
            }
            Some(loc) => {
                ws.write_string_with_format(row, 2, loc.to_string(), &top)?;
            }
            None => {}
        }
        ws.set_row_height(row, super::row_height(d))?;
        ws.write_string_with_format(row, 3, &d.message, &wrap)?;
        ws.write_string_with_format(row, 4, d.hint.as_deref().unwrap_or(""), &wrap)?;
    }
    ws.set_column_width(0, 6)?;
    ws.set_column_width(1, 6)?;
    ws.set_column_width(2, 22)?;
    ws.set_column_width(3, super::TEXT_COLUMN_WIDTH)?;
    ws.set_column_width(4, super::TEXT_COLUMN_WIDTH)?;
    ws.set_freeze_panes(1, 0)?;
    // Printed landscape, as wide as one page: the messages are long.
    ws.set_landscape();
    ws.set_paper_size(9);
    ws.set_print_fit_to_pages(1, 0);
    Ok(())
}

/// One sheet's cells as read, its merges, and the marks on it.
fn cells(ws: &mut Worksheet, sheet: &RawSheet, problems: &Problems) -> Result<(), MarkError> {
    let (r0, c0) = sheet.origin;
    let plain = Format::new();
    for m in sheet.merges() {
        // Overlapping or single-cell regions (which some writers record) are left unmerged.
        if (m.first_row, m.first_col) != (m.last_row, m.last_col) {
            let _ = ws.merge_range(
                m.first_row,
                m.first_col as u16,
                m.last_row,
                m.last_col as u16,
                "",
                &plain,
            );
        }
    }
    for (i, row) in sheet.rows().iter().enumerate() {
        for (j, value) in row.iter().enumerate() {
            let (r, c) = (r0 + i as u32, c0 + j as u32);
            write_cell(ws, r, c, value, None)?;
        }
    }
    for (loc, cell) in problems.on_sheet(&sheet.name) {
        let fill = Format::new().set_background_color(cell.fill());
        write_cell(
            ws,
            loc.row,
            loc.col,
            sheet.stored(loc.row, loc.col),
            Some(fill),
        )?;
        let note = Note::new(cell.comment())
            .set_author("gongwen")
            .add_author_prefix(false)
            .set_width(320)
            .set_height(40 + 18 * cell.diagnostics.len() as u32 * 2);
        ws.insert_note(loc.row, loc.col as u16, &note)?;
    }
    Ok(())
}

fn write_cell(
    ws: &mut Worksheet,
    row: u32,
    col: u32,
    value: &CellValue,
    format: Option<Format>,
) -> Result<(), XlsxError> {
    let col = u16::try_from(col).unwrap_or(u16::MAX);
    let format = format.unwrap_or_default();
    match value {
        CellValue::Empty => {
            if format != Format::default() {
                ws.write_blank(row, col, &format)?;
            }
        }
        CellValue::Text(t) => {
            ws.write_string_with_format(row, col, t, &format)?;
        }
        CellValue::Number(n) => {
            ws.write_number_with_format(row, col, *n, &format)?;
        }
        CellValue::Bool(b) => {
            ws.write_boolean_with_format(row, col, *b, &format)?;
        }
        CellValue::Date(d) => {
            use chrono::Datelike;
            // A year Excel cannot hold (before 1900) stays as the text it shows.
            match u16::try_from(d.year())
                .ok()
                .and_then(|y| ExcelDateTime::from_ymd(y, d.month() as u8, d.day() as u8).ok())
            {
                Some(date) => {
                    let format = format.set_num_format("yyyy-mm-dd");
                    ws.write_datetime_with_format(row, col, date, &format)?;
                }
                None => {
                    ws.write_string_with_format(row, col, d.to_string(), &format)?;
                }
            }
        }
        CellValue::Error(e) => {
            ws.write_string_with_format(row, col, e, &format)?;
        }
    }
    Ok(())
}
