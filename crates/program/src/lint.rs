//! Lints: rules from the law (REGULATIONS.md) checked against a resolved [`Program`].
//!
//! Each lint has a stable code, a name, a severity and the R-number and article it comes
//! from; [`LINTS`] is the registry `ombud lints` prints. A lint is a pure function of the
//! program (and of `today`, passed in), so the same manifest always gives the same findings.
//! `L010` and `L014` are failed references and are reported by [`crate::lower`].
//! `L037`–`L039` compare a system with its live database and are reported by
//! [`crate::live::check_system`], never by [`run`]: `ombud check` needs no database.

use ombud_core::{
    ChannelKind, Law, RecipientRole, Reference, RequestType, RetentionReason, SignalStance,
    SystemRole, VerificationMethod,
};

use crate::CheckOptions;
use crate::date::Date;
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::{MinorsSale, Program, Right, SystemKind};
use crate::span::Span;

/// A lint's registry entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lint {
    /// Stable code.
    pub code: &'static str,
    /// Short kebab-case name.
    pub name: &'static str,
    /// Severity of its findings.
    pub severity: Severity,
    /// R-number of REGULATIONS.md and the article or section of law.
    pub citation: &'static str,
    /// What it checks, in one sentence.
    pub summary: &'static str,
}

macro_rules! lints {
    ($( $code:literal $name:literal $severity:ident $citation:literal $summary:literal; )+) => {
        /// Every lint, by code.
        pub const LINTS: &[Lint] = &[
            $( Lint { code: $code, name: $name, severity: Severity::$severity, citation: $citation, summary: $summary }, )+
        ];
    };
}

lints! {
    "L001" "sale-or-sharing-without-opt-out" Error "R-110, REGULATIONS.md §(a); Civ. Code §1798.120, 11 CCR §7026(a)"
        "personal information is sold or shared but no opt-out right is offered";
    "L002" "sale-or-sharing-ignores-gpc" Error "R-120; 11 CCR §7025(b)"
        "personal information is sold or shared but Global Privacy Control is not honored";
    "L003" "too-few-request-methods" Error "R-010, R-011; Civ. Code §1798.130(a)(1), 11 CCR §7020"
        "a request to know, delete or correct has fewer than two methods";
    "L004" "no-toll-free-number" Error "R-010; Civ. Code §1798.130(a)(1)(A)"
        "requests to know, delete or correct cannot be made by toll-free telephone";
    "L005" "no-website-method" Error "R-010; 11 CCR §7020(b)"
        "a business with a website offers no way to make a request through it";
    "L006" "sensitive-use-without-limit" Error "R-140, R-003; Civ. Code §1798.121, 11 CCR §7027(b)"
        "sensitive personal information is used beyond the permitted purposes without a right to limit";
    "L007" "category-without-purpose" Error "R-001; Civ. Code §1798.100(a)(1)"
        "a category is collected for no declared purpose";
    "L008" "category-without-source" Error "R-001; Civ. Code §1798.110(a)(2)"
        "a category has no declared source";
    "L009" "category-without-retention" Error "R-001, R-153; Civ. Code §1798.100(a)(3)"
        "a category has no retention period or criteria";
    "L010" "disclosure-of-uncollected-category" Error "R-001; Civ. Code §1798.100(a)(1)"
        "a disclosure names a category the program does not collect";
    "L011" "consent-without-withdrawal" Error "R-253; GDPR Art 7(3)"
        "processing relies on consent but there is no way to withdraw it";
    "L012" "minors-sale-without-opt-in" Error "R-170; Civ. Code §1798.120(c)"
        "data of people under 16 is knowingly sold or shared without an opt-in policy";
    "L013" "right-without-channel" Error "R-157; 11 CCR §7011(e)(2)"
        "a right is offered with no channel to exercise it";
    "L014" "column-with-unknown-category" Error "R-001; Civ. Code §1798.100(a)(1)"
        "a system column is annotated with a category the program does not declare";
    "L015" "retention-exception-without-reason" Error "R-096, R-262; Civ. Code §1798.105(d), GDPR Art 17(3)"
        "a retention exception gives no legal reason, or one from a law the program is not under";
    "L016" "category-in-no-system" Warning "R-001; Civ. Code §1798.100(a)"
        "a category the notice promises is held by no declared system";
    "L017" "system-holds-undisclosed-category" Error "R-156; Civ. Code §1798.130(a)(5)(C)"
        "a service provider holds a category the notice never says it receives";
    "L018" "recipient-without-contract" Warning "R-005; Civ. Code §1798.100(d), GDPR Art 28(3)"
        "a service provider, contractor or buyer of data (CCPA), or a processor (GDPR), has no contract with the terms the law requires";
    "L019" "legitimate-interest-unstated" Error "R-250; GDPR Art 6(1)(f), Art 13(1)(d)"
        "a purpose relies on legitimate interests without saying which";
    "L020" "purpose-without-lawful-basis" Error "R-250; GDPR Art 6(1)"
        "a purpose has no GDPR lawful basis";
    "L021" "notice-older-than-a-year" Warning "R-155; Civ. Code §1798.130(a)(5)"
        "the notice has not been updated in the last twelve months";
    "L022" "no-privacy-contact" Error "R-157, R-268; 11 CCR §7011(e)(3), GDPR Art 13(1)(a)"
        "the organization gives no email address or telephone number for privacy questions";
    "L023" "authorized-agents-not-accepted" Warning "R-060, R-128; 11 CCR §7063, Civ. Code §1798.135(e)"
        "the program does not say that authorized agents may make requests";
    "L024" "no-supervisory-authority" Warning "R-268; GDPR Art 13(2)(d), Art 77"
        "a GDPR notice names no supervisory authority to complain to";
    "L025" "opt-out-requires-verification" Error "R-041, R-112, R-283; 11 CCR §7060(b), §7026"
        "an opt-out or a request to limit asks for identity verification";
    "L026" "sale-to-service-provider" Error "R-005; Civ. Code §1798.140(ad)(2), (ag), (ah)"
        "a disclosure to a service provider or contractor is marked as a sale or sharing";
    "L027" "opt-out-without-link" Warning "R-150, R-110; Civ. Code §1798.135(a)(1)"
        "a website that sells or shares has no \"Do Not Sell or Share\" or \"Your Privacy Choices\" link";
    "L028" "limit-without-link" Warning "R-150, R-140; Civ. Code §1798.135(a)(2)"
        "a website that offers the right to limit has no \"Limit the Use\" or \"Your Privacy Choices\" link";
    "L029" "database-without-identity" Warning "R-070, R-090; Civ. Code §1798.110, §1798.105"
        "a database the business controls has no identity column, so no request can find a person in it";
    "L030" "weak-verification-for-specific-pieces" Warning "R-050, R-048; 11 CCR §7062(c), §7061"
        "access to specific pieces is verified by less than three data points and a signed declaration, or a login";
    "L031" "required-right-missing" Error "REGULATIONS.md §(a), R-280–R-282; GDPR Art 15–21; Civ. Code §§1798.105–1798.110"
        "a law the program is under grants a right the program does not offer";
    "L032" "sharing-without-tracking-disclosure" Warning "R-221; Bus. & Prof. Code §22575(b)(6), Civ. Code §1798.140(ah)"
        "personal information is shared for cross-context behavioral advertising, but the program says no other company tracks people across sites";
    "L033" "automated-decisions-undeclared" Warning "R-267, R-268; GDPR Art 13(2)(f), Art 22"
        "a program under the GDPR does not say whether it makes decisions based solely on automated processing";
    "L034" "provision-requirement-undeclared" Warning "R-268; GDPR Art 13(2)(e)"
        "a program under the GDPR does not say whether people must provide their data and what happens if they do not";
    "L035" "too-few-opt-out-methods" Error "R-110, R-140; 11 CCR §7026(a)(1), §7027(b)(1)"
        "the opt-out of sale or sharing, or the right to limit, has fewer than two methods";
    "L036" "too-few-data-points" Warning "R-049, R-050; 11 CCR §7062(b)-(c)"
        "a right is verified by matching data points, but `requests.data_points` declares fewer than it takes";
    "L037" "table-not-in-database" Error "R-070, R-090; Civ. Code §1798.110(a)(5), 11 CCR §7022(b)(1)"
        "a table a system declares is not in its live database (`ombud systems check` only)";
    "L038" "column-not-in-database" Error "R-070, R-090; Civ. Code §1798.110(a)(5), 11 CCR §7022(b)(1)"
        "a column a table declares (key, identity, personal, reference or its target) is not in the live table (`ombud systems check` only)";
    "L039" "lookup-without-index" Warning "R-031, R-090; Civ. Code §1798.130(a)(2)(A), DESIGN.md Scale"
        "a column fulfilment looks people up by has no index, so each request scans the table (`ombud systems check` only)";
}

/// The citation of a lint by code; empty for an unknown code.
pub fn citation(code: &str) -> &'static str {
    LINTS.iter().find(|lint| lint.code == code).map(|lint| lint.citation).unwrap_or("")
}

fn emit(code: &'static str, span: Span, message: String, help: &str) -> Diagnostic {
    let lint = LINTS.iter().find(|lint| lint.code == code);
    Diagnostic {
        code,
        severity: lint.map(|l| l.severity).unwrap_or(Severity::Error),
        span,
        message,
        help: Some(help.to_owned()),
        citation: lint.map(|l| l.citation),
    }
}

/// Runs every lint.
///
/// # Panics
///
/// Expects a program lowered without error diagnostics, whose indices (`categories[i]`,
/// `channels[c]`, …) are all in range (ARCHITECTURE.md invariant); [`crate::check`]
/// runs the lints only on such a program. An index out of range panics.
pub fn run(program: &Program, options: &CheckOptions) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    sale_and_sharing(program, &mut out);
    request_methods(program, &mut out);
    sensitive(program, &mut out);
    categories(program, &mut out);
    gdpr(program, &mut out);
    minors(program, &mut out);
    rights(program, &mut out);
    systems(program, &mut out);
    recipients(program, &mut out);
    tracking(program, &mut out);
    opt_out_methods(program, &mut out);
    data_points(program, &mut out);
    organization(program, options, &mut out);
    out
}

/// Opt-outs of sale or sharing and requests to limit need two or more methods under the
/// CCPA; an honored opt-out preference signal (GPC) counts as one for the opt-out
/// (11 CCR §7026(a)(1), R-110) but not for the right to limit (§7027(b)(1), R-140).
/// Two channels of the same kind are one method.
fn opt_out_methods(program: &Program, out: &mut Vec<Diagnostic>) {
    if !program.covers(Law::Ccpa) {
        return;
    }
    for (right, needed, signal_counts) in [
        (RequestType::OptOutSaleShare, program.sells() || program.shares(), true),
        (RequestType::LimitSensitive, true, false),
    ] {
        let Some(offered) = program.right_for(right, Law::Ccpa) else { continue };
        if !needed || offered.channels.is_empty() {
            continue; // L013 speaks for a right with no channel at all.
        }
        let mut kinds: Vec<ChannelKind> = offered
            .channels
            .iter()
            .filter_map(|&c| program.channels.get(c))
            .map(|c| c.kind)
            .collect();
        kinds.sort_unstable();
        kinds.dedup();
        let signal = signal_counts && program.signals.gpc == SignalStance::Honor;
        let methods = kinds.len() + usize::from(signal);
        if methods < 2 {
            out.push(emit(
                "L035",
                offered.span,
                format!("`{right}` can be exercised through only one method"),
                if signal_counts {
                    "offer a second method (the \"Do Not Sell or Share\" link, a form, email or telephone), or honor Global Privacy Control, which counts as one"
                } else {
                    "offer a second method, such as the \"Limit the Use of My Sensitive Personal Information\" link and an email address or telephone number"
                },
            ));
        }
    }
}

/// A person without an account is verified by matching data points the business holds:
/// two for a request about categories (11 CCR §7062(b), R-049), three and a signed
/// declaration for specific pieces (§7062(c), R-050). A right offered with `data_points`
/// verification needs that many declared under `requests.data_points`, or nobody could
/// be verified that way. ombud verifies the same way under every law, so the count does
/// not depend on the right's laws. One finding, at the right that needs the most.
fn data_points(program: &Program, out: &mut Vec<Diagnostic>) {
    let declared = program.requests.data_points.len();
    let by_points: Vec<&Right> = program
        .rights
        .iter()
        .filter(|right| right.verification.contains(&VerificationMethod::DataPoints))
        .collect();
    let access = by_points.iter().find(|right| right.right == RequestType::Access);
    let (right, needed, what) = match (access, by_points.first()) {
        (Some(access), _) => (access, 3, "specific pieces need"),
        (None, Some(first)) => (first, 2, "a match needs"),
        (None, None) => return,
    };
    if declared >= needed {
        return;
    }
    out.push(emit(
        "L036",
        right.verification_span,
        format!(
            "`{}` is verified by matching data points, but `requests.data_points` declares {declared}, fewer than the {needed} that {what}",
            right.right
        ),
        "declare under `requests.data_points` what people without an account can give that you hold reliably, such as `{ id: postal_code, name: The postal code on your account }`: two verify a request about categories, three and a signed declaration one for specific pieces; or stop offering `data_points` verification",
    ));
}

/// Under laws where "sale" and opt-outs exist: California and the US state laws.
fn is_opt_out_law(law: Law) -> bool {
    law == Law::Ccpa || law.is_us_state_law()
}

fn has_opt_out_law(program: &Program) -> bool {
    program.jurisdictions.iter().any(|&law| is_opt_out_law(law))
}

/// Laws that make honoring an opt-out preference signal mandatory (REGULATIONS.md §(a), R-284).
const GPC_LAWS: [Law; 5] = [Law::Ccpa, Law::Colorado, Law::Connecticut, Law::Texas, Law::Oregon];

fn join_laws(laws: &[Law]) -> String {
    laws.iter().map(|law| format!("`{law}`")).collect::<Vec<_>>().join(", ")
}

fn sale_and_sharing(program: &Program, out: &mut Vec<Diagnostic>) {
    let first_sale = program.disclosures.iter().find(|d| d.sold || d.shared);
    let Some(first_sale) = first_sale else { return };
    // The opt-out must be offered under every opt-out law the program is under: an
    // opt-out offered to Californians only leaves Virginians without theirs.
    let missing: Vec<Law> = program
        .jurisdictions
        .iter()
        .copied()
        .filter(|&law| {
            is_opt_out_law(law) && program.right_for(RequestType::OptOutSaleShare, law).is_none()
        })
        .collect();
    if !missing.is_empty() {
        out.push(emit(
            "L001",
            first_sale.span,
            format!(
                "personal information is sold or shared, but no opt-out is offered under {}",
                join_laws(&missing)
            ),
            "add a right `opt_out_sale_share` under these laws with at least two methods (R-110), or mark the disclosure `sold: false, shared: false`",
        ));
    }
    let gpc_laws: Vec<Law> = GPC_LAWS.iter().copied().filter(|&law| program.covers(law)).collect();
    if program.signals.gpc == SignalStance::Ignore && !gpc_laws.is_empty() {
        out.push(emit(
            "L002",
            program.signals.span,
            format!(
                "personal information is sold or shared, but Global Privacy Control is ignored although {} {} honoring it",
                join_laws(&gpc_laws),
                if gpc_laws.len() == 1 { "requires" } else { "require" }
            ),
            "set `signals: { gpc: honor }`: the law treats the signal as a valid opt-out (11 CCR §7025)",
        ));
    }
    if program.covers(Law::Ccpa)
        && program.organization.website.is_some()
        && let Some(right) = program.right_for(RequestType::OptOutSaleShare, Law::Ccpa)
    {
        let has_link = right.channels.iter().any(|&c| {
            matches!(
                program.channels[c].kind,
                ChannelKind::DoNotSellLink | ChannelKind::PrivacyChoicesLink
            )
        });
        if !has_link {
            out.push(emit(
                "L027",
                right.span,
                "the website sells or shares but the opt-out has no \"Do Not Sell or Share My Personal Information\" link".into(),
                "add a channel of kind `do_not_sell_link` or `privacy_choices_link` to the `opt_out_sale_share` right",
            ));
        }
    }
    for disclosure in program.disclosures.iter().filter(|d| d.sold || d.shared) {
        for &recipient in &disclosure.recipients {
            let recipient = &program.recipients[recipient];
            if recipient.role.is_under_contract() {
                out.push(emit(
                    "L026",
                    disclosure.span,
                    format!(
                        "disclosure to `{}` ({}) is marked as a sale or sharing",
                        recipient.id,
                        recipient.role.label().to_lowercase()
                    ),
                    "a disclosure to a service provider or contractor under contract is not a sale; make the recipient a `third_party`, or set `sold: false, shared: false`",
                ));
            }
        }
    }
}

/// Channel kinds that are a method of submitting a request to know, delete or correct;
/// the opt-out, limit and unsubscribe links lead elsewhere.
fn is_request_method(kind: ChannelKind) -> bool {
    matches!(
        kind,
        ChannelKind::WebForm
            | ChannelKind::Email
            | ChannelKind::TollFreePhone
            | ChannelKind::Phone
            | ChannelKind::PostalMail
            | ChannelKind::InPerson
            | ChannelKind::Account
    )
}

/// The intake rules of for every CCPA request to know, delete or correct.
///
/// A right meets R-011 when the business is exclusively online and the right can be
/// made by email; then nothing more is required of it. Every other right must meet
/// two methods (L003), one a toll-free number (L004) and, when there is a
/// website, one through the website (L005).
fn request_methods(program: &Program, out: &mut Vec<Diagnostic>) {
    if !program.covers(Law::Ccpa) {
        return;
    }
    let verifiable = program.rights.iter().filter(|r| {
        r.right.is_ccpa_verifiable() && r.laws.contains(&Law::Ccpa) && !r.channels.is_empty()
    });
    let online = program.exclusively_online;
    let or_email = if online {
        "; or add an `email` channel: an exclusively-online business may offer email alone (R-011)"
    } else {
        "; a business that operates exclusively online with a direct relationship to the people it collects from may offer email alone instead (set `exclusively_online: true`, R-011)"
    };
    for right in verifiable {
        let mut kinds: Vec<ChannelKind> = right
            .channels
            .iter()
            .map(|&c| program.channels[c].kind)
            .filter(|&k| is_request_method(k))
            .collect();
        kinds.sort_unstable_by_key(|k| k.id());
        kinds.dedup();
        if online && kinds.contains(&ChannelKind::Email) {
            continue;
        }
        if kinds.len() < 2 {
            out.push(emit(
                "L003",
                right.span,
                format!(
                    "the right `{}` can be exercised through fewer than two methods",
                    right.right
                ),
                &format!(
                    "offer at least two methods, one of them a toll-free number (R-010){or_email}"
                ),
            ));
        }
        if !kinds.contains(&ChannelKind::TollFreePhone) {
            out.push(emit(
                "L004",
                right.span,
                format!("the right `{}` cannot be exercised by toll-free telephone", right.right),
                &format!("add a `toll_free_phone` channel to this right (R-010){or_email}"),
            ));
        }
        if program.organization.website.is_some()
            && !kinds.iter().any(|k| matches!(k, ChannelKind::WebForm | ChannelKind::Account))
        {
            out.push(emit(
                "L005",
                right.span,
                format!("the organization has a website but `{}` cannot be requested through it", right.right),
                &format!("add a channel of kind `web_form` (or `account`) to this right (R-010){or_email}"),
            ));
        }
    }
}

fn sensitive(program: &Program, out: &mut Vec<Diagnostic>) {
    if !program.covers(Law::Ccpa) {
        return;
    }
    if program.right_for(RequestType::LimitSensitive, Law::Ccpa).is_some() {
        if program.organization.website.is_some() {
            limit_link(program, out);
        }
        return;
    }
    let sold_or_shared = program.categories_sold_or_shared();
    for (index, category) in program.categories.iter().enumerate() {
        if category.sensitive.is_none() || !category.infers_characteristics {
            continue;
        }
        let mut beyond: Vec<&str> = category
            .purposes
            .iter()
            .map(|&p| &program.purposes[p])
            .filter(|p| !p.business_purpose.is_some_and(|b| b.permits_sensitive_use()))
            .map(|p| p.id.as_str())
            .collect();
        // Selling or sharing is never among the §7027(m) purposes.
        if sold_or_shared.contains(&index) {
            beyond.push("sale or sharing");
        }
        if !beyond.is_empty() {
            out.push(emit(
                "L006",
                category.span,
                format!(
                    "sensitive category `{}` is used for `{}`, beyond the permitted purposes, and no right to limit is offered",
                    category.id,
                    beyond.join("`, `")
                ),
                "offer the right `limit_sensitive`, give these purposes a permitted `business_purpose`, or set `infers_characteristics: false` if it is never used to infer characteristics (R-003)",
            ));
        }
    }
}

fn limit_link(program: &Program, out: &mut Vec<Diagnostic>) {
    if let Some(right) = program.right_for(RequestType::LimitSensitive, Law::Ccpa) {
        let has_link = right.channels.iter().any(|&c| {
            matches!(
                program.channels[c].kind,
                ChannelKind::LimitLink | ChannelKind::PrivacyChoicesLink
            )
        });
        if !has_link {
            out.push(emit(
                "L028",
                right.span,
                "the right to limit has no \"Limit the Use of My Sensitive Personal Information\" link".into(),
                "add a channel of kind `limit_link` or `privacy_choices_link` to the `limit_sensitive` right",
            ));
        }
    }
}

fn categories(program: &Program, out: &mut Vec<Diagnostic>) {
    for (index, category) in program.categories.iter().enumerate() {
        if category.purposes.is_empty() {
            out.push(emit(
                "L007",
                category.span,
                format!("category `{}` is collected for no purpose", category.id),
                "list the purpose ids it is used for under `purposes:`, or stop collecting it",
            ));
        }
        if category.sources.is_empty() {
            out.push(emit(
                "L008",
                category.span,
                format!("category `{}` has no source", category.id),
                "list the source ids it comes from under `sources:`",
            ));
        }
        if program.retention_of(index).is_empty() {
            out.push(emit(
                "L009",
                category.span,
                format!("category `{}` has no retention period", category.id),
                "add it to a rule under `retention:` with the period or the criteria that decide it",
            ));
        }
    }
}

fn gdpr(program: &Program, out: &mut Vec<Diagnostic>) {
    if !program.covers(Law::Gdpr) {
        return;
    }
    use ombud_core::GdprLawfulBasis as Basis;
    let can_withdraw = program.right_for(RequestType::WithdrawConsent, Law::Gdpr).is_some();
    for purpose in &program.purposes {
        let interest_stated =
            purpose.legitimate_interest.as_deref().is_some_and(|text| !text.trim().is_empty());
        match purpose.gdpr_basis {
            None => out.push(emit(
                "L020",
                purpose.span,
                format!("purpose `{}` has no GDPR lawful basis", purpose.id),
                "add `gdpr_basis:` with one of consent, contract, legal_obligation, vital_interests, public_task or legitimate_interests",
            )),
            Some(Basis::LegitimateInterests) if !interest_stated => out.push(emit(
                "L019",
                purpose.span,
                format!("purpose `{}` relies on legitimate interests without saying which", purpose.id),
                "add `legitimate_interest:` describing the interest pursued; the notice must state it",
            )),
            Some(Basis::Consent) if !can_withdraw => out.push(emit(
                "L011",
                purpose.span,
                format!("purpose `{}` relies on consent, but no way to withdraw it is offered under GDPR", purpose.id),
                "offer the right `withdraw_consent` under `gdpr` with a channel as easy as the one used to give consent",
            )),
            _ => {}
        }
    }
    // Art 13(2)(e)-(f): the notice says only what the manifest declares, so silence
    // here leaves these items out of the notice.
    let info = program.gdpr.as_ref();
    let span = info.map(|g| g.span).unwrap_or(program.jurisdictions_span);
    if info.and_then(|g| g.automated_decisions).is_none() {
        out.push(emit(
            "L033",
            span,
            "the program does not say whether it makes decisions based solely on automated processing".into(),
            "add `gdpr: { automated_decisions: false }`, or `true` with `automated_decisions_logic:` describing the logic and its significance and consequences for people",
        ));
    }
    if info.and_then(|g| g.provision.as_deref()).is_none_or(|text| text.trim().is_empty()) {
        out.push(emit(
            "L034",
            span,
            "the program does not say whether people must provide their personal data, or what happens if they do not".into(),
            "add `gdpr: { provision: … }`: whether providing the data is required by law or by a contract or to enter into one, whether people must provide it, and the consequences of not providing it",
        ));
    }
    // A controller with no EU establishment appoints a representative (Art 27) and has
    // no lead authority (Art 56): people complain where they live or work (Art 77), and
    // the notice states that right without naming one authority.
    if program.organization.supervisory_authority.is_none()
        && program.organization.eu_representative.is_none()
    {
        out.push(emit(
            "L024",
            program.organization.span,
            "the notice names no supervisory authority to complain to".into(),
            "add `organization.supervisory_authority` with the name and website of the authority of your EU establishment; a controller without one names its `eu_representative` instead",
        ));
    }
}

fn minors(program: &Program, out: &mut Vec<Diagnostic>) {
    if !(program.sells() || program.shares()) || !has_opt_out_law(program) {
        return;
    }
    // Knowing that under-13s' data is collected is no finding by itself: a policy of
    // `never` selling or sharing it complies. The fault is knowingly selling or sharing
    // under-16s' data without requiring their (or a parent's) opt-in.
    if program.minors.sells_or_shares_under_16
        && program.minors.sale_under_16 != MinorsSale::OptInRequired
    {
        out.push(emit(
            "L012",
            program.minors.span,
            "the program knowingly sells or shares data of people under 16, but its policy does not require their opt-in".into(),
            "set `sale_under_16: opt_in_required` (13–15 opt in themselves, under 13 a parent), or stop selling or sharing their data and set `sells_or_shares_under_16: false`",
        ));
    }
}

/// The rights a law grants to the people this program is about, with why when the
/// right depends on what the program does; offered rights are checked against these (L031).
///
/// Opt-outs of sale and sharing are L001's and the right to limit is L006's: they are
/// owed only when the program sells, shares or uses sensitive data beyond what is permitted.
fn required_rights(program: &Program, law: Law) -> Vec<(RequestType, Option<&'static str>)> {
    use RequestType::*;
    use ombud_core::GdprLawfulBasis as Basis;
    let always = |rights: &[RequestType]| rights.iter().map(|&r| (r, None)).collect::<Vec<_>>();
    match law {
        Law::Ccpa => always(&[Know, Access, Delete, Correct]),
        Law::Gdpr => {
            let mut rights = always(&[Access, Correct, Delete, Restrict]);
            let basis = |wanted: &[Basis]| {
                program.purposes.iter().any(|p| p.gdpr_basis.is_some_and(|b| wanted.contains(&b)))
            };
            // Art 21(1): processing on public-task or legitimate-interest grounds;
            // Art 21(2): direct marketing, whatever its basis.
            if basis(&[Basis::LegitimateInterests, Basis::PublicTask]) {
                rights.push((
                    Object,
                    Some("a purpose relies on legitimate interests or a public task (Art 21(1))"),
                ));
            } else if !program.subscriptions.is_empty()
                || program.shares()
                || program.purposes.iter().any(|p| {
                    p.business_purpose == Some(ombud_core::BusinessPurpose::AdvertisingMarketing)
                })
            {
                rights.push((Object, Some("the program does direct marketing (Art 21(2))")));
            }
            // Art 20(1)(a): processing based on consent or on a contract.
            if basis(&[Basis::Consent, Basis::Contract]) {
                rights.push((
                    Portability,
                    Some("a purpose relies on consent or a contract (Art 20(1))"),
                ));
            }
            rights
        }
        Law::Virginia | Law::Colorado | Law::Connecticut | Law::Texas | Law::Oregon => {
            always(&[Access, Delete, Correct, Appeal])
        }
        Law::Utah => always(&[Access, Delete]),
        Law::Caloppa => Vec::new(),
    }
}

fn rights(program: &Program, out: &mut Vec<Diagnostic>) {
    for right in &program.rights {
        if right.channels.is_empty() {
            out.push(emit(
                "L013",
                right.span,
                format!("right `{}` is offered with no channel", right.right),
                "list the channel ids through which people can exercise it under `channels:`",
            ));
        }
        if right.right.verification_forbidden()
            && right.verification.iter().any(|m| *m != VerificationMethod::None)
        {
            out.push(emit(
                "L025",
                right.verification_span,
                format!("`{}` asks for identity verification", right.right),
                "opt-outs and requests to limit must be applied without verification: set `verification: [none]`",
            ));
        }
        if right.right == RequestType::Access && right.laws.contains(&Law::Ccpa) {
            let has = |m| right.verification.contains(&m);
            let strong = has(VerificationMethod::AccountLogin)
                || (has(VerificationMethod::DataPoints)
                    && has(VerificationMethod::SignedDeclaration));
            if !strong {
                out.push(emit(
                    "L030",
                    right.verification_span,
                    "access to specific pieces is not verified to a reasonably high degree of certainty".into(),
                    "verify with `account_login`, or with `data_points` (three) plus a `signed_declaration` under penalty of perjury",
                ));
            }
        }
    }
    for &law in &program.jurisdictions {
        for (required, why) in required_rights(program, law) {
            if program.right_for(required, law).is_none() {
                let why = why.map(|why| format!(" because {why}")).unwrap_or_default();
                out.push(emit(
                    "L031",
                    program.jurisdictions_span,
                    format!("`{law}` grants the right `{required}`{why}, which the program does not offer under it"),
                    "add it under `rights:` with its channels, or remove the law from `jurisdictions:`",
                ));
            }
        }
    }
    if program.covers(Law::Ccpa) && !program.authorized_agents.as_ref().is_some_and(|a| a.accepted)
    {
        let span = program
            .authorized_agents
            .as_ref()
            .map(|a| a.span)
            .unwrap_or(program.jurisdictions_span);
        out.push(emit(
            "L023",
            span,
            "the program does not accept authorized agents".into(),
            "add `authorized_agents: { accepted: true, proof: [signed_permission, power_of_attorney] }`: Californians may use an agent for any request",
        ));
    }
}

fn systems(program: &Program, out: &mut Vec<Diagnostic>) {
    let mut held = vec![false; program.categories.len()];
    for system in &program.systems {
        match &system.kind {
            SystemKind::Database { tables, .. } => {
                for column in tables.iter().flat_map(|t| &t.columns) {
                    held[column.category] = true;
                }
                if system.role == SystemRole::Controller
                    && tables.iter().any(|t| !t.columns.is_empty())
                    && tables.iter().all(|t| t.identity.is_empty())
                {
                    out.push(emit(
                        "L029",
                        system.span,
                        format!("database `{}` has no identity column", system.id),
                        "mark the columns that identify a person under a table's `identity:` (for example `email: email`)",
                    ));
                }
                for table in tables {
                    let Some(retain) = &table.retain else { continue };
                    // The first reason may be missing; each further one (`also:`) is
                    // checked like it.
                    let reasons =
                        std::iter::once(retain.reason).chain(retain.also.iter().copied().map(Some));
                    for reason in reasons {
                        match reason {
                        None => out.push(emit(
                            "L015",
                            retain.span,
                            format!("table `{}` is kept after deletion with no legal reason", table.name),
                            "add `reason:` with a CCPA §1798.105(d) code (`D1`–`D8`) or a GDPR Art 17(3) code (`G-a`–`G-e`)",
                        )),
                        Some(RetentionReason::Gdpr(code)) if !program.covers(Law::Gdpr) => out.push(emit(
                            "L015",
                            retain.span,
                            format!("table `{}` cites GDPR exception `{}`, but the program is not under GDPR", table.name, code),
                            "cite a CCPA §1798.105(d) code (`D1`–`D8`), or add `gdpr` to `jurisdictions:`",
                        )),
                        // The §1798.105(d) codes are also the vocabulary for the US state
                        // laws, whose deletion exemptions track them (for example Va. Code
                        // §59.1-582); they are out of place only in a program under no US law.
                        Some(RetentionReason::Ccpa(code)) if !has_opt_out_law(program) => out.push(emit(
                            "L015",
                            retain.span,
                            format!(
                                "table `{}` cites CCPA exception `{}`, but the program is under no US privacy law with a right to delete",
                                table.name, code
                            ),
                            "cite a GDPR Art 17(3) code (`G-a`–`G-e`), or add `ccpa` to `jurisdictions:`",
                        )),
                        Some(_) => {}
                    }
                    }
                }
            }
            SystemKind::ServiceProvider { recipient, categories, .. } => {
                for &category in categories {
                    held[category] = true;
                    let Some(recipient) = *recipient else { continue };
                    let disclosed = program.disclosures.iter().any(|d| {
                        d.categories.contains(&category) && d.recipients.contains(&recipient)
                    });
                    if !disclosed {
                        out.push(emit(
                            "L017",
                            system.span,
                            format!(
                                "service provider `{}` holds `{}`, but no disclosure says that `{}` receives it",
                                system.id, program.categories[category].id, program.recipients[recipient].id
                            ),
                            "add a disclosure of this category to this recipient, so the notice tells people",
                        ));
                    }
                }
            }
        }
    }
    if program.systems.is_empty() {
        return;
    }
    for (index, category) in program.categories.iter().enumerate() {
        if !held[index] {
            out.push(emit(
                "L016",
                category.span,
                format!("category `{}` is held by no declared system", category.id),
                "annotate the columns that hold it under a system's tables, or list it in a service provider's `categories:`",
            ));
        }
    }
}

/// Contracts with recipients. Under the CCPA, disclosing to a service provider
/// or contractor, and selling or sharing to a third party, needs a contract with the
/// §1798.100(d) terms. Under the GDPR, our service providers and contractors are
/// processors: they process personal data on our behalf, which Art 28(3) allows only
/// under a contract (or other legal act) with the terms it lists. One finding per
/// recipient names every law that asks for the contract.
fn recipients(program: &Program, out: &mut Vec<Diagnostic>) {
    let (ccpa, gdpr) = (program.covers(Law::Ccpa), program.covers(Law::Gdpr));
    if !ccpa && !gdpr {
        return;
    }
    for (index, recipient) in program.recipients.iter().enumerate() {
        if recipient.contract {
            continue;
        }
        let disclosures: Vec<_> =
            program.disclosures.iter().filter(|d| d.recipients.contains(&index)).collect();
        // A service-provider system holds the data even when no disclosure says so (L017).
        let holds_data = program.systems.iter().any(|s| {
            matches!(s.kind, SystemKind::ServiceProvider { recipient: Some(r), .. } if r == index)
        });
        let receives = !disclosures.is_empty() || holds_data;
        let processor =
            matches!(recipient.role, RecipientRole::ServiceProvider | RecipientRole::Contractor);
        let ccpa_needs = ccpa
            && match recipient.role {
                RecipientRole::ServiceProvider | RecipientRole::Contractor => receives,
                RecipientRole::ThirdParty => disclosures.iter().any(|d| d.sold || d.shared),
                RecipientRole::Affiliate | RecipientRole::Government => false,
            };
        let gdpr_needs = gdpr && processor && receives;
        let (laws, terms) = match (ccpa_needs, gdpr_needs) {
            (true, true) => (
                "the CCPA and the GDPR require",
                "the terms of Civ. Code §1798.100(d) and of GDPR Art 28(3) (a data processing agreement)",
            ),
            (true, false) => ("the CCPA requires", "the terms of Civ. Code §1798.100(d)"),
            (false, true) => {
                ("the GDPR requires", "the terms of GDPR Art 28(3) (a data processing agreement)")
            }
            (false, false) => continue,
        };
        let why = match recipient.role {
            RecipientRole::ThirdParty => "it buys or receives shared personal information",
            _ if ccpa_needs => "it receives personal information for a business purpose",
            _ => "it processes personal data on our behalf",
        };
        out.push(emit(
            "L018",
            recipient.span,
            format!(
                "{} `{}` has no contract with the terms {laws}, and {why}",
                recipient.role.label().to_lowercase(),
                recipient.id
            ),
            &format!("put a contract with {terms} in place and set `contract: true`"),
        ));
    }
}

/// Sharing is disclosure to a third party for advertising chosen from a person's
/// activity across other businesses' websites and apps (Civ. Code §1798.140(ah)): the
/// third party collects information about that activity over time and across sites.
/// The notice must then not say that no other party does (Bus. & Prof. Code
/// §22575(b)(6), R-221(6)).
fn tracking(program: &Program, out: &mut Vec<Diagnostic>) {
    if !program.shares() || program.signals.third_party_tracking {
        return;
    }
    out.push(emit(
        "L032",
        program.signals.span,
        "personal information is shared for cross-context behavioral advertising, but `third_party_tracking: false` tells people that no other company collects their activity across websites".into(),
        "set `signals.third_party_tracking: true`: the companies that receive shared data collect people's activity over time and across sites; or, if no disclosure is for cross-context behavioral advertising, mark it `shared: false`",
    ));
}

fn organization(program: &Program, options: &CheckOptions, out: &mut Vec<Diagnostic>) {
    let contact = &program.organization.contact;
    if contact.email.is_none() && contact.phone.is_none() {
        out.push(emit(
            "L022",
            program.organization.contact_span,
            "the organization gives no email address or telephone number for privacy questions".into(),
            "add `email:` (and `phone:` if people reach you by telephone) under `organization.contact`",
        ));
    }
    if let Some(today) = options.today {
        let effective = program.notice.effective;
        // Twelve calendar months, so a leap day never moves the deadline: a notice of
        // 1 March is due by 1 March next year; one of 29 February by 28 February.
        let due = Date::parse(&Date { year: effective.year + 1, ..effective }.to_string())
            .unwrap_or(Date { year: effective.year + 1, month: effective.month, day: 28 });
        if today > due {
            let age_days = today.days_since_epoch() - effective.days_since_epoch();
            out.push(emit(
                "L021",
                program.notice.effective_span,
                format!("the notice took effect {age_days} days ago; it must be reviewed at least every twelve months"),
                "review the program, then set `notice.effective` to the date of the update and change `notice.version`",
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_codes_are_unique_sequential_and_cited() {
        for (index, lint) in LINTS.iter().enumerate() {
            assert_eq!(lint.code, format!("L{:03}", index + 1));
            assert!(
                lint.citation.contains("R-") || lint.citation.contains("§(a)"),
                "{} cites no R-number",
                lint.code
            );
            assert!(!lint.summary.is_empty());
        }
        assert!(LINTS.len() >= 20);
    }
}
