//! What staff read besides requests: a person's consent history (the identifier is
//! posted in the form body, never put in a URL, and the read is audited), the §7102
//! metrics of REGULATIONS.md §f as a table and a server-rendered SVG bar chart, and
//! the audit chain's status (the whole chain verified, as `ombud audit verify` does).
//!
//! Walking the chain takes 1–3 seconds per million events, so the audit page does not
//! walk it on every view: [`AuditCheck`] keeps the last result with the app time it was
//! taken, walks again at most once a minute, and has concurrent views wait for the one
//! walk in progress instead of starting their own.

use std::fmt::Write as _;
use std::sync::Arc;

use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use ombud_app::choices::ChoiceSubject;
use ombud_app::reports::Metrics;
use serde::Deserialize;

use super::{app_error, forged, html, page, principal, same_origin, when};
use crate::Site;
use crate::html::escape;

/// The kinds of identifier a consent history is looked up by.
const SUBJECT_KINDS: [(&str, &str); 4] = [
    ("email", "Email address"),
    ("phone", "Phone number"),
    ("account", "Account id"),
    ("device", "Browser or device id"),
];

fn consent_form() -> String {
    let kinds: String = SUBJECT_KINDS
        .iter()
        .map(|(id, label)| format!("<option value=\"{id}\">{label}</option>"))
        .collect();
    format!(
        "<h1>Consent history of a person</h1><p>Every choice recorded for them (and, where it takes something away, for browsers linked to them), oldest first. Looking is recorded in the audit chain.</p>\
         <form method=\"post\" action=\"/staff/consent\"><p><label for=\"kind\">Look up by</label><br><select id=\"kind\" name=\"kind\">{kinds}</select></p>\
         <p><label for=\"identifier\">Identifier</label><br><input id=\"identifier\" name=\"identifier\" required maxlength=\"320\" autocomplete=\"off\"></p>\
         <p><button type=\"submit\">Show the history</button></p></form>"
    )
}

pub(crate) async fn consent_page(State(site): State<Arc<Site>>, headers: HeaderMap) -> Response {
    let who = match principal(&site, &headers).await {
        Ok(who) => who,
        Err(response) => return response,
    };
    html(&site, StatusCode::OK, page(&site, Some(&who), "Consent history", &consent_form()), None)
}

/// The lookup form.
#[derive(Deserialize)]
pub(crate) struct ConsentForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    identifier: String,
}

pub(crate) async fn consent_history(
    State(site): State<Arc<Site>>,
    headers: HeaderMap,
    Form(form): Form<ConsentForm>,
) -> Response {
    // A read, but of personal data by an identifier: posted, so checked like any form.
    if !same_origin(&headers) {
        return forged(&site);
    }
    let who = match principal(&site, &headers).await {
        Ok(who) => who,
        Err(response) => return response,
    };
    if !SUBJECT_KINDS.iter().any(|(id, _)| *id == form.kind) {
        let e = ombud_app::AppError::Invalid("choose what to look the person up by".to_owned());
        return app_error(&site, Some(&who), &e);
    }
    let history = match ChoiceSubject::parse(&format!("{}:{}", form.kind, form.identifier)) {
        Ok(subject) => site.app.consent_history(&subject, &who.actor()).await,
        Err(e) => Err(e),
    };
    let entries = match history {
        Ok(entries) => entries,
        Err(e) => return app_error(&site, Some(&who), &e),
    };
    let mut rows = String::new();
    for entry in &entries {
        let _ = write!(
            rows,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            when(entry.at_ms),
            escape(entry.subject_kind),
            escape(&entry.choice),
            escape(entry.target.as_deref().unwrap_or("")),
            escape(&entry.source),
            escape(entry.notice_version.as_deref().unwrap_or("")),
        );
    }
    let result = if entries.is_empty() {
        "<p class=\"ok\" role=\"status\">No choice is recorded for this person.</p>".to_owned()
    } else {
        format!(
            "<table><caption>{} record{}</caption><thead><tr><th scope=\"col\">When</th><th scope=\"col\">Subject</th><th scope=\"col\">Choice</th><th scope=\"col\">Purpose or list</th><th scope=\"col\">Source</th><th scope=\"col\">Notice version shown</th></tr></thead><tbody>{rows}</tbody></table>",
            entries.len(),
            if entries.len() == 1 { "" } else { "s" }
        )
    };
    let body = format!("{}{result}", consent_form());
    html(&site, StatusCode::OK, page(&site, Some(&who), "Consent history", &body), None)
}

/// `?year=` of the metrics page.
#[derive(Deserialize)]
pub(crate) struct MetricsQuery {
    year: Option<i16>,
}

/// How many staff events the audit page lists.
const STAFF_EVENTS_SHOWN: u32 = 50;

/// The chart's geometry (SVG user units).
const CHART_WIDTH: u32 = 720;
const BAR_AREA_HEIGHT: u32 = 200;
const CHART_TOP: u32 = 30;
const GROUP_WIDTH: u32 = 140;
const BAR_WIDTH: u32 = 30;

/// One series of the chart: its name, its colour, and its figure of a line.
type Series = (&'static str, &'static str, fn(&ombud_app::reports::MetricLine) -> u32);

/// Received, complied and denied per kind of request, as grouped bars. Colours are
/// named in the legend and each bar carries its number, so nothing is said by colour
/// alone; the chart is an image with a text alternative, and the table holds the
/// figures.
pub(crate) fn chart(metrics: &Metrics) -> String {
    let series: [Series; 3] = [
        ("Received", "#1f4e9c", |l| l.received),
        ("Complied", "#1d6b2f", |l| l.complied),
        ("Denied", "#a40000", |l| l.denied),
    ];
    let max = metrics
        .buckets
        .iter()
        .flat_map(|line| series.iter().map(move |(_, _, value)| value(line)))
        .max()
        .unwrap_or(0)
        .max(1);
    let height = CHART_TOP + BAR_AREA_HEIGHT + 60;
    let base = CHART_TOP + BAR_AREA_HEIGHT;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-labelledby=\"chart-title\" viewBox=\"0 0 {CHART_WIDTH} {height}\" width=\"100%\" font-family=\"system-ui, sans-serif\" font-size=\"12\"><title id=\"chart-title\">CCPA requests in {}: received, complied with and denied, by kind (the table below has the figures)</title>",
        metrics.year
    );
    for (index, (label, colour, _)) in (0u32..).zip(series.iter()) {
        let x = 10 + index * 110;
        let _ = write!(
            svg,
            "<rect x=\"{x}\" y=\"8\" width=\"12\" height=\"12\" fill=\"{colour}\"/><text x=\"{}\" y=\"18\">{label}</text>",
            x + 16
        );
    }
    let _ = write!(
        svg,
        "<line x1=\"0\" y1=\"{base}\" x2=\"{CHART_WIDTH}\" y2=\"{base}\" stroke=\"#555\"/>"
    );
    for (group, line) in (0u32..).zip(metrics.buckets.iter()) {
        let x0 = 10 + group * GROUP_WIDTH;
        for (index, (_, colour, value)) in (0u32..).zip(series.iter()) {
            let n = value(line);
            let bar = u32::try_from(u64::from(n) * u64::from(BAR_AREA_HEIGHT) / u64::from(max))
                .unwrap_or(BAR_AREA_HEIGHT);
            let x = x0 + index * (BAR_WIDTH + 4);
            let _ = write!(
                svg,
                "<rect x=\"{x}\" y=\"{}\" width=\"{BAR_WIDTH}\" height=\"{bar}\" fill=\"{colour}\"/><text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{n}</text>",
                base - bar,
                x + BAR_WIDTH / 2,
                base - bar - 4
            );
        }
        // The label under the group, in two lines (the names are long).
        let label = line.bucket.label().trim_start_matches("Requests to ");
        let _ = write!(
            svg,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
            x0 + (3 * BAR_WIDTH + 8) / 2,
            base + 18,
            escape(label)
        );
    }
    svg.push_str("</svg>");
    svg
}

pub(crate) async fn metrics(
    State(site): State<Arc<Site>>,
    headers: HeaderMap,
    Query(query): Query<MetricsQuery>,
) -> Response {
    let who = match principal(&site, &headers).await {
        Ok(who) => who,
        Err(response) => return response,
    };
    let this_year =
        site.app.settings().calendars.local_date(ombud_core::Law::Ccpa, site.app.now()).year();
    let year = query.year.unwrap_or(this_year);
    let metrics = match site.app.metrics(year).await {
        Ok(metrics) => metrics,
        Err(e) => return app_error(&site, Some(&who), &e),
    };
    let days = |d: Option<f64>| d.map_or_else(|| "—".to_owned(), |d| format!("{d:.1}"));
    let mut rows = String::new();
    for line in &metrics.buckets {
        let _ = write!(
            rows,
            "<tr><th scope=\"row\">{}</th><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(line.bucket.label()),
            line.received,
            line.complied,
            line.denied,
            line.denied_unverifiable,
            line.denied_not_a_consumer,
            line.denied_exempt,
            line.denied_other,
            days(line.median_days),
            days(line.mean_days),
        );
    }
    let body = format!(
        "<h1>Request metrics for {year}</h1><p>The figures 11 CCR §7102 asks a business to compile and disclose, for CCPA requests received in the calendar year. Complied counts requests answered in whole or in part; days are calendar days from receipt to the substantive response.</p>\
         <form method=\"get\" action=\"/staff/metrics\"><p><label for=\"year\">Year</label> <input id=\"year\" name=\"year\" type=\"number\" min=\"2020\" max=\"2100\" value=\"{year}\"> <button type=\"submit\">Show</button></p></form>\
         <figure>{}<figcaption>Received, complied with and denied, by kind of request.</figcaption></figure>\
         <table><caption>CCPA requests received in {year}</caption><thead><tr><th scope=\"col\">Kind</th><th scope=\"col\">Received</th><th scope=\"col\">Complied</th><th scope=\"col\">Denied</th><th scope=\"col\">Denied: unverifiable</th><th scope=\"col\">Denied: not a consumer</th><th scope=\"col\">Denied: exempt</th><th scope=\"col\">Denied: other</th><th scope=\"col\">Median days</th><th scope=\"col\">Mean days</th></tr></thead><tbody>{rows}</tbody></table>",
        chart(&metrics)
    );
    html(&site, StatusCode::OK, page(&site, Some(&who), "Metrics", &body), None)
}

/// How old the audit page's verification may be before a view walks the chain again.
pub(crate) const AUDIT_CHECK_EVERY_MS: i64 = 60 * 1000;

/// The last walk of the audit chain and when (app time, Unix ms) it was taken; one
/// walk at a time.
pub(crate) struct AuditCheck<R> {
    last: tokio::sync::Mutex<Option<(i64, Arc<R>)>>,
}

impl<R> Default for AuditCheck<R> {
    fn default() -> Self {
        AuditCheck { last: tokio::sync::Mutex::new(None) }
    }
}

impl<R> AuditCheck<R> {
    /// The last result if it was taken less than [`AUDIT_CHECK_EVERY_MS`] before
    /// `now_ms`, else a new one from `walk`; with the time it was taken. The lock is
    /// held across the walk, so views arriving meanwhile wait and then share its result
    /// (single flight). A failed walk is not kept: the next view tries again.
    pub(crate) async fn get<E, F>(&self, now_ms: i64, walk: F) -> Result<(i64, Arc<R>), E>
    where
        F: Future<Output = Result<R, E>>,
    {
        let mut last = self.last.lock().await;
        if let Some((at_ms, report)) = last.as_ref()
            // A clock set back (tests, a corrected host) counts as stale, not as fresh.
            && (0..AUDIT_CHECK_EVERY_MS).contains(&now_ms.saturating_sub(*at_ms))
        {
            return Ok((*at_ms, Arc::clone(report)));
        }
        let report = Arc::new(walk.await?);
        *last = Some((now_ms, Arc::clone(&report)));
        Ok((now_ms, report))
    }
}

pub(crate) async fn audit_status(State(site): State<Arc<Site>>, headers: HeaderMap) -> Response {
    let who = match principal(&site, &headers).await {
        Ok(who) => who,
        Err(response) => return response,
    };
    let now_ms = site.app.now().as_millisecond();
    let walk = site.app.store().verify_audit(None);
    let (checked_at_ms, report) = match site.audit_check.get(now_ms, walk).await {
        Ok(checked) => checked,
        Err(e) => return app_error(&site, Some(&who), &ombud_app::AppError::from(e)),
    };
    let last = report
        .last_good
        .map(|h| {
            format!(
                "<p>Last verified event: {} <code>{}</code></p>",
                h.seq,
                ombud_core::audit::to_hex(&h.hash)
            )
        })
        .unwrap_or_default();
    let findings: String =
        report.findings.iter().map(|f| format!("<li>{}</li>", escape(&f.to_string()))).collect();
    let status = if report.is_intact() {
        format!(
            "<p class=\"ok\" role=\"status\">The audit chain is intact: {} events checked at {}.</p>",
            report.events_checked,
            when(checked_at_ms)
        )
    } else {
        format!(
            "<p class=\"error\" role=\"alert\">The audit chain is NOT intact: {} problem{} in {} events checked at {}.</p><ul>{findings}</ul>",
            report.findings_total,
            if report.findings_total == 1 { "" } else { "s" },
            report.events_checked,
            when(checked_at_ms)
        )
    };
    let events = match site.app.staff_events(STAFF_EVENTS_SHOWN).await {
        Ok(events) => events,
        Err(e) => return app_error(&site, Some(&who), &e),
    };
    let mut rows = String::new();
    for event in &events {
        let _ = write!(
            rows,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td><code>{}</code></td></tr>",
            when(event.at_ms),
            escape(&event.actor),
            escape(&event.action),
            escape(&event.payload)
        );
    }
    let body = format!(
        "<h1>Audit chain</h1><p>Every change to a request, every staff read of personal data and every login is an event in a hash chain; editing, removing or reordering any event breaks it. This page walks the whole chain at most once a minute and says when it last did; <code>ombud audit verify</code> walks it at once. To detect the chain being cut short, compare its head with a checkpoint kept elsewhere (<code>ombud audit head</code>, then <code>ombud audit verify --expect-head</code>).</p>{status}{last}\
         <h2>Staff logins and account changes</h2><table><caption>The latest {STAFF_EVENTS_SHOWN}, newest first</caption><thead><tr><th scope=\"col\">When</th><th scope=\"col\">Who</th><th scope=\"col\">What</th><th scope=\"col\">Details</th></tr></thead><tbody>{rows}</tbody></table>"
    );
    html(&site, StatusCode::OK, page(&site, Some(&who), "Audit chain", &body), None)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_views_share_one_walk_and_a_minute_on_there_is_another() {
        let check = Arc::new(AuditCheck::<u64>::default());
        let walks = Arc::new(AtomicUsize::new(0));
        let walk = |walks: Arc<AtomicUsize>| async move {
            let n = walks.fetch_add(1, Ordering::SeqCst) + 1;
            // Slow enough that the other views arrive while it runs.
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            Ok::<u64, ()>(u64::try_from(n).unwrap())
        };
        let mut views = tokio::task::JoinSet::new();
        for _ in 0..8 {
            let (check, walks) = (check.clone(), walks.clone());
            views.spawn(async move { check.get(1_000, walk(walks)).await });
        }
        while let Some(view) = views.join_next().await {
            let (at_ms, report) = view.unwrap().unwrap();
            assert_eq!((at_ms, *report), (1_000, 1));
        }
        assert_eq!(walks.load(Ordering::SeqCst), 1, "one walk for eight views");
        let (at_ms, report) = check.get(1_000 + 59_999, walk(walks.clone())).await.unwrap();
        assert_eq!((at_ms, *report), (1_000, 1), "still fresh");
        let (at_ms, report) = check.get(61_000, walk(walks.clone())).await.unwrap();
        assert_eq!((at_ms, *report), (61_000, 2), "a minute on: walked again");
        // A clock set back is not taken for fresh; a failed walk is not kept.
        let (at_ms, _) = check.get(500, walk(walks.clone())).await.unwrap();
        assert_eq!(at_ms, 500);
        assert!(check.get(200_000, async { Err::<u64, ()>(()) }).await.is_err());
        assert_eq!(*check.get(200_000, walk(walks.clone())).await.unwrap().1, 4);
    }
}
