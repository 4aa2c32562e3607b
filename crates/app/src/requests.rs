//! The use cases of a rights request: submit, verify, work, extend, complete, deny,
//! cancel, read.
//!
//! Every change follows one path ([`App::apply`]): in one store transaction, read the
//! request (locked), apply the event through `ombud_core::request::transition`, write
//! the new state (optimistically versioned), append the audit event, and queue the
//! messages the change causes. Messages are delivered after the commit
//! ([`App::deliver_pending`]), so none is sent for a change that did not happen and none
//! is lost if delivery fails.

use jiff::Timestamp;
use ombud_core::clock::Deadlines;
use ombud_core::id::Id;
use ombud_core::limits;
use ombud_core::request::{self, DenialReason, Effect, Event, Status, Submission, TransitionError};
use ombud_core::sensitive::{Sensitive, normalize_identity};
use ombud_core::verification::{self, Claim, Evidence, Level};
use ombud_core::{
    AgentProof, ChannelKind, IdentityKind, Law, Reference as _, RequestType, VerificationMethod,
};
use ombud_store::Tx;
use ombud_store::audit::AuditDraft;
use ombud_store::documents::DocumentInfo;
use ombud_store::emails::QueuedEmail;
use ombud_store::requests::{Filter, RequestRecord, Subject};
use ombud_store::verification::CodeActivity;
use serde_json::json;

use crate::lookup::LookupQuery;
use crate::mail::EmailKind;
use crate::{Actor, App, AppError};

/// A request as it arrives.
#[derive(Clone, Debug)]
pub struct NewRequest {
    /// What is asked for.
    pub request_type: RequestType,
    /// Under which law.
    pub law: Law,
    /// How it arrived.
    pub channel: ChannelKind,
    /// When it was received, if not now (a phone call or a letter entered later).
    pub received_at: Option<Timestamp>,
    /// Who it is about, and their agent's contact.
    pub subject: Subject,
    /// The agent's proof of authority, when an agent submits it.
    pub agent: Option<AgentProof>,
    /// For an appeal: the request appealed.
    pub appeal_of: Option<Id>,
}

/// A request just stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Submitted {
    /// Its id.
    pub id: Id,
    /// Its status (verified already when it needs no verification).
    pub status: Status,
    /// Its deadlines.
    pub deadlines: Deadlines,
    /// The verification it needs.
    pub verification_required: Level,
}

/// Where verification stands after an attempt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VerificationOutcome {
    /// Verified to the level needed.
    Verified {
        /// The level reached.
        level: Level,
    },
    /// Verified enough for categories only: the request for specific pieces will be
    /// answered as a request for categories, and the person told.
    AnsweredAsCategories {
        /// The level reached.
        level: Level,
    },
    /// Not yet.
    NotYet {
        /// Reached so far.
        achieved: Level,
        /// Needed.
        required: Level,
        /// What is missing, in words.
        reason: String,
    },
}

/// Everything about one request, for staff.
#[derive(Clone, Debug)]
pub struct RequestDetails {
    /// The request.
    pub record: RequestRecord,
    /// The person's details, when asked for (the read is audited).
    pub subject: Option<Subject>,
    /// Its audit events.
    pub timeline: Vec<ombud_core::audit::StoredEvent>,
    /// Its messages.
    pub emails: Vec<QueuedEmail>,
    /// Its documents.
    pub documents: Vec<DocumentInfo>,
}

/// The kinds of document a request may hold.
pub const DOCUMENT_KINDS: &[&str] =
    &["signed_permission", "power_of_attorney", "declaration", "correction_evidence", "other"];

/// How receipt can be confirmed other than by ombud's email. A closed list:
/// it goes into the audit log, which holds no free text.
pub const ACKNOWLEDGED_BY: &[&str] = &["phone", "letter", "in_person", "email", "other"];

/// Why a request is cancelled. A closed list, for the same reason.
pub const CANCELLATION_NOTES: &[&str] = &["withdrawn", "duplicate", "other"];

/// A day, for the limits per address.
const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// The blind index of the subject's email address, when it has a valid one.
fn email_index(tx: &Tx, subject: &Subject) -> Option<Vec<u8>> {
    let email = subject.email.as_deref()?;
    let canonical = normalize_identity(IdentityKind::Email, email).ok()?;
    Some(tx.keys().blind_index(IdentityKind::Email.id(), &canonical))
}

/// The declaration a person signs to verify for specific pieces (R-050, 11 CCR §7062(c)).
/// The declaration names California's law only for CCPA requests; a Virginia or Texas
/// request that needs one (a high-risk deletion) is declared without it.
pub fn declaration_text(law: Law) -> &'static str {
    if law == Law::Ccpa {
        "I declare under penalty of perjury under the laws of the State of California that I am the person whose personal information is the subject of this request."
    } else {
        "I declare under penalty of perjury that I am the person whose personal information is the subject of this request."
    }
}

fn check_field(what: &str, value: &Option<String>, max: usize) -> Result<(), AppError> {
    match value {
        Some(text) if text.len() > max => {
            Err(AppError::Invalid(format!("the {what} is longer than {max} bytes")))
        }
        Some(text) if text.chars().any(|c| c.is_control() && c != '\n' && c != '\t') => {
            Err(AppError::Invalid(format!("the {what} contains a control character")))
        }
        _ => Ok(()),
    }
}

/// Checks a subject's fields: sizes, control characters, a valid email and phone, and
/// at least one way to identify and answer the person.
pub fn check_subject(subject: &Subject) -> Result<(), AppError> {
    let short = limits::IDENTITY_VALUE_BYTES_MAX;
    check_field("name", &subject.name, short)?;
    check_field("account id", &subject.account_id, short)?;
    check_field("postal address", &subject.postal_address, limits::REQUEST_TEXT_BYTES_MAX)?;
    check_field("details", &subject.details, limits::REQUEST_TEXT_BYTES_MAX)?;
    if let Some(email) = &subject.email {
        normalize_identity(IdentityKind::Email, email)
            .map_err(|e| AppError::Invalid(e.to_string()))?;
    }
    if let Some(phone) = &subject.phone {
        normalize_identity(IdentityKind::Phone, phone)
            .map_err(|e| AppError::Invalid(e.to_string()))?;
    }
    if let Some(agent) = &subject.agent {
        check_field("agent's name", &agent.name, short)?;
        if let Some(email) = &agent.email {
            normalize_identity(IdentityKind::Email, email)
                .map_err(|e| AppError::Invalid(format!("agent: {e}")))?;
        }
    }
    if subject.correcting.len() > limits::DATA_POINTS_PER_ATTEMPT_MAX
        || subject.correcting.iter().any(|k| k.len() > limits::ID_BYTES_MAX)
    {
        return Err(AppError::Invalid(
            "name at most ten fields being corrected, each a short id".to_owned(),
        ));
    }
    if subject.email.is_none()
        && subject.phone.is_none()
        && subject.account_id.is_none()
        && subject.postal_address.is_none()
    {
        return Err(AppError::Invalid(
            "give at least one of email, phone, account id or postal address: ombud needs a way to find the person's data and to answer".to_owned(),
        ));
    }
    Ok(())
}

impl App {
    /// Stores a new request, with its deadlines, its audit event and its acknowledgement
    /// (queued; see [`App::deliver_pending`]). When this returns `Ok`, the request is
    /// durably recorded; not before.
    pub async fn submit(&self, new: NewRequest, actor: &Actor) -> Result<Submitted, AppError> {
        check_subject(&new.subject)?;
        if new.agent.is_some() != new.subject.agent.is_some() {
            return Err(AppError::Invalid("an agent's request needs both the agent's proof of authority and the agent's contact".to_owned()));
        }
        let now = self.now();
        let received_at = new.received_at.unwrap_or(now);
        if received_at > now.checked_add(jiff::SignedDuration::from_mins(5)).unwrap_or(now) {
            return Err(AppError::Invalid(
                "the time of receipt is in the future; give when the request actually arrived"
                    .to_owned(),
            ));
        }
        let id = self.ids.id(now);
        let mut tx = self.store().begin().await?;
        let appeal_of = match new.appeal_of {
            Some(parent) => {
                let parent = tx
                    .request(parent)
                    .await
                    .map_err(|_| AppError::NotFound(format!("no request {parent} to appeal")))?;
                Some((parent.request.id, parent.request.law, parent.request.status))
            }
            None => None,
        };
        let submission = Submission {
            id,
            request_type: new.request_type,
            law: new.law,
            channel: new.channel,
            designated_channel: self.settings.designated_channels.contains(&new.channel),
            high_risk: self.settings.high_risk.contains(&new.request_type),
            received_at,
            agent: new.agent,
            appeal_of,
        };
        let (request, effects) = request::submit(submission, &self.settings.calendars)?;
        let record = RequestRecord {
            request,
            evidence: Evidence::default(),
            verification_method: None,
            code_sends: 0,
            point_attempts: 0,
            version: 1,
            created_at_ms: now.as_millisecond(),
            updated_at_ms: now.as_millisecond(),
        };
        tx.insert_request(&record, &new.subject, now.as_millisecond()).await?;
        let d = &record.request.deadlines;
        let payload = json!({
            "type": record.request.request_type.id(),
            "law": record.request.law.id(),
            "channel": record.request.channel.id(),
            "designated_channel": record.request.designated_channel,
            "received_at": received_at.to_string(),
            "received_on": d.received_on.to_string(),
            "acknowledge_by": d.acknowledge_by.map(|x| x.to_string()),
            "respond_by": d.respond_by.to_string(),
            "extended_respond_by": d.extended_respond_by.map(|x| x.to_string()),
            "verification_required": record.request.verification.required.id(),
            "high_risk": record.request.high_risk,
            "agent": record.request.agent.map(|a| a.proof.id()),
            "appeal_of": record.request.appeal_of.map(|x| x.to_string()),
            "status": record.request.status.id(),
        });
        self.audit(&mut tx, now, actor, "request.submitted", Some(id), &payload).await?;
        self.effects(&mut tx, &record, &new.subject, &effects, now).await?;
        tx.commit().await?;
        Ok(Submitted {
            id,
            status: record.request.status,
            deadlines: record.request.deadlines,
            verification_required: record.request.verification.required,
        })
    }

    /// Appends an audit event in `tx`.
    pub(crate) async fn audit(
        &self,
        tx: &mut Tx,
        now: Timestamp,
        actor: &Actor,
        action: &str,
        request_id: Option<Id>,
        payload: &serde_json::Value,
    ) -> Result<u64, AppError> {
        let payload = payload.to_string();
        let actor = actor.audit_name();
        Ok(tx
            .append_audit(AuditDraft {
                at_ms: now.as_millisecond(),
                actor: &actor,
                action,
                request_id,
                payload: &payload,
            })
            .await?)
    }

    /// Queues the messages a change causes.
    async fn effects(
        &self,
        tx: &mut Tx,
        record: &RequestRecord,
        subject: &Subject,
        effects: &[Effect],
        now: Timestamp,
    ) -> Result<(), AppError> {
        for effect in effects {
            let kind = match effect {
                Effect::SendAcknowledgement => EmailKind::Acknowledgement,
                Effect::SendExtensionNotice => EmailKind::ExtensionNotice,
                Effect::SendCompletion => EmailKind::Completion,
                Effect::SendDenial => EmailKind::Denial,
            };
            self.queue_email(tx, record, subject, kind, None, now).await?;
        }
        Ok(())
    }

    /// Applies one event to a request read (and locked) in `tx`: transition, write, audit,
    /// messages. `extra` adds fields to the audit payload (never personal data).
    pub(crate) async fn apply(
        &self,
        tx: &mut Tx,
        record: &mut RequestRecord,
        event: Event,
        actor: &Actor,
        extra: serde_json::Value,
        now: Timestamp,
    ) -> Result<(), AppError> {
        let action = event.action();
        let mut payload = match &event {
            Event::Verified { level, directly } => {
                json!({ "level": level.id(), "directly": directly })
            }
            Event::Completed { reasons } | Event::Denied { reasons } => {
                json!({ "reasons": reasons.iter().map(|r| r.basis.code()).collect::<Vec<_>>() })
            }
            _ => json!({}),
        };
        let (next, effects) =
            request::transition(&record.request, event, now, &self.settings.calendars)?;
        if let (Some(map), serde_json::Value::Object(extra)) = (payload.as_object_mut(), extra) {
            map.extend(extra);
            map.insert("status".to_owned(), json!(next.status.id()));
            if next.effective_type != record.request.effective_type {
                map.insert("answered_as".to_owned(), json!(next.effective_type.id()));
            }
            if next.extended && !record.request.extended {
                map.insert("respond_by".to_owned(), json!(next.due().to_string()));
            }
        }
        record.request = next;
        record.version = tx.update_request(record, now.as_millisecond()).await?;
        self.audit(tx, now, actor, action, Some(record.request.id), &payload).await?;
        if !effects.is_empty() {
            let subject = tx.subject(record.request.id).await?;
            self.effects(tx, record, &subject, &effects, now).await?;
        }
        Ok(())
    }

    /// Reads a request for a change, with a clear error when the id is unknown.
    async fn locked(&self, tx: &mut Tx, id: Id) -> Result<RequestRecord, AppError> {
        tx.request_for_update(id).await.map_err(|e| match e {
            ombud_store::StoreError::NotFound { .. } => {
                AppError::NotFound(format!("no request {id}"))
            }
            other => other.into(),
        })
    }

    /// Applies one event in its own transaction.
    async fn change(
        &self,
        id: Id,
        event: Event,
        actor: &Actor,
        extra: serde_json::Value,
    ) -> Result<RequestRecord, AppError> {
        let now = self.now();
        let mut tx = self.store().begin().await?;
        let mut record = self.locked(&mut tx, id).await?;
        self.apply(&mut tx, &mut record, event, actor, extra, now).await?;
        tx.commit().await?;
        Ok(record)
    }

    /// Records that receipt was confirmed by other means than email (orally on a call,
    /// by letter: R-030 allows the channel of the request).
    pub async fn acknowledge(
        &self,
        id: Id,
        how: &str,
        actor: &Actor,
    ) -> Result<RequestRecord, AppError> {
        if !ACKNOWLEDGED_BY.contains(&how) {
            return Err(AppError::Invalid(format!(
                "say how receipt was confirmed: one of {}",
                ACKNOWLEDGED_BY.join(", ")
            )));
        }
        self.change(id, Event::Acknowledged, actor, json!({ "how": how })).await
    }

    /// Begins the work on a verified request.
    pub async fn start(&self, id: Id, actor: &Actor) -> Result<RequestRecord, AppError> {
        self.change(id, Event::Started, actor, json!({})).await
    }

    /// Takes the one extension, with the reason told to the person.
    pub async fn extend(
        &self,
        id: Id,
        reason: &str,
        actor: &Actor,
    ) -> Result<RequestRecord, AppError> {
        self.change(
            id,
            Event::Extended { reason: Sensitive::new(reason.to_owned()) },
            actor,
            json!({}),
        )
        .await
    }

    /// Completes a request, in part when `reasons` says why the rest was refused.
    pub async fn complete(
        &self,
        id: Id,
        reasons: Vec<DenialReason>,
        actor: &Actor,
    ) -> Result<RequestRecord, AppError> {
        self.change(id, Event::Completed { reasons }, actor, json!({})).await
    }

    /// Denies a request with its reasons.
    pub async fn deny(
        &self,
        id: Id,
        reasons: Vec<DenialReason>,
        actor: &Actor,
    ) -> Result<RequestRecord, AppError> {
        self.change(id, Event::Denied { reasons }, actor, json!({})).await
    }

    /// Cancels a request (withdrawn by the person, or a duplicate).
    pub async fn cancel(
        &self,
        id: Id,
        note: &str,
        actor: &Actor,
    ) -> Result<RequestRecord, AppError> {
        if !CANCELLATION_NOTES.contains(&note) {
            return Err(AppError::Invalid(format!(
                "say why with one of {}",
                CANCELLATION_NOTES.join(", ")
            )));
        }
        self.change(id, Event::Cancelled, actor, json!({ "note": note })).await
    }

    /// Records reasonable doubts about identity, raising the level a GDPR request needs
    /// (Art 12(6)).
    pub async fn doubt_identity(&self, id: Id, actor: &Actor) -> Result<RequestRecord, AppError> {
        self.change(id, Event::IdentityDoubted, actor, json!({})).await
    }

    /// Records that the person confirmed their agent directly (R-060(c)), and verifies
    /// the request if its evidence already suffices.
    pub async fn confirm_agent(
        &self,
        id: Id,
        actor: &Actor,
    ) -> Result<VerificationOutcome, AppError> {
        let now = self.now();
        let mut tx = self.store().begin().await?;
        let mut record = self.locked(&mut tx, id).await?;
        self.apply(&mut tx, &mut record, Event::AgentConfirmed, actor, json!({}), now).await?;
        let outcome = self.try_verify(&mut tx, &mut record, None, false, actor, now).await?;
        tx.commit().await?;
        Ok(outcome)
    }

    /// Sends a new one-time code to the person's email address (voiding any earlier
    /// code). The code is stored only as a keyed hash.
    pub async fn send_code(&self, id: Id, actor: &Actor) -> Result<Timestamp, AppError> {
        let now = self.now();
        let mut tx = self.store().begin().await?;
        let mut record = self.locked(&mut tx, id).await?;
        if !matches!(record.request.status, Status::Received | Status::Verifying) {
            return Err(AppError::Conflict(format!(
                "request {id} is {}; it needs no code",
                record.request.status
            )));
        }
        if !self.settings.offers(record.request.request_type, VerificationMethod::EmailCode) {
            return Err(AppError::Invalid(
                "the program does not offer email codes for this right".to_owned(),
            ));
        }
        if record.code_sends >= limits::VERIFICATION_CODES_PER_REQUEST_MAX {
            return Err(AppError::Forbidden(format!(
                "{} codes were sent for this request already; staff must verify it another way (R-045)",
                limits::VERIFICATION_CODES_PER_REQUEST_MAX
            )));
        }
        let subject = tx.subject(id).await?;
        let Some(address) = email_index(&tx, &subject) else {
            return Err(AppError::Invalid(
                "the request has no email address to send a code to".to_owned(),
            ));
        };
        let day_ago = now.as_millisecond() - DAY_MS;
        if tx.code_activity(&address, CodeActivity::Sent, day_ago).await?
            >= limits::VERIFICATION_CODES_PER_ADDRESS_PER_DAY_MAX
        {
            return Err(AppError::Forbidden(format!(
                "{} codes were sent to this address in the last day; try again tomorrow, or staff verify the request another way (R-045)",
                limits::VERIFICATION_CODES_PER_ADDRESS_PER_DAY_MAX
            )));
        }
        let code = self.ids.code().ok_or_else(|| {
            AppError::Unavailable("no secure random source is available to make a code".to_owned())
        })?;
        tx.record_code_activity(&address, CodeActivity::Sent, now.as_millisecond()).await?;
        let mac = tx.keys().secret_mac("verification_code", format!("{id}:{code}").as_bytes());
        let expires_at = now
            .checked_add(jiff::SignedDuration::from_millis(limits::VERIFICATION_CODE_LIFETIME_MS))
            .unwrap_or(now);
        tx.store_code(id, &mac, now.as_millisecond(), expires_at.as_millisecond()).await?;
        record.code_sends += 1;
        if record.request.status == Status::Received {
            self.apply(
                &mut tx,
                &mut record,
                Event::VerificationStarted,
                actor,
                json!({ "method": "email_code" }),
                now,
            )
            .await?;
        } else {
            record.version = tx.update_request(&record, now.as_millisecond()).await?;
        }
        self.audit(
            &mut tx,
            now,
            actor,
            "request.code_sent",
            Some(id),
            &json!({ "sends": record.code_sends, "expires_at": expires_at.to_string() }),
        )
        .await?;
        self.queue_email(&mut tx, &record, &subject, EmailKind::VerificationCode, Some(&code), now)
            .await?;
        tx.commit().await?;
        Ok(expires_at)
    }

    /// Checks a code the person entered. A right code shows control of the address;
    /// it counts toward verification only when the company holds that address (a
    /// lookup in its records says so), since an address anyone can type proves nothing
    /// about whose data it is.
    pub async fn check_code(
        &self,
        id: Id,
        code: &str,
        actor: &Actor,
    ) -> Result<VerificationOutcome, AppError> {
        let now = self.now();
        let mut tx = self.store().begin().await?;
        let mut record = self.locked(&mut tx, id).await?;
        let stored = tx.code(id).await?.ok_or_else(|| {
            AppError::Invalid("no code was sent for this request; ask for one first".to_owned())
        })?;
        if stored.consumed_at_ms.is_some() {
            return Err(AppError::Invalid(
                "this code was used already; ask for a new one".to_owned(),
            ));
        }
        if stored.attempts >= limits::VERIFICATION_CODE_ATTEMPTS_MAX {
            return Err(AppError::Forbidden("too many wrong codes; ask for a new code".to_owned()));
        }
        let subject = tx.subject(id).await?;
        let address = email_index(&tx, &subject).unwrap_or_default();
        let day_ago = now.as_millisecond() - DAY_MS;
        if tx.code_activity(&address, CodeActivity::Failed, day_ago).await?
            >= limits::VERIFICATION_FAILURES_PER_ADDRESS_PER_DAY_MAX
        {
            return Err(AppError::Forbidden(
                "too many wrong codes were entered for this address in the last day; try again tomorrow (R-045)".to_owned(),
            ));
        }
        if now.as_millisecond() > stored.expires_at_ms {
            return Err(AppError::Invalid("the code has expired; ask for a new one".to_owned()));
        }
        let code = code.trim();
        let given = tx.keys().secret_mac("verification_code", format!("{id}:{code}").as_bytes());
        let matches = code.len() <= 16 && subtle_eq(&given, &stored.code_mac);
        if !matches {
            tx.record_code_failure(id).await?;
            tx.record_code_activity(&address, CodeActivity::Failed, now.as_millisecond()).await?;
            let left = limits::VERIFICATION_CODE_ATTEMPTS_MAX - stored.attempts - 1;
            self.audit(
                &mut tx,
                now,
                actor,
                "request.code_failed",
                Some(id),
                &json!({ "attempts_left": left }),
            )
            .await?;
            tx.commit().await?;
            return Err(AppError::Invalid(format!(
                "the code is not right; {left} attempt{} left",
                if left == 1 { "" } else { "s" }
            )));
        }
        tx.consume_code(id, now.as_millisecond()).await?;
        let on_file = self.email_on_file(&subject).await?;
        record.evidence.email_confirmed = on_file;
        self.audit(
            &mut tx,
            now,
            actor,
            "request.code_confirmed",
            Some(id),
            &json!({ "address_on_file": on_file }),
        )
        .await?;
        let outcome = self
            .try_verify(&mut tx, &mut record, Some(VerificationMethod::EmailCode), true, actor, now)
            .await?;
        tx.commit().await?;
        Ok(match outcome {
            VerificationOutcome::NotYet { achieved, required, reason } if !on_file => {
                VerificationOutcome::NotYet {
                    achieved,
                    required,
                    reason: format!(
                        "the address is confirmed, but the company's records hold no one under it, so it cannot verify who the data is about; {reason}"
                    ),
                }
            }
            other => other,
        })
    }

    /// Whether the company holds the subject's email address, by its own records.
    async fn email_on_file(&self, subject: &Subject) -> Result<bool, AppError> {
        let Some(email) = subject.email.as_deref() else { return Ok(false) };
        let Ok(wanted) = normalize_identity(IdentityKind::Email, email) else { return Ok(false) };
        let query = LookupQuery::for_subject(Some(email), None, None);
        let kinds = ["email".to_owned()];
        let held = self
            .lookup
            .held(&query, &kinds)
            .await
            .map_err(|e| AppError::Unavailable(format!("cannot look up the data held: {e}")))?;
        Ok(held.iter().filter(|p| p.kind == "email").flat_map(|p| &p.values).any(|value| {
            normalize_identity(IdentityKind::Email, value.expose()).is_ok_and(|held| held == wanted)
        }))
    }

    /// Matches data points the person gives against what the company holds (R-049,
    /// R-050), with the signed declaration when they give one (stored with the request,
    /// R-050 asks to keep it).
    pub async fn verify_data_points(
        &self,
        id: Id,
        claims: Vec<Claim>,
        declaration_name: Option<&str>,
        actor: &Actor,
    ) -> Result<VerificationOutcome, AppError> {
        if claims.is_empty() || claims.len() > limits::DATA_POINTS_PER_ATTEMPT_MAX {
            return Err(AppError::Invalid(format!(
                "give between 1 and {} data points",
                limits::DATA_POINTS_PER_ATTEMPT_MAX
            )));
        }
        for claim in &claims {
            if !self.settings.data_points.iter().any(|(kind, _)| *kind == claim.kind) {
                let known: Vec<&str> =
                    self.settings.data_points.iter().map(|(k, _)| k.as_str()).collect();
                return Err(AppError::Invalid(format!(
                    "`{}` is not a data point of this program; it declares: {}",
                    claim.kind,
                    known.join(", ")
                )));
            }
            if claim.value.expose().len() > limits::IDENTITY_VALUE_BYTES_MAX {
                return Err(AppError::Invalid(format!(
                    "the value of `{}` is too long",
                    claim.kind
                )));
            }
        }
        if let Some(name) = declaration_name
            && (name.trim().is_empty() || name.len() > limits::IDENTITY_VALUE_BYTES_MAX)
        {
            return Err(AppError::Invalid("sign the declaration with your full name".to_owned()));
        }
        let now = self.now();
        let mut tx = self.store().begin().await?;
        let mut record = self.locked(&mut tx, id).await?;
        if !matches!(record.request.status, Status::Received | Status::Verifying) {
            return Err(AppError::Conflict(format!(
                "request {id} is {}; it is not waiting for verification",
                record.request.status
            )));
        }
        if record.point_attempts >= limits::DATA_POINT_ATTEMPTS_MAX {
            return Err(AppError::Forbidden("the attempts to match data points are used up; staff will verify the request another way (R-045)".to_owned()));
        }
        if !self.lookup.connected() {
            return Err(AppError::Invalid(
                "no system of the company is connected to match data points yet; verify by email code, or have staff verify and attest (--attest)".to_owned(),
            ));
        }
        let subject = tx.subject(id).await?;
        let query = LookupQuery::for_subject(
            subject.email.as_deref(),
            subject.phone.as_deref(),
            subject.account_id.as_deref(),
        );
        let kinds: Vec<String> = claims.iter().map(|c| c.kind.clone()).collect();
        let held = self
            .lookup
            .held(&query, &kinds)
            .await
            .map_err(|e| AppError::Unavailable(format!("cannot look up the data held: {e}")))?;
        let excluded: Vec<&str> = subject.correcting.iter().map(String::as_str).collect();
        let report = verification::match_points(&claims, &held, &excluded);
        record.point_attempts += 1;
        record.evidence.data_points_matched =
            record.evidence.data_points_matched.max(report.matched);
        if let Some(name) = declaration_name {
            let document = DocumentInfo {
                id: self.ids.id(now),
                request_id: id,
                kind: "declaration".to_owned(),
                content_type: "text/plain; charset=utf-8".to_owned(),
                size_bytes: 0,
                created_at_ms: now.as_millisecond(),
            };
            let text = format!(
                "{}\nSigned: {}\nAt: {now}\nRequest: {id}\n",
                declaration_text(record.request.law),
                name.trim()
            );
            let document =
                DocumentInfo { size_bytes: u64::try_from(text.len()).unwrap_or(0), ..document };
            tx.add_document(&document, text.as_bytes()).await?;
            record.evidence.declaration_signed = true;
        }
        let outcomes: Vec<serde_json::Value> = report
            .outcomes
            .iter()
            .map(|(kind, outcome)| json!([kind, format!("{outcome:?}").to_lowercase()]))
            .collect();
        self.audit(
            &mut tx,
            now,
            actor,
            "request.data_points_checked",
            Some(id),
            &json!({
                "matched": report.matched, "mismatched": report.mismatched, "outcomes": outcomes,
                "declaration": declaration_name.is_some(), "attempt": record.point_attempts,
            }),
        )
        .await?;
        let method = if record.evidence.declaration_signed {
            VerificationMethod::SignedDeclaration
        } else {
            VerificationMethod::DataPoints
        };
        let mut outcome =
            self.try_verify(&mut tx, &mut record, Some(method), false, actor, now).await?;
        // The last attempt is spent: a request for specific pieces that reached the
        // categories level is answered as one for categories.
        if matches!(outcome, VerificationOutcome::NotYet { .. })
            && record.point_attempts >= limits::DATA_POINT_ATTEMPTS_MAX
        {
            outcome = self
                .fall_back_to_categories(&mut tx, &mut record, actor, now)
                .await?
                .unwrap_or(outcome);
        }
        tx.commit().await?;
        Ok(outcome)
    }

    /// Answers a request for specific pieces as a request for categories, when it cannot
    /// be verified to the higher level but reached the categories level: staff
    /// decide so when the person will not give more, and it happens by itself when the
    /// attempts run out.
    pub async fn answer_as_categories(
        &self,
        id: Id,
        actor: &Actor,
    ) -> Result<VerificationOutcome, AppError> {
        let now = self.now();
        let mut tx = self.store().begin().await?;
        let mut record = self.locked(&mut tx, id).await?;
        match self.fall_back_to_categories(&mut tx, &mut record, actor, now).await? {
            Some(outcome) => {
                tx.commit().await?;
                Ok(outcome)
            }
            None => {
                let level = verification::achieved(&record.evidence);
                let event = Event::AnsweredAsCategories { level };
                Err(
                    match request::transition(&record.request, event, now, &self.settings.calendars)
                    {
                        Err(error) => error.into(),
                        Ok(_) => AppError::Internal("the fallback did not apply".to_owned()),
                    },
                )
            }
        }
    }

    /// Applies the R-053 fallback if the evidence allows it; `None` when it does not.
    async fn fall_back_to_categories(
        &self,
        tx: &mut Tx,
        record: &mut RequestRecord,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<Option<VerificationOutcome>, AppError> {
        let level = verification::achieved(&record.evidence);
        let event = Event::AnsweredAsCategories { level };
        if request::transition(&record.request, event.clone(), now, &self.settings.calendars)
            .is_err()
        {
            return Ok(None);
        }
        let method = record.verification_method.map(|m| m.id());
        self.apply(tx, record, event, actor, json!({ "method": method }), now).await?;
        Ok(Some(VerificationOutcome::AnsweredAsCategories { level }))
    }

    /// Verifies by an assertion from the company's own login.
    pub async fn verify_account(
        &self,
        id: Id,
        token: &str,
        actor: &Actor,
    ) -> Result<VerificationOutcome, AppError> {
        let key = self.settings.account_key.as_ref().ok_or_else(|| {
            AppError::Invalid("no account key is configured (--account-key or OMBUD_ACCOUNT_KEY), so account assertions cannot be checked".to_owned())
        })?;
        let now = self.now();
        let assertion = crate::assertion::verify(token, key, now)?;
        let mut tx = self.store().begin().await?;
        let mut record = self.locked(&mut tx, id).await?;
        let subject = tx.subject(id).await?;
        let same_account = subject.account_id.as_deref().is_some_and(|a| a == assertion.account_id);
        let same_email = match (&subject.email, &assertion.email) {
            (Some(a), Some(b)) => {
                normalize_identity(IdentityKind::Email, a).ok()
                    == normalize_identity(IdentityKind::Email, b).ok()
            }
            _ => false,
        };
        if !same_account && !same_email {
            self.audit(&mut tx, now, actor, "request.account_mismatch", Some(id), &json!({}))
                .await?;
            tx.commit().await?;
            return Err(AppError::Forbidden(
                "the signed-in account is not the one this request is about".to_owned(),
            ));
        }
        tx.use_assertion(&assertion.token_id, id, now.as_millisecond())
            .await
            .map_err(AppError::from)
            .map_err(|e| match e {
                AppError::Conflict(m) => AppError::Forbidden(m),
                other => other,
            })?;
        record.evidence.account_reauthenticated = true;
        let outcome = self
            .try_verify(
                &mut tx,
                &mut record,
                Some(VerificationMethod::AccountLogin),
                true,
                actor,
                now,
            )
            .await?;
        tx.commit().await?;
        Ok(outcome)
    }

    /// Staff attest that they verified the person by other means (a call checked
    /// against the company's records), at `level`, with the method used.
    pub async fn attest_verification(
        &self,
        id: Id,
        level: Level,
        method: VerificationMethod,
        actor: &Actor,
    ) -> Result<VerificationOutcome, AppError> {
        if matches!(actor, Actor::Subject) {
            return Err(AppError::Forbidden("only staff can attest a verification".to_owned()));
        }
        let now = self.now();
        let mut tx = self.store().begin().await?;
        let mut record = self.locked(&mut tx, id).await?;
        record.verification_method = Some(method);
        match self.verified_event(&record, level, true) {
            Ok(event) => {
                self.apply(
                    &mut tx,
                    &mut record,
                    event,
                    actor,
                    json!({ "method": method.id(), "attested": true }),
                    now,
                )
                .await?;
            }
            Err(reason) => return Err(AppError::Invalid(reason)),
        }
        tx.commit().await?;
        Ok(outcome_of(&record))
    }

    /// Whether a level suffices, as an event or the reason it does not.
    fn verified_event(
        &self,
        record: &RequestRecord,
        level: Level,
        directly: bool,
    ) -> Result<Event, String> {
        // Try the transition on a copy: it holds the rules (levels, R-053, agents).
        match request::transition(
            &record.request,
            Event::Verified { level, directly },
            self.now(),
            &self.settings.calendars,
        ) {
            Ok(_) => Ok(Event::Verified { level, directly }),
            Err(TransitionError::InsufficientVerification { required, achieved }) => Err(format!(
                "verification reached `{achieved}` and the request needs `{required}`: {}",
                required.label()
            )),
            Err(other) => Err(other.to_string()),
        }
    }

    /// Saves the evidence and verifies the request when it suffices.
    async fn try_verify(
        &self,
        tx: &mut Tx,
        record: &mut RequestRecord,
        method: Option<VerificationMethod>,
        directly: bool,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<VerificationOutcome, AppError> {
        if let Some(method) = method {
            record.verification_method = Some(method);
        }
        let achieved = verification::achieved(&record.evidence);
        let waiting = matches!(record.request.status, Status::Received | Status::Verifying);
        if waiting
            && achieved > Level::None
            && let Ok(event) = self.verified_event(record, achieved, directly)
        {
            let method_id = record.verification_method.map(|m| m.id());
            self.apply(tx, record, event, actor, json!({ "method": method_id }), now).await?;
            return Ok(outcome_of(record));
        }
        record.version = tx.update_request(record, now.as_millisecond()).await?;
        if !waiting {
            return Ok(outcome_of(record));
        }
        let required = record.request.verification.required;
        let mut reason = match self.verified_event(record, achieved, directly) {
            Err(reason) => reason,
            Ok(_) => format!("verification reached `{achieved}`; the request needs `{required}`"),
        };
        if request::transition(
            &record.request,
            Event::AnsweredAsCategories { level: achieved },
            now,
            &self.settings.calendars,
        )
        .is_ok()
        {
            reason.push_str("; that is enough for categories: staff can answer it as a request for categories (`--as-categories`), as it will be when the attempts run out (R-053)");
        }
        Ok(VerificationOutcome::NotYet { achieved, required, reason })
    }

    /// Stores a document with a request (an agent's permission, a power of attorney,
    /// evidence for a correction).
    pub async fn add_document(
        &self,
        id: Id,
        kind: &str,
        content_type: &str,
        content: &[u8],
        actor: &Actor,
    ) -> Result<Id, AppError> {
        if !DOCUMENT_KINDS.contains(&kind) {
            return Err(AppError::Invalid(format!(
                "`{kind}` is not a document kind; use one of {}",
                DOCUMENT_KINDS.join(", ")
            )));
        }
        if content.is_empty() || content.len() > limits::DOCUMENT_BYTES_MAX {
            return Err(AppError::Invalid(format!(
                "a document must hold between 1 byte and {} bytes",
                limits::DOCUMENT_BYTES_MAX
            )));
        }
        if content_type.len() > limits::ID_BYTES_MAX || content_type.chars().any(char::is_control) {
            return Err(AppError::Invalid("the media type is malformed".to_owned()));
        }
        let now = self.now();
        let mut tx = self.store().begin().await?;
        let record = self.locked(&mut tx, id).await?;
        if tx.documents(id).await?.len() >= limits::DOCUMENTS_PER_REQUEST_MAX {
            return Err(AppError::Invalid(format!(
                "a request holds at most {} documents",
                limits::DOCUMENTS_PER_REQUEST_MAX
            )));
        }
        let document = DocumentInfo {
            id: self.ids.id(now),
            request_id: record.request.id,
            kind: kind.to_owned(),
            content_type: content_type.to_owned(),
            size_bytes: u64::try_from(content.len()).unwrap_or(u64::MAX),
            created_at_ms: now.as_millisecond(),
        };
        tx.add_document(&document, content).await?;
        self.audit(
            &mut tx,
            now,
            actor,
            "request.document_added",
            Some(id),
            &json!({ "document": document.id.to_string(), "kind": kind, "bytes": content.len() }),
        )
        .await?;
        tx.commit().await?;
        Ok(document.id)
    }

    /// Everything about a request. With `reveal`, the person's details are decrypted
    /// and the read is recorded in the audit chain (DESIGN.md Security).
    pub async fn show(
        &self,
        id: Id,
        reveal: bool,
        actor: &Actor,
    ) -> Result<RequestDetails, AppError> {
        let mut tx = if reveal { self.store().begin().await? } else { self.store().read().await? };
        let record = tx.request(id).await.map_err(|e| match e {
            ombud_store::StoreError::NotFound { .. } => {
                AppError::NotFound(format!("no request {id}"))
            }
            other => other.into(),
        })?;
        let subject = if reveal {
            let subject = tx.subject(id).await?;
            self.audit(&mut tx, self.now(), actor, "request.subject_viewed", Some(id), &json!({}))
                .await?;
            Some(subject)
        } else {
            None
        };
        let timeline = tx.timeline(id).await?;
        let emails = tx.emails_for_request(id).await?;
        let documents = tx.documents(id).await?;
        tx.commit().await?;
        Ok(RequestDetails { record, subject, timeline, emails, documents })
    }

    /// Lists requests, nearest deadline first.
    pub async fn list(&self, filter: &Filter) -> Result<Vec<RequestRecord>, AppError> {
        let mut tx = self.store().read().await?;
        Ok(tx.list_requests(filter).await?)
    }

    /// Finds the requests about a person by email or phone. The search is audited: it
    /// tells staff that this person asked something.
    pub async fn find(
        &self,
        kind: IdentityKind,
        value: &str,
        actor: &Actor,
    ) -> Result<Vec<Id>, AppError> {
        normalize_identity(kind, value).map_err(|e| AppError::Invalid(e.to_string()))?;
        let now = self.now();
        let mut tx = self.store().begin().await?;
        let ids = tx.find_requests(kind, &Sensitive::new(value.to_owned())).await?;
        self.audit(
            &mut tx,
            now,
            actor,
            "request.searched",
            None,
            &json!({ "by": kind.id(), "found": ids.len() }),
        )
        .await?;
        tx.commit().await?;
        Ok(ids)
    }
}

/// The outcome a record's state shows.
fn outcome_of(record: &RequestRecord) -> VerificationOutcome {
    let level = record.request.verification.achieved.unwrap_or(Level::None);
    if record.request.effective_type != record.request.request_type {
        VerificationOutcome::AnsweredAsCategories { level }
    } else {
        VerificationOutcome::Verified { level }
    }
}

/// Constant-time equality of two MACs.
fn subtle_eq(a: &[u8], b: &[u8]) -> bool {
    use subtle::ConstantTimeEq as _;
    a.len() == b.len() && bool::from(a.ct_eq(b))
}
