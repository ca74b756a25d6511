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
//! [output]
//! duplex = true            # the bound 报送材料 is printed on both sides: its 版记 on an even
//!                          # page, after an unnumbered blank page when needed
//!
//! [deadlines]              # for the status page (outbox/index.html); these are the notice's
//! county = "2019-05-31"    # counties to their city bureau by the end of May 2019
//! city = "2019-06-30"      # cities to the province by the end of June 2019
//!
//! [daemon]
//! utc_offset = "+08:00"    # receipt and log times; China time whatever the server's TZ
//!
//! [progress]               # 倒逼: the city's 督办通知 and 催报通知
//! report_within_days = 10  # the county reports back within this many days of the as-of date
//! ```
//!
//! A file with problems is refused as a whole, every problem reported with its line and the
//! key's dotted path (`gongwen.toml:7: unknown key seal.colour (did you mean seal.color?)`):
//! the file is first read as a plain TOML tree and checked against [`schema`], so all unknown
//! keys and wrong types are found in one pass, then deserialized and validated.

mod schema;

use std::collections::BTreeMap;
use std::fmt;

use chrono::{FixedOffset, NaiveDate};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::clock::Clock;
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
    /// How the documents are printed.
    pub output: OutputConfig,
    /// When filings are due, for the status page.
    pub deadlines: Deadlines,
    /// How the daemon keeps time.
    pub daemon: DaemonConfig,
    /// The progress documents (督办通知, 催报通知).
    pub progress: ProgressConfig,
}

/// The progress documents of 倒逼 (`gongwen progress`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ProgressConfig {
    /// A 督办通知 or 催报通知 asks the county to report by the as-of date plus this many days.
    pub report_within_days: u32,
}

impl ProgressConfig {
    pub const DEFAULT_REPORT_WITHIN_DAYS: u32 = 10;
    const REPORT_WITHIN_DAYS: std::ops::RangeInclusive<u32> = 1..=90;
}

impl Default for ProgressConfig {
    fn default() -> Self {
        ProgressConfig {
            report_within_days: ProgressConfig::DEFAULT_REPORT_WITHIN_DAYS,
        }
    }
}

/// How the documents are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OutputConfig {
    /// The bound package (报送材料) is printed on both sides (the default): its 版记 sits on
    /// the back of the last sheet, an even page, with an unnumbered blank page before it when
    /// the text ends on an even page (GB/T 9704-2012 7.5). `false`: the 版记 page follows the
    /// last page directly.
    pub duplex: bool,
}

impl Default for OutputConfig {
    fn default() -> Self {
        OutputConfig { duplex: true }
    }
}

/// Settings of `gongwen watch`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DaemonConfig {
    /// Offset from UTC of receipt times (收到时间) and log lines, written `"+08:00"`. Default
    /// China time, whatever the server's `TZ` says: a clerk compares 收到时间 with the clock
    /// on the office wall.
    #[serde(deserialize_with = "de_utc_offset", serialize_with = "ser_utc_offset")]
    pub utc_offset: FixedOffset,
    /// The render worker's address-space limit, in MiB: a file whose documents need more is
    /// rejected (`render_limit`) and the worker replaced. 1024 lays out about 5,000 items.
    pub render_memory_mb: u64,
    /// How long one file's documents may take to render, in seconds, before that file is
    /// rejected (`render_limit`).
    pub render_timeout_s: u64,
}

impl DaemonConfig {
    pub const DEFAULT_RENDER_MEMORY_MB: u64 = 1024;
    pub const DEFAULT_RENDER_TIMEOUT_S: u64 = 120;
    const RENDER_MEMORY_MB: std::ops::RangeInclusive<u64> = 192..=16_384;
    const RENDER_TIMEOUT_S: std::ops::RangeInclusive<u64> = 5..=3_600;
}

impl Default for DaemonConfig {
    fn default() -> Self {
        DaemonConfig {
            utc_offset: Clock::china().offset(),
            render_memory_mb: DaemonConfig::DEFAULT_RENDER_MEMORY_MB,
            render_timeout_s: DaemonConfig::DEFAULT_RENDER_TIMEOUT_S,
        }
    }
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
            county: crate::notice::day(crate::notice::COUNTY_DEADLINE),
            city: crate::notice::day(crate::notice::CITY_DEADLINE),
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

/// One problem of a configuration file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigProblem {
    /// The 1-based line it is on, when known.
    pub line: Option<usize>,
    /// The key's full dotted path (`county."西湖区".doc_number`), when it concerns one.
    pub key: Option<String>,
    /// What is wrong, naming the key.
    pub message: String,
}

impl ConfigProblem {
    fn at_key(key: impl Into<String>, message: String) -> Self {
        ConfigProblem {
            line: None,
            key: Some(key.into()),
            message,
        }
    }

    /// The problem as `FILE:LINE: message`, the form editors and terminals jump to.
    pub fn located(&self, file: &str) -> String {
        match self.line {
            Some(line) => format!("{file}:{line}: {}", self.message),
            None => format!("{file}: {}", self.message),
        }
    }
}

impl fmt::Display for ConfigProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "line {line}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

/// Every problem found in a configuration, all at once, in the order of the file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ConfigError {
    pub problems: Vec<ConfigProblem>,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("invalid configuration: ")?;
        for (i, problem) in self.problems.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{problem}")?;
        }
        Ok(())
    }
}

impl From<Vec<ConfigProblem>> for ConfigError {
    fn from(problems: Vec<ConfigProblem>) -> Self {
        ConfigError { problems }
    }
}

/// The province office every city reports to under 浙政教督办〔2019〕5号: the one that issued it.
pub const PROVINCE_OFFICE: &str = crate::notice::ISSUER;

impl Config {
    /// Parses and validates a `gongwen.toml` as read from disk: it must be UTF-8 (a byte
    /// order mark is allowed, as Windows Notepad writes one).
    pub fn parse_bytes(bytes: &[u8]) -> Result<Config, ConfigError> {
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        match std::str::from_utf8(bytes) {
            Ok(text) => Config::parse(text),
            Err(e) => Err(vec![not_utf8(bytes, e.valid_up_to())].into()),
        }
    }

    /// Parses and validates the text of a `gongwen.toml`.
    pub fn parse(text: &str) -> Result<Config, ConfigError> {
        let checked = schema::check(text)?;
        let config: Config = toml::from_str(text).map_err(|e| {
            // The schema check admits only what deserializes; this is a safety net.
            vec![ConfigProblem {
                line: e.span().map(|span| schema::line_of(text, span.start)),
                key: None,
                message: schema::toml_message(&e),
            }]
        })?;
        let mut problems = config.problems();
        for problem in &mut problems {
            problem.line = problem.key.as_deref().and_then(|key| checked.line_of(key));
        }
        if problems.is_empty() {
            Ok(config)
        } else {
            Err(problems.into())
        }
    }

    /// Checks every value; reports all problems, not the first, each naming its key.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let problems = self.problems();
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems.into())
        }
    }

    /// The clock of receipts and logs, at the configured offset.
    pub fn clock(&self) -> Clock {
        Clock::with_offset(self.daemon.utc_offset)
    }

    fn problems(&self) -> Vec<ConfigProblem> {
        let mut problems = Vec::new();
        check_diameter("seal.diameter_mm", self.seal.diameter_mm, &mut problems);
        if self.seal.label.chars().count() > 6 {
            problems.push(ConfigProblem::at_key(
                "seal.label",
                format!(
                    "seal.label「{}」is longer than 6 characters",
                    self.seal.label
                ),
            ));
        }
        check_deadlines(&self.deadlines, &mut problems);
        for (key, value, range, unit) in [
            (
                "daemon.render_memory_mb",
                self.daemon.render_memory_mb,
                DaemonConfig::RENDER_MEMORY_MB,
                "MiB",
            ),
            (
                "daemon.render_timeout_s",
                self.daemon.render_timeout_s,
                DaemonConfig::RENDER_TIMEOUT_S,
                "s",
            ),
        ] {
            if !range.contains(&value) {
                problems.push(ConfigProblem::at_key(
                    key,
                    format!(
                        "{key} = {value} is outside {}–{} {unit}",
                        range.start(),
                        range.end()
                    ),
                ));
            }
        }
        let days = self.progress.report_within_days;
        if !ProgressConfig::REPORT_WITHIN_DAYS.contains(&days) {
            let range = ProgressConfig::REPORT_WITHIN_DAYS;
            problems.push(ConfigProblem::at_key(
                "progress.report_within_days",
                format!(
                    "progress.report_within_days = {days} is outside {}–{} days",
                    range.start(),
                    range.end()
                ),
            ));
        }
        check_issuer("defaults", &self.defaults, &mut problems);
        check_issuer("province", &self.province, &mut problems);
        let registry = domain::registry();
        for (key, issuer) in &self.county {
            let table = schema::join_key("county", key);
            if resolve_county_key(key).is_none() {
                problems.push(ConfigProblem::at_key(
                    &table,
                    format!("{table}: no Zhejiang county is named or coded「{key}」"),
                ));
            }
            check_issuer(&table, issuer, &mut problems);
        }
        for (key, issuer) in &self.city {
            let table = schema::join_key("city", key);
            let known = registry.city(key).is_some()
                || registry
                    .cities()
                    .iter()
                    .any(|(_, code)| *code == key.as_str());
            if !known {
                problems.push(ConfigProblem::at_key(
                    &table,
                    format!("{table}: no Zhejiang city is named or coded「{key}」"),
                ));
            }
            check_issuer(&table, issuer, &mut problems);
        }
        problems
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
            default_county_issuer(county),
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

/// A county's bureau as it names itself: a district's (区) with its city, 杭州市西湖区教育局,
/// as districts share their names across cities; a county's or a county-level city's
/// without, 桐庐县教育局, 建德市教育局.
fn default_county_issuer(county: &CountyRef) -> String {
    let registry = domain::registry();
    let district = registry
        .divisions
        .iter()
        .find(|d| d.code == county.code)
        .is_some_and(|d| d.kind == "区");
    if district && !county.name.starts_with(county.city.as_str()) {
        format!("{}{}教育局", county.city, county.name)
    } else {
        format!("{}教育局", county.name)
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

fn check_diameter(key: &str, mm: f64, problems: &mut Vec<ConfigProblem>) {
    if !(30.0..=60.0).contains(&mm) {
        problems.push(ConfigProblem::at_key(
            key,
            format!(
                "{key} = {mm}: a seal is 30–60 mm across (42 for a 教育局, 45 for a city government)"
            ),
        ));
    }
}

fn check_deadlines(deadlines: &Deadlines, problems: &mut Vec<ConfigProblem>) {
    for (field, date) in [("county", deadlines.county), ("city", deadlines.city)] {
        if !(2019..=2100).contains(&chrono::Datelike::year(&date)) {
            let key = format!("deadlines.{field}");
            let message = format!("{key} {date} is outside 2019–2100");
            problems.push(ConfigProblem::at_key(key, message));
        }
    }
    if deadlines.city < deadlines.county {
        problems.push(ConfigProblem::at_key(
            "deadlines.city",
            format!(
                "deadlines.city {} is before deadlines.county {}: counties file with their city first",
                deadlines.city, deadlines.county
            ),
        ));
    }
}

/// Checks one issuer table; `table` is its dotted path (`county."西湖区"`).
fn check_issuer(table: &str, issuer: &Issuer, problems: &mut Vec<ConfigProblem>) {
    let mut push = |field: &str, message: String| {
        let key = format!("{table}.{field}");
        let message = format!("{key} {message}");
        problems.push(ConfigProblem::at_key(key, message));
    };
    for (field, value) in [
        ("issuer", &issuer.issuer),
        ("red_header", &issuer.red_header),
        ("printer", &issuer.printer),
        ("addressee", &issuer.addressee),
    ] {
        if value.as_ref().is_some_and(|v| v.trim().is_empty()) {
            push(
                field,
                "is empty; leave it out to use the default".to_owned(),
            );
        }
    }
    if let Some(number) = &issuer.doc_number
        && let Err(why) = check_doc_number(number)
    {
        push("doc_number", format!("= 「{number}」: {why}"));
    }
    if let Some(cc) = &issuer.cc
        && cc.iter().any(|c| c.trim().is_empty())
    {
        push("cc", "has an empty entry".to_owned());
    }
    for (field, date) in [("date", issuer.date), ("printed_on", issuer.printed_on)] {
        if let Some(date) = date
            && !(2019..=2100).contains(&chrono::Datelike::year(&date))
        {
            push(field, format!("{date} is outside 2019–2100"));
        }
    }
    if let (Some(date), Some(printed)) = (issuer.date, issuer.printed_on)
        && printed < date
    {
        push("printed_on", format!("{printed} is before the date {date}"));
    }
    if let Some(mm) = issuer.seal_diameter_mm {
        check_diameter(&format!("{table}.seal_diameter_mm"), mm, problems);
    }
}

/// The problem of a file that is not UTF-8: where the first bad byte is, and what to do.
fn not_utf8(bytes: &[u8], valid_up_to: usize) -> ConfigProblem {
    let line = bytes[..valid_up_to].iter().filter(|&&b| b == b'\n').count() + 1;
    let guess = if encoding_rs::GB18030
        .decode_without_bom_handling_and_without_replacement(bytes)
        .is_some()
    {
        "; it looks like GBK (ANSI) text"
    } else {
        ""
    };
    ConfigProblem {
        line: Some(line),
        key: None,
        message: format!(
            "the file is not UTF-8 (byte {valid_up_to} cannot be read{guess}): save it as UTF-8 (Notepad or WPS: 另存为, 编码 UTF-8)"
        ),
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

/// An offset from UTC written `"+08:00"`, as [`parse_utc_offset`] reads it.
fn de_utc_offset<'de, D: Deserializer<'de>>(d: D) -> Result<FixedOffset, D::Error> {
    let text = String::deserialize(d)?;
    parse_utc_offset(&text).map_err(serde::de::Error::custom)
}

fn ser_utc_offset<S: Serializer>(offset: &FixedOffset, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&offset.to_string())
}

/// `+HH:MM` or `-HH:MM`, at most 14 hours from UTC, the range of offsets in use.
pub fn parse_utc_offset(text: &str) -> Result<FixedOffset, String> {
    let refuse =
        || format!("\"{text}\" is not an offset like \"+08:00\" (China) or \"+00:00\" (UTC)");
    let bytes = text.as_bytes();
    let sign = match bytes.first() {
        Some(b'+') => 1,
        Some(b'-') => -1,
        _ => return Err(refuse()),
    };
    let digits = |range: std::ops::Range<usize>| {
        text.get(range)
            .filter(|d| d.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|d| d.parse::<i32>().ok())
    };
    let (Some(hours), Some(minutes)) = (digits(1..3), digits(4..6)) else {
        return Err(refuse());
    };
    if bytes.len() != 6 || bytes[3] != b':' || minutes >= 60 || hours * 60 + minutes > 14 * 60 {
        return Err(refuse());
    }
    FixedOffset::east_opt(sign * (hours * 3600 + minutes * 60)).ok_or_else(refuse)
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
        assert_eq!(office.issuer, "杭州市西湖区教育局");
        assert_eq!(office.red_header, "杭州市西湖区教育局文件");
        assert_eq!(office.addressee, "杭州市教育局");
        assert_eq!(office.printer, "杭州市西湖区教育局办公室");
        // Counties and county-level cities are named without their city.
        assert_eq!(
            config.county_office(&county("桐庐县")).issuer,
            "桐庐县教育局"
        );
        assert_eq!(
            config.county_office(&county("建德市")).issuer,
            "建德市教育局"
        );
        assert_eq!(office.doc_number, "");
        assert_eq!(office.seal_diameter_mm, 42.0);
        assert_eq!(office.date, None);
        let city = config.city_office("杭州市");
        assert_eq!(city.issuer, "杭州市教育局");
        assert_eq!(city.addressee, PROVINCE_OFFICE);
    }

    #[test]
    fn render_limits_are_read_and_checked_with_their_lines() {
        let config =
            Config::parse("[daemon]\nrender_memory_mb = 400\nrender_timeout_s = 30\n").unwrap();
        assert_eq!(config.daemon.render_memory_mb, 400);
        assert_eq!(config.daemon.render_timeout_s, 30);
        let defaults = Config::parse("").unwrap();
        assert_eq!(defaults.daemon.render_memory_mb, 1024);
        let err =
            Config::parse("[daemon]\nrender_memory_mb = 10\nrender_timeout_s = 0\n").unwrap_err();
        let text: Vec<String> = err
            .problems
            .iter()
            .map(|p| p.located("gongwen.toml"))
            .collect();
        assert_eq!(text.len(), 2, "{text:?}");
        assert!(
            text[0].starts_with("gongwen.toml:2: daemon.render_memory_mb = 10 is outside"),
            "{text:?}"
        );
        assert!(
            text[1].starts_with("gongwen.toml:3: daemon.render_timeout_s = 0 is outside"),
            "{text:?}"
        );
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

    fn located(err: &ConfigError) -> Vec<String> {
        err.problems
            .iter()
            .map(|p| p.located("gongwen.toml"))
            .collect()
    }

    /// Regression: with three unknown keys only the first was reported, without a line.
    #[test]
    fn three_unknown_keys_are_three_located_problems() {
        let text = "[seal]\nlabell = \"盖章处\"\n[defaults]\nsigner_name = \"x\"\n\n[province]\nnotes = \"y\"\n";
        assert_eq!(
            located(&Config::parse(text).unwrap_err()),
            [
                "gongwen.toml:2: unknown key seal.labell (did you mean seal.label?)",
                "gongwen.toml:4: unknown key defaults.signer_name (did you mean defaults.signer?)",
                "gongwen.toml:7: unknown key province.notes (did you mean province.note?)",
            ]
        );
    }

    #[test]
    fn value_problems_carry_the_line_of_their_key() {
        let text = "[seal]\nstyle = \"none\"\ndiameter_mm = 12\n\n[county.\"不存在县\"]\nsigner = \"李四\"\n[county.\"西湖区\"]\ndoc_number = \"西教[2019]12号\"\n";
        let found = located(&Config::parse(text).unwrap_err());
        assert_eq!(found.len(), 3, "{found:?}");
        assert!(
            found[0].starts_with("gongwen.toml:3: seal.diameter_mm = 12: "),
            "{found:?}"
        );
        assert!(
            found[1].starts_with("gongwen.toml:5: county.\"不存在县\": no Zhejiang county"),
            "{found:?}"
        );
        assert!(
            found[2]
                .starts_with("gongwen.toml:8: county.\"西湖区\".doc_number = 「西教[2019]12号」"),
            "{found:?}"
        );
    }

    #[test]
    fn every_key_the_types_write_is_in_the_schema() {
        let issuer = Issuer {
            issuer: Some("杭州市西湖区教育局".into()),
            red_header: Some("杭州市西湖区教育局文件".into()),
            doc_number: Some("西教〔2019〕12号".into()),
            signer: Some("张三".into()),
            addressee: Some("杭州市教育局".into()),
            cc: Some(vec!["杭州市西湖区人民政府".into()]),
            printer: Some("杭州市西湖区教育局办公室".into()),
            date: NaiveDate::from_ymd_opt(2019, 5, 28),
            printed_on: NaiveDate::from_ymd_opt(2019, 5, 29),
            note: Some("此件依申请公开".into()),
            contact: Some("联系人：张三".into()),
            seal_diameter_mm: Some(45.0),
        };
        let config = Config {
            seal: SealConfig {
                style: SealStyle::None,
                diameter_mm: 42.0,
                label: "盖章".into(),
            },
            defaults: issuer.clone(),
            county: BTreeMap::from([("西湖区".to_owned(), issuer.clone())]),
            city: BTreeMap::from([("杭州市".to_owned(), issuer.clone())]),
            province: issuer,
            output: OutputConfig { duplex: false },
            deadlines: Deadlines::default(),
            daemon: DaemonConfig {
                utc_offset: FixedOffset::west_opt(5 * 3600 + 1800).unwrap(),
                render_memory_mb: 512,
                render_timeout_s: 60,
            },
            progress: ProgressConfig {
                report_within_days: 7,
            },
        };
        let text = toml::to_string(&config).unwrap();
        assert_eq!(Config::parse(&text), Ok(config), "{text}");
    }

    #[test]
    fn the_clock_is_china_time_unless_configured() {
        let config = Config::parse("").unwrap();
        assert_eq!(config.clock(), Clock::china());
        let config = Config::parse("[daemon]\nutc_offset = \"+00:00\"").unwrap();
        assert_eq!(config.clock().offset().local_minus_utc(), 0);
        let config = Config::parse("[daemon]\nutc_offset = \"-05:30\"").unwrap();
        assert_eq!(config.clock().offset().local_minus_utc(), -19800);
        for bad in [
            "+8:00", "08:00", "+08", "+0800", "+15:00", "+08:60", "UTC", "+08:00 ", "",
        ] {
            let text = format!("# offset\n[daemon]\nutc_offset = \"{bad}\"\n");
            let found = located(&Config::parse(&text).unwrap_err());
            assert_eq!(
                found,
                [format!(
                    "gongwen.toml:3: daemon.utc_offset: \"{bad}\" is not an offset like \"+08:00\" (China) or \"+00:00\" (UTC)"
                )],
                "{bad:?}"
            );
        }
    }

    #[test]
    fn files_must_be_utf8_and_may_start_with_a_bom() {
        let with_bom = "\u{feff}[seal]\nlabel = \"盖章处\"\n";
        assert_eq!(
            Config::parse_bytes(with_bom.as_bytes()).unwrap().seal.label,
            "盖章处"
        );
        let (gbk, _, _) = encoding_rs::GBK.encode("[defaults]\n\nnote = \"此件依申请公开\"\n");
        let found = located(&Config::parse_bytes(&gbk).unwrap_err());
        assert_eq!(found.len(), 1);
        assert!(
            found[0].starts_with("gongwen.toml:3: the file is not UTF-8 (byte 20 cannot be read; it looks like GBK (ANSI) text): save it as UTF-8"),
            "{found:?}"
        );
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
