//! The inbox watcher: finds files clerks drop, waits until each is complete, claims it by an
//! atomic rename into `work/`, and hands it to the pipeline, one at a time. The inbox folder is
//! the queue: every wake-up rescans it, so an event lost (or a share that raises none) delays a
//! file, never loses it. Native events (notify) wake the loop early; `--poll` mode rescans on
//! a timer alone, for SMB/NFS shares.
//!
//! No pipeline logic lives here, and no `unwrap`: a bad file is the pipeline's business; the
//! watcher's faults (an unreadable inbox, an archive that cannot be written) stop it with a
//! message.

pub mod claim;
pub mod fs;
pub mod ignore;
pub mod names;
pub mod processor;
pub mod redraw;
pub mod settle;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::archive::Layout;
use crate::receipt::{Receipt, Verdict};
pub use claim::{CLAIM_FILE, Claimed, claim, recover};
pub use processor::{DaemonFault, Outputs, Processor, RenderFailure};
use settle::{Settler, Snapshot};

/// How the watcher runs.
#[derive(Debug, Clone)]
pub struct WatchOptions {
    /// `Some(interval)`: rescan on a timer only, no native events.
    pub poll: Option<Duration>,
    /// How long a file's size and mtime must hold still.
    pub settle: Duration,
    /// Process what is in the inbox, then return.
    pub once: bool,
    /// A full rescan at least this often even with native events.
    pub rescan: Duration,
}

impl Default for WatchOptions {
    fn default() -> Self {
        WatchOptions {
            poll: None,
            settle: Duration::from_secs(1),
            once: false,
            rescan: Duration::from_secs(30),
        }
    }
}

/// How often the inbox is rescanned when the watcher polls by itself (a network share): as
/// `--poll` without a value.
pub const AUTO_POLL: Duration = Duration::from_secs(2);

/// How the inbox is watched, and why, for the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mode {
    /// `Some(interval)`: rescan on a timer only.
    pub poll: Option<Duration>,
    pub reason: &'static str,
}

/// `--poll` forces polling; otherwise a network file system polls by itself, and anything
/// else gets native events (the periodic rescan stays on either way).
pub fn choose_mode(forced: Option<Duration>, probe: &fs::Probe) -> Mode {
    match (forced, probe.kind) {
        (Some(interval), _) => Mode {
            poll: Some(interval),
            reason: "--poll given",
        },
        (None, fs::FsKind::Network) => Mode {
            poll: Some(AUTO_POLL),
            reason: "the inbox is on a network file system, whose writes from other machines raise no file events",
        },
        (None, fs::FsKind::Local) => Mode {
            poll: None,
            reason: "the inbox is on a local file system",
        },
        (None, fs::FsKind::Unknown) => Mode {
            poll: None,
            reason: "the inbox's file system type is unknown; native events, with a full rescan every 30 s",
        },
    }
}

/// Told of progress, for a progress bar; the default does nothing.
pub trait Observer {
    /// Files waiting in the inbox (settled or not) after a scan.
    fn pending(&mut self, _count: usize) {}
    /// A file is done.
    fn finished(&mut self, _receipt: &Receipt) {}
}

/// An observer that ignores everything.
pub struct Quiet;

impl Observer for Quiet {}

/// What a run did, for `--once`'s exit status and the log.
#[derive(Debug, Default)]
pub struct Summary {
    pub receipts: Vec<Receipt>,
}

impl Summary {
    /// Whether any file was rejected.
    pub fn any_rejected(&self) -> bool {
        self.receipts.iter().any(|r| r.verdict.is_failure())
    }
}

/// Watches until `stop` is set (SIGTERM, Ctrl-C), or with `once`, until the inbox is empty.
pub fn run<O: Outputs>(
    processor: &mut Processor<O>,
    options: &WatchOptions,
    stop: &Arc<AtomicBool>,
    observer: &mut dyn Observer,
) -> Result<Summary, DaemonFault> {
    let layout = processor.layout.clone();
    layout.prepare().map_err(|source| DaemonFault::Io {
        what: format!("preparing {}", layout.root.display()),
        source,
    })?;
    // Events first: a copy that starts while the daemon cleans up and recovers is seen as
    // being written, not mistaken for a finished file. The status page, written next, is the
    // sign that the daemon is watching.
    let probe = fs::probe(&layout.inbox);
    let mode = choose_mode(options.poll, &probe);
    tracing::info!(
        mode = if mode.poll.is_some() { "poll" } else { "native" },
        fs = probe.fstype.as_deref().unwrap_or("unknown"),
        mount = %probe.mount_point.as_deref().map_or_else(|| "unknown".into(), |m| m.display().to_string()),
        reason = mode.reason,
        "inbox watch mode"
    );
    let (events, _watcher) = match mode.poll {
        Some(_) => (None, None),
        None => match native_watcher(&layout.inbox) {
            Ok((rx, watcher)) => (Some(rx), Some(watcher)),
            Err(err) => {
                tracing::warn!(error = %err, "native file events unavailable; polling instead");
                (None, None)
            }
        },
    };
    let mut summary = Summary::default();
    let cleared = crate::archive::remove_stale_temporaries(&[
        &layout.outbox,
        &layout.archive,
        &layout.rejected,
    ]);
    if cleared > 0 {
        tracing::info!(
            count = cleared,
            "removed temporary files left by a killed process"
        );
    }
    processor.track_earlier_filings()?;
    processor.roll_up_if_day_changed()?;
    processor.refresh_status();
    let clock = processor.status.clock;
    let mut redraw = redraw::Schedule::after(clock.now(), &processor.status.deadlines);

    // Finish what a previous run left in work/ before taking anything new. A file that
    // stopped the daemon twice is quarantined by the processor, so recovery never blocks the
    // rest of the inbox.
    for mut claimed in recover_claims(&layout)? {
        tracing::info!(file = ?claimed.original, attempts = claimed.attempts, "finishing a file left by an earlier run");
        finish(
            &mut summary,
            observer,
            process_one(processor, &mut claimed)?,
        );
    }
    let mut reported = Reported::default();

    let tick = mode.poll.unwrap_or(options.rescan);
    let mut settler = Settler::new();
    let mut last_recovery = Instant::now();
    loop {
        if stop.load(Ordering::SeqCst) {
            tracing::info!("stopping");
            break;
        }
        // Claims left by a daemon that died while this one runs (two daemons on one share).
        if last_recovery.elapsed() >= options.rescan {
            last_recovery = Instant::now();
            for mut claimed in recover_claims(&layout)? {
                tracing::info!(file = ?claimed.original, attempts = claimed.attempts, "finishing a file left by a stopped daemon");
                finish(
                    &mut summary,
                    observer,
                    process_one(processor, &mut claimed)?,
                );
            }
        }
        // The page also shows what the clock decides (逾期, the day): redrawn at least hourly
        // and when a day begins, not only when a file arrives.
        let rolled = processor.roll_up_if_day_changed()?;
        let now = clock.now();
        if rolled || redraw.is_due(now) {
            if rolled || redraw.reason != redraw::Reason::Hourly {
                let reason = if rolled {
                    "a new day"
                } else {
                    redraw.reason.as_str()
                };
                tracing::info!(reason, "redrawing the status page");
            } else {
                tracing::debug!("redrawing the status page (hourly)");
            }
            processor.refresh_status();
            redraw = redraw::Schedule::after(now, &processor.status.deadlines);
        }
        let now = Instant::now();
        let scanned = scan(&layout.inbox).map_err(|source| DaemonFault::Io {
            what: format!("scanning {}", layout.inbox.display()),
            source,
        })?;
        reported.log(&scanned);
        let seen = scanned.files;
        let pending = !seen.is_empty();
        observer.pending(seen.len());
        settler.observe(seen, now);
        for relative in settler.ready(now, options.settle) {
            if stop.load(Ordering::SeqCst) {
                break;
            }
            settler.forget(&relative);
            match claim(&layout, &relative) {
                Ok(Some(mut claimed)) => {
                    finish(
                        &mut summary,
                        observer,
                        process_one(processor, &mut claimed)?,
                    );
                }
                Ok(None) => {}
                Err(err) => {
                    tracing::warn!(file = ?relative, error = %err, "could not claim; will retry");
                }
            }
        }
        if options.once && !pending {
            break;
        }
        // Sleep until the next file may be ready, an event arrives, or the next rescan.
        let wait = settler
            .next_deadline(options.settle)
            .map_or(tick, |d| {
                d.saturating_duration_since(Instant::now()).min(tick)
            })
            .min(redraw.until(clock.now()))
            .max(Duration::from_millis(20));
        let wait = if options.once {
            wait.min(options.settle)
        } else {
            wait
        };
        match &events {
            Some(rx) => wait_for_events(rx, wait, &mut settler, &layout.inbox, stop),
            None => sleep_unless_stopped(wait, stop),
        }
    }
    Ok(summary)
}

fn finish(summary: &mut Summary, observer: &mut dyn Observer, receipt: Receipt) {
    observer.finished(&receipt);
    summary.receipts.push(receipt);
}

fn recover_claims(layout: &Layout) -> Result<Vec<Claimed>, DaemonFault> {
    recover(layout).map_err(|source| DaemonFault::Io {
        what: format!("reading {}", layout.work.display()),
        source,
    })
}

fn process_one<O: Outputs>(
    processor: &mut Processor<O>,
    claimed: &mut Claimed,
) -> Result<Receipt, DaemonFault> {
    let receipt = processor.process(claimed)?;
    let county = receipt.county.as_ref().map_or("-", |c| c.name.as_str());
    let errors = receipt.diagnostics.iter().filter(|d| d.is_error()).count();
    let warnings = receipt.diagnostics.len() - errors;
    match receipt.verdict {
        Verdict::Rejected => {
            tracing::warn!(file = ?claimed.original, county, errors, warnings, verdict = ?receipt.verdict, "rejected");
        }
        _ => {
            tracing::info!(file = ?claimed.original, county, warnings, verdict = ?receipt.verdict, outputs = receipt.outputs.len(), "processed");
        }
    }
    Ok(receipt)
}

/// What one scan of the inbox found.
#[derive(Debug, Default)]
pub struct Scan {
    /// Every entry to take, relative to the inbox, with its size and mtime: regular files,
    /// and also symlinks, FIFOs and the like, which are claimed and rejected rather than left
    /// in the inbox forever (a symlink is never followed).
    pub files: Vec<(PathBuf, Snapshot)>,
    /// Entries left alone by the ignore list, with the reason.
    pub ignored: Vec<(PathBuf, &'static str)>,
    /// Subfolders that cannot be read (permissions, a path too long), with the error.
    pub skipped: Vec<(PathBuf, String)>,
}

/// Scans the inbox recursively. Only the inbox itself must be readable: a subfolder that
/// cannot be read is skipped and reported, never a reason to stop.
pub fn scan(inbox: &Path) -> std::io::Result<Scan> {
    let mut found = Scan::default();
    let mut stack = vec![inbox.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let entries = match std::fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) if dir == inbox => return Err(e),
            // Removed while scanning: nothing to say.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => {
                let relative = dir.strip_prefix(inbox).unwrap_or(&dir).to_path_buf();
                found.skipped.push((relative, e.to_string()));
                continue;
            }
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let Ok(relative) = path.strip_prefix(inbox).map(Path::to_path_buf) else {
                continue;
            };
            if let Some(reason) = ignore::ignore_reason(&relative) {
                found.ignored.push((relative, reason));
                continue;
            }
            // Not following symlinks: `DirEntry::metadata` describes the entry itself.
            let meta = match entry.metadata() {
                Ok(meta) => meta,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => {
                    found.skipped.push((relative, e.to_string()));
                    continue;
                }
            };
            if meta.is_dir() {
                stack.push(path);
            } else {
                found.files.push((
                    relative,
                    Snapshot {
                        len: meta.len(),
                        modified: meta.modified().ok(),
                    },
                ));
            }
        }
    }
    found.files.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(found)
}

/// What the log has said about ignored and skipped entries, so each is said once per run,
/// not once per rescan.
#[derive(Debug, Default)]
struct Reported {
    ignored: HashSet<PathBuf>,
    skipped: HashSet<PathBuf>,
}

impl Reported {
    fn log(&mut self, scan: &Scan) {
        for (path, reason) in &scan.ignored {
            if self.ignored.insert(path.clone()) {
                tracing::info!(file = ?path, reason, "ignoring");
            }
        }
        for (path, error) in &scan.skipped {
            if self.skipped.insert(path.clone()) {
                tracing::warn!(path = ?path, error, "cannot read this part of the inbox; skipping it");
            }
        }
    }
}

type Events = mpsc::Receiver<notify::Result<notify::Event>>;

fn native_watcher(inbox: &Path) -> notify::Result<(Events, notify::RecommendedWatcher)> {
    use notify::Watcher;
    let (tx, rx) = mpsc::channel();
    let mut watcher = notify::recommended_watcher(tx)?;
    watcher.watch(inbox, notify::RecursiveMode::Recursive)?;
    Ok((rx, watcher))
}

/// Waits up to `wait` for events, noting writes still open and closed; a burst of events is
/// drained briefly so one copy does not cause one rescan per write.
fn wait_for_events(
    rx: &Events,
    wait: Duration,
    settler: &mut Settler,
    inbox: &Path,
    stop: &AtomicBool,
) {
    let deadline = Instant::now() + wait;
    let mut got_any = false;
    loop {
        let now = Instant::now();
        let remaining = if got_any {
            Duration::from_millis(50).min(deadline.saturating_duration_since(now))
        } else {
            deadline
                .saturating_duration_since(now)
                .min(Duration::from_millis(250))
        };
        match rx.recv_timeout(remaining) {
            Ok(Ok(event)) => {
                got_any = true;
                note_event(&event, settler, inbox);
            }
            Ok(Err(err)) => {
                tracing::warn!(error = %err, "file event error; rescanning");
                got_any = true;
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {
                if got_any || Instant::now() >= deadline || stop.load(Ordering::SeqCst) {
                    return;
                }
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                sleep_unless_stopped(deadline.saturating_duration_since(Instant::now()), stop);
                return;
            }
        }
    }
}

/// Write events mark a file as being written; close-after-write clears it. A file moved in
/// arrives as a create alone and is not marked.
fn note_event(event: &notify::Event, settler: &mut Settler, inbox: &Path) {
    use notify::EventKind;
    use notify::event::{AccessKind, AccessMode, ModifyKind};
    for path in &event.paths {
        let Ok(relative) = path.strip_prefix(inbox).map(Path::to_path_buf) else {
            continue;
        };
        match event.kind {
            EventKind::Modify(ModifyKind::Data(_)) => {
                settler.mark_writing(relative, Instant::now());
            }
            EventKind::Access(AccessKind::Close(AccessMode::Write)) => {
                settler.mark_closed(&relative);
            }
            _ => {}
        }
    }
}

fn sleep_unless_stopped(total: Duration, stop: &AtomicBool) {
    let end = Instant::now() + total;
    while Instant::now() < end && !stop.load(Ordering::SeqCst) {
        std::thread::sleep(
            end.saturating_duration_since(Instant::now())
                .min(Duration::from_millis(100)),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn probe(kind: fs::FsKind, fstype: &str) -> fs::Probe {
        fs::Probe {
            mount_point: Some(PathBuf::from("/srv/share")),
            fstype: Some(fstype.to_owned()),
            kind,
        }
    }

    #[test]
    fn a_network_share_polls_by_itself_and_poll_still_forces_it() {
        let cifs = probe(fs::classify("cifs"), "cifs");
        let ext4 = probe(fs::classify("ext4"), "ext4");
        assert_eq!(choose_mode(None, &cifs).poll, Some(AUTO_POLL));
        assert!(choose_mode(None, &cifs).reason.contains("network"));
        assert_eq!(choose_mode(None, &ext4).poll, None);
        let forced = Some(Duration::from_millis(500));
        assert_eq!(choose_mode(forced, &ext4).poll, forced);
        assert_eq!(choose_mode(forced, &ext4).reason, "--poll given");
        assert_eq!(choose_mode(forced, &cifs).poll, forced);
        let unknown = fs::Probe {
            mount_point: None,
            fstype: None,
            kind: fs::FsKind::Unknown,
        };
        assert_eq!(choose_mode(None, &unknown).poll, None);
    }
}
