//! CSV and tab-separated text as Chinese office software saves it: UTF-8 with or without a
//! byte-order mark, GB18030/GBK (what Chinese Excel writes for "CSV"), and UTF-16 with a mark
//! (Excel's "Unicode text", tab-separated). Every cell arrives as text; normalize decides what
//! a date or a number is.

use encoding_rs::{Encoding, GB18030, UTF_8};

use super::{
    CellValue, Format, IntakeError, Limits, RawSheet, RawWorkbook, RowBudget, check_cell_text,
};

pub(super) fn read_csv(
    bytes: &[u8],
    sheet: &str,
    limits: &Limits,
) -> Result<RawWorkbook, IntakeError> {
    let text = decode(bytes);
    let delimiter = detect_delimiter(&text);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    let mut cells: u64 = 0;
    let mut budget = RowBudget::new(limits);
    for (row, record) in (0u32..).zip(reader.records()) {
        let record = record.map_err(|err| IntakeError::Corrupt {
            detail: err.to_string(),
        })?;
        cells += record.len() as u64;
        if cells > limits.max_cells {
            return Err(IntakeError::TooManyCells {
                limit: limits.max_cells,
            });
        }
        let mut has_data = false;
        let mut values = Vec::with_capacity(record.len());
        for (col, field) in (0u32..).zip(record.iter()) {
            if field.is_empty() {
                values.push(CellValue::Empty);
                continue;
            }
            check_cell_text(field, sheet, row, col, limits)?;
            has_data |= !field.trim().is_empty();
            values.push(CellValue::Text(field.to_owned()));
        }
        if has_data {
            budget.take(sheet, row)?;
        }
        rows.push(values);
    }
    Ok(RawWorkbook {
        format: Format::Csv,
        sheets: vec![RawSheet::from_rows(sheet, rows)],
    })
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
    let head: String = text.lines().take(20).collect::<Vec<_>>().join("\n");
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
    fn reads_csv_cells_at_their_positions() {
        let book = read_csv("a,b\n,c\n".as_bytes(), "x", &Limits::default()).unwrap();
        let sheet = &book.sheets[0];
        assert_eq!(sheet.get(1, 1), &CellValue::Text("c".into()));
        assert_eq!(sheet.get(1, 0), &CellValue::Empty);
    }
}
