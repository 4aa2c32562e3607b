//! `cargo xtask tidy`: run the tidy checks and print what needs a look.
#![allow(clippy::print_stdout, clippy::print_stderr)] // A command-line tool.

use std::process::ExitCode;

fn main() -> ExitCode {
    match std::env::args().nth(1).as_deref() {
        Some("tidy") => {
            let problems = xtask::tidy(&xtask::workspace_root());
            for problem in &problems {
                println!("{problem}");
            }
            if problems.is_empty() {
                println!("tidy: all good");
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        _ => {
            eprintln!("usage: cargo xtask tidy");
            ExitCode::from(2)
        }
    }
}
