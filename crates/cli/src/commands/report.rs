//! `ombud report …` (the records the law asks for) and `ombud mail send` (deliver what
//! is queued).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Args, Subcommand, ValueEnum};
use ombud_app::Actor;
use serde_json::json;

use super::EXIT_OK;
use crate::config::{AppArgs, open_app};
use crate::output::{err_line, out, out_line};

#[derive(Debug, Args)]
pub(crate) struct ReportArgs {
    #[command(flatten)]
    app: AppArgs,
    #[command(subcommand)]
    command: ReportCommand,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum MetricsFormat {
    /// A table for people.
    Text,
    /// CSV.
    Csv,
}

#[derive(Debug, Subcommand)]
enum ReportCommand {
    /// The record of every request and its response (11 CCR §7101), as CSV.
    Requests {
        /// The first day of receipt to include (YYYY-MM-DD). The law asks to keep 24 months.
        #[arg(long)]
        since: String,
        /// The day after the last day to include (default: tomorrow).
        #[arg(long)]
        until: Option<String>,
        /// Write to this file instead of standard output.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// The yearly figures of 11 CCR §7102 for CCPA requests.
    Metrics {
        /// The calendar year.
        #[arg(long)]
        year: i16,
        /// Output format.
        #[arg(long, value_enum, default_value_t = MetricsFormat::Text)]
        format: MetricsFormat,
    },
}

fn parse_date(text: &str) -> anyhow::Result<jiff::civil::Date> {
    text.parse().map_err(|_| anyhow::anyhow!("`{text}` is not a date; write YYYY-MM-DD"))
}

pub(crate) async fn report(args: ReportArgs) -> anyhow::Result<ExitCode> {
    let app = open_app(&args.app).await?;
    match args.command {
        ReportCommand::Requests { since, until, out: path } => {
            let since = parse_date(&since)?;
            let until = match until {
                Some(text) => parse_date(&text)?,
                None => {
                    let today =
                        app.settings().calendars.local_date(ombud_core::Law::Ccpa, app.now());
                    today.tomorrow().unwrap_or(today)
                }
            };
            let rows = app.request_records(since, until).await?;
            let mut buffer = Vec::new();
            app.write_records_csv(&rows, &mut buffer)?;
            // The export holds extension reasons staff wrote: record who took it.
            app.record_export("report.requests", &json!({ "since": since.to_string(), "until": until.to_string(), "rows": rows.len() }), &Actor::Cli).await?;
            match path {
                Some(path) => {
                    std::fs::write(&path, &buffer)
                        .with_context(|| format!("cannot write {}", path.display()))?;
                    err_line(&format!("wrote {} records to {}", rows.len(), path.display()));
                }
                None => out(&String::from_utf8_lossy(&buffer))?,
            }
        }
        ReportCommand::Metrics { year, format } => {
            let metrics = app.metrics(year).await?;
            match format {
                MetricsFormat::Text => out(&metrics.to_text())?,
                MetricsFormat::Csv => {
                    let mut buffer = Vec::new();
                    metrics.write_csv(&mut buffer)?;
                    out(&String::from_utf8_lossy(&buffer))?;
                }
            }
        }
    }
    app.store().close().await;
    Ok(ExitCode::from(EXIT_OK))
}

#[derive(Debug, Args)]
pub(crate) struct MailArgs {
    #[command(flatten)]
    app: AppArgs,
    #[command(subcommand)]
    command: MailCommand,
}

#[derive(Debug, Subcommand)]
enum MailCommand {
    /// Deliver the queued messages now (each failed one is retried up to 8 times).
    Send,
}

pub(crate) async fn mail(args: MailArgs) -> anyhow::Result<ExitCode> {
    let app = open_app(&args.app).await?;
    let MailCommand::Send = args.command;
    let report = app.deliver_pending().await?;
    for error in &report.errors {
        err_line(error);
    }
    out_line(&format!("sent {}, failed {}", report.sent, report.failed))?;
    app.store().close().await;
    Ok(ExitCode::from(if report.failed > 0 { super::EXIT_ERRORS } else { EXIT_OK }))
}
