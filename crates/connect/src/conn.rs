//! Running one statement on one connection of any engine, under a deadline, and
//! reading its rows back as [`Value`]s.
//!
//! The three engines share everything above this file (SQL building, batching,
//! catalog checks); here each gets its own sqlx types, because sqlx's `Any` driver
//! cannot read PostgreSQL's uuid, numeric or timestamptz columns (STYLE.md §4.1).

use std::time::{Duration, Instant};

use sqlx::mysql::MySqlRow;
use sqlx::pool::PoolConnection;
use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;
use sqlx::{Decode, MySql, Postgres, Row, Sqlite, TypeInfo, ValueRef};

use crate::error::RunError;
use crate::ident::SqlText;
use crate::value::Value;

/// A bound parameter.
#[derive(Clone, Debug)]
pub(crate) enum Arg {
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Float(f64),
    Text(String),
    Bytes(Vec<u8>),
    /// PostgreSQL only: the keys of one `= ANY($n::…[])` batch.
    IntArray(Vec<i64>),
    TextArray(Vec<String>),
    BytesArray(Vec<Vec<u8>>),
}

impl From<&Value> for Arg {
    fn from(value: &Value) -> Self {
        match value {
            Value::Null => Self::Null,
            Value::Bool(flag) => Self::Bool(*flag),
            Value::Int(int) => Self::Int(*int),
            Value::Float(float) => Self::Float(*float),
            Value::Text(text) => Self::Text(text.clone()),
            Value::Bytes(bytes) => Self::Bytes(bytes.clone()),
        }
    }
}

/// A statement and its parameters.
#[derive(Debug)]
pub(crate) struct Statement {
    pub(crate) sql: SqlText,
    pub(crate) args: Vec<Arg>,
}

/// A connection checked out of one of the pools.
#[derive(Debug)]
pub(crate) enum Conn {
    Postgres(PoolConnection<Postgres>),
    Mysql(PoolConnection<MySql>),
    Sqlite(PoolConnection<Sqlite>),
}

/// A driver error raised by our own code (a parameter the engine cannot take).
fn protocol(message: &'static str) -> sqlx::Error {
    sqlx::Error::Protocol(message.into())
}

macro_rules! bind_scalars {
    ($query:expr, $arg:expr) => {
        match $arg {
            Arg::Null => $query.bind(Option::<String>::None),
            Arg::Bool(v) => $query.bind(v),
            Arg::Int(v) => $query.bind(v),
            Arg::Float(v) => $query.bind(v),
            Arg::Text(v) => $query.bind(v),
            Arg::Bytes(v) => $query.bind(v),
            Arg::UInt(_) | Arg::IntArray(_) | Arg::TextArray(_) | Arg::BytesArray(_) => {
                return Err(RunError::Sqlx(protocol("a parameter this engine cannot take")));
            }
        }
    };
}

fn postgres_query(
    statement: Statement,
) -> Result<sqlx::query::Query<'static, Postgres, sqlx::postgres::PgArguments>, RunError> {
    let mut query = sqlx::query::<Postgres>(statement.sql.finish());
    for arg in statement.args {
        query = match arg {
            Arg::IntArray(v) => query.bind(v),
            Arg::TextArray(v) => query.bind(v),
            Arg::BytesArray(v) => query.bind(v),
            // PostgreSQL has no unsigned integers; a u64 fits i64 or is refused.
            Arg::UInt(v) => query.bind(
                i64::try_from(v).map_err(|_| protocol("an integer too large for PostgreSQL"))?,
            ),
            other => bind_scalars!(query, other),
        };
    }
    Ok(query)
}

fn mysql_query(
    statement: Statement,
) -> Result<sqlx::query::Query<'static, MySql, sqlx::mysql::MySqlArguments>, RunError> {
    let mut query = sqlx::query::<MySql>(statement.sql.finish());
    for arg in statement.args {
        query = match arg {
            Arg::UInt(v) => query.bind(v),
            other => bind_scalars!(query, other),
        };
    }
    Ok(query)
}

fn sqlite_query(
    statement: Statement,
) -> Result<sqlx::query::Query<'static, Sqlite, sqlx::sqlite::SqliteArguments>, RunError> {
    let mut query = sqlx::query::<Sqlite>(statement.sql.finish());
    for arg in statement.args {
        query = match arg {
            Arg::UInt(v) => query
                .bind(i64::try_from(v).map_err(|_| protocol("an integer too large for SQLite"))?),
            other => bind_scalars!(query, other),
        };
    }
    Ok(query)
}

/// Awaits `future` for at most `limit`; past it the connection is marked to be
/// closed instead of returned to the pool, since its state is unknown.
/// How long past the statement timeout our own deadline waits: the server's
/// timeout should fire first and leave the connection usable.
const GUARD_GRACE: Duration = Duration::from_secs(1);

macro_rules! guarded {
    ($conn:expr, $limit:expr, $future:expr) => {
        match tokio::time::timeout($limit + GUARD_GRACE, $future).await {
            Ok(result) => result.map_err(RunError::from),
            Err(_) => {
                $conn.close_on_drop();
                Err(RunError::Elapsed)
            }
        }
    };
}

impl Conn {
    /// Runs a query and reads all its rows.
    pub(crate) async fn fetch(
        &mut self,
        statement: Statement,
        limit: Duration,
    ) -> Result<Vec<Vec<Value>>, RunError> {
        match self {
            Self::Postgres(conn) => {
                let query = postgres_query(statement)?;
                let rows = guarded!(conn, limit, query.fetch_all(&mut **conn))?;
                rows.iter().map(decode_postgres).collect::<Result<_, _>>().map_err(RunError::from)
            }
            Self::Mysql(conn) => {
                let query = mysql_query(statement)?;
                let rows = guarded!(conn, limit, query.fetch_all(&mut **conn))?;
                rows.iter().map(decode_mysql).collect::<Result<_, _>>().map_err(RunError::from)
            }
            Self::Sqlite(conn) => {
                let query = sqlite_query(statement)?;
                arm_sqlite_deadline(conn, limit).await?;
                let rows = guarded!(conn, limit, query.fetch_all(&mut **conn));
                if !matches!(rows, Err(RunError::Elapsed)) {
                    disarm_sqlite_deadline(conn).await?;
                }
                rows?.iter().map(decode_sqlite).collect::<Result<_, _>>().map_err(RunError::from)
            }
        }
    }

    /// Runs a statement and returns the rows it affected.
    pub(crate) async fn execute(
        &mut self,
        statement: Statement,
        limit: Duration,
    ) -> Result<u64, RunError> {
        match self {
            Self::Postgres(conn) => {
                let query = postgres_query(statement)?;
                Ok(guarded!(conn, limit, query.execute(&mut **conn))?.rows_affected())
            }
            Self::Mysql(conn) => {
                let query = mysql_query(statement)?;
                Ok(guarded!(conn, limit, query.execute(&mut **conn))?.rows_affected())
            }
            Self::Sqlite(conn) => {
                let query = sqlite_query(statement)?;
                arm_sqlite_deadline(conn, limit).await?;
                let result = guarded!(conn, limit, query.execute(&mut **conn));
                if !matches!(result, Err(RunError::Elapsed)) {
                    disarm_sqlite_deadline(conn).await?;
                }
                Ok(result?.rows_affected())
            }
        }
    }

    /// Runs a statement written in this crate's source, without parameters.
    pub(crate) async fn execute_static(
        &mut self,
        sql: &'static str,
        limit: Duration,
    ) -> Result<(), RunError> {
        match self {
            Self::Postgres(conn) => {
                guarded!(conn, limit, sqlx::query::<Postgres>(sql).execute(&mut **conn))?;
            }
            Self::Mysql(conn) => {
                guarded!(conn, limit, sqlx::query::<MySql>(sql).execute(&mut **conn))?;
            }
            Self::Sqlite(conn) => {
                guarded!(conn, limit, sqlx::query::<Sqlite>(sql).execute(&mut **conn))?;
            }
        }
        Ok(())
    }

    /// Makes sure this connection is closed, never returned to the pool, when dropped.
    pub(crate) fn close_on_drop(&mut self) {
        match self {
            Self::Postgres(conn) => conn.close_on_drop(),
            Self::Mysql(conn) => conn.close_on_drop(),
            Self::Sqlite(conn) => conn.close_on_drop(),
        }
    }
}

/// SQLite runs in-process, so there is no server to enforce a statement timeout:
/// a progress handler interrupts the statement (SQLITE_INTERRUPT) at the deadline.
async fn arm_sqlite_deadline(
    conn: &mut PoolConnection<Sqlite>,
    limit: Duration,
) -> Result<(), RunError> {
    let deadline = Instant::now() + limit;
    let mut handle = conn.lock_handle().await?;
    // Returning false interrupts; SQLite calls it every 10,000 virtual-machine steps.
    handle.set_progress_handler(10_000, move || Instant::now() < deadline);
    Ok(())
}

async fn disarm_sqlite_deadline(conn: &mut PoolConnection<Sqlite>) -> Result<(), RunError> {
    conn.lock_handle().await?.remove_progress_handler();
    Ok(())
}

fn decode_error(index: usize, source: sqlx::error::BoxDynError) -> sqlx::Error {
    sqlx::Error::ColumnDecode { index: index.to_string(), source }
}

fn decode_postgres(row: &PgRow) -> Result<Vec<Value>, sqlx::Error> {
    (0..row.len())
        .map(|index| {
            let raw = row.try_get_raw(index)?;
            if raw.is_null() {
                return Ok(Value::Null);
            }
            let type_name = raw.type_info().name().to_owned();
            let value = match type_name.as_str() {
                "INT2" => {
                    <i16 as Decode<'_, Postgres>>::decode(raw).map(|v| Value::Int(i64::from(v)))
                }
                "INT4" => {
                    <i32 as Decode<'_, Postgres>>::decode(raw).map(|v| Value::Int(i64::from(v)))
                }
                "INT8" => <i64 as Decode<'_, Postgres>>::decode(raw).map(Value::Int),
                "FLOAT4" => {
                    <f32 as Decode<'_, Postgres>>::decode(raw).map(|v| Value::Float(f64::from(v)))
                }
                "FLOAT8" => <f64 as Decode<'_, Postgres>>::decode(raw).map(Value::Float),
                "BOOL" => <bool as Decode<'_, Postgres>>::decode(raw).map(Value::Bool),
                "BYTEA" => <Vec<u8> as Decode<'_, Postgres>>::decode(raw).map(Value::Bytes),
                // TEXT, VARCHAR, BPCHAR, NAME, and everything selected as `::text`.
                _ => <String as Decode<'_, Postgres>>::decode(raw).map(Value::Text),
            };
            value.map_err(|source| decode_error(index, source))
        })
        .collect()
}

fn decode_mysql(row: &MySqlRow) -> Result<Vec<Value>, sqlx::Error> {
    (0..row.len())
        .map(|index| {
            let raw = row.try_get_raw(index)?;
            if raw.is_null() {
                return Ok(Value::Null);
            }
            let type_name = raw.type_info().name().to_owned();
            let value = match type_name.as_str() {
                "BOOLEAN" | "TINYINT" | "SMALLINT" | "MEDIUMINT" | "INT" | "BIGINT" | "YEAR" => {
                    <i64 as Decode<'_, MySql>>::decode(raw).map(Value::Int)
                }
                "TINYINT UNSIGNED" | "SMALLINT UNSIGNED" | "MEDIUMINT UNSIGNED"
                | "INT UNSIGNED" | "BIGINT UNSIGNED" => <u64 as Decode<'_, MySql>>::decode(raw)
                    .map(|v| {
                        i64::try_from(v).map_or_else(|_| Value::Text(v.to_string()), Value::Int)
                    }),
                "FLOAT" => {
                    <f32 as Decode<'_, MySql>>::decode(raw).map(|v| Value::Float(f64::from(v)))
                }
                "DOUBLE" => <f64 as Decode<'_, MySql>>::decode(raw).map(Value::Float),
                "BINARY" | "VARBINARY" | "TINYBLOB" | "BLOB" | "MEDIUMBLOB" | "LONGBLOB"
                | "BIT" | "GEOMETRY" => {
                    <Vec<u8> as Decode<'_, MySql>>::decode(raw).map(Value::Bytes)
                }
                // CHAR, VARCHAR, TEXT…, ENUM, SET, DECIMAL, JSON and every CAST(… AS CHAR).
                _ => <String as Decode<'_, MySql>>::decode(raw).map(Value::Text),
            };
            value.map_err(|source| decode_error(index, source))
        })
        .collect()
}

fn decode_sqlite(row: &SqliteRow) -> Result<Vec<Value>, sqlx::Error> {
    (0..row.len())
        .map(|index| {
            let raw = row.try_get_raw(index)?;
            if raw.is_null() {
                return Ok(Value::Null);
            }
            // The value's own storage class: SQLite is dynamically typed.
            let type_name = raw.type_info().name().to_owned();
            let value = match type_name.as_str() {
                "INTEGER" | "BOOLEAN" => <i64 as Decode<'_, Sqlite>>::decode(raw).map(Value::Int),
                "REAL" => <f64 as Decode<'_, Sqlite>>::decode(raw).map(Value::Float),
                "BLOB" => <Vec<u8> as Decode<'_, Sqlite>>::decode(raw).map(Value::Bytes),
                _ => <String as Decode<'_, Sqlite>>::decode(raw).map(Value::Text),
            };
            value.map_err(|source| decode_error(index, source))
        })
        .collect()
}
