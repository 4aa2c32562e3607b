//! The decision engine against the example programs: the cases issue 5 names (the
//! events sponsor sale before and after an opt-out, SaaS analytics consent withdrawn),
//! the GPC, minors and twelve-month rules, and property tests that `decide` agrees with
//! a slow reference interpreter, is deterministic, and never turns a denial into an
//! allow when an opt-out is added; and that `verdict` then `explain` is `decide`.
//!
//! The reference interpreter reads the `Program` and the raw records directly, with
//! straight-line `if`s and pairwise scans (no indexes, no fold), so that it checks both
//! `Snapshot::compile`/`decide` and `ConsentState::fold`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use ombud_core::{GdprLawfulBasis, Law, Reference};
use ombud_policy::decide::{
    ASK_AGAIN_WAIT_MS, AgeBand, Choice, ChoiceRecord, ConsentState, Mark, Query, Rule, Snapshot,
    Source, Verdict, date,
};
use ombud_program::model::MinorsSale;
use ombud_program::{CheckOptions, Program};
use proptest::prelude::*;

const EVENTS: &str = include_str!("../../../examples/events.yaml");
const SAAS: &str = include_str!("../../../examples/saas.yaml");
const SHOP: &str = include_str!("../../../examples/shop.yaml");
const INSTRUMENTS: &str = include_str!("../../../examples/instruments.yaml");

const DAY: u64 = 86_400_000;
/// 2026-05-28, a day after every example notice took effect.
const T0: u64 = 1_780_000_000_000;

fn load(yaml: &str) -> Program {
    ombud_program::load(yaml.as_bytes(), &CheckOptions::default()).unwrap().0
}

/// The examples, and each one changed to reach the rules they do not use: every law
/// declared, minors opted in rather than never sold, and a lower GDPR age of consent.
fn programs() -> Vec<Program> {
    let mut all = Vec::new();
    for yaml in [EVENTS, SAAS, SHOP, INSTRUMENTS] {
        let program = load(yaml);
        let mut variant = program.clone();
        variant.jurisdictions = Law::all().to_vec();
        variant.minors.sale_under_16 = MinorsSale::OptInRequired;
        variant.minors.gdpr_consent_age = Some(13);
        all.push(program);
        all.push(variant);
    }
    all
}

fn record(days: u64, choice: Choice, source: Source) -> ChoiceRecord {
    ChoiceRecord { at_ms: T0 + days * DAY, choice, source }
}

fn sponsor_sale() -> Query<'static> {
    Query {
        purpose: Some("sponsor_offers"),
        recipient: Some("sponsors"),
        category: "contact_details",
        law: Law::Ccpa,
    }
}

fn analytics() -> Query<'static> {
    Query {
        purpose: Some("analytics"),
        recipient: Some("analytics_providers"),
        category: "usage_data",
        law: Law::Gdpr,
    }
}

// ---------------------------------------------------------------------------------
// The reference interpreter.
// ---------------------------------------------------------------------------------

/// Where a record falls in time: by instant, then the choices that give before the
/// ones that take away, then the ledger's order.
fn key(records: &[ChoiceRecord], i: usize) -> (u64, bool, usize) {
    (records[i].at_ms, records[i].choice.restricts(), i)
}

fn counts(r: &ChoiceRecord) -> bool {
    // A signal can only take away.
    r.source != Source::Gpc || r.choice.restricts()
}

fn is_reset(r: &ChoiceRecord) -> bool {
    counts(r) && r.choice.resets_opt_in()
}

fn valid_request(records: &[ChoiceRecord], r: usize) -> bool {
    let Choice::OptInRequest { prompted } = records[r].choice else { return false };
    if !counts(&records[r]) {
        return false;
    }
    if !prompted {
        return true;
    }
    for x in 0..records.len() {
        if is_reset(&records[x])
            && key(records, x) < key(records, r)
            && records[r].at_ms < records[x].at_ms + ASK_AGAIN_WAIT_MS
        {
            return false;
        }
    }
    true
}

fn effective_confirm(records: &[ChoiceRecord], c: usize) -> bool {
    if records[c].choice != Choice::OptInConfirm || !counts(&records[c]) {
        return false;
    }
    for r in 0..records.len() {
        if valid_request(records, r) && key(records, r) < key(records, c) {
            let mut reset_between = false;
            for x in 0..records.len() {
                if is_reset(&records[x])
                    && key(records, r) < key(records, x)
                    && key(records, x) < key(records, c)
                {
                    reset_between = true;
                }
            }
            if !reset_between {
                return true;
            }
        }
    }
    false
}

/// The last opt-out of this kind, unless an effective confirmation came after it.
fn opted_out(records: &[ChoiceRecord], kind: &Choice) -> bool {
    let mut last: Option<usize> = None;
    for i in 0..records.len() {
        if &records[i].choice == kind
            && counts(&records[i])
            && last.is_none_or(|l| key(records, i) > key(records, l))
        {
            last = Some(i);
        }
    }
    let Some(last) = last else { return false };
    for c in 0..records.len() {
        if effective_confirm(records, c) && key(records, c) > key(records, last) {
            return false;
        }
    }
    true
}

fn no_reset_after(records: &[ChoiceRecord], i: usize) -> bool {
    (0..records.len()).all(|x| !(is_reset(&records[x]) && key(records, x) > key(records, i)))
}

fn opted_in(records: &[ChoiceRecord]) -> bool {
    (0..records.len()).any(|c| effective_confirm(records, c) && no_reset_after(records, c))
}

fn parent_opted_in(records: &[ChoiceRecord]) -> bool {
    (0..records.len()).any(|p| {
        records[p].choice == Choice::ParentOptIn
            && counts(&records[p])
            && no_reset_after(records, p)
    })
}

/// `Some(by_parent)` when consent to the purpose stands.
fn consent(records: &[ChoiceRecord], purpose: &str) -> Option<bool> {
    let mut latest: Option<usize> = None;
    for i in 0..records.len() {
        let about = match &records[i].choice {
            Choice::Consent { purpose: p, .. } | Choice::Withdraw { purpose: p } => p == purpose,
            _ => false,
        };
        if about && counts(&records[i]) && latest.is_none_or(|l| key(records, i) > key(records, l))
        {
            latest = Some(i);
        }
    }
    match latest.map(|i| &records[i].choice) {
        Some(Choice::Consent { by_parent, .. }) => Some(*by_parent),
        _ => None,
    }
}

fn reference(program: &Program, q: &Query<'_>, records: &[ChoiceRecord], age: AgeBand) -> Rule {
    let Some(c) = program.categories.iter().position(|c| c.id == q.category) else {
        return Rule::UnknownId;
    };
    let mut p = None;
    if let Some(id) = q.purpose {
        match program.purposes.iter().position(|p| p.id == id) {
            Some(at) => p = Some(at),
            None => return Rule::UnknownId,
        }
    }
    let mut r = None;
    if let Some(id) = q.recipient {
        match program.recipients.iter().position(|r| r.id == id) {
            Some(at) => r = Some(at),
            None => return Rule::UnknownId,
        }
    }
    if !program.jurisdictions.contains(&q.law) {
        return Rule::LawNotInProgram;
    }
    if q.law == Law::Gdpr && p.is_none() {
        return Rule::PurposeRequired;
    }
    if let Some(p) = p
        && !program.categories[c].purposes.contains(&p)
    {
        return Rule::PurposeNotForCategory;
    }
    let mut sold = false;
    let mut shared = false;
    if let Some(r) = r {
        let mut declared = false;
        for d in &program.disclosures {
            if d.recipients.contains(&r)
                && d.categories.contains(&c)
                && p.is_none_or(|p| d.purposes.contains(&p))
            {
                declared = true;
                sold |= d.sold;
                shared |= d.shared;
            }
        }
        if !declared {
            return Rule::NoDisclosure;
        }
    }
    let minor = age == AgeBand::Under13 || age == AgeBand::From13To15;
    if (sold || shared) && minor {
        if program.minors.sale_under_16 == MinorsSale::Never {
            return Rule::MinorNeverSoldOrShared;
        }
        if age == AgeBand::Under13 && !parent_opted_in(records) {
            return Rule::MinorUnder13NoParentConsent;
        }
        if age == AgeBand::From13To15 && !opted_in(records) {
            return Rule::MinorUnder16NoOptIn;
        }
    }
    if sold && opted_out(records, &Choice::OptOutOfSale) {
        return Rule::OptedOutOfSale;
    }
    if shared && opted_out(records, &Choice::OptOutOfSharing) {
        return Rule::OptedOutOfSharing;
    }
    if shared && opted_out(records, &Choice::OptOutOfTargetedAds) {
        return Rule::OptedOutOfTargetedAds;
    }
    let category = &program.categories[c];
    let limited = records.iter().any(|x| x.choice == Choice::LimitSensitive);
    if category.sensitive.is_some() && category.infers_characteristics && limited {
        let permitted = !sold
            && !shared
            && p.and_then(|p| program.purposes[p].business_purpose)
                .is_some_and(|b| b.permits_sensitive_use());
        if !permitted {
            return Rule::LimitedSensitive;
        }
    }
    if q.law == Law::Gdpr
        && let Some(p) = p
    {
        let purpose = &program.purposes[p];
        if purpose.gdpr_basis.is_none() {
            return Rule::NoLawfulBasis;
        }
        if purpose.gdpr_basis == Some(GdprLawfulBasis::Consent) {
            let age_of_consent = program.minors.gdpr_consent_age.unwrap_or(16);
            let child =
                age == AgeBand::Under13 || (age == AgeBand::From13To15 && age_of_consent > 13);
            let given = consent(records, &purpose.id);
            if child && given != Some(true) {
                return Rule::MinorNoParentalConsent;
            }
            if !child && given.is_none() {
                return Rule::NoConsentForPurpose;
            }
        }
    }
    if sold || shared {
        Rule::AllowedSaleOrShare
    } else if r.is_some() {
        Rule::NotASaleOrShare
    } else {
        Rule::Allowed
    }
}

/// Decides with the engine and checks what every decision must satisfy.
fn decide(program: &Program, q: &Query<'_>, records: &[ChoiceRecord], age: AgeBand) -> Rule {
    let snapshot = Snapshot::compile(program);
    let decision = snapshot.decide(q, &ConsentState::fold(records, age));
    assert_eq!(decision.allowed, decision.rule.allows(), "{decision:?}");
    assert!(decision.explanation.contains(decision.rule.citation()), "{decision:?}");
    decision.rule
}

// ---------------------------------------------------------------------------------
// The cases issue 5 names.
// ---------------------------------------------------------------------------------

#[test]
fn events_sponsor_sale_is_allowed_before_an_opt_out_and_denied_after_with_its_date() {
    let snapshot = Snapshot::compile(&load(EVENTS));
    let before = snapshot.decide(&sponsor_sale(), &ConsentState::default());
    assert!(before.allowed, "{before:?}");
    assert_eq!(before.rule, Rule::AllowedSaleOrShare);
    assert!(before.explanation.contains("Contact details to Event and content sponsors"));
    assert!(before.explanation.contains("as a sale"), "{}", before.explanation);

    let records = [record(0, Choice::OptOutOfSale, Source::Form)];
    let after = snapshot.decide(&sponsor_sale(), &ConsentState::fold(&records, AgeBand::Unknown));
    assert!(!after.allowed);
    assert_eq!(after.rule, Rule::OptedOutOfSale);
    assert!(after.explanation.contains("opted out of the sale"), "{}", after.explanation);
    assert!(after.explanation.contains("on 2026-05-28 by the privacy-center form"));
    assert!(after.explanation.contains("R-110"));
}

#[test]
fn events_opt_out_of_sale_leaves_disclosures_that_are_not_sales_alone() {
    let snapshot = Snapshot::compile(&load(EVENTS));
    let state = ConsentState::fold(&[record(0, Choice::OptOutOfSale, Source::Gpc)], AgeBand::Adult);
    let query = Query {
        purpose: Some("provide"),
        recipient: Some("service_providers"),
        category: "contact_details",
        law: Law::Ccpa,
    };
    assert_eq!(snapshot.decide(&query, &state).rule, Rule::NotASaleOrShare);
}

#[test]
fn saas_withdrawing_analytics_consent_turns_its_decisions_to_deny() {
    let snapshot = Snapshot::compile(&load(SAAS));
    let analytics_consent = Choice::Consent { purpose: "analytics".to_owned(), by_parent: false };
    assert_eq!(
        snapshot.decide(&analytics(), &ConsentState::default()).rule,
        Rule::NoConsentForPurpose,
        "consent is never presumed (R-252)"
    );
    let given = [record(0, analytics_consent.clone(), Source::Form)];
    let decision = snapshot.decide(&analytics(), &ConsentState::fold(&given, AgeBand::Adult));
    assert_eq!(decision.rule, Rule::NotASaleOrShare, "{decision:?}");

    let withdrawn = [
        record(0, analytics_consent, Source::Form),
        record(3, Choice::Withdraw { purpose: "analytics".to_owned() }, Source::EmailLink),
    ];
    let decision = snapshot.decide(&analytics(), &ConsentState::fold(&withdrawn, AgeBand::Adult));
    assert_eq!(decision.rule, Rule::NoConsentForPurpose);
    assert!(decision.explanation.contains("withdrew on 2026-05-31"), "{}", decision.explanation);
    // A contract-based purpose needs no consent.
    let service = Query {
        purpose: Some("service"),
        recipient: None,
        category: "contact_details",
        law: Law::Gdpr,
    };
    assert_eq!(snapshot.decide(&service, &ConsentState::default()).rule, Rule::Allowed);
}

// ---------------------------------------------------------------------------------
// Bad input: unknown ids, laws, purposes.
// ---------------------------------------------------------------------------------

#[test]
fn unknown_ids_are_denied_by_name_and_never_panic() {
    let snapshot = Snapshot::compile(&load(EVENTS));
    let state = ConsentState::default();
    for (query, name) in [
        (Query { category: "contact_detail", ..sponsor_sale() }, "category"),
        (Query { purpose: Some("sponsor"), ..sponsor_sale() }, "purpose"),
        (Query { recipient: Some("sponsor"), ..sponsor_sale() }, "recipient"),
    ] {
        let decision = snapshot.decide(&query, &state);
        assert!(!decision.allowed);
        assert_eq!(decision.rule, Rule::UnknownId);
        assert!(decision.explanation.contains(name), "{}", decision.explanation);
    }
    let long = "é".repeat(10_000);
    let decision = snapshot.decide(&Query { category: &long, ..sponsor_sale() }, &state);
    assert_eq!(decision.rule, Rule::UnknownId);
    assert!(decision.explanation.len() < 400, "a hostile id is not echoed whole");
}

#[test]
fn a_law_the_program_is_not_written_for_and_a_gdpr_use_without_purpose_are_denied() {
    let snapshot = Snapshot::compile(&load(EVENTS));
    let state = ConsentState::default();
    let gdpr = Query { law: Law::Gdpr, ..sponsor_sale() };
    assert_eq!(snapshot.decide(&gdpr, &state).rule, Rule::LawNotInProgram);
    let saas = Snapshot::compile(&load(SAAS));
    let no_purpose = Query { purpose: None, ..analytics() };
    assert_eq!(saas.decide(&no_purpose, &state).rule, Rule::PurposeRequired);
    // a purpose the category is not collected for, and an undeclared disclosure.
    let new_use =
        Query { purpose: Some("sponsor_offers"), category: "web_activity", ..sponsor_sale() };
    assert_eq!(snapshot.decide(&new_use, &state).rule, Rule::PurposeNotForCategory);
    let undeclared = Query { recipient: Some("attendees"), ..sponsor_sale() };
    assert_eq!(snapshot.decide(&undeclared, &state).rule, Rule::NoDisclosure);
}

// ---------------------------------------------------------------------------------
// GPC, two steps and the twelve-month wait.
// ---------------------------------------------------------------------------------

fn sale_rule(records: &[ChoiceRecord]) -> Rule {
    let snapshot = Snapshot::compile(&load(EVENTS));
    snapshot.decide(&sponsor_sale(), &ConsentState::fold(records, AgeBand::Adult)).rule
}

#[test]
fn gpc_after_a_confirmed_opt_in_wins_for_the_signal() {
    let opted_back_in = [
        record(0, Choice::OptOutOfSale, Source::Form),
        record(1, Choice::OptInRequest { prompted: false }, Source::Form),
        record(2, Choice::OptInConfirm, Source::EmailLink),
    ];
    assert_eq!(sale_rule(&opted_back_in), Rule::AllowedSaleOrShare);
    let mut then_gpc = opted_back_in.to_vec();
    then_gpc.push(record(5, Choice::OptOutOfSale, Source::Gpc));
    let snapshot = Snapshot::compile(&load(EVENTS));
    let decision = snapshot.decide(&sponsor_sale(), &ConsentState::fold(&then_gpc, AgeBand::Adult));
    assert_eq!(decision.rule, Rule::OptedOutOfSale, "R-121");
    assert!(decision.explanation.contains("Global Privacy Control"));
    assert!(decision.explanation.contains("R-120, R-121"));
}

#[test]
fn nothing_a_signal_sends_opts_a_person_back_in() {
    // the web layer records no choice for a visit without the signal; and even
    // an opt-in wrongly attributed to the signal does not count.
    let records = [
        record(0, Choice::OptOutOfSale, Source::Gpc),
        record(30, Choice::OptInRequest { prompted: false }, Source::Gpc),
        record(31, Choice::OptInConfirm, Source::Gpc),
        record(
            32,
            Choice::Consent { purpose: "marketing".to_owned(), by_parent: false },
            Source::Gpc,
        ),
    ];
    assert_eq!(sale_rule(&records), Rule::OptedOutOfSale);
    let state = ConsentState::fold(&records, AgeBand::Adult);
    assert!(state.pending_opt_in().is_none());
    assert!(state.consent("marketing").is_none());
}

#[test]
fn an_opt_in_counts_only_once_confirmed() {
    let out = record(0, Choice::OptOutOfSale, Source::Form);
    let asked = record(1, Choice::OptInRequest { prompted: false }, Source::Form);
    let confirmed = record(2, Choice::OptInConfirm, Source::EmailLink);
    assert_eq!(sale_rule(&[out.clone(), asked.clone()]), Rule::OptedOutOfSale);
    assert_eq!(sale_rule(&[out.clone(), confirmed.clone()]), Rule::OptedOutOfSale, "no request");
    // A confirmation of a request made before the opt-out confirms nothing.
    let early = record(0, Choice::OptInRequest { prompted: false }, Source::Form);
    let out_later = record(1, Choice::OptOutOfSale, Source::Form);
    assert_eq!(sale_rule(&[early, out_later, confirmed.clone()]), Rule::OptedOutOfSale);
    assert_eq!(sale_rule(&[out, asked, confirmed]), Rule::AllowedSaleOrShare);
}

#[test]
fn the_business_may_not_ask_again_within_twelve_months_of_an_opt_out() {
    let out = record(0, Choice::OptOutOfSale, Source::Form);
    let confirm_at = |day: u64| record(day + 1, Choice::OptInConfirm, Source::Form);
    // Prompted by the business after 200 days: the answer does not count.
    let prompted = record(200, Choice::OptInRequest { prompted: true }, Source::Form);
    assert_eq!(sale_rule(&[out.clone(), prompted, confirm_at(200)]), Rule::OptedOutOfSale);
    // The person's own request counts at any time.
    let own = record(200, Choice::OptInRequest { prompted: false }, Source::Form);
    assert_eq!(sale_rule(&[out.clone(), own, confirm_at(200)]), Rule::AllowedSaleOrShare);
    // After the wait the business may ask.
    let late = record(366, Choice::OptInRequest { prompted: true }, Source::Form);
    assert_eq!(sale_rule(&[out.clone(), late, confirm_at(366)]), Rule::AllowedSaleOrShare);
    let early = record(365, Choice::OptInRequest { prompted: true }, Source::Form);
    assert_eq!(sale_rule(&[out.clone(), early, confirm_at(365)]), Rule::OptedOutOfSale);

    let state = ConsentState::fold(&[out], AgeBand::Adult);
    assert!(!state.may_ask_opt_in(T0 + 365 * DAY));
    assert!(state.may_ask_opt_in(T0 + 366 * DAY));
    assert!(ConsentState::default().may_ask_opt_in(T0));
    // a minor's refusal starts the same wait.
    let declined =
        ConsentState::fold(&[record(0, Choice::DeclineOptIn, Source::Form)], AgeBand::From13To15);
    assert_eq!(declined.ask_again_from_ms(), Some(T0 + ASK_AGAIN_WAIT_MS));
}

#[test]
fn contradictory_choices_at_the_same_instant_end_opted_out_in_any_ledger_order() {
    let setup = [
        record(0, Choice::OptOutOfSale, Source::Form),
        record(1, Choice::OptInRequest { prompted: false }, Source::Form),
    ];
    let confirm = record(2, Choice::OptInConfirm, Source::Form);
    let out = record(2, Choice::OptOutOfSale, Source::Api);
    for pair in [[confirm.clone(), out.clone()], [out, confirm]] {
        let mut records = setup.to_vec();
        records.extend(pair);
        assert_eq!(sale_rule(&records), Rule::OptedOutOfSale);
    }
}

// ---------------------------------------------------------------------------------
// Minors and sensitive PI.
// ---------------------------------------------------------------------------------

#[test]
fn minors_need_an_opt_in_their_own_from_13_a_parent_s_under_13() {
    let never = Snapshot::compile(&load(EVENTS));
    let teen = ConsentState::default().with_age(AgeBand::From13To15);
    assert_eq!(never.decide(&sponsor_sale(), &teen).rule, Rule::MinorNeverSoldOrShared);

    let mut program = load(EVENTS);
    program.minors.sale_under_16 = MinorsSale::OptInRequired;
    let snapshot = Snapshot::compile(&program);
    assert_eq!(snapshot.decide(&sponsor_sale(), &teen).rule, Rule::MinorUnder16NoOptIn);
    let two_steps = [
        record(0, Choice::OptInRequest { prompted: false }, Source::Form),
        record(1, Choice::OptInConfirm, Source::Form),
    ];
    let opted_in = ConsentState::fold(&two_steps, AgeBand::From13To15);
    assert_eq!(snapshot.decide(&sponsor_sale(), &opted_in).rule, Rule::AllowedSaleOrShare);
    // The child's own opt-in is not enough under 13.
    let child = ConsentState::fold(&two_steps, AgeBand::Under13);
    assert_eq!(snapshot.decide(&sponsor_sale(), &child).rule, Rule::MinorUnder13NoParentConsent);
    let parent =
        ConsentState::fold(&[record(0, Choice::ParentOptIn, Source::Staff)], AgeBand::Under13);
    assert_eq!(snapshot.decide(&sponsor_sale(), &parent).rule, Rule::AllowedSaleOrShare);
    // An opt-out after the parent's opt-in ends it.
    let revoked = ConsentState::fold(
        &[
            record(0, Choice::ParentOptIn, Source::Staff),
            record(1, Choice::OptOutOfSale, Source::Gpc),
        ],
        AgeBand::Under13,
    );
    assert_eq!(snapshot.decide(&sponsor_sale(), &revoked).rule, Rule::MinorUnder13NoParentConsent);
    // Uses that are not sales are not affected by age.
    let provide = Query { purpose: Some("provide"), recipient: None, ..sponsor_sale() };
    assert_eq!(snapshot.decide(&provide, &teen).rule, Rule::Allowed);
}

#[test]
fn a_gdpr_child_needs_a_parent_s_consent() {
    let snapshot = Snapshot::compile(&load(SAAS));
    let own = [record(
        0,
        Choice::Consent { purpose: "analytics".to_owned(), by_parent: false },
        Source::Form,
    )];
    let parent = [record(
        0,
        Choice::Consent { purpose: "analytics".to_owned(), by_parent: true },
        Source::Staff,
    )];
    for age in [AgeBand::Under13, AgeBand::From13To15] {
        let decision = snapshot.decide(&analytics(), &ConsentState::fold(&own, age));
        assert_eq!(decision.rule, Rule::MinorNoParentalConsent, "{age:?}");
        assert!(decision.explanation.contains("under 16"));
        assert!(snapshot.decide(&analytics(), &ConsentState::fold(&parent, age)).allowed);
    }
    assert!(snapshot.decide(&analytics(), &ConsentState::fold(&own, AgeBand::Adult)).allowed);
}

#[test]
fn a_limit_on_sensitive_pi_stops_uses_beyond_the_permitted_purposes() {
    let snapshot = Snapshot::compile(&load(EVENTS));
    let limited =
        ConsentState::fold(&[record(0, Choice::LimitSensitive, Source::Form)], AgeBand::Adult);
    let improve = Query {
        purpose: Some("improve"),
        recipient: None,
        category: "location_history",
        law: Law::Ccpa,
    };
    assert_eq!(snapshot.decide(&improve, &ConsentState::default()).rule, Rule::Allowed);
    assert_eq!(snapshot.decide(&improve, &limited).rule, Rule::LimitedSensitive);
    // Security is a permitted purpose (§7027(m)).
    let security = Query { purpose: Some("security"), ..improve };
    assert_eq!(snapshot.decide(&security, &limited).rule, Rule::Allowed);
    // Credentials not used to infer characteristics are out of the right's reach.
    let saas = Snapshot::compile(&load(SAAS));
    let login = Query {
        purpose: Some("security"),
        recipient: None,
        category: "account_credentials",
        law: Law::Gdpr,
    };
    assert_eq!(saas.decide(&login, &limited).rule, Rule::Allowed);
}

// ---------------------------------------------------------------------------------
// The hot path: a verdict without words, worded later.
// ---------------------------------------------------------------------------------

#[test]
fn a_verdict_is_small_cites_its_mark_and_is_worded_like_the_decision() {
    assert_eq!(size_of::<Verdict>(), 24, "copied on every event: keep it small");
    let snapshot = Snapshot::compile(&load(EVENTS));
    let records = [record(0, Choice::OptOutOfSale, Source::Gpc)];
    let state = ConsentState::fold(&records, AgeBand::Unknown);
    let verdict = snapshot.verdict(&sponsor_sale(), &state);
    assert!(!verdict.allowed);
    assert_eq!(verdict.rule, Rule::OptedOutOfSale);
    assert_eq!(verdict.mark(), Some(Mark { at_ms: T0, source: Source::Gpc }));
    let explanation = snapshot.explain(&sponsor_sale(), &verdict);
    assert_eq!(explanation, snapshot.decide(&sponsor_sale(), &state).explanation);
    assert!(explanation.contains("on 2026-05-28 by a Global Privacy Control signal"));
    assert_eq!(snapshot.verdict(&sponsor_sale(), &ConsentState::default()).mark(), None);
}

#[test]
fn an_unknown_id_is_named_when_its_verdict_is_worded() {
    let snapshot = Snapshot::compile(&load(EVENTS));
    let state = ConsentState::default();
    for (query, name) in [
        (
            Query { category: "contact_detail", ..sponsor_sale() },
            "category with the id \"contact_detail\"",
        ),
        (Query { purpose: Some("sponsor"), ..sponsor_sale() }, "purpose with the id \"sponsor\""),
        (
            Query { recipient: Some("sponsorz"), ..sponsor_sale() },
            "recipient with the id \"sponsorz\"",
        ),
    ] {
        let verdict = snapshot.verdict(&query, &state);
        assert_eq!(verdict.rule, Rule::UnknownId);
        let explanation = snapshot.explain(&query, &verdict);
        assert!(explanation.contains(name), "{explanation}");
    }
}

#[test]
fn a_verdict_worded_by_another_snapshot_gives_words_never_a_panic() {
    let events = Snapshot::compile(&load(EVENTS));
    let saas = Snapshot::compile(&load(SAAS));
    let state =
        ConsentState::fold(&[record(0, Choice::OptOutOfSale, Source::Form)], AgeBand::Adult);
    for query in [sponsor_sale(), analytics()] {
        let verdict = events.verdict(&query, &state);
        assert!(!saas.explain(&query, &verdict).is_empty());
        let verdict = saas.verdict(&query, &state);
        assert!(!events.explain(&query, &verdict).is_empty());
    }
}

#[test]
fn dates_are_utc_calendar_days() {
    assert_eq!(date(0), "1970-01-01");
    assert_eq!(date(951_782_400_000), "2000-02-29");
    assert_eq!(date(T0), "2026-05-28");
    assert_eq!(date(4_102_444_799_999), "2099-12-31");
    assert_eq!(date(253_402_300_799_000), "9999-12-31");
}

#[test]
fn every_rule_has_an_id_and_a_citation() {
    let mut ids: Vec<&str> = Rule::ALL.iter().map(|rule| rule.id()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), Rule::ALL.len());
    assert_eq!(Rule::ALL.iter().filter(|rule| rule.allows()).count(), 3);
}

// ---------------------------------------------------------------------------------
// Properties.
// ---------------------------------------------------------------------------------

/// Ids a query may name: the program's, and some it does not declare.
fn ids(program: &Program) -> (Vec<String>, Vec<String>, Vec<String>) {
    let with_unknown = |mut ids: Vec<String>| {
        ids.push("not_declared".to_owned());
        ids
    };
    (
        with_unknown(program.categories.iter().map(|c| c.id.clone()).collect()),
        with_unknown(program.purposes.iter().map(|p| p.id.clone()).collect()),
        with_unknown(program.recipients.iter().map(|r| r.id.clone()).collect()),
    )
}

#[derive(Clone, Debug)]
struct Case {
    program: usize,
    category: usize,
    purpose: Option<usize>,
    recipient: Option<usize>,
    law: usize,
    age: AgeBand,
    records: Vec<ChoiceRecord>,
    extra: ChoiceRecord,
    /// Ask about a flow some disclosure declares (most random triples are undeclared,
    /// and would never reach the sale and opt-in rules).
    declared: Option<usize>,
}

fn source() -> impl Strategy<Value = Source> {
    prop_oneof![
        Just(Source::Form),
        Just(Source::Gpc),
        Just(Source::EmailLink),
        Just(Source::Staff),
        Just(Source::Api)
    ]
}

fn at() -> impl Strategy<Value = u64> {
    // Few distinct instants, so ties happen, spread across the twelve-month wait.
    prop_oneof![Just(0u64), Just(1), Just(200), Just(365), Just(366), Just(800)]
        .prop_map(|days| T0 + days * DAY)
}

fn purpose_id() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("analytics"),
        Just("newsletter"),
        Just("personalize"),
        Just("marketing"),
        Just("sponsor_offers"),
        Just("interest_ads")
    ]
    .prop_map(str::to_owned)
}

fn choice() -> impl Strategy<Value = Choice> {
    prop_oneof![
        Just(Choice::OptOutOfSale),
        Just(Choice::OptOutOfSharing),
        Just(Choice::OptOutOfTargetedAds),
        Just(Choice::LimitSensitive),
        (purpose_id(), any::<bool>())
            .prop_map(|(purpose, by_parent)| Choice::Consent { purpose, by_parent }),
        purpose_id().prop_map(|purpose| Choice::Withdraw { purpose }),
        any::<bool>().prop_map(|prompted| Choice::OptInRequest { prompted }),
        Just(Choice::OptInRequest { prompted: true }),
        Just(Choice::OptInConfirm),
        Just(Choice::OptInConfirm),
        Just(Choice::ParentOptIn),
        Just(Choice::DeclineOptIn),
    ]
}

fn restriction() -> impl Strategy<Value = Choice> {
    prop_oneof![
        Just(Choice::OptOutOfSale),
        Just(Choice::OptOutOfSharing),
        Just(Choice::OptOutOfTargetedAds),
        Just(Choice::LimitSensitive),
        Just(Choice::DeclineOptIn),
        purpose_id().prop_map(|purpose| Choice::Withdraw { purpose }),
    ]
}

fn case(count: usize) -> impl Strategy<Value = Case> {
    let record = (at(), choice(), source()).prop_map(|(at_ms, choice, source)| ChoiceRecord {
        at_ms,
        choice,
        source,
    });
    let extra = (at(), restriction(), source()).prop_map(|(at_ms, choice, source)| ChoiceRecord {
        at_ms,
        choice,
        source,
    });
    let age = prop_oneof![
        Just(AgeBand::Under13),
        Just(AgeBand::From13To15),
        Just(AgeBand::Adult),
        Just(AgeBand::Unknown)
    ];
    (
        0..count,
        any::<prop::sample::Index>(),
        prop::option::weighted(0.8, any::<prop::sample::Index>()),
        prop::option::weighted(0.6, any::<prop::sample::Index>()),
        0..Law::all().len(),
        age,
        prop::collection::vec(record, 0..8),
        extra,
        prop::option::weighted(0.6, any::<prop::sample::Index>()),
    )
        .prop_map(
            |(program, category, purpose, recipient, law, age, records, extra, declared)| Case {
                program,
                category: category.index(1 << 16),
                purpose: purpose.map(|i| i.index(1 << 16)),
                recipient: recipient.map(|i| i.index(1 << 16)),
                law,
                age,
                records,
                extra,
                declared: declared.map(|i| i.index(1 << 16)),
            },
        )
}

struct World {
    programs: Vec<Program>,
    snapshots: Vec<Snapshot>,
    ids: Vec<(Vec<String>, Vec<String>, Vec<String>)>,
}

fn world() -> &'static World {
    static WORLD: std::sync::OnceLock<World> = std::sync::OnceLock::new();
    WORLD.get_or_init(|| {
        let programs = programs();
        World {
            snapshots: programs.iter().map(Snapshot::compile).collect(),
            ids: programs.iter().map(ids).collect(),
            programs,
        }
    })
}

fn query<'a>(world: &'a World, case: &Case) -> Query<'a> {
    let (categories, purposes, recipients) = &world.ids[case.program];
    let program = &world.programs[case.program];
    if let Some(pick) = case.declared
        && !program.disclosures.is_empty()
    {
        let d = &program.disclosures[pick % program.disclosures.len()];
        let purpose = case.purpose.map(|i| d.purposes[i % d.purposes.len()]);
        return Query {
            category: &program.categories[d.categories[case.category % d.categories.len()]].id,
            purpose: purpose.map(|p| program.purposes[p].id.as_str()),
            recipient: Some(&program.recipients[d.recipients[pick / 7 % d.recipients.len()]].id),
            law: Law::all()[case.law],
        };
    }
    Query {
        category: &categories[case.category % categories.len()],
        purpose: case.purpose.map(|i| purposes[i % purposes.len()].as_str()),
        recipient: case.recipient.map(|i| recipients[i % recipients.len()].as_str()),
        law: Law::all()[case.law],
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 4000, ..ProptestConfig::default() })]

    #[test]
    fn decide_agrees_with_the_reference_interpreter(case in case(8)) {
        let world = world();
        let q = query(world, &case);
        let program = &world.programs[case.program];
        let expected = reference(program, &q, &case.records, case.age);
        let decision = world.snapshots[case.program].decide(&q, &ConsentState::fold(&case.records, case.age));
        prop_assert_eq!(decision.rule, expected, "{:?}", decision);
        prop_assert_eq!(decision.allowed, expected.allows());
        prop_assert!(decision.explanation.contains(decision.rule.citation()), "{:?}", decision);
    }

    #[test]
    fn a_verdict_is_the_decision_without_its_words(case in case(8)) {
        let world = world();
        let q = query(world, &case);
        let snapshot = &world.snapshots[case.program];
        let state = ConsentState::fold(&case.records, case.age);
        let verdict = snapshot.verdict(&q, &state);
        let decision = snapshot.decide(&q, &state);
        prop_assert_eq!(verdict.rule, decision.rule);
        prop_assert_eq!(verdict.allowed, decision.allowed);
        prop_assert_eq!(snapshot.explain(&q, &verdict), decision.explanation);
    }

    #[test]
    fn the_same_input_gives_the_same_decision(case in case(8)) {
        let world = world();
        let q = query(world, &case);
        let program = &world.programs[case.program];
        let state = ConsentState::fold(&case.records, case.age);
        let first = world.snapshots[case.program].decide(&q, &state);
        let again = Snapshot::compile(program).decide(&q, &ConsentState::fold(&case.records, case.age));
        prop_assert_eq!(&first, &again);
        prop_assert_eq!(first.rule, decide(program, &q, &case.records, case.age));
    }

    #[test]
    fn adding_an_opt_out_never_turns_a_denial_into_an_allow(case in case(8)) {
        let world = world();
        let q = query(world, &case);
        let snapshot = &world.snapshots[case.program];
        let before = snapshot.decide(&q, &ConsentState::fold(&case.records, case.age));
        let mut more = case.records.clone();
        let at = case.category % (case.records.len() + 1);
        more.insert(at, case.extra.clone());
        let after = snapshot.decide(&q, &ConsentState::fold(&more, case.age));
        prop_assert!(before.allowed || !after.allowed, "{:?} then {:?} with {:?}", before, after, case.extra);
    }
}
