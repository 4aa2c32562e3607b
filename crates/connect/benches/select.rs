//! How long a lookup by indexed key takes through the connector: one key, and a
//! batch of 1,000 keys, on SQLite always and on PostgreSQL when
//! `OMBUD_TEST_POSTGRES_URL` is set (a fresh schema, dropped afterwards).
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use criterion::{Criterion, criterion_group, criterion_main};
use ombud_connect::{Connector, ConnectorOptions, Select, Value};
use sqlx::Connection as _;

const FIXTURE: &str = "CREATE TABLE customers (id BIGINT PRIMARY KEY, email VARCHAR(254) NOT NULL, name TEXT);\n\
CREATE INDEX customers_email ON customers (email);\n\
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000) \
INSERT INTO customers SELECT i, 'u' || i || '@example.com', 'Test Person ' || i FROM n;\n";

fn bench_connector(
    c: &mut Criterion,
    runtime: &tokio::runtime::Runtime,
    label: &str,
    connector: &Connector,
) {
    let columns = vec!["id".to_owned(), "email".to_owned(), "name".to_owned()];
    let one = [Value::from("u4242@example.com")];
    let thousand: Vec<Value> = (1..=1000).map(|i| Value::Int(i * 97)).collect();
    c.bench_function(&format!("{label}/select one key by indexed email"), |b| {
        b.to_async(runtime).iter(|| async {
            let q = Select {
                table: "customers",
                columns: &columns,
                filter_column: "email",
                keys: &one,
                row_cap: 10,
            };
            let rows = connector.select(&q).await.unwrap();
            assert_eq!(rows.rows.len(), 1);
        });
    });
    c.bench_function(&format!("{label}/select 1000 keys by primary key"), |b| {
        b.to_async(runtime).iter(|| async {
            let q = Select {
                table: "customers",
                columns: &columns,
                filter_column: "id",
                keys: &thousand,
                row_cap: 10_000,
            };
            let rows = connector.select(&q).await.unwrap();
            assert_eq!(rows.rows.len(), 1000);
        });
    });
}

fn select(c: &mut Criterion) {
    let runtime =
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("crm.db");
    runtime.block_on(async {
        let options =
            sqlx::sqlite::SqliteConnectOptions::new().filename(&path).create_if_missing(true);
        let mut conn = sqlx::SqliteConnection::connect_with(&options).await.unwrap();
        sqlx::raw_sql(FIXTURE).execute(&mut conn).await.unwrap();
        conn.close().await.unwrap();
    });
    let url = format!("sqlite:{}", path.display());
    let sqlite =
        runtime.block_on(Connector::connect("bench", &url, ConnectorOptions::default())).unwrap();
    bench_connector(c, &runtime, "sqlite", &sqlite);

    #[allow(clippy::disallowed_methods)] // A bench reads its server URL like the tests do.
    let Some(admin_url) = std::env::var("OMBUD_TEST_POSTGRES_URL").ok().filter(|u| !u.is_empty())
    else {
        return;
    };
    let schema = format!("ombud_bench_{}", std::process::id());
    runtime.block_on(async {
        let mut admin = sqlx::PgConnection::connect(&admin_url).await.unwrap();
        sqlx::query("SELECT set_config('ombud.bench_schema', $1, false)").bind(&schema).execute(&mut admin).await.unwrap();
        sqlx::raw_sql(
            "DO $$ BEGIN EXECUTE format('CREATE SCHEMA %I', current_setting('ombud.bench_schema')); \
             EXECUTE format('SET search_path = %I', current_setting('ombud.bench_schema')); END $$",
        )
        .execute(&mut admin)
        .await
        .unwrap();
        sqlx::raw_sql(FIXTURE).execute(&mut admin).await.unwrap();
        sqlx::raw_sql("ANALYZE").execute(&mut admin).await.unwrap();
        admin.close().await.unwrap();
    });
    let separator = if admin_url.contains('?') { '&' } else { '?' };
    let url = format!("{admin_url}{separator}options[search_path]={schema}");
    let postgres =
        runtime.block_on(Connector::connect("bench", &url, ConnectorOptions::default())).unwrap();
    bench_connector(c, &runtime, "postgres", &postgres);
    runtime.block_on(async {
        let mut admin = sqlx::PgConnection::connect(&admin_url).await.unwrap();
        sqlx::query("SELECT set_config('ombud.bench_schema', $1, false)").bind(&schema).execute(&mut admin).await.unwrap();
        sqlx::raw_sql(
            "DO $$ BEGIN EXECUTE format('DROP SCHEMA %I CASCADE', current_setting('ombud.bench_schema')); END $$",
        )
        .execute(&mut admin)
        .await
        .unwrap();
    });
}

criterion_group!(benches, select);
criterion_main!(benches);
