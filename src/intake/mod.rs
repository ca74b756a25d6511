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
mod layout;
mod ods;
pub mod sandbox;
pub mod sniff;
mod spreadsheet;
mod text;

use std::path::Path;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::diag::{Diagnostic, Location, Rule};

pub use sniff::{Format, Limits};

/// A cell's value as the file stores it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "t", content = "v", rename_all = "lowercase")]
pub enum CellValue {
    Empty,
    Text(String),
    Number(f64),
    Bool(bool),
    /// A date cell's day (Excel serials already converted; a time of day is never asked for).
    Date(chrono::NaiveDate),
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
            CellValue::Date(d) => d.to_string(),
            CellValue::Error(e) => e.clone(),
        }
    }
}

/// A cell the file marks as a date and stores as ISO 8601 text (`2020-08-31`,
/// `2020-08-31T00:00:00`): its day, or the text as written when it holds no day (a time alone).
pub fn iso_date_cell(iso: &str) -> CellValue {
    let day = iso.split('T').next().unwrap_or(iso);
    match chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d") {
        Ok(date) => CellValue::Date(date),
        Err(_) => CellValue::Text(iso.to_owned()),
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
/// Cells and merges are fixed at construction, so the lookups built over them stay true.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RawSheet {
    pub name: String,
    pub visible: bool,
    /// Absolute (row, col) of `rows[0][0]`.
    pub origin: (u32, u32),
    rows: Vec<Vec<CellValue>>,
    merges: Vec<Merge>,
    /// Cells far from the table, left out of `rows` (see [`layout`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    strays: Vec<StrayCell>,
    /// Built on first lookup, after the sheet crossed the process boundary.
    #[serde(skip)]
    index: IndexCache,
}

/// What a lookup would otherwise find by scanning the whole sheet: the width (a scan of
/// every row) and the merged regions crossing each row (a scan of every merge). Scanning per
/// lookup made reading a 40,000-row file quadratic.
#[derive(Debug)]
struct SheetIndex {
    col_end: u32,
    /// For each stored row, the merges crossing it, in the sheet's merge order so the first
    /// match is the one a scan would find.
    merged_spans: Vec<Vec<MergedSpan>>,
}

/// One merged region's part of one row.
#[derive(Debug, Clone, Copy)]
struct MergedSpan {
    first_col: u32,
    last_col: u32,
    anchor: (u32, u32),
}

/// A lazily built [`SheetIndex`]; it is derived data, so clones start empty and it takes no
/// part in equality.
#[derive(Debug, Default)]
struct IndexCache(OnceLock<SheetIndex>);

impl Clone for IndexCache {
    fn clone(&self) -> Self {
        IndexCache::default()
    }
}

impl PartialEq for IndexCache {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

static EMPTY: CellValue = CellValue::Empty;

impl RawSheet {
    pub fn new(
        name: impl Into<String>,
        visible: bool,
        origin: (u32, u32),
        rows: Vec<Vec<CellValue>>,
        merges: Vec<Merge>,
    ) -> RawSheet {
        RawSheet {
            name: name.into(),
            visible,
            origin,
            rows,
            merges,
            strays: Vec::new(),
            index: IndexCache::default(),
        }
    }

    /// The cells left out as strays, top to bottom.
    pub fn strays(&self) -> &[StrayCell] {
        &self.strays
    }

    fn set_strays(&mut self, strays: Vec<StrayCell>) {
        self.strays = strays;
    }

    /// Builds a sheet from rows starting at A1 (used by CSV and tests).
    pub fn from_rows(name: impl Into<String>, rows: Vec<Vec<CellValue>>) -> RawSheet {
        RawSheet::new(name, true, (0, 0), rows, Vec::new())
    }

    /// The stored rows, from `origin`.
    pub fn rows(&self) -> &[Vec<CellValue>] {
        &self.rows
    }

    /// The merged regions as the file records them.
    pub fn merges(&self) -> &[Merge] {
        &self.merges
    }

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
        let stored_row = row
            .checked_sub(self.origin.0)
            .and_then(|r| self.index().merged_spans.get(r as usize));
        match stored_row {
            Some(spans) => spans
                .iter()
                .find(|span| (span.first_col..=span.last_col).contains(&col))
                .map_or((row, col), |span| span.anchor),
            // Outside the stored rows nothing is indexed; no reader looks there, but the
            // answer stays right.
            None => self
                .merges
                .iter()
                .find(|m| {
                    (m.first_row..=m.last_row).contains(&row)
                        && (m.first_col..=m.last_col).contains(&col)
                })
                .map_or((row, col), |m| (m.first_row, m.first_col)),
        }
    }

    /// One past the last absolute row with data.
    pub fn row_end(&self) -> u32 {
        self.origin.0 + self.rows.len() as u32
    }

    /// One past the last absolute column with data.
    pub fn col_end(&self) -> u32 {
        self.index().col_end
    }

    /// Whether every cell of a row is empty.
    pub fn row_is_empty(&self, row: u32) -> bool {
        (self.origin.1..self.col_end()).all(|c| self.stored(row, c).is_empty())
    }

    /// How many (merge, stored row) pairs the merges make: the size of the merge index.
    pub fn merged_row_spans(&self) -> u64 {
        self.merges
            .iter()
            .map(|m| {
                let (first, last) = self.stored_rows_of(m);
                u64::from(last.saturating_sub(first))
            })
            .sum()
    }

    /// The stored rows a merge crosses, as a half-open range of absolute rows.
    fn stored_rows_of(&self, merge: &Merge) -> (u32, u32) {
        let first = merge.first_row.max(self.origin.0);
        let end = merge.last_row.saturating_add(1).min(self.row_end());
        (first, end.max(first))
    }

    fn index(&self) -> &SheetIndex {
        self.index.0.get_or_init(|| {
            let mut merged_spans = vec![Vec::new(); self.rows.len()];
            for m in &self.merges {
                let (first, end) = self.stored_rows_of(m);
                for row in first..end {
                    merged_spans[(row - self.origin.0) as usize].push(MergedSpan {
                        first_col: m.first_col,
                        last_col: m.last_col,
                        anchor: (m.first_row, m.first_col),
                    });
                }
            }
            SheetIndex {
                col_end: self.origin.1 + self.rows.iter().map(Vec::len).max().unwrap_or(0) as u32,
                merged_spans,
            }
        })
    }
}

/// A cell far from the table that was left out of its sheet, with what it held.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StrayCell {
    pub row: u32,
    pub col: u32,
    pub text: String,
}

/// Most stray cells named one by one in a sheet's warnings; the rest are counted.
const STRAYS_NAMED: usize = 3;

/// Every sheet of one file, in workbook order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RawWorkbook {
    pub format: Format,
    pub sheets: Vec<RawSheet>,
}

impl RawWorkbook {
    /// Warnings about what reading left out: each stray cell named (a few per sheet, the
    /// rest counted), so a clerk can find and delete it.
    pub fn notes(&self) -> Vec<Diagnostic> {
        let mut notes = Vec::new();
        for sheet in self.sheets.iter().filter(|s| s.visible) {
            for stray in sheet.strays.iter().take(STRAYS_NAMED) {
                let cell = Location::new(&sheet.name, stray.row, stray.col);
                let what = if stray.text.trim().is_empty() {
                    "只有空格".to_owned()
                } else {
                    format!("有内容“{}”", preview(&stray.text))
                };
                notes.push(
                    Diagnostic::new(
                        Rule::StrayCellIgnored,
                        Some(cell.clone()),
                        format!("{cell} {what}，远离表格，已忽略"),
                    )
                    .with_hint("如果这是误输入，请删除该单元格的内容；如果需要填报，请移到表格内"),
                );
            }
            let rest = sheet.strays.len().saturating_sub(STRAYS_NAMED);
            if rest > 0 {
                notes.push(Diagnostic::new(
                    Rule::StrayCellIgnored,
                    None,
                    format!(
                        "工作表“{}”中另有{rest}个远离表格的单元格，已忽略",
                        sheet.name
                    ),
                ));
            }
        }
        notes
    }
}

/// The start of a text, short enough for a message.
fn preview(text: &str) -> String {
    const SHOWN: usize = 20;
    let mut shown: String = text.chars().take(SHOWN).collect();
    if text.chars().nth(SHOWN).is_some() {
        shown.push('…');
    }
    shown
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
    #[error("a spreadsheet format not read: {what}")]
    UnsupportedFormat { what: String, save_as: String },
    #[error("the package's part {part} is missing")]
    PartMissing { part: String },
    #[error("not a regular file (directory: {directory})")]
    NotAFile { directory: bool },
    #[error("file is damaged: {detail}")]
    Corrupt { detail: String },
    #[error("workbook holds more than {limit} cells")]
    TooManyCells { limit: u64 },
    #[error("cell {cell} holds {chars} characters, over the limit of {limit}")]
    CellTooLong {
        cell: Location,
        chars: u64,
        limit: u64,
    },
    #[error("more than {limit} rows hold data; reading stopped at {cell}")]
    TooManyRows { cell: Location, limit: u64 },
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
        let cell = match self {
            IntakeError::CellTooLong { cell, .. } | IntakeError::TooManyRows { cell, .. } => {
                Some(cell.clone())
            }
            _ => None,
        };
        let (rule, message, hint): (Rule, String, &str) = match self {
            IntakeError::UnsupportedFormat { what, save_as } => (
                Rule::FileFormatUnsupported,
                format!("这是{what}，无法直接读取"),
                save_as.as_str(),
            ),
            IntakeError::PartMissing { part } => (
                Rule::FileCorrupt,
                format!("文件不完整：找不到工作簿部件“{part}”"),
                "文件可能没有保存或复制完整；请用Excel或WPS打开确认无误后，重新“另存为”.xlsx再提交",
            ),
            IntakeError::NotAFile { directory: true } => (
                Rule::FileNotRegular,
                "这是文件夹，不是表格文件".into(),
                "请指定文件夹中的表格文件，例如：gongwen check 文件夹/西湖区.xlsx",
            ),
            IntakeError::NotAFile { directory: false } => (
                Rule::FileNotRegular,
                "这不是普通文件（可能是设备或管道），无法读取".into(),
                "请提交保存在磁盘上的表格文件",
            ),
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
            IntakeError::CellTooLong { cell, chars, limit } => (
                Rule::CellTooLong,
                format!("单元格{cell}中有{chars}个字，超过每格{limit}个字的上限"),
                "整改清单的每格写一两句话即可；请检查该单元格是否误粘贴了大段内容，删去后再提交",
            ),
            IntakeError::TooManyRows { cell, limit } => (
                Rule::TooManyRows,
                format!(
                    "表格中填有内容的行超过{limit}行，超出一个县（市、区）整改清单的上限；从{cell}起未再读取"
                ),
                "一个文件只填报一个县（市、区）；请删除无关的数据行或工作表后再提交",
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
        Diagnostic::new(rule, cell, message).with_hint(hint)
    }
}

/// Refuses a cell's text over the length limit, naming the cell. Done while reading, so a
/// hostile cell of millions of characters never travels further than the reader.
fn check_cell_text(
    text: &str,
    sheet: &str,
    row: u32,
    col: u32,
    limits: &Limits,
) -> Result<(), IntakeError> {
    // Every character takes at least one byte: short texts need no counting.
    if text.len() as u64 <= limits.max_cell_chars {
        return Ok(());
    }
    let chars = text.chars().count() as u64;
    if chars <= limits.max_cell_chars {
        return Ok(());
    }
    Err(IntakeError::CellTooLong {
        cell: Location::new(sheet, row, col),
        chars,
        limit: limits.max_cell_chars,
    })
}

/// Rows holding data, counted over the whole file so reading stops at the limit.
struct RowBudget {
    used: u64,
    limit: u64,
}

impl RowBudget {
    fn new(limits: &Limits) -> RowBudget {
        RowBudget {
            used: 0,
            limit: limits.max_rows,
        }
    }

    /// Counts one row with data at `row` of `sheet`, refusing it when it is one too many.
    fn take(&mut self, sheet: &str, row: u32) -> Result<(), IntakeError> {
        self.used += 1;
        if self.used > self.limit {
            return Err(IntakeError::TooManyRows {
                cell: Location::new(sheet, row, 0),
                limit: self.limit,
            });
        }
        Ok(())
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
        Ok(read) => read.map(without_marks),
        Err(panic) => Err(IntakeError::ParserCrashed {
            detail: panic_message(&panic),
        }),
    }
}

/// The workbook without the 问题清单 sheet of a marked workbook (批注版) dropped back: the
/// list of last time's problems is never taken for a form. Comments and fills were never read.
fn without_marks(mut book: RawWorkbook) -> RawWorkbook {
    book.sheets
        .retain(|sheet| !crate::marked::is_problem_sheet(sheet));
    book
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
        let sheet = RawSheet::new(
            "s",
            true,
            (0, 0),
            vec![
                vec![CellValue::Text("甲校".into()), CellValue::Text("x".into())],
                vec![CellValue::Empty, CellValue::Text("y".into())],
            ],
            vec![Merge {
                first_row: 0,
                first_col: 0,
                last_row: 1,
                last_col: 0,
            }],
        );
        assert_eq!(sheet.get(1, 0), &CellValue::Text("甲校".into()));
        assert_eq!(sheet.stored(1, 0), &CellValue::Empty);
        assert_eq!(sheet.get(5, 5), &CellValue::Empty);
    }

    #[test]
    fn the_first_merge_holding_a_cell_answers_inside_and_outside_the_stored_rows() {
        let region = |first_row, first_col, last_row, last_col| Merge {
            first_row,
            first_col,
            last_row,
            last_col,
        };
        let sheet = RawSheet::new(
            "s",
            true,
            (2, 1),
            vec![vec![CellValue::Empty; 3]; 3],
            // Overlapping on purpose: the first listed wins, as a scan would find it.
            vec![region(2, 1, 3, 2), region(3, 2, 9, 3), region(0, 0, 1, 9)],
        );
        assert_eq!(sheet.merge_anchor(3, 2), (2, 1));
        assert_eq!(sheet.merge_anchor(4, 3), (3, 2));
        assert_eq!(sheet.merge_anchor(8, 2), (3, 2));
        assert_eq!(sheet.merge_anchor(1, 5), (0, 0));
        assert_eq!(sheet.merge_anchor(4, 1), (4, 1));
        assert_eq!(sheet.col_end(), 4);
        // Rows 2..=3, 3..=4 (stored rows end at 5), none for the region above the sheet.
        assert_eq!(sheet.merged_row_spans(), 4);
        // The index is derived: a clone that has not built it yet is still equal.
        assert_eq!(sheet.clone(), sheet);
    }

    #[test]
    fn numbers_display_like_a_spreadsheet() {
        assert_eq!(CellValue::Number(2020.0).display(), "2020");
        assert_eq!(CellValue::Number(2020.6).display(), "2020.6");
    }
}
