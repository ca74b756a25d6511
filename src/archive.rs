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
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or_else(|| Path::new("."));
    fs::create_dir_all(dir)?;
    let tmp = temp_sibling(path);
    let result = (|| {
        let mut file = File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        drop(file);
        fs::rename(&tmp, path)?;
        sync_dir(dir)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
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

    /// The marker written once a file's results are all in place: its bytes are then a
    /// duplicate if dropped again.
    pub fn done_marker(&self, sha256: &str) -> PathBuf {
        self.archived(sha256).join("done")
    }
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
    pub at: String,
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
