//! Builds an app over a test store, with a clock the test moves, ids that are the same
//! on every run, a data-point lookup over a real SQLite fixture table of customers, and
//! messages written to an outbox directory the test reads.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use jiff::Timestamp;
use ombud_app::lookup::{LookupError, LookupFuture, LookupQuery, SubjectLookup};
use ombud_app::mail::{MailTransport, Templates};
use ombud_app::requests::NewRequest;
use ombud_app::{App, AppParts, ManualClock, SequentialIds, Settings};
use ombud_core::sensitive::Sensitive;
use ombud_core::verification::HeldPoint;
use ombud_core::{ChannelKind, Law, RequestType};
use ombud_store::requests::Subject;
use ombud_testkit::TestStore;
use sqlx::Row as _;

/// The company's customer table, in a SQLite file of its own: the lookup reads it with
/// real SQL, as the fulfilment connectors will read a company's database.
pub(crate) struct FixtureLookup {
    pool: sqlx::SqlitePool,
}

impl FixtureLookup {
    pub(crate) async fn create(path: &Path) -> FixtureLookup {
        let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}?mode=rwc", path.display()))
            .await
            .unwrap();
        sqlx::query("CREATE TABLE customers (email TEXT NOT NULL, postal_code TEXT, last_order_total TEXT, phone TEXT)")
            .execute(&pool)
            .await
            .unwrap();
        for (email, postal, total, phone) in [
            ("ada@example.com", "94105", "$1,234.50", "+1 877 555 0142"),
            ("grace@example.com", "10001", "19.99", "+1 877 555 0199"),
        ] {
            sqlx::query("INSERT INTO customers VALUES ($1, $2, $3, $4)")
                .bind(email)
                .bind(postal)
                .bind(total)
                .bind(phone)
                .execute(&pool)
                .await
                .unwrap();
        }
        FixtureLookup { pool }
    }
}

impl SubjectLookup for FixtureLookup {
    fn held<'a>(&'a self, query: &'a LookupQuery, kinds: &'a [String]) -> LookupFuture<'a> {
        Box::pin(async move {
            let Some(email) = &query.email else { return Ok(Vec::new()) };
            let row = sqlx::query("SELECT email, postal_code, last_order_total, phone FROM customers WHERE lower(email) = lower($1)")
                .bind(email.expose())
                .fetch_optional(&self.pool)
                .await
                .map_err(|_| LookupError("the customer table cannot be read".to_owned()))?;
            let Some(row) = row else { return Ok(Vec::new()) };
            let mut held = Vec::new();
            for kind in kinds {
                let value: Option<String> = match kind.as_str() {
                    "email" | "postal_code" | "last_order_total" | "phone" => {
                        row.try_get(kind.as_str()).ok().flatten()
                    }
                    _ => None,
                };
                if let Some(value) = value {
                    held.push(HeldPoint {
                        kind: kind.clone(),
                        values: vec![Sensitive::new(value)],
                    });
                }
            }
            Ok(held)
        })
    }
}

pub(crate) struct Harness {
    pub(crate) app: App,
    pub(crate) clock: Arc<ManualClock>,
    pub(crate) outbox: PathBuf,
    pub(crate) _dir: tempfile::TempDir,
}

pub(crate) const NOW: &str = "2026-11-25T17:00:00Z";

pub(crate) async fn harness(t: &TestStore, now: &str) -> Harness {
    harness_with(t, now, Settings::example()).await
}

pub(crate) async fn harness_with(t: &TestStore, now: &str, settings: Settings) -> Harness {
    let dir = tempfile::tempdir().unwrap();
    let outbox = dir.path().join("outbox");
    let lookup = FixtureLookup::create(&dir.path().join("company.db")).await;
    let clock = Arc::new(ManualClock::new(now.parse::<Timestamp>().unwrap()));
    let app = App::new(AppParts {
        store: t.store.clone(),
        settings,
        clock: clock.clone(),
        ids: Arc::new(SequentialIds::new()),
        lookup: Arc::new(lookup),
        templates: Templates::builtin(),
        transport: MailTransport::from_url(&format!("outbox:{}", outbox.display())).unwrap(),
    });
    Harness { app, clock, outbox, _dir: dir }
}

pub(crate) fn ada() -> Subject {
    Subject {
        name: Some("Ada Example".to_owned()),
        email: Some("ada@example.com".to_owned()),
        ..Subject::default()
    }
}

pub(crate) fn new_request(request_type: RequestType, law: Law) -> NewRequest {
    NewRequest {
        request_type,
        law,
        channel: ChannelKind::WebForm,
        received_at: None,
        subject: ada(),
        agent: None,
        appeal_of: None,
    }
}

/// The messages in the outbox, as (file name, raw text), oldest first.
pub(crate) fn outbox(h: &Harness) -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = std::fs::read_dir(&h.outbox)
        .map(|entries| {
            entries
                .flatten()
                .filter(|e| e.path().extension().is_some_and(|x| x == "eml"))
                .map(|e| {
                    (
                        e.file_name().to_string_lossy().into_owned(),
                        std::fs::read_to_string(e.path()).unwrap(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

/// The six-digit code in the newest verification message: the line of the text part
/// that holds only the code.
pub(crate) fn last_code(h: &Harness) -> String {
    let messages = outbox(h);
    let (_, text) = messages
        .iter()
        .rev()
        .find(|(_, text)| text.contains("verification code"))
        .expect("a code message");
    let decoded = text.replace("=\r\n", "").replace("=\n", "");
    decoded
        .lines()
        .map(str::trim)
        .find(|line| line.len() == 6 && line.bytes().all(|b| b.is_ascii_digit()))
        .expect("a line with the code")
        .to_owned()
}

pub(crate) fn at(text: &str) -> Timestamp {
    text.parse().unwrap()
}
