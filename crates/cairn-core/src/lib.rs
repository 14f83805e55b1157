//! Cairn's domain layer.
//!
//! Everything a request may do is decided here, in plain Rust with no HTTP,
//! GraphQL or SQL in sight: the server turns a request into a call on
//! [`Cairn`], and [`Cairn`] talks to storage only through the traits in
//! [`store`]. That keeps the rules (who may create a user, who sees which
//! project) in one place that both the GraphQL layer and future REST
//! endpoints share, and lets PostgreSQL slot in behind the same traits.
//! File bytes likewise sit behind [`blob::BlobStore`], with content
//! addressing and garbage collection in [`content`], so an object store can
//! replace the local directory without the server noticing.
#![deny(missing_docs)]

pub mod apikey;
pub mod artifact;
pub mod authz;
pub mod automation;
pub mod blob;
pub mod branch;
pub mod content;
pub mod error;
pub mod filter;
pub mod history;
pub mod integration;
pub mod launch;
pub mod manifest;
pub mod model;
pub mod multipart;
pub mod names;
pub mod password;
pub mod registry;
pub mod run;
pub mod run_names;
pub mod secret;
mod service;
pub mod session;
pub mod store;
pub mod stream;
pub mod sweep;
pub mod view;

pub use authz::{Actor, Admin, ProjectAction};
pub use error::{CoreError, CoreResult};
pub use service::{AliasTarget, REGISTRY_PREFIX, RESTRICTED, check_md5};
pub use service::{
    Bootstrap, Cairn, DEFAULT_PROJECT, MAX_PAGE, MAX_SAMPLES, MemberRef, MemberView,
    NewServiceAccount, ProjectPage, RunTarget,
};
pub use service::{DeliveryPlan, MAX_PROJECT_TRIGGERS, TriggerScope, impossible};
pub use service::{ExportRequest, HistoryExport, MAX_EXPORT_KEYS, MAX_EXPORT_RUNS};
pub use service::{MAX_AGENTS, SweepInProject, SweepSpec};
pub use service::{MAX_QUEUE_LISTING, PushSpec, QueueInProject, QueueSpec};
pub use service::{NewSession, SessionInfo};
pub use service::{ViewDeletion, ViewFilter, ViewInProject, ViewUpsert};
pub use session::SESSION_LIFETIME;
