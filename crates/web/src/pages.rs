//! The handlers: each page honors the browser's privacy signals first (so the page it
//! returns already says what happened), then renders escaped HTML with the security
//! headers of every response.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::header::{CONTENT_TYPE, COOKIE, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use ombud_app::AppError;
use ombud_app::choices::ChoiceSubject;
use ombud_policy::gpc::{do_not_track, gpc_signal};

use crate::Site;
use crate::html::escape;

/// The style of ombud's own pages (allowed by its hash in the CSP).
pub(crate) const STYLE: &str = "body{margin:0;font:1.0625rem/1.6 system-ui,sans-serif;color:#1a1a1a;background:#fff}main{max-width:44rem;margin:0 auto;padding:2rem 1.25rem}a{color:#0b4f9c}.status{border-left:.35rem solid #1d6b2f;background:#e8f5eb;padding:.75rem 1rem;font-weight:600}button{font:inherit;padding:.5rem 1rem}";

/// The cookie that names this browser to the consent ledger (a random id, nothing else).
const DEVICE_COOKIE: &str = "ombud_device";

/// A year: the device cookie's lifetime.
const DEVICE_COOKIE_MAX_AGE_S: u32 = 365 * 24 * 60 * 60;

/// The browser's device id from its cookie, or a new one (and the cookie to set).
pub(crate) fn device(headers: &HeaderMap) -> (String, Option<String>) {
    let existing =
        headers.get_all(COOKIE).iter().filter_map(|v| v.to_str().ok()).find_map(|line| {
            line.split(';').find_map(|pair| {
                let (name, value) = pair.trim().split_once('=')?;
                (name == DEVICE_COOKIE
                    && value.len() == 32
                    && value.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()))
                .then(|| value.to_owned())
            })
        });
    match existing {
        Some(id) => (id, None),
        None => {
            let mut bytes = [0u8; 16];
            // Without randomness the page still works; the browser just gets no id.
            if getrandom::fill(&mut bytes).is_err() {
                return (String::new(), None);
            }
            let id = ombud_core::audit::to_hex(&bytes);
            let cookie = format!(
                "{DEVICE_COOKIE}={id}; Path=/; Max-Age={DEVICE_COOKIE_MAX_AGE_S}; HttpOnly; Secure; SameSite=Lax"
            );
            (id, Some(cookie))
        }
    }
}

/// Honors the request's signals for this browser; the status the page shows.
pub(crate) async fn signals(
    site: &Site,
    headers: &HeaderMap,
) -> (Option<&'static str>, Option<String>) {
    let (id, cookie) = device(headers);
    let pairs: Vec<(&str, &str)> =
        headers.iter().filter_map(|(n, v)| Some((n.as_str(), v.to_str().ok()?))).collect();
    let gpc = gpc_signal(pairs.iter().copied()).is_opt_out();
    let dnt = do_not_track(pairs.iter().copied());
    let Ok(subject) = ChoiceSubject::device(&id) else { return (None, cookie) };
    // A store that is down must not take the notice down with it; the signal is sent
    // again with the next page.
    let status = site.app.honor_signals(&subject, None, gpc, dnt).await.ok().and_then(|o| o.status);
    (status, cookie)
}

pub(crate) fn respond(
    site: &Site,
    status: StatusCode,
    content_type: &'static str,
    body: String,
    cookie: Option<String>,
) -> Response {
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
    headers.insert("referrer-policy", HeaderValue::from_static("no-referrer"));
    if let Ok(csp) = HeaderValue::from_str(&site.csp) {
        headers.insert("content-security-policy", csp);
    }
    if let Some(cookie) = cookie.and_then(|c| HeaderValue::from_str(&c).ok()) {
        headers.insert(SET_COOKIE, cookie);
    }
    response
}

pub(crate) fn page(site: &Site, title: &str, status_line: Option<&str>, body: &str) -> String {
    let banner = status_line
        .map(|s| format!("<p class=\"status\" role=\"status\">{}</p>", escape(s)))
        .unwrap_or_default();
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{}</title><style>{STYLE}</style></head><body><main>{banner}{body}</main></body></html>",
        escape(&format!("{} — {}", title, site.program.organization.name))
    )
}

pub(crate) async fn home(State(site): State<Arc<Site>>, headers: HeaderMap) -> Response {
    let (status, cookie) = signals(&site, &headers).await;
    let mut body = format!("<h1>{} privacy center</h1>", escape(&site.program.organization.name));
    body.push_str("<h2>Privacy notices</h2><ul>");
    for (id, _) in &site.notices {
        let label = if *id == "ccpa" { "For California residents" } else { "Under the GDPR" };
        body.push_str(&format!("<li><a href=\"/notice/{id}\">{label}</a></li>"));
    }
    body.push_str("</ul>");
    body.push_str("<h2>Your rights</h2><ul><li><a href=\"/request\">Make a request about your personal information</a></li><li><a href=\"/preferences\">Your privacy preferences</a></li></ul>");
    if site.program.jurisdictions.contains(&ombud_core::Law::Ccpa) {
        body.push_str("<h2>Your choices</h2><ul><li><a href=\"/do-not-sell-or-share\">Do Not Sell or Share My Personal Information</a></li><li><a href=\"/limit-sensitive\">Limit the Use of My Sensitive Personal Information</a></li></ul>");
    }
    // What the notice says about the signal, in the same words.
    let stance = match site.program.signals.gpc {
        ombud_core::SignalStance::Honor => {
            "Your browser's Global Privacy Control signal is honored as an opt-out of the sale and sharing of your personal information."
        }
        ombud_core::SignalStance::Ignore => ombud_policy::gpc::GPC_NOT_HONORED,
    };
    body.push_str(&format!("<p>{}</p>", escape(stance)));
    let html = page(&site, "Privacy center", status, &body);
    respond(&site, StatusCode::OK, "text/html; charset=utf-8", html, cookie)
}

pub(crate) async fn notice(
    State(site): State<Arc<Site>>,
    Path(law): Path<String>,
    headers: HeaderMap,
) -> Response {
    let Some((law, html)) = site.notices.iter().find(|(id, _)| *id == law) else {
        return not_found(State(site)).await;
    };
    // The text as served is what the archive keeps.
    crate::notices::archive_once(&site, law, html).await;
    let (status, cookie) = signals(&site, &headers).await;
    let html = with_status_callout(html, status);
    respond(&site, StatusCode::OK, "text/html; charset=utf-8", html, cookie)
}

/// A notice page with the signal's status right after `<body>` (the notice is a whole
/// page of its own, with its own layout).
pub(crate) fn with_status_callout(html: &str, status: Option<&str>) -> String {
    match status {
        Some(line) => html.replacen(
            "<body>",
            &format!("<body><p class=\"callout\" role=\"status\">{}</p>", escape(line)),
            1,
        ),
        None => html.to_owned(),
    }
}

pub(crate) async fn gpc_json(State(site): State<Arc<Site>>) -> Response {
    respond(&site, StatusCode::OK, "application/json", site.gpc_json.clone(), None)
}

pub(crate) async fn unsubscribe_page(
    State(site): State<Arc<Site>>,
    Path(token): Path<String>,
) -> Response {
    // A GET never unsubscribes: mail scanners open links. The button POSTs the same
    // body a mail client's one-click does (RFC 8058 §3.1).
    let body = format!(
        "<h1>Unsubscribe</h1><form method=\"post\" action=\"/unsubscribe/{}\"><input type=\"hidden\" name=\"List-Unsubscribe\" value=\"One-Click\"><button type=\"submit\">Unsubscribe from this list</button></form>",
        escape(&token)
    );
    respond(
        &site,
        StatusCode::OK,
        "text/html; charset=utf-8",
        page(&site, "Unsubscribe", None, &body),
        None,
    )
}

pub(crate) async fn unsubscribe(
    State(site): State<Arc<Site>>,
    Path(token): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let content_type = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok());
    if !ombud_policy::unsubscribe::is_one_click_request(content_type, &body) {
        let html = page(
            &site,
            "Unsubscribe",
            None,
            "<h1>Unsubscribe</h1><p>This address takes the one-click unsubscribe of RFC 8058: a POST with the body <code>List-Unsubscribe=One-Click</code>.</p>",
        );
        return respond(&site, StatusCode::BAD_REQUEST, "text/html; charset=utf-8", html, None);
    }
    match site.app.unsubscribe_one_click(&token, None).await {
        Ok(done) => {
            let list = site
                .program
                .subscriptions
                .iter()
                .find(|s| s.id == done.list)
                .map_or(done.list.clone(), |s| s.name.clone());
            let body = format!(
                "<h1>You are unsubscribed</h1><p>You will get no more messages from the list “{}”.</p>",
                escape(&list)
            );
            respond(
                &site,
                StatusCode::OK,
                "text/html; charset=utf-8",
                page(&site, "Unsubscribed", None, &body),
                None,
            )
        }
        Err(error) => {
            let code = match &error {
                AppError::Forbidden(_) | AppError::Invalid(_) => StatusCode::FORBIDDEN,
                AppError::NotFound(_) => StatusCode::NOT_FOUND,
                AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
                _ => StatusCode::INTERNAL_SERVER_ERROR,
            };
            let body = format!("<h1>Unsubscribe</h1><p>{}</p>", escape(&error.to_string()));
            respond(
                &site,
                code,
                "text/html; charset=utf-8",
                page(&site, "Unsubscribe", None, &body),
                None,
            )
        }
    }
}

pub(crate) async fn healthz(State(site): State<Arc<Site>>) -> Response {
    respond(&site, StatusCode::OK, "text/plain; charset=utf-8", "ok\n".to_owned(), None)
}

pub(crate) async fn readyz(State(site): State<Arc<Site>>) -> Response {
    match site.app.store().read().await {
        Ok(tx) => {
            drop(tx);
            respond(&site, StatusCode::OK, "text/plain; charset=utf-8", "ready\n".to_owned(), None)
        }
        Err(_) => respond(
            &site,
            StatusCode::SERVICE_UNAVAILABLE,
            "text/plain; charset=utf-8",
            "the store is unreachable\n".to_owned(),
            None,
        ),
    }
}

pub(crate) async fn not_found(State(site): State<Arc<Site>>) -> Response {
    not_found_page(&site)
}

pub(crate) fn not_found_page(site: &Site) -> Response {
    let html = page(
        site,
        "Not found",
        None,
        "<h1>Not found</h1><p><a href=\"/\">The privacy center</a></p>",
    );
    respond(site, StatusCode::NOT_FOUND, "text/html; charset=utf-8", html, None)
}
