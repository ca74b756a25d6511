//! The facts gongwen checks filings against, embedded from the data files in `data/`:
//! the 31 indicators of 《县域义务教育优质均衡发展督导评估办法》 and Zhejiang's cities and
//! county-level divisions with the dates each stood. They are data, not code, so a bureau can
//! read and correct them (`data/README.md` says where each fact came from).

use std::sync::LazyLock;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::model::CountyRef;

const INDICATORS_CSV: &str = include_str!("../data/indicators.csv");
const DIVISIONS_CSV: &str = include_str!("../data/zhejiang_divisions.csv");
const HEADER_WORDS_CSV: &str = include_str!("../data/header_words.csv");

/// Who must meet an indicator, and so which list (附件1 or 附件2) carries it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    School,
    County,
    Both,
}

impl Level {
    /// Whether an item of this level belongs on the list of `list`.
    pub fn fits(self, list: Level) -> bool {
        self == Level::Both || list == Level::Both || self == list
    }
}

/// One of the 31 indicators.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Indicator {
    pub code: String,
    pub group: String,
    pub level: Level,
    /// A short name for drop-downs and tables.
    pub short: String,
    pub requirement: String,
    /// 小学 threshold, where the indicator has one.
    pub primary: Option<f64>,
    /// 初中 threshold, where the indicator has one.
    pub junior: Option<f64>,
    pub unit: Option<String>,
    #[serde(deserialize_with = "split_keywords")]
    pub keywords: Vec<String>,
}

fn split_keywords<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    let text = String::deserialize(d)?;
    Ok(text
        .split('|')
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .map(str::to_owned)
        .collect())
}

/// A county-level division and the dates it stood.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Division {
    pub city: String,
    pub city_code: String,
    #[serde(rename = "county")]
    pub name: String,
    #[serde(rename = "county_code")]
    pub code: String,
    pub kind: String,
    /// First day the division stood; `None` for "before 2019".
    pub valid_from: Option<NaiveDate>,
    /// First day it no longer stood; `None` for "still stands".
    pub valid_to: Option<NaiveDate>,
    pub note: Option<String>,
}

impl Division {
    /// Whether the division stood on `date`.
    pub fn valid_on(&self, date: NaiveDate) -> bool {
        self.valid_from.is_none_or(|from| date >= from) && self.valid_to.is_none_or(|to| date < to)
    }

    pub fn to_ref(&self) -> CountyRef {
        CountyRef {
            name: self.name.clone(),
            code: self.code.clone(),
            city: self.city.clone(),
            city_code: self.city_code.clone(),
        }
    }

    /// The name without its 区/县/市 suffix, as clerks sometimes write it (西湖, 景宁).
    pub fn short_name(&self) -> &str {
        for suffix in ["畲族自治县", "自治县", "区", "县", "市"] {
            if let Some(stem) = self.name.strip_suffix(suffix)
                && stem.chars().count() >= 2
            {
                return stem;
            }
        }
        &self.name
    }
}

/// The outcome of looking a county name up.
#[derive(Debug, Clone, Copy)]
pub enum CountyMatch<'a> {
    /// The name as the registry has it, with or without its city in front.
    Exact(&'a Division),
    /// The name without its 区/县/市 suffix: accepted, with a warning.
    WithoutSuffix(&'a Division),
    NotFound,
}

/// Both tables, parsed once.
pub struct Registry {
    pub indicators: Vec<Indicator>,
    pub divisions: Vec<Division>,
}

static REGISTRY: LazyLock<Registry> = LazyLock::new(|| Registry {
    indicators: parse_csv(INDICATORS_CSV, "data/indicators.csv"),
    divisions: parse_csv(DIVISIONS_CSV, "data/zhejiang_divisions.csv"),
});

fn parse_csv<T: serde::de::DeserializeOwned>(text: &str, name: &str) -> Vec<T> {
    csv::Reader::from_reader(text.as_bytes())
        .deserialize()
        .collect::<Result<_, _>>()
        // The files are compiled in and covered by tests: a parse failure is a build defect.
        .unwrap_or_else(|err| panic!("embedded {name} is malformed: {err}"))
}

/// The embedded registry.
pub fn registry() -> &'static Registry {
    &REGISTRY
}

/// What a group of header words names (`data/header_words.csv`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HeaderGroup {
    School,
    Shortcoming,
    Measure,
    Deadline,
    Indicator,
    Serial,
    /// Columns that are not the notice's (责任单位, 备注…): named so a word such as 单位 inside
    /// them does not make them a school column.
    Other,
    /// Words that start a totals row (合计, 小计…), not a header.
    Totals,
}

/// The words clerks write for one group, as data so a new wording is a line in a file.
#[derive(Debug, Clone, Deserialize)]
pub struct HeaderWords {
    pub group: HeaderGroup,
    /// `|`-separated.
    words: String,
}

impl HeaderWords {
    pub fn words(&self) -> impl Iterator<Item = &str> {
        self.words.split('|').filter(|w| !w.is_empty())
    }
}

static HEADER_WORDS: LazyLock<Vec<HeaderWords>> =
    LazyLock::new(|| parse_csv(HEADER_WORDS_CSV, "data/header_words.csv"));

/// Every group of header words, in file order.
pub fn header_words() -> &'static [HeaderWords] {
    &HEADER_WORDS
}

/// Strips whitespace of every kind (full-width spaces and line breaks included).
pub fn squeeze(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

impl Registry {
    pub fn indicator(&self, code: &str) -> Option<&Indicator> {
        self.indicators.iter().find(|i| i.code == code)
    }

    /// The cities, in registry order (the official order of their codes).
    pub fn cities(&self) -> Vec<(&str, &str)> {
        let mut cities: Vec<(&str, &str)> = Vec::new();
        for d in &self.divisions {
            if !cities.iter().any(|(name, _)| *name == d.city) {
                cities.push((&d.city, &d.city_code));
            }
        }
        cities
    }

    /// Resolves a city written as 杭州市 or 杭州.
    pub fn city(&self, text: &str) -> Option<(&str, &str)> {
        let text = squeeze(text);
        let text = text.strip_prefix("浙江省").unwrap_or(&text);
        self.cities().into_iter().find(|(name, _)| {
            *name == text || name.strip_suffix('市').is_some_and(|stem| stem == text)
        })
    }

    /// Divisions of a city that stood on `date`.
    pub fn counties_of(&self, city: &str, date: NaiveDate) -> Vec<&Division> {
        self.divisions
            .iter()
            .filter(|d| d.city == city && d.valid_on(date))
            .collect()
    }

    /// Every division that stood on `date`.
    pub fn counties_on(&self, date: NaiveDate) -> Vec<&Division> {
        self.divisions.iter().filter(|d| d.valid_on(date)).collect()
    }

    /// Looks a county name up: 西湖区, 杭州市西湖区 and 浙江省杭州市西湖区 exactly; 西湖 without
    /// its suffix. A city written in front narrows the search and must contain the county.
    /// When two divisions share a name over time, the one standing on `on` wins.
    pub fn county<'a>(&'a self, text: &str, on: Option<NaiveDate>) -> CountyMatch<'a> {
        let text = squeeze(text);
        let text = text.strip_prefix("浙江省").unwrap_or(&text);
        let (city, name) = self.split_city_prefix(text);
        let in_city = |d: &&Division| city.is_none_or(|c| d.city == c);
        let day = on.unwrap_or_else(reference_date);
        let prefer_valid = |found: Vec<&'a Division>| -> Option<&'a Division> {
            found
                .iter()
                .find(|d| d.valid_on(day))
                .or(found.first())
                .copied()
        };
        let exact: Vec<_> = self
            .divisions
            .iter()
            .filter(in_city)
            .filter(|d| d.name == name)
            .collect();
        if let Some(d) = prefer_valid(exact) {
            return CountyMatch::Exact(d);
        }
        let short: Vec<_> = self
            .divisions
            .iter()
            .filter(in_city)
            .filter(|d| d.short_name() == name)
            .collect();
        match prefer_valid(short) {
            Some(d) => CountyMatch::WithoutSuffix(d),
            None => CountyMatch::NotFound,
        }
    }

    /// Splits a leading city (杭州市 or 杭州) off a county name, when what follows is not empty.
    fn split_city_prefix<'t>(&self, text: &'t str) -> (Option<&str>, &'t str) {
        for (city, _) in self.cities() {
            let stem = city.trim_end_matches('市');
            for prefix in [city, stem] {
                if let Some(rest) = text.strip_prefix(prefix)
                    && !rest.is_empty()
                    // 温州 is a city; 温州市 alone is not a county: keep what is left a name.
                    && rest.chars().count() >= 2
                {
                    return (Some(city), rest);
                }
            }
        }
        (None, text)
    }

    /// Matches a shortcoming's wording to an indicator. An explicit code (R5, G10) wins; then the
    /// longest keyword found, then the most keyword text found, then an indicator that fits
    /// `list`, then the official order.
    pub fn match_indicator(&self, text: &str, list: Level) -> Option<&Indicator> {
        if let Some(code) = explicit_code(text)
            && let Some(found) = self.indicator(&code)
        {
            return Some(found);
        }
        let text = squeeze(text);
        self.indicators
            .iter()
            .enumerate()
            .filter_map(|(order, ind)| {
                let hits: Vec<usize> = ind
                    .keywords
                    .iter()
                    .filter(|k| text.contains(k.as_str()))
                    .map(|k| k.chars().count())
                    .collect();
                let longest = *hits.iter().max()?;
                let total: usize = hits.iter().sum();
                let fits = ind.level.fits(list);
                Some(((longest, total, fits, std::cmp::Reverse(order)), ind))
            })
            .max_by_key(|(score, _)| *score)
            .map(|(_, ind)| ind)
    }
}

/// An indicator code written in the text, such as `R5` or `（G10）`, not part of a longer word.
fn explicit_code(text: &str) -> Option<String> {
    let chars: Vec<char> = text.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if !matches!(c, 'R' | 'G' | 'Q' | 'r' | 'g' | 'q') {
            continue;
        }
        if i > 0 && chars[i - 1].is_ascii_alphanumeric() {
            continue;
        }
        let digits: String = chars[i + 1..]
            .iter()
            .take_while(|d| d.is_ascii_digit())
            .collect();
        let after = chars.get(i + 1 + digits.len());
        if digits.is_empty() || digits.len() > 2 || after.is_some_and(|a| a.is_ascii_alphanumeric())
        {
            continue;
        }
        return Some(format!(
            "{}{}",
            c.to_ascii_uppercase(),
            digits.trim_start_matches('0')
        ));
    }
    None
}

/// The date a filing without a 填报日期 is judged on: the notice's deadline for cities.
pub fn reference_date() -> NaiveDate {
    crate::notice::day(crate::notice::CITY_DEADLINE)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn thirty_one_indicators_in_official_order() {
        let codes: Vec<_> = registry()
            .indicators
            .iter()
            .map(|i| i.code.as_str())
            .collect();
        let expected: Vec<String> = (1..=7)
            .map(|n| format!("R{n}"))
            .chain((1..=15).map(|n| format!("G{n}")))
            .chain((1..=9).map(|n| format!("Q{n}")))
            .collect();
        assert_eq!(codes, expected);
        assert_eq!(registry().indicator("R5").unwrap().junior, Some(10.2));
        assert_eq!(registry().indicator("G10").unwrap().level, Level::County);
        assert!(registry().indicators.iter().all(|i| !i.keywords.is_empty()));
    }

    #[test]
    fn division_counts_match_the_records() {
        let reg = registry();
        assert_eq!(reg.cities().len(), 11);
        assert_eq!(reg.counties_on(date(2019, 6, 30)).len(), 89);
        assert_eq!(reg.counties_on(date(2026, 1, 1)).len(), 90);
        assert_eq!(reg.counties_of("杭州市", date(2019, 6, 30)).len(), 13);
        let codes: std::collections::HashSet<_> =
            reg.divisions.iter().map(|d| d.code.as_str()).collect();
        assert_eq!(codes.len(), reg.divisions.len(), "codes are unique");
        for d in &reg.divisions {
            assert!(
                d.code.starts_with(&d.city_code[..4]),
                "{} {}",
                d.name,
                d.code
            );
        }
    }

    #[test]
    fn county_names_resolve_with_and_without_city_and_suffix() {
        let reg = registry();
        let on = Some(date(2019, 5, 20));
        assert!(matches!(reg.county("西湖区", on), CountyMatch::Exact(d) if d.code == "330106"));
        assert!(
            matches!(reg.county("杭州市西湖区", on), CountyMatch::Exact(d) if d.code == "330106")
        );
        assert!(matches!(
            reg.county("浙江省 杭州市 西湖区", on),
            CountyMatch::Exact(_)
        ));
        assert!(
            matches!(reg.county("西湖", on), CountyMatch::WithoutSuffix(d) if d.name == "西湖区")
        );
        assert!(
            matches!(reg.county("景宁", on), CountyMatch::WithoutSuffix(d) if d.code == "331127")
        );
        assert!(matches!(
            reg.county("宁波市西湖区", on),
            CountyMatch::NotFound
        ));
        assert!(matches!(reg.county("不存在县", on), CountyMatch::NotFound));
        assert!(
            matches!(reg.county("江干区", on), CountyMatch::Exact(d) if !d.valid_on(date(2022,1,1)))
        );
        assert!(
            matches!(reg.county("临平区", on), CountyMatch::Exact(d) if !d.valid_on(date(2019,5,20)))
        );
    }

    #[test]
    fn indicators_match_by_wording() {
        let reg = registry();
        let code = |t: &str, l| reg.match_indicator(t, l).map(|i| i.code.as_str());
        assert_eq!(code("生均体育运动场馆面积不足", Level::School), Some("R5"));
        assert_eq!(code("班额超过45人", Level::School), Some("G5"));
        assert_eq!(code("教职工编制统筹分配不到位", Level::County), Some("G10"));
        assert_eq!(code("教师培训经费不足5%", Level::School), Some("Q4"));
        assert_eq!(code("小规模学校公用经费", Level::County), Some("G6"));
        assert_eq!(code("（R7）录播设备老化", Level::School), Some("R7"));
        assert_eq!(code("校门口交通拥堵", Level::School), None);
        assert_eq!(explicit_code("PRG5"), None);
        assert_eq!(explicit_code("指标G05未达标"), Some("G5".into()));
    }
}
