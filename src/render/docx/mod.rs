//! The DOCX backend: renders a [`Document`] as a Word file laid out like the PDF: the GB/T 9704
//! page, type area and line grid, the same blocks in the same order, the same text.
//!
//! docx-rs builds the paragraphs, tables, sections and the package skeleton. Between its
//! `build()` and packing, [`xml`] patches what docx-rs cannot say, or says in a way Word would
//! misread: the schema order of property elements (Word drops run properties that come out of
//! order, and docx-rs writes `w:sz` before `w:rFonts`), repeating header rows, character-based
//! first-line indents, the floating shapes of [`shapes`] (seal placeholders, the 版记 box at the
//! foot of the page) and paragraph ids. Styles, settings, the font table and the core
//! properties are written by [`parts`]; [`package`] zips it all with fixed timestamps, so the
//! same document gives the same bytes. Page geometry is in [`layout`].
//!
//! LibreOffice is the reference for what was measured (22 lines of 28 characters a page, the
//! positions of the 版头 against the PDF); Word was not available to try.

mod blocks;
mod layout;
mod package;
mod parts;
mod shapes;
mod xml;

use chrono::{Datelike, NaiveDate};

use super::document::Document;

/// How to render the DOCX.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocxOptions {
    /// Draw the seal placeholder (a dashed red circle with a light label) where the model has a
    /// seal. `false` is for printing on plain paper to be stamped by hand: the layout keeps the
    /// room for the stamp, but nothing is drawn.
    pub seal: bool,
}

impl Default for DocxOptions {
    fn default() -> Self {
        Self { seal: true }
    }
}

/// Why a DOCX could not be rendered.
#[derive(Debug, thiserror::Error)]
pub enum DocxError {
    /// `meta.date` fixes the file's dates, and a ZIP entry's date runs from 1980 to 2107.
    #[error("document date {0} is outside 1980–2107, the dates a DOCX package can carry")]
    InvalidDate(NaiveDate),
    /// Our own generated XML did not have the shape a patch expects (a bug, not bad input).
    #[error("internal DOCX patch failed: {0}")]
    Patch(String),
    #[error("cannot write the DOCX package: {0}")]
    Zip(#[from] zip::result::ZipError),
    #[error("cannot write the DOCX package: {0}")]
    Io(#[from] std::io::Error),
}

/// Renders `doc` as the bytes of a `.docx` file. The same document and options always give the
/// same bytes.
pub fn render_docx(doc: &Document, opts: &DocxOptions) -> Result<Vec<u8>, DocxError> {
    let date = zip_date(doc.meta.date)?;
    let built = blocks::build(doc, opts);
    let mut parts = built.docx.build();

    let mut ids = xml::Ids::default();
    parts.document = xml::patch(&parts.document, &built.shapes, &mut ids)?;
    let no_shapes = shapes::Shapes::default();
    for footer in &mut parts.footers {
        *footer = xml::patch(footer, &no_shapes, &mut ids)?;
    }
    // The landscape pages' numbers, turned, are shapes in the headers.
    for header in &mut parts.headers {
        *header = xml::patch(header, &built.shapes, &mut ids)?;
    }
    parts.styles = parts::styles().into_bytes();
    parts.settings = parts::settings().into_bytes();
    parts.font_table = parts::font_table().into_bytes();
    parts.doc_props.core = parts::core_properties(&doc.meta, date).into_bytes();
    parts.doc_props.app = parts::app_properties().into_bytes();

    package::pack(parts, date)
}

/// `meta.date` when a ZIP entry can carry it (DOS dates run from 1980 to 2107).
fn zip_date(date: NaiveDate) -> Result<NaiveDate, DocxError> {
    if (1980..=2107).contains(&date.year()) {
        Ok(date)
    } else {
        Err(DocxError::InvalidDate(date))
    }
}
