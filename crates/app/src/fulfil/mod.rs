//! Fulfilment: finding, exporting, erasing and correcting one person's data in the
//! company's own databases (issue 4; DESIGN.md Fulfilment; REGULATIONS.md B6–B8).
//!
//! The plan comes from the manifest ([`ombud_program::plan`]); the rows from the
//! connectors ([`ombud_connect`]); the package from [`ombud_package`]. This module
//! ties them to a request: who the person is (the one identifier the request was
//! verified with), what the law lets them see, and the evidence left behind —
//! audit events, erasure receipts, tombstones — never the values themselves.

pub mod collect;
pub mod erase;
pub mod jobs;
pub mod lookup;

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use jiff::tz::TimeZone;
use ombud_connect::{ConnectError, Connector, Value};
use ombud_core::Reference as _;
use ombud_core::audit::to_hex;
use ombud_core::id::Id;
use ombud_core::request::{DenialBasis, DenialReason, Event, Status};
use ombud_core::sensitive::Sensitive;
use ombud_core::{IdentityKind, RequestType};
use ombud_package::{Cell, ColumnData, PackageKind, RequestFacts, TableData};
use ombud_program::Program;
use ombud_program::plan::{self, SystemPlan};
use ombud_store::fulfilment::PackageInfo;
use ombud_store::requests::Subject;
use serde::Serialize;
use serde_json::json;
use sha2::{Digest as _, Sha256};
use zeroize::Zeroizing;

use self::collect::{Identity, Reader, StepRows, collect};
use self::erase::{Scrambler, TableOutcome};
use crate::{Actor, App, AppError};

/// How long an access package is kept before its content is purged (R-073 asks that
/// it be delivered; keeping a copy of everything longer than needed is a risk).
pub const PACKAGE_LIFETIME_MS_DEFAULT: i64 = 30 * 24 * 60 * 60 * 1000;
/// How long a download link works.
pub const LINK_LIFETIME_MS_DEFAULT: i64 = 7 * 24 * 60 * 60 * 1000;

/// How ombud connects to a company database for fulfilment: the connector's defaults,
/// with the per-query row cap raised to what one person may have in one table (a
/// query past it is an error, never a short answer).
pub fn connector_options() -> ombud_connect::ConnectorOptions {
    ombud_connect::ConnectorOptions {
        rows_per_query_max: ombud_core::limits::FULFIL_ROWS_PER_TABLE_MAX,
        ..ombud_connect::ConnectorOptions::default()
    }
}

/// The company's databases and how to reach them.
pub struct Fulfilment {
    /// The program whose systems these are.
    pub program: Arc<Program>,
    /// Connected systems by id.
    pub connectors: BTreeMap<String, Connector>,
    /// Planned systems that could not be connected, with the reason (no value).
    pub unavailable: BTreeMap<String, String>,
    /// How long packages are kept.
    pub package_lifetime_ms: i64,
    /// How long a download link works.
    pub link_lifetime_ms: i64,
}

impl fmt::Debug for Fulfilment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Fulfilment")
            .field("systems", &self.connectors.keys().collect::<Vec<_>>())
            .field("unavailable", &self.unavailable.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

/// Why fulfilment failed. Names systems and tables, never values.
#[derive(Debug)]
pub enum FulfilError {
    /// A connector failed.
    Connect {
        /// The system.
        system: String,
        /// What happened.
        error: ConnectError,
    },
    /// A table holds more rows for the person than a request may touch.
    TooManyRows {
        /// The system.
        system: String,
        /// The table.
        table: String,
        /// The cap.
        cap: u32,
    },
    /// A table must be erased by row but declares no primary key.
    NoPrimaryKey {
        /// The system.
        system: String,
        /// The table.
        table: String,
    },
}

impl fmt::Display for FulfilError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FulfilError::Connect { error, .. } => write!(f, "{error}"),
            FulfilError::TooManyRows { system, table, cap } => write!(
                f,
                "table `{table}` of system `{system}` holds more than {cap} rows for this person; \
                 nothing was changed — fulfil this request by hand or raise the limit in a reviewed build"
            ),
            FulfilError::NoPrimaryKey { system, table } => write!(
                f,
                "table `{table}` of system `{system}` declares no primary key, so its rows cannot be erased one by one; \
                 add `primary_key:` to the table in the manifest"
            ),
        }
    }
}

impl From<FulfilError> for AppError {
    fn from(error: FulfilError) -> AppError {
        match &error {
            FulfilError::Connect { error: e, .. } if ombud_connect::is_transient(e) => {
                AppError::Unavailable(error.to_string())
            }
            // A missing table, a refused statement, a login refused: retrying will not
            // help; a person has to fix the manifest or the database.
            FulfilError::Connect { .. } => AppError::Invalid(error.to_string()),
            FulfilError::TooManyRows { .. } | FulfilError::NoPrimaryKey { .. } => {
                AppError::Invalid(error.to_string())
            }
        }
    }
}

/// The identities fulfilment looks for, from a request's subject: the one identifier
/// the answer goes to (the same rule as verification, `LookupQuery::for_subject`), so
/// giving someone else's phone number beside one's own address reaches nobody else.
pub fn identities_of(program: &Program, subject: &Subject) -> Vec<Identity> {
    let query = crate::lookup::LookupQuery::for_subject(
        subject.email.as_deref(),
        subject.phone.as_deref(),
        subject.account_id.as_deref(),
    );
    identities_for(program, &query)
}

/// The identity a lookup query names (it names one identifier: `LookupQuery::for_subject`).
pub fn identities_for(program: &Program, query: &crate::lookup::LookupQuery) -> Vec<Identity> {
    let own = |kind, value: &Sensitive<String>| Identity { kind, value: value.clone() };
    if let Some(email) = &query.email {
        vec![own(IdentityKind::Email, email)]
    } else if let Some(phone) = &query.phone {
        vec![own(IdentityKind::Phone, phone)]
    } else if let Some(account) = &query.account_id {
        vec![own(account_kind(program), account)]
    } else {
        Vec::new()
    }
}

/// Which identity kind an account id is: the business's customer number when the
/// program declares one, else its user id — one kind, never both, so a customer 42
/// and a user 42 who are different people are never taken for one.
pub fn account_kind(program: &Program) -> IdentityKind {
    let declares_customer_id = program.systems.iter().any(|s| match &s.kind {
        ombud_program::model::SystemKind::Database { tables, .. } => {
            tables.iter().any(|t| t.identity.iter().any(|(_, k)| *k == IdentityKind::CustomerId))
        }
        ombud_program::model::SystemKind::ServiceProvider { .. } => false,
    });
    if declares_customer_id { IdentityKind::CustomerId } else { IdentityKind::UserId }
}

fn kinds(identities: &[Identity]) -> Vec<IdentityKind> {
    let mut kinds: Vec<IdentityKind> = identities.iter().map(|i| i.kind).collect();
    kinds.dedup();
    kinds
}

/// What a dry run found in one table.
#[derive(Clone, Debug, Serialize)]
pub struct TableCount {
    /// The table.
    pub table: String,
    /// Rows found.
    pub rows: u64,
    /// What erasure would do.
    pub action: String,
}

/// A dry run of one system.
#[derive(Clone, Debug, Serialize)]
pub struct SystemDryRun {
    /// The system.
    pub system: String,
    /// The plan, as text.
    pub plan: String,
    /// Rows per table, or the error that stopped the count.
    pub tables: Vec<TableCount>,
    /// Why the system could not be read, if it could not.
    pub error: Option<String>,
}

/// The outcome of erasing one system.
#[derive(Clone, Debug, Serialize)]
pub struct SystemErasure {
    /// The system.
    pub system: String,
    /// Per table.
    pub tables: Vec<TableOutcome>,
    /// Whether an earlier attempt had done it already (this one changed nothing).
    pub already_done: bool,
}

/// A ready access package.
#[derive(Debug)]
pub struct PackageReady {
    /// The package.
    pub info: PackageInfo,
    /// The download token, shown once.
    pub link_token: Sensitive<String>,
}

/// One correction to make.
#[derive(Clone, Debug)]
pub struct Correction {
    /// The system.
    pub system: String,
    /// The table.
    pub table: String,
    /// The column (a personal column of the table in the manifest).
    pub column: String,
    /// The corrected value.
    pub value: Sensitive<String>,
}

/// The keyed hashes and randomness erasure uses: keyed by the store's keyring, so a
/// hash cannot be reversed by hashing guesses without the installation's key.
struct StoreScrambler<'a>(&'a App);

impl Scrambler for StoreScrambler<'_> {
    fn keyed_hash_hex(&self, label: &str, value: &[u8]) -> String {
        to_hex(&self.0.store().keys().secret_mac(label, value))
    }

    fn random_bytes(&self, n: usize) -> Vec<u8> {
        let mut bytes = vec![0u8; n];
        // The OS random source; on failure fall back to the keyed hash of a fresh id,
        // which is still unpredictable without the installation key.
        if getrandom::fill(&mut bytes).is_err() {
            let id = self.0.ids.id(self.0.now()).to_string();
            let mac = self.0.store().keys().secret_mac("erasure_random", id.as_bytes());
            for (slot, byte) in bytes.iter_mut().zip(mac.iter().cycle()) {
                *slot = *byte;
            }
        }
        bytes
    }
}

fn cell(value: &Value) -> Cell {
    match value {
        Value::Null => Cell::Null,
        Value::Bool(b) => Cell::Bool(*b),
        Value::Int(i) => Cell::Int(*i),
        Value::Float(f) => Cell::Float(*f),
        Value::Text(t) => Cell::Text(t.clone()),
        Value::Bytes(b) => Cell::Bytes(b.clone()),
    }
}

impl App {
    /// Adds the company's databases, for fulfilment.
    pub fn with_fulfilment(mut self, fulfilment: Arc<Fulfilment>) -> App {
        self.fulfilment = Some(fulfilment);
        self
    }

    /// The fulfilment context, or an error saying how to configure it.
    pub fn fulfilment(&self) -> Result<&Fulfilment, AppError> {
        self.fulfilment.as_deref().ok_or_else(|| {
            AppError::Invalid(
                "fulfilment needs the program and its databases: pass --program and set each system's connection variable"
                    .to_owned(),
            )
        })
    }

    fn connector(&self, system: &str) -> Result<&Connector, AppError> {
        let fulfilment = self.fulfilment()?;
        fulfilment.connectors.get(system).ok_or_else(|| match fulfilment.unavailable.get(system) {
            Some(why) => {
                AppError::Unavailable(format!("system `{system}` is not connected: {why}"))
            }
            None => {
                AppError::Invalid(format!("system `{system}` is not a database of the program"))
            }
        })
    }

    fn plan(&self, system: &str, identities: &[Identity]) -> Result<SystemPlan, AppError> {
        let program = &self.fulfilment()?.program;
        plan::compile(program, system, &kinds(identities))
            .map_err(|e| AppError::Invalid(e.to_string()))
    }

    /// The planned systems (controller databases) of the program.
    pub fn planned_systems(&self) -> Result<Vec<String>, AppError> {
        let (planned, _) = plan::database_systems(&self.fulfilment()?.program);
        Ok(planned.into_iter().map(str::to_owned).collect())
    }

    /// Plans and counts, touching nothing: what `ombud fulfil --dry-run` prints.
    pub async fn dry_run(&self, identities: &[Identity]) -> Result<Vec<SystemDryRun>, AppError> {
        let mut out = Vec::new();
        for system in self.planned_systems()? {
            let plan = self.plan(&system, identities)?;
            let mut run = SystemDryRun {
                system: system.clone(),
                plan: plan.describe(),
                tables: Vec::new(),
                error: None,
            };
            match self.connector(&system) {
                Err(e) => run.error = Some(e.to_string()),
                Ok(connector) => {
                    match collect(&mut Reader::Pool(connector), &plan, identities).await {
                        Err(e) => run.error = Some(e.to_string()),
                        Ok(read) => {
                            run.tables = plan
                                .steps
                                .iter()
                                .zip(&read)
                                .map(|(step, rows)| TableCount {
                                    table: step.table.clone(),
                                    rows: u64::try_from(rows.rows.len()).unwrap_or(u64::MAX),
                                    action: step.action.describe(),
                                })
                                .collect();
                        }
                    }
                }
            }
            out.push(run);
        }
        Ok(out)
    }

    /// Reads the person's rows in every planned system, as package tables.
    pub async fn gather(&self, identities: &[Identity]) -> Result<Vec<TableData>, AppError> {
        let mut tables = Vec::new();
        for system in self.planned_systems()? {
            let plan = self.plan(&system, identities)?;
            if plan.steps.is_empty() {
                continue;
            }
            let connector = self.connector(&system)?;
            let read = collect(&mut Reader::Pool(connector), &plan, identities).await?;
            tables.extend(package_tables(&plan, &read));
        }
        Ok(tables)
    }

    /// Builds, stores and links the access package of a request to know or access
    /// specific pieces for access and portability, categories for know.
    pub async fn build_package(&self, id: Id, actor: &Actor) -> Result<PackageReady, AppError> {
        let fulfilment = self.fulfilment()?;
        let (record, subject) = {
            let mut tx = self.store().read().await?;
            let record =
                tx.request(id).await.map_err(|_| AppError::NotFound(format!("no request {id}")))?;
            let subject = tx.subject(id).await?;
            (record, subject)
        };
        let kind = match record.request.effective_type {
            RequestType::Access | RequestType::Portability => PackageKind::Access,
            RequestType::Know => PackageKind::Categories,
            other => {
                return Err(AppError::Invalid(format!(
                    "request {id} is a `{}` request; packages answer requests to know, access and portability",
                    other.id()
                )));
            }
        };
        ready_to_fulfil(record.request.status, id)?;
        let identities = identities_of(&self.fulfilment()?.program, &subject);
        if identities.is_empty() {
            return Err(AppError::Invalid(format!(
                "request {id} names no email, phone or account id to look for"
            )));
        }
        let data = self.gather(&identities).await?;
        let now = self.now();
        let (_, left_out) = plan::database_systems(&fulfilment.program);
        // A system with no identity column of this kind was not searched: saying "we
        // found nothing" there would be untrue.
        let (mut searchable, mut unsearchable) = (Vec::new(), Vec::new());
        for system in self.planned_systems()? {
            if self.plan(&system, &identities)?.steps.is_empty() {
                unsearchable.push(system);
            } else {
                searchable.push(system);
            }
        }
        let facts = RequestFacts {
            reference: id.to_string(),
            request_type: record.request.effective_type,
            law: record.request.law,
            received_on: record.request.received_at.to_zoned(TimeZone::UTC).date().to_string(),
            generated_at: now.to_string(),
            generated_at_unix_s: now.as_second(),
            searched_systems: searchable.clone(),
            not_searched: left_out
                .iter()
                .map(|(s, why)| ((*s).to_owned(), (*why).to_owned()))
                .chain(unsearchable.iter().map(|s| {
                    (
                        s.clone(),
                        "holds no identity of the kind the request was verified with, so it could not be searched"
                            .to_owned(),
                    )
                }))
                .collect(),
        };
        let package =
            ombud_package::build(&fulfilment.program, &facts, kind, &data).map_err(|e| {
                AppError::Invalid(format!("the access package could not be built: {e}"))
            })?;
        let info = PackageInfo {
            id: self.ids.id(now),
            request_id: id,
            kind: match kind {
                PackageKind::Access => "access".to_owned(),
                PackageKind::Categories => "categories".to_owned(),
            },
            size_bytes: u64::try_from(package.zip.len()).unwrap_or(u64::MAX),
            sha256_hex: to_hex(&Sha256::digest(&package.zip)),
            rows_included: package.rows,
            created_at_ms: now.as_millisecond(),
            purge_at_ms: now.as_millisecond().saturating_add(fulfilment.package_lifetime_ms),
            purged_at_ms: None,
        };
        let mut token_bytes = [0u8; 32];
        getrandom::fill(&mut token_bytes).map_err(|_| {
            AppError::Unavailable("no secure randomness for the download link".to_owned())
        })?;
        let token = to_hex(&token_bytes);
        let mut tx = self.store().begin().await?;
        let mut record = tx.request_for_update(id).await?;
        tx.add_package(&info, &package.zip).await?;
        tx.add_package_link(
            token.as_bytes(),
            info.id,
            id,
            now.as_millisecond(),
            now.as_millisecond().saturating_add(fulfilment.link_lifetime_ms),
        )
        .await?;
        let payload = json!({
            "package": info.id.to_string(),
            "kind": info.kind,
            "rows": info.rows_included,
            "bytes": info.size_bytes,
            "sha256": info.sha256_hex,
            "withheld_columns": package.withheld_columns.len(),
        });
        self.audit(&mut tx, now, actor, "fulfil.package", Some(id), &payload).await?;
        if record.request.status == Status::Verified {
            self.apply(&mut tx, &mut record, Event::Started, actor, json!({}), now).await?;
        }
        self.apply(
            &mut tx,
            &mut record,
            Event::Completed { reasons: Vec::new() },
            actor,
            json!({}),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(PackageReady { info, link_token: Sensitive::new(token) })
    }

    /// Opens a download link: the package's zip while the link lives. Every download is
    /// audited. An unknown, expired or purged link are all "not found" to the caller.
    pub async fn open_package_link(
        &self,
        token: &str,
    ) -> Result<(PackageInfo, Zeroizing<Vec<u8>>), AppError> {
        let now = self.now();
        let gone = || {
            AppError::NotFound(
                "this download link is unknown or has expired; ask for a new one".to_owned(),
            )
        };
        let mut tx = self.store().begin().await?;
        let (package_id, request_id) = tx
            .use_package_link(token.trim().as_bytes(), now.as_millisecond())
            .await?
            .ok_or_else(gone)?;
        let (info, content) = tx.package_content(package_id).await?;
        let content = content.ok_or_else(gone)?;
        self.audit(
            &mut tx,
            now,
            &Actor::Subject,
            "fulfil.package_downloaded",
            Some(request_id),
            &json!({ "package": package_id.to_string() }),
        )
        .await?;
        tx.commit().await?;
        Ok((info, content))
    }

    /// Purges the packages whose time has come.
    pub async fn purge_packages(&self) -> Result<u64, AppError> {
        let now = self.now();
        let mut tx = self.store().begin().await?;
        let purged = tx.purge_packages(now.as_millisecond()).await?;
        if purged > 0 {
            self.audit(
                &mut tx,
                now,
                &Actor::System,
                "fulfil.packages_purged",
                None,
                &json!({ "packages": purged }),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(purged)
    }

    /// Erases the person of a deletion request in one system, exactly once:
    /// the receipt is written pending before the company database commits and
    /// committed after, so a crash in between is settled by the next attempt.
    pub async fn erase_system(
        &self,
        id: Id,
        system: &str,
        actor: &Actor,
    ) -> Result<SystemErasure, AppError> {
        let (record, subject, receipts) = {
            let mut tx = self.store().read().await?;
            let record =
                tx.request(id).await.map_err(|_| AppError::NotFound(format!("no request {id}")))?;
            let subject = tx.subject(id).await?;
            let receipts = tx.receipts(id).await?;
            (record, subject, receipts)
        };
        if record.request.effective_type != RequestType::Delete {
            return Err(AppError::Invalid(format!("request {id} is not a request to delete")));
        }
        let earlier = receipts.into_iter().find(|r| r.system_id == system);
        if let Some(receipt) = earlier.as_ref().filter(|r| r.committed) {
            return Ok(SystemErasure {
                system: system.to_owned(),
                tables: serde_json::from_str::<ReceiptDoc>(&receipt.receipt_json)
                    .map(|d| d.tables)
                    .unwrap_or_default(),
                already_done: true,
            });
        }
        ready_to_fulfil(record.request.status, id)?;
        let identities = identities_of(&self.fulfilment()?.program, &subject);
        if identities.is_empty() {
            return Err(AppError::Invalid(format!(
                "request {id} names no email, phone or account id to look for"
            )));
        }
        let plan = self.plan(system, &identities)?;
        if let Some(problem) = plan.erasure_problems.first() {
            return Err(AppError::Invalid(format!("erasure refused: {problem}")));
        }
        let connector = self.connector(system)?;
        let (outcomes, wtx) = self.erase_in_tx(connector, &plan, &identities).await?;
        let touched: u64 = outcomes.iter().map(|o| o.rows_touched).sum();
        let now = self.now();
        // Read the receipts again now that the rows are locked: another worker (a job,
        // the command line) may have erased and written its receipt meanwhile, and a
        // receipt of zero rows must never replace the true one.
        let earlier = if earlier.is_none() && touched == 0 {
            let mut tx = self.store().read().await?;
            tx.receipts(id).await?.into_iter().find(|r| r.system_id == system)
        } else {
            earlier
        };
        if let Some(receipt) = earlier.as_ref().filter(|r| r.committed && touched == 0) {
            wtx.rollback()
                .await
                .map_err(|e| FulfilError::Connect { system: system.to_owned(), error: e })?;
            return Ok(SystemErasure {
                system: system.to_owned(),
                tables: serde_json::from_str::<ReceiptDoc>(&receipt.receipt_json)
                    .map(|d| d.tables)
                    .unwrap_or_default(),
                already_done: true,
            });
        }
        if touched == 0 && earlier.is_some() {
            // The earlier attempt committed in the company database and stopped before
            // its receipt did: its receipt is the true one.
            wtx.rollback()
                .await
                .map_err(|e| FulfilError::Connect { system: system.to_owned(), error: e })?;
            self.finish_receipt(id, system, &identities, actor, now).await?;
            return Ok(SystemErasure {
                system: system.to_owned(),
                tables: outcomes,
                already_done: true,
            });
        }
        let doc = ReceiptDoc {
            format: "ombud.erasure-receipt/1".to_owned(),
            request: id.to_string(),
            system: system.to_owned(),
            engine: plan.engine.id().to_owned(),
            at: now.to_string(),
            tables: outcomes.clone(),
            unsearchable: plan.steps.is_empty(),
        };
        let json = serde_json::to_string(&doc)
            .map_err(|_| AppError::Internal("receipt not serializable".to_owned()))?;
        {
            let mut tx = self.store().begin().await?;
            tx.write_pending_receipt(id, system, &json, touched, now.as_millisecond()).await?;
            tx.commit().await?;
        }
        wtx.commit()
            .await
            .map_err(|e| FulfilError::Connect { system: system.to_owned(), error: e })?;
        self.finish_receipt(id, system, &identities, actor, now).await?;
        Ok(SystemErasure { system: system.to_owned(), tables: outcomes, already_done: false })
    }

    async fn erase_in_tx(
        &self,
        connector: &Connector,
        plan: &SystemPlan,
        identities: &[Identity],
    ) -> Result<(Vec<TableOutcome>, ombud_connect::WriteTx), AppError> {
        let system = plan.system.clone();
        let mut wtx = connector
            .begin_write()
            .await
            .map_err(|e| FulfilError::Connect { system: system.clone(), error: e })?;
        let read = match collect(&mut Reader::Tx(&mut wtx), plan, identities).await {
            Ok(read) => read,
            Err(e) => {
                let _ = wtx.rollback().await;
                return Err(e.into());
            }
        };
        match erase::apply(&mut wtx, plan, &read, &StoreScrambler(self)).await {
            Ok(outcomes) => Ok((outcomes, wtx)),
            Err(e) => {
                let _ = wtx.rollback().await;
                Err(e.into())
            }
        }
    }

    /// Commits a pending receipt, with its audit event and the tombstone, in one store
    /// transaction.
    async fn finish_receipt(
        &self,
        id: Id,
        system: &str,
        identities: &[Identity],
        actor: &Actor,
        now: jiff::Timestamp,
    ) -> Result<(), AppError> {
        let mut tx = self.store().begin().await?;
        if tx.commit_receipt(id, system, now.as_millisecond()).await? {
            let receipt = tx.receipts(id).await?.into_iter().find(|r| r.system_id == system);
            let rows = receipt.as_ref().map_or(0, |r| r.rows_touched);
            for identity in identities {
                use ombud_core::Reference as _;
                let systems = self.planned_systems()?.join(",");
                tx.add_tombstone(
                    self.ids.id(now),
                    id,
                    identity.kind.id(),
                    &identity.value,
                    &systems,
                    now.as_millisecond(),
                )
                .await?;
            }
            self.audit(
                &mut tx,
                now,
                actor,
                "fulfil.erased",
                Some(id),
                &json!({ "system": system, "rows": rows }),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Erases every planned system in turn, then completes the request — in part when
    /// rows were kept under a declared exception, naming it.
    pub async fn erase(&self, id: Id, actor: &Actor) -> Result<Vec<SystemErasure>, AppError> {
        let mut out = Vec::new();
        for system in self.planned_systems()? {
            out.push(self.erase_system(id, &system, actor).await?);
        }
        self.finish_erasure(id, actor).await?;
        Ok(out)
    }

    /// Completes a deletion request once every planned system has a committed receipt;
    /// returns whether it did. Rows kept under exceptions make it a partial completion
    /// that names each exception; tables with nothing declared keep it open for staff.
    pub async fn finish_erasure(&self, id: Id, actor: &Actor) -> Result<bool, AppError> {
        let systems = self.planned_systems()?;
        let now = self.now();
        let mut tx = self.store().begin().await?;
        let mut record = tx.request_for_update(id).await?;
        if matches!(
            record.request.status,
            Status::Completed | Status::PartiallyCompleted | Status::Denied | Status::Cancelled
        ) {
            return Ok(false);
        }
        let receipts = tx.receipts(id).await?;
        let law = record.request.law;
        let mut reasons: Vec<DenialReason> = Vec::new();
        let mut undeclared = false;
        let mut unexplained = false;
        for system in &systems {
            let Some(receipt) = receipts.iter().find(|r| r.system_id == *system && r.committed)
            else {
                return Ok(false);
            };
            let doc: ReceiptDoc = serde_json::from_str(&receipt.receipt_json).map_err(|_| {
                AppError::Internal(format!("the receipt of {id} in `{system}` does not parse"))
            })?;
            if doc.tables.iter().any(|t| t.rows_missed > 0) || doc.unsearchable {
                // Rows that should have been erased and were not, or a system the
                // verified identity cannot search: not done (nothing half-done is done).
                unexplained = true;
            }
            for table in doc.tables.iter().filter(|t| t.rows_left > 0) {
                if table.action == "undeclared" {
                    undeclared = true;
                    continue;
                }
                if table.action != "retain" {
                    continue;
                }
                // The exception of the request's own law: a GDPR request cites Art 17(3),
                // the US laws the §1798.105(d) codes.
                let applicable = table
                    .exceptions
                    .iter()
                    .filter_map(|code| ombud_core::RetentionReason::from_id(code))
                    .find(|reason| {
                        matches!(reason, ombud_core::RetentionReason::Gdpr(_))
                            == (law == ombud_core::Law::Gdpr)
                    });
                match applicable {
                    Some(reason) => {
                        if !reasons.iter().any(|r| r.basis == DenialBasis::Exception(reason)) {
                            reasons.push(DenialReason {
                                basis: DenialBasis::Exception(reason),
                                explanation: None,
                            });
                        }
                    }
                    None => unexplained = true,
                }
            }
        }
        if undeclared || unexplained {
            // Personal rows with no declared erasure, or kept with no exception of the
            // request's law: the request is not done, and saying why is for a person.
            let why = if undeclared {
                "undeclared erasure"
            } else {
                "kept without an exception of this law"
            };
            self.audit(
                &mut tx,
                now,
                actor,
                "fulfil.needs_review",
                Some(id),
                &json!({ "why": why }),
            )
            .await?;
            tx.commit().await?;
            return Ok(false);
        }
        if record.request.status == Status::Verified {
            self.apply(&mut tx, &mut record, Event::Started, actor, json!({}), now).await?;
        }
        self.apply(&mut tx, &mut record, Event::Completed { reasons }, actor, json!({}), now)
            .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Applies every tombstone's erasure again, after a database was restored from a
    /// backup. Idempotent: rows already erased are left as they are.
    pub async fn replay_erasures(&self, actor: &Actor) -> Result<ReplaySummary, AppError> {
        let mut summary = ReplaySummary::default();
        let mut after = None;
        loop {
            let batch = {
                let mut tx = self.store().read().await?;
                tx.tombstones_after(after, 500).await?
            };
            let Some(last) = batch.last() else { break };
            after = Some(last.id);
            for tombstone in batch {
                use ombud_core::Reference as _;
                summary.tombstones += 1;
                let Some(kind) = IdentityKind::from_id(&tombstone.identity_kind) else {
                    summary.unknown_kinds += 1;
                    continue;
                };
                let identities = vec![Identity { kind, value: tombstone.identity.clone() }];
                for system in tombstone.systems.split(',').filter(|s| !s.is_empty()) {
                    let plan = match self.plan(system, &identities) {
                        Ok(plan) if plan.erasure_problems.is_empty() => plan,
                        _ => {
                            summary.skipped.push(system.to_owned());
                            continue;
                        }
                    };
                    // One system down must not stop the others: it is listed as skipped
                    // and the replay is run again once it is back.
                    let Ok(connector) = self.connector(system) else {
                        summary.skipped.push(system.to_owned());
                        continue;
                    };
                    let Ok((outcomes, wtx)) = self.erase_in_tx(connector, &plan, &identities).await
                    else {
                        summary.skipped.push(system.to_owned());
                        continue;
                    };
                    if wtx.commit().await.is_err() {
                        summary.skipped.push(system.to_owned());
                        continue;
                    }
                    let rows: u64 = outcomes.iter().map(|o| o.rows_touched).sum();
                    summary.rows_touched += rows;
                    if rows > 0 {
                        let now = self.now();
                        let mut tx = self.store().begin().await?;
                        self.audit(
                            &mut tx,
                            now,
                            actor,
                            "fulfil.erasure_replayed",
                            Some(tombstone.request_id),
                            &json!({ "system": system, "rows": rows }),
                        )
                        .await?;
                        tx.commit().await?;
                    }
                }
            }
        }
        summary.skipped.sort();
        summary.skipped.dedup();
        Ok(summary)
    }

    /// Corrects named fields for the person of a request to correct,
    /// after verification; records which fields changed and the documentation, never
    /// the values.
    pub async fn correct(
        &self,
        id: Id,
        corrections: &[Correction],
        actor: &Actor,
    ) -> Result<Vec<(String, String, String, u64)>, AppError> {
        let (record, subject) = {
            let mut tx = self.store().read().await?;
            let record =
                tx.request(id).await.map_err(|_| AppError::NotFound(format!("no request {id}")))?;
            (record, tx.subject(id).await?)
        };
        if record.request.effective_type != RequestType::Correct {
            return Err(AppError::Invalid(format!("request {id} is not a request to correct")));
        }
        ready_to_fulfil(record.request.status, id)?;
        let identities = identities_of(&self.fulfilment()?.program, &subject);
        let mut done = Vec::new();
        let mut by_system: BTreeMap<&str, Vec<&Correction>> = BTreeMap::new();
        for correction in corrections {
            by_system.entry(correction.system.as_str()).or_default().push(correction);
        }
        for (system, list) in by_system {
            let plan = self.plan(system, &identities)?;
            for correction in &list {
                let step = plan.steps.iter().find(|s| s.table == correction.table).ok_or_else(|| {
                    AppError::Invalid(format!(
                        "table `{}` of system `{system}` holds nothing found for this person; name a table of the plan",
                        correction.table
                    ))
                })?;
                if !step.personal.iter().any(|(c, _)| *c == correction.column) {
                    return Err(AppError::Invalid(format!(
                        "column `{}` of `{}` is not a personal column in the manifest; only those can be corrected",
                        correction.column, correction.table
                    )));
                }
            }
            let connector = self.connector(system)?;
            let connect = |e| FulfilError::Connect { system: system.to_owned(), error: e };
            let mut wtx = connector.begin_write().await.map_err(connect)?;
            let read = collect(&mut Reader::Tx(&mut wtx), &plan, &identities).await?;
            for correction in &list {
                let (s, step) = plan
                    .steps
                    .iter()
                    .enumerate()
                    .find(|(_, s)| s.table == correction.table)
                    .ok_or_else(|| AppError::Internal("planned table vanished".to_owned()))?;
                let key_column =
                    step.primary_key.as_deref().ok_or_else(|| FulfilError::NoPrimaryKey {
                        system: system.to_owned(),
                        table: step.table.clone(),
                    })?;
                let keys = read[s].values_of(key_column);
                let mut rows = 0;
                for key in &keys {
                    rows += wtx
                        .update_row(
                            &step.table,
                            &[(
                                correction.column.clone(),
                                Value::Text(correction.value.expose().clone()),
                            )],
                            key_column,
                            key,
                        )
                        .await
                        .map_err(connect)?;
                }
                done.push((
                    system.to_owned(),
                    correction.table.clone(),
                    correction.column.clone(),
                    rows,
                ));
            }
            wtx.commit().await.map_err(connect)?;
            // Each system's correction is recorded as soon as it is committed, so a later
            // system's failure never leaves a change without its record.
            let now = self.now();
            let mut tx = self.store().begin().await?;
            let documents: Vec<String> =
                tx.documents(id).await?.iter().map(|d| d.id.to_string()).collect();
            let fields: Vec<serde_json::Value> = done
                .iter()
                .filter(|(s, _, _, _)| s == system)
                .map(|(s, t, c, n)| json!({ "system": s, "table": t, "column": c, "rows": n }))
                .collect();
            self.audit(
                &mut tx,
                now,
                actor,
                "fulfil.corrected",
                Some(id),
                &json!({ "fields": fields, "documents": documents }),
            )
            .await?;
            tx.commit().await?;
        }
        Ok(done)
    }

    /// Whether a value the person gives matches what is held, without disclosing what
    /// is held: for sensitive data (SSN, account numbers) the answer is only
    /// yes or no, compared in constant time.
    pub async fn confirm_value(
        &self,
        id: Id,
        system: &str,
        table: &str,
        column: &str,
        candidate: &Sensitive<String>,
        actor: &Actor,
    ) -> Result<bool, AppError> {
        // Only for a verified request: otherwise naming someone's email would make this
        // a yes/no oracle on their sensitive values.
        let (record, subject) = {
            let mut tx = self.store().read().await?;
            let record =
                tx.request(id).await.map_err(|_| AppError::NotFound(format!("no request {id}")))?;
            (record, tx.subject(id).await?)
        };
        ready_to_fulfil(record.request.status, id)?;
        let identities = identities_of(&self.fulfilment()?.program, &subject);
        let plan = self.plan(system, &identities)?;
        let Some(s) = plan.steps.iter().position(|s| s.table == table) else { return Ok(false) };
        if !plan.steps[s].personal.iter().any(|(c, _)| c == column) {
            return Err(AppError::Invalid(format!(
                "column `{column}` of `{table}` is not a personal column in the manifest"
            )));
        }
        let read = collect(&mut Reader::Pool(self.connector(system)?), &plan, &identities).await?;
        let wanted = candidate.expose().trim().as_bytes();
        let mut matched = subtle::Choice::from(0u8);
        for value in read[s].values_of(column) {
            if let Value::Text(held) = value {
                let held = held.trim().as_bytes();
                if held.len() == wanted.len() {
                    matched |= subtle::ConstantTimeEq::ct_eq(held, wanted);
                }
            }
        }
        let now = self.now();
        let mut tx = self.store().begin().await?;
        self.audit(
            &mut tx,
            now,
            actor,
            "fulfil.value_confirmed",
            Some(id),
            &json!({ "system": system, "table": table, "column": column }),
        )
        .await?;
        tx.commit().await?;
        Ok(bool::from(matched))
    }
}

/// What a replay did.
#[derive(Clone, Debug, Default, Serialize)]
pub struct ReplaySummary {
    /// Tombstones read.
    pub tombstones: u64,
    /// Rows erased again.
    pub rows_touched: u64,
    /// Systems skipped (no longer planned, unsafe to erase, or unreachable: run again).
    pub skipped: Vec<String>,
    /// Tombstones of an identity kind this ombud does not know (written by a newer one).
    pub unknown_kinds: u64,
}

/// The receipt document stored with each erasure (no values, R-094).
#[derive(Clone, Debug, Serialize, serde::Deserialize)]
pub struct ReceiptDoc {
    /// `ombud.erasure-receipt/1`.
    pub format: String,
    /// The request.
    pub request: String,
    /// The system.
    pub system: String,
    /// Its engine.
    pub engine: String,
    /// When.
    pub at: String,
    /// Per table.
    #[serde(default, deserialize_with = "tables_in")]
    pub tables: Vec<TableOutcome>,
    /// The system has no identity column of the kind the request was verified with:
    /// nothing could be searched, which is not the same as nothing found.
    #[serde(default)]
    pub unsearchable: bool,
}

fn tables_in<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<TableOutcome>, D::Error> {
    #[derive(serde::Deserialize)]
    struct Raw {
        table: String,
        action: String,
        rows_touched: u64,
        rows_left: u64,
        #[serde(default)]
        rows_missed: u64,
        #[serde(default)]
        exceptions: Vec<String>,
        #[serde(default)]
        key_hashes: Vec<String>,
    }
    let raw: Vec<Raw> = serde::Deserialize::deserialize(d)?;
    Ok(raw
        .into_iter()
        .map(|r| TableOutcome {
            table: r.table,
            action: match r.action.as_str() {
                "delete" => "delete",
                "overwrite" => "overwrite",
                "retain" => "retain",
                "undeclared" => "undeclared",
                _ => "path",
            },
            rows_touched: r.rows_touched,
            rows_left: r.rows_left,
            rows_missed: r.rows_missed,
            exceptions: r.exceptions,
            columns: Vec::new(),
            key_hashes: r.key_hashes,
        })
        .collect())
}

fn ready_to_fulfil(status: Status, id: Id) -> Result<(), AppError> {
    match status {
        Status::Verified | Status::InProgress => Ok(()),
        Status::Received | Status::Verifying => Err(AppError::Invalid(format!(
            "request {id} is not verified yet; verify it first (`ombud request verify`)"
        ))),
        _ => Err(AppError::Conflict(format!("request {id} is closed"))),
    }
}

/// The package tables of one system: personal columns only.
fn package_tables(plan: &SystemPlan, read: &[StepRows]) -> Vec<TableData> {
    plan.steps
        .iter()
        .zip(read)
        .filter(|(step, _)| !step.personal.is_empty())
        .map(|(step, rows)| {
            let positions: Vec<Option<usize>> =
                step.personal.iter().map(|(c, _)| rows.column(c)).collect();
            TableData {
                system: plan.system.clone(),
                table: step.table.clone(),
                columns: step
                    .personal
                    .iter()
                    .map(|(name, category)| ColumnData { name: name.clone(), category: *category })
                    .collect(),
                rows: rows
                    .rows
                    .iter()
                    .map(|row| {
                        positions
                            .iter()
                            .map(|p| p.map_or(Cell::Null, |at| cell(&row[at])))
                            .collect()
                    })
                    .collect(),
                truncated: false,
            }
        })
        .collect()
}
