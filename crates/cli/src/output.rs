//! Writing to standard output and error without panicking.
//!
//! `print!` panics when the reader goes away (`ombud notice … | head`) or the disk is
//! full (`> /dev/full`). Here a closed pipe ends the output quietly — the reader has
//! what it wanted — and any other failure becomes an error the command reports.

use std::io::{ErrorKind, Write as _};

use anyhow::Context as _;

/// Writes `text` to standard output.
pub(crate) fn out(text: &str) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush()) {
        Err(error) if error.kind() == ErrorKind::BrokenPipe => Ok(()),
        result => result.context("cannot write to standard output"),
    }
}

/// Writes `text` and a newline to standard output.
pub(crate) fn out_line(text: &str) -> anyhow::Result<()> {
    out(&format!("{text}\n"))
}

/// Writes a line to standard error; if even that fails there is no one left to tell.
pub(crate) fn err_line(text: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{text}");
}
