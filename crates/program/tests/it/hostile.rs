//! Hostile input: whatever bytes arrive, `check` answers with a diagnostic or a clear
//! refusal — never a panic, never unbounded work. Limits are tested at the limit and
//! one past it (STYLE.md §4.7).

use ombud_core::limits;
use ombud_program::{CheckOptions, Checked, Unreadable, check};
use proptest::prelude::*;

use crate::generate;

/// A small program that parses and lowers cleanly (lints may still speak).
const VALID: &str = include_str!("fixtures/minimal.yaml");

/// No parse (`P…`) or validation (`V…`) diagnostics.
fn well_formed(checked: &Checked) -> bool {
    checked.program.is_some()
        && !checked.diagnostics.iter().any(|d| d.code.starts_with('P') || d.code.starts_with('V'))
}

fn codes(checked: &Checked) -> Vec<&'static str> {
    checked.diagnostics.iter().map(|d| d.code).collect()
}

fn check_str(text: &str) -> Checked {
    check(text.as_bytes(), &CheckOptions::default()).expect("text is readable")
}

#[test]
fn a_file_over_the_size_limit_is_refused_before_parsing() {
    let mut bytes = b"ombud: 1\n#".to_vec();
    bytes.resize(limits::MANIFEST_BYTES_MAX + 1, b'x');
    let refused = check(&bytes, &CheckOptions::default()).expect_err("too large");
    assert_eq!(refused, Unreadable::TooLarge { size_bytes: limits::MANIFEST_BYTES_MAX + 1 });
    assert!(refused.to_string().contains("more than the 4194304 bytes"));
}

#[test]
fn a_file_at_the_size_limit_is_read() {
    let mut text = VALID.to_owned();
    text.push('#');
    let padding = limits::MANIFEST_BYTES_MAX - text.len();
    text.push_str(&"x".repeat(padding));
    assert_eq!(text.len(), limits::MANIFEST_BYTES_MAX);
    let checked = check(text.as_bytes(), &CheckOptions::default()).expect("at the limit is fine");
    assert!(well_formed(&checked), "{:?}", codes(&checked));
}

#[test]
fn invalid_utf8_names_the_line() {
    let refused = check(b"ombud: 1\norganization:\n  name: \xff\xfe\n", &CheckOptions::default())
        .expect_err("not UTF-8");
    assert_eq!(
        refused.to_string(),
        "file is not UTF-8 text (invalid byte at offset 31, line 3); save it as UTF-8 without a byte-order mark"
    );
}

#[test]
fn utf16_is_recognised_and_explained() {
    let utf16: Vec<u8> = "\u{feff}ombud: 1\n".encode_utf16().flat_map(u16::to_le_bytes).collect();
    let refused = check(&utf16, &CheckOptions::default()).expect_err("UTF-16");
    assert!(refused.to_string().contains("UTF-16"));
}

#[test]
fn a_utf8_byte_order_mark_is_accepted() {
    let text = format!("\u{feff}{VALID}");
    assert!(well_formed(&check_str(&text)));
}

#[test]
fn deep_nesting_is_refused_at_the_first_level_that_does_not_fit() {
    // Parsing is streaming and typed: a sequence where a mapping belongs is refused at
    // its first bracket, so no depth of nesting can make the parser recurse or buffer.
    for depth in [limits::MANIFEST_DEPTH_MAX, limits::MANIFEST_DEPTH_MAX + 1, 100_000] {
        let text = format!("ombud: 1\norganization: {}{}\n", "[".repeat(depth), "]".repeat(depth));
        let checked = check_str(&text);
        assert_eq!(codes(&checked), ["P002"], "depth {depth}");
        assert_eq!(checked.diagnostics[0].span, ombud_program::Span::new(2, 15));
    }
}

/// `examples` of the first category, written as `count` aliases of one anchor.
fn with_aliases(count: usize) -> String {
    let aliases = vec!["*e"; count].join(", ");
    VALID.replacen(
        "sources: [direct]",
        &format!("sources: [direct]\n    description: &e ex\n    examples: [{aliases}]"),
        1,
    )
}

#[test]
fn an_anchor_may_be_expanded_up_to_its_limit() {
    assert!(well_formed(&check_str(&with_aliases(64))));
    let checked = check_str(&with_aliases(65));
    assert_eq!(codes(&checked), ["P006"], "{:?}", checked.diagnostics);
    assert_eq!(
        checked.diagnostics[0].message,
        "YAML aliases expand to more than a manifest may hold"
    );
}

#[test]
fn alias_bombs_are_refused_without_expanding() {
    let mut text = String::from("ombud: 1\norganization:\n  name: &a0 lol\n");
    let mut lists = String::new();
    for level in 1..12 {
        let previous = level - 1;
        let row = vec![format!("*a{previous}"); 9].join(", ");
        lists.push_str(&format!("  - &a{level} [{row}]\n"));
    }
    text.push_str("categories:\n");
    text.push_str(&lists);
    let checked = check_str(&text);
    assert!(checked.has_errors());
    assert_eq!(checked.diagnostics.len(), 1, "{:?}", checked.diagnostics);
}

#[test]
fn a_few_aliases_are_legitimate() {
    let reused = VALID.replacen(
        "sources: [direct]",
        "sources: &from_you [direct]\n    examples: *from_you",
        1,
    );
    assert!(well_formed(&check_str(&reused)), "{:?}", check_str(&reused).diagnostics);
}

#[test]
fn yaml_tags_that_construct_objects_are_refused() {
    let checked = check_str("ombud: !!python/object:os.system 1\n");
    assert!(checked.has_errors());
    assert!(checked.program.is_none());
}

#[test]
fn several_documents_in_one_file_are_refused() {
    let text = format!("{VALID}\n---\n{VALID}");
    let checked = check_str(&text);
    assert!(checked.has_errors(), "a second document must not be silently ignored");
}

#[test]
fn control_characters_and_nul_bytes_do_not_panic() {
    let checked = check(b"ombud: 1\n\0organization:\x07 \x1b[31m\n", &CheckOptions::default())
        .expect("readable");
    assert!(checked.has_errors());
}

#[test]
fn huge_ids_and_texts_are_bounded_in_messages() {
    let long_id = "z".repeat(10_000);
    let text = VALID.replacen("ccpa: identifiers", &format!("ccpa: {long_id}"), 1);
    let checked = check_str(&text);
    assert!(checked.has_errors());
    for diagnostic in &checked.diagnostics {
        assert!(
            diagnostic.message.len() < 400,
            "message echoes the input: {} bytes",
            diagnostic.message.len()
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let _ = check(&bytes, &CheckOptions::default());
    }

    #[test]
    fn mutated_manifests_never_panic_and_diagnostics_have_positions(
        position in 0usize..VALID.len(),
        length in 0usize..64,
        replacement in "[ -~\n]{0,16}",
    ) {
        let mut text = VALID.to_owned();
        let start = (0..=position).rev().find(|i| text.is_char_boundary(*i)).unwrap_or(0);
        let end = (start + length).min(text.len());
        let end = (end..=text.len()).find(|i| text.is_char_boundary(*i)).unwrap_or(text.len());
        text.replace_range(start..end, &replacement);
        let checked = check_str(&text);
        for diagnostic in &checked.diagnostics {
            prop_assert!(!diagnostic.message.is_empty());
            prop_assert!(diagnostic.code.len() == 4);
        }
    }
}

#[test]
fn thousands_of_unknown_references_are_capped_and_summarized() {
    let checked = check_str(&generate::unknown_references(3_000));
    assert_eq!(checked.diagnostics.len(), limits::DIAGNOSTICS_PER_FILE_MAX + 1);
    let last =
        checked.diagnostics.iter().find(|d| d.message.contains("more problems are not shown"));
    assert_eq!(last.map(|d| d.message.as_str()), Some("2000 more problems are not shown"));
}

/// The minimal program with the first category's `examples` set to `count` short items.
fn with_examples(count: usize) -> String {
    let items = vec!["x"; count].join(", ");
    VALID.replacen("sources: [direct]", &format!("sources: [direct]\n    examples: [{items}]"), 1)
}

#[test]
fn yaml_nodes_are_limited() {
    assert!(well_formed(&check_str(&with_examples(1_000))));
    let checked = check_str(&with_examples(limits::MANIFEST_NODES_MAX));
    assert_eq!(codes(&checked), ["P006"]);
    assert_eq!(
        checked.diagnostics[0].message,
        "the manifest exceeds a safety limit: more than 200000 YAML nodes"
    );
}

/// The minimal program with `count` sources.
fn with_sources(count: usize) -> String {
    let mut sources = String::from("sources:\n");
    for index in 0..count {
        sources.push_str(&format!("  - {{ id: s{index}, name: Source }}\n"));
    }
    VALID.replacen(
        "sources:\n  - { id: direct, name: Directly from you }\n",
        &format!("{sources}  - {{ id: direct, name: Directly from you }}\n"),
        1,
    )
}

#[test]
fn list_items_are_limited_at_the_limit_and_one_past() {
    let at_limit = check_str(&with_sources(limits::MANIFEST_LIST_ITEMS_MAX - 1));
    assert!(well_formed(&at_limit), "{:?}", at_limit.diagnostics.first());
    let past = check_str(&with_sources(limits::MANIFEST_LIST_ITEMS_MAX));
    assert_eq!(codes(&past), ["V006"]);
    assert_eq!(past.diagnostics[0].message, "more than 10000 source entries");
}

#[test]
fn ids_are_limited_at_the_limit_and_one_past() {
    let id = |length: usize| VALID.replace("direct", &"d".repeat(length));
    assert!(well_formed(&check_str(&id(limits::ID_BYTES_MAX))));
    let past = check_str(&id(limits::ID_BYTES_MAX + 1));
    assert_eq!(codes(&past), ["V004"]);
}

#[test]
fn texts_are_limited_at_the_limit_and_one_past() {
    let name = |length: usize| {
        VALID.replacen("name: Contact details", &format!("name: {}", "n".repeat(length)), 1)
    };
    assert!(well_formed(&check_str(&name(limits::TEXT_BYTES_MAX))));
    let past = check_str(&name(limits::TEXT_BYTES_MAX + 1));
    assert_eq!(codes(&past), ["V006"]);
    let note = VALID.replacen(
        "{ right: know, channels: [form] }",
        &format!(
            "{{ right: know, channels: [form], note: {} }}",
            "n".repeat(limits::TEXT_BYTES_MAX + 1)
        ),
        1,
    );
    assert_eq!(codes(&check_str(&note)), ["V006"], "every free text is limited, not only names");
}

#[test]
fn credentials_in_a_webhook_address_are_refused_without_echoing_them() {
    let text = format!(
        "{VALID}recipients:\n  - {{ id: mailer, name: Mailer, role: service_provider }}\nsystems:\n  - id: mail\n    kind: service_provider\n    recipient: mailer\n    webhook: {{ url: \"https://admin:hunter2@mailer.example/dsr?token=s3cr3t\", secret: env:MAILER_SECRET }}\n"
    );
    let checked = check_str(&text);
    let rendered: Vec<String> = checked.diagnostics.iter().map(|d| d.render("t.yaml")).collect();
    let rendered = rendered.join("\n");
    assert!(codes(&checked).iter().filter(|c| **c == "V005").count() == 2, "{rendered}");
    assert!(!rendered.contains("hunter2") && !rendered.contains("s3cr3t"), "{rendered}");
}

#[test]
fn calendar_and_data_point_ids_are_limited_at_the_limit_and_one_past() {
    let requests = |length: usize| {
        let id = "c".repeat(length);
        format!(
            "{VALID}requests:\n  holidays: [{id}]\n  gdpr_holidays: [{id}]\n  data_points: [{{ id: {id}, name: Point }}]\n"
        )
    };
    assert!(well_formed(&check_str(&requests(limits::ID_BYTES_MAX))));
    let past = check_str(&requests(limits::ID_BYTES_MAX + 1));
    assert_eq!(codes(&past), ["V004", "V004", "V004"], "{:?}", past.diagnostics);
}

#[test]
fn a_huge_time_zone_name_is_refused_with_a_bounded_message() {
    let text = format!("{VALID}requests: {{ timezone: {} }}\n", "America/".repeat(5_000));
    let checked = check_str(&text);
    assert_eq!(codes(&checked), ["V004"]);
    assert!(checked.diagnostics[0].message.len() < 400);
}
