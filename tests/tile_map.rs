//! The province summary's 挂图 in both backends: the tile map of the divisions standing on the
//! day, composed from ledgers saved in a temporary archive, typeset by the real template
//! (pdftotext finds every tile's label; pdftoppm shows a county whose items are all 销号 in
//! the darkest green at its label's place, one with none 销号 in the lightest, one without a
//! list hatched) and written as DOCX (a table whose cells are the tiles, shaded alike).
//! Tests that need a tool skip with a printed reason when it is missing.

mod common;

#[path = "support/ledgers.rs"]
mod ledgers;

use std::collections::BTreeMap;
use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use gongwen::archive::Layout;
use gongwen::config::{Config, SealStyle};
use gongwen::model::{PlanYear, SUBMISSION_SCHEMA, Source, Submission};
use gongwen::render::compose;
use gongwen::render::document::{Block, Document, TileMap};
use gongwen::render::docx::{DocxOptions, render_docx};
use gongwen::render::fonts::STAND_INS;
use gongwen::render::pdf::{self, PdfRenderOptions};
use gongwen::render::world::{GongwenWorld, Templates};
use gongwen::tracking::Ledger;
use ledgers::{Plan, day};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// 西湖区 all 销号, 余姚市 none, 鹿城区 two of five; the other divisions have no list.
fn ledgers(root: &Path) -> BTreeMap<String, Ledger> {
    let layout = Layout::new(root);
    layout.prepare().unwrap();
    let plan = |county, closed, in_progress| Plan {
        county,
        deadline: "2019-12",
        not_started: 0,
        in_progress,
        completed: 0,
        closed,
        returned: 0,
    };
    for p in [
        plan("西湖区", 6, 0),
        plan("余姚市", 0, 4),
        plan("鹿城区", 2, 3),
    ] {
        ledgers::save(&layout, &p);
    }
    Ledger::load_all(&layout).unwrap()
}

/// A filing for the summary to count (it needs one).
fn submission(county: &str) -> Submission {
    let gongwen::domain::CountyMatch::Exact(d) = gongwen::domain::registry().county(county, None)
    else {
        panic!("{county}");
    };
    Submission {
        schema: SUBMISSION_SCHEMA.to_owned(),
        source: Source {
            file: format!("{county}.xlsx"),
            sha256: format!("sub-{}", d.code),
        },
        county: Some(d.to_ref()),
        filed_on: Some(day(2019, 5, 20)),
        plan_year: Some(PlanYear::Y2020),
        schools: Vec::new(),
        county_items: Vec::new(),
        diagnostics: Vec::new(),
    }
}

const AS_OF: (i32, u32, u32) = (2020, 1, 10);

fn summary(root: &Path) -> Document {
    let subs = vec![submission("西湖区"), submission("余姚市")];
    let config = Config::default();
    let (y, m, d) = AS_OF;
    let doc =
        compose::province_summary_with_map(&subs, &config, &ledgers(root), day(y, m, d)).unwrap();
    // Without ledgers, the summary is the one it always was.
    assert_eq!(
        compose::province_summary_with_map(&subs, &config, &BTreeMap::new(), day(y, m, d)).unwrap(),
        compose::province_summary(&subs, &config).unwrap()
    );
    // Reporting progress as of a later day, the summary is dated that day.
    assert_eq!(doc.meta.date, day(y, m, d));
    assert!(
        doc.sections
            .iter()
            .flat_map(|s| &s.blocks)
            .any(|b| matches!(
                b,
                Block::Signature { date, .. } if date == "2020年1月10日"
            ))
    );
    doc
}

fn map_of(doc: &Document) -> &TileMap {
    doc.sections
        .iter()
        .flat_map(|s| &s.blocks)
        .find_map(|b| match b {
            Block::TileMap(m) => Some(m),
            _ => None,
        })
        .expect("the summary carries the map")
}

#[test]
fn the_summary_carries_the_map_of_the_divisions_standing_on_the_day() {
    let dir = tempfile::tempdir().unwrap();
    let doc = summary(dir.path());
    let (y, m, d) = AS_OF;
    let map = map_of(&doc);
    assert_eq!(
        map.tiles.len(),
        gongwen::domain::registry().counties_on(day(y, m, d)).len()
    );
    let level = |label: &str| map.tiles.iter().find(|t| t.label == label).unwrap().level;
    assert_eq!(level("西湖"), Some(4));
    assert_eq!(level("余姚"), Some(0));
    assert_eq!(level("鹿城"), Some(2));
    assert_eq!(level("龙港"), None);
    let texts = doc.texts();
    assert!(texts.contains(&"四、整改事项销号进度") || texts.contains(&"三、整改事项销号进度"));
    assert!(
        texts
            .iter()
            .any(|t| t.contains("整改事项15项，已销号8项，占53%；逾期未销号7项"))
    );
    // The signature still closes the summary.
    let blocks = &doc.sections[0].blocks;
    assert!(matches!(blocks.last(), Some(Block::Signature { .. })));
}

fn world() -> Option<GongwenWorld> {
    let fonts = repo().join("fonts");
    if !STAND_INS.iter().all(|s| fonts.join(s.file).is_file()) {
        common::skip("the PDF: fonts/ is incomplete");
        return None;
    }
    Some(GongwenWorld::new(&Templates::Dir(repo().join("templates")), &[fonts]).unwrap())
}

fn tool(name: &str) -> bool {
    let found = common::have_tool(name);
    if !found {
        common::skip(&format!("{name} is not installed (poppler-utils)"));
    }
    found
}

/// Each word `pdftotext -bbox` finds: its text, page (1-based) and box in points.
fn words(pdf: &Path) -> Vec<(String, usize, [f64; 4])> {
    let out = Command::new("pdftotext")
        .arg("-bbox")
        .arg(pdf)
        .arg("-")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let attr = |tag: &str, name: &str| -> f64 {
        let key = format!("{name}=\"");
        let at = tag.find(&key).unwrap() + key.len();
        tag[at..at + tag[at..].find('"').unwrap()].parse().unwrap()
    };
    let mut found = Vec::new();
    let mut page = 0;
    for line in text.lines() {
        if line.contains("<page ") {
            page += 1;
        }
        let Some(start) = line.find("<word ") else {
            continue;
        };
        let tag = &line[start..];
        let word = &tag[tag.find('>').unwrap() + 1..tag.find("</word>").unwrap()];
        let bbox = ["xMin", "yMin", "xMax", "yMax"].map(|n| attr(tag, n));
        found.push((word.to_owned(), page, bbox));
    }
    found
}

/// The colour of the page at (`x`, `y`) points, rasterised at `dpi`.
fn colour_at(pdf: &Path, page: usize, dpi: u32, x: f64, y: f64) -> (u8, u8, u8) {
    let prefix = pdf.with_file_name(format!("p{page}"));
    let status = Command::new("pdftoppm")
        .args(["-r", &dpi.to_string(), "-f", &page.to_string()])
        .args(["-l", &page.to_string()])
        .arg(pdf)
        .arg(&prefix)
        .status()
        .unwrap();
    assert!(status.success());
    let file = std::fs::read_dir(pdf.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            name.starts_with(&format!("p{page}-")) && name.ends_with(".ppm")
        })
        .unwrap();
    let bytes = std::fs::read(&file).unwrap();
    std::fs::remove_file(&file).unwrap();
    let (magic, width, _, pixels) = common::netpbm(&bytes);
    assert_eq!(magic, "P6");
    let scale = f64::from(dpi) / 72.0;
    let (px, py) = ((x * scale) as usize, (y * scale) as usize);
    let i = (py * width + px) * 3;
    (pixels[i], pixels[i + 1], pixels[i + 2])
}

fn close_to(actual: (u8, u8, u8), hex: &str) -> bool {
    let hex = hex.trim_start_matches('#');
    let c = |i: usize| i32::from(u8::from_str_radix(&hex[i..i + 2], 16).unwrap());
    let (r, g, b) = (
        i32::from(actual.0),
        i32::from(actual.1),
        i32::from(actual.2),
    );
    (r - c(0)).abs() <= 12 && (g - c(2)).abs() <= 12 && (b - c(4)).abs() <= 12
}

#[test]
fn the_pdf_draws_every_tile_labelled_and_shaded_at_its_place() {
    let dir = tempfile::tempdir().unwrap();
    let doc = summary(dir.path());
    let Some(mut world) = world() else { return };
    let out = pdf::render_pdf(
        &mut world,
        &doc,
        &PdfRenderOptions {
            seal: SealStyle::Outline,
        },
    )
    .unwrap();
    assert!(out.typst_warnings.is_empty(), "{:?}", out.typst_warnings);
    if !tool("pdftotext") || !tool("pdftoppm") {
        return;
    }
    let pdf = dir.path().join("summary.pdf");
    std::fs::write(&pdf, &out.bytes).unwrap();
    if let Some(keep) = std::env::var_os("GONGWEN_KEEP_MAP") {
        // For a look: `GONGWEN_KEEP_MAP=/tmp/map cargo test --test tile_map`.
        std::fs::create_dir_all(&keep).unwrap();
        std::fs::write(Path::new(&keep).join("全省汇总.pdf"), &out.bytes).unwrap();
        let docx = render_docx(&doc, &DocxOptions::default()).unwrap();
        std::fs::write(Path::new(&keep).join("全省汇总.docx"), docx).unwrap();
    }
    let found = words(&pdf);
    let map = map_of(&doc);
    // Every tile's label, on one page (the map is not split).
    let mut pages = Vec::new();
    for tile in &map.tiles {
        let hit = found
            .iter()
            .find(|(w, _, _)| w == &tile.label)
            .unwrap_or_else(|| panic!("no label {} in the PDF", tile.label));
        pages.push(hit.1);
    }
    pages.dedup();
    assert_eq!(pages.len(), 1, "the map spans pages {pages:?}");
    // Every word of the model is on the page: the DOCX test below asks the same of Word's.
    let plain = Command::new("pdftotext")
        .arg(&pdf)
        .arg("-")
        .output()
        .unwrap();
    let squeeze = |t: &str| t.chars().filter(|c| !c.is_whitespace()).collect::<String>();
    let plain = squeeze(&String::from_utf8_lossy(&plain.stdout));
    for text in doc.texts() {
        assert!(plain.contains(&squeeze(text)), "the PDF lacks {text}");
    }
    for legend in ["80–100%", "尚无整改清单"] {
        assert!(
            found.iter().any(|(w, _, _)| w.contains(legend)),
            "legend {legend}"
        );
    }
    // The tile's colour just left of its label, inside the square.
    let at = |label: &str| {
        let (_, page, b) = found.iter().find(|(w, _, _)| w == label).unwrap();
        colour_at(&pdf, *page, 150, b[0] - 3.0, (b[1] + b[3]) / 2.0)
    };
    let darkest = &map.levels[4].fill;
    let lightest = &map.levels[0].fill;
    let xihu = at("西湖");
    assert!(close_to(xihu, darkest), "西湖 is {xihu:?}, not {darkest}");
    let yuyao = at("余姚");
    assert!(
        close_to(yuyao, lightest),
        "余姚 is {yuyao:?}, not {lightest}"
    );
    let lucheng = at("鹿城");
    assert!(
        close_to(lucheng, &map.levels[2].fill),
        "鹿城 is {lucheng:?}"
    );
    // Hatched grey: neither white nor green.
    let longgang = at("龙港");
    assert!(
        longgang.0 < 245 && longgang.0.abs_diff(longgang.1) < 16,
        "龙港 is {longgang:?}"
    );
}

#[test]
fn the_docx_has_the_tiles_as_shaded_cells() {
    let dir = tempfile::tempdir().unwrap();
    let doc = summary(dir.path());
    let bytes = render_docx(&doc, &DocxOptions::default()).unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut xml = String::new();
    zip.by_name("word/document.xml")
        .unwrap()
        .read_to_string(&mut xml)
        .unwrap();
    let parsed = roxmltree::Document::parse(&xml).expect("well-formed");
    let w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";
    let map = map_of(&doc);
    // The cell holding each label, and its shading.
    let cell_of = |label: &str| {
        parsed
            .descendants()
            .filter(|n| n.has_tag_name((w, "tc")))
            .find(|tc| {
                tc.descendants()
                    .filter(|n| n.has_tag_name((w, "t")))
                    .any(|t| t.text() == Some(label))
            })
            .unwrap_or_else(|| panic!("no cell for {label}"))
    };
    let shading = |label: &str| {
        let shd = cell_of(label)
            .descendants()
            .find(|n| n.has_tag_name((w, "shd")))
            .unwrap_or_else(|| panic!("{label} is not shaded"));
        (
            shd.attribute((w, "val")).unwrap_or("").to_owned(),
            shd.attribute((w, "fill"))
                .unwrap_or("")
                .to_ascii_lowercase(),
        )
    };
    for tile in &map.tiles {
        cell_of(&tile.label);
    }
    let fill = |level: usize| map.levels[level].fill.trim_start_matches('#').to_owned();
    assert_eq!(shading("西湖"), ("clear".to_owned(), fill(4)));
    assert_eq!(shading("余姚"), ("clear".to_owned(), fill(0)));
    assert_eq!(shading("鹿城"), ("clear".to_owned(), fill(2)));
    assert_eq!(shading("龙港").0, "diagStripe");
    // The same words as the PDF's model: every label, value, legend entry and caption (the
    // zero-width spaces the DOCX sets between scripts for LibreOffice's sake aside).
    let all_text: String = parsed
        .descendants()
        .filter(|n| n.has_tag_name((w, "t")))
        .filter_map(|n| n.text())
        .collect::<String>()
        .replace('\u{200B}', "");
    for text in doc.texts() {
        assert!(all_text.contains(text), "the DOCX lacks {text}");
    }
}
