//! One file through the steps: intake → forms → normalize → validate (and, in later stages,
//! render → archive). No loops, no sleeping, no printing: callers decide what to show.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::intake::sandbox::{self, Isolation, SandboxFault};
use crate::intake::{self, IntakeError, Limits, RawWorkbook, forms};
use crate::model::{SUBMISSION_SCHEMA, Source, Submission};
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
}

/// Reads one file into a submission. A bad file gives a submission whose diagnostics say
/// why; only a fault of gongwen itself (the reader process cannot run) is an `Err`.
pub fn read_submission(
    path: &Path,
    reader: &WorkbookReader,
    limits: &Limits,
) -> Result<Submission, SandboxFault> {
    let file = intake::file_name(path);
    let sha256 = match std::fs::read(path) {
        Ok(bytes) => hex::encode(Sha256::digest(&bytes)),
        Err(err) => {
            let failure = IntakeError::Io {
                detail: err.to_string(),
            };
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
        Ok(book) => Ok(submission_from_workbook(&book, source)),
        Err(failure) => Ok(failed(source, &failure)),
    }
}

/// Finds the forms in a workbook already read, normalizes and validates them.
pub fn submission_from_workbook(book: &RawWorkbook, source: Source) -> Submission {
    let found = forms::find(book);
    if found.is_empty() {
        let mut submission = empty(source);
        submission.diagnostics.push(
            crate::diag::Diagnostic::new(crate::diag::Rule::NoForms, None, "文件中没有找到整改清单或创建时间表")
                .with_hint("请使用通知附件的表格：表头应有“学校名称、存在不足情况、整改提升措施、完成时限”等列"),
        );
        return submission;
    }
    let mut normalized = normalize::normalize(&found, source);
    validate::validate(&mut normalized);
    normalized.submission
}

fn empty(source: Source) -> Submission {
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

/// What the daemon renders. Implemented over the typst and docx backends; tests may supply
/// their own.
pub trait Outputs {
    /// One county's documents, for `outbox/<市>/<县>/`, and the warnings rendering raised
    /// about the clerk's text (characters no font covers).
    fn county(
        &mut self,
        submission: &Submission,
    ) -> Result<(Vec<RenderedFile>, Vec<crate::diag::Diagnostic>), String>;
    /// One city's documents from its counties' latest submissions, for `outbox/<市>/`.
    fn city(&mut self, city: &str, submissions: &[Submission])
    -> Result<Vec<RenderedFile>, String>;
    /// The province summary, for `outbox/`.
    fn province(&mut self, submissions: &[Submission]) -> Result<Vec<RenderedFile>, String>;
}

/// A fault of gongwen or its machine, not of a file: the daemon stops on it.
#[derive(Debug, thiserror::Error)]
pub enum DaemonFault {
    #[error("{what}: {source}")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Sandbox(#[from] SandboxFault),
}

fn io_fault(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> DaemonFault {
    let what = what.into();
    move |source| DaemonFault::Io { what, source }
}

/// A file taken from the inbox into the work folder.
#[derive(Debug, Clone)]
pub struct Claimed {
    /// Where the file is now, under `work/`.
    pub path: std::path::PathBuf,
    /// Where it was dropped, relative to the inbox.
    pub original: String,
    /// An exclusive lock on the claim, held while the file is processed, so another daemon's
    /// recovery leaves it alone; the system releases it if this process dies.
    pub lock: Option<std::sync::Arc<std::fs::File>>,
}

/// Takes claimed files through reading, rendering and archiving, one at a time.
pub struct Processor<O: Outputs> {
    pub layout: crate::archive::Layout,
    pub reader: WorkbookReader,
    pub limits: Limits,
    pub outputs: O,
    /// What the status page (`outbox/index.html`) needs: the deadlines.
    pub status: crate::status::StatusOptions,
}

/// One manifest per archived original: what went in, what came out.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Manifest {
    pub schema: String,
    pub sha256: String,
    pub original: String,
    pub accepted_at: String,
    pub gongwen_version: String,
    pub inputs: Vec<HashedFile>,
    pub outputs: Vec<HashedFile>,
    /// Every time these bytes were dropped.
    pub drops: Vec<Drop>,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct HashedFile {
    pub path: String,
    pub sha256: String,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Drop {
    pub file: String,
    pub at: String,
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn now_rfc3339() -> String {
    chrono::Local::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
}

fn now_compact() -> String {
    chrono::Local::now().format("%Y%m%d-%H%M%S").to_string()
}

/// File names may come from anywhere; keep them to one safe path component.
fn safe_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| {
            if matches!(c, '/' | '\\' | '\0') || c.is_control() {
                '_'
            } else {
                c
            }
        })
        .collect();
    let trimmed = cleaned.trim_start_matches('.');
    if trimmed.is_empty() {
        "_".to_owned()
    } else {
        trimmed.to_owned()
    }
}

impl<O: Outputs> Processor<O> {
    /// Processes one claimed file to its end: archived with its documents, or rejected with
    /// its reasons, then rewrites the status page. Every step is idempotent, so a file found
    /// in `work/` after a crash is simply processed again.
    pub fn process(&mut self, claimed: &Claimed) -> Result<crate::receipt::Receipt, DaemonFault> {
        let receipt = self.process_file(claimed)?;
        self.refresh_status();
        Ok(receipt)
    }

    /// Rewrites `outbox/index.html` from the archive, under the archive lock so two daemons
    /// never write an older view over a newer one. A failure is logged, not fatal: the page
    /// is a view of the archive, which stays the record.
    pub fn refresh_status(&self) {
        let today = chrono::Local::now().date_naive();
        let written = self
            .layout
            .lock()
            .and_then(|_guard| crate::status::write(&self.layout, &self.status, today));
        if let Err(error) = written {
            tracing::error!(%error, "cannot write the status page outbox/index.html");
        }
    }

    fn process_file(&mut self, claimed: &Claimed) -> Result<crate::receipt::Receipt, DaemonFault> {
        use crate::receipt::{Receipt, Verdict};

        let layout = self.layout.clone();
        let bytes = std::fs::read(&claimed.path).map_err(io_fault(format!(
            "reading claimed {}",
            claimed.path.display()
        )))?;
        let sha = sha256_hex(&bytes);
        let received_at = now_rfc3339();
        let name = safe_name(&intake::file_name(Path::new(&claimed.original)));

        // The same bytes, already accepted: say so and render nothing.
        if layout.done_marker(&sha).exists() {
            let _guard = layout.lock().map_err(io_fault("locking the archive"))?;
            let dir = layout.archived(&sha);
            let submission: Submission = read_json(&dir.join("submission.json"))?;
            let mut manifest: Manifest = read_json(&dir.join("manifest.json"))?;
            let mut receipt = Receipt::for_submission(
                &claimed.original,
                &received_at,
                Verdict::Duplicate,
                &submission,
                &layout.relative(&dir),
            );
            receipt.duplicate_of =
                Some(format!("{}（{}）", manifest.accepted_at, manifest.original));
            manifest.drops.push(Drop {
                file: claimed.original.clone(),
                at: received_at.clone(),
            });
            crate::archive::write_json(&dir.join("manifest.json"), &manifest)
                .map_err(io_fault("updating a manifest"))?;
            self.write_receipt(&receipt, &sha, &name, None)?;
            remove_claim(&claimed.path)?;
            return Ok(receipt);
        }

        let submission = read_submission(&claimed.path, &self.reader, &self.limits)?;
        let mut submission = Submission {
            source: Source {
                file: name.clone(),
                sha256: sha.clone(),
            },
            ..submission
        };

        let county_docs = if submission.has_errors() {
            None
        } else {
            match self.outputs.county(&submission) {
                Ok((docs, warnings)) => {
                    submission.diagnostics.extend(warnings);
                    Some(docs)
                }
                Err(err) => {
                    tracing::error!(file = %claimed.original, error = %err, "rendering failed; rejecting the file");
                    let mut rejected = submission.clone();
                    rejected.diagnostics.push(
                        crate::diag::Diagnostic::new(
                            crate::diag::Rule::FileCorrupt,
                            None,
                            "生成文档时出现内部错误，文件未被受理",
                        )
                        .with_hint("这不是表格的问题，请联系系统管理员并提供本回执"),
                    );
                    return self.reject(claimed, rejected, &sha, &name, &received_at);
                }
            }
        };
        let Some(county_docs) = county_docs else {
            return self.reject(claimed, submission, &sha, &name, &received_at);
        };
        let Some(county) = submission.county.clone() else {
            return self.reject(claimed, submission, &sha, &name, &received_at);
        };

        // Archive first: once the original and everything made from it are kept, the rest can
        // be redone from the archive alone.
        let dir = layout.archived(&sha);
        crate::archive::write_atomic(&dir.join(&name), &bytes)
            .map_err(io_fault("archiving the original"))?;
        crate::archive::write_json(&dir.join("submission.json"), &submission)
            .map_err(io_fault("archiving the submission"))?;
        let archived = write_rendered(&dir.join("documents"), &county_docs)
            .map_err(io_fault("archiving a document"))?;
        let outputs: Vec<HashedFile> = archived
            .iter()
            .zip(&county_docs)
            .map(|(path, doc)| HashedFile {
                path: layout.relative(path),
                sha256: sha256_hex(&doc.bytes),
            })
            .collect();
        let manifest = Manifest {
            schema: "gongwen.manifest/1".to_owned(),
            sha256: sha.clone(),
            original: name.clone(),
            accepted_at: received_at.clone(),
            gongwen_version: env!("CARGO_PKG_VERSION").to_owned(),
            inputs: vec![HashedFile {
                path: layout.relative(&dir.join(&name)),
                sha256: sha.clone(),
            }],
            outputs,
            drops: vec![Drop {
                file: claimed.original.clone(),
                at: received_at.clone(),
            }],
        };
        crate::archive::write_json(&dir.join("manifest.json"), &manifest)
            .map_err(io_fault("writing a manifest"))?;

        let _guard = layout.lock().map_err(io_fault("locking the archive"))?;
        let mut state =
            crate::archive::State::load(&layout).map_err(io_fault("reading archive/state.json"))?;
        let previous = state
            .accepted
            .get(&county.code)
            .filter(|e| e.sha256 != sha)
            .and_then(|e| {
                read_json::<Submission>(&layout.archived(&e.sha256).join("submission.json")).ok()
            });

        // The county's latest documents replace its earlier ones in the outbox.
        let county_dir = layout.outbox.join(&county.city).join(&county.name);
        let paths =
            write_rendered(&county_dir, &county_docs).map_err(io_fault("writing to the outbox"))?;
        let written: Vec<_> = paths.iter().map(|path| layout.relative(path)).collect();
        remove_stale(
            &county_dir,
            &county_docs
                .iter()
                .map(|d| d.name.clone())
                .chain(["回执.txt".to_owned()])
                .collect::<Vec<_>>(),
        )?;

        let verdict = if submission.has_warnings() {
            Verdict::AcceptedWithWarnings
        } else {
            Verdict::Accepted
        };
        let mut receipt = Receipt::for_submission(
            &claimed.original,
            &received_at,
            verdict,
            &submission,
            &layout.relative(&dir.join(&name)),
        );
        receipt.changes = previous
            .as_ref()
            .map(|p| crate::receipt::changes(p, &submission));
        receipt.outputs = written;

        let receipt_path = self.write_receipt(&receipt, &sha, &name, Some(&county_dir))?;
        state.accepted.insert(
            county.code.clone(),
            crate::archive::Entry {
                sha256: sha.clone(),
                file: claimed.original.clone(),
                at: received_at.clone(),
                receipt: receipt_path,
                warnings: submission.diagnostics.len(),
            },
        );
        state
            .save(&layout)
            .map_err(io_fault("writing archive/state.json"))?;
        self.rebuild_rollups(&state, Some(&county.city))?;
        std::fs::write(layout.done_marker(&sha), b"")
            .map_err(io_fault("marking the archive entry done"))?;
        remove_claim(&claimed.path)?;
        Ok(receipt)
    }

    fn reject(
        &mut self,
        claimed: &Claimed,
        submission: Submission,
        sha: &str,
        name: &str,
        received_at: &str,
    ) -> Result<crate::receipt::Receipt, DaemonFault> {
        use crate::receipt::{Receipt, Verdict};
        let layout = self.layout.clone();
        let kept = layout.rejected.join(rejected_name(name, sha));
        let receipt = Receipt::for_submission(
            &claimed.original,
            received_at,
            Verdict::Rejected,
            &submission,
            &layout.relative(&kept),
        );
        // The receipt goes beside the kept file first; the file follows by rename, so a crash
        // in between leaves the file in work/ to be rejected again.
        let beside = kept.with_file_name(format!("{}.回执.txt", intake::file_name(&kept)));
        crate::archive::write_atomic(&beside, receipt.to_text().as_bytes())
            .map_err(io_fault("writing a receipt"))?;
        crate::archive::write_json(&beside.with_extension("json"), &receipt)
            .map_err(io_fault("writing a receipt"))?;
        let receipt_path = self.write_receipt(&receipt, sha, name, None)?;
        if let Some(county) = &submission.county {
            let _guard = layout.lock().map_err(io_fault("locking the archive"))?;
            let mut state = crate::archive::State::load(&layout)
                .map_err(io_fault("reading archive/state.json"))?;
            state.rejected.insert(
                county.code.clone(),
                crate::archive::Entry {
                    sha256: sha.to_owned(),
                    file: claimed.original.clone(),
                    at: received_at.to_owned(),
                    receipt: receipt_path,
                    warnings: submission.diagnostics.len(),
                },
            );
            state
                .save(&layout)
                .map_err(io_fault("writing archive/state.json"))?;
        }
        std::fs::rename(&claimed.path, &kept).map_err(io_fault("moving a rejected file"))?;
        crate::archive::sync_dir(&layout.rejected).map_err(io_fault("syncing rejected/"))?;
        remove_claim(&claimed.path)?;
        Ok(receipt)
    }

    /// Writes a receipt to `outbox/回执/` (text and JSON), and as `回执.txt` in the county's
    /// folder when given. Returns the text receipt's path relative to the root.
    fn write_receipt(
        &self,
        receipt: &crate::receipt::Receipt,
        sha: &str,
        name: &str,
        county_dir: Option<&Path>,
    ) -> Result<String, DaemonFault> {
        let stem = format!("{}_{}_{name}", now_compact(), &sha[..8.min(sha.len())]);
        let text_path = self
            .layout
            .outbox
            .join("回执")
            .join(format!("{stem}.回执.txt"));
        let text = receipt.to_text();
        crate::archive::write_atomic(&text_path, text.as_bytes())
            .map_err(io_fault("writing a receipt"))?;
        crate::archive::write_json(&text_path.with_extension("json"), receipt)
            .map_err(io_fault("writing a receipt"))?;
        if let Some(dir) = county_dir {
            crate::archive::write_atomic(&dir.join("回执.txt"), text.as_bytes())
                .map_err(io_fault("writing a receipt"))?;
        }
        if receipt.verdict != crate::receipt::Verdict::Rejected {
            let archived = self
                .layout
                .archived(sha)
                .join("receipts")
                .join(format!("{stem}.回执.txt"));
            crate::archive::write_atomic(&archived, text.as_bytes())
                .map_err(io_fault("archiving a receipt"))?;
        }
        Ok(self.layout.relative(&text_path))
    }

    /// Rebuilds a city's documents (or every city's when `city` is `None`) and the province
    /// summary from the latest accepted file of every county.
    pub fn rebuild_rollups(
        &mut self,
        state: &crate::archive::State,
        city: Option<&str>,
    ) -> Result<(), DaemonFault> {
        let mut latest: Vec<Submission> = Vec::new();
        for entry in state.accepted.values() {
            latest.push(read_json(
                &self.layout.archived(&entry.sha256).join("submission.json"),
            )?);
        }
        let mut cities: Vec<String> = latest
            .iter()
            .filter_map(|s| s.county.as_ref().map(|c| c.city.clone()))
            .collect();
        cities.sort();
        cities.dedup();
        for name in cities
            .iter()
            .filter(|c| city.is_none_or(|only| only == c.as_str()))
        {
            let of_city: Vec<Submission> = latest
                .iter()
                .filter(|s| s.county.as_ref().is_some_and(|c| &c.city == name))
                .cloned()
                .collect();
            match self.outputs.city(name, &of_city) {
                Ok(docs) => self.write_outbox_files(&self.layout.outbox.join(name), &docs)?,
                Err(err) => tracing::error!(city = %name, error = %err, "city roll-up failed"),
            }
        }
        if !latest.is_empty() {
            match self.outputs.province(&latest) {
                Ok(docs) => self.write_outbox_files(&self.layout.outbox, &docs)?,
                Err(err) => tracing::error!(error = %err, "province summary failed"),
            }
        }
        Ok(())
    }

    fn write_outbox_files(&self, dir: &Path, docs: &[RenderedFile]) -> Result<(), DaemonFault> {
        write_rendered(dir, docs)
            .map(|_| ())
            .map_err(io_fault("writing to the outbox"))
    }
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

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, DaemonFault> {
    let bytes = std::fs::read(path).map_err(io_fault(format!("reading {}", path.display())))?;
    serde_json::from_slice(&bytes).map_err(|e| DaemonFault::Io {
        what: format!("parsing {}", path.display()),
        source: std::io::Error::other(e),
    })
}

/// `name_<sha8>.ext`: kept names never collide, and the same bytes map to the same name.
fn rejected_name(name: &str, sha: &str) -> String {
    let path = Path::new(name);
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let short = &sha[..8.min(sha.len())];
    match path.extension() {
        Some(ext) => format!("{stem}_{short}.{}", ext.to_string_lossy()),
        None => format!("{stem}_{short}"),
    }
}

/// Removes files of a county folder that the newer submission no longer makes (an 附件2
/// dropped, say). Only regular files directly in the folder.
fn remove_stale(dir: &Path, keep: &[String]) -> Result<(), DaemonFault> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(());
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if entry.path().is_file() && !keep.contains(&name) {
            std::fs::remove_file(entry.path())
                .map_err(io_fault("removing a superseded document"))?;
        }
    }
    Ok(())
}

/// Removes a claimed file (if still there) and its claim folder.
fn remove_claim(path: &Path) -> Result<(), DaemonFault> {
    match std::fs::remove_file(path) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => {
            return Err(DaemonFault::Io {
                what: "removing a processed file".into(),
                source: e,
            });
        }
    }
    if let Some(dir) = path.parent() {
        let _ = std::fs::remove_file(dir.join(crate::watch::CLAIM_FILE));
        let _ = std::fs::remove_dir(dir);
    }
    Ok(())
}
