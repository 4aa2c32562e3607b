//! Payment card numbers (PANs) and the digit runs they and US SSNs are found in.
//!
//! A *digit run* is digits joined by single spaces or dashes (`4111 1111 1111 1111`,
//! `078-05-1120 4111-1111-1111-1111`). Every run is one candidate; this module splits
//! it into groups and looks, left to right, for the longest stretch of groups that is
//! a card, and hands the run to [`crate::ssn`] as well.
//!
//! A card is 13–19 digits that pass the Luhn check and whose leading digits (IIN) and
//! length belong to a known brand ([`Brand`]). Written either as one unbroken group,
//! or as groups joined by one kind of separator, the first group of 4 digits and the
//! others of 3–6 (4-4-4-4, 4-6-5, 4-6-4, 4-4-4-4-3).
//!
//! Precision trade-offs, on purpose:
//! - Luhn alone passes one random number in ten; requiring a known brand prefix and
//!   length cuts that further, but a 16-digit order or tracking number that starts with
//!   `4` and happens to pass Luhn is still reported as Visa. Such bare numbers get a
//!   lower confidence (80) than grouped ones (95).
//! - Numbers of an unknown brand (private-label and fleet cards, RuPay, Verve, UATP) are
//!   not reported, nor are cards with other groupings, mixed separators, or glued to a
//!   letter (`4111111111111111abc`).
//! - In a dash-joined run only the whole run can be a card: `1234-4111-1111-1111-1111`
//!   is one identifier (a licence key), not a card with a prefix. Space-joined runs may
//!   hold a card among other numbers (`qty 2 4111 1111 1111 1111 12.00`).

use crate::{Finding, Kind, is_word, ssn};

/// Any run of digits joined by single spaces or dashes, starting at a word boundary.
pub(crate) const DIGIT_RUN_PATTERN: &str = r"(?-u:\b)[0-9]+(?:[ \-][0-9]+)*";

/// The card brand, from the leading digits (IIN) and the length.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Brand {
    /// Visa: `4`, 13, 16 or 19 digits.
    Visa,
    /// Mastercard: `51`–`55` and `2221`–`2720`, 16 digits.
    Mastercard,
    /// American Express: `34`, `37`, 15 digits.
    Amex,
    /// Discover: `6011`, `644`–`649`, `65`, 16–19 digits.
    Discover,
    /// Diners Club International: `300`–`305`, `36`, `38`, `39`, 14–19 digits.
    DinersClub,
    /// JCB: `3528`–`3589`, 16–19 digits.
    Jcb,
    /// UnionPay: `62`, 16–19 digits (including the Discover co-branded range).
    UnionPay,
    /// Maestro: `5018`, `5020`, `5038`, `5893`, `6304`, `6759`, `6761`–`6763`, 13–19 digits.
    Maestro,
    /// Mir: `2200`–`2204`, 16–19 digits.
    Mir,
}

/// A group of the run: its byte span and the separator before it (`None` for the first).
#[derive(Clone, Copy)]
struct Group {
    start: usize,
    end: usize,
    sep_before: Option<u8>,
}

/// Splits the run `text[start..end]` into groups, then finds cards and SSNs in it.
/// Returns `end`: nothing else can start inside a digit run.
pub(crate) fn detect_digit_run(
    text: &[u8],
    start: usize,
    end: usize,
    out: &mut Vec<Finding>,
) -> usize {
    let groups = split(text, start, end);
    // A last group glued to a letter (`1111abc`) is part of a word, not of a number.
    let usable = match groups.last() {
        Some(last) if text.get(last.end).copied().is_some_and(is_word) => groups.len() - 1,
        _ => groups.len(),
    };
    let groups = &groups[..usable];
    find_cards(text, groups, out);
    let spans: Vec<(usize, usize, Option<u8>)> =
        groups.iter().map(|g| (g.start, g.end, g.sep_before)).collect();
    ssn::detect_in_groups(text, &spans, out);
    end
}

fn split(text: &[u8], start: usize, end: usize) -> Vec<Group> {
    let mut groups = Vec::new();
    let mut i = start;
    let mut sep_before = None;
    while i < end {
        let group_start = i;
        while i < end && text[i].is_ascii_digit() {
            i += 1;
        }
        groups.push(Group { start: group_start, end: i, sep_before });
        sep_before = text.get(i).copied().filter(|_| i < end);
        i += 1;
    }
    groups
}

/// Left to right: at each group, the longest stretch of groups that is a card wins.
fn find_cards(text: &[u8], groups: &[Group], out: &mut Vec<Finding>) {
    let mut i = 0;
    while i < groups.len() {
        let mut found = None;
        let mut digits = 0;
        for j in i..groups.len() {
            digits += groups[j].end - groups[j].start;
            if digits > 19 {
                break;
            }
            if digits >= 13
                && let Some(finding) = card(text, &groups[i..=j], groups.get(j + 1))
            {
                found = Some((j, finding));
            }
        }
        match found {
            Some((j, finding)) => {
                out.push(finding);
                i = j + 1;
            }
            None => i += 1,
        }
    }
}

/// The card that `stretch` spells, if it is one. `next` is the group after it.
fn card(text: &[u8], stretch: &[Group], next: Option<&Group>) -> Option<Finding> {
    let first = stretch.first()?;
    let last = stretch.last()?;
    if stretch.len() > 1 {
        let sep = stretch[1].sep_before?;
        let same_sep = stretch[1..].iter().all(|g| g.sep_before == Some(sep));
        let shaped = first.end - first.start == 4
            && stretch[1..].iter().all(|g| (3..=6).contains(&(g.end - g.start)));
        // Dash-joined neighbours make the whole run one identifier.
        let dashed_neighbour =
            first.sep_before == Some(b'-') || next.is_some_and(|n| n.sep_before == Some(b'-'));
        if !same_sep || !shaped || dashed_neighbour {
            return None;
        }
    } else if first.sep_before == Some(b'-') || next.is_some_and(|n| n.sep_before == Some(b'-')) {
        return None;
    }
    let digits: Vec<u8> =
        stretch.iter().flat_map(|g| text[g.start..g.end].iter().map(|d| d - b'0')).collect();
    if !luhn(&digits) {
        return None;
    }
    let brand = brand(&digits)?;
    let confidence = if stretch.len() > 1 { 95 } else { 80 };
    Some(Finding { kind: Kind::Card(brand), start: first.start, end: last.end, confidence })
}

/// The Luhn (mod 10) check over digit values 0–9.
pub(crate) fn luhn(digits: &[u8]) -> bool {
    let mut sum = 0u32;
    for (i, &d) in digits.iter().rev().enumerate() {
        let mut v = u32::from(d);
        if i % 2 == 1 {
            v *= 2;
            if v > 9 {
                v -= 9;
            }
        }
        sum += v;
    }
    sum.is_multiple_of(10)
}

/// The brand whose IIN range and lengths hold this number, if any.
pub(crate) fn brand(digits: &[u8]) -> Option<Brand> {
    let len = digits.len();
    let prefix =
        |n: usize| -> u32 { digits.iter().take(n).fold(0, |acc, &d| acc * 10 + u32::from(d)) };
    let (p1, p2, p3, p4) = (prefix(1), prefix(2), prefix(3), prefix(4));
    if p1 == 4 && matches!(len, 13 | 16 | 19) {
        Some(Brand::Visa)
    } else if matches!(p2, 34 | 37) && len == 15 {
        Some(Brand::Amex)
    } else if ((51..=55).contains(&p2) || (2221..=2720).contains(&p4)) && len == 16 {
        Some(Brand::Mastercard)
    } else if (2200..=2204).contains(&p4) && (16..=19).contains(&len) {
        Some(Brand::Mir)
    } else if (p4 == 6011 || (644..=649).contains(&p3) || p2 == 65) && (16..=19).contains(&len) {
        Some(Brand::Discover)
    } else if (3528..=3589).contains(&p4) && (16..=19).contains(&len) {
        Some(Brand::Jcb)
    } else if ((300..=305).contains(&p3) || matches!(p2, 36 | 38 | 39)) && (14..=19).contains(&len)
    {
        Some(Brand::DinersClub)
    } else if p2 == 62 && (16..=19).contains(&len) {
        Some(Brand::UnionPay)
    } else if matches!(p4, 5018 | 5020 | 5038 | 5893 | 6304 | 6759 | 6761 | 6762 | 6763)
        && (13..=19).contains(&len)
    {
        Some(Brand::Maestro)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scan;

    fn cards(text: &str) -> Vec<(&str, Brand)> {
        scan(text.as_bytes())
            .into_iter()
            .filter_map(|f| match f.kind {
                Kind::Card(brand) => Some((&text[f.range()], brand)),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn finds_every_brand_in_its_usual_groupings() {
        for (number, brand) in [
            ("4111 1111 1111 1111", Brand::Visa),
            ("4222222222222", Brand::Visa),
            ("5555-5555-5555-4444", Brand::Mastercard),
            ("2223 0031 2200 3222", Brand::Mastercard),
            ("3782 822463 10005", Brand::Amex),
            ("6011 1111 1111 1117", Brand::Discover),
            ("3530 1113 3330 0000", Brand::Jcb),
            ("3056 930902 5904", Brand::DinersClub),
            ("6200000000000005", Brand::UnionPay),
            ("6759 6498 2643 8453", Brand::Maestro),
            ("2200 0000 0000 0004", Brand::Mir),
            ("4111 1111 1111 1111 003", Brand::Visa),
        ] {
            let text = format!("paid with {number}, thanks");
            assert_eq!(cards(&text), [(number, brand)], "{number}");
        }
    }

    #[test]
    fn finds_a_card_among_other_numbers_in_a_space_joined_run() {
        assert_eq!(cards("qty 2 4111 1111 1111 1111 12"), [("4111 1111 1111 1111", Brand::Visa)]);
        assert_eq!(cards("1234 4111 1111 1111 1111"), [("4111 1111 1111 1111", Brand::Visa)]);
    }

    #[test]
    fn near_misses_are_not_cards() {
        for text in [
            // Luhn fails (last digit changed).
            "4111 1111 1111 1112",
            "5555555555554445",
            // Order and tracking numbers that fail Luhn.
            "order 4000123412341235",
            "tracking 1Z 9999 9999 9999 9999",
            // Valid Luhn, unknown brand or wrong length for the brand.
            "9111 1111 1111 1110",
            "5111 1111 1111 1111 119",
            // Unusual grouping, mixed separators, glued to letters.
            "41 1111 1111 1111 11",
            "4111-1111 1111-1111",
            "4111111111111111abc",
            // Dashed identifiers with a card inside.
            "1234-4111-1111-1111-1111",
            "4111-1111-1111-1111-1",
            // Too few and too many digits.
            "411111111111",
            "41111111111111111111",
        ] {
            assert!(cards(text).is_empty(), "{text}");
        }
    }

    #[test]
    fn luhn_matches_hand_worked_values() {
        let d = |s: &str| s.bytes().map(|b| b - b'0').collect::<Vec<u8>>();
        assert!(luhn(&d("79927398713")));
        assert!(!luhn(&d("79927398710")));
        assert!(luhn(&d("0")));
    }
}
