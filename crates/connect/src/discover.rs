//! Discovery: reading tables, columns, keys and indexes from each engine's catalog
//! into the plain `LiveSchema` that the manifest checks and the planner share.
//!
//! Each engine answers four catalog queries (columns, primary keys and indexes,
//! foreign keys, tables); one assembler turns the rows into the schema, so the
//! engines differ only in where they look. Everything is sorted here, by byte order,
//! not by the server's collation, so the same database always gives the same schema.

use std::collections::BTreeMap;

use ombud_core::Engine;
use ombud_core::schema::{LiveColumn, LiveForeignKey, LiveIndex, LiveSchema, LiveTable};

use crate::value::Value;

/// The catalog queries of one engine. Each is a literal: the current schema is the
/// server's own notion (current_schema(), DATABASE(), main), never a parameter.
pub(crate) struct CatalogQueries {
    /// table
    pub(crate) tables: &'static str,
    /// table, column, data type, nullable, ordinal
    pub(crate) columns: &'static str,
    /// table, index, unique, primary, ordinal, column (NULL for an expression)
    pub(crate) indexes: &'static str,
    /// table, constraint, target table, ordinal, column, target column (NULL: the target's primary key)
    pub(crate) foreign_keys: &'static str,
}

pub(crate) fn queries(engine: Engine) -> &'static CatalogQueries {
    match engine {
        Engine::Postgres => &POSTGRES,
        Engine::Mysql => &MYSQL,
        Engine::Sqlite => &SQLITE,
    }
}

const POSTGRES: CatalogQueries = CatalogQueries {
    tables: "SELECT c.relname::text FROM pg_catalog.pg_class c \
        JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
        WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND NOT c.relispartition",
    columns: "SELECT c.relname::text, a.attname::text, \
        pg_catalog.format_type(a.atttypid, a.atttypmod), NOT a.attnotnull, a.attnum::int8 \
        FROM pg_catalog.pg_attribute a \
        JOIN pg_catalog.pg_class c ON c.oid = a.attrelid \
        JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
        WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') \
        AND a.attnum > 0 AND NOT a.attisdropped",
    // Partial indexes (indpred) are left out: they do not serve every lookup.
    indexes: "SELECT t.relname::text, i.relname::text, ix.indisunique, ix.indisprimary, \
        k.ord::int8, a.attname::text \
        FROM pg_catalog.pg_index ix \
        JOIN pg_catalog.pg_class t ON t.oid = ix.indrelid \
        JOIN pg_catalog.pg_class i ON i.oid = ix.indexrelid \
        JOIN pg_catalog.pg_namespace n ON n.oid = t.relnamespace \
        CROSS JOIN LATERAL unnest(ix.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord) \
        LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum \
        WHERE n.nspname = current_schema() AND ix.indpred IS NULL \
        AND k.ord <= ix.indnkeyatts",
    foreign_keys: "SELECT src.relname::text, c.conname::text, tgt.relname::text, k.ord::int8, \
        sa.attname::text, ta.attname::text \
        FROM pg_catalog.pg_constraint c \
        JOIN pg_catalog.pg_class src ON src.oid = c.conrelid \
        JOIN pg_catalog.pg_namespace n ON n.oid = src.relnamespace \
        JOIN pg_catalog.pg_class tgt ON tgt.oid = c.confrelid \
        CROSS JOIN LATERAL unnest(c.conkey, c.confkey) WITH ORDINALITY AS k(src_attnum, tgt_attnum, ord) \
        JOIN pg_catalog.pg_attribute sa ON sa.attrelid = c.conrelid AND sa.attnum = k.src_attnum \
        JOIN pg_catalog.pg_attribute ta ON ta.attrelid = c.confrelid AND ta.attnum = k.tgt_attnum \
        WHERE c.contype = 'f' AND n.nspname = current_schema()",
};

const MYSQL: CatalogQueries = CatalogQueries {
    tables: "SELECT TABLE_NAME FROM information_schema.TABLES \
        WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE'",
    columns: "SELECT TABLE_NAME, COLUMN_NAME, LOWER(COLUMN_TYPE), IS_NULLABLE = 'YES', \
        ORDINAL_POSITION FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE()",
    indexes: "SELECT TABLE_NAME, INDEX_NAME, NON_UNIQUE = 0, INDEX_NAME = 'PRIMARY', \
        SEQ_IN_INDEX, COLUMN_NAME FROM information_schema.STATISTICS \
        WHERE TABLE_SCHEMA = DATABASE()",
    foreign_keys: "SELECT TABLE_NAME, CONSTRAINT_NAME, REFERENCED_TABLE_NAME, ORDINAL_POSITION, \
        COLUMN_NAME, REFERENCED_COLUMN_NAME FROM information_schema.KEY_COLUMN_USAGE \
        WHERE TABLE_SCHEMA = DATABASE() AND REFERENCED_TABLE_NAME IS NOT NULL",
};

const SQLITE: CatalogQueries = CatalogQueries {
    tables: "SELECT name FROM main.sqlite_schema \
        WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'",
    columns: "SELECT m.name, p.name, lower(p.type), p.\"notnull\" = 0, p.cid \
        FROM main.sqlite_schema AS m JOIN pragma_table_info(m.name, 'main') AS p \
        WHERE m.type = 'table'",
    // The primary key of a rowid table has no index row: its columns come from
    // table_info's pk column, as an index named after the table with ordinal pk.
    indexes: "SELECT m.name, il.name, il.\"unique\", il.origin = 'pk', ii.seqno, ii.name \
        FROM main.sqlite_schema AS m JOIN pragma_index_list(m.name, 'main') AS il \
        JOIN pragma_index_info(il.name, 'main') AS ii \
        WHERE m.type = 'table' AND il.partial = 0 \
        UNION ALL \
        SELECT m.name, '', 1, 1, p.pk, p.name \
        FROM main.sqlite_schema AS m JOIN pragma_table_info(m.name, 'main') AS p \
        WHERE m.type = 'table' AND p.pk > 0",
    foreign_keys: "SELECT m.name, fk.id, fk.\"table\", fk.seq, fk.\"from\", fk.\"to\" \
        FROM main.sqlite_schema AS m JOIN pragma_foreign_key_list(m.name, 'main') AS fk \
        WHERE m.type = 'table'",
};

fn text(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::Text(text) => Some(text.clone()),
        Value::Bytes(bytes) => Some(String::from_utf8_lossy(bytes).into_owned()),
        Value::Int(int) => Some(int.to_string()),
        Value::Null | Value::Bool(_) | Value::Float(_) => None,
    }
}

fn int(value: Option<&Value>) -> i64 {
    match value {
        Some(Value::Int(int)) => *int,
        Some(Value::Bool(flag)) => i64::from(*flag),
        Some(Value::Text(text)) => text.parse().unwrap_or(0),
        _ => 0,
    }
}

fn flag(value: Option<&Value>) -> bool {
    int(value) != 0
}

/// The rows of the four catalog queries.
pub(crate) struct CatalogRows {
    pub(crate) tables: Vec<Vec<Value>>,
    pub(crate) columns: Vec<Vec<Value>>,
    pub(crate) indexes: Vec<Vec<Value>>,
    pub(crate) foreign_keys: Vec<Vec<Value>>,
}

/// Turns catalog rows into a sorted `LiveSchema`.
pub(crate) fn assemble(rows: &CatalogRows) -> LiveSchema {
    let mut tables: BTreeMap<String, LiveTable> = BTreeMap::new();
    for row in &rows.tables {
        if let Some(name) = text(row.first()) {
            tables.insert(name.clone(), LiveTable { name, ..LiveTable::default() });
        }
    }

    let mut columns: BTreeMap<String, Vec<(i64, LiveColumn)>> = BTreeMap::new();
    for row in &rows.columns {
        let (Some(table), Some(name)) = (text(row.first()), text(row.get(1))) else { continue };
        let data_type = text(row.get(2)).unwrap_or_default();
        let column = LiveColumn { name, data_type, nullable: flag(row.get(3)) };
        columns.entry(table).or_default().push((int(row.get(4)), column));
    }

    // (table, index) → unique, primary, [(ordinal, column or None for an expression)]
    type IndexParts = (bool, bool, Vec<(i64, Option<String>)>);
    let mut indexes: BTreeMap<(String, String), IndexParts> = BTreeMap::new();
    for row in &rows.indexes {
        let (Some(table), Some(index)) = (text(row.first()), text(row.get(1))) else { continue };
        let entry = indexes.entry((table, index)).or_insert((false, false, Vec::new()));
        entry.0 = flag(row.get(2));
        entry.1 = flag(row.get(3));
        entry.2.push((int(row.get(4)), text(row.get(5))));
    }

    // (table, constraint) → target, [(ordinal, column, target column)]
    type ForeignKeyParts = (String, Vec<(i64, String, Option<String>)>);
    let mut foreign_keys: BTreeMap<(String, String), ForeignKeyParts> = BTreeMap::new();
    for row in &rows.foreign_keys {
        let (Some(table), Some(constraint), Some(target), Some(column)) =
            (text(row.first()), text(row.get(1)), text(row.get(2)), text(row.get(4)))
        else {
            continue;
        };
        let entry = foreign_keys.entry((table, constraint)).or_insert((target, Vec::new()));
        entry.1.push((int(row.get(3)), column, text(row.get(5))));
    }

    for (table_name, mut list) in columns {
        if let Some(table) = tables.get_mut(&table_name) {
            list.sort_by_key(|(ordinal, _)| *ordinal);
            table.columns = list.into_iter().map(|(_, column)| column).collect();
        }
    }
    for ((table_name, index_name), (unique, primary, mut parts)) in indexes {
        let Some(table) = tables.get_mut(&table_name) else { continue };
        parts.sort_by_key(|(ordinal, _)| *ordinal);
        // An index over an expression does not serve a lookup by a column.
        let Some(columns) = parts.into_iter().map(|(_, column)| column).collect::<Option<Vec<_>>>()
        else {
            continue;
        };
        if primary {
            if table.primary_key.is_empty() {
                table.primary_key.clone_from(&columns);
            }
            // SQLite's rowid primary key has no index of its own (an empty name).
            if index_name.is_empty() {
                continue;
            }
        }
        table.indexes.push(LiveIndex { name: index_name, columns, unique });
    }
    let primary_keys: BTreeMap<String, Vec<String>> =
        tables.iter().map(|(name, table)| (name.clone(), table.primary_key.clone())).collect();
    for ((table_name, _), (target_table, mut parts)) in foreign_keys {
        let Some(table) = tables.get_mut(&table_name) else { continue };
        parts.sort_by_key(|(ordinal, _, _)| *ordinal);
        let columns = parts.iter().map(|(_, column, _)| column.clone()).collect();
        // SQLite lets `REFERENCES t` name no column: it means t's primary key.
        let target_columns =
            match parts.iter().map(|(_, _, t)| t.clone()).collect::<Option<Vec<_>>>() {
                Some(target_columns) => target_columns,
                None => primary_keys.get(&target_table).cloned().unwrap_or_default(),
            };
        table.foreign_keys.push(LiveForeignKey { columns, target_table, target_columns });
    }
    for table in tables.values_mut() {
        table.indexes.sort_by(|a, b| a.name.cmp(&b.name));
    }
    LiveSchema { tables: tables.into_values().collect() }
}
