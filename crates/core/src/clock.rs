//! Statutory clocks: when a request must be acknowledged, answered, and by when an
//! extension must be noticed (REGULATIONS.md §c).
//!
//! The rules are data: [`CLOCK_RULES`] has one row per law and group of request types,
//! citing its source and confidence. [`deadlines`] applies a row to the time of
//! receipt in the company's time zone, over a [`BusinessCalendar`] of holidays that is
//! data too. Both are pure: the time of receipt is a parameter.
//!
//! **Invariants** (property-tested): a deadline counted in business days is a business
//! day; a deadline that rolls to a working day (GDPR) is a working day; an extension
//! never shortens a deadline; every deadline is on or after the day of receipt.

use std::fmt;

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan as _};

use crate::calendar::BusinessCalendar;
use crate::{Law, RequestType};

/// How a period is counted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    /// Calendar days after the day of receipt.
    CalendarDays,
    /// Business days after the day of receipt (REGULATIONS.md §0.3).
    BusinessDays,
    /// Calendar months: the same date of a later month, or that month's last day
    /// when the date does not exist (REGULATIONS.md §0.3, the EDPB's reading of
    /// Regulation 1182/71 for GDPR Art 12(3)).
    CalendarMonths,
}

/// An amount of a unit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Period {
    /// How many.
    pub amount: u32,
    /// Of what.
    pub unit: Unit,
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let unit = match (self.unit, self.amount) {
            (Unit::CalendarDays, 1) => "calendar day",
            (Unit::CalendarDays, _) => "calendar days",
            (Unit::BusinessDays, 1) => "business day",
            (Unit::BusinessDays, _) => "business days",
            (Unit::CalendarMonths, 1) => "month",
            (Unit::CalendarMonths, _) => "months",
        };
        write!(f, "{} {unit}", self.amount)
    }
}

const fn days(amount: u32) -> Period {
    Period { amount, unit: Unit::CalendarDays }
}
const fn business_days(amount: u32) -> Period {
    Period { amount, unit: Unit::BusinessDays }
}
const fn months(amount: u32) -> Period {
    Period { amount, unit: Unit::CalendarMonths }
}

/// How sure REGULATIONS.md is of a rule (its §0.1 tags).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Confidence {
    /// Read in the primary text.
    Verified,
    /// Confirmed through a secondary source.
    Secondary,
    /// Not confirmed; counsel should check before relying on it.
    Unconfirmed,
}

impl Confidence {
    /// The tag as REGULATIONS.md writes it.
    pub fn tag(self) -> &'static str {
        match self {
            Confidence::Verified => "V",
            Confidence::Secondary => "S",
            Confidence::Unconfirmed => "U",
        }
    }
}

/// One row of the timelines table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClockRule {
    /// The law.
    pub law: Law,
    /// The request types the row covers.
    pub types: &'static [RequestType],
    /// Confirm receipt within.
    pub acknowledge: Option<Period>,
    /// Respond within, counted from the day of receipt whatever verification takes
    /// the clock never pauses).
    pub respond: Period,
    /// Respond within, when the request came to a contact point the business did not
    /// designate (Shine the Light: 150 days, R-212).
    pub respond_elsewhere: Option<Period>,
    /// One extension of this much, counted from the day of receipt in total
    /// (`respond` + extension), noticed before the first deadline.
    pub extension: Option<Period>,
    /// A deadline that falls on a weekend or public holiday moves to the next working
    /// day (GDPR, REGULATIONS.md §0.3).
    pub rolls_to_working_day: bool,
    /// The timelines-table ids (REGULATIONS.md §c).
    pub timeline: &'static str,
    /// Where the law says so.
    pub citation: &'static str,
    /// How sure the source is (the weakest tag of the row).
    pub confidence: Confidence,
}

use RequestType as T;

const KNOW_DELETE_CORRECT: &[RequestType] = &[T::Know, T::Access, T::Delete, T::Correct];
const OPT_OUT: &[RequestType] = &[T::OptOutSaleShare];
const LIMIT: &[RequestType] = &[T::LimitSensitive];
const SHINE: &[RequestType] = &[T::ShineTheLight];
const GDPR_RIGHTS: &[RequestType] = &[
    T::Know,
    T::Access,
    T::Delete,
    T::Correct,
    T::Restrict,
    T::Object,
    T::WithdrawConsent,
    T::Portability,
];
const STATE_RIGHTS: &[RequestType] =
    &[T::Know, T::Access, T::Delete, T::Correct, T::OptOutSaleShare];
const APPEAL: &[RequestType] = &[T::Appeal];

const fn state(
    law: Law,
    timeline: &'static str,
    citation: &'static str,
    confidence: Confidence,
) -> ClockRule {
    ClockRule {
        law,
        types: STATE_RIGHTS,
        acknowledge: None,
        respond: days(45),
        respond_elsewhere: None,
        extension: Some(days(45)),
        rolls_to_working_day: false,
        timeline,
        citation,
        confidence,
    }
}

const fn appeal(
    law: Law,
    respond: u32,
    extension: Option<Period>,
    timeline: &'static str,
    citation: &'static str,
    confidence: Confidence,
) -> ClockRule {
    ClockRule {
        law,
        types: APPEAL,
        acknowledge: None,
        respond: days(respond),
        respond_elsewhere: None,
        extension,
        rolls_to_working_day: false,
        timeline,
        citation,
        confidence,
    }
}

/// The timelines of REGULATIONS.md §c, as data.
pub const CLOCK_RULES: &[ClockRule] = &[
    ClockRule {
        law: Law::Ccpa,
        types: KNOW_DELETE_CORRECT,
        acknowledge: Some(business_days(10)),
        respond: days(45),
        respond_elsewhere: None,
        extension: Some(days(45)),
        rolls_to_working_day: false,
        timeline: "T-01, T-02",
        citation: "11 CCR §7021(a)-(b); Civ. Code §1798.130(a)(2)(A)",
        confidence: Confidence::Verified,
    },
    ClockRule {
        law: Law::Ccpa,
        types: OPT_OUT,
        acknowledge: None,
        respond: business_days(15),
        respond_elsewhere: None,
        extension: None,
        rolls_to_working_day: false,
        timeline: "T-03",
        citation: "11 CCR §7026(f)(1)",
        confidence: Confidence::Secondary,
    },
    ClockRule {
        law: Law::Ccpa,
        types: LIMIT,
        acknowledge: None,
        respond: business_days(15),
        respond_elsewhere: None,
        extension: None,
        rolls_to_working_day: false,
        timeline: "T-04",
        citation: "11 CCR §7027(g)",
        confidence: Confidence::Secondary,
    },
    ClockRule {
        law: Law::Ccpa,
        types: SHINE,
        acknowledge: None,
        respond: days(30),
        respond_elsewhere: Some(days(150)),
        extension: None,
        rolls_to_working_day: false,
        timeline: "T-19",
        citation: "Civ. Code §1798.83",
        confidence: Confidence::Secondary,
    },
    ClockRule {
        law: Law::Gdpr,
        types: GDPR_RIGHTS,
        acknowledge: None,
        respond: months(1),
        respond_elsewhere: None,
        extension: Some(months(2)),
        rolls_to_working_day: true,
        timeline: "T-22",
        citation: "GDPR Art 12(3)",
        confidence: Confidence::Verified,
    },
    state(Law::Virginia, "T-29", "Va. Code §59.1-577(B)(1)-(2)", Confidence::Verified),
    state(Law::Colorado, "T-31", "C.R.S. §6-1-1306(2)", Confidence::Secondary),
    state(Law::Connecticut, "T-35", "Conn. Gen. Stat. §42-518(c)(1)", Confidence::Verified),
    state(Law::Texas, "T-37", "Tex. Bus. & Com. Code §541.052(b)", Confidence::Verified),
    // The Oregon extension is [U] in REGULATIONS.md (T-39).
    state(Law::Oregon, "T-39", "ORS 646A.576(5)", Confidence::Unconfirmed),
    ClockRule {
        law: Law::Utah,
        types: &[T::Know, T::Access, T::Delete, T::OptOutSaleShare],
        acknowledge: None,
        respond: days(45),
        respond_elsewhere: None,
        extension: Some(days(45)),
        rolls_to_working_day: false,
        timeline: "T-41",
        citation: "Utah Code §13-61-203(2)",
        confidence: Confidence::Verified,
    },
    appeal(Law::Virginia, 60, None, "T-30", "Va. Code §59.1-577(C)", Confidence::Verified),
    // Colorado's 60-day appeal extension is [U] (T-32).
    appeal(
        Law::Colorado,
        45,
        Some(days(60)),
        "T-32",
        "C.R.S. §6-1-1306(3)",
        Confidence::Unconfirmed,
    ),
    appeal(
        Law::Connecticut,
        60,
        None,
        "T-36",
        "Conn. Gen. Stat. §42-518(d)",
        Confidence::Secondary,
    ),
    appeal(Law::Texas, 60, None, "T-38", "Tex. Bus. & Com. Code §541.053", Confidence::Unconfirmed),
    appeal(Law::Oregon, 45, None, "T-40", "ORS 646A.576(6)(d)", Confidence::Verified),
];

/// The row for a law and a request type, or `None` when the law gives no such right.
pub fn rule(law: Law, request_type: RequestType) -> Option<&'static ClockRule> {
    CLOCK_RULES.iter().find(|rule| rule.law == law && rule.types.contains(&request_type))
}

/// Where and how a law's days are counted: the company's time zone there (the day of
/// receipt is a local date) and its business days.
#[derive(Clone, Debug)]
pub struct LawCalendar {
    /// The time zone that decides the day of receipt.
    pub timezone: TimeZone,
    /// Business days.
    pub business: BusinessCalendar,
}

/// The calendars of a program: one for US laws, one for the GDPR.
#[derive(Clone, Debug)]
pub struct Calendars {
    /// CCPA and the US state laws.
    pub us: LawCalendar,
    /// The GDPR (the member state of the company's establishment).
    pub eu: LawCalendar,
}

impl Calendars {
    /// The calendar a law counts in.
    pub fn for_law(&self, law: Law) -> &LawCalendar {
        if law == Law::Gdpr { &self.eu } else { &self.us }
    }

    /// The local date of `at` under `law`.
    pub fn local_date(&self, law: Law, at: Timestamp) -> Date {
        at.to_zoned(self.for_law(law).timezone.clone()).date()
    }
}

/// The due dates of one request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Deadlines {
    /// The day of receipt, in the company's time zone.
    pub received_on: Date,
    /// Confirm receipt by.
    pub acknowledge_by: Option<Date>,
    /// Respond by.
    pub respond_by: Date,
    /// The last day to notice an extension (inside the first period: ).
    pub extension_notice_by: Option<Date>,
    /// Respond by, once extended.
    pub extended_respond_by: Option<Date>,
}

impl Deadlines {
    /// The response deadline in force.
    pub fn due(&self, extended: bool) -> Date {
        match (extended, self.extended_respond_by) {
            (true, Some(date)) => date,
            _ => self.respond_by,
        }
    }
}

/// Works out the deadlines of a request received at `received_at` under `rule`.
/// `designated` says the request reached a contact point the business designated
/// (only Shine the Light distinguishes).
pub fn deadlines(
    rule: &ClockRule,
    received_at: Timestamp,
    designated: bool,
    calendar: &LawCalendar,
) -> Deadlines {
    let received_on = received_at.to_zoned(calendar.timezone.clone()).date();
    let respond_period = match (designated, rule.respond_elsewhere) {
        (false, Some(elsewhere)) => elsewhere,
        _ => rule.respond,
    };
    let apply = |period: Period| {
        let date = add(received_on, period, &calendar.business);
        if rule.rolls_to_working_day {
            calendar.business.on_or_next_business_day(date)
        } else {
            date
        }
    };
    let respond_by = apply(respond_period);
    let extended_respond_by = rule.extension.map(|extension| {
        let total = Period {
            amount: respond_period.amount.saturating_add(extension.amount),
            unit: extension.unit,
        };
        // Units agree in every row; were they ever to differ, the extension would be
        // counted from the first deadline instead. Either way it never shortens it.
        let date = if extension.unit == respond_period.unit {
            apply(total)
        } else {
            add(respond_by, extension, &calendar.business)
        };
        date.max(respond_by)
    });
    Deadlines {
        received_on,
        acknowledge_by: rule.acknowledge.map(|period| add(received_on, period, &calendar.business)),
        respond_by,
        extension_notice_by: rule.extension.map(|_| respond_by),
        extended_respond_by,
    }
}

/// Adds a period to a date. Saturates at the end of the supported range rather than
/// failing: no request is received in the year 9999.
fn add(date: Date, period: Period, business: &BusinessCalendar) -> Date {
    match period.unit {
        Unit::BusinessDays => business.add_business_days(date, period.amount),
        Unit::CalendarDays => {
            date.checked_add(i64::from(period.amount).days()).unwrap_or(Date::MAX)
        }
        // jiff clamps to the last day of the month (31 January + 1 month = 28 or 29
        // February), which is the rule of REGULATIONS.md §0.3.
        Unit::CalendarMonths => {
            date.checked_add(i64::from(period.amount).months()).unwrap_or(Date::MAX)
        }
    }
}

/// How a deadline stands on a given day.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Standing {
    /// Past the deadline by this many calendar days.
    Overdue(i32),
    /// Due within [`DUE_SOON_DAYS`] calendar days (0 = today).
    DueSoon(i32),
    /// Due later.
    OnTime(i32),
}

/// How close a deadline must be to be marked "due soon" (R-034 suggests alerts at 10,
/// 5 and 1 business days; a week of calendar days sits between the first two).
pub const DUE_SOON_DAYS: i32 = 7;

/// Where `due` stands on `today`.
pub fn standing(due: Date, today: Date) -> Standing {
    // `until` between two dates counts whole days by default.
    let left = today.until(due).map(|span| span.get_days()).unwrap_or(i32::MAX);
    if left < 0 {
        Standing::Overdue(left.saturating_neg())
    } else if left <= DUE_SOON_DAYS {
        Standing::DueSoon(left)
    } else {
        Standing::OnTime(left)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Reference as _;
    use crate::calendar::HolidayCalendar;
    use proptest::prelude::*;

    fn calendars() -> Calendars {
        let us =
            ["us-federal", "us-ca"].iter().filter_map(|id| HolidayCalendar::builtin(id)).collect();
        Calendars {
            us: LawCalendar {
                timezone: TimeZone::get("America/Los_Angeles").unwrap(),
                business: BusinessCalendar::new(us),
            },
            eu: LawCalendar {
                timezone: TimeZone::get("Europe/Dublin").unwrap(),
                business: BusinessCalendar::weekends_only(),
            },
        }
    }

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    fn date(text: &str) -> Date {
        text.parse().unwrap()
    }

    fn check(law: Law, request_type: RequestType, received: &str, expect: expect_test::Expect) {
        let cals = calendars();
        let rule = rule(law, request_type).unwrap();
        let d = deadlines(rule, at(received), true, cals.for_law(law));
        let show = |d: Option<Date>| d.map(|d| d.to_string()).unwrap_or_else(|| "-".to_owned());
        expect.assert_eq(&format!(
            "received {} ack {} respond {} notice {} extended {}",
            d.received_on,
            show(d.acknowledge_by),
            d.respond_by,
            show(d.extension_notice_by),
            show(d.extended_respond_by)
        ));
    }

    #[test]
    fn ccpa_request_received_the_day_before_thanksgiving_r030_r031_r032() {
        // Wednesday 25 November 2026, 9:00 in California. Thanksgiving (26th) and the day
        // after (27th, a California state holiday) are not business days, so the 10
        // business days of T-01 run 30 Nov … 11 Dec. 45 calendar days (T-02) end on
        // 9 January 2027 whatever day it is; the extension to 90 days, 23 February 2027.
        check(
            Law::Ccpa,
            RequestType::Delete,
            "2026-11-25T17:00:00Z",
            expect_test::expect![[
                "received 2026-11-25 ack 2026-12-11 respond 2027-01-09 notice 2027-01-09 extended 2027-02-23"
            ]],
        );
        // T-03: an opt-out applies within 15 business days: 18 December.
        check(
            Law::Ccpa,
            RequestType::OptOutSaleShare,
            "2026-11-25T17:00:00Z",
            expect_test::expect![[
                "received 2026-11-25 ack - respond 2026-12-18 notice - extended -"
            ]],
        );
    }

    #[test]
    fn the_day_of_receipt_is_the_local_date() {
        // 23:30 on 24 November in California is already the 25th in UTC.
        check(
            Law::Ccpa,
            RequestType::Know,
            "2026-11-25T07:30:00Z",
            expect_test::expect![[
                "received 2026-11-24 ack 2026-12-10 respond 2027-01-08 notice 2027-01-08 extended 2027-02-22"
            ]],
        );
    }

    #[test]
    fn gdpr_month_from_31_january_ends_on_the_last_day_of_february_then_the_next_working_day() {
        // REGULATIONS.md §0.3: 31 January + 1 month has no 31 February, so the last day of
        // February: Sunday 28 February 2027, which moves to Monday 1 March. Three months
        // (the two-month extension, Art 12(3)): 30 April 2027, a Friday.
        check(
            Law::Gdpr,
            RequestType::Access,
            "2027-01-31T10:00:00Z",
            expect_test::expect![[
                "received 2027-01-31 ack - respond 2027-03-01 notice 2027-03-01 extended 2027-04-30"
            ]],
        );
        // In a leap year the month ends on 29 February (a Tuesday in 2028).
        check(
            Law::Gdpr,
            RequestType::Delete,
            "2028-01-31T10:00:00Z",
            expect_test::expect![[
                "received 2028-01-31 ack - respond 2028-02-29 notice 2028-02-29 extended 2028-05-01"
            ]],
        );
    }

    #[test]
    fn shine_the_light_allows_150_days_outside_the_designated_contact_point_r212() {
        let cals = calendars();
        let rule = rule(Law::Ccpa, RequestType::ShineTheLight).unwrap();
        let designated = deadlines(rule, at("2026-11-25T17:00:00Z"), true, &cals.us);
        let elsewhere = deadlines(rule, at("2026-11-25T17:00:00Z"), false, &cals.us);
        assert_eq!(designated.respond_by, date("2026-12-25"));
        assert_eq!(elsewhere.respond_by, date("2027-04-24"));
    }

    #[test]
    fn state_laws_answer_in_45_days_and_appeals_in_their_own_periods_r280_r282() {
        check(
            Law::Virginia,
            RequestType::Access,
            "2026-11-25T17:00:00Z",
            expect_test::expect![[
                "received 2026-11-25 ack - respond 2027-01-09 notice 2027-01-09 extended 2027-02-23"
            ]],
        );
        let appeal = |law: Law| {
            let cals = calendars();
            deadlines(
                rule(law, RequestType::Appeal).unwrap(),
                at("2026-11-25T17:00:00Z"),
                true,
                &cals.us,
            )
            .respond_by
        };
        assert_eq!(appeal(Law::Virginia), date("2027-01-24"));
        assert_eq!(appeal(Law::Connecticut), date("2027-01-24"));
        assert_eq!(appeal(Law::Texas), date("2027-01-24"));
        assert_eq!(appeal(Law::Colorado), date("2027-01-09"));
        assert_eq!(appeal(Law::Oregon), date("2027-01-09"));
        assert!(rule(Law::Utah, RequestType::Appeal).is_none());
        assert!(rule(Law::Ccpa, RequestType::Appeal).is_none());
        assert!(rule(Law::Utah, RequestType::Correct).is_none());
    }

    #[test]
    fn every_rule_cites_its_source_and_no_two_rows_overlap() {
        for (index, rule) in CLOCK_RULES.iter().enumerate() {
            assert!(!rule.citation.is_empty() && rule.timeline.starts_with("T-"));
            for other in &CLOCK_RULES[index + 1..] {
                if other.law == rule.law {
                    assert!(
                        other.types.iter().all(|t| !rule.types.contains(t)),
                        "{} {}",
                        rule.law,
                        rule.timeline
                    );
                }
            }
        }
    }

    #[test]
    fn standings_count_calendar_days() {
        let due = date("2026-12-11");
        assert_eq!(standing(due, date("2026-12-12")), Standing::Overdue(1));
        assert_eq!(standing(due, date("2026-12-11")), Standing::DueSoon(0));
        assert_eq!(standing(due, date("2026-12-04")), Standing::DueSoon(7));
        assert_eq!(standing(due, date("2026-12-03")), Standing::OnTime(8));
    }

    fn any_rule() -> impl Strategy<Value = &'static ClockRule> {
        (0..CLOCK_RULES.len()).prop_map(|index| &CLOCK_RULES[index])
    }

    proptest! {
        #[test]
        fn business_day_deadlines_are_business_days(
            rule in any_rule(),
            seconds in 1_577_836_800i64..2_208_988_800, // 2020..2040
            designated in any::<bool>(),
        ) {
            let cals = calendars();
            let calendar = cals.for_law(rule.law);
            let received = Timestamp::from_second(seconds).unwrap();
            let d = deadlines(rule, received, designated, calendar);
            if let Some(ack) = d.acknowledge_by {
                prop_assert!(calendar.business.is_business_day(ack), "{ack}");
                prop_assert!(ack > d.received_on);
            }
            if rule.respond.unit == Unit::BusinessDays || rule.rolls_to_working_day {
                prop_assert!(calendar.business.is_business_day(d.respond_by), "{}", d.respond_by);
            }
            if rule.rolls_to_working_day
                && let Some(extended) = d.extended_respond_by
            {
                prop_assert!(calendar.business.is_business_day(extended));
            }
            prop_assert!(d.respond_by > d.received_on);
        }

        #[test]
        fn an_extension_never_shortens_a_deadline(
            rule in any_rule(),
            seconds in 1_577_836_800i64..2_208_988_800,
        ) {
            let cals = calendars();
            let d = deadlines(rule, Timestamp::from_second(seconds).unwrap(), true, cals.for_law(rule.law));
            prop_assert!(d.due(true) >= d.due(false));
            if let (Some(extended), Some(notice)) = (d.extended_respond_by, d.extension_notice_by) {
                prop_assert!(extended > d.respond_by, "{} !> {}", extended, d.respond_by);
                prop_assert!(notice <= d.respond_by);
            }
            prop_assert_eq!(d.extended_respond_by.is_some(), rule.extension.is_some());
        }

        #[test]
        fn later_receipt_never_gives_an_earlier_deadline(
            rule in any_rule(),
            seconds in 1_577_836_800i64..2_208_988_800,
            later_days in 0i64..40,
        ) {
            let cals = calendars();
            let calendar = cals.for_law(rule.law);
            let first = deadlines(rule, Timestamp::from_second(seconds).unwrap(), true, calendar);
            let second = deadlines(rule, Timestamp::from_second(seconds + later_days * 86_400).unwrap(), true, calendar);
            prop_assert!(second.respond_by >= first.respond_by);
            prop_assert!(second.due(true) >= first.due(true));
        }
    }

    #[test]
    fn rule_labels_are_known_laws() {
        for rule in CLOCK_RULES {
            assert!(Law::from_id(rule.law.id()).is_some());
        }
    }
}
