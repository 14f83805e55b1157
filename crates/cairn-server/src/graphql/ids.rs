//! Opaque GraphQL ids: `base64("<Kind>:<row id>")`, the form W&B uses.
//!
//! The official client decodes some of them (`Project:<int>`), so the shape is
//! part of the protocol, not a detail.

use async_graphql::ID;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use cairn_core::CoreError;

/// Encode a row id of `kind`.
pub fn encode(kind: &str, id: i64) -> ID {
    ID(STANDARD.encode(format!("{kind}:{id}")))
}

/// Decode an id that must be of `kind`; a clear error otherwise.
pub fn decode(kind: &str, id: &str) -> Result<i64, CoreError> {
    decode_any(id)
        .filter(|(k, _)| k == kind)
        .map(|(_, n)| n)
        .ok_or_else(|| CoreError::InvalidInput(format!("{id:?} is not a valid {kind} id.")))
}

/// Decode an id of any kind.
pub fn decode_any(id: &str) -> Option<(String, i64)> {
    let raw = String::from_utf8(STANDARD.decode(id).ok()?).ok()?;
    let (kind, n) = raw.split_once(':')?;
    Some((kind.to_string(), n.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let id = encode("Project", 7);
        assert_eq!(id.0, "UHJvamVjdDo3");
        assert_eq!(decode("Project", &id).unwrap(), 7);
        assert!(decode("User", &id).is_err());
        assert!(decode("User", "not base64!").is_err());
    }
}
