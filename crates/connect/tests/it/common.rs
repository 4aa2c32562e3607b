//! Fresh databases for connector tests: a SQLite file always; a PostgreSQL schema
//! and a MariaDB/MySQL database when their URL variables are set. Each is created
//! with a unique name, filled with the same fixture, and dropped when the test ends.
//!
//! PostgreSQL gets a fresh schema (not a database) on the server's database, with
//! `search_path` set through the URL (`options[search_path]=…`), so the connector's
//! `current_schema()` is that schema. Setup SQL is static text: the unique names
//! travel as bound parameters into server-side `format('%I')` / `PREPARE`, so no
//! test file needs to build SQL at run time either.

use ombud_connect::{Connector, ConnectorOptions};
use ombud_core::Engine;
use sqlx::Connection as _;

pub(crate) const POSTGRES_URL_VAR: &str = "OMBUD_TEST_POSTGRES_URL";
pub(crate) const MYSQL_URL_VAR: &str = "OMBUD_TEST_MYSQL_URL";

#[allow(clippy::disallowed_methods)] // Tests read their server URLs here, and only here.
pub(crate) fn server_url(var: &str) -> Option<String> {
    std::env::var(var).ok().filter(|url| !url.trim().is_empty())
}

pub(crate) fn unique_name() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut bytes = [0u8; 4];
    let random = getrandom_u32(&mut bytes);
    format!("ombud_t_{}_{}_{random}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed))
}

fn getrandom_u32(bytes: &mut [u8; 4]) -> u32 {
    // The address of a fresh allocation and the clock are enough to keep runs apart.
    #[allow(clippy::disallowed_methods)]
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    bytes.copy_from_slice(&nanos.to_le_bytes());
    u32::from_le_bytes(*bytes)
}

/// A fresh database with the fixture loaded.
pub(crate) struct TestDb {
    pub(crate) engine: Engine,
    pub(crate) url: String,
    _dir: Option<tempfile::TempDir>,
    cleanup: Option<Cleanup>,
}

enum Cleanup {
    Postgres { admin_url: String, schema: String },
    Mysql { admin_url: String, database: String },
}

impl TestDb {
    pub(crate) async fn connect(&self) -> Connector {
        self.connect_with(ConnectorOptions::default()).await
    }

    pub(crate) async fn connect_with(&self, options: ConnectorOptions) -> Connector {
        match Connector::connect("crm", &self.url, options).await {
            Ok(connector) => connector,
            Err(error) => panic!("connect to the test database: {error}"),
        }
    }

    /// The URL with extra PostgreSQL settings (`options[name]=value`).
    pub(crate) fn url_with_setting(&self, name: &str, value: &str) -> String {
        format!("{}&options[{name}]={value}", self.url)
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some(cleanup) = self.cleanup.take() else { return };
        // Drop runs inside the test's runtime, which cannot block on itself.
        let handle = std::thread::spawn(move || {
            let Ok(runtime) = tokio::runtime::Builder::new_current_thread().enable_all().build()
            else {
                return;
            };
            runtime.block_on(async {
                match cleanup {
                    Cleanup::Postgres { admin_url, schema } => {
                        if let Ok(mut admin) = sqlx::PgConnection::connect(&admin_url).await {
                            let _ = sqlx::query("SELECT set_config('ombud.test_schema', $1, false)")
                                .bind(&schema)
                                .execute(&mut admin)
                                .await;
                            let _ = sqlx::raw_sql(
                                "DO $$ BEGIN EXECUTE format('DROP SCHEMA IF EXISTS %I CASCADE', current_setting('ombud.test_schema')); END $$",
                            )
                            .execute(&mut admin)
                            .await;
                        }
                    }
                    Cleanup::Mysql { admin_url, database } => {
                        if let Ok(mut admin) = sqlx::MySqlConnection::connect(&admin_url).await {
                            let _ = sqlx::query("SET @ombud_db = ?").bind(&database).execute(&mut admin).await;
                            let _ = sqlx::raw_sql(
                                "SET @ddl = CONCAT('DROP DATABASE IF EXISTS `', REPLACE(@ombud_db, '`', '``'), '`'); PREPARE s FROM @ddl; EXECUTE s; DEALLOCATE PREPARE s;",
                            )
                            .execute(&mut admin)
                            .await;
                        }
                    }
                }
            });
        });
        let _ = handle.join();
    }
}

/// A fresh SQLite database with the fixture.
pub(crate) async fn sqlite() -> TestDb {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("temporary directory: {e}"));
    let path = dir.path().join("crm.db");
    let url = format!("sqlite:{}", path.display());
    let options = sqlx::sqlite::SqliteConnectOptions::new().filename(&path).create_if_missing(true);
    let mut conn = sqlx::SqliteConnection::connect_with(&options)
        .await
        .unwrap_or_else(|e| panic!("create the SQLite fixture: {e}"));
    sqlx::raw_sql(SQLITE_FIXTURE)
        .execute(&mut conn)
        .await
        .unwrap_or_else(|e| panic!("load the SQLite fixture: {e}"));
    conn.close().await.ok();
    TestDb { engine: Engine::Sqlite, url, _dir: Some(dir), cleanup: None }
}

fn skipped(var: &str, test: &str) {
    #[allow(clippy::print_stderr)]
    {
        eprintln!("skipped {test}: {var} not set");
    }
}

/// A fresh PostgreSQL schema with the fixture, or `None` when the variable is unset.
pub(crate) async fn postgres(test: &str) -> Option<TestDb> {
    let Some(admin_url) = server_url(POSTGRES_URL_VAR) else {
        skipped(POSTGRES_URL_VAR, test);
        return None;
    };
    let schema = unique_name();
    let mut admin = sqlx::PgConnection::connect(&admin_url).await.unwrap_or_else(|e| {
        panic!("{POSTGRES_URL_VAR} is set but PostgreSQL does not answer: {e}")
    });
    sqlx::query("SELECT set_config('ombud.test_schema', $1, false)")
        .bind(&schema)
        .execute(&mut admin)
        .await
        .unwrap_or_else(|e| panic!("set the schema name: {e}"));
    sqlx::raw_sql(
        "DO $$ BEGIN EXECUTE format('CREATE SCHEMA %I', current_setting('ombud.test_schema')); \
         EXECUTE format('SET search_path = %I', current_setting('ombud.test_schema')); END $$",
    )
    .execute(&mut admin)
    .await
    .unwrap_or_else(|e| panic!("create the schema: {e}"));
    sqlx::raw_sql(POSTGRES_FIXTURE)
        .execute(&mut admin)
        .await
        .unwrap_or_else(|e| panic!("load the PostgreSQL fixture: {e}"));
    admin.close().await.ok();
    let separator = if admin_url.contains('?') { '&' } else { '?' };
    let url = format!("{admin_url}{separator}options[search_path]={schema}");
    Some(TestDb {
        engine: Engine::Postgres,
        url,
        _dir: None,
        cleanup: Some(Cleanup::Postgres { admin_url, schema }),
    })
}

/// A fresh MariaDB/MySQL database with the fixture, or `None` when the variable is unset.
pub(crate) async fn mysql(test: &str) -> Option<TestDb> {
    let Some(admin_url) = server_url(MYSQL_URL_VAR) else {
        skipped(MYSQL_URL_VAR, test);
        return None;
    };
    let database = unique_name();
    let mut admin = sqlx::MySqlConnection::connect(&admin_url)
        .await
        .unwrap_or_else(|e| panic!("{MYSQL_URL_VAR} is set but MySQL does not answer: {e}"));
    sqlx::query("SET @ombud_db = ?")
        .bind(&database)
        .execute(&mut admin)
        .await
        .unwrap_or_else(|e| panic!("set the database name: {e}"));
    sqlx::raw_sql(
        "SET @ddl = CONCAT('CREATE DATABASE `', REPLACE(@ombud_db, '`', '``'), '` DEFAULT CHARACTER SET utf8mb4'); \
         PREPARE s FROM @ddl; EXECUTE s; DEALLOCATE PREPARE s; \
         SET @ddl = CONCAT('USE `', REPLACE(@ombud_db, '`', '``'), '`'); PREPARE s FROM @ddl; EXECUTE s; DEALLOCATE PREPARE s;",
    )
    .execute(&mut admin)
    .await
    .unwrap_or_else(|e| panic!("create the database: {e}"));
    admin.close().await.ok();
    let url = replace_database(&admin_url, &database);
    let mut conn = sqlx::MySqlConnection::connect(&url)
        .await
        .unwrap_or_else(|e| panic!("connect to the new database: {e}"));
    sqlx::raw_sql(MYSQL_FIXTURE)
        .execute(&mut conn)
        .await
        .unwrap_or_else(|e| panic!("load the MySQL fixture: {e}"));
    conn.close().await.ok();
    Some(TestDb {
        engine: Engine::Mysql,
        url,
        _dir: None,
        cleanup: Some(Cleanup::Mysql { admin_url, database }),
    })
}

fn replace_database(url: &str, name: &str) -> String {
    let (base, query) = url.split_once('?').map_or((url, None), |(b, q)| (b, Some(q)));
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let base = match base[scheme_end..].find('/') {
        Some(slash) => &base[..scheme_end + slash],
        None => base,
    };
    match query {
        Some(query) => format!("{base}/{name}?{query}"),
        None => format!("{base}/{name}"),
    }
}

/// 0..9999 on every engine, without generate_series or recursive CTEs.
macro_rules! numbers {
    () => {
        "(SELECT a.n * 1000 + b.n * 100 + c.n * 10 + d.n + 1 AS n FROM \
         (SELECT 0 AS n UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9) a, \
         (SELECT 0 AS n UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9) b, \
         (SELECT 0 AS n UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9) c, \
         (SELECT 0 AS n UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9) d) AS numbers"
    };
}

/// 2,500 customers u<n>@example.com; 3,000 order items, three for each of customers
/// 1..1000; one row in `user"s`.
macro_rules! fixture_data {
    ($picture:literal, $gift:literal) => {
        concat!(
            "INSERT INTO customers (id, email, name, signed_up, balance) SELECT n, CONCAT('u', n, '@example.com'), CONCAT('Test Person ', n), '2024-01-15', 12.50 FROM ",
            numbers!(),
            " WHERE n <= 2500;\n",
            "INSERT INTO \"Order Items\" (id, customer_id, sku, picture, weight, gift) SELECT n, ((n - 1) % 1000) + 1, CONCAT('SKU-', n), ",
            $picture,
            ", 1.5, ",
            $gift,
            " FROM ",
            numbers!(),
            " WHERE n <= 3000;\n",
            "INSERT INTO \"user\"\"s\" (id, nickname) VALUES (1, 'Example Nick');\n"
        )
    };
}

const POSTGRES_FIXTURE: &str = concat!(
    "CREATE TABLE customers (id bigint PRIMARY KEY, email varchar(254) NOT NULL, name text, signed_up date, balance numeric(10,2), external_id uuid);\n",
    "CREATE INDEX customers_email ON customers (email);\n",
    "CREATE TABLE \"Order Items\" (id bigint PRIMARY KEY, customer_id bigint NOT NULL REFERENCES customers(id), sku text, picture bytea, weight double precision, gift boolean);\n",
    "CREATE INDEX order_items_customer ON \"Order Items\" (customer_id);\n",
    "CREATE TABLE \"user\"\"s\" (id integer PRIMARY KEY, nickname text);\n",
    fixture_data!("'\\xdeadbeef'::bytea", "true"),
    "UPDATE customers SET external_id = 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11' WHERE id = 1;\n",
    "ANALYZE;\n",
);

const MYSQL_FIXTURE: &str = concat!(
    "SET SESSION sql_mode = 'ANSI_QUOTES,STRICT_ALL_TABLES';\n",
    "CREATE TABLE customers (id bigint PRIMARY KEY, email varchar(254) NOT NULL, name text, signed_up date, balance decimal(10,2), external_id char(36), KEY customers_email (email)) ENGINE=InnoDB DEFAULT CHARSET utf8mb4;\n",
    "CREATE TABLE \"Order Items\" (id bigint PRIMARY KEY, customer_id bigint NOT NULL, sku text, picture blob, weight double, gift boolean, KEY order_items_customer (customer_id), CONSTRAINT order_items_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id)) ENGINE=InnoDB DEFAULT CHARSET utf8mb4;\n",
    "CREATE TABLE \"user\"\"s\" (id int PRIMARY KEY, nickname text) ENGINE=InnoDB DEFAULT CHARSET utf8mb4;\n",
    fixture_data!("X'DEADBEEF'", "true"),
    "UPDATE customers SET external_id = 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11' WHERE id = 1;\n",
    "ANALYZE TABLE customers, \"Order Items\";\n",
);

const SQLITE_FIXTURE: &str = concat!(
    "CREATE TABLE customers (id INTEGER PRIMARY KEY, email VARCHAR(254) NOT NULL, name TEXT, signed_up DATE, balance NUMERIC(10,2), external_id TEXT);\n",
    "CREATE INDEX customers_email ON customers (email);\n",
    "CREATE TABLE \"Order Items\" (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL REFERENCES customers(id), sku TEXT, picture BLOB, weight REAL, gift BOOLEAN);\n",
    "CREATE INDEX order_items_customer ON \"Order Items\" (customer_id);\n",
    "CREATE TABLE \"user\"\"s\" (id INTEGER PRIMARY KEY, nickname TEXT);\n",
    fixture_data!("X'DEADBEEF'", "1"),
    "UPDATE customers SET external_id = 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11' WHERE id = 1;\n",
);

/// Writes one test body run on SQLite always, and on PostgreSQL and MySQL when
/// their URL variables are set.
#[macro_export]
macro_rules! connect_test {
    ($name:ident, |$db:ident| $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let $db = $crate::common::sqlite().await;
                $body.await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let Some($db) =
                    $crate::common::postgres(concat!(module_path!(), "::postgres")).await
                else {
                    return;
                };
                $body.await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn mysql() {
                let Some($db) = $crate::common::mysql(concat!(module_path!(), "::mysql")).await
                else {
                    return;
                };
                $body.await;
            }
        }
    };
}
