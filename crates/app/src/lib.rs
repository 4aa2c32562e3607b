//! ombud-app: ombud's use cases (being written).

pub mod mail;
