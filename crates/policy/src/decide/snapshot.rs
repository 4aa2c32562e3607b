//! The program compiled for decisions: every id resolved to an index once, and every
//! (recipient, category, purpose) flow precomputed as a few bits, so that
//! [`Snapshot::verdict`] is three hash lookups, one array read and a few comparisons.
//!
//! A snapshot is immutable; a new program compiles a new one, which readers pick up by
//! swapping an `Arc` (the app's job), never by changing this one under them.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use ombud_core::{GdprLawfulBasis, Law};
use ombud_program::Program;
use ombud_program::model::MinorsSale;

use super::state::{AgeBand, ConsentState, Packed, PurposeConsent};
use super::{Decision, IdKind, NO_INDEX, Query, Rule, Verdict};

mod explain;

/// Flow bits: some disclosure declares it.
const DECLARED: u8 = 1;
/// Flow bits: some disclosure declaring it is a sale.
const SOLD: u8 = 2;
/// Flow bits: some disclosure declaring it is a sharing.
const SHARED: u8 = 4;

/// The GDPR Art 8 age when the program declares none (R-254: 16 unless a Member State
/// lowers it).
const GDPR_CONSENT_AGE_DEFAULT: u8 = 16;

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
    category_ids: Ids,
    purpose_ids: Ids,
    recipient_ids: Ids,
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
        // Indices are u32 so that a verdict stays small; a program with more than
        // u32::MAX - 1 ids of a kind cannot be held in memory anyway, and an id past it
        // would only be unknown, never misread.
        let index = |ids: Vec<&String>| -> Ids {
            ids.into_iter()
                .enumerate()
                .filter_map(|(at, id)| Some((id.clone(), u32::try_from(at).ok()?)))
                .filter(|&(_, at)| at != NO_INDEX)
                .collect()
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

    /// Decides one query for one subject and words the answer: [`Snapshot::verdict`]
    /// then [`Snapshot::explain`]. The first rule that applies decides, in the order of
    /// [`Rule::ALL`]; see docs/decisions.md.
    pub fn decide(&self, query: &Query<'_>, state: &ConsentState) -> Decision {
        let verdict = self.verdict(query, state);
        Decision {
            allowed: verdict.allowed,
            rule: verdict.rule,
            explanation: self.explain(query, &verdict),
        }
    }

    /// Decides one query for one subject without wording it, and without allocating:
    /// the hot path, for systems that ask on every event. [`Snapshot::explain`] words
    /// the verdict when someone will read it.
    pub fn verdict(&self, query: &Query<'_>, state: &ConsentState) -> Verdict {
        match self.prepare(query) {
            Prepared::Decided(verdict) => verdict,
            Prepared::Open(open) => self.apply(&open, state),
        }
    }

    /// Everything the program alone says about a query: the rules that read no choice
    /// (ids, law, purpose, disclosure) in their order of precedence, and otherwise what
    /// the choices will be checked against. Asking the same question for many subjects
    /// prepares it once ([`Board::verdicts`](super::Board::verdicts)).
    pub(super) fn prepare(&self, query: &Query<'_>) -> Prepared<'_> {
        let unknown = |kind| Prepared::Decided(Verdict::unknown(kind));
        // Ids first: an unknown one is a denial that names it, never a guess.
        let Some(&category) = self.category_ids.get(query.category) else {
            return unknown(IdKind::Category);
        };
        let purpose = match query.purpose {
            Some(id) => match self.purpose_ids.get(id) {
                Some(&at) => Some(at),
                None => return unknown(IdKind::Purpose),
            },
            None => None,
        };
        let recipient = match query.recipient {
            Some(id) => match self.recipient_ids.get(id) {
                Some(&at) => Some(at),
                None => return unknown(IdKind::Recipient),
            },
            None => None,
        };
        let (Some(cat), purpose_info) =
            (self.categories.get(at(category)), purpose.and_then(|p| self.purposes.get(at(p))))
        else {
            return unknown(IdKind::Category);
        };
        let mut verdict = Verdict {
            allowed: false,
            rule: Rule::UnknownId,
            flow: 0,
            unknown: IdKind::Category,
            category,
            purpose: purpose.unwrap_or(NO_INDEX),
            recipient: recipient.unwrap_or(NO_INDEX),
            mark: Packed::NONE,
        };
        let decided = |verdict: Verdict, rule| Prepared::Decided(verdict.by(rule, Packed::NONE));

        if !self.laws.contains(&query.law) {
            return decided(verdict, Rule::LawNotInProgram);
        }
        if query.law == Law::Gdpr && purpose_info.is_none() {
            return decided(verdict, Rule::PurposeRequired);
        }
        if let (Some(p), Some(_)) = (purpose, purpose_info)
            && !cat.purposes.get(at(p)).copied().unwrap_or(false)
        {
            return decided(verdict, Rule::PurposeNotForCategory);
        }
        if let Some(recipient) = recipient {
            let slots = self.purposes.len() + 1;
            let slot = purpose.map_or(self.purposes.len(), at);
            let index = (at(recipient) * self.categories.len() + at(category)) * slots + slot;
            verdict.flow = self.flows.get(index).copied().unwrap_or(0);
            if verdict.flow & DECLARED == 0 {
                return decided(verdict, Rule::NoDisclosure);
            }
        }
        Prepared::Open(Open {
            verdict,
            limitable: cat.limitable,
            gdpr: query.law == Law::Gdpr,
            purpose: purpose_info,
        })
    }

    /// The rules that read the subject's choices, in their order of precedence, for a
    /// query the program alone did not decide.
    pub(super) fn apply(&self, open: &Open<'_>, state: &ConsentState) -> Verdict {
        let verdict = open.verdict;
        let sold = verdict.flow & SOLD != 0;
        let shared = verdict.flow & SHARED != 0;

        if sold || shared {
            match state.age() {
                AgeBand::Under13 | AgeBand::From13To15 if self.minors_sale == MinorsSale::Never => {
                    return verdict.by(Rule::MinorNeverSoldOrShared, Packed::NONE);
                }
                AgeBand::Under13 if !state.packed_parent_opt_in().is_some() => {
                    return verdict.by(Rule::MinorUnder13NoParentConsent, Packed::NONE);
                }
                AgeBand::From13To15 if !state.packed_opt_in().is_some() => {
                    return verdict.by(Rule::MinorUnder16NoOptIn, Packed::NONE);
                }
                _ => {}
            }
        }
        if sold && state.packed_sale().is_some() {
            return verdict.by(Rule::OptedOutOfSale, state.packed_sale());
        }
        if shared && state.packed_sharing().is_some() {
            return verdict.by(Rule::OptedOutOfSharing, state.packed_sharing());
        }
        if shared && state.packed_targeted_ads().is_some() {
            return verdict.by(Rule::OptedOutOfTargetedAds, state.packed_targeted_ads());
        }
        if open.limitable && state.packed_limit_sensitive().is_some() {
            let permitted = !(sold || shared) && open.purpose.is_some_and(|p| p.permits_sensitive);
            if !permitted {
                return verdict.by(Rule::LimitedSensitive, state.packed_limit_sensitive());
            }
        }
        if open.gdpr
            && let Some(info) = open.purpose
        {
            match info.basis {
                None => return verdict.by(Rule::NoLawfulBasis, Packed::NONE),
                Some(GdprLawfulBasis::Consent) => {
                    let consent = state.consent(&info.id);
                    if self.is_gdpr_child(state.age()) {
                        if !matches!(consent, Some(PurposeConsent::Given { by_parent: true, .. })) {
                            return verdict.by(Rule::MinorNoParentalConsent, Packed::NONE);
                        }
                    } else {
                        match consent {
                            Some(PurposeConsent::Given { .. }) => {}
                            Some(PurposeConsent::Withdrawn(mark)) => {
                                return verdict
                                    .by(Rule::NoConsentForPurpose, Packed::new(Some(mark)));
                            }
                            None => return verdict.by(Rule::NoConsentForPurpose, Packed::NONE),
                        }
                    }
                }
                Some(_) => {}
            }
        }

        if sold || shared {
            verdict.by(Rule::AllowedSaleOrShare, Packed::NONE)
        } else if verdict.recipient != NO_INDEX {
            verdict.by(Rule::NotASaleOrShare, Packed::NONE)
        } else {
            verdict.by(Rule::Allowed, Packed::NONE)
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

/// A program's ids of one kind, to their indices.
type Ids = HashMap<String, u32, BuildHasherDefault<IdHasher>>;

/// The hash of the id tables: FxHash's word-at-a-time multiply (rustc's), not the
/// default SipHash, whose keyed rounds were a third of a verdict. SipHash's key is
/// there to stop whoever chooses the keys of a table from making its chains long; here
/// the program alone chooses them (a few dozen ids from the manifest), and a query
/// only looks up: whatever id another system sends, a lookup probes a table of a few
/// dozen entries, never more.
#[derive(Clone, Copy, Default)]
struct IdHasher(u64);

impl IdHasher {
    const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(Self::SEED);
    }
}

impl Hasher for IdHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut words = bytes.chunks_exact(8);
        for word in &mut words {
            let mut buffer = [0u8; 8];
            buffer.copy_from_slice(word);
            self.add(u64::from_le_bytes(buffer));
        }
        let tail = words.remainder();
        if !tail.is_empty() {
            let mut buffer = [0u8; 8];
            buffer[..tail.len()].copy_from_slice(tail);
            // The length too, so that "ab" and "ab\0" differ.
            self.add(u64::from_le_bytes(buffer) ^ (tail.len() as u64) << 59);
        }
    }

    fn write_u8(&mut self, byte: u8) {
        self.add(u64::from(byte));
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// What [`Snapshot::prepare`] makes of a query.
#[derive(Clone, Copy)]
pub(super) enum Prepared<'s> {
    /// The program alone decides: the same verdict for every subject.
    Decided(Verdict),
    /// The subject's choices decide.
    Open(Open<'s>),
}

/// A query the subject's choices decide, resolved against the program.
#[derive(Clone, Copy)]
pub(super) struct Open<'s> {
    /// The ids resolved and the flow bits; [`Snapshot::apply`] sets the rule.
    verdict: Verdict,
    /// The category is sensitive PI the right to limit reaches.
    limitable: bool,
    /// Asked under the GDPR.
    gdpr: bool,
    purpose: Option<&'s PurposeInfo>,
}

impl Verdict {
    /// A denial for an id the program does not declare.
    fn unknown(kind: IdKind) -> Verdict {
        Verdict {
            allowed: false,
            rule: Rule::UnknownId,
            flow: 0,
            unknown: kind,
            category: NO_INDEX,
            purpose: NO_INDEX,
            recipient: NO_INDEX,
            mark: Packed::NONE,
        }
    }
}

/// An index as stored (`u32`, so that a verdict stays small) to one for a slice.
fn at(index: u32) -> usize {
    // Lossless on every target this crate builds for (pointers of 32 bits or more).
    index as usize
}
