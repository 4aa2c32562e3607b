//! ombud-testkit: a fresh store per test, on SQLite always and on PostgreSQL when
//! `OMBUD_TEST_POSTGRES_URL` is set (CI always sets it, and fails if the server is down).
//!
//! [`store_test!`] writes one test body once and runs it on both backends, like
//! ripgrep's `rgtest!` runs each test on two regex engines (STYLE.md §4.6). Each run
//! gets its own SQLite file in a temporary directory or its own PostgreSQL database,
//! dropped when the test ends, so no test depends on what another left behind.

use std::path::PathBuf;

use ombud_store::{MasterKey, Store, StoreUrl};

/// The environment variable naming the PostgreSQL server for tests.
pub const POSTGRES_URL_VAR: &str = "OMBUD_TEST_POSTGRES_URL";
/// The environment variable naming the MySQL/MariaDB server for tests.
pub const MYSQL_URL_VAR: &str = "OMBUD_TEST_MYSQL_URL";

/// A fixed instant for tests: 2026-11-25T17:00:00Z, a Wednesday, the day before
/// Thanksgiving 2026.
pub const TEST_NOW_MS: i64 = 1_795_626_000_000;

/// Reads a test server URL from the environment.
#[allow(clippy::disallowed_methods)] // Tests read their server URLs here, and only here.
pub fn server_url(var: &str) -> Option<String> {
    std::env::var(var).ok().filter(|url| !url.trim().is_empty())
}

/// A migrated store that cleans up after itself.
pub struct TestStore {
    /// The open store.
    pub store: Store,
    /// Its master key.
    pub master: MasterKey,
    /// Its URL.
    pub url: StoreUrl,
    /// The SQLite directory (removed on drop).
    pub dir: Option<tempfile::TempDir>,
    /// Drops the PostgreSQL database when the test store is dropped.
    _cleanup: Option<PostgresCleanup>,
}

impl TestStore {
    /// Which backend this is.
    pub fn backend(&self) -> &'static str {
        self.url.backend()
    }

    /// Opens the same database again, as a restarted process would.
    pub async fn reopen(&self) -> Store {
        match Store::open(&self.url, &self.master).await {
            Ok(store) => store,
            Err(error) => panic!("reopen the test store: {error}"),
        }
    }

    /// A path in the test's own temporary directory (created on first use).
    pub fn path(&mut self, name: &str) -> PathBuf {
        if self.dir.is_none() {
            self.dir = tempfile::tempdir().ok();
        }
        self.dir.as_ref().map(|d| d.path().join(name)).unwrap_or_else(|| PathBuf::from(name))
    }
}

/// A fresh SQLite store in a temporary directory.
pub async fn sqlite() -> TestStore {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("create a temporary directory: {e}"));
    let url = StoreUrl::Sqlite { path: dir.path().join("ombud.db") };
    open(url, Some(dir), None).await
}

/// A fresh PostgreSQL store in a new database, or `None` (after saying so) when
/// `OMBUD_TEST_POSTGRES_URL` is not set.
pub async fn postgres(test: &str) -> Option<TestStore> {
    let Some(admin_url) = server_url(POSTGRES_URL_VAR) else {
        // A test kit speaks to the person running the tests; the skip must be visible.
        #[allow(clippy::print_stderr)]
        {
            eprintln!("skipped {test} on PostgreSQL: {POSTGRES_URL_VAR} is not set");
        }
        return None;
    };
    let name = format!("ombud_test_{}", unique_suffix());
    let admin = sqlx::PgPool::connect(&admin_url).await.unwrap_or_else(|e| {
        panic!("{POSTGRES_URL_VAR} is set but PostgreSQL does not answer: {e}")
    });
    // The name is ours (letters, digits, underscores), not input.
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&admin)
        .await
        .unwrap_or_else(|e| panic!("create database {name}: {e}"));
    admin.close().await;
    let url = StoreUrl::Postgres { url: replace_database(&admin_url, &name) };
    Some(open(url, None, Some(PostgresCleanup { admin_url, name })).await)
}

async fn open(
    url: StoreUrl,
    dir: Option<tempfile::TempDir>,
    cleanup: Option<PostgresCleanup>,
) -> TestStore {
    let master = MasterKey::generate().unwrap_or_else(|e| panic!("generate a master key: {e}"));
    if let Err(error) = Store::migrate(&url, &master, TEST_NOW_MS).await {
        panic!("migrate the test store: {error}");
    }
    let store =
        Store::open(&url, &master).await.unwrap_or_else(|e| panic!("open the test store: {e}"));
    TestStore { store, master, url, dir, _cleanup: cleanup }
}

/// The database named `name` on the server of `url`.
pub fn replace_database(url: &str, name: &str) -> String {
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

/// A name no other test run uses: the process id, a counter and the time.
pub fn unique_suffix() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    #[allow(clippy::disallowed_methods)] // Uniqueness, not a time the code under test sees.
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("{}_{}_{}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed), nanos)
}

struct PostgresCleanup {
    admin_url: String,
    name: String,
}

impl Drop for PostgresCleanup {
    fn drop(&mut self) {
        // Drop runs inside the test's runtime, which cannot block on itself; a thread
        // with its own small runtime drops the database instead.
        let admin_url = self.admin_url.clone();
        let name = self.name.clone();
        let handle = std::thread::spawn(move || {
            let Ok(runtime) = tokio::runtime::Builder::new_current_thread().enable_all().build()
            else {
                return;
            };
            runtime.block_on(async {
                if let Ok(admin) = sqlx::PgPool::connect(&admin_url).await {
                    let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                    )))
                    .execute(&admin)
                    .await;
                    admin.close().await;
                }
            });
        });
        let _ = handle.join();
    }
}

/// Writes a test that runs its body on a fresh SQLite store and, when
/// `OMBUD_TEST_POSTGRES_URL` is set, on a fresh PostgreSQL store.
///
/// ```ignore
/// store_test!(requests_round_trip, |t| async move {
///     let mut tx = t.store.begin().await.unwrap();
///     …
/// });
/// ```
#[macro_export]
macro_rules! store_test {
    ($name:ident, |$t:ident| $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                #[allow(unused_mut)]
                let mut $t = $crate::sqlite().await;
                $body.await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let Some(mut $t) =
                    $crate::postgres(concat!(module_path!(), "::", stringify!($name))).await
                else {
                    return;
                };
                #[allow(clippy::let_unit_value)]
                let _ = &mut $t;
                $body.await;
            }
        }
    };
}

/// A fresh, empty company database for connector and fulfilment tests: a file for
/// SQLite, a new database on the PostgreSQL or MariaDB server of the environment
/// (dropped when this value is dropped). `None`, after saying so, when the server's
/// variable is not set.
pub struct CompanyDb {
    /// Its connection URL.
    pub url: String,
    /// Which engine: `sqlite`, `postgres` or `mysql`.
    pub engine: &'static str,
    _dir: Option<tempfile::TempDir>,
    _cleanup: Option<ServerCleanup>,
}

/// Creates a fresh company database on `engine` (`sqlite`, `postgres`, `mysql`).
pub async fn company_db(engine: &'static str, test: &str) -> Option<CompanyDb> {
    match engine {
        "sqlite" => {
            let dir =
                tempfile::tempdir().unwrap_or_else(|e| panic!("create a temporary directory: {e}"));
            let url = format!("sqlite://{}?mode=rwc", dir.path().join("company.db").display());
            Some(CompanyDb { url, engine, _dir: Some(dir), _cleanup: None })
        }
        "postgres" | "mysql" => {
            let var = if engine == "postgres" { POSTGRES_URL_VAR } else { MYSQL_URL_VAR };
            let Some(admin_url) = server_url(var) else {
                #[allow(clippy::print_stderr)]
                {
                    eprintln!("skipped {test} on {engine}: {var} is not set");
                }
                return None;
            };
            let name = format!("ombud_co_{}", unique_suffix());
            // The name is ours (letters, digits, underscores), not input.
            let create = format!("CREATE DATABASE {name}");
            if engine == "postgres" {
                let admin = sqlx::PgPool::connect(&admin_url)
                    .await
                    .unwrap_or_else(|e| panic!("{var} is set but PostgreSQL does not answer: {e}"));
                sqlx::query(sqlx::AssertSqlSafe(create))
                    .execute(&admin)
                    .await
                    .unwrap_or_else(|e| panic!("create database {name}: {e}"));
                admin.close().await;
            } else {
                let admin = sqlx::MySqlPool::connect(&admin_url)
                    .await
                    .unwrap_or_else(|e| panic!("{var} is set but MariaDB does not answer: {e}"));
                sqlx::query(sqlx::AssertSqlSafe(create))
                    .execute(&admin)
                    .await
                    .unwrap_or_else(|e| panic!("create database {name}: {e}"));
                admin.close().await;
            }
            let url = replace_database(&admin_url, &name);
            Some(CompanyDb {
                url,
                engine,
                _dir: None,
                _cleanup: Some(ServerCleanup { engine, admin_url, name }),
            })
        }
        other => panic!("no such engine {other}"),
    }
}

struct ServerCleanup {
    engine: &'static str,
    admin_url: String,
    name: String,
}

impl Drop for ServerCleanup {
    fn drop(&mut self) {
        let (engine, admin_url, name) = (self.engine, self.admin_url.clone(), self.name.clone());
        let handle = std::thread::spawn(move || {
            let Ok(runtime) = tokio::runtime::Builder::new_current_thread().enable_all().build()
            else {
                return;
            };
            runtime.block_on(async {
                if engine == "postgres" {
                    if let Ok(admin) = sqlx::PgPool::connect(&admin_url).await {
                        let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                            "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                        )))
                        .execute(&admin)
                        .await;
                        admin.close().await;
                    }
                } else if let Ok(admin) = sqlx::MySqlPool::connect(&admin_url).await {
                    let _ =
                        sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name}")))
                            .execute(&admin)
                            .await;
                    admin.close().await;
                }
            });
        });
        let _ = handle.join();
    }
}

/// Writes a test that runs its body against a fresh company database on each engine
/// (SQLite always; PostgreSQL and MariaDB when their variables are set).
///
/// ```ignore
/// company_test!(finds_rows, |db| async move { … });
/// ```
#[macro_export]
macro_rules! company_test {
    ($name:ident, |$db:ident| $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let Some($db) = $crate::company_db("sqlite", stringify!($name)).await else {
                    return;
                };
                $body.await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let Some($db) = $crate::company_db("postgres", stringify!($name)).await else {
                    return;
                };
                $body.await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn mysql() {
                let Some($db) = $crate::company_db("mysql", stringify!($name)).await else {
                    return;
                };
                $body.await;
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_names_are_replaced_in_urls() {
        assert_eq!(
            replace_database("postgres://root@127.0.0.1:5432/test", "x"),
            "postgres://root@127.0.0.1:5432/x"
        );
        assert_eq!(
            replace_database("postgres://root@127.0.0.1:5432", "x"),
            "postgres://root@127.0.0.1:5432/x"
        );
        assert_eq!(
            replace_database("postgres://root@127.0.0.1/test?sslmode=disable", "x"),
            "postgres://root@127.0.0.1/x?sslmode=disable"
        );
    }

    #[test]
    fn the_test_instant_is_the_day_before_thanksgiving_2026() {
        let at = jiff_like_date(TEST_NOW_MS);
        assert_eq!(at, "2026-11-25");
    }

    fn jiff_like_date(ms: i64) -> String {
        // Days since 1970-01-01 → civil date (Howard Hinnant's algorithm), to check
        // the constant without a date library.
        let days = ms.div_euclid(86_400_000);
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let y = yoe + era * 400;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = doy - (153 * mp + 2) / 5 + 1;
        let m = if mp < 10 { mp + 3 } else { mp - 9 };
        format!("{:04}-{:02}-{:02}", if m <= 2 { y + 1 } else { y }, m, d)
    }
}
