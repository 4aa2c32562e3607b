//! `ombud`: the command line. Glue only — argv, files, configuration, exit codes and the
//! clock live here; every rule lives in a library crate (STYLE.md §4.1).

mod clock;
mod commands;
mod config;
mod input;
mod output;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// ombud runs a company's privacy program as code.
#[derive(Debug, Parser)]
#[command(name = "ombud", version, about, long_about = None, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

// One value per process: the size difference between commands costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
enum Command {
    /// Validate and lint privacy programs against the law and themselves.
    Check(commands::check::CheckArgs),
    /// Render a program's privacy notice, or compare two versions of a program.
    Notice(commands::notice::NoticeArgs),
    /// Print the JSON Schema of the manifest format, for editors.
    Schema,
    /// List every lint with its code, severity and legal source.
    Lints,
    /// Create or upgrade ombud's store (SQLite file or PostgreSQL database) and its keys.
    Migrate(commands::store::MigrateArgs),
    /// Rights requests: submit, list, show, verify, extend, complete, deny, cancel.
    Request(commands::request::RequestArgs),
    /// The records the law asks for: the §7101 request record and the §7102 metrics.
    Report(commands::report::ReportArgs),
    /// The tamper-evident audit chain: verify it, print its head.
    Audit(commands::store::AuditArgs),
    /// The master key and data keys: generate, list, rotate.
    Keys(commands::store::KeysArgs),
    /// Queued messages: deliver them now.
    Mail(commands::report::MailArgs),
    /// Carry out a verified request in the company's databases, or plan it (--dry-run).
    Fulfil(commands::fulfil::FulfilArgs),
    /// Access packages: download one by its link, purge expired ones.
    Package(commands::fulfil::PackageArgs),
    /// Erasure receipts, and replaying erasures after a restore from backup.
    Erasure(commands::fulfil::ErasureArgs),
    /// The program's databases: discover their schema, import a Fides dataset, check them.
    Systems(commands::systems::SystemsArgs),
    /// Create and fill the reference shop database (examples/shop.yaml is its manifest).
    DemoData(commands::workload::DemoDataArgs),
    /// Benchmarks: `ombud bench fulfil` measures fulfilment on the reference shop.
    Bench(commands::bench::BenchArgs),
    /// The durable job queue: run it, queue a request's fulfilment, list jobs.
    Jobs(commands::jobs::JobsArgs),
    /// The consent ledger: record, show, history, export a suppression list, link,
    /// signals, one-click unsubscribe, send to a list.
    Consent(commands::consent::ConsentArgs),
    /// Ask the decision engine one question; exit 0 when allowed, 1 when denied.
    Decide(commands::consent::DecideArgs),
    /// Serve the privacy center and the API over HTTP (GPC, notices, opt-outs,
    /// one-click unsubscribe, decisions).
    Serve(commands::serve::ServeArgs),
    /// API tokens: create (shown once), list, revoke.
    Token(commands::token::TokenArgs),
    /// Staff accounts of the staff pages: add (the first admin), list, disable, password.
    Staff(commands::staff::StaffArgs),
    /// The whole product on the embedded default: a store, the demo shop, the server.
    Demo(commands::demo::DemoArgs),
    /// Print the API's OpenAPI document (what `ombud serve` serves at /openapi.json).
    Openapi,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Check(args) => commands::check::run(&args),
        Command::Notice(args) => commands::notice::run(&args),
        Command::Schema => commands::schema::run(),
        Command::Lints => commands::lints::run(),
        Command::Migrate(args) => block_on(commands::store::migrate(args)),
        Command::Request(args) => block_on(commands::request::run(args)),
        Command::Report(args) => block_on(commands::report::report(args)),
        Command::Audit(args) => block_on(commands::store::audit(args)),
        Command::Keys(args) => block_on(commands::store::keys(args)),
        Command::Mail(args) => block_on(commands::report::mail(args)),
        Command::Fulfil(args) => block_on(commands::fulfil::fulfil(args)),
        Command::Package(args) => block_on(commands::fulfil::package(args)),
        Command::Erasure(args) => block_on(commands::fulfil::erasure(args)),
        Command::Systems(args) => block_on(commands::systems::systems(args)),
        Command::DemoData(args) => block_on(commands::workload::demo_data(args)),
        Command::Bench(args) => block_on(commands::bench::bench(args)),
        Command::Jobs(args) => block_on(commands::jobs::jobs(args)),
        Command::Consent(args) => block_on(commands::consent::consent(args)),
        Command::Decide(args) => block_on(commands::consent::decide(args)),
        Command::Serve(args) => block_on(commands::serve::serve(args)),
        Command::Token(args) => block_on(commands::token::token(args)),
        Command::Staff(args) => block_on(commands::staff::staff(args)),
        Command::Demo(args) => block_on(commands::demo::demo(args)),
        Command::Openapi => commands::serve::openapi(),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            output::err_line(&format!("error: {error:#}"));
            ExitCode::from(commands::EXIT_UNREADABLE)
        }
    }
}

/// Runs an async command on a runtime of its own.
fn block_on(future: impl Future<Output = anyhow::Result<ExitCode>>) -> anyhow::Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| anyhow::anyhow!("cannot start the async runtime: {e}"))?;
    runtime.block_on(future)
}
