//! The fonts gongwen typesets with: scanned once from our own folders (`fonts/` plus any
//! `--font-path`), never from the system, so a document looks the same on every machine.
//!
//! The templates name licensed faces first (`仿宋_GB2312`, 方正小标宋简体, 黑体, `楷体_GB2312`, in
//! their Chinese and English names) and the shipped stand-ins last; a bureau that drops its
//! licensed fonts into a font folder gets them without touching a template. typst matches a
//! family by the first decodable name-table family record, lowercased — the English one when
//! a font has both (records sort by language id, 0x0409 before 0x0804), the Chinese one when
//! that is all it has — so the lists carry both spellings.

use std::path::{Path, PathBuf};

use typst::text::{FontBook, FontInfo};
use typst_kit::fonts::{FontPath, FontStore};

/// A stand-in family the templates fall back to, and the weight that must exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StandIn {
    /// The family as the font names it.
    pub family: &'static str,
    /// 400 regular, 700 bold.
    pub weight: u16,
    /// What it stands in for.
    pub role: &'static str,
    /// The file `fonts/` ships it as.
    pub file: &'static str,
}

/// The shipped faces the templates cannot do without.
pub const STAND_INS: [StandIn; 6] = [
    StandIn {
        family: "Zhuque Fangsong",
        weight: 400,
        role: "仿宋",
        file: "ZhuqueFangsong-Regular.ttf",
    },
    StandIn {
        family: "Noto Serif CJK SC",
        weight: 400,
        role: "宋体, and 仿宋 where 朱雀仿宋 has no glyph",
        file: "NotoSerifCJKsc-Regular.otf",
    },
    StandIn {
        family: "Noto Serif CJK SC",
        weight: 700,
        role: "小标宋",
        file: "NotoSerifCJKsc-Bold.otf",
    },
    StandIn {
        family: "Noto Sans CJK SC",
        weight: 400,
        role: "黑体",
        file: "NotoSansCJKsc-Regular.otf",
    },
    StandIn {
        family: "Noto Sans CJK SC",
        weight: 700,
        role: "黑体 bold",
        file: "NotoSansCJKsc-Bold.otf",
    },
    StandIn {
        family: "LXGW WenKai",
        weight: 400,
        role: "楷体",
        file: "LXGWWenKai-Regular.ttf",
    },
];

/// Fonts missing from the folders: the documents cannot be typeset.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("fonts missing from {}: {}", dirs_label(.dirs), .missing.join(", "))]
pub struct MissingFonts {
    pub dirs: Vec<PathBuf>,
    /// `family (weight) for role`, one per missing stand-in.
    pub missing: Vec<String>,
}

fn dirs_label(dirs: &[PathBuf]) -> String {
    if dirs.is_empty() {
        return "(no font folder)".to_owned();
    }
    dirs.iter()
        .map(|d| d.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Scans every folder (recursively) into one store. Folders that do not exist are skipped;
/// the stand-in check afterwards says what is missing.
pub fn scan(dirs: &[PathBuf]) -> FontStore {
    let mut store = FontStore::new();
    let mut seen: Vec<(PathBuf, u32)> = Vec::new();
    for dir in dirs {
        if !dir.is_dir() {
            continue;
        }
        let mut found: Vec<(FontPath, FontInfo)> = typst_kit::fonts::scan(dir).collect();
        // fontdb's directory order is the file system's: sort so font indices, and with them
        // the bytes of every PDF, do not depend on it.
        found.sort_by(|a, b| (&a.0.path, a.0.index).cmp(&(&b.0.path, b.0.index)));
        for (path, info) in found {
            // The same file reached through two folders is one font.
            let key = (canonical(&path.path), path.index);
            if seen.contains(&key) {
                continue;
            }
            seen.push(key);
            store.push((path, info));
        }
    }
    store
}

fn canonical(path: &Path) -> PathBuf {
    path.canonicalize().unwrap_or_else(|_| path.to_path_buf())
}

/// Checks that every stand-in the templates fall back to is present.
pub fn check_stand_ins(book: &FontBook, dirs: &[PathBuf]) -> Result<(), MissingFonts> {
    let missing: Vec<String> = STAND_INS
        .iter()
        .filter(|s| !has_face(book, s.family, s.weight))
        .map(|s| format!("{} {} for {} ({})", s.family, s.weight, s.role, s.file))
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(MissingFonts {
            dirs: dirs.to_vec(),
            missing,
        })
    }
}

/// Whether the book holds `family` at exactly `weight`.
pub fn has_face(book: &FontBook, family: &str, weight: u16) -> bool {
    book.select_family(&family.to_lowercase()).any(|index| {
        book.info(index)
            .is_some_and(|info| info.variant.weight.to_number() == weight)
    })
}

/// Every character some font in a book can draw, as one bit per code point: asked for each
/// character of every text before a render, where a font's own coverage (a linear walk over
/// its runs) costs a tenth of the render for a long form.
#[derive(Debug, Clone)]
pub struct CharCoverage {
    bits: Vec<u64>,
}

impl CharCoverage {
    /// The union of the coverage of every font in `book` (about 140 KB, built in a
    /// millisecond).
    pub fn of(book: &FontBook) -> CharCoverage {
        let mut bits = vec![0u64; (char::MAX as usize + 1).div_ceil(64)];
        for info in (0..).map_while(|i| book.info(i)) {
            for c in info.coverage.iter() {
                if let Some(word) = bits.get_mut(c as usize / 64) {
                    *word |= 1 << (c % 64);
                }
            }
        }
        CharCoverage { bits }
    }

    /// Whether some font can draw `c`. Whitespace, controls and default-ignorable code
    /// points draw nothing and need no glyph.
    pub fn covers(&self, c: char) -> bool {
        let n = c as usize;
        self.bits[n / 64] & (1 << (n % 64)) != 0
            || c.is_whitespace()
            || c.is_control()
            || typst::text::is_default_ignorable(c)
    }
}

/// The mark printed in place of a character no font covers (GB/T's 〓, 替换符).
pub const REPLACEMENT: char = '〓';
