//! One claimed file to its end: opened safely, read in the sandbox, rendered by [`Outputs`],
//! archived with its documents, or rejected with its reasons; then the roll-ups and the status
//! page. Every step is idempotent, so a file found in `work/` after a crash is simply
//! processed again.
//!
//! Two kinds of failure are told apart everywhere: a file's name or content fails that file
//! (it goes to `rejected/` with a receipt, and the daemon goes on); a fault of gongwen or its
//! machine ([`DaemonFault`]: the archive cannot be written, fonts or templates are broken, the
//! sandbox cannot start) stops the daemon with the file kept in `work/`.

use std::path::Path;

use sha2::{Digest, Sha256};

use crate::archive::Layout;
use crate::calendar::Timestamp;
use crate::diag::{Diagnostic, Rule};
use crate::intake::sandbox::SandboxFault;
use crate::intake::{IntakeError, Limits};
use crate::model::{Source, Submission};
use crate::pipeline::{self, Intake, RenderedFile, WorkbookReader, write_rendered};
use crate::progress::{self, read::Returned};
use crate::receipt::{ItemLine, OverdueLine, Receipt, Verdict};
use crate::render::renderer::{PlacedRendered, Rendered, Tracking};
use crate::tracking::{ItemId, Ledger, ListChanges};

use super::claim::{self, Claimed, MAX_ATTEMPTS, Opened};
use super::names;

/// What the daemon renders: implemented over the in-process renderer (tests) and the
/// isolated render worker (the daemon).
pub trait Outputs {
    /// One county's documents, for `outbox/<市>/<县>/`, with the warnings rendering raised
    /// about the clerk's text (characters no font covers).
    fn county(&mut self, submission: &Submission) -> Result<Rendered, RenderFailure>;
    /// One city's documents from its counties' latest submissions, for `outbox/<市>/`.
    fn city(&mut self, city: &str, submissions: &[Submission]) -> Result<Rendered, RenderFailure>;
    /// The province summary, for `outbox/`.
    fn province(&mut self, submissions: &[Submission]) -> Result<Rendered, RenderFailure>;
    /// [`Outputs::city`] with the city's 倒逼 documents, some for its counties' folders.
    fn city_tracked(
        &mut self,
        city: &str,
        submissions: &[Submission],
        tracking: &Tracking,
    ) -> Result<PlacedRendered, RenderFailure>;
    /// [`Outputs::province`] with the 挂图 and the 年度考核.
    fn province_tracked(
        &mut self,
        submissions: &[Submission],
        tracking: &Tracking,
    ) -> Result<Rendered, RenderFailure>;
}

/// Why documents could not be made.
#[derive(Debug, Clone, thiserror::Error)]
pub enum RenderFailure {
    /// What the clerk wrote cannot be made into documents within the limits (the render ran
    /// out of memory or time, or died on it): that file is rejected with this diagnostic.
    #[error("{}", .0.message)]
    File(Diagnostic),
    /// gongwen's own fault (templates, fonts, the render worker cannot start): the daemon
    /// stops, the file stays in `work/`.
    #[error("{0}")]
    Fault(String),
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
    #[error("rendering: {0}")]
    Render(String),
}

fn io_fault(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> DaemonFault {
    let what = what.into();
    move |source| DaemonFault::Io { what, source }
}

/// Takes claimed files through reading, rendering and archiving, one at a time.
pub struct Processor<O: Outputs> {
    pub layout: Layout,
    pub reader: WorkbookReader,
    pub limits: Limits,
    pub outputs: O,
    /// What the status page (`outbox/index.html`) needs: the deadlines, and the clock that
    /// also dates receipts (China time unless configured otherwise).
    pub status: crate::status::StatusOptions,
}

/// One manifest per archived original: what went in, what came out, and every name the bytes
/// were dropped under.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Manifest {
    pub schema: String,
    pub sha256: String,
    /// Where the original is kept in the entry's folder: always `original.<ext>`, whatever the
    /// clerk called it (version 1 kept the dropped name here).
    pub original: String,
    pub accepted_at: Timestamp,
    pub gongwen_version: String,
    pub inputs: Vec<HashedFile>,
    pub outputs: Vec<HashedFile>,
    /// Every time these bytes were dropped, under the name they had.
    pub drops: Vec<Dropped>,
}

pub const MANIFEST_SCHEMA: &str = "gongwen.manifest/2";

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct HashedFile {
    pub path: String,
    pub sha256: String,
}

/// One drop of a file: the name it had in the inbox (relative, as the clerk named it) and when.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Dropped {
    pub file: String,
    pub at: Timestamp,
    /// The claim that took it in (`work/<claim>/`): a drop finished again after a crash is
    /// recognised by it and not recorded twice. Absent in manifests of earlier versions.
    #[serde(default)]
    pub claim: Option<String>,
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// A file read from its claim: its bytes and their hash.
/// What the 批注版 is made from: the bytes as dropped and the workbook as read.
#[derive(Clone, Copy)]
struct Marking<'a> {
    bytes: &'a [u8],
    book: &'a crate::intake::RawWorkbook,
}

struct ReadFile {
    bytes: Vec<u8>,
    sha: String,
    /// The workbook as read, when it could be: what the 批注版 marks.
    book: Option<crate::intake::RawWorkbook>,
}

impl ReadFile {
    fn marking(&self) -> Option<Marking<'_>> {
        self.book.as_ref().map(|book| Marking {
            bytes: &self.bytes,
            book,
        })
    }
}

impl<O: Outputs> Processor<O> {
    /// Processes one claimed file to its end: archived with its documents, or rejected with
    /// its reasons, then rewrites the status page.
    pub fn process(&mut self, claimed: &mut Claimed) -> Result<Receipt, DaemonFault> {
        let result = self.process_file(claimed);
        if result.is_err() {
            // Our own fault, not the file's: the attempt does not count towards quarantine.
            claimed.abandon_attempt();
        }
        self.refresh_status();
        result
    }

    /// Rewrites `outbox/index.html` from the archive, under the archive lock so two daemons
    /// never write an older view over a newer one. A failure is logged, not fatal: the page
    /// is a view of the archive, which stays the record.
    pub fn refresh_status(&self) {
        let today = self.status.clock.today();
        let written = self
            .layout
            .lock()
            .and_then(|_guard| crate::status::write(&self.layout, &self.status, today));
        if let Err(error) = written {
            tracing::error!(%error, "cannot write the status page outbox/index.html");
        }
    }

    /// Counties whose list was accepted before items were tracked (an archive from an
    /// earlier version) get their ledger from that archived list, dated the day it was
    /// accepted, and their progress workbooks; done once, at start, under the archive lock.
    pub fn track_earlier_filings(&mut self) -> Result<(), DaemonFault> {
        let layout = self.layout.clone();
        let _guard = layout.lock().map_err(io_fault("locking the archive"))?;
        let state =
            crate::archive::State::load(&layout).map_err(io_fault("reading archive/state.json"))?;
        let mut cities = std::collections::BTreeSet::new();
        for (code, entry) in &state.accepted {
            if Ledger::load(&layout, code)
                .map_err(io_fault("reading a county's ledger"))?
                .is_some()
            {
                continue;
            }
            let submission: Submission =
                read_json(&layout.archived(&entry.sha256).join("submission.json"))?;
            let Some(county) = submission.county.clone() else {
                continue;
            };
            let mut ledger = Ledger::new(county.clone());
            ledger.apply_list(&submission, entry.at.date());
            ledger
                .save(&layout)
                .map_err(io_fault("writing a county's ledger"))?;
            progress::write_progress(&layout, &ledger, self.status.clock.today())
                .map_err(io_fault("writing a progress workbook"))?;
            tracing::info!(county = %county.name, items = ledger.items.len(), "items of an earlier list now tracked");
            cities.insert(county.city);
        }
        if !cities.is_empty() {
            let all = Ledger::load_all(&layout).map_err(io_fault("reading the ledgers"))?;
            for city in &cities {
                let of_city = progress::city_ledgers(&all, city);
                progress::write_review(&layout, city, &of_city, self.status.clock.today())
                    .map_err(io_fault("writing a review workbook"))?;
            }
        }
        Ok(())
    }

    fn process_file(&mut self, claimed: &mut Claimed) -> Result<Receipt, DaemonFault> {
        let received_at = claimed
            .received_at(self.status.clock.stamp())
            .map_err(io_fault("recording when a file was received in work/"))?;
        let name = names::component(&claimed.dropped_name());

        if claimed.attempts >= MAX_ATTEMPTS {
            let diagnostic = Diagnostic::new(
                Rule::Quarantined,
                None,
                format!("处理此文件时程序已{}次意外中止，文件已隔离，未被受理", claimed.attempts),
            )
            .with_hint("请用Excel或WPS打开文件，“另存为”.xlsx后重新提交；如仍不能受理，请联系系统管理员并提供本回执");
            tracing::error!(file = ?claimed.original, attempts = claimed.attempts, "quarantined: processing this file stopped the daemon before");
            return self.reject_unread(claimed, &name, received_at, diagnostic);
        }
        claimed
            .begin_attempt()
            .map_err(io_fault("recording a processing attempt in work/"))?;

        let read = match self.read_claimed(claimed) {
            Ok(read) => read,
            Err(diagnostic) => return self.reject_unread(claimed, &name, received_at, diagnostic),
        };
        // The same bytes are processed by one daemon at a time, so two copies dropped under two
        // names are one acceptance and one duplicate, never two acceptances.
        let _same_bytes = self
            .layout
            .lock_content(&read.sha)
            .map_err(io_fault("locking an archive entry"))?;
        if self.layout.done_marker(&read.sha).exists() {
            return self.duplicate(claimed, &read.sha, &name, received_at);
        }

        let source = Source {
            file: name.clone(),
            sha256: read.sha.clone(),
        };
        let as_of = self.status.clock.today();
        let (intake, book) = pipeline::intake_bytes_with_book(
            &read.bytes,
            source,
            &self.reader,
            &self.limits,
            as_of,
        )?;
        let mut read = read;
        read.book = book;
        let mut submission = match intake {
            Intake::Filing(submission) => submission,
            Intake::Returned(Returned::Progress(report)) => {
                return self.take_progress(claimed, report, &read, &name, received_at);
            }
            Intake::Returned(Returned::Review(report)) => {
                return self.take_review(claimed, report, &read, &name, received_at);
            }
        };
        if submission.has_errors() {
            return self.reject_marking(
                claimed,
                submission,
                &read.sha,
                &name,
                received_at,
                read.marking(),
            );
        }
        // The items get their IDs before the documents are made, so the documents and the
        // archived submission carry them; the ledger itself is changed under the lock.
        if let Some(county) = &submission.county {
            let mut preview = self.ledger(county)?;
            let ids = preview.apply_list(&submission, as_of).ids;
            set_ids(&mut submission, &ids);
        }
        let county_docs = match self.outputs.county(&submission) {
            Ok(rendered) => {
                for warning in &rendered.typst_warnings {
                    tracing::warn!(file = ?claimed.original, %warning, "template warning");
                }
                submission.diagnostics.extend(rendered.diagnostics);
                rendered.files
            }
            Err(RenderFailure::File(diagnostic)) => {
                tracing::warn!(file = ?claimed.original, reason = %diagnostic.message, "rendering failed on this file");
                submission.diagnostics.push(diagnostic);
                return self.reject_marking(
                    claimed,
                    submission,
                    &read.sha,
                    &name,
                    received_at,
                    read.marking(),
                );
            }
            Err(RenderFailure::Fault(fault)) => return Err(DaemonFault::Render(fault)),
        };
        let Some(county) = submission.county.clone() else {
            return self.reject_marking(
                claimed,
                submission,
                &read.sha,
                &name,
                received_at,
                read.marking(),
            );
        };
        self.accept(
            claimed,
            submission,
            &county,
            &county_docs,
            &read,
            received_at,
        )
    }

    /// Opens the claimed file without following links or blocking, checks its size from the
    /// handle before reading a byte, and reads it once from that handle.
    fn read_claimed(&self, claimed: &Claimed) -> Result<ReadFile, Diagnostic> {
        let limit = self.limits.max_file_bytes;
        let too_large = || IntakeError::TooLarge { limit }.diagnostic();
        match claim::open_claimed(&claimed.path) {
            Opened::Regular { len, .. } if len > limit => Err(too_large()),
            Opened::Regular { file, len } => match claim::read_bounded(file, len, limit) {
                Ok(Some(bytes)) => Ok(ReadFile {
                    sha: sha256_hex(&bytes),
                    bytes,
                    book: None,
                }),
                Ok(None) => Err(too_large()),
                Err(error) => Err(unreadable(&error)),
            },
            Opened::NotRegular { kind } => Err(Diagnostic::new(
                Rule::FileNotRegular,
                None,
                format!("提交的不是普通文件（{}），未读取", kind_zh(kind)),
            )
            .with_hint("请把表格文件本身复制到收件文件夹，不要放快捷方式、链接或管道文件")),
            Opened::Unreadable(error) => Err(unreadable(&error)),
        }
    }

    /// Rejects a file whose bytes were never read (not a regular file, unreadable, too large,
    /// quarantined).
    fn reject_unread(
        &mut self,
        claimed: &Claimed,
        name: &str,
        received_at: Timestamp,
        diagnostic: Diagnostic,
    ) -> Result<Receipt, DaemonFault> {
        let mut submission = pipeline::empty(Source {
            file: name.to_owned(),
            sha256: String::new(),
        });
        submission.diagnostics.push(diagnostic);
        let identity = claimed.identity();
        self.reject(claimed, submission, &identity, name, received_at)
    }

    fn duplicate(
        &mut self,
        claimed: &Claimed,
        sha: &str,
        name: &str,
        received_at: Timestamp,
    ) -> Result<Receipt, DaemonFault> {
        let layout = self.layout.clone();
        let _guard = layout.lock().map_err(io_fault("locking the archive"))?;
        let dir = layout.archived(sha);
        let mut manifest: Manifest = read_json(&dir.join("manifest.json"))?;
        // The drop may already be recorded: the daemon stopped after recording it and before
        // removing its claim. Then it is finished, not recorded again.
        let claim = claimed.id();
        let recorded = manifest
            .drops
            .iter()
            .position(|d| d.claim.as_deref() == Some(claim.as_str()));
        if recorded == Some(0) {
            // This claim is the acceptance itself, whose receipt and outbox were written
            // before the entry was marked done.
            let kept = layout.relative(&dir.join(&manifest.original));
            let receipt = entry_receipt(&dir, &claimed.original, received_at, None, &kept)?;
            remove_claim(claimed)?;
            return Ok(receipt);
        }
        let mut receipt = entry_receipt(
            &dir,
            &claimed.original,
            received_at,
            Some(Verdict::Duplicate),
            &layout.relative(&dir),
        )?;
        let first = manifest
            .drops
            .first()
            .map_or(manifest.original.as_str(), |d| d.file.as_str());
        receipt.duplicate_of = Some(format!("{}（{first}）", manifest.accepted_at));
        if recorded.is_none() {
            manifest.drops.push(Dropped {
                file: claimed.original.clone(),
                at: received_at,
                claim: Some(claim),
            });
            crate::archive::write_json(&dir.join("manifest.json"), &manifest)
                .map_err(io_fault("updating a manifest"))?;
        }
        // Named by its time, hash and name: written again after a crash, it replaces itself.
        self.write_receipt(&receipt, sha, name, None)?;
        remove_claim(claimed)?;
        Ok(receipt)
    }

    fn accept(
        &mut self,
        claimed: &Claimed,
        submission: Submission,
        county: &crate::model::CountyRef,
        county_docs: &[RenderedFile],
        read: &ReadFile,
        received_at: Timestamp,
    ) -> Result<Receipt, DaemonFault> {
        let layout = self.layout.clone();
        let sha = &read.sha;
        // Archive first: once the original and everything made from it are kept, the rest can
        // be redone from the archive alone. The original goes under a fixed name, so no name a
        // clerk chooses can overwrite gongwen's own files.
        let dir = layout.archived(sha);
        let stored = names::stored_original(&claimed.original);
        crate::archive::write_atomic(&dir.join(&stored), &read.bytes)
            .map_err(io_fault("archiving the original"))?;
        crate::archive::write_json(&dir.join("submission.json"), &submission)
            .map_err(io_fault("archiving the submission"))?;
        let archived = write_rendered(&dir.join("documents"), county_docs)
            .map_err(io_fault("archiving a document"))?;
        let outputs: Vec<HashedFile> = archived
            .iter()
            .zip(county_docs)
            .map(|(path, doc)| HashedFile {
                path: layout.relative(path),
                sha256: sha256_hex(&doc.bytes),
            })
            .collect();
        let manifest = Manifest {
            schema: MANIFEST_SCHEMA.to_owned(),
            sha256: sha.clone(),
            original: stored.clone(),
            accepted_at: received_at,
            gongwen_version: env!("CARGO_PKG_VERSION").to_owned(),
            inputs: vec![HashedFile {
                path: layout.relative(&dir.join(&stored)),
                sha256: sha.clone(),
            }],
            outputs,
            drops: vec![Dropped {
                file: claimed.original.clone(),
                at: received_at,
                claim: Some(claimed.id()),
            }],
        };
        crate::archive::write_json(&dir.join("manifest.json"), &manifest)
            .map_err(io_fault("writing a manifest"))?;

        let _guard = layout.lock().map_err(io_fault("locking the archive"))?;
        // The ledger is saved before the entry is marked done; applied again after a crash,
        // the same list changes nothing and the record kept beside it says what it did.
        let as_of = self.status.clock.today();
        let mut ledger = self.ledger(county)?;
        let list_changes = tracked(&layout, &dir, sha, &mut ledger, |l| {
            l.apply_list(&submission, as_of)
        })?;
        let mut submission = submission;
        if submission_ids(&submission) != list_changes.ids {
            // Another daemon changed the county's ledger between the preview and now: the
            // ledger's IDs stand, and the archived submission says so.
            tracing::warn!(county = %county.name, "item IDs changed while the documents were made; the ledger's stand");
            set_ids(&mut submission, &list_changes.ids);
            crate::archive::write_json(&dir.join("submission.json"), &submission)
                .map_err(io_fault("archiving the submission"))?;
        }
        let mut state =
            crate::archive::State::load(&layout).map_err(io_fault("reading archive/state.json"))?;
        let previous = state
            .accepted
            .get(&county.code)
            .filter(|e| &e.sha256 != sha)
            .and_then(|e| {
                read_json::<Submission>(&layout.archived(&e.sha256).join("submission.json")).ok()
            });

        // The county's latest documents replace its earlier ones in the outbox.
        let county_dir = layout.outbox.join(&county.city).join(&county.name);
        let paths =
            write_rendered(&county_dir, county_docs).map_err(io_fault("writing to the outbox"))?;
        let written: Vec<_> = paths.iter().map(|path| layout.relative(path)).collect();
        remove_stale(
            &county_dir,
            &county_docs
                .iter()
                .map(|d| d.name.clone())
                .chain(["回执.txt".to_owned(), progress::progress_file_name(county)])
                .collect::<Vec<_>>(),
        )?;
        let mut written = written;
        written.extend(self.write_progress_workbooks(&[&ledger], &county.city, as_of)?);

        let verdict = if submission.has_warnings() {
            Verdict::AcceptedWithWarnings
        } else {
            Verdict::Accepted
        };
        let mut receipt = Receipt::for_submission(
            &claimed.original,
            received_at,
            verdict,
            &submission,
            &layout.relative(&dir.join(&stored)),
        );
        receipt.changes = previous
            .as_ref()
            .map(|p| crate::receipt::changes(p, &submission));
        receipt.tracking = Some(list_tracking(&ledger, &list_changes, as_of));
        receipt.outputs = written;
        if submission.has_warnings() {
            let prefix = format!("{}_{}_", received_at.compact(), &sha[..8.min(sha.len())]);
            let file_name = names::fit(&prefix, &submission.source.file, ".批注.xlsx");
            let path = layout.outbox.join("回执").join(file_name);
            (receipt.marked, receipt.marked_note) =
                self.write_marked(read.marking(), &submission.diagnostics, &path)?;
        }

        let name = &submission.source.file;
        let receipt_path = self.write_receipt(&receipt, sha, name, Some(&county_dir))?;
        state.accepted.insert(
            county.code.clone(),
            state_entry(
                claimed,
                sha,
                received_at,
                receipt_path,
                submission.diagnostics.len(),
            ),
        );
        state
            .save(&layout)
            .map_err(io_fault("writing archive/state.json"))?;
        self.rebuild_rollups(&state, Some(&county.city))?;
        crate::archive::write_atomic(&layout.done_marker(sha), b"")
            .map_err(io_fault("marking the archive entry done"))?;
        remove_claim(claimed)?;
        Ok(receipt)
    }

    fn reject(
        &mut self,
        claimed: &Claimed,
        submission: Submission,
        sha: &str,
        name: &str,
        received_at: Timestamp,
    ) -> Result<Receipt, DaemonFault> {
        self.reject_marking(claimed, submission, sha, name, received_at, None)
    }

    /// [`Self::reject`], with the clerk's workbook marked beside the kept file when it was
    /// read (`rejected/<kept name's stem>.批注.xlsx`), before the receipt that names it.
    fn reject_marking(
        &mut self,
        claimed: &Claimed,
        submission: Submission,
        sha: &str,
        name: &str,
        received_at: Timestamp,
        marking: Option<Marking>,
    ) -> Result<Receipt, DaemonFault> {
        let layout = self.layout.clone();
        let kept = layout.rejected.join(names::rejected(name, sha));
        let mut receipt = Receipt::for_submission(
            &claimed.original,
            received_at,
            Verdict::Rejected,
            &submission,
            &layout.relative(&kept),
        );
        let stem = kept
            .file_stem()
            .map_or_else(|| name.to_owned(), |s| s.to_string_lossy().into_owned());
        let path = layout.rejected.join(crate::marked::marked_name(&stem));
        (receipt.marked, receipt.marked_note) =
            self.write_marked(marking, &submission.diagnostics, &path)?;
        let county = submission
            .county
            .clone()
            .map(|c| (c, submission.diagnostics.len()));
        self.reject_with(claimed, &receipt, sha, name, received_at, county)?;
        Ok(receipt)
    }

    /// Keeps a rejected file in `rejected/` with its receipt beside it and in the outbox. A
    /// county's filing (`county`: its county and count of problems) is recorded in
    /// `archive/state.json`; reports are not, as they say nothing of the county's lists.
    fn reject_with(
        &mut self,
        claimed: &Claimed,
        receipt: &Receipt,
        sha: &str,
        name: &str,
        received_at: Timestamp,
        county: Option<(crate::model::CountyRef, usize)>,
    ) -> Result<(), DaemonFault> {
        let layout = self.layout.clone();
        let kept = layout.rejected.join(names::rejected(name, sha));
        // The receipt goes beside the kept file first; the file follows by rename, so a crash
        // in between leaves the file in work/ to be rejected again.
        let beside = kept.with_file_name(format!("{}.回执.txt", crate::intake::file_name(&kept)));
        crate::archive::write_atomic(&beside, receipt.to_text().as_bytes())
            .map_err(io_fault("writing a receipt"))?;
        crate::archive::write_json(&beside.with_extension("json"), &receipt)
            .map_err(io_fault("writing a receipt"))?;
        let receipt_path = self.write_receipt(receipt, sha, name, None)?;
        if let Some((county, warnings)) = county {
            let _guard = layout.lock().map_err(io_fault("locking the archive"))?;
            let mut state = crate::archive::State::load(&layout)
                .map_err(io_fault("reading archive/state.json"))?;
            state.rejected.insert(
                county.code.clone(),
                state_entry(claimed, sha, received_at, receipt_path, warnings),
            );
            state
                .save(&layout)
                .map_err(io_fault("writing archive/state.json"))?;
        }
        std::fs::rename(&claimed.path, &kept).map_err(io_fault("moving a rejected file"))?;
        crate::archive::sync_dir(&layout.rejected).map_err(io_fault("syncing rejected/"))?;
        remove_claim(claimed)?;
        Ok(())
    }

    /// Writes the marked workbook (批注版) to `path` when the file was read, returning its
    /// path relative to the root and, for a new workbook rather than a copy, why. Marking only edits parts the reader accepted under the
    /// limits and cannot panic; when it fails the file goes on unmarked, with a warning in
    /// the log, and the receipt names no marked workbook.
    fn write_marked(
        &self,
        marking: Option<Marking>,
        diagnostics: &[Diagnostic],
        path: &Path,
    ) -> Result<(Option<String>, Option<String>), DaemonFault> {
        let Some(marking) = marking else {
            return Ok((None, None));
        };
        match crate::marked::mark(marking.bytes, marking.book, diagnostics, &self.limits) {
            Ok(marked) => {
                if let crate::marked::How::Rebuilt {
                    reason: Some(reason),
                } = &marked.how
                {
                    tracing::info!(file = ?path, %reason, "the workbook is marked in a new workbook, not a copy");
                }
                let path = path.with_extension(marked.extension());
                crate::archive::write_atomic(&path, &marked.bytes)
                    .map_err(io_fault("writing a marked workbook"))?;
                Ok((Some(self.layout.relative(&path)), marked.how.note()))
            }
            Err(error) => {
                tracing::warn!(file = ?path, %error, "the workbook could not be marked");
                Ok((None, None))
            }
        }
    }

    /// The county's ledger, or a new one before its first accepted list.
    fn ledger(&self, county: &crate::model::CountyRef) -> Result<Ledger, DaemonFault> {
        Ok(Ledger::load(&self.layout, &county.code)
            .map_err(io_fault("reading a county's ledger"))?
            .unwrap_or_else(|| Ledger::new(county.clone())))
    }

    /// Rewrites the progress workbook of each county in `ledgers` and the review workbook of
    /// `city` (from the saved ledgers); returns their paths relative to the root.
    fn write_progress_workbooks(
        &self,
        ledgers: &[&Ledger],
        city: &str,
        as_of: chrono::NaiveDate,
    ) -> Result<Vec<String>, DaemonFault> {
        let mut written = Vec::new();
        for ledger in ledgers {
            progress::write_progress(&self.layout, ledger, as_of)
                .map_err(io_fault("writing a progress workbook"))?;
            written.push(
                self.layout
                    .relative(&progress::progress_path(&self.layout, &ledger.county)),
            );
        }
        let all = Ledger::load_all(&self.layout).map_err(io_fault("reading the ledgers"))?;
        let of_city = progress::city_ledgers(&all, city);
        progress::write_review(&self.layout, city, &of_city, as_of)
            .map_err(io_fault("writing a review workbook"))?;
        written.push(
            self.layout
                .relative(&progress::review_path(&self.layout, city)),
        );
        Ok(written)
    }

    /// Keeps a returned report in its archive entry: the original under a fixed name, its
    /// reading as `json_name`, the manifest. Returns the entry's folder and the original's name.
    fn archive_report<T: serde::Serialize>(
        &self,
        claimed: &Claimed,
        read: &ReadFile,
        received_at: Timestamp,
        json_name: &str,
        reading: &T,
    ) -> Result<(std::path::PathBuf, String), DaemonFault> {
        let layout = &self.layout;
        let dir = layout.archived(&read.sha);
        let stored = names::stored_original(&claimed.original);
        crate::archive::write_atomic(&dir.join(&stored), &read.bytes)
            .map_err(io_fault("archiving the original"))?;
        crate::archive::write_json(&dir.join(json_name), reading)
            .map_err(io_fault("archiving a report's reading"))?;
        let manifest = Manifest {
            schema: MANIFEST_SCHEMA.to_owned(),
            sha256: read.sha.clone(),
            original: stored.clone(),
            accepted_at: received_at,
            gongwen_version: env!("CARGO_PKG_VERSION").to_owned(),
            inputs: vec![HashedFile {
                path: layout.relative(&dir.join(&stored)),
                sha256: read.sha.clone(),
            }],
            outputs: Vec::new(),
            drops: vec![Dropped {
                file: claimed.original.clone(),
                at: received_at,
                claim: Some(claimed.id()),
            }],
        };
        crate::archive::write_json(&dir.join("manifest.json"), &manifest)
            .map_err(io_fault("writing a manifest"))?;
        Ok((dir, stored))
    }

    /// A county's 整改进展表 returned: checked against its ledger, then rejected with the
    /// cells named, or archived, applied, answered with what changed and what is overdue,
    /// and the county's and its city's workbooks rewritten.
    fn take_progress(
        &mut self,
        claimed: &Claimed,
        mut report: progress::read::ProgressReport,
        read: &ReadFile,
        name: &str,
        received_at: Timestamp,
    ) -> Result<Receipt, DaemonFault> {
        let layout = self.layout.clone();
        let as_of = self.status.clock.today();
        let guard = layout.lock().map_err(io_fault("locking the archive"))?;
        let ledger = match &report.county {
            Some(county) => Ledger::load(&layout, &county.code)
                .map_err(io_fault("reading a county's ledger"))?,
            None => None,
        };
        if !report.has_errors() {
            progress::read::check_progress(&mut report, ledger.as_ref());
        }
        let (Some(county), Some(mut ledger), false) =
            (report.county.clone(), ledger, report.has_errors())
        else {
            drop(guard);
            return self.reject_returned(claimed, read, name, received_at, |kept| {
                Receipt::for_progress(
                    &claimed.original,
                    received_at,
                    Verdict::Rejected,
                    &report,
                    kept,
                )
            });
        };
        let (dir, stored) =
            self.archive_report(claimed, read, received_at, PROGRESS_JSON, &report)?;
        let source = crate::tracking::SourceRef {
            file: name.to_owned(),
            sha256: read.sha.clone(),
        };
        let rows = report.rows();
        let changes = tracked(&layout, &dir, &read.sha, &mut ledger, |l| {
            l.apply_progress(&rows, &source, as_of)
                .unwrap_or_else(|unknown| {
                    // The rows were checked against this ledger under the same lock.
                    tracing::error!(%unknown, "a checked progress report names an unknown item");
                    Default::default()
                })
        })?;
        let outputs = self.write_progress_workbooks(&[&ledger], &county.city, as_of)?;
        let verdict = if report.has_warnings() {
            Verdict::AcceptedWithWarnings
        } else {
            Verdict::Accepted
        };
        let mut receipt = Receipt::for_progress(
            &claimed.original,
            received_at,
            verdict,
            &report,
            &layout.relative(&dir.join(&stored)),
        );
        let lines = |ids: &[ItemId]| -> Vec<ItemLine> {
            ids.iter()
                .filter_map(|id| ledger.item(id))
                .map(ItemLine::of)
                .collect()
        };
        receipt.tracking = Some(crate::receipt::Tracking {
            as_of: Some(as_of),
            completed: lines(&changes.completed),
            reopened: lines(&changes.reopened),
            advanced: lines(&changes.advanced),
            already_closed: changes.already_closed.clone(),
            overdue: overdue_lines(&[&ledger], as_of),
            ..Default::default()
        });
        receipt.outputs = outputs;
        self.write_receipt(&receipt, &read.sha, name, None)?;
        self.rebuild_after_report(&county.city)?;
        crate::archive::write_atomic(&layout.done_marker(&read.sha), b"")
            .map_err(io_fault("marking the archive entry done"))?;
        remove_claim(claimed)?;
        Ok(receipt)
    }

    /// A city's 整改进展汇总 returned: checked against its counties' ledgers, then rejected,
    /// or archived and applied (同意销号 closes, 退回重改 sends back with the remark), each
    /// affected county's progress workbook and the city's review workbook rewritten.
    fn take_review(
        &mut self,
        claimed: &Claimed,
        mut report: progress::read::ReviewReport,
        read: &ReadFile,
        name: &str,
        received_at: Timestamp,
    ) -> Result<Receipt, DaemonFault> {
        let layout = self.layout.clone();
        let as_of = self.status.clock.today();
        let guard = layout.lock().map_err(io_fault("locking the archive"))?;
        let mut all = Ledger::load_all(&layout).map_err(io_fault("reading the ledgers"))?;
        if !report.has_errors() {
            progress::read::check_review(&mut report, &all);
        }
        if report.has_errors() {
            drop(guard);
            return self.reject_returned(claimed, read, name, received_at, |kept| {
                Receipt::for_review(
                    &claimed.original,
                    received_at,
                    Verdict::Rejected,
                    &report,
                    kept,
                )
            });
        }
        let (dir, stored) =
            self.archive_report(claimed, read, received_at, REVIEW_JSON, &report)?;
        let source = crate::tracking::SourceRef {
            file: name.to_owned(),
            sha256: read.sha.clone(),
        };
        let counties = report.counties();
        let again = counties
            .iter()
            .any(|code| all.get(code).is_some_and(|l| l.has_applied(&read.sha)));
        let mut changes = crate::tracking::ReviewChanges::default();
        for code in &counties {
            let Some(ledger) = all.get_mut(code) else {
                continue;
            };
            let rows: Vec<_> = report
                .rows()
                .into_iter()
                .filter(|r| r.id.county_code() == code)
                .collect();
            let done = ledger
                .apply_review(&rows, &source, as_of)
                .unwrap_or_else(|unknown| {
                    tracing::error!(%unknown, "a checked review names an unknown item");
                    Default::default()
                });
            changes.closed.extend(done.closed);
            changes.returned.extend(done.returned);
            changes.not_awaiting.extend(done.not_awaiting);
        }
        let record = dir.join(TRACKING_JSON);
        if again {
            changes = read_json(&record).unwrap_or(changes);
        } else {
            crate::archive::write_json(&record, &changes)
                .map_err(io_fault("recording what a file changed"))?;
        }
        // Each ledger is saved (again, harmlessly, after a crash) before the entry is done.
        for code in &counties {
            if let Some(ledger) = all.get(code) {
                ledger
                    .save(&layout)
                    .map_err(io_fault("writing a county's ledger"))?;
            }
        }
        let touched: Vec<&Ledger> = counties.iter().filter_map(|c| all.get(c)).collect();
        let outputs = self.write_progress_workbooks(&touched, &report.city, as_of)?;
        let verdict = if report.has_warnings() {
            Verdict::AcceptedWithWarnings
        } else {
            Verdict::Accepted
        };
        let mut receipt = Receipt::for_review(
            &claimed.original,
            received_at,
            verdict,
            &report,
            &layout.relative(&dir.join(&stored)),
        );
        let find = |id: &ItemId| all.get(id.county_code()).and_then(|l| l.item(id));
        let lines = |ids: &[ItemId]| -> Vec<ItemLine> {
            ids.iter().filter_map(find).map(ItemLine::of).collect()
        };
        let of_city = progress::city_ledgers(&all, &report.city);
        receipt.tracking = Some(crate::receipt::Tracking {
            as_of: Some(as_of),
            closed: lines(&changes.closed),
            returned: lines(&changes.returned),
            not_awaiting: changes.not_awaiting.clone(),
            overdue: overdue_lines(&of_city, as_of),
            ..Default::default()
        });
        receipt.outputs = outputs;
        self.write_receipt(&receipt, &read.sha, name, None)?;
        self.rebuild_after_report(&report.city)?;
        crate::archive::write_atomic(&layout.done_marker(&read.sha), b"")
            .map_err(io_fault("marking the archive entry done"))?;
        remove_claim(claimed)?;
        Ok(receipt)
    }

    /// Writes a receipt to `outbox/回执/` (text and JSON), and as `回执.txt` in the county's
    /// folder when given. Returns the text receipt's path relative to the root.
    fn write_receipt(
        &self,
        receipt: &Receipt,
        sha: &str,
        name: &str,
        county_dir: Option<&Path>,
    ) -> Result<String, DaemonFault> {
        let prefix = format!(
            "{}_{}_",
            receipt.received_at.compact(),
            &sha[..8.min(sha.len())]
        );
        let file_name = names::fit(&prefix, name, ".回执.txt");
        let text_path = self.layout.outbox.join("回执").join(&file_name);
        let text = receipt.to_text();
        crate::archive::write_atomic(&text_path, text.as_bytes())
            .map_err(io_fault("writing a receipt"))?;
        crate::archive::write_json(&text_path.with_extension("json"), receipt)
            .map_err(io_fault("writing a receipt"))?;
        if let Some(dir) = county_dir {
            crate::archive::write_atomic(&dir.join("回执.txt"), text.as_bytes())
                .map_err(io_fault("writing a receipt"))?;
        }
        if receipt.verdict != Verdict::Rejected {
            let archived = self.layout.archived(sha).join("receipts").join(&file_name);
            crate::archive::write_atomic(&archived, text.as_bytes())
                .map_err(io_fault("archiving a receipt"))?;
        }
        Ok(self.layout.relative(&text_path))
    }

    /// Rebuilds every roll-up once a day: whether an item is 逾期 depends on the day, so the
    /// 督办通知, reports and the 挂图 follow the calendar as well as the files. The day of the
    /// last full rebuild is kept in `archive/rolled-up-on`, so a restart the same day does not
    /// repeat it.
    /// Returns whether it rebuilt.
    pub fn roll_up_if_day_changed(&mut self) -> Result<bool, DaemonFault> {
        let today = self.status.clock.today();
        let marker = self.layout.archive.join("rolled-up-on");
        let done_on = std::fs::read_to_string(&marker).ok();
        if done_on.as_deref().map(str::trim) == Some(today.to_string().as_str()) {
            return Ok(false);
        }
        let layout = self.layout.clone();
        let _guard = layout.lock().map_err(io_fault("locking the archive"))?;
        let state =
            crate::archive::State::load(&layout).map_err(io_fault("reading archive/state.json"))?;
        if !state.accepted.is_empty() {
            tracing::info!(%today, "a new day: rebuilding every roll-up");
            self.rebuild_rollups(&state, None)?;
        }
        crate::archive::write_atomic(&marker, today.to_string().as_bytes())
            .map_err(io_fault("recording the day of the roll-ups"))?;
        Ok(true)
    }

    /// Rebuilds a city's documents (or every city's when `city` is `None`) and the province
    /// summary from the latest accepted file of every county, with the items under tracking
    /// as of today: the 倒逼 documents in the city's and its counties' folders, the 挂图 and
    /// the 年度考核 in the province's. A roll-up that fails on the data is logged and the
    /// earlier one stays; a fault of gongwen stops the daemon. Call under the archive lock.
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
        let tracking = Tracking {
            ledgers: Ledger::load_all(&self.layout).map_err(io_fault("reading the ledgers"))?,
            as_of: self.status.clock.today(),
        };
        for name in cities
            .iter()
            .filter(|c| city.is_none_or(|only| only == c.as_str()))
        {
            let of_city: Vec<Submission> = latest
                .iter()
                .filter(|s| s.county.as_ref().is_some_and(|c| &c.city == name))
                .cloned()
                .collect();
            match self.outputs.city_tracked(name, &of_city, &tracking) {
                Ok(placed) => {
                    log_rollup_warnings(name, &placed.rendered);
                    self.write_placed(name, &placed)?;
                }
                Err(RenderFailure::File(d)) => {
                    tracing::error!(city = %name, error = %d.message, "city roll-up failed; the earlier one stays");
                }
                Err(RenderFailure::Fault(fault)) => return Err(DaemonFault::Render(fault)),
            }
        }
        if !latest.is_empty() {
            match self.outputs.province_tracked(&latest, &tracking) {
                Ok(docs) => {
                    log_rollup_warnings("全省汇总", &docs);
                    self.write_outbox_files(&self.layout.outbox, &docs.files)?;
                    remove_stale_progress(&self.layout.outbox, &docs.files)?;
                }
                Err(RenderFailure::File(d)) => {
                    tracing::error!(error = %d.message, "province summary failed; the earlier one stays");
                }
                Err(RenderFailure::Fault(fault)) => return Err(DaemonFault::Render(fault)),
            }
        }
        Ok(())
    }

    /// Rejects a returned 整改进展表 or 整改进展汇总 with the receipt `receipt` makes for the
    /// place the file is kept in `rejected/`.
    fn reject_returned(
        &mut self,
        claimed: &Claimed,
        read: &ReadFile,
        name: &str,
        received_at: Timestamp,
        receipt: impl FnOnce(&str) -> Receipt,
    ) -> Result<Receipt, DaemonFault> {
        let kept = self.layout.rejected.join(names::rejected(name, &read.sha));
        let receipt = receipt(&self.layout.relative(&kept));
        self.reject_with(claimed, &receipt, &read.sha, name, received_at, None)?;
        Ok(receipt)
    }

    /// The city's 倒逼 documents and the province's follow a report's changes (an item 销号 is
    /// no longer overdue). Under the archive lock the caller holds.
    fn rebuild_after_report(&mut self, city: &str) -> Result<(), DaemonFault> {
        let state = crate::archive::State::load(&self.layout)
            .map_err(io_fault("reading archive/state.json"))?;
        self.rebuild_rollups(&state, Some(city))
    }

    /// Writes a city's roll-up: its own files to `outbox/<市>/`, each county's 督办通知 or
    /// 催报通知 and report to `outbox/<市>/<县>/`. A progress document of an earlier day that no
    /// longer holds (the county has caught up, its list came in) is removed.
    fn write_placed(&self, city: &str, placed: &PlacedRendered) -> Result<(), DaemonFault> {
        let city_dir = self.layout.outbox.join(city);
        let groups = placed.by_folder();
        let mut dirs = vec![(city_dir.clone(), Vec::new())];
        for (folder, files) in groups {
            let dir = match folder {
                // A registry name, still kept to one path component.
                Some(county) => city_dir.join(names::component(county)),
                None => city_dir.clone(),
            };
            self.write_outbox_files(&dir, &files)?;
            match dirs.iter_mut().find(|(d, _)| *d == dir) {
                Some((_, written)) => written.extend(files),
                None => dirs.push((dir, files)),
            }
        }
        // Every county folder of the city, so one with nothing new loses its old notices.
        if let Ok(entries) = std::fs::read_dir(&city_dir) {
            for entry in entries.flatten() {
                let path = entry.path();
                if path.is_dir() && !dirs.iter().any(|(d, _)| *d == path) {
                    dirs.push((path, Vec::new()));
                }
            }
        }
        for (dir, written) in &dirs {
            remove_stale_progress(dir, written)?;
        }
        Ok(())
    }

    fn write_outbox_files(&self, dir: &Path, docs: &[RenderedFile]) -> Result<(), DaemonFault> {
        write_rendered(dir, docs)
            .map(|_| ())
            .map_err(io_fault("writing to the outbox"))
    }
}

/// Removes from `dir` the progress documents ([`crate::render::progress::is_progress_file`])
/// that are not among `written`.
fn remove_stale_progress(dir: &Path, written: &[RenderedFile]) -> Result<(), DaemonFault> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(());
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if crate::render::progress::is_progress_file(&name)
            && !written.iter().any(|f| f.name == name)
            && entry.path().is_file()
        {
            std::fs::remove_file(entry.path()).map_err(io_fault("removing an outdated notice"))?;
        }
    }
    Ok(())
}

/// A roll-up has no clerk to tell: what rendering noticed (a character no font covers, in a
/// configured name, say) goes to the operator's log instead of being dropped.
fn log_rollup_warnings(of: &str, rendered: &Rendered) {
    for diagnostic in &rendered.diagnostics {
        tracing::warn!(rollup = of, rule = %diagnostic.rule.code(), message = %diagnostic.message, "roll-up rendered with a warning");
    }
    for warning in &rendered.typst_warnings {
        tracing::warn!(rollup = of, %warning, "template warning");
    }
}

/// A county's file as `archive/state.json` records it.
fn state_entry(
    claimed: &Claimed,
    sha: &str,
    received_at: Timestamp,
    receipt: String,
    warnings: usize,
) -> crate::archive::Entry {
    crate::archive::Entry {
        sha256: sha.to_owned(),
        file: claimed.original.clone(),
        at: received_at,
        receipt,
        warnings,
    }
}

/// The receipt of the archived entry in `dir`, whatever it holds (a filing, a progress report,
/// a review): `verdict`, or when `None` the acceptance's own.
fn entry_receipt(
    dir: &Path,
    file: &str,
    received_at: Timestamp,
    verdict: Option<Verdict>,
    kept: &str,
) -> Result<Receipt, DaemonFault> {
    let accepted = |warnings: bool| {
        verdict.unwrap_or(if warnings {
            Verdict::AcceptedWithWarnings
        } else {
            Verdict::Accepted
        })
    };
    if dir.join(PROGRESS_JSON).exists() {
        let report: progress::read::ProgressReport = read_json(&dir.join(PROGRESS_JSON))?;
        let verdict = accepted(report.has_warnings());
        return Ok(Receipt::for_progress(
            file,
            received_at,
            verdict,
            &report,
            kept,
        ));
    }
    if dir.join(REVIEW_JSON).exists() {
        let report: progress::read::ReviewReport = read_json(&dir.join(REVIEW_JSON))?;
        let verdict = accepted(report.has_warnings());
        return Ok(Receipt::for_review(
            file,
            received_at,
            verdict,
            &report,
            kept,
        ));
    }
    let submission: Submission = read_json(&dir.join("submission.json"))?;
    let verdict = accepted(submission.has_warnings());
    Ok(Receipt::for_submission(
        file,
        received_at,
        verdict,
        &submission,
        kept,
    ))
}

/// A progress report's reading, in its archive entry.
const PROGRESS_JSON: &str = "progress.json";
/// A review's reading, in its archive entry.
const REVIEW_JSON: &str = "review.json";
/// What a file did to the ledgers, kept in its archive entry before any ledger is saved: a
/// file applied again after a crash changes nothing, and its receipt still says what it did.
const TRACKING_JSON: &str = "tracking.json";

/// Applies a file to a ledger once: the first time, records what it did in the entry and
/// saves the ledger; again (after a crash), applies nothing new and returns the record.
fn tracked<T>(
    layout: &Layout,
    dir: &Path,
    sha: &str,
    ledger: &mut Ledger,
    apply: impl FnOnce(&mut Ledger) -> T,
) -> Result<T, DaemonFault>
where
    T: serde::Serialize + serde::de::DeserializeOwned,
{
    let again = ledger.has_applied(sha);
    let changes = apply(ledger);
    let record = dir.join(TRACKING_JSON);
    if again {
        return Ok(read_json(&record).unwrap_or(changes));
    }
    crate::archive::write_json(&record, &changes)
        .map_err(io_fault("recording what a file changed"))?;
    ledger
        .save(layout)
        .map_err(io_fault("writing a county's ledger"))?;
    Ok(changes)
}

/// Gives a submission's items their IDs, in the order [`Ledger::apply_list`] returns them
/// (附件1 school by school, then 附件2).
fn set_ids(submission: &mut Submission, ids: &[ItemId]) {
    let items = submission
        .schools
        .iter_mut()
        .flat_map(|s| s.items.iter_mut())
        .chain(submission.county_items.iter_mut());
    for (item, id) in items.zip(ids) {
        item.id = Some(id.clone());
    }
}

fn submission_ids(submission: &Submission) -> Vec<ItemId> {
    submission
        .schools
        .iter()
        .flat_map(|s| s.items.iter())
        .chain(submission.county_items.iter())
        .filter_map(|i| i.id.clone())
        .collect()
}

/// The receipt's account of a list: every item under its ID, what is new, revised, withdrawn.
fn list_tracking(
    ledger: &Ledger,
    changes: &ListChanges,
    as_of: chrono::NaiveDate,
) -> crate::receipt::Tracking {
    let lines = |ids: &[ItemId]| -> Vec<ItemLine> {
        ids.iter()
            .filter_map(|id| ledger.item(id))
            .map(ItemLine::of)
            .collect()
    };
    crate::receipt::Tracking {
        as_of: Some(as_of),
        items: lines(&changes.ids),
        added: changes.added.clone(),
        revised: changes.revised.clone(),
        withdrawn: lines(&changes.withdrawn),
        reinstated: changes.reinstated.clone(),
        ..Default::default()
    }
}

/// Items past their deadline and not 销号 as of `as_of`, over `ledgers`, most overdue first.
fn overdue_lines(ledgers: &[&Ledger], as_of: chrono::NaiveDate) -> Vec<OverdueLine> {
    let mut late: Vec<OverdueLine> = ledgers
        .iter()
        .flat_map(|l| l.overdue(as_of))
        .map(|(item, days)| OverdueLine {
            item: ItemLine::of(item),
            days,
        })
        .collect();
    late.sort_by(|a, b| b.days.cmp(&a.days).then_with(|| a.item.id.cmp(&b.item.id)));
    late
}

fn unreadable(error: &std::io::Error) -> Diagnostic {
    Diagnostic::new(
        Rule::FileUnreadable,
        None,
        format!("文件无法读取（{error}）"),
    )
    .with_hint("请确认文件没有被其他程序占用、权限允许读取，然后重新提交")
}

fn kind_zh(kind: &str) -> &'static str {
    match kind {
        "symbolic link" => "符号链接",
        "FIFO" => "管道",
        "socket" => "套接字",
        "folder" => "文件夹",
        "device" => "设备文件",
        _ => "特殊文件",
    }
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, DaemonFault> {
    let bytes = std::fs::read(path).map_err(io_fault(format!("reading {}", path.display())))?;
    serde_json::from_slice(&bytes).map_err(|e| DaemonFault::Io {
        what: format!("parsing {}", path.display()),
        source: std::io::Error::other(e),
    })
}

/// Removes files of a county folder that the newer submission no longer makes (an 附件2
/// dropped, say). Only regular files directly in the folder.
fn remove_stale(dir: &Path, keep: &[String]) -> Result<(), DaemonFault> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(());
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if entry.file_type().is_ok_and(|t| t.is_file()) && !keep.contains(&name) {
            std::fs::remove_file(entry.path())
                .map_err(io_fault("removing a superseded document"))?;
        }
    }
    Ok(())
}

/// Removes a claimed file (if still there) and its claim folder.
fn remove_claim(claimed: &Claimed) -> Result<(), DaemonFault> {
    match std::fs::remove_file(&claimed.path) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => {
            return Err(DaemonFault::Io {
                what: "removing a processed file".into(),
                source: e,
            });
        }
    }
    claim::remove_claim_dir(claimed.dir());
    Ok(())
}

/// The renderers the daemon can use answer the same three jobs; only how their errors split
/// between the file's and gongwen's differs (`$failure`).
macro_rules! outputs_by {
    ($renderer:ty, $failure:path) => {
        impl Outputs for $renderer {
            fn county(&mut self, submission: &Submission) -> Result<Rendered, RenderFailure> {
                <$renderer>::county(self, submission).map_err($failure)
            }

            fn city(
                &mut self,
                city: &str,
                submissions: &[Submission],
            ) -> Result<Rendered, RenderFailure> {
                <$renderer>::city(self, city, submissions).map_err($failure)
            }

            fn province(&mut self, submissions: &[Submission]) -> Result<Rendered, RenderFailure> {
                <$renderer>::province(self, submissions).map_err($failure)
            }

            fn city_tracked(
                &mut self,
                city: &str,
                submissions: &[Submission],
                tracking: &Tracking,
            ) -> Result<PlacedRendered, RenderFailure> {
                <$renderer>::city_tracked(self, city, submissions, tracking).map_err($failure)
            }

            fn province_tracked(
                &mut self,
                submissions: &[Submission],
                tracking: &Tracking,
            ) -> Result<Rendered, RenderFailure> {
                <$renderer>::province_tracked(self, submissions, tracking).map_err($failure)
            }
        }
    };
}

// In process (tests): a compose error is the file's; a template or font error is gongwen's.
outputs_by!(crate::render::renderer::Renderer, render_failure);
// The isolated worker (the daemon): what exhausts its memory or time, or kills it, is the
// file's failure; a worker that cannot run is gongwen's.
outputs_by!(crate::render::worker::RenderWorker, worker_failure);

fn render_failure(error: crate::render::renderer::RenderError) -> RenderFailure {
    use crate::render::renderer::RenderError;
    match error {
        RenderError::Compose(err) => RenderFailure::File(
            Diagnostic::new(Rule::RenderLimit, None, format!("无法生成文档：{err}"))
                .with_hint("请按回执修改表格后重新提交"),
        ),
        other => RenderFailure::Fault(other.to_string()),
    }
}

fn worker_failure(error: crate::render::worker::WorkerError) -> RenderFailure {
    match error.clerk_reason() {
        Some(reason) => {
            tracing::warn!(%error, "the render worker gave up on a job");
            RenderFailure::File(
                Diagnostic::new(Rule::RenderLimit, None, reason)
                    .with_hint("这不是格式问题：请精简过长的单元格或拆分过多的条目后重新提交；如仍不能受理，请联系系统管理员并提供本回执"),
            )
        }
        None => RenderFailure::Fault(error.to_string()),
    }
}
