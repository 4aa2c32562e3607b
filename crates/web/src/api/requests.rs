//! Rights requests over the API: submit (`requests:write`), read the status and deadlines
//! (`requests:read`, never the person's details), send the person a verification code
//! and check the code they give back (`requests:write`). For the company's own systems
//! that take requests — its app, its support desk — and hand them to ombud.
//!
//! The person's details go in once, in the submission, and never come back out: the
//! status names the request by id only, so a token that can read statuses learns nothing
//! about who asked (DESIGN.md Security). Every change is audited as `api:<token id>`.

use std::sync::Arc;

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use jiff::civil::Date;
use ombud_app::requests::{NewRequest, VerificationOutcome};
use ombud_app::tokens::Scope;
use ombud_app::{Actor, AppError};
use ombud_core::clock::Deadlines;
use ombud_core::id::Id;
use ombud_core::{ChannelKind, Law, Reference, RequestType, limits};
use ombud_store::requests::Subject;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{ApiBody, ApiError, answer, parse, principal, refused};
use crate::Site;

/// The largest body a request route reads: every field of a submission at its limit.
const REQUEST_BODY_BYTES_MAX: usize = 64 << 10;

/// The longest verification code accepted for checking (ombud's are shorter).
const CODE_CHARS_MAX: usize = 16;

/// A request as a company system hands it over.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewRequestBody {
    /// The right asked for: `access`, `know`, `delete`, `correct`, `opt_out_sale_share`,
    /// `limit_sensitive`, `portability`, …
    #[serde(rename = "type")]
    request_type: String,
    /// The law it is made under: `ccpa`, `gdpr`, `virginia`, `colorado`, …
    law: String,
    /// How the person reached the company (the §7101 "manner of request"): `web_form`
    /// (the default), `account`, `email`, `phone`, `toll_free_phone`, `postal_mail`,
    /// `in_person`.
    #[serde(default)]
    channel: Option<String>,
    /// The person's name (at most 320 bytes).
    #[serde(default)]
    #[schema(max_length = 320)]
    name: Option<String>,
    /// Their email address: where the acknowledgement and the codes go.
    #[serde(default)]
    #[schema(max_length = 320)]
    email: Option<String>,
    /// Their phone number.
    #[serde(default)]
    #[schema(max_length = 320)]
    phone: Option<String>,
    /// Their account id with the company.
    #[serde(default)]
    #[schema(max_length = 320)]
    account_id: Option<String>,
    /// Their postal address (at most 8 KiB).
    #[serde(default)]
    #[schema(max_length = 8192)]
    postal_address: Option<String>,
    /// What they wrote: which data, what to correct (at most 8 KiB).
    #[serde(default)]
    #[schema(max_length = 8192)]
    details: Option<String>,
    /// For a correction: the kinds of data being corrected, which cannot then verify
    /// the request; at most ten.
    #[serde(default)]
    #[schema(max_items = 10)]
    correcting: Vec<String>,
}

/// A code the person gave back.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CodeBody {
    /// The code from the email, as the person typed it.
    #[schema(max_length = 16)]
    code: String,
}

/// A request's due dates, in the law's calendar (YYYY-MM-DD).
#[derive(Serialize, ToSchema)]
pub(crate) struct DeadlinesBody {
    /// The day of receipt.
    received_on: String,
    /// Confirm receipt by, when the law asks for it.
    acknowledge_by: Option<String>,
    /// Respond by.
    respond_by: String,
    /// The last day to notice an extension.
    extension_notice_by: Option<String>,
    /// Respond by, if extended.
    extended_respond_by: Option<String>,
}

impl DeadlinesBody {
    fn of(d: &Deadlines) -> DeadlinesBody {
        let day = |d: Option<Date>| d.map(|d| d.to_string());
        DeadlinesBody {
            received_on: d.received_on.to_string(),
            acknowledge_by: day(d.acknowledge_by),
            respond_by: d.respond_by.to_string(),
            extension_notice_by: day(d.extension_notice_by),
            extended_respond_by: day(d.extended_respond_by),
        }
    }
}

/// A request just stored.
#[derive(Serialize, ToSchema)]
pub(crate) struct SubmittedBody {
    /// Its id: what the other routes take.
    id: String,
    /// `received`, or `verified` when the right needs no verification (opt-outs).
    status: &'static str,
    /// The verification it needs: `none`, `basic`, `reasonable`, `reasonably_high`.
    verification_required: &'static str,
    /// Its due dates.
    deadlines: DeadlinesBody,
}

/// Where a request stands. No personal data.
#[derive(Serialize, ToSchema)]
pub(crate) struct StatusBody {
    id: String,
    /// The right asked for.
    #[serde(rename = "type")]
    request_type: &'static str,
    /// What is being answered, when not what was asked: an access request verified
    /// only enough for categories is answered as a request to know.
    answered_as: Option<&'static str>,
    law: &'static str,
    channel: &'static str,
    /// `received`, `verifying`, `verified`, `in_progress`, `completed`,
    /// `partially_completed`, `denied`, `cancelled`.
    status: &'static str,
    /// When it was received (RFC 3339).
    received_at: String,
    /// The verification it needs.
    verification_required: &'static str,
    /// The verification reached, once verified.
    verification_achieved: Option<&'static str>,
    deadlines: DeadlinesBody,
    /// The one extension was taken.
    extended: bool,
    /// The response deadline in force.
    due: String,
    /// When receipt was confirmed (RFC 3339).
    acknowledged_at: Option<String>,
    /// When it was closed (RFC 3339).
    closed_at: Option<String>,
    /// The legal bases of a denial or partial completion (codes).
    reasons: Vec<&'static str>,
}

/// A code on its way.
#[derive(Serialize, ToSchema)]
pub(crate) struct CodeSent {
    /// When the code stops working (RFC 3339).
    expires_at: String,
}

/// Where verification stands after a code was checked.
#[derive(Serialize, ToSchema)]
pub(crate) struct VerifyBody {
    /// `verified`; `answered_as_categories` (verified enough for categories only, R-053);
    /// or `not_yet`.
    outcome: &'static str,
    /// The level reached.
    achieved: &'static str,
    /// The level needed, when not reached.
    required: Option<&'static str>,
    /// What is missing, in words, when not reached.
    reason: Option<String>,
}

/// The reference id in the field `field`, or a refusal naming the field and the ids
/// allowed — never the value sent, which may be anything (an email address pasted into
/// the wrong field).
fn reference<R: Reference>(field: &str, what: &str, value: &str) -> Result<R, AppError> {
    R::from_id(value).ok_or_else(|| {
        AppError::Invalid(format!("`{field}` is not a {what}; use one of: {}", R::ids().join(", ")))
    })
}

fn body_size(body: &[u8]) -> Result<(), AppError> {
    if body.len() > REQUEST_BODY_BYTES_MAX {
        return Err(AppError::Invalid(format!(
            "the body is over {} KiB; a request's fields are short",
            REQUEST_BODY_BYTES_MAX >> 10
        )));
    }
    Ok(())
}

fn request_id(path: Result<Path<String>, PathRejection>) -> Result<Id, AppError> {
    let bad = || {
        AppError::Invalid(
            "that is not a request id (26 characters, as the submission returned)".to_owned(),
        )
    };
    let Path(text) = path.map_err(|_| bad())?;
    Id::parse(text.trim()).ok_or_else(bad)
}

fn caller(principal: &ombud_app::tokens::ApiPrincipal) -> Actor {
    Actor::Api(principal.id.to_string())
}

async fn do_submit(
    site: &Site,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<SubmittedBody, AppError> {
    let who = principal(site, headers, Scope::RequestsWrite).await?;
    body_size(body)?;
    let b: NewRequestBody = parse(body)?;
    let request_type: RequestType = reference("type", "right", &b.request_type)?;
    let law: Law = reference("law", "law", &b.law)?;
    let channel = match b.channel.as_deref() {
        Some(text) => reference::<ChannelKind>("channel", "channel", text)?,
        None => ChannelKind::WebForm,
    };
    // The app checks the person's fields (sizes, control characters, a valid email and
    // phone, at least one way to find them); the correction kinds are checked here.
    if b.correcting.len() > limits::DATA_POINTS_PER_ATTEMPT_MAX
        || b.correcting.iter().any(|k| k.len() > limits::ID_BYTES_MAX)
    {
        return Err(AppError::Invalid(
            "name at most ten kinds of data being corrected, each a short id".to_owned(),
        ));
    }
    let new = NewRequest {
        request_type,
        law,
        channel,
        received_at: None,
        subject: Subject {
            name: b.name,
            email: b.email,
            phone: b.phone,
            postal_address: b.postal_address,
            account_id: b.account_id,
            details: b.details,
            correcting: b.correcting,
            agent: None,
        },
        agent: None,
        appeal_of: None,
    };
    let submitted = site.app.submit(new, &caller(&who)).await?;
    crate::mail::deliver_soon(site);
    Ok(SubmittedBody {
        id: submitted.id.to_string(),
        status: submitted.status.id(),
        verification_required: submitted.verification_required.id(),
        deadlines: DeadlinesBody::of(&submitted.deadlines),
    })
}

async fn do_status(
    site: &Site,
    headers: &HeaderMap,
    path: Result<Path<String>, PathRejection>,
) -> Result<StatusBody, AppError> {
    let who = principal(site, headers, Scope::RequestsRead).await?;
    let id = request_id(path)?;
    // Without `reveal`: the person's details are not read, so there is no read to audit.
    let details = site.app.show(id, false, &caller(&who)).await?;
    let r = &details.record.request;
    Ok(StatusBody {
        id: r.id.to_string(),
        request_type: r.request_type.id(),
        answered_as: (r.effective_type != r.request_type).then(|| r.effective_type.id()),
        law: r.law.id(),
        channel: r.channel.id(),
        status: r.status.id(),
        received_at: r.received_at.to_string(),
        verification_required: r.verification.required.id(),
        verification_achieved: r.verification.achieved.map(|l| l.id()),
        deadlines: DeadlinesBody::of(&r.deadlines),
        extended: r.extended,
        due: r.due().to_string(),
        acknowledged_at: r.acknowledged_at.map(|t| t.to_string()),
        closed_at: r.closed_at.map(|t| t.to_string()),
        reasons: r.reasons.iter().map(|reason| reason.basis.code()).collect(),
    })
}

async fn do_send_code(
    site: &Site,
    headers: &HeaderMap,
    path: Result<Path<String>, PathRejection>,
) -> Result<CodeSent, AppError> {
    let who = principal(site, headers, Scope::RequestsWrite).await?;
    let id = request_id(path)?;
    let expires_at = site.app.send_code(id, &caller(&who)).await?;
    crate::mail::deliver_soon(site);
    Ok(CodeSent { expires_at: expires_at.to_string() })
}

async fn do_verify(
    site: &Site,
    headers: &HeaderMap,
    path: Result<Path<String>, PathRejection>,
    body: &[u8],
) -> Result<VerifyBody, AppError> {
    let who = principal(site, headers, Scope::RequestsWrite).await?;
    let id = request_id(path)?;
    body_size(body)?;
    let b: CodeBody = parse(body)?;
    if b.code.trim().chars().count() > CODE_CHARS_MAX {
        return Err(AppError::Invalid(format!(
            "a code is at most {CODE_CHARS_MAX} characters; give the one from the email"
        )));
    }
    let outcome = site.app.check_code(id, &b.code, &caller(&who)).await?;
    // A verified request may have queued messages (an answer as categories is told).
    crate::mail::deliver_soon(site);
    Ok(match outcome {
        VerificationOutcome::Verified { level } => {
            VerifyBody { outcome: "verified", achieved: level.id(), required: None, reason: None }
        }
        VerificationOutcome::AnsweredAsCategories { level } => VerifyBody {
            outcome: "answered_as_categories",
            achieved: level.id(),
            required: None,
            reason: None,
        },
        VerificationOutcome::NotYet { achieved, required, reason } => VerifyBody {
            outcome: "not_yet",
            achieved: achieved.id(),
            required: Some(required.id()),
            reason: Some(reason),
        },
    })
}

/// Submits a rights request on a person's behalf (audited as this token).
///
/// The acknowledgement goes to the person's email address when the law asks for one.
/// Requests that need verification wait in `received` until a code (or staff) verifies
/// them.
#[utoipa::path(
    post,
    path = "/v1/requests",
    tag = "requests",
    request_body = NewRequestBody,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Stored, with its deadlines and the verification it needs.", body = SubmittedBody),
        (status = 400, description = "A field is wrong or missing; the message says which.", body = ApiError),
        (status = 403, description = "No token with the `requests:write` scope.", body = ApiError),
    )
)]
pub(crate) async fn submit(
    State(site): State<Arc<Site>>,
    headers: HeaderMap,
    body: ApiBody,
) -> Response {
    let body = match body {
        Ok(body) => body,
        Err(rejection) => return refused(&site, &rejection),
    };
    answer(&site, StatusCode::CREATED, do_submit(&site, &headers, &body).await)
}

/// A request's status and deadlines; never the person's details.
#[utoipa::path(
    get,
    path = "/v1/requests/{id}",
    tag = "requests",
    params(("id" = String, Path, description = "The request's id, as the submission returned it.")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Where the request stands.", body = StatusBody),
        (status = 400, description = "Not a request id.", body = ApiError),
        (status = 403, description = "No token with the `requests:read` scope.", body = ApiError),
        (status = 404, description = "No such request.", body = ApiError),
    )
)]
pub(crate) async fn status(
    State(site): State<Arc<Site>>,
    headers: HeaderMap,
    path: Result<Path<String>, PathRejection>,
) -> Response {
    answer(&site, StatusCode::OK, do_status(&site, &headers, path).await)
}

/// Emails the person a new one-time code (voiding any earlier one).
///
/// At most five codes per request and ten per address a day; the code is kept
/// only as a keyed hash and lives 30 minutes.
#[utoipa::path(
    post,
    path = "/v1/requests/{id}/code",
    tag = "requests",
    params(("id" = String, Path, description = "The request's id.")),
    security(("bearer" = [])),
    responses(
        (status = 202, description = "The code is on its way to the person's email address.", body = CodeSent),
        (status = 400, description = "The request has no email address, or the program does not verify this right by code.", body = ApiError),
        (status = 403, description = "No token with the `requests:write` scope, or too many codes.", body = ApiError),
        (status = 404, description = "No such request.", body = ApiError),
        (status = 409, description = "The request needs no code (verified or closed).", body = ApiError),
    )
)]
pub(crate) async fn send_code(
    State(site): State<Arc<Site>>,
    headers: HeaderMap,
    path: Result<Path<String>, PathRejection>,
) -> Response {
    answer(&site, StatusCode::ACCEPTED, do_send_code(&site, &headers, path).await)
}

/// Checks the code the person gave back.
///
/// A right code shows control of the address; it verifies the request when the
/// company's records hold that address. Five wrong codes void the code.
#[utoipa::path(
    post,
    path = "/v1/requests/{id}/verify",
    tag = "requests",
    params(("id" = String, Path, description = "The request's id.")),
    request_body = CodeBody,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The outcome: verified, answered as categories, or not yet (with what is missing).", body = VerifyBody),
        (status = 400, description = "The code is wrong (the attempts left are named), expired or used.", body = ApiError),
        (status = 403, description = "No token with the `requests:write` scope, or too many wrong codes.", body = ApiError),
        (status = 404, description = "No such request.", body = ApiError),
    )
)]
pub(crate) async fn verify(
    State(site): State<Arc<Site>>,
    headers: HeaderMap,
    path: Result<Path<String>, PathRejection>,
    body: ApiBody,
) -> Response {
    let body = match body {
        Ok(body) => body,
        Err(rejection) => return refused(&site, &rejection),
    };
    answer(&site, StatusCode::OK, do_verify(&site, &headers, path, &body).await)
}
