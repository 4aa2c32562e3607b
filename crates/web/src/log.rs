//! The access log: one JSON line per request, written by a sink the binary gives
//! (`Site::with_access_log`), so only the CLI touches standard error.
//!
//! A line names the route *template* (`/unsubscribe/{token}`, never the token), the
//! method, the status and the time taken; never the client's address, a query string,
//! a header or a body — those can carry personal data or secrets (DESIGN.md: personal
//! data never in logs). Unmatched paths are logged as `-`: a 404's path is whatever a
//! stranger typed.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;

use crate::Site;

/// One request, as logged.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct AccessRecord {
    /// When it arrived (RFC 3339, the app's clock).
    pub at: String,
    /// `GET`, `POST`, …
    pub method: String,
    /// The matched route's template, or `-`.
    pub route: String,
    /// The response status.
    pub status: u16,
    /// Time to the response head, in microseconds.
    pub duration_us: u64,
}

/// Where access records go.
pub type AccessLog = Arc<dyn Fn(&AccessRecord) + Send + Sync>;

/// The middleware: times the request and hands the record to the site's sink.
pub(crate) async fn access_log(
    State(site): State<Arc<Site>>,
    request: Request,
    next: Next,
) -> Response {
    let Some(sink) = site.access_log.clone() else { return next.run(request).await };
    let at = site.app.now().to_string();
    let method = request.method().as_str().to_owned();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "-".to_owned(), |p| p.as_str().to_owned());
    let started = Instant::now();
    let response = next.run(request).await;
    let record = AccessRecord {
        at,
        method,
        route,
        status: response.status().as_u16(),
        duration_us: u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX),
    };
    sink(&record);
    response
}
