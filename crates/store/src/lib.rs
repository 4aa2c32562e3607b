//! ombud-store: ombud's own database (being written).
