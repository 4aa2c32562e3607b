//! The audit chain (being written).
