//! ombud-web: ombud over HTTP (issue 6). The privacy center — its home, the notices
//! rendered from the manifest with their archived versions, the Global Privacy Control
//! behaviour (a browser sending `Sec-GPC: 1` is opted out without a click and every page
//! says "Opt-Out Request Honored", R-117, R-120, R-124), `/.well-known/gpc.json`
//! the "Do Not Sell or Share" and "Limit" pages, the
//! request flow (`center`), the RFC 8058 one-click unsubscribe — the staff pages
//! (`staff`), the JSON API with its OpenAPI document (`api`), TLS (`tls`), rate limits,
//! the access log, health and readiness (docs/web.md).
//!
//! **Invariants:** every response carries a strict Content-Security-Policy (no inline
//! script; the inline styles are allowed by their hashes only) and `nosniff`; every
//! body is size-limited; everything a page shows is escaped ([`html::escape`]); errors
//! show the app's safe message, never personal data.

pub mod api;
mod center;
mod choices;
pub mod html;
pub mod limit;
pub mod log;
mod mail;
mod notices;
mod pages;
mod staff;
pub mod tls;

use std::future::Future;
use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::get;
use ombud_app::App;
use ombud_program::Program;
use ombud_program::notice::{Format, NoticeLaw};

/// The largest request body any route reads: the one-click POST is 26 bytes, a
/// multipart one a few hundred (RFC 8058).
pub const BODY_BYTES_MAX: usize = ombud_policy::unsubscribe::MAX_ONE_CLICK_BODY_BYTES;

/// What the pages are made from, computed once at start.
pub struct Site {
    app: App,
    program: Arc<Program>,
    /// `(law id, the rendered notice page)`.
    notices: Vec<(&'static str, String)>,
    /// `/.well-known/gpc.json`.
    gpc_json: String,
    /// The Content-Security-Policy of every response.
    csp: String,
    /// Rate limits of the public endpoints.
    limits: limit::Limits,
    /// Where the access log goes (none: not logged).
    access_log: Option<log::AccessLog>,
    /// The laws whose current notice this process has archived (`notices.rs`).
    archived: std::sync::Mutex<std::collections::HashSet<&'static str>>,
    /// Deliveries the API asks for, at most one waiting.
    mail: mail::MailKick,
    /// The staff audit page's last walk of the chain (walked at most once a minute).
    audit_check: staff::AuditCheck<ombud_core::audit::Report>,
}

impl Site {
    /// The site of an app whose decision engine is loaded (`App::with_choices`).
    pub fn new(app: App) -> Result<Site, ombud_app::AppError> {
        let program = app.choices()?.program().clone();
        let mut notices = Vec::new();
        for (id, law) in [("ccpa", NoticeLaw::Ccpa), ("gdpr", NoticeLaw::Gdpr)] {
            let wanted = match law {
                NoticeLaw::Ccpa => program.jurisdictions.contains(&ombud_core::Law::Ccpa),
                NoticeLaw::Gdpr => program.jurisdictions.contains(&ombud_core::Law::Gdpr),
            };
            if wanted {
                let html = ombud_program::notice::render(&program, law, Format::Html);
                // Every notice leads to its earlier texts.
                let link = format!(
                    "<p><a href=\"/notice/{id}/versions\">Earlier versions of this notice</a></p></body>"
                );
                notices.push((id, html.replacen("</body>", &link, 1)));
            }
        }
        let gpc_json = ombud_policy::gpc::well_known_gpc_json(&program, program.notice.effective);
        // The inline style blocks the pages carry, allowed by hash: nothing else inline.
        let mut hashes: Vec<String> = notices
            .iter()
            .filter_map(|(_, page)| html::style_block(page))
            .map(html::csp_hash)
            .collect();
        hashes.push(html::csp_hash(pages::STYLE));
        hashes.push(html::csp_hash(staff::STYLE));
        hashes.sort();
        hashes.dedup();
        let csp = format!(
            "default-src 'none'; style-src {}; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
            hashes.join(" ")
        );
        Ok(Site {
            app,
            program,
            notices,
            gpc_json,
            csp,
            limits: limit::Limits::default(),
            access_log: None,
            archived: std::sync::Mutex::default(),
            audit_check: staff::AuditCheck::default(),
            mail: mail::MailKick::default(),
        })
    }

    /// Other rate limits than the defaults ([`limit::Limits::new`]).
    pub fn with_limits(mut self, limits: limit::Limits) -> Site {
        self.limits = limits;
        self
    }

    /// Logs every request to `sink` ([`log::AccessRecord`]: no personal data).
    pub fn with_access_log(mut self, sink: log::AccessLog) -> Site {
        self.access_log = Some(sink);
        self
    }
}

/// The routes.
pub fn router(site: Arc<Site>) -> Router {
    // The API takes larger bodies (a batch of questions) than the pages' forms; its
    // routes and its OpenAPI document are made together (api.rs).
    let api = api::router();
    let pages = Router::new()
        .route("/", get(pages::home))
        .route("/notice/{law}", get(pages::notice))
        .route("/notice/{law}/versions", get(notices::versions))
        .route("/notice/{law}/versions/{sha256}", get(notices::archived))
        .route("/.well-known/gpc.json", get(pages::gpc_json))
        .route("/do-not-sell-or-share", get(choices::do_not_sell_page).post(choices::do_not_sell))
        .route("/limit-sensitive", get(choices::limit_page).post(choices::limit))
        .route("/unsubscribe/{token}", get(pages::unsubscribe_page).post(pages::unsubscribe))
        .route("/request", get(center::start))
        .route(
            "/request/{type}",
            get(center::request_form).post(center::submit).layer(center::upload_limit()),
        )
        .route("/status/{id}", get(center::status))
        .route("/status/{id}/code", axum::routing::post(center::verify))
        .route("/status/{id}/resend", axum::routing::post(center::resend))
        .route("/status/{id}/download", axum::routing::post(center::download))
        .route("/package/{token}", get(center::package))
        .route("/preferences", get(center::preferences_page).post(center::preferences))
        .route("/healthz", get(pages::healthz))
        .route("/readyz", get(pages::readyz))
        .route("/openapi.json", get(api::openapi_document))
        .layer(DefaultBodyLimit::max(BODY_BYTES_MAX))
        .layer(axum::middleware::from_fn_with_state(site.clone(), limit::limit));
    pages
        .merge(api)
        .merge(staff::router(site.clone()))
        .fallback(pages::not_found)
        .layer(axum::middleware::from_fn_with_state(site.clone(), log::access_log))
        .with_state(site)
}

/// Serves `router` on `listener` until `shutdown` resolves, then lets requests in
/// flight finish (graceful shutdown).
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // The client's address reaches the rate limits through `ConnectInfo`.
    axum::serve(listener, router.into_make_service_with_connect_info::<std::net::SocketAddr>())
        .with_graceful_shutdown(shutdown)
        .await
}
