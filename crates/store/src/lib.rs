//! ombud-store: ombud's own database.
//!
//! One store, two backends: SQLite (the embedded default: a file, WAL, one writer) and
//! PostgreSQL (production: several ombud processes share it). The backend is chosen by
//! URL ([`StoreUrl`]); each has its own migrations (`migrations/sqlite`,
//! `migrations/postgres`) with the same tables, so every query is written once and run
//! on both ([`on_conn!`] compiles each body once per backend). Tests run every query on
//! both.
//!
//! Personal data is encrypted before it reaches SQL ([`crypto`]): identities, contact
//! details, free text, documents and queued emails. Identifiers are findable through a
//! blind index. The audit chain is appended in the same transaction as the change it
//! records ([`Tx::append_audit`]).
//!
//! **Invariants:** only this crate contains SQL; error messages carry ids, table names
//! and database error codes, never values; every write happens in a [`Tx`].

pub mod audit;
pub mod consent;
pub mod crypto;
pub mod documents;
pub mod emails;
mod error;
pub mod fulfilment;
pub mod jobs;
pub mod keys;
pub mod notices;
pub mod requests;
pub mod staff;
pub mod tokens;
mod url;
pub mod verification;

use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, Postgres, Sqlite, SqlitePool, Transaction};

pub use crate::crypto::{Keyring, MasterKey};
pub use crate::error::StoreError;
pub use crate::url::StoreUrl;

/// How long a statement may wait for SQLite's write lock (another ombud process, a
/// backup) before the store reports it busy.
pub(crate) const SQLITE_BUSY_TIMEOUT_MS: u64 = 10_000;
/// How many connections one process opens to PostgreSQL.
const POSTGRES_CONNECTIONS_MAX: u32 = 8;
/// How many read connections one process opens to a SQLite file.
const SQLITE_READERS_MAX: u32 = 4;
/// How long to wait for a connection from the pool.
const ACQUIRE_TIMEOUT_MS: u64 = 30_000;
/// The longest a store statement may run on PostgreSQL.
const POSTGRES_STATEMENT_TIMEOUT_MS: u64 = 60_000;

/// Applies the missing migrations; returns their names. The same body serves both
/// backends (a macro, because sqlx's migration traits are per connection type).
macro_rules! run_migrations {
    ($migrator:expr, $pool:expr) => {{
        use sqlx::migrate::Migrate as _;
        let migrator = $migrator;
        let mut connection =
            $pool.acquire().await.map_err(|e| StoreError::from_sqlx(e, "migrate"))?;
        connection.ensure_migrations_table(&migrator.table_name).await.map_err(|e| {
            StoreError::Migration(format!("cannot create the migrations table: {e}"))
        })?;
        let done: Vec<i64> = connection
            .list_applied_migrations(&migrator.table_name)
            .await
            .map_err(|e| StoreError::Migration(format!("cannot read the applied migrations: {e}")))?
            .iter()
            .map(|m| m.version)
            .collect();
        drop(connection);
        let pending: Vec<String> = migrator
            .iter()
            .filter(|m| !done.contains(&m.version))
            .map(|m| format!("{:04} {}", m.version, m.description))
            .collect();
        migrator.run($pool).await.map_err(|e| StoreError::Migration(e.to_string()))?;
        pending
    }};
}

/// The connection pools of one backend.
#[derive(Clone, Debug)]
pub(crate) enum Pools {
    Sqlite {
        /// One connection: SQLite has one writer at a time, and queueing writers in the
        /// pool is cheaper and fairer than retrying on `SQLITE_BUSY`.
        writer: SqlitePool,
        reader: SqlitePool,
    },
    Postgres(PgPool),
}

/// The store: pools plus the unwrapped keys.
#[derive(Clone, Debug)]
pub struct Store {
    pools: Pools,
    keys: Keyring,
    url: StoreUrl,
}

/// Runs `$body` with `$conn` bound to a connection or pool of whichever backend
/// `$target` holds. The body is compiled once per backend, so the same SQL text and
/// binds serve both; placeholders are `$1, $2, …`, which sqlx's SQLite driver accepts.
#[macro_export]
#[doc(hidden)]
macro_rules! on_conn {
    ($target:expr, $conn:ident => $body:expr) => {
        match $target {
            $crate::Conn::Sqlite($conn) => $body,
            $crate::Conn::Postgres($conn) => $body,
        }
    };
}

/// A borrowed connection of either backend, for [`on_conn!`].
#[doc(hidden)]
pub enum Conn<'c> {
    /// SQLite.
    Sqlite(&'c mut sqlx::SqliteConnection),
    /// PostgreSQL.
    Postgres(&'c mut sqlx::PgConnection),
}

/// A transaction on the store. Dropping it without [`Tx::commit`] rolls back.
pub struct Tx {
    inner: TxInner,
    keys: Keyring,
}

enum TxInner {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
}

impl Tx {
    /// The connection, for [`on_conn!`].
    pub(crate) fn conn(&mut self) -> Conn<'_> {
        match &mut self.inner {
            TxInner::Sqlite(tx) => Conn::Sqlite(tx),
            TxInner::Postgres(tx) => Conn::Postgres(tx),
        }
    }

    /// Whether this is PostgreSQL (for the few statements that differ: row locks).
    pub(crate) fn is_postgres(&self) -> bool {
        matches!(self.inner, TxInner::Postgres(_))
    }

    /// The keys, for encrypting what this transaction writes.
    pub fn keys(&self) -> &Keyring {
        &self.keys
    }

    /// Makes the transaction's writes durable. Until this returns `Ok`, nothing it wrote
    /// exists for anyone else, and a request must not be acknowledged.
    pub async fn commit(self) -> Result<(), StoreError> {
        match self.inner {
            TxInner::Sqlite(tx) => tx.commit().await,
            TxInner::Postgres(tx) => tx.commit().await,
        }
        .map_err(|e| StoreError::from_sqlx(e, "commit"))
    }
}

impl Store {
    /// Opens a store that has been migrated, unlocking its keys with `master`.
    pub async fn open(url: &StoreUrl, master: &MasterKey) -> Result<Store, StoreError> {
        let pools = connect(url, false).await?;
        let keys = keys::load(&pools, master).await?;
        Ok(Store { pools, keys, url: url.clone() })
    }

    /// Creates the database if it is a SQLite file that does not exist yet, applies the
    /// migrations that are missing, and creates the keys if there are none. Returns the
    /// names of the migrations applied.
    pub async fn migrate(
        url: &StoreUrl,
        master: &MasterKey,
        now_ms: i64,
    ) -> Result<Vec<String>, StoreError> {
        let pools = connect(url, true).await?;
        if let StoreUrl::Sqlite { path } = url {
            owner_only(path)?;
        }
        let applied = match &pools {
            Pools::Sqlite { writer, .. } => {
                run_migrations!(sqlx::migrate!("migrations/sqlite"), writer)
            }
            Pools::Postgres(pool) => run_migrations!(sqlx::migrate!("migrations/postgres"), pool),
        };
        keys::initialize(&pools, master, now_ms).await?;
        close(&pools).await;
        Ok(applied)
    }

    /// The URL it was opened with (its `Display` hides any password).
    pub fn url(&self) -> &StoreUrl {
        &self.url
    }

    /// The unlocked keys.
    pub fn keys(&self) -> &Keyring {
        &self.keys
    }

    /// Begins a write transaction. On SQLite it takes the write lock at once (`BEGIN
    /// IMMEDIATE`), so two writers never deadlock upgrading read locks.
    pub async fn begin(&self) -> Result<Tx, StoreError> {
        begin_raw(&self.pools, self.keys.clone()).await
    }

    /// Begins a read-only transaction: a consistent snapshot for reports and reads.
    pub async fn read(&self) -> Result<Tx, StoreError> {
        let inner = match &self.pools {
            Pools::Sqlite { reader, .. } => TxInner::Sqlite(
                reader.begin().await.map_err(|e| StoreError::from_sqlx(e, "begin read"))?,
            ),
            Pools::Postgres(pool) => TxInner::Postgres(
                pool.begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                    .await
                    .map_err(|e| StoreError::from_sqlx(e, "begin read"))?,
            ),
        };
        Ok(Tx { inner, keys: self.keys.clone() })
    }

    /// Closes every connection (the SQLite WAL is checkpointed on the last close).
    pub async fn close(&self) {
        close(&self.pools).await;
    }

    /// Re-reads the keys (after a rotation).
    pub async fn reload_keys(&mut self, master: &MasterKey) -> Result<(), StoreError> {
        self.keys = keys::load(&self.pools, master).await?;
        Ok(())
    }
}

/// Makes the SQLite file readable by its owner only: it holds the audit chain and
/// ciphertexts, and SQLite creates its `-wal` and `-shm` files with the same mode.
fn owner_only(path: &std::path::Path) -> Result<(), StoreError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).map_err(|e| {
            StoreError::Unavailable(format!(
                "cannot restrict {} to its owner: {}",
                path.display(),
                e.kind()
            ))
        })?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

async fn close(pools: &Pools) {
    match pools {
        Pools::Sqlite { writer, reader } => {
            reader.close().await;
            writer.close().await;
        }
        Pools::Postgres(pool) => pool.close().await,
    }
}

/// Begins a transaction on the pools with a given keyring (while keys are loaded).
pub(crate) async fn begin_raw(pools: &Pools, keys: Keyring) -> Result<Tx, StoreError> {
    let inner = match pools {
        Pools::Sqlite { writer, .. } => TxInner::Sqlite(
            writer
                .begin_with("BEGIN IMMEDIATE")
                .await
                .map_err(|e| StoreError::from_sqlx(e, "begin"))?,
        ),
        Pools::Postgres(pool) => {
            TxInner::Postgres(pool.begin().await.map_err(|e| StoreError::from_sqlx(e, "begin"))?)
        }
    };
    Ok(Tx { inner, keys })
}

async fn connect(url: &StoreUrl, create: bool) -> Result<Pools, StoreError> {
    let acquire = Duration::from_millis(ACQUIRE_TIMEOUT_MS);
    match url {
        StoreUrl::Sqlite { path } => {
            if !create && !path.exists() {
                return Err(StoreError::Unavailable(format!(
                    "there is no store at {}; create it with `ombud migrate`",
                    path.display()
                )));
            }
            let options = SqliteConnectOptions::new()
                .filename(path)
                .create_if_missing(create)
                .journal_mode(SqliteJournalMode::Wal)
                // FULL: a commit is on disk before it returns, so an acknowledged request
                // survives a power cut as well as a crash.
                .synchronous(SqliteSynchronous::Full)
                .foreign_keys(true)
                .busy_timeout(Duration::from_millis(SQLITE_BUSY_TIMEOUT_MS));
            let writer = SqlitePoolOptions::new()
                .max_connections(1)
                .acquire_timeout(acquire)
                .connect_with(options.clone())
                .await
                .map_err(|e| StoreError::from_sqlx(e, "open the SQLite store"))?;
            let reader = SqlitePoolOptions::new()
                .max_connections(SQLITE_READERS_MAX)
                .acquire_timeout(acquire)
                .connect_with(options.read_only(true).create_if_missing(false))
                .await
                .map_err(|e| StoreError::from_sqlx(e, "open the SQLite store"))?;
            Ok(Pools::Sqlite { writer, reader })
        }
        StoreUrl::Postgres { url } => {
            let options: PgConnectOptions = url.parse().map_err(|_| {
                StoreError::Url(
                    "the PostgreSQL URL does not parse; write postgres://USER@HOST:PORT/DATABASE"
                        .to_owned(),
                )
            })?;
            let options = options
                .options([("statement_timeout", POSTGRES_STATEMENT_TIMEOUT_MS.to_string())])
                .application_name("ombud");
            let pool = PgPoolOptions::new()
                .max_connections(POSTGRES_CONNECTIONS_MAX)
                .acquire_timeout(acquire)
                .connect_with(options)
                .await
                .map_err(|e| StoreError::from_sqlx(e, "connect to the PostgreSQL store"))?;
            Ok(Pools::Postgres(pool))
        }
    }
}
