//! The store's integration tests (being written).
