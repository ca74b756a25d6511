//! OpenDocument spreadsheets (.ods), read from `content.xml` directly. calamine's reader gives
//! no merged regions, so a deadline merged over D5:D6 was missing at D6 in the .ods of a
//! workbook that passed as xlsx; it also builds each sheet's dense box. Here every cell that
//! holds something is placed by counting `number-columns-repeated`, `number-rows-repeated`
//! and covered cells, and `number-rows-spanned` / `number-columns-spanned` become merges.
//! Values follow calamine's reading of the same file, so forms and normalize see no change.

use std::io::{BufReader, Cursor};

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use super::layout::{PlacedCell, SheetCells};
use super::spreadsheet::{CellCount, corrupt};
use super::{CellValue, IntakeError, Limits, Merge, check_cell_text};

/// The largest sheet LibreOffice and Excel make: 1,048,576 rows, 16,384 columns. Repeats
/// reaching past it are padding to the sheet's end, not cells.
const SHEET_ROWS: u64 = 1 << 20;
const SHEET_COLUMNS: u64 = 1 << 14;

type Xml<'a> = Reader<BufReader<zip::read::ZipFile<'a, Cursor<&'a [u8]>>>>;

/// Every table of the document, in order, as the cells that hold something and the merges.
pub(super) fn read(bytes: &[u8], limits: &Limits) -> Result<Vec<SheetCells>, IntakeError> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(corrupt)?;
    let content = archive.by_name("content.xml").map_err(corrupt)?;
    let mut xml: Xml<'_> = Reader::from_reader(BufReader::new(content));
    xml.config_mut().check_end_names = false;
    let mut reading = Reading {
        limits,
        cells: CellCount::new(limits),
        hidden_styles: Vec::new(),
        style: None,
        sheets: Vec::new(),
        sheet: None,
        row: 0,
        rows_repeated: 1,
        col: 0,
    };
    let mut buf = Vec::new();
    loop {
        buf.clear();
        let event = xml.read_event_into(&mut buf).map_err(corrupt)?;
        match event {
            Event::Start(e) => {
                let closed = reading.start(&e, false, &mut xml)?;
                if !closed && is_cell(&e) {
                    xml.read_to_end_into(e.name(), &mut Vec::new())
                        .map_err(corrupt)?;
                }
            }
            Event::Empty(e) => {
                reading.start(&e, true, &mut xml)?;
            }
            Event::End(e) => reading.end(e.name().0),
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(reading.sheets)
}

fn is_cell(e: &BytesStart<'_>) -> bool {
    matches!(e.name().0, "table:table-cell" | "table:covered-table-cell")
}

struct Reading<'l> {
    limits: &'l Limits,
    cells: CellCount,
    /// Table styles that hide a sheet (`table:display="false"`).
    hidden_styles: Vec<String>,
    /// The table style being read, while inside one.
    style: Option<String>,
    sheets: Vec<SheetCells>,
    sheet: Option<SheetCells>,
    /// The current row's first absolute index and how many times it repeats.
    row: u64,
    rows_repeated: u64,
    /// The next cell's absolute column.
    col: u64,
}

impl Reading<'_> {
    /// Handles an opening (or self-closing) element; answers whether a cell's content was
    /// read up to its end tag.
    fn start(
        &mut self,
        e: &BytesStart<'_>,
        empty: bool,
        xml: &mut Xml<'_>,
    ) -> Result<bool, IntakeError> {
        match e.name().0 {
            "style:style" if !empty && attr(e, "style:family").as_deref() == Some("table") => {
                self.style = attr(e, "style:name");
            }
            "style:table-properties" => {
                if let Some(style) = &self.style
                    && attr(e, "table:display").as_deref() == Some("false")
                {
                    self.hidden_styles.push(style.clone());
                }
            }
            "table:table" => {
                let name = attr(e, "table:name").unwrap_or_default();
                let visible =
                    attr(e, "table:style-name").is_none_or(|s| !self.hidden_styles.contains(&s));
                self.sheet = Some(SheetCells::new(name, visible));
                self.row = 0;
                if empty {
                    self.end("table:table");
                }
            }
            "table:table-row" => {
                self.rows_repeated = count(e, "table:number-rows-repeated")?;
                self.col = 0;
                if empty {
                    self.end("table:table-row");
                }
            }
            "table:table-cell" | "table:covered-table-cell" => return self.cell(e, empty, xml),
            _ => {}
        }
        Ok(false)
    }

    fn end(&mut self, name: &str) {
        match name {
            "style:style" => self.style = None,
            "table:table" => {
                if let Some(sheet) = self.sheet.take() {
                    self.sheets.push(sheet);
                }
            }
            "table:table-row" => {
                self.row = self.row.saturating_add(self.rows_repeated);
                self.rows_repeated = 1;
            }
            _ => {}
        }
    }

    fn cell(
        &mut self,
        e: &BytesStart<'_>,
        empty: bool,
        xml: &mut Xml<'_>,
    ) -> Result<bool, IntakeError> {
        let columns = count(e, "table:number-columns-repeated")?;
        let (first_row, first_col) = (self.row, self.col);
        self.col = self.col.saturating_add(columns);
        let Some(sheet) = self.sheet.as_mut() else {
            return Ok(false);
        };
        if first_row >= SHEET_ROWS || first_col >= SHEET_COLUMNS {
            return Ok(false);
        }
        // A covered cell lies under a merge: its value, if any, is hidden as in xlsx.
        if e.name().0 == "table:covered-table-cell" {
            return Ok(false);
        }
        let rows = self.rows_repeated.min(SHEET_ROWS - first_row);
        let columns = columns.min(SHEET_COLUMNS - first_col);
        let (row32, col32) = (first_row as u32, first_col as u32);
        let (value, closed) = cell_value(e, empty, xml, &sheet.name, row32, col32, self.limits)?;

        let spanned_rows = count(e, "table:number-rows-spanned")?;
        let spanned_cols = count(e, "table:number-columns-spanned")?;
        if spanned_rows > 1 || spanned_cols > 1 {
            self.cells.take_many(rows.saturating_mul(columns))?;
            for r in first_row..first_row + rows {
                for c in first_col..first_col + columns {
                    sheet.merges.push(Merge {
                        first_row: r as u32,
                        first_col: c as u32,
                        last_row: (r + spanned_rows - 1).min(SHEET_ROWS - 1) as u32,
                        last_col: (c + spanned_cols - 1).min(SHEET_COLUMNS - 1) as u32,
                    });
                }
            }
        }
        if let Some(value) = value {
            // Counted before anything is placed, so a hostile repeat is refused unexpanded.
            self.cells.take_many(rows.saturating_mul(columns))?;
            for r in first_row..first_row + rows {
                for c in first_col..first_col + columns {
                    sheet.cells.push(PlacedCell {
                        row: r as u32,
                        col: c as u32,
                        value: value.clone(),
                    });
                }
            }
        }
        Ok(closed)
    }
}

/// A repeat or span count: absent is 1; 0 or unreadable is a damaged file.
fn count(e: &BytesStart<'_>, name: &str) -> Result<u64, IntakeError> {
    match attr(e, name) {
        None => Ok(1),
        Some(v) => match v.trim().parse::<u64>() {
            Ok(n) if n > 0 => Ok(n),
            _ => Err(IntakeError::Corrupt {
                detail: format!("{name}=\"{v}\""),
            }),
        },
    }
}

fn attr(e: &BytesStart<'_>, name: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.0 == name)
        .and_then(|a| {
            a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .ok()
                .map(|v| v.into_owned())
        })
}

/// A cell's value as calamine reads it (numbers from `office:value`, dates as their ISO
/// text, strings from `office:string-value` or the paragraphs), or `None` when it holds
/// nothing; and whether the cell's content was read up to its end tag.
fn cell_value(
    e: &BytesStart<'_>,
    empty: bool,
    xml: &mut Xml<'_>,
    sheet: &str,
    row: u32,
    col: u32,
    limits: &Limits,
) -> Result<(Option<CellValue>, bool), IntakeError> {
    let value_type = attr(e, "office:value-type");
    let is_error = attr(e, "calcext:value-type").as_deref() == Some("error");
    let value = match value_type.as_deref() {
        Some("float" | "percentage" | "currency") => match attr(e, "office:value") {
            Some(v) => Some(CellValue::Number(v.trim().parse().map_err(|_| {
                IntakeError::Corrupt {
                    detail: format!("office:value=\"{v}\""),
                }
            })?)),
            None => None,
        },
        Some("date") => attr(e, "office:date-value").map(|iso| super::iso_date_cell(&iso)),
        Some("time") => attr(e, "office:time-value").map(CellValue::Text),
        Some("boolean") => {
            attr(e, "office:boolean-value").map(|v| CellValue::Bool(v == "true" || v == "TRUE"))
        }
        Some("string") => attr(e, "office:string-value").map(CellValue::Text),
        _ => None,
    };
    let wants_text = (value.is_none() && value_type.as_deref() == Some("string")) || is_error;
    if !wants_text || empty {
        if let Some(CellValue::Text(text)) = &value {
            check_cell_text(text, sheet, row, col, limits)?;
        }
        return Ok((value, false));
    }
    let text = paragraphs(e, xml, sheet, row, col, limits)?;
    check_cell_text(&text, sheet, row, col, limits)?;
    // A formula's error shows as its text (#DIV/0!), as xlsx gives it.
    let value = if is_error {
        CellValue::Error(text)
    } else {
        CellValue::Text(text)
    };
    Ok((Some(value), true))
}

/// The text of a cell's paragraphs, one line each, with `text:s` spaces, tabs and line
/// breaks; comments and drawings anchored in the cell are skipped. Reading stops as soon as
/// the text is surely over the length limit.
fn paragraphs(
    cell: &BytesStart<'_>,
    xml: &mut Xml<'_>,
    sheet: &str,
    row: u32,
    col: u32,
    limits: &Limits,
) -> Result<String, IntakeError> {
    let mut text = String::new();
    let mut paragraphs = 0usize;
    let mut buf = Vec::new();
    let byte_cap = limits.max_cell_chars.saturating_mul(4).saturating_add(4) as usize;
    loop {
        if text.len() > byte_cap {
            check_cell_text(&text, sheet, row, col, limits)?;
        }
        buf.clear();
        match xml.read_event_into(&mut buf).map_err(corrupt)? {
            Event::Start(e) | Event::Empty(e) if e.name().0 == "text:s" => {
                let spaces = count(&e, "text:c")?.min(byte_cap as u64 + 1);
                text.extend(std::iter::repeat_n(' ', spaces as usize));
            }
            Event::Start(e) if e.name().0 == "text:p" => {
                if paragraphs > 0 {
                    text.push('\n');
                }
                paragraphs += 1;
            }
            Event::Empty(e) if e.name().0 == "text:p" => {
                if paragraphs > 0 {
                    text.push('\n');
                }
                paragraphs += 1;
            }
            Event::Start(e) | Event::Empty(e) if e.name().0 == "text:tab" => text.push('\t'),
            Event::Start(e) | Event::Empty(e) if e.name().0 == "text:line-break" => text.push('\n'),
            Event::Start(e)
                if e.name().0 == "office:annotation" || e.name().0.starts_with("draw:") =>
            {
                xml.read_to_end_into(e.name(), &mut Vec::new())
                    .map_err(corrupt)?;
            }
            Event::Text(t) => text.push_str(&t.xml10_content()),
            Event::CData(t) => text.push_str(t.as_ref()),
            Event::GeneralRef(r) => {
                let name: &str = r.as_ref();
                match name {
                    "amp" => text.push('&'),
                    "lt" => text.push('<'),
                    "gt" => text.push('>'),
                    "quot" => text.push('"'),
                    "apos" => text.push('\''),
                    _ => {
                        if let Some(c) = r.resolve_char_ref().map_err(corrupt)? {
                            text.push(c);
                        }
                    }
                }
            }
            Event::End(e) if e.name() == cell.name() => return Ok(text),
            Event::Eof => {
                return Err(IntakeError::Corrupt {
                    detail: "content.xml ends inside a cell".into(),
                });
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn ods(tables: &str) -> Vec<u8> {
        let content = format!(
            r#"<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" xmlns:calcext="urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0">
<office:automatic-styles><style:style style:name="ta2" style:family="table"><style:table-properties table:display="false"/></style:style></office:automatic-styles>
<office:body><office:spreadsheet>{tables}</office:spreadsheet></office:body></office:document-content>"#
        );
        let mut buf = Cursor::new(Vec::new());
        let mut zip = zip::ZipWriter::new(&mut buf);
        let opts = zip::write::SimpleFileOptions::default();
        zip.start_file("mimetype", opts).unwrap();
        zip.write_all(b"application/vnd.oasis.opendocument.spreadsheet")
            .unwrap();
        zip.start_file("content.xml", opts).unwrap();
        zip.write_all(content.as_bytes()).unwrap();
        zip.finish().unwrap();
        buf.into_inner()
    }

    fn text(t: &str) -> Option<CellValue> {
        Some(CellValue::Text(t.into()))
    }

    fn at(sheet: &SheetCells, row: u32, col: u32) -> Option<CellValue> {
        sheet
            .cells
            .iter()
            .find(|c| (c.row, c.col) == (row, col))
            .map(|c| c.value.clone())
    }

    #[test]
    fn repeats_spans_and_covered_cells_place_every_cell() {
        let bytes = ods(r#"<table:table table:name="表">
<table:table-row table:number-rows-repeated="2"><table:table-cell table:number-columns-repeated="16384"/></table:table-row>
<table:table-row><table:table-cell/><table:table-cell office:value-type="string" table:number-rows-spanned="2" table:number-columns-spanned="1"><text:p>2020年<text:s text:c="2"/>8月</text:p><text:p>底</text:p><office:annotation><text:p>批注</text:p></office:annotation></table:table-cell><table:table-cell office:value-type="float" office:value="2020.1" table:number-columns-repeated="2"/><table:table-cell office:value-type="float" office:value="0" calcext:value-type="error"><text:p>#DIV/0!</text:p></table:table-cell></table:table-row>
<table:table-row table:number-rows-repeated="3"><table:table-cell table:number-columns-repeated="1"/><table:covered-table-cell office:value-type="string"><text:p>藏</text:p></table:covered-table-cell><table:table-cell office:value-type="string"><text:p>同上</text:p></table:table-cell></table:table-row>
<table:table-row table:number-rows-repeated="1048569"><table:table-cell table:number-columns-repeated="16384"/></table:table-row>
<table:table-row><table:table-cell table:number-columns-repeated="16383"/><table:table-cell office:value-type="date" office:date-value="2020-08-31"/></table:table-row>
</table:table><table:table table:name="隐藏" table:style-name="ta2"/>"#);
        let sheets = read(&bytes, &Limits::default()).unwrap();
        assert_eq!(sheets.len(), 2);
        assert!(sheets[0].visible && !sheets[1].visible);
        let sheet = &sheets[0];
        assert_eq!(at(sheet, 2, 1), text("2020年  8月\n底"));
        assert_eq!(at(sheet, 2, 2), Some(CellValue::Number(2020.1)));
        assert_eq!(at(sheet, 2, 3), Some(CellValue::Number(2020.1)));
        assert_eq!(at(sheet, 2, 4), Some(CellValue::Error("#DIV/0!".into())));
        assert_eq!(
            at(sheet, 3, 1),
            None,
            "a covered cell's hidden value stays hidden"
        );
        for row in 3..6 {
            assert_eq!(at(sheet, row, 2), text("同上"));
        }
        assert_eq!(
            at(sheet, 1_048_575, 16_383),
            Some(CellValue::Date(
                chrono::NaiveDate::from_ymd_opt(2020, 8, 31).unwrap()
            ))
        );
        assert_eq!(sheet.cells.len(), 8);
        assert_eq!(
            sheet.merges,
            [Merge {
                first_row: 2,
                first_col: 1,
                last_row: 3,
                last_col: 1
            }]
        );
    }

    #[test]
    fn a_hostile_repeat_is_refused_before_it_is_expanded() {
        let bytes = ods(
            r#"<table:table table:name="表"><table:table-row table:number-rows-repeated="1000000"><table:table-cell office:value-type="string" table:number-columns-repeated="16384"><text:p>x</text:p></table:table-cell></table:table-row></table:table>"#,
        );
        assert!(matches!(
            read(&bytes, &Limits::default()),
            Err(IntakeError::TooManyCells { .. })
        ));
    }
}
