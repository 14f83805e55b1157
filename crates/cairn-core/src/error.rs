//! The domain's error type.
//!
//! Every failure a caller can act on has its own variant with a full-sentence
//! message naming the input; storage failures that are nobody's input become
//! [`CoreError::Internal`], or [`CoreError::Unavailable`] when retrying may
//! succeed. The server maps each variant to the wire in one
//! place (`cairn-server/src/error.rs`).
//!
//! [`StoreError`], the storage layer's error, is defined here too (and
//! re-exported from `store`) so that this module depends on nothing else in
//! the crate: every other module may use it without a cycle.

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

/// A backend's own error, kept whole so its causes reach the log.
pub type BackendError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// A storage failure.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A uniqueness rule was broken; the message names what clashed.
    #[error("{0}")]
    Conflict(String),
    /// A query the caller wrote (a run filter, an order) is malformed; the
    /// message says how.
    #[error("{0}")]
    InvalidQuery(String),
    /// The backend failed in a way retrying will not mend (corruption, a
    /// broken invariant, a failed migration); the source says how.
    #[error("storage backend error: {0}")]
    Backend(#[source] BackendError),
    /// The backend cannot serve right now (its connections are exhausted or
    /// closed, the database stays locked, the disk fails): the request may
    /// succeed if tried again. The server answers 503.
    #[error("storage unavailable: {0}")]
    Unavailable(#[source] BackendError),
}

impl StoreError {
    /// A backend failure from any error or message.
    pub fn backend(err: impl Into<BackendError>) -> Self {
        Self::Backend(err.into())
    }

    /// The error and its causes in one line, for the log.
    pub fn chain(&self) -> String {
        let mut text = self.to_string();
        let mut source = std::error::Error::source(self);
        while let Some(cause) = source {
            let shown = cause.to_string();
            if !text.ends_with(&shown) {
                text.push_str(": ");
                text.push_str(&shown);
            }
            source = cause.source();
        }
        text
    }
}

/// Result alias for storage calls.
pub type StoreResult<T> = Result<T, StoreError>;
