//! Integration tests of ombud-program: one test binary, one module per concern.

mod diagnostics;
mod diff;
mod discovery;
mod examples;
mod fides;
mod generate;
mod hostile;
mod lints;
mod notice;
mod plan;
mod requests;
