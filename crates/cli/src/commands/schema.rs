//! `ombud schema`: the manifest's JSON Schema on stdout.

use std::process::ExitCode;

pub(crate) fn run() -> anyhow::Result<ExitCode> {
    crate::output::out(&ombud_program::schema::json_schema())?;
    Ok(ExitCode::SUCCESS)
}
