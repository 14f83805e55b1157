//! Passwords for signing in to the web UI: their bounds, hashing and
//! checking.
//!
//! Argon2id with the `argon2` crate's default parameters (19 MiB of memory,
//! 2 passes, 1 lane: OWASP's minimum recommendation for Argon2id), stored
//! as a PHC string (`$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`). The
//! string carries its own parameters, so raising them later leaves every
//! stored hash checkable. Unlike an API key (see [`crate::apikey`]), a
//! password is chosen by a person and may be guessable, so it gets a slow,
//! memory-hard hash rather than SHA-256.
//!
//! One hash or check costs tens of milliseconds of CPU and 19 MiB: these
//! functions block, and [`crate::Cairn`] runs them on the blocking pool, a
//! few at a time, never on the async workers. Lengths are checked first
//! ([`check`]), so a megabyte "password" costs nothing.
//!
//! A wrong password must not reveal whether the account exists, by its
//! words or by its timing: [`spend_one_check`] costs what a real check
//! costs, for sign-ins that name nobody (or somebody without a password).

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};

use crate::error::{CoreError, CoreResult};

/// Fewest bytes a password may have.
pub const MIN_LEN: usize = 8;
/// Most bytes a password may have (a bound on the work one costs, not
/// advice: a passphrase of 256 bytes is plenty).
pub const MAX_LEN: usize = 256;

/// Bytes of random salt per hash (the PHC recommendation).
const SALT_LEN: usize = 16;

/// A hash of a random password nobody kept, with the default parameters: what
/// [`spend_one_check`] checks against. A test keeps its parameters equal
/// to [`Argon2::default`]'s, so the dummy check costs what a real one does.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$7xtZE995xh5C2iotNDOwTw$nZggqNJ8Tv7mlxh3oGWVOp4IIw9QQB6kkRmFtMH1pyo";

/// Check a password's length against [`MIN_LEN`]..=[`MAX_LEN`] bytes.
pub fn check(password: &str) -> CoreResult<()> {
    let len = password.len();
    if !(MIN_LEN..=MAX_LEN).contains(&len) {
        return Err(CoreError::InvalidInput(format!(
            "A password must have {MIN_LEN} to {MAX_LEN} bytes; this one has {len}."
        )));
    }
    Ok(())
}

/// Hash a password (after [`check`]ing it) with a fresh random salt, as a
/// PHC string. Blocks for one Argon2id computation.
pub fn hash(password: &str) -> CoreResult<String> {
    check(password)?;
    let mut salt = [0u8; SALT_LEN];
    getrandom::fill(&mut salt)
        .map_err(|e| CoreError::Internal(format!("no randomness available: {e}")))?;
    let hash = Argon2::default()
        .hash_password_with_salt(password.as_bytes(), &salt)
        .map_err(|e| CoreError::Internal(format!("cannot hash a password: {e}")))?;
    Ok(hash.to_string())
}

/// Whether `password` matches the PHC string `stored`. A malformed stored
/// hash matches nothing. Blocks for one Argon2id computation (none for a
/// password outside the length bounds, which no stored hash can match).
pub fn verify(password: &str, stored: &str) -> bool {
    if check(password).is_err() {
        return false;
    }
    Argon2::default()
        .verify_password(password.as_bytes(), stored)
        .is_ok()
}

/// Spend the time of one [`verify`], for a sign-in whose account does not
/// exist or has no password, so the answer comes as late as a real one.
pub fn spend_one_check(password: &str) {
    let _ = verify(password, DUMMY_HASH);
}

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::PasswordHash;

    #[test]
    fn hashes_verify_and_carry_the_default_parameters() {
        let stored = hash("correct horse").unwrap();
        assert!(
            stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{stored}"
        );
        assert!(verify("correct horse", &stored));
        assert!(!verify("correct horsf", &stored));
        assert_ne!(hash("correct horse").unwrap(), stored, "salts differ");
    }

    #[test]
    fn the_dummy_hash_costs_what_a_real_one_does() {
        let dummy = PasswordHash::new(DUMMY_HASH).unwrap();
        let real = hash("whatever-it-is").unwrap();
        let real = PasswordHash::new(&real).unwrap();
        assert_eq!(dummy.algorithm, real.algorithm);
        assert_eq!(dummy.version, real.version);
        assert_eq!(dummy.params, real.params);
    }

    #[test]
    fn lengths_are_bounded_before_any_work() {
        let short = check("seven77").unwrap_err().to_string();
        assert!(
            short.contains("8 to 256 bytes") && short.contains("has 7"),
            "{short}"
        );
        assert!(check(&"x".repeat(257)).is_err());
        check("eight888").unwrap();
        check(&"x".repeat(256)).unwrap();
        assert!(hash("short").is_err());
        assert!(!verify(&"x".repeat(10_000), DUMMY_HASH));
        assert!(!verify("whatever-it-is", "not a PHC string"));
    }
}
