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

use super::format;
use super::page::{Chrome, PageError, render};
use super::session::Viewer;
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
    keys: Vec<KeyRow>,
    /// The secret of the key just created, shown this once.
    new_secret: Option<String>,
}

async fn keys_page(
    state: &AppState,
    viewer: &Viewer,
    new_secret: Option<String>,
) -> Result<Response, PageError> {
    let user_id = viewer.actor.user().id;
    let keys = state
        .cairn
        .api_keys_of(&viewer.actor, user_id)
        .await?
        .unwrap_or_default()
        .into_iter()
        .map(|key| KeyRow {
            id: key.id,
            name: key.name,
            description: key.description.unwrap_or_default(),
            created: format::when(key.created_at),
        })
        .collect();
    Ok(render(
        StatusCode::OK,
        &KeysPage {
            chrome: viewer
                .chrome()
                .title("API keys")
                .crumb("API keys", "/-/keys"),
            keys,
            new_secret,
        },
    ))
}

/// `GET /-/keys`.
pub async fn keys(State(state): State<AppState>, viewer: Viewer) -> Result<Response, PageError> {
    keys_page(&state, &viewer, None).await
}

/// The new-key form.
#[derive(Deserialize)]
pub struct NewKeyForm {
    csrf: String,
    description: String,
}

/// `POST /-/keys`: create a key and show its secret once.
pub async fn create_key(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<NewKeyForm>,
) -> Result<Response, PageError> {
    viewer.check_csrf(&form.csrf)?;
    let description = form.description.trim();
    let (_, secret) = state
        .cairn
        .generate_api_key(
            &viewer.actor,
            None,
            (!description.is_empty()).then_some(description),
        )
        .await?;
    keys_page(&state, &viewer, Some(secret)).await
}

/// A form that only carries the CSRF token.
#[derive(Deserialize)]
pub struct CsrfForm {
    csrf: String,
}

/// `POST /-/keys/{id}/revoke`.
pub async fn revoke_key(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    viewer: Viewer,
    Form(form): Form<CsrfForm>,
) -> Result<Response, PageError> {
    viewer.check_csrf(&form.csrf)?;
    state.cairn.delete_api_key(&viewer.actor, id).await?;
    Ok(Redirect::to("/-/keys").into_response())
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
    notice: Option<String>,
}

/// The admin page's search.
#[derive(Deserialize)]
pub struct AdminQuery {
    q: Option<String>,
    notice: Option<String>,
}

fn admin_of(viewer: &Viewer) -> Result<Admin<'_>, PageError> {
    viewer.actor.admin().ok_or(PageError::NotFound)
}

/// `GET /-/admin`: users (searchable), create, (de)activate, passwords.
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
    Ok(render(
        StatusCode::OK,
        &AdminPage {
            chrome: viewer.chrome().title("Admin").crumb("Admin", "/-/admin"),
            query: q,
            users,
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
