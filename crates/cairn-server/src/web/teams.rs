//! Teams in the UI: create one (any person may, as with `api.create_team`),
//! and, on a team's page, its members — added by user name or email
//! (an email without an account becomes a pending invitation), removed, and
//! made team admins or plain members again — by the team's admins and
//! instance admins, through the same `Cairn` calls as the client's team
//! mutations (which check who may).

use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use cairn_core::MemberRef;
use cairn_core::model::{Entity, Member};
use serde::Deserialize;

use super::page::PageError;
use super::session::Viewer;
use crate::state::AppState;

/// A member as the team page shows them.
pub struct MemberRow {
    /// User name, or the invited email.
    pub name: String,
    /// `admin`, `member` or `invited`.
    pub role: &'static str,
    /// What the remove form sends: `user:ID` or `invite:ID`.
    pub remove: String,
    /// A joined member's user id, for the role form.
    pub user_id: Option<i64>,
}

/// The members of a team the viewer may see, and whether they may change
/// them.
pub async fn members_of(
    state: &AppState,
    viewer: &Viewer,
    team: &Entity,
) -> Result<(Vec<MemberRow>, bool), PageError> {
    let members = state.cairn.members(&viewer.actor, team).await?;
    let me = viewer.actor.user().id;
    let mut may_manage = viewer.actor.admin().is_some();
    let rows = members
        .into_iter()
        .map(|view| match view.member {
            Member::Joined { user, admin } => {
                if user.id == me && admin {
                    may_manage = true;
                }
                MemberRow {
                    remove: format!("user:{}", user.id),
                    user_id: Some(user.id),
                    name: user.username,
                    role: if admin { "admin" } else { "member" },
                }
            }
            Member::Pending(invite) => MemberRow {
                remove: format!("invite:{}", invite.id),
                name: invite.email,
                role: "invited",
                user_id: None,
            },
        })
        .collect();
    Ok((rows, may_manage))
}

/// The create-team form.
#[derive(Deserialize)]
pub struct NewTeamForm {
    csrf: String,
    name: String,
}

/// `POST /-/teams`: create a team with the viewer as its admin.
pub async fn create(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<NewTeamForm>,
) -> Result<Response, PageError> {
    viewer.check_csrf(&form.csrf)?;
    let me = viewer.actor.user().username.clone();
    let team = state
        .cairn
        .create_team(&viewer.actor, form.name.trim(), Some(&me))
        .await?;
    Ok(Redirect::to(&format!("/{}", team.name)).into_response())
}

/// The add-member form.
#[derive(Deserialize)]
pub struct AddForm {
    csrf: String,
    who: String,
    admin: Option<String>,
}

/// `POST /-/teams/{team}/members`.
pub async fn add(
    State(state): State<AppState>,
    Path(team): Path<String>,
    viewer: Viewer,
    Form(form): Form<AddForm>,
) -> Result<Response, PageError> {
    viewer.check_csrf(&form.csrf)?;
    let who = form.who.trim();
    let (username, email) = if who.contains('@') {
        (None, Some(who))
    } else {
        (Some(who), None)
    };
    state
        .cairn
        .invite(&viewer.actor, &team, username, email, form.admin.is_some())
        .await?;
    Ok(Redirect::to(&format!("/{team}")).into_response())
}

/// The remove-member form.
#[derive(Deserialize)]
pub struct RemoveForm {
    csrf: String,
    member: String,
}

/// `POST /-/teams/{team}/members/remove`.
pub async fn remove(
    State(state): State<AppState>,
    Path(team): Path<String>,
    viewer: Viewer,
    Form(form): Form<RemoveForm>,
) -> Result<Response, PageError> {
    viewer.check_csrf(&form.csrf)?;
    let member = match form.member.split_once(':') {
        Some(("user", id)) => id.parse().ok().map(MemberRef::User),
        Some(("invite", id)) => id.parse().ok().map(MemberRef::Invite),
        _ => None,
    }
    .ok_or(PageError::NotFound)?;
    state
        .cairn
        .remove_member(&viewer.actor, &team, member)
        .await?;
    Ok(Redirect::to(&format!("/{team}")).into_response())
}

/// The role form: make a member a team admin, or no longer one.
#[derive(Deserialize)]
pub struct RoleForm {
    csrf: String,
    user: i64,
    admin: String,
}

/// `POST /-/teams/{team}/members/role`.
pub async fn set_role(
    State(state): State<AppState>,
    Path(team): Path<String>,
    viewer: Viewer,
    Form(form): Form<RoleForm>,
) -> Result<Response, PageError> {
    viewer.check_csrf(&form.csrf)?;
    state
        .cairn
        .set_member_admin(&viewer.actor, &team, form.user, form.admin == "true")
        .await?;
    Ok(Redirect::to(&format!("/{team}")).into_response())
}
