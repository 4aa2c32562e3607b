//! The staff pages under `/staff` (issue 6 item 3): login, the request queue, a
//! request's page with its timeline and actions, entering a request received by phone
//! or email, a person's consent history, the §7102 metrics with a chart, and the audit
//! chain's status. Server-rendered, no script; every value escaped.
//!
//! **Security:** the session is the cookie `__Host-ombud_staff` (`HttpOnly; Secure;
//! SameSite=Strict; Path=/`), a new one at every login; every form is checked by
//! [`same_origin`] before anything is read; an auditor's actions are refused (403)
//! whatever the page showed; pages carry `Cache-Control: no-store` (they hold personal
//! data); every staff read of personal data goes through a use case that audits it.
//! The login routes sit behind the public rate limits; the pages behind a session (like
//! the token-authenticated API), so an office behind one address is not throttled.

mod auth;
mod reports;
mod requests;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::header::{CACHE_CONTROL, COOKIE, LOCATION};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use ombud_app::AppError;
use ombud_app::staff::StaffPrincipal;

use crate::Site;
use crate::html::escape;
use crate::pages::respond;

pub(crate) use crate::choices::same_origin;
pub(crate) use reports::AuditCheck;

/// The style of the staff pages (allowed by its hash in the CSP). Overdue is red and
/// says "Overdue"; due soon is amber and says "Due soon": never colour alone.
pub(crate) const STYLE: &str = "body{margin:0;font:1rem/1.5 system-ui,sans-serif;color:#1a1a1a;background:#fff}header{background:#1f2a44;color:#fff;padding:.5rem 1.25rem;display:flex;flex-wrap:wrap;gap:1rem;align-items:center}header a{color:#fff}header form{margin-left:auto}main{max-width:72rem;margin:0 auto;padding:1.5rem 1.25rem}a{color:#0b4f9c}table{border-collapse:collapse;width:100%;margin:1rem 0}th,td{border-bottom:1px solid #ccd;padding:.35rem .5rem;text-align:left;vertical-align:top}.overdue{color:#a40000;font-weight:700}tr.overdue td{background:#fde8e8}.soon{color:#7a4b00;font-weight:700}.error{border-left:.35rem solid #a40000;background:#fde8e8;padding:.75rem 1rem}.ok{border-left:.35rem solid #1d6b2f;background:#e8f5eb;padding:.75rem 1rem}button,input,select,textarea{font:inherit}button{padding:.4rem .9rem}:focus-visible{outline:3px solid #f5a300;outline-offset:2px}fieldset{border:1px solid #ccd;margin:1rem 0}code{word-break:break-all}";

/// The session cookie's name: `__Host-` binds it to this host, over HTTPS, path `/`.
pub(crate) const COOKIE_NAME: &str = "__Host-ombud_staff";

/// The largest form a staff page takes: a request entered by hand carries an address
/// and details (8 KiB each) and a few short fields, form-encoded (up to three bytes per
/// byte: about 49 KiB at most).
const STAFF_BODY_BYTES_MAX: usize = 64 << 10;

/// The staff routes: the login routes rate-limited like every public route, the rest
/// behind a session.
pub(crate) fn router(site: Arc<Site>) -> Router<Arc<Site>> {
    let public = Router::new()
        .route("/staff/login", get(auth::login_page).post(auth::login))
        .layer(DefaultBodyLimit::max(crate::BODY_BYTES_MAX))
        .layer(axum::middleware::from_fn_with_state(site, crate::limit::limit));
    Router::new()
        .route("/staff", get(requests::queue))
        .route("/staff/logout", post(auth::logout))
        .route("/staff/requests/new", get(requests::new_page).post(requests::new_request))
        .route("/staff/requests/{id}", get(requests::request_page))
        .route("/staff/requests/{id}/{action}", post(requests::act))
        .route("/staff/consent", get(reports::consent_page).post(reports::consent_history))
        .route("/staff/metrics", get(reports::metrics))
        .route("/staff/audit", get(reports::audit_status))
        .layer(DefaultBodyLimit::max(STAFF_BODY_BYTES_MAX))
        .merge(public)
}

/// The session token from the request's cookie, if it sends one.
pub(crate) fn session_token(headers: &HeaderMap) -> Option<String> {
    headers.get_all(COOKIE).iter().filter_map(|v| v.to_str().ok()).find_map(|line| {
        line.split(';').find_map(|pair| {
            let (name, value) = pair.trim().split_once('=')?;
            (name == COOKIE_NAME && value.len() <= 64).then(|| value.to_owned())
        })
    })
}

/// The logged-in staff member, or the response to send instead: to the login page
/// when there is no live session, an error page when the store is down.
pub(crate) async fn principal(
    site: &Site,
    headers: &HeaderMap,
) -> Result<StaffPrincipal, Response> {
    let Some(token) = session_token(headers) else { return Err(to_login(site)) };
    match site.app.staff_session(&token).await {
        Ok(Some(principal)) => Ok(principal),
        Ok(None) => Err(to_login(site)),
        Err(e) => Err(app_error(site, None, &e)),
    }
}

/// The logged-in staff member allowed to act (not an auditor), else the response.
pub(crate) async fn actor(site: &Site, headers: &HeaderMap) -> Result<StaffPrincipal, Response> {
    if !same_origin(headers) {
        return Err(forged(site));
    }
    let principal = principal(site, headers).await?;
    principal.require_act().map_err(|e| app_error(site, Some(&principal), &e))?;
    Ok(principal)
}

/// The answer to a form posted from another site.
pub(crate) fn forged(site: &Site) -> Response {
    error_page(
        site,
        None,
        StatusCode::FORBIDDEN,
        "This form can only be sent from ombud's own staff pages. Open the page again and send it from there.",
    )
}

fn to_login(site: &Site) -> Response {
    redirect(site, "/staff/login", None)
}

/// A 303 to `location` (after a form: the browser GETs the page, so a reload does
/// not repeat the action).
pub(crate) fn redirect(site: &Site, location: &str, cookie: Option<String>) -> Response {
    let mut response = html(site, StatusCode::SEE_OTHER, String::new(), cookie);
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(LOCATION, value);
    }
    response
}

/// An HTML response with the site's security headers, never cached.
pub(crate) fn html(
    site: &Site,
    status: StatusCode,
    body: String,
    cookie: Option<String>,
) -> Response {
    let mut response = respond(site, status, "text/html; charset=utf-8", body, cookie);
    response.headers_mut().insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// A whole staff page: the navigation (when logged in), then `body`.
pub(crate) fn page(site: &Site, who: Option<&StaffPrincipal>, title: &str, body: &str) -> String {
    let nav = match who {
        Some(p) => format!(
            "<header><nav aria-label=\"Staff\"><a href=\"/staff\">Queue</a> · <a href=\"/staff/requests/new\">Enter a request</a> · <a href=\"/staff/consent\">Consent history</a> · <a href=\"/staff/metrics\">Metrics</a> · <a href=\"/staff/audit\">Audit chain</a></nav><form method=\"post\" action=\"/staff/logout\"><span>{} ({})</span> <button type=\"submit\">Log out</button></form></header>",
            escape(&p.username),
            p.role.id()
        ),
        None => String::new(),
    };
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{}</title><style>{STYLE}</style></head><body>{nav}<main>{body}</main></body></html>",
        escape(&format!("{title} — {} staff", site.program.organization.name))
    )
}

/// A page that says what went wrong and what to do.
pub(crate) fn error_page(
    site: &Site,
    who: Option<&StaffPrincipal>,
    status: StatusCode,
    message: &str,
) -> Response {
    let body = format!(
        "<h1>That did not work</h1><p class=\"error\" role=\"alert\">{}</p><p><a href=\"/staff\">Back to the queue</a></p>",
        escape(message)
    );
    html(site, status, page(site, who, "Error", &body), None)
}

/// A use case's error as a page: its safe message, with the status that fits.
pub(crate) fn app_error(site: &Site, who: Option<&StaffPrincipal>, error: &AppError) -> Response {
    let status = match error {
        AppError::NotFound(_) => StatusCode::NOT_FOUND,
        AppError::Conflict(_) => StatusCode::CONFLICT,
        AppError::Invalid(_) => StatusCode::BAD_REQUEST,
        AppError::Forbidden(_) => StatusCode::FORBIDDEN,
        AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    };
    error_page(site, who, status, &error.to_string())
}

/// A Unix-ms instant as people read it (UTC, to the minute).
pub(crate) fn when(at_ms: i64) -> String {
    jiff::Timestamp::from_millisecond(at_ms)
        .map(|t| t.strftime("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_else(|_| at_ms.to_string())
}
