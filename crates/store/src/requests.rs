//! Rights requests in the store: one row per request; the person's details encrypted
//! in one envelope ([`Subject`]); their email and phone findable by blind index.
//!
//! Updates are optimistic: each row has a `version`, and [`Tx::update_request`] only
//! applies to the version that was read, so two staff members acting at once cannot
//! overwrite each other (the loser gets [`StoreError::Conflict`]). On PostgreSQL the
//! row is also locked for the transaction ([`Tx::request_for_update`]).

use std::fmt;

use jiff::Timestamp;
use jiff::civil::Date;
use ombud_core::clock::Deadlines;
use ombud_core::id::Id;
use ombud_core::request::{
    Agent, DenialBasis, DenialReason, RightsRequest, Status, VerificationState,
};
use ombud_core::sensitive::Sensitive;
use ombud_core::verification::{Evidence, Level};
use ombud_core::{AgentProof, ChannelKind, Law, Reference, RequestType, VerificationMethod};
use serde::{Deserialize, Serialize};
use sqlx::Row as _;

use crate::crypto::Keyring;
use crate::{StoreError, Tx, on_conn};

/// What the store knows about the person a request is about, and about their agent.
/// Encrypted as one envelope (`requests.subject_ct`).
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subject {
    /// Their name.
    pub name: Option<String>,
    /// Their email address, as given.
    pub email: Option<String>,
    /// Their phone number, as given.
    pub phone: Option<String>,
    /// Their postal address.
    pub postal_address: Option<String>,
    /// Their account id with the business.
    pub account_id: Option<String>,
    /// What they wrote: which data, what to correct, the period of a request to know.
    pub details: Option<String>,
    /// For a correction, the kinds of data being corrected: they may not be used to
    /// verify the request (R-047, 11 CCR §7060(h)).
    #[serde(default)]
    pub correcting: Vec<String>,
    /// The authorized agent acting for them.
    pub agent: Option<AgentContact>,
}

impl fmt::Debug for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Subject([redacted])")
    }
}

/// An authorized agent's contact details.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentContact {
    /// The agent's name (a person or a registered business, R-064).
    pub name: Option<String>,
    /// Where to reach the agent.
    pub email: Option<String>,
}

impl fmt::Debug for AgentContact {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AgentContact([redacted])")
    }
}

/// A request as stored: its lifecycle state plus what only the workflow needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestRecord {
    /// The lifecycle state.
    pub request: RightsRequest,
    /// What the requester has shown so far.
    pub evidence: Evidence,
    /// How verification was done (R-040 records the method on each case).
    pub verification_method: Option<VerificationMethod>,
    /// Codes sent so far.
    pub code_sends: u32,
    /// Data-point attempts so far.
    pub point_attempts: u32,
    /// The row version this record was read at.
    pub version: i64,
    /// When the row was written first and last (Unix ms).
    pub created_at_ms: i64,
    /// Last update (Unix ms).
    pub updated_at_ms: i64,
}

/// Which requests to list.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    /// Only open (true) or only closed (false) requests.
    pub open: Option<bool>,
    /// Only this status.
    pub status: Option<Status>,
    /// Only this law.
    pub law: Option<Law>,
    /// Only this type.
    pub request_type: Option<RequestType>,
    /// Only requests whose next deadline is on or before this date (overdue: yesterday).
    pub due_on_or_before: Option<Date>,
    /// Only requests received in `[from, to)` (Unix ms).
    pub received_from_ms: Option<i64>,
    /// See `received_from_ms`.
    pub received_before_ms: Option<i64>,
    /// At most this many (capped at `limits::LIST_ROWS_MAX`).
    pub limit: Option<u32>,
}

/// The next deadline of a request: the acknowledgement while it is owed, else the
/// response. This is what the queue sorts by.
pub fn next_due(request: &RightsRequest) -> Date {
    let respond = request.due();
    match (request.deadlines.acknowledge_by, request.acknowledged_at) {
        (Some(ack), None) => ack.min(respond),
        _ => respond,
    }
}

fn subject_context(id: Id) -> String {
    format!("requests.subject_ct/{id}")
}
fn reason_context(id: Id) -> String {
    format!("requests.extension_reason_ct/{id}")
}
fn reasons_context(id: Id) -> String {
    format!("requests.reasons_ct/{id}")
}

#[derive(Serialize, Deserialize)]
struct StoredReason {
    code: String,
    explanation: Option<String>,
}

/// The blind indexes of a subject's email and phone, from their canonical forms.
fn indexes(keys: &Keyring, subject: &Subject) -> (Option<Vec<u8>>, Option<Vec<u8>>) {
    use ombud_core::IdentityKind;
    use ombud_core::sensitive::normalize_identity;
    let index = |kind: IdentityKind, value: &Option<String>| {
        value
            .as_deref()
            .and_then(|v| normalize_identity(kind, v).ok())
            .map(|canonical| keys.blind_index(kind.id(), &canonical))
    };
    (index(IdentityKind::Email, &subject.email), index(IdentityKind::Phone, &subject.phone))
}

#[cfg(test)]
const COLUMNS: &str = "id, request_type, effective_type, law, channel, designated_channel, high_risk, \
    received_at_ms, received_on, status, acknowledge_by, respond_by, extension_notice_by, extended_respond_by, \
    extended, extended_at_ms, acknowledged_at_ms, verification_required, verification_achieved, verification_method, \
    identity_doubts, evidence_email, evidence_points, evidence_declaration, evidence_account, code_sends, point_attempts, \
    agent_proof, agent_confirmed, appeal_of, closed_at_ms, reason_codes, extension_reason_ct, reasons_ct, \
    created_at_ms, updated_at_ms, version";

macro_rules! select_requests {
    ($tail:literal) => {
        concat!(
            "SELECT id, request_type, effective_type, law, channel, designated_channel, high_risk, ",
            "received_at_ms, received_on, status, acknowledge_by, respond_by, extension_notice_by, extended_respond_by, ",
            "extended, extended_at_ms, acknowledged_at_ms, verification_required, verification_achieved, verification_method, ",
            "identity_doubts, evidence_email, evidence_points, evidence_declaration, evidence_account, code_sends, point_attempts, ",
            "agent_proof, agent_confirmed, appeal_of, closed_at_ms, reason_codes, extension_reason_ct, reasons_ct, ",
            "created_at_ms, updated_at_ms, version FROM requests ",
            $tail
        )
    };
}

/// The raw column values of one row, read the same way on both backends.
struct Raw {
    id: String,
    request_type: String,
    effective_type: String,
    law: String,
    channel: String,
    designated_channel: bool,
    high_risk: bool,
    received_at_ms: i64,
    received_on: String,
    status: String,
    acknowledge_by: Option<String>,
    respond_by: String,
    extension_notice_by: Option<String>,
    extended_respond_by: Option<String>,
    extended: bool,
    extended_at_ms: Option<i64>,
    acknowledged_at_ms: Option<i64>,
    verification_required: String,
    verification_achieved: Option<String>,
    verification_method: Option<String>,
    identity_doubts: bool,
    evidence_email: bool,
    evidence_points: i64,
    evidence_declaration: bool,
    evidence_account: bool,
    code_sends: i64,
    point_attempts: i64,
    agent_proof: Option<String>,
    agent_confirmed: bool,
    appeal_of: Option<String>,
    closed_at_ms: Option<i64>,
    reason_codes: Option<String>,
    extension_reason_ct: Option<Vec<u8>>,
    reasons_ct: Option<Vec<u8>>,
    created_at_ms: i64,
    updated_at_ms: i64,
    version: i64,
}

macro_rules! raw_from_row {
    ($row:expr) => {{
        let row = $row;
        Raw {
            id: row.try_get("id")?,
            request_type: row.try_get("request_type")?,
            effective_type: row.try_get("effective_type")?,
            law: row.try_get("law")?,
            channel: row.try_get("channel")?,
            designated_channel: row.try_get("designated_channel")?,
            high_risk: row.try_get("high_risk")?,
            received_at_ms: row.try_get("received_at_ms")?,
            received_on: row.try_get("received_on")?,
            status: row.try_get("status")?,
            acknowledge_by: row.try_get("acknowledge_by")?,
            respond_by: row.try_get("respond_by")?,
            extension_notice_by: row.try_get("extension_notice_by")?,
            extended_respond_by: row.try_get("extended_respond_by")?,
            extended: row.try_get("extended")?,
            extended_at_ms: row.try_get("extended_at_ms")?,
            acknowledged_at_ms: row.try_get("acknowledged_at_ms")?,
            verification_required: row.try_get("verification_required")?,
            verification_achieved: row.try_get("verification_achieved")?,
            verification_method: row.try_get("verification_method")?,
            identity_doubts: row.try_get("identity_doubts")?,
            evidence_email: row.try_get("evidence_email")?,
            evidence_points: row.try_get("evidence_points")?,
            evidence_declaration: row.try_get("evidence_declaration")?,
            evidence_account: row.try_get("evidence_account")?,
            code_sends: row.try_get("code_sends")?,
            point_attempts: row.try_get("point_attempts")?,
            agent_proof: row.try_get("agent_proof")?,
            agent_confirmed: row.try_get("agent_confirmed")?,
            appeal_of: row.try_get("appeal_of")?,
            closed_at_ms: row.try_get("closed_at_ms")?,
            reason_codes: row.try_get("reason_codes")?,
            extension_reason_ct: row.try_get("extension_reason_ct")?,
            reasons_ct: row.try_get("reasons_ct")?,
            created_at_ms: row.try_get("created_at_ms")?,
            updated_at_ms: row.try_get("updated_at_ms")?,
            version: row.try_get("version")?,
        }
    }};
}

fn corrupt(id: &str, column: &str) -> StoreError {
    StoreError::Corrupt(format!(
        "request {id}: requests.{column} holds a value this ombud does not know"
    ))
}

fn parse_reference<R: Reference>(id: &str, column: &str, value: &str) -> Result<R, StoreError> {
    R::from_id(value).ok_or_else(|| corrupt(id, column))
}

fn parse_date(id: &str, column: &str, value: &str) -> Result<Date, StoreError> {
    value.parse().map_err(|_| corrupt(id, column))
}

fn parse_time(id: &str, column: &str, ms: i64) -> Result<Timestamp, StoreError> {
    Timestamp::from_millisecond(ms).map_err(|_| corrupt(id, column))
}

fn to_u32(id: &str, column: &str, value: i64) -> Result<u32, StoreError> {
    u32::try_from(value).map_err(|_| corrupt(id, column))
}

impl Raw {
    fn into_record(self, keys: &Keyring) -> Result<RequestRecord, StoreError> {
        let id_text = self.id.as_str();
        let id = Id::parse(id_text).ok_or_else(|| corrupt(id_text, "id"))?;
        let opt_date = |column: &str, value: &Option<String>| {
            value.as_deref().map(|v| parse_date(id_text, column, v)).transpose()
        };
        let opt_time = |column: &str, value: Option<i64>| {
            value.map(|v| parse_time(id_text, column, v)).transpose()
        };
        let level = |column: &str, value: &str| {
            Level::from_id(value).ok_or_else(|| corrupt(id_text, column))
        };
        let extension_reason = match &self.extension_reason_ct {
            Some(ct) => Some(Sensitive::new(
                String::from_utf8(keys.decrypt(ct, &reason_context(id))?.to_vec())
                    .map_err(|_| corrupt(id_text, "extension_reason_ct"))?,
            )),
            None => None,
        };
        let reasons = match &self.reasons_ct {
            Some(ct) => {
                let plain = keys.decrypt(ct, &reasons_context(id))?;
                let stored: Vec<StoredReason> =
                    serde_json::from_slice(&plain).map_err(|_| corrupt(id_text, "reasons_ct"))?;
                stored
                    .into_iter()
                    .map(|r| {
                        Ok(DenialReason {
                            basis: DenialBasis::from_code(&r.code)
                                .ok_or_else(|| corrupt(id_text, "reasons_ct"))?,
                            explanation: r.explanation.map(Sensitive::new),
                        })
                    })
                    .collect::<Result<Vec<_>, StoreError>>()?
            }
            None => Vec::new(),
        };
        let request = RightsRequest {
            id,
            request_type: parse_reference(id_text, "request_type", &self.request_type)?,
            effective_type: parse_reference(id_text, "effective_type", &self.effective_type)?,
            law: parse_reference(id_text, "law", &self.law)?,
            channel: parse_reference::<ChannelKind>(id_text, "channel", &self.channel)?,
            designated_channel: self.designated_channel,
            high_risk: self.high_risk,
            received_at: parse_time(id_text, "received_at_ms", self.received_at_ms)?,
            status: Status::from_id(&self.status).ok_or_else(|| corrupt(id_text, "status"))?,
            deadlines: Deadlines {
                received_on: parse_date(id_text, "received_on", &self.received_on)?,
                acknowledge_by: opt_date("acknowledge_by", &self.acknowledge_by)?,
                respond_by: parse_date(id_text, "respond_by", &self.respond_by)?,
                extension_notice_by: opt_date("extension_notice_by", &self.extension_notice_by)?,
                extended_respond_by: opt_date("extended_respond_by", &self.extended_respond_by)?,
            },
            extended: self.extended,
            extension_reason,
            extended_at: opt_time("extended_at_ms", self.extended_at_ms)?,
            acknowledged_at: opt_time("acknowledged_at_ms", self.acknowledged_at_ms)?,
            verification: VerificationState {
                required: level("verification_required", &self.verification_required)?,
                achieved: self
                    .verification_achieved
                    .as_deref()
                    .map(|v| level("verification_achieved", v))
                    .transpose()?,
                doubts: self.identity_doubts,
            },
            agent: self
                .agent_proof
                .as_deref()
                .map(|proof| {
                    Ok::<_, StoreError>(Agent {
                        proof: parse_reference::<AgentProof>(id_text, "agent_proof", proof)?,
                        consumer_confirmed: self.agent_confirmed,
                    })
                })
                .transpose()?,
            appeal_of: self
                .appeal_of
                .as_deref()
                .map(|v| Id::parse(v).ok_or_else(|| corrupt(id_text, "appeal_of")))
                .transpose()?,
            closed_at: opt_time("closed_at_ms", self.closed_at_ms)?,
            reasons,
        };
        // The codes column exists for reports; the envelope is the source of truth.
        let _ = self.reason_codes;
        Ok(RequestRecord {
            request,
            evidence: Evidence {
                account_reauthenticated: self.evidence_account,
                email_confirmed: self.evidence_email,
                data_points_matched: to_u32(id_text, "evidence_points", self.evidence_points)?,
                declaration_signed: self.evidence_declaration,
            },
            verification_method: self
                .verification_method
                .as_deref()
                .map(|v| parse_reference::<VerificationMethod>(id_text, "verification_method", v))
                .transpose()?,
            code_sends: to_u32(id_text, "code_sends", self.code_sends)?,
            point_attempts: to_u32(id_text, "point_attempts", self.point_attempts)?,
            version: self.version,
            created_at_ms: self.created_at_ms,
            updated_at_ms: self.updated_at_ms,
        })
    }
}

/// The values of the mutable columns, in the order of [`UPDATE_SQL`] and the insert.
struct Values {
    effective_type: &'static str,
    status: &'static str,
    next_due_on: String,
    extended: bool,
    extension_reason_ct: Option<Vec<u8>>,
    extended_at_ms: Option<i64>,
    acknowledged_at_ms: Option<i64>,
    verification_required: &'static str,
    verification_achieved: Option<&'static str>,
    verification_method: Option<&'static str>,
    identity_doubts: bool,
    evidence_email: bool,
    evidence_points: i64,
    evidence_declaration: bool,
    evidence_account: bool,
    code_sends: i64,
    point_attempts: i64,
    agent_confirmed: bool,
    closed_at_ms: Option<i64>,
    reason_codes: Option<String>,
    reasons_ct: Option<Vec<u8>>,
}

fn values(keys: &Keyring, record: &RequestRecord) -> Result<Values, StoreError> {
    let request = &record.request;
    let extension_reason_ct = request
        .extension_reason
        .as_ref()
        .map(|reason| keys.encrypt(reason.expose().as_bytes(), &reason_context(request.id)))
        .transpose()?;
    let (reason_codes, reasons_ct) = if request.reasons.is_empty() {
        (None, None)
    } else {
        let stored: Vec<StoredReason> = request
            .reasons
            .iter()
            .map(|r| StoredReason {
                code: r.basis.code().to_owned(),
                explanation: r.explanation.as_ref().map(|e| e.expose().clone()),
            })
            .collect();
        let plain = serde_json::to_vec(&stored)
            .map_err(|_| StoreError::Corrupt("reasons do not serialize".to_owned()))?;
        (
            Some(request.reasons.iter().map(|r| r.basis.code()).collect::<Vec<_>>().join(",")),
            Some(keys.encrypt(&plain, &reasons_context(request.id))?),
        )
    };
    Ok(Values {
        effective_type: request.effective_type.id(),
        status: request.status.id(),
        next_due_on: next_due(request).to_string(),
        extended: request.extended,
        extension_reason_ct,
        extended_at_ms: request.extended_at.map(|t| t.as_millisecond()),
        acknowledged_at_ms: request.acknowledged_at.map(|t| t.as_millisecond()),
        verification_required: request.verification.required.id(),
        verification_achieved: request.verification.achieved.map(Level::id),
        verification_method: record.verification_method.map(|m| m.id()),
        identity_doubts: request.verification.doubts,
        evidence_email: record.evidence.email_confirmed,
        evidence_points: i64::from(record.evidence.data_points_matched),
        evidence_declaration: record.evidence.declaration_signed,
        evidence_account: record.evidence.account_reauthenticated,
        code_sends: i64::from(record.code_sends),
        point_attempts: i64::from(record.point_attempts),
        agent_confirmed: request.agent.is_some_and(|a| a.consumer_confirmed),
        closed_at_ms: request.closed_at.map(|t| t.as_millisecond()),
        reason_codes,
        reasons_ct,
    })
}

/// Binds the mutable columns of [`Values`], in the order both statements list them.
macro_rules! bind_values {
    ($query:expr, $values:expr) => {{
        let v = $values;
        $query
            .bind(v.effective_type)
            .bind(v.status)
            .bind(v.next_due_on)
            .bind(v.extended)
            .bind(v.extension_reason_ct)
            .bind(v.extended_at_ms)
            .bind(v.acknowledged_at_ms)
            .bind(v.verification_required)
            .bind(v.verification_achieved)
            .bind(v.verification_method)
            .bind(v.identity_doubts)
            .bind(v.evidence_email)
            .bind(v.evidence_points)
            .bind(v.evidence_declaration)
            .bind(v.evidence_account)
            .bind(v.code_sends)
            .bind(v.point_attempts)
            .bind(v.agent_confirmed)
            .bind(v.closed_at_ms)
            .bind(v.reason_codes)
            .bind(v.reasons_ct)
    }};
}

const INSERT_SQL: &str = "INSERT INTO requests (id, request_type, law, channel, designated_channel, high_risk, \
    received_at_ms, received_on, acknowledge_by, respond_by, extension_notice_by, extended_respond_by, agent_proof, \
    appeal_of, subject_ct, email_bidx, phone_bidx, created_at_ms, \
    effective_type, status, next_due_on, extended, extension_reason_ct, extended_at_ms, acknowledged_at_ms, \
    verification_required, verification_achieved, verification_method, identity_doubts, evidence_email, evidence_points, \
    evidence_declaration, evidence_account, code_sends, point_attempts, agent_confirmed, closed_at_ms, reason_codes, \
    reasons_ct, updated_at_ms, version) VALUES \
    ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, \
     $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29, $30, $31, $32, $33, $34, $35, $36, $37, $38, $39, $18, 1)";

const UPDATE_SQL: &str = "UPDATE requests SET \
    effective_type = $3, status = $4, next_due_on = $5, extended = $6, extension_reason_ct = $7, extended_at_ms = $8, \
    acknowledged_at_ms = $9, verification_required = $10, verification_achieved = $11, verification_method = $12, \
    identity_doubts = $13, evidence_email = $14, evidence_points = $15, evidence_declaration = $16, evidence_account = $17, \
    code_sends = $18, point_attempts = $19, agent_confirmed = $20, closed_at_ms = $21, reason_codes = $22, reasons_ct = $23, \
    updated_at_ms = $24, version = version + 1 \
    WHERE id = $1 AND version = $2";

impl Tx {
    /// Stores a new request and its subject (encrypted, with blind indexes).
    pub async fn insert_request(
        &mut self,
        record: &RequestRecord,
        subject: &Subject,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        let request = &record.request;
        let keys = self.keys().clone();
        let subject_plain = zeroize::Zeroizing::new(
            serde_json::to_vec(subject)
                .map_err(|_| StoreError::Corrupt("the subject does not serialize".to_owned()))?,
        );
        let subject_ct = keys.encrypt(&subject_plain, &subject_context(request.id))?;
        let (email_bidx, phone_bidx) = indexes(&keys, subject);
        let v = values(&keys, record)?;
        let d = &request.deadlines;
        on_conn!(self.conn(), c => {
            let query = sqlx::query(INSERT_SQL)
                .bind(request.id.to_string())
                .bind(request.request_type.id())
                .bind(request.law.id())
                .bind(request.channel.id())
                .bind(request.designated_channel)
                .bind(request.high_risk)
                .bind(request.received_at.as_millisecond())
                .bind(d.received_on.to_string())
                .bind(d.acknowledge_by.map(|x| x.to_string()))
                .bind(d.respond_by.to_string())
                .bind(d.extension_notice_by.map(|x| x.to_string()))
                .bind(d.extended_respond_by.map(|x| x.to_string()))
                .bind(request.agent.map(|a| a.proof.id()))
                .bind(request.appeal_of.map(|x| x.to_string()))
                .bind(subject_ct)
                .bind(email_bidx)
                .bind(phone_bidx)
                .bind(now_ms);
            bind_values!(query, v)
                .execute(c)
                .await
                .map_err(|e| StoreError::from_sqlx(e, "insert a request"))?;
        });
        Ok(())
    }

    /// Writes a changed request, if nobody else changed it since it was read at
    /// `record.version`. Returns the new version.
    pub async fn update_request(
        &mut self,
        record: &RequestRecord,
        now_ms: i64,
    ) -> Result<i64, StoreError> {
        let keys = self.keys().clone();
        let v = values(&keys, record)?;
        let id = record.request.id.to_string();
        let affected = on_conn!(self.conn(), c => {
            let query = sqlx::query(UPDATE_SQL).bind(&id).bind(record.version);
            bind_values!(query, v)
                .bind(now_ms)
                .execute(c)
                .await
                .map_err(|e| StoreError::from_sqlx(e, "update a request"))?
                .rows_affected()
        });
        if affected == 1 {
            Ok(record.version + 1)
        } else {
            Err(StoreError::Conflict(format!(
                "request {id} changed since it was read; read it again and retry"
            )))
        }
    }

    /// Reads a request, locking its row on PostgreSQL until the transaction ends.
    pub async fn request_for_update(&mut self, id: Id) -> Result<RequestRecord, StoreError> {
        let lock = self.is_postgres();
        self.read_request(id, lock).await
    }

    /// Reads a request without locking it.
    pub async fn request(&mut self, id: Id) -> Result<RequestRecord, StoreError> {
        self.read_request(id, false).await
    }

    async fn read_request(&mut self, id: Id, lock: bool) -> Result<RequestRecord, StoreError> {
        let keys = self.keys().clone();
        let sql = if lock {
            select_requests!("WHERE id = $1 FOR UPDATE")
        } else {
            select_requests!("WHERE id = $1")
        };
        let raw = on_conn!(self.conn(), c => {
            let row = sqlx::query(sql)
                .bind(id.to_string())
                .fetch_optional(c)
                .await
                .map_err(|e| StoreError::from_sqlx(e, "read a request"))?;
            match row {
                None => None,
                Some(row) => Some((|| Ok::<_, sqlx::Error>(raw_from_row!(&row)))().map_err(|e| StoreError::from_sqlx(e, "read a request"))?),
            }
        });
        raw.ok_or_else(|| StoreError::NotFound { what: "request", id: id.to_string() })?
            .into_record(&keys)
    }

    /// Decrypts the subject of a request. Callers that show it to staff must record the
    /// read in the audit chain (DESIGN.md Security).
    pub async fn subject(&mut self, id: Id) -> Result<Subject, StoreError> {
        let keys = self.keys().clone();
        let ct: Option<Vec<u8>> = on_conn!(self.conn(), c => {
            sqlx::query("SELECT subject_ct FROM requests WHERE id = $1")
                .bind(id.to_string())
                .fetch_optional(c)
                .await
                .map_err(|e| StoreError::from_sqlx(e, "read a subject"))?
                .map(|row| row.try_get::<Vec<u8>, _>("subject_ct"))
                .transpose()
                .map_err(|e| StoreError::from_sqlx(e, "read a subject"))?
        });
        let ct = ct.ok_or_else(|| StoreError::NotFound { what: "request", id: id.to_string() })?;
        let plain = keys.decrypt(&ct, &subject_context(id))?;
        serde_json::from_slice(&plain).map_err(|_| corrupt(&id.to_string(), "subject_ct"))
    }

    /// Lists requests, nearest next deadline first (ties by receipt).
    pub async fn list_requests(
        &mut self,
        filter: &Filter,
    ) -> Result<Vec<RequestRecord>, StoreError> {
        let keys = self.keys().clone();
        let limit = i64::from(
            filter
                .limit
                .unwrap_or(ombud_core::limits::LIST_ROWS_MAX)
                .min(ombud_core::limits::LIST_ROWS_MAX),
        );
        let open = filter.open.map(i64::from);
        let raws = on_conn!(self.conn(), c => {
            let rows = sqlx::query(select_requests!(
                "WHERE ($1 IS NULL OR (CASE WHEN closed_at_ms IS NULL THEN 1 ELSE 0 END) = $1) \
                 AND ($2 IS NULL OR status = $2) AND ($3 IS NULL OR law = $3) AND ($4 IS NULL OR request_type = $4) \
                 AND ($5 IS NULL OR next_due_on <= $5) AND ($6 IS NULL OR received_at_ms >= $6) \
                 AND ($7 IS NULL OR received_at_ms < $7) \
                 ORDER BY next_due_on, received_at_ms, id LIMIT $8"
            ))
            .bind(open)
            .bind(filter.status.map(Status::id))
            .bind(filter.law.map(|l| l.id()))
            .bind(filter.request_type.map(|t| t.id()))
            .bind(filter.due_on_or_before.map(|d| d.to_string()))
            .bind(filter.received_from_ms)
            .bind(filter.received_before_ms)
            .bind(limit)
            .fetch_all(c)
            .await
            .map_err(|e| StoreError::from_sqlx(e, "list requests"))?;
            rows.iter()
                .map(|row| Ok::<_, sqlx::Error>(raw_from_row!(row)))
                .collect::<Result<Vec<Raw>, _>>()
                .map_err(|e| StoreError::from_sqlx(e, "list requests"))?
        });
        raws.into_iter().map(|raw| raw.into_record(&keys)).collect()
    }

    /// Requests received in `[from_ms, before_ms)`, in order of receipt, a page at a
    /// time: pass the last record of a page as `after` to get the next (reports walk
    /// 24 months of records this way in bounded memory).
    pub async fn requests_received(
        &mut self,
        from_ms: i64,
        before_ms: i64,
        after: Option<(i64, Id)>,
        limit: u32,
    ) -> Result<Vec<RequestRecord>, StoreError> {
        let keys = self.keys().clone();
        let (after_ms, after_id) =
            after.map_or((i64::MIN, String::new()), |(ms, id)| (ms, id.to_string()));
        let raws = on_conn!(self.conn(), c => {
            let rows = sqlx::query(select_requests!(
                "WHERE received_at_ms >= $1 AND received_at_ms < $2 \
                 AND (received_at_ms > $3 OR (received_at_ms = $3 AND id > $4)) \
                 ORDER BY received_at_ms, id LIMIT $5"
            ))
            .bind(from_ms)
            .bind(before_ms)
            .bind(after_ms)
            .bind(after_id)
            .bind(i64::from(limit.min(ombud_core::limits::LIST_ROWS_MAX)))
            .fetch_all(c)
            .await
            .map_err(|e| StoreError::from_sqlx(e, "read requests by receipt"))?;
            rows.iter()
                .map(|row| Ok::<_, sqlx::Error>(raw_from_row!(row)))
                .collect::<Result<Vec<Raw>, _>>()
                .map_err(|e| StoreError::from_sqlx(e, "read requests by receipt"))?
        });
        raws.into_iter().map(|raw| raw.into_record(&keys)).collect()
    }

    /// The ids of the requests about a person, found by the blind index of their email
    /// or phone (`kind` is `email` or `phone`), newest first.
    pub async fn find_requests(
        &mut self,
        kind: ombud_core::IdentityKind,
        value: &Sensitive<String>,
    ) -> Result<Vec<Id>, StoreError> {
        use ombud_core::IdentityKind;
        let canonical =
            ombud_core::sensitive::normalize_identity(kind, value.expose()).map_err(|e| {
                StoreError::Corrupt(format!("cannot search by this {}: {e}", kind.label()))
            })?;
        let index = self.keys().blind_index(kind.id(), &canonical);
        let sql = match kind {
            IdentityKind::Email => {
                "SELECT id FROM requests WHERE email_bidx = $1 ORDER BY received_at_ms DESC, id DESC LIMIT 1000"
            }
            IdentityKind::Phone => {
                "SELECT id FROM requests WHERE phone_bidx = $1 ORDER BY received_at_ms DESC, id DESC LIMIT 1000"
            }
            _ => {
                return Err(StoreError::Corrupt(format!(
                    "requests are not indexed by {}",
                    kind.label()
                )));
            }
        };
        let ids: Vec<String> = on_conn!(self.conn(), c => {
            sqlx::query(sql)
                .bind(index)
                .fetch_all(c)
                .await
                .map_err(|e| StoreError::from_sqlx(e, "find requests"))?
                .iter()
                .map(|row| row.try_get::<String, _>("id"))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| StoreError::from_sqlx(e, "find requests"))?
        });
        ids.iter().map(|id| Id::parse(id).ok_or_else(|| corrupt(id, "id"))).collect()
    }
}

/// Recomputes every request's blind indexes with `keys` (after a blind-index key
/// rotation), inside the caller's transaction. Returns how many rows were updated.
pub(crate) async fn reindex_all(tx: &mut Tx, keys: &Keyring) -> Result<u64, StoreError> {
    let rows: Vec<(String, Vec<u8>)> = on_conn!(tx.conn(), c => {
        sqlx::query("SELECT id, subject_ct FROM requests ORDER BY id")
            .fetch_all(c)
            .await
            .map_err(|e| StoreError::from_sqlx(e, "read subjects to reindex"))?
            .iter()
            .map(|row| Ok((row.try_get::<String, _>("id")?, row.try_get::<Vec<u8>, _>("subject_ct")?)))
            .collect::<Result<Vec<_>, sqlx::Error>>()
            .map_err(|e| StoreError::from_sqlx(e, "read subjects to reindex"))?
    });
    let mut done = 0;
    for (id_text, ct) in rows {
        let id = Id::parse(&id_text).ok_or_else(|| corrupt(&id_text, "id"))?;
        let plain = keys.decrypt(&ct, &subject_context(id))?;
        let subject: Subject =
            serde_json::from_slice(&plain).map_err(|_| corrupt(&id_text, "subject_ct"))?;
        let (email, phone) = indexes(keys, &subject);
        on_conn!(tx.conn(), c => {
            sqlx::query("UPDATE requests SET email_bidx = $1, phone_bidx = $2 WHERE id = $3")
                .bind(email)
                .bind(phone)
                .bind(&id_text)
                .execute(c)
                .await
                .map_err(|e| StoreError::from_sqlx(e, "reindex a request"))?;
        });
        done += 1;
    }
    Ok(done)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_select_lists_every_column() {
        let select = select_requests!("");
        for column in super::COLUMNS.split(',') {
            assert!(select.contains(column.trim()), "{column}");
        }
    }
}
