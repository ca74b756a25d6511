//! Opening what clerks drop: spreadsheets of every format Excel, WPS and LibreOffice write
//! (through calamine) and CSV in the encodings Chinese office software saves. The output is a
//! [`RawWorkbook`]: every sheet's cells at their absolute positions, merged regions filled in,
//! with no business meaning attached yet. Finding the forms in it is [`forms`]' job; turning
//! text into dates and indicators is `normalize`'s.
//!
//! Untrusted bytes are checked before any parser sees them ([`sniff`]): size, the zip's
//! declared uncompressed sizes (zip bombs), encryption, what the file really is. The parse
//! itself can run in a child process ([`sandbox`]) because calamine can abort the whole
//! process on a corrupt `.xls`, which `catch_unwind` cannot catch.

pub mod forms;
pub mod sandbox;
pub mod sniff;
mod spreadsheet;
mod text;

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::diag::{Diagnostic, Rule};

pub use sniff::{Format, Limits};

/// A cell's value as the file stores it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "t", content = "v", rename_all = "lowercase")]
pub enum CellValue {
    Empty,
    Text(String),
    Number(f64),
    Bool(bool),
    /// A date cell, as `YYYY-MM-DDTHH:MM:SS` (Excel serials already converted).
    Date(String),
    /// A formula error such as `#REF!`.
    Error(String),
}

impl CellValue {
    pub fn is_empty(&self) -> bool {
        match self {
            CellValue::Empty => true,
            CellValue::Text(t) => t.trim().is_empty(),
            _ => false,
        }
    }

    /// The value as a clerk sees it, for text fields and messages.
    pub fn display(&self) -> String {
        match self {
            CellValue::Empty => String::new(),
            CellValue::Text(t) => t.clone(),
            CellValue::Number(n) => format_number(*n),
            CellValue::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_owned(),
            CellValue::Date(d) => d.split('T').next().unwrap_or(d).to_owned(),
            CellValue::Error(e) => e.clone(),
        }
    }
}

/// Formats a number the way a spreadsheet shows it by default: integers without `.0`.
pub fn format_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

/// A rectangular merged region, zero-based and inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Merge {
    pub first_row: u32,
    pub first_col: u32,
    pub last_row: u32,
    pub last_col: u32,
}

/// One sheet: the used range of cells anchored at `origin`, so positions stay absolute.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RawSheet {
    pub name: String,
    pub visible: bool,
    /// Absolute (row, col) of `rows[0][0]`.
    pub origin: (u32, u32),
    pub rows: Vec<Vec<CellValue>>,
    pub merges: Vec<Merge>,
}

static EMPTY: CellValue = CellValue::Empty;

impl RawSheet {
    /// The value at an absolute position; merged regions answer with their top-left value.
    pub fn get(&self, row: u32, col: u32) -> &CellValue {
        let (row, col) = self.merge_anchor(row, col);
        self.stored(row, col)
    }

    /// The value stored at exactly this position, ignoring merges.
    pub fn stored(&self, row: u32, col: u32) -> &CellValue {
        let (r0, c0) = self.origin;
        if row < r0 || col < c0 {
            return &EMPTY;
        }
        self.rows
            .get((row - r0) as usize)
            .and_then(|r| r.get((col - c0) as usize))
            .unwrap_or(&EMPTY)
    }

    /// The top-left cell of the merged region holding (row, col), or the cell itself.
    pub fn merge_anchor(&self, row: u32, col: u32) -> (u32, u32) {
        self.merges
            .iter()
            .find(|m| {
                (m.first_row..=m.last_row).contains(&row)
                    && (m.first_col..=m.last_col).contains(&col)
            })
            .map_or((row, col), |m| (m.first_row, m.first_col))
    }

    /// One past the last absolute row with data.
    pub fn row_end(&self) -> u32 {
        self.origin.0 + self.rows.len() as u32
    }

    /// One past the last absolute column with data.
    pub fn col_end(&self) -> u32 {
        self.origin.1 + self.rows.iter().map(Vec::len).max().unwrap_or(0) as u32
    }

    /// Whether every cell of a row is empty.
    pub fn row_is_empty(&self, row: u32) -> bool {
        (self.origin.1..self.col_end()).all(|c| self.stored(row, c).is_empty())
    }

    /// Builds a sheet from rows starting at A1 (used by CSV and tests).
    pub fn from_rows(name: impl Into<String>, rows: Vec<Vec<CellValue>>) -> RawSheet {
        RawSheet {
            name: name.into(),
            visible: true,
            origin: (0, 0),
            rows,
            merges: Vec::new(),
        }
    }
}

/// Every sheet of one file, in workbook order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RawWorkbook {
    pub format: Format,
    pub sheets: Vec<RawSheet>,
}

/// Why a file could not be read at all. Each maps to one clear diagnostic; calamine's own
/// messages, which name no cell and mean nothing to a clerk, never reach one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum IntakeError {
    #[error("file is empty")]
    Empty,
    #[error("file is larger than {limit} bytes")]
    TooLarge { limit: u64 },
    #[error("archive declares {declared} bytes uncompressed, over the limit of {limit}")]
    ZipBomb { declared: u64, limit: u64 },
    #[error("workbook is encrypted")]
    Encrypted,
    #[error("not a spreadsheet: {what}")]
    NotSpreadsheet { what: String },
    #[error("file is damaged: {detail}")]
    Corrupt { detail: String },
    #[error("workbook holds more than {limit} cells")]
    TooManyCells { limit: u64 },
    #[error("reading took longer than {seconds} s")]
    Timeout { seconds: u64 },
    #[error("the reader crashed on this file: {detail}")]
    ParserCrashed { detail: String },
    #[error("cannot read the file: {detail}")]
    Io { detail: String },
}

impl IntakeError {
    /// The clerk-facing diagnostic for this failure.
    pub fn diagnostic(&self) -> Diagnostic {
        let (rule, message, hint): (Rule, String, &str) = match self {
            IntakeError::Empty => (
                Rule::FileEmpty,
                "文件是空的（0字节）".into(),
                "文件可能没有保存完整，请重新保存后再提交",
            ),
            IntakeError::TooLarge { limit } => (
                Rule::FileTooLarge,
                format!("文件过大，超过{}MB的上限", limit / (1024 * 1024)),
                "整改清单通常不到1MB，请删除无关的工作表、图片后再提交",
            ),
            IntakeError::ZipBomb { declared, limit } => (
                Rule::FileTooLarge,
                format!(
                    "文件解压后约{}MB，超过{}MB的上限",
                    declared / (1024 * 1024),
                    limit / (1024 * 1024)
                ),
                "请删除无关的工作表、图片后再提交",
            ),
            IntakeError::TooManyCells { limit } => (
                Rule::FileTooLarge,
                format!("表格的单元格超过{limit}个"),
                "请只保留整改清单和创建时间表，删除其他数据后再提交",
            ),
            IntakeError::Encrypted => (
                Rule::FileEncrypted,
                "文件设置了打开密码，无法读取".into(),
                "请在Excel或WPS中取消文件密码（文件→信息→保护工作簿→用密码进行加密，清空密码）后再提交",
            ),
            IntakeError::NotSpreadsheet { what } => (
                Rule::FileNotSpreadsheet,
                format!("这不是电子表格文件（{what}）"),
                "请提交Excel（.xlsx/.xls）、WPS、LibreOffice（.ods）表格或CSV文件",
            ),
            IntakeError::Corrupt { .. } | IntakeError::ParserCrashed { .. } => (
                Rule::FileCorrupt,
                "文件已损坏或不完整，无法读取".into(),
                "请用Excel或WPS打开确认无误后，重新“另存为”.xlsx再提交",
            ),
            IntakeError::Timeout { seconds } => (
                Rule::FileCorrupt,
                format!("读取文件超过{seconds}秒仍未完成，文件可能已损坏"),
                "请用Excel或WPS打开确认无误后，重新“另存为”.xlsx再提交",
            ),
            IntakeError::Io { .. } => (
                Rule::FileCorrupt,
                "无法读取该文件".into(),
                "请确认文件已复制完整、没有被其他程序占用",
            ),
        };
        Diagnostic::new(rule, None, message).with_hint(hint)
    }
}

/// Reads a file in this process, behind `catch_unwind`. Prefer [`sandbox::read_isolated`]
/// for untrusted input in a long-running process.
pub fn read_path(path: &Path, limits: &Limits) -> Result<RawWorkbook, IntakeError> {
    let bytes = sniff::read_bounded(path, limits)?;
    read_bytes(&bytes, &file_name(path), limits)
}

/// Reads bytes already in memory; `name` gives the extension (CSV is only taken from .csv,
/// .tsv and .txt files) and the sheet name of a CSV.
pub fn read_bytes(bytes: &[u8], name: &str, limits: &Limits) -> Result<RawWorkbook, IntakeError> {
    let format = sniff::sniff(bytes, name, limits)?;
    let result = std::panic::catch_unwind(|| match format {
        Format::Csv => text::read_csv(bytes, &sheet_name_for_text(name), limits),
        _ => spreadsheet::read(bytes, format, limits),
    });
    match result {
        Ok(read) => read,
        Err(panic) => Err(IntakeError::ParserCrashed {
            detail: panic_message(&panic),
        }),
    }
}

fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "panic".to_owned())
}

/// The file's name as a clerk sees it.
pub fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

/// A CSV has no sheets; its cells are located as `<file stem>!A1`.
fn sheet_name_for_text(name: &str) -> String {
    Path::new(name)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| name.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merged_cells_answer_with_their_anchor() {
        let mut sheet = RawSheet::from_rows(
            "s",
            vec![
                vec![CellValue::Text("甲校".into()), CellValue::Text("x".into())],
                vec![CellValue::Empty, CellValue::Text("y".into())],
            ],
        );
        sheet.merges.push(Merge {
            first_row: 0,
            first_col: 0,
            last_row: 1,
            last_col: 0,
        });
        assert_eq!(sheet.get(1, 0), &CellValue::Text("甲校".into()));
        assert_eq!(sheet.stored(1, 0), &CellValue::Empty);
        assert_eq!(sheet.get(5, 5), &CellValue::Empty);
    }

    #[test]
    fn numbers_display_like_a_spreadsheet() {
        assert_eq!(CellValue::Number(2020.0).display(), "2020");
        assert_eq!(CellValue::Number(2020.6).display(), "2020.6");
    }
}
