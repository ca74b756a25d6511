//! What gongwen's workbooks share (the blank template clerks fill, and the city's and the
//! province's lists): the faces GB/T 9704 names, which the office program substitutes where it
//! does not have them, with the charset that makes Excel pick the East Asian face.

use rust_xlsxwriter::{Format, FormatAlign};

const BODY_FONT: &str = "宋体";
const HEADING_FONT: &str = "黑体";
/// The face of GB/T 9704 titles.
const TITLE_FONT: &str = "方正小标宋简体";
/// GB2312, so Excel picks the East Asian face.
const CHARSET_GB2312: u8 = 134;

/// Body text: 宋体, 11 pt.
pub fn body() -> Format {
    Format::new()
        .set_font_name(BODY_FONT)
        .set_font_charset(CHARSET_GB2312)
        .set_font_size(11)
}

/// Headers and labels: 黑体, at the size the caller sets.
pub fn heading() -> Format {
    Format::new()
        .set_font_name(HEADING_FONT)
        .set_font_charset(CHARSET_GB2312)
}

/// A form's title: 小标宋, 18 pt, centred.
pub fn title() -> Format {
    Format::new()
        .set_font_name(TITLE_FONT)
        .set_font_charset(CHARSET_GB2312)
        .set_font_size(18)
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter)
}

/// The very hidden sheet in which gongwen says which of its workbooks a file is (`format`
/// on the first row, then `key | value` rows): the 整改进展表, the 整改进展汇总 and the
/// template all carry one, so a returned workbook is recognised by what it says, not by
/// guessing from its headers.
pub const FINGERPRINT_SHEET: &str = "gongwen";
/// The first key of a fingerprint: which format the workbook is (`gongwen.template/1`).
pub const FORMAT_KEY: &str = "format";
/// Rows of a fingerprint read at most: a hostile file cannot make reading it long.
const FINGERPRINT_ROWS: u32 = 64;

/// Writes a fingerprint sheet: very hidden (Excel's menus cannot show it), protected, the
/// pairs as text in their order, so the same pairs give the same bytes.
pub fn fingerprint_sheet(
    sheet: &mut rust_xlsxwriter::Worksheet,
    pairs: &[(&str, String)],
) -> Result<(), rust_xlsxwriter::XlsxError> {
    sheet.set_name(FINGERPRINT_SHEET)?;
    for (row, (key, value)) in pairs.iter().enumerate() {
        sheet.write_string(row as u32, 0, *key)?;
        sheet.write_string(row as u32, 1, value)?;
    }
    sheet.set_very_hidden(true);
    sheet.protect();
    Ok(())
}

/// The `key | value` rows of the first fingerprint whose format `accepts`: looked for on the
/// hidden sheets and on a sheet named [`FINGERPRINT_SHEET`] (a program that lost the hidden
/// state still keeps the name).
pub fn read_fingerprint(
    book: &crate::intake::RawWorkbook,
    accepts: impl Fn(&str) -> bool,
) -> Option<std::collections::BTreeMap<String, String>> {
    book.sheets
        .iter()
        .filter(|s| !s.visible || s.name == FINGERPRINT_SHEET)
        .find_map(|sheet| {
            let text = |row: u32, col: u32| sheet.get(row, col).display().trim().to_owned();
            if text(0, 0) != FORMAT_KEY || !accepts(&text(0, 1)) {
                return None;
            }
            Some(
                (0..sheet.row_end().min(FINGERPRINT_ROWS))
                    .map(|r| (text(r, 0), text(r, 1)))
                    .filter(|(k, _)| !k.is_empty())
                    .collect(),
            )
        })
}
