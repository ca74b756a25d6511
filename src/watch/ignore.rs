//! The one list of names the inbox watcher never touches: office lock and owner files,
//! partial downloads and temporary files, hidden files and folders, operating-system junk,
//! and gongwen's own temporary files. They are ignored, never moved or rejected.

use std::path::Path;

/// Whether a path (relative to the inbox) is to be left alone. A hidden folder anywhere on
/// the path hides everything below it.
pub fn is_ignored(relative: &Path) -> bool {
    relative.components().any(|c| {
        let name = c.as_os_str().to_string_lossy();
        is_ignored_name(&name)
    })
}

/// The rule for one path component.
pub fn is_ignored_name(name: &str) -> bool {
    let lower = name.to_lowercase();
    // Hidden files and folders, which include LibreOffice's `.~lock.name#` and our own
    // `.name.<pid>.gongwen-tmp`.
    name.starts_with('.')
        // Excel and WPS owner files: `~$name.xlsx`; WPS also writes `~name.tmp`.
        || name.starts_with("~$")
        || name.starts_with('~')
        // Temporary files and partial downloads.
        || [".tmp", ".temp", ".part", ".partial", ".crdownload", ".download", ".swp", ".bak", crate::archive::TEMP_SUFFIX]
            .iter()
            .any(|ext| lower.ends_with(ext))
        // LibreOffice lock files end with '#'.
        || name.ends_with('#')
        // Operating-system junk.
        || ["thumbs.db", "desktop.ini", ".ds_store", "ehthumbs.db", "icon\r"].contains(&lower.as_str())
        || lower.starts_with("._")
}

/// Why a path (relative to the inbox) is left alone, for the log; `None` when it is taken.
pub fn ignore_reason_of_path(relative: &Path) -> Option<&'static str> {
    is_ignored(relative).then_some("matches the ignore list")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn office_locks_and_partials_are_ignored() {
        for name in [
            "~$西湖区.xlsx",
            ".~lock.西湖区.xlsx#",
            "~WRL0001.tmp",
            "西湖区.xlsx.tmp",
            "西湖区.xlsx.part",
            "西湖区.xlsx.crdownload",
            "Thumbs.db",
            "desktop.ini",
            ".DS_Store",
            "._西湖区.xlsx",
            ".hidden.xlsx",
            ".西湖区.xlsx.123.gongwen-tmp",
        ] {
            assert!(is_ignored(Path::new(name)), "{name} must be ignored");
        }
    }

    #[test]
    fn hidden_folders_hide_their_contents() {
        assert!(is_ignored(Path::new(".git/西湖区.xlsx")));
        assert!(is_ignored(Path::new("杭州/.sync/西湖区.xlsx")));
    }

    #[test]
    fn real_filings_are_not_ignored() {
        for name in [
            "西湖区.xlsx",
            "杭州/上城区整改清单.xls",
            "余杭区.ods",
            "拱墅区.csv",
            "temp报表.xlsx",
            "西湖区#1.xlsx",
        ] {
            assert!(!is_ignored(Path::new(name)), "{name} must be taken");
        }
    }
}
