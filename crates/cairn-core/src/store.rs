//! The storage interface the domain needs, one trait per aggregate.
//!
//! `cairn-store` implements these for SQLite (and later PostgreSQL); the
//! server holds an `Arc<dyn Store>` and never names the concrete backend
//! outside `startup.rs`. Methods do no authorization: that is the domain's
//! job, in [`crate::Cairn`].

use async_trait::async_trait;

use crate::model::{
    ApiKey, Entity, EntityId, Invite, Member, NewProject, NewUser, Project, User, UserId,
};

/// A storage failure.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A uniqueness rule was broken; the message names what clashed.
    #[error("{0}")]
    Conflict(String),
    /// The backend failed (I/O, corruption, pool exhausted, …).
    #[error("storage backend error: {0}")]
    Backend(String),
}

/// Result alias for storage calls.
pub type StoreResult<T> = Result<T, StoreError>;

/// Users and their personal entities.
#[async_trait]
pub trait UserStore: Send + Sync {
    /// Create a user. People also get a personal entity of the same name in
    /// `organization_id`, with themselves as its admin; pending invitations
    /// for their email turn into memberships. All in one transaction.
    async fn create_user(&self, user: NewUser, organization_id: i64) -> StoreResult<User>;
    /// Whether any user exists (bootstrap runs only on an empty instance).
    async fn any_user(&self) -> StoreResult<bool>;
    /// A user by id.
    async fn user_by_id(&self, id: UserId) -> StoreResult<Option<User>>;
    /// A user by exact username.
    async fn user_by_username(&self, username: &str) -> StoreResult<Option<User>>;
    /// A user by exact email (case-insensitive).
    async fn user_by_email(&self, email: &str) -> StoreResult<Option<User>>;
    /// Users whose username, email or name contains `query`, exact matches
    /// first, at most `limit`.
    async fn search_users(&self, query: &str, limit: i64) -> StoreResult<Vec<User>>;
}

/// API keys (hashes only).
#[async_trait]
pub trait ApiKeyStore: Send + Sync {
    /// Store a key's hash and public record.
    async fn insert_key(
        &self,
        user_id: UserId,
        name: &str,
        hash: &str,
        description: Option<&str>,
    ) -> StoreResult<ApiKey>;
    /// The user a key hash belongs to.
    async fn user_by_key_hash(&self, hash: &str) -> StoreResult<Option<User>>;
    /// A user's keys, oldest first.
    async fn keys_of(&self, user_id: UserId) -> StoreResult<Vec<ApiKey>>;
    /// A key by id.
    async fn key_by_id(&self, id: i64) -> StoreResult<Option<ApiKey>>;
    /// Delete a key; false if it did not exist.
    async fn delete_key(&self, id: i64) -> StoreResult<bool>;
}

/// Organizations, entities (personal and team) and team membership.
#[async_trait]
pub trait EntityStore: Send + Sync {
    /// The default organization's id, creating it with `name` if missing.
    async fn ensure_default_organization(&self, name: &str) -> StoreResult<i64>;
    /// Create a team entity with `admin` as its first (admin) member.
    async fn create_team(
        &self,
        name: &str,
        organization_id: i64,
        admin: UserId,
    ) -> StoreResult<Entity>;
    /// An entity by exact name.
    async fn entity_by_name(&self, name: &str) -> StoreResult<Option<Entity>>;
    /// The teams a user belongs to, by name.
    async fn teams_of(&self, user_id: UserId) -> StoreResult<Vec<Entity>>;
    /// Members of an entity: pending invitations, then members in joining order.
    async fn members(&self, entity_id: EntityId) -> StoreResult<Vec<Member>>;
    /// Whether `user_id` belongs to the entity, and if so as admin or not.
    async fn membership(&self, entity_id: EntityId, user_id: UserId) -> StoreResult<Option<bool>>;
    /// Add a member; a conflict if already one.
    async fn add_member(
        &self,
        entity_id: EntityId,
        user_id: UserId,
        admin: bool,
    ) -> StoreResult<()>;
    /// Remove a member; false if they were not one.
    async fn remove_member(&self, entity_id: EntityId, user_id: UserId) -> StoreResult<bool>;
    /// Record an invitation for an email that has no account yet.
    async fn create_invite(
        &self,
        entity_id: EntityId,
        email: &str,
        admin: bool,
    ) -> StoreResult<Invite>;
    /// Withdraw an invitation; false if it did not exist for that entity.
    async fn delete_invite(&self, entity_id: EntityId, invite_id: i64) -> StoreResult<bool>;
}

/// Projects.
#[async_trait]
pub trait ProjectStore: Send + Sync {
    /// Create a project; a conflict if the name is taken in the entity.
    async fn create_project(&self, project: NewProject) -> StoreResult<Project>;
    /// Change description and/or access of a project.
    async fn update_project(
        &self,
        id: i64,
        description: Option<&str>,
        access: Option<&str>,
    ) -> StoreResult<Project>;
    /// A project by entity and name.
    async fn project_by_name(
        &self,
        entity_id: EntityId,
        name: &str,
    ) -> StoreResult<Option<Project>>;
    /// One page of an entity's projects in id order, after `after_id`.
    /// With `public_only`, only projects readable by non-members.
    async fn list_projects(
        &self,
        entity_id: EntityId,
        public_only: bool,
        after_id: Option<i64>,
        limit: i64,
    ) -> StoreResult<Vec<Project>>;
}

/// Everything the domain needs from storage.
pub trait Store: UserStore + ApiKeyStore + EntityStore + ProjectStore {}

impl<T: UserStore + ApiKeyStore + EntityStore + ProjectStore> Store for T {}
