//! `ProjectMember`, `ProjectTeamMember` and `Role`: who holds a role in a
//! registry, as `registry.user_members()` / `team_members()` read them.

use async_graphql::{ID, Object, SimpleObject};
use cairn_core::artifact::RegistryRole;
use cairn_core::model::{Entity, User};

use crate::graphql::ids;
use crate::graphql::types::EntityObject;

/// A role, by its W&B name (`admin`, `member`, `viewer`, `restricted_viewer`).
#[derive(SimpleObject)]
#[graphql(name = "Role")]
pub struct RoleObject {
    name: String,
}

impl From<RegistryRole> for RoleObject {
    fn from(role: RegistryRole) -> Self {
        RoleObject {
            name: role.as_str().to_string(),
        }
    }
}

/// A user holding a role in a project.
pub struct ProjectMemberObject(pub User, pub RegistryRole);

#[Object(name = "ProjectMember")]
impl ProjectMemberObject {
    /// The user's id (`base64("User:<n>")`), which member mutations take.
    async fn id(&self) -> ID {
        ids::encode("User", self.0.id)
    }

    async fn name(&self) -> &str {
        &self.0.name
    }

    async fn username(&self) -> &str {
        &self.0.username
    }

    async fn email(&self) -> Option<&str> {
        self.0.email.as_deref()
    }

    async fn role(&self) -> RoleObject {
        self.1.into()
    }
}

/// A team holding a role in a project.
pub struct ProjectTeamMemberObject(pub Entity, pub RegistryRole);

#[Object(name = "ProjectTeamMember")]
impl ProjectTeamMemberObject {
    async fn team(&self) -> EntityObject {
        EntityObject(self.0.clone())
    }

    async fn role(&self) -> RoleObject {
        self.1.into()
    }
}
