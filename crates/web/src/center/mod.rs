//! The privacy center's request flow (issue 6 item 2): choosing the law and the right,
//! the form per right with the authorized-agent path and its document upload,
//! verification by emailed code, the status page only the request's owner can open,
//! the download of the access package, and this browser's preferences.
//!
//! Ownership is a capability, not an account: the owner key (`App::owner_key`, a keyed
//! MAC of the request id) is handed over once, in the address of the page the form
//! leads to and in an `HttpOnly; Secure; SameSite=Strict` cookie scoped to that
//! request's path; every status route checks it in constant time, and an unknown id, a
//! missing key and another person's key all get the same 404 (docs/privacy-center.md).
//! The address travels (history, bookmarks, proxy logs), so it opens only the status
//! and the code forms; the download needs the cookie, which only the browser that made
//! the request holds.
//!
//! Every page honors the browser's privacy signals first and says "Opt-Out Request
//! Honored" while GPC is on (R-117, R-124); every POST checks that it comes from the
//! privacy center itself (`choices::same_origin`); every page about a request is
//! `Cache-Control: no-store`.

mod preferences;
mod request;
mod status;

use axum::http::header::{CACHE_CONTROL, COOKIE, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use ombud_app::AppError;
use ombud_core::Law;

pub(crate) use self::preferences::{preferences, preferences_page};
pub(crate) use self::request::{request_form, start, submit, upload_limit};
pub(crate) use self::status::{download, package, resend, status, verify};
use crate::Site;
use crate::html::escape;
use crate::pages::{page, respond};

/// The cookie that carries a request's owner key (scoped to `/status/{id}`).
const OWNER_COOKIE: &str = "ombud_owner";

/// How long the browser keeps the owner key: past the longest deadline with its
/// extension (GDPR: three months; CCPA: 90 days), so the person can still fetch the
/// answer.
const OWNER_COOKIE_MAX_AGE_S: u32 = 120 * 24 * 60 * 60;

/// An HTML page of the center: the security headers of every page, no caching (the
/// pages are about one person), and any cookies to set.
pub(crate) fn html(
    site: &Site,
    code: StatusCode,
    title: &str,
    banner: Option<&str>,
    body: &str,
    cookies: Vec<String>,
) -> Response {
    let mut response =
        respond(site, code, "text/html; charset=utf-8", page(site, title, banner, body), None);
    let headers = response.headers_mut();
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    for cookie in cookies {
        if let Ok(value) = HeaderValue::from_str(&cookie) {
            headers.append(SET_COOKIE, value);
        }
    }
    response
}

/// A short page with a heading and one message (errors and refusals).
pub(crate) fn message(
    site: &Site,
    code: StatusCode,
    title: &str,
    banner: Option<&str>,
    text: &str,
) -> Response {
    let body = format!(
        "<h1>{}</h1><p role=\"alert\">{}</p><p><a href=\"/\">Back to the privacy center</a></p>",
        escape(title),
        escape(text)
    );
    html(site, code, title, banner, &body, Vec::new())
}

/// The HTTP status of an app error on a page: what went wrong, not "try again" for
/// everything (503 is for a dependency that is down, and only that).
pub(crate) fn status_of(error: &AppError) -> StatusCode {
    match error {
        AppError::Invalid(_) => StatusCode::BAD_REQUEST,
        AppError::NotFound(_) => StatusCode::NOT_FOUND,
        AppError::Forbidden(_) => StatusCode::FORBIDDEN,
        AppError::Conflict(_) => StatusCode::CONFLICT,
        AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        // Internal, and whatever the app adds later: a fault of ours.
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// An app message (lower case, no full stop: it is written to be quoted) as a sentence
/// on a page.
pub(crate) fn sentence(text: &str) -> String {
    let mut chars = text.chars();
    let mut out: String = match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    };
    if !out.ends_with('.') {
        out.push('.');
    }
    out
}

/// The refusal of a form posted from another site.
pub(crate) fn cross_site(site: &Site, title: &str) -> Response {
    message(
        site,
        StatusCode::FORBIDDEN,
        title,
        None,
        "This form can only be sent from this privacy center.",
    )
}

/// The owner cookie for request `id`: only that request's pages receive it.
pub(crate) fn owner_cookie(id: &str, key: &str) -> String {
    format!(
        "{OWNER_COOKIE}={key}; Path=/status/{id}; Max-Age={OWNER_COOKIE_MAX_AGE_S}; HttpOnly; Secure; SameSite=Strict"
    )
}

/// Every owner key the browser sent (a browser may send several cookies of the name
/// when paths overlap; each is tried).
pub(crate) fn owner_cookies(headers: &HeaderMap) -> Vec<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|line| line.split(';'))
        .filter_map(|pair| {
            let (name, value) = pair.trim().split_once('=')?;
            (name == OWNER_COOKIE && value.len() <= 64).then(|| value.to_owned())
        })
        .take(8)
        .collect()
}

/// This browser's device id: the one `signals` just gave it (its new cookie), else the
/// one its cookie carries — one id for the signal and the choices of one page view.
pub(crate) fn browser_id(headers: &HeaderMap, new_cookie: Option<&String>) -> String {
    new_cookie
        .and_then(|c| c.split(';').next())
        .and_then(|pair| pair.split_once('='))
        .map(|(_, id)| id.to_owned())
        .unwrap_or_else(|| crate::pages::device(headers).0)
}

/// How the jurisdiction choice names a law: where the person lives.
pub(crate) fn residence(law: Law) -> Option<&'static str> {
    Some(match law {
        Law::Ccpa => "I live in California",
        Law::Gdpr => "I live in the EU, the EEA or the UK (GDPR)",
        Law::Virginia => "I live in Virginia",
        Law::Colorado => "I live in Colorado",
        Law::Connecticut => "I live in Connecticut",
        Law::Texas => "I live in Texas",
        Law::Oregon => "I live in Oregon",
        Law::Utah => "I live in Utah",
        // A website law with no rights to request.
        Law::Caloppa => return None,
    })
}
