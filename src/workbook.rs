//! What gongwen's workbooks share (the blank template clerks fill, and the city's and the
//! province's lists): the faces GB/T 9704 names, which the office program substitutes where it
//! does not have them, and the charset that makes Excel pick the East Asian face.

/// Body text.
pub const BODY_FONT: &str = "宋体";
/// Headers and labels.
pub const HEADING_FONT: &str = "黑体";
/// The face of GB/T 9704 titles.
pub const TITLE_FONT: &str = "方正小标宋简体";
/// GB2312, so Excel picks the East Asian face.
pub const CHARSET_GB2312: u8 = 134;
