//! Tests: proposing annotations from a live schema (`live::propose`) and checking a
//! declared system against one (`live::check_system`).
//!
//! The proposals are pasted into `fixtures/base.yaml` (whose `systems:` block is last)
//! and checked the way `ombud check` checks a file: they must add no error. The live
//! schemas are written here by hand, as a connector would read them.

use expect_test::expect;
use ombud_core::IdentityKind;
use ombud_core::schema::{LiveColumn, LiveForeignKey, LiveIndex, LiveSchema, LiveTable};
use ombud_program::live::{Proposal, check_system, propose};
use ombud_program::model::SystemKind;
use ombud_program::{CheckOptions, Checked, Date, Diagnostic, Program, Severity, check_text, lint};
use proptest::prelude::*;

const BASE: &str = include_str!("fixtures/base.yaml");

fn options() -> CheckOptions {
    CheckOptions { today: Date::parse("2026-11-22") }
}

fn base() -> Program {
    check_text(BASE, &options()).program.expect("base.yaml has a program")
}

fn column(name: &str, data_type: &str) -> LiveColumn {
    LiveColumn { name: name.into(), data_type: data_type.into(), nullable: true }
}

fn fk(column: &str, table: &str, target: &str) -> LiveForeignKey {
    LiveForeignKey {
        columns: vec![column.into()],
        target_table: table.into(),
        target_columns: vec![target.into()],
    }
}

pub(crate) fn index(name: &str, columns: &[&str]) -> LiveIndex {
    LiveIndex {
        name: name.into(),
        columns: columns.iter().map(|&c| c.into()).collect(),
        unique: false,
    }
}

fn table(name: &str, pk: &[&str], columns: &[(&str, &str)]) -> LiveTable {
    LiveTable {
        name: name.into(),
        columns: columns.iter().map(|(n, t)| column(n, t)).collect(),
        primary_key: pk.iter().map(|&c| c.into()).collect(),
        ..LiveTable::default()
    }
}

/// A fictional shop, in the shape of the reference workload (DESIGN.md).
fn shop() -> LiveSchema {
    let mut customers = table(
        "customers",
        &["id"],
        &[
            ("id", "bigint"),
            ("email", "character varying(254)"),
            ("full_name", "text"),
            ("phone", "character varying(32)"),
            ("ssn", "text"),
            ("plan_id", "bigint"),
            ("created_at", "timestamp with time zone"),
        ],
    );
    customers.foreign_keys = vec![fk("plan_id", "plans", "id")];
    customers.indexes = vec![index("customers_email_key", &["email"])];
    let mut addresses = table(
        "addresses",
        &["id"],
        &[
            ("id", "bigint"),
            ("customer_id", "bigint"),
            ("line1", "text"),
            ("city", "text"),
            ("postal_code", "text"),
        ],
    );
    addresses.foreign_keys = vec![fk("customer_id", "customers", "id")];
    let mut orders = table(
        "orders",
        &["id"],
        &[
            ("id", "bigint"),
            ("customer_id", "bigint"),
            ("total", "numeric(12,2)"),
            ("status", "text"),
        ],
    );
    orders.foreign_keys = vec![fk("customer_id", "customers", "id")];
    let mut order_items = table(
        "order_items",
        &["order_id", "product_id"],
        &[("order_id", "bigint"), ("product_id", "bigint"), ("quantity", "integer")],
    );
    order_items.foreign_keys =
        vec![fk("order_id", "orders", "id"), fk("product_id", "products", "id")];
    let mut app_locations = table(
        "app_locations",
        &["id"],
        &[
            ("id", "bigint"),
            ("customer_id", "bigint"),
            ("latitude", "double precision"),
            ("longitude", "double precision"),
        ],
    );
    app_locations.foreign_keys = vec![fk("customer_id", "customers", "id")];
    let web_events = table(
        "web_events",
        &[],
        &[("cookie_id", "uuid"), ("page", "text"), ("user_agent", "text"), ("ip_address", "inet")],
    );
    let mut shipments = table(
        "shipments",
        &["id"],
        &[("id", "bigint"), ("order_id", "bigint"), ("item_id", "bigint"), ("carrier", "text")],
    );
    shipments.foreign_keys = vec![LiveForeignKey {
        columns: vec!["order_id".into(), "item_id".into()],
        target_table: "order_items".into(),
        target_columns: vec!["order_id".into(), "product_id".into()],
    }];
    let products =
        table("products", &["id"], &[("id", "bigint"), ("name", "text"), ("price", "numeric")]);
    let plans = table("plans", &["id"], &[("id", "bigint"), ("name", "text")]);
    let mut tables = vec![
        addresses,
        app_locations,
        customers,
        order_items,
        orders,
        plans,
        products,
        shipments,
        web_events,
    ];
    tables.sort_by(|a, b| a.name.cmp(&b.name));
    LiveSchema { tables }
}

/// `base.yaml` with the proposal pasted as one more system, checked like `ombud check`.
fn pasted(proposal: &Proposal) -> Checked {
    check_text(&format!("{BASE}{}", proposal.yaml), &options())
}

fn render(diagnostics: &[Diagnostic]) -> String {
    diagnostics.iter().map(|d| d.render("pasted.yaml")).collect::<Vec<_>>().join("\n")
}

#[track_caller]
fn no_errors(checked: &Checked) {
    let errors: Vec<Diagnostic> =
        checked.diagnostics.iter().filter(|d| d.severity == Severity::Error).cloned().collect();
    assert!(errors.is_empty(), "{}", render(&errors));
}

fn proposed_tables(checked: &Checked, system: &str) -> Vec<ombud_program::model::Table> {
    let program = checked.program.as_ref().expect("a program");
    let system = program.systems.iter().find(|s| s.id == system).expect("the proposed system");
    match &system.kind {
        SystemKind::Database { tables, .. } => tables.clone(),
        SystemKind::ServiceProvider { .. } => panic!("a database was proposed"),
    }
}

#[test]
fn the_shop_proposal_maps_columns_to_the_programs_categories() {
    let proposal = propose(&shop(), Some(&base()), "shop");
    expect![[r#"
        # Proposed by `ombud systems discover` for system `shop`.
        # Paste under `systems:`, review every line and resolve each TODO comment.
          - id: shop
            engine: postgres # TODO the engine of this database: postgres, mysql or sqlite
            connection: env:SHOP_DATABASE_URL # TODO the variable that holds its connection string
            tables:
              - name: addresses
                primary_key: id
                columns:
                  city: contact
                  line1: contact
                  postal_code: contact
                references:
                  customer_id: customers.id
              - name: app_locations
                primary_key: id
                columns:
                  latitude: precise_location
                  longitude: precise_location
                references:
                  customer_id: customers.id
              - name: customers
                primary_key: id
                identity:
                  email: email
                  id: customer_id
                  phone: phone
                columns:
                  email: contact
                  full_name: contact
                  phone: contact
                  # ssn: TODO choose a category (suggested: a government id number, sensitive personal information `sensitive: government_id`; no category of the program fits, so declare one)
              - name: order_items
                # primary_key: TODO the primary key has several columns (`order_id`, `product_id`); ombud declares one column that identifies a row
                references:
                  order_id: orders.id
              - name: orders
                primary_key: id
                references:
                  customer_id: customers.id
              - name: web_events
                identity:
                  cookie_id: cookie_id
                columns:
                  user_agent: browsing
                  # cookie_id: TODO choose a category (suggested: an online identifier, `ccpa: identifiers` (A) or `ccpa: internet_activity` (F); these fit: `contact`, `browsing`)
                  # ip_address: TODO choose a category (suggested: an IP address, `ccpa: identifiers` (A) or `ccpa: internet_activity` (F); these fit: `contact`, `browsing`)
            # Not personal as far as names show: `plans`, `products`, `shipments`.
    "#]]
    .assert_eq(&proposal.yaml);
    let checked = pasted(&proposal);
    no_errors(&checked);
    let tables = proposed_tables(&checked, "shop");
    assert_eq!(tables.len(), 6);
    let customers = tables.iter().find(|t| t.name == "customers").expect("customers");
    assert_eq!(customers.primary_key.as_deref(), Some("id"));
    assert!(customers.identity.contains(&("email".into(), IdentityKind::Email)));
    assert!(customers.identity.contains(&("id".into(), IdentityKind::CustomerId)));
}

#[test]
fn notes_say_what_was_left_out_and_why() {
    let proposal = propose(&shop(), Some(&base()), "shop");
    let notes = proposal.notes.join("\n");
    for expected in [
        "table `order_items` has a composite primary key (`order_id`, `product_id`)",
        "table `shipments` has a composite foreign key (`order_id`, `item_id`) to `order_items`",
        "table `customers`: the reference `plan_id` → `plans`.`id` is left out, as `plans` looks not personal",
        "order_items`: the reference `product_id` → `products`.`id` is left out",
        "3 table(s) look not personal",
        "3 annotation(s) need a person's choice",
    ] {
        assert!(notes.contains(expected), "missing {expected:?} in:\n{notes}");
    }
}

#[test]
fn without_a_program_every_category_is_a_todo_and_the_yaml_still_checks() {
    let proposal = propose(&shop(), None, "shop");
    assert!(!proposal.yaml.lines().any(|l| l.trim_start().starts_with("columns:")));
    assert!(proposal.yaml.contains("        # columns:\n        #   email: TODO choose a category (suggested: an email address, `ccpa: identifiers` (A))\n        #   full_name: TODO"), "{}", proposal.yaml);
    assert!(proposal.yaml.contains("        #   phone: TODO choose a category (suggested: a phone number, `ccpa: identifiers` (A) or `ccpa: customer_records` (B))\n"));
    assert_eq!(
        proposal.yaml.matches("# columns:").count(),
        4,
        "one header per table with personal columns"
    );
    let checked = pasted(&proposal);
    no_errors(&checked);
    // Identities and references need no category, so they are proposed all the same.
    let tables = proposed_tables(&checked, "shop");
    let orders = tables.iter().find(|t| t.name == "orders").expect("orders");
    assert_eq!(orders.references.len(), 1);
}

#[test]
fn a_category_is_chosen_only_when_exactly_one_fits() {
    // Two categories of letter (A): the name column cannot be decided.
    let text = BASE.replacen(
        "  - id: purchases\n",
        "  - id: account_names\n    name: Account names\n    ccpa: identifiers\n    sources: [customer]\n    purposes: [provide_service]\n  - id: purchases\n",
        1,
    );
    let program = check_text(&text, &options()).program.expect("a program");
    let proposal = propose(&shop(), Some(&program), "shop");
    assert!(
        proposal.yaml.contains("#   full_name: TODO choose a category (suggested: a person's name, `ccpa: identifiers` (A); these fit: `contact`, `account_names`)"),
        "{}",
        proposal.yaml
    );
    // The precise location still has exactly one sensitive category that fits.
    assert!(proposal.yaml.contains("latitude: precise_location"));
}

#[test]
fn the_programs_own_engine_and_connection_are_kept() {
    let proposal = propose(&shop(), Some(&base()), "shop_db");
    assert!(
        proposal.yaml.contains("    engine: postgres\n    connection: env:SHOP_DATABASE_URL\n")
    );
    assert!(!proposal.yaml.contains("TODO the engine"));
}

#[test]
fn identity_needs_a_fitting_type_and_foreign_keys_are_references() {
    let mut users = table(
        "users",
        &["id"],
        &[
            ("id", "uuid"),
            ("email", "integer"),
            ("contact_email", "text"),
            ("mobile", "varchar(20)"),
            ("device_id", "text"),
        ],
    );
    users.indexes = vec![];
    let mut sessions =
        table("sessions", &["id"], &[("id", "bigint"), ("user_id", "uuid"), ("last_ip", "inet")]);
    sessions.foreign_keys = vec![fk("user_id", "users", "id")];
    let events =
        table("events", &[], &[("user_id", "bigint"), ("anonymous_id", "text"), ("idfa", "text")]);
    let schema = LiveSchema { tables: vec![events, sessions, users] };
    let proposal = propose(&schema, Some(&base()), "app");
    let checked = pasted(&proposal);
    no_errors(&checked);
    let tables = proposed_tables(&checked, "app");
    let identity = |name: &str| -> Vec<(String, IdentityKind)> {
        tables.iter().find(|t| t.name == name).map(|t| t.identity.clone()).unwrap_or_default()
    };
    // An integer column named email is not an email; `contact_email` is.
    assert_eq!(
        identity("users"),
        [
            ("contact_email".into(), IdentityKind::Email),
            ("device_id".into(), IdentityKind::DeviceId),
            ("id".into(), IdentityKind::UserId),
            ("mobile".into(), IdentityKind::Phone),
        ]
    );
    // A foreign key is a reference, not an identity; a bare `user_id` is an identity.
    assert_eq!(identity("sessions"), []);
    assert_eq!(
        identity("events"),
        [
            ("anonymous_id".into(), IdentityKind::CookieId),
            ("idfa".into(), IdentityKind::DeviceId),
            ("user_id".into(), IdentityKind::UserId),
        ]
    );
}

#[test]
fn hostile_names_are_quoted_and_read_back_unchanged() {
    let weird = [
        "first name",
        "a: b",
        "#hash",
        "it's",
        "say \"hi\"",
        "-dash",
        "true",
        "123",
        "ünïcödé name",
        "[x]",
        "{y}",
        "*star",
        "&anchor",
        "!tag",
        "%pct",
        "@at",
        "`tick`",
        "email ",
        "a\\b",
    ];
    let mut people = table("people table: #1", &["person id"], &[("person id", "bigint")]);
    for (i, name) in weird.iter().enumerate() {
        // Each name ends in a word discovery recognises, so each column is proposed.
        let name = format!("{name} email{i}");
        people.columns.push(column(&name, "text"));
    }
    people.columns.push(column("e-mail", "text"));
    let mut child = table("-child", &["id"], &[("id", "bigint"), ("parent: id", "bigint")]);
    child.foreign_keys = vec![fk("parent: id", "people table: #1", "person id")];
    let schema = LiveSchema { tables: vec![child, people] };
    let proposal = propose(&schema, Some(&base()), "weird");
    let checked = pasted(&proposal);
    no_errors(&checked);
    let tables = proposed_tables(&checked, "weird");
    let people = tables.iter().find(|t| t.name == "people table: #1").expect("the quoted table");
    assert_eq!(people.primary_key.as_deref(), Some("person id"));
    assert!(people.identity.iter().any(|(c, k)| c == "e-mail" && *k == IdentityKind::Email));
    let child = tables.iter().find(|t| t.name == "-child").expect("the dash table");
    assert_eq!(child.references.len(), 1);
    assert_eq!(child.references[0].column, "parent: id");
    assert_eq!(child.references[0].table, "people table: #1");
    assert_eq!(child.references[0].target_column, "person id");
}

#[test]
fn names_no_manifest_can_hold_are_left_out_with_a_note() {
    let long = format!("customers_{}", "x".repeat(120));
    let customers =
        table("customers", &["id"], &[("id", "bigint"), ("email", "text"), ("bad\nemail", "text")]);
    let long_table = table(&long, &["id"], &[("id", "bigint"), ("email", "text")]);
    let control = table("bad\u{7}table", &["id"], &[("id", "bigint"), ("email", "text")]);
    let schema = LiveSchema { tables: vec![control, customers, long_table] };
    let proposal = propose(&schema, Some(&base()), "app");
    assert!(!proposal.yaml.contains('\u{7}') && !proposal.yaml.contains(&long));
    let notes = proposal.notes.join("\n");
    assert!(notes.contains("table `bad\\u{7}table` is left out"), "{notes}");
    assert!(notes.contains("column `bad\\u{a}email` of table `customers` is left out"), "{notes}");
    assert!(notes.contains("table `customers_xxx") && notes.contains("…` is left out"), "{notes}");
    // Said once, although the column is both an identity and a personal column.
    assert_eq!(notes.matches("bad\\u{a}email").count(), 1, "{notes}");
    no_errors(&pasted(&proposal));
}

#[test]
fn a_database_without_personal_tables_proposes_an_empty_list() {
    let schema = LiveSchema {
        tables: vec![table("products", &["id"], &[("id", "bigint"), ("sku", "text")])],
    };
    let proposal = propose(&schema, Some(&base()), "catalog");
    assert!(
        proposal
            .yaml
            .contains("    tables: []\n    # Not personal as far as names show: `products`.\n")
    );
    no_errors(&pasted(&proposal));
    let empty = propose(&LiveSchema::default(), None, "empty");
    assert!(empty.yaml.contains("    tables: []\n"));
    no_errors(&pasted(&empty));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Whatever a catalog calls its tables and columns, the proposal is YAML that adds
    /// no parse or validation error to a manifest, and never panics.
    #[test]
    fn any_names_give_a_proposal_that_checks(
        names in proptest::collection::vec(("\\PC{1,12}", proptest::collection::vec("\\PC{0,12}", 0..5)), 0..5)
    ) {
        let mut seen = std::collections::BTreeSet::new();
        let tables: Vec<LiveTable> = names
            .iter()
            .filter(|(name, _)| seen.insert(name.clone()))
            .map(|(name, columns)| {
                let mut cols: Vec<LiveColumn> = columns.iter().map(|c| column(&format!("{c}email"), "text")).collect();
                cols.push(column("id", "bigint"));
                LiveTable { name: name.clone(), columns: cols, primary_key: vec!["id".into()], ..LiveTable::default() }
            })
            .collect();
        let proposal = propose(&LiveSchema { tables }, Some(&base()), "any");
        let checked = pasted(&proposal);
        let bad: Vec<&Diagnostic> = checked
            .diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .collect();
        prop_assert!(bad.is_empty(), "{:?}\n{}", bad, proposal.yaml);
    }
}

// ---------------------------------------------------------------------------------
// check_system

/// The live schema of base.yaml's `shop_db`, as it should be: every declared table and
/// column, and an index on every lookup column.
pub(crate) fn live_base() -> LiveSchema {
    let mut customers = table(
        "customers",
        &["id"],
        &[("id", "bigint"), ("email", "text"), ("full_name", "text"), ("phone", "text")],
    );
    customers.indexes = vec![index("customers_email", &["email"])];
    let mut orders = table(
        "orders",
        &["id"],
        &[
            ("id", "bigint"),
            ("customer_id", "bigint"),
            ("items", "jsonb"),
            ("shipping_address", "text"),
        ],
    );
    orders.indexes = vec![index("orders_customer", &["customer_id", "id"])];
    let mut web_events = table(
        "web_events",
        &[],
        &[("cookie_id", "uuid"), ("customer_id", "bigint"), ("page", "text")],
    );
    web_events.indexes = vec![
        index("web_events_cookie", &["cookie_id"]),
        index("web_events_customer", &["customer_id"]),
    ];
    let mut app_locations = table(
        "app_locations",
        &["id"],
        &[("id", "bigint"), ("customer_id", "bigint"), ("lat_long", "point")],
    );
    app_locations.indexes = vec![index("app_locations_customer", &["customer_id"])];
    LiveSchema { tables: vec![app_locations, customers, orders, web_events] }
}

pub(crate) fn live_table<'a>(schema: &'a mut LiveSchema, name: &str) -> &'a mut LiveTable {
    schema.tables.iter_mut().find(|t| t.name == name).expect("the live table")
}

fn codes(diagnostics: &[Diagnostic]) -> Vec<&'static str> {
    diagnostics.iter().map(|d| d.code).collect()
}

#[test]
fn a_matching_database_gives_no_finding() {
    assert_eq!(render(&check_system(&base(), "shop_db", &live_base())), "");
}

#[test]
fn a_missing_table_names_the_closest_live_tables_and_points_at_the_declaration() {
    let mut schema = live_base();
    live_table(&mut schema, "orders").name = "order".into();
    schema.tables.push(table("orders_archive", &["id"], &[("id", "bigint")]));
    let found = check_system(&base(), "shop_db", &schema);
    expect![[r#"
        pasted.yaml:252:15: error[L037]: table `orders` of system `shop_db` is not in the database; discovery found: `order`, `orders_archive`
          = help: fix the table's name, or remove it if it was dropped; `ombud systems discover` lists the live tables
          = law: R-070, R-090; Civ. Code §1798.110(a)(5), 11 CCR §7022(b)(1)"#]]
    .assert_eq(&render(&found));
}

#[test]
fn an_empty_database_says_so() {
    let found = check_system(&base(), "shop_db", &LiveSchema::default());
    assert_eq!(codes(&found), ["L037"; 4]);
    assert!(found[0].message.contains("discovery found no tables at all"));
}

#[test]
fn every_kind_of_declared_column_is_checked() {
    let mut schema = live_base();
    let customers = live_table(&mut schema, "customers");
    customers.columns.retain(|c| c.name != "full_name" && c.name != "email");
    customers.indexes.clear();
    let orders = live_table(&mut schema, "orders");
    orders.columns.retain(|c| c.name != "shipping_address" && c.name != "customer_id");
    let found = check_system(&base(), "shop_db", &schema);
    let messages: Vec<&str> = found.iter().map(|d| d.message.as_str()).collect();
    // `email` is an identity and a personal column: reported once, as the identity.
    assert_eq!(
        messages,
        [
            "identity column `email` of table `customers` in system `shop_db` is not in the database",
            "personal column `full_name` of table `customers` in system `shop_db` is not in the database",
            "reference column `customer_id` of table `orders` in system `shop_db` is not in the database",
            "personal column `shipping_address` of table `orders` in system `shop_db` is not in the database",
        ],
        "{}",
        render(&found)
    );
    assert!(found.iter().all(|d| d.code == "L038" && d.severity == Severity::Error));
    // An erasure column is checked too.
    let mut schema = live_base();
    live_table(&mut schema, "orders").columns.retain(|c| c.name != "shipping_address");
    let mut program = base();
    if let SystemKind::Database { tables, .. } = &mut program.systems[0].kind {
        tables[1].columns.retain(|c| c.name != "shipping_address");
    }
    let found = check_system(&program, "shop_db", &schema);
    assert_eq!(found.len(), 1, "{}", render(&found));
    assert!(found[0].message.starts_with("erasure column `shipping_address`"));
}

#[test]
fn a_missing_reference_target_is_reported_at_the_reference() {
    let schema = live_base();
    let mut program = base();
    if let SystemKind::Database { tables, .. } = &mut program.systems[0].kind {
        tables[1].references[0].target_column = "number".into();
    }
    let found = check_system(&program, "shop_db", &schema);
    assert_eq!(codes(&found), ["L038"], "{}", render(&found));
    assert_eq!(
        found[0].message,
        "column `number` of table `customers`, which `orders.customer_id` references in system `shop_db`, is not in the database"
    );
}

#[test]
fn lookup_columns_without_an_index_are_warned_about_once_each() {
    let mut schema = live_base();
    // No index on customers.email (an identity), on orders.customer_id (a referencing
    // column: the second column of an index does not count), nor on customers.id (a
    // referenced column: the primary key's index serves it).
    live_table(&mut schema, "customers").indexes.clear();
    live_table(&mut schema, "orders").indexes =
        vec![index("orders_placed", &["id", "customer_id"])];
    let found = check_system(&base(), "shop_db", &schema);
    let messages: Vec<&str> = found.iter().map(|d| d.message.as_str()).collect();
    assert_eq!(
        messages,
        [
            "column `email` of table `customers` in system `shop_db` is looked up by fulfilment but has no index",
            "column `customer_id` of table `orders` in system `shop_db` is looked up by fulfilment but has no index",
        ]
    );
    assert!(found.iter().all(|d| d.code == "L039" && d.severity == Severity::Warning));
    assert_eq!(
        found[1].help.as_deref(),
        Some(
            "every fulfilment step is an index lookup; add an index on orders(customer_id), or a request scans the whole table"
        )
    );
    // Without a primary key, the referenced column needs an index of its own.
    live_table(&mut schema, "customers").primary_key.clear();
    let found = check_system(&base(), "shop_db", &schema);
    assert!(
        found.iter().any(|d| d.message.starts_with("column `id` of table `customers`")),
        "{}",
        render(&found)
    );
}

#[test]
fn an_unknown_system_or_a_service_provider_is_refused() {
    let found = check_system(&base(), "shop", &live_base());
    assert_eq!(codes(&found), ["V001"]);
    assert_eq!(found[0].help.as_deref(), Some("the manifest's databases are `shop_db`"));
    let found = check_system(&base(), "payments", &live_base());
    assert_eq!(codes(&found), ["V007"]);
}

#[test]
fn plain_check_never_runs_the_live_schema_lints() {
    // `ombud check` has no database: the lints that need one are not part of `run`,
    // whatever the program declares.
    let program = base();
    let found = lint::run(&program, &options());
    assert!(!found.iter().any(|d| ["L037", "L038", "L039"].contains(&d.code)));
    for code in ["L037", "L038", "L039"] {
        let lint = lint::LINTS.iter().find(|l| l.code == code).expect("registered");
        assert!(lint.summary.contains("`ombud systems check` only"), "{code}");
    }
}

#[test]
fn a_schema_past_the_table_limit_is_proposed_up_to_it_with_a_note() {
    let limit = ombud_core::limits::PLAN_TABLES_PER_SYSTEM_MAX;
    let tables: Vec<LiveTable> = (0..=limit)
        .map(|i| {
            let mut t = table(
                &format!("t{i:05}"),
                &["id"],
                &[("id", "bigint"), ("email", "text"), ("parent_id", "bigint")],
            );
            if i > 0 {
                t.foreign_keys = vec![fk("parent_id", &format!("t{:05}", i - 1), "id")];
            }
            t
        })
        .collect();
    let schema = LiveSchema { tables };
    let started = std::time::Instant::now();
    let proposal = propose(&schema, Some(&base()), "big");
    let proposed = started.elapsed();
    assert_eq!(proposal.yaml.matches("\n      - name: ").count(), limit);
    assert!(
        proposal.notes.iter().any(|n| n.contains("more than 2000 tables")),
        "{:?}",
        proposal.notes
    );
    let program =
        check_text(&format!("{BASE}{}", proposal.yaml), &options()).program.expect("a program");
    let started = std::time::Instant::now();
    let found = check_system(&program, "big", &schema);
    let checked = started.elapsed();
    // Every email is an identity without an index, and every `parent_id` but the
    // first table's a referencing column without one.
    assert_eq!(found.iter().filter(|d| d.code == "L039").count(), 2 * limit - 1);
    eprintln!("{limit} tables: proposed in {proposed:?}, checked in {checked:?}");
}
