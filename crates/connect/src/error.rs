//! What can go wrong talking to a company database, said so that an operator knows
//! what to do.
//!
//! Messages name the system, the table and the column, never a value and never the
//! URL's password. Database error text is dropped entirely, because engines echo
//! values in it ("Key (email)=(jane@example.com) already exists"); only the SQLSTATE
//! or error number and a summary written here survive.

use std::fmt;

use ombud_core::Engine;

/// A connector error. `table` is empty when the call was not about one table (ping,
/// discovery, begin, commit).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConnectError {
    /// The URL cannot be used.
    InvalidUrl {
        /// What is wrong with it (never the URL itself).
        reason: String,
    },
    /// The server could not be reached, or no connection came free in time.
    Unreachable {
        /// The system's id in the manifest.
        system: String,
    },
    /// The server refused the login (user, password, database or TLS).
    LoginRefused {
        /// The system's id.
        system: String,
        /// SQLSTATE or error number, and what it means.
        reason: String,
    },
    /// A statement ran past the statement timeout (or the server stopped answering).
    Timeout {
        /// The system's id.
        system: String,
        /// The table, or empty.
        table: String,
    },
    /// The table is not in the database's current schema.
    UnknownTable {
        /// The system's id.
        system: String,
        /// The table.
        table: String,
    },
    /// The column is not in the table.
    UnknownColumn {
        /// The system's id.
        system: String,
        /// The table.
        table: String,
        /// The column.
        column: String,
    },
    /// The database refused the statement.
    Refused {
        /// The system's id.
        system: String,
        /// The table, or empty.
        table: String,
        /// SQLSTATE or error number and a summary written by ombud, never the engine's text.
        reason: String,
    },
    /// A deadlock or serialization failure: the transaction was rolled back and may
    /// simply be retried.
    Conflict {
        /// The system's id.
        system: String,
        /// The table, or empty.
        table: String,
        /// SQLSTATE or error number.
        reason: String,
    },
    /// More rows than the caller allows.
    TooManyRows {
        /// The system's id.
        system: String,
        /// The table.
        table: String,
        /// The cap.
        cap: u32,
    },
    /// Something this connector does not do (a name it cannot quote, a type it cannot read).
    Unsupported {
        /// The system's id.
        system: String,
        /// The table, or empty.
        table: String,
        /// What it does not do.
        what: String,
    },
}

impl fmt::Display for ConnectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidUrl { reason } => write!(
                f,
                "the database URL cannot be used: {reason}; write it as postgres://user@host:5432/database, mysql://user@host:3306/database or sqlite:path/to/file.db"
            ),
            Self::Unreachable { system } => write!(
                f,
                "system `{system}`: the database cannot be reached; check that it is running, that the URL's host and port are right and that this machine may connect to it"
            ),
            Self::LoginRefused { system, reason } => write!(
                f,
                "system `{system}`: the database refused the login ({reason}); check the user, the password, the database name and the TLS settings in the URL"
            ),
            Self::Timeout { system, table } => write!(
                f,
                "system `{system}`{}: the statement ran past the statement timeout; check for locks or a missing index, or raise the timeout",
                in_table(table)
            ),
            Self::UnknownTable { system, table } => write!(
                f,
                "system `{system}`: there is no table `{table}` in the database's current schema; run discovery again and update the manifest"
            ),
            Self::UnknownColumn { system, table, column } => write!(
                f,
                "system `{system}`, table `{table}`: there is no column `{column}`; run discovery again and update the manifest"
            ),
            Self::Refused { system, table, reason } => write!(
                f,
                "system `{system}`{}: the database refused the statement ({reason}); check the permissions of ombud's database user",
                in_table(table)
            ),
            Self::Conflict { system, table, reason } => write!(
                f,
                "system `{system}`{}: the transaction conflicted with another ({reason}) and was rolled back; it is safe to retry",
                in_table(table)
            ),
            Self::TooManyRows { system, table, cap } => write!(
                f,
                "system `{system}`, table `{table}`: more than {cap} rows match; check that the key column identifies one person, or raise the limit"
            ),
            Self::Unsupported { system, table, what } => {
                write!(f, "system `{system}`{}: {what}", in_table(table))
            }
        }
    }
}

fn in_table(table: &str) -> String {
    if table.is_empty() { String::new() } else { format!(", table `{table}`") }
}

impl std::error::Error for ConnectError {}

/// Whether the same call may succeed if simply retried later: the server was down
/// or slow, or the transaction lost a deadlock or a serialization race.
pub fn is_transient(error: &ConnectError) -> bool {
    matches!(
        error,
        ConnectError::Unreachable { .. }
            | ConnectError::Timeout { .. }
            | ConnectError::Conflict { .. }
    )
}

/// Where an error happened, to name it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Context<'a> {
    pub(crate) engine: Engine,
    pub(crate) system: &'a str,
    pub(crate) table: &'a str,
}

/// An error from running a statement: the driver's, or ours when the whole call
/// ran past its deadline.
#[derive(Debug)]
pub(crate) enum RunError {
    Sqlx(sqlx::Error),
    Elapsed,
}

impl From<sqlx::Error> for RunError {
    fn from(error: sqlx::Error) -> Self {
        Self::Sqlx(error)
    }
}

impl Context<'_> {
    pub(crate) fn unreachable(&self) -> ConnectError {
        ConnectError::Unreachable { system: self.system.to_owned() }
    }

    pub(crate) fn timeout(&self) -> ConnectError {
        ConnectError::Timeout { system: self.system.to_owned(), table: self.table.to_owned() }
    }

    pub(crate) fn refused(&self, reason: impl Into<String>) -> ConnectError {
        ConnectError::Refused {
            system: self.system.to_owned(),
            table: self.table.to_owned(),
            reason: reason.into(),
        }
    }

    pub(crate) fn unsupported(&self, what: impl Into<String>) -> ConnectError {
        ConnectError::Unsupported {
            system: self.system.to_owned(),
            table: self.table.to_owned(),
            what: what.into(),
        }
    }

    pub(crate) fn run(&self, error: RunError) -> ConnectError {
        match error {
            RunError::Elapsed => self.timeout(),
            RunError::Sqlx(error) => self.sqlx(error),
        }
    }

    /// Maps a driver error, keeping only its code.
    pub(crate) fn sqlx(&self, error: sqlx::Error) -> ConnectError {
        match error {
            sqlx::Error::Io(_)
            | sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::WorkerCrashed
            | sqlx::Error::Protocol(_) => self.unreachable(),
            sqlx::Error::Tls(_) => ConnectError::LoginRefused {
                system: self.system.to_owned(),
                reason: "the TLS handshake failed".into(),
            },
            sqlx::Error::Database(database) => self.database(database.as_ref()),
            sqlx::Error::ColumnDecode { index, .. } => {
                self.unsupported(format!("a value in result column {index} could not be read"))
            }
            // The remaining kinds are programming errors on our side (a bad index, a
            // missing type); their text names types, not values, but keep it short.
            _ => self.refused("the driver reported an internal error"),
        }
    }

    fn database(&self, error: &dyn sqlx::error::DatabaseError) -> ConnectError {
        match self.engine {
            Engine::Postgres => {
                let code = error.code().map(|c| c.into_owned()).unwrap_or_default();
                self.postgres_code(&code)
            }
            Engine::Mysql => {
                let number = error
                    .try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>()
                    .map(sqlx::mysql::MySqlDatabaseError::number)
                    .unwrap_or(0);
                self.mysql_number(number)
            }
            Engine::Sqlite => {
                let code = error.code().map(|c| c.into_owned()).unwrap_or_default();
                self.sqlite_code(&code)
            }
        }
    }

    fn postgres_code(&self, code: &str) -> ConnectError {
        let summary = match code {
            "57014" => return self.timeout(),
            "40001" | "40P01" => {
                return ConnectError::Conflict {
                    system: self.system.to_owned(),
                    table: self.table.to_owned(),
                    reason: format!("SQLSTATE {code}"),
                };
            }
            "55P03" => return self.timeout(), // lock_not_available (lock_timeout)
            "42P01" => {
                return ConnectError::UnknownTable {
                    system: self.system.to_owned(),
                    table: self.table.to_owned(),
                };
            }
            "28000" | "28P01" | "3D000" => {
                return ConnectError::LoginRefused {
                    system: self.system.to_owned(),
                    reason: format!("SQLSTATE {code}"),
                };
            }
            "57P01" | "57P02" | "57P03" | "08000" | "08003" | "08006" | "08001" | "08004" => {
                return self.unreachable();
            }
            "25006" => {
                "read-only transaction: the statement tried to write outside a write transaction"
            }
            "42501" => "permission denied",
            "23503" => "a foreign key still references the row",
            "23505" => "a unique constraint would be violated",
            "23502" => "a NOT NULL column would get NULL",
            "23514" => "a check constraint would be violated",
            "22001" => "a value is too long for its column",
            "22021" | "22P05" => "text with a character the database encoding cannot store",
            "22P02" | "22003" => "a value does not fit the column's type",
            _ => "see the database's log for this code",
        };
        self.refused(format!("SQLSTATE {code}: {summary}"))
    }

    fn mysql_number(&self, number: u16) -> ConnectError {
        let summary = match number {
            // 1969: MariaDB max_statement_time; 3024: MySQL max_execution_time;
            // 1317: query interrupted; 1205: lock wait timeout.
            1969 | 3024 | 1317 | 1205 => return self.timeout(),
            1213 => {
                return ConnectError::Conflict {
                    system: self.system.to_owned(),
                    table: self.table.to_owned(),
                    reason: format!("error {number} (deadlock)"),
                };
            }
            1146 => {
                return ConnectError::UnknownTable {
                    system: self.system.to_owned(),
                    table: self.table.to_owned(),
                };
            }
            1044 | 1045 | 1049 | 1698 => {
                return ConnectError::LoginRefused {
                    system: self.system.to_owned(),
                    reason: format!("error {number}"),
                };
            }
            2002 | 2003 | 2006 | 2013 | 1040 | 1053 => return self.unreachable(),
            1792 => {
                "read-only transaction: the statement tried to write outside a write transaction"
            }
            1142 | 1143 | 1227 => "permission denied",
            1451 => "a foreign key still references the row",
            1062 => "a unique constraint would be violated",
            1048 => "a NOT NULL column would get NULL",
            1406 => "a value is too long for its column",
            1366 | 1264 => "a value does not fit the column's type",
            _ => "see the database's log for this error number",
        };
        self.refused(format!("error {number}: {summary}"))
    }

    fn sqlite_code(&self, code: &str) -> ConnectError {
        // sqlx reports the extended result code; the primary code is its low byte.
        let primary = code.parse::<i32>().map(|c| c & 0xff).unwrap_or(-1);
        let summary = match primary {
            9 => return self.timeout(), // SQLITE_INTERRUPT: our progress handler's deadline
            5 | 6 => {
                return ConnectError::Conflict {
                    system: self.system.to_owned(),
                    table: self.table.to_owned(),
                    reason: format!("SQLite code {code} (busy or locked)"),
                };
            }
            14 => return self.unreachable(), // SQLITE_CANTOPEN
            8 => "read-only: the statement tried to write outside a write transaction",
            3 => "permission denied",
            19 => "a constraint would be violated",
            13 => "the disk is full",
            _ => "see the SQLite result code",
        };
        self.refused(format!("SQLite code {code}: {summary}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn context() -> Context<'static> {
        Context { engine: Engine::Postgres, system: "crm", table: "users" }
    }

    #[test]
    fn messages_name_the_system_and_table_and_say_what_to_do() {
        let message = context().timeout().to_string();
        assert!(message.contains("`crm`") && message.contains("`users`"), "{message}");
        assert!(message.contains("raise the timeout"), "{message}");
        let message = context().unreachable().to_string();
        assert!(message.contains("`crm`") && message.contains("host and port"), "{message}");
    }

    #[test]
    fn codes_map_to_kinds_and_only_some_are_transient() {
        assert!(matches!(context().postgres_code("57014"), ConnectError::Timeout { .. }));
        assert!(is_transient(&context().postgres_code("40P01")));
        assert!(is_transient(&context().postgres_code("40001")));
        assert!(!is_transient(&context().postgres_code("25006")));
        assert!(matches!(context().mysql_number(1969), ConnectError::Timeout { .. }));
        assert!(is_transient(&context().mysql_number(1213)));
        assert!(matches!(context().sqlite_code("9"), ConnectError::Timeout { .. }));
        assert!(matches!(context().sqlite_code("2067"), ConnectError::Refused { .. }));
        assert!(!is_transient(&ConnectError::UnknownTable {
            system: "a".into(),
            table: "b".into()
        }));
    }
}
