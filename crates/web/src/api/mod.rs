//! The JSON API (`/v1/…`, issue 6 item 4) for the company's other systems: decisions
//! (single and batch), consents (record a choice, read a subject's choices), rights
//! requests (submit, status, send a code, verify) and the records the law asks for
//! (metrics, request records).
//!
//! Every call carries `Authorization: Bearer ombud_…` with the scope it needs (tokens:
//! `ombud token create`). Errors are `{"error": {"code", "message"}}` with a stable code
//! and the app's safe message, never personal data.
//!
//! The routes and the OpenAPI document come from the same place: each handler carries
//! its `#[utoipa::path]` and [`routes`] registers handler and description together
//! (utoipa-axum), so the document served at `/openapi.json` and committed as
//! `docs/openapi.json` cannot name a route that is not served, or miss one that is.

mod consents;
mod decisions;
mod reports;
mod requests;

use std::sync::{Arc, LazyLock};

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::header::AUTHORIZATION;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use ombud_app::AppError;
use ombud_app::tokens::{ApiPrincipal, Scope};
use serde::Serialize;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub use decisions::BATCH_MAX;
pub(crate) use requests::{MailKick, deliver_soon};

use crate::Site;
use crate::pages::respond;

/// The largest API body: a full batch of questions with long ids.
pub const API_BODY_BYTES_MAX: usize = 4 * 1024 * 1024;

/// The longest error message the API returns from a parser (serde's messages quote
/// field names, which the caller chose).
const PARSE_MESSAGE_CHARS_MAX: usize = 300;

/// What went wrong, as every API error says it.
#[derive(Serialize, ToSchema)]
pub(crate) struct ApiError {
    error: ErrorBody,
}

#[derive(Serialize, ToSchema)]
struct ErrorBody {
    /// Stable: callers branch on it.
    code: ErrorCode,
    /// For people: what is wrong and how to fix it. Never personal data.
    message: String,
}

/// The stable error codes, one per HTTP status.
#[derive(Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
enum ErrorCode {
    /// 400: the input is wrong; the message says how to fix it.
    Invalid,
    /// 403: the token is missing, unknown, revoked or lacks the scope; or the action is
    /// refused (too many codes).
    Forbidden,
    /// 404: no such thing.
    NotFound,
    /// 413: the body is over the API's limit (4 MiB).
    TooLarge,
    /// 409: the thing is not in a state that allows it; read again.
    Conflict,
    /// 503: a dependency is unreachable; retry later.
    Unavailable,
    /// 500: a bug; the message names what, never a value.
    Internal,
}

pub(crate) fn error(site: &Site, e: &AppError) -> Response {
    let (status, code) = match e {
        AppError::Invalid(_) => (StatusCode::BAD_REQUEST, ErrorCode::Invalid),
        AppError::Forbidden(_) => (StatusCode::FORBIDDEN, ErrorCode::Forbidden),
        AppError::NotFound(_) => (StatusCode::NOT_FOUND, ErrorCode::NotFound),
        AppError::Conflict(_) => (StatusCode::CONFLICT, ErrorCode::Conflict),
        AppError::Unavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, ErrorCode::Unavailable),
        // A variant added later is an internal error until it is mapped here.
        _ => (StatusCode::INTERNAL_SERVER_ERROR, ErrorCode::Internal),
    };
    let body = ApiError { error: ErrorBody { code, message: e.to_string() } };
    json_response(site, status, &body)
}

/// `body` as JSON with the site's headers.
pub(crate) fn json_response(site: &Site, status: StatusCode, body: &impl Serialize) -> Response {
    match serde_json::to_string(body) {
        Ok(json) => respond(site, status, "application/json", json, None),
        Err(_) => error(site, &AppError::Internal("cannot write the answer as JSON".to_owned())),
    }
}

/// A body as the handlers take it: its bytes, or why axum would not read them (too
/// large), so that refusal too has the API's error shape.
pub(crate) type ApiBody = Result<Bytes, BytesRejection>;

/// The API's error for a body axum would not read: 413 `too_large` past the limit,
/// 400 `invalid` for one that could not be read.
pub(crate) fn refused(site: &Site, rejection: &BytesRejection) -> Response {
    let status = rejection.status();
    let (code, message) = if status == StatusCode::PAYLOAD_TOO_LARGE {
        (
            ErrorCode::TooLarge,
            format!("the body is over {} MiB; send less per call", API_BODY_BYTES_MAX >> 20),
        )
    } else {
        (ErrorCode::Invalid, "the body could not be read; send it again".to_owned())
    };
    json_response(site, status, &ApiError { error: ErrorBody { code, message } })
}

/// The answer of a handler: `status` and the value, or the error.
pub(crate) fn answer<T: Serialize>(
    site: &Site,
    status: StatusCode,
    result: Result<T, AppError>,
) -> Response {
    match result {
        Ok(value) => json_response(site, status, &value),
        Err(e) => error(site, &e),
    }
}

/// Who calls, from the bearer token, if it has `scope`.
pub(crate) async fn principal(
    site: &Site,
    headers: &HeaderMap,
    scope: Scope,
) -> Result<ApiPrincipal, AppError> {
    let token = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    site.app.authorize(token.trim(), scope).await
}

/// A JSON body into `T`; unknown fields are refused by `T`'s `deny_unknown_fields`.
pub(crate) fn parse<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, AppError> {
    serde_json::from_slice(body).map_err(|e| {
        AppError::Invalid(format!("the body is not the JSON this call takes: {}", safe_message(&e)))
    })
}

/// serde's message without the values it quotes: "invalid type: string \"ada@…\"" would
/// otherwise hand back (and let a proxy log) what the caller sent.
pub(crate) fn safe_message(e: &impl std::fmt::Display) -> String {
    let mut out = String::new();
    let mut quoted = false;
    for c in e.to_string().chars() {
        match (c, quoted) {
            ('"', false) => {
                quoted = true;
                out.push_str("\"…\"");
            }
            ('"', true) => quoted = false,
            (_, true) => {}
            (c, false) => out.push(c),
        }
        if out.chars().count() >= PARSE_MESSAGE_CHARS_MAX {
            out.push('…');
            break;
        }
    }
    out
}

/// The bearer scheme every `/v1` route names.
struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let mut scheme = Http::new(HttpAuthScheme::Bearer);
        scheme.description = Some(
            "An API token from `ombud token create` (`ombud_…`), with the scope the route names."
                .to_owned(),
        );
        components.add_security_scheme("bearer", SecurityScheme::Http(scheme));
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "ombud API",
        description = "The company's other systems ask ombud for decisions, record and read consents, submit and verify rights requests and read the records the law asks for. Every route needs a bearer token with the scope it names; every error is `{\"error\": {\"code\", \"message\"}}`. Generated from the code (`ombud openapi`); see docs/api.md."
    ),
    modifiers(&BearerAuth),
    components(schemas(ApiError)),
    tags(
        (name = "decisions", description = "May this data be used for this purpose? (`decide`)"),
        (name = "consents", description = "A person's choices (`consent:read`, `consent:write`)"),
        (name = "requests", description = "Rights requests (`requests:read`, `requests:write`)"),
        (name = "reports", description = "The records of 11 CCR §7101 and §7102 (`reports:read`)"),
    )
)]
struct ApiDoc;

/// Every `/v1` route with its description.
fn routes() -> OpenApiRouter<Arc<Site>> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(decisions::decide))
        .routes(routes!(decisions::decide_batch))
        .routes(routes!(consents::consents))
        .routes(routes!(consents::consents_query))
        .routes(routes!(requests::submit))
        .routes(routes!(requests::status))
        .routes(routes!(requests::send_code))
        .routes(routes!(requests::verify))
        .routes(routes!(reports::metrics))
        .routes(routes!(reports::records))
}

/// The `/v1` routes, with the API's body limit and a JSON 404 for unknown `/v1` paths.
pub(crate) fn router() -> Router<Arc<Site>> {
    let (router, _) = routes().split_for_parts();
    router
        .route("/v1/{*rest}", axum::routing::any(unknown))
        .layer(DefaultBodyLimit::max(API_BODY_BYTES_MAX))
}

/// The OpenAPI document, as `/openapi.json` serves it and `docs/openapi.json` holds it
/// (`ombud openapi` prints it).
pub fn openapi_json() -> String {
    let document = routes().into_openapi();
    // Serializing a document of strings and maps cannot fail; an empty object would
    // make the drift test fail loudly if it ever did.
    let mut json = document.to_pretty_json().unwrap_or_else(|_| "{}".to_owned());
    json.push('\n');
    json
}

/// The document, made once.
static OPENAPI_JSON: LazyLock<String> = LazyLock::new(openapi_json);

/// `GET /openapi.json`: public, like the pages (and rate-limited like them).
pub(crate) async fn openapi_document(State(site): State<Arc<Site>>) -> Response {
    respond(&site, StatusCode::OK, "application/json", OPENAPI_JSON.clone(), None)
}

async fn unknown(State(site): State<Arc<Site>>) -> Response {
    error(
        &site,
        &AppError::NotFound("no such API route; the routes are listed in /openapi.json".to_owned()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_errors_do_not_repeat_the_values_sent() {
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct Body {
            count: u32,
        }
        let Err(e) = parse::<Body>(br#"{"count":"ada@example.com"}"#) else {
            panic!("a string is not a count")
        };
        let message = e.to_string();
        assert!(!message.contains("ada@"), "{message}");
        assert!(message.contains("invalid type"), "{message}");
    }
}
