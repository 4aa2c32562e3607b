//! Choices end to end on a real store (both backends): the done-when scenarios of
//! issue 5 for `examples/events.yaml` (the sponsor sale before and after an opt-out)
//! and `examples/saas.yaml` (a newsletter one-click unsubscribe through the token in
//! the message; analytics after consent is withdrawn), Global Privacy Control, device
//! links, the minors rules, suppression lists, and the bad input the issue lists.

use std::sync::Arc;

use ombud_app::choices::{ChoiceSubject, Engine, LedgerChoice, ListMessage, NewChoice};
use ombud_app::{Actor, AppError, Settings};
use ombud_core::{Law, RequestType};
use ombud_policy::decide::{Choice, Query, Rule, Source};
use ombud_policy::gpc::gpc_signal;
use ombud_program::CheckOptions;
use ombud_testkit::store_test;
use sha2::Digest as _;

use crate::harness::{Harness, NOW, harness_with, new_request, outbox};

async fn with_program(t: &ombud_testkit::TestStore, example: &str) -> Harness {
    let path = format!("{}/../../examples/{example}", env!("CARGO_MANIFEST_DIR"));
    let yaml = std::fs::read(&path).unwrap();
    let (program, _) = ombud_program::load(&yaml, &CheckOptions::default()).unwrap();
    let calendars = std::path::Path::new(&path).parent().unwrap().join("calendars");
    let settings = Settings::from_program(&program, Some(&calendars), None).unwrap();
    let mut h = harness_with(t, NOW, settings).await;
    let engine = Engine::load(Arc::new(program), &t.store).await.unwrap();
    h.app = h.app.clone().with_choices(Arc::new(engine));
    h
}

fn ada() -> ChoiceSubject {
    ChoiceSubject::email("ada@example.com").unwrap()
}

fn choice(subject: ChoiceSubject, choice: LedgerChoice, source: Source) -> NewChoice {
    // What the privacy center shows beside its forms: the program's notice.
    let notice_version = matches!(source, Source::Form | Source::Api).then(|| "2026.3".to_owned());
    NewChoice { subject, choice, source, notice_version }
}

const SPONSOR_SALE: Query<'static> = Query {
    purpose: Some("sponsor_offers"),
    recipient: Some("sponsors"),
    category: "contact_details",
    law: Law::Ccpa,
};

const ANALYTICS: Query<'static> = Query {
    purpose: Some("analytics"),
    recipient: Some("analytics_providers"),
    category: "usage_data",
    law: Law::Gdpr,
};

store_test!(
    events_sponsor_sale_is_allowed_until_the_opt_out_request_then_denied_with_its_date_r110_r113,
    |t| async move {
        let h = with_program(&t, "events.yaml").await;
        let before = h.app.decide(Some(&ada()), &SPONSOR_SALE).unwrap();
        assert!(before.allowed, "{}", before.explanation);
        assert_eq!(before.rule, Rule::AllowedSaleOrShare);
        assert!(
            before.explanation.contains("Event and content sponsors"),
            "{}",
            before.explanation
        );
        assert!(before.explanation.contains("a sale"), "{}", before.explanation);

        let strings = h.app.ad_strings(&ada(), true, false).await.unwrap();
        assert_eq!(&strings.usp[..3], "1YN", "{}", strings.usp);

        // Through the request workflow: no verification, applied at once, closed at once.
        let (submitted, recorded) = h
            .app
            .submit_opt_out(new_request(RequestType::OptOutSaleShare, Law::Ccpa), &Actor::Subject)
            .await
            .unwrap();
        assert_eq!(recorded.len(), 3);
        let after = h.app.decide(Some(&ada()), &SPONSOR_SALE).unwrap();
        assert!(!after.allowed);
        assert_eq!(after.rule, Rule::OptedOutOfSale);
        assert!(after.explanation.contains("opted out of the sale"), "{}", after.explanation);
        assert!(after.explanation.contains("2026-11-25"), "{}", after.explanation);
        // The strings ad tech reads now say it (ECOSYSTEM.md §1.2).
        let strings = h.app.ad_strings(&ada(), true, false).await.unwrap();
        assert_eq!(&strings.usp[..3], "1YY", "{}", strings.usp);
        assert!(strings.gpp.starts_with("DBABBg~"), "the California section: {}", strings.gpp);
        assert_ne!(
            strings.gpp,
            h.app
                .ad_strings(&ChoiceSubject::email("grace@example.com").unwrap(), true, false)
                .await
                .unwrap()
                .gpp
        );
        let shown = h.app.show(submitted.id, false, &Actor::Cli).await.unwrap();
        assert_eq!(shown.record.request.status.id(), "completed");

        // Someone else is untouched; the history is the proof, with its source and notice.
        let grace = ChoiceSubject::email("grace@example.com").unwrap();
        assert!(h.app.decide(Some(&grace), &SPONSOR_SALE).unwrap().allowed);
        let history = h.app.consent_history(&ada(), &Actor::Staff("s1".into())).await.unwrap();
        assert_eq!(history.len(), 3);
        assert!(
            history
                .iter()
                .all(|e| e.source == "form" && e.notice_version.as_deref() == Some("2026.3"))
        );
    }
);

store_test!(
    saas_newsletter_one_click_unsubscribe_works_through_the_token_in_the_message_rfc8058,
    |t| async move {
        let h = with_program(&t, "saas.yaml").await;
        h.app
            .record_choice(
                choice(ada(), LedgerChoice::Subscribe("newsletter".into()), Source::Form),
                &Actor::Subject,
            )
            .await
            .unwrap();
        let view = h.app.consent_view(&ada(), &Actor::Subject).await.unwrap();
        assert_eq!(view.lists, vec![("newsletter".to_owned(), true)]);

        let message = || ListMessage {
            list: "newsletter".into(),
            subject: "Release news".into(),
            text: "What is new this month.".into(),
            html: None,
        };
        let sent = h.app.send_to_list(message()).await.unwrap();
        assert_eq!(sent.queued, 1);
        h.app.deliver_pending().await.unwrap();
        let mail = outbox(&h);
        let (_, raw) = mail.iter().find(|(_, text)| text.contains("Release news")).unwrap();
        let unfolded = raw.replace("\r\n ", " ").replace("\r\n\t", " ");
        assert!(
            unfolded.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"),
            "{unfolded}"
        );
        let header = unfolded.lines().find(|l| l.starts_with("List-Unsubscribe: ")).unwrap();
        let url = header.split('<').nth(1).unwrap().split('>').next().unwrap();
        assert!(url.starts_with("https://planner.example/privacy/requests/unsubscribe/"), "{url}");
        assert!(!header.contains("ada"), "the link names no address");
        let token = url.rsplit('/').next().unwrap();

        // Altered, forged, or for another list: refused, nothing recorded.
        let mut altered = token.to_owned();
        let last = altered.pop().unwrap();
        altered.push(if last == 'A' { 'B' } else { 'A' });
        assert!(matches!(
            h.app.unsubscribe_one_click(&altered, None).await,
            Err(AppError::Forbidden(_))
        ));
        assert!(matches!(
            h.app.unsubscribe_one_click(token, Some("release_notes")).await,
            Err(AppError::Forbidden(_))
        ));
        assert!(h.app.consent_view(&ada(), &Actor::Subject).await.unwrap().lists[0].1);

        let done = h.app.unsubscribe_one_click(token, Some("newsletter")).await.unwrap();
        assert!(!done.already);
        let view = h.app.consent_view(&ada(), &Actor::Subject).await.unwrap();
        assert_eq!(view.lists, vec![("newsletter".to_owned(), false)]);
        // A second click is harmless; the next send skips her.
        assert!(h.app.unsubscribe_one_click(token, None).await.unwrap().already);
        assert_eq!(h.app.send_to_list(message()).await.unwrap().queued, 0);
        let history = h.app.consent_history(&ada(), &Actor::Subject).await.unwrap();
        assert_eq!(history.last().unwrap().source, "email_link");

        // CAN-SPAM's 30 days: the link still works a month and more later.
        let h2 = h;
        let grace = ChoiceSubject::email("grace@example.com").unwrap();
        h2.app
            .record_choice(
                choice(grace.clone(), LedgerChoice::Subscribe("newsletter".into()), Source::Form),
                &Actor::Subject,
            )
            .await
            .unwrap();
        let token = h2.app.unsubscribe_token(&grace, "newsletter").unwrap();
        h2.clock.advance(jiff::SignedDuration::from_hours(24 * 45));
        assert!(!h2.app.unsubscribe_one_click(&token, None).await.unwrap().already);
    }
);

store_test!(saas_withdrawing_analytics_consent_turns_its_decisions_to_deny_r253, |t| async move {
    let h = with_program(&t, "saas.yaml").await;
    let before = h.app.decide(Some(&ada()), &ANALYTICS).unwrap();
    assert_eq!(before.rule, Rule::NoConsentForPurpose, "consent is needed first");
    h.app
        .record_choice(
            choice(
                ada(),
                LedgerChoice::Decision(Choice::Consent {
                    purpose: "analytics".into(),
                    by_parent: false,
                }),
                Source::Form,
            ),
            &Actor::Subject,
        )
        .await
        .unwrap();
    assert!(h.app.decide(Some(&ada()), &ANALYTICS).unwrap().allowed);
    h.clock.advance(jiff::SignedDuration::from_hours(2));
    h.app
        .record_choice(
            choice(
                ada(),
                LedgerChoice::Decision(Choice::Withdraw { purpose: "analytics".into() }),
                Source::Form,
            ),
            &Actor::Subject,
        )
        .await
        .unwrap();
    let after = h.app.decide(Some(&ada()), &ANALYTICS).unwrap();
    assert!(!after.allowed);
    assert_eq!(after.rule, Rule::NoConsentForPurpose);
    assert!(after.explanation.contains("withdrew"), "{}", after.explanation);
});

store_test!(
    gpc_opts_the_browser_and_the_known_person_out_once_and_wins_over_an_opt_in_r120_r121_r123,
    |t| async move {
        let h = with_program(&t, "events.yaml").await;
        let browser = ChoiceSubject::device("b-0001").unwrap();
        // Only `Sec-GPC: 1` is the signal; "0" and "yes" are not (ECOSYSTEM.md §1.1).
        for value in ["0", "yes", "true", ""] {
            let on = gpc_signal([("Sec-GPC", value)]).is_opt_out();
            let outcome = h.app.honor_signals(&browser, None, on, false).await.unwrap();
            assert_eq!(outcome.recorded, 0, "Sec-GPC: {value:?}");
            assert_eq!(outcome.status, None);
        }
        assert!(h.app.decide(Some(&browser), &SPONSOR_SALE).unwrap().allowed);

        // Ada opted in earlier (two steps); the signal wins.
        for step in [Choice::OptInRequest { prompted: false }, Choice::OptInConfirm] {
            h.app
                .record_choice(
                    choice(ada(), LedgerChoice::Decision(step), Source::Form),
                    &Actor::Subject,
                )
                .await
                .unwrap();
        }
        h.clock.advance(jiff::SignedDuration::from_mins(5));
        let on = gpc_signal([("Sec-GPC", "1")]).is_opt_out();
        let outcome = h.app.honor_signals(&browser, Some(&ada()), on, false).await.unwrap();
        assert_eq!(outcome.recorded, 6, "three opt-outs each for the browser and the person");
        assert_eq!(outcome.status, Some("Opt-Out Request Honored"));
        for who in [&browser, &ada()] {
            let decision = h.app.decide(Some(who), &SPONSOR_SALE).unwrap();
            assert_eq!(decision.rule, Rule::OptedOutOfSale);
            assert!(decision.explanation.contains("R-120"), "{}", decision.explanation);
        }
        // A replay of the same signal records nothing new; the page still says it.
        let replay = h.app.honor_signals(&browser, Some(&ada()), on, false).await.unwrap();
        assert_eq!(replay.recorded, 0);
        assert_eq!(replay.status, Some("Opt-Out Request Honored"));
        // A later visit without the signal is not an opt-in.
        let later = h.app.honor_signals(&browser, Some(&ada()), false, false).await.unwrap();
        assert_eq!(later.recorded, 0);
        assert_eq!(later.status, Some("Opt-Out Request Honored"));
        assert!(!h.app.decide(Some(&ada()), &SPONSOR_SALE).unwrap().allowed);
        // A signal cannot be recorded as an opt-in.
        let claim = choice(ada(), LedgerChoice::Decision(Choice::OptInConfirm), Source::Gpc);
        assert!(matches!(
            h.app.record_choice(claim, &Actor::Subject).await,
            Err(AppError::Invalid(_))
        ));
    }
);

store_test!(a_linked_device_carries_its_opt_out_to_the_person_r120, |t| async move {
    let h = with_program(&t, "events.yaml").await;
    let phone = ChoiceSubject::device("app-instance-7").unwrap();
    h.app
        .record_choice(
            choice(phone.clone(), LedgerChoice::Decision(Choice::OptOutOfSale), Source::Form),
            &Actor::Subject,
        )
        .await
        .unwrap();
    assert!(h.app.decide(Some(&ada()), &SPONSOR_SALE).unwrap().allowed);
    assert!(h.app.link_device(&phone, &ada(), Source::Form).await.unwrap());
    assert!(
        !h.app.link_device(&phone, &ada(), Source::Form).await.unwrap(),
        "a second link is a no-op"
    );
    assert_eq!(h.app.decide(Some(&ada()), &SPONSOR_SALE).unwrap().rule, Rule::OptedOutOfSale);
    let history = h.app.consent_history(&ada(), &Actor::Subject).await.unwrap();
    let kinds: Vec<(&str, &str)> =
        history.iter().map(|e| (e.subject_kind, e.choice.as_str())).collect();
    assert_eq!(kinds, [("device", "opt_out_sale"), ("person", "link")]);
    // She chose nothing herself, yet the sponsors must stop: she is on their list.
    let list = h.app.suppression_list("sponsors", &Actor::Cli).await.unwrap();
    let kinds: Vec<&str> = list.entries.iter().map(|e| e.kind).collect();
    assert!(kinds.contains(&"email") && kinds.contains(&"device"), "{kinds:?}");

    // A fresh engine loaded from the ledger agrees (links survive a restart).
    let fresh = Engine::load(h.app.choices().unwrap().program().clone(), &t.store).await.unwrap();
    let key: [u8; 32] = h.app.subject_key(&ada()).try_into().unwrap();
    assert_eq!(fresh.current().decide(Some(&key), &SPONSOR_SALE).rule, Rule::OptedOutOfSale);
});

store_test!(unknown_ids_are_named_never_allowed, |t| async move {
    let h = with_program(&t, "events.yaml").await;
    let query = Query { recipient: Some("spnosors"), ..SPONSOR_SALE };
    let decision = h.app.decide(Some(&ada()), &query).unwrap();
    assert_eq!(decision.rule, Rule::UnknownId);
    assert!(decision.explanation.contains("spnosors"), "{}", decision.explanation);
    let query = Query { purpose: Some("anything"), ..SPONSOR_SALE };
    assert_eq!(h.app.decide(Some(&ada()), &query).unwrap().rule, Rule::UnknownId);
    let bad = choice(
        ada(),
        LedgerChoice::Decision(Choice::Consent { purpose: "anyhting".into(), by_parent: false }),
        Source::Form,
    );
    let Err(AppError::Invalid(message)) = h.app.record_choice(bad, &Actor::Subject).await else {
        panic!()
    };
    assert!(message.contains("anyhting") && message.contains("sponsor_offers"), "{message}");
    let bad = choice(ada(), LedgerChoice::Subscribe("news".into()), Source::Form);
    let Err(AppError::Invalid(message)) = h.app.record_choice(bad, &Actor::Subject).await else {
        panic!()
    };
    assert!(message.contains("event_news"), "{message}");
    assert!(h.app.consent_history(&ada(), &Actor::Subject).await.unwrap().is_empty());
});

store_test!(a_child_under_13_cannot_consent_a_parent_can_r171_r254, |t| async move {
    let h = with_program(&t, "saas.yaml").await;
    let child = ChoiceSubject::parse("account:kid-42").unwrap();
    h.app
        .record_choice(
            choice(
                child.clone(),
                LedgerChoice::Age(ombud_policy::decide::AgeBand::Under13),
                Source::Staff,
            ),
            &Actor::Staff("s1".into()),
        )
        .await
        .unwrap();
    let own = choice(
        child.clone(),
        LedgerChoice::Decision(Choice::Consent { purpose: "analytics".into(), by_parent: false }),
        Source::Form,
    );
    let Err(AppError::Forbidden(message)) = h.app.record_choice(own, &Actor::Subject).await else {
        panic!()
    };
    assert!(message.contains("parent"), "{message}");
    assert_eq!(h.app.decide(Some(&child), &ANALYTICS).unwrap().rule, Rule::MinorNoParentalConsent);
    let parent = choice(
        child.clone(),
        LedgerChoice::Decision(Choice::Consent { purpose: "analytics".into(), by_parent: true }),
        Source::Staff,
    );
    h.app.record_choice(parent, &Actor::Staff("s1".into())).await.unwrap();
    assert!(h.app.decide(Some(&child), &ANALYTICS).unwrap().allowed);
});

store_test!(concurrent_contradictory_choices_end_opted_out_r121, |t| async move {
    let h = with_program(&t, "events.yaml").await;
    h.app
        .record_choice(
            choice(
                ada(),
                LedgerChoice::Decision(Choice::OptInRequest { prompted: false }),
                Source::Form,
            ),
            &Actor::Subject,
        )
        .await
        .unwrap();
    h.clock.advance(jiff::SignedDuration::from_mins(1));
    // Both at the same instant, racing: the ledger keeps both, the fold ends opted out.
    let (a, b) = (h.app.clone(), h.app.clone());
    let confirm = tokio::spawn(async move {
        a.record_choice(
            choice(ada(), LedgerChoice::Decision(Choice::OptInConfirm), Source::Form),
            &Actor::Subject,
        )
        .await
    });
    let opt_out = tokio::spawn(async move {
        b.record_choice(
            choice(ada(), LedgerChoice::Decision(Choice::OptOutOfSale), Source::Api),
            &Actor::System,
        )
        .await
    });
    confirm.await.unwrap().unwrap();
    opt_out.await.unwrap().unwrap();
    assert_eq!(h.app.decide(Some(&ada()), &SPONSOR_SALE).unwrap().rule, Rule::OptedOutOfSale);
    let fresh = Engine::load(h.app.choices().unwrap().program().clone(), &t.store).await.unwrap();
    let key: [u8; 32] = h.app.subject_key(&ada()).try_into().unwrap();
    assert_eq!(fresh.current().decide(Some(&key), &SPONSOR_SALE).rule, Rule::OptedOutOfSale);
});

store_test!(a_suppression_list_names_whoever_opted_out_hashed_by_default_r114, |t| async move {
    let h = with_program(&t, "events.yaml").await;
    h.app
        .submit_opt_out(new_request(RequestType::OptOutSaleShare, Law::Ccpa), &Actor::Subject)
        .await
        .unwrap();
    let grace = ChoiceSubject::email("grace@example.com").unwrap();
    h.app
        .record_choice(
            choice(grace, LedgerChoice::Subscribe("event_news".into()), Source::Form),
            &Actor::Subject,
        )
        .await
        .unwrap();
    let list = h.app.suppression_list("sponsors", &Actor::Cli).await.unwrap();
    assert_eq!(list.entries.len(), 1, "grace chose nothing that stops the sale");
    let entry = &list.entries[0];
    assert_eq!(entry.kind, "email");
    assert_eq!(
        entry.identifier,
        ombud_core::audit::to_hex(&sha2::Sha256::digest(b"ada@example.com"))
    );
    assert!(entry.rules.contains(&"opted_out_of_sale"));
    // Service providers receive nothing that an opt-out stops.
    assert!(
        h.app.suppression_list("service_providers", &Actor::Cli).await.unwrap().entries.is_empty()
    );
    assert!(matches!(
        h.app.suppression_list("nobody", &Actor::Cli).await,
        Err(AppError::Invalid(_))
    ));
});

store_test!(
    another_instance_obeys_a_choice_within_a_second_through_listen_notify,
    |t| async move {
        if !t.url.to_string().starts_with("postgres") {
            return; // One process owns a SQLite store; there is no other instance to tell.
        }
        let writer = with_program(&t, "events.yaml").await;
        let program = writer.app.choices().unwrap().program().clone();
        let other = Arc::new(Engine::load(program, &t.store).await.unwrap());
        let follower = tokio::spawn(other.clone().follow(t.store.clone()));
        let key: [u8; 32] = writer.app.subject_key(&ada()).try_into().unwrap();
        // Let the follower start listening.
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        assert!(other.current().decide(Some(&key), &SPONSOR_SALE).allowed);
        writer
            .app
            .record_choice(
                choice(ada(), LedgerChoice::Decision(Choice::OptOutOfSale), Source::Api),
                &Actor::System,
            )
            .await
            .unwrap();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(1);
        loop {
            if !other.current().decide(Some(&key), &SPONSOR_SALE).allowed {
                break;
            }
            assert!(std::time::Instant::now() < deadline, "not seen within a second");
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        follower.abort();
    }
);

store_test!(
    a_shared_device_carries_opt_outs_but_never_one_persons_opt_in_or_age_to_another_r120_r170,
    |t| async move {
        let h = with_program(&t, "events.yaml").await;
        let laptop = ChoiceSubject::device("family-laptop").unwrap();
        let child = ChoiceSubject::parse("account:kid-7").unwrap();
        let staff = Actor::Staff("s1".into());
        h.app
            .record_choice(
                choice(
                    child.clone(),
                    LedgerChoice::Age(ombud_policy::decide::AgeBand::Under13),
                    Source::Staff,
                ),
                &staff,
            )
            .await
            .unwrap();
        h.app.link_device(&laptop, &child, Source::Form).await.unwrap();
        h.app.link_device(&laptop, &ada(), Source::Form).await.unwrap();
        for step in [Choice::OptInRequest { prompted: false }, Choice::OptInConfirm] {
            h.app
                .record_choice(
                    choice(ada(), LedgerChoice::Decision(step), Source::Form),
                    &Actor::Subject,
                )
                .await
                .unwrap();
        }
        // Ada's opt-in is hers; the child stays protected, and Ada is not made a child.
        assert_eq!(
            h.app.decide(Some(&child), &SPONSOR_SALE).unwrap().rule,
            Rule::MinorNeverSoldOrShared
        );
        assert!(h.app.decide(Some(&ada()), &SPONSOR_SALE).unwrap().allowed);
        // An opt-out on the laptop reaches both people linked to it, not through it.
        h.app
            .record_choice(
                choice(laptop.clone(), LedgerChoice::Decision(Choice::OptOutOfSale), Source::Form),
                &Actor::Subject,
            )
            .await
            .unwrap();
        assert_eq!(h.app.decide(Some(&ada()), &SPONSOR_SALE).unwrap().rule, Rule::OptedOutOfSale);
        // The same after a reload from the ledger.
        let fresh =
            Engine::load(h.app.choices().unwrap().program().clone(), &t.store).await.unwrap();
        for (who, rule) in [(&child, Rule::MinorNeverSoldOrShared), (&ada(), Rule::OptedOutOfSale)]
        {
            let key: [u8; 32] = h.app.subject_key(who).try_into().unwrap();
            assert_eq!(fresh.current().decide(Some(&key), &SPONSOR_SALE).rule, rule);
        }
    }
);

store_test!(
    proof_of_consent_needs_the_notice_shown_and_a_parents_consent_needs_staff_r171_r251,
    |t| async move {
        let h = with_program(&t, "saas.yaml").await;
        let consent = LedgerChoice::Decision(Choice::Consent {
            purpose: "analytics".into(),
            by_parent: false,
        });
        let unproven = NewChoice {
            subject: ada(),
            choice: consent.clone(),
            source: Source::Form,
            notice_version: None,
        };
        let Err(AppError::Invalid(message)) = h.app.record_choice(unproven, &Actor::Subject).await
        else {
            panic!()
        };
        assert!(message.contains("notice version"), "{message}");
        let by_parent = LedgerChoice::Decision(Choice::Consent {
            purpose: "analytics".into(),
            by_parent: true,
        });
        assert!(matches!(
            h.app.record_choice(choice(ada(), by_parent, Source::Form), &Actor::Subject).await,
            Err(AppError::Forbidden(_))
        ));
        // A child cannot raise their own age band once the business knows it.
        let kid = ChoiceSubject::parse("account:kid-9").unwrap();
        h.app
            .record_choice(
                choice(
                    kid.clone(),
                    LedgerChoice::Age(ombud_policy::decide::AgeBand::Under13),
                    Source::Staff,
                ),
                &Actor::Staff("s1".into()),
            )
            .await
            .unwrap();
        assert!(matches!(
            h.app
                .record_choice(
                    choice(
                        kid,
                        LedgerChoice::Age(ombud_policy::decide::AgeBand::Adult),
                        Source::Form
                    ),
                    &Actor::Subject
                )
                .await,
            Err(AppError::Forbidden(_))
        ));
        assert!(h.app.consent_history(&ada(), &Actor::Subject).await.unwrap().is_empty());
    }
);
