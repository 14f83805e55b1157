//! Artifact rows and the `SELECT`s that produce them.
//!
//! Tags and aliases come back with their owner as JSON arrays built by
//! SQLite (`json_group_array`), so one query loads a page with its labels.

use cairn_core::artifact::{
    Alias, Artifact, ArtifactState, ArtifactType, Collection, CollectionKind, Entry, ManifestKind,
    Membership,
};

use crate::rows::timestamp;

/// `SELECT … FROM artifacts a …` for [`ArtifactRow`]; append `WHERE`.
pub(crate) const ARTIFACT_SELECT: &str = "SELECT a.id, a.sequence_id, c.name AS sequence_name, \
     c.project_id, t.name AS type_name, a.state, a.digest, a.description, a.metadata, \
     a.client_id, a.run_id, a.history_step, a.ttl_seconds, a.manifest_md5, a.manifest_kind, a.base_artifact_id, a.size, a.file_count, \
     (SELECT sm.version_index FROM artifact_memberships sm \
        WHERE sm.artifact_id = a.id AND sm.collection_id = a.sequence_id) AS version_index, \
     (SELECT json_group_array(name) FROM \
        (SELECT name FROM artifact_tags WHERE artifact_id = a.id ORDER BY name)) AS tags, \
     a.created_at, a.updated_at \
     FROM artifacts a JOIN artifact_collections c ON c.id = a.sequence_id \
     JOIN artifact_types t ON t.id = a.type_id";

#[derive(sqlx::FromRow)]
pub(crate) struct ArtifactRow {
    id: i64,
    sequence_id: i64,
    sequence_name: String,
    project_id: i64,
    type_name: String,
    state: String,
    digest: String,
    description: Option<String>,
    metadata: String,
    client_id: Option<String>,
    run_id: Option<i64>,
    history_step: Option<i64>,
    ttl_seconds: Option<i64>,
    manifest_md5: Option<String>,
    manifest_kind: String,
    base_artifact_id: Option<i64>,
    size: i64,
    file_count: i64,
    version_index: Option<i64>,
    tags: String,
    created_at: i64,
    updated_at: i64,
}

impl From<ArtifactRow> for Artifact {
    fn from(r: ArtifactRow) -> Self {
        Artifact {
            id: r.id,
            sequence_id: r.sequence_id,
            sequence_name: r.sequence_name,
            project_id: r.project_id,
            type_name: r.type_name,
            state: ArtifactState::parse(&r.state),
            digest: r.digest,
            description: r.description,
            metadata: r.metadata,
            client_id: r.client_id,
            run_id: r.run_id,
            history_step: r.history_step,
            ttl_seconds: r.ttl_seconds,
            manifest_md5: r.manifest_md5,
            manifest_kind: ManifestKind::parse(&r.manifest_kind),
            base_artifact_id: r.base_artifact_id,
            size: r.size,
            file_count: r.file_count,
            version_index: r.version_index,
            tags: string_list(&r.tags),
            created_at: timestamp(r.created_at),
            updated_at: timestamp(r.updated_at),
        }
    }
}

/// `SELECT … FROM artifact_collections c …` for [`CollectionRow`].
pub(crate) const COLLECTION_SELECT: &str = "SELECT c.id, c.project_id, c.type_id, \
     t.name AS type_name, c.name, c.kind, c.description, \
     (SELECT json_group_array(name) FROM \
        (SELECT name FROM collection_tags WHERE collection_id = c.id ORDER BY name)) AS tags, \
     c.created_at, c.updated_at \
     FROM artifact_collections c JOIN artifact_types t ON t.id = c.type_id";

#[derive(sqlx::FromRow)]
pub(crate) struct CollectionRow {
    id: i64,
    project_id: i64,
    type_id: i64,
    type_name: String,
    name: String,
    kind: String,
    description: Option<String>,
    tags: String,
    created_at: i64,
    updated_at: i64,
}

impl From<CollectionRow> for Collection {
    fn from(r: CollectionRow) -> Self {
        Collection {
            id: r.id,
            project_id: r.project_id,
            type_id: r.type_id,
            type_name: r.type_name,
            name: r.name,
            kind: CollectionKind::parse(&r.kind),
            description: r.description,
            tags: string_list(&r.tags),
            created_at: timestamp(r.created_at),
            updated_at: timestamp(r.updated_at),
        }
    }
}

/// `SELECT … FROM artifact_memberships m` for [`MembershipRow`].
pub(crate) const MEMBERSHIP_SELECT: &str = "SELECT m.id, m.collection_id, m.artifact_id, \
     m.version_index, m.created_at, \
     (SELECT json_group_array(json_array(al.id, al.alias)) FROM \
        (SELECT id, alias FROM artifact_aliases WHERE membership_id = m.id ORDER BY alias) al) \
        AS aliases \
     FROM artifact_memberships m";

#[derive(sqlx::FromRow)]
pub(crate) struct MembershipRow {
    id: i64,
    collection_id: i64,
    artifact_id: i64,
    version_index: i64,
    created_at: i64,
    aliases: String,
}

impl From<MembershipRow> for Membership {
    fn from(r: MembershipRow) -> Self {
        let pairs: Vec<(i64, String)> = serde_json::from_str(&r.aliases).unwrap_or_default();
        Membership {
            id: r.id,
            collection_id: r.collection_id,
            artifact_id: r.artifact_id,
            version_index: r.version_index,
            aliases: pairs
                .into_iter()
                .map(|(id, alias)| Alias {
                    id,
                    collection_id: r.collection_id,
                    alias,
                })
                .collect(),
            created_at: timestamp(r.created_at),
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct TypeRow {
    id: i64,
    project_id: i64,
    name: String,
    description: Option<String>,
    created_at: i64,
}

impl From<TypeRow> for ArtifactType {
    fn from(r: TypeRow) -> Self {
        ArtifactType {
            id: r.id,
            project_id: r.project_id,
            name: r.name,
            description: r.description,
            created_at: timestamp(r.created_at),
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct EntryRow {
    path: String,
    digest: String,
    size: Option<i64>,
    #[sqlx(rename = "ref")]
    reference: Option<String>,
    birth_artifact_id: Option<String>,
    mimetype: Option<String>,
    extra: Option<String>,
}

impl From<EntryRow> for Entry {
    fn from(r: EntryRow) -> Self {
        Entry {
            path: r.path,
            digest: r.digest,
            size: r.size,
            reference: r.reference,
            birth_artifact_id: r.birth_artifact_id,
            mimetype: r.mimetype,
            extra: r.extra,
        }
    }
}

fn string_list(json: &str) -> Vec<String> {
    serde_json::from_str(json).unwrap_or_default()
}
