//! Tests of holiday calendars and business-day arithmetic: snapshots of the built-in
//! and example calendars (checked by hand against published dates), the parser's
//! error messages and limits, and properties of the arithmetic under proptest.

use std::fmt::Write as _;
use std::ops::RangeInclusive;

use expect_test::{Expect, expect};
use jiff::civil::{Weekday, date};
use proptest::prelude::*;

use super::rule::{Anchor, Rule, easter, orthodox_easter};
use super::*;

const HEADER: &str = "format = 1\nid = test\nname = Test\n";

fn builtin(id: &str) -> HolidayCalendar {
    HolidayCalendar::builtin(id).unwrap()
}

fn example(id: &str) -> HolidayCalendar {
    let text = match id {
        "ie" => include_str!("../../../../examples/calendars/ie.cal"),
        "de" => include_str!("../../../../examples/calendars/de.cal"),
        "fr" => include_str!("../../../../examples/calendars/fr.cal"),
        _ => "",
    };
    HolidayCalendar::parse(text).unwrap()
}

/// The default of REGULATIONS.md §0.3: US federal and California state holidays.
fn us_default() -> BusinessCalendar {
    BusinessCalendar::new(vec![builtin("us-federal"), builtin("us-ca")])
}

fn parse_rules(rules: &str) -> HolidayCalendar {
    HolidayCalendar::parse(&format!("{HEADER}{rules}")).unwrap()
}

#[track_caller]
fn check_holidays(calendar: &HolidayCalendar, years: RangeInclusive<i16>, expect: Expect) {
    let mut listing = String::new();
    for year in years {
        for holiday in calendar.holidays(year) {
            writeln!(listing, "{} {} {}", holiday.date, holiday.date.strftime("%a"), holiday.name)
                .unwrap();
        }
    }
    expect.assert_eq(&listing);
}

/// Each input gives its error; rule lines get a valid header first.
#[track_caller]
fn check_errors(inputs: &[&str], with_header: bool, expect: Expect) {
    let mut listing = String::new();
    for input in inputs {
        let text = if with_header { format!("{HEADER}{input}") } else { (*input).to_owned() };
        let outcome = match HolidayCalendar::parse(&text) {
            Ok(_) => "accepted".to_owned(),
            Err(error) => error.to_string(),
        };
        let shown = input
            .replace('\n', "⏎")
            .replace('\r', "␍")
            .replace('\t', "⇥")
            .replace('\u{feff}', "<BOM>");
        writeln!(listing, "{shown}\n    {outcome}").unwrap();
    }
    expect.assert_eq(&listing);
}

#[test]
fn us_federal_holidays_2024_to_2030() {
    // Checked by hand against OPM's federal holiday tables: 2026-07-03 (July 4 is a
    // Saturday), 2027-06-18, 2027-07-05, 2027-12-24 and 2027-12-31 (New Year's Day
    // 2028 is a Saturday, so 2028 has no January 1 holiday), 2028-11-10.
    check_holidays(
        &builtin("us-federal"),
        2024..=2030,
        expect![[r#"
            2024-01-01 Mon New Year's Day
            2024-01-15 Mon Birthday of Martin Luther King, Jr.
            2024-02-19 Mon Washington's Birthday
            2024-05-27 Mon Memorial Day
            2024-06-19 Wed Juneteenth National Independence Day
            2024-07-04 Thu Independence Day
            2024-09-02 Mon Labor Day
            2024-10-14 Mon Columbus Day
            2024-11-11 Mon Veterans Day
            2024-11-28 Thu Thanksgiving Day
            2024-12-25 Wed Christmas Day
            2025-01-01 Wed New Year's Day
            2025-01-20 Mon Birthday of Martin Luther King, Jr.
            2025-02-17 Mon Washington's Birthday
            2025-05-26 Mon Memorial Day
            2025-06-19 Thu Juneteenth National Independence Day
            2025-07-04 Fri Independence Day
            2025-09-01 Mon Labor Day
            2025-10-13 Mon Columbus Day
            2025-11-11 Tue Veterans Day
            2025-11-27 Thu Thanksgiving Day
            2025-12-25 Thu Christmas Day
            2026-01-01 Thu New Year's Day
            2026-01-19 Mon Birthday of Martin Luther King, Jr.
            2026-02-16 Mon Washington's Birthday
            2026-05-25 Mon Memorial Day
            2026-06-19 Fri Juneteenth National Independence Day
            2026-07-03 Fri Independence Day
            2026-09-07 Mon Labor Day
            2026-10-12 Mon Columbus Day
            2026-11-11 Wed Veterans Day
            2026-11-26 Thu Thanksgiving Day
            2026-12-25 Fri Christmas Day
            2027-01-01 Fri New Year's Day
            2027-01-18 Mon Birthday of Martin Luther King, Jr.
            2027-02-15 Mon Washington's Birthday
            2027-05-31 Mon Memorial Day
            2027-06-18 Fri Juneteenth National Independence Day
            2027-07-05 Mon Independence Day
            2027-09-06 Mon Labor Day
            2027-10-11 Mon Columbus Day
            2027-11-11 Thu Veterans Day
            2027-11-25 Thu Thanksgiving Day
            2027-12-24 Fri Christmas Day
            2027-12-31 Fri New Year's Day
            2028-01-17 Mon Birthday of Martin Luther King, Jr.
            2028-02-21 Mon Washington's Birthday
            2028-05-29 Mon Memorial Day
            2028-06-19 Mon Juneteenth National Independence Day
            2028-07-04 Tue Independence Day
            2028-09-04 Mon Labor Day
            2028-10-09 Mon Columbus Day
            2028-11-10 Fri Veterans Day
            2028-11-23 Thu Thanksgiving Day
            2028-12-25 Mon Christmas Day
            2029-01-01 Mon New Year's Day
            2029-01-15 Mon Birthday of Martin Luther King, Jr.
            2029-02-19 Mon Washington's Birthday
            2029-05-28 Mon Memorial Day
            2029-06-19 Tue Juneteenth National Independence Day
            2029-07-04 Wed Independence Day
            2029-09-03 Mon Labor Day
            2029-10-08 Mon Columbus Day
            2029-11-12 Mon Veterans Day
            2029-11-22 Thu Thanksgiving Day
            2029-12-25 Tue Christmas Day
            2030-01-01 Tue New Year's Day
            2030-01-21 Mon Birthday of Martin Luther King, Jr.
            2030-02-18 Mon Washington's Birthday
            2030-05-27 Mon Memorial Day
            2030-06-19 Wed Juneteenth National Independence Day
            2030-07-04 Thu Independence Day
            2030-09-02 Mon Labor Day
            2030-10-14 Mon Columbus Day
            2030-11-11 Mon Veterans Day
            2030-11-28 Thu Thanksgiving Day
            2030-12-25 Wed Christmas Day
        "#]],
    );
}

#[test]
fn us_ca_holidays_2024_to_2030() {
    // Checked by hand against CalHR's 2024 list (Cesar Chavez Day observed Monday
    // April 1) and Gov. Code §6701: Sunday holidays move to Monday, Saturday ones stay
    // (July 4 2026, December 25 2027), except Veterans Day (Friday 2028-11-10).
    check_holidays(
        &builtin("us-ca"),
        2024..=2030,
        expect![[r#"
            2024-01-01 Mon New Year's Day
            2024-01-15 Mon Martin Luther King, Jr. Day
            2024-02-19 Mon Presidents' Day
            2024-04-01 Mon Cesar Chavez Day
            2024-05-27 Mon Memorial Day
            2024-07-04 Thu Independence Day
            2024-09-02 Mon Labor Day
            2024-11-11 Mon Veterans Day
            2024-11-28 Thu Thanksgiving Day
            2024-11-29 Fri Day after Thanksgiving
            2024-12-25 Wed Christmas Day
            2025-01-01 Wed New Year's Day
            2025-01-20 Mon Martin Luther King, Jr. Day
            2025-02-17 Mon Presidents' Day
            2025-03-31 Mon Cesar Chavez Day
            2025-05-26 Mon Memorial Day
            2025-07-04 Fri Independence Day
            2025-09-01 Mon Labor Day
            2025-11-11 Tue Veterans Day
            2025-11-27 Thu Thanksgiving Day
            2025-11-28 Fri Day after Thanksgiving
            2025-12-25 Thu Christmas Day
            2026-01-01 Thu New Year's Day
            2026-01-19 Mon Martin Luther King, Jr. Day
            2026-02-16 Mon Presidents' Day
            2026-03-31 Tue Cesar Chavez Day
            2026-05-25 Mon Memorial Day
            2026-07-04 Sat Independence Day
            2026-09-07 Mon Labor Day
            2026-11-11 Wed Veterans Day
            2026-11-26 Thu Thanksgiving Day
            2026-11-27 Fri Day after Thanksgiving
            2026-12-25 Fri Christmas Day
            2027-01-01 Fri New Year's Day
            2027-01-18 Mon Martin Luther King, Jr. Day
            2027-02-15 Mon Presidents' Day
            2027-03-31 Wed Cesar Chavez Day
            2027-05-31 Mon Memorial Day
            2027-07-05 Mon Independence Day
            2027-09-06 Mon Labor Day
            2027-11-11 Thu Veterans Day
            2027-11-25 Thu Thanksgiving Day
            2027-11-26 Fri Day after Thanksgiving
            2027-12-25 Sat Christmas Day
            2028-01-01 Sat New Year's Day
            2028-01-17 Mon Martin Luther King, Jr. Day
            2028-02-21 Mon Presidents' Day
            2028-03-31 Fri Cesar Chavez Day
            2028-05-29 Mon Memorial Day
            2028-07-04 Tue Independence Day
            2028-09-04 Mon Labor Day
            2028-11-10 Fri Veterans Day
            2028-11-23 Thu Thanksgiving Day
            2028-11-24 Fri Day after Thanksgiving
            2028-12-25 Mon Christmas Day
            2029-01-01 Mon New Year's Day
            2029-01-15 Mon Martin Luther King, Jr. Day
            2029-02-19 Mon Presidents' Day
            2029-03-31 Sat Cesar Chavez Day
            2029-05-28 Mon Memorial Day
            2029-07-04 Wed Independence Day
            2029-09-03 Mon Labor Day
            2029-11-12 Mon Veterans Day
            2029-11-22 Thu Thanksgiving Day
            2029-11-23 Fri Day after Thanksgiving
            2029-12-25 Tue Christmas Day
            2030-01-01 Tue New Year's Day
            2030-01-21 Mon Martin Luther King, Jr. Day
            2030-02-18 Mon Presidents' Day
            2030-04-01 Mon Cesar Chavez Day
            2030-05-27 Mon Memorial Day
            2030-07-04 Thu Independence Day
            2030-09-02 Mon Labor Day
            2030-11-11 Mon Veterans Day
            2030-11-28 Thu Thanksgiving Day
            2030-11-29 Fri Day after Thanksgiving
            2030-12-25 Wed Christmas Day
        "#]],
    );
}

#[test]
fn hand_checked_dates() {
    let federal = BusinessCalendar::new(vec![builtin("us-federal")]);
    let california = BusinessCalendar::new(vec![builtin("us-ca")]);
    let cases = [
        (date(2026, 11, 26), Some("Thanksgiving Day"), Some("Thanksgiving Day")),
        (date(2026, 11, 27), None, Some("Day after Thanksgiving")),
        (date(2027, 6, 18), Some("Juneteenth National Independence Day"), None),
        (date(2027, 6, 19), None, None),
        (date(2027, 12, 31), Some("New Year's Day"), None),
        (date(2028, 1, 1), None, Some("New Year's Day")),
        (date(2027, 12, 24), Some("Christmas Day"), None),
        (date(2027, 12, 25), None, Some("Christmas Day")),
        (date(2028, 11, 10), Some("Veterans Day"), Some("Veterans Day")),
        (date(2028, 11, 11), None, None),
        (date(2024, 4, 1), None, Some("Cesar Chavez Day")),
        (date(2026, 7, 3), Some("Independence Day"), None),
        (date(2026, 7, 4), None, Some("Independence Day")),
        // History encoded in the federal file: Veterans Day in October 1971-1977, and
        // Washington's Birthday on February 22 (a Sunday in 1970, so Monday the 23rd).
        (date(1975, 10, 27), Some("Veterans Day"), None),
        (date(1970, 2, 23), Some("Washington's Birthday"), None),
        (date(1985, 1, 21), None, Some("Martin Luther King, Jr. Day")),
    ];
    for (day, federal_name, california_name) in cases {
        assert_eq!(federal.holiday_name(day), federal_name, "federal {day}");
        assert_eq!(california.holiday_name(day), california_name, "california {day}");
    }
    // A holiday observed in the year before belongs to that year's list.
    let federal_2021 = builtin("us-federal").holidays(2021);
    assert_eq!(
        federal_2021.last(),
        Some(&Holiday { date: date(2021, 12, 31), name: "New Year's Day".to_owned() })
    );
    assert!(
        builtin("us-federal")
            .holidays(2022)
            .iter()
            .all(|holiday| holiday.date.month() != 1 || holiday.name != "New Year's Day")
    );
}

#[test]
fn worked_example_thanksgiving_week() {
    // A request received the day before Thanksgiving 2026: Nov 26 (federal and
    // California) and Nov 27 (California) are holidays, so the ten business days to
    // confirm receipt (11 CCR §7021(a)) end on Friday December 11, and the fifteen to
    // honour an opt-out (§7026(f)) on Friday December 18.
    let calendar = us_default();
    assert_eq!(calendar.add_business_days(date(2026, 11, 25), 10), date(2026, 12, 11));
    assert_eq!(calendar.add_business_days(date(2026, 11, 25), 15), date(2026, 12, 18));
    assert_eq!(calendar.add_business_days(date(2026, 11, 25), 1), date(2026, 11, 30));
    assert_eq!(calendar.add_business_days(date(2026, 11, 25), 0), date(2026, 11, 25));
    assert_eq!(calendar.on_or_next_business_day(date(2026, 11, 26)), date(2026, 11, 30));
    assert_eq!(calendar.on_or_next_business_day(date(2026, 11, 25)), date(2026, 11, 25));
    assert_eq!(calendar.calendar_ids(), ["us-federal", "us-ca"]);
    assert_eq!(calendar.holiday_name(date(2026, 11, 26)), Some("Thanksgiving Day"));
    // Without calendars only weekends count.
    let weekends = BusinessCalendar::weekends_only();
    assert_eq!(weekends.add_business_days(date(2026, 11, 25), 10), date(2026, 12, 9));
    assert!(weekends.calendar_ids().is_empty());
    assert!(!weekends.is_business_day(date(2026, 11, 28)));
    assert!(weekends.is_business_day(date(2026, 11, 26)));
}

#[test]
fn builtins_are_listed_and_parse() {
    for id in HolidayCalendar::builtin_ids() {
        let calendar = builtin(id);
        assert_eq!(calendar.id(), *id);
        assert!(!calendar.name().is_empty());
    }
    assert_eq!(HolidayCalendar::builtin("us-ny"), None);
    assert_eq!(builtin("us-federal").name(), "United States federal holidays");
}

#[test]
fn easter_dates() {
    let western: Vec<_> = [2024, 2025, 2026, 2027, 2028, 2029, 2030, 1818, 2285, 1943, 2038]
        .into_iter()
        .map(|year| easter(year).unwrap().to_string())
        .collect();
    // 1818 and 2285 have the earliest possible Easter, 1943 and 2038 the latest.
    expect![[r#"
        2024-03-31 2025-04-20 2026-04-05 2027-03-28 2028-04-16 2029-04-01 2030-04-21 1818-03-22 2285-03-22 1943-04-25 2038-04-25"#]]
    .assert_eq(&western.join(" "));
    let orthodox: Vec<_> = [2024, 2025, 2026, 2027, 2030]
        .into_iter()
        .map(|year| orthodox_easter(year).unwrap().to_string())
        .collect();
    expect![[r#"2024-05-05 2025-04-20 2026-04-12 2027-05-02 2030-04-28"#]]
        .assert_eq(&orthodox.join(" "));
}

#[test]
fn easter_is_a_sunday_in_every_year_jiff_supports() {
    for year in -9999..=9999 {
        let western = easter(year).unwrap();
        assert_eq!(western.weekday(), Weekday::Sunday, "{year}");
        assert!((date(year, 3, 22)..=date(year, 4, 25)).contains(&western), "{year}");
        if let Some(orthodox) = orthodox_easter(year) {
            assert_eq!(orthodox.weekday(), Weekday::Sunday, "{year}");
        }
    }
}

#[test]
fn example_calendars() {
    // St Brigid's Day: the first Monday of February, or February 1 when it is a Friday
    // (2030). The 2022 one-off stands alone in 2022.
    let ireland = example("ie");
    let brigid: Vec<_> = (2022..=2031)
        .flat_map(|year| ireland.holidays(year))
        .filter(|holiday| {
            holiday.name.starts_with("St Brigid") || holiday.name.starts_with("Public")
        })
        .map(|holiday| format!("{} {}", holiday.date, holiday.date.strftime("%a")))
        .collect();
    expect!["2022-03-18 Fri, 2023-02-06 Mon, 2024-02-05 Mon, 2025-02-03 Mon, 2026-02-02 Mon, 2027-02-01 Mon, 2028-02-07 Mon, 2029-02-05 Mon, 2030-02-01 Fri, 2031-02-03 Mon"].assert_eq(&brigid.join(", "));
    check_holidays(
        &ireland,
        2026..=2026,
        expect![[r#"
        2026-01-01 Thu New Year's Day
        2026-02-02 Mon St Brigid's Day
        2026-03-17 Tue St Patrick's Day
        2026-04-06 Mon Easter Monday
        2026-05-04 Mon May Bank Holiday
        2026-06-01 Mon June Bank Holiday
        2026-08-03 Mon August Bank Holiday
        2026-10-26 Mon October Bank Holiday
        2026-12-25 Fri Christmas Day
        2026-12-26 Sat St Stephen's Day
    "#]],
    );
    check_holidays(
        &example("de"),
        2026..=2026,
        expect![[r#"
        2026-01-01 Thu Neujahr (New Year's Day)
        2026-04-03 Fri Karfreitag (Good Friday)
        2026-04-06 Mon Ostermontag (Easter Monday)
        2026-05-01 Fri Tag der Arbeit (Labour Day)
        2026-05-14 Thu Christi Himmelfahrt (Ascension Day)
        2026-05-25 Mon Pfingstmontag (Whit Monday)
        2026-10-03 Sat Tag der Deutschen Einheit (German Unity Day)
        2026-12-25 Fri 1. Weihnachtstag (Christmas Day)
        2026-12-26 Sat 2. Weihnachtstag (St Stephen's Day)
    "#]],
    );
    check_holidays(
        &example("fr"),
        2026..=2026,
        expect![[r#"
        2026-01-01 Thu Jour de l'an (New Year's Day)
        2026-04-06 Mon Lundi de Pâques (Easter Monday)
        2026-05-01 Fri Fête du Travail (Labour Day)
        2026-05-08 Fri Victoire 1945 (Victory in Europe Day)
        2026-05-14 Thu Ascension (Ascension Day)
        2026-05-25 Mon Lundi de Pentecôte (Whit Monday)
        2026-07-14 Tue Fête nationale (National Day)
        2026-08-15 Sat Assomption (Assumption Day)
        2026-11-01 Sun Toussaint (All Saints' Day)
        2026-11-11 Wed Armistice 1918 (Armistice Day)
        2026-12-25 Fri Noël (Christmas Day)
    "#]],
    );
    let germany = example("de");
    assert!(germany.holidays(2017).iter().any(|holiday| holiday.date == date(2017, 10, 31)));
    assert!(germany.holidays(2018).iter().all(|holiday| holiday.date != date(2018, 10, 31)));
    assert!(germany.holidays(1989).iter().all(|holiday| holiday.date.month() != 10));
}

#[test]
fn references_count_from_the_unmoved_date() {
    // 2022-01-01 is a Saturday: the holiday moves back to Friday, but a rule counting
    // from it starts at the Saturday, and keeps the years both rules share.
    let calendar = parse_rules(
        "jan 1 \"First\" from 2020 until 2030 move sat to previous fri as first\n\
         first +1 \"Second\" from 2022\n\
         first -1 \"Eve\"\n",
    );
    check_holidays(
        &calendar,
        2021..=2022,
        expect![[r#"
            2021-01-01 Fri First
            2021-12-31 Fri First
            2021-12-31 Fri Eve
            2022-01-02 Sun Second
            2022-12-31 Sat Eve
        "#]],
    );
    assert!(calendar.holidays(2019).iter().all(|holiday| holiday.name != "Second"));
    assert!(calendar.holidays(2031).is_empty());
}

#[test]
fn the_year_of_a_holiday_is_the_year_it_falls_in() {
    // Offsets and moves may carry a holiday across New Year; each list holds what falls
    // inside its year, even two occurrences of one rule.
    let calendar = parse_rules("easter +270 \"Late\"\ndec 31 +1 \"After\"\njan 1 -1 \"Before\"\n");
    check_holidays(
        &calendar,
        2024..=2025,
        expect![[r#"
            2024-01-01 Mon After
            2024-01-04 Thu Late
            2024-12-26 Thu Late
            2024-12-31 Tue Before
            2025-01-01 Wed After
            2025-12-31 Wed Before
        "#]],
    );
}

#[test]
fn rule_errors() {
    check_errors(
        &[
            "jna 1 \"New Year's Day\"",
            "jan 32 \"x\"",
            "jan first \"x\"",
            "apr 31 \"x\"",
            "feb 30 \"x\"",
            "feb 29 \"Leap Day\"",
            "jan",
            "jan 1",
            "jan 1 2 \"x\"",
            "jan 1 new \"x\"",
            "jan 1 \"\"",
            "jan 1 \"New Year's Day",
            "jan 1 \"x\" \"y\"",
            "\"New Year's Day\" jan 1",
            "5th mon of feb \"x\"",
            "first mon of feb \"x\"",
            "3rd mnd of jan \"x\"",
            "3rd mon jan \"x\"",
            "3rd mon of",
            "3rd mon of jna \"x\"",
            "3rd",
            "thanksgiving +1 \"Day after\"",
            "halloween",
            "easter 2 \"x\"",
            "easter +x \"x\"",
            "easter +301 \"x\"",
            "easter +200 \"a\" as a\na +200 \"b\"",
            "date 2025-13-01 \"x\"",
            "date 2025-1-9 \"x\"",
            "date",
            "date 2025-01-09 \"x\" from 2025",
            "jan 1 \"x\" from",
            "jan 1 \"x\" from 20x1",
            "jan 1 \"x\" until 10000",
            "jan 1 \"x\" from 2030 until 2020",
            "jan 1 \"x\" from 2021 from 2022",
            "jan 1 \"x\" as",
            "jan 1 \"x\" as Thanks",
            "jan 1 \"x\" as easter",
            "jan 1 \"x\" as mon",
            "jan 1 \"x\" as a as b",
            "jan 1 \"x\" as a\njan 2 \"y\" as a",
            "jan 1 \"x\" from 2030 as a\na +1 \"y\" until 2020",
            "jan 1 \"x\" fromm 2021",
            "jan 1 \"x\" move",
            "jan 1 \"x\" move sat",
            "jan 1 \"x\" move sat to fri",
            "jan 1 \"x\" move sat to next",
            "jan 1 \"x\" move sat to next sat",
            "jan 1 \"x\" move sat sun to next mon, sat to previous fri",
            "jan 1 \"x\" move sat to previous fri move sun to next mon",
            "jan 1 \"x\" move xyz to next mon",
            "jan 1 \"a\tb\"",
            "jan 1 \"This name goes on and on, far longer than any holiday could ever need, past the two hundred bytes that the format allows for one name, so that it has to be refused with an error that says how to fix it by shortening it\"",
        ],
        true,
        expect![[r#"
            jna 1 "New Year's Day"
                line 4: unknown month `jna`; write jan, feb, mar, apr, may, jun, jul, aug, sep, oct, nov or dec
            jan 32 "x"
                line 4: day `32` is not a number from 1 to 31, as in `jan 1`
            jan first "x"
                line 4: day `first` is not a number from 1 to 31, as in `jan 1`
            apr 31 "x"
                line 4: `apr 31` does not exist: april has 30 days
            feb 30 "x"
                line 4: `feb 30` does not exist: february has at most 29 days
            feb 29 "Leap Day"
                line 4: `feb 29` does not happen every year; write `feb 28` or `mar 1`, or a one-off `date 2028-02-29`
            jan
                line 4: expected a day of the month after `jan`, as in `jan 1`
            jan 1
                line 4: expected the holiday's name in double quotes after `jan 1`, e.g. `jan 1 "New Year's Day"`
            jan 1 2 "x"
                line 4: expected the holiday's name in double quotes after `jan 1`, found `2`; an offset needs its sign, as in `jan 1 +2`
            jan 1 new "x"
                line 4: expected the holiday's name in double quotes after `jan 1`, found `new`
            jan 1 ""
                line 4: the holiday's name is empty; write it out, e.g. "New Year's Day"
            jan 1 "New Year's Day
                line 4: the name `"New Year's Day` has no closing `"`; add one
            jan 1 "x" "y"
                line 4: unexpected second name `"y"`; a holiday has one name
            "New Year's Day" jan 1
                line 4: a holiday line starts with its date, then its name in double quotes, e.g. `jan 1 "New Year's Day"`
            5th mon of feb "x"
                line 4: `5th mon of feb` does not happen every year; use `last mon of feb`
            first mon of feb "x"
                line 4: unknown ordinal `first`; write 1st, 2nd, 3rd, 4th or last, as in `1st mon of may`
            3rd mnd of jan "x"
                line 4: unknown weekday `mnd`; write mon, tue, wed, thu, fri, sat or sun
            3rd mon jan "x"
                line 4: expected `of` after `3rd mon`, as in `3rd mon of jan`
            3rd mon of
                line 4: expected a month after `3rd mon of`, as in `3rd mon of jan`
            3rd mon of jna "x"
                line 4: unknown month `jna`; write jan, feb, mar, apr, may, jun, jul, aug, sep, oct, nov or dec
            3rd
                line 4: expected a weekday after `3rd`, as in `3rd mon of jan`
            thanksgiving +1 "Day after"
                line 4: no rule above is named `thanksgiving`; add `as thanksgiving` to the rule this one counts from, above this line
            halloween
                line 4: `halloween` does not start a holiday rule; write a date such as `jan 1`, `3rd mon of jan`, `last mon of may`, `easter -2` or `date 2025-01-09`, or the key of a rule above named with `as`
            easter 2 "x"
                line 4: expected the holiday's name in double quotes after `easter`, found `2`; an offset needs its sign, as in `easter +2`
            easter +x "x"
                line 4: offset `+x` is not a number of days; write it as `+1` or `-2`
            easter +301 "x"
                line 4: offset `+301` is more than 300 days; a holiday must stay within a year of its anchor
            easter +200 "a" as a⏎a +200 "b"
                line 5: `a +200` is +400 days from its anchor in all, more than 300; count from a closer date
            date 2025-13-01 "x"
                line 4: `2025-13-01` is not a date; write YYYY-MM-DD, as in `date 2025-01-09`
            date 2025-1-9 "x"
                line 4: `2025-1-9` is not a date; write YYYY-MM-DD, as in `date 2025-01-09`
            date
                line 4: expected a date after `date`, as in `date 2025-01-09`
            date 2025-01-09 "x" from 2025
                line 4: `from` does not apply to a one-off `date`, which names its own year; remove it
            jan 1 "x" from
                line 4: `from` needs a year, as in `from 2021`
            jan 1 "x" from 20x1
                line 4: `from 20x1` needs a year from 1 to 9999, as in `from 2021`
            jan 1 "x" until 10000
                line 4: `until 10000` needs a year from 1 to 9999, as in `until 2021`
            jan 1 "x" from 2030 until 2020
                line 4: `from 2030` is after `until 2020`, so the rule never applies; swap them
            jan 1 "x" from 2021 from 2022
                line 4: `from` is given twice; keep one
            jan 1 "x" as
                line 4: `as` needs a key, as in `as thanksgiving`
            jan 1 "x" as Thanks
                line 4: key `Thanks` is not valid; use lowercase letters, digits and `-`, starting with a letter, at most 64 bytes, as in `as thanksgiving`
            jan 1 "x" as easter
                line 4: `easter` is a word of the format and cannot be a key; choose another, such as `easter-day`
            jan 1 "x" as mon
                line 4: `mon` is a word of the format and cannot be a key; choose another, such as `mon-day`
            jan 1 "x" as a as b
                line 4: `as` is given twice; a rule has one key
            jan 1 "x" as a⏎jan 2 "y" as a
                line 5: key `a` is already used on line 4; choose another
            jan 1 "x" from 2030 as a⏎a +1 "y" until 2020
                line 5: the years of this rule do not overlap those of `a`, so it never applies; check `from` and `until`
            jan 1 "x" fromm 2021
                line 4: unknown option `fromm`; after the name write `from YEAR`, `until YEAR`, `move …` or `as KEY`
            jan 1 "x" move
                line 4: expected weekdays after `move`, as in `move sat to previous fri, sun to next mon`
            jan 1 "x" move sat
                line 4: expected `to` after the weekdays to move, as in `move sat to previous fri`
            jan 1 "x" move sat to fri
                line 4: expected `previous` or `next` after `to`, as in `move sat to previous fri`
            jan 1 "x" move sat to next
                line 4: expected a weekday after `to next`, as in `move sun to next mon`
            jan 1 "x" move sat to next sat
                line 4: `move sat to next sat` moves the holiday a whole week; name another weekday
            jan 1 "x" move sat sun to next mon, sat to previous fri
                line 4: `sat` is moved twice; keep one
            jan 1 "x" move sat to previous fri move sun to next mon
                line 4: `move` is given twice; list every weekday in one `move`, separated by commas
            jan 1 "x" move xyz to next mon
                line 4: unknown weekday `xyz`; write mon, tue, wed, thu, fri, sat or sun
            jan 1 "a⇥b"
                line 4: the holiday's name `a�b` contains a control character; remove it
            jan 1 "This name goes on and on, far longer than any holiday could ever need, past the two hundred bytes that the format allows for one name, so that it has to be refused with an error that says how to fix it by shortening it"
                line 4: the holiday's name `This name goes on and on, far longer tha…` is longer than 200 bytes; shorten it
        "#]],
    );
}

#[test]
fn file_errors() {
    check_errors(
        &[
            "",
            "# only a comment\n\n",
            "id = x\nformat = 1",
            "jan 1 \"x\"",
            "format = 2",
            "format = 1\nformat = 1",
            "format = 1\nname = X\njan 1 \"x\"",
            "format = 1\nid = x\njan 1 \"x\"",
            "format = 1\nid = x\nname = X\njan 1 \"x\"\nid = y",
            "format = 1\nid = x\nid = y",
            "format = 1\nid = x\njan 1 \"x\"\nname = X",
            "format = 1\nid = US Federal",
            "format = 1\nid =",
            "format = 1\nname =",
            "format = 1\nname = \"Unclosed",
            "format = 1\nversion = 1",
            "format = 1\nid = x\nname = X # a trailing comment\njan 1 \"A # B\" # comment\n",
            "\u{feff}format = 1\r\nid = x\r\nname = \"Quoted\"\r\n, jan 1, \"x\",\r\n",
            "format = 1\nid = x\nname = X\nJanuary 1 \"x\"\nLAST Monday OF May \"y\"\n",
        ],
        false,
        expect![[r#"

                line 1: the calendar has no `format = 1` line; start it with `format = 1`, then `id = …` and `name = …`
            # only a comment⏎⏎
                line 1: the calendar has no `format = 1` line; start it with `format = 1`, then `id = …` and `name = …`
            id = x⏎format = 1
                line 1: the first line that is not a comment must be `format = 1`; add it above this line
            jan 1 "x"
                line 1: the first line that is not a comment must be `format = 1`; add it above this line
            format = 2
                line 1: unsupported format `2`; this version of ombud reads `format = 1`
            format = 1⏎format = 1
                line 2: `format` is set twice (first on line 1); keep one
            format = 1⏎name = X⏎jan 1 "x"
                line 1: the calendar has no `id`; add one after `format = 1`, e.g. `id = ie`
            format = 1⏎id = x⏎jan 1 "x"
                line 1: the calendar has no `name`; add one after `format = 1`, e.g. `name = Ireland public holidays`
            format = 1⏎id = x⏎name = X⏎jan 1 "x"⏎id = y
                line 5: `id` is set twice (first on line 2); keep one
            format = 1⏎id = x⏎id = y
                line 3: `id` is set twice (first on line 2); keep one
            format = 1⏎id = x⏎jan 1 "x"⏎name = X
                line 4: `name` must come before the first holiday (line 3); move it up
            format = 1⏎id = US Federal
                line 2: id `US Federal` is not valid; use lowercase letters, digits and `-`, starting with a letter, at most 64 bytes, e.g. `id = us-federal`
            format = 1⏎id =
                line 2: `id` is empty; write one, e.g. `id = us-federal`
            format = 1⏎name =
                line 2: the calendar name is empty; write it out, e.g. `name = Ireland public holidays`
            format = 1⏎name = "Unclosed
                line 2: the value `"Unclosed` has no closing `"`; add one
            format = 1⏎version = 1
                line 2: unknown setting `version`; the settings are `format`, `id` and `name`
            format = 1⏎id = x⏎name = X # a trailing comment⏎jan 1 "A # B" # comment⏎
                accepted
            <BOM>format = 1␍⏎id = x␍⏎name = "Quoted"␍⏎, jan 1, "x",␍⏎
                accepted
            format = 1⏎id = x⏎name = X⏎January 1 "x"⏎LAST Monday OF May "y"⏎
                accepted
        "#]],
    );
}

#[test]
fn errors_display_as_line_and_message() {
    let error = CalendarError { line: 7, message: "unknown month `jna`".to_owned() };
    assert_eq!(error.to_string(), "line 7: unknown month `jna`");
    let boxed: Box<dyn std::error::Error> = Box::new(error);
    assert!(boxed.source().is_none());
}

#[test]
fn file_size_limit_at_and_one_past() {
    let padding_bytes = CALENDAR_BYTES_MAX - HEADER.len() - 1;
    let at_limit = format!("{HEADER}#{}", "a".repeat(padding_bytes));
    assert_eq!(at_limit.len(), CALENDAR_BYTES_MAX);
    assert!(HolidayCalendar::parse(&at_limit).is_ok());
    let past_limit = format!("{at_limit}a");
    expect!["line 4: the calendar is 65537 bytes, more than the 65536 allowed; split it into several calendars"].assert_eq(&HolidayCalendar::parse(&past_limit).unwrap_err().to_string());
}

#[test]
fn rule_count_limit_at_and_one_past() {
    let rules = "jan 1 \"Holiday\"\n".repeat(CALENDAR_RULES_MAX);
    let at_limit = HolidayCalendar::parse(&format!("{HEADER}{rules}")).unwrap();
    assert_eq!(at_limit.holidays(2026).len(), CALENDAR_RULES_MAX);
    let past_limit = format!("{HEADER}{rules}jan 2 \"One too many\"\n");
    expect!["line 504: more than 500 holiday rules; split the calendar into several calendars"]
        .assert_eq(&HolidayCalendar::parse(&past_limit).unwrap_err().to_string());
}

#[test]
fn the_ends_of_jiffs_range_saturate() {
    let calendar = us_default();
    assert_eq!(calendar.add_business_days(date(9999, 12, 1), 100), Date::MAX);
    assert_eq!(calendar.add_business_days(Date::MIN, u32::MAX), Date::MAX);
    assert_eq!(calendar.add_business_days(Date::MAX, 1), Date::MAX);
    assert_eq!(calendar.on_or_next_business_day(Date::MAX), Date::MAX);
    assert_eq!(calendar.add_business_days(Date::MIN, 1), date(-9999, 1, 2));
    // January 1 of the first year is a holiday in both calendars.
    let first = calendar.on_or_next_business_day(Date::MIN);
    assert!(first > Date::MIN && calendar.is_business_day(first));
    for year in [i16::MIN, -10000, -9999, 9999, 10000, i16::MAX] {
        let holidays = builtin("us-federal").holidays(year);
        assert!(holidays.iter().all(|holiday| holiday.date.year() == year));
    }
    assert!(builtin("us-federal").holidays(i16::MAX).is_empty());
    // Years of business days at once take the year-at-a-time path; a day-by-day count
    // agrees with it.
    let start = date(2024, 3, 15);
    let far = calendar.add_business_days(start, 2_500);
    assert_eq!(count_business_days(&calendar, start, far), 2_500);
    assert!(calendar.is_business_day(far));
    // Every day a holiday (January 1 to October 28 counted forwards, the rest back
    // from December 31): no business day is ever found, and the search ends at the end
    // of jiff's range instead of looping.
    let every_day: String = (0..=300)
        .map(|day| format!("jan 1 +{day} \"Closed\"\n"))
        .chain((0..=64).map(|day| format!("dec 31 -{day} \"Closed\"\n")))
        .collect();
    let closed = BusinessCalendar::new(vec![parse_rules(&every_day)]);
    assert!(
        (0..366).all(|day| !closed.is_business_day(date(2024, 1, 1) + jiff::Span::new().days(day)))
    );
    assert_eq!(closed.add_business_days(date(9990, 1, 1), 1), Date::MAX);
    assert_eq!(closed.on_or_next_business_day(date(9995, 6, 1)), Date::MAX);
}

/// Business days in `(start, end]`, counted one day at a time.
fn count_business_days(calendar: &BusinessCalendar, start: Date, end: Date) -> u32 {
    let mut count = 0;
    let mut day = start;
    while day < end {
        day = day.tomorrow().unwrap();
        if calendar.is_business_day(day) {
            count += 1;
        }
    }
    count
}

fn civil_date() -> impl Strategy<Value = Date> {
    (1950i16..=2150, 1i8..=12, 1i8..=31).prop_map(|(year, month, day)| {
        let first = date(year, month, 1);
        date(year, month, day.min(first.days_in_month()))
    })
}

fn any_rule() -> impl Strategy<Value = Rule> {
    let anchor = prop_oneof![
        (1i8..=12, 1i8..=28).prop_map(|(month, day)| Anchor::Fixed { month, day }),
        (prop::sample::select(vec![1i8, 2, 3, 4, -1]), 0i8..7, 1i8..=12).prop_map(
            |(nth, weekday, month)| Anchor::NthWeekday {
                nth,
                weekday: Weekday::from_monday_zero_offset(weekday).unwrap(),
                month,
            }
        ),
        Just(Anchor::Easter),
        Just(Anchor::OrthodoxEaster),
    ];
    (anchor, -300i16..=300, prop::array::uniform7(-6i8..=6)).prop_map(
        |(anchor, offset_days, move_days)| Rule {
            name: "Rule".to_owned(),
            anchor,
            offset_days,
            year_first: i16::MIN,
            year_last: i16::MAX,
            move_days,
        },
    )
}

/// Words of the format and near misses, to reach deep into the parser.
const TOKEN_SOUP: &[&str] = &[
    "format",
    "=",
    "1",
    "id",
    "x",
    "name",
    "jan",
    "feb",
    "29",
    "31",
    "1st",
    "5th",
    "last",
    "mon",
    "sat",
    "of",
    "easter",
    "orthodox-easter",
    "date",
    "2024-02-29",
    "+1",
    "-2",
    "+300",
    "-301",
    "\"A\"",
    "\"",
    "from",
    "until",
    "2021",
    "0",
    "as",
    "k",
    "move",
    "to",
    "next",
    "previous",
    ",",
    "#",
    "\n",
    "\n",
    "\t",
    "é",
    "\u{feff}",
];

proptest! {
    #[test]
    fn adding_business_days_lands_on_the_nth_business_day(start in civil_date(), days in 1u32..=60) {
        let calendar = us_default();
        let end = calendar.add_business_days(start, days);
        prop_assert!(calendar.is_business_day(end));
        prop_assert!(end > start);
        prop_assert_eq!(count_business_days(&calendar, start, end), days);
        prop_assert!(calendar.add_business_days(start, days + 1) > end);
    }

    #[test]
    fn on_or_next_business_day_is_the_first_one(day in civil_date()) {
        let calendar = us_default();
        let found = calendar.on_or_next_business_day(day);
        prop_assert!(calendar.is_business_day(found));
        prop_assert!(found >= day);
        let mut between = day;
        while between < found {
            prop_assert!(!calendar.is_business_day(between));
            between = between.tomorrow().unwrap();
        }
    }

    #[test]
    fn holidays_fall_in_their_year_sorted(year in 1900i16..=2199) {
        for calendar in [builtin("us-federal"), builtin("us-ca"), example("ie"), example("de"), example("fr")] {
            let holidays = calendar.holidays(year);
            prop_assert!(holidays.iter().all(|holiday| holiday.date.year() == year));
            prop_assert!(holidays.windows(2).all(|pair| pair[0].date <= pair[1].date));
            let names: Vec<_> = holidays.iter().map(|holiday| calendar.holiday_on(holiday.date)).collect();
            prop_assert!(names.iter().all(Option::is_some));
        }
    }

    #[test]
    fn a_rule_lands_within_a_year_of_its_rule_year(rule in any_rule(), year in -9999i16..=9999) {
        if let Some(observed) = rule.observed_in(year) {
            prop_assert!((i32::from(observed.year()) - i32::from(year)).abs() <= 1);
        }
    }

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
        let _ = HolidayCalendar::parse(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn token_soup_never_panics(
        header in any::<bool>(),
        words in prop::collection::vec((prop::sample::select(TOKEN_SOUP), prop::sample::select(vec![" ", "", "\n"])), 0..40),
        year in -10000i16..=10000,
    ) {
        let mut text = if header { HEADER.to_owned() } else { String::new() };
        for (word, separator) in words {
            text.push_str(word);
            text.push_str(separator);
        }
        match HolidayCalendar::parse(&text) {
            Ok(calendar) => {
                let holidays = calendar.holidays(year);
                prop_assert!(holidays.iter().all(|holiday| holiday.date.year() == year));
                let business = BusinessCalendar::new(vec![calendar]);
                let start = Date::new(year.clamp(-9999, 9999), 6, 1).unwrap();
                let _ = business.add_business_days(start, 30);
                let _ = business.on_or_next_business_day(start);
            }
            Err(error) => {
                prop_assert!(error.line >= 1);
                prop_assert!(error.message.chars().next().is_some_and(|first| !first.is_uppercase()));
                prop_assert!(!error.message.ends_with('.'));
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn long_counts_agree_with_a_day_by_day_count(start in civil_date(), days in 200u32..=800) {
        let calendar = us_default();
        let end = calendar.add_business_days(start, days);
        prop_assert!(calendar.is_business_day(end));
        prop_assert_eq!(count_business_days(&calendar, start, end), days);
    }
}
