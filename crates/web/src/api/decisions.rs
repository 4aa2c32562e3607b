//! `POST /v1/decisions` and `/v1/decisions/batch`: may this data be used for this
//! purpose, for this person? Answered from the decision engine's snapshot of the consent
//! ledger. The batch answer is written by hand: it is the hot path (docs/BENCHMARKS.md).

use std::borrow::Cow;
use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use ombud_app::AppError;
use ombud_app::choices::ChoiceSubject;
use ombud_app::tokens::Scope;
use ombud_core::Law;
use ombud_core::Reference as _;
use ombud_policy::decide::{Query, Rule};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{ApiBody, ApiError, answer, error, parse, principal, refused};
use crate::Site;
use crate::pages::respond;

/// The most questions one batch call asks.
pub const BATCH_MAX: usize = 10_000;

/// One question.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct Question<'a> {
    /// `email:…`, `phone:…`, `account:…` or `device:…`; none for a person who chose nothing.
    #[serde(default, borrow)]
    subject: Option<Cow<'a, str>>,
    /// A purpose id of the program.
    #[serde(default, borrow)]
    purpose: Option<Cow<'a, str>>,
    /// A recipient id of the program.
    #[serde(default, borrow)]
    recipient: Option<Cow<'a, str>>,
    /// A data category id of the program.
    #[serde(borrow)]
    category: Cow<'a, str>,
    /// A law id (`ccpa`, `gdpr`, …); the program's first when absent.
    #[serde(default, borrow)]
    law: Option<Cow<'a, str>>,
}

/// Many questions, answered from one snapshot.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct Batch<'a> {
    /// At most 10,000.
    #[schema(max_items = 10_000)]
    #[serde(borrow)]
    questions: Vec<Question<'a>>,
}

/// The answer to one question.
#[derive(Serialize, ToSchema)]
pub(crate) struct Decision {
    /// Whether the use is allowed.
    allowed: bool,
    /// The rule that decided, a stable id.
    rule: &'static str,
    /// The rule's source in REGULATIONS.md (R-numbers).
    citation: &'static str,
    /// Why, in words.
    explanation: String,
}

/// One answer of a batch.
#[derive(Serialize, ToSchema)]
pub(crate) struct Verdict {
    /// Whether the use is allowed.
    allowed: bool,
    /// The rule that decided, a stable id.
    rule: String,
}

/// The answers of a batch, in the order of the questions.
#[derive(Serialize, ToSchema)]
pub(crate) struct Verdicts {
    decisions: Vec<Verdict>,
}

fn law_of(site: &Site, law: Option<&str>) -> Result<Law, AppError> {
    match law {
        // The value is not repeated: it may be anything, an email address included.
        Some(id) => Law::from_id(id).ok_or_else(|| {
            AppError::Invalid(format!("`law` is not a law; use one of: {}", Law::ids().join(", ")))
        }),
        None => ombud_app::choices::default_law(&site.program)
            .ok_or_else(|| AppError::Invalid("the program declares no law; name one".to_owned())),
    }
}

async fn single(site: &Site, headers: &HeaderMap, body: &[u8]) -> Result<Decision, AppError> {
    principal(site, headers, Scope::Decide).await?;
    let q: Question<'_> = parse(body)?;
    let subject = q.subject.as_deref().map(ChoiceSubject::parse).transpose()?;
    let query = Query {
        purpose: q.purpose.as_deref(),
        recipient: q.recipient.as_deref(),
        category: &q.category,
        law: law_of(site, q.law.as_deref())?,
    };
    let decision = site.app.decide(subject.as_ref(), &query)?;
    let explanation = match decision.rule {
        // The engine's words quote the unknown id; the caller's value is not repeated.
        Rule::UnknownId => unknown_id(site, &q),
        _ => decision.explanation,
    };
    Ok(Decision {
        allowed: decision.allowed,
        rule: decision.rule.id(),
        citation: decision.rule.citation(),
        explanation,
    })
}

/// Why a question naming an id the program does not declare is denied, naming the field
/// rather than repeating its value.
fn unknown_id(site: &Site, q: &Question<'_>) -> String {
    fn undeclared<'a>(id: Option<&str>, mut ids: impl Iterator<Item = &'a str>) -> bool {
        id.is_some_and(|id| !ids.any(|declared| declared == id))
    }
    let program = &site.program;
    let field = if undeclared(Some(&q.category), program.categories.iter().map(|c| c.id.as_str())) {
        "`category`"
    } else if undeclared(q.purpose.as_deref(), program.purposes.iter().map(|p| p.id.as_str())) {
        "`purpose`"
    } else if undeclared(q.recipient.as_deref(), program.recipients.iter().map(|r| r.id.as_str())) {
        "`recipient`"
    } else {
        "`category`, `purpose` or `recipient`"
    };
    format!(
        "Denied: the id in {field} is not one the program declares; check it against the \
         manifest (fail closed)."
    )
}

async fn batch(site: &Site, headers: &HeaderMap, body: &[u8]) -> Result<String, AppError> {
    principal(site, headers, Scope::Decide).await?;
    let batch: Batch<'_> = parse(body)?;
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
    // Written by hand (the shape of `Verdicts`): a million answers a second do not go
    // through a serializer; rule ids are plain ASCII identifiers.
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

/// Asks the decision engine one question.
#[utoipa::path(
    post,
    path = "/v1/decisions",
    tag = "decisions",
    request_body = Question<'_>,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The decision, with its rule and why.", body = Decision),
        (status = 400, description = "Not a question this program can answer.", body = ApiError),
        (status = 403, description = "No token with the `decide` scope.", body = ApiError),
    )
)]
pub(crate) async fn decide(
    State(site): State<Arc<Site>>,
    headers: HeaderMap,
    body: ApiBody,
) -> Response {
    let body = match body {
        Ok(body) => body,
        Err(rejection) => return refused(&site, &rejection),
    };
    answer(&site, StatusCode::OK, single(&site, &headers, &body).await)
}

/// Asks up to 10,000 questions, answered from one snapshot of the ledger.
#[utoipa::path(
    post,
    path = "/v1/decisions/batch",
    tag = "decisions",
    request_body = Batch<'_>,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One answer per question, in order.", body = Verdicts),
        (status = 400, description = "A question is wrong (its index is named), or too many.", body = ApiError),
        (status = 403, description = "No token with the `decide` scope.", body = ApiError),
        (status = 413, description = "The body is over 4 MiB.", body = ApiError),
    )
)]
pub(crate) async fn decide_batch(
    State(site): State<Arc<Site>>,
    headers: HeaderMap,
    body: ApiBody,
) -> Response {
    let body = match body {
        Ok(body) => body,
        Err(rejection) => return refused(&site, &rejection),
    };
    match batch(&site, &headers, &body).await {
        Ok(json) => respond(&site, StatusCode::OK, "application/json", json, None),
        Err(e) => error(&site, &e),
    }
}
