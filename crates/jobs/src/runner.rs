//! The runner: claims jobs from the store for the kinds it has handlers for, runs each
//! in its own task with a heartbeat that keeps the lease, and settles it — done,
//! retried with backoff, or failed — with the lease token, so a runner that lost its
//! lease cannot overwrite the worker that took over.
//!
//! The loop reacts to one closed [`Event`] at a time (a job finished, a tick, a wake-up,
//! shutdown) and claims in batches of its free slots. On shutdown it stops claiming and
//! waits for the running jobs; a job it never finished (the process was killed) is
//! claimed again by any runner once its lease runs out.

use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use ombud_core::id::Id;
use ombud_core::limits::{JOB_ATTEMPTS_MAX, JOB_LEASE_MS};
use ombud_store::jobs::{
    ClaimedJob, JOB_CLAIM_LIMIT_MAX, JOB_LEASE_TEXT_CHARS_MAX, JobClaim, JobState,
};
use ombud_store::{Store, StoreError};
use tokio::sync::{Notify, watch};
use tokio::task::{JoinError, JoinHandle, JoinSet};

use crate::backoff::backoff_ms;

/// A boxed future that can move between threads, as handlers return.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Now, in Unix milliseconds. Injected: the runner never reads the system clock.
pub type Clock = Arc<dyn Fn() -> i64 + Send + Sync>;

/// A random `u64` (for backoff jitter and lease tokens). Injected.
pub type Random = Arc<dyn Fn() -> u64 + Send + Sync>;

/// Receives what the runner does, for logs and metrics (the CLI prints them).
pub type Observer = Arc<dyn Fn(&Report) + Send + Sync>;

/// The error code recorded for a handler that panicked (the panic's message is not
/// kept: it could quote a value).
pub const PANIC_CODE: &str = "jobs.panic";
/// The error code recorded for a job claimed with more attempts than allowed: each
/// worker that died running it counted one.
pub const ATTEMPTS_EXHAUSTED_CODE: &str = "jobs.attempts_exhausted";

/// Why a handler's run failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JobError {
    /// A stable code and at most a short safe text: ids, table names, database error
    /// codes — never a value or any personal data. Stored as the job's last error.
    pub code: String,
    /// Whether another attempt may succeed (a timeout, a database that is down), or
    /// not (a system missing from the program).
    pub retryable: bool,
}

impl JobError {
    /// An error another attempt may cure.
    pub fn retryable(code: impl Into<String>) -> JobError {
        JobError { code: code.into(), retryable: true }
    }

    /// An error no attempt will cure.
    pub fn permanent(code: impl Into<String>) -> JobError {
        JobError { code: code.into(), retryable: false }
    }
}

impl fmt::Display for JobError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = if self.retryable { "retryable" } else { "permanent" };
        write!(f, "{kind} job error: {}", self.code)
    }
}

impl std::error::Error for JobError {}

/// Runs the jobs of one kind.
///
/// Delivery is at least once: a job whose worker died is run again, so `run` must be
/// idempotent for its side effect (check a receipt before acting, or act and record in
/// one transaction). A handler may complete its own job inside its transaction with
/// [`ombud_store::Tx::complete_job`] and the job's `lease_token`; the runner then finds
/// it done.
pub trait Handler: Send + Sync {
    /// The kind it runs (`fulfil.erase`).
    fn kind(&self) -> &'static str;
    /// Runs one job.
    fn run<'a>(&'a self, job: &'a ClaimedJob) -> BoxFuture<'a, Result<(), JobError>>;
}

/// How a runner works.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Options {
    /// Jobs run at once.
    pub concurrency: usize,
    /// How often it looks for due jobs when nothing wakes it (ms).
    pub poll_interval_ms: u64,
    /// How long a lease lasts; a heartbeat extends it every third of it (ms).
    pub lease_ms: i64,
    /// Attempts before a job is failed for staff to look at.
    pub attempts_max: u32,
    /// The first retry's delay (ms); it doubles with each attempt.
    pub backoff_base_ms: i64,
    /// The longest delay between attempts (ms).
    pub backoff_cap_ms: i64,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            concurrency: 4,
            poll_interval_ms: 1_000,
            lease_ms: JOB_LEASE_MS,
            attempts_max: JOB_ATTEMPTS_MAX,
            backoff_base_ms: 5_000,
            backoff_cap_ms: 3_600_000,
        }
    }
}

/// What went wrong setting up or running a runner.
#[derive(Debug)]
#[non_exhaustive]
pub enum RunnerError {
    /// An option is out of range.
    Options(String),
    /// The worker name is empty, too long or has control characters.
    Worker,
    /// Two handlers claim the same kind.
    DuplicateKind(&'static str),
    /// The store failed while claiming.
    Store(StoreError),
}

impl fmt::Display for RunnerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RunnerError::Options(message) => write!(f, "invalid job runner options: {message}"),
            RunnerError::Worker => write!(
                f,
                "a worker name must be 1 to {JOB_LEASE_TEXT_CHARS_MAX} characters without control characters"
            ),
            RunnerError::DuplicateKind(kind) => {
                write!(f, "two job handlers are registered for the kind {kind}")
            }
            RunnerError::Store(error) => write!(f, "claim jobs: {error}"),
        }
    }
}

impl std::error::Error for RunnerError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            RunnerError::Store(error) => Some(error),
            _ => None,
        }
    }
}

/// What the runner did, as it happens. Carries ids and codes only.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Report {
    /// A job was claimed and starts its attempt.
    Claimed {
        /// The job.
        id: Id,
        /// Its kind.
        kind: String,
        /// The attempt (1 for the first).
        attempt: u32,
    },
    /// A job is done.
    Done {
        /// The job.
        id: Id,
    },
    /// A job failed and waits for another attempt.
    Retried {
        /// The job.
        id: Id,
        /// The error code.
        code: String,
        /// When it runs again (Unix ms).
        run_after_ms: i64,
    },
    /// A job failed for good.
    Failed {
        /// The job.
        id: Id,
        /// The error code.
        code: String,
    },
    /// The runner lost a job's lease (it was cancelled or taken over) and stopped it.
    Lost {
        /// The job.
        id: Id,
    },
    /// The store failed; the runner carries on (a job it could not settle is claimed
    /// again when its lease runs out).
    StoreFailed {
        /// What the runner was doing.
        during: &'static str,
        /// The store's error (ids and codes, no values).
        error: String,
    },
}

/// What a run did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Jobs completed.
    pub done: u64,
    /// Attempts that failed and were queued again.
    pub retried: u64,
    /// Jobs failed for good.
    pub failed: u64,
    /// Jobs whose lease was lost or that could not be settled (they run again after
    /// their lease if they are still due).
    pub lost: u64,
}

/// How one job's attempt ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Outcome {
    Done,
    Retried,
    Failed,
    Lost,
}

impl Summary {
    fn add(&mut self, outcome: Outcome) {
        match outcome {
            Outcome::Done => self.done += 1,
            Outcome::Retried => self.retried += 1,
            Outcome::Failed => self.failed += 1,
            Outcome::Lost => self.lost += 1,
        }
    }
}

/// What the loop reacts to.
enum Event {
    /// A job's task ended (its outcome, or the task's own failure).
    Finished(Result<Outcome, JoinError>),
    /// The poll interval passed.
    Tick,
    /// Someone enqueued jobs and woke the runner.
    Wake,
    /// Shutdown was asked for.
    Shutdown,
}

/// Wakes a runner at once (after enqueueing jobs), instead of at its next poll.
#[derive(Clone, Debug)]
pub struct Waker(Arc<Notify>);

impl Waker {
    /// Wakes the runner; a wake-up while it is busy is kept for when it next waits.
    pub fn wake(&self) {
        self.0.notify_one();
    }
}

/// What every job task shares.
struct Shared {
    store: Store,
    clock: Clock,
    random: Random,
    options: Options,
    observer: Option<Observer>,
}

impl Shared {
    fn now(&self) -> i64 {
        (self.clock)()
    }

    fn report(&self, report: Report) {
        if let Some(observer) = &self.observer {
            observer(&report);
        }
    }

    fn store_failed(&self, during: &'static str, error: &StoreError) {
        self.report(Report::StoreFailed { during, error: error.to_string() });
    }
}

/// Claims and runs jobs.
pub struct Runner {
    shared: Arc<Shared>,
    handlers: BTreeMap<&'static str, Arc<dyn Handler>>,
    worker: String,
    wake: Arc<Notify>,
}

impl fmt::Debug for Runner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Runner")
            .field("worker", &self.worker)
            .field("kinds", &self.handlers.keys().collect::<Vec<_>>())
            .field("options", &self.shared.options)
            .finish_non_exhaustive()
    }
}

impl Runner {
    /// A runner named `worker` (host and process: it is recorded as the lease owner)
    /// over `store`, reading time from `clock` and randomness from `random`.
    pub fn new(
        store: Store,
        worker: &str,
        clock: Clock,
        random: Random,
        options: Options,
    ) -> Result<Runner, RunnerError> {
        if worker.is_empty()
            || worker.chars().count() > JOB_LEASE_TEXT_CHARS_MAX
            || worker.chars().any(char::is_control)
        {
            return Err(RunnerError::Worker);
        }
        let limit = usize::try_from(JOB_CLAIM_LIMIT_MAX).unwrap_or(usize::MAX);
        if options.concurrency == 0 || options.concurrency > limit {
            return Err(RunnerError::Options(format!("concurrency must be 1 to {limit}")));
        }
        if options.poll_interval_ms == 0 {
            return Err(RunnerError::Options("the poll interval must be positive".to_owned()));
        }
        if options.lease_ms < 3 {
            return Err(RunnerError::Options("the lease must be at least 3 ms".to_owned()));
        }
        if options.attempts_max == 0 {
            return Err(RunnerError::Options("a job needs at least one attempt".to_owned()));
        }
        if options.backoff_base_ms < 0 || options.backoff_cap_ms < options.backoff_base_ms {
            return Err(RunnerError::Options(
                "the backoff base must be 0 or more and the cap at least the base".to_owned(),
            ));
        }
        Ok(Runner {
            shared: Arc::new(Shared { store, clock, random, options, observer: None }),
            handlers: BTreeMap::new(),
            worker: worker.to_owned(),
            wake: Arc::new(Notify::new()),
        })
    }

    /// Registers the handler of a kind.
    pub fn register(&mut self, handler: Arc<dyn Handler>) -> Result<(), RunnerError> {
        let kind = handler.kind();
        if self.handlers.contains_key(kind) {
            return Err(RunnerError::DuplicateKind(kind));
        }
        self.handlers.insert(kind, handler);
        Ok(())
    }

    /// Sends every [`Report`] to `observer`.
    pub fn observe(&mut self, observer: Observer) {
        if let Some(shared) = Arc::get_mut(&mut self.shared) {
            shared.observer = Some(observer);
        }
    }

    /// A handle that wakes the runner.
    pub fn waker(&self) -> Waker {
        Waker(self.wake.clone())
    }

    /// Runs jobs until `shutdown` turns `true` (or its sender is dropped), then stops
    /// claiming, waits for the jobs it is running, and returns what it did. Store
    /// errors do not stop it: they are reported and it tries again at the next tick.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) -> Summary {
        let mut running = JoinSet::new();
        let mut summary = Summary::default();
        let mut stopping = *shutdown.borrow_and_update();
        let mut tick =
            tokio::time::interval(Duration::from_millis(self.shared.options.poll_interval_ms));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        // The interval's first tick is immediate; the first claim happens below anyway.
        tick.tick().await;
        let mut claim = true;
        // Whether the last claim filled every free slot: then more jobs may be due, and
        // a finished job's slot is refilled at once rather than at the next tick.
        let mut more_due = false;
        loop {
            if claim && !stopping {
                match self.fill(&mut running).await {
                    Ok(full) => more_due = full,
                    Err(error) => self.shared.store_failed("claim jobs", &error),
                }
            }
            if stopping && running.is_empty() {
                return summary;
            }
            let event = tokio::select! {
                biased;
                changed = shutdown.changed(), if !stopping => {
                    if changed.is_err() || *shutdown.borrow_and_update() { Event::Shutdown } else { Event::Tick }
                }
                Some(joined) = running.join_next(), if !running.is_empty() => Event::Finished(joined),
                () = self.wake.notified(), if !stopping => Event::Wake,
                _ = tick.tick(), if !stopping => Event::Tick,
                else => Event::Shutdown,
            };
            claim = match event {
                Event::Finished(joined) => {
                    summary.add(joined.unwrap_or(Outcome::Lost));
                    more_due
                }
                Event::Tick | Event::Wake => true,
                Event::Shutdown => {
                    stopping = true;
                    false
                }
            };
        }
    }

    /// Runs jobs until none is due — every claimable job has been run once or more —
    /// and returns what it did (`ombud jobs run --once`, tests). Jobs retried with a
    /// backoff wait for a later call.
    pub async fn run_until_idle(&self) -> Result<Summary, RunnerError> {
        let mut running = JoinSet::new();
        let mut summary = Summary::default();
        loop {
            if let Err(error) = self.fill(&mut running).await {
                while let Some(joined) = running.join_next().await {
                    summary.add(joined.unwrap_or(Outcome::Lost));
                }
                return Err(RunnerError::Store(error));
            }
            match running.join_next().await {
                None => return Ok(summary),
                Some(joined) => summary.add(joined.unwrap_or(Outcome::Lost)),
            }
        }
    }

    /// Claims up to the free slots and starts each job. Returns whether it filled
    /// every slot.
    async fn fill(&self, running: &mut JoinSet<Outcome>) -> Result<bool, StoreError> {
        let free = self.shared.options.concurrency.saturating_sub(running.len());
        if free == 0 || self.handlers.is_empty() {
            return Ok(free == 0);
        }
        let kinds: Vec<&str> = self.handlers.keys().copied().collect();
        let token = format!("{:016x}{:016x}", (self.shared.random)(), (self.shared.random)());
        let claim = JobClaim {
            kinds: &kinds,
            worker: &self.worker,
            token: &token,
            now_ms: self.shared.now(),
            lease_ms: self.shared.options.lease_ms,
            limit: u32::try_from(free).unwrap_or(JOB_CLAIM_LIMIT_MAX),
        };
        let jobs = self.shared.store.claim_jobs(&claim).await?;
        let full = jobs.len() == free;
        for job in jobs {
            let Some(handler) = self.handlers.get(job.kind.as_str()).cloned() else {
                // The claim names only our kinds; a row that says otherwise is waited
                // out (its lease runs out) rather than run by the wrong handler.
                continue;
            };
            self.shared.report(Report::Claimed {
                id: job.id,
                kind: job.kind.clone(),
                attempt: job.attempts,
            });
            running.spawn(attempt(self.shared.clone(), handler, job));
        }
        Ok(full)
    }
}

/// Aborts a task when dropped, so a job's handler stops with its supervising task
/// (a runner dropped mid-run leaves no handler working without a heartbeat).
struct AbortOnDrop<T>(JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// One attempt of one job: run the handler with a heartbeat, then settle the job.
async fn attempt(shared: Arc<Shared>, handler: Arc<dyn Handler>, job: ClaimedJob) -> Outcome {
    let options = &shared.options;
    if job.attempts > options.attempts_max {
        // Workers died running it (each claim counted an attempt): stop trying, or
        // a job that kills its worker would kill every worker in turn.
        let now = shared.now();
        return settle_failed(&shared, &job, now, ATTEMPTS_EXHAUSTED_CODE).await;
    }
    let task = {
        let job = job.clone();
        AbortOnDrop(tokio::spawn(async move { handler.run(&job).await }))
    };
    let beat = Duration::from_millis(u64::try_from(options.lease_ms / 3).unwrap_or(1).max(1));
    let mut task = task;
    let ended = loop {
        tokio::select! {
            joined = &mut task.0 => break Some(joined),
            () = tokio::time::sleep(beat) => {
                match shared.store.heartbeat_job(job.id, &job.lease_token, shared.now(), options.lease_ms).await {
                    Ok(true) => {}
                    Ok(false) => break None,
                    // The lease may still hold; the next beat tries again.
                    Err(error) => shared.store_failed("extend a job's lease", &error),
                }
            }
        }
    };
    let Some(joined) = ended else {
        // Cancelled or taken over: stop the handler before saying so.
        task.0.abort();
        let _ = (&mut task.0).await;
        return settle_lost(&shared, &job).await;
    };
    let now = shared.now();
    let result = match joined {
        Ok(result) => result,
        Err(error) if error.is_panic() => Err(JobError::retryable(PANIC_CODE)),
        Err(_) => return settle_lost(&shared, &job).await,
    };
    match result {
        Ok(()) => match shared.store.complete_job(job.id, &job.lease_token, now).await {
            Ok(true) => {
                shared.report(Report::Done { id: job.id });
                Outcome::Done
            }
            // The handler completed it in its own transaction, or the lease was lost.
            Ok(false) => settle_lost(&shared, &job).await,
            Err(error) => {
                shared.store_failed("complete a job", &error);
                Outcome::Lost
            }
        },
        Err(error) if error.retryable && job.attempts < options.attempts_max => {
            let delay = backoff_ms(
                job.attempts,
                options.backoff_base_ms,
                options.backoff_cap_ms,
                (shared.random)(),
            );
            let run_after_ms = now.saturating_add(delay);
            match shared
                .store
                .retry_job(job.id, &job.lease_token, now, run_after_ms, &error.code)
                .await
            {
                Ok(true) => {
                    shared.report(Report::Retried { id: job.id, code: error.code, run_after_ms });
                    Outcome::Retried
                }
                Ok(false) => settle_lost(&shared, &job).await,
                Err(store) => {
                    shared.store_failed("retry a job", &store);
                    Outcome::Lost
                }
            }
        }
        Err(error) => settle_failed(&shared, &job, now, &error.code).await,
    }
}

async fn settle_failed(shared: &Shared, job: &ClaimedJob, now: i64, code: &str) -> Outcome {
    match shared.store.fail_job(job.id, &job.lease_token, now, code).await {
        Ok(true) => {
            shared.report(Report::Failed { id: job.id, code: code.to_owned() });
            Outcome::Failed
        }
        Ok(false) => settle_lost(shared, job).await,
        Err(error) => {
            shared.store_failed("fail a job", &error);
            Outcome::Lost
        }
    }
}

/// The runner could not settle a job with its token: it is done (its handler completed
/// it in its own transaction) or the lease is gone (cancelled, or taken over).
async fn settle_lost(shared: &Shared, job: &ClaimedJob) -> Outcome {
    match shared.store.job(job.id).await {
        Ok(Some(info)) if info.state == JobState::Done => {
            shared.report(Report::Done { id: job.id });
            Outcome::Done
        }
        Ok(_) => {
            shared.report(Report::Lost { id: job.id });
            Outcome::Lost
        }
        Err(error) => {
            shared.store_failed("read a job", &error);
            Outcome::Lost
        }
    }
}
