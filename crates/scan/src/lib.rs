//! ombud-scan: finds personal data in text and says where it is, never what it is.
//!
//! [`scan`] (or [`Scanner::scan`]) takes any bytes — they need not be UTF-8 and may hold
//! NULs — and returns [`Finding`]s: a [`Kind`], a byte span into the input and a
//! confidence. A finding never copies the matched text, so the caller decides whether
//! the value may leave the process (DESIGN.md, Discovery; issue 7).
//!
//! **One pass.** Every detector contributes one candidate pattern to a single
//! multi-pattern `regex_automata::meta::Regex` (ASCII-only, over bytes, linear time).
//! The search walks the input once, leftmost-first; only candidates reach the
//! validators (Luhn, mod-97, the SSN ranges, octet ranges, `Ipv6Addr` parsing), so
//! adding a detector adds a pattern, not a pass.
//!
//! **Overlaps.** Findings are sorted by `start` and never overlap. Where candidates
//! compete for the same bytes, the one that starts first wins; at the same start, the
//! detector earlier in [`Scanner`]'s pattern order wins (email, IBAN, colon-separated
//! IPv6/MAC, dash-separated MAC, IPv4, digit runs). A candidate that fails validation
//! gives its bytes back only where its detector says so (see each module).
//!
//! **Confidence** is a percentage that ranks findings (a bare 16-digit number that
//! passes Luhn is less certain than one grouped like a card); it is not a calibrated
//! probability. Context words do not change it yet.
//!
//! Detectors, each with its precision trade-off documented in its module:
//! [`email`], [`card`], [`iban`], [`ssn`], [`ip`] (IPv4 and IPv6), [`mac`].
//!
//! **Invariant:** pure — no I/O, no clock, no randomness; the same bytes always give
//! the same findings.
#![warn(missing_docs)]

pub mod card;
pub mod email;
pub mod iban;
pub mod ip;
pub mod mac;
pub mod ssn;

use std::ops::Range;
use std::sync::OnceLock;

use regex_automata::{Input, meta, util::syntax};

pub use card::Brand;

/// What a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// An email address (see [`email`]).
    Email,
    /// A payment card number that passes Luhn, with its brand from the IIN (see [`card`]).
    Card(Brand),
    /// An International Bank Account Number with a valid mod-97 check (see [`iban`]).
    Iban,
    /// A US Social Security number outside the never-issued ranges (see [`ssn`]).
    UsSsn,
    /// An IPv4 address, optionally with a CIDR prefix length (see [`ip`]).
    Ipv4,
    /// An IPv6 address, optionally with a prefix length (see [`ip`]).
    Ipv6,
    /// A 48-bit MAC address (see [`mac`]).
    Mac,
}

impl Kind {
    /// A stable lowercase name for reports and filters (`card` for every brand).
    pub fn name(self) -> &'static str {
        match self {
            Kind::Email => "email",
            Kind::Card(_) => "card",
            Kind::Iban => "iban",
            Kind::UsSsn => "us_ssn",
            Kind::Ipv4 => "ipv4",
            Kind::Ipv6 => "ipv6",
            Kind::Mac => "mac",
        }
    }
}

/// One piece of personal data found: where it is in the input, not what it says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Finding {
    /// What was found.
    pub kind: Kind,
    /// Byte offset of the first byte, into the scanned input.
    pub start: usize,
    /// Byte offset one past the last byte; `start < end <= input.len()`.
    pub end: usize,
    /// How sure the detector is, 1–100 (a rank, not a calibrated probability).
    pub confidence: u8,
}

impl Finding {
    /// The span as a range, to slice the input with.
    pub fn range(&self) -> Range<usize> {
        self.start..self.end
    }
}

/// The patterns were rejected by the regex compiler. The patterns are constants, so
/// this does not happen in a released build (a test compiles them).
#[derive(Debug)]
pub struct BuildError(Box<meta::BuildError>);

impl std::fmt::Display for BuildError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the scanner's built-in patterns did not compile: {}", self.0)
    }
}

impl std::error::Error for BuildError {}

/// Every detector's candidate pattern. The index is the pattern id `Scanner::scan`
/// dispatches on, and the order is the tie-break at equal starts.
fn patterns() -> [String; 6] {
    [
        email::PATTERN.to_owned(),
        iban::pattern(),
        ip::V6_PATTERN.to_owned(),
        mac::DASH_PATTERN.to_owned(),
        ip::V4_PATTERN.to_owned(),
        card::DIGIT_RUN_PATTERN.to_owned(),
    ]
}

/// The compiled detectors. Build once and share: scanning takes `&self`.
#[derive(Clone, Debug)]
pub struct Scanner {
    candidates: meta::Regex,
}

impl Scanner {
    /// Compiles every detector's candidate pattern into one automaton.
    pub fn new() -> Result<Scanner, BuildError> {
        // ASCII classes and ASCII word boundaries over raw bytes: no Unicode tables,
        // and invalid UTF-8 in the input is just bytes that match nothing.
        let candidates = meta::Regex::builder()
            .syntax(syntax::Config::new().unicode(false).utf8(false))
            .configure(meta::Config::new().utf8_empty(false))
            .build_many(&patterns())
            .map_err(|e| BuildError(Box::new(e)))?;
        Ok(Scanner { candidates })
    }

    /// Every finding in `text`, sorted by `start`, non-overlapping, in bounds.
    pub fn scan(&self, text: &[u8]) -> Vec<Finding> {
        let mut found = Vec::new();
        let mut at = 0;
        while at < text.len() {
            let Some(m) = self.candidates.search(&Input::new(text).range(at..)) else { break };
            let (start, end) = (m.start(), m.end());
            let resume = match m.pattern().as_usize() {
                0 => email::detect(text, start, end, &mut found),
                1 => iban::detect(text, start, end, &mut found),
                2 => ip::detect_colon_candidate(text, start, end, &mut found),
                3 => mac::detect_dashed(text, start, end, &mut found),
                4 => ip::detect_v4(text, start, end, &mut found),
                _ => card::detect_digit_run(text, start, end, &mut found),
            };
            // Always move forward, whatever a detector answers.
            at = resume.max(start + 1);
        }
        settle(found, text.len())
    }
}

/// Enforces the output contract whatever the detectors did: in bounds, non-empty,
/// sorted by start, and on overlap the earlier finding kept.
fn settle(mut found: Vec<Finding>, len: usize) -> Vec<Finding> {
    found.retain(|f| f.start < f.end && f.end <= len);
    found.sort_by_key(|f| (f.start, f.end));
    let mut out: Vec<Finding> = Vec::with_capacity(found.len());
    for f in found {
        if out.last().is_none_or(|last| last.end <= f.start) {
            out.push(f);
        }
    }
    out
}

/// Scans with a scanner built on first use and kept for the process. Returns no
/// findings only if the built-in patterns failed to compile, which a test rules out.
pub fn scan(text: &[u8]) -> Vec<Finding> {
    static SCANNER: OnceLock<Option<Scanner>> = OnceLock::new();
    match SCANNER.get_or_init(|| Scanner::new().ok()) {
        Some(scanner) => scanner.scan(text),
        None => Vec::new(),
    }
}

/// A byte that continues a word (ASCII letter, digit or `_`), as `\b` sees it.
pub(crate) fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// The byte before `i`, if any.
pub(crate) fn before(text: &[u8], i: usize) -> Option<u8> {
    i.checked_sub(1).and_then(|j| text.get(j).copied())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_patterns_compile() {
        assert!(Scanner::new().is_ok());
    }

    #[test]
    fn findings_in_mixed_text_come_sorted_and_typed() {
        let text = b"Mail jane.doe@example.com, card 4111 1111 1111 1111, \
                     IBAN DE89 3704 0044 0532 0130 00, SSN 123-45-6789, from 192.0.2.7.";
        let kinds: Vec<&str> = scan(text).iter().map(|f| f.kind.name()).collect();
        assert_eq!(kinds, ["email", "card", "iban", "us_ssn", "ipv4"]);
        let spans: Vec<&[u8]> = scan(text).iter().map(|f| &text[f.range()]).collect();
        assert_eq!(
            spans,
            [
                &b"jane.doe@example.com"[..],
                b"4111 1111 1111 1111",
                b"DE89 3704 0044 0532 0130 00",
                b"123-45-6789",
                b"192.0.2.7"
            ]
        );
    }

    #[test]
    fn invalid_utf8_and_nuls_are_only_bytes() {
        let mut text = vec![0xff, 0xfe, 0, b' '];
        text.extend_from_slice(b"4111111111111111");
        text.extend_from_slice(&[0, 0xc3, 0x28, b' ']);
        text.extend_from_slice(b"a@example.org\0");
        let found = scan(&text);
        assert_eq!(found.len(), 2);
        assert_eq!(&text[found[0].range()], b"4111111111111111");
        assert_eq!(&text[found[1].range()], b"a@example.org");
    }

    #[test]
    fn settle_drops_overlaps_and_out_of_bounds_spans() {
        let f = |start, end| Finding { kind: Kind::Email, start, end, confidence: 50 };
        assert_eq!(
            settle(vec![f(5, 9), f(0, 6), f(8, 12), f(3, 3), f(10, 40)], 20),
            [f(0, 6), f(8, 12)]
        );
    }
}
