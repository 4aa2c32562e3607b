//! The runner against a real store: each behaviour of the lease protocol and the retry
//! policy, on both backends.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ombud_core::id::Id;
use ombud_jobs::{
    ATTEMPTS_EXHAUSTED_CODE, ClaimedJob, Handler, JobError, Options, PANIC_CODE, Report, Runner,
    RunnerError, Summary, backoff_ceiling_ms,
};
use ombud_store::jobs::{JobClaim, JobCounts, JobState};
use ombud_testkit::store_test;
use tokio::sync::{Notify, watch};

use crate::{KIND, ManualClock, counter, enqueue, options, runner, step};

/// Claims every due job as a worker that then dies without a word.
async fn claim_as_dead_worker(store: &ombud_store::Store, now_ms: i64, token: &str) -> usize {
    let kinds = [KIND];
    let claim =
        JobClaim { kinds: &kinds, worker: "dead", token, now_ms, lease_ms: 60_000, limit: 100 };
    store.claim_jobs(&claim).await.unwrap().len()
}

store_test!(every_due_job_runs_once_and_is_done, |t| async move {
    let ids = enqueue(&t.store, 10).await;
    let clock = ManualClock::new();
    let calls: Arc<Mutex<HashMap<Id, u32>>> = Arc::default();
    let seen = calls.clone();
    let handler = step(move |job: ClaimedJob| {
        let seen = seen.clone();
        Box::pin(async move {
            *seen.lock().unwrap().entry(job.id).or_default() += 1;
            Ok(())
        })
    });
    let (runner, reports) = runner(&t.store, &clock, options(), handler);
    let summary = runner.run_until_idle().await.unwrap();
    assert_eq!(summary, Summary { done: 10, ..Summary::default() });
    let calls = calls.lock().unwrap().clone();
    assert_eq!(calls.len(), 10);
    assert!(calls.values().all(|&n| n == 1));
    assert_eq!(t.store.job_counts().await.unwrap(), JobCounts { done: 10, ..JobCounts::default() });
    let reports = reports.lock().unwrap().clone();
    for id in ids {
        assert!(reports.contains(&Report::Claimed { id, kind: KIND.to_owned(), attempt: 1 }));
        assert!(reports.contains(&Report::Done { id }));
    }
    // Nothing is left to do.
    assert_eq!(runner.run_until_idle().await.unwrap(), Summary::default());
});

store_test!(a_handler_that_completes_its_own_job_is_counted_done, |t| async move {
    enqueue(&t.store, 1).await;
    let clock = ManualClock::new();
    let store = t.store.clone();
    let handler = step(move |job: ClaimedJob| {
        let store = store.clone();
        Box::pin(async move {
            // The handler records its result and completes the job in one transaction.
            let mut tx = store.begin().await.unwrap();
            assert!(tx.complete_job(job.id, &job.lease_token, TEST_NOW).await.unwrap());
            tx.commit().await.unwrap();
            Ok(())
        })
    });
    let (runner, reports) = runner(&t.store, &clock, options(), handler);
    assert_eq!(runner.run_until_idle().await.unwrap(), Summary { done: 1, ..Summary::default() });
    assert!(!reports.lock().unwrap().iter().any(|r| matches!(r, Report::StoreFailed { .. })));
    assert_eq!(t.store.job_counts().await.unwrap().done, 1);
});

const TEST_NOW: i64 = ombud_testkit::TEST_NOW_MS;

store_test!(retryable_errors_back_off_then_fail_at_the_attempts_max, |t| async move {
    let ids = enqueue(&t.store, 1).await;
    let clock = ManualClock::new();
    let handler =
        step(|_job: ClaimedJob| Box::pin(async { Err(JobError::retryable("connector.timeout")) }));
    let (runner, _) = runner(&t.store, &clock, options(), handler);
    let opts = options();
    for attempt in 1..=2 {
        let summary = runner.run_until_idle().await.unwrap();
        assert_eq!(summary, Summary { retried: 1, ..Summary::default() }, "attempt {attempt}");
        let info = t.store.job(ids[0]).await.unwrap().unwrap();
        assert_eq!(info.state, JobState::Queued);
        assert_eq!(info.attempts, attempt);
        assert_eq!(info.last_error.as_deref(), Some("connector.timeout"));
        let ceiling = backoff_ceiling_ms(attempt, opts.backoff_base_ms, opts.backoff_cap_ms);
        let delay = info.run_after_ms - clock.now();
        assert!(
            delay <= ceiling && delay >= ceiling - ceiling / 2,
            "delay {delay}, ceiling {ceiling}"
        );
        // Not due before its backoff.
        clock.advance(delay - 1);
        assert_eq!(runner.run_until_idle().await.unwrap(), Summary::default());
        clock.advance(1);
    }
    assert_eq!(runner.run_until_idle().await.unwrap(), Summary { failed: 1, ..Summary::default() });
    let info = t.store.job(ids[0]).await.unwrap().unwrap();
    assert_eq!(info.state, JobState::Failed);
    assert_eq!(info.attempts, 3);
    assert_eq!(info.last_error.as_deref(), Some("connector.timeout"));
    assert_eq!(info.finished_at_ms, Some(clock.now()));
});

store_test!(a_permanent_error_fails_the_job_at_once, |t| async move {
    let ids = enqueue(&t.store, 1).await;
    let clock = ManualClock::new();
    let handler = step(|_job: ClaimedJob| {
        Box::pin(async { Err(JobError::permanent("fulfil.unknown_system")) })
    });
    let (runner, reports) = runner(&t.store, &clock, options(), handler);
    assert_eq!(runner.run_until_idle().await.unwrap(), Summary { failed: 1, ..Summary::default() });
    let info = t.store.job(ids[0]).await.unwrap().unwrap();
    assert_eq!((info.state, info.attempts), (JobState::Failed, 1));
    let failed = Report::Failed { id: ids[0], code: "fulfil.unknown_system".to_owned() };
    assert!(reports.lock().unwrap().contains(&failed));
});

store_test!(a_handler_that_panics_is_retried_not_lost, |t| async move {
    let ids = enqueue(&t.store, 1).await;
    let clock = ManualClock::new();
    let handler = step(|job: ClaimedJob| {
        Box::pin(async move {
            if job.attempts == 1 {
                panic!("a bug in a handler");
            }
            Ok(())
        })
    });
    let (runner, _) = runner(&t.store, &clock, options(), handler);
    assert_eq!(
        runner.run_until_idle().await.unwrap(),
        Summary { retried: 1, ..Summary::default() }
    );
    let info = t.store.job(ids[0]).await.unwrap().unwrap();
    assert_eq!(info.state, JobState::Queued);
    assert_eq!(info.last_error.as_deref(), Some(PANIC_CODE));
    clock.advance(options().backoff_base_ms);
    assert_eq!(runner.run_until_idle().await.unwrap(), Summary { done: 1, ..Summary::default() });
});

store_test!(a_dead_workers_job_runs_again_once_its_lease_runs_out, |t| async move {
    let ids = enqueue(&t.store, 1).await;
    let clock = ManualClock::new();
    assert_eq!(claim_as_dead_worker(&t.store, clock.now(), "dead-token").await, 1);
    let calls = Arc::new(AtomicU32::new(0));
    let seen = calls.clone();
    let handler = step(move |_job: ClaimedJob| {
        seen.fetch_add(1, Ordering::SeqCst);
        Box::pin(async { Ok(()) })
    });
    let (runner, _) = runner(&t.store, &clock, options(), handler);
    // While the dead worker's lease holds, nobody runs the job.
    clock.advance(59_999);
    assert_eq!(runner.run_until_idle().await.unwrap(), Summary::default());
    assert_eq!(calls.load(Ordering::SeqCst), 0);
    // After it, this runner (a restarted process, say) does.
    clock.advance(1);
    assert_eq!(runner.run_until_idle().await.unwrap(), Summary { done: 1, ..Summary::default() });
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    let info = t.store.job(ids[0]).await.unwrap().unwrap();
    assert_eq!((info.state, info.attempts), (JobState::Done, 2));
    assert_eq!(info.lease_owner.as_deref(), Some("test-worker"));
    // The dead worker, were it to come back, cannot complete it a second time.
    assert!(!t.store.complete_job(ids[0], "dead-token", clock.now()).await.unwrap());
});

store_test!(a_job_that_keeps_killing_its_worker_is_failed_without_running, |t| async move {
    let ids = enqueue(&t.store, 1).await;
    let clock = ManualClock::new();
    let opts = Options { attempts_max: 2, ..options() };
    for token in ["dead-1", "dead-2"] {
        assert_eq!(claim_as_dead_worker(&t.store, clock.now(), token).await, 1);
        clock.advance(opts.lease_ms);
    }
    let ran = Arc::new(AtomicBool::new(false));
    let seen = ran.clone();
    let handler = step(move |_job: ClaimedJob| {
        seen.store(true, Ordering::SeqCst);
        Box::pin(async { Ok(()) })
    });
    let (runner, _) = runner(&t.store, &clock, opts, handler);
    assert_eq!(runner.run_until_idle().await.unwrap(), Summary { failed: 1, ..Summary::default() });
    assert!(!ran.load(Ordering::SeqCst));
    let info = t.store.job(ids[0]).await.unwrap().unwrap();
    assert_eq!(info.state, JobState::Failed);
    assert_eq!(info.attempts, 3);
    assert_eq!(info.last_error.as_deref(), Some(ATTEMPTS_EXHAUSTED_CODE));
});

/// A handler that says when it starts and finishes only when released.
fn gated(started: Arc<Notify>, release: Arc<Notify>) -> Arc<dyn Handler> {
    step(move |_job: ClaimedJob| {
        let started = started.clone();
        let release = release.clone();
        Box::pin(async move {
            started.notify_one();
            release.notified().await;
            Ok(())
        })
    })
}

store_test!(shutdown_stops_claiming_and_waits_for_the_running_job, |t| async move {
    enqueue(&t.store, 2).await;
    let clock = ManualClock::new();
    let (started, release) = (Arc::new(Notify::new()), Arc::new(Notify::new()));
    let opts = Options { concurrency: 1, ..options() };
    let (runner, _) = runner(&t.store, &clock, opts, gated(started.clone(), release.clone()));
    let (stop, shutdown) = watch::channel(false);
    let run = tokio::spawn(runner.run(shutdown));
    started.notified().await;
    stop.send(true).unwrap();
    // Several poll intervals pass: the runner waits for its job and claims nothing.
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(!run.is_finished());
    release.notify_one();
    let summary = tokio::time::timeout(Duration::from_secs(10), run).await.unwrap().unwrap();
    assert_eq!(summary, Summary { done: 1, ..Summary::default() });
    assert_eq!(
        t.store.job_counts().await.unwrap(),
        JobCounts { queued: 1, done: 1, ..JobCounts::default() }
    );
});

store_test!(heartbeats_keep_the_lease_of_a_long_job, |t| async move {
    let ids = enqueue(&t.store, 1).await;
    let clock = ManualClock::new();
    let (started, release) = (Arc::new(Notify::new()), Arc::new(Notify::new()));
    let opts = Options { lease_ms: 150, ..options() };
    let (runner, _) = runner(&t.store, &clock, opts, gated(started.clone(), release.clone()));
    let run = tokio::spawn(async move { runner.run_until_idle().await });
    started.notified().await;
    // The job runs past its first lease; heartbeats (every 50 ms) keep extending it.
    clock.advance(100);
    tokio::time::sleep(Duration::from_millis(200)).await;
    clock.advance(100);
    let thief = t.reopen().await;
    assert_eq!(claim_as_dead_worker(&thief, clock.now(), "thief").await, 0);
    release.notify_one();
    assert_eq!(run.await.unwrap().unwrap(), Summary { done: 1, ..Summary::default() });
    let info = t.store.job(ids[0]).await.unwrap().unwrap();
    assert_eq!((info.state, info.attempts), (JobState::Done, 1));
    thief.close().await;
});

/// Sets a flag when dropped: shows that a handler's future was stopped.
struct Dropped(Arc<AtomicBool>);

impl Drop for Dropped {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

store_test!(a_runner_that_loses_its_lease_stops_the_handler, |t| async move {
    let ids = enqueue(&t.store, 1).await;
    let clock = ManualClock::new();
    let started = Arc::new(Notify::new());
    let stopped = Arc::new(AtomicBool::new(false));
    let (signal, flag) = (started.clone(), stopped.clone());
    let handler = step(move |_job: ClaimedJob| {
        let (signal, guard) = (signal.clone(), Dropped(flag.clone()));
        Box::pin(async move {
            let _guard = guard;
            signal.notify_one();
            std::future::pending::<()>().await;
            Ok(())
        })
    });
    let opts = Options { lease_ms: 150, ..options() };
    let (runner, reports) = runner(&t.store, &clock, opts, handler);
    let run = tokio::spawn(async move { runner.run_until_idle().await });
    started.notified().await;
    // The runner stalls past its lease (as a paused VM would), and another worker
    // takes the job over.
    clock.advance(10_000);
    // The thief looks a second later than the runner's clock: a heartbeat the runner
    // squeezes in after the jump (its timer is real time) extends the lease only to
    // the runner's now + 150 ms, which has passed for the thief either way.
    assert_eq!(claim_as_dead_worker(&t.store, clock.now() + 1_000, "thief").await, 1);
    let summary =
        tokio::time::timeout(Duration::from_secs(10), run).await.unwrap().unwrap().unwrap();
    assert_eq!(summary, Summary { lost: 1, ..Summary::default() });
    assert!(stopped.load(Ordering::SeqCst));
    assert!(reports.lock().unwrap().contains(&Report::Lost { id: ids[0] }));
    // The job is the thief's.
    assert!(t.store.complete_job(ids[0], "thief", clock.now()).await.unwrap());
});

store_test!(waking_the_runner_claims_a_new_job_without_waiting_for_the_poll, |t| async move {
    let clock = ManualClock::new();
    let ran = Arc::new(Notify::new());
    let signal = ran.clone();
    let handler = step(move |_job: ClaimedJob| {
        signal.notify_one();
        Box::pin(async { Ok(()) })
    });
    // An hour between polls: only the wake-up can start the job in time.
    let opts = Options { poll_interval_ms: 3_600_000, ..options() };
    let (runner, _) = runner(&t.store, &clock, opts, handler);
    let waker = runner.waker();
    let (stop, shutdown) = watch::channel(false);
    let run = tokio::spawn(runner.run(shutdown));
    tokio::time::sleep(Duration::from_millis(50)).await;
    enqueue(&t.store, 1).await;
    waker.wake();
    tokio::time::timeout(Duration::from_secs(5), ran.notified()).await.unwrap();
    drop(stop);
    let summary = tokio::time::timeout(Duration::from_secs(10), run).await.unwrap().unwrap();
    assert_eq!(summary, Summary { done: 1, ..Summary::default() });
});

store_test!(two_runners_on_one_store_run_each_job_once, |t| async move {
    enqueue(&t.store, 40).await;
    let clock = ManualClock::new();
    let calls: Arc<Mutex<HashMap<Id, u32>>> = Arc::default();
    let mut runs = Vec::new();
    for _ in 0..2 {
        let seen = calls.clone();
        let handler = step(move |job: ClaimedJob| {
            let seen = seen.clone();
            Box::pin(async move {
                *seen.lock().unwrap().entry(job.id).or_default() += 1;
                tokio::task::yield_now().await;
                Ok(())
            })
        });
        let store = t.reopen().await;
        let (runner, _) = runner(&store, &clock, options(), handler);
        runs.push(tokio::spawn(async move { runner.run_until_idle().await.unwrap() }));
    }
    let mut done = 0;
    for run in runs {
        done += run.await.unwrap().done;
    }
    assert_eq!(done, 40);
    let calls = calls.lock().unwrap().clone();
    assert_eq!(calls.len(), 40);
    assert!(calls.values().all(|&n| n == 1), "{calls:?}");
});

#[tokio::test]
async fn a_runner_refuses_a_bad_setup() {
    let t = ombud_testkit::sqlite().await;
    let clock = ManualClock::new();
    let new = |worker: &str, options: Options| {
        Runner::new(t.store.clone(), worker, clock.clock(), counter(), options)
    };
    assert!(matches!(new("", options()), Err(RunnerError::Worker)));
    assert!(matches!(new("a\nb", options()), Err(RunnerError::Worker)));
    for bad in [
        Options { concurrency: 0, ..options() },
        Options { poll_interval_ms: 0, ..options() },
        Options { lease_ms: 0, ..options() },
        Options { attempts_max: 0, ..options() },
        Options { backoff_base_ms: 10, backoff_cap_ms: 5, ..options() },
    ] {
        let error = new("w", bad).unwrap_err();
        assert!(error.to_string().starts_with("invalid job runner options"), "{error}");
    }
    let mut runner = new("w", options()).unwrap();
    let ok = |_job: ClaimedJob| Box::pin(async { Ok(()) }) as ombud_jobs::BoxFuture<'static, _>;
    runner.register(step(ok)).unwrap();
    let error = runner.register(step(ok)).unwrap_err();
    assert!(matches!(error, RunnerError::DuplicateKind(KIND)));
    // A runner with handlers but nothing queued is idle at once.
    assert_eq!(runner.run_until_idle().await.unwrap(), Summary::default());
}
