//! A request's status page and what its owner can do there: enter the emailed code
//! (`App::check_code`), ask for a new one (`App::send_code`, rate-limited by the app:
//! R-045), and download the access package once it is built (a fresh short-lived link,
//! `App::owner_package_link`, served by `GET /package/{token}` through
//! `App::open_package_link`, which audits the download).
//!
//! The status page and its code forms first find the owner key — from the address
//! (`?key=` or the form's hidden field) or from the request's own cookie — and check it
//! in constant time; without the right key the answer is the site's ordinary 404, the
//! same as for an id that does not exist. The page shows what the request is and where
//! it stands, never a name, an address or any value of the person's.
//!
//! The address is not enough for the data: it is kept in histories, bookmarks and
//! proxy logs, and may be shared. Minting a download link takes the owner **cookie**
//! (`HttpOnly`, `SameSite=Strict`, scoped to the request's path), which only the
//! browser that made the request holds (or one where the emailed code was entered),
//! on a POST that shows it comes from the privacy center (`Sec-Fetch-Site` or
//! `Origin`, not merely the absence of both); the key from the address or a form is
//! never looked at there.

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

use super::{cross_site, html, message, owner_cookie, owner_cookies, sentence, status_of};
use crate::Site;
use crate::choices::same_origin;
use crate::html::escape;
use crate::pages::{not_found_page, signals};

/// The hex characters of a download token (32 random bytes).
const PACKAGE_TOKEN_CHARS: usize = 64;

/// Who opened a request's page, and with what.
struct Owner {
    id: Id,
    /// The key that checked out.
    key: String,
    /// It came from the address or a form (and so goes on in the code forms); a key
    /// from the cookie is never written into a page.
    by_address: bool,
    /// This browser sent the owner cookie: the download works here.
    cookie: bool,
}

/// The owner of `id_text`, by the key given or the cookies sent; `None` is answered as
/// not found.
fn owner(site: &Site, id_text: &str, given: &str, headers: &HeaderMap) -> Option<Owner> {
    let id = Id::parse(id_text)?;
    let held = held_key(site, id, headers);
    let given = given.trim();
    if !given.is_empty() && site.app.is_owner(id, given) {
        return Some(Owner { id, key: given.to_owned(), by_address: true, cookie: held.is_some() });
    }
    held.map(|key| Owner { id, key, by_address: false, cookie: true })
}

/// The owner key of `id` among the cookies this browser sent.
fn held_key(site: &Site, id: Id, headers: &HeaderMap) -> Option<String> {
    owner_cookies(headers).into_iter().find(|key| site.app.is_owner(id, key))
}

/// Whether a POST shows it comes from the privacy center: `same_origin`, and with a
/// `Sec-Fetch-Site` or `Origin` header to show it (every browser sends one on a form
/// post). `same_origin` lets a client with neither through, which is right for forms
/// that only record what the sender says, not for handing out a person's data.
fn shown_same_origin(headers: &HeaderMap) -> bool {
    (headers.contains_key("sec-fetch-site") || headers.contains_key("origin"))
        && same_origin(headers)
}

/// Whether the browser may hold the owner cookie without having sent it: a
/// `SameSite=Strict` cookie is not sent on a navigation from another site (a link in
/// webmail), nor told apart when the browser does not say where it came from.
fn cookie_withheld(headers: &HeaderMap) -> bool {
    !matches!(
        headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()),
        Some("same-origin" | "same-site" | "none")
    )
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

/// How the status page offers the download.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Download {
    /// This browser sent the owner cookie.
    Here,
    /// No cookie came, but the browser may hold one it did not send (a link from
    /// another site): the button is offered with the plain rule beside it.
    Maybe,
    /// No cookie: only the plain rule.
    Elsewhere,
}

impl Download {
    fn of(owner: &Owner, headers: &HeaderMap) -> Download {
        if owner.cookie {
            Download::Here
        } else if cookie_withheld(headers) {
            Download::Maybe
        } else {
            Download::Elsewhere
        }
    }
}

/// The page's parts that depend on who asked: the owner, and how the download works.
struct Asker<'a> {
    owner: &'a Owner,
    download: Download,
}

fn render(
    site: &Site,
    code: StatusCode,
    view: &OwnerView,
    asker: &Asker<'_>,
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
    // The key goes on in the code forms only when it came from the address: one from
    // the cookie stays in the cookie (the form posts carry it).
    let hidden = if asker.owner.by_address {
        format!("<input type=\"hidden\" name=\"key\" value=\"{}\">", escape(&asker.owner.key))
    } else {
        String::new()
    };
    if takes_code(site, view) {
        body.push_str(&format!(
            "<h2>Confirm it is you</h2><form method=\"post\" action=\"/status/{id}/code\">{hidden}<p><label for=\"code\">The code from our email</label><br><input id=\"code\" name=\"code\" inputmode=\"numeric\" autocomplete=\"one-time-code\" maxlength=\"16\" required></p><p><button type=\"submit\">Confirm</button></p></form>\
             <form method=\"post\" action=\"/status/{id}/resend\">{hidden}<p>No code, or it expired? <button type=\"submit\">Send me a new code</button></p></form>"
        ));
    }
    if view.package_ready {
        // Never the key in this form: the download takes the cookie only.
        let button = format!(
            "<form method=\"post\" action=\"/status/{id}/download\"><p><button type=\"submit\">Download your data</button></p></form>"
        );
        body.push_str("<h2>Your data</h2>");
        match asker.download {
            Download::Here => body.push_str(&format!(
                "{button}<p>The file is a zip archive. The download link works for a few minutes; come back here for a new one.</p>"
            )),
            Download::Maybe => body.push_str(&format!(
                "<p>Your data is ready. It can be downloaded only in the browser you made the request from: that browser keeps a key for it, and the address of this page is not enough. If this is that browser, the button works.</p>{button}"
            )),
            Download::Elsewhere => body.push_str(
                "<p>Your data is ready, but this browser cannot download it. The download works only in the browser you made the request from: that browser keeps a key for it, and the address of this page is not enough. Open this page in that browser.</p>",
            ),
        }
    }
    body.push_str("<p>Keep the address of this page to come back. Anyone with this address can see where your request stands and ask for a code to be sent to your email address; your data can be downloaded only in the browser you made the request from.</p><p><a href=\"/\">The privacy center</a></p>");
    html(site, code, "Your request", banner, &body, cookies)
}

/// The view of the owner's request, or the response that refuses.
async fn view_or_refuse(
    site: &Site,
    owner: &Owner,
    banner: Option<&str>,
) -> Result<OwnerView, Response> {
    match site.app.owner_view(owner.id, &owner.key).await {
        Ok(view) => Ok(view),
        Err(AppError::NotFound(_)) => Err(not_found_page(site)),
        Err(e) => Err(message(
            site,
            status_of(&e),
            "Your request",
            banner,
            &format!("{} Please try again in a moment.", sentence(&e.to_string())),
        )),
    }
}

/// The status of a refused code or code request: the app's limits on codes
/// are "too many", so 429; the rest as the app says.
fn code_status(error: &AppError) -> StatusCode {
    match error {
        AppError::Forbidden(_) => StatusCode::TOO_MANY_REQUESTS,
        other => status_of(other),
    }
}

/// `GET /status/{id}`: where the request stands.
pub(crate) async fn status(
    State(site): State<Arc<Site>>,
    Path(id_text): Path<String>,
    Query(query): Query<StatusQuery>,
    headers: HeaderMap,
) -> Response {
    let Some(owner) = owner(&site, &id_text, &query.key, &headers) else {
        return not_found_page(&site);
    };
    let (banner, cookie) = signals(&site, &headers).await;
    // The address alone never sets the owner cookie: whoever holds a copy of it would
    // get the download with it.
    let cookies: Vec<String> = cookie.into_iter().collect();
    let view = match view_or_refuse(&site, &owner, banner).await {
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
    let asker = Asker { owner: &owner, download: Download::of(&owner, &headers) };
    render(&site, StatusCode::OK, &view, &asker, banner, flash, cookies)
}

/// `POST /status/{id}/code`: checks the code. A right code was read from the email
/// sent to the address on the request, here: this browser gets the owner cookie (the
/// download's key), as the one that made the request has it.
pub(crate) async fn verify(
    State(site): State<Arc<Site>>,
    Path(id_text): Path<String>,
    headers: HeaderMap,
    Form(form): Form<OwnerForm>,
) -> Response {
    if !same_origin(&headers) {
        return cross_site(&site, "Your request");
    }
    let Some(mut owner) = owner(&site, &id_text, &form.key, &headers) else {
        return not_found_page(&site);
    };
    let (banner, cookie) = signals(&site, &headers).await;
    let mut cookies: Vec<String> = cookie.into_iter().collect();
    let (code, flash) = if form.code.len() > 16 {
        (
            StatusCode::BAD_REQUEST,
            Flash::Error("The code is six digits; copy it from our email.".to_owned()),
        )
    } else {
        let checked = site.app.check_code(owner.id, &form.code, &Actor::Subject).await;
        if checked.is_ok() && !owner.cookie {
            cookies.push(owner_cookie(&owner.id.to_string(), &owner.key));
            owner.cookie = true;
        }
        match checked {
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
            Err(AppError::NotFound(_)) => return not_found_page(&site),
            Err(e @ (AppError::Invalid(_) | AppError::Forbidden(_) | AppError::Conflict(_))) => {
                (code_status(&e), Flash::Error(sentence(&e.to_string())))
            }
            Err(e) => (
                status_of(&e),
                Flash::Error(format!("{} Please try again.", sentence(&e.to_string()))),
            ),
        }
    };
    let view = match view_or_refuse(&site, &owner, banner).await {
        Ok(view) => view,
        Err(response) => return response,
    };
    // A POST from this page carries the cookie whenever the browser holds it.
    let download = if owner.cookie { Download::Here } else { Download::Elsewhere };
    render(&site, code, &view, &Asker { owner: &owner, download }, banner, Some(flash), cookies)
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
    let Some(owner) = owner(&site, &id_text, &form.key, &headers) else {
        return not_found_page(&site);
    };
    let (banner, cookie) = signals(&site, &headers).await;
    let (code, flash) = match site.app.send_code(owner.id, &Actor::Subject).await {
        Ok(_) => {
            crate::mail::deliver_soon(&site);
            (
                StatusCode::OK,
                Flash::Said("A new code is on its way to your email address; it works for 30 minutes, and earlier codes no longer work.".to_owned()),
            )
        }
        Err(AppError::NotFound(_)) => return not_found_page(&site),
        Err(e @ (AppError::Invalid(_) | AppError::Forbidden(_) | AppError::Conflict(_))) => {
            (code_status(&e), Flash::Error(sentence(&e.to_string())))
        }
        Err(e) => {
            (status_of(&e), Flash::Error(format!("{} Please try again.", sentence(&e.to_string()))))
        }
    };
    let view = match view_or_refuse(&site, &owner, banner).await {
        Ok(view) => view,
        Err(response) => return response,
    };
    let download = if owner.cookie { Download::Here } else { Download::Elsewhere };
    let asker = Asker { owner: &owner, download };
    render(&site, code, &view, &asker, banner, Some(flash), cookie.into_iter().collect())
}

/// `POST /status/{id}/download`: a fresh link to the package, followed at once. Only
/// with the owner cookie, on a POST shown to come from the privacy center; a key in
/// the address or the form is not looked at.
pub(crate) async fn download(
    State(site): State<Arc<Site>>,
    Path(id_text): Path<String>,
    headers: HeaderMap,
) -> Response {
    if !shown_same_origin(&headers) {
        return cross_site(&site, "Your request");
    }
    let held = Id::parse(&id_text).and_then(|id| Some((id, held_key(&site, id, &headers)?)));
    let (banner, _) = signals(&site, &headers).await;
    let Some((id, key)) = held else {
        // The same answer whether the request exists or not: it tells nothing.
        return message(
            &site,
            StatusCode::FORBIDDEN,
            "Your data",
            banner,
            "This browser cannot download the data of this request. The download works only in the browser the request was made from, which keeps a key for it; the address of the status page is not enough. Open the status page in that browser.",
        );
    };
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
        Err(AppError::NotFound(text)) => {
            let owner = Owner { id, key, by_address: false, cookie: true };
            let view = match view_or_refuse(&site, &owner, banner).await {
                Ok(view) => view,
                Err(response) => return response,
            };
            render(
                &site,
                StatusCode::NOT_FOUND,
                &view,
                &Asker { owner: &owner, download: Download::Here },
                banner,
                Some(Flash::Error(sentence(&text))),
                Vec::new(),
            )
        }
        Err(e) => message(
            &site,
            status_of(&e),
            "Your request",
            banner,
            &format!("{} Please try again.", sentence(&e.to_string())),
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
            status_of(&e),
            "Your data",
            None,
            &format!("{} Please try again.", sentence(&e.to_string())),
        ),
    }
}
