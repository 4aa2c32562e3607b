//! `ombud serve`: the privacy center over HTTP (issue 6, begun), with the decision
//! engine following the consent ledger, until Ctrl-C or SIGTERM (requests in flight
//! finish first).

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context as _;
use clap::Args;

use super::EXIT_OK;
use crate::config::{AppArgs, open_app_with_choices};
use crate::output::{err_line, out_line};

#[derive(Debug, Args)]
pub(crate) struct ServeArgs {
    #[command(flatten)]
    app: AppArgs,
    /// Where to listen. Plain HTTP: put it behind a TLS proxy, or keep it on loopback.
    #[arg(long, env = "OMBUD_LISTEN", default_value = "127.0.0.1:8080")]
    listen: String,
}

pub(crate) async fn serve(args: ServeArgs) -> anyhow::Result<ExitCode> {
    let app = open_app_with_choices(&args.app).await?;
    // Other ombud processes on the same PostgreSQL store: obey their choices too.
    let follower = tokio::spawn(app.choices()?.clone().follow(app.store().clone()));
    let site = ombud_web::Site::new(app.clone())?;
    let listener = tokio::net::TcpListener::bind(&args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    let address = listener.local_addr().context("cannot read the listening address")?;
    out_line(&format!("privacy center: http://{address}/"))?;
    ombud_web::serve(listener, ombud_web::router(Arc::new(site)), shutdown()).await?;
    follower.abort();
    app.store().close().await;
    err_line("stopped");
    Ok(ExitCode::from(EXIT_OK))
}

/// Ctrl-C or SIGTERM.
async fn shutdown() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
}
