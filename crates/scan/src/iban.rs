//! International Bank Account Numbers (ISO 13616), compact or printed in groups of four.
//!
//! A candidate is two capital letters, two digits and 11–30 more capitals or digits,
//! with optional single spaces. It is an IBAN when its country is in [`LENGTHS`], it has
//! exactly that country's length, its spaces (if any) fall every four characters, it
//! ends at a word boundary, and the ISO 7064 mod-97 check gives 1.
//!
//! Precision trade-offs, on purpose:
//! - Mod-97 lets through about one random string in 97; the country's exact length and
//!   the boundary cut that a lot further, so confidence is 95. The country's BBAN
//!   layout (which positions are letters) is not checked.
//! - Not caught: lower-case IBANs, IBANs split by dashes or irregular spacing, and
//!   countries missing from [`LENGTHS`] (the EU, EEA, UK, Switzerland, the European
//!   microstates and a few common others are there).
//! - A printed IBAN followed by another group of four (`… 0130 00 1234`) is taken at
//!   its country's length; the extra group is left alone.

use crate::{Finding, Kind};

/// The candidate: a known country code starting a word, then up to 30 more
/// characters; the validator trims to the country's length. Listing the countries
/// keeps capitalized words followed by digits (`AB12 …`) from becoming candidates.
pub(crate) fn pattern() -> String {
    let countries: Vec<String> = LENGTHS
        .iter()
        .map(|(code, _)| String::from_utf8_lossy(code.as_slice()).into_owned())
        .collect();
    format!(r"(?-u:\b)(?:{})[0-9]{{2}}(?:[ ]?[0-9A-Z]){{11,30}}", countries.join("|"))
}

/// IBAN length per country code (SWIFT IBAN registry).
pub const LENGTHS: &[(&[u8; 2], usize)] = &[
    // EU and EEA.
    (b"AT", 20),
    (b"BE", 16),
    (b"BG", 22),
    (b"CY", 28),
    (b"CZ", 24),
    (b"DE", 22),
    (b"DK", 18),
    (b"EE", 20),
    (b"ES", 24),
    (b"FI", 18),
    (b"FR", 27),
    (b"GR", 27),
    (b"HR", 21),
    (b"HU", 28),
    (b"IE", 22),
    (b"IS", 26),
    (b"IT", 27),
    (b"LI", 21),
    (b"LT", 20),
    (b"LU", 20),
    (b"LV", 21),
    (b"MT", 31),
    (b"NL", 18),
    (b"NO", 15),
    (b"PL", 28),
    (b"PT", 25),
    (b"RO", 24),
    (b"SE", 24),
    (b"SI", 19),
    (b"SK", 24),
    // The UK, Switzerland, the microstates and dependent territories.
    (b"GB", 22),
    (b"CH", 21),
    (b"AD", 24),
    (b"MC", 27),
    (b"SM", 27),
    (b"VA", 22),
    (b"GI", 23),
    (b"FO", 18),
    (b"GL", 18),
    // Others often seen in European data.
    (b"AL", 28),
    (b"BA", 20),
    (b"ME", 22),
    (b"MK", 19),
    (b"RS", 22),
    (b"MD", 24),
    (b"UA", 29),
    (b"GE", 22),
    (b"XK", 20),
    (b"TR", 26),
    (b"IL", 23),
    (b"AE", 23),
    (b"SA", 24),
    (b"QA", 29),
    (b"KW", 30),
    (b"JO", 30),
    (b"LB", 28),
    (b"TN", 24),
    (b"PK", 24),
    (b"KZ", 20),
    (b"BR", 29),
];

/// The IBAN length of a country, if it is in [`LENGTHS`].
pub fn length_of(country: &[u8]) -> Option<usize> {
    LENGTHS.iter().find(|(code, _)| code.as_slice() == country).map(|&(_, len)| len)
}

/// Validates the candidate `text[start..end]`; returns where the search resumes.
pub(crate) fn detect(text: &[u8], start: usize, end: usize, out: &mut Vec<Finding>) -> usize {
    match validate(text, start, end) {
        Some(iban_end) => {
            out.push(Finding { kind: Kind::Iban, start, end: iban_end, confidence: 95 });
            iban_end
        }
        // Give back everything after the first word: a card or SSN may follow a
        // capitalized code that only looked like the start of an IBAN.
        None => text[start..end].iter().position(|&b| b == b' ').map_or(end, |i| start + i),
    }
}

/// The end of the IBAN that starts at `start`, if the candidate holds one.
fn validate(text: &[u8], start: usize, end: usize) -> Option<usize> {
    let candidate = text.get(start..end)?;
    let want = length_of(candidate.get(..2)?)?;
    let mut compact = Vec::with_capacity(want);
    let mut iban_end = None;
    for (i, &b) in candidate.iter().enumerate() {
        if b == b' ' {
            // Printed IBANs are spaced every four characters, and only there.
            if !compact.len().is_multiple_of(4) {
                return None;
            }
            continue;
        }
        compact.push(b);
        if compact.len() == want {
            iban_end = Some(start + i + 1);
            break;
        }
    }
    let iban_end = iban_end?;
    if text.get(iban_end).is_some_and(|b| b.is_ascii_alphanumeric()) {
        return None;
    }
    (mod97(&compact) == 1).then_some(iban_end)
}

/// ISO 7064 MOD 97-10 of the rearranged IBAN (first four characters moved to the end,
/// letters as 10–35), computed digit by digit so no big integers are needed.
pub(crate) fn mod97(compact: &[u8]) -> u32 {
    let (head, tail) = compact.split_at(compact.len().min(4));
    tail.iter().chain(head).fold(0u32, |r, &c| {
        let v = if c.is_ascii_digit() { u32::from(c - b'0') } else { u32::from(c - b'A') + 10 };
        if v >= 10 { (r * 100 + v) % 97 } else { (r * 10 + v) % 97 }
    })
}

#[cfg(test)]
mod tests {
    use crate::{Kind, scan};

    fn ibans(text: &str) -> Vec<&str> {
        scan(text.as_bytes())
            .into_iter()
            .filter(|f| f.kind == Kind::Iban)
            .map(|f| &text[f.range()])
            .collect()
    }

    #[test]
    fn finds_published_examples_compact_and_printed() {
        for iban in [
            "DE89 3704 0044 0532 0130 00",
            "DE89370400440532013000",
            "GB82 WEST 1234 5698 7654 32",
            "FR14 2004 1010 0505 0001 3M02 606",
            "NL91 ABNA 0417 1643 00",
            "CH93 0076 2011 6238 5295 7",
            "BE68 5390 0754 7034",
            "NO93 8601 1117 947",
            "MT84 MALT 0110 0001 2345 MTLC AST0 01S",
        ] {
            assert_eq!(ibans(&format!("Pay to {iban}. Thanks")), [iban], "{iban}");
        }
    }

    #[test]
    fn takes_the_country_length_and_gives_back_the_rest() {
        let text = "DE89 3704 0044 0532 0130 00 4111 1111 1111 1111";
        let found = scan(text.as_bytes());
        let names: Vec<&str> = found.iter().map(|f| f.kind.name()).collect();
        assert_eq!(names, ["iban", "card"]);
        assert_eq!(&text[found[0].range()], "DE89 3704 0044 0532 0130 00");
    }

    #[test]
    fn near_misses_are_not_ibans() {
        for text in [
            // Wrong check digits, a changed digit, swapped digits.
            "DE88 3704 0044 0532 0130 00",
            "DE89 3704 0044 0532 0130 01",
            "DE89 3704 0044 0532 0103 00",
            // Too short, too long (glued), unknown country, lower case.
            "DE89 3704 0044 0532 0130 0",
            "DE89370400440532013000X",
            "ZZ89 3704 0044 0532 0130 00",
            "de89 3704 0044 0532 0130 00",
            // Spaced off the four-character grid.
            "DE89 37040 044 0532 0130 00",
        ] {
            assert!(ibans(text).is_empty(), "{text}");
        }
    }
}
