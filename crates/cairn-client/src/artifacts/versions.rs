//! [`Artifacts`]: a collection's committed versions, a page at a time.

use serde::Deserialize;
use serde_json::json;

use super::{Artifact, ArtifactData, ProjectData};
use crate::api::Api;
use crate::error::Result;
use crate::pager::{Counted, Page, PageInfo, PageSource, Pager};
use crate::queries;

/// A collection's committed versions, newest first, fetched a page at a
/// time. [`len`](Pager::len) is how many versions it has (before the tag
/// filter, which Python also applies client-side).
pub type Artifacts = Pager<ArtifactPages>;

/// The [`PageSource`] behind [`Artifacts`]: `ProjectArtifacts`.
pub struct ArtifactPages {
    pub(super) api: Api,
    pub(super) entity: Option<String>,
    pub(super) project: String,
    pub(super) collection: String,
    pub(super) type_name: String,
    pub(super) per_page: u32,
    pub(super) tags: Vec<String>,
    /// Whether `entity` is final (registry paths name the organization).
    pub(super) resolved: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct VersionConnection {
    total_count: Option<u64>,
    page_info: PageInfo,
    edges: Vec<VersionEdge>,
}

#[derive(Deserialize)]
struct VersionEdge {
    version: String,
    node: Option<ArtifactData>,
}

impl PageSource for ArtifactPages {
    type Item = Artifact;

    async fn fetch(&mut self, cursor: Option<&str>) -> Result<Page<Artifact>> {
        // Registry versions live in the organization's entity, which the
        // path's prefix (if any) names.
        let entity = match (&self.entity, self.resolved) {
            (Some(entity), true) => entity.clone(),
            _ => {
                let entity = self
                    .api
                    .artifact_entity(self.entity.clone(), &self.project)
                    .await?;
                self.entity = Some(entity.clone());
                self.resolved = true;
                entity
            }
        };
        #[derive(Deserialize)]
        struct Collection {
            artifacts: Option<VersionConnection>,
        }
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Type {
            artifact_collection: Option<Collection>,
        }
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Project {
            artifact_type: Option<Type>,
        }
        let data: ProjectData<Project> = self
            .api
            .transport
            .execute(
                queries::PROJECT_ARTIFACTS,
                json!({
                    "entity": entity, "project": self.project, "type": self.type_name,
                    "collection": self.collection, "cursor": cursor, "perPage": self.per_page,
                    "filters": json!({"state": "COMMITTED"}).to_string(),
                }),
            )
            .await?;
        let Some(conn) = data
            .project
            .and_then(|p| p.artifact_type)
            .and_then(|t| t.artifact_collection)
            .and_then(|c| c.artifacts)
        else {
            return Ok(Page::last(Some(0)));
        };
        let mut items = Vec::with_capacity(conn.edges.len());
        for edge in conn.edges {
            let Some(node) = edge.node else { continue };
            let index = parse_version(&edge.version)
                .or(node.version_index)
                .unwrap_or(0);
            let artifact = Artifact::new(
                self.api.clone(),
                &entity,
                &self.project,
                &self.collection,
                index,
                None,
                node,
            )?;
            if self.tags.iter().all(|t| artifact.tags.contains(t)) {
                items.push(artifact);
            }
        }
        Ok(Page {
            items,
            end_cursor: conn.page_info.end_cursor,
            has_next_page: conn.page_info.has_next_page,
            total: conn.total_count,
        })
    }
}

impl Counted for ArtifactPages {}

/// `v3` → 3.
fn parse_version(version: &str) -> Option<i64> {
    version.strip_prefix('v')?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_parse() {
        assert_eq!(parse_version("v12"), Some(12));
        assert_eq!(parse_version("latest"), None);
    }
}
