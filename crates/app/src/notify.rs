//! Messages about a request: what each says (built from the request, the person and the
//! program), queueing them in the transaction of the change, and delivering them after.
//!
//! A queued message is stored whole and encrypted (it holds the person's address and
//! sometimes a code), so delivery needs nothing but the outbox row; a message that
//! fails to go out stays queued and is retried, up to `EMAIL_ATTEMPTS_MAX`.

use jiff::Timestamp;
use jiff::civil::Date;
use ombud_core::Law;
use ombud_core::Reference as _;
use ombud_core::limits;
use ombud_core::request::{DenialBasis, Event, Status};
use ombud_store::Tx;
use ombud_store::requests::{RequestRecord, Subject};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::mail::{
    AppealView, ComplaintView, EmailKind, MailContext, OrganizationView, OutcomeView,
    OutgoingEmail, PersonView, ReasonView, RequestView, VerificationView,
};
use crate::{Actor, App, AppError};

/// How many queued messages one claim takes; a pass claims again until none is left.
/// Small, so a slow relay cannot hold a claim past its lease.
const DELIVERY_CLAIM_MAX: u32 = 4;

/// How long a claimed message is left to the process that claimed it: longer than a
/// claim's worth of deliveries (each times out after 120 s). A message claimed by a
/// process that died goes out again after it — at least once, never lost — and a failed
/// attempt waits as long before the next.
const DELIVERY_LEASE_MS: i64 = 10 * 60 * 1000;

/// A message as the outbox stores it.
#[derive(Serialize, Deserialize)]
pub(crate) struct StoredEmail {
    pub(crate) to: String,
    pub(crate) from: String,
    pub(crate) reply_to: Option<String>,
    pub(crate) subject: String,
    pub(crate) text: String,
    pub(crate) html: String,
    pub(crate) message_id: String,
    pub(crate) date_ms: i64,
    /// Extra headers (`List-Unsubscribe` on list mail); absent in messages queued
    /// before lists existed.
    #[serde(default)]
    pub(crate) headers: Vec<(String, String)>,
}

/// What a delivery pass did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DeliveryReport {
    /// Messages delivered.
    pub sent: u32,
    /// Messages that failed this time (they stay queued until their attempts run out).
    pub failed: u32,
    /// Why, per failure (safe messages: no addresses).
    pub errors: Vec<String>,
}

/// A date as messages write it: "11 December 2026".
pub fn long_date(date: Date) -> String {
    date.strftime("%-d %B %Y").to_string()
}

/// How many days a law gives to decide an appeal, and whom to complain to after.
fn appeal_terms(law: Law) -> Option<(u32, &'static str)> {
    // appeals are decided within these periods; a denied appeal tells the
    // person how to reach the Attorney General.
    let rule = ombud_core::clock::rule(law, ombud_core::RequestType::Appeal)?;
    let attorney_general = match law {
        Law::Virginia => "the Office of the Attorney General of Virginia",
        Law::Colorado => "the Colorado Attorney General",
        Law::Connecticut => "the Connecticut Attorney General",
        Law::Texas => {
            "the Texas Attorney General, whose office takes complaints online (Tex. Bus. & Com. Code §541.152)"
        }
        Law::Oregon => "the Oregon Department of Justice",
        _ => return None,
    };
    Some((rule.respond.amount, attorney_general))
}

impl App {
    /// The template data of a message about `record`.
    fn mail_context(
        &self,
        record: &RequestRecord,
        subject: &Subject,
        code: Option<&str>,
    ) -> MailContext {
        let request = &record.request;
        let settings = self.settings();
        let organization = &settings.organization;
        let effective = request.effective_type;
        let mut context = MailContext {
            organization: OrganizationView {
                name: organization.name.clone(),
                contact_email: organization.contact_email.clone(),
                contact_phone: organization.contact_phone.clone(),
                website: organization.website.clone(),
                privacy_policy_url: settings
                    .privacy_center
                    .clone()
                    .or_else(|| organization.website.clone()),
            },
            request: RequestView {
                id: request.id.to_string(),
                type_id: request.request_type.id().to_owned(),
                type_label: request.request_type.label().to_owned(),
                law_id: request.law.id().to_owned(),
                law_label: request.law.label().to_owned(),
                received_on: long_date(request.deadlines.received_on),
                respond_by: long_date(request.deadlines.respond_by),
                extended_to: request.extended.then(|| long_date(request.due())),
                extension_reason: request.extension_reason.as_ref().map(|r| r.expose().clone()),
                is_opt_out: request.request_type.verification_forbidden(),
                via_agent: request.agent.is_some(),
            },
            person: PersonView { name: subject.name.clone() },
            verification: None,
            outcome: None,
            appeal: None,
            complaint: None,
        };
        if let Some(code) = code {
            context.verification = Some(VerificationView {
                steps: vec![
                    "Enter this code where you made your request, or give it to us when we call."
                        .to_owned(),
                ],
                code: Some(code.to_owned()),
                code_expires_minutes: u32::try_from(limits::VERIFICATION_CODE_LIFETIME_MS / 60_000)
                    .ok(),
            });
        } else if matches!(request.status, Status::Received | Status::Verifying)
            && request.verification.required > ombud_core::verification::Level::None
        {
            context.verification = Some(VerificationView {
                steps: vec![format!(
                    "We need {} before we act on your request.",
                    request.verification.required.label()
                )],
                code: None,
                code_expires_minutes: None,
            });
        }
        if request.status.is_closed() && request.status != Status::Cancelled {
            let reasons: Vec<ReasonView> = request
                .reasons
                .iter()
                .map(|r| ReasonView {
                    code: r.basis.code().to_owned(),
                    label: r.basis.label().to_owned(),
                    citation: r.basis.citation().to_owned(),
                    explanation: r.explanation.as_ref().map(|e| e.expose().clone()),
                })
                .collect();
            context.outcome = Some(OutcomeView {
                status: request.status.id().to_owned(),
                summary: None,
                reasons,
                downgraded_to_categories: effective != request.request_type,
                unverified: request.reasons.iter().any(|r| r.basis == DenialBasis::Unverifiable),
            });
            let refused = matches!(request.status, Status::Denied | Status::PartiallyCompleted);
            if refused && request.law == Law::Gdpr {
                // Art 12(4): tell the person they may complain and seek a judicial remedy.
                context.complaint = Some(ComplaintView {
                    authority: organization
                        .supervisory_authority
                        .as_ref()
                        .map(|(name, _)| name.clone()),
                    url: organization
                        .supervisory_authority
                        .as_ref()
                        .and_then(|(_, url)| url.clone()),
                });
            }
            if refused && let Some((days, attorney_general)) = appeal_terms(request.law) {
                let how = match (&organization.contact_email, &settings.privacy_center) {
                    (_, Some(center)) => format!(
                        "Ask for an appeal at {center}, quoting the reference {}.",
                        request.id
                    ),
                    (Some(email), None) => format!(
                        "Write to {email} saying you appeal, quoting the reference {}.",
                        request.id
                    ),
                    (None, None) => format!(
                        "Reply to this message saying you appeal, quoting the reference {}.",
                        request.id
                    ),
                };
                context.appeal = Some(AppealView {
                    how,
                    deadline_days: days,
                    // a denied appeal names the Attorney General.
                    attorney_general: (request.request_type == ombud_core::RequestType::Appeal)
                        .then(|| attorney_general.to_owned()),
                });
            }
        }
        context
    }

    /// Renders and queues a message in `tx`. A request without an address gets none;
    /// staff then tell the person another way (and record it, for an acknowledgement).
    pub(crate) async fn queue_email(
        &self,
        tx: &mut Tx,
        record: &RequestRecord,
        subject: &Subject,
        kind: EmailKind,
        code: Option<&str>,
        now: Timestamp,
    ) -> Result<(), AppError> {
        // The code goes to the person themselves (R-060(b)); the rest to whoever acts.
        let to = match kind {
            EmailKind::VerificationCode => subject.email.clone(),
            _ => subject
                .agent
                .as_ref()
                .and_then(|a| a.email.clone())
                .or_else(|| subject.email.clone()),
        };
        let Some(to) = to else { return Ok(()) };
        let context = self.mail_context(record, subject, code);
        let rendered = self
            .templates
            .render(kind, &context)
            .map_err(|e| AppError::Internal(format!("render the {} message: {e}", kind.id())))?;
        let id = self.ids.id(now);
        let domain =
            self.settings().email_from.rsplit('@').next().unwrap_or("ombud.invalid").to_owned();
        let stored = StoredEmail {
            to,
            from: self.settings().email_from.clone(),
            reply_to: self.settings().organization.contact_email.clone(),
            subject: rendered.subject,
            text: rendered.text,
            html: rendered.html,
            message_id: format!("<{id}@{domain}>"),
            date_ms: now.as_millisecond(),
            headers: Vec::new(),
        };
        let bytes = zeroize::Zeroizing::new(
            serde_json::to_vec(&stored)
                .map_err(|_| AppError::Internal("serialize a message".to_owned()))?,
        );
        tx.enqueue_email(id, Some(record.request.id), kind.id(), &bytes, now.as_millisecond())
            .await?;
        Ok(())
    }

    /// Delivers the queued messages, each once per pass. Messages are claimed in the
    /// store first, so ombud processes delivering at the same time never send one twice.
    /// A delivered acknowledgement records the request as acknowledged.
    pub async fn deliver_pending(&self) -> Result<DeliveryReport, AppError> {
        let _one_at_a_time = self.delivery.lock().await;
        let mut report = DeliveryReport::default();
        loop {
            let batch = {
                let mut tx = self.store().begin().await?;
                let batch = tx
                    .claim_emails(
                        self.now().as_millisecond(),
                        DELIVERY_LEASE_MS,
                        DELIVERY_CLAIM_MAX,
                    )
                    .await?;
                tx.commit().await?;
                batch
            };
            if batch.is_empty() {
                break;
            }
            for (queued, content) in batch {
                let stored: StoredEmail = serde_json::from_slice(&content).map_err(|_| {
                    AppError::Internal(format!("queued email {} does not parse", queued.id))
                })?;
                let email = OutgoingEmail {
                    to: stored.to,
                    from: stored.from,
                    reply_to: stored.reply_to,
                    subject: stored.subject,
                    text: stored.text,
                    html: stored.html,
                    message_id: stored.message_id,
                    date: Timestamp::from_millisecond(stored.date_ms)
                        .unwrap_or(Timestamp::UNIX_EPOCH),
                    headers: stored.headers,
                };
                let result = self.transport.send(&email).await;
                let now = self.now();
                let mut tx = self.store().begin().await?;
                match result {
                    Ok(_) => {
                        tx.mark_email_sent(queued.id, now.as_millisecond()).await?;
                        report.sent += 1;
                        if queued.kind == EmailKind::Acknowledgement.id()
                            && let Some(request_id) = queued.request_id
                        {
                            let mut record = tx.request_for_update(request_id).await?;
                            if record.request.acknowledged_at.is_none()
                                && !record.request.status.is_closed()
                            {
                                self.apply(
                                    &mut tx,
                                    &mut record,
                                    Event::Acknowledged,
                                    &Actor::System,
                                    json!({ "how": "email", "email": queued.id.to_string() }),
                                    now,
                                )
                                .await?;
                            }
                        }
                    }
                    Err(error) => {
                        let message = error.to_string();
                        tx.mark_email_attempt_failed(queued.id, &message).await?;
                        report.failed += 1;
                        report.errors.push(format!("email {}: {message}", queued.id));
                    }
                }
                tx.commit().await?;
            }
        }
        Ok(report)
    }
}
