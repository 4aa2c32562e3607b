//! Shared set-up of the web tests: a site over a real store (SQLite or PostgreSQL, from
//! `store_test!`) with a manual clock and an outbox, and small request helpers.

// A failed set-up is a failed test.
#![allow(clippy::unwrap_used, dead_code)]

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt as _;
use ombud_app::choices::Engine;
use ombud_app::mail::{MailTransport, Templates};
use ombud_app::{App, AppParts, ManualClock, NoLookup, SequentialIds, Settings};
use ombud_program::CheckOptions;
use tower::ServiceExt as _;

/// The site of `examples/{example}` on the test's store; the outbox is the temp dir.
pub async fn site(
    t: &ombud_testkit::TestStore,
    example: &str,
) -> (App, axum::Router, tempfile::TempDir) {
    let path = format!("{}/../../examples/{example}", env!("CARGO_MANIFEST_DIR"));
    let (program, _) =
        ombud_program::load(&std::fs::read(&path).unwrap(), &CheckOptions::default()).unwrap();
    let calendars = std::path::Path::new(&path).parent().unwrap().join("calendars");
    let settings = Settings::from_program(&program, Some(&calendars), None).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let app = App::new(AppParts {
        store: t.store.clone(),
        settings,
        clock: Arc::new(ManualClock::new("2026-11-25T17:00:00Z".parse().unwrap())),
        ids: Arc::new(SequentialIds::new()),
        lookup: Arc::new(NoLookup),
        templates: Templates::builtin(),
        transport: MailTransport::from_url(&format!("outbox:{}", dir.path().display())).unwrap(),
    });
    let engine = Engine::load(Arc::new(program), &t.store).await.unwrap();
    let app = app.with_choices(Arc::new(engine));
    let router = ombud_web::router(Arc::new(ombud_web::Site::new(app.clone()).unwrap()));
    (app, router, dir)
}

/// Sends one request through the router; status, headers and the body as text.
pub async fn send(
    router: &axum::Router,
    request: Request<Body>,
) -> (StatusCode, axum::http::HeaderMap, String) {
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, headers, String::from_utf8_lossy(&body).into_owned())
}

/// A request builder for `uri`.
pub fn get(uri: &str) -> axum::http::request::Builder {
    Request::builder().uri(uri)
}
