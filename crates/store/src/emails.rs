//! The outbox of messages: written in the transaction of the change that causes them,
//! delivered after it commits, retried until sent. A message's content (recipient,
//! bodies) is personal data and is stored encrypted; the store never reads inside it.

use ombud_core::id::Id;
use sqlx::Row as _;
use zeroize::Zeroizing;

use crate::{StoreError, Tx, on_conn};

/// How many delivery attempts before a message is marked failed for staff to see.
pub const EMAIL_ATTEMPTS_MAX: u32 = 8;

/// A queued message, without its content.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueuedEmail {
    /// Id.
    pub id: Id,
    /// The request it is about.
    pub request_id: Option<Id>,
    /// What kind of message (`acknowledgement`, `verification_code`, …).
    pub kind: String,
    /// `pending`, `sending` (claimed by a delivery), `sent` or `failed`.
    pub status: String,
    /// Delivery attempts so far.
    pub attempts: u32,
    /// Why the last attempt failed (a safe message, no addresses).
    pub last_error: Option<String>,
    /// Queued at (Unix ms).
    pub created_at_ms: i64,
    /// Sent at (Unix ms).
    pub sent_at_ms: Option<i64>,
}

/// Where a message's ciphertext belongs: its request and its id, so a message moved
/// to another request (by someone editing the database) does not decrypt there.
fn context(request_id: Option<Id>, id: Id) -> String {
    match request_id {
        Some(request) => format!("emails.message_ct/{request}/{id}"),
        None => format!("emails.message_ct/-/{id}"),
    }
}

/// The columns of an email row, as read.
type EmailRow = (String, Option<String>, String, String, i64, Option<String>, i64, Option<i64>);

fn parse(row: EmailRow) -> Result<QueuedEmail, StoreError> {
    let (row_id, request_id, kind, status, attempts, last_error, created_at_ms, sent_at_ms) = row;
    let row_id = row_id.as_str();
    let corrupt = || StoreError::Corrupt(format!("email {row_id} has a malformed row"));
    Ok(QueuedEmail {
        id: Id::parse(row_id).ok_or_else(corrupt)?,
        request_id: request_id.as_deref().map(|r| Id::parse(r).ok_or_else(corrupt)).transpose()?,
        kind,
        status,
        attempts: u32::try_from(attempts).map_err(|_| corrupt())?,
        last_error,
        created_at_ms,
        sent_at_ms,
    })
}

macro_rules! queued_from_row {
    ($row:expr) => {{
        let row = $row;
        (
            row.try_get::<String, _>("id")?,
            row.try_get::<Option<String>, _>("request_id")?,
            row.try_get::<String, _>("kind")?,
            row.try_get::<String, _>("status")?,
            row.try_get::<i64, _>("attempts")?,
            row.try_get::<Option<String>, _>("last_error")?,
            row.try_get::<i64, _>("created_at_ms")?,
            row.try_get::<Option<i64>, _>("sent_at_ms")?,
        )
    }};
}

impl Tx {
    /// Queues a message; `content` is the serialized message, encrypted here.
    pub async fn enqueue_email(
        &mut self,
        id: Id,
        request_id: Option<Id>,
        kind: &str,
        content: &[u8],
        now_ms: i64,
    ) -> Result<(), StoreError> {
        let ct = self.keys().encrypt(content, &context(request_id, id))?;
        on_conn!(self.conn(), c => {
            sqlx::query(
                "INSERT INTO emails (id, request_id, kind, status, attempts, message_ct, created_at_ms) \
                 VALUES ($1, $2, $3, 'pending', 0, $4, $5)",
            )
            .bind(id.to_string())
            .bind(request_id.map(|r| r.to_string()))
            .bind(kind)
            .bind(ct)
            .bind(now_ms)
            .execute(c)
            .await
            .map_err(|e| StoreError::from_sqlx(e, "queue an email"))?;
        });
        Ok(())
    }

    /// Claims up to `limit` messages to deliver — the oldest pending ones not tried in
    /// the last `lease_ms` (a failed attempt waits that long before the next), and any
    /// claimed more than `lease_ms` ago by a process that never finished — and returns
    /// them with their decrypted content. A claimed message is not handed to another
    /// process, so two ombud processes delivering at once do not send it twice; one that
    /// dies while sending leaves it to be claimed again after the lease (at least once).
    pub async fn claim_emails(
        &mut self,
        now_ms: i64,
        lease_ms: i64,
        limit: u32,
    ) -> Result<Vec<(QueuedEmail, Zeroizing<Vec<u8>>)>, StoreError> {
        let keys = self.keys().clone();
        let stale = now_ms.saturating_sub(lease_ms);
        let mut rows = on_conn!(self.conn(), c => {
            // The claim condition is repeated outside the subquery: on PostgreSQL a
            // concurrent claimer blocks on the row and re-checks it after the first
            // commits, and then no longer matches.
            sqlx::query(
                "UPDATE emails SET status = 'sending', claimed_at_ms = $1 \
                 WHERE id IN (SELECT id FROM emails WHERE status IN ('pending', 'sending') \
                              AND (claimed_at_ms IS NULL OR claimed_at_ms < $2) ORDER BY created_at_ms, id LIMIT $3) \
                 AND status IN ('pending', 'sending') AND (claimed_at_ms IS NULL OR claimed_at_ms < $2) \
                 RETURNING id, request_id, kind, status, attempts, last_error, created_at_ms, sent_at_ms, message_ct",
            )
            .bind(now_ms)
            .bind(stale)
            .bind(i64::from(limit))
            .fetch_all(c)
            .await
            .map_err(|e| StoreError::from_sqlx(e, "claim emails to deliver"))?
            .iter()
            .map(|row| Ok::<_, sqlx::Error>((queued_from_row!(row), row.try_get::<Vec<u8>, _>("message_ct")?)))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| StoreError::from_sqlx(e, "claim emails to deliver"))?
        });
        // RETURNING gives no order; deliver oldest first.
        rows.sort_by(|(a, _), (b, _)| (a.6, &a.0).cmp(&(b.6, &b.0)));
        rows.into_iter()
            .map(|(row, ct)| {
                let queued = parse(row)?;
                let plain = keys.decrypt(&ct, &context(queued.request_id, queued.id))?;
                Ok((queued, plain))
            })
            .collect()
    }

    /// Records a delivery.
    pub async fn mark_email_sent(&mut self, id: Id, now_ms: i64) -> Result<(), StoreError> {
        on_conn!(self.conn(), c => {
            sqlx::query(
                "UPDATE emails SET status = 'sent', attempts = attempts + 1, sent_at_ms = $2, last_error = NULL, claimed_at_ms = NULL \
                 WHERE id = $1 AND status = 'sending'",
            )
                .bind(id.to_string())
                .bind(now_ms)
                .execute(c)
                .await
                .map_err(|e| StoreError::from_sqlx(e, "mark an email sent"))?;
        });
        Ok(())
    }

    /// Records a failed attempt; the message waits out the lease before the next one, and
    /// after [`EMAIL_ATTEMPTS_MAX`] it is `failed`.
    pub async fn mark_email_attempt_failed(
        &mut self,
        id: Id,
        error: &str,
    ) -> Result<(), StoreError> {
        let error: String = error.chars().take(500).collect();
        on_conn!(self.conn(), c => {
            sqlx::query(
                "UPDATE emails SET attempts = attempts + 1, last_error = $2, \
                 status = CASE WHEN attempts + 1 >= $3 THEN 'failed' ELSE 'pending' END WHERE id = $1 AND status = 'sending'",
            )
            .bind(id.to_string())
            .bind(error)
            .bind(i64::from(EMAIL_ATTEMPTS_MAX))
            .execute(c)
            .await
            .map_err(|e| StoreError::from_sqlx(e, "record a failed email"))?;
        });
        Ok(())
    }

    /// The messages about a request, oldest first.
    pub async fn emails_for_request(
        &mut self,
        request_id: Id,
    ) -> Result<Vec<QueuedEmail>, StoreError> {
        let rows = on_conn!(self.conn(), c => {
            sqlx::query(
                "SELECT id, request_id, kind, status, attempts, last_error, created_at_ms, sent_at_ms \
                 FROM emails WHERE request_id = $1 ORDER BY created_at_ms, id",
            )
            .bind(request_id.to_string())
            .fetch_all(c)
            .await
            .map_err(|e| StoreError::from_sqlx(e, "read a request's emails"))?
            .iter()
            .map(|row| Ok::<_, sqlx::Error>(queued_from_row!(row)))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| StoreError::from_sqlx(e, "read a request's emails"))?
        });
        rows.into_iter().map(parse).collect()
    }
}
