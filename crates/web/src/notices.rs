//! The notices' version history (issue 6 item 2; R-251): the first time this process
//! serves a law's notice it archives that text (`App::archive_notice`, a no-op when the
//! text is known), `/notice/{law}/versions` lists every text served with its version,
//! effective date and first day served, and `/notice/{law}/versions/{sha256}` shows an
//! earlier text exactly as it was served.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;

use crate::Site;
use crate::html::{csp_hash, escape, style_block};
use crate::pages::{not_found, page, respond, signals};

/// Archives the notice of `law` once per process (a failed attempt is tried again with
/// the next view: serving the notice matters more than archiving it this instant).
pub(crate) async fn archive_once(site: &Site, law: &'static str, html: &str) {
    let done = site.archived.lock().map(|set| set.contains(law)).unwrap_or(false);
    if done {
        return;
    }
    let (version, effective) = (&site.program.notice.version, site.program.notice.effective);
    if site.app.archive_notice(law, version, &effective.to_string(), html).await.is_ok()
        && let Ok(mut set) = site.archived.lock()
    {
        set.insert(law);
    }
}

fn law_of(site: &Site, law: &str) -> Option<&'static str> {
    site.notices.iter().map(|(id, _)| *id).find(|id| *id == law)
}

/// The date part of a Unix-ms time (UTC).
fn day(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| t.to_zoned(jiff::tz::TimeZone::UTC).date().to_string())
        .unwrap_or_default()
}

pub(crate) async fn versions(
    State(site): State<Arc<Site>>,
    Path(law): Path<String>,
    headers: HeaderMap,
) -> Response {
    let Some(law) = law_of(&site, &law) else { return not_found(State(site)).await };
    let (status, cookie) = signals(&site, &headers).await;
    let Ok(versions) = site.app.notice_versions(law).await else {
        let body = "<h1>Earlier versions</h1><p role=\"alert\">The archive cannot be read right now; try again in a minute.</p>";
        return respond(
            &site,
            StatusCode::SERVICE_UNAVAILABLE,
            "text/html; charset=utf-8",
            page(&site, "Earlier versions", status, body),
            cookie,
        );
    };
    let mut body = format!(
        "<h1>Versions of this notice</h1><p>Every text of the notice this privacy center has shown, newest first. <a href=\"/notice/{law}\">The current notice</a>.</p>"
    );
    if versions.is_empty() {
        body.push_str("<p>None archived yet.</p>");
    } else {
        body.push_str("<table><thead><tr><th scope=\"col\">Version</th><th scope=\"col\">Effective</th><th scope=\"col\">First shown</th><th scope=\"col\">Text</th></tr></thead><tbody>");
        for v in &versions {
            body.push_str(&format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td><a href=\"/notice/{law}/versions/{}\">Read it</a></td></tr>",
                escape(&v.version),
                escape(&v.effective),
                day(v.first_served_at_ms),
                escape(&v.sha256_hex),
            ));
        }
        body.push_str("</tbody></table>");
    }
    respond(
        &site,
        StatusCode::OK,
        "text/html; charset=utf-8",
        page(&site, "Versions of this notice", status, &body),
        cookie,
    )
}

pub(crate) async fn archived(
    State(site): State<Arc<Site>>,
    Path((law, sha256_hex)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let Some(law) = law_of(&site, &law) else { return not_found(State(site)).await };
    if sha256_hex.len() != 64 || !sha256_hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return not_found(State(site)).await;
    }
    let Ok(Some((_, html))) = site.app.archived_notice_html(law, &sha256_hex).await else {
        return not_found(State(site)).await;
    };
    // A page of the privacy center like any other: the signal is honored and said
    // in the callout the notices carry.
    let (status, cookie) = signals(&site, &headers).await;
    let html = crate::pages::with_status_callout(&html, status);
    // An earlier text carries its own style block: allow that one by its hash.
    let csp = match style_block(&html) {
        Some(style) => {
            site.csp.replacen("style-src ", &format!("style-src {} ", csp_hash(style)), 1)
        }
        None => site.csp.clone(),
    };
    let mut response = respond(&site, StatusCode::OK, "text/html; charset=utf-8", html, cookie);
    if let Ok(value) = HeaderValue::from_str(&csp) {
        response.headers_mut().insert("content-security-policy", value);
    }
    response
}
