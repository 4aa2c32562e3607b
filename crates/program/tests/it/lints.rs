//! Tests: lints.
