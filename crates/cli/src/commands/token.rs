//! `ombud token create|list|revoke`: API tokens for the company's other systems.

use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Args, Subcommand};
use ombud_app::Actor;
use ombud_app::tokens::Scope;

use super::EXIT_OK;
use crate::config::{AppArgs, open_app};
use crate::output::{err_line, out_line};

#[derive(Debug, Args)]
pub(crate) struct TokenArgs {
    #[command(flatten)]
    app: AppArgs,
    #[command(subcommand)]
    command: TokenCommand,
}

#[derive(Debug, Subcommand)]
enum TokenCommand {
    /// Make a token; it is printed this once and kept only as a keyed hash.
    Create {
        /// What uses it ("ad server", "crm sync").
        #[arg(long)]
        name: String,
        /// decide, consent:read, consent:write, requests:read, requests:write or
        /// reports:read (repeatable).
        #[arg(long = "scope", required = true)]
        scopes: Vec<String>,
    },
    /// Every token: id, name, scopes, made, revoked.
    List,
    /// Revoke a token by its id: it stops working at once.
    Revoke {
        /// The token's id (from `list`).
        id: String,
    },
}

pub(crate) async fn token(args: TokenArgs) -> anyhow::Result<ExitCode> {
    let app = open_app(&args.app).await?;
    match args.command {
        TokenCommand::Create { name, scopes } => {
            let scopes = scopes.iter().map(|s| Scope::parse(s)).collect::<Result<Vec<_>, _>>()?;
            let (id, token) = app.create_api_token(&name, &scopes, &Actor::Cli).await?;
            out_line(token.expose())?;
            err_line(&format!(
                "token {id} made; it is shown only now: keep it in the using system's secrets"
            ));
        }
        TokenCommand::List => {
            for t in app.api_tokens().await? {
                let revoked =
                    t.revoked_at_ms.map_or(String::new(), |ms| format!(" revoked {}", when(ms)));
                out_line(&format!(
                    "{}  {}  [{}]  made {}{revoked}",
                    t.id,
                    t.name,
                    t.scopes,
                    when(t.created_at_ms)
                ))?;
            }
        }
        TokenCommand::Revoke { id } => {
            let id = ombud_core::id::Id::parse(&id)
                .context("a token id is 26 characters, as `ombud token list` prints")?;
            let revoked = app.revoke_api_token(id, &Actor::Cli).await?;
            out_line(if revoked { "revoked" } else { "no such token, or revoked already" })?;
        }
    }
    Ok(ExitCode::from(EXIT_OK))
}

fn when(at_ms: i64) -> String {
    jiff::Timestamp::from_millisecond(at_ms).map_or_else(|_| at_ms.to_string(), |t| t.to_string())
}
