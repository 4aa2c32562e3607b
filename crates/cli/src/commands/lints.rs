//! `ombud lints`: the lint registry as a table.

use std::process::ExitCode;

pub(crate) fn run() -> anyhow::Result<ExitCode> {
    for lint in ombud_program::lint::LINTS {
        println!("{}  {:<7}  {}", lint.code, lint.severity.as_str(), lint.name);
        println!("       {}", lint.summary);
        println!("       law: {}", lint.citation);
    }
    Ok(ExitCode::SUCCESS)
}
