//! The app crate's integration tests: one binary, one module per area. Use cases run
//! against a real store (SQLite always, PostgreSQL when `OMBUD_TEST_POSTGRES_URL` is
//! set), a manual clock, sequential ids, a lookup over a real fixture table, and the
//! outbox transport.

// Helpers outside #[test] functions unwrap too: a failed set-up is a failed test.
#![allow(clippy::unwrap_used)]

mod choices;
mod fulfil;
mod harness;
mod mail;
mod reports;
mod scenario;
mod verification;
mod workflow;
