//! MariaDB (and MySQL): tables created with their clustered primary keys, filled by
//! multi-row prepared INSERTs (several tables at once, each on its own connection,
//! with unique and foreign-key checks off for the session, committed every few dozen
//! statements), then each table's indexes, then the foreign keys, then `ANALYZE TABLE`.
//!
//! sqlx cannot send `LOAD DATA LOCAL INFILE`, so multi-row INSERTs with bound values it
//! is. With `foreign_key_checks = 0` MariaDB adds a foreign key without re-reading the
//! rows; they hold by construction (parents are generated for every child id), and the
//! tests insert an orphan to show that the constraint is in force afterwards.

use std::str::FromStr;

use sqlx::mysql::{MySqlConnectOptions, MySqlConnection};
use sqlx::{AssertSqlSafe, Connection, Executor};
use tokio::sync::mpsc;

use crate::load::{self, Batches, Owned, insert_sql, rows_per_insert};
use crate::schema::{Table, ddl};
use crate::{Engine, Progress, TABLES, Workload, WorkloadError, db_error};

const MY: Engine = Engine::Mysql;

/// Tables loaded at once.
const LOADS_AT_ONCE: usize = 3;
/// INSERT statements per transaction: one commit (one log flush) per ~25,000 rows.
const STATEMENTS_PER_COMMIT: u32 = 50;

pub(crate) async fn generate(
    url: &str,
    workload: &Workload,
    progress: &mut (dyn FnMut(Progress) + Send),
) -> Result<[u64; 8], WorkloadError> {
    // sqlx knows the `mysql` scheme only; MariaDB speaks the same protocol.
    let url = match url.get(..8) {
        Some(scheme) if scheme.eq_ignore_ascii_case("mariadb:") => format!("mysql:{}", &url[8..]),
        _ => url.to_owned(),
    };
    let options =
        MySqlConnectOptions::from_str(&url).map_err(db_error(MY, "read the connection URL"))?;
    let mut conn = connect(&options).await?;
    let ddl = ddl(MY);

    let placeholders = vec!["?"; TABLES.len()].join(", ");
    let list = format!(
        "SELECT CAST(table_name AS CHAR) FROM information_schema.tables \
         WHERE table_schema = DATABASE() AND table_name IN ({placeholders})"
    );
    let mut query = sqlx::query_scalar(AssertSqlSafe(list));
    for table in TABLES {
        query = query.bind(table);
    }
    let existing: Vec<String> =
        query.fetch_all(&mut conn).await.map_err(db_error(MY, "list the existing tables"))?;
    if !existing.is_empty() {
        if !workload.replace {
            let tables =
                TABLES.iter().copied().filter(|t| existing.iter().any(|e| e == t)).collect();
            return Err(WorkloadError::TablesExist { engine: MY, tables });
        }
        let drop = format!("DROP TABLE IF EXISTS {}", TABLES.join(", "));
        conn.execute(AssertSqlSafe(drop))
            .await
            .map_err(db_error(MY, "drop the reference tables"))?;
    }
    for create in &ddl.create {
        conn.execute(AssertSqlSafe(create.clone()))
            .await
            .map_err(db_error(MY, "create the reference tables"))?;
    }
    progress(Progress::Created);

    let rows = load::load_all(&ddl, LOADS_AT_ONCE, progress, |table, indexes, progress_tx| {
        let (options, workload) = (options.clone(), *workload);
        async move { load_table(&options, table, &workload, &indexes, &progress_tx).await }
    })
    .await?;

    progress(Progress::ForeignKeys);
    for (table, statement) in &ddl.foreign_keys {
        conn.execute(AssertSqlSafe(statement.clone()))
            .await
            .map_err(db_error(MY, format!("add the foreign keys of table `{}`", table.name())))?;
    }
    progress(Progress::Analyzing);
    let analyze = format!("ANALYZE TABLE {}", TABLES.join(", "));
    conn.execute(AssertSqlSafe(analyze)).await.map_err(db_error(MY, "analyze the tables"))?;
    conn.close().await.map_err(db_error(MY, "close the connection"))?;
    Ok(rows)
}

async fn connect(options: &MySqlConnectOptions) -> Result<MySqlConnection, WorkloadError> {
    let mut conn = MySqlConnection::connect_with(options).await.map_err(db_error(MY, "connect"))?;
    conn.execute("SET SESSION unique_checks = 0, foreign_key_checks = 0")
        .await
        .map_err(db_error(MY, "configure the session"))?;
    Ok(conn)
}

async fn load_table(
    options: &MySqlConnectOptions,
    table: Table,
    workload: &Workload,
    indexes: &[String],
    progress: &mpsc::UnboundedSender<Progress>,
) -> Result<u64, WorkloadError> {
    let name = table.name();
    let step = || format!("load table `{name}`");
    let mut conn = connect(options).await?;
    let per_insert = rows_per_insert(table);
    let full = insert_sql(table, per_insert);
    let width = table.columns().len();
    let mut chunks = load::spawn(table, workload, Batches::new(table, per_insert));
    let mut rows = 0u64;
    let mut pending = 0;
    conn.execute("BEGIN").await.map_err(db_error(MY, step()))?;
    while let Some((batch, n)) = chunks.next().await? {
        let count = batch.values.len() / width;
        let sql = if count == per_insert { full.clone() } else { insert_sql(table, count) };
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for value in batch.values {
            query = match value {
                Owned::Int(v) => query.bind(v),
                Owned::Str(s) => query.bind(s),
                Owned::Null => query.bind(None::<i64>),
            };
        }
        query.execute(&mut conn).await.map_err(db_error(MY, step()))?;
        rows += n;
        pending += 1;
        if pending == STATEMENTS_PER_COMMIT {
            conn.execute("COMMIT").await.map_err(db_error(MY, step()))?;
            conn.execute("BEGIN").await.map_err(db_error(MY, step()))?;
            pending = 0;
            let _ = progress.send(Progress::Loading { table: name, rows });
        }
    }
    conn.execute("COMMIT").await.map_err(db_error(MY, step()))?;
    for statement in indexes {
        conn.execute(AssertSqlSafe(statement.clone()))
            .await
            .map_err(db_error(MY, format!("index table `{name}`")))?;
    }
    conn.close().await.map_err(db_error(MY, "close the connection"))?;
    Ok(rows)
}
