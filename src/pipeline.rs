//! One file through the steps: intake → forms → normalize → validate. No loops, no sleeping,
//! no printing, no files written but where a caller says: the daemon (`watch`) and the CLI
//! decide what to show and where results go.

use std::path::{Path, PathBuf};

use crate::intake::sandbox::{self, Isolation, SandboxFault};
use crate::intake::{self, IntakeError, Limits, RawWorkbook, forms};
use crate::lists;
use crate::model::{SUBMISSION_SCHEMA, Source, Submission};
use crate::progress::read::{ProgressReport, Returned, ReviewReport};
use crate::{normalize, validate};

/// How workbooks are parsed.
#[derive(Debug, Clone)]
pub enum WorkbookReader {
    /// In this process, behind `catch_unwind` (tests, trusted input).
    InProcess,
    /// In a child process with a memory limit and a timeout (the CLI and the daemon).
    Isolated(Isolation),
}

impl WorkbookReader {
    fn read(
        &self,
        path: &Path,
        limits: &Limits,
    ) -> Result<Result<RawWorkbook, IntakeError>, SandboxFault> {
        match self {
            WorkbookReader::InProcess => Ok(intake::read_path(path, limits)),
            WorkbookReader::Isolated(isolation) => sandbox::read_isolated(path, isolation, limits),
        }
    }

    /// Reads bytes already in memory (`name` gives the extension), in the sandbox when
    /// isolated.
    pub fn read_bytes(
        &self,
        bytes: &[u8],
        name: &str,
        limits: &Limits,
    ) -> Result<Result<RawWorkbook, IntakeError>, SandboxFault> {
        match self {
            WorkbookReader::InProcess => Ok(intake::read_bytes(bytes, name, limits)),
            WorkbookReader::Isolated(isolation) => {
                sandbox::read_isolated_bytes(bytes, name, isolation, limits)
            }
        }
    }
}

/// Reads one file into a submission. A bad file gives a submission whose diagnostics say
/// why; only a fault of gongwen itself (the reader process cannot run) is an `Err`.
pub fn read_submission(
    path: &Path,
    reader: &WorkbookReader,
    limits: &Limits,
) -> Result<Submission, SandboxFault> {
    let file = intake::file_name(path);
    // Hashed as a stream under the size limit, refused from its metadata first: a 2 GB file
    // costs neither memory nor a full read.
    let sha256 = match intake::sniff::sha256_bounded(path, limits) {
        Ok(sha256) => sha256,
        Err(failure) => {
            return Ok(failed(
                Source {
                    file,
                    sha256: String::new(),
                },
                &failure,
            ));
        }
    };
    let source = Source { file, sha256 };
    match reader.read(path, limits)? {
        Ok(book) => Ok(submission_from_workbook(&book, source, limits)),
        Err(failure) => Ok(failed(source, &failure)),
    }
}

/// What a file turned out to be: a county's filing, or a list gongwen's roll-up wrote
/// ([`crate::lists`]), which is read back for its totals and never taken for a filing.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(untagged)]
pub enum Reading {
    Filing(Submission),
    List(ListFile),
    /// A county's 整改进展表 returned ([`crate::progress`]): a report, not a filing.
    Progress(ProgressReport),
    /// A city's 整改进展汇总 returned.
    Review(ReviewReport),
}

impl Reading {
    fn from_returned(returned: Returned) -> Reading {
        match returned {
            Returned::Progress(report) => Reading::Progress(report),
            Returned::Review(report) => Reading::Review(report),
        }
    }
}

/// A roll-up list read back, as `check --json` prints it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ListFile {
    /// [`LIST_SCHEMA`].
    pub schema: String,
    pub source: Source,
    #[serde(flatten)]
    pub reading: lists::ListReading,
}

/// Schema identifier of a [`ListFile`].
pub const LIST_SCHEMA: &str = "gongwen.list/1";

/// Reads one file like [`read_submission`], but recognises a returned progress or review
/// workbook and a roll-up list first. `as_of` is the day taken as today (a 完成时间 after it
/// is an error).
pub fn read_file(
    path: &Path,
    reader: &WorkbookReader,
    limits: &Limits,
    as_of: chrono::NaiveDate,
) -> Result<Reading, SandboxFault> {
    let file = intake::file_name(path);
    let sha256 = match intake::sniff::sha256_bounded(path, limits) {
        Ok(sha256) => sha256,
        Err(failure) => {
            let source = Source {
                file,
                sha256: String::new(),
            };
            return Ok(Reading::Filing(failed(source, &failure)));
        }
    };
    let source = Source { file, sha256 };
    Ok(match reader.read(path, limits)? {
        Ok(book) => {
            if let Some(returned) = crate::progress::read::recognise(&book, &source, as_of) {
                return Ok(Reading::from_returned(returned));
            }
            match lists::recognise(&book) {
                Some(reading) => Reading::List(ListFile {
                    schema: LIST_SCHEMA.to_owned(),
                    source,
                    reading,
                }),
                None => Reading::Filing(submission_from_workbook(&book, source, limits)),
            }
        }
        Err(failure) => Reading::Filing(failed(source, &failure)),
    })
}

/// What the daemon takes from a dropped file.
#[derive(Debug, Clone, PartialEq)]
pub enum Intake {
    /// A county's filing (a roll-up list comes as a filing whose error says what it is).
    Filing(Submission),
    /// A progress or review workbook gongwen made, returned.
    Returned(Returned),
}

/// Reads a claimed file's bytes (from a checked handle) as the daemon takes them. `as_of` is
/// the day it is received.
pub fn intake_bytes(
    bytes: &[u8],
    source: Source,
    reader: &WorkbookReader,
    limits: &Limits,
    as_of: chrono::NaiveDate,
) -> Result<Intake, SandboxFault> {
    intake_bytes_with_book(bytes, source, reader, limits, as_of).map(|(intake, _)| intake)
}

/// [`intake_bytes`], with the workbook as read when it could be read: the daemon marks the
/// clerk's cells in it (the 批注版).
pub fn intake_bytes_with_book(
    bytes: &[u8],
    source: Source,
    reader: &WorkbookReader,
    limits: &Limits,
    as_of: chrono::NaiveDate,
) -> Result<(Intake, Option<RawWorkbook>), SandboxFault> {
    match reader.read_bytes(bytes, &source.file, limits)? {
        Ok(book) => Ok(
            match crate::progress::read::recognise(&book, &source, as_of) {
                Some(returned) => (Intake::Returned(returned), None),
                None => (
                    Intake::Filing(submission_from_workbook(&book, source, limits)),
                    Some(book),
                ),
            },
        ),
        Err(failure) => Ok((Intake::Filing(failed(source, &failure)), None)),
    }
}

/// Reads bytes already read (from a checked handle) into a submission named `source`; the
/// reader never opens a path of its own.
pub fn submission_from_bytes(
    bytes: &[u8],
    source: Source,
    reader: &WorkbookReader,
    limits: &Limits,
) -> Result<Submission, SandboxFault> {
    match reader.read_bytes(bytes, &source.file, limits)? {
        Ok(book) => Ok(submission_from_workbook(&book, source, limits)),
        Err(failure) => Ok(failed(source, &failure)),
    }
}

/// Finds the forms in a workbook already read, normalizes and validates them.
pub fn submission_from_workbook(book: &RawWorkbook, source: Source, limits: &Limits) -> Submission {
    if let Some(format) = crate::progress::read::report_format(book) {
        let what = if format == crate::progress::PROGRESS_FORMAT {
            "整改进展表（县（市、区）的整改进展报告）"
        } else {
            "整改进展汇总（设区市的销号核查）"
        };
        let mut submission = empty(source);
        submission.diagnostics.push(
            crate::diag::Diagnostic::new(
                crate::diag::Rule::ReportNotFiling,
                None,
                format!("这是gongwen生成的{what}，不是整改清单"),
            )
            .with_hint(
                "整改进展表和整改进展汇总请放入收件文件夹（inbox）报送；用 gongwen check 可先检查",
            ),
        );
        return submission;
    }
    if let Some(list) = lists::recognise(book) {
        let mut submission = empty(source);
        submission.diagnostics.push(rollup_list(&list));
        return submission;
    }
    let found = forms::find(book);
    if found.is_empty() {
        let mut submission = empty(source);
        submission.diagnostics.extend(book.notes());
        // A table whose header could not be read was found, and says so more precisely.
        if !found
            .diagnostics
            .iter()
            .any(crate::diag::Diagnostic::is_error)
        {
            submission.diagnostics.push(
                crate::diag::Diagnostic::new(
                    crate::diag::Rule::NoForms,
                    None,
                    "文件中没有找到整改清单或创建时间表",
                )
                .with_hint(format!(
                    "请使用通知附件的表格：表头应有“{}”等列",
                    crate::notice::SCHOOL_LIST.headers().join("、")
                )),
            );
        }
        submission
            .diagnostics
            .extend(found.diagnostics.iter().cloned());
        return submission;
    }
    let mut normalized = normalize::normalize_typed(&found, source, limits, book.format.into());
    // What the form finder could not read, or left out, is sorted with the rest by validate.
    normalized
        .submission
        .diagnostics
        .extend(found.diagnostics.iter().cloned());
    validate::validate(&mut normalized);
    // What reading left out (stray cells far from the table) comes first, as it happened first.
    let mut submission = normalized.submission;
    let mut diagnostics = book.notes();
    diagnostics.append(&mut submission.diagnostics);
    submission.diagnostics = diagnostics;
    submission
}

/// The error of a roll-up list given where a county's filing is expected.
fn rollup_list(list: &lists::ListReading) -> crate::diag::Diagnostic {
    let owner = if list.is_province() {
        "全省".to_owned()
    } else if list.cities.is_empty() {
        list.unit.clone()
    } else {
        list.cities.join("、")
    };
    crate::diag::Diagnostic::new(
        crate::diag::Rule::RollupList,
        None,
        format!("这是汇总生成的{owner}整改清单，不是县（市、区）的报送"),
    )
    .with_hint("请报送本县（市、区）填写的附件1、附件2（可用 gongwen template 生成的模板填写）")
}

pub fn empty(source: Source) -> Submission {
    Submission {
        schema: SUBMISSION_SCHEMA.to_owned(),
        source,
        county: None,
        filed_on: None,
        plan_year: None,
        schools: Vec::new(),
        county_items: Vec::new(),
        diagnostics: Vec::new(),
    }
}

fn failed(source: Source, failure: &IntakeError) -> Submission {
    let mut submission = empty(source);
    submission.diagnostics.push(failure.diagnostic());
    submission
}

/// A document made for the outbox: its file name and bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedFile {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// Writes a job's files into `dir` together with [`crate::archive::write_atomic_all`] and
/// returns their paths, in order.
pub fn write_rendered(dir: &Path, files: &[RenderedFile]) -> std::io::Result<Vec<PathBuf>> {
    let paths: Vec<PathBuf> = files.iter().map(|f| dir.join(&f.name)).collect();
    let batch: Vec<(&Path, &[u8])> = paths
        .iter()
        .zip(files)
        .map(|(path, f)| (path.as_path(), f.bytes.as_slice()))
        .collect();
    crate::archive::write_atomic_all(&batch)?;
    Ok(paths)
}
