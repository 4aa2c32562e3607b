//! `ombud lints`: the lint registry as a table.

use std::process::ExitCode;

pub(crate) fn run() -> anyhow::Result<ExitCode> {
    let mut text = String::new();
    for lint in ombud_program::lint::LINTS {
        text.push_str(&format!("{}  {:<7}  {}\n", lint.code, lint.severity.as_str(), lint.name));
        text.push_str(&format!("       {}\n", lint.summary));
        text.push_str(&format!("       law: {}\n", lint.citation));
    }
    crate::output::out(&text)?;
    Ok(ExitCode::SUCCESS)
}
