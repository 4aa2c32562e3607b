//! Errors of the use cases, grouped by what the caller can do about them (STYLE.md
//! §4.5): fix the input, retry, look elsewhere, or report a bug. Messages are safe to
//! show: ids and codes, never personal data.

use std::fmt;

use ombud_core::request::TransitionError;
use ombud_store::StoreError;

/// What went wrong, by what the caller can do.
#[derive(Debug)]
#[non_exhaustive]
pub enum AppError {
    /// The thing asked for does not exist.
    NotFound(String),
    /// Someone else changed it first, or it already exists: read again and retry.
    Conflict(String),
    /// The input is wrong; the message says how to fix it.
    Invalid(String),
    /// Not allowed (too many attempts, a replayed assertion, the wrong person).
    Forbidden(String),
    /// A dependency (the database, the mail server) is unreachable; retry later.
    Unavailable(String),
    /// A bug or corrupt data; the message names what, never a value.
    Internal(String),
}

impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AppError::NotFound(m)
            | AppError::Conflict(m)
            | AppError::Invalid(m)
            | AppError::Forbidden(m)
            | AppError::Unavailable(m)
            | AppError::Internal(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for AppError {}

impl From<StoreError> for AppError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NotFound { .. } => AppError::NotFound(error.to_string()),
            StoreError::Conflict(_) => AppError::Conflict(error.to_string()),
            StoreError::Unavailable(_) => AppError::Unavailable(error.to_string()),
            StoreError::Url(_) | StoreError::Key(_) | StoreError::Migration(_) => {
                AppError::Invalid(error.to_string())
            }
            _ => AppError::Internal(error.to_string()),
        }
    }
}

impl From<TransitionError> for AppError {
    fn from(error: TransitionError) -> Self {
        match error {
            TransitionError::InvalidInStatus { .. }
            | TransitionError::AlreadyAcknowledged
            | TransitionError::AlreadyExtended => AppError::Conflict(error.to_string()),
            _ => AppError::Invalid(error.to_string()),
        }
    }
}
