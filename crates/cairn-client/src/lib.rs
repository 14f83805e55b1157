//! The W&B Public API in Rust.
//!
//! `cairn-client` mirrors the official Python `wandb.Api` — same method
//! names, same meanings, same GraphQL on the wire — in idiomatic async Rust:
//! typed errors instead of exceptions, `Option` for "not found", and lazy
//! pagers instead of Python iterators. It works against a Cairn server and
//! against W&B's own.
//!
//! ```no_run
//! # async fn demo() -> cairn_client::Result<()> {
//! let api = cairn_client::Api::builder()
//!     .base_url("http://127.0.0.1:8080")
//!     .api_key("cairn_0123456789-0123456789012345678901234567890123456789")
//!     .build()?;
//! let me = api.viewer().await?;
//! println!("signed in as {}", me.username());
//! let mut projects = api.projects(Some("ml"), 50);
//! while let Some(project) = projects.next().await? {
//!     println!("{}", project.path());
//! }
//! let filter = cairn_client::Filter::config("lr").gt(0.01);
//! let mut runs = api.runs("ml/p1", filter, Some("-summary_metrics.loss"), 50);
//! while let Some(run) = runs.next().await? {
//!     let mut scan = run.scan_history(&["loss"], None, None, 1000);
//!     while let Some(row) = scan.next().await? {
//!         println!("{} {:?} {:?}", run.id(), row.step(), row.get_f64("loss"));
//!     }
//! }
//! # Ok(()) }
//! ```
//!
//! Artifacts are logged from local files and downloaded in parallel,
//! resumably, with every file's MD5 checked:
//!
//! ```no_run
//! # async fn demo(api: cairn_client::Api) -> cairn_client::Result<()> {
//! use cairn_client::NewArtifact;
//! let draft = NewArtifact::new("mnist", "dataset").add_dir("data/", None);
//! let logged = api.log_artifact("ml/p1", draft, &["best"], &[]).await?;
//! let found = api.artifact("ml/p1/mnist:best", Some("dataset")).await?;
//! if let Some(artifact) = found {
//!     let summary = artifact.download("out/mnist").await?;
//!     println!("{} fetched, {} already there", summary.downloaded, summary.skipped);
//! }
//! logged.link("wandb-registry-dataset/mnist", &["production"]).await?;
//! # Ok(()) }
//! ```
#![deny(missing_docs)]

mod api;
mod artifact_transfer;
mod artifacts;
mod automations;
mod digests;
mod error;
mod files;
mod filters;
mod history;
mod history_many;
mod integrations;
mod launch;
mod pager;
mod projects;
pub mod queries;
mod registries;
mod reports;
mod runs;
mod secrets;
mod sweeps;
mod teams;
pub mod tensorboard;
mod transport;
mod users;

pub use api::{Api, ApiBuilder, FromPath, OrgEntity, Organization, check_api_key};
pub use artifact_transfer::{
    DownloadSummary, FILES_PER_BATCH, Manifest, ManifestEntry, NewArtifact, Progress, ProgressFn,
    TRANSFER_CONCURRENCY, UploadSummary,
};
pub use artifacts::{
    Artifact, ArtifactCollection, ArtifactCollections, ArtifactFile, ArtifactFiles, ArtifactType,
    ArtifactTypes, Artifacts,
};
pub use automations::{
    Automation, AutomationAction, AutomationPages, AutomationScope, Automations, DeliveryAttempt,
    NewAutomation,
};
/// Arrow types of [`Api::history_many`]'s batches.
#[cfg(feature = "arrow")]
pub use cairn_history::{RecordBatch, arrow_array, arrow_schema};
use cairn_types::relaxed;
pub use cairn_types::relaxed::number;
pub use error::{Error, Result};
pub use files::{File, Files};
pub use filters::{Field, Filter};
pub use history::{HistoryRow, HistoryScan, MAX_HISTORY_PAGE};
#[cfg(feature = "arrow")]
pub use history_many::HistoryBatches;
pub use history_many::HistoryQuery;
pub use integrations::{Integration, IntegrationPages, Integrations};
pub use launch::{
    Job, JobVersion, LaunchOptions, PoppedItem, QUEUE_PROJECT, QueuedRun, RESOURCES, RunQueue,
};
pub use pager::Pager;
pub use projects::{Project, Projects};
pub use registries::{Registries, Registry, RegistryCollections, RegistryVersions};
pub use reports::{NewReport, REPORT_TYPE, Report, ReportPages, Reports};
pub use runs::{Run, Runs};
pub use secrets::Secret;
pub use sweeps::{
    AgentCommand, CreatedSweep, SWEEP_STATES, Sweep, SweepConfigText, SweepPages, Sweeps,
};
pub use teams::{Member, Team};
pub use tensorboard::{Damage, ImportedRun, SyncReport};
pub use users::User;
