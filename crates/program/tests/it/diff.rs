//! Tests: differences between two versions of a program. The full report of the two
//! fixture versions is a snapshot; identity, reordering and ordering are asserted.

use expect_test::{expect, expect_file};
use ombud_program::diff::{ChangeKind, diff, render_changes};

use crate::notice::{V1, V2, load};

#[test]
fn report_of_two_versions() {
    let (old, new) = (load(V1), load(V2));
    let changes = diff(&old, &new);
    expect_file!["snapshots/diff_v1_v2.txt"].assert_eq(&render_changes(&old, &new, &changes));
}

#[test]
fn report_of_going_back_marks_fewer_changes_material() {
    let (old, new) = (load(V2), load(V1));
    let changes = diff(&old, &new);
    expect_file!["snapshots/diff_v2_v1.txt"].assert_eq(&render_changes(&old, &new, &changes));
}

#[test]
fn a_program_compared_with_itself_has_no_changes() {
    let program = load(V1);
    let changes = diff(&program, &program);
    assert!(changes.is_empty(), "{changes:#?}");
    expect![[r#"
        There are no changes between version 2025.1 (effective 1 March 2025) and version 2025.1 (effective 1 March 2025) of the privacy program of Example Outfitters.
    "#]]
    .assert_eq(&render_changes(&program, &program, &changes));
}

#[test]
fn reordering_the_manifest_is_not_a_change() {
    // Items are matched by id: moving the channels around changes nothing people read.
    let form =
        r#"  - { id: form, kind: web_form, url: "https://www.example.com/privacy/requests" }"#;
    let unsubscribe = "  - { id: unsubscribe, kind: unsubscribe_link }";
    assert!(V1.contains(form) && V1.contains(unsubscribe));
    let reordered =
        V1.replace(form, "FORM").replace(unsubscribe, form).replace("FORM", unsubscribe);
    assert_ne!(reordered, V1);
    let changes = diff(&load(V1), &load(&reordered));
    assert!(changes.is_empty(), "{changes:#?}");
}

#[test]
fn a_new_sale_comes_first_and_material_changes_precede_the_rest() {
    let changes = diff(&load(V1), &load(V2));
    assert_eq!(changes.first().map(|c| c.kind), Some(ChangeKind::SaleOrSharingStarted));
    let first_minor = changes.iter().position(|c| !c.material).unwrap_or(changes.len());
    assert!(
        changes[first_minor..].iter().all(|c| !c.material),
        "material change after a minor one"
    );
    // Deterministic: the same inputs give the same report.
    assert_eq!(changes, diff(&load(V1), &load(V2)));
}

#[test]
fn a_removed_right_is_material_and_an_added_one_is_not() {
    let (old, new) = (load(V1), load(V2));
    let summary = |kind| {
        diff(&old, &new)
            .into_iter()
            .chain(diff(&new, &old))
            .filter(|c| c.kind == kind)
            .map(|c| format!("{} {}", if c.material { "material:" } else { "minor:" }, c.summary))
            .collect::<Vec<_>>()
            .join("\n")
    };
    expect![[r#"
        material: “Right to know about disclosures for direct marketing (Shine the Light)” is no longer offered under the CCPA."#]]
    .assert_eq(&summary(ChangeKind::RightRemoved));
    expect![[r#"
        minor: “Right to know about disclosures for direct marketing (Shine the Light)” is now offered under the CCPA."#]]
    .assert_eq(&summary(ChangeKind::RightAdded));
}

#[test]
fn huge_disclosures_are_compared_as_a_whole() {
    // A hostile manifest could expand one disclosure into millions of pairs; the diff
    // stays bounded and still reports that something changed (PAIRS_MAX).
    let old = load(V1);
    let mut new = old.clone();
    new.disclosures[0].categories = vec![0; 1001];
    new.disclosures[0].recipients = vec![0; 1000];
    let changes: Vec<String> = diff(&old, &new).into_iter().map(|c| c.summary).collect();
    expect![[r#"
        [
            "The disclosures changed; they are too many to compare one by one.",
        ]
    "#]]
    .assert_debug_eq(&changes);
}
