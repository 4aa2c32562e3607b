//! ombud-policy: what a person's privacy choices mean for the company's other systems.
//!
//! - [`decide`]: the decision engine — a program compiled into a snapshot, a person's
//!   consent state folded from their ledger, `verdict` answering allow or deny with the
//!   rule that decided (worded on demand by `explain`, or both by `decide`), and a
//!   `Board` holding every subject's state for a million of them (issue 5;
//!   REGULATIONS.md B9, B10, B12, B19).
//! - [`gpc`] and [`unsubscribe`]: Global Privacy Control and Do-Not-Track headers, the
//!   `/.well-known/gpc.json` text, RFC 8058 one-click unsubscribe tokens and headers.
//! - [`gpp`] and [`usp`]: the strings ad tech reads choices from — the IAB Global
//!   Privacy Platform string (US National and California sections, with the GPC
//!   sub-section) and the US Privacy string (ECOSYSTEM.md §1.2).
//!
//! **Invariant:** pure — no I/O, no clock; keys and `now` come in as arguments.
#![warn(missing_docs)]

pub mod decide;
pub mod gpc;
pub mod gpp;
pub mod unsubscribe;
pub mod usp;
