//! ombud-jobs: the durable job runner.
//!
//! Work that must survive a crash — the fulfilment steps of an approved request — is a
//! job in ombud's store (`ombud_store::jobs`). A [`Runner`] claims due jobs with a
//! lease, runs the registered [`Handler`] of each kind with bounded concurrency and a
//! heartbeat, and settles each with its lease token: done, retried after
//! [`backoff_ms`], or failed. Several runners, in one process or many sharing a
//! PostgreSQL store, never run one job at once while its lease holds; a job whose
//! runner died runs again after its lease. Delivery is therefore at least once, and
//! handlers make their side effects idempotent (docs/jobs.md).
//!
//! What a job means is not here: the app registers the handlers. Time and randomness
//! are injected ([`Clock`], [`Random`]); the crate never reads the system clock.

mod backoff;
mod runner;

pub use crate::backoff::{backoff_ceiling_ms, backoff_ms};
pub use crate::runner::{
    ATTEMPTS_EXHAUSTED_CODE, BoxFuture, Clock, Handler, JobError, Observer, Options, PANIC_CODE,
    Random, Report, Runner, RunnerError, Summary, Waker,
};
pub use ombud_store::jobs::ClaimedJob;
