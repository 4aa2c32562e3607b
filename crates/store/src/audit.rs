//! The audit chain's storage: appending an event in the caller's transaction, reading a
//! request's timeline, and walking the whole chain for `ombud audit verify`.
//!
//! Appends are serialized through the one-row `audit_head` table: on PostgreSQL the
//! row is locked (`FOR UPDATE`) until the transaction commits, so several ombud
//! processes never fork the chain; on SQLite the write transaction already holds the
//! database's single write lock.

use ombud_core::audit::{ChainVerifier, EventBody, GENESIS, Hash, Head, Report, StoredEvent};
use ombud_core::id::Id;
use sqlx::Row as _;

use crate::{Store, StoreError, Tx, on_conn};

/// Events read per query while verifying: bounded memory whatever the chain's length.
const VERIFY_PAGE_ROWS: i64 = 20_000;

/// An event to append. Its text holds ids, codes and dates, never personal data.
#[derive(Clone, Copy, Debug)]
pub struct AuditDraft<'a> {
    /// When (Unix ms).
    pub at_ms: i64,
    /// Who: `system`, `cli`, `staff:<id>`, `subject`.
    pub actor: &'a str,
    /// What: `request.submitted`, `request.verified`, `request.subject_viewed`, …
    pub action: &'a str,
    /// The request it is about, if any.
    pub request_id: Option<Id>,
    /// Details as canonical JSON text.
    pub payload: &'a str,
}

fn to_hash(bytes: &[u8], what: &str) -> Result<Hash, StoreError> {
    bytes.try_into().map_err(|_| StoreError::Corrupt(format!("{what} is not 32 bytes")))
}

fn to_seq(value: i64) -> Result<u64, StoreError> {
    u64::try_from(value)
        .map_err(|_| StoreError::Corrupt(format!("audit sequence {value} is negative")))
}

fn to_db_seq(value: u64) -> Result<i64, StoreError> {
    i64::try_from(value)
        .map_err(|_| StoreError::Corrupt("the audit sequence overflowed".to_owned()))
}

impl Tx {
    /// Appends an event to the chain, in this transaction. Returns its sequence number.
    pub async fn append_audit(&mut self, draft: AuditDraft<'_>) -> Result<u64, StoreError> {
        let postgres = self.is_postgres();
        let head = on_conn!(self.conn(), c => {
            let sql = if postgres {
                "SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE"
            } else {
                "SELECT seq, hash FROM audit_head WHERE id = 1"
            };
            sqlx::query(sql)
                .fetch_optional(c)
                .await
                .map_err(|e| StoreError::from_sqlx(e, "read the audit head"))?
                .map(|row| Ok::<_, sqlx::Error>((row.try_get::<i64, _>("seq")?, row.try_get::<Vec<u8>, _>("hash")?)))
                .transpose()
                .map_err(|e| StoreError::from_sqlx(e, "read the audit head"))?
        });
        let (last_seq, last_hash) = head.ok_or_else(|| {
            StoreError::Corrupt("the audit head row is missing; run `ombud audit verify` to see what happened to the log".to_owned())
        })?;
        let prev = to_hash(&last_hash, "the audit head's hash")?;
        let seq = to_seq(last_seq)? + 1;
        let request_id = draft.request_id.map(|id| id.to_string()).unwrap_or_default();
        let body = EventBody {
            seq,
            at_ms: draft.at_ms,
            actor: draft.actor,
            action: draft.action,
            request_id: &request_id,
            payload: draft.payload,
        };
        let hash = self.keys().audit_chain().hash(&prev, &body);
        let db_seq = to_db_seq(seq)?;
        on_conn!(self.conn(), c => {
            sqlx::query(
                "INSERT INTO audit_events (seq, at_ms, actor, action, request_id, payload, prev_hash, hash) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(db_seq)
            .bind(draft.at_ms)
            .bind(draft.actor)
            .bind(draft.action)
            .bind(&request_id)
            .bind(draft.payload)
            .bind(prev.to_vec())
            .bind(hash.to_vec())
            .execute(&mut *c)
            .await
            .map_err(|e| StoreError::from_sqlx(e, "append an audit event"))?;
            sqlx::query("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1")
                .bind(db_seq)
                .bind(hash.to_vec())
                .execute(c)
                .await
                .map_err(|e| StoreError::from_sqlx(e, "move the audit head"))?;
        });
        Ok(seq)
    }

    /// The events about one request, oldest first (at most `TIMELINE_EVENTS_MAX`).
    pub async fn timeline(&mut self, request_id: Id) -> Result<Vec<StoredEvent>, StoreError> {
        let rows = on_conn!(self.conn(), c => {
            sqlx::query(
                "SELECT seq, at_ms, actor, action, request_id, payload, prev_hash, hash FROM audit_events \
                 WHERE request_id = $1 ORDER BY seq LIMIT $2",
            )
            .bind(request_id.to_string())
            .bind(i64::from(ombud_core::limits::TIMELINE_EVENTS_MAX))
            .fetch_all(c)
            .await
            .map_err(|e| StoreError::from_sqlx(e, "read a timeline"))?
            .iter()
            .map(raw_event)
            .collect::<Result<Vec<_>, sqlx::Error>>()
            .map_err(|e| StoreError::from_sqlx(e, "read a timeline"))?
        });
        rows.into_iter().map(RawEvent::into_event).collect()
    }

    /// The head row: the last event's sequence number and hash.
    pub async fn audit_head(&mut self) -> Result<Option<Head>, StoreError> {
        let row = on_conn!(self.conn(), c => {
            sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1")
                .fetch_optional(c)
                .await
                .map_err(|e| StoreError::from_sqlx(e, "read the audit head"))?
                .map(|row| Ok::<_, sqlx::Error>((row.try_get::<i64, _>("seq")?, row.try_get::<Vec<u8>, _>("hash")?)))
                .transpose()
                .map_err(|e| StoreError::from_sqlx(e, "read the audit head"))?
        });
        row.map(|(seq, hash)| {
            Ok(Head { seq: to_seq(seq)?, hash: to_hash(&hash, "the audit head's hash")? })
        })
        .transpose()
    }
}

struct RawEvent {
    seq: i64,
    at_ms: i64,
    actor: String,
    action: String,
    request_id: String,
    payload: String,
    prev_hash: Vec<u8>,
    hash: Vec<u8>,
}

fn raw_event<R: sqlx::Row>(row: &R) -> Result<RawEvent, sqlx::Error>
where
    usize: sqlx::ColumnIndex<R>,
    i64: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    String: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    Vec<u8>: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    Ok(RawEvent {
        seq: row.try_get(0)?,
        at_ms: row.try_get(1)?,
        actor: row.try_get(2)?,
        action: row.try_get(3)?,
        request_id: row.try_get(4)?,
        payload: row.try_get(5)?,
        prev_hash: row.try_get(6)?,
        hash: row.try_get(7)?,
    })
}

impl RawEvent {
    fn into_event(self) -> Result<StoredEvent, StoreError> {
        Ok(StoredEvent {
            seq: to_seq(self.seq)?,
            at_ms: self.at_ms,
            actor: self.actor,
            action: self.action,
            request_id: self.request_id,
            payload: self.payload,
            // A hash column of the wrong length is itself tampering; it is reported by
            // the verifier as an edited event rather than stopping the walk.
            prev_hash: self.prev_hash.as_slice().try_into().unwrap_or(GENESIS),
            hash: self.hash.as_slice().try_into().unwrap_or([0xff; 32]),
        })
    }
}

impl Store {
    /// Walks the whole chain and reports every problem (`ombud audit verify`). Memory
    /// stays bounded: events are read a page at a time.
    pub async fn verify_audit(&self, expected: Option<Head>) -> Result<Report, StoreError> {
        let mut tx = self.read().await?;
        let mut verifier = ChainVerifier::new(self.keys().audit_chain().clone(), expected);
        let mut after: i64 = i64::MIN;
        loop {
            let page = on_conn!(tx.conn(), c => {
                sqlx::query(
                    "SELECT seq, at_ms, actor, action, request_id, payload, prev_hash, hash FROM audit_events \
                     WHERE seq > $1 ORDER BY seq LIMIT $2",
                )
                .bind(after)
                .bind(VERIFY_PAGE_ROWS)
                .fetch_all(c)
                .await
                .map_err(|e| StoreError::from_sqlx(e, "read the audit log"))?
                .iter()
                .map(raw_event)
                .collect::<Result<Vec<_>, sqlx::Error>>()
                .map_err(|e| StoreError::from_sqlx(e, "read the audit log"))?
            });
            let Some(last) = page.last() else { break };
            after = last.seq;
            let full = i64::try_from(page.len()).unwrap_or(i64::MAX) == VERIFY_PAGE_ROWS;
            for raw in page {
                // A negative seq can only come from tampering; it sorts first and the
                // verifier reports it as out of place.
                let mut event_seq = raw.seq;
                if event_seq < 0 {
                    event_seq = 0;
                }
                let mut raw = raw;
                raw.seq = event_seq;
                verifier.push(raw.into_event()?);
            }
            if !full {
                break;
            }
        }
        let head = tx.audit_head().await?;
        Ok(verifier.finish(head))
    }
}
