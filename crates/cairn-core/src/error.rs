//! The domain's error type.
//!
//! Every failure a caller can act on has its own variant with a full-sentence
//! message naming the input; storage failures that are nobody's input become
//! [`CoreError::Internal`], or [`CoreError::Unavailable`] when retrying may
//! succeed. The server maps each variant to the wire in one
//! place (`cairn-server/src/error.rs`).

use crate::store::StoreError;

/// A domain error, ready to be shown to the user who caused it.
#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    /// No valid credentials were presented.
    #[error("{0}")]
    Unauthenticated(String),
    /// The caller is known but may not do this.
    #[error("{0}")]
    PermissionDenied(String),
    /// The thing asked for does not exist (or is not visible to the caller).
    #[error("{0}")]
    NotFound(String),
    /// The input is malformed or out of range.
    #[error("{0}")]
    InvalidInput(String),
    /// The input clashes with something that already exists.
    #[error("{0}")]
    Conflict(String),
    /// Something broke that the caller cannot fix; details are logged.
    #[error("internal error: {0}")]
    Internal(String),
    /// Storage cannot serve right now; the request may be retried. Details
    /// are logged.
    #[error("service unavailable: {0}")]
    Unavailable(String),
}

/// Result alias for domain operations.
pub type CoreResult<T> = Result<T, CoreError>;

impl From<StoreError> for CoreError {
    fn from(err: StoreError) -> Self {
        match &err {
            StoreError::Conflict(what) => CoreError::Conflict(what.clone()),
            StoreError::InvalidQuery(what) => CoreError::InvalidInput(what.clone()),
            StoreError::Backend(_) => CoreError::Internal(err.chain()),
            StoreError::Unavailable(_) => CoreError::Unavailable(err.chain()),
        }
    }
}
