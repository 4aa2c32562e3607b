//! Reading a database URL: which engine it names, and how to show it without its
//! password.

use ombud_core::Engine;

use crate::error::ConnectError;

/// The engine a URL's scheme names.
pub(crate) fn engine_of(url: &str) -> Result<Engine, ConnectError> {
    let lower = url.get(..url.find(':').unwrap_or(0)).unwrap_or_default().to_ascii_lowercase();
    match lower.as_str() {
        "postgres" | "postgresql" => Ok(Engine::Postgres),
        "mysql" | "mariadb" => Ok(Engine::Mysql),
        "sqlite" => Ok(Engine::Sqlite),
        _ => Err(ConnectError::InvalidUrl {
            reason:
                "the scheme must be postgres://, postgresql://, mysql://, mariadb:// or sqlite:"
                    .into(),
        }),
    }
}

/// The URL with any password replaced and the query string dropped (a password
/// can hide there too): safe for `Debug` and logs.
pub(crate) fn redact(url: &str) -> String {
    let without_query = url.split(['?', '#']).next().unwrap_or_default();
    let Some(scheme_end) = without_query.find("://") else {
        return without_query.to_owned();
    };
    let (scheme, rest) = without_query.split_at(scheme_end + 3);
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let (authority, path) = rest.split_at(authority_end);
    match authority.rfind('@') {
        Some(at) => {
            let userinfo = &authority[..at];
            let host = &authority[at + 1..];
            let user = userinfo.split(':').next().unwrap_or_default();
            if userinfo.contains(':') {
                format!("{scheme}{user}:***@{host}{path}")
            } else {
                format!("{scheme}{user}@{host}{path}")
            }
        }
        None => without_query.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemes_name_engines() {
        assert_eq!(engine_of("postgres://a@b/c").ok(), Some(Engine::Postgres));
        assert_eq!(engine_of("postgresql://a@b/c").ok(), Some(Engine::Postgres));
        assert_eq!(engine_of("MariaDB://a@b/c").ok(), Some(Engine::Mysql));
        assert_eq!(engine_of("sqlite:crm.db").ok(), Some(Engine::Sqlite));
        assert!(engine_of("mssql://a@b/c").is_err());
        assert!(engine_of("no scheme").is_err());
    }

    #[test]
    fn passwords_never_survive_redaction() {
        assert_eq!(
            redact("postgres://ombud:s3cret@db:5432/crm"),
            "postgres://ombud:***@db:5432/crm"
        );
        assert_eq!(redact("mysql://root@db/crm?password=s3cret"), "mysql://root@db/crm");
        assert_eq!(redact("postgres://u:p@ss:w@rd@db/crm"), "postgres://u:***@db/crm");
        assert_eq!(redact("sqlite:crm.db"), "sqlite:crm.db");
    }
}
