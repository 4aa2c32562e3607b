//! SQLite: one connection, write-ahead log, and one transaction that creates the
//! tables (with their foreign keys, which SQLite cannot add later), fills them parents
//! first with multi-row prepared INSERTs, and builds the indexes; then `ANALYZE` with a
//! sampling limit. The generator threads of all tables start at once and wait behind
//! their bounded channels, so the next table's rows are ready when its turn comes.

use std::str::FromStr;

use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqliteSynchronous};
use sqlx::{AssertSqlSafe, Connection, Executor};

use crate::load::{self, Batches, Owned, insert_sql, rows_per_insert};
use crate::schema::{Table, ddl};
use crate::{Engine, Progress, TABLES, Workload, WorkloadError, db_error};

const LITE: Engine = Engine::Sqlite;

pub(crate) async fn generate(
    url: &str,
    workload: &Workload,
    progress: &mut (dyn FnMut(Progress) + Send),
) -> Result<[u64; 8], WorkloadError> {
    let options = SqliteConnectOptions::from_str(url)
        .map_err(db_error(LITE, "read the connection URL"))?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        // The whole load is one transaction: with SQLite's default 2 MiB page cache, its
        // dirty pages spill to the log again and again, and a million customers take
        // minutes instead of seconds. 512 MiB (negative: KiB) keeps them in memory.
        .pragma("cache_size", "-524288")
        // Sample 1,000 rows per index for the statistics: ANALYZE of millions of rows
        // in seconds, with plans as good for index lookups.
        .analysis_limit(1000);
    let mut conn = SqliteConnection::connect_with(&options)
        .await
        .map_err(db_error(LITE, "open the database"))?;
    let ddl = ddl(LITE);

    let placeholders = vec!["?"; TABLES.len()].join(", ");
    let list =
        format!("SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ({placeholders})");
    let mut query = sqlx::query_scalar(AssertSqlSafe(list));
    for table in TABLES {
        query = query.bind(table);
    }
    let existing: Vec<String> =
        query.fetch_all(&mut conn).await.map_err(db_error(LITE, "list the existing tables"))?;
    if !existing.is_empty() && !workload.replace {
        let tables = TABLES.iter().copied().filter(|t| existing.iter().any(|e| e == t)).collect();
        return Err(WorkloadError::TablesExist { engine: LITE, tables });
    }

    // Every table's generator starts now; each waits after two batches.
    let mut chunks: Vec<_> = Table::ALL
        .iter()
        .map(|&table| {
            (table, load::spawn(table, workload, Batches::new(table, rows_per_insert(table))))
        })
        .collect();

    let mut tx = conn.begin().await.map_err(db_error(LITE, "begin the load"))?;
    // Children first, so dropping a parent never trips a foreign key.
    for table in TABLES.iter().rev() {
        tx.execute(AssertSqlSafe(format!("DROP TABLE IF EXISTS {table}")))
            .await
            .map_err(db_error(LITE, format!("drop table `{table}`")))?;
    }
    for create in &ddl.create {
        tx.execute(AssertSqlSafe(create.clone()))
            .await
            .map_err(db_error(LITE, "create the reference tables"))?;
    }
    progress(Progress::Created);

    let mut rows = [0u64; 8];
    for (table, chunks) in &mut chunks {
        let name = table.name();
        let step = || format!("load table `{name}`");
        let width = table.columns().len();
        let per_insert = rows_per_insert(*table);
        let full = insert_sql(*table, per_insert);
        let mut loaded = 0u64;
        while let Some((batch, n)) = chunks.next().await? {
            let count = batch.values.len() / width;
            let sql = if count == per_insert { full.clone() } else { insert_sql(*table, count) };
            let mut query = sqlx::query(AssertSqlSafe(sql));
            for value in batch.values {
                query = match value {
                    Owned::Int(v) => query.bind(v),
                    Owned::Str(s) => query.bind(s),
                    Owned::Null => query.bind(None::<i64>),
                };
            }
            query.execute(&mut *tx).await.map_err(db_error(LITE, step()))?;
            loaded += n;
            if loaded % 100_000 < n {
                progress(Progress::Loading { table: name, rows: loaded });
            }
        }
        for (_, statement) in ddl.indexes.iter().filter(|(t, _)| t == table) {
            tx.execute(AssertSqlSafe(statement.clone()))
                .await
                .map_err(db_error(LITE, format!("index table `{name}`")))?;
        }
        rows[*table as usize] = loaded;
        progress(Progress::Loaded { table: name, rows: loaded });
    }
    tx.commit().await.map_err(db_error(LITE, "commit the load"))?;

    progress(Progress::Analyzing);
    conn.execute("ANALYZE").await.map_err(db_error(LITE, "analyze the tables"))?;
    conn.close().await.map_err(db_error(LITE, "close the database"))?;
    Ok(rows)
}
