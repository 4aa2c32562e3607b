//! `ombud fulfil` (plan, count, and carry out a verified request in the company's
//! databases), `ombud package` (download and purge access packages) and
//! `ombud erasure` (receipts, and replay after a restore, R-093).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use clap::{Args, Subcommand, ValueEnum};
use ombud_app::Actor;
use ombud_app::fulfil::collect::Identity;
use ombud_app::fulfil::{Correction, ReceiptDoc};
use ombud_core::IdentityKind;
use ombud_core::Reference as _;
use ombud_core::limits::IDENTITY_VALUE_BYTES_MAX;
use ombud_core::sensitive::Sensitive;

use super::request::parse_id;
use super::{EXIT_ERRORS, EXIT_OK};
use crate::config::{AppArgs, open_app, open_app_with_systems};
use crate::output::{err_line, out_line};

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum FulfilType {
    /// A copy of the person's data (also know and portability).
    Access,
    /// Erasure.
    Delete,
    /// Correction.
    Correct,
}

#[derive(Debug, Args)]
pub(crate) struct FulfilArgs {
    #[command(flatten)]
    app: AppArgs,
    /// The verified request to fulfil.
    #[arg(long, value_name = "ID", conflicts_with_all = ["identity", "kind"])]
    request: Option<String>,
    /// With --dry-run: the kind of request to plan.
    #[arg(long = "type", value_enum, value_name = "TYPE", requires = "identity")]
    kind: Option<FulfilType>,
    /// With --dry-run: who to look for, as KIND=VALUE (email=…, phone=…, customer_id=…; repeatable).
    #[arg(long, value_name = "KIND=VALUE")]
    identity: Vec<String>,
    /// Print the plan and the rows it would touch per table; change nothing.
    #[arg(long)]
    dry_run: bool,
    /// For a request to correct: SYSTEM.TABLE.COLUMN=VALUE (repeatable).
    #[arg(long = "set", value_name = "SYSTEM.TABLE.COLUMN=VALUE")]
    set: Vec<String>,
    /// With --request: say only whether the value the person gives matches what is
    /// held, never what is held, as SYSTEM.TABLE.COLUMN=VALUE.
    #[arg(long, value_name = "SYSTEM.TABLE.COLUMN=VALUE", conflicts_with_all = ["set", "dry_run"])]
    confirm: Option<String>,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

fn parse_identity(text: &str) -> anyhow::Result<Identity> {
    let Some((kind, value)) = text.split_once('=') else {
        bail!("--identity takes KIND=VALUE, for example --identity email=avery@example.com");
    };
    let Some(kind) = IdentityKind::from_id(kind.trim()) else {
        bail!(
            "`{}` is not an identity kind; use one of {}",
            kind.trim(),
            IdentityKind::ids().join(", ")
        );
    };
    if value.len() > IDENTITY_VALUE_BYTES_MAX {
        bail!(
            "the {} given is longer than {IDENTITY_VALUE_BYTES_MAX} bytes; no identity is that long",
            kind.id()
        );
    }
    if value.trim().is_empty() {
        bail!("the {} given is empty", kind.id());
    }
    Ok(Identity { kind, value: Sensitive::new(value.to_owned()) })
}

fn parse_correction(text: &str) -> anyhow::Result<Correction> {
    let Some((path, value)) = text.split_once('=') else {
        bail!("--set takes SYSTEM.TABLE.COLUMN=VALUE");
    };
    let mut parts = path.splitn(3, '.');
    let (Some(system), Some(table), Some(column)) = (parts.next(), parts.next(), parts.next())
    else {
        bail!("--set takes SYSTEM.TABLE.COLUMN=VALUE; `{path}` has fewer than three parts");
    };
    Ok(Correction {
        system: system.to_owned(),
        table: table.to_owned(),
        column: column.to_owned(),
        value: Sensitive::new(value.to_owned()),
    })
}

pub(crate) async fn fulfil(args: FulfilArgs) -> anyhow::Result<ExitCode> {
    let app = open_app_with_systems(&args.app).await?;
    let actor = Actor::Cli;
    let result = fulfil_inner(&app, &args, &actor).await;
    if let Err(error) = app.deliver_pending().await {
        err_line(&format!("warning: messages not delivered: {error}"));
    }
    app.store().close().await;
    result
}

async fn fulfil_inner(
    app: &ombud_app::App,
    args: &FulfilArgs,
    actor: &Actor,
) -> anyhow::Result<ExitCode> {
    if args.dry_run {
        if args.request.is_some() {
            bail!(
                "--dry-run plans from --identity; to see a request's plan, pass its identity with --identity"
            );
        }
        if args.identity.is_empty() {
            bail!("--dry-run needs who to look for: --identity email=…");
        }
        let identities: Vec<Identity> =
            args.identity.iter().map(|t| parse_identity(t)).collect::<anyhow::Result<_>>()?;
        let runs = app.dry_run(&identities).await?;
        if args.json {
            out_line(&serde_json::to_string_pretty(&runs)?)?;
        } else {
            let kind = args.kind.unwrap_or(FulfilType::Access);
            for run in &runs {
                out_line(run.plan.trim_end())?;
                match &run.error {
                    Some(error) => out_line(&format!("  not read: {error}"))?,
                    None => {
                        out_line("  rows found:")?;
                        for table in &run.tables {
                            let action = match kind {
                                FulfilType::Delete => format!(" ({})", table.action),
                                _ => String::new(),
                            };
                            out_line(&format!("    {}: {}{action}", table.table, table.rows))?;
                        }
                    }
                }
            }
        }
        let failed = runs.iter().any(|r| r.error.is_some());
        return Ok(if failed { ExitCode::from(EXIT_ERRORS) } else { ExitCode::from(EXIT_OK) });
    }
    let Some(request) = &args.request else {
        bail!(
            "fulfilment acts on a verified request: pass --request ID, or --dry-run --identity KIND=VALUE to see the plan"
        );
    };
    let id = parse_id(request)?;
    if let Some(confirm) = &args.confirm {
        let c = parse_correction(confirm)?;
        let matches =
            app.confirm_value(id, &c.system, &c.table, &c.column, &c.value, actor).await?;
        out_line(if matches { "matches what is held" } else { "does not match what is held" })?;
        return Ok(ExitCode::from(if matches { EXIT_OK } else { EXIT_ERRORS }));
    }
    let record = app.show(id, false, actor).await?;
    match record.record.request.effective_type {
        ombud_core::RequestType::Access
        | ombud_core::RequestType::Know
        | ombud_core::RequestType::Portability => {
            let ready = app.build_package(id, actor).await?;
            if args.json {
                out_line(
                    &serde_json::json!({
                        "package": ready.info.id.to_string(),
                        "kind": ready.info.kind,
                        "rows": ready.info.rows_included,
                        "bytes": ready.info.size_bytes,
                        "sha256": ready.info.sha256_hex,
                        "download_token": ready.link_token.expose(),
                    })
                    .to_string(),
                )?;
            } else {
                out_line(&format!(
                    "package {} ({}, {} rows, {} bytes, sha256 {})",
                    ready.info.id,
                    ready.info.kind,
                    ready.info.rows_included,
                    ready.info.size_bytes,
                    ready.info.sha256_hex
                ))?;
                out_line(&format!("download token (shown once): {}", ready.link_token.expose()))?;
                out_line(&format!(
                    "the person downloads it with: ombud package download {}",
                    ready.link_token.expose()
                ))?;
            }
        }
        ombud_core::RequestType::Delete => {
            let systems = app.erase(id, actor).await?;
            if args.json {
                out_line(&serde_json::to_string_pretty(&systems)?)?;
            } else {
                for system in systems {
                    let note = if system.already_done { " (done before)" } else { "" };
                    out_line(&format!("system {}{note}", system.system))?;
                    for table in system.tables {
                        let kept = if !table.exceptions.is_empty() {
                            format!(
                                ", {} kept under {}",
                                table.rows_left,
                                table.exceptions.join(" / ")
                            )
                        } else if table.rows_left > 0 {
                            format!(", {} left", table.rows_left)
                        } else {
                            String::new()
                        };
                        out_line(&format!(
                            "  {}: {} {}{kept}",
                            table.table, table.action, table.rows_touched
                        ))?;
                    }
                }
            }
        }
        ombud_core::RequestType::Correct => {
            if args.set.is_empty() {
                bail!(
                    "a request to correct needs the corrected fields: --set SYSTEM.TABLE.COLUMN=VALUE"
                );
            }
            let corrections: Vec<Correction> =
                args.set.iter().map(|t| parse_correction(t)).collect::<anyhow::Result<_>>()?;
            for (system, table, column, rows) in app.correct(id, &corrections, actor).await? {
                out_line(&format!("{system}.{table}.{column}: {rows} rows corrected"))?;
            }
        }
        other => bail!(
            "request {id} is a `{}` request; fulfil handles access, know, portability, delete and correct",
            other.id()
        ),
    }
    Ok(ExitCode::from(EXIT_OK))
}

#[derive(Debug, Args)]
pub(crate) struct PackageArgs {
    #[command(flatten)]
    app: AppArgs,
    #[command(subcommand)]
    command: PackageCommand,
}

#[derive(Debug, Subcommand)]
enum PackageCommand {
    /// Download an access package by its link token (the download is audited).
    Download {
        /// The token printed when the package was made.
        token: String,
        /// Where to write the zip (must not exist).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Purge the content of packages whose time has come.
    Purge,
}

pub(crate) async fn package(args: PackageArgs) -> anyhow::Result<ExitCode> {
    let app = open_app(&args.app).await?;
    match args.command {
        PackageCommand::Download { token, out } => {
            let (info, zip) = app.open_package_link(&token).await?;
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt as _;
                options.mode(0o600);
            }
            let mut file = options.open(&out).with_context(|| {
                format!("cannot create {} (it must not exist yet)", out.display())
            })?;
            std::io::Write::write_all(&mut file, &zip)
                .with_context(|| format!("cannot write {}", out.display()))?;
            out_line(&format!(
                "wrote {} ({} bytes, sha256 {})",
                out.display(),
                info.size_bytes,
                info.sha256_hex
            ))?;
        }
        PackageCommand::Purge => {
            let purged = app.purge_packages().await?;
            out_line(&format!("purged {purged} packages"))?;
        }
    }
    app.store().close().await;
    Ok(ExitCode::from(EXIT_OK))
}

#[derive(Debug, Args)]
pub(crate) struct ErasureArgs {
    #[command(flatten)]
    app: AppArgs,
    #[command(subcommand)]
    command: ErasureCommand,
}

#[derive(Debug, Subcommand)]
enum ErasureCommand {
    /// Apply every recorded erasure again, after a database was restored from a backup.
    Replay,
    /// The erasure receipts of a request: tables, rows, keyed hashes of keys — never values.
    Receipts {
        /// The request.
        id: String,
        /// Print the receipts as JSON.
        #[arg(long)]
        json: bool,
    },
}

pub(crate) async fn erasure(args: ErasureArgs) -> anyhow::Result<ExitCode> {
    match args.command {
        ErasureCommand::Replay => {
            let app = open_app_with_systems(&args.app).await?;
            let summary = app.replay_erasures(&Actor::Cli).await?;
            out_line(&format!(
                "replayed {} tombstones: {} rows erased again{}",
                summary.tombstones,
                summary.rows_touched,
                if summary.skipped.is_empty() {
                    String::new()
                } else {
                    format!("; skipped systems: {}", summary.skipped.join(", "))
                }
            ))?;
            app.store().close().await;
        }
        ErasureCommand::Receipts { id, json } => {
            let app = open_app(&args.app).await?;
            let id = parse_id(&id)?;
            let receipts = {
                let mut tx = app.store().read().await?;
                tx.receipts(id).await?
            };
            for receipt in receipts {
                if json {
                    out_line(&receipt.receipt_json)?;
                    continue;
                }
                let state = if receipt.committed { "committed" } else { "pending" };
                out_line(&format!(
                    "system {} ({state}, {} rows)",
                    receipt.system_id, receipt.rows_touched
                ))?;
                if let Ok(doc) = serde_json::from_str::<ReceiptDoc>(&receipt.receipt_json) {
                    for table in doc.tables {
                        out_line(&format!(
                            "  {}: {} {} ({} keys hashed){}",
                            table.table,
                            table.action,
                            table.rows_touched,
                            table.key_hashes.len(),
                            if table.exceptions.is_empty() {
                                String::new()
                            } else {
                                format!(", kept under {}", table.exceptions.join(" / "))
                            }
                        ))?;
                    }
                }
            }
            app.store().close().await;
        }
    }
    Ok(ExitCode::from(EXIT_OK))
}
