//! The W&B-compatible GraphQL API.
//!
//! Types and field names follow W&B's schema (the official client's queries
//! are validated against this schema, so names, nullability and `__typename`s
//! matter). `query.rs` and `mutation.rs` are the roots; `types/` holds one
//! module per object; resolvers only translate between the wire and
//! `cairn_core::Cairn`. The schema's SDL is committed at
//! `schema/cairn.graphql` and a test fails when it drifts.

mod artifact_mutation;
pub mod bounds;
mod ids;
mod integration_mutation;
mod launch_mutation;
mod mutation;
mod query;
mod registry_mutation;
mod run_mutation;
mod scalars;
mod secret_mutation;
mod sweep_mutation;
mod trigger_mutation;
mod types;
mod view_mutation;

use std::sync::Arc;

use async_graphql::{EmptySubscription, Schema};
use axum::http::HeaderMap;
use cairn_core::blob::BlobStore;
use cairn_core::content::ContentStore;
use cairn_core::{Actor, Cairn};

use crate::signing::UrlSigner;

/// The mutation root: account, run, artifact and registry member mutations.
#[derive(async_graphql::MergedObject, Default)]
pub struct Mutation(
    mutation::AccountMutation,
    run_mutation::RunMutation,
    artifact_mutation::ArtifactUploadMutation,
    artifact_mutation::ArtifactMutation,
    registry_mutation::RegistryMutation,
    sweep_mutation::SweepMutation,
    launch_mutation::LaunchMutation,
    view_mutation::ViewMutation,
    integration_mutation::IntegrationMutation,
    trigger_mutation::TriggerMutation,
    secret_mutation::SecretMutation,
);
pub use query::Query;
pub(crate) use trigger_mutation::HTTP_STATUS;
pub(crate) use types::view::decode_view_id;

/// A view's GraphQL id as text (`base64("View:<n>")`), for the app links.
pub(crate) fn view_id_string(id: i64) -> String {
    types::view::view_id(id).0
}

/// The executable schema.
pub type CairnSchema = Schema<Query, Mutation, EmptySubscription>;

/// Build the schema. Per-request data (the [`Actor`]) is attached by the
/// router; the [`Cairn`] service, the blob store (run files) and the
/// content store (artifact bytes) are shared.
pub fn schema(
    cairn: Cairn,
    signer: UrlSigner,
    blobs: Arc<dyn BlobStore>,
    content: ContentStore,
    settings: Settings,
) -> CairnSchema {
    Schema::build(Query, Mutation::default(), EmptySubscription)
        .data(cairn)
        .data(settings)
        .data(signer)
        .data(blobs)
        .data(content)
        // The official client declares these in variable types of operations
        // we may not serve yet; registering them keeps the names stable.
        .register_output_type::<scalars::Int64>()
        .register_output_type::<scalars::Duration>()
        .register_output_type::<scalars::Json>()
        // `bounds::parse` has already refused documents over these and
        // more, counting fragments without expanding them; async-graphql's
        // own checks stay as a second line, with the same complexity figure.
        .limit_depth(32)
        .limit_complexity(bounds::MAX_FIELDS)
        .finish()
}

/// The schema in SDL form, as committed in `schema/cairn.graphql`.
pub fn sdl() -> String {
    schema_without_data().sdl()
}

fn schema_without_data() -> CairnSchema {
    Schema::build(Query, Mutation::default(), EmptySubscription)
        .register_output_type::<scalars::Int64>()
        .register_output_type::<scalars::Duration>()
        .register_output_type::<scalars::Json>()
        .finish()
}

/// How the sweep controller and the run queues behave (from the server's
/// configuration).
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// How long a handed-out sweep run may take to start before its
    /// parameters go to another agent.
    pub run_start_timeout: std::time::Duration,
    /// How long a popped run queue item stays leased to an agent that has
    /// neither acknowledged it nor been heard of, before it is pending again.
    pub launch_lease_timeout: std::time::Duration,
}

/// The caller of the current request.
pub(crate) fn actor<'a>(ctx: &async_graphql::Context<'a>) -> &'a Actor {
    ctx.data_unchecked::<Actor>()
}

/// The domain service.
pub(crate) fn cairn<'a>(ctx: &async_graphql::Context<'a>) -> &'a Cairn {
    ctx.data_unchecked::<Cairn>()
}

/// The blob store (run files' bytes).
pub(crate) fn blobs<'a>(ctx: &async_graphql::Context<'a>) -> &'a Arc<dyn BlobStore> {
    ctx.data_unchecked::<Arc<dyn BlobStore>>()
}

/// The content-addressed store of artifact bytes.
pub(crate) fn content<'a>(ctx: &async_graphql::Context<'a>) -> &'a ContentStore {
    ctx.data_unchecked::<ContentStore>()
}

/// The scheme and host clients reach this server at, for the absolute URLs
/// in answers (upload and download URLs): taken from the request's `Host`
/// (and `X-Forwarded-Proto`, behind a proxy).
#[derive(Debug, Clone)]
pub struct BaseUrl(pub String);

/// Who reads history for `scan_history` on the other end of a request.
///
/// Clients from 0.27 on send GraphQL through wandb-core's API client (it
/// always sends `X-Wandb-Username`, which older clients' Python transport
/// and other clients do not). wandb-core reads a scan's history from the
/// Parquet files `parquetHistory` lists and asks `history(minStep:,
/// maxStep:)` / `sampledHistory` only for the other rows: it keeps every
/// row a page answers, so those answers must leave out the rows of listed
/// files, or a page reaching past them would give them twice. The 0.27
/// releases (whose wandb-core sends `User-Agent: wandb-core`; later ones
/// send the Public API's own) bundle a Parquet reader (arrow-rs 53) that
/// cannot parse the files Cairn writes, so they are listed none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HistoryReader {
    /// Reads every row through GraphQL.
    Pages,
    /// wandb-core, reading listed files itself.
    Files,
    /// wandb-core 0.27: lists no files, reads every row through pages.
    OldFiles,
}

impl HistoryReader {
    /// Read it off a request.
    pub fn of(headers: &axum::http::HeaderMap) -> Self {
        if !headers.contains_key("x-wandb-username") {
            return HistoryReader::Pages;
        }
        let agent = headers.get(axum::http::header::USER_AGENT);
        if agent.is_some_and(|a| a.as_bytes() == b"wandb-core") {
            HistoryReader::OldFiles
        } else {
            HistoryReader::Files
        }
    }
}

impl BaseUrl {
    /// Read it off a request.
    pub fn from_headers(headers: &HeaderMap) -> Self {
        let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        let host = header("x-forwarded-host")
            .or_else(|| header("host"))
            .unwrap_or("127.0.0.1");
        let scheme = header("x-forwarded-proto").unwrap_or("http");
        BaseUrl(format!("{scheme}://{host}"))
    }
}
