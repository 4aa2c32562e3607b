//! Tests: differences between two versions of a program. The full report of the two
//! fixture versions is a snapshot; identity, reordering and ordering are asserted.

use expect_test::{Expect, expect, expect_file};
use ombud_program::diff::{ChangeKind, PAIRS_MAX, diff, render_changes};

use crate::notice::{V1, V2, load};

/// A complete program with systems, deletion exceptions and a service provider.
const BASE: &str = include_str!("fixtures/base.yaml");

/// `text` with one exact piece replaced.
#[track_caller]
fn edited(text: &str, from: &str, to: &str) -> String {
    assert_eq!(text.matches(from).count(), 1, "`{from}` must occur exactly once");
    text.replacen(from, to, 1)
}

/// Every change from `old` to `new`, one per line, material ones marked.
#[track_caller]
fn check(old: &str, new: &str, expect: Expect) {
    let changes = diff(&load(old), &load(new));
    let lines: Vec<String> = changes
        .iter()
        .map(|c| {
            let mark = if c.material { "material" } else { "minor" };
            format!("{mark} [{}] {}", c.subject, c.summary)
        })
        .collect();
    expect.assert_eq(&lines.join("\n"));
}

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

#[test]
fn disclosures_up_to_pairs_max_are_compared_pair_by_pair() {
    // At the limit the diff still compares (category, recipient) pairs one by one; the
    // pairs borrow the programs' ids, so this stays cheap (STYLE.md §4.7).
    let old = load(V1);
    let mut new = old.clone();
    let others: usize =
        new.disclosures[1..].iter().map(|d| d.categories.len() * d.recipients.len()).sum();
    let recipients = (PAIRS_MAX - others) / 100;
    // The first disclosure is of categories 0 and 2 to recipient 0: repeat them.
    assert_eq!(
        (&old.disclosures[0].categories, &old.disclosures[0].recipients),
        (&vec![0, 2], &vec![0])
    );
    new.disclosures[0].categories = (0..100).map(|i| i % 2 * 2).collect();
    new.disclosures[0].recipients = vec![0; recipients];
    let pairs: usize =
        new.disclosures.iter().map(|d| d.categories.len() * d.recipients.len()).sum();
    assert!(pairs <= PAIRS_MAX && pairs + 100 > PAIRS_MAX, "{pairs}");
    // The same pairs, so nothing people read changes.
    assert_eq!(diff(&old, &new), Vec::new());
}

// ---------------------------------------------------------------------------------
// Opt-out links are named by their statutory titles (R-150, R-151)

#[test]
fn relabelling_an_opt_out_link_changes_nothing_people_read_r150() {
    let dns = r#"{ id: dns, kind: do_not_sell_link, url: "https://www.example.com/privacy/do-not-sell" }"#;
    let labelled = r#"{ id: dns, kind: do_not_sell_link, url: "https://www.example.com/privacy/do-not-sell", label: Click here to win }"#;
    let changes = diff(&load(V1), &load(&edited(V1, dns, labelled)));
    assert!(changes.is_empty(), "{changes:#?}");
}

#[test]
fn a_moved_opt_out_link_is_named_by_its_statutory_title_r150() {
    let dns = r#"{ id: dns, kind: do_not_sell_link, url: "https://www.example.com/privacy/do-not-sell" }"#;
    let moved = r#"{ id: dns, kind: do_not_sell_link, url: "https://www.example.com/opt-out", label: Click here to win }"#;
    check(
        V1,
        &edited(V1, dns, moved),
        expect![[
            r#"material [channel:dns] "Do Not Sell or Share My Personal Information" link changes from https://www.example.com/privacy/do-not-sell to https://www.example.com/opt-out."#
        ]],
    );
}

// ---------------------------------------------------------------------------------
// Deletion exceptions and data held for customers, as the notices state them (R-155)

const ORDERS_RETAIN: &str = "        retain:\n          reason: D8\n          period: 7 years\n          note: Tax law requires us to keep invoices.\n";

#[test]
fn a_new_deletion_exception_is_material_r096_r155() {
    let new = edited(
        BASE,
        "          page: browsing\n",
        "          page: browsing\n        retain: { reason: D2, period: 1 year }\n",
    );
    check(
        BASE,
        &new,
        expect![
            "material [deletion_exception:D2] After a request to delete, data is now kept under the exception “To help ensure security and integrity, as far as reasonably necessary and proportionate” (Civ. Code §1798.105(d)(2)): “Browsing activity”, for “1 year”."
        ],
    );
}

#[test]
fn a_deletion_exception_that_keeps_more_or_for_another_period_is_material_r096_r155() {
    let new = edited(BASE, "          period: 7 years\n", "          period: 10 years\n");
    let new = edited(
        &new,
        "          items: purchases\n",
        "          items: purchases\n          last_page: browsing\n",
    );
    check(
        BASE,
        &new,
        expect![[r#"
        material [deletion_exception:D8] After a request to delete, the exception “To comply with a legal obligation” (Civ. Code §1798.105(d)(8)) now also keeps “Browsing activity”.
        material [deletion_exception:D8] How long data is kept under the exception “To comply with a legal obligation” (Civ. Code §1798.105(d)(8)) changes from “7 years” to “10 years”."#]],
    );
}

#[test]
fn a_deletion_exception_dropped_or_narrowed_is_reported_but_not_material_r096() {
    check(
        BASE,
        &edited(BASE, ORDERS_RETAIN, ""),
        expect![
            "minor [deletion_exception:D8] After a request to delete, no data is kept under the exception “To comply with a legal obligation” (Civ. Code §1798.105(d)(8)) any more."
        ],
    );
    let narrowed =
        edited(BASE, "          shipping_address: contact\n        erase:", "        erase:");
    let narrowed =
        edited(&narrowed, "            shipping_address: mask\n", "            items: mask\n");
    check(
        BASE,
        &narrowed,
        expect![
            "minor [deletion_exception:D8] After a request to delete, the exception “To comply with a legal obligation” (Civ. Code §1798.105(d)(8)) no longer keeps “Contact details”."
        ],
    );
}

#[test]
fn starting_or_stopping_to_hold_data_for_customers_is_material_r200() {
    let processor =
        format!("{BASE}  - id: client_workspaces\n    engine: postgres\n    role: processor\n");
    check(
        BASE,
        &processor,
        expect![
            "material [systems:processor] Some personal information is now held on behalf of business customers, as their service provider or processor; requests about it are referred to the customer."
        ],
    );
    check(
        &processor,
        BASE,
        expect![
            "material [systems:processor] No personal information is held on behalf of business customers any more; requests are no longer referred to a customer."
        ],
    );
}

// ---------------------------------------------------------------------------------
// GDPR Art 13(2)(e)-(f) statements

#[test]
fn automated_decisions_that_start_are_material_art13_2_f_art22() {
    let automated = edited(
        V1,
        "  automated_decisions: false\n",
        "  automated_decisions: true\n  automated_decisions_logic: A fraud score cancels risky orders.\n",
    );
    check(
        V1,
        &automated,
        expect![
            "material [gdpr.automated_decisions] Decisions with legal or similarly significant effects are now made about people by automated means alone (GDPR Art 22)."
        ],
    );
    check(
        &automated,
        V1,
        expect![
            "minor [gdpr.automated_decisions] Decisions are no longer made about people by automated means alone."
        ],
    );
    let reworded = edited(&automated, "A fraud score cancels", "A fraud score holds");
    check(
        &automated,
        &reworded,
        expect![
            "material [gdpr.automated_decisions] What the notice says about the logic of automated decisions and their consequences for people changes."
        ],
    );
}

#[test]
fn a_changed_statement_on_providing_data_is_material_art13_2_e() {
    let reworded =
        edited(V1, "you can still shop with us.", "you can still shop with us as a guest.");
    check(
        V1,
        &reworded,
        expect![
            "material [gdpr.provision] What the notice says about whether people must provide their data now reads: “You must give us your contact details to place an order or open an account: we need them to enter into and carry out our contract with you, and without them we cannot sell to you or run your account. Ride data, location and marketing choices are up to you; if you do not give them, you can still shop with us as a guest.”"
        ],
    );
}

#[test]
fn reordering_tables_does_not_change_a_deletion_exception() {
    // Two tables kept under D8 for different periods, written in either order.
    let two = edited(
        BASE,
        "          page: browsing\n",
        "          page: browsing\n        retain: { reason: D8, period: 1 year }\n",
    );
    let orders = &two[two.find("      - name: orders\n").unwrap_or_default()
        ..two.find("      - name: web_events\n").unwrap_or_default()];
    let web_events = &two[two.find("      - name: web_events\n").unwrap_or_default()
        ..two.find("      - name: app_locations\n").unwrap_or_default()];
    let swapped = edited(&two, &format!("{orders}{web_events}"), &format!("{web_events}{orders}"));
    let changes = diff(&load(&two), &load(&swapped));
    assert!(changes.is_empty(), "{changes:#?}");
}
