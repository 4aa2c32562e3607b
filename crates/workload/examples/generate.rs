//! Generates the reference workload and prints how long it took, for the measurements
//! in docs/workload.md: `cargo run --release -p ombud-workload --example generate --
//! URL CUSTOMERS [SEED] [--replace]`. The CLI's `ombud demo-data` is the way users run it.

// A measuring tool prints its measurements.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::process::ExitCode;

use ombud_workload::{Progress, Workload, generate_with_progress};

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let replace = args.iter().any(|a| a == "--replace");
    let positional: Vec<&String> = args.iter().filter(|a| !a.starts_with("--")).collect();
    let (Some(url), Some(customers)) =
        (positional.first(), positional.get(1).and_then(|n| n.parse().ok()))
    else {
        eprintln!("usage: generate URL CUSTOMERS [SEED] [--replace]");
        return ExitCode::from(2);
    };
    let seed = positional.get(2).and_then(|s| s.parse().ok()).unwrap_or(1);
    let started = std::time::Instant::now();
    let mut report = |event: Progress| match event {
        Progress::Loading { .. } => {}
        other => println!("{:>8.1} s  {other:?}", started.elapsed().as_secs_f64()),
    };
    match generate_with_progress(url, &Workload { customers, seed, replace }, &mut report).await {
        Ok(summary) => {
            let total: u64 = summary.rows_per_table.iter().map(|(_, n)| n).sum();
            for (table, rows) in &summary.rows_per_table {
                println!("{table:>24} {rows:>12}");
            }
            println!("{:>24} {total:>12}", "total");
            println!(
                "{customers} customers, {total} rows in {:.1} s",
                summary.elapsed_ms as f64 / 1000.0
            );
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}
