//! `cargo bench -p ombud-policy --bench decide`: how long one `Snapshot::decide` takes
//! (issue 5 item 9 asks p50 ≤ 200 ns in process; the engine's own target is well under
//! a microsecond), on the events program: the sponsor sale after an opt-out (a denial
//! with a dated explanation), the same sale before it (an allow), a GDPR consent
//! check on the SaaS program, and an unknown id.
#![allow(clippy::unwrap_used)] // A bench may stop on a broken fixture.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use ombud_core::Law;
use ombud_policy::decide::{AgeBand, Choice, ChoiceRecord, ConsentState, Query, Snapshot, Source};
use ombud_program::CheckOptions;

fn snapshot(yaml: &str) -> Snapshot {
    let (program, _) = ombud_program::load(yaml.as_bytes(), &CheckOptions::default()).unwrap();
    Snapshot::compile(&program)
}

fn bench(c: &mut Criterion) {
    let events = snapshot(include_str!("../../../examples/events.yaml"));
    let saas = snapshot(include_str!("../../../examples/saas.yaml"));
    let opted_out = ConsentState::fold(
        &[ChoiceRecord {
            at_ms: 1_780_000_000_000,
            choice: Choice::OptOutOfSale,
            source: Source::Gpc,
        }],
        AgeBand::Unknown,
    );
    let nothing = ConsentState::default();
    let consented = ConsentState::fold(
        &[ChoiceRecord {
            at_ms: 1_780_000_000_000,
            choice: Choice::Consent { purpose: "analytics".to_owned(), by_parent: false },
            source: Source::Form,
        }],
        AgeBand::Adult,
    );
    let sale = Query {
        purpose: Some("sponsor_offers"),
        recipient: Some("sponsors"),
        category: "contact_details",
        law: Law::Ccpa,
    };
    let analytics = Query {
        purpose: Some("analytics"),
        recipient: Some("analytics_providers"),
        category: "usage_data",
        law: Law::Gdpr,
    };
    let unknown = Query {
        purpose: None,
        recipient: Some("nobody"),
        category: "contact_details",
        law: Law::Ccpa,
    };

    c.bench_function("decide/sale_denied_after_opt_out", |b| {
        b.iter(|| events.decide(black_box(&sale), black_box(&opted_out)))
    });
    c.bench_function("decide/sale_allowed", |b| {
        b.iter(|| events.decide(black_box(&sale), black_box(&nothing)))
    });
    c.bench_function("decide/gdpr_consent_allowed", |b| {
        b.iter(|| saas.decide(black_box(&analytics), black_box(&consented)))
    });
    c.bench_function("decide/unknown_id", |b| {
        b.iter(|| events.decide(black_box(&unknown), black_box(&nothing)))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
