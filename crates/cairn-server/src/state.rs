//! The state every HTTP handler shares.
//!
//! Kept out of `router.rs` so handlers depend on the state, not on the
//! module that routes to them.

use std::sync::Arc;

use crate::auth_limit::AuthFailureLimiter;
use crate::graphql::CairnSchema;
use crate::signing::UrlSigner;
use cairn_core::Cairn;
use cairn_core::blob::BlobStore;
use cairn_core::content::ContentStore;

/// Shared state of all handlers.
#[derive(Clone)]
pub struct AppState {
    /// The domain service.
    pub cairn: Cairn,
    /// The GraphQL schema.
    pub schema: CairnSchema,
    /// Where run files (and all other bytes) live.
    pub blobs: Arc<dyn BlobStore>,
    /// Signs upload and download URLs.
    pub signer: UrlSigner,
    /// Artifact bytes, by digest.
    pub content: ContentStore,
    /// Failed authentications per client address (see `auth_limit.rs`).
    pub auth_failures: AuthFailureLimiter,
    /// Largest run file, in bytes; 0 for no limit (see `run_files.rs`).
    pub max_run_file_bytes: u64,
}
