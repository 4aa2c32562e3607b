//! Email tests: rendering of every built-in template (snapshots under `snapshots/email/`),
//! operator overrides, the assembled RFC 5322 message (header injection, escaping, limits),
//! the outbox, URL parsing, and delivery to a real SMTP server (`python3 -m aiosmtpd`).
//!
//! Fixtures use example.com addresses and obviously fictional names. Update snapshots with
//! `UPDATE_EXPECT=1 cargo test -p ombud-app` and review the diff like code.

use std::collections::BTreeSet;
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use expect_test::{expect, expect_file};
use ombud_app::mail::{
    AppealView, ComplaintView, EMAIL_BYTES_MAX, EmailKind, MailContext, MailError, MailTransport,
    OrganizationView, OutcomeView, OutgoingEmail, PersonView, ReasonView, Rendered, RequestView,
    TEMPLATE_BYTES_MAX, Templates, VerificationView,
};
use proptest::prelude::*;

const RECIPIENT: &str = "avery.example@example.com";
const SENDER: &str = "Example Outfitters Privacy <privacy@example.com>";

// ---------------------------------------------------------------------------------------
// Fixtures

fn full_context() -> MailContext {
    MailContext {
        organization: OrganizationView {
            name: "Example Outfitters".to_owned(),
            contact_email: Some("privacy@example.com".to_owned()),
            contact_phone: Some("+1 555 0100".to_owned()),
            website: Some("https://www.example.com".to_owned()),
            privacy_policy_url: Some("https://www.example.com/privacy".to_owned()),
        },
        request: RequestView {
            id: "REQ-2030-0042".to_owned(),
            type_id: "delete".to_owned(),
            type_label: "Right to delete your personal information".to_owned(),
            law_id: "ccpa".to_owned(),
            law_label: "California Consumer Privacy Act (CCPA/CPRA)".to_owned(),
            received_on: "4 March 2030".to_owned(),
            respond_by: "18 April 2030".to_owned(),
            extended_to: Some("2 June 2030".to_owned()),
            extension_reason: Some(
                "Your account history spans three systems, and one of them is being \
                 migrated this month."
                    .to_owned(),
            ),
            is_opt_out: false,
            via_agent: true,
        },
        person: PersonView { name: Some("Avery Example".to_owned()) },
        verification: Some(VerificationView {
            steps: vec![
                "Reply to this email from the address on your account.".to_owned(),
                "Tell us the amount of your most recent order.".to_owned(),
            ],
            code: Some("482913".to_owned()),
            code_expires_minutes: Some(15),
        }),
        outcome: Some(OutcomeView {
            status: "denied".to_owned(),
            summary: Some(
                "We searched our order, marketing and support systems for information about you."
                    .to_owned(),
            ),
            reasons: vec![
                ReasonView {
                    code: "D8".to_owned(),
                    label: "To comply with a legal obligation".to_owned(),
                    citation: "Civ. Code §1798.105(d)(8)".to_owned(),
                    explanation: Some(
                        "Tax law requires us to keep invoices for seven years.\nWe will \
                         delete them in 2037."
                            .to_owned(),
                    ),
                },
                ReasonView {
                    code: "D2".to_owned(),
                    label: "To help ensure security and integrity, as far as reasonably \
                            necessary and proportionate"
                        .to_owned(),
                    citation: "Civ. Code §1798.105(d)(2)".to_owned(),
                    explanation: None,
                },
            ],
            downgraded_to_categories: false,
            unverified: false,
        }),
        appeal: Some(AppealView {
            how: "Reply to this email with the word APPEAL, or use the form at \
                  https://www.example.com/privacy/appeal."
                .to_owned(),
            deadline_days: 60,
            attorney_general: Some(
                "https://www.oag.example.gov/consumer-complaint or 1-800-555-0199".to_owned(),
            ),
        }),
        complaint: Some(ComplaintView {
            authority: Some("the Example Data Protection Authority".to_owned()),
            url: Some("https://dpa.example.org/complaints".to_owned()),
        }),
    }
}

fn minimal_context(kind: EmailKind) -> MailContext {
    let mut context = MailContext {
        organization: OrganizationView {
            name: "Example Outfitters".to_owned(),
            ..Default::default()
        },
        request: RequestView {
            id: "REQ-2030-0043".to_owned(),
            type_id: "access".to_owned(),
            type_label: "Right to access and get a copy of your personal information".to_owned(),
            law_id: "gdpr".to_owned(),
            law_label: "General Data Protection Regulation (GDPR)".to_owned(),
            received_on: "4 March 2030".to_owned(),
            respond_by: "4 April 2030".to_owned(),
            ..Default::default()
        },
        ..Default::default()
    };
    match kind {
        EmailKind::Acknowledgement | EmailKind::Completion => {}
        EmailKind::VerificationCode => {
            context.verification =
                Some(VerificationView { code: Some("482913".to_owned()), ..Default::default() });
        }
        EmailKind::ExtensionNotice => {
            context.request.extended_to = Some("4 June 2030".to_owned());
            context.request.extension_reason =
                Some("We received an unusually large number of requests.".to_owned());
        }
        EmailKind::Denial => {
            context.outcome = Some(OutcomeView {
                status: "denied".to_owned(),
                reasons: vec![ReasonView {
                    code: "G-e".to_owned(),
                    label: "To establish, exercise or defend legal claims".to_owned(),
                    citation: "GDPR Art 17(3)(e)".to_owned(),
                    explanation: None,
                }],
                ..Default::default()
            });
            // GDPR Art 12(4): a refusal names the right to complain; the general wording.
            context.complaint = Some(ComplaintView::default());
        }
    }
    context
}

/// The full context, adjusted so that each kind reads as it would in real use.
fn full_context_for(kind: EmailKind) -> MailContext {
    let mut context = full_context();
    match kind {
        EmailKind::Completion => {
            if let Some(outcome) = &mut context.outcome {
                outcome.status = "partially_completed".to_owned();
            }
        }
        EmailKind::Acknowledgement | EmailKind::VerificationCode => {
            context.request.extended_to = None;
            context.request.extension_reason = None;
        }
        EmailKind::ExtensionNotice | EmailKind::Denial => {}
    }
    context
}

fn render(kind: EmailKind, context: &MailContext) -> Rendered {
    Templates::builtin().render(kind, context).expect("the built-ins render this context")
}

fn outgoing(rendered: &Rendered) -> OutgoingEmail {
    OutgoingEmail {
        to: RECIPIENT.to_owned(),
        from: SENDER.to_owned(),
        reply_to: Some("privacy-replies@example.com".to_owned()),
        subject: rendered.subject.clone(),
        text: rendered.text.clone(),
        html: rendered.html.clone(),
        message_id: "<01JD3Z7QW0000000000000000@ombud.example>".to_owned(),
        date: "2030-03-05T14:30:00Z".parse().expect("a valid timestamp"),
        headers: Vec::new(),
    }
}

fn snapshot(kind: EmailKind, variant: &str, rendered: &Rendered) {
    let text = format!("Subject: {}\n\n{}", rendered.subject, rendered.text);
    expect_file![format!("snapshots/email/{}.{variant}.txt", kind.id())].assert_eq(&text);
    expect_file![format!("snapshots/email/{}.{variant}.html", kind.id())].assert_eq(&rendered.html);
}

// ---------------------------------------------------------------------------------------
// Built-in templates

#[test]
fn every_kind_renders_a_full_and_a_minimal_context() {
    for &kind in EmailKind::all() {
        snapshot(kind, "full", &render(kind, &full_context_for(kind)));
        snapshot(kind, "minimal", &render(kind, &minimal_context(kind)));
    }
}

#[test]
fn every_message_names_the_organization_and_the_request() {
    for &kind in EmailKind::all() {
        for context in [full_context_for(kind), minimal_context(kind)] {
            let rendered = render(kind, &context);
            for body in [&rendered.text, &rendered.html] {
                assert!(body.contains(&context.organization.name), "{kind}");
                assert!(body.contains(&context.request.id), "{kind}");
            }
            if kind != EmailKind::VerificationCode {
                assert!(rendered.text.contains(&context.request.type_label), "{kind}");
                assert!(rendered.html.contains(&context.request.type_label), "{kind}");
            }
            assert!(!rendered.subject.contains(['\r', '\n']), "{kind}");
        }
    }
}

#[test]
fn html_is_accessible_and_self_contained() {
    for &kind in EmailKind::all() {
        let html = render(kind, &full_context_for(kind)).html;
        assert!(html.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"), "{kind}");
        assert!(html.contains("<title>") && html.contains("<h1"), "{kind}");
        for forbidden in ["<script", "<img", "<link", "<style", "<iframe", "src=", "@import"] {
            assert!(!html.contains(forbidden), "{kind} contains {forbidden}");
        }
    }
}

#[test]
fn acknowledgement_describes_verification_and_the_due_date() {
    // R-030: describe the verification process and when to expect a response.
    let text =
        render(EmailKind::Acknowledgement, &full_context_for(EmailKind::Acknowledgement)).text;
    assert!(text.contains("1. Reply to this email from the address on your account."));
    assert!(text.contains("2. Tell us the amount of your most recent order."));
    assert!(text.contains("We will respond by 18 April 2030."));
    assert!(text.contains("An authorized agent made it on your behalf."));
}

#[test]
fn opt_out_acknowledgement_says_no_verification_is_needed() {
    // R-041: no verification may be required for an opt-out of sale or sharing.
    let mut context = full_context_for(EmailKind::Acknowledgement);
    context.request.type_id = "opt_out_sale_share".to_owned();
    context.request.type_label =
        "Right to opt out of the sale or sharing of your personal information".to_owned();
    context.request.is_opt_out = true;
    context.request.via_agent = false;
    context.request.respond_by = "25 March 2030".to_owned();
    context.verification = None;
    let rendered = render(EmailKind::Acknowledgement, &context);
    expect_file!["snapshots/email/acknowledgement.opt_out.txt"].assert_eq(&rendered.text);
    assert!(rendered.text.contains("You do not need to prove who you are"));
    assert!(rendered.html.contains("You do not need to prove who you are"));
    assert!(!rendered.text.contains("confirm that the request comes from you"));
}

#[test]
fn extension_notice_gives_the_reason_and_both_dates() {
    // R-032, GDPR Art 12(3): the notice gives the reason, inside the first period.
    let rendered = render(EmailKind::ExtensionNotice, &full_context());
    for body in [&rendered.text, &rendered.html] {
        assert!(body.contains("one of them is being migrated this month"));
        assert!(body.contains("2 June 2030"));
        assert!(body.contains("18 April 2030"));
    }
}

#[test]
fn denial_lists_every_reason_with_its_code_label_and_citation() {
    // R-095, R-096: each exception is cited by code, in words, with its source.
    let context = full_context_for(EmailKind::Denial);
    let rendered = render(EmailKind::Denial, &context);
    for reason in &context.outcome.as_ref().unwrap().reasons {
        for body in [&rendered.text, &rendered.html] {
            assert!(body.contains(&format!("Exception {}", reason.code)));
            assert!(body.contains(&reason.label));
            assert!(body.contains(&reason.citation));
        }
    }
    assert!(rendered.text.contains("    Tax law requires us to keep invoices for seven years.\n    We will delete them in 2037."));
}

#[test]
fn denial_includes_complaint_and_appeal_paragraphs_only_when_present() {
    let complaint = "lodge a complaint with a data protection supervisory authority";
    let appeal = "you can appeal it";
    let attorney_general = "contact the Attorney General";

    // GDPR Art 12(4), R-255; R-281; R-282.
    let rendered = render(EmailKind::Denial, &full_context());
    for body in [&rendered.text, &rendered.html] {
        assert!(body.contains(complaint));
        assert!(body.contains("seek a remedy in court"));
        assert!(body.contains(appeal));
        assert!(body.contains("within 60 days"));
        assert!(body.contains(attorney_general));
    }

    let mut context = minimal_context(EmailKind::Denial);
    context.request.law_id = "ccpa".to_owned();
    context.complaint = None;
    let rendered = render(EmailKind::Denial, &context);
    for body in [&rendered.text, &rendered.html] {
        assert!(!body.contains(complaint));
        assert!(!body.contains(appeal));
        assert!(!body.contains(attorney_general));
    }
}

#[test]
fn unverified_denial_points_to_the_privacy_policy() {
    // R-054: an unverifiable categories request is directed to the privacy policy.
    let mut context = minimal_context(EmailKind::Denial);
    context.organization.privacy_policy_url = Some("https://www.example.com/privacy".to_owned());
    context.request.type_id = "know".to_owned();
    context.request.type_label = "Right to know what we collect and why".to_owned();
    context.outcome =
        Some(OutcomeView { status: "denied".to_owned(), unverified: true, ..Default::default() });
    let rendered = render(EmailKind::Denial, &context);
    expect_file!["snapshots/email/denial.unverified.txt"].assert_eq(&rendered.text);
    assert!(rendered.text.contains("https://www.example.com/privacy"));
    assert!(rendered.html.contains("href=\"https://www.example.com/privacy\""));
}

#[test]
fn downgraded_request_says_it_was_treated_as_a_categories_request() {
    // R-053: no specific pieces are disclosed, the person is told, and the request is
    // re-evaluated as a request for categories.
    let mut context = minimal_context(EmailKind::Denial);
    context.outcome = Some(OutcomeView {
        status: "partially_completed".to_owned(),
        downgraded_to_categories: true,
        ..Default::default()
    });
    let rendered = render(EmailKind::Denial, &context);
    expect_file!["snapshots/email/denial.downgraded.txt"].assert_eq(&rendered.text);
    for body in [&rendered.text, &rendered.html] {
        assert!(body.contains("we have not disclosed any"));
        assert!(body.contains("request to know the categories"));
    }

    let rendered = render(EmailKind::Completion, &context);
    assert!(rendered.text.contains("this response covers those categories"));
}

#[test]
fn verification_code_email_holds_the_code_and_no_other_personal_data() {
    let context = full_context_for(EmailKind::VerificationCode);
    let rendered = render(EmailKind::VerificationCode, &context);
    for body in [&rendered.text, &rendered.html] {
        assert!(body.contains("482913"));
        assert!(body.contains("valid for 15 minutes"));
        assert!(body.contains("Hello Avery Example,"));
        for other in [
            "4 March 2030",
            "18 April 2030",
            "Reply to this email from the address on your account.",
            "marketing preferences",
            "Tax law",
            "APPEAL",
        ] {
            assert!(!body.contains(other), "the code email shows {other:?}");
        }
    }
    assert!(!rendered.subject.contains("482913"), "the code must not show in notifications");
}

#[test]
fn incomplete_contexts_are_refused_with_the_missing_field() {
    let check = |kind, context: MailContext, expected: expect_test::Expect| {
        let error = Templates::builtin().render(kind, &context).unwrap_err();
        expected.assert_eq(&error.to_string());
    };
    let mut context = minimal_context(EmailKind::ExtensionNotice);
    context.request.extension_reason = Some("  ".to_owned());
    check(
        EmailKind::ExtensionNotice,
        context,
        expect![
            "cannot write the extension_notice email without `request.extension_reason`: the notice must give the reason for the delay (R-032, GDPR Art 12(3))"
        ],
    );
    check(
        EmailKind::ExtensionNotice,
        minimal_context(EmailKind::Acknowledgement),
        expect![
            "cannot write the extension_notice email without `request.extended_to`: the notice must give the new due date (R-032)"
        ],
    );
    check(
        EmailKind::VerificationCode,
        minimal_context(EmailKind::Acknowledgement),
        expect![
            "cannot write the verification_code email without `verification.code`: the message exists to carry the code"
        ],
    );
    check(
        EmailKind::Denial,
        minimal_context(EmailKind::Acknowledgement),
        expect![
            "cannot write the denial email without `outcome`: a denial must give its reasons (R-095, R-096)"
        ],
    );
    let mut context = minimal_context(EmailKind::Denial);
    context.outcome = Some(OutcomeView { status: "denied".to_owned(), ..Default::default() });
    check(
        EmailKind::Denial,
        context,
        expect![
            "cannot write the denial email without `outcome.reasons`: a refusal must cite at least one exception (R-095, R-096), unless the person could not be verified"
        ],
    );
    let mut context = minimal_context(EmailKind::Denial);
    context.complaint = None;
    check(
        EmailKind::Denial,
        context,
        expect![
            "cannot write the denial email without `complaint`: under the GDPR a refusal must mention the right to complain to a supervisory authority and to a judicial remedy (Art 12(4), R-255); an empty ComplaintView gives the general wording"
        ],
    );
    let mut context = minimal_context(EmailKind::Denial);
    context.outcome = Some(OutcomeView { status: "completed".to_owned(), ..Default::default() });
    check(
        EmailKind::Denial,
        context,
        expect![
            "cannot write the denial email without `outcome.status`: a denial is `denied` or `partially_completed`"
        ],
    );
}

// ---------------------------------------------------------------------------------------
// Hostile names: escaping and header injection

#[test]
fn markup_in_a_name_is_escaped_in_html() {
    let mut context = full_context_for(EmailKind::Acknowledgement);
    context.person.name = Some("<script>alert(1)</script>".to_owned());
    let rendered = render(EmailKind::Acknowledgement, &context);
    assert!(rendered.html.contains("Hello &lt;script&gt;alert(1)&lt;/script&gt;,"));

    // Quotes are escaped too, so a value cannot leave an attribute.
    context.organization.website = Some("https://www.example.com/\" onclick=\"alert(1)".to_owned());
    let rendered = render(EmailKind::Acknowledgement, &context);
    assert!(
        rendered.html.contains("href=\"https://www.example.com/&quot; onclick=&quot;alert(1)\"")
    );
    assert!(!rendered.html.contains("\" onclick=\""));
    assert!(!rendered.html.contains("<script"));
    assert!(rendered.text.contains("Hello <script>alert(1)</script>,"));
}

#[test]
fn line_breaks_in_a_name_cannot_forge_paragraphs() {
    let mut context = full_context_for(EmailKind::Acknowledgement);
    context.person.name = Some("Avery\r\n\r\nYour account is suspended.\u{202E}".to_owned());
    let rendered = render(EmailKind::Acknowledgement, &context);
    assert!(rendered.text.starts_with("Hello Avery Your account is suspended.,\n"));

    context.person.name = Some("x".repeat(500));
    let rendered = render(EmailKind::Acknowledgement, &context);
    assert!(rendered.text.starts_with(&format!("Hello {}…,\n", "x".repeat(99))));

    context.person.name = Some(" \r\n ".to_owned());
    assert!(render(EmailKind::Acknowledgement, &context).text.starts_with("Hello,\n"));
}

#[test]
fn a_name_with_a_header_cannot_add_a_header() {
    // The name reaches the subject through an override, and the body through the
    // built-ins; neither may produce a `Bcc` header or any header line of its own.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("acknowledgement.subject.txt"),
        "Request {{ request.id }} from {{ person.name }}",
    )
    .unwrap();
    let templates = Templates::with_overrides(dir.path()).unwrap();
    let mut context = full_context_for(EmailKind::Acknowledgement);
    context.person.name = Some("Ann\r\nBcc: victim@example.com".to_owned());
    let rendered = templates.render(EmailKind::Acknowledgement, &context).unwrap();
    assert_eq!(rendered.subject, "Request REQ-2030-0042 from Ann Bcc: victim@example.com");

    let mut email = outgoing(&rendered);
    // Even a caller that builds the subject itself cannot break the line.
    email.subject = "Hello\r\nBcc: victim@example.com".to_owned();
    let raw = String::from_utf8(email.formatted().unwrap()).unwrap();
    let parsed = parse_email(&raw);
    assert_eq!(parsed.header_names(), expected_header_names());
    assert!(!raw.to_ascii_lowercase().contains("\nbcc:"));
    assert_eq!(parsed.header("Subject"), "Hello Bcc: victim@example.com");
}

#[test]
fn addresses_and_extra_headers_are_validated() {
    let rendered =
        render(EmailKind::Acknowledgement, &full_context_for(EmailKind::Acknowledgement));
    let check = |change: &dyn Fn(&mut OutgoingEmail), expected: expect_test::Expect| {
        let mut email = outgoing(&rendered);
        change(&mut email);
        let error = email.formatted().unwrap_err();
        let message = error.to_string();
        assert!(!message.contains("avery") && !message.contains("victim"), "{message}");
        expected.assert_eq(&message);
    };
    check(
        &|email| email.to = "avery.example@example.com\r\nBcc: victim@example.com".to_owned(),
        expect!["the `to` address is not a valid email address"],
    );
    check(
        &|email| email.from = "not an address".to_owned(),
        expect!["the `from` address is not a valid email address"],
    );
    check(
        &|email| email.reply_to = Some("avery@".to_owned()),
        expect!["the `reply_to` address is not a valid email address"],
    );
    check(
        &|email| email.message_id = "<id@ombud.example>\r\nBcc: victim@example.com".to_owned(),
        expect![
            "the message id must look like `<unique@domain>`, using only letters, digits and RFC 5322 atom characters"
        ],
    );
    check(
        &|email| {
            email.headers = vec![(
                "List-Unsubscribe".to_owned(),
                "<https://example.com/u/1>\r\nBcc: victim@example.com".to_owned(),
            )]
        },
        expect![
            "extra header #0: the value of `List-Unsubscribe` contains a line break or another control character"
        ],
    );
    check(
        &|email| {
            email.headers = vec![
                ("X-Ok".to_owned(), "1".to_owned()),
                ("Bcc".to_owned(), "victim@example.com".to_owned()),
            ]
        },
        expect!["extra header #1: `Bcc` is set by ombud and cannot be replaced"],
    );
    check(
        &|email| email.headers = vec![("X-Bad: Bcc".to_owned(), "victim@example.com".to_owned())],
        expect![
            "extra header #0: the name must start with a letter and use only ASCII letters, digits and `-`, at most 76 characters"
        ],
    );
    check(
        &|email| {
            email.headers =
                vec![("X-Tag".to_owned(), "1".to_owned()), ("x-tag".to_owned(), "2".to_owned())]
        },
        expect!["extra header #1: `x-tag` appears twice"],
    );
}

#[test]
fn extra_headers_are_added_as_given() {
    let rendered =
        render(EmailKind::Acknowledgement, &full_context_for(EmailKind::Acknowledgement));
    let mut email = outgoing(&rendered);
    email.headers = vec![
        ("List-Unsubscribe".to_owned(), "<https://www.example.com/u/opaque>".to_owned()),
        ("List-Unsubscribe-Post".to_owned(), "List-Unsubscribe=One-Click".to_owned()),
    ];
    let parsed = parse_email(&String::from_utf8(email.formatted().unwrap()).unwrap());
    assert_eq!(parsed.header("List-Unsubscribe"), "<https://www.example.com/u/opaque>");
    assert_eq!(parsed.header("List-Unsubscribe-Post"), "List-Unsubscribe=One-Click");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Whatever a requester types as their name, the message has exactly the headers ombud
    /// sets, a one-line subject, and no unescaped markup from the name in the HTML.
    #[test]
    fn any_name_keeps_the_message_well_formed(name in "(?s)(.|\r|\n|<|>|:|Bcc){0,80}") {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("acknowledgement.subject.txt"), "For {{ person.name }}").unwrap();
        let templates = Templates::with_overrides(dir.path()).unwrap();
        let mut context = full_context_for(EmailKind::Acknowledgement);
        context.person.name = Some(name);
        let rendered = templates.render(EmailKind::Acknowledgement, &context).unwrap();
        prop_assert!(!rendered.subject.contains(|c: char| c.is_control()));
        let greeting = rendered.html.split("Hello").nth(1).unwrap_or_default();
        let greeting = greeting.split("</p>").next().unwrap_or_default();
        prop_assert!(!greeting.contains('<') && !greeting.contains('>'));
        let raw = String::from_utf8(outgoing(&rendered).formatted().unwrap()).unwrap();
        prop_assert_eq!(parse_email(&raw).header_names(), expected_header_names());
    }
}

// ---------------------------------------------------------------------------------------
// The assembled message and its limits

#[test]
fn the_message_is_deterministic_and_uses_the_given_date_and_id() {
    let rendered = render(EmailKind::Acknowledgement, &minimal_context(EmailKind::Acknowledgement));
    let email = outgoing(&rendered);
    let raw = String::from_utf8(email.formatted().unwrap()).unwrap();
    assert_eq!(raw, String::from_utf8(email.formatted().unwrap()).unwrap());
    expect_file!["snapshots/email/acknowledgement.minimal.eml"]
        .assert_eq(&raw.replace("\r\n", "\n"));
    let parsed = parse_email(&raw);
    assert_eq!(parsed.header("Date"), "Tue, 05 Mar 2030 14:30:00 +0000");
    assert_eq!(parsed.header("Message-ID"), "<01JD3Z7QW0000000000000000@ombud.example>");
    assert_eq!(
        parsed.parts(),
        vec![
            ("text/plain; charset=utf-8".to_owned(), rendered.text.clone()),
            ("text/html; charset=utf-8".to_owned(), rendered.html.clone()),
        ]
    );
}

#[test]
fn an_email_at_the_size_limit_is_accepted_and_one_byte_more_is_refused() {
    let mut email =
        outgoing(&render(EmailKind::Acknowledgement, &minimal_context(EmailKind::Acknowledgement)));
    let other_bytes = email.subject.len() + email.html.len();
    email.text = "a".repeat(EMAIL_BYTES_MAX - other_bytes);
    assert!(email.formatted().is_ok());
    email.text.push('a');
    expect!["the email is larger than the limit of 262144 bytes"]
        .assert_eq(&email.formatted().unwrap_err().to_string());
}

#[test]
fn debug_output_redacts_personal_data() {
    let context = full_context_for(EmailKind::VerificationCode);
    let rendered = render(EmailKind::VerificationCode, &context);
    let email = outgoing(&rendered);
    for debug in [format!("{email:?}"), format!("{rendered:?}"), format!("{context:?}")] {
        assert!(!debug.contains("avery"), "{debug}");
        assert!(!debug.contains("Avery"), "{debug}");
        assert!(!debug.contains("482913"), "{debug}");
        assert!(debug.contains("[redacted]"), "{debug}");
    }
}

// ---------------------------------------------------------------------------------------
// Overrides

fn override_dir(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary directory");
    for (name, contents) in files {
        std::fs::write(dir.path().join(name), contents).expect("the template file is written");
    }
    dir
}

fn override_error(files: &[(&str, &[u8])]) -> String {
    let dir = override_dir(files);
    Templates::with_overrides(dir.path()).expect_err("the overrides are refused").to_string()
}

#[test]
fn an_override_replaces_one_template_and_keeps_the_others() {
    let dir = override_dir(&[(
        "denial.txt",
        b"Dear {{ person.name or 'requester' }}, request {{ request.id }} is refused.\n\
          {% for reason in outcome.reasons %}{{ reason.code }} {% endfor %}\n",
    )]);
    let templates = Templates::with_overrides(dir.path()).unwrap();
    assert_eq!(templates.overridden(), ["denial.txt"]);
    let context = full_context_for(EmailKind::Denial);
    let overridden = templates.render(EmailKind::Denial, &context).unwrap();
    let builtin = render(EmailKind::Denial, &context);
    expect![[r#"
        Dear Avery Example, request REQ-2030-0042 is refused.
        D8 D2
    "#]]
    .assert_eq(&overridden.text);
    assert_eq!(overridden.subject, builtin.subject);
    assert_eq!(overridden.html, builtin.html);
    let context = full_context_for(EmailKind::Completion);
    assert_eq!(
        templates.render(EmailKind::Completion, &context).unwrap(),
        render(EmailKind::Completion, &context)
    );
}

#[test]
fn an_override_can_replace_the_shared_layout() {
    let dir = override_dir(&[(
        "_layout.html",
        b"<!DOCTYPE html><html lang=\"en\"><title>{% block title %}{% endblock %}</title>\
          <body>{% block body %}{% endblock %}{% block details %}{% endblock %}</body></html>",
    )]);
    let templates = Templates::with_overrides(dir.path()).unwrap();
    let html = templates
        .render(EmailKind::ExtensionNotice, &minimal_context(EmailKind::ExtensionNotice))
        .unwrap()
        .html;
    assert!(html.starts_with(
        "<!DOCTYPE html><html lang=\"en\"><title>We need more time for your request</title><body>"
    ));
}

#[test]
fn the_override_example_in_the_docs_works() {
    let docs = include_str!("../../../../docs/email.md");
    let dir = tempfile::tempdir().expect("a temporary directory");
    let mut names = Vec::new();
    for block in docs.split("```jinja\n").skip(1) {
        let block = block.split("```").next().unwrap_or_default();
        let name = block
            .lines()
            .next()
            .and_then(|line| line.strip_prefix("{# DIR/"))
            .and_then(|line| line.strip_suffix(" #}"))
            .expect("each example starts with {# DIR/<file> #}");
        std::fs::write(dir.path().join(name), block).unwrap();
        names.push(name);
    }
    assert_eq!(names, ["denial.subject.txt", "denial.txt"]);
    let templates = Templates::with_overrides(dir.path()).unwrap();
    let rendered = templates.render(EmailKind::Denial, &full_context()).unwrap();
    assert_eq!(rendered.subject, "Your privacy request REQ-2030-0042: our decision");
    expect_file!["snapshots/email/denial.docs_example.txt"].assert_eq(&rendered.text);
}

#[test]
fn override_errors_are_clear() {
    expect!["unknown template file `denial.htm` in the template directory: expected `<kind>.subject.txt`, `<kind>.txt` or `<kind>.html` where kind is one of acknowledgement, verification_code, extension_notice, completion, denial, or `_layout.txt` or `_layout.html`; move other files elsewhere"]
        .assert_eq(&override_error(&[("denial.htm", b"x")]));
    expect!["template `completion.html` line 3: syntax error: unexpected end of input, expected end of block"]
        .assert_eq(&override_error(&[("completion.html", b"<p>\n{% if outcome %}\nDone</p>\n")]));
    expect!["template `acknowledgement.txt` line 2: undefined value: a variable or attribute that does not exist (docs/email.md lists them)"]
        .assert_eq(&override_error(&[("acknowledgement.txt", b"Hello,\nyour request {{ request.idd }}\n")]));
    expect!["template `denial.subject.txt` line 1: unknown filter: filter shout is unknown"]
        .assert_eq(&override_error(&[("denial.subject.txt", b"{{ request.id | shout }}")]));
    expect!["template `verification_code.subject.txt`: the subject is empty"]
        .assert_eq(&override_error(&[("verification_code.subject.txt", b"{# nothing #}\n")]));
    expect!["template file `completion.txt` is not valid UTF-8: save it as UTF-8"]
        .assert_eq(&override_error(&[("completion.txt", b"caf\xe9")]));
}

#[test]
fn a_template_at_the_size_limit_is_accepted_and_one_byte_more_is_refused() {
    let mut at_limit = b"{{ request.id }}".to_vec();
    at_limit.resize(TEMPLATE_BYTES_MAX, b' ');
    let dir = override_dir(&[("completion.subject.txt", &at_limit)]);
    assert!(Templates::with_overrides(dir.path()).is_ok());

    at_limit.push(b' ');
    expect![
        "template file `completion.subject.txt` is 65537 bytes, more than the limit of 65536 bytes"
    ]
    .assert_eq(&override_error(&[("completion.subject.txt", &at_limit)]));
}

#[test]
fn a_runaway_template_stops_at_the_email_size_limit() {
    let error = override_error(&[(
        "completion.html",
        b"{% for i in range(100000) %}{{ organization.name }} {{ request.id }} {% endfor %}",
    )]);
    expect!["the rendered email is larger than the limit of 262144 bytes"].assert_eq(&error);
}

#[test]
fn a_missing_override_directory_is_an_io_error() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing");
    let error = Templates::with_overrides(&missing).unwrap_err();
    assert!(matches!(error, MailError::Io { .. }), "{error:?}");
    assert!(error.to_string().starts_with("read the template directory `"), "{error}");
}

// ---------------------------------------------------------------------------------------
// Delivery URLs

#[test]
fn delivery_urls() {
    let check = |url: &str, expected: expect_test::Expect| {
        let actual = match MailTransport::from_url(url) {
            Ok(transport) => transport.describe(),
            Err(error) => format!("error: {error}"),
        };
        assert!(!actual.contains("s3cret"), "{actual}");
        expected.assert_eq(&actual);
    };
    check("outbox:./outbox", expect!["outbox ./outbox"]);
    check("/var/spool/ombud", expect!["outbox /var/spool/ombud"]);
    check("smtp://relay.example.com", expect!["smtp relay.example.com:587 (STARTTLS)"]);
    check("SMTP://relay.example.com:2587", expect!["smtp relay.example.com:2587 (STARTTLS)"]);
    check(
        "smtps://mailer%40example.com:s3cret@relay.example.com",
        expect!["smtp relay.example.com:465 (implicit TLS, authenticated)"],
    );
    check("smtp+plain://127.0.0.1:2525", expect!["smtp 127.0.0.1:2525 (no TLS, loopback only)"]);
    check("smtp+plain://[::1]", expect!["smtp [::1]:25 (no TLS, loopback only)"]);
    check("smtp+plain://localhost:25/", expect!["smtp localhost:25 (no TLS, loopback only)"]);
    check(
        "smtp+plain://relay.example.com:25",
        expect![
            "error: invalid mail delivery url: `smtp+plain://` sends personal data unencrypted, so it is allowed only to a relay on this machine (localhost, 127.0.0.1, ::1), not `relay.example.com`; use `smtp://relay.example.com` (STARTTLS) or `smtps://relay.example.com` (implicit TLS)"
        ],
    );
    check(
        "smtp+plain://mailer:s3cret@127.0.0.1",
        expect![
            "error: invalid mail delivery url: `smtp+plain://` would send the password unencrypted; drop the user and password, or use `smtp://` or `smtps://`"
        ],
    );
    check(
        "smtp://mailer@relay.example.com",
        expect![
            "error: invalid mail delivery url: the url names a user but no password; set OMBUD_SMTP_PASSWORD rather than writing the password into the url"
        ],
    );
    check(
        "smtp://mailer:s3cret%zz@relay.example.com",
        expect![
            "error: invalid mail delivery url: the password in the url has a bad percent-escape"
        ],
    );
    check(
        "smtp://:s3cret@relay.example.com",
        expect!["error: invalid mail delivery url: the user before `@` is empty"],
    );
    check(
        "smtp://relay.example.com:0",
        expect!["error: invalid mail delivery url: the port must be a number from 1 to 65535"],
    );
    check(
        "smtp://relay.example.com/inbox",
        expect![
            "error: invalid mail delivery url: nothing may follow the host and port (no path, query or fragment)"
        ],
    );
    check(
        "smtp://relay example.com",
        expect![
            "error: invalid mail delivery url: the host is missing or has characters a host name cannot have (write an IPv6 address in brackets, as in `[::1]:25`)"
        ],
    );
    check(
        "smtp:relay.example.com",
        expect!["error: invalid mail delivery url: write `smtp://host`, with two slashes"],
    );
    check(
        "http://relay.example.com",
        expect![
            "error: invalid mail delivery url: unknown scheme; use `smtp://` (STARTTLS), `smtps://` (implicit TLS), `smtp+plain://` (loopback only) or `outbox:DIR`"
        ],
    );
    check(
        "outbox:",
        expect![
            "error: invalid mail delivery url: `outbox:` needs a directory, as in `outbox:./outbox`"
        ],
    );
    check(
        "",
        expect![
            "error: invalid mail delivery url: it is empty; use `outbox:DIR`, `smtp://host`, `smtps://host` or `smtp+plain://127.0.0.1:PORT`"
        ],
    );
}

#[test]
fn the_password_can_come_from_outside_the_url() {
    let transport = MailTransport::from_url_with_password(
        "smtp://mailer@relay.example.com",
        Some("s3cret".to_owned()),
    )
    .unwrap();
    expect!["smtp relay.example.com:587 (STARTTLS, authenticated)"]
        .assert_eq(&transport.describe());
    assert!(!format!("{transport:?}").contains("s3cret"));

    let error = MailTransport::from_url_with_password(
        "smtp://relay.example.com",
        Some("s3cret".to_owned()),
    )
    .unwrap_err();
    expect!["invalid mail delivery url: a password was given but the url names no user; write `smtp://USER@host` or unset OMBUD_SMTP_PASSWORD"]
        .assert_eq(&error.to_string());
}

// ---------------------------------------------------------------------------------------
// The outbox

#[tokio::test]
async fn outbox_writes_a_complete_private_eml_file() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("spool").join("outbox");
    let transport = MailTransport::from_url(&format!("outbox:{}", dir.display())).unwrap();
    let rendered = render(EmailKind::Denial, &full_context_for(EmailKind::Denial));
    let email = outgoing(&rendered);

    let delivery = transport.send(&email).await.unwrap();
    let path = dir.join("20300305T143000Z-01JD3Z7QW0000000000000000@ombud.example.eml");
    assert_eq!(delivery.detail, path.display().to_string());
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1, "no temporary file is left behind");

    let raw = std::fs::read_to_string(&path).unwrap();
    assert_eq!(raw.as_bytes(), email.formatted().unwrap());
    let parsed = parse_email(&raw);
    assert_eq!(parsed.header_names(), expected_header_names());
    assert_eq!(parsed.header("To"), RECIPIENT);
    assert_eq!(parsed.header("From"), "\"Example Outfitters Privacy\" <privacy@example.com>");
    assert_eq!(parsed.header("Reply-To"), "privacy-replies@example.com");
    assert_eq!(parsed.header("Subject"), rendered.subject);
    assert_eq!(parsed.header("MIME-Version"), "1.0");
    assert!(parsed.header("Content-Type").starts_with("multipart/alternative;"));
    assert_eq!(
        parsed.parts(),
        vec![
            ("text/plain; charset=utf-8".to_owned(), rendered.text.clone()),
            ("text/html; charset=utf-8".to_owned(), rendered.html.clone()),
        ]
    );

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "the file holds personal data");
        let mode = std::fs::metadata(&dir).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "a new outbox directory is private too");
    }

    // Sending the same message again replaces the file instead of duplicating it.
    transport.send(&email).await.unwrap();
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
}

#[tokio::test]
async fn outbox_errors_do_not_name_the_recipient() {
    let root = tempfile::tempdir().unwrap();
    let file = root.path().join("not-a-directory");
    std::fs::write(&file, "").unwrap();
    let transport = MailTransport::Outbox { dir: file };
    let email = outgoing(&render(
        EmailKind::Acknowledgement,
        &full_context_for(EmailKind::Acknowledgement),
    ));
    let error = transport.send(&email).await.unwrap_err();
    assert!(matches!(error, MailError::Io { .. }), "{error:?}");
    assert!(error.to_string().starts_with("create the outbox directory `"), "{error}");
    assert_no_personal_data(&error);
}

#[tokio::test]
async fn smtp_errors_do_not_name_the_recipient() {
    // Nothing listens on a port we just released, so the connection is refused.
    let port = free_port();
    let transport = MailTransport::from_url(&format!("smtp+plain://127.0.0.1:{port}")).unwrap();
    let email = outgoing(&render(
        EmailKind::Acknowledgement,
        &full_context_for(EmailKind::Acknowledgement),
    ));
    let error = transport.send(&email).await.unwrap_err();
    assert!(error.is_transient(), "{error:?}");
    assert_eq!(
        error.to_string(),
        format!(
            "smtp 127.0.0.1:{port}: could not talk to the server; check the host and port, and that the server is running"
        )
    );
    assert_no_personal_data(&error);
}

#[test]
fn templates_and_transports_can_be_shared_across_tasks() {
    fn shared<T: Send + Sync>() {}
    fn spawnable<F: std::future::Future + Send>(_future: F) {}
    shared::<Templates>();
    shared::<MailTransport>();
    shared::<MailError>();
    let transport = MailTransport::from_url("smtp://relay.example.com").unwrap();
    let email =
        outgoing(&render(EmailKind::Acknowledgement, &minimal_context(EmailKind::Acknowledgement)));
    // Never polled, so nothing is sent; this only checks the future can go to another thread.
    spawnable(transport.send(&email));
}

fn assert_no_personal_data(error: &MailError) {
    for text in [error.to_string(), format!("{error:?}")] {
        for personal in [RECIPIENT, "Avery", "482913"] {
            assert!(!text.contains(personal), "{text}");
        }
    }
}

// ---------------------------------------------------------------------------------------
// A real SMTP server

/// `python3 -m aiosmtpd` on a free loopback port, storing what it receives in a Maildir.
/// Dropping it kills the server, also when the test fails.
struct SmtpSink {
    child: Child,
    port: u16,
    maildir: PathBuf,
    _root: tempfile::TempDir,
}

/// The variable CI sets to make the SMTP test fail, not skip, without aiosmtpd.
const SMTP_REQUIRED_VAR: &str = "OMBUD_TEST_SMTP_REQUIRED";

impl SmtpSink {
    /// Starts the server, or `None` (after saying so) when aiosmtpd is not installed
    /// and `OMBUD_TEST_SMTP_REQUIRED` is not set: the README's test command needs
    /// nothing installed by hand, and `.ci/run` installs aiosmtpd and sets the variable.
    fn start() -> Option<SmtpSink> {
        let probe = Command::new("python3")
            .args(["-c", "import aiosmtpd"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        if !probe.is_ok_and(|status| status.success()) {
            if ombud_testkit::server_url(SMTP_REQUIRED_VAR).is_some() {
                panic!("aiosmtpd is not installed: python3 -m pip install aiosmtpd");
            }
            #[allow(clippy::print_stderr)] // The person running the tests must see the skip.
            {
                eprintln!(
                    "skipped the SMTP test: aiosmtpd is not installed (python3 -m pip install aiosmtpd)"
                );
            }
            return None;
        }
        let root = tempfile::tempdir().expect("a temporary directory");
        let maildir = root.path().join("maildir");
        let log = std::fs::File::create(root.path().join("aiosmtpd.log")).expect("a log file");
        let port = free_port();
        let child = Command::new("python3")
            .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}")])
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(&maildir)
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("a second log handle"))
            .stderr(log)
            .spawn()
            .expect("python3 starts");
        let mut sink = SmtpSink { child, port, maildir, _root: root };
        sink.wait_until_listening();
        Some(sink)
    }

    fn wait_until_listening(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        let address = std::net::SocketAddr::from(([127, 0, 0, 1], self.port));
        loop {
            if let Some(status) = self.child.try_wait().expect("the child's status") {
                let log = std::fs::read_to_string(self._root.path().join("aiosmtpd.log"));
                panic!("aiosmtpd exited with {status}: {}", log.unwrap_or_default());
            }
            if TcpStream::connect_timeout(&address, Duration::from_millis(200)).is_ok() {
                return;
            }
            assert!(Instant::now() < deadline, "aiosmtpd did not listen on port {}", self.port);
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The messages that arrived, as stored by the Maildir handler.
    fn received(&self) -> Vec<String> {
        let new = self.maildir.join("new");
        let mut paths: Vec<PathBuf> = std::fs::read_dir(&new)
            .map(|entries| entries.map(|entry| entry.expect("a Maildir entry").path()).collect())
            .unwrap_or_default();
        paths.sort();
        paths.iter().map(|path| std::fs::read_to_string(path).expect("a stored message")).collect()
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _killed = self.child.kill();
        let _waited = self.child.wait();
    }
}

#[tokio::test]
async fn smtp_delivers_to_a_real_server() {
    let Some(sink) = SmtpSink::start() else { return };
    let transport =
        MailTransport::from_url(&format!("smtp+plain://127.0.0.1:{}", sink.port)).unwrap();
    let mut context = full_context_for(EmailKind::Denial);
    context.person.name = Some("Ann\r\nBcc: victim@example.com".to_owned());
    let rendered = render(EmailKind::Denial, &context);
    let email = outgoing(&rendered);

    let delivery = transport.send(&email).await.unwrap();
    assert_eq!(delivery.detail, format!("250 from 127.0.0.1:{}", sink.port));

    let received = sink.received();
    assert_eq!(received.len(), 1);
    let parsed = parse_email(&received[0]);
    assert_eq!(parsed.header("X-MailFrom"), "privacy@example.com");
    assert_eq!(parsed.header("X-RcptTo"), RECIPIENT, "the envelope has one recipient");
    assert_eq!(parsed.header("To"), RECIPIENT);
    assert_eq!(parsed.header("Subject"), rendered.subject);
    assert_eq!(parsed.header("Message-ID"), "<01JD3Z7QW0000000000000000@ombud.example>");
    assert!(!parsed.header_names().contains("bcc"));
    assert_eq!(
        parsed.parts(),
        vec![
            ("text/plain; charset=utf-8".to_owned(), rendered.text.clone()),
            ("text/html; charset=utf-8".to_owned(), rendered.html.clone()),
        ]
    );
    assert!(rendered.text.starts_with("Hello Ann Bcc: victim@example.com,\n"));
}

fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free loopback port");
    listener.local_addr().expect("the bound address").port()
}

// ---------------------------------------------------------------------------------------
// A small RFC 5322 / MIME reader, enough to check what ombud writes and what a server got.

struct ParsedEmail {
    headers: Vec<(String, String)>,
    body: String,
}

fn expected_header_names() -> BTreeSet<String> {
    ["from", "reply-to", "to", "subject", "date", "message-id", "mime-version", "content-type"]
        .into_iter()
        .map(str::to_owned)
        .collect()
}

fn parse_email(raw: &str) -> ParsedEmail {
    let raw = raw.replace("\r\n", "\n");
    let (head, body) = raw.split_once("\n\n").expect("a blank line after the headers");
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in head.lines() {
        if line.starts_with([' ', '\t']) {
            let (_, value) = headers.last_mut().expect("a continuation line follows a header");
            value.push(' ');
            value.push_str(line.trim());
        } else {
            let (name, value) =
                line.split_once(':').unwrap_or_else(|| panic!("not a header: {line:?}"));
            headers.push((name.to_owned(), value.trim().to_owned()));
        }
    }
    ParsedEmail { headers, body: body.to_owned() }
}

impl ParsedEmail {
    fn header(&self, name: &str) -> String {
        let values: Vec<&String> = self
            .headers
            .iter()
            .filter(|(header, _)| header.eq_ignore_ascii_case(name))
            .map(|(_, value)| value)
            .collect();
        assert_eq!(values.len(), 1, "{name} appears {} times", values.len());
        decode_encoded_words(values[0])
    }

    /// Lowercase names, ignoring the `X-` headers aiosmtpd adds.
    fn header_names(&self) -> BTreeSet<String> {
        self.headers
            .iter()
            .map(|(name, _)| name.to_ascii_lowercase())
            .filter(|name| !matches!(name.as_str(), "x-peer" | "x-mailfrom" | "x-rcptto"))
            .collect()
    }

    /// Each MIME part as (content type, decoded text with `\n` line ends).
    fn parts(&self) -> Vec<(String, String)> {
        let content_type = self.header("Content-Type");
        let boundary = content_type
            .split("boundary=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .expect("a multipart boundary");
        let delimiter = format!("--{boundary}");
        let mut parts = Vec::new();
        for chunk in self.body.split(&delimiter).skip(1) {
            if chunk.starts_with("--") {
                break;
            }
            let part = parse_email(chunk.trim_start_matches('\n'));
            let encoding = part.header("Content-Transfer-Encoding");
            let body = part.body.strip_suffix('\n').unwrap_or(&part.body);
            let decoded = match encoding.as_str() {
                "7bit" | "8bit" => body.to_owned(),
                "quoted-printable" => decode_quoted_printable(body),
                "base64" => {
                    let compact: String = body.split_whitespace().collect();
                    let bytes = base64::engine::general_purpose::STANDARD
                        .decode(compact)
                        .expect("valid base64");
                    String::from_utf8(bytes).expect("UTF-8 text")
                }
                other => panic!("unexpected transfer encoding {other}"),
            };
            parts.push((part.header("Content-Type"), decoded.replace("\r\n", "\n")));
        }
        parts
    }
}

fn decode_quoted_printable(text: &str) -> String {
    let mut bytes = Vec::new();
    let mut lines = text.split('\n').peekable();
    while let Some(line) = lines.next() {
        let (line, soft_break) = match line.strip_suffix('=') {
            Some(line) => (line, true),
            None => (line, false),
        };
        let raw = line.as_bytes();
        let mut index = 0;
        while index < raw.len() {
            if raw[index] == b'=' {
                bytes.push(
                    u8::from_str_radix(&line[index + 1..index + 3], 16).expect("a hex escape"),
                );
                index += 3;
            } else {
                bytes.push(raw[index]);
                index += 1;
            }
        }
        if !soft_break && lines.peek().is_some() {
            bytes.push(b'\n');
        }
    }
    String::from_utf8(bytes).expect("UTF-8 text")
}

/// Decodes RFC 2047 `=?utf-8?b?…?=` words, which lettre uses for non-ASCII header text.
fn decode_encoded_words(value: &str) -> String {
    let mut decoded = String::new();
    let mut previous_was_word = false;
    for token in value.split(' ') {
        let word = token.strip_prefix("=?utf-8?b?").and_then(|rest| rest.strip_suffix("?=")).map(
            |payload| {
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(payload)
                    .expect("valid base64");
                String::from_utf8(bytes).expect("UTF-8 text")
            },
        );
        match word {
            Some(word) => {
                // Whitespace between two encoded words is not part of the text.
                if !previous_was_word && !decoded.is_empty() {
                    decoded.push(' ');
                }
                decoded.push_str(&word);
                previous_was_word = true;
            }
            None => {
                if !decoded.is_empty() {
                    decoded.push(' ');
                }
                decoded.push_str(token);
                previous_was_word = false;
            }
        }
    }
    decoded
}
