//! When the status page is drawn again with no file arriving. The page shows what depends on
//! the clock as well as the files: 逾期未报 once the county deadline has passed, a city's 逾期
//! after the city deadline, the day's date, items 逾期 by the month. So the daemon redraws it
//! at least once an hour, and at the first instant of every day (which is when a deadline
//! passes: a county is late from the day after `[deadlines] county`). Pure functions over
//! instants, so the decision is unit-tested without waiting an hour.

use std::time::Duration;

use chrono::{DateTime, FixedOffset, NaiveDate, TimeDelta};

use crate::config::Deadlines;

/// The longest the page goes without being redrawn while the daemon runs.
pub const HOURLY: TimeDelta = TimeDelta::hours(1);

/// Why a redraw is due, for the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// An hour since the last one.
    Hourly,
    /// A new day began.
    Midnight,
    /// A new day began, and with it the county deadline has passed.
    CountyDeadline,
    /// A new day began, and with it the city deadline has passed.
    CityDeadline,
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Hourly => "hourly",
            Reason::Midnight => "a new day",
            Reason::CountyDeadline => "the county deadline passed",
            Reason::CityDeadline => "the city deadline passed",
        }
    }
}

/// The next redraw after one at `drawn` (the office's clock): within the hour, and no later
/// than the next midnight, when a deadline may pass.
pub fn next_redraw(
    drawn: DateTime<FixedOffset>,
    deadlines: &Deadlines,
) -> (DateTime<FixedOffset>, Reason) {
    let offset = *drawn.offset();
    let start_of = |day: NaiveDate| {
        day.and_hms_opt(0, 0, 0)
            .and_then(|t| t.and_local_timezone(offset).single())
    };
    let hourly = (drawn + HOURLY, Reason::Hourly);
    let tomorrow = drawn.date_naive().succ_opt();
    // A deadline passes when the day after it begins; that is a midnight, named for the log.
    let midnight = tomorrow.and_then(start_of).map(|at| {
        let reason = if tomorrow == deadlines.county.succ_opt() {
            Reason::CountyDeadline
        } else if tomorrow == deadlines.city.succ_opt() {
            Reason::CityDeadline
        } else {
            Reason::Midnight
        };
        (at, reason)
    });
    match midnight {
        Some(m) if m.0 <= hourly.0 => m,
        _ => hourly,
    }
}

/// The daemon's redraw schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schedule {
    pub due: DateTime<FixedOffset>,
    pub reason: Reason,
}

impl Schedule {
    /// The schedule after a redraw at `drawn`.
    pub fn after(drawn: DateTime<FixedOffset>, deadlines: &Deadlines) -> Schedule {
        let (due, reason) = next_redraw(drawn, deadlines);
        Schedule { due, reason }
    }

    /// Due at its time, or at once when the clock was set back by more than the hour (the
    /// schedule in hand would otherwise wait out the difference).
    pub fn is_due(&self, now: DateTime<FixedOffset>) -> bool {
        now >= self.due || self.due - now > HOURLY
    }

    /// How long the loop may sleep before the redraw is due.
    pub fn until(&self, now: DateTime<FixedOffset>) -> Duration {
        (self.due - now).to_std().unwrap_or(Duration::ZERO)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(text).unwrap()
    }

    fn deadlines(county: &str, city: &str) -> Deadlines {
        Deadlines {
            county: county.parse().unwrap(),
            city: city.parse().unwrap(),
        }
    }

    #[test]
    fn redrawn_within_the_hour() {
        let d = deadlines("2019-05-31", "2019-06-30");
        let (due, reason) = next_redraw(at("2019-05-20T09:30:00+08:00"), &d);
        assert_eq!(due, at("2019-05-20T10:30:00+08:00"));
        assert_eq!(reason, Reason::Hourly);
    }

    #[test]
    fn redrawn_at_midnight_the_day_changes() {
        let d = deadlines("2019-05-31", "2019-06-30");
        let (due, reason) = next_redraw(at("2019-05-20T23:30:00+08:00"), &d);
        assert_eq!(due, at("2019-05-21T00:00:00+08:00"));
        assert_eq!(reason, Reason::Midnight);
        // Midnight in the office's offset, not the server's: 16:00 UTC is 00:00 in China.
        let china = FixedOffset::east_opt(8 * 3600).unwrap();
        let drawn = at("2019-05-20T15:59:00+00:00").with_timezone(&china);
        let (due, _) = next_redraw(drawn, &d);
        assert_eq!(due, at("2019-05-20T16:00:00+00:00"));
    }

    #[test]
    fn redrawn_when_a_deadline_passes() {
        let d = deadlines("2019-05-31", "2019-06-30");
        let (due, reason) = next_redraw(at("2019-05-31T23:10:00+08:00"), &d);
        assert_eq!(due, at("2019-06-01T00:00:00+08:00"));
        assert_eq!(reason, Reason::CountyDeadline);
        let (due, reason) = next_redraw(at("2019-06-30T23:59:59+08:00"), &d);
        assert_eq!(due, at("2019-07-01T00:00:00+08:00"));
        assert_eq!(reason, Reason::CityDeadline);
        // Earlier on the deadline's day, the hour comes first.
        assert_eq!(
            next_redraw(at("2019-05-31T12:00:00+08:00"), &d).1,
            Reason::Hourly
        );
    }

    #[test]
    fn the_schedule_says_when_and_how_long() {
        let d = deadlines("2019-05-31", "2019-06-30");
        let s = Schedule::after(at("2019-05-20T09:30:00+08:00"), &d);
        assert!(!s.is_due(at("2019-05-20T10:29:59+08:00")));
        assert!(s.is_due(at("2019-05-20T10:30:00+08:00")));
        assert_eq!(
            s.until(at("2019-05-20T10:00:00+08:00")),
            Duration::from_secs(30 * 60)
        );
        assert_eq!(s.until(at("2019-05-20T11:00:00+08:00")), Duration::ZERO);
        // The clock set back two hours: due at once, not in three hours.
        assert!(s.is_due(at("2019-05-20T07:30:00+08:00")));
    }
}
