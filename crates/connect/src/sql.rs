//! Building the few statements a connector runs — a lookup by key, a delete by key,
//! an update by key — from catalog-checked names and bound values.
//!
//! Keys are converted to the column's class before binding, so a PostgreSQL
//! `bigint` column is compared with an `int8[]` and its index serves, and a key that
//! cannot equal any value of the column (text that is not a number, against an
//! integer column) is dropped here instead of failing the whole batch.

use std::collections::HashSet;

use ombud_core::Engine;
use ombud_core::schema::LiveTable;

use crate::catalog::{Catalog, Class, classify};
use crate::conn::{Arg, Statement};
use crate::error::ConnectError;
use crate::ident::{Ident, SqlText};
use crate::value::Value;

/// A column resolved against the catalog: quoted, with its class.
#[derive(Clone, Debug)]
pub(crate) struct Column {
    pub(crate) name: String,
    pub(crate) ident: Ident,
    pub(crate) class: Class,
}

/// A table resolved against the catalog.
#[derive(Clone, Debug)]
pub(crate) struct Table {
    pub(crate) engine: Engine,
    pub(crate) ident: Ident,
}

fn quote(engine: Engine, system: &str, table: &str, name: &str) -> Result<Ident, ConnectError> {
    Ident::new(engine, name).map_err(|error| ConnectError::Unsupported {
        system: system.to_owned(),
        table: table.to_owned(),
        what: format!("the name `{name}` cannot be quoted: {error}"),
    })
}

pub(crate) fn resolve_table<'c>(
    engine: Engine,
    catalog: &'c Catalog,
    system: &str,
    table: &str,
) -> Result<(&'c LiveTable, Table), ConnectError> {
    let live = catalog.table(table).ok_or_else(|| ConnectError::UnknownTable {
        system: system.to_owned(),
        table: table.to_owned(),
    })?;
    Ok((live, Table { engine, ident: quote(engine, system, table, table)? }))
}

pub(crate) fn resolve_column(
    engine: Engine,
    live: &LiveTable,
    system: &str,
    column: &str,
) -> Result<Column, ConnectError> {
    let found = live.column(column).ok_or_else(|| ConnectError::UnknownColumn {
        system: system.to_owned(),
        table: live.name.clone(),
        column: column.to_owned(),
    })?;
    Ok(Column {
        name: column.to_owned(),
        ident: quote(engine, system, &live.name, column)?,
        class: classify(engine, found),
    })
}

/// A key converted for binding; hashable so that duplicates are sent once (a key
/// repeated across batches would otherwise return its rows twice).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Key {
    Int(i64),
    UInt(u64),
    Text(String),
    Bytes(Vec<u8>),
}

/// Converts keys for a column, dropping the ones that cannot match and duplicates.
pub(crate) fn keys_for(engine: Engine, class: Class, keys: &[Value]) -> Vec<Key> {
    let mut seen = HashSet::new();
    keys.iter()
        .filter_map(|key| key_for(engine, class, key))
        .filter(|key| seen.insert(key.clone()))
        .collect()
}

fn key_for(engine: Engine, class: Class, key: &Value) -> Option<Key> {
    match (engine, class, key) {
        (_, _, Value::Null | Value::Float(_)) => None,
        // SQLite converts by the column's affinity itself (and a text key in an
        // integer column may match text stored there), so keys travel as they are.
        (Engine::Sqlite, _, Value::Int(int)) => Some(Key::Int(*int)),
        (Engine::Sqlite, _, Value::Bool(flag)) => Some(Key::Int(i64::from(*flag))),
        (Engine::Sqlite, _, Value::Text(text)) => Some(Key::Text(text.clone())),
        (Engine::Sqlite, _, Value::Bytes(bytes)) => Some(Key::Bytes(bytes.clone())),

        (_, Class::Int, Value::Int(int)) => Some(Key::Int(*int)),
        (_, Class::Int, Value::Text(text)) => text.parse().ok().map(Key::Int),
        (Engine::Mysql, Class::Int, Value::Bool(flag)) => Some(Key::Int(i64::from(*flag))),
        (_, Class::UInt, Value::Int(int)) => u64::try_from(*int).ok().map(Key::UInt),
        (_, Class::UInt, Value::Text(text)) => text.parse().ok().map(Key::UInt),
        (_, Class::Int | Class::UInt, _) => None,

        (_, Class::Bytes, Value::Bytes(bytes)) => Some(Key::Bytes(bytes.clone())),
        (_, Class::Bytes, Value::Text(text)) => Some(Key::Bytes(text.as_bytes().to_vec())),
        (_, Class::Bytes, _) => None,

        (Engine::Postgres, Class::Uuid, Value::Text(text)) => canonical_uuid(text).map(Key::Text),
        (Engine::Postgres, Class::Uuid, _) => None,

        // PostgreSQL text cannot hold NUL, so a key with one matches nothing: drop it
        // rather than let the server refuse the whole batch (docs/connectors.md).
        (Engine::Postgres, _, Value::Text(text)) if text.contains('\0') => None,
        (_, _, Value::Text(text)) => Some(Key::Text(text.clone())),
        (_, _, Value::Int(int)) => Some(Key::Text(int.to_string())),
        (_, _, Value::Bool(flag)) => Some(Key::Text(flag.to_string())),
        (_, _, Value::Bytes(_)) => None,
    }
}

/// A uuid in PostgreSQL's input forms (hyphens anywhere between groups of four,
/// optional braces) as 32 hex digits, or `None` when it is not one.
fn canonical_uuid(text: &str) -> Option<String> {
    let inner = text.strip_prefix('{').and_then(|t| t.strip_suffix('}')).unwrap_or(text);
    let digits: String = inner.chars().filter(|c| *c != '-').collect();
    (digits.len() == 32 && digits.chars().all(|c| c.is_ascii_hexdigit())).then_some(digits)
}

/// Appends `<column> = ANY($n::type[])` (PostgreSQL) or `<column> IN (?, …)` and
/// binds the keys.
fn push_key_filter(
    sql: &mut SqlText,
    args: &mut Vec<Arg>,
    engine: Engine,
    column: &Column,
    keys: &[Key],
) {
    match engine {
        Engine::Postgres => {
            // The cast names a fixed type per class, never a catalog string.
            let (expression_text, array_type) = match column.class {
                Class::Int => (false, "::int8[])"),
                Class::Text => (false, "::text[])"),
                Class::Bpchar => (false, "::bpchar[])"),
                Class::Uuid => (false, "::uuid[])"),
                Class::Bytes => (false, "::bytea[])"),
                Class::UInt | Class::Float | Class::Bool | Class::Other => (true, "::text[])"),
            };
            sql.ident(&column.ident);
            if expression_text {
                sql.push("::text");
            }
            sql.push(" = ANY(").param().push(array_type);
            args.push(match column.class {
                Class::Int => Arg::IntArray(keys.iter().filter_map(key_int).collect()),
                Class::Bytes => Arg::BytesArray(
                    keys.iter()
                        .filter_map(|k| if let Key::Bytes(b) = k { Some(b.clone()) } else { None })
                        .collect(),
                ),
                _ => Arg::TextArray(
                    keys.iter()
                        .filter_map(|k| if let Key::Text(t) = k { Some(t.clone()) } else { None })
                        .collect(),
                ),
            });
        }
        Engine::Mysql | Engine::Sqlite => {
            sql.ident(&column.ident).push(" IN (");
            for (index, key) in keys.iter().enumerate() {
                if index > 0 {
                    sql.push(", ");
                }
                sql.param();
                // MySQL compares by the column's collation, often case-insensitive;
                // keys are compared exactly (docs/connectors.md). utf8mb4_bin keeps
                // the index of a utf8mb4 column usable.
                if engine == Engine::Mysql && column.class == Class::Text {
                    sql.push(" COLLATE utf8mb4_bin");
                }
                args.push(match key {
                    Key::Int(v) => Arg::Int(*v),
                    Key::UInt(v) => Arg::UInt(*v),
                    Key::Text(v) => Arg::Text(v.clone()),
                    Key::Bytes(v) => Arg::Bytes(v.clone()),
                });
            }
            sql.push(")");
        }
    }
}

fn key_int(key: &Key) -> Option<i64> {
    match key {
        Key::Int(v) => Some(*v),
        _ => None,
    }
}

/// Appends a column to a select list, as itself or as its text form.
fn push_output_column(sql: &mut SqlText, engine: Engine, column: &Column) {
    match (engine, column.class) {
        (Engine::Postgres, Class::Uuid | Class::Other | Class::UInt) => {
            sql.ident(&column.ident).push("::text");
        }
        // Text too: a column with a binary collation (`utf8mb4_bin`) is reported to the
        // client as VARBINARY and would come back as bytes; its text form is text.
        (
            Engine::Mysql,
            Class::Text | Class::UInt | Class::Other | Class::Bool | Class::Uuid | Class::Bpchar,
        ) => {
            sql.push("CAST(").ident(&column.ident).push(" AS CHAR)");
        }
        _ => {
            sql.ident(&column.ident);
        }
    }
}

/// `SELECT columns FROM table WHERE key IN keys LIMIT limit [FOR UPDATE]`.
pub(crate) fn select(
    table: &Table,
    columns: &[Column],
    filter: &Column,
    keys: &[Key],
    limit: u32,
    for_update: bool,
) -> Statement {
    let engine = table.engine;
    let mut sql = SqlText::new(engine);
    let mut args = Vec::new();
    sql.push("SELECT ");
    for (index, column) in columns.iter().enumerate() {
        if index > 0 {
            sql.push(", ");
        }
        push_output_column(&mut sql, engine, column);
    }
    sql.push(" FROM ").ident(&table.ident).push(" WHERE ");
    push_key_filter(&mut sql, &mut args, engine, filter, keys);
    sql.push(" LIMIT ").param();
    args.push(Arg::Int(i64::from(limit)));
    if for_update && engine != Engine::Sqlite {
        sql.push(" FOR UPDATE");
    }
    Statement { sql, args }
}

/// `DELETE FROM table WHERE key IN keys`.
pub(crate) fn delete(table: &Table, filter: &Column, keys: &[Key]) -> Statement {
    let mut sql = SqlText::new(table.engine);
    let mut args = Vec::new();
    sql.push("DELETE FROM ").ident(&table.ident).push(" WHERE ");
    push_key_filter(&mut sql, &mut args, table.engine, filter, keys);
    Statement { sql, args }
}

/// `UPDATE table SET c = v, … WHERE key IN keys`.
///
/// On PostgreSQL the new values travel as one JSON object read by
/// `json_populate_record(NULL::table, $1)`, which converts each value with its
/// column's own input function: that is how a text value reaches a `date`, `numeric`,
/// enum or domain column without a cast naming the type in SQL.
pub(crate) fn update(
    table: &Table,
    set: &[(Column, Value)],
    filter: &Column,
    keys: &[Key],
) -> Statement {
    let engine = table.engine;
    let mut sql = SqlText::new(engine);
    let mut args = Vec::new();
    sql.push("UPDATE ").ident(&table.ident).push(" SET ");
    match engine {
        Engine::Postgres => {
            for (index, (column, _)) in set.iter().enumerate() {
                if index > 0 {
                    sql.push(", ");
                }
                sql.ident(&column.ident).push(" = ombud_new.").ident(&column.ident);
            }
            sql.push(" FROM json_populate_record(NULL::")
                .ident(&table.ident)
                .push(", ")
                .param()
                .push("::json) AS ombud_new WHERE ")
                .ident(&table.ident)
                .push(".");
            args.push(Arg::Text(json_object(set)));
        }
        Engine::Mysql | Engine::Sqlite => {
            for (index, (column, value)) in set.iter().enumerate() {
                if index > 0 {
                    sql.push(", ");
                }
                sql.ident(&column.ident).push(" = ").param();
                args.push(Arg::from(value));
            }
            sql.push(" WHERE ");
        }
    }
    push_key_filter(&mut sql, &mut args, engine, filter, keys);
    Statement { sql, args }
}

/// A JSON object of column → value, for `json_populate_record`.
fn json_object(set: &[(Column, Value)]) -> String {
    let mut json = String::from("{");
    for (index, (column, value)) in set.iter().enumerate() {
        if index > 0 {
            json.push(',');
        }
        json_string(&mut json, &column.name);
        json.push(':');
        match value {
            Value::Null => json.push_str("null"),
            Value::Bool(flag) => json.push_str(if *flag { "true" } else { "false" }),
            Value::Int(int) => json.push_str(&int.to_string()),
            Value::Float(float) if float.is_finite() => json.push_str(&float.to_string()),
            // NaN and infinities are not JSON numbers; PostgreSQL reads them as text.
            Value::Float(float) => {
                json_string(&mut json, &float.to_string().replace("inf", "Infinity"))
            }
            Value::Text(text) => json_string(&mut json, text),
            Value::Bytes(bytes) => {
                let mut hex = String::with_capacity(2 + bytes.len() * 2);
                hex.push_str("\\x");
                for byte in bytes {
                    hex.push_str(&format!("{byte:02x}"));
                }
                json_string(&mut json, &hex);
            }
        }
    }
    json.push('}');
    json
}

fn json_string(out: &mut String, text: &str) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn column(engine: Engine, name: &str, class: Class) -> Column {
        Column { name: name.into(), ident: Ident::new(engine, name).unwrap(), class }
    }

    #[test]
    fn postgres_binds_integer_keys_as_an_int8_array_and_drops_non_numbers() {
        let table = Table {
            engine: Engine::Postgres,
            ident: Ident::new(Engine::Postgres, "users").unwrap(),
        };
        let id = column(Engine::Postgres, "id", Class::Int);
        let keys = keys_for(
            Engine::Postgres,
            Class::Int,
            &["42".into(), Value::Int(42), "x".into(), Value::Int(7)],
        );
        assert_eq!(keys, vec![Key::Int(42), Key::Int(7)]);
        let statement = select(&table, std::slice::from_ref(&id), &id, &keys, 10, false);
        assert_eq!(
            statement.sql.as_str(),
            r#"SELECT "id" FROM "users" WHERE "id" = ANY($1::int8[]) LIMIT $2"#
        );
    }

    #[test]
    fn mysql_compares_text_exactly_and_reads_other_types_as_text() {
        let table = Table {
            engine: Engine::Mysql,
            ident: Ident::new(Engine::Mysql, "Order Items").unwrap(),
        };
        let email = column(Engine::Mysql, "email", Class::Text);
        let total = column(Engine::Mysql, "total", Class::Other);
        let keys =
            keys_for(Engine::Mysql, Class::Text, &["a@example.com".into(), "b@example.com".into()]);
        let statement = select(&table, &[email.clone(), total], &email, &keys, 5, true);
        assert_eq!(
            statement.sql.as_str(),
            "SELECT CAST(`email` AS CHAR), CAST(`total` AS CHAR) FROM `Order Items` WHERE `email` IN (? COLLATE utf8mb4_bin, ? COLLATE utf8mb4_bin) LIMIT ? FOR UPDATE"
        );
    }

    #[test]
    fn postgres_updates_go_through_json_populate_record() {
        let table = Table {
            engine: Engine::Postgres,
            ident: Ident::new(Engine::Postgres, "user\"s").unwrap(),
        };
        let id = column(Engine::Postgres, "id", Class::Int);
        let email = column(Engine::Postgres, "e\"mail", Class::Text);
        let statement = update(&table, &[(email, Value::from("x\"\n"))], &id, &[Key::Int(1)]);
        assert_eq!(
            statement.sql.as_str(),
            r#"UPDATE "user""s" SET "e""mail" = ombud_new."e""mail" FROM json_populate_record(NULL::"user""s", $1::json) AS ombud_new WHERE "user""s"."id" = ANY($2::int8[])"#
        );
        let Some(Arg::Text(json)) = statement.args.first() else { panic!("no json") };
        assert_eq!(json, r#"{"e\"mail":"x\"\u000a"}"#);
    }

    #[test]
    fn uuids_are_accepted_in_postgres_input_forms_only() {
        assert!(canonical_uuid("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11").is_some());
        assert!(canonical_uuid("{a0eebc999c0b4ef8bb6d6bb9bd380a11}").is_some());
        assert!(canonical_uuid("not-a-uuid").is_none());
        assert!(canonical_uuid("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1").is_none());
    }

    #[test]
    fn nul_keys_are_dropped_for_postgres_text_only() {
        let keys = [Value::from("a\0b")];
        assert!(keys_for(Engine::Postgres, Class::Text, &keys).is_empty());
        assert_eq!(keys_for(Engine::Mysql, Class::Text, &keys).len(), 1);
        assert_eq!(keys_for(Engine::Sqlite, Class::Text, &keys).len(), 1);
    }
}
