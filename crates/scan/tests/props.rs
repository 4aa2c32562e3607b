//! Properties of `scan` over arbitrary bytes: it never panics, its spans stay in bounds,
//! sorted and disjoint, and a valid value set apart by newlines is found at its exact
//! span whatever noise surrounds it. (The fuzz target of issue 7 will check the same.)

use ombud_scan::{Finding, Kind, scan};
use proptest::prelude::*;

fn assert_well_formed(text: &[u8], found: &[Finding]) {
    for f in found {
        assert!(f.start < f.end && f.end <= text.len(), "{f:?} out of bounds of {}", text.len());
        assert!((1..=100).contains(&f.confidence), "{f:?}");
    }
    for pair in found.windows(2) {
        assert!(pair[0].end <= pair[1].start, "{:?} overlaps or precedes {:?}", pair[0], pair[1]);
    }
}

/// Bytes that make candidates: digits, hex, separators, `@`, capitals, NUL, non-UTF-8.
fn dense_bytes() -> impl Strategy<Value = Vec<u8>> {
    let alphabet: Vec<u8> = b"0123456789 -.:/@abcdefxyzABCDEFGZ_\n\0\xff\xc3".to_vec();
    proptest::collection::vec(proptest::sample::select(alphabet), 0..400)
}

const VALID: &[(&str, &str)] = &[
    ("jane.doe@example.com", "email"),
    ("4111 1111 1111 1111", "card"),
    ("378282246310005", "card"),
    ("GB82 WEST 1234 5698 7654 32", "iban"),
    ("123-45-6789", "us_ssn"),
    ("198.51.100.23/24", "ipv4"),
    ("2001:db8::8a2e:370:7334", "ipv6"),
    ("00-1A-2B-3C-4D-5E", "mac"),
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn spans_stay_in_bounds_sorted_and_disjoint_for_any_bytes(
        text in proptest::collection::vec(any::<u8>(), 0..600)
    ) {
        assert_well_formed(&text, &scan(&text));
    }

    #[test]
    fn spans_stay_in_bounds_sorted_and_disjoint_for_candidate_dense_bytes(text in dense_bytes()) {
        let found = scan(&text);
        assert_well_formed(&text, &found);
        // Deterministic: the same bytes give the same findings.
        prop_assert_eq!(found, scan(&text));
    }

    #[test]
    fn a_valid_value_on_its_own_line_is_found_at_its_exact_span(
        before in dense_bytes(),
        after in dense_bytes(),
        which in 0..VALID.len(),
    ) {
        let (value, kind) = VALID[which];
        let mut text = before.clone();
        text.push(b'\n');
        let start = text.len();
        text.extend_from_slice(value.as_bytes());
        let end = text.len();
        text.push(b'\n');
        text.extend_from_slice(&after);
        let found = scan(&text);
        assert_well_formed(&text, &found);
        prop_assert!(
            found.iter().any(|f| f.start == start && f.end == end && f.kind.name() == kind),
            "{} not found in {:?}", kind, found
        );
    }
}

#[test]
fn a_long_input_of_one_digit_run_is_scanned_without_a_finding() {
    // One candidate of a megabyte: linear, and no 13–19 digit card inside it.
    let text = "1".repeat(1 << 20);
    assert!(scan(text.as_bytes()).is_empty());
    let spaced = "12 ".repeat(1 << 18);
    assert!(scan(spaced.as_bytes()).is_empty());
    assert!(!scan(b"4111 1111 1111 1111").is_empty());
    assert_eq!(scan(b"4111111111111111")[0].kind, Kind::Card(ombud_scan::Brand::Visa));
}

#[test]
fn long_runs_full_of_candidates_are_scanned_in_one_pass() {
    // Each run holds a candidate every few bytes that fails validation. An unbounded
    // pattern that stays alive across the run (as an email local part once did) makes
    // every search read to the end of the run: quadratic, which here would not finish.
    let quarter_mib = 1 << 18;
    for unit in ["1.", "1a-", "1:", "ab:cd:", "DE12 ", "1-", "a@b.1.", "a@b.cc."] {
        let text = unit.repeat(quarter_mib / unit.len());
        assert_well_formed(text.as_bytes(), &scan(text.as_bytes()));
    }
    let domains = "a@b.cc, ".repeat(quarter_mib / 8);
    assert_eq!(scan(domains.as_bytes()).len(), quarter_mib / 8);
}
