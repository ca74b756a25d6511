//! How fast and how lean gongwen is, measured, next to what bureaus use today (LibreOffice
//! converting a DOCX). Issue 5; the figures and the machine they came from are in
//! `BENCHMARKS.md`.
//!
//! ```sh
//! cargo bench --bench pipeline                   # everything, about ten minutes
//! cargo bench --bench pipeline -- warm cold      # some phases only
//! GONGWEN_BENCH_QUICK=1 cargo bench --bench pipeline   # fewer samples, to try it out
//! ```
//!
//! Phases: `warm` (one county rendered in a running process), `cold` (a whole `gongwen
//! render` process), `drop` (the daemon: a file renamed into inbox/ until its PDF is in
//! outbox/, beyond the settle window), `province` (90 counties, 11 cities and the summary on
//! both cores), `memory` (resident memory over 1,000 renders), `soffice` (the same DOCX
//! converted by LibreOffice headless, warm and cold ratios). Every input is generated here,
//! deterministically, from the division registry; every figure is a median of the samples
//! taken in this run, and every ratio is between figures of this run.
//!
//! A `harness = false` bench: `cargo test` neither builds nor runs it, and `cargo bench`
//! builds with the release profile. Some phases re-execute this binary (a fresh process for
//! memory and the cold breakdown) with `GONGWEN_BENCH_ROLE` set.

use std::fmt::Write as _;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Barrier, Mutex};
use std::time::{Duration, Instant};

use gongwen::config::Config;
use gongwen::domain::{Division, registry};
use gongwen::intake::Limits;
use gongwen::intake::sandbox::Isolation;
use gongwen::model::Submission;
use gongwen::pipeline::{WorkbookReader, read_submission};
use gongwen::render::compose;
use gongwen::render::document::{DocKind, Document};
use gongwen::render::renderer::{Formats, Renderer};
use gongwen::render::world::{GongwenWorld, Templates};
use rust_xlsxwriter::{Workbook, Worksheet};

#[path = "../tests/common/libreoffice.rs"]
mod libreoffice;
use libreoffice::fontconfig;

const PHASES: [&str; 6] = ["warm", "cold", "drop", "province", "memory", "soffice"];
/// The daemon's settle window in the drop phase, in milliseconds.
const SETTLE_MS: u64 = 200;
/// Renders in the memory phase.
const MEMORY_RENDERS: usize = 1000;
/// The generated workbooks' paths, one a line, in the bench folder.
const INPUT_LIST: &str = "inputs.txt";

fn main() {
    if let Ok(role) = std::env::var("GONGWEN_BENCH_ROLE") {
        child(&role);
        return;
    }
    let wanted: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    for w in &wanted {
        assert!(
            PHASES.contains(&w.as_str()),
            "unknown phase {w}; the phases are {PHASES:?}"
        );
    }
    let run = |phase: &str| wanted.is_empty() || wanted.iter().any(|w| w == phase);
    let quick = std::env::var_os("GONGWEN_BENCH_QUICK").is_some();

    let bench = Bench::new(quick);
    eprintln!(
        "gongwen bench: {} counties generated in {} ({}), load average {}",
        bench.counties.len(),
        bench.dir.display(),
        if quick { "quick" } else { "full" },
        load_average()
    );
    let mut report = Report::default();
    report.note(format!("machine: {}", machine()));
    report.note(format!("load average at start: {}", load_average()));
    report.note(format!(
        "benchmark county: {} ({} schools, {} school items, {} county items); largest: {} ({} schools, {} items)",
        bench.typical().name,
        bench.typical().schools,
        bench.typical().items,
        bench.typical().county_items,
        bench.largest().name,
        bench.largest().schools,
        bench.largest().items,
    ));

    // Figures other phases compare against.
    let mut warm_pdf: Vec<(DocKind, Duration)> = Vec::new();
    let mut cold_process: Option<Duration> = None;

    if run("warm") || run("soffice") {
        warm_pdf = warm(&bench, &mut report, run("warm"));
    }
    if run("cold") || run("soffice") {
        cold_process = Some(cold(&bench, &mut report));
    }
    if run("drop") {
        drop_latency(&bench, &mut report);
    }
    if run("province") {
        province(&bench, &mut report);
    }
    if run("memory") {
        memory(&bench, &mut report);
    }
    if run("soffice") {
        soffice(&bench, &mut report, &warm_pdf, cold_process);
    }
    report.note(format!("load average at end: {}", load_average()));
    let text = report.markdown();
    println!("\n{text}");
    let path = bench.dir.join("report.md");
    std::fs::write(&path, &text).expect("write the report");
    eprintln!("report written to {}", path.display());
}

// ---------------------------------------------------------------------------------------------
// Inputs

/// One generated county workbook.
#[derive(Debug, Clone)]
struct County {
    name: String,
    city: String,
    path: PathBuf,
    schools: usize,
    items: usize,
    county_items: usize,
}

struct Bench {
    quick: bool,
    dir: PathBuf,
    counties: Vec<County>,
}

impl Bench {
    fn new(quick: bool) -> Bench {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("gongwen-bench");
        let _ = std::fs::remove_dir_all(&dir);
        let inputs = dir.join("inputs");
        std::fs::create_dir_all(&inputs).expect("create the bench folder");
        let counties = generate(&inputs);
        // The inputs in registry order, for the child roles (`GONGWEN_BENCH_INPUT`).
        let list: Vec<String> = counties
            .iter()
            .map(|c| c.path.display().to_string())
            .collect();
        std::fs::write(dir.join(INPUT_LIST), list.join("\n")).expect("write the input list");
        Bench {
            quick,
            dir,
            counties,
        }
    }

    fn samples(&self, full: usize) -> usize {
        if self.quick {
            full.div_ceil(4).max(2)
        } else {
            full
        }
    }

    /// A county of median size among those with county items, so all three documents exist.
    fn typical(&self) -> &County {
        let mut with: Vec<&County> = self
            .counties
            .iter()
            .filter(|c| c.county_items > 0)
            .collect();
        with.sort_by_key(|c| (c.items, c.name.clone()));
        with[with.len() / 2]
    }

    fn largest(&self) -> &County {
        self.counties
            .iter()
            .max_by_key(|c| c.items)
            .expect("counties generated")
    }

    /// A fresh folder under the bench folder.
    fn fresh(&self, name: &str) -> PathBuf {
        let dir = self.dir.join(name);
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create a bench folder");
        dir
    }
}

/// `SplitMix64`: a few lines, deterministic on every platform.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + (self.next() % (hi - lo + 1) as u64) as usize
    }
}

/// School shortcomings and measures, worded as counties word them (from the sample filings).
const SCHOOL_ITEMS: [(&str, &str); 20] = [
    (
        "生均体育运动场馆面积不足",
        "与周边社区体育场地错时共享，改造屋顶运动场",
    ),
    (
        "每百名学生拥有网络多媒体教室数不足",
        "新建录播教室1间，改造普通教室为网络多媒体教室4间",
    ),
    (
        "部分班级学生数超过50人",
        "严格控制招生计划，2019学年起初一新生按每班45人编班",
    ),
    (
        "每百名学生拥有县级以上骨干教师数不足",
        "实施骨干教师梯队培养计划，三年内新增县级以上骨干教师5名",
    ),
    (
        "生均教学及辅助用房面积不足",
        "实施校舍改扩建工程，新增教学及辅助用房2400平方米",
    ),
    (
        "美术专用教室面积不足90平方米",
        "合并相邻两间教室改建美术专用教室",
    ),
    ("学生课业负担偏重", "落实减负规定，建立作业总量公示制度"),
    (
        "每百名学生拥有体育、艺术专任教师数不足",
        "公开招聘体育、音乐、美术专任教师各1名",
    ),
    (
        "生均教学仪器设备值不足",
        "争取财政专项资金，更新理化生实验室仪器设备",
    ),
    (
        "部分专任教师未取得教师资格证",
        "督促新聘教师参加教师资格考试，取得资格证后上岗",
    ),
    (
        "学校规模超过2000人",
        "新建北部单元小学分流生源，逐年压减招生规模",
    ),
    ("班额超过45人", "严格按45人标准编班，逐步消除大班额"),
    (
        "教师运用信息化手段组织教学能力不足",
        "开展教师信息技术应用能力提升培训，每学期组织一次展示课评比",
    ),
    (
        "综合实践活动开展不足",
        "依托本地研学资源建设综合实践基地，每学期安排两次综合实践活动",
    ),
    (
        "质量监测部分科目学业水平未达到Ⅲ级",
        "加强薄弱学科教研，开展教学视导和学业质量分析",
    ),
    (
        "培训经费占公用经费预算比例不足5%",
        "调整年度预算，按公用经费预算总额5%足额安排教师培训经费",
    ),
    (
        "校园文化建设有待加强",
        "制定校园文化建设三年规划，建设校史陈列室",
    ),
    (
        "每百名学生拥有高于规定学历教师数不足",
        "鼓励教师参加学历提升，新招聘教师原则上须具有本科以上学历",
    ),
    (
        "音乐专用教室数量不足",
        "利用闲置教室改建音乐专用教室2间，配齐音乐器材",
    ),
    (
        "学校章程未及时修订",
        "按程序修订学校章程，经教代会审议后报教育局核准",
    ),
];

/// County shortcomings and measures.
const COUNTY_ITEMS: [(&str, &str); 8] = [
    (
        "义务教育学校规划布局不够合理，城区学位紧张",
        "修编中小学布局专项规划，新建、改扩建学校8所",
    ),
    (
        "教职工编制统筹分配不到位",
        "建立中小学教职工编制动态调整机制，按学生数统筹核定各校编制",
    ),
    (
        "交流轮岗教师比例不足10%",
        "制定教师交流轮岗实施办法，每年交流比例不低于10%",
    ),
    (
        "优质高中招生名额分配比例不足50%",
        "提高名额分配比例并向农村初中倾斜",
    ),
    (
        "随迁子女在公办学校就读比例不足85%",
        "扩大公办学位供给，完善积分入学办法",
    ),
    (
        "特殊教育学校生均公用经费未达到6000元",
        "将特殊教育学校生均公用经费标准提高到每生每年6000元",
    ),
    (
        "教师平均工资收入水平低于当地公务员",
        "建立教师工资与公务员工资长效联动机制，足额核定绩效工资总量",
    ),
    (
        "初中三年巩固率未达到95%",
        "落实控辍保学责任制，建立辍学学生劝返复学台账",
    ),
];

const TOWNS: [&str; 8] = [
    "城关", "城南", "城北", "新城", "江南", "湖滨", "临江", "东山",
];

/// The divisions standing today, each a workbook of 20–60 schools with 1–5 items each and
/// 0–6 county items, in the notice's layout.
fn generate(dir: &Path) -> Vec<County> {
    let today = chrono::NaiveDate::from_ymd_opt(2025, 1, 1).expect("a date");
    let standing: Vec<&Division> = registry()
        .divisions
        .iter()
        .filter(|d| d.valid_on(today))
        .collect();
    assert_eq!(
        standing.len(),
        90,
        "the registry's divisions standing today"
    );
    standing.iter().map(|d| write_county(dir, d)).collect()
}

fn write_county(dir: &Path, division: &Division) -> County {
    let mut rng = Rng(division.code.parse::<u64>().expect("numeric code"));
    let day = rng.range(10, 30);
    let filed = format!("2019年5月{day}日");
    let stem = division.short_name().to_owned();
    let deadline = |rng: &mut Rng| {
        let months = rng.range(0, 41); // 2019-07 … 2022-12
        format!("{}年{}月", 2019 + (months + 6) / 12, (months + 6) % 12 + 1)
    };

    let county_line = format!(
        "县（市、区）名称：{}          填报日期：{filed}",
        division.name
    );
    let mut book = Workbook::new();
    let sheet = form_sheet(
        &mut book,
        "学校整改清单",
        [
            "附件1",
            "义务教育学校达到优质均衡目标整改清单",
            &county_line,
        ],
        &["学校名称", "存在不足情况", "整改提升措施", "完成时限"],
    );
    let schools = rng.range(20, 60);
    let mut row = 4u32;
    let mut items = 0;
    for n in 1..=schools {
        let name = match n % 4 {
            0 => format!("{stem}第{}中学", n / 4 + 1),
            1 if n / 4 < TOWNS.len() => format!("{stem}{}镇中心小学", TOWNS[n / 4]),
            1 => format!("{stem}{}镇第二小学", TOWNS[n / 4 - TOWNS.len()]),
            _ => format!("{stem}第{n}小学"),
        };
        sheet.write(row, 0, format!("{n}.{name}")).expect("cell");
        let count = rng.range(1, 5);
        let first = rng.range(0, SCHOOL_ITEMS.len() - 1);
        for k in 0..count {
            // Distinct shortcomings within a school, as a clerk would list them.
            let (shortcoming, measure) = SCHOOL_ITEMS[(first + k * 3) % SCHOOL_ITEMS.len()];
            sheet.write(row, 1, shortcoming).expect("cell");
            // Measures differ from school to school, and some run longer, as real ones do.
            let amount = rng.range(5, 900);
            let measure = match rng.range(0, 5) {
                0 => format!("{measure}，计划投入{amount}万元，并纳入年度教育督导考核"),
                1 => {
                    format!("{measure}；由教育局牵头、财政局配合，分年度落实经费{amount}万元和项目")
                }
                4 => measure.to_owned(),
                _ => format!("{measure}，计划投入{amount}万元"),
            };
            sheet.write(row, 2, measure).expect("cell");
            sheet.write(row, 3, deadline(&mut rng)).expect("cell");
            row += 1;
            items += 1;
        }
    }
    sheet.write(row + 1, 0, "注：").expect("cell");
    sheet
        .write(row + 2, 0, "3.完成时限精确到月份。")
        .expect("cell");

    let county_items = rng.range(0, 6);
    if county_items > 0 {
        let sheet = form_sheet(
            &mut book,
            "县级政府整改清单",
            ["附件2", "县级政府达到优质均衡目标整改清单", &county_line],
            &["存在不足情况", "整改提升措施", "完成时限"],
        );
        let first = rng.range(0, COUNTY_ITEMS.len() - 1);
        for k in 0..county_items {
            let (shortcoming, measure) = COUNTY_ITEMS[(first + k) % COUNTY_ITEMS.len()];
            let r = 4 + k as u32;
            sheet.write(r, 0, shortcoming).expect("cell");
            sheet.write(r, 1, measure).expect("cell");
            sheet.write(r, 2, deadline(&mut rng)).expect("cell");
        }
    }

    let sheet = form_sheet(
        &mut book,
        "创建时间",
        [
            "附件3",
            "创建全国义务教育优质均衡发展县（市、区）时间表",
            &format!("填报日期：{filed}"),
        ],
        &["县（市、区）", "所属设区市", "计划创建年份"],
    );
    sheet.write(4, 0, division.name.as_str()).expect("cell");
    sheet.write(4, 1, division.city.as_str()).expect("cell");
    sheet
        .write(4, 2, format!("{}年", rng.range(2019, 2022)))
        .expect("cell");

    let path = dir.join(format!("{}_{}.xlsx", division.city, division.name));
    book.save(&path).expect("save a workbook");
    County {
        name: division.name.clone(),
        city: division.city.clone(),
        path,
        schools,
        items,
        county_items,
    }
}

/// A sheet named `name` laid out as the notice's forms are: the label (附件N), the title and
/// the county-and-date line on rows 1–3, the column headings on row 4; data from row 5.
fn form_sheet<'a>(
    book: &'a mut Workbook,
    name: &str,
    lines: [&str; 3],
    headings: &[&str],
) -> &'a mut Worksheet {
    let sheet = book.add_worksheet();
    sheet.set_name(name).expect("sheet name");
    for (row, line) in lines.iter().enumerate() {
        sheet.write(row as u32, 0, *line).expect("cell");
    }
    for (col, title) in headings.iter().enumerate() {
        sheet.write(3, col as u16, *title).expect("cell");
    }
    sheet
}

// ---------------------------------------------------------------------------------------------
// Shared helpers

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn gongwen() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_gongwen"));
    // As a bureau runs it from its installation: templates/ and fonts/ in the current folder.
    cmd.current_dir(repo());
    cmd.env_remove("GONGWEN_FONT_PATHS");
    cmd
}

/// templates/ of the tree, or `GONGWEN_BENCH_TEMPLATES` to try an edited copy in the
/// in-process phases (`timing` and `profile` roles included) without rebuilding.
fn templates() -> Templates {
    Templates::Dir(
        std::env::var_os("GONGWEN_BENCH_TEMPLATES")
            .map_or_else(|| repo().join("templates"), PathBuf::from),
    )
}

/// A renderer built the way `gongwen render` builds one (`cli::render::open_renderer`):
/// templates/ and fonts/ of the installation, the default configuration.
fn renderer(formats: Formats) -> Renderer {
    let world =
        GongwenWorld::new(&templates(), &[repo().join("fonts")]).expect("templates and fonts");
    Renderer::new(world, Config::default(), formats)
}

/// The daemon's and the CLI's reader: a sandboxed child of the real binary.
fn isolated() -> WorkbookReader {
    WorkbookReader::Isolated(Isolation {
        exe: PathBuf::from(env!("CARGO_BIN_EXE_gongwen")),
        memory_limit: 1024 * 1024 * 1024,
        timeout: Duration::from_secs(30),
    })
}

fn read(path: &Path, reader: &WorkbookReader) -> Submission {
    let sub = read_submission(path, reader, &Limits::default()).expect("read a workbook");
    assert!(
        !sub.has_errors(),
        "generated workbook {} has errors: {:?}",
        path.display(),
        sub.diagnostics
    );
    sub
}

fn time<T>(f: impl FnOnce() -> T) -> (Duration, T) {
    let start = Instant::now();
    let out = f();
    (start.elapsed(), out)
}

/// Median, min and max of samples.
#[derive(Debug, Clone, Copy)]
struct Stats {
    median: Duration,
    min: Duration,
    max: Duration,
    n: usize,
}

impl Stats {
    fn of(samples: &[Duration]) -> Stats {
        assert!(!samples.is_empty(), "no samples");
        let mut s = samples.to_vec();
        s.sort();
        let n = s.len();
        let median = if n % 2 == 1 {
            s[n / 2]
        } else {
            (s[n / 2 - 1] + s[n / 2]) / 2
        };
        Stats {
            median,
            min: s[0],
            max: s[n - 1],
            n,
        }
    }

    fn spread(&self) -> String {
        format!(
            "n={}, min {}, max {}",
            self.n,
            fmt_duration(self.min),
            fmt_duration(self.max)
        )
    }
}

fn fmt_duration(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1000.0;
    if ms >= 1000.0 {
        format!("{:.2} s", ms / 1000.0)
    } else if ms >= 10.0 {
        format!("{ms:.0} ms")
    } else {
        format!("{ms:.1} ms")
    }
}

fn run_ok(cmd: &mut Command) -> std::process::Output {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed with {}:\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".to_owned())
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".to_owned());
    let cores = std::thread::available_parallelism().map_or(0, std::num::NonZero::get);
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("MemTotal:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<u64>().ok())
        })
        .map_or_else(
            || "unknown memory".to_owned(),
            |kb| format!("{:.1} GiB", kb as f64 / 1024.0 / 1024.0),
        );
    format!("{cores} cores ({cpu}), {mem}")
}

/// (`VmRSS`, `VmHWM`) of a process in KiB.
fn rss_kib(pid: &str) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

fn mib(kib: u64) -> String {
    format!("{:.0} MB", kib as f64 / 1024.0)
}

// ---------------------------------------------------------------------------------------------
// The report

#[derive(Default)]
struct Report {
    rows: Vec<[String; 5]>,
    notes: Vec<String>,
}

impl Report {
    /// One measured figure; `target` is `Some((text, met))` when the issue sets one.
    fn row(&mut self, what: &str, value: String, detail: String, target: Option<(&str, bool)>) {
        let (target, verdict) = match target {
            Some((t, met)) => (
                t.to_owned(),
                if met { "met" } else { "**missed**" }.to_owned(),
            ),
            None => (String::new(), String::new()),
        };
        eprintln!("  {what}: {value} ({detail}) {target} {verdict}");
        self.rows
            .push([what.to_owned(), value, target, verdict, detail]);
    }

    fn note(&mut self, text: String) {
        eprintln!("  {text}");
        self.notes.push(text);
    }

    fn markdown(&self) -> String {
        let mut out = String::from(
            "| measurement | median | target | verdict | detail |\n| --- | --- | --- | --- | --- |\n",
        );
        for r in &self.rows {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} |",
                r[0], r[1], r[2], r[3], r[4]
            );
        }
        out.push('\n');
        for n in &self.notes {
            let _ = writeln!(out, "- {n}");
        }
        out
    }
}

// ---------------------------------------------------------------------------------------------
// warm: one county in a running process

/// Warm renders of the typical county; returns the warm PDF time of each of its documents
/// for the LibreOffice comparison.
///
/// A daemon renders a file it has not seen, so the figure that counts is "new data": the
/// process is warm (fonts loaded, templates evaluated, caches full of other counties), and
/// the county's own results have been evicted by rendering four other counties in between
/// (`comemo::evict(10)` after each PDF). "Same data again" shows what the cache alone gives.
fn warm(bench: &Bench, report: &mut Report, print: bool) -> Vec<(DocKind, Duration)> {
    eprintln!("warm: rendering one county in this process");
    let county = bench.typical();
    let sub = read(&county.path, &WorkbookReader::InProcess);
    let docs = compose::county_documents(&sub, &Config::default()).expect("compose");
    let lists: Vec<Document> = docs
        .iter()
        .filter(|d| matches!(d.kind, DocKind::SchoolList | DocKind::CountyList))
        .cloned()
        .collect();
    assert_eq!(lists.len(), 2, "附件1 and 附件2");
    let fillers: Vec<Submission> = bench
        .counties
        .iter()
        .filter(|c| c.name != county.name)
        .step_by(9)
        .map(|c| read(&c.path, &WorkbookReader::InProcess))
        .collect();
    let n = bench.samples(15);

    let mut both = renderer(Formats::default());
    let mut pdf_only = renderer(Formats {
        pdf: true,
        docx: false,
    });
    let mut docx_only = renderer(Formats {
        pdf: false,
        docx: true,
    });
    // Warm every renderer on other counties, and keep this county's documents for LibreOffice.
    for r in [&mut both, &mut pdf_only, &mut docx_only] {
        for f in &fillers {
            r.county(f).expect("render");
        }
    }
    let files = both.county(&sub).expect("render").files;
    let keep = bench.fresh("warm");
    for f in &files {
        std::fs::write(keep.join(&f.name), &f.bytes).expect("keep a document");
    }
    let mut cursor = 0;
    let mut fresh = |r: &mut Renderer, docs: &[Document], sub: &Submission| -> Stats {
        let samples: Vec<Duration> = (0..n)
            .map(|_| {
                for _ in 0..4 {
                    r.county(&fillers[cursor % fillers.len()]).expect("render");
                    cursor += 1;
                }
                time(|| r.documents(docs, Some(sub)).expect("render")).0
            })
            .collect();
        Stats::of(&samples)
    };
    let lists_both = fresh(&mut both, &lists, &sub);
    let lists_pdf = fresh(&mut pdf_only, &lists, &sub);
    let lists_docx = fresh(&mut docx_only, &lists, &sub);
    let all_both = fresh(&mut both, &docs, &sub);
    let per_doc: Vec<(DocKind, Stats)> = docs
        .iter()
        .map(|d| (d.kind, fresh(&mut pdf_only, std::slice::from_ref(d), &sub)))
        .collect();
    let large = bench.largest();
    let large_sub = read(&large.path, &WorkbookReader::InProcess);
    let large_docs = compose::county_documents(&large_sub, &Config::default()).expect("compose");
    let large_stats = fresh(&mut both, &large_docs, &large_sub);
    let again = {
        let samples: Vec<Duration> = (0..n)
            .map(|_| time(|| both.documents(&lists, Some(&sub)).expect("render")).0)
            .collect();
        Stats::of(&samples)
    };
    if print {
        let pages = |kind: DocKind| {
            docs.iter()
                .position(|d| d.kind == kind)
                .and_then(|i| files.get(2 * i))
                .map_or(0, |f| pdf_pages(&f.bytes))
        };
        report.row(
            "warm: one county, 附件1 + 附件2, PDF + DOCX (new data)",
            fmt_duration(lists_both.median),
            format!(
                "{}; {} schools / {} items → 附件1 {} pages, 附件2 {} pages",
                lists_both.spread(),
                county.schools,
                county.items,
                pages(DocKind::SchoolList),
                pages(DocKind::CountyList)
            ),
            Some(("≤ 50 ms", lists_both.median <= Duration::from_millis(50))),
        );
        report.row(
            "warm: 附件1 + 附件2, PDF only (new data)",
            fmt_duration(lists_pdf.median),
            lists_pdf.spread(),
            None,
        );
        report.row(
            "warm: 附件1 + 附件2, DOCX only",
            fmt_duration(lists_docx.median),
            lists_docx.spread(),
            None,
        );
        report.row(
            "warm: 附件1 + 附件2, PDF + DOCX, the same data again (cache hits)",
            fmt_duration(again.median),
            again.spread(),
            None,
        );
        report.row(
            "warm: the whole county job (附件1, 附件2, 报告, 报送材料; PDF + DOCX; new data)",
            fmt_duration(all_both.median),
            format!(
                "{}; 报告 {} pages",
                all_both.spread(),
                pages(DocKind::CountyReport)
            ),
            None,
        );
        report.row(
            &format!(
                "warm: largest county, whole job ({} schools, {} items; new data)",
                large.schools, large.items
            ),
            fmt_duration(large_stats.median),
            large_stats.spread(),
            None,
        );
    }
    per_doc.into_iter().map(|(k, s)| (k, s.median)).collect()
}

/// Pages of a PDF typst wrote: its page objects, `/Type/Page` (not `/Pages`).
fn pdf_pages(bytes: &[u8]) -> usize {
    [&b"/Type/Page"[..], &b"/Type /Page"[..]]
        .iter()
        .map(|needle| {
            bytes
                .windows(needle.len() + 1)
                .filter(|w| &w[..needle.len()] == *needle && !w[needle.len()].is_ascii_alphabetic())
                .count()
        })
        .sum()
}

// ---------------------------------------------------------------------------------------------
// cold: a whole `gongwen render` process

fn cold(bench: &Bench, report: &mut Report) -> Duration {
    eprintln!("cold: whole `gongwen render` processes on one county");
    let county = bench.typical();
    let out = bench.fresh("cold");
    let run = |i: usize| {
        let dir = out.join(i.to_string());
        time(|| {
            run_ok(
                gongwen()
                    .arg("render")
                    .arg("--out")
                    .arg(&dir)
                    .arg(&county.path)
                    .stdout(Stdio::null()),
            )
        })
        .0
    };
    // One run first, so the binary and the fonts are in the page cache, as on a server that
    // has run gongwen before.
    let _ = run(0);
    let samples: Vec<Duration> = (1..=bench.samples(10)).map(run).collect();
    let stats = Stats::of(&samples);
    report.row(
        "cold: `gongwen render` of one county, process start to exit",
        fmt_duration(stats.median),
        format!(
            "{}; reads the workbook in its sandbox child, writes 3 PDF + 3 DOCX (fsync each)",
            stats.spread()
        ),
        Some(("≤ 0.3 s", stats.median <= Duration::from_millis(300))),
    );

    // Where a cold process spends its time, measured in a fresh process of this binary.
    let child = run_ok(
        Command::new(std::env::current_exe().expect("own path"))
            .env("GONGWEN_BENCH_ROLE", "cold-parts")
            .env("GONGWEN_BENCH_INPUT", &county.path),
    );
    let text = String::from_utf8_lossy(&child.stdout);
    report.note(format!(
        "cold process, in parts (fresh process): {}",
        text.trim()
    ));
    stats.median
}

/// In a fresh process: what the first county costs, step by step.
fn cold_parts() {
    let path = PathBuf::from(std::env::var("GONGWEN_BENCH_INPUT").expect("input"));
    let (world_t, world) =
        time(|| GongwenWorld::new(&templates(), &[repo().join("fonts")]).expect("world"));
    // Every font the folders hold, loaded (read and parsed) and hashed the way typst's caches
    // hash them (the whole file), so the first document below is layout and export alone.
    let count = (0..)
        .map_while(|i| typst::World::book(&world).info(i))
        .count();
    let (load_t, loaded) = time(|| {
        (0..count)
            .filter_map(|i| typst::World::font(&world, i))
            .collect::<Vec<_>>()
    });
    let bytes: usize = loaded.iter().map(|f| f.data().len()).sum();
    let (hash_t, _) = time(|| loaded.iter().map(typst::utils::hash128).collect::<Vec<_>>());
    let mut r = Renderer::new(world, Config::default(), Formats::default());
    let (read_t, sub) = time(|| read(&path, &isolated()));
    let docs = compose::county_documents(&sub, &Config::default()).expect("compose");
    let (first_pdf_t, _) = time(|| r.documents(&docs[..1], Some(&sub)).expect("render"));
    let (rest_t, _) = time(|| r.documents(&docs[1..], Some(&sub)).expect("render"));
    let (again_t, _) = time(|| r.county(&sub).expect("render"));
    println!(
        "font scan and world {}, loading the {count} fonts ({:.0} MB) {}, hashing them {}, sandboxed read {}, first document (附件1, PDF + DOCX) {}, the other two {}, the whole county again (warm) {}",
        fmt_duration(world_t),
        bytes as f64 / 1e6,
        fmt_duration(load_t),
        fmt_duration(hash_t),
        fmt_duration(read_t),
        fmt_duration(first_pdf_t),
        fmt_duration(rest_t),
        fmt_duration(again_t)
    );
}

// ---------------------------------------------------------------------------------------------
// drop: the daemon

fn drop_latency(bench: &Bench, report: &mut Report) {
    eprintln!("drop: `gongwen watch --settle {SETTLE_MS}`, files renamed into inbox/");
    let root = bench.fresh("watch");
    let staging = root.join("staging");
    std::fs::create_dir_all(&staging).expect("staging");
    let log = std::fs::File::create(bench.dir.join("watch.log")).expect("log");
    let mut daemon = gongwen()
        .args(["watch", "--root"])
        .arg(&root)
        .args(["--settle", &SETTLE_MS.to_string()])
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("start the daemon");
    let pid = daemon.id().to_string();
    // Ready once it has written its first status page.
    let ready = root.join("outbox").join("index.html");
    let start = Instant::now();
    while !ready.exists() {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "the daemon did not start; see watch.log"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    std::thread::sleep(Duration::from_millis(300));

    let settle = Duration::from_millis(SETTLE_MS);
    let n = bench.samples(10) + 1;
    let mut samples = Vec::new();
    let mut first = Duration::ZERO;
    for (i, county) in bench.counties.iter().step_by(7).take(n).enumerate() {
        let name = format!("{}.xlsx", county.name);
        let staged = staging.join(&name);
        std::fs::copy(&county.path, &staged).expect("stage a copy");
        let outdir = root.join("outbox").join(&county.city).join(&county.name);
        let t0 = Instant::now();
        std::fs::rename(&staged, root.join("inbox").join(&name)).expect("drop by rename");
        let found = loop {
            let pdf = std::fs::read_dir(&outdir).ok().and_then(|entries| {
                entries.flatten().find(|e| {
                    let n = e.file_name().to_string_lossy().into_owned();
                    n.ends_with(".pdf") && !n.starts_with('.')
                })
            });
            if pdf.is_some() {
                break t0.elapsed();
            }
            assert!(
                t0.elapsed() < Duration::from_secs(30),
                "no PDF for {} in {}; see watch.log",
                county.name,
                outdir.display()
            );
            std::thread::sleep(Duration::from_millis(1));
        };
        let beyond = found.saturating_sub(settle);
        if i == 0 {
            first = beyond;
        } else {
            samples.push(beyond);
        }
        // Let the daemon finish the file (roll-ups, status page) before the next drop.
        let work = root.join("work");
        while std::fs::read_dir(&work).is_ok_and(|mut d| d.next().is_some()) {
            std::thread::sleep(Duration::from_millis(5));
        }
        std::thread::sleep(Duration::from_millis(400));
    }
    let (rss, hwm) = rss_kib(&pid);
    let _ = Command::new("kill").args(["-TERM", &pid]).status();
    let _ = daemon.wait();
    let stats = Stats::of(&samples);
    report.row(
        &format!("drop → county PDF in outbox, beyond the {SETTLE_MS} ms settle window"),
        fmt_duration(stats.median),
        format!(
            "{}; the first file of a fresh daemon {}; daemon RSS after {n} files {} (peak {})",
            stats.spread(),
            fmt_duration(first),
            mib(rss),
            mib(hwm)
        ),
        Some(("≤ 0.5 s", stats.median <= Duration::from_millis(500))),
    );
}

// ---------------------------------------------------------------------------------------------
// province: 90 counties, 11 cities, the summary

fn province(bench: &Bench, report: &mut Report) {
    eprintln!("province: 90 county workbooks, 11 cities and the summary");
    let runs = if bench.quick { 1 } else { 3 };
    let two: Vec<Duration> = (0..runs).map(|_| province_in_process(bench, 2)).collect();
    let two = Stats::of(&two);
    let one = province_in_process(bench, 1);
    report.row(
        "province in one process, 2 threads each with a fork of one Renderer",
        fmt_duration(two.median),
        format!(
            "{}; 90 counties (sandboxed reads, 3 documents each, PDF + DOCX, written with fsync) then 11 cities (2 documents each) and the summary; 1 thread: {} (×{:.2} on 2 threads)",
            two.spread(),
            fmt_duration(one),
            one.as_secs_f64() / two.median.as_secs_f64()
        ),
        Some(("≤ 8 s", two.median <= Duration::from_secs(8))),
    );

    let cli: Vec<Duration> = (0..runs.min(2)).map(|_| province_cli(bench)).collect();
    let cli = Stats::of(&cli);
    report.row(
        "province with the CLI: `gongwen render` of the 90 files, then `gongwen rollup` of them (each a worker a core)",
        fmt_duration(cli.median),
        cli.spread(),
        Some(("≤ 8 s", cli.median <= Duration::from_secs(8))),
    );
}

fn province_in_process(bench: &Bench, threads: usize) -> Duration {
    let out = bench.fresh("province");
    let next = AtomicUsize::new(0);
    let next_city = AtomicUsize::new(0);
    let subs: Mutex<Vec<Submission>> = Mutex::new(Vec::new());
    let barrier = Barrier::new(threads);
    let cities: Vec<String> = {
        let mut c: Vec<String> = bench.counties.iter().map(|c| c.city.clone()).collect();
        c.dedup();
        c
    };
    assert_eq!(cities.len(), 11, "Zhejiang's 11 cities");
    let write = |dir: &Path, files: &[gongwen::pipeline::RenderedFile]| {
        gongwen::pipeline::write_rendered(dir, files).expect("write");
    };
    let (elapsed, ()) = time(|| {
        // As `gongwen render` does: one renderer, forked for the other threads (fonts shared).
        let first = renderer(Formats::default());
        let mut workers: Vec<Renderer> = (1..threads).map(|_| first.fork()).collect();
        workers.push(first);
        let (next, next_city, subs, barrier, cities, out, write) =
            (&next, &next_city, &subs, &barrier, &cities, &out, &write);
        std::thread::scope(|scope| {
            for mut r in workers {
                scope.spawn(move || {
                    let reader = isolated();
                    loop {
                        let i = next.fetch_add(1, Ordering::SeqCst);
                        let Some(county) = bench.counties.get(i) else {
                            break;
                        };
                        let sub = read(&county.path, &reader);
                        let files = r.county(&sub).expect("render").files;
                        write(&out.join(&county.city).join(&county.name), &files);
                        subs.lock().expect("lock").push(sub);
                    }
                    barrier.wait();
                    let all = subs.lock().expect("lock").clone();
                    // The summary first: it is the largest job, so the two threads end together.
                    let jobs = cities.len() + 1;
                    loop {
                        let i = next_city.fetch_add(1, Ordering::SeqCst);
                        if i >= jobs {
                            break;
                        }
                        if i == 0 {
                            write(out, &r.province(&all).expect("summary").files);
                        } else {
                            let city = &cities[i - 1];
                            write(&out.join(city), &r.city(city, &all).expect("city").files);
                        }
                    }
                });
            }
        });
    });
    elapsed
}

fn province_cli(bench: &Bench) -> Duration {
    let out = bench.fresh("province-cli");
    let paths: Vec<&PathBuf> = bench.counties.iter().map(|c| &c.path).collect();
    let (elapsed, ()) = time(|| {
        // Both commands use a worker a core.
        run_ok(
            gongwen()
                .arg("render")
                .arg("--out")
                .arg(&out)
                .args(&paths)
                .stdout(Stdio::null()),
        );
        run_ok(
            gongwen()
                .arg("rollup")
                .arg("--out")
                .arg(&out)
                .args(&paths)
                .stdout(Stdio::null()),
        );
    });
    elapsed
}

// ---------------------------------------------------------------------------------------------
// memory: 1,000 renders in one process

fn memory(bench: &Bench, report: &mut Report) {
    eprintln!("memory: {MEMORY_RENDERS} county renders in a fresh process");
    let list_path = bench.dir.join(INPUT_LIST);
    let out = run_ok(
        Command::new(std::env::current_exe().expect("own path"))
            .env("GONGWEN_BENCH_ROLE", "memory")
            .env("GONGWEN_BENCH_INPUT", &list_path)
            .stderr(Stdio::inherit()),
    );
    let mut samples: Vec<(usize, u64)> = Vec::new();
    let mut per_render = String::new();
    for line in BufReader::new(&out.stdout[..]).lines() {
        let line = line.expect("child output");
        let parts: Vec<&str> = line.split_whitespace().collect();
        match parts.as_slice() {
            ["rss", n, kib] => samples.push((n.parse().expect("n"), kib.parse().expect("kib"))),
            ["per-render", ms] => per_render = format!("{ms} ms"),
            _ => {}
        }
    }
    let at = |n: usize| samples.iter().find(|(k, _)| *k == n).map_or(0, |(_, v)| *v);
    let after_first = at(1);
    let hundred = at(100);
    let peak = samples.iter().map(|(_, v)| *v).max().unwrap_or(0);
    let last = at(MEMORY_RENDERS);
    let growth = peak.saturating_sub(hundred);
    // Flat: no more than 5 % above the level at 100 renders.
    let flat = growth * 20 <= hundred;
    let series: Vec<String> = samples
        .iter()
        .filter(|(n, _)| *n % 100 == 0)
        .map(|(n, v)| format!("{n}: {:.0}", *v as f64 / 1024.0))
        .collect();
    report.row(
        &format!("memory: VmRSS after {MEMORY_RENDERS} county renders in one process"),
        mib(last),
        format!(
            "after the first render {}, at 100 {}, highest sample {} (growth after 100: {}); MB at each hundred: {}; {per_render} per render (all 90 counties in turn)",
            mib(after_first),
            mib(hundred),
            mib(peak),
            mib(growth),
            series.join(", ")
        ),
        Some(("≤ 300 MB and flat", last <= 300 * 1024 && peak <= 300 * 1024 && flat)),
    );
}

/// In a fresh process: render the counties in turn, printing `VmRSS` at 1 and every hundred.
fn memory_child() {
    let list = std::fs::read_to_string(std::env::var("GONGWEN_BENCH_INPUT").expect("input"))
        .expect("input list");
    let subs: Vec<Submission> = list
        .lines()
        .map(|p| read(Path::new(p), &WorkbookReader::InProcess))
        .collect();
    let mut r = renderer(Formats::default());
    let start = Instant::now();
    for i in 1..=MEMORY_RENDERS {
        let rendered = r.county(&subs[(i - 1) % subs.len()]).expect("render");
        drop(rendered);
        if i == 1 || i % 100 == 0 {
            println!("rss {i} {}", rss_kib("self").0);
        }
        if i % 100 == 0 {
            eprintln!("  memory: {i} renders, VmRSS {}", mib(rss_kib("self").0));
        }
    }
    println!(
        "per-render {:.1}",
        start.elapsed().as_secs_f64() * 1000.0 / MEMORY_RENDERS as f64
    );
}

// ---------------------------------------------------------------------------------------------
// soffice: LibreOffice headless, as bureaus make PDFs today

fn soffice(
    bench: &Bench,
    report: &mut Report,
    warm_pdf: &[(DocKind, Duration)],
    cold_process: Option<Duration>,
) {
    eprintln!("soffice: the same DOCX converted by LibreOffice headless");
    let Some(soffice) = find_program("soffice") else {
        report.note("LibreOffice comparison skipped: soffice is not installed".to_owned());
        return;
    };
    let dir = bench.fresh("soffice");
    let conf = fontconfig(&dir);
    let profile = dir.join("profile");
    // The county's DOCX files, as the warm phase wrote them.
    let warm_dir = bench.dir.join("warm");
    let mut docx: Vec<(DocKind, PathBuf)> = Vec::new();
    for (kind, prefix) in [
        (DocKind::SchoolList, "附件1"),
        (DocKind::CountyList, "附件2"),
        (DocKind::CountyReport, "报告"),
    ] {
        let found = std::fs::read_dir(&warm_dir)
            .expect("warm documents")
            .flatten()
            .map(|e| e.path())
            .find(|p| {
                let n = p
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                n.starts_with(prefix) && n.ends_with(".docx")
            })
            .expect("a DOCX of the county");
        let target = dir.join(found.file_name().expect("name"));
        std::fs::copy(&found, &target).expect("copy");
        docx.push((kind, target));
    }
    let convert = |files: &[&Path]| -> Duration {
        let outdir = dir.join("out");
        let _ = std::fs::remove_dir_all(&outdir);
        let (t, out) = time(|| {
            Command::new(&soffice)
                .arg(format!(
                    "-env:UserInstallation=file://{}",
                    profile.display()
                ))
                .args(["--headless", "--convert-to", "pdf", "--outdir"])
                .arg(&outdir)
                .args(files)
                .env("FONTCONFIG_FILE", &conf)
                .output()
                .expect("run soffice")
        });
        for f in files {
            let pdf = outdir.join(Path::new(f.file_name().expect("name")).with_extension("pdf"));
            assert!(
                pdf.exists(),
                "LibreOffice did not convert {}: {}",
                f.display(),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        t
    };
    // The first run makes the profile and the font cache: reported, not counted.
    let first = convert(&[&docx[0].1]);
    report.note(format!(
        "LibreOffice {}: the very first run (new profile, font cache) took {}; the figures below reuse the profile",
        soffice_version(&soffice),
        fmt_duration(first)
    ));
    let n = bench.samples(5);
    let mut warm_ratios = Vec::new();
    for (kind, path) in &docx {
        let samples: Vec<Duration> = (0..n).map(|_| convert(&[path.as_path()])).collect();
        let lo = Stats::of(&samples);
        let Some((_, ours)) = warm_pdf.iter().find(|(k, _)| k == kind) else {
            continue;
        };
        let ratio = lo.median.as_secs_f64() / ours.as_secs_f64();
        warm_ratios.push(ratio);
        report.row(
            &format!(
                "warm ratio, {}: soffice per document ÷ gongwen PDF in a running process",
                kind_label(*kind)
            ),
            format!("{ratio:.0}×"),
            format!(
                "soffice {} ({}), gongwen {}",
                fmt_duration(lo.median),
                lo.spread(),
                fmt_duration(*ours)
            ),
            Some(("≥ 50×", ratio >= 50.0)),
        );
    }
    let all: Vec<&Path> = docx.iter().map(|(_, p)| p.as_path()).collect();
    let samples: Vec<Duration> = (0..n).map(|_| convert(&all)).collect();
    let lo = Stats::of(&samples);
    if let Some(ours) = cold_process {
        let ratio = lo.median.as_secs_f64() / ours.as_secs_f64();
        report.row(
            "cold ratio: a whole soffice run converting the county's 3 DOCX ÷ a whole `gongwen render` (reads the workbook, 3 PDF + 3 DOCX)",
            format!("{ratio:.1}×"),
            format!(
                "soffice {} ({}), gongwen {}",
                fmt_duration(lo.median),
                lo.spread(),
                fmt_duration(ours)
            ),
            Some(("≥ 5×", ratio >= 5.0)),
        );
    }
}

fn kind_label(kind: DocKind) -> &'static str {
    match kind {
        DocKind::SchoolList => "附件1",
        DocKind::CountyList => "附件2",
        DocKind::CountyReport => "报告",
        DocKind::CityTimetable => "附件3",
        DocKind::CityLetter => "city letter",
        DocKind::ProvinceSummary => "全省汇总",
        DocKind::CountyPackage => "报送材料",
        DocKind::CityPackage => "city package",
        DocKind::UrgeNotice => "督办通知",
        DocKind::RemindNotice => "催报通知",
        DocKind::ProgressReport => "整改进展情况报告",
        DocKind::AnnualAssessment => "年度考核",
    }
}

fn find_program(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .map(|d| d.join(name))
            .find(|p| p.is_file())
    })
}

fn soffice_version(soffice: &Path) -> String {
    Command::new(soffice)
        .arg("--version")
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| "(version unknown)".to_owned())
}

// ---------------------------------------------------------------------------------------------
// Child processes

fn child(role: &str) {
    match role {
        "cold-parts" => cold_parts(),
        "memory" => memory_child(),
        "timing" => timing_child(),
        "profile" => profile_child(),
        other => panic!("unknown GONGWEN_BENCH_ROLE {other}"),
    }
}

/// The submissions listed in `GONGWEN_BENCH_INPUT` (one workbook path a line), read in
/// this process.
fn listed_inputs() -> Vec<Submission> {
    let list = std::env::var("GONGWEN_BENCH_INPUT").expect("GONGWEN_BENCH_INPUT");
    std::fs::read_to_string(list)
        .expect("input list")
        .lines()
        .map(|p| read(Path::new(p), &WorkbookReader::InProcess))
        .collect()
}

/// For trying a change: warm on three counties, then time the whole job of each of the next
/// thirty (new data every time) and print the median and the mean.
///
/// `GONGWEN_BENCH_ROLE=timing GONGWEN_BENCH_INPUT=target/tmp/gongwen-bench/inputs.txt
/// [GONGWEN_BENCH_TEMPLATES=DIR] target/release/deps/pipeline-*`
fn timing_child() {
    let subs = listed_inputs();
    let mut r = renderer(Formats::default());
    for s in &subs[..3] {
        r.county(s).expect("render");
    }
    let samples: Vec<Duration> = subs[3..33]
        .iter()
        .map(|s| time(|| r.county(s).expect("render")).0)
        .collect();
    let stats = Stats::of(&samples);
    let mean = samples.iter().sum::<Duration>() / samples.len() as u32;
    println!(
        "whole county job, new data: median {}, mean {} ({})",
        fmt_duration(stats.median),
        fmt_duration(mean),
        stats.spread()
    );
}

/// For callgrind: warm on three counties, then render five more inside [`profiled`], so
/// `valgrind --tool=callgrind --dump-before='pipeline::profiled*'` separates the warm renders
/// (the second part of the output) from start-up.
fn profile_child() {
    let subs = listed_inputs();
    let mut r = renderer(Formats::default());
    for s in &subs[..3] {
        r.county(s).expect("render");
    }
    profiled(&mut r, &subs[3..8]);
}

#[inline(never)]
fn profiled(r: &mut Renderer, subs: &[Submission]) {
    for s in subs {
        std::hint::black_box(r.county(s).expect("render"));
    }
}
