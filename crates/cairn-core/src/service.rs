//! [`Cairn`]: the domain operations, each one checking who may do it.
//!
//! Resolvers call these and nothing else. Each method reads like the rule it
//! enforces: look things up, check the actor's rights (see [`crate::authz`]),
//! validate input, then write through the store.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};

use crate::apikey;
use crate::authz::{Actor, Admin, ProjectAction, Readable};
use crate::error::{CoreError, CoreResult};
use crate::model::{
    ACCESS_VALUES, AccountType, ApiKey, Entity, Member, NewProject, NewUser, Organization, Project,
    User, UserId, UserUpdate,
};
use crate::names;
use crate::store::{Store, StoreError};

mod access;
mod artifacts;
mod automations;
mod deliveries;
mod history;
mod history_export;
pub use history_export::{ExportRequest, HistoryExport, MAX_EXPORT_KEYS, MAX_EXPORT_RUNS};
mod integrations;
mod launch;
mod organizations;
mod runs;
mod secrets;
mod sessions;
mod sweeps;
mod views;
pub use artifacts::{AliasTarget, REGISTRY_PREFIX, RESTRICTED, check_md5};
pub use automations::{MAX_PROJECT_TRIGGERS, TriggerScope};
pub use deliveries::{DeliveryPlan, impossible};
pub use launch::{MAX_QUEUE_LISTING, PushSpec, QueueInProject, QueueSpec};
pub use runs::{DEFAULT_PROJECT, MAX_PAGE, MAX_SAMPLES, RunTarget};
pub use sessions::{NewSession, SessionInfo};
pub use sweeps::{MAX_AGENTS, SweepInProject, SweepSpec};
pub use views::{ViewDeletion, ViewFilter, ViewInProject, ViewUpsert};

/// Name of the organization created on first start.
pub const DEFAULT_ORGANIZATION: &str = "cairn";

/// Most users a search returns.
const USER_SEARCH_LIMIT: i64 = 100;

/// The domain service. Cheap to clone.
#[derive(Clone)]
pub struct Cairn {
    store: Arc<dyn Store>,
    organization_id: i64,
    /// The organization's own entity, which owns its registries. Every user
    /// of the (single) organization is a member of it.
    org_entity_id: i64,
    org_entity_name: String,
    /// Every organization, the default first (a copy of the table: they
    /// are few, change only through [`Cairn::create_organization`], and
    /// every registry check asks whether an entity is one's).
    organizations: Arc<RwLock<Vec<Organization>>>,
    /// Secrets of just-created service accounts, shown once to the first team
    /// admin who loads the team's members, then forgotten. Held in memory only:
    /// the database never sees a secret.
    unrevealed_service_keys: Arc<Mutex<HashMap<UserId, String>>>,
    /// Turns for password hashing (see `service/sessions.rs`).
    hash_permits: Arc<tokio::sync::Semaphore>,
    /// Where webhooks may go (see `service/integrations.rs`).
    webhook_allow: Arc<crate::integration::AllowList>,
    /// Seals entity secrets (see `service/secrets.rs`); none until the
    /// server hands over its secrets key.
    secret_box: Option<Arc<crate::secret::SecretBox>>,
    /// Where compacted history files live (see `service/history.rs`).
    history_blobs: Option<Arc<dyn crate::blob::BlobStore>>,
    /// How old a compacted history file must be before it is handed out.
    history_export_delay_ms: i64,
    /// When (ms since the epoch) history was last logged through this
    /// service: compaction yields to logging (see
    /// [`crate::history::CompactionPolicy::defer_ms`]). A scheduling hint
    /// of this process only; replicas each yield to their own traffic.
    history_logged_at: Arc<std::sync::atomic::AtomicI64>,
}

impl Cairn {
    /// The content-addressed store of artifact bytes in `blobs`, with its
    /// rows in this service's store.
    pub fn content_store(
        &self,
        blobs: Arc<dyn crate::blob::BlobStore>,
    ) -> crate::content::ContentStore {
        crate::content::ContentStore::new(self.store.clone(), blobs)
    }
}

/// What the first start of an empty instance created.
#[derive(Debug)]
pub struct Bootstrap {
    /// The instance admin.
    pub admin: User,
    /// The admin's key, when it was generated (not supplied by the operator).
    pub generated_key: Option<String>,
}

/// One page of projects.
#[derive(Debug)]
pub struct ProjectPage {
    /// The projects, in creation order.
    pub projects: Vec<Readable<Project>>,
    /// Whether more follow.
    pub has_next_page: bool,
}

impl ProjectPage {
    /// A page from up to `first + 1` projects the store listed, only those
    /// the caller may see: the extra one says more follow.
    fn of(mut projects: Vec<Project>, first: i64) -> ProjectPage {
        let has_next_page = projects.len() as i64 > first;
        projects.truncate(first as usize);
        ProjectPage {
            projects: projects.into_iter().map(Readable::grant).collect(),
            has_next_page,
        }
    }
}

/// Refuse a project page size out of 1 to 1000.
fn check_project_page(first: i64) -> CoreResult<()> {
    if !(1..=1000).contains(&first) {
        return Err(CoreError::InvalidInput(format!(
            "Page size {first} is out of range; ask for 1 to 1000 projects."
        )));
    }
    Ok(())
}

/// A service account just created for a team.
#[derive(Debug)]
pub struct NewServiceAccount {
    /// The account.
    pub user: User,
}

/// A team member as seen by a particular caller.
#[derive(Debug, Clone)]
pub struct MemberView {
    /// The member or invitation.
    pub member: Member,
    /// A service account's secret, on its one showing.
    pub revealed_key: Option<String>,
}

impl Cairn {
    /// Open the domain over a store, creating the default organization if it
    /// is missing.
    pub async fn open(store: Arc<dyn Store>) -> CoreResult<Self> {
        let organization_id = store
            .ensure_default_organization(DEFAULT_ORGANIZATION)
            .await?;
        let (org_entity_id, org_entity_name) = store
            .ensure_org_entity(organization_id, &format!("{DEFAULT_ORGANIZATION}-org"))
            .await?;
        let organizations = store.organizations().await?;
        Ok(Cairn {
            store,
            organization_id,
            org_entity_id,
            org_entity_name,
            organizations: Arc::new(RwLock::new(organizations)),
            unrevealed_service_keys: Arc::default(),
            hash_permits: Arc::new(tokio::sync::Semaphore::new(sessions::MAX_CONCURRENT_HASHES)),
            webhook_allow: Arc::default(),
            secret_box: None,
            history_blobs: None,
            history_export_delay_ms: crate::history::EXPORT_DELAY_MS,
            history_logged_at: Arc::default(),
        })
    }

    /// On an instance with no users, create the instance admin `admin` with
    /// `admin_key` (which must look random, see [`apikey::check_chosen`]) or
    /// a generated key. `None` if users exist.
    pub async fn bootstrap(&self, admin_key: Option<&str>) -> CoreResult<Option<Bootstrap>> {
        if self.store.any_user().await? {
            return Ok(None);
        }
        let supplied = match admin_key {
            Some(key) => {
                apikey::check_chosen(key)?;
                Some((apikey::parse(key)?.to_string(), key.to_string()))
            }
            None => None,
        };
        let admin = self
            .store
            .create_user(
                NewUser {
                    username: "admin".into(),
                    email: None,
                    name: "admin".into(),
                    admin: true,
                    account_type: AccountType::User,
                },
                self.organization_id,
            )
            .await?;
        let generated_key = match supplied {
            Some((name, key)) => {
                self.store
                    .insert_key(admin.id, &name, &apikey::hash(&key), Some("bootstrap"))
                    .await?;
                None
            }
            None => {
                let key = apikey::generate()?;
                self.store
                    .insert_key(admin.id, &key.name, &key.hash, Some("bootstrap"))
                    .await?;
                Some(key.secret)
            }
        };
        Ok(Some(Bootstrap {
            admin,
            generated_key,
        }))
    }

    // ----- authentication -------------------------------------------------

    /// Resolve an API key to its user. Keys of a deactivated user are
    /// refused, with a message that says so.
    pub async fn authenticate(&self, key: &str) -> CoreResult<Actor> {
        let user = self
            .store
            .user_by_key_hash(&apikey::hash(key))
            .await?
            .ok_or_else(|| {
                CoreError::Unauthenticated("The API key is unknown or has been revoked.".into())
            })?;
        if !user.is_active() {
            return Err(sessions::deactivated(&user));
        }
        Ok(Actor::new(user))
    }

    // ----- users ----------------------------------------------------------

    /// Create a user from an email; the username is derived from it.
    pub async fn create_user(
        &self,
        admin: Admin<'_>,
        email: &str,
        make_admin: bool,
    ) -> CoreResult<User> {
        let _ = admin;
        let email = email.trim();
        names::validate_email(email)?;
        if self.store.user_by_email(email).await?.is_some() {
            return Err(CoreError::Conflict(format!(
                "A user with email {email:?} already exists."
            )));
        }
        let base = names::username_from_email(email);
        let mut username = base.clone();
        let mut n = 1;
        while self.store.user_by_username(&username).await?.is_some()
            || self.store.entity_by_name(&username).await?.is_some()
        {
            n += 1;
            username = format!("{base}{n}");
        }
        let user = self
            .store
            .create_user(
                NewUser {
                    name: username.clone(),
                    username,
                    email: Some(email.to_string()),
                    admin: make_admin,
                    account_type: AccountType::User,
                },
                self.organization_id,
            )
            .await?;
        Ok(user)
    }

    /// Users matching a partial username/email/name, exact matches first.
    pub async fn search_users(&self, admin: Admin<'_>, query: &str) -> CoreResult<Vec<User>> {
        let _ = admin;
        Ok(self
            .store
            .search_users(query.trim(), USER_SEARCH_LIMIT)
            .await?)
    }

    /// A user by id, when the caller may see them (themselves, or an admin).
    pub async fn user_by_id(&self, actor: &Actor, id: UserId) -> CoreResult<Option<User>> {
        if actor.user().id != id && actor.admin().is_none() {
            return Ok(None);
        }
        Ok(self.store.user_by_id(id).await?)
    }

    /// A user by name, when the caller may see them (themselves, or an
    /// admin).
    pub async fn user_named(&self, actor: &Actor, username: &str) -> CoreResult<Option<User>> {
        if actor.user().username != username && actor.admin().is_none() {
            return Ok(None);
        }
        Ok(self.store.user_by_username(username).await?)
    }

    /// Change a user's profile: the user themselves, or an instance admin
    /// for anyone. The default entity must be one the user belongs to (their
    /// own or a team's); only an admin may change the admin flag, and never
    /// their own.
    pub async fn update_user(
        &self,
        actor: &Actor,
        id: Option<UserId>,
        name: Option<&str>,
        photo_url: Option<&str>,
        default_entity: Option<&str>,
        admin: Option<bool>,
    ) -> CoreResult<User> {
        let id = id.unwrap_or(actor.user().id);
        let not_found = || CoreError::NotFound(format!("No user with id {id} exists."));
        if id != actor.user().id && actor.admin().is_none() {
            return Err(CoreError::PermissionDenied(
                "Only instance admins can change another user's profile.".into(),
            ));
        }
        let user = self.store.user_by_id(id).await?.ok_or_else(not_found)?;
        let mut update = UserUpdate::default();
        if let Some(name) = name.map(str::trim) {
            if name.is_empty() || name.chars().count() > names::MAX_NAME_LEN {
                return Err(CoreError::InvalidInput(format!(
                    "A user's name must have 1 to {} characters.",
                    names::MAX_NAME_LEN
                )));
            }
            update.name = Some(name.to_string());
        }
        if let Some(url) = photo_url.map(str::trim) {
            if url.is_empty() {
                update.photo_url = Some(None);
            } else if url.len() > 2048
                || !(url.starts_with("https://") || url.starts_with("http://"))
            {
                return Err(CoreError::InvalidInput(
                    "photoUrl must be an http(s) URL of at most 2048 characters.".into(),
                ));
            } else {
                update.photo_url = Some(Some(url.to_string()));
            }
        }
        if let Some(entity_name) = default_entity.map(str::trim) {
            let entity = self
                .store
                .entity_by_name(entity_name)
                .await?
                .filter(|e| self.org_of_entity(e.id).is_none());
            let member = match &entity {
                Some(e) => self.store.membership(e.id, user.id).await?.is_some(),
                None => false,
            };
            let (Some(entity), true) = (entity, member) else {
                return Err(CoreError::InvalidInput(format!(
                    "{:?} cannot be the default entity of {:?}: it is not their own entity or one of their teams.",
                    entity_name, user.username
                )));
            };
            update.default_entity_id = Some(entity.id);
        }
        if let Some(make_admin) = admin
            && make_admin != user.admin
        {
            if actor.admin().is_none() {
                return Err(CoreError::PermissionDenied(
                    "Only instance admins can change who is an admin.".into(),
                ));
            }
            if user.id == actor.user().id {
                return Err(CoreError::InvalidInput(
                    "An admin cannot remove their own admin rights.".into(),
                ));
            }
            update.admin = Some(make_admin);
        }
        self.store
            .update_user(user.id, &update)
            .await?
            .ok_or_else(not_found)
    }

    /// Deactivate (`active: false`) or reactivate a user (instance admins
    /// only; never themselves). A deactivated user's data stays, but their
    /// API keys and sessions stop working; their sessions end for good,
    /// their keys work again once they are reactivated.
    pub async fn set_user_active(
        &self,
        admin: Admin<'_>,
        username: &str,
        active: bool,
    ) -> CoreResult<User> {
        let not_found = || CoreError::NotFound(format!("No user named {username:?} exists."));
        let user = self
            .store
            .user_by_username(username)
            .await?
            .ok_or_else(not_found)?;
        if !active && user.id == admin.actor().user().id {
            return Err(CoreError::InvalidInput(
                "An admin cannot deactivate their own account.".into(),
            ));
        }
        let at = (!active).then(crate::session::now);
        let user = self
            .store
            .set_deactivated(user.id, at)
            .await?
            .ok_or_else(not_found)?;
        if !active {
            self.store.delete_sessions_of(user.id).await?;
        }
        Ok(user)
    }

    /// The teams a user belongs to.
    pub async fn teams_of(&self, user_id: UserId) -> CoreResult<Vec<Entity>> {
        Ok(self.store.teams_of(user_id).await?)
    }

    /// Every team of the instance, by name, at most `limit` of them: what
    /// an instance admin oversees.
    pub async fn all_teams(&self, admin: Admin<'_>, limit: i64) -> CoreResult<Vec<Entity>> {
        let _ = admin;
        Ok(self.store.teams(limit.clamp(0, 10_000)).await?)
    }

    // ----- API keys -------------------------------------------------------

    /// Generate a key for the caller, or — for an instance admin — for
    /// another user (how a new user gets their first key without a web UI).
    /// Returns the record and the secret, which is shown now and never again.
    pub async fn generate_api_key(
        &self,
        actor: &Actor,
        for_user: Option<UserId>,
        description: Option<&str>,
    ) -> CoreResult<(ApiKey, String)> {
        let owner = match for_user.filter(|id| *id != actor.user().id) {
            None => actor.user().id,
            Some(id) => {
                if actor.admin().is_none() {
                    return Err(CoreError::PermissionDenied(
                        "Only instance admins can create API keys for other users.".into(),
                    ));
                }
                self.store
                    .user_by_id(id)
                    .await?
                    .ok_or_else(|| CoreError::NotFound(format!("No user with id {id} exists.")))?
                    .id
            }
        };
        let description = description.map(str::trim).filter(|d| !d.is_empty());
        if description.is_some_and(|d| d.chars().count() > 256) {
            return Err(CoreError::InvalidInput(
                "The API key description is longer than 256 characters.".into(),
            ));
        }
        let key = apikey::generate()?;
        let record = self
            .store
            .insert_key(owner, &key.name, &key.hash, description)
            .await?;
        Ok((record, key.secret))
    }

    /// Register an existing key (from another W&B server) for a user, so it
    /// keeps working here. Instance admins only. The key must have the shape
    /// the official client accepts and look random ([`apikey::check_imported`]);
    /// only its hash is stored. A key already registered is a conflict.
    pub async fn import_api_key(
        &self,
        admin: Admin<'_>,
        for_user: UserId,
        key: &str,
        description: Option<&str>,
    ) -> CoreResult<ApiKey> {
        let _ = admin;
        let owner =
            self.store.user_by_id(for_user).await?.ok_or_else(|| {
                CoreError::NotFound(format!("No user with id {for_user} exists."))
            })?;
        let name = apikey::check_imported(key)?;
        let hash = apikey::hash(key);
        if self.store.user_by_key_hash(&hash).await?.is_some() {
            return Err(CoreError::Conflict(
                "This API key is already registered.".into(),
            ));
        }
        let description = description.map(str::trim).filter(|d| !d.is_empty());
        if description.is_some_and(|d| d.chars().count() > 256) {
            return Err(CoreError::InvalidInput(
                "The API key description is longer than 256 characters.".into(),
            ));
        }
        Ok(self
            .store
            .insert_key(owner.id, &name, &hash, description.or(Some("imported")))
            .await?)
    }

    /// A user's keys, when the caller may see them (the owner or an admin);
    /// `None` otherwise.
    pub async fn api_keys_of(
        &self,
        actor: &Actor,
        user_id: UserId,
    ) -> CoreResult<Option<Vec<ApiKey>>> {
        if actor.user().id != user_id && actor.admin().is_none() {
            return Ok(None);
        }
        Ok(Some(self.store.keys_of(user_id).await?))
    }

    /// Revoke a key. Only its owner or an admin may.
    pub async fn delete_api_key(&self, actor: &Actor, key_id: i64) -> CoreResult<()> {
        let not_found = || CoreError::NotFound(format!("No API key with id {key_id} exists."));
        let key = self.store.key_by_id(key_id).await?.ok_or_else(not_found)?;
        if key.user_id != actor.user().id && actor.admin().is_none() {
            // Do not reveal that someone else's key exists.
            return Err(not_found());
        }
        self.store.delete_key(key_id).await?;
        Ok(())
    }

    // ----- teams ----------------------------------------------------------

    /// Create a team with `admin_username` (default: the caller) as its admin.
    pub async fn create_team(
        &self,
        actor: &Actor,
        name: &str,
        admin_username: Option<&str>,
    ) -> CoreResult<Entity> {
        if !actor.is_person() {
            return Err(CoreError::PermissionDenied(
                "Service accounts cannot create teams.".into(),
            ));
        }
        names::validate("team", name)?;
        let admin_user = match admin_username.filter(|u| *u != actor.user().username) {
            None => actor.user().clone(),
            Some(username) => {
                if actor.admin().is_none() {
                    return Err(CoreError::PermissionDenied(format!(
                        "Only an instance admin can create a team administered by someone else ({username:?})."
                    )));
                }
                self.store
                    .user_by_username(username)
                    .await?
                    .ok_or_else(|| {
                        CoreError::NotFound(format!("No user named {username:?} exists."))
                    })?
            }
        };
        if self.store.entity_by_name(name).await?.is_some() {
            return Err(CoreError::Conflict(format!(
                "The name {name:?} is already taken by a team or user."
            )));
        }
        Ok(self
            .store
            .create_team(name, self.organization_id, admin_user.id)
            .await?)
    }

    /// An entity the caller may see: members and admins see teams; everyone
    /// sees personal entities of users (needed to address their public
    /// projects). `None` when unknown or hidden.
    pub async fn entity(&self, actor: &Actor, name: &str) -> CoreResult<Option<Entity>> {
        let Some(entity) = self.store.entity_by_name(name).await? else {
            return Ok(None);
        };
        if entity.is_team && !self.is_member_or_admin(actor, &entity).await? {
            return Ok(None);
        }
        Ok(Some(entity))
    }

    /// The members of an entity, as `actor` may see them. Team admins see each
    /// new service account's secret once.
    pub async fn members(&self, actor: &Actor, entity: &Entity) -> CoreResult<Vec<MemberView>> {
        if !self.is_member_or_admin(actor, entity).await? {
            return Ok(Vec::new());
        }
        let may_reveal = self.is_team_admin(actor, entity).await?;
        let members = self.store.members(entity.id).await?;
        let mut unrevealed = self
            .unrevealed_service_keys
            .lock()
            .map_err(|_| CoreError::Internal("key reveal lock poisoned".into()))?;
        Ok(members
            .into_iter()
            .map(|member| {
                let revealed_key = match &member {
                    Member::Joined { user, .. } if may_reveal => unrevealed.remove(&user.id),
                    _ => None,
                };
                MemberView {
                    member,
                    revealed_key,
                }
            })
            .collect())
    }

    /// Invite a user (by username, or by email — which need not have an
    /// account yet) into a team.
    pub async fn invite(
        &self,
        actor: &Actor,
        team: &str,
        username: Option<&str>,
        email: Option<&str>,
        admin: bool,
    ) -> CoreResult<Member> {
        let entity = self.team_for_admin(actor, team).await?;
        let user = match (username, email) {
            (Some(username), _) => Some(self.store.user_by_username(username).await?.ok_or_else(
                || CoreError::NotFound(format!("No user named {username:?} exists.")),
            )?),
            (None, Some(email)) => {
                names::validate_email(email)?;
                self.store.user_by_email(email).await?
            }
            (None, None) => {
                return Err(CoreError::InvalidInput(
                    "An invitation needs a username or an email.".into(),
                ));
            }
        };
        match user {
            Some(user) => {
                if self.store.membership(entity.id, user.id).await?.is_some() {
                    return Err(CoreError::Conflict(format!(
                        "{:?} is already a member of team {team:?}.",
                        user.username
                    )));
                }
                self.store.add_member(entity.id, user.id, admin).await?;
                Ok(Member::Joined { user, admin })
            }
            None => {
                let email = email.unwrap_or_default();
                let invite = self.store.create_invite(entity.id, email, admin).await?;
                Ok(Member::Pending(invite))
            }
        }
    }

    /// Make a team member one of its admins, or no longer one. Team admins
    /// and instance admins may. The team's last admin stays one, so that
    /// someone besides the instance admins can still manage it.
    pub async fn set_member_admin(
        &self,
        actor: &Actor,
        team: &str,
        user_id: UserId,
        admin: bool,
    ) -> CoreResult<()> {
        let entity = self.team_for_admin(actor, team).await?;
        let members = self.store.members(entity.id).await?;
        let admins = |m: &Member| matches!(m, Member::Joined { admin: true, .. });
        let Some(member) = members
            .iter()
            .find(|m| matches!(m, Member::Joined { user, .. } if user.id == user_id))
        else {
            return Err(CoreError::NotFound(format!(
                "That user is not a member of team {team:?}."
            )));
        };
        if !admin && admins(member) && members.iter().filter(|m| admins(m)).count() == 1 {
            return Err(CoreError::InvalidInput(format!(
                "This is the last admin of team {team:?}; make another member an admin first."
            )));
        }
        self.store
            .set_member_admin(entity.id, user_id, admin)
            .await?;
        Ok(())
    }

    /// Remove a member (by user id) or withdraw an invitation (by invite id).
    pub async fn remove_member(
        &self,
        actor: &Actor,
        team: &str,
        member: MemberRef,
    ) -> CoreResult<()> {
        let entity = self
            .store
            .entity_by_name(team)
            .await?
            .filter(|e| e.is_team)
            .ok_or_else(|| CoreError::NotFound(format!("No team named {team:?} exists.")))?;
        let self_removal = matches!(member, MemberRef::User(id) if id == actor.user().id);
        if !self_removal && !self.is_team_admin(actor, &entity).await? {
            return Err(CoreError::PermissionDenied(format!(
                "Only an admin of team {team:?} can remove its members."
            )));
        }
        let removed = match member {
            MemberRef::User(user_id) => self.store.remove_member(entity.id, user_id).await?,
            MemberRef::Invite(invite_id) => self.store.delete_invite(entity.id, invite_id).await?,
        };
        if removed {
            Ok(())
        } else {
            Err(CoreError::NotFound(format!(
                "That member or invitation does not exist in team {team:?}."
            )))
        }
    }

    /// Create a service account in a team, with one API key whose secret the
    /// next team-admin view of the members shows once.
    pub async fn create_service_account(
        &self,
        actor: &Actor,
        team: &str,
        description: &str,
    ) -> CoreResult<NewServiceAccount> {
        let entity = self.team_for_admin(actor, team).await?;
        let description = description.trim();
        let mut n = 1;
        let username = loop {
            let candidate = format!("{team}-service-{n}");
            if self.store.user_by_username(&candidate).await?.is_none()
                && self.store.entity_by_name(&candidate).await?.is_none()
            {
                break candidate;
            }
            n += 1;
        };
        let user = self
            .store
            .create_user(
                NewUser {
                    username: username.clone(),
                    email: None,
                    name: if description.is_empty() {
                        username
                    } else {
                        description.to_string()
                    },
                    admin: false,
                    account_type: AccountType::Service,
                },
                self.organization_id,
            )
            .await?;
        self.store.add_member(entity.id, user.id, false).await?;
        let key = apikey::generate()?;
        self.store
            .insert_key(
                user.id,
                &key.name,
                &key.hash,
                Some(description).filter(|d| !d.is_empty()),
            )
            .await?;
        self.unrevealed_service_keys
            .lock()
            .map_err(|_| CoreError::Internal("key reveal lock poisoned".into()))?
            .insert(user.id, key.secret);
        Ok(NewServiceAccount { user })
    }

    // ----- projects -------------------------------------------------------

    /// Create a project, or update an existing one's description/access
    /// (W&B's `upsertModel`). Returns the project and whether it was created.
    ///
    /// Reading an existing project back needs [`ProjectAction::Read`],
    /// changing it [`ProjectAction::Manage`] (for a registry: its admins);
    /// creating one needs membership of the entity. A registry the caller
    /// may not see is not found, as if it did not exist. Whoever gets a
    /// project back may read it (creating one takes membership).
    pub async fn upsert_project(
        &self,
        actor: &Actor,
        entity_name: Option<&str>,
        name: &str,
        description: Option<&str>,
        access: Option<&str>,
    ) -> CoreResult<(Readable<Project>, bool)> {
        names::validate("project", name)?;
        let entity_name = entity_name.unwrap_or(actor.user().default_entity_name());
        let entity = self
            .store
            .entity_by_name(entity_name)
            .await?
            .ok_or_else(|| no_entity(entity_name))?;
        let registry = self.is_registry_name(entity.id, name);
        if let Some(access) = access
            && !ACCESS_VALUES.contains(&access)
            && !(registry && access == RESTRICTED)
        {
            return Err(CoreError::InvalidInput(format!(
                "Unknown project access {access:?}; use one of {}{}.",
                ACCESS_VALUES.join(", "),
                if registry { ", RESTRICTED" } else { "" }
            )));
        }
        if let Some(existing) = self.store.project_by_name(entity.id, name).await? {
            return self
                .update_existing_project(actor, existing, description, access)
                .await
                .map(|p| (p, false));
        }
        if !self.is_member_or_admin(actor, &entity).await? {
            // A team the caller does not belong to is hidden from them
            // (see `entity`): say what a missing one gets.
            if entity.is_team {
                return Err(no_entity(entity_name));
            }
            return Err(CoreError::PermissionDenied(format!(
                "You are not {entity_name:?}, so you cannot create projects in their entity."
            )));
        }
        let created = self
            .store
            .create_project(NewProject {
                entity_id: entity.id,
                name: name.to_string(),
                description: description.map(str::to_string),
                access: access.unwrap_or("PRIVATE").to_string(),
                created_by: actor.user().id,
            })
            .await;
        match created {
            Ok(project) => Ok((Readable::grant(project), true)),
            // Someone created it since we looked (many runs of a new sweep
            // starting at once): theirs is the project.
            Err(StoreError::Conflict(_)) => {
                let existing = self
                    .store
                    .project_by_name(entity.id, name)
                    .await?
                    .ok_or_else(|| {
                        CoreError::Internal(format!("project {name:?} clashed but cannot be found"))
                    })?;
                self.update_existing_project(actor, existing, description, access)
                    .await
                    .map(|p| (p, false))
            }
            Err(e) => Err(e.into()),
        }
    }

    async fn update_existing_project(
        &self,
        actor: &Actor,
        existing: Project,
        description: Option<&str>,
        access: Option<&str>,
    ) -> CoreResult<Readable<Project>> {
        if description.is_none() && access.is_none() {
            self.authorize(actor, &existing, ProjectAction::Read)
                .await?;
            return Ok(Readable::grant(existing));
        }
        self.authorize(actor, &existing, ProjectAction::Manage)
            .await?;
        Ok(Readable::grant(
            self.store
                .update_project(existing.id, description, access)
                .await?,
        ))
    }

    /// The project `entity_name/name` for `action`, created (as a private
    /// project of the caller) when it does not exist yet, as W&B does for
    /// runs and artifacts logged to a new project. Registries are never
    /// created this way.
    pub(crate) async fn ensure_project(
        &self,
        actor: &Actor,
        entity_name: &str,
        name: &str,
        action: ProjectAction,
    ) -> CoreResult<Readable<Project>> {
        names::validate("project", name)?;
        if let Some(entity) = self.store.entity_by_name(entity_name).await?
            && self.is_registry_name(entity.id, name)
        {
            return self.project_for(actor, entity_name, name, action).await;
        }
        let (project, _) = self
            .upsert_project(actor, Some(entity_name), name, None, None)
            .await?;
        self.authorize(actor, &project, action).await?;
        Ok(project)
    }

    /// A page of the projects of the caller's own entity and teams (the
    /// viewer's `projects`).
    pub async fn member_projects(
        &self,
        actor: &Actor,
        after_id: Option<i64>,
        first: i64,
    ) -> CoreResult<ProjectPage> {
        check_project_page(first)?;
        let projects = self
            .store
            .member_projects(actor.user().id, after_id, first + 1)
            .await?;
        // Members read their entities' projects; the store left out
        // restricted ones they have no part in.
        Ok(ProjectPage::of(projects, first))
    }

    /// A page of an entity's projects that the caller may read.
    pub async fn projects(
        &self,
        actor: &Actor,
        entity_name: &str,
        after_id: Option<i64>,
        first: i64,
    ) -> CoreResult<ProjectPage> {
        check_project_page(first)?;
        let Some(entity) = self.store.entity_by_name(entity_name).await? else {
            return Err(CoreError::NotFound(format!(
                "No team or user named {entity_name:?} exists."
            )));
        };
        let public_only = !self.is_member_or_admin(actor, &entity).await?;
        let projects = self
            .store
            .list_projects(
                entity.id,
                public_only,
                actor.admin().is_none().then(|| actor.user().id),
                after_id,
                first + 1,
            )
            .await?;
        // The store listed only what the caller may see.
        Ok(ProjectPage::of(projects, first))
    }

    // ----- helpers --------------------------------------------------------

    async fn is_member_or_admin(&self, actor: &Actor, entity: &Entity) -> CoreResult<bool> {
        Ok(actor.admin().is_some()
            || entity.id == self.org_entity_id
            || self
                .store
                .membership(entity.id, actor.user().id)
                .await?
                .is_some())
    }

    async fn is_team_admin(&self, actor: &Actor, entity: &Entity) -> CoreResult<bool> {
        Ok(actor.admin().is_some()
            || self.store.membership(entity.id, actor.user().id).await? == Some(true))
    }

    /// A team the caller administers, or the error that says why not.
    async fn team_for_admin(&self, actor: &Actor, team: &str) -> CoreResult<Entity> {
        let entity = self.store.entity_by_name(team).await?.filter(|e| e.is_team);
        let Some(entity) = entity else {
            return Err(CoreError::NotFound(format!(
                "No team named {team:?} exists."
            )));
        };
        if !self.is_team_admin(actor, &entity).await? {
            return Err(CoreError::PermissionDenied(format!(
                "Only an admin of team {team:?} can do this."
            )));
        }
        Ok(entity)
    }
}

/// The error for an entity that is missing or hidden from the caller.
fn no_entity(name: &str) -> CoreError {
    CoreError::NotFound(format!("No team or user named {name:?} exists."))
}

/// Which member to remove: a joined user, or a pending invitation.
#[derive(Debug, Clone, Copy)]
pub enum MemberRef {
    /// A joined member, by user id.
    User(UserId),
    /// A pending invitation, by invite id.
    Invite(i64),
}
