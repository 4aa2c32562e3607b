//! Fulfilment end to end on the reference shop (examples/shop.yaml over the generated
//! workload), on SQLite always and on PostgreSQL and MariaDB when their servers are
//! configured: access returns exactly a customer's rows (counted against the
//! generator), erasure leaves nothing identifying outside declared exceptions (every
//! table queried), and a second erasure changes nothing (issue 4, "Done when").

use std::sync::Arc;

use ombud_app::Actor;
use ombud_app::fulfil::collect::Identity;
use ombud_app::fulfil::{Fulfilment, LINK_LIFETIME_MS_DEFAULT, PACKAGE_LIFETIME_MS_DEFAULT};
use ombud_app::requests::NewRequest;
use ombud_connect::{Connector, ConnectorOptions, Select, Value};
use ombud_core::sensitive::Sensitive;
use ombud_core::verification::Level;
use ombud_core::{ChannelKind, IdentityKind, Law, RequestType, VerificationMethod};
use ombud_program::Program;
use ombud_store::requests::Subject;
use ombud_testkit::{CompanyDb, company_test};
use ombud_workload::{Workload, customer_email, expected};

use crate::harness::{NOW, harness};

const SHOP: &str = include_str!("../../../../examples/shop.yaml");
const CUSTOMERS: u64 = 40;

fn shop() -> Program {
    match ombud_program::load(SHOP.as_bytes(), &ombud_program::CheckOptions::default()) {
        Ok((program, _)) => program,
        Err(_) => panic!("examples/shop.yaml has errors"),
    }
}

async fn generated(db: &CompanyDb) -> Connector {
    ombud_workload::generate(&db.url, &Workload { customers: CUSTOMERS, seed: 7, replace: false })
        .await
        .unwrap();
    Connector::connect("shop", &db.url, ombud_app::fulfil::connector_options()).await.unwrap()
}

fn fulfilment(program: Program, connector: Connector) -> Arc<Fulfilment> {
    Arc::new(Fulfilment {
        program: Arc::new(program),
        connectors: [("shop".to_owned(), connector)].into_iter().collect(),
        unavailable: Default::default(),
        package_lifetime_ms: PACKAGE_LIFETIME_MS_DEFAULT,
        link_lifetime_ms: LINK_LIFETIME_MS_DEFAULT,
    })
}

fn request_for(kind: RequestType, email: &str) -> NewRequest {
    NewRequest {
        request_type: kind,
        law: Law::Ccpa,
        channel: ChannelKind::WebForm,
        received_at: None,
        subject: Subject { email: Some(email.to_owned()), ..Subject::default() },
        agent: None,
        appeal_of: None,
    }
}

/// Submits and verifies (staff attestation at the highest level) a request.
async fn verified(app: &ombud_app::App, kind: RequestType, email: &str) -> ombud_core::id::Id {
    let submitted = app.submit(request_for(kind, email), &Actor::Cli).await.unwrap();
    app.attest_verification(
        submitted.id,
        Level::ReasonablyHigh,
        VerificationMethod::DataPoints,
        &Actor::Cli,
    )
    .await
    .unwrap();
    submitted.id
}

/// Rows of `table` whose `column` is `key`, read straight from the database.
async fn rows(
    connector: &Connector,
    table: &str,
    columns: &[&str],
    column: &str,
    key: Value,
) -> Vec<Vec<Value>> {
    let columns: Vec<String> = columns.iter().map(|c| (*c).to_owned()).collect();
    connector
        .select(&Select {
            table,
            columns: &columns,
            filter_column: column,
            keys: &[key],
            row_cap: 100_000,
        })
        .await
        .unwrap()
        .rows
}

fn email_identity(i: u64) -> Vec<Identity> {
    vec![Identity { kind: IdentityKind::Email, value: Sensitive::new(customer_email(i)) }]
}

company_test!(access_returns_exactly_each_customers_rows, |db| async move {
    let connector = generated(&db).await;
    let t = ombud_testkit::sqlite().await;
    let h = harness(&t, NOW).await;
    let app = h.app.with_fulfilment(fulfilment(shop(), connector));
    for i in [1, 2, 3, 7, 12, 29, CUSTOMERS] {
        let want = expected(i);
        let tables = app.gather(&email_identity(i)).await.unwrap();
        let count = |name: &str| {
            tables.iter().filter(|t| t.table == name).map(|t| t.rows.len() as u64).sum::<u64>()
        };
        assert_eq!(count("customer"), 1, "customer {i}");
        assert_eq!(count("address"), want.addresses, "customer {i} addresses");
        assert_eq!(count("login_session"), want.login_sessions, "customer {i} sessions");
        assert_eq!(count("orders"), want.orders, "customer {i} orders");
        assert_eq!(count("order_item"), want.order_items, "customer {i} items");
        assert_eq!(count("payment_card"), want.payment_cards, "customer {i} cards");
        assert_eq!(count("support_ticket"), want.support_tickets, "customer {i} tickets");
        assert_eq!(
            count("marketing_subscription"),
            want.marketing_subscriptions,
            "customer {i} subscriptions"
        );
    }
    // The package of one customer holds exactly those rows, and opens by its link once
    // made; the request is completed.
    let i = 7;
    let id = verified(&app, RequestType::Access, &customer_email(i)).await;
    let ready = app.build_package(id, &Actor::Cli).await.unwrap();
    assert_eq!(ready.info.rows_included, expected(i).total(), "every row of the customer");
    let (info, zip) = app.open_package_link(ready.link_token.expose()).await.unwrap();
    assert_eq!(info.id, ready.info.id);
    assert_eq!(zip.len() as u64, info.size_bytes);
    assert!(app.open_package_link("not-a-token").await.is_err());
    let details = app.show(id, false, &Actor::Cli).await.unwrap();
    assert_eq!(details.record.request.status, ombud_core::request::Status::Completed);
});

company_test!(erasure_leaves_nothing_identifying_and_repeats_as_a_no_op, |db| async move {
    let connector = generated(&db).await;
    let t = ombud_testkit::sqlite().await;
    let h = harness(&t, NOW).await;
    let app = h.app.with_fulfilment(fulfilment(shop(), connector.clone()));
    // A customer with rows in every table, so every strategy and the exception show.
    let i = (1..CUSTOMERS)
        .find(|&i| {
            let e = expected(i);
            e.addresses > 0
                && e.login_sessions > 0
                && e.orders > 0
                && e.order_items > 0
                && e.payment_cards > 0
                && e.support_tickets > 0
                && e.marketing_subscriptions > 0
                && e.phone.is_some()
        })
        .expect("the generator gives some customer rows everywhere");
    let want = expected(i);
    let neighbour = expected(i + 1);
    let id = verified(&app, RequestType::Delete, &customer_email(i)).await;
    let systems = app.erase(id, &Actor::Cli).await.unwrap();
    assert_eq!(systems.len(), 1);
    assert!(!systems[0].already_done);

    // Every table, queried directly.
    let key = Value::Int(i64::try_from(i).unwrap());
    for table in
        ["address", "login_session", "payment_card", "support_ticket", "marketing_subscription"]
    {
        assert!(
            rows(&connector, table, &["id"], "customer_id", key.clone()).await.is_empty(),
            "{table} keeps rows of customer {i}"
        );
    }
    assert!(
        rows(
            &connector,
            "marketing_subscription",
            &["id"],
            "email",
            Value::Text(customer_email(i))
        )
        .await
        .is_empty()
    );
    // Orders are kept under the tax exception (D8), unchanged in number.
    assert_eq!(
        rows(&connector, "orders", &["id"], "customer_id", key.clone()).await.len() as u64,
        want.orders
    );
    // The customer row stays (orders reference it) with nothing that identifies them.
    let customer = rows(
        &connector,
        "customer",
        &["email", "full_name", "phone", "birth_date"],
        "id",
        key.clone(),
    )
    .await;
    assert_eq!(customer.len(), 1);
    let Value::Text(email) = &customer[0][0] else { panic!("email column") };
    assert!(email.starts_with("h$"), "email is a keyed hash");
    assert!(!email.contains("example.com"));
    let Value::Text(name) = &customer[0][1] else { panic!("name column") };
    assert!(name.chars().all(|c| c == '*'));
    assert_eq!(customer[0][2], Value::Null);
    assert_eq!(customer[0][3], Value::Null);
    // Nobody else was touched.
    let other = Value::Int(i64::try_from(i + 1).unwrap());
    assert_eq!(
        rows(&connector, "address", &["id"], "customer_id", other.clone()).await.len() as u64,
        neighbour.addresses
    );
    assert_eq!(
        rows(&connector, "customer", &["email"], "id", other).await[0][0],
        Value::Text(customer_email(i + 1))
    );

    // The request is completed in part, naming the exception; the receipt holds hashes only.
    let details = app.show(id, false, &Actor::Cli).await.unwrap();
    assert_eq!(details.record.request.status, ombud_core::request::Status::PartiallyCompleted);
    let receipts = {
        let mut tx = app.store().read().await.unwrap();
        tx.receipts(id).await.unwrap()
    };
    assert_eq!(receipts.len(), 1);
    assert!(receipts[0].committed);
    assert!(!receipts[0].receipt_json.contains("example.com"));
    assert!(receipts[0].receipt_json.contains("\"D8\""));

    // Again, and a new request from the same person: nothing changes.
    let again = app.erase_system(id, "shop", &Actor::Cli).await.unwrap();
    assert!(again.already_done);
    let second = verified(&app, RequestType::Delete, &customer_email(i)).await;
    let systems = app.erase(second, &Actor::Cli).await.unwrap();
    assert_eq!(systems[0].tables.iter().map(|t| t.rows_touched).sum::<u64>(), 0);
    // The replay after a restore finds nothing more to do either.
    let replay = app.replay_erasures(&Actor::Cli).await.unwrap();
    assert_eq!(replay.rows_touched, 0);
    assert!(replay.tombstones >= 1);
});

company_test!(replay_erases_again_after_a_restore, |db| async move {
    let connector = generated(&db).await;
    let t = ombud_testkit::sqlite().await;
    let h = harness(&t, NOW).await;
    let app = h.app.with_fulfilment(fulfilment(shop(), connector.clone()));
    let i = 3;
    let id = verified(&app, RequestType::Delete, &customer_email(i)).await;
    app.erase(id, &Actor::Cli).await.unwrap();
    // "Restore a backup": generate the same data again.
    ombud_workload::generate(&db.url, &Workload { customers: CUSTOMERS, seed: 7, replace: true })
        .await
        .unwrap();
    let key = Value::Int(i64::try_from(i).unwrap());
    assert_eq!(
        rows(&connector, "address", &["id"], "customer_id", key.clone()).await.len() as u64,
        expected(i).addresses
    );
    let replay = app.replay_erasures(&Actor::Cli).await.unwrap();
    assert_eq!(replay.tombstones, 1);
    assert!(replay.rows_touched > 0);
    assert!(rows(&connector, "address", &["id"], "customer_id", key).await.is_empty());
});

company_test!(hostile_identities_find_nobody_and_break_nothing, |db| async move {
    let connector = generated(&db).await;
    let t = ombud_testkit::sqlite().await;
    let h = harness(&t, NOW).await;
    let app = h.app.with_fulfilment(fulfilment(shop(), connector));
    let long = "a".repeat(10_000);
    for value in [
        "' OR '1'='1",
        "x@example.com'; DROP TABLE customer; --",
        "nul\0byte@example.com",
        "🦀@example.com",
        long.as_str(),
    ] {
        let identities =
            vec![Identity { kind: IdentityKind::Email, value: Sensitive::new(value.to_owned()) }];
        let tables = app.gather(&identities).await.unwrap();
        assert!(tables.iter().all(|t| t.rows.is_empty()), "found rows for a hostile value");
    }
    // Still there.
    assert_eq!(
        app.gather(&email_identity(1))
            .await
            .unwrap()
            .iter()
            .filter(|t| t.table == "customer")
            .map(|t| t.rows.len())
            .sum::<usize>(),
        1
    );
});

company_test!(a_person_with_no_rows_gets_an_empty_package_that_says_so, |db| async move {
    let connector = generated(&db).await;
    let t = ombud_testkit::sqlite().await;
    let h = harness(&t, NOW).await;
    let app = h.app.with_fulfilment(fulfilment(shop(), connector));
    let id = verified(&app, RequestType::Access, "nobody@example.com").await;
    let ready = app.build_package(id, &Actor::Cli).await.unwrap();
    assert_eq!(ready.info.rows_included, 0);
});

company_test!(a_table_missing_from_the_database_is_named, |db| async move {
    let connector = generated(&db).await;
    let t = ombud_testkit::sqlite().await;
    let h = harness(&t, NOW).await;
    let text = SHOP.replace("- name: payment_card", "- name: payment_cards");
    let program =
        match ombud_program::load(text.as_bytes(), &ombud_program::CheckOptions::default()) {
            Ok((program, _)) => program,
            Err(_) => panic!("edited shop has errors"),
        };
    let app = h.app.with_fulfilment(fulfilment(program, connector));
    let error = app.gather(&email_identity(2)).await.unwrap_err().to_string();
    assert!(error.contains("payment_cards"), "{error}");
    assert!(error.contains("shop"), "{error}");
    assert!(!error.contains("example.com"), "{error}");
});

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_that_is_down_is_named_and_nothing_is_reported_done() {
    let t = ombud_testkit::sqlite().await;
    let h = harness(&t, NOW).await;
    // Port 1 on the loopback: nothing listens there.
    let error = Connector::connect(
        "shop",
        "postgres://postgres@127.0.0.1:1/shop",
        ConnectorOptions { connect_timeout_ms: 2_000, ..ConnectorOptions::default() },
    )
    .await
    .unwrap_err();
    let fulfilment = Arc::new(Fulfilment {
        program: Arc::new(shop()),
        connectors: Default::default(),
        unavailable: [("shop".to_owned(), error.to_string())].into_iter().collect(),
        package_lifetime_ms: PACKAGE_LIFETIME_MS_DEFAULT,
        link_lifetime_ms: LINK_LIFETIME_MS_DEFAULT,
    });
    let app = h.app.with_fulfilment(fulfilment);
    let id = verified(&app, RequestType::Delete, &customer_email(1)).await;
    let message = app.erase(id, &Actor::Cli).await.unwrap_err().to_string();
    assert!(message.contains("`shop`"), "{message}");
    let details = app.show(id, false, &Actor::Cli).await.unwrap();
    assert_eq!(
        details.record.request.status,
        ombud_core::request::Status::Verified,
        "not reported done"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_with_a_hundred_thousand_rows_is_served_whole() {
    let db = ombud_testkit::company_db("sqlite", "hundred_thousand_rows").await.unwrap();
    let connector = generated(&db).await;
    {
        let pool = sqlx::SqlitePool::connect(&db.url).await.unwrap();
        let mut tx = pool.begin().await.unwrap();
        for n in 0..100_000i64 {
            sqlx::query("INSERT INTO login_session (id, customer_id, ip_address, user_agent, started_at) VALUES ($1, 5, '192.0.2.7', 'test agent', '2026-01-01 00:00:00')")
                .bind(10_000_000 + n)
                .execute(&mut *tx)
                .await
                .unwrap();
        }
        tx.commit().await.unwrap();
        pool.close().await;
    }
    let t = ombud_testkit::sqlite().await;
    let h = harness(&t, NOW).await;
    let app = h.app.with_fulfilment(fulfilment(shop(), connector.clone()));
    let tables = app.gather(&email_identity(5)).await.unwrap();
    let sessions: usize =
        tables.iter().filter(|t| t.table == "login_session").map(|t| t.rows.len()).sum();
    assert_eq!(sessions as u64, 100_000 + expected(5).login_sessions);
    let id = verified(&app, RequestType::Delete, &customer_email(5)).await;
    app.erase(id, &Actor::Cli).await.unwrap();
    assert!(
        rows(&connector, "login_session", &["id"], "customer_id", Value::Int(5)).await.is_empty()
    );
}

#[test]
fn the_shop_manifest_declares_every_table_and_foreign_key_of_the_workload() {
    // examples/shop.yaml is the manifest of the generated schema: if either changes
    // alone, fulfilment would miss rows.
    let program = shop();
    let ombud_program::model::SystemKind::Database { tables, .. } =
        &program.systems.iter().find(|s| s.id == "shop").unwrap().kind
    else {
        panic!("shop is a database")
    };
    for table in ombud_workload::Table::ALL {
        let declared = tables
            .iter()
            .find(|t| t.name == table.name())
            .unwrap_or_else(|| panic!("{} undeclared", table.name()));
        assert_eq!(declared.primary_key.as_deref(), Some("id"), "{}", table.name());
        for column in table.columns() {
            if let Some((target, target_column)) = column.references {
                assert!(
                    declared.references.iter().any(|r| r.column == column.name
                        && r.table == target
                        && r.target_column == target_column),
                    "{}.{} -> {target}.{target_column} is not declared",
                    table.name(),
                    column.name
                );
            }
        }
    }
}

company_test!(data_points_are_matched_against_the_shop_database, |db| async move {
    // data points the person gives are compared with what the databases
    // hold for the person the email names — and only that person.
    let connector = generated(&db).await;
    let t = ombud_testkit::sqlite().await;
    let dir = tempfile::tempdir().unwrap();
    let fulfilment = fulfilment(shop(), connector.clone());
    let settings = ombud_app::Settings::from_program(
        &shop(),
        Some(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/calendars")),
        None,
    )
    .unwrap();
    let app = ombud_app::App::new(ombud_app::AppParts {
        store: t.store.clone(),
        settings,
        clock: Arc::new(ombud_app::ManualClock::new(NOW.parse().unwrap())),
        ids: Arc::new(ombud_app::SequentialIds::new()),
        lookup: Arc::new(ombud_app::fulfil::lookup::DatabaseLookup::new(fulfilment.clone())),
        templates: ombud_app::mail::Templates::builtin(),
        transport: ombud_app::mail::MailTransport::from_url(&format!(
            "outbox:{}",
            dir.path().display()
        ))
        .unwrap(),
    })
    .with_fulfilment(fulfilment);
    let i = (1..CUSTOMERS)
        .find(|&i| expected(i).addresses > 0 && expected(i).payment_cards > 0)
        .unwrap();
    let key = Value::Int(i64::try_from(i).unwrap());
    let postal = rows(&connector, "address", &["postal_code"], "customer_id", key.clone()).await;
    let Value::Text(postal) = postal[0][0].clone() else { panic!("postal code") };
    let card = rows(&connector, "payment_card", &["last4"], "customer_id", key).await;
    let Value::Text(last4) = card[0][0].clone() else { panic!("last4") };
    let claim = |kind: &str, value: &str| ombud_core::verification::Claim {
        kind: kind.to_owned(),
        value: Sensitive::new(value.to_owned()),
    };

    // Another customer's details do not verify this one.
    let other = app
        .submit(request_for(RequestType::Know, &customer_email(i + 1)), &Actor::Subject)
        .await
        .unwrap();
    let outcome = app
        .verify_data_points(
            other.id,
            vec![claim("postal_code", &postal), claim("last4", &last4)],
            None,
            &Actor::Subject,
        )
        .await
        .unwrap();
    assert!(
        !matches!(outcome, ombud_app::requests::VerificationOutcome::Verified { .. }),
        "{outcome:?}"
    );

    let own = app
        .submit(request_for(RequestType::Know, &customer_email(i)), &Actor::Subject)
        .await
        .unwrap();
    let outcome = app
        .verify_data_points(
            own.id,
            vec![claim("postal_code", &postal), claim("last4", &last4)],
            None,
            &Actor::Subject,
        )
        .await
        .unwrap();
    assert!(
        matches!(outcome, ombud_app::requests::VerificationOutcome::Verified { .. }),
        "{outcome:?}"
    );
});
