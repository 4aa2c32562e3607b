//! ombud-testkit: test helpers (being written).
