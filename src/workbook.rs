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
