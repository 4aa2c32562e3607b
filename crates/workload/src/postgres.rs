//! PostgreSQL: bare tables filled by `COPY … FROM STDIN` (several tables at once, each on
//! its own connection, fed by its own generator thread), then each table's primary key
//! and indexes as soon as it is loaded, then the foreign keys (added `NOT VALID`, then
//! validated in parallel), then `ANALYZE`. The tables are ordinary logged tables: the
//! data is as real as any application's.

use std::str::FromStr;
use std::sync::Arc;

use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::{AssertSqlSafe, Connection, Executor};
use tokio::sync::{Semaphore, mpsc};
use tokio::task::JoinSet;

use crate::load::{self, CopyText};
use crate::schema::{Table, ddl};
use crate::{Engine, Progress, TABLES, Workload, WorkloadError, db_error};

const PG: Engine = Engine::Postgres;

/// Tables loaded at once. The server shares two cores with the generators; three
/// streams keep it busy without thrashing.
const LOADS_AT_ONCE: usize = 3;

pub(crate) async fn generate(
    url: &str,
    workload: &Workload,
    progress: &mut (dyn FnMut(Progress) + Send),
) -> Result<[u64; 8], WorkloadError> {
    let options =
        PgConnectOptions::from_str(url).map_err(db_error(PG, "read the connection URL"))?;
    let mut conn = connect(&options).await?;
    let ddl = ddl(PG);

    let existing: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.tables \
         WHERE table_schema = current_schema() AND table_name = ANY($1) ORDER BY 1",
    )
    .bind(TABLES.to_vec())
    .fetch_all(&mut conn)
    .await
    .map_err(db_error(PG, "list the existing tables"))?;
    if !existing.is_empty() {
        if !workload.replace {
            let tables =
                TABLES.iter().copied().filter(|t| existing.iter().any(|e| e == t)).collect();
            return Err(WorkloadError::TablesExist { engine: PG, tables });
        }
        let drop = format!("DROP TABLE IF EXISTS {} CASCADE", TABLES.join(", "));
        conn.execute(AssertSqlSafe(drop))
            .await
            .map_err(db_error(PG, "drop the reference tables"))?;
    }
    let mut tx = conn.begin().await.map_err(db_error(PG, "begin creating the tables"))?;
    for create in &ddl.create {
        tx.execute(AssertSqlSafe(create.clone()))
            .await
            .map_err(db_error(PG, "create the reference tables"))?;
    }
    tx.commit().await.map_err(db_error(PG, "create the reference tables"))?;
    progress(Progress::Created);

    // Load, then index, each table on its own connection.
    let rows = load::load_all(&ddl, LOADS_AT_ONCE, progress, |table, indexes, progress_tx| {
        let (options, workload) = (options.clone(), *workload);
        async move { load_table(&options, table, &workload, &indexes, &progress_tx).await }
    })
    .await?;

    progress(Progress::ForeignKeys);
    for (table, statement) in &ddl.foreign_keys {
        conn.execute(AssertSqlSafe(statement.clone()))
            .await
            .map_err(db_error(PG, format!("add the foreign keys of table `{}`", table.name())))?;
    }
    run_parallel(&options, &ddl.validate, "check the foreign keys of table").await?;

    progress(Progress::Analyzing);
    let analyze: Vec<(Table, String)> =
        Table::ALL.iter().map(|t| (*t, format!("ANALYZE {}", t.name()))).collect();
    run_parallel(&options, &analyze, "analyze table").await?;
    conn.close().await.map_err(db_error(PG, "close the connection"))?;
    Ok(rows)
}

async fn connect(options: &PgConnectOptions) -> Result<PgConnection, WorkloadError> {
    let mut conn = PgConnection::connect_with(options).await.map_err(db_error(PG, "connect"))?;
    // Index builds sort in memory up to this much per build.
    conn.execute("SET maintenance_work_mem = '256MB'")
        .await
        .map_err(db_error(PG, "configure the session"))?;
    Ok(conn)
}

async fn load_table(
    options: &PgConnectOptions,
    table: Table,
    workload: &Workload,
    indexes: &[String],
    progress: &mpsc::UnboundedSender<Progress>,
) -> Result<u64, WorkloadError> {
    let name = table.name();
    let mut conn = connect(options).await?;
    let mut chunks = load::spawn(table, workload, CopyText::new());
    let statement = format!("COPY {name} ({}) FROM STDIN", table.column_list());
    let step = || format!("load table `{name}`");
    let mut copy = conn.copy_in_raw(&statement).await.map_err(db_error(PG, step()))?;
    let mut rows = 0u64;
    loop {
        match chunks.next().await {
            Ok(Some((chunk, n))) => {
                copy.send(chunk).await.map_err(db_error(PG, step()))?;
                rows += n;
                let _ = progress.send(Progress::Loading { table: name, rows });
            }
            Ok(None) => break,
            Err(error) => {
                let _ = copy.abort("the generator stopped").await;
                return Err(error);
            }
        }
    }
    copy.finish().await.map_err(db_error(PG, step()))?;
    for statement in indexes {
        conn.execute(AssertSqlSafe(statement.clone()))
            .await
            .map_err(db_error(PG, format!("index table `{name}`")))?;
    }
    conn.close().await.map_err(db_error(PG, "close the connection"))?;
    Ok(rows)
}

/// Runs one statement per table, up to [`LOADS_AT_ONCE`] at a time, each on its own
/// connection.
async fn run_parallel(
    options: &PgConnectOptions,
    statements: &[(Table, String)],
    step: &'static str,
) -> Result<(), WorkloadError> {
    let permits = Arc::new(Semaphore::new(LOADS_AT_ONCE));
    let mut set = JoinSet::new();
    for (table, statement) in statements.iter().cloned() {
        let (options, permits) = (options.clone(), permits.clone());
        set.spawn(async move {
            let _permit = permits.acquire_owned().await;
            let mut conn = connect(&options).await?;
            conn.execute(AssertSqlSafe(statement))
                .await
                .map_err(db_error(PG, format!("{step} `{}`", table.name())))?;
            conn.close().await.map_err(db_error(PG, "close the connection"))
        });
    }
    while let Some(joined) = set.join_next().await {
        joined.map_err(|_| WorkloadError::Task { step })??;
    }
    Ok(())
}
