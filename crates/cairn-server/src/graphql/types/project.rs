//! `Project` and its connection.

use async_graphql::{Context, ID, Object, SimpleObject};
use cairn_core::authz::Readable;
use cairn_core::model::Project;
use cairn_core::run::RunQuery;
use cairn_core::{CoreError, ViewFilter};

use crate::error::GqlResultExt;
use crate::graphql::scalars::{DateTime, JsonString};
use crate::graphql::types::artifact::{
    ArtifactCollectionType, ArtifactObject, ArtifactTypeConnection, ArtifactTypeEdge,
    ArtifactTypeObject, CollectionConnection, CollectionIface, MembershipObject,
    collection_connection, kinds_of, page_size, resolve_membership,
};
use crate::graphql::types::entity::EntityObject;
use crate::graphql::types::launch::RunQueueObject;
use crate::graphql::types::page::{PageInfo, cursor, decode_cursor};
use crate::graphql::types::registry_member::{ProjectMemberObject, ProjectTeamMemberObject};
use crate::graphql::types::run::{RunConnection, RunEdge, RunObject};
use crate::graphql::types::sweep::{SweepConnection, SweepEdge, SweepObject};
use crate::graphql::types::user::UserObject;
use crate::graphql::types::view::{ViewConnection, ViewEdge, ViewObject};
use crate::graphql::{actor, cairn, ids};

/// A project.
pub struct ProjectObject(pub Readable<Project>);

#[Object(name = "Project")]
impl ProjectObject {
    /// `base64("Project:<n>")`; the official client decodes it.
    async fn id(&self) -> ID {
        ids::encode("Project", self.0.id)
    }

    /// The automations on this project and its collections.
    async fn triggers(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<crate::graphql::types::trigger::TriggerObject>> {
        let rows = cairn(ctx).project_triggers(&self.0).await.gql()?;
        Ok(rows
            .into_iter()
            .map(crate::graphql::types::trigger::TriggerObject)
            .collect())
    }

    /// The numeric id, as a string.
    async fn internal_id(&self) -> String {
        self.0.id.to_string()
    }

    async fn name(&self) -> &str {
        &self.0.name
    }

    async fn entity_name(&self) -> &str {
        &self.0.entity_name
    }

    async fn entity(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<EntityObject>> {
        let entity = cairn(ctx)
            .entity(actor(ctx), &self.0.entity_name)
            .await
            .gql()?;
        Ok(entity.map(EntityObject))
    }

    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }

    /// W&B access string (`PRIVATE`, `USER_READ`, …).
    async fn access(&self) -> &str {
        &self.0.access
    }

    /// Saved views: none yet.
    async fn views(&self) -> JsonString {
        JsonString("{}".into())
    }

    async fn created_at(&self) -> DateTime {
        DateTime(self.0.created_at)
    }

    async fn is_benchmark(&self) -> bool {
        false
    }

    /// Users holding a role in this project (registry members).
    async fn members(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<ProjectMemberObject>> {
        let members = cairn(ctx).registry_user_members(&self.0).await.gql()?;
        Ok(members
            .into_iter()
            .map(|(user, role)| ProjectMemberObject(user, role))
            .collect())
    }

    /// Teams holding a role in this project (registry members).
    async fn team_members(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<ProjectTeamMemberObject>> {
        let members = cairn(ctx).registry_team_members(&self.0).await.gql()?;
        Ok(members
            .into_iter()
            .map(|(team, role)| ProjectTeamMemberObject(team, role))
            .collect())
    }

    /// Whether the caller may only read (true outside the owning entity).
    async fn read_only(&self, ctx: &Context<'_>) -> async_graphql::Result<bool> {
        let may_edit = cairn(ctx)
            .may(actor(ctx), &self.0, cairn_core::ProjectAction::Write)
            .await
            .gql()?;
        Ok(!may_edit)
    }

    /// One run by its id (`abc123`).
    async fn run(
        &self,
        ctx: &Context<'_>,
        name: String,
    ) -> async_graphql::Result<Option<RunObject>> {
        let run = cairn(ctx).run_in(&self.0, &name).await.gql()?;
        Ok(run.map(RunObject))
    }

    /// W&B's older name for `run`; `missingOk` is accepted (a missing run
    /// is always `null`).
    async fn bucket(
        &self,
        ctx: &Context<'_>,
        name: String,
        missing_ok: Option<bool>,
    ) -> async_graphql::Result<Option<RunObject>> {
        let _ = missing_ok;
        let run = cairn(ctx).run_in(&self.0, &name).await.gql()?;
        Ok(run.map(RunObject))
    }

    /// Runs matching a MongoDB-style filter, in `order` (`+created_at` by
    /// default; `-summary_metrics.loss`, `+config.lr`, …).
    async fn runs(
        &self,
        ctx: &Context<'_>,
        filters: Option<JsonString>,
        order: Option<String>,
        after: Option<String>,
        first: Option<i32>,
    ) -> async_graphql::Result<RunConnection> {
        run_connection(ctx, &self.0, &run_query(filters, order), after, first).await
    }

    /// A sweep by its id.
    async fn sweep(
        &self,
        ctx: &Context<'_>,
        sweep_name: String,
    ) -> async_graphql::Result<Option<SweepObject>> {
        let sweep = cairn(ctx).sweep(&self.0, &sweep_name).await.gql()?;
        Ok(sweep.map(|sweep| SweepObject {
            sweep,
            project: self.0.clone(),
        }))
    }

    /// A run queue of this project by name (W&B keeps an entity's queues
    /// in its `model-registry` project).
    async fn run_queue(
        &self,
        ctx: &Context<'_>,
        name: String,
    ) -> async_graphql::Result<Option<RunQueueObject>> {
        let queue = cairn(ctx).run_queue(&self.0, &name).await.gql()?;
        Ok(queue.map(|queue| RunQueueObject {
            queue,
            project: self.0.clone(),
        }))
    }

    /// The project's run queues, oldest first.
    async fn run_queues(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<RunQueueObject>> {
        let queues = cairn(ctx).run_queues(&self.0).await.gql()?;
        Ok(queues
            .into_iter()
            .map(|queue| RunQueueObject {
                queue,
                project: self.0.clone(),
            })
            .collect())
    }

    /// The project's sweeps, newest first. `filters` is accepted (newer
    /// clients always send it) and must be a JSON object; only the empty
    /// filter is supported.
    async fn sweeps(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        first: Option<i32>,
        filters: Option<JsonString>,
    ) -> async_graphql::Result<SweepConnection> {
        if let Some(filters) = filters.filter(|f| !f.0.trim().is_empty()) {
            match serde_json::from_str::<serde_json::Value>(&filters.0) {
                Ok(serde_json::Value::Object(map)) if map.is_empty() => {}
                Ok(serde_json::Value::Null) => {}
                _ => {
                    return Err(CoreError::InvalidInput(format!(
                        "filters: sweeps can only be listed whole; {} is not supported.",
                        filters.0
                    )))
                    .gql();
                }
            }
        }
        let first = i64::from(first.unwrap_or(DEFAULT_RUNS));
        let before = decode_cursor(after.as_deref()).gql()?;
        let sweeps = cairn(ctx).sweeps(&self.0, before, first + 1).await.gql()?;
        let has_next_page = sweeps.len() as i64 > first;
        let edges: Vec<SweepEdge> = sweeps
            .into_iter()
            .take(usize::try_from(first).unwrap_or(0))
            .map(|sweep| SweepEdge {
                cursor: cursor(sweep.id),
                node: SweepObject {
                    sweep,
                    project: self.0.clone(),
                },
            })
            .collect();
        Ok(SweepConnection {
            page_info: PageInfo {
                end_cursor: edges.last().map(|e| e.cursor.clone()),
                start_cursor: edges.first().map(|e| e.cursor.clone()),
                has_next_page,
                ..PageInfo::default()
            },
            edges,
        })
    }

    /// The project's views (reports, saved workspaces), newest first:
    /// those of type `viewType`, named `viewName`, by `userName`. Drafts
    /// are listed only to their author.
    async fn all_views(
        &self,
        ctx: &Context<'_>,
        view_type: Option<String>,
        view_name: Option<String>,
        user_name: Option<String>,
        after: Option<String>,
        first: Option<i32>,
    ) -> async_graphql::Result<ViewConnection> {
        let first = i64::from(first.unwrap_or(DEFAULT_RUNS));
        let before = decode_cursor(after.as_deref()).gql()?;
        let filter = ViewFilter {
            kind: view_type,
            name: view_name,
            username: user_name,
        };
        let views = cairn(ctx)
            .views(actor(ctx), &self.0, filter, before, first + 1)
            .await
            .gql()?;
        let has_next_page = views.len() as i64 > first;
        let edges: Vec<ViewEdge> = views
            .into_iter()
            .take(usize::try_from(first).unwrap_or(0))
            .map(|view| ViewEdge {
                cursor: cursor(view.id),
                node: ViewObject {
                    view,
                    project: self.0.clone(),
                },
            })
            .collect();
        Ok(ViewConnection {
            page_info: PageInfo {
                end_cursor: edges.last().map(|e| e.cursor.clone()),
                start_cursor: edges.first().map(|e| e.cursor.clone()),
                has_next_page,
                ..PageInfo::default()
            },
            edges,
        })
    }

    /// How many sweeps the project has.
    async fn total_sweeps(&self, ctx: &Context<'_>) -> async_graphql::Result<i64> {
        cairn(ctx).sweep_count(&self.0).await.gql()
    }

    /// How many runs match a filter.
    async fn run_count(
        &self,
        ctx: &Context<'_>,
        filters: Option<JsonString>,
    ) -> async_graphql::Result<i64> {
        cairn(ctx)
            .run_count(&self.0, &run_query(filters, None))
            .await
            .gql()
    }

    async fn updated_at(&self) -> DateTime {
        DateTime(self.0.updated_at)
    }

    /// For registries: whether every artifact type may be linked in.
    async fn allow_all_artifact_types_in_registry(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<bool> {
        Ok(cairn(ctx).registry_types(&self.0).await.gql()?.0)
    }

    /// Artifact types used in the project (with `includeAll` on a
    /// registry: the types it accepts).
    async fn artifact_types(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        first: Option<i32>,
        include_all: Option<bool>,
    ) -> async_graphql::Result<ArtifactTypeConnection> {
        let cairn = cairn(ctx);
        if include_all == Some(true) && self.0.name.starts_with(cairn_core::REGISTRY_PREFIX) {
            let (_, allowed) = cairn.registry_types(&self.0).await.gql()?;
            let edges = allowed
                .into_iter()
                .enumerate()
                .map(|(i, name)| ArtifactTypeEdge {
                    cursor: cursor(i as i64),
                    node: ArtifactTypeObject(cairn_core::artifact::ArtifactType {
                        id: 0,
                        project_id: self.0.id,
                        name,
                        description: None,
                        created_at: self.0.created_at,
                    }),
                })
                .collect();
            return Ok(ArtifactTypeConnection {
                edges,
                page_info: PageInfo::default(),
            });
        }
        let first = page_size(first);
        let after = decode_cursor(after.as_deref()).gql()?;
        let mut types = cairn
            .artifact_types(&self.0, after, first + 1)
            .await
            .gql()?;
        let has_next_page = types.len() as i64 > first;
        types.truncate(first as usize);
        Ok(ArtifactTypeConnection {
            page_info: PageInfo {
                end_cursor: types.last().map(|t| cursor(t.id)),
                start_cursor: types.first().map(|t| cursor(t.id)),
                has_next_page,
                ..PageInfo::default()
            },
            edges: types
                .into_iter()
                .map(|t| ArtifactTypeEdge {
                    cursor: cursor(t.id),
                    node: ArtifactTypeObject(t),
                })
                .collect(),
        })
    }

    /// An artifact type by name.
    async fn artifact_type(
        &self,
        ctx: &Context<'_>,
        name: String,
    ) -> async_graphql::Result<Option<ArtifactTypeObject>> {
        let found = cairn(ctx).artifact_type(&self.0, &name).await.gql()?;
        Ok(found.map(ArtifactTypeObject))
    }

    /// Collections of every type.
    async fn artifact_collections(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        first: Option<i32>,
        filters: Option<JsonString>,
        order: Option<String>,
        collection_types: Option<Vec<ArtifactCollectionType>>,
    ) -> async_graphql::Result<CollectionConnection> {
        let _ = order;
        let kinds = kinds_of(collection_types);
        collection_connection(ctx, &self.0, None, &kinds, filters, after, first).await
    }

    /// A collection by name.
    async fn artifact_collection(
        &self,
        ctx: &Context<'_>,
        name: String,
    ) -> async_graphql::Result<Option<CollectionIface>> {
        let found = cairn(ctx).collection(&self.0, &name).await.gql()?;
        Ok(found.map(CollectionIface::from))
    }

    /// A version by `collection:v3` or `collection:alias`.
    async fn artifact_collection_membership(
        &self,
        ctx: &Context<'_>,
        name: String,
    ) -> async_graphql::Result<Option<MembershipObject>> {
        let found = resolve_membership(ctx, &self.0, &name).await?;
        Ok(found.map(|(_, m, _)| MembershipObject(m)))
    }

    /// The artifact `collection:version-or-alias` names.
    async fn artifact(
        &self,
        ctx: &Context<'_>,
        name: String,
    ) -> async_graphql::Result<Option<ArtifactObject>> {
        let found = resolve_membership(ctx, &self.0, &name).await?;
        Ok(found.map(|(_, _, a)| ArtifactObject(a)))
    }

    /// The creator, when the caller may see them.
    async fn user(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<UserObject>> {
        let Some(id) = self.0.created_by else {
            return Ok(None);
        };
        let user = cairn(ctx).user_by_id(actor(ctx), id).await.gql()?;
        Ok(user.map(UserObject))
    }
}

/// Runs when the client names no page size.
const DEFAULT_RUNS: i32 = 50;

/// A page of a readable project's runs as a `RunConnection` (the project's
/// own runs, a sweep's, an agent's).
pub(crate) async fn run_connection(
    ctx: &Context<'_>,
    project: &Readable<Project>,
    query: &RunQuery,
    after: Option<String>,
    first: Option<i32>,
) -> async_graphql::Result<RunConnection> {
    let first = i64::from(first.unwrap_or(DEFAULT_RUNS));
    let after = after.filter(|a| !a.is_empty());
    let page = cairn(ctx)
        .runs(project, query, after.as_deref(), first)
        .await
        .gql()?;
    Ok(RunConnection {
        page_info: PageInfo {
            end_cursor: page.runs.last().map(|(_, c)| c.clone()),
            start_cursor: page.runs.first().map(|(_, c)| c.clone()),
            has_next_page: page.has_next_page,
            ..PageInfo::default()
        },
        edges: page
            .runs
            .into_iter()
            .map(|(run, cursor)| RunEdge {
                node: RunObject(run),
                cursor,
            })
            .collect(),
    })
}

/// The search a `runs`/`runCount` call describes. Sweep runs are always
/// included: the official client's `include_sweeps` only decides whether
/// it loads sweep objects.
fn run_query(filters: Option<JsonString>, order: Option<String>) -> RunQuery {
    RunQuery {
        filters: filters.map(|f| f.0),
        order: order.filter(|o| !o.is_empty()),
        include_sweeps: true,
    }
}

/// A page of projects.
#[derive(SimpleObject)]
pub struct ProjectConnection {
    /// The projects.
    pub edges: Vec<ProjectEdge>,
    /// Where the page ends.
    pub page_info: PageInfo,
}

/// One project.
#[derive(SimpleObject)]
pub struct ProjectEdge {
    /// The project.
    pub node: Option<ProjectObject>,
    /// Its cursor.
    pub cursor: String,
}
