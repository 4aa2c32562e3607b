//! API tokens: kept as keyed hashes with their scopes; looked up by hash, listed,
//! revoked (never deleted).

use ombud_core::id::Id;
use sqlx::Row as _;

use crate::{StoreError, Tx, on_conn};

/// A token as stored (never the token itself).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiToken {
    /// Id.
    pub id: Id,
    /// What it is for, as its maker named it.
    pub name: String,
    /// Space-separated scopes.
    pub scopes: String,
    /// Made at (Unix ms).
    pub created_at_ms: i64,
    /// Revoked at (Unix ms).
    pub revoked_at_ms: Option<i64>,
}

type Columns = (String, String, String, i64, Option<i64>);

/// The keyed hash a token is stored and found by, under the store's secret key.
pub fn api_token_mac(keys: &crate::Keyring, token: &str) -> Vec<u8> {
    keys.secret_mac("api_token", token.as_bytes())
}

fn token(columns: Columns) -> Result<ApiToken, StoreError> {
    let (id, name, scopes, created_at_ms, revoked_at_ms) = columns;
    let parsed = Id::parse(&id)
        .ok_or_else(|| StoreError::Corrupt(format!("api token {id} has a malformed id")))?;
    Ok(ApiToken { id: parsed, name, scopes, created_at_ms, revoked_at_ms })
}

impl Tx {
    /// Stores a token by its keyed hash ([`Tx::api_token_mac`]).
    pub async fn insert_api_token(
        &mut self,
        token: &ApiToken,
        mac: &[u8],
    ) -> Result<(), StoreError> {
        on_conn!(self.conn(), c => {
            sqlx::query(
                "INSERT INTO api_tokens (id, name, scopes, token_mac, created_at_ms) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(token.id.to_string())
            .bind(&token.name)
            .bind(&token.scopes)
            .bind(mac)
            .bind(token.created_at_ms)
            .execute(c)
            .await
            .map_err(|e| StoreError::from_sqlx(e, "store an API token"))?;
        });
        Ok(())
    }

    /// The keyed hash a token is stored and found by ([`api_token_mac`]).
    pub fn api_token_mac(&self, token: &str) -> Vec<u8> {
        api_token_mac(self.keys(), token)
    }

    /// The token with this keyed hash, revoked or not.
    pub async fn api_token_by_mac(&mut self, mac: &[u8]) -> Result<Option<ApiToken>, StoreError> {
        let row: Option<Columns> = on_conn!(self.conn(), c => {
            sqlx::query("SELECT id, name, scopes, created_at_ms, revoked_at_ms FROM api_tokens WHERE token_mac = $1")
                .bind(mac)
                .fetch_optional(c)
                .await
                .map_err(|e| StoreError::from_sqlx(e, "find an API token"))?
                .map(|row| Ok::<_, sqlx::Error>((row.try_get("id")?, row.try_get("name")?, row.try_get("scopes")?, row.try_get("created_at_ms")?, row.try_get("revoked_at_ms")?)))
                .transpose()
                .map_err(|e| StoreError::from_sqlx(e, "find an API token"))?
        });
        row.map(token).transpose()
    }

    /// Every token, oldest first.
    pub async fn api_tokens(&mut self) -> Result<Vec<ApiToken>, StoreError> {
        let rows: Vec<Columns> = on_conn!(self.conn(), c => {
            sqlx::query("SELECT id, name, scopes, created_at_ms, revoked_at_ms FROM api_tokens ORDER BY created_at_ms, id LIMIT 10000")
                .fetch_all(c)
                .await
                .map_err(|e| StoreError::from_sqlx(e, "list API tokens"))?
                .iter()
                .map(|row| Ok::<_, sqlx::Error>((row.try_get("id")?, row.try_get("name")?, row.try_get("scopes")?, row.try_get("created_at_ms")?, row.try_get("revoked_at_ms")?)))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| StoreError::from_sqlx(e, "list API tokens"))?
        });
        rows.into_iter().map(token).collect()
    }

    /// Revokes a token; `false` when there is none with that id or it was revoked already.
    pub async fn revoke_api_token(&mut self, id: Id, now_ms: i64) -> Result<bool, StoreError> {
        let changed = on_conn!(self.conn(), c => {
            sqlx::query("UPDATE api_tokens SET revoked_at_ms = $1 WHERE id = $2 AND revoked_at_ms IS NULL")
                .bind(now_ms)
                .bind(id.to_string())
                .execute(c)
                .await
                .map_err(|e| StoreError::from_sqlx(e, "revoke an API token"))?
                .rows_affected()
        });
        Ok(changed == 1)
    }
}
