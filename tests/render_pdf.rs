//! The PDF backend end to end: documents composed from submissions, typeset with the real
//! templates and fonts, then read back with poppler (`pdftotext -bbox`, `pdftoppm`) and qpdf
//! to check the measurable rules of GB/T 9704-2012 within ±1 mm, the literalness of
//! spreadsheet text, byte-for-byte reproducibility and PDF/A. Tests that need a tool skip
//! with a printed reason when it is missing.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::Instant;

use gongwen::config::{Config, SealStyle};
use gongwen::diag::{Rule, Severity};
use gongwen::model::{CountyRef, Item, PlanYear, SUBMISSION_SCHEMA, School, Source, Submission};
use gongwen::render::compose;
use gongwen::render::document::{
    Block, DOCUMENT_SCHEMA, DocKind, Document, Meta, Orientation, Section, SectionRole,
};
use gongwen::render::fonts::STAND_INS;
use gongwen::render::pdf::{self, PdfOutput, PdfRenderOptions};
use gongwen::render::renderer::{Formats, Renderer};
use gongwen::render::world::{GongwenWorld, Templates};
use typst::layout::{Frame, FrameItem};
use typst_layout::PagedDocument;

// ---------------------------------------------------------------------------------------
// Units: poppler reports PDF points (1/72 in), origin top left.

const MM: f64 = 72.0 / 25.4;
const TOL: f64 = 1.0 * MM;
const PAGE_W: f64 = 210.0 * MM;
const PAGE_H: f64 = 297.0 * MM;
const TOP: f64 = 37.0 * MM;
const LEFT: f64 = 28.0 * MM;
const TYPE_W: f64 = 156.0 * MM;
const TYPE_H: f64 = 225.0 * MM;
const PITCH: f64 = TYPE_H / 22.0;
const CELL: f64 = TYPE_W / 28.0;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// fonts/ when it holds every stand-in, else the Debian packages' folders.
fn font_dirs() -> Option<Vec<PathBuf>> {
    let shipped = repo().join("fonts");
    if STAND_INS.iter().all(|s| shipped.join(s.file).is_file()) {
        return Some(vec![shipped]);
    }
    let system: Vec<PathBuf> = [
        "/usr/share/fonts/opentype/noto",
        "/usr/share/fonts/truetype/lxgw-wenkai",
    ]
    .iter()
    .map(PathBuf::from)
    .filter(|d| d.is_dir())
    .collect();
    (system.len() == 2).then_some(system)
}

/// One world for the whole test binary, as in the CLI: built once, reused warm.
fn world() -> Option<MutexGuard<'static, GongwenWorld>> {
    static WORLD: OnceLock<Option<Mutex<GongwenWorld>>> = OnceLock::new();
    let world = WORLD.get_or_init(|| {
        let dirs = font_dirs()?;
        let started = Instant::now();
        let world = GongwenWorld::new(&Templates::Dir(repo().join("templates")), &dirs)
            .unwrap_or_else(|e| panic!("cannot build the world: {e}"));
        eprintln!("world built in {:?} from {dirs:?}", started.elapsed());
        Some(Mutex::new(world))
    });
    match world {
        Some(w) => Some(w.lock().unwrap_or_else(|e| e.into_inner())),
        None => {
            common::skip("no fonts (fonts/ incomplete and fonts-noto-cjk/lxgw-wenkai absent)");
            None
        }
    }
}

fn render(doc: &Document) -> Option<PdfOutput> {
    render_with(doc, SealStyle::Outline)
}

fn render_with(doc: &Document, seal: SealStyle) -> Option<PdfOutput> {
    let mut world = world()?;
    let started = Instant::now();
    let out = pdf::render_pdf(&mut world, doc, &PdfRenderOptions { seal })
        .unwrap_or_else(|e| panic!("render failed: {e}"));
    eprintln!(
        "{}: {} bytes in {:?}",
        doc.file_stem,
        out.bytes.len(),
        started.elapsed()
    );
    assert!(
        out.typst_warnings.is_empty(),
        "template warnings: {:?}",
        out.typst_warnings
    );
    Some(out)
}

fn has_tool(name: &str) -> bool {
    let found = Command::new(name).arg("-v").output().is_ok();
    if !found {
        common::skip(&format!("{name} is not installed (poppler-utils / qpdf)"));
    }
    found
}

fn temp_pdf(bytes: &[u8]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("doc.pdf");
    std::fs::write(&path, bytes).unwrap();
    (dir, path)
}

/// One character as typst set it: the family of the font it was drawn with, the glyph (0 is
/// .notdef, a box) and the size in points.
#[derive(Debug, Clone)]
struct SetChar {
    ch: char,
    family: String,
    glyph: u16,
    size: f64,
}

/// Every character of `doc` as typst lays it out, page by page: which font drew it. Reads the
/// frames, so it tells the font of each character, which `pdffonts` cannot.
fn set_chars(doc: &Document) -> Option<Vec<Vec<SetChar>>> {
    fn walk(frame: &Frame, out: &mut Vec<SetChar>) {
        for (_, item) in frame.items() {
            match item {
                FrameItem::Group(group) => walk(&group.frame, out),
                FrameItem::Text(text) => {
                    let family = &text.font.font().info().family;
                    for glyph in &text.glyphs {
                        for ch in text.text[glyph.range()].chars() {
                            out.push(SetChar {
                                ch,
                                family: family.clone(),
                                glyph: glyph.id,
                                size: text.size.to_pt(),
                            });
                        }
                    }
                }
                _ => {}
            }
        }
    }
    let mut world = world()?;
    let data = serde_json::to_vec(doc).unwrap();
    let options = serde_json::to_vec(&PdfRenderOptions::default()).unwrap();
    world.prepare(data, options, None);
    let paged = typst::compile::<PagedDocument>(&*world)
        .output
        .unwrap_or_else(|e| panic!("compile failed: {e:?}"));
    Some(
        paged
            .pages()
            .iter()
            .map(|page| {
                let mut chars = Vec::new();
                walk(&page.frame, &mut chars);
                chars
            })
            .collect(),
    )
}

/// The 6,763 hanzi of GB 2312: every two-byte code of rows 16–87 that maps to a character.
fn gb2312_hanzi() -> Vec<char> {
    let mut out = Vec::new();
    for lead in 0xB0u8..=0xF7 {
        for trail in 0xA1u8..=0xFE {
            let code = [lead, trail];
            let (text, malformed) = encoding_rs::GBK.decode_without_bom_handling(&code);
            let mut chars = text.chars();
            if let (false, Some(c), None) = (malformed, chars.next(), chars.next()) {
                // GBK puts the five unassigned codes of row 55 in the private use area.
                if ('\u{4E00}'..='\u{9FFF}').contains(&c) {
                    out.push(c);
                }
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------------------
// Reading the PDF back.

#[derive(Debug, Clone)]
struct Word {
    x0: f64,
    y0: f64,
    x1: f64,
    y1: f64,
    text: String,
}

#[derive(Debug)]
struct Page {
    width: f64,
    height: f64,
    words: Vec<Word>,
}

impl Page {
    /// Words grouped into lines by their top edge, top to bottom.
    fn lines(&self) -> Vec<Vec<Word>> {
        let mut lines: Vec<Vec<Word>> = Vec::new();
        let mut words = self.words.clone();
        words.sort_by(|a, b| a.y0.total_cmp(&b.y0).then(a.x0.total_cmp(&b.x0)));
        for w in words {
            match lines.last_mut() {
                Some(line) if (line[0].y0 - w.y0).abs() < 1.0 => line.push(w),
                _ => lines.push(vec![w]),
            }
        }
        lines
    }

    fn find(&self, text: &str) -> Option<&Word> {
        self.words.iter().find(|w| w.text.contains(text))
    }
}

fn line_text(line: &[Word]) -> String {
    line.iter().map(|w| w.text.as_str()).collect()
}

fn attr(tag: &str, name: &str) -> f64 {
    let key = format!("{name}=\"");
    let start = tag.find(&key).unwrap() + key.len();
    let end = start + tag[start..].find('"').unwrap();
    tag[start..end].parse().unwrap()
}

fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// `pdftotext -bbox` parsed.
fn bbox(pdf: &Path) -> Vec<Page> {
    let out = Command::new("pdftotext")
        .arg("-bbox")
        .arg(pdf)
        .arg("-")
        .output()
        .unwrap();
    assert!(out.status.success());
    let html = String::from_utf8(out.stdout).unwrap();
    let mut pages = Vec::new();
    for chunk in html.split("<page ").skip(1) {
        let head = &chunk[..chunk.find('>').unwrap()];
        let mut page = Page {
            width: attr(head, "width"),
            height: attr(head, "height"),
            words: Vec::new(),
        };
        for word in chunk.split("<word ").skip(1) {
            let tag_end = word.find('>').unwrap();
            let tag = &word[..tag_end];
            let text = &word[tag_end + 1..word.find("</word>").unwrap()];
            page.words.push(Word {
                x0: attr(tag, "xMin"),
                y0: attr(tag, "yMin"),
                x1: attr(tag, "xMax"),
                y1: attr(tag, "yMax"),
                text: unescape(text),
            });
        }
        pages.push(page);
    }
    pages
}

fn plain_text(pdf: &Path) -> String {
    let out = Command::new("pdftotext")
        .arg(pdf)
        .arg("-")
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap()
}

/// One page as RGB pixels at `dpi`.
struct Raster {
    width: usize,
    height: usize,
    scale: f64,
    rgb: Vec<u8>,
}

impl Raster {
    fn pixel(&self, x: usize, y: usize) -> (u8, u8, u8) {
        let i = (y * self.width + x) * 3;
        (self.rgb[i], self.rgb[i + 1], self.rgb[i + 2])
    }

    /// Points of pixels matching `pred`, as (x, y) in PDF points.
    fn points(&self, pred: impl Fn((u8, u8, u8)) -> bool) -> Vec<(f64, f64)> {
        let mut out = Vec::new();
        for y in 0..self.height {
            for x in 0..self.width {
                if pred(self.pixel(x, y)) {
                    out.push((x as f64 / self.scale, y as f64 / self.scale));
                }
            }
        }
        out
    }

    /// Rows (in points) where matching pixels run for at least `min_len` points, with the
    /// run's start and end.
    fn runs(&self, pred: impl Fn((u8, u8, u8)) -> bool, min_len: f64) -> Vec<(f64, f64, f64)> {
        let mut out = Vec::new();
        for y in 0..self.height {
            let mut start = None;
            for x in 0..=self.width {
                let hit = x < self.width && pred(self.pixel(x, y));
                match (hit, start) {
                    (true, None) => start = Some(x),
                    (false, Some(s)) => {
                        let len = (x - s) as f64 / self.scale;
                        if len >= min_len {
                            out.push((
                                y as f64 / self.scale,
                                s as f64 / self.scale,
                                x as f64 / self.scale,
                            ));
                        }
                        start = None;
                    }
                    _ => {}
                }
            }
        }
        out
    }
}

fn raster(pdf: &Path, page: usize, dpi: u32) -> Raster {
    let dir = pdf.parent().unwrap();
    let prefix = dir.join(format!("page{page}"));
    let status = Command::new("pdftoppm")
        .args([
            "-r",
            &dpi.to_string(),
            "-f",
            &page.to_string(),
            "-l",
            &page.to_string(),
        ])
        .arg(pdf)
        .arg(&prefix)
        .status()
        .unwrap();
    assert!(status.success());
    let file = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with(&format!("page{page}-"))
                && p.extension().is_some_and(|e| e == "ppm")
        })
        .unwrap();
    let bytes = std::fs::read(&file).unwrap();
    let (magic, width, height, pixels) = common::netpbm(&bytes);
    assert_eq!(magic, "P6");
    Raster {
        width,
        height,
        scale: f64::from(dpi) / 72.0,
        rgb: pixels[..width * height * 3].to_vec(),
    }
}

fn is_red(p: (u8, u8, u8)) -> bool {
    p.0 > 180 && p.1 < 110 && p.2 < 110
}

fn is_dark(p: (u8, u8, u8)) -> bool {
    p.0 < 90 && p.1 < 90 && p.2 < 90
}

#[track_caller]
fn near(actual: f64, expected: f64, what: &str) {
    assert!(
        (actual - expected).abs() <= TOL,
        "{what}: {actual:.2} pt, expected {expected:.2} pt ± 1 mm (off by {:.2} mm)",
        (actual - expected) / MM
    );
}

// ---------------------------------------------------------------------------------------
// Inputs.

fn county(name: &str) -> CountyRef {
    match gongwen::domain::registry().county(name, None) {
        gongwen::domain::CountyMatch::Exact(d) => d.to_ref(),
        _ => panic!("{name}"),
    }
}

fn item(shortcoming: &str, measure: &str, deadline: &str, row: usize) -> Item {
    Item {
        shortcoming: shortcoming.to_owned(),
        indicator: None,
        measure: measure.to_owned(),
        deadline: deadline.parse().ok(),
        cell: gongwen::diag::Location::new("学校整改清单", row as u32 - 1, 1),
        id: None,
    }
}

fn submission(schools: Vec<School>, county_items: Vec<Item>) -> Submission {
    Submission {
        schema: SUBMISSION_SCHEMA.to_owned(),
        source: Source {
            file: "西湖区.xlsx".to_owned(),
            sha256: String::new(),
        },
        county: Some(county("西湖区")),
        filed_on: chrono::NaiveDate::from_ymd_opt(2019, 5, 20),
        plan_year: Some(PlanYear::Y2020),
        schools,
        county_items,
        diagnostics: Vec::new(),
    }
}

fn sample_submission() -> Submission {
    submission(
        vec![
            School {
                name: "杭州市文三街小学".to_owned(),
                items: vec![
                    item(
                        "生均体育运动场馆面积不足",
                        "与周边社区体育场地错时共享，改造屋顶运动场",
                        "2020-08",
                        5,
                    ),
                    item(
                        "每百名学生拥有网络多媒体教室数不足",
                        "新建录播教室1间",
                        "2019-12",
                        6,
                    ),
                ],
            },
            School {
                name: "杭州市学军小学".to_owned(),
                items: vec![item(
                    "美术专用教室面积不足90平方米",
                    "合并相邻两间教室改建美术专用教室",
                    "2019-08",
                    7,
                )],
            },
        ],
        vec![item(
            "教师交流轮岗比例不足10%",
            "制定教师交流轮岗实施办法",
            "2020-08",
            5,
        )],
    )
}

fn county_docs(sub: &Submission) -> Vec<Document> {
    compose::county_documents(sub, &Config::default()).unwrap()
}

fn doc_of(docs: &[Document], kind: DocKind) -> &Document {
    docs.iter().find(|d| d.kind == kind).unwrap()
}

/// A portrait document of plain full-width paragraphs, long enough to fill page 2.
fn long_document() -> Document {
    // Full-width commas and enumeration marks, which typst would squeeze to fit one more
    // character if lines were justified: the grid must hold 28 cells a line regardless.
    let sentence = "义务教育是教育工作的重中之重，各地要高度重视自查自评和整改工作、加强领导，明确分工，落实责任，扎实推进义务教育优质均衡发展";
    let mut blocks = vec![Block::Title {
        lines: vec!["关于网格测试的报告".to_owned()],
    }];
    for _ in 0..20 {
        blocks.push(Block::Paragraph {
            text: sentence.repeat(3),
        });
    }
    Document {
        schema: DOCUMENT_SCHEMA.to_owned(),
        kind: DocKind::CountyReport,
        file_stem: "grid".to_owned(),
        meta: Meta {
            title: "网格".to_owned(),
            author: "测试".to_owned(),
            date: chrono::NaiveDate::from_ymd_opt(2019, 5, 20).unwrap(),
            keywords: Vec::new(),
        },
        sections: vec![Section {
            role: SectionRole::Body,
            orientation: Orientation::Portrait,
            blocks,
        }],
    }
}

// ---------------------------------------------------------------------------------------
// GB/T 9704 measures.

/// 5.2: A4, 天头 37 mm, 订口 28 mm, 版心 156 × 225 mm; 22 lines at 28.99 pt, 28 characters a
/// line, 3号 (16 pt) text.
#[test]
fn body_fills_the_type_area_on_a_22_by_28_grid() {
    let Some(out) = render(&long_document()) else {
        return;
    };
    if !has_tool("pdftotext") {
        return;
    }
    let (_dir, path) = temp_pdf(&out.bytes);
    let pages = bbox(&path);
    assert!(pages.len() >= 3, "the test document spans pages");
    let page = &pages[1];
    near(page.width, PAGE_W, "page width");
    near(page.height, PAGE_H, "page height");
    let lines: Vec<Vec<Word>> = page
        .lines()
        .into_iter()
        .filter(|l| l[0].y0 < TOP + TYPE_H)
        .collect();
    assert_eq!(lines.len(), 22, "lines on a full page");
    near(lines[0][0].y0, TOP, "top of the first line (天头)");
    assert!(
        lines[21][0].y1 <= TOP + TYPE_H + TOL,
        "last line inside the type area"
    );
    for pair in lines.windows(2) {
        let pitch = pair[1][0].y0 - pair[0][0].y0;
        assert!(
            (pitch - PITCH).abs() < 0.3,
            "line pitch {pitch:.2} pt, expected {PITCH:.2}"
        );
    }
    for line in &lines {
        let x0 = line[0].x0;
        let x1 = line.last().unwrap().x1;
        assert!(
            x0 >= LEFT - TOL && x1 <= LEFT + TYPE_W + TOL,
            "line within the type area"
        );
        assert!(
            (line[0].y1 - line[0].y0 - 16.0).abs() < 0.6,
            "3号 text is 16 pt"
        );
    }
    // A line that is not a paragraph's first or last holds exactly 28 characters, commas at
    // full width, flush with both edges of the type area.
    for pair in lines.windows(2) {
        let (line, next) = (&pair[0], &pair[1]);
        if line[0].x0 < LEFT + CELL && next[0].x0 < LEFT + CELL {
            assert_eq!(line_text(line).chars().count(), 28, "{}", line_text(line));
        }
    }
    let full = &lines[3];
    assert_eq!(line_text(full).chars().count(), 28, "{}", line_text(full));
    near(full[0].x0, LEFT, "订口 (left edge of the text)");
    near(
        full.last().unwrap().x1,
        LEFT + TYPE_W,
        "right edge of a full line",
    );
    eprintln!(
        "grid: {} lines, pitch {:.3} pt (first to last / 21), a full line {} characters over {:.2} mm",
        lines.len(),
        (lines[21][0].y0 - lines[0][0].y0) / 21.0,
        line_text(full).chars().count(),
        (full.last().unwrap().x1 - full[0].x0) / MM,
    );
    // A paragraph's first line is indented two characters.
    let first_lines: Vec<_> = lines.iter().filter(|l| l[0].x0 > LEFT + CELL).collect();
    assert!(!first_lines.is_empty());
    for l in first_lines {
        near(l[0].x0, LEFT + 2.0 * CELL, "two-character indent");
    }
    // The grid above is 朱雀仿宋's: every character of the body (3号, 16 pt) is set in it.
    let set = set_chars(&long_document()).unwrap();
    let body: Vec<&SetChar> = set[1].iter().filter(|c| c.size == 16.0).collect();
    assert!(body.len() > 22 * 20, "a full page of body text");
    for c in body {
        assert_eq!(c.family, "Zhuque Fangsong", "{c:?}");
        assert_ne!(c.glyph, 0, "{c:?}");
    }
    if has_tool("pdffonts") {
        let fonts = Command::new("pdffonts").arg(&path).output().unwrap();
        let fonts = String::from_utf8_lossy(&fonts.stdout);
        assert!(fonts.contains("ZhuqueFangsong-Regular"), "{fonts}");
    }
}

/// 朱雀仿宋 draws all of GB 2312's hanzi through typst's own font parser (no glyph id beyond
/// ttf-parser's format-4 limit, no fallback); what it lacks (fullwidth digits, circled
/// numbers, 〓) falls to Noto Serif, never to a box, and the PDF/A export holds.
#[test]
fn fangsong_is_zhuque_with_noto_serif_behind_it() {
    let hanzi = gb2312_hanzi();
    assert_eq!(hanzi.len(), 6763, "GB 2312 hanzi");
    let lacking = "０１２３①②Ⅲ〓";
    let mut doc = long_document();
    doc.sections[0].blocks = vec![
        Block::Paragraph {
            text: hanzi.iter().collect(),
        },
        Block::Paragraph {
            text: lacking.to_owned(),
        },
    ];
    let Some(pages) = set_chars(&doc) else {
        return;
    };
    let set: Vec<SetChar> = pages
        .into_iter()
        .flatten()
        .filter(|c| c.size == 16.0)
        .collect();
    let hanzi_set: Vec<&SetChar> = set.iter().filter(|c| !lacking.contains(c.ch)).collect();
    assert_eq!(hanzi_set.len(), hanzi.len());
    let elsewhere: String = hanzi_set
        .iter()
        .filter(|c| c.family != "Zhuque Fangsong" || c.glyph == 0)
        .map(|c| c.ch)
        .collect();
    assert!(
        elsewhere.is_empty(),
        "not drawn by Zhuque Fangsong: {elsewhere}"
    );
    for ch in lacking.chars() {
        let c = set.iter().find(|c| c.ch == ch).unwrap();
        assert_eq!(c.family, "Noto Serif CJK SC", "{c:?}");
        assert_ne!(c.glyph, 0, "{c:?}");
    }
    let out = render(&doc).unwrap();
    assert!(out.missing.is_empty(), "{:?}", out.missing);
}

/// 7.2: the red 发文机关标志 35 mm below the top of the type area, the 发文字号 line two lines
/// below it, the red rule 4 mm under the number as wide as the type area; 7.5 page numbers;
/// 7.3.5 the date four characters from the right and the seal over it; 7.4 the 版记's last rule
/// on the bottom edge of the type area.
#[test]
fn report_head_signature_colophon_and_page_numbers() {
    let docs = county_docs(&sample_submission());
    let report = doc_of(&docs, DocKind::CountyReport);
    let Some(out) = render(report) else { return };
    if !has_tool("pdftotext") || !has_tool("pdftoppm") {
        return;
    }
    let (_dir, path) = temp_pdf(&out.bytes);
    let pages = bbox(&path);
    let first = &pages[0];

    let mark = first.find("西湖区教育局文件").expect("red header");
    near(mark.y0, TOP + 35.0 * MM, "发文机关标志 top");
    near(
        (mark.x0 + mark.x1) / 2.0,
        LEFT + TYPE_W / 2.0,
        "发文机关标志 centred",
    );

    let signer = first.find("签发人").expect("签发人");
    near(
        signer.y0 - mark.y1,
        12.99 + 2.0 * PITCH,
        "发文字号 two lines below the mark",
    );
    // A blank 签发人 keeps four characters to sign in, ending one character from the right.
    near(
        signer.x1 + 4.0 * CELL,
        LEFT + TYPE_W - CELL,
        "签发人 one character from the right",
    );

    let page1 = raster(&path, 1, 144);
    let rules: Vec<_> = page1
        .runs(is_red, TYPE_W * 0.9)
        .into_iter()
        .filter(|(y, _, _)| *y > mark.y1 + 5.0)
        .collect();
    assert!(!rules.is_empty(), "no red rule below the mark");
    let (rule_y, rule_x0, rule_x1) = rules[0];
    near(
        rule_y - signer.y1,
        4.0 * MM,
        "red rule 4 mm under the 发文字号",
    );
    near(rule_x0, LEFT, "red rule starts at the type area");
    near(rule_x1, LEFT + TYPE_W, "red rule ends at the type area");

    let title = first.find("关于报送西湖区").expect("title");
    assert!(
        (title.y1 - title.y0 - 22.0).abs() < 0.8,
        "title in 2号 (22 pt)"
    );
    near(
        (title.x0 + title.x1) / 2.0,
        LEFT + TYPE_W / 2.0,
        "title centred",
    );

    // Page numbers: — n — 7 mm under the type area, odd right and even left, one
    // character in.
    for (i, page) in pages.iter().enumerate() {
        let n = i + 1;
        let line = page
            .lines()
            .into_iter()
            .find(|l| l[0].y0 > TOP + TYPE_H)
            .unwrap_or_else(|| panic!("page {n} has no number"));
        assert_eq!(line_text(&line), format!("—{n}—"));
        assert!(
            (line[0].y1 - line[0].y0 - 14.0).abs() < 0.6,
            "page number in 4号 (14 pt)"
        );
        let dash = dash_ink_y(&path, n);
        assert!(
            (dash - (TOP + TYPE_H + 7.0 * MM)).abs() <= 0.5 * MM,
            "page {n}: the dashes' ink {:.2} mm below the type area, not 7 mm",
            (dash - TOP - TYPE_H) / MM
        );
        if n % 2 == 1 {
            near(
                line.last().unwrap().x1,
                LEFT + TYPE_W - 14.0,
                "odd page number one character from the right",
            );
        } else {
            near(
                line[0].x0,
                LEFT + 14.0,
                "even page number one character from the left",
            );
        }
    }

    // The signature page: date four characters from the right, office centred over it, the
    // seal centred on both and its top within a line of the 附件说明.
    let (sig_index, sig_page) = pages
        .iter()
        .enumerate()
        .find(|(_, p)| {
            p.find("2019年5月20日")
                .is_some_and(|w| w.y0 < TOP + TYPE_H - 60.0)
        })
        .expect("signature page");
    let date = sig_page.find("2019年5月20日").unwrap();
    let office = sig_page
        .words
        .iter()
        .find(|w| w.text == "杭州市西湖区教育局" && w.y1 <= date.y0)
        .expect("office name");
    near(
        date.x1,
        LEFT + TYPE_W - 4.0 * CELL,
        "成文日期 four characters from the right",
    );
    let centre_x = (date.x0 + date.x1) / 2.0;
    near(
        (office.x0 + office.x1) / 2.0,
        centre_x,
        "署名 centred over the date",
    );
    near(
        date.y0 - office.y0,
        PITCH,
        "date on the line below the office",
    );
    let attachments = sig_page
        .lines()
        .into_iter()
        .rev()
        .find(|l| l[0].y1 < office.y0 && line_text(l).contains("整改清单"))
        .expect("附件说明 above the signature");
    let body_bottom = attachments[0].y1;

    let raster = raster(&path, sig_index + 1, 144);
    // The dashed circle: light-red pixels away from the label.
    let seal: Vec<(f64, f64)> = raster.points(|p| p.0 > 200 && p.1 < 120 && p.2 < 120);
    assert!(!seal.is_empty(), "no seal outline");
    let min_x = seal.iter().map(|p| p.0).fold(f64::MAX, f64::min);
    let max_x = seal.iter().map(|p| p.0).fold(f64::MIN, f64::max);
    let min_y = seal.iter().map(|p| p.1).fold(f64::MAX, f64::min);
    let max_y = seal.iter().map(|p| p.1).fold(f64::MIN, f64::max);
    near(max_x - min_x, 42.0 * MM, "seal diameter (x)");
    near(max_y - min_y, 42.0 * MM, "seal diameter (y)");
    near((min_x + max_x) / 2.0, centre_x, "seal centred on the date");
    let centre_y = (min_y + max_y) / 2.0;
    let text_middle = (office.y0 + date.y1) / 2.0;
    assert!(
        text_middle > centre_y && text_middle - centre_y < PITCH,
        "署名 and date sit a little below the seal's centre ({text_middle:.1} vs {centre_y:.1})"
    );
    assert!(
        min_y > body_bottom && min_y - body_bottom <= PITCH,
        "seal top within one line of the body ({:.1} pt below it)",
        min_y - body_bottom
    );

    // 版记: the last page ends with a thick rule on the bottom edge of the type area.
    let last = pages.len();
    let raster = raster_last(&path, last);
    let rules = raster.runs(is_dark, TYPE_W * 0.95);
    let bottom = rules.iter().map(|r| r.0).fold(f64::MIN, f64::max);
    near(
        bottom,
        TOP + TYPE_H,
        "版记's last rule on the type area's bottom edge",
    );
    if sig_index + 1 == last {
        let top_rule = rules.iter().map(|r| r.0).fold(f64::MAX, f64::min);
        assert!(
            top_rule > max_y,
            "the 版记 runs into the seal ({top_rule:.1} < {max_y:.1})"
        );
    }
    let printed = pages[last - 1].find("印发").expect("印发 line");
    assert!(
        (printed.y1 - printed.y0 - 14.0).abs() < 0.6,
        "版记 in 4号 (14 pt)"
    );
    assert!(printed.y1 < TOP + TYPE_H && printed.y0 > TOP + TYPE_H - PITCH - TOL);
}

/// The height of the page number's dashes on a portrait page: the mean of the rows, below
/// the type area, where dark ink runs at least 9 pt (the dashes; digits are narrower).
fn dash_ink_y(path: &Path, page: usize) -> f64 {
    let r = raster(path, page, 288);
    let rows: Vec<f64> = r
        .runs(is_dark, 9.0)
        .into_iter()
        // Below the 版记's last rule, which lies on the type area's edge.
        .filter(|(y, _, _)| *y > TOP + TYPE_H + 2.0 * MM)
        .map(|(y, _, _)| y)
        .collect();
    assert!(!rows.is_empty(), "page {page}: no page number");
    rows.iter().sum::<f64>() / rows.len() as f64
}

/// On a landscape page, the page number runs along the left side: the x of its dashes (the
/// mean of the columns where dark ink runs at least 9 pt down, left of the type area) and the
/// top and bottom of its ink.
fn side_number(path: &Path, page: usize) -> Option<(f64, f64, f64)> {
    let r = raster(path, page, 288);
    let limit = (35.0 * MM * r.scale) as usize;
    let mut cols = Vec::new();
    let (mut top, mut bottom) = (f64::MAX, 0.0f64);
    for x in 0..limit {
        let mut run = 0;
        let mut long = false;
        for y in 0..r.height {
            if is_dark(r.pixel(x, y)) {
                run += 1;
                top = top.min(y as f64 / r.scale);
                bottom = bottom.max(y as f64 / r.scale);
                long |= f64::from(run) / r.scale >= 9.0;
            } else {
                run = 0;
            }
        }
        if long {
            cols.push(x as f64 / r.scale);
        }
    }
    (!cols.is_empty()).then(|| (cols.iter().sum::<f64>() / cols.len() as f64, top, bottom))
}

/// Page sizes from `pdfinfo`, in points.
fn page_sizes(pdf: &Path) -> Vec<(f64, f64)> {
    let out = Command::new("pdfinfo")
        .args(["-f", "1", "-l", "9999"])
        .arg(pdf)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| l.starts_with("Page") && l.contains(" size:"))
        .map(|l| {
            let v: Vec<&str> = l.split_whitespace().collect();
            (v[3].parse().unwrap(), v[5].parse().unwrap())
        })
        .collect()
}

/// Where the page number stands across a portrait page: (left of its ink, right of it).
fn number_span(page: &Page) -> Option<(f64, f64)> {
    let words: Vec<&Word> = page.words.iter().filter(|w| w.y0 > TOP + TYPE_H).collect();
    let x0 = words.iter().map(|w| w.x0).reduce(f64::min)?;
    let x1 = words.iter().map(|w| w.x1).reduce(f64::max)?;
    Some((x0, x1))
}

/// A county of `schools` schools with three items each: a 附件1 of several pages.
fn many_schools(schools: usize) -> Submission {
    let schools = (0..schools)
        .map(|s| School {
            name: format!("杭州市第{}小学", s + 1),
            items: (0..3)
                .map(|i| {
                    item(
                        "每百名学生拥有网络多媒体教室数不足",
                        "新建录播教室1间，改造普通教室为网络多媒体教室4间",
                        "2020-08",
                        5 + s * 3 + i,
                    )
                })
                .collect(),
        })
        .collect();
    submission(schools, Vec::new())
}

/// GB/T 9704-2012 7.3.7 and 7.5: the bound package — the report, 附件1 and 附件2 on new
/// pages with 附件N at the top left, page numbers running on; the 版记 on the last page, an
/// even one (a blank page before it when needed), neither carrying a number. It is the
/// printed product: every sheet is portrait A4, the landscape forms turned on them (below),
/// every number at the portrait place. With `duplex = false`, no blank page.
#[test]
fn the_bound_package_runs_its_numbers_on_and_ends_on_an_even_page() {
    let sub = sample_submission();
    let docs = county_docs(&sub);
    let package = doc_of(&docs, DocKind::CountyPackage);
    let parts: Vec<usize> = [
        DocKind::CountyReport,
        DocKind::SchoolList,
        DocKind::CountyList,
    ]
    .iter()
    .map(|&k| {
        let out = render(doc_of(&docs, k)).expect("fonts");
        let (_dir, path) = temp_pdf(&out.bytes);
        bbox(&path).len()
    })
    .collect();
    let report_pages = parts[0];
    let parts: usize = parts.iter().sum();
    let Some(out) = render(package) else { return };
    if !has_tool("pdftotext") || !has_tool("pdftoppm") || !has_tool("pdfinfo") {
        return;
    }
    let (_dir, path) = temp_pdf(&out.bytes);
    let pages = bbox(&path);
    let total = pages.len();
    eprintln!("package: {parts} pages of text, {total} pages in all");
    assert_eq!(total % 2, 0, "the 版记 page is even");
    let expected = if parts.is_multiple_of(2) {
        parts + 2
    } else {
        parts + 1
    };
    assert_eq!(
        total, expected,
        "a blank page only when the text ends on an even page"
    );
    let sizes = page_sizes(&path);
    assert_eq!(sizes.len(), total);
    for (i, (w, h)) in sizes.iter().enumerate() {
        assert!(
            (w - PAGE_W).abs() < 1.0 && (h - PAGE_H).abs() < 1.0,
            "sheet {}: {w} × {h} pt, not portrait A4",
            i + 1
        );
    }
    let last = &pages[total - 1];
    assert!(last.find("印发").is_some(), "the 版记 on the last page");
    assert!(
        !last.words.iter().any(|w| w.text.contains('—')),
        "no number on the 版记 page"
    );
    if total == parts + 2 {
        assert!(pages[total - 2].words.is_empty(), "the blank page is blank");
    }
    // Numbers run on through every page of text, at the portrait place: 7 mm below the
    // type area, one character in from the right on odd pages, from the left on even ones.
    let mut starts = Vec::new();
    for (i, page) in pages.iter().take(parts).enumerate() {
        let n = i + 1;
        let mut number: Vec<&Word> = page.words.iter().filter(|w| w.y0 > TOP + TYPE_H).collect();
        number.sort_by(|a, b| a.x0.total_cmp(&b.x0));
        let number: String = number.iter().map(|w| w.text.as_str()).collect();
        assert_eq!(number, format!("—{n}—"), "page {n}");
        let (x0, x1) = number_span(page).unwrap();
        if n % 2 == 1 {
            near(
                x1,
                PAGE_W - 26.0 * MM - 14.0,
                "odd: one character from the right",
            );
        } else {
            near(x0, LEFT + 14.0, "even: one character from the left");
        }
        let dash = dash_ink_y(&path, n);
        assert!(
            (dash - (TOP + TYPE_H + 7.0 * MM)).abs() <= 0.5 * MM,
            "page {n}: dashes {:.2} mm below the type area",
            (dash - TOP - TYPE_H) / MM
        );
        let text: String = page.words.iter().map(|w| w.text.as_str()).collect();
        assert!(
            !text.contains("印发"),
            "page {n}: the 版记 is only on the last page"
        );
        for label in ["附件1", "附件2"] {
            if let Some(w) = page.words.iter().find(|w| w.text == label) {
                starts.push(label);
                assert!(n > report_pages, "{label} after the report");
                // The landscape page's top left corner, turned: the sheet's left edge of the
                // type area (28 mm), 37 mm above the sheet's foot, the label reading upwards.
                near(w.x0, 28.0 * MM, "附件N along the sheet's left edge");
                near(
                    w.y1,
                    PAGE_H - 37.0 * MM,
                    "附件N from the turned page's left margin",
                );
            }
        }
    }
    assert_eq!(starts, ["附件1", "附件2"], "each attachment starts a page");

    // Printed on one side: the 版记 page follows the text directly.
    let config = Config::parse("[output]\nduplex = false\n").unwrap();
    let one_sided = compose::county_documents(&sub, &config).unwrap();
    let out = render(doc_of(&one_sided, DocKind::CountyPackage)).unwrap();
    let (_dir, path) = temp_pdf(&out.bytes);
    let pages = bbox(&path);
    assert_eq!(pages.len(), parts + 1, "no blank page");
    assert!(pages[parts].find("印发").is_some());
    assert!(!pages[parts].words.iter().any(|w| w.text.contains('—')));
}

/// GB/T 9704-2012 表格横排: in the bound package a landscape form's page lies on a portrait
/// sheet, turned so the table's head is on the sheet's left edge (the binding side of an odd
/// page, the cutting side of an even one: the left edge of a left-bound booklet either way),
/// its rules running down the sheet. The separate 附件1, read on screen, stays landscape.
#[test]
fn the_package_turns_landscape_pages_with_the_head_on_the_left() {
    let sub = many_schools(12);
    let docs = county_docs(&sub);
    let Some(separate) = render(doc_of(&docs, DocKind::SchoolList)) else {
        return;
    };
    if !has_tool("pdftotext") || !has_tool("pdftoppm") || !has_tool("pdfinfo") {
        return;
    }
    let (_dir, separate) = temp_pdf(&separate.bytes);
    let landscape = page_sizes(&separate);
    assert!(landscape.len() >= 2, "附件1 runs over pages");
    assert!(
        landscape.iter().all(|(w, h)| w > h),
        "the separate 附件1 is landscape"
    );
    // Its numbers where the portrait pages have them on the sheet: along the side, 28 mm from
    // the edge (7 mm beyond the portrait type area), at the foot on odd pages, the head on
    // even ones.
    for n in 1..=landscape.len() {
        let (x, top, bottom) = side_number(&separate, n).expect("a number along the side");
        assert!(
            (x - (35.0 - 7.0) * MM).abs() <= 0.5 * MM,
            "page {n}: the dashes {:.2} mm from the edge, not 28 mm",
            x / MM
        );
        if n % 2 == 1 {
            near(
                bottom,
                PAGE_W - 26.0 * MM - 14.0,
                "odd: one character from the foot",
            );
        } else {
            near(top, 28.0 * MM + 14.0, "even: one character from the head");
        }
    }
    let report = render(doc_of(&docs, DocKind::CountyReport)).unwrap();
    let (_dir2, report) = temp_pdf(&report.bytes);
    let first = bbox(&report).len() + 1;
    let package = render(doc_of(&docs, DocKind::CountyPackage)).unwrap();
    let (_dir3, path) = temp_pdf(&package.bytes);
    let pages = bbox(&path);
    for n in first..first + landscape.len() {
        let page = &pages[n - 1];
        // The head repeats on every page: on the sheet, its text lies left of every school.
        let head = page.find("学校名称").expect("the table's head");
        let schools: Vec<&Word> = page
            .words
            .iter()
            .filter(|w| w.text.contains("小学"))
            .collect();
        assert!(!schools.is_empty(), "page {n}: rows of schools");
        for w in schools {
            assert!(
                head.x1 <= w.x0 + 0.5,
                "page {n}: the head left of {}",
                w.text
            );
        }
        // The table's rows run down the sheet: their rules as long as the landscape type
        // area is wide (225 mm), longer than any line across a portrait page.
        let r = raster(&path, n, 144);
        let mut downs = Vec::new();
        for x in 0..r.width {
            let mut run = 0usize;
            let mut longest = 0usize;
            for y in 0..r.height {
                run = if is_dark(r.pixel(x, y)) { run + 1 } else { 0 };
                longest = longest.max(run);
            }
            if longest as f64 / r.scale >= 200.0 * MM {
                downs.push(x as f64 / r.scale);
            }
        }
        assert!(!downs.is_empty(), "page {n}: no rule runs down the sheet");
        let leftmost = downs[0];
        assert!(
            leftmost < head.x0,
            "page {n}: the head's rule left of its text"
        );
        if n > first {
            // A page the table runs onto starts with the repeated head: its top rule on the
            // turned page's top margin, the sheet's left edge of the type area.
            near(
                leftmost,
                28.0 * MM,
                "page {n}: the head's top rule at 28 mm",
            );
        }
    }
}

/// GB/T 9704-2012 7.3.7: an attachment sent as a file of its own carries the document's
/// 发文字号 before 附件N at the top left of its first line.
#[test]
fn separate_attachments_carry_the_doc_number() {
    let config = Config::parse("[county.\"西湖区\"]\ndoc_number = \"西教〔2019〕12号\"\n").unwrap();
    let docs = compose::county_documents(&sample_submission(), &config).unwrap();
    let Some(out) = render(doc_of(&docs, DocKind::CountyList)) else {
        return;
    };
    if !has_tool("pdftotext") {
        return;
    }
    let (_dir, path) = temp_pdf(&out.bytes);
    let pages = bbox(&path);
    let first = pages[0].lines().into_iter().next().unwrap();
    assert_eq!(line_text(&first), "西教〔2019〕12号附件2");
    near(first[0].x0, 37.0 * MM, "at the left of the type area");
    near(first[0].y0, 28.0 * MM, "on the first line");
}

fn raster_last(path: &Path, page: usize) -> Raster {
    raster(path, page, 144)
}

/// 8: an attachment starts with 附件N at the top left and its title centred on the third line;
/// the table header repeats and a school running onto a new page is named again.
#[test]
fn attachment_tables_repeat_header_and_school() {
    let long_measure = "加强薄弱学科教研，开展教学视导，".repeat(3);
    let items: Vec<Item> = (0..24)
        .map(|i| {
            item(
                &format!("第{i}项不足，指标未达到要求"),
                &long_measure,
                "2020-06",
                5 + i,
            )
        })
        .collect();
    let mut sub = submission(
        vec![
            School {
                name: "杭州市文三街小学".to_owned(),
                items: items[..2].to_vec(),
            },
            School {
                name: "杭州市西湖区三墩镇中心小学".to_owned(),
                items: items[2..].to_vec(),
            },
        ],
        Vec::new(),
    );
    // A measure far taller than a page must still print whole, across pages.
    sub.schools[1].items[20].measure = "超长的整改措施文字".repeat(200);
    let docs = county_docs(&sub);
    let list = doc_of(&docs, DocKind::SchoolList);
    let Some(out) = render(list) else { return };
    if !has_tool("pdftotext") {
        return;
    }
    let (_dir, path) = temp_pdf(&out.bytes);
    let pages = bbox(&path);
    assert!(pages.len() >= 3);
    // Landscape: the type area turned, 225 × 156 mm.
    near(pages[0].width, PAGE_H, "landscape width");
    let label = pages[0].find("附件1").unwrap();
    near(label.x0, 37.0 * MM, "附件1 at the left of the type area");
    near(label.y0, 28.0 * MM, "附件1 on the first line");
    let title = pages[0]
        .find("义务教育学校达到优质均衡目标整改清单")
        .unwrap();
    near(
        title.y0,
        28.0 * MM + 2.0 * PITCH,
        "attachment title on the third line",
    );
    near(
        (title.x0 + title.x1) / 2.0,
        37.0 * MM + 225.0 * MM / 2.0,
        "title centred",
    );
    for (i, page) in pages.iter().enumerate() {
        let has_rows = page
            .words
            .iter()
            .any(|w| w.text.contains("项不足") || w.text.contains("超长"));
        assert!(
            !has_rows || page.find("学校名称").is_some(),
            "header on page {}",
            i + 1
        );
        // The page number runs along the side, left of the type area (see the package test).
        for w in page.words.iter().filter(|w| w.x1 > 35.0 * MM) {
            assert!(
                w.x0 >= 37.0 * MM - TOL && w.x1 <= PAGE_H - 35.0 * MM + TOL,
                "{} runs out of the type area on page {}",
                w.text,
                i + 1
            );
            assert!(
                w.y1 <= PAGE_W - 26.0 * MM + 12.0 * MM,
                "{} below the page number",
                w.text
            );
        }
    }
    let text: Vec<String> = pages
        .iter()
        .map(|p| p.words.iter().map(|w| w.text.as_str()).collect())
        .collect();
    // The school's name and （续） at the top of the next page (the name wraps in its cell).
    let name = pages[1]
        .find("2.杭州市西湖区三墩镇")
        .expect("school named again");
    let first_item = pages[1]
        .words
        .iter()
        .filter(|w| w.text.contains("项不足"))
        .map(|w| w.y0)
        .fold(f64::MAX, f64::min);
    assert!(
        name.y0 <= first_item + 1.0,
        "the name is on the page's first row"
    );
    assert!(text[1].contains("（续）"), "{}", text[1]);
    // Only the page's first row names its school again.
    for (i, t) in text.iter().enumerate() {
        assert!(t.matches("（续）").count() <= 1, "page {}: {t}", i + 1);
    }
    let all: String = text.concat();
    assert_eq!(all.matches('超').count(), 200, "long cell printed whole");
}

// ---------------------------------------------------------------------------------------
// Text is data.

/// A cell must print exactly as written: the data is JSON, never evaluated.
#[test]
fn hostile_text_prints_verbatim() {
    let hostile = [
        "#read(\"/etc/passwd\")",
        "]",
        "$x$",
        "*",
        "<lbl>",
        "#eval(\"1+1\")",
        "@ref",
        "// not a comment",
        "\\u{41} _under_ `raw`",
    ];
    let sub = submission(
        vec![School {
            name: "#import \"@preview/evil:0.1.0\"".to_owned(),
            items: hostile
                .iter()
                .enumerate()
                .map(|(i, h)| item(h, &format!("措施{h}"), "2020-06", 5 + i))
                .collect(),
        }],
        Vec::new(),
    );
    let docs = county_docs(&sub);
    let Some(out) = render(doc_of(&docs, DocKind::SchoolList)) else {
        return;
    };
    if !has_tool("pdftotext") {
        return;
    }
    let (_dir, path) = temp_pdf(&out.bytes);
    let text: String = plain_text(&path).split_whitespace().collect();
    for h in hostile {
        let squeezed: String = h.split_whitespace().collect();
        assert!(
            text.contains(&squeezed),
            "{h} not printed verbatim in:\n{text}"
        );
    }
    assert!(text.contains("#import\"@preview/evil:0.1.0\""));
    assert!(!text.contains("root:x:0"), "a file was read");
}

/// The world refuses reads outside the templates, symlinks out of them and packages.
#[test]
fn templates_cannot_reach_outside_their_folder() {
    let Some(dirs) = font_dirs() else {
        common::skip("no fonts");
        return;
    };
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret.txt"), "secret").unwrap();
    let cases = [
        ("#read(\"/etc/passwd\")", "/etc/passwd"),
        ("#read(\"../secret.txt\")", "escapes"),
        ("#import \"@preview/cetz:0.3.0\"", "package"),
        ("#read(\"link.txt\")", "link"),
    ];
    for (source, what) in cases {
        let dir = tempfile::tempdir().unwrap();
        let templates = dir.path().join("templates");
        std::fs::create_dir(&templates).unwrap();
        std::fs::write(templates.join("main.typ"), source).unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(
            outside.path().join("secret.txt"),
            templates.join("link.txt"),
        )
        .unwrap();
        let mut world = GongwenWorld::new(&Templates::Dir(templates), &dirs).unwrap();
        let result = pdf::render_pdf(&mut world, &long_document(), &PdfRenderOptions::default());
        assert!(
            matches!(result, Err(pdf::PdfError::Compile { .. })),
            "{what}: {source} was allowed"
        );
    }
}

// ---------------------------------------------------------------------------------------
// Fonts.

/// A character no font covers becomes a located warning and prints as 〓; PDF/A export
/// does not fail on it.
#[test]
fn missing_glyph_is_a_warning_and_prints_geta() {
    let mut sub = sample_submission();
    sub.schools[1].items[0].measure = "改建\u{E000}美术教室".to_owned();
    let docs = county_docs(&sub);
    let list = doc_of(&docs, DocKind::SchoolList);
    let Some(out) = render(list) else { return };
    assert_eq!(out.missing.len(), 1);
    assert_eq!(out.missing[0].ch, '\u{E000}');
    assert_eq!(out.missing[0].text, "改建\u{E000}美术教室");
    let located = compose::locate_char(&sub, '\u{E000}').unwrap();
    let diag = out.missing[0].diagnostic(Some(located.0), Some(located.1));
    assert_eq!(diag.rule, Rule::GlyphMissing);
    assert_eq!(diag.severity, Severity::Warning);
    assert_eq!(diag.cell.unwrap().to_string(), "学校整改清单!B7");
    assert!(diag.message.contains("U+E000"), "{}", diag.message);
    if !has_tool("pdftotext") {
        return;
    }
    let (_dir, path) = temp_pdf(&out.bytes);
    let text = plain_text(&path);
    assert!(text.contains("改建〓美术教室"), "{text}");
}

/// A licensed face named only in Chinese (`仿宋_GB2312`) is found by that name and preferred
/// over the stand-in: the template's lists carry both spellings.
#[test]
fn licensed_font_with_a_chinese_name_only_is_preferred() {
    let Some(mut dirs) = font_dirs() else {
        common::skip("no fonts");
        return;
    };
    let source = dirs
        .iter()
        .flat_map(|d| walk(d))
        .find(|p| p.file_name().is_some_and(|n| n == "LXGWWenKai-Regular.ttf"))
        .expect("LXGW WenKai Regular");
    let licensed = tempfile::tempdir().unwrap();
    let renamed = rename_font(
        &std::fs::read(&source).unwrap(),
        "仿宋_GB2312",
        "GongwenTestFangSong",
    );
    std::fs::write(licensed.path().join("fangsong.ttf"), renamed).unwrap();
    dirs.push(licensed.path().to_path_buf());
    let mut world = GongwenWorld::new(&Templates::Dir(repo().join("templates")), &dirs).unwrap();
    let book = world.font_book();
    let found = (0..)
        .map_while(|i| book.info(i))
        .any(|info| info.family == "仿宋_GB2312");
    assert!(found, "typst reads the Chinese family name");
    let docs = county_docs(&sample_submission());
    let out = pdf::render_pdf(
        &mut world,
        doc_of(&docs, DocKind::CountyReport),
        &PdfRenderOptions::default(),
    )
    .unwrap();
    if !has_tool("pdffonts") {
        return;
    }
    let (_dir, path) = temp_pdf(&out.bytes);
    let fonts = Command::new("pdffonts").arg(&path).output().unwrap();
    let fonts = String::from_utf8_lossy(&fonts.stdout);
    assert!(fonts.contains("GongwenTestFangSong"), "{fonts}");
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}

/// A copy of a TrueType font whose name table holds only Chinese (PRC) names: family and
/// full name `family`, PostScript name `ps`. The new table goes at the end of the file and
/// the table directory points at it (typst checks no checksums).
fn rename_font(font: &[u8], family: &str, ps: &str) -> Vec<u8> {
    let u16_at = |b: &[u8], i: usize| u16::from_be_bytes([b[i], b[i + 1]]);
    let num_tables = usize::from(u16_at(font, 4));
    let mut out = font.to_vec();
    while !out.len().is_multiple_of(4) {
        out.push(0);
    }
    let records: Vec<(u16, u16, u16, String)> = vec![
        (3, 1, 1, family.to_owned()),
        (3, 1, 2, "Regular".to_owned()),
        (3, 1, 4, family.to_owned()),
        (3, 1, 6, ps.to_owned()),
    ];
    let mut strings = Vec::new();
    let mut table = Vec::new();
    table.extend_from_slice(&0u16.to_be_bytes());
    table.extend_from_slice(&(records.len() as u16).to_be_bytes());
    table.extend_from_slice(&((6 + 12 * records.len()) as u16).to_be_bytes());
    for (platform, encoding, name_id, text) in &records {
        let utf16: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
        for v in [
            *platform,
            *encoding,
            0x0804,
            *name_id,
            utf16.len() as u16,
            strings.len() as u16,
        ] {
            table.extend_from_slice(&v.to_be_bytes());
        }
        strings.extend(utf16);
    }
    table.extend(strings);
    let offset = out.len() as u32;
    out.extend_from_slice(&table);
    for t in 0..num_tables {
        let entry = 12 + 16 * t;
        if &font[entry..entry + 4] == b"name" {
            out[entry + 8..entry + 12].copy_from_slice(&offset.to_be_bytes());
            out[entry + 12..entry + 16].copy_from_slice(&(table.len() as u32).to_be_bytes());
        }
    }
    out
}

// ---------------------------------------------------------------------------------------
// Reproducibility and PDF/A.

#[test]
fn same_input_gives_the_same_bytes() {
    let docs = county_docs(&sample_submission());
    let report = doc_of(&docs, DocKind::CountyReport);
    let Some(a) = render(report) else { return };
    // Something else in between, as a daemon would.
    render(doc_of(&docs, DocKind::SchoolList));
    let b = render(report).unwrap();
    assert!(a.bytes == b.bytes, "warm renders differ");
    let dirs = font_dirs().unwrap();
    let mut fresh = GongwenWorld::new(&Templates::Dir(repo().join("templates")), &dirs).unwrap();
    let c = pdf::render_pdf(&mut fresh, report, &PdfRenderOptions::default()).unwrap();
    assert!(a.bytes == c.bytes, "a fresh world renders different bytes");
    let mut builtin = GongwenWorld::new(&Templates::Builtin, &dirs).unwrap();
    let d = pdf::render_pdf(&mut builtin, report, &PdfRenderOptions::default()).unwrap();
    assert!(
        a.bytes == d.bytes,
        "the built-in templates differ from templates/"
    );
}

/// A county job assembles its files from parts typeset once and page numbers kept from
/// earlier jobs: the bytes are those of each file rendered alone, whatever ran before.
#[test]
fn a_county_job_gives_each_file_the_bytes_it_has_alone() {
    let Some(dirs) = font_dirs() else { return };
    let world = GongwenWorld::new(&Templates::Dir(repo().join("templates")), &dirs).unwrap();
    let config = Config::parse("[county.\"西湖区\"]\ndoc_number = \"西教〔2019〕12号\"\n").unwrap();
    let mut renderer = Renderer::new(
        world,
        config.clone(),
        Formats {
            pdf: true,
            docx: false,
        },
    );
    let a = sample_submission();
    let b = many_schools(12);
    let first = renderer.county(&a).unwrap();
    renderer.county(&b).unwrap();
    let again = renderer.county(&a).unwrap();
    let docs = compose::county_documents(&a, &config).unwrap();
    assert_eq!(first.files.len(), docs.len());
    for ((one, two), doc) in first.files.iter().zip(&again.files).zip(&docs) {
        assert_eq!(one.name, format!("{}.pdf", doc.file_stem));
        assert!(one.bytes == two.bytes, "{}: a warm job differs", one.name);
        let alone = render(doc).unwrap();
        assert!(
            one.bytes == alone.bytes,
            "{}: differs from the file alone",
            one.name
        );
    }
}

#[test]
fn pdf_is_pdf_a_2b_and_valid() {
    let docs = county_docs(&sample_submission());
    for doc in &docs {
        let Some(out) = render(doc) else { return };
        let text = String::from_utf8_lossy(&out.bytes);
        assert!(
            text.contains("pdfaid:part>2<") || text.contains("pdfaid:part=\"2\""),
            "PDF/A part"
        );
        assert!(
            text.contains("pdfaid:conformance>B<") || text.contains("pdfaid:conformance=\"B\""),
            "PDF/A conformance"
        );
        assert!(
            text.contains("2019-05-20"),
            "creation date is the document date"
        );
        if !has_tool("qpdf") {
            return;
        }
        let (_dir, path) = temp_pdf(&out.bytes);
        let check = Command::new("qpdf")
            .arg("--check")
            .arg(&path)
            .output()
            .unwrap();
        assert!(
            check.status.success(),
            "qpdf --check: {}",
            String::from_utf8_lossy(&check.stdout)
        );
    }
}

/// `--seal none` keeps the sealed layout and draws nothing red.
#[test]
fn seal_none_keeps_the_layout_and_draws_nothing() {
    let docs = county_docs(&sample_submission());
    let report = doc_of(&docs, DocKind::CountyReport);
    let Some(with) = render(report) else { return };
    let without = render_with(report, SealStyle::None).unwrap();
    if !has_tool("pdftotext") || !has_tool("pdftoppm") {
        return;
    }
    let (_a, with_path) = temp_pdf(&with.bytes);
    let (_b, without_path) = temp_pdf(&without.bytes);
    let date = |path: &Path| {
        let pages = bbox(path);
        let last = pages.iter().rev().find_map(|p| {
            p.find("2019年5月20日")
                .filter(|w| w.y0 < TOP + TYPE_H - 60.0)
                .cloned()
        });
        last.unwrap()
    };
    let (a, b) = (date(&with_path), date(&without_path));
    assert!(
        (a.x0 - b.x0).abs() < 0.01 && (a.y0 - b.y0).abs() < 0.01,
        "same layout"
    );
    let pages = bbox(&without_path).len();
    for page in 2..=pages {
        let r = raster(&without_path, page, 72);
        assert!(
            r.points(|p| p.0 > 200 && p.1 < 120 && p.2 < 120).is_empty(),
            "red on page {page}"
        );
    }
}

// ---------------------------------------------------------------------------------------
// City and province.

#[test]
fn city_and_province_documents_render() {
    let mut subs = vec![sample_submission()];
    let mut other = sample_submission();
    other.county = Some(county("鹿城区"));
    other.plan_year = Some(PlanYear::Later);
    subs.push(other);
    let config = Config::default();
    let mut docs = compose::city_documents("杭州市", &subs, &config).unwrap();
    docs.push(compose::province_summary(&subs, &config).unwrap());
    for doc in &docs {
        let Some(out) = render(doc) else { return };
        assert!(out.missing.is_empty());
        if has_tool("pdftotext") {
            let (_dir, path) = temp_pdf(&out.bytes);
            let text = plain_text(&path);
            match doc.kind {
                DocKind::CityTimetable => {
                    assert!(text.contains("合计（个）"), "{text}");
                    assert!(text.contains("杭州市教育局（盖章）"), "{text}");
                }
                DocKind::CityLetter => assert!(
                    text.contains("浙江省人民政府教育督导委员会办公室："),
                    "{text}"
                ),
                DocKind::ProvinceSummary => assert!(text.contains("2022年目标50%"), "{text}"),
                DocKind::CityPackage => {
                    // The report, 附件3 on a page of its own, the 版记 on an even last page.
                    let pages = bbox(&path);
                    assert_eq!(pages.len() % 2, 0, "{} pages", pages.len());
                    let last = pages.last().unwrap();
                    assert!(last.find("印发").is_some());
                    assert!(!last.words.iter().any(|w| w.text.contains('—')));
                    let a3 = pages
                        .iter()
                        .position(|p| p.lines().first().is_some_and(|l| line_text(l) == "附件3"));
                    let a3 = a3.expect("附件3 starts a page");
                    assert!(a3 > 0);
                    let words: Vec<&str> =
                        pages[a3].words.iter().map(|w| w.text.as_str()).collect();
                    let number = format!("—{}—", a3 + 1);
                    assert!(words.concat().ends_with(&number), "{words:?}");
                }
                _ => {}
            }
        }
    }
}

/// Regenerates the samples a designer previews the templates with:
/// `cargo test --test render_pdf -- --ignored write_template_samples`.
#[test]
#[ignore = "writes templates/data.json and templates/samples/"]
fn write_template_samples() {
    let reader = gongwen::pipeline::WorkbookReader::InProcess;
    let limits = gongwen::intake::Limits::default();
    let read = |p: &Path| gongwen::pipeline::read_submission(p, &reader, &limits).unwrap();
    let mut subs = vec![read(&repo().join("examples/西湖区.xlsx"))];
    for e in std::fs::read_dir(repo().join("examples/杭州市")).unwrap() {
        subs.push(read(&e.unwrap().path()));
    }
    // Filled in as a bureau would, so the preview shows every part.
    let config = Config::parse(
        r#"
        [defaults]
        note = "此件依申请公开"
        [county."西湖区"]
        issuer = "杭州市西湖区教育局"
        red_header = "杭州市西湖区教育局文件"
        doc_number = "西教〔2019〕12号"
        signer = "王建国"
        cc = ["杭州市西湖区人民政府", "杭州市人民政府教育督导委员会办公室"]
        [city."杭州市"]
        doc_number = "杭教督〔2019〕8号"
        signer = "李明"
        "#,
    )
    .unwrap();
    let county_docs = compose::county_documents(&subs[0], &config).unwrap();
    let city_docs = compose::city_documents("杭州市", &subs, &config).unwrap();
    let province = compose::province_summary(&subs, &config).unwrap();
    let samples = repo().join("templates/samples");
    std::fs::create_dir_all(&samples).unwrap();
    let write = |path: PathBuf, doc: &Document| {
        let mut json = serde_json::to_string_pretty(doc).unwrap();
        json.push('\n');
        std::fs::write(path, json).unwrap();
    };
    write(
        repo().join("templates/data.json"),
        doc_of(&county_docs, DocKind::CountyReport),
    );
    let names = [
        (DocKind::CountyReport, "county-report"),
        (DocKind::SchoolList, "school-list"),
        (DocKind::CountyList, "county-list"),
        (DocKind::CountyPackage, "county-package"),
    ];
    for (kind, name) in names {
        write(
            samples.join(format!("{name}.json")),
            doc_of(&county_docs, kind),
        );
    }
    write(
        samples.join("city-timetable.json"),
        doc_of(&city_docs, DocKind::CityTimetable),
    );
    write(
        samples.join("city-letter.json"),
        doc_of(&city_docs, DocKind::CityLetter),
    );
    write(samples.join("province-summary.json"), &province);
}

/// Renders every sample in templates/samples/ to target/preview/ with gongwen's own world, for
/// looking at the templates without the typst CLI:
/// `cargo test --test render_pdf -- --ignored preview_samples`.
#[test]
#[ignore = "writes target/preview/"]
fn preview_samples() {
    let out_dir = repo().join("target/preview");
    std::fs::create_dir_all(&out_dir).unwrap();
    for entry in std::fs::read_dir(repo().join("templates/samples")).unwrap() {
        let path = entry.unwrap().path();
        let doc: Document = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        let Some(out) = render(&doc) else { return };
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        std::fs::write(out_dir.join(format!("{name}.pdf")), &out.bytes).unwrap();
    }
}

fn configured_report(sub: &Submission) -> Document {
    configured_report_with_contact(sub, 0)
}

/// The report with a 联系人 paragraph of `lines` full lines, to move the signature down.
fn configured_report_with_contact(sub: &Submission, lines: usize) -> Document {
    let contact = if lines == 0 {
        String::new()
    } else {
        format!(
            "contact = \"{}\"",
            "鲍铁虎电话邮箱地址杭州市文晖路浙江教育大厦二〇〇四室".repeat(lines)
        )
    };
    let config = Config::parse(&format!(
        r#"
        [county."西湖区"]
        signer = "王建国"
        note = "此件依申请公开"
        cc = ["杭州市西湖区人民政府", "杭州市人民政府教育督导委员会办公室", "杭州市西湖区人民政府教育督导委员会办公室"]
        {contact}
        "#
    ))
    .unwrap();
    let docs = compose::county_documents(sub, &config).unwrap();
    doc_of(&docs, DocKind::CountyReport).clone()
}

/// 7.3.4 附件说明 two characters in with wrapped names aligned; 7.3.6 附注 on the line under the
/// date, two characters in; 7.4 抄送 one character in, wrapped names aligned after the colon;
/// headings and 签发人 in their faces.
#[test]
fn attachment_list_note_and_cc_are_placed() {
    let report = configured_report(&sample_submission());
    let Some(out) = render(&report) else { return };
    if !has_tool("pdftotext") {
        return;
    }
    let (_dir, path) = temp_pdf(&out.bytes);
    let pages = bbox(&path);
    let page = pages
        .iter()
        .find(|p| p.find("附件：").is_some())
        .expect("附件说明");
    let first = page.find("附件：").unwrap();
    near(first.x0, LEFT + 2.0 * CELL, "附件说明 two characters in");
    let second = page.find("2.县级政府").unwrap();
    near(
        second.y0 - first.y0,
        PITCH,
        "next attachment on the next line",
    );
    near(second.x0, LEFT + 5.0 * CELL, "numbers aligned under 1.");
    let date = page.find("2019年5月20日").unwrap();
    let note = page.find("（此件依申请公开）").expect("附注");
    near(note.y0 - date.y0, PITCH, "附注 on the line under the date");
    near(note.x0, LEFT + 2.0 * CELL, "附注 two characters in");

    let last = pages.last().unwrap();
    let cc = last.find("抄送：").expect("抄送");
    near(cc.x0, LEFT + 14.0, "抄送 one character in");
    assert!((cc.y1 - cc.y0 - 14.0).abs() < 0.6, "抄送 in 4号");
    let wrapped = last
        .lines()
        .into_iter()
        .find(|l| l[0].y0 > cc.y0 + 5.0 && l[0].y0 < cc.y0 + 30.0)
        .expect("the 抄送 names wrap");
    near(
        wrapped[0].x0,
        LEFT + 14.0 + 3.0 * 14.0,
        "wrapped 抄送 aligned after the colon",
    );

    if has_tool("pdffonts") {
        let fonts = Command::new("pdffonts").arg(&path).output().unwrap();
        let fonts = String::from_utf8_lossy(&fonts.stdout);
        for face in ["NotoSansCJK", "LXGWWenKai", "ZhuqueFangsong"] {
            assert!(
                fonts.contains(face),
                "{face} (黑体/楷体/仿宋 stand-in) not used: {fonts}"
            );
        }
    }
}

/// 7.3.5.5: the seal never sits on a page without body text (no 此页无正文). Whatever the
/// body's length, the page with the signature also holds the end of the body.
#[test]
fn signature_never_stands_alone_on_a_page() {
    if !has_tool("pdftotext") {
        return;
    }
    let mut split_seen = false;
    for lines in 0..24 {
        let report = configured_report_with_contact(&sample_submission(), lines);
        let Some(out) = render(&report) else { return };
        let (_dir, path) = temp_pdf(&out.bytes);
        let pages = bbox(&path);
        let (index, page) = pages
            .iter()
            .enumerate()
            .find(|(_, p)| p.find("附件：").is_some())
            .unwrap();
        let attachment = page.find("附件：").unwrap();
        let body_above = page
            .lines()
            .iter()
            .any(|l| l[0].y1 <= attachment.y0 && l[0].y0 < TOP + TYPE_H);
        assert!(
            body_above,
            "{lines} lines: the 附件说明 and seal start page {} alone",
            index + 1
        );
        if attachment.y0 < TOP + 4.0 * PITCH {
            split_seen = true;
        }
    }
    assert!(
        split_seen,
        "no length put a page break just before the signature block"
    );
}

// ---------------------------------------------------------------------------------------
// Reference pictures: a few small PNGs guard the look; measurements above guard the rules.

/// Compares page 1 of each document kind at 30 dpi with `tests/reference/<kind>.png`.
/// `GONGWEN_BLESS=1 cargo test --test render_pdf reference` rewrites the references after a
/// deliberate change of the layout (look at them before committing).
#[test]
fn pages_look_like_their_references() {
    if !has_tool("pdftoppm") {
        return;
    }
    let sub = sample_submission();
    let docs = county_docs(&sub);
    let reference_dir = repo().join("tests").join("reference");
    let bless = std::env::var_os("GONGWEN_BLESS").is_some();
    let mut failures = Vec::new();
    for (kind, name) in [
        (DocKind::CountyReport, "county-report"),
        (DocKind::SchoolList, "school-list"),
    ] {
        let Some(out) = render(doc_of(&docs, kind)) else {
            return;
        };
        let (_dir, pdf) = temp_pdf(&out.bytes);
        let png_path = pdf.with_file_name("ref");
        let status = Command::new("pdftoppm")
            .args(["-r", "30", "-f", "1", "-l", "1", "-png", "-singlefile"])
            .arg(&pdf)
            .arg(&png_path)
            .status()
            .unwrap();
        assert!(status.success());
        let actual = std::fs::read(png_path.with_extension("png")).unwrap();
        let reference = reference_dir.join(format!("{name}.png"));
        if bless {
            std::fs::create_dir_all(&reference_dir).unwrap();
            std::fs::write(&reference, &actual).unwrap();
            continue;
        }
        let expected = std::fs::read(&reference).unwrap_or_else(|e| {
            panic!("{}: {e} (bless with GONGWEN_BLESS=1)", reference.display())
        });
        let (a, aw, ah) = decode_gray(&actual);
        let (e, ew, eh) = decode_gray(&expected);
        if (aw, ah) != (ew, eh) {
            failures.push(format!("{name}: {aw}×{ah} pixels, reference {ew}×{eh}"));
            continue;
        }
        let differing = a
            .iter()
            .zip(&e)
            .filter(|(x, y)| x.abs_diff(**y) > 64)
            .count();
        let share = differing as f64 / a.len() as f64;
        eprintln!(
            "{name}: {:.3}% of pixels differ from the reference",
            share * 100.0
        );
        if share > 0.005 {
            failures.push(format!("{name}: {:.2}% of pixels differ", share * 100.0));
        }
    }
    assert!(failures.is_empty(), "pages changed: {failures:?}");
}

/// A PNG as one luminance byte per pixel.
fn decode_gray(bytes: &[u8]) -> (Vec<u8>, u32, u32) {
    let mut decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    let channels = info.color_type.samples();
    let gray = buf[..info.buffer_size()]
        .chunks(channels)
        .map(|px| match px {
            [g] | [g, _] => *g,
            [r, g, b, ..] => ((u16::from(*r) * 3 + u16::from(*g) * 6 + u16::from(*b)) / 10) as u8,
            _ => 0,
        })
        .collect();
    (gray, info.width, info.height)
}

// ---------------------------------------------------------------------------------------
// 附件3, the one form sent on paper with a stamp.

/// The seal's box (min x, min y, max x, max y) in points: the dashed red ink.
fn seal_box(raster: &Raster) -> (f64, f64, f64, f64) {
    let seal: Vec<(f64, f64)> = raster.points(|p| p.0 > 200 && p.1 < 120 && p.2 < 120);
    assert!(!seal.is_empty(), "no seal outline");
    let min = |f: fn(&(f64, f64)) -> f64| seal.iter().map(f).fold(f64::MAX, f64::min);
    let max = |f: fn(&(f64, f64)) -> f64| seal.iter().map(f).fold(f64::MIN, f64::max);
    (min(|p| p.0), min(|p| p.1), max(|p| p.0), max(|p| p.1))
}

/// 7.3.5 on 附件3: the seal presses on 填报单位 and the date, centred on the date and
/// `seal-centre` below the top of the office's line as the signature's, and no seal ink falls
/// inside the table's box; the head cell is split by a diagonal (县（市、区）╲ 设区市).
#[test]
fn city_timetable_seal_clears_the_table_and_the_head_cell_is_diagonal() {
    let subs = vec![sample_submission()];
    let docs = compose::city_documents("杭州市", &subs, &Config::default()).unwrap();
    let Some(out) = render(doc_of(&docs, DocKind::CityTimetable)) else {
        return;
    };
    if !has_tool("pdftotext") || !has_tool("pdftoppm") {
        return;
    }
    let (_dir, path) = temp_pdf(&out.bytes);
    let page = &bbox(&path)[0];
    let lines = page.lines();
    let office = lines
        .iter()
        .find(|l| line_text(l).starts_with("填报单位"))
        .expect("填报单位 line");
    let date = lines
        .iter()
        .find(|l| line_text(l).starts_with("填报日期"))
        .expect("填报日期 line");
    // The date after its label: five characters (填报日期：) at 16 pt.
    let date_start = date[0].x0 + 5.0 * 16.0;
    let date_end = date.last().unwrap().x1;
    let raster = raster(&path, 1, 150);
    let (x0, y0, x1, y1) = seal_box(&raster);
    near(x1 - x0, 42.0 * MM, "seal diameter");
    near(
        (x0 + x1) / 2.0,
        (date_start + date_end) / 2.0,
        "seal centred on the date",
    );
    // As the signature's: centre 14 pt below the top of the office's characters.
    near(
        (y0 + y1) / 2.0,
        office[0].y0 + 14.0,
        "seal centre below the office's top",
    );
    // The table: its rules are the long dark horizontal runs.
    let rules = raster.runs(is_dark, 100.0);
    assert!(!rules.is_empty(), "no table rules");
    let table_top = rules.iter().map(|r| r.0).fold(f64::MAX, f64::min);
    let table_left = rules.iter().map(|r| r.1).fold(f64::MAX, f64::min);
    let table_right = rules.iter().map(|r| r.2).fold(f64::MIN, f64::max);
    eprintln!(
        "seal {:.1}..{:.1} mm, table from {:.1} mm",
        y0 / MM,
        y1 / MM,
        table_top / MM
    );
    assert!(
        y1 < table_top && x1 > table_left && x0 < table_right,
        "seal ink ({y1:.1} pt) reaches the table ({table_top:.1} pt)"
    );
    // The title above stays clear too.
    let title = lines
        .iter()
        .rfind(|l| l[0].y0 < office[0].y0 && line_text(l).contains("时间表"))
        .expect("title");
    assert!(y0 > title[0].y1, "the seal runs into the title");
    // The head cell: from its top-left corner to its bottom-right, dark ink along the line.
    let mut ys: Vec<f64> = rules.iter().map(|r| r.0).collect();
    ys.dedup_by(|a, b| (*a - *b).abs() < 2.0);
    let head_bottom = ys[1];
    let head_right = table_left + (table_right - table_left) * 1.8 / 6.8;
    let on_line = (2..9)
        .filter(|i| {
            let t = f64::from(*i) / 10.0;
            let (x, y) = (
                table_left + t * (head_right - table_left),
                table_top + t * (head_bottom - table_top),
            );
            let (px, py) = ((x * raster.scale) as usize, (y * raster.scale) as usize);
            (px.saturating_sub(4)..px + 4)
                .any(|qx| (py.saturating_sub(2)..py + 2).any(|qy| is_dark(raster.pixel(qx, qy))))
        })
        .count();
    assert_eq!(on_line, 7, "no diagonal in the head cell");
    assert!(page.find("县（市、区）").is_some() && page.find("设区市").is_some());
}

/// A small table is not split across pages, and its 注 stay with it: the province summary of
/// the fixtures' counties, whose five-row 累计进度 table typst split 3 + 2.
#[test]
fn small_tables_stay_on_one_page() {
    let reader = gongwen::pipeline::WorkbookReader::InProcess;
    let limits = gongwen::intake::Limits::default();
    let fixtures = repo().join("tests/fixtures");
    let mut subs = Vec::new();
    for dir in ["examples", "counties"] {
        for entry in walk(&fixtures.join(dir)) {
            if entry.extension().is_some_and(|e| e == "xlsx") {
                let sub = gongwen::pipeline::read_submission(&entry, &reader, &limits).unwrap();
                if !sub.has_errors() {
                    subs.push(sub);
                }
            }
        }
    }
    let doc = compose::province_summary(&subs, &Config::default()).unwrap();
    let Some(out) = render(&doc) else { return };
    if !has_tool("pdftotext") {
        return;
    }
    let (_dir, path) = temp_pdf(&out.bytes);
    let pages = bbox(&path);
    let texts: Vec<String> = pages
        .iter()
        .map(|p| p.words.iter().map(|w| w.text.as_str()).collect())
        .collect();
    let tables = doc.sections[0].blocks.iter().filter_map(|b| match b {
        Block::Table(t) => Some(t),
        _ => None,
    });
    let mut checked = 0;
    for t in tables {
        // A row by its cells run together, as pdftotext prints a row of short cells.
        let rows: Vec<String> = t.rows.iter().map(|r| r.concat()).collect();
        let on: BTreeSet<usize> = rows
            .iter()
            .flat_map(|r| {
                texts
                    .iter()
                    .enumerate()
                    .filter(move |(_, t)| t.contains(r.as_str()))
            })
            .map(|(i, _)| i)
            .collect();
        assert_eq!(
            on.len(),
            1,
            "a table of {} rows on pages {on:?}",
            rows.len()
        );
        checked += 1;
    }
    assert!(checked >= 2, "{checked} tables");
}

/// No runts: no line of the city's letter holds one or two characters alone (its attachment
/// list ended …时间/表 and …（电子/版）).
#[test]
fn no_line_holds_one_or_two_characters() {
    let subs = vec![sample_submission()];
    let docs = compose::city_documents("杭州市", &subs, &Config::default()).unwrap();
    let Some(out) = render(doc_of(&docs, DocKind::CityLetter)) else {
        return;
    };
    if !has_tool("pdftotext") {
        return;
    }
    let (_dir, path) = temp_pdf(&out.bytes);
    let text = plain_text(&path);
    let runts: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| {
            let n = l.chars().filter(|c| !c.is_whitespace()).count();
            // pdftotext sets a compressed full stop (）。) apart on a line of its own.
            let punctuation = l.chars().all(|c| "。，、；：）".contains(c));
            (1..=2).contains(&n) && !l.starts_with('—') && !punctuation
        })
        .collect();
    assert!(runts.is_empty(), "runts {runts:?} in\n{text}");
    assert!(text.contains("时间表"), "{text}");
}

/// A county whose 附件1 has `schools` schools of one short item each: one line a row.
fn one_line_rows(schools: usize) -> Submission {
    let schools = (0..schools)
        .map(|s| School {
            name: format!("杭州市第{}小学", s + 1),
            items: vec![item(
                "美术专用教室面积不足",
                "改建美术专用教室",
                "2020-08",
                5 + s,
            )],
        })
        .collect();
    submission(schools, Vec::new())
}

/// Regression: a 附件1 whose table ended at the foot of page 1 (12 one-line rows; 13 left
/// one row) printed its 注 alone on page 2. The 注 keeps the table's last two rows, under
/// the table's head repeated, and no row is lost or printed twice.
#[test]
fn notes_never_start_a_page_alone() {
    for schools in [12, 13] {
        let docs = county_docs(&one_line_rows(schools));
        let Some(out) = render(doc_of(&docs, DocKind::SchoolList)) else {
            return;
        };
        if !has_tool("pdftotext") {
            return;
        }
        let (_dir, path) = temp_pdf(&out.bytes);
        let pages = bbox(&path);
        assert_eq!(
            pages.len(),
            2,
            "{schools} schools: the table runs onto page 2"
        );
        let at = pages
            .iter()
            .position(|p| p.find("注：").is_some())
            .expect("注");
        let rows: Vec<&str> = pages[at]
            .words
            .iter()
            .filter(|w| w.text.contains("小学"))
            .map(|w| w.text.as_str())
            .collect();
        assert!(
            rows.len() >= 2,
            "{schools} schools: the page of 注 holds rows {rows:?}"
        );
        assert!(pages[at].find("学校名称").is_some(), "the head repeats");
        let names: Vec<String> = pages
            .iter()
            .flat_map(|p| &p.words)
            .filter(|w| w.text.contains("小学"))
            .map(|w| w.text.clone())
            .collect();
        let expected: Vec<String> = (1..=schools)
            .map(|s| format!("{s}.杭州市第{s}小学"))
            .collect();
        assert_eq!(names, expected, "each row once, in order");
    }
}

/// GB/T 9704: no punctuation outside the type area. typst sets an opening bracket that
/// starts a line without its blank half (its glyph box begins half a character left of the
/// margin, typst-layout's line.rs): the ink must still lie right of the type area's left
/// edge (28 mm). Measured for （, 《 and “ opening lines inside a paragraph and opening one.
/// The tip of 《 lies on the centre of its em box, so once compressed it touches the edge:
/// at 2400 dpi its ink begins 0.03 mm left of 28 mm (（ 0.70 mm right of it), less than a
/// dot of a 600 dpi printer; the scan allows 0.1 mm, about one pixel at 288 dpi.
#[test]
fn opening_brackets_at_a_line_start_keep_their_ink_inside() {
    // 26 characters fill the first line (two-character indent), 28 each further line.
    let filler = |n: usize| "教育".repeat(n / 2) + if n % 2 == 1 { "学" } else { "" };
    let mut text = filler(26);
    for (i, open) in ["（", "《", "“"].iter().enumerate() {
        let close = ["）", "》", "”"][i];
        text.push_str(open);
        text.push_str(&filler(25));
        text.push_str(close);
        text.push_str(&filler(1));
    }
    text.push_str(&filler(10));
    let mut doc = long_document();
    doc.sections[0].blocks = vec![
        Block::Paragraph { text: text.clone() },
        Block::Paragraph {
            text: "（一）".to_owned() + &filler(40),
        },
    ];
    let Some(out) = render(&doc) else { return };
    if !has_tool("pdftotext") || !has_tool("pdftoppm") {
        return;
    }
    let (_dir, path) = temp_pdf(&out.bytes);
    let pages = bbox(&path);
    let starts: Vec<String> = pages[0]
        .lines()
        .iter()
        .filter_map(|l| l.first().and_then(|w| w.text.chars().next()))
        .map(String::from)
        .collect();
    for open in ["（", "《", "“"] {
        assert!(
            starts.iter().filter(|s| *s == open).count() >= 1,
            "{open} opens a line: line starts {starts:?}"
        );
    }
    // The case measured: the glyph box of a compressed bracket starts left of the margin.
    let boxes: Vec<f64> = pages[0]
        .lines()
        .iter()
        .filter(|l| l[0].text.starts_with('（'))
        .map(|l| l[0].x0)
        .collect();
    assert!(
        boxes.iter().any(|&x| x < LEFT - 2.0 * MM),
        "（ compressed: {boxes:?}"
    );
    for n in 1..=pages.len() {
        let r = raster(&path, n, 288);
        let edge = ((LEFT - 0.1 * MM) * r.scale) as usize;
        let ink: Vec<(usize, usize)> = (0..r.height)
            .flat_map(|y| (0..edge).map(move |x| (x, y)))
            .filter(|&(x, y)| is_dark(r.pixel(x, y)))
            .collect();
        assert!(
            ink.is_empty(),
            "page {n}: ink left of the type area, first at {:?} pt",
            ink.first()
                .map(|&(x, y)| (x as f64 / r.scale, y as f64 / r.scale))
        );
    }
}
