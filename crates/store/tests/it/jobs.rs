//! Durable jobs in the store: enqueueing with a dedupe key inside the caller's
//! transaction, claiming with leases (order, limit, kinds), reclaiming a dead worker's
//! job after its lease, tokens that stop a superseded worker, retries, failures,
//! cancellation, counts, and concurrent claimers that never share a job.

use std::collections::HashMap;

use ombud_core::id::Id;
use ombud_core::{Law, RequestType};
use ombud_store::Store;
use ombud_store::jobs::{
    JOB_ERROR_CHARS_MAX, JOB_PAYLOAD_BYTES_MAX, JobClaim, JobCounts, JobInputError, JobState,
    NewJob,
};
use ombud_testkit::{TEST_NOW_MS, store_test};

use crate::fixtures::{record, subject};

const ERASE: &str = "fulfil.erase";
const LEASE_MS: i64 = 60_000;

fn job(n: u128, key: &str) -> NewJob {
    NewJob::new(Id::from_parts(1_700_000_000_000, n), ERASE, key, r#"{"system":"crm"}"#).unwrap()
}

async fn enqueue(store: &Store, jobs: &[NewJob]) -> Vec<bool> {
    let mut tx = store.begin().await.unwrap();
    let mut added = Vec::new();
    for job in jobs {
        added.push(tx.enqueue_job(job, TEST_NOW_MS).await.unwrap());
    }
    tx.commit().await.unwrap();
    added
}

async fn insert_request(store: &Store, n: u128) -> Id {
    let record = record(n, Law::Ccpa, RequestType::Delete, "2026-11-25T17:00:00Z");
    let mut tx = store.begin().await.unwrap();
    tx.insert_request(&record, &subject("ada@example.com"), 1).await.unwrap();
    tx.commit().await.unwrap();
    record.request.id
}

fn claim<'a>(kinds: &'a [&'a str], token: &'a str, now_ms: i64, limit: u32) -> JobClaim<'a> {
    JobClaim { kinds, worker: "worker-a", token, now_ms, lease_ms: LEASE_MS, limit }
}

store_test!(enqueueing_the_same_dedupe_key_twice_is_a_no_op, |t| async move {
    let request = insert_request(&t.store, 1).await;
    let first = job(1, "erase/r1/crm").for_request(request);
    let again = job(2, "erase/r1/crm").for_request(request);
    let other = job(3, "erase/r1/billing").for_request(request);
    assert_eq!(enqueue(&t.store, &[first, again.clone()]).await, [true, false]);
    assert_eq!(enqueue(&t.store, &[again, other]).await, [false, true]);

    let jobs = t.store.jobs_for_request(request).await.unwrap();
    let keys: Vec<&str> = jobs.iter().map(|j| j.dedupe_key.as_str()).collect();
    assert_eq!(keys, ["erase/r1/crm", "erase/r1/billing"]);
    assert_eq!(jobs[0].id, Id::from_parts(1_700_000_000_000, 1));
    assert_eq!(jobs[0].state, JobState::Queued);
    assert_eq!(jobs[0].attempts, 0);
    assert_eq!(jobs[0].run_after_ms, TEST_NOW_MS);
    assert_eq!(jobs[0].payload, r#"{"system":"crm"}"#);

    // A finished job still holds its key: the side effect is not repeated.
    let token = "token-1";
    let claimed = t.store.claim_jobs(&claim(&[ERASE], token, TEST_NOW_MS, 10)).await.unwrap();
    for c in &claimed {
        assert!(t.store.complete_job(c.id, token, TEST_NOW_MS).await.unwrap());
    }
    assert_eq!(enqueue(&t.store, &[job(4, "erase/r1/crm")]).await, [false]);
});

store_test!(a_job_enqueued_in_a_rolled_back_transaction_does_not_exist, |t| async move {
    let mut tx = t.store.begin().await.unwrap();
    assert!(tx.enqueue_job(&job(1, "erase/r1/crm"), TEST_NOW_MS).await.unwrap());
    drop(tx);
    assert_eq!(t.store.job_counts().await.unwrap(), JobCounts::default());
    // …and its key is free.
    assert_eq!(enqueue(&t.store, &[job(2, "erase/r1/crm")]).await, [true]);
});

#[test]
fn new_jobs_are_checked_and_errors_never_echo_the_input() {
    let id = Id::from_parts(1, 1);
    let padded = |len: usize| format!(r#"{{"p":"{}"}}"#, "x".repeat(len - 8));
    assert!(NewJob::new(id, ERASE, "k", &padded(JOB_PAYLOAD_BYTES_MAX)).is_ok());
    assert_eq!(
        NewJob::new(id, ERASE, "k", &padded(JOB_PAYLOAD_BYTES_MAX + 1)),
        Err(JobInputError::PayloadTooLarge { bytes: JOB_PAYLOAD_BYTES_MAX + 1 })
    );
    for payload in ["", "[]", "\"ada@example.com\"", "{", "null"] {
        assert_eq!(NewJob::new(id, ERASE, "k", payload), Err(JobInputError::PayloadNotJsonObject));
    }
    for kind in ["", "Fulfil", "fulfil erase", "é", &"k".repeat(65)] {
        assert_eq!(NewJob::new(id, kind, "k", "{}"), Err(JobInputError::Kind), "{kind:?}");
    }
    for key in ["", "erase/ada@example.com /crm", "erase\n", &"k".repeat(257)] {
        let error = NewJob::new(id, ERASE, key, "{}").unwrap_err();
        assert_eq!(error, JobInputError::DedupeKey);
        assert!(!error.to_string().contains("ada"));
    }
    assert!(NewJob::new(id, ERASE, &"k".repeat(256), "{}").is_ok());
}

store_test!(claims_take_due_jobs_of_the_asked_kinds_oldest_first_up_to_the_limit, |t| async move {
    let at = |n: u128, key: &str, after: i64| job(n, key).run_after(TEST_NOW_MS + after);
    let access = NewJob::new(Id::from_parts(1, 9), "fulfil.access", "access/r1/crm", "{}").unwrap();
    enqueue(
        &t.store,
        &[
            at(1, "late", -10),
            at(2, "early", -30),
            at(3, "future", 1),
            at(4, "middle", -20),
            access,
        ],
    )
    .await;

    // No kinds, no limit: nothing is claimed.
    assert!(t.store.claim_jobs(&claim(&[], "t0", TEST_NOW_MS, 10)).await.unwrap().is_empty());
    assert!(t.store.claim_jobs(&claim(&[ERASE], "t0", TEST_NOW_MS, 0)).await.unwrap().is_empty());

    let first = t.store.claim_jobs(&claim(&[ERASE], "t1", TEST_NOW_MS, 2)).await.unwrap();
    let keys: Vec<&str> = first.iter().map(|j| j.dedupe_key.as_str()).collect();
    assert_eq!(keys, ["early", "middle"]);
    for job in &first {
        assert_eq!(job.attempts, 1);
        assert_eq!(job.lease_token, "t1");
        assert_eq!(job.lease_until_ms, TEST_NOW_MS + LEASE_MS);
    }

    // The job due in the future and the other kind stay queued.
    let rest = t.store.claim_jobs(&claim(&[ERASE], "t2", TEST_NOW_MS, 10)).await.unwrap();
    let keys: Vec<&str> = rest.iter().map(|j| j.dedupe_key.as_str()).collect();
    assert_eq!(keys, ["late"]);
    let info = t.store.job(rest[0].id).await.unwrap().unwrap();
    assert_eq!(info.state, JobState::Running);
    assert_eq!(info.lease_owner.as_deref(), Some("worker-a"));

    let later = t.store.claim_jobs(&claim(&[ERASE], "t3", TEST_NOW_MS + 1, 10)).await.unwrap();
    assert_eq!(later.len(), 1);
    assert_eq!(later[0].dedupe_key, "future");
    let access = t.store.claim_jobs(&claim(&["fulfil.access"], "t4", TEST_NOW_MS, 10)).await;
    assert_eq!(access.unwrap().len(), 1);
    assert_eq!(
        t.store.job_counts().await.unwrap(),
        JobCounts { running: 5, ..JobCounts::default() }
    );
});

store_test!(an_expired_lease_is_reclaimed_and_the_old_token_can_no_longer_act, |t| async move {
    enqueue(&t.store, &[job(1, "erase/r1/crm")]).await;
    let dead = t.store.claim_jobs(&claim(&[ERASE], "dead", TEST_NOW_MS, 1)).await.unwrap();
    let id = dead[0].id;

    // While the lease holds, nobody else gets the job.
    let before_expiry = TEST_NOW_MS + LEASE_MS - 1;
    assert!(
        t.store.claim_jobs(&claim(&[ERASE], "new", before_expiry, 1)).await.unwrap().is_empty()
    );

    // The worker died; once its lease has run out, another worker takes the job over.
    let expiry = TEST_NOW_MS + LEASE_MS;
    let taken = t.store.claim_jobs(&claim(&[ERASE], "new", expiry, 1)).await.unwrap();
    assert_eq!(taken.len(), 1);
    assert_eq!(taken[0].id, id);
    assert_eq!(taken[0].attempts, 2);
    assert_eq!(taken[0].lease_token, "new");

    // The superseded worker wakes up: every action with its token is refused.
    assert!(!t.store.heartbeat_job(id, "dead", expiry, LEASE_MS).await.unwrap());
    assert!(!t.store.complete_job(id, "dead", expiry).await.unwrap());
    assert!(!t.store.retry_job(id, "dead", expiry, expiry, "x").await.unwrap());
    assert!(!t.store.fail_job(id, "dead", expiry, "x").await.unwrap());
    let info = t.store.job(id).await.unwrap().unwrap();
    assert_eq!(info.state, JobState::Running);
    assert_eq!(info.lease_until_ms, Some(expiry + LEASE_MS));

    assert!(t.store.complete_job(id, "new", expiry + 5).await.unwrap());
    let info = t.store.job(id).await.unwrap().unwrap();
    assert_eq!(info.state, JobState::Done);
    assert_eq!(info.finished_at_ms, Some(expiry + 5));
    assert_eq!(info.lease_until_ms, None);
    // Completing twice (a handler completed it in its own transaction) is a quiet `false`.
    assert!(!t.store.complete_job(id, "new", expiry + 6).await.unwrap());
    // A done job is never claimed again, however late.
    assert!(t.store.claim_jobs(&claim(&[ERASE], "x", i64::MAX, 9)).await.unwrap().is_empty());
});

store_test!(a_heartbeat_keeps_the_lease_and_a_reopened_store_sees_it, |t| async move {
    enqueue(&t.store, &[job(1, "erase/r1/crm")]).await;
    let held = t.store.claim_jobs(&claim(&[ERASE], "live", TEST_NOW_MS, 1)).await.unwrap();
    let id = held[0].id;
    let beat = TEST_NOW_MS + LEASE_MS / 2;
    assert!(t.store.heartbeat_job(id, "live", beat, LEASE_MS).await.unwrap());

    // Without the heartbeat the lease would have run out here; another process (a
    // second store on the same database) still cannot take the job.
    let other = t.reopen().await;
    let expired_without_beat = TEST_NOW_MS + LEASE_MS;
    assert!(
        other.claim_jobs(&claim(&[ERASE], "o", expired_without_beat, 1)).await.unwrap().is_empty()
    );
    let taken = other.claim_jobs(&claim(&[ERASE], "o", beat + LEASE_MS, 1)).await.unwrap();
    assert_eq!(taken.len(), 1);
    other.close().await;
});

store_test!(a_retry_waits_for_its_run_after_and_records_a_capped_error, |t| async move {
    enqueue(&t.store, &[job(1, "erase/r1/crm")]).await;
    let held = t.store.claim_jobs(&claim(&[ERASE], "t1", TEST_NOW_MS, 1)).await.unwrap();
    let id = held[0].id;
    let long_error = format!("connector.timeout {}", "x".repeat(1000));
    let run_after = TEST_NOW_MS + 5_000;
    assert!(t.store.retry_job(id, "t1", TEST_NOW_MS + 10, run_after, &long_error).await.unwrap());
    let info = t.store.job(id).await.unwrap().unwrap();
    assert_eq!(info.state, JobState::Queued);
    assert_eq!(info.run_after_ms, run_after);
    assert_eq!(info.attempts, 1);
    assert_eq!(info.lease_until_ms, None);
    let error = info.last_error.unwrap();
    assert_eq!(error.chars().count(), JOB_ERROR_CHARS_MAX);
    assert!(error.starts_with("connector.timeout"));
    // Once retried, the old token is spent.
    assert!(!t.store.complete_job(id, "t1", TEST_NOW_MS + 11).await.unwrap());

    assert!(t.store.claim_jobs(&claim(&[ERASE], "t2", run_after - 1, 1)).await.unwrap().is_empty());
    let again = t.store.claim_jobs(&claim(&[ERASE], "t2", run_after, 1)).await.unwrap();
    assert_eq!(again[0].attempts, 2);
    assert!(t.store.fail_job(id, "t2", run_after + 1, "connector.refused").await.unwrap());
    let info = t.store.job(id).await.unwrap().unwrap();
    assert_eq!(info.state, JobState::Failed);
    assert_eq!(info.last_error.as_deref(), Some("connector.refused"));
    assert_eq!(info.finished_at_ms, Some(run_after + 1));
    assert!(t.store.claim_jobs(&claim(&[ERASE], "t3", i64::MAX, 1)).await.unwrap().is_empty());
});

store_test!(cancelling_a_request_stops_its_queued_and_running_jobs_only, |t| async move {
    let request = insert_request(&t.store, 1).await;
    let other_request = insert_request(&t.store, 2).await;
    enqueue(
        &t.store,
        &[
            job(1, "a").for_request(request),
            job(2, "b").for_request(request),
            job(3, "c").for_request(request).run_after(TEST_NOW_MS + 1),
            job(4, "d").for_request(other_request),
        ],
    )
    .await;
    let held = t.store.claim_jobs(&claim(&[ERASE], "t", TEST_NOW_MS, 2)).await.unwrap();
    let keys: Vec<&str> = held.iter().map(|j| j.dedupe_key.as_str()).collect();
    assert_eq!(keys, ["a", "b"]);
    assert!(t.store.complete_job(held[0].id, "t", TEST_NOW_MS).await.unwrap());

    assert_eq!(t.store.cancel_jobs_for_request(request, TEST_NOW_MS + 2).await.unwrap(), 2);
    let states: Vec<JobState> =
        t.store.jobs_for_request(request).await.unwrap().iter().map(|j| j.state).collect();
    assert_eq!(states, [JobState::Done, JobState::Cancelled, JobState::Cancelled]);
    // The worker running `b` finds its lease gone.
    assert!(!t.store.heartbeat_job(held[1].id, "t", TEST_NOW_MS + 3, LEASE_MS).await.unwrap());
    assert!(!t.store.complete_job(held[1].id, "t", TEST_NOW_MS + 3).await.unwrap());
    assert_eq!(
        t.store.job_counts().await.unwrap(),
        JobCounts { queued: 1, done: 1, cancelled: 2, ..JobCounts::default() }
    );
    assert!(t.store.jobs_for_request(Id::from_parts(9, 9)).await.unwrap().is_empty());
});

store_test!(bad_claims_are_refused_with_a_clear_error, |t| async move {
    let mut bad = claim(&[ERASE], "", TEST_NOW_MS, 1);
    assert!(t.store.claim_jobs(&bad).await.unwrap_err().to_string().contains("lease token"));
    bad.token = "t";
    bad.worker = "line\nbreak";
    assert!(t.store.claim_jobs(&bad).await.unwrap_err().to_string().contains("worker name"));
    let kinds = ["Not A Kind"];
    let bad = claim(&kinds, "t", TEST_NOW_MS, 1);
    assert!(t.store.claim_jobs(&bad).await.unwrap_err().to_string().contains("job kind"));
});

store_test!(concurrent_claimers_never_take_the_same_job, |t| async move {
    const JOBS: u128 = 200;
    let jobs: Vec<NewJob> = (0..JOBS).map(|n| job(n, &format!("erase/r{n}/crm"))).collect();
    enqueue(&t.store, &jobs).await;

    // Four claimers, each its own store (as four ombud processes would be), claiming
    // small batches as fast as they can until nothing is left.
    let mut claimers = Vec::new();
    for worker in 0..4 {
        let store = t.reopen().await;
        claimers.push(tokio::spawn(async move {
            let mut got = Vec::new();
            for round in 0.. {
                let token = format!("w{worker}-{round}");
                let kinds = [ERASE];
                let claim = JobClaim {
                    kinds: &kinds,
                    worker: "claimer",
                    token: &token,
                    now_ms: TEST_NOW_MS,
                    lease_ms: LEASE_MS,
                    limit: 7,
                };
                let batch = store.claim_jobs(&claim).await.unwrap();
                if batch.is_empty() {
                    break;
                }
                got.extend(batch.into_iter().map(|j| (j.id, j.lease_token)));
                tokio::task::yield_now().await;
            }
            store.close().await;
            got
        }));
    }
    let mut claimed: HashMap<Id, u32> = HashMap::new();
    let mut per_worker = Vec::new();
    for claimer in claimers {
        let got = claimer.await.unwrap();
        per_worker.push(got.len());
        for (id, token) in got {
            *claimed.entry(id).or_default() += 1;
            // The claim's token is the one stored: the job is that claimer's.
            assert!(t.store.heartbeat_job(id, &token, TEST_NOW_MS, LEASE_MS).await.unwrap());
        }
    }
    assert_eq!(claimed.len(), 200, "every job claimed (per worker: {per_worker:?})");
    assert!(claimed.values().all(|&n| n == 1), "a job was claimed twice: {claimed:?}");
    for id in claimed.keys() {
        assert_eq!(t.store.job(*id).await.unwrap().unwrap().attempts, 1);
    }
});
