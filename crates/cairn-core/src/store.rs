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
use crate::run::{HistoryKey, LogLine, Run, RunFile, RunPage, RunPatch, RunQuery};
use crate::stream::{StreamBatch, StreamOutcome};

/// A storage failure.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A uniqueness rule was broken; the message names what clashed.
    #[error("{0}")]
    Conflict(String),
    /// A query the caller wrote (a run filter, an order) is malformed; the
    /// message says how.
    #[error("{0}")]
    InvalidQuery(String),
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

/// Runs and everything they log.
#[async_trait]
pub trait RunStore: Send + Sync {
    /// Create the run `name` in a project or apply `patch` to it. Returns the
    /// run and whether it was created.
    async fn upsert_run(
        &self,
        project_id: i64,
        name: &str,
        patch: &RunPatch,
        user_id: UserId,
    ) -> StoreResult<(Run, bool)>;
    /// Apply `patch` to a run by id.
    async fn update_run(&self, id: i64, patch: &RunPatch) -> StoreResult<Option<Run>>;
    /// A run by project and name.
    async fn run_by_name(&self, project_id: i64, name: &str) -> StoreResult<Option<Run>>;
    /// A run by id.
    async fn run_by_id(&self, id: i64) -> StoreResult<Option<Run>>;
    /// One page of a project's runs matching `query`, after `cursor`.
    async fn search_runs(
        &self,
        project_id: i64,
        query: &RunQuery,
        cursor: Option<&str>,
        limit: i64,
    ) -> StoreResult<RunPage>;
    /// How many runs match `query`.
    async fn count_runs(&self, project_id: i64, query: &RunQuery) -> StoreResult<i64>;
    /// Delete a run and everything it logged; false if it did not exist.
    async fn delete_run(&self, id: i64) -> StoreResult<bool>;
    /// Ask a run to stop: the next file_stream answer says so.
    async fn request_stop(&self, id: i64) -> StoreResult<()>;
    /// Store one file_stream request atomically and note the heartbeat.
    async fn append_stream(&self, run_id: i64, batch: &StreamBatch) -> StoreResult<StreamOutcome>;
    /// Mark runs that have been silent since `before_ms` as crashed.
    async fn mark_crashed(&self, before_ms: i64) -> StoreResult<u64>;
    /// History rows with `min_step <= step < max_step`, in step order, as
    /// `(step, row)`.
    async fn history(
        &self,
        run_id: i64,
        min_step: i64,
        max_step: i64,
        limit: i64,
    ) -> StoreResult<Vec<(i64, String)>>;
    /// At most `samples` history rows in the step range that have every key
    /// in `keys`, spread evenly, always with the first and last.
    async fn sampled_history(
        &self,
        run_id: i64,
        keys: &[String],
        min_step: i64,
        max_step: i64,
        samples: i64,
    ) -> StoreResult<Vec<String>>;
    /// The keys of a run's history.
    async fn history_keys(&self, run_id: i64) -> StoreResult<Vec<HistoryKey>>;
    /// At most `samples` system-metric rows, spread evenly.
    async fn events(&self, run_id: i64, samples: i64) -> StoreResult<Vec<String>>;
    /// Console lines numbered from `from`, at most `limit`.
    async fn log_lines(&self, run_id: i64, from: i64, limit: i64) -> StoreResult<Vec<LogLine>>;
    /// Record an uploaded run file (replacing an earlier one of that name).
    async fn put_run_file(&self, file: &RunFile) -> StoreResult<RunFile>;
    /// A page of a run's files in name order after `after_name`; restricted
    /// to `names` when not empty, and to a SQL LIKE `pattern` when given.
    async fn run_files(
        &self,
        run_id: i64,
        names: &[String],
        pattern: Option<&str>,
        after_name: Option<&str>,
        limit: i64,
    ) -> StoreResult<Vec<RunFile>>;
    /// How many files a run has.
    async fn run_file_count(&self, run_id: i64) -> StoreResult<i64>;
    /// A run file by id.
    async fn run_file_by_id(&self, id: i64) -> StoreResult<Option<RunFile>>;
    /// Delete run files by id, returning those deleted.
    async fn delete_run_files(&self, ids: &[i64]) -> StoreResult<Vec<RunFile>>;
}

/// Secrets the server makes for itself.
#[async_trait]
pub trait SecretStore: Send + Sync {
    /// The secret `name`, storing `candidate` as it if there is none yet.
    async fn secret_or_insert(&self, name: &str, candidate: Vec<u8>) -> StoreResult<Vec<u8>>;
}

/// Everything the domain needs from storage.
pub trait Store:
    UserStore + ApiKeyStore + EntityStore + ProjectStore + RunStore + SecretStore
{
}

impl<T: UserStore + ApiKeyStore + EntityStore + ProjectStore + RunStore + SecretStore> Store for T {}
