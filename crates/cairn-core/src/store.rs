//! The storage interface the domain needs, one trait per aggregate.
//!
//! `cairn-store` implements these for SQLite (and later PostgreSQL); the
//! server holds an `Arc<dyn Store>` and never names the concrete backend
//! outside `startup.rs`. Methods do no authorization: that is the domain's
//! job, in [`crate::Cairn`].
//!
//! Artifacts are several traits rather than one: collections, versions
//! (an artifact's life from pending to deleted), memberships (its places
//! and aliases in collections), entries with their blob rows, lineage, and
//! registries. Each is small enough to read at once and matches one file of
//! `cairn-store/src/artifacts/`, so "where is this stored?" has one answer;
//! [`Store`] still combines them all, and callers holding a `dyn Store`
//! never name the parts.

use async_trait::async_trait;

use crate::artifact::{
    Artifact, ArtifactPatch, ArtifactType, Collection, CollectionKind, Entry, Membership,
    NewArtifact, RegistryMemberRef, RegistryRole, StagedFile, StagedState, VersionPage,
};
use crate::automation::{
    AlertOutcome, Attempt, ClaimedDelivery, Event, LoggedAttempt, NewEvent, NextStep, RunAlert,
    Trigger, TriggerSpec,
};
use crate::filter::Filter;
use crate::history::{CompactionInput, HistorySegment};
use crate::integration::{Integration, NewWebhook};
use crate::launch::records::{
    ItemReport, LaunchAgent, NewLaunchAgent, NewQueueItem, NewResourceConfig, NewRunQueue,
    Prioritization, QueueItem, ResourceConfig, RunQueue,
};
use crate::model::{
    ApiKey, Entity, EntityId, Invite, Member, NewProject, NewUser, Organization, Project, User,
    UserId, UserUpdate,
};
use crate::run::{HistoryKey, LogLine, Run, RunFile, RunPage, RunPatch, RunSearch};
use crate::secret::{Sealed, SecretInfo};
use crate::session::StoredSession;
use crate::stream::{StreamBatch, StreamOutcome};
use crate::sweep::records::{
    Assignment, ControllerView, NewSweep, Sweep, SweepAgent, SweepPatch, SweepState, TrialRow,
};
use crate::view::{NewView, View, ViewChange, ViewQuery};

pub use crate::error::{BackendError, StoreError, StoreResult};

/// Users and their personal entities.
#[async_trait]
pub trait UserStore: Send + Sync {
    /// Create a user. People also get a personal entity of the same name in
    /// `organization_id`, with themselves as its admin; pending invitations
    /// for their email turn into memberships. All in one transaction.
    async fn create_user(&self, user: NewUser, organization_id: i64) -> StoreResult<User>;
    /// Whether any user exists (bootstrap runs only on an empty instance).
    async fn any_user(&self) -> StoreResult<bool>;
    /// The first instance admin, if there is one.
    async fn first_admin(&self) -> StoreResult<Option<UserId>>;
    /// A user by id.
    async fn user_by_id(&self, id: UserId) -> StoreResult<Option<User>>;
    /// A user by exact username.
    async fn user_by_username(&self, username: &str) -> StoreResult<Option<User>>;
    /// A user by exact email (case-insensitive).
    async fn user_by_email(&self, email: &str) -> StoreResult<Option<User>>;
    /// Users whose username, email or name contains `query`, exact matches
    /// first, at most `limit`.
    async fn search_users(&self, query: &str, limit: i64) -> StoreResult<Vec<User>>;
    /// Apply a profile change; `None` if the user does not exist.
    async fn update_user(&self, id: UserId, update: &UserUpdate) -> StoreResult<Option<User>>;
    /// A user's password hash (a PHC string, see [`crate::password`]), if
    /// they have one. Kept apart from [`User`] so it never travels with it.
    async fn password_hash(&self, id: UserId) -> StoreResult<Option<String>>;
    /// Set (`Some`) or clear (`None`) a user's password hash; false if the
    /// user does not exist.
    async fn set_password_hash(&self, id: UserId, hash: Option<&str>) -> StoreResult<bool>;
    /// Deactivate a user as of `at` (`Some`; a user already deactivated
    /// keeps their first date) or reactivate them (`None`). The user after
    /// the change; `None` if they do not exist.
    async fn set_deactivated(
        &self,
        id: UserId,
        at: Option<time::OffsetDateTime>,
    ) -> StoreResult<Option<User>>;
}

/// Browser sessions of the web UI (token hashes only, see
/// [`crate::session`]).
#[async_trait]
pub trait SessionStore: Send + Sync {
    /// Store a new session; a conflict if its token hash is taken.
    async fn insert_session(&self, session: &StoredSession) -> StoreResult<()>;
    /// A session by its token hash, with its user, whether or not it has
    /// expired (the domain decides that).
    async fn session_by_token_hash(
        &self,
        token_hash: &str,
    ) -> StoreResult<Option<(User, StoredSession)>>;
    /// Delete a session; false if there was none.
    async fn delete_session(&self, token_hash: &str) -> StoreResult<bool>;
    /// Delete every session of a user; how many there were.
    async fn delete_sessions_of(&self, user_id: UserId) -> StoreResult<u64>;
    /// Delete the sessions that expired at or before `now`; how many.
    async fn delete_expired_sessions(&self, now: time::OffsetDateTime) -> StoreResult<u64>;
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
    /// Create a further organization (without its entity, see
    /// `RegistryStore::ensure_org_entity`); a conflict if the name is taken.
    async fn create_organization(&self, name: &str) -> StoreResult<i64>;
    /// Every organization that has its entity, oldest (the default) first.
    async fn organizations(&self) -> StoreResult<Vec<Organization>>;
    /// Create a team entity with `admin` as its first (admin) member.
    async fn create_team(
        &self,
        name: &str,
        organization_id: i64,
        admin: UserId,
    ) -> StoreResult<Entity>;
    /// An entity by exact name.
    async fn entity_by_name(&self, name: &str) -> StoreResult<Option<Entity>>;
    /// An entity by id.
    async fn entity_by_id(&self, id: EntityId) -> StoreResult<Option<Entity>>;
    /// The teams a user belongs to, by name (organizations' entities are not
    /// teams here).
    async fn teams_of(&self, user_id: UserId) -> StoreResult<Vec<Entity>>;
    /// Every team (organizations' entities are not teams here), by name,
    /// at most `limit`.
    async fn teams(&self, limit: i64) -> StoreResult<Vec<Entity>>;
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
    /// Make a member a team admin or not; false if they are not a member.
    async fn set_member_admin(
        &self,
        entity_id: EntityId,
        user_id: UserId,
        admin: bool,
    ) -> StoreResult<bool>;
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
    /// A project by id.
    async fn project_by_id(&self, id: i64) -> StoreResult<Option<Project>>;
    /// A project by entity and name.
    async fn project_by_name(
        &self,
        entity_id: EntityId,
        name: &str,
    ) -> StoreResult<Option<Project>>;
    /// One page of an entity's projects in id order, after `after_id`.
    /// With `public_only`, only projects readable by non-members. With a
    /// `viewer`, `RESTRICTED` projects (registries) they have no part in
    /// are left out.
    async fn list_projects(
        &self,
        entity_id: EntityId,
        public_only: bool,
        viewer: Option<UserId>,
        after_id: Option<i64>,
        limit: i64,
    ) -> StoreResult<Vec<Project>>;
    /// Projects of the entities `user` is a member of (their own and their
    /// teams'), by id after `after_id`, at most `limit`; restricted
    /// projects they have no part in are left out.
    async fn member_projects(
        &self,
        user: UserId,
        after_id: Option<i64>,
        limit: i64,
    ) -> StoreResult<Vec<Project>>;
}

/// Runs and everything they log.
#[async_trait]
pub trait RunStore: Send + Sync {
    /// Create the run `name` in a project or apply `patch` to it. Returns the
    /// run and whether it was created. A run created without a display name
    /// gets `fresh_display_name(n)`, `n` the project's run count with it,
    /// in the same transaction; a name another run of the project already
    /// has is drawn again (a few times).
    async fn upsert_run(
        &self,
        project_id: i64,
        name: &str,
        patch: &RunPatch,
        user_id: UserId,
        fresh_display_name: &(dyn Fn(i64) -> String + Send + Sync),
    ) -> StoreResult<(Run, bool)>;
    /// Give the new run `run_id` the history of `source_id` up to and
    /// including `step` (forking), in one transaction.
    async fn fork_history(&self, run_id: i64, source_id: i64, step: i64) -> StoreResult<()>;
    /// Drop a run's history after `step` (rewinding), rebuilding its key
    /// counts, summary and counters from what remains, in one transaction.
    async fn rewind_history(&self, run_id: i64, step: i64) -> StoreResult<Option<Run>>;
    /// Apply `patch` to a run by id.
    async fn update_run(&self, id: i64, patch: &RunPatch) -> StoreResult<Option<Run>>;
    /// A run by project and name.
    async fn run_by_name(&self, project_id: i64, name: &str) -> StoreResult<Option<Run>>;
    /// A run by id.
    async fn run_by_id(&self, id: i64) -> StoreResult<Option<Run>>;
    /// One page of a project's runs matching `search`, after `cursor`.
    async fn search_runs(
        &self,
        project_id: i64,
        search: &RunSearch,
        cursor: Option<&str>,
        limit: i64,
    ) -> StoreResult<RunPage>;
    /// Whether the run with row id `run_id` passes `filter` (checked for
    /// [`crate::filter::RUNS`]).
    async fn run_matches(&self, run_id: i64, filter: &Filter) -> StoreResult<bool>;
    /// How many runs match `search` (its order is not looked at).
    async fn count_runs(&self, project_id: i64, search: &RunSearch) -> StoreResult<i64>;
    /// Delete a run and everything it logged; false if it did not exist.
    async fn delete_run(&self, id: i64) -> StoreResult<bool>;
    /// Ask a run to stop: the next file_stream answer says so.
    async fn request_stop(&self, id: i64) -> StoreResult<()>;
    /// Store one file_stream request atomically and note the heartbeat;
    /// `events` (automation events the request causes) are recorded in the
    /// same transaction.
    async fn append_stream(
        &self,
        run_id: i64,
        batch: &StreamBatch,
        events: &[NewEvent],
    ) -> StoreResult<StreamOutcome>;
    /// The newest `limit` numeric values of history key `key` of a run,
    /// newest first (rows without it, or with another type, are skipped).
    async fn recent_metric_values(
        &self,
        run_id: i64,
        key: &str,
        limit: i64,
    ) -> StoreResult<Vec<f64>>;
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
    /// The distinct value types (as in [`HistoryKey::value_type`]) that
    /// `keys` have in the histories of `run_ids`, as `(key, value_type)`.
    async fn history_key_types(
        &self,
        run_ids: &[i64],
        keys: &[String],
    ) -> StoreResult<Vec<(String, String)>>;
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

/// Where a listing of registry contents starts and what it keeps.
#[derive(Debug, Clone, Default)]
pub struct RegistryQuery {
    /// MongoDB-style filter over registries.
    pub registry_filter: Option<serde_json::Value>,
    /// MongoDB-style filter over collections.
    pub collection_filter: Option<serde_json::Value>,
    /// MongoDB-style filter over versions.
    pub version_filter: Option<serde_json::Value>,
    /// What is listed, which decides what `order` may name.
    pub listing: RegistryListing,
    /// W&B's `order` (`+name`, `-created_at`, …); `None` lists by id.
    pub order: Option<String>,
    /// The cursor of the previous page's last row (opaque, from the store).
    pub after: Option<String>,
    /// Page size.
    pub first: i64,
}

/// Which level of the registries an organization-wide listing lists.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum RegistryListing {
    /// Registries (`api.registries()`).
    #[default]
    Registries,
    /// Their collections (`.collections()`).
    Collections,
    /// Their versions (`.versions()`).
    Versions,
}

/// A [`RegistryQuery`] ready for the store: the organization and viewer
/// filled in, the filters parsed and checked.
#[derive(Debug, Clone, PartialEq)]
pub struct RegistrySearch {
    /// The organization's entity (owner of the registries).
    pub org_entity_id: i64,
    /// Who is asking: `RESTRICTED` registries are left out unless they
    /// created it or are a member (directly or through a team). `None`
    /// (instance admins) sees every registry.
    pub viewer: Option<crate::model::UserId>,
    /// Filter over registries.
    pub registry_filter: Option<Filter>,
    /// Filter over collections.
    pub collection_filter: Option<Filter>,
    /// Filter over versions.
    pub version_filter: Option<Filter>,
    /// The order of the listed level; `None` is by id.
    pub order: Option<crate::filter::Order>,
    /// The cursor of the previous page's last row, in `order`.
    pub after: Option<String>,
    /// Page size.
    pub first: i64,
}

/// Artifact types and collections (sequences and portfolios) of a project.
#[async_trait]
pub trait CollectionStore: Send + Sync {
    /// A project's artifact types in id order, after `after`.
    async fn artifact_types(
        &self,
        project_id: i64,
        after: Option<i64>,
        first: i64,
    ) -> StoreResult<Vec<ArtifactType>>;
    /// A project's artifact type by name.
    async fn artifact_type(&self, project_id: i64, name: &str)
    -> StoreResult<Option<ArtifactType>>;
    /// A collection by id.
    async fn collection_by_id(&self, id: i64) -> StoreResult<Option<Collection>>;
    /// A collection by project and name.
    async fn collection_by_name(
        &self,
        project_id: i64,
        name: &str,
    ) -> StoreResult<Option<Collection>>;
    /// A page of a project's collections (of one type, of some kinds) in id
    /// order after `after`, with `filter` applied.
    async fn collections(
        &self,
        project_id: i64,
        type_id: Option<i64>,
        kinds: &[CollectionKind],
        filter: Option<&Filter>,
        after: Option<i64>,
        first: i64,
    ) -> StoreResult<Vec<Collection>>;
    /// How many collections [`CollectionStore::collections`] would list in all.
    async fn collection_count(
        &self,
        project_id: i64,
        type_id: Option<i64>,
        kinds: &[CollectionKind],
        filter: Option<&Filter>,
    ) -> StoreResult<i64>;
    /// Rename or describe a collection.
    async fn update_collection(
        &self,
        id: i64,
        name: Option<&str>,
        description: Option<&str>,
    ) -> StoreResult<Collection>;
    /// Move a sequence to another type (created if needed).
    async fn move_collection(&self, id: i64, type_name: &str) -> StoreResult<Collection>;
    /// Add and remove collection tags.
    async fn tag_collection(&self, id: i64, add: &[String], remove: &[String]) -> StoreResult<()>;
    /// Delete a collection and, for a sequence, its artifacts. Returns the
    /// blob digests that lost references.
    async fn delete_collection(&self, id: i64) -> StoreResult<Vec<String>>;
}

/// Logged artifacts through their life: created pending, given a manifest,
/// committed (numbered, given `latest`), edited, deleted.
#[async_trait]
pub trait VersionStore: Send + Sync {
    /// Create a pending artifact, creating its type and sequence if needed.
    /// With `deduplicate`, an identical latest version is returned instead
    /// (with the new aliases and tags added) and `true`.
    async fn create_artifact(&self, new: &NewArtifact) -> StoreResult<(Artifact, bool)>;
    /// Pending artifacts not touched since `before` (UNIX seconds).
    async fn stale_pending_artifacts(&self, before: i64) -> StoreResult<Vec<i64>>;
    /// Up to `limit` committed artifacts whose TTL has run out by `now`
    /// (UNIX seconds; `created_at + ttl_seconds <= now`), oldest expiry first.
    async fn expired_artifacts(&self, now: i64, limit: i64) -> StoreResult<Vec<i64>>;
    /// An artifact by id.
    async fn artifact_by_id(&self, id: i64) -> StoreResult<Option<Artifact>>;
    /// The server id of the artifact a client id names.
    async fn artifact_by_client_id(&self, client_id: &str) -> StoreResult<Option<Artifact>>;
    /// Record how a pending artifact's manifest relates to other versions.
    async fn set_manifest_kind(
        &self,
        artifact_id: i64,
        kind: crate::artifact::ManifestKind,
        base_artifact_id: Option<i64>,
    ) -> StoreResult<()>;
    /// Set an artifact's manifest to `md5` if it still is `expected`
    /// (compare and set, for merging parts that arrive together); false
    /// when another writer came first.
    async fn replace_manifest(
        &self,
        artifact_id: i64,
        expected: Option<&str>,
        md5: &str,
    ) -> StoreResult<bool>;
    /// Set the blob holding an artifact's manifest.
    async fn set_manifest(&self, artifact_id: i64, md5: &str) -> StoreResult<()>;
    /// Commit a pending artifact with its manifest's entries: give it the
    /// next version of its sequence and its pending aliases plus `latest`.
    /// Fails if an entry names a blob that is not stored.
    async fn commit_artifact(&self, artifact_id: i64, entries: &[Entry]) -> StoreResult<Artifact>;
    /// Change description, metadata, tags, TTL.
    async fn update_artifact(&self, id: i64, patch: &ArtifactPatch) -> StoreResult<Artifact>;
    /// Delete an artifact (all its memberships). Returns the blob digests
    /// that lost references.
    async fn delete_artifact(&self, id: i64) -> StoreResult<Vec<String>>;
}

/// An artifact's places in collections (its versions there), their aliases,
/// and links into portfolios.
#[async_trait]
pub trait MembershipStore: Send + Sync {
    /// A membership by collection and version name (`v3`) or alias.
    async fn membership_by_name(
        &self,
        collection_id: i64,
        version_or_alias: &str,
    ) -> StoreResult<Option<Membership>>;
    /// A membership by id.
    async fn membership_by_id(&self, id: i64) -> StoreResult<Option<Membership>>;
    /// Every membership of an artifact.
    async fn memberships_of(&self, artifact_id: i64) -> StoreResult<Vec<Membership>>;
    /// A page of a collection's versions in `order`, with `filter`; `after`
    /// is the version index the previous page ended on.
    async fn versions(
        &self,
        collection_id: i64,
        filter: Option<&Filter>,
        order: crate::artifact::VersionOrder,
        after: Option<i64>,
        first: i64,
    ) -> StoreResult<VersionPage>;
    /// How many versions [`MembershipStore::versions`] would list.
    async fn version_count(&self, collection_id: i64, filter: Option<&Filter>) -> StoreResult<i64>;
    /// Give `aliases` in a collection to a membership, taking them from any
    /// other version that held them.
    async fn add_aliases(&self, membership_id: i64, aliases: &[String]) -> StoreResult<()>;
    /// Remove aliases from a membership.
    async fn remove_aliases(&self, membership_id: i64, aliases: &[String]) -> StoreResult<()>;
    /// Link an artifact into a portfolio (created with the artifact's type
    /// if missing), with aliases; an existing link keeps its version.
    async fn link_artifact(
        &self,
        artifact_id: i64,
        project_id: i64,
        portfolio: &str,
        aliases: &[String],
    ) -> StoreResult<Membership>;
    /// Remove an artifact from a portfolio; false if it was not linked.
    async fn unlink_artifact(&self, artifact_id: i64, collection_id: i64) -> StoreResult<bool>;
}

/// Manifest entries (staged, proven, committed) and the blob rows that make
/// file storage content-addressed.
#[async_trait]
pub trait EntryStore: Send + Sync {
    /// Record files about to be uploaded for a pending artifact of
    /// `project_id`, unproven (a file staged again with the same digest
    /// keeps its proof). Returns, per file, whether its blob is stored and
    /// whether a proven entry with its digest exists in the project.
    async fn stage_files(
        &self,
        artifact_id: i64,
        project_id: i64,
        files: &[StagedFile],
    ) -> StoreResult<Vec<StagedState>>;
    /// Mark an artifact's staged entries with these digests proven.
    async fn prove_entries(&self, artifact_id: i64, md5s: &[String]) -> StoreResult<()>;
    /// Up to `limit` (digest, project id) pairs: the projects holding a
    /// proven entry with each of `md5s`.
    async fn digest_projects(&self, md5s: &[String], limit: i64)
    -> StoreResult<Vec<(String, i64)>>;
    /// The non-reference entries among `entries` whose digest has no proven
    /// entry in `project_id`, as (path, digest), one per digest.
    async fn unproven_entries(
        &self,
        project_id: i64,
        entries: &[Entry],
    ) -> StoreResult<Vec<(String, String)>>;
    /// Entries of an artifact by path, after `after`, optionally only `names`.
    async fn entries(
        &self,
        artifact_id: i64,
        names: Option<&[String]>,
        after: Option<&str>,
        first: i64,
    ) -> StoreResult<Vec<Entry>>;
    /// Number of entries (references included), optionally only `names`.
    async fn entry_count(&self, artifact_id: i64, names: Option<&[String]>) -> StoreResult<i64>;
    /// Whether some proven entry of an artifact in `project_ids` has this
    /// digest.
    async fn digest_in_projects(&self, md5: &str, project_ids: &[i64]) -> StoreResult<bool>;
    /// A stored blob's row: its size and key. Read on the pool, not the
    /// writer (downloads look it up once each).
    async fn blob(&self, md5: &str) -> StoreResult<Option<BlobRow>>;
    /// Record a durably stored blob whose bytes are at `key`, in one
    /// statement, unless the digest has a row already. True if this call
    /// recorded it; false if the row existed (the caller then deletes
    /// `key`: nothing will name it). With `proving`, then also mark that
    /// artifact's staged entries with this digest proven (as
    /// [`EntryStore::prove_entries`]), in the same round trip.
    async fn insert_blob(
        &self,
        md5: &str,
        size: i64,
        key: &str,
        proving: Option<i64>,
    ) -> StoreResult<bool>;
    /// Forget a blob if nothing references it (an entry, staged or
    /// committed, or a manifest), in one transaction; the forgotten row if
    /// so, whose key the caller then deletes (see `content.rs`).
    async fn forget_blob_if_unreferenced(&self, md5: &str) -> StoreResult<Option<BlobRow>>;
}

/// A blob's row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlobRow {
    /// Bytes.
    pub size: i64,
    /// Where the bytes are; `None` for blobs stored before unique keys,
    /// which are at `content::ContentStore::key` of their digest.
    pub key: Option<String>,
}

/// Which runs logged and used which artifacts.
#[async_trait]
pub trait LineageStore: Send + Sync {
    /// Record that a run used an artifact.
    async fn use_artifact(
        &self,
        run_id: i64,
        artifact_id: i64,
        used_as: Option<&str>,
    ) -> StoreResult<()>;
    /// Runs that used an artifact (ids, oldest use first).
    async fn artifact_users(&self, artifact_id: i64) -> StoreResult<Vec<i64>>;
    /// Artifacts a run logged (`output`) or used, id order after `after`.
    async fn run_artifacts(
        &self,
        run_id: i64,
        output: bool,
        after: Option<i64>,
        first: i64,
    ) -> StoreResult<Vec<Artifact>>;
    /// How many [`LineageStore::run_artifacts`] would list.
    async fn run_artifact_count(&self, run_id: i64, output: bool) -> StoreResult<i64>;
}

/// The organization's registries: its entity, their settings, listings
/// across them, and deleting or renaming one.
#[async_trait]
pub trait RegistryStore: Send + Sync {
    /// The organization's own entity (the owner of its registries), created
    /// as a team named `name` (or `name-2`, … if taken) when missing.
    async fn ensure_org_entity(
        &self,
        organization_id: i64,
        name: &str,
    ) -> StoreResult<(i64, String)>;
    /// Registry settings: whether all types are allowed, and the allowed list.
    async fn registry_types(&self, project_id: i64) -> StoreResult<(bool, Vec<String>)>;
    /// Set registry settings.
    async fn set_registry_types(
        &self,
        project_id: i64,
        allow_all: bool,
        types: &[String],
    ) -> StoreResult<()>;
    /// Registries (project ids) matching a query, id order.
    async fn registry_ids(&self, query: &RegistrySearch) -> StoreResult<Vec<(i64, String)>>;
    /// Registry collections (ids) matching a query, id order.
    async fn registry_collection_ids(
        &self,
        query: &RegistrySearch,
    ) -> StoreResult<Vec<(i64, String)>>;
    /// How many registry collections match.
    async fn registry_collection_count(&self, query: &RegistrySearch) -> StoreResult<i64>;
    /// Registry versions (membership ids) matching a query, id order.
    async fn registry_membership_ids(
        &self,
        query: &RegistrySearch,
    ) -> StoreResult<Vec<(i64, String)>>;
    /// Delete a project (a registry) with everything in it. Returns the blob
    /// digests that lost references.
    async fn delete_project(&self, project_id: i64) -> StoreResult<Vec<String>>;
    /// Rename a project.
    async fn rename_project(&self, project_id: i64, name: &str) -> StoreResult<()>;
}

/// Registry members: users and teams holding a role in one project.
#[async_trait]
pub trait RegistryMemberStore: Send + Sync {
    /// A team entity by id.
    async fn team_by_id(&self, id: EntityId) -> StoreResult<Option<Entity>>;
    /// The users holding a role in a project, by username.
    async fn registry_user_members(
        &self,
        project_id: i64,
    ) -> StoreResult<Vec<(User, RegistryRole)>>;
    /// The teams holding a role in a project, by name.
    async fn registry_team_members(
        &self,
        project_id: i64,
    ) -> StoreResult<Vec<(Entity, RegistryRole)>>;
    /// Give each of `members` `role` in a project; those already members
    /// keep the role they have.
    async fn add_registry_members(
        &self,
        project_id: i64,
        members: &[RegistryMemberRef],
        role: RegistryRole,
    ) -> StoreResult<()>;
    /// Take `members` out of a project (those not in it are skipped).
    async fn remove_registry_members(
        &self,
        project_id: i64,
        members: &[RegistryMemberRef],
    ) -> StoreResult<()>;
    /// Change a member's role; false if they are not a member.
    async fn set_registry_member_role(
        &self,
        project_id: i64,
        member: RegistryMemberRef,
        role: RegistryRole,
    ) -> StoreResult<bool>;
    /// The roles a user holds in a project, their own and their teams'.
    async fn registry_roles_of(
        &self,
        project_id: i64,
        user_id: UserId,
    ) -> StoreResult<Vec<RegistryRole>>;
}

/// Sweeps, their agents and the runs their controllers hand out.
#[async_trait]
pub trait SweepStore: Send + Sync {
    /// Create a sweep; a [`StoreError::Conflict`] when its name is taken in
    /// the project.
    async fn create_sweep(&self, sweep: &NewSweep) -> StoreResult<Sweep>;
    /// A sweep by project and name.
    async fn sweep_by_name(&self, project_id: i64, name: &str) -> StoreResult<Option<Sweep>>;
    /// A sweep by id.
    async fn sweep_by_id(&self, id: i64) -> StoreResult<Option<Sweep>>;
    /// A page of a project's sweeps, newest first, after the sweep with id
    /// `before_id`.
    async fn sweeps(
        &self,
        project_id: i64,
        before_id: Option<i64>,
        limit: i64,
    ) -> StoreResult<Vec<Sweep>>;
    /// How many sweeps a project has.
    async fn sweep_count(&self, project_id: i64) -> StoreResult<i64>;
    /// Apply `patch` to a sweep.
    async fn update_sweep(&self, id: i64, patch: &SweepPatch) -> StoreResult<Option<Sweep>>;
    /// Move a sweep from `from` to `to`, only if it is still in `from`.
    async fn finish_sweep(&self, id: i64, from: SweepState, to: SweepState) -> StoreResult<bool>;
    /// Register an agent.
    async fn create_agent(
        &self,
        sweep_id: i64,
        name: &str,
        host: &str,
        user_id: UserId,
    ) -> StoreResult<SweepAgent>;
    /// An agent by id.
    async fn agent_by_id(&self, id: i64) -> StoreResult<Option<SweepAgent>>;
    /// An agent of a sweep by name.
    async fn agent_by_name(&self, sweep_id: i64, name: &str) -> StoreResult<Option<SweepAgent>>;
    /// A sweep's agents, oldest first (at most `limit`).
    async fn agents(&self, sweep_id: i64, limit: i64) -> StoreResult<Vec<SweepAgent>>;
    /// The run ids handed to an agent, oldest first.
    async fn agent_run_names(&self, agent_id: i64, limit: i64) -> StoreResult<Vec<String>>;
    /// Record an agent's heartbeat, in one transaction: note its time and
    /// state, mark the runs it reports (and runs that exist) as started, let
    /// runs handed out before `expire_before_ms` that never started expire,
    /// and read what the controller needs.
    async fn agent_heartbeat(
        &self,
        agent_id: i64,
        running: &[String],
        expire_before_ms: i64,
    ) -> StoreResult<ControllerView>;
    /// Hand a run out, unless `cap` runs are live already or its grid point
    /// is taken. Returns whether it was handed out.
    async fn assign_run(&self, assignment: &Assignment, cap: Option<i64>) -> StoreResult<bool>;
    /// Every run the sweep handed out that did not expire, with its metric
    /// (at the sweep's metric path), oldest first, at most `limit`.
    async fn sweep_trials(&self, sweep_id: i64, limit: i64) -> StoreResult<Vec<TrialRow>>;
    /// The values of `key` in the history of the sweep's runs, in logging
    /// order, at most `per_run` values a run.
    async fn sweep_metric_histories(
        &self,
        sweep_id: i64,
        key: &str,
        per_run: i64,
    ) -> StoreResult<Vec<(String, Vec<f64>)>>;
    /// The sweep's runs with compacted history, as `(row id, name)`: their
    /// first values are in segments, which `sweep_metric_histories` does
    /// not read.
    async fn sweep_runs_with_segments(&self, sweep_id: i64) -> StoreResult<Vec<(i64, String)>>;
    /// Mark handed-out runs as to be stopped (their agents are told on
    /// their next heartbeats); all live ones when `run_names` is `None`.
    async fn stop_sweep_runs(&self, sweep_id: i64, run_names: Option<&[String]>)
    -> StoreResult<()>;
    /// Mark an agent as told to exit.
    async fn finish_agent(&self, agent_id: i64) -> StoreResult<()>;
}

/// Launch: run queues, their default resource configurations, the items
/// pushed onto them and the agents that pop them.
#[async_trait]
pub trait LaunchStore: Send + Sync {
    /// Store a default resource configuration.
    async fn create_resource_config(&self, new: &NewResourceConfig) -> StoreResult<ResourceConfig>;
    /// A default resource configuration by id.
    async fn resource_config(&self, id: i64) -> StoreResult<Option<ResourceConfig>>;
    /// Create a queue; a [`StoreError::Conflict`] when its name is taken in
    /// the project.
    async fn create_run_queue(&self, new: &NewRunQueue) -> StoreResult<RunQueue>;
    /// Create a queue with a new configuration, or give an existing queue
    /// of that name the new configuration, mode and links, in one
    /// transaction.
    async fn upsert_run_queue(
        &self,
        queue: &NewRunQueue,
        config: &NewResourceConfig,
    ) -> StoreResult<RunQueue>;
    /// A queue by project and name.
    async fn run_queue_by_name(&self, project_id: i64, name: &str)
    -> StoreResult<Option<RunQueue>>;
    /// A queue by id.
    async fn run_queue_by_id(&self, id: i64) -> StoreResult<Option<RunQueue>>;
    /// A project's queues, oldest first (at most `limit`).
    async fn run_queues(&self, project_id: i64, limit: i64) -> StoreResult<Vec<RunQueue>>;
    /// Delete a queue and its items.
    async fn delete_run_queue(&self, id: i64) -> StoreResult<bool>;
    /// Push an item; durable when this returns.
    async fn push_item(&self, item: &NewQueueItem) -> StoreResult<QueueItem>;
    /// An item by id (with the state its run gives it).
    async fn queue_item(&self, id: i64) -> StoreResult<Option<QueueItem>>;
    /// A queue's items in the order they would be popped (pending first),
    /// at most `limit`.
    async fn queue_items(
        &self,
        queue_id: i64,
        prioritization: Prioritization,
        limit: i64,
    ) -> StoreResult<Vec<QueueItem>>;
    /// Let leases taken before `expire_before_ms` whose agent has not been
    /// heard of since go back to pending; then lease the next pending item
    /// to `agent_id` (noting the agent's heartbeat), all in one
    /// transaction, so each item is handed to exactly one caller.
    async fn pop_item(
        &self,
        queue_id: i64,
        prioritization: Prioritization,
        agent_id: Option<i64>,
        expire_before_ms: i64,
    ) -> StoreResult<Option<QueueItem>>;
    /// The lease expiry of [`LaunchStore::pop_item`] alone (so reads show
    /// an expired lease as pending).
    async fn expire_leases(&self, queue_id: i64, expire_before_ms: i64) -> StoreResult<u64>;
    /// Claim a leased item for `run_name`; false unless it was leased.
    async fn ack_item(&self, id: i64, run_name: &str) -> StoreResult<bool>;
    /// Mark an item failed with `report`.
    async fn fail_item(&self, id: i64, report: &ItemReport) -> StoreResult<bool>;
    /// Add a warning to an item.
    async fn warn_item(&self, id: i64, report: &ItemReport) -> StoreResult<bool>;
    /// Remove an item from its queue.
    async fn delete_item(&self, queue_id: i64, id: i64) -> StoreResult<bool>;
    /// Register a launch agent.
    async fn create_launch_agent(&self, new: &NewLaunchAgent) -> StoreResult<LaunchAgent>;
    /// A launch agent by id.
    async fn launch_agent(&self, id: i64) -> StoreResult<Option<LaunchAgent>>;
    /// An entity's launch agents, newest first (at most `limit`).
    async fn launch_agents(&self, entity_id: i64, limit: i64) -> StoreResult<Vec<LaunchAgent>>;
    /// Note an agent's status (and whether it should stop polling), and
    /// that it is alive.
    async fn update_launch_agent(
        &self,
        id: i64,
        status: Option<&str>,
        stop_polling: Option<bool>,
    ) -> StoreResult<bool>;
}

/// Integrations (see [`crate::integration`]).
#[async_trait]
pub trait IntegrationStore: Send + Sync {
    /// Insert a generic webhook of an entity; a [`StoreError::Conflict`]
    /// when the entity already has an integration of that name.
    async fn create_webhook(
        &self,
        entity_id: i64,
        new: &NewWebhook,
        created_by: UserId,
    ) -> StoreResult<Integration>;
    /// An integration by id.
    async fn integration_by_id(&self, id: i64) -> StoreResult<Option<Integration>>;
    /// An entity's integrations by id, after the row id `after`, at most
    /// `limit`.
    async fn integrations(
        &self,
        entity_id: i64,
        after: Option<i64>,
        limit: i64,
    ) -> StoreResult<Vec<Integration>>;
    /// Delete an integration; false if it did not exist.
    async fn delete_integration(&self, id: i64) -> StoreResult<bool>;
}

/// Automations (see [`crate::automation`]).
#[async_trait]
pub trait TriggerStore: Send + Sync {
    /// Insert a trigger; a [`StoreError::Conflict`] when its entity already
    /// has one of that name.
    async fn create_trigger(
        &self,
        at: &Placement,
        spec: &TriggerSpec,
        created_by: UserId,
    ) -> StoreResult<Trigger>;
    /// Replace a trigger's spec (and placement), touching `updated_at`;
    /// `None` when it is gone, a conflict as for create.
    async fn update_trigger(
        &self,
        id: i64,
        at: &Placement,
        spec: &TriggerSpec,
    ) -> StoreResult<Option<Trigger>>;
    /// A trigger by id.
    async fn trigger_by_id(&self, id: i64) -> StoreResult<Option<Trigger>>;
    /// An entity's triggers by id after `after`, at most `limit`, only the
    /// one named `name` when given.
    async fn triggers_of_entity(
        &self,
        entity_id: i64,
        name: Option<&str>,
        after: Option<i64>,
        limit: i64,
    ) -> StoreResult<Vec<Trigger>>;
    /// The triggers whose scope is a project or a collection in it, by id,
    /// at most `limit`.
    async fn triggers_of_project(&self, project_id: i64, limit: i64) -> StoreResult<Vec<Trigger>>;
    /// Delete a trigger (its deliveries and their log with it); whether it
    /// existed.
    async fn delete_trigger(&self, id: i64) -> StoreResult<bool>;
}

/// The automation outbox and its deliveries (see [`crate::automation`]).
#[async_trait]
pub trait DeliveryStore: Send + Sync {
    /// Events no worker has matched to triggers yet, oldest first.
    async fn unmatched_events(&self, limit: i64) -> StoreResult<Vec<Event>>;
    /// The enabled triggers watching an event's type in its scope (its
    /// project, collection or entity), created before it happened.
    async fn triggers_for_event(&self, event: &Event) -> StoreResult<Vec<Trigger>>;
    /// Make one pending delivery per trigger for an event and mark it
    /// matched, in one transaction (again for the same pair: nothing).
    async fn make_deliveries(
        &self,
        event_id: i64,
        trigger_ids: &[i64],
        now_ms: i64,
    ) -> StoreResult<()>;
    /// Claim up to `limit` due deliveries that nobody holds: lease them
    /// until `now_ms + lease_ms` and count the attempt.
    async fn claim_deliveries(
        &self,
        now_ms: i64,
        lease_ms: i64,
        limit: i64,
    ) -> StoreResult<Vec<ClaimedDelivery>>;
    /// Log an attempt and move the delivery on (delivered, failed, or due
    /// again), releasing its lease; the trigger keeps its newest
    /// `keep_attempts` log lines.
    async fn finish_delivery(
        &self,
        delivery: &ClaimedDelivery,
        attempt: &Attempt,
        next: NextStep,
        now_ms: i64,
        keep_attempts: i64,
    ) -> StoreResult<()>;
    /// A trigger's delivery log, newest first.
    async fn trigger_attempts(
        &self,
        trigger_id: i64,
        limit: i64,
    ) -> StoreResult<Vec<LoggedAttempt>>;
    /// Record a run alert: in one transaction, take its title's turn
    /// (unless it alerted less than its wait ago) and queue a delivery to
    /// the user's alert integration, if they have one.
    async fn record_run_alert(&self, alert: &RunAlert, now_ms: i64) -> StoreResult<AlertOutcome>;
    /// Set (or clear) the integration a user's run alerts go to.
    async fn set_alert_integration(
        &self,
        user_id: UserId,
        integration_id: Option<i64>,
    ) -> StoreResult<()>;
    /// The integration a user's run alerts go to.
    async fn alert_integration(&self, user_id: UserId) -> StoreResult<Option<i64>>;
    /// Forget events (their deliveries and log lines with them) older than
    /// `before_ms` that have nothing left to deliver; how many.
    async fn prune_automation_events(&self, before_ms: i64) -> StoreResult<u64>;
    /// The enabled run-metric triggers (`RUN_METRIC`, `RUN_METRIC_CHANGE`,
    /// `RUN_METRIC_ZSCORE`) watching a project or its entity.
    async fn run_metric_triggers(
        &self,
        project_id: i64,
        entity_id: i64,
    ) -> StoreResult<Vec<Trigger>>;
}

/// Where a trigger sits: its entity, and the project and collection of its
/// scope (so that they take it with them when deleted).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Placement {
    /// The entity it belongs to.
    pub entity_id: i64,
    /// The project of its scope; `None` for a team scope.
    pub project_id: Option<i64>,
    /// The collection of its scope, if it is one.
    pub collection_id: Option<i64>,
}

/// Entity secrets, sealed (see [`crate::secret`]): the store keeps and
/// hands back ciphertext only.
#[async_trait]
pub trait EntitySecretStore: Send + Sync {
    /// Set the secret `name` of an entity: insert it, or replace its value
    /// (keeping `created_at`, touching `updated_at`).
    async fn put_entity_secret(
        &self,
        entity_id: i64,
        name: &str,
        sealed: &Sealed,
        set_by: UserId,
    ) -> StoreResult<()>;
    /// An entity's secrets by name, without values.
    async fn entity_secrets(&self, entity_id: i64) -> StoreResult<Vec<SecretInfo>>;
    /// The sealed value of one secret.
    async fn entity_secret(&self, entity_id: i64, name: &str) -> StoreResult<Option<Sealed>>;
    /// Delete a secret; false if it did not exist.
    async fn delete_entity_secret(&self, entity_id: i64, name: &str) -> StoreResult<bool>;
}

/// Views: reports and saved workspaces (see [`crate::view`]).
#[async_trait]
pub trait ViewStore: Send + Sync {
    /// Insert a view; a [`StoreError::Conflict`] when the project already
    /// has one of that type and name.
    async fn create_view(&self, new: &NewView) -> StoreResult<View>;
    /// A view by id.
    async fn view_by_id(&self, id: i64) -> StoreResult<Option<View>>;
    /// A view by project, type and name.
    async fn view_by_name(
        &self,
        project_id: i64,
        kind: &str,
        name: &str,
    ) -> StoreResult<Option<View>>;
    /// Change a view's fields (those given), touching `updated_at`; the
    /// view after the change, `None` when it is gone.
    async fn update_view(&self, id: i64, change: &ViewChange) -> StoreResult<Option<View>>;
    /// A page of a project's views, newest first, after the view with id
    /// `before_id`.
    async fn views(&self, query: &ViewQuery) -> StoreResult<Vec<View>>;
    /// How many drafts belong to a view.
    async fn view_draft_count(&self, id: i64) -> StoreResult<i64>;
    /// Delete a view and the drafts that belong to it; whether it existed.
    async fn delete_view(&self, id: i64) -> StoreResult<bool>;
}

/// Columnar history: compacted segments of runs' history and the rows
/// due for compaction (the rules are `crate::history`'s).
#[async_trait]
pub trait HistorySegmentStore: Send + Sync {
    /// Runs with history lines not compacted yet, with their state and how
    /// many of their own lines are live.
    async fn runs_with_live_history(&self) -> StoreResult<Vec<(i64, String, i64)>>;
    /// The first `limit` live rows of a run, in line order, and the line
    /// compacted last.
    async fn rows_to_compact(&self, run_id: i64, limit: i64) -> StoreResult<CompactionInput>;
    /// Write `blob_key` down as garbage, to be struck off when a segment
    /// adopts it (called before the file is written).
    async fn note_history_blob(&self, blob_key: &str) -> StoreResult<()>;
    /// Record `segment` and delete the rows it holds, in one transaction —
    /// unless the run's last compacted line is no longer `after_line`, or
    /// its rows changed since they were read; then nothing changes and the
    /// answer is false.
    async fn add_history_segment(
        &self,
        after_line: Option<i64>,
        segment: &HistorySegment,
    ) -> StoreResult<bool>;
    /// A run's segments in compaction order.
    async fn history_segments(&self, run_id: i64) -> StoreResult<Vec<HistorySegment>>;
    /// Put `rows` (`(line, step, row)`, every row of the run's segments)
    /// back in the row store and drop the segments, in one transaction;
    /// false (nothing changed) if the run's newest segment is no longer
    /// `last_seq`.
    async fn restore_history(
        &self,
        run_id: i64,
        last_seq: i64,
        rows: &[(i64, i64, String)],
    ) -> StoreResult<bool>;
    /// Blob keys written down as garbage before `before_ms`, at most
    /// `limit`.
    async fn history_garbage(&self, before_ms: i64, limit: i64) -> StoreResult<Vec<String>>;
    /// Strike `keys` off the garbage list (their blobs are gone).
    async fn forget_history_garbage(&self, keys: &[String]) -> StoreResult<()>;
    /// The steps of a run's live rows with `min_step <= step < max_step`
    /// that have every key in `keys`, ascending.
    async fn live_history_steps(
        &self,
        run_id: i64,
        keys: &[String],
        min_step: i64,
        max_step: i64,
    ) -> StoreResult<Vec<i64>>;
    /// A run's live rows at `steps`, in step order, as `(step, row)`.
    async fn live_history_at(&self, run_id: i64, steps: &[i64]) -> StoreResult<Vec<(i64, String)>>;
}

/// Everything the domain needs from storage.
pub trait Store:
    UserStore
    + SessionStore
    + ApiKeyStore
    + EntityStore
    + ProjectStore
    + RunStore
    + SecretStore
    + CollectionStore
    + VersionStore
    + MembershipStore
    + EntryStore
    + LineageStore
    + RegistryStore
    + RegistryMemberStore
    + SweepStore
    + LaunchStore
    + ViewStore
    + IntegrationStore
    + TriggerStore
    + DeliveryStore
    + EntitySecretStore
    + HistorySegmentStore
{
}

impl<
    T: UserStore
        + SessionStore
        + ApiKeyStore
        + EntityStore
        + ProjectStore
        + RunStore
        + SecretStore
        + CollectionStore
        + VersionStore
        + MembershipStore
        + EntryStore
        + LineageStore
        + RegistryStore
        + RegistryMemberStore
        + SweepStore
        + LaunchStore
        + ViewStore
        + IntegrationStore
        + TriggerStore
        + DeliveryStore
        + EntitySecretStore
        + HistorySegmentStore,
> Store for T
{
}
