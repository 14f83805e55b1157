//! API key secrets: their format, generation and hashing.
//!
//! A key looks like `cairn_3f9a1b2c-<43 random characters>`. The official
//! client splits a key at its first `-` and insists that the part after it is
//! 40+ letters, digits or underscores, so that is the shape we produce and
//! accept. The part before the dash is the key's public *name*: it is what
//! listings show and what `delete_api_key(name)` takes. Only the SHA-256 of
//! the whole key is stored; with 256 bits of randomness in the secret a fast
//! hash is enough (there is nothing to brute-force), and lookups stay O(1).

use base64::Engine;
use sha2::{Digest, Sha256};

use crate::error::CoreError;

/// Minimum length of the secret part, as the official client requires.
pub const MIN_SECRET_LEN: usize = 40;

/// A freshly generated key: show `secret` to its owner once, store the rest.
pub struct GeneratedKey {
    /// The public name (the part before the dash).
    pub name: String,
    /// The whole key, to be shown once and never stored.
    pub secret: String,
    /// Hex SHA-256 of `secret`, the only form that is stored.
    pub hash: String,
}

impl std::fmt::Debug for GeneratedKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GeneratedKey")
            .field("name", &self.name)
            .field("secret", &"<redacted>")
            .finish()
    }
}

/// Generate a new random key.
pub fn generate() -> Result<GeneratedKey, CoreError> {
    let mut id = [0u8; 5];
    let mut secret = [0u8; 32];
    getrandom::fill(&mut id)
        .and_then(|()| getrandom::fill(&mut secret))
        .map_err(|e| CoreError::Internal(format!("no randomness available: {e}")))?;
    let name = format!("cairn_{}", hex(&id));
    // URL-safe base64 without padding uses A-Z a-z 0-9 - _; map '-' to '_' so
    // the secret stays within the client's `\w` alphabet.
    let body = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(secret)
        .replace('-', "_");
    let secret = format!("{name}-{body}");
    Ok(GeneratedKey {
        hash: hash(&secret),
        name,
        secret,
    })
}

/// Check that `key` has the shape the official client accepts, and return its
/// public name (the part before the first dash).
pub fn parse(key: &str) -> Result<&str, CoreError> {
    let Some((name, secret)) = key.split_once('-') else {
        return Err(CoreError::InvalidInput(
            "An API key must look like PREFIX-SECRET (a name, a dash, then 40+ letters, digits or underscores).".into(),
        ));
    };
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
    {
        return Err(CoreError::InvalidInput(
            "The API key's prefix (before the first dash) must be non-empty letters, digits, '_' or '.'.".into(),
        ));
    }
    if !secret
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        return Err(CoreError::InvalidInput(
            "The API key's secret (after the first dash) may only contain letters, digits and underscores.".into(),
        ));
    }
    if secret.len() < MIN_SECRET_LEN {
        return Err(CoreError::InvalidInput(format!(
            "The API key's secret (after the first dash) must have {MIN_SECRET_LEN}+ characters, it has {}.",
            secret.len()
        )));
    }
    Ok(name)
}

/// Hex SHA-256 of a key, the form keys are stored and looked up in.
pub fn hash(key: &str) -> String {
    hex(&Sha256::digest(key.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_are_accepted_and_distinct() {
        let a = generate().unwrap();
        let b = generate().unwrap();
        assert_ne!(a.secret, b.secret);
        assert_eq!(parse(&a.secret).unwrap(), a.name);
        assert_eq!(a.hash, hash(&a.secret));
        assert!(!format!("{a:?}").contains(&a.secret));
    }

    #[test]
    fn rejects_keys_the_official_client_would_refuse() {
        let long = "x".repeat(40);
        assert!(parse(&format!("admin-{long}")).is_ok());
        for bad in [
            long.clone(),
            "admin-short".to_string(),
            format!("admin-{}!", "x".repeat(40)),
            format!("-{long}"),
        ] {
            assert!(parse(&bad).is_err(), "{bad}");
        }
    }
}
