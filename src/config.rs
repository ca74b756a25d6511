//! The optional `gongwen.toml`: who issues each document (发文机关, 发文字号, 签发人, 抄送,
//! 印发机关, dates, 附注) and how the seal placeholder looks. A plain, validated value: the
//! CLI reads the file and hands the text to [`Config::parse`]; nothing here reads argv, the
//! environment or the clock, so the same inputs and the same file give the same documents.
//!
//! Everything is optional. Without a file, a county's documents are issued by `<县>教育局`,
//! a city's by `<市>教育局`, 发文字号 and 签发人 are left blank to fill by hand, and the
//! 成文日期 is the latest 填报日期 among the inputs.
//!
//! ```toml
//! [seal]
//! style = "outline"        # or "none": room for the stamp is kept, nothing is drawn
//! diameter_mm = 42.0
//! label = "盖章处"
//!
//! [defaults]               # inherited by every county, city and the province
//! note = "此件依申请公开"
//!
//! [county."西湖区"]         # a county as the registry names it, 杭州市西湖区, or 330106
//! issuer = "杭州市西湖区教育局"
//! doc_number = "西教〔2019〕12号"
//! signer = "张三"
//! cc = ["杭州市西湖区人民政府"]
//! date = "2019-05-28"
//!
//! [city."杭州市"]
//! doc_number = "杭教〔2019〕30号"
//!
//! [deadlines]              # for the status page (outbox/index.html); these are the notice's
//! county = "2019-05-31"    # counties to their city bureau by the end of May 2019
//! city = "2019-06-30"      # cities to the province by the end of June 2019
//! ```

use std::collections::BTreeMap;
use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Deserializer, Serialize};

use crate::domain::{self, CountyMatch};
use crate::model::CountyRef;

/// The whole configuration file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// The seal placeholder drawn where the office stamps the paper.
    pub seal: SealConfig,
    /// Values every issuer inherits unless its own table sets them.
    pub defaults: Issuer,
    /// Per county, keyed by the name the registry uses (西湖区), the name with its city
    /// (杭州市西湖区) or the division code (330106).
    pub county: BTreeMap<String, Issuer>,
    /// Per city, keyed by 杭州市 (or 杭州) or the city code (330100).
    pub city: BTreeMap<String, Issuer>,
    /// The province summary's issuer.
    pub province: Issuer,
    /// When filings are due, for the status page.
    pub deadlines: Deadlines,
}

/// When filings are due (浙政教督办〔2019〕5号): counties to their city bureau, cities to the
/// province. The county deadline is also the reference date of the status page: the
/// divisions standing on it are the counties expected to file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Deadlines {
    /// Counties file 附件1, 附件2 and their plan year with their city bureau by this day.
    #[serde(deserialize_with = "de_day")]
    pub county: NaiveDate,
    /// Cities send 附件3 to the province by this day.
    #[serde(deserialize_with = "de_day")]
    pub city: NaiveDate,
}

impl Default for Deadlines {
    fn default() -> Self {
        Deadlines {
            county: NaiveDate::from_ymd_opt(2019, 5, 31).unwrap_or_default(),
            city: NaiveDate::from_ymd_opt(2019, 6, 30).unwrap_or_default(),
        }
    }
}

/// How the seal placeholder is drawn.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SealConfig {
    /// `outline` draws a thin dashed red circle with a light label; `none` draws nothing but
    /// keeps the sealed layout (date four characters from the right), for paper stamped by
    /// hand. Both backends honour it.
    pub style: SealStyle,
    /// Diameter in millimetres. 42 for a county-level government or any 教育局
    /// (国发〔1999〕25号); an issuer may override it.
    pub diameter_mm: f64,
    /// The light label inside the circle.
    pub label: String,
}

impl Default for SealConfig {
    fn default() -> Self {
        SealConfig {
            style: SealStyle::Outline,
            diameter_mm: 42.0,
            label: "盖章处".to_owned(),
        }
    }
}

/// Whether a seal placeholder is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SealStyle {
    #[default]
    Outline,
    None,
}

/// One issuing office's settings. Every field is optional; unset fields fall back to
/// `[defaults]`, then to values derived from the registry.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Issuer {
    /// 发文机关署名, e.g. `杭州市西湖区教育局`. Default `<县>教育局` / `<市>教育局`.
    pub issuer: Option<String>,
    /// 发文机关标志 in red. Default the issuer followed by 文件.
    pub red_header: Option<String>,
    /// 发文字号 such as `西教〔2019〕12号`. Default blank, to fill by hand.
    pub doc_number: Option<String>,
    /// 签发人 of a report upward. Default blank, to fill by hand.
    pub signer: Option<String>,
    /// 主送机关 without its colon. Default the city bureau (for a county) or the province
    /// office (for a city).
    pub addressee: Option<String>,
    /// 抄送 offices, printed in the 版记. Default none.
    pub cc: Option<Vec<String>>,
    /// 印发机关 in the 版记. Default the issuer followed by 办公室.
    pub printer: Option<String>,
    /// 成文日期. Default the latest 填报日期 among the inputs.
    #[serde(deserialize_with = "de_date")]
    pub date: Option<NaiveDate>,
    /// 印发日期. Default the 成文日期.
    #[serde(deserialize_with = "de_date")]
    pub printed_on: Option<NaiveDate>,
    /// 附注 without parentheses, e.g. `此件依申请公开`; an empty string prints none.
    /// Default none.
    pub note: Option<String>,
    /// 联系人及电话, printed as the last body paragraph. Default none.
    pub contact: Option<String>,
    /// Seal diameter for this office, overriding `[seal] diameter_mm`.
    pub seal_diameter_mm: Option<f64>,
}

impl Issuer {
    /// `self` with unset fields taken from `base`.
    fn or(&self, base: &Issuer) -> Issuer {
        Issuer {
            issuer: self.issuer.clone().or_else(|| base.issuer.clone()),
            red_header: self.red_header.clone().or_else(|| base.red_header.clone()),
            doc_number: self.doc_number.clone().or_else(|| base.doc_number.clone()),
            signer: self.signer.clone().or_else(|| base.signer.clone()),
            addressee: self.addressee.clone().or_else(|| base.addressee.clone()),
            cc: self.cc.clone().or_else(|| base.cc.clone()),
            printer: self.printer.clone().or_else(|| base.printer.clone()),
            date: self.date.or(base.date),
            printed_on: self.printed_on.or(base.printed_on),
            note: self.note.clone().or_else(|| base.note.clone()),
            contact: self.contact.clone().or_else(|| base.contact.clone()),
            seal_diameter_mm: self.seal_diameter_mm.or(base.seal_diameter_mm),
        }
    }
}

/// An issuer with every value decided, as `compose` uses it.
#[derive(Debug, Clone, PartialEq)]
pub struct Office {
    pub issuer: String,
    pub red_header: String,
    pub doc_number: String,
    pub signer: String,
    pub addressee: String,
    pub cc: Vec<String>,
    pub printer: String,
    /// Set only when configured; otherwise the caller uses the latest 填报日期.
    pub date: Option<NaiveDate>,
    pub printed_on: Option<NaiveDate>,
    pub note: Option<String>,
    pub contact: Option<String>,
    pub seal_diameter_mm: f64,
    pub seal_label: String,
}

/// Every problem found in a configuration, all at once.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ConfigError {
    pub problems: Vec<String>,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid configuration: {}", self.problems.join("; "))
    }
}

/// The province office every city reports to under 浙政教督办〔2019〕5号.
pub const PROVINCE_OFFICE: &str = "浙江省人民政府教育督导委员会办公室";

impl Config {
    /// Parses and validates the text of a `gongwen.toml`.
    pub fn parse(text: &str) -> Result<Config, ConfigError> {
        let config: Config = toml::from_str(text).map_err(|e| ConfigError {
            problems: vec![e.message().to_owned()],
        })?;
        config.validate()?;
        Ok(config)
    }

    /// Checks every value; reports all problems, not the first.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let mut problems = Vec::new();
        check_diameter("[seal] diameter_mm", self.seal.diameter_mm, &mut problems);
        if self.seal.label.chars().count() > 6 {
            problems.push(format!(
                "[seal] label「{}」is longer than 6 characters",
                self.seal.label
            ));
        }
        check_deadlines(&self.deadlines, &mut problems);
        check_issuer("[defaults]", &self.defaults, &mut problems);
        check_issuer("[province]", &self.province, &mut problems);
        let registry = domain::registry();
        for (key, issuer) in &self.county {
            let table = format!("[county.\"{key}\"]");
            if resolve_county_key(key).is_none() {
                problems.push(format!(
                    "{table}: no Zhejiang county is named or coded「{key}」"
                ));
            }
            check_issuer(&table, issuer, &mut problems);
        }
        for (key, issuer) in &self.city {
            let table = format!("[city.\"{key}\"]");
            let known = registry.city(key).is_some()
                || registry
                    .cities()
                    .iter()
                    .any(|(_, code)| *code == key.as_str());
            if !known {
                problems.push(format!(
                    "{table}: no Zhejiang city is named or coded「{key}」"
                ));
            }
            check_issuer(&table, issuer, &mut problems);
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(ConfigError { problems })
        }
    }

    /// The settings of a county's bureau, reporting to its city bureau.
    pub fn county_office(&self, county: &CountyRef) -> Office {
        let own = self
            .county
            .iter()
            .find(|(key, _)| {
                resolve_county_key(key)
                    .is_some_and(|(name, code)| code == county.code || name == county.name)
            })
            .map(|(_, issuer)| issuer.or(&self.defaults))
            .unwrap_or_else(|| self.defaults.clone());
        self.office(
            &own,
            format!("{}教育局", county.name),
            format!("{}教育局", county.city),
        )
    }

    /// The settings of a city bureau, reporting to the province office.
    pub fn city_office(&self, city: &str) -> Office {
        let registry = domain::registry();
        let own = self
            .city
            .iter()
            .find(|(key, _)| {
                registry.city(key).is_some_and(|(name, _)| name == city)
                    || registry
                        .cities()
                        .iter()
                        .any(|(name, code)| *code == key.as_str() && *name == city)
            })
            .map(|(_, issuer)| issuer.or(&self.defaults))
            .unwrap_or_else(|| self.defaults.clone());
        self.office(&own, format!("{city}教育局"), PROVINCE_OFFICE.to_owned())
    }

    /// The settings of the province summary.
    pub fn province_office(&self) -> Office {
        let own = self.province.or(&self.defaults);
        self.office(&own, PROVINCE_OFFICE.to_owned(), String::new())
    }

    fn office(&self, own: &Issuer, issuer: String, addressee: String) -> Office {
        let issuer = own.issuer.clone().unwrap_or(issuer);
        Office {
            red_header: own
                .red_header
                .clone()
                .unwrap_or_else(|| format!("{issuer}文件")),
            doc_number: own.doc_number.clone().unwrap_or_default(),
            signer: own.signer.clone().unwrap_or_default(),
            addressee: own.addressee.clone().unwrap_or(addressee),
            cc: own.cc.clone().unwrap_or_default(),
            printer: own
                .printer
                .clone()
                .unwrap_or_else(|| format!("{issuer}办公室")),
            date: own.date,
            printed_on: own.printed_on,
            note: own.note.clone().filter(|n| !n.trim().is_empty()),
            contact: own.contact.clone().filter(|c| !c.trim().is_empty()),
            seal_diameter_mm: own.seal_diameter_mm.unwrap_or(self.seal.diameter_mm),
            seal_label: self.seal.label.clone(),
            issuer,
        }
    }
}

/// A `[county."…"]` key as (name, code) of the division it names.
fn resolve_county_key(key: &str) -> Option<(String, String)> {
    let registry = domain::registry();
    if let Some(d) = registry.divisions.iter().find(|d| d.code == key) {
        return Some((d.name.clone(), d.code.clone()));
    }
    match registry.county(key, None) {
        CountyMatch::Exact(d) => Some((d.name.clone(), d.code.clone())),
        CountyMatch::WithoutSuffix(_) | CountyMatch::NotFound => None,
    }
}

fn check_diameter(what: &str, mm: f64, problems: &mut Vec<String>) {
    if !(30.0..=60.0).contains(&mm) {
        problems.push(format!(
            "{what} = {mm}: a seal is 30–60 mm across (42 for a 教育局, 45 for a city government)"
        ));
    }
}

fn check_deadlines(deadlines: &Deadlines, problems: &mut Vec<String>) {
    for (field, date) in [("county", deadlines.county), ("city", deadlines.city)] {
        if !(2019..=2100).contains(&chrono::Datelike::year(&date)) {
            problems.push(format!("[deadlines] {field} {date} is outside 2019–2100"));
        }
    }
    if deadlines.city < deadlines.county {
        problems.push(format!(
            "[deadlines] city {} is before county {}: counties file with their city first",
            deadlines.city, deadlines.county
        ));
    }
}

fn check_issuer(table: &str, issuer: &Issuer, problems: &mut Vec<String>) {
    for (field, value) in [
        ("issuer", &issuer.issuer),
        ("red_header", &issuer.red_header),
        ("printer", &issuer.printer),
        ("addressee", &issuer.addressee),
    ] {
        if value.as_ref().is_some_and(|v| v.trim().is_empty()) {
            problems.push(format!(
                "{table} {field} is empty; leave it out to use the default"
            ));
        }
    }
    if let Some(number) = &issuer.doc_number
        && let Err(why) = check_doc_number(number)
    {
        problems.push(format!("{table} doc_number「{number}」: {why}"));
    }
    if let Some(cc) = &issuer.cc
        && cc.iter().any(|c| c.trim().is_empty())
    {
        problems.push(format!("{table} cc has an empty entry"));
    }
    for (field, date) in [("date", issuer.date), ("printed_on", issuer.printed_on)] {
        if let Some(date) = date
            && !(2019..=2100).contains(&chrono::Datelike::year(&date))
        {
            problems.push(format!("{table} {field} {date} is outside 2019–2100"));
        }
    }
    if let (Some(date), Some(printed)) = (issuer.date, issuer.printed_on)
        && printed < date
    {
        problems.push(format!(
            "{table} printed_on {printed} is before the date {date}"
        ));
    }
    if let Some(mm) = issuer.seal_diameter_mm {
        check_diameter(&format!("{table} seal_diameter_mm"), mm, problems);
    }
}

/// GB/T 9704 7.2.4: 机关代字, the year in 六角括号 〔〕, the number without leading zeros and
/// without 第, then 号. Blank is allowed (filled in by hand).
pub fn check_doc_number(number: &str) -> Result<(), String> {
    let number = number.trim();
    if number.is_empty() {
        return Ok(());
    }
    if number.contains(['[', ']', '(', ')', '（', '）', '【', '】']) {
        return Err("the year goes in 六角括号 〔〕, e.g. 西教〔2019〕12号".to_owned());
    }
    let Some((prefix, rest)) = number.split_once('〔') else {
        return Err("missing the year in 〔〕, e.g. 西教〔2019〕12号".to_owned());
    };
    let Some((year, tail)) = rest.split_once('〕') else {
        return Err("missing the closing 〕".to_owned());
    };
    if prefix.is_empty() {
        return Err("missing the 机关代字 before 〔".to_owned());
    }
    if year.len() != 4 || !year.chars().all(|c| c.is_ascii_digit()) {
        return Err("the year in 〔〕 must be four digits".to_owned());
    }
    let Some(serial) = tail.strip_suffix('号') else {
        return Err("must end with 号".to_owned());
    };
    if serial.starts_with('第') {
        return Err("no 第 before the number".to_owned());
    }
    if serial.is_empty() || !serial.chars().all(|c| c.is_ascii_digit()) {
        return Err("the number must be Arabic digits".to_owned());
    }
    if serial.starts_with('0') {
        return Err("no leading zeros in the number".to_owned());
    }
    Ok(())
}

/// Dates as `"2019-05-28"` or a TOML date literal `2019-05-28`.
fn de_date<'de, D: Deserializer<'de>>(d: D) -> Result<Option<NaiveDate>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Text(String),
        Toml(toml::value::Datetime),
    }
    let text = match Raw::deserialize(d)? {
        Raw::Text(text) => text,
        Raw::Toml(dt) => dt.to_string(),
    };
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map(Some)
        .map_err(|_| serde::de::Error::custom(format!("「{text}」is not a date like 2019-05-28")))
}

/// A required date, written like [`de_date`] accepts.
fn de_day<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDate, D::Error> {
    de_date(d)?.ok_or_else(|| serde::de::Error::custom("a date like 2019-05-31 is required"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn county(name: &str) -> CountyRef {
        match domain::registry().county(name, None) {
            CountyMatch::Exact(d) => d.to_ref(),
            _ => panic!("{name}"),
        }
    }

    #[test]
    fn empty_file_gives_registry_defaults() {
        let config = Config::parse("").unwrap();
        let office = config.county_office(&county("西湖区"));
        assert_eq!(office.issuer, "西湖区教育局");
        assert_eq!(office.red_header, "西湖区教育局文件");
        assert_eq!(office.addressee, "杭州市教育局");
        assert_eq!(office.printer, "西湖区教育局办公室");
        assert_eq!(office.doc_number, "");
        assert_eq!(office.seal_diameter_mm, 42.0);
        assert_eq!(office.date, None);
        let city = config.city_office("杭州市");
        assert_eq!(city.issuer, "杭州市教育局");
        assert_eq!(city.addressee, PROVINCE_OFFICE);
    }

    #[test]
    fn county_table_overrides_defaults_by_name_or_code() {
        let text = r#"
            [seal]
            style = "none"
            [defaults]
            note = "此件依申请公开"
            cc = ["市政府"]
            [county."330106"]
            doc_number = "西教〔2019〕12号"
            date = 2019-05-28
            [county."杭州市上城区"]
            signer = "李四"
            printed_on = "2019-05-30"
            [city."杭州"]
            issuer = "杭州市教育局"
        "#;
        let config = Config::parse(text).unwrap();
        let xihu = config.county_office(&county("西湖区"));
        assert_eq!(xihu.doc_number, "西教〔2019〕12号");
        assert_eq!(xihu.date, NaiveDate::from_ymd_opt(2019, 5, 28));
        assert_eq!(xihu.note.as_deref(), Some("此件依申请公开"));
        assert_eq!(xihu.cc, vec!["市政府".to_owned()]);
        assert_eq!(xihu.seal_diameter_mm, 42.0);
        assert_eq!(config.seal.style, SealStyle::None);
        let shangcheng = config.county_office(&county("上城区"));
        assert_eq!(shangcheng.signer, "李四");
        assert_eq!(shangcheng.doc_number, "");
        assert_eq!(config.city_office("杭州市").issuer, "杭州市教育局");
    }

    #[test]
    fn every_problem_is_reported() {
        let text = r#"
            [seal]
            diameter_mm = 12
            [county."不存在县"]
            doc_number = "西教[2019]012号"
            [city."火星市"]
            cc = [""]
        "#;
        let err = Config::parse(text).unwrap_err();
        assert_eq!(err.problems.len(), 5, "{err}");
    }

    #[test]
    fn unknown_fields_and_bad_dates_are_refused() {
        assert!(Config::parse("[defaults]\nsigner_name = \"x\"").is_err());
        assert!(Config::parse("[defaults]\ndate = \"2019/5/28\"").is_err());
    }

    #[test]
    fn deadlines_default_to_the_notice_and_are_checked() {
        let config = Config::parse("").unwrap();
        assert_eq!(
            config.deadlines.county,
            NaiveDate::from_ymd_opt(2019, 5, 31).unwrap()
        );
        assert_eq!(
            config.deadlines.city,
            NaiveDate::from_ymd_opt(2019, 6, 30).unwrap()
        );
        let config = Config::parse("[deadlines]\ncounty = 2019-06-10").unwrap();
        assert_eq!(
            config.deadlines.county,
            NaiveDate::from_ymd_opt(2019, 6, 10).unwrap()
        );
        assert_eq!(
            config.deadlines.city,
            NaiveDate::from_ymd_opt(2019, 6, 30).unwrap()
        );
        let err = Config::parse("[deadlines]\ncounty = \"2019-07-01\"\ncity = \"2019-06-30\"")
            .unwrap_err();
        assert_eq!(err.problems.len(), 1, "{err}");
        assert!(Config::parse("[deadlines]\ncounty = \"2019年5月\"").is_err());
        assert!(Config::parse("[deadlines]\nprovince = \"2019-07-01\"").is_err());
        let err = Config::parse("[deadlines]\ncounty = \"1999-05-31\"").unwrap_err();
        assert_eq!(err.problems.len(), 1, "{err}");
    }

    #[test]
    fn doc_numbers_follow_gbt9704() {
        assert!(check_doc_number("浙政教督办〔2019〕5号").is_ok());
        assert!(check_doc_number("").is_ok());
        assert!(check_doc_number("浙政教督办[2019]5号").is_err());
        assert!(check_doc_number("浙政教督办〔2019〕05号").is_err());
        assert!(check_doc_number("浙政教督办〔2019〕第5号").is_err());
        assert!(check_doc_number("〔2019〕5号").is_err());
        assert!(check_doc_number("浙政教督办〔19〕5号").is_err());
    }
}
