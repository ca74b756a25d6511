//! The calendar the filings speak in: a 完成时限 is a month, a 填报日期 a day, the time a
//! file was received an instant at the office's offset. Each is typed once, where it is read
//! (normalize, the clock), carried as a type, written in the contract's text form by serde
//! (`2020-06`, `2019-05-20`, `2019-05-28T09:30:00+08:00`) and printed the way Chinese
//! documents write it (`2020年6月`, `2019年5月20日`, GB/T 9704 7.3.5.1: Arabic numerals, the
//! year in full, no leading zeros).

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Datelike as _, FixedOffset, NaiveDate, SecondsFormat, Timelike as _};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A calendar month: what a 完成时限 is "精确到". Ordered by time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct YearMonth {
    // Field order is the ordering: year first.
    year: i32,
    month: u32,
}

impl YearMonth {
    /// The month, when `month` is 1–12 and the year has four digits (so the text form
    /// `YYYY-MM` reads back as the same month).
    pub fn new(year: i32, month: u32) -> Option<YearMonth> {
        ((1000..=9999).contains(&year) && (1..=12).contains(&month))
            .then_some(YearMonth { year, month })
    }

    /// A month written in the source: invalid values fail the build when used in a `const`.
    pub const fn known(year: i32, month: u32) -> YearMonth {
        assert!(1000 <= year && year <= 9999 && 1 <= month && month <= 12);
        YearMonth { year, month }
    }

    /// The month `date` falls in.
    pub fn of(date: NaiveDate) -> YearMonth {
        YearMonth {
            year: date.year(),
            month: date.month(),
        }
    }

    pub fn year(self) -> i32 {
        self.year
    }

    pub fn month(self) -> u32 {
        self.month
    }

    /// Reads the text form `YYYY-MM` (also `YYYY-M`, as a person types it on a command line).
    pub fn parse(text: &str) -> Option<YearMonth> {
        let (year, month) = text.trim().split_once('-')?;
        if year.len() != 4 || !(1..=2).contains(&month.len()) {
            return None;
        }
        if !year
            .bytes()
            .chain(month.bytes())
            .all(|b| b.is_ascii_digit())
        {
            return None;
        }
        YearMonth::new(year.parse().ok()?, month.parse().ok()?)
    }

    /// The month after this one.
    pub fn next(self) -> YearMonth {
        if self.month == 12 {
            YearMonth {
                year: self.year + 1,
                month: 1,
            }
        } else {
            YearMonth {
                year: self.year,
                month: self.month + 1,
            }
        }
    }

    /// How a Chinese document writes it: `2020年6月`.
    pub fn zh(self) -> String {
        format!("{}年{}月", self.year, self.month)
    }
}

/// The text form of the contract: `2020-06`.
impl fmt::Display for YearMonth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

impl FromStr for YearMonth {
    type Err = CalendarError;

    fn from_str(text: &str) -> Result<YearMonth, CalendarError> {
        YearMonth::parse(text).ok_or_else(|| CalendarError::NotMonth(text.to_owned()))
    }
}

impl Serialize for YearMonth {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for YearMonth {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// An instant on the office's clock, to the second, with its offset: when a file was
/// received or accepted. Written as RFC 3339 (`2019-05-28T09:30:00+08:00`, never `Z`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(DateTime<FixedOffset>);

impl Timestamp {
    /// `time` without its fraction of a second: receipts and manifests are read by people.
    pub fn new(time: DateTime<FixedOffset>) -> Timestamp {
        Timestamp(time.with_nanosecond(0).unwrap_or(time))
    }

    /// Reads RFC 3339.
    pub fn parse(text: &str) -> Option<Timestamp> {
        DateTime::parse_from_rfc3339(text).ok().map(Timestamp::new)
    }

    pub fn time(self) -> DateTime<FixedOffset> {
        self.0
    }

    /// The day on the office's calendar.
    pub fn date(self) -> NaiveDate {
        self.0.date_naive()
    }

    /// For a table cell: `2019-05-28 09:30`, in the offset it was taken at.
    pub fn minutes(self) -> String {
        self.0.format("%Y-%m-%d %H:%M").to_string()
    }

    /// For file names: `20190528-093000`, sortable and safe anywhere.
    pub fn compact(self) -> String {
        self.0.format("%Y%m%d-%H%M%S").to_string()
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.to_rfc3339_opts(SecondsFormat::Secs, false))
    }
}

impl FromStr for Timestamp {
    type Err = CalendarError;

    fn from_str(text: &str) -> Result<Timestamp, CalendarError> {
        Timestamp::parse(text).ok_or_else(|| CalendarError::NotTimestamp(text.to_owned()))
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// Text that is not the contract's form of a month or an instant.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    #[error("not a month as YYYY-MM: {0:?}")]
    NotMonth(String),
    #[error("not an RFC 3339 time: {0:?}")]
    NotTimestamp(String),
}

/// How a Chinese document writes a day: `2019年5月20日`.
pub fn zh_date(date: NaiveDate) -> String {
    format!("{}年{}月{}日", date.year(), date.month(), date.day())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_read_write_order_and_print() {
        let june = YearMonth::parse("2020-06").unwrap();
        assert_eq!(YearMonth::parse("2020-6"), Some(june));
        assert_eq!(june.to_string(), "2020-06");
        assert_eq!(june.zh(), "2020年6月");
        assert_eq!(serde_json::to_string(&june).unwrap(), r#""2020-06""#);
        assert_eq!(
            serde_json::from_str::<YearMonth>(r#""2020-06""#).unwrap(),
            june
        );
        assert!(serde_json::from_str::<YearMonth>(r#""2020-13""#).is_err());
        assert_eq!(
            YearMonth::parse(" 2020-1 ").map(YearMonth::zh),
            Some("2020年1月".into())
        );
        for bad in [
            "2020",
            "2020-00",
            "2020-13",
            "2019/06",
            "",
            "2019-06-01",
            "2020-+6",
            "20-06",
            "2020-006",
            "２０２０-06",
        ] {
            assert_eq!(YearMonth::parse(bad), None, "{bad}");
        }
        let december = YearMonth::new(2019, 12).unwrap();
        assert_eq!(december.next(), YearMonth::new(2020, 1).unwrap());
        assert!(december < june && june < june.next());
        assert_eq!(
            YearMonth::of(NaiveDate::from_ymd_opt(2020, 6, 30).unwrap()),
            june
        );
    }

    #[test]
    fn timestamps_keep_offset_and_drop_fractions() {
        let t = Timestamp::parse("2019-05-28T09:30:07.25+08:00").unwrap();
        assert_eq!(t.to_string(), "2019-05-28T09:30:07+08:00");
        assert_eq!(t.minutes(), "2019-05-28 09:30");
        assert_eq!(t.compact(), "20190528-093007");
        assert_eq!(
            serde_json::to_string(&t).unwrap(),
            r#""2019-05-28T09:30:07+08:00""#
        );
        let utc = Timestamp::parse("2019-05-28T01:30:07Z").unwrap();
        assert_eq!(utc.to_string(), "2019-05-28T01:30:07+00:00");
        assert_eq!(Timestamp::parse("yesterday"), None);
    }

    #[test]
    fn days_print_without_leading_zeros() {
        let d = NaiveDate::from_ymd_opt(2019, 5, 2).unwrap();
        assert_eq!(zh_date(d), "2019年5月2日");
    }
}
