//! One module per subcommand. Each returns the process exit code.

pub(crate) mod bench;
pub(crate) mod bench_decide;
pub(crate) mod bench_seed;
pub(crate) mod check;
pub(crate) mod consent;
pub(crate) mod demo;
pub(crate) mod fulfil;
pub(crate) mod jobs;
pub(crate) mod lints;
pub(crate) mod notice;
pub(crate) mod report;
pub(crate) mod request;
pub(crate) mod schema;
pub(crate) mod serve;
pub(crate) mod staff;
pub(crate) mod store;
pub(crate) mod systems;
pub(crate) mod token;
pub(crate) mod workload;

/// Clean, or warnings only.
pub(crate) const EXIT_OK: u8 = 0;
/// At least one error diagnostic (or a check that found a problem).
pub(crate) const EXIT_ERRORS: u8 = 1;
/// An input could not be read at all (missing, not UTF-8, too large) or bad usage.
pub(crate) const EXIT_UNREADABLE: u8 = 2;
