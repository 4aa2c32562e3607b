//! The live schema of a company database, as discovery reads it: tables, columns with
//! their types, primary keys, foreign keys and indexes.
//!
//! It is plain data so that the connectors (which read it from a catalog) and the
//! program crate (which proposes manifest annotations from it and checks a manifest
//! against it) share one description without either knowing the other.

/// The tables of one database (one schema of it), sorted by name.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LiveSchema {
    /// Tables, sorted by name.
    pub tables: Vec<LiveTable>,
}

/// One table.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LiveTable {
    /// Its name, as the database spells it.
    pub name: String,
    /// Columns in their declared order.
    pub columns: Vec<LiveColumn>,
    /// Primary-key columns in key order; empty when the table has none.
    pub primary_key: Vec<String>,
    /// Foreign keys declared on this table.
    pub foreign_keys: Vec<LiveForeignKey>,
    /// Indexes (including the primary key's and unique constraints').
    pub indexes: Vec<LiveIndex>,
}

/// One column.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LiveColumn {
    /// Its name.
    pub name: String,
    /// The engine's type name, lower case (`bigint`, `character varying(254)`, `text`).
    pub data_type: String,
    /// Whether it accepts NULL.
    pub nullable: bool,
}

/// A foreign key: `columns` of this table reference `target_columns` of `target_table`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LiveForeignKey {
    /// Referencing columns, in key order.
    pub columns: Vec<String>,
    /// The referenced table.
    pub target_table: String,
    /// The referenced columns, in key order.
    pub target_columns: Vec<String>,
}

/// An index.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LiveIndex {
    /// Its name.
    pub name: String,
    /// Its columns in index order (expression indexes are left out).
    pub columns: Vec<String>,
    /// Whether it is unique.
    pub unique: bool,
}

impl LiveSchema {
    /// The table of this name, if the database has it.
    pub fn table(&self, name: &str) -> Option<&LiveTable> {
        self.tables.iter().find(|table| table.name == name)
    }
}

impl LiveTable {
    /// The column of this name, if the table has it.
    pub fn column(&self, name: &str) -> Option<&LiveColumn> {
        self.columns.iter().find(|column| column.name == name)
    }

    /// Whether a lookup by `column` can use an index: some index (or the primary key)
    /// starts with it.
    pub fn is_indexed(&self, column: &str) -> bool {
        self.primary_key.first().is_some_and(|first| first == column)
            || self.indexes.iter().any(|index| index.columns.first().is_some_and(|c| c == column))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_column_is_indexed_only_when_an_index_starts_with_it() {
        let table = LiveTable {
            name: "orders".into(),
            primary_key: vec!["id".into()],
            indexes: vec![LiveIndex {
                name: "orders_customer_placed".into(),
                columns: vec!["customer_id".into(), "placed_at".into()],
                unique: false,
            }],
            ..LiveTable::default()
        };
        assert!(table.is_indexed("id"));
        assert!(table.is_indexed("customer_id"));
        // The second column of an index does not serve a lookup by itself.
        assert!(!table.is_indexed("placed_at"));
        assert!(!table.is_indexed("status"));
    }
}
