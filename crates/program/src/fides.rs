//! Import of a Fides (fideslang) dataset into manifest annotations
//! (`ombud systems import-fides`).
//!
//! A team that already annotated its databases for Fides should not type them again.
//! A dataset's collections become tables; `fides_meta` gives primary keys, identities and
//! references (in both directions); `data_categories` become personal columns through a
//! mapping of the common `user.*` categories to CCPA letters and sensitive kinds
//! (REGULATIONS.md H1, H2). What has no equivalent becomes a TODO comment or a note.
//! The result is rendered exactly like discovery's ([`crate::live::Proposal`]).
//!
//! The file is untrusted input: its size is capped by
//! [`limits::FIDES_DATASET_BYTES_MAX`] before parsing, and the YAML budgets are the
//! manifest's (`crate::parse`): nesting, nodes, aliases and alias expansion.

use std::collections::{BTreeMap, BTreeSet};

use ombud_core::{CcpaCategory, IdentityKind, SensitiveKind, limits};
use serde::Deserialize;
use serde_saphyr::Error as YamlError;

use crate::parse::{strip_location_prefix as strip_location, truncate};

use crate::live::{Draft, DraftTable, Proposal, Suggestion, render, shown};
use crate::model::Program;
use crate::span::{Sp, Span};

/// Why a Fides dataset could not be imported.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FidesError {
    /// Larger than [`limits::FIDES_DATASET_BYTES_MAX`].
    TooLarge {
        /// The file's size.
        size_bytes: usize,
    },
    /// Not YAML, or not shaped like a dataset, or past a safety limit; or a dataset
    /// that contradicts itself.
    Invalid {
        /// Where, when known (0 when not).
        span: Span,
        /// What is wrong: names the collection and field, never a value.
        message: String,
        /// How to fix it.
        help: String,
    },
}

impl std::fmt::Display for FidesError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FidesError::TooLarge { size_bytes } => write!(
                f,
                "the dataset is {size_bytes} bytes, more than the {} bytes ombud imports; import one dataset per file",
                limits::FIDES_DATASET_BYTES_MAX
            ),
            FidesError::Invalid { span, message, help } => {
                if span.line > 0 {
                    write!(f, "line {}, column {}: ", span.line, span.column)?;
                }
                write!(f, "{message}; {help}")
            }
        }
    }
}

impl std::error::Error for FidesError {}

fn invalid(span: Span, message: impl Into<String>, help: impl Into<String>) -> FidesError {
    FidesError::Invalid { span, message: message.into(), help: help.into() }
}

// The shape of a fideslang dataset file: only what the import reads. Other keys
// (descriptions, data uses, retention, collection `fides_meta`, …) are ignored, as
// fideslang itself ignores keys it does not know.

#[derive(Deserialize)]
struct File {
    dataset: Vec<Sp<Dataset>>,
}

#[derive(Deserialize)]
struct Dataset {
    #[serde(default)]
    fides_key: Option<String>,
    #[serde(default)]
    name: Option<String>,
    collections: Vec<Sp<Collection>>,
}

#[derive(Deserialize)]
struct Collection {
    name: Sp<String>,
    #[serde(default)]
    data_categories: Option<Vec<String>>,
    fields: Vec<Sp<Field>>,
}

#[derive(Deserialize)]
struct Field {
    name: Sp<String>,
    #[serde(default)]
    data_categories: Option<Vec<Sp<String>>>,
    #[serde(default)]
    fides_meta: Option<Meta>,
    /// The name before fideslang 1.3; read the same way.
    #[serde(default)]
    fidesops_meta: Option<Meta>,
    #[serde(default)]
    fields: Option<Vec<Sp<Field>>>,
}

#[derive(Deserialize)]
struct Meta {
    #[serde(default)]
    identity: Option<String>,
    #[serde(default)]
    primary_key: Option<bool>,
    #[serde(default)]
    references: Option<Vec<Sp<FidesReference>>>,
}

#[derive(Deserialize)]
struct FidesReference {
    dataset: String,
    field: String,
    #[serde(default)]
    direction: Option<Direction>,
}

#[derive(Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
enum Direction {
    /// The other field's value is looked up in this one: the other points here.
    From,
    /// This field's value is looked up in the other: this points there.
    To,
}

impl Field {
    fn meta(&self) -> Option<&Meta> {
        self.fides_meta.as_ref().or(self.fidesops_meta.as_ref())
    }
}

/// Imports a fideslang dataset as the annotations of system `system_id`.
///
/// A file with one dataset imports it; a file with several imports the one whose
/// `fides_key` is `system_id`. With `program`, categories map to the program's own
/// category ids as discovery's do ([`crate::live::propose`]).
pub fn import_fides(
    yaml: &str,
    program: Option<&Program>,
    system_id: &str,
) -> Result<Proposal, FidesError> {
    if yaml.len() > limits::FIDES_DATASET_BYTES_MAX {
        return Err(FidesError::TooLarge { size_bytes: yaml.len() });
    }
    if yaml.trim().is_empty() {
        return Err(invalid(
            Span::default(),
            "the file is empty",
            "export the dataset with `fides pull` or write `dataset:` with its collections",
        ));
    }
    let file = parse(yaml)?;
    let dataset = pick(&file, system_id)?;
    let key = dataset.value.fides_key.as_deref().or(dataset.value.name.as_deref()).unwrap_or("");
    let mut notes = Vec::new();
    let tables = tables_of(&dataset.value, key, &mut notes)?;
    let draft = Draft { system_id, program, source: "ombud systems import-fides", tables };
    Ok(render(draft, notes))
}

/// Parses with the manifest's budgets: the same guards as `crate::parse`, with the
/// dataset's own size limit. Booleans follow YAML 1.2 (`True` is true), as the
/// Python tools that write these files do.
fn parse(yaml: &str) -> Result<File, FidesError> {
    let (budget, alias_limits) = crate::parse::guards(limits::FIDES_DATASET_BYTES_MAX);
    let options = serde_saphyr::options! {
        budget: Some(budget),
        alias_limits: alias_limits,
        with_snippet: false,
        reject_unsupported_tags: true,
    };
    serde_saphyr::from_str_with_options::<File>(yaml, options).map_err(|error| yaml_error(&error))
}

fn yaml_error(error: &YamlError) -> FidesError {
    let span = error.location().map(Span::from_location).unwrap_or_default();
    let mut inner = error;
    while let YamlError::WithSnippet { error, .. } | YamlError::AliasError { error, .. } = inner {
        inner = error;
    }
    match inner {
        YamlError::Budget { .. }
        | YamlError::AliasReplayLimitExceeded { .. }
        | YamlError::AliasExpansionLimitExceeded { .. }
        | YamlError::AliasReplayStackDepthExceeded { .. }
        | YamlError::AliasReplayCounterOverflow { .. } => invalid(
            span,
            "the dataset exceeds a safety limit (nesting, size, or expansion of YAML aliases)",
            format!(
                "a dataset may nest at most {} levels, hold {} nodes and use {} aliases; write repeated parts out",
                limits::MANIFEST_DEPTH_MAX,
                limits::MANIFEST_NODES_MAX,
                limits::MANIFEST_ALIASES_MAX
            ),
        ),
        YamlError::SerdeMissingField { field, .. } => invalid(
            span,
            format!("missing `{field}` in this mapping"),
            "a dataset is `dataset:` with a list of datasets, each with `collections:`, each with `name:` and `fields:`, each field with `name:`",
        ),
        YamlError::SerdeUnknownVariant { variant, expected, .. } => invalid(
            span,
            format!("unknown value {}", shown(variant)),
            format!("write one of {}", expected.join(", ")),
        ),
        other => {
            let text = other.without_snippet().to_string();
            let message = truncate(strip_location(&text));
            invalid(
                span,
                format!("not a Fides dataset: {message}"),
                "a dataset is `dataset:` with a list of datasets, each with `collections:`, each with `name:` and `fields:`, each field with `name:`",
            )
        }
    }
}

fn pick<'a>(file: &'a File, system_id: &str) -> Result<&'a Sp<Dataset>, FidesError> {
    match file.dataset.as_slice() {
        [] => Err(invalid(
            Span::default(),
            "the file declares no dataset",
            "add a dataset under `dataset:`",
        )),
        [one] => Ok(one),
        several => several
            .iter()
            .find(|d| d.value.fides_key.as_deref() == Some(system_id))
            .ok_or_else(|| {
                let keys: Vec<String> = several
                    .iter()
                    .map(|d| shown(d.value.fides_key.as_deref().unwrap_or("")))
                    .collect();
                invalid(
                    several[0].span,
                    format!(
                        "the file holds {} datasets ({}) and none has the fides_key {}",
                        several.len(),
                        keys.join(", "),
                        shown(system_id)
                    ),
                    "import one at a time: name the dataset's fides_key as the system, or split the file",
                )
            }),
    }
}

/// The draft tables of a dataset, after checking that names are unique and that
/// references within the dataset point at fields it has.
fn tables_of(
    dataset: &Dataset,
    key: &str,
    notes: &mut Vec<String>,
) -> Result<Vec<DraftTable>, FidesError> {
    if dataset.collections.len() > limits::PLAN_TABLES_PER_SYSTEM_MAX {
        return Err(invalid(
            dataset.collections[limits::PLAN_TABLES_PER_SYSTEM_MAX].span,
            format!(
                "the dataset has {} collections, more than the {} tables one system may declare",
                dataset.collections.len(),
                limits::PLAN_TABLES_PER_SYSTEM_MAX
            ),
            "split it into several datasets and systems",
        ));
    }
    // Every top-level field of every collection, to check references against.
    let mut fields: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for collection in &dataset.collections {
        let name = collection.value.name.as_str();
        if name.is_empty() {
            return Err(invalid(
                collection.value.name.span,
                "a collection has an empty name",
                "write the table's name",
            ));
        }
        let mut names = BTreeSet::new();
        for field in &collection.value.fields {
            let field_name = field.value.name.as_str();
            if field_name.is_empty() {
                return Err(invalid(
                    field.value.name.span,
                    format!("a field of collection {} has an empty name", shown(name)),
                    "write the column's name",
                ));
            }
            if !names.insert(field_name) {
                return Err(invalid(
                    field.value.name.span,
                    format!("collection {} lists field {} twice", shown(name), shown(field_name)),
                    "keep one of them",
                ));
            }
        }
        if fields.insert(name, names).is_some() {
            return Err(invalid(
                collection.value.name.span,
                format!("the dataset lists collection {} twice", shown(name)),
                "merge the two into one collection",
            ));
        }
    }

    let mut tables: BTreeMap<&str, DraftTable> = BTreeMap::new();
    let order: Vec<&str> = dataset.collections.iter().map(|c| c.value.name.as_str()).collect();
    for collection in &dataset.collections {
        let name = collection.value.name.as_str();
        tables.entry(name).or_insert_with(|| DraftTable::new(name));
        if collection.value.data_categories.as_ref().is_some_and(|c| !c.is_empty()) {
            notes.push(format!(
                "collection {} declares categories for the whole collection; they are not applied to its columns: annotate the personal fields themselves",
                shown(name)
            ));
        }
        let mut keys = Vec::new();
        for field in &collection.value.fields {
            let field_name = field.value.name.as_str();
            let meta = field.value.meta();
            if meta.and_then(|m| m.primary_key) == Some(true) {
                keys.push(field_name);
            }
            if let Some(identity) = meta.and_then(|m| m.identity.as_deref()) {
                let table = tables.entry(name).or_insert_with(|| DraftTable::new(name));
                match identity_kind(identity) {
                    Some(kind) => table.identity.push((field_name.to_owned(), kind)),
                    None => table.identity_todo.push((
                        field_name.to_owned(),
                        format!(
                            "Fides identity {} has no ombud kind: choose email, phone, customer_id, user_id, device_id or cookie_id",
                            shown(identity)
                        ),
                    )),
                }
            }
            for reference in meta.and_then(|m| m.references.as_ref()).into_iter().flatten() {
                let edge = resolve(name, field_name, reference, key, &fields, notes)?;
                if let Some((from_table, from_column, to_table, to_column)) = edge {
                    let table =
                        tables.entry(from_table).or_insert_with(|| DraftTable::new(from_table));
                    let target =
                        (from_column.to_owned(), to_table.to_owned(), to_column.to_owned());
                    if !table.references.contains(&target) {
                        table.references.push(target);
                    }
                }
            }
            let table = tables.entry(name).or_insert_with(|| DraftTable::new(name));
            personal(name, &field.value, table, notes);
        }
        let table = tables.entry(name).or_insert_with(|| DraftTable::new(name));
        match keys.as_slice() {
            [] => {}
            [one] => table.primary_key = Some((*one).to_owned()),
            several => {
                let columns = several.iter().map(|c| shown(c)).collect::<Vec<_>>().join(", ");
                table.comments.push(format!(
                    "primary_key: TODO Fides marks several primary-key fields ({columns}); ombud declares one column that identifies a row"
                ));
                notes.push(format!(
                    "collection {} marks several primary-key fields ({columns}); declare one column that identifies a row, or none",
                    shown(name)
                ));
            }
        }
    }
    Ok(order.into_iter().filter_map(|name| tables.remove(name)).collect())
}

/// A Fides identity type as one of ours. Fides' built-in identities are `email` and
/// `phone_number`; the others are the custom identities people commonly declare.
fn identity_kind(fides: &str) -> Option<IdentityKind> {
    match fides {
        "email" => Some(IdentityKind::Email),
        "phone_number" => Some(IdentityKind::Phone),
        "customer_id" => Some(IdentityKind::CustomerId),
        "user_id" => Some(IdentityKind::UserId),
        _ => None,
    }
}

type Edge<'a> = (&'a str, &'a str, &'a str, &'a str);

/// A reference as (referencing table, column, referenced table, column), or `None`
/// when the manifest cannot hold it (another dataset, a nested field; said in a note).
/// `direction: to` (or none) means this field points at the other; `from` means the
/// other points here.
fn resolve<'a>(
    collection: &'a str,
    field: &'a str,
    reference: &'a Sp<FidesReference>,
    key: &str,
    fields: &BTreeMap<&'a str, BTreeSet<&'a str>>,
    notes: &mut Vec<String>,
) -> Result<Option<Edge<'a>>, FidesError> {
    let value = &reference.value;
    if value.dataset != key {
        notes.push(format!(
            "{}.{} references dataset {}; references between systems are not declared in a manifest, so it is left out",
            shown(collection),
            shown(field),
            shown(&value.dataset)
        ));
        return Ok(None);
    }
    let Some((other_collection, other_field)) = value.field.split_once('.') else {
        return Err(invalid(
            reference.span,
            format!(
                "the reference of {}.{} names {}, not `collection.field`",
                shown(collection),
                shown(field),
                shown(&value.field)
            ),
            "write the referenced field as `collection.field`",
        ));
    };
    let Some((other_collection, known)) = fields.get_key_value(other_collection) else {
        return Err(invalid(
            reference.span,
            format!(
                "the reference of {}.{} names collection {}, which the dataset does not have",
                shown(collection),
                shown(field),
                shown(other_collection)
            ),
            "fix the collection's name in `field:`, or remove the reference",
        ));
    };
    if other_field.contains('.') {
        notes.push(format!(
            "{}.{} references the nested field {}; ombud references whole columns, so it is left out",
            shown(collection),
            shown(field),
            shown(&value.field)
        ));
        return Ok(None);
    }
    let Some(other_field) = known.get(other_field) else {
        return Err(invalid(
            reference.span,
            format!(
                "the reference of {}.{} names field {} of collection {}, which has no such field",
                shown(collection),
                shown(field),
                shown(other_field),
                shown(other_collection)
            ),
            "fix the field's name in `field:`, or remove the reference",
        ));
    };
    Ok(Some(match value.direction {
        Some(Direction::From) => (other_collection, other_field, collection, field),
        Some(Direction::To) | None => (collection, field, other_collection, other_field),
    }))
}

/// Annotates a field as personal from its categories (and, for a document, those of
/// every nested field: ombud reads whole columns).
fn personal(collection: &str, field: &Field, table: &mut DraftTable, notes: &mut Vec<String>) {
    let name = field.name.as_str();
    let mut categories: Vec<&str> = Vec::new();
    if let Some(nested) = field.fields.as_ref().filter(|f| !f.is_empty()) {
        let mut paths = Vec::new();
        let mut special = false;
        flatten(name, nested, &mut categories, &mut paths, &mut special);
        let listed = paths.iter().take(5).map(|p| shown(p)).collect::<Vec<_>>().join(", ");
        let more =
            if paths.len() > 5 { format!(" and {} more", paths.len() - 5) } else { String::new() };
        notes.push(format!(
            "{}.{} holds nested fields ({listed}{more}); ombud reads columns, not documents, so the column {} takes the strictest category of its fields{}",
            shown(collection),
            shown(name),
            shown(name),
            if special { ", and the identities, keys and references of nested fields are left out" } else { "" }
        ));
    }
    categories.extend(field.data_categories.iter().flatten().map(|c| c.as_str()));
    let mut best: Option<Suggestion> = None;
    let mut unmapped: Vec<&str> = Vec::new();
    for category in &categories {
        match map_category(category) {
            Mapped::Personal(suggestion) => {
                if best.is_none_or(|b| suggestion.stricter_than(&b)) {
                    best = Some(suggestion);
                }
            }
            Mapped::NotPersonal => {}
            Mapped::Unknown => {
                if !unmapped.contains(category) {
                    unmapped.push(category);
                }
            }
        }
    }
    if let Some(suggestion) = best {
        table.personal.push((name.to_owned(), suggestion));
    } else if !unmapped.is_empty() {
        let listed = unmapped.iter().take(5).map(|c| shown(c)).collect::<Vec<_>>().join(", ");
        table.personal_todo.push((
            name.to_owned(),
            format!(
                "choose a category (Fides categories {listed} have no mapping to a CCPA category)"
            ),
        ));
    }
}

/// Collects the categories and dotted paths of nested fields; `special` is set when
/// one carries an identity, a key or a reference, which cannot be declared.
fn flatten<'a>(
    prefix: &str,
    fields: &'a [Sp<Field>],
    categories: &mut Vec<&'a str>,
    paths: &mut Vec<String>,
    special: &mut bool,
) {
    for field in fields {
        let path = format!("{prefix}.{}", field.value.name.as_str());
        categories.extend(field.value.data_categories.iter().flatten().map(|c| c.as_str()));
        if let Some(meta) = field.value.meta() {
            *special |= meta.identity.is_some()
                || meta.primary_key == Some(true)
                || meta.references.as_ref().is_some_and(|r| !r.is_empty());
        }
        // Nesting is bounded by the YAML depth budget, so this recursion is too.
        if let Some(nested) = &field.value.fields {
            flatten(&path, nested, categories, paths, special);
        }
        paths.push(path);
    }
}

/// What a Fides category says about a column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mapped {
    /// Personal, with a suggestion.
    Personal(Suggestion),
    /// System or operational data, not about a person.
    NotPersonal,
    /// Personal, but without an equivalent here: a person chooses.
    Unknown,
}

use CcpaCategory::{
    Biometric as E, Commercial as D, CustomerRecords as B, Geolocation as G, Identifiers as A,
    Inferences as K, InternetActivity as F, Professional as I, ProtectedClassifications as C,
    Sensory as H,
};

const fn plain(ccpa: &'static [CcpaCategory], what: &'static str) -> Mapped {
    Mapped::Personal(Suggestion { ccpa, sensitive: None, what })
}

const fn spi(kind: SensitiveKind, what: &'static str) -> Mapped {
    Mapped::Personal(Suggestion { ccpa: &[CcpaCategory::Sensitive], sensitive: Some(kind), what })
}

/// Fideslang's `user.*` categories (taxonomy 2.x and 3.x) and the CCPA category or
/// sensitive kind each is, longest prefix first: a key maps by its longest listed
/// prefix, so `user.contact.address.city` maps as `user.contact.address`.
const CATEGORIES: &[(&str, Mapped)] = &[
    ("user.contact.email", plain(&[A], "an email address")),
    ("user.contact.phone_number", plain(&[A, B], "a phone number")),
    ("user.contact.fax_number", plain(&[A, B], "a fax number")),
    ("user.contact.address", plain(&[A, B], "a postal address")),
    ("user.contact.social_url", plain(&[A], "a profile address")),
    ("user.contact.url", plain(&[A], "a profile address")),
    ("user.contact", plain(&[A, B], "contact details")),
    ("user.name", plain(&[A], "a person's name")),
    ("user.account.username", plain(&[A], "an account name")),
    ("user.account", plain(&[A], "account information")),
    ("user.unique_id", plain(&[A], "a unique identifier")),
    ("user.device.cookie_id", plain(&[A, F], "an online identifier")),
    ("user.device.device_id", plain(&[A, F], "an online identifier")),
    ("user.device.ip_address", plain(&[A, F], "an IP address")),
    ("user.device", plain(&[F], "device and network activity")),
    ("user.behavior.purchase_history", plain(&[D], "purchase history")),
    ("user.behavior.media_consumption", plain(&[D], "media consumption")),
    ("user.behavior", plain(&[F], "browsing or search activity")),
    ("user.browsing_history", plain(&[F], "browsing activity")),
    ("user.search_history", plain(&[F], "search activity")),
    ("user.location.precise", spi(SensitiveKind::PreciseGeolocation, "a precise location")),
    ("user.location", plain(&[G], "a location")),
    (
        "user.government_id.immigration",
        spi(SensitiveKind::OriginBeliefsUnion, "immigration status"),
    ),
    ("user.government_id.birth_certificate", plain(&[A], "a government identifier")),
    ("user.government_id.vehicle_registration", plain(&[A], "a government identifier")),
    ("user.government_id", spi(SensitiveKind::GovernmentId, "a government id number")),
    (
        "user.authorization.biometric",
        spi(SensitiveKind::BiometricIdentification, "biometric credentials"),
    ),
    ("user.authorization", spi(SensitiveKind::AccountLogin, "account credentials")),
    ("user.credentials", spi(SensitiveKind::AccountLogin, "account credentials")),
    ("user.biometric", plain(&[E], "biometric information")),
    ("user.financial", plain(&[B], "financial details")),
    ("user.payment", plain(&[B], "payment details")),
    ("user.health_and_medical.genetic", spi(SensitiveKind::Genetic, "genetic data")),
    ("user.health.genetic", spi(SensitiveKind::Genetic, "genetic data")),
    ("user.health", spi(SensitiveKind::Health, "health information")),
    (
        "user.demographic.race_ethnicity",
        spi(SensitiveKind::OriginBeliefsUnion, "racial or ethnic origin"),
    ),
    (
        "user.demographic.religious_belief",
        spi(SensitiveKind::OriginBeliefsUnion, "religious beliefs"),
    ),
    (
        "user.demographic.philosophical_belief",
        spi(SensitiveKind::OriginBeliefsUnion, "philosophical beliefs"),
    ),
    (
        "user.demographic.union_membership",
        spi(SensitiveKind::OriginBeliefsUnion, "union membership"),
    ),
    (
        "user.demographic.citizenship_or_immigration_status",
        spi(SensitiveKind::OriginBeliefsUnion, "citizenship or immigration status"),
    ),
    (
        "user.demographic.sexual_orientation",
        spi(SensitiveKind::SexLifeOrientation, "sexual orientation"),
    ),
    ("user.demographic.profile", plain(&[K], "a profile of preferences")),
    ("user.demographic", plain(&[C], "demographic characteristics")),
    ("user.content.self_image", plain(&[H], "a picture of the person")),
    ("user.professional_information", plain(&[I], "professional information")),
    ("user.job_title", plain(&[I], "professional information")),
    ("user.workplace", plain(&[I], "professional information")),
    ("user.social_activity", plain(&[F], "social activity")),
    ("user.social", plain(&[F], "social activity")),
    ("user.sensor", plain(&[F], "sensor data")),
    ("user.user_sensor", plain(&[F], "sensor data")),
    ("user.telemetry", plain(&[F], "telemetry")),
];

/// Maps one Fides category key. Taxonomy 1.x keys (`user.provided.identifiable.…`,
/// `user.derived.identifiable.…`) are read as their 2.x equivalents.
fn map_category(key: &str) -> Mapped {
    let mut key = key.to_owned();
    for old in [
        "user.provided.identifiable.",
        "user.derived.identifiable.",
        "user.provided.nonidentifiable.",
        "user.derived.nonidentifiable.",
    ] {
        if let Some(rest) = key.strip_prefix(old) {
            key = format!("user.{rest}");
        }
    }
    if key == "system" || key.starts_with("system.") {
        return Mapped::NotPersonal;
    }
    CATEGORIES
        .iter()
        .filter(|(prefix, _)| {
            key == *prefix || key.strip_prefix(prefix).is_some_and(|r| r.starts_with('.'))
        })
        .max_by_key(|(prefix, _)| prefix.len())
        .map(|(_, mapped)| *mapped)
        .unwrap_or(Mapped::Unknown)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn categories_map_by_their_longest_prefix() {
        let sensitive = |key: &str| match map_category(key) {
            Mapped::Personal(s) => s.sensitive,
            _ => None,
        };
        assert_eq!(
            sensitive("user.government_id.passport_number"),
            Some(SensitiveKind::GovernmentId)
        );
        // The more specific entry wins over `user.government_id`.
        assert_eq!(
            sensitive("user.government_id.immigration"),
            Some(SensitiveKind::OriginBeliefsUnion)
        );
        assert_eq!(sensitive("user.location.precise"), Some(SensitiveKind::PreciseGeolocation));
        assert_eq!(sensitive("user.location.coarse"), None);
        assert!(
            matches!(map_category("user.contact.address.city"), Mapped::Personal(s) if s.ccpa == [A, B])
        );
        // A prefix must end at a dot: `user.names` is not `user.name`.
        assert_eq!(map_category("user.names"), Mapped::Unknown);
        assert_eq!(map_category("system.operations"), Mapped::NotPersonal);
        assert_eq!(map_category("user.children"), Mapped::Unknown);
        // Taxonomy 1.x.
        assert!(
            matches!(map_category("user.provided.identifiable.contact.email"), Mapped::Personal(s) if s.ccpa == [A])
        );
    }

    #[test]
    fn the_category_table_lists_longer_prefixes_with_their_shorter_ones() {
        // Every key is a fideslang key under `user.`, and no key is listed twice.
        let mut seen = BTreeSet::new();
        for (key, _) in CATEGORIES {
            assert!(key.starts_with("user."), "{key}");
            assert!(seen.insert(*key), "{key} is listed twice");
        }
    }
}
