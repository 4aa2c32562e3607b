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

use std::collections::BTreeSet;
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
use serde_json::error::Category;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub use decisions::BATCH_MAX;

use crate::Site;
use crate::pages::respond;

/// The largest API body: a full batch of questions with long ids.
pub const API_BODY_BYTES_MAX: usize = 4 * 1024 * 1024;

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
pub(crate) fn parse<'a, T: serde::Deserialize<'a>>(body: &'a [u8]) -> Result<T, AppError> {
    serde_json::from_slice(body).map_err(|e| {
        AppError::Invalid(format!(
            "the body is not the JSON this call takes: {}",
            parse_problem(&e)
        ))
    })
}

/// What is wrong with a body, built from what kind of error the parser met and where —
/// never from the values it would quote. serde's messages repeat what the caller sent
/// (`invalid type: string "ada@…"`, ``unknown field `ada@…` ``), and an error message
/// may be logged by a proxy or shown to staff; so only words this API declares (its field
/// names, [`FIELD_NAMES`]) and the names of types are said back.
fn parse_problem(e: &serde_json::Error) -> String {
    let at = format!("line {}, column {}", e.line(), e.column());
    match e.classify() {
        Category::Io => "the body could not be read; send it again".to_owned(),
        Category::Eof => format!("the JSON ends early ({at}); send the whole document"),
        Category::Syntax => format!("it is not valid JSON ({at})"),
        Category::Data => format!("{} ({at})", data_problem(&e.to_string())),
    }
}

/// The problem a data error names, from the shape of serde's message (its wording is
/// fixed by serde and serde_json); anything not recognized is said in general terms.
fn data_problem(message: &str) -> String {
    // serde_json adds the position, given separately here.
    let message = message.rsplit_once(" at line ").map_or(message, |(text, _)| text);
    if let Some(rest) = message.strip_prefix("unknown field `") {
        // The caller's name runs to serde's own suffix, the last one in the message.
        let (name, fields) = match rest.rfind("`, expected ") {
            Some(end) => (&rest[..end], declared(&rest[end + "`, expected ".len()..])),
            None => (rest.rsplit_once("`, there are no fields").map_or(rest, |(n, _)| n), None),
        };
        let what = match declared_name(name) {
            Some(name) => format!("the field `{name}` is not one this call takes"),
            None => "an unknown field".to_owned(),
        };
        return match fields {
            Some(fields) => format!("{what}; the fields are {fields}"),
            None => what,
        };
    }
    if let Some(rest) = message.strip_prefix("missing field `") {
        return match declared_name(rest.trim_end_matches('`')) {
            Some(name) => format!("the field `{name}` is missing"),
            None => "a field is missing".to_owned(),
        };
    }
    if let Some(rest) = message.strip_prefix("duplicate field `") {
        return match declared_name(rest.trim_end_matches('`')) {
            Some(name) => format!("the field `{name}` is given twice"),
            None => "a field is given twice".to_owned(),
        };
    }
    let expected = message.rsplit_once(", expected ").and_then(|(_, e)| type_name(e));
    let expected = expected.map(|e| format!("; expected {e}")).unwrap_or_default();
    if let Some(rest) = message.strip_prefix("invalid type: ") {
        let got = UNEXPECTED_KINDS.iter().find(|kind| rest.starts_with(**kind));
        return match got {
            Some(kind) => format!("a value has the wrong type: {kind}{expected}"),
            None => format!("a value has the wrong type{expected}"),
        };
    }
    if message.starts_with("invalid value: ") || message.starts_with("unknown variant ") {
        return format!("a value is not one this call takes{expected}");
    }
    if message.starts_with("invalid length ") {
        return format!("a list has the wrong length{expected}");
    }
    "a value is not what this call takes".to_owned()
}

/// What serde calls the kinds of value it met (`serde::de::Unexpected`'s wording).
const UNEXPECTED_KINDS: &[&str] = &[
    "boolean",
    "integer",
    "floating point",
    "character",
    "string",
    "byte array",
    "null",
    "unit value",
    "Option value",
    "newtype struct",
    "sequence",
    "map",
    "enum",
    "unit variant",
    "newtype variant",
    "tuple variant",
    "struct variant",
];

/// What a type expected, said back only when it is plain words (`a string`, `u32`,
/// `struct Question`): it comes from this API's types, but it is checked rather than
/// trusted.
fn type_name(text: &str) -> Option<&str> {
    let plain = !text.is_empty()
        && text.len() <= 40
        && text.chars().all(|c| c.is_ascii_alphanumeric() || c == ' ' || c == '_');
    plain.then_some(text)
}

/// `name` when it is one of this API's field or parameter names.
fn declared_name(name: &str) -> Option<&str> {
    FIELD_NAMES.contains(name).then_some(name)
}

/// The declared names among the backquoted words of serde's list of expected fields.
fn declared(list: &str) -> Option<String> {
    let names: Vec<String> = list
        .split('`')
        .skip(1)
        .step_by(2)
        .filter_map(declared_name)
        .map(|name| format!("`{name}`"))
        .collect();
    (!names.is_empty()).then(|| names.join(", "))
}

/// Every property and parameter name the API's OpenAPI document declares: the API's own
/// words, which an error may repeat.
static FIELD_NAMES: LazyLock<BTreeSet<String>> = LazyLock::new(|| {
    fn walk(value: &serde_json::Value, names: &mut BTreeSet<String>) {
        match value {
            serde_json::Value::Object(map) => {
                for (key, inner) in map {
                    if key == "properties" {
                        names.extend(
                            inner.as_object().into_iter().flatten().map(|(k, _)| k.clone()),
                        );
                    }
                    if key == "parameters" {
                        names.extend(
                            inner
                                .as_array()
                                .into_iter()
                                .flatten()
                                .filter_map(|p| p["name"].as_str().map(str::to_owned)),
                        );
                    }
                    walk(inner, names);
                }
            }
            serde_json::Value::Array(items) => items.iter().for_each(|v| walk(v, names)),
            _ => {}
        }
    }
    let mut names = BTreeSet::new();
    if let Ok(document) = serde_json::from_str::<serde_json::Value>(&OPENAPI_JSON) {
        walk(&document, &mut names);
    }
    names
});

/// Refuses a query-string parameter this call does not take, naming it only when it is
/// one of the API's own names.
pub(crate) fn unknown_parameter(name: &str, known: &[&str]) -> AppError {
    let what = match declared_name(name) {
        Some(name) => format!("the parameter `{name}` is not one this call takes"),
        None => "an unknown parameter".to_owned(),
    };
    AppError::Invalid(format!("{what}; the parameters are {}", known.join(", ")))
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

    #[derive(serde::Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Body {
        code: u32,
        subject: String,
    }

    fn message(body: &str) -> String {
        match parse::<Body>(body.as_bytes()) {
            Ok(b) => panic!("{body} was taken: {b:?}"),
            Err(e) => e.to_string(),
        }
    }

    /// Values that look like personal data, in every place serde would quote them.
    #[test]
    fn parse_errors_never_repeat_what_was_sent() {
        let secrets = ["jane@example.com", "Jane \\\"Q\\\" Doe", "555-0100"];
        for secret in secrets {
            for body in [
                format!(r#"{{"code":"{secret}","subject":"x"}}"#),
                format!(r#"{{"code":1,"subject":"x","{secret}":1}}"#),
                format!(r#"{{"code":1,"subject":"x","a`{secret}`b, expected `code`":1}}"#),
                format!(r#"{{"code":1,"subject":["{secret}"]}}"#),
                format!(r#"{{"code":1,"subject":"x"}} "{secret}""#),
                format!(r#"{{"code":1,"subject":"{secret}"#),
                format!(r#"{{"{secret}""#),
                format!(r#"["{secret}"]"#),
            ] {
                let m = message(&body);
                assert!(!m.contains("jane") && !m.contains("Doe") && !m.contains("0100"), "{m}");
                assert!(m.contains("line 1, column"), "the position is given: {m}");
            }
        }
    }

    #[test]
    fn parse_errors_name_the_fields_and_types_the_api_declares() {
        // `subject` and `code` are names of the API's own schemas.
        let m = message(r#"{"code":"1","subject":"x"}"#);
        assert!(m.contains("wrong type: string; expected u32"), "{m}");
        let m = message(r#"{"code":1}"#);
        assert!(m.contains("the field `subject` is missing"), "{m}");
        let m = message(r#"{"code":1,"subject":"x","colour":"red"}"#);
        assert!(m.contains("an unknown field; the fields are `code`, `subject`"), "{m}");
        // One of the API's names, just not this call's: named.
        let m = message(r#"{"code":1,"subject":"x","law":"ccpa"}"#);
        assert!(m.contains("the field `law` is not one this call takes"), "{m}");
        let m = message(r#"{"code":1,"code":2,"subject":"x"}"#);
        assert!(m.contains("the field `code` is given twice"), "{m}");
        let m = message(r#"{"code":-1,"subject":"x"}"#);
        assert!(m.contains("a value is not one this call takes; expected u32"), "{m}");
        assert!(message("{").contains("the JSON ends early (line 1, column 1)"));
        assert!(message("{]").contains("not valid JSON (line 1, column 2)"));
    }
}
