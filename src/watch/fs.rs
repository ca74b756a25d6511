//! Which file system the inbox lives on, so the watcher can choose its mode by itself. On a
//! network share (SMB/CIFS, NFS, sshfs, 9p, Ceph, `GlusterFS`…) inotify reports only what this
//! machine writes: a clerk's copy from their own PC raises no event. There the watcher polls.
//!
//! Read from `/proc/self/mountinfo` (the mount whose point is the longest prefix of the inbox's
//! real path, the last one mounted on top winning), which needs no `unsafe` (the crate denies
//! it) and names FUSE file systems by their subtype (`fuse.sshfs`), which `statfs`'s magic
//! number does not. Where `/proc` is missing, the type is unknown and native events stay on:
//! the periodic rescan still finds every file.

use std::path::{Path, PathBuf};

/// What the inbox's file system means for file events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FsKind {
    /// Events see every write: native events.
    Local,
    /// Writes from other machines raise no events: poll.
    Network,
    /// Not found out: native events, with the periodic rescan as the safety net.
    Unknown,
}

/// File system types whose remote writes inotify does not see. FUSE file systems other than
/// the known local ones are also taken as remote (sshfs, rclone, s3fs, davfs2 are).
const NETWORK: &[&str] = &[
    "cifs",
    "smb3",
    "smb2",
    "smbfs",
    "nfs",
    "nfs4",
    "ncpfs",
    "9p",
    "virtiofs",
    "vboxsf",
    "vmhgfs",
    "fuse.vmhgfs-fuse",
    "ceph",
    "glusterfs",
    "lustre",
    "gpfs",
    "afs",
    "ocfs2",
    "gfs2",
    "orangefs",
    "beegfs",
    "davfs",
    "sshfs",
];

/// FUSE file systems over a local disk: events work.
const LOCAL_FUSE: &[&str] = &["fuseblk", "fuse.ntfs-3g", "fuse.lxcfs", "fuse.bindfs"];

/// Classifies a type as `/proc/self/mountinfo` names it (`ext4`, `cifs`, `fuse.sshfs`).
pub fn classify(fstype: &str) -> FsKind {
    let t = fstype.trim().to_ascii_lowercase();
    if t.is_empty() {
        return FsKind::Unknown;
    }
    if NETWORK.contains(&t.as_str()) || t.starts_with("nfs") || t.starts_with("smb") {
        return FsKind::Network;
    }
    if LOCAL_FUSE.contains(&t.as_str()) {
        return FsKind::Local;
    }
    if t == "fuse" || t.starts_with("fuse.") || t.starts_with("fuse3.") {
        return FsKind::Network;
    }
    FsKind::Local
}

/// The inbox's mount as found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Probe {
    /// The mount point holding the path.
    pub mount_point: Option<PathBuf>,
    /// Its type (`ext4`, `cifs`, `fuse.sshfs`).
    pub fstype: Option<String>,
    pub kind: FsKind,
}

/// Finds the file system `path` lives on.
pub fn probe(path: &Path) -> Probe {
    let real = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let found = std::fs::read_to_string("/proc/self/mountinfo")
        .ok()
        .and_then(|text| mount_of(&text, &real));
    match found {
        Some((mount_point, fstype)) => Probe {
            kind: classify(&fstype),
            mount_point: Some(mount_point),
            fstype: Some(fstype),
        },
        None => Probe {
            mount_point: None,
            fstype: None,
            kind: FsKind::Unknown,
        },
    }
}

/// The mount point and type of the mount holding `path` (absolute, resolved), from the text
/// of `/proc/self/mountinfo`: the longest mount point that is a prefix of the path; of
/// mounts on the same point, the last (the one on top).
pub fn mount_of(mountinfo: &str, path: &Path) -> Option<(PathBuf, String)> {
    let mut best: Option<(PathBuf, String)> = None;
    for line in mountinfo.lines() {
        // id parent major:minor root mount-point options [optional…] - fstype source super
        let (before, after) = match line.split_once(" - ") {
            Some(parts) => parts,
            None => continue,
        };
        let Some(point) = before.split(' ').nth(4).map(unescape) else {
            continue;
        };
        let Some(fstype) = after.split(' ').next().filter(|t| !t.is_empty()) else {
            continue;
        };
        let point = PathBuf::from(point);
        if !path.starts_with(&point) {
            continue;
        }
        let longer = best
            .as_ref()
            .is_none_or(|(b, _)| point.components().count() >= b.components().count());
        if longer {
            best = Some((point, fstype.to_owned()));
        }
    }
    best
}

/// Undoes mountinfo's octal escapes (`\040` for a space, `\011`, `\012`, `\134`).
fn unescape(field: &str) -> String {
    let bytes = field.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\'
            && i + 3 < bytes.len()
            && bytes[i + 1..i + 4]
                .iter()
                .all(|b| (b'0'..=b'7').contains(b))
        {
            let value = (bytes[i + 1] - b'0') as u32 * 64
                + (bytes[i + 2] - b'0') as u32 * 8
                + (bytes[i + 3] - b'0') as u32;
            if let Ok(b) = u8::try_from(value) {
                out.push(b);
                i += 4;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn network_file_systems_are_told_from_local_ones() {
        for t in [
            "cifs",
            "smb3",
            "smbfs",
            "nfs",
            "nfs4",
            "fuse.sshfs",
            "9p",
            "ceph",
            "glusterfs",
            "fuse.glusterfs",
            "fuse.rclone",
            "virtiofs",
            "CIFS",
        ] {
            assert_eq!(classify(t), FsKind::Network, "{t}");
        }
        for t in [
            "ext4", "xfs", "btrfs", "tmpfs", "zfs", "overlay", "f2fs", "fuseblk", "vfat",
        ] {
            assert_eq!(classify(t), FsKind::Local, "{t}");
        }
        assert_eq!(classify(""), FsKind::Unknown);
    }

    const MOUNTINFO: &str = "\
27 1 254:0 / / rw,relatime - ext4 /dev/vda rw
25 24 0:23 / /dev/shm rw,relatime - tmpfs tmpfs rw
60 27 0:50 / /srv/share rw,relatime shared:5 - cifs //fs01/教育 rw,vers=3.0
61 60 0:51 / /srv/share/local\\040copy rw,relatime - ext4 /dev/vdb rw
62 27 0:52 / /mnt/nas rw - nfs4 nas:/export rw
63 62 0:53 / /mnt/nas rw - fuse.sshfs me@host:/x rw
";

    #[test]
    fn the_longest_mount_point_holding_the_path_wins() {
        let of =
            |p: &str| mount_of(MOUNTINFO, Path::new(p)).map(|(m, t)| (m.display().to_string(), t));
        assert_eq!(
            of("/srv/share/gongwen/inbox"),
            Some(("/srv/share".into(), "cifs".into()))
        );
        assert_eq!(
            of("/srv/share/local copy/inbox"),
            Some(("/srv/share/local copy".into(), "ext4".into()))
        );
        // Not a prefix by characters: /srv/shared is on the root.
        assert_eq!(of("/srv/shared/inbox"), Some(("/".into(), "ext4".into())));
        // Mounted over: the one on top.
        assert_eq!(
            of("/mnt/nas/inbox"),
            Some(("/mnt/nas".into(), "fuse.sshfs".into()))
        );
        assert_eq!(of("/dev/shm/x"), Some(("/dev/shm".into(), "tmpfs".into())));
        assert_eq!(mount_of("", Path::new("/x")), None);
    }

    #[test]
    fn this_machines_temp_dir_is_found() {
        let dir = std::env::temp_dir();
        let p = probe(&dir);
        if std::path::Path::new("/proc/self/mountinfo").is_file() {
            assert!(p.fstype.is_some(), "{p:?}");
            assert!(
                dir.canonicalize()
                    .unwrap()
                    .starts_with(p.mount_point.unwrap())
            );
        } else {
            assert_eq!(p.kind, FsKind::Unknown);
        }
    }
}
