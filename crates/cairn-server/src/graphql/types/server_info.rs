//! `serverInfo`: the capability probe the official client relies on.
//!
//! The client asks `serverInfo { features { name isEnabled } }` and changes
//! the queries it sends according to the answer, so a feature is listed here
//! only once it is implemented end to end.

use async_graphql::SimpleObject;

use crate::graphql::scalars::Json;

/// Optional features this server implements, by W&B's `ServerFeature` name.
pub const ENABLED_FEATURES: &[&str] = &[
    "ARTIFACT_TAGS",
    "ARTIFACT_REGISTRY_SEARCH",
    "ARTIFACT_MEMBERSHIP_IN_LINK_ARTIFACT_RESPONSE",
    "TOTAL_COUNT_IN_FILE_CONNECTION",
    "USE_ARTIFACT_WITH_ENTITY_AND_PROJECT_INFORMATION",
    "PROJECT_ARTIFACT_COLLECTION_MEMBERSHIP",
    "ARTIFACT_COLLECTION_MEMBERSHIP_FILES",
    "INCLUDE_ARTIFACT_TYPES_IN_REGISTRY_CREATION",
    "QUERY_AUTOMATIONS_ON_ENTITY",
    "AUTOMATION_SCOPE_ENTITY",
    "AUTOMATION_EVENT_RUN_METRIC",
    "AUTOMATION_EVENT_RUN_METRIC_CHANGE",
    "AUTOMATION_EVENT_RUN_METRIC_ZSCORE",
    "AUTOMATION_EVENT_RUN_STATE",
    "AUTOMATION_EVENT_ADD_ARTIFACT_TAG",
    "AUTOMATION_EVENT_REMOVE_ARTIFACT_TAG",
    "AUTOMATION_EVENT_ADD_COLLECTION_TAG",
    "AUTOMATION_EVENT_REMOVE_COLLECTION_TAG",
    "AUTOMATION_EVENT_UNLINK_ARTIFACT",
    "AUTOMATION_ACTION_NO_OP",
];

/// Server information.
#[derive(SimpleObject)]
pub struct ServerInfo {
    /// Enabled optional features.
    pub features: Vec<ServerFeature>,
    /// Client version bounds, read by `wandb verify`: none enforced.
    pub cli_version_info: Json,
    /// The version of this server, asked for in the client's server-info
    /// probe (`InternalApi.viewer_server_info`).
    pub latest_local_version_info: LocalVersionInfo,
}

/// The running server's version, under W&B's names. Cairn has no update
/// channel, so the running version is the latest one it knows of.
#[derive(SimpleObject)]
pub struct LocalVersionInfo {
    /// Whether a newer server version exists: never known, so `false`.
    pub out_of_date: bool,
    /// The newest version known: this one.
    pub latest_version_string: String,
    /// The version this server runs.
    pub version_on_this_instance_string: String,
}

/// One feature and whether it is on.
#[derive(SimpleObject)]
pub struct ServerFeature {
    /// W&B's feature name.
    pub name: String,
    /// Whether it is on.
    pub is_enabled: bool,
}

impl ServerInfo {
    /// What this build supports.
    pub fn current() -> Self {
        ServerInfo {
            features: ENABLED_FEATURES
                .iter()
                .map(|name| ServerFeature {
                    name: (*name).to_string(),
                    is_enabled: true,
                })
                .collect(),
            cli_version_info: Json(serde_json::json!({})),
            latest_local_version_info: LocalVersionInfo {
                out_of_date: false,
                latest_version_string: env!("CARGO_PKG_VERSION").to_string(),
                version_on_this_instance_string: env!("CARGO_PKG_VERSION").to_string(),
            },
        }
    }
}
