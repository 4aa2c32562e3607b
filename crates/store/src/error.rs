//! Errors of the store. They carry ids, table names and database error codes — never
//! values: a PostgreSQL error's detail can quote the row that failed (an email address
//! in a unique violation), so it is dropped here (STYLE.md §4.5).

use std::fmt;

/// What went wrong in the store.
#[derive(Debug)]
#[non_exhaustive]
pub enum StoreError {
    /// The store URL is malformed.
    Url(String),
    /// The database cannot be reached or opened.
    Unavailable(String),
    /// A migration failed.
    Migration(String),
    /// A key is missing, wrong, or a ciphertext does not decrypt.
    Key(String),
    /// Something looked up by id does not exist.
    NotFound {
        /// What kind of thing ("request", "document").
        what: &'static str,
        /// Its id.
        id: String,
    },
    /// A concurrent change won, or a unique value exists already.
    Conflict(String),
    /// A stored value does not parse (hand-edited, or written by a newer ombud).
    Corrupt(String),
    /// Any other database error: what ombud was doing and the database's error code.
    Database {
        /// What the store was doing.
        context: &'static str,
        /// The database's error code (SQLSTATE on PostgreSQL, the extended result code
        /// on SQLite), when there is one.
        code: Option<String>,
        /// The constraint involved, when the database names one.
        constraint: Option<String>,
    },
}

impl StoreError {
    /// Maps a sqlx error by its kind, keeping no message that could quote a value.
    pub(crate) fn from_sqlx(error: sqlx::Error, context: &'static str) -> StoreError {
        match error {
            sqlx::Error::Database(db) => {
                let code = db.code().map(|c| c.into_owned());
                let constraint = db.constraint().map(str::to_owned);
                if db.is_unique_violation() {
                    StoreError::Conflict(format!(
                        "{context}: a row with the same key exists{}",
                        constraint.map(|c| format!(" ({c})")).unwrap_or_default()
                    ))
                } else {
                    StoreError::Database { context, code, constraint }
                }
            }
            sqlx::Error::RowNotFound => {
                StoreError::NotFound { what: "row", id: context.to_owned() }
            }
            sqlx::Error::PoolTimedOut => StoreError::Unavailable(format!(
                "{context}: no database connection became free in time"
            )),
            sqlx::Error::Io(io) => StoreError::Unavailable(format!("{context}: {}", io.kind())),
            sqlx::Error::Tls(_) => {
                StoreError::Unavailable(format!("{context}: the TLS handshake failed"))
            }
            sqlx::Error::Configuration(_) => {
                StoreError::Unavailable(format!("{context}: the connection settings are invalid"))
            }
            sqlx::Error::Protocol(_) => {
                StoreError::Unavailable(format!("{context}: the database broke the protocol"))
            }
            sqlx::Error::ColumnDecode { index, .. } => {
                StoreError::Corrupt(format!("{context}: column {index} does not decode"))
            }
            sqlx::Error::ColumnNotFound(column) => {
                StoreError::Corrupt(format!("{context}: column {column} is missing"))
            }
            sqlx::Error::PoolClosed => {
                StoreError::Unavailable(format!("{context}: the store is closed"))
            }
            sqlx::Error::Migrate(migrate) => StoreError::Migration(migrate.to_string()),
            _ => StoreError::Database { context, code: None, constraint: None },
        }
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::Url(message)
            | StoreError::Unavailable(message)
            | StoreError::Key(message)
            | StoreError::Conflict(message)
            | StoreError::Corrupt(message) => f.write_str(message),
            StoreError::Migration(message) => write!(f, "migration failed: {message}"),
            StoreError::NotFound { what, id } => write!(f, "no {what} {id}"),
            StoreError::Database { context, code, constraint } => {
                write!(f, "{context}: the database refused")?;
                if let Some(code) = code {
                    write!(f, " (code {code})")?;
                }
                if let Some(constraint) = constraint {
                    write!(f, " (constraint {constraint})")?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for StoreError {}
