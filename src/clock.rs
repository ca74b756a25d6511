//! The wall clock of the office the daemon serves: China time (+08:00) unless the
//! configuration names another offset (`[daemon] utc_offset`). Receipts and log lines read it,
//! so a clerk's 收到时间 matches the clock on the office wall whatever time zone the server
//! runs in. It never consults `TZ` or the system's zone database: the offset is fixed.
//!
//! The day may be fixed too ([`Clock::with_as_of`]: `--as-of`, `GONGWEN_AS_OF`): then
//! [`Clock::today`] is that day, and what depends on it (逾期, the status page's date, the
//! dates of ledger events) is the view of that day. Receipts still carry the real instant.

use std::fmt;

use chrono::{DateTime, FixedOffset, NaiveDate, Offset as _, SecondsFormat, Utc};
use tracing_subscriber::fmt::format::Writer;

use crate::calendar::Timestamp;
use tracing_subscriber::fmt::time::FormatTime;

/// Seconds east of UTC of China Standard Time, which has no daylight saving.
const CHINA_OFFSET_SECONDS: i32 = 8 * 3600;

/// A clock at a fixed offset from UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Clock {
    offset: FixedOffset,
    as_of: Option<NaiveDate>,
}

impl Default for Clock {
    fn default() -> Self {
        Clock::china()
    }
}

impl Clock {
    /// China Standard Time, +08:00.
    pub fn china() -> Clock {
        Clock {
            offset: china_offset(),
            as_of: None,
        }
    }

    /// A clock at `offset` east of UTC.
    pub fn with_offset(offset: FixedOffset) -> Clock {
        Clock {
            offset,
            as_of: None,
        }
    }

    /// The same clock with its day fixed (or left to the wall when `None`).
    #[must_use]
    pub fn with_as_of(self, as_of: Option<NaiveDate>) -> Clock {
        Clock { as_of, ..self }
    }

    /// The fixed day, if any.
    pub fn as_of(&self) -> Option<NaiveDate> {
        self.as_of
    }

    pub fn offset(&self) -> FixedOffset {
        self.offset
    }

    /// The current instant at this clock's offset.
    pub fn now(&self) -> DateTime<FixedOffset> {
        self.at(Utc::now())
    }

    /// The calendar day at this clock's offset, or the fixed as-of day.
    pub fn today(&self) -> NaiveDate {
        self.as_of.unwrap_or_else(|| self.now().date_naive())
    }

    /// The current time to the second, as receipts and manifests keep it.
    pub fn stamp(&self) -> Timestamp {
        Timestamp::new(self.now())
    }

    /// `instant` at this clock's offset.
    pub fn at(&self, instant: DateTime<Utc>) -> DateTime<FixedOffset> {
        instant.with_timezone(&self.offset)
    }
}

/// Reads an as-of day as `--as-of` and `GONGWEN_AS_OF` take it: `YYYY-MM-DD`.
pub fn parse_as_of(text: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| format!("not a day (YYYY-MM-DD): {text}"))
}

fn china_offset() -> FixedOffset {
    // 8 hours is within ±24 h, so `east_opt` cannot fail; UTC is the inert fallback.
    FixedOffset::east_opt(CHINA_OFFSET_SECONDS).unwrap_or_else(|| Utc.fix())
}

/// Log lines carry the same offset as receipts, with milliseconds:
/// `2019-05-28T09:30:00.123+08:00`.
impl FormatTime for Clock {
    fn format_time(&self, w: &mut Writer<'_>) -> fmt::Result {
        write!(
            w,
            "{}",
            self.now().to_rfc3339_opts(SecondsFormat::Millis, false)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn instant(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn china_time_is_eight_hours_east_of_utc() {
        let clock = Clock::china();
        let t = clock.at(instant("2019-05-28T16:30:05Z"));
        assert_eq!(Timestamp::new(t).to_string(), "2019-05-29T00:30:05+08:00");
        assert_eq!(Timestamp::new(t).compact(), "20190529-003005");
        assert_eq!(
            t.date_naive(),
            NaiveDate::from_ymd_opt(2019, 5, 29).unwrap()
        );
        assert_eq!(Clock::default(), clock);
    }

    #[test]
    fn a_fixed_day_is_today_whatever_the_wall_says() {
        let day = parse_as_of("2021-01-15").unwrap();
        let clock = Clock::china().with_as_of(Some(day));
        assert_eq!(clock.today(), day);
        assert_eq!(clock.as_of(), Some(day));
        assert_ne!(clock.stamp().date(), day, "receipts keep the real instant");
        assert!(parse_as_of("2021-13-01").is_err());
        assert!(parse_as_of("2021-01").is_err());
        assert_eq!(Clock::china().with_as_of(None), Clock::china());
    }

    #[test]
    fn another_offset_gives_another_wall_time() {
        let clock = Clock::with_offset(FixedOffset::west_opt(5 * 3600 + 1800).unwrap());
        let t = clock.at(instant("2019-05-28T16:30:05.900Z"));
        assert_eq!(Timestamp::new(t).to_string(), "2019-05-28T11:00:05-05:30");
        let utc = Clock::with_offset(FixedOffset::east_opt(0).unwrap());
        assert_eq!(
            Timestamp::new(utc.at(instant("2019-05-28T16:30:05Z"))).to_string(),
            "2019-05-28T16:30:05+00:00"
        );
    }

    #[test]
    fn log_timestamps_carry_the_offset() {
        let mut line = String::new();
        Clock::china()
            .format_time(&mut Writer::new(&mut line))
            .unwrap();
        let parsed = DateTime::parse_from_rfc3339(&line).unwrap();
        assert_eq!(
            parsed.offset().local_minus_utc(),
            CHINA_OFFSET_SECONDS,
            "{line}"
        );
        assert!(line.ends_with("+08:00"), "{line}");
    }

    /// Run by [`now_ignores_the_servers_time_zone`] in a child process with another `TZ`.
    #[test]
    fn child_prints_now() {
        if std::env::var_os("GONGWEN_CLOCK_CHILD").is_none() {
            return;
        }
        let local_offset = chrono::Local::now().offset().local_minus_utc();
        println!("CLOCK {} {local_offset}", Clock::china().stamp());
    }

    #[test]
    fn now_ignores_the_servers_time_zone() {
        // A POSIX zone string: five hours west of UTC, no zone database needed.
        let before = Utc::now().timestamp();
        let out = std::process::Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "clock::tests::child_prints_now", "--nocapture"])
            .env("TZ", "EST5")
            .env("GONGWEN_CLOCK_CHILD", "1")
            .output()
            .unwrap();
        let after = Utc::now().timestamp();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let line = stdout
            .lines()
            .find_map(|l| l.strip_prefix("CLOCK "))
            .unwrap_or_else(|| panic!("the child printed no time:\n{stdout}"));
        let (now, local_offset) = line.split_once(' ').unwrap();
        assert_eq!(
            local_offset, "-18000",
            "the child did not run under TZ=EST5"
        );
        let now = DateTime::parse_from_rfc3339(now).unwrap();
        assert_eq!(now.offset().local_minus_utc(), CHINA_OFFSET_SECONDS);
        assert!((before..=after).contains(&now.timestamp()), "{now}");
    }
}
