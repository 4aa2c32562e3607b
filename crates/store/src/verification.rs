//! Verification secrets: the one live code of a request (a keyed hash of it, never the
//! code), its expiry and wrong guesses; and account assertions already used, so none
//! can be replayed.

use ombud_core::id::Id;
use sqlx::Row as _;

use crate::{StoreError, Tx, on_conn};

/// The live code of a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CodeRecord {
    /// The keyed hash of the code.
    pub code_mac: Vec<u8>,
    /// Sent at (Unix ms).
    pub created_at_ms: i64,
    /// Void after (Unix ms).
    pub expires_at_ms: i64,
    /// Wrong guesses so far.
    pub attempts: u32,
    /// Used at (Unix ms): a code works once.
    pub consumed_at_ms: Option<i64>,
}

impl Tx {
    /// Stores a new code for a request, replacing (voiding) any earlier one.
    pub async fn store_code(
        &mut self,
        request_id: Id,
        code_mac: &[u8],
        now_ms: i64,
        expires_at_ms: i64,
    ) -> Result<(), StoreError> {
        on_conn!(self.conn(), c => {
            sqlx::query(
                "INSERT INTO verification_codes (request_id, code_mac, created_at_ms, expires_at_ms, attempts) \
                 VALUES ($1, $2, $3, $4, 0) \
                 ON CONFLICT (request_id) DO UPDATE SET code_mac = excluded.code_mac, created_at_ms = excluded.created_at_ms, \
                 expires_at_ms = excluded.expires_at_ms, attempts = 0, consumed_at_ms = NULL",
            )
            .bind(request_id.to_string())
            .bind(code_mac)
            .bind(now_ms)
            .bind(expires_at_ms)
            .execute(c)
            .await
            .map_err(|e| StoreError::from_sqlx(e, "store a verification code"))?;
        });
        Ok(())
    }

    /// The live code of a request, if one was sent.
    pub async fn code(&mut self, request_id: Id) -> Result<Option<CodeRecord>, StoreError> {
        let row = on_conn!(self.conn(), c => {
            sqlx::query("SELECT code_mac, created_at_ms, expires_at_ms, attempts, consumed_at_ms FROM verification_codes WHERE request_id = $1")
                .bind(request_id.to_string())
                .fetch_optional(c)
                .await
                .map_err(|e| StoreError::from_sqlx(e, "read a verification code"))?
                .map(|row| {
                    Ok::<_, sqlx::Error>((
                        row.try_get::<Vec<u8>, _>("code_mac")?,
                        row.try_get::<i64, _>("created_at_ms")?,
                        row.try_get::<i64, _>("expires_at_ms")?,
                        row.try_get::<i64, _>("attempts")?,
                        row.try_get::<Option<i64>, _>("consumed_at_ms")?,
                    ))
                })
                .transpose()
                .map_err(|e| StoreError::from_sqlx(e, "read a verification code"))?
        });
        row.map(|(code_mac, created_at_ms, expires_at_ms, attempts, consumed_at_ms)| {
            Ok(CodeRecord {
                code_mac,
                created_at_ms,
                expires_at_ms,
                attempts: u32::try_from(attempts).map_err(|_| {
                    StoreError::Corrupt("a code's attempts are negative".to_owned())
                })?,
                consumed_at_ms,
            })
        })
        .transpose()
    }

    /// Counts one wrong guess.
    pub async fn record_code_failure(&mut self, request_id: Id) -> Result<(), StoreError> {
        on_conn!(self.conn(), c => {
            sqlx::query("UPDATE verification_codes SET attempts = attempts + 1 WHERE request_id = $1")
                .bind(request_id.to_string())
                .execute(c)
                .await
                .map_err(|e| StoreError::from_sqlx(e, "count a wrong code"))?;
        });
        Ok(())
    }

    /// Marks the code used.
    pub async fn consume_code(&mut self, request_id: Id, now_ms: i64) -> Result<(), StoreError> {
        on_conn!(self.conn(), c => {
            sqlx::query("UPDATE verification_codes SET consumed_at_ms = $2 WHERE request_id = $1")
                .bind(request_id.to_string())
                .bind(now_ms)
                .execute(c)
                .await
                .map_err(|e| StoreError::from_sqlx(e, "consume a code"))?;
        });
        Ok(())
    }

    /// Records that an account assertion was used. A second use of the same assertion
    /// id is a [`StoreError::Conflict`]: a replay.
    pub async fn use_assertion(
        &mut self,
        assertion_id: &str,
        request_id: Id,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        on_conn!(self.conn(), c => {
            sqlx::query("INSERT INTO used_assertions (assertion_id, request_id, used_at_ms) VALUES ($1, $2, $3)")
                .bind(assertion_id)
                .bind(request_id.to_string())
                .bind(now_ms)
                .execute(c)
                .await
                .map_err(|e| match StoreError::from_sqlx(e, "record an account assertion") {
                    StoreError::Conflict(_) => StoreError::Conflict("this account assertion was already used; sign in again for a new one".to_owned()),
                    other => other,
                })?;
        });
        Ok(())
    }
}

/// What happened to a code, for the limits per address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CodeActivity {
    /// A code was sent.
    Sent,
    /// A wrong code was entered.
    Failed,
}

impl CodeActivity {
    fn id(self) -> &'static str {
        match self {
            CodeActivity::Sent => "sent",
            CodeActivity::Failed => "failed",
        }
    }
}

impl Tx {
    /// Records a code sent to, or a wrong code entered for, the address whose blind index
    /// is `email_bidx`.
    pub async fn record_code_activity(
        &mut self,
        email_bidx: &[u8],
        activity: CodeActivity,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        on_conn!(self.conn(), c => {
            sqlx::query("INSERT INTO verification_activity (email_bidx, kind, at_ms) VALUES ($1, $2, $3)")
                .bind(email_bidx)
                .bind(activity.id())
                .bind(now_ms)
                .execute(c)
                .await
                .map_err(|e| StoreError::from_sqlx(e, "record verification activity"))?;
        });
        Ok(())
    }

    /// How many times `activity` happened for the address since `since_ms`, across all
    /// its requests.
    pub async fn code_activity(
        &mut self,
        email_bidx: &[u8],
        activity: CodeActivity,
        since_ms: i64,
    ) -> Result<u32, StoreError> {
        let count: i64 = on_conn!(self.conn(), c => {
            sqlx::query("SELECT COUNT(*) AS n FROM verification_activity WHERE email_bidx = $1 AND kind = $2 AND at_ms >= $3")
                .bind(email_bidx)
                .bind(activity.id())
                .bind(since_ms)
                .fetch_one(c)
                .await
                .and_then(|row| row.try_get::<i64, _>("n"))
                .map_err(|e| StoreError::from_sqlx(e, "count verification activity"))?
        });
        Ok(u32::try_from(count).unwrap_or(u32::MAX))
    }
}
