//! API tokens (issue 6): made with scopes, shown once, kept only as a keyed hash,
//! checked on every API call, revoked (never deleted). Making and revoking one is
//! audited.

use base64::Engine as _;
use ombud_core::id::Id;
use ombud_core::limits;
use ombud_core::sensitive::Sensitive;
use ombud_store::tokens::ApiToken;
use serde_json::json;

use crate::{Actor, App, AppError};

/// What a token may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Scope {
    /// Ask the decision engine (single and batch).
    Decide,
    /// Read a subject's choices.
    ConsentRead,
    /// Record choices.
    ConsentWrite,
    /// Read a request's status and deadlines (never the person's details).
    RequestsRead,
    /// Submit requests and verify them (send a code, check a code).
    RequestsWrite,
    /// Read the records and metrics the law asks for (11 CCR §7101, §7102).
    ReportsRead,
}

impl Scope {
    /// Every scope.
    pub const ALL: [Scope; 6] = [
        Scope::Decide,
        Scope::ConsentRead,
        Scope::ConsentWrite,
        Scope::RequestsRead,
        Scope::RequestsWrite,
        Scope::ReportsRead,
    ];

    /// Its name in tokens and on the command line.
    pub fn id(self) -> &'static str {
        match self {
            Scope::Decide => "decide",
            Scope::ConsentRead => "consent:read",
            Scope::ConsentWrite => "consent:write",
            Scope::RequestsRead => "requests:read",
            Scope::RequestsWrite => "requests:write",
            Scope::ReportsRead => "reports:read",
        }
    }

    /// A scope by name.
    pub fn parse(text: &str) -> Result<Scope, AppError> {
        Scope::ALL.into_iter().find(|s| s.id() == text).ok_or_else(|| {
            AppError::Invalid(format!(
                "unknown scope {:?}; the scopes are {}",
                text.chars().take(40).collect::<String>(),
                Scope::ALL.map(Scope::id).join(", ")
            ))
        })
    }
}

/// How long a token found in the store is trusted without reading it again: the most a
/// revocation made by another process waits to take effect here.
pub const TOKEN_CACHE_MS: i64 = 1_000;

/// The most tokens remembered at once (a company has a handful; past this, all are
/// forgotten and read again).
const TOKEN_CACHE_ENTRIES_MAX: usize = 10_000;

/// Tokens recently found in the store, by keyed hash, with when they were read.
#[derive(Default)]
pub(crate) struct TokenCache {
    entries: std::sync::Mutex<std::collections::HashMap<Vec<u8>, (ApiPrincipal, i64)>>,
}

impl TokenCache {
    fn lock(
        &self,
    ) -> std::sync::MutexGuard<'_, std::collections::HashMap<Vec<u8>, (ApiPrincipal, i64)>> {
        // A poisoned map is only a cache: start it afresh.
        self.entries.lock().unwrap_or_else(|poisoned| {
            let mut guard = poisoned.into_inner();
            guard.clear();
            guard
        })
    }

    fn get(&self, mac: &[u8], now_ms: i64) -> Option<ApiPrincipal> {
        let entries = self.lock();
        let (principal, read_at_ms) = entries.get(mac)?;
        // A clock that went back is no reason to trust an entry longer.
        (now_ms >= *read_at_ms && now_ms - read_at_ms < TOKEN_CACHE_MS).then(|| principal.clone())
    }

    fn put(&self, mac: Vec<u8>, principal: ApiPrincipal, now_ms: i64) {
        let mut entries = self.lock();
        if entries.len() >= TOKEN_CACHE_ENTRIES_MAX {
            entries.clear();
        }
        entries.insert(mac, (principal, now_ms));
    }

    fn forget(&self, id: Id) {
        self.lock().retain(|_, (principal, _)| principal.id != id);
    }
}

/// Who an API call is, once its token checks out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiPrincipal {
    /// The token's id (what the audit log names).
    pub id: Id,
    /// Its scopes.
    pub scopes: Vec<Scope>,
}

/// The one refusal of a call whose token cannot make it: missing, malformed, unknown,
/// revoked or without the scope all read the same, so a caller learns nothing about which
/// tokens exist. It names the scope the call needs, which is public (docs/api.md).
fn refused(scope: Scope) -> AppError {
    AppError::Forbidden(format!(
        "this call needs an API token with the scope {}; the token given is missing, unknown, revoked or without that scope",
        scope.id()
    ))
}

/// The prefix of every token: recognizable to secret scanners and in a log a person
/// pasted by mistake.
pub const TOKEN_PREFIX: &str = "ombud_";

/// The longest token accepted for checking (a real one is 49 characters).
const TOKEN_CHARS_MAX: usize = 128;

impl App {
    /// Makes a token with these scopes; returns its id and the token, which is shown
    /// this once and kept only as a keyed hash.
    pub async fn create_api_token(
        &self,
        name: &str,
        scopes: &[Scope],
        actor: &Actor,
    ) -> Result<(Id, Sensitive<String>), AppError> {
        let name = name.trim();
        if name.is_empty() || name.len() > limits::ID_BYTES_MAX {
            return Err(AppError::Invalid(
                "name the token (what uses it), at most 128 bytes".to_owned(),
            ));
        }
        if scopes.is_empty() {
            return Err(AppError::Invalid("give the token at least one scope".to_owned()));
        }
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes)
            .map_err(|_| AppError::Unavailable("no randomness for a token".to_owned()))?;
        let token = format!(
            "{TOKEN_PREFIX}{}",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
        );
        let now = self.now();
        let id = self.ids.id(now);
        let mut names: Vec<&str> = scopes.iter().map(|s| s.id()).collect();
        names.sort_unstable();
        names.dedup();
        let stored = ApiToken {
            id,
            name: name.to_owned(),
            scopes: names.join(" "),
            created_at_ms: now.as_millisecond(),
            revoked_at_ms: None,
        };
        let mut tx = self.store().begin().await?;
        let mac = tx.api_token_mac(&token);
        tx.insert_api_token(&stored, &mac).await?;
        let payload =
            json!({"token": id.to_string(), "name": stored.name, "scopes": stored.scopes});
        self.audit(&mut tx, now, actor, "api_token.created", None, &payload).await?;
        tx.commit().await?;
        Ok((id, Sensitive::new(token)))
    }

    /// Checks a bearer token for a call that needs `scope`. Every failure is the same
    /// `Forbidden`, with the same message, so a caller learns nothing about which tokens
    /// exist or what a token it holds may do beyond this call.
    ///
    /// A token found in the store is remembered for [`TOKEN_CACHE_MS`] by its keyed hash,
    /// so a busy caller (a decision per page view) does not cost a store read per call.
    /// A revocation made by this process forgets it at once; one made by another process
    /// (`ombud token revoke`, another server) takes effect within that time.
    pub async fn authorize(&self, token: &str, scope: Scope) -> Result<ApiPrincipal, AppError> {
        if !token.starts_with(TOKEN_PREFIX) || token.len() > TOKEN_CHARS_MAX {
            return Err(refused(scope));
        }
        let mac = ombud_store::tokens::api_token_mac(self.store().keys(), token);
        let now_ms = self.now().as_millisecond();
        let principal = match self.token_cache.get(&mac, now_ms) {
            Some(principal) => principal,
            None => {
                let mut tx = self.store().read().await?;
                let found = tx.api_token_by_mac(&mac).await?;
                drop(tx);
                let Some(found) = found.filter(|t| t.revoked_at_ms.is_none()) else {
                    return Err(refused(scope));
                };
                let scopes: Vec<Scope> =
                    found.scopes.split(' ').filter_map(|s| Scope::parse(s).ok()).collect();
                let principal = ApiPrincipal { id: found.id, scopes };
                self.token_cache.put(mac, principal.clone(), now_ms);
                principal
            }
        };
        if !principal.scopes.contains(&scope) {
            return Err(refused(scope));
        }
        Ok(principal)
    }

    /// Every token (never the tokens themselves).
    pub async fn api_tokens(&self) -> Result<Vec<ApiToken>, AppError> {
        let mut tx = self.store().read().await?;
        Ok(tx.api_tokens().await?)
    }

    /// Revokes a token: it stops working at once.
    pub async fn revoke_api_token(&self, id: Id, actor: &Actor) -> Result<bool, AppError> {
        let now = self.now();
        let mut tx = self.store().begin().await?;
        let revoked = tx.revoke_api_token(id, now.as_millisecond()).await?;
        // Forgotten before the commit: no call of this process passes on it afterwards.
        self.token_cache.forget(id);
        if revoked {
            self.audit(
                &mut tx,
                now,
                actor,
                "api_token.revoked",
                None,
                &json!({"token": id.to_string()}),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(revoked)
    }
}
