//! The typed program: what a manifest means once every id is resolved.
//!
//! References between items are indices into the program's lists (`categories[2]`),
//! reference data is the enums of `ombud-core`, and every item keeps the [`Span`] of
//! its declaration so lints can point at it. A `Program` with no error diagnostics is
//! internally consistent: every index is in range.

use ombud_core::{
    AgentProof, BusinessPurpose, CcpaCategory, ChannelKind, Engine, ErasureStrategy,
    GdprLawfulBasis, GdprSpecialCategory, IdentityKind, Law, RecipientRole, RequestType,
    RetentionReason, SensitiveKind, SignalStance, SystemRole, VerificationMethod,
};

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
    /// Minors policy.
    pub minors: Minors,
    /// Signal treatment.
    pub signals: Signals,
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
    /// Period.
    pub period: Option<String>,
    /// Note.
    pub note: Option<String>,
    /// Where it was declared.
    pub span: Span,
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
}
