//! Spreadsheets through calamine: every sheet's used range at its absolute position, with the
//! merged regions xlsx and xls record (ods records none: its value sits in the top-left cell,
//! which the form reader handles by carrying values down).

use std::io::Cursor;

use calamine::{Data, Dimensions, Ods, Range, Reader, SheetVisible, Xls, Xlsb, Xlsx};

use super::{
    CellValue, Format, IntakeError, Limits, Merge, RawSheet, RawWorkbook, RowBudget,
    check_cell_text,
};

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
            read_sheets(&mut book, limits, |book, name| {
                book.merge_cells_by_sheet_name(name).unwrap_or_default()
            })
            .map_err(|e| e.map(xlsx_error))?
        }
        Format::Xls => {
            let mut book = Xls::new(cursor).map_err(xls_error)?;
            read_sheets(&mut book, limits, |book, name| {
                book.merge_cells_by_sheet_name(name).unwrap_or_default()
            })
            .map_err(|e| e.map(xls_error))?
        }
        Format::Xlsb => {
            let mut book: Xlsb<Bytes<'_>> = Xlsb::new(cursor).map_err(corrupt)?;
            read_sheets(&mut book, limits, |_, _| Vec::new()).map_err(|e| e.map(corrupt))?
        }
        Format::Ods => {
            let mut book: Ods<Bytes<'_>> = Ods::new(cursor).map_err(corrupt)?;
            read_sheets(&mut book, limits, |_, _| Vec::new()).map_err(|e| e.map(corrupt))?
        }
        Format::Csv => unreachable!("CSV is read by the text reader"),
    };
    Ok(RawWorkbook { format, sheets })
}

/// Either our own refusal or the reader's error, translated by the caller.
enum SheetError<E> {
    Ours(IntakeError),
    Reader(E),
}

impl<E> SheetError<E> {
    fn map(self, f: impl FnOnce(E) -> IntakeError) -> IntakeError {
        match self {
            SheetError::Ours(e) => e,
            SheetError::Reader(e) => f(e),
        }
    }
}

fn read_sheets<RS, R, E>(
    book: &mut R,
    limits: &Limits,
    merges_of: impl Fn(&mut R, &str) -> Vec<Dimensions>,
) -> Result<Vec<RawSheet>, SheetError<E>>
where
    RS: std::io::Read + std::io::Seek,
    R: Reader<RS, Error = E>,
{
    let metadata: Vec<(String, bool)> = book
        .sheets_metadata()
        .iter()
        .filter(|s| s.typ == calamine::SheetType::WorkSheet)
        .map(|s| (s.name.clone(), s.visible == SheetVisible::Visible))
        .collect();
    let mut cells: u64 = 0;
    let mut budget = RowBudget::new(limits);
    let mut sheets = Vec::with_capacity(metadata.len());
    for (name, visible) in metadata {
        let range = book.worksheet_range(&name).map_err(SheetError::Reader)?;
        cells = cells.saturating_add(range.get_size().0 as u64 * range.get_size().1 as u64);
        if cells > limits.max_cells {
            return Err(SheetError::Ours(IntakeError::TooManyCells {
                limit: limits.max_cells,
            }));
        }
        let merges = merges_of(book, &name)
            .into_iter()
            .map(|d| Merge {
                first_row: d.start.0,
                first_col: d.start.1,
                last_row: d.end.0,
                last_col: d.end.1,
            })
            .collect();
        let sheet = to_sheet(name, visible, &range, merges, limits, &mut budget)
            .map_err(SheetError::Ours)?;
        sheets.push(sheet);
    }
    Ok(sheets)
}

/// Converts one sheet, refusing an over-long cell or one row too many as it goes.
fn to_sheet(
    name: String,
    visible: bool,
    range: &Range<Data>,
    merges: Vec<Merge>,
    limits: &Limits,
    budget: &mut RowBudget,
) -> Result<RawSheet, IntakeError> {
    let origin = range.start().unwrap_or((0, 0));
    let mut rows = Vec::with_capacity(range.height());
    for (row, cells) in (origin.0..).zip(range.rows()) {
        let mut has_data = false;
        let mut values = Vec::with_capacity(cells.len());
        for (col, data) in (origin.1..).zip(cells) {
            // Checked before converting, so a hostile cell is never copied.
            if let Data::String(text) = data {
                check_cell_text(text, &name, row, col, limits)?;
            }
            let value = convert(data);
            has_data |= !value.is_empty();
            values.push(value);
        }
        if has_data {
            budget.take(&name, row)?;
        }
        rows.push(values);
    }
    let sheet = RawSheet::new(name, visible, origin, rows, merges);
    // Merges a real workbook holds tile the sheet without overlapping, so together they
    // cover no more rows than the sheet has cells; more is a hostile file, refused before
    // anyone indexes it.
    if sheet.merged_row_spans() > limits.max_cells {
        return Err(IntakeError::TooManyCells {
            limit: limits.max_cells,
        });
    }
    Ok(sheet)
}

fn convert(data: &Data) -> CellValue {
    match data {
        Data::Empty => CellValue::Empty,
        Data::String(s) => CellValue::Text(s.clone()),
        Data::Float(f) => CellValue::Number(*f),
        Data::Int(i) => CellValue::Number(*i as f64),
        Data::Bool(b) => CellValue::Bool(*b),
        Data::DateTime(dt) if dt.is_datetime() => match dt.as_datetime() {
            Some(d) => CellValue::Date(d.format("%Y-%m-%dT%H:%M:%S").to_string()),
            None => CellValue::Number(dt.as_f64()),
        },
        Data::DateTime(dt) => CellValue::Number(dt.as_f64()),
        Data::DateTimeIso(s) => CellValue::Date(s.clone()),
        Data::DurationIso(s) => CellValue::Text(s.clone()),
        Data::Error(e) => CellValue::Error(e.to_string()),
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

fn corrupt(err: impl std::fmt::Display) -> IntakeError {
    IntakeError::Corrupt {
        detail: err.to_string(),
    }
}
