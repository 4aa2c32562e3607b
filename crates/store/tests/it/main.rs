//! The store's integration tests: every query, on a fresh SQLite file and — when
//! `OMBUD_TEST_POSTGRES_URL` is set, as CI always sets it — on a fresh PostgreSQL
//! database, through the same test bodies (`ombud_testkit::store_test!`).

// Helpers outside #[test] functions unwrap too: a failed set-up is a failed test.
#![allow(clippy::unwrap_used)]

mod audit;
mod consent;
mod fixtures;
mod fulfilment;
mod jobs;
mod keys;
mod records;
mod requests;
