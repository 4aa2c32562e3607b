//! A request's status page and what its owner can do there: enter the emailed code
//! (`App::check_code`), ask for a new one (`App::send_code`, rate-limited by the app:
//! R-045), and download the access package once it is built (a fresh short-lived link,
//! `App::owner_package_link`, served by `GET /package/{token}` through
//! `App::open_package_link`, which audits the download).
//!
//! Every route here first finds the owner key — from the address (`?key=` or the
//! form's hidden field) or from the request's own cookie — and checks it in constant
//! time; without the right key the answer is the site's ordinary 404, the same as for
//! an id that does not exist. The page shows what the request is and where it stands,
//! never a name, an address or any value of the person's.

use std::sync::Arc;

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE, LOCATION};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use ombud_app::center::OwnerView;
use ombud_app::requests::VerificationOutcome;
use ombud_app::{Actor, AppError};
use ombud_core::id::Id;
use ombud_core::request::Status;
use ombud_core::verification::Level;
use ombud_core::{Reference as _, VerificationMethod};
use serde::Deserialize;

use super::{cross_site, html, message, owner_cookie, owner_cookies};
use crate::Site;
use crate::choices::same_origin;
use crate::html::escape;
use crate::pages::{not_found_page, signals};

/// The hex characters of a download token (32 random bytes).
const PACKAGE_TOKEN_CHARS: usize = 64;

/// The owner of `id_text`, by the key given or the cookies sent: the id and the key
/// that checked out, or `None` (answered as not found).
fn owner(site: &Site, id_text: &str, given: &str, headers: &HeaderMap) -> Option<(Id, String)> {
    let id = Id::parse(id_text)?;
    let given = given.trim();
    let candidates =
        std::iter::once(given.to_owned()).filter(|k| !k.is_empty()).chain(owner_cookies(headers));
    candidates.into_iter().find(|key| site.app.is_owner(id, key)).map(|key| (id, key))
}

/// The query of the status page.
#[derive(Deserialize)]
pub(crate) struct StatusQuery {
    #[serde(default)]
    key: String,
    #[serde(default)]
    new: String,
    #[serde(default)]
    note: String,
}

/// A form of the status page: the key, and the code when one is entered.
#[derive(Deserialize)]
pub(crate) struct OwnerForm {
    #[serde(default)]
    key: String,
    #[serde(default)]
    code: String,
}

/// The status in plain words, and what happens next.
fn plain(view: &OwnerView) -> (&'static str, &'static str) {
    match view.status {
        Status::Received => (
            "We have received your request.",
            "We need to confirm it is you before we act on it; you will hear from us by email.",
        ),
        Status::Verifying => (
            "We are waiting for you to confirm it is you.",
            "Enter the code we emailed you below. Until then we cannot act on your request.",
        ),
        Status::Verified => (
            "We have confirmed it is you.",
            "The work on your request starts shortly; we will email you when it is done.",
        ),
        Status::InProgress => (
            "We are working on your request.",
            "We will email you when it is done, by the date below at the latest.",
        ),
        Status::Completed => {
            ("Your request is complete.", "We sent you an email saying what we did.")
        }
        Status::PartiallyCompleted => (
            "Your request is complete in part.",
            "The email we sent you explains what we could not do, why, and how you can challenge it.",
        ),
        Status::Denied => (
            "We could not do what you asked.",
            "The email we sent you explains why, and how you can challenge it.",
        ),
        Status::Cancelled => (
            "Your request was closed without an answer (withdrawn, or a duplicate of another).",
            "If you did not mean to withdraw it, make a new request.",
        ),
    }
}

/// Whether the owner can verify here by code now.
fn takes_code(site: &Site, view: &OwnerView) -> bool {
    matches!(view.status, Status::Received | Status::Verifying)
        && view.verification_required > Level::None
        && site.app.settings().offers(view.request_type, VerificationMethod::EmailCode)
}

/// A one-line message on the page: said (`role=status`) or an error (`role=alert`).
enum Flash {
    Said(String),
    Error(String),
}

fn render(
    site: &Site,
    code: StatusCode,
    view: &OwnerView,
    key: &str,
    banner: Option<&str>,
    flash: Option<Flash>,
    cookies: Vec<String>,
) -> Response {
    let id = view.id.to_string();
    let mut body = String::from("<h1>Your request</h1>");
    match flash {
        Some(Flash::Said(text)) => {
            body.push_str(&format!("<p role=\"status\"><strong>{}</strong></p>", escape(&text)))
        }
        Some(Flash::Error(text)) => {
            body.push_str(&format!("<p role=\"alert\"><strong>{}</strong></p>", escape(&text)))
        }
        None => {}
    }
    let (now, next) = plain(view);
    let answered = if view.effective_type != view.request_type {
        format!(" (answered as: {}, R-053)", escape(view.effective_type.label()))
    } else {
        String::new()
    };
    body.push_str(&format!(
        "<dl><dt>Reference</dt><dd>{}</dd><dt>What you asked</dt><dd>{}{answered}</dd><dt>Under</dt><dd>{}</dd><dt>Received</dt><dd>{}</dd><dt>We answer by</dt><dd>{}{}</dd><dt>Where it stands</dt><dd>{}</dd></dl><h2>What happens next</h2><p>{}</p>",
        escape(&id),
        escape(view.request_type.label()),
        escape(view.law.label()),
        escape(&ombud_app::notify::long_date(view.received_on)),
        escape(&ombud_app::notify::long_date(view.due)),
        if view.extended { " (extended; we emailed you why)" } else { "" },
        escape(now),
        escape(next),
    ));
    let hidden = format!("<input type=\"hidden\" name=\"key\" value=\"{}\">", escape(key));
    if takes_code(site, view) {
        body.push_str(&format!(
            "<h2>Confirm it is you</h2><form method=\"post\" action=\"/status/{id}/code\">{hidden}<p><label for=\"code\">The code from our email</label><br><input id=\"code\" name=\"code\" inputmode=\"numeric\" autocomplete=\"one-time-code\" maxlength=\"16\" required></p><p><button type=\"submit\">Confirm</button></p></form>\
             <form method=\"post\" action=\"/status/{id}/resend\">{hidden}<p>No code, or it expired? <button type=\"submit\">Send me a new code</button></p></form>"
        ));
    }
    if view.package_ready {
        body.push_str(&format!(
            "<h2>Your data</h2><form method=\"post\" action=\"/status/{id}/download\">{hidden}<p><button type=\"submit\">Download your data</button></p></form><p>The file is a zip archive. The download link works for a few minutes; come back here for a new one.</p>"
        ));
    }
    body.push_str("<p>Keep the address of this page, or use the link in our emails, to come back. Anyone with this address can see where your request stands, but not your data.</p><p><a href=\"/\">The privacy center</a></p>");
    html(site, code, "Your request", banner, &body, cookies)
}

/// The view of the owner's request, or the response that refuses.
async fn view_or_refuse(
    site: &Site,
    id: Id,
    key: &str,
    banner: Option<&str>,
) -> Result<OwnerView, Response> {
    match site.app.owner_view(id, key).await {
        Ok(view) => Ok(view),
        Err(AppError::NotFound(_)) => Err(not_found_page(site)),
        Err(e) => Err(message(
            site,
            StatusCode::SERVICE_UNAVAILABLE,
            "Your request",
            banner,
            &format!("{e}. Please try again in a moment."),
        )),
    }
}

/// `GET /status/{id}`: where the request stands.
pub(crate) async fn status(
    State(site): State<Arc<Site>>,
    Path(id_text): Path<String>,
    Query(query): Query<StatusQuery>,
    headers: HeaderMap,
) -> Response {
    let Some((id, key)) = owner(&site, &id_text, &query.key, &headers) else {
        return not_found_page(&site);
    };
    let (banner, cookie) = signals(&site, &headers).await;
    let mut cookies: Vec<String> = cookie.into_iter().collect();
    // Opened from a link (an email, a bookmark): remember the key in this browser too.
    if !query.key.is_empty() {
        cookies.push(owner_cookie(&id.to_string(), &key));
    }
    let view = match view_or_refuse(&site, id, &key, banner).await {
        Ok(view) => view,
        Err(response) => return response,
    };
    let flash = match (query.new.as_str(), query.note.as_str()) {
        (_, "document") => Some(Flash::Error("Your request is stored, but the document was not: send it to us by email, quoting the reference.".to_owned())),
        (_, "code") => Some(Flash::Error("Your request is stored, but we could not send a code just now: ask for one below.".to_owned())),
        ("1", _) if takes_code(&site, &view) => Some(Flash::Said("Your request is stored. We emailed you a code: enter it below to confirm it is you. Keep the address of this page to come back.".to_owned())),
        ("1", _) => Some(Flash::Said("Your request is stored. Keep the address of this page to come back.".to_owned())),
        _ => None,
    };
    render(&site, StatusCode::OK, &view, &key, banner, flash, cookies)
}

/// `POST /status/{id}/code`: checks the code.
pub(crate) async fn verify(
    State(site): State<Arc<Site>>,
    Path(id_text): Path<String>,
    headers: HeaderMap,
    Form(form): Form<OwnerForm>,
) -> Response {
    if !same_origin(&headers) {
        return cross_site(&site, "Your request");
    }
    let Some((id, key)) = owner(&site, &id_text, &form.key, &headers) else {
        return not_found_page(&site);
    };
    let (banner, cookie) = signals(&site, &headers).await;
    let (code, flash) = if form.code.len() > 16 {
        (
            StatusCode::BAD_REQUEST,
            Flash::Error("The code is six digits; copy it from our email.".to_owned()),
        )
    } else {
        match site.app.check_code(id, &form.code, &Actor::Subject).await {
            Ok(VerificationOutcome::Verified { .. }) => {
                (StatusCode::OK, Flash::Said("Thank you: it is confirmed that it is you.".to_owned()))
            }
            Ok(VerificationOutcome::AnsweredAsCategories { .. }) => (
                StatusCode::OK,
                Flash::Said("Thank you. We could not confirm it is you to the degree the law asks for specific pieces of information, so we will tell you the categories we hold (R-053).".to_owned()),
            ),
            Ok(VerificationOutcome::NotYet { .. }) => (
                StatusCode::OK,
                Flash::Said("Your email address is confirmed. We need more to confirm it is you; we will contact you.".to_owned()),
            ),
            Err(AppError::Invalid(text) | AppError::Forbidden(text) | AppError::Conflict(text)) => {
                (StatusCode::BAD_REQUEST, Flash::Error(sentence(&text)))
            }
            Err(AppError::NotFound(_)) => return not_found_page(&site),
            Err(e) => (StatusCode::SERVICE_UNAVAILABLE, Flash::Error(format!("{}. Please try again.", sentence(&e.to_string())))),
        }
    };
    let view = match view_or_refuse(&site, id, &key, banner).await {
        Ok(view) => view,
        Err(response) => return response,
    };
    render(&site, code, &view, &key, banner, Some(flash), cookie.into_iter().collect())
}

/// `POST /status/{id}/resend`: a new code.
pub(crate) async fn resend(
    State(site): State<Arc<Site>>,
    Path(id_text): Path<String>,
    headers: HeaderMap,
    Form(form): Form<OwnerForm>,
) -> Response {
    if !same_origin(&headers) {
        return cross_site(&site, "Your request");
    }
    let Some((id, key)) = owner(&site, &id_text, &form.key, &headers) else {
        return not_found_page(&site);
    };
    let (banner, cookie) = signals(&site, &headers).await;
    let (code, flash) = match site.app.send_code(id, &Actor::Subject).await {
        Ok(_) => {
            crate::api::deliver_soon(&site);
            (
            StatusCode::OK,
            Flash::Said("A new code is on its way to your email address; it works for 30 minutes, and earlier codes no longer work.".to_owned()),
        )
        }
        Err(AppError::Invalid(text) | AppError::Forbidden(text) | AppError::Conflict(text)) => {
            (StatusCode::BAD_REQUEST, Flash::Error(sentence(&text)))
        }
        Err(AppError::NotFound(_)) => return not_found_page(&site),
        Err(e) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Flash::Error(format!("{}. Please try again.", sentence(&e.to_string()))),
        ),
    };
    let view = match view_or_refuse(&site, id, &key, banner).await {
        Ok(view) => view,
        Err(response) => return response,
    };
    render(&site, code, &view, &key, banner, Some(flash), cookie.into_iter().collect())
}

/// `POST /status/{id}/download`: a fresh link to the package, followed at once.
pub(crate) async fn download(
    State(site): State<Arc<Site>>,
    Path(id_text): Path<String>,
    headers: HeaderMap,
    Form(form): Form<OwnerForm>,
) -> Response {
    if !same_origin(&headers) {
        return cross_site(&site, "Your request");
    }
    let Some((id, key)) = owner(&site, &id_text, &form.key, &headers) else {
        return not_found_page(&site);
    };
    let (banner, _) = signals(&site, &headers).await;
    match site.app.owner_package_link(id, &key).await {
        Ok(token) => {
            let mut response = StatusCode::SEE_OTHER.into_response();
            let headers = response.headers_mut();
            if let Ok(value) = HeaderValue::from_str(&format!("/package/{}", token.expose())) {
                headers.insert(LOCATION, value);
            }
            headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
            headers.insert("referrer-policy", HeaderValue::from_static("no-referrer"));
            response
        }
        Err(AppError::NotFound(text)) if site.app.is_owner(id, &key) => {
            let view = match view_or_refuse(&site, id, &key, banner).await {
                Ok(view) => view,
                Err(response) => return response,
            };
            render(
                &site,
                StatusCode::NOT_FOUND,
                &view,
                &key,
                banner,
                Some(Flash::Error(sentence(&text))),
                Vec::new(),
            )
        }
        Err(AppError::NotFound(_)) => not_found_page(&site),
        Err(e) => message(
            &site,
            StatusCode::SERVICE_UNAVAILABLE,
            "Your request",
            banner,
            &format!("{}. Please try again.", sentence(&e.to_string())),
        ),
    }
}

/// `GET /package/{token}`: the zip, as an attachment nobody caches. An unknown,
/// expired or purged link is the ordinary 404.
pub(crate) async fn package(State(site): State<Arc<Site>>, Path(token): Path<String>) -> Response {
    if token.len() != PACKAGE_TOKEN_CHARS || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return not_found_page(&site);
    }
    match site.app.open_package_link(&token).await {
        Ok((info, zip)) => {
            let mut response = (StatusCode::OK, zip.to_vec()).into_response();
            let headers = response.headers_mut();
            headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/zip"));
            if let Ok(value) = HeaderValue::from_str(&format!(
                "attachment; filename=\"your-data-{}.zip\"",
                info.request_id
            )) {
                headers.insert(CONTENT_DISPOSITION, value);
            }
            headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
            headers.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
            headers.insert("referrer-policy", HeaderValue::from_static("no-referrer"));
            response
        }
        Err(AppError::NotFound(_)) => not_found_page(&site),
        Err(e) => message(
            &site,
            StatusCode::SERVICE_UNAVAILABLE,
            "Your data",
            None,
            &format!("{}. Please try again.", sentence(&e.to_string())),
        ),
    }
}

/// An app message as a sentence on a page.
fn sentence(text: &str) -> String {
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
