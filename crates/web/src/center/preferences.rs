//! This browser's privacy preferences (`GET/POST /preferences`): its standing choices
//! — the opt-out of sale and sharing, the limit on sensitive information, consent to
//! the purposes that rest on consent — and the change of each through
//! `App::record_choices` (source: the form, with the notice version shown beside it;
//! the records of one click in one transaction).
//!
//! The subject is the browser (its `ombud_device` cookie), never a person: a person's
//! subscriptions belong to their email address, and changing them needs proof of that
//! address, which a page without an emailed confirmation cannot give. So mailing lists
//! are shown with how to leave them (the one-click link in every message, RFC 8058),
//! not changed here.
//!
//! The law's order of choices holds: an opt-in after an opt-out takes two steps, a
//! request and its confirmation; while the browser sends Global Privacy Control
//! its opt-out stands and cannot be undone from here; the opt-out and
//! the limit need no account.

use std::sync::Arc;

use axum::Form;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use ombud_app::Actor;
use ombud_app::choices::{ChoiceSubject, LedgerChoice, NewChoice};
use ombud_core::GdprLawfulBasis;
use ombud_policy::decide::{Choice, ConsentState, PurposeConsent, Source};
use ombud_policy::gpc::gpc_signal;
use serde::Deserialize;

use super::{browser_id, cross_site, html, message, sentence, status_of};
use crate::Site;
use crate::choices::same_origin;
use crate::html::escape;
use crate::pages::signals;

const TITLE: &str = "Your privacy preferences";

/// The form: one button, one action.
#[derive(Deserialize)]
pub(crate) struct PreferenceForm {
    #[serde(default)]
    action: String,
}

/// What a button asks.
enum Action {
    OptOut,
    OptInRequest,
    OptInConfirm,
    Limit,
    Consent(String),
    Withdraw(String),
}

fn parse_action(site: &Site, text: &str) -> Option<Action> {
    let purpose = |id: &str| consent_purposes(site).any(|(p, _)| p == id).then(|| id.to_owned());
    Some(match text {
        "opt_out" => Action::OptOut,
        "opt_in_request" => Action::OptInRequest,
        "opt_in_confirm" => Action::OptInConfirm,
        "limit" => Action::Limit,
        _ => match text.split_once(':') {
            Some(("consent", id)) => Action::Consent(purpose(id)?),
            Some(("withdraw", id)) => Action::Withdraw(purpose(id)?),
            _ => return None,
        },
    })
}

/// The purposes that rest on consent: `(id, name)`.
fn consent_purposes(site: &Site) -> impl Iterator<Item = (&str, &str)> {
    site.program
        .purposes
        .iter()
        .filter(|p| p.gdpr_basis == Some(GdprLawfulBasis::Consent))
        .map(|p| (p.id.as_str(), p.name.as_str()))
}

fn gpc_on(headers: &HeaderMap) -> bool {
    let pairs: Vec<(&str, &str)> =
        headers.iter().filter_map(|(n, v)| Some((n.as_str(), v.to_str().ok()?))).collect();
    gpc_signal(pairs.iter().copied()).is_opt_out()
}

fn button(action: &str, label: &str) -> String {
    format!(
        "<form method=\"post\" action=\"/preferences\"><input type=\"hidden\" name=\"action\" value=\"{}\"><button type=\"submit\">{}</button></form>",
        escape(action),
        escape(label)
    )
}

fn since(mark: ombud_policy::decide::Mark) -> String {
    let when = i64::try_from(mark.at_ms)
        .ok()
        .and_then(|ms| jiff::Timestamp::from_millisecond(ms).ok())
        .map(|t| t.to_zoned(jiff::tz::TimeZone::UTC).date().to_string())
        .unwrap_or_default();
    format!(" (since {when}, by {})", mark.source.label())
}

fn body(site: &Site, state: &ConsentState, gpc: bool, flash: Option<(bool, &str)>) -> String {
    let mut body = format!("<h1>{TITLE}</h1>");
    if let Some((ok, text)) = flash {
        let role = if ok { "status" } else { "alert" };
        body.push_str(&format!("<p role=\"{role}\"><strong>{}</strong></p>", escape(text)));
    }
    body.push_str("<p>These are the choices made in this browser. They need no account; they stay with this browser's cookie.</p>");
    body.push_str("<h2>Sale and sharing of your personal information</h2>");
    match (state.opted_out_of_sale(), state.opted_out_of_sharing()) {
        (Some(mark), Some(_)) => {
            body.push_str(&format!("<p>Opted out{}.</p>", escape(&since(mark))));
            if gpc {
                body.push_str("<p>Your browser sends the Global Privacy Control signal, so this opt-out stands while it does; to change it, turn the signal off first.</p>");
            } else if state.pending_opt_in().is_some() {
                body.push_str("<p>You asked to opt back in. Confirm it to allow the sale and sharing of your personal information again.</p>");
                body.push_str(&button("opt_in_confirm", "Confirm: allow sale and sharing again"));
            } else {
                body.push_str(&button("opt_in_request", "Opt back in"));
            }
        }
        _ => {
            body.push_str("<p>Not opted out.</p>");
            body.push_str(&button("opt_out", "Do not sell or share my personal information"));
        }
    }
    body.push_str("<h2>Sensitive personal information</h2>");
    match state.limited_sensitive() {
        Some(mark) => body.push_str(&format!(
            "<p>Limited to what is needed for the service you asked for{}.</p>",
            escape(&since(mark))
        )),
        None => {
            body.push_str("<p>Not limited.</p>");
            body.push_str(&button("limit", "Limit the use of my sensitive personal information"));
        }
    }
    let purposes: Vec<(&str, &str)> = consent_purposes(site).collect();
    if !purposes.is_empty() {
        body.push_str("<h2>Uses that need your consent</h2><ul>");
        for (id, name) in purposes {
            let (now, action, label) = match state.consent(id) {
                Some(PurposeConsent::Given { .. }) => {
                    ("You consented.", format!("withdraw:{id}"), "Withdraw my consent")
                }
                Some(PurposeConsent::Withdrawn(_)) => {
                    ("You withdrew your consent.", format!("consent:{id}"), "Give my consent")
                }
                None => ("You have not consented.", format!("consent:{id}"), "Give my consent"),
            };
            body.push_str(&format!(
                "<li><p><strong>{}</strong>: {now}</p>{}</li>",
                escape(name),
                button(&action, label)
            ));
        }
        body.push_str("</ul>");
    }
    if !site.program.subscriptions.is_empty() {
        body.push_str("<h2>Mailing lists</h2><ul>");
        for list in &site.program.subscriptions {
            body.push_str(&format!("<li>{}</li>", escape(&list.name)));
        }
        body.push_str("</ul><p>Lists belong to an email address, not to this browser. To leave one, use the unsubscribe link at the foot of any of its messages; it works in one click.</p>");
    }
    body.push_str(&format!(
        "<p>Privacy notice version {}. <a href=\"/\">The privacy center</a></p>",
        escape(&site.program.notice.version)
    ));
    body
}

/// The browser's state as the decision engine holds it.
async fn state_of(
    site: &Site,
    browser: &ChoiceSubject,
) -> Result<ConsentState, ombud_app::AppError> {
    Ok(site.app.consent_view(browser, &Actor::Subject).await?.state)
}

/// `GET /preferences`.
pub(crate) async fn preferences_page(
    State(site): State<Arc<Site>>,
    headers: HeaderMap,
) -> Response {
    let (banner, cookie) = signals(&site, &headers).await;
    let id = browser_id(&headers, cookie.as_ref());
    let state = match ChoiceSubject::device(&id) {
        // Without randomness the browser has no id, and so no choices yet.
        Err(_) => ConsentState::default(),
        Ok(browser) => match state_of(&site, &browser).await {
            Ok(state) => state,
            Err(e) => {
                return message(
                    &site,
                    status_of(&e),
                    TITLE,
                    banner,
                    &format!("{} Please try again.", sentence(&e.to_string())),
                );
            }
        },
    };
    let body = body(&site, &state, gpc_on(&headers), None);
    html(&site, StatusCode::OK, TITLE, banner, &body, cookie.into_iter().collect())
}

/// `POST /preferences`: records one choice for this browser.
pub(crate) async fn preferences(
    State(site): State<Arc<Site>>,
    headers: HeaderMap,
    Form(form): Form<PreferenceForm>,
) -> Response {
    if !same_origin(&headers) {
        return cross_site(&site, TITLE);
    }
    let (banner, cookie) = signals(&site, &headers).await;
    let id = browser_id(&headers, cookie.as_ref());
    let Ok(browser) = ChoiceSubject::device(&id) else {
        return message(
            &site,
            StatusCode::SERVICE_UNAVAILABLE,
            TITLE,
            banner,
            "This browser could not be given an id; please try again.",
        );
    };
    let Some(action) = parse_action(&site, &form.action) else {
        return message(
            &site,
            StatusCode::BAD_REQUEST,
            TITLE,
            banner,
            "That choice is not on this page; choose one of its buttons.",
        );
    };
    let gpc = gpc_on(&headers);
    // while the signal is on, its opt-out stands.
    if gpc && matches!(action, Action::OptInRequest | Action::OptInConfirm) {
        let state = state_of(&site, &browser).await.unwrap_or_default();
        let body = body(
            &site,
            &state,
            gpc,
            Some((
                false,
                "Your browser sends the Global Privacy Control signal, so the opt-out stands; turn the signal off to opt back in.",
            )),
        );
        return html(
            &site,
            StatusCode::CONFLICT,
            TITLE,
            banner,
            &body,
            cookie.into_iter().collect(),
        );
    }
    let (choices, said): (Vec<LedgerChoice>, &str) = match &action {
        Action::OptOut => (
            [Choice::OptOutOfSale, Choice::OptOutOfSharing, Choice::OptOutOfTargetedAds]
                .into_iter()
                .map(LedgerChoice::Decision)
                .collect(),
            "Done: this browser is opted out of the sale and sharing of your personal information.",
        ),
        Action::OptInRequest => (
            vec![LedgerChoice::Decision(Choice::OptInRequest { prompted: false })],
            "Confirm below to opt back in; until you do, the opt-out stands (R-118).",
        ),
        Action::OptInConfirm => (
            vec![LedgerChoice::Decision(Choice::OptInConfirm)],
            "Done: you opted back in to the sale and sharing of your personal information.",
        ),
        Action::Limit => (
            vec![LedgerChoice::Decision(Choice::LimitSensitive)],
            "Done: we use your sensitive personal information only as needed for what you asked.",
        ),
        Action::Consent(purpose) => (
            vec![LedgerChoice::Decision(Choice::Consent {
                purpose: purpose.clone(),
                by_parent: false,
            })],
            "Done: your consent is recorded.",
        ),
        Action::Withdraw(purpose) => (
            vec![LedgerChoice::Decision(Choice::Withdraw { purpose: purpose.clone() })],
            "Done: your consent is withdrawn.",
        ),
    };
    // One click, one transaction: the opt-out's three records are all kept or none,
    // never a half state under a page that says "Not opted out".
    let news: Vec<NewChoice> = choices
        .into_iter()
        .map(|choice| NewChoice {
            subject: browser.clone(),
            choice,
            source: Source::Form,
            notice_version: Some(site.program.notice.version.clone()),
        })
        .collect();
    if let Err(e) = site.app.record_choices(&news, &Actor::Subject).await {
        return message(&site, status_of(&e), TITLE, banner, &sentence(&e.to_string()));
    }
    let state = match state_of(&site, &browser).await {
        Ok(state) => state,
        Err(e) => {
            return message(
                &site,
                status_of(&e),
                TITLE,
                banner,
                &format!("{} Please try again.", sentence(&e.to_string())),
            );
        }
    };
    // The banner follows the choice just made (the opt-out is honored now).
    let banner = banner.or_else(|| {
        (state.opted_out_of_sale().is_some() && state.opted_out_of_sharing().is_some())
            .then_some(ombud_policy::gpc::OPT_OUT_HONORED)
    });
    let body = body(&site, &state, gpc, Some((true, said)));
    html(&site, StatusCode::OK, TITLE, banner, &body, cookie.into_iter().collect())
}
