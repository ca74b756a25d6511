//! Names a clerk gives are data, never paths: the file gongwen keeps is stored under a fixed
//! name of its own (`original.<ext>`), and every name derived from the dropped one (receipts,
//! rejected copies) is cut to fit the file system's limit on a UTF-8 character boundary, with
//! the content hash kept so it stays unique.

use std::path::Path;

/// The longest name gongwen derives from a clerk's, in bytes. `NAME_MAX` is 255 on every file
/// system gongwen runs on; the temporary sibling used while writing (`.<name>.<pid>.gongwen-tmp`)
/// adds up to 35 bytes, so derived names stay well below.
pub const MAX_DERIVED_NAME: usize = 200;

/// The longest extension kept from a dropped name; anything longer is not a spreadsheet's.
const MAX_EXTENSION: usize = 8;

/// The extension of a dropped name, lower-cased, when it is a plain one (ASCII letters and
/// digits, at most eight): `西湖区.XLSX` → `xlsx`. The readers choose CSV by it.
pub fn extension(name: &str) -> Option<String> {
    let ext = Path::new(name).extension()?.to_str()?;
    (!ext.is_empty()
        && ext.len() <= MAX_EXTENSION
        && ext.chars().all(|c| c.is_ascii_alphanumeric()))
    .then(|| ext.to_ascii_lowercase())
}

/// The fixed name an original is kept under, in `work/` and in `archive/<sha256>/`: nothing a
/// clerk names can collide with gongwen's own files there.
pub fn stored_original(dropped: &str) -> String {
    match extension(dropped) {
        Some(ext) => format!("original.{ext}"),
        None => "original".to_owned(),
    }
}

/// One safe path component from a clerk's name: separators, NUL and control characters become
/// `_`, leading dots go (a name never hides itself or climbs a folder).
pub fn component(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| {
            if matches!(c, '/' | '\\' | '\0') || c.is_control() {
                '_'
            } else {
                c
            }
        })
        .collect();
    let trimmed = cleaned.trim_start_matches('.');
    if trimmed.is_empty() {
        "_".to_owned()
    } else {
        trimmed.to_owned()
    }
}

/// `prefix + clerk + suffix`, with `clerk` cut at a character boundary so that the whole fits
/// in [`MAX_DERIVED_NAME`] bytes. `prefix` and `suffix` carry the hash and the kind of file, so
/// a cut name is still unique and still says what it is.
pub fn fit(prefix: &str, clerk: &str, suffix: &str) -> String {
    let room = MAX_DERIVED_NAME.saturating_sub(prefix.len() + suffix.len());
    format!("{prefix}{}{suffix}", truncate_to(clerk, room))
}

/// The longest prefix of `text` of at most `bytes` bytes that ends on a character boundary.
pub fn truncate_to(text: &str, bytes: usize) -> &str {
    if text.len() <= bytes {
        return text;
    }
    let mut end = bytes;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// `stem_<sha8>.ext` for `rejected/`, cut to fit: kept names never collide, and the same bytes
/// under the same name map to the same kept name.
pub fn rejected(dropped: &str, sha256: &str) -> String {
    let short = &sha256[..8.min(sha256.len())];
    let name = component(dropped);
    let stem = Path::new(&name)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let suffix = match extension(&name) {
        Some(ext) => format!("_{short}.{ext}"),
        None => format!("_{short}"),
    };
    fit("", &stem, &suffix)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_original_is_kept_under_a_fixed_name() {
        assert_eq!(stored_original("西湖区.XLSX"), "original.xlsx");
        assert_eq!(stored_original("submission.json"), "original.json");
        assert_eq!(stored_original("done"), "original");
        assert_eq!(stored_original("manifest"), "original");
        assert_eq!(stored_original("a.x y"), "original");
        assert_eq!(stored_original("a.verylongextension"), "original");
    }

    #[test]
    fn derived_names_fit_and_keep_the_hash() {
        let long = "西".repeat(100); // 300 bytes
        let sha = "0123456789abcdef".repeat(4);
        let name = rejected(&format!("{long}.xlsx"), &sha);
        assert!(name.len() <= MAX_DERIVED_NAME, "{} bytes", name.len());
        assert!(name.ends_with("_01234567.xlsx"), "{name}");
        assert!(name.starts_with("西西"));
        let receipt = fit("20261130-120000_01234567_", &long, ".回执.txt");
        assert!(receipt.len() <= MAX_DERIVED_NAME);
        assert!(receipt.ends_with(".回执.txt"));
    }

    #[test]
    fn truncation_never_splits_a_character() {
        assert_eq!(truncate_to("西湖区", 4), "西");
        assert_eq!(truncate_to("西湖区", 6), "西湖");
        assert_eq!(truncate_to("ab", 10), "ab");
    }

    #[test]
    fn components_never_climb_or_hide() {
        assert_eq!(component("../etc/passwd"), "_etc_passwd");
        assert_eq!(component(".hidden"), "hidden");
        assert_eq!(component("a\nb"), "a_b");
        assert_eq!(component(""), "_");
    }
}
