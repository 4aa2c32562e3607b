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
//!
//! A hash costs 19 MiB and a core for tens of milliseconds, so the process runs at
//! most one per core at a time ([`HashGate`]); a login that cannot get a turn within
//! [`HASH_WAIT_MS`] is refused as busy rather than queued without bound. The
//! per-username and per-address throttles reserve the attempt in one write transaction
//! before any hashing, so attempts sent in parallel cannot slip past them.

use std::net::IpAddr;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

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

/// The open requests the queue shows, and how many are open in all.
#[derive(Clone, Debug)]
pub struct Queue {
    /// The first [`QUEUE_ROWS_MAX`] open requests, nearest deadline first.
    pub items: Vec<QueueItem>,
    /// How many requests are open (more than `items` holds when the queue is long).
    pub open_total: u64,
}

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
/// How long a password check waits for a free hashing slot before it is refused as
/// busy: long enough to ride out a burst of logins, short enough that a flood of them
/// is answered "try again" instead of piling up threads and memory.
pub const HASH_WAIT_MS: u64 = 2_000;

/// At most so many password hashes at a time: each holds 19 MiB and a core until it
/// is done. Without it every login (an unknown username costs the same hash) took a
/// thread of tokio's blocking pool, up to 512 of them and about 9.7 GB at once.
pub struct HashGate {
    permits: Arc<tokio::sync::Semaphore>,
    /// How many permits it was made with (the semaphore tells only the free ones).
    permits_total: usize,
    wait: Duration,
}

impl HashGate {
    /// A gate letting `permits` hashes run at once; a hash waits at most `wait_ms`.
    pub fn new(permits: usize, wait_ms: u64) -> HashGate {
        let permits = permits.max(1);
        HashGate {
            permits: Arc::new(tokio::sync::Semaphore::new(permits)),
            permits_total: permits,
            wait: Duration::from_millis(wait_ms),
        }
    }

    /// The process's gate: one hash per available core.
    pub fn global() -> &'static HashGate {
        static GATE: OnceLock<HashGate> = OnceLock::new();
        GATE.get_or_init(|| {
            let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
            HashGate::new(cores, HASH_WAIT_MS)
        })
    }

    /// How many hashes may run at once.
    pub fn permits(&self) -> usize {
        self.permits_total
    }

    /// Runs hash work on the blocking pool once a slot is free; `Unavailable` (busy)
    /// when none frees up within the wait. The slot travels with the work, so a login
    /// whose client went away still holds it until its hash is done.
    pub async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, AppError> {
        let permit =
            match tokio::time::timeout(self.wait, self.permits.clone().acquire_owned()).await {
                Ok(Ok(permit)) => permit,
                Ok(Err(_)) | Err(_) => return Err(busy()),
            };
        tokio::task::spawn_blocking(move || {
            let out = work();
            drop(permit);
            out
        })
        .await
        .map_err(|_| AppError::Internal("the password check stopped".to_owned()))
    }
}

fn busy() -> AppError {
    AppError::Unavailable(
        "the server is busy checking other logins; try again in a few seconds".to_owned(),
    )
}

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

/// A hash with today's parameters that no login is ever accepted by: an unknown
/// username is checked against it, so the answer takes as long as for a real one. It is
/// a constant, not made at start-up, so it cannot fail to exist (an empty one would
/// answer unknown usernames at once); a test keeps its parameters today's.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$ETiOUJo7D/bb53n9QJzapA$Bc77zs7yqwg40v/uKhMrJcW7q5iZ/bOVjcNZzyZCHOA";

/// Runs hash work through the process's [`HashGate`].
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, AppError> {
    HashGate::global().run(work).await
}

/// The throttling key of a login name or a client address (a keyed hash, never the
/// value).
fn login_key(tx: &ombud_store::Tx, kind: &str, value: &str) -> Vec<u8> {
    tx.staff_mac("staff_login", format!("{kind}\0{value}").as_bytes())
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
        // The throttled login page tells the person to ask an admin for a reset: after
        // it, the new password works at once instead of after the window.
        let cleared = tx.clear_login_failures(&login_key(&tx, "user", &username)).await?;
        let payload = json!({"staff": user.id.to_string(), "login_failures_cleared": cleared});
        self.audit(&mut tx, now, actor, "staff.password_reset", None, &payload).await?;
        tx.commit().await?;
        Ok(generated.then(|| Sensitive::new(password)))
    }

    /// Whether `password` is the password of the enabled account `username`, without
    /// logging in, throttling or auditing: for the local command line (`ombud demo`
    /// checks the login it keeps in a file still works). Never behind a web route: it
    /// would be a password oracle without a throttle.
    pub async fn staff_password_matches(
        &self,
        username: &str,
        password: &str,
    ) -> Result<bool, AppError> {
        let username = normalize_username(username)?;
        let mut tx = self.store().read().await?;
        let user = tx.staff_user_by_name(&username).await?;
        drop(tx);
        let Some(user) = user.filter(|u| u.disabled_at_ms.is_none()) else { return Ok(false) };
        let attempt = password.as_bytes().to_vec();
        blocking(move || verify_password(&attempt, &user.password_hash)).await
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
        // The attempt is reserved (counted as a failure) before any hashing, in one
        // write transaction: parallel attempts see each other's reservations, so no
        // more than the limit get to the password check per window.
        let mut tx = self.store().begin().await?;
        tx.sweep_staff(now_ms, since_ms).await?;
        let user_key = login_key(&tx, "user", name);
        let address_key = address.map(|ip| login_key(&tx, "address", &ip.to_string()));
        let mut limits = vec![(user_key.as_slice(), LOGIN_FAILURES_PER_USERNAME_MAX)];
        if let Some(key) = &address_key {
            limits.push((key.as_slice(), LOGIN_FAILURES_PER_ADDRESS_MAX));
        }
        if !tx.reserve_login_attempt(&limits, since_ms, now_ms).await? {
            tx.commit().await?;
            return Ok(LoginOutcome::Throttled);
        }
        let user = match normalize_username(name) {
            Ok(valid) => tx.staff_user_by_name(&valid).await?,
            Err(_) => None,
        };
        tx.commit().await?;
        // The same hash work for a user that exists, one that does not, and an oversized
        // password (cut to the limit), so neither time nor answer tells them apart.
        let stored = user.as_ref().map(|u| u.password_hash.clone());
        let attempt =
            password.as_bytes().get(..PASSWORD_BYTES_MAX).unwrap_or(password.as_bytes()).to_vec();
        let fits = password.len() <= PASSWORD_BYTES_MAX;
        let checked = blocking(move || {
            let phc = stored.as_deref().unwrap_or(DUMMY_HASH);
            let matches = verify_password(&attempt, phc) && stored.is_some() && fits;
            let rehash =
                if matches && needs_rehash(phc) { hash_password(&attempt).ok() } else { None };
            (matches, rehash)
        })
        .await;
        let (matches, rehash) = match checked {
            Ok(done) => done,
            Err(e) => {
                // Not checked (busy): the attempt is given back, so a crowd of logins
                // does not lock anyone out.
                let mut tx = self.store().begin().await?;
                tx.release_login_attempt(&user_key, now_ms).await?;
                if let Some(key) = &address_key {
                    tx.release_login_attempt(key, now_ms).await?;
                }
                tx.commit().await?;
                return Err(e);
            }
        };
        let mut tx = self.store().begin().await?;
        let enabled = user.as_ref().filter(|u| u.disabled_at_ms.is_none());
        let (Some(user), true) = (enabled, matches) else {
            // The reservation stands as the failure.
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
        // A success forgets the username's failures and takes back this attempt's
        // reservation under the address (an office logging in is not a spray).
        tx.clear_login_failures(&user_key).await?;
        if let Some(key) = &address_key {
            tx.release_login_attempt(key, now_ms).await?;
        }
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
        // Looked up in a read transaction first: a made-up cookie costs no write.
        let mut tx = self.store().read().await?;
        let mac = tx.staff_mac("staff_session", token.as_bytes());
        let found = tx.staff_session(&mac).await?;
        drop(tx);
        let Some(session) = found else { return Ok(false) };
        let mut tx = self.store().begin().await?;
        if !tx.end_staff_session(&mac).await? {
            // Ended meanwhile (another logout, a reset): nothing to record.
            return Ok(false);
        }
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
    pub async fn staff_queue(&self, actor: &Actor) -> Result<Queue, AppError> {
        let now = self.now();
        let mut tx = self.store().begin().await?;
        let filter = Filter { open: Some(true), limit: Some(QUEUE_ROWS_MAX), ..Filter::default() };
        let records = tx.list_requests(&filter).await?;
        let open_total = tx.open_requests_count().await?;
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
        Ok(Queue { items, open_total })
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

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_hash_gate_runs_at_most_its_permits_at_once_and_refuses_when_busy() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let gate = Arc::new(HashGate::new(2, 10_000));
        assert_eq!(gate.permits(), 2);
        let running = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let mut jobs = tokio::task::JoinSet::new();
        for _ in 0..8 {
            let (gate, running, most) = (gate.clone(), running.clone(), most.clone());
            jobs.spawn(async move {
                gate.run(move || {
                    let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(now, Ordering::SeqCst);
                    // Long enough for the others to pile up if nothing held them back.
                    std::thread::sleep(Duration::from_millis(40));
                    running.fetch_sub(1, Ordering::SeqCst);
                })
                .await
            });
        }
        let mut done = 0;
        while let Some(joined) = jobs.join_next().await {
            joined.unwrap().unwrap();
            done += 1;
        }
        assert_eq!(done, 8, "every job ran once a slot was free");
        assert_eq!(most.load(Ordering::SeqCst), 2, "never more than two at once");

        // Every slot taken for longer than the wait: refused as busy, the work not run.
        let busy = HashGate::new(1, 50);
        let held = busy.permits.clone().acquire_owned().await.unwrap();
        let ran = Arc::new(AtomicUsize::new(0));
        let counter = ran.clone();
        let refused = busy.run(move || counter.fetch_add(1, Ordering::SeqCst)).await.unwrap_err();
        assert!(matches!(refused, AppError::Unavailable(_)), "{refused}");
        assert!(refused.to_string().contains("try again"), "{refused}");
        assert_eq!(ran.load(Ordering::SeqCst), 0);
        drop(held);
        assert_eq!(busy.run(|| 7).await.unwrap(), 7);

        // The process's gate: one hash per core.
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
        assert_eq!(HashGate::global().permits(), cores);
    }

    #[test]
    fn the_dummy_hash_is_a_real_hash_with_todays_parameters_that_nothing_matches() {
        // An unknown username costs the same as a known one only if this is a full
        // hash with today's parameters: change them and this test says to remake it.
        assert!(PasswordHash::new(DUMMY_HASH).is_ok(), "{DUMMY_HASH}");
        assert!(!needs_rehash(DUMMY_HASH), "remake DUMMY_HASH with today's parameters");
        assert!(!verify_password(b"", DUMMY_HASH));
        assert!(!verify_password(b"correct horse battery staple", DUMMY_HASH));
    }

    /// The audit events of `action`.
    async fn audited(app: &App, action: &str) -> Vec<AuditLine> {
        let mut tx = app.store().read().await.unwrap();
        let all = tx.recent_audit_events(action, 1000).await.unwrap();
        all.into_iter().filter(|e| e.action == action).collect()
    }

    ombud_testkit::store_test!(
        wrong_passwords_sent_in_parallel_get_at_most_five_checks_and_the_rest_are_throttled,
        |t| async move {
            let dir = tempfile::tempdir().unwrap();
            let app = app(&t, dir.path());
            app.create_staff(
                "alice",
                StaffRole::Agent,
                Some("a long enough password"),
                &Actor::Cli,
            )
            .await
            .unwrap();
            let mut logins = tokio::task::JoinSet::new();
            for n in 0..12u8 {
                let app = app.clone();
                // From different addresses: only the username's limit applies.
                let address = IpAddr::from([192, 0, 2, n]);
                logins.spawn(async move {
                    app.staff_login("alice", "not her password", Some(address)).await
                });
            }
            let (mut refused, mut throttled) = (0, 0);
            while let Some(joined) = logins.join_next().await {
                match joined.unwrap().unwrap() {
                    LoginOutcome::Refused => refused += 1,
                    LoginOutcome::Throttled => throttled += 1,
                    LoginOutcome::LoggedIn { .. } => panic!("a wrong password logged in"),
                }
            }
            assert_eq!(
                (refused, throttled),
                (LOGIN_FAILURES_PER_USERNAME_MAX, 12 - LOGIN_FAILURES_PER_USERNAME_MAX),
                "only the first five were checked"
            );
            assert_eq!(audited(&app, "staff.login_failed").await.len(), 5, "five hashes");
        }
    );

    ombud_testkit::store_test!(
        a_password_reset_clears_the_usernames_failed_logins_and_audits_it,
        |t| async move {
            let dir = tempfile::tempdir().unwrap();
            let app = app(&t, dir.path());
            app.create_staff(
                "alice",
                StaffRole::Agent,
                Some("a long enough password"),
                &Actor::Cli,
            )
            .await
            .unwrap();
            for _ in 0..LOGIN_FAILURES_PER_USERNAME_MAX {
                let outcome = app.staff_login("alice", "wrong password", None).await.unwrap();
                assert!(matches!(outcome, LoginOutcome::Refused));
            }
            // Locked out, even with the right password: the page says to ask an admin.
            let outcome = app.staff_login("alice", "a long enough password", None).await.unwrap();
            assert!(matches!(outcome, LoginOutcome::Throttled));
            app.reset_staff_password("Alice", Some("a new long password"), &Actor::Cli)
                .await
                .unwrap();
            let outcome = app.staff_login("alice", "a new long password", None).await.unwrap();
            assert!(matches!(outcome, LoginOutcome::LoggedIn { .. }), "{outcome:?}");
            let reset = audited(&app, "staff.password_reset").await;
            assert_eq!(reset.len(), 1);
            assert!(reset[0].payload.contains("\"login_failures_cleared\":5"), "{reset:?}");
        }
    );

    ombud_testkit::store_test!(
        successful_logins_do_not_count_against_their_address,
        |t| async move {
            let dir = tempfile::tempdir().unwrap();
            let app = app(&t, dir.path());
            app.create_staff(
                "alice",
                StaffRole::Agent,
                Some("a long enough password"),
                &Actor::Cli,
            )
            .await
            .unwrap();
            // An office behind one address: more logins than the address's failure limit.
            let office = IpAddr::from([198, 51, 100, 7]);
            for _ in 0..=LOGIN_FAILURES_PER_ADDRESS_MAX {
                let outcome =
                    app.staff_login("alice", "a long enough password", Some(office)).await.unwrap();
                assert!(matches!(outcome, LoginOutcome::LoggedIn { .. }), "{outcome:?}");
            }
        }
    );

    ombud_testkit::store_test!(
        a_logout_with_a_made_up_cookie_takes_no_write_transaction,
        |t| async move {
            let dir = tempfile::tempdir().unwrap();
            let app = app(&t, dir.path());
            // A writer holds the store (on SQLite the one write lock): a logout that
            // only reads answers anyway; one that began a write would wait for it.
            let held = app.store().begin().await.unwrap();
            let made_up = "A".repeat(SESSION_TOKEN_CHARS);
            let answer =
                tokio::time::timeout(Duration::from_secs(2), app.staff_logout(&made_up)).await;
            assert!(!answer.expect("the logout did not wait for the writer").unwrap());
            drop(held);
        }
    );

    ombud_testkit::store_test!(
        a_password_check_without_login_matches_only_an_enabled_accounts_password,
        |t| async move {
            let dir = tempfile::tempdir().unwrap();
            let app = app(&t, dir.path());
            app.create_staff(
                "alice",
                StaffRole::Admin,
                Some("a long enough password"),
                &Actor::Cli,
            )
            .await
            .unwrap();
            assert!(app.staff_password_matches("alice", "a long enough password").await.unwrap());
            assert!(!app.staff_password_matches("alice", "a long enough passworD").await.unwrap());
            assert!(!app.staff_password_matches("nobody", "a long enough password").await.unwrap());
            app.disable_staff("alice", &Actor::Cli).await.unwrap();
            assert!(!app.staff_password_matches("alice", "a long enough password").await.unwrap());
            // Nothing was recorded: it is not a login.
            assert!(audited(&app, "staff.login").await.is_empty());
            assert!(audited(&app, "staff.login_failed").await.is_empty());
        }
    );

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
