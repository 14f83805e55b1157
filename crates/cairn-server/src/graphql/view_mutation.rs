//! View mutations in the shapes `wandb-workspaces` sends them:
//! `Report.save()` and `Workspace.save()` (`upsertView`), `Report.delete()`
//! (`deleteView`).

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use cairn_core::ViewUpsert;

use crate::error::GqlResultExt;
use crate::graphql::types::view::{ViewObject, decode_view_id};
use crate::graphql::{actor, cairn};

/// Mutations on views.
#[derive(Default)]
pub struct ViewMutation;

/// Where a view was made; the client says `WANDB_SDK`.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "ViewSource")]
#[allow(clippy::upper_case_acronyms)]
enum ViewSource {
    #[graphql(name = "WANDB_SDK")]
    WandbSdk,
    #[graphql(name = "WANDB_UI")]
    WandbUi,
}

impl ViewSource {
    fn as_str(self) -> &'static str {
        match self {
            ViewSource::WandbSdk => "WANDB_SDK",
            ViewSource::WandbUi => "WANDB_UI",
        }
    }
}

#[derive(InputObject)]
struct UpsertViewInput {
    /// The view to change; absent to create (or change the one of this
    /// project, type and name).
    id: Option<ID>,
    entity_name: Option<String>,
    project_name: Option<String>,
    name: Option<String>,
    display_name: Option<String>,
    description: Option<String>,
    /// `runs`, `runs/draft`, `project-view`, …; `runs` when absent.
    #[graphql(name = "type")]
    kind: Option<String>,
    /// The client's JSON document, stored exactly as sent.
    spec: Option<String>,
    /// The published view a new draft belongs to.
    parent_id: Option<ID>,
    created_using: Option<ViewSource>,
    /// Accepted and ignored (W&B's UI locks views; Cairn has no UI yet).
    locked: Option<bool>,
    client_mutation_id: Option<String>,
}

#[derive(SimpleObject)]
struct UpsertViewPayload {
    view: Option<ViewObject>,
    /// Whether the view was created (not changed).
    inserted: bool,
    client_mutation_id: Option<String>,
}

#[derive(InputObject)]
struct DeleteViewInput {
    id: ID,
    /// Also delete the drafts made from this view.
    delete_drafts: Option<bool>,
    client_mutation_id: Option<String>,
}

#[derive(SimpleObject)]
struct DeleteViewPayload {
    success: bool,
    /// Nothing was deleted: drafts belong to the view and `deleteDrafts`
    /// was not set.
    pending_drafts: bool,
    client_mutation_id: Option<String>,
}

#[Object]
impl ViewMutation {
    /// Create or change a report or saved workspace.
    async fn upsert_view(
        &self,
        ctx: &Context<'_>,
        input: UpsertViewInput,
    ) -> async_graphql::Result<UpsertViewPayload> {
        let _ = input.locked;
        let upsert = ViewUpsert {
            id: input
                .id
                .as_deref()
                .filter(|id| !id.is_empty())
                .map(|id| decode_view_id(id))
                .transpose()
                .gql()?,
            entity: input.entity_name,
            project: input.project_name,
            kind: input.kind,
            name: input.name,
            display_name: input.display_name,
            description: input.description,
            spec: input.spec,
            parent_id: input
                .parent_id
                .as_deref()
                .map(|id| decode_view_id(id))
                .transpose()
                .gql()?,
            created_using: input.created_using.map(|s| s.as_str().to_string()),
        };
        let (view, inserted) = cairn(ctx).upsert_view(actor(ctx), upsert).await.gql()?;
        Ok(UpsertViewPayload {
            view: Some(ViewObject {
                view: view.view,
                project: view.project,
            }),
            inserted,
            client_mutation_id: input.client_mutation_id,
        })
    }

    /// Delete a report or saved workspace (with its drafts when
    /// `deleteDrafts`).
    async fn delete_view(
        &self,
        ctx: &Context<'_>,
        input: DeleteViewInput,
    ) -> async_graphql::Result<DeleteViewPayload> {
        let id = decode_view_id(&input.id).gql()?;
        let deletion = cairn(ctx)
            .delete_view(actor(ctx), id, input.delete_drafts.unwrap_or(false))
            .await
            .gql()?;
        Ok(DeleteViewPayload {
            success: deletion.deleted,
            pending_drafts: deletion.pending_drafts,
            client_mutation_id: input.client_mutation_id,
        })
    }
}
