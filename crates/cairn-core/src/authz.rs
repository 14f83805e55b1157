//! Who is asking, and the proofs of what they may do.
//!
//! Every domain call takes an [`Actor`]: there is no way to reach storage
//! through [`crate::Cairn`] without one. Instance-admin operations take an
//! [`Admin`] instead, which only [`Actor::admin`] can mint — so forgetting an
//! admin check is a compile error, not a security bug.
//!
//! The permission matrix, in one place:
//!
//! | operation                         | who                                        |
//! |-----------------------------------|--------------------------------------------|
//! | create user, search users         | instance admin                             |
//! | generate key                      | anyone (for themselves)                    |
//! | list a user's keys                | that user, instance admin                  |
//! | delete key                        | its owner, instance admin                  |
//! | create team                       | any person; naming another admin: instance admin |
//! | see team + members                | its members, instance admin                |
//! | invite, service account           | team admin, instance admin                 |
//! | remove member                     | team admin, instance admin, the member     |
//! | create/update project             | entity members, instance admin             |
//! | see project                       | entity members, instance admin; anyone signed in if public |
//! | read runs, history, files         | whoever may see the project                |
//! | create/log/update/stop/delete run | entity members, instance admin             |

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
