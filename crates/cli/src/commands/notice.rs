//! `ombud notice PROGRAM --law ccpa|gdpr [--format md|html] [--out FILE]` renders the
//! notice; `ombud notice diff OLD NEW` says in plain words what changed between versions.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Args, Subcommand, ValueEnum};
use ombud_program::notice::{Format, NoticeLaw};
use ombud_program::{CheckOptions, LoadError, Program};

use super::EXIT_ERRORS;
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
        print!("{}", ombud_program::diff::render_changes(&old_program, &new_program, &changes));
        return Ok(ExitCode::SUCCESS);
    }
    let (Some(path), Some(law)) = (&args.program, args.law) else {
        anyhow::bail!("give a PROGRAM and `--law ccpa|gdpr`, or use `ombud notice diff OLD NEW`");
    };
    let Some(program) = load(path)? else { return Ok(ExitCode::from(EXIT_ERRORS)) };
    let law = match law {
        LawArg::Ccpa => NoticeLaw::Ccpa,
        LawArg::Gdpr => NoticeLaw::Gdpr,
    };
    let format = match args.format {
        FormatArg::Md => Format::Markdown,
        FormatArg::Html => Format::Html,
    };
    let document = ombud_program::notice::render(&program, law, format);
    match &args.out {
        None => print!("{document}"),
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
                eprintln!("{}", warning.render(&file));
            }
            Ok(Some(program))
        }
        Err(LoadError::Unreadable(unreadable)) => {
            anyhow::bail!("cannot read {file}: {unreadable}");
        }
        Err(LoadError::Invalid(diagnostics)) => {
            for diagnostic in diagnostics {
                eprintln!("{}", diagnostic.render(&file));
            }
            eprintln!(
                "error: {file} has errors; fix them (see `ombud check {file}`) before rendering"
            );
            Ok(None)
        }
    }
}

/// Writes next to the target and renames, so a failed run never leaves half a notice.
fn write_atomically(path: &Path, text: &str) -> anyhow::Result<()> {
    let file_name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let temporary = path.with_file_name(format!(".{file_name}.ombud-tmp"));
    std::fs::write(&temporary, text)
        .with_context(|| format!("cannot write {}", temporary.display()))?;
    std::fs::rename(&temporary, path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}
