//! Manifest format v1: the YAML a privacy engineer writes, as serde types.
//!
//! These types mirror the file one to one and are what `ombud schema` describes
//! (doc comments become the schema's descriptions). They hold ids as strings with
//! spans; [`crate::lower`] resolves them into the typed [`crate::Program`] and reports
//! every unknown id, duplicate and bad value with its place in the file.
//!
//! Unknown fields are rejected everywhere (`deny_unknown_fields`) so a typo never
//! silently drops a promise.

use std::collections::BTreeMap;

use ombud_core::{
    AgentProof, BusinessPurpose, CcpaCategory, ChannelKind, Engine, ErasureStrategy,
    GdprLawfulBasis, GdprSpecialCategory, IdentityKind, Law, RecipientRole, Reference, RequestType,
    RetentionReason, SensitiveKind, SignalStance, SystemRole, VerificationMethod,
};
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::Deserialize;

use crate::span::Sp;

/// A privacy program: the company, what it collects and why, who receives it, how long
/// it is kept, the rights it offers and the systems that hold the data.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Format version of this file. Always `1` for now.
    pub ombud: Sp<u32>,
    /// The business or controller that publishes the notice.
    pub organization: Organization,
    /// The laws the program is written for.
    #[schemars(schema_with = "list_of::<Law>")]
    pub jurisdictions: Vec<Sp<String>>,
    /// The business operates exclusively online and has a direct relationship with the
    /// people it collects from, so an email address may be its only request method
    /// (11 CCR §7020(a), R-011).
    #[serde(default)]
    pub exclusively_online: bool,
    /// Version and dates of the notice.
    pub notice: NoticeMeta,
    /// The kinds of personal information collected.
    pub categories: Vec<Sp<Category>>,
    /// Where personal information comes from.
    pub sources: Vec<Sp<Source>>,
    /// Why personal information is used.
    pub purposes: Vec<Sp<Purpose>>,
    /// Who receives personal information, by kind.
    #[serde(default)]
    pub recipients: Vec<Sp<Recipient>>,
    /// Which categories go to which recipients, for which purposes, and whether that is a
    /// sale or a sharing under the CCPA.
    #[serde(default)]
    pub disclosures: Vec<Sp<Disclosure>>,
    /// How long each category is kept, or the criteria that decide it.
    pub retention: Vec<Sp<Retention>>,
    /// The ways a person can reach the business to exercise a right.
    #[serde(default)]
    pub channels: Vec<Sp<Channel>>,
    /// The rights offered, each with its channels and verification.
    pub rights: Vec<Sp<Right>>,
    /// Whether and how authorized agents may act for someone.
    #[serde(default)]
    pub authorized_agents: Option<Sp<AuthorizedAgents>>,
    /// How rights requests are run: the time zones and holiday calendars of their
    /// clocks, what people without an account may give to verify, which requests need
    /// the higher level of verification, and where request emails come from. Every field
    /// has a default, and the notice does not render it.
    #[serde(default)]
    pub requests: Option<Sp<Requests>>,
    /// The policy for children and teenagers.
    pub minors: Sp<Minors>,
    /// How browser privacy signals are treated.
    pub signals: Sp<Signals>,
    /// What only the GDPR notice says: automated decisions (Art 13(2)(f), Art 22) and
    /// whether people must provide their data (Art 13(2)(e)). Nothing is assumed when it
    /// is missing; lints L033 and L034 ask for it under `gdpr`.
    #[serde(default)]
    pub gdpr: Option<Sp<GdprInfo>>,
    /// Email lists a person can join and leave.
    #[serde(default)]
    pub subscriptions: Vec<Sp<Subscription>>,
    /// The databases and service providers where the data lives.
    #[serde(default)]
    pub systems: Vec<Sp<System>>,
}

/// The organization and how to reach it about privacy.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Organization {
    /// The name people know it by.
    pub name: Sp<String>,
    /// The registered legal name, when different.
    #[serde(default)]
    pub legal_name: Option<String>,
    /// The website's address (`https://…`).
    #[serde(default)]
    pub website: Option<Sp<String>>,
    /// Postal address for privacy mail.
    #[serde(default)]
    pub postal_address: Option<String>,
    /// Privacy contact.
    pub contact: Sp<Contact>,
    /// Data protection officer (GDPR Art 37–39), if appointed.
    #[serde(default)]
    pub dpo: Option<Sp<Contact>>,
    /// Representative in the EU (GDPR Art 27), if required.
    #[serde(default)]
    pub eu_representative: Option<Sp<Contact>>,
    /// The supervisory authority people may complain to (GDPR Art 13(2)(d), Art 77).
    #[serde(default)]
    pub supervisory_authority: Option<Sp<Authority>>,
}

/// Contact details for privacy questions.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Contact {
    /// A person or team name.
    #[serde(default)]
    pub name: Option<String>,
    /// Email address.
    #[serde(default)]
    pub email: Option<Sp<String>>,
    /// Telephone number.
    #[serde(default)]
    pub phone: Option<String>,
    /// Postal address.
    #[serde(default)]
    pub postal_address: Option<String>,
}

/// A data-protection authority.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Authority {
    /// Its name.
    pub name: String,
    /// Its website.
    #[serde(default)]
    pub url: Option<Sp<String>>,
}

/// Version and dates of the notice.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NoticeMeta {
    /// A version label such as `2024.2`; changes with every published change.
    pub version: Sp<String>,
    /// The date the notice takes effect, `YYYY-MM-DD` (CalOPPA §22575(b)(4); R-155).
    #[schemars(schema_with = "date_schema")]
    pub effective: Sp<String>,
    /// How people are told about material changes (CalOPPA §22575(b)(3)).
    #[serde(default)]
    pub changes_notified_by: Option<String>,
}

/// A category of personal information, as the notice names it.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Category {
    /// Stable id, `snake_case`.
    pub id: Sp<String>,
    /// What people read.
    pub name: String,
    /// A longer explanation.
    #[serde(default)]
    pub description: Option<String>,
    /// Examples of the data in this category.
    #[serde(default)]
    pub examples: Vec<String>,
    /// The CCPA statutory category it belongs to (Civ. Code §1798.140(v)(1); R-001).
    #[schemars(schema_with = "one_of::<CcpaCategory>")]
    pub ccpa: Sp<String>,
    /// The kind of sensitive personal information it is, if any (§1798.140(ae)).
    #[serde(default)]
    #[schemars(schema_with = "optional_one_of::<SensitiveKind>")]
    pub sensitive: Option<Sp<String>>,
    /// Whether sensitive data is used to infer characteristics about people. When false,
    /// the right to limit does not apply to it (§1798.121(d); R-003). Defaults to true.
    #[serde(default = "yes")]
    pub infers_characteristics: bool,
    /// The GDPR special category (Art 9) or criminal-offence data (Art 10) it contains.
    #[serde(default)]
    #[schemars(schema_with = "optional_one_of::<GdprSpecialCategory>")]
    pub gdpr_special: Option<Sp<String>>,
    /// Ids of the sources it is collected from.
    #[serde(default)]
    pub sources: Vec<Sp<String>>,
    /// Ids of the purposes it is used for.
    #[serde(default)]
    pub purposes: Vec<Sp<String>>,
    /// Whether the person provides it themselves (relevant to portability, GDPR Art 20).
    #[serde(default)]
    pub provided_by_subject: bool,
}

/// A source of personal information.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Source {
    /// Stable id.
    pub id: Sp<String>,
    /// What people read.
    pub name: String,
    /// A longer explanation.
    #[serde(default)]
    pub description: Option<String>,
}

/// A purpose for which personal information is used.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Purpose {
    /// Stable id.
    pub id: Sp<String>,
    /// What people read.
    pub name: String,
    /// A longer explanation.
    #[serde(default)]
    pub description: Option<String>,
    /// GDPR lawful basis (Art 6(1); R-250). Required when the program covers GDPR.
    #[serde(default)]
    #[schemars(schema_with = "optional_one_of::<GdprLawfulBasis>")]
    pub gdpr_basis: Option<Sp<String>>,
    /// The legitimate interest pursued, when the basis is `legitimate_interests` (Art 13(1)(d)).
    #[serde(default)]
    pub legitimate_interest: Option<String>,
    /// The CCPA business purpose it falls under, if any (§1798.140(e)).
    #[serde(default)]
    #[schemars(schema_with = "optional_one_of::<BusinessPurpose>")]
    pub business_purpose: Option<Sp<String>>,
}

/// A kind of recipient.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Recipient {
    /// Stable id.
    pub id: Sp<String>,
    /// What people read ("Analytics providers").
    pub name: String,
    /// A longer explanation.
    #[serde(default)]
    pub description: Option<String>,
    /// Role under the CCPA.
    #[schemars(schema_with = "one_of::<RecipientRole>")]
    pub role: Sp<String>,
    /// Whether a contract with the §1798.100(d) terms is in place.
    #[serde(default)]
    pub contract: bool,
    /// Countries outside the EEA the data goes to, for GDPR transfer disclosures.
    #[serde(default)]
    pub transfers: Vec<String>,
    /// The safeguard for those transfers (GDPR Art 46), such as standard contractual clauses.
    #[serde(default)]
    pub transfer_safeguard: Option<String>,
    /// How this recipient's suppression list (`ombud consent export`) gives identifiers:
    /// `sha256` (the default: hashes of the canonical identifier, what ad platforms
    /// match on) or `plain` (for a recipient that must know whom to stop contacting).
    #[serde(default)]
    pub suppression: SuppressionIdentifiers,
}

/// How a suppression list gives identifiers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SuppressionIdentifiers {
    /// SHA-256 of the canonical identifier, in hex.
    #[default]
    Sha256,
    /// The identifier itself.
    Plain,
}

/// Which categories go to which recipients, for which purposes.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Disclosure {
    /// Category ids.
    pub categories: Vec<Sp<String>>,
    /// Recipient ids.
    pub recipients: Vec<Sp<String>>,
    /// Purpose ids.
    #[serde(default)]
    pub purposes: Vec<Sp<String>>,
    /// A sale under the CCPA: for money or other valuable consideration (§1798.140(ad)).
    #[serde(default)]
    pub sold: bool,
    /// A sharing under the CCPA: for cross-context behavioral advertising (§1798.140(ah)).
    #[serde(default)]
    pub shared: bool,
}

/// How long categories are kept.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Retention {
    /// Category ids.
    pub categories: Vec<Sp<String>>,
    /// The period or the criteria used to decide it (§1798.100(a)(3)).
    pub period: Sp<String>,
}

/// A way to reach the business.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Channel {
    /// Stable id.
    pub id: Sp<String>,
    /// What kind of channel.
    #[schemars(schema_with = "one_of::<ChannelKind>")]
    pub kind: Sp<String>,
    /// Web address, for forms and links.
    #[serde(default)]
    pub url: Option<Sp<String>>,
    /// Email address, for email.
    #[serde(default)]
    pub email: Option<Sp<String>>,
    /// Telephone number, for phone channels.
    #[serde(default)]
    pub phone: Option<Sp<String>>,
    /// Postal address, for mail.
    #[serde(default)]
    pub address: Option<String>,
    /// What people read instead of the default label.
    #[serde(default)]
    pub label: Option<String>,
}

/// A right the program offers.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Right {
    /// Which right.
    #[schemars(schema_with = "one_of::<RequestType>")]
    pub right: Sp<String>,
    /// The laws it is offered under; empty means every declared jurisdiction.
    #[serde(default)]
    #[schemars(schema_with = "list_of::<Law>")]
    pub laws: Vec<Sp<String>>,
    /// Channel ids through which it can be exercised.
    #[serde(default)]
    pub channels: Vec<Sp<String>>,
    /// How the requester is verified.
    #[serde(default)]
    #[schemars(schema_with = "list_of::<VerificationMethod>")]
    pub verification: Vec<Sp<String>>,
    /// Anything else the notice should say about this right.
    #[serde(default)]
    pub note: Option<String>,
}

/// Authorized agents (11 CCR §7063; ).
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AuthorizedAgents {
    /// Whether agents may act for someone.
    pub accepted: bool,
    /// What an agent must bring.
    #[serde(default)]
    #[schemars(schema_with = "list_of::<AgentProof>")]
    pub proof: Vec<Sp<String>>,
    /// Whether the person must also verify themselves or confirm the agent (R-060(b)-(c)).
    #[serde(default)]
    pub consumer_confirms: bool,
}

/// How rights requests are run. Each field is optional; the defaults suit a business in
/// California under US law.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Requests {
    /// The IANA time zone (`America/Los_Angeles`) that decides the day a request was
    /// received and which days are business days under the US laws (11 CCR §7021:
    /// 10 business days to confirm, 45 days to answer; ).
    /// Default `America/Los_Angeles`.
    #[serde(default)]
    #[schemars(schema_with = "time_zone_schema")]
    pub timezone: Option<Sp<String>>,
    /// Holiday calendars for business days under the US laws.
    /// Built in: `us-federal`, `us-ca`; any other id names a file `<id>.cal` the business
    /// adds. Default `[us-federal, us-ca]`; `[]` counts only weekends.
    #[serde(default)]
    #[schemars(schema_with = "calendar_list_schema")]
    pub holidays: Option<Vec<Sp<String>>>,
    /// The IANA time zone of the EU establishment, for GDPR deadlines (Art 12(3): one
    /// month from receipt; R-255). Default `UTC`.
    #[serde(default)]
    #[schemars(schema_with = "time_zone_schema")]
    pub gdpr_timezone: Option<Sp<String>>,
    /// Holiday calendars for GDPR deadlines: a deadline that falls on one moves to the
    /// next working day (REGULATIONS.md §0.3). Default `[]`, weekends only.
    #[serde(default)]
    #[schemars(schema_with = "calendar_list_schema")]
    pub gdpr_holidays: Option<Vec<Sp<String>>>,
    /// What a person without an account may give to be matched against what the business
    /// holds: two points verify a request about categories (11 CCR §7062(b), R-049),
    /// three and a signed declaration one for specific pieces (§7062(c), R-050).
    #[serde(default)]
    pub data_points: Vec<Sp<DataPoint>>,
    /// Request types whose verification needs the reasonably high degree of certainty
    /// rather than the reasonable one, because of the harm a wrong one could do
    /// (11 CCR §7062(d), R-051): only `delete` and `correct`. Default `[]`.
    #[serde(default)]
    #[schemars(schema_with = "high_risk_schema")]
    pub high_risk: Vec<Sp<String>>,
    /// The `https://` address where people follow and manage their requests; request
    /// emails link to it.
    #[serde(default)]
    pub privacy_center: Option<Sp<String>>,
    /// The From address of request emails. Default `organization.contact.email`.
    #[serde(default)]
    pub email_from: Option<Sp<String>>,
}

/// Something a person without an account may give to verify, such as the postal code on
/// their account.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DataPoint {
    /// Stable id.
    pub id: Sp<String>,
    /// What people read on the request form ("The postal code on your account").
    pub name: String,
}

/// The policy for minors (Civ. Code §1798.120(c); GDPR Art 8; ).
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Minors {
    /// Whether the business has actual knowledge that it sells or shares personal
    /// information of people under 16.
    pub sells_or_shares_under_16: bool,
    /// What happens to sale or sharing of people under 16: `opt_in_required` (13–15
    /// opt in themselves, under 13 a parent) or `never`.
    #[schemars(schema_with = "minors_sale_schema")]
    pub sale_under_16: Sp<String>,
    /// Whether the business knowingly collects data of children under 13.
    pub collects_under_13: bool,
    /// The age below which GDPR consent needs a parent (Art 8(1): 16, or a Member State's 13–16).
    #[serde(default)]
    pub gdpr_consent_age: Option<Sp<u8>>,
}

/// Treatment of browser privacy signals.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Signals {
    /// Global Privacy Control (11 CCR §7025; R-120).
    #[schemars(schema_with = "one_of::<SignalStance>")]
    pub gpc: Sp<String>,
    /// Do Not Track (CalOPPA §22575(b)(5); R-221).
    #[schemars(schema_with = "one_of::<SignalStance>")]
    pub do_not_track: Sp<String>,
    /// Whether other parties may collect information about people's online activities
    /// over time and across sites when they use the service (CalOPPA §22575(b)(6),
    /// R-221(6)). Required: the notice states it either way, so silence must not become
    /// a promise that nobody tracks. `true` whenever data is shared for cross-context
    /// behavioral advertising (lint L032).
    pub third_party_tracking: bool,
}

/// Statements the GDPR asks of a notice that the rest of the manifest does not imply
/// (Art 13(2)(e)-(f); ). The notice says only what is declared here.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GdprInfo {
    /// Whether decisions about people are made solely by automated processing, including
    /// profiling, with legal or similarly significant effects on them (Art 22(1)). When
    /// `true`, `automated_decisions_logic` is required.
    #[serde(default)]
    pub automated_decisions: Option<Sp<bool>>,
    /// With `automated_decisions: true`: meaningful information about the logic involved,
    /// and the significance and the envisaged consequences of the processing for the
    /// person (Art 13(2)(f)), in words people understand.
    #[serde(default)]
    pub automated_decisions_logic: Option<Sp<String>>,
    /// Whether providing the personal data is a statutory or contractual requirement, or
    /// a requirement necessary to enter into a contract; whether the person is obliged to
    /// provide it; and the possible consequences of not providing it (Art 13(2)(e)).
    #[serde(default)]
    pub provision: Option<Sp<String>>,
}

/// An email list.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Subscription {
    /// Stable id.
    pub id: Sp<String>,
    /// What people read.
    pub name: String,
    /// The purpose id the list serves.
    pub purpose: Sp<String>,
    /// Channel ids through which a person can leave the list.
    pub unsubscribe: Vec<Sp<String>>,
}

/// A place where personal data lives: a database of the business, or a service provider.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct System {
    /// Stable id.
    pub id: Sp<String>,
    /// What staff read.
    #[serde(default)]
    pub name: Option<String>,
    /// A database of the business (`database`, the default) or a `service_provider`.
    #[serde(default)]
    #[schemars(schema_with = "system_kind_schema")]
    pub kind: Option<Sp<String>>,
    /// Database engine.
    #[serde(default)]
    #[schemars(schema_with = "optional_one_of::<Engine>")]
    pub engine: Option<Sp<String>>,
    /// Connection string, only as `env:NAME`: secrets never live in the manifest.
    #[serde(default)]
    pub connection: Option<Sp<String>>,
    /// Controller (the default), or processor for data handled on a customer's behalf:
    /// requests about processor data are referred to that customer.
    #[serde(default)]
    #[schemars(schema_with = "optional_one_of::<SystemRole>")]
    pub role: Option<Sp<String>>,
    /// For a service provider: the recipient id it is.
    #[serde(default)]
    pub recipient: Option<Sp<String>>,
    /// For a service provider: the category ids it holds.
    #[serde(default)]
    pub categories: Vec<Sp<String>>,
    /// For a service provider: where deletion and opt-out instructions go.
    #[serde(default)]
    pub webhook: Option<Sp<Webhook>>,
    /// For a database: its tables.
    #[serde(default)]
    pub tables: Vec<Sp<Table>>,
}

/// Where a service provider receives instructions.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Webhook {
    /// `https://` endpoint.
    pub url: Sp<String>,
    /// Signing secret, only as `env:NAME`.
    pub secret: Sp<String>,
}

/// A table of a database system.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Table {
    /// The table's name in the database.
    pub name: Sp<String>,
    /// Primary-key column.
    #[serde(default)]
    pub primary_key: Option<Sp<String>>,
    /// Columns that identify a person, with the kind of identity each holds
    /// (`email_address: email`). Fulfilment starts here.
    #[serde(default)]
    #[schemars(schema_with = "map_of::<IdentityKind>")]
    pub identity: BTreeMap<String, Sp<String>>,
    /// Columns holding personal information, with the category id each holds.
    #[serde(default)]
    pub columns: BTreeMap<String, Sp<String>>,
    /// Columns that reference another table, as `table.column`.
    #[serde(default)]
    pub references: BTreeMap<String, Sp<String>>,
    /// How the table's personal data is erased.
    #[serde(default)]
    pub erase: Option<Sp<Erase>>,
    /// A declared exception that keeps this table's data after a deletion request.
    #[serde(default)]
    pub retain: Option<Sp<Retain>>,
}

/// Erasure strategy for a table, with optional per-column overrides.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Erase {
    /// The strategy for the table.
    #[schemars(schema_with = "one_of::<ErasureStrategy>")]
    pub strategy: Sp<String>,
    /// Per-column strategies (not `delete`).
    #[serde(default)]
    #[schemars(schema_with = "map_of::<ErasureStrategy>")]
    pub columns: BTreeMap<String, Sp<String>>,
}

/// A retention exception: why data survives a deletion request.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Retain {
    /// The legal reason: a CCPA §1798.105(d) code (`D1`–`D8`) or GDPR Art 17(3) (`G-a`–`G-e`).
    #[serde(default)]
    #[schemars(schema_with = "retention_reason_schema")]
    pub reason: Option<Sp<String>>,
    /// Further reasons, for the other laws the program is under: a table kept under
    /// the CCPA's `D8` and the GDPR's `G-b` names one as `reason` and the other here.
    #[serde(default)]
    #[schemars(schema_with = "retention_reasons_schema")]
    pub also: Vec<Sp<String>>,
    /// How long the data is kept under the exception.
    #[serde(default)]
    pub period: Option<String>,
    /// Why, in words, for the staff who deny a request with it.
    #[serde(default)]
    pub note: Option<String>,
}

fn yes() -> bool {
    true
}

fn string_enum(ids: Vec<&'static str>, kind: &str) -> Schema {
    json_schema!({ "type": "string", "enum": ids, "description": format!("A {kind} id.") })
}

fn one_of<R: Reference>(_: &mut SchemaGenerator) -> Schema {
    string_enum(R::ids(), R::KIND)
}

fn optional_one_of<R: Reference>(generator: &mut SchemaGenerator) -> Schema {
    one_of::<R>(generator)
}

fn list_of<R: Reference>(generator: &mut SchemaGenerator) -> Schema {
    json_schema!({ "type": "array", "items": one_of::<R>(generator) })
}

fn map_of<R: Reference>(generator: &mut SchemaGenerator) -> Schema {
    json_schema!({ "type": "object", "additionalProperties": one_of::<R>(generator) })
}

fn date_schema(_: &mut SchemaGenerator) -> Schema {
    json_schema!({ "type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$", "format": "date" })
}

fn time_zone_schema(_: &mut SchemaGenerator) -> Schema {
    json_schema!({
        "type": "string",
        "description": "An IANA time zone name such as America/Los_Angeles or Europe/Dublin.",
        "examples": ["America/Los_Angeles", "Europe/Dublin", "UTC"]
    })
}

fn calendar_list_schema(_: &mut SchemaGenerator) -> Schema {
    json_schema!({
        "type": "array",
        "items": {
            "type": "string",
            "pattern": "^[a-z0-9][a-z0-9-]*$",
            "description": "A holiday calendar id: `us-federal`, `us-ca`, or the name of a `<id>.cal` file."
        }
    })
}

fn high_risk_schema(_: &mut SchemaGenerator) -> Schema {
    json_schema!({ "type": "array", "items": { "type": "string", "enum": ["delete", "correct"] } })
}

fn minors_sale_schema(_: &mut SchemaGenerator) -> Schema {
    json_schema!({ "type": "string", "enum": ["opt_in_required", "never"] })
}

fn system_kind_schema(_: &mut SchemaGenerator) -> Schema {
    json_schema!({ "type": "string", "enum": ["database", "service_provider"] })
}

fn retention_reason_schema(_: &mut SchemaGenerator) -> Schema {
    json_schema!({ "type": "string", "enum": RetentionReason::ids() })
}

fn retention_reasons_schema(_: &mut SchemaGenerator) -> Schema {
    json_schema!({ "type": "array", "items": { "type": "string", "enum": RetentionReason::ids() } })
}
