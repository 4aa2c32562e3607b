//! The one place that reads the real clock. Everything else takes dates as parameters
//! (STYLE.md §4.7), so tests pin them with `--today`.

use ombud_program::Date;

/// Today's date in UTC.
#[allow(clippy::disallowed_methods)] // The single sanctioned read of the wall clock.
pub(crate) fn today_utc() -> Option<Date> {
    let today = jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC).date();
    Date::parse(&today.to_string())
}

/// Now, as Unix milliseconds: the job runner's clock and the benchmark's start time.
#[allow(clippy::disallowed_methods)] // The single sanctioned read of the wall clock.
pub(crate) fn now_ms() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}
