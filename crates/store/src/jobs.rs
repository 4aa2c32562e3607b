//! Durable jobs: work that must survive a crash, such as the erasure of an approved
//! request in each of the company's systems. A job is enqueued in the transaction of
//! the change that causes it ([`Tx::enqueue_job`]), so approving a request and queueing
//! its work commit together or not at all.
//!
//! A worker claims jobs with a lease ([`Store::claim_jobs`]): the job is `running`,
//! owned by the worker and its lease token until `lease_until_ms`. The worker extends
//! the lease while it works ([`Store::heartbeat_job`]) and ends it by completing,
//! retrying or failing the job — each of which only succeeds with the current token, so
//! a worker whose lease ran out and was taken over can no longer change the job. A job
//! whose worker died is claimed again once its lease runs out: delivery is at least
//! once, and handlers make their side effects idempotent (docs/jobs.md).
//!
//! On PostgreSQL several ombud processes claim from one table with `FOR UPDATE SKIP
//! LOCKED`; on SQLite the claim runs in the one writer's `BEGIN IMMEDIATE` transaction,
//! which already excludes every other claimer.
//!
//! The payload is a small JSON text of ids; it must never hold personal data, because
//! jobs are not encrypted and the CLI prints them.

use ombud_core::id::Id;
use sqlx::Row as _;

use crate::{Store, StoreError, Tx, on_conn};

/// Bytes of a job's payload (JSON of ids; an erasure step needs a request and a system).
pub const JOB_PAYLOAD_BYTES_MAX: usize = 4096;
/// Characters of a job kind (`fulfil.erase`).
pub const JOB_KIND_CHARS_MAX: usize = 64;
/// Characters of a dedupe key (`erase/<request id>/<system id>`).
pub const JOB_DEDUPE_KEY_CHARS_MAX: usize = 256;
/// Characters of a worker name or a lease token.
pub const JOB_LEASE_TEXT_CHARS_MAX: usize = 128;
/// Characters of a job's last error kept in the store (a code and a short safe text).
pub const JOB_ERROR_CHARS_MAX: usize = 300;
/// Jobs one claim may take.
pub const JOB_CLAIM_LIMIT_MAX: u32 = 1000;
/// Kinds one claim may name.
pub const JOB_CLAIM_KINDS_MAX: usize = 64;

/// Where a job is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum JobState {
    /// Waiting for `run_after_ms`, then for a worker.
    Queued,
    /// Claimed by a worker whose lease has not been given up.
    Running,
    /// Finished (terminal).
    Done,
    /// Gave up: a permanent error or no attempts left (terminal; staff look at it).
    Failed,
    /// Cancelled, for example because its request was withdrawn (terminal).
    Cancelled,
}

impl JobState {
    /// Every state, in the order of a job's life.
    pub const ALL: [JobState; 5] = [
        JobState::Queued,
        JobState::Running,
        JobState::Done,
        JobState::Failed,
        JobState::Cancelled,
    ];

    /// The stored text.
    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Queued => "queued",
            JobState::Running => "running",
            JobState::Done => "done",
            JobState::Failed => "failed",
            JobState::Cancelled => "cancelled",
        }
    }

    /// Parses the stored text.
    pub fn parse(text: &str) -> Option<JobState> {
        JobState::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// Whether the job will never run again.
    pub fn is_terminal(self) -> bool {
        matches!(self, JobState::Done | JobState::Failed | JobState::Cancelled)
    }
}

/// Why a job cannot be built; names the field and the rule, never the value.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum JobInputError {
    /// The kind is empty, too long or not `[a-z0-9._-]`.
    Kind,
    /// The dedupe key is empty, too long or not printable ASCII without spaces.
    DedupeKey,
    /// The payload is longer than [`JOB_PAYLOAD_BYTES_MAX`].
    PayloadTooLarge {
        /// Its length in bytes.
        bytes: usize,
    },
    /// The payload is not a JSON object.
    PayloadNotJsonObject,
}

impl std::fmt::Display for JobInputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            JobInputError::Kind => write!(
                f,
                "a job kind must be 1 to {JOB_KIND_CHARS_MAX} characters of a-z, 0-9, '.', '_' or '-'"
            ),
            JobInputError::DedupeKey => write!(
                f,
                "a job's dedupe key must be 1 to {JOB_DEDUPE_KEY_CHARS_MAX} printable ASCII characters without spaces"
            ),
            JobInputError::PayloadTooLarge { bytes } => write!(
                f,
                "a job payload of {bytes} bytes is over the limit of {JOB_PAYLOAD_BYTES_MAX}; put ids in it, not data"
            ),
            JobInputError::PayloadNotJsonObject => {
                f.write_str("a job payload must be a JSON object")
            }
        }
    }
}

impl std::error::Error for JobInputError {}

/// A job to enqueue, checked when built.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewJob {
    id: Id,
    kind: String,
    dedupe_key: String,
    request_id: Option<Id>,
    payload: String,
    run_after_ms: Option<i64>,
}

impl NewJob {
    /// A job of `kind` (`fulfil.erase`) whose side effect is named by `dedupe_key`
    /// (`erase/<request id>/<system id>`), with a JSON-object payload of ids.
    pub fn new(
        id: Id,
        kind: &str,
        dedupe_key: &str,
        payload: &str,
    ) -> Result<NewJob, JobInputError> {
        check_kind(kind)?;
        let key_ok = !dedupe_key.is_empty()
            && dedupe_key.len() <= JOB_DEDUPE_KEY_CHARS_MAX
            && dedupe_key.bytes().all(|b| b.is_ascii_graphic());
        if !key_ok {
            return Err(JobInputError::DedupeKey);
        }
        if payload.len() > JOB_PAYLOAD_BYTES_MAX {
            return Err(JobInputError::PayloadTooLarge { bytes: payload.len() });
        }
        match serde_json::from_str::<serde_json::Value>(payload) {
            Ok(serde_json::Value::Object(_)) => {}
            _ => return Err(JobInputError::PayloadNotJsonObject),
        }
        Ok(NewJob {
            id,
            kind: kind.to_owned(),
            dedupe_key: dedupe_key.to_owned(),
            request_id: None,
            payload: payload.to_owned(),
            run_after_ms: None,
        })
    }

    /// The request the job works for (listed and cancelled with it).
    pub fn for_request(mut self, request_id: Id) -> NewJob {
        self.request_id = Some(request_id);
        self
    }

    /// Not before this time (Unix ms); by default, as soon as it is enqueued.
    pub fn run_after(mut self, run_after_ms: i64) -> NewJob {
        self.run_after_ms = Some(run_after_ms);
        self
    }

    /// Its id.
    pub fn id(&self) -> Id {
        self.id
    }

    /// Its dedupe key.
    pub fn dedupe_key(&self) -> &str {
        &self.dedupe_key
    }
}

fn check_kind(kind: &str) -> Result<(), JobInputError> {
    let ok = !kind.is_empty()
        && kind.len() <= JOB_KIND_CHARS_MAX
        && kind
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b));
    if ok { Ok(()) } else { Err(JobInputError::Kind) }
}

/// What a worker asks for when it claims jobs.
#[derive(Clone, Debug)]
pub struct JobClaim<'a> {
    /// The kinds it can run; an empty list claims nothing.
    pub kinds: &'a [&'a str],
    /// Its name (host and process), recorded as the lease owner for staff to see.
    pub worker: &'a str,
    /// A fresh random token for this claim; only its holder can heartbeat, complete,
    /// retry or fail the jobs claimed. The caller supplies it so the randomness is
    /// injected.
    pub token: &'a str,
    /// Now (Unix ms).
    pub now_ms: i64,
    /// How long the lease lasts before another worker may take the job.
    pub lease_ms: i64,
    /// At most this many jobs (capped at [`JOB_CLAIM_LIMIT_MAX`]).
    pub limit: u32,
}

/// A job a worker holds the lease of.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClaimedJob {
    /// Id.
    pub id: Id,
    /// Kind.
    pub kind: String,
    /// The key naming its side effect.
    pub dedupe_key: String,
    /// Its request, if any.
    pub request_id: Option<Id>,
    /// The JSON payload (ids).
    pub payload: String,
    /// Attempts including this one (1 on the first run).
    pub attempts: u32,
    /// When it became due (Unix ms).
    pub run_after_ms: i64,
    /// The lease token to present.
    pub lease_token: String,
    /// When the lease runs out unless extended (Unix ms).
    pub lease_until_ms: i64,
}

/// A job as staff see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JobInfo {
    /// Id.
    pub id: Id,
    /// Kind.
    pub kind: String,
    /// The key naming its side effect.
    pub dedupe_key: String,
    /// Its request, if any.
    pub request_id: Option<Id>,
    /// The JSON payload (ids).
    pub payload: String,
    /// State.
    pub state: JobState,
    /// Attempts so far (claims, including a running one).
    pub attempts: u32,
    /// Not before (Unix ms).
    pub run_after_ms: i64,
    /// The worker that holds or last held it.
    pub lease_owner: Option<String>,
    /// When the current lease runs out (running jobs only).
    pub lease_until_ms: Option<i64>,
    /// The last error code.
    pub last_error: Option<String>,
    /// Enqueued at (Unix ms).
    pub created_at_ms: i64,
    /// Last changed at (Unix ms).
    pub updated_at_ms: i64,
    /// Done, failed or cancelled at (Unix ms).
    pub finished_at_ms: Option<i64>,
}

/// How many jobs are in each state.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct JobCounts {
    /// Queued (due or not).
    pub queued: u64,
    /// Running (including leases that ran out and wait to be reclaimed).
    pub running: u64,
    /// Done.
    pub done: u64,
    /// Failed.
    pub failed: u64,
    /// Cancelled.
    pub cancelled: u64,
}

impl JobCounts {
    /// The count of one state.
    pub fn get(&self, state: JobState) -> u64 {
        match state {
            JobState::Queued => self.queued,
            JobState::Running => self.running,
            JobState::Done => self.done,
            JobState::Failed => self.failed,
            JobState::Cancelled => self.cancelled,
        }
    }

    fn slot(&mut self, state: JobState) -> &mut u64 {
        match state {
            JobState::Queued => &mut self.queued,
            JobState::Running => &mut self.running,
            JobState::Done => &mut self.done,
            JobState::Failed => &mut self.failed,
            JobState::Cancelled => &mut self.cancelled,
        }
    }
}

/// Keeps the first `JOB_ERROR_CHARS_MAX` characters of an error.
fn cap_error(error: &str) -> String {
    error.chars().take(JOB_ERROR_CHARS_MAX).collect()
}

fn corrupt(id: &str) -> StoreError {
    StoreError::Corrupt(format!("job {id} has a malformed row"))
}

fn parse_id(text: &str, row: &str) -> Result<Id, StoreError> {
    Id::parse(text).ok_or_else(|| corrupt(row))
}

fn parse_opt_id(text: Option<&str>, row: &str) -> Result<Option<Id>, StoreError> {
    text.map(|t| parse_id(t, row)).transpose()
}

fn attempts(value: i64, row: &str) -> Result<u32, StoreError> {
    u32::try_from(value).map_err(|_| corrupt(row))
}

/// Checks a worker name or token before it is written.
fn check_lease_text(text: &str, what: &str) -> Result<(), StoreError> {
    if text.is_empty()
        || text.chars().count() > JOB_LEASE_TEXT_CHARS_MAX
        || text.chars().any(char::is_control)
    {
        return Err(StoreError::Conflict(format!(
            "a job {what} must be 1 to {JOB_LEASE_TEXT_CHARS_MAX} characters without control characters"
        )));
    }
    Ok(())
}

/// The claimed columns, as read.
type ClaimedRow = (String, String, String, Option<String>, String, i64, i64, String, i64);

macro_rules! claimed_from_row {
    ($row:expr) => {{
        let row = $row;
        (
            row.try_get::<String, _>("id")?,
            row.try_get::<String, _>("kind")?,
            row.try_get::<String, _>("dedupe_key")?,
            row.try_get::<Option<String>, _>("request_id")?,
            row.try_get::<String, _>("payload")?,
            row.try_get::<i64, _>("attempts")?,
            row.try_get::<i64, _>("run_after_ms")?,
            row.try_get::<String, _>("lease_token")?,
            row.try_get::<i64, _>("lease_until_ms")?,
        )
    }};
}

fn parse_claimed(row: ClaimedRow) -> Result<ClaimedJob, StoreError> {
    let (id, kind, dedupe_key, request_id, payload, tries, run_after_ms, token, until) = row;
    Ok(ClaimedJob {
        id: parse_id(&id, &id)?,
        kind,
        dedupe_key,
        request_id: parse_opt_id(request_id.as_deref(), &id)?,
        payload,
        attempts: attempts(tries, &id)?,
        run_after_ms,
        lease_token: token,
        lease_until_ms: until,
    })
}

/// Every column of a job, as read.
type InfoRow = (
    String,
    String,
    String,
    Option<String>,
    String,
    String,
    i64,
    i64,
    Option<String>,
    Option<i64>,
    Option<String>,
    i64,
    i64,
    Option<i64>,
);

/// A query of whole job rows, ending in `$tail`.
macro_rules! select_jobs {
    ($tail:literal) => {
        concat!(
            "SELECT id, kind, dedupe_key, request_id, payload, state, attempts, run_after_ms, ",
            "lease_owner, lease_until_ms, last_error, created_at_ms, updated_at_ms, finished_at_ms ",
            "FROM jobs ",
            $tail
        )
    };
}

macro_rules! info_from_row {
    ($row:expr) => {{
        let row = $row;
        (
            row.try_get::<String, _>("id")?,
            row.try_get::<String, _>("kind")?,
            row.try_get::<String, _>("dedupe_key")?,
            row.try_get::<Option<String>, _>("request_id")?,
            row.try_get::<String, _>("payload")?,
            row.try_get::<String, _>("state")?,
            row.try_get::<i64, _>("attempts")?,
            row.try_get::<i64, _>("run_after_ms")?,
            row.try_get::<Option<String>, _>("lease_owner")?,
            row.try_get::<Option<i64>, _>("lease_until_ms")?,
            row.try_get::<Option<String>, _>("last_error")?,
            row.try_get::<i64, _>("created_at_ms")?,
            row.try_get::<i64, _>("updated_at_ms")?,
            row.try_get::<Option<i64>, _>("finished_at_ms")?,
        )
    }};
}

fn parse_info(row: InfoRow) -> Result<JobInfo, StoreError> {
    let (
        id,
        kind,
        dedupe_key,
        request_id,
        payload,
        state,
        tries,
        run_after_ms,
        lease_owner,
        lease_until_ms,
        last_error,
        created_at_ms,
        updated_at_ms,
        finished_at_ms,
    ) = row;
    Ok(JobInfo {
        id: parse_id(&id, &id)?,
        kind,
        dedupe_key,
        request_id: parse_opt_id(request_id.as_deref(), &id)?,
        payload,
        state: JobState::parse(&state).ok_or_else(|| corrupt(&id))?,
        attempts: attempts(tries, &id)?,
        run_after_ms,
        lease_owner,
        lease_until_ms,
        last_error,
        created_at_ms,
        updated_at_ms,
        finished_at_ms,
    })
}

/// The claim on PostgreSQL: rows another claimer holds are skipped, not waited for,
/// so concurrent workers take disjoint sets without blocking each other.
const CLAIM_POSTGRES: &str = "WITH picked AS ( \
       SELECT id FROM jobs WHERE kind = ANY($5) \
       AND ((state = 'queued' AND run_after_ms <= $4) OR (state = 'running' AND lease_until_ms <= $4)) \
       ORDER BY run_after_ms, id LIMIT $6 FOR UPDATE SKIP LOCKED) \
     UPDATE jobs SET state = 'running', attempts = jobs.attempts + 1, lease_owner = $1, \
       lease_token = $2, lease_until_ms = $3, updated_at_ms = $4 \
     FROM picked WHERE jobs.id = picked.id \
     RETURNING jobs.id, jobs.kind, jobs.dedupe_key, jobs.request_id, jobs.payload, jobs.attempts, \
       jobs.run_after_ms, jobs.lease_token, jobs.lease_until_ms";

/// The claim on SQLite: the transaction holds the database's one write lock (`BEGIN
/// IMMEDIATE`), so no other claimer runs between the choice and the update.
const CLAIM_SQLITE: &str = "UPDATE jobs SET state = 'running', attempts = attempts + 1, lease_owner = $1, \
       lease_token = $2, lease_until_ms = $3, updated_at_ms = $4 \
     WHERE id IN (SELECT id FROM jobs WHERE kind IN (SELECT value FROM json_each($5)) \
       AND ((state = 'queued' AND run_after_ms <= $4) OR (state = 'running' AND lease_until_ms <= $4)) \
       ORDER BY run_after_ms, id LIMIT $6) \
     RETURNING id, kind, dedupe_key, request_id, payload, attempts, run_after_ms, lease_token, lease_until_ms";

impl Tx {
    /// Enqueues a job in this transaction. Returns `false`, changing nothing, when a
    /// job with the same dedupe key exists in any state: one job per side effect.
    pub async fn enqueue_job(&mut self, job: &NewJob, now_ms: i64) -> Result<bool, StoreError> {
        let inserted = on_conn!(self.conn(), c => {
            sqlx::query(
                "INSERT INTO jobs (id, kind, dedupe_key, request_id, payload, state, attempts, run_after_ms, \
                 created_at_ms, updated_at_ms) VALUES ($1, $2, $3, $4, $5, 'queued', 0, $6, $7, $7) \
                 ON CONFLICT (dedupe_key) DO NOTHING",
            )
            .bind(job.id.to_string())
            .bind(&job.kind)
            .bind(&job.dedupe_key)
            .bind(job.request_id.map(|r| r.to_string()))
            .bind(&job.payload)
            .bind(job.run_after_ms.unwrap_or(now_ms))
            .bind(now_ms)
            .execute(c)
            .await
            .map_err(|e| StoreError::from_sqlx(e, "enqueue a job"))?
            .rows_affected()
        });
        Ok(inserted == 1)
    }

    /// Claims jobs in this transaction (see [`Store::claim_jobs`], which commits).
    pub async fn claim_jobs(
        &mut self,
        claim: &JobClaim<'_>,
    ) -> Result<Vec<ClaimedJob>, StoreError> {
        check_lease_text(claim.worker, "worker name")?;
        check_lease_text(claim.token, "lease token")?;
        if claim.kinds.len() > JOB_CLAIM_KINDS_MAX {
            return Err(StoreError::Conflict(format!(
                "a claim names {} job kinds; the limit is {JOB_CLAIM_KINDS_MAX}",
                claim.kinds.len()
            )));
        }
        if claim.kinds.is_empty() || claim.limit == 0 {
            return Ok(Vec::new());
        }
        if claim.kinds.iter().any(|k| check_kind(k).is_err()) {
            return Err(StoreError::Conflict(JobInputError::Kind.to_string()));
        }
        let until = claim.now_ms.saturating_add(claim.lease_ms.max(0));
        let limit = i64::from(claim.limit.min(JOB_CLAIM_LIMIT_MAX));
        let kinds: Vec<String> = claim.kinds.iter().map(|k| (*k).to_owned()).collect();
        let mut rows = match self.conn() {
            crate::Conn::Postgres(c) => sqlx::query(CLAIM_POSTGRES)
                .bind(claim.worker)
                .bind(claim.token)
                .bind(until)
                .bind(claim.now_ms)
                .bind(kinds)
                .bind(limit)
                .fetch_all(c)
                .await
                .map_err(|e| StoreError::from_sqlx(e, "claim jobs"))?
                .iter()
                .map(|row| Ok::<_, sqlx::Error>(claimed_from_row!(row)))
                .collect::<Result<Vec<_>, _>>(),
            crate::Conn::Sqlite(c) => {
                let kinds = serde_json::to_string(&kinds).map_err(|_| {
                    StoreError::Conflict("the job kinds do not serialize".to_owned())
                })?;
                sqlx::query(CLAIM_SQLITE)
                    .bind(claim.worker)
                    .bind(claim.token)
                    .bind(until)
                    .bind(claim.now_ms)
                    .bind(kinds)
                    .bind(limit)
                    .fetch_all(c)
                    .await
                    .map_err(|e| StoreError::from_sqlx(e, "claim jobs"))?
                    .iter()
                    .map(|row| Ok::<_, sqlx::Error>(claimed_from_row!(row)))
                    .collect::<Result<Vec<_>, _>>()
            }
        }
        .map_err(|e| StoreError::from_sqlx(e, "claim jobs"))?;
        // RETURNING gives no order; hand them out in the order they were chosen.
        rows.sort_by(|a, b| (a.6, &a.0).cmp(&(b.6, &b.0)));
        rows.into_iter().map(parse_claimed).collect()
    }

    /// Completes a running job held with `token`, in this transaction — so a handler
    /// records its result and completes its job atomically. Returns `false`, changing
    /// nothing, when the job is not running under that token (done already, cancelled,
    /// or taken over by another worker after the lease ran out).
    pub async fn complete_job(
        &mut self,
        id: Id,
        token: &str,
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        let changed = on_conn!(self.conn(), c => {
            sqlx::query(
                "UPDATE jobs SET state = 'done', lease_token = NULL, lease_until_ms = NULL, last_error = NULL, \
                 updated_at_ms = $3, finished_at_ms = $3 WHERE id = $1 AND state = 'running' AND lease_token = $2",
            )
            .bind(id.to_string())
            .bind(token)
            .bind(now_ms)
            .execute(c)
            .await
            .map_err(|e| StoreError::from_sqlx(e, "complete a job"))?
            .rows_affected()
        });
        Ok(changed == 1)
    }

    /// Extends the lease of a running job held with `token` to `now_ms + lease_ms`.
    /// `false` means the lease is lost: stop working on the job.
    pub async fn heartbeat_job(
        &mut self,
        id: Id,
        token: &str,
        now_ms: i64,
        lease_ms: i64,
    ) -> Result<bool, StoreError> {
        let until = now_ms.saturating_add(lease_ms.max(0));
        let changed = on_conn!(self.conn(), c => {
            sqlx::query(
                "UPDATE jobs SET lease_until_ms = $3, updated_at_ms = $4 \
                 WHERE id = $1 AND state = 'running' AND lease_token = $2",
            )
            .bind(id.to_string())
            .bind(token)
            .bind(until)
            .bind(now_ms)
            .execute(c)
            .await
            .map_err(|e| StoreError::from_sqlx(e, "extend a job's lease"))?
            .rows_affected()
        });
        Ok(changed == 1)
    }

    /// Gives a running job held with `token` back to the queue, due at `run_after_ms`,
    /// recording `error` (a code, capped). The attempt was counted when it was claimed.
    pub async fn retry_job(
        &mut self,
        id: Id,
        token: &str,
        now_ms: i64,
        run_after_ms: i64,
        error: &str,
    ) -> Result<bool, StoreError> {
        let changed = on_conn!(self.conn(), c => {
            sqlx::query(
                "UPDATE jobs SET state = 'queued', run_after_ms = $4, last_error = $5, lease_token = NULL, \
                 lease_until_ms = NULL, updated_at_ms = $3 WHERE id = $1 AND state = 'running' AND lease_token = $2",
            )
            .bind(id.to_string())
            .bind(token)
            .bind(now_ms)
            .bind(run_after_ms)
            .bind(cap_error(error))
            .execute(c)
            .await
            .map_err(|e| StoreError::from_sqlx(e, "retry a job"))?
            .rows_affected()
        });
        Ok(changed == 1)
    }

    /// Marks a running job held with `token` failed for good, recording `error`.
    pub async fn fail_job(
        &mut self,
        id: Id,
        token: &str,
        now_ms: i64,
        error: &str,
    ) -> Result<bool, StoreError> {
        let changed = on_conn!(self.conn(), c => {
            sqlx::query(
                "UPDATE jobs SET state = 'failed', last_error = $4, lease_token = NULL, lease_until_ms = NULL, \
                 updated_at_ms = $3, finished_at_ms = $3 WHERE id = $1 AND state = 'running' AND lease_token = $2",
            )
            .bind(id.to_string())
            .bind(token)
            .bind(now_ms)
            .bind(cap_error(error))
            .execute(c)
            .await
            .map_err(|e| StoreError::from_sqlx(e, "fail a job"))?
            .rows_affected()
        });
        Ok(changed == 1)
    }

    /// Cancels a request's jobs that are queued or running (a running job's worker then
    /// finds its lease lost). Returns how many were cancelled.
    pub async fn cancel_jobs_for_request(
        &mut self,
        request_id: Id,
        now_ms: i64,
    ) -> Result<u64, StoreError> {
        let changed = on_conn!(self.conn(), c => {
            sqlx::query(
                "UPDATE jobs SET state = 'cancelled', lease_token = NULL, lease_until_ms = NULL, \
                 updated_at_ms = $2, finished_at_ms = $2 WHERE request_id = $1 AND state IN ('queued', 'running')",
            )
            .bind(request_id.to_string())
            .bind(now_ms)
            .execute(c)
            .await
            .map_err(|e| StoreError::from_sqlx(e, "cancel a request's jobs"))?
            .rows_affected()
        });
        Ok(changed)
    }

    /// A request's jobs, oldest first.
    pub async fn jobs_for_request(&mut self, request_id: Id) -> Result<Vec<JobInfo>, StoreError> {
        let rows = on_conn!(self.conn(), c => {
            sqlx::query(select_jobs!("WHERE request_id = $1 ORDER BY created_at_ms, id"))
                .bind(request_id.to_string())
                .fetch_all(c)
                .await
                .map_err(|e| StoreError::from_sqlx(e, "read a request's jobs"))?
                .iter()
                .map(|row| Ok::<_, sqlx::Error>(info_from_row!(row)))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| StoreError::from_sqlx(e, "read a request's jobs"))?
        });
        rows.into_iter().map(parse_info).collect()
    }

    /// One job, or `None`.
    pub async fn job(&mut self, id: Id) -> Result<Option<JobInfo>, StoreError> {
        let row = on_conn!(self.conn(), c => {
            let row = sqlx::query(select_jobs!("WHERE id = $1"))
                .bind(id.to_string())
                .fetch_optional(c)
                .await
                .map_err(|e| StoreError::from_sqlx(e, "read a job"))?;
            match row {
                None => None,
                Some(row) => Some((|| Ok::<_, sqlx::Error>(info_from_row!(&row)))()
                    .map_err(|e| StoreError::from_sqlx(e, "read a job"))?),
            }
        });
        row.map(parse_info).transpose()
    }

    /// How many jobs are in each state.
    pub async fn job_counts(&mut self) -> Result<JobCounts, StoreError> {
        let rows = on_conn!(self.conn(), c => {
            sqlx::query("SELECT state, COUNT(*) AS n FROM jobs GROUP BY state")
                .fetch_all(c)
                .await
                .map_err(|e| StoreError::from_sqlx(e, "count jobs"))?
                .iter()
                .map(|row| Ok::<_, sqlx::Error>((row.try_get::<String, _>("state")?, row.try_get::<i64, _>("n")?)))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| StoreError::from_sqlx(e, "count jobs"))?
        });
        let mut counts = JobCounts::default();
        for (state, n) in rows {
            let state = JobState::parse(&state)
                .ok_or_else(|| StoreError::Corrupt("a job has an unknown state".to_owned()))?;
            *counts.slot(state) = u64::try_from(n).unwrap_or(0);
        }
        Ok(counts)
    }
}

/// The same operations, each in its own transaction: what a worker calls between
/// handler runs.
impl Store {
    /// Claims up to `claim.limit` jobs of `claim.kinds` and commits: queued jobs that
    /// are due (`run_after_ms <= now`), oldest first, and running jobs whose lease ran
    /// out (their worker died or stalled). Each claimed job is `running` with one more
    /// attempt, leased to `claim.worker` under `claim.token` until `now + lease_ms`.
    pub async fn claim_jobs(&self, claim: &JobClaim<'_>) -> Result<Vec<ClaimedJob>, StoreError> {
        let mut tx = self.begin().await?;
        let jobs = tx.claim_jobs(claim).await?;
        tx.commit().await?;
        Ok(jobs)
    }

    /// [`Tx::heartbeat_job`] in its own transaction.
    pub async fn heartbeat_job(
        &self,
        id: Id,
        token: &str,
        now_ms: i64,
        lease_ms: i64,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin().await?;
        let kept = tx.heartbeat_job(id, token, now_ms, lease_ms).await?;
        tx.commit().await?;
        Ok(kept)
    }

    /// [`Tx::complete_job`] in its own transaction.
    pub async fn complete_job(&self, id: Id, token: &str, now_ms: i64) -> Result<bool, StoreError> {
        let mut tx = self.begin().await?;
        let done = tx.complete_job(id, token, now_ms).await?;
        tx.commit().await?;
        Ok(done)
    }

    /// [`Tx::retry_job`] in its own transaction.
    pub async fn retry_job(
        &self,
        id: Id,
        token: &str,
        now_ms: i64,
        run_after_ms: i64,
        error: &str,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin().await?;
        let queued = tx.retry_job(id, token, now_ms, run_after_ms, error).await?;
        tx.commit().await?;
        Ok(queued)
    }

    /// [`Tx::fail_job`] in its own transaction.
    pub async fn fail_job(
        &self,
        id: Id,
        token: &str,
        now_ms: i64,
        error: &str,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin().await?;
        let failed = tx.fail_job(id, token, now_ms, error).await?;
        tx.commit().await?;
        Ok(failed)
    }

    /// [`Tx::cancel_jobs_for_request`] in its own transaction.
    pub async fn cancel_jobs_for_request(
        &self,
        request_id: Id,
        now_ms: i64,
    ) -> Result<u64, StoreError> {
        let mut tx = self.begin().await?;
        let cancelled = tx.cancel_jobs_for_request(request_id, now_ms).await?;
        tx.commit().await?;
        Ok(cancelled)
    }

    /// [`Tx::jobs_for_request`] on a read snapshot.
    pub async fn jobs_for_request(&self, request_id: Id) -> Result<Vec<JobInfo>, StoreError> {
        let mut tx = self.read().await?;
        tx.jobs_for_request(request_id).await
    }

    /// [`Tx::job`] on a read snapshot.
    pub async fn job(&self, id: Id) -> Result<Option<JobInfo>, StoreError> {
        let mut tx = self.read().await?;
        tx.job(id).await
    }

    /// [`Tx::job_counts`] on a read snapshot.
    pub async fn job_counts(&self) -> Result<JobCounts, StoreError> {
        let mut tx = self.read().await?;
        tx.job_counts().await
    }
}
