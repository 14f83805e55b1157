//! The domain's records, as storage returns them.
//!
//! Ids are plain integers here; the GraphQL layer turns them into the opaque
//! base64 ids the wire expects. Timestamps are UTC, whole seconds.

use time::OffsetDateTime;

/// Row id of a user.
pub type UserId = i64;
/// Row id of an entity (a user's personal namespace, or a team).
pub type EntityId = i64;

/// Whether an account is a person or a robot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountType {
    /// A person.
    User,
    /// A team's service account: logs runs, never signs in.
    Service,
}

impl AccountType {
    /// The wire/database spelling (`USER`, `SERVICE`).
    pub fn as_str(self) -> &'static str {
        match self {
            AccountType::User => "USER",
            AccountType::Service => "SERVICE",
        }
    }

    /// Parse the database spelling; anything unknown is a person.
    pub fn parse(s: &str) -> Self {
        if s == "SERVICE" {
            AccountType::Service
        } else {
            AccountType::User
        }
    }
}

/// A user account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// Row id.
    pub id: UserId,
    /// Unique login name; also the name of the user's personal entity.
    pub username: String,
    /// Unique email, if any (service accounts have none).
    pub email: Option<String>,
    /// Display name.
    pub name: String,
    /// Instance administrator.
    pub admin: bool,
    /// Person or service account.
    pub account_type: AccountType,
    /// Profile picture URL, if the user set one.
    pub photo_url: Option<String>,
    /// The entity the user chose as their default (`updateUser`), while they
    /// are still a member of it. See [`User::default_entity_name`].
    pub default_entity: Option<String>,
    /// When the account was created.
    pub created_at: OffsetDateTime,
    /// When an instance admin deactivated the account; `None` while it is
    /// active. A deactivated account keeps its data, but its API keys and
    /// browser sessions stop working until it is reactivated.
    pub deactivated_at: Option<OffsetDateTime>,
}

impl User {
    /// Whether the account may authenticate (it is not deactivated).
    pub fn is_active(&self) -> bool {
        self.deactivated_at.is_none()
    }

    /// Where runs and projects go when the client names no entity: the
    /// chosen default entity, else the user's own.
    pub fn default_entity_name(&self) -> &str {
        self.default_entity.as_deref().unwrap_or(&self.username)
    }
}

/// Changes to a user's profile (`updateUser`); `None` leaves a field alone.
#[derive(Debug, Clone, Default)]
pub struct UserUpdate {
    /// New display name.
    pub name: Option<String>,
    /// New picture URL; `Some(None)` clears it.
    pub photo_url: Option<Option<String>>,
    /// New default entity.
    pub default_entity_id: Option<EntityId>,
    /// New instance-admin flag.
    pub admin: Option<bool>,
}

/// What storage needs to create a user.
#[derive(Debug, Clone)]
pub struct NewUser {
    /// Unique login name.
    pub username: String,
    /// Unique email, if any.
    pub email: Option<String>,
    /// Display name.
    pub name: String,
    /// Instance administrator.
    pub admin: bool,
    /// Person or service account.
    pub account_type: AccountType,
}

/// An API key's public record. The secret itself is never stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKey {
    /// Row id.
    pub id: i64,
    /// Owner.
    pub user_id: UserId,
    /// Public name (the prefix of the secret).
    pub name: String,
    /// What the owner said it is for.
    pub description: Option<String>,
    /// When it was created.
    pub created_at: OffsetDateTime,
}

/// A namespace that owns projects: a user's own, or a team.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entity {
    /// Row id.
    pub id: EntityId,
    /// Unique name.
    pub name: String,
    /// A team (true) or a user's personal entity (false).
    pub is_team: bool,
    /// The organization it belongs to.
    pub organization_id: i64,
    /// When it was created.
    pub created_at: OffsetDateTime,
}

/// An organization: the owner of registries, through its own entity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Organization {
    /// Row id.
    pub id: i64,
    /// Unique name (what `api.registries(organization=…)` takes).
    pub name: String,
    /// Its entity, which owns its `wandb-registry-*` projects.
    pub entity_id: EntityId,
    /// That entity's name (`<name>-org`).
    pub entity_name: String,
}

/// A team member, or an invitation not yet taken up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Member {
    /// A user who belongs to the team.
    Joined {
        /// The member.
        user: User,
        /// Team administrator.
        admin: bool,
    },
    /// An email invited before any user had that address.
    Pending(Invite),
}

/// An invitation of an email address that has no account yet. When a user is
/// created with that email, the invitation turns into a membership.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invite {
    /// Row id.
    pub id: i64,
    /// The team.
    pub entity_id: EntityId,
    /// The invited address.
    pub email: String,
    /// Whether the member will be a team admin.
    pub admin: bool,
    /// When it was sent.
    pub created_at: OffsetDateTime,
}

/// Who can see a project besides its entity's members.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Members of the owning entity only (W&B's `PRIVATE`/`ENTITY_*`).
    Private,
    /// Every signed-in user may read it (W&B's `USER_READ`/`USER_WRITE`).
    Public,
}

/// A project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Project {
    /// Row id.
    pub id: i64,
    /// The owning entity.
    pub entity_id: EntityId,
    /// The owning entity's name (joined in for convenience).
    pub entity_name: String,
    /// Unique within the entity.
    pub name: String,
    /// Free text.
    pub description: Option<String>,
    /// W&B access string (`PRIVATE`, `ENTITY_READ`, `USER_READ`, …).
    pub access: String,
    /// Who created it.
    pub created_by: Option<UserId>,
    /// When it was created.
    pub created_at: OffsetDateTime,
    /// Last change of its settings.
    pub updated_at: OffsetDateTime,
}

impl Project {
    /// Whether users outside the entity may read it.
    pub fn visibility(&self) -> Access {
        if self.access.starts_with("USER_") {
            Access::Public
        } else {
            Access::Private
        }
    }
}

/// W&B's project access strings, in the order the UI offers them.
pub const ACCESS_VALUES: [&str; 5] = [
    "PRIVATE",
    "ENTITY_READ",
    "ENTITY_WRITE",
    "USER_READ",
    "USER_WRITE",
];

/// What storage needs to create a project.
#[derive(Debug, Clone)]
pub struct NewProject {
    /// The owning entity.
    pub entity_id: EntityId,
    /// Name, unique within the entity.
    pub name: String,
    /// Free text.
    pub description: Option<String>,
    /// One of [`ACCESS_VALUES`].
    pub access: String,
    /// Creator.
    pub created_by: UserId,
}
