//! One request of every type walked through its life under the CCPA and under the GDPR,
//! with an injected clock; every due date is checked against dates worked out by hand.
//!
//! CCPA requests arrive on Wednesday 25 November 2026 at 9:00 in California, the day
//! before Thanksgiving. Thanksgiving (26th) is a federal and state holiday and the day
//! after (27th) a California state holiday, so:
//! - acknowledge within 10 business days (R-030, T-01): 30 Nov, 1, 2, 3, 4, 7, 8, 9, 10,
//!   11 Dec → **11 December 2026**;
//! - respond within 45 calendar days (R-031, T-02): **9 January 2027** (a Saturday: the
//!   CCPA counts calendar days and does not move it);
//! - extended, 90 days from receipt: **23 February 2027**, noticed by 9 January;
//! - opt-outs and limits within 15 business days: … 14, 15, 16, 17, 18 Dec
//!   → **18 December 2026**;
//! - Shine the Light within 30 days at the designated contact point:
//!   **25 December 2026**.
//!
//! GDPR requests arrive on Sunday 31 January 2027. One month later has no 31 February,
//! so the last day of February, Sunday 28 February 2027, which moves to the next working
//! day: **1 March 2027** (REGULATIONS.md §0.3, Art 12(3)); the two-month extension runs
//! to 30 April 2027, a Friday: **30 April 2027**.

use ombud_app::Actor;
use ombud_app::requests::VerificationOutcome;
use ombud_core::request::Status;
use ombud_core::verification::Level;
use ombud_core::{Law, RequestType};
use ombud_testkit::store_test;

use crate::harness::{harness, last_code, new_request, outbox};

struct Expected {
    request_type: RequestType,
    acknowledge_by: Option<&'static str>,
    respond_by: &'static str,
    extended_respond_by: Option<&'static str>,
}

const CCPA: &[Expected] = &[
    Expected {
        request_type: RequestType::Know,
        acknowledge_by: Some("2026-12-11"),
        respond_by: "2027-01-09",
        extended_respond_by: Some("2027-02-23"),
    },
    Expected {
        request_type: RequestType::Access,
        acknowledge_by: Some("2026-12-11"),
        respond_by: "2027-01-09",
        extended_respond_by: Some("2027-02-23"),
    },
    Expected {
        request_type: RequestType::Delete,
        acknowledge_by: Some("2026-12-11"),
        respond_by: "2027-01-09",
        extended_respond_by: Some("2027-02-23"),
    },
    Expected {
        request_type: RequestType::Correct,
        acknowledge_by: Some("2026-12-11"),
        respond_by: "2027-01-09",
        extended_respond_by: Some("2027-02-23"),
    },
    Expected {
        request_type: RequestType::OptOutSaleShare,
        acknowledge_by: None,
        respond_by: "2026-12-18",
        extended_respond_by: None,
    },
    Expected {
        request_type: RequestType::LimitSensitive,
        acknowledge_by: None,
        respond_by: "2026-12-18",
        extended_respond_by: None,
    },
    Expected {
        request_type: RequestType::ShineTheLight,
        acknowledge_by: None,
        respond_by: "2026-12-25",
        extended_respond_by: None,
    },
];

const GDPR: &[Expected] = &[
    Expected {
        request_type: RequestType::Know,
        acknowledge_by: None,
        respond_by: "2027-03-01",
        extended_respond_by: Some("2027-04-30"),
    },
    Expected {
        request_type: RequestType::Access,
        acknowledge_by: None,
        respond_by: "2027-03-01",
        extended_respond_by: Some("2027-04-30"),
    },
    Expected {
        request_type: RequestType::Delete,
        acknowledge_by: None,
        respond_by: "2027-03-01",
        extended_respond_by: Some("2027-04-30"),
    },
    Expected {
        request_type: RequestType::Correct,
        acknowledge_by: None,
        respond_by: "2027-03-01",
        extended_respond_by: Some("2027-04-30"),
    },
    Expected {
        request_type: RequestType::Restrict,
        acknowledge_by: None,
        respond_by: "2027-03-01",
        extended_respond_by: Some("2027-04-30"),
    },
    Expected {
        request_type: RequestType::Object,
        acknowledge_by: None,
        respond_by: "2027-03-01",
        extended_respond_by: Some("2027-04-30"),
    },
    Expected {
        request_type: RequestType::WithdrawConsent,
        acknowledge_by: None,
        respond_by: "2027-03-01",
        extended_respond_by: Some("2027-04-30"),
    },
    Expected {
        request_type: RequestType::Portability,
        acknowledge_by: None,
        respond_by: "2027-03-01",
        extended_respond_by: Some("2027-04-30"),
    },
];

async fn walk(h: &crate::harness::Harness, law: Law, expected: &Expected) {
    let actor = Actor::Cli;
    let submitted = h.app.submit(new_request(expected.request_type, law), &actor).await.unwrap();
    let id = submitted.id;
    let d = submitted.deadlines;
    let show = |date: Option<jiff::civil::Date>| date.map(|d| d.to_string());
    let label = format!("{law} {}", expected.request_type);
    assert_eq!(
        show(d.acknowledge_by).as_deref(),
        expected.acknowledge_by,
        "{label}: acknowledge by"
    );
    assert_eq!(d.respond_by.to_string(), expected.respond_by, "{label}: respond by");
    assert_eq!(
        show(d.extended_respond_by).as_deref(),
        expected.extended_respond_by,
        "{label}: extended"
    );
    assert_eq!(
        show(d.extension_notice_by).as_deref(),
        expected.extended_respond_by.map(|_| expected.respond_by),
        "{label}: notice by"
    );

    // The acknowledgement goes out; once delivered, the request is acknowledged.
    let delivered = h.app.deliver_pending().await.unwrap();
    assert_eq!(delivered.failed, 0, "{label}");
    let record = h.app.show(id, false, &actor).await.unwrap().record;
    assert!(record.request.acknowledged_at.is_some(), "{label}: acknowledged on delivery");

    // Verification: none for opt-outs, limits and Shine the Light; an email code for the
    // GDPR (Art 12(6)); the code plus data points for the CCPA's 2- and 3-point levels.
    match record.request.verification.required {
        Level::None => assert_eq!(record.request.status, Status::Verified, "{label}"),
        required => {
            h.app.send_code(id, &actor).await.unwrap();
            h.app.deliver_pending().await.unwrap();
            let outcome = h.app.check_code(id, &last_code(h), &actor).await.unwrap();
            if required > Level::Basic {
                assert!(
                    matches!(outcome, VerificationOutcome::NotYet { .. }),
                    "{label}: {outcome:?}"
                );
                let mut points = vec![ombud_core::verification::Claim {
                    kind: "postal_code".into(),
                    value: "94105".into(),
                }];
                if required == Level::ReasonablyHigh {
                    points.push(ombud_core::verification::Claim {
                        kind: "last_order_total".into(),
                        value: "1234.50".into(),
                    });
                }
                let declaration = (required == Level::ReasonablyHigh).then_some("Ada Example");
                let outcome =
                    h.app.verify_data_points(id, points, declaration, &actor).await.unwrap();
                assert_eq!(outcome, VerificationOutcome::Verified { level: required }, "{label}");
            } else {
                assert_eq!(
                    outcome,
                    VerificationOutcome::Verified { level: Level::Basic },
                    "{label}"
                );
            }
        }
    }

    // Work, an extension where the law allows one, and completion.
    h.app.start(id, &actor).await.unwrap();
    if expected.extended_respond_by.is_some() {
        let extended =
            h.app.extend(id, "We must search archived order systems.", &actor).await.unwrap();
        assert_eq!(
            Some(extended.request.due().to_string()).as_deref(),
            expected.extended_respond_by,
            "{label}"
        );
    } else {
        assert!(h.app.extend(id, "no", &actor).await.is_err(), "{label}: no extension exists");
    }
    let done = h.app.complete(id, vec![], &actor).await.unwrap();
    assert_eq!(done.request.status, Status::Completed, "{label}");
    h.app.deliver_pending().await.unwrap();

    // The timeline tells the whole story, in order.
    let details = h.app.show(id, false, &actor).await.unwrap();
    let actions: Vec<&str> = details.timeline.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions.first(), Some(&"request.submitted"), "{label}");
    assert_eq!(actions.last(), Some(&"request.completed"), "{label}");
    assert!(actions.contains(&"request.acknowledged"), "{label}");
    assert!(details.emails.iter().all(|e| e.status == "sent"), "{label}");
}

store_test!(every_ccpa_request_type_from_the_day_before_thanksgiving, |t| async move {
    let h = harness(&t, "2026-11-25T17:00:00Z").await;
    for expected in CCPA {
        walk(&h, Law::Ccpa, expected).await;
    }
    // Acknowledgement, code, completion … each in its own .eml file.
    assert!(outbox(&h).len() >= 2 * CCPA.len());
    let report = t.store.verify_audit(None).await.unwrap();
    assert!(report.is_intact(), "{:?}", report.findings);
});

store_test!(every_gdpr_request_type_from_31_january, |t| async move {
    let h = harness(&t, "2027-01-31T10:00:00Z").await;
    for expected in GDPR {
        walk(&h, Law::Gdpr, expected).await;
    }
    let report = t.store.verify_audit(None).await.unwrap();
    assert!(report.is_intact(), "{:?}", report.findings);
});
