//! The status page, `outbox/index.html`: where every county stands, for a bureau that opens
//! the shared folder in a browser. One self-contained file (inline CSS, an inline SVG chart,
//! no scripts, relative links), rewritten atomically after every file the daemon processes.
//!
//! Two halves: [`overview`] and [`render`] are pure (a [`Snapshot`] of the archive and the
//! outbox in, a model or HTML out), so the states, the overdue rules, the chart's numbers and
//! the escaping are unit-tested without files; [`snapshot`] and [`write`] read the archive and
//! the outbox and write the page. Unlike the documents, the page reads the clock (`today`
//! decides what is overdue): it is a live dashboard, not an archived record.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::io;
use std::path::Path;

use chrono::NaiveDate;

use crate::archive::{Entry, Layout, State};
use crate::config::{Config, Deadlines};
use crate::domain::{self, Division};
use crate::model::{PlanYear, Submission};
use crate::notice;
use crate::rollup::{self, Rollup};

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
}

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
    /// When the county's state last changed (RFC 3339 as recorded).
    pub changed_at: Option<&'a str>,
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
    let rejected_latest = rejected.filter(|r| accepted.is_none_or(|a| newer(&r.at, &a.at)));
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
        changed_at: latest.map(|e| e.at.as_str()),
        documents: files_in(&snapshot.files, &folder)
            .into_iter()
            .filter(|f| !f.ends_with("/回执.txt"))
            .collect(),
        receipt: existing(latest),
        accepted_receipt: rejected_latest.and_then(|_| existing(accepted)),
    }
}

/// Whether timestamp `a` is later than `b`: RFC 3339 compared as instants, else as text.
fn newer(a: &str, b: &str) -> bool {
    match (
        chrono::DateTime::parse_from_rfc3339(a),
        chrono::DateTime::parse_from_rfc3339(b),
    ) {
        (Ok(a), Ok(b)) => a > b,
        _ => a > b,
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

/// The page. Pure: the same snapshot, options, day and timestamp give the same bytes.
pub fn render(
    snapshot: &Snapshot,
    options: &StatusOptions,
    today: NaiveDate,
    generated_at: &str,
) -> String {
    let view = overview(snapshot, options, today);
    let mut h = String::with_capacity(64 * 1024);
    h.push_str("<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n");
    h.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    h.push_str("<meta name=\"generator\" content=\"gongwen\">\n");
    h.push_str("<title>整改清单报送情况 · 义务教育优质均衡发展</title>\n");
    h.push_str("<style>\n");
    h.push_str(CSS);
    h.push_str("</style>\n</head>\n<body>\n<main>\n");
    header(&mut h, &view, generated_at);
    province(&mut h, &view);
    city_nav(&mut h, &view);
    for city in &view.cities {
        city_section(&mut h, &view, city);
    }
    footer(&mut h, &view);
    h.push_str("</main>\n</body>\n</html>\n");
    h
}

fn header(h: &mut String, v: &Overview, generated_at: &str) {
    let not_filed = v.total - v.filed - v.rejected;
    h.push_str("<header>\n");
    let _ = writeln!(
        h,
        "<p class=\"kicker\">{} · 县域义务教育优质均衡发展</p>",
        notice::NUMBER
    );
    h.push_str("<h1>整改清单报送情况</h1>\n");
    let _ = writeln!(
        h,
        "<p class=\"summary\" id=\"summary\">已报送 <strong>{}</strong> / {} 个县（市、区），退回 <strong>{}</strong> 个，逾期未报 <strong>{}</strong> 个；生成于 {}</p>",
        v.filed,
        v.total,
        v.rejected,
        v.overdue,
        esc(generated_at)
    );
    h.push_str("<div class=\"cards\">\n");
    let share = if v.total == 0 {
        0.0
    } else {
        100.0 * v.filed as f64 / v.total as f64
    };
    card(
        h,
        "filed",
        "已报送",
        v.filed,
        &format!("占 {}，其中有警告 {} 个", percent(share), v.with_warnings),
    );
    card(
        h,
        "rejected",
        "退回待重报",
        v.rejected,
        "最近一次提交未通过校验",
    );
    card(
        h,
        "not-filed",
        "未报送",
        not_filed,
        &format!("截止 {}", date_zh(v.deadlines.county)),
    );
    card(
        h,
        "overdue",
        "逾期未报",
        v.overdue,
        if v.today > v.deadlines.county {
            "已过县（市、区）报送截止日"
        } else {
            "尚未到截止日"
        },
    );
    h.push_str("</div>\n");
    let _ = writeln!(
        h,
        "<p class=\"deadlines\">报送截止：县（市、区）报设区市 {}；设区市报省 {}。应报县（市、区）按 {} 的行政区划计。今天是 {}。</p>",
        date_zh(v.deadlines.county),
        date_zh(v.deadlines.city),
        date_zh(v.reference),
        date_zh(v.today)
    );
    h.push_str("<ul class=\"legend\" aria-label=\"图例\">\n");
    for (standing, what) in [
        (Standing::Filed, "最近一次提交已受理"),
        (Standing::FiledWithWarnings, "已受理，回执中有警告请核对"),
        (Standing::Rejected, "最近一次提交被退回，请按回执修改后重报"),
        (Standing::NotFiled, "尚无提交"),
    ] {
        let _ = writeln!(
            h,
            "<li><span class=\"badge {}\">{}</span>{what}</li>",
            standing.key(),
            standing.label_zh()
        );
    }
    h.push_str("<li><span class=\"badge overdue\">逾期</span>截止日已过仍未报送（设区市：附件3 材料仍不齐）</li>\n");
    h.push_str("</ul>\n</header>\n");
}

fn card(h: &mut String, class: &str, title: &str, number: usize, note: &str) {
    let _ = writeln!(
        h,
        "<div class=\"card {class}\"><div class=\"card-title\">{title}</div><div class=\"card-number\">{number}</div><div class=\"card-note\">{}</div></div>",
        esc(note)
    );
}

fn province(h: &mut String, v: &Overview) {
    let p = &v.plans;
    h.push_str("<section class=\"province\" id=\"province\">\n<h2>全省创建计划</h2>\n");
    let _ = writeln!(
        h,
        "<p class=\"note\">按各县（市、区）最近受理的文件中填报的计划创建年份统计；占比的分母为 {} 个县（市、区）（{}的行政区划）。目标：{}。</p>",
        p.total,
        date_zh(v.reference),
        notice::GOALS
            .map(|g| format!("{}达到 {}%", g.year.label(), g.percent))
            .join("，")
    );
    if !v.documents.is_empty() {
        h.push_str("<p class=\"files\">全省文件：");
        doc_links(h, &v.documents, "");
        h.push_str("</p>\n");
    }
    h.push_str("<div class=\"province-body\">\n");
    chart(h, p);
    plan_table(h, p);
    h.push_str("</div>\n</section>\n");
}

/// The cumulative share per plan year as stacked bars (earlier years below, the year's own
/// counties on top) with the goals as dashed lines from their year on.
fn chart(h: &mut String, p: &PlanCounts) {
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
    let _ = writeln!(
        h,
        "<figure class=\"chart\"><svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {W} {H}\" width=\"{W}\" height=\"{H}\" role=\"img\" aria-labelledby=\"chart-title chart-desc\">"
    );
    h.push_str("<title id=\"chart-title\">计划创建年份累计占比</title>\n");
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
    let _ = writeln!(h, "<desc id=\"chart-desc\">{}</desc>", desc.join("；"));
    // Grid and axis labels.
    let _ = writeln!(
        h,
        "<text class=\"axis\" x=\"{LEFT}\" y=\"{:.1}\">累计占比（应报 {} 个）</text>",
        TOP - 10.0,
        p.total
    );
    let mut tick = 0.0;
    while tick <= top + 0.1 {
        let ty = y(tick);
        let _ = writeln!(
            h,
            "<line class=\"grid\" x1=\"{LEFT}\" y1=\"{ty:.1}\" x2=\"{:.1}\" y2=\"{ty:.1}\"/><text class=\"axis\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{tick:.0}%</text>",
            W - RIGHT,
            LEFT - 6.0,
            ty + 4.0
        );
        tick += 20.0;
    }
    for (i, year) in PlanYear::ALL.iter().enumerate() {
        let x = LEFT + slot * i as f64 + (slot - bar) / 2.0;
        let own = p.by_year[i];
        let before = p.cumulative(*year) - own;
        let share_before = share_of(before, p.total);
        let share_all = p.share(*year);
        let goal = notice::goal_for(*year);
        let class = match goal {
            Some(g) if share_all >= f64::from(g) => "met",
            Some(_) => "short",
            None => "year",
        };
        let (y_before, y_all, base) = (y(share_before), y(share_all), y(0.0));
        if before > 0 {
            let _ = writeln!(
                h,
                "<rect class=\"before\" x=\"{x:.1}\" y=\"{y_before:.1}\" width=\"{bar:.1}\" height=\"{:.1}\"/>",
                base - y_before
            );
        }
        if own > 0 {
            let _ = writeln!(
                h,
                "<rect class=\"{class}\" x=\"{x:.1}\" y=\"{y_all:.1}\" width=\"{bar:.1}\" height=\"{:.1}\"/>",
                y_before - y_all
            );
        }
        let cx = x + bar / 2.0;
        let _ = writeln!(
            h,
            "<text class=\"value\" x=\"{cx:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
            y_all - 6.0,
            percent(share_all)
        );
        let _ = writeln!(
            h,
            "<text class=\"label\" x=\"{cx:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text><text class=\"sublabel\" x=\"{cx:.1}\" y=\"{:.1}\" text-anchor=\"middle\">当年 {own} · 累计 {}</text>",
            base + 20.0,
            year.label(),
            base + 38.0,
            p.cumulative(*year)
        );
    }
    for notice::Goal { year, percent: pct } in notice::GOALS {
        let i = PlanYear::ALL.iter().position(|y| *y == year).unwrap_or(0);
        let gy = y(f64::from(pct));
        let x1 = LEFT + slot * i as f64 + 4.0;
        let _ = writeln!(
            h,
            "<line class=\"goal\" x1=\"{x1:.1}\" y1=\"{gy:.1}\" x2=\"{:.1}\" y2=\"{gy:.1}\"/><text class=\"goal-label\" x=\"{x1:.1}\" y=\"{:.1}\">{}目标 {pct}%</text>",
            W - RIGHT,
            gy - 5.0,
            year.label()
        );
    }
    let base = y(0.0);
    let _ = writeln!(
        h,
        "<line class=\"axis-line\" x1=\"{LEFT}\" y1=\"{base:.1}\" x2=\"{:.1}\" y2=\"{base:.1}\"/>",
        W - RIGHT
    );
    h.push_str("</svg>\n<figcaption><span class=\"swatch before\"></span>此前年份累计 <span class=\"swatch year\"></span>当年计划 <span class=\"swatch met\"></span>达到目标 <span class=\"swatch short\"></span>未达目标 <span class=\"swatch goal\"></span>省定目标</figcaption></figure>\n");
}

fn plan_table(h: &mut String, p: &PlanCounts) {
    h.push_str("<table class=\"plans\" id=\"plan-table\">\n<caption>各计划创建年份的县（市、区）数</caption>\n<thead><tr><th scope=\"col\">计划创建年份</th><th scope=\"col\" class=\"num\">县数</th><th scope=\"col\" class=\"num\">累计</th><th scope=\"col\" class=\"num\">累计占比</th><th scope=\"col\">省定目标</th></tr></thead>\n<tbody>\n");
    for (i, year) in PlanYear::ALL.iter().enumerate() {
        let goal = notice::goal_for(*year);
        let goal_cell = match goal {
            Some(g) if p.share(*year) >= f64::from(g) => {
                format!("{g}% <span class=\"badge filed\">已达到</span>")
            }
            Some(g) => format!("{g}% <span class=\"badge rejected\">未达到</span>"),
            None => String::new(),
        };
        let _ = writeln!(
            h,
            "<tr data-year=\"{}\"><th scope=\"row\">{}</th><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{goal_cell}</td></tr>",
            year.code(),
            year.label(),
            p.by_year[i],
            p.cumulative(*year),
            percent(p.share(*year))
        );
    }
    let _ = writeln!(
        h,
        "<tr class=\"aside\"><th scope=\"row\">已受理未填年份</th><td class=\"num\">{}</td><td></td><td></td><td></td></tr>\n<tr class=\"aside\"><th scope=\"row\">尚未受理</th><td class=\"num\">{}</td><td></td><td></td><td></td></tr>\n</tbody>\n<tfoot><tr><th scope=\"row\">合计</th><td class=\"num\">{}</td><td></td><td></td><td></td></tr></tfoot>\n</table>",
        p.unknown, p.not_filed, p.total
    );
}

fn city_nav(h: &mut String, v: &Overview) {
    h.push_str("<nav class=\"cities\" aria-label=\"设区市\">\n<h2>各设区市</h2>\n<ul>\n");
    for city in &v.cities {
        let expected = city.counties.iter().filter(|c| c.expected);
        let total = expected.clone().count();
        let filed = expected.clone().filter(|c| c.standing.is_filed()).count();
        let rejected = expected
            .clone()
            .filter(|c| c.standing == Standing::Rejected)
            .count();
        let overdue = expected.filter(|c| c.overdue).count();
        let pct = share_of(filed, total);
        let _ = write!(
            h,
            "<li><a href=\"#c{}\"><span class=\"city-name\">{}</span><span class=\"meter\" aria-hidden=\"true\"><span style=\"width:{pct:.0}%\"></span></span><span class=\"city-count\">{filed}/{total}</span>",
            esc(&city.code),
            esc(&city.name)
        );
        if rejected > 0 {
            let _ = write!(h, "<span class=\"badge rejected\">退回 {rejected}</span>");
        }
        if overdue > 0 {
            let _ = write!(h, "<span class=\"badge overdue\">逾期 {overdue}</span>");
        }
        h.push_str("</a></li>\n");
    }
    h.push_str("</ul>\n</nav>\n");
}

fn city_section(h: &mut String, v: &Overview, city: &CityRow) {
    let expected: Vec<&CountyRow> = city.counties.iter().filter(|c| c.expected).collect();
    let filed = expected.iter().filter(|c| c.standing.is_filed()).count();
    let _ = writeln!(
        h,
        "<section class=\"city\" id=\"c{}\" data-missing=\"{}\" data-overdue=\"{}\">",
        esc(&city.code),
        city.missing,
        city.overdue
    );
    let _ = write!(
        h,
        "<h2>{} <span class=\"count\">已报送 {filed} / {} 个</span>",
        esc(&city.name),
        expected.len()
    );
    if city.overdue {
        h.push_str(" <span class=\"badge overdue\">逾期</span>");
    }
    h.push_str("</h2>\n<p class=\"city-status\">附件3 创建时间表：");
    if city.missing == 0 {
        h.push_str("<span class=\"ok\">各县（市、区）材料已齐</span>");
    } else {
        let _ = write!(
            h,
            "尚缺 <strong>{}</strong> 个县（市、区）的受理文件或计划创建年份",
            city.missing
        );
        if city.overdue {
            let _ = write!(
                h,
                "，<span class=\"late\">已过设区市报省截止日（{}）</span>",
                date_zh(v.deadlines.city)
            );
        } else {
            let _ = write!(h, "（设区市报省截止 {}）", date_zh(v.deadlines.city));
        }
    }
    if !city.documents.is_empty() {
        h.push_str("。市级文件：");
        doc_links(h, &city.documents, &city.name);
    }
    h.push_str("</p>\n");
    h.push_str("<table class=\"counties\">\n<colgroup><col class=\"c-name\"><col class=\"c-state\"><col class=\"c-plan\"><col class=\"c-schools\"><col class=\"c-time\"><col class=\"c-files\"></colgroup>\n<thead><tr><th scope=\"col\">县（市、区）</th><th scope=\"col\">状态</th><th scope=\"col\">计划创建年份</th><th scope=\"col\">学校与整改项</th><th scope=\"col\">最近变动</th><th scope=\"col\">文件</th></tr></thead>\n<tbody>\n");
    for county in &city.counties {
        county_tr(h, v, county);
    }
    h.push_str("</tbody>\n</table>\n</section>\n");
}

fn county_tr(h: &mut String, v: &Overview, c: &CountyRow) {
    let _ = write!(
        h,
        "<tr id=\"county-{}\" class=\"{}\" data-state=\"{}\" data-overdue=\"{}\">",
        esc(&c.code),
        c.standing.key(),
        c.standing.key(),
        c.overdue
    );
    // Name.
    let _ = write!(
        h,
        "<th scope=\"row\">{}<span class=\"code\">{}</span>",
        esc(&c.name),
        esc(&c.code)
    );
    if !c.expected {
        let _ = write!(
            h,
            "<span class=\"hint\">{}时尚未设立或已撤销，不计入应报数</span>",
            date_zh(v.reference)
        );
    }
    h.push_str("</th>");
    // State.
    let _ = write!(
        h,
        "<td><span class=\"badge {}\">{}</span>",
        c.standing.key(),
        c.standing.label_zh()
    );
    if c.overdue {
        h.push_str(" <span class=\"badge overdue\">逾期</span>");
    }
    if c.standing == Standing::Rejected
        && let Some(r) = c.rejected
    {
        let _ = write!(
            h,
            "<span class=\"hint\">退回文件：{}（{} 个问题，见退回回执）</span>",
            esc(&r.file),
            r.warnings
        );
        if c.accepted.is_some() {
            h.push_str("<span class=\"hint\">此前受理的文件仍有效，已计入汇总</span>");
        }
    }
    if c.standing == Standing::FiledWithWarnings
        && let Some(a) = c.accepted
    {
        let _ = write!(
            h,
            "<span class=\"hint\">{} 个警告，见回执</span>",
            a.warnings
        );
    }
    h.push_str("</td>");
    // Plan year.
    match (c.accepted, c.submission) {
        (_, Some(s)) => {
            let _ = write!(
                h,
                "<td class=\"plan\">{}</td>",
                s.plan_year
                    .map_or("<span class=\"muted\">未填</span>", PlanYear::label)
            );
        }
        (Some(_), None) => h.push_str("<td><span class=\"muted\">无法读取</span></td>"),
        (None, _) => h.push_str("<td><span class=\"muted\">—</span></td>"),
    }
    // Schools and items.
    match c.submission {
        Some(s) => {
            let items = s.school_item_count();
            let _ = write!(
                h,
                "<td><details><summary>{} 所学校 · {items} 项",
                s.schools.len()
            );
            if !s.county_items.is_empty() {
                let _ = write!(
                    h,
                    "<br><span class=\"muted\">县级 {} 项</span>",
                    s.county_items.len()
                );
            }
            h.push_str("</summary><ol class=\"schools\">");
            for school in &s.schools {
                let _ = write!(
                    h,
                    "<li>{}<span class=\"muted\"> · {} 项</span></li>",
                    esc(&school.name),
                    school.items.len()
                );
            }
            h.push_str("</ol></details></td>");
        }
        None => h.push_str("<td><span class=\"muted\">—</span></td>"),
    }
    // Last change.
    match c.changed_at {
        Some(at) => {
            let _ = write!(h, "<td class=\"time\">{}</td>", esc(&time_zh(at)));
        }
        None => h.push_str("<td><span class=\"muted\">—</span></td>"),
    }
    // Files.
    h.push_str("<td class=\"links\">");
    doc_links(h, &c.documents, &c.name);
    if let Some(r) = &c.receipt {
        let label = if c.standing == Standing::Rejected {
            "退回回执"
        } else {
            "回执"
        };
        let _ = write!(
            h,
            "<span class=\"doc\"><a class=\"receipt\" href=\"{}\">{label}</a></span>",
            href(r)
        );
    }
    if let Some(r) = &c.accepted_receipt {
        let _ = write!(
            h,
            "<span class=\"doc\"><a class=\"receipt\" href=\"{}\">受理回执</a></span>",
            href(r)
        );
    }
    h.push_str("</td></tr>\n");
}

/// Links to documents, one entry per document with its formats side by side:
/// `附件1 学校整改清单 PDF · Word`. `owner` (the county or city) is dropped from the label.
fn doc_links(h: &mut String, files: &[String], owner: &str) {
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
    // The attachments in their order first, then the rest; PDF before Word.
    groups.sort_by(|(a, _), (b, _)| (!a.starts_with("附件"), a).cmp(&(!b.starts_with("附件"), b)));
    for (label, mut formats) in groups {
        formats.sort_by_key(|(format, _)| match *format {
            "PDF" => 0,
            "Word" => 1,
            _ => 2,
        });
        let _ = write!(h, "<span class=\"doc\">{}", esc(&label));
        for (format, file) in formats {
            let _ = write!(h, " <a href=\"{}\">{}</a>", href(file), esc(format));
        }
        h.push_str("</span>");
    }
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

fn footer(h: &mut String, v: &Overview) {
    let _ = writeln!(
        h,
        "<footer><p>本页由 gongwen 在每处理一个文件后自动更新，刷新浏览器即可看到最新情况；文件链接指向本文件夹（outbox）中的文档与回执。应报县（市、区）按 {} 的行政区划计，共 {} 个。</p></footer>",
        date_zh(v.reference),
        v.total
    );
}

/// Escapes text for HTML content and quoted attributes.
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
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

fn date_zh(date: NaiveDate) -> String {
    date.format("%Y年%-m月%-d日").to_string()
}

/// An RFC 3339 timestamp as `2019-05-28 14:03`; anything else as written.
fn time_zh(at: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(at)
        .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_else(|_| at.to_owned())
}

const CSS: &str = r#"
:root { --ink:#1f2328; --muted:#656d76; --line:#d8dee4; --bg:#f6f8fa; --accent:#1f4e8c;
  --ok:#1a7f37; --ok-bg:#dafbe1; --warn:#8a5a00; --warn-bg:#fff1c2; --bad:#b42318; --bad-bg:#fde7e7;
  --none:#57606a; --none-bg:#eef1f4; }
* { box-sizing: border-box; }
html { background: var(--bg); }
body { margin: 0; color: var(--ink); font: 15px/1.6 "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", sans-serif; }
main { max-width: 1180px; margin: 0 auto; padding: 24px 28px 40px; }
header { background: #fff; border: 1px solid var(--line); border-top: 6px solid #b3261e; border-radius: 8px; padding: 20px 24px; }
.kicker { margin: 0; color: var(--muted); font-size: 13px; letter-spacing: .05em; }
h1 { margin: 4px 0 8px; font-size: 28px; letter-spacing: .04em; }
h2 { font-size: 20px; margin: 0 0 10px; }
.summary { margin: 0 0 14px; font-size: 16px; }
.summary strong { font-size: 18px; }
.cards { display: grid; grid-template-columns: repeat(4, 1fr); gap: 12px; margin: 0 0 12px; }
.card { border-radius: 8px; padding: 10px 14px; border: 1px solid var(--line); background: #fff; border-left-width: 6px; }
.card-title { font-size: 14px; color: var(--muted); }
.card-number { font-size: 32px; font-weight: 700; line-height: 1.2; }
.card-note { font-size: 12px; color: var(--muted); }
.card.filed { border-left-color: var(--ok); } .card.filed .card-number { color: var(--ok); }
.card.rejected { border-left-color: var(--bad); } .card.rejected .card-number { color: var(--bad); }
.card.not-filed { border-left-color: var(--none); }
.card.overdue { border-left-color: var(--bad); background: var(--bad-bg); } .card.overdue .card-number { color: var(--bad); }
.deadlines { margin: 0 0 8px; font-size: 13px; color: var(--muted); }
.legend { list-style: none; margin: 0; padding: 0; display: flex; flex-wrap: wrap; gap: 6px 18px; font-size: 13px; color: var(--muted); }
.legend .badge { margin-right: 6px; }
.badge { display: inline-block; padding: 0 8px; border-radius: 10px; font-size: 13px; line-height: 20px; white-space: nowrap; font-weight: 600; }
.badge.filed { color: var(--ok); background: var(--ok-bg); }
.badge.filed-warnings { color: var(--warn); background: var(--warn-bg); }
.badge.rejected { color: var(--bad); background: var(--bad-bg); }
.badge.not-filed { color: var(--none); background: var(--none-bg); }
.badge.overdue { color: #fff; background: var(--bad); }
section, nav.cities { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 18px 24px; margin-top: 18px; }
.note, .files, .city-status { font-size: 13px; color: var(--muted); margin: 0 0 10px; }
.city-status .ok { color: var(--ok); font-weight: 600; }
.city-status .late { color: var(--bad); font-weight: 600; }
.province-body { display: flex; flex-wrap: wrap; gap: 18px 28px; align-items: flex-start; }
figure.chart { margin: 0; flex: 0 0 auto; }
figure.chart svg { max-width: 100%; height: auto; display: block; }
figcaption { font-size: 12px; color: var(--muted); }
.swatch { display: inline-block; width: 12px; height: 12px; vertical-align: -1px; margin: 0 3px 0 10px; border-radius: 2px; }
.swatch.before { background: #b9cde6; } .swatch.year { background: #2f6fb5; } .swatch.met { background: #2e9e4f; } .swatch.short { background: #e08a1e; }
.swatch.goal { background: none; border-top: 2px dashed #b3261e; height: 0; width: 16px; vertical-align: 3px; border-radius: 0; }
svg .grid { stroke: #e6eaee; stroke-width: 1; }
svg .axis-line { stroke: #8c959f; stroke-width: 1; }
svg .axis { font-size: 11px; fill: #656d76; }
svg .label { font-size: 13px; fill: #1f2328; font-weight: 600; }
svg .sublabel { font-size: 11px; fill: #656d76; }
svg .value { font-size: 12px; fill: #1f2328; font-weight: 600; }
svg rect.before { fill: #b9cde6; } svg rect.year { fill: #2f6fb5; } svg rect.met { fill: #2e9e4f; } svg rect.short { fill: #e08a1e; }
svg .goal { stroke: #b3261e; stroke-width: 1.5; stroke-dasharray: 6 4; }
svg .goal-label { font-size: 11px; fill: #b3261e; font-weight: 600; }
table { border-collapse: collapse; font-size: 14px; }
caption { text-align: left; font-weight: 600; padding-bottom: 6px; }
th, td { border-bottom: 1px solid var(--line); padding: 6px 10px; text-align: left; vertical-align: top; }
thead th { background: var(--bg); font-weight: 600; color: var(--muted); font-size: 13px; white-space: nowrap; }
.num { text-align: right; font-variant-numeric: tabular-nums; }
table.plans { flex: 1 1 300px; }
table.plans th, table.plans td { white-space: nowrap; }
table.plans tr.aside th, table.plans tr.aside td { color: var(--muted); font-weight: 400; }
table.plans tfoot th, table.plans tfoot td { font-weight: 600; border-bottom: none; }
nav.cities ul { list-style: none; margin: 0; padding: 0; display: grid; grid-template-columns: repeat(auto-fill, minmax(300px, 1fr)); gap: 4px 18px; }
nav.cities a { display: flex; align-items: center; gap: 8px; color: var(--ink); text-decoration: none; padding: 4px 6px; border-radius: 6px; }
nav.cities a:hover { background: var(--bg); }
.city-name { flex: 0 0 4.5em; font-weight: 600; white-space: nowrap; }
.meter { flex: 0 0 70px; height: 8px; background: var(--none-bg); border-radius: 4px; overflow: hidden; }
.meter span { display: block; height: 100%; background: var(--ok); }
.city-count { font-variant-numeric: tabular-nums; color: var(--muted); font-size: 13px; min-width: 3em; }
section.city h2 .count { font-size: 14px; font-weight: 400; color: var(--muted); margin-left: 8px; }
table.counties { width: 100%; table-layout: fixed; }
col.c-name { width: 12%; } col.c-state { width: 17%; } col.c-plan { width: 10%; } col.c-schools { width: 14%; } col.c-time { width: 12%; } col.c-files { width: 35%; }
table.counties th[scope=row] { font-weight: 600; white-space: nowrap; }
table.counties tbody tr:hover { background: #fafbfc; }
tr.rejected th[scope=row] { box-shadow: inset 4px 0 0 var(--bad); }
tr.filed th[scope=row] { box-shadow: inset 4px 0 0 var(--ok); }
tr.filed-warnings th[scope=row] { box-shadow: inset 4px 0 0 #d4a72c; }
tr.not-filed th[scope=row] { box-shadow: inset 4px 0 0 var(--line); }
.code { margin-left: 6px; font-weight: 400; font-size: 12px; color: var(--muted); font-variant-numeric: tabular-nums; }
.hint { display: block; font-size: 12px; color: var(--muted); margin-top: 2px; overflow-wrap: anywhere; }
.muted { color: var(--muted); }
td.plan { white-space: nowrap; }
.time { white-space: nowrap; font-variant-numeric: tabular-nums; color: var(--muted); font-size: 13px; }
details summary { cursor: pointer; white-space: nowrap; }
ol.schools { margin: 6px 0 0; padding-left: 1.6em; font-size: 13px; }
td.links { font-size: 13px; }
.doc { display: inline-block; margin: 0 12px 2px 0; white-space: nowrap; }
a { color: var(--accent); }
.doc a { text-decoration: none; border: 1px solid #c9d6e8; border-radius: 4px; padding: 0 5px; background: #f3f7fc; }
.doc a:hover { background: #e2ecf8; }
.doc a.receipt { border-color: var(--line); background: var(--bg); color: var(--ink); }
footer { color: var(--muted); font-size: 12px; margin-top: 18px; }
@media (max-width: 760px) { .cards { grid-template-columns: repeat(2, 1fr); } main { padding: 12px; } }
@media print { html { background: #fff; } main { max-width: none; padding: 0; } header, section, nav.cities { border: none; padding: 8px 0; }
  details ol { display: none; } .doc a { border: none; background: none; padding: 0; } section.city { break-inside: avoid-page; } }
"#;

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
    Ok(Snapshot {
        state,
        submissions,
        files,
    })
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

/// Rewrites `outbox/index.html` from the archive, atomically.
pub fn write(layout: &Layout, options: &StatusOptions, today: NaiveDate) -> io::Result<()> {
    let snapshot = snapshot(layout)?;
    let generated_at = options.clock.now().format("%Y-%m-%d %H:%M:%S").to_string();
    let html = render(&snapshot, options, today, &generated_at);
    crate::archive::write_atomic(&layout.outbox.join(PAGE), html.as_bytes())
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
            at: at.into(),
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
            filed_on: Some("2019-05-20".into()),
            plan_year: plan,
            schools: schools
                .iter()
                .map(|name| School {
                    name: (*name).into(),
                    items: vec![Item {
                        shortcoming: "生均体育运动场馆面积不足".into(),
                        indicator: Some("R5".into()),
                        measure: "改造".into(),
                        deadline: Some("2020-06".into()),
                        cell: "学校整改清单!B5".into(),
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
            "杭州市/西湖区/报送函_西湖区.pdf",
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
            Some("2019-05-25T09:00:00+08:00")
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
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;.xlsx"));
        assert!(html.contains("&lt;b&gt;假学校&lt;/b&gt; &amp; 分校"));
        assert!(html.contains("生成于 2019-06-01 &lt;09:00&gt;"));
        assert_eq!(esc("a\"b'c"), "a&quot;b&#39;c");
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
            &layout.outbox.join("杭州市/西湖区/报送函_西湖区.pdf"),
            b"%PDF",
        )
        .unwrap();
        std::fs::write(layout.outbox.join("杭州市/西湖区/.x.gongwen-tmp"), b"").unwrap();
        let snap = snapshot(&layout).unwrap();
        assert_eq!(
            snap.files.iter().map(String::as_str).collect::<Vec<_>>(),
            ["回执/r.回执.txt", "杭州市/西湖区/报送函_西湖区.pdf"]
        );
        assert_eq!(snap.submissions["330106"].schools.len(), 2);
        write(&layout, &options(), day(2019, 6, 1)).unwrap();
        let html = std::fs::read_to_string(layout.outbox.join(PAGE)).unwrap();
        assert!(html.contains("2 所学校 · 2 项"));
        assert!(html.contains("已报送 <strong>1</strong> / 89"));
    }
}
