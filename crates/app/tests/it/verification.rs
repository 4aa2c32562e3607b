//! Identity verification through the use cases: codes (hashed, expiring, limited),
//! data points against the company's records, account assertions, agents, and the
//! fallback from specific pieces to categories.

use ombud_app::assertion::{AccountKey, sign_hmac};
use ombud_app::requests::{NewRequest, VerificationOutcome};
use ombud_app::{Actor, AppError, Settings};
use ombud_core::request::Status;
use ombud_core::verification::{Claim, Level};
use ombud_core::{AgentProof, ChannelKind, Law, RequestType, VerificationMethod, limits};
use ombud_store::requests::{AgentContact, Subject};
use ombud_testkit::store_test;

use crate::harness::{NOW, ada, harness, harness_with, last_code, new_request};

fn claim(kind: &str, value: &str) -> Claim {
    Claim { kind: kind.to_owned(), value: value.into() }
}

store_test!(codes_are_single_use_expire_and_allow_five_guesses_r045, |t| async move {
    let h = harness(&t, NOW).await;
    let actor = Actor::Subject;
    let id = h.app.submit(new_request(RequestType::Access, Law::Gdpr), &actor).await.unwrap().id;
    assert!(
        matches!(h.app.check_code(id, "123456", &actor).await, Err(AppError::Invalid(m)) if m.contains("no code was sent"))
    );
    h.app.send_code(id, &actor).await.unwrap();
    h.app.deliver_pending().await.unwrap();
    let code = last_code(&h);
    let wrong = if code == "000000" { "000001" } else { "000000" };
    let error = h.app.check_code(id, wrong, &actor).await.unwrap_err().to_string();
    assert_eq!(error, "the code is not right; 4 attempts left");
    for _ in 0..4 {
        let _ = h.app.check_code(id, wrong, &actor).await;
    }
    assert!(
        matches!(h.app.check_code(id, &code, &actor).await, Err(AppError::Forbidden(_))),
        "the right code after five wrong ones"
    );
    // A new code starts afresh; it expires after 30 minutes.
    h.app.send_code(id, &actor).await.unwrap();
    h.app.deliver_pending().await.unwrap();
    let code = last_code(&h);
    h.clock.advance(jiff::SignedDuration::from_mins(31));
    assert!(h.app.check_code(id, &code, &actor).await.unwrap_err().to_string().contains("expired"));
    h.app.send_code(id, &actor).await.unwrap();
    h.app.deliver_pending().await.unwrap();
    let code = last_code(&h);
    assert_eq!(
        h.app.check_code(id, &code, &actor).await.unwrap(),
        VerificationOutcome::Verified { level: Level::Basic }
    );
    assert!(h.app.check_code(id, &code, &actor).await.is_err(), "a code works once");
    // The code never reaches the store or the audit log in the clear.
    let details = h.app.show(id, false, &actor).await.unwrap();
    assert!(details.timeline.iter().all(|e| !e.payload.contains(&code)));
});

store_test!(a_flood_of_codes_is_refused_r045, |t| async move {
    let h = harness(&t, NOW).await;
    let id = h
        .app
        .submit(new_request(RequestType::Delete, Law::Gdpr), &Actor::Subject)
        .await
        .unwrap()
        .id;
    for _ in 0..limits::VERIFICATION_CODES_PER_REQUEST_MAX {
        h.app.send_code(id, &Actor::Subject).await.unwrap();
    }
    assert!(matches!(h.app.send_code(id, &Actor::Subject).await, Err(AppError::Forbidden(_))));
});

store_test!(
    two_points_verify_categories_and_three_with_a_declaration_specific_pieces_r049_r050,
    |t| async move {
        let h = harness(&t, NOW).await;
        let actor = Actor::Subject;
        let know =
            h.app.submit(new_request(RequestType::Know, Law::Ccpa), &actor).await.unwrap().id;
        let outcome = h
            .app
            .verify_data_points(
                know,
                vec![claim("postal_code", "94105"), claim("last_order_total", "$1,234.50")],
                None,
                &actor,
            )
            .await
            .unwrap();
        assert_eq!(outcome, VerificationOutcome::Verified { level: Level::Reasonable });

        let access =
            h.app.submit(new_request(RequestType::Access, Law::Ccpa), &actor).await.unwrap().id;
        let points = vec![
            claim("postal_code", "94105"),
            claim("last_order_total", "1234.5"),
            claim("phone", "+18775550142"),
        ];
        let outcome =
            h.app.verify_data_points(access, points, Some("Ada Example"), &actor).await.unwrap();
        assert_eq!(outcome, VerificationOutcome::Verified { level: Level::ReasonablyHigh });
        let details = h.app.show(access, false, &Actor::Cli).await.unwrap();
        assert_eq!(details.record.verification_method, Some(VerificationMethod::SignedDeclaration));
        assert_eq!(
            details.documents.iter().filter(|d| d.kind == "declaration").count(),
            1,
            "the declaration is kept (R-050)"
        );
    }
);

store_test!(
    an_access_request_verified_for_categories_only_is_answered_as_categories_r053,
    |t| async move {
        let h = harness(&t, NOW).await;
        let actor = Actor::Subject;
        let id =
            h.app.submit(new_request(RequestType::Access, Law::Ccpa), &actor).await.unwrap().id;
        // Three points but no declaration: a reasonable degree only. The request keeps
        // waiting: the person may still sign the declaration.
        let points = vec![
            claim("postal_code", "94105"),
            claim("last_order_total", "1234.5"),
            claim("phone", "+18775550142"),
        ];
        let outcome = h.app.verify_data_points(id, points.clone(), None, &actor).await.unwrap();
        match &outcome {
            VerificationOutcome::NotYet { achieved: Level::Reasonable, reason, .. } => {
                assert!(reason.contains("enough for categories"), "{reason}");
            }
            other => panic!("{other:?}"),
        }
        let outcome =
            h.app.verify_data_points(id, points, Some("Ada Example"), &actor).await.unwrap();
        assert_eq!(
            outcome,
            VerificationOutcome::Verified { level: Level::ReasonablyHigh },
            "the declaration came in time"
        );

        // Another person never signs: staff answer as categories.
        let other =
            h.app.submit(new_request(RequestType::Access, Law::Ccpa), &actor).await.unwrap().id;
        let two = vec![claim("postal_code", "94105"), claim("last_order_total", "1234.5")];
        h.app.verify_data_points(other, two, None, &actor).await.unwrap();
        let outcome =
            h.app.answer_as_categories(other, &Actor::Staff("maria".into())).await.unwrap();
        assert_eq!(outcome, VerificationOutcome::AnsweredAsCategories { level: Level::Reasonable });
        h.app.start(other, &Actor::Cli).await.unwrap();
        h.app.complete(other, vec![], &Actor::Cli).await.unwrap();
        let record = h.app.show(other, false, &Actor::Cli).await.unwrap().record;
        assert_eq!(record.request.effective_type, RequestType::Know);
        assert_eq!(record.request.request_type, RequestType::Access);
        // A request with too little evidence cannot fall back.
        let weak =
            h.app.submit(new_request(RequestType::Access, Law::Ccpa), &actor).await.unwrap().id;
        assert!(h.app.answer_as_categories(weak, &Actor::Cli).await.is_err());
    }
);

store_test!(
    when_the_attempts_run_out_specific_pieces_fall_back_to_categories_r053,
    |t| async move {
        let h = harness(&t, NOW).await;
        let actor = Actor::Subject;
        let id =
            h.app.submit(new_request(RequestType::Access, Law::Ccpa), &actor).await.unwrap().id;
        let two = vec![claim("postal_code", "94105"), claim("last_order_total", "1234.5")];
        for _ in 1..limits::DATA_POINT_ATTEMPTS_MAX {
            assert!(matches!(
                h.app.verify_data_points(id, two.clone(), None, &actor).await.unwrap(),
                VerificationOutcome::NotYet { .. }
            ));
        }
        let last = h.app.verify_data_points(id, two, None, &actor).await.unwrap();
        assert_eq!(last, VerificationOutcome::AnsweredAsCategories { level: Level::Reasonable });
    }
);

store_test!(an_email_code_counts_only_for_an_address_the_company_holds, |t| async move {
    let h = harness(&t, NOW).await;
    let actor = Actor::Subject;
    // Someone names their own address and another person's phone: the code proves the
    // address, and the records are looked up by that address only.
    let stranger = Subject {
        email: Some("stranger@example.com".into()),
        phone: Some("+1 877 555 0142".into()),
        ..Subject::default()
    };
    let id = h
        .app
        .submit(
            NewRequest { subject: stranger.clone(), ..new_request(RequestType::Access, Law::Gdpr) },
            &actor,
        )
        .await
        .unwrap()
        .id;
    h.app.send_code(id, &actor).await.unwrap();
    h.app.deliver_pending().await.unwrap();
    let outcome = h.app.check_code(id, &last_code(&h), &actor).await.unwrap();
    match outcome {
        VerificationOutcome::NotYet { achieved: Level::None, reason, .. } => {
            assert!(reason.contains("records hold no one"), "{reason}")
        }
        other => panic!("{other:?}"),
    }
    let id = h
        .app
        .submit(
            NewRequest { subject: stranger, ..new_request(RequestType::Know, Law::Ccpa) },
            &actor,
        )
        .await
        .unwrap()
        .id;
    let outcome = h
        .app
        .verify_data_points(
            id,
            vec![claim("phone", "+1 877 555 0142"), claim("postal_code", "94105")],
            None,
            &actor,
        )
        .await
        .unwrap();
    assert!(
        matches!(outcome, VerificationOutcome::NotYet { achieved: Level::None, .. }),
        "{outcome:?}"
    );
});

store_test!(codes_are_limited_per_address_across_requests_r045, |t| async move {
    let h = harness(&t, NOW).await;
    let actor = Actor::Subject;
    let mut sent = 0;
    let mut refused = None;
    for _ in 0..4 {
        let id =
            h.app.submit(new_request(RequestType::Access, Law::Gdpr), &actor).await.unwrap().id;
        for _ in 0..limits::VERIFICATION_CODES_PER_REQUEST_MAX {
            match h.app.send_code(id, &actor).await {
                Ok(_) => sent += 1,
                Err(error) => refused = Some(error.to_string()),
            }
        }
    }
    assert_eq!(sent, limits::VERIFICATION_CODES_PER_ADDRESS_PER_DAY_MAX);
    assert!(refused.unwrap().contains("in the last day"));
    h.clock.advance(jiff::SignedDuration::from_hours(25));
    let id = h.app.submit(new_request(RequestType::Access, Law::Gdpr), &actor).await.unwrap().id;
    assert!(h.app.send_code(id, &actor).await.is_ok(), "a day later the address gets codes again");
});

store_test!(wrong_points_count_against_three_attempts, |t| async move {
    let h = harness(&t, NOW).await;
    let actor = Actor::Subject;
    let id = h.app.submit(new_request(RequestType::Delete, Law::Ccpa), &actor).await.unwrap().id;
    for _ in 0..limits::DATA_POINT_ATTEMPTS_MAX {
        let outcome = h
            .app
            .verify_data_points(id, vec![claim("postal_code", "00000")], None, &actor)
            .await
            .unwrap();
        assert!(matches!(outcome, VerificationOutcome::NotYet { .. }));
    }
    let error = h
        .app
        .verify_data_points(id, vec![claim("postal_code", "94105")], None, &actor)
        .await
        .unwrap_err();
    assert!(matches!(error, AppError::Forbidden(_)), "{error}");
    let unknown =
        h.app.submit(new_request(RequestType::Delete, Law::Ccpa), &actor).await.unwrap().id;
    let error = h
        .app
        .verify_data_points(unknown, vec![claim("shoe_size", "42")], None, &actor)
        .await
        .unwrap_err()
        .to_string();
    assert!(error.contains("not a data point of this program"), "{error}");
});

store_test!(a_correction_is_not_verified_by_the_data_it_corrects_r047, |t| async move {
    let h = harness(&t, NOW).await;
    let actor = Actor::Subject;
    let mut request = new_request(RequestType::Correct, Law::Ccpa);
    request.subject.correcting = vec!["postal_code".to_owned()];
    let id = h.app.submit(request, &actor).await.unwrap().id;
    let outcome = h
        .app
        .verify_data_points(
            id,
            vec![claim("postal_code", "94105"), claim("phone", "+18775550142")],
            None,
            &actor,
        )
        .await
        .unwrap();
    assert!(
        matches!(outcome, VerificationOutcome::NotYet { achieved: Level::Basic, .. }),
        "{outcome:?}"
    );
});

const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";

fn token(now: i64, account: &str, jti: &str) -> String {
    sign_hmac(
        SECRET,
        &format!(
            r#"{{"aud":"ombud","sub":"{account}","email":"ada@example.com","iat":{now},"exp":{},"jti":"{jti}"}}"#,
            now + 120
        ),
    )
}

store_test!(account_holders_reauthenticate_and_an_assertion_works_once_r048, |t| async move {
    let settings =
        Settings { account_key: Some(AccountKey::Hmac(SECRET.to_vec())), ..Settings::example() };
    let h = harness_with(&t, NOW, settings).await;
    let actor = Actor::Subject;
    let now = crate::harness::at(NOW).as_second();
    let mut request = new_request(RequestType::Access, Law::Ccpa);
    request.subject.account_id = Some("acct-42".to_owned());
    let id = h.app.submit(request, &actor).await.unwrap().id;
    let outcome =
        h.app.verify_account(id, &token(now - 10, "acct-42", "t-1"), &actor).await.unwrap();
    assert_eq!(outcome, VerificationOutcome::Verified { level: Level::ReasonablyHigh });
    let other = h.app.submit(new_request(RequestType::Access, Law::Ccpa), &actor).await.unwrap().id;
    let replay =
        h.app.verify_account(other, &token(now - 10, "acct-42", "t-1"), &actor).await.unwrap_err();
    assert!(matches!(replay, AppError::Forbidden(ref m) if m.contains("already used")), "{replay}");
    let stranger = Subject { email: Some("grace@example.com".to_owned()), ..ada() };
    let grace = h
        .app
        .submit(
            NewRequest { subject: stranger, ..new_request(RequestType::Access, Law::Ccpa) },
            &actor,
        )
        .await
        .unwrap()
        .id;
    let wrong =
        h.app.verify_account(grace, &token(now - 10, "acct-7", "t-2"), &actor).await.unwrap_err();
    assert!(matches!(wrong, AppError::Forbidden(ref m) if m.contains("not the one")), "{wrong}");
});

store_test!(
    an_agent_needs_the_persons_confirmation_unless_it_holds_a_power_of_attorney_r060_r061,
    |t| async move {
        let h = harness(&t, NOW).await;
        let actor = Actor::Subject;
        let agent_request = |proof| NewRequest {
            request_type: RequestType::Delete,
            law: Law::Ccpa,
            channel: ChannelKind::Email,
            received_at: None,
            subject: Subject {
                agent: Some(AgentContact {
                    name: Some("Agent Example LLC".into()),
                    email: Some("agent@example.com".into()),
                }),
                ..ada()
            },
            agent: Some(proof),
            appeal_of: None,
        };
        let id =
            h.app.submit(agent_request(AgentProof::SignedPermission), &actor).await.unwrap().id;
        let points = vec![claim("postal_code", "94105"), claim("last_order_total", "1234.5")];
        let outcome = h.app.verify_data_points(id, points.clone(), None, &actor).await.unwrap();
        match &outcome {
            VerificationOutcome::NotYet { reason, .. } => {
                assert!(reason.contains("confirm the agent"), "{reason}")
            }
            other => panic!("{other:?}"),
        }
        let outcome = h.app.confirm_agent(id, &Actor::Cli).await.unwrap();
        assert_eq!(outcome, VerificationOutcome::Verified { level: Level::Reasonable });

        let attorney =
            h.app.submit(agent_request(AgentProof::PowerOfAttorney), &actor).await.unwrap().id;
        assert_eq!(
            h.app.verify_data_points(attorney, points, None, &actor).await.unwrap(),
            VerificationOutcome::Verified { level: Level::Reasonable }
        );
        // The agent's request without the agent's contact is refused.
        let mut broken = agent_request(AgentProof::PowerOfAttorney);
        broken.subject.agent = None;
        assert!(h.app.submit(broken, &actor).await.is_err());
    }
);

store_test!(staff_attest_a_verification_done_by_phone, |t| async move {
    let h = harness(&t, NOW).await;
    let id =
        h.app.submit(new_request(RequestType::Delete, Law::Ccpa), &Actor::Cli).await.unwrap().id;
    assert!(
        h.app
            .attest_verification(id, Level::Basic, VerificationMethod::DataPoints, &Actor::Cli)
            .await
            .is_err()
    );
    assert!(matches!(
        h.app
            .attest_verification(
                id,
                Level::Reasonable,
                VerificationMethod::DataPoints,
                &Actor::Subject
            )
            .await,
        Err(AppError::Forbidden(_))
    ));
    let outcome = h
        .app
        .attest_verification(
            id,
            Level::Reasonable,
            VerificationMethod::DataPoints,
            &Actor::Staff("maria".into()),
        )
        .await
        .unwrap();
    assert_eq!(outcome, VerificationOutcome::Verified { level: Level::Reasonable });
    let details = h.app.show(id, false, &Actor::Cli).await.unwrap();
    assert_eq!(details.record.request.status, Status::Verified);
    let verified = details.timeline.iter().find(|e| e.action == "request.verified").unwrap();
    assert_eq!(verified.actor, "staff:maria");
    assert!(verified.payload.contains("\"attested\":true"), "{}", verified.payload);
});
