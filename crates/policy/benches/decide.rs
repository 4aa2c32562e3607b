//! `cargo bench -p ombud-policy --bench decide`: how long one `Snapshot::decide` and
//! one `Snapshot::verdict` take (issue 5 item 9 asks p50 ≤ 200 ns in process), on the
//! events program: the sponsor sale after an opt-out (a denial with a dated
//! explanation), the same sale before it (an allow), a GDPR consent check on the SaaS
//! program, and an unknown id.
//!
//! `cargo bench -p ombud-policy --bench decide -- board`: a `Board` of 1,000,000
//! subjects (keys from splitmix64, three in four opted out of sale by GPC, one in four
//! with a consent record): one verdict for a random subject, a batch of 1,000, building
//! the board, and one copy-on-write change. The subjects are drawn from 65,536 random
//! keys, so that lookups reach memory as they would in production rather than a cache
//! warmed by the same few subjects. The board's memory is printed once (estimate from
//! sizes, and the process's resident set before and after, from /proc on Linux).
#![allow(clippy::unwrap_used)] // A bench may stop on a broken fixture.
#![allow(clippy::print_stderr)] // The memory report is for the person running it.

use std::hint::black_box;
use std::sync::{Arc, LazyLock};

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use ombud_core::Law;
use ombud_policy::decide::{
    AgeBand, Board, Choice, ChoiceRecord, ConsentState, Query, Snapshot, Source, SubjectKey,
};
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

    c.bench_function("verdict/sale_denied_after_opt_out", |b| {
        b.iter(|| events.verdict(black_box(&sale), black_box(&opted_out)))
    });
    c.bench_function("verdict/sale_allowed", |b| {
        b.iter(|| events.verdict(black_box(&sale), black_box(&nothing)))
    });
    c.bench_function("verdict/gdpr_consent_allowed", |b| {
        b.iter(|| saas.verdict(black_box(&analytics), black_box(&consented)))
    });
    c.bench_function("verdict/unknown_id", |b| {
        b.iter(|| events.verdict(black_box(&unknown), black_box(&nothing)))
    });
}

/// Subjects on the board.
const SUBJECTS: u64 = 1_000_000;
/// Distinct random subjects the lookups rotate through (a power of two).
const PROBES: usize = 1 << 16;
/// Queries per batch.
const BATCH: usize = 1_000;

/// splitmix64 (Steele, Lea, Flood 2014): a deterministic stream, no rand crate.
fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Subject `i`'s key: uniform 32 bytes, like the store's HMAC-SHA256.
fn key(i: u64) -> SubjectKey {
    let mut state = i.wrapping_mul(0xD1B5_4A32_D192_ED03);
    let mut key = [0u8; 32];
    for chunk in key.chunks_exact_mut(8) {
        chunk.copy_from_slice(&splitmix64(&mut state).to_le_bytes());
    }
    key
}

/// Subject `i`'s state: an opt-out of sale by GPC, or (one in four) consent to a
/// purpose, which needs the state's box of rare parts.
fn state(i: u64) -> ConsentState {
    let at_ms = 1_780_000_000_000 + i;
    let record = if i.is_multiple_of(4) {
        ChoiceRecord {
            at_ms,
            choice: Choice::Consent { purpose: "newsletter".to_owned(), by_parent: false },
            source: Source::Form,
        }
    } else {
        ChoiceRecord { at_ms, choice: Choice::OptOutOfSale, source: Source::Gpc }
    };
    ConsentState::fold(&[record], AgeBand::Unknown)
}

struct Fixture {
    board: Board,
    /// Random subjects of the board.
    probes: Vec<SubjectKey>,
}

/// The resident set of this process in bytes, where /proc says it.
fn resident_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}

/// A report of a board's memory: the estimate from sizes and what the process's
/// resident set grew by while it was built (the scratch space of the build is freed
/// by then).
fn report(what: &str, board: &Board, before: Option<u64>) {
    let grown = resident_bytes().zip(before).map(|(after, before)| after.saturating_sub(before));
    let per_subject = |bytes: u64| bytes / board.len() as u64;
    eprintln!(
        "{what}: {} subjects, heap estimate {} bytes ({} per subject), resident set grew by {}",
        board.len(),
        board.heap_bytes(),
        per_subject(board.heap_bytes() as u64),
        grown.map_or("(unknown)".to_owned(), |grown| format!(
            "{grown} bytes ({} per subject)",
            per_subject(grown)
        )),
    );
}

static FIXTURE: LazyLock<Fixture> = LazyLock::new(|| {
    let snapshot = Arc::new(snapshot(include_str!("../../../examples/events.yaml")));
    let before = resident_bytes();
    let opted_out =
        Board::build(Arc::clone(&snapshot), (0..SUBJECTS).map(|i| (key(i), state(i * 4 + 1))));
    report("every subject opted out of sale", &opted_out, before);
    let before = resident_bytes();
    let board = Board::build(snapshot, (0..SUBJECTS).map(|i| (key(i), state(i))));
    report("the bench board (one in four with a consent record)", &board, before);
    drop(opted_out);
    let mut seed = 42;
    let probes = (0..PROBES).map(|_| key(splitmix64(&mut seed) % SUBJECTS)).collect();
    Fixture { board, probes }
});

fn sponsor_sale() -> Query<'static> {
    Query {
        purpose: Some("sponsor_offers"),
        recipient: Some("sponsors"),
        category: "contact_details",
        law: Law::Ccpa,
    }
}

fn board(c: &mut Criterion) {
    let mut group = c.benchmark_group("board");
    group.bench_function("decide_1m_verdict", |b| {
        let fixture = &*FIXTURE;
        let query = sponsor_sale();
        let mut at = 0;
        b.iter(|| {
            at = (at + 1) % PROBES;
            fixture.board.verdict(fixture.probes.get(at), black_box(&query))
        })
    });

    group.throughput(Throughput::Elements(BATCH as u64));
    group.bench_function("batch_1m", |b| {
        let fixture = &*FIXTURE;
        let batches: Vec<Vec<(Option<SubjectKey>, Query<'_>)>> = fixture
            .probes
            .chunks_exact(BATCH)
            .map(|keys| keys.iter().map(|key| (Some(*key), sponsor_sale())).collect())
            .collect();
        let mut out = Vec::with_capacity(BATCH);
        let mut at = 0;
        b.iter(|| {
            at = (at + 1) % batches.len();
            fixture.board.verdicts(black_box(&batches[at]), &mut out);
            black_box(out.len())
        })
    });

    group.throughput(Throughput::Elements(1));
    group.bench_function("with_states_one_change_1m", |b| {
        let fixture = &*FIXTURE;
        let mut at = 0;
        let change = state(1);
        b.iter(|| {
            at = (at + 1) % PROBES;
            // The new board is dropped inside the loop: the cost of a change is making
            // it and, later, freeing what it replaced.
            fixture.board.with_states([(fixture.probes[at], change.clone())])
        })
    });

    group.throughput(Throughput::Elements(SUBJECTS));
    group.sample_size(10);
    group.bench_function("build_1m", |b| {
        let fixture = &*FIXTURE;
        let pairs: Vec<(SubjectKey, ConsentState)> =
            (0..SUBJECTS).map(|i| (key(i), state(i))).collect();
        let snapshot = Arc::new(fixture.board.snapshot().clone());
        b.iter_batched(
            || pairs.clone(),
            |pairs| Board::build(Arc::clone(&snapshot), pairs),
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

criterion_group!(benches, bench, board);
criterion_main!(benches);
