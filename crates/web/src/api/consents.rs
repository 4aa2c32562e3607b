//! `POST /v1/consents` (record a choice, `consent:write`) and `/v1/consents/query` (a
//! subject's standing opt-outs and lists, `consent:read`, audited). The subject is in
//! the body, never the URL, so no identifier lands in an access log.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use ombud_app::choices::ledger::CHOICE_CODES;
use ombud_app::choices::{ChoiceSubject, LedgerChoice};
use ombud_app::tokens::Scope;
use ombud_app::{Actor, AppError};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{ApiBody, ApiError, answer, parse, principal, refused};
use crate::Site;

/// A choice to record.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ChoiceBody {
    /// `email:…`, `phone:…`, `account:…` or `device:…`.
    subject: String,
    /// The ledger's code: `opt_out_sale`, `consent`, `subscribe`, … (docs/choices.md).
    choice: String,
    /// The purpose or list the choice is about, when the choice has one.
    #[serde(default)]
    target: Option<String>,
    /// The notice version the person was shown (required for consents and opt-ins,
    ///
    #[serde(default)]
    notice_version: Option<String>,
}

/// Whose choices to read.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct SubjectBody {
    /// `email:…`, `phone:…`, `account:…` or `device:…`.
    subject: String,
}

/// A choice just recorded.
#[derive(Serialize, ToSchema)]
pub(crate) struct Recorded {
    /// Its id in the ledger.
    id: String,
    /// When, in milliseconds since the Unix epoch.
    at_ms: i64,
}

/// An opt-out in force: when and from where.
#[derive(Serialize, ToSchema)]
pub(crate) struct Mark {
    /// When, in milliseconds since the Unix epoch.
    at_ms: u64,
    /// `form`, `gpc`, `api`, `staff`, …
    source: &'static str,
}

/// A list and whether the person is on it.
#[derive(Serialize, ToSchema)]
pub(crate) struct ListState {
    /// The list's id.
    list: String,
    /// Subscribed now.
    subscribed: bool,
}

/// A person's choices as they stand.
#[derive(Serialize, ToSchema)]
pub(crate) struct ConsentView {
    opted_out_of_sale: Option<Mark>,
    opted_out_of_sharing: Option<Mark>,
    opted_out_of_targeted_ads: Option<Mark>,
    limited_sensitive: Option<Mark>,
    lists: Vec<ListState>,
    /// How many ledger records the answer is made from.
    records: usize,
}

/// The choice and its target. The code and the purpose or list are checked here first,
/// so that a refusal names the field and what is allowed: the ledger's own messages
/// quote an unknown code or target, and a caller's value may be anything (an email
/// address in the wrong field).
fn choice(site: &Site, code: &str, target: Option<&str>) -> Result<LedgerChoice, AppError> {
    if !CHOICE_CODES.contains(&code) {
        return Err(AppError::Invalid(format!(
            "`choice` is not a choice the ledger knows; use one of: {}",
            CHOICE_CODES.join(", ")
        )));
    }
    let program = &site.program;
    let not_one_of = |what: &str, ids: Vec<&str>| {
        let ids = if ids.is_empty() { "none".to_owned() } else { ids.join(", ") };
        AppError::Invalid(format!(
            "`target` is not a {what} the program declares; its {what}s are {ids}"
        ))
    };
    match (code, target) {
        ("consent" | "parent_consent" | "withdraw", Some(target))
            if !program.purposes.iter().any(|p| p.id.as_str() == target) =>
        {
            Err(not_one_of("purpose", program.purposes.iter().map(|p| p.id.as_str()).collect()))
        }
        ("subscribe" | "unsubscribe", Some(target))
            if !program.subscriptions.iter().any(|l| l.id.as_str() == target) =>
        {
            Err(not_one_of("list", program.subscriptions.iter().map(|l| l.id.as_str()).collect()))
        }
        _ => LedgerChoice::parse(code, target),
    }
}

async fn record(site: &Site, headers: &HeaderMap, body: &[u8]) -> Result<Recorded, AppError> {
    let caller = principal(site, headers, Scope::ConsentWrite).await?;
    let b: ChoiceBody = parse(body)?;
    let new = ombud_app::choices::NewChoice {
        subject: ChoiceSubject::parse(&b.subject)?,
        choice: choice(site, &b.choice, b.target.as_deref())?,
        source: ombud_policy::decide::Source::Api,
        notice_version: b.notice_version,
    };
    let recorded = site.app.record_choice(new, &Actor::Api(caller.id.to_string())).await?;
    Ok(Recorded { id: recorded.id.to_string(), at_ms: recorded.at_ms })
}

async fn read(site: &Site, headers: &HeaderMap, body: &[u8]) -> Result<ConsentView, AppError> {
    let caller = principal(site, headers, Scope::ConsentRead).await?;
    let b: SubjectBody = parse(body)?;
    let subject = ChoiceSubject::parse(&b.subject)?;
    let view = site.app.consent_view(&subject, &Actor::Api(caller.id.to_string())).await?;
    let mark = |m: Option<ombud_policy::decide::Mark>| {
        m.map(|m| Mark { at_ms: m.at_ms, source: ombud_app::choices::source_code(m.source) })
    };
    Ok(ConsentView {
        opted_out_of_sale: mark(view.state.opted_out_of_sale()),
        opted_out_of_sharing: mark(view.state.opted_out_of_sharing()),
        opted_out_of_targeted_ads: mark(view.state.opted_out_of_targeted_ads()),
        limited_sensitive: mark(view.state.limited_sensitive()),
        lists: view
            .lists
            .iter()
            .map(|(list, on)| ListState { list: list.clone(), subscribed: *on })
            .collect(),
        records: view.records,
    })
}

/// Records a person's choice (source `api`).
#[utoipa::path(
    post,
    path = "/v1/consents",
    tag = "consents",
    request_body = ChoiceBody,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Recorded; the decision engine obeys it on the next call.", body = Recorded),
        (status = 400, description = "Not a choice the ledger knows, or a consent without the notice version.", body = ApiError),
        (status = 403, description = "No token with the `consent:write` scope.", body = ApiError),
    )
)]
pub(crate) async fn consents(
    State(site): State<Arc<Site>>,
    headers: HeaderMap,
    body: ApiBody,
) -> Response {
    let body = match body {
        Ok(body) => body,
        Err(rejection) => return refused(&site, &rejection),
    };
    answer(&site, StatusCode::CREATED, record(&site, &headers, &body).await)
}

/// Reads a person's standing opt-outs and lists (the read is audited).
#[utoipa::path(
    post,
    path = "/v1/consents/query",
    tag = "consents",
    request_body = SubjectBody,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The person's choices as they stand.", body = ConsentView),
        (status = 400, description = "Not a subject.", body = ApiError),
        (status = 403, description = "No token with the `consent:read` scope.", body = ApiError),
    )
)]
pub(crate) async fn consents_query(
    State(site): State<Arc<Site>>,
    headers: HeaderMap,
    body: ApiBody,
) -> Response {
    let body = match body {
        Ok(body) => body,
        Err(rejection) => return refused(&site, &rejection),
    };
    answer(&site, StatusCode::OK, read(&site, &headers, &body).await)
}
