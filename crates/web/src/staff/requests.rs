//! The queue, a request's page and what staff do to a request: verify by attestation,
//! approve (start the work and queue its fulfilment), deny with a code the law allows
//! for it, extend with a reason, cancel; and entering a request received by phone,
//! email, post or in person with the time it arrived (R-030: every channel counts).
//!
//! Every action is a POST form checked by origin and role, answered by a redirect to
//! the request's page (so a reload does not repeat it); the use cases audit it.

use std::fmt::Write as _;
use std::sync::Arc;

use axum::Form;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use ombud_app::AppError;
use ombud_app::requests::{CANCELLATION_NOTES, NewRequest};
use ombud_app::staff::StaffPrincipal;
use ombud_core::clock::{Standing, standing};
use ombud_core::id::Id;
use ombud_core::limits;
use ombud_core::request::{DenialBasis, DenialReason, Status};
use ombud_core::sensitive::Sensitive;
use ombud_core::verification::Level;
use ombud_core::{ChannelKind, Law, Reference as _, RequestType, VerificationMethod};
use ombud_store::requests::{RequestRecord, Subject, next_due};
use serde::Deserialize;

use super::{actor, app_error, error_page, html, page, principal, redirect, when};
use crate::Site;
use crate::html::escape;

/// The channels a request reaches staff by, to be entered by hand.
const ENTERED_CHANNELS: [ChannelKind; 5] = [
    ChannelKind::Phone,
    ChannelKind::TollFreePhone,
    ChannelKind::Email,
    ChannelKind::PostalMail,
    ChannelKind::InPerson,
];

/// How a request's next deadline stands today, as a CSS class and words: overdue and
/// due soon are said, not only coloured.
fn mark(site: &Site, record: &RequestRecord) -> (&'static str, String) {
    let request = &record.request;
    let today = site.app.settings().calendars.local_date(request.law, site.app.now());
    let plural = |n: i32| if n == 1 { "" } else { "s" };
    match standing(next_due(request), today) {
        Standing::Overdue(days) => ("overdue", format!("Overdue by {days} day{}", plural(days))),
        Standing::DueSoon(0) => ("soon", "Due soon: today".to_owned()),
        Standing::DueSoon(days) => ("soon", format!("Due soon: in {days} day{}", plural(days))),
        Standing::OnTime(days) => ("", format!("In {days} day{}", plural(days))),
    }
}

pub(crate) async fn queue(State(site): State<Arc<Site>>, headers: HeaderMap) -> Response {
    let who = match principal(&site, &headers).await {
        Ok(who) => who,
        Err(response) => return response,
    };
    let queue = match site.app.staff_queue(&who.actor()).await {
        Ok(queue) => queue,
        Err(e) => return app_error(&site, Some(&who), &e),
    };
    let items = &queue.items;
    let mut rows = String::new();
    for item in items {
        let request = &item.record.request;
        let (class, words) = mark(&site, &item.record);
        let _ = write!(
            rows,
            "<tr{}><td><span class=\"{class}\">{}</span></td><td>{}</td><td><a href=\"/staff/requests/{id}\">{id}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            if class == "overdue" { " class=\"overdue\"" } else { "" },
            escape(&words),
            next_due(request),
            escape(request.effective_type.label()),
            escape(request.law.label()),
            request.status.id(),
            escape(item.who.as_ref().map_or("—", |w| w.expose().as_str())),
            id = request.id,
        );
    }
    let table = if items.is_empty() {
        "<p>No open requests.</p>".to_owned()
    } else {
        format!(
            "<table><caption>Open requests, nearest deadline first</caption><thead><tr><th scope=\"col\">Standing</th><th scope=\"col\">Next deadline</th><th scope=\"col\">Request</th><th scope=\"col\">Type</th><th scope=\"col\">Law</th><th scope=\"col\">Status</th><th scope=\"col\">Who</th></tr></thead><tbody>{rows}</tbody></table>"
        )
    };
    let shown = u64::try_from(items.len()).unwrap_or(u64::MAX);
    // The queue shows at most QUEUE_ROWS_MAX rows: the count says how many there are.
    let count = if queue.open_total > shown {
        format!(
            "{} open requests; the {shown} with the nearest deadlines are shown.",
            queue.open_total
        )
    } else {
        format!("{shown} open request{}.", if shown == 1 { "" } else { "s" })
    };
    let body = format!(
        "<h1>Request queue</h1><p>{count} Overdue requests are marked in red and say so; requests due within 7 days say \"Due soon\".</p>{table}"
    );
    html(&site, StatusCode::OK, page(&site, Some(&who), "Queue", &body), None)
}

fn no_such_request(site: &Site, who: &StaffPrincipal) -> Response {
    error_page(
        site,
        Some(who),
        StatusCode::NOT_FOUND,
        "There is no request with that id; request ids are 26 characters, as the queue shows them.",
    )
}

fn field(out: &mut String, label: &str, value: Option<&str>) {
    if let Some(value) = value.filter(|v| !v.is_empty()) {
        let _ = write!(out, "<dt>{}</dt><dd>{}</dd>", escape(label), escape(value));
    }
}

fn options<T: Copy>(
    items: &[T],
    id: impl Fn(T) -> &'static str,
    label: impl Fn(T) -> String,
) -> String {
    items
        .iter()
        .map(|item| format!("<option value=\"{}\">{}</option>", id(*item), escape(&label(*item))))
        .collect()
}

/// The forms of the actions the request's status allows.
fn actions(site: &Site, record: &RequestRecord) -> String {
    let request = &record.request;
    let id = request.id;
    let mut out = String::from("<h2>Actions</h2>");
    if matches!(request.status, Status::Received | Status::Verifying) {
        let levels: Vec<Level> = Level::ALL.into_iter().filter(|l| *l != Level::None).collect();
        let _ = write!(
            out,
            "<form method=\"post\" action=\"/staff/requests/{id}/verify\"><fieldset><legend>Verify (you checked who the person is yourself)</legend>\
             <p><label for=\"level\">Level reached</label><br><select id=\"level\" name=\"level\">{}</select></p>\
             <p><label for=\"method\">How</label><br><select id=\"method\" name=\"method\">{}</select></p>\
             <p><button type=\"submit\">Record the verification</button></p></fieldset></form>",
            options(&levels, Level::id, |l| format!("{} — {}", l.id(), l.label())),
            options(VerificationMethod::all(), VerificationMethod::id, |m| m.label().to_owned()),
        );
    }
    if request.status == Status::Verified {
        let _ = write!(
            out,
            "<form method=\"post\" action=\"/staff/requests/{id}/approve\"><fieldset><legend>Approve</legend><p>Starts the work; an access or deletion request is fulfilled by the job runner.</p><p><button type=\"submit\">Approve and start fulfilment</button></p></fieldset></form>"
        );
    }
    let codes = site.app.denial_codes(record);
    if !codes.is_empty() {
        let _ = write!(
            out,
            "<form method=\"post\" action=\"/staff/requests/{id}/deny\"><fieldset><legend>Deny</legend>\
             <p><label for=\"code\">Legal basis (only those the law allows for this request)</label><br><select id=\"code\" name=\"code\">{}</select></p>\
             <p><label for=\"explanation\">Explanation the person reads (required for fraud, manifestly unfounded, impossible, conflicts with a law)</label><br><textarea id=\"explanation\" name=\"explanation\" rows=\"3\" cols=\"60\" maxlength=\"8192\"></textarea></p>\
             <p><button type=\"submit\">Deny</button></p></fieldset></form>",
            options(&codes, DenialBasis::code, |b| format!(
                "{} — {} ({})",
                b.code(),
                b.label(),
                b.citation()
            )),
        );
    }
    if !request.extended
        && !request.status.is_closed()
        && request.deadlines.extended_respond_by.is_some()
    {
        let _ = write!(
            out,
            "<form method=\"post\" action=\"/staff/requests/{id}/extend\"><fieldset><legend>Extend (once)</legend>\
             <p><label for=\"reason\">Why more time is needed, in words the person will read</label><br><textarea id=\"reason\" name=\"reason\" rows=\"3\" cols=\"60\" required maxlength=\"8192\"></textarea></p>\
             <p><button type=\"submit\">Extend</button></p></fieldset></form>"
        );
    }
    if !request.status.is_closed() {
        let _ = write!(
            out,
            "<form method=\"post\" action=\"/staff/requests/{id}/cancel\"><fieldset><legend>Cancel</legend>\
             <p><label for=\"note\">Why</label><br><select id=\"note\" name=\"note\">{}</select></p>\
             <p><button type=\"submit\">Cancel the request</button></p></fieldset></form>",
            CANCELLATION_NOTES
                .iter()
                .map(|n| format!("<option value=\"{n}\">{n}</option>"))
                .collect::<String>()
        );
    }
    if request.status.is_closed() {
        out.push_str("<p>The request is closed: nothing more can be done to it.</p>");
    }
    out
}

pub(crate) async fn request_page(
    State(site): State<Arc<Site>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let who = match principal(&site, &headers).await {
        Ok(who) => who,
        Err(response) => return response,
    };
    let Some(id) = Id::parse(&id) else { return no_such_request(&site, &who) };
    // The person's details are shown, so the read is audited (App::show with reveal).
    let details = match site.app.show(id, true, &who.actor()).await {
        Ok(details) => details,
        Err(e) => return app_error(&site, Some(&who), &e),
    };
    let record = &details.record;
    let request = &record.request;
    let (class, words) = mark(&site, record);
    let mut facts = String::new();
    field(&mut facts, "Type", Some(request.effective_type.label()));
    if request.effective_type != request.request_type {
        field(&mut facts, "Asked for", Some(request.request_type.label()));
    }
    field(&mut facts, "Law", Some(request.law.label()));
    field(&mut facts, "Channel", Some(request.channel.label()));
    field(&mut facts, "Status", Some(request.status.id()));
    field(&mut facts, "Received", Some(&when(request.received_at.as_millisecond())));
    let _ = write!(
        facts,
        "<dt>Next deadline</dt><dd>{} <span class=\"{class}\">{}</span></dd>",
        next_due(request),
        escape(&words)
    );
    field(&mut facts, "Respond by", Some(&request.due().to_string()));
    field(&mut facts, "Verification needed", Some(request.verification.required.label()));
    field(&mut facts, "Verification reached", request.verification.achieved.map(|l| l.label()));
    if let Some(reason) = &request.extension_reason {
        field(&mut facts, "Extended because", Some(reason.expose()));
    }
    for reason in &request.reasons {
        field(
            &mut facts,
            "Reason",
            Some(&format!("{} — {}", reason.basis.code(), reason.basis.label())),
        );
    }
    let mut person = String::new();
    if let Some(subject) = &details.subject {
        field(&mut person, "Name", subject.name.as_deref());
        field(&mut person, "Email", subject.email.as_deref());
        field(&mut person, "Phone", subject.phone.as_deref());
        field(&mut person, "Postal address", subject.postal_address.as_deref());
        field(&mut person, "Account id", subject.account_id.as_deref());
        field(&mut person, "What they wrote", subject.details.as_deref());
        if let Some(agent) = &subject.agent {
            field(&mut person, "Authorized agent", agent.name.as_deref());
            field(&mut person, "Agent's email", agent.email.as_deref());
        }
    }
    let names = staff_names(&site).await;
    let mut timeline = String::new();
    for event in &details.timeline {
        let actor = event
            .actor
            .strip_prefix("staff:")
            .and_then(|id| names.iter().find(|(i, _)| i == id))
            .map_or_else(|| event.actor.clone(), |(_, name)| format!("staff: {name}"));
        let _ = write!(
            timeline,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td><code>{}</code></td></tr>",
            when(event.at_ms),
            escape(&actor),
            escape(&event.action),
            escape(&event.payload)
        );
    }
    let documents: String = details
        .documents
        .iter()
        .map(|d| {
            format!(
                "<li>{} ({}, {} bytes)</li>",
                escape(&d.kind),
                escape(&d.content_type),
                d.size_bytes
            )
        })
        .collect();
    let body = format!(
        "<h1>Request {id}</h1><dl>{facts}</dl><h2>The person</h2><p>Reading this is recorded in the audit chain.</p><dl>{person}</dl>{}{}\
         <h2>Timeline</h2><table><caption>From the audit chain, oldest first</caption><thead><tr><th scope=\"col\">When</th><th scope=\"col\">Who</th><th scope=\"col\">What</th><th scope=\"col\">Details</th></tr></thead><tbody>{timeline}</tbody></table>",
        if documents.is_empty() {
            String::new()
        } else {
            format!("<h2>Documents</h2><ul>{documents}</ul>")
        },
        if who.role.can_act() {
            actions(&site, record)
        } else {
            "<p>Your role reads only.</p>".to_owned()
        },
    );
    html(&site, StatusCode::OK, page(&site, Some(&who), &format!("Request {id}"), &body), None)
}

/// Staff ids and usernames, so the timeline names people; empty if the store fails
/// (the ids are still shown).
async fn staff_names(site: &Site) -> Vec<(String, String)> {
    site.app
        .staff_accounts()
        .await
        .map(|accounts| accounts.into_iter().map(|a| (a.id.to_string(), a.username)).collect())
        .unwrap_or_default()
}

/// Every field an action form may send.
#[derive(Deserialize)]
pub(crate) struct ActionForm {
    #[serde(default)]
    level: String,
    #[serde(default)]
    method: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    explanation: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    note: String,
}

fn invalid(message: &str) -> AppError {
    AppError::Invalid(message.to_owned())
}

fn text_field(what: &str, value: &str) -> Result<Option<String>, AppError> {
    let value = value.trim();
    if value.len() > limits::REQUEST_TEXT_BYTES_MAX {
        return Err(AppError::Invalid(format!(
            "the {what} is longer than {} bytes",
            limits::REQUEST_TEXT_BYTES_MAX
        )));
    }
    Ok((!value.is_empty()).then(|| value.to_owned()))
}

async fn run_action(
    site: &Site,
    who: &StaffPrincipal,
    id: Id,
    action: &str,
    form: ActionForm,
) -> Result<(), AppError> {
    let actor = who.actor();
    let app = &site.app;
    match action {
        "verify" => {
            let level = Level::from_id(&form.level)
                .filter(|l| *l != Level::None)
                .ok_or_else(|| invalid("choose the level of verification reached"))?;
            let method = VerificationMethod::from_id(&form.method)
                .ok_or_else(|| invalid("choose how the person was verified"))?;
            app.attest_verification(id, level, method, &actor).await?;
        }
        "approve" => {
            let details = app.show(id, false, &actor).await?;
            let by_jobs = matches!(
                details.record.request.effective_type,
                RequestType::Access
                    | RequestType::Know
                    | RequestType::Portability
                    | RequestType::Delete
            );
            if by_jobs && app.fulfilment().is_ok() {
                app.queue_fulfilment(id, &actor).await?;
            } else {
                app.start(id, &actor).await?;
            }
        }
        "deny" => {
            let basis = DenialBasis::from_code(&form.code)
                .ok_or_else(|| invalid("choose the legal basis of the denial from the list"))?;
            let explanation = text_field("explanation", &form.explanation)?.map(Sensitive::new);
            app.deny(id, vec![DenialReason { basis, explanation }], &actor).await?;
        }
        "extend" => {
            let reason = text_field("reason", &form.reason)?.ok_or_else(|| {
                invalid("say why more time is needed: the person is told (R-032)")
            })?;
            app.extend(id, &reason, &actor).await?;
        }
        "cancel" => {
            app.cancel(id, &form.note, &actor).await?;
        }
        _ => return Err(AppError::NotFound("there is no such action on a request".to_owned())),
    }
    Ok(())
}

pub(crate) async fn act(
    State(site): State<Arc<Site>>,
    Path((id, action)): Path<(String, String)>,
    headers: HeaderMap,
    Form(form): Form<ActionForm>,
) -> Response {
    let who = match actor(&site, &headers).await {
        Ok(who) => who,
        Err(response) => return response,
    };
    let Some(id) = Id::parse(&id) else { return no_such_request(&site, &who) };
    match run_action(&site, &who, id, &action, form).await {
        Ok(()) => redirect(&site, &format!("/staff/requests/{id}"), None),
        Err(e) => app_error(&site, Some(&who), &e),
    }
}

/// The laws of the program, and the request types any of them offers.
fn offered(site: &Site) -> (Vec<Law>, Vec<RequestType>) {
    let laws: Vec<Law> = site
        .program
        .jurisdictions
        .iter()
        .copied()
        .filter(|law| {
            RequestType::all().iter().any(|t| ombud_core::request::offered(*law, *t).is_ok())
        })
        .collect();
    let types = RequestType::all()
        .iter()
        .copied()
        .filter(|t| laws.iter().any(|law| ombud_core::request::offered(*law, *t).is_ok()))
        .collect();
    (laws, types)
}

pub(crate) async fn new_page(State(site): State<Arc<Site>>, headers: HeaderMap) -> Response {
    let who = match principal(&site, &headers).await {
        Ok(who) => who,
        Err(response) => return response,
    };
    if let Err(e) = who.require_act() {
        return app_error(&site, Some(&who), &e);
    }
    let (laws, types) = offered(&site);
    let input = |id: &str, label: &str, kind: &str, extra: &str| {
        format!(
            "<p><label for=\"{id}\">{label}</label><br><input id=\"{id}\" name=\"{id}\" type=\"{kind}\" {extra}></p>"
        )
    };
    let body = format!(
        "<h1>Enter a request received by phone, email, post or in person</h1>\
         <p>The deadlines count from when it arrived (R-030), not from now.</p>\
         <form method=\"post\" action=\"/staff/requests/new\">\
         <p><label for=\"request_type\">What the person asks for</label><br><select id=\"request_type\" name=\"request_type\">{}</select></p>\
         <p><label for=\"law\">Law</label><br><select id=\"law\" name=\"law\">{}</select></p>\
         <p><label for=\"channel\">Received by</label><br><select id=\"channel\" name=\"channel\">{}</select></p>\
         {}{}{}{}{}{}\
         <p><label for=\"details\">What they said (which data, what to correct)</label><br><textarea id=\"details\" name=\"details\" rows=\"4\" cols=\"60\" maxlength=\"8192\"></textarea></p>\
         <p><button type=\"submit\">Enter the request</button></p></form>",
        options(&types, RequestType::id, |t| t.label().to_owned()),
        options(&laws, Law::id, |l| l.label().to_owned()),
        options(&ENTERED_CHANNELS, ChannelKind::id, |c| c.label().to_owned()),
        input(
            "received_at",
            "Received at (the law's local time; empty for now)",
            "datetime-local",
            ""
        ),
        input("name", "Name", "text", "maxlength=\"320\" autocomplete=\"off\""),
        input("email", "Email address", "email", "maxlength=\"320\" autocomplete=\"off\""),
        input("phone", "Phone number", "tel", "maxlength=\"320\" autocomplete=\"off\""),
        input(
            "postal_address",
            "Postal address",
            "text",
            "maxlength=\"8192\" autocomplete=\"off\""
        ),
        input("account_id", "Account id with us", "text", "maxlength=\"320\" autocomplete=\"off\""),
    );
    html(&site, StatusCode::OK, page(&site, Some(&who), "Enter a request", &body), None)
}

/// The form of a request entered by staff.
#[derive(Deserialize)]
pub(crate) struct NewRequestForm {
    #[serde(default)]
    request_type: String,
    #[serde(default)]
    law: String,
    #[serde(default)]
    channel: String,
    #[serde(default)]
    received_at: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    postal_address: String,
    #[serde(default)]
    account_id: String,
    #[serde(default)]
    details: String,
}

fn new_request_of(site: &Site, form: &NewRequestForm) -> Result<NewRequest, AppError> {
    let request_type = RequestType::from_id(&form.request_type)
        .ok_or_else(|| invalid("choose what the person asks for from the list"))?;
    let law = Law::from_id(&form.law).ok_or_else(|| invalid("choose the law from the list"))?;
    if !site.program.jurisdictions.contains(&law) {
        return Err(invalid("the program does not cover that law; choose one from the list"));
    }
    let channel = ChannelKind::from_id(&form.channel)
        .filter(|c| ENTERED_CHANNELS.contains(c))
        .ok_or_else(|| invalid("choose how the request was received from the list"))?;
    let received_at = match form.received_at.trim() {
        "" => None,
        text => {
            let local: jiff::civil::DateTime = text.parse().map_err(|_| {
                invalid("write when it was received as a date and time, like 2026-11-24T15:30")
            })?;
            let zone = site.app.settings().calendars.for_law(law).timezone.clone();
            Some(
                local
                    .to_zoned(zone)
                    .map_err(|_| invalid("that time does not exist in the law's time zone"))?
                    .timestamp(),
            )
        }
    };
    let short = |what: &str, value: &str| -> Result<Option<String>, AppError> {
        let value = value.trim();
        if value.len() > limits::IDENTITY_VALUE_BYTES_MAX {
            return Err(AppError::Invalid(format!(
                "the {what} is longer than {} bytes",
                limits::IDENTITY_VALUE_BYTES_MAX
            )));
        }
        Ok((!value.is_empty()).then(|| value.to_owned()))
    };
    let subject = Subject {
        name: short("name", &form.name)?,
        email: short("email address", &form.email)?,
        phone: short("phone number", &form.phone)?,
        postal_address: text_field("postal address", &form.postal_address)?,
        account_id: short("account id", &form.account_id)?,
        details: text_field("details", &form.details)?,
        correcting: Vec::new(),
        agent: None,
    };
    Ok(NewRequest {
        request_type,
        law,
        channel,
        received_at,
        subject,
        agent: None,
        appeal_of: None,
    })
}

pub(crate) async fn new_request(
    State(site): State<Arc<Site>>,
    headers: HeaderMap,
    Form(form): Form<NewRequestForm>,
) -> Response {
    let who = match actor(&site, &headers).await {
        Ok(who) => who,
        Err(response) => return response,
    };
    let submitted = match new_request_of(&site, &form) {
        Ok(new) => site.app.submit(new, &who.actor()).await,
        Err(e) => Err(e),
    };
    match submitted {
        Ok(done) => redirect(&site, &format!("/staff/requests/{}", done.id), None),
        Err(e) => app_error(&site, Some(&who), &e),
    }
}
