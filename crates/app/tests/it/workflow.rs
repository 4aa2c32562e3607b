//! The workflow around verification: submission rules, staff actions, denials with
//! their legal content, appeals, what is audited and what never is.

use ombud_app::requests::NewRequest;
use ombud_app::{Actor, AppError};
use ombud_core::request::{DenialBasis, DenialReason, Status};
use ombud_core::sensitive::Sensitive;
use ombud_core::verification::Level;
use ombud_core::{
    CcpaDeletionException, GdprErasureException, IdentityKind, Law, RequestType, RetentionReason,
    VerificationMethod,
};
use ombud_store::requests::Subject;
use ombud_testkit::store_test;

use crate::harness::{NOW, ada, at, harness, new_request, outbox};

fn reason(basis: DenialBasis, explanation: Option<&str>) -> DenialReason {
    DenialReason { basis, explanation: explanation.map(|e| Sensitive::new(e.to_owned())) }
}

async fn verified(
    h: &crate::harness::Harness,
    request_type: RequestType,
    law: Law,
) -> ombud_core::id::Id {
    let id = h.app.submit(new_request(request_type, law), &Actor::Cli).await.unwrap().id;
    let level =
        h.app.show(id, false, &Actor::Cli).await.unwrap().record.request.verification.required;
    if level > Level::None {
        h.app
            .attest_verification(
                id,
                level,
                VerificationMethod::DataPoints,
                &Actor::Staff("maria".into()),
            )
            .await
            .unwrap();
    }
    id
}

store_test!(submissions_refuse_what_cannot_be_answered, |t| async move {
    let h = harness(&t, NOW).await;
    let nobody = NewRequest {
        subject: Subject { name: Some("Ada".into()), ..Subject::default() },
        ..new_request(RequestType::Delete, Law::Ccpa)
    };
    let error = h.app.submit(nobody, &Actor::Cli).await.unwrap_err().to_string();
    assert!(error.starts_with("give at least one of email, phone"), "{error}");
    let bad_email = NewRequest {
        subject: Subject { email: Some("ada-at-example.com".into()), ..Subject::default() },
        ..new_request(RequestType::Delete, Law::Ccpa)
    };
    let error = h.app.submit(bad_email, &Actor::Cli).await.unwrap_err().to_string();
    assert!(error.contains("exactly one `@`") && !error.contains("ada-at"), "{error}");
    let future = NewRequest {
        received_at: Some(at("2026-11-26T17:00:00Z")),
        ..new_request(RequestType::Delete, Law::Ccpa)
    };
    assert!(h.app.submit(future, &Actor::Cli).await.unwrap_err().to_string().contains("future"));
    let long = NewRequest {
        subject: Subject {
            details: Some("x".repeat(ombud_core::limits::REQUEST_TEXT_BYTES_MAX + 1)),
            ..ada()
        },
        ..new_request(RequestType::Delete, Law::Ccpa)
    };
    assert!(h.app.submit(long, &Actor::Cli).await.unwrap_err().to_string().contains("longer than"));
    let restrict =
        h.app.submit(new_request(RequestType::Restrict, Law::Ccpa), &Actor::Cli).await.unwrap_err();
    assert!(matches!(restrict, AppError::Invalid(_)), "{restrict}");
    // A phone request entered later keeps the day it arrived: its clock started then.
    let phoned = NewRequest {
        received_at: Some(at("2026-11-20T19:00:00Z")),
        channel: ombud_core::ChannelKind::TollFreePhone,
        ..new_request(RequestType::Delete, Law::Ccpa)
    };
    let submitted = h.app.submit(phoned, &Actor::Staff("maria".into())).await.unwrap();
    assert_eq!(submitted.deadlines.respond_by.to_string(), "2027-01-04");
});

store_test!(steps_out_of_order_are_refused_and_nothing_changes, |t| async move {
    let h = harness(&t, NOW).await;
    let id =
        h.app.submit(new_request(RequestType::Delete, Law::Ccpa), &Actor::Cli).await.unwrap().id;
    let error = h.app.complete(id, vec![], &Actor::Cli).await.unwrap_err();
    assert!(
        matches!(error, AppError::Conflict(ref m) if m == "`request.completed` does not apply to a request that is received"),
        "{error}"
    );
    assert!(matches!(
        h.app.start(ombud_core::id::Id::from_parts(1, 1), &Actor::Cli).await,
        Err(AppError::NotFound(_))
    ));
    let details = h.app.show(id, false, &Actor::Cli).await.unwrap();
    assert_eq!(details.record.request.status, Status::Received);
    assert_eq!(details.timeline.len(), 1);
    h.app.cancel(id, "withdrawn", &Actor::Subject).await.unwrap();
    assert!(matches!(
        h.app.cancel(id, "duplicate", &Actor::Subject).await,
        Err(AppError::Conflict(_))
    ));
    assert!(
        matches!(
            h.app.cancel(id, "Ada changed her mind", &Actor::Subject).await,
            Err(AppError::Invalid(_))
        ),
        "no free text in the audit log"
    );
});

store_test!(
    a_ccpa_deletion_denied_under_an_exception_says_so_in_the_message_r095_r096,
    |t| async move {
        let h = harness(&t, NOW).await;
        let id = verified(&h, RequestType::Delete, Law::Ccpa).await;
        let d8 = DenialBasis::Exception(RetentionReason::Ccpa(CcpaDeletionException::D8));
        h.app
            .deny(
                id,
                vec![reason(d8, Some("We keep invoices for seven years under tax law."))],
                &Actor::Cli,
            )
            .await
            .unwrap();
        h.app.deliver_pending().await.unwrap();
        let messages = outbox(&h);
        let (_, denial) = messages.last().unwrap();
        let flat = denial.replace("=\r\n", "").replace("=\n", "");
        assert!(flat.contains("D8"), "{flat}");
        assert!(flat.contains("1798.105(d)(8)"), "{flat}");
        assert!(flat.contains("seven years"), "{flat}");
    }
);

store_test!(a_gdpr_refusal_tells_of_the_right_to_complain_art_12_4, |t| async move {
    let h = harness(&t, NOW).await;
    let id = verified(&h, RequestType::Delete, Law::Gdpr).await;
    let ge = DenialBasis::Exception(RetentionReason::Gdpr(GdprErasureException::E));
    h.app.deny(id, vec![reason(ge, None)], &Actor::Cli).await.unwrap();
    h.app.deliver_pending().await.unwrap();
    let messages = outbox(&h);
    let flat = messages.last().unwrap().1.replace("=\r\n", "").replace("=\n", "");
    assert!(flat.contains("Data Protection Commission"), "{flat}");
});

store_test!(a_virginia_refusal_carries_appeal_instructions_and_a_denied_appeal_the_attorney_general_r281_r282, |t| async move {
    let h = harness(&t, NOW).await;
    let id = verified(&h, RequestType::Access, Law::Virginia).await;
    h.app.deny(id, vec![reason(DenialBasis::Unverifiable, None)], &Actor::Cli).await.unwrap();
    h.app.deliver_pending().await.unwrap();
    let flat = outbox(&h).last().unwrap().1.replace("=\r\n", "").replace("=\n", "");
    assert!(flat.contains("appeal") && flat.contains("60"), "{flat}");
    let appeal = h.app.submit(NewRequest { appeal_of: Some(id), ..new_request(RequestType::Appeal, Law::Virginia) }, &Actor::Subject).await.unwrap();
    assert_eq!(appeal.deadlines.respond_by.to_string(), "2027-01-24");
    h.app.attest_verification(appeal.id, Level::Basic, VerificationMethod::EmailCode, &Actor::Cli).await.unwrap();
    h.app.deny(appeal.id, vec![reason(DenialBasis::Unverifiable, None)], &Actor::Cli).await.unwrap();
    h.app.deliver_pending().await.unwrap();
    let flat = outbox(&h).last().unwrap().1.replace("=\r\n", "").replace("=\n", "");
    assert!(flat.contains("Attorney General of Virginia"), "{flat}");
    // An appeal of a request that was granted is refused.
    let granted = verified(&h, RequestType::Know, Law::Virginia).await;
    h.app.complete(granted, vec![], &Actor::Cli).await.unwrap();
    assert!(h.app.submit(NewRequest { appeal_of: Some(granted), ..new_request(RequestType::Appeal, Law::Virginia) }, &Actor::Subject).await.is_err());
});

store_test!(an_extension_after_the_first_period_is_refused_r032, |t| async move {
    let h = harness(&t, NOW).await;
    let id = verified(&h, RequestType::Delete, Law::Ccpa).await;
    h.clock.set(at("2027-01-10T17:00:00Z"));
    let error = h.app.extend(id, "Too late", &Actor::Cli).await.unwrap_err().to_string();
    assert!(error.contains("must be noticed by 2027-01-09"), "{error}");
});

store_test!(
    staff_reads_and_searches_are_audited_and_no_audit_event_holds_personal_data,
    |t| async move {
        let h = harness(&t, NOW).await;
        let id = verified(&h, RequestType::Delete, Law::Ccpa).await;
        h.app
            .extend(id, "Ada's records are in the Example City archive", &Actor::Cli)
            .await
            .unwrap();
        h.app
            .deny(
                id,
                vec![reason(DenialBasis::Impossible, Some("Ada Example's tapes were destroyed"))],
                &Actor::Cli,
            )
            .await
            .unwrap();
        let details = h.app.show(id, true, &Actor::Staff("maria".into())).await.unwrap();
        assert_eq!(
            details.subject.as_ref().and_then(|s| s.email.as_deref()),
            Some("ada@example.com")
        );
        let found = h
            .app
            .find(IdentityKind::Email, "ADA@example.com", &Actor::Staff("maria".into()))
            .await
            .unwrap();
        assert_eq!(found, vec![id]);
        let details = h.app.show(id, false, &Actor::Cli).await.unwrap();
        let viewed = details
            .timeline
            .iter()
            .find(|e| e.action == "request.subject_viewed")
            .expect("the read is audited");
        assert_eq!(viewed.actor, "staff:maria");
        // Every event of the whole chain, not only this request's.
        let mut tx = t.store.read().await.unwrap();
        let head = tx.audit_head().await.unwrap().unwrap();
        drop(tx);
        assert!(head.seq >= 6);
        for event in &details.timeline {
            for secret in ["ada", "Ada", "Example City", "tapes"] {
                assert!(
                    !event.payload.contains(secret) && !event.actor.contains(secret),
                    "{} holds {secret}: {}",
                    event.action,
                    event.payload
                );
            }
        }
    }
);

store_test!(
    a_message_that_cannot_be_delivered_stays_queued_and_the_change_stands,
    |t| async move {
        let mut h = harness(&t, NOW).await;
        // Rebuild the app with a relay that refuses connections.
        let refused = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = refused.local_addr().unwrap().port();
        drop(refused);
        h.app = ombud_app::App::new(ombud_app::AppParts {
            store: t.store.clone(),
            settings: ombud_app::Settings::example(),
            clock: h.clock.clone(),
            ids: std::sync::Arc::new(ombud_app::SequentialIds::new()),
            lookup: std::sync::Arc::new(ombud_app::NoLookup),
            templates: ombud_app::mail::Templates::builtin(),
            transport: ombud_app::mail::MailTransport::from_url(&format!(
                "smtp+plain://127.0.0.1:{port}"
            ))
            .unwrap(),
        });
        let id =
            h.app.submit(new_request(RequestType::Know, Law::Ccpa), &Actor::Cli).await.unwrap().id;
        let report = h.app.deliver_pending().await.unwrap();
        assert_eq!((report.sent, report.failed), (0, 1));
        assert!(!report.errors[0].contains("ada@"), "{}", report.errors[0]);
        let details = h.app.show(id, false, &Actor::Cli).await.unwrap();
        assert_eq!(details.emails[0].status, "pending");
        assert_eq!(details.emails[0].attempts, 1);
        assert!(
            details.record.request.acknowledged_at.is_none(),
            "not acknowledged until delivered"
        );
    }
);
