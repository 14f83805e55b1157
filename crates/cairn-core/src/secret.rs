//! Entity secrets (W&B's "team secrets"): named values an entity's
//! automations use without anyone reading them back, such as the key that
//! signs a webhook's deliveries (`secretRef`) or the bearer token it sends
//! (`accessTokenRef`).
//!
//! Values are sealed before they reach the store, with XChaCha20-Poly1305
//! under the server's secrets key ([`SecretBox`]): a copy of the database
//! alone reveals names, never values. The associated data binds each
//! ciphertext to its entity and name, so a ciphertext copied into another
//! row (another entity's, or another name's) fails to open instead of
//! handing one secret out under another's name. Nonces are 192 random bits
//! per seal, which XChaCha makes safe to draw without bookkeeping.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use time::OffsetDateTime;

use crate::error::{CoreError, CoreResult};

/// Longest secret name.
pub const MAX_NAME_CHARS: usize = 64;

/// Largest secret value, in bytes (of its UTF-8).
pub const MAX_VALUE_BYTES: usize = 8 * 1024;

/// Bytes of a secrets key.
pub const KEY_BYTES: usize = 32;

/// Bytes of a nonce.
pub const NONCE_BYTES: usize = 24;

/// What anyone may know about an entity's secret: never its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretInfo {
    /// The entity it belongs to.
    pub entity_id: i64,
    /// Unique within the entity (see [`check_name`]).
    pub name: String,
    /// When it was first set.
    pub created_at: OffsetDateTime,
    /// When its value was last set.
    pub updated_at: OffsetDateTime,
}

/// A value as stored: its ciphertext (with the tag) and nonce.
#[derive(Clone, PartialEq, Eq)]
pub struct Sealed {
    /// The ciphertext followed by the 16-byte authentication tag.
    pub ciphertext: Vec<u8>,
    /// The [`NONCE_BYTES`]-byte nonce it was sealed with.
    pub nonce: Vec<u8>,
}

// Not derived: even ciphertext stays out of log lines.
impl std::fmt::Debug for Sealed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Sealed({} bytes)", self.ciphertext.len())
    }
}

/// Check a secret name: like an environment variable's, letters, digits
/// and `_`, not starting with a digit, at most [`MAX_NAME_CHARS`].
pub fn check_name(name: &str) -> CoreResult<()> {
    let mut chars = name.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    if !first_ok || !chars.all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(CoreError::InvalidInput(format!(
            "The secret name {name:?} must be letters, digits and '_', not starting with a digit (like an environment variable's)."
        )));
    }
    if name.len() > MAX_NAME_CHARS {
        return Err(CoreError::InvalidInput(format!(
            "The secret name is longer than {MAX_NAME_CHARS} characters."
        )));
    }
    Ok(())
}

/// Check a secret value: not empty, at most [`MAX_VALUE_BYTES`].
pub fn check_value(value: &str) -> CoreResult<()> {
    if value.is_empty() {
        return Err(CoreError::InvalidInput(
            "A secret's value must not be empty.".into(),
        ));
    }
    if value.len() > MAX_VALUE_BYTES {
        return Err(CoreError::InvalidInput(format!(
            "A secret's value is {} bytes; at most {MAX_VALUE_BYTES} are allowed.",
            value.len()
        )));
    }
    Ok(())
}

/// Seals and opens secret values under the server's secrets key.
pub struct SecretBox {
    cipher: XChaCha20Poly1305,
}

impl SecretBox {
    /// A box for `key`.
    pub fn new(key: &[u8; KEY_BYTES]) -> SecretBox {
        SecretBox {
            cipher: XChaCha20Poly1305::new(key.into()),
        }
    }

    /// Seal `value` as the secret `name` of entity `entity_id`.
    pub fn seal(&self, entity_id: i64, name: &str, value: &str) -> CoreResult<Sealed> {
        let mut nonce = [0u8; NONCE_BYTES];
        getrandom::fill(&mut nonce)
            .map_err(|e| CoreError::Internal(format!("no randomness for a nonce: {e}")))?;
        let aad = associated_data(entity_id, name);
        let ciphertext = self
            .cipher
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: value.as_bytes(),
                    aad: &aad,
                },
            )
            .map_err(|_| CoreError::Internal("sealing a secret failed".into()))?;
        Ok(Sealed {
            ciphertext,
            nonce: nonce.to_vec(),
        })
    }

    /// Open the secret `name` of entity `entity_id`. An error when the key
    /// is not the one it was sealed with, or the row was altered or moved.
    pub fn open(&self, entity_id: i64, name: &str, sealed: &Sealed) -> CoreResult<String> {
        let unreadable = || {
            CoreError::Internal(format!(
                "The secret {name:?} cannot be opened: it was sealed with another secrets key, or its row was altered."
            ))
        };
        if sealed.nonce.len() != NONCE_BYTES {
            return Err(unreadable());
        }
        let aad = associated_data(entity_id, name);
        let plain = self
            .cipher
            .decrypt(
                XNonce::from_slice(&sealed.nonce),
                Payload {
                    msg: &sealed.ciphertext,
                    aad: &aad,
                },
            )
            .map_err(|_| unreadable())?;
        String::from_utf8(plain).map_err(|_| unreadable())
    }
}

// Not derived: the cipher holds the key.
impl std::fmt::Debug for SecretBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretBox(<redacted>)")
    }
}

/// What a ciphertext is bound to: a label (so these bytes mean nothing to
/// another use of the key), the entity and the name. Names hold no NUL, so
/// the NUL separators keep the parts apart.
fn associated_data(entity_id: i64, name: &str) -> Vec<u8> {
    format!("cairn entity secret v1\0{entity_id}\0{name}").into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn boxed(byte: u8) -> SecretBox {
        SecretBox::new(&[byte; KEY_BYTES])
    }

    #[test]
    fn names_are_like_environment_variables() {
        for ok in ["TOKEN", "_x", "a1_B2", &"A".repeat(64)] {
            assert!(check_name(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "1ABC",
            "has space",
            "dash-ed",
            "dot.ted",
            "é",
            &"A".repeat(65),
        ] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn values_are_non_empty_and_at_most_8_kib() {
        assert!(check_value("x").is_ok());
        assert!(check_value(&"x".repeat(MAX_VALUE_BYTES)).is_ok());
        assert!(check_value("").is_err());
        let err = check_value(&"x".repeat(MAX_VALUE_BYTES + 1)).unwrap_err();
        assert!(err.to_string().contains("8192"), "{err}");
    }

    #[test]
    fn a_sealed_value_opens_to_itself_and_does_not_contain_it() {
        let b = boxed(7);
        let sealed = b.seal(3, "TOKEN", "hunter2-hunter2").unwrap();
        assert_eq!(sealed.nonce.len(), NONCE_BYTES);
        assert!(
            !sealed
                .ciphertext
                .windows(7)
                .any(|w| w == b"hunter2".as_slice())
        );
        assert_eq!(b.open(3, "TOKEN", &sealed).unwrap(), "hunter2-hunter2");
        // A fresh nonce every time.
        assert_ne!(b.seal(3, "TOKEN", "hunter2-hunter2").unwrap(), sealed);
    }

    #[test]
    fn another_key_cannot_open_it() {
        let sealed = boxed(7).seal(3, "TOKEN", "v").unwrap();
        let err = boxed(8).open(3, "TOKEN", &sealed).unwrap_err();
        assert!(err.to_string().contains("another secrets key"), "{err}");
    }

    #[test]
    fn a_ciphertext_moved_to_another_entity_or_name_does_not_open() {
        let b = boxed(7);
        let sealed = b.seal(3, "TOKEN", "v").unwrap();
        assert!(b.open(4, "TOKEN", &sealed).is_err());
        assert!(b.open(3, "OTHER", &sealed).is_err());
        let mut altered = sealed.clone();
        altered.ciphertext[0] ^= 1;
        assert!(b.open(3, "TOKEN", &altered).is_err());
        let truncated = Sealed {
            nonce: sealed.nonce[..12].to_vec(),
            ..sealed
        };
        assert!(b.open(3, "TOKEN", &truncated).is_err());
    }

    #[test]
    fn debug_output_shows_no_key_or_bytes() {
        let b = boxed(7);
        assert_eq!(format!("{b:?}"), "SecretBox(<redacted>)");
        let sealed = b.seal(1, "A", "v").unwrap();
        assert_eq!(format!("{sealed:?}"), "Sealed(17 bytes)");
    }
}
