//! Diagnostics are snapshot-tested for their line, column, message and help: the
//! contract `ombud check` has with the person editing the manifest.

use expect_test::{Expect, expect};
use ombud_program::{CheckOptions, check_text};

/// A small program that lowers without errors; tests break it one way at a time.
const MINIMAL: &str = include_str!("fixtures/minimal.yaml");

#[track_caller]
fn check(text: &str, expect: Expect) {
    let checked = check_text(text, &CheckOptions::default());
    let rendered: Vec<String> = checked
        .diagnostics
        .iter()
        // Lints from `lint::run` are tested in `lints.rs`; L010 and L014 are failed
        // references found while lowering, so they belong here.
        .filter(|d| !d.code.starts_with('L') || matches!(d.code, "L010" | "L014"))
        .map(|d| d.render("t.yaml"))
        .collect();
    expect.assert_eq(&rendered.join("\n"));
}

#[track_caller]
fn replaced(from: &str, to: &str) -> String {
    assert!(MINIMAL.contains(from), "fixture lacks {from:?}");
    MINIMAL.replacen(from, to, 1)
}

#[test]
fn minimal_program_has_no_validation_errors() {
    check(MINIMAL, expect![[""]]);
}

#[test]
fn unknown_field_names_the_closest_field() {
    check(
        &replaced("    ccpa: identifiers\n", "    ccpa: identifiers\n    sorces: [direct]\n"),
        expect![[r#"
            t.yaml:12:5: error[P004]: unknown field `sorces`
              = help: did you mean `sources`?"#]],
    );
}

#[test]
fn missing_field_points_at_the_mapping_that_lacks_it() {
    check(
        &replaced("    name: Contact details\n", ""),
        expect![[r#"
            t.yaml:12:5: error[P003]: missing field `name` in this mapping
              = help: add `name:` to the mapping; `ombud schema` says what it takes"#]],
    );
}

#[test]
fn wrong_type_says_what_was_expected() {
    check(
        &replaced("sells_or_shares_under_16: false", "sells_or_shares_under_16: maybe"),
        expect![[r#"
            t.yaml:24:37: error[P002]: invalid boolean (strict mode expects true/false)
              = help: write `true` or `false`"#]],
    );
}

#[test]
fn duplicate_yaml_key_is_an_error_not_a_silent_overwrite() {
    check(
        &replaced("    name: Contact details\n", "    name: Contact details\n    name: Contacts\n"),
        expect![[r#"
            t.yaml:11:5: error[P005]: `name` appears twice in the same mapping
              = help: keep one of them; YAML would silently keep only the last"#]],
    );
}

#[test]
fn yaml_syntax_error_has_a_position() {
    check(
        &replaced("jurisdictions: [ccpa]", "jurisdictions: [ccpa"),
        expect![[r#"
            t.yaml:7:7: error[P001]: illegal placement of ':' indicator
              = help: fix the YAML syntax here (indentation, a missing `:` or closing bracket)"#]],
    );
}

#[test]
fn every_meaning_error_is_reported_not_only_the_first() {
    let text = replaced("ccpa: identifiers", "ccpa: identifier")
        .replacen("purposes: [service]", "purposes: [servise]", 1)
        .replacen("jurisdictions: [ccpa]", "jurisdictions: [ccpa, cpra]", 1)
        .replacen("channels: [form]", "channels: [from]", 1);
    check(
        &text,
        expect![[r#"
            t.yaml:6:23: error[V003]: unknown jurisdiction `cpra`
              = help: expected one of `ccpa`, `caloppa`, `gdpr`, `virginia`, `colorado`, `connecticut`, `texas`, `oregon`, `utah`
            t.yaml:11:11: error[V003]: unknown CCPA category `identifier`
              = help: did you mean `identifiers`?
            t.yaml:13:16: error[V001]: unknown purpose `servise`
              = help: did you mean `service`?
            t.yaml:23:31: error[V001]: unknown channel `from`
              = help: did you mean `form`?"#]],
    );
}

#[test]
fn duplicate_id_points_at_both_declarations() {
    check(
        &replaced(
            "  - { id: direct, name: Directly from you }\n",
            "  - { id: direct, name: Directly from you }\n  - { id: direct, name: From partners }\n",
        ),
        expect![[r#"
            t.yaml:16:11: error[V002]: duplicate source id `direct`
              = help: it is already declared at line 15, column 11; rename one of them"#]],
    );
}

#[test]
fn malformed_values_are_explained() {
    let text = replaced(r#"effective: "2026-06-01""#, r#"effective: "06/01/2026""#)
        .replacen("privacy@widgets.example", "privacy-at-widgets", 1)
        .replacen("website: https://widgets.example", "website: widgets.example", 1)
        .replacen("ombud: 1", "ombud: 2", 1);
    check(
        &text,
        expect![[r#"
            t.yaml:1:8: error[V004]: unsupported format version 2
              = help: this ombud reads format version 1: write `ombud: 1`
            t.yaml:4:12: error[V004]: `widgets.example` is not a web address
              = help: write a full address starting with `https://`
            t.yaml:5:21: error[V004]: `privacy-at-widgets` is not an email address
              = help: write it as `name@example.com`
            t.yaml:7:36: error[V004]: `06/01/2026` is not a date
              = help: write the effective date as `YYYY-MM-DD`, for example `2024-08-24`, in quotes"#]],
    );
}

#[test]
fn secrets_written_inline_are_refused_without_echoing_them() {
    let text = format!(
        "{MINIMAL}systems:\n  - id: shop\n    engine: postgres\n    connection: postgres://admin:hunter2@db.example/shop\n"
    );
    let checked = check_text(&text, &CheckOptions::default());
    let rendered: Vec<String> = checked.diagnostics.iter().map(|d| d.render("t.yaml")).collect();
    let rendered = rendered.join("\n");
    assert!(!rendered.contains("hunter2"), "a diagnostic echoed a secret: {rendered}");
    check(
        &text,
        expect![[r#"
            t.yaml:29:17: error[V005]: the connection must be a reference to an environment variable
              = help: write `env:NAME` (uppercase letters, digits, `_`) and put the secret in that variable; if a secret was committed, rotate it"#]],
    );
}

#[test]
fn a_right_under_an_undeclared_law_is_an_error() {
    check(
        &replaced(
            "{ right: know, channels: [form] }",
            "{ right: know, laws: [gdpr], channels: [form] }",
        ),
        expect![[r#"
            t.yaml:23:27: error[V004]: `gdpr` is not among the program's jurisdictions
              = help: add `gdpr` to `jurisdictions:` or remove it here"#]],
    );
}

#[test]
fn system_references_are_resolved_within_the_system() {
    let text = format!(
        "{MINIMAL}systems:\n  - id: shop\n    engine: sqlite\n    connection: env:SHOP_DB\n    tables:\n      - name: customer\n        identity: {{ email: email }}\n        columns: {{ email: contact, phone: contcat }}\n      - name: orders\n        references: {{ customer_id: custommer.id }}\n        erase: {{ strategy: purge }}\n        retain: {{ reason: D9 }}\n"
    );
    check(
        &text,
        expect![[r#"
            t.yaml:33:43: error[L014]: column annotated with unknown category `contcat`
              = help: did you mean `contact`?
              = law: R-001; Civ. Code §1798.100(a)(1)
            t.yaml:35:36: error[V001]: unknown table `custommer`
              = help: did you mean `customer`?
            t.yaml:36:28: error[V003]: unknown erasure strategy `purge`
              = help: expected one of `delete`, `null`, `mask`, `hash`, `random`
            t.yaml:37:27: error[V003]: unknown retention exception `D9`
              = help: did you mean `D1`?
              = law: R-096, R-262; Civ. Code §1798.105(d), GDPR Art 17(3)"#]],
    );
}

#[test]
fn empty_file_says_how_to_start() {
    check(
        "\n  \n",
        expect![[r#"
            t.yaml:1:1: error[P001]: the file is empty
              = help: start with `ombud: 1`; `ombud schema` prints the full format"#]],
    );
}

#[test]
fn json_output_carries_every_field() {
    let checked =
        check_text(&replaced("ccpa: identifiers", "ccpa: identifier"), &CheckOptions::default());
    let json = checked.diagnostics[0].to_json("t.yaml");
    expect![[r#"{"file":"t.yaml","line":11,"column":11,"severity":"error","code":"V003","message":"unknown CCPA category `identifier`","help":"did you mean `identifiers`?","citation":null}"#]]
        .assert_eq(&json.to_string());
}

#[test]
fn opt_out_links_keep_their_statutory_titles_r150_r151() {
    let text = replaced(
        "  - { id: form, kind: web_form, url: \"https://widgets.example/privacy\" }\n",
        "  - { id: form, kind: web_form, url: \"https://widgets.example/privacy\" }\n  - { id: dns, kind: do_not_sell_link, url: \"https://widgets.example/dns\", label: Privacy settings }\n  - { id: choices, kind: privacy_choices_link, url: \"https://widgets.example/c\", label: Your California Privacy Choices }\n",
    );
    check(
        &text,
        expect![[r#"
            t.yaml:22:11: warning[V004]: the law fixes the title of a `do_not_sell_link`; its `label` is not used
              = help: remove `label:`; the notice uses the statutory title (Civ. Code §1798.135(a), 11 CCR §7015)"#]],
    );
}

#[test]
fn third_party_tracking_must_be_declared_r221_6() {
    // CalOPPA §22575(b)(6): the notice states whether others track people across sites,
    // so a manifest that is silent on it is refused rather than read as "nobody does".
    check(
        &replaced(", third_party_tracking: false }", " }"),
        expect![[r#"
            t.yaml:25:24: error[P003]: missing field `third_party_tracking` in this mapping
              = help: add `third_party_tracking:` to the mapping; `ombud schema` says what it takes"#]],
    );
}

/// The minimal program with a `requests:` block; its first field is on line 27.
fn with_requests(block: &str) -> String {
    format!("{MINIMAL}requests:\n{block}")
}

#[test]
fn a_misspelled_time_zone_gets_the_closest_iana_name() {
    check(
        &with_requests("  timezone: America/Los_Angles\n  gdpr_timezone: Dublin time\n"),
        expect![[r#"
            t.yaml:27:13: error[V004]: `America/Los_Angles` is not a time zone of the IANA database
              = help: did you mean `America/Los_Angeles`?
            t.yaml:28:18: error[V004]: `Dublin time` is not a time zone of the IANA database
              = help: write an IANA name such as `America/Los_Angeles` or `Europe/Dublin`"#]],
    );
}

#[test]
fn etc_unknown_is_not_a_time_zone() {
    check(
        &with_requests("  gdpr_timezone: Etc/Unknown\n"),
        expect![[r#"
        t.yaml:27:18: error[V004]: `Etc/Unknown` is not a time zone of the IANA database
          = help: write an IANA name such as `America/Los_Angeles` or `Europe/Dublin`"#]],
    );
}

#[test]
fn holiday_calendar_ids_are_file_names_so_their_syntax_is_strict() {
    check(
        &with_requests(
            "  holidays: [us-federal, us_CA, ../secrets, us-federal]\n  gdpr_holidays: [\"\"]\n",
        ),
        expect![[r#"
            t.yaml:27:26: error[V004]: `us_CA` is not a holiday calendar id
              = help: did you mean `us-ca`? calendar ids are 1–128 lowercase letters, digits or `-`, starting with a letter or digit: `us-federal`, `us-ca`, or the name of a `<id>.cal` file
            t.yaml:27:33: error[V004]: `../secrets` is not a holiday calendar id
              = help: calendar ids are 1–128 lowercase letters, digits or `-`, starting with a letter or digit: `us-federal`, `us-ca`, or the name of a `<id>.cal` file
            t.yaml:27:45: warning[V002]: holiday calendar `us-federal` is listed twice
            t.yaml:28:19: error[V004]: `` is not a holiday calendar id
              = help: calendar ids are 1–128 lowercase letters, digits or `-`, starting with a letter or digit: `us-federal`, `us-ca`, or the name of a `<id>.cal` file"#]],
    );
}

#[test]
fn a_data_point_declared_twice_points_at_the_first() {
    check(
        &with_requests(
            "  data_points:\n    - { id: postal_code, name: The postal code on your account }\n    - { id: postal_code, name: Your postal code }\n    - { id: Last Order, name: \" \" }\n",
        ),
        expect![[r#"
            t.yaml:29:13: error[V002]: duplicate data point id `postal_code`
              = help: it is already declared at line 28, column 13; rename one of them
            t.yaml:30:13: error[V004]: `Last Order` is not a valid data point id
              = help: ids are 1–128 lowercase letters, digits, `_` or `-`, starting with a letter or digit
            t.yaml:30:13: error[V004]: data point `Last Order` has no name
              = help: write what people read on the request form, such as `The postal code on your account`"#]],
    );
}

#[test]
fn only_delete_and_correct_can_be_high_risk_r051() {
    check(
        &with_requests("  high_risk: [delete, access, delet, delete]\n"),
        expect![[r#"
        t.yaml:27:23: error[V003]: `access` cannot be a high-risk request type
          = help: access to specific pieces always needs the reasonably high degree (11 CCR §7062(c), R-050); only `delete` and `correct` can be listed here (R-051)
        t.yaml:27:31: error[V003]: unknown high-risk request type `delet`
          = help: did you mean `delete`?
        t.yaml:27:38: warning[V002]: `delete` is listed twice"#]],
    );
}

#[test]
fn the_privacy_center_must_be_an_https_address() {
    check(
        &with_requests("  privacy_center: http://widgets.example/privacy\n"),
        expect![[r#"
        t.yaml:27:19: error[V004]: the privacy center must use https
          = help: people sign in and read about their requests there; write an `https://` address"#]],
    );
    check(
        &with_requests("  privacy_center: widgets.example/privacy\n"),
        expect![[r#"
        t.yaml:27:19: error[V004]: `widgets.example/privacy` is not a web address
          = help: write a full address starting with `https://`"#]],
    );
}

#[test]
fn the_from_address_of_request_emails_must_be_an_email_address() {
    check(
        &with_requests("  email_from: \"Privacy Team <privacy@widgets.example>\"\n"),
        expect![[r#"
            t.yaml:27:15: error[V004]: `Privacy Team <privacy@widgets.example>` is not an email address
              = help: write it as `name@example.com`"#]],
    );
}

#[test]
fn an_unknown_field_in_requests_names_the_closest_field() {
    check(
        &with_requests("  time_zone: America/Los_Angeles\n"),
        expect![[r#"
        t.yaml:27:3: error[P004]: unknown field `time_zone`
          = help: did you mean `timezone`?"#]],
    );
}
