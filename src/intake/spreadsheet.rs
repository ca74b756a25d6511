//! Spreadsheets through calamine, read as the sparse list of cells that hold something and
//! laid out at their absolute positions only over the table's area. Building calamine's dense
//! box instead made one stray space at D499000 cost two million cells and minutes of reading,
//! and one at XFD1048576 a box of 17 billion. xlsx and xlsb are streamed cell by cell; xls
//! comes as calamine's range, whose used cells are taken without copying its box; ods is read
//! by [`super::ods`], which also gives its merged regions (calamine gives none).

use std::io::Cursor;

use calamine::{Data, DataRef, Dimensions, Reader, SheetVisible, Xls, Xlsb, Xlsx};

use super::layout::{PlacedCell, SheetCells};
use super::{CellValue, Format, IntakeError, Limits, Merge, RawWorkbook, RowBudget};

type Bytes<'a> = Cursor<&'a [u8]>;

pub(super) fn read(
    bytes: &[u8],
    format: Format,
    limits: &Limits,
) -> Result<RawWorkbook, IntakeError> {
    let cursor = Cursor::new(bytes);
    let sheets = match format {
        Format::Xlsx => {
            let mut book = Xlsx::new(cursor).map_err(xlsx_error)?;
            let mut collected = Vec::new();
            let mut cells = CellCount::new(limits);
            for (name, visible) in worksheets(&book) {
                let mut sheet = SheetCells::new(name, visible);
                let mut reader = book
                    .worksheet_cells_reader(&sheet.name)
                    .map_err(xlsx_error)?;
                while let Some(cell) = reader.next_cell().map_err(xlsx_error)? {
                    let (row, col) = cell.get_position();
                    if let Some(value) =
                        convert_ref(cell.get_value(), &sheet.name, row, col, limits)?
                    {
                        cells.take()?;
                        sheet.cells.push(PlacedCell { row, col, value });
                    }
                }
                drop(reader);
                sheet.merges = merges(
                    book.merge_cells_by_sheet_name(&sheet.name)
                        .unwrap_or_default(),
                );
                collected.push(sheet);
            }
            collected
        }
        Format::Xlsb => {
            let mut book: Xlsb<Bytes<'_>> = Xlsb::new(cursor).map_err(corrupt)?;
            let mut collected = Vec::new();
            let mut cells = CellCount::new(limits);
            for (name, visible) in worksheets(&book) {
                let mut sheet = SheetCells::new(name, visible);
                let mut reader = book.worksheet_cells_reader(&sheet.name).map_err(corrupt)?;
                while let Some(cell) = reader.next_cell().map_err(corrupt)? {
                    let (row, col) = cell.get_position();
                    if let Some(value) =
                        convert_ref(cell.get_value(), &sheet.name, row, col, limits)?
                    {
                        cells.take()?;
                        sheet.cells.push(PlacedCell { row, col, value });
                    }
                }
                drop(reader);
                collected.push(sheet);
            }
            collected
        }
        Format::Xls => {
            let mut book = Xls::new(cursor).map_err(xls_error)?;
            let mut collected = Vec::new();
            let mut cells = CellCount::new(limits);
            for (name, visible) in worksheets(&book) {
                let mut sheet = SheetCells::new(name, visible);
                let range = book.worksheet_range(&sheet.name).map_err(xls_error)?;
                // `used_cells` passes over calamine's box without copying it; an xls box is at
                // most 65,536 × 256 cells, which calamine has already built.
                let origin = range.start().unwrap_or((0, 0));
                for (r, c, data) in range.used_cells() {
                    let (row, col) = (origin.0 + r as u32, origin.1 + c as u32);
                    if let Some(value) = convert(data, &sheet.name, row, col, limits)? {
                        cells.take()?;
                        sheet.cells.push(PlacedCell { row, col, value });
                    }
                }
                sheet.merges = merges(
                    book.merge_cells_by_sheet_name(&sheet.name)
                        .unwrap_or_default(),
                );
                collected.push(sheet);
            }
            collected
        }
        Format::Ods => super::ods::read(bytes, limits)?,
        Format::Csv => unreachable!("CSV is read by the text reader"),
    };
    let mut budget = RowBudget::new(limits);
    let sheets = sheets
        .into_iter()
        .map(|sheet| sheet.lay_out(limits, &mut budget))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(RawWorkbook { format, sheets })
}

/// The cells that hold something, counted over the whole workbook against the limit.
pub(super) struct CellCount {
    used: u64,
    limit: u64,
}

impl CellCount {
    pub(super) fn new(limits: &Limits) -> CellCount {
        CellCount {
            used: 0,
            limit: limits.max_cells,
        }
    }

    pub(super) fn take(&mut self) -> Result<(), IntakeError> {
        self.take_many(1)
    }

    pub(super) fn take_many(&mut self, count: u64) -> Result<(), IntakeError> {
        self.used = self.used.saturating_add(count);
        if self.used > self.limit {
            return Err(IntakeError::TooManyCells { limit: self.limit });
        }
        Ok(())
    }
}

fn worksheets<RS, R>(book: &R) -> Vec<(String, bool)>
where
    RS: std::io::Read + std::io::Seek,
    R: Reader<RS>,
{
    book.sheets_metadata()
        .iter()
        .filter(|s| s.typ == calamine::SheetType::WorkSheet)
        .map(|s| (s.name.clone(), s.visible == SheetVisible::Visible))
        .collect()
}

fn merges(dimensions: Vec<Dimensions>) -> Vec<Merge> {
    dimensions
        .into_iter()
        .map(|d| Merge {
            first_row: d.start.0,
            first_col: d.start.1,
            last_row: d.end.0,
            last_col: d.end.1,
        })
        .collect()
}

/// A streamed cell's value, or `None` when it holds nothing; an over-long text is refused
/// before it is copied.
fn convert_ref(
    data: &DataRef<'_>,
    sheet: &str,
    row: u32,
    col: u32,
    limits: &Limits,
) -> Result<Option<CellValue>, IntakeError> {
    let value = match data {
        DataRef::Empty => return Ok(None),
        DataRef::SharedString(text) => {
            super::check_cell_text(text, sheet, row, col, limits)?;
            CellValue::Text((*text).to_owned())
        }
        DataRef::String(text) => {
            super::check_cell_text(text, sheet, row, col, limits)?;
            CellValue::Text(text.clone())
        }
        DataRef::Float(f) => CellValue::Number(*f),
        DataRef::Int(i) => CellValue::Number(*i as f64),
        DataRef::Bool(b) => CellValue::Bool(*b),
        DataRef::DateTime(dt) => date_time(dt),
        DataRef::DateTimeIso(s) => super::iso_date_cell(s),
        DataRef::DurationIso(s) => CellValue::Text(s.clone()),
        DataRef::Error(e) => CellValue::Error(e.to_string()),
    };
    Ok(Some(value))
}

fn convert(
    data: &Data,
    sheet: &str,
    row: u32,
    col: u32,
    limits: &Limits,
) -> Result<Option<CellValue>, IntakeError> {
    let value = match data {
        Data::Empty => return Ok(None),
        Data::String(text) => {
            super::check_cell_text(text, sheet, row, col, limits)?;
            CellValue::Text(text.clone())
        }
        Data::Float(f) => CellValue::Number(*f),
        Data::Int(i) => CellValue::Number(*i as f64),
        Data::Bool(b) => CellValue::Bool(*b),
        Data::DateTime(dt) => date_time(dt),
        Data::DateTimeIso(s) => super::iso_date_cell(s),
        Data::DurationIso(s) => CellValue::Text(s.clone()),
        Data::Error(e) => CellValue::Error(e.to_string()),
    };
    Ok(Some(value))
}

fn date_time(dt: &calamine::ExcelDateTime) -> CellValue {
    if !dt.is_datetime() {
        return CellValue::Number(dt.as_f64());
    }
    match dt.as_datetime() {
        Some(d) => CellValue::Date(d.date()),
        None => CellValue::Number(dt.as_f64()),
    }
}

fn xlsx_error(err: calamine::XlsxError) -> IntakeError {
    match err {
        calamine::XlsxError::Password => IntakeError::Encrypted,
        other => corrupt(other),
    }
}

fn xls_error(err: calamine::XlsError) -> IntakeError {
    match err {
        calamine::XlsError::Password => IntakeError::Encrypted,
        other => corrupt(other),
    }
}

pub(super) fn corrupt(err: impl std::fmt::Display) -> IntakeError {
    IntakeError::Corrupt {
        detail: err.to_string(),
    }
}
