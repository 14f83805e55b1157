//! Views: reports and saved workspaces, per project.
//!
//! Access follows the project, through the one path in `access.rs`:
//! readers of a project see its views, whoever may write to it creates,
//! changes and deletes them. Drafts are the exception W&B makes: a draft
//! is seen and changed only by its author (and instance admins), so to
//! everyone else it does not exist.
//!
//! `upsertView` names a view by id (change it) or by project, type and
//! name (change it if it exists, create it otherwise); the spec is checked
//! to be JSON and stored exactly as sent (see [`crate::view`]).

use crate::authz::{Actor, ProjectAction, Readable};
use crate::error::{CoreError, CoreResult};
use crate::model::Project;
use crate::store::StoreError;
use crate::view::{
    self, MAX_VIEW_DESCRIPTION, MAX_VIEW_NAME, NewView, View, ViewChange, ViewQuery,
};
use crate::{Cairn, MAX_PAGE};

/// What `upsertView` carries.
#[derive(Debug, Clone, Default)]
pub struct ViewUpsert {
    /// The view to change, when the client names it by id.
    pub id: Option<i64>,
    /// The entity; the caller's default entity when absent.
    pub entity: Option<String>,
    /// The project; required unless `id` is given.
    pub project: Option<String>,
    /// The type (`runs`, `runs/draft`, `project-view`, …).
    pub kind: Option<String>,
    /// The internal name; a random one for a new view when absent.
    pub name: Option<String>,
    /// The title.
    pub display_name: Option<String>,
    /// The description.
    pub description: Option<String>,
    /// The spec, JSON.
    pub spec: Option<String>,
    /// The published view a new draft belongs to.
    pub parent_id: Option<i64>,
    /// How it was created (`WANDB_SDK`, …).
    pub created_using: Option<String>,
}

/// Which views `allViews` lists.
#[derive(Debug, Clone, Default)]
pub struct ViewFilter {
    /// Only this type.
    pub kind: Option<String>,
    /// Only this name.
    pub name: Option<String>,
    /// Only views by the user with this username.
    pub username: Option<String>,
}

/// A view the caller may see, with its project.
pub struct ViewInProject {
    /// The view.
    pub view: Readable<View>,
    /// Its project.
    pub project: Readable<Project>,
}

/// What a delete did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ViewDeletion {
    /// The view (and its drafts) are gone.
    pub deleted: bool,
    /// Nothing was deleted because drafts belong to the view and the
    /// caller did not ask to delete them too.
    pub pending_drafts: bool,
}

fn view_not_found(id: i64) -> CoreError {
    CoreError::NotFound(format!(
        "No view with id {id} exists, or you may not see it."
    ))
}

/// Check every text field an upsert brings.
fn check_upsert(upsert: &ViewUpsert) -> CoreResult<()> {
    if let Some(kind) = &upsert.kind {
        view::check_kind(kind)?;
    }
    if let Some(name) = &upsert.name {
        view::check_text("name", name, MAX_VIEW_NAME)?;
    }
    if let Some(display_name) = &upsert.display_name {
        view::check_text("display name", display_name, MAX_VIEW_NAME)?;
    }
    if let Some(description) = &upsert.description {
        view::check_text("description", description, MAX_VIEW_DESCRIPTION)?;
    }
    if let Some(created_using) = &upsert.created_using {
        view::check_text("createdUsing", created_using, MAX_VIEW_NAME)?;
    }
    if let Some(spec) = &upsert.spec {
        view::check_spec(spec)?;
    }
    Ok(())
}

impl Cairn {
    /// Whether the caller sees this view: drafts only their author and
    /// instance admins.
    fn sees(actor: &Actor, view: &View) -> bool {
        !view.is_draft() || actor.user().admin || view.user_id == Some(actor.user().id)
    }

    /// A view by id, if the caller may see it.
    pub async fn view(&self, actor: &Actor, id: i64) -> CoreResult<Option<ViewInProject>> {
        let Some(view) = self.store.view_by_id(id).await? else {
            return Ok(None);
        };
        if !Self::sees(actor, &view) {
            return Ok(None);
        }
        let Some(project) = self.readable_project_by_id(actor, view.project_id).await? else {
            return Ok(None);
        };
        Ok(Some(ViewInProject {
            view: project.part(view),
            project,
        }))
    }

    /// A page of a readable project's views, newest first, after the view
    /// with id `before_id`.
    pub async fn views(
        &self,
        actor: &Actor,
        project: &Readable<Project>,
        filter: ViewFilter,
        before_id: Option<i64>,
        first: i64,
    ) -> CoreResult<Vec<Readable<View>>> {
        if !(0..=MAX_PAGE + 1).contains(&first) {
            return Err(CoreError::InvalidInput(format!(
                "first: a page of views holds 0 to {MAX_PAGE} views, not {first}."
            )));
        }
        let user_id = match &filter.username {
            None => None,
            Some(username) => match self.store.user_by_username(username).await? {
                Some(user) => Some(user.id),
                None => return Ok(Vec::new()),
            },
        };
        let query = ViewQuery {
            project_id: project.id,
            kind: filter.kind,
            name: filter.name,
            user_id,
            viewer_id: (!actor.user().admin).then_some(actor.user().id),
            before_id,
            limit: first,
        };
        let views = self.store.views(&query).await?;
        Ok(views.into_iter().map(|v| project.part(v)).collect())
    }

    /// Create or change a view (`upsertView`); the view and whether it was
    /// created.
    pub async fn upsert_view(
        &self,
        actor: &Actor,
        upsert: ViewUpsert,
    ) -> CoreResult<(ViewInProject, bool)> {
        check_upsert(&upsert)?;
        if let Some(id) = upsert.id {
            let (view, project) = self.writable_view(actor, id).await?;
            if let Some(named) = &upsert.project {
                let entity = upsert.entity.as_deref().unwrap_or(&project.entity_name);
                if *named != project.name || entity != project.entity_name {
                    return Err(CoreError::InvalidInput(format!(
                        "View {id} belongs to {}/{}, not {entity}/{named}; views cannot move \
                         between projects.",
                        project.entity_name, project.name
                    )));
                }
            }
            let changed = self.change_view(&view, upsert).await?;
            return Ok((
                ViewInProject {
                    view: project.part(changed),
                    project,
                },
                false,
            ));
        }

        let entity = upsert
            .entity
            .clone()
            .unwrap_or_else(|| actor.user().default_entity_name().to_string());
        let project_name = upsert.project.clone().ok_or_else(|| {
            CoreError::InvalidInput("projectName: a new view needs its project.".into())
        })?;
        let project = self
            .project_for(actor, &entity, &project_name, ProjectAction::Write)
            .await?;
        let kind = upsert
            .kind
            .clone()
            .unwrap_or_else(|| view::REPORT.to_string());
        if let Some(name) = &upsert.name
            && let Some(existing) = self.store.view_by_name(project.id, &kind, name).await?
            && Self::sees(actor, &existing)
        {
            let changed = self.change_view(&existing, upsert).await?;
            return Ok((
                ViewInProject {
                    view: project.part(changed),
                    project,
                },
                false,
            ));
        }
        if let Some(parent) = upsert.parent_id {
            let parent = self.store.view_by_id(parent).await?;
            if parent.is_none_or(|p| p.project_id != project.id || !Self::sees(actor, &p)) {
                return Err(CoreError::InvalidInput(format!(
                    "parentId: no view {} in {entity}/{project_name}.",
                    upsert.parent_id.unwrap_or_default()
                )));
            }
        }
        let spec = upsert.spec.ok_or_else(|| {
            CoreError::InvalidInput("spec: a new view needs its spec (JSON).".into())
        })?;
        let name = match upsert.name {
            Some(name) if !name.is_empty() => name,
            _ => crate::names::random_id()?,
        };
        let new = NewView {
            project_id: project.id,
            user_id: actor.user().id,
            kind,
            name,
            display_name: upsert.display_name.unwrap_or_default(),
            description: upsert.description.unwrap_or_default(),
            spec,
            parent_id: upsert.parent_id,
            created_using: upsert.created_using,
        };
        let view = self.store.create_view(&new).await.map_err(|e| match e {
            // Another author's draft holds the name.
            StoreError::Conflict(_) => CoreError::Conflict(format!(
                "A view named {:?} of type {:?} already exists in {entity}/{project_name}.",
                new.name, new.kind
            )),
            other => other.into(),
        })?;
        Ok((
            ViewInProject {
                view: project.part(view),
                project,
            },
            true,
        ))
    }

    /// Delete a view (`deleteView`). Drafts that belong to it go with it
    /// when `delete_drafts`; otherwise their existence stops the delete, as
    /// on W&B, so that nobody's draft vanishes unasked.
    pub async fn delete_view(
        &self,
        actor: &Actor,
        id: i64,
        delete_drafts: bool,
    ) -> CoreResult<ViewDeletion> {
        let (view, _) = self.writable_view(actor, id).await?;
        if !delete_drafts && self.store.view_draft_count(view.id).await? > 0 {
            return Ok(ViewDeletion {
                deleted: false,
                pending_drafts: true,
            });
        }
        let deleted = self.store.delete_view(view.id).await?;
        Ok(ViewDeletion {
            deleted,
            pending_drafts: false,
        })
    }

    /// A view the caller may change, with its project.
    async fn writable_view(&self, actor: &Actor, id: i64) -> CoreResult<(View, Readable<Project>)> {
        let view = self
            .store
            .view_by_id(id)
            .await?
            .filter(|view| Self::sees(actor, view))
            .ok_or_else(|| view_not_found(id))?;
        let project = self
            .store
            .project_by_id(view.project_id)
            .await?
            .ok_or_else(|| view_not_found(id))?;
        self.authorize_or(actor, &project, ProjectAction::Write, || view_not_found(id))
            .await?;
        Ok((view, Readable::grant(project)))
    }

    async fn change_view(&self, view: &View, upsert: ViewUpsert) -> CoreResult<View> {
        if let Some(kind) = &upsert.kind {
            view::check_kind_change(&view.kind, kind)?;
        }
        let change = ViewChange {
            kind: upsert.kind,
            name: upsert.name.filter(|n| !n.is_empty()),
            display_name: upsert.display_name,
            description: upsert.description,
            spec: upsert.spec,
        };
        let id = view.id;
        self.store
            .update_view(id, &change)
            .await
            .map_err(|e| match e {
                StoreError::Conflict(_) => CoreError::Conflict(format!(
                    "Another view of this type is already named {:?} in the project.",
                    change.name.clone().unwrap_or_default()
                )),
                other => other.into(),
            })?
            .ok_or_else(|| view_not_found(id))
    }
}
