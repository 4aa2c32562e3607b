//! Tests: notice.
