//! CSV and tab-separated text as Chinese office software saves it: UTF-8 with or without a
//! byte-order mark, GB18030/GBK (what Chinese Excel writes for "CSV"), and UTF-16 with a mark
//! (Excel's "Unicode text", tab-separated). Every cell arrives as text; normalize decides what
//! a date or a number is.

use encoding_rs::{Encoding, GB18030, UTF_8};

use super::layout::{PlacedCell, SheetCells};
use super::{CellValue, Format, IntakeError, Limits, RawWorkbook, RowBudget, check_cell_text};

pub(super) fn read_csv(
    bytes: &[u8],
    sheet: &str,
    limits: &Limits,
) -> Result<RawWorkbook, IntakeError> {
    let text = decode(bytes);
    let delimiter = detect_delimiter(&text);
    refuse_before_parsing(&text, delimiter, limits, sheet)?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut cells = SheetCells::new(sheet.to_owned(), true);
    for (row, record) in (0u32..).zip(reader.records()) {
        let record = record.map_err(|err| IntakeError::Corrupt {
            detail: err.to_string(),
        })?;
        for (col, field) in (0u32..).zip(record.iter()) {
            if field.is_empty() {
                continue;
            }
            check_cell_text(field, sheet, row, col, limits)?;
            cells.cells.push(PlacedCell {
                row,
                col,
                value: CellValue::Text(field.to_owned()),
            });
        }
    }
    // Laid out like a workbook's sheet: a stray far below the table (Excel pads every line
    // with commas down to it) is named and left out, not walked.
    let sheet = cells.lay_out(limits, &mut RowBudget::new(limits))?;
    Ok(RawWorkbook {
        format: Format::Csv,
        sheets: vec![sheet],
    })
}

/// Refuses, before parsing, a text with more fields than the cell limit or a field over the
/// length limit: parsing first cost 660 MB for a 30 MB line of 15 million fields, and 200 MB
/// for one 30 MB field. One pass with the quoting rules (a delimiter or line end inside quotes
/// belongs to the field; `""` is a quote) finds each field's row, column and length, so the
/// refusal names the cell the parser would have named.
fn refuse_before_parsing(
    text: &str,
    delimiter: u8,
    limits: &Limits,
    sheet: &str,
) -> Result<(), IntakeError> {
    let bytes = text.as_bytes();
    let (mut row, mut col, mut fields) = (0u32, 0u32, 0u64);
    let mut quoted = false;
    let mut start = 0usize;
    for at in 0..=bytes.len() {
        let byte = bytes.get(at).copied();
        if byte == Some(b'"') {
            quoted = !quoted;
            continue;
        }
        let ends_field = match byte {
            None => true,
            Some(b) => !quoted && (b == delimiter || b == b'\n'),
        };
        if !ends_field {
            continue;
        }
        fields += 1;
        if fields > limits.max_cells {
            return Err(IntakeError::TooManyCells {
                limit: limits.max_cells,
            });
        }
        // Every character takes at least one byte: short fields need no counting.
        if (at - start) as u64 > limits.max_cell_chars {
            let field = text[start..at].trim_end_matches('\r');
            let inner = field
                .strip_prefix('"')
                .and_then(|f| f.strip_suffix('"'))
                .unwrap_or(field);
            let chars = (inner.chars().count() - inner.matches("\"\"").count()) as u64;
            if chars > limits.max_cell_chars {
                return Err(IntakeError::CellTooLong {
                    cell: crate::diag::Location::new(sheet, row, col),
                    chars,
                    limit: limits.max_cell_chars,
                });
            }
        }
        start = at + 1;
        if byte == Some(b'\n') {
            row = row.saturating_add(1);
            col = 0;
        } else {
            col = col.saturating_add(1);
        }
    }
    Ok(())
}

/// Decodes by byte-order mark, then as UTF-8 when valid, then by detection (GB18030 for the
/// Chinese text these files hold).
pub fn decode(bytes: &[u8]) -> String {
    if let Some((encoding, bom_len)) = Encoding::for_bom(bytes) {
        let (text, _) = encoding.decode_without_bom_handling(&bytes[bom_len..]);
        return text.into_owned();
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        return text.to_owned();
    }
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    detector.feed(bytes, true);
    let guess = detector.guess(Some(b"cn"), chardetng::Utf8Detection::Allow);
    // chardetng answers GBK for Simplified Chinese; GB18030 is its superset and decodes the
    // rare characters in school names that GBK lacks.
    let encoding = if guess == encoding_rs::GBK || guess == UTF_8 {
        GB18030
    } else {
        guess
    };
    encoding.decode_without_bom_handling(bytes).0.into_owned()
}

/// Tab when the first lines have tabs (Excel's Unicode text), else semicolon when they have
/// more of those than commas, else comma.
fn detect_delimiter(text: &str) -> u8 {
    // The first lines, but never more than 64 KB of them: a one-line file is not copied whole.
    let mut cut = text.len().min(64 * 1024);
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    let head: String = text[..cut].lines().take(20).collect::<Vec<_>>().join("\n");
    let count = |c: char| head.matches(c).count();
    let (tabs, commas, semis) = (count('\t'), count(','), count(';'));
    if tabs > 0 && tabs >= commas {
        b'\t'
    } else if semis > commas {
        b';'
    } else {
        b','
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_every_encoding_chinese_excel_writes() {
        let text = "学校名称,存在不足情况\n文三街小学,操场面积不足\n";
        let gbk = GB18030.encode(text).0.into_owned();
        assert_eq!(decode(&gbk), text);
        let mut bom = vec![0xEF, 0xBB, 0xBF];
        bom.extend_from_slice(text.as_bytes());
        assert_eq!(decode(&bom), text);
        let mut utf16 = vec![0xFF, 0xFE];
        utf16.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        assert_eq!(decode(&utf16), text);
    }

    #[test]
    fn detects_tabs_and_commas() {
        assert_eq!(detect_delimiter("a\tb\tc\n"), b'\t');
        assert_eq!(detect_delimiter("a,b,c\n"), b',');
        assert_eq!(detect_delimiter("a;b;c\n"), b';');
    }

    #[test]
    fn refuses_too_many_fields_and_a_long_field_before_parsing_naming_the_cell() {
        let limits = Limits {
            max_cells: 10,
            max_cell_chars: 5,
            ..Limits::default()
        };
        assert!(matches!(
            read_csv("a,".repeat(20).as_bytes(), "x", &limits),
            Err(IntakeError::TooManyCells { .. })
        ));
        // The quoted line break and comma belong to A1, and `""` is one character.
        let text = "\"a\nb,c\",ok\nok,\"甲乙\"\"丙丁戊\"\n";
        match read_csv(text.as_bytes(), "x", &limits) {
            Err(IntakeError::CellTooLong { cell, chars, .. }) => {
                assert_eq!((cell.to_string(), chars), ("x!B2".to_owned(), 6));
            }
            other => panic!("expected cell_too_long, got {other:?}"),
        }
        assert!(read_csv("\"a\nb\",\"\"\"\"\"\n".as_bytes(), "x", &limits).is_ok());
    }

    #[test]
    fn reads_csv_cells_at_their_positions() {
        let book = read_csv("a,b\n,c\n".as_bytes(), "x", &Limits::default()).unwrap();
        let sheet = &book.sheets[0];
        assert_eq!(sheet.get(1, 1), &CellValue::Text("c".into()));
        assert_eq!(sheet.get(1, 0), &CellValue::Empty);
    }
}
