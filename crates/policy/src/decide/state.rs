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

/// A subject's current state, derived from their records by [`ConsentState::fold`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConsentState {
    age: AgeBand,
    sale: Option<Mark>,
    sharing: Option<Mark>,
    targeted_ads: Option<Mark>,
    limit_sensitive: Option<Mark>,
    opt_in: Option<Mark>,
    parent_opt_in: Option<Mark>,
    pending_request: Option<Mark>,
    last_reset_ms: Option<u64>,
    /// Sorted by purpose id, for a binary search on every decision.
    purposes: Vec<(String, PurposeConsent)>,
}

impl ConsentState {
    /// Derives the state from every record of one subject, in any order: they are read
    /// by time, and at the same millisecond the choices that give before the ones that
    /// take away, then in the order given. Pure and total: any list gives a state.
    pub fn fold(records: &[ChoiceRecord], age: AgeBand) -> ConsentState {
        let mut order: Vec<&ChoiceRecord> = records.iter().collect();
        // Stable: ties keep the ledger's order.
        order.sort_by_key(|record| (record.at_ms, record.choice.restricts()));
        let mut state = ConsentState { age, ..ConsentState::default() };
        for record in order {
            state.apply(record);
        }
        state.purposes.sort_by(|a, b| a.0.cmp(&b.0));
        state
    }

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
        self.sale
    }

    /// The opt-out of sharing that stands, if any.
    pub fn opted_out_of_sharing(&self) -> Option<Mark> {
        self.sharing
    }

    /// The opt-out of targeted advertising that stands, if any.
    pub fn opted_out_of_targeted_ads(&self) -> Option<Mark> {
        self.targeted_ads
    }

    /// The request to limit sensitive PI, if any.
    pub fn limited_sensitive(&self) -> Option<Mark> {
        self.limit_sensitive
    }

    /// The confirmed opt-in to sale and sharing that stands, if any.
    pub fn opted_in(&self) -> Option<Mark> {
        self.opt_in
    }

    /// A parent's opt-in that stands, if any.
    pub fn parent_opted_in(&self) -> Option<Mark> {
        self.parent_opt_in
    }

    /// A request to opt in waiting for its confirmation, if any.
    pub fn pending_opt_in(&self) -> Option<Mark> {
        self.pending_request
    }

    /// Consent to a purpose, by the purpose's id; `None` when never given nor withdrawn.
    pub fn consent(&self, purpose: &str) -> Option<PurposeConsent> {
        self.purposes
            .binary_search_by(|(id, _)| id.as_str().cmp(purpose))
            .ok()
            .and_then(|at| self.purposes.get(at))
            .map(|(_, consent)| *consent)
    }

    /// The first instant the business may ask the person to opt in again: twelve months
    /// after their last opt-out or refusal; `None` when there is
    /// no wait.
    pub fn ask_again_from_ms(&self) -> Option<u64> {
        let after_reset = self.last_reset_ms.map(|at| at.saturating_add(ASK_AGAIN_WAIT_MS));
        let after_limit =
            self.limit_sensitive.map(|mark| mark.at_ms.saturating_add(ASK_AGAIN_WAIT_MS));
        after_reset.max(after_limit)
    }

    /// Whether the business may ask the person to opt in (or to allow more uses of
    /// sensitive PI) at `now_ms`.
    pub fn may_ask_opt_in(&self, now_ms: u64) -> bool {
        self.ask_again_from_ms().is_none_or(|from| now_ms >= from)
    }
}

impl fmt::Display for Mark {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "on {} by {}", super::date(self.at_ms), self.source.label())
    }
}
