//! Holiday calendars as data, and business-day arithmetic over them.
//!
//! Statutory clocks count business days: the CCPA regulations give 10 business days to
//! confirm receipt of a request (11 CCR §7021(a)) and 15 to honour an opt-out
//! (§7026(f)); under Regulation 1182/71, which the EDPB applies to the GDPR's "one
//! month", a period ending on a Saturday, Sunday or public holiday runs to the next
//! working day. Neither text defines the holidays, so they are data: a
//! [`HolidayCalendar`] is parsed from a small line-oriented file (`docs/calendars.md`)
//! that a company can write for any jurisdiction, and two are built in: `us-federal`
//! and `us-ca` (`crates/core/calendars/`). A [`BusinessCalendar`] combines calendars:
//! a business day is a Monday to Friday that is a holiday in none of them.
//!
//! **Invariants:**
//! - Pure and total: no I/O, no clock, no panics for any input. Files over
//!   [`CALENDAR_BYTES_MAX`] bytes or with more than [`CALENDAR_RULES_MAX`] rules are
//!   refused; dates that would leave jiff's range (years −9999 to 9999) are dropped or
//!   saturate at [`Date::MAX`], as each method says.
//! - A rule's date for year Y always falls in Y − 1, Y or Y + 1 (offsets are bounded),
//!   so looking up a year evaluates every rule for three years only.
//! - Holidays are the days off *as observed*: a rule's `move` has been applied, and a
//!   holiday of one year observed in another (New Year's Day 2022 on Friday
//!   2021-12-31) belongs to the year it falls in.

mod parse;
mod rule;
#[cfg(test)]
mod tests;

use std::fmt;

pub use jiff::civil::Date;

use rule::{Rule, weekday_index};

/// The largest calendar file accepted, in bytes. A country's holidays take a few
/// kilobytes with comments; the limit keeps a hostile file from costing memory.
pub const CALENDAR_BYTES_MAX: usize = 64 << 10;

/// The most holiday rules one calendar may hold. Every date lookup evaluates each rule
/// for three years, so the limit also bounds the cost of business-day arithmetic.
pub const CALENDAR_RULES_MAX: usize = 500;

/// The calendars shipped with ombud, embedded at build time so they cannot go missing.
const BUILTINS: [(&str, &str); 2] = [
    ("us-federal", include_str!("../../calendars/us-federal.cal")),
    ("us-ca", include_str!("../../calendars/us-ca.cal")),
];

/// A set of public holidays defined by rules (parsed from text).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HolidayCalendar {
    id: String,
    name: String,
    rules: Vec<Rule>,
}

impl HolidayCalendar {
    /// Parses a calendar file. Errors name the line and say how to fix it.
    ///
    /// The format is described field by field in `docs/calendars.md`.
    pub fn parse(text: &str) -> Result<HolidayCalendar, CalendarError> {
        parse::parse(text)
    }

    /// A calendar shipped with ombud: "us-federal", "us-ca".
    ///
    /// `None` for any other id. The built-in files are tested to parse, so a known id
    /// always gives a calendar.
    pub fn builtin(id: &str) -> Option<HolidayCalendar> {
        let (_, text) = BUILTINS.iter().find(|(builtin_id, _)| *builtin_id == id)?;
        parse::parse(text).ok()
    }

    /// The ids of the built-in calendars.
    pub fn builtin_ids() -> &'static [&'static str] {
        &["us-federal", "us-ca"]
    }

    /// The calendar's id, from its `id = …` line.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The calendar's human name, from its `name = …` line.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The holidays (as observed, i.e. the day off) falling in `year`, sorted by date.
    ///
    /// Holidays on the same date keep the order of their rules in the file. Years
    /// outside jiff's range (−9999 to 9999) have none.
    pub fn holidays(&self, year: i16) -> Vec<Holiday> {
        self.observed_in(year)
            .into_iter()
            .filter_map(|(date, index)| {
                let rule = self.rules.get(index)?;
                Some(Holiday { date, name: rule.name.clone() })
            })
            .collect()
    }

    /// The observed dates in `year` with the index of the rule giving each, sorted.
    fn observed_in(&self, year: i16) -> Vec<(Date, usize)> {
        let mut observed = Vec::new();
        for rule_year in rule_years(year) {
            for (index, rule) in self.rules.iter().enumerate() {
                if let Some(date) = rule.observed_in(rule_year)
                    && date.year() == year
                {
                    observed.push((date, index));
                }
            }
        }
        observed.sort_unstable();
        observed
    }

    /// The name of the first rule (in file order) observed on `date`.
    fn holiday_on(&self, date: Date) -> Option<&str> {
        let year = date.year();
        let rule = self.rules.iter().find(|rule| {
            rule_years(year).any(|rule_year| rule.observed_in(rule_year) == Some(date))
        })?;
        Some(&rule.name)
    }
}

/// The rule years whose holidays may be observed in `year` (see [`rule`]'s invariant).
fn rule_years(year: i16) -> impl Iterator<Item = i16> {
    [year.checked_sub(1), Some(year), year.checked_add(1)].into_iter().flatten()
}

/// A holiday as observed: the day off and the holiday's name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Holiday {
    /// The day off, after any weekend move.
    pub date: Date,
    /// The holiday's name as the calendar file writes it.
    pub name: String,
}

/// Why a calendar file was refused: the line (1-based) and what to change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CalendarError {
    /// The 1-based line of the problem. File-wide problems (a missing `id`, a file too
    /// large) name the line where the fix belongs or the limit was crossed.
    pub line: usize,
    /// What is wrong and how to fix it: lowercase, no trailing period.
    pub message: String,
}

impl fmt::Display for CalendarError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for CalendarError {}

/// Business days: Monday to Friday, minus the holidays of every calendar given.
#[derive(Clone, Debug)]
pub struct BusinessCalendar {
    calendars: Vec<HolidayCalendar>,
}

impl BusinessCalendar {
    /// Combines `calendars`: a day is a holiday if any of them has it.
    pub fn new(calendars: Vec<HolidayCalendar>) -> BusinessCalendar {
        BusinessCalendar { calendars }
    }

    /// Saturdays and Sundays only, no holidays.
    pub fn weekends_only() -> BusinessCalendar {
        BusinessCalendar { calendars: Vec::new() }
    }

    /// The ids of the calendars it combines, in order.
    pub fn calendar_ids(&self) -> Vec<&str> {
        self.calendars.iter().map(HolidayCalendar::id).collect()
    }

    /// Whether `date` is a Monday to Friday that no calendar has as a holiday.
    pub fn is_business_day(&self, date: Date) -> bool {
        is_weekday(date) && self.holiday_name(date).is_none()
    }

    /// The name of the holiday on `date`, if any (first calendar that has one).
    ///
    /// A holiday a calendar does not move off a weekend is found on the weekend day.
    pub fn holiday_name(&self, date: Date) -> Option<&str> {
        self.calendars.iter().find_map(|calendar| calendar.holiday_on(date))
    }

    /// Counts `days` business days after `start`: the first business day strictly after
    /// `start` is day 1. `days == 0` returns `start` unchanged.
    ///
    /// `start` itself need not be a business day. If fewer than `days` business days
    /// remain before [`Date::MAX`] (9999-12-31), the count saturates and returns
    /// `Date::MAX`. The work is one pass over the holidays of each year crossed, and
    /// `days` larger than the days left in jiff's range returns at once.
    pub fn add_business_days(&self, start: Date, days: u32) -> Date {
        let mut remaining = i64::from(days);
        if remaining == 0 {
            return start;
        }
        if remaining > days_between(start, Date::MAX) {
            return Date::MAX;
        }
        let mut cursor = start;
        loop {
            let Ok(first) = cursor.tomorrow() else { return Date::MAX };
            let last = first.last_of_year();
            let holidays = self.weekday_holidays(first.year());
            let holidays_ahead =
                holidays.iter().filter(|holiday| **holiday >= first).fold(0, |n, _| n + 1);
            let available = weekdays_between(first, last) - holidays_ahead;
            if available < remaining {
                // The whole rest of the year is counted at once: the answer lies beyond it.
                remaining -= available;
                cursor = last;
                continue;
            }
            let mut day = first;
            loop {
                if is_weekday(day) && holidays.binary_search(&day).is_err() {
                    remaining -= 1;
                    if remaining == 0 {
                        return day;
                    }
                }
                let Ok(next) = day.tomorrow() else { return Date::MAX };
                day = next;
            }
        }
    }

    /// `date` itself if it is a business day, otherwise the next business day.
    ///
    /// Saturates at [`Date::MAX`] like [`BusinessCalendar::add_business_days`].
    pub fn on_or_next_business_day(&self, date: Date) -> Date {
        if self.is_business_day(date) { date } else { self.add_business_days(date, 1) }
    }

    /// The holidays of every calendar that fall on a Monday to Friday in `year`,
    /// sorted and without repeats.
    fn weekday_holidays(&self, year: i16) -> Vec<Date> {
        let mut dates: Vec<Date> = self
            .calendars
            .iter()
            .flat_map(|calendar| calendar.observed_in(year))
            .map(|(date, _)| date)
            .filter(|date| is_weekday(*date))
            .collect();
        dates.sort_unstable();
        dates.dedup();
        dates
    }
}

fn is_weekday(date: Date) -> bool {
    weekday_index(date.weekday()) < 5
}

/// Days from `from` to `to` (negative if `to` is earlier). Civil days are 24 hours.
fn days_between(from: Date, to: Date) -> i64 {
    from.duration_until(to).as_hours() / 24
}

/// How many Mondays to Fridays lie in `first..=last` (`first <= last`).
fn weekdays_between(first: Date, last: Date) -> i64 {
    let days = days_between(first, last) + 1;
    let first_index = weekday_index(first.weekday());
    let rest_weekdays = (0..days % 7)
        .filter(|offset| (first_index + usize::try_from(*offset).unwrap_or_default()) % 7 < 5)
        .fold(0, |n, _| n + 1);
    days / 7 * 5 + rest_weekdays
}
