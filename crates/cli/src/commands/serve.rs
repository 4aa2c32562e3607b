//! `ombud serve`: the privacy center and the API over HTTP or HTTPS (issue 6), in one
//! process with the job runner (fulfilment), the mail delivery and the decision engine
//! following the consent ledger — until Ctrl-C or SIGTERM, when requests and jobs in
//! flight finish first. With `--tls-cert` and `--tls-key` it speaks TLS itself (rustls);
//! the files are checked before anything starts. `ombud openapi` prints the API's
//! OpenAPI document, the one `/openapi.json` serves.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use clap::Args;
use ombud_app::fulfil::jobs::FulfilmentJobs;
use ombud_jobs::{Options, Runner};

use super::EXIT_OK;
use super::jobs::{random_u64, wait_for_signal};
use crate::config::{AppArgs, open_app_full};
use crate::output::{err_line, out, out_line};

/// How often queued messages are delivered.
const MAIL_EVERY: Duration = Duration::from_secs(10);

#[derive(Debug, Args)]
pub(crate) struct ServeArgs {
    #[command(flatten)]
    app: AppArgs,
    /// Where to listen. Without --tls-cert, plain HTTP: put it behind a TLS proxy, or
    /// keep it on loopback.
    #[arg(long, env = "OMBUD_LISTEN", default_value = "127.0.0.1:8080")]
    listen: String,
    /// Serve HTTPS with this PEM certificate chain (the server's certificate first).
    #[arg(long, value_name = "FILE", requires = "tls_key", env = "OMBUD_TLS_CERT")]
    tls_cert: Option<PathBuf>,
    /// The PEM private key of --tls-cert.
    #[arg(long, value_name = "FILE", requires = "tls_cert", env = "OMBUD_TLS_KEY")]
    tls_key: Option<PathBuf>,
    #[command(flatten)]
    options: ServeOptions,
}

/// What `ombud serve` and `ombud demo` share beyond the store and the address.
#[derive(Clone, Debug, Default, Args)]
pub(crate) struct ServeOptions {
    /// Log one JSON line per request to standard error: time, method, route template,
    /// status, microseconds. Never a path's token, a query, a header, a body or an
    /// address.
    #[arg(long, env = "OMBUD_ACCESS_LOG")]
    access_log: bool,
    /// Turn the per-address rate limits of the public pages off: for a load benchmark
    /// on loopback, or behind a proxy that enforces its own.
    #[arg(long)]
    no_rate_limits: bool,
}

pub(crate) async fn serve(args: ServeArgs) -> anyhow::Result<ExitCode> {
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => Some(ombud_web::tls::server_config(cert, key)?),
        (None, None) => None,
        // clap's `requires` makes these unreachable from the command line.
        _ => anyhow::bail!("give both --tls-cert and --tls-key, or neither"),
    };
    start(&args.app, &args.listen, tls, &args.options, |_| Ok(())).await
}

/// `ombud openapi`: the API's OpenAPI document, as `/openapi.json` serves it
/// (`ombud openapi > docs/openapi.json` refreshes the committed copy).
pub(crate) fn openapi() -> anyhow::Result<ExitCode> {
    out(&ombud_web::api::openapi_json())?;
    Ok(ExitCode::from(EXIT_OK))
}

/// Serves the app `args` describe on `listen`; `ready` runs once the address is bound
/// (with it), before the first request (what `ombud demo` prints).
pub(crate) async fn run(
    args: &AppArgs,
    listen: &str,
    options: &ServeOptions,
    ready: impl FnOnce(std::net::SocketAddr) -> anyhow::Result<()>,
) -> anyhow::Result<ExitCode> {
    start(args, listen, None, options, ready).await
}

/// [`run`], over TLS when `tls` is given.
async fn start(
    args: &AppArgs,
    listen: &str,
    tls: Option<Arc<ombud_web::tls::ServerConfig>>,
    options: &ServeOptions,
    ready: impl FnOnce(std::net::SocketAddr) -> anyhow::Result<()>,
) -> anyhow::Result<ExitCode> {
    let app = open_app_full(args).await?;
    if let Ok(fulfilment) = app.fulfilment() {
        for (system, why) in &fulfilment.unavailable {
            err_line(&format!(
                "warning: system `{system}` is not connected ({why}); its jobs wait"
            ));
        }
    }
    let (stop, stopped) = tokio::sync::watch::channel(false);
    // Other ombud processes on the same PostgreSQL store: obey their choices too.
    let follower = tokio::spawn(app.choices()?.clone().follow(app.store().clone()));
    let mut runner = Runner::new(
        app.store().clone(),
        &format!("ombud-serve-{}", std::process::id()),
        Arc::new(crate::clock::now_ms),
        Arc::new(random_u64),
        Options::default(),
    )
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    for handler in FulfilmentJobs::handlers(&app) {
        runner.register(handler).map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    let jobs = tokio::spawn(runner.run(stopped.clone()));
    let mail = {
        let app = app.clone();
        let mut stopped = stopped.clone();
        tokio::spawn(async move {
            loop {
                if let Err(error) = app.deliver_pending().await {
                    err_line(&format!("warning: messages not delivered: {error}"));
                }
                tokio::select! {
                    () = tokio::time::sleep(MAIL_EVERY) => {}
                    _ = stopped.changed() => {
                        // What the last requests queued goes out before the process ends.
                        let _ = app.deliver_pending().await;
                        return;
                    }
                }
            }
        })
    };
    let mut site = ombud_web::Site::new(app.clone())?;
    if options.no_rate_limits {
        site = site.with_limits(ombud_web::limit::Limits::new(0, 0));
    }
    if options.access_log {
        site = site.with_access_log(Arc::new(|record| {
            if let Ok(line) = serde_json::to_string(record) {
                err_line(&line);
            }
        }));
    }
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen}"))?;
    let address = listener.local_addr().context("cannot read the listening address")?;
    let scheme = if tls.is_some() { "https" } else { "http" };
    out_line(&format!("privacy center: {scheme}://{address}/"))?;
    ready(address)?;
    let shutdown = async move {
        wait_for_signal().await;
        err_line("stopping: finishing the requests and jobs in hand");
        let _ = stop.send(true);
    };
    let router = ombud_web::router(Arc::new(site));
    match tls {
        Some(config) => {
            let listener = ombud_web::tls::TlsListener::new(
                listener,
                config,
                ombud_web::tls::HANDSHAKE_TIMEOUT,
            );
            ombud_web::tls::serve(listener, router, shutdown).await?;
        }
        None => ombud_web::serve(listener, router, shutdown).await?,
    }
    let summary = jobs.await.context("the job runner stopped unexpectedly")?;
    let _ = mail.await;
    follower.abort();
    app.store().close().await;
    err_line(&format!("stopped ({} jobs done)", summary.done));
    Ok(ExitCode::from(EXIT_OK))
}
