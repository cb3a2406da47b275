//! Pure clock arithmetic: when a period that starts at an instant ends (hours, calendar days or
//! working days that skip weekends and public holidays), and what state a deadline is in at an
//! instant.

use std::collections::BTreeSet;

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, Weekday};
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::vocabulary;

/// How long a deadline runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Period {
    /// Hours ("3x24 jam" is 72 hours).
    Hours(u32),
    /// Calendar days.
    CalendarDays(u32),
    /// Working days: Monday to Friday, public holidays skipped.
    WorkingDays(u32),
}

/// Western Indonesia time (WIB, UTC+7): working days are counted on Indonesian calendar dates.
const WIB_HOURS: i64 = 7;

impl Period {
    /// When the period that starts at `start` (UTC) ends. A working-day period ends at the end (24:00
    /// WIB) of the Nth working day after the day it starts (dates taken in WIB).
    pub fn due(self, start: NaiveDateTime, holidays: &BTreeSet<NaiveDate>) -> NaiveDateTime {
        match self {
            Period::Hours(h) => start + Duration::hours(i64::from(h)),
            Period::CalendarDays(d) => start + Duration::days(i64::from(d)),
            Period::WorkingDays(n) => {
                let mut day = (start + Duration::hours(WIB_HOURS)).date();
                let mut counted = 0;
                while counted < n {
                    day = day.succ_opt().unwrap_or(day);
                    if is_working_day(day, holidays) {
                        counted += 1;
                    }
                }
                // The end of that day in WIB: midnight of the next day, as UTC.
                day.succ_opt()
                    .unwrap_or(day)
                    .and_time(chrono::NaiveTime::MIN)
                    - Duration::hours(WIB_HOURS)
            }
        }
    }

    /// Its nominal length, for the "due soon" window.
    pub fn length(self) -> Duration {
        match self {
            Period::Hours(h) => Duration::hours(i64::from(h)),
            Period::CalendarDays(d) | Period::WorkingDays(d) => Duration::days(i64::from(d)),
        }
    }
}

/// Monday to Friday and not a public holiday.
pub fn is_working_day(date: NaiveDate, holidays: &BTreeSet<NaiveDate>) -> bool {
    !matches!(date.weekday(), Weekday::Sat | Weekday::Sun) && !holidays.contains(&date)
}

vocabulary! {
    /// Where a deadline stands.
    State, "state" {
        /// More than the "due soon" window remains.
        Upcoming = "upcoming",
        /// A quarter of the period or less remains (at most 24 hours).
        DueSoon = "due_soon",
        /// The due time has passed and it is not met.
        Overdue = "overdue",
        /// Done.
        Met = "met",
    }
}

/// The window before the due time in which a deadline is "due soon" and its reminder goes out.
pub fn due_soon_window(length: Duration) -> Duration {
    (length / 4).min(Duration::hours(24))
}

/// The state at `at` of a deadline due at `due` whose period lasts `length`.
pub fn state(due: NaiveDateTime, length: Duration, met: bool, at: NaiveDateTime) -> State {
    if met {
        State::Met
    } else if at >= due {
        State::Overdue
    } else if due - at <= due_soon_window(length) {
        State::DueSoon
    } else {
        State::Upcoming
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").unwrap_or_default()
    }

    #[test]
    fn periods_end_where_people_expect() {
        let none = BTreeSet::new();
        // Friday 2026-11-27 10:00 WIB (03:00 UTC).
        let friday = at("2026-11-27 03:00");
        assert_eq!(Period::Hours(72).due(friday, &none), at("2026-11-30 03:00"));
        assert_eq!(
            Period::CalendarDays(7).due(friday, &none),
            at("2026-12-04 03:00")
        );
        // Working days end at 24:00 WIB (17:00 UTC) of the last one.
        assert_eq!(
            Period::WorkingDays(1).due(friday, &none),
            at("2026-11-30 17:00"),
            "over the weekend to Monday"
        );
        assert_eq!(
            Period::WorkingDays(5).due(friday, &none),
            at("2026-12-04 17:00")
        );
        let holidays: BTreeSet<NaiveDate> =
            [NaiveDate::from_ymd_opt(2026, 11, 30).unwrap_or_default()].into();
        assert_eq!(
            Period::WorkingDays(1).due(friday, &holidays),
            at("2026-12-01 17:00"),
            "a holiday Monday is skipped"
        );
        // 20:00 UTC Friday is already Saturday 03:00 in WIB: the first working day is still Monday.
        assert_eq!(
            Period::WorkingDays(1).due(at("2026-11-27 20:00"), &none),
            at("2026-11-30 17:00")
        );
    }

    #[test]
    fn states_follow_the_clock() {
        let start = at("2026-11-28 00:00");
        let due = Period::Hours(24).due(start, &BTreeSet::new());
        let length = Period::Hours(24).length();
        assert_eq!(
            state(due, length, false, at("2026-11-28 10:00")),
            State::Upcoming
        );
        assert_eq!(
            state(due, length, false, at("2026-11-28 20:00")),
            State::DueSoon,
            "6 h or less of 24 h"
        );
        assert_eq!(
            state(due, length, false, at("2026-11-29 01:00")),
            State::Overdue
        );
        assert_eq!(state(due, length, true, at("2026-11-29 01:00")), State::Met);
        assert_eq!(
            due_soon_window(Duration::days(30)),
            Duration::hours(24),
            "at most a day"
        );
    }
}
