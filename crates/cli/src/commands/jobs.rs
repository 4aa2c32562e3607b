//! `ombud jobs`: run the durable job queue (fulfilment of verified requests) and see
//! what it holds. `run` works until stopped (SIGINT/SIGTERM finish the jobs in hand,
//! then exit) or, with `--once`, until nothing is due.

use std::process::ExitCode;
use std::sync::Arc;

use clap::{Args, Subcommand};
use ombud_app::fulfil::jobs::FulfilmentJobs;
use ombud_jobs::{Options, Runner};

use super::request::parse_id;
use super::{EXIT_ERRORS, EXIT_OK};
use crate::config::{AppArgs, open_app, open_app_with_systems};
use crate::output::{err_line, out_line};

#[derive(Debug, Args)]
pub(crate) struct JobsArgs {
    #[command(flatten)]
    app: AppArgs,
    #[command(subcommand)]
    command: JobsCommand,
}

#[derive(Debug, Subcommand)]
enum JobsCommand {
    /// Work the queue.
    Run {
        /// Stop when nothing is due instead of waiting for more.
        #[arg(long)]
        once: bool,
        /// Jobs at once.
        #[arg(long, default_value_t = 4)]
        concurrency: usize,
        /// How often to look for due jobs, in milliseconds.
        #[arg(long, default_value_t = 1_000)]
        poll_ms: u64,
        /// How long a claimed job is leased before another worker may take it over, in
        /// milliseconds (heartbeats renew it while the job runs).
        #[arg(long, default_value_t = ombud_core::limits::JOB_LEASE_MS)]
        lease_ms: i64,
    },
    /// Queue the fulfilment of a verified request (access package or erasure per system).
    Queue {
        /// The request.
        id: String,
    },
    /// Counts per state, or the jobs of one request.
    List {
        /// Only this request's jobs.
        #[arg(long, value_name = "ID")]
        request: Option<String>,
    },
}

pub(crate) fn random_u64() -> u64 {
    let mut bytes = [0u8; 8];
    // Jitter only: on failure a fixed value still gives a valid (unjittered) delay.
    let _ = getrandom::fill(&mut bytes);
    u64::from_le_bytes(bytes)
}

pub(crate) async fn jobs(args: JobsArgs) -> anyhow::Result<ExitCode> {
    match args.command {
        JobsCommand::Run { once, concurrency, poll_ms, lease_ms } => {
            let app = open_app_with_systems(&args.app).await?;
            let worker = format!("ombud-{}", std::process::id());
            let options =
                Options { concurrency, poll_interval_ms: poll_ms, lease_ms, ..Options::default() };
            let mut runner = Runner::new(
                app.store().clone(),
                &worker,
                Arc::new(crate::clock::now_ms),
                Arc::new(random_u64),
                options,
            )
            .map_err(|e| anyhow::anyhow!("{e}"))?;
            for handler in FulfilmentJobs::handlers(&app) {
                runner.register(handler).map_err(|e| anyhow::anyhow!("{e}"))?;
            }
            let summary = if once {
                runner.run_until_idle().await.map_err(|e| anyhow::anyhow!("{e}"))?
            } else {
                let (stop, shutdown) = tokio::sync::watch::channel(false);
                tokio::spawn(async move {
                    wait_for_signal().await;
                    err_line("stopping: finishing the jobs in hand");
                    let _ = stop.send(true);
                });
                runner.run(shutdown).await
            };
            if let Err(error) = app.deliver_pending().await {
                err_line(&format!("warning: messages not delivered: {error}"));
            }
            out_line(&format!(
                "jobs: {} done, {} retried later, {} failed, {} lost to another worker",
                summary.done, summary.retried, summary.failed, summary.lost
            ))?;
            app.store().close().await;
            Ok(ExitCode::from(if summary.failed > 0 { EXIT_ERRORS } else { EXIT_OK }))
        }
        JobsCommand::Queue { id } => {
            let id = parse_id(&id)?;
            let app = open_app_with_systems(&args.app).await?;
            let queued = app.queue_fulfilment(id, &ombud_app::Actor::Cli).await?;
            out_line(&format!("queued {queued} jobs for request {id}"))?;
            app.store().close().await;
            Ok(ExitCode::from(EXIT_OK))
        }
        JobsCommand::List { request } => {
            let app = open_app(&args.app).await?;
            match request {
                Some(id) => {
                    let id = parse_id(&id)?;
                    for job in app.store().jobs_for_request(id).await? {
                        out_line(&format!(
                            "{} {} {} attempts {}{}",
                            job.id,
                            job.dedupe_key,
                            job.state.as_str(),
                            job.attempts,
                            job.last_error.map(|e| format!(" — {e}")).unwrap_or_default()
                        ))?;
                    }
                }
                None => {
                    let counts = app.store().job_counts().await?;
                    for state in ombud_store::jobs::JobState::ALL {
                        out_line(&format!("{}: {}", state.as_str(), counts.get(state)))?;
                    }
                }
            }
            app.store().close().await;
            Ok(ExitCode::from(EXIT_OK))
        }
    }
}

pub(crate) async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}
