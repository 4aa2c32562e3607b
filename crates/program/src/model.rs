//! The typed program: what a manifest means once every id is resolved.
//!
//! References between items are indices into the program's lists (`categories[2]`),
//! reference data is the enums of `ombud-core`, and every item keeps the [`Span`] of
//! its declaration so lints can point at it. A `Program` with no error diagnostics is
//! internally consistent: every index is in range.

use std::collections::{BTreeMap, BTreeSet};

use ombud_core::{
    AgentProof, BusinessPurpose, CcpaCategory, ChannelKind, Engine, ErasureStrategy,
    GdprLawfulBasis, GdprSpecialCategory, IdentityKind, Law, RecipientRole, RequestType,
    RetentionReason, SensitiveKind, SignalStance, SystemRole, VerificationMethod,
};

// The trait, for `id()` and `label()`; this module's own `Reference` is a column reference.
use ombud_core::Reference as _;

use crate::date::Date;
use crate::span::Span;

/// A resolved privacy program.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Program {
    /// The organization.
    pub organization: Organization,
    /// Declared laws, in the order written, without duplicates.
    pub jurisdictions: Vec<Law>,
    /// Where `jurisdictions` was written.
    pub jurisdictions_span: Span,
    /// The R-011 exclusively-online exception applies.
    pub exclusively_online: bool,
    /// Notice metadata.
    pub notice: NoticeMeta,
    /// Categories of personal information.
    pub categories: Vec<Category>,
    /// Sources.
    pub sources: Vec<Source>,
    /// Purposes.
    pub purposes: Vec<Purpose>,
    /// Recipients.
    pub recipients: Vec<Recipient>,
    /// Disclosures.
    pub disclosures: Vec<Disclosure>,
    /// Retention rules.
    pub retention: Vec<Retention>,
    /// Request channels.
    pub channels: Vec<Channel>,
    /// Rights offered.
    pub rights: Vec<Right>,
    /// Authorized agents; `None` when the manifest does not say.
    pub authorized_agents: Option<AuthorizedAgents>,
    /// How requests are run; the defaults when the manifest has no `requests:` block.
    pub requests: RequestSettings,
    /// Minors policy.
    pub minors: Minors,
    /// Signal treatment.
    pub signals: Signals,
    /// GDPR statements; `None` when the manifest has no `gdpr:` block.
    pub gdpr: Option<GdprInfo>,
    /// Email lists.
    pub subscriptions: Vec<Subscription>,
    /// Systems.
    pub systems: Vec<System>,
}

/// The organization.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Organization {
    /// Name people know.
    pub name: String,
    /// Legal name.
    pub legal_name: Option<String>,
    /// Website.
    pub website: Option<String>,
    /// Postal address.
    pub postal_address: Option<String>,
    /// Privacy contact.
    pub contact: Contact,
    /// Where `contact` was written.
    pub contact_span: Span,
    /// Data protection officer.
    pub dpo: Option<Contact>,
    /// EU representative.
    pub eu_representative: Option<Contact>,
    /// Supervisory authority.
    pub supervisory_authority: Option<Authority>,
    /// Where the organization was written.
    pub span: Span,
}

/// A contact.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Contact {
    /// Name.
    pub name: Option<String>,
    /// Email.
    pub email: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// Postal address.
    pub postal_address: Option<String>,
}

/// A supervisory authority.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Authority {
    /// Name.
    pub name: String,
    /// Website.
    pub url: Option<String>,
}

/// Notice metadata.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NoticeMeta {
    /// Version label.
    pub version: String,
    /// Effective date.
    pub effective: Date,
    /// Where `effective` was written.
    pub effective_span: Span,
    /// How material changes are announced.
    pub changes_notified_by: Option<String>,
}

/// A category of personal information.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Category {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// Examples.
    pub examples: Vec<String>,
    /// CCPA statutory category.
    pub ccpa: CcpaCategory,
    /// Sensitive-PI kind.
    pub sensitive: Option<SensitiveKind>,
    /// Used to infer characteristics.
    pub infers_characteristics: bool,
    /// GDPR special category.
    pub gdpr_special: Option<GdprSpecialCategory>,
    /// Indices into `Program::sources`.
    pub sources: Vec<usize>,
    /// Indices into `Program::purposes`.
    pub purposes: Vec<usize>,
    /// Provided by the person themselves.
    pub provided_by_subject: bool,
    /// Where it was declared.
    pub span: Span,
}

/// A source.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Source {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// Where it was declared.
    pub span: Span,
}

/// A purpose.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Purpose {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// GDPR lawful basis.
    pub gdpr_basis: Option<GdprLawfulBasis>,
    /// Legitimate interest pursued.
    pub legitimate_interest: Option<String>,
    /// CCPA business purpose.
    pub business_purpose: Option<BusinessPurpose>,
    /// Where it was declared.
    pub span: Span,
}

/// A recipient.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recipient {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// CCPA role.
    pub role: RecipientRole,
    /// Contract in place.
    pub contract: bool,
    /// Countries outside the EEA.
    pub transfers: Vec<String>,
    /// Transfer safeguard.
    pub transfer_safeguard: Option<String>,
    /// How its suppression list gives identifiers.
    pub suppression: crate::manifest::SuppressionIdentifiers,
    /// Where it was declared.
    pub span: Span,
}

/// A disclosure.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Disclosure {
    /// Indices into `Program::categories`.
    pub categories: Vec<usize>,
    /// Indices into `Program::recipients`.
    pub recipients: Vec<usize>,
    /// Indices into `Program::purposes`.
    pub purposes: Vec<usize>,
    /// Sold.
    pub sold: bool,
    /// Shared.
    pub shared: bool,
    /// Where it was declared.
    pub span: Span,
}

/// A retention rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Retention {
    /// Indices into `Program::categories`.
    pub categories: Vec<usize>,
    /// Period or criteria.
    pub period: String,
    /// Where it was declared.
    pub span: Span,
}

/// A request channel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Channel {
    /// Id.
    pub id: String,
    /// Kind.
    pub kind: ChannelKind,
    /// URL.
    pub url: Option<String>,
    /// Email.
    pub email: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// Postal address.
    pub address: Option<String>,
    /// Custom label.
    pub label: Option<String>,
    /// Where it was declared.
    pub span: Span,
}

/// A right offered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Right {
    /// Which right.
    pub right: RequestType,
    /// Laws it is offered under (all declared jurisdictions when the manifest says none).
    pub laws: Vec<Law>,
    /// Indices into `Program::channels`.
    pub channels: Vec<usize>,
    /// Verification methods.
    pub verification: Vec<VerificationMethod>,
    /// Where `verification` was written, or the right itself.
    pub verification_span: Span,
    /// Extra text.
    pub note: Option<String>,
    /// Where it was declared.
    pub span: Span,
}

/// Authorized agents.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthorizedAgents {
    /// Accepted.
    pub accepted: bool,
    /// Proof required.
    pub proof: Vec<AgentProof>,
    /// The person confirms.
    pub consumer_confirms: bool,
    /// Where it was declared.
    pub span: Span,
}

/// How rights requests are run: the settings the request clocks, verification and
/// emails read. Always present; [`RequestSettings::default`] is what a program without a
/// `requests:` block gets. The notice does not render it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestSettings {
    /// The IANA name of the time zone that decides the day of receipt and the business
    /// days under the US laws, spelled as the time-zone database spells it.
    pub timezone: String,
    /// Where `timezone` was written, or [`RequestSettings::span`] when it was not.
    pub timezone_span: Span,
    /// Holiday calendar ids for business days under the US laws, in the order written,
    /// without duplicates. `us-federal` and `us-ca` are built in; any other id names a
    /// `<id>.cal` file that the app resolves (this crate checks only the syntax).
    pub holidays: Vec<String>,
    /// The IANA name of the time zone of the EU establishment, for GDPR deadlines.
    pub gdpr_timezone: String,
    /// Holiday calendar ids for GDPR deadlines: a deadline on one of them moves to the
    /// next working day.
    pub gdpr_holidays: Vec<String>,
    /// What a person without an account may give to verify.
    pub data_points: Vec<DataPoint>,
    /// Request types verified to the reasonably high degree of certainty: only
    /// [`RequestType::Delete`] and [`RequestType::Correct`], without duplicates.
    pub high_risk: Vec<RequestType>,
    /// The `https://` address where people manage their requests.
    pub privacy_center: Option<String>,
    /// The From address of request emails: the one declared, else the organization's
    /// contact email.
    pub email_from: Option<String>,
    /// Where the block was written, or the start of the manifest when it is absent.
    pub span: Span,
}

impl RequestSettings {
    /// The default time zone: California's, where the CCPA's business days are counted.
    pub const TIMEZONE_DEFAULT: &'static str = "America/Los_Angeles";
    /// The default holiday calendars: US federal and California state holidays, the
    /// business days REGULATIONS.md §0.3 assumes.
    pub const HOLIDAYS_DEFAULT: [&'static str; 2] = ["us-federal", "us-ca"];
    /// The default GDPR time zone, for a controller that declares no EU establishment.
    pub const GDPR_TIMEZONE_DEFAULT: &'static str = "UTC";
}

impl Default for RequestSettings {
    /// The settings of a program without a `requests:` block, before the organization's
    /// contact email fills `email_from`.
    fn default() -> Self {
        RequestSettings {
            timezone: Self::TIMEZONE_DEFAULT.to_owned(),
            timezone_span: Span::new(1, 1),
            holidays: Self::HOLIDAYS_DEFAULT.iter().map(|&id| id.to_owned()).collect(),
            gdpr_timezone: Self::GDPR_TIMEZONE_DEFAULT.to_owned(),
            gdpr_holidays: Vec::new(),
            data_points: Vec::new(),
            high_risk: Vec::new(),
            privacy_center: None,
            email_from: None,
            span: Span::new(1, 1),
        }
    }
}

/// Something a person without an account may give to be matched against what the
/// business holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DataPoint {
    /// Id.
    pub id: String,
    /// What people read.
    pub name: String,
    /// Where it was declared.
    pub span: Span,
}

/// How sale or sharing of minors' data is handled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MinorsSale {
    /// 13–15 opt in themselves; under 13 a parent (§1798.120(c)).
    OptInRequired,
    /// Never sold or shared.
    Never,
}

/// Minors policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Minors {
    /// Actual knowledge of selling or sharing under-16s' data.
    pub sells_or_shares_under_16: bool,
    /// The rule for under-16s.
    pub sale_under_16: MinorsSale,
    /// Knowingly collects under-13s' data.
    pub collects_under_13: bool,
    /// GDPR Art 8 age.
    pub gdpr_consent_age: Option<u8>,
    /// Where it was declared.
    pub span: Span,
}

/// Signal treatment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signals {
    /// GPC.
    pub gpc: SignalStance,
    /// Do Not Track.
    pub do_not_track: SignalStance,
    /// Other parties track across sites.
    pub third_party_tracking: bool,
    /// Where it was declared.
    pub span: Span,
}

/// What only the GDPR notice says (Art 13(2)(e)-(f)). Each field is `None` when the
/// manifest does not declare it, and the notice then says nothing about it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GdprInfo {
    /// Decisions based solely on automated processing with legal or similarly
    /// significant effects are made (Art 22(1)).
    pub automated_decisions: Option<bool>,
    /// The logic involved and the significance and consequences (Art 13(2)(f)); present
    /// only when `automated_decisions` is `Some(true)` in a program without errors.
    pub automated_decisions_logic: Option<String>,
    /// Whether providing data is required and the consequences of not providing it
    /// (Art 13(2)(e)).
    pub provision: Option<String>,
    /// Where the block was written.
    pub span: Span,
}

/// An email list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Subscription {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Index into `Program::purposes`.
    pub purpose: Option<usize>,
    /// Indices into `Program::channels`.
    pub unsubscribe: Vec<usize>,
    /// Where it was declared.
    pub span: Span,
}

/// What a system is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SystemKind {
    /// A database of the business.
    Database {
        /// Engine.
        engine: Engine,
        /// Name of the environment variable holding the connection string.
        connection_env: Option<String>,
        /// Tables.
        tables: Vec<Table>,
    },
    /// A service provider that holds some categories.
    ServiceProvider {
        /// Index into `Program::recipients`.
        recipient: Option<usize>,
        /// Indices into `Program::categories`.
        categories: Vec<usize>,
        /// Webhook for instructions.
        webhook: Option<Webhook>,
    },
}

/// A system.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct System {
    /// Id.
    pub id: String,
    /// Name.
    pub name: Option<String>,
    /// Controller or processor.
    pub role: SystemRole,
    /// Database or service provider.
    pub kind: SystemKind,
    /// Where it was declared.
    pub span: Span,
}

/// A webhook.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Webhook {
    /// Endpoint.
    pub url: String,
    /// Name of the environment variable with the signing secret.
    pub secret_env: String,
}

/// A table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Table {
    /// Table name.
    pub name: String,
    /// Primary key.
    pub primary_key: Option<String>,
    /// Identity columns and their kinds.
    pub identity: Vec<(String, IdentityKind)>,
    /// Personal columns and their category indices.
    pub columns: Vec<Column>,
    /// References: column → (table, column).
    pub references: Vec<Reference>,
    /// Table erasure strategy.
    pub erase: Option<ErasureStrategy>,
    /// Per-column erasure strategies.
    pub erase_columns: Vec<(String, ErasureStrategy)>,
    /// Retention exception.
    pub retain: Option<Retain>,
    /// Where it was declared.
    pub span: Span,
}

/// A personal column.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Column {
    /// Column name.
    pub name: String,
    /// Index into `Program::categories`.
    pub category: usize,
    /// Where the annotation was written.
    pub span: Span,
}

/// A reference from one column to another table's column.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reference {
    /// The referencing column.
    pub column: String,
    /// The referenced table.
    pub table: String,
    /// The referenced column.
    pub target_column: String,
    /// Where it was written.
    pub span: Span,
}

/// A retention exception.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Retain {
    /// Legal reason; `None` when the manifest gives none (lint L015).
    pub reason: Option<RetentionReason>,
    /// Further reasons, for the program's other laws (`also:`).
    pub also: Vec<RetentionReason>,
    /// Period.
    pub period: Option<String>,
    /// Note.
    pub note: Option<String>,
    /// Where it was declared.
    pub span: Span,
}

impl Retain {
    /// Every valid reason: `reason`, then `also`.
    pub fn reasons(&self) -> impl Iterator<Item = RetentionReason> + '_ {
        self.reason.into_iter().chain(self.also.iter().copied())
    }
}

impl Program {
    /// Whether the program is written for this law.
    pub fn covers(&self, law: Law) -> bool {
        self.jurisdictions.contains(&law)
    }

    /// The right of this type offered under this law, if any.
    pub fn right_for(&self, right: RequestType, law: Law) -> Option<&Right> {
        self.rights.iter().find(|r| r.right == right && r.laws.contains(&law))
    }

    /// Whether any right of this type is offered.
    pub fn offers(&self, right: RequestType) -> bool {
        self.rights.iter().any(|r| r.right == right)
    }

    /// Whether any disclosure is a sale.
    pub fn sells(&self) -> bool {
        self.disclosures.iter().any(|d| d.sold)
    }

    /// Whether any disclosure is a sharing.
    pub fn shares(&self) -> bool {
        self.disclosures.iter().any(|d| d.shared)
    }

    /// Indices of the categories sold or shared.
    pub fn categories_sold_or_shared(&self) -> Vec<usize> {
        let mut indices: Vec<usize> = self
            .disclosures
            .iter()
            .filter(|d| d.sold || d.shared)
            .flat_map(|d| d.categories.iter().copied())
            .collect();
        indices.sort_unstable();
        indices.dedup();
        indices
    }

    /// The retention periods that apply to a category.
    pub fn retention_of(&self, category: usize) -> Vec<&str> {
        self.retention
            .iter()
            .filter(|r| r.categories.contains(&category))
            .map(|r| r.period.as_str())
            .collect()
    }

    /// Looks up a category by id.
    pub fn category(&self, id: &str) -> Option<&Category> {
        self.categories.iter().find(|c| c.id == id)
    }

    /// Whether some data is held for business customers, as their service provider or
    /// processor (`role: processor` systems). Requests about it go to the customer
    /// service providers do not act on requests sent to them directly; GDPR
    /// Art 28(3)(e): the processor assists the controller, which answers).
    pub fn processes_for_customers(&self) -> bool {
        self.systems.iter().any(|system| system.role == SystemRole::Processor)
    }

    /// The deletion exceptions the program's own databases declare, one per legal reason,
    /// ordered by the reason's id: what a deletion request will not remove (R-095, R-096,
    /// Processor systems are left out: the customer decides about that data.
    /// Tables without a valid reason are left out too (lint L015 reports them).
    pub fn deletion_exceptions(&self) -> Vec<DeletionException> {
        // Keyed by the reason's id, so the result comes out in that order; sets keep it
        // O(n log n) in the number of columns, whatever the manifest.
        let mut by_reason: BTreeMap<&str, (RetentionReason, BTreeSet<usize>, Vec<&str>)> =
            BTreeMap::new();
        let mut periods_seen: BTreeSet<(&str, &str)> = BTreeSet::new();
        for system in &self.systems {
            let SystemKind::Database { tables, .. } = &system.kind else { continue };
            if system.role == SystemRole::Processor {
                continue;
            }
            for table in tables {
                let Some(retain) = &table.retain else { continue };
                for reason in retain.reasons() {
                    let (_, categories, periods) = by_reason
                        .entry(reason.id())
                        .or_insert_with(|| (reason, BTreeSet::new(), Vec::new()));
                    categories.extend(table.columns.iter().map(|column| column.category));
                    if let Some(period) = retain.period.as_deref()
                        && periods_seen.insert((reason.id(), period))
                    {
                        periods.push(period);
                    }
                }
            }
        }
        by_reason
            .into_values()
            .map(|(reason, categories, periods)| DeletionException {
                reason,
                categories: categories.into_iter().collect(),
                periods: periods.into_iter().map(str::to_owned).collect(),
            })
            .collect()
    }
}

/// A deletion exception as the notice states it: one legal reason, the categories the
/// tables kept under it hold, and the periods they are kept for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeletionException {
    /// The CCPA §1798.105(d) or GDPR Art 17(3) exception.
    pub reason: RetentionReason,
    /// Indices into `Program::categories`, ascending, without duplicates.
    pub categories: Vec<usize>,
    /// The declared periods, in the order first written, without duplicates.
    pub periods: Vec<String>,
}

impl Channel {
    /// The title the law fixes for an opt-out link, if this channel is one: the words of
    /// the link itself. A custom `label` never replaces it (Civ. Code §1798.135(a),
    /// R-150); for the alternative opt-out link, 11 CCR §7015 allows exactly
    /// "Your Privacy Choices" or "Your California Privacy Choices".
    pub fn statutory_title(&self) -> Option<&'static str> {
        match self.kind {
            ChannelKind::DoNotSellLink => Some("Do Not Sell or Share My Personal Information"),
            ChannelKind::LimitLink => Some("Limit the Use of My Sensitive Personal Information"),
            ChannelKind::PrivacyChoicesLink => match self.label.as_deref() {
                Some(label)
                    if label.trim().trim_matches('"') == "Your California Privacy Choices" =>
                {
                    Some("Your California Privacy Choices")
                }
                _ => Some("Your Privacy Choices"),
            },
            _ => None,
        }
    }

    /// What a person reads for this channel: the statutory title of an opt-out link
    /// (`"Do Not Sell or Share My Personal Information" link`), else its own label,
    /// else the label of its kind. Every notice and the diff name channels through this.
    pub fn title(&self) -> String {
        if let Some(title) = self.statutory_title() {
            return format!("\"{title}\" link");
        }
        self.label.clone().unwrap_or_else(|| self.kind.label().to_owned())
    }
}
