//! The runner's integration tests, on a fresh SQLite store and — when
//! `OMBUD_TEST_POSTGRES_URL` is set — on a fresh PostgreSQL database (`store_test!`):
//! jobs run once and finish, retries back off until the attempts run out, panics and
//! dead workers lose no job, a superseded runner stops, shutdown waits.

// Helpers outside #[test] functions unwrap too: a failed set-up is a failed test.
#![allow(clippy::unwrap_used)]

mod runner;
mod sim;

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use ombud_core::id::Id;
use ombud_jobs::{
    BoxFuture, ClaimedJob, Clock, Handler, JobError, Options, Random, Report, Runner,
};
use ombud_store::Store;
use ombud_store::jobs::NewJob;
use ombud_testkit::TEST_NOW_MS;

/// The kind the test handlers run.
pub(crate) const KIND: &str = "test.step";

/// A clock that moves only when a test moves it.
#[derive(Clone)]
pub(crate) struct ManualClock(Arc<AtomicI64>);

impl ManualClock {
    pub(crate) fn new() -> ManualClock {
        ManualClock(Arc::new(AtomicI64::new(TEST_NOW_MS)))
    }

    pub(crate) fn now(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }

    pub(crate) fn advance(&self, ms: i64) {
        self.0.fetch_add(ms, Ordering::SeqCst);
    }

    pub(crate) fn clock(&self) -> Clock {
        let at = self.0.clone();
        Arc::new(move || at.load(Ordering::SeqCst))
    }
}

/// A deterministic "random" source: distinct values, so lease tokens differ.
pub(crate) fn counter() -> Random {
    let next = Arc::new(AtomicU64::new(1));
    Arc::new(move || next.fetch_add(1, Ordering::SeqCst))
}

/// A handler made of a closure.
pub(crate) struct FnHandler<F>(pub(crate) F);

impl<F> Handler for FnHandler<F>
where
    F: Fn(ClaimedJob) -> BoxFuture<'static, Result<(), JobError>> + Send + Sync,
{
    fn kind(&self) -> &'static str {
        KIND
    }

    fn run<'a>(&'a self, job: &'a ClaimedJob) -> BoxFuture<'a, Result<(), JobError>> {
        (self.0)(job.clone())
    }
}

/// A handler of [`KIND`] made of a closure.
pub(crate) fn step<F>(run: F) -> Arc<dyn Handler>
where
    F: Fn(ClaimedJob) -> BoxFuture<'static, Result<(), JobError>> + Send + Sync + 'static,
{
    Arc::new(FnHandler(run))
}

pub(crate) fn options() -> Options {
    Options {
        concurrency: 3,
        poll_interval_ms: 20,
        lease_ms: 60_000,
        attempts_max: 3,
        backoff_base_ms: 1_000,
        backoff_cap_ms: 10_000,
    }
}

/// A runner with one handler and an observer that keeps every report.
pub(crate) fn runner(
    store: &Store,
    clock: &ManualClock,
    options: Options,
    handler: Arc<dyn Handler>,
) -> (Runner, Arc<Mutex<Vec<Report>>>) {
    let mut runner =
        Runner::new(store.clone(), "test-worker", clock.clock(), counter(), options).unwrap();
    runner.register(handler).unwrap();
    let reports = Arc::new(Mutex::new(Vec::new()));
    let sink = reports.clone();
    runner.observe(Arc::new(move |report: &Report| sink.lock().unwrap().push(report.clone())));
    (runner, reports)
}

pub(crate) fn job_id(n: u128) -> Id {
    Id::from_parts(1_700_000_000_000, n)
}

/// Enqueues `n` jobs of [`KIND`], due now.
pub(crate) async fn enqueue(store: &Store, n: u128) -> Vec<Id> {
    let mut tx = store.begin().await.unwrap();
    let mut ids = Vec::new();
    for i in 0..n {
        let job = NewJob::new(job_id(i), KIND, &format!("step/{i}"), "{}").unwrap();
        assert!(tx.enqueue_job(&job, TEST_NOW_MS).await.unwrap());
        ids.push(job_id(i));
    }
    tx.commit().await.unwrap();
    ids
}
