//! Artifacts and registries: logging, reading, editing, linking, deleting.
//!
//! Access follows the project an artifact lives in: whoever may read the
//! project reads its artifacts; members of its entity (or instance admins)
//! change them. Registries are projects of the organization's entity, which
//! every user of the organization belongs to; a `RESTRICTED` registry is
//! visible only to its creator, instance admins and its members (users and
//! teams added with a role). A member's role decides what they may do in a
//! registry: viewers read, members also link and edit, admins also manage
//! members. Without a role of their own, organization members act as
//! members of a non-restricted registry.
//!
//! Blob bytes are not handled here: this layer decides which digests a
//! caller may upload, prove and read, and `content.rs` stores and collects
//! the bytes (each upload under a key of its own, so that a collection
//! never deletes bytes an upload of the same digest is recording).

use crate::artifact::{
    Artifact, ArtifactPatch, ArtifactType, Collection, CollectionKind, Entry, LATEST, Membership,
    NewArtifact, RegistryMemberRef, RegistryRole, StagedFile, VersionPage, validate_label,
};
use crate::authz::{Actor, ProjectAction, Readable, Writable};
use crate::error::{CoreError, CoreResult};
use crate::filter::{COLLECTIONS, Filter, Order, REGISTRIES, VERSIONS};
use crate::model::{Entity, Project, User};
use crate::run::Run;
use crate::store::{RegistryListing, RegistryQuery, RegistrySearch};
use crate::{Cairn, names};

pub use crate::registry::{REGISTRY_PREFIX, RESTRICTED};

/// Largest page of artifacts, collections or files.
const MAX_ARTIFACT_PAGE: i64 = 10_000;

/// Where a client wants an alias: a collection by entity/project/name.
#[derive(Debug, Clone)]
pub struct AliasTarget {
    /// The alias.
    pub alias: String,
    /// Collection name.
    pub collection: String,
    /// Entity of the collection's project (the artifact's own when absent).
    pub entity: Option<String>,
    /// The collection's project (the artifact's own when absent).
    pub project: Option<String>,
}

mod editing;
mod logging;
mod reading;
mod registries;

fn check_page(first: i64) -> CoreResult<()> {
    if (1..=MAX_ARTIFACT_PAGE).contains(&first) {
        Ok(())
    } else {
        Err(CoreError::InvalidInput(format!(
            "Page size {first} is out of range; ask for 1 to {MAX_ARTIFACT_PAGE}."
        )))
    }
}

/// Artifact type names: letters, digits, `-`, `_`, `.` and inner spaces.
fn validate_type_name(name: &str) -> CoreResult<()> {
    let ok = !name.is_empty()
        && name.chars().count() <= names::MAX_NAME_LEN
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ' '))
        && !name.starts_with(' ')
        && !name.ends_with(' ');
    if ok {
        Ok(())
    } else {
        Err(CoreError::InvalidInput(format!(
            "The artifact type {name:?} must be 1 to {} letters, digits, '-', '_', '.' or inner spaces.",
            names::MAX_NAME_LEN
        )))
    }
}

/// Metadata must be a JSON object.
fn check_metadata(metadata: &str) -> CoreResult<()> {
    match serde_json::from_str::<serde_json::Value>(metadata) {
        Ok(serde_json::Value::Object(_)) => Ok(()),
        _ => Err(CoreError::InvalidInput(
            "Artifact metadata must be a JSON object.".into(),
        )),
    }
}

/// A file digest must be the base64 of 16 bytes (an MD5).
pub fn check_md5(md5: &str) -> CoreResult<()> {
    use base64::Engine;
    match base64::engine::general_purpose::STANDARD.decode(md5) {
        Ok(bytes) if bytes.len() == 16 => Ok(()),
        _ => Err(CoreError::InvalidInput(format!(
            "{md5:?} is not a file digest (the base64 of an MD5)."
        ))),
    }
}
