//! The state every HTTP handler shares.
//!
//! Kept out of `router.rs` so handlers depend on the state, not on the
//! module that routes to them.

use crate::auth_limit::AuthFailureLimiter;
use crate::cas::ContentStore;
use crate::graphql::CairnSchema;
use crate::signing::UrlSigner;
use cairn_core::Cairn;

/// Shared state of all handlers.
#[derive(Clone)]
pub struct AppState {
    /// The domain service.
    pub cairn: Cairn,
    /// The GraphQL schema.
    pub schema: CairnSchema,
    /// Where run files live.
    pub blobs: cairn_store::LocalBlobs,
    /// Signs upload and download URLs.
    pub signer: UrlSigner,
    /// Artifact bytes, by digest.
    pub cas: ContentStore,
    /// Failed authentications per client address (see `auth_limit.rs`).
    pub auth_failures: AuthFailureLimiter,
    /// Largest run file, in bytes; 0 for no limit (see `run_files.rs`).
    pub max_run_file_bytes: u64,
}
