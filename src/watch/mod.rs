//! The inbox watcher: finds files clerks drop, waits until each is complete, claims it by an
//! atomic rename into `work/`, and hands it to the pipeline, one at a time. The inbox folder is
//! the queue: every wake-up rescans it, so an event lost (or a share that raises none) delays a
//! file, never loses it. Native events (notify) wake the loop early; `--poll` mode rescans on
//! a timer alone, for SMB/NFS shares.
//!
//! No pipeline logic lives here, and no `unwrap`: a bad file is the pipeline's business; the
//! watcher's faults (an unreadable inbox, an archive that cannot be written) stop it with a
//! message.

pub mod ignore;
pub mod settle;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::archive::Layout;
use crate::pipeline::{Claimed, DaemonFault, Outputs, Processor};
use crate::receipt::{Receipt, Verdict};
use settle::{Settler, Snapshot};

/// The small file beside a claimed one recording where it was dropped.
pub const CLAIM_FILE: &str = "claim.json";

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

#[derive(serde::Serialize, serde::Deserialize)]
struct ClaimRecord {
    original: String,
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
    let mut summary = Summary::default();
    processor.refresh_status();

    // Finish what a previous run left in work/ before taking anything new.
    for claimed in recover(&layout)? {
        tracing::info!(file = %claimed.original, "finishing a file left by an earlier run");
        finish(&mut summary, observer, process_one(processor, &claimed)?);
    }

    let (events, _watcher) = match options.poll {
        Some(_) => (None, None),
        None => match native_watcher(&layout.inbox) {
            Ok((rx, watcher)) => (Some(rx), Some(watcher)),
            Err(err) => {
                tracing::warn!(error = %err, "native file events unavailable; polling instead");
                (None, None)
            }
        },
    };
    let tick = options.poll.unwrap_or(options.rescan);
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
            for claimed in recover(&layout)? {
                tracing::info!(file = %claimed.original, "finishing a file left by a stopped daemon");
                finish(&mut summary, observer, process_one(processor, &claimed)?);
            }
        }
        let now = Instant::now();
        let seen = scan(&layout.inbox).map_err(|source| DaemonFault::Io {
            what: format!("scanning {}", layout.inbox.display()),
            source,
        })?;
        let pending = !seen.is_empty();
        observer.pending(seen.len());
        settler.observe(seen, now);
        for relative in settler.ready(now, options.settle) {
            if stop.load(Ordering::SeqCst) {
                break;
            }
            settler.forget(&relative);
            match claim(&layout, &relative) {
                Ok(Some(claimed)) => {
                    finish(&mut summary, observer, process_one(processor, &claimed)?);
                }
                Ok(None) => {}
                Err(err) => {
                    tracing::warn!(file = %relative.display(), error = %err, "could not claim; will retry");
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

fn process_one<O: Outputs>(
    processor: &mut Processor<O>,
    claimed: &Claimed,
) -> Result<Receipt, DaemonFault> {
    let receipt = processor.process(claimed)?;
    let county = receipt.county.as_ref().map_or("-", |c| c.name.as_str());
    let errors = receipt.diagnostics.iter().filter(|d| d.is_error()).count();
    let warnings = receipt.diagnostics.len() - errors;
    match receipt.verdict {
        Verdict::Rejected => {
            tracing::warn!(file = %claimed.original, county, errors, warnings, verdict = ?receipt.verdict, "rejected");
        }
        _ => {
            tracing::info!(file = %claimed.original, county, warnings, verdict = ?receipt.verdict, outputs = receipt.outputs.len(), "processed");
        }
    }
    Ok(receipt)
}

/// Every file in the inbox (recursively) that is not ignored, relative to the inbox, with
/// its size and mtime.
pub fn scan(inbox: &Path) -> std::io::Result<Vec<(PathBuf, Snapshot)>> {
    let mut out = Vec::new();
    let mut stack = vec![inbox.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let entries = match std::fs::read_dir(&dir) {
            Ok(e) => e,
            // A subfolder removed while scanning is fine; the inbox itself must be readable.
            Err(e) if dir != inbox && e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(e),
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let Ok(relative) = path.strip_prefix(inbox).map(Path::to_path_buf) else {
                continue;
            };
            if ignore::is_ignored(&relative) {
                continue;
            }
            let Ok(meta) = entry.metadata() else { continue };
            if meta.is_dir() {
                stack.push(path);
            } else if meta.is_file() {
                out.push((
                    relative,
                    Snapshot {
                        len: meta.len(),
                        modified: meta.modified().ok(),
                    },
                ));
            }
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

/// Claims an inbox file by renaming it into a fresh folder under `work/`. `Ok(None)` when
/// another process took it first (or it vanished): not an error.
pub fn claim(layout: &Layout, relative: &Path) -> std::io::Result<Option<Claimed>> {
    let source = layout.inbox.join(relative);
    // "It opens": a file we cannot read now is left for the next round.
    if std::fs::File::open(&source).is_err() {
        return Ok(None);
    }
    let name = crate::intake::file_name(relative);
    let dir = layout.work.join(format!(
        "{}-{}-{}",
        chrono::Local::now().format("%Y%m%d-%H%M%S%.f"),
        std::process::id(),
        CLAIMS.fetch_add(1, Ordering::SeqCst)
    ));
    std::fs::create_dir_all(&dir)?;
    let original = relative.to_string_lossy().replace('\\', "/");
    let record = serde_json::to_vec(&ClaimRecord {
        original: original.clone(),
    })
    .map_err(std::io::Error::other)?;
    crate::archive::write_atomic(&dir.join(CLAIM_FILE), &record)?;
    // Locked before the rename, so no other daemon's recovery can take it in between.
    let lock = std::fs::File::open(dir.join(CLAIM_FILE))?;
    lock.lock()?;
    let target = dir.join(&name);
    match std::fs::rename(&source, &target) {
        Ok(()) => {
            crate::archive::sync_dir(&dir)?;
            Ok(Some(Claimed {
                path: target,
                original,
                lock: Some(Arc::new(lock)),
            }))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let _ = std::fs::remove_file(dir.join(CLAIM_FILE));
            let _ = std::fs::remove_dir(&dir);
            Ok(None)
        }
        Err(e) => {
            let _ = std::fs::remove_file(dir.join(CLAIM_FILE));
            let _ = std::fs::remove_dir(&dir);
            Err(e)
        }
    }
}

static CLAIMS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Files a previous run claimed and did not finish. A claim folder whose rename never
/// happened is removed; temporary files are cleared.
pub fn recover(layout: &Layout) -> Result<Vec<Claimed>, DaemonFault> {
    let fault = |source| DaemonFault::Io {
        what: format!("reading {}", layout.work.display()),
        source,
    };
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(&layout.work) else {
        return Ok(out);
    };
    let mut dirs: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    for dir in dirs {
        // A claim of another live daemon on the same share is not ours to finish: take it
        // only when its lock is free (the system frees it when its holder dies).
        let lock = match std::fs::File::open(dir.join(CLAIM_FILE)) {
            Ok(file) => match file.try_lock() {
                Ok(()) => Some(Arc::new(file)),
                Err(std::fs::TryLockError::WouldBlock) => continue,
                Err(std::fs::TryLockError::Error(e)) => return Err(fault(e)),
            },
            Err(_) => None,
        };
        let record: Option<ClaimRecord> = std::fs::read(dir.join(CLAIM_FILE))
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok());
        let files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .map_err(fault)?
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.is_file())
            .collect();
        for f in &files {
            if f.to_string_lossy().ends_with(crate::archive::TEMP_SUFFIX) {
                let _ = std::fs::remove_file(f);
            }
        }
        let claimed = files.iter().find(|p| {
            let n = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            n != CLAIM_FILE && !n.ends_with(crate::archive::TEMP_SUFFIX)
        });
        match (claimed, record) {
            (Some(path), record) => out.push(Claimed {
                path: path.clone(),
                original: record.map_or_else(|| crate::intake::file_name(path), |r| r.original),
                lock,
            }),
            (None, _) => {
                let _ = std::fs::remove_file(dir.join(CLAIM_FILE));
                let _ = std::fs::remove_dir(&dir);
            }
        }
    }
    Ok(out)
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
