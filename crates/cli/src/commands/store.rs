//! `ombud migrate` and `ombud keys …`: creating and upgrading the store, and its keys.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::bail;
use clap::{Args, Subcommand};
use jiff::Timestamp;
use ombud_store::{MasterKey, Store, keys};

use super::EXIT_OK;
use crate::clock::now_ms;
use crate::config::{StoreArgs, master_key, open_store, store_url, write_key_file};
use crate::output::{err_line, out_line};

#[derive(Debug, Args)]
pub(crate) struct MigrateArgs {
    #[command(flatten)]
    store: StoreArgs,
}

pub(crate) async fn migrate(args: MigrateArgs) -> anyhow::Result<ExitCode> {
    let url = store_url(&args.store)?;
    let master = master_key(&args.store, &url, true)?;
    let applied = Store::migrate(&url, &master, now_ms()).await?;
    if applied.is_empty() {
        out_line(&format!("{url} is up to date"))?;
    } else {
        for migration in &applied {
            out_line(&format!("applied {migration}"))?;
        }
        out_line(&format!("{url} is ready"))?;
    }
    Ok(ExitCode::from(EXIT_OK))
}

#[derive(Debug, Args)]
pub(crate) struct KeysArgs {
    #[command(flatten)]
    store: StoreArgs,
    #[command(subcommand)]
    command: KeysCommand,
}

#[derive(Debug, Subcommand)]
enum KeysCommand {
    /// Write a new random master key to a file (readable by its owner only).
    Generate {
        /// The file to create; it must not exist.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// List the data keys of the store (ids, purposes, dates; never key material).
    List,
    /// Re-wrap every data key under a new master key (fast; no data is re-encrypted).
    RotateMaster {
        /// A file with the new master key (make one with `ombud keys generate`).
        #[arg(long, value_name = "FILE")]
        new_key_file: PathBuf,
    },
    /// Encrypt everything under a new data key, then retire the old ones.
    RotateData {
        /// Delete the retired keys: old backups of the store become unreadable.
        #[arg(long)]
        destroy_retired: bool,
    },
    /// Replace the blind-index key and recompute every index.
    RotateIndex,
}

pub(crate) async fn keys(args: KeysArgs) -> anyhow::Result<ExitCode> {
    match args.command {
        KeysCommand::Generate { out } => {
            let key = MasterKey::generate()?;
            write_key_file(&out, &key)?;
            out_line(&format!("wrote a new master key to {}", out.display()))?;
        }
        KeysCommand::List => {
            let (store, _) = open_store(&args.store).await?;
            for key in keys::list(&store).await? {
                let created = Timestamp::from_millisecond(key.created_at_ms)
                    .map(|t| t.to_string())
                    .unwrap_or_default();
                let state =
                    match key.retired_at_ms.and_then(|ms| Timestamp::from_millisecond(ms).ok()) {
                        Some(at) => format!("retired {at}"),
                        None => "live".to_owned(),
                    };
                out_line(&format!(
                    "{:>4}  {:<12} created {created}  {state}",
                    key.id,
                    key.purpose.id()
                ))?;
            }
            store.close().await;
        }
        KeysCommand::RotateMaster { new_key_file } => {
            let (store, old) = open_store(&args.store).await?;
            let text = std::fs::read_to_string(&new_key_file)?;
            let new = MasterKey::parse(&text)?;
            let count = keys::rotate_master(&store, &old, &new).await?;
            store.close().await;
            out_line(&format!("re-wrapped {count} keys under the new master key"))?;
            err_line(&format!(
                "the store now opens only with the key in {}: point OMBUD_MASTER_KEY or --master-key-file at it (for the embedded store, replace the .key file)",
                new_key_file.display()
            ));
        }
        KeysCommand::RotateData { destroy_retired } => {
            let (store, master) = open_store(&args.store).await?;
            let rotation =
                keys::rotate_data_key(&store, &master, now_ms(), destroy_retired).await?;
            store.close().await;
            out_line(&format!(
                "data key {} now encrypts; re-encrypted {} values; {} {:?}",
                rotation.new_key_id,
                rotation.reencrypted,
                if destroy_retired { "destroyed" } else { "retired" },
                if destroy_retired { rotation.destroyed } else { rotation.retired }
            ))?;
        }
        KeysCommand::RotateIndex => {
            let (store, master) = open_store(&args.store).await?;
            let count = keys::rotate_blind_index(&store, &master, now_ms()).await?;
            store.close().await;
            out_line(&format!("recomputed the blind indexes of {count} requests"))?;
        }
    }
    Ok(ExitCode::from(EXIT_OK))
}

#[derive(Debug, Args)]
pub(crate) struct AuditArgs {
    #[command(flatten)]
    store: StoreArgs,
    #[command(subcommand)]
    command: AuditCommand,
}

#[derive(Debug, Subcommand)]
enum AuditCommand {
    /// Walk the whole chain and report any edited, deleted, inserted or moved event.
    /// Exit 0 when intact, 1 when not.
    Verify {
        /// A checkpoint kept from an earlier `ombud audit head`, as SEQ:HEX: the chain must
        /// still contain that event with that hash (this catches a truncated log whose
        /// head row was rewritten too).
        #[arg(long, value_name = "SEQ:HEX")]
        expect_head: Option<String>,
    },
    /// Print the chain's head (SEQ:HEX), to keep somewhere else as a checkpoint.
    Head,
}

fn parse_head(text: &str) -> anyhow::Result<ombud_core::audit::Head> {
    let Some((seq, hex)) = text.split_once(':') else {
        bail!("write the checkpoint as SEQ:HEX, as `ombud audit head` prints it")
    };
    let seq: u64 =
        seq.trim().parse().map_err(|_| anyhow::anyhow!("`{seq}` is not a sequence number"))?;
    let hash = ombud_core::audit::from_hex(hex.trim())
        .ok_or_else(|| anyhow::anyhow!("the hash must be 64 hexadecimal characters"))?;
    Ok(ombud_core::audit::Head { seq, hash })
}

pub(crate) async fn audit(args: AuditArgs) -> anyhow::Result<ExitCode> {
    let (store, _) = open_store(&args.store).await?;
    let code = match args.command {
        AuditCommand::Head => {
            let mut tx = store.read().await?;
            match tx.audit_head().await? {
                Some(head) => {
                    out_line(&format!("{}:{}", head.seq, ombud_core::audit::to_hex(&head.hash)))?
                }
                None => bail!("the audit head row is missing; run `ombud audit verify`"),
            }
            drop(tx);
            ExitCode::from(EXIT_OK)
        }
        AuditCommand::Verify { expect_head } => {
            let expected = expect_head.as_deref().map(parse_head).transpose()?;
            let started = std::time::Instant::now();
            let report = store.verify_audit(expected).await?;
            let elapsed = started.elapsed();
            for finding in &report.findings {
                out_line(&format!("tampered: {finding}"))?;
            }
            if report.findings_total > u64::try_from(report.findings.len()).unwrap_or(0) {
                out_line(&format!(
                    "… and {} more findings",
                    report.findings_total - u64::try_from(report.findings.len()).unwrap_or(0)
                ))?;
            }
            let last = report
                .last_good
                .map(|h| {
                    format!(
                        "; last verified event {}:{}",
                        h.seq,
                        ombud_core::audit::to_hex(&h.hash)
                    )
                })
                .unwrap_or_default();
            if report.is_intact() {
                out_line(&format!(
                    "audit chain intact: {} events checked in {:.2} s{last}",
                    report.events_checked,
                    elapsed.as_secs_f64()
                ))?;
                ExitCode::from(EXIT_OK)
            } else {
                out_line(&format!(
                    "audit chain NOT intact: {} problem{} in {} events{last}",
                    report.findings_total,
                    if report.findings_total == 1 { "" } else { "s" },
                    report.events_checked
                ))?;
                ExitCode::from(super::EXIT_ERRORS)
            }
        }
    };
    store.close().await;
    Ok(code)
}
