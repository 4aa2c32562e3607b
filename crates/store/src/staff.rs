//! Staff accounts, their sessions and their failed logins (issue 6). Passwords are
//! stored as the PHC strings the app hands over; sessions and throttling keys as keyed
//! hashes ([`Tx::staff_mac`]), so nothing here can be replayed from a copy of the
//! database. Users are disabled, never deleted: the audit chain keeps naming them.

use ombud_core::id::Id;
use sqlx::Row as _;

use crate::{StoreError, Tx, on_conn};

/// A staff user as stored.
#[derive(Clone, PartialEq, Eq)]
pub struct StaffUser {
    /// Id (what the audit chain names: `staff:<id>`).
    pub id: Id,
    /// The login name, lowercase.
    pub username: String,
    /// The Argon2id PHC string.
    pub password_hash: String,
    /// `admin`, `agent` or `auditor`.
    pub role: String,
    /// Disabled at (Unix ms).
    pub disabled_at_ms: Option<i64>,
    /// Made at (Unix ms).
    pub created_at_ms: i64,
    /// The password last set at (Unix ms).
    pub password_changed_at_ms: i64,
}

impl std::fmt::Debug for StaffUser {
    // The hash stays out of debug output (logs, panics in tests).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StaffUser")
            .field("id", &self.id)
            .field("role", &self.role)
            .field("disabled_at_ms", &self.disabled_at_ms)
            .finish_non_exhaustive()
    }
}

/// A session as stored (never its token), with its user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StaffSession {
    /// Whose.
    pub user: StaffUser,
    /// Made at (Unix ms).
    pub created_at_ms: i64,
    /// Last used at (Unix ms).
    pub last_seen_at_ms: i64,
    /// Ends unless used again before (Unix ms).
    pub idle_expires_at_ms: i64,
    /// Ends whatever happens (Unix ms).
    pub expires_at_ms: i64,
}

/// An audit event as the staff pages list it (the chain's fields without the hashes).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditLine {
    /// Its place in the chain.
    pub seq: i64,
    /// When (Unix ms).
    pub at_ms: i64,
    /// Who.
    pub actor: String,
    /// What.
    pub action: String,
    /// The request it is about, or empty.
    pub request_id: String,
    /// Its details (ids and codes, never personal data).
    pub payload: String,
}

/// The PostgreSQL advisory lock that serializes login reservations across every
/// instance sharing the store ("ombudstf" as a number: unlikely to meet another user's).
const LOGIN_RESERVATION_LOCK: i64 = 0x6f6d_6275_6473_7466;

type UserColumns = (String, String, String, String, Option<i64>, i64, i64);

fn user(columns: UserColumns) -> Result<StaffUser, StoreError> {
    let (id, username, password_hash, role, disabled_at_ms, created_at_ms, changed) = columns;
    let parsed = Id::parse(&id)
        .ok_or_else(|| StoreError::Corrupt(format!("staff user {id} has a malformed id")))?;
    Ok(StaffUser {
        id: parsed,
        username,
        password_hash,
        role,
        disabled_at_ms,
        created_at_ms,
        password_changed_at_ms: changed,
    })
}

/// The columns of a user, in `UserColumns` order (a macro, so queries stay literals).
macro_rules! user_columns {
    () => {
        "u.id, u.username, u.password_hash, u.role, u.disabled_at_ms, u.created_at_ms, u.password_changed_at_ms"
    };
}

macro_rules! user_from_row {
    ($row:expr) => {
        (
            $row.try_get("id")?,
            $row.try_get("username")?,
            $row.try_get("password_hash")?,
            $row.try_get("role")?,
            $row.try_get("disabled_at_ms")?,
            $row.try_get("created_at_ms")?,
            $row.try_get("password_changed_at_ms")?,
        )
    };
}

impl Tx {
    /// The keyed hash a session token or a throttling key is stored by. `label` keeps
    /// the uses apart (`staff_session`, `staff_login`).
    pub fn staff_mac(&self, label: &str, value: &[u8]) -> Vec<u8> {
        self.keys().secret_mac(label, value)
    }

    /// Stores a new user; a `Conflict` when the username is taken.
    pub async fn insert_staff_user(&mut self, user: &StaffUser) -> Result<(), StoreError> {
        on_conn!(self.conn(), c => {
            sqlx::query(
                "INSERT INTO staff_users (id, username, password_hash, role, disabled_at_ms, created_at_ms, password_changed_at_ms) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(user.id.to_string())
            .bind(&user.username)
            .bind(&user.password_hash)
            .bind(&user.role)
            .bind(user.disabled_at_ms)
            .bind(user.created_at_ms)
            .bind(user.password_changed_at_ms)
            .execute(c)
            .await
            .map_err(|e| StoreError::from_sqlx(e, "store a staff user"))?;
        });
        Ok(())
    }

    /// The user with this username, disabled or not.
    pub async fn staff_user_by_name(
        &mut self,
        username: &str,
    ) -> Result<Option<StaffUser>, StoreError> {
        let row: Option<UserColumns> = on_conn!(self.conn(), c => {
            sqlx::query(concat!("SELECT ", user_columns!(), " FROM staff_users u WHERE u.username = $1"))
                .bind(username)
                .fetch_optional(c)
                .await
                .map_err(|e| StoreError::from_sqlx(e, "find a staff user"))?
                .map(|row| Ok::<_, sqlx::Error>(user_from_row!(row)))
                .transpose()
                .map_err(|e| StoreError::from_sqlx(e, "find a staff user"))?
        });
        row.map(user).transpose()
    }

    /// Every user, oldest first.
    pub async fn staff_users(&mut self) -> Result<Vec<StaffUser>, StoreError> {
        let rows: Vec<UserColumns> = on_conn!(self.conn(), c => {
            sqlx::query(concat!("SELECT ", user_columns!(), " FROM staff_users u ORDER BY u.created_at_ms, u.id LIMIT 10000"))
                .fetch_all(c)
                .await
                .map_err(|e| StoreError::from_sqlx(e, "list staff users"))?
                .iter()
                .map(|row| Ok::<_, sqlx::Error>(user_from_row!(row)))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| StoreError::from_sqlx(e, "list staff users"))?
        });
        rows.into_iter().map(user).collect()
    }

    /// Replaces a user's password hash; `false` when there is no such user.
    pub async fn set_staff_password(
        &mut self,
        id: Id,
        password_hash: &str,
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        let changed = on_conn!(self.conn(), c => {
            sqlx::query("UPDATE staff_users SET password_hash = $1, password_changed_at_ms = $2 WHERE id = $3")
                .bind(password_hash)
                .bind(now_ms)
                .bind(id.to_string())
                .execute(c)
                .await
                .map_err(|e| StoreError::from_sqlx(e, "set a staff password"))?
                .rows_affected()
        });
        Ok(changed == 1)
    }

    /// Disables a user and ends their sessions; `false` when there is no such user or it
    /// was disabled already.
    pub async fn disable_staff_user(&mut self, id: Id, now_ms: i64) -> Result<bool, StoreError> {
        let changed = on_conn!(self.conn(), c => {
            sqlx::query("UPDATE staff_users SET disabled_at_ms = $1 WHERE id = $2 AND disabled_at_ms IS NULL")
                .bind(now_ms)
                .bind(id.to_string())
                .execute(c)
                .await
                .map_err(|e| StoreError::from_sqlx(e, "disable a staff user"))?
                .rows_affected()
        });
        self.end_staff_sessions(id).await?;
        Ok(changed == 1)
    }

    /// Ends every session of a user; how many there were.
    pub async fn end_staff_sessions(&mut self, user_id: Id) -> Result<u64, StoreError> {
        Ok(on_conn!(self.conn(), c => {
            sqlx::query("DELETE FROM staff_sessions WHERE user_id = $1")
                .bind(user_id.to_string())
                .execute(c)
                .await
                .map_err(|e| StoreError::from_sqlx(e, "end staff sessions"))?
                .rows_affected()
        }))
    }

    /// Stores a session by its token's keyed hash.
    pub async fn insert_staff_session(
        &mut self,
        token_mac: &[u8],
        user_id: Id,
        now_ms: i64,
        idle_expires_at_ms: i64,
        expires_at_ms: i64,
    ) -> Result<(), StoreError> {
        on_conn!(self.conn(), c => {
            sqlx::query(
                "INSERT INTO staff_sessions (token_mac, user_id, created_at_ms, last_seen_at_ms, idle_expires_at_ms, expires_at_ms) \
                 VALUES ($1, $2, $3, $3, $4, $5)",
            )
            .bind(token_mac)
            .bind(user_id.to_string())
            .bind(now_ms)
            .bind(idle_expires_at_ms)
            .bind(expires_at_ms)
            .execute(c)
            .await
            .map_err(|e| StoreError::from_sqlx(e, "store a staff session"))?;
        });
        Ok(())
    }

    /// The session with this token hash, with its user, expired or not (the caller
    /// decides by its clock).
    pub async fn staff_session(
        &mut self,
        token_mac: &[u8],
    ) -> Result<Option<StaffSession>, StoreError> {
        type Columns = (UserColumns, (i64, i64, i64, i64));
        let row: Option<Columns> = on_conn!(self.conn(), c => {
            sqlx::query(concat!(
                "SELECT ", user_columns!(), ", s.created_at_ms AS s_created, s.last_seen_at_ms, s.idle_expires_at_ms, s.expires_at_ms \
                 FROM staff_sessions s JOIN staff_users u ON u.id = s.user_id WHERE s.token_mac = $1"
            ))
            .bind(token_mac)
            .fetch_optional(c)
            .await
            .map_err(|e| StoreError::from_sqlx(e, "find a staff session"))?
            .map(|row| {
                Ok::<_, sqlx::Error>((
                    user_from_row!(row),
                    (
                        row.try_get("s_created")?,
                        row.try_get("last_seen_at_ms")?,
                        row.try_get("idle_expires_at_ms")?,
                        row.try_get("expires_at_ms")?,
                    ),
                ))
            })
            .transpose()
            .map_err(|e| StoreError::from_sqlx(e, "find a staff session"))?
        });
        row.map(|(columns, (created_at_ms, last_seen_at_ms, idle_expires_at_ms, expires_at_ms))| {
            Ok(StaffSession {
                user: user(columns)?,
                created_at_ms,
                last_seen_at_ms,
                idle_expires_at_ms,
                expires_at_ms,
            })
        })
        .transpose()
    }

    /// Records that a session was used: its idle expiry moves forward.
    pub async fn touch_staff_session(
        &mut self,
        token_mac: &[u8],
        now_ms: i64,
        idle_expires_at_ms: i64,
    ) -> Result<(), StoreError> {
        on_conn!(self.conn(), c => {
            sqlx::query("UPDATE staff_sessions SET last_seen_at_ms = $1, idle_expires_at_ms = $2 WHERE token_mac = $3")
                .bind(now_ms)
                .bind(idle_expires_at_ms)
                .bind(token_mac)
                .execute(c)
                .await
                .map_err(|e| StoreError::from_sqlx(e, "touch a staff session"))?;
        });
        Ok(())
    }

    /// Ends one session; whether it existed.
    pub async fn end_staff_session(&mut self, token_mac: &[u8]) -> Result<bool, StoreError> {
        let changed = on_conn!(self.conn(), c => {
            sqlx::query("DELETE FROM staff_sessions WHERE token_mac = $1")
                .bind(token_mac)
                .execute(c)
                .await
                .map_err(|e| StoreError::from_sqlx(e, "end a staff session"))?
                .rows_affected()
        });
        Ok(changed == 1)
    }

    /// Deletes the sessions that have expired by `now_ms`, and the failed logins older
    /// than `failures_before_ms`.
    pub async fn sweep_staff(
        &mut self,
        now_ms: i64,
        failures_before_ms: i64,
    ) -> Result<(), StoreError> {
        on_conn!(self.conn(), c => {
            sqlx::query("DELETE FROM staff_sessions WHERE idle_expires_at_ms <= $1 OR expires_at_ms <= $1")
                .bind(now_ms)
                .execute(&mut *c)
                .await
                .map_err(|e| StoreError::from_sqlx(e, "sweep staff sessions"))?;
            sqlx::query("DELETE FROM staff_login_failures WHERE at_ms < $1")
                .bind(failures_before_ms)
                .execute(c)
                .await
                .map_err(|e| StoreError::from_sqlx(e, "sweep failed logins"))?;
        });
        Ok(())
    }

    /// Reserves one login attempt: counts the failed logins under each `(key, limit)`
    /// since `since_ms` and, when every count is under its limit, records one failure
    /// under each key now, before the password is checked (a provisional failure: a
    /// successful login takes it back with [`Tx::release_login_attempt`] or
    /// [`Tx::clear_login_failures`]). Returns whether the attempt may go on.
    ///
    /// The count and the insert are one write transaction, serialized with every other
    /// reservation (SQLite: the one writer's `BEGIN IMMEDIATE`; PostgreSQL: a
    /// transaction-level advisory lock), so N attempts in parallel cannot all read the
    /// same count and all pass: at most `limit` are let through per window.
    pub async fn reserve_login_attempt(
        &mut self,
        keys: &[(&[u8], u32)],
        since_ms: i64,
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        if self.is_postgres() {
            on_conn!(self.conn(), c => {
                sqlx::query("SELECT pg_advisory_xact_lock($1)")
                    .bind(LOGIN_RESERVATION_LOCK)
                    .execute(c)
                    .await
                    .map_err(|e| StoreError::from_sqlx(e, "lock the login throttle"))?;
            });
        }
        for (key, limit) in keys {
            if self.login_failures(key, since_ms).await? >= *limit {
                return Ok(false);
            }
        }
        for (key, _) in keys {
            self.add_login_failure(key, now_ms).await?;
        }
        Ok(true)
    }

    /// Takes back one provisional failure recorded by [`Tx::reserve_login_attempt`] at
    /// `at_ms` (the login succeeded, or was never checked); rows of one key and instant
    /// are alike, so any one of them will do.
    pub async fn release_login_attempt(
        &mut self,
        key_mac: &[u8],
        at_ms: i64,
    ) -> Result<(), StoreError> {
        // The table has no key of its own: each backend names a row by its physical id.
        let sql = if self.is_postgres() {
            "DELETE FROM staff_login_failures WHERE ctid IN \
             (SELECT ctid FROM staff_login_failures WHERE key_mac = $1 AND at_ms = $2 LIMIT 1)"
        } else {
            "DELETE FROM staff_login_failures WHERE rowid IN \
             (SELECT rowid FROM staff_login_failures WHERE key_mac = $1 AND at_ms = $2 LIMIT 1)"
        };
        on_conn!(self.conn(), c => {
            sqlx::query(sql)
                .bind(key_mac)
                .bind(at_ms)
                .execute(c)
                .await
                .map_err(|e| StoreError::from_sqlx(e, "take back a login attempt"))?;
        });
        Ok(())
    }

    /// How many requests are open (the queue shows only the first of them).
    pub async fn open_requests_count(&mut self) -> Result<u64, StoreError> {
        let count: i64 = on_conn!(self.conn(), c => {
            sqlx::query("SELECT COUNT(*) AS n FROM requests WHERE closed_at_ms IS NULL")
                .fetch_one(c)
                .await
                .map_err(|e| StoreError::from_sqlx(e, "count open requests"))?
                .try_get("n")
                .map_err(|e| StoreError::from_sqlx(e, "count open requests"))?
        });
        Ok(u64::try_from(count).unwrap_or(0))
    }

    /// Records a failed login under a throttling key.
    pub async fn add_login_failure(
        &mut self,
        key_mac: &[u8],
        now_ms: i64,
    ) -> Result<(), StoreError> {
        on_conn!(self.conn(), c => {
            sqlx::query("INSERT INTO staff_login_failures (key_mac, at_ms) VALUES ($1, $2)")
                .bind(key_mac)
                .bind(now_ms)
                .execute(c)
                .await
                .map_err(|e| StoreError::from_sqlx(e, "record a failed login"))?;
        });
        Ok(())
    }

    /// Failed logins under a key since `since_ms`.
    pub async fn login_failures(
        &mut self,
        key_mac: &[u8],
        since_ms: i64,
    ) -> Result<u32, StoreError> {
        let count: i64 = on_conn!(self.conn(), c => {
            sqlx::query("SELECT COUNT(*) AS n FROM staff_login_failures WHERE key_mac = $1 AND at_ms >= $2")
                .bind(key_mac)
                .bind(since_ms)
                .fetch_one(c)
                .await
                .map_err(|e| StoreError::from_sqlx(e, "count failed logins"))?
                .try_get("n")
                .map_err(|e| StoreError::from_sqlx(e, "count failed logins"))?
        });
        Ok(u32::try_from(count).unwrap_or(u32::MAX))
    }

    /// Forgets the failed logins under a key (after a successful login, or a password
    /// reset); how many there were.
    pub async fn clear_login_failures(&mut self, key_mac: &[u8]) -> Result<u64, StoreError> {
        Ok(on_conn!(self.conn(), c => {
            sqlx::query("DELETE FROM staff_login_failures WHERE key_mac = $1")
                .bind(key_mac)
                .execute(c)
                .await
                .map_err(|e| StoreError::from_sqlx(e, "clear failed logins"))?
                .rows_affected()
        }))
    }

    /// The latest audit events whose action starts with `prefix`, newest first: the
    /// staff pages' record of logins and account changes (`staff.`).
    pub async fn recent_audit_events(
        &mut self,
        prefix: &str,
        limit: u32,
    ) -> Result<Vec<AuditLine>, StoreError> {
        Ok(on_conn!(self.conn(), c => {
            sqlx::query(
                "SELECT seq, at_ms, actor, action, request_id, payload FROM audit_events \
                 WHERE substr(action, 1, length($1)) = $1 ORDER BY seq DESC LIMIT $2",
            )
            .bind(prefix)
            .bind(i64::from(limit.min(ombud_core::limits::TIMELINE_EVENTS_MAX)))
            .fetch_all(c)
            .await
            .map_err(|e| StoreError::from_sqlx(e, "read recent audit events"))?
            .iter()
            .map(|row| {
                Ok::<_, sqlx::Error>(AuditLine {
                    seq: row.try_get("seq")?,
                    at_ms: row.try_get("at_ms")?,
                    actor: row.try_get("actor")?,
                    action: row.try_get("action")?,
                    request_id: row.try_get("request_id")?,
                    payload: row.try_get("payload")?,
                })
            })
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| StoreError::from_sqlx(e, "read recent audit events"))?
        }))
    }
}
