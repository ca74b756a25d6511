//! The documents of a county, a city or the province, composed and rendered to files in
//! memory with one long-lived typst world. The CLI and the daemon both use it; neither
//! writes a byte until everything of a job has rendered.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};

use crate::config::{Config, SealStyle};
use crate::diag::Diagnostic;
use crate::lists;
use crate::model::Submission;
use crate::pipeline::RenderedFile;
use crate::tracking::Ledger;

use super::compose::{self, ComposeError};
use super::document::Document;
use super::docx::{self, DocxOptions};
use super::impose::{self, Marks};
use super::pdf::{self, Laid, PdfError, PdfRenderOptions};
use super::progress::{self, Placed};
use super::world::GongwenWorld;

/// Which files each document becomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Formats {
    pub pdf: bool,
    pub docx: bool,
}

impl Default for Formats {
    fn default() -> Self {
        Formats {
            pdf: true,
            docx: true,
        }
    }
}

/// The files of one job and what was noticed while making them.
#[derive(Debug, Clone, Default)]
pub struct Rendered {
    /// File names (no folders) and bytes, in document order, PDF before DOCX.
    pub files: Vec<RenderedFile>,
    /// For the clerk: characters no font covers, located where possible.
    pub diagnostics: Vec<Diagnostic>,
    /// For us: typst's warnings about the templates.
    pub typst_warnings: Vec<String>,
}

impl Rendered {
    /// Adds `other`'s files and what was noticed making them after these.
    pub fn append(&mut self, other: Rendered) {
        self.files.extend(other.files);
        for diagnostic in other.diagnostics {
            if !self.diagnostics.contains(&diagnostic) {
                self.diagnostics.push(diagnostic);
            }
        }
        self.typst_warnings.extend(other.typst_warnings);
    }
}

/// The items under tracking the roll-ups draw on: every county's ledger, by county code, and
/// the day the documents speak of (the daemon's today, or `GONGWEN_AS_OF`).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Tracking {
    pub ledgers: BTreeMap<String, Ledger>,
    pub as_of: NaiveDate,
}

impl Tracking {
    /// The ledgers of the counties of `city`.
    pub fn of_city(&self, city: &str) -> Vec<&Ledger> {
        self.ledgers
            .values()
            .filter(|l| l.county.city == city)
            .collect()
    }

    /// The years a 年度考核 is made for: each year some item falls due in, up to `as_of`'s.
    pub fn assessed_years(&self) -> Vec<i32> {
        let years: std::collections::BTreeSet<i32> = self
            .ledgers
            .values()
            .flat_map(|l| l.current())
            .filter_map(|i| i.deadline.map(|d| d.year()))
            .filter(|&y| y <= self.as_of.year())
            .collect();
        years.into_iter().collect()
    }
}

/// Files that go to different folders: a city's progress documents, some for the city's
/// folder (`<市>/`), some for a county's (`<市>/<县>/`).
#[derive(Debug, Clone, Default)]
pub struct PlacedRendered {
    pub rendered: Rendered,
    /// For each of `rendered.files`, in order: the county whose folder it goes to, or `None`
    /// for the city's.
    pub folders: Vec<Option<String>>,
}

impl PlacedRendered {
    /// Adds `other`'s files after these, with their folders.
    pub fn append(&mut self, other: PlacedRendered) {
        self.folders.extend(other.folders);
        self.rendered.append(other.rendered);
    }

    /// The files by folder, the city's (`None`) first, then each county's in order of first
    /// appearance.
    pub fn by_folder(&self) -> Vec<(Option<&str>, Vec<RenderedFile>)> {
        let mut out: Vec<(Option<&str>, Vec<RenderedFile>)> = vec![(None, Vec::new())];
        for (file, folder) in self.rendered.files.iter().zip(&self.folders) {
            let folder = folder.as_deref();
            match out.iter_mut().find(|(f, _)| *f == folder) {
                Some((_, files)) => files.push(file.clone()),
                None => out.push((folder, vec![file.clone()])),
            }
        }
        out.retain(|(_, files)| !files.is_empty());
        out
    }
}

/// A job that could not be rendered.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// The input cannot make documents (it has errors, or names no county).
    #[error(transparent)]
    Compose(#[from] ComposeError),
    /// The templates or fonts failed: a fault of gongwen.
    #[error(transparent)]
    Pdf(#[from] PdfError),
    #[error("DOCX export failed for {file_stem}: {message}")]
    Docx { file_stem: String, message: String },
    /// A list workbook could not be written: a fault of gongwen.
    #[error(transparent)]
    Lists(#[from] crate::lists::ListsError),
}

/// Composes and renders documents with one world kept warm across jobs, and a second one for
/// the second lane of a job (see [`Renderer::documents`]), made when first needed.
pub struct Renderer {
    world: GongwenWorld,
    second: Option<GongwenWorld>,
    /// Page numbers and labels already typeset, drawn over the pages of every file.
    marks: Marks,
    config: Config,
    formats: Formats,
}

impl Renderer {
    pub fn new(world: GongwenWorld, config: Config, formats: Formats) -> Renderer {
        Renderer {
            world,
            second: None,
            marks: Marks::default(),
            config,
            formats,
        }
    }

    /// A renderer for another thread, sharing this one's fonts (see [`GongwenWorld::fork`]).
    pub fn fork(&self) -> Renderer {
        Renderer {
            world: self.world.fork(),
            second: None,
            marks: Marks::default(),
            config: self.config.clone(),
            formats: self.formats,
        }
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    pub fn world(&self) -> &GongwenWorld {
        &self.world
    }

    /// 附件1, 附件2 (when the county has county items), the cover report and the bound package
    /// (报送材料) of one county.
    pub fn county(&mut self, sub: &Submission) -> Result<Rendered, RenderError> {
        let docs = compose::county_documents(sub, &self.config)?;
        self.documents(&docs, Some(sub))
    }

    /// 附件3, the cover report and the bound package of `city`, from the latest submission of
    /// each county, then the city's 附件1 and 附件2 as workbooks ([`crate::lists`]).
    pub fn city(&mut self, city: &str, subs: &[Submission]) -> Result<Rendered, RenderError> {
        let docs = compose::city_documents(city, subs, &self.config)?;
        let mut rendered = self.documents(&docs, None)?;
        rendered
            .files
            .extend(lists::city_workbooks(city, subs, &self.config)?);
        Ok(rendered)
    }

    /// The province summary, then `全省整改清单.xlsx` ([`crate::lists`]).
    pub fn province(&mut self, subs: &[Submission]) -> Result<Rendered, RenderError> {
        let doc = compose::province_summary(subs, &self.config)?;
        let mut rendered = self.documents(std::slice::from_ref(&doc), None)?;
        rendered
            .files
            .extend(lists::province_workbook(subs, &self.config)?);
        Ok(rendered)
    }

    /// Every 倒逼 document of `city` as of `as_of` ([`progress::city_documents`]): a
    /// 督办通知 to each county with overdue items, a 催报通知 to each county without a list
    /// after the county deadline, each county's 整改进展情况报告 and the city's. `ledgers` may
    /// hold other cities' ledgers. Empty when the city has nothing to say.
    pub fn progress_city(
        &mut self,
        city: &str,
        ledgers: &[&Ledger],
        as_of: NaiveDate,
    ) -> Result<PlacedRendered, RenderError> {
        let placed = progress::city_documents(city, ledgers, as_of, &self.config);
        self.placed(placed)
    }

    /// The province's 年度考核 of `year` as of `as_of`, as PDF/DOCX `年度考核_<年>` (empty
    /// without ledgers). The same table as a sheet of `全省整改清单.xlsx` comes from
    /// [`Renderer::province_with_annual`].
    pub fn progress_province(
        &mut self,
        ledgers: &[&Ledger],
        year: i32,
        as_of: NaiveDate,
    ) -> Result<Rendered, RenderError> {
        let docs = progress::province_documents(ledgers, year, as_of, &self.config);
        if docs.is_empty() {
            return Ok(Rendered::default());
        }
        self.documents(&docs, None)
    }

    /// [`Renderer::province`] with the 年度考核 sheet in `全省整改清单.xlsx`.
    pub fn province_with_annual(
        &mut self,
        subs: &[Submission],
        annual: &lists::AnnualInput,
    ) -> Result<Rendered, RenderError> {
        let doc = compose::province_summary(subs, &self.config)?;
        let mut rendered = self.documents(std::slice::from_ref(&doc), None)?;
        rendered.files.extend(lists::province_workbook_with_annual(
            subs,
            &self.config,
            Some(annual),
        )?);
        Ok(rendered)
    }

    /// The city's roll-up ([`Renderer::city`], for the city's folder) and, with items under
    /// tracking, its 倒逼 documents ([`Renderer::progress_city`]) as of `tracking.as_of`:
    /// what the daemon writes after each file of the city.
    pub fn city_tracked(
        &mut self,
        city: &str,
        subs: &[Submission],
        tracking: &Tracking,
    ) -> Result<PlacedRendered, RenderError> {
        let rendered = self.city(city, subs)?;
        let mut placed = PlacedRendered {
            folders: vec![None; rendered.files.len()],
            rendered,
        };
        let ledgers = tracking.of_city(city);
        if !ledgers.is_empty() {
            let progress = self.progress_city(city, &ledgers, tracking.as_of)?;
            placed.append(progress);
        }
        Ok(placed)
    }

    /// The province summary with the 挂图 of the items' progress, `全省整改清单.xlsx` with
    /// its 年度考核 sheet, and the 年度考核 of each year with items due up to `as_of`'s.
    pub fn province_tracked(
        &mut self,
        subs: &[Submission],
        tracking: &Tracking,
    ) -> Result<Rendered, RenderError> {
        let doc = compose::province_summary_with_map(
            subs,
            &self.config,
            &tracking.ledgers,
            tracking.as_of,
        )?;
        let mut rendered = self.documents(std::slice::from_ref(&doc), None)?;
        let ledgers: Vec<&Ledger> = tracking.ledgers.values().collect();
        let years = tracking.assessed_years();
        let annual = years.last().map(|&year| lists::AnnualInput {
            ledgers: &ledgers,
            year,
            as_of: tracking.as_of,
        });
        rendered.files.extend(lists::province_workbook_with_annual(
            subs,
            &self.config,
            annual.as_ref(),
        )?);
        for year in years {
            let assessed = self.progress_province(&ledgers, year, tracking.as_of)?;
            rendered.append(assessed);
        }
        Ok(rendered)
    }

    fn placed(&mut self, placed: Vec<Placed>) -> Result<PlacedRendered, RenderError> {
        if placed.is_empty() {
            return Ok(PlacedRendered::default());
        }
        let docs: Vec<Document> = placed.iter().map(|p| p.document.clone()).collect();
        let rendered = self.documents(&docs, None)?;
        let per_doc = usize::from(self.formats.pdf) + usize::from(self.formats.docx);
        let folders = placed
            .iter()
            .flat_map(|p| std::iter::repeat_n(p.county.clone(), per_doc))
            .collect();
        Ok(PlacedRendered { rendered, folders })
    }

    /// Renders each document to the configured formats, on two lanes. Each PDF is cut into
    /// parts ([`impose`]) and each distinct part typeset once, however many files print it
    /// (附件1 stands alone and in the bound package): this thread typesets the heaviest part
    /// (a county's 附件1, most of the work) while a second thread, with a second world,
    /// typesets the others and writes every DOCX; then the two lanes assemble and export the
    /// PDFs, the longest first. The files and diagnostics come out in document order, the
    /// same bytes as on one lane. `source` maps characters no font covers back to the
    /// workbook cells they came from.
    pub fn documents(
        &mut self,
        docs: &[Document],
        source: Option<&Submission>,
    ) -> Result<Rendered, RenderError> {
        let formats = self.formats;
        let seal = self.config.seal.style;
        let options = PdfRenderOptions { seal };
        let world = &mut self.world;
        let second = self.second.get_or_insert_with(|| world.fork());

        // Each PDF's parts, and the distinct parts to typeset.
        let prepared: Vec<_> = docs
            .iter()
            .filter(|_| formats.pdf)
            .map(|doc| {
                let (doc, missing) = pdf::prepare(doc, world.coverage());
                let parts = impose::parts(&doc);
                (doc, missing, parts)
            })
            .collect();
        let mut distinct: Vec<Document> = Vec::new();
        let mut weights = Vec::new();
        let uses: Vec<Vec<usize>> = prepared
            .iter()
            .map(|(doc, _, parts)| {
                parts
                    .iter()
                    .map(|part| {
                        let found = distinct.iter().position(|d| d.sections == part.sections);
                        found.unwrap_or_else(|| {
                            distinct.push(part.document(doc));
                            weights.push(part.weight());
                            distinct.len() - 1
                        })
                    })
                    .collect()
            })
            .collect();
        let heaviest = (0..distinct.len()).max_by_key(|&i| (weights[i], usize::MAX - i));

        let (mut laid, docxs) = std::thread::scope(|scope| {
            let lane = scope.spawn(|| {
                let laid: Vec<_> = distinct
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| Some(*i) != heaviest)
                    .map(|(i, part)| (i, pdf::typeset_part(second, part, &options)))
                    .collect();
                let docxs: Vec<_> = docs
                    .iter()
                    .filter(|_| formats.docx)
                    .map(|doc| docx_bytes(doc, seal))
                    .collect();
                (laid, docxs)
            });
            let first = heaviest.map(|i| (i, pdf::typeset_part(world, &distinct[i], &options)));
            let (mut laid, docxs) = lane
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            laid.extend(first);
            (laid, docxs)
        });
        laid.sort_by_key(|(i, _)| *i);
        let laid: Vec<Laid> = laid.into_iter().map(|(_, l)| l).collect::<Result<_, _>>()?;

        // The page numbers and labels the files need, typeset once and kept.
        let pieces: Vec<Vec<_>> = prepared
            .iter()
            .zip(&uses)
            .map(|((_, _, parts), used)| {
                parts
                    .iter()
                    .zip(used)
                    .map(|(part, &i)| (part, &laid[i].pages[..]))
                    .collect()
            })
            .collect();
        let mut typst_warnings: Vec<String> = laid
            .iter()
            .flat_map(|l| l.warnings.iter().cloned())
            .collect();
        if let Some((doc, _, _)) = prepared.first() {
            let wanted = self.marks.missing(
                prepared
                    .iter()
                    .zip(&pieces)
                    .flat_map(|((doc, _, _), pieces)| impose::marks(doc, pieces)),
            );
            typst_warnings.extend(pdf::typeset_marks(
                world,
                &mut self.marks,
                wanted,
                doc.meta.date,
            )?);
        }

        // Assembled and exported on two lanes, the longest file first on the emptier lane.
        let pages = |i: usize| -> usize { pieces[i].iter().map(|(_, p)| p.len()).sum() };
        let mut order: Vec<usize> = (0..prepared.len()).collect();
        order.sort_by_key(|&i| std::cmp::Reverse(pages(i)));
        let (mut mine, mut theirs) = (Vec::new(), Vec::new());
        let (mut my_load, mut their_load) = (0, 0);
        for i in order {
            if my_load <= their_load {
                my_load += pages(i);
                mine.push(i);
            } else {
                their_load += pages(i);
                theirs.push(i);
            }
        }
        let marks = &self.marks;
        let export = |world: &GongwenWorld, i: usize| {
            let (doc, _, _) = &prepared[i];
            let info = uses[i].first().map(|&u| &laid[u].info);
            let paged = impose::assemble(doc, &pieces[i], info, marks);
            (i, pdf::export(world, doc, &paged))
        };
        let world = &self.world;
        let second = self.second.as_ref().expect("the second world made above");
        let mut pdfs = std::thread::scope(|scope| {
            let lane = scope.spawn(|| {
                theirs
                    .iter()
                    .map(|&i| export(second, i))
                    .collect::<Vec<_>>()
            });
            let mut pdfs: Vec<_> = mine.iter().map(|&i| export(world, i)).collect();
            pdfs.extend(
                lane.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            );
            pdfs
        });
        pdfs.sort_by_key(|(i, _)| *i);

        let mut pdfs = pdfs.into_iter().map(|(_, pdf)| pdf).zip(&prepared);
        let mut docxs = docxs.into_iter();
        let mut out = Rendered {
            typst_warnings,
            ..Rendered::default()
        };
        for doc in docs {
            if formats.pdf {
                let (bytes, (_, missing, _)) = pdfs.next().expect("a PDF for each document");
                for missing in missing {
                    let located = source.and_then(|s| compose::locate_char(s, missing.ch));
                    let diagnostic = match located {
                        Some((cell, column)) => missing.diagnostic(Some(cell), Some(column)),
                        None => missing.diagnostic(None, None),
                    };
                    // One warning per character and place, however many documents print it.
                    if !out.diagnostics.contains(&diagnostic) {
                        out.diagnostics.push(diagnostic);
                    }
                }
                out.files.push(RenderedFile {
                    name: format!("{}.pdf", doc.file_stem),
                    bytes: bytes?,
                });
            }
            if formats.docx {
                out.files.push(RenderedFile {
                    name: format!("{}.docx", doc.file_stem),
                    bytes: docxs.next().expect("a DOCX for each document")?,
                });
            }
        }
        Ok(out)
    }
}

/// The Word backend, with the same seal choice as the PDF.
fn docx_bytes(doc: &Document, seal: SealStyle) -> Result<Vec<u8>, RenderError> {
    let options = DocxOptions {
        seal: seal == SealStyle::Outline,
    };
    docx::render_docx(doc, &options).map_err(|e| RenderError::Docx {
        file_stem: doc.file_stem.clone(),
        message: e.to_string(),
    })
}
