//! The reference schema as data: eight tables, their columns and foreign keys, and the
//! DDL each engine gets from them. The names are the same on every engine; the types
//! are adapted (SQLite's `INTEGER PRIMARY KEY` is its 64-bit rowid, MariaDB has
//! `DATETIME` where the others have `TIMESTAMP`).
//!
//! The DDL comes in two parts, because a bulk load is several times faster into bare
//! tables: [`Ddl::create`] before the load, then [`Ddl::indexes`] (with PostgreSQL's
//! primary keys), [`Ddl::foreign_keys`] and [`Ddl::validate`] after it.
//! Every identifier here is a constant of this module, never input.

use ombud_core::reference::Engine;

/// The eight tables of the reference schema.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Table {
    /// `customer`: one row per customer, the root of every other table.
    Customer,
    /// `address`: shipping and billing addresses.
    Address,
    /// `login_session`: sign-ins, with IP address and user agent.
    LoginSession,
    /// `orders`: orders placed (`order` is a reserved word).
    Orders,
    /// `order_item`: the lines of an order; reaches the customer through `orders`.
    OrderItem,
    /// `payment_card`: a tokenized card.
    PaymentCard,
    /// `support_ticket`: messages to support, free text.
    SupportTicket,
    /// `marketing_subscription`: list subscriptions, also of people who are not
    /// customers (`customer_id` NULL).
    MarketingSubscription,
}

/// The names of the eight tables, parents before children.
pub const TABLES: [&str; 8] = [
    "customer",
    "address",
    "login_session",
    "orders",
    "order_item",
    "payment_card",
    "support_ticket",
    "marketing_subscription",
];

/// The type of a column, before the engine adapts it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColumnType {
    /// A 64-bit integer (ids, amounts in cents).
    BigInt,
    /// A 32-bit integer.
    Int,
    /// Variable-length text of at most this many characters.
    Varchar(u16),
    /// Fixed-length text.
    Char(u16),
    /// Unbounded text.
    Text,
    /// A calendar date.
    Date,
    /// A date and time without time zone (UTC by convention).
    Timestamp,
}

/// A column of the reference schema.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Column {
    /// Its name.
    pub name: &'static str,
    /// Its type.
    pub ty: ColumnType,
    /// Whether it may be NULL.
    pub nullable: bool,
    /// The `(table, column)` it references, for a foreign key.
    pub references: Option<(&'static str, &'static str)>,
}

const fn col(name: &'static str, ty: ColumnType) -> Column {
    Column { name, ty, nullable: false, references: None }
}

const fn null(name: &'static str, ty: ColumnType) -> Column {
    Column { name, ty, nullable: true, references: None }
}

const fn fk(name: &'static str, table: &'static str, nullable: bool) -> Column {
    Column { name, ty: ColumnType::BigInt, nullable, references: Some((table, "id")) }
}

use ColumnType::{BigInt, Char, Date, Int, Text, Timestamp, Varchar};

const ID: Column = col("id", BigInt);

const CUSTOMER: [Column; 7] = [
    ID,
    col("email", Varchar(254)),
    null("phone", Varchar(32)),
    col("full_name", Varchar(200)),
    null("birth_date", Date),
    col("loyalty_tier", Varchar(16)),
    col("created_at", Timestamp),
];
const ADDRESS: [Column; 8] = [
    ID,
    fk("customer_id", "customer", false),
    col("kind", Varchar(16)),
    col("line1", Varchar(200)),
    col("city", Varchar(100)),
    col("region", Varchar(64)),
    col("postal_code", Varchar(16)),
    col("country", Char(2)),
];
const LOGIN_SESSION: [Column; 5] = [
    ID,
    fk("customer_id", "customer", false),
    col("ip_address", Varchar(45)),
    col("user_agent", Varchar(300)),
    col("started_at", Timestamp),
];
const ORDERS: [Column; 6] = [
    ID,
    fk("customer_id", "customer", false),
    col("placed_at", Timestamp),
    col("status", Varchar(16)),
    col("total_cents", BigInt),
    col("ship_to_name", Varchar(200)),
];
const ORDER_ITEM: [Column; 6] = [
    ID,
    fk("order_id", "orders", false),
    col("sku", Varchar(32)),
    col("description", Varchar(200)),
    col("quantity", Int),
    col("price_cents", BigInt),
];
const PAYMENT_CARD: [Column; 6] = [
    ID,
    fk("customer_id", "customer", false),
    col("brand", Varchar(16)),
    col("last4", Char(4)),
    col("expiry", Varchar(7)),
    col("card_token", Varchar(64)),
];
const SUPPORT_TICKET: [Column; 5] = [
    ID,
    fk("customer_id", "customer", false),
    col("opened_at", Timestamp),
    col("subject", Varchar(200)),
    col("body", Text),
];
const MARKETING_SUBSCRIPTION: [Column; 5] = [
    ID,
    fk("customer_id", "customer", true),
    col("email", Varchar(254)),
    col("list_id", Varchar(32)),
    col("subscribed_at", Timestamp),
];

impl Table {
    /// Every table, parents before children.
    pub const ALL: [Table; 8] = [
        Table::Customer,
        Table::Address,
        Table::LoginSession,
        Table::Orders,
        Table::OrderItem,
        Table::PaymentCard,
        Table::SupportTicket,
        Table::MarketingSubscription,
    ];

    /// The table's name in the database.
    pub fn name(self) -> &'static str {
        TABLES[self as usize]
    }

    /// The table named `name`, if it is one of the eight.
    pub fn from_name(name: &str) -> Option<Table> {
        Table::ALL.into_iter().find(|t| t.name() == name)
    }

    /// The columns, `id` (the primary key) first.
    pub fn columns(self) -> &'static [Column] {
        match self {
            Table::Customer => &CUSTOMER,
            Table::Address => &ADDRESS,
            Table::LoginSession => &LOGIN_SESSION,
            Table::Orders => &ORDERS,
            Table::OrderItem => &ORDER_ITEM,
            Table::PaymentCard => &PAYMENT_CARD,
            Table::SupportTicket => &SUPPORT_TICKET,
            Table::MarketingSubscription => &MARKETING_SUBSCRIPTION,
        }
    }

    /// The columns that get a secondary index: every foreign key, and the identity
    /// columns fulfilment looks people up by. Fulfilment is an index lookup at every
    /// step, whatever the number of customers.
    pub fn indexed_columns(self) -> Vec<&'static str> {
        let mut columns: Vec<&'static str> =
            self.columns().iter().filter(|c| c.references.is_some()).map(|c| c.name).collect();
        match self {
            Table::Customer => columns.extend(["email", "phone"]),
            Table::MarketingSubscription => columns.push("email"),
            _ => {}
        }
        columns
    }

    /// The comma-separated column list, for INSERT and COPY.
    pub(crate) fn column_list(self) -> String {
        self.columns().iter().map(|c| c.name).collect::<Vec<_>>().join(", ")
    }
}

/// The statements that build the schema on one engine, in the order they run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ddl {
    /// Before the load: the tables, with what cannot be added later (SQLite's foreign
    /// keys, InnoDB's clustered primary keys).
    pub create: Vec<String>,
    /// After a table is loaded: its primary key (PostgreSQL) and every index, built
    /// once over the loaded rows, which is several times faster than keeping them up
    /// to date row by row.
    pub indexes: Vec<(Table, String)>,
    /// After every table is loaded and indexed: the foreign keys (PostgreSQL and
    /// MariaDB). On PostgreSQL they are added `NOT VALID`, which is instant, and then
    /// checked by [`Ddl::validate`], which can run for several tables at once.
    pub foreign_keys: Vec<(Table, String)>,
    /// PostgreSQL: check every existing row against each foreign key.
    pub validate: Vec<(Table, String)>,
}

/// The DDL of the reference schema on `engine`.
pub fn ddl(engine: Engine) -> Ddl {
    let mut ddl = Ddl {
        create: Vec::new(),
        indexes: Vec::new(),
        foreign_keys: Vec::new(),
        validate: Vec::new(),
    };
    for table in Table::ALL {
        let name = table.name();
        let mut lines: Vec<String> = table
            .columns()
            .iter()
            .map(|c| {
                let ty = column_type(engine, c);
                let not_null = if c.nullable { "" } else { " NOT NULL" };
                match (engine, c.name) {
                    (Engine::Sqlite, "id") => "id INTEGER PRIMARY KEY".to_owned(),
                    (Engine::Mysql, "id") => "id BIGINT NOT NULL PRIMARY KEY".to_owned(),
                    _ => format!("{} {ty}{not_null}", c.name),
                }
            })
            .collect();
        if engine == Engine::Sqlite {
            // SQLite cannot add a constraint to an existing table; its foreign keys are
            // declared here and checked as the rows go in, parents first.
            for c in table.columns() {
                if let Some((parent, key)) = c.references {
                    lines.push(format!("FOREIGN KEY ({}) REFERENCES {parent} ({key})", c.name));
                }
            }
        }
        let options = if engine == Engine::Mysql {
            " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin"
        } else {
            ""
        };
        ddl.create.push(format!("CREATE TABLE {name} (\n  {}\n){options}", lines.join(",\n  ")));

        if engine == Engine::Postgres {
            ddl.indexes.push((
                table,
                format!("ALTER TABLE {name} ADD CONSTRAINT {name}_pkey PRIMARY KEY (id)"),
            ));
        }
        for column in table.indexed_columns() {
            let unique = matches!((table, column), (Table::Customer, "email" | "phone"));
            let (kind, suffix) = if unique { ("UNIQUE INDEX", "key") } else { ("INDEX", "idx") };
            ddl.indexes.push((
                table,
                format!("CREATE {kind} {name}_{column}_{suffix} ON {name} ({column})"),
            ));
        }
        if engine == Engine::Sqlite {
            continue;
        }
        for c in table.columns() {
            let Some((parent, key)) = c.references else { continue };
            let constraint = format!("{name}_{}_fkey", c.name);
            let not_valid = if engine == Engine::Postgres { " NOT VALID" } else { "" };
            ddl.foreign_keys.push((
                table,
                format!(
                    "ALTER TABLE {name} ADD CONSTRAINT {constraint} FOREIGN KEY ({}) REFERENCES {parent} ({key}){not_valid}",
                    c.name
                ),
            ));
            if engine == Engine::Postgres {
                ddl.validate
                    .push((table, format!("ALTER TABLE {name} VALIDATE CONSTRAINT {constraint}")));
            }
        }
    }
    ddl
}

fn column_type(engine: Engine, column: &Column) -> String {
    match (engine, column.ty) {
        (_, BigInt) => "BIGINT".to_owned(),
        (_, Int) => "INT".to_owned(),
        (_, Varchar(n)) => format!("VARCHAR({n})"),
        (_, Char(n)) => format!("CHAR({n})"),
        (_, Text) => "TEXT".to_owned(),
        (_, Date) => "DATE".to_owned(),
        // MariaDB's TIMESTAMP ends in 2038 and updates itself on writes.
        (Engine::Mysql, Timestamp) => "DATETIME".to_owned(),
        (_, Timestamp) => "TIMESTAMP".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_names_and_order_agree() {
        for (i, table) in Table::ALL.into_iter().enumerate() {
            assert_eq!(table.name(), TABLES[i]);
            assert_eq!(Table::from_name(TABLES[i]), Some(table));
            assert_eq!(table.columns()[0].name, "id");
            // Parents come first, so a load in this order never breaks a foreign key.
            for c in table.columns() {
                if let Some((parent, _)) = c.references {
                    assert!(TABLES[..i].contains(&parent), "{} before {parent}", table.name());
                }
            }
        }
        assert_eq!(Table::from_name("customers"), None);
    }

    #[test]
    fn every_foreign_key_and_identity_is_indexed() {
        for engine in [Engine::Postgres, Engine::Mysql, Engine::Sqlite] {
            let ddl = ddl(engine);
            let all: Vec<&str> = ddl.indexes.iter().map(|(_, s)| s.as_str()).collect();
            for expected in [
                "CREATE UNIQUE INDEX customer_email_key ON customer (email)",
                "CREATE UNIQUE INDEX customer_phone_key ON customer (phone)",
                "CREATE INDEX marketing_subscription_email_idx ON marketing_subscription (email)",
                "CREATE INDEX order_item_order_id_idx ON order_item (order_id)",
                "CREATE INDEX address_customer_id_idx ON address (customer_id)",
            ] {
                assert!(all.contains(&expected), "{engine:?} lacks {expected}");
            }
            assert!(all.iter().all(|s| !s.contains("FOREIGN KEY")));
            assert_eq!(ddl.foreign_keys.len(), if engine == Engine::Sqlite { 0 } else { 7 });
            assert_eq!(ddl.validate.len(), if engine == Engine::Postgres { 7 } else { 0 });
            let declared = ddl.create.iter().filter(|s| s.contains("FOREIGN KEY")).count();
            assert_eq!(declared, if engine == Engine::Sqlite { 7 } else { 0 });
        }
    }
}
