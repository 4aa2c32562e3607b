//! `ombud consent` and `ombud decide` through the binary, on SQLite and PostgreSQL: the
//! events program's sponsor sale before and after an opt-out (exit codes a script can
//! branch on), a suppression list, GPC, and the saas newsletter unsubscribed through
//! the link in the message the outbox holds.

// Helpers outside #[test] functions unwrap too: a failed set-up is a failed test.
#![allow(clippy::unwrap_used)]

mod common;

use common::Place;

const SALE: &[&str] = &[
    "decide",
    "--subject",
    "email:ada@example.com",
    "--purpose",
    "sponsor_offers",
    "--recipient",
    "sponsors",
    "--category",
    "contact_details",
];

#[test]
fn an_opt_out_turns_the_sponsor_sale_to_deny_and_lands_on_the_suppression_list_r110() {
    for place in Place::both("cli_consent_opt_out", "examples/events.yaml") {
        let before = place.expect(SALE, 0);
        assert!(before.starts_with("ALLOW (allowed_sale_or_share)"), "{before}");
        place.ok(&[
            "consent",
            "record",
            "--subject",
            "email:ada@example.com",
            "--choice",
            "opt_out_sale",
            "--source",
            "form",
            "--notice-version",
            "2026.3",
        ]);
        let after = place.expect(SALE, 1);
        assert!(after.starts_with("DENY (opted_out_of_sale)"), "{after}");
        assert!(after.contains("opted out of the sale"), "{after}");

        let json: serde_json::Value =
            serde_json::from_str(&place.expect(&[SALE, &["--format", "json"]].concat(), 1))
                .unwrap();
        assert_eq!(json["rule"], "opted_out_of_sale");

        let csv = place.ok(&["consent", "export", "--recipient", "sponsors"]);
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines[0], "kind,identifier,form,since,rules");
        assert_eq!(lines.len(), 2, "{csv}");
        assert!(!csv.contains("ada@"), "hashed by default");

        let history = place.ok(&[
            "consent",
            "history",
            "--subject",
            "email:ada@example.com",
            "--format",
            "json",
        ]);
        let history: serde_json::Value = serde_json::from_str(&history).unwrap();
        assert_eq!(history[0]["choice"], "opt_out_sale");
        assert_eq!(history[0]["notice_version"], "2026.3");

        // Unknown ids are named, never a silent allow; bad subjects are explained.
        let unknown = place
            .expect(&["decide", "--recipient", "spnosors", "--category", "contact_details"], 1);
        assert!(unknown.contains("spnosors"), "{unknown}");
        let err =
            place.fails(&["consent", "record", "--subject", "ada", "--choice", "opt_out_sale"]);
        assert!(err.contains("email:ADDRESS"), "{err}");
        let err = place.fails(&[
            "consent",
            "record",
            "--subject",
            "email:ada@example.com",
            "--choice",
            "opt_out_everything",
        ]);
        assert!(err.contains("opt_out_sale"), "{err}");
    }
}

#[test]
fn gpc_is_honored_once_and_only_for_exactly_1() {
    for place in Place::both("cli_consent_gpc", "examples/events.yaml") {
        let no = place.ok(&["consent", "signal", "--device", "device:b-9", "--gpc", "yes"]);
        assert!(no.contains("records written: 0") && no.contains("(nothing)"), "{no}");
        let yes = place.ok(&[
            "consent",
            "signal",
            "--device",
            "device:b-9",
            "--person",
            "email:ada@example.com",
            "--gpc",
            "1",
        ]);
        assert!(
            yes.contains("records written: 6") && yes.contains("Opt-Out Request Honored"),
            "{yes}"
        );
        let again = place.ok(&["consent", "signal", "--device", "device:b-9", "--gpc", "1"]);
        assert!(again.contains("records written: 0"), "{again}");
        assert!(place.expect(SALE, 1).contains("Global Privacy Control"));
    }
}

#[test]
fn a_newsletter_is_unsubscribed_through_the_link_in_the_message_rfc8058() {
    for place in Place::both("cli_consent_newsletter", "examples/saas.yaml") {
        place.ok(&[
            "consent",
            "record",
            "--subject",
            "email:ada@example.com",
            "--choice",
            "subscribe",
            "--target",
            "newsletter",
            "--source",
            "form",
        ]);
        std::fs::write(place.path("body.txt"), "What is new.").unwrap();
        let sent = place.ok(&[
            "consent",
            "send",
            "--list",
            "newsletter",
            "--title",
            "News",
            "--text-file",
            "body.txt",
        ]);
        assert!(sent.starts_with("queued 1 messages"), "{sent}");
        place.ok(&["mail", "send"]);
        let outbox = place.path("outbox");
        let message = std::fs::read_dir(&outbox)
            .unwrap()
            .flatten()
            .map(|e| std::fs::read_to_string(e.path()).unwrap())
            .find(|m| m.contains("List-Unsubscribe"))
            .unwrap()
            .replace("\r\n ", " ");
        let header = message.lines().find(|l| l.starts_with("List-Unsubscribe: ")).unwrap();
        let token = header.split("/unsubscribe/").nth(1).unwrap().split('>').next().unwrap();
        let err = place.fails(&["consent", "unsubscribe", "--token", &token[..token.len() - 2]]);
        assert!(err.contains("not valid"), "{err}");
        let done = place.ok(&["consent", "unsubscribe", "--token", token]);
        assert_eq!(done.trim(), "unsubscribed from newsletter");
        let shown = place.ok(&["consent", "show", "--subject", "email:ada@example.com"]);
        let line = shown.lines().find(|l| l.starts_with("list newsletter")).unwrap();
        assert!(line.ends_with(" not subscribed"), "{shown}");
    }
}
