//! Zips the parts into a `.docx`. Repacked here rather than with docx-rs's `pack()`: entries get
//! the document's date as their timestamp (not the clock), they are deflated (docx-rs stores
//! them), and no empty directory entries are written. Same parts in, same bytes out.

use std::io::{Cursor, Write as _};

use chrono::{Datelike, NaiveDate};
use docx_rs::XMLDocx;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipWriter};

use super::DocxError;

/// Writes the package, `[Content_Types].xml` first as readers expect.
pub(super) fn pack(parts: XMLDocx, date: NaiveDate) -> Result<Vec<u8>, DocxError> {
    // zip_date keeps the year within 1980..=2107, the range of a ZIP date.
    let stamp = DateTime::from_date_and_time(
        date.year() as u16,
        date.month() as u8,
        date.day() as u8,
        0,
        0,
        0,
    )
    .map_err(|_| DocxError::InvalidDate(date))?;
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .last_modified_time(stamp)
        .unix_permissions(0o644);

    let mut entries: Vec<(String, Vec<u8>)> = vec![
        ("[Content_Types].xml".into(), parts.content_type),
        ("_rels/.rels".into(), parts.rels),
        ("docProps/app.xml".into(), parts.doc_props.app),
        ("docProps/core.xml".into(), parts.doc_props.core),
        ("docProps/custom.xml".into(), parts.doc_props.custom),
        ("word/_rels/document.xml.rels".into(), parts.document_rels),
        ("word/document.xml".into(), parts.document),
        ("word/styles.xml".into(), parts.styles),
        ("word/settings.xml".into(), parts.settings),
        ("word/fontTable.xml".into(), parts.font_table),
        ("word/comments.xml".into(), parts.comments),
        ("word/numbering.xml".into(), parts.numberings),
        ("word/commentsExtended.xml".into(), parts.comments_extended),
        ("word/footnotes.xml".into(), parts.footnotes),
    ];
    let mut header_rels = parts.header_rels.into_iter();
    for (i, header) in parts.headers.into_iter().enumerate() {
        entries.push((format!("word/header{}.xml", i + 1), header));
        if let Some(rels) = header_rels.next() {
            entries.push((format!("word/_rels/header{}.xml.rels", i + 1), rels));
        }
    }
    let mut footer_rels = parts.footer_rels.into_iter();
    for (i, footer) in parts.footers.into_iter().enumerate() {
        entries.push((format!("word/footer{}.xml", i + 1), footer));
        if let Some(rels) = footer_rels.next() {
            entries.push((format!("word/_rels/footer{}.xml.rels", i + 1), rels));
        }
    }

    let mut zip = ZipWriter::new(Cursor::new(Vec::with_capacity(64 * 1024)));
    for (name, bytes) in entries {
        zip.start_file(name, options)?;
        zip.write_all(&bytes)?;
    }
    Ok(zip.finish()?.into_inner())
}
