//! The words of a verdict: [`Snapshot::explain`] turns the rule, the program's names
//! of the ids asked about and the choice the rule cites into the sentence a person
//! reads, citing the R-number. Kept apart from the rules so that the hot path allocates
//! nothing; every sentence is the one `decide` gave before the split, byte for byte.

use super::{SHARED, SOLD, Snapshot, at};
use crate::decide::{IdKind, Mark, Query, Rule, Source, Verdict};

/// The longest id an explanation repeats: ids in a query come from other systems and
/// may be anything, so an explanation quotes only their start.
const QUOTED_ID_MAX: usize = 64;

impl Snapshot {
    /// Words a verdict this snapshot gave for this query. Total: a verdict from another
    /// snapshot or query gives wrong words, never a panic.
    pub fn explain(&self, query: &Query<'_>, verdict: &Verdict) -> String {
        let category = self.categories.get(at(verdict.category)).map_or("", |c| c.name.as_str());
        let purpose = self.purposes.get(at(verdict.purpose)).map(|p| p.name.as_str());
        // Built only by the sentences that use them: each is an allocation.
        let purpose_name = || lower(purpose.unwrap_or(""));
        let recipient = self.recipient_names.get(at(verdict.recipient)).map_or("", String::as_str);
        // " to <purpose>" when the query named one.
        let why = || purpose.map(|name| format!(" to {}", lower(name))).unwrap_or_default();
        let sold = verdict.flow & SOLD != 0;
        let shared = verdict.flow & SHARED != 0;
        let what = if sold && shared {
            "a sale and a sharing"
        } else if sold {
            "a sale"
        } else {
            "a sharing"
        };
        let mark = Dated(verdict.mark.get());
        let gpc = gpc_cite(verdict.mark.get());
        match verdict.rule {
            Rule::UnknownId => match verdict.unknown {
                IdKind::Category => unknown("category", query.category),
                IdKind::Purpose => unknown("purpose", query.purpose.unwrap_or("")),
                IdKind::Recipient => unknown("recipient", query.recipient.unwrap_or("")),
            },
            Rule::LawNotInProgram => format!(
                "Denied: the program is not written for {}, so it allows nothing under it (fail closed).",
                query.law
            ),
            Rule::PurposeRequired => "Denied: under the GDPR every use needs a purpose with a \
                                      lawful basis; the question names none (R-250)."
                .to_owned(),
            Rule::PurposeNotForCategory => format!(
                "Denied: the program does not use {category} to {purpose_name}; a new use needs \
                 a new notice first (R-154).",
                purpose_name = purpose_name()
            ),
            Rule::NoDisclosure => format!(
                "Denied: no disclosure in the program sends {category} to {recipient}{why} \
                 (R-154, R-156).",
                why = why()
            ),
            Rule::MinorNeverSoldOrShared => format!(
                "Denied: the person is under 16, and the program never sells or shares the data \
                 of people under 16; sending {category} to {recipient} is {what} (R-170)."
            ),
            Rule::MinorUnder13NoParentConsent => format!(
                "Denied: the person is under 13 and no parent has opted in to the sale or \
                 sharing of their data; sending {category} to {recipient} is {what} (R-170, \
                 R-171)."
            ),
            Rule::MinorUnder16NoOptIn => format!(
                "Denied: the person is 13 to 15 and has not opted in, with a confirmed request, \
                 to the sale or sharing of their data; sending {category} to {recipient} is \
                 {what} (R-170, R-172)."
            ),
            Rule::OptedOutOfSale => format!(
                "Denied: the person opted out of the sale of their personal information {mark}, \
                 and sending {category} to {recipient} is a sale (R-110, R-113{gpc})."
            ),
            Rule::OptedOutOfSharing => format!(
                "Denied: the person opted out of the sharing of their personal information \
                 {mark}, and sending {category} to {recipient} is a sharing (R-110, R-113{gpc})."
            ),
            Rule::OptedOutOfTargetedAds => format!(
                "Denied: the person opted out of targeted advertising {mark}, and sending \
                 {category} to {recipient} is a sharing for it (R-284)."
            ),
            Rule::LimitedSensitive => format!(
                "Denied: the person limited the use of their sensitive personal information \
                 {mark}, and this use of {category} is not one of the permitted purposes \
                 (R-140, R-143)."
            ),
            Rule::NoLawfulBasis => {
                format!(
                    "Denied: the program declares no lawful basis for {purpose_name} (R-250).",
                    purpose_name = purpose_name()
                )
            }
            Rule::MinorNoParentalConsent => format!(
                "Denied: the person is under {}, the GDPR age of consent here, and no parent has \
                 consented to {purpose_name} (R-254).",
                self.gdpr_consent_age,
                purpose_name = purpose_name()
            ),
            Rule::NoConsentForPurpose => {
                let name = quoted(purpose.unwrap_or(""));
                match verdict.mark.get() {
                    Some(_) => format!(
                        "Denied: {name} rests on consent, which the person withdrew {mark} \
                         (R-250, R-253)."
                    ),
                    None => format!(
                        "Denied: {name} rests on consent, which the person has not given (R-250, \
                         R-253)."
                    ),
                }
            }
            Rule::AllowedSaleOrShare => format!(
                "Allowed: the program declares sending {category} to {recipient}{why} as {what}, \
                 and the person has not opted out of it (R-110).",
                why = why()
            ),
            Rule::NotASaleOrShare => format!(
                "Allowed: the program declares sending {category} to {recipient}{why}, which is \
                 neither a sale nor a sharing (R-114, R-115).",
                why = why()
            ),
            Rule::Allowed => format!(
                "Allowed: the program uses {category}{why}, and nothing the person chose stands \
                 against it (R-154).",
                why = why()
            ),
        }
    }
}

/// A mark in a sentence ("on 2026-05-28 by the privacy-center form"); nothing when a
/// verdict from elsewhere has none.
struct Dated(Option<Mark>);

impl std::fmt::Display for Dated {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            Some(mark) => std::fmt::Display::fmt(&mark, f),
            None => Ok(()),
        }
    }
}

fn unknown(kind: &str, id: &str) -> String {
    let quoted: String = id.chars().take(QUOTED_ID_MAX).collect();
    let more = if quoted.len() < id.len() { "…" } else { "" };
    format!(
        "Denied: the program declares no {kind} with the id {quoted:?}{more}; check the id \
         against the manifest (fail closed)."
    )
}

/// The extra citation when the opt-out came from a signal.
fn gpc_cite(mark: Option<Mark>) -> &'static str {
    if mark.is_some_and(|mark| mark.source == Source::Gpc) { ", R-120, R-121" } else { "" }
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
