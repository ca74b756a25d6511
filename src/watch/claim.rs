//! Taking a file from the inbox: an atomic rename into a claim folder of its own under
//! `work/`, recorded and locked so that a crash at any point is finished on restart, another
//! daemon on the same share never takes it twice, and a file that kills the processing step
//! is counted and, after [`MAX_ATTEMPTS`], quarantined instead of retried forever.
//!
//! The claimed file is kept under a fixed name (`original.<ext>`): the name the clerk gave is
//! data in `claim.json`, never a path.

use std::fs::File;
use std::io::{self, Read};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::archive::{Layout, TEMP_SUFFIX};
use crate::calendar::Timestamp;

use super::names;

/// The small file beside a claimed one recording where it was dropped; its lock marks a claim
/// that a live process is working on. Written once and never replaced, so the lock stays on
/// the one inode every daemon opens.
pub const CLAIM_FILE: &str = "claim.json";

/// How many times processing of the claimed file has started, one line per start. A start
/// whose process dies (an abort in a parser or renderer, an out-of-memory kill) leaves its
/// line behind.
const ATTEMPTS_FILE: &str = "attempts";
/// When processing of the claim first started (RFC 3339), written once.
const RECEIVED_FILE: &str = "received";

/// A file whose processing has started this many times without finishing is quarantined on
/// the next start: it has killed the daemon twice.
pub const MAX_ATTEMPTS: u32 = 2;

/// A file taken from the inbox into the work folder.
#[derive(Debug, Clone)]
pub struct Claimed {
    /// Where the file is now: `work/<claim>/original.<ext>`.
    pub path: PathBuf,
    /// Where it was dropped, relative to the inbox, as the clerk named it.
    pub original: String,
    /// Starts of processing that never finished, before this one.
    pub attempts: u32,
    /// An exclusive lock on the claim, held while the file is processed, so another daemon's
    /// recovery leaves it alone; the system releases it if this process dies.
    pub lock: Option<Arc<File>>,
}

impl Claimed {
    /// The claim folder.
    pub fn dir(&self) -> &Path {
        self.path.parent().unwrap_or(Path::new("."))
    }

    /// The last part of the dropped name, as the clerk sees it.
    pub fn dropped_name(&self) -> String {
        self.original
            .rsplit('/')
            .next()
            .unwrap_or(&self.original)
            .to_owned()
    }

    /// Records that processing starts, durably, before any untrusted work: if the process
    /// dies on this file, the next start sees one more attempt.
    pub fn begin_attempt(&mut self) -> io::Result<()> {
        self.attempts += 1;
        crate::archive::write_atomic(
            &self.dir().join(ATTEMPTS_FILE),
            self.attempts.to_string().as_bytes(),
        )
    }

    /// Takes back the attempt when processing stopped on a fault of gongwen's own (a full
    /// disk, a missing font): the file did not kill anything and must not be quarantined for
    /// it. Best effort: the fault may keep this write from happening too.
    pub fn abandon_attempt(&mut self) {
        self.attempts = self.attempts.saturating_sub(1);
        let _ = crate::archive::write_atomic(
            &self.dir().join(ATTEMPTS_FILE),
            self.attempts.to_string().as_bytes(),
        );
    }

    /// When this claim was first taken up, recorded in the claim on the first start: a
    /// restart after a crash answers the same drop with the same time, so its receipt keeps its
    /// name and its archive entry records the drop once.
    pub fn received_at(&self, now: Timestamp) -> io::Result<Timestamp> {
        let path = self.dir().join(RECEIVED_FILE);
        let recorded = std::fs::read_to_string(&path)
            .ok()
            .and_then(|text| text.trim().parse().ok());
        if let Some(at) = recorded {
            return Ok(at);
        }
        crate::archive::write_atomic(&path, now.to_string().as_bytes())?;
        Ok(now)
    }

    /// The claim's name, unique among all claims of all daemons (time, process, counter):
    /// what the archive records a drop under, so a drop redone after a crash is known.
    pub fn id(&self) -> String {
        crate::intake::file_name(self.dir())
    }

    /// A stable 64-hex identity of this claim, for files whose bytes cannot be hashed (a FIFO,
    /// an unreadable file, one too large to read): their rejected copies still get names of
    /// their own.
    pub fn identity(&self) -> String {
        use sha2::{Digest, Sha256};
        hex::encode(Sha256::digest(self.dir().to_string_lossy().as_bytes()))
    }
}

#[derive(serde::Serialize, serde::Deserialize)]
struct ClaimRecord {
    original: String,
}

static CLAIMS: AtomicU64 = AtomicU64::new(0);

/// Claims an inbox file by renaming it into a fresh folder under `work/`. `Ok(None)` when
/// another process took it first (or it vanished): not an error. The file is not opened here:
/// what it is (a FIFO, a symlink, unreadable) is found out, and answered, when it is
/// processed.
pub fn claim(layout: &Layout, relative: &Path) -> io::Result<Option<Claimed>> {
    let source = layout.inbox.join(relative);
    let original = relative.to_string_lossy().replace('\\', "/");
    let dir = layout.work.join(format!(
        "{}-{}-{}",
        chrono::Utc::now().format("%Y%m%d-%H%M%S%.f"),
        std::process::id(),
        CLAIMS.fetch_add(1, Ordering::SeqCst)
    ));
    std::fs::create_dir_all(&dir)?;
    let record = serde_json::to_vec(&ClaimRecord {
        original: original.clone(),
    })
    .map_err(io::Error::other)?;
    crate::archive::write_atomic(&dir.join(CLAIM_FILE), &record)?;
    // Locked before the rename, so no other daemon's recovery can take it in between.
    let lock = File::open(dir.join(CLAIM_FILE))?;
    lock.lock()?;
    let target = dir.join(names::stored_original(&original));
    match std::fs::rename(&source, &target) {
        Ok(()) => {
            crate::archive::sync_dir(&dir)?;
            Ok(Some(Claimed {
                path: target,
                original,
                attempts: 0,
                lock: Some(Arc::new(lock)),
            }))
        }
        Err(e) => {
            let _ = std::fs::remove_file(dir.join(CLAIM_FILE));
            let _ = std::fs::remove_dir(&dir);
            if e.kind() == io::ErrorKind::NotFound {
                Ok(None)
            } else {
                Err(e)
            }
        }
    }
}

/// Files a previous run claimed and did not finish, oldest first. A claim folder whose rename
/// never happened is removed; temporary files are cleared. Claims another live process holds
/// are left to it.
pub fn recover(layout: &Layout) -> io::Result<Vec<Claimed>> {
    let mut out = Vec::new();
    let entries = match std::fs::read_dir(&layout.work) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(out),
        Err(e) => return Err(e),
    };
    let mut dirs: Vec<PathBuf> = entries
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| e.path())
        .collect();
    dirs.sort();
    for dir in dirs {
        // A claim of another live daemon on the same share is not ours to finish: take it
        // only when its lock is free (the system frees it when its holder dies).
        let lock = match File::open(dir.join(CLAIM_FILE)) {
            Ok(file) => match file.try_lock() {
                Ok(()) => Some(Arc::new(file)),
                Err(std::fs::TryLockError::WouldBlock) => continue,
                Err(std::fs::TryLockError::Error(e)) => return Err(e),
            },
            Err(_) => None,
        };
        let record: Option<ClaimRecord> = std::fs::read(dir.join(CLAIM_FILE))
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok());
        let attempts = std::fs::read_to_string(dir.join(ATTEMPTS_FILE))
            .ok()
            .and_then(|t| t.trim().parse().ok())
            .unwrap_or(0);
        let mut claimed_file = None;
        for entry in std::fs::read_dir(&dir)?.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.ends_with(TEMP_SUFFIX) {
                let _ = std::fs::remove_file(entry.path());
            } else if ![CLAIM_FILE, ATTEMPTS_FILE, RECEIVED_FILE].contains(&name.as_str()) {
                // `original.<ext>`, or the dropped name itself in a claim an earlier version
                // of gongwen made.
                claimed_file = Some(entry.path());
            }
        }
        match claimed_file {
            Some(path) => out.push(Claimed {
                original: record.map_or_else(|| crate::intake::file_name(&path), |r| r.original),
                path,
                attempts,
                lock,
            }),
            None => remove_claim_dir(&dir),
        }
    }
    Ok(out)
}

/// Removes a claim folder's bookkeeping and the folder itself (best effort: what cannot be
/// removed is found again by recovery).
pub fn remove_claim_dir(dir: &Path) {
    let _ = std::fs::remove_file(dir.join(ATTEMPTS_FILE));
    let _ = std::fs::remove_file(dir.join(RECEIVED_FILE));
    let _ = std::fs::remove_file(dir.join(CLAIM_FILE));
    let _ = std::fs::remove_dir(dir);
}

/// What a claimed path turned out to be when opened.
#[derive(Debug)]
pub enum Opened {
    /// A regular file, opened without following a symlink, with its size from the handle.
    Regular { file: File, len: u64 },
    /// Not a regular file: a symlink, a FIFO, a device, a folder.
    NotRegular { kind: &'static str },
    /// It cannot be opened (permissions).
    Unreadable(io::Error),
}

/// Opens a claimed file the one safe way: never following a symlink (`O_NOFOLLOW`), never
/// blocking on a FIFO (`O_NONBLOCK`), and checking the handle (fstat), so what is read is
/// what was checked.
pub fn open_claimed(path: &Path) -> Opened {
    let opened = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path);
    let file = match opened {
        Ok(file) => file,
        Err(e) if e.raw_os_error() == Some(libc::ELOOP) => {
            return Opened::NotRegular {
                kind: "symbolic link",
            };
        }
        Err(e) => {
            // A FIFO with no writer opens fine non-blocking; a socket does not open at all.
            return match std::fs::symlink_metadata(path) {
                Ok(meta) if !meta.is_file() => Opened::NotRegular {
                    kind: kind_of(&meta),
                },
                _ => Opened::Unreadable(e),
            };
        }
    };
    match file.metadata() {
        Ok(meta) if meta.is_file() => Opened::Regular {
            len: meta.len(),
            file,
        },
        Ok(meta) => Opened::NotRegular {
            kind: kind_of(&meta),
        },
        Err(e) => Opened::Unreadable(e),
    }
}

fn kind_of(meta: &std::fs::Metadata) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    let t = meta.file_type();
    if t.is_symlink() {
        "symbolic link"
    } else if t.is_fifo() {
        "FIFO"
    } else if t.is_socket() {
        "socket"
    } else if t.is_dir() {
        "folder"
    } else if t.is_block_device() || t.is_char_device() {
        "device"
    } else {
        "special file"
    }
}

/// Reads at most `limit` bytes from an opened file; `None` when it holds more (it grew since
/// its size was checked).
pub fn read_bounded(file: File, len: u64, limit: u64) -> io::Result<Option<Vec<u8>>> {
    let mut bytes = Vec::with_capacity(len.min(limit) as usize);
    file.take(limit + 1).read_to_end(&mut bytes)?;
    Ok((bytes.len() as u64 <= limit).then_some(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symlinks_and_fifos_are_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("secret");
        std::fs::write(&target, b"x").unwrap();
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        assert!(matches!(
            open_claimed(&link),
            Opened::NotRegular {
                kind: "symbolic link"
            }
        ));
        let fifo = dir.path().join("fifo");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if made.is_ok_and(|s| s.success()) {
            assert!(matches!(
                open_claimed(&fifo),
                Opened::NotRegular { kind: "FIFO" }
            ));
        }
        assert!(matches!(
            open_claimed(&target),
            Opened::Regular { len: 1, .. }
        ));
    }

    #[test]
    fn a_file_that_grew_past_the_limit_is_caught() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, b"0123456789").unwrap();
        let file = File::open(&path).unwrap();
        assert_eq!(read_bounded(file, 4, 9).unwrap(), None);
        let file = File::open(&path).unwrap();
        assert_eq!(read_bounded(file, 10, 10).unwrap().unwrap().len(), 10);
    }
}
