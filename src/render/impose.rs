//! Imposition: PDF files assembled from parts typeset once.
//!
//! A county job prints 附件1 twice, as a file of its own and inside the bound package, and
//! typst lays a document out again for every compile (its cache does not carry over: every
//! element's location differs in the package). So each document is cut into parts — a run of
//! body sections, an attachment, the 版记 page — each part is typeset once with the template
//! in its `bare` mode (no page numbers, attachment labels left blank on a line of their own),
//! and every file is put together from the parts' pages with its own page numbers and labels
//! drawn over them ([`Mark`], typeset by the same template functions that `render` uses).
//!
//! The bound package (the printed product) puts landscape pages on portrait sheets, turned a
//! quarter counter-clockwise so the table's head lies on the sheet's left edge (GB/T 9704-2012
//! 表格横排: the binding side on odd pages, the cutting side on even ones, the sheet's left
//! edge either way) and numbered where the portrait pages are: which way a printer turns a
//! landscape page is not ours to assume. Separate files, read on screen, keep them landscape.

use std::collections::HashMap;

use serde::Serialize;
use typst::foundations::Smart;
use typst::layout::{Abs, Frame, FrameItem, GroupItem, Point, Ratio, Size, Transform};
use typst::model::DocumentInfo;
use typst_layout::{Page, PagedDocument};

use super::document::{Block, DocKind, Document, Orientation, Section, SectionRole};

/// A4, portrait.
const SHEET_WIDTH_MM: f64 = 210.0;
const SHEET_HEIGHT_MM: f64 = 297.0;

/// Sections typeset together, once, wherever they are printed.
#[derive(Debug, Clone, PartialEq)]
pub struct Part {
    /// The sections, attachment label emptied; roles only `Body` or `Colophon`.
    pub sections: Vec<Section>,
    /// Body pages carry page numbers; the 版记 page of a bound package does not.
    pub numbered: bool,
    /// The 版记 goes on an even page (printing on both sides): a blank page before it when
    /// the pages before end on an even one.
    pub even: bool,
    /// The attachment label (附件1, 西教〔2019〕12号附件1) drawn over the part's first page;
    /// empty when the part is not an attachment.
    pub label: String,
}

impl Part {
    /// The document the template typesets for this part.
    pub fn document(&self, of: &Document) -> Document {
        Document {
            schema: of.schema.clone(),
            kind: of.kind,
            file_stem: of.file_stem.clone(),
            meta: of.meta.clone(),
            sections: self.sections.clone(),
        }
    }

    /// How much typesetting the part takes: its table rows, and one for each other block.
    pub fn weight(&self) -> usize {
        self.sections
            .iter()
            .flat_map(|s| &s.blocks)
            .map(|b| match b {
                Block::Table(t) => t.rows.len(),
                _ => 1,
            })
            .sum()
    }
}

/// Cuts a document into parts: a new part at each section that opens with an attachment's
/// head (附件N), and where numbered pages give way to the 版记 page.
pub fn parts(doc: &Document) -> Vec<Part> {
    let mut parts: Vec<Part> = Vec::new();
    for section in &doc.sections {
        let numbered = section.role == SectionRole::Body;
        let mut section = section.clone();
        let even = section.role == SectionRole::ColophonOnEvenPage;
        if even {
            section.role = SectionRole::Colophon;
        }
        let label = match section.blocks.first_mut() {
            Some(Block::AttachmentHead { label, .. }) => Some(std::mem::take(label)),
            _ => None,
        };
        match parts.last_mut() {
            Some(last) if label.is_none() && last.numbered == numbered && !even => {
                last.sections.push(section);
            }
            _ => parts.push(Part {
                sections: vec![section],
                numbered,
                even,
                label: label.unwrap_or_default(),
            }),
        }
    }
    parts
}

/// Whether the document is a bound package, printed and bound: landscape pages turned onto
/// portrait sheets.
pub fn is_bound(doc: &Document) -> bool {
    matches!(doc.kind, DocKind::CountyPackage | DocKind::CityPackage)
}

/// Something drawn over a page typeset bare: its number, the attachment label, or both. The
/// template's `render-marks` typesets one page per mark.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Mark {
    pub orientation: Orientation,
    pub number: Option<usize>,
    pub label: String,
}

/// Mark frames already typeset, kept across jobs: a page number looks the same in every file.
#[derive(Debug, Default)]
pub struct Marks {
    frames: HashMap<Mark, Frame>,
}

impl Marks {
    /// More marks than a long-running process needs (page numbers of the longest files, the
    /// labels of a few hundred counties): beyond it, start again.
    const LIMIT: usize = 2048;

    /// The marks of `wanted` not typeset yet.
    pub fn missing(&self, wanted: impl IntoIterator<Item = Mark>) -> Vec<Mark> {
        let mut missing: Vec<Mark> = Vec::new();
        for mark in wanted {
            if !self.frames.contains_key(&mark) && !missing.contains(&mark) {
                missing.push(mark);
            }
        }
        missing
    }

    /// Keeps the frames typeset for `marks`, one page each, in order.
    pub fn insert(&mut self, marks: Vec<Mark>, pages: &[Page]) {
        if self.frames.len() + marks.len() > Self::LIMIT {
            self.frames.clear();
        }
        for (mark, page) in marks.into_iter().zip(pages) {
            self.frames.insert(mark, page.frame.clone());
        }
    }

    fn get(&self, mark: &Mark) -> Frame {
        self.frames
            .get(mark)
            .cloned()
            .expect("marks are typeset before the pages that show them")
    }
}

/// One page of a file: where it comes from and what is drawn over it.
struct Sheet<'a> {
    /// A page of a part, or none for the blank page before an even 版记 page.
    page: Option<&'a Page>,
    number: Option<usize>,
    /// The attachment label, on an attachment's first page.
    label: &'a str,
    /// A landscape page put on a portrait sheet.
    turned: bool,
}

fn is_landscape(page: &Page) -> bool {
    page.frame.width() > page.frame.height()
}

fn orientation(landscape: bool) -> Orientation {
    if landscape {
        Orientation::Landscape
    } else {
        Orientation::Portrait
    }
}

/// The file's pages in order, numbered from 1 through the body pages.
fn sheets<'a>(bound: bool, parts: &[(&'a Part, &'a [Page])]) -> Vec<Sheet<'a>> {
    let mut sheets = Vec::new();
    let mut number = 0;
    for (part, pages) in parts {
        if part.even && sheets.len() % 2 == 0 {
            sheets.push(Sheet {
                page: None,
                number: None,
                label: "",
                turned: false,
            });
        }
        for (i, page) in pages.iter().enumerate() {
            let number = part.numbered.then(|| {
                number += 1;
                number
            });
            sheets.push(Sheet {
                page: Some(page),
                number,
                label: if i == 0 { &part.label } else { "" },
                turned: bound && is_landscape(page),
            });
        }
    }
    sheets
}

/// The marks of a sheet: drawn on the page before it is turned, and over the sheet after.
fn sheet_marks(sheet: &Sheet) -> (Option<Mark>, Option<Mark>) {
    let Some(page) = sheet.page else {
        return (None, None);
    };
    let landscape = is_landscape(page);
    if sheet.turned {
        let label = (!sheet.label.is_empty()).then(|| Mark {
            orientation: Orientation::Landscape,
            number: None,
            label: sheet.label.to_owned(),
        });
        let number = sheet.number.map(|n| Mark {
            orientation: Orientation::Portrait,
            number: Some(n),
            label: String::new(),
        });
        (label, number)
    } else if sheet.number.is_some() || !sheet.label.is_empty() {
        let mark = Mark {
            orientation: orientation(landscape),
            number: sheet.number,
            label: sheet.label.to_owned(),
        };
        (Some(mark), None)
    } else {
        (None, None)
    }
}

/// Every mark the file needs.
pub fn marks(doc: &Document, parts: &[(&Part, &[Page])]) -> Vec<Mark> {
    sheets(is_bound(doc), parts)
        .iter()
        .flat_map(|s| {
            let (under, over) = sheet_marks(s);
            under.into_iter().chain(over)
        })
        .collect()
}

/// The file: the parts' pages in order, numbered, labelled, turned where bound; `info` is the
/// first part's (none for a document without sections), with the document's own title,
/// author and keywords.
pub fn assemble(
    doc: &Document,
    parts: &[(&Part, &[Page])],
    info: Option<&DocumentInfo>,
    marks: &Marks,
) -> PagedDocument {
    let sheets = sheets(is_bound(doc), parts);
    let template = parts.iter().find_map(|(_, pages)| pages.first());
    let pages = sheets.iter().enumerate().map(|(i, sheet)| {
        let (under, over) = sheet_marks(sheet);
        let mut frame = match sheet.page {
            Some(page) => page.frame.clone(),
            None => Frame::hard(sheet_size()),
        };
        if let Some(mark) = &under {
            // First in the page, so the label reads before the title.
            frame.prepend_frame(Point::zero(), marks.get(mark));
        }
        if sheet.turned {
            frame = turn(frame);
        }
        if let Some(mark) = &over {
            frame.push_frame(Point::zero(), marks.get(mark));
        }
        let like = sheet.page.or(template);
        Page {
            frame,
            bleed: like.map(|p| p.bleed).unwrap_or_default(),
            fill: like.map_or(Smart::Auto, |p| p.fill.clone()),
            numbering: None,
            supplement: like.map(|p| p.supplement.clone()).unwrap_or_default(),
            number: i as u64 + 1,
        }
    });
    let mut info = info.cloned().unwrap_or_default();
    info.title = Some(doc.meta.title.as_str().into());
    info.author = vec![doc.meta.author.as_str().into()];
    info.keywords = doc
        .meta
        .keywords
        .iter()
        .map(|k| k.as_str().into())
        .collect();
    PagedDocument::new(pages.collect(), info)
}

fn sheet_size() -> Size {
    Size::new(Abs::mm(SHEET_WIDTH_MM), Abs::mm(SHEET_HEIGHT_MM))
}

/// A landscape page on a portrait sheet, turned a quarter counter-clockwise: its top edge on
/// the sheet's left edge, its left edge on the sheet's foot.
fn turn(landscape: Frame) -> Frame {
    let width = landscape.width();
    let mut group = GroupItem::new(landscape);
    // (x, y) → (y, width − x)
    group.transform = Transform {
        sx: Ratio::zero(),
        ky: Ratio::new(-1.0),
        kx: Ratio::one(),
        sy: Ratio::zero(),
        tx: Abs::zero(),
        ty: width,
    };
    let mut sheet = Frame::hard(sheet_size());
    sheet.push(Point::zero(), FrameItem::Group(group));
    sheet
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::document::{DOCUMENT_SCHEMA, Meta};

    fn doc(kind: DocKind, sections: Vec<Section>) -> Document {
        Document {
            schema: DOCUMENT_SCHEMA.to_owned(),
            kind,
            file_stem: "t".into(),
            meta: Meta {
                title: String::new(),
                author: String::new(),
                date: chrono::NaiveDate::from_ymd_opt(2019, 5, 20).unwrap(),
                keywords: Vec::new(),
            },
            sections,
        }
    }

    fn attachment(label: &str) -> Section {
        Section::new(
            Orientation::Landscape,
            vec![
                Block::AttachmentHead {
                    label: label.into(),
                    title: "表".into(),
                },
                Block::Paragraph { text: "x".into() },
            ],
        )
    }

    /// The package cuts into the report, each attachment and the 版记 page; its attachments
    /// are the separate files' parts but for the label.
    #[test]
    fn the_package_shares_its_attachments_with_the_separate_files() {
        let body = Section::new(
            Orientation::Portrait,
            vec![Block::Paragraph { text: "a".into() }],
        );
        let colophon = Section {
            orientation: Orientation::Portrait,
            blocks: vec![Block::Note { text: "b".into() }],
            role: SectionRole::ColophonOnEvenPage,
        };
        let package = parts(&doc(
            DocKind::CountyPackage,
            vec![body.clone(), body.clone(), attachment("附件1"), colophon],
        ));
        assert_eq!(package.len(), 3);
        assert_eq!(package[0].sections, [body.clone(), body]);
        assert!(package[0].numbered && package[0].label.is_empty());
        assert!(package[1].numbered && !package[1].even);
        assert_eq!(package[1].label, "附件1");
        assert!(!package[2].numbered && package[2].even);
        assert_eq!(package[2].sections[0].role, SectionRole::Colophon);
        let separate = parts(&doc(
            DocKind::SchoolList,
            vec![attachment("西教〔2019〕12号附件1")],
        ));
        assert_eq!(separate.len(), 1);
        assert_eq!(separate[0].label, "西教〔2019〕12号附件1");
        assert_eq!(separate[0].sections, package[1].sections);
    }

    fn pages(n: usize, landscape: bool) -> Vec<Page> {
        let size = if landscape {
            Size::new(Abs::mm(SHEET_HEIGHT_MM), Abs::mm(SHEET_WIDTH_MM))
        } else {
            sheet_size()
        };
        (0..n)
            .map(|_| Page {
                frame: Frame::hard(size),
                bleed: Default::default(),
                fill: Smart::Auto,
                numbering: None,
                supplement: Default::default(),
                number: 0,
            })
            .collect()
    }

    /// Numbers run through the body pages; the 版记 page of a package printed on both sides
    /// is even, after a blank page when the body ends on an even page; neither is numbered.
    /// Bound, a landscape page takes its label before it is turned and its number after.
    #[test]
    fn sheets_are_numbered_padded_and_turned() {
        let part = |numbered, even, label: &str| Part {
            sections: Vec::new(),
            numbered,
            even,
            label: label.into(),
        };
        let (body, attachment, colophon) = (
            part(true, false, ""),
            part(true, false, "附件1"),
            part(false, true, ""),
        );
        for (body_pages, blank) in [(3, false), (2, true)] {
            let (b, a, c) = (pages(body_pages, false), pages(2, true), pages(1, false));
            let parts = [(&body, &b[..]), (&attachment, &a[..]), (&colophon, &c[..])];
            let sheets = sheets(true, &parts);
            let numbers: Vec<_> = sheets.iter().map(|s| s.number).collect();
            let mut expected: Vec<_> = (1..=body_pages + 2).map(Some).collect();
            if blank {
                expected.push(None);
                assert!(sheets[body_pages + 2].page.is_none(), "the blank page");
            }
            expected.push(None);
            assert_eq!(numbers, expected);
            assert_eq!(sheets.len() % 2, 0, "the 版记 page is even");
            let first = &sheets[body_pages];
            assert!(first.turned && first.label == "附件1");
            let (under, over) = sheet_marks(first);
            assert_eq!(under.unwrap().orientation, Orientation::Landscape);
            assert_eq!(over.unwrap().number, Some(body_pages + 1));
        }
        // Unbound, landscape pages stay as they are, their mark drawn on them.
        let a = pages(2, true);
        let sheets = sheets(false, &[(&attachment, &a[..])]);
        assert!(sheets.iter().all(|s| !s.turned));
        let (under, over) = sheet_marks(&sheets[0]);
        let under = under.unwrap();
        assert_eq!((under.number, under.label.as_str()), (Some(1), "附件1"));
        assert!(over.is_none());
    }
}
