//! `cargo bench -p ombud-app --bench requests`: how fast the request workflow runs
//! through the app layer on a real store.
//!
//! - submissions per second (`App::submit`: deadlines, the encrypted subject, the audit
//!   event and the queued acknowledgement, committed durably), one at a time and from
//!   concurrent tasks, on SQLite and — when `OMBUD_TEST_POSTGRES_URL` is set — PostgreSQL;
//! - the audit chain: appending events, and `Store::verify_audit` over 1,000,000 of them
//!   (the target is under 2 seconds on this 2-core machine).
//!
//! Sizes can be lowered for a quick run: `OMBUD_BENCH_SUBMISSIONS`, `OMBUD_BENCH_EVENTS`.
//! A plain harness like the other benches (docs/BENCHMARKS.md).
#![allow(clippy::print_stdout, clippy::unwrap_used)] // A bench reports on stdout and stops on a broken set-up.

use std::sync::Arc;
use std::time::{Duration, Instant};

use jiff::Timestamp;
use ombud_app::mail::{MailTransport, Templates};
use ombud_app::requests::NewRequest;
use ombud_app::{Actor, App, AppParts, ManualClock, NoLookup, Settings, SystemIds};
use ombud_core::{ChannelKind, Law, RequestType};
use ombud_store::audit::AuditDraft;
use ombud_store::requests::Subject;
use ombud_testkit::TestStore;

#[allow(clippy::disallowed_methods)] // Bench sizes come from the environment.
fn size(var: &str, default: usize) -> usize {
    std::env::var(var).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn app(t: &TestStore, outbox: &std::path::Path) -> App {
    App::new(AppParts {
        store: t.store.clone(),
        settings: Settings::example(),
        clock: Arc::new(ManualClock::new("2026-11-25T17:00:00Z".parse::<Timestamp>().unwrap())),
        ids: Arc::new(SystemIds),
        lookup: Arc::new(NoLookup),
        templates: Templates::builtin(),
        transport: MailTransport::from_url(&format!("outbox:{}", outbox.display())).unwrap(),
    })
}

fn request(n: usize) -> NewRequest {
    let request_type =
        [RequestType::Delete, RequestType::Access, RequestType::OptOutSaleShare, RequestType::Know]
            [n % 4];
    NewRequest {
        request_type,
        law: Law::Ccpa,
        channel: ChannelKind::WebForm,
        received_at: None,
        subject: Subject {
            name: Some(format!("Person {n} Example")),
            email: Some(format!("person{n}@example.com")),
            details: Some(
                "Please tell me what you hold about me and delete what you can.".to_owned(),
            ),
            ..Subject::default()
        },
        agent: None,
        appeal_of: None,
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss, clippy::cast_precision_loss)]
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index]
}

async fn submissions(label: &str, t: &TestStore, total: usize, tasks: usize) {
    let outbox = tempfile::tempdir().unwrap();
    let app = app(t, outbox.path());
    let start = Instant::now();
    let mut handles = Vec::new();
    for task in 0..tasks {
        let app = app.clone();
        handles.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            for n in (task..total).step_by(tasks) {
                let one = Instant::now();
                app.submit(request(n), &Actor::Cli).await.unwrap();
                latencies.push(one.elapsed());
            }
            latencies
        }));
    }
    let mut latencies = Vec::new();
    for handle in handles {
        latencies.extend(handle.await.unwrap());
    }
    let elapsed = start.elapsed();
    latencies.sort_unstable();
    #[allow(clippy::cast_precision_loss)]
    let rate = total as f64 / elapsed.as_secs_f64();
    println!(
        "{label:<44} {total:>6} in {:>6.2} s = {rate:>7.0}/s   latency p50 {:>6.2} ms  p99 {:>6.2} ms",
        elapsed.as_secs_f64(),
        percentile(&latencies, 0.5).as_secs_f64() * 1e3,
        percentile(&latencies, 0.99).as_secs_f64() * 1e3,
    );
}

async fn audit_chain(label: &str, t: &TestStore, events: usize) {
    let payload = r#"{"type":"delete","law":"ccpa","channel":"web_form","received_on":"2026-11-25","respond_by":"2027-01-09","status":"received"}"#;
    let start = Instant::now();
    // Small transactions: appending to one chain rewrites the one-row head, and on
    // PostgreSQL a transaction that updates a row thousands of times walks an ever
    // longer chain of its versions.
    let batch = 500;
    let mut written = 0;
    while written < events {
        let mut tx = t.store.begin().await.unwrap();
        for n in written..(written + batch).min(events) {
            tx.append_audit(AuditDraft {
                at_ms: 1_795_626_000_000 + i64::try_from(n).unwrap(),
                actor: "cli",
                action: "request.submitted",
                request_id: Some(ombud_core::id::Id::from_parts(
                    1_795_626_000_000,
                    u128::try_from(n).unwrap(),
                )),
                payload,
            })
            .await
            .unwrap();
        }
        tx.commit().await.unwrap();
        written = (written + batch).min(events);
    }
    let appended = start.elapsed();
    #[allow(clippy::cast_precision_loss)]
    let append_rate = events as f64 / appended.as_secs_f64();
    println!(
        "{label:<44} append {events} events in {:.1} s = {append_rate:.0}/s",
        appended.as_secs_f64()
    );
    for round in 0..3 {
        let start = Instant::now();
        let report = t.store.verify_audit(None).await.unwrap();
        let elapsed = start.elapsed();
        assert!(report.is_intact());
        assert_eq!(report.events_checked, u64::try_from(events).unwrap());
        #[allow(clippy::cast_precision_loss)]
        let rate = events as f64 / elapsed.as_secs_f64();
        println!(
            "{label:<44} verify {events} events, round {round}: {:.2} s = {rate:.0} events/s",
            elapsed.as_secs_f64()
        );
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let total = size("OMBUD_BENCH_SUBMISSIONS", 2_000);
    let events = size("OMBUD_BENCH_EVENTS", 1_000_000);
    println!(
        "submissions through App::submit (commit includes the audit event and the queued acknowledgement)"
    );
    let sqlite = ombud_testkit::sqlite().await;
    submissions("sqlite, 1 task", &sqlite, total, 1).await;
    submissions("sqlite, 8 tasks", &sqlite, total, 8).await;
    if let Some(pg) = ombud_testkit::postgres("bench").await {
        submissions("postgres, 1 task", &pg, total, 1).await;
        submissions("postgres, 8 tasks", &pg, total, 8).await;
    }
    println!();
    println!("audit chain");
    let sqlite = ombud_testkit::sqlite().await;
    audit_chain("sqlite", &sqlite, events).await;
    if let Some(pg) = ombud_testkit::postgres("bench").await {
        // Appending one event at a time to PostgreSQL runs at about 2,000 a second here,
        // so its chain is smaller by default; OMBUD_BENCH_PG_EVENTS=1000000 for the full run.
        audit_chain("postgres", &pg, size("OMBUD_BENCH_PG_EVENTS", events.min(200_000))).await;
    }
}
