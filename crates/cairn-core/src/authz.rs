//! Who is asking, and the proofs of what they may do.
//!
//! Every domain call takes an [`Actor`]: there is no way to reach storage
//! through [`crate::Cairn`] without one. Instance-admin operations take an
//! [`Admin`] instead, which only [`Actor::admin`] can mint — so forgetting an
//! admin check is a compile error, not a security bug.
//!
//! The permission matrix, in one place. Account operations:
//!
//! | operation                         | who                                        |
//! |-----------------------------------|--------------------------------------------|
//! | create user, search users         | instance admin                             |
//! | set a password, (de)activate user | instance admin (never deactivating themself) |
//! | sign in (key or password)         | active people; never service accounts      |
//! | generate key                      | anyone (for themselves)                    |
//! | list a user's keys                | that user, instance admin                  |
//! | delete key                        | its owner, instance admin                  |
//! | create team                       | any person; naming another admin: instance admin |
//! | see team + members                | its members, instance admin                |
//! | invite, service account           | team admin, instance admin                 |
//! | remove member                     | team admin, instance admin, the member     |
//! | create project                    | entity members, instance admin             |
//!
//! Everything that touches a project or what it holds (runs, history,
//! files, artifacts, collections, registries and their members) asks
//! [`decide`] for a [`ProjectAction`]; its table is the one rule for
//! projects, registries, artifacts and runs together. A caller who may not
//! read a project is told it does not exist, in the same words as for a
//! project that really does not.

use crate::artifact::RegistryRole;
use crate::model::{AccountType, User};

/// An authenticated caller.
#[derive(Debug, Clone)]
pub struct Actor {
    user: User,
}

impl Actor {
    /// Wrap a user whose credentials have been verified. Only the
    /// authentication path in [`crate::Cairn::authenticate`] (and the
    /// bootstrap) should call this.
    pub(crate) fn new(user: User) -> Self {
        Actor { user }
    }

    /// The user behind the request.
    pub fn user(&self) -> &User {
        &self.user
    }

    /// Proof of instance-admin rights, if the caller has them.
    pub fn admin(&self) -> Option<Admin<'_>> {
        self.user.admin.then_some(Admin { actor: self })
    }

    /// Proof of instance-admin rights, or the refusal "Only instance admins
    /// can {doing}." for an operation that is theirs alone.
    pub fn admin_for(&self, doing: &str) -> Result<Admin<'_>, crate::CoreError> {
        self.admin().ok_or_else(|| {
            crate::CoreError::PermissionDenied(format!("Only instance admins can {doing}."))
        })
    }

    /// Whether the caller is a person (not a service account).
    pub fn is_person(&self) -> bool {
        self.user.account_type == AccountType::User
    }
}

/// Proof that the caller is an instance admin.
#[derive(Debug, Clone, Copy)]
pub struct Admin<'a> {
    actor: &'a Actor,
}

impl Admin<'_> {
    /// The admin's own actor.
    pub fn actor(&self) -> &Actor {
        self.actor
    }
}

/// Proof that the caller may read a `T`: a project, or a run or artifact in
/// one. Only the access checks of [`crate::Cairn`] grant one, so a domain
/// call that serves reads without taking an [`Actor`] (a run's history, a
/// project's runs) takes a `Readable` and cannot be reached with something
/// nobody checked.
#[derive(Debug, Clone)]
pub struct Readable<T>(T);

/// Proof that the caller may change a `T` (log to a run, edit an
/// artifact); changing implies reading, so it converts into a
/// [`Readable`].
#[derive(Debug, Clone)]
pub struct Writable<T>(T);

impl<T> Readable<T> {
    /// Grant: only after [`decide`] allowed reading.
    pub(crate) fn grant(value: T) -> Self {
        Readable(value)
    }

    /// The checked value, giving up the proof.
    pub fn into_inner(self) -> T {
        self.0
    }

    /// A readable part of a readable whole (a run of a readable project).
    pub(crate) fn part<U>(&self, value: U) -> Readable<U> {
        Readable(value)
    }
}

impl<T> Writable<T> {
    /// Grant: only after [`decide`] allowed the change.
    pub(crate) fn grant(value: T) -> Self {
        Writable(value)
    }

    /// The checked value, giving up the proof.
    pub fn into_inner(self) -> T {
        self.0
    }

    /// What may be changed may be read.
    pub fn readable(self) -> Readable<T> {
        Readable(self.0)
    }
}

impl<T> std::ops::Deref for Readable<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> std::ops::Deref for Writable<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

/// What a caller wants to do with a project, or with something inside it.
/// Every operation on a project, run, artifact, collection or registry asks
/// [`decide`] (through `Cairn::authorize`) for one of these.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProjectAction {
    /// See it and read what it holds (runs, history, files, artifacts).
    Read,
    /// Create, log to, change or delete runs in it.
    LogRuns,
    /// Add or change what it holds besides runs: artifacts, collections,
    /// aliases, tags, links into it.
    Write,
    /// Change the project itself: description, access, name, a registry's
    /// accepted types and its members.
    Manage,
    /// Delete it with everything in it.
    Delete,
}

/// Everything [`decide`] needs to know about a caller and a project,
/// gathered from storage by the service.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ProjectStanding {
    /// The caller is an instance admin.
    pub admin: bool,
    /// The caller created the project.
    pub creator: bool,
    /// The caller belongs to the project's entity (every user belongs to
    /// the default organization's entity; further organizations' entities
    /// have their members).
    pub entity_member: bool,
    /// The project is one of the organization's registries.
    pub registry: bool,
    /// A registry visible only to its creator, instance admins and members.
    pub restricted: bool,
    /// A project every signed-in user may read (`USER_READ`/`USER_WRITE`).
    pub public: bool,
    /// The strongest registry role the caller or one of their teams holds.
    pub held_role: Option<RegistryRole>,
}

impl ProjectStanding {
    /// The caller's effective role in a registry: admin for instance admins
    /// and its creator, else the role held, else `member` of a registry
    /// that is not restricted when the caller belongs to its organization;
    /// `None` means the registry is hidden.
    pub fn registry_role(&self) -> Option<RegistryRole> {
        if self.admin || self.creator {
            return Some(RegistryRole::Admin);
        }
        self.held_role
            .or((!self.restricted && self.entity_member).then_some(RegistryRole::Member))
    }
}

/// The answer to "may this caller do this to this project?".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Go ahead.
    Allow,
    /// The caller sees the project but may not do this.
    Deny,
    /// The caller may not know the project exists: answer exactly as for a
    /// project that does not.
    Hide,
}

/// The project permission matrix, in one place.
///
/// | action   | ordinary project                        | registry                                      |
/// |----------|-----------------------------------------|-----------------------------------------------|
/// | Read     | entity members, admins; all if public   | any role (org members hold `member` unless restricted) |
/// | LogRuns  | entity members, admins                  | nobody: registries hold linked versions, not runs |
/// | Write    | entity members, admins                  | roles `member` and `admin`                    |
/// | Manage   | entity members, admins                  | role `admin` (creator, instance admins)       |
/// | Delete   | its creator, admins                     | role `admin`                                  |
///
/// Whoever may not read a project gets [`Verdict::Hide`] for every action.
pub fn decide(standing: &ProjectStanding, action: ProjectAction) -> Verdict {
    let s = standing;
    let role = s.registry_role();
    let visible = if s.registry {
        role.is_some()
    } else {
        s.admin || s.entity_member || s.public
    };
    if !visible {
        return Verdict::Hide;
    }
    let member = s.admin || s.entity_member;
    let allowed = match (action, s.registry) {
        (ProjectAction::Read, _) => true,
        (ProjectAction::LogRuns, true) => false,
        (ProjectAction::LogRuns | ProjectAction::Write | ProjectAction::Manage, false) => member,
        (ProjectAction::Write, true) => role.is_some_and(RegistryRole::may_write),
        (ProjectAction::Manage | ProjectAction::Delete, true) => role == Some(RegistryRole::Admin),
        (ProjectAction::Delete, false) => s.admin || s.creator,
    };
    if allowed {
        Verdict::Allow
    } else {
        Verdict::Deny
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ProjectAction::*;
    use Verdict::*;

    const ACTIONS: [ProjectAction; 5] = [Read, LogRuns, Write, Manage, Delete];

    fn row(standing: ProjectStanding) -> [Verdict; 5] {
        ACTIONS.map(|a| decide(&standing, a))
    }

    #[test]
    fn ordinary_projects() {
        let member = ProjectStanding {
            entity_member: true,
            ..Default::default()
        };
        assert_eq!(row(member), [Allow, Allow, Allow, Allow, Deny]);
        let creator = ProjectStanding {
            creator: true,
            ..member
        };
        assert_eq!(row(creator), [Allow, Allow, Allow, Allow, Allow]);
        let admin = ProjectStanding {
            admin: true,
            ..Default::default()
        };
        assert_eq!(row(admin), [Allow, Allow, Allow, Allow, Allow]);
        let outsider = ProjectStanding::default();
        assert_eq!(row(outsider), [Hide; 5]);
        let public = ProjectStanding {
            public: true,
            ..Default::default()
        };
        assert_eq!(row(public), [Allow, Deny, Deny, Deny, Deny]);
        // A creator who left the entity keeps nothing but what the public has.
        let left = ProjectStanding {
            creator: true,
            ..Default::default()
        };
        assert_eq!(row(left), [Hide; 5]);
    }

    /// Whoever may do anything to a project may read it: what makes a
    /// [`Writable`] convertible into a [`Readable`].
    #[test]
    fn every_allowed_action_implies_read() {
        let flags = |n: u32, bit: u32| n & (1 << bit) != 0;
        let roles = [
            None,
            Some(RegistryRole::RestrictedViewer),
            Some(RegistryRole::Viewer),
            Some(RegistryRole::Member),
            Some(RegistryRole::Admin),
        ];
        for n in 0..64 {
            for held_role in roles {
                let standing = ProjectStanding {
                    admin: flags(n, 0),
                    creator: flags(n, 1),
                    entity_member: flags(n, 2),
                    registry: flags(n, 3),
                    restricted: flags(n, 4),
                    public: flags(n, 5),
                    held_role,
                };
                for action in ACTIONS {
                    if decide(&standing, action) == Allow {
                        assert_eq!(decide(&standing, Read), Allow, "{standing:?} {action:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn registries() {
        let org_member = ProjectStanding {
            registry: true,
            entity_member: true,
            ..Default::default()
        };
        assert_eq!(row(org_member), [Allow, Deny, Allow, Deny, Deny]);
        // Someone of another organization sees none of its registries.
        let other_org = ProjectStanding {
            registry: true,
            ..Default::default()
        };
        assert_eq!(row(other_org), [Hide; 5]);
        let restricted = ProjectStanding {
            restricted: true,
            ..org_member
        };
        assert_eq!(row(restricted), [Hide; 5]);
        for (held, expected) in [
            (
                RegistryRole::RestrictedViewer,
                [Allow, Deny, Deny, Deny, Deny],
            ),
            (RegistryRole::Viewer, [Allow, Deny, Deny, Deny, Deny]),
            (RegistryRole::Member, [Allow, Deny, Allow, Deny, Deny]),
            (RegistryRole::Admin, [Allow, Deny, Allow, Allow, Allow]),
        ] {
            let standing = ProjectStanding {
                held_role: Some(held),
                ..restricted
            };
            assert_eq!(row(standing), expected, "{held:?}");
        }
        for who in [
            ProjectStanding {
                creator: true,
                ..restricted
            },
            ProjectStanding {
                admin: true,
                ..restricted
            },
        ] {
            assert_eq!(row(who), [Allow, Deny, Allow, Allow, Allow]);
        }
        // Being public means nothing for a restricted registry.
        let public = ProjectStanding {
            public: true,
            ..restricted
        };
        assert_eq!(row(public), [Hide; 5]);
    }
}
