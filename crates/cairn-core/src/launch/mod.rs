//! W&B Launch: run queues, the items pushed onto them and the agents that
//! pop them, as plain rules with no storage in sight.
//!
//! A queue points at a *default resource configuration*: the resource type
//! its agents run (`local-process`, `kubernetes`, …), resource arguments
//! that may contain `{{variable}}` templates, and a JSON schema for each
//! template variable. Pushing a run spec fills the templates with checked
//! values ([`template`]) and applies the queue's resource to the spec
//! ([`spec`]), so what an agent pops is ready to run. What storage keeps is
//! in [`records`].

pub mod records;
pub mod spec;
pub mod template;

/// The project queues live in when the client names none (W&B's
/// `LAUNCH_DEFAULT_PROJECT`).
pub const QUEUE_PROJECT: &str = "model-registry";

/// The resource types W&B's agents run.
pub const RESOURCES: [&str; 5] = [
    "local-container",
    "local-process",
    "kubernetes",
    "sagemaker",
    "gcp-vertex",
];

/// Longest queue name (the official client's own limit).
pub const MAX_QUEUE_NAME: usize = 64;

/// Largest run spec, resource configuration or template document accepted.
pub const MAX_DOCUMENT_BYTES: usize = 256 * 1024;

/// Priority of an item pushed without one (W&B's "medium").
pub const DEFAULT_PRIORITY: i64 = 2;

#[cfg(test)]
mod tests;
