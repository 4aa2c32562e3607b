//! Quoting identifiers, and the one door through which text built at run time
//! becomes SQL.
//!
//! Every table and column name a connector puts into SQL comes from the company's
//! catalog or its manifest, so it is data, not code: it is quoted here and nowhere
//! else. Values never reach SQL text at all; they are always bound parameters.
//! sqlx 0.9 refuses a non-literal query string unless it is wrapped in
//! `AssertSqlSafe`; [`SqlText::finish`] is the only place in this crate that does so
//! (a tidy test fails if the word appears in any other file), and `SqlText` only
//! accepts `'static` fragments, quoted identifiers and placeholders.

use std::fmt;

use ombud_core::Engine;

/// Bytes of a PostgreSQL identifier (NAMEDATALEN - 1); a longer name is truncated by
/// the server, so it could never name the table we mean.
pub const IDENT_BYTES_MAX_POSTGRES: usize = 63;
/// Characters of a MySQL/MariaDB identifier.
pub const IDENT_CHARS_MAX_MYSQL: usize = 64;
/// Bytes of a SQLite identifier. SQLite has no limit of its own; this one keeps a
/// hostile catalog from making every statement huge.
pub const IDENT_BYTES_MAX_SQLITE: usize = 1024;

/// Why a name cannot be used as an identifier. It never repeats the name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IdentError {
    /// The name is empty.
    Empty,
    /// The name contains a NUL character, which no engine allows in a name.
    Nul,
    /// The name is longer than the engine allows.
    TooLong {
        /// Its length, in the unit of `max`.
        len: usize,
        /// The engine's limit.
        max: usize,
        /// "bytes" or "characters".
        unit: &'static str,
    },
    /// MySQL/MariaDB names cannot end with a space.
    TrailingSpace,
    /// MySQL/MariaDB names are limited to the Basic Multilingual Plane (no emoji).
    OutsideBmp,
}

impl fmt::Display for IdentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("the name is empty"),
            Self::Nul => f.write_str("the name contains a NUL character"),
            Self::TooLong { len, max, unit } => {
                write!(f, "the name is {len} {unit} long; the engine allows at most {max}")
            }
            Self::TrailingSpace => f.write_str("MySQL and MariaDB names cannot end with a space"),
            Self::OutsideBmp => f.write_str(
                "MySQL and MariaDB names cannot contain characters outside the Basic Multilingual Plane",
            ),
        }
    }
}

impl std::error::Error for IdentError {}

/// Quotes `name` as an identifier for `engine`: PostgreSQL and SQLite in double
/// quotes with `"` doubled, MySQL/MariaDB in backticks with `` ` `` doubled.
///
/// Refuses names no engine could hold (empty, NUL, too long) rather than quoting
/// something the server would silently truncate into another table's name.
pub fn quote_ident(engine: Engine, name: &str) -> Result<String, IdentError> {
    Ident::new(engine, name).map(|ident| ident.quoted)
}

/// A quoted identifier: only [`Ident::new`] makes one, so a `SqlText` cannot be
/// handed an unquoted name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Ident {
    quoted: String,
}

impl Ident {
    pub(crate) fn new(engine: Engine, name: &str) -> Result<Self, IdentError> {
        if name.is_empty() {
            return Err(IdentError::Empty);
        }
        if name.contains('\0') {
            return Err(IdentError::Nul);
        }
        let delimiter = match engine {
            Engine::Postgres => {
                if name.len() > IDENT_BYTES_MAX_POSTGRES {
                    return Err(IdentError::TooLong {
                        len: name.len(),
                        max: IDENT_BYTES_MAX_POSTGRES,
                        unit: "bytes",
                    });
                }
                '"'
            }
            Engine::Sqlite => {
                if name.len() > IDENT_BYTES_MAX_SQLITE {
                    return Err(IdentError::TooLong {
                        len: name.len(),
                        max: IDENT_BYTES_MAX_SQLITE,
                        unit: "bytes",
                    });
                }
                '"'
            }
            Engine::Mysql => {
                let chars = name.chars().count();
                if chars > IDENT_CHARS_MAX_MYSQL {
                    return Err(IdentError::TooLong {
                        len: chars,
                        max: IDENT_CHARS_MAX_MYSQL,
                        unit: "characters",
                    });
                }
                if name.ends_with(' ') {
                    return Err(IdentError::TrailingSpace);
                }
                if name.chars().any(|c| u32::from(c) > 0xFFFF) {
                    return Err(IdentError::OutsideBmp);
                }
                '`'
            }
        };
        let mut quoted = String::with_capacity(name.len() + 2);
        quoted.push(delimiter);
        for c in name.chars() {
            if c == delimiter {
                quoted.push(delimiter);
            }
            quoted.push(c);
        }
        quoted.push(delimiter);
        Ok(Self { quoted })
    }

    pub(crate) fn as_str(&self) -> &str {
        &self.quoted
    }
}

/// SQL text built from `'static` fragments, quoted identifiers and placeholders:
/// nothing else can be appended, so nothing a company or a subject controls can
/// become SQL.
#[derive(Debug)]
pub(crate) struct SqlText {
    engine: Engine,
    text: String,
    params: u32,
}

impl SqlText {
    pub(crate) fn new(engine: Engine) -> Self {
        Self { engine, text: String::with_capacity(128), params: 0 }
    }

    /// Appends SQL written in this crate's source.
    pub(crate) fn push(&mut self, fragment: &'static str) -> &mut Self {
        self.text.push_str(fragment);
        self
    }

    /// Appends a quoted identifier.
    pub(crate) fn ident(&mut self, ident: &Ident) -> &mut Self {
        self.text.push_str(ident.as_str());
        self
    }

    /// Appends the next placeholder: `$n` on PostgreSQL, `?` elsewhere.
    pub(crate) fn param(&mut self) -> &mut Self {
        self.params += 1;
        match self.engine {
            Engine::Postgres => {
                self.text.push('$');
                self.text.push_str(&self.params.to_string());
            }
            Engine::Mysql | Engine::Sqlite => self.text.push('?'),
        }
        self
    }

    /// This text followed by `other`, which must have no placeholders of its own
    /// numbered from this one's (used to prefix EXPLAIN).
    pub(crate) fn append(mut self, other: SqlText) -> SqlText {
        self.text.push_str(&other.text);
        self.params += other.params;
        self
    }

    /// The text, for tests.
    #[cfg(test)]
    pub(crate) fn as_str(&self) -> &str {
        &self.text
    }

    /// The statement for sqlx. The one `AssertSqlSafe` of this crate: safe because
    /// `SqlText` only ever holds literals, quoted identifiers and placeholders.
    pub(crate) fn finish(self) -> sqlx::SqlStr {
        sqlx::SqlSafeStr::into_sql_str(sqlx::AssertSqlSafe(self.text))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn plain_names_are_wrapped_in_the_engines_delimiter() {
        assert_eq!(quote_ident(Engine::Postgres, "users").unwrap(), "\"users\"");
        assert_eq!(quote_ident(Engine::Sqlite, "users").unwrap(), "\"users\"");
        assert_eq!(quote_ident(Engine::Mysql, "users").unwrap(), "`users`");
    }

    #[test]
    fn delimiters_inside_names_are_doubled() {
        assert_eq!(quote_ident(Engine::Postgres, "user\"s").unwrap(), "\"user\"\"s\"");
        assert_eq!(quote_ident(Engine::Postgres, "\"").unwrap(), "\"\"\"\"");
        assert_eq!(quote_ident(Engine::Mysql, "user`s").unwrap(), "`user``s`");
        // The other engine's delimiter is an ordinary character.
        assert_eq!(quote_ident(Engine::Mysql, "user\"s").unwrap(), "`user\"s`");
        assert_eq!(quote_ident(Engine::Postgres, "user`s").unwrap(), "\"user`s\"");
    }

    #[test]
    fn spaces_semicolons_and_unicode_stay_inside_the_quotes() {
        assert_eq!(quote_ident(Engine::Postgres, "Order Items").unwrap(), "\"Order Items\"");
        assert_eq!(
            quote_ident(Engine::Sqlite, "x\"; DROP TABLE users; --").unwrap(),
            "\"x\"\"; DROP TABLE users; --\""
        );
        assert_eq!(
            quote_ident(Engine::Mysql, "x`; DROP TABLE t; --").unwrap(),
            "`x``; DROP TABLE t; --`"
        );
        assert_eq!(quote_ident(Engine::Postgres, "kundenstraße").unwrap(), "\"kundenstraße\"");
        assert_eq!(quote_ident(Engine::Sqlite, "客户 🙂").unwrap(), "\"客户 🙂\"");
    }

    #[test]
    fn empty_and_nul_names_are_refused_everywhere() {
        for engine in [Engine::Postgres, Engine::Mysql, Engine::Sqlite] {
            assert_eq!(quote_ident(engine, ""), Err(IdentError::Empty));
            assert_eq!(quote_ident(engine, "a\0b"), Err(IdentError::Nul));
        }
    }

    #[test]
    fn postgres_allows_63_bytes_and_not_64() {
        assert!(quote_ident(Engine::Postgres, &"a".repeat(63)).is_ok());
        assert_eq!(
            quote_ident(Engine::Postgres, &"a".repeat(64)),
            Err(IdentError::TooLong { len: 64, max: 63, unit: "bytes" })
        );
        // Bytes, not characters: 32 two-byte characters are 64 bytes.
        assert!(quote_ident(Engine::Postgres, &"é".repeat(31)).is_ok());
        assert!(quote_ident(Engine::Postgres, &"é".repeat(32)).is_err());
    }

    #[test]
    fn mysql_allows_64_characters_and_not_65() {
        assert!(quote_ident(Engine::Mysql, &"a".repeat(64)).is_ok());
        assert!(quote_ident(Engine::Mysql, &"é".repeat(64)).is_ok());
        assert_eq!(
            quote_ident(Engine::Mysql, &"a".repeat(65)),
            Err(IdentError::TooLong { len: 65, max: 64, unit: "characters" })
        );
        assert_eq!(quote_ident(Engine::Mysql, "name "), Err(IdentError::TrailingSpace));
        assert_eq!(quote_ident(Engine::Mysql, "🙂"), Err(IdentError::OutsideBmp));
    }

    #[test]
    fn sqlite_has_a_cap_too() {
        assert!(quote_ident(Engine::Sqlite, &"a".repeat(IDENT_BYTES_MAX_SQLITE)).is_ok());
        assert!(quote_ident(Engine::Sqlite, &"a".repeat(IDENT_BYTES_MAX_SQLITE + 1)).is_err());
    }

    #[test]
    fn placeholders_follow_the_engine() {
        let mut pg = SqlText::new(Engine::Postgres);
        pg.push("SELECT ").param().push(", ").param();
        assert_eq!(pg.as_str(), "SELECT $1, $2");
        let mut my = SqlText::new(Engine::Mysql);
        my.push("SELECT ").param().push(", ").param();
        assert_eq!(my.as_str(), "SELECT ?, ?");
    }

    proptest::proptest! {
        #[test]
        fn quoting_round_trips_and_never_leaves_a_lone_delimiter(name in "\\PC{0,80}") {
            for engine in [Engine::Postgres, Engine::Mysql, Engine::Sqlite] {
                let Ok(quoted) = quote_ident(engine, &name) else { continue };
                let delimiter = if engine == Engine::Mysql { '`' } else { '"' };
                let inner = &quoted[1..quoted.len() - 1];
                proptest::prop_assert!(quoted.starts_with(delimiter) && quoted.ends_with(delimiter));
                // Inside, delimiters come in pairs only.
                let mut unquoted = String::new();
                let mut chars = inner.chars();
                while let Some(c) = chars.next() {
                    if c == delimiter {
                        proptest::prop_assert_eq!(chars.next(), Some(delimiter));
                    }
                    unquoted.push(c);
                }
                proptest::prop_assert_eq!(&unquoted, &name);
            }
        }
    }
}
