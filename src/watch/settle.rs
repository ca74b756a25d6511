//! Deciding when a dropped file is complete: its size and modification time have held still
//! for the settle window, and no local writer still holds it open. A pure function of
//! observations, so it is tested without a clock.
//!
//! A copy that pauses midway for longer than the window is the hard case: its size holds
//! still while the copy is not done. With native events, inotify's close-after-write says when
//! a local writer let go; a file written to but not yet closed waits (up to a long bound, in
//! case the close event was lost). Network shares give no such event: there the settle window
//! is the only guard, and should be set longer than the longest pause expected.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime};

/// What a scan saw of one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Snapshot {
    pub len: u64,
    pub modified: Option<SystemTime>,
}

#[derive(Debug, Clone, Copy)]
struct Watched {
    snapshot: Snapshot,
    /// When the current snapshot was first seen.
    stable_since: Instant,
}

/// Files seen in the inbox and since when each has been unchanged.
#[derive(Debug, Default)]
pub struct Settler {
    files: BTreeMap<PathBuf, Watched>,
    /// Files a local writer has opened for writing and not yet closed, with when that was seen.
    writing: BTreeMap<PathBuf, Instant>,
}

/// How long a file reported open for writing may hold still before it is taken anyway.
pub const OPEN_WRITER_LIMIT: Duration = Duration::from_secs(300);

impl Settler {
    pub fn new() -> Self {
        Settler::default()
    }

    /// Records one scan: every file present now with its snapshot. Files no longer present
    /// are forgotten; a changed snapshot restarts that file's wait.
    pub fn observe(&mut self, seen: impl IntoIterator<Item = (PathBuf, Snapshot)>, now: Instant) {
        let mut next = BTreeMap::new();
        for (path, snapshot) in seen {
            let stable_since = match self.files.get(&path) {
                Some(w) if w.snapshot == snapshot => w.stable_since,
                _ => now,
            };
            next.insert(
                path,
                Watched {
                    snapshot,
                    stable_since,
                },
            );
        }
        self.files = next;
        let files = &self.files;
        self.writing.retain(|p, _| files.contains_key(p));
    }

    /// A write event without a close: the file is still being written.
    pub fn mark_writing(&mut self, path: PathBuf, now: Instant) {
        self.writing.insert(path, now);
    }

    /// The writer closed the file.
    pub fn mark_closed(&mut self, path: &PathBuf) {
        self.writing.remove(path);
    }

    /// Files unchanged for at least `window`, in path order. An empty file is never ready: a
    /// copy that has created its file but written nothing yet looks exactly like that; it is
    /// taken once it has data, or after ten windows (then it is rejected as empty).
    pub fn ready(&self, now: Instant, window: Duration) -> Vec<PathBuf> {
        self.files
            .iter()
            .filter(|(p, w)| {
                let held = now.saturating_duration_since(w.stable_since);
                if self.writing.contains_key(*p) {
                    held >= OPEN_WRITER_LIMIT
                } else if w.snapshot.len == 0 {
                    held >= window * 10
                } else {
                    held >= window
                }
            })
            .map(|(p, _)| p.clone())
            .collect()
    }

    /// The soonest moment any watched file may become ready, to sleep until then.
    pub fn next_deadline(&self, window: Duration) -> Option<Instant> {
        self.files
            .values()
            .map(|w| {
                if w.snapshot.len == 0 {
                    w.stable_since + window * 10
                } else {
                    w.stable_since + window
                }
            })
            .min()
    }

    /// Stops watching a file (claimed, or gone).
    pub fn forget(&mut self, path: &PathBuf) {
        self.files.remove(path);
        self.writing.remove(path);
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snap(len: u64, secs: u64) -> Snapshot {
        Snapshot {
            len,
            modified: Some(SystemTime::UNIX_EPOCH + Duration::from_secs(secs)),
        }
    }

    const W: Duration = Duration::from_secs(1);

    #[test]
    fn a_file_is_ready_after_holding_still_for_the_window() {
        let t0 = Instant::now();
        let mut s = Settler::new();
        let p = PathBuf::from("a.xlsx");
        s.observe([(p.clone(), snap(10, 1))], t0);
        assert!(s.ready(t0 + Duration::from_millis(999), W).is_empty());
        s.observe([(p.clone(), snap(10, 1))], t0 + Duration::from_millis(500));
        assert_eq!(s.ready(t0 + W, W), vec![p]);
    }

    #[test]
    fn a_copy_that_pauses_midway_is_waited_for() {
        let t0 = Instant::now();
        let mut s = Settler::new();
        let p = PathBuf::from("a.xlsx");
        s.observe([(p.clone(), snap(10, 1))], t0);
        // Paused for 0.9 s, then the second half arrives: the wait starts again.
        s.observe([(p.clone(), snap(20, 2))], t0 + Duration::from_millis(900));
        assert!(s.ready(t0 + Duration::from_millis(1500), W).is_empty());
        assert_eq!(s.ready(t0 + Duration::from_millis(1900), W), vec![p]);
    }

    #[test]
    fn a_file_held_open_by_its_writer_waits_for_the_close() {
        let t0 = Instant::now();
        let mut s = Settler::new();
        let p = PathBuf::from("a.xlsx");
        s.observe([(p.clone(), snap(10, 1))], t0);
        s.mark_writing(p.clone(), t0);
        // The copy pauses for three windows with the file open: not taken.
        s.observe([(p.clone(), snap(10, 1))], t0 + W * 3);
        assert!(s.ready(t0 + W * 3, W).is_empty());
        s.mark_closed(&p);
        assert_eq!(s.ready(t0 + W * 3, W), vec![p.clone()]);
        // A lost close event delays a file, never loses it.
        s.mark_writing(p.clone(), t0);
        assert_eq!(s.ready(t0 + OPEN_WRITER_LIMIT, W), vec![p]);
    }

    #[test]
    fn same_size_but_new_mtime_restarts_the_wait() {
        let t0 = Instant::now();
        let mut s = Settler::new();
        let p = PathBuf::from("a.xlsx");
        s.observe([(p.clone(), snap(10, 1))], t0);
        s.observe([(p.clone(), snap(10, 5))], t0 + Duration::from_millis(800));
        assert!(s.ready(t0 + Duration::from_millis(1200), W).is_empty());
    }

    #[test]
    fn vanished_files_are_forgotten_and_empty_files_wait_longer() {
        let t0 = Instant::now();
        let mut s = Settler::new();
        s.observe(
            [
                (PathBuf::from("gone.xlsx"), snap(10, 1)),
                (PathBuf::from("empty.xlsx"), snap(0, 1)),
            ],
            t0,
        );
        s.observe([(PathBuf::from("empty.xlsx"), snap(0, 1))], t0 + W);
        assert!(s.ready(t0 + W * 2, W).is_empty());
        assert_eq!(s.ready(t0 + W * 10, W), vec![PathBuf::from("empty.xlsx")]);
        assert_eq!(s.next_deadline(W), Some(t0 + W * 10));
    }
}
