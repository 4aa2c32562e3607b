//! The program compiled for decisions: every id resolved to an index once, and every
//! (recipient, category, purpose) flow precomputed as a few bits, so that
//! [`Snapshot::decide`] is three hash lookups, one array read and a few comparisons.
//!
//! A snapshot is immutable; a new program compiles a new one, which readers pick up by
//! swapping an `Arc` (the app's job), never by changing this one under them.

use std::collections::HashMap;

use ombud_core::{GdprLawfulBasis, Law};
use ombud_program::Program;
use ombud_program::model::MinorsSale;

use super::state::{AgeBand, ConsentState, PurposeConsent};
use super::{Decision, Query, Rule};

/// Flow bits: some disclosure declares it.
const DECLARED: u8 = 1;
/// Flow bits: some disclosure declaring it is a sale.
const SOLD: u8 = 2;
/// Flow bits: some disclosure declaring it is a sharing.
const SHARED: u8 = 4;

/// The GDPR Art 8 age when the program declares none (R-254: 16 unless a Member State
/// lowers it).
const GDPR_CONSENT_AGE_DEFAULT: u8 = 16;

/// The longest id an explanation repeats: ids in a query come from other systems and
/// may be anything, so an explanation quotes only their start.
const QUOTED_ID_MAX: usize = 64;

#[derive(Clone, Debug)]
struct CategoryInfo {
    name: String,
    /// Sensitive PI that the right to limit reaches: sensitive, and used to infer
    /// characteristics (R-003, §1798.121(d)).
    limitable: bool,
    /// Indexed by purpose: the program collects this category for that purpose.
    purposes: Vec<bool>,
}

#[derive(Clone, Debug)]
struct PurposeInfo {
    id: String,
    name: String,
    basis: Option<GdprLawfulBasis>,
    /// Its business purpose allows sensitive PI without the right to limit (§7027(m)).
    permits_sensitive: bool,
}

/// The program, compiled for [`Snapshot::decide`].
#[derive(Clone, Debug)]
pub struct Snapshot {
    laws: Vec<Law>,
    category_ids: HashMap<String, usize>,
    purpose_ids: HashMap<String, usize>,
    recipient_ids: HashMap<String, usize>,
    categories: Vec<CategoryInfo>,
    purposes: Vec<PurposeInfo>,
    recipient_names: Vec<String>,
    /// Flow bits, indexed `(recipient * categories + category) * (purposes + 1) + slot`,
    /// where `slot` is the purpose, or `purposes` for "any purpose".
    flows: Vec<u8>,
    minors_sale: MinorsSale,
    gdpr_consent_age: u8,
}

impl Snapshot {
    /// Compiles a program (one without errors: its indices are in range; an index that
    /// is not is skipped, never a panic).
    pub fn compile(program: &Program) -> Snapshot {
        let purposes: Vec<PurposeInfo> = program
            .purposes
            .iter()
            .map(|purpose| PurposeInfo {
                id: purpose.id.clone(),
                name: purpose.name.clone(),
                basis: purpose.gdpr_basis,
                permits_sensitive: purpose
                    .business_purpose
                    .is_some_and(|business| business.permits_sensitive_use()),
            })
            .collect();
        let categories: Vec<CategoryInfo> = program
            .categories
            .iter()
            .map(|category| {
                let mut used_for = vec![false; purposes.len()];
                for &purpose in &category.purposes {
                    if let Some(slot) = used_for.get_mut(purpose) {
                        *slot = true;
                    }
                }
                CategoryInfo {
                    name: category.name.clone(),
                    limitable: category.sensitive.is_some() && category.infers_characteristics,
                    purposes: used_for,
                }
            })
            .collect();
        let slots = purposes.len() + 1;
        let mut flows = vec![0u8; program.recipients.len() * categories.len() * slots];
        for disclosure in &program.disclosures {
            let bits = DECLARED
                | if disclosure.sold { SOLD } else { 0 }
                | if disclosure.shared { SHARED } else { 0 };
            for &recipient in &disclosure.recipients {
                for &category in &disclosure.categories {
                    let base = (recipient * categories.len() + category) * slots;
                    let targets = disclosure.purposes.iter().copied().chain([purposes.len()]);
                    for slot in targets {
                        if slot < slots
                            && let Some(flow) = flows.get_mut(base + slot)
                        {
                            *flow |= bits;
                        }
                    }
                }
            }
        }
        let index = |ids: Vec<&String>| -> HashMap<String, usize> {
            ids.into_iter().enumerate().map(|(at, id)| (id.clone(), at)).collect()
        };
        Snapshot {
            laws: program.jurisdictions.clone(),
            category_ids: index(program.categories.iter().map(|c| &c.id).collect()),
            purpose_ids: index(program.purposes.iter().map(|p| &p.id).collect()),
            recipient_ids: index(program.recipients.iter().map(|r| &r.id).collect()),
            categories,
            purposes,
            recipient_names: program.recipients.iter().map(|r| r.name.clone()).collect(),
            flows,
            minors_sale: program.minors.sale_under_16,
            gdpr_consent_age: program.minors.gdpr_consent_age.unwrap_or(GDPR_CONSENT_AGE_DEFAULT),
        }
    }

    /// Decides one query for one subject. The first rule that applies decides, in the
    /// order of [`Rule::ALL`]; see docs/decisions.md.
    pub fn decide(&self, query: &Query<'_>, state: &ConsentState) -> Decision {
        // Ids first: an unknown one is a denial that names it, never a guess.
        let Some(&category) = self.category_ids.get(query.category) else {
            return unknown("category", query.category);
        };
        let purpose = match query.purpose {
            Some(id) => match self.purpose_ids.get(id) {
                Some(&at) => Some(at),
                None => return unknown("purpose", id),
            },
            None => None,
        };
        let recipient = match query.recipient {
            Some(id) => match self.recipient_ids.get(id) {
                Some(&at) => Some(at),
                None => return unknown("recipient", id),
            },
            None => None,
        };
        let (Some(cat), purpose_info) =
            (self.categories.get(category), purpose.and_then(|at| self.purposes.get(at)))
        else {
            return unknown("category", query.category);
        };

        if !self.laws.contains(&query.law) {
            return deny(
                Rule::LawNotInProgram,
                format!(
                    "Denied: the program is not written for {}, so it allows nothing under it (fail closed).",
                    query.law
                ),
            );
        }
        if query.law == Law::Gdpr && purpose_info.is_none() {
            return deny(
                Rule::PurposeRequired,
                "Denied: under the GDPR every use needs a purpose with a lawful basis; the \
                 question names none (R-250)."
                    .to_owned(),
            );
        }
        if let (Some(at), Some(info)) = (purpose, purpose_info)
            && !cat.purposes.get(at).copied().unwrap_or(false)
        {
            return deny(
                Rule::PurposeNotForCategory,
                format!(
                    "Denied: the program does not use {} to {}; a new use needs a new \
                     notice first (R-154).",
                    cat.name,
                    lower(&info.name)
                ),
            );
        }

        let mut flow = 0u8;
        let mut recipient_name = "";
        if let Some(recipient) = recipient {
            let slots = self.purposes.len() + 1;
            let slot = purpose.unwrap_or(self.purposes.len());
            let at = (recipient * self.categories.len() + category) * slots + slot;
            flow = self.flows.get(at).copied().unwrap_or(0);
            recipient_name = self.recipient_names.get(recipient).map_or("", String::as_str);
            if flow & DECLARED == 0 {
                let why = purpose_info
                    .map(|info| format!(" to {}", lower(&info.name)))
                    .unwrap_or_default();
                return deny(
                    Rule::NoDisclosure,
                    format!(
                        "Denied: no disclosure in the program sends {} to {}{why} (R-154, \
                         R-156).",
                        cat.name, recipient_name
                    ),
                );
            }
        }
        let sold = flow & SOLD != 0;
        let shared = flow & SHARED != 0;
        let what = if sold && shared {
            "a sale and a sharing"
        } else if sold {
            "a sale"
        } else {
            "a sharing"
        };

        if sold || shared {
            match state.age() {
                AgeBand::Under13 | AgeBand::From13To15 if self.minors_sale == MinorsSale::Never => {
                    return deny(
                        Rule::MinorNeverSoldOrShared,
                        format!(
                            "Denied: the person is under 16, and the program never sells or \
                             shares the data of people under 16; sending {} to {} is {what} \
                             (R-170).",
                            cat.name, recipient_name
                        ),
                    );
                }
                AgeBand::Under13 if state.parent_opted_in().is_none() => {
                    return deny(
                        Rule::MinorUnder13NoParentConsent,
                        format!(
                            "Denied: the person is under 13 and no parent has opted in to the \
                             sale or sharing of their data; sending {} to {} is {what} \
                             (R-170, R-171).",
                            cat.name, recipient_name
                        ),
                    );
                }
                AgeBand::From13To15 if state.opted_in().is_none() => {
                    return deny(
                        Rule::MinorUnder16NoOptIn,
                        format!(
                            "Denied: the person is 13 to 15 and has not opted in, with a \
                             confirmed request, to the sale or sharing of their data; sending \
                             {} to {} is {what} (R-170, R-172).",
                            cat.name, recipient_name
                        ),
                    );
                }
                _ => {}
            }
        }
        if sold && let Some(mark) = state.opted_out_of_sale() {
            return deny(
                Rule::OptedOutOfSale,
                format!(
                    "Denied: the person opted out of the sale of their personal information \
                     {mark}, and sending {} to {} is a sale (R-110, R-113{}).",
                    cat.name,
                    recipient_name,
                    gpc_cite(mark)
                ),
            );
        }
        if shared && let Some(mark) = state.opted_out_of_sharing() {
            return deny(
                Rule::OptedOutOfSharing,
                format!(
                    "Denied: the person opted out of the sharing of their personal information \
                     {mark}, and sending {} to {} is a sharing (R-110, R-113{}).",
                    cat.name,
                    recipient_name,
                    gpc_cite(mark)
                ),
            );
        }
        if shared && let Some(mark) = state.opted_out_of_targeted_ads() {
            return deny(
                Rule::OptedOutOfTargetedAds,
                format!(
                    "Denied: the person opted out of targeted advertising {mark}, and sending \
                     {} to {} is a sharing for it (R-284).",
                    cat.name, recipient_name
                ),
            );
        }
        if cat.limitable
            && let Some(mark) = state.limited_sensitive()
        {
            let permitted = !(sold || shared) && purpose_info.is_some_and(|p| p.permits_sensitive);
            if !permitted {
                return deny(
                    Rule::LimitedSensitive,
                    format!(
                        "Denied: the person limited the use of their sensitive personal \
                         information {mark}, and this use of {} is not one of the permitted \
                         purposes (R-140, R-143).",
                        cat.name
                    ),
                );
            }
        }
        if query.law == Law::Gdpr
            && let Some(info) = purpose_info
        {
            match info.basis {
                None => {
                    return deny(
                        Rule::NoLawfulBasis,
                        format!(
                            "Denied: the program declares no lawful basis for {} (R-250).",
                            lower(&info.name)
                        ),
                    );
                }
                Some(GdprLawfulBasis::Consent) => {
                    let consent = state.consent(&info.id);
                    if self.is_gdpr_child(state.age()) {
                        if !matches!(consent, Some(PurposeConsent::Given { by_parent: true, .. })) {
                            return deny(
                                Rule::MinorNoParentalConsent,
                                format!(
                                    "Denied: the person is under {}, the GDPR age of consent \
                                     here, and no parent has consented to {} (R-254).",
                                    self.gdpr_consent_age,
                                    lower(&info.name)
                                ),
                            );
                        }
                    } else {
                        match consent {
                            Some(PurposeConsent::Given { .. }) => {}
                            Some(PurposeConsent::Withdrawn(mark)) => {
                                return deny(
                                    Rule::NoConsentForPurpose,
                                    format!(
                                        "Denied: {} rests on consent, which the person \
                                         withdrew {mark} (R-250, R-253).",
                                        quoted(&info.name)
                                    ),
                                );
                            }
                            None => {
                                return deny(
                                    Rule::NoConsentForPurpose,
                                    format!(
                                        "Denied: {} rests on consent, which the person has not \
                                         given (R-250, R-253).",
                                        quoted(&info.name)
                                    ),
                                );
                            }
                        }
                    }
                }
                Some(_) => {}
            }
        }

        let why = purpose_info.map(|info| format!(" to {}", lower(&info.name))).unwrap_or_default();
        if sold || shared {
            allow(
                Rule::AllowedSaleOrShare,
                format!(
                    "Allowed: the program declares sending {} to {}{why} as {what}, and the \
                     person has not opted out of it (R-110).",
                    cat.name, recipient_name
                ),
            )
        } else if recipient.is_some() {
            allow(
                Rule::NotASaleOrShare,
                format!(
                    "Allowed: the program declares sending {} to {}{why}, which is neither a \
                     sale nor a sharing (R-114, R-115).",
                    cat.name, recipient_name
                ),
            )
        } else {
            allow(
                Rule::Allowed,
                format!(
                    "Allowed: the program uses {}{why}, and nothing the person chose stands \
                     against it (R-154).",
                    cat.name
                ),
            )
        }
    }

    /// Whether a person of this age band is below the GDPR age of consent. A
    /// band that straddles the age counts as below it: asking a parent too often is the
    /// safe mistake.
    fn is_gdpr_child(&self, age: AgeBand) -> bool {
        match age {
            AgeBand::Under13 => true,
            AgeBand::From13To15 => self.gdpr_consent_age > 13,
            AgeBand::Adult | AgeBand::Unknown => false,
        }
    }
}

fn unknown(kind: &str, id: &str) -> Decision {
    let quoted: String = id.chars().take(QUOTED_ID_MAX).collect();
    let more = if quoted.len() < id.len() { "…" } else { "" };
    deny(
        Rule::UnknownId,
        format!(
            "Denied: the program declares no {kind} with the id {quoted:?}{more}; check the \
             id against the manifest (fail closed)."
        ),
    )
}

fn deny(rule: Rule, explanation: String) -> Decision {
    Decision { allowed: false, rule, explanation }
}

fn allow(rule: Rule, explanation: String) -> Decision {
    Decision { allowed: true, rule, explanation }
}

/// The extra citation when the opt-out came from a signal.
fn gpc_cite(mark: super::Mark) -> &'static str {
    if mark.source == super::Source::Gpc { ", R-120, R-121" } else { "" }
}

/// A purpose name inside a sentence: its first letter in lower case ("Send our
/// newsletter" → "send our newsletter").
fn lower(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A purpose name at the start of a sentence, quoted.
fn quoted(name: &str) -> String {
    format!("\"{name}\"")
}
