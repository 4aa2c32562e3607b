//! `ombud systems`: start a manifest from a real schema (`discover`), from a Fides
//! dataset (`import-fides`), and check a manifest's system against its live database
//! (`check`: missing tables and columns, lookups without an index).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use clap::{Args, Subcommand};
use ombud_core::limits::FIDES_DATASET_BYTES_MAX;

use super::{EXIT_ERRORS, EXIT_OK};
use crate::config::{AppArgs, load_program};
use crate::output::{err_line, out, out_line};

#[derive(Debug, Args)]
pub(crate) struct SystemsArgs {
    #[command(subcommand)]
    command: SystemsCommand,
}

#[derive(Debug, Subcommand)]
enum SystemsCommand {
    /// Read a database's live schema and print the manifest annotations it suggests.
    Discover {
        #[command(flatten)]
        app: AppArgs,
        /// The system (a database of the program, or a new id when --url is given).
        #[arg(long)]
        system: String,
        /// Connect here instead of the system's configured URL.
        #[arg(long, value_name = "URL")]
        url: Option<String>,
    },
    /// Turn a Fides (fideslang) dataset YAML into manifest annotations.
    ImportFides {
        /// The dataset file.
        file: PathBuf,
        /// The privacy program whose categories to map to (optional).
        #[arg(long, value_name = "PROGRAM")]
        program: Option<PathBuf>,
        /// The system id to give the annotations.
        #[arg(long)]
        system: String,
    },
    /// Check a system of the manifest against its live database.
    Check {
        #[command(flatten)]
        app: AppArgs,
        /// The system.
        #[arg(long)]
        system: String,
    },
}

/// The URL of a system: `--url`, else `--connect`, else the manifest's variable.
fn system_url(
    app: &AppArgs,
    program: Option<&ombud_program::Program>,
    system: &str,
    url: Option<&str>,
) -> anyhow::Result<String> {
    if let Some(url) = url {
        return Ok(url.to_owned());
    }
    for item in &app.connect {
        if let Some((name, url)) = item.split_once('=')
            && name.trim() == system
        {
            return Ok(url.trim().to_owned());
        }
    }
    let Some(program) = program else {
        bail!("give the database with --url URL, or --program and --connect {system}=URL");
    };
    let variable = program.systems.iter().find(|s| s.id == system).and_then(|s| match &s.kind {
        ombud_program::model::SystemKind::Database { connection_env, .. } => connection_env.clone(),
        ombud_program::model::SystemKind::ServiceProvider { .. } => None,
    });
    match variable {
        Some(name) => crate::config::env_value(&name).with_context(|| {
            format!(
                "set {name} to the connection URL of `{system}`, or pass --connect {system}=URL"
            )
        }),
        None => {
            bail!("the program has no database system `{system}` with a connection; pass --url URL")
        }
    }
}

pub(crate) async fn systems(args: SystemsArgs) -> anyhow::Result<ExitCode> {
    match args.command {
        SystemsCommand::Discover { app, system, url } => {
            let program = app.program.as_deref().map(load_program).transpose()?;
            let url = system_url(&app, program.as_ref(), &system, url.as_deref())?;
            let connector = ombud_connect::Connector::connect(
                &system,
                &url,
                ombud_connect::ConnectorOptions::default(),
            )
            .await?;
            let schema = connector.discover().await?;
            let proposal = ombud_program::live::propose(&schema, program.as_ref(), &system);
            out(&proposal.yaml)?;
            for note in proposal.notes {
                err_line(&format!("note: {note}"));
            }
            Ok(ExitCode::from(EXIT_OK))
        }
        SystemsCommand::ImportFides { file, program, system } => {
            let program = program.as_deref().map(load_program).transpose()?;
            let size = std::fs::metadata(&file)
                .with_context(|| format!("cannot read {}", file.display()))?
                .len();
            if size > u64::try_from(FIDES_DATASET_BYTES_MAX).unwrap_or(u64::MAX) {
                bail!(
                    "{} is {size} bytes; a dataset larger than {FIDES_DATASET_BYTES_MAX} bytes is refused — split it",
                    file.display()
                );
            }
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("cannot read {} as UTF-8 text", file.display()))?;
            let proposal = ombud_program::fides::import_fides(&text, program.as_ref(), &system)
                .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
            out(&proposal.yaml)?;
            for note in proposal.notes {
                err_line(&format!("note: {note}"));
            }
            Ok(ExitCode::from(EXIT_OK))
        }
        SystemsCommand::Check { app, system } => {
            let Some(path) = app.program.clone() else {
                bail!("give the privacy program with --program FILE (or OMBUD_PROGRAM)");
            };
            let program = load_program(&path)?;
            let url = system_url(&app, Some(&program), &system, None)?;
            let connector = ombud_connect::Connector::connect(
                &system,
                &url,
                ombud_connect::ConnectorOptions::default(),
            )
            .await?;
            let schema = connector.discover().await?;
            let diagnostics = ombud_program::live::check_system(&program, &system, &schema);
            let file = path.display().to_string();
            for diagnostic in &diagnostics {
                out_line(&diagnostic.render(&file))?;
            }
            let errors =
                diagnostics.iter().filter(|d| d.severity == ombud_program::Severity::Error).count();
            if diagnostics.is_empty() {
                out_line(&format!("system `{system}` matches its database"))?;
            }
            Ok(ExitCode::from(if errors > 0 { EXIT_ERRORS } else { EXIT_OK }))
        }
    }
}
