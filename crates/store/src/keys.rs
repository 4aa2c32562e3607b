//! The data keys in the database, wrapped by the master key: creating them, loading
//! them, and rotating them.
//!
//! Rotation comes in three kinds, each a command:
//! - **master** ([`rotate_master`]): every data key is re-wrapped under a new master key
//!   in one transaction; no personal data is re-encrypted, so it is fast and atomic.
//! - **data** ([`rotate_data_key`]): a new data key encrypts from now on, and every
//!   ciphertext in the store is re-encrypted under it, batch by batch; older keys are
//!   then retired (kept only to read old backups) or, if asked, destroyed.
//! - **blind index** ([`rotate_blind_index`]): a new index key, and every index
//!   recomputed from the decrypted identities.
//!
//! The audit-chain key does not rotate: the chain's past hashes depend on it. It is
//! protected by the master key like the others.

use sqlx::Row as _;
use zeroize::Zeroizing;

use crate::crypto::{KeyPurpose, Keyring, MasterKey, random_array};
use crate::{Conn, Pools, Store, StoreError, begin_raw, on_conn};

/// Rows of ciphertext re-encrypted per transaction during a data-key rotation.
const REENCRYPT_BATCH_ROWS: i64 = 500;

/// A key as listed by `ombud keys list` (never the key itself).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyInfo {
    /// Id.
    pub id: u32,
    /// Purpose.
    pub purpose: KeyPurpose,
    /// Created at (Unix ms).
    pub created_at_ms: i64,
    /// Retired at (Unix ms): no longer used to encrypt or index.
    pub retired_at_ms: Option<i64>,
}

struct StoredKey {
    id: u32,
    purpose: KeyPurpose,
    wrapped: Vec<u8>,
    created_at_ms: i64,
    retired_at_ms: Option<i64>,
}

async fn read_check(conn: Conn<'_>) -> Result<Option<Vec<u8>>, StoreError> {
    on_conn!(conn, c => {
        let row = sqlx::query("SELECT master_check FROM keyring WHERE id = 1")
            .fetch_optional(c)
            .await
            .map_err(|e| StoreError::from_sqlx(e, "read the keyring"))?;
        row.map(|row| row.try_get::<Vec<u8>, _>("master_check"))
            .transpose()
            .map_err(|e| StoreError::from_sqlx(e, "read the keyring"))
    })
}

async fn read_keys(conn: Conn<'_>) -> Result<Vec<StoredKey>, StoreError> {
    let rows = on_conn!(conn, c => {
        let rows = sqlx::query("SELECT id, purpose, wrapped, created_at_ms, retired_at_ms FROM data_keys ORDER BY id")
            .fetch_all(c)
            .await
            .map_err(|e| StoreError::from_sqlx(e, "read the data keys"))?;
        rows.iter()
            .map(|row| {
                Ok((
                    row.try_get::<i64, _>("id")?,
                    row.try_get::<String, _>("purpose")?,
                    row.try_get::<Vec<u8>, _>("wrapped")?,
                    row.try_get::<i64, _>("created_at_ms")?,
                    row.try_get::<Option<i64>, _>("retired_at_ms")?,
                ))
            })
            .collect::<Result<Vec<_>, sqlx::Error>>()
            .map_err(|e| StoreError::from_sqlx(e, "read the data keys"))?
    });
    rows.into_iter()
        .map(|(id, purpose, wrapped, created_at_ms, retired_at_ms)| {
            let id = u32::try_from(id)
                .map_err(|_| StoreError::Corrupt(format!("data key id {id} is out of range")))?;
            let purpose = KeyPurpose::from_id(&purpose).ok_or_else(|| {
                StoreError::Corrupt(format!("data key {id} has an unknown purpose"))
            })?;
            Ok(StoredKey { id, purpose, wrapped, created_at_ms, retired_at_ms })
        })
        .collect()
}

fn wrong_master() -> StoreError {
    StoreError::Key(
        "this master key is not the one the store was created with; give the right key with --master-key-file or OMBUD_MASTER_KEY".to_owned(),
    )
}

/// Unlocks the keys of a migrated store.
pub(crate) async fn load(pools: &Pools, master: &MasterKey) -> Result<Keyring, StoreError> {
    let mut tx = begin_raw(pools, Keyring::locked()).await?;
    let check = read_check(tx.conn()).await?.ok_or_else(|| {
        StoreError::Key("the store has no keys yet; run `ombud migrate`".to_owned())
    })?;
    if !master.matches_check(&check) {
        return Err(wrong_master());
    }
    let stored = read_keys(tx.conn()).await?;
    drop(tx);
    unwrap_all(master, &stored)
}

fn unwrap_all(master: &MasterKey, stored: &[StoredKey]) -> Result<Keyring, StoreError> {
    let mut keys = Vec::with_capacity(stored.len());
    for key in stored {
        keys.push((
            key.id,
            key.purpose,
            master.unwrap_key(key.id, &key.wrapped)?,
            key.retired_at_ms.is_some(),
        ));
    }
    Keyring::new(keys)
}

/// Creates the keyring check and one live key of each purpose, unless they exist; an
/// existing store must match `master`.
pub(crate) async fn initialize(
    pools: &Pools,
    master: &MasterKey,
    now_ms: i64,
) -> Result<(), StoreError> {
    let mut tx = begin_raw(pools, Keyring::locked()).await?;
    match read_check(tx.conn()).await? {
        Some(check) if !master.matches_check(&check) => return Err(wrong_master()),
        Some(_) => {}
        None => {
            let check = master.make_check()?;
            on_conn!(tx.conn(), c => {
                sqlx::query("INSERT INTO keyring (id, master_check) VALUES (1, $1)")
                    .bind(check)
                    .execute(c)
                    .await
                    .map_err(|e| StoreError::from_sqlx(e, "create the keyring"))?;
            });
        }
    }
    let stored = read_keys(tx.conn()).await?;
    let mut next_id = stored.iter().map(|k| k.id).max().unwrap_or(0);
    for purpose in [KeyPurpose::Data, KeyPurpose::BlindIndex, KeyPurpose::AuditChain] {
        if stored.iter().any(|k| k.purpose == purpose && k.retired_at_ms.is_none()) {
            continue;
        }
        next_id += 1;
        let key: Zeroizing<[u8; 32]> = Zeroizing::new(random_array()?);
        let wrapped = master.wrap(next_id, &key)?;
        insert_key(tx.conn(), next_id, purpose, wrapped, now_ms).await?;
    }
    tx.commit().await
}

async fn insert_key(
    conn: Conn<'_>,
    id: u32,
    purpose: KeyPurpose,
    wrapped: Vec<u8>,
    now_ms: i64,
) -> Result<(), StoreError> {
    on_conn!(conn, c => {
        sqlx::query("INSERT INTO data_keys (id, purpose, wrapped, created_at_ms) VALUES ($1, $2, $3, $4)")
            .bind(i64::from(id))
            .bind(purpose.id())
            .bind(wrapped)
            .bind(now_ms)
            .execute(c)
            .await
            .map_err(|e| StoreError::from_sqlx(e, "store a data key"))?;
    });
    Ok(())
}

async fn stored_keys(store: &Store) -> Result<Vec<StoredKey>, StoreError> {
    let mut tx = store.read().await?;
    read_keys(tx.conn()).await
}

/// Lists the keys (ids, purposes, dates; never key material).
pub async fn list(store: &Store) -> Result<Vec<KeyInfo>, StoreError> {
    let stored = stored_keys(store).await?;
    Ok(stored
        .into_iter()
        .map(|k| KeyInfo {
            id: k.id,
            purpose: k.purpose,
            created_at_ms: k.created_at_ms,
            retired_at_ms: k.retired_at_ms,
        })
        .collect())
}

/// Re-wraps every data key under `new_master`, in one transaction. Afterwards only
/// `new_master` opens the store.
pub async fn rotate_master(
    store: &Store,
    old_master: &MasterKey,
    new_master: &MasterKey,
) -> Result<u32, StoreError> {
    let mut tx = store.begin().await?;
    let check = read_check(tx.conn())
        .await?
        .ok_or_else(|| StoreError::Key("the store has no keys yet".to_owned()))?;
    if !old_master.matches_check(&check) {
        return Err(wrong_master());
    }
    let stored = read_keys(tx.conn()).await?;
    let new_check = new_master.make_check()?;
    for key in &stored {
        let plain = old_master.unwrap_key(key.id, &key.wrapped)?;
        let wrapped = new_master.wrap(key.id, &plain)?;
        on_conn!(tx.conn(), c => {
            sqlx::query("UPDATE data_keys SET wrapped = $1 WHERE id = $2")
                .bind(wrapped)
                .bind(i64::from(key.id))
                .execute(c)
                .await
                .map_err(|e| StoreError::from_sqlx(e, "re-wrap a data key"))?;
        });
    }
    on_conn!(tx.conn(), c => {
        sqlx::query("UPDATE keyring SET master_check = $1 WHERE id = 1")
            .bind(new_check)
            .execute(c)
            .await
            .map_err(|e| StoreError::from_sqlx(e, "update the keyring"))?;
    });
    tx.commit().await?;
    u32::try_from(stored.len()).map_err(|_| StoreError::Corrupt("too many keys".to_owned()))
}

/// Where ciphertexts live: `(table, id column, ciphertext column, scope)`. The scope
/// is the SQL expression of the request a row belongs to, when its context names one
/// (`documents.content_ct/<request>/<id>`).
pub(crate) const ENCRYPTED_COLUMNS: &[(&str, &str, &str, Option<&str>)] = &[
    ("requests", "id", "subject_ct", None),
    ("requests", "id", "extension_reason_ct", None),
    ("requests", "id", "reasons_ct", None),
    ("documents", "id", "content_ct", Some("request_id")),
    ("emails", "id", "message_ct", Some("COALESCE(request_id, '-')")),
    ("erasure_tombstones", "id", "identity_ct", Some("request_id")),
    ("access_packages", "id", "content_ct", Some("request_id")),
    ("consent_records", "id", "subject_ct", None),
];

/// The outcome of a data-key rotation.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Rotation {
    /// The new key's id.
    pub new_key_id: u32,
    /// Ciphertexts re-encrypted.
    pub reencrypted: u64,
    /// Keys retired.
    pub retired: Vec<u32>,
    /// Keys destroyed (only with `destroy_retired`).
    pub destroyed: Vec<u32>,
}

/// Adds a data key, re-encrypts every ciphertext under it, and retires the older data
/// keys. With `destroy_retired`, the retired keys are deleted: ciphertexts in old
/// backups become unreadable (crypto-shredding), which is the point when a backup must
/// forget erased people too.
pub async fn rotate_data_key(
    store: &Store,
    master: &MasterKey,
    now_ms: i64,
    destroy_retired: bool,
) -> Result<Rotation, StoreError> {
    let stored = stored_keys(store).await?;
    let new_id = stored.iter().map(|k| k.id).max().unwrap_or(0) + 1;
    let key: Zeroizing<[u8; 32]> = Zeroizing::new(random_array()?);
    let wrapped = master.wrap(new_id, &key)?;
    let mut tx = store.begin().await?;
    insert_key(tx.conn(), new_id, KeyPurpose::Data, wrapped, now_ms).await?;
    tx.commit().await?;
    let stored = stored_keys(store).await?;
    let keys = unwrap_all(master, &stored)?;
    let mut rotation = Rotation { new_key_id: new_id, ..Rotation::default() };
    // Another ombud process still holding the old keys may write under them while the
    // pass runs; a second pass catches those rows, and no key is destroyed while any
    // ciphertext still uses it. (Rotate with the other processes stopped: see
    // docs/store.md.)
    for _pass in 0..2 {
        for (table, id_column, column, scope) in ENCRYPTED_COLUMNS {
            rotation.reencrypted +=
                reencrypt_column(store, &keys, table, id_column, column, *scope).await?;
        }
    }
    let old: Vec<u32> = stored
        .iter()
        .filter(|k| k.purpose == KeyPurpose::Data && k.id != new_id)
        .map(|k| k.id)
        .collect();
    if destroy_retired {
        for (table, id_column, column, scope) in ENCRYPTED_COLUMNS {
            if reencrypt_column(store, &keys, table, id_column, column, *scope).await? > 0 {
                return Err(StoreError::Conflict(format!(
                    "{table}.{column} is still being written under an old key by another ombud process; stop the other processes and run the rotation again (no key was destroyed)"
                )));
            }
        }
    }
    let mut tx = store.begin().await?;
    for id in &old {
        on_conn!(tx.conn(), c => {
            let sql = if destroy_retired {
                "DELETE FROM data_keys WHERE id = $1 AND purpose = 'data' AND $2 >= 0"
            } else {
                "UPDATE data_keys SET retired_at_ms = COALESCE(retired_at_ms, $2) WHERE id = $1"
            };
            sqlx::query(sql)
                .bind(i64::from(*id))
                .bind(now_ms)
                .execute(c)
                .await
                .map_err(|e| StoreError::from_sqlx(e, "retire a data key"))?;
        });
    }
    tx.commit().await?;
    if destroy_retired {
        rotation.destroyed = old
    } else {
        rotation.retired = old
    }
    Ok(rotation)
}

/// Re-encrypts the ciphertexts of one column that are not under the current key.
/// Each batch is a transaction; a crash leaves every row readable, and running the
/// rotation again finishes the work.
async fn reencrypt_column(
    store: &Store,
    keys: &Keyring,
    table: &str,
    id_column: &str,
    column: &str,
    scope: Option<&str>,
) -> Result<u64, StoreError> {
    let current = keys.current_data_key();
    let select = select_sql(table, id_column, column, scope.unwrap_or("''"));
    let update = update_sql(table, id_column, column);
    let mut done = 0u64;
    let mut after = String::new();
    loop {
        let mut tx = store.begin().await?;
        let rows: Vec<(String, String, Vec<u8>)> = on_conn!(tx.conn(), c => {
            sqlx::query(sqlx::AssertSqlSafe(select.clone()))
                .bind(after.clone())
                .bind(REENCRYPT_BATCH_ROWS)
                .fetch_all(c)
                .await
                .map_err(|e| StoreError::from_sqlx(e, "read ciphertexts to re-encrypt"))?
                .iter()
                .map(|row| Ok((row.try_get::<String, _>(0)?, row.try_get::<String, _>(1)?, row.try_get::<Vec<u8>, _>(2)?)))
                .collect::<Result<Vec<_>, sqlx::Error>>()
                .map_err(|e| StoreError::from_sqlx(e, "read ciphertexts to re-encrypt"))?
        });
        let Some((last, _, _)) = rows.last() else { break };
        after = last.clone();
        for (id, row_scope, ciphertext) in rows {
            if crate::crypto::key_id_of(&ciphertext) == Some(current) {
                continue;
            }
            let context = match scope {
                Some(_) => format!("{table}.{column}/{row_scope}/{id}"),
                None => format!("{table}.{column}/{id}"),
            };
            let plain = keys.decrypt(&ciphertext, &context)?;
            let sealed = keys.encrypt(&plain, &context)?;
            on_conn!(tx.conn(), c => {
                sqlx::query(sqlx::AssertSqlSafe(update.clone()))
                    .bind(sealed)
                    .bind(id)
                    .execute(c)
                    .await
                    .map_err(|e| StoreError::from_sqlx(e, "re-encrypt a ciphertext"))?;
            });
            done += 1;
        }
        tx.commit().await?;
    }
    Ok(done)
}

// The table and column names come from `ENCRYPTED_COLUMNS`, a constant of this module,
// never from input; these are the only formatted statements of the store.
fn select_sql(table: &str, id_column: &str, column: &str, scope: &str) -> String {
    format!(
        "SELECT {id_column}, {scope}, {column} FROM {table} WHERE {column} IS NOT NULL AND {id_column} > $1 ORDER BY {id_column} LIMIT $2"
    )
}

fn update_sql(table: &str, id_column: &str, column: &str) -> String {
    format!("UPDATE {table} SET {column} = $1 WHERE {id_column} = $2")
}

/// Replaces the blind-index key and recomputes every index from the decrypted
/// identities, in one transaction, then retires the old key.
pub async fn rotate_blind_index(
    store: &Store,
    master: &MasterKey,
    now_ms: i64,
) -> Result<u64, StoreError> {
    let stored = stored_keys(store).await?;
    let new_id = stored.iter().map(|k| k.id).max().unwrap_or(0) + 1;
    let key: Zeroizing<[u8; 32]> = Zeroizing::new(random_array()?);
    let wrapped = master.wrap(new_id, &key)?;
    let mut tx = store.begin().await?;
    for old in
        stored.iter().filter(|k| k.purpose == KeyPurpose::BlindIndex && k.retired_at_ms.is_none())
    {
        on_conn!(tx.conn(), c => {
            sqlx::query("UPDATE data_keys SET retired_at_ms = $2 WHERE id = $1")
                .bind(i64::from(old.id))
                .bind(now_ms)
                .execute(c)
                .await
                .map_err(|e| StoreError::from_sqlx(e, "retire the blind-index key"))?;
        });
    }
    insert_key(tx.conn(), new_id, KeyPurpose::BlindIndex, wrapped, now_ms).await?;
    let mut stored = stored;
    for key in stored.iter_mut().filter(|k| k.purpose == KeyPurpose::BlindIndex) {
        key.retired_at_ms = key.retired_at_ms.or(Some(now_ms));
    }
    stored.push(StoredKey {
        id: new_id,
        purpose: KeyPurpose::BlindIndex,
        wrapped: master.wrap(new_id, &key)?,
        created_at_ms: now_ms,
        retired_at_ms: None,
    });
    let keys = unwrap_all(master, &stored)?;
    let recomputed = crate::requests::reindex_all(&mut tx, &keys).await?;
    tx.commit().await?;
    Ok(recomputed)
}
