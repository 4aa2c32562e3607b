//! `ombud bench fulfil`: the fulfilment benchmark of issue 4 on the reference shop.
//!
//! Each request goes the whole way a real one does in ombud — submitted, verified
//! (staff attestation), fulfilled (an access package built, encrypted and stored; or an
//! erasure committed with its receipt and tombstone), completed — and its latency is
//! measured from submission to completion. Requests run `--concurrency` at a time;
//! erasures take distinct customers. The figures go into docs/BENCHMARKS.md with the
//! machine and the command.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use clap::{Args, Subcommand, ValueEnum};
use ombud_app::mail::{MailTransport, Templates};
use ombud_app::requests::NewRequest;
use ombud_app::{Actor, App, AppParts, NoLookup, Settings, SystemClock, SystemIds};
use ombud_core::verification::Level;
use ombud_core::{ChannelKind, Law, RequestType, VerificationMethod};
use ombud_store::requests::Subject;
use ombud_store::{MasterKey, Store, StoreUrl};

use super::EXIT_OK;
use crate::config::{connect_systems, load_program};
use crate::output::{err_line, out_line};

#[derive(Debug, Args)]
pub(crate) struct BenchArgs {
    #[command(subcommand)]
    command: BenchCommand,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Kinds {
    /// Access requests only.
    Access,
    /// Erasures only.
    Delete,
    /// Access, then erasures.
    Both,
}

#[derive(Debug, Subcommand)]
enum BenchCommand {
    /// Fulfil N requests against the reference shop and report latency and throughput.
    Fulfil {
        /// The program (examples/shop.yaml).
        #[arg(long, value_name = "PROGRAM")]
        program: PathBuf,
        /// The shop database, as SYSTEM=URL (made by `ombud demo-data`).
        #[arg(long = "connect", value_name = "SYSTEM=URL")]
        connect: Vec<String>,
        /// How many customers the shop database holds (`ombud demo-data --customers`).
        #[arg(long)]
        customers: u64,
        /// Requests of each kind.
        #[arg(long, default_value_t = 200)]
        requests: u64,
        /// Requests in flight at once.
        #[arg(long, default_value_t = 1)]
        concurrency: usize,
        /// Which requests.
        #[arg(long, value_enum, default_value_t = Kinds::Both)]
        kind: Kinds,
        /// ombud's own store (default: a new SQLite store in a temporary directory).
        #[arg(long, value_name = "URL")]
        store: Option<String>,
        /// Skip this many customers from the top before picking the ones to erase, so
        /// runs on one database erase different customers.
        #[arg(long, default_value_t = 0)]
        offset: u64,
    },
    /// Measure the decision engine: snapshot build, single and batch decisions over N
    /// subjects, and (with --store) how soon a recorded choice is obeyed by another
    /// instance's decisions.
    Decide(super::bench_decide::DecideBenchArgs),
    /// Add N synthetic people to the consent ledger of the configured store, for the web
    /// benchmark's snapshot of a million subjects (scripts/bench-web.sh).
    SeedLedger(super::bench_seed::SeedArgs),
}

pub(crate) async fn bench(args: BenchArgs) -> anyhow::Result<ExitCode> {
    let (program, connect, customers, requests, concurrency, kind, store, offset) =
        match args.command {
            BenchCommand::Decide(args) => return super::bench_decide::run(args).await,
            BenchCommand::SeedLedger(args) => return super::bench_seed::run(args).await,
            BenchCommand::Fulfil {
                program,
                connect,
                customers,
                requests,
                concurrency,
                kind,
                store,
                offset,
            } => (program, connect, customers, requests, concurrency, kind, store, offset),
        };
    if customers == 0 || requests == 0 || concurrency == 0 {
        bail!("--customers, --requests and --concurrency must be at least 1");
    }
    if matches!(kind, Kinds::Delete | Kinds::Both) && (requests + offset) * 2 > customers {
        bail!(
            "erasures take distinct customers from the upper half: --requests {requests} --offset {offset} needs --customers of at least {}",
            (requests + offset) * 2
        );
    }
    let calendars = program.parent().map(|p| p.join("calendars"));
    let program = load_program(&program)?;
    let settings = Settings::from_program(&program, calendars.as_deref(), None)?;
    let dir = tempfile::tempdir().context("cannot create a temporary directory")?;
    let url = match &store {
        Some(url) => StoreUrl::parse(url)?,
        None => StoreUrl::Sqlite { path: dir.path().join("bench.db") },
    };
    let master = MasterKey::generate()?;
    let now_ms = crate::clock::now_ms();
    Store::migrate(&url, &master, now_ms).await?;
    let store = Store::open(&url, &master).await?;
    let fulfilment = connect_systems(Arc::new(program), &connect).await?;
    if let Some((system, why)) = fulfilment.unavailable.iter().next() {
        bail!("system `{system}` is not connected: {why}");
    }
    let transport =
        MailTransport::from_url(&format!("outbox:{}", dir.path().join("outbox").display()))?;
    let app = App::new(AppParts {
        store,
        settings,
        clock: Arc::new(SystemClock),
        ids: Arc::new(SystemIds),
        lookup: Arc::new(NoLookup),
        templates: Templates::builtin(),
        transport,
    })
    .with_fulfilment(fulfilment);

    out_line(&format!(
        "bench fulfil: {customers} customers, {requests} requests per kind, concurrency {concurrency}, store {}",
        url.backend()
    ))?;
    // A few requests first, so connections and caches are warm.
    let warm: Vec<u64> = (0..10).map(|n| pick(n, customers, 7)).collect();
    run(&app, RequestType::Access, &warm, concurrency).await?;
    if matches!(kind, Kinds::Access | Kinds::Both) {
        let picks: Vec<u64> = (0..requests).map(|n| pick(n, customers, 11)).collect();
        report("access", &run(&app, RequestType::Access, &picks, concurrency).await?)?;
    }
    if matches!(kind, Kinds::Delete | Kinds::Both) {
        // Distinct customers, from the upper half (the access requests read the lower).
        let picks: Vec<u64> = (0..requests).map(|n| customers - offset - n).collect();
        report("erasure", &run(&app, RequestType::Delete, &picks, concurrency).await?)?;
    }
    out_line(&format!(
        "peak resident memory: {}",
        peak_rss().unwrap_or_else(|| "unknown".to_owned())
    ))?;
    app.store().close().await;
    Ok(ExitCode::from(EXIT_OK))
}

/// A customer number in 1..=customers from a simple multiplicative hash: spread over
/// the table, the same on every run.
fn pick(n: u64, customers: u64, salt: u64) -> u64 {
    (n.wrapping_add(salt).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 11) % customers + 1
}

struct Run {
    /// Submission and verification of each request (the intake, issue 3's work).
    intake: Vec<Duration>,
    intake_wall: Duration,
    /// Fulfilment of each verified request, up to its completion.
    fulfil: Vec<Duration>,
    fulfil_wall: Duration,
}

async fn intake(
    app: &App,
    kind: RequestType,
    customer: u64,
) -> anyhow::Result<(ombud_core::id::Id, Duration)> {
    let started = Instant::now();
    let submitted = app
        .submit(
            NewRequest {
                request_type: kind,
                law: Law::Ccpa,
                channel: ChannelKind::WebForm,
                received_at: None,
                subject: Subject {
                    email: Some(ombud_workload::customer_email(customer)),
                    ..Subject::default()
                },
                agent: None,
                appeal_of: None,
            },
            &Actor::Cli,
        )
        .await?;
    app.attest_verification(
        submitted.id,
        Level::ReasonablyHigh,
        VerificationMethod::DataPoints,
        &Actor::Cli,
    )
    .await?;
    Ok((submitted.id, started.elapsed()))
}

async fn fulfil(app: &App, kind: RequestType, id: ombud_core::id::Id) -> anyhow::Result<Duration> {
    let started = Instant::now();
    match kind {
        RequestType::Delete => {
            app.erase(id, &Actor::Cli).await?;
        }
        _ => {
            app.build_package(id, &Actor::Cli).await?;
        }
    }
    Ok(started.elapsed())
}

/// Runs `work` over `items`, `concurrency` at a time; returns each duration and the wall time.
async fn concurrently<T, R, F, Fut>(
    items: Vec<T>,
    concurrency: usize,
    work: F,
) -> anyhow::Result<(Vec<R>, Duration)>
where
    T: Send + 'static,
    R: Send + 'static,
    F: Fn(T) -> Fut,
    Fut: Future<Output = anyhow::Result<R>> + Send + 'static,
{
    let started = Instant::now();
    let semaphore = Arc::new(tokio::sync::Semaphore::new(concurrency));
    let mut tasks = tokio::task::JoinSet::new();
    for item in items {
        let permit =
            semaphore.clone().acquire_owned().await.context("the benchmark's semaphore closed")?;
        let future = work(item);
        tasks.spawn(async move {
            let result = future.await;
            drop(permit);
            result
        });
    }
    let mut out = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        out.push(joined.context("a benchmark task panicked")??);
    }
    Ok((out, started.elapsed()))
}

async fn run(
    app: &App,
    kind: RequestType,
    customers: &[u64],
    concurrency: usize,
) -> anyhow::Result<Run> {
    let (verified, intake_wall) = {
        let app = app.clone();
        concurrently(customers.to_vec(), concurrency, move |customer| {
            let app = app.clone();
            async move { intake(&app, kind, customer).await }
        })
        .await?
    };
    let ids: Vec<ombud_core::id::Id> = verified.iter().map(|(id, _)| *id).collect();
    let intake_times: Vec<Duration> = verified.iter().map(|(_, d)| *d).collect();
    let (fulfil_times, fulfil_wall) = {
        let app = app.clone();
        concurrently(ids, concurrency, move |id| {
            let app = app.clone();
            async move { fulfil(&app, kind, id).await }
        })
        .await?
    };
    Ok(Run { intake: intake_times, intake_wall, fulfil: fulfil_times, fulfil_wall })
}

/// The nearest-rank percentile, `per_mille` thousandths (500 = median).
pub(crate) fn percentile(sorted: &[Duration], per_mille: usize) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let at = (sorted.len() - 1) * per_mille.min(1000) / 1000;
    sorted[at]
}

fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1000.0)
}

fn line(label: &str, mut times: Vec<Duration>, wall: Duration) -> String {
    times.sort();
    let throughput = times.len() as f64 / wall.as_secs_f64().max(f64::EPSILON);
    format!(
        "{label}: {} in {:.2} s = {throughput:.0}/s; p50 {} ms, p95 {} ms, p99 {} ms, max {} ms",
        times.len(),
        wall.as_secs_f64(),
        ms(percentile(&times, 500)),
        ms(percentile(&times, 950)),
        ms(percentile(&times, 990)),
        ms(percentile(&times, 1000)),
    )
}

fn report(label: &str, run: &Run) -> anyhow::Result<()> {
    out_line(&line(
        &format!(
            "{label} fulfilment (verified request to completed, package or erasure with receipt)"
        ),
        run.fulfil.clone(),
        run.fulfil_wall,
    ))?;
    out_line(&line(
        &format!("{label} intake (submission and verification)"),
        run.intake.clone(),
        run.intake_wall,
    ))?;
    if run.fulfil.is_empty() {
        err_line("warning: no request completed");
    }
    Ok(())
}

/// The process's peak resident set, from /proc on Linux.
pub(crate) fn peak_rss() -> Option<String> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    Some(line.trim_start_matches("VmHWM:").trim().to_owned())
}
