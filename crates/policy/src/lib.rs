//! ombud-policy: what a person's privacy choices mean for the company's other systems.
//!
//! Today it holds the strings ad tech reads those choices from: the IAB Global Privacy
//! Platform string ([`gpp`]: the US National and California sections, with the Global
//! Privacy Control sub-section) and the older US Privacy string ([`usp`]), both per
//! ECOSYSTEM.md §1.2 and REGULATIONS.md B9. The decision engine of issue
//! 5 (program + consent state → snapshot → decision) will live here too.
//!
//! **Invariant:** pure — no I/O, no clock, no dependencies.
#![warn(missing_docs)]

pub mod decide;
pub mod gpp;
pub mod usp;
