//! Registry rules the store's listings must follow: which projects are
//! registries, and which of them a viewer may see.
//!
//! For one project, [`crate::authz::decide`] answers "may this caller see
//! it?". Listings cannot ask that row by row: the organization-wide
//! registry listings and an entity's project list filter and page in one
//! SQL statement, so the store needs the rule in a form it can bind.
//! [`Visibility`] is that form: the values the store's condition takes
//! (who is asking, which access value hides a project), with
//! [`Visibility::shows`] stating the same rule in Rust. A test holds
//! `shows` to [`crate::authz::decide`], so the listing and the single
//! project answer cannot drift apart; the store's SQL implements `shows`
//! and spells neither the prefix nor the access value itself.

use crate::model::UserId;

/// Projects with this prefix in the organization's entity are registries.
pub use cairn_types::REGISTRY_PREFIX;

/// Access of a registry only its creator, instance admins and its members see.
pub const RESTRICTED: &str = "RESTRICTED";

/// What a listing of projects (or of registry contents) may show one
/// viewer: every project, except those whose access is
/// [`Visibility::hidden_access`] unless the viewer created the project or
/// holds a role in it, directly or through a team. Instance admins
/// (`viewer` `None`) see everything.
///
/// A listing only covers projects of an entity the viewer may list (their
/// organization's, for registries), so belonging to the entity is taken as
/// given here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Visibility {
    /// Who is asking; `None` for instance admins, who see every project.
    pub viewer: Option<UserId>,
    /// The access value that hides a project from everyone else.
    pub hidden_access: &'static str,
}

impl Visibility {
    /// The visibility rule for `viewer` (`None`: an instance admin).
    pub fn of(viewer: Option<UserId>) -> Self {
        Visibility {
            viewer,
            hidden_access: RESTRICTED,
        }
    }

    /// Whether a listing shows a project with this `access`, created by
    /// `created_by`, where the viewer holds a role (`holds_role`, their own
    /// or a team's). The store evaluates exactly this in SQL.
    pub fn shows(&self, access: &str, created_by: Option<UserId>, holds_role: bool) -> bool {
        match self.viewer {
            None => true,
            Some(viewer) => {
                access != self.hidden_access || created_by == Some(viewer) || holds_role
            }
        }
    }
}

/// Whether `name` names a registry when the project belongs to the
/// organization's entity.
pub fn is_registry_name(name: &str) -> bool {
    name.starts_with(REGISTRY_PREFIX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::artifact::RegistryRole;
    use crate::authz::{ProjectAction, ProjectStanding, Verdict, decide};

    /// The listing rule and the one-project rule agree for every case a
    /// registry listing meets (the viewer belongs to the organization).
    #[test]
    fn listing_visibility_matches_the_permission_table() {
        let me = 7;
        for admin in [false, true] {
            for restricted in [false, true] {
                for creator in [false, true] {
                    for holds_role in [false, true] {
                        let standing = ProjectStanding {
                            admin,
                            creator,
                            entity_member: true,
                            registry: true,
                            restricted,
                            public: false,
                            held_role: holds_role.then_some(RegistryRole::Viewer),
                        };
                        let decided = decide(&standing, ProjectAction::Read) != Verdict::Hide;
                        let access = if restricted { RESTRICTED } else { "PRIVATE" };
                        let created_by = Some(if creator { me } else { me + 1 });
                        let viewer = (!admin).then_some(me);
                        assert_eq!(
                            Visibility::of(viewer).shows(access, created_by, holds_role),
                            decided,
                            "admin {admin}, restricted {restricted}, creator {creator}, \
                             role {holds_role}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn registries_are_named_by_the_shared_prefix() {
        assert!(is_registry_name("wandb-registry-model"));
        assert!(!is_registry_name("model"));
        assert!(!is_registry_name("my-wandb-registry-model"));
    }
}
