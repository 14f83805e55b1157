//! Cairn's HTTP server.
//!
//! It speaks the W&B wire protocol so the official `wandb` client works
//! against it unchanged: GraphQL at `POST /graphql` (see [`graphql`]), plus
//! health checks and a sink for client telemetry. A request walks
//! `router.rs` (with `auth_limit.rs` around it) → `auth.rs` (API key → `Actor`) → `graphql/` resolvers (or `file_stream.rs`, `run_files.rs`) →
//! `cairn_core::Cairn` → `cairn_store`. `startup.rs` is the only place that
//! names the concrete storage backends (database and blob store); every
//! other module reaches bytes through `cairn_core::blob::BlobStore`.

mod app_links;
mod artifact_files;
mod auth;
mod auth_limit;
mod body;
pub mod config;
mod deliveries;
mod error;
mod file_stream;
pub mod graphql;
mod history_export;
mod history_files;
mod history_many;
mod history_worker;
mod ranges;
mod router;
mod run_files;
mod secrets_key;
mod signing;
mod startup;
mod state;
mod urls;
mod web;
pub mod webhook;

pub use config::Config;
pub use startup::{Server, StartError, serve};
