//! The one way to write to a company database: a read-write transaction, for
//! erasure and correction steps (REGULATIONS.md: deletion and correction rights).
//!
//! The transaction owns its pooled connection. It goes back to the pool only after a
//! clean `COMMIT` or `ROLLBACK` that also restored the session to read-only (on
//! PostgreSQL and MySQL the session default never changed: only the transaction was
//! read-write; on SQLite `query_only` is set again). Whatever else happens — an error
//! half-way, a failed commit, the `WriteTx` dropped without either — the connection
//! is closed instead, so the server rolls back anything uncommitted and no writable
//! or mid-transaction session ever returns to the pool. (Closing after every
//! transaction was measured to cost about 90 ms per erasure on PostgreSQL here.)

use std::time::Duration;

use ombud_core::Engine;

use crate::conn::Conn;
use crate::error::ConnectError;
use crate::sql::{self, Column};
use crate::value::Value;
use crate::{Connector, Rows, Select, run_select};
use ombud_core::limits::CONNECTOR_KEYS_PER_QUERY_MAX;

/// An open read-write transaction. Holds its own connection, so it may be kept
/// across awaits; dropping it without [`WriteTx::commit`] rolls back.
#[derive(Debug)]
pub struct WriteTx {
    connector: Connector,
    conn: Conn,
    /// Set once the transaction ended cleanly and the session is read-only again.
    clean: bool,
}

impl Drop for WriteTx {
    fn drop(&mut self) {
        if !self.clean {
            self.conn.close_on_drop();
        }
    }
}

impl WriteTx {
    pub(crate) fn new(connector: Connector, conn: Conn) -> Self {
        Self { connector, conn, clean: false }
    }

    /// Ends the transaction with `statement`; on success, makes the session
    /// read-only again (SQLite) and lets the connection return to the pool.
    async fn end(&mut self, statement: &'static str) -> Result<(), ConnectError> {
        let limit = self.limit();
        self.conn
            .execute_static(statement, limit)
            .await
            .map_err(|e| self.connector.context("").run(e))?;
        if self.engine() == Engine::Sqlite
            && self.conn.execute_static("PRAGMA query_only = ON", limit).await.is_err()
        {
            // The transaction ended; only the pool's safety is at stake: close it.
            return Ok(());
        }
        self.clean = true;
        Ok(())
    }

    /// The engine.
    pub fn engine(&self) -> Engine {
        self.connector.engine()
    }

    fn limit(&self) -> Duration {
        self.connector.inner.options.statement_timeout()
    }

    /// Looks rows up like [`Connector::select`], locking them for the rest of the
    /// transaction where the engine can (`FOR UPDATE` on PostgreSQL and MySQL;
    /// SQLite's `BEGIN IMMEDIATE` already holds the database's write lock).
    pub async fn select(&mut self, q: &Select<'_>) -> Result<Rows, ConnectError> {
        let plan = self.connector.plan(q, Some(&mut self.conn)).await?;
        let options = self.connector.inner.options;
        let context = self.connector.context(q.table);
        run_select(&mut self.conn, &plan, &context, options, true).await
    }

    /// Deletes the rows of `table` whose `key_column` equals one of `keys`; returns
    /// how many were deleted.
    pub async fn delete(
        &mut self,
        table: &str,
        key_column: &str,
        keys: &[Value],
    ) -> Result<u64, ConnectError> {
        let (table_ref, filter, _) = self.resolve(table, key_column, &[]).await?;
        let keys = sql::keys_for(self.engine(), filter.class, keys);
        let mut deleted = 0;
        for batch in keys.chunks(CONNECTOR_KEYS_PER_QUERY_MAX.max(1)) {
            let statement = sql::delete(&table_ref, &filter, batch);
            deleted += self.run(statement, table).await?;
        }
        Ok(deleted)
    }

    /// Sets the same new values on every row whose `key_column` equals one of
    /// `keys` (setting to NULL, a fixed mask); returns how many rows changed.
    pub async fn update_all(
        &mut self,
        table: &str,
        set: &[(String, Value)],
        key_column: &str,
        keys: &[Value],
    ) -> Result<u64, ConnectError> {
        if set.is_empty() {
            return Err(self
                .connector
                .context(table)
                .unsupported("an update must set at least one column"));
        }
        let (table_ref, filter, set) = self.resolve(table, key_column, set).await?;
        let keys = sql::keys_for(self.engine(), filter.class, keys);
        let mut updated = 0;
        for batch in keys.chunks(CONNECTOR_KEYS_PER_QUERY_MAX.max(1)) {
            let statement = sql::update(&table_ref, &set, &filter, batch);
            updated += self.run(statement, table).await?;
        }
        Ok(updated)
    }

    /// Sets new values on the rows whose `key_column` equals `key` (a keyed hash or
    /// a random value per row); returns how many rows changed.
    pub async fn update_row(
        &mut self,
        table: &str,
        set: &[(String, Value)],
        key_column: &str,
        key: &Value,
    ) -> Result<u64, ConnectError> {
        self.update_all(table, set, key_column, std::slice::from_ref(key)).await
    }

    /// Commits.
    pub async fn commit(mut self) -> Result<(), ConnectError> {
        self.end("COMMIT").await
    }

    /// Rolls back.
    pub async fn rollback(mut self) -> Result<(), ConnectError> {
        self.end("ROLLBACK").await
    }

    async fn resolve(
        &mut self,
        table: &str,
        key_column: &str,
        set: &[(String, Value)],
    ) -> Result<(sql::Table, Column, Vec<(Column, Value)>), ConnectError> {
        let engine = self.engine();
        let system = self.connector.system_id();
        let catalog = self.connector.catalog_for(table, Some(&mut self.conn)).await?;
        let (live, table_ref) = sql::resolve_table(engine, &catalog, system, table)?;
        let filter = sql::resolve_column(engine, live, system, key_column)?;
        let mut resolved = Vec::with_capacity(set.len());
        for (name, value) in set {
            let column = sql::resolve_column(engine, live, system, name)?;
            // PostgreSQL text cannot hold NUL: say so, naming the column, instead of
            // passing on the server's message (which would quote the value).
            if engine == Engine::Postgres
                && matches!(value, Value::Text(text) if text.contains('\0'))
            {
                return Err(self.connector.context(table).refused(format!(
                    "the new value for column `{name}` contains a NUL character, which PostgreSQL text cannot store"
                )));
            }
            resolved.push((column, value.clone()));
        }
        Ok((table_ref, filter, resolved))
    }

    async fn run(
        &mut self,
        statement: crate::conn::Statement,
        table: &str,
    ) -> Result<u64, ConnectError> {
        let limit = self.limit();
        self.conn
            .execute(statement, limit)
            .await
            .map_err(|error| self.connector.context(table).run(error))
    }
}
