//! Tests: lints.
//!
//! `fixtures/base.yaml` is a complete program that no lint fires on. Each lint has a
//! test that breaks one fact of it and expects the lint, named after the rule and
//! citing REGULATIONS.md, and a test with a near miss that must stay quiet. Most
//! mutate the typed [`Program`]; the failed references L010 and L014 (found while
//! lowering) and the rendered snapshots edit the YAML text instead.

use expect_test::{Expect, expect};
use ombud_core::{
    BusinessPurpose, CcpaDeletionException, ChannelKind, GdprErasureException, GdprLawfulBasis,
    Law, RecipientRole, RequestType, RetentionReason, SignalStance, SystemRole, VerificationMethod,
};
use ombud_program::lint::{self, LINTS};
use ombud_program::model::{GdprInfo, MinorsSale, Right, SystemKind, Table};
use ombud_program::{CheckOptions, Date, Diagnostic, Program, check_text};

const BASE: &str = include_str!("fixtures/base.yaml");

fn options() -> CheckOptions {
    CheckOptions { today: Date::parse("2026-11-22") }
}

/// The lowered program of `base.yaml`.
#[track_caller]
fn base() -> Program {
    let checked = check_text(BASE, &options());
    assert!(
        checked.diagnostics.is_empty(),
        "base.yaml is not clean:\n{}",
        render(&checked.diagnostics)
    );
    checked.program.expect("base.yaml has a program")
}

fn render(diagnostics: &[Diagnostic]) -> String {
    diagnostics.iter().map(|d| d.render("base.yaml")).collect::<Vec<_>>().join("\n")
}

fn run(program: &Program) -> Vec<Diagnostic> {
    lint::run(program, &options())
}

/// Asserts that `code` fires and returns its findings.
#[track_caller]
fn fires(program: &Program, code: &str) -> Vec<Diagnostic> {
    let all = run(program);
    let found: Vec<Diagnostic> = all.iter().filter(|d| d.code == code).cloned().collect();
    assert!(!found.is_empty(), "expected {code}, got:\n{}", render(&all));
    for diagnostic in &found {
        assert_eq!(diagnostic.citation, Some(lint::citation(code)), "{code} must cite its law");
    }
    found
}

/// Asserts that `code` fires once, with a message containing every one of `names`.
#[track_caller]
fn fires_naming(program: &Program, code: &str, names: &[&str]) {
    let found = fires(program, code);
    assert_eq!(found.len(), 1, "expected one {code}, got:\n{}", render(&found));
    for name in names {
        assert!(found[0].message.contains(name), "{code} should name {name}: {}", found[0].message);
    }
}

/// Asserts that `code` does not fire.
#[track_caller]
fn quiet(program: &Program, code: &str) {
    let found: Vec<Diagnostic> = run(program).into_iter().filter(|d| d.code == code).collect();
    assert!(found.is_empty(), "{code} should be quiet, got:\n{}", render(&found));
}

/// Asserts that no lint at all fires.
#[track_caller]
fn clean(program: &Program) {
    let all = run(program);
    assert!(all.is_empty(), "expected no findings, got:\n{}", render(&all));
}

/// `base.yaml` with one exact piece of text replaced.
#[track_caller]
fn edit(from: &str, to: &str) -> String {
    assert_eq!(BASE.matches(from).count(), 1, "`{from}` must occur exactly once in base.yaml");
    BASE.replacen(from, to, 1)
}

/// Checks manifest text and returns its diagnostics.
fn check(text: &str) -> Vec<Diagnostic> {
    check_text(text, &options()).diagnostics
}

#[track_caller]
fn check_rendered(text: &str, expect: Expect) {
    expect.assert_eq(&render(&check(text)));
}

fn right(program: &mut Program, right: RequestType) -> &mut Right {
    program.rights.iter_mut().find(|r| r.right == right).expect("base offers the right")
}

fn without_right(program: &mut Program, right: RequestType) {
    let before = program.rights.len();
    program.rights.retain(|r| r.right != right);
    assert_eq!(program.rights.len(), before - 1);
}

fn channel(program: &Program, id: &str) -> usize {
    program.channels.iter().position(|c| c.id == id).expect("base declares the channel")
}

fn channels(program: &Program, ids: &[&str]) -> Vec<usize> {
    ids.iter().map(|id| channel(program, id)).collect()
}

fn category(program: &Program, id: &str) -> usize {
    program.categories.iter().position(|c| c.id == id).expect("base declares the category")
}

fn purpose<'a>(program: &'a mut Program, id: &str) -> &'a mut ombud_program::model::Purpose {
    program.purposes.iter_mut().find(|p| p.id == id).expect("base declares the purpose")
}

fn recipient(program: &Program, id: &str) -> usize {
    program.recipients.iter().position(|r| r.id == id).expect("base declares the recipient")
}

fn tables(program: &mut Program) -> &mut Vec<Table> {
    match &mut program.systems[0].kind {
        SystemKind::Database { tables, .. } => tables,
        SystemKind::ServiceProvider { .. } => {
            panic!("the first system of base.yaml is the database")
        }
    }
}

fn table<'a>(program: &'a mut Program, name: &str) -> &'a mut Table {
    tables(program).iter_mut().find(|t| t.name == name).expect("base declares the table")
}

fn sell_nothing(program: &mut Program) {
    for disclosure in &mut program.disclosures {
        disclosure.sold = false;
        disclosure.shared = false;
    }
}

// ---------------------------------------------------------------------------------
// The fixture and the registry

#[test]
fn base_yaml_is_entirely_clean() {
    let checked = check_text(BASE, &options());
    assert_eq!(render(&checked.diagnostics), "");
    let (program, warnings) = ombud_program::load(BASE.as_bytes(), &options())
        .unwrap_or_else(|_| panic!("base.yaml loads"));
    assert!(warnings.is_empty());
    assert_eq!(program.jurisdictions, [Law::Ccpa, Law::Caloppa, Law::Gdpr, Law::Virginia]);
    // The preconditions the tests below rely on.
    assert!(program.sells() && program.shares());
    assert!(program.organization.website.is_some() && !program.exclusively_online);
    assert!(program.categories.iter().any(|c| c.sensitive.is_some() && c.infers_characteristics));
    assert_eq!(program.systems.len(), 2);
}

#[test]
fn every_lint_in_the_registry_has_a_trigger_and_a_quiet_test() {
    let source = include_str!("lints.rs");
    for lint in LINTS {
        let prefix = format!("fn {}_", lint.code.to_lowercase());
        let names: Vec<&str> = source
            .match_indices(&prefix)
            .map(|(at, _)| source[at + 3..].split('(').next().unwrap_or_default())
            .collect();
        assert!(names.iter().any(|n| !n.contains("_quiet_")), "{} has no trigger test", lint.code);
        assert!(names.iter().any(|n| n.contains("_quiet_")), "{} has no quiet test", lint.code);
    }
}

#[test]
fn every_lint_cites_an_r_number() {
    for lint in LINTS {
        assert!(
            lint.citation.contains("R-") || lint.citation.contains("§(a)"),
            "{} cites no R-number: {}",
            lint.code,
            lint.citation
        );
    }
}

// ---------------------------------------------------------------------------------
// Rendered output, pinned to lines and columns

#[test]
fn rendered_gpc_ignored_points_at_signals() {
    check_rendered(
        &edit("gpc: honor", "gpc: ignore"),
        expect![[r#"
            base.yaml:205:3: error[L002]: personal information is sold or shared, but Global Privacy Control is ignored although `ccpa` requires honoring it
              = help: set `signals: { gpc: honor }`: the law treats the signal as a valid opt-out (11 CCR §7025)
              = law: R-120; 11 CCR §7025(b)"#]],
    );
}

#[test]
fn rendered_disclosure_of_an_unknown_category_points_at_the_id() {
    check_rendered(
        &edit(
            "categories: [browsing]\n    recipients: [ad_partners]",
            "categories: [browsng]\n    recipients: [ad_partners]",
        ),
        expect![[r#"
            base.yaml:118:18: error[L010]: discloses category `browsng`, which the program never collects
              = help: did you mean `browsing`?
              = law: R-001; Civ. Code §1798.100(a)(1)"#]],
    );
}

#[test]
fn rendered_stale_notice_points_at_the_effective_date() {
    check_rendered(
        &edit("effective: \"2026-03-01\"", "effective: \"2025-06-30\""),
        expect![[r#"
            base.yaml:29:14: warning[L021]: the notice took effect 510 days ago; it must be reviewed at least every twelve months
              = help: review the program, then set `notice.effective` to the date of the update and change `notice.version`
              = law: R-155; Civ. Code §1798.130(a)(5)"#]],
    );
}

// ---------------------------------------------------------------------------------
// L001 sale-or-sharing-without-opt-out

#[test]
fn l001_selling_without_an_opt_out_is_an_error_r110() {
    let mut p = base();
    without_right(&mut p, RequestType::OptOutSaleShare);
    fires_naming(&p, "L001", &["`ccpa`", "`virginia`"]);
}

#[test]
fn l001_an_opt_out_for_californians_only_leaves_virginians_without_one_r110() {
    let mut p = base();
    right(&mut p, RequestType::OptOutSaleShare).laws = vec![Law::Ccpa];
    fires_naming(&p, "L001", &["`virginia`"]);
}

#[test]
fn l001_quiet_when_opt_out_is_offered() {
    clean(&base());
}

#[test]
fn l001_quiet_when_nothing_is_sold_or_shared() {
    let mut p = base();
    without_right(&mut p, RequestType::OptOutSaleShare);
    sell_nothing(&mut p);
    clean(&p);
}

#[test]
fn l001_quiet_under_gdpr_alone_which_has_no_sale() {
    let mut p = base();
    without_right(&mut p, RequestType::OptOutSaleShare);
    p.jurisdictions = vec![Law::Gdpr];
    quiet(&p, "L001");
}

// ---------------------------------------------------------------------------------
// L002 sale-or-sharing-ignores-gpc

#[test]
fn l002_selling_while_ignoring_gpc_is_an_error_r120() {
    let mut p = base();
    p.signals.gpc = SignalStance::Ignore;
    fires_naming(&p, "L002", &["Global Privacy Control", "`ccpa`"]);
}

#[test]
fn l002_quiet_when_nothing_is_sold_or_shared() {
    let mut p = base();
    p.signals.gpc = SignalStance::Ignore;
    sell_nothing(&mut p);
    clean(&p);
}

#[test]
fn l002_quiet_under_virginia_which_does_not_mandate_gpc() {
    let mut p = base();
    p.signals.gpc = SignalStance::Ignore;
    p.jurisdictions = vec![Law::Virginia];
    quiet(&p, "L002");
}

// ---------------------------------------------------------------------------------
// L003 too-few-request-methods

#[test]
fn l003_a_single_request_method_is_an_error_r010() {
    let mut p = base();
    right(&mut p, RequestType::Know).channels = channels(&p, &["privacy_portal"]);
    fires_naming(&p, "L003", &["`know`"]);
}

#[test]
fn l003_an_opt_out_link_is_not_a_method_to_delete_r010() {
    let mut p = base();
    right(&mut p, RequestType::Delete).channels = channels(&p, &["privacy_portal", "do_not_sell"]);
    fires_naming(&p, "L003", &["`delete`"]);
}

#[test]
fn l003_quiet_with_two_channels() {
    let mut p = base();
    right(&mut p, RequestType::Know).channels = channels(&p, &["privacy_portal", "privacy_phone"]);
    clean(&p);
}

#[test]
fn l003_quiet_when_exclusively_online_with_email_alone_r011() {
    let mut p = base();
    p.exclusively_online = true;
    right(&mut p, RequestType::Know).channels = channels(&p, &["privacy_email"]);
    clean(&p);
}

// ---------------------------------------------------------------------------------
// L004 no-toll-free-number

#[test]
fn l004_a_right_without_a_toll_free_number_is_an_error_r010() {
    let mut p = base();
    // The other rights keep theirs: every request type needs one.
    right(&mut p, RequestType::Delete).channels =
        channels(&p, &["privacy_portal", "account_settings"]);
    fires_naming(&p, "L004", &["`delete`"]);
}

#[test]
fn l004_exclusively_online_without_email_still_needs_a_toll_free_number_r011() {
    let mut p = base();
    p.exclusively_online = true;
    right(&mut p, RequestType::Know).channels =
        channels(&p, &["privacy_portal", "account_settings"]);
    let found = fires(&p, "L004");
    assert!(found[0].help.as_deref().is_some_and(|h| h.contains("`email`")));
}

#[test]
fn l004_quiet_when_exclusively_online_and_email() {
    let mut p = base();
    p.exclusively_online = true;
    for r in [RequestType::Know, RequestType::Access, RequestType::Delete, RequestType::Correct] {
        right(&mut p, r).channels = channels(&p, &["privacy_email"]);
    }
    clean(&p);
}

// ---------------------------------------------------------------------------------
// L005 no-website-method

#[test]
fn l005_a_website_without_a_web_method_is_an_error_r010() {
    let mut p = base();
    right(&mut p, RequestType::Know).channels = channels(&p, &["privacy_phone", "privacy_email"]);
    fires_naming(&p, "L005", &["`know`"]);
}

#[test]
fn l005_quiet_without_a_website() {
    let mut p = base();
    p.organization.website = None;
    right(&mut p, RequestType::Know).channels = channels(&p, &["privacy_phone", "privacy_email"]);
    clean(&p);
}

#[test]
fn l005_quiet_when_the_account_is_the_web_method_r077() {
    let mut p = base();
    right(&mut p, RequestType::Know).channels =
        channels(&p, &["privacy_phone", "account_settings"]);
    clean(&p);
}

// ---------------------------------------------------------------------------------
// L006 sensitive-use-without-limit

#[test]
fn l006_sensitive_data_used_beyond_permitted_purposes_needs_a_right_to_limit_r140() {
    let mut p = base();
    without_right(&mut p, RequestType::LimitSensitive);
    fires_naming(&p, "L006", &["`precise_location`", "`local_offers`"]);
}

#[test]
fn l006_selling_sensitive_data_is_beyond_the_permitted_purposes_r140() {
    let mut p = base();
    without_right(&mut p, RequestType::LimitSensitive);
    let location = category(&p, "precise_location");
    let provide = p.purposes.iter().position(|x| x.id == "provide_service").unwrap_or_default();
    p.categories[location].purposes = vec![provide];
    p.disclosures[2].categories.push(location);
    fires_naming(&p, "L006", &["sale or sharing"]);
}

#[test]
fn l006_quiet_when_sensitive_data_is_not_used_to_infer_characteristics_r003() {
    let mut p = base();
    without_right(&mut p, RequestType::LimitSensitive);
    let location = category(&p, "precise_location");
    p.categories[location].infers_characteristics = false;
    clean(&p);
}

#[test]
fn l006_quiet_when_every_use_is_a_permitted_business_purpose() {
    let mut p = base();
    without_right(&mut p, RequestType::LimitSensitive);
    purpose(&mut p, "local_offers").business_purpose = Some(BusinessPurpose::PerformingServices);
    clean(&p);
}

// ---------------------------------------------------------------------------------
// L007–L009 category-without-purpose, -source, -retention

#[test]
fn l007_a_category_collected_for_no_purpose_is_an_error_r001() {
    let mut p = base();
    let contact = category(&p, "contact");
    p.categories[contact].purposes.clear();
    fires_naming(&p, "L007", &["`contact`"]);
}

#[test]
fn l007_quiet_with_a_single_purpose() {
    let mut p = base();
    let contact = category(&p, "contact");
    p.categories[contact].purposes.truncate(1);
    clean(&p);
}

#[test]
fn l008_a_category_without_a_source_is_an_error_r001() {
    let mut p = base();
    let browsing = category(&p, "browsing");
    p.categories[browsing].sources.clear();
    fires_naming(&p, "L008", &["`browsing`"]);
}

#[test]
fn l008_quiet_with_a_single_source() {
    let p = base();
    assert_eq!(p.categories[category(&p, "browsing")].sources.len(), 1);
    clean(&p);
}

#[test]
fn l009_a_category_without_retention_is_an_error_r001_r153() {
    let mut p = base();
    let browsing = category(&p, "browsing");
    p.retention.retain(|r| !r.categories.contains(&browsing));
    fires_naming(&p, "L009", &["`browsing`"]);
}

#[test]
fn l009_quiet_when_a_rule_covers_several_categories() {
    let mut p = base();
    let browsing = category(&p, "browsing");
    p.retention.retain(|r| !r.categories.contains(&browsing));
    p.retention[0].categories.push(browsing);
    clean(&p);
}

// ---------------------------------------------------------------------------------
// L010 disclosure-of-uncollected-category (found while lowering)

#[test]
fn l010_disclosing_a_category_never_collected_is_an_error_r001() {
    let found = check(&edit(
        "categories: [browsing]\n    recipients: [ad_partners]",
        "categories: [browsing, health]\n    recipients: [ad_partners]",
    ));
    let codes: Vec<&str> = found.iter().map(|d| d.code).collect();
    assert_eq!(codes, ["L010"]);
    assert!(found[0].message.contains("`health`"));
    assert_eq!(found[0].citation, Some(lint::citation("L010")));
}

#[test]
fn l010_quiet_when_every_disclosed_category_is_declared() {
    let text = edit(
        "categories: [browsing]\n    recipients: [ad_partners]",
        "categories: [browsing, contact]\n    recipients: [ad_partners]",
    );
    assert_eq!(render(&check(&text)), "");
}

// ---------------------------------------------------------------------------------
// L011 consent-without-withdrawal

#[test]
fn l011_consent_without_a_way_to_withdraw_is_an_error_r253() {
    let mut p = base();
    without_right(&mut p, RequestType::WithdrawConsent);
    let found = fires(&p, "L011");
    let purposes: Vec<&str> =
        found.iter().map(|d| d.message.split('`').nth(1).unwrap_or_default()).collect();
    assert_eq!(purposes, ["marketing_email", "targeted_ads", "local_offers"]);
}

#[test]
fn l011_withdrawal_offered_only_under_virginia_does_not_serve_gdpr_r253() {
    let mut p = base();
    right(&mut p, RequestType::WithdrawConsent).laws = vec![Law::Virginia];
    fires(&p, "L011");
}

#[test]
fn l011_quiet_when_withdrawal_is_offered_under_gdpr() {
    let mut p = base();
    right(&mut p, RequestType::WithdrawConsent).laws = vec![Law::Gdpr];
    clean(&p);
}

#[test]
fn l011_quiet_when_no_purpose_relies_on_consent() {
    let mut p = base();
    without_right(&mut p, RequestType::WithdrawConsent);
    for x in &mut p.purposes {
        if x.gdpr_basis == Some(GdprLawfulBasis::Consent) {
            x.gdpr_basis = Some(GdprLawfulBasis::Contract);
        }
    }
    clean(&p);
}

// ---------------------------------------------------------------------------------
// L012 minors-sale-without-opt-in

#[test]
fn l012_knowingly_selling_under_16s_data_without_opt_in_is_an_error_r170() {
    let mut p = base();
    p.minors.sells_or_shares_under_16 = true;
    fires_naming(&p, "L012", &["under 16"]);
}

#[test]
fn l012_quiet_when_sale_under_16_is_opt_in_required() {
    let mut p = base();
    p.minors.sells_or_shares_under_16 = true;
    p.minors.sale_under_16 = MinorsSale::OptInRequired;
    clean(&p);
}

#[test]
fn l012_quiet_when_children_are_known_but_their_data_is_never_sold() {
    // Knowing that some users are under 13 is no fault when their data is never sold.
    let mut p = base();
    p.minors.collects_under_13 = true;
    assert_eq!(p.minors.sale_under_16, MinorsSale::Never);
    clean(&p);
}

// ---------------------------------------------------------------------------------
// L013 right-without-channel

#[test]
fn l013_a_right_with_no_channel_is_an_error_r157() {
    let mut p = base();
    right(&mut p, RequestType::Restrict).channels.clear();
    fires_naming(&p, "L013", &["`restrict`"]);
}

#[test]
fn l013_quiet_with_a_single_channel_for_a_gdpr_right() {
    let mut p = base();
    right(&mut p, RequestType::Restrict).channels = channels(&p, &["privacy_email"]);
    clean(&p);
}

// ---------------------------------------------------------------------------------
// L014 column-with-unknown-category (found while lowering)

#[test]
fn l014_a_column_with_an_undeclared_category_is_an_error_r001() {
    let found = check(&edit("page: browsing", "page: browsin"));
    let codes: Vec<&str> = found.iter().map(|d| d.code).collect();
    assert_eq!(codes, ["L014"]);
    assert!(found[0].message.contains("`browsin`"));
    assert_eq!(found[0].help.as_deref(), Some("did you mean `browsing`?"));
}

#[test]
fn l014_quiet_when_a_column_names_another_declared_category() {
    let text = edit("page: browsing", "page: browsing\n          referrer: browsing");
    assert_eq!(render(&check(&text)), "");
}

// ---------------------------------------------------------------------------------
// L015 retention-exception-without-reason

#[test]
fn l015_keeping_data_after_deletion_without_a_reason_is_an_error_r096() {
    let mut p = base();
    table(&mut p, "orders").retain.as_mut().expect("orders are retained").reason = None;
    fires_naming(&p, "L015", &["`orders`"]);
}

#[test]
fn l015_a_gdpr_exception_outside_gdpr_is_an_error_r262() {
    let mut p = base();
    table(&mut p, "orders").retain.as_mut().expect("orders are retained").reason =
        Some(RetentionReason::Gdpr(GdprErasureException::E));
    p.jurisdictions.retain(|law| *law != Law::Gdpr);
    fires_naming(&p, "L015", &["`G-e`"]);
}

#[test]
fn l015_a_ccpa_exception_under_gdpr_alone_is_an_error_r262() {
    let mut p = base();
    p.jurisdictions = vec![Law::Gdpr];
    fires_naming(&p, "L015", &["`D8`"]);
}

#[test]
fn l015_quiet_with_reason_d8() {
    let mut p = base();
    let retain = table(&mut p, "orders").retain.clone().expect("orders are retained");
    assert_eq!(retain.reason, Some(RetentionReason::Ccpa(CcpaDeletionException::D8)));
    clean(&p);
}

#[test]
fn l015_quiet_with_d8_under_virginia_alone() {
    // Virginia's exemptions track §1798.105(d); D-codes are the US vocabulary.
    let mut p = base();
    p.jurisdictions = vec![Law::Virginia];
    quiet(&p, "L015");
}

// ---------------------------------------------------------------------------------
// L016 category-in-no-system

#[test]
fn l016_a_category_no_system_holds_is_a_warning_r001() {
    let mut p = base();
    tables(&mut p).retain(|t| t.name != "web_events");
    fires_naming(&p, "L016", &["`browsing`"]);
}

#[test]
fn l016_quiet_when_no_systems_are_declared() {
    let mut p = base();
    p.systems.clear();
    clean(&p);
}

#[test]
fn l016_quiet_when_only_a_service_provider_holds_it() {
    let mut p = base();
    tables(&mut p).retain(|t| t.name != "app_locations");
    let location = category(&p, "precise_location");
    p.disclosures[1].categories.push(location);
    match &mut p.systems[1].kind {
        SystemKind::ServiceProvider { categories, .. } => categories.push(location),
        SystemKind::Database { .. } => {
            panic!("the second system of base.yaml is the service provider")
        }
    }
    clean(&p);
}

// ---------------------------------------------------------------------------------
// L017 system-holds-undisclosed-category

#[test]
fn l017_a_service_provider_holding_an_undisclosed_category_is_an_error_r156() {
    let mut p = base();
    let location = category(&p, "precise_location");
    match &mut p.systems[1].kind {
        SystemKind::ServiceProvider { categories, .. } => categories.push(location),
        SystemKind::Database { .. } => {
            panic!("the second system of base.yaml is the service provider")
        }
    }
    fires_naming(&p, "L017", &["`payments`", "`precise_location`", "`payment_processor`"]);
}

#[test]
fn l017_quiet_when_a_disclosure_names_the_category_and_the_recipient() {
    let mut p = base();
    let location = category(&p, "precise_location");
    match &mut p.systems[1].kind {
        SystemKind::ServiceProvider { categories, .. } => categories.push(location),
        SystemKind::Database { .. } => {
            panic!("the second system of base.yaml is the service provider")
        }
    }
    p.disclosures[1].categories.push(location);
    clean(&p);
}

// ---------------------------------------------------------------------------------
// L018 recipient-without-contract

#[test]
fn l018_a_service_provider_without_a_contract_is_a_warning_r005() {
    let mut p = base();
    let processor = recipient(&p, "payment_processor");
    p.recipients[processor].contract = false;
    // Under both laws, one finding names both (Civ. Code §1798.100(d), GDPR Art 28(3)).
    fires_naming(&p, "L018", &["`payment_processor`", "the CCPA and the GDPR require"]);
}

#[test]
fn l018_a_processor_without_a_contract_under_the_gdpr_is_a_warning_r005_art28_3() {
    let mut p = base();
    p.jurisdictions = vec![Law::Gdpr];
    let processor = recipient(&p, "payment_processor");
    p.recipients[processor].contract = false;
    fires_naming(&p, "L018", &["`payment_processor`", "the GDPR requires", "on our behalf"]);
}

#[test]
fn l018_a_processor_that_only_holds_data_in_a_system_needs_a_contract_under_the_gdpr_art28_3() {
    let mut p = base();
    p.jurisdictions = vec![Law::Gdpr];
    let processor = recipient(&p, "payment_processor");
    p.recipients[processor].contract = false;
    p.disclosures.remove(1);
    fires_naming(&p, "L018", &["`payment_processor`", "the GDPR requires"]);
}

#[test]
fn l018_quiet_for_a_separate_controller_under_the_gdpr_alone_art28() {
    // Art 28 binds processors; a third party that decides for itself is a controller,
    // and selling to one is a CCPA matter.
    let mut p = base();
    p.jurisdictions = vec![Law::Gdpr];
    let ads = recipient(&p, "ad_partners");
    p.recipients[ads].contract = false;
    quiet(&p, "L018");
}

#[test]
fn l018_a_third_party_buying_data_without_a_contract_is_a_warning_r005() {
    let mut p = base();
    let ads = recipient(&p, "ad_partners");
    p.recipients[ads].contract = false;
    fires_naming(&p, "L018", &["`ad_partners`"]);
}

#[test]
fn l018_a_service_provider_system_needs_a_contract_even_without_a_disclosure_r005() {
    let mut p = base();
    let processor = recipient(&p, "payment_processor");
    p.recipients[processor].contract = false;
    p.disclosures.remove(1);
    fires_naming(&p, "L018", &["`payment_processor`"]);
}

#[test]
fn l018_quiet_for_a_third_party_that_neither_buys_nor_shares() {
    let mut p = base();
    let ads = recipient(&p, "ad_partners");
    p.recipients[ads].contract = false;
    without_right(&mut p, RequestType::OptOutSaleShare);
    sell_nothing(&mut p);
    clean(&p);
}

#[test]
fn l018_quiet_for_a_government_recipient() {
    let p = base();
    let authority = recipient(&p, "tax_authority");
    assert_eq!(p.recipients[authority].role, RecipientRole::Government);
    assert!(!p.recipients[authority].contract);
    clean(&p);
}

// ---------------------------------------------------------------------------------
// L019 legitimate-interest-unstated

#[test]
fn l019_legitimate_interests_without_saying_which_is_an_error_r250() {
    let mut p = base();
    purpose(&mut p, "security").legitimate_interest = None;
    fires_naming(&p, "L019", &["`security`"]);
}

#[test]
fn l019_a_blank_legitimate_interest_says_nothing_r250() {
    let mut p = base();
    purpose(&mut p, "security").legitimate_interest = Some("  ".into());
    fires_naming(&p, "L019", &["`security`"]);
}

#[test]
fn l019_quiet_when_the_interest_is_stated() {
    let mut p = base();
    purpose(&mut p, "security").legitimate_interest = Some("Fraud prevention".into());
    clean(&p);
}

// ---------------------------------------------------------------------------------
// L020 purpose-without-lawful-basis

#[test]
fn l020_a_purpose_without_a_gdpr_basis_is_an_error_r250() {
    let mut p = base();
    purpose(&mut p, "legal_compliance").gdpr_basis = None;
    fires_naming(&p, "L020", &["`legal_compliance`"]);
}

#[test]
fn l020_quiet_when_not_under_gdpr() {
    let mut p = base();
    purpose(&mut p, "legal_compliance").gdpr_basis = None;
    p.jurisdictions.retain(|law| *law != Law::Gdpr);
    clean(&p);
}

// ---------------------------------------------------------------------------------
// L021 notice-older-than-a-year

fn effective(text: &str) -> Program {
    let mut p = base();
    p.notice.effective = Date::parse(text).expect("a date");
    p
}

#[test]
fn l021_a_notice_older_than_twelve_months_is_a_warning_r155() {
    fires_naming(&effective("2025-11-21"), "L021", &["366 days"]);
}

#[test]
fn l021_quiet_when_today_is_none() {
    let p = effective("2020-01-01");
    let found = lint::run(&p, &CheckOptions { today: None });
    assert!(found.is_empty(), "{}", render(&found));
}

#[test]
fn l021_quiet_when_the_notice_is_200_days_old() {
    clean(&effective("2026-05-06"));
}

#[test]
fn l021_quiet_on_the_anniversary_itself() {
    clean(&effective("2025-11-22"));
}

#[test]
fn l021_quiet_twelve_months_on_across_a_leap_day() {
    // 2023-03-01 to 2024-03-01 is 366 days but twelve months.
    let p = effective("2023-03-01");
    let found = lint::run(&p, &CheckOptions { today: Date::parse("2024-03-01") });
    assert!(found.is_empty(), "{}", render(&found));
    let found = lint::run(&p, &CheckOptions { today: Date::parse("2024-03-02") });
    assert_eq!(found.iter().map(|d| d.code).collect::<Vec<_>>(), ["L021"]);
}

// ---------------------------------------------------------------------------------
// L022 no-privacy-contact

#[test]
fn l022_no_email_or_phone_for_privacy_questions_is_an_error_r157_r268() {
    let mut p = base();
    p.organization.contact.email = None;
    p.organization.contact.phone = None;
    fires(&p, "L022");
}

#[test]
fn l022_quiet_with_a_telephone_number_alone() {
    let mut p = base();
    p.organization.contact.email = None;
    clean(&p);
}

// ---------------------------------------------------------------------------------
// L023 authorized-agents-not-accepted

#[test]
fn l023_refusing_authorized_agents_is_a_warning_r060() {
    let mut p = base();
    p.authorized_agents.as_mut().expect("base accepts agents").accepted = false;
    fires(&p, "L023");
}

#[test]
fn l023_saying_nothing_about_agents_is_a_warning_r060() {
    let mut p = base();
    p.authorized_agents = None;
    fires(&p, "L023");
}

#[test]
fn l023_quiet_when_not_under_the_ccpa() {
    let mut p = base();
    p.authorized_agents = None;
    p.jurisdictions = vec![Law::Gdpr, Law::Virginia];
    quiet(&p, "L023");
}

// ---------------------------------------------------------------------------------
// L024 no-supervisory-authority

#[test]
fn l024_a_gdpr_notice_without_a_supervisory_authority_is_a_warning_r268() {
    let mut p = base();
    p.organization.supervisory_authority = None;
    p.organization.eu_representative = None;
    fires(&p, "L024");
}

#[test]
fn l024_quiet_for_a_controller_without_an_eu_establishment_art27() {
    // Art 27 representative, no lead authority (Art 56): people complain where they
    // live (Art 77), which the notice says without naming one authority.
    let mut p = base();
    p.organization.supervisory_authority = None;
    p.organization.eu_representative = Some(ombud_program::model::Contact {
        name: Some("Example EU Representative".into()),
        ..Default::default()
    });
    clean(&p);
}

#[test]
fn l024_quiet_when_not_under_gdpr() {
    let mut p = base();
    p.organization.supervisory_authority = None;
    p.jurisdictions.retain(|law| *law != Law::Gdpr);
    clean(&p);
}

// ---------------------------------------------------------------------------------
// L025 opt-out-requires-verification

#[test]
fn l025_verifying_an_opt_out_is_an_error_r041_r112() {
    let mut p = base();
    right(&mut p, RequestType::OptOutSaleShare).verification = vec![VerificationMethod::EmailCode];
    fires_naming(&p, "L025", &["`opt_out_sale_share`"]);
}

#[test]
fn l025_verifying_a_request_to_limit_is_an_error_r041_r141() {
    let mut p = base();
    right(&mut p, RequestType::LimitSensitive).verification =
        vec![VerificationMethod::AccountLogin];
    fires_naming(&p, "L025", &["`limit_sensitive`"]);
}

#[test]
fn l025_quiet_when_verification_is_none_or_unstated() {
    let mut p = base();
    right(&mut p, RequestType::OptOutSaleShare).verification.clear();
    clean(&p);
}

// ---------------------------------------------------------------------------------
// L026 sale-to-service-provider

#[test]
fn l026_a_sale_to_a_service_provider_is_an_error_r005() {
    let mut p = base();
    p.disclosures[1].sold = true;
    fires_naming(&p, "L026", &["`payment_processor`", "service provider"]);
}

#[test]
fn l026_quiet_for_a_sale_to_a_third_party() {
    let p = base();
    assert!(p.disclosures[2].sold);
    quiet(&p, "L026");
}

// ---------------------------------------------------------------------------------
// L027 opt-out-without-link

#[test]
fn l027_an_opt_out_without_a_do_not_sell_link_is_a_warning_r150() {
    let mut p = base();
    right(&mut p, RequestType::OptOutSaleShare).channels =
        channels(&p, &["privacy_portal", "privacy_phone"]);
    fires(&p, "L027");
}

#[test]
fn l027_quiet_with_the_your_privacy_choices_link_r151() {
    let mut p = base();
    let link = channel(&p, "do_not_sell");
    p.channels[link].kind = ChannelKind::PrivacyChoicesLink;
    clean(&p);
}

#[test]
fn l027_quiet_without_a_website() {
    let mut p = base();
    p.organization.website = None;
    right(&mut p, RequestType::OptOutSaleShare).channels =
        channels(&p, &["privacy_portal", "privacy_phone"]);
    clean(&p);
}

// ---------------------------------------------------------------------------------
// L028 limit-without-link

#[test]
fn l028_a_right_to_limit_without_a_limit_link_is_a_warning_r150() {
    let mut p = base();
    right(&mut p, RequestType::LimitSensitive).channels =
        channels(&p, &["privacy_portal", "privacy_phone"]);
    fires(&p, "L028");
}

#[test]
fn l028_quiet_with_the_your_privacy_choices_link_r151() {
    let mut p = base();
    let link = channel(&p, "limit_use");
    p.channels[link].kind = ChannelKind::PrivacyChoicesLink;
    clean(&p);
}

// ---------------------------------------------------------------------------------
// L029 database-without-identity

#[test]
fn l029_a_database_no_request_can_search_is_a_warning_r070_r090() {
    let mut p = base();
    for table in tables(&mut p) {
        table.identity.clear();
    }
    fires_naming(&p, "L029", &["`shop_db`"]);
}

#[test]
fn l029_quiet_for_a_processor_database() {
    let mut p = base();
    for table in tables(&mut p) {
        table.identity.clear();
    }
    p.systems[0].role = SystemRole::Processor;
    quiet(&p, "L029");
}

#[test]
fn l029_quiet_when_one_table_has_an_identity() {
    let mut p = base();
    table(&mut p, "web_events").identity.clear();
    clean(&p);
}

#[test]
fn l029_quiet_for_a_database_without_personal_columns() {
    let mut p = base();
    for table in tables(&mut p) {
        table.identity.clear();
        table.columns.clear();
        table.retain = None;
    }
    // Nothing personal lives there; the categories are reported by L016 instead.
    quiet(&p, "L029");
}

// ---------------------------------------------------------------------------------
// L030 weak-verification-for-specific-pieces

#[test]
fn l030_specific_pieces_behind_an_email_code_is_a_warning_r050() {
    let mut p = base();
    right(&mut p, RequestType::Access).verification =
        vec![VerificationMethod::EmailCode, VerificationMethod::DataPoints];
    fires(&p, "L030");
}

#[test]
fn l030_quiet_with_data_points_and_a_signed_declaration() {
    let mut p = base();
    right(&mut p, RequestType::Access).verification =
        vec![VerificationMethod::DataPoints, VerificationMethod::SignedDeclaration];
    clean(&p);
}

#[test]
fn l030_quiet_with_an_account_login_r048() {
    let mut p = base();
    right(&mut p, RequestType::Access).verification = vec![VerificationMethod::AccountLogin];
    clean(&p);
}

// ---------------------------------------------------------------------------------
// L031 required-right-missing

#[test]
fn l031_virginia_without_an_appeal_is_an_error_r282() {
    let mut p = base();
    without_right(&mut p, RequestType::Appeal);
    fires_naming(&p, "L031", &["`virginia`", "`appeal`"]);
}

#[test]
fn l031_gdpr_with_legitimate_interests_needs_the_right_to_object_r266() {
    let mut p = base();
    without_right(&mut p, RequestType::Object);
    fires_naming(&p, "L031", &["`gdpr`", "`object`", "legitimate interests"]);
}

#[test]
fn l031_ccpa_without_correction_is_an_error() {
    let mut p = base();
    right(&mut p, RequestType::Correct).laws = vec![Law::Gdpr, Law::Virginia];
    fires_naming(&p, "L031", &["`ccpa`", "`correct`"]);
}

#[test]
fn l031_quiet_without_object_when_nothing_rests_on_legitimate_interests_or_marketing() {
    let mut p = base();
    without_right(&mut p, RequestType::Object);
    purpose(&mut p, "security").gdpr_basis = Some(GdprLawfulBasis::LegalObligation);
    purpose(&mut p, "marketing_email").business_purpose = None;
    p.subscriptions.clear();
    for disclosure in &mut p.disclosures {
        disclosure.shared = false;
    }
    clean(&p);
}

#[test]
fn l031_quiet_without_portability_when_nothing_rests_on_consent_or_contract() {
    let mut p = base();
    without_right(&mut p, RequestType::Portability);
    without_right(&mut p, RequestType::WithdrawConsent);
    for x in &mut p.purposes {
        x.gdpr_basis = Some(GdprLawfulBasis::LegitimateInterests);
        x.legitimate_interest = Some("Running the shop".into());
    }
    clean(&p);
}

#[test]
fn l031_quiet_without_an_opt_out_under_virginia_when_nothing_is_sold() {
    let mut p = base();
    without_right(&mut p, RequestType::OptOutSaleShare);
    sell_nothing(&mut p);
    clean(&p);
}

// ---------------------------------------------------------------------------------
// L032 sharing-without-tracking-disclosure

#[test]
fn l032_sharing_while_saying_nobody_tracks_across_sites_is_a_warning_r221_6() {
    let mut p = base();
    p.signals.third_party_tracking = false;
    fires_naming(
        &p,
        "L032",
        &["cross-context behavioral advertising", "`third_party_tracking: false`"],
    );
}

#[test]
fn l032_points_at_signals_r221_6() {
    check_rendered(
        &edit("third_party_tracking: true", "third_party_tracking: false"),
        expect![[r#"
            base.yaml:205:3: warning[L032]: personal information is shared for cross-context behavioral advertising, but `third_party_tracking: false` tells people that no other company collects their activity across websites
              = help: set `signals.third_party_tracking: true`: the companies that receive shared data collect people's activity over time and across sites; or, if no disclosure is for cross-context behavioral advertising, mark it `shared: false`
              = law: R-221; Bus. & Prof. Code §22575(b)(6), Civ. Code §1798.140(ah)"#]],
    );
}

#[test]
fn l032_quiet_when_data_is_sold_but_not_shared() {
    // A sale is not by itself cross-context behavioral advertising (§1798.140(ad), (ah)).
    let mut p = base();
    p.signals.third_party_tracking = false;
    for disclosure in &mut p.disclosures {
        disclosure.shared = false;
    }
    assert!(p.sells());
    quiet(&p, "L032");
}

#[test]
fn l032_quiet_when_tracking_by_others_is_declared() {
    let p = base();
    assert!(p.shares() && p.signals.third_party_tracking);
    quiet(&p, "L032");
}

// ---------------------------------------------------------------------------------
// L033 automated-decisions-undeclared

fn gdpr_info(p: &mut Program) -> &mut GdprInfo {
    p.gdpr.as_mut().expect("base declares a gdpr block")
}

#[test]
fn l033_a_gdpr_program_silent_on_automated_decisions_is_a_warning_r267_r268() {
    let mut p = base();
    gdpr_info(&mut p).automated_decisions = None;
    fires_naming(&p, "L033", &["automated processing"]);
}

#[test]
fn l033_l034_without_a_gdpr_block_point_at_the_jurisdictions_r268() {
    let text = BASE.split("\n# GDPR Art 13(2)").next().unwrap_or_default().to_owned()
        + BASE.split("Everything else is up to you.\n").nth(1).unwrap_or_default();
    assert!(!text.contains("gdpr:\n"));
    check_rendered(
        &text,
        expect![[r#"
            base.yaml:25:17: warning[L033]: the program does not say whether it makes decisions based solely on automated processing
              = help: add `gdpr: { automated_decisions: false }`, or `true` with `automated_decisions_logic:` describing the logic and its significance and consequences for people
              = law: R-267, R-268; GDPR Art 13(2)(f), Art 22
            base.yaml:25:17: warning[L034]: the program does not say whether people must provide their personal data, or what happens if they do not
              = help: add `gdpr: { provision: … }`: whether providing the data is required by law or by a contract or to enter into one, whether people must provide it, and the consequences of not providing it
              = law: R-268; GDPR Art 13(2)(e)"#]],
    );
}

#[test]
fn l033_automated_decisions_without_their_logic_are_an_error_art13_2_f() {
    // Lowering refuses it (V004): the notice cannot state what it was not told.
    check_rendered(
        &edit("automated_decisions: false", "automated_decisions: true"),
        expect![[r#"
            base.yaml:211:24: error[V004]: automated decisions are declared without the information the notice must give about them
              = help: add `automated_decisions_logic:` with meaningful information about the logic involved and the significance and consequences for people (GDPR Art 13(2)(f))
              = law: R-267, R-268; GDPR Art 13(2)(f), Art 22"#]],
    );
}

#[test]
fn l033_logic_without_automated_decisions_is_an_error_art13_2_f() {
    check_rendered(
        &edit(
            "automated_decisions: false",
            "automated_decisions: false\n  automated_decisions_logic: A score decides.",
        ),
        expect![[r#"
            base.yaml:212:30: error[V004]: `automated_decisions_logic` is given, but `automated_decisions` is not `true`
              = help: set `automated_decisions: true` if such decisions are made, or remove `automated_decisions_logic`"#]],
    );
}

#[test]
fn l033_quiet_when_automated_decisions_are_declared_with_their_logic_art22() {
    let text = edit(
        "automated_decisions: false",
        "automated_decisions: true\n  automated_decisions_logic: >-\n    Orders are screened for fraud by a score; a high score cancels the order.",
    );
    assert!(check(&text).is_empty(), "{}", render(&check(&text)));
}

#[test]
fn l033_quiet_when_not_under_gdpr() {
    let mut p = base();
    p.jurisdictions.retain(|law| *law != Law::Gdpr);
    p.gdpr = None;
    quiet(&p, "L033");
}

// ---------------------------------------------------------------------------------
// L034 provision-requirement-undeclared

#[test]
fn l034_a_gdpr_program_silent_on_whether_data_must_be_provided_is_a_warning_r268() {
    let mut p = base();
    gdpr_info(&mut p).provision = None;
    fires_naming(&p, "L034", &["must provide"]);
}

#[test]
fn l034_a_blank_provision_says_nothing_r268() {
    let mut p = base();
    gdpr_info(&mut p).provision = Some("  ".into());
    fires(&p, "L034");
}

#[test]
fn l034_quiet_when_not_under_gdpr() {
    let mut p = base();
    p.jurisdictions.retain(|law| *law != Law::Gdpr);
    p.gdpr = None;
    quiet(&p, "L034");
}

// ---------------------------------------------------------------------------------
// L035 too-few-opt-out-methods

#[test]
fn l035_an_opt_out_with_one_method_and_gpc_ignored_is_an_error_r110() {
    let mut p = base();
    p.signals.gpc = SignalStance::Ignore;
    let opt_out = right(&mut p, RequestType::OptOutSaleShare);
    opt_out.channels.truncate(1);
    fires_naming(&p, "L035", &["`opt_out_sale_share`"]);
}

#[test]
fn l035_quiet_when_an_honored_gpc_is_the_second_method_r110() {
    let mut p = base();
    right(&mut p, RequestType::OptOutSaleShare).channels.truncate(1);
    quiet(&p, "L035");
}

#[test]
fn l035_a_limit_right_with_one_method_is_an_error_even_with_gpc_r140() {
    let mut p = base();
    right(&mut p, RequestType::LimitSensitive).channels.truncate(1);
    fires_naming(&p, "L035", &["`limit_sensitive`"]);
}

#[test]
fn l035_two_channels_of_one_kind_are_one_method() {
    let mut p = base();
    let limit = right(&mut p, RequestType::LimitSensitive);
    let first = limit.channels[0];
    limit.channels = vec![first, first];
    fires(&p, "L035");
}

// ---------------------------------------------------------------------------------
// L036 too-few-data-points

/// `base.yaml`'s `requests:` block, whose three data points the L036 tests take away.
const BASE_REQUESTS: &str = "  data_points:\n    - { id: delivery_postcode, name: The postal code of your last delivery }\n    - { id: last_order_total, name: The total of your most recent order }\n    - { id: rewards_number, name: Your rewards card number }\n";

#[test]
fn l036_specific_pieces_by_data_points_with_two_declared_is_a_warning_r050() {
    let mut p = base();
    p.requests.data_points.truncate(2);
    fires_naming(&p, "L036", &["`access`", "declares 2", "the 3"]);
}

#[test]
fn l036_categories_by_data_points_with_one_declared_is_a_warning_r049() {
    let mut p = base();
    right(&mut p, RequestType::Access).verification =
        vec![VerificationMethod::AccountLogin, VerificationMethod::SignedDeclaration];
    p.requests.data_points.truncate(1);
    fires_naming(&p, "L036", &["`know`", "declares 1", "the 2"]);
}

#[test]
fn l036_without_data_points_points_at_the_access_verification_r050() {
    check_rendered(
        &edit(BASE_REQUESTS, ""),
        expect![[r#"
            base.yaml:162:20: warning[L036]: `access` is verified by matching data points, but `requests.data_points` declares 0, fewer than the 3 that specific pieces need
              = help: declare under `requests.data_points` what people without an account can give that you hold reliably, such as `{ id: postal_code, name: The postal code on your account }`: two verify a request about categories, three and a signed declaration one for specific pieces; or stop offering `data_points` verification
              = law: R-049, R-050; 11 CCR §7062(b)-(c)"#]],
    );
}

#[test]
fn l036_quiet_with_two_points_when_access_is_not_verified_by_them_r049() {
    let mut p = base();
    right(&mut p, RequestType::Access).verification = vec![VerificationMethod::AccountLogin];
    p.requests.data_points.truncate(2);
    quiet(&p, "L036");
}

#[test]
fn l036_quiet_without_points_when_no_right_is_verified_by_them() {
    let mut p = base();
    for right in &mut p.rights {
        right.verification.retain(|method| *method != VerificationMethod::DataPoints);
    }
    p.requests.data_points.clear();
    quiet(&p, "L036");
}

// ---------------------------------------------------------------------------------
// L037–L039 compare a system with its live database (`live::check_system`); `run`
// never reports them. `discovery.rs` tests them in more detail.

fn live(program: &Program, schema: &ombud_core::schema::LiveSchema, code: &str) -> Vec<Diagnostic> {
    let found: Vec<Diagnostic> = ombud_program::live::check_system(program, "shop_db", schema)
        .into_iter()
        .filter(|d| d.code == code)
        .collect();
    for diagnostic in &found {
        assert_eq!(diagnostic.citation, Some(lint::citation(code)), "{code} must cite its law");
    }
    found
}

#[test]
fn l037_a_declared_table_missing_from_the_database_r070() {
    let mut schema = crate::discovery::live_base();
    schema.tables.retain(|t| t.name != "web_events");
    let found = live(&base(), &schema, "L037");
    assert_eq!(found.len(), 1, "{}", render(&found));
    assert!(
        found[0]
            .message
            .starts_with("table `web_events` of system `shop_db` is not in the database")
    );
}

#[test]
fn l037_quiet_when_the_database_has_more_tables_than_declared_r070() {
    let mut schema = crate::discovery::live_base();
    schema
        .tables
        .push(ombud_core::schema::LiveTable { name: "products".into(), ..Default::default() });
    assert_eq!(render(&live(&base(), &schema, "L037")), "");
}

#[test]
fn l038_a_declared_column_missing_from_its_table_r090() {
    let mut schema = crate::discovery::live_base();
    crate::discovery::live_table(&mut schema, "app_locations")
        .columns
        .retain(|c| c.name != "lat_long");
    let found = live(&base(), &schema, "L038");
    assert_eq!(found.len(), 1, "{}", render(&found));
    assert!(found[0].message.contains("`lat_long` of table `app_locations`"));
}

#[test]
fn l038_quiet_when_only_undeclared_columns_are_missing_r090() {
    let mut schema = crate::discovery::live_base();
    // Columns in another order, of other types, and one the manifest does not declare.
    let customers = crate::discovery::live_table(&mut schema, "customers");
    customers.columns.reverse();
    customers.columns.iter_mut().for_each(|c| c.data_type = "text".into());
    customers
        .columns
        .push(ombud_core::schema::LiveColumn { name: "nickname".into(), ..Default::default() });
    assert_eq!(render(&live(&base(), &schema, "L038")), "");
}

#[test]
fn l039_an_identity_column_without_an_index_r031() {
    let mut schema = crate::discovery::live_base();
    crate::discovery::live_table(&mut schema, "web_events")
        .indexes
        .retain(|i| i.columns[0] != "cookie_id");
    let found = live(&base(), &schema, "L039");
    assert_eq!(found.len(), 1, "{}", render(&found));
    assert!(found[0].message.contains("`cookie_id` of table `web_events`"));
}

#[test]
fn l039_quiet_when_an_index_starts_with_the_column_r031() {
    let mut schema = crate::discovery::live_base();
    // The index of web_events.cookie_id has a second column: it still serves the lookup.
    crate::discovery::live_table(&mut schema, "web_events").indexes[0] =
        crate::discovery::index("web_events_cookie_page", &["cookie_id", "page"]);
    assert_eq!(render(&live(&base(), &schema, "L039")), "");
}
