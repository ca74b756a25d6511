//! Page geometry in Word's units, from GB/T 9704: A4, top 37 mm, left 28 mm, type area
//! 156 × 225 mm, 22 lines of 3号 text a page. Twips (1/20 pt) unless a name says otherwise.

use crate::render::document::Orientation;

/// Twips in a millimetre.
const TWIPS_PER_MM: f64 = 1440.0 / 25.4;

/// Millimetres to twips.
pub(super) fn mm(v: f64) -> i32 {
    (v * TWIPS_PER_MM).round() as i32
}

/// The unit of `DrawingML`: 635 EMU a twip, 36 000 a millimetre.
pub(super) const EMU_PER_TWIP: i64 = 635;
pub(super) const EMU_PER_MM: f64 = 36_000.0;

/// A4 in twips.
const A4_SHORT: u32 = 11906;
const A4_LONG: u32 = 16838;

/// The line pitch: fixed 28.95 pt. 22 lines of 579 twips fit the 225 mm type area (12 756
/// twips); 580 fits only 21.
pub(super) const LINE: i32 = 579;

/// One character cell of 3号 text: 156 mm / 28 characters.
pub(super) const CHAR: i32 = 316;

/// Body size, 3号 (16 pt), in half-points.
pub(super) const BODY_SIZE: usize = 32;

/// 4号 (14 pt) in half-points: page numbers, 版记, table text.
pub(super) const SMALL_SIZE: usize = 28;

/// 2号 (22 pt) in half-points: titles.
pub(super) const TITLE_SIZE: usize = 44;

/// The two-character first-line indent of 3号 text (Word writes 640 next to
/// `firstLineChars="200"`).
pub(super) const INDENT_2: i32 = 640;

/// Tracking of 3号 text in twentieths of a point: -0.25 pt a character sets 28 characters on
/// a 156 mm line (16 pt glyphs give only 27) in Word and LibreOffice alike.
pub(super) const TRACKING: i32 = -5;

/// GB/T 9704 7.5: the ink of the page number's dashes 7 mm below the type area.
const PAGE_NUMBER_GAP_MM: f64 = 7.0;

/// How far the dashes' ink lies below the top of the page number's exact 16 pt line, in
/// twips (measured in LibreOffice: 3.18 mm).
const DASH_DROP: i32 = 180;

/// [`DASH_DROP`] in the turned box: LibreOffice sets the dashes of vertical text 0.47 mm
/// further from the line's top (measured).
const SIDE_DASH_DROP: i32 = 207;

/// One 4号 character, in twips: the page number's indent.
const SMALL_CHAR: i32 = 280;

/// Height of the page-number line (exact), in twips.
pub(super) const PAGE_NUMBER_LINE: i32 = 320;

/// Page size and margins of one section.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct PageGeometry {
    pub width: u32,
    pub height: u32,
    pub top: i32,
    pub bottom: i32,
    pub left: i32,
    pub right: i32,
    pub landscape: bool,
}

impl PageGeometry {
    /// Portrait: the GB/T 9704 margins. Landscape (横排表格): the portrait page turned, its
    /// binding edge at the top and its 天头 on the left (as the PDF sets it), so the type area
    /// is 225 × 156 mm.
    pub(super) fn of(orientation: Orientation) -> Self {
        match orientation {
            Orientation::Portrait => Self {
                width: A4_SHORT,
                height: A4_LONG,
                top: mm(37.0),
                bottom: mm(35.0),
                left: mm(28.0),
                right: mm(26.0),
                landscape: false,
            },
            Orientation::Landscape => Self {
                width: A4_LONG,
                height: A4_SHORT,
                top: mm(28.0),
                bottom: mm(26.0),
                left: mm(37.0),
                right: mm(35.0),
                landscape: true,
            },
        }
    }

    /// Width of the type area.
    pub(super) fn text_width(&self) -> i32 {
        self.width as i32 - self.left - self.right
    }

    /// Height of the type area.
    pub(super) fn text_height(&self) -> i32 {
        self.height as i32 - self.top - self.bottom
    }

    /// Where a landscape page's number goes (横排表格: where the portrait pages have it on the
    /// sheet, so along the turned page's left side, the sheet's foot): a box turned a quarter
    /// clockwise whose line's dashes lie 7 mm beyond the portrait type area's lower edge (28 mm
    /// from the page's left edge), ending one character above the type area's foot on odd
    /// pages, starting one character below its head on even ones. `(x, y, width, height)` in
    /// twips from the page's top left.
    pub(super) fn side_number_box(&self, even: bool) -> (i32, i32, i32, i32) {
        let (width, height) = (PAGE_NUMBER_LINE, mm(60.0));
        let portrait_bottom = PageGeometry::of(Orientation::Portrait).bottom;
        let x = portrait_bottom - mm(PAGE_NUMBER_GAP_MM) + SIDE_DASH_DROP - width;
        let y = if even {
            self.top + SMALL_CHAR
        } else {
            self.height as i32 - self.bottom - SMALL_CHAR - height
        };
        (x, y, width, height)
    }

    /// Distance from the page's bottom edge to the bottom of the footer, so the page number's
    /// dashes lie 7 mm below the type area.
    pub(super) fn footer_distance(&self) -> i32 {
        self.bottom - (mm(PAGE_NUMBER_GAP_MM) - DASH_DROP) - PAGE_NUMBER_LINE
    }
}

/// Width of `text` in character cells: CJK and full-width characters take one, Latin letters,
/// digits and ASCII punctuation about half. An estimate for placing things (the seal, the
/// office name over the date), not for line breaking, which Word and LibreOffice do.
pub(super) fn cells(text: &str) -> f64 {
    text.chars()
        .filter(|c| !c.is_control())
        .map(|c| if (c as u32) < 0x1100 { 0.5 } else { 1.0 })
        .sum()
}

/// `n` character cells in twips.
pub(super) fn cells_twips(n: f64) -> i32 {
    (n * f64::from(CHAR)).round() as i32
}
