//! US Social Security numbers written `AAA-GG-SSSS` or `AAA GG SSSS`.
//!
//! Candidates come from the digit runs of [`crate::card`]: three groups of 3, 2 and 4
//! digits joined by the same separator, not continued by that separator on either side
//! (`123-45-6789-01` is some other identifier). The number is rejected when the Social
//! Security Administration never issues it: area `000`, `666` or `900`–`999` (the last
//! are ITINs and advertising numbers), group `00`, serial `0000`, and the two numbers
//! famously misused in public (`078-05-1120` from a wallet insert, `219-09-9999` from an
//! SSA advertisement).
//!
//! Precision trade-offs, on purpose:
//! - Nine digits with no separators are not reported: without a context word they are
//!   as likely an order, phone or account number, and there is no checksum to tell.
//! - Space-separated numbers get a lower confidence (60) than dashed ones (85), and a
//!   space-separated triple inside a longer space-joined run (`12 123 45 6789`) is not
//!   reported: it is more likely a table of numbers.
//! - Since randomized issuance (2011) any area outside the invalid ones can be real, so
//!   an in-range number with no SSN in it (a part number `123-45-6789`) is still
//!   reported; context words will lower that later.
//! - ITINs (area `9xx` with certain groups) are a separate identifier, not detected
//!   here.

use crate::{Finding, Kind};

/// Finds SSNs among the groups of one digit run: `(start, end, separator before)`.
pub(crate) fn detect_in_groups(
    text: &[u8],
    groups: &[(usize, usize, Option<u8>)],
    out: &mut Vec<Finding>,
) {
    for (i, window) in groups.windows(3).enumerate() {
        let [(a_start, a_end, outer_before), (g_start, g_end, sep1), (s_start, s_end, sep2)] =
            *window
        else {
            continue;
        };
        if (a_end - a_start, g_end - g_start, s_end - s_start) != (3, 2, 4) || sep1 != sep2 {
            continue;
        }
        let Some(sep) = sep1 else { continue };
        let outer_after = groups.get(i + 3).and_then(|g| g.2);
        let continued = |outer: Option<u8>| outer.is_some_and(|o| o == sep || sep == b' ');
        if continued(outer_before) || continued(outer_after) {
            continue;
        }
        let number = |from: usize, to: usize| {
            text[from..to].iter().fold(0u32, |acc, &d| acc * 10 + u32::from(d - b'0'))
        };
        let (area, group, serial) =
            (number(a_start, a_end), number(g_start, g_end), number(s_start, s_end));
        if !is_issuable(area, group, serial) {
            continue;
        }
        let confidence = if sep == b'-' { 85 } else { 60 };
        out.push(Finding { kind: Kind::UsSsn, start: a_start, end: s_end, confidence });
    }
}

/// Whether the SSA could have issued this number.
pub(crate) fn is_issuable(area: u32, group: u32, serial: u32) -> bool {
    let never = area == 0 || area == 666 || area >= 900 || group == 0 || serial == 0;
    let publicized = matches!((area, group, serial), (78, 5, 1120) | (219, 9, 9999));
    !never && !publicized
}

#[cfg(test)]
mod tests {
    use crate::{Kind, scan};

    fn ssns(text: &str) -> Vec<(&str, u8)> {
        scan(text.as_bytes())
            .into_iter()
            .filter(|f| f.kind == Kind::UsSsn)
            .map(|f| (&text[f.range()], f.confidence))
            .collect()
    }

    #[test]
    fn finds_dashed_and_spaced_numbers() {
        assert_eq!(ssns("SSN: 123-45-6789."), [("123-45-6789", 85)]);
        assert_eq!(ssns("ssn 665 01 0001"), [("665 01 0001", 60)]);
        assert_eq!(
            ssns("a 899-99-9999 and 667-10-1000"),
            [("899-99-9999", 85), ("667-10-1000", 85)]
        );
        // Dashed SSN followed by a card in the same space-joined run.
        let both = scan(b"123-45-6789 4111 1111 1111 1111");
        assert_eq!(both.iter().map(|f| f.kind.name()).collect::<Vec<_>>(), ["us_ssn", "card"]);
    }

    #[test]
    fn never_issued_numbers_are_not_reported() {
        for text in [
            "000-12-3456",
            "666-12-3456",
            "900-12-3456",
            "999-12-3456",
            "123-00-4567",
            "123-45-0000",
            "078-05-1120",
            "219-09-9999",
        ] {
            assert!(ssns(text).is_empty(), "{text}");
        }
    }

    #[test]
    fn near_miss_shapes_are_not_reported() {
        for text in [
            "123456789",
            "123-45-67890",
            "1234-45-6789",
            "123-45-6789-01",
            "12-123-45-6789",
            "123-45 6789",
            "12 123 45 6789",
            "123.45.6789",
            "x123-45-6789",
            "123-45-6789x",
        ] {
            assert!(ssns(text).is_empty(), "{text}");
        }
    }
}
