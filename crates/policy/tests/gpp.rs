//! The GPP encoder against the published test vectors (ECOSYSTEM.md §1.2, from the
//! IAB reference library and `iab_gpp`'s tests), and a small decoder written here to
//! check that what is encoded reads back.
#![allow(clippy::unwrap_used)]

use ombud_policy::gpp::{
    Choices, Consent, Mspa, Notice, OptOut, Section, UsCa, UsNat, encode, fibonacci_code, gpp_for,
};
use proptest::prelude::*;

fn usnat_v1_vector() -> UsNat {
    UsNat {
        sharing_notice: Notice::Provided,
        sale_opt_out_notice: Notice::Provided,
        sharing_opt_out_notice: Notice::Provided,
        targeted_advertising_opt_out_notice: Notice::Provided,
        sensitive_data_processing_opt_out_notice: Notice::Provided,
        sensitive_data_limit_use_notice: Notice::Provided,
        sale_opt_out: OptOut::OptedOut,
        sharing_opt_out: OptOut::OptedOut,
        targeted_advertising_opt_out: OptOut::OptedOut,
        sensitive_data_processing: vec![Consent::NoConsent; 12],
        known_child_sensitive_data_consents: vec![Consent::NoConsent; 2],
        personal_data_consents: Consent::NoConsent,
        mspa_covered_transaction: Mspa::Yes,
        mspa_opt_out_option_mode: Mspa::Yes,
        mspa_service_provider_mode: Mspa::No,
        gpc: Some(true),
    }
}

#[test]
fn usnat_v1_matches_the_published_vector() {
    assert_eq!(encode(&[Section::UsNat(usnat_v1_vector())]).unwrap(), "DBABLA~BVVVVVVVVWA.YA");
}

#[test]
fn usca_matches_the_published_vector() {
    let section = UsCa {
        sale_opt_out_notice: Notice::Provided,
        sharing_opt_out_notice: Notice::Provided,
        sensitive_data_limit_use_notice: Notice::Provided,
        sale_opt_out: OptOut::DidNotOptOut,
        sharing_opt_out: OptOut::DidNotOptOut,
        sensitive_data_processing: [OptOut::DidNotOptOut; 9],
        known_child_sensitive_data_consents: [Consent::Consent; 2],
        personal_data_consents: Consent::Consent,
        mspa_covered_transaction: Mspa::Yes,
        mspa_opt_out_option_mode: Mspa::Yes,
        mspa_service_provider_mode: Mspa::No,
        gpc: Some(true),
    };
    assert_eq!(encode(&[Section::UsCa(section)]).unwrap(), "DBABBg~BVqqqqpY.YA");
}

#[test]
fn fibonacci_codes_match_the_specification_table() {
    let code = |n| fibonacci_code(n).iter().map(|b| if *b { '1' } else { '0' }).collect::<String>();
    for (n, want) in [
        (1, "11"),
        (2, "011"),
        (3, "0011"),
        (4, "1011"),
        (5, "00011"),
        (6, "10011"),
        (7, "01011"),
        (8, "000011"),
    ] {
        assert_eq!(code(n), want, "{n}");
    }
}

#[test]
fn a_bad_usnat_shape_and_duplicate_sections_are_refused() {
    let mut bad = usnat_v1_vector();
    bad.sensitive_data_processing.pop();
    assert!(encode(&[Section::UsNat(bad)]).is_err());
    let good = Section::UsNat(usnat_v1_vector());
    assert!(encode(&[good.clone(), good]).is_err());
    assert!(encode(&[]).is_err());
}

/// Reads a base64url GPP part back into bits.
fn bits(part: &str) -> Vec<bool> {
    const ALPHABET: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    part.chars()
        .flat_map(|c| {
            let v = ALPHABET.find(c).unwrap();
            (0..6).rev().map(move |s| (v >> s) & 1 == 1)
        })
        .collect()
}

fn int(bits: &[bool], at: &mut usize, width: usize) -> u64 {
    let v = bits[*at..*at + width].iter().fold(0u64, |a, b| (a << 1) | u64::from(*b));
    *at += width;
    v
}

#[test]
fn a_person_who_sent_gpc_reads_as_opted_out_everywhere() {
    // GPC alone is an opt-out of sale and sharing, and the GPC sub-section says so.
    let choices = Choices { gpc: true, ..Choices::default() };
    let usnat = gpp_for(&choices, false);
    let (header, rest) = usnat.split_once('~').unwrap();
    assert_eq!(header, "DBABLA");
    let (core, gpc) = rest.split_once('.').unwrap();
    assert_eq!(gpc, "YA");
    let b = bits(core);
    let mut at = 0;
    assert_eq!(int(&b, &mut at, 6), 2, "version 2");
    at += 12; // six notices
    for field in ["sale", "sharing", "targeted advertising"] {
        assert_eq!(int(&b, &mut at, 2), 1, "{field} opted out");
    }
    let usca = gpp_for(&choices, true);
    assert!(usca.starts_with("DBABBg~"));
    let b = bits(usca.split_once('~').unwrap().1.split_once('.').unwrap().0);
    let mut at = 12; // version and three notices
    assert_eq!(int(&b, &mut at, 2), 1, "sale opted out");
    assert_eq!(int(&b, &mut at, 2), 1, "sharing opted out");
    // Without the signal and without a choice: did not opt out, no GPC sub-section.
    let none = gpp_for(&Choices::default(), true);
    assert!(!none.contains('.'));
}

proptest! {
    #[test]
    fn fibonacci_codes_end_in_11_and_have_no_other_11(n in 1u64..1_000_000_000_000) {
        let code = fibonacci_code(n);
        prop_assert!(code.ends_with(&[true, true]));
        prop_assert!(!code[..code.len() - 1].windows(2).any(|w| w[0] && w[1]));
        // It decodes back to n.
        let mut fibs = vec![1u64, 2];
        while fibs.len() < code.len() { let l = fibs.len(); fibs.push(fibs[l - 1] + fibs[l - 2]); }
        let value: u64 = code[..code.len() - 1].iter().zip(&fibs).filter(|(b, _)| **b).map(|(_, f)| f).sum();
        prop_assert_eq!(value, n);
    }

    #[test]
    fn every_choice_encodes_to_base64url_of_whole_bytes(sale: bool, sharing: bool, ta: bool, limit: bool, gpc: bool, ca: bool) {
        let s = gpp_for(&Choices { sale, sharing, targeted_advertising: ta, limit_sensitive: limit, gpc }, ca);
        prop_assert!(s.chars().all(|c| c.is_ascii_alphanumeric() || "-_~.".contains(c)));
        for part in s.split(['~', '.']) {
            prop_assert_eq!(part.len() * 6 % 8 < 6, true);
        }
    }
}
