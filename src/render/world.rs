//! The typst `World` gongwen compiles in, shaped like typst's own CLI world
//! (`crates/typst-cli/src/world.rs`): fonts scanned once from our folders with system fonts
//! off, the templates served from `templates/`, the document served as a virtual
//! `/data.json`, a fixed `today` taken from the document's date, and `reset` between jobs.
//! One world lives for the whole process, so warm renders reuse typst's caches.
//!
//! What the world refuses, so that spreadsheet text can never reach beyond the document:
//! reads outside `templates/` (`..`, absolute paths, symlinks out of the folder) and every
//! package import. The data itself is JSON, which templates read as values and print as
//! text; templates must never `eval` it.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use typst::diag::{FileError, FileResult, PackageError};
use typst::foundations::{Bytes, Datetime, Duration};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};
use typst_kit::files::{FileLoader, FileStore, FsRoot};
use typst_kit::fonts::FontStore;

use super::fonts::{self, CharCoverage, MissingFonts};

/// The template every document is compiled from.
pub const MAIN: &str = "/main.typ";
/// Where the template finds the document.
pub const DATA: &str = "/data.json";
/// Where the template finds the render options (`{"seal": "outline"}`).
pub const OPTIONS: &str = "/options.json";

/// The templates compiled into the binary, served when no templates folder is given, so an
/// installed binary needs only its fonts.
pub const BUILTIN_TEMPLATES: [(&str, &str); 3] = [
    ("main.typ", include_str!("../../templates/main.typ")),
    ("gongwen.typ", include_str!("../../templates/gongwen.typ")),
    ("options.json", include_str!("../../templates/options.json")),
];

/// Where the templates come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Templates {
    /// A folder a designer edits (`templates/`); re-read before every document.
    Dir(PathBuf),
    /// The copy compiled into the binary.
    Builtin,
}

/// The world cannot be built.
#[derive(Debug, thiserror::Error)]
pub enum WorldError {
    #[error("templates folder {path} has no main.typ")]
    NoTemplates { path: PathBuf },
    #[error(transparent)]
    Fonts(#[from] MissingFonts),
}

/// gongwen's typst world. Build it once with [`GongwenWorld::new`]; before each document,
/// [`GongwenWorld::prepare`] swaps in the data and the date.
pub struct GongwenWorld {
    library: LazyHash<Library>,
    /// Shared by the worlds [`GongwenWorld::fork`] makes, so each font is loaded once.
    fonts: Arc<FontStore>,
    coverage: Arc<CharCoverage>,
    files: FileStore<TemplateLoader>,
    main: FileId,
    data_id: FileId,
    data: Bytes,
    options_id: FileId,
    options: Bytes,
    today: Option<Datetime>,
    templates: Templates,
    font_dirs: Vec<PathBuf>,
}

impl GongwenWorld {
    /// Scans the font folders once and opens the templates. Fails when `main.typ` or a
    /// stand-in font is missing.
    pub fn new(templates: &Templates, font_dirs: &[PathBuf]) -> Result<GongwenWorld, WorldError> {
        let templates = match templates {
            Templates::Dir(dir) => {
                let root = dir
                    .canonicalize()
                    .map_err(|_| WorldError::NoTemplates { path: dir.clone() })?;
                if !root.join("main.typ").is_file() {
                    return Err(WorldError::NoTemplates { path: root });
                }
                Templates::Dir(root)
            }
            Templates::Builtin => Templates::Builtin,
        };
        let fonts = fonts::scan(font_dirs);
        fonts::check_stand_ins(fonts.book(), font_dirs)?;
        let main = project_file(MAIN);
        let data_id = project_file(DATA);
        let options_id = project_file(OPTIONS);
        Ok(GongwenWorld {
            library: LazyHash::new(Library::default()),
            coverage: Arc::new(CharCoverage::of(fonts.book())),
            fonts: Arc::new(fonts),
            files: FileStore::new(TemplateLoader {
                templates: templates.clone(),
            }),
            main,
            data_id,
            data: Bytes::new(b"null".to_vec()),
            options_id,
            options: Bytes::new(b"{}".to_vec()),
            today: None,
            templates,
            font_dirs: font_dirs.to_vec(),
        })
    }

    /// A world for another thread: the same templates, and the same fonts, loaded once for
    /// both; its own files and data.
    pub fn fork(&self) -> GongwenWorld {
        GongwenWorld {
            library: self.library.clone(),
            fonts: Arc::clone(&self.fonts),
            coverage: Arc::clone(&self.coverage),
            files: FileStore::new(TemplateLoader {
                templates: self.templates.clone(),
            }),
            main: self.main,
            data_id: self.data_id,
            data: Bytes::new(b"null".to_vec()),
            options_id: self.options_id,
            options: Bytes::new(b"{}".to_vec()),
            today: None,
            templates: self.templates.clone(),
            font_dirs: self.font_dirs.clone(),
        }
    }

    /// Loads and hashes every font on background threads and returns at once. typst loads a
    /// font when a document first uses it, and hashes its data (13–20 MB for a CJK face)
    /// when it first keys a cache with it: about 30 ms a face, one after the other inside the
    /// first compilation. A short-lived process (`gongwen render`) calls this first, so the
    /// faces load side by side while it reads its workbook; a compilation that needs a face
    /// still loading waits for it.
    pub fn preload_fonts(&self) {
        let count = (0..)
            .take_while(|&i| self.fonts.book().info(i).is_some())
            .count();
        let threads = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .min(count);
        let next = Arc::new(AtomicUsize::new(0));
        for _ in 0..threads {
            let fonts = Arc::clone(&self.fonts);
            let next = Arc::clone(&next);
            // Detached: a process that ends first loses nothing.
            std::thread::spawn(move || {
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    if index >= count {
                        break;
                    }
                    if let Some(font) = fonts.font(index) {
                        // Bytes keep their hash once computed: typst's caches reuse it.
                        std::hint::black_box(typst::utils::hash128(&font));
                    }
                }
            });
        }
    }

    /// Serves `data` as `/data.json`, `options` as `/options.json` and `date` as today for
    /// the next compilation, and marks template files stale so an edited template is read
    /// again.
    pub fn prepare(&mut self, data: Vec<u8>, options: Vec<u8>, date: Option<Datetime>) {
        self.files.reset();
        self.data = Bytes::new(data);
        self.options = Bytes::new(options);
        self.today = date;
    }

    /// Metadata of every font found.
    pub fn font_book(&self) -> &FontBook {
        self.fonts.book()
    }

    /// Every character the fonts can draw.
    pub fn coverage(&self) -> &CharCoverage {
        &self.coverage
    }

    /// Where the templates come from (a folder is canonical).
    pub fn templates(&self) -> &Templates {
        &self.templates
    }

    /// The font folders scanned.
    pub fn font_dirs(&self) -> &[PathBuf] {
        &self.font_dirs
    }

    /// `file:line: message` for a typst diagnostic, pointing into the templates.
    pub fn describe(&self, diag: &typst::diag::SourceDiagnostic) -> String {
        let place = diag.span.id().and_then(|id| {
            let file = id.vpath().get_without_slash().to_owned();
            let range = typst::WorldExt::range(self, diag.span)?;
            let source = self.source(id).ok()?;
            let line = source.lines().byte_to_line(range.start)? + 1;
            Some(format!("templates/{file}:{line}: "))
        });
        let mut out = format!("{}{}", place.unwrap_or_default(), diag.message);
        for hint in &diag.hints {
            out.push_str(&format!(" (hint: {})", hint.v));
        }
        out
    }
}

fn project_file(path: &str) -> FileId {
    // Both constants are plain absolute paths; `new` cannot fail on them.
    let vpath = VirtualPath::new(path).unwrap_or_else(|_| unreachable!("valid constant path"));
    RootedPath::new(VirtualRoot::Project, vpath).intern()
}

impl World for GongwenWorld {
    fn library(&self) -> &LazyHash<Library> {
        &self.library
    }

    fn book(&self) -> &LazyHash<FontBook> {
        self.fonts.book()
    }

    fn main(&self) -> FileId {
        self.main
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.data_id || id == self.options_id {
            // Data is never source code.
            return Err(FileError::NotSource);
        }
        self.files.source(id)
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if id == self.data_id {
            return Ok(self.data.clone());
        }
        if id == self.options_id {
            return Ok(self.options.clone());
        }
        self.files.file(id)
    }

    fn font(&self, index: usize) -> Option<Font> {
        self.fonts.font(index)
    }

    fn today(&self, offset: Option<Duration>) -> Option<Datetime> {
        // The document's own date, whatever the offset: the clock is never read.
        let _ = offset;
        self.today
    }
}

/// Serves the templates and nothing else.
struct TemplateLoader {
    templates: Templates,
}

impl FileLoader for TemplateLoader {
    fn load(&self, id: FileId) -> FileResult<Bytes> {
        match id.root() {
            VirtualRoot::Project => {}
            VirtualRoot::Package(spec) => {
                return Err(FileError::Package(PackageError::Other(Some(
                    format!("gongwen templates cannot import packages ({spec})").into(),
                ))));
            }
        }
        let root = match &self.templates {
            Templates::Dir(root) => root,
            Templates::Builtin => {
                let name = id.vpath().get_without_slash();
                return BUILTIN_TEMPLATES
                    .iter()
                    .find(|(file, _)| *file == name)
                    .map(|(_, text)| Bytes::from_string(*text))
                    .ok_or_else(|| FileError::NotFound(PathBuf::from(name)));
            }
        };
        let path = FsRoot::new(root.clone()).resolve(id.vpath())?;
        // Follow symlinks, then insist the file is still inside the folder.
        let real = path
            .canonicalize()
            .map_err(|e| FileError::from_io(e, &path))?;
        if !real.starts_with(root) {
            return Err(FileError::AccessDenied);
        }
        if real.is_dir() {
            return Err(FileError::IsDirectory);
        }
        std::fs::read(&real)
            .map(Bytes::new)
            .map_err(|e| FileError::from_io(e, &real))
    }
}
