//! Browser sessions: what a session token is, how long it lives, and what
//! is stored of it.
//!
//! A person signs in to the web UI once (with an API key or a password,
//! see `service/sessions.rs`) and gets a session: a random token for the
//! cookie and a CSRF token for the pages' forms. The token is 32 random
//! bytes, URL-safe base64 (43 characters). Like an API key it is random
//! enough that a fast hash suffices, so it is stored the way keys are
//! ([`crate::apikey::hash`], hex SHA-256) and looked up by that hash; the
//! token itself is never stored. The CSRF token is a second, independent
//! random value, stored as it is: it proves nothing without the cookie,
//! and the pages must be able to show it.
//!
//! A session lives [`SESSION_LIFETIME`] from its creation (no sliding
//! renewal: signing in again is cheap, and a stolen cookie stops working
//! on a fixed date). Expired rows are ignored when read and deleted by
//! the next sign-in and by the server's background sweep.

use base64::Engine;
use time::OffsetDateTime;

use crate::apikey;
use crate::error::{CoreError, CoreResult};
use crate::model::UserId;

/// How long a session lasts from its creation.
pub const SESSION_LIFETIME: time::Duration = time::Duration::days(30);

/// The longest string taken as a session token: generated ones have 43
/// characters; anything much longer is refused without a lookup.
pub const MAX_TOKEN_LEN: usize = 128;

/// Random bytes in a session token and in a CSRF token.
const TOKEN_BYTES: usize = 32;

/// A new session's secrets: the token and CSRF token to hand out, and the
/// token's hash, the only form of it that is stored.
pub struct Secrets {
    /// The cookie's value.
    pub token: String,
    /// The CSRF token.
    pub csrf: String,
    /// [`token_hash`] of `token`.
    pub token_hash: String,
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Secrets").finish_non_exhaustive()
    }
}

impl Secrets {
    /// Fresh random secrets.
    pub fn generate() -> CoreResult<Secrets> {
        let token = random_token()?;
        Ok(Secrets {
            token_hash: token_hash(&token),
            csrf: random_token()?,
            token,
        })
    }
}

/// The stored form of a session token (hex SHA-256, as for API keys).
pub fn token_hash(token: &str) -> String {
    apikey::hash(token)
}

/// Whether `token` could be a session token at all (non-empty, at most
/// [`MAX_TOKEN_LEN`]): anything else is refused without a lookup.
pub fn plausible(token: &str) -> bool {
    !token.is_empty() && token.len() <= MAX_TOKEN_LEN
}

/// When a session created at `created_at` expires.
pub fn expires_at(created_at: OffsetDateTime) -> OffsetDateTime {
    created_at + SESSION_LIFETIME
}

/// Whether a session expiring at `expires_at` still counts at `now`. A
/// session is dead from its expiry second on.
pub fn is_live(expires_at: OffsetDateTime, now: OffsetDateTime) -> bool {
    now < expires_at
}

/// Now, in whole seconds (what storage keeps).
pub fn now() -> OffsetDateTime {
    let now = OffsetDateTime::now_utc();
    now.replace_nanosecond(0).unwrap_or(now)
}

/// What storage keeps of a session.
#[derive(Clone, PartialEq, Eq)]
pub struct StoredSession {
    /// [`token_hash`] of its token.
    pub token_hash: String,
    /// Whose session it is.
    pub user_id: UserId,
    /// Its CSRF token.
    pub csrf: String,
    /// When it was created.
    pub created_at: OffsetDateTime,
    /// When it stops counting.
    pub expires_at: OffsetDateTime,
}

impl std::fmt::Debug for StoredSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredSession")
            .field("user_id", &self.user_id)
            .field("created_at", &self.created_at)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

fn random_token() -> CoreResult<String> {
    let mut bytes = [0u8; TOKEN_BYTES];
    getrandom::fill(&mut bytes)
        .map_err(|e| CoreError::Internal(format!("no randomness available: {e}")))?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_random_url_safe_and_hashed_like_keys() {
        let a = Secrets::generate().unwrap();
        let b = Secrets::generate().unwrap();
        assert_eq!(a.token.len(), 43);
        assert!(
            a.token
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        );
        assert_ne!(a.token, b.token);
        assert_ne!(a.token, a.csrf);
        assert_eq!(a.token_hash, apikey::hash(&a.token));
        assert!(plausible(&a.token));
        let shown = format!("{a:?}");
        assert!(
            !shown.contains(&a.token) && !shown.contains(&a.csrf),
            "{shown}"
        );
    }

    #[test]
    fn a_session_lives_thirty_days_to_the_second() {
        let created = OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap();
        let expires = expires_at(created);
        assert_eq!(expires - created, time::Duration::days(30));
        assert!(is_live(expires, expires - time::Duration::seconds(1)));
        assert!(!is_live(expires, expires));
        assert_eq!(now().nanosecond(), 0);
    }

    #[test]
    fn implausible_tokens_are_refused_without_a_lookup() {
        assert!(!plausible(""));
        assert!(!plausible(&"x".repeat(MAX_TOKEN_LEN + 1)));
    }
}
