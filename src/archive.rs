//! Writing files so that nothing half-written is ever seen: every output goes to a temporary
//! name in its destination folder, is flushed to disk, then renamed over the final name
//! (atomic on one filesystem). Originals are kept content-addressed under their SHA-256.

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Suffix of files being written; readers and the inbox scan ignore it.
pub const TEMP_SUFFIX: &str = ".gongwen-tmp";

/// Writes `bytes` to `path` atomically: a temporary sibling, fsync, rename, fsync of the folder.
/// Creates the parent folders.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    write_atomic_all(&[(path, bytes)])
}

/// Writes several files atomically, as [`write_atomic`] does each, with the waits for the disk
/// side by side: every temporary file is written and fsynced on a thread of its own (the file
/// system commits them together, where one after another each waits for a commit of its own,
/// 5–10 ms here), then all are renamed, then each folder is fsynced once. When a temporary
/// file cannot be written, none is renamed and all are removed.
pub fn write_atomic_all(files: &[(&Path, &[u8])]) -> io::Result<()> {
    let mut dirs: Vec<&Path> = Vec::new();
    for (path, _) in files {
        let dir = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or_else(|| Path::new("."));
        if !dirs.contains(&dir) {
            fs::create_dir_all(dir)?;
            dirs.push(dir);
        }
    }
    let temps: Vec<PathBuf> = files.iter().map(|(path, _)| temp_sibling(path)).collect();
    let written: Vec<io::Result<()>> = if files.len() == 1 {
        vec![write_synced(&temps[0], files[0].1)]
    } else {
        std::thread::scope(|scope| {
            let writers: Vec<_> = files
                .iter()
                .zip(&temps)
                .map(|((_, bytes), tmp)| scope.spawn(move || write_synced(tmp, bytes)))
                .collect();
            writers
                .into_iter()
                .map(|w| w.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
                .collect()
        })
    };
    let remove_from = |first: usize| {
        for tmp in &temps[first..] {
            let _ = fs::remove_file(tmp);
        }
    };
    if let Some(err) = written.into_iter().find_map(Result::err) {
        remove_from(0);
        return Err(err);
    }
    for (i, ((path, _), tmp)) in files.iter().zip(&temps).enumerate() {
        if let Err(err) = fs::rename(tmp, path) {
            remove_from(i);
            return Err(err);
        }
    }
    dirs.into_iter().try_for_each(sync_dir)
}

/// Creates (or truncates) `path`, writes `bytes` and fsyncs it.
fn write_synced(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut file = File::create(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// `dir/.name.<pid>.gongwen-tmp`: hidden, unique per process, in the same folder so the rename
/// stays on one filesystem.
pub fn temp_sibling(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.{}{TEMP_SUFFIX}", std::process::id()))
}

/// Makes a rename durable: fsync the folder that holds the new name.
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    match File::open(dir) {
        Ok(handle) => handle.sync_all().or(Ok(())),
        Err(err) => Err(err),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_leaves_only_the_final_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a").join("b.pdf");
        write_atomic(&path, b"one").unwrap();
        write_atomic(&path, b"two").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"two");
        let names: Vec<_> = fs::read_dir(path.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("b.pdf")]);
    }

    #[test]
    fn atomic_write_of_several_files_writes_each_whole() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("x").join("a.pdf");
        let b = dir.path().join("x").join("b.docx");
        let c = dir.path().join("y").join("c.pdf");
        fs::create_dir_all(dir.path().join("x")).unwrap();
        fs::write(&a, b"old").unwrap();
        write_atomic_all(&[(&a, b"one"), (&b, b"two"), (&c, b"three")]).unwrap();
        assert_eq!(fs::read(&a).unwrap(), b"one");
        assert_eq!(fs::read(&b).unwrap(), b"two");
        assert_eq!(fs::read(&c).unwrap(), b"three");
        let mut names: Vec<_> = fs::read_dir(dir.path().join("x"))
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        assert_eq!(names, ["a.pdf", "b.docx"]);
    }

    #[test]
    fn temporaries_of_dead_writers_are_removed_and_live_ones_kept() {
        let dir = tempfile::tempdir().unwrap();
        let deep = dir.path().join("a").join("documents");
        fs::create_dir_all(&deep).unwrap();
        // No process has pid 4294967 on Linux (pid_max is at most 2^22).
        let dead = deep.join(format!(".x.pdf.4294967{TEMP_SUFFIX}"));
        let live = deep.join(format!(".y.pdf.{}{TEMP_SUFFIX}", std::process::id()));
        let kept = deep.join("z.pdf");
        for p in [&dead, &live, &kept] {
            fs::write(p, b"x").unwrap();
        }
        assert_eq!(remove_stale_temporaries(&[dir.path()]), 1);
        assert!(!dead.exists());
        assert!(live.exists());
        assert!(kept.exists());
    }

    #[test]
    fn a_failed_write_renames_nothing_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.pdf");
        fs::write(&a, b"old").unwrap();
        // A folder where the second file's temporary name would go: it cannot be created.
        let b = dir.path().join("b.pdf");
        fs::create_dir_all(temp_sibling(&b)).unwrap();
        let err = write_atomic_all(&[(&a, b"new"), (&b, b"two")]);
        assert!(err.is_err());
        assert_eq!(
            fs::read(&a).unwrap(),
            b"old",
            "the first file is not replaced"
        );
        assert!(!b.exists());
        assert!(!temp_sibling(&a).exists());
    }
}

/// The folders under a gongwen root.
#[derive(Debug, Clone)]
pub struct Layout {
    pub root: PathBuf,
    /// Clerks drop files here, in subfolders if they like.
    pub inbox: PathBuf,
    /// The latest documents, what bureaus print.
    pub outbox: PathBuf,
    /// Every accepted original under its SHA-256, with its JSON, documents and manifest.
    pub archive: PathBuf,
    /// Every file that could not be accepted, with its receipt.
    pub rejected: PathBuf,
    /// Files claimed and being processed; a restart finishes what it finds here.
    pub work: PathBuf,
}

impl Layout {
    pub fn new(root: &Path) -> Layout {
        Layout {
            root: root.to_path_buf(),
            inbox: root.join("inbox"),
            outbox: root.join("outbox"),
            archive: root.join("archive"),
            rejected: root.join("rejected"),
            work: root.join("work"),
        }
    }

    /// Creates the folders and proves the archive is writable, so a daemon that cannot keep
    /// what it takes stops before taking anything.
    pub fn prepare(&self) -> io::Result<()> {
        for dir in [
            &self.inbox,
            &self.outbox,
            &self.archive,
            &self.rejected,
            &self.work,
        ] {
            fs::create_dir_all(dir)?;
        }
        let probe = self
            .archive
            .join(format!(".probe.{}{TEMP_SUFFIX}", std::process::id()));
        fs::write(&probe, b"probe")?;
        fs::remove_file(&probe)
    }

    /// `archive/<sha256>/`.
    pub fn archived(&self, sha256: &str) -> PathBuf {
        self.archive.join(sha256)
    }

    /// A path relative to the root, with forward slashes, for receipts and manifests.
    pub fn relative(&self, path: &Path) -> String {
        path.strip_prefix(&self.root)
            .unwrap_or(path)
            .to_string_lossy()
            .replace('\\', "/")
    }

    pub fn state_path(&self) -> PathBuf {
        self.archive.join("state.json")
    }

    /// Takes the archive lock: one process at a time commits results, so two daemons on one
    /// share never interleave their state updates. Released when the guard drops.
    pub fn lock(&self) -> io::Result<File> {
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(self.archive.join(".lock"))?;
        file.lock()?;
        Ok(file)
    }

    /// Takes the lock for one content hash: the same bytes are processed by one process at a
    /// time, so the duplicate check and the archive insert are one step across daemons. The
    /// locks are 256 stripes by the hash's first byte (`archive/.locks/<xx>`), so they never
    /// pile up; two different files sharing a stripe only wait for each other.
    pub fn lock_content(&self, sha256: &str) -> io::Result<File> {
        let dir = self.archive.join(".locks");
        fs::create_dir_all(&dir)?;
        let stripe: String = sha256.chars().take(2).collect();
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(dir.join(stripe))?;
        file.lock()?;
        Ok(file)
    }

    /// The marker written once a file's results are all in place: its bytes are then a
    /// duplicate if dropped again.
    pub fn done_marker(&self, sha256: &str) -> PathBuf {
        self.archived(sha256).join("done")
    }
}

/// Removes the temporary files a process killed while writing left behind (`.name.<pid>.
/// gongwen-tmp`) under `dirs`, recursively: those of a process that no longer runs on this
/// machine, and any older than an hour (a write takes milliseconds; an hour-old one belongs
/// to a process on another machine that died). Returns how many were removed.
pub fn remove_stale_temporaries(dirs: &[&Path]) -> usize {
    let mut removed = 0;
    let mut stack: Vec<PathBuf> = dirs.iter().map(|d| d.to_path_buf()).collect();
    while let Some(dir) = stack.pop() {
        let Ok(entries) = fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            let name = entry.file_name().to_string_lossy().into_owned();
            if kind.is_dir() {
                stack.push(entry.path());
            } else if name.ends_with(TEMP_SUFFIX)
                && is_stale_temporary(&name, entry.metadata().ok())
                && fs::remove_file(entry.path()).is_ok()
            {
                removed += 1;
            }
        }
    }
    removed
}

fn is_stale_temporary(name: &str, meta: Option<fs::Metadata>) -> bool {
    let writer = name
        .strip_suffix(TEMP_SUFFIX)
        .and_then(|rest| rest.rsplit('.').next())
        .and_then(|pid| pid.parse::<u32>().ok());
    let writer_gone = writer.is_none_or(|pid| {
        pid != std::process::id() && !Path::new("/proc").join(pid.to_string()).exists()
    });
    let old = meta
        .and_then(|m| m.modified().ok())
        .and_then(|t| t.elapsed().ok())
        .is_some_and(|age| age > std::time::Duration::from_secs(3600));
    writer_gone || old
}

/// Where each county stands: its latest accepted file and its latest rejected one.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct State {
    pub schema: String,
    /// By county code.
    pub accepted: std::collections::BTreeMap<String, Entry>,
    /// By county code, the latest rejected file that named the county.
    pub rejected: std::collections::BTreeMap<String, Entry>,
}

/// One file's place in the state.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Entry {
    pub sha256: String,
    pub file: String,
    /// When the file was received.
    pub at: crate::calendar::Timestamp,
    /// Where its receipt is, relative to the root.
    pub receipt: String,
    pub warnings: usize,
}

impl State {
    pub const SCHEMA: &str = "gongwen.state/1";

    pub fn load(layout: &Layout) -> io::Result<State> {
        match fs::read(layout.state_path()) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(io::Error::other),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(State {
                schema: State::SCHEMA.to_owned(),
                ..State::default()
            }),
            Err(e) => Err(e),
        }
    }

    pub fn save(&self, layout: &Layout) -> io::Result<()> {
        let bytes = serde_json::to_vec_pretty(self).map_err(io::Error::other)?;
        write_atomic(&layout.state_path(), &bytes)
    }
}

/// Writes a value as pretty JSON, atomically.
pub fn write_json<T: serde::Serialize>(path: &Path, value: &T) -> io::Result<()> {
    let mut bytes = serde_json::to_vec_pretty(value).map_err(io::Error::other)?;
    bytes.push(b'\n');
    write_atomic(path, &bytes)
}
