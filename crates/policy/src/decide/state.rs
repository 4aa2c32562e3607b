//! One person's (or one browser's) current choices, derived from their append-only list
//! of choice records: what the decision engine reads instead of the ledger itself.
//!
//! The ledger is never edited in place (issue 5 item 1); this fold is the only place
//! that says what a sequence of records means, so every rule about order lives here:
//! a later opt-out always wins over an earlier opt-in, an opt-in after an
//! opt-out counts only when it is confirmed in a second step, a request
//! the business prompted within twelve months of an opt-out or a refusal does not count
//! and nothing a signal sends can ever opt a person in.

use std::fmt;
use std::sync::Arc;

/// Twelve months, in milliseconds, counted as 366 days: never shorter than twelve
/// calendar months, whatever the leap years, so waiting it always satisfies.
pub const ASK_AGAIN_WAIT_MS: u64 = 366 * 24 * 60 * 60 * 1000;

/// Where a choice came from (issue 5 item 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Source {
    /// The privacy-center form.
    Form,
    /// A Global Privacy Control signal (`Sec-GPC: 1`, R-120, R-320).
    Gpc,
    /// A link in an email.
    EmailLink,
    /// Entered by staff (a phone call, a letter, a parent's verified consent).
    Staff,
    /// The API, on behalf of another system of the company.
    Api,
}

impl Source {
    /// How a person reads it.
    pub fn label(self) -> &'static str {
        match self {
            Source::Form => "the privacy-center form",
            Source::Gpc => "a Global Privacy Control signal",
            Source::EmailLink => "an email link",
            Source::Staff => "staff",
            Source::Api => "the API",
        }
    }
}

/// What the business knows of a person's age. Knowing nothing is
/// [`AgeBand::Unknown`], which the CCPA treats as an adult (actual knowledge, R-170).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum AgeBand {
    /// Under 13: a parent opts in.
    Under13,
    /// 13 to 15: the person opts in, in two steps.
    From13To15,
    /// 16 or older.
    Adult,
    /// Not known.
    #[default]
    Unknown,
}

/// One choice a person made.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Choice {
    /// Opt out of the sale of their personal information.
    OptOutOfSale,
    /// Opt out of its sharing for cross-context behavioral advertising.
    OptOutOfSharing,
    /// Opt out of targeted advertising (the US state laws' name for it, R-284).
    OptOutOfTargetedAds,
    /// Limit the use of their sensitive personal information.
    LimitSensitive,
    /// Consent to a purpose (GDPR Art 6(1)(a), R-251); `by_parent` when a parent gave it
    /// for a child.
    Consent {
        /// The purpose's id in the program.
        purpose: String,
        /// Given by the holder of parental responsibility.
        by_parent: bool,
    },
    /// Withdraw consent to a purpose.
    Withdraw {
        /// The purpose's id in the program.
        purpose: String,
    },
    /// Step one of opting (back) in to sale and sharing: the request.
    /// `prompted` when the business asked the person, which it may not do within twelve
    /// months of their opt-out or refusal.
    OptInRequest {
        /// The business asked; the person did not come on their own.
        prompted: bool,
    },
    /// Step two: the separate confirmation that makes the request count.
    OptInConfirm,
    /// A parent's verified opt-in to the sale or sharing of a child under 13.
    ParentOptIn,
    /// The person (or their parent) declined to opt in.
    DeclineOptIn,
}

impl Choice {
    /// Whether the choice takes something away: at the same instant these apply after
    /// the ones that give, so contradictory choices made together end opted out.
    pub fn restricts(&self) -> bool {
        matches!(
            self,
            Choice::OptOutOfSale
                | Choice::OptOutOfSharing
                | Choice::OptOutOfTargetedAds
                | Choice::LimitSensitive
                | Choice::Withdraw { .. }
                | Choice::DeclineOptIn
        )
    }

    /// Whether it is an opt-out of sale, sharing or targeted advertising, or a refusal:
    /// what ends an opt-in and starts the twelve-month wait.
    pub fn resets_opt_in(&self) -> bool {
        matches!(
            self,
            Choice::OptOutOfSale
                | Choice::OptOutOfSharing
                | Choice::OptOutOfTargetedAds
                | Choice::DeclineOptIn
        )
    }
}

/// One record of the ledger, as the store will hold it (without the subject, which the
/// store keys it by, and without the notice version, which is evidence, not state).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ChoiceRecord {
    /// When it was made, in milliseconds since the Unix epoch (UTC).
    pub at_ms: u64,
    /// What was chosen.
    pub choice: Choice,
    /// Where it came from.
    pub source: Source,
}

/// When and how a choice that still stands was made: what an explanation cites.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Mark {
    /// When, in milliseconds since the Unix epoch.
    pub at_ms: u64,
    /// Where it came from.
    pub source: Source,
}

/// Consent to one purpose as it stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PurposeConsent {
    /// Given, and not withdrawn since.
    Given {
        /// When and how.
        mark: Mark,
        /// Given by a parent.
        by_parent: bool,
    },
    /// Withdrawn, and not given again since.
    Withdrawn(Mark),
}

/// The latest instant a [`ConsentState`] keeps exactly, in milliseconds since the epoch
/// (2^61 − 1, some 73 million years from now): a state packs each mark into one word,
/// 61 bits of time and 3 of source, and clamps a later instant to this one. Only the
/// date an explanation quotes could change, and only for instants no clock gives.
pub const MARK_AT_MS_MAX: u64 = (1 << 61) - 1;

/// An `Option<Mark>` in one word, so that a state with a few choices stays small enough
/// for a million of them to fit in about 100 MB (issue 5 item 9): 0 is none; otherwise
/// the source's tag (1 to 5, never 0, so a mark at the epoch is not none) in the top
/// three bits and the instant, clamped to [`MARK_AT_MS_MAX`], in the low 61.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub(super) struct Packed(u64);

impl Packed {
    /// No mark.
    pub(super) const NONE: Packed = Packed(0);

    pub(super) fn new(mark: Option<Mark>) -> Packed {
        let Some(mark) = mark else { return Packed::NONE };
        let tag: u64 = match mark.source {
            Source::Form => 1,
            Source::Gpc => 2,
            Source::EmailLink => 3,
            Source::Staff => 4,
            Source::Api => 5,
        };
        Packed(tag << 61 | mark.at_ms.min(MARK_AT_MS_MAX))
    }

    pub(super) fn get(self) -> Option<Mark> {
        let source = match self.0 >> 61 {
            1 => Source::Form,
            2 => Source::Gpc,
            3 => Source::EmailLink,
            4 => Source::Staff,
            5 => Source::Api,
            // 0 is none; 6 and 7 are never made by `new`, and reading them as none
            // keeps this total.
            _ => return None,
        };
        Some(Mark { at_ms: self.0 & MARK_AT_MS_MAX, source })
    }

    pub(super) fn is_some(self) -> bool {
        self.0 != 0
    }

    fn at_ms(self) -> Option<u64> {
        self.get().map(|mark| mark.at_ms)
    }
}

/// A subject's current state, derived from their records by [`ConsentState::fold`].
///
/// Compact, because the app holds one per subject in memory (a million of them in a
/// [`Board`](super::Board)): the four opt-outs most people make, if any, are one word
/// each; everything rarer (opt-ins, a pending request, consent per purpose, a refusal)
/// sits behind one pointer that is null for most people. 48 bytes in all on a 64-bit
/// target (pinned by a test). Every mark it holds is clamped to [`MARK_AT_MS_MAX`].
#[derive(Clone, Default, PartialEq, Eq)]
pub struct ConsentState {
    sale: Packed,
    sharing: Packed,
    targeted_ads: Packed,
    limit_sensitive: Packed,
    /// `None` when every field of [`Rare`] would be empty: the representation is
    /// canonical, so the derived equality compares what the states mean. An `Arc`, not
    /// a `Box`: a board's copy-on-write change copies the states of a whole leaf, and
    /// this makes each copy a count, not an allocation.
    rare: Option<Arc<Rare>>,
    age: AgeBand,
}

/// The parts of a state few people have.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Rare {
    opt_in: Packed,
    parent_opt_in: Packed,
    pending_request: Packed,
    /// The last opt-out or refusal, only when it is later than every opt-out that
    /// still stands (a refusal, or opt-outs lifted by an opt-in): otherwise it is the
    /// latest of those, and storing it again would cost every opted-out person a box.
    last_reset_ms: Option<u64>,
    /// Sorted by purpose id, for a binary search on every decision.
    purposes: Box<[(Box<str>, PurposeConsent)]>,
}

/// The state while [`ConsentState::fold`] reads the records: every field in the open,
/// as the rules are written; packed into a [`ConsentState`] at the end.
#[derive(Default)]
struct Folding {
    sale: Option<Mark>,
    sharing: Option<Mark>,
    targeted_ads: Option<Mark>,
    limit_sensitive: Option<Mark>,
    opt_in: Option<Mark>,
    parent_opt_in: Option<Mark>,
    pending_request: Option<Mark>,
    last_reset_ms: Option<u64>,
    purposes: Vec<(String, PurposeConsent)>,
}

impl ConsentState {
    /// The state of a subject with no records and no known age, as a constant, so that
    /// a lookup that finds nobody can lend one without allocating.
    pub(super) const EMPTY: ConsentState = ConsentState {
        sale: Packed::NONE,
        sharing: Packed::NONE,
        targeted_ads: Packed::NONE,
        limit_sensitive: Packed::NONE,
        rare: None,
        age: AgeBand::Unknown,
    };

    /// Derives the state from every record of one subject, in any order: they are read
    /// by time, and at the same millisecond the choices that give before the ones that
    /// take away, then in the order given. Pure and total: any list gives a state.
    pub fn fold(records: &[ChoiceRecord], age: AgeBand) -> ConsentState {
        let mut order: Vec<&ChoiceRecord> = records.iter().collect();
        // Stable: ties keep the ledger's order.
        order.sort_by_key(|record| (record.at_ms, record.choice.restricts()));
        let mut state = Folding::default();
        for record in order {
            state.apply(record);
        }
        state.pack(age)
    }

    /// The same state with the age band replaced (when the business learns the age).
    pub fn with_age(mut self, age: AgeBand) -> ConsentState {
        self.age = age;
        self
    }

    /// What the business knows of the person's age.
    pub fn age(&self) -> AgeBand {
        self.age
    }

    /// The opt-out of sale that stands, if any.
    pub fn opted_out_of_sale(&self) -> Option<Mark> {
        self.sale.get()
    }

    /// The opt-out of sharing that stands, if any.
    pub fn opted_out_of_sharing(&self) -> Option<Mark> {
        self.sharing.get()
    }

    /// The opt-out of targeted advertising that stands, if any.
    pub fn opted_out_of_targeted_ads(&self) -> Option<Mark> {
        self.targeted_ads.get()
    }

    /// The request to limit sensitive PI, if any.
    pub fn limited_sensitive(&self) -> Option<Mark> {
        self.limit_sensitive.get()
    }

    /// The confirmed opt-in to sale and sharing that stands, if any.
    pub fn opted_in(&self) -> Option<Mark> {
        self.packed_opt_in().get()
    }

    /// A parent's opt-in that stands, if any.
    pub fn parent_opted_in(&self) -> Option<Mark> {
        self.packed_parent_opt_in().get()
    }

    /// A request to opt in waiting for its confirmation, if any.
    pub fn pending_opt_in(&self) -> Option<Mark> {
        self.rare.as_ref().and_then(|rare| rare.pending_request.get())
    }

    /// Consent to a purpose, by the purpose's id; `None` when never given nor withdrawn.
    pub fn consent(&self, purpose: &str) -> Option<PurposeConsent> {
        let purposes = &self.rare.as_ref()?.purposes;
        purposes
            .binary_search_by(|(id, _)| id.as_ref().cmp(purpose))
            .ok()
            .and_then(|at| purposes.get(at))
            .map(|(_, consent)| *consent)
    }

    /// The first instant the business may ask the person to opt in again: twelve months
    /// after their last opt-out or refusal; `None` when there is
    /// no wait.
    pub fn ask_again_from_ms(&self) -> Option<u64> {
        let after_reset = self.last_reset_ms().map(|at| at.saturating_add(ASK_AGAIN_WAIT_MS));
        let after_limit =
            self.limit_sensitive.at_ms().map(|at| at.saturating_add(ASK_AGAIN_WAIT_MS));
        after_reset.max(after_limit)
    }

    /// Whether the business may ask the person to opt in (or to allow more uses of
    /// sensitive PI) at `now_ms`.
    pub fn may_ask_opt_in(&self, now_ms: u64) -> bool {
        self.ask_again_from_ms().is_none_or(|from| now_ms >= from)
    }

    /// The heap bytes this state owns beyond its own size: the box of rare parts and
    /// the purpose ids in it (an estimate from sizes, for the board's memory report).
    pub(super) fn heap_bytes(&self) -> usize {
        self.rare.as_ref().map_or(0, |rare| {
            // The Arc's two counts, then the rare parts.
            2 * size_of::<usize>()
                + size_of::<Rare>()
                + size_of_val::<[(Box<str>, PurposeConsent)]>(&rare.purposes)
                + rare.purposes.iter().map(|(id, _)| id.len()).sum::<usize>()
        })
    }

    /// The last opt-out or refusal, if any. An opt-out is itself a reset, and the fold
    /// reads records in time order, so the latest reset is at least as late as every
    /// opt-out standing: it is their latest unless [`Rare`] says later.
    fn last_reset_ms(&self) -> Option<u64> {
        let standing = self.latest_opt_out_ms();
        let stored = self.rare.as_ref().and_then(|rare| rare.last_reset_ms);
        standing.max(stored)
    }

    fn latest_opt_out_ms(&self) -> Option<u64> {
        self.sale.at_ms().max(self.sharing.at_ms()).max(self.targeted_ads.at_ms())
    }

    pub(super) fn packed_sale(&self) -> Packed {
        self.sale
    }

    pub(super) fn packed_sharing(&self) -> Packed {
        self.sharing
    }

    pub(super) fn packed_targeted_ads(&self) -> Packed {
        self.targeted_ads
    }

    pub(super) fn packed_limit_sensitive(&self) -> Packed {
        self.limit_sensitive
    }

    pub(super) fn packed_opt_in(&self) -> Packed {
        self.rare.as_ref().map_or(Packed::NONE, |rare| rare.opt_in)
    }

    pub(super) fn packed_parent_opt_in(&self) -> Packed {
        self.rare.as_ref().map_or(Packed::NONE, |rare| rare.parent_opt_in)
    }
}

impl Folding {
    fn apply(&mut self, record: &ChoiceRecord) {
        let mark = Mark { at_ms: record.at_ms, source: record.source };
        // A signal can only say "opt me out"; nothing it carries gives a choice
        // back, so a later visit with or without it never opts the person in.
        if record.source == Source::Gpc && !record.choice.restricts() {
            return;
        }
        if record.choice.resets_opt_in() {
            // A later opt-out wins over an earlier opt-in and ends any request
            // to opt in that was not confirmed yet.
            self.opt_in = None;
            self.parent_opt_in = None;
            self.pending_request = None;
            self.last_reset_ms = Some(record.at_ms);
        }
        match &record.choice {
            Choice::OptOutOfSale => self.sale = Some(mark),
            Choice::OptOutOfSharing => self.sharing = Some(mark),
            Choice::OptOutOfTargetedAds => self.targeted_ads = Some(mark),
            Choice::LimitSensitive => self.limit_sensitive = Some(mark),
            Choice::DeclineOptIn => {}
            Choice::Consent { purpose, by_parent } => {
                self.set_purpose(purpose, PurposeConsent::Given { mark, by_parent: *by_parent });
            }
            Choice::Withdraw { purpose } => {
                self.set_purpose(purpose, PurposeConsent::Withdrawn(mark));
            }
            Choice::OptInRequest { prompted } => {
                // the business may not ask again within twelve months of
                // an opt-out or a refusal; an answer to such a question does not count.
                let too_soon = self
                    .last_reset_ms
                    .is_some_and(|reset| record.at_ms < reset.saturating_add(ASK_AGAIN_WAIT_MS));
                if !(*prompted && too_soon) {
                    self.pending_request = Some(mark);
                }
            }
            Choice::OptInConfirm => {
                // Only a confirmation of a standing request counts (two steps, R-118).
                if self.pending_request.is_some() {
                    self.sale = None;
                    self.sharing = None;
                    self.targeted_ads = None;
                    self.opt_in = Some(mark);
                }
            }
            Choice::ParentOptIn => self.parent_opt_in = Some(mark),
        }
    }

    fn set_purpose(&mut self, purpose: &str, consent: PurposeConsent) {
        // Sorting happens once at the end of the fold; here a linear scan is enough for
        // the handful of purposes a program has.
        match self.purposes.iter_mut().find(|(id, _)| id == purpose) {
            Some((_, slot)) => *slot = consent,
            None => self.purposes.push((purpose.to_owned(), consent)),
        }
    }

    fn pack(mut self, age: AgeBand) -> ConsentState {
        let mut state = ConsentState {
            sale: Packed::new(self.sale),
            sharing: Packed::new(self.sharing),
            targeted_ads: Packed::new(self.targeted_ads),
            limit_sensitive: Packed::new(self.limit_sensitive),
            rare: None,
            age,
        };
        // Kept only when the opt-outs standing do not already say it (see
        // `ConsentState::last_reset_ms`).
        let last_reset_ms = self.last_reset_ms.filter(|&at| Some(at) != state.latest_opt_out_ms());
        self.purposes.sort_by(|a, b| a.0.cmp(&b.0));
        let rare = Rare {
            opt_in: Packed::new(self.opt_in),
            parent_opt_in: Packed::new(self.parent_opt_in),
            pending_request: Packed::new(self.pending_request),
            last_reset_ms,
            purposes: self
                .purposes
                .into_iter()
                .map(|(id, consent)| (id.into_boxed_str(), clamp(consent)))
                .collect(),
        };
        if rare != Rare::default() {
            state.rare = Some(Arc::new(rare));
        }
        state
    }
}

/// The consent with its mark clamped like every other mark of a state.
fn clamp(consent: PurposeConsent) -> PurposeConsent {
    let clamp = |mark: Mark| Mark { at_ms: mark.at_ms.min(MARK_AT_MS_MAX), ..mark };
    match consent {
        PurposeConsent::Given { mark, by_parent } => {
            PurposeConsent::Given { mark: clamp(mark), by_parent }
        }
        PurposeConsent::Withdrawn(mark) => PurposeConsent::Withdrawn(clamp(mark)),
    }
}

impl fmt::Debug for ConsentState {
    // The marks as marks, not as packed words.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let rare = self.rare.as_deref();
        f.debug_struct("ConsentState")
            .field("age", &self.age)
            .field("sale", &self.opted_out_of_sale())
            .field("sharing", &self.opted_out_of_sharing())
            .field("targeted_ads", &self.opted_out_of_targeted_ads())
            .field("limit_sensitive", &self.limited_sensitive())
            .field("opt_in", &self.opted_in())
            .field("parent_opt_in", &self.parent_opted_in())
            .field("pending_request", &self.pending_opt_in())
            .field("last_reset_ms", &self.last_reset_ms())
            .field("purposes", &rare.map(|rare| &rare.purposes))
            .finish()
    }
}

impl fmt::Display for Mark {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "on {} by {}", super::date(self.at_ms), self.source.label())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use proptest::prelude::*;

    use super::*;

    const T0: u64 = 1_780_000_000_000;
    const DAY: u64 = 86_400_000;

    fn record(days: u64, choice: Choice, source: Source) -> ChoiceRecord {
        ChoiceRecord { at_ms: T0 + days * DAY, choice, source }
    }

    /// Issue 5 item 9: a million states in about 100 MB, with their 32-byte keys.
    #[test]
    fn a_state_is_48_bytes_and_one_or_two_opt_outs_allocate_nothing() {
        assert_eq!(size_of::<ConsentState>(), 48);
        assert_eq!(size_of::<Packed>(), 8);
        let gpc = [
            record(0, Choice::OptOutOfSale, Source::Gpc),
            record(0, Choice::OptOutOfSharing, Source::Gpc),
        ];
        let state = ConsentState::fold(&gpc, AgeBand::Unknown);
        assert!(state.rare.is_none(), "{state:?}");
        assert_eq!(state.heap_bytes(), 0);
        assert_eq!(state.ask_again_from_ms(), Some(T0 + ASK_AGAIN_WAIT_MS));
        // A refusal after the opt-out is later than every opt-out standing: kept aside.
        let declined = [
            record(0, Choice::OptOutOfSale, Source::Form),
            record(9, Choice::DeclineOptIn, Source::Form),
        ];
        let state = ConsentState::fold(&declined, AgeBand::Adult);
        assert_eq!(state.ask_again_from_ms(), Some(T0 + 9 * DAY + ASK_AGAIN_WAIT_MS));
        assert!(state.heap_bytes() > 0);
        assert_eq!(ConsentState::EMPTY, ConsentState::default());
    }

    #[test]
    fn a_mark_packs_into_one_word_and_back_and_far_instants_are_clamped() {
        let sources = [Source::Form, Source::Gpc, Source::EmailLink, Source::Staff, Source::Api];
        for source in sources {
            for at_ms in [0, 1, T0, MARK_AT_MS_MAX] {
                let mark = Mark { at_ms, source };
                assert_eq!(Packed::new(Some(mark)).get(), Some(mark));
                assert!(Packed::new(Some(mark)).is_some(), "a mark at the epoch is still a mark");
            }
            let far = Mark { at_ms: u64::MAX, source };
            assert_eq!(Packed::new(Some(far)).get(), Some(Mark { at_ms: MARK_AT_MS_MAX, source }));
        }
        assert_eq!(Packed::new(None), Packed::NONE);
        assert_eq!(Packed::NONE.get(), None);
        assert_eq!(Packed(7 << 61).get(), None, "a tag never made reads as none");
    }

    fn clamped(mark: Option<Mark>) -> Option<Mark> {
        mark.map(|mark| Mark { at_ms: mark.at_ms.min(MARK_AT_MS_MAX), ..mark })
    }

    fn choice() -> impl Strategy<Value = Choice> {
        let purpose =
            prop_oneof![Just("analytics"), Just("newsletter"), Just("ads")].prop_map(str::to_owned);
        prop_oneof![
            Just(Choice::OptOutOfSale),
            Just(Choice::OptOutOfSharing),
            Just(Choice::OptOutOfTargetedAds),
            Just(Choice::LimitSensitive),
            (purpose.clone(), any::<bool>())
                .prop_map(|(purpose, by_parent)| Choice::Consent { purpose, by_parent }),
            purpose.prop_map(|purpose| Choice::Withdraw { purpose }),
            any::<bool>().prop_map(|prompted| Choice::OptInRequest { prompted }),
            Just(Choice::OptInConfirm),
            Just(Choice::ParentOptIn),
            Just(Choice::DeclineOptIn),
        ]
    }

    fn source() -> impl Strategy<Value = Source> {
        prop_oneof![Just(Source::Form), Just(Source::Gpc), Just(Source::Staff)]
    }

    fn at() -> impl Strategy<Value = u64> {
        // Ties, the twelve-month wait, and instants past the clamp.
        prop_oneof![
            Just(0u64),
            Just(T0),
            Just(T0 + 200 * DAY),
            Just(T0 + 400 * DAY),
            Just(MARK_AT_MS_MAX),
            Just(u64::MAX - 1),
            Just(u64::MAX),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

        /// The packed state answers exactly what the open fold computed (marks clamped).
        #[test]
        fn the_packed_state_says_what_the_fold_computed(
            records in prop::collection::vec(
                (at(), choice(), source())
                    .prop_map(|(at_ms, choice, source)| ChoiceRecord { at_ms, choice, source }),
                0..8,
            ),
        ) {
            let mut order: Vec<&ChoiceRecord> = records.iter().collect();
            order.sort_by_key(|record| (record.at_ms, record.choice.restricts()));
            let mut open = Folding::default();
            for record in order {
                open.apply(record);
            }
            let state = ConsentState::fold(&records, AgeBand::Adult);
            prop_assert_eq!(state.opted_out_of_sale(), clamped(open.sale));
            prop_assert_eq!(state.opted_out_of_sharing(), clamped(open.sharing));
            prop_assert_eq!(state.opted_out_of_targeted_ads(), clamped(open.targeted_ads));
            prop_assert_eq!(state.limited_sensitive(), clamped(open.limit_sensitive));
            prop_assert_eq!(state.opted_in(), clamped(open.opt_in));
            prop_assert_eq!(state.parent_opted_in(), clamped(open.parent_opt_in));
            prop_assert_eq!(state.pending_opt_in(), clamped(open.pending_request));
            prop_assert_eq!(state.last_reset_ms(), open.last_reset_ms);
            for (id, consent) in &open.purposes {
                prop_assert_eq!(state.consent(id), Some(clamp(*consent)));
            }
            prop_assert_eq!(state.consent("never_asked"), None);
            // Canonical: no box unless it holds something.
            prop_assert_eq!(state.rare.as_deref().is_some_and(|rare| *rare == Rare::default()), false);
        }
    }
}
