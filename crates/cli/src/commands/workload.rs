//! `ombud demo-data`: create and fill the reference shop schema (DESIGN.md Reference
//! workload) in SQLite, PostgreSQL or MariaDB, deterministically for N customers. The
//! demo, the tests and `ombud bench fulfil` all use it; `examples/shop.yaml` is its
//! manifest.

use std::process::ExitCode;

use clap::Args;
use ombud_workload::{Progress, Workload};

use super::EXIT_OK;
use crate::output::{err_line, out_line};

#[derive(Debug, Args)]
pub(crate) struct DemoDataArgs {
    /// Where: sqlite://PATH, postgres://USER@HOST/DB or mysql://USER@HOST/DB.
    #[arg(long, value_name = "URL")]
    url: String,
    /// How many customers.
    #[arg(long, default_value_t = 1_000)]
    customers: u64,
    /// The seed of the generator: the same seed gives the same data.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Drop the eight tables first if they exist.
    #[arg(long)]
    replace: bool,
}

pub(crate) async fn demo_data(args: DemoDataArgs) -> anyhow::Result<ExitCode> {
    let workload = Workload { customers: args.customers, seed: args.seed, replace: args.replace };
    let mut last_table = "";
    let summary =
        ombud_workload::generate_with_progress(
            &args.url,
            &workload,
            &mut |progress| match progress {
                Progress::Created => err_line("tables created; loading"),
                Progress::Loading { table, rows } if table != last_table => {
                    last_table = table;
                    err_line(&format!("  {table}: loading ({rows} rows so far)"));
                }
                Progress::Loading { .. } => {}
                Progress::Loaded { table, rows } => {
                    err_line(&format!("  {table}: {rows} rows, indexed"))
                }
                Progress::ForeignKeys => err_line("adding foreign keys"),
                Progress::Analyzing => err_line("gathering statistics"),
            },
        )
        .await?;
    let total: u64 = summary.rows_per_table.iter().map(|(_, n)| n).sum();
    out_line(&format!(
        "{} customers, {total} rows in {} tables, in {:.1} s",
        args.customers,
        summary.rows_per_table.len(),
        summary.elapsed_ms as f64 / 1000.0
    ))?;
    Ok(ExitCode::from(EXIT_OK))
}
