//! Your API keys (`/-/keys`, every signed-in user) and the instance admin's
//! user management (`/-/admin`).
//!
//! A new key's secret is shown once, on the page that answers the POST that
//! created it (sent `no-store`, like every UI page), and never again: the
//! database keeps only its hash. Admin pages are the 404 page for anyone
//! else — the same answer as a page that does not exist. Every change is a
//! POST with the session's CSRF token, then a redirect back (or, for a new
//! key, the page with the secret).

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use cairn_core::Admin;
use cairn_core::model::User;
use serde::Deserialize;

use super::page::{Chrome, PageError, render};
use super::session::Viewer;
use super::{format, links};
use crate::state::AppState;

/// A key as the list shows it: never its secret.
pub struct KeyRow {
    id: i64,
    name: String,
    description: String,
    created: String,
}

#[derive(Template)]
#[template(path = "keys.html")]
struct KeysPage {
    chrome: Chrome,
    /// Whose keys: `None` for the viewer's own, a user name when an admin
    /// manages someone else's.
    owner: Option<String>,
    /// `?user=NAME` for someone else's keys, else empty.
    owner_query: String,
    keys: Vec<KeyRow>,
    /// The secret of the key just created, shown this once.
    new_secret: Option<String>,
}

/// Whose keys a keys page or form is about.
#[derive(Deserialize)]
pub struct KeysOf {
    user: Option<String>,
}

/// The user whose keys the viewer manages: themselves, or (for an instance
/// admin) the one named. Anyone else's name is the 404 page.
async fn owner(state: &AppState, viewer: &Viewer, name: Option<&str>) -> Result<User, PageError> {
    match name.map(str::trim).filter(|n| !n.is_empty()) {
        None => Ok(viewer.actor.user().clone()),
        Some(name) => state
            .cairn
            .user_named(&viewer.actor, name)
            .await?
            .ok_or(PageError::NotFound),
    }
}

/// Where the keys page of `owner` is.
fn keys_href(viewer: &Viewer, owner: &User) -> String {
    if owner.id == viewer.actor.user().id {
        "/-/keys".into()
    } else {
        format!("/-/keys?user={}", links::enc(&owner.username))
    }
}

async fn keys_page(
    state: &AppState,
    viewer: &Viewer,
    owner: &User,
    new_secret: Option<String>,
) -> Result<Response, PageError> {
    let keys = state
        .cairn
        .api_keys_of(&viewer.actor, owner.id)
        .await?
        .ok_or(PageError::NotFound)?
        .into_iter()
        .map(|key| KeyRow {
            id: key.id,
            name: key.name,
            description: key.description.unwrap_or_default(),
            created: format::when(key.created_at),
        })
        .collect();
    let own = owner.id == viewer.actor.user().id;
    let title = if own {
        "API keys".to_string()
    } else {
        format!("API keys of {}", owner.username)
    };
    let mut chrome = viewer.chrome().title(&title);
    if !own {
        chrome = chrome.crumb("Admin", "/-/admin");
    }
    Ok(render(
        StatusCode::OK,
        &KeysPage {
            chrome: chrome.crumb(&title, keys_href(viewer, owner)),
            owner: (!own).then(|| owner.username.clone()),
            owner_query: keys_href(viewer, owner)
                .trim_start_matches("/-/keys")
                .to_string(),
            keys,
            new_secret,
        },
    ))
}

/// `GET /-/keys[?user=NAME]`.
pub async fn keys(
    State(state): State<AppState>,
    Query(of): Query<KeysOf>,
    viewer: Viewer,
) -> Result<Response, PageError> {
    let owner = owner(&state, &viewer, of.user.as_deref()).await?;
    keys_page(&state, &viewer, &owner, None).await
}

/// The new-key form.
#[derive(Deserialize)]
pub struct NewKeyForm {
    csrf: String,
    description: String,
    user: Option<String>,
}

/// `POST /-/keys`: create a key and show its secret once.
pub async fn create_key(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<NewKeyForm>,
) -> Result<Response, PageError> {
    viewer.check_csrf(&form.csrf)?;
    let owner = owner(&state, &viewer, form.user.as_deref()).await?;
    let description = form.description.trim();
    let (_, secret) = state
        .cairn
        .generate_api_key(
            &viewer.actor,
            Some(owner.id),
            (!description.is_empty()).then_some(description),
        )
        .await?;
    keys_page(&state, &viewer, &owner, Some(secret)).await
}

/// A form that only carries the CSRF token.
#[derive(Deserialize)]
pub struct CsrfForm {
    csrf: String,
}

/// `POST /-/keys/{id}/revoke[?user=NAME]`.
pub async fn revoke_key(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(of): Query<KeysOf>,
    viewer: Viewer,
    Form(form): Form<CsrfForm>,
) -> Result<Response, PageError> {
    viewer.check_csrf(&form.csrf)?;
    let owner = owner(&state, &viewer, of.user.as_deref()).await?;
    state.cairn.delete_api_key(&viewer.actor, id).await?;
    Ok(Redirect::to(&keys_href(&viewer, &owner)).into_response())
}

/// A user as the admin list shows them.
pub struct UserRow {
    username: String,
    email: String,
    admin: bool,
    active: bool,
    created: String,
}

impl From<User> for UserRow {
    fn from(user: User) -> Self {
        UserRow {
            active: user.is_active(),
            username: user.username,
            email: user.email.unwrap_or_default(),
            admin: user.admin,
            created: format::when(user.created_at),
        }
    }
}

#[derive(Template)]
#[template(path = "admin.html")]
struct AdminPage {
    chrome: Chrome,
    query: String,
    users: Vec<UserRow>,
    /// Every team's name (at most [`TEAMS_SHOWN`]), and whether there are more.
    teams: Vec<String>,
    more_teams: bool,
    notice: Option<String>,
}

/// Most teams the admin page lists.
const TEAMS_SHOWN: i64 = 500;

/// The admin page's search.
#[derive(Deserialize)]
pub struct AdminQuery {
    q: Option<String>,
    notice: Option<String>,
}

fn admin_of(viewer: &Viewer) -> Result<Admin<'_>, PageError> {
    viewer.actor.admin().ok_or(PageError::NotFound)
}

/// `GET /-/admin`: users (searchable), create, (de)activate, passwords,
/// their keys; every team.
pub async fn admin(
    State(state): State<AppState>,
    Query(query): Query<AdminQuery>,
    viewer: Viewer,
) -> Result<Response, PageError> {
    let admin = admin_of(&viewer)?;
    let q = query.q.unwrap_or_default();
    let users = state
        .cairn
        .search_users(admin, &q)
        .await?
        .into_iter()
        .map(UserRow::from)
        .collect();
    let mut teams: Vec<String> = state
        .cairn
        .all_teams(admin, TEAMS_SHOWN + 1)
        .await?
        .into_iter()
        .map(|team| team.name)
        .collect();
    let more_teams = teams.len() as i64 > TEAMS_SHOWN;
    teams.truncate(TEAMS_SHOWN as usize);
    Ok(render(
        StatusCode::OK,
        &AdminPage {
            chrome: viewer.chrome().title("Admin").crumb("Admin", "/-/admin"),
            query: q,
            users,
            teams,
            more_teams,
            notice: query.notice,
        },
    ))
}

/// The new-user form.
#[derive(Deserialize)]
pub struct NewUserForm {
    csrf: String,
    email: String,
    admin: Option<String>,
}

/// `POST /-/admin/users`.
pub async fn create_user(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<NewUserForm>,
) -> Result<Response, PageError> {
    viewer.check_csrf(&form.csrf)?;
    let admin = admin_of(&viewer)?;
    let user = state
        .cairn
        .create_user(admin, &form.email, form.admin.is_some())
        .await?;
    Ok(back(&format!("Created user {}.", user.username)))
}

/// The (de)activation form.
#[derive(Deserialize)]
pub struct ActiveForm {
    csrf: String,
    active: String,
}

/// `POST /-/admin/users/{username}/active`.
pub async fn set_active(
    State(state): State<AppState>,
    Path(username): Path<String>,
    viewer: Viewer,
    Form(form): Form<ActiveForm>,
) -> Result<Response, PageError> {
    viewer.check_csrf(&form.csrf)?;
    let admin = admin_of(&viewer)?;
    let active = form.active == "true";
    state
        .cairn
        .set_user_active(admin, &username, active)
        .await?;
    let done = if active { "Activated" } else { "Deactivated" };
    Ok(back(&format!("{done} {username}.")))
}

/// The password form; blank clears the password.
#[derive(Deserialize)]
pub struct PasswordForm {
    csrf: String,
    password: String,
}

/// `POST /-/admin/users/{username}/password`.
pub async fn set_password(
    State(state): State<AppState>,
    Path(username): Path<String>,
    viewer: Viewer,
    Form(form): Form<PasswordForm>,
) -> Result<Response, PageError> {
    viewer.check_csrf(&form.csrf)?;
    let admin = admin_of(&viewer)?;
    let password = (!form.password.is_empty()).then_some(form.password.as_str());
    state.cairn.set_password(admin, &username, password).await?;
    let done = if password.is_some() { "Set" } else { "Cleared" };
    Ok(back(&format!("{done} the password of {username}.")))
}

fn back(notice: &str) -> Response {
    let encoded = percent_encoding::utf8_percent_encode(notice, percent_encoding::NON_ALPHANUMERIC);
    Redirect::to(&format!("/-/admin?notice={encoded}")).into_response()
}
