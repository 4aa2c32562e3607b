//! `ombud bench decide`: the decision engine's figures for docs/BENCHMARKS.md (issue 5
//! item 9) — building a snapshot of N subjects, one decision at a time and in batches
//! on one core, a copy-on-write change, memory per subject, and, with `--store`, how
//! soon a choice recorded through one instance is obeyed by another's decisions (the
//! PostgreSQL LISTEN/NOTIFY path; on SQLite, by the same process).
//!
//! Subjects are synthetic: keys from a fixed sequence (what HMAC outputs look like),
//! states folded from one record each — an opt-out of sale by GPC for a third, a
//! consent for a third, nothing but a subscription for the rest — so the run is the
//! same every time.

use std::hint::black_box;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use clap::Args;
use ombud_app::choices::{ChoiceSubject, Engine, LedgerChoice, NewChoice};
use ombud_app::mail::{MailTransport, Templates};
use ombud_app::{Actor, App, AppParts, NoLookup, Settings, SystemClock, SystemIds};
use ombud_core::Law;
use ombud_policy::decide::{
    AgeBand, Board, Choice, ChoiceRecord, ConsentState, Query, Snapshot, Source, SubjectKey,
};
use ombud_store::{MasterKey, Store, StoreUrl};

use super::EXIT_OK;
use super::bench::{peak_rss, percentile};
use crate::config::load_program;
use crate::output::out_line;

#[derive(Debug, Args)]
pub(crate) struct DecideBenchArgs {
    /// The program (examples/events.yaml: the sponsor sale).
    #[arg(long, value_name = "PROGRAM")]
    program: PathBuf,
    /// Subjects in the snapshot.
    #[arg(long, default_value_t = 1_000_000)]
    subjects: u32,
    /// Decisions per batch call.
    #[arg(long, default_value_t = 1_000)]
    batch: usize,
    /// An empty store to measure change visibility on (a PostgreSQL database made with
    /// `createdb`, or a SQLite file that does not exist yet).
    #[arg(long, value_name = "URL")]
    store: Option<String>,
    /// Changes to time through the store.
    #[arg(long, default_value_t = 100)]
    changes: u32,
}

/// The most subjects a run builds (memory: about 100 bytes each).
const SUBJECTS_MAX: u32 = 20_000_000;

fn splitmix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn key(n: u32) -> SubjectKey {
    let mut state = u64::from(n);
    let mut key = [0u8; 32];
    for chunk in key.chunks_mut(8) {
        chunk.copy_from_slice(&splitmix(&mut state).to_le_bytes());
    }
    key
}

fn state(n: u32) -> ConsentState {
    let at_ms = 1_780_000_000_000 + u64::from(n);
    let (choice, source) = match n % 3 {
        0 => (Choice::OptOutOfSale, Source::Gpc),
        1 => (Choice::Consent { purpose: "marketing".to_owned(), by_parent: false }, Source::Form),
        _ => (Choice::OptOutOfTargetedAds, Source::Form),
    };
    ConsentState::fold(&[ChoiceRecord { at_ms, choice, source }], AgeBand::Unknown)
}

fn resident_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.trim_start_matches("VmRSS:").trim().trim_end_matches("kB").trim().parse().ok()
}

fn per(d: Duration, n: usize) -> f64 {
    d.as_secs_f64() * 1e9 / n.max(1) as f64
}

pub(crate) async fn run(args: DecideBenchArgs) -> anyhow::Result<ExitCode> {
    if args.subjects == 0 || args.subjects > SUBJECTS_MAX || args.batch == 0 || args.batch > 100_000
    {
        bail!("--subjects is 1 to {SUBJECTS_MAX}, --batch 1 to 100000");
    }
    let calendars = args.program.parent().map(|p| p.join("calendars"));
    let program = Arc::new(load_program(&args.program)?);
    let snapshot = Arc::new(Snapshot::compile(&program));
    out_line(&format!(
        "bench decide: {} subjects, program {}",
        args.subjects,
        args.program.display()
    ))?;

    // Build: fold each subject's records, then the board.
    let rss_before = resident_kib();
    let started = Instant::now();
    let states: Vec<(SubjectKey, ConsentState)> =
        (0..args.subjects).map(|n| (key(n), state(n))).collect();
    let folded = started.elapsed();
    let started = Instant::now();
    let board = Board::build(snapshot.clone(), states);
    let built = started.elapsed();
    let rss_after = resident_kib();
    out_line(&format!(
        "snapshot build: fold {:.0} ms + board {:.0} ms = {:.0} ms for {} subjects",
        folded.as_secs_f64() * 1e3,
        built.as_secs_f64() * 1e3,
        (folded + built).as_secs_f64() * 1e3,
        board.len()
    ))?;
    if let (Some(before), Some(after)) = (rss_before, rss_after) {
        out_line(&format!(
            "memory: board {:.0} MiB by its own count, resident +{} MiB ({:.0} bytes per subject)",
            board.heap_bytes() as f64 / 1_048_576.0,
            after.saturating_sub(before) / 1024,
            after.saturating_sub(before) as f64 * 1024.0 / f64::from(args.subjects)
        ))?;
    }

    // The sponsor sale under the CCPA, for random subjects (cache misses included).
    let query = Query {
        purpose: Some("sponsor_offers"),
        recipient: Some("sponsors"),
        category: "contact_details",
        law: Law::Ccpa,
    };
    let mut rng = 42u64;
    let picks: Vec<SubjectKey> = (0..1_000_000)
        .map(|_| key(u32::try_from(splitmix(&mut rng) % u64::from(args.subjects)).unwrap_or(0)))
        .collect();

    // Single decisions: timed in blocks of 64 (a clock read costs about as much as a
    // decision), each block's mean is one sample.
    let mut samples = Vec::new();
    let mut denied = 0usize;
    for block in picks.chunks(64) {
        let started = Instant::now();
        for pick in block {
            if !black_box(board.verdict(Some(black_box(pick)), &query)).allowed {
                denied += 1;
            }
        }
        samples.push(started.elapsed() / u32::try_from(block.len()).unwrap_or(1));
    }
    samples.sort();
    out_line(&format!(
        "single decision (verdict, random subject of {}): p50 {:.0} ns, p99 {:.0} ns; {} of {} denied",
        args.subjects,
        samples.get(samples.len() / 2).map_or(0.0, |d| d.as_secs_f64() * 1e9),
        percentile(&samples, 990).as_secs_f64() * 1e9,
        denied,
        picks.len()
    ))?;
    // The same subject again and again (its entry in cache): the engine's own cost
    // without the memory read a random subject among millions pays.
    let mut warm = Vec::new();
    for _ in 0..2_000 {
        let started = Instant::now();
        for _ in 0..64 {
            black_box(board.verdict(Some(black_box(&picks[0])), &query));
        }
        warm.push(started.elapsed() / 64);
    }
    warm.sort();
    out_line(&format!(
        "single decision (verdict, the same subject, in cache): p50 {:.0} ns, p99 {:.0} ns",
        percentile(&warm, 500).as_secs_f64() * 1e9,
        percentile(&warm, 990).as_secs_f64() * 1e9
    ))?;
    // With the explanation (what `ombud decide` and the API print).
    let started = Instant::now();
    for pick in picks.iter().take(100_000) {
        black_box(board.decide(Some(pick), &query));
    }
    out_line(&format!(
        "single decision with its explanation: {:.0} ns mean",
        per(started.elapsed(), 100_000)
    ))?;

    // Batches on one core: 64 different batches of random subjects, cycled.
    let batches: Vec<Vec<(Option<SubjectKey>, Query<'_>)>> = picks
        .chunks(args.batch)
        .take(64)
        .map(|chunk| chunk.iter().map(|k| (Some(*k), query)).collect())
        .collect();
    let mut out = Vec::with_capacity(args.batch);
    let rounds = (10_000_000 / args.batch).max(1);
    let started = Instant::now();
    let mut decisions = 0usize;
    for at in 0..rounds {
        let batch = &batches[at % batches.len()];
        out.clear();
        board.verdicts(black_box(batch), &mut out);
        decisions += black_box(&out).len();
    }
    let elapsed = started.elapsed();
    out_line(&format!(
        "batch of {}: {:.1} M decisions/s on one thread ({:.0} ns each)",
        args.batch,
        decisions as f64 / elapsed.as_secs_f64().max(1e-9) / 1e6,
        per(elapsed, decisions)
    ))?;

    // One change, copy-on-write.
    let mut times = Vec::new();
    let mut current = board;
    for n in 0..1_000u32 {
        let started = Instant::now();
        current = current.with_states([(key(n.wrapping_mul(7_919) % args.subjects), state(n + 1))]);
        times.push(started.elapsed());
    }
    times.sort();
    out_line(&format!(
        "one change (copy-on-write): p50 {:.1} µs, p99 {:.1} µs",
        percentile(&times, 500).as_secs_f64() * 1e6,
        percentile(&times, 990).as_secs_f64() * 1e6
    ))?;
    drop(current);

    if let Some(url) = &args.store {
        visibility(&program, calendars.as_deref(), url, args.changes).await?;
    }
    out_line(&format!(
        "peak resident memory: {}",
        peak_rss().unwrap_or_else(|| "unknown".to_owned())
    ))?;
    Ok(ExitCode::from(EXIT_OK))
}

/// Records `changes` opt-outs through one app and times until a second engine on the
/// same store (following it, as another `ombud` process would) decides by them.
async fn visibility(
    program: &Arc<ombud_program::Program>,
    calendars: Option<&std::path::Path>,
    url: &str,
    changes: u32,
) -> anyhow::Result<()> {
    let url = StoreUrl::parse(url)?;
    let master = MasterKey::generate()?;
    Store::migrate(&url, &master, crate::clock::now_ms())
        .await
        .context("the --store must be empty (a new database): its keys are made for this run")?;
    let store = Store::open(&url, &master).await?;
    let dir = tempfile::tempdir().context("cannot create a temporary directory")?;
    let settings = Settings::from_program(program, calendars, None)?;
    let writer_engine = Arc::new(Engine::load(program.clone(), &store).await?);
    let app = App::new(AppParts {
        store: store.clone(),
        settings,
        clock: Arc::new(SystemClock),
        ids: Arc::new(SystemIds),
        lookup: Arc::new(NoLookup),
        templates: Templates::builtin(),
        transport: MailTransport::from_url(&format!("outbox:{}", dir.path().display()))?,
    })
    .with_choices(writer_engine);
    let other = Arc::new(Engine::load(program.clone(), &store).await?);
    let follows = store.consent_feed().await?.is_some();
    let follower = tokio::spawn(other.clone().follow(store.clone()));
    tokio::time::sleep(Duration::from_millis(300)).await;
    let query = Query {
        purpose: Some("sponsor_offers"),
        recipient: Some("sponsors"),
        category: "contact_details",
        law: program.jurisdictions.first().copied().unwrap_or(Law::Ccpa),
    };
    let mut own = Vec::new();
    let mut seen = Vec::new();
    let mut after = Vec::new();
    for n in 0..changes {
        let subject = ChoiceSubject::email(&format!("bench-{n}@example.com"))?;
        let key: SubjectKey = app
            .subject_key(&subject)
            .try_into()
            .map_err(|_| anyhow::anyhow!("a subject key is not 32 bytes"))?;
        let started = Instant::now();
        app.record_choice(
            NewChoice {
                subject,
                choice: LedgerChoice::Decision(Choice::OptOutOfSale),
                source: Source::Api,
                notice_version: None,
            },
            &Actor::System,
        )
        .await?;
        let recorded = started.elapsed();
        own.push(recorded);
        let engine = if follows { &other } else { app.choices()? };
        loop {
            if !engine.current().verdict(Some(&key), &query).allowed {
                break;
            }
            if started.elapsed() > Duration::from_secs(5) {
                bail!("a change was not visible after 5 s");
            }
            tokio::time::sleep(Duration::from_micros(200)).await;
        }
        seen.push(started.elapsed());
        after.push(started.elapsed().saturating_sub(recorded));
    }
    // The first change is reported apart: it pays the follower's first read after
    // start (about 95 ms here), which later changes do not.
    let first = if after.is_empty() { Duration::ZERO } else { after.remove(0) };
    after.sort();
    follower.abort();
    own.sort();
    seen.sort();
    out_line(&format!(
        "change visibility on {} ({}): recorded and obeyed by the writer p50 {:.1} ms, p99 {:.1} ms; obeyed by {} p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms (from the call, so an upper bound on the time after commit)",
        url.backend(),
        changes,
        percentile(&own, 500).as_secs_f64() * 1e3,
        percentile(&own, 990).as_secs_f64() * 1e3,
        if follows { "another engine following LISTEN/NOTIFY" } else { "the same process" },
        percentile(&seen, 500).as_secs_f64() * 1e3,
        percentile(&seen, 990).as_secs_f64() * 1e3,
        seen.last().map_or(0.0, |d| d.as_secs_f64() * 1e3)
    ))?;
    out_line(&format!(
        "  after the writer's commit and its own refresh returned: first change {:.1} ms, then p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms; the writer's slowest call {:.1} ms",
        first.as_secs_f64() * 1e3,
        percentile(&after, 500).as_secs_f64() * 1e3,
        percentile(&after, 990).as_secs_f64() * 1e3,
        after.last().map_or(0.0, |d| d.as_secs_f64() * 1e3),
        own.last().map_or(0.0, |d| d.as_secs_f64() * 1e3)
    ))?;
    store.close().await;
    Ok(())
}
