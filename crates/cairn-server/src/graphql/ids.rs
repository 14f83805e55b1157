//! Opaque GraphQL ids: `base64("<Kind>:<row id>")`, the form W&B uses.
//!
//! The official client decodes some of them (`Project:<int>`), so the shape is
//! part of the protocol, not a detail. Run ids are also accepted in W&B's
//! name-bearing form (`Run:v1:<run>:<project>:<entity>`, see [`decode_run`]),
//! for ids that come from elsewhere than this server's answers.

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

/// A run named by a client: Cairn's own id, or W&B's name-bearing form.
#[derive(Debug, PartialEq, Eq)]
pub enum RunRef {
    /// `base64("Run:<row id>")`, as Cairn hands out.
    Row(i64),
    /// `base64("Run:v1:<run id>:<project>:<entity>")`, as W&B hands out.
    Named {
        /// Entity name.
        entity: String,
        /// Project name.
        project: String,
        /// Run id (`abc123`).
        name: String,
    },
}

/// Decode a run id in either form. Entity and project names never contain
/// `:` (see `names.rs`), so they are taken from the end and the run id may
/// contain anything in between.
pub fn decode_run(id: &str) -> Result<RunRef, CoreError> {
    let invalid = || CoreError::InvalidInput(format!("{id:?} is not a valid Run id."));
    let raw = STANDARD
        .decode(id)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or_else(invalid)?;
    if let Some(rest) = raw.strip_prefix("Run:v1:") {
        let (rest, entity) = rest.rsplit_once(':').ok_or_else(invalid)?;
        let (name, project) = rest.rsplit_once(':').ok_or_else(invalid)?;
        if name.is_empty() || project.is_empty() || entity.is_empty() {
            return Err(invalid());
        }
        return Ok(RunRef::Named {
            entity: entity.to_string(),
            project: project.to_string(),
            name: name.to_string(),
        });
    }
    decode("Run", id).map(RunRef::Row)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_ids_in_both_forms() {
        assert_eq!(decode_run(&encode("Run", 12)).unwrap(), RunRef::Row(12));
        let wandb = STANDARD.encode("Run:v1:a=b:c:d:my-proj:alice");
        assert_eq!(
            decode_run(&wandb).unwrap(),
            RunRef::Named {
                entity: "alice".into(),
                project: "my-proj".into(),
                name: "a=b:c:d".into(),
            }
        );
        for bad in ["Run:v1:x:y", "Run:v1::p:e", "Project:3", "Run:x"] {
            assert!(decode_run(&STANDARD.encode(bad)).is_err(), "{bad}");
        }
        assert!(decode_run("not base64!").is_err());
    }

    #[test]
    fn round_trip() {
        let id = encode("Project", 7);
        assert_eq!(id.0, "UHJvamVjdDo3");
        assert_eq!(decode("Project", &id).unwrap(), 7);
        assert!(decode("User", &id).is_err());
        assert!(decode("User", "not base64!").is_err());
    }
}
