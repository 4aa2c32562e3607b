//! ombud-workload: the reference workload of DESIGN.md, a generated e-commerce schema
//! (customer, address, login_session, orders, order_item, payment_card,
//! support_ticket, marketing_subscription) that the demo, the fulfilment tests and the
//! benchmarks share.
//!
//! [`generate`] creates the eight tables and fills them for N customers in SQLite,
//! PostgreSQL or MariaDB, chosen by the URL's scheme. The rows are a pure function of
//! the seed and the customer number ([`data`]), so every engine gets the same rows and a
//! test knows what customer `i` owns without reading the database ([`expected`]).
//! Each engine is loaded the fastest way it offers and indexed afterwards: `COPY` on
//! PostgreSQL, multi-row inserts with unique and foreign-key checks off on MariaDB, one
//! transaction of prepared inserts on SQLite.
//!
//! Every value is fictional (`example.com`, 555-01xx numbers, documentation IP ranges).
//! Errors name the engine, the step and the table, never a value or the URL.

mod data;
mod load;
mod mysql;
mod postgres;
mod schema;
mod sqlite;

use std::fmt;
use std::time::Instant;

pub use data::{
    CustomerRows, customer_email, expected, expected_rows, full_name, non_customer_subscribers,
    subscriber_email,
};
pub use ombud_core::reference::Engine;
pub use schema::{Column, ColumnType, Ddl, TABLES, Table, ddl};

/// The most customers one workload may have: ids, phones (E.164 allows 15 digits) and
/// child ids (eight per customer) stay in range far beyond it.
pub const WORKLOAD_CUSTOMERS_MAX: u64 = 100_000_000;

/// What to generate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Workload {
    /// The number of customers, numbered `1..=customers`.
    pub customers: u64,
    /// Varies names, dates, addresses and texts; never which rows exist.
    pub seed: u64,
    /// Drop the eight tables first when they exist. Without it, a database that holds
    /// any of them is refused, so a mistyped URL never destroys a real table.
    pub replace: bool,
}

/// What [`generate`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Summary {
    /// Rows written to each table, in [`TABLES`] order.
    pub rows_per_table: Vec<(&'static str, u64)>,
    /// Wall time from connecting to the end of `ANALYZE`, in milliseconds.
    pub elapsed_ms: u64,
}

/// How far [`generate_with_progress`] is, for a command line to print.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Progress {
    /// The tables exist and the load begins.
    Created,
    /// `rows` rows of `table` are loaded so far.
    Loading {
        /// The table.
        table: &'static str,
        /// Rows loaded so far.
        rows: u64,
    },
    /// `table` is loaded with `rows` rows and indexed.
    Loaded {
        /// The table.
        table: &'static str,
        /// Its rows.
        rows: u64,
    },
    /// The foreign keys are being added (and, on PostgreSQL, checked).
    ForeignKeys,
    /// The planner's statistics are being gathered.
    Analyzing,
}

/// Why a workload could not be generated. The messages name the engine, the step and
/// the table, never a value or the connection URL (which may hold a password).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WorkloadError {
    /// The URL's scheme names no supported engine.
    UnsupportedUrl {
        /// The scheme found (up to the first `:`), or empty.
        scheme: String,
    },
    /// More customers than [`WORKLOAD_CUSTOMERS_MAX`].
    TooManyCustomers {
        /// What was asked.
        asked: u64,
    },
    /// The database already holds some of the eight tables and `replace` was false.
    TablesExist {
        /// The engine.
        engine: Engine,
        /// The tables found.
        tables: Vec<&'static str>,
    },
    /// The database refused or failed a step.
    Database {
        /// The engine.
        engine: Engine,
        /// What was being done, with the table when there is one.
        step: String,
        /// The database's error, without values.
        cause: String,
    },
    /// A generator thread stopped before its table was complete.
    Generator {
        /// The table.
        table: &'static str,
    },
    /// A worker task stopped unexpectedly (it panicked or was cancelled).
    Task {
        /// What it was doing.
        step: &'static str,
    },
}

impl fmt::Display for WorkloadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnsupportedUrl { scheme } => write!(
                f,
                "the database URL must start with postgres://, postgresql://, mysql://, mariadb:// or sqlite: (found scheme `{scheme}`)"
            ),
            Self::TooManyCustomers { asked } => write!(
                f,
                "{asked} customers is more than the workload allows ({WORKLOAD_CUSTOMERS_MAX}); ask for fewer"
            ),
            Self::TablesExist { engine, tables } => write!(
                f,
                "the {} database already has the reference table{} {}; pass --replace to drop and recreate the eight reference tables, or use an empty database",
                engine_label(*engine),
                if tables.len() == 1 { "" } else { "s" },
                tables.iter().map(|t| format!("`{t}`")).collect::<Vec<_>>().join(", ")
            ),
            Self::Database { engine, step, cause } => {
                write!(f, "{}: could not {step}: {cause}", engine_label(*engine))
            }
            Self::Generator { table } => {
                write!(f, "the generator of table `{table}` stopped before the table was complete")
            }
            Self::Task { step } => {
                write!(f, "a worker task stopped unexpectedly while it was to {step}")
            }
        }
    }
}

impl std::error::Error for WorkloadError {}

fn engine_label(engine: Engine) -> &'static str {
    match engine {
        Engine::Postgres => "PostgreSQL",
        Engine::Mysql => "MariaDB/MySQL",
        Engine::Sqlite => "SQLite",
    }
}

/// The engine a URL names by its scheme.
pub fn engine_of(url: &str) -> Result<Engine, WorkloadError> {
    let scheme = url.split_once(':').map_or("", |(s, _)| s);
    match scheme.to_ascii_lowercase().as_str() {
        "postgres" | "postgresql" => Ok(Engine::Postgres),
        "mysql" | "mariadb" => Ok(Engine::Mysql),
        "sqlite" => Ok(Engine::Sqlite),
        _ => Err(WorkloadError::UnsupportedUrl { scheme: scheme.chars().take(32).collect() }),
    }
}

/// Creates the reference schema at `url` and fills it for `workload.customers`
/// customers. See [`generate_with_progress`].
pub async fn generate(url: &str, workload: &Workload) -> Result<Summary, WorkloadError> {
    generate_with_progress(url, workload, &mut |_| {}).await
}

/// Creates the reference schema at `url` (the scheme picks the engine) and fills it,
/// calling `progress` as tables are loaded. Refuses a database that already has any of
/// the eight tables unless `workload.replace` is set. On error, the tables may be
/// partly filled; run again with `replace`.
pub async fn generate_with_progress(
    url: &str,
    workload: &Workload,
    progress: &mut (dyn FnMut(Progress) + Send),
) -> Result<Summary, WorkloadError> {
    let engine = engine_of(url)?;
    if workload.customers > WORKLOAD_CUSTOMERS_MAX {
        return Err(WorkloadError::TooManyCustomers { asked: workload.customers });
    }
    let started = Instant::now();
    let rows = match engine {
        Engine::Postgres => postgres::generate(url, workload, progress).await?,
        Engine::Mysql => mysql::generate(url, workload, progress).await?,
        Engine::Sqlite => sqlite::generate(url, workload, progress).await?,
    };
    let elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    Ok(Summary {
        rows_per_table: Table::ALL.iter().map(|t| (t.name(), rows[*t as usize])).collect(),
        elapsed_ms,
    })
}

/// A database error as a cause without values: the SQLSTATE and, for the classes whose
/// messages name only objects (connection, authorization, syntax and access, catalogs,
/// resources), the message. Data and integrity errors (classes 22, 23) can quote the
/// offending value, so their message is left out.
pub(crate) fn cause(error: &sqlx::Error) -> String {
    match error {
        sqlx::Error::Database(db) => {
            let code = db.code().map(|c| c.into_owned()).unwrap_or_default();
            let speaks_of_objects_only = ["08", "28", "42", "3D", "3F", "53", "55", "57", "HY"]
                .iter()
                .any(|class| code.starts_with(class));
            let constraint =
                db.constraint().map(|c| format!(" (constraint `{c}`)")).unwrap_or_default();
            if speaks_of_objects_only {
                format!("database error {code}{constraint}: {}", db.message())
            } else {
                format!("database error {code}{constraint}")
            }
        }
        other => other.to_string(),
    }
}

pub(crate) fn db_error(
    engine: Engine,
    step: impl Into<String>,
) -> impl FnOnce(sqlx::Error) -> WorkloadError {
    let step = step.into();
    move |error| WorkloadError::Database { engine, step, cause: cause(&error) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scheme_picks_the_engine() {
        assert_eq!(engine_of("postgres://u@h/db"), Ok(Engine::Postgres));
        assert_eq!(engine_of("postgresql://u@h/db"), Ok(Engine::Postgres));
        assert_eq!(engine_of("mysql://u@h/db"), Ok(Engine::Mysql));
        assert_eq!(engine_of("MariaDB://u@h/db"), Ok(Engine::Mysql));
        assert_eq!(engine_of("sqlite:shop.db"), Ok(Engine::Sqlite));
        let error = engine_of("oracle://scott:tiger@h/db").unwrap_err();
        let message = error.to_string();
        assert!(message.contains("`oracle`") && !message.contains("tiger"), "{message}");
        assert!(engine_of("shop.db").is_err());
    }

    proptest::proptest! {
        // A URL is operator input and may carry a password: whatever it holds, the
        // answer is an engine or an error that echoes at most a short scheme.
        #[test]
        fn any_url_gets_an_engine_or_a_short_error(url in ".{0,300}") {
            if let Err(error) = engine_of(&url) {
                let WorkloadError::UnsupportedUrl { scheme } = &error else { panic!("{error:?}") };
                proptest::prop_assert!(scheme.chars().count() <= 32);
                proptest::prop_assert!(url.starts_with(scheme.as_str()));
            }
        }
    }

    #[test]
    fn tables_exist_says_how_to_go_on() {
        let error = WorkloadError::TablesExist {
            engine: Engine::Postgres,
            tables: vec!["customer", "orders"],
        };
        let message = error.to_string();
        assert!(
            message.contains("`customer`, `orders`") && message.contains("--replace"),
            "{message}"
        );
    }
}
