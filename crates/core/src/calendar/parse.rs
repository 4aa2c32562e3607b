//! The calendar file parser: one statement per line, documented in `docs/calendars.md`.
//!
//! A file is `format = 1`, then the settings `id` and `name`, then one holiday rule per
//! line (`3rd mon of jan "Birthday of Martin Luther King, Jr."`). `#` starts a comment
//! outside a quoted name; commas read as spaces.
//!
//! **Invariants:** the parser never panics and stops at the first problem, whose error
//! names the line, says what is wrong and how to fix it, and echoes at most
//! `SHOWN_CHARS_MAX` characters of the input. It refuses files over
//! [`CALENDAR_BYTES_MAX`] bytes or with more than [`CALENDAR_RULES_MAX`] rules. A rule
//! may only refer to a rule above it, so references cannot form cycles, and a
//! reference is resolved here into a plain rule (its anchor, summed offset and
//! overlapping years), so evaluation never follows references.

use std::collections::HashMap;

use jiff::civil::{Date, Weekday};

use super::rule::{Anchor, OFFSET_DAYS_MAX, Rule, weekday_index};
use super::{CALENDAR_BYTES_MAX, CALENDAR_RULES_MAX, CalendarError, HolidayCalendar};

/// The only format version this parser reads.
const FORMAT_VERSION: &str = "1";

/// The longest calendar id and rule key. Ids end up in configuration and logs.
const KEY_BYTES_MAX: usize = 64;

/// The longest calendar or holiday name.
const NAME_BYTES_MAX: usize = 200;

/// How much of an offending token an error message repeats.
const SHOWN_CHARS_MAX: usize = 40;

/// Words of the format, which cannot be rule keys because a rule line could not tell
/// the key from the word.
const RESERVED_WORDS: &[&str] =
    &["date", "easter", "orthodox-easter", "last", "of", "from", "until", "as", "move", "to"];

pub(super) fn parse(text: &str) -> Result<HolidayCalendar, CalendarError> {
    if text.len() > CALENDAR_BYTES_MAX {
        let newlines =
            text.as_bytes().iter().take(CALENDAR_BYTES_MAX).filter(|byte| **byte == b'\n').count();
        return Err(error(
            newlines + 1,
            format!(
                "the calendar is {} bytes, more than the {CALENDAR_BYTES_MAX} allowed; \
                 split it into several calendars",
                text.len()
            ),
        ));
    }
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut parser = Parser::default();
    for (index, raw_line) in text.split('\n').enumerate() {
        let line = index + 1;
        let content = strip_comment(raw_line).trim();
        if content.is_empty() {
            continue;
        }
        let equals = content.find('=');
        let quote = content.find('"');
        match (equals, quote) {
            (Some(equals), None) => parser.setting(line, content, equals)?,
            (Some(equals), Some(quote)) if equals < quote => {
                parser.setting(line, content, equals)?
            }
            _ => parser.rule(line, content)?,
        }
    }
    parser.finish()
}

#[derive(Default)]
struct Parser {
    format_line: Option<usize>,
    id: Option<(String, usize)>,
    name: Option<(String, usize)>,
    first_rule_line: Option<usize>,
    rules: Vec<Rule>,
    /// Rule keys (`as thanksgiving`) to the rule's index and line.
    keys: HashMap<String, (usize, usize)>,
}

/// The date part of a rule line, before its name.
struct When {
    anchor: Anchor,
    offset_days: i16,
    year_first: i16,
    year_last: i16,
    /// A one-off `date` already fixes its year, so `from` and `until` make no sense.
    one_off: bool,
    /// The key this rule counts from, when it refers to another rule.
    reference: Option<String>,
    /// The words as written, for error messages.
    text: String,
}

impl Parser {
    fn setting(&mut self, line: usize, content: &str, equals: usize) -> Result<(), CalendarError> {
        let key = content.get(..equals).unwrap_or_default().trim();
        let value = unquote(line, content.get(equals + 1..).unwrap_or_default().trim())?;
        if !matches!(key, "format" | "id" | "name") {
            return Err(error(
                line,
                format!(
                    "unknown setting `{}`; the settings are `format`, `id` and `name`",
                    show(key)
                ),
            ));
        }
        if key != "format" && self.format_line.is_none() {
            return Err(format_first(line));
        }
        let first_line = match key {
            "format" => self.format_line,
            "id" => self.id.as_ref().map(|(_, line)| *line),
            _ => self.name.as_ref().map(|(_, line)| *line),
        };
        if let Some(first_line) = first_line {
            return Err(error(
                line,
                format!("`{key}` is set twice (first on line {first_line}); keep one"),
            ));
        }
        if let Some(rule_line) = self.first_rule_line {
            return Err(error(
                line,
                format!(
                    "`{key}` must come before the first holiday (line {rule_line}); move it up"
                ),
            ));
        }
        match key {
            "format" if value == FORMAT_VERSION => self.format_line = Some(line),
            "format" => {
                return Err(error(
                    line,
                    format!(
                        "unsupported format `{}`; this version of ombud reads `format = {FORMAT_VERSION}`",
                        show(value)
                    ),
                ));
            }
            "id" if is_key(value) => self.id = Some((value.to_owned(), line)),
            "id" if value.is_empty() => {
                return Err(error(line, "`id` is empty; write one, e.g. `id = us-federal`".into()));
            }
            "id" => {
                return Err(error(
                    line,
                    format!(
                        "id `{}` is not valid; use lowercase letters, digits and `-`, starting with a \
                         letter, at most {KEY_BYTES_MAX} bytes, e.g. `id = us-federal`",
                        show(value)
                    ),
                ));
            }
            _ => {
                self.name = Some((
                    checked_name(line, value, "calendar name", "`name = Ireland public holidays`")?,
                    line,
                ))
            }
        }
        Ok(())
    }

    fn rule(&mut self, line: usize, content: &str) -> Result<(), CalendarError> {
        if self.format_line.is_none() {
            return Err(format_first(line));
        }
        if self.rules.len() >= CALENDAR_RULES_MAX {
            return Err(error(
                line,
                format!(
                    "more than {CALENDAR_RULES_MAX} holiday rules; split the calendar into several calendars"
                ),
            ));
        }
        self.first_rule_line.get_or_insert(line);
        let mut cursor = Cursor { tokens: tokenize(line, content)?, position: 0 };
        let when = self.when(line, &mut cursor)?;
        let name = match cursor.next() {
            Some(token) if token.quoted => {
                checked_name(line, token.text, "holiday's name", "\"New Year's Day\"")?
            }
            Some(token) if is_digits(token.text) => {
                return Err(error(
                    line,
                    format!(
                        "expected the holiday's name in double quotes after `{}`, found `{}`; \
                         an offset needs its sign, as in `{} +{}`",
                        when.text,
                        show(token.text),
                        when.text,
                        show(token.text)
                    ),
                ));
            }
            Some(token) => {
                return Err(error(
                    line,
                    format!(
                        "expected the holiday's name in double quotes after `{}`, found `{}`",
                        when.text,
                        show(token.text)
                    ),
                ));
            }
            None => {
                return Err(error(
                    line,
                    format!(
                        "expected the holiday's name in double quotes after `{}`, e.g. `{} \"New Year's Day\"`",
                        when.text, when.text
                    ),
                ));
            }
        };
        let options = options(line, &mut cursor, &self.keys)?;
        if when.one_off && (options.from.is_some() || options.until.is_some()) {
            let word = if options.from.is_some() { "from" } else { "until" };
            return Err(error(
                line,
                format!(
                    "`{word}` does not apply to a one-off `date`, which names its own year; remove it"
                ),
            ));
        }
        let own_first = options.from.unwrap_or(i16::MIN);
        let own_last = options.until.unwrap_or(i16::MAX);
        if own_first > own_last {
            return Err(error(
                line,
                format!(
                    "`from {own_first}` is after `until {own_last}`, so the rule never applies; swap them"
                ),
            ));
        }
        let year_first = own_first.max(when.year_first);
        let year_last = own_last.min(when.year_last);
        if year_first > year_last {
            let key = when.reference.as_deref().unwrap_or_default();
            return Err(error(
                line,
                format!(
                    "the years of this rule do not overlap those of `{key}`, so it never applies; \
                     check `from` and `until`"
                ),
            ));
        }
        if let Some(key) = options.key {
            self.keys.insert(key, (self.rules.len(), line));
        }
        self.rules.push(Rule {
            name,
            anchor: when.anchor,
            offset_days: when.offset_days,
            year_first,
            year_last,
            move_days: options.move_days,
        });
        Ok(())
    }

    fn when(&self, line: usize, cursor: &mut Cursor<'_>) -> Result<When, CalendarError> {
        let Some(first) = cursor.next() else {
            return Err(error(
                line,
                "expected a holiday rule, e.g. `jan 1 \"New Year's Day\"`".into(),
            ));
        };
        if first.quoted {
            return Err(error(
                line,
                "a holiday line starts with its date, then its name in double quotes, \
                 e.g. `jan 1 \"New Year's Day\"`"
                    .into(),
            ));
        }
        let word = first.text.to_ascii_lowercase();
        let mut when = if let Some(month) = month_number(&word) {
            fixed(line, cursor, first.text, month)?
        } else {
            match word.as_str() {
                "date" => one_off(line, cursor)?,
                "easter" => plain(Anchor::Easter, first.text),
                "orthodox-easter" => plain(Anchor::OrthodoxEaster, first.text),
                "1st" | "2nd" | "3rd" | "4th" | "5th" | "last" => {
                    nth_weekday(line, cursor, first.text)?
                }
                _ => match self.keys.get(&word) {
                    Some(&(index, _)) => self.reference(line, index, &word)?,
                    None => return Err(unknown_start(line, first.text, cursor.peek())),
                },
            }
        };
        if let Some(token) = cursor.peek().filter(|token| !token.quoted)
            && (token.text.starts_with('+') || token.text.starts_with('-'))
        {
            cursor.next();
            let offset_days = offset(line, token.text)?;
            let total_days = i32::from(when.offset_days) + i32::from(offset_days);
            when.text = format!("{} {}", when.text, token.text);
            match i16::try_from(total_days) {
                Ok(total_days) if total_days.abs() <= OFFSET_DAYS_MAX => {
                    when.offset_days = total_days
                }
                _ => {
                    return Err(error(
                        line,
                        format!(
                            "`{}` is {total_days:+} days from its anchor in all, more than \
                             {OFFSET_DAYS_MAX}; count from a closer date",
                            when.text
                        ),
                    ));
                }
            }
        }
        Ok(when)
    }

    fn reference(&self, line: usize, index: usize, key: &str) -> Result<When, CalendarError> {
        let Some(rule) = self.rules.get(index) else {
            // Keys are only inserted together with their rule, so this cannot happen;
            // answering with an error keeps the parser total all the same.
            return Err(error(line, format!("internal error: key `{key}` has no rule")));
        };
        Ok(When {
            anchor: rule.anchor,
            offset_days: rule.offset_days,
            year_first: rule.year_first,
            year_last: rule.year_last,
            one_off: false,
            reference: Some(key.to_owned()),
            text: key.to_owned(),
        })
    }

    fn finish(self) -> Result<HolidayCalendar, CalendarError> {
        let Some(format_line) = self.format_line else {
            return Err(error(
                1,
                format!(
                    "the calendar has no `format = {FORMAT_VERSION}` line; start it with \
                     `format = {FORMAT_VERSION}`, then `id = …` and `name = …`"
                ),
            ));
        };
        let Some((id, _)) = self.id else {
            return Err(error(
                format_line,
                "the calendar has no `id`; add one after `format = 1`, e.g. `id = ie`".into(),
            ));
        };
        let Some((name, _)) = self.name else {
            return Err(error(
                format_line,
                "the calendar has no `name`; add one after `format = 1`, \
                 e.g. `name = Ireland public holidays`"
                    .into(),
            ));
        };
        Ok(HolidayCalendar { id, name, rules: self.rules })
    }
}

fn plain(anchor: Anchor, text: &str) -> When {
    When {
        anchor,
        offset_days: 0,
        year_first: i16::MIN,
        year_last: i16::MAX,
        one_off: false,
        reference: None,
        text: text.to_owned(),
    }
}

/// `jan 1`: the month is already read.
fn fixed(
    line: usize,
    cursor: &mut Cursor<'_>,
    month_text: &str,
    month: i8,
) -> Result<When, CalendarError> {
    let Some(day_text) = cursor.next_word() else {
        return Err(error(
            line,
            format!("expected a day of the month after `{month_text}`, as in `{month_text} 1`"),
        ));
    };
    let text = format!("{month_text} {day_text}");
    let day = match day_text.parse::<i8>() {
        Ok(day) if is_digits(day_text) && (1..=31).contains(&day) => day,
        _ => {
            return Err(error(
                line,
                format!(
                    "day `{}` is not a number from 1 to 31, as in `{month_text} 1`",
                    show(day_text)
                ),
            ));
        }
    };
    let days_max = match month {
        2 => 29,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    if day > days_max {
        return Err(error(
            line,
            format!(
                "`{text}` does not exist: {} has {}{days_max} days",
                MONTHS_LONG[month_slot(month)],
                if month == 2 { "at most " } else { "" }
            ),
        ));
    }
    if month == 2 && day == 29 {
        return Err(error(
            line,
            format!(
                "`{text}` does not happen every year; write `feb 28` or `mar 1`, \
                 or a one-off `date 2028-02-29`"
            ),
        ));
    }
    Ok(When { text, ..plain(Anchor::Fixed { month, day }, "") })
}

/// `date 2025-01-09`: a one-off holiday in one year.
fn one_off(line: usize, cursor: &mut Cursor<'_>) -> Result<When, CalendarError> {
    let Some(date_text) = cursor.next_word() else {
        return Err(error(line, "expected a date after `date`, as in `date 2025-01-09`".into()));
    };
    let Some(date) = iso_date(date_text) else {
        return Err(error(
            line,
            format!(
                "`{}` is not a date; write YYYY-MM-DD, as in `date 2025-01-09`",
                show(date_text)
            ),
        ));
    };
    Ok(When {
        anchor: Anchor::Fixed { month: date.month(), day: date.day() },
        offset_days: 0,
        year_first: date.year(),
        year_last: date.year(),
        one_off: true,
        reference: None,
        text: format!("date {date_text}"),
    })
}

/// `3rd mon of jan`, `last mon of may`: the ordinal is already read.
fn nth_weekday(line: usize, cursor: &mut Cursor<'_>, ordinal: &str) -> Result<When, CalendarError> {
    let Some(weekday_text) = cursor.next_word() else {
        return Err(error(
            line,
            format!("expected a weekday after `{ordinal}`, as in `{ordinal} mon of jan`"),
        ));
    };
    let Some(weekday) = weekday_from(weekday_text) else {
        return Err(unknown_weekday(line, weekday_text));
    };
    if !cursor.next_word().is_some_and(|word| word.eq_ignore_ascii_case("of")) {
        return Err(error(
            line,
            format!(
                "expected `of` after `{ordinal} {weekday_text}`, as in `{ordinal} {weekday_text} of jan`"
            ),
        ));
    }
    let Some(month_text) = cursor.next_word() else {
        return Err(error(
            line,
            format!(
                "expected a month after `{ordinal} {weekday_text} of`, as in `{ordinal} {weekday_text} of jan`"
            ),
        ));
    };
    let Some(month) = month_number(&month_text.to_ascii_lowercase()) else {
        return Err(unknown_month(line, month_text));
    };
    let text = format!("{ordinal} {weekday_text} of {month_text}");
    let nth = match ordinal.to_ascii_lowercase().as_str() {
        "1st" => 1,
        "2nd" => 2,
        "3rd" => 3,
        "4th" => 4,
        "last" => -1,
        _ => {
            // The fifth weekday of a month exists in some years only, so a rule built on
            // it would silently skip years. The last one always exists.
            return Err(error(
                line,
                format!(
                    "`{text}` does not happen every year; use `last {weekday_text} of {month_text}`"
                ),
            ));
        }
    };
    Ok(When { text, ..plain(Anchor::NthWeekday { nth, weekday, month }, "") })
}

/// `+1`, `-2`: days after or before the anchor.
fn offset(line: usize, text: &str) -> Result<i16, CalendarError> {
    let (sign, digits) = text.split_at(1);
    let days = match digits.parse::<i16>() {
        Ok(days) if is_digits(digits) => days,
        _ => {
            return Err(error(
                line,
                format!(
                    "offset `{}` is not a number of days; write it as `+1` or `-2`",
                    show(text)
                ),
            ));
        }
    };
    if days > OFFSET_DAYS_MAX {
        return Err(error(
            line,
            format!(
                "offset `{text}` is more than {OFFSET_DAYS_MAX} days; a holiday must stay \
                 within a year of its anchor"
            ),
        ));
    }
    Ok(if sign == "-" { -days } else { days })
}

#[derive(Default)]
struct Options {
    from: Option<i16>,
    until: Option<i16>,
    key: Option<String>,
    move_days: [i8; 7],
}

/// What may follow the name: `from YEAR`, `until YEAR`, `as KEY`, `move …`.
fn options(
    line: usize,
    cursor: &mut Cursor<'_>,
    keys: &HashMap<String, (usize, usize)>,
) -> Result<Options, CalendarError> {
    let mut options = Options::default();
    let mut moved = false;
    while let Some(token) = cursor.next() {
        if token.quoted {
            return Err(error(
                line,
                format!(
                    "unexpected second name `\"{}\"`; a holiday has one name",
                    show(token.text)
                ),
            ));
        }
        let word = token.text.to_ascii_lowercase();
        match word.as_str() {
            "from" | "until" => {
                let slot = if word == "from" { &mut options.from } else { &mut options.until };
                if slot.is_some() {
                    return Err(error(line, format!("`{word}` is given twice; keep one")));
                }
                *slot = Some(year(line, &word, cursor.next_word())?);
            }
            "as" => {
                if options.key.is_some() {
                    return Err(error(line, "`as` is given twice; a rule has one key".into()));
                }
                options.key = Some(new_key(line, cursor.next_word(), keys)?);
            }
            "move" => {
                if moved {
                    return Err(error(
                        line,
                        "`move` is given twice; list every weekday in one `move`, separated by commas"
                            .into(),
                    ));
                }
                moved = true;
                options.move_days = moves(line, cursor)?;
            }
            _ => {
                return Err(error(
                    line,
                    format!(
                        "unknown option `{}`; after the name write `from YEAR`, `until YEAR`, \
                         `move …` or `as KEY`",
                        show(token.text)
                    ),
                ));
            }
        }
    }
    Ok(options)
}

/// `move sat to previous fri, sun to next mon`: the word `move` is already read.
fn moves(line: usize, cursor: &mut Cursor<'_>) -> Result<[i8; 7], CalendarError> {
    let mut move_days = [0; 7];
    let mut moved = [false; 7];
    loop {
        let mut from_days = Vec::new();
        while let Some(token) = cursor.peek().filter(|token| !token.quoted) {
            let Some(weekday) = weekday_from(token.text) else { break };
            cursor.next();
            from_days.push((weekday, token.text));
        }
        if from_days.is_empty() {
            if let Some(word) = cursor.peek().filter(|token| !token.quoted) {
                return Err(unknown_weekday(line, word.text));
            }
            return Err(error(
                line,
                "expected weekdays after `move`, as in `move sat to previous fri, sun to next mon`"
                    .into(),
            ));
        }
        if !cursor.next_word().is_some_and(|word| word.eq_ignore_ascii_case("to")) {
            return Err(error(
                line,
                "expected `to` after the weekdays to move, as in `move sat to previous fri`".into(),
            ));
        }
        let direction = cursor.next_word().map(str::to_ascii_lowercase);
        let forward = match direction.as_deref() {
            Some("next") => true,
            Some("previous") => false,
            _ => {
                return Err(error(
                    line,
                    "expected `previous` or `next` after `to`, as in `move sat to previous fri`"
                        .into(),
                ));
            }
        };
        let direction = if forward { "next" } else { "previous" };
        let Some((target, target_text)) =
            cursor.next_word().and_then(|word| weekday_from(word).map(|day| (day, word)))
        else {
            return Err(error(
                line,
                format!(
                    "expected a weekday after `to {direction}`, as in `move sun to {direction} mon`"
                ),
            ));
        };
        for (from, from_text) in from_days {
            let slot = weekday_index(from);
            if moved[slot] {
                return Err(error(line, format!("`{from_text}` is moved twice; keep one")));
            }
            if from == target {
                return Err(error(
                    line,
                    format!(
                        "`move {from_text} to {direction} {target_text}` moves the holiday a whole \
                         week; name another weekday"
                    ),
                ));
            }
            let ahead_days =
                (target.to_monday_zero_offset() - from.to_monday_zero_offset()).rem_euclid(7);
            move_days[slot] = if forward { ahead_days } else { ahead_days - 7 };
            moved[slot] = true;
        }
        if !cursor.peek().is_some_and(|token| !token.quoted && weekday_from(token.text).is_some()) {
            return Ok(move_days);
        }
    }
}

fn year(line: usize, word: &str, text: Option<&str>) -> Result<i16, CalendarError> {
    match text.map(|text| (text, text.parse::<i16>())) {
        Some((text, Ok(year))) if is_digits(text) && (1..=9999).contains(&year) => Ok(year),
        Some((text, _)) => Err(error(
            line,
            format!("`{word} {}` needs a year from 1 to 9999, as in `{word} 2021`", show(text)),
        )),
        None => Err(error(line, format!("`{word}` needs a year, as in `{word} 2021`"))),
    }
}

fn new_key(
    line: usize,
    text: Option<&str>,
    keys: &HashMap<String, (usize, usize)>,
) -> Result<String, CalendarError> {
    let Some(key) = text else {
        return Err(error(line, "`as` needs a key, as in `as thanksgiving`".into()));
    };
    if !is_key(key) {
        return Err(error(
            line,
            format!(
                "key `{}` is not valid; use lowercase letters, digits and `-`, starting with a \
                 letter, at most {KEY_BYTES_MAX} bytes, as in `as thanksgiving`",
                show(key)
            ),
        ));
    }
    if RESERVED_WORDS.contains(&key) || month_number(key).is_some() || weekday_from(key).is_some() {
        return Err(error(
            line,
            format!(
                "`{key}` is a word of the format and cannot be a key; choose another, such as `{key}-day`"
            ),
        ));
    }
    if let Some((_, first_line)) = keys.get(key) {
        return Err(error(
            line,
            format!("key `{key}` is already used on line {first_line}; choose another"),
        ));
    }
    Ok(key.to_owned())
}

fn unknown_start(line: usize, word: &str, next: Option<Token<'_>>) -> CalendarError {
    match next.filter(|token| !token.quoted) {
        Some(token) if is_digits(token.text) => unknown_month(line, word),
        Some(token)
            if is_key(word) && (token.text.starts_with('+') || token.text.starts_with('-')) =>
        {
            error(
                line,
                format!(
                    "no rule above is named `{word}`; add `as {word}` to the rule this one counts from, \
                 above this line"
                ),
            )
        }
        Some(token) if weekday_from(token.text).is_some() => error(
            line,
            format!(
                "unknown ordinal `{}`; write 1st, 2nd, 3rd, 4th or last, as in `1st mon of may`",
                show(word)
            ),
        ),
        _ => error(
            line,
            format!(
                "`{}` does not start a holiday rule; write a date such as `jan 1`, `3rd mon of jan`, \
                 `last mon of may`, `easter -2` or `date 2025-01-09`, or the key of a rule above \
                 named with `as`",
                show(word)
            ),
        ),
    }
}

fn unknown_month(line: usize, text: &str) -> CalendarError {
    error(
        line,
        format!(
            "unknown month `{}`; write jan, feb, mar, apr, may, jun, jul, aug, sep, oct, nov or dec",
            show(text)
        ),
    )
}

fn unknown_weekday(line: usize, text: &str) -> CalendarError {
    error(
        line,
        format!("unknown weekday `{}`; write mon, tue, wed, thu, fri, sat or sun", show(text)),
    )
}

fn format_first(line: usize) -> CalendarError {
    error(
        line,
        format!(
            "the first line that is not a comment must be `format = {FORMAT_VERSION}`; add it above this line"
        ),
    )
}

fn error(line: usize, message: String) -> CalendarError {
    CalendarError { line, message }
}

const MONTHS_SHORT: [&str; 12] =
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const MONTHS_LONG: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

/// `jan` or `january` (already lowercased) to 1.
fn month_number(word: &str) -> Option<i8> {
    let slot = MONTHS_SHORT
        .iter()
        .zip(MONTHS_LONG)
        .position(|(short, long)| word == *short || word == long)?;
    i8::try_from(slot + 1).ok()
}

/// The index of a month number into the month tables.
fn month_slot(month: i8) -> usize {
    usize::try_from(month - 1).unwrap_or_default().min(11)
}

fn weekday_from(text: &str) -> Option<Weekday> {
    Some(match text.to_ascii_lowercase().as_str() {
        "mon" | "monday" => Weekday::Monday,
        "tue" | "tuesday" => Weekday::Tuesday,
        "wed" | "wednesday" => Weekday::Wednesday,
        "thu" | "thursday" => Weekday::Thursday,
        "fri" | "friday" => Weekday::Friday,
        "sat" | "saturday" => Weekday::Saturday,
        "sun" | "sunday" => Weekday::Sunday,
        _ => return None,
    })
}

/// `2025-01-09`, strictly: four-digit year, two-digit month and day.
fn iso_date(text: &str) -> Option<Date> {
    let mut parts = text.split('-');
    let (year, month, day) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some()
        || year.len() != 4
        || month.len() != 2
        || day.len() != 2
        || ![year, month, day].iter().all(|part| is_digits(part))
    {
        return None;
    }
    Date::new(year.parse().ok()?, month.parse().ok()?, day.parse().ok()?)
        .ok()
        .filter(|date| date.year() >= 1)
}

fn is_digits(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|byte| byte.is_ascii_digit())
}

/// Lowercase letters, digits and `-`, starting with a letter, at most `KEY_BYTES_MAX`.
fn is_key(text: &str) -> bool {
    text.len() <= KEY_BYTES_MAX
        && text.bytes().next().is_some_and(|byte| byte.is_ascii_lowercase())
        && text
            .bytes()
            .all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == b'-')
}

fn checked_name(
    line: usize,
    text: &str,
    what: &str,
    example: &str,
) -> Result<String, CalendarError> {
    let name = text.trim();
    if name.is_empty() {
        return Err(error(line, format!("the {what} is empty; write it out, e.g. {example}")));
    }
    if name.chars().any(char::is_control) {
        return Err(error(
            line,
            format!("the {what} `{}` contains a control character; remove it", show(name)),
        ));
    }
    if name.len() > NAME_BYTES_MAX {
        return Err(error(
            line,
            format!(
                "the {what} `{}` is longer than {NAME_BYTES_MAX} bytes; shorten it",
                show(name)
            ),
        ));
    }
    Ok(name.to_owned())
}

/// A setting's value, without the double quotes it may be written in.
fn unquote(line: usize, value: &str) -> Result<&str, CalendarError> {
    match value.strip_prefix('"') {
        None => Ok(value),
        Some(inner) => inner.strip_suffix('"').ok_or_else(|| {
            error(line, format!("the value `\"{}` has no closing `\"`; add one", show(inner)))
        }),
    }
}

/// The line up to its first `#` outside double quotes.
fn strip_comment(line: &str) -> &str {
    let mut quoted = false;
    for (index, character) in line.char_indices() {
        match character {
            '"' => quoted = !quoted,
            '#' if !quoted => return line.get(..index).unwrap_or_default(),
            _ => {}
        }
    }
    line
}

/// Input text as an error message repeats it: at most `SHOWN_CHARS_MAX` characters,
/// control characters replaced, so a hostile file cannot flood or garble a terminal.
fn show(text: &str) -> String {
    let mut shown: String = text
        .chars()
        .take(SHOWN_CHARS_MAX)
        .map(|character| if character.is_control() { '\u{fffd}' } else { character })
        .collect();
    if text.chars().nth(SHOWN_CHARS_MAX).is_some() {
        shown.push('…');
    }
    shown
}

#[derive(Clone, Copy)]
struct Token<'a> {
    text: &'a str,
    /// Written between double quotes: a name, never a keyword.
    quoted: bool,
}

/// Splits a rule line into words and quoted names. Commas separate like spaces.
fn tokenize(line: usize, content: &str) -> Result<Vec<Token<'_>>, CalendarError> {
    let separator = |character: char| character.is_whitespace() || character == ',';
    let mut tokens = Vec::new();
    let mut rest = content;
    loop {
        rest = rest.trim_start_matches(separator);
        if rest.is_empty() {
            return Ok(tokens);
        }
        if let Some(after_quote) = rest.strip_prefix('"') {
            let Some((name, after_name)) = after_quote.split_once('"') else {
                return Err(error(
                    line,
                    format!("the name `\"{}` has no closing `\"`; add one", show(after_quote)),
                ));
            };
            tokens.push(Token { text: name, quoted: true });
            rest = after_name;
        } else {
            let end = rest
                .find(|character| separator(character) || character == '"')
                .unwrap_or(rest.len());
            let (word, after_word) = rest.split_at(end);
            tokens.push(Token { text: word, quoted: false });
            rest = after_word;
        }
    }
}

struct Cursor<'a> {
    tokens: Vec<Token<'a>>,
    position: usize,
}

impl<'a> Cursor<'a> {
    fn peek(&self) -> Option<Token<'a>> {
        self.tokens.get(self.position).copied()
    }

    fn next(&mut self) -> Option<Token<'a>> {
        let token = self.peek()?;
        self.position += 1;
        Some(token)
    }

    /// The next token if it is a word, not a quoted name; a name is left in place.
    fn next_word(&mut self) -> Option<&'a str> {
        let token = self.peek().filter(|token| !token.quoted)?;
        self.position += 1;
        Some(token.text)
    }
}
