//! End-to-end tests of fulfilment through the `ombud` binary: the reference shop made
//! by `ombud demo-data`, its plan (`fulfil --dry-run`), discovery, an access package
//! downloaded by its link, an erasure with its receipt; and durability — the job worker
//! killed with SIGKILL in the middle of an erasure across three databases finishes
//! after a restart with exactly one committed receipt per system, each right.

// Helpers outside #[test] functions unwrap too: a failed set-up is a failed test.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

mod common;

use common::{Place, root, text};

/// The shop of examples/shop.yaml, generated in SQLite for 30 customers.
fn shop() -> Place {
    let mut place = Place::sqlite("examples/shop.yaml");
    let url = format!("sqlite://{}?mode=rwc", place.path("shop.db").display());
    place.ok(&["demo-data", "--url", &url, "--customers", "30"]);
    place.connect = vec![format!("shop={url}")];
    place
}

#[test]
fn the_dry_run_prints_the_plan_and_counts_and_changes_nothing() {
    let place = shop();
    let want = ombud_workload::expected(4);
    let out = place.ok(&[
        "fulfil",
        "--type",
        "delete",
        "--identity",
        "email=customer4@example.com",
        "--dry-run",
    ]);
    assert!(out.contains("1. customer where email = email"), "{out}");
    assert!(out.contains(&format!("address: {} (delete rows)", want.addresses)), "{out}");
    assert!(out.contains(&format!("orders: {} (keep (exception D8, G-b))", want.orders)), "{out}");
    // Twice: nothing changed.
    assert_eq!(
        place.ok(&[
            "fulfil",
            "--type",
            "delete",
            "--identity",
            "email=customer4@example.com",
            "--dry-run"
        ]),
        out
    );
    // Bad input gets a clear refusal.
    let bad = place.run(&["fulfil", "--identity", "shoe_size=44", "--dry-run"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(text(&bad.stderr).contains("not an identity kind"), "{}", text(&bad.stderr));
    let long = format!("email={}", "a".repeat(10_000));
    let bad = place.run(&["fulfil", "--identity", &long, "--dry-run"]);
    assert!(text(&bad.stderr).contains("longer than"), "{}", text(&bad.stderr));
}

#[test]
fn an_access_package_is_downloaded_once_made_and_an_erasure_leaves_a_receipt() {
    let place = shop();
    let id = place.verified("access", "customer9@example.com");
    let out = place.ok(&["fulfil", "--request", &id]);
    let token = out
        .lines()
        .find_map(|l| l.strip_prefix("download token (shown once): "))
        .unwrap()
        .to_owned();
    let zip = place.path("package.zip");
    place.ok(&["package", "download", &token, "--out", zip.to_str().unwrap()]);
    let bytes = std::fs::read(&zip).unwrap();
    assert_eq!(&bytes[..2], b"PK");
    assert_eq!(place.status(&id), "completed");
    // A wrong token is refused without saying whether it ever existed.
    let refused =
        place.run(&["package", "download", "0000", "--out", place.path("x.zip").to_str().unwrap()]);
    assert_ne!(refused.status.code(), Some(0));
    assert!(text(&refused.stderr).contains("unknown or has expired"));

    let id = place.verified("delete", "customer9@example.com");
    let out = place.ok(&["fulfil", "--request", &id]);
    assert!(out.contains("system shop"), "{out}");
    let receipts = place.ok(&["erasure", "receipts", &id]);
    assert!(receipts.contains("system shop (committed"), "{receipts}");
    assert!(!receipts.contains("example.com"), "{receipts}");
    assert_eq!(place.status(&id), "partially_completed");
    // After a "restore", replay erases again; a second replay finds nothing.
    let replay = place.ok(&["erasure", "replay"]);
    assert!(replay.contains("replayed 1 tombstones: 0 rows"), "{replay}");
}

#[test]
fn a_correction_changes_the_named_field_and_a_confirmation_discloses_nothing() {
    let place = shop();
    let id = place.verified("correct", "customer5@example.com");
    // R-105: the answer is yes or no, never the value held.
    let yes = place.ok(&[
        "fulfil",
        "--request",
        &id,
        "--confirm",
        "shop.customer.email=customer5@example.com",
    ]);
    assert_eq!(yes.trim(), "matches what is held");
    let no = place.run(&[
        "fulfil",
        "--request",
        &id,
        "--confirm",
        "shop.customer.email=someone@example.com",
    ]);
    assert_eq!(no.status.code(), Some(1));
    assert!(!text(&no.stdout).contains("customer5"));
    let out = place.ok(&[
        "fulfil",
        "--request",
        &id,
        "--set",
        "shop.customer.full_name=Avery Q. Testperson",
    ]);
    assert_eq!(out.trim(), "shop.customer.full_name: 1 rows corrected");
    // A column the manifest does not call personal cannot be "corrected".
    let refused =
        place.run(&["fulfil", "--request", &id, "--set", "shop.customer.created_at=2020-01-01"]);
    assert_ne!(refused.status.code(), Some(0));
    assert!(text(&refused.stderr).contains("not a personal column"), "{}", text(&refused.stderr));
    let show = place.ok(&["request", "show", &id, "--format", "json"]);
    assert!(show.contains("fulfil.corrected"), "{show}");
    assert!(!show.contains("Avery Q."), "the audit trail names fields, not values");
}

#[test]
fn a_fides_dataset_becomes_manifest_annotations() {
    let mut place = shop();
    place.connect.clear();
    let dataset = root().join("crates/program/tests/it/fixtures/fides_shop.yaml");
    let out = place.ok(&["systems", "import-fides", dataset.to_str().unwrap(), "--system", "shop"]);
    assert!(out.contains("tables:"), "{out}");
    let missing = place.run(&["systems", "import-fides", "/nonexistent.yaml", "--system", "shop"]);
    assert_eq!(missing.status.code(), Some(2));
}

#[test]
fn discovery_proposes_annotations_from_the_live_schema_and_check_finds_none_missing() {
    let place = shop();
    let url = place.connect[0].trim_start_matches("shop=").to_owned();
    let proposal = place.ok(&["systems", "discover", "--system", "shop", "--url", &url]);
    assert!(proposal.contains("customer"), "{proposal}");
    assert!(proposal.contains("references"), "{proposal}");
    let check = place.ok(&["systems", "check", "--system", "shop"]);
    assert!(!check.contains("error"), "{check}");
}

/// The crash test's program: the shop's program with three databases of its own.
fn three_systems_program(dir: &Path) -> PathBuf {
    let shop = std::fs::read_to_string(root().join("examples/shop.yaml")).unwrap();
    let head = &shop[..shop.find("\nsystems:").unwrap()];
    let systems = r#"
systems:
  - id: crm
    name: Customer records
    engine: sqlite
    connection: env:CRASH_CRM_URL
    tables:
      - name: customer
        primary_key: id
        identity: { email: email }
        columns: { email: contact_details, full_name: contact_details }
        erase: { strategy: delete }
  - id: support
    name: Support desk
    engine: sqlite
    connection: env:CRASH_SUPPORT_URL
    tables:
      - name: ticket
        primary_key: id
        identity: { email: email }
        columns: { email: contact_details, body: support_messages }
        erase: { strategy: delete }
  - id: marketing
    name: Newsletter
    engine: sqlite
    connection: env:CRASH_MARKETING_URL
    tables:
      - name: subscriber
        primary_key: id
        identity: { email: email }
        columns: { email: contact_details }
        erase: { strategy: delete }
"#;
    let path = dir.join("three.yaml");
    std::fs::write(&path, format!("{head}\n{systems}")).unwrap();
    path
}

/// Creates a SQLite database with one table of (id, email, text) rows: `rows` of them
/// for the person and two for someone else.
fn company_db(path: &Path, table: &str, text_column: &str, rows: u32) {
    let mut sql = format!(
        "PRAGMA journal_mode=WAL; CREATE TABLE {table} (id INTEGER PRIMARY KEY, email TEXT NOT NULL, {text_column} TEXT); \
         CREATE INDEX {table}_email ON {table} (email); BEGIN;"
    );
    sql.push_str(&format!(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {rows}) \
         INSERT INTO {table} (id, email, {text_column}) SELECT i, 'avery@example.com', 'Avery Testperson ' || i FROM n;"
    ));
    sql.push_str(&format!(
        "INSERT INTO {table} (id, email, {text_column}) VALUES (10000001, 'blake@example.com', 'Blake Example'), (10000002, 'blake@example.com', 'Blake Example'); COMMIT;"
    ));
    run_sqlite(path, &sql);
}

fn run_sqlite(path: &Path, sql: &str) {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        use sqlx::Connection as _;
        let mut conn =
            sqlx::SqliteConnection::connect(&format!("sqlite://{}?mode=rwc", path.display()))
                .await
                .unwrap();
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned())).execute(&mut conn).await.unwrap();
        conn.close().await.unwrap();
    });
}

fn count(path: &Path, table: &str, email: &str) -> i64 {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        use sqlx::Connection as _;
        let mut conn =
            sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display())).await.unwrap();
        let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT COUNT(*) FROM {table} WHERE email = $1"
        )))
        .bind(email)
        .fetch_one(&mut conn)
        .await
        .unwrap();
        conn.close().await.unwrap();
        n
    })
}

#[test]
fn a_worker_killed_mid_erasure_finishes_after_restart_exactly_once_per_system() {
    let dir = tempfile::tempdir().unwrap();
    let program = three_systems_program(dir.path());
    let mut place = Place::sqlite(program.to_str().unwrap());
    let dbs = [
        ("crm", "customer", "full_name", 3),
        ("support", "ticket", "body", 150_000),
        ("marketing", "subscriber", "email2", 1),
    ];
    for (system, table, column, rows) in dbs {
        let path = place.path(&format!("{system}.db"));
        company_db(&path, table, column, rows);
        place.connect.push(format!("{system}=sqlite://{}", path.display()));
    }
    let id = place.verified("delete", "avery@example.com");
    let queued = place.ok(&["jobs", "queue", &id]);
    assert!(queued.contains("queued 3 jobs"), "{queued}");

    // One job at a time, with a short lease so a restart can take over soon.
    let mut worker = place
        .command(&["jobs", "run", "--concurrency", "1", "--poll-ms", "20", "--lease-ms", "1500"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Kill it while the 150,000-row erasure of the support desk runs.
    let started = Instant::now();
    loop {
        let jobs = place.ok(&["jobs", "list", "--request", &id]);
        if jobs.lines().any(|l| l.contains("/support ") && l.contains(" running ")) {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(120), "the support job never ran: {jobs}");
        std::thread::sleep(Duration::from_millis(5));
    }
    worker.kill().unwrap(); // SIGKILL on Unix.
    worker.wait().unwrap();
    let before = place.ok(&["jobs", "list", "--request", &id]);
    // The kill landed inside the support desk's erasure (150,000 rows).
    let support = before.lines().find(|l| l.contains("/support ")).unwrap();
    assert!(!support.contains(" done "), "the kill came too late to test anything: {before}");

    // After the dead worker's lease, a new worker finishes the rest.
    std::thread::sleep(Duration::from_millis(1_600));
    place.ok(&["jobs", "run", "--once", "--lease-ms", "1500"]);
    let after = place.ok(&["jobs", "list", "--request", &id]);
    assert_eq!(after.lines().filter(|l| l.contains(" done ")).count(), 3, "{after}");

    // The data: the person is gone from every system, the other person untouched.
    for (system, table, _, _) in dbs {
        let path = place.path(&format!("{system}.db"));
        assert_eq!(count(&path, table, "avery@example.com"), 0, "{system}");
        assert_eq!(count(&path, table, "blake@example.com"), 2, "{system}");
    }
    // The receipts: one per system, committed, with the true row counts.
    let receipts = place.ok(&["erasure", "receipts", &id, "--json"]);
    let docs: Vec<serde_json::Value> =
        receipts.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(docs.len(), 3, "{receipts}");
    for (system, _, _, rows) in dbs {
        let doc = docs.iter().find(|d| d["system"] == system).unwrap();
        assert_eq!(
            doc["tables"][0]["rows_touched"].as_u64(),
            Some(u64::from(rows)),
            "{system}: {doc}"
        );
    }
    let summary = place.ok(&["erasure", "receipts", &id]);
    assert_eq!(summary.matches("(committed").count(), 3, "{summary}");
    // Exactly one erasure event per system in the audit chain, and the chain verifies.
    let show = place.ok(&["request", "show", &id, "--format", "json"]);
    assert_eq!(show.matches("fulfil.erased").count(), 3, "{show}");
    assert_eq!(place.status(&id), "completed");
    place.connect.clear();
    place.ok(&["audit", "verify"]);
}
