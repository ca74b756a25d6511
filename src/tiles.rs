//! 挂图: where each county-level division sits on a tile map of Zhejiang
//! (`data/county_tiles.csv`, compiled in), and the map of a day's progress — a square per
//! division standing that day, shaded by the share of its items 销号. The status page draws
//! it as SVG and the province summary as a [`Block::TileMap`](crate::render::document::Block),
//! both from [`progress_map`], so they show the same thing.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use chrono::NaiveDate;
use serde::Deserialize;

use crate::domain::{self, Division};
use crate::render::document::{MapTile, ShadeLevel, TileMap};
use crate::tracking::{Ledger, Status};

const TILES_CSV: &str = include_str!("../data/county_tiles.csv");

/// One division's square: column and row on the grid, north at row 0, west at column 0.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Tile {
    pub city: String,
    pub county: String,
    pub county_code: String,
    pub col: u32,
    pub row: u32,
}

static TILES: LazyLock<Vec<Tile>> = LazyLock::new(|| {
    csv::Reader::from_reader(TILES_CSV.as_bytes())
        .deserialize()
        .collect::<Result<_, _>>()
        // Compiled in and covered by tests: a parse failure is a build defect.
        .unwrap_or_else(|err| panic!("embedded data/county_tiles.csv is malformed: {err}"))
});

/// Every tile of the file, in its order (the registry's).
pub fn tiles() -> &'static [Tile] {
    &TILES
}

/// The tile of a division, by its code.
pub fn tile_of(county_code: &str) -> Option<&'static Tile> {
    tiles().iter().find(|t| t.county_code == county_code)
}

/// The divisions standing on `date` with their tiles, in registry order. A division without a
/// tile (the tests forbid it) is left off the map rather than drawn at a guessed place.
pub fn standing_on(date: NaiveDate) -> Vec<(&'static Division, &'static Tile)> {
    domain::registry()
        .counties_on(date)
        .into_iter()
        .filter_map(|d| tile_of(&d.code).map(|t| (d, t)))
        .collect()
}

/// The scale of [`progress_map`]: five steps of 20 % of items 销号, light to dark green (the
/// `ColorBrewer` "Greens" sequence, legible in grey print as well).
pub const SHADES: [(&str, &str, &str); 5] = [
    ("0–20%", "#edf8e9", "#1f2328"),
    ("20–40%", "#bae4b3", "#1f2328"),
    ("40–60%", "#74c476", "#1f2328"),
    ("60–80%", "#31a354", "#ffffff"),
    ("80–100%", "#006d2c", "#ffffff"),
];

/// The step of a share in per cent (0–100).
pub fn shade_level(share: f64) -> usize {
    ((share / 20.0).floor() as usize).min(SHADES.len() - 1)
}

/// One division's figures on the map.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Closure {
    /// Items on the list (withdrawn ones not counted).
    pub items: usize,
    /// Of them 销号.
    pub closed: usize,
}

impl Closure {
    pub fn of(ledger: &Ledger) -> Closure {
        let counts = ledger.counts();
        Closure {
            items: counts.values().sum(),
            closed: counts.get(&Status::Closed).copied().unwrap_or(0),
        }
    }

    /// The share 销号 in per cent; `None` without items.
    pub fn share(&self) -> Option<f64> {
        (self.items > 0).then(|| 100.0 * self.closed as f64 / self.items as f64)
    }
}

/// The map of `as_of`: the divisions standing that day, each shaded by the share of its
/// items 销号 (ledgers by county code); a division without items is hatched grey.
pub fn progress_map(ledgers: &BTreeMap<String, Ledger>, as_of: NaiveDate) -> TileMap {
    let standing = standing_on(as_of);
    let min_col = standing.iter().map(|(_, t)| t.col).min().unwrap_or(0);
    let min_row = standing.iter().map(|(_, t)| t.row).min().unwrap_or(0);
    let tiles: Vec<MapTile> = standing
        .iter()
        .map(|(division, tile)| {
            let closure = ledgers.get(&division.code).map(Closure::of);
            let share = closure.and_then(|c| c.share());
            MapTile {
                key: division.code.clone(),
                col: tile.col - min_col,
                row: tile.row - min_row,
                label: division.short_name().to_owned(),
                value: share.map(|s| format!("{s:.0}%")).unwrap_or_default(),
                group: division.city.clone(),
                level: share.map(shade_level),
            }
        })
        .collect();
    TileMap {
        title: "各县（市、区）整改事项销号进度".to_owned(),
        columns: tiles.iter().map(|t| t.col + 1).max().unwrap_or(0),
        rows: tiles.iter().map(|t| t.row + 1).max().unwrap_or(0),
        tiles,
        levels: SHADES
            .iter()
            .map(|(label, fill, ink)| ShadeLevel {
                label: (*label).to_owned(),
                fill: (*fill).to_owned(),
                ink: (*ink).to_owned(),
            })
            .collect(),
        no_data: "尚无整改清单".to_owned(),
        caption: format!(
            "颜色表示已销号事项占整改事项的比例；截至{}，{}个县（市、区）按当日行政区划列出。",
            crate::calendar::zh_date(as_of),
            standing.len()
        ),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeSet, HashMap};

    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    /// The days the map is drawn for in practice: the notice, the default reference date,
    /// each change of the registry, and later.
    fn days() -> Vec<NaiveDate> {
        vec![
            day(2019, 5, 20),
            crate::rollup::reference_date(&crate::config::Deadlines::default()),
            day(2019, 8, 16),
            day(2021, 4, 8),
            day(2021, 4, 9),
            day(2026, 12, 1),
        ]
    }

    #[test]
    fn every_division_of_the_registry_has_one_tile_and_no_cell_holds_two() {
        let registry = domain::registry();
        assert_eq!(tiles().len(), registry.divisions.len());
        for d in &registry.divisions {
            let found: Vec<_> = tiles().iter().filter(|t| t.county_code == d.code).collect();
            assert_eq!(found.len(), 1, "{} has {} tiles", d.name, found.len());
            assert_eq!((&found[0].county, &found[0].city), (&d.name, &d.city));
        }
        let mut cells = BTreeSet::new();
        for t in tiles() {
            assert!(
                cells.insert((t.col, t.row)),
                "two tiles at {},{}",
                t.col,
                t.row
            );
        }
    }

    #[test]
    fn the_divisions_standing_on_each_day_are_all_on_the_map() {
        for date in days() {
            let on_map = standing_on(date);
            assert_eq!(
                on_map.len(),
                domain::registry().counties_on(date).len(),
                "{date}"
            );
        }
        assert_eq!(standing_on(day(2019, 5, 20)).len(), 89);
        assert_eq!(standing_on(day(2026, 12, 1)).len(), 90);
    }

    /// Each city's tiles touch edge to edge on every day: a city is one patch, not islands.
    #[test]
    fn each_citys_tiles_are_contiguous_on_every_day() {
        for date in days() {
            let standing = standing_on(date);
            let mut by_city: HashMap<&str, Vec<(u32, u32)>> = HashMap::new();
            for (d, t) in &standing {
                by_city.entry(&d.city).or_default().push((t.col, t.row));
            }
            for (city, cells) in by_city {
                // Flood fill from the first cell.
                let mut seen = vec![cells[0]];
                let mut frontier = vec![cells[0]];
                while let Some((c, r)) = frontier.pop() {
                    for next in &cells {
                        let touches = c.abs_diff(next.0) + r.abs_diff(next.1) == 1;
                        if touches && !seen.contains(next) {
                            seen.push(*next);
                            frontier.push(*next);
                        }
                    }
                }
                assert_eq!(seen.len(), cells.len(), "{city} falls apart on {date}");
            }
        }
    }

    /// North at the top, east to the right: a few divisions whose places anyone would know.
    #[test]
    fn the_map_keeps_the_provinces_shape() {
        let at = |name: &str| {
            let t = tiles().iter().find(|t| t.county == name).unwrap();
            (t.col, t.row)
        };
        // 湖州 and 嘉兴 in the north, 温州 and 丽水 in the south.
        assert!(at("长兴县").1 < at("西湖区").1);
        assert!(at("嘉善县").1 < at("鹿城区").1);
        assert!(at("庆元县").1 > at("西湖区").1);
        // 舟山 east of 宁波, 宁波 east of 绍兴, 衢州 west of 金华.
        assert!(at("普陀区").0 > at("北仑区").0);
        assert!(at("鄞州区").0 > at("越城区").0);
        assert!(at("柯城区").0 < at("婺城区").0);
    }

    #[test]
    fn the_map_shades_by_the_share_closed_and_hatches_the_counties_without_a_list() {
        assert_eq!(shade_level(0.0), 0);
        assert_eq!(shade_level(19.9), 0);
        assert_eq!(shade_level(20.0), 1);
        assert_eq!(shade_level(100.0), 4);
        let map = progress_map(&BTreeMap::new(), day(2019, 5, 20));
        assert_eq!(map.tiles.len(), 89);
        assert!(
            map.tiles
                .iter()
                .all(|t| t.level.is_none() && t.value.is_empty())
        );
        assert!(map.tiles.iter().any(|t| t.col == 0));
        assert!(map.tiles.iter().any(|t| t.row == 0));
        assert!(
            map.tiles
                .iter()
                .all(|t| t.col < map.columns && t.row < map.rows)
        );
        assert!(map.tiles.iter().any(|t| t.label == "景宁"));
    }
}
