//! Integration tests of the connectors against real databases: SQLite always,
//! PostgreSQL and MariaDB/MySQL when `OMBUD_TEST_POSTGRES_URL` /
//! `OMBUD_TEST_MYSQL_URL` are set. Every test body runs on each engine
//! (`connect_test!`) against its own fresh database.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[macro_use]
mod common;

use ombud_connect::{ConnectError, Connector, ConnectorOptions, Rows, Select, Value, is_transient};
use ombud_core::Engine;

fn strings(names: &[&str]) -> Vec<String> {
    names.iter().map(|n| (*n).to_owned()).collect()
}

async fn lookup(
    connector: &Connector,
    table: &str,
    columns: &[&str],
    filter: &str,
    keys: &[Value],
    row_cap: u32,
) -> Result<Rows, ConnectError> {
    let columns = strings(columns);
    connector
        .select(&Select { table, columns: &columns, filter_column: filter, keys, row_cap })
        .await
}

fn ids(range: std::ops::RangeInclusive<i64>) -> Vec<Value> {
    range.map(Value::Int).collect()
}

connect_test!(discovery_reads_tables_types_keys_and_indexes, |db| async move {
    let connector = db.connect().await;
    let schema = connector.discover().await.unwrap();
    let names: Vec<&str> = schema.tables.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["Order Items", "customers", "user\"s"]);

    let customers = schema.table("customers").unwrap();
    assert_eq!(customers.primary_key, ["id"]);
    let columns: Vec<&str> = customers.columns.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(columns, ["id", "email", "name", "signed_up", "balance", "external_id"]);
    let email = customers.column("email").unwrap();
    assert!(!email.nullable);
    assert!(customers.column("name").unwrap().nullable);
    let expected_email_type = match db.engine {
        Engine::Postgres => "character varying(254)",
        Engine::Mysql => "varchar(254)",
        Engine::Sqlite => "varchar(254)",
    };
    assert_eq!(email.data_type, expected_email_type);
    assert!(customers.is_indexed("email"));
    assert!(
        customers
            .indexes
            .iter()
            .any(|i| i.name == "customers_email" && i.columns == ["email"] && !i.unique)
    );

    let items = schema.table("Order Items").unwrap();
    assert_eq!(items.foreign_keys.len(), 1);
    assert_eq!(items.foreign_keys[0].columns, ["customer_id"]);
    assert_eq!(items.foreign_keys[0].target_table, "customers");
    assert_eq!(items.foreign_keys[0].target_columns, ["id"]);
    assert!(items.is_indexed("customer_id"));
    assert_eq!(schema.table("user\"s").unwrap().primary_key, ["id"]);
});

connect_test!(lookups_read_each_type_in_its_shape, |db| async move {
    let connector = db.connect().await;
    let rows = lookup(
        &connector,
        "customers",
        &["email", "id", "signed_up", "balance", "external_id", "name"],
        "id",
        &[Value::Int(1)],
        10,
    )
    .await
    .unwrap();
    assert!(!rows.truncated);
    assert_eq!(rows.columns, ["email", "id", "signed_up", "balance", "external_id", "name"]);
    let row = &rows.rows[0];
    assert_eq!(row[0], Value::from("u1@example.com"));
    assert_eq!(row[1], Value::Int(1));
    assert_eq!(row[2], Value::from("2024-01-15"));
    let balance = match db.engine {
        Engine::Sqlite => Value::Float(12.5), // NUMERIC affinity stores 12.50 as a real
        _ => Value::from("12.50"),
    };
    assert_eq!(row[3], balance);
    assert_eq!(row[4], Value::from("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"));

    let items = lookup(
        &connector,
        "Order Items",
        &["picture", "weight", "gift"],
        "id",
        &[Value::Int(1)],
        10,
    )
    .await
    .unwrap();
    let row = &items.rows[0];
    assert_eq!(row[0], Value::Bytes(vec![0xde, 0xad, 0xbe, 0xef]));
    assert_eq!(row[1], Value::Float(1.5));
    let gift = match db.engine {
        Engine::Postgres => Value::Bool(true),
        Engine::Mysql | Engine::Sqlite => Value::Int(1),
    };
    assert_eq!(row[2], gift);

    // A NULL comes back as Null (external_id is set for customer 1 only).
    let rows = lookup(&connector, "customers", &["external_id"], "id", &[Value::Int(2)], 10)
        .await
        .unwrap();
    assert_eq!(rows.rows, [[Value::Null]]);
    // The table whose name needs quoting.
    let rows =
        lookup(&connector, "user\"s", &["nickname"], "id", &[Value::from("1")], 10).await.unwrap();
    assert_eq!(rows.rows, [[Value::from("Example Nick")]]);
});

connect_test!(keys_past_a_thousand_are_batched, |db| async move {
    let connector = db.connect().await;
    let keys = ids(1..=2500);
    let rows = lookup(&connector, "customers", &["id"], "id", &keys, 10_000).await.unwrap();
    assert!(!rows.truncated);
    let mut found: Vec<i64> = rows
        .rows
        .iter()
        .map(|r| match r[0] {
            Value::Int(i) => i,
            _ => -1,
        })
        .collect();
    found.sort_unstable();
    assert_eq!(found, (1..=2500).collect::<Vec<_>>());
    // Repeated keys in different batches return their row once.
    let mut repeated = ids(1..=1500);
    repeated.extend(ids(1..=10));
    let rows = lookup(&connector, "customers", &["id"], "id", &repeated, 10_000).await.unwrap();
    assert_eq!(rows.rows.len(), 1500);
});

connect_test!(rows_stop_at_the_cap_and_say_so, |db| async move {
    let connector = db.connect().await;
    // Customers 1..1000 have three items each: 3,000 rows.
    let keys = ids(1..=1000);
    let capped =
        lookup(&connector, "Order Items", &["id"], "customer_id", &keys, 100).await.unwrap();
    assert_eq!(capped.rows.len(), 100);
    assert!(capped.truncated);
    let exact =
        lookup(&connector, "Order Items", &["id"], "customer_id", &keys, 3000).await.unwrap();
    assert_eq!(exact.rows.len(), 3000);
    assert!(!exact.truncated);
    // The per-statement bound splits batches instead of truncating.
    let small = db
        .connect_with(ConnectorOptions { rows_per_query_max: 50, ..ConnectorOptions::default() })
        .await;
    let split = lookup(&small, "Order Items", &["id"], "customer_id", &keys, 3000).await.unwrap();
    assert_eq!(split.rows.len(), 3000);
    assert!(!split.truncated);
    // A cap reached exactly by earlier batches still notices rows in later ones.
    let keys = ids(1..=1500);
    let rows = lookup(&connector, "customers", &["id"], "id", &keys, 1000).await.unwrap();
    assert_eq!(rows.rows.len(), 1000);
    assert!(rows.truncated);
});

connect_test!(text_keys_compare_exactly_and_text_finds_integers, |db| async move {
    let connector = db.connect().await;
    let exact =
        lookup(&connector, "customers", &["id"], "email", &[Value::from("u7@example.com")], 10)
            .await
            .unwrap();
    assert_eq!(exact.rows, [[Value::Int(7)]]);
    // No case folding, even where the column's collation would fold (MySQL *_ci).
    let folded =
        lookup(&connector, "customers", &["id"], "email", &[Value::from("U7@example.com")], 10)
            .await
            .unwrap();
    assert!(folded.rows.is_empty());
    // A text key against an integer column, and an integer key against a text one.
    let by_text =
        lookup(&connector, "customers", &["email"], "id", &[Value::from("42")], 10).await.unwrap();
    assert_eq!(by_text.rows, [[Value::from("u42@example.com")]]);
    let not_a_number =
        lookup(&connector, "customers", &["email"], "id", &[Value::from("42abc")], 10)
            .await
            .unwrap();
    assert!(not_a_number.rows.is_empty());
});

connect_test!(unknown_tables_and_columns_are_named, |db| async move {
    let connector = db.connect().await;
    let error =
        lookup(&connector, "clients", &["id"], "id", &[Value::Int(1)], 10).await.unwrap_err();
    assert_eq!(error, ConnectError::UnknownTable { system: "crm".into(), table: "clients".into() });
    let error =
        lookup(&connector, "customers", &["phone"], "id", &[Value::Int(1)], 10).await.unwrap_err();
    assert_eq!(
        error,
        ConnectError::UnknownColumn {
            system: "crm".into(),
            table: "customers".into(),
            column: "phone".into()
        }
    );
    assert!(error.to_string().contains("`phone`"));
    let mut tx = connector.begin_write().await.unwrap();
    let error = tx.delete("customers", "emial", &[Value::Int(1)]).await.unwrap_err();
    assert!(matches!(error, ConnectError::UnknownColumn { .. }));
    tx.rollback().await.unwrap();
});

connect_test!(hostile_values_are_only_values, |db| async move {
    let connector = db.connect().await;
    let long = "x".repeat(10_000);
    let hostile: Vec<Value> = [
        "'; DROP TABLE customers; --",
        "\"; DROP TABLE customers; --",
        "`; DROP TABLE customers; --",
        "u1@example.com\0",
        "\0",
        "🙂 u1@example.com",
        "u1@example.com' OR '1'='1",
        long.as_str(),
    ]
    .iter()
    .map(|s| Value::from(*s))
    .collect();
    for column in ["email", "name", "id", "signed_up", "external_id"] {
        let rows = lookup(&connector, "customers", &["id"], column, &hostile, 10).await;
        let rows = rows.unwrap_or_else(|e| panic!("{column}: {e}"));
        assert!(rows.rows.is_empty(), "{column}");
    }
    // Writing them deletes nothing and breaks nothing.
    let mut tx = connector.begin_write().await.unwrap();
    assert_eq!(tx.delete("customers", "email", &hostile).await.unwrap(), 0);
    tx.commit().await.unwrap();
    let still = lookup(&connector, "customers", &["id"], "id", &ids(1..=3), 10).await.unwrap();
    assert_eq!(still.rows.len(), 3);
});

connect_test!(a_write_transaction_deletes_and_updates_then_commits, |db| async move {
    let connector = db.connect().await;
    let mut tx = connector.begin_write().await.unwrap();
    assert_eq!(tx.engine(), db.engine);
    let locked = tx
        .select(&Select {
            table: "Order Items",
            columns: &strings(&["id"]),
            filter_column: "customer_id",
            keys: &[Value::Int(5)],
            row_cap: 10,
        })
        .await
        .unwrap();
    assert_eq!(locked.rows.len(), 3);
    assert_eq!(
        tx.delete("Order Items", "customer_id", &[Value::Int(5), Value::from("6")]).await.unwrap(),
        6
    );
    let masked = tx
        .update_all(
            "customers",
            &[("name".into(), Value::Null), ("email".into(), Value::from("erased-5@example.com"))],
            "id",
            &[Value::Int(5)],
        )
        .await
        .unwrap();
    assert_eq!(masked, 1);
    assert_eq!(
        tx.update_row(
            "customers",
            &[("name".into(), Value::from("h:0f3a"))],
            "email",
            &Value::from("u6@example.com")
        )
        .await
        .unwrap(),
        1
    );
    // A text value reaches a date column through the column's own conversion.
    assert_eq!(
        tx.update_row(
            "customers",
            &[("signed_up".into(), Value::from("2020-02-29"))],
            "id",
            &Value::Int(7)
        )
        .await
        .unwrap(),
        1
    );
    tx.commit().await.unwrap();

    let items =
        lookup(&connector, "Order Items", &["id"], "customer_id", &ids(5..=6), 10).await.unwrap();
    assert!(items.rows.is_empty());
    let people = lookup(
        &connector,
        "customers",
        &["id", "name", "email", "signed_up"],
        "id",
        &ids(5..=7),
        10,
    )
    .await
    .unwrap();
    let mut people = people.rows;
    people.sort_by_key(|r| match r[0] {
        Value::Int(i) => i,
        _ => 0,
    });
    assert_eq!(people[0][1], Value::Null);
    assert_eq!(people[0][2], Value::from("erased-5@example.com"));
    assert_eq!(people[1][1], Value::from("h:0f3a"));
    assert_eq!(people[2][3], Value::from("2020-02-29"));
});

connect_test!(rollback_and_drop_leave_the_data_and_the_pool_as_they_were, |db| async move {
    // One connection: whatever the write transaction leaves behind, the next call gets.
    let connector = db
        .connect_with(ConnectorOptions { connections_max: 1, ..ConnectorOptions::default() })
        .await;
    let mut tx = connector.begin_write().await.unwrap();
    assert_eq!(tx.delete("Order Items", "customer_id", &[Value::Int(9)]).await.unwrap(), 3);
    tx.rollback().await.unwrap();
    let items = lookup(&connector, "Order Items", &["id"], "customer_id", &[Value::Int(9)], 10)
        .await
        .unwrap();
    assert_eq!(items.rows.len(), 3);

    let mut tx = connector.begin_write().await.unwrap();
    assert_eq!(tx.delete("Order Items", "customer_id", &[Value::Int(9)]).await.unwrap(), 3);
    drop(tx);
    let items = lookup(&connector, "Order Items", &["id"], "customer_id", &[Value::Int(9)], 10)
        .await
        .unwrap();
    assert_eq!(items.rows.len(), 3, "a dropped transaction must roll back");
    // No lock or open transaction is left: a new write transaction deletes the same rows.
    let mut tx = connector.begin_write().await.unwrap();
    assert_eq!(tx.delete("Order Items", "customer_id", &[Value::Int(9)]).await.unwrap(), 3);
    tx.rollback().await.unwrap();
    // And the pooled connection is read-only.
    connector.check_read_only().await.unwrap();
});

connect_test!(pooled_connections_cannot_write, |db| async move {
    let connector = db.connect().await;
    connector.check_read_only().await.unwrap();
    // Several connections, all read-only.
    let (a, b, c) = tokio::join!(
        connector.check_read_only(),
        connector.check_read_only(),
        connector.check_read_only()
    );
    a.unwrap();
    b.unwrap();
    c.unwrap();
});

connect_test!(a_statement_past_the_timeout_is_a_timeout, |db| async move {
    let options = ConnectorOptions { statement_timeout_ms: 500, ..ConnectorOptions::default() };
    let connector = db.connect_with(options).await;
    if db.engine == Engine::Sqlite {
        // SQLite has no server: the progress handler interrupts at the deadline. A
        // 2,500-key lookup on an unindexed column takes longer than 1 ms.
        let fast = db.connect_with(ConnectorOptions { statement_timeout_ms: 1, ..options }).await;
        let keys: Vec<Value> = (0..2500).map(|i| Value::from(format!("Test Person {i}"))).collect();
        let mut saw_timeout = false;
        for _ in 0..20 {
            match lookup(&fast, "customers", &["id", "name", "email"], "name", &keys, 10_000).await
            {
                Err(ConnectError::Timeout { system, table }) => {
                    assert_eq!((system.as_str(), table.as_str()), ("crm", "customers"));
                    saw_timeout = true;
                    break;
                }
                Ok(_) => continue,
                Err(other) => panic!("expected a timeout, got {other}"),
            }
        }
        assert!(saw_timeout);
        return;
    }
    // PostgreSQL and MariaDB: a row lock held by one write transaction makes another
    // wait until the statement timeout stops it.
    let mut holder = connector.begin_write().await.unwrap();
    let q = Select {
        table: "customers",
        columns: &strings(&["id"]),
        filter_column: "id",
        keys: &[Value::Int(1)],
        row_cap: 1,
    };
    holder.select(&q).await.unwrap();
    let mut waiter = connector.begin_write().await.unwrap();
    let started = std::time::Instant::now();
    let error = waiter.select(&q).await.unwrap_err();
    assert!(matches!(error, ConnectError::Timeout { .. }), "{error}");
    assert!(is_transient(&error));
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    drop(waiter);
    holder.rollback().await.unwrap();
});

#[tokio::test]
async fn an_unreachable_server_is_named() {
    let options = ConnectorOptions { connect_timeout_ms: 2000, ..ConnectorOptions::default() };
    for url in ["postgres://ombud@127.0.0.1:1/crm", "mysql://ombud@127.0.0.1:1/crm"] {
        let error = Connector::connect("billing", url, options).await.unwrap_err();
        assert_eq!(error, ConnectError::Unreachable { system: "billing".into() }, "{url}");
        assert!(error.to_string().contains("`billing`"));
        assert!(is_transient(&error));
    }
    let dir = tempfile::tempdir().unwrap();
    let missing = format!("sqlite:{}", dir.path().join("missing.db").display());
    let error = Connector::connect("billing", &missing, options).await.unwrap_err();
    assert_eq!(error, ConnectError::Unreachable { system: "billing".into() });
    assert!(!dir.path().join("missing.db").exists(), "the connector must not create a database");
}

#[tokio::test]
async fn bad_urls_say_what_is_wrong_without_repeating_the_url() {
    let error =
        Connector::connect("crm", "oracle://scott:tiger@db/crm", ConnectorOptions::default())
            .await
            .unwrap_err();
    assert!(matches!(error, ConnectError::InvalidUrl { .. }));
    assert!(!error.to_string().contains("tiger"));
    let error = Connector::connect(
        "crm",
        "postgres://scott:tiger@db:notaport/crm",
        ConnectorOptions::default(),
    )
    .await
    .unwrap_err();
    assert!(!error.to_string().contains("tiger"), "{error}");
}

#[tokio::test]
async fn debug_never_shows_the_password() {
    let Some(admin_url) = common::server_url(common::POSTGRES_URL_VAR) else {
        return;
    };
    let url = admin_url.replacen("postgres://postgres@", "postgres://postgres:hunter2@", 1);
    let connector = Connector::connect("crm", &url, ConnectorOptions::default()).await.unwrap();
    let debug = format!("{connector:?}");
    assert!(!debug.contains("hunter2") && debug.contains("crm"), "{debug}");
}

mod plans {
    use super::*;

    /// PostgreSQL is strictly typed: a text key against a bigint column must still
    /// use the index (the key is bound as int8[]).
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres_uses_the_index_for_text_keys_on_a_bigint_column() {
        let Some(db) = common::postgres("plans::postgres").await else { return };
        let url = db.url_with_setting("enable_seqscan", "off");
        let connector = Connector::connect("crm", &url, ConnectorOptions::default()).await.unwrap();
        let columns = strings(&["id", "sku"]);
        for (filter, keys) in
            [("customer_id", vec![Value::from("5"), Value::from("6")]), ("id", vec![Value::Int(5)])]
        {
            let plan = connector
                .explain(&Select {
                    table: "Order Items",
                    columns: &columns,
                    filter_column: filter,
                    keys: &keys,
                    row_cap: 10,
                })
                .await
                .unwrap();
            assert!(plan.contains("Index Scan") || plan.contains("Bitmap Index Scan"), "{plan}");
        }
        let plan = connector
            .explain(&Select {
                table: "customers",
                columns: &columns[..1],
                filter_column: "email",
                keys: &[Value::from("u5@example.com")],
                row_cap: 10,
            })
            .await
            .unwrap();
        assert!(plan.contains("customers_email"), "{plan}");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn mysql_uses_the_index_for_text_keys_and_exact_emails() {
        let Some(db) = common::mysql("plans::mysql").await else { return };
        let connector = db.connect().await;
        let columns = strings(&["id"]);
        let plan = connector
            .explain(&Select {
                table: "Order Items",
                columns: &columns,
                filter_column: "customer_id",
                keys: &[Value::from("5")],
                row_cap: 10,
            })
            .await
            .unwrap();
        assert!(plan.contains("order_items_customer"), "{plan}");
        let plan = connector
            .explain(&Select {
                table: "customers",
                columns: &columns,
                filter_column: "email",
                keys: &[Value::from("u5@example.com")],
                row_cap: 10,
            })
            .await
            .unwrap();
        assert!(plan.contains("customers_email"), "{plan}");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite_uses_the_index_for_text_keys_on_an_integer_column() {
        let db = common::sqlite().await;
        let connector = db.connect().await;
        let columns = strings(&["id"]);
        let plan = connector
            .explain(&Select {
                table: "Order Items",
                columns: &columns,
                filter_column: "customer_id",
                keys: &[Value::from("5")],
                row_cap: 10,
            })
            .await
            .unwrap();
        assert!(
            plan.contains("USING INDEX order_items_customer")
                || plan.contains("USING COVERING INDEX order_items_customer"),
            "{plan}"
        );
        let plan = connector
            .explain(&Select {
                table: "customers",
                columns: &columns,
                filter_column: "id",
                keys: &[Value::from("5")],
                row_cap: 10,
            })
            .await
            .unwrap();
        assert!(plan.contains("INTEGER PRIMARY KEY"), "{plan}");
    }
}
