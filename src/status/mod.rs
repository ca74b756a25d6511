//! The status page, `outbox/index.html`: where every county stands, for a bureau that opens
//! the shared folder in a browser. One self-contained file (inline CSS, an inline SVG chart,
//! no scripts, relative links), rewritten atomically after every file the daemon processes.
//!
//! Two halves: [`overview`] and [`render`] are pure (a [`Snapshot`] of the archive and the
//! outbox in, a model or HTML out), so the states, the overdue rules, the chart's numbers and
//! the escaping are unit-tested without files; [`snapshot`] and [`write`] read the archive and
//! the outbox and write the page. The markup is an askama template (`status/page.html`, its
//! CSS in `status/page.css`, both compiled in) that escapes every value unless told not to.
//! The counts come from [`crate::rollup`], as the city and province documents' do. Unlike the documents, the page reads the clock (`today`
//! decides what is overdue): it is a live dashboard, not an archived record.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::io;
use std::path::Path;

use chrono::NaiveDate;

use crate::archive::{Entry, Layout, State};
use crate::calendar::{Timestamp, zh_date};
use crate::config::{Config, Deadlines};
use crate::domain::{self, Division};
use crate::model::{PlanYear, Submission};
use crate::notice;
use crate::render::compose::PACKAGE_STEM;
use crate::rollup::{self, Rollup};
use crate::tracking::Ledger;

pub mod progress;

/// The page's file name in the outbox.
pub const PAGE: &str = "index.html";

/// What the page needs from the configuration.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StatusOptions {
    pub deadlines: Deadlines,
    /// The page's "as of" time, in the configured offset (China time by default).
    pub clock: crate::clock::Clock,
}

impl StatusOptions {
    pub fn from_config(config: &Config) -> StatusOptions {
        StatusOptions {
            deadlines: config.deadlines,
            clock: config.clock(),
        }
    }
}

/// Everything the page is built from, read from the archive and the outbox (or made by a
/// test).
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    pub state: State,
    /// The submission of each county's latest accepted file, by county code.
    pub submissions: BTreeMap<String, Submission>,
    /// Files that exist, relative to the outbox with forward slashes: the only link targets.
    pub files: BTreeSet<String>,
    /// Every county's item ledger, by county code (the progress view).
    pub ledgers: BTreeMap<String, Ledger>,
    /// Rejected files that name no county, newest first: `archive/state.json` keeps rejections
    /// by county, so these are found from their receipts in `rejected/`.
    pub unidentified: Vec<Unidentified>,
}

/// A rejected file no county could be found for: the page lists it so someone reads its
/// receipt and tells the county, who otherwise stands as "not filed".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unidentified {
    /// The file as dropped, relative to the inbox.
    pub file: String,
    pub received_at: Timestamp,
    /// How many problems its receipt lists.
    pub problems: usize,
    /// Its receipt in `outbox/回执/`, relative to the outbox, when it is there.
    pub receipt: Option<String>,
}

/// How many unidentified files the page lists; older ones are counted, not listed.
pub const UNIDENTIFIED_SHOWN: usize = 50;

/// Where a county stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// Its latest file was accepted without warnings.
    Filed,
    /// Its latest file was accepted with warnings.
    FiledWithWarnings,
    /// Its latest file was rejected and no accepted file is newer.
    Rejected,
    /// No file has named it yet.
    NotFiled,
}

impl Standing {
    pub fn label_zh(self) -> &'static str {
        match self {
            Standing::Filed => "已报送",
            Standing::FiledWithWarnings => "已报送（有警告）",
            Standing::Rejected => "退回",
            Standing::NotFiled => "未报送",
        }
    }

    /// The `data-state` value and CSS class.
    pub fn key(self) -> &'static str {
        match self {
            Standing::Filed => "filed",
            Standing::FiledWithWarnings => "filed-warnings",
            Standing::Rejected => "rejected",
            Standing::NotFiled => "not-filed",
        }
    }

    pub fn is_filed(self) -> bool {
        matches!(self, Standing::Filed | Standing::FiledWithWarnings)
    }
}

/// One county's row.
#[derive(Debug, Clone)]
pub struct CountyRow<'a> {
    pub name: String,
    pub code: String,
    pub standing: Standing,
    /// Not filed (nothing accepted) and today is after the county deadline.
    pub overdue: bool,
    /// False for a county that filed but did not stand on the reference date (a division
    /// made or dissolved later): shown, not counted.
    pub expected: bool,
    pub accepted: Option<&'a Entry>,
    pub rejected: Option<&'a Entry>,
    /// The submission of the latest accepted file.
    pub submission: Option<&'a Submission>,
    /// When the county's state last changed.
    pub changed_at: Option<Timestamp>,
    /// Its documents in `outbox/<市>/<县>/` that exist (without the county's 回执.txt).
    pub documents: Vec<String>,
    /// Its latest receipt, when the file exists.
    pub receipt: Option<String>,
    /// The receipt of the accepted file when a newer file was rejected.
    pub accepted_receipt: Option<String>,
}

/// One city's section.
#[derive(Debug, Clone)]
pub struct CityRow<'a> {
    pub name: String,
    pub code: String,
    pub counties: Vec<CountyRow<'a>>,
    /// Counties expected to file whose 附件3 input (an accepted file with a plan year) is
    /// missing.
    pub missing: usize,
    /// 附件3 still incomplete after the city deadline.
    pub overdue: bool,
    /// Files directly in `outbox/<市>/` (附件3, the cover report).
    pub documents: Vec<String>,
}

/// The province's plan years over the counties expected to file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PlanCounts {
    /// Per column of 附件3, in [`PlanYear::ALL`] order.
    pub by_year: [usize; 5],
    /// Accepted without a plan year.
    pub unknown: usize,
    /// With no accepted file.
    pub not_filed: usize,
    /// The denominator: divisions standing on the county deadline.
    pub total: usize,
}

impl PlanCounts {
    /// The roll-up's counts, with `accepted` expected counties accepted (some perhaps
    /// without a plan year, or without a stored submission).
    fn from_rollup(rollup: &Rollup, accepted: usize) -> PlanCounts {
        let by_year = PlanYear::ALL.map(|year| rollup.count_in(year));
        let total = rollup.total();
        PlanCounts {
            by_year,
            unknown: accepted.saturating_sub(by_year.iter().sum()),
            not_filed: total.saturating_sub(accepted),
            total,
        }
    }

    /// Counties planning to pass by the end of `year` (every year up to it).
    pub fn cumulative(&self, year: PlanYear) -> usize {
        PlanYear::ALL
            .iter()
            .zip(self.by_year)
            .filter(|(y, _)| **y <= year)
            .map(|(_, n)| n)
            .sum()
    }

    /// The cumulative share in per cent.
    pub fn share(&self, year: PlanYear) -> f64 {
        if self.total == 0 {
            0.0
        } else {
            100.0 * self.cumulative(year) as f64 / self.total as f64
        }
    }
}

/// The whole page as data.
#[derive(Debug, Clone)]
pub struct Overview<'a> {
    /// The divisions standing on this day are the counties expected to file: the county
    /// deadline, as for the documents ([`rollup::reference_date`]).
    pub reference: NaiveDate,
    pub deadlines: Deadlines,
    pub today: NaiveDate,
    pub cities: Vec<CityRow<'a>>,
    pub plans: PlanCounts,
    /// Over the expected counties.
    pub total: usize,
    pub filed: usize,
    pub with_warnings: usize,
    pub rejected: usize,
    pub overdue: usize,
    /// Files directly in the outbox (the province summary).
    pub documents: Vec<String>,
    /// Rejected files naming no county, newest first.
    pub unidentified: &'a [Unidentified],
}

/// Decides every county's and city's state from a snapshot.
pub fn overview<'a>(
    snapshot: &'a Snapshot,
    options: &StatusOptions,
    today: NaiveDate,
) -> Overview<'a> {
    let registry = domain::registry();
    let deadlines = options.deadlines;
    let reference = rollup::reference_date(&deadlines);
    let county_late = today > deadlines.county;
    let city_late = today > deadlines.city;
    // The same roll-up the city and province documents print, over the accepted filings.
    let rollup = Rollup::new(
        reference,
        snapshot
            .submissions
            .iter()
            .filter(|(code, _)| snapshot.state.accepted.contains_key(*code))
            .map(|(_, sub)| sub),
    );
    let mut accepted_expected = 0;
    let mut cities = Vec::new();
    for city_rollup in &rollup.cities {
        let (city, city_code) = (city_rollup.name, city_rollup.code);
        let expected = &city_rollup.standing;
        // Counties that filed without standing on the reference date still get a row.
        let extra = registry.divisions.iter().filter(|d| {
            d.city == city
                && !d.valid_on(reference)
                && (snapshot.state.accepted.contains_key(&d.code)
                    || snapshot.state.rejected.contains_key(&d.code))
        });
        let mut counties = Vec::new();
        for (division, is_expected) in expected
            .iter()
            .map(|d| (*d, true))
            .chain(extra.map(|d| (d, false)))
        {
            let row = county_row(snapshot, division, is_expected, county_late);
            if is_expected && row.accepted.is_some() {
                accepted_expected += 1;
            }
            counties.push(row);
        }
        let missing = counties
            .iter()
            .filter(|c| c.expected && c.submission.is_none_or(|s| s.plan_year.is_none()))
            .count();
        cities.push(CityRow {
            name: city.to_owned(),
            code: city_code.to_owned(),
            missing,
            overdue: city_late && missing > 0,
            documents: files_in(&snapshot.files, &format!("{city}/")),
            counties,
        });
    }
    let plans = PlanCounts::from_rollup(&rollup, accepted_expected);
    let expected = || {
        cities
            .iter()
            .flat_map(|c| &c.counties)
            .filter(|c| c.expected)
    };
    Overview {
        reference,
        deadlines,
        today,
        total: expected().count(),
        filed: expected().filter(|c| c.standing.is_filed()).count(),
        with_warnings: expected()
            .filter(|c| c.standing == Standing::FiledWithWarnings)
            .count(),
        rejected: expected()
            .filter(|c| c.standing == Standing::Rejected)
            .count(),
        overdue: expected().filter(|c| c.overdue).count(),
        documents: files_in(&snapshot.files, "")
            .into_iter()
            .filter(|f| f != PAGE)
            .collect(),
        unidentified: &snapshot.unidentified,
        plans,
        cities,
    }
}

fn county_row<'a>(
    snapshot: &'a Snapshot,
    division: &Division,
    expected: bool,
    late: bool,
) -> CountyRow<'a> {
    let accepted = snapshot.state.accepted.get(&division.code);
    let rejected = snapshot.state.rejected.get(&division.code);
    // A rejection counts only when it is newer than the accepted file.
    let rejected_latest = rejected.filter(|r| accepted.is_none_or(|a| r.at > a.at));
    let standing = match (accepted, rejected_latest) {
        (_, Some(_)) => Standing::Rejected,
        (Some(a), None) if a.warnings > 0 => Standing::FiledWithWarnings,
        (Some(_), None) => Standing::Filed,
        (None, None) => Standing::NotFiled,
    };
    let latest = rejected_latest.or(accepted);
    let existing = |entry: Option<&Entry>| {
        entry
            .and_then(|e| outbox_relative(&e.receipt))
            .filter(|r| snapshot.files.contains(r))
    };
    let folder = format!("{}/{}/", division.city, division.name);
    CountyRow {
        name: division.name.clone(),
        code: division.code.clone(),
        standing,
        overdue: expected && late && accepted.is_none(),
        expected,
        accepted,
        rejected,
        submission: accepted.and_then(|_| snapshot.submissions.get(&division.code)),
        changed_at: latest.map(|e| e.at),
        documents: files_in(&snapshot.files, &folder)
            .into_iter()
            .filter(|f| !f.ends_with("/回执.txt"))
            .collect(),
        receipt: existing(latest),
        accepted_receipt: rejected_latest.and_then(|_| existing(accepted)),
    }
}

/// A path relative to the root (`outbox/回执/x.txt`) as a path relative to the outbox.
fn outbox_relative(path: &str) -> Option<String> {
    path.strip_prefix("outbox/")
        .filter(|p| !p.is_empty())
        .map(str::to_owned)
}

/// Files directly in `folder` (`""` for the outbox itself, else `杭州市/`), sorted.
fn files_in(files: &BTreeSet<String>, folder: &str) -> Vec<String> {
    files
        .iter()
        .filter(|f| {
            f.strip_prefix(folder)
                .is_some_and(|rest| !rest.is_empty() && !rest.contains('/'))
        })
        .cloned()
        .collect()
}

// ---------------------------------------------------------------------------------------
// HTML

/// The stylesheet, inlined into the page so the file stays self-contained.
const CSS: &str = include_str!("page.css");

/// The page's template (`src/status/page.html`, found from askama's default `templates/`
/// folder): askama escapes every interpolation unless marked `safe`, so a clerk's file or
/// school name cannot inject markup.
#[derive(askama::Template)]
#[template(path = "../src/status/page.html")]
struct Page<'v> {
    css: &'static str,
    notice_number: &'static str,
    /// 附件3, which each city's section reports on.
    timetable: &'static notice::Timetable,
    generated_at: &'v str,
    v: &'v Overview<'v>,
    county_deadline: String,
    city_deadline: String,
    reference: String,
    today: String,
    goals: String,
    cards: [Card; 4],
    legend: [(Standing, &'static str); 4],
    province_documents: Vec<DocGroup>,
    chart: Chart,
    plan_rows: Vec<PlanRow>,
    cities: Vec<CityView<'v>>,
    /// The progress view, once a county has a ledger.
    progress: Option<ProgressPage>,
    /// Rejected files naming no county, the newest [`UNIDENTIFIED_SHOWN`].
    unidentified: Vec<UnidentifiedView<'v>>,
    /// How many older ones are not listed.
    unidentified_more: usize,
}

struct UnidentifiedView<'v> {
    file: &'v str,
    at: String,
    problems: usize,
    receipt: Option<String>,
}

/// The progress view's pieces, as the template walks them.
struct ProgressPage {
    as_of: String,
    total: usize,
    overdue: usize,
    without_list: usize,
    segments: Vec<progress::Segment>,
    bars: Vec<progress::BarRow>,
    indicators: Vec<progress::IndicatorRow>,
    map: progress::MapView,
}

impl ProgressPage {
    fn new(p: &progress::Progress) -> ProgressPage {
        ProgressPage {
            as_of: zh_date(p.as_of),
            total: p.counts.iter().sum(),
            overdue: p.overdue,
            without_list: p.without_list,
            segments: progress::segments(&p.counts),
            bars: progress::bar_rows(p),
            indicators: progress::indicator_rows(p),
            map: progress::map_view(p),
        }
    }
}

struct Card {
    class: &'static str,
    title: &'static str,
    number: usize,
    note: String,
}

/// One document with its formats side by side: `附件1 学校整改清单 PDF · Word`.
struct DocGroup {
    label: String,
    /// (format, link) pairs, PDF before Word.
    formats: Vec<(String, String)>,
}

struct PlanRow {
    code: &'static str,
    label: &'static str,
    count: usize,
    cumulative: usize,
    share: String,
    /// The province's goal for the year and whether the share reaches it.
    goal: Option<(u32, bool)>,
}

struct CityView<'v> {
    row: &'v CityRow<'v>,
    filed: usize,
    total: usize,
    rejected: usize,
    overdue: usize,
    /// The filed share, rounded, as the meter's width.
    meter: String,
    documents: Vec<DocGroup>,
    counties: Vec<CountyView<'v>>,
}

struct CountyView<'v> {
    row: &'v CountyRow<'v>,
    /// The rejected file, when the latest is a rejection.
    rejected: Option<&'v Entry>,
    /// Warnings of the accepted file, when it stands with warnings.
    warnings: Option<usize>,
    plan: PlanCell,
    changed_at: Option<String>,
    documents: Vec<DocGroup>,
    /// The latest receipt's link and label.
    receipt: Option<(String, &'static str)>,
    accepted_receipt: Option<String>,
    /// Its page of items and their history, when it has a ledger.
    progress: Option<String>,
}

/// What the plan-year cell shows.
enum PlanCell {
    /// From the accepted submission: its label, or none filled in.
    Year(Option<&'static str>),
    /// Accepted, but its submission could not be read.
    Unreadable,
    /// Nothing accepted.
    None,
}

/// The chart's geometry, every coordinate formatted as the SVG carries it.
struct Chart {
    width: f64,
    height: f64,
    left: f64,
    right: String,
    caption_y: String,
    tick_x: String,
    bar_width: String,
    base: String,
    label_y: String,
    sublabel_y: String,
    desc: String,
    ticks: Vec<Tick>,
    bars: Vec<ChartBar>,
    goals: Vec<GoalLine>,
}

struct Tick {
    y: String,
    label_y: String,
    label: String,
}

struct ChartBar {
    x: String,
    cx: String,
    class: &'static str,
    /// The earlier years' part, when there is one.
    before: Option<Rect>,
    /// The year's own part, when there is one.
    own: Option<Rect>,
    value_y: String,
    share: String,
    label: &'static str,
    own_count: usize,
    cumulative: usize,
}

struct Rect {
    y: String,
    height: String,
}

struct GoalLine {
    x: String,
    y: String,
    label_y: String,
    label: &'static str,
    percent: u32,
}

/// A coordinate with one decimal, as the SVG has always carried them.
fn coord(value: f64) -> String {
    format!("{value:.1}")
}

/// The page. Pure: the same snapshot, options, day and timestamp give the same bytes.
pub fn render(
    snapshot: &Snapshot,
    options: &StatusOptions,
    today: NaiveDate,
    generated_at: &str,
) -> String {
    use askama::Template as _;
    let view = overview(snapshot, options, today);
    let mut page = page(&view, generated_at);
    page.progress = progress::progress(&snapshot.ledgers, today).map(|p| ProgressPage::new(&p));
    for county in page.cities.iter_mut().flat_map(|c| &mut c.counties) {
        county.progress = snapshot
            .ledgers
            .get(&county.row.code)
            .map(|l| href(&progress::county_page_path(&l.county.name)));
    }
    // Rendering into a String fails only if a value's Display fails; none of ours do.
    page.render()
        .unwrap_or_else(|err| format!("<!DOCTYPE html>\n<p>{err}</p>\n"))
}

fn page<'v>(v: &'v Overview<'v>, generated_at: &'v str) -> Page<'v> {
    let not_filed = v.total - v.filed - v.rejected;
    let cards = [
        Card {
            class: "filed",
            title: "已报送",
            number: v.filed,
            note: format!(
                "占 {}，其中有警告 {} 个",
                percent(share_of(v.filed, v.total)),
                v.with_warnings
            ),
        },
        Card {
            class: "rejected",
            title: "退回待重报",
            number: v.rejected,
            note: "最近一次提交未通过校验".to_owned(),
        },
        Card {
            class: "not-filed",
            title: "未报送",
            number: not_filed,
            note: format!("截止 {}", zh_date(v.deadlines.county)),
        },
        Card {
            class: "overdue",
            title: "逾期未报",
            number: v.overdue,
            note: if v.today > v.deadlines.county {
                "已过县（市、区）报送截止日"
            } else {
                "尚未到截止日"
            }
            .to_owned(),
        },
    ];
    let p = &v.plans;
    let plan_rows = PlanYear::ALL
        .iter()
        .enumerate()
        .map(|(i, year)| PlanRow {
            code: year.code(),
            label: year.label(),
            count: p.by_year[i],
            cumulative: p.cumulative(*year),
            share: percent(p.share(*year)),
            goal: notice::goal_for(*year).map(|g| (g, p.share(*year) >= f64::from(g))),
        })
        .collect();
    Page {
        css: CSS,
        notice_number: notice::NUMBER,
        timetable: &notice::TIMETABLE,
        generated_at,
        v,
        county_deadline: zh_date(v.deadlines.county),
        city_deadline: zh_date(v.deadlines.city),
        reference: zh_date(v.reference),
        today: zh_date(v.today),
        goals: notice::GOALS
            .map(|g| format!("{}达到 {}%", g.year.label(), g.percent))
            .join("，"),
        cards,
        legend: [
            (Standing::Filed, "最近一次提交已受理"),
            (Standing::FiledWithWarnings, "已受理，回执中有警告请核对"),
            (Standing::Rejected, "最近一次提交被退回，请按回执修改后重报"),
            (Standing::NotFiled, "尚无提交"),
        ],
        province_documents: doc_groups(&v.documents, ""),
        chart: chart(p),
        plan_rows,
        cities: v.cities.iter().map(city_view).collect(),
        progress: None,
        unidentified: v
            .unidentified
            .iter()
            .take(UNIDENTIFIED_SHOWN)
            .map(|u| UnidentifiedView {
                file: &u.file,
                at: u.received_at.minutes(),
                problems: u.problems,
                receipt: u.receipt.as_deref().map(href),
            })
            .collect(),
        unidentified_more: v.unidentified.len().saturating_sub(UNIDENTIFIED_SHOWN),
    }
}

fn city_view<'v>(city: &'v CityRow<'v>) -> CityView<'v> {
    let expected: Vec<&CountyRow> = city.counties.iter().filter(|c| c.expected).collect();
    let filed = expected.iter().filter(|c| c.standing.is_filed()).count();
    CityView {
        row: city,
        filed,
        total: expected.len(),
        rejected: expected
            .iter()
            .filter(|c| c.standing == Standing::Rejected)
            .count(),
        overdue: expected.iter().filter(|c| c.overdue).count(),
        meter: format!("{:.0}", share_of(filed, expected.len())),
        documents: doc_groups(&city.documents, &city.name),
        counties: city.counties.iter().map(county_view).collect(),
    }
}

fn county_view<'v>(c: &'v CountyRow<'v>) -> CountyView<'v> {
    let plan = match (c.accepted, c.submission) {
        (_, Some(s)) => PlanCell::Year(s.plan_year.map(PlanYear::label)),
        (Some(_), None) => PlanCell::Unreadable,
        (None, _) => PlanCell::None,
    };
    let receipt_label = if c.standing == Standing::Rejected {
        "退回回执"
    } else {
        "回执"
    };
    CountyView {
        row: c,
        rejected: c.rejected.filter(|_| c.standing == Standing::Rejected),
        warnings: c
            .accepted
            .filter(|_| c.standing == Standing::FiledWithWarnings)
            .map(|a| a.warnings),
        plan,
        changed_at: c.changed_at.map(Timestamp::minutes),
        documents: doc_groups(&c.documents, &c.name),
        receipt: c.receipt.as_deref().map(|r| (href(r), receipt_label)),
        accepted_receipt: c.accepted_receipt.as_deref().map(href),
        progress: None,
    }
}

/// The cumulative share per plan year as stacked bars (earlier years below, the year's own
/// counties on top) with the goals as dashed lines from their year on.
fn chart(p: &PlanCounts) -> Chart {
    const W: f64 = 560.0;
    const H: f64 = 300.0;
    const LEFT: f64 = 48.0;
    const RIGHT: f64 = 16.0;
    const TOP: f64 = 24.0;
    const BOTTOM: f64 = 56.0;
    let plot_w = W - LEFT - RIGHT;
    let plot_h = H - TOP - BOTTOM;
    let max_share = PlanYear::ALL
        .iter()
        .map(|y| p.share(*y))
        .fold(0.0_f64, f64::max);
    // Room above the highest goal and the highest bar, in steps of 20%.
    let top = (((max_share.max(50.0) + 10.0) / 20.0).ceil() * 20.0).min(100.0);
    let y = |share: f64| TOP + plot_h * (1.0 - share / top);
    let slot = plot_w / PlanYear::ALL.len() as f64;
    let bar = slot * 0.5;
    let base = y(0.0);
    let desc: Vec<String> = PlanYear::ALL
        .iter()
        .map(|year| {
            format!(
                "{}前累计 {} 个，占 {}",
                year.label(),
                p.cumulative(*year),
                percent(p.share(*year))
            )
        })
        .collect();
    let mut ticks = Vec::new();
    let mut tick = 0.0;
    while tick <= top + 0.1 {
        let ty = y(tick);
        ticks.push(Tick {
            y: coord(ty),
            label_y: coord(ty + 4.0),
            label: format!("{tick:.0}"),
        });
        tick += 20.0;
    }
    let bars = PlanYear::ALL
        .iter()
        .enumerate()
        .map(|(i, year)| {
            let x = LEFT + slot * i as f64 + (slot - bar) / 2.0;
            let own = p.by_year[i];
            let before = p.cumulative(*year) - own;
            let share_all = p.share(*year);
            let class = match notice::goal_for(*year) {
                Some(g) if share_all >= f64::from(g) => "met",
                Some(_) => "short",
                None => "year",
            };
            let (y_before, y_all) = (y(share_of(before, p.total)), y(share_all));
            ChartBar {
                x: coord(x),
                cx: coord(x + bar / 2.0),
                class,
                before: (before > 0).then(|| Rect {
                    y: coord(y_before),
                    height: coord(base - y_before),
                }),
                own: (own > 0).then(|| Rect {
                    y: coord(y_all),
                    height: coord(y_before - y_all),
                }),
                value_y: coord(y_all - 6.0),
                share: percent(share_all),
                label: year.label(),
                own_count: own,
                cumulative: p.cumulative(*year),
            }
        })
        .collect();
    let goals = notice::GOALS
        .iter()
        .map(|goal| {
            let i = PlanYear::ALL
                .iter()
                .position(|y| *y == goal.year)
                .unwrap_or(0);
            let gy = y(f64::from(goal.percent));
            GoalLine {
                x: coord(LEFT + slot * i as f64 + 4.0),
                y: coord(gy),
                label_y: coord(gy - 5.0),
                label: goal.year.label(),
                percent: goal.percent,
            }
        })
        .collect();
    Chart {
        width: W,
        height: H,
        left: LEFT,
        right: coord(W - RIGHT),
        caption_y: coord(TOP - 10.0),
        tick_x: coord(LEFT - 6.0),
        bar_width: coord(bar),
        base: coord(base),
        label_y: coord(base + 20.0),
        sublabel_y: coord(base + 38.0),
        desc: desc.join("；"),
        ticks,
        bars,
        goals,
    }
}

/// Groups files by document, one entry per document with its formats side by side.
/// `owner` (the county or city) is dropped from the label.
fn doc_groups(files: &[String], owner: &str) -> Vec<DocGroup> {
    let mut groups: Vec<(String, Vec<(&str, &String)>)> = Vec::new();
    for file in files {
        let name = file.rsplit('/').next().unwrap_or(file);
        let (stem, ext) = name.rsplit_once('.').unwrap_or((name, ""));
        let label = doc_label(stem, owner);
        let format = match ext.to_ascii_lowercase().as_str() {
            "pdf" => "PDF",
            "docx" | "doc" => "Word",
            "txt" => "文本",
            _ => ext,
        };
        match groups.iter_mut().find(|(l, _)| *l == label) {
            Some((_, formats)) => formats.push((format, file)),
            None => groups.push((label, vec![(format, file)])),
        }
    }
    // The bound package (报送材料, the printed product) first, then the attachments in their
    // order, then the rest; PDF before Word.
    let rank = |label: &str| {
        if label.starts_with(PACKAGE_STEM) {
            0
        } else if label.starts_with("附件") {
            1
        } else {
            2
        }
    };
    groups.sort_by(|(a, _), (b, _)| (rank(a), a).cmp(&(rank(b), b)));
    groups
        .into_iter()
        .map(|(label, mut formats)| {
            formats.sort_by_key(|(format, _)| match *format {
                "PDF" => 0,
                "Word" => 1,
                _ => 2,
            });
            DocGroup {
                label,
                formats: formats
                    .into_iter()
                    .map(|(format, file)| (format.to_owned(), href(file)))
                    .collect(),
            }
        })
        .collect()
}

/// `附件1_学校整改清单_西湖区` → `附件1 学校整改清单`.
fn doc_label(stem: &str, owner: &str) -> String {
    let parts: Vec<&str> = stem
        .split('_')
        .filter(|p| !p.is_empty() && (owner.is_empty() || *p != owner))
        .collect();
    if parts.is_empty() {
        stem.to_owned()
    } else {
        parts.join(" ")
    }
}

/// A relative link: every byte but unreserved ASCII and `/` percent-encoded (UTF-8), so names
/// with `#`, `?`, `%`, spaces or quotes work from `file://` and need no further escaping.
pub fn href(relative: &str) -> String {
    let mut out = String::with_capacity(relative.len() * 3);
    for &b in relative.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

fn share_of(part: usize, total: usize) -> f64 {
    if total == 0 {
        0.0
    } else {
        100.0 * part as f64 / total as f64
    }
}

/// `5.6%`; whole numbers without a decimal.
fn percent(share: f64) -> String {
    let rounded = (share * 10.0).round() / 10.0;
    if rounded.fract() == 0.0 {
        format!("{rounded:.0}%")
    } else {
        format!("{rounded:.1}%")
    }
}

// ---------------------------------------------------------------------------------------
// Reading the archive and writing the page

/// Reads what the page shows: the state, each accepted submission, and which files exist in
/// the outbox. An unreadable submission is left out (its county shows as filed without
/// numbers): the page is a view and must not fail over one archive entry.
pub fn snapshot(layout: &Layout) -> io::Result<Snapshot> {
    let state = State::load(layout)?;
    let mut submissions = BTreeMap::new();
    for (code, entry) in &state.accepted {
        let path = layout.archived(&entry.sha256).join("submission.json");
        match std::fs::read(&path)
            .map_err(|e| e.to_string())
            .and_then(|b| serde_json::from_slice::<Submission>(&b).map_err(|e| e.to_string()))
        {
            Ok(s) => {
                submissions.insert(code.clone(), s);
            }
            Err(error) => {
                tracing::warn!(file = %path.display(), %error, "status page: cannot read a submission");
            }
        }
    }
    let mut files = BTreeSet::new();
    // The outbox itself, each city's folder and each county's: three levels, not the
    // ever-growing 回执 folder.
    list_files(&layout.outbox, "", 2, &mut files);
    for entry in state.accepted.values().chain(state.rejected.values()) {
        if let Some(relative) = outbox_relative(&entry.receipt)
            && layout.outbox.join(&relative).is_file()
        {
            files.insert(relative);
        }
    }
    // The page is a view: an unreadable ledger leaves the progress view out, not the page.
    let ledgers = Ledger::load_all(layout).unwrap_or_else(|error| {
        tracing::warn!(%error, "status page: cannot read the item ledgers");
        BTreeMap::new()
    });
    let unidentified = unidentified(layout);
    Ok(Snapshot {
        state,
        submissions,
        files,
        ledgers,
        unidentified,
    })
}

/// What the page reads of a rejected file's JSON receipt (the rest is skipped).
#[derive(serde::Deserialize)]
struct RejectedReceipt {
    file: String,
    sha256: String,
    received_at: Timestamp,
    #[serde(default)]
    kind: crate::receipt::FileKind,
    county: Option<serde::de::IgnoredAny>,
    #[serde(default)]
    city: Option<String>,
    #[serde(default)]
    diagnostics: Vec<serde::de::IgnoredAny>,
}

/// Rejected files naming no county, from their receipts beside them in `rejected/`
/// (`<kept>.回执.json`), newest first, each linked to its copy in `outbox/回执/`
/// (`<received>_<sha8>_….回执.txt`). A city's review names a city, not a county: it counts
/// as unidentified only when it names no city either. An unreadable receipt is skipped: the
/// page is a view.
fn unidentified(layout: &Layout) -> Vec<Unidentified> {
    let Ok(entries) = std::fs::read_dir(&layout.rejected) else {
        return Vec::new();
    };
    let outbox_receipts: Vec<String> = std::fs::read_dir(layout.outbox.join("回执"))
        .map(|dir| {
            dir.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".回执.txt"))
                .collect()
        })
        .unwrap_or_default();
    let mut out = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.ends_with(".回执.json") {
            continue;
        }
        let Some(receipt) = std::fs::read(entry.path())
            .ok()
            .and_then(|b| serde_json::from_slice::<RejectedReceipt>(&b).ok())
        else {
            tracing::warn!(file = %entry.path().display(), "status page: cannot read a rejected file's receipt");
            continue;
        };
        let named = receipt.county.is_some()
            || (receipt.kind == crate::receipt::FileKind::Review && receipt.city.is_some());
        if named {
            continue;
        }
        let prefix = format!(
            "{}_{}_",
            receipt.received_at.compact(),
            &receipt.sha256[..8.min(receipt.sha256.len())]
        );
        out.push(Unidentified {
            file: receipt.file,
            received_at: receipt.received_at,
            problems: receipt.diagnostics.len(),
            receipt: outbox_receipts
                .iter()
                .find(|n| n.starts_with(&prefix))
                .map(|n| format!("回执/{n}")),
        });
    }
    out.sort_by(|a, b| {
        b.received_at
            .cmp(&a.received_at)
            .then_with(|| a.file.cmp(&b.file))
    });
    out
}

fn list_files(dir: &Path, prefix: &str, depth: usize, out: &mut BTreeSet<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') || name.ends_with(crate::archive::TEMP_SUFFIX) {
            continue;
        }
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_file() {
            out.insert(format!("{prefix}{name}"));
        } else if kind.is_dir() && depth > 0 && !(prefix.is_empty() && name == "回执") {
            list_files(&entry.path(), &format!("{prefix}{name}/"), depth - 1, out);
        }
    }
}

/// Rewrites `outbox/index.html` from the archive, atomically, after the county pages it
/// links to (`outbox/进展/<县>.html`, one per ledger; pages of counties without a ledger
/// any more are removed).
pub fn write(layout: &Layout, options: &StatusOptions, today: NaiveDate) -> io::Result<()> {
    let snapshot = snapshot(layout)?;
    let generated_at = options.clock.now().format("%Y-%m-%d %H:%M:%S").to_string();
    write_county_pages(layout, &snapshot.ledgers, today)?;
    let html = render(&snapshot, options, today, &generated_at);
    crate::archive::write_atomic(&layout.outbox.join(PAGE), html.as_bytes())
}

/// One page per ledger in `outbox/进展/`, and no page for a county without one.
fn write_county_pages(
    layout: &Layout,
    ledgers: &BTreeMap<String, Ledger>,
    today: NaiveDate,
) -> io::Result<()> {
    let dir = layout.outbox.join(progress::COUNTY_PAGES);
    let mut keep = BTreeSet::new();
    let mut changed = Vec::new();
    for ledger in ledgers.values() {
        let name = format!("{}.html", ledger.county.name);
        // Names come from the registry; a hand-edited ledger must not write outside the folder.
        if ledger.county.name.is_empty() || ledger.county.name.contains(['/', '\\', '.']) {
            continue;
        }
        let html = progress::county_page(ledger, today);
        let path = dir.join(&name);
        // The daemon rewrites the page after every file: leave unchanged pages alone.
        if std::fs::read(&path).ok().as_deref() != Some(html.as_bytes()) {
            changed.push((path, html));
        }
        keep.insert(name);
    }
    let files: Vec<(&Path, &[u8])> = changed
        .iter()
        .map(|(path, html)| (path.as_path(), html.as_bytes()))
        .collect();
    if !files.is_empty() {
        crate::archive::write_atomic_all(&files)?;
    }
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Ok(());
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.ends_with(".html") && !keep.contains(&name) {
            std::fs::remove_file(entry.path())?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{CountyRef, Item, School, Source};

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn entry(sha: &str, file: &str, at: &str, receipt: &str, warnings: usize) -> Entry {
        Entry {
            sha256: sha.into(),
            file: file.into(),
            at: at.parse().unwrap(),
            receipt: receipt.into(),
            warnings,
        }
    }

    fn submission(county: &str, plan: Option<PlanYear>, schools: &[&str]) -> Submission {
        let division = domain::registry()
            .divisions
            .iter()
            .find(|d| d.name == county)
            .unwrap();
        Submission {
            schema: crate::model::SUBMISSION_SCHEMA.into(),
            source: Source {
                file: format!("{county}.xlsx"),
                sha256: "x".into(),
            },
            county: Some(CountyRef {
                name: division.name.clone(),
                code: division.code.clone(),
                city: division.city.clone(),
                city_code: division.city_code.clone(),
            }),
            filed_on: Some(day(2019, 5, 20)),
            plan_year: plan,
            schools: schools
                .iter()
                .map(|name| School {
                    name: (*name).into(),
                    items: vec![Item {
                        shortcoming: "生均体育运动场馆面积不足".into(),
                        indicator: Some("R5".into()),
                        measure: "改造".into(),
                        deadline: "2020-06".parse().ok(),
                        cell: crate::diag::Location::parse("学校整改清单!B5").unwrap(),
                        id: None,
                    }],
                })
                .collect(),
            county_items: Vec::new(),
            diagnostics: Vec::new(),
        }
    }

    /// 西湖区 filed, 上城区 filed with warnings, 滨江区 rejected, 萧山区 filed then a newer
    /// file rejected, 余杭区 rejected then a newer file filed.
    fn sample() -> Snapshot {
        let mut s = Snapshot::default();
        let st = &mut s.state;
        st.accepted.insert(
            "330106".into(),
            entry(
                "a1",
                "西湖区.xlsx",
                "2019-05-20T10:00:00+08:00",
                "outbox/回执/1_a1_西湖区.xlsx.回执.txt",
                0,
            ),
        );
        st.accepted.insert(
            "330102".into(),
            entry(
                "a2",
                "上城区.xlsx",
                "2019-05-21T10:00:00+08:00",
                "outbox/回执/2_a2_上城区.xlsx.回执.txt",
                2,
            ),
        );
        st.rejected.insert(
            "330108".into(),
            entry(
                "r1",
                "<script>alert(1)</script>.xlsx",
                "2019-05-22T10:00:00+08:00",
                "outbox/回执/3_r1_x.回执.txt",
                3,
            ),
        );
        st.accepted.insert(
            "330109".into(),
            entry(
                "a3",
                "萧山区.xlsx",
                "2019-05-20T10:00:00+08:00",
                "outbox/回执/4_a3_萧山区.xlsx.回执.txt",
                0,
            ),
        );
        st.rejected.insert(
            "330109".into(),
            entry(
                "r2",
                "萧山区v2.xlsx",
                "2019-05-25T09:00:00+08:00",
                "outbox/回执/5_r2_萧山区v2.xlsx.回执.txt",
                1,
            ),
        );
        st.rejected.insert(
            "330110".into(),
            entry(
                "r3",
                "余杭区.xlsx",
                "2019-05-20T10:00:00+08:00",
                "outbox/回执/6_r3_余杭区.xlsx.回执.txt",
                1,
            ),
        );
        st.accepted.insert(
            "330110".into(),
            entry(
                "a4",
                "余杭区v2.xlsx",
                "2019-05-26T10:00:00+08:00",
                "outbox/回执/7_a4_余杭区v2.xlsx.回执.txt",
                0,
            ),
        );
        s.submissions.insert(
            "330106".into(),
            submission(
                "西湖区",
                Some(PlanYear::Y2019),
                &["杭州市文三街小学", "<b>假学校</b> & 分校"],
            ),
        );
        s.submissions.insert(
            "330102".into(),
            submission("上城区", Some(PlanYear::Y2020), &["甲"]),
        );
        s.submissions.insert(
            "330109".into(),
            submission("萧山区", Some(PlanYear::Y2022), &["乙"]),
        );
        s.submissions
            .insert("330110".into(), submission("余杭区", None, &["丙"]));
        for f in [
            "回执/1_a1_西湖区.xlsx.回执.txt",
            "回执/3_r1_x.回执.txt",
            "回执/4_a3_萧山区.xlsx.回执.txt",
            "回执/5_r2_萧山区v2.xlsx.回执.txt",
            "杭州市/西湖区/附件1_学校整改清单_西湖区.pdf",
            "杭州市/西湖区/附件1_学校整改清单_西湖区.docx",
            "杭州市/西湖区/报告_西湖区.pdf",
            "杭州市/西湖区/报送材料_西湖区.pdf",
            "杭州市/西湖区/报送材料_西湖区.docx",
            "杭州市/西湖区/回执.txt",
            "杭州市/附件3_创建时间表_杭州市.pdf",
            "全省汇总.pdf",
            "index.html",
        ] {
            s.files.insert(f.into());
        }
        s
    }

    fn options() -> StatusOptions {
        StatusOptions::default()
    }

    fn row<'a>(v: &'a Overview, code: &str) -> &'a CountyRow<'a> {
        v.cities
            .iter()
            .flat_map(|c| &c.counties)
            .find(|c| c.code == code)
            .unwrap()
    }

    #[test]
    fn states_follow_the_latest_file() {
        let snap = sample();
        let v = overview(&snap, &options(), day(2019, 5, 28));
        assert_eq!(row(&v, "330106").standing, Standing::Filed);
        assert_eq!(row(&v, "330102").standing, Standing::FiledWithWarnings);
        assert_eq!(row(&v, "330108").standing, Standing::Rejected);
        // Accepted, then a newer file rejected: 退回, the accepted one still counted.
        assert_eq!(row(&v, "330109").standing, Standing::Rejected);
        // Rejected, then a newer file accepted: filed.
        assert_eq!(row(&v, "330110").standing, Standing::Filed);
        assert_eq!(row(&v, "330111").standing, Standing::NotFiled);
        assert_eq!(
            row(&v, "330109").changed_at,
            "2019-05-25T09:00:00+08:00".parse().ok()
        );
        assert_eq!(
            (v.total, v.filed, v.with_warnings, v.rejected),
            (89, 3, 1, 2)
        );
        assert_eq!(v.cities[0].name, "杭州市");
        assert_eq!(v.cities.len(), 11);
    }

    #[test]
    fn counties_are_the_divisions_standing_on_the_county_deadline() {
        let snap = Snapshot::default();
        let v = overview(&snap, &options(), day(2019, 5, 1));
        let hangzhou: Vec<&str> = v.cities[0]
            .counties
            .iter()
            .map(|c| c.name.as_str())
            .collect();
        assert!(
            hangzhou.contains(&"江干区") && !hangzhou.contains(&"临平区"),
            "{hangzhou:?}"
        );
        assert!(
            !v.cities
                .iter()
                .flat_map(|c| &c.counties)
                .any(|c| c.name == "龙港市")
        );
        let later = StatusOptions {
            deadlines: Deadlines {
                county: day(2021, 5, 31),
                city: day(2021, 6, 30),
            },
            ..StatusOptions::default()
        };
        let v = overview(&snap, &later, day(2021, 5, 1));
        let hangzhou: Vec<&str> = v.cities[0]
            .counties
            .iter()
            .map(|c| c.name.as_str())
            .collect();
        assert!(
            hangzhou.contains(&"临平区") && !hangzhou.contains(&"江干区"),
            "{hangzhou:?}"
        );
        assert_eq!(v.total, 90);
    }

    #[test]
    fn a_county_filed_outside_the_reference_divisions_is_shown_but_not_counted() {
        let mut snap = Snapshot::default();
        snap.state.accepted.insert(
            "330113".into(),
            entry(
                "a",
                "临平区.xlsx",
                "2021-05-01T10:00:00+08:00",
                "outbox/回执/x",
                0,
            ),
        );
        let v = overview(&snap, &options(), day(2019, 6, 1));
        let linping = row(&v, "330113");
        assert!(!linping.expected && !linping.overdue);
        assert_eq!((v.total, v.filed), (89, 0));
        assert!(render(&snap, &options(), day(2019, 6, 1), "t").contains("不计入应报数"));
    }

    #[test]
    fn overdue_only_after_the_deadline_and_only_without_an_accepted_file() {
        let snap = sample();
        let on_deadline = overview(&snap, &options(), day(2019, 5, 31));
        assert_eq!(on_deadline.overdue, 0);
        let after = overview(&snap, &options(), day(2019, 6, 1));
        assert!(row(&after, "330111").overdue, "not filed");
        assert!(row(&after, "330108").overdue, "rejected, nothing accepted");
        assert!(
            !row(&after, "330109").overdue,
            "rejected, an earlier file accepted"
        );
        assert!(!row(&after, "330106").overdue);
        assert_eq!(after.overdue, 89 - 4);
        // Cities: 附件3 incomplete is flagged only after the city deadline.
        assert!(!after.cities.iter().any(|c| c.overdue));
        let late = overview(&snap, &options(), day(2019, 7, 1));
        assert!(late.cities.iter().all(|c| c.overdue));
        // 杭州市: 13 counties, 西湖 上城 萧山 with plan years, 余杭 filed without one.
        assert_eq!(late.cities[0].missing, 13 - 3);
    }

    #[test]
    fn a_city_with_every_plan_year_is_complete() {
        let mut snap = Snapshot::default();
        for d in domain::registry().counties_of("舟山市", day(2019, 5, 31)) {
            snap.state.accepted.insert(
                d.code.clone(),
                entry(
                    &d.code,
                    "f.xlsx",
                    "2019-05-20T10:00:00+08:00",
                    "outbox/回执/x",
                    0,
                ),
            );
            snap.submissions.insert(
                d.code.clone(),
                submission(&d.name, Some(PlanYear::Y2021), &[]),
            );
        }
        let v = overview(&snap, &options(), day(2019, 7, 1));
        let zhoushan = v.cities.iter().find(|c| c.name == "舟山市").unwrap();
        assert_eq!((zhoushan.missing, zhoushan.overdue), (0, false));
        assert!(render(&snap, &options(), day(2019, 7, 1), "t").contains("各县（市、区）材料已齐"));
    }

    #[test]
    fn plan_counts_and_cumulative_shares() {
        let snap = sample();
        let v = overview(&snap, &options(), day(2019, 6, 1));
        let p = v.plans;
        // 西湖 2019, 上城 2020, 萧山 2022 (its accepted file counts), 余杭 none.
        assert_eq!(p.by_year, [1, 1, 0, 1, 0]);
        assert_eq!((p.unknown, p.not_filed, p.total), (1, 85, 89));
        assert_eq!(p.cumulative(PlanYear::Y2020), 2);
        assert_eq!(p.cumulative(PlanYear::Later), 3);
        assert!((p.share(PlanYear::Y2022) - 300.0 / 89.0).abs() < 1e-9);
        let html = render(&snap, &options(), day(2019, 6, 1), "t");
        assert!(html.contains("<tr data-year=\"2020\"><th scope=\"row\">2020年</th><td class=\"num\">1</td><td class=\"num\">2</td><td class=\"num\">2.2%</td>"), "{html}");
        assert!(html.contains("20% <span class=\"badge rejected\">未达到</span>"));
        assert!(html.contains("2020年目标 20%") && html.contains("2022年目标 50%"));
        assert!(html.contains(
            "<desc id=\"chart-desc\">2019年前累计 1 个，占 1.1%；2020年前累计 2 个，占 2.2%"
        ));
    }

    #[test]
    fn goals_met_are_drawn_green() {
        let mut snap = Snapshot::default();
        // 18 of 89 counties plan 2020: 20.2%.
        for d in domain::registry()
            .counties_on(day(2019, 5, 31))
            .into_iter()
            .take(18)
        {
            snap.state.accepted.insert(
                d.code.clone(),
                entry(
                    &d.code,
                    "f.xlsx",
                    "2019-05-20T10:00:00+08:00",
                    "outbox/回执/x",
                    0,
                ),
            );
            snap.submissions.insert(
                d.code.clone(),
                submission(&d.name, Some(PlanYear::Y2020), &[]),
            );
        }
        let html = render(&snap, &options(), day(2019, 6, 1), "t");
        assert!(html.contains("20% <span class=\"badge filed\">已达到</span>"));
        assert!(html.contains("<rect class=\"met\""));
        assert!(html.contains("50% <span class=\"badge rejected\">未达到</span>"));
    }

    #[test]
    fn user_text_is_escaped() {
        let snap = sample();
        let html = render(&snap, &options(), day(2019, 6, 1), "2019-06-01 <09:00>");
        assert!(
            !html.contains("<script>"),
            "a file name must not become markup"
        );
        assert!(html.contains("&#60;script&#62;alert(1)&#60;/script&#62;.xlsx"));
        assert!(html.contains("&#60;b&#62;假学校&#60;/b&#62; &#38; 分校"));
        assert!(html.contains("生成于 2019-06-01 &#60;09:00&#62;"));
        assert_eq!(href("回执/a #1?.txt"), "%E5%9B%9E%E6%89%A7/a%20%231%3F.txt");
        assert_eq!(href("<script>.xlsx"), "%3Cscript%3E.xlsx");
    }

    #[test]
    fn links_point_only_at_files_that_exist() {
        let snap = sample();
        let html = render(&snap, &options(), day(2019, 6, 1), "t");
        let hrefs: Vec<&str> = html
            .split("href=\"")
            .skip(1)
            .filter_map(|rest| rest.split('"').next())
            .filter(|h| !h.starts_with('#'))
            .collect();
        assert!(!hrefs.is_empty());
        let existing: BTreeSet<String> = snap.files.iter().map(|f| href(f)).collect();
        for h in &hrefs {
            assert!(existing.contains(*h), "{h} links to nothing");
        }
        // 上城区's receipt file is not in the outbox: no link, and 余杭区's neither.
        assert!(!html.contains(&href("回执/2_a2_上城区.xlsx.回执.txt")));
        assert!(!html.contains(&href("回执/7_a4_余杭区v2.xlsx.回执.txt")));
        // 西湖区: its documents grouped by document, its receipt.
        assert!(html.contains(&format!(
            "<span class=\"doc\">附件1 学校整改清单 <a href=\"{}\">PDF</a> <a href=\"{}\">Word</a></span>",
            href("杭州市/西湖区/附件1_学校整改清单_西湖区.pdf"),
            href("杭州市/西湖区/附件1_学校整改清单_西湖区.docx")
        )));
        assert!(html.contains(&href("回执/1_a1_西湖区.xlsx.回执.txt")));
        // The bound package, the printed product, comes first.
        let package = html
            .find(&format!(
                "<span class=\"doc\">报送材料 <a href=\"{}\">PDF</a> <a href=\"{}\">Word</a></span>",
                href("杭州市/西湖区/报送材料_西湖区.pdf"),
                href("杭州市/西湖区/报送材料_西湖区.docx")
            ))
            .expect("the package");
        assert!(package < html.find("<span class=\"doc\">附件1 学校整改清单").unwrap());
        assert!(package < html.find("<span class=\"doc\">报告 <a").unwrap());
        // 萧山区, rejected after an accepted file: both receipts.
        let xiaoshan = overview(&snap, &options(), day(2019, 6, 1));
        let xs = row(&xiaoshan, "330109");
        assert_eq!(
            xs.receipt.as_deref(),
            Some("回执/5_r2_萧山区v2.xlsx.回执.txt")
        );
        assert_eq!(
            xs.accepted_receipt.as_deref(),
            Some("回执/4_a3_萧山区.xlsx.回执.txt")
        );
        // The page never links to itself; the province and city files are linked.
        assert!(!hrefs.contains(&"index.html"));
        assert!(hrefs.contains(&href("全省汇总.pdf").as_str()));
        assert!(hrefs.contains(&href("杭州市/附件3_创建时间表_杭州市.pdf").as_str()));
        // Every in-page anchor has its target.
        for anchor in html
            .split("href=\"#")
            .skip(1)
            .filter_map(|r| r.split('"').next())
        {
            assert!(html.contains(&format!("id=\"{anchor}\"")), "#{anchor}");
        }
    }

    #[test]
    fn the_page_is_self_contained_and_summarised() {
        let snap = sample();
        let html = render(&snap, &options(), day(2019, 6, 1), "2019-06-01 09:00:00");
        assert!(html.starts_with("<!DOCTYPE html>"));
        assert!(html.contains("<meta charset=\"utf-8\">"));
        // Nothing fetched: no scripts, stylesheets, images or absolute links.
        for outside in ["<script", "<link", "<img", " src=", "url("] {
            assert!(!html.contains(outside), "{outside}");
        }
        assert_eq!(html.matches("://").count(), 1, "only the SVG namespace");
        assert!(html.contains("已报送 <strong>3</strong> / 89 个县（市、区），退回 <strong>2</strong> 个，逾期未报 <strong>85</strong> 个；生成于 2019-06-01 09:00:00"));
        assert!(html.contains("<tr id=\"county-330108\" class=\"rejected\" data-state=\"rejected\" data-overdue=\"true\">"));
        assert!(html.contains("<tr id=\"county-330102\" class=\"filed-warnings\" data-state=\"filed-warnings\" data-overdue=\"false\">"));
        assert!(html.contains("此前受理的文件仍有效"));
        // Deterministic: the same inputs give the same bytes.
        assert_eq!(
            html,
            render(&snap, &options(), day(2019, 6, 1), "2019-06-01 09:00:00")
        );
    }

    #[test]
    fn write_reads_the_archive_and_lists_existing_files() {
        let dir = tempfile::tempdir().unwrap();
        let layout = Layout::new(dir.path());
        layout.prepare().unwrap();
        let mut state = State {
            schema: State::SCHEMA.into(),
            ..State::default()
        };
        state.accepted.insert(
            "330106".into(),
            entry(
                "abc",
                "西湖区.xlsx",
                "2019-05-20T10:00:00+08:00",
                "outbox/回执/r.回执.txt",
                0,
            ),
        );
        state.save(&layout).unwrap();
        crate::archive::write_json(
            &layout.archived("abc").join("submission.json"),
            &submission("西湖区", Some(PlanYear::Y2020), &["甲", "乙"]),
        )
        .unwrap();
        crate::archive::write_atomic(&layout.outbox.join("回执/r.回执.txt"), b"r").unwrap();
        crate::archive::write_atomic(&layout.outbox.join("回执/other.回执.txt"), b"o").unwrap();
        crate::archive::write_atomic(
            &layout.outbox.join("杭州市/西湖区/报告_西湖区.pdf"),
            b"%PDF",
        )
        .unwrap();
        std::fs::write(layout.outbox.join("杭州市/西湖区/.x.gongwen-tmp"), b"").unwrap();
        let snap = snapshot(&layout).unwrap();
        assert_eq!(
            snap.files.iter().map(String::as_str).collect::<Vec<_>>(),
            ["回执/r.回执.txt", "杭州市/西湖区/报告_西湖区.pdf"]
        );
        assert_eq!(snap.submissions["330106"].schools.len(), 2);
        write(&layout, &options(), day(2019, 6, 1)).unwrap();
        let html = std::fs::read_to_string(layout.outbox.join(PAGE)).unwrap();
        assert!(html.contains("2 所学校 · 2 项"));
        assert!(html.contains("已报送 <strong>1</strong> / 89"));
    }
}
