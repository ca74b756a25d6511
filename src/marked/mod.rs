//! The marked workbook (批注版): the clerk's own workbook returned with every problem where
//! the clerk looks — each cell with a problem filled light red (errors) or light yellow
//! (warnings) with a comment carrying the message and the hint, and a first sheet 问题清单
//! listing every problem with a link to its cell.
//!
//! An `.xlsx`/`.xlsm` is copied part by part with only additions ([`package`]), so the clerk's
//! formatting, merged cells, validations and formulas stay byte-for-byte; any other format (or
//! a package too odd to edit safely) becomes a new workbook of the cells as read ([`fresh`]),
//! at the same positions so every `Sheet!A1` still names the same cell. Intake drops the
//! 问题清单 sheet ([`is_problem_sheet`]); comments and fills were never read.

mod fresh;
mod package;

use std::collections::BTreeMap;

use crate::diag::{Diagnostic, Location, Severity};
use crate::intake::{CellValue, Format, Limits, RawSheet, RawWorkbook};

/// The first sheet of a marked workbook.
pub const PROBLEM_SHEET: &str = "问题清单";

/// The header row of the 问题清单 sheet; intake knows the sheet by its name and this row.
pub const PROBLEM_HEADERS: [&str; 5] = ["序号", "级别", "位置", "问题", "提示"];

/// The size of a worksheet (Excel 2007 and later).
const MAX_ROWS: u32 = 1_048_576;
const MAX_COLS: u32 = 16_384;

/// Whether a cell is one a worksheet can hold (a diagnostic may name one beyond).
fn markable(loc: &Location) -> bool {
    loc.row < MAX_ROWS && loc.col < MAX_COLS
}

/// Light red, as Excel's own “bad” cell style.
const ERROR_FILL: u32 = 0xFFC7CE;
/// Light yellow, as Excel's own “neutral” cell style.
const WARNING_FILL: u32 = 0xFFEB9C;

/// A marked workbook's bytes and how it was made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Marked {
    pub bytes: Vec<u8>,
    pub how: How,
}

impl Marked {
    /// The extension the file must carry: a copy of a workbook with macros (`.xlsm`) stays
    /// `.xlsm`, as Excel refuses a macro workbook named `.xlsx`.
    pub fn extension(&self) -> &'static str {
        if self.how == How::Copy && is_macro_workbook(&self.bytes) {
            "xlsm"
        } else {
            "xlsx"
        }
    }
}

/// Whether a package's main part is a macro-enabled workbook.
fn is_macro_workbook(bytes: &[u8]) -> bool {
    use std::io::Read as _;
    let Ok(mut zip) = zip::ZipArchive::new(std::io::Cursor::new(bytes)) else {
        return false;
    };
    let Ok(entry) = zip.by_name("[Content_Types].xml") else {
        return false;
    };
    let mut text = String::new();
    let limit = 1024 * 1024;
    entry.take(limit).read_to_string(&mut text).is_ok() && text.contains("macroEnabled.main+xml")
}

/// How a marked workbook was made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum How {
    /// The clerk's `.xlsx` copied with only additions.
    Copy,
    /// A new workbook of the cells as read: the file was no `.xlsx`, or (with the reason, in
    /// Chinese for the receipt) a package gongwen does not edit.
    Rebuilt { reason: Option<String> },
}

impl How {
    /// What the receipt says of a new workbook: the clerk's formatting is not in it.
    pub fn note(&self) -> Option<String> {
        match self {
            How::Copy => None,
            How::Rebuilt { reason: None } => Some(
                "原文件不是.xlsx，批注版是按读取的内容另存的新表（.xlsx），原表的格式没有保留"
                    .to_owned(),
            ),
            How::Rebuilt {
                reason: Some(reason),
            } => Some(format!(
                "原表无法直接标注（{reason}），批注版是按读取的内容另存的新表，原表的格式没有保留"
            )),
        }
    }
}

/// Why no marked workbook was made.
#[derive(Debug, thiserror::Error)]
pub enum MarkError {
    #[error("writing the workbook: {0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
    #[error("the marked workbook would hold a sheet named {0:?} twice or an invalid name")]
    SheetName(String),
    #[error("the package's parts exceed the intake limit ({declared} bytes uncompressed)")]
    TooLarge { declared: u64 },
    #[error("marking panicked (a bug in gongwen)")]
    Panicked,
}

/// Marks a workbook already read: `book_bytes` as dropped, `raw` as intake read them, and
/// the diagnostics found in them. Never panics (a panic in a writer is caught and turned into
/// an error), so a file can fail its marking, never the daemon.
pub fn mark(
    book_bytes: &[u8],
    raw: &RawWorkbook,
    diagnostics: &[Diagnostic],
    limits: &Limits,
) -> Result<Marked, MarkError> {
    let run = || -> Result<Marked, MarkError> {
        let problems = Problems::of(diagnostics);
        if raw.format == Format::Xlsx {
            match package::mark(book_bytes, &problems, limits)? {
                Ok(bytes) => {
                    return Ok(Marked {
                        bytes,
                        how: How::Copy,
                    });
                }
                Err(reason) => {
                    return Ok(Marked {
                        bytes: fresh::write(raw, &problems)?,
                        how: How::Rebuilt {
                            reason: Some(reason),
                        },
                    });
                }
            }
        }
        Ok(Marked {
            bytes: fresh::write(raw, &problems)?,
            how: How::Rebuilt { reason: None },
        })
    };
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(run)) {
        Ok(result) => result,
        Err(_) => Err(MarkError::Panicked),
    }
}

/// Whether a sheet is the 问题清单 of a marked workbook: its name and its header row. A sheet
/// a clerk named so for another purpose, without that header, is still read.
pub fn is_problem_sheet(sheet: &RawSheet) -> bool {
    sheet.name == PROBLEM_SHEET
        && sheet.origin == (0, 0)
        && PROBLEM_HEADERS
            .iter()
            .enumerate()
            .all(|(col, header)| matches!(sheet.stored(0, col as u32), CellValue::Text(t) if t == header))
}

/// The problems of one file: in the diagnostics' order for the list, and by cell for the
/// fills and comments.
pub(crate) struct Problems<'a> {
    pub list: &'a [Diagnostic],
    pub cells: BTreeMap<&'a Location, CellProblems<'a>>,
}

/// Every problem of one cell.
pub(crate) struct CellProblems<'a> {
    pub severity: Severity,
    pub diagnostics: Vec<&'a Diagnostic>,
}

impl<'a> Problems<'a> {
    fn of(diagnostics: &'a [Diagnostic]) -> Problems<'a> {
        let mut cells: BTreeMap<&Location, CellProblems> = BTreeMap::new();
        for d in diagnostics {
            // A cell no spreadsheet can hold is listed, never marked.
            if let Some(cell) = d
                .cell
                .as_ref()
                .filter(|c| c.row < MAX_ROWS && c.col < MAX_COLS)
            {
                let entry = cells.entry(cell).or_insert(CellProblems {
                    severity: d.severity,
                    diagnostics: Vec::new(),
                });
                entry.severity = entry.severity.max(d.severity);
                entry.diagnostics.push(d);
            }
        }
        Problems {
            list: diagnostics,
            cells,
        }
    }

    /// The cells with problems on one sheet.
    fn on_sheet(&self, sheet: &str) -> impl Iterator<Item = (&'a Location, &CellProblems<'a>)> {
        self.cells
            .iter()
            .filter(move |(loc, _)| loc.sheet == sheet)
            .map(|(loc, p)| (*loc, p))
    }
}

impl CellProblems<'_> {
    /// The comment's text: each problem's message and hint, one after another.
    fn comment(&self) -> String {
        let mut lines = Vec::new();
        for d in &self.diagnostics {
            lines.push(format!("【{}】{}", d.severity.label_zh(), d.message));
            if let Some(hint) = &d.hint {
                lines.push(format!("提示：{hint}"));
            }
        }
        lines.join("\n")
    }

    fn fill(&self) -> u32 {
        match self.severity {
            Severity::Error => ERROR_FILL,
            Severity::Warning => WARNING_FILL,
        }
    }
}

/// Width of the 问题 and 提示 columns of the 问题清单, in character widths.
const TEXT_COLUMN_WIDTH: u32 = 60;

/// The height of a 问题清单 row, in points: enough lines for its wrapped message and hint (a
/// Chinese character is two widths), since a spreadsheet does not grow rows it opens.
fn row_height(d: &Diagnostic) -> f64 {
    let lines = |text: &str| {
        let width: u32 = text.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum();
        width.div_ceil(TEXT_COLUMN_WIDTH).max(1)
    };
    let most = lines(&d.message).max(d.hint.as_deref().map_or(1, lines));
    f64::from(most) * 15.0
}

/// `'Sheet'!D7`, quoted as a formula or hyperlink location wants it.
fn quoted_location(loc: &Location) -> String {
    format!("'{}'!{}", loc.sheet.replace('\'', "''"), loc.a1())
}

/// The marked file's name for a dropped one: `西湖区.xls` → `西湖区.批注.xlsx` (the extension
/// becomes the marked file's own, [`Marked::extension`]).
pub fn marked_name(stem: &str) -> String {
    format!("{stem}.批注.xlsx")
}

#[cfg(test)]
mod tests;
