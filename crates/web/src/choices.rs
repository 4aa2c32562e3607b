//! The opt-out pages the CCPA requires a link to (R-110, R-140): "Do Not Sell or Share
//! My Personal Information" and "Limit the Use of My Sensitive Personal Information".
//! Opting out needs no account and no verification: the browser is opted out at
//! once, and when the person gives an email address the opt-out also goes through the
//! request workflow for them (recorded, applied, completed; the §7101 record).
//!
//! The forms are protected against cross-site submission by the browser's own
//! `Sec-Fetch-Site` and `Origin` headers (no tokens): a form posted from another site
//! is refused before anything is recorded.

use std::sync::Arc;

use axum::Form;
use axum::extract::State;
use axum::http::header::HOST;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use ombud_app::Actor;
use ombud_app::choices::{ChoiceSubject, LedgerChoice, NewChoice};
use ombud_app::requests::NewRequest;
use ombud_core::{ChannelKind, Law, RequestType};
use ombud_policy::decide::{Choice, Source};
use ombud_store::requests::Subject;
use serde::Deserialize;

use crate::Site;
use crate::html::escape;
use crate::pages::{device, page, respond, signals};

/// Which opt-out a page offers.
#[derive(Clone, Copy)]
enum Kind {
    SaleShare,
    LimitSensitive,
}

impl Kind {
    fn title(self) -> &'static str {
        match self {
            Kind::SaleShare => "Do Not Sell or Share My Personal Information",
            Kind::LimitSensitive => "Limit the Use of My Sensitive Personal Information",
        }
    }

    fn path(self) -> &'static str {
        match self {
            Kind::SaleShare => "/do-not-sell-or-share",
            Kind::LimitSensitive => "/limit-sensitive",
        }
    }

    fn choices(self) -> &'static [Choice] {
        match self {
            Kind::SaleShare => {
                &[Choice::OptOutOfSale, Choice::OptOutOfSharing, Choice::OptOutOfTargetedAds]
            }
            Kind::LimitSensitive => &[Choice::LimitSensitive],
        }
    }

    fn request_type(self) -> RequestType {
        match self {
            Kind::SaleShare => RequestType::OptOutSaleShare,
            Kind::LimitSensitive => RequestType::LimitSensitive,
        }
    }
}

/// The form: an email address, optional.
#[derive(Deserialize)]
pub(crate) struct OptOutForm {
    #[serde(default)]
    email: String,
}

/// Whether a form post comes from the privacy center itself: `Sec-Fetch-Site` when the
/// browser sends it, else `Origin` against `Host`; a client that sends neither is not
/// a browser another site can drive.
pub(crate) fn same_origin(headers: &HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return matches!(site, "same-origin" | "none");
    }
    match headers.get("origin").and_then(|v| v.to_str().ok()) {
        None => true,
        Some(origin) => {
            let host = headers.get(HOST).and_then(|v| v.to_str().ok()).unwrap_or("");
            let authority = origin.split_once("://").map_or("", |(_, rest)| rest);
            !host.is_empty() && authority == host
        }
    }
}

fn offered(site: &Site) -> bool {
    site.program.jurisdictions.contains(&Law::Ccpa)
}

async fn show(site: &Site, kind: Kind, headers: &HeaderMap) -> Response {
    if !offered(site) {
        return crate::pages::not_found_page(site);
    }
    let (status, cookie) = signals(site, headers).await;
    let body = format!(
        "<h1>{}</h1><p>This opts this browser out at once; no account and no proof of identity are needed. Give your email address to apply it to you as well, wherever we know you by it.</p>\
         <form method=\"post\" action=\"{}\"><p><label for=\"email\">Email address (optional)</label><br><input id=\"email\" name=\"email\" type=\"email\" autocomplete=\"email\" maxlength=\"254\"></p>\
         <p><button type=\"submit\">Opt out</button></p></form><p>Privacy notice version {}.</p>",
        escape(kind.title()),
        kind.path(),
        escape(&site.program.notice.version)
    );
    respond(
        site,
        StatusCode::OK,
        "text/html; charset=utf-8",
        page(site, kind.title(), status, &body),
        cookie,
    )
}

async fn submit(site: &Site, kind: Kind, headers: &HeaderMap, form: OptOutForm) -> Response {
    if !offered(site) {
        return crate::pages::not_found_page(site);
    }
    let error = |code: StatusCode, message: &str| {
        let body = format!("<h1>{}</h1><p>{}</p>", escape(kind.title()), escape(message));
        respond(site, code, "text/html; charset=utf-8", page(site, kind.title(), None, &body), None)
    };
    if !same_origin(headers) {
        return error(
            StatusCode::FORBIDDEN,
            "This form can only be sent from this privacy center.",
        );
    }
    let email = form.email.trim();
    let person = if email.is_empty() {
        None
    } else {
        match ChoiceSubject::email(email) {
            Ok(subject) => Some(subject),
            Err(e) => {
                return error(
                    StatusCode::BAD_REQUEST,
                    &format!("{e}. Check the address, or leave it empty."),
                );
            }
        }
    };
    let (id, cookie) = device(headers);
    let version = Some(site.program.notice.version.clone());
    // The browser first: opted out whatever happens with the request below.
    if let Ok(browser) = ChoiceSubject::device(&id) {
        for choice in kind.choices() {
            let new = NewChoice {
                subject: browser.clone(),
                choice: LedgerChoice::Decision(choice.clone()),
                source: Source::Form,
                notice_version: version.clone(),
            };
            if let Err(e) = site.app.record_choice(new, &Actor::Subject).await {
                return error(StatusCode::SERVICE_UNAVAILABLE, &format!("{e}. Please try again."));
            }
        }
        if let Some(person) = &person
            && let Err(e) = site.app.link_device(&browser, person, Source::Form).await
        {
            return error(StatusCode::SERVICE_UNAVAILABLE, &format!("{e}. Please try again."));
        }
    }
    let mut reference = String::new();
    if person.is_some() {
        let request = NewRequest {
            request_type: kind.request_type(),
            law: Law::Ccpa,
            channel: ChannelKind::WebForm,
            received_at: None,
            subject: Subject { email: Some(email.to_owned()), ..Subject::default() },
            agent: None,
            appeal_of: None,
        };
        match site.app.submit_opt_out(request, &Actor::Subject).await {
            Ok((submitted, _)) => {
                reference = format!("<p>Your request's reference: {}.</p>", submitted.id)
            }
            Err(e) => {
                return error(StatusCode::SERVICE_UNAVAILABLE, &format!("{e}. Please try again."));
            }
        }
    }
    let said = match kind {
        Kind::SaleShare => Some(ombud_policy::gpc::OPT_OUT_HONORED),
        Kind::LimitSensitive => None,
    };
    let body = format!(
        "<h1>{}</h1><p>Done: we will not {} your personal information{}.</p>{reference}",
        escape(kind.title()),
        match kind {
            Kind::SaleShare => "sell or share",
            Kind::LimitSensitive => "use sensitive",
        },
        if person.is_some() {
            ", from this browser or by your email address"
        } else {
            " from this browser"
        }
    );
    respond(
        site,
        StatusCode::OK,
        "text/html; charset=utf-8",
        page(site, kind.title(), said, &body),
        cookie,
    )
}

pub(crate) async fn do_not_sell_page(
    State(site): State<Arc<Site>>,
    headers: HeaderMap,
) -> Response {
    show(&site, Kind::SaleShare, &headers).await
}

pub(crate) async fn do_not_sell(
    State(site): State<Arc<Site>>,
    headers: HeaderMap,
    Form(form): Form<OptOutForm>,
) -> Response {
    submit(&site, Kind::SaleShare, &headers, form).await
}

pub(crate) async fn limit_page(State(site): State<Arc<Site>>, headers: HeaderMap) -> Response {
    show(&site, Kind::LimitSensitive, &headers).await
}

pub(crate) async fn limit(
    State(site): State<Arc<Site>>,
    headers: HeaderMap,
    Form(form): Form<OptOutForm>,
) -> Response {
    submit(&site, Kind::LimitSensitive, &headers, form).await
}
