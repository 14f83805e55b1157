//! Row types and their conversion into domain records.

use cairn_core::model::{AccountType, ApiKey, Entity, Invite, Project, User};
use time::OffsetDateTime;

/// Column list matching [`UserRow`], for `SELECT`s from `users u`. It
/// leaves out `password_hash`, which only `UserStore::password_hash` reads.
pub(crate) const USER_COLUMNS: &str = "u.id, u.username, u.email, u.name, u.admin, u.account_type, u.photo_url, \
     (SELECT de.name FROM entities de JOIN memberships dm ON dm.entity_id = de.id \
      WHERE de.id = u.default_entity_id AND dm.user_id = u.id) AS default_entity, \
     u.created_at, u.deactivated_at";

#[derive(sqlx::FromRow)]
pub(crate) struct UserRow {
    id: i64,
    username: String,
    email: Option<String>,
    name: String,
    admin: bool,
    account_type: String,
    photo_url: Option<String>,
    default_entity: Option<String>,
    created_at: i64,
    deactivated_at: Option<i64>,
}

impl From<UserRow> for User {
    fn from(r: UserRow) -> Self {
        User {
            id: r.id,
            username: r.username,
            email: r.email,
            name: r.name,
            admin: r.admin,
            account_type: AccountType::parse(&r.account_type),
            photo_url: r.photo_url,
            default_entity: r.default_entity,
            created_at: timestamp(r.created_at),
            deactivated_at: r.deactivated_at.map(timestamp),
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct ApiKeyRow {
    id: i64,
    user_id: i64,
    name: String,
    description: Option<String>,
    created_at: i64,
}

impl From<ApiKeyRow> for ApiKey {
    fn from(r: ApiKeyRow) -> Self {
        ApiKey {
            id: r.id,
            user_id: r.user_id,
            name: r.name,
            description: r.description,
            created_at: timestamp(r.created_at),
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct EntityRow {
    id: i64,
    name: String,
    is_team: bool,
    organization_id: i64,
    created_at: i64,
}

impl From<EntityRow> for Entity {
    fn from(r: EntityRow) -> Self {
        Entity {
            id: r.id,
            name: r.name,
            is_team: r.is_team,
            organization_id: r.organization_id,
            created_at: timestamp(r.created_at),
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct InviteRow {
    id: i64,
    entity_id: i64,
    email: String,
    admin: bool,
    created_at: i64,
}

impl From<InviteRow> for Invite {
    fn from(r: InviteRow) -> Self {
        Invite {
            id: r.id,
            entity_id: r.entity_id,
            email: r.email,
            admin: r.admin,
            created_at: timestamp(r.created_at),
        }
    }
}

/// Column list matching [`ProjectRow`], for `SELECT`s from `projects p JOIN entities e`.
pub(crate) const PROJECT_COLUMNS: &str = "p.id, p.entity_id, e.name AS entity_name, p.name, \
     p.description, p.access, p.created_by, p.created_at, \
     COALESCE(p.updated_at, p.created_at) AS updated_at";

#[derive(sqlx::FromRow)]
pub(crate) struct ProjectRow {
    id: i64,
    entity_id: i64,
    entity_name: String,
    name: String,
    description: Option<String>,
    access: String,
    created_by: Option<i64>,
    created_at: i64,
    updated_at: i64,
}

impl From<ProjectRow> for Project {
    fn from(r: ProjectRow) -> Self {
        Project {
            id: r.id,
            entity_id: r.entity_id,
            entity_name: r.entity_name,
            name: r.name,
            description: r.description,
            access: r.access,
            created_by: r.created_by,
            created_at: timestamp(r.created_at),
            updated_at: timestamp(r.updated_at),
        }
    }
}

pub(crate) fn timestamp(secs: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(secs).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}
