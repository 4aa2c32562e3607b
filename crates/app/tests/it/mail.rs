//! Email tests (being written).
