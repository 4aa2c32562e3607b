//! Which database the store lives in: `sqlite://PATH` (also `sqlite:PATH`) or
//! `postgres://…` (also `postgresql://…`).

use std::fmt;
use std::path::PathBuf;

use crate::StoreError;

/// A parsed store URL.
#[derive(Clone, PartialEq, Eq)]
pub enum StoreUrl {
    /// A SQLite file.
    Sqlite {
        /// Its path.
        path: PathBuf,
    },
    /// A PostgreSQL database.
    Postgres {
        /// The connection URL as given.
        url: String,
    },
}

impl StoreUrl {
    /// Parses a store URL, saying what is accepted when it is neither form.
    pub fn parse(text: &str) -> Result<StoreUrl, StoreError> {
        let text = text.trim();
        if let Some(rest) = text.strip_prefix("sqlite://").or_else(|| text.strip_prefix("sqlite:"))
        {
            let path = rest.split('?').next().unwrap_or(rest);
            if path.is_empty() || path == ":memory:" {
                return Err(StoreError::Url(
                    "a SQLite store needs a file path, as in sqlite://ombud.db (an in-memory store would forget every request)".to_owned(),
                ));
            }
            return Ok(StoreUrl::Sqlite { path: PathBuf::from(path) });
        }
        if text.starts_with("postgres://") || text.starts_with("postgresql://") {
            return Ok(StoreUrl::Postgres { url: text.to_owned() });
        }
        Err(StoreError::Url(format!(
            "the store URL must start with sqlite:// or postgres://, as in sqlite://ombud.db or postgres://ombud@127.0.0.1/ombud (got `{}`)",
            redact(text)
        )))
    }

    /// The backend's name.
    pub fn backend(&self) -> &'static str {
        match self {
            StoreUrl::Sqlite { .. } => "sqlite",
            StoreUrl::Postgres { .. } => "postgres",
        }
    }
}

/// The URL with any password replaced by `***`.
fn redact(text: &str) -> String {
    let Some((scheme, rest)) = text.split_once("://") else {
        return text.chars().take(80).collect();
    };
    let (authority, tail) = rest.split_once('/').map_or((rest, ""), |(a, t)| (a, t));
    let authority = match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _)) => format!("{user}:***@{host}"),
            None => format!("{userinfo}@{host}"),
        },
        None => authority.to_owned(),
    };
    let slash = if rest.contains('/') { "/" } else { "" };
    format!("{scheme}://{authority}{slash}{tail}")
}

impl fmt::Display for StoreUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreUrl::Sqlite { path } => write!(f, "sqlite://{}", path.display()),
            StoreUrl::Postgres { url } => f.write_str(&redact(url)),
        }
    }
}

impl fmt::Debug for StoreUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StoreUrl({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_parse_and_never_print_passwords() {
        assert_eq!(
            StoreUrl::parse("sqlite://data/ombud.db").unwrap(),
            StoreUrl::Sqlite { path: PathBuf::from("data/ombud.db") }
        );
        assert_eq!(StoreUrl::parse("sqlite:ombud.db").unwrap().backend(), "sqlite");
        let pg = StoreUrl::parse("postgres://ombud:hunter2@db.example.com:5432/ombud").unwrap();
        assert_eq!(pg.to_string(), "postgres://ombud:***@db.example.com:5432/ombud");
        assert!(!format!("{pg:?}").contains("hunter2"));
        let error = StoreUrl::parse("mysql://root:hunter2@host/db").unwrap_err().to_string();
        assert!(!error.contains("hunter2") && error.contains("sqlite://"), "{error}");
        assert!(StoreUrl::parse("sqlite::memory:").is_err());
        assert!(StoreUrl::parse("sqlite://").is_err());
    }
}
