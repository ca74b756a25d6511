//! Document → PDF/A-2b bytes through typst. The same document gives the same bytes: the
//! creation date is the document's own date, the PDF identifier is derived from its file
//! name, and nothing reads the clock. Characters no font can draw are replaced by 〓 before
//! typesetting and reported, so a rare character in a school's name never fails the export.

use chrono::{Datelike, NaiveDate};
use serde::Serialize;
use typst::diag::Severity;
use typst::foundations::{Datetime, Smart};
use typst::model::{Document as _, DocumentInfo};
use typst_layout::{Page, PagedDocument};
use typst_pdf::{PdfOptions, PdfStandard, PdfStandards, Timestamp};

use crate::config::SealStyle;
use crate::diag::{Diagnostic, Location, Rule};

use super::document::Document;
use super::fonts::{CharCoverage, REPLACEMENT};
use super::impose::{self, Mark, Marks};
use super::world::GongwenWorld;

/// Minutes east of UTC of the dates printed on the documents (China Standard Time).
const UTC_OFFSET_MINUTES: i32 = 8 * 60;

/// How to render, beyond what the document says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct PdfRenderOptions {
    /// `none` keeps the sealed layout and draws no placeholder (paper stamped by hand).
    pub seal: SealStyle,
}

/// A rendered PDF and what the clerk or we should know about it.
#[derive(Debug, Clone)]
pub struct PdfOutput {
    pub bytes: Vec<u8>,
    /// Characters no font covers, each printed as 〓.
    pub missing: Vec<MissingGlyph>,
    /// typst's warnings about the templates: ours to fix, not the clerk's.
    pub typst_warnings: Vec<String>,
}

/// A character no loaded font covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingGlyph {
    pub ch: char,
    /// The text it occurs in, as written.
    pub text: String,
}

impl MissingGlyph {
    /// The warning a clerk sees, at `cell` when the caller could map the text back to one.
    pub fn diagnostic(&self, cell: Option<Location>, column: Option<&str>) -> Diagnostic {
        let place = column.unwrap_or_default();
        Diagnostic::new(
            Rule::GlyphMissing,
            cell,
            format!(
                "{place}「{}」中的字符「{}」（U+{:04X}）没有字体可以显示，文档中以{REPLACEMENT}代替",
                excerpt(&self.text),
                self.ch,
                self.ch as u32
            ),
        )
        .with_hint("请改用规范汉字，或把含有该字的字体放入字体目录（fonts/ 或 --font-path）后重新生成")
    }
}

fn excerpt(text: &str) -> String {
    const MAX: usize = 24;
    if text.chars().count() <= MAX {
        text.to_owned()
    } else {
        let head: String = text.chars().take(MAX).collect();
        format!("{head}…")
    }
}

/// typst could not typeset or export the document: a fault of gongwen's templates or fonts,
/// never of the spreadsheet.
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error("the template failed on {file_stem}: {}", .errors.join("; "))]
    Compile {
        file_stem: String,
        errors: Vec<String>,
    },
    #[error("PDF export failed for {file_stem}: {}", .errors.join("; "))]
    Export {
        file_stem: String,
        errors: Vec<String>,
    },
    #[error("the document {file_stem} cannot be serialized: {source}")]
    Json {
        file_stem: String,
        #[source]
        source: serde_json::Error,
    },
}

/// Replaces every character no font in `book` covers by 〓, returning each once per text.
pub fn replace_missing_glyphs(doc: &mut Document, coverage: &CharCoverage) -> Vec<MissingGlyph> {
    let mut missing = Vec::new();
    for text in doc.texts_mut() {
        if text.chars().all(|c| coverage.covers(c)) {
            continue;
        }
        let original = text.clone();
        let mut seen = Vec::new();
        let replaced: String = original
            .chars()
            .map(|c| {
                if coverage.covers(c) {
                    c
                } else {
                    if !seen.contains(&c) {
                        seen.push(c);
                        missing.push(MissingGlyph {
                            ch: c,
                            text: original.clone(),
                        });
                    }
                    REPLACEMENT
                }
            })
            .collect();
        *text = replaced;
    }
    missing
}

/// Typesets `doc` with the templates and exports PDF/A-2b: each part of it typeset once
/// ([`impose`]), the file assembled from the parts' pages. The world keeps its caches for
/// the next document; memoized results older than a few runs are evicted.
pub fn render_pdf(
    world: &mut GongwenWorld,
    doc: &Document,
    options: &PdfRenderOptions,
) -> Result<PdfOutput, PdfError> {
    let (doc, missing) = prepare(doc, world.coverage());
    let parts = impose::parts(&doc);
    let mut typst_warnings = Vec::new();
    let mut laid = Vec::new();
    for part in &parts {
        let out = typeset_part(world, &part.document(&doc), options)?;
        typst_warnings.extend(out.warnings.iter().cloned());
        laid.push(out);
    }
    let pieces: Vec<_> = parts
        .iter()
        .zip(&laid)
        .map(|(p, l)| (p, &l.pages[..]))
        .collect();
    let mut marks = Marks::default();
    let wanted = marks.missing(impose::marks(&doc, &pieces));
    typst_warnings.extend(typeset_marks(world, &mut marks, wanted, doc.meta.date)?);
    let info = laid.first().map(|l| &l.info);
    let paged = impose::assemble(&doc, &pieces, info, &marks);
    let bytes = export(world, &doc, &paged)?;
    Ok(PdfOutput {
        bytes,
        missing,
        typst_warnings,
    })
}

/// `doc` with every character no font covers replaced by 〓, and those characters.
pub fn prepare(doc: &Document, coverage: &CharCoverage) -> (Document, Vec<MissingGlyph>) {
    let mut doc = doc.clone();
    let missing = replace_missing_glyphs(&mut doc, coverage);
    (doc, missing)
}

/// A part typeset bare (no page numbers): its pages for [`impose::assemble`].
#[derive(Debug, Clone)]
pub struct Laid {
    pub pages: Vec<Page>,
    pub info: DocumentInfo,
    /// typst's warnings about the templates.
    pub warnings: Vec<String>,
}

/// What the template reads as `/options.json`.
#[derive(Serialize)]
struct TemplateOptions<'a> {
    #[serde(flatten)]
    render: &'a PdfRenderOptions,
    /// `bare`: no page numbers; `marks`: the data is a list of [`Mark`]s.
    mode: &'static str,
}

/// Typesets one part (a document of its sections, see [`impose::Part::document`]) bare.
pub fn typeset_part(
    world: &mut GongwenWorld,
    part: &Document,
    options: &PdfRenderOptions,
) -> Result<Laid, PdfError> {
    let json = |e| PdfError::Json {
        file_stem: part.file_stem.clone(),
        source: e,
    };
    let data = serde_json::to_vec(part).map_err(json)?;
    let options = serde_json::to_vec(&TemplateOptions {
        render: options,
        mode: "bare",
    })
    .map_err(json)?;
    let (paged, warnings) = compile(world, data, options, part.meta.date, &part.file_stem)?;
    Ok(Laid {
        pages: paged.pages().to_vec(),
        info: paged.info().clone(),
        warnings,
    })
}

/// Typesets the marks not typeset yet into `marks`.
pub fn typeset_marks(
    world: &mut GongwenWorld,
    marks: &mut Marks,
    wanted: Vec<Mark>,
    date: NaiveDate,
) -> Result<Vec<String>, PdfError> {
    if wanted.is_empty() {
        return Ok(Vec::new());
    }
    let json = |e| PdfError::Json {
        file_stem: "marks".to_owned(),
        source: e,
    };
    let data = serde_json::to_vec(&serde_json::json!({ "marks": wanted })).map_err(json)?;
    let options = serde_json::to_vec(&serde_json::json!({ "mode": "marks" })).map_err(json)?;
    let (paged, warnings) = compile(world, data, options, date, "marks")?;
    marks.insert(wanted, paged.pages());
    Ok(warnings)
}

fn compile(
    world: &mut GongwenWorld,
    data: Vec<u8>,
    options: Vec<u8>,
    date: NaiveDate,
    file_stem: &str,
) -> Result<(PagedDocument, Vec<String>), PdfError> {
    world.prepare(data, options, to_datetime(date));
    let compiled = typst::compile::<PagedDocument>(&*world);
    // typst's watch loop does the same after every compilation: keep memory flat in a
    // long-running process.
    comemo::evict(10);
    let warnings: Vec<String> = compiled
        .warnings
        .iter()
        .filter(|w| w.severity == Severity::Warning)
        // The font lists name licensed faces a bureau may not have: expected, not news.
        .filter(|w| !w.message.starts_with("unknown font family"))
        .map(|w| world.describe(w))
        .collect();
    let paged = compiled.output.map_err(|errors| PdfError::Compile {
        file_stem: file_stem.to_owned(),
        errors: errors.iter().map(|e| world.describe(e)).collect(),
    })?;
    Ok((paged, warnings))
}

/// Exports an assembled file as PDF/A-2b, tagged; `world` only describes errors.
pub fn export(
    world: &GongwenWorld,
    doc: &Document,
    paged: &PagedDocument,
) -> Result<Vec<u8>, PdfError> {
    let standards = PdfStandards::new(&[PdfStandard::A_2b]).map_err(|e| PdfError::Export {
        file_stem: doc.file_stem.clone(),
        errors: vec![e.message().to_string()],
    })?;
    let options = PdfOptions {
        ident: Smart::Custom(format!("gongwen/{}", doc.file_stem)),
        creator: Smart::Custom(Some(format!("gongwen {}", env!("CARGO_PKG_VERSION")))),
        timestamp: to_datetime(doc.meta.date)
            .and_then(|d| Timestamp::new_local(d, UTC_OFFSET_MINUTES)),
        standards,
        ..PdfOptions::default()
    };
    typst_pdf::pdf(paged, &options).map_err(|errors| PdfError::Export {
        file_stem: doc.file_stem.clone(),
        errors: errors.iter().map(|e| world.describe(e)).collect(),
    })
}

fn to_datetime(date: NaiveDate) -> Option<Datetime> {
    Datetime::from_ymd_hms(
        date.year(),
        u8::try_from(date.month()).ok()?,
        u8::try_from(date.day()).ok()?,
        0,
        0,
        0,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::document::{
        Align, Bar, BarChart, Block, DOCUMENT_SCHEMA, DocKind, FormField, Goal, Meta, Orientation,
        Seal, Section, SectionRole, Table, TableColumn,
    };

    /// Every block kind, each text distinct.
    fn every_block() -> Document {
        let seal = || Seal {
            diameter_mm: 42.0,
            label: "盖章处".to_owned(),
        };
        let blocks = vec![
            Block::RedHeader { issuer: "a".into() },
            Block::DocNumber {
                number: "b".into(),
                signer: Some("c".into()),
            },
            Block::Title {
                lines: vec!["d".into(), "e".into()],
            },
            Block::Addressee { text: "f".into() },
            Block::Paragraph { text: "g".into() },
            Block::Heading {
                level: 1,
                text: "h".into(),
            },
            Block::AttachmentList {
                items: vec!["i".into()],
            },
            Block::Signature {
                office: "j".into(),
                date: "k".into(),
                seal: Some(seal()),
            },
            Block::Note { text: "l".into() },
            Block::AttachmentHead {
                label: "m".into(),
                title: "n".into(),
            },
            Block::FormFields {
                fields: vec![FormField {
                    label: "o".into(),
                    value: "p".into(),
                }],
                seal: Some(seal()),
            },
            Block::Table(Table {
                columns: vec![TableColumn {
                    weight: 1.0,
                    align: Align::Left,
                }],
                header: vec![vec!["q".into()]],
                rows: vec![vec!["r".into()]],
                group_column: None,
                footer: vec![vec!["s".into()]],
                corner: None,
            }),
            Block::Notes {
                lines: vec!["t".into()],
            },
            Block::BarChart(BarChart {
                title: "u".into(),
                bars: vec![Bar {
                    label: "v".into(),
                    value: 1,
                    cumulative: 1,
                }],
                goals: vec![Goal {
                    label: "w".into(),
                    share: 0.2,
                }],
                total: 5,
            }),
            Block::Colophon {
                cc: vec!["x".into()],
                printer: "y".into(),
                printed_on: "z".into(),
            },
        ];
        Document {
            schema: DOCUMENT_SCHEMA.to_owned(),
            kind: DocKind::CountyReport,
            file_stem: "t".into(),
            meta: Meta {
                title: String::new(),
                author: String::new(),
                date: NaiveDate::from_ymd_opt(2019, 5, 20).unwrap(),
                keywords: Vec::new(),
            },
            sections: vec![Section {
                role: SectionRole::Body,
                orientation: Orientation::Portrait,
                blocks,
            }],
        }
    }

    #[test]
    fn texts_mut_walks_the_same_texts_as_texts() {
        let mut doc = every_block();
        let read: Vec<String> = doc.texts().iter().map(|t| (*t).to_owned()).collect();
        let written: Vec<String> = doc.texts_mut().iter().map(|t| (*t).clone()).collect();
        assert_eq!(read, written);
        for t in doc.texts_mut() {
            t.push('!');
        }
        assert!(doc.texts().iter().all(|t| t.ends_with('!')));
    }

    #[test]
    fn missing_glyphs_are_replaced_once_per_text() {
        let mut doc = every_block();
        if let Block::Paragraph { text } = &mut doc.sections[0].blocks[4] {
            *text = "a\u{E000}b\u{E000}".to_owned();
        }
        // An empty book covers nothing but whitespace: every letter is missing.
        let book = typst::text::FontBook::new();
        let missing = replace_missing_glyphs(&mut doc, &CharCoverage::of(&book));
        let in_paragraph: Vec<_> = missing
            .iter()
            .filter(|m| m.text == "a\u{E000}b\u{E000}")
            .collect();
        assert_eq!(in_paragraph.len(), 3, "a, U+E000 and b once each");
        assert!(
            doc.texts()
                .iter()
                .all(|t| t.chars().all(|c| c == REPLACEMENT || c == '!'))
        );
        let diag = in_paragraph[1].diagnostic(None, Some("整改提升措施"));
        assert_eq!(diag.rule, Rule::GlyphMissing);
        assert!(
            diag.message
                .starts_with("整改提升措施「a\u{E000}b\u{E000}」"),
            "{}",
            diag.message
        );
        assert!(diag.message.contains("U+E000"));
    }
}
