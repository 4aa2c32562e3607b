//! `ombud`: the command line. Glue only — argv, files, exit codes and the clock live
//! here; every rule lives in a library crate (STYLE.md §4.1).

mod clock;
mod commands;
mod input;
mod output;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// ombud runs a company's privacy program as code.
#[derive(Debug, Parser)]
#[command(name = "ombud", version, about, long_about = None, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Validate and lint privacy programs against the law and themselves.
    Check(commands::check::CheckArgs),
    /// Render a program's privacy notice, or compare two versions of a program.
    Notice(commands::notice::NoticeArgs),
    /// Print the JSON Schema of the manifest format, for editors.
    Schema,
    /// List every lint with its code, severity and legal source.
    Lints,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Check(args) => commands::check::run(&args),
        Command::Notice(args) => commands::notice::run(&args),
        Command::Schema => commands::schema::run(),
        Command::Lints => commands::lints::run(),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            output::err_line(&format!("error: {error:#}"));
            ExitCode::from(commands::EXIT_UNREADABLE)
        }
    }
}
