//! Tests: import of a Fides (fideslang) dataset (`fides::import_fides`).
//!
//! `fixtures/fides_shop.yaml` is a fictional dataset written for these tests, in the
//! format fideslang documents: identities, primary keys, references in both
//! directions, a category without a mapping, an identity without an equivalent, a
//! reference to another dataset and a nested document.

use expect_test::expect;
use ombud_core::{IdentityKind, limits};
use ombud_program::fides::{FidesError, import_fides};
use ombud_program::live::Proposal;
use ombud_program::model::{SystemKind, Table};
use ombud_program::{CheckOptions, Checked, Date, Diagnostic, Program, Severity, check_text};
use proptest::prelude::*;

const BASE: &str = include_str!("fixtures/base.yaml");
const SHOP: &str = include_str!("fixtures/fides_shop.yaml");

fn options() -> CheckOptions {
    CheckOptions { today: Date::parse("2026-11-22") }
}

fn base() -> Program {
    check_text(BASE, &options()).program.expect("base.yaml has a program")
}

fn pasted(proposal: &Proposal) -> Checked {
    check_text(&format!("{BASE}{}", proposal.yaml), &options())
}

#[track_caller]
fn tables_without_errors(proposal: &Proposal, system: &str) -> Vec<Table> {
    let checked = pasted(proposal);
    let errors: Vec<String> = checked
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d: &Diagnostic| d.render("pasted.yaml"))
        .collect();
    assert!(errors.is_empty(), "{}\n{}", errors.join("\n"), proposal.yaml);
    let program = checked.program.expect("a program");
    let system = program.systems.into_iter().find(|s| s.id == system).expect("the system");
    match system.kind {
        SystemKind::Database { tables, .. } => tables,
        SystemKind::ServiceProvider { .. } => panic!("a database was proposed"),
    }
}

#[track_caller]
fn refused(yaml: &str) -> String {
    match import_fides(yaml, None, "quill_db") {
        Err(error) => error.to_string(),
        Ok(proposal) => panic!("expected a refusal, got:\n{}", proposal.yaml),
    }
}

#[test]
fn the_shop_dataset_becomes_annotations() {
    let proposal = import_fides(SHOP, Some(&base()), "quill_db").expect("imports");
    expect![[r#"
        # Proposed by `ombud systems import-fides` for system `quill_db`.
        # Paste under `systems:`, review every line and resolve each TODO comment.
          - id: quill_db
            engine: postgres # TODO the engine of this database: postgres, mysql or sqlite
            connection: env:QUILL_DB_DATABASE_URL # TODO the variable that holds its connection string
            tables:
              - name: customer
                primary_key: id
                identity:
                  email: email
                  phone: phone
                  # loyalty_card: TODO Fides identity `loyalty_number` has no ombud kind: choose email, phone, customer_id, user_id, device_id or cookie_id
                columns:
                  email: contact
                  first_name: contact
                  id: contact
                  phone: contact
                  # loyalty_card: TODO choose a category (Fides categories `user.custom.loyalty` have no mapping to a CCPA category)
                references:
                  address_id: address.id
              - name: address
                primary_key: id
                columns:
                  city: contact
                  street: contact
              - name: orders
                primary_key: id
                columns:
                  customer_id: contact
                  # gift_note: TODO choose a category (Fides categories `user.content.private` have no mapping to a CCPA category)
                references:
                  customer_id: customer.id
              - name: customer_address
                references:
                  customer_id: customer.id
              - name: login
                primary_key: id
                columns:
                  device: precise_location
                references:
                  customer_id: customer.id
            # Not personal as far as names show: `product`.
    "#]]
    .assert_eq(&proposal.yaml);
    let notes = proposal.notes.join("\n");
    for expected in [
        "`orders`.`warehouse_id` references dataset `logistics_db`; references between systems are not declared",
        "`login`.`device` holds nested fields (`device.ip`, `device.location.lat`, `device.location`)",
        "3 annotation(s) need a person's choice",
    ] {
        assert!(notes.contains(expected), "missing {expected:?} in:\n{notes}");
    }
    let tables = tables_without_errors(&proposal, "quill_db");
    let customer = tables.iter().find(|t| t.name == "customer").expect("customer");
    assert_eq!(
        customer.identity,
        [("email".into(), IdentityKind::Email), ("phone".into(), IdentityKind::Phone)]
    );
}

#[test]
fn references_follow_their_direction() {
    let proposal = import_fides(SHOP, Some(&base()), "quill_db").expect("imports");
    let tables = tables_without_errors(&proposal, "quill_db");
    let reference = |table: &str| -> Vec<(String, String, String)> {
        let table = tables.iter().find(|t| t.name == table).expect("table");
        table
            .references
            .iter()
            .map(|r| (r.column.clone(), r.table.clone(), r.target_column.clone()))
            .collect()
    };
    // `direction: from` on address.id: customer.address_id points at it.
    assert_eq!(reference("customer"), [("address_id".into(), "address".into(), "id".into())]);
    assert_eq!(reference("address"), []);
    // `direction: to`, and no direction at all, point from this field to the other.
    assert_eq!(reference("orders"), [("customer_id".into(), "customer".into(), "id".into())]);
    assert_eq!(
        reference("customer_address"),
        [("customer_id".into(), "customer".into(), "id".into())]
    );
}

#[test]
fn without_a_program_the_categories_are_todo_and_it_still_checks() {
    let proposal = import_fides(SHOP, None, "quill_db").expect("imports");
    assert!(proposal.yaml.contains(
        "        #   device: TODO choose a category (suggested: a precise location, sensitive personal information `sensitive: precise_geolocation`)"
    ));
    tables_without_errors(&proposal, "quill_db");
}

#[test]
fn a_file_of_several_datasets_imports_the_one_named_by_the_system() {
    let two = format!(
        "{SHOP}  - fides_key: other_db\n    collections:\n      - name: visitor\n        fields:\n          - name: email\n            fides_meta: {{ identity: email }}\n"
    );
    let proposal = import_fides(&two, None, "other_db").expect("imports other_db");
    assert!(proposal.yaml.contains("- name: visitor") && !proposal.yaml.contains("customer"));
    let proposal = import_fides(&two, None, "quill_db").expect("imports quill_db");
    assert!(proposal.yaml.contains("- name: customer"));
    let error = import_fides(&two, None, "shop").expect_err("ambiguous");
    assert_eq!(
        error.to_string(),
        "line 4, column 5: the file holds 2 datasets (`quill_db`, `other_db`) and none has the fides_key `shop`; import one at a time: name the dataset's fides_key as the system, or split the file"
    );
}

#[test]
fn old_fidesops_meta_and_old_taxonomy_keys_are_read() {
    let yaml = "dataset:\n  - fides_key: legacy\n    collections:\n      - name: users\n        fields:\n          - name: mail\n            data_categories: [user.provided.identifiable.contact.email]\n            fidesops_meta:\n              identity: email\n              primary_key: True\n";
    let proposal = import_fides(yaml, Some(&base()), "legacy").expect("imports");
    assert!(proposal.yaml.contains("primary_key: mail\n"), "{}", proposal.yaml);
    assert!(proposal.yaml.contains("          mail: email\n"));
    assert!(proposal.yaml.contains("          mail: contact\n"));
}

#[test]
fn bad_references_name_the_collection_and_field() {
    let dangling = SHOP.replace("field: customer.address_id", "field: customers.address_id");
    assert_eq!(
        refused(&dangling),
        "line 42, column 19: the reference of `address`.`id` names collection `customers`, which the dataset does not have; fix the collection's name in `field:`, or remove the reference"
    );
    let no_field = SHOP.replace("field: customer.address_id", "field: customer.addr_id");
    assert!(
        refused(&no_field)
            .contains("names field `addr_id` of collection `customer`, which has no such field")
    );
    let no_dot = SHOP.replace("field: customer.address_id", "field: address_id");
    assert!(
        refused(&no_dot)
            .contains("the reference of `address`.`id` names `address_id`, not `collection.field`")
    );
    let bad_direction = SHOP.replace("direction: from", "direction: sideways");
    assert_eq!(
        refused(&bad_direction),
        "line 44, column 30: unknown value `sideways`; write one of from, to"
    );
}

#[test]
fn duplicates_and_empty_names_are_refused() {
    let twice = SHOP.replace("      - name: product\n", "      - name: orders\n");
    assert!(refused(&twice).contains("the dataset lists collection `orders` twice"));
    let field_twice = SHOP.replace("          - name: first_name\n", "          - name: email\n");
    assert!(refused(&field_twice).contains("collection `customer` lists field `email` twice"));
    let empty = SHOP.replace("          - name: first_name\n", "          - name: \"\"\n");
    assert!(refused(&empty).contains("a field of collection `customer` has an empty name"));
}

#[test]
fn wrong_shapes_are_refused_with_what_a_dataset_looks_like() {
    assert_eq!(
        refused(""),
        "the file is empty; export the dataset with `fides pull` or write `dataset:` with its collections"
    );
    assert!(refused("not: [valid").starts_with("line "), "{}", refused("not: [valid"));
    assert!(refused("just text").contains("not a Fides dataset"));
    assert!(refused("dataset: hello\n").contains("not a Fides dataset"));
    assert!(refused("dataset: []\n").contains("the file declares no dataset"));
    assert!(
        refused("dataset:\n  - fides_key: x\n").contains("missing `collections` in this mapping")
    );
    assert!(
        refused("dataset:\n  - fides_key: x\n    collections:\n      - name: t\n")
            .contains("missing `fields`")
    );
    assert!(refused("dataset:\n  - fides_key: x\n    collections:\n      - name: t\n        fields:\n          - data_categories: [user.name]\n").contains("missing `name`"));
    assert!(
        refused("dataset:\n  - collections:\n      - name: t\n        fields: {a: b}\n")
            .contains("not a Fides dataset")
    );
    assert!(
        refused("dataset:\n  - fides_key: x\n    collections: []\n---\ndataset: []\n")
            .contains("safety limit")
    );
}

#[test]
fn the_size_limit_is_enforced_at_the_limit_and_one_past_it() {
    let mut at = SHOP.to_owned();
    at.push('#');
    at.push_str(&"x".repeat(limits::FIDES_DATASET_BYTES_MAX - at.len()));
    assert_eq!(at.len(), limits::FIDES_DATASET_BYTES_MAX);
    assert!(import_fides(&at, None, "quill_db").is_ok());
    at.push('x');
    let error = import_fides(&at, None, "quill_db").expect_err("too large");
    assert_eq!(error, FidesError::TooLarge { size_bytes: limits::FIDES_DATASET_BYTES_MAX + 1 });
    assert!(error.to_string().contains("more than the 4194304 bytes"));
}

#[test]
fn an_alias_bomb_is_stopped() {
    let mut yaml = String::from(
        "a0: &a0 [user.name, user.name, user.name, user.name, user.name, user.name, user.name, user.name]\n",
    );
    for i in 1..12 {
        let p = i - 1;
        yaml.push_str(&format!(
            "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
        ));
    }
    yaml.push_str("dataset:\n  - fides_key: x\n    collections:\n      - name: t\n        fields:\n          - name: f\n            data_categories: *a11\n");
    assert!(refused(&yaml).contains("safety limit"), "{}", refused(&yaml));
}

#[test]
fn deep_nesting_is_stopped() {
    let mut yaml = String::from(
        "dataset:\n  - fides_key: x\n    collections:\n      - name: t\n        fields:\n",
    );
    let mut indent = 10;
    for i in 0..40 {
        yaml.push_str(&format!(
            "{}- name: f{i}\n{}  fields:\n",
            " ".repeat(indent),
            " ".repeat(indent)
        ));
        indent += 4;
    }
    yaml.push_str(&format!("{}- name: leaf\n", " ".repeat(indent)));
    assert!(refused(&yaml).contains("safety limit"), "{}", refused(&yaml));
}

#[test]
fn hostile_names_are_quoted_or_left_out() {
    let yaml = "dataset:\n  - fides_key: x\n    collections:\n      - name: \"my table: #1\"\n        fields:\n          - name: \"-e mail\"\n            data_categories: [user.contact.email]\n            fides_meta: { identity: email, primary_key: true }\n          - name: \"bad\\nname\"\n            data_categories: [user.name]\n";
    let proposal = import_fides(yaml, Some(&base()), "x").expect("imports");
    let tables = tables_without_errors(&proposal, "x");
    assert_eq!(tables[0].name, "my table: #1");
    assert_eq!(tables[0].primary_key.as_deref(), Some("-e mail"));
    assert!(
        proposal
            .notes
            .iter()
            .any(|n| n.contains("column `bad\\u{a}name` of table `my table: #1` is left out"))
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Whatever text arrives, the import answers without panicking.
    #[test]
    fn any_text_is_answered(text in "\\PC{0,400}") {
        let _ = import_fides(&text, None, "x");
    }

    /// Mutations of the real fixture: a proposal, or an error that is one sentence.
    #[test]
    fn mutated_datasets_are_answered(at in 0usize..4000, cut in 0usize..40, insert in "[ :\\-\\[\\]{}#&*!|>'\"\\n]{0,6}") {
        let at = SHOP.char_indices().map(|(i, _)| i).find(|&i| i >= at.min(SHOP.len())).unwrap_or(SHOP.len());
        let end = SHOP.char_indices().map(|(i, _)| i).find(|&i| i >= at + cut).unwrap_or(SHOP.len());
        let text = format!("{}{insert}{}", &SHOP[..at], &SHOP[end..]);
        match import_fides(&text, Some(&base()), "quill_db") {
            Ok(proposal) => {
                let checked = pasted(&proposal);
                prop_assert!(!checked.has_errors(), "{}", proposal.yaml);
            }
            Err(error) => prop_assert!(!error.to_string().contains('\n')),
        }
    }
}
