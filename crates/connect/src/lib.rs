//! ombud-connect: connectors to a company's own databases — PostgreSQL,
//! MySQL/MariaDB and SQLite.
//!
//! A [`Connector`] does four things: it reads the schema ([`Connector::discover`]),
//! looks rows up by key ([`Connector::select`]), opens the one path that writes
//! ([`Connector::begin_write`], for erasure and correction) and checks that the
//! server answers ([`Connector::ping`]).
//!
//! What it promises (docs/connectors.md says why):
//! - Names reach SQL only through [`quote_ident`], and only after they were found in
//!   the discovered catalog; values only ever travel as bound parameters.
//! - Pooled connections are read-only at the session level (PostgreSQL
//!   `default_transaction_read_only`, MySQL `SET SESSION TRANSACTION READ ONLY`,
//!   SQLite `PRAGMA query_only`); a [`WriteTx`] is the only way to write, and its
//!   connection is closed, never returned to the pool, when it ends.
//! - Every statement has a deadline: the server's statement timeout, and our own
//!   guard past it, so a hung server gives [`ConnectError::Timeout`].
//! - Every lookup is bounded: keys go in batches of
//!   `CONNECTOR_KEYS_PER_QUERY_MAX`, rows stop at the caller's cap and the result
//!   says when more exist.
//! - Errors name the system, table and column, never a value or a password.

mod catalog;
mod conn;
mod discover;
mod error;
mod ident;
mod sql;
mod url;
mod value;
mod write;

use std::str::FromStr as _;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ombud_core::Engine;
use ombud_core::limits::{
    CONNECTOR_CONNECT_TIMEOUT_MS, CONNECTOR_CONNECTIONS_MAX, CONNECTOR_KEYS_PER_QUERY_MAX,
    CONNECTOR_ROWS_PER_QUERY_MAX, CONNECTOR_STATEMENT_TIMEOUT_MS,
};
use ombud_core::schema::LiveSchema;
use sqlx::mysql::{MySqlConnectOptions, MySqlPool, MySqlPoolOptions};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions};

pub use error::{ConnectError, is_transient};
pub use ident::{
    IDENT_BYTES_MAX_POSTGRES, IDENT_BYTES_MAX_SQLITE, IDENT_CHARS_MAX_MYSQL, IdentError,
    quote_ident,
};
pub use value::Value;
pub use write::WriteTx;

use crate::catalog::Catalog;
use crate::conn::{Conn, Statement};
use crate::error::Context;
use crate::ident::SqlText;

/// Limits of one connector. The defaults are `ombud_core::limits::CONNECTOR_*`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConnectorOptions {
    /// Connections open to the database at most.
    pub connections_max: u32,
    /// How long one statement may run.
    pub statement_timeout_ms: u32,
    /// How long to wait for a connection (opening one, or one coming free).
    pub connect_timeout_ms: u32,
    /// Rows one statement may return; a batch of keys matching more is split, and a
    /// single key matching more makes the result truncated.
    pub rows_per_query_max: u32,
}

impl Default for ConnectorOptions {
    fn default() -> Self {
        Self {
            connections_max: CONNECTOR_CONNECTIONS_MAX,
            statement_timeout_ms: CONNECTOR_STATEMENT_TIMEOUT_MS,
            connect_timeout_ms: CONNECTOR_CONNECT_TIMEOUT_MS,
            rows_per_query_max: CONNECTOR_ROWS_PER_QUERY_MAX,
        }
    }
}

impl ConnectorOptions {
    fn statement_timeout(&self) -> Duration {
        Duration::from_millis(u64::from(self.statement_timeout_ms.max(1)))
    }

    fn connect_timeout(&self) -> Duration {
        Duration::from_millis(u64::from(self.connect_timeout_ms.max(1)))
    }
}

/// A read-only lookup: rows of `table` whose `filter_column` equals one of `keys`,
/// with `columns` in that order, at most `row_cap` of them.
#[derive(Clone, Copy, Debug)]
pub struct Select<'a> {
    /// The table, as discovery names it.
    pub table: &'a str,
    /// The columns to return, in this order.
    pub columns: &'a [String],
    /// The column the keys are compared with (exactly: no case folding).
    pub filter_column: &'a str,
    /// The keys. NULL, floats and keys that cannot equal a value of the column
    /// (text that is not a number against an integer column) match nothing.
    pub keys: &'a [Value],
    /// Rows returned at most; past it the result is `truncated`.
    pub row_cap: u32,
}

/// Rows of a lookup.
#[derive(Clone, Debug, PartialEq)]
pub struct Rows {
    /// The column names, as asked.
    pub columns: Vec<String>,
    /// The rows, each with one value per column.
    pub rows: Vec<Vec<Value>>,
    /// Whether more rows matched than were returned.
    pub truncated: bool,
}

/// A connection pool to one company database. Cheap to clone.
#[derive(Clone)]
pub struct Connector {
    inner: Arc<Inner>,
}

struct Inner {
    system_id: String,
    engine: Engine,
    url_redacted: String,
    options: ConnectorOptions,
    pool: Pool,
    catalog: Mutex<Option<Arc<Catalog>>>,
}

#[derive(Clone, Debug)]
enum Pool {
    Postgres(PgPool),
    Mysql(MySqlPool),
    Sqlite(SqlitePool),
}

impl std::fmt::Debug for Connector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connector")
            .field("system_id", &self.inner.system_id)
            .field("engine", &self.inner.engine)
            .field("url", &self.inner.url_redacted)
            .field("options", &self.inner.options)
            .finish_non_exhaustive()
    }
}

fn invalid_url(engine: Engine) -> ConnectError {
    ConnectError::InvalidUrl {
        reason: format!("it is not a valid {} URL", ombud_core::Reference::label(engine)),
    }
}

impl Connector {
    /// Opens a pool to the database at `url` (one connection at once, so a wrong URL
    /// fails here). The engine comes from the scheme: `postgres://`,
    /// `postgresql://`, `mysql://`, `mariadb://` or `sqlite:`.
    pub async fn connect(
        system_id: &str,
        url: &str,
        options: ConnectorOptions,
    ) -> Result<Connector, ConnectError> {
        let engine = url::engine_of(url)?;
        let context = Context { engine, system: system_id, table: "" };
        let max = options.connections_max.max(1);
        let statement_timeout_ms = options.statement_timeout_ms.max(1);
        let pool = match engine {
            Engine::Postgres => {
                let connect_options = PgConnectOptions::from_str(url)
                    .map_err(|_| invalid_url(engine))?
                    .application_name("ombud");
                let pool = PgPoolOptions::new()
                    .max_connections(max)
                    .acquire_timeout(options.connect_timeout())
                    .after_connect(move |conn, _| {
                        Box::pin(async move {
                            sqlx::query("SET default_transaction_read_only = on")
                                .execute(&mut *conn)
                                .await?;
                            sqlx::query(
                                "SELECT pg_catalog.set_config('statement_timeout', $1, false)",
                            )
                            .bind(statement_timeout_ms.to_string())
                            .execute(&mut *conn)
                            .await?;
                            Ok(())
                        })
                    });
                Pool::Postgres(
                    guard_connect(&context, options, pool.connect_with(connect_options)).await?,
                )
            }
            Engine::Mysql => {
                let url = match url.get(..10) {
                    Some(scheme) if scheme.eq_ignore_ascii_case("mariadb://") => {
                        format!("mysql://{}", &url[10..])
                    }
                    _ => url.to_owned(),
                };
                let connect_options =
                    MySqlConnectOptions::from_str(&url).map_err(|_| invalid_url(engine))?;
                let pool = MySqlPoolOptions::new()
                    .max_connections(max)
                    .acquire_timeout(options.connect_timeout())
                    .after_connect(move |conn, _| {
                        Box::pin(async move {
                            let version: String = sqlx::query_scalar("SELECT VERSION()")
                                .fetch_one(&mut *conn)
                                .await?;
                            // MariaDB's limit is in seconds and covers every statement;
                            // MySQL's is in milliseconds and covers SELECT only.
                            if version.contains("MariaDB") {
                                sqlx::query("SET SESSION max_statement_time = ?")
                                    .bind(f64::from(statement_timeout_ms) / 1000.0)
                                    .execute(&mut *conn)
                                    .await?;
                            } else {
                                sqlx::query("SET SESSION max_execution_time = ?")
                                    .bind(statement_timeout_ms)
                                    .execute(&mut *conn)
                                    .await?;
                            }
                            sqlx::query("SET SESSION TRANSACTION READ ONLY")
                                .execute(&mut *conn)
                                .await?;
                            Ok(())
                        })
                    });
                Pool::Mysql(
                    guard_connect(&context, options, pool.connect_with(connect_options)).await?,
                )
            }
            Engine::Sqlite => {
                let connect_options = SqliteConnectOptions::from_str(url)
                    .map_err(|_| invalid_url(engine))?
                    // Never create a company's database: a typo must fail, not
                    // discover an empty schema.
                    .create_if_missing(false)
                    .busy_timeout(options.statement_timeout())
                    .pragma("query_only", "ON");
                let pool = SqlitePoolOptions::new()
                    .max_connections(max)
                    .acquire_timeout(options.connect_timeout());
                Pool::Sqlite(
                    guard_connect(&context, options, pool.connect_with(connect_options)).await?,
                )
            }
        };
        Ok(Connector {
            inner: Arc::new(Inner {
                system_id: system_id.to_owned(),
                engine,
                url_redacted: url::redact(url),
                options,
                pool,
                catalog: Mutex::new(None),
            }),
        })
    }

    /// The engine, from the URL's scheme.
    pub fn engine(&self) -> Engine {
        self.inner.engine
    }

    /// The system's id in the manifest.
    pub fn system_id(&self) -> &str {
        &self.inner.system_id
    }

    /// The options this connector was opened with.
    pub fn options(&self) -> ConnectorOptions {
        self.inner.options
    }

    fn context<'a>(&'a self, table: &'a str) -> Context<'a> {
        Context { engine: self.inner.engine, system: &self.inner.system_id, table }
    }

    /// Checks a connection out of the pool, within the connect timeout.
    async fn acquire(&self, table: &str) -> Result<Conn, ConnectError> {
        let context = self.context(table);
        let limit = self.inner.options.connect_timeout() + Duration::from_secs(1);
        let acquired = match &self.inner.pool {
            Pool::Postgres(pool) => {
                tokio::time::timeout(limit, pool.acquire()).await.map(|r| r.map(Conn::Postgres))
            }
            Pool::Mysql(pool) => {
                tokio::time::timeout(limit, pool.acquire()).await.map(|r| r.map(Conn::Mysql))
            }
            Pool::Sqlite(pool) => {
                tokio::time::timeout(limit, pool.acquire()).await.map(|r| r.map(Conn::Sqlite))
            }
        };
        match acquired {
            Ok(Ok(conn)) => Ok(conn),
            Ok(Err(error)) => Err(context.sqlx(error)),
            Err(_) => Err(context.unreachable()),
        }
    }

    /// Checks that the server answers a trivial query.
    pub async fn ping(&self) -> Result<(), ConnectError> {
        let mut conn = self.acquire("").await?;
        conn.execute_static("SELECT 1", self.inner.options.statement_timeout())
            .await
            .map_err(|error| self.context("").run(error))
    }

    /// Checks that a pooled connection refuses to write: tries to create a table and
    /// expects the engine's read-only error. A health check for operators, and the
    /// proof in tests that lookups cannot write.
    pub async fn check_read_only(&self) -> Result<(), ConnectError> {
        let context = self.context("");
        let limit = self.inner.options.statement_timeout();
        let mut conn = self.acquire("").await?;
        match conn.execute_static("CREATE TABLE ombud_read_only_probe (probe INTEGER)", limit).await
        {
            Err(error) => match context.run(error) {
                ConnectError::Refused { reason, .. }
                    if reason.starts_with("SQLSTATE 25006")
                        || reason.starts_with("error 1792")
                        || reason.starts_with("SQLite code 8") =>
                {
                    Ok(())
                }
                other => Err(other),
            },
            Ok(()) => {
                // It wrote: undo the probe, and say so.
                let _ = conn.execute_static("DROP TABLE ombud_read_only_probe", limit).await;
                Err(context.refused(
                    "a pooled connection could write; ombud's read-only session settings did not hold",
                ))
            }
        }
    }

    /// Reads the tables of the connection's current schema (PostgreSQL
    /// `current_schema()`, MySQL `DATABASE()`, SQLite `main`) with their columns,
    /// primary keys, foreign keys and indexes, sorted by table name. Partial and
    /// expression indexes are left out: they do not serve a lookup by column.
    pub async fn discover(&self) -> Result<LiveSchema, ConnectError> {
        let catalog = self.refresh_catalog().await?;
        Ok(catalog.schema.clone())
    }

    async fn refresh_catalog(&self) -> Result<Arc<Catalog>, ConnectError> {
        let mut conn = self.acquire("").await?;
        self.refresh_catalog_on(&mut conn).await
    }

    /// Discovers on `conn`: a write transaction holding the pool's last connection
    /// must not wait for another one to read the catalog.
    async fn refresh_catalog_on(&self, conn: &mut Conn) -> Result<Arc<Catalog>, ConnectError> {
        let engine = self.inner.engine;
        let context = self.context("");
        let limit = self.inner.options.statement_timeout();
        let queries = discover::queries(engine);
        let mut run = async |query: &'static str| {
            let mut sql = SqlText::new(engine);
            sql.push(query);
            conn.fetch(Statement { sql, args: Vec::new() }, limit)
                .await
                .map_err(|error| context.run(error))
        };
        let rows = discover::CatalogRows {
            tables: run(queries.tables).await?,
            columns: run(queries.columns).await?,
            indexes: run(queries.indexes).await?,
            foreign_keys: run(queries.foreign_keys).await?,
        };
        let catalog = Arc::new(Catalog::new(discover::assemble(&rows)));
        *self.inner.catalog.lock().unwrap_or_else(std::sync::PoisonError::into_inner) =
            Some(Arc::clone(&catalog));
        Ok(catalog)
    }

    /// The catalog, discovered on first use and again when `table` is not in it
    /// (it may have been created since); on `conn` when the caller holds one.
    pub(crate) async fn catalog_for(
        &self,
        table: &str,
        conn: Option<&mut Conn>,
    ) -> Result<Arc<Catalog>, ConnectError> {
        let cached =
            self.inner.catalog.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone();
        match (cached, conn) {
            (Some(catalog), _) if catalog.table(table).is_some() => Ok(catalog),
            (_, Some(conn)) => self.refresh_catalog_on(conn).await,
            (_, None) => self.refresh_catalog().await,
        }
    }

    /// Looks rows up by key, read-only. Keys go in batches of
    /// `CONNECTOR_KEYS_PER_QUERY_MAX`; at most `row_cap` rows come back, with
    /// `truncated` set when more matched.
    pub async fn select(&self, q: &Select<'_>) -> Result<Rows, ConnectError> {
        let plan = self.plan(q, None).await?;
        let mut conn = self.acquire(q.table).await?;
        run_select(&mut conn, &plan, &self.context(q.table), self.inner.options, false).await
    }

    /// The engine's plan for the first batch of a lookup (EXPLAIN / EXPLAIN QUERY
    /// PLAN, never ANALYZE), one line per row: to check that a key column is indexed.
    pub async fn explain(&self, q: &Select<'_>) -> Result<String, ConnectError> {
        let plan = self.plan(q, None).await?;
        let keys =
            plan.keys.get(..plan.keys.len().min(CONNECTOR_KEYS_PER_QUERY_MAX)).unwrap_or_default();
        let statement =
            sql::select(&plan.table, &plan.columns, &plan.filter, keys, q.row_cap, false);
        let mut explained = SqlText::new(self.inner.engine);
        explained.push(match self.inner.engine {
            Engine::Sqlite => "EXPLAIN QUERY PLAN ",
            Engine::Postgres | Engine::Mysql => "EXPLAIN ",
        });
        let explained = explained.append(statement.sql);
        let mut conn = self.acquire(q.table).await?;
        let rows = conn
            .fetch(
                Statement { sql: explained, args: statement.args },
                self.inner.options.statement_timeout(),
            )
            .await
            .map_err(|error| self.context(q.table).run(error))?;
        Ok(rows
            .iter()
            .map(|row| {
                row.iter()
                    .map(|value| match value {
                        Value::Text(text) => text.clone(),
                        Value::Int(int) => int.to_string(),
                        Value::Null => "NULL".to_owned(),
                        other => format!("{other:?}"),
                    })
                    .collect::<Vec<_>>()
                    .join(" | ")
            })
            .collect::<Vec<_>>()
            .join("\n"))
    }

    pub(crate) async fn plan(
        &self,
        q: &Select<'_>,
        conn: Option<&mut Conn>,
    ) -> Result<LookupPlan, ConnectError> {
        let engine = self.inner.engine;
        let system = self.inner.system_id.as_str();
        let catalog = self.catalog_for(q.table, conn).await?;
        let (live, table) = sql::resolve_table(engine, &catalog, system, q.table)?;
        let columns = q
            .columns
            .iter()
            .map(|column| sql::resolve_column(engine, live, system, column))
            .collect::<Result<Vec<_>, _>>()?;
        if columns.is_empty() {
            return Err(self
                .context(q.table)
                .unsupported("a lookup must ask for at least one column"));
        }
        let filter = sql::resolve_column(engine, live, system, q.filter_column)?;
        let keys = sql::keys_for(engine, filter.class, q.keys);
        Ok(LookupPlan {
            table,
            columns,
            filter,
            keys,
            names: q.columns.to_vec(),
            row_cap: q.row_cap,
        })
    }

    /// Opens a read-write transaction: the only way to write. Its connection is
    /// closed when the transaction ends (commit, rollback or drop), so no writable
    /// or half-finished connection ever returns to the pool.
    pub async fn begin_write(&self) -> Result<WriteTx, ConnectError> {
        let mut conn = self.acquire("").await?;
        let limit = self.inner.options.statement_timeout();
        let begun = match self.inner.engine {
            Engine::Postgres => conn.execute_static("BEGIN READ WRITE", limit).await,
            Engine::Mysql => conn.execute_static("START TRANSACTION READ WRITE", limit).await,
            Engine::Sqlite => {
                // From here the connection may be writable: if this future is dropped
                // while BEGIN waits for the lock, it must be closed, not pooled. (A
                // SQLite connection is a file handle; reopening it is cheap.)
                conn.close_on_drop();
                match conn.execute_static("PRAGMA query_only = OFF", limit).await {
                    // IMMEDIATE takes the write lock now, so rows read in the
                    // transaction cannot change before it writes.
                    Ok(()) => conn.execute_static("BEGIN IMMEDIATE", limit).await,
                    Err(error) => Err(error),
                }
            }
        };
        if let Err(error) = begun {
            // Perhaps half-begun (SQLite's query_only already off): never back to the pool.
            conn.close_on_drop();
            return Err(self.context("").run(error));
        }
        Ok(WriteTx::new(self.clone(), conn))
    }
}

async fn guard_connect<DB: sqlx::Database>(
    context: &Context<'_>,
    options: ConnectorOptions,
    future: impl Future<Output = Result<sqlx::Pool<DB>, sqlx::Error>>,
) -> Result<sqlx::Pool<DB>, ConnectError> {
    match tokio::time::timeout(options.connect_timeout() + Duration::from_secs(1), future).await {
        Ok(Ok(pool)) => Ok(pool),
        Ok(Err(error)) => Err(context.sqlx(error)),
        Err(_) => Err(context.unreachable()),
    }
}

/// A lookup resolved against the catalog, with its keys converted.
#[derive(Debug)]
pub(crate) struct LookupPlan {
    table: sql::Table,
    columns: Vec<sql::Column>,
    filter: sql::Column,
    keys: Vec<sql::Key>,
    names: Vec<String>,
    row_cap: u32,
}

/// Runs a lookup in batches on one connection.
///
/// Each statement asks for one row more than it may keep, to know whether more
/// exist. A batch whose rows overflow `rows_per_query_max` is split in two and
/// retried, so the per-statement bound never truncates a result the caller's cap
/// allows; only one key that alone matches more than the bound makes it truncated.
pub(crate) async fn run_select(
    conn: &mut Conn,
    plan: &LookupPlan,
    context: &Context<'_>,
    options: ConnectorOptions,
    for_update: bool,
) -> Result<Rows, ConnectError> {
    let limit = options.statement_timeout();
    let per_statement = options.rows_per_query_max.max(1);
    let mut rows: Vec<Vec<Value>> = Vec::new();
    let mut truncated = false;
    let mut pending: Vec<&[sql::Key]> =
        plan.keys.chunks(CONNECTOR_KEYS_PER_QUERY_MAX.max(1)).rev().collect();
    while let Some(batch) = pending.pop() {
        let remaining = plan.row_cap.saturating_sub(u32::try_from(rows.len()).unwrap_or(u32::MAX));
        if remaining == 0 {
            // Anything more is past the cap: ask for one row to know whether it exists.
            let probe = sql::select(&plan.table, &plan.columns, &plan.filter, batch, 1, for_update);
            let more = conn.fetch(probe, limit).await.map_err(|error| context.run(error))?;
            if !more.is_empty() {
                truncated = true;
                break;
            }
            continue;
        }
        let keep = remaining.min(per_statement);
        let statement = sql::select(
            &plan.table,
            &plan.columns,
            &plan.filter,
            batch,
            keep.saturating_add(1),
            for_update,
        );
        let mut found = conn.fetch(statement, limit).await.map_err(|error| context.run(error))?;
        let overflow = found.len() > usize::try_from(keep).unwrap_or(usize::MAX);
        if overflow && keep == per_statement && keep < remaining && batch.len() > 1 {
            // The statement bound, not the caller's cap, cut this batch: split it.
            let (first, second) = batch.split_at(batch.len() / 2);
            pending.push(second);
            pending.push(first);
            continue;
        }
        found.truncate(usize::try_from(keep).unwrap_or(usize::MAX));
        rows.append(&mut found);
        if overflow {
            truncated = true;
            break;
        }
    }
    Ok(Rows { columns: plan.names.clone(), rows, truncated })
}
