//! The reference workload against real databases: SQLite always, PostgreSQL and
//! MariaDB when `OMBUD_TEST_POSTGRES_URL` / `OMBUD_TEST_MYSQL_URL` are set (each test in
//! a database of its own, dropped afterwards). What is generated must match
//! `expected` table by table and customer by customer, be the same for the same seed
//! and the same on every engine, hold its foreign keys, and never overwrite tables
//! without `replace`.

#![allow(clippy::unwrap_used)]

use std::str::FromStr;

use ombud_testkit::{MYSQL_URL_VAR, POSTGRES_URL_VAR, replace_database, server_url, unique_suffix};
use ombud_workload::{
    Engine, TABLES, Table, Workload, WorkloadError, expected, expected_rows, generate,
    non_customer_subscribers, subscriber_email,
};
use sqlx::{AssertSqlSafe, Connection, Executor, Row};

const CUSTOMERS: u64 = 200;
const SEED: u64 = 7;

/// A database of one test, dropped when the test ends.
struct TestDb {
    engine: Engine,
    url: String,
    _dir: Option<tempfile::TempDir>,
    cleanup: Option<(String, String)>,
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some((admin_url, name)) = self.cleanup.take() else { return };
        let engine = self.engine;
        // Drop runs inside the test's runtime, which cannot block on itself.
        let handle = std::thread::spawn(move || {
            let runtime =
                tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            runtime.block_on(async {
                if engine == Engine::Postgres {
                    let mut admin = sqlx::PgConnection::connect(&admin_url).await.unwrap();
                    let drop = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                    let _ = admin.execute(AssertSqlSafe(drop)).await;
                } else {
                    let mut admin = sqlx::MySqlConnection::connect(&admin_url).await.unwrap();
                    let _ = admin
                        .execute(AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name}")))
                        .await;
                }
            });
        });
        let _ = handle.join();
    }
}

fn sqlite_db() -> TestDb {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("shop.db").display());
    TestDb { engine: Engine::Sqlite, url, _dir: Some(dir), cleanup: None }
}

async fn server_db(engine: Engine, test: &str) -> Option<TestDb> {
    let var = if engine == Engine::Postgres { POSTGRES_URL_VAR } else { MYSQL_URL_VAR };
    let Some(admin_url) = server_url(var) else {
        // The skip must be visible to whoever runs the tests.
        #[allow(clippy::print_stderr)]
        {
            eprintln!("skipped {test} on {engine:?}: {var} is not set");
        }
        return None;
    };
    let name = format!("ombud_wl_{}", unique_suffix());
    let create = format!("CREATE DATABASE {name}");
    if engine == Engine::Postgres {
        let mut admin = sqlx::PgConnection::connect(&admin_url).await.unwrap();
        admin.execute(AssertSqlSafe(create)).await.unwrap();
    } else {
        let mut admin = sqlx::MySqlConnection::connect(&admin_url).await.unwrap();
        admin.execute(AssertSqlSafe(create)).await.unwrap();
    }
    let url = replace_database(&admin_url, &name);
    Some(TestDb { engine, url, _dir: None, cleanup: Some((admin_url, name)) })
}

/// A plain connection to a test database, for reading back what was generated.
enum Conn {
    Pg(sqlx::PgConnection),
    My(sqlx::MySqlConnection),
    Lite(sqlx::SqliteConnection),
}

impl Conn {
    async fn open(db: &TestDb) -> Conn {
        match db.engine {
            Engine::Postgres => Conn::Pg(sqlx::PgConnection::connect(&db.url).await.unwrap()),
            Engine::Mysql => Conn::My(sqlx::MySqlConnection::connect(&db.url).await.unwrap()),
            Engine::Sqlite => {
                // Foreign keys on, as sqlx sets them by default; the orphan test relies on it.
                let options = sqlx::sqlite::SqliteConnectOptions::from_str(&db.url)
                    .unwrap()
                    .foreign_keys(true)
                    .create_if_missing(true);
                Conn::Lite(sqlx::SqliteConnection::connect_with(&options).await.unwrap())
            }
        }
    }

    async fn count(&mut self, sql: String) -> u64 {
        let n: i64 = match self {
            Conn::Pg(c) => sqlx::query_scalar(AssertSqlSafe(sql)).fetch_one(c).await.unwrap(),
            Conn::My(c) => sqlx::query_scalar(AssertSqlSafe(sql)).fetch_one(c).await.unwrap(),
            Conn::Lite(c) => sqlx::query_scalar(AssertSqlSafe(sql)).fetch_one(c).await.unwrap(),
        };
        u64::try_from(n).unwrap()
    }

    async fn execute(&mut self, sql: &str) -> Result<(), sqlx::Error> {
        let sql = AssertSqlSafe(sql.to_owned());
        match self {
            Conn::Pg(c) => c.execute(sql).await.map(|_| ()),
            Conn::My(c) => c.execute(sql).await.map(|_| ()),
            Conn::Lite(c) => c.execute(sql).await.map(|_| ()),
        }
    }

    /// Every row of `table` as text, `|`-separated, in id order: the same rendering on
    /// every engine, so dumps compare across engines.
    async fn dump(&mut self, table: Table) -> Vec<String> {
        let text = match self {
            Conn::My(_) => "CHAR",
            _ => "TEXT",
        };
        let fields: Vec<String> = table
            .columns()
            .iter()
            .map(|c| format!("COALESCE(CAST({} AS {text}), 'NULL')", c.name))
            .collect();
        let sql = format!(
            "SELECT CONCAT_WS('|', {}) FROM {} ORDER BY id",
            fields.join(", "),
            table.name()
        );
        let sql = AssertSqlSafe(sql);
        match self {
            Conn::Pg(c) => {
                c.fetch_all(sql).await.unwrap().iter().map(|r| r.get::<String, _>(0)).collect()
            }
            Conn::My(c) => {
                c.fetch_all(sql).await.unwrap().iter().map(|r| r.get::<String, _>(0)).collect()
            }
            Conn::Lite(c) => {
                c.fetch_all(sql).await.unwrap().iter().map(|r| r.get::<String, _>(0)).collect()
            }
        }
    }

    async fn dump_all(&mut self) -> Vec<Vec<String>> {
        let mut all = Vec::new();
        for table in Table::ALL {
            all.push(self.dump(table).await);
        }
        all
    }

    async fn index_count(&mut self) -> u64 {
        let sql = match self {
            Conn::Pg(_) => "SELECT COUNT(*) FROM pg_indexes WHERE schemaname = current_schema()",
            Conn::My(_) => {
                "SELECT COUNT(DISTINCT table_name, index_name) FROM information_schema.statistics \
                 WHERE table_schema = DATABASE()"
            }
            Conn::Lite(_) => {
                "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
            }
        };
        self.count(sql.to_owned()).await
    }
}

fn workload(seed: u64, replace: bool) -> Workload {
    Workload { customers: CUSTOMERS, seed, replace }
}

/// The customers whose rows are counted one by one: the edges, and a spread between.
const SAMPLE: [u64; 10] = [1, 2, 3, 10, 17, 64, 99, 100, 150, 200];

async fn counts_match_expected(db: TestDb) {
    let summary = generate(&db.url, &workload(SEED, false)).await.unwrap();
    let totals = expected_rows(CUSTOMERS);
    let reported: Vec<(&str, u64)> = totals.iter().map(|(t, n)| (t.name(), *n)).collect();
    assert_eq!(summary.rows_per_table, reported);

    let mut conn = Conn::open(&db).await;
    for (table, rows) in totals {
        let counted = conn.count(format!("SELECT COUNT(*) FROM {}", table.name())).await;
        assert_eq!(counted, rows, "rows of {}", table.name());
    }
    // The totals are the sum of what each customer owns, plus the subscribers who are
    // not customers: checked here against `expected` directly, not through
    // `expected_rows`.
    let sum: u64 = (1..=CUSTOMERS).map(|i| expected(i).total()).sum();
    let in_database: u64 = totals.iter().map(|(_, n)| n).sum();
    assert_eq!(in_database, sum + non_customer_subscribers(CUSTOMERS));

    for i in SAMPLE {
        let rows = expected(i);
        for table in Table::ALL {
            let sql = match table {
                Table::Customer => format!("SELECT COUNT(*) FROM customer WHERE id = {i}"),
                Table::OrderItem => format!(
                    "SELECT COUNT(*) FROM order_item JOIN orders ON orders.id = order_item.order_id \
                     WHERE orders.customer_id = {i}"
                ),
                other => format!("SELECT COUNT(*) FROM {} WHERE customer_id = {i}", other.name()),
            };
            assert_eq!(
                conn.count(sql).await,
                rows.count(table),
                "{} of customer {i}",
                table.name()
            );
        }
        let email = conn
            .count(format!(
                "SELECT COUNT(*) FROM customer WHERE id = {i} AND email = '{}'",
                rows.email
            ))
            .await;
        assert_eq!(email, 1, "email of customer {i}");
        let phone = match &rows.phone {
            Some(phone) => format!("phone = '{phone}'"),
            None => "phone IS NULL".to_owned(),
        };
        assert_eq!(
            conn.count(format!("SELECT COUNT(*) FROM customer WHERE id = {i} AND {phone}")).await,
            1
        );
        // A customer's subscription carries their email.
        let subscribed = conn
            .count(format!("SELECT COUNT(*) FROM marketing_subscription WHERE customer_id = {i} AND email = '{}'", rows.email))
            .await;
        assert_eq!(subscribed, rows.marketing_subscriptions);
    }
    let strangers = conn
        .count("SELECT COUNT(*) FROM marketing_subscription WHERE customer_id IS NULL".to_owned())
        .await;
    assert_eq!(strangers, non_customer_subscribers(CUSTOMERS));
    let last = subscriber_email(non_customer_subscribers(CUSTOMERS));
    let found = conn
        .count(format!("SELECT COUNT(*) FROM marketing_subscription WHERE email = '{last}'"))
        .await;
    assert_eq!(found, 1);

    // Eight primary keys and ten secondary indexes (SQLite's rowid primary keys are not
    // indexes of their own).
    let indexes = conn.index_count().await;
    assert_eq!(indexes, if db.engine == Engine::Sqlite { 10 } else { 18 }, "{:?}", db.engine);

    // The same rows as SQLite's: determinism does not depend on the engine.
    if db.engine != Engine::Sqlite {
        let reference = sqlite_db();
        generate(&reference.url, &workload(SEED, false)).await.unwrap();
        let want = Conn::open(&reference).await.dump_all().await;
        assert_eq!(conn.dump_all().await, want, "{:?} differs from SQLite", db.engine);
    }
}

async fn same_seed_same_rows(db: TestDb) {
    generate(&db.url, &workload(SEED, false)).await.unwrap();
    let first = Conn::open(&db).await.dump_all().await;
    generate(&db.url, &workload(SEED, true)).await.unwrap();
    let again = Conn::open(&db).await.dump_all().await;
    assert_eq!(first, again);
    assert!(
        first[Table::SupportTicket as usize].iter().any(|body| body.contains('\n')),
        "multi-line texts survive"
    );

    generate(&db.url, &workload(SEED + 1, true)).await.unwrap();
    let other = Conn::open(&db).await.dump_all().await;
    assert_ne!(first[0], other[0], "another seed, other names");
    // ... but the same people, with the same ids, emails and phones.
    let key = |row: &String| row.split('|').take(3).collect::<Vec<_>>().join("|");
    assert_eq!(
        first[0].iter().map(key).collect::<Vec<_>>(),
        other[0].iter().map(key).collect::<Vec<_>>()
    );
    for table in 1..8 {
        assert_eq!(first[table].len(), other[table].len());
    }
}

async fn foreign_keys_hold(db: TestDb) {
    generate(&db.url, &workload(SEED, false)).await.unwrap();
    let mut conn = Conn::open(&db).await;
    let orphans = [
        "INSERT INTO address (id, customer_id, kind, line1, city, region, postal_code, country) \
         VALUES (1, 999999, 'shipping', '1 Sample Street', 'Example City', 'CA', '00000', 'US')",
        "INSERT INTO order_item (id, order_id, sku, description, quantity, price_cents) \
         VALUES (1, 999999, 'SKU-000001', 'Sample widget', 1, 100)",
        "INSERT INTO marketing_subscription (id, customer_id, email, list_id, subscribed_at) \
         VALUES (999999999, 999999, 'orphan@example.com', 'offers', '2024-01-01 00:00:00')",
    ];
    for orphan in orphans {
        assert!(
            conn.execute(orphan).await.is_err(),
            "{:?} accepted an orphan: {orphan}",
            db.engine
        );
    }
    // A parent with children cannot go either.
    let owner = (1..=CUSTOMERS).find(|&i| expected(i).addresses > 0).unwrap();
    assert!(conn.execute(&format!("DELETE FROM customer WHERE id = {owner}")).await.is_err());
    // Unique email: a second customer with the same address is refused.
    let duplicate = "INSERT INTO customer (id, email, full_name, loyalty_tier, created_at) \
                     VALUES (999999, 'customer1@example.com', 'Avery Testperson', 'none', '2024-01-01 00:00:00')";
    assert!(conn.execute(duplicate).await.is_err());
    // And what is allowed still is: a subscriber who is not a customer.
    conn.execute(
        "INSERT INTO marketing_subscription (id, customer_id, email, list_id, subscribed_at) \
         VALUES (999999999, NULL, 'new-subscriber@example.com', 'offers', '2024-01-01 00:00:00')",
    )
    .await
    .unwrap();
}

async fn refuses_existing_tables(db: TestDb) {
    // One table of the schema, made by hand, is enough to refuse.
    let mut conn = Conn::open(&db).await;
    conn.execute("CREATE TABLE orders (id BIGINT)").await.unwrap();
    let error = generate(&db.url, &workload(SEED, false)).await.unwrap_err();
    assert_eq!(error, WorkloadError::TablesExist { engine: db.engine, tables: vec!["orders"] });
    assert!(error.to_string().contains("--replace"), "{error}");

    generate(&db.url, &workload(SEED, true)).await.unwrap();
    let error = generate(&db.url, &workload(SEED, false)).await.unwrap_err();
    assert_eq!(error, WorkloadError::TablesExist { engine: db.engine, tables: TABLES.to_vec() });
    // The refusal touched nothing.
    assert_eq!(conn.count("SELECT COUNT(*) FROM customer".to_owned()).await, CUSTOMERS);
}

macro_rules! on_every_engine {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name(sqlite_db()).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(db) = server_db(Engine::Postgres, stringify!($name)).await {
                    super::$name(db).await;
                }
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn mariadb() {
                if let Some(db) = server_db(Engine::Mysql, stringify!($name)).await {
                    super::$name(db).await;
                }
            }
        }
    )*};
}

on_every_engine!(
    counts_match_expected,
    same_seed_same_rows,
    foreign_keys_hold,
    refuses_existing_tables
);

#[tokio::test]
async fn a_url_of_no_known_engine_is_refused_without_echoing_it() {
    let error = generate("oracle://scott:secret@db.example/shop", &workload(SEED, false))
        .await
        .unwrap_err();
    let message = error.to_string();
    assert!(message.contains("oracle") && !message.contains("secret"), "{message}");
}

#[tokio::test]
async fn too_many_customers_is_refused_before_connecting() {
    let db = sqlite_db();
    let huge =
        Workload { customers: ombud_workload::WORKLOAD_CUSTOMERS_MAX + 1, seed: 1, replace: false };
    let error = generate(&db.url, &huge).await.unwrap_err();
    assert!(matches!(error, WorkloadError::TooManyCustomers { .. }), "{error}");
    assert!(!db._dir.as_ref().unwrap().path().join("shop.db").exists());
}
