//! Tests: the traversal plan (issue 4 item 3). The plan for the SaaS example is a
//! snapshot; the rules that keep traversal to one person's rows are asserted on small
//! hand-built systems.

use expect_test::expect;
use ombud_core::{Engine, ErasureStrategy, IdentityKind, RetentionReason, SystemRole};
use ombud_program::Program;
use ombud_program::model::{Column, Reference, Retain, System, SystemKind, Table};
use ombud_program::plan::{Action, PlanError, Source, compile};

use crate::notice::load;

const SAAS: &str = include_str!("../../../../examples/saas.yaml");

fn table(name: &str, identity: &[(&str, IdentityKind)], refs: &[(&str, &str, &str)]) -> Table {
    Table {
        name: name.to_owned(),
        primary_key: Some("id".to_owned()),
        identity: identity.iter().map(|(c, k)| ((*c).to_owned(), *k)).collect(),
        columns: vec![Column { name: "note".to_owned(), category: 0, span: Default::default() }],
        references: refs
            .iter()
            .map(|(column, target, target_column)| Reference {
                column: (*column).to_owned(),
                table: (*target).to_owned(),
                target_column: (*target_column).to_owned(),
                span: Default::default(),
            })
            .collect(),
        erase: Some(ErasureStrategy::Delete),
        erase_columns: Vec::new(),
        retain: None,
        span: Default::default(),
    }
}

fn with_system(tables: Vec<Table>) -> Program {
    let mut program = load(SAAS);
    program.systems = vec![System {
        id: "db".to_owned(),
        name: None,
        role: SystemRole::Controller,
        kind: SystemKind::Database { engine: Engine::Sqlite, connection_env: None, tables },
        span: Default::default(),
    }];
    program
}

fn names(program: &Program, kinds: &[IdentityKind]) -> Vec<String> {
    compile(program, "db", kinds).expect("a plan").steps.iter().map(|s| s.table.clone()).collect()
}

#[test]
fn the_saas_example_plan() {
    let program = load(SAAS);
    let plan = compile(&program, "app", &[IdentityKind::Email]).unwrap();
    expect![[r#"
        system app (PostgreSQL)
          1. app_user where email = email
          2. newsletter_subscriber where email = email
          3. session where user_id in app_user.id
          4. page_event where user_id in app_user.id
          5. interest_profile where user_id in app_user.id
          6. billing_account where owner_id in app_user.id
          7. support_ticket where user_id in app_user.id
          8. survey_response where user_id in app_user.id
          9. consent_record where user_id in app_user.id
          10. order_line where billing_account_id in billing_account.id
          erasure, in order:
            order_line: keep (exception G-b)
            consent_record: keep (exception G-e)
            survey_response: delete rows
            support_ticket: delete rows
            billing_account: keep (exception G-b)
            interest_profile: delete rows
            page_event: delete rows
            session: delete rows
            newsletter_subscriber: delete rows
            app_user: overwrite email: mask, full_name: mask, mailing_address: mask, password_hash: mask, phone: mask, sso_subject: mask, ui_settings: mask
    "#]]
    .assert_eq(&plan.describe());
    assert!(plan.erasure_problems.is_empty());
}

#[test]
fn a_person_known_only_by_a_cookie_id_starts_at_the_events() {
    let program = load(SAAS);
    let plan = compile(&program, "app", &[IdentityKind::CookieId]).unwrap();
    // page_event holds the cookie id and references the user: the user record is the
    // person's own (up from an identity table), and everything below it follows.
    assert_eq!(plan.steps[0].table, "page_event");
    assert_eq!(plan.steps[1].table, "app_user");
    assert!(matches!(plan.steps[1].sources[0], Source::Reference { upward: true, .. }));
}

#[test]
fn processors_and_service_providers_are_not_planned() {
    let program = load(SAAS);
    // R-200: data held as a processor is referred to the customer.
    assert_eq!(
        compile(&program, "workspaces", &[IdentityKind::Email]),
        Err(PlanError::Processor("workspaces".into()))
    );
    assert_eq!(
        compile(&program, "mailer", &[IdentityKind::Email]),
        Err(PlanError::NotADatabase("mailer".into()))
    );
    assert_eq!(
        compile(&program, "nope", &[IdentityKind::Email]),
        Err(PlanError::UnknownSystem("nope".into()))
    );
}

#[test]
fn no_identity_of_the_kinds_given_means_an_empty_plan() {
    let program = load(SAAS);
    let plan = compile(&program, "app", &[IdentityKind::DeviceId]).unwrap();
    assert!(plan.steps.is_empty());
    assert!(plan.describe().contains("nothing to search"));
}

#[test]
fn upward_references_are_followed_only_from_identity_tables() {
    // ticket → agent (staff): reached downward from customer, the agent is another
    // person and must not be read.
    let program = with_system(vec![
        table("customer", &[("email", IdentityKind::Email)], &[]),
        table("agent", &[], &[]),
        table("ticket", &[], &[("customer_id", "customer", "id"), ("agent_id", "agent", "id")]),
    ]);
    // (ticket is not an identity table, so its agent_id never leads up.)
    assert_eq!(names(&program, &[IdentityKind::Email]), ["customer", "ticket"]);
    let plan = compile(&program, "db", &[IdentityKind::Email]).unwrap();
    assert_eq!(plan.not_followed.len(), 1);
    assert_eq!(plan.not_followed[0].target_table, "agent");
}

#[test]
fn going_up_needs_a_column_that_says_whose_row_it_is() {
    // customer.account_manager_id -> employee: up and then down again would read every
    // ticket the manager handled. Only a column declared as an identity leads up.
    // Employees are not found by a customer's email, so nothing of theirs is read.
    let program = with_system(vec![
        table(
            "customer",
            &[("email", IdentityKind::Email)],
            &[("account_manager_id", "employee", "id")],
        ),
        table("employee", &[], &[]),
        table("ticket", &[], &[("agent_id", "employee", "id"), ("customer_id", "customer", "id")]),
    ]);
    assert_eq!(names(&program, &[IdentityKind::Email]), ["customer", "ticket"]);
    let plan = compile(&program, "db", &[IdentityKind::Email]).unwrap();
    let ticket = plan.steps.iter().find(|s| s.table == "ticket").unwrap();
    assert_eq!(ticket.sources.len(), 1, "tickets only through their customer");
}

#[test]
fn a_table_is_read_after_every_table_it_references() {
    // ticket is declared before orders, and references both customer and orders:
    // tickets linked only by their order are found too.
    let program = with_system(vec![
        table("customer", &[("email", IdentityKind::Email)], &[]),
        table("ticket", &[], &[("customer_id", "customer", "id"), ("order_id", "orders", "id")]),
        table("orders", &[], &[("customer_id", "customer", "id")]),
    ]);
    assert_eq!(names(&program, &[IdentityKind::Email]), ["customer", "orders", "ticket"]);
    let plan = compile(&program, "db", &[IdentityKind::Email]).unwrap();
    assert_eq!(plan.steps[2].sources.len(), 2);
    assert!(plan.not_followed.is_empty());
}

#[test]
fn a_personal_key_column_cannot_be_overwritten() {
    let mut newsletter = table("newsletter", &[("email", IdentityKind::Email)], &[]);
    newsletter.primary_key = Some("email".into());
    newsletter.erase = Some(ErasureStrategy::Hash);
    newsletter.columns =
        vec![Column { name: "email".into(), category: 0, span: Default::default() }];
    let program = with_system(vec![newsletter]);
    let plan = compile(&program, "db", &[IdentityKind::Email]).unwrap();
    assert_eq!(plan.erasure_problems.len(), 1);
    assert!(plan.erasure_problems[0].contains("is a key"));
}

#[test]
fn self_references_are_never_followed() {
    let program = with_system(vec![table(
        "customer",
        &[("email", IdentityKind::Email)],
        &[("referred_by", "customer", "id")],
    )]);
    let plan = compile(&program, "db", &[IdentityKind::Email]).unwrap();
    assert_eq!(plan.steps.len(), 1);
    assert_eq!(plan.steps[0].sources.len(), 1);
    assert!(plan.not_followed[0].reason.contains("itself"));
}

#[test]
fn a_table_reached_twice_reads_the_union_once() {
    // subscription has its own email and references the customer: both sources, one step.
    let program = with_system(vec![
        table("customer", &[("email", IdentityKind::Email)], &[]),
        table(
            "subscription",
            &[("email", IdentityKind::Email)],
            &[("customer_id", "customer", "id")],
        ),
    ]);
    let plan = compile(&program, "db", &[IdentityKind::Email]).unwrap();
    assert_eq!(plan.steps.len(), 2);
    assert_eq!(plan.steps[1].sources.len(), 2);
    // The customer's id is read because the subscription step needs it.
    assert!(plan.steps[0].read_columns.contains(&"id".to_owned()));
}

#[test]
fn erasure_visits_children_before_parents_even_when_declared_first() {
    let program = with_system(vec![
        table("order_item", &[], &[("order_id", "orders", "id")]),
        table("orders", &[], &[("customer_id", "customer", "id")]),
        table("customer", &[("email", IdentityKind::Email)], &[]),
    ]);
    let plan = compile(&program, "db", &[IdentityKind::Email]).unwrap();
    let order: Vec<&str> = plan.erase_order.iter().map(|&s| plan.steps[s].table.as_str()).collect();
    assert_eq!(order, ["order_item", "orders", "customer"]);
    assert!(plan.cycles.is_empty());
}

#[test]
fn reference_cycles_are_reported_and_still_ordered() {
    let program = with_system(vec![
        table("customer", &[("email", IdentityKind::Email)], &[("main_address", "address", "id")]),
        table("address", &[], &[("customer_id", "customer", "id")]),
    ]);
    let plan = compile(&program, "db", &[IdentityKind::Email]).unwrap();
    assert_eq!(plan.steps.len(), 2);
    assert_eq!(plan.erase_order.len(), 2);
    assert_eq!(plan.cycles.len(), 1);
}

#[test]
fn deleting_a_parent_whose_children_are_kept_is_refused() {
    // R-095/R-096: rows kept under an exception must survive the erasure of their parent.
    let mut orders = table("orders", &[], &[("customer_id", "customer", "id")]);
    orders.retain = Some(Retain {
        reason: Some(RetentionReason::Ccpa(ombud_core::CcpaDeletionException::D8)),
        also: Vec::new(),
        period: None,
        note: None,
        span: Default::default(),
    });
    let program =
        with_system(vec![table("customer", &[("email", IdentityKind::Email)], &[]), orders]);
    let plan = compile(&program, "db", &[IdentityKind::Email]).unwrap();
    assert_eq!(plan.erasure_problems.len(), 1, "{:?}", plan.erasure_problems);
    assert!(
        plan.erasure_problems[0]
            .contains("deleting rows of `customer` would break `orders.customer_id`")
    );
    assert_eq!(
        plan.steps[1].action,
        Action::Retain(vec![RetentionReason::Ccpa(ombud_core::CcpaDeletionException::D8)])
    );
}

#[test]
fn column_strategies_override_the_table_and_spare_keys() {
    let mut customer =
        table("customer", &[("email", IdentityKind::Email)], &[("referrer_id", "customer", "id")]);
    customer.erase = Some(ErasureStrategy::Mask);
    customer.columns.push(Column { name: "email".into(), category: 0, span: Default::default() });
    customer.columns.push(Column {
        name: "referrer_id".into(),
        category: 0,
        span: Default::default(),
    });
    customer.erase_columns = vec![("email".into(), ErasureStrategy::Hash)];
    let program = with_system(vec![customer]);
    let plan = compile(&program, "db", &[IdentityKind::Email]).unwrap();
    assert_eq!(
        plan.steps[0].action,
        Action::Overwrite(vec![
            ("note".into(), ErasureStrategy::Mask),
            ("email".into(), ErasureStrategy::Hash),
        ])
    );
}

#[test]
fn a_reference_to_an_undeclared_table_is_an_error_naming_both() {
    let program = with_system(vec![table(
        "customer",
        &[("email", IdentityKind::Email)],
        &[("x", "ghost", "id")],
    )]);
    let error = compile(&program, "db", &[IdentityKind::Email]).unwrap_err();
    assert_eq!(
        error.to_string(),
        "table `customer` of system `db` references table `ghost`, which the system does not declare; declare it or fix the reference"
    );
}

#[test]
fn a_long_chain_is_planned_in_linear_order() {
    // 1,000 tables each referencing the previous: the planner neither recurses nor loops.
    let mut tables = vec![table("t0", &[("email", IdentityKind::Email)], &[])];
    let names_owned: Vec<String> = (0..1000).map(|i| format!("t{i}")).collect();
    for i in 1..1000 {
        tables.push(table(
            &names_owned[i],
            &[],
            &[("parent_id", names_owned[i - 1].as_str(), "id")],
        ));
    }
    let program = with_system(tables);
    let plan = compile(&program, "db", &[IdentityKind::Email]).unwrap();
    assert_eq!(plan.steps.len(), 1000);
    assert_eq!(plan.steps[plan.erase_order[0]].table, "t999");
}
