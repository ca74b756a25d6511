//! The one list of names the inbox watcher never touches: office lock and owner files,
//! partial downloads and temporary files, hidden files and folders, operating-system and NAS
//! junk, and gongwen's own temporary files. They are ignored, never moved or rejected.
//!
//! Only documented patterns are on the list, each with the reason the daemon logs: a clerk's
//! file that merely looks odd (`~鄞州区.xlsx`, `temp报表.xlsx`) is a filing and is processed.

use std::path::Path;

/// Whether a path (relative to the inbox) is to be left alone. A hidden folder anywhere on
/// the path hides everything below it.
pub fn is_ignored(relative: &Path) -> bool {
    ignore_reason(relative).is_some()
}

/// Why a path (relative to the inbox) is left alone, or `None` when it is to be processed:
/// the reason of the first ignored component, so a file inside `.sync/` says "hidden".
pub fn ignore_reason(relative: &Path) -> Option<&'static str> {
    relative
        .components()
        .find_map(|c| name_ignore_reason(&c.as_os_str().to_string_lossy()))
}

/// Whether one path component is to be left alone.
pub fn is_ignored_name(name: &str) -> bool {
    name_ignore_reason(name).is_some()
}

/// The rule for one path component, with its reason (English, for the operator's log). The
/// most specific reason comes first: LibreOffice's lock file is also hidden, but "LibreOffice
/// lock file" tells the operator more.
pub fn name_ignore_reason(name: &str) -> Option<&'static str> {
    let lower = name.to_lowercase();
    if lower.ends_with(crate::archive::TEMP_SUFFIX) {
        return Some("gongwen's own temporary file");
    }
    if name.starts_with(".~lock.") && name.ends_with('#') {
        return Some("LibreOffice lock file");
    }
    if name.starts_with(".~") {
        // WPS on Linux marks an open document with `.~西湖区.xlsx`.
        return Some("WPS lock file");
    }
    if name.starts_with("~$") {
        // Excel, Word and WPS on Windows: `~$西湖区.xlsx` while the workbook is open.
        return Some("Excel/WPS owner (lock) file");
    }
    if lower.starts_with("._") {
        return Some("macOS resource fork (AppleDouble) file");
    }
    if name.starts_with('.') {
        return Some("hidden file or folder");
    }
    if OS_JUNK.contains(&lower.as_str()) {
        return Some("operating-system or NAS housekeeping file");
    }
    if let Some((_, reason)) = SUFFIXES.iter().find(|(suffix, _)| lower.ends_with(suffix)) {
        // `~WRL0001.tmp`, `~WPS1234.tmp` and LibreOffice's `lu123.tmp` end here too.
        return Some(reason);
    }
    if is_excel_save_temporary(name) {
        return Some("Excel temporary save file");
    }
    None
}

/// Names the operating system, a file manager or a NAS writes next to a user's files.
const OS_JUNK: &[&str] = &[
    "thumbs.db",
    "ehthumbs.db",
    "desktop.ini",
    "icon\r",
    "$recycle.bin",
    "system volume information",
    // Synology shares: the recycle bin and the thumbnail index.
    "#recycle",
    "@eadir",
];

/// Endings of files that are not finished yet or are someone's scratch copy.
const SUFFIXES: &[(&str, &str)] = &[
    (".tmp", "temporary file"),
    (".temp", "temporary file"),
    (".part", "partial download"),
    (".partial", "partial download"),
    (".crdownload", "partial download"),
    (".download", "partial download"),
    (".swp", "editor swap file"),
    (".bak", "backup copy"),
];

/// Excel saves into a new file named with eight hexadecimal digits and no extension, then
/// renames it over the workbook.
fn is_excel_save_temporary(name: &str) -> bool {
    name.len() == 8 && name.bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_documented_pattern_is_ignored_with_its_reason() {
        for (name, reason) in [
            ("~$西湖区.xlsx", "Excel/WPS owner (lock) file"),
            ("~$湖区.xlsx", "Excel/WPS owner (lock) file"),
            (".~lock.西湖区.xlsx#", "LibreOffice lock file"),
            (".~西湖区.xlsx", "WPS lock file"),
            ("~WRL0001.tmp", "temporary file"),
            ("~WPS1234.tmp", "temporary file"),
            ("lu7412abcd.tmp", "temporary file"),
            ("西湖区.xlsx.TEMP", "temporary file"),
            ("西湖区.xlsx.part", "partial download"),
            ("西湖区.xlsx.partial", "partial download"),
            ("西湖区.xlsx.crdownload", "partial download"),
            ("西湖区.xlsx.download", "partial download"),
            ("西湖区.xlsx.swp", "editor swap file"),
            ("西湖区.xlsx.bak", "backup copy"),
            ("8A3B4C5D", "Excel temporary save file"),
            ("Thumbs.db", "operating-system or NAS housekeeping file"),
            ("desktop.ini", "operating-system or NAS housekeeping file"),
            ("Icon\r", "operating-system or NAS housekeeping file"),
            ("#recycle", "operating-system or NAS housekeeping file"),
            ("@eaDir", "operating-system or NAS housekeeping file"),
            ("$RECYCLE.BIN", "operating-system or NAS housekeeping file"),
            (".DS_Store", "hidden file or folder"),
            ("._西湖区.xlsx", "macOS resource fork (AppleDouble) file"),
            (".hidden.xlsx", "hidden file or folder"),
            (
                ".西湖区.xlsx.123.gongwen-tmp",
                "gongwen's own temporary file",
            ),
        ] {
            assert_eq!(name_ignore_reason(name), Some(reason), "{name:?}");
            assert!(is_ignored(Path::new(name)), "{name:?} must be ignored");
        }
    }

    #[test]
    fn hidden_folders_hide_their_contents() {
        assert!(is_ignored(Path::new(".git/西湖区.xlsx")));
        assert_eq!(
            ignore_reason(Path::new("杭州/.sync/西湖区.xlsx")),
            Some("hidden file or folder")
        );
        assert_eq!(
            ignore_reason(Path::new("@eaDir/西湖区.xlsx/SYNOFILE_THUMB_M.jpg")),
            Some("operating-system or NAS housekeeping file")
        );
    }

    /// Regression: every name with a leading `~` was ignored, so `~鄞州区.xlsx` never got a
    /// receipt.
    #[test]
    fn a_leading_tilde_alone_is_a_clerks_file() {
        for name in [
            "~鄞州区.xlsx",
            "~鄞州区(修改).xls",
            "~.csv",
            "杭州/~余杭区.ods",
        ] {
            assert_eq!(
                ignore_reason(Path::new(name)),
                None,
                "{name:?} must be taken"
            );
        }
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
            "西湖区.xlsx#",
            "tmp.xlsx",
            "12345678.xlsx",
            "2019年5月",
            "part.csv",
        ] {
            assert!(!is_ignored(Path::new(name)), "{name:?} must be taken");
        }
    }
}
