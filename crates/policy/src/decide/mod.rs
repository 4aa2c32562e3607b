//! The decision engine: "may this person's data of this category be used for this
//! purpose, or sent to this recipient?" answered from the program and their choices,
//! fast enough to ask on every event (issue 5 item 3).
//!
//! [`Snapshot::compile`] turns a [`Program`](ombud_program::Program) into immutable
//! indexes once; [`ConsentState::fold`] turns one subject's choice records into their
//! current state, a few words; [`Snapshot::verdict`] combines the two into a
//! [`Verdict`] without allocating, and [`Snapshot::explain`] words it only when someone
//! will read it ([`Snapshot::decide`] does both). A [`Board`] holds the snapshot and
//! every subject's state, for a million subjects, swapped whole by the app. The rules,
//! in order of precedence, are in docs/decisions.md; each [`Rule`] cites the R-number
//! of REGULATIONS.md it comes from.
//!
//! Pure: no I/O, no clock (times are parameters), and total: an unknown id is a denial
//! that names it ([`Rule::UnknownId`]), never a panic.

mod board;
mod snapshot;
mod state;

pub use board::{Board, SubjectKey};
pub use snapshot::Snapshot;
pub use state::{
    ASK_AGAIN_WAIT_MS, AgeBand, Choice, ChoiceRecord, ConsentState, MARK_AT_MS_MAX, Mark,
    PurposeConsent, Source,
};

use state::Packed;

use ombud_core::Law;

/// What is asked: a use of one category of a person's data, for a purpose, possibly by
/// sending it to a recipient, under the law that protects that person.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Query<'a> {
    /// The purpose's id in the program; required under the GDPR (every processing has
    /// one, R-250), optional elsewhere.
    pub purpose: Option<&'a str>,
    /// The recipient's id in the program, when the data leaves the business.
    pub recipient: Option<&'a str>,
    /// The category's id in the program.
    pub category: &'a str,
    /// The law that protects this person.
    pub law: Law,
}

/// The answer, with the rule that decided it and why, in words a person can read.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Decision {
    /// Whether the use may go ahead.
    pub allowed: bool,
    /// The rule that decided.
    pub rule: Rule,
    /// Why, citing the R-number.
    pub explanation: String,
}

/// The answer without its words: what the hot path needs (allowed, and the rule for
/// logs and metrics), plus what [`Snapshot::explain`] needs to word it later — the
/// program's indices of the ids asked about and the choice the rule cites. Copied, never
/// allocated: 24 bytes.
///
/// Explain a verdict with the snapshot and the query that gave it; with others the
/// words may be wrong, but never a panic.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Verdict {
    /// Whether the use may go ahead.
    pub allowed: bool,
    /// The rule that decided.
    pub rule: Rule,
    /// The flow bits of the disclosure asked about (declared, sold, shared), or 0.
    flow: u8,
    /// For [`Rule::UnknownId`]: which id of the query the program does not declare.
    unknown: IdKind,
    /// The program's indices of the ids asked about, [`NO_INDEX`] for none.
    category: u32,
    purpose: u32,
    recipient: u32,
    /// The choice the rule cites (an opt-out, a limit, a withdrawal), if any.
    mark: Packed,
}

/// An index that names nothing: the query named no purpose or no recipient. Never a
/// real index, since [`Snapshot::compile`] indexes at most `u32::MAX` of each kind.
const NO_INDEX: u32 = u32::MAX;

/// The kinds of ids a query names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum IdKind {
    Category,
    Purpose,
    Recipient,
}

impl Verdict {
    /// The choice the rule cites, with its date and source: the opt-out, the limit on
    /// sensitive PI or the withdrawal of consent that denied; `None` for other rules.
    pub fn mark(&self) -> Option<Mark> {
        self.mark.get()
    }

    /// The same verdict decided by another rule, citing `mark`.
    fn by(self, rule: Rule, mark: Packed) -> Verdict {
        Verdict { allowed: rule.allows(), rule, mark, ..self }
    }
}

/// Every rule that can decide, in order of precedence (the first that applies decides).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Rule {
    /// A purpose, recipient or category id the program does not declare: denied, so a
    /// typo never becomes a silent allow (issue 5, Bad input).
    UnknownId,
    /// The person's law is not one the program is written for: denied, since the
    /// program says nothing about what it allows.
    LawNotInProgram,
    /// A GDPR question without a purpose: every processing needs one.
    PurposeRequired,
    /// The program does not use this category for this purpose.
    PurposeNotForCategory,
    /// No disclosure in the program sends this category to this recipient for this
    /// purpose.
    NoDisclosure,
    /// The program never sells or shares the data of people under 16.
    MinorNeverSoldOrShared,
    /// A child under 13 whose parent has not opted in to sale or sharing.
    MinorUnder13NoParentConsent,
    /// A person of 13 to 15 who has not opted in, in two steps.
    MinorUnder16NoOptIn,
    /// A sale after an opt-out of sale.
    OptedOutOfSale,
    /// A sharing after an opt-out of sharing.
    OptedOutOfSharing,
    /// A sharing after an opt-out of targeted advertising.
    OptedOutOfTargetedAds,
    /// Sensitive PI used beyond the permitted purposes after a request to limit (R-140,
    ///
    LimitedSensitive,
    /// Under the GDPR, a purpose with no lawful basis declared.
    NoLawfulBasis,
    /// Under the GDPR, a consent-based purpose for a child below the age of consent
    /// without a parent's consent.
    MinorNoParentalConsent,
    /// Under the GDPR, a consent-based purpose without consent, or after its withdrawal
    ///
    NoConsentForPurpose,
    /// A declared sale or sharing the person has not opted out of.
    AllowedSaleOrShare,
    /// A declared disclosure that is neither a sale nor a sharing.
    NotASaleOrShare,
    /// A declared use inside the business with nothing against it.
    Allowed,
}

impl Rule {
    /// Every rule, in order of precedence.
    pub const ALL: [Rule; 18] = [
        Rule::UnknownId,
        Rule::LawNotInProgram,
        Rule::PurposeRequired,
        Rule::PurposeNotForCategory,
        Rule::NoDisclosure,
        Rule::MinorNeverSoldOrShared,
        Rule::MinorUnder13NoParentConsent,
        Rule::MinorUnder16NoOptIn,
        Rule::OptedOutOfSale,
        Rule::OptedOutOfSharing,
        Rule::OptedOutOfTargetedAds,
        Rule::LimitedSensitive,
        Rule::NoLawfulBasis,
        Rule::MinorNoParentalConsent,
        Rule::NoConsentForPurpose,
        Rule::AllowedSaleOrShare,
        Rule::NotASaleOrShare,
        Rule::Allowed,
    ];

    /// A stable id for logs and the CLI.
    pub fn id(self) -> &'static str {
        match self {
            Rule::UnknownId => "unknown_id",
            Rule::LawNotInProgram => "law_not_in_program",
            Rule::PurposeRequired => "purpose_required",
            Rule::PurposeNotForCategory => "purpose_not_for_category",
            Rule::NoDisclosure => "no_disclosure",
            Rule::MinorNeverSoldOrShared => "minor_never_sold_or_shared",
            Rule::MinorUnder13NoParentConsent => "minor_under_13_no_parent_consent",
            Rule::MinorUnder16NoOptIn => "minor_under_16_no_opt_in",
            Rule::OptedOutOfSale => "opted_out_of_sale",
            Rule::OptedOutOfSharing => "opted_out_of_sharing",
            Rule::OptedOutOfTargetedAds => "opted_out_of_targeted_ads",
            Rule::LimitedSensitive => "limited_sensitive",
            Rule::NoLawfulBasis => "no_lawful_basis",
            Rule::MinorNoParentalConsent => "minor_no_parental_consent",
            Rule::NoConsentForPurpose => "no_consent_for_purpose",
            Rule::AllowedSaleOrShare => "allowed_sale_or_share",
            Rule::NotASaleOrShare => "not_a_sale_or_share",
            Rule::Allowed => "allowed",
        }
    }

    /// Whether the rule allows.
    pub fn allows(self) -> bool {
        matches!(self, Rule::AllowedSaleOrShare | Rule::NotASaleOrShare | Rule::Allowed)
    }

    /// The REGULATIONS.md requirements it comes from.
    pub fn citation(self) -> &'static str {
        match self {
            Rule::UnknownId | Rule::LawNotInProgram => "fail closed",
            Rule::PurposeRequired | Rule::NoLawfulBasis => "R-250",
            Rule::PurposeNotForCategory | Rule::NoDisclosure => "R-154",
            Rule::MinorNeverSoldOrShared => "R-170",
            Rule::MinorUnder13NoParentConsent => "R-170, R-171",
            Rule::MinorUnder16NoOptIn => "R-170, R-172",
            Rule::OptedOutOfSale | Rule::OptedOutOfSharing => "R-110, R-113",
            Rule::OptedOutOfTargetedAds => "R-284",
            Rule::LimitedSensitive => "R-140, R-143",
            Rule::MinorNoParentalConsent => "R-254",
            Rule::NoConsentForPurpose => "R-250, R-253",
            Rule::AllowedSaleOrShare => "R-110",
            Rule::NotASaleOrShare => "R-114, R-115",
            Rule::Allowed => "R-154",
        }
    }
}

impl std::fmt::Display for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id())
    }
}

/// The UTC calendar date of an instant, `YYYY-MM-DD` (the days-to-civil algorithm of
/// H. Hinnant, exact for every `u64` millisecond count this crate is given).
pub fn date(at_ms: u64) -> String {
    let days = at_ms / 86_400_000;
    // Shift the epoch to 0000-03-01 so leap days fall at the end of a 400-year era.
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}
