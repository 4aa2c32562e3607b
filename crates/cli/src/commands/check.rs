//! `ombud check PROGRAM...`: parse, validate and lint; exit 0 clean, 1 errors, 2 unreadable.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use ombud_core::limits;
use ombud_program::{CheckOptions, Date, Severity};

use super::{EXIT_ERRORS, EXIT_OK, EXIT_UNREADABLE};
use crate::output::{err_line, out_line};
use crate::{clock, input};

#[derive(Debug, Args)]
pub(crate) struct CheckArgs {
    /// Manifest files to check.
    #[arg(required = true, value_name = "PROGRAM")]
    programs: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    format: OutputFormat,
    /// The date to check against (YYYY-MM-DD) instead of today, for reproducible runs.
    #[arg(long, value_parser = parse_date)]
    today: Option<Date>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum OutputFormat {
    /// `file:line:column: severity[code]: message`, for people.
    Text,
    /// One JSON document, for machines.
    Json,
}

pub(crate) fn parse_date(text: &str) -> Result<Date, String> {
    Date::parse(text).ok_or_else(|| format!("`{text}` is not a date; write YYYY-MM-DD"))
}

pub(crate) fn run(args: &CheckArgs) -> anyhow::Result<ExitCode> {
    if args.programs.len() > limits::CHECK_FILES_MAX {
        anyhow::bail!(
            "{} files given; check at most {} at a time",
            args.programs.len(),
            limits::CHECK_FILES_MAX
        );
    }
    let options = CheckOptions { today: args.today.or_else(clock::today_utc) };
    let mut errors = 0usize;
    let mut warnings = 0usize;
    let mut unreadable = 0usize;
    let mut json_files = Vec::new();
    for path in &args.programs {
        let file = path.display().to_string();
        let checked = input::read_manifest(path).map_err(|e| format!("{e:#}")).and_then(|bytes| {
            ombud_program::check(&bytes, &options).map_err(|e| format!("cannot read {file}: {e}"))
        });
        match checked {
            Err(message) => {
                unreadable += 1;
                match args.format {
                    OutputFormat::Text => out_line(&format!("{file}: error: {message}"))?,
                    OutputFormat::Json => json_files.push(serde_json::json!({
                        "file": file, "readable": false, "error": message, "diagnostics": [],
                    })),
                }
            }
            Ok(checked) => {
                for diagnostic in &checked.diagnostics {
                    match diagnostic.severity {
                        Severity::Error => errors += 1,
                        Severity::Warning => warnings += 1,
                        Severity::Info => {}
                    }
                }
                match args.format {
                    OutputFormat::Text => {
                        for diagnostic in &checked.diagnostics {
                            out_line(&diagnostic.render(&file))?;
                        }
                    }
                    OutputFormat::Json => json_files.push(serde_json::json!({
                        "file": file,
                        "readable": true,
                        "diagnostics": checked.diagnostics.iter().map(|d| d.to_json(&file)).collect::<Vec<_>>(),
                    })),
                }
            }
        }
    }
    match args.format {
        OutputFormat::Text => err_line(&format!(
            "checked {} file{}: {errors} error{}, {warnings} warning{}{}",
            args.programs.len(),
            plural(args.programs.len()),
            plural(errors),
            plural(warnings),
            if unreadable > 0 { format!(", {unreadable} unreadable") } else { String::new() }
        )),
        OutputFormat::Json => out_line(&serde_json::to_string_pretty(&serde_json::json!({
            "files": json_files, "errors": errors, "warnings": warnings, "unreadable": unreadable,
        }))?)?,
    }
    let code = if unreadable > 0 {
        EXIT_UNREADABLE
    } else if errors > 0 {
        EXIT_ERRORS
    } else {
        EXIT_OK
    };
    Ok(ExitCode::from(code))
}

fn plural(count: usize) -> &'static str {
    if count == 1 { "" } else { "s" }
}
