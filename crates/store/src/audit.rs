//! The audit chain's storage: appending an event in the caller's transaction, reading a
//! request's timeline, and walking the whole chain for `ombud audit verify`.
//!
//! Appends are serialized through the one-row `audit_head` table: on PostgreSQL the
//! row is locked (`FOR UPDATE`) until the transaction commits, so several ombud
//! processes never fork the chain; on SQLite the write transaction already holds the
//! database's single write lock.

use ombud_core::audit::{
    ChainVerifier, EventBody, EventRef, GENESIS, Hash, Head, Report, StoredEvent,
};
use ombud_core::id::Id;
use sqlx::Row as _;

use crate::{Store, StoreError, Tx, on_conn};

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

/// Events handed from the reader to the verifier at a time.
const WALK_BATCH_EVENTS: usize = 4_096;

/// Batches in flight between the reader and the verifier: bounded memory.
const WALK_BATCHES_IN_FLIGHT: usize = 4;

const WALK_SQL: &str = "SELECT seq, at_ms, actor, action, request_id, payload, prev_hash, hash FROM audit_events ORDER BY seq";

/// Events packed for the hand-over from the reader thread to the verifier thread: the
/// text of every event in one string, so a batch of thousands costs two allocations
/// instead of four per event (per-event allocations freed on another thread made the
/// walk four times slower, measured).
struct Batch {
    text: String,
    rows: Vec<PackedRow>,
}

struct PackedRow {
    seq: u64,
    at_ms: i64,
    /// The end of each of the four texts (actor, action, request id, payload) in
    /// `Batch::text`; each starts where the one before ends.
    ends: [usize; 4],
    prev_hash: Hash,
    hash: Hash,
}

impl Batch {
    fn new() -> Batch {
        Batch {
            text: String::with_capacity(WALK_BATCH_EVENTS * 200),
            rows: Vec::with_capacity(WALK_BATCH_EVENTS),
        }
    }

    /// Adds an event. A column tampered into something that does not decode is still
    /// handed on, for the verifier to report: text is read lossily, a hash of the
    /// wrong length becomes one that cannot match, a negative sequence becomes 0.
    fn push(&mut self, seq: i64, at_ms: i64, text: [&[u8]; 4], prev_hash: &[u8], hash: &[u8]) {
        let mut ends = [0usize; 4];
        for (slot, bytes) in text.iter().enumerate() {
            match std::str::from_utf8(bytes) {
                Ok(valid) => self.text.push_str(valid),
                Err(_) => self.text.push_str(&String::from_utf8_lossy(bytes)),
            }
            ends[slot] = self.text.len();
        }
        self.rows.push(PackedRow {
            seq: u64::try_from(seq).unwrap_or(0),
            at_ms,
            ends,
            prev_hash: prev_hash.try_into().unwrap_or(GENESIS),
            hash: hash.try_into().unwrap_or([0xff; 32]),
        });
    }

    fn is_full(&self) -> bool {
        self.rows.len() >= WALK_BATCH_EVENTS
    }

    /// Feeds every event to the verifier, borrowed.
    fn verify(&self, verifier: &mut ChainVerifier) {
        let mut start = 0;
        for row in &self.rows {
            let [a, b, c, d] = row.ends;
            let text = |from: usize, to: usize| self.text.get(from..to).unwrap_or_default();
            verifier.push_ref(EventRef {
                body: EventBody {
                    seq: row.seq,
                    at_ms: row.at_ms,
                    actor: text(start, a),
                    action: text(a, b),
                    request_id: text(b, c),
                    payload: text(c, d),
                },
                prev_hash: row.prev_hash,
                hash: row.hash,
            });
            start = d;
        }
    }
}

type BatchSender = tokio::sync::mpsc::Sender<Batch>;

fn stopped() -> StoreError {
    StoreError::Unavailable("the audit walk stopped".to_owned())
}

impl Store {
    /// Walks the whole chain and reports every problem (`ombud audit verify`).
    ///
    /// One thread reads the events in order, in one read transaction (a consistent
    /// snapshot with the head row), and hands them in packed batches to another that
    /// verifies them, so reading and hashing overlap on two cores. Memory stays bounded:
    /// a few batches are in flight at most. On SQLite the reader is rusqlite (see the
    /// workspace manifest for why); on PostgreSQL, one streamed query.
    pub async fn verify_audit(&self, expected: Option<Head>) -> Result<Report, StoreError> {
        let key = self.keys().audit_chain().clone();
        let (sender, mut receiver) = tokio::sync::mpsc::channel::<Batch>(WALK_BATCHES_IN_FLIGHT);
        let verifier = tokio::task::spawn_blocking(move || {
            let mut verifier = ChainVerifier::new(key, expected);
            while let Some(batch) = receiver.blocking_recv() {
                batch.verify(&mut verifier);
            }
            verifier
        });
        let head = match (&self.url, &self.pools) {
            (crate::StoreUrl::Sqlite { path }, _) => {
                let path = path.clone();
                tokio::task::spawn_blocking(move || read_sqlite(&path, &sender))
                    .await
                    .map_err(|_| stopped())??
            }
            (_, crate::Pools::Postgres(pool)) => read_postgres(pool, sender).await?,
            (_, crate::Pools::Sqlite { .. }) => {
                return Err(StoreError::Unavailable(
                    "the store URL and its pools disagree".to_owned(),
                ));
            }
        };
        let verifier = verifier.await.map_err(|_| stopped())?;
        Ok(verifier.finish(head))
    }
}

fn read_sqlite(path: &std::path::Path, sender: &BatchSender) -> Result<Option<Head>, StoreError> {
    use rusqlite::OpenFlags;
    fn fail(what: &'static str) -> impl Fn(rusqlite::Error) -> StoreError {
        move |_| StoreError::Unavailable(format!("read the audit log: {what}"))
    }
    let mut connection = rusqlite::Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(fail("cannot open the database"))?;
    connection
        .busy_timeout(std::time::Duration::from_millis(crate::SQLITE_BUSY_TIMEOUT_MS))
        .map_err(fail("cannot set the busy timeout"))?;
    // One read transaction: the events and the head row are one snapshot.
    let tx = connection.transaction().map_err(fail("cannot begin"))?;
    {
        let mut statement = tx.prepare(WALK_SQL).map_err(fail("cannot prepare"))?;
        let mut rows = statement.query([]).map_err(fail("cannot query"))?;
        let mut batch = Batch::new();
        while let Some(row) = rows.next().map_err(fail("cannot step"))? {
            // Each column is read once, borrowed from SQLite's row buffer.
            let columns: [&[u8]; 6] =
                [2usize, 3, 4, 5, 6, 7].map(|index| match row.get_ref(index) {
                    Ok(value) => value.as_bytes().unwrap_or_default(),
                    Err(_) => &[],
                });
            let seq: i64 = row.get(0).unwrap_or(0);
            let at_ms: i64 = row.get(1).unwrap_or(0);
            batch.push(
                seq,
                at_ms,
                [columns[0], columns[1], columns[2], columns[3]],
                columns[4],
                columns[5],
            );
            if batch.is_full() {
                sender
                    .blocking_send(std::mem::replace(&mut batch, Batch::new()))
                    .map_err(|_| stopped())?;
            }
        }
        if !batch.rows.is_empty() {
            sender.blocking_send(batch).map_err(|_| stopped())?;
        }
    }
    let head: Option<(i64, Vec<u8>)> =
        match tx.query_row("SELECT seq, hash FROM audit_head WHERE id = 1", [], |row| {
            Ok((row.get(0)?, row.get(1)?))
        }) {
            Ok(row) => Some(row),
            Err(rusqlite::Error::QueryReturnedNoRows) => None,
            Err(_) => return Err(StoreError::Unavailable("read the audit head".to_owned())),
        };
    head.map(|(seq, hash)| {
        Ok(Head { seq: to_seq(seq)?, hash: to_hash(&hash, "the audit head's hash")? })
    })
    .transpose()
}

/// The walk on PostgreSQL: one streamed query in a read-only, repeatable-read
/// transaction. (A binary `COPY` was tried: the server's cost of producing the rows,
/// about 2 µs each here, dominates either way, and the client's CPU was the same.)
async fn read_postgres(
    pool: &sqlx::PgPool,
    sender: BatchSender,
) -> Result<Option<Head>, StoreError> {
    use futures_util::TryStreamExt as _;
    use sqlx::Row as _;
    let mut tx = pool
        .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        .await
        .map_err(|e| StoreError::from_sqlx(e, "begin the audit walk"))?;
    {
        let mut rows = sqlx::query(WALK_SQL).fetch(&mut *tx);
        let mut batch = Batch::new();
        let read = |e| StoreError::from_sqlx(e, "read the audit log");
        while let Some(row) = rows.try_next().await.map_err(read)? {
            let text = |index: usize| row.try_get::<&str, _>(index).map(str::as_bytes);
            let bytes = |index: usize| row.try_get::<&[u8], _>(index);
            batch.push(
                row.try_get(0).map_err(read)?,
                row.try_get(1).map_err(read)?,
                [
                    text(2).map_err(read)?,
                    text(3).map_err(read)?,
                    text(4).map_err(read)?,
                    text(5).map_err(read)?,
                ],
                bytes(6).map_err(read)?,
                bytes(7).map_err(read)?,
            );
            if batch.is_full() {
                sender
                    .send(std::mem::replace(&mut batch, Batch::new()))
                    .await
                    .map_err(|_| stopped())?;
            }
        }
        if !batch.rows.is_empty() {
            sender.send(batch).await.map_err(|_| stopped())?;
        }
    }
    drop(sender);
    let mut tx = crate::Tx { inner: crate::TxInner::Postgres(tx), keys: crate::Keyring::locked() };
    tx.audit_head().await
}
