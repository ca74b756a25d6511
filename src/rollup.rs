//! The one roll-up of county filings: per city and for the province, which divisions were
//! expected to file, who filed with which plan year, the cumulative share per plan year and
//! who has not filed. The status page, 附件3, the city's cover report and the province
//! summary all count with it, so they cannot disagree.
//!
//! # The reference date
//! Numerator and denominator come from one set of divisions: those standing on the county
//! deadline (`[deadlines] county`, [`crate::notice::COUNTY_DEADLINE`] by default), the day
//! the notice asked every county-level division then standing to file. A document's 成文日期
//! (configured, else the latest 填报日期) only says until when filings are counted and when it
//! is signed; it does not move the set of divisions, so a summary signed later counts the same
//! counties as the live status page. A filing from a division that did not stand on the
//! reference date (龙港市 before 2019-08-16, 临平区 before 2021-04-09) is listed apart with
//! the reason, never counted: a printed share can never exceed 100%.

use chrono::NaiveDate;

use crate::config::Deadlines;
use crate::domain::{self, Division};
use crate::model::{PlanYear, Submission};

/// The date whose divisions every count is taken over: the county deadline (see the module
/// documentation for why).
pub fn reference_date(deadlines: &Deadlines) -> NaiveDate {
    deadlines.county
}

/// The province's filings counted over the divisions standing on one date.
#[derive(Debug, Clone)]
pub struct Rollup<'a> {
    /// The divisions standing on this day are the counties expected to file.
    pub as_of: NaiveDate,
    /// Every city of the registry, in registry order, with or without filings.
    pub cities: Vec<CityRollup<'a>>,
}

/// One city's filings over the divisions standing on the roll-up's date.
#[derive(Debug, Clone)]
pub struct CityRollup<'a> {
    pub name: &'static str,
    pub code: &'static str,
    /// Divisions standing on the date, in registry order: the denominator.
    pub standing: Vec<&'static Division>,
    /// The submission of each standing division that filed, in the order given.
    pub counted: Vec<&'a Submission>,
    /// Filings of divisions that did not stand on the date: shown, not counted.
    pub apart: Vec<Apart<'a>>,
}

/// A filing left out of the counts, and why.
#[derive(Debug, Clone)]
pub struct Apart<'a> {
    pub submission: &'a Submission,
    pub name: String,
    /// `临平区于2021年4月9日设立，2019年5月31日时不存在`: the wording of the warning
    /// the file got at intake (`division_not_valid`), against the reference date.
    pub reason: String,
}

impl<'a> Rollup<'a> {
    /// Rolls up `latest`: at most one submission per county (the caller picks the latest),
    /// each with its county recognised; others are ignored.
    pub fn new(as_of: NaiveDate, latest: impl IntoIterator<Item = &'a Submission>) -> Rollup<'a> {
        let registry = domain::registry();
        let latest: Vec<&Submission> = latest.into_iter().collect();
        let cities = registry
            .cities()
            .into_iter()
            .map(|(name, code)| {
                let standing = registry.counties_of(name, as_of);
                let mut counted = Vec::new();
                let mut apart = Vec::new();
                for sub in &latest {
                    let Some(county) = sub.county.as_ref().filter(|c| c.city == name) else {
                        continue;
                    };
                    if standing.iter().any(|d| d.code == county.code) {
                        counted.push(*sub);
                    } else {
                        apart.push(Apart {
                            submission: sub,
                            name: county.name.clone(),
                            reason: why_apart(&county.code, &county.name, as_of),
                        });
                    }
                }
                CityRollup {
                    name,
                    code,
                    standing,
                    counted,
                    apart,
                }
            })
            .collect();
        Rollup { as_of, cities }
    }

    pub fn city(&self, name: &str) -> Option<&CityRollup<'a>> {
        self.cities.iter().find(|c| c.name == name)
    }

    /// Divisions expected to file.
    pub fn total(&self) -> usize {
        self.cities.iter().map(|c| c.standing.len()).sum()
    }

    /// Expected divisions that filed.
    pub fn filed(&self) -> usize {
        self.cities.iter().map(|c| c.counted.len()).sum()
    }

    /// Expected divisions planning to pass in `year`.
    pub fn count_in(&self, year: PlanYear) -> usize {
        self.cities.iter().map(|c| c.count_in(year)).sum()
    }

    /// Expected divisions planning to pass by the end of `year`.
    pub fn cumulative(&self, year: PlanYear) -> usize {
        self.cities.iter().map(|c| c.cumulative(year)).sum()
    }

    /// Cities with at least one counted filing.
    pub fn cities_filed(&self) -> usize {
        self.cities.iter().filter(|c| !c.counted.is_empty()).count()
    }

    /// Every filing left out, city by city.
    pub fn apart(&self) -> impl Iterator<Item = (&CityRollup<'a>, &Apart<'a>)> {
        self.cities
            .iter()
            .flat_map(|c| c.apart.iter().map(move |a| (c, a)))
    }
}

impl CityRollup<'_> {
    /// Names of the counted counties planning to pass in `year`.
    pub fn counties_in(&self, year: PlanYear) -> Vec<&str> {
        self.counted
            .iter()
            .filter(|s| s.plan_year == Some(year))
            .filter_map(|s| s.county.as_ref().map(|c| c.name.as_str()))
            .collect()
    }

    pub fn count_in(&self, year: PlanYear) -> usize {
        self.counted
            .iter()
            .filter(|s| s.plan_year == Some(year))
            .count()
    }

    /// Counted counties planning to pass by the end of `year` (every year up to it).
    pub fn cumulative(&self, year: PlanYear) -> usize {
        self.counted
            .iter()
            .filter(|s| s.plan_year.is_some_and(|y| y <= year))
            .count()
    }

    /// Expected divisions without a filing, in registry order.
    pub fn not_filed(&self) -> Vec<&'static str> {
        self.standing
            .iter()
            .filter(|d| {
                !self
                    .counted
                    .iter()
                    .any(|s| s.county.as_ref().is_some_and(|c| c.code == d.code))
            })
            .map(|d| d.name.as_str())
            .collect()
    }

    /// Counted counties that filed without a plan year.
    pub fn without_plan(&self) -> Vec<&str> {
        self.counted
            .iter()
            .filter(|s| s.plan_year.is_none())
            .filter_map(|s| s.county.as_ref().map(|c| c.name.as_str()))
            .collect()
    }
}

/// Why a division is not counted on `as_of`, worded as intake's `division_not_valid` warning.
fn why_apart(code: &str, name: &str, as_of: NaiveDate) -> String {
    let day = |d: NaiveDate| d.format("%Y年%-m月%-d日").to_string();
    let division = domain::registry().divisions.iter().find(|d| d.code == code);
    let when = match division.map(|d| (d.valid_from, d.valid_to)) {
        Some((Some(from), _)) if as_of < from => format!("于{}设立，", day(from)),
        Some((_, Some(to))) if as_of >= to => format!("于{}撤销，", day(to)),
        _ => String::new(),
    };
    format!("{name}{when}{}时不存在", day(as_of))
}

/// The share `part / whole` in whole per cent, rounded half up, as the documents print it.
pub fn percent(part: usize, whole: usize) -> String {
    if whole == 0 {
        return "0%".to_owned();
    }
    format!("{}%", (part * 100 + whole / 2) / whole)
}

/// Whether `part` of `whole` reaches `goal_percent`.
pub fn meets(part: usize, whole: usize, goal_percent: u32) -> bool {
    whole > 0 && part * 100 >= goal_percent as usize * whole
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::CountyRef;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn filing(division: &Division, plan: PlanYear) -> Submission {
        let mut sub = Submission {
            schema: crate::model::SUBMISSION_SCHEMA.to_owned(),
            source: crate::model::Source {
                file: "x.xlsx".to_owned(),
                sha256: String::new(),
            },
            county: None,
            filed_on: chrono::NaiveDate::from_ymd_opt(2019, 5, 20),
            plan_year: None,
            schools: Vec::new(),
            county_items: Vec::new(),
            diagnostics: Vec::new(),
        };
        sub.county = Some(CountyRef {
            name: division.name.clone(),
            code: division.code.clone(),
            city: division.city.clone(),
            city_code: division.city_code.clone(),
        });
        sub.plan_year = Some(plan);
        sub
    }

    /// The benchmark's case: every division standing today files in 2019.
    #[test]
    fn todays_divisions_filed_in_2019_count_no_more_than_stood() {
        let today = day(2025, 1, 1);
        let subs: Vec<Submission> = domain::registry()
            .counties_on(today)
            .into_iter()
            .map(|d| filing(d, PlanYear::Y2020))
            .collect();
        let rollup = Rollup::new(day(2019, 5, 31), &subs);
        assert_eq!((rollup.total(), rollup.filed()), (89, 87));
        assert_eq!(rollup.cumulative(PlanYear::Y2020), 87);
        let wenzhou = rollup.city("温州市").unwrap();
        assert_eq!((wenzhou.standing.len(), wenzhou.counted.len()), (11, 11));
        assert_eq!(
            wenzhou.apart[0].reason,
            "龙港市于2019年8月16日设立，2019年5月31日时不存在"
        );
        let hangzhou = rollup.city("杭州市").unwrap();
        assert_eq!(hangzhou.not_filed(), ["下城区", "江干区"]);
        let apart: Vec<&str> = rollup.apart().map(|(_, a)| a.name.as_str()).collect();
        assert_eq!(apart, ["临平区", "钱塘区", "龙港市"]);
        assert_eq!(
            percent(rollup.cumulative(PlanYear::Y2020), rollup.total()),
            "98%"
        );
    }

    #[test]
    fn cumulative_counts_every_year_up_to_the_one_asked() {
        let hangzhou = domain::registry().counties_of("杭州市", day(2019, 5, 31));
        let subs = [
            filing(hangzhou[0], PlanYear::Y2019),
            filing(hangzhou[1], PlanYear::Y2020),
            filing(hangzhou[2], PlanYear::Later),
        ];
        let rollup = Rollup::new(day(2019, 5, 31), &subs);
        assert_eq!(rollup.cumulative(PlanYear::Y2019), 1);
        assert_eq!(rollup.cumulative(PlanYear::Y2022), 2);
        assert_eq!(rollup.cumulative(PlanYear::Later), 3);
        assert_eq!(rollup.count_in(PlanYear::Y2021), 0);
        assert!(meets(2, 10, 20) && !meets(1, 10, 20) && !meets(0, 0, 20));
    }
}
