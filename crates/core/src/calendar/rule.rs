//! One holiday rule as parsed from a calendar file, and how it yields a date for a year.
//!
//! A rule has an anchor (a fixed day, the nth weekday of a month, Easter), an offset in
//! days, the years it applies in, and per-weekday moves (the observance shift). For a
//! given *rule year* it yields at most one date: the anchor in that year plus the
//! offset, then moved if it lands on a weekday the rule moves.
//!
//! **Invariant:** the offset is at most [`OFFSET_DAYS_MAX`] days and a move at most six
//! days, so the date a rule yields for year Y always falls in Y − 1, Y or Y + 1.
//! `HolidayCalendar::holidays` relies on this to look at three rule years only.
//! Evaluation never panics: a date that would leave jiff's range is dropped.

use jiff::Span;
use jiff::civil::{Date, Weekday};

/// The largest offset, in days, between a rule's anchor and its date. Easter-relative
/// feasts need about sixty; the bound keeps every date within a year of its anchor.
pub(super) const OFFSET_DAYS_MAX: i16 = 300;

/// What a rule counts from, before its offset.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Anchor {
    /// The same month and day every year (`jan 1`). A one-off `date` is a fixed anchor
    /// whose first and last year are the same.
    Fixed { month: i8, day: i8 },
    /// The nth weekday of a month: `nth` is 1 to 4, or −1 for the last one.
    NthWeekday { nth: i8, weekday: Weekday, month: i8 },
    /// Western Easter Sunday (Gregorian computus).
    Easter,
    /// Orthodox Easter Sunday (Julian computus), as a Gregorian date.
    OrthodoxEaster,
}

/// A parsed holiday rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Rule {
    pub(super) name: String,
    pub(super) anchor: Anchor,
    pub(super) offset_days: i16,
    /// The first and last rule year the rule applies in, inclusive.
    pub(super) year_first: i16,
    pub(super) year_last: i16,
    /// Days to add when the date falls on each weekday, Monday first; 0 means "stays".
    pub(super) move_days: [i8; 7],
}

impl Rule {
    /// The day off this rule gives for `year`: its date, moved if the rule says so.
    pub(super) fn observed_in(&self, year: i16) -> Option<Date> {
        let date = self.date_in(year)?;
        let move_days = self.move_days[weekday_index(date.weekday())];
        if move_days == 0 { Some(date) } else { add_days(date, i64::from(move_days)) }
    }

    /// The rule's date for `year` before any move; references to this rule count from it.
    pub(super) fn date_in(&self, year: i16) -> Option<Date> {
        if year < self.year_first || year > self.year_last {
            return None;
        }
        let anchor = anchor_in(self.anchor, year)?;
        if self.offset_days == 0 { Some(anchor) } else { add_days(anchor, self.offset_days.into()) }
    }
}

fn anchor_in(anchor: Anchor, year: i16) -> Option<Date> {
    match anchor {
        Anchor::Fixed { month, day } => Date::new(year, month, day).ok(),
        Anchor::NthWeekday { nth, weekday, month } => {
            Date::new(year, month, 1).ok()?.nth_weekday_of_month(nth, weekday).ok()
        }
        Anchor::Easter => easter(year),
        Anchor::OrthodoxEaster => orthodox_easter(year),
    }
}

/// `date` plus `days`, or `None` past jiff's range.
pub(super) fn add_days(date: Date, days: i64) -> Option<Date> {
    date.checked_add(Span::new().try_days(days).ok()?).ok()
}

/// Monday is 0, Sunday is 6: the index into `Rule::move_days`.
pub(super) fn weekday_index(weekday: Weekday) -> usize {
    match weekday {
        Weekday::Monday => 0,
        Weekday::Tuesday => 1,
        Weekday::Wednesday => 2,
        Weekday::Thursday => 3,
        Weekday::Friday => 4,
        Weekday::Saturday => 5,
        Weekday::Sunday => 6,
    }
}

/// Western Easter Sunday of `year` by the anonymous Gregorian algorithm (Meeus, *Astronomical
/// Algorithms*, ch. 8), with floor division so proleptic and negative years work too.
pub(super) fn easter(year: i16) -> Option<Date> {
    let y = i32::from(year);
    let a = y.rem_euclid(19);
    let b = y.div_euclid(100);
    let c = y.rem_euclid(100);
    let d = b.div_euclid(4);
    let e = b.rem_euclid(4);
    let f = (b + 8).div_euclid(25);
    let g = (b - f + 1).div_euclid(3);
    let h = (19 * a + b - d - g + 15).rem_euclid(30);
    let i = c.div_euclid(4);
    let k = c.rem_euclid(4);
    let l = (32 + 2 * e + 2 * i - h - k).rem_euclid(7);
    let m = (a + 11 * h + 22 * l).div_euclid(451);
    let n = h + l - 7 * m + 114;
    let month = i8::try_from(n.div_euclid(31)).ok()?;
    let day = i8::try_from(n.rem_euclid(31) + 1).ok()?;
    Date::new(year, month, day).ok()
}

/// Orthodox Easter Sunday of `year`: the Julian computus (Meeus, ch. 8), then the Julian
/// date moved to the Gregorian calendar. Between March and December of year Y the two
/// calendars differ by ⌊Y/100⌋ − ⌊Y/400⌋ − 2 days (13 days from 1900 to 2099).
pub(super) fn orthodox_easter(year: i16) -> Option<Date> {
    let y = i32::from(year);
    let a = y.rem_euclid(4);
    let b = y.rem_euclid(7);
    let c = y.rem_euclid(19);
    let d = (19 * c + 15).rem_euclid(30);
    let e = (2 * a + 4 * b - d + 34).rem_euclid(7);
    let n = d + e + 114;
    let month = i8::try_from(n.div_euclid(31)).ok()?;
    let day = i8::try_from(n.rem_euclid(31) + 1).ok()?;
    let julian_lag_days = y.div_euclid(100) - y.div_euclid(400) - 2;
    add_days(Date::new(year, month, day).ok()?, julian_lag_days.into())
}
