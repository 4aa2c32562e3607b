//! `ombud notice PROGRAM --law ccpa|gdpr [--format md|html] [--out FILE]` renders the
//! notice; `ombud notice diff OLD NEW` says in plain words what changed between versions.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Args, Subcommand, ValueEnum};
use ombud_core::Law;
use ombud_program::notice::{Format, NoticeLaw};
use ombud_program::{CheckOptions, LoadError, Program};

use super::EXIT_ERRORS;
use crate::output::{err_line, out};
use crate::{clock, input};

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub(crate) struct NoticeArgs {
    #[command(subcommand)]
    command: Option<NoticeCommand>,
    /// The manifest to render.
    #[arg(value_name = "PROGRAM", required = true)]
    program: Option<PathBuf>,
    /// Which law's notice to render.
    #[arg(long, value_enum, required = true)]
    law: Option<LawArg>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = FormatArg::Md)]
    format: FormatArg,
    /// Write to this file instead of standard output.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
enum NoticeCommand {
    /// Say what changed between two versions of a program.
    Diff {
        /// The version people were last told about.
        old: PathBuf,
        /// The new version.
        new: PathBuf,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum LawArg {
    /// California (CCPA/CPRA, with CalOPPA items).
    Ccpa,
    /// EU GDPR (Art 13/14 information).
    Gdpr,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum FormatArg {
    /// Markdown.
    Md,
    /// One self-contained HTML page.
    Html,
}

pub(crate) fn run(args: &NoticeArgs) -> anyhow::Result<ExitCode> {
    if let Some(NoticeCommand::Diff { old, new }) = &args.command {
        let Some(old_program) = load(old)? else { return Ok(ExitCode::from(EXIT_ERRORS)) };
        let Some(new_program) = load(new)? else { return Ok(ExitCode::from(EXIT_ERRORS)) };
        let changes = ombud_program::diff::diff(&old_program, &new_program);
        out(&ombud_program::diff::render_changes(&old_program, &new_program, &changes))?;
        return Ok(ExitCode::SUCCESS);
    }
    let (Some(path), Some(law)) = (&args.program, args.law) else {
        anyhow::bail!("give a PROGRAM and `--law ccpa|gdpr`, or use `ombud notice diff OLD NEW`");
    };
    let Some(program) = load(path)? else { return Ok(ExitCode::from(EXIT_ERRORS)) };
    let (law, law_id) = match law {
        LawArg::Ccpa => (NoticeLaw::Ccpa, Law::Ccpa),
        LawArg::Gdpr => (NoticeLaw::Gdpr, Law::Gdpr),
    };
    // A notice for a law the program is not written for would state rights and bases
    // that no lint ever checked: refuse rather than publish it.
    if !program.covers(law_id) {
        let declared: Vec<String> = program.jurisdictions.iter().map(ToString::to_string).collect();
        err_line(&format!(
            "error: {} is not written for `{law_id}` (its jurisdictions: {}); add `{law_id}` to `jurisdictions:` and check it first",
            path.display(),
            declared.join(", ")
        ));
        return Ok(ExitCode::from(EXIT_ERRORS));
    }
    let format = match args.format {
        FormatArg::Md => Format::Markdown,
        FormatArg::Html => Format::Html,
    };
    let document = ombud_program::notice::render(&program, law, format);
    match &args.out {
        None => out(&document)?,
        Some(out) => write_atomically(out, &document)?,
    }
    Ok(ExitCode::SUCCESS)
}

/// Loads a program; prints its diagnostics to stderr. `Ok(None)` when it has errors.
fn load(path: &Path) -> anyhow::Result<Option<Program>> {
    let bytes = input::read_manifest(path)?;
    let file = path.display().to_string();
    match ombud_program::load(&bytes, &CheckOptions { today: clock::today_utc() }) {
        Ok((program, warnings)) => {
            for warning in warnings {
                err_line(&warning.render(&file));
            }
            Ok(Some(program))
        }
        Err(LoadError::Unreadable(unreadable)) => {
            anyhow::bail!("cannot read {file}: {unreadable}");
        }
        Err(LoadError::Invalid(diagnostics)) => {
            for diagnostic in diagnostics {
                err_line(&diagnostic.render(&file));
            }
            err_line(&format!(
                "error: {file} has errors; fix them (see `ombud check {file}`) before rendering"
            ));
            Ok(None)
        }
    }
}

/// Writes next to the target and renames, so a failed run never leaves half a notice.
/// The temporary file is created fresh (never through an existing file or link) and
/// removed if anything fails.
fn write_atomically(path: &Path, text: &str) -> anyhow::Result<()> {
    use std::io::Write as _;
    let file_name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let temporary = path.with_file_name(format!(".{file_name}.{}.ombud-tmp", std::process::id()));
    let written = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&temporary)
        .and_then(|mut file| {
            file.write_all(text.as_bytes())?;
            file.sync_all()
        })
        .and_then(|()| std::fs::rename(&temporary, path));
    if let Err(error) = written {
        let _ = std::fs::remove_file(&temporary);
        return Err(error).with_context(|| format!("cannot write {}", path.display()));
    }
    Ok(())
}
