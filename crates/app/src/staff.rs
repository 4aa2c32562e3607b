//! Staff accounts and sessions (issue 6): the people who work the request queue log in
//! with a username and a password, get a session, and act with a role — `admin`
//! (everything, and the accounts), `agent` (works requests) or `auditor` (reads only).
//!
//! Passwords are kept as Argon2id PHC strings (OWASP's parameters: 19 MiB, two passes,
//! one lane) and rehashed at login when the parameters change. A login costs the same
//! hash whether or not the username exists, so timing does not tell which do. Failed
//! logins are throttled per username and per client address, in the store (so every
//! instance sharing it counts them). A session is a 256-bit random token, shown once
//! (the cookie) and kept only as a keyed hash; it ends after 30 minutes unused or 12
//! hours after login, whichever comes first, by the injected clock. Every login, failed
//! login, logout and account change is audited — never with a password, and a
//! username that does not exist only as a keyed hash.

use std::net::IpAddr;
use std::sync::OnceLock;

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};
use argon2::{Algorithm, Argon2, Params, Version};
use base64::Engine as _;
use ombud_core::id::Id;
use ombud_core::request::{self, DenialBasis, DenialReason, Event};
use ombud_core::sensitive::Sensitive;
use ombud_store::requests::{Filter, RequestRecord};
use ombud_store::staff::{AuditLine, StaffUser};
use serde_json::json;

use crate::{Actor, App, AppError};

/// What a staff member may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StaffRole {
    /// Everything, and the staff accounts.
    Admin,
    /// Works requests: verifies, approves, denies, extends, enters, cancels.
    Agent,
    /// Reads only: the queue, requests, consent histories, metrics, the audit chain.
    Auditor,
}

impl StaffRole {
    /// Every role.
    pub const ALL: [StaffRole; 3] = [StaffRole::Admin, StaffRole::Agent, StaffRole::Auditor];

    /// Its name, stored and on the command line.
    pub fn id(self) -> &'static str {
        match self {
            StaffRole::Admin => "admin",
            StaffRole::Agent => "agent",
            StaffRole::Auditor => "auditor",
        }
    }

    /// A role by name.
    pub fn parse(text: &str) -> Result<StaffRole, AppError> {
        StaffRole::ALL.into_iter().find(|r| r.id() == text).ok_or_else(|| {
            AppError::Invalid(format!(
                "unknown role {:?}; the roles are admin, agent and auditor",
                text.chars().take(20).collect::<String>()
            ))
        })
    }

    /// Whether it may change requests and record things (not an auditor).
    pub fn can_act(self) -> bool {
        matches!(self, StaffRole::Admin | StaffRole::Agent)
    }
}

/// A logged-in staff member.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StaffPrincipal {
    /// Their id (what the audit chain names).
    pub id: Id,
    /// Their username.
    pub username: String,
    /// Their role.
    pub role: StaffRole,
}

impl StaffPrincipal {
    /// The actor their actions are recorded as.
    pub fn actor(&self) -> Actor {
        Actor::Staff(self.id.to_string())
    }

    /// Refuses an action to a role that only reads.
    pub fn require_act(&self) -> Result<(), AppError> {
        if self.role.can_act() {
            Ok(())
        } else {
            Err(AppError::Forbidden(format!(
                "the {} role reads only; ask an agent or an admin to do this",
                self.role.id()
            )))
        }
    }
}

/// A staff account as listed (never its password hash).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StaffAccount {
    /// Id.
    pub id: Id,
    /// Username.
    pub username: String,
    /// Role.
    pub role: StaffRole,
    /// Disabled at (Unix ms).
    pub disabled_at_ms: Option<i64>,
    /// Made at (Unix ms).
    pub created_at_ms: i64,
}

/// One line of the staff queue: an open request and who it is about.
#[derive(Clone, Debug)]
pub struct QueueItem {
    /// The request.
    pub record: RequestRecord,
    /// The person's name, or else their email address (personal data: the read is
    /// audited).
    pub who: Option<Sensitive<String>>,
}

/// How many open requests the queue shows at most.
pub const QUEUE_ROWS_MAX: u32 = 200;

/// What a login attempt came to.
#[derive(Debug)]
pub enum LoginOutcome {
    /// Logged in: the session token (shown once: the cookie) and who.
    LoggedIn {
        /// The session token.
        token: Sensitive<String>,
        /// Who logged in.
        principal: StaffPrincipal,
    },
    /// Wrong username or password, or a disabled account (the same answer for all).
    Refused,
    /// Too many failed attempts for this username or from this address lately.
    Throttled,
}

/// The shortest password accepted, in characters.
pub const PASSWORD_CHARS_MIN: usize = 12;
/// The longest password accepted (Argon2 takes any length; a form must not).
pub const PASSWORD_BYTES_MAX: usize = 1024;
/// The longest username.
pub const USERNAME_BYTES_MAX: usize = 64;
/// A session ends after this long unused.
pub const SESSION_IDLE_MS: i64 = 30 * 60 * 1000;
/// A session ends this long after login, used or not.
pub const SESSION_ABSOLUTE_MS: i64 = 12 * 60 * 60 * 1000;
/// The window failed logins are counted over.
pub const LOGIN_WINDOW_MS: i64 = 15 * 60 * 1000;
/// Failed logins per username per window before further attempts are refused.
pub const LOGIN_FAILURES_PER_USERNAME_MAX: u32 = 5;
/// Failed logins per client address per window (a password sprayed over usernames).
pub const LOGIN_FAILURES_PER_ADDRESS_MAX: u32 = 20;
/// How often a session's last use is written: every page view would be a write.
const SESSION_TOUCH_EVERY_MS: i64 = 60 * 1000;
/// The length of a session token: 32 random bytes in unpadded base64url.
const SESSION_TOKEN_CHARS: usize = 43;

/// The Argon2id parameters passwords are hashed with (OWASP's minimum for Argon2id:
/// m = 19 MiB, t = 2, p = 1; about 30 ms on this project's reference machine).
fn params() -> Result<Params, AppError> {
    Params::new(Params::DEFAULT_M_COST, Params::DEFAULT_T_COST, Params::DEFAULT_P_COST, None)
        .map_err(|_| AppError::Internal("the Argon2 parameters are invalid".to_owned()))
}

fn hasher() -> Result<Argon2<'static>, AppError> {
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params()?))
}

/// Hashes a password with a fresh 16-byte salt (blocking: run it off the async threads).
fn hash_password(password: &[u8]) -> Result<String, AppError> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt)
        .map_err(|_| AppError::Unavailable("no randomness for a password salt".to_owned()))?;
    let hash = hasher()?
        .hash_password_with_salt(password, &salt)
        .map_err(|_| AppError::Internal("cannot hash the password".to_owned()))?;
    Ok(hash.to_string())
}

/// Whether `password` matches the PHC string (the comparison is constant-time).
fn verify_password(password: &[u8], phc: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(phc) else { return false };
    // The parameters come from the stored string, so old hashes still verify.
    Argon2::default().verify_password(password, &parsed).is_ok()
}

/// Whether a stored hash was made with other parameters than today's.
fn needs_rehash(phc: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(phc) else { return true };
    let (Ok(stored), Ok(current)) = (Params::try_from(&parsed), params()) else { return true };
    parsed.algorithm.as_str() != Algorithm::Argon2id.as_ref()
        || parsed.version != Some(Version::V0x13.into())
        || stored.m_cost() != current.m_cost()
        || stored.t_cost() != current.t_cost()
        || stored.p_cost() != current.p_cost()
}

/// A hash of a password nobody has, made once: an unknown username is checked against
/// it, so the answer takes as long as for a real one.
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        hash_password(b"no staff user has this password: it only costs the time of one")
            .unwrap_or_default()
    })
}

/// Runs the hash work on the blocking pool.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, AppError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|_| AppError::Internal("the password check stopped".to_owned()))
}

/// A username as stored: trimmed, lowercase, letters, digits, `.`, `_`, `-`.
fn normalize_username(username: &str) -> Result<String, AppError> {
    let name = username.trim().to_lowercase();
    if name.is_empty()
        || name.len() > USERNAME_BYTES_MAX
        || !name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
    {
        return Err(AppError::Invalid(format!(
            "a username is 1 to {USERNAME_BYTES_MAX} letters, digits, '.', '_' or '-'"
        )));
    }
    Ok(name)
}

fn check_password(password: &str) -> Result<(), AppError> {
    if password.chars().count() < PASSWORD_CHARS_MIN {
        return Err(AppError::Invalid(format!(
            "a staff password has at least {PASSWORD_CHARS_MIN} characters; leave it out to have one generated"
        )));
    }
    if password.len() > PASSWORD_BYTES_MAX {
        return Err(AppError::Invalid(format!(
            "a staff password has at most {PASSWORD_BYTES_MAX} bytes"
        )));
    }
    Ok(())
}

/// A new password: 18 random bytes as 24 base64url characters (144 bits).
fn generate_password() -> Result<String, AppError> {
    let mut bytes = [0u8; 18];
    getrandom::fill(&mut bytes)
        .map_err(|_| AppError::Unavailable("no randomness for a password".to_owned()))?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

fn role_of(user: &StaffUser) -> Result<StaffRole, AppError> {
    StaffRole::parse(&user.role)
        .map_err(|_| AppError::Internal(format!("staff user {} has an unknown role", user.id)))
}

fn account(user: &StaffUser) -> Result<StaffAccount, AppError> {
    Ok(StaffAccount {
        id: user.id,
        username: user.username.clone(),
        role: role_of(user)?,
        disabled_at_ms: user.disabled_at_ms,
        created_at_ms: user.created_at_ms,
    })
}

fn no_such_user() -> AppError {
    AppError::NotFound("there is no staff user with that username".to_owned())
}

impl App {
    /// Makes a staff account. Without a password one is generated and returned, to be
    /// shown this once.
    pub async fn create_staff(
        &self,
        username: &str,
        role: StaffRole,
        password: Option<&str>,
        actor: &Actor,
    ) -> Result<(StaffAccount, Option<Sensitive<String>>), AppError> {
        let username = normalize_username(username)?;
        let (password, generated) = match password {
            Some(given) => {
                check_password(given)?;
                (given.to_owned(), false)
            }
            None => (generate_password()?, true),
        };
        let secret = password.clone().into_bytes();
        let phc = blocking(move || hash_password(&secret)).await??;
        let now = self.now();
        let user = StaffUser {
            id: self.ids.id(now),
            username,
            password_hash: phc,
            role: role.id().to_owned(),
            disabled_at_ms: None,
            created_at_ms: now.as_millisecond(),
            password_changed_at_ms: now.as_millisecond(),
        };
        let mut tx = self.store().begin().await?;
        tx.insert_staff_user(&user).await.map_err(|e| match e {
            ombud_store::StoreError::Conflict(_) => {
                AppError::Conflict("that username is taken; choose another".to_owned())
            }
            other => other.into(),
        })?;
        let payload = json!({"staff": user.id.to_string(), "role": role.id()});
        self.audit(&mut tx, now, actor, "staff.created", None, &payload).await?;
        tx.commit().await?;
        Ok((account(&user)?, generated.then(|| Sensitive::new(password))))
    }

    /// Every staff account, oldest first.
    pub async fn staff_accounts(&self) -> Result<Vec<StaffAccount>, AppError> {
        let mut tx = self.store().read().await?;
        tx.staff_users().await?.iter().map(account).collect()
    }

    /// Disables an account and ends its sessions at once; `false` when it was disabled
    /// already.
    pub async fn disable_staff(&self, username: &str, actor: &Actor) -> Result<bool, AppError> {
        let username = normalize_username(username)?;
        let now = self.now();
        let mut tx = self.store().begin().await?;
        let user = tx.staff_user_by_name(&username).await?.ok_or_else(no_such_user)?;
        let disabled = tx.disable_staff_user(user.id, now.as_millisecond()).await?;
        if disabled {
            let payload = json!({"staff": user.id.to_string()});
            self.audit(&mut tx, now, actor, "staff.disabled", None, &payload).await?;
        }
        tx.commit().await?;
        Ok(disabled)
    }

    /// Sets a new password (given, or generated and returned to be shown once) and ends
    /// the account's sessions.
    pub async fn reset_staff_password(
        &self,
        username: &str,
        password: Option<&str>,
        actor: &Actor,
    ) -> Result<Option<Sensitive<String>>, AppError> {
        let username = normalize_username(username)?;
        let (password, generated) = match password {
            Some(given) => {
                check_password(given)?;
                (given.to_owned(), false)
            }
            None => (generate_password()?, true),
        };
        let secret = password.clone().into_bytes();
        let phc = blocking(move || hash_password(&secret)).await??;
        let now = self.now();
        let mut tx = self.store().begin().await?;
        let user = tx.staff_user_by_name(&username).await?.ok_or_else(no_such_user)?;
        tx.set_staff_password(user.id, &phc, now.as_millisecond()).await?;
        tx.end_staff_sessions(user.id).await?;
        let payload = json!({"staff": user.id.to_string()});
        self.audit(&mut tx, now, actor, "staff.password_reset", None, &payload).await?;
        tx.commit().await?;
        Ok(generated.then(|| Sensitive::new(password)))
    }

    /// Checks a username and password and, when they match an enabled account and the
    /// attempts are within their limits, starts a session.
    pub async fn staff_login(
        &self,
        username: &str,
        password: &str,
        address: Option<IpAddr>,
    ) -> Result<LoginOutcome, AppError> {
        let now = self.now();
        let now_ms = now.as_millisecond();
        let since_ms = now_ms.saturating_sub(LOGIN_WINDOW_MS);
        // The throttling key is the submitted name, whether or not such a user exists.
        let name = username.trim().to_lowercase();
        let name = name.get(..name.len().min(USERNAME_BYTES_MAX * 4)).unwrap_or("");
        let mut tx = self.store().read().await?;
        let user_key = tx.staff_mac("staff_login", format!("user\0{name}").as_bytes());
        let address_key =
            address.map(|ip| tx.staff_mac("staff_login", format!("address\0{ip}").as_bytes()));
        let mut throttled =
            tx.login_failures(&user_key, since_ms).await? >= LOGIN_FAILURES_PER_USERNAME_MAX;
        if let Some(key) = &address_key {
            throttled |= tx.login_failures(key, since_ms).await? >= LOGIN_FAILURES_PER_ADDRESS_MAX;
        }
        let user = match normalize_username(name) {
            Ok(valid) => tx.staff_user_by_name(&valid).await?,
            Err(_) => None,
        };
        drop(tx);
        if throttled {
            return Ok(LoginOutcome::Throttled);
        }
        // The same hash work for a user that exists, one that does not, and an oversized
        // password (cut to the limit), so neither time nor answer tells them apart.
        let stored = user.as_ref().map(|u| u.password_hash.clone());
        let attempt =
            password.as_bytes().get(..PASSWORD_BYTES_MAX).unwrap_or(password.as_bytes()).to_vec();
        let fits = password.len() <= PASSWORD_BYTES_MAX;
        let (matches, rehash) = blocking(move || {
            let phc = stored.as_deref().unwrap_or_else(|| dummy_hash());
            let matches = verify_password(&attempt, phc) && stored.is_some() && fits;
            let rehash =
                if matches && needs_rehash(phc) { hash_password(&attempt).ok() } else { None };
            (matches, rehash)
        })
        .await?;
        let mut tx = self.store().begin().await?;
        tx.sweep_staff(now_ms, since_ms).await?;
        let enabled = user.as_ref().filter(|u| u.disabled_at_ms.is_none());
        let (Some(user), true) = (enabled, matches) else {
            tx.add_login_failure(&user_key, now_ms).await?;
            if let Some(key) = &address_key {
                tx.add_login_failure(key, now_ms).await?;
            }
            let payload = match &user {
                Some(u) => json!({
                    "staff": u.id.to_string(),
                    "reason": if matches { "disabled" } else { "wrong_password" },
                }),
                None => json!({
                    "username_mac": ombud_core::audit::to_hex(&tx.staff_mac("staff_username", name.as_bytes())),
                    "reason": "unknown_username",
                }),
            };
            self.audit(&mut tx, now, &Actor::System, "staff.login_failed", None, &payload).await?;
            tx.commit().await?;
            return Ok(LoginOutcome::Refused);
        };
        let role = role_of(user)?;
        let rehashed = rehash.is_some();
        if let Some(phc) = rehash {
            tx.set_staff_password(user.id, &phc, user.password_changed_at_ms).await?;
        }
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes)
            .map_err(|_| AppError::Unavailable("no randomness for a session".to_owned()))?;
        let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
        let mac = tx.staff_mac("staff_session", token.as_bytes());
        let expires_at_ms = now_ms.saturating_add(SESSION_ABSOLUTE_MS);
        let idle_ms = now_ms.saturating_add(SESSION_IDLE_MS).min(expires_at_ms);
        tx.insert_staff_session(&mac, user.id, now_ms, idle_ms, expires_at_ms).await?;
        tx.clear_login_failures(&user_key).await?;
        let principal = StaffPrincipal { id: user.id, username: user.username.clone(), role };
        let payload = json!({"staff": user.id.to_string(), "rehashed": rehashed});
        self.audit(&mut tx, now, &principal.actor(), "staff.login", None, &payload).await?;
        tx.commit().await?;
        Ok(LoginOutcome::LoggedIn { token: Sensitive::new(token), principal })
    }

    /// Who a session token belongs to, while the session lasts; `None` when the token
    /// is unknown, the session has expired or the account is disabled.
    pub async fn staff_session(&self, token: &str) -> Result<Option<StaffPrincipal>, AppError> {
        if token.len() != SESSION_TOKEN_CHARS
            || !token.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Ok(None);
        }
        let now_ms = self.now().as_millisecond();
        let mut tx = self.store().read().await?;
        let mac = tx.staff_mac("staff_session", token.as_bytes());
        let session = tx.staff_session(&mac).await?;
        drop(tx);
        let Some(session) = session else { return Ok(None) };
        if now_ms >= session.idle_expires_at_ms
            || now_ms >= session.expires_at_ms
            || session.user.disabled_at_ms.is_some()
        {
            return Ok(None);
        }
        if now_ms.saturating_sub(session.last_seen_at_ms) >= SESSION_TOUCH_EVERY_MS {
            let idle = now_ms.saturating_add(SESSION_IDLE_MS).min(session.expires_at_ms);
            let mut tx = self.store().begin().await?;
            tx.touch_staff_session(&mac, now_ms, idle).await?;
            tx.commit().await?;
        }
        let role = role_of(&session.user)?;
        Ok(Some(StaffPrincipal { id: session.user.id, username: session.user.username, role }))
    }

    /// Ends a session (logout); `false` when there was none.
    pub async fn staff_logout(&self, token: &str) -> Result<bool, AppError> {
        if token.len() != SESSION_TOKEN_CHARS {
            return Ok(false);
        }
        let now = self.now();
        let mut tx = self.store().begin().await?;
        let mac = tx.staff_mac("staff_session", token.as_bytes());
        let Some(session) = tx.staff_session(&mac).await? else { return Ok(false) };
        tx.end_staff_session(&mac).await?;
        let payload = json!({"staff": session.user.id.to_string()});
        let actor = Actor::Staff(session.user.id.to_string());
        self.audit(&mut tx, now, &actor, "staff.logout", None, &payload).await?;
        tx.commit().await?;
        Ok(true)
    }
}

impl App {
    /// The open requests, nearest deadline first, with who each is about. Showing
    /// names is a staff read of personal data: one audit event names the requests
    /// shown.
    pub async fn staff_queue(&self, actor: &Actor) -> Result<Vec<QueueItem>, AppError> {
        let now = self.now();
        let mut tx = self.store().begin().await?;
        let filter = Filter { open: Some(true), limit: Some(QUEUE_ROWS_MAX), ..Filter::default() };
        let records = tx.list_requests(&filter).await?;
        let mut items = Vec::with_capacity(records.len());
        for record in records {
            let subject = tx.subject(record.request.id).await?;
            let who = subject.name.or(subject.email).map(Sensitive::new);
            items.push(QueueItem { record, who });
        }
        if !items.is_empty() {
            let ids: Vec<String> = items.iter().map(|i| i.record.request.id.to_string()).collect();
            let payload = json!({"requests": ids});
            self.audit(&mut tx, now, actor, "request.queue_viewed", None, &payload).await?;
        }
        tx.commit().await?;
        Ok(items)
    }

    /// The latest logins, failed logins, logouts and account changes, newest first.
    pub async fn staff_events(&self, limit: u32) -> Result<Vec<AuditLine>, AppError> {
        let mut tx = self.store().read().await?;
        Ok(tx.recent_audit_events("staff.", limit).await?)
    }

    /// The legal bases a request may be denied on now, by its law, type and status
    /// each is tried against the request's own rules, so the
    /// list staff choose from never offers one the transition would refuse.
    pub fn denial_codes(&self, record: &RequestRecord) -> Vec<DenialBasis> {
        DenialBasis::codes()
            .into_iter()
            .filter_map(DenialBasis::from_code)
            .filter(|basis| {
                let reason = DenialReason {
                    basis: *basis,
                    explanation: Some(Sensitive::new("explained".to_owned())),
                };
                request::transition(
                    &record.request,
                    Event::Denied { reasons: vec![reason] },
                    self.now(),
                    &self.settings.calendars,
                )
                .is_ok()
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::sync::Arc;

    use super::*;
    use crate::mail::{MailTransport, Templates};
    use crate::{AppParts, ManualClock, NoLookup, SequentialIds, Settings};

    fn app(t: &ombud_testkit::TestStore, dir: &std::path::Path) -> App {
        App::new(AppParts {
            store: t.store.clone(),
            settings: Settings::example(),
            clock: Arc::new(ManualClock::new("2026-11-25T17:00:00Z".parse().unwrap())),
            ids: Arc::new(SequentialIds::new()),
            lookup: Arc::new(NoLookup),
            templates: Templates::builtin(),
            transport: MailTransport::from_url(&format!("outbox:{}", dir.display())).unwrap(),
        })
    }

    #[test]
    fn usernames_are_normalized_and_passwords_have_bounds() {
        assert_eq!(normalize_username("  Alice.Example ").unwrap(), "alice.example");
        assert!(normalize_username("").is_err());
        assert!(normalize_username("a b").is_err());
        assert!(normalize_username("<script>").is_err());
        assert!(normalize_username(&"a".repeat(USERNAME_BYTES_MAX + 1)).is_err());
        assert!(check_password("eleven char").is_err());
        assert!(check_password("twelve chars").is_ok());
        assert!(check_password(&"x".repeat(PASSWORD_BYTES_MAX + 1)).is_err());
        let generated = generate_password().unwrap();
        assert_eq!(generated.len(), 24);
        assert!(check_password(&generated).is_ok());
        assert_ne!(generated, generate_password().unwrap());
    }

    #[test]
    fn hashes_are_argon2id_with_todays_parameters_and_older_ones_need_a_rehash() {
        let phc = hash_password(b"a password of some length").unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        assert!(verify_password(b"a password of some length", &phc));
        assert!(!verify_password(b"a password of some lengtH", &phc));
        assert!(!verify_password(b"anything", "not a hash"));
        assert!(!needs_rehash(&phc));
        let old = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(8192, 1, 1, None).unwrap(),
        )
        .hash_password_with_salt(b"a password of some length", b"0123456789abcdef")
        .unwrap()
        .to_string();
        assert!(needs_rehash(&old));
        assert!(verify_password(b"a password of some length", &old), "old hashes still verify");
    }

    ombud_testkit::store_test!(
        a_login_rehashes_a_password_hashed_with_older_parameters,
        |t| async move {
            let dir = tempfile::tempdir().unwrap();
            let app = app(&t, dir.path());
            let (account, _) = app
                .create_staff(
                    "alice",
                    StaffRole::Agent,
                    Some("a long enough password"),
                    &Actor::Cli,
                )
                .await
                .unwrap();
            let old = Argon2::new(
                Algorithm::Argon2id,
                Version::V0x13,
                Params::new(8192, 1, 1, None).unwrap(),
            )
            .hash_password_with_salt(b"a long enough password", b"0123456789abcdef")
            .unwrap()
            .to_string();
            let mut tx = app.store().begin().await.unwrap();
            tx.set_staff_password(account.id, &old, 0).await.unwrap();
            tx.commit().await.unwrap();
            let outcome = app.staff_login("alice", "a long enough password", None).await.unwrap();
            assert!(matches!(outcome, LoginOutcome::LoggedIn { .. }));
            let mut tx = app.store().read().await.unwrap();
            let stored = tx.staff_user_by_name("alice").await.unwrap().unwrap();
            assert!(stored.password_hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
            assert!(!needs_rehash(&stored.password_hash));
            let login = tx.recent_audit_events("staff.login", 10).await.unwrap();
            assert!(
                login
                    .iter()
                    .any(|e| e.action == "staff.login" && e.payload.contains("\"rehashed\":true"))
            );
        }
    );

    ombud_testkit::store_test!(
        staff_accounts_are_made_once_listed_reset_and_disabled,
        |t| async move {
            let dir = tempfile::tempdir().unwrap();
            let app = app(&t, dir.path());
            let (_, generated) =
                app.create_staff("Admin", StaffRole::Admin, None, &Actor::Cli).await.unwrap();
            let password = generated.unwrap().expose().clone();
            let taken =
                app.create_staff("admin", StaffRole::Agent, None, &Actor::Cli).await.unwrap_err();
            assert!(matches!(taken, AppError::Conflict(_)), "{taken}");
            assert!(
                app.create_staff("bob", StaffRole::Agent, Some("short"), &Actor::Cli)
                    .await
                    .is_err()
            );
            let accounts = app.staff_accounts().await.unwrap();
            assert_eq!(accounts.len(), 1);
            assert_eq!(
                (accounts[0].username.as_str(), accounts[0].role),
                ("admin", StaffRole::Admin)
            );

            let LoginOutcome::LoggedIn { token, principal } =
                app.staff_login("admin", &password, None).await.unwrap()
            else {
                panic!("the generated password logs in")
            };
            assert_eq!(token.expose().len(), SESSION_TOKEN_CHARS);
            assert_eq!(app.staff_session(token.expose()).await.unwrap(), Some(principal));
            // A reset ends the sessions and the old password stops working.
            let new = app.reset_staff_password("admin", None, &Actor::Cli).await.unwrap().unwrap();
            assert_eq!(app.staff_session(token.expose()).await.unwrap(), None);
            assert!(matches!(
                app.staff_login("admin", &password, None).await.unwrap(),
                LoginOutcome::Refused
            ));
            assert!(matches!(
                app.staff_login("admin", new.expose(), None).await.unwrap(),
                LoginOutcome::LoggedIn { .. }
            ));
            assert!(app.disable_staff("admin", &Actor::Cli).await.unwrap());
            assert!(!app.disable_staff("admin", &Actor::Cli).await.unwrap(), "disabled already");
            assert!(matches!(
                app.staff_login("admin", new.expose(), None).await.unwrap(),
                LoginOutcome::Refused
            ));
            assert!(matches!(
                app.disable_staff("nobody", &Actor::Cli).await.unwrap_err(),
                AppError::NotFound(_)
            ));
        }
    );
}
