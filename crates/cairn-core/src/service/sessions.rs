//! Signing in to the web UI: browser sessions, and the passwords that
//! open them.
//!
//! A session starts from an API key ([`Cairn::sign_in_with_key`], the same
//! check as [`Cairn::authenticate`]) or a password
//! ([`Cairn::sign_in_with_password`]); either way the caller gets a
//! [`NewSession`] whose token goes into a cookie and whose CSRF token goes
//! into the pages' forms. [`Cairn::session`] turns the cookie back into an
//! [`Actor`]. The rules for tokens and their lifetime are in
//! [`crate::session`], those for passwords in [`crate::password`].
//!
//! A failed password sign-in says the same words, after the same work,
//! whether the account exists, has a password or not: one Argon2 check
//! is always spent. Only a correct password learns that its account is
//! deactivated. Hashing runs on the blocking pool, at most
//! [`MAX_CONCURRENT_HASHES`] at once, so a burst of sign-ins costs bounded
//! memory (19 MiB each) and leaves the async workers alone.

use time::OffsetDateTime;

use super::Cairn;
use crate::authz::{Actor, Admin};
use crate::error::{CoreError, CoreResult};
use crate::model::{AccountType, User};
use crate::password;
use crate::session::{self, Secrets, StoredSession};

/// Password hashes and checks that may run at once; more wait their turn.
pub(super) const MAX_CONCURRENT_HASHES: usize = 4;

/// The answer to every failed password sign-in.
const WRONG_CREDENTIALS: &str = "The user name or password is wrong.";

/// A session just started. `token` is the cookie's value: it is shown now
/// and only its hash is stored.
pub struct NewSession {
    /// The session token (43 URL-safe characters), for the cookie.
    pub token: String,
    /// The CSRF token the pages' forms must send back.
    pub csrf: String,
    /// Who signed in.
    pub user: User,
    /// When the session stops working ([`crate::SESSION_LIFETIME`] from
    /// now, whole seconds, UTC).
    pub expires_at: OffsetDateTime,
}

impl std::fmt::Debug for NewSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewSession")
            .field("user", &self.user.username)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// What a live session carries besides its user.
#[derive(Clone)]
pub struct SessionInfo {
    /// The CSRF token stored with the session.
    pub csrf: String,
    /// When the session stops working.
    pub expires_at: OffsetDateTime,
}

impl std::fmt::Debug for SessionInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionInfo")
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

impl Cairn {
    /// Start a session for the owner of an API key: the same check as
    /// [`Cairn::authenticate`] (unknown, revoked and deactivated keys are
    /// refused). Service accounts never sign in.
    pub async fn sign_in_with_key(&self, key: &str) -> CoreResult<NewSession> {
        let actor = self.authenticate(key).await?;
        if !actor.is_person() {
            return Err(CoreError::PermissionDenied(
                "Service accounts cannot sign in to the web UI; they use their API key.".into(),
            ));
        }
        self.start_session(actor.user().clone()).await
    }

    /// Start a session for the person whose username or email is `login`,
    /// if `password` is theirs. Wrong credentials of any kind (no such
    /// user, no password set, a wrong password) get the same
    /// [`CoreError::Unauthenticated`] after the same work; a password
    /// outside the length bounds is refused before any.
    pub async fn sign_in_with_password(
        &self,
        login: &str,
        password: &str,
    ) -> CoreResult<NewSession> {
        password::check(password)?;
        let login = login.trim();
        let user = match self.store.user_by_username(login).await? {
            Some(user) => Some(user),
            None if login.contains('@') => self.store.user_by_email(login).await?,
            None => None,
        };
        let stored = match &user {
            Some(user) if user.account_type == AccountType::User => {
                self.store.password_hash(user.id).await?
            }
            _ => None,
        };
        let attempt = password.to_string();
        let matches = self
            .hashing(move || match stored {
                Some(stored) => password::verify(&attempt, &stored),
                None => {
                    password::spend_one_check(&attempt);
                    false
                }
            })
            .await?;
        let Some(user) = user.filter(|_| matches) else {
            return Err(CoreError::Unauthenticated(WRONG_CREDENTIALS.into()));
        };
        if !user.is_active() {
            return Err(deactivated(&user));
        }
        self.start_session(user).await
    }

    /// The actor behind a session token, and the session's CSRF token.
    /// [`CoreError::Unauthenticated`] when the token is unknown, its
    /// session expired or signed out, or its user deactivated.
    pub async fn session(&self, token: &str) -> CoreResult<(Actor, SessionInfo)> {
        let no_session = || {
            CoreError::Unauthenticated(
                "The session has expired or does not exist; sign in again.".into(),
            )
        };
        if !session::plausible(token) {
            return Err(no_session());
        }
        let Some((user, stored)) = self
            .store
            .session_by_token_hash(&session::token_hash(token))
            .await?
        else {
            return Err(no_session());
        };
        if !session::is_live(stored.expires_at, session::now()) {
            return Err(no_session());
        }
        if !user.is_active() {
            return Err(deactivated(&user));
        }
        Ok((
            Actor::new(user),
            SessionInfo {
                csrf: stored.csrf,
                expires_at: stored.expires_at,
            },
        ))
    }

    /// End a session. Ending one that is unknown, expired or already
    /// ended is no error.
    pub async fn sign_out(&self, token: &str) -> CoreResult<()> {
        if session::plausible(token) {
            self.store
                .delete_session(&session::token_hash(token))
                .await?;
        }
        Ok(())
    }

    /// Set (`Some`) or clear (`None`) the password of the person
    /// `username` (instance admins only). Either way every session of
    /// theirs ends: whoever signed in with the old password is signed out.
    /// Service accounts have no password.
    pub async fn set_password(
        &self,
        admin: Admin<'_>,
        username: &str,
        password: Option<&str>,
    ) -> CoreResult<()> {
        let _ = admin;
        let user = self
            .store
            .user_by_username(username)
            .await?
            .ok_or_else(|| CoreError::NotFound(format!("No user named {username:?} exists.")))?;
        if user.account_type == AccountType::Service {
            return Err(CoreError::InvalidInput(format!(
                "{username:?} is a service account: it has no password and never signs in."
            )));
        }
        let hash = match password {
            Some(password) => {
                password::check(password)?;
                let password = password.to_string();
                Some(self.hashing(move || password::hash(&password)).await??)
            }
            None => None,
        };
        if !self
            .store
            .set_password_hash(user.id, hash.as_deref())
            .await?
        {
            return Err(CoreError::NotFound(format!(
                "No user named {username:?} exists."
            )));
        }
        self.store.delete_sessions_of(user.id).await?;
        Ok(())
    }

    /// Delete the sessions that have expired; how many there were. The
    /// server's background sweep calls this; sign-ins do too.
    pub async fn sweep_expired_sessions(&self) -> CoreResult<u64> {
        Ok(self.store.delete_expired_sessions(session::now()).await?)
    }

    /// Store a new session for `user`, clearing out expired ones first.
    async fn start_session(&self, user: User) -> CoreResult<NewSession> {
        let now = session::now();
        self.store.delete_expired_sessions(now).await?;
        let secrets = Secrets::generate()?;
        let expires_at = session::expires_at(now);
        self.store
            .insert_session(&StoredSession {
                token_hash: secrets.token_hash,
                user_id: user.id,
                csrf: secrets.csrf.clone(),
                created_at: now,
                expires_at,
            })
            .await?;
        Ok(NewSession {
            token: secrets.token,
            csrf: secrets.csrf,
            user,
            expires_at,
        })
    }

    /// Run CPU-heavy password work on the blocking pool, at most
    /// [`MAX_CONCURRENT_HASHES`] at a time.
    async fn hashing<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> CoreResult<T> {
        let _permit = self
            .hash_permits
            .acquire()
            .await
            .map_err(|_| CoreError::Internal("the password hashing queue is closed".into()))?;
        tokio::task::spawn_blocking(work)
            .await
            .map_err(|e| CoreError::Internal(format!("password hashing failed: {e}")))
    }
}

/// The refusal for a deactivated account's key, session or password.
pub(super) fn deactivated(user: &User) -> CoreError {
    CoreError::Unauthenticated(format!(
        "The account {:?} is deactivated; an instance admin can reactivate it.",
        user.username
    ))
}
