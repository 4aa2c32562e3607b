//! Making a request: the start page (which law, which right, as the manifest offers
//! them), the form per right, and its submission — with the authorized-agent path and
//! its document (a signed permission or a power of attorney, R-060–R-064) uploaded in
//! the same multipart form. The request goes through `App::submit` (channel web form,
//! actor the subject); when it needs verification and the program offers email codes,
//! the code is sent at once. The form leads to the request's status page, with the
//! owner key in its address and in a cookie (the only time it is given); only the
//! cookie, which stays in this browser, opens the download.

use std::sync::Arc;

use axum::extract::multipart::Field;
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::header::LOCATION;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use ombud_app::Actor;
use ombud_app::requests::NewRequest;
use ombud_core::request::Status;
use ombud_core::verification::Level;
use ombud_core::{AgentProof, ChannelKind, Law, Reference as _, RequestType, VerificationMethod};
use ombud_store::requests::{AgentContact, Subject};
use serde::Deserialize;

use super::{cross_site, html, message, owner_cookie, residence, sentence, status_of};
use crate::Site;
use crate::choices::same_origin;
use crate::html::escape;
use crate::pages::signals;

/// The largest document an agent (or a person correcting their data) may upload.
pub(crate) const DOCUMENT_UPLOAD_BYTES_MAX: usize = 5 << 20;

/// The body limit of the form that carries the upload: the document and the text
/// fields around it, with room for the multipart framing.
pub(crate) const UPLOAD_BODY_BYTES_MAX: usize = DOCUMENT_UPLOAD_BYTES_MAX + (64 << 10);

/// The longest short text field (a name, an address, a phone number).
const FIELD_BYTES_MAX: usize = ombud_core::limits::IDENTITY_VALUE_BYTES_MAX;

/// The longest free text (what a correction asks).
const TEXT_BYTES_MAX: usize = ombud_core::limits::REQUEST_TEXT_BYTES_MAX;

/// Fields a form may carry; more is not a browser sending this form.
const FIELDS_MAX: usize = 16;

/// The body limit layer of the form's route (the pages' own is far smaller).
pub(crate) fn upload_limit() -> DefaultBodyLimit {
    DefaultBodyLimit::max(UPLOAD_BODY_BYTES_MAX)
}

/// The rights the manifest offers under each law it declares, in the order written.
/// Opt-outs have their own pages (no form, no verification: R-112); appeals quote an
/// answered request and are asked for by the link in that answer.
fn offered(site: &Site) -> Vec<(Law, Vec<RequestType>)> {
    site.program
        .jurisdictions
        .iter()
        .filter(|law| residence(**law).is_some())
        .map(|law| {
            let rights = site
                .program
                .rights
                .iter()
                .filter(|r| r.laws.contains(law))
                .map(|r| r.right)
                .filter(|t| !t.verification_forbidden() && *t != RequestType::Appeal)
                .collect::<Vec<_>>();
            (*law, rights)
        })
        .filter(|(_, rights)| !rights.is_empty())
        .collect()
}

fn is_offered(site: &Site, law: Law, request_type: RequestType) -> bool {
    offered(site).iter().any(|(l, rights)| *l == law && rights.contains(&request_type))
}

/// What a person reads for a right on the start page.
fn ask(request_type: RequestType) -> &'static str {
    match request_type {
        RequestType::Know => "Know what personal information we collect about you and why",
        RequestType::Access => "Get a copy of your personal information",
        RequestType::Delete => "Delete your personal information",
        RequestType::Correct => "Correct personal information that is wrong",
        RequestType::Restrict => "Restrict how we use your personal information",
        RequestType::Object => "Object to how we use your personal information",
        RequestType::WithdrawConsent => "Withdraw a consent you gave",
        RequestType::Portability => "Get your personal information in a portable format",
        RequestType::ShineTheLight => "Know what we disclosed for direct marketing",
        other => other.label(),
    }
}

fn agents_accepted(site: &Site) -> Option<&[AgentProof]> {
    site.program
        .authorized_agents
        .as_ref()
        .filter(|a| a.accepted)
        .map(|a| if a.proof.is_empty() { AgentProof::all() } else { a.proof.as_slice() })
}

/// `GET /request`: the jurisdiction choice, and under each law the rights it gives.
pub(crate) async fn start(State(site): State<Arc<Site>>, headers: HeaderMap) -> Response {
    let (banner, cookie) = signals(&site, &headers).await;
    let mut body = String::from(
        "<h1>Make a request about your personal information</h1><p>Choose where you live, then what you want us to do. It takes a few minutes; you will need access to your email.</p>",
    );
    for (law, rights) in offered(&site) {
        let Some(lives) = residence(law) else { continue };
        body.push_str(&format!("<h2>{}</h2><ul>", escape(lives)));
        for right in rights {
            body.push_str(&format!(
                "<li><a href=\"/request/{}?law={}\">{}</a></li>",
                right.id(),
                law.id(),
                escape(ask(right))
            ));
        }
        body.push_str("</ul>");
    }
    if site.program.jurisdictions.contains(&Law::Ccpa) {
        body.push_str("<h2>Opting out</h2><p>Opting out needs no form and no proof of identity: <a href=\"/do-not-sell-or-share\">Do Not Sell or Share My Personal Information</a>, <a href=\"/limit-sensitive\">Limit the Use of My Sensitive Personal Information</a>.</p>");
    }
    body.push_str("<p><a href=\"/preferences\">Your privacy preferences in this browser</a></p>");
    html(&site, StatusCode::OK, "Make a request", banner, &body, cookie.into_iter().collect())
}

/// The law a form is for, from `?law=`.
#[derive(Deserialize)]
pub(crate) struct LawQuery {
    #[serde(default)]
    law: String,
}

/// The type and law of a form, when the manifest offers that right under that law.
fn form_target(site: &Site, type_id: &str, law_id: &str) -> Option<(RequestType, Law)> {
    let request_type = RequestType::from_id(type_id)?;
    let law = match Law::from_id(law_id) {
        Some(law) => law,
        // No law chosen: the only one that offers the right, if there is just one.
        None if law_id.is_empty() => {
            let laws: Vec<Law> = offered(site)
                .into_iter()
                .filter(|(_, rights)| rights.contains(&request_type))
                .map(|(law, _)| law)
                .collect();
            match laws.as_slice() {
                [only] => *only,
                _ => return None,
            }
        }
        None => return None,
    };
    is_offered(site, law, request_type).then_some((request_type, law))
}

/// `GET /request/{type}?law=…`: the form.
pub(crate) async fn request_form(
    State(site): State<Arc<Site>>,
    Path(type_id): Path<String>,
    Query(query): Query<LawQuery>,
    headers: HeaderMap,
) -> Response {
    let (banner, cookie) = signals(&site, &headers).await;
    let Some((request_type, law)) = form_target(&site, &type_id, &query.law) else {
        if RequestType::from_id(&type_id).is_some() {
            // A right the manifest offers under another law: back to the choice.
            let body = "<h1>Make a request</h1><p>Choose where you live first: the rights you have depend on it.</p><p><a href=\"/request\">Choose where you live</a></p>";
            return html(
                &site,
                StatusCode::NOT_FOUND,
                "Make a request",
                banner,
                body,
                cookie.into_iter().collect(),
            );
        }
        return crate::pages::not_found_page(&site);
    };
    let body = form_body(&site, request_type, law, &FormValues::default(), None);
    html(&site, StatusCode::OK, ask(request_type), banner, &body, cookie.into_iter().collect())
}

/// What the person typed, to fill the form again after an error.
#[derive(Default)]
struct FormValues {
    name: String,
    email: String,
    phone: String,
    account_id: String,
    details: String,
    agent: bool,
    agent_name: String,
    agent_email: String,
    agent_proof: String,
}

fn text_input(id: &str, label: &str, kind: &str, value: &str, extra: &str) -> String {
    format!(
        "<p><label for=\"{id}\">{}</label><br><input id=\"{id}\" name=\"{id}\" type=\"{kind}\" value=\"{}\" maxlength=\"{FIELD_BYTES_MAX}\"{extra}></p>",
        escape(label),
        escape(value)
    )
}

fn form_body(
    site: &Site,
    request_type: RequestType,
    law: Law,
    values: &FormValues,
    error: Option<&str>,
) -> String {
    let mut body = format!("<h1>{}</h1>", escape(ask(request_type)));
    if let Some(error) = error {
        body.push_str(&format!("<p role=\"alert\"><strong>{}</strong></p>", escape(error)));
    }
    body.push_str(&format!(
        "<p>Under: {}. <a href=\"/request\">Change where you live</a>.</p>",
        escape(law.label())
    ));
    body.push_str(&format!(
        "<form method=\"post\" action=\"/request/{}\" enctype=\"multipart/form-data\"><input type=\"hidden\" name=\"law\" value=\"{}\">",
        request_type.id(),
        law.id()
    ));
    body.push_str("<fieldset><legend>About you</legend>");
    body.push_str(&text_input(
        "name",
        "Your full name",
        "text",
        &values.name,
        " autocomplete=\"name\"",
    ));
    body.push_str(&text_input(
        "email",
        "Your email address (we send a code to it, and our answer)",
        "email",
        &values.email,
        " autocomplete=\"email\" required",
    ));
    if site.app.settings().data_points.iter().any(|(id, _)| id == "phone") {
        body.push_str(&text_input(
            "phone",
            "Your phone number (optional)",
            "tel",
            &values.phone,
            " autocomplete=\"tel\"",
        ));
    }
    if site.app.settings().offers(request_type, VerificationMethod::AccountLogin) {
        body.push_str(&text_input(
            "account_id",
            "Your account number or username, if you have an account (optional)",
            "text",
            &values.account_id,
            "",
        ));
    }
    body.push_str("</fieldset>");
    if request_type == RequestType::Correct {
        body.push_str(&format!(
            "<p><label for=\"details\">What is wrong, and what should it say?</label><br><textarea id=\"details\" name=\"details\" rows=\"6\" cols=\"60\" maxlength=\"{TEXT_BYTES_MAX}\" required>{}</textarea></p>\
             <p><label for=\"document\">A document that shows the right information (optional; PDF, PNG or JPEG, at most 5 MiB)</label><br><input id=\"document\" name=\"document\" type=\"file\" accept=\"application/pdf,image/png,image/jpeg\"></p>",
            escape(&values.details)
        ));
    }
    if let Some(proofs) = agents_accepted(site) {
        body.push_str("<fieldset><legend>Only if you are submitting for someone else</legend><p>An authorized agent fills in the person's details above and their own below, and sends the person's signed permission or a power of attorney.</p>");
        body.push_str(&format!(
            "<p><input id=\"agent\" name=\"agent\" type=\"checkbox\" value=\"yes\"{}> <label for=\"agent\">I am submitting this request for someone else</label></p>",
            if values.agent { " checked" } else { "" }
        ));
        body.push_str(&text_input(
            "agent_name",
            "Your name (the agent)",
            "text",
            &values.agent_name,
            "",
        ));
        body.push_str(&text_input(
            "agent_email",
            "Your email address (the agent)",
            "email",
            &values.agent_email,
            "",
        ));
        body.push_str("<p><label for=\"agent_proof\">Your proof of authority</label><br><select id=\"agent_proof\" name=\"agent_proof\">");
        for proof in proofs {
            body.push_str(&format!(
                "<option value=\"{}\"{}>{}</option>",
                proof.id(),
                if values.agent_proof == proof.id() { " selected" } else { "" },
                escape(proof.label())
            ));
        }
        body.push_str("</select></p>");
        if request_type != RequestType::Correct {
            body.push_str("<p><label for=\"document\">The signed permission or power of attorney (PDF, PNG or JPEG, at most 5 MiB)</label><br><input id=\"document\" name=\"document\" type=\"file\" accept=\"application/pdf,image/png,image/jpeg\"></p>");
        }
        body.push_str("</fieldset>");
    }
    body.push_str(&format!(
        "<p><button type=\"submit\">Send my request</button></p></form><p>Privacy notice version {}.</p>",
        escape(&site.program.notice.version)
    ));
    body
}

/// Why a submission is refused, as the person reads it.
struct Refusal {
    code: StatusCode,
    text: String,
}

fn refuse(code: StatusCode, text: impl Into<String>) -> Refusal {
    Refusal { code, text: text.into() }
}

/// Reads one text field, refusing it past `max` bytes.
async fn read_text(field: &mut Field<'_>, label: &str, max: usize) -> Result<String, Refusal> {
    let bytes = read_bytes(field, max, || {
        refuse(StatusCode::BAD_REQUEST, format!("The {label} is longer than {max} bytes."))
    })
    .await?;
    String::from_utf8(bytes)
        .map_err(|_| refuse(StatusCode::BAD_REQUEST, format!("The {label} is not valid text.")))
}

async fn read_bytes(
    field: &mut Field<'_>,
    max: usize,
    too_long: impl Fn() -> Refusal,
) -> Result<Vec<u8>, Refusal> {
    let mut out = Vec::new();
    loop {
        match field.chunk().await {
            Ok(Some(chunk)) => {
                if out.len() + chunk.len() > max {
                    return Err(too_long());
                }
                out.extend_from_slice(&chunk);
            }
            Ok(None) => return Ok(out),
            Err(e) => return Err(multipart_refusal(&e)),
        }
    }
}

fn multipart_refusal(error: &axum::extract::multipart::MultipartError) -> Refusal {
    if error.status() == StatusCode::PAYLOAD_TOO_LARGE {
        too_large()
    } else {
        refuse(
            StatusCode::BAD_REQUEST,
            "The form could not be read; send it again from the form page.",
        )
    }
}

fn too_large() -> Refusal {
    refuse(
        StatusCode::PAYLOAD_TOO_LARGE,
        format!(
            "The document is larger than {} MiB; send a smaller scan or photo.",
            DOCUMENT_UPLOAD_BYTES_MAX >> 20
        ),
    )
}

/// The media type of a document, by its first bytes (never by what the browser claims):
/// PDF, PNG or JPEG only.
pub(crate) fn sniff(content: &[u8]) -> Option<&'static str> {
    if content.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if content.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if content.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else {
        None
    }
}

/// The form as sent.
struct Sent {
    law: String,
    values: FormValues,
    document: Option<Vec<u8>>,
}

async fn read_form(mut multipart: Multipart) -> Result<Sent, Refusal> {
    let mut sent = Sent { law: String::new(), values: FormValues::default(), document: None };
    let mut fields = 0;
    loop {
        let mut field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) => return Err(multipart_refusal(&e)),
        };
        fields += 1;
        if fields > FIELDS_MAX {
            return Err(refuse(StatusCode::BAD_REQUEST, "The form has too many fields."));
        }
        let name = field.name().unwrap_or_default().to_owned();
        let v = &mut sent.values;
        match name.as_str() {
            "law" => sent.law = read_text(&mut field, "law", 32).await?,
            "name" => v.name = read_text(&mut field, "name", FIELD_BYTES_MAX).await?,
            "email" => v.email = read_text(&mut field, "email address", FIELD_BYTES_MAX).await?,
            "phone" => v.phone = read_text(&mut field, "phone number", FIELD_BYTES_MAX).await?,
            "account_id" => {
                v.account_id = read_text(&mut field, "account number", FIELD_BYTES_MAX).await?
            }
            "details" => v.details = read_text(&mut field, "description", TEXT_BYTES_MAX).await?,
            "agent" => v.agent = read_text(&mut field, "agent choice", 8).await? == "yes",
            "agent_name" => {
                v.agent_name = read_text(&mut field, "agent's name", FIELD_BYTES_MAX).await?
            }
            "agent_email" => {
                v.agent_email =
                    read_text(&mut field, "agent's email address", FIELD_BYTES_MAX).await?
            }
            "agent_proof" => v.agent_proof = read_text(&mut field, "proof", 64).await?,
            "document" => {
                let content = read_bytes(&mut field, DOCUMENT_UPLOAD_BYTES_MAX, too_large).await?;
                // A file input left empty sends a part with no content.
                sent.document = (!content.is_empty()).then_some(content);
            }
            // Unknown fields are read and dropped (within the body limit).
            _ => {
                read_bytes(&mut field, UPLOAD_BODY_BYTES_MAX, too_large).await?;
            }
        }
    }
    Ok(sent)
}

fn optional(text: &str) -> Option<String> {
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

/// `POST /request/{type}`: stores the request, stores the document, sends the code,
/// and leads to the status page with the owner key.
pub(crate) async fn submit(
    State(site): State<Arc<Site>>,
    Path(type_id): Path<String>,
    headers: HeaderMap,
    multipart: Multipart,
) -> Response {
    let title = "Make a request";
    if !same_origin(&headers) {
        return cross_site(&site, title);
    }
    let (banner, cookie) = signals(&site, &headers).await;
    let mut cookies: Vec<String> = cookie.into_iter().collect();
    let sent = match read_form(multipart).await {
        Ok(sent) => sent,
        Err(refusal) => return message(&site, refusal.code, title, banner, &refusal.text),
    };
    let Some((request_type, law)) = form_target(&site, &type_id, &sent.law) else {
        return crate::pages::not_found_page(&site);
    };
    let again = |code: StatusCode, error: &str| {
        let body = form_body(&site, request_type, law, &sent.values, Some(error));
        html(&site, code, ask(request_type), banner, &body, Vec::new())
    };
    let v = &sent.values;
    if v.email.trim().is_empty() {
        return again(
            StatusCode::BAD_REQUEST,
            "Give your email address: we send a code to it to confirm it is you, and our answer.",
        );
    }
    if request_type == RequestType::Correct && v.details.trim().is_empty() {
        return again(StatusCode::BAD_REQUEST, "Say what is wrong and what it should say.");
    }
    let document = match &sent.document {
        None => None,
        Some(content) => match sniff(content) {
            Some(media_type) => Some((content.as_slice(), media_type)),
            None => {
                return again(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "The document must be a PDF, PNG or JPEG file.",
                );
            }
        },
    };
    let proofs = agents_accepted(&site);
    let agent = if v.agent {
        let Some(proofs) = proofs else {
            return again(
                StatusCode::BAD_REQUEST,
                "Requests by agents are not accepted here; contact us.",
            );
        };
        let Some(proof) = AgentProof::from_id(&v.agent_proof).filter(|p| proofs.contains(p)) else {
            return again(StatusCode::BAD_REQUEST, "Choose the proof of authority you send.");
        };
        if v.agent_name.trim().is_empty() || v.agent_email.trim().is_empty() {
            return again(
                StatusCode::BAD_REQUEST,
                "As an agent, give your own name and email address.",
            );
        }
        if document.is_none() {
            return again(
                StatusCode::BAD_REQUEST,
                "As an agent, send the signed permission or the power of attorney (R-060).",
            );
        }
        Some(proof)
    } else {
        if document.is_some() && request_type != RequestType::Correct {
            return again(
                StatusCode::BAD_REQUEST,
                "A document goes with an agent's request only; tick the box if you submit for someone else.",
            );
        }
        None
    };
    let new = NewRequest {
        request_type,
        law,
        channel: ChannelKind::WebForm,
        received_at: None,
        subject: Subject {
            name: optional(&v.name),
            email: optional(&v.email),
            phone: optional(&v.phone),
            account_id: optional(&v.account_id),
            details: optional(&v.details),
            agent: agent.map(|_| AgentContact {
                name: optional(&v.agent_name),
                email: optional(&v.agent_email),
            }),
            ..Subject::default()
        },
        agent,
        appeal_of: None,
    };
    let submitted = match site.app.submit(new, &Actor::Subject).await {
        Ok(submitted) => submitted,
        Err(ombud_app::AppError::Invalid(text)) => {
            return again(
                StatusCode::BAD_REQUEST,
                &format!("{} Correct it and send the form again.", sentence(&text)),
            );
        }
        Err(e) => {
            // Only a dependency that is down is worth retrying as is; the rest say
            // what is wrong with their own status.
            let code = status_of(&e);
            let next = if code == StatusCode::SERVICE_UNAVAILABLE {
                " Nothing was stored; please try again in a moment."
            } else {
                " Nothing was stored."
            };
            return message(
                &site,
                code,
                title,
                banner,
                &format!("{}{next}", sentence(&e.to_string())),
            );
        }
    };
    let id = submitted.id;
    // What went wrong after the request was stored, told on the status page.
    let mut note = "";
    if let Some((content, media_type)) = document {
        let kind = match agent {
            Some(proof) => proof.id(),
            None => "correction_evidence",
        };
        if site.app.add_document(id, kind, media_type, content, &Actor::Subject).await.is_err() {
            note = "document";
        }
    }
    let needs_code = matches!(submitted.status, Status::Received | Status::Verifying)
        && submitted.verification_required > Level::None
        && site.app.settings().offers(request_type, VerificationMethod::EmailCode);
    if needs_code && site.app.send_code(id, &Actor::Subject).await.is_err() {
        note = "code";
    }
    // The acknowledgement and the code go out now, not at the next mail pass.
    crate::mail::deliver_soon(&site);
    let key = site.app.owner_key(id);
    cookies.push(owner_cookie(&id.to_string(), &key));
    // 303: the browser fetches the status page with GET, so reloading it does not
    // send the form again. The key is in the address this once, to be bookmarked; it
    // opens the status, not the data: the download needs the cookie set here, so it
    // works only in this browser.
    let mut location = format!("/status/{id}?key={key}&new=1");
    if !note.is_empty() {
        location.push_str(&format!("&note={note}"));
    }
    let mut response = html(
        &site,
        StatusCode::SEE_OTHER,
        title,
        banner,
        "<p>Your request is stored.</p>",
        cookies,
    );
    if let Ok(value) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(LOCATION, value);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_are_known_by_their_first_bytes_not_their_name() {
        assert_eq!(sniff(b"%PDF-1.7\n..."), Some("application/pdf"));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n...."), Some("image/png"));
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0]), Some("image/jpeg"));
        assert_eq!(sniff(b"<html><script>"), None);
        assert_eq!(sniff(b"MZ\x90\x00"), None);
        assert_eq!(sniff(b""), None);
    }
}
