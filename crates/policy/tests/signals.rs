//! Browser signals and one-click unsubscribe against hostile input: the GPC header
//! rules of the W3C spec, what the manifest's stance makes of them (R-117,
//! ), `/.well-known/gpc.json` for the seed manifests, and RFC 8058
//! tokens that cannot be forged, altered, or read past their 400 days (R-300, R-305,
//!
#![allow(clippy::unwrap_used)]

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ombud_core::SignalStance;
use ombud_policy::gpc::{
    DNT_NOT_HONORED, DntEffect, GPC_NOT_HONORED, GpcEffect, GpcSignal, OPT_OUT_HONORED,
    do_not_track, gpc_signal, interpret, opt_out_status, well_known_gpc_json,
};
use ombud_policy::unsubscribe::{
    HeaderError, IssueError, MAX_ID_BYTES, MAX_TOKEN_CHARS, ONE_CLICK, TOKEN_VALIDITY_S,
    TokenError, Unsubscribe, UnsubscribeKey, is_one_click_body, is_one_click_multipart,
    is_one_click_request, list_unsubscribe_headers, token, verify,
};
use ombud_program::notice::{Format, NoticeLaw, render};
use ombud_program::{CheckOptions, Date, Program, load};
use proptest::prelude::*;

const INSTRUMENTS: &str = include_str!("../../../examples/instruments.yaml");
const SAAS: &str = include_str!("../../../examples/saas.yaml");

fn program(text: &str) -> Program {
    load(text.as_bytes(), &CheckOptions::default()).unwrap().0
}

fn key() -> UnsubscribeKey {
    UnsubscribeKey::from_bytes([7; 32])
}

// 2026-06-01T00:00:00Z, an arbitrary fixed "now".
const NOW: i64 = 1_780_272_000;

// --- GPC -----------------------------------------------------------------------------

#[test]
fn gpc_header_values() {
    let one = |value| gpc_signal([("Sec-GPC", value)]);
    assert_eq!(one("1"), GpcSignal::Present);
    assert_eq!(
        one(" 1 "),
        GpcSignal::Present,
        "HTTP whitespace around the value is not part of it"
    );
    // only exactly `1`; the header has no `0` and no synonyms.
    for value in ["0", "true", "yes", "01", "1.0", "", "l", "+1", "1;q=1"] {
        assert_eq!(one(value), GpcSignal::Invalid, "{value:?}");
        assert!(!one(value).is_opt_out());
    }
    // Repeated lines joined by an intermediary (RFC 9110 §5.3) count like the lines.
    assert_eq!(one("1, 1"), GpcSignal::Present);
    assert_eq!(one("0, 1"), GpcSignal::Present);
    assert_eq!(one("0, yes"), GpcSignal::Invalid);
}

#[test]
fn gpc_header_names_and_repeats() {
    assert_eq!(gpc_signal([]), GpcSignal::Absent);
    assert_eq!(gpc_signal([("Accept", "*/*"), ("X-Sec-GPC", "1")]), GpcSignal::Absent);
    assert_eq!(gpc_signal([("sec-gpc", "1")]), GpcSignal::Present);
    assert_eq!(gpc_signal([("SEC-GPC", "1")]), GpcSignal::Present);
    // Several headers: present when at least one is `1` (W3C GPC; R-320), whatever
    // the order.
    assert_eq!(gpc_signal([("Sec-GPC", "0"), ("Sec-GPC", "1")]), GpcSignal::Present);
    assert_eq!(gpc_signal([("Sec-GPC", "1"), ("Sec-GPC", "yes")]), GpcSignal::Present);
    assert_eq!(gpc_signal([("Sec-GPC", "0"), ("Sec-GPC", "no")]), GpcSignal::Invalid);
}

#[test]
fn dnt_header() {
    assert!(do_not_track([("DNT", "1")]));
    assert!(do_not_track([("dnt", " 1 ")]));
    assert!(!do_not_track([("DNT", "0")]));
    assert!(!do_not_track([("DNT", "yes")]));
    assert!(!do_not_track([]));
}

#[test]
fn the_manifest_decides_what_a_signal_does() {
    let mut signals = program(INSTRUMENTS).signals;
    assert_eq!((signals.gpc, signals.do_not_track), (SignalStance::Honor, SignalStance::Ignore));
    // an honored GPC signal is an opt-out with no further question.
    let effect = interpret(&signals, true, true);
    assert_eq!(effect.gpc, GpcEffect::OptOut);
    assert_eq!(effect.dnt, DntEffect::NotHonored { statement: DNT_NOT_HONORED });
    // no signal is not an opt-in, just nothing.
    assert_eq!(interpret(&signals, false, false).gpc, GpcEffect::NotSent);
    assert_eq!(interpret(&signals, false, false).dnt, DntEffect::NotSent);

    signals.gpc = SignalStance::Ignore;
    signals.do_not_track = SignalStance::Honor;
    let effect = interpret(&signals, true, true);
    assert_eq!(effect.gpc, GpcEffect::NotHonored { statement: GPC_NOT_HONORED });
    assert_eq!(effect.dnt, DntEffect::StopCrossSiteTracking);
}

#[test]
fn the_page_says_opt_out_request_honored() {
    let signals = program(INSTRUMENTS).signals;
    assert_eq!(OPT_OUT_HONORED, "Opt-Out Request Honored");
    // a browser sending the signal sees that it was honored.
    assert_eq!(opt_out_status(&interpret(&signals, true, false), false), Some(OPT_OUT_HONORED));
    // an earlier opt-out by any method, on a visit without the signal.
    assert_eq!(opt_out_status(&interpret(&signals, false, false), true), Some(OPT_OUT_HONORED));
    assert_eq!(opt_out_status(&interpret(&signals, false, false), false), None);
    let mut ignoring = signals.clone();
    ignoring.gpc = SignalStance::Ignore;
    assert_eq!(opt_out_status(&interpret(&ignoring, true, false), false), None);
}

#[test]
fn the_statements_are_the_notices_own_words() {
    let mut program = program(INSTRUMENTS);
    program.signals.gpc = SignalStance::Ignore;
    let notice = render(&program, NoticeLaw::Ccpa, Format::Markdown);
    assert!(notice.contains(GPC_NOT_HONORED), "the CCPA notice no longer says {GPC_NOT_HONORED:?}");
    assert!(notice.contains(DNT_NOT_HONORED), "the CCPA notice no longer says {DNT_NOT_HONORED:?}");
}

#[test]
fn well_known_gpc_json_for_the_seed_manifests() {
    let instruments = program(INSTRUMENTS);
    assert!(instruments.sells(), "instruments.yaml is the seed that sells");
    assert_eq!(
        well_known_gpc_json(&instruments, instruments.notice.effective),
        "{\"gpc\": true, \"lastUpdate\": \"2026-09-01\"}\n"
    );
    let saas = program(SAAS);
    assert_eq!(
        well_known_gpc_json(&saas, Date::parse("2026-06-01").unwrap()),
        "{\"gpc\": true, \"lastUpdate\": \"2026-06-01\"}\n"
    );
    let mut ignoring = saas;
    ignoring.signals.gpc = SignalStance::Ignore;
    assert_eq!(
        well_known_gpc_json(&ignoring, Date::parse("2026-07-04").unwrap()),
        "{\"gpc\": false, \"lastUpdate\": \"2026-07-04\"}\n"
    );
}

// --- Unsubscribe tokens --------------------------------------------------------------

#[test]
fn a_token_round_trips() {
    let t = token(&key(), "newsletter", "sub_01J9Z", NOW).unwrap();
    assert!(t.len() <= MAX_TOKEN_CHARS);
    assert!(t.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'), "URL-safe");
    assert_eq!(
        verify(&key(), &t, NOW).unwrap(),
        Unsubscribe {
            list_id: "newsletter".into(),
            subscriber_id: "sub_01J9Z".into(),
            issued_at_s: NOW
        }
    );
}

#[test]
fn the_length_prefixes_keep_fields_apart() {
    let a = token(&key(), "ab", "c", NOW).unwrap();
    let b = token(&key(), "a", "bc", NOW).unwrap();
    assert_ne!(a, b);
    assert_eq!(verify(&key(), &b, NOW).unwrap().list_id, "a");
}

#[test]
fn a_token_does_not_show_an_address() {
    // The subscriber id is opaque; nothing in the token is an address even when the
    // caller's ids look like words.
    let t = token(&key(), "newsletter", "sub_01J9Z", NOW).unwrap();
    assert!(!t.contains('@'));
    assert!(!t.contains("newsletter"), "the list id is encoded, not spelled out");
}

#[test]
fn every_altered_byte_is_refused() {
    let t = token(&key(), "newsletter", "sub_01J9Z", NOW).unwrap();
    let raw = URL_SAFE_NO_PAD.decode(&t).unwrap();
    for i in 0..raw.len() {
        for bit in 0..8 {
            let mut altered = raw.clone();
            altered[i] ^= 1 << bit;
            let result = verify(&key(), &URL_SAFE_NO_PAD.encode(&altered), NOW);
            match result {
                Err(TokenError::Forged) => {}
                // The version byte is checked before the tag.
                Err(TokenError::Malformed { .. }) if i == 0 => {}
                other => panic!("byte {i} bit {bit}: {other:?}"),
            }
        }
    }
    // And every character of the text form, replaced by another base64url character.
    for i in 0..t.len() {
        let mut altered = t.clone().into_bytes();
        altered[i] = if altered[i] == b'A' { b'B' } else { b'A' };
        let altered = String::from_utf8(altered).unwrap();
        assert!(verify(&key(), &altered, NOW).is_err(), "character {i}");
    }
}

#[test]
fn a_list_id_swapped_in_without_the_key_is_forged() {
    // An attacker who knows the format moves a subscriber to another list.
    let t = token(&key(), "newsletter", "sub_01J9Z", NOW).unwrap();
    let mut raw = URL_SAFE_NO_PAD.decode(&t).unwrap();
    let at = raw.windows(4).position(|w| w == b"news").unwrap();
    raw[at..at + 4].copy_from_slice(b"ploy");
    assert_eq!(verify(&key(), &URL_SAFE_NO_PAD.encode(&raw), NOW), Err(TokenError::Forged));
}

#[test]
fn another_key_is_forged() {
    let t = token(&key(), "newsletter", "sub_01J9Z", NOW).unwrap();
    let other = UnsubscribeKey::from_bytes([8; 32]);
    assert_eq!(verify(&other, &t, NOW), Err(TokenError::Forged));
}

#[test]
fn the_expiry_boundary() {
    const { assert!(TOKEN_VALIDITY_S >= 30 * 24 * 3600, "R-300: at least 30 days") };
    let t = token(&key(), "newsletter", "sub_01J9Z", NOW).unwrap();
    assert!(verify(&key(), &t, NOW + 30 * 24 * 3600).is_ok(), "R-300: 30 days after sending");
    assert!(verify(&key(), &t, NOW + TOKEN_VALIDITY_S).is_ok(), "valid exactly at the limit");
    assert_eq!(verify(&key(), &t, NOW + TOKEN_VALIDITY_S + 1), Err(TokenError::Expired));
    // Issued in the future by a clock set ahead: ours, so honored.
    assert!(verify(&key(), &t, NOW - 3600).is_ok());
    // No overflow at the ends of time.
    assert_eq!(verify(&key(), &t, i64::MAX), Err(TokenError::Expired));
    assert!(verify(&key(), &t, i64::MIN).is_ok());
    let ancient = token(&key(), "newsletter", "sub_01J9Z", i64::MIN).unwrap();
    assert_eq!(verify(&key(), &ancient, i64::MAX), Err(TokenError::Expired));
}

#[test]
fn malformed_tokens() {
    let t = token(&key(), "newsletter", "sub_01J9Z", NOW).unwrap();
    let malformed =
        |token: &str| matches!(verify(&key(), token, NOW), Err(TokenError::Malformed { .. }));
    assert!(malformed(""));
    assert!(malformed(&"A".repeat(MAX_TOKEN_CHARS + 1)));
    assert!(malformed(&"A".repeat(10_000_000)));
    assert!(malformed("not a token!"));
    assert!(malformed(&format!("{t}=")), "padding is not part of the format");
    assert!(malformed("ab+/cd"), "standard base64 is not base64url");
    assert!(malformed("%41%41%41%41"));
    // Every truncation is refused, as malformed or as forged, never accepted.
    for len in 0..t.len() {
        let cut = &t[..len];
        assert!(verify(&key(), cut, NOW).is_err(), "cut at {len}");
    }
    // A genuine token for the shortest ids still parses (the size floor is right).
    let small = token(&key(), "a", "b", NOW).unwrap();
    assert!(verify(&key(), &small, NOW).is_ok());
}

#[test]
fn errors_never_echo_the_token() {
    let t = token(&key(), "newsletter", "sub_01J9Z", NOW).unwrap();
    let probes = [
        verify(&UnsubscribeKey::from_bytes([9; 32]), &t, NOW).unwrap_err(),
        verify(&key(), &t, NOW + TOKEN_VALIDITY_S + 1).unwrap_err(),
        verify(&key(), &format!("{t}!"), NOW).unwrap_err(),
    ];
    for error in probes {
        let text = format!("{error} {error:?}");
        assert!(!text.contains(&t[..12]), "{text}");
        assert!(!text.contains("sub_01J9Z") && !text.contains("newsletter"), "{text}");
    }
    assert_eq!(format!("{:?}", key()), "UnsubscribeKey([redacted])");
}

#[test]
fn issuing_refuses_empty_and_long_ids() {
    assert_eq!(token(&key(), "", "s", NOW), Err(IssueError::Empty { field: "list id" }));
    assert_eq!(token(&key(), "l", "", NOW), Err(IssueError::Empty { field: "subscriber id" }));
    let long = "x".repeat(MAX_ID_BYTES + 1);
    assert_eq!(token(&key(), "l", &long, NOW), Err(IssueError::TooLong { field: "subscriber id" }));
    let longest = "x".repeat(MAX_ID_BYTES);
    let t = token(&key(), &longest, &longest, NOW).unwrap();
    assert!(t.len() <= MAX_TOKEN_CHARS, "the largest token fits the verify limit");
    assert_eq!(verify(&key(), &t, NOW).unwrap().subscriber_id, longest);
}

proptest! {
    #[test]
    fn random_strings_never_verify_and_never_panic(s in "\\PC{0,600}") {
        prop_assert!(verify(&key(), &s, NOW).is_err());
    }

    #[test]
    fn random_base64_never_verifies(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        prop_assert!(verify(&key(), &URL_SAFE_NO_PAD.encode(&bytes), NOW).is_err());
    }

    #[test]
    fn any_ids_round_trip(list in "\\PC{1,32}", subscriber in "\\PC{1,32}", at in any::<i64>()) {
        let t = token(&key(), &list, &subscriber, at).unwrap();
        let got = verify(&key(), &t, at).unwrap();
        prop_assert_eq!(got, Unsubscribe { list_id: list, subscriber_id: subscriber, issued_at_s: at });
    }
}

// --- Headers and the one-click POST ---------------------------------------------------

#[test]
fn the_two_headers() {
    let t = token(&key(), "newsletter", "sub_01J9Z", NOW).unwrap();
    let [list_unsubscribe, post] = list_unsubscribe_headers(
        "https://privacy.example.com/",
        &t,
        Some("unsubscribe@example.com"),
    )
    .unwrap();
    assert_eq!(list_unsubscribe.0, "List-Unsubscribe");
    assert_eq!(
        list_unsubscribe.1,
        format!(
            "<https://privacy.example.com/unsubscribe/{t}>, <mailto:unsubscribe@example.com?subject=unsubscribe%20{t}>"
        )
    );
    // the exact value.
    assert_eq!(post, ("List-Unsubscribe-Post".to_owned(), "List-Unsubscribe=One-Click".to_owned()));

    let [only_https, _] =
        list_unsubscribe_headers("https://example.com/privacy", &t, None).unwrap();
    assert_eq!(only_https.1, format!("<https://example.com/privacy/unsubscribe/{t}>"));
}

#[test]
fn headers_refuse_what_would_break_them() {
    let t = token(&key(), "newsletter", "sub_01J9Z", NOW).unwrap();
    // RFC 8058: one-click needs HTTPS.
    assert_eq!(
        list_unsubscribe_headers("http://example.com", &t, None),
        Err(HeaderError::NotHttps)
    );
    for base in [
        "https://",
        "https://exa mple.com",
        "https://example.com\r\nBcc: x@example.com",
        "https://example.com/?a=1",
        "https://example.com/>",
    ] {
        assert_eq!(
            list_unsubscribe_headers(base, &t, None),
            Err(HeaderError::BadBaseUrl),
            "{base:?}"
        );
    }
    for address in [
        "",
        "no-at",
        "a@b@c",
        "@example.com",
        "u@",
        "u@example.com>, <https://evil.example",
        "u@example.com?cc=x",
        "u\r\n@example.com",
    ] {
        assert_eq!(
            list_unsubscribe_headers("https://example.com", &t, Some(address)),
            Err(HeaderError::BadMailto),
            "{address:?}"
        );
    }
    assert_eq!(
        list_unsubscribe_headers("https://example.com", "a>b", None),
        Err(HeaderError::BadToken)
    );
    assert_eq!(
        list_unsubscribe_headers("https://example.com", "", None),
        Err(HeaderError::BadToken)
    );
}

#[test]
fn the_one_click_body() {
    assert!(is_one_click_body(b"List-Unsubscribe=One-Click"));
    assert!(is_one_click_body(b"List-Unsubscribe=One-Click\r\n"));
    // Other fields do not hide it (RFC 8058 §3.2 does not forbid them).
    assert!(is_one_click_body(b"a=1&List-Unsubscribe=One-Click&b=2"));
    // A prefetcher's empty POST, a different value, a near miss: not one-click.
    for body in [
        &b""[..],
        b"List-Unsubscribe=Yes",
        b"list-unsubscribe=one-click",
        b"List-Unsubscribe",
        b"List-Unsubscribe=One-Clickx",
        b"xList-Unsubscribe=One-Click",
    ] {
        assert!(!is_one_click_body(body), "{:?}", String::from_utf8_lossy(body));
    }
    let mut huge = ONE_CLICK.as_bytes().to_vec();
    huge.extend(std::iter::repeat_n(b' ', 10_000));
    assert!(!is_one_click_body(&huge), "oversized bodies are refused unread");
}

#[test]
fn the_one_click_multipart_body() {
    let content_type = "multipart/form-data; boundary=\"----b0undary\"";
    let body = b"------b0undary\r\nContent-Disposition: form-data; name=\"List-Unsubscribe\"\r\n\r\nOne-Click\r\n------b0undary--\r\n";
    assert!(is_one_click_multipart(content_type, body));
    assert!(is_one_click_request(Some(content_type), body));
    let wrong = b"------b0undary\r\nContent-Disposition: form-data; name=\"List-Unsubscribe\"\r\n\r\nNo\r\n------b0undary--\r\n";
    assert!(!is_one_click_multipart(content_type, wrong));
    let other_name = b"------b0undary\r\nContent-Disposition: form-data; name=\"Other\"\r\n\r\nOne-Click\r\n------b0undary--\r\n";
    assert!(!is_one_click_multipart(content_type, other_name));
    assert!(!is_one_click_multipart("multipart/form-data", body), "no boundary");
    assert!(!is_one_click_multipart("text/plain; boundary=----b0undary", body));
    assert!(is_one_click_request(Some("application/x-www-form-urlencoded"), ONE_CLICK.as_bytes()));
    assert!(is_one_click_request(None, ONE_CLICK.as_bytes()));
}

proptest! {
    #[test]
    fn hostile_bodies_never_panic(body in proptest::collection::vec(any::<u8>(), 0..600), ct in "\\PC{0,80}") {
        let _ = is_one_click_request(Some(&ct), &body);
        let _ = is_one_click_multipart(&format!("multipart/form-data; boundary={ct}"), &body);
        prop_assert_eq!(is_one_click_body(&body), body.trim_ascii().split(|&b| b == b'&').any(|f| f == ONE_CLICK.as_bytes()));
    }
}

// --- End to end: the saas newsletter ---------------------------------------------------

#[test]
fn saas_newsletter_one_click_end_to_end() {
    let saas = program(SAAS);
    let list = &saas.subscriptions.iter().find(|s| s.id == "newsletter").unwrap().id;
    // Sending: the mailer asks for the headers of one recipient.
    let t = token(&key(), list, "sub_01J9Z", NOW).unwrap();
    let [(_, value), _] =
        list_unsubscribe_headers("https://privacy.example.com", &t, None).unwrap();
    // Receiving: the mail provider POSTs to the link two weeks later.
    let url = value.trim_start_matches('<').trim_end_matches('>');
    let from_path = url.rsplit('/').next().unwrap();
    assert!(is_one_click_request(
        Some("application/x-www-form-urlencoded"),
        b"List-Unsubscribe=One-Click"
    ));
    let unsubscribe = verify(&key(), from_path, NOW + 14 * 24 * 3600).unwrap();
    assert_eq!(unsubscribe.list_id, "newsletter");
    assert!(
        saas.subscriptions.iter().any(|s| s.id == unsubscribe.list_id),
        "a list of the manifest"
    );
    assert_eq!(unsubscribe.subscriber_id, "sub_01J9Z");
}
