//! The app crate's integration tests: one binary, one module per area.

mod mail;
