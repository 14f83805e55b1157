//! API key secrets: their format, generation and hashing.
//!
//! A key looks like `cairn_3f9a1b2c-<43 random characters>`. The official
//! client splits a key at its first `-` and insists that the part after it is
//! 40+ letters, digits or underscores, so that is the shape we produce and
//! accept. The part before the dash is the key's public *name*: it is what
//! listings show and what `delete_api_key(name)` takes. Only the SHA-256 of
//! the whole key is stored; with 256 bits of randomness in the secret a fast
//! hash is enough (there is nothing to brute-force), and lookups stay O(1).
//!
//! That reasoning holds only for random secrets, so a key the operator
//! chooses (the bootstrap admin key) must also pass [`check_chosen`]: a
//! cheap estimate that refuses placeholders and patterns such as
//! `admin-aaaa…` or `admin-0123456789…0123456789`. It cannot tell a
//! memorable phrase from a random string; it is a guard against obvious
//! mistakes, and the advice it gives is to generate the secret.

use base64::Engine;
use sha2::{Digest, Sha256};

use crate::error::CoreError;

/// Minimum length of the secret part, as the official client requires.
pub const MIN_SECRET_LEN: usize = 40;

/// Estimated bits of randomness a chosen secret must show (see
/// [`estimated_bits`]). A generated secret has 256; 40 random hex digits,
/// the weakest random secret of an accepted length, have 160.
pub const MIN_SECRET_BITS: f64 = 128.0;

/// A chosen secret may not contain the same run of this many characters
/// twice. Random secrets almost never do (40 random hex digits: about one
/// in ten million), patterns and repeated words do.
pub const MAX_REPEAT: usize = 8;

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

/// An estimate of the randomness in `secret`, in bits: the Shannon entropy
/// of its character distribution, with the Miller–Madow correction for
/// short samples (a random string of 40 hex digits rarely shows all 16
/// digits equally often, and plain Shannon entropy would count that
/// against it), times its length. It ignores character order, so
/// [`check_chosen`] also looks for repeated stretches.
pub fn estimated_bits(secret: &str) -> f64 {
    let mut counts = std::collections::HashMap::new();
    for c in secret.chars() {
        *counts.entry(c).or_insert(0usize) += 1;
    }
    let n = secret.chars().count() as f64;
    if n == 0.0 {
        return 0.0;
    }
    let shannon: f64 = counts
        .values()
        .map(|&count| {
            let p = count as f64 / n;
            -p * p.log2()
        })
        .sum();
    let correction = (counts.len() as f64 - 1.0) / (2.0 * n * std::f64::consts::LN_2);
    (shannon + correction) * n
}

/// Check that a key someone chose (rather than [`generate`]d) has a secret
/// that looks random: at least [`MIN_SECRET_BITS`] by [`estimated_bits`],
/// and no stretch of [`MAX_REPEAT`] characters that occurs twice. The error
/// says how to generate one and never quotes the key.
pub fn check_chosen(key: &str) -> Result<(), CoreError> {
    parse(key)?;
    check_random(key.split_once('-').map_or("", |(_, s)| s))
}

/// Check a key brought from another W&B server ([`crate::Cairn::import_api_key`])
/// and return the public name to list it under. W&B keys come with a prefix
/// (`local-…` on W&B Server) or without one (40 hex digits on W&B's cloud);
/// either way the official client wants 40+ letters, digits or underscores
/// after the first dash, and the secret must look random as for
/// [`check_chosen`]. Many imported keys share a prefix, so the name adds
/// the start of the key's hash to keep names unique without revealing it.
pub fn check_imported(key: &str) -> Result<String, CoreError> {
    let (prefix, secret) = match key.split_once('-') {
        Some((prefix, secret)) => {
            parse(key)?;
            (prefix, secret)
        }
        None => {
            if !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return Err(CoreError::InvalidInput(
                    "An API key may only contain letters, digits and underscores (after an optional PREFIX- part).".into(),
                ));
            }
            if key.len() < MIN_SECRET_LEN {
                return Err(CoreError::InvalidInput(format!(
                    "An API key must have {MIN_SECRET_LEN}+ characters, this one has {}.",
                    key.len()
                )));
            }
            ("imported", key)
        }
    };
    check_random(secret)?;
    Ok(format!("{prefix}.{}", &hash(key)[..12]))
}

fn check_random(secret: &str) -> Result<(), CoreError> {
    let advice = "Use a random secret, e.g. 64 hex digits from `openssl rand -hex 32`.";
    let bits = estimated_bits(secret);
    if bits < MIN_SECRET_BITS {
        return Err(CoreError::InvalidInput(format!(
            "The API key's secret (after the first dash) does not look random: it shows about {bits:.0} bits of randomness and {MIN_SECRET_BITS:.0} are needed. {advice}"
        )));
    }
    let bytes = secret.as_bytes();
    let mut seen = std::collections::HashSet::new();
    if bytes.windows(MAX_REPEAT).any(|w| !seen.insert(w)) {
        return Err(CoreError::InvalidInput(format!(
            "The API key's secret (after the first dash) does not look random: it repeats a stretch of {MAX_REPEAT} characters. {advice}"
        )));
    }
    Ok(())
}

/// Hex SHA-256 of a key, the form keys are stored and looked up in.
pub fn hash(key: &str) -> String {
    hex(&Sha256::digest(key.as_bytes()))
}

use cairn_types::digest::hex;

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
    fn generated_and_random_looking_chosen_keys_pass_the_strength_check() {
        for _ in 0..100 {
            check_chosen(&generate().unwrap().secret).unwrap();
        }
        // 40 random hex digits (`openssl rand -hex 20`), the weakest random
        // shape of an accepted length.
        check_chosen("admin-dcb84f3c89c045a3ea2009bbb5972be7ce558987").unwrap();
        check_chosen("admin-251ff7c8165e409d201f53d92d6731e475c7a458").unwrap();
        // The keys of the test harness and the Python end-to-end suite.
        check_chosen("admin-xApEXD6xzZ7PmM6L2G5hTTXzMIJ3oVxOVWqf2PF2kGmF").unwrap();
        check_chosen("admin-b7eJDUaF7hEarVSYMyBOqlm6qEDqRWy67J8SUT0FpVJI").unwrap();
    }

    #[test]
    fn placeholder_and_patterned_chosen_keys_are_refused_without_quoting_them() {
        for weak in [
            format!("p-{}", "a".repeat(40)),
            format!("admin-{}", "k".repeat(44)),
            format!("admin-{}", "ab".repeat(20)),
            format!("admin-{}", "0123456789".repeat(4)),
            "admin-test_key_0123456789_0123456789_0123456789".to_string(),
            format!("admin-{}", "changeme_".repeat(5)),
        ] {
            let err = check_chosen(&weak).unwrap_err().to_string();
            assert!(err.contains("openssl rand -hex 32"), "{weak}: {err}");
            let secret = weak.split_once('-').unwrap().1;
            assert!(!err.contains(secret), "{err}");
        }
        // Malformed keys fail the shape check first.
        assert!(check_chosen("admin-short").is_err());
    }

    #[test]
    fn the_estimate_counts_characters_and_their_spread() {
        assert_eq!(estimated_bits(""), 0.0);
        assert_eq!(estimated_bits(&"a".repeat(40)), 0.0);
        // Two symbols, equally often: a bit each, plus a small correction.
        let two = estimated_bits(&"ab".repeat(20));
        assert!((40.0..41.0).contains(&two), "{two}");
        // 64 distinct characters once each: 6 bits each, plus correction.
        let all: String = ('A'..='Z')
            .chain('a'..='z')
            .chain('0'..='9')
            .chain(['_', '.'])
            .collect();
        let bits = estimated_bits(&all);
        assert!((6.0 * 64.0..6.0 * 64.0 + 50.0).contains(&bits), "{bits}");
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
