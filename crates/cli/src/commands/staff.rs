//! `ombud staff add|list|disable|password`: the staff accounts of the staff pages. `add`
//! is how the first admin is made; a generated password is printed this once and kept
//! only as an Argon2id hash. A password given on standard input (`--password-stdin`)
//! stays out of the shell's history and the process list.

use std::io::Read as _;
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use clap::{Args, Subcommand};
use ombud_app::Actor;
use ombud_app::staff::{PASSWORD_BYTES_MAX, StaffRole};
use zeroize::Zeroizing;

use super::EXIT_OK;
use crate::config::{AppArgs, open_app};
use crate::output::{err_line, out_line};

#[derive(Debug, Args)]
pub(crate) struct StaffArgs {
    #[command(flatten)]
    app: AppArgs,
    #[command(subcommand)]
    command: StaffCommand,
}

#[derive(Debug, Subcommand)]
enum StaffCommand {
    /// Make an account; without --password-stdin a password is generated and printed
    /// this once.
    Add {
        /// The login name: letters, digits, '.', '_' or '-'.
        #[arg(long)]
        username: String,
        /// admin (everything), agent (works requests) or auditor (reads only).
        #[arg(long)]
        role: String,
        /// Read the password (at least 12 characters) from standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Every account: username, role, made, disabled.
    List,
    /// Disable an account; its sessions end at once.
    Disable {
        /// The username.
        username: String,
    },
    /// Set a new password (generated and printed once, or from standard input); the
    /// account's sessions end.
    Password {
        /// The username.
        username: String,
        /// Read the password from standard input.
        #[arg(long)]
        password_stdin: bool,
    },
}

/// The password on standard input, without its line ending.
fn read_password() -> anyhow::Result<Zeroizing<String>> {
    let mut text = Zeroizing::new(String::new());
    std::io::stdin()
        .take(u64::try_from(PASSWORD_BYTES_MAX + 2).unwrap_or(u64::MAX))
        .read_to_string(&mut text)
        .context("cannot read the password from standard input (it must be UTF-8)")?;
    let trimmed = Zeroizing::new(text.trim_end_matches(['\r', '\n']).to_owned());
    if trimmed.len() > PASSWORD_BYTES_MAX {
        bail!("the password is longer than {PASSWORD_BYTES_MAX} bytes");
    }
    Ok(trimmed)
}

pub(crate) async fn staff(args: StaffArgs) -> anyhow::Result<ExitCode> {
    let app = open_app(&args.app).await?;
    match args.command {
        StaffCommand::Add { username, role, password_stdin } => {
            let role = StaffRole::parse(&role)?;
            let given = if password_stdin { Some(read_password()?) } else { None };
            let (account, generated) = app
                .create_staff(&username, role, given.as_deref().map(String::as_str), &Actor::Cli)
                .await?;
            match generated {
                Some(password) => {
                    out_line(password.expose())?;
                    err_line(&format!(
                        "staff user {} ({}) made; the password above is shown only now",
                        account.username,
                        account.role.id()
                    ));
                }
                None => err_line(&format!(
                    "staff user {} ({}) made",
                    account.username,
                    account.role.id()
                )),
            }
        }
        StaffCommand::List => {
            for account in app.staff_accounts().await? {
                let disabled = account
                    .disabled_at_ms
                    .map_or(String::new(), |ms| format!(" disabled {}", when(ms)));
                out_line(&format!(
                    "{}  {}  made {}{disabled}",
                    account.username,
                    account.role.id(),
                    when(account.created_at_ms)
                ))?;
            }
        }
        StaffCommand::Disable { username } => {
            let disabled = app.disable_staff(&username, &Actor::Cli).await?;
            out_line(if disabled { "disabled" } else { "disabled already" })?;
        }
        StaffCommand::Password { username, password_stdin } => {
            let given = if password_stdin { Some(read_password()?) } else { None };
            let generated = app
                .reset_staff_password(&username, given.as_deref().map(String::as_str), &Actor::Cli)
                .await?;
            match generated {
                Some(password) => {
                    out_line(password.expose())?;
                    err_line(
                        "password set; it is shown only now, and the account's sessions ended",
                    );
                }
                None => err_line("password set; the account's sessions ended"),
            }
        }
    }
    Ok(ExitCode::from(EXIT_OK))
}

fn when(at_ms: i64) -> String {
    jiff::Timestamp::from_millisecond(at_ms).map_or_else(|_| at_ms.to_string(), |t| t.to_string())
}
