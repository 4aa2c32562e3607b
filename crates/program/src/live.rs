//! The manifest against the live database: proposing annotations from a live schema
//! (`ombud systems discover`) and checking a declared system against one
//! (`ombud systems check`).
//!
//! A team should start from its real schema instead of typing it, and a manifest that
//! names a table the database no longer has fails every request that reaches it. Both
//! directions live here because they share one view of what a fulfilment needs: the
//! identity columns a request starts from, the references it follows, and the personal
//! columns it returns or erases (R-070, R-090). [`crate::fides`] proposes the same
//! annotations from a Fides dataset and renders them with [`render`].
//!
//! Pure: the live schema arrives as an [`ombud_core::schema::LiveSchema`] that a
//! connector read; nothing here touches a database.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use ombud_core::limits;
use ombud_core::schema::{LiveColumn, LiveSchema, LiveTable};
use ombud_core::{CcpaCategory, IdentityKind, SensitiveKind};

use crate::diagnostic::{Diagnostic, Severity};
use crate::lint;
use crate::model::{Program, SystemKind, Table};
use crate::span::Span;

/// Proposed annotations for one system, ready to paste under a manifest's `systems:`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Proposal {
    /// One `systems:` entry (id, engine, connection, tables), indented to paste under
    /// `systems:`. Every guess that needs a person is a `# … TODO …` comment, so the text
    /// parses as it is and `ombud check` reports no error for it.
    pub yaml: String,
    /// What a person should know about the proposal, one sentence each: what was left
    /// out and why.
    pub notes: Vec<String>,
}

// ---------------------------------------------------------------------------------
// Proposing annotations from a live schema

/// Proposes the annotations of system `system_id` from its live schema.
///
/// Every table with personal-looking columns or identity candidates is proposed, and
/// so is every table that references one of them by a foreign key (transitively), so a
/// request can reach it. Primary keys and single-column foreign keys are copied;
/// identity kinds and categories are guessed from column names and types (see
/// `docs/discovery.md`). With `program`, a guessed category becomes the program's own
/// category id when exactly one fits; otherwise the column is a TODO comment. When the
/// program already declares the system as a database, its engine and connection are kept.
pub fn propose(schema: &LiveSchema, program: Option<&Program>, system_id: &str) -> Proposal {
    let mut notes = Vec::new();
    let mut seen = BTreeSet::new();
    let mut tables = Vec::new();
    for table in &schema.tables {
        if !seen.insert(table.name.as_str()) {
            notes.push(format!(
                "the schema lists table {} twice; the first is proposed",
                shown(&table.name)
            ));
            continue;
        }
        if tables.len() == limits::PLAN_TABLES_PER_SYSTEM_MAX {
            notes.push(format!(
                "the database has more than {} tables, the most one system may declare; the rest are left out: split it into several systems",
                limits::PLAN_TABLES_PER_SYSTEM_MAX
            ));
            break;
        }
        tables.push(draft_of_live(table, &mut notes));
    }
    let draft = Draft { system_id, program, source: "ombud systems discover", tables };
    render(draft, notes)
}

/// Reads one live table into a draft: key, references, identity and personal guesses.
fn draft_of_live(table: &LiveTable, notes: &mut Vec<String>) -> DraftTable {
    let mut draft = DraftTable::new(&table.name);
    match table.primary_key.as_slice() {
        [] => {}
        [single] => draft.primary_key = Some(single.clone()),
        several => {
            let columns = several.iter().map(|c| shown(c)).collect::<Vec<_>>().join(", ");
            draft.comments.push(format!(
                "primary_key: TODO the primary key has several columns ({columns}); ombud declares one column that identifies a row"
            ));
            notes.push(format!(
                "table {} has a composite primary key ({columns}); declare one column that identifies a row, or none",
                shown(&table.name)
            ));
        }
    }
    let mut foreign: BTreeSet<&str> = BTreeSet::new();
    for key in &table.foreign_keys {
        match (key.columns.as_slice(), key.target_columns.as_slice()) {
            ([column], [target]) => {
                foreign.insert(column.as_str());
                draft.references.push((column.clone(), key.target_table.clone(), target.clone()));
            }
            (columns, targets) => {
                let columns = columns.iter().map(|c| shown(c)).collect::<Vec<_>>().join(", ");
                let targets = targets.iter().map(|c| shown(c)).collect::<Vec<_>>().join(", ");
                draft.comments.push(format!(
                    "references: TODO composite foreign key ({columns}) to {}({targets}); a reference is one column",
                    shown(&key.target_table)
                ));
                notes.push(format!(
                    "table {} has a composite foreign key ({columns}) to {}; a manifest reference is one column, so it is left out",
                    shown(&table.name),
                    shown(&key.target_table)
                ));
            }
        }
    }
    let table_name = normalize(&table.name);
    let is_pk = |column: &str| table.primary_key.len() == 1 && table.primary_key[0] == column;
    for column in &table.columns {
        let name = column.name.as_str();
        if let Some(kind) = identity_kind(&table_name, column, foreign.contains(name), is_pk(name))
        {
            draft.identity.push((column.name.clone(), kind));
        }
        if let Some(suggestion) = personal_suggestion(&table_name, column) {
            draft.personal.push((column.name.clone(), suggestion));
        }
    }
    draft
}

/// Tables a customer number identifies: their primary key is the customer's number.
const CUSTOMER_TABLES: [&str; 4] = ["customer", "customers", "client", "clients"];

/// Tables a user id identifies.
const USER_TABLES: [&str; 6] = ["user", "users", "account", "accounts", "app_user", "app_users"];

/// Tables whose rows are people, where a bare `name` is a person's name.
const PERSON_TABLES: [&str; 16] = [
    "customer",
    "customers",
    "client",
    "clients",
    "user",
    "users",
    "account",
    "accounts",
    "app_user",
    "app_users",
    "person",
    "people",
    "member",
    "members",
    "contact",
    "contacts",
];

/// The identity kind a column's name and type suggest, if any.
///
/// Emails and phone numbers are identities only in text columns; ids also in integer
/// and UUID columns. A foreign-key column is a reference, not an identity: the request
/// reaches its table through the referenced one.
fn identity_kind(
    table: &str,
    column: &LiveColumn,
    is_foreign: bool,
    is_primary: bool,
) -> Option<IdentityKind> {
    let name = normalize(&column.name);
    let kind = &column.data_type;
    let id_type = is_text(kind) || is_integer(kind) || is_uuid(kind);
    if is_email_name(&name) && is_text(kind) {
        return Some(IdentityKind::Email);
    }
    if is_phone_name(&name) && is_text(kind) {
        return Some(IdentityKind::Phone);
    }
    if !id_type || is_foreign {
        return None;
    }
    if is_primary && CUSTOMER_TABLES.contains(&table) {
        return Some(IdentityKind::CustomerId);
    }
    if is_primary && USER_TABLES.contains(&table) {
        return Some(IdentityKind::UserId);
    }
    match name.as_str() {
        "customer_id" | "customer_number" | "customer_no" | "customer_num" => {
            Some(IdentityKind::CustomerId)
        }
        "user_id" => Some(IdentityKind::UserId),
        "device_id" | "idfa" | "gaid" | "advertising_id" | "ad_id" | "idfv" => {
            Some(IdentityKind::DeviceId)
        }
        "cookie_id" | "anonymous_id" | "anon_id" | "visitor_id" => Some(IdentityKind::CookieId),
        _ => None,
    }
}

fn is_email_name(name: &str) -> bool {
    matches!(name, "email" | "e_mail" | "email_address" | "email_addr" | "mail" | "emailaddress")
        || name.ends_with("_email")
        || name.ends_with("_email_address")
}

fn is_phone_name(name: &str) -> bool {
    matches!(
        name,
        "phone"
            | "phone_number"
            | "phone_no"
            | "phonenumber"
            | "mobile"
            | "mobile_number"
            | "mobile_phone"
            | "tel"
            | "telephone"
            | "cell_phone"
            | "msisdn"
    ) || name.ends_with("_phone")
        || name.ends_with("_phone_number")
        || name.ends_with("_mobile")
}

/// The first word of a type, without its length or precision: `character varying(254)`
/// gives `character`.
fn type_head(data_type: &str) -> &str {
    data_type.split(['(', ' ']).next().unwrap_or_default()
}

fn is_text(data_type: &str) -> bool {
    let head = type_head(data_type);
    ["char", "text", "clob", "string"].iter().any(|word| head.contains(word))
}

fn is_integer(data_type: &str) -> bool {
    matches!(
        type_head(data_type),
        "int"
            | "integer"
            | "bigint"
            | "smallint"
            | "tinyint"
            | "mediumint"
            | "int2"
            | "int4"
            | "int8"
            | "serial"
            | "bigserial"
            | "smallserial"
    )
}

fn is_uuid(data_type: &str) -> bool {
    matches!(type_head(data_type), "uuid" | "uniqueidentifier")
}

/// A guess at what a column holds: CCPA letters that fit, in order of preference, or a
/// sensitive kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Suggestion {
    /// The CCPA categories that fit (R-002, REGULATIONS.md H1); unused when `sensitive`.
    pub ccpa: &'static [CcpaCategory],
    /// The kind of sensitive personal information (REGULATIONS.md H2), if it is one.
    pub sensitive: Option<SensitiveKind>,
    /// What the column holds, in a few words.
    pub what: &'static str,
}

const fn plain(ccpa: &'static [CcpaCategory], what: &'static str) -> Suggestion {
    Suggestion { ccpa, sensitive: None, what }
}

const fn sensitive(kind: SensitiveKind, what: &'static str) -> Suggestion {
    Suggestion { ccpa: &[CcpaCategory::Sensitive], sensitive: Some(kind), what }
}

use CcpaCategory::{
    CustomerRecords as B, Identifiers as A, InternetActivity as F, Professional as I,
    ProtectedClassifications as C, Sensory as H,
};

impl Suggestion {
    /// The suggestion in words, for a TODO comment.
    fn describe(&self) -> String {
        if let Some(kind) = self.sensitive {
            return format!("{}, sensitive personal information `sensitive: {kind}`", self.what);
        }
        let letters: Vec<String> = self
            .ccpa
            .iter()
            .map(|category| format!("`ccpa: {category}` ({})", category.letter()))
            .collect();
        format!("{}, {}", self.what, letters.join(" or "))
    }

    /// Whether a category of the program fits: the same sensitive kind, or for
    /// ordinary data one of the CCPA letters and no sensitive kind (ordinary data in a
    /// sensitive category would widen the right to limit for nothing).
    fn fits(&self, category: &crate::model::Category) -> bool {
        match self.sensitive {
            Some(kind) => category.sensitive == Some(kind),
            None => category.sensitive.is_none() && self.ccpa.contains(&category.ccpa),
        }
    }

    /// Whether `self` says more about the law than `other`: sensitive beats ordinary.
    pub(crate) fn stricter_than(&self, other: &Suggestion) -> bool {
        self.sensitive.is_some() && other.sensitive.is_none()
    }
}

/// What a column's name suggests it holds, if anything personal.
fn personal_suggestion(table: &str, column: &LiveColumn) -> Option<Suggestion> {
    let name = normalize(&column.name);
    let tokens: Vec<&str> = name.split('_').collect();
    let has = |words: &[&str]| tokens.iter().any(|token| words.contains(token));
    let contains = |parts: &[&str]| parts.iter().any(|part| name.contains(part));
    if has(&["ssn", "passport", "sin", "nino"])
        || contains(&[
            "social_security",
            "drivers_license",
            "driver_license",
            "national_id",
            "tax_id",
        ])
    {
        return Some(sensitive(SensitiveKind::GovernmentId, "a government id number"));
    }
    if has(&["password", "passwd", "pwd"]) || contains(&["security_answer", "secret_answer"]) {
        return Some(sensitive(SensitiveKind::AccountLogin, "account credentials"));
    }
    if has(&["latitude", "longitude", "lat", "lng", "lon", "gps", "geolocation", "coordinates"])
        || contains(&["lat_long", "latlong", "latlng", "lat_lng"])
    {
        return Some(sensitive(SensitiveKind::PreciseGeolocation, "a precise location"));
    }
    // Not the bare word `health`: `last_health_check` is about a server.
    if has(&["diagnosis", "medical", "allergy", "allergies", "prescription", "medication"])
        || name == "health"
        || contains(&["health_condition", "health_status", "health_record", "health_data"])
    {
        return Some(sensitive(SensitiveKind::Health, "health information"));
    }
    if has(&["race", "ethnicity", "religion", "citizenship", "immigration"])
        || contains(&["union_member"])
    {
        return Some(sensitive(
            SensitiveKind::OriginBeliefsUnion,
            "origin, beliefs, citizenship or union membership",
        ));
    }
    if contains(&["sexual_orientation"]) {
        return Some(sensitive(SensitiveKind::SexLifeOrientation, "sexual orientation"));
    }
    if has(&["fingerprint", "faceprint", "voiceprint", "iris"]) || contains(&["face_template"]) {
        return Some(sensitive(SensitiveKind::BiometricIdentification, "biometric identifiers"));
    }
    if name.starts_with("card_")
        || has(&["card", "last4", "iban", "pan"])
        || contains(&["account_number", "bank_account"])
    {
        return Some(plain(&[B], "payment card or bank details"));
    }
    if is_email_name(&name) {
        return Some(plain(&[A], "an email address"));
    }
    if is_phone_name(&name) {
        return Some(plain(&[A, B], "a phone number"));
    }
    if matches!(
        name.as_str(),
        "birth_date" | "birthdate" | "dob" | "date_of_birth" | "birthday" | "age"
    ) || has(&["gender", "sex"])
    {
        return Some(plain(&[C], "age or sex"));
    }
    if matches!(name.as_str(), "ip" | "ip_address" | "ip_addr" | "remote_addr" | "last_ip")
        || name.ends_with("_ip")
        || name.ends_with("_ip_address")
    {
        return Some(plain(&[A, F], "an IP address"));
    }
    if has(&["user_agent", "useragent"]) || contains(&["user_agent"]) {
        return Some(plain(&[F], "a browser's user agent"));
    }
    if matches!(
        name.as_str(),
        "device_id"
            | "idfa"
            | "gaid"
            | "advertising_id"
            | "ad_id"
            | "idfv"
            | "cookie_id"
            | "anonymous_id"
            | "anon_id"
            | "visitor_id"
    ) {
        return Some(plain(&[A, F], "an online identifier"));
    }
    let person_name =
        matches!(
            name.as_str(),
            "first_name"
                | "last_name"
                | "full_name"
                | "given_name"
                | "family_name"
                | "surname"
                | "middle_name"
                | "maiden_name"
                | "firstname"
                | "lastname"
                | "fullname"
                | "username"
                | "user_name"
        ) || ["contact", "recipient", "shipping", "billing", "legal", "preferred", "display"]
            .iter()
            .any(|prefix| name == format!("{prefix}_name"))
            || (name == "name" && PERSON_TABLES.contains(&table));
    if person_name && is_text(&column.data_type) {
        return Some(plain(&[A], "a person's name"));
    }
    // A MAC, IP or wallet address is not where a person lives.
    if (has(&["address", "street", "city", "postcode", "zip", "zipcode"])
        || contains(&["postal_code", "line1", "line_1", "line2", "line_2"]))
        && !has(&["mac", "ip", "wallet", "contract", "server", "host"])
    {
        return Some(plain(&[A, B], "a postal address"));
    }
    if has(&["photo", "avatar", "selfie", "recording", "voice"]) {
        return Some(plain(&[H], "a picture or recording"));
    }
    // Not the bare word `job`: `job_id` in a queue table is about work, not a person.
    if has(&["employer", "occupation", "salary"]) || contains(&["job_title"]) {
        return Some(plain(&[I], "professional information"));
    }
    if matches!(
        name.as_str(),
        "body" | "message" | "notes" | "note" | "comment" | "comments" | "content" | "bio"
    ) && is_text(&column.data_type)
    {
        return Some(plain(&[B], "free text a person wrote, which may hold anything"));
    }
    None
}

/// Lower case words joined by `_`: `shippingAddress`, `Shipping Address` and
/// `shipping-address` all give `shipping_address`.
fn normalize(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    let mut previous_lower = false;
    for c in name.chars().take(limits::ID_BYTES_MAX) {
        if c.is_ascii_alphanumeric() {
            if c.is_ascii_uppercase() && previous_lower && !out.ends_with('_') {
                out.push('_');
            }
            previous_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
            out.push(c.to_ascii_lowercase());
        } else {
            previous_lower = false;
            if !out.is_empty() && !out.ends_with('_') {
                out.push('_');
            }
        }
    }
    while out.ends_with('_') {
        out.pop();
    }
    out
}

// ---------------------------------------------------------------------------------
// The draft both discovery and the Fides import fill, and its rendering

/// One proposed table.
#[derive(Clone, Debug, Default)]
pub(crate) struct DraftTable {
    pub name: String,
    pub primary_key: Option<String>,
    /// Table-level TODO comments, without the leading `# `.
    pub comments: Vec<String>,
    pub identity: Vec<(String, IdentityKind)>,
    /// Identity columns without a kind of ours: the column and the TODO text.
    pub identity_todo: Vec<(String, String)>,
    pub personal: Vec<(String, Suggestion)>,
    /// Personal columns whose category is unknown: the column and the TODO text.
    pub personal_todo: Vec<(String, String)>,
    /// Column, referenced table, referenced column.
    pub references: Vec<(String, String, String)>,
}

impl DraftTable {
    pub(crate) fn new(name: &str) -> Self {
        DraftTable { name: name.to_owned(), ..DraftTable::default() }
    }

    fn speaks_of_people(&self) -> bool {
        !self.identity.is_empty()
            || !self.identity_todo.is_empty()
            || !self.personal.is_empty()
            || !self.personal_todo.is_empty()
    }
}

/// A proposed system.
pub(crate) struct Draft<'a> {
    pub system_id: &'a str,
    pub program: Option<&'a Program>,
    /// The command that made it, for the header comment.
    pub source: &'static str,
    pub tables: Vec<DraftTable>,
}

/// Whether a manifest can name this table or column: what `lower` accepts.
fn declarable(name: &str) -> bool {
    !name.is_empty() && name.len() <= limits::ID_BYTES_MAX && !name.chars().any(char::is_control)
}

/// Renders a draft as a `systems:` entry, with notes about what was left out.
pub(crate) fn render(draft: Draft<'_>, mut notes: Vec<String>) -> Proposal {
    let Draft { system_id, program, source, tables } = draft;
    // Names a manifest cannot hold are left out, and said so.
    let mut kept = Vec::with_capacity(tables.len());
    for mut table in tables {
        if !declarable(&table.name) {
            notes.push(format!(
                "table {} is left out: a manifest names tables in 1–{} bytes without control characters",
                shown(&table.name),
                limits::ID_BYTES_MAX
            ));
            continue;
        }
        let name = table.name.clone();
        let mut dropped = BTreeSet::new();
        let mut drop_column = |column: &str, notes: &mut Vec<String>| {
            let ok = declarable(column);
            if !ok && dropped.insert(column.to_owned()) {
                notes.push(format!(
                    "column {} of table {} is left out: a manifest names columns in 1–{} bytes without control characters",
                    shown(column),
                    shown(&name),
                    limits::ID_BYTES_MAX
                ));
            }
            ok
        };
        table.identity.retain(|(column, _)| drop_column(column, &mut notes));
        table.identity_todo.retain(|(column, _)| drop_column(column, &mut notes));
        table.personal.retain(|(column, _)| drop_column(column, &mut notes));
        table.personal_todo.retain(|(column, _)| drop_column(column, &mut notes));
        table.references.retain(|(column, _, target)| {
            drop_column(column, &mut notes) && drop_column(target, &mut notes)
        });
        if table.primary_key.as_deref().is_some_and(|pk| !drop_column(pk, &mut notes)) {
            table.primary_key = None;
        }
        kept.push(table);
    }
    let tables = kept;

    // A table is proposed when it speaks of people, or references (transitively) a
    // table that does, so a request can reach it: a walk from those tables along
    // references backwards, each table visited once.
    let mut referenced_by: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for table in &tables {
        for (_, target, _) in &table.references {
            referenced_by.entry(target.as_str()).or_default().push(table.name.as_str());
        }
    }
    let mut queue: Vec<&str> =
        tables.iter().filter(|t| t.speaks_of_people()).map(|t| t.name.as_str()).collect();
    let mut included: BTreeSet<&str> = queue.iter().copied().collect();
    while let Some(name) = queue.pop() {
        for &referencing in referenced_by.get(name).into_iter().flatten() {
            if included.insert(referencing) {
                queue.push(referencing);
            }
        }
    }

    let (engine, connection) = system_settings(program, system_id);
    let mut out = String::new();
    let _ = writeln!(out, "# Proposed by `{source}` for system {}.", shown(system_id));
    out.push_str("# Paste under `systems:`, review every line and resolve each TODO comment.\n");
    let _ = writeln!(out, "  - id: {}", yaml_scalar(system_id));
    out.push_str(&engine);
    out.push_str(&connection);
    let mut todo_columns = 0usize;
    let mut body = String::new();
    for table in tables.iter().filter(|t| included.contains(t.name.as_str())) {
        todo_columns += render_table(&mut body, table, &included, program, &mut notes);
    }
    if body.is_empty() {
        out.push_str("    tables: []\n");
    } else {
        out.push_str("    tables:\n");
        out.push_str(&body);
    }
    let left: Vec<String> = tables
        .iter()
        .filter(|t| !included.contains(t.name.as_str()))
        .map(|t| shown(&t.name))
        .collect();
    if !left.is_empty() {
        let _ = writeln!(out, "    # Not personal as far as names show: {}.", left.join(", "));
        notes.push(format!(
            "{} table(s) look not personal as far as their column names show and are left out: {}; check them",
            left.len(),
            left.join(", ")
        ));
    }
    if todo_columns > 0 {
        notes.push(format!(
            "{todo_columns} annotation(s) need a person's choice: see the TODO comments"
        ));
    }
    Proposal { yaml: out, notes }
}

/// The `engine:` and `connection:` lines: the program's own when it declares the
/// system as a database, else placeholders marked TODO.
fn system_settings(program: Option<&Program>, system_id: &str) -> (String, String) {
    let declared = program.and_then(|p| p.systems.iter().find(|s| s.id == system_id));
    if let Some(system) = declared
        && let SystemKind::Database { engine, connection_env, .. } = &system.kind
    {
        let connection = connection_env
            .as_ref()
            .map(|env| format!("    connection: env:{env}\n"))
            .unwrap_or_default();
        return (format!("    engine: {engine}\n"), connection);
    }
    let mut env: String = system_id
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_uppercase() } else { '_' })
        .take(limits::ID_BYTES_MAX - "_DATABASE_URL".len() - 1)
        .collect();
    if env.is_empty() || env.starts_with(|c: char| c.is_ascii_digit()) {
        env.insert(0, 'X');
    }
    (
        "    engine: postgres # TODO the engine of this database: postgres, mysql or sqlite\n"
            .to_owned(),
        format!(
            "    connection: env:{env}_DATABASE_URL # TODO the variable that holds its connection string\n"
        ),
    )
}

/// Renders one table; returns how many of its columns are TODO.
fn render_table(
    out: &mut String,
    table: &DraftTable,
    included: &BTreeSet<&str>,
    program: Option<&Program>,
    notes: &mut Vec<String>,
) -> usize {
    let _ = writeln!(out, "      - name: {}", yaml_scalar(&table.name));
    if let Some(pk) = &table.primary_key {
        let _ = writeln!(out, "        primary_key: {}", yaml_scalar(pk));
    }
    for comment in &table.comments {
        let _ = writeln!(out, "        # {comment}");
    }
    // Maps keep one entry per column: the first guess wins.
    let mut identity: BTreeMap<&str, IdentityKind> = BTreeMap::new();
    for (column, kind) in &table.identity {
        identity.entry(column.as_str()).or_insert(*kind);
    }
    let mut todo = 0;
    if !identity.is_empty() {
        out.push_str("        identity:\n");
        for (column, kind) in &identity {
            let _ = writeln!(out, "          {}: {kind}", yaml_scalar(column));
        }
    }
    let mut header = identity.is_empty().then_some(false);
    for (column, why) in
        table.identity_todo.iter().filter(|(c, _)| !identity.contains_key(c.as_str()))
    {
        todo += 1;
        commented_entry(out, &mut header, "identity", column, why);
    }

    let mut columns: BTreeMap<&str, Result<String, String>> = BTreeMap::new();
    for (column, suggestion) in &table.personal {
        columns.entry(column.as_str()).or_insert_with(|| choose(program, suggestion));
    }
    for (column, why) in &table.personal_todo {
        columns.entry(column.as_str()).or_insert_with(|| Err(why.clone()));
    }
    let chosen: Vec<(&str, &String)> =
        columns.iter().filter_map(|(c, r)| r.as_ref().ok().map(|id| (*c, id))).collect();
    if !chosen.is_empty() {
        out.push_str("        columns:\n");
        for (column, id) in &chosen {
            let _ = writeln!(out, "          {}: {}", yaml_scalar(column), yaml_scalar(id));
        }
    }
    let mut header = chosen.is_empty().then_some(false);
    for (column, why) in columns.iter().filter_map(|(c, r)| r.as_ref().err().map(|w| (*c, w))) {
        todo += 1;
        commented_entry(out, &mut header, "columns", column, why);
    }

    let mut references: BTreeMap<&str, String> = BTreeMap::new();
    for (column, target_table, target_column) in &table.references {
        if references.contains_key(column.as_str()) {
            notes.push(format!(
                "table {}: column {} has more than one foreign key; the first is proposed",
                shown(&table.name),
                shown(column)
            ));
            continue;
        }
        if !included.contains(target_table.as_str()) {
            notes.push(format!(
                "table {}: the reference {} → {}.{} is left out, as {} looks not personal; declare that table if it is",
                shown(&table.name),
                shown(column),
                shown(target_table),
                shown(target_column),
                shown(target_table)
            ));
            continue;
        }
        if target_table.contains('.') {
            notes.push(format!(
                "table {}: the reference {} → {} cannot be written as `table.column` because the table's name holds a `.`; rename the table or leave the reference out",
                shown(&table.name),
                shown(column),
                shown(target_table)
            ));
            continue;
        }
        references.insert(column.as_str(), format!("{target_table}.{target_column}"));
    }
    if !references.is_empty() {
        out.push_str("        references:\n");
        for (column, target) in &references {
            let _ = writeln!(out, "          {}: {}", yaml_scalar(column), yaml_scalar(target));
        }
    }
    todo
}

/// A mapping entry left for a person, as a comment to uncomment once decided. When the
/// mapping is not written (`header` is `Some`), its key comes first, commented too, once.
/// Under a mapping that is written, the entry is indented as its entries are.
fn commented_entry(
    out: &mut String,
    header: &mut Option<bool>,
    key: &str,
    column: &str,
    why: &str,
) {
    match header {
        None => {
            let _ = writeln!(out, "          # {}: TODO {why}", yaml_scalar(column));
            return;
        }
        Some(false) => {
            let _ = writeln!(out, "        # {key}:");
            *header = Some(true);
        }
        Some(true) => {}
    }
    let _ = writeln!(out, "        #   {}: TODO {why}", yaml_scalar(column));
}

/// The program's category for a suggestion when exactly one fits; else the TODO text.
fn choose(program: Option<&Program>, suggestion: &Suggestion) -> Result<String, String> {
    let Some(program) = program else {
        return Err(format!("choose a category (suggested: {})", suggestion.describe()));
    };
    let fitting: Vec<&str> = program
        .categories
        .iter()
        .filter(|category| suggestion.fits(category))
        .map(|category| category.id.as_str())
        .collect();
    match fitting.as_slice() {
        [one] => Ok((*one).to_owned()),
        [] => Err(format!(
            "choose a category (suggested: {}; no category of the program fits, so declare one)",
            suggestion.describe()
        )),
        several => Err(format!(
            "choose a category (suggested: {}; these fit: {})",
            suggestion.describe(),
            several.iter().map(|id| shown(id)).collect::<Vec<_>>().join(", ")
        )),
    }
}

/// A YAML scalar for a name: plain when it is a simple word that YAML reads as that
/// string, double-quoted with escapes otherwise (spaces, `:`, `#`, quotes, a leading
/// `-`, words YAML reads as booleans, numbers or null, control characters). The result
/// never holds a line break, so it is also safe inside a comment.
pub(crate) fn yaml_scalar(text: &str) -> String {
    const RESERVED: [&str; 14] =
        ["true", "false", "null", "yes", "no", "on", "off", "y", "n", "nan", "inf", "~", "<<", "="];
    let simple = text.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && text.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
        && !RESERVED.contains(&text.to_ascii_lowercase().as_str());
    if simple {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if c.is_control()
                || matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}' | '\u{fffe}' | '\u{ffff}') =>
            {
                let _ = write!(out, "\\u{:04X}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A name as a note or a comment shows it: in backticks, at most 80 characters,
/// control characters escaped, so a hostile name can neither break a line nor flood
/// the terminal.
pub(crate) fn shown(name: &str) -> String {
    const CHARS_MAX: usize = 80;
    let mut out = String::from("`");
    for (index, c) in name.chars().enumerate() {
        if index == CHARS_MAX {
            out.push('…');
            break;
        }
        if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}' | '`') {
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    out.push('`');
    out
}

// ---------------------------------------------------------------------------------
// Checking a declared system against the live schema

/// Edit-distance work spent on "closest names" per check, so a schema of thousands of
/// tables with long names stays fast. About 20 ms of work.
const CLOSEST_CELLS_MAX: u64 = 20_000_000;

/// Checks the database system `system_id` of `program` against its live schema:
/// declared tables and columns that the database lacks (L037, L038) and lookup columns
/// without an index (L039).
///
/// These lints need the live database, so [`crate::check`] never runs them; the CLI
/// runs them for `ombud systems check`. Diagnostics point
/// at the manifest's declarations and are sorted by position.
pub fn check_system(program: &Program, system_id: &str, schema: &LiveSchema) -> Vec<Diagnostic> {
    let Some(system) = program.systems.iter().find(|s| s.id == system_id) else {
        let databases: Vec<String> = program
            .systems
            .iter()
            .filter(|s| matches!(s.kind, SystemKind::Database { .. }))
            .map(|s| format!("`{}`", s.id))
            .collect();
        let help = if databases.is_empty() {
            "the manifest declares no database system; `ombud systems discover` proposes one"
                .to_owned()
        } else {
            format!("the manifest's databases are {}", databases.join(", "))
        };
        return vec![
            Diagnostic::error(
                "V001",
                Span::default(),
                format!("unknown system {}", shown(system_id)),
            )
            .with_help(help),
        ];
    };
    let SystemKind::Database { tables, .. } = &system.kind else {
        return vec![
            Diagnostic::error(
                "V007",
                system.span,
                format!("system `{}` is a service provider, not a database", system.id),
            )
            .with_help("only a database system can be checked against a live schema"),
        ];
    };
    let mut out = Vec::new();
    let mut budget = CLOSEST_CELLS_MAX;
    // Lookup columns, per table, with the span to report at: fulfilment starts at an
    // identity column and follows each reference in both directions, so both ends are
    // looked up by value.
    let mut lookups: BTreeMap<&str, BTreeMap<&str, Span>> = BTreeMap::new();
    for table in tables {
        for (column, _) in &table.identity {
            lookups.entry(&table.name).or_default().entry(column).or_insert(table.span);
        }
        for reference in &table.references {
            lookups
                .entry(&table.name)
                .or_default()
                .entry(&reference.column)
                .or_insert(reference.span);
            lookups
                .entry(&reference.table)
                .or_default()
                .entry(&reference.target_column)
                .or_insert(reference.span);
        }
    }
    for table in tables {
        let Some(live) = schema.table(&table.name) else {
            out.push(missing_table(system_id, table, schema, &mut budget));
            continue;
        };
        let mut missing: BTreeSet<&str> = BTreeSet::new();
        for (column, span, role) in declared_columns(table) {
            if live.column(column).is_none() && missing.insert(column) {
                out.push(missing_column(system_id, &table.name, column, role, span, live));
            }
        }
        for reference in &table.references {
            let Some(target) = schema.table(&reference.table) else { continue };
            if target.column(&reference.target_column).is_none()
                && !is_declared_in(tables, &reference.table, &reference.target_column)
            {
                out.push(
                    emit(
                        "L038",
                        reference.span,
                        format!(
                            "column {} of table {}, which `{}.{}` references in system `{system_id}`, is not in the database",
                            shown(&reference.target_column),
                            shown(&reference.table),
                            table.name,
                            reference.column
                        ),
                    )
                    .with_help(column_help(target, &reference.target_column)),
                );
            }
        }
        for (column, span) in lookups.get(table.name.as_str()).into_iter().flatten() {
            if live.column(column).is_some() && !live.is_indexed(column) {
                out.push(
                    emit(
                        "L039",
                        *span,
                        format!(
                            "column {} of table {} in system `{system_id}` is looked up by fulfilment but has no index",
                            shown(column),
                            shown(&table.name)
                        ),
                    )
                    .with_help(format!(
                        "every fulfilment step is an index lookup; add an index on {}({}), or a request scans the whole table",
                        table.name, column
                    )),
                );
            }
        }
    }
    crate::diagnostic::sort(&mut out);
    out
}

/// Whether `column` is one the manifest declares on `table` (so a missing one is
/// already reported there).
fn is_declared_in(tables: &[Table], table: &str, column: &str) -> bool {
    tables
        .iter()
        .filter(|t| t.name == table)
        .any(|t| declared_columns(t).any(|(c, _, _)| c == column))
}

/// Every column a table declares, with where and as what.
fn declared_columns(table: &Table) -> impl Iterator<Item = (&str, Span, &'static str)> {
    let pk = table.primary_key.iter().map(move |c| (c.as_str(), table.span, "primary key"));
    let identity = table.identity.iter().map(move |(c, _)| (c.as_str(), table.span, "identity"));
    let personal = table.columns.iter().map(|c| (c.name.as_str(), c.span, "personal"));
    let references = table.references.iter().map(|r| (r.column.as_str(), r.span, "reference"));
    let erase = table.erase_columns.iter().map(move |(c, _)| (c.as_str(), table.span, "erasure"));
    pk.chain(identity).chain(personal).chain(references).chain(erase)
}

fn emit(code: &'static str, span: Span, message: String) -> Diagnostic {
    let lint = lint::LINTS.iter().find(|lint| lint.code == code);
    Diagnostic {
        code,
        severity: lint.map(|l| l.severity).unwrap_or(Severity::Error),
        span,
        message,
        help: None,
        citation: lint.map(|l| l.citation),
    }
}

fn missing_table(
    system_id: &str,
    table: &Table,
    schema: &LiveSchema,
    budget: &mut u64,
) -> Diagnostic {
    let names = schema.tables.iter().map(|t| t.name.as_str());
    let close = closest_names(&table.name, names, 3, budget);
    let found = if schema.tables.is_empty() {
        "discovery found no tables at all (is it the right database and schema?)".to_owned()
    } else if close.is_empty() {
        let first: Vec<String> = schema.tables.iter().take(5).map(|t| shown(&t.name)).collect();
        let more = schema.tables.len().saturating_sub(first.len());
        let more = if more > 0 { format!(" and {more} more") } else { String::new() };
        format!("discovery found: {}{more}", first.join(", "))
    } else {
        format!(
            "discovery found: {}",
            close.iter().map(|n| shown(n)).collect::<Vec<_>>().join(", ")
        )
    };
    emit(
        "L037",
        table.span,
        format!("table {} of system `{system_id}` is not in the database; {found}", shown(&table.name)),
    )
    .with_help("fix the table's name, or remove it if it was dropped; `ombud systems discover` lists the live tables")
}

fn missing_column(
    system_id: &str,
    table: &str,
    column: &str,
    role: &str,
    span: Span,
    live: &LiveTable,
) -> Diagnostic {
    emit(
        "L038",
        span,
        format!(
            "{role} column {} of table {} in system `{system_id}` is not in the database",
            shown(column),
            shown(table)
        ),
    )
    .with_help(column_help(live, column))
}

fn column_help(live: &LiveTable, column: &str) -> String {
    let mut budget = CLOSEST_CELLS_MAX;
    let close = closest_names(column, live.columns.iter().map(|c| c.name.as_str()), 3, &mut budget);
    if close.is_empty() {
        "fix the column's name, or remove the annotation if the column was dropped".to_owned()
    } else {
        format!(
            "the table has {}; fix the column's name, or remove the annotation if the column was dropped",
            close.iter().map(|n| shown(n)).collect::<Vec<_>>().join(", ")
        )
    }
}

/// Up to `count` candidates closest to `word` by edit distance (case-insensitive),
/// closest first, ties by name; only those within half the longer length, or that
/// start with the other. Spends
/// `budget` edit-distance cells and stops when it is spent.
fn closest_names<'a>(
    word: &str,
    candidates: impl Iterator<Item = &'a str>,
    count: usize,
    budget: &mut u64,
) -> Vec<&'a str> {
    const CHARS_MAX: usize = 128;
    let word: Vec<char> = word.chars().take(CHARS_MAX).flat_map(char::to_lowercase).collect();
    let mut scored: Vec<(usize, &'a str)> = Vec::new();
    for candidate in candidates {
        let chars: Vec<char> =
            candidate.chars().take(CHARS_MAX).flat_map(char::to_lowercase).collect();
        let allowed = word.len().max(chars.len()) / 2;
        // `orders` and `orders_archive` are related whatever their distance.
        let is_prefix = word.len().min(chars.len()) >= 3
            && (chars.starts_with(&word) || word.starts_with(&chars));
        if !is_prefix && word.len().abs_diff(chars.len()) > allowed {
            continue;
        }
        let cells = u64::try_from((word.len() + 1) * (chars.len() + 1)).unwrap_or(u64::MAX);
        if cells > *budget {
            *budget = 0;
            break;
        }
        *budget -= cells;
        let distance = edit_distance(&word, &chars);
        if distance <= allowed || is_prefix {
            scored.push((distance, candidate));
        }
    }
    scored.sort_unstable();
    scored.into_iter().take(count).map(|(_, name)| name).collect()
}

fn edit_distance(a: &[char], b: &[char]) -> usize {
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        current[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn parse_scalar(yaml: &str) -> String {
        serde_saphyr::from_str::<String>(yaml).unwrap_or_else(|e| panic!("{yaml}: {e}"))
    }

    #[test]
    fn simple_names_stay_plain_and_the_rest_is_quoted() {
        assert_eq!(yaml_scalar("email"), "email");
        assert_eq!(yaml_scalar("customers.id"), "customers.id");
        assert_eq!(yaml_scalar("first name"), "\"first name\"");
        assert_eq!(yaml_scalar("a: b"), "\"a: b\"");
        assert_eq!(yaml_scalar("#x"), "\"#x\"");
        assert_eq!(yaml_scalar("-x"), "\"-x\"");
        assert_eq!(yaml_scalar("true"), "\"true\"");
        assert_eq!(yaml_scalar("Null"), "\"Null\"");
        assert_eq!(yaml_scalar("123"), "\"123\"");
        assert_eq!(yaml_scalar("say \"hi\"\n"), "\"say \\\"hi\\\"\\n\"");
        assert_eq!(yaml_scalar(""), "\"\"");
    }

    #[test]
    fn names_are_normalized_to_words() {
        assert_eq!(normalize("shippingAddress"), "shipping_address");
        assert_eq!(normalize("Shipping Address"), "shipping_address");
        assert_eq!(normalize("E-Mail"), "e_mail");
        assert_eq!(normalize("__id__"), "id");
        assert_eq!(normalize("IPAddress"), "ipaddress");
    }

    #[test]
    fn words_about_machines_are_not_personal() {
        let guess = |table: &str, name: &str, kind: &str| {
            personal_suggestion(
                table,
                &LiveColumn { name: name.into(), data_type: kind.into(), nullable: true },
            )
        };
        for (name, kind) in [
            ("last_health_check", "timestamp"),
            ("mac_address", "text"),
            ("server_address", "text"),
            ("job_id", "bigint"),
            ("name", "text"),
            ("description", "text"),
            ("email_verified", "boolean"),
            ("message", "integer"),
        ] {
            assert_eq!(guess("products", name, kind), None, "{name}");
        }
        assert_eq!(guess("customers", "name", "text").map(|s| s.ccpa), Some(&[A][..]));
        assert_eq!(guess("t", "shippingAddress", "text").map(|s| s.ccpa), Some(&[A, B][..]));
        assert_eq!(guess("t", "job_title", "text").map(|s| s.ccpa), Some(&[I][..]));
        assert_eq!(
            guess("t", "health_status", "text").and_then(|s| s.sensitive),
            Some(SensitiveKind::Health)
        );
        assert_eq!(
            guess("t", "passport_no", "text").and_then(|s| s.sensitive),
            Some(SensitiveKind::GovernmentId)
        );
    }

    #[test]
    fn types_are_read_by_their_first_word() {
        assert!(is_text("character varying(254)"));
        assert!(is_text("varchar(64)"));
        assert!(is_text("text"));
        assert!(!is_text("integer"));
        assert!(is_integer("bigint"));
        assert!(is_integer("int(11)"));
        // Words that merely contain "int" are not integers.
        assert!(!is_integer("point"));
        assert!(!is_integer("interval"));
        assert!(is_uuid("uuid"));
    }

    #[test]
    fn closest_names_rank_by_distance_and_respect_the_budget() {
        let names = ["customers", "customer_notes", "orders", "customer"];
        let mut budget = u64::MAX;
        assert_eq!(
            closest_names("customer", names.iter().copied(), 2, &mut budget),
            ["customer", "customers"]
        );
        let mut spent = 0;
        assert!(closest_names("customer", names.iter().copied(), 3, &mut spent).is_empty());
    }

    proptest! {
        #[test]
        fn any_name_round_trips_through_yaml(name in any::<String>()) {
            let scalar = yaml_scalar(&name);
            prop_assert!(!scalar.contains('\n') && !scalar.contains('\r'));
            prop_assert_eq!(parse_scalar(&format!("{scalar}\n")), name.clone());
            // As a key of a mapping, too.
            let map: BTreeMap<String, String> =
                serde_saphyr::from_str(&format!("{scalar}: x\n")).unwrap_or_default();
            prop_assert_eq!(map.get(&name).map(String::as_str), Some("x"));
        }

        #[test]
        fn shown_names_never_break_a_line(name in any::<String>()) {
            let text = shown(&name);
            prop_assert!(!text.chars().any(|c| c.is_control()));
            prop_assert!(text.chars().count() <= 84);
        }
    }
}
