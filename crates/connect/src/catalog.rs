//! The discovered schema as the connector uses it: a name index over
//! `LiveSchema`, and the class of each column, which decides how a key is bound and
//! how a value is read back.

use std::collections::HashMap;

use ombud_core::Engine;
use ombud_core::schema::{LiveColumn, LiveSchema, LiveTable};

/// The discovered tables with an index by name.
#[derive(Debug)]
pub(crate) struct Catalog {
    pub(crate) schema: LiveSchema,
    by_name: HashMap<String, usize>,
}

impl Catalog {
    pub(crate) fn new(schema: LiveSchema) -> Self {
        let by_name =
            schema.tables.iter().enumerate().map(|(index, t)| (t.name.clone(), index)).collect();
        Self { schema, by_name }
    }

    pub(crate) fn table(&self, name: &str) -> Option<&LiveTable> {
        self.by_name.get(name).and_then(|&index| self.schema.tables.get(index))
    }
}

/// How a column's values travel: which Rust type a key binds as, and whether the
/// column is read as itself or as its text form.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Class {
    /// Signed integers of any width.
    Int,
    /// MySQL unsigned integers (read as text: a BIGINT UNSIGNED may not fit an i64).
    UInt,
    Float,
    Bool,
    /// text, varchar, char (MySQL), text-affinity.
    Text,
    /// PostgreSQL `character(n)`: compared as bpchar so its index serves.
    Bpchar,
    /// PostgreSQL `uuid`: keys are bound as uuid so its index serves.
    Uuid,
    Bytes,
    /// Everything else: read and compared as text.
    Other,
}

pub(crate) fn classify(engine: Engine, column: &LiveColumn) -> Class {
    let data_type = column.data_type.as_str();
    match engine {
        Engine::Postgres => classify_postgres(data_type),
        Engine::Mysql => classify_mysql(data_type),
        Engine::Sqlite => classify_sqlite(data_type),
    }
}

fn classify_postgres(data_type: &str) -> Class {
    // format_type() spellings; arrays end in [] and fall to Other.
    match data_type {
        "smallint" | "integer" | "bigint" => Class::Int,
        "real" | "double precision" => Class::Float,
        "boolean" => Class::Bool,
        "text" => Class::Text,
        "bytea" => Class::Bytes,
        "uuid" => Class::Uuid,
        _ if data_type.starts_with("character varying") && !data_type.ends_with(']') => Class::Text,
        _ if data_type.starts_with("character") && !data_type.ends_with(']') => Class::Bpchar,
        _ => Class::Other,
    }
}

fn classify_mysql(data_type: &str) -> Class {
    // information_schema COLUMN_TYPE, lower case: `bigint(20) unsigned`, `varchar(254)`.
    let base = data_type.split(['(', ' ']).next().unwrap_or_default();
    let unsigned = data_type.contains("unsigned");
    match base {
        "tinyint" | "smallint" | "mediumint" | "int" | "integer" | "bigint" => {
            if unsigned {
                Class::UInt
            } else {
                Class::Int
            }
        }
        "float" | "double" | "real" => Class::Float,
        "char" | "varchar" | "tinytext" | "text" | "mediumtext" | "longtext" => Class::Text,
        "binary" | "varbinary" | "tinyblob" | "blob" | "mediumblob" | "longblob" => Class::Bytes,
        _ => Class::Other,
    }
}

fn classify_sqlite(data_type: &str) -> Class {
    // SQLite's affinity rules (https://www.sqlite.org/datatype3.html §3.1), in order.
    let upper = data_type.to_ascii_uppercase();
    if upper.contains("INT") {
        Class::Int
    } else if upper.contains("CHAR") || upper.contains("CLOB") || upper.contains("TEXT") {
        Class::Text
    } else if upper.contains("BLOB") || upper.is_empty() {
        Class::Bytes
    } else if upper.contains("REAL") || upper.contains("FLOA") || upper.contains("DOUB") {
        Class::Float
    } else {
        Class::Other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column(data_type: &str) -> LiveColumn {
        LiveColumn { name: "c".into(), data_type: data_type.into(), nullable: true }
    }

    #[test]
    fn postgres_types_classify_by_format_type_spelling() {
        assert_eq!(classify(Engine::Postgres, &column("bigint")), Class::Int);
        assert_eq!(classify(Engine::Postgres, &column("character varying(254)")), Class::Text);
        assert_eq!(classify(Engine::Postgres, &column("character(2)")), Class::Bpchar);
        assert_eq!(classify(Engine::Postgres, &column("character varying[]")), Class::Other);
        assert_eq!(classify(Engine::Postgres, &column("numeric(10,2)")), Class::Other);
        assert_eq!(classify(Engine::Postgres, &column("uuid")), Class::Uuid);
        assert_eq!(classify(Engine::Postgres, &column("timestamp with time zone")), Class::Other);
    }

    #[test]
    fn mysql_types_classify_by_column_type() {
        assert_eq!(classify(Engine::Mysql, &column("bigint(20)")), Class::Int);
        assert_eq!(classify(Engine::Mysql, &column("bigint(20) unsigned")), Class::UInt);
        assert_eq!(classify(Engine::Mysql, &column("varchar(254)")), Class::Text);
        assert_eq!(classify(Engine::Mysql, &column("decimal(10,2)")), Class::Other);
        assert_eq!(classify(Engine::Mysql, &column("enum('a','b')")), Class::Other);
    }

    #[test]
    fn sqlite_types_classify_by_affinity() {
        assert_eq!(classify(Engine::Sqlite, &column("integer")), Class::Int);
        assert_eq!(classify(Engine::Sqlite, &column("varchar(10)")), Class::Text);
        assert_eq!(classify(Engine::Sqlite, &column("")), Class::Bytes);
        assert_eq!(classify(Engine::Sqlite, &column("date")), Class::Other);
    }
}
