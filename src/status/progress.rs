//! The page's progress view (挂图作战): per county its items by state as a stacked bar with
//! the overdue count, per indicator across the province which ones lag, and the tile map of
//! the divisions standing on the day, shaded by the share 销号 — plus one page per county
//! listing every item with its history. Pure: ledgers and a day in, models and HTML out.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use chrono::NaiveDate;

use crate::calendar::zh_date;
use crate::domain;
use crate::render::document::TileMap;
use crate::tiles;
use crate::tracking::{Ledger, Status};

/// The folder of the county pages, in the outbox.
pub const COUNTY_PAGES: &str = "进展";

/// The states a bar shows, in its order (withdrawn items are off the list).
pub const BAR_STATES: [Status; 4] = [
    Status::NotStarted,
    Status::InProgress,
    Status::Completed,
    Status::Closed,
];

/// The CSS class of a state's part of a bar.
pub fn state_key(status: Status) -> &'static str {
    match status {
        Status::NotStarted => "not-started",
        Status::InProgress => "in-progress",
        Status::Completed => "completed",
        Status::Closed => "closed",
        Status::Withdrawn => "withdrawn",
    }
}

/// The county page's path relative to the outbox (`进展/西湖区.html`).
pub fn county_page_path(county_name: &str) -> String {
    format!("{COUNTY_PAGES}/{county_name}.html")
}

/// One county's figures.
#[derive(Debug, Clone, PartialEq)]
pub struct CountyProgress {
    pub name: String,
    pub code: String,
    pub city: String,
    /// Per [`BAR_STATES`].
    pub counts: [usize; 4],
    pub total: usize,
    /// Items past their deadline and not 销号.
    pub overdue: usize,
    /// Link to its page, percent-encoded.
    pub link: String,
}

impl CountyProgress {
    pub fn closed_share(&self) -> f64 {
        share(self.counts[3], self.total)
    }
}

/// One indicator's figures across the province.
#[derive(Debug, Clone, PartialEq)]
pub struct IndicatorProgress {
    /// R1…Q9, or empty for items with no indicator.
    pub code: String,
    pub name: String,
    pub items: usize,
    pub closed: usize,
    pub overdue: usize,
}

impl IndicatorProgress {
    pub fn closed_share(&self) -> f64 {
        share(self.closed, self.items)
    }
}

/// Everything the progress view shows.
#[derive(Debug, Clone)]
pub struct Progress {
    pub as_of: NaiveDate,
    /// Counties with a ledger, in registry order.
    pub counties: Vec<CountyProgress>,
    /// Lagging first: the lowest share 销号, then the most overdue.
    pub indicators: Vec<IndicatorProgress>,
    /// Province totals per [`BAR_STATES`], and overdue.
    pub counts: [usize; 4],
    pub overdue: usize,
    /// Divisions standing on the day without a list.
    pub without_list: usize,
    pub map: TileMap,
}

/// The view as of `as_of`; `None` when no county has a ledger yet (the page stays as it was).
pub fn progress(ledgers: &BTreeMap<String, Ledger>, as_of: NaiveDate) -> Option<Progress> {
    if ledgers.is_empty() {
        return None;
    }
    let registry = domain::registry();
    let rank = |code: &str| {
        registry
            .divisions
            .iter()
            .position(|d| d.code == code)
            .unwrap_or(usize::MAX)
    };
    let mut ordered: Vec<&Ledger> = ledgers.values().collect();
    ordered.sort_by_key(|l| (rank(&l.county.code), l.county.code.clone()));
    let mut counties = Vec::new();
    let mut by_indicator: BTreeMap<String, IndicatorProgress> = BTreeMap::new();
    for ledger in ordered {
        let mut counts = [0; 4];
        let mut overdue = 0;
        for item in ledger.current() {
            if let Some(i) = BAR_STATES.iter().position(|s| *s == item.status) {
                counts[i] += 1;
            }
            let late = item.overdue_days(as_of).is_some();
            overdue += usize::from(late);
            let code = item.indicator.clone().unwrap_or_default();
            let entry = by_indicator
                .entry(code.clone())
                .or_insert_with(|| IndicatorProgress {
                    name: registry
                        .indicator(&code)
                        .map_or_else(|| "未标明指标".to_owned(), |i| i.short.clone()),
                    code,
                    items: 0,
                    closed: 0,
                    overdue: 0,
                });
            entry.items += 1;
            entry.closed += usize::from(item.status == Status::Closed);
            entry.overdue += usize::from(late);
        }
        counties.push(CountyProgress {
            name: ledger.county.name.clone(),
            code: ledger.county.code.clone(),
            city: ledger.county.city.clone(),
            counts,
            total: counts.iter().sum(),
            overdue,
            link: super::href(&county_page_path(&ledger.county.name)),
        });
    }
    let mut indicators: Vec<IndicatorProgress> = by_indicator.into_values().collect();
    let order = |code: &str| {
        registry
            .indicators
            .iter()
            .position(|i| i.code == code)
            .unwrap_or(usize::MAX)
    };
    indicators.sort_by(|a, b| {
        a.closed_share()
            .total_cmp(&b.closed_share())
            .then(b.overdue.cmp(&a.overdue))
            .then(b.items.cmp(&a.items))
            .then(order(&a.code).cmp(&order(&b.code)))
    });
    let mut counts = [0; 4];
    for c in &counties {
        for (sum, n) in counts.iter_mut().zip(c.counts) {
            *sum += n;
        }
    }
    let map = tiles::progress_map(ledgers, as_of);
    Some(Progress {
        as_of,
        overdue: counties.iter().map(|c| c.overdue).sum(),
        without_list: map.tiles.iter().filter(|t| t.level.is_none()).count(),
        counties,
        indicators,
        counts,
        map,
    })
}

fn share(part: usize, total: usize) -> f64 {
    if total == 0 {
        0.0
    } else {
        100.0 * part as f64 / total as f64
    }
}

// ---------------------------------------------------------------------------------------
// The views the template walks

/// One part of a stacked bar.
pub(super) struct Segment {
    pub class: &'static str,
    pub label: &'static str,
    pub count: usize,
    /// Width in per cent of the bar, one decimal.
    pub width: String,
}

/// A county's row: its bar and figures.
pub(super) struct BarRow {
    pub county: CountyProgress,
    pub segments: Vec<Segment>,
    pub closed: String,
}

pub(super) fn bar_rows(p: &Progress) -> Vec<BarRow> {
    p.counties
        .iter()
        .map(|c| BarRow {
            segments: segments(&c.counts),
            closed: super::percent(c.closed_share()),
            county: c.clone(),
        })
        .collect()
}

/// The parts of a bar, one per state (zero counts included, drawn zero wide, so the counts
/// line up under the legend).
pub(super) fn segments(counts: &[usize; 4]) -> Vec<Segment> {
    let total: usize = counts.iter().sum();
    BAR_STATES
        .iter()
        .zip(counts)
        .map(|(status, &count)| Segment {
            class: state_key(*status),
            label: status.label(),
            count,
            width: format!("{:.1}", share(count, total)),
        })
        .collect()
}

/// An indicator's row.
pub(super) struct IndicatorRow {
    pub code: String,
    pub name: String,
    pub items: usize,
    pub closed: usize,
    pub share: String,
    /// The share as the meter's width.
    pub meter: String,
    pub overdue: usize,
}

pub(super) fn indicator_rows(p: &Progress) -> Vec<IndicatorRow> {
    p.indicators
        .iter()
        .map(|i| IndicatorRow {
            code: i.code.clone(),
            name: i.name.clone(),
            items: i.items,
            closed: i.closed,
            share: super::percent(i.closed_share()),
            meter: format!("{:.0}", i.closed_share()),
            overdue: i.overdue,
        })
        .collect()
}

/// The tile map as SVG pieces, every coordinate formatted.
pub(super) struct MapView {
    pub width: String,
    pub height: String,
    pub desc: String,
    pub tiles: Vec<TileView>,
    /// City outlines: one path of all edges between cities or facing the sea.
    pub outline: String,
    pub legend: Vec<LegendKey>,
    pub legend_y: String,
    pub caption: String,
    pub title: String,
}

pub(super) struct TileView {
    pub x: String,
    pub y: String,
    pub size: String,
    pub class: String,
    pub cx: String,
    pub label_y: String,
    pub value_y: String,
    pub label: String,
    pub value: String,
    pub county: String,
    pub city: String,
    /// The county page, when the county has a ledger.
    pub link: Option<String>,
    pub ink: &'static str,
    /// For a tile without a list: diagonals over its grey, under its label (a path, not a
    /// pattern fill, so the page holds no `url(` reference at all).
    pub hatch: Option<String>,
}

pub(super) struct LegendKey {
    pub x: String,
    pub text_x: String,
    pub class: String,
    pub label: String,
}

const TILE: f64 = 50.0;
const GAP: f64 = 2.0;
const PAD: f64 = 4.0;

/// The fill class of a tile: `s0`…`s4` by level, `none` without a list.
pub fn fill_class(level: Option<usize>) -> String {
    level.map_or_else(|| "none".to_owned(), |l| format!("s{l}"))
}

pub(super) fn map_view(p: &Progress) -> MapView {
    let map = &p.map;
    let pitch = TILE + GAP;
    let registry = domain::registry();
    let links: BTreeMap<&str, &str> = p
        .counties
        .iter()
        .map(|c| (c.code.as_str(), c.link.as_str()))
        .collect();
    let origin = |v: u32| PAD + f64::from(v) * pitch;
    let mut views = Vec::new();
    for tile in &map.tiles {
        let county = registry
            .divisions
            .iter()
            .find(|d| d.code == tile.key)
            .map_or_else(|| tile.label.clone(), |d| d.name.clone());
        let (x, y) = (origin(tile.col), origin(tile.row));
        let hatch = tile.level.is_none().then(|| {
            // Diagonals every 8 px, clipped to the square.
            let mut hatch = String::new();
            let mut d = 8.0;
            while d < 2.0 * TILE {
                let (x0, y0) = (x + (d - TILE).max(0.0), y + d.min(TILE));
                let (x1, y1) = (x + d.min(TILE), y + (d - TILE).max(0.0));
                let _ = write!(hatch, "M{x0:.1} {y0:.1}L{x1:.1} {y1:.1}");
                d += 8.0;
            }
            hatch
        });
        let ink = match tile.level {
            Some(l) if l >= 3 => "light",
            _ => "dark",
        };
        views.push(TileView {
            x: coord(x),
            y: coord(y),
            size: coord(TILE),
            class: fill_class(tile.level),
            cx: coord(x + TILE / 2.0),
            label_y: coord(y + if tile.value.is_empty() { 30.0 } else { 23.0 }),
            value_y: coord(y + 39.0),
            label: tile.label.clone(),
            value: tile.value.clone(),
            county,
            city: tile.group.clone(),
            link: links.get(tile.key.as_str()).map(|l| (*l).to_owned()),
            ink,
            hatch,
        });
    }
    // Edges between tiles of two cities, or of a tile and the sea, outline the cities.
    let at = |col: i64, row: i64| {
        map.tiles
            .iter()
            .find(|t| i64::from(t.col) == col && i64::from(t.row) == row)
    };
    let mut outline = String::new();
    for tile in &map.tiles {
        let (col, row) = (i64::from(tile.col), i64::from(tile.row));
        let (x, y) = (origin(tile.col) - GAP / 2.0, origin(tile.row) - GAP / 2.0);
        let s = pitch;
        for (dc, dr, x0, y0, x1, y1) in [
            (0, -1, x, y, x + s, y),
            (0, 1, x, y + s, x + s, y + s),
            (-1, 0, x, y, x, y + s),
            (1, 0, x + s, y, x + s, y + s),
        ] {
            let same = at(col + dc, row + dr).is_some_and(|n| n.group == tile.group);
            if !same {
                let _ = write!(outline, "M{x0:.1} {y0:.1}L{x1:.1} {y1:.1}");
            }
        }
    }
    let width = PAD * 2.0 + f64::from(map.columns) * pitch;
    let grid_height = PAD * 2.0 + f64::from(map.rows) * pitch;
    let legend_y = grid_height + 8.0;
    let legend = map
        .levels
        .iter()
        .enumerate()
        .map(|(i, l)| (fill_class(Some(i)), l.label.clone()))
        .chain(std::iter::once((fill_class(None), map.no_data.clone())))
        .enumerate()
        .map(|(i, (class, label))| {
            let x = PAD + i as f64 * 112.0;
            LegendKey {
                x: coord(x),
                text_x: coord(x + 22.0),
                class,
                label,
            }
        })
        .collect();
    let shaded = map.tiles.iter().filter(|t| t.level.is_some()).count();
    MapView {
        width: coord(width),
        height: coord(legend_y + 26.0),
        desc: format!(
            "{}个县（市、区）中{}个已有整改清单，按已销号事项的比例着色；{}个尚无清单，灰色斜线。",
            map.tiles.len(),
            shaded,
            map.tiles.len() - shaded
        ),
        tiles: views,
        outline,
        legend,
        legend_y: coord(legend_y),
        caption: map.caption.clone(),
        title: map.title.clone(),
    }
}

fn coord(v: f64) -> String {
    format!("{v:.1}")
}

// ---------------------------------------------------------------------------------------
// The county page

/// One item of the county page.
pub(super) struct ItemView {
    pub id: String,
    pub owner: String,
    pub shortcoming: String,
    pub indicator: String,
    pub measure: String,
    pub deadline: String,
    pub status: &'static str,
    pub class: &'static str,
    pub overdue: Option<i64>,
    pub completion: String,
    pub remark: Option<String>,
    pub history: Vec<HistoryLine>,
}

pub(super) struct HistoryLine {
    pub on: String,
    pub change: String,
    pub file: String,
}

#[derive(askama::Template)]
#[template(path = "../src/status/county.html")]
pub(super) struct CountyPage<'a> {
    pub css: &'static str,
    pub ledger: &'a Ledger,
    pub as_of: String,
    pub segments: Vec<Segment>,
    pub total: usize,
    pub overdue: usize,
    pub withdrawn: usize,
    pub items: Vec<ItemView>,
}

/// A county's page: every item (withdrawn ones last) with its state, days overdue as of
/// `as_of`, and its history, each change with its date and file.
pub fn county_page(ledger: &Ledger, as_of: NaiveDate) -> String {
    use askama::Template as _;
    let registry = domain::registry();
    let mut counts = [0; 4];
    for item in ledger.current() {
        if let Some(i) = BAR_STATES.iter().position(|s| *s == item.status) {
            counts[i] += 1;
        }
    }
    let mut ordered: Vec<_> = ledger.items.iter().collect();
    ordered.sort_by_key(|i| (i.status == Status::Withdrawn, i.id.clone()));
    let items: Vec<ItemView> = ordered
        .into_iter()
        .map(|item| ItemView {
            id: item.id.to_string(),
            owner: item.owner().to_owned(),
            shortcoming: item.shortcoming.clone(),
            indicator: item
                .indicator
                .as_deref()
                .map(|code| match registry.indicator(code) {
                    Some(i) => format!("{code} {}", i.short),
                    None => code.to_owned(),
                })
                .unwrap_or_default(),
            measure: item.measure.clone(),
            deadline: item.deadline.map(|d| d.to_string()).unwrap_or_default(),
            status: item.status.label(),
            class: state_key(item.status),
            overdue: item.overdue_days(as_of),
            completion: item.completion.clone(),
            remark: item.returned_remark.clone().filter(|r| !r.is_empty()),
            history: item
                .history
                .iter()
                .map(|e| HistoryLine {
                    on: e.on.to_string(),
                    change: e.change.describe_zh(),
                    file: e.source.file.clone(),
                })
                .collect(),
        })
        .collect();
    let page = CountyPage {
        css: super::CSS,
        ledger,
        as_of: zh_date(as_of),
        segments: segments(&counts),
        total: counts.iter().sum(),
        overdue: items.iter().filter(|i| i.overdue.is_some()).count(),
        withdrawn: ledger.items.len() - ledger.current().count(),
        items,
    };
    page.render()
        .unwrap_or_else(|err| format!("<!DOCTYPE html>\n<p>{err}</p>\n"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tracking::{ProgressRow, ReviewRow, SourceRef, Verdict};

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    /// 西湖区 with three items: one 销号, one reported done and one not started (both due
    /// 2019-12).
    pub(crate) fn ledger() -> Ledger {
        use crate::model::{CountyRef, Item, School, Source, Submission};
        let d = domain::registry()
            .divisions
            .iter()
            .find(|d| d.name == "西湖区")
            .unwrap();
        let item = |s: &str, ind: &str, deadline: &str| Item {
            shortcoming: s.into(),
            indicator: Some(ind.into()),
            measure: "改造".into(),
            deadline: deadline.parse().ok(),
            cell: crate::diag::Location::parse("学校整改清单!B5").unwrap(),
            id: None,
        };
        let sub = Submission {
            schema: crate::model::SUBMISSION_SCHEMA.into(),
            source: Source {
                file: "西湖区.xlsx".into(),
                sha256: "l1".into(),
            },
            county: Some(CountyRef {
                name: d.name.clone(),
                code: d.code.clone(),
                city: d.city.clone(),
                city_code: d.city_code.clone(),
            }),
            filed_on: Some(day(2019, 5, 20)),
            plan_year: None,
            schools: vec![School {
                name: "<b>文三街小学</b>".into(),
                items: vec![
                    item("运动场馆不足", "R3", "2019-12"),
                    item("音乐教室不足", "R2", "2019-12"),
                    item("教师不足", "R1", "2020-06"),
                ],
            }],
            county_items: Vec::new(),
            diagnostics: Vec::new(),
        };
        let mut ledger = Ledger::new(sub.county.clone().unwrap());
        let ids = ledger.apply_list(&sub, day(2019, 5, 20)).ids;
        let report = SourceRef {
            file: "整改进展表_西湖区.xlsx".into(),
            sha256: "p1".into(),
        };
        let done = |id: &crate::tracking::ItemId| ProgressRow {
            id: id.clone(),
            status: Status::Completed,
            completed_in: "2019-09".parse().ok(),
            completion: "已完成".into(),
            evidence: String::new(),
        };
        ledger
            .apply_progress(&[done(&ids[0]), done(&ids[1])], &report, day(2019, 10, 8))
            .unwrap();
        let review = SourceRef {
            file: "整改进展汇总_杭州市.xlsx".into(),
            sha256: "v1".into(),
        };
        ledger
            .apply_review(
                &[ReviewRow {
                    id: ids[0].clone(),
                    verdict: Verdict::Agree,
                    remark: String::new(),
                }],
                &review,
                day(2019, 10, 20),
            )
            .unwrap();
        ledger
    }

    #[test]
    fn counts_overdue_and_lagging_indicators() {
        let mut ledgers = BTreeMap::new();
        ledgers.insert("330106".to_owned(), ledger());
        assert!(progress(&BTreeMap::new(), day(2020, 1, 10)).is_none());
        let p = progress(&ledgers, day(2020, 1, 10)).unwrap();
        let c = &p.counties[0];
        assert_eq!(c.counts, [1, 0, 1, 1]);
        // R2 (reported done, not 销号) is past 2019-12; R1 due 2020-06 is not.
        assert_eq!(c.overdue, 1);
        assert_eq!(
            c.link,
            "%E8%BF%9B%E5%B1%95/%E8%A5%BF%E6%B9%96%E5%8C%BA.html"
        );
        let order: Vec<&str> = p.indicators.iter().map(|i| i.code.as_str()).collect();
        // R2 and R1 close nothing; R2 is overdue so it leads; R3 is all 销号.
        assert_eq!(order, ["R2", "R1", "R3"]);
        assert_eq!(p.without_list, 89);
        let tile = p.map.tiles.iter().find(|t| t.label == "西湖").unwrap();
        assert_eq!((tile.level, tile.value.as_str()), (Some(1), "33%"));
        let view = map_view(&p);
        assert_eq!(view.tiles.len(), 90);
        assert_eq!(view.tiles.iter().filter(|t| t.link.is_some()).count(), 1);
        assert!(!view.outline.is_empty());
        assert_eq!(view.tiles.iter().filter(|t| t.hatch.is_some()).count(), 89);
    }

    #[test]
    fn the_county_page_shows_each_items_history_escaped() {
        let html = county_page(&ledger(), day(2020, 1, 10));
        assert!(html.contains("330106-001"));
        assert!(html.contains("设区市核查同意销号"));
        assert!(html.contains("整改进展汇总_杭州市.xlsx"));
        assert!(html.contains("进展由未启动改为已完成"));
        assert!(html.contains("&#60;b&#62;文三街小学&#60;/b&#62;"));
        assert!(!html.contains("<b>文三街"));
        assert!(html.contains("逾期 10 天"));
        assert!(!html.contains("<script"));
    }
}
