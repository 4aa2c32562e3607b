//! The JSON API (issue 6, begun): decisions, single and batch, and consents (record a
//! choice, read a subject's choices) for the company's other systems. Every call carries
//! `Authorization: Bearer ombud_…` with the scope it needs (tokens: `ombud token
//! create`). Errors are `{"error": {"code", "message"}}` with a
//! stable code and the app's safe message.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::header::AUTHORIZATION;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use ombud_app::AppError;
use ombud_app::choices::ChoiceSubject;
use ombud_app::tokens::{ApiPrincipal, Scope};
use ombud_core::Law;
use ombud_core::Reference as _;
use ombud_policy::decide::Query;
use serde::Deserialize;
use serde_json::json;

use crate::Site;
use crate::pages::respond;

/// The most questions one batch call asks.
pub const BATCH_MAX: usize = 10_000;

/// The largest API body: a full batch of questions with long ids.
pub const API_BODY_BYTES_MAX: usize = 4 * 1024 * 1024;

/// One question.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Question {
    /// `email:…`, `phone:…`, `account:…` or `device:…`; none for a person who chose nothing.
    #[serde(default)]
    subject: Option<String>,
    #[serde(default)]
    purpose: Option<String>,
    #[serde(default)]
    recipient: Option<String>,
    category: String,
    /// A law id (`ccpa`, `gdpr`, …); the program's first when absent.
    #[serde(default)]
    law: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Batch {
    questions: Vec<Question>,
}

fn error(site: &Site, e: &AppError) -> Response {
    let (status, code) = match e {
        AppError::Invalid(_) => (StatusCode::BAD_REQUEST, "invalid"),
        AppError::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
        AppError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
        AppError::Conflict(_) => (StatusCode::CONFLICT, "conflict"),
        AppError::Unavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
        // A variant added later is an internal error until it is mapped here.
        _ => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
    };
    let body = json!({"error": {"code": code, "message": e.to_string()}}).to_string();
    respond(site, status, "application/json", body, None)
}

async fn principal(site: &Site, headers: &HeaderMap) -> Result<ApiPrincipal, AppError> {
    let token = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    site.app.authenticate(token.trim()).await
}

fn law_of(site: &Site, law: Option<&str>) -> Result<Law, AppError> {
    match law {
        Some(id) => Law::from_id(id).ok_or_else(|| {
            AppError::Invalid(format!("unknown law {:?}", id.chars().take(40).collect::<String>()))
        }),
        None => ombud_app::choices::default_law(&site.program)
            .ok_or_else(|| AppError::Invalid("the program declares no law; name one".to_owned())),
    }
}

fn parse<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, AppError> {
    serde_json::from_slice(body).map_err(|e| {
        // serde's message names fields and positions, never the values it rejected.
        AppError::Invalid(format!("the body is not the JSON this call takes: {e}"))
    })
}

async fn single(site: &Site, headers: &HeaderMap, body: &[u8]) -> Result<String, AppError> {
    principal(site, headers).await?.require(Scope::Decide)?;
    let q: Question = parse(body)?;
    let subject = q.subject.as_deref().map(ChoiceSubject::parse).transpose()?;
    let query = Query {
        purpose: q.purpose.as_deref(),
        recipient: q.recipient.as_deref(),
        category: &q.category,
        law: law_of(site, q.law.as_deref())?,
    };
    let decision = site.app.decide(subject.as_ref(), &query)?;
    Ok(json!({
        "allowed": decision.allowed,
        "rule": decision.rule.id(),
        "citation": decision.rule.citation(),
        "explanation": decision.explanation,
    })
    .to_string())
}

async fn batch(site: &Site, headers: &HeaderMap, body: &[u8]) -> Result<String, AppError> {
    principal(site, headers).await?.require(Scope::Decide)?;
    let batch: Batch = parse(body)?;
    if batch.questions.len() > BATCH_MAX {
        return Err(AppError::Invalid(format!("at most {BATCH_MAX} questions per call")));
    }
    let mut items = Vec::with_capacity(batch.questions.len());
    for (at, q) in batch.questions.iter().enumerate() {
        let subject = q
            .subject
            .as_deref()
            .map(ChoiceSubject::parse)
            .transpose()
            .map_err(|e| AppError::Invalid(format!("question {at}: {e}")))?;
        let law = law_of(site, q.law.as_deref())
            .map_err(|e| AppError::Invalid(format!("question {at}: {e}")))?;
        items.push((
            subject,
            Query {
                purpose: q.purpose.as_deref(),
                recipient: q.recipient.as_deref(),
                category: &q.category,
                law,
            },
        ));
    }
    let verdicts = site.app.decide_batch(&items)?;
    let mut out = String::with_capacity(verdicts.len() * 48 + 16);
    out.push_str("{\"decisions\":[");
    for (at, verdict) in verdicts.iter().enumerate() {
        if at > 0 {
            out.push(',');
        }
        out.push_str(&format!(
            "{{\"allowed\":{},\"rule\":\"{}\"}}",
            verdict.allowed,
            verdict.rule.id()
        ));
    }
    out.push_str("]}");
    Ok(out)
}

/// A choice to record.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ChoiceBody {
    subject: String,
    choice: String,
    #[serde(default)]
    target: Option<String>,
    /// The notice version the person was shown (required for consents and opt-ins).
    #[serde(default)]
    notice_version: Option<String>,
}

/// Whose choices to read (in the body, so no identifier lands in a URL or an access log).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SubjectBody {
    subject: String,
}

async fn record(site: &Site, headers: &HeaderMap, body: &[u8]) -> Result<String, AppError> {
    let caller = principal(site, headers).await?;
    caller.require(Scope::ConsentWrite)?;
    let b: ChoiceBody = parse(body)?;
    let new = ombud_app::choices::NewChoice {
        subject: ChoiceSubject::parse(&b.subject)?,
        choice: ombud_app::choices::LedgerChoice::parse(&b.choice, b.target.as_deref())?,
        source: ombud_policy::decide::Source::Api,
        notice_version: b.notice_version,
    };
    let recorded =
        site.app.record_choice(new, &ombud_app::Actor::Api(caller.id.to_string())).await?;
    Ok(json!({"id": recorded.id.to_string(), "at_ms": recorded.at_ms}).to_string())
}

async fn read(site: &Site, headers: &HeaderMap, body: &[u8]) -> Result<String, AppError> {
    let caller = principal(site, headers).await?;
    caller.require(Scope::ConsentRead)?;
    let b: SubjectBody = parse(body)?;
    let subject = ChoiceSubject::parse(&b.subject)?;
    let view =
        site.app.consent_view(&subject, &ombud_app::Actor::Api(caller.id.to_string())).await?;
    let mark = |m: Option<ombud_policy::decide::Mark>| {
        m.map(|m| json!({"at_ms": m.at_ms, "source": ombud_app::choices::source_code(m.source)}))
    };
    Ok(json!({
        "opted_out_of_sale": mark(view.state.opted_out_of_sale()),
        "opted_out_of_sharing": mark(view.state.opted_out_of_sharing()),
        "opted_out_of_targeted_ads": mark(view.state.opted_out_of_targeted_ads()),
        "limited_sensitive": mark(view.state.limited_sensitive()),
        "lists": view.lists.iter().map(|(list, on)| json!({"list": list, "subscribed": on})).collect::<Vec<_>>(),
        "records": view.records,
    })
    .to_string())
}

pub(crate) async fn consents(
    State(site): State<Arc<Site>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match record(&site, &headers, &body).await {
        Ok(json) => respond(&site, StatusCode::CREATED, "application/json", json, None),
        Err(e) => error(&site, &e),
    }
}

pub(crate) async fn consents_query(
    State(site): State<Arc<Site>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match read(&site, &headers, &body).await {
        Ok(json) => respond(&site, StatusCode::OK, "application/json", json, None),
        Err(e) => error(&site, &e),
    }
}

pub(crate) async fn decide(
    State(site): State<Arc<Site>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match single(&site, &headers, &body).await {
        Ok(json) => respond(&site, StatusCode::OK, "application/json", json, None),
        Err(e) => error(&site, &e),
    }
}

pub(crate) async fn decide_batch(
    State(site): State<Arc<Site>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match batch(&site, &headers, &body).await {
        Ok(json) => respond(&site, StatusCode::OK, "application/json", json, None),
        Err(e) => error(&site, &e),
    }
}
