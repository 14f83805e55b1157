//! Validation of user-chosen names (usernames, teams, projects).
//!
//! Names appear in URLs and paths (`entity/project/run`), so they are kept to
//! a conservative alphabet: letters, digits, `-`, `_` and `.`, at most 128
//! characters, not starting with `.` or `-`. W&B itself accepts a similar set.

use crate::error::CoreError;

/// Longest accepted name, in characters (W&B's limit for project names).
pub const MAX_NAME_LEN: usize = 128;

/// Check a name for a `kind` of object ("team", "project", …).
pub fn validate(kind: &str, name: &str) -> Result<(), CoreError> {
    if name.is_empty() {
        return Err(CoreError::InvalidInput(format!(
            "The {kind} name must not be empty."
        )));
    }
    if name.chars().count() > MAX_NAME_LEN {
        return Err(CoreError::InvalidInput(format!(
            "The {kind} name {name:?} is longer than {MAX_NAME_LEN} characters."
        )));
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
    {
        return Err(CoreError::InvalidInput(format!(
            "The {kind} name {name:?} contains {bad:?}; use only letters, digits, '-', '_' and '.'."
        )));
    }
    if name.starts_with(['.', '-']) {
        return Err(CoreError::InvalidInput(format!(
            "The {kind} name {name:?} must not start with '.' or '-'."
        )));
    }
    Ok(())
}

/// Check a run id (`abc123`, `random-run-id-=1234567-seed-0`).
///
/// Run ids are chosen by the client (`wandb.init(id=...)`), and W&B accepts
/// far more than the name alphabet above: the official client itself only
/// refuses `:;,#?/'` and surrounding whitespace. So does Cairn, except that
/// it keeps refusing what would break a path or a URL: `/`, `\`, control
/// characters and the ids `.` and `..`. Run ids travel percent-encoded in
/// URLs and never become file names (run files are stored under the run's
/// row id). At most [`MAX_NAME_LEN`] characters.
pub fn validate_run_id(id: &str) -> Result<(), CoreError> {
    let bad = |why: &str| {
        Err(CoreError::InvalidInput(format!(
            "The run id {id:?} is not allowed: {why}."
        )))
    };
    if id.is_empty() {
        return bad("it is empty");
    }
    if id.chars().count() > MAX_NAME_LEN {
        return bad(&format!("it is longer than {MAX_NAME_LEN} characters"));
    }
    if id.trim() != id {
        return bad("it starts or ends with whitespace");
    }
    if let Some(c) = id
        .chars()
        .find(|c| matches!(c, '/' | '\\') || c.is_control())
    {
        return bad(&format!("it contains {c:?}"));
    }
    if id == "." || id == ".." {
        return bad("it is '.' or '..'");
    }
    Ok(())
}

/// Check the shape of an email address: one `@`, something on both sides,
/// no whitespace. Deliverability is not our business.
pub fn validate_email(email: &str) -> Result<(), CoreError> {
    let ok = match email.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.is_empty()
                && !domain.contains('@')
                && !email.chars().any(char::is_whitespace)
                && email.len() <= 254
        }
        None => false,
    };
    if ok {
        Ok(())
    } else {
        Err(CoreError::InvalidInput(format!(
            "{email:?} is not a valid email address."
        )))
    }
}

/// Derive a username candidate from an email address: the local part, with
/// characters outside the name alphabet replaced by `-`.
pub fn username_from_email(email: &str) -> String {
    let local = email.split('@').next().unwrap_or_default();
    let mut name: String = local
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '_' | '.') {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .take(64)
        .collect();
    while name.starts_with(['.', '-']) {
        name.remove(0);
    }
    if name.is_empty() {
        name.push_str("user");
    }
    name
}

/// A fresh 8-character id of lowercase letters and digits, W&B's shape for
/// the ids the server picks: run ids of unnamed runs, sweep and agent ids.
pub fn random_id() -> Result<String, CoreError> {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes)
        .map_err(|e| CoreError::Internal(format!("no randomness for an id: {e}")))?;
    Ok(bytes
        .iter()
        .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_ordinary_names() {
        for name in ["ml", "team-1", "my_project.v2", "A1"] {
            assert!(validate("team", name).is_ok(), "{name}");
        }
    }

    #[test]
    fn rejects_bad_names_with_a_reason() {
        let cases = [
            ("", "must not be empty"),
            ("a/b", "contains '/'"),
            ("..", "must not start"),
            ("-x", "must not start"),
            ("has space", "contains ' '"),
        ];
        for (name, why) in cases {
            let err = validate("project", name).unwrap_err().to_string();
            assert!(err.contains(why), "{name:?}: {err}");
        }
        assert!(validate("team", &"x".repeat(129)).is_err());
    }

    #[test]
    fn run_ids_accept_what_wandb_accepts_but_nothing_that_breaks_paths() {
        for ok in [
            "abc123",
            "random-run-id-=1234567-seed-0",
            "a=b+c%d@e~f!g$h&i*j(k)l[m]n{o}p",
            "-starts-with-dash",
            ".hidden",
            "a..b",
            "ünï",
            "with inner space",
        ] {
            assert!(validate_run_id(ok).is_ok(), "{ok}");
        }
        for (bad, why) in [
            ("", "empty"),
            ("a/b", "'/'"),
            ("a\\b", "'\\\\'"),
            ("a\nb", "'\\n'"),
            ("a\0b", "'\\0'"),
            (".", "'.' or '..'"),
            ("..", "'.' or '..'"),
            (" x", "whitespace"),
        ] {
            let err = validate_run_id(bad).unwrap_err().to_string();
            assert!(err.contains(why), "{bad:?}: {err}");
        }
        assert!(validate_run_id(&"x".repeat(MAX_NAME_LEN)).is_ok());
        assert!(validate_run_id(&"x".repeat(MAX_NAME_LEN + 1)).is_err());
    }

    #[test]
    fn emails() {
        assert!(validate_email("alice@example.com").is_ok());
        for bad in ["alice", "@x", "a@", "a b@x.y", "a@b@c"] {
            assert!(validate_email(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn usernames_from_emails() {
        assert_eq!(
            username_from_email("Alice.Smith@example.com"),
            "alice.smith"
        );
        assert_eq!(username_from_email("a+b@x.y"), "a-b");
        assert_eq!(username_from_email("+@x.y"), "user");
    }
}

/// Longest accepted run-file path, in bytes.
pub const MAX_FILE_PATH_LEN: usize = 1024;

/// Check a run-file path (`media/images/x.png`): relative, `/`-separated,
/// no empty, `.` or `..` segments, no backslashes or control characters.
/// Such names become paths in the blob store, so this is what keeps a
/// client from writing outside its run.
pub fn validate_file_path(path: &str) -> Result<(), CoreError> {
    let bad = |why: &str| {
        Err(CoreError::InvalidInput(format!(
            "The file name {path:?} is not allowed: {why}."
        )))
    };
    if path.is_empty() {
        return bad("it is empty");
    }
    if path.len() > MAX_FILE_PATH_LEN {
        return bad(&format!("it is longer than {MAX_FILE_PATH_LEN} bytes"));
    }
    if path.starts_with('/') {
        return bad("it must be relative");
    }
    if path.contains('\\') || path.chars().any(char::is_control) {
        return bad("it contains a backslash or a control character");
    }
    if path
        .split('/')
        .any(|segment| segment.is_empty() || segment == "." || segment == "..")
    {
        return bad("it has an empty, '.' or '..' segment");
    }
    Ok(())
}

#[cfg(test)]
mod file_path_tests {
    use super::validate_file_path;

    #[test]
    fn accepts_nested_relative_paths_and_rejects_escapes() {
        for ok in [
            "output.log",
            "media/images/a b.png",
            "wandb-summary.json",
            "ünï.txt",
        ] {
            assert!(validate_file_path(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "/etc/passwd",
            "../x",
            "a/../../x",
            "a//b",
            "./a",
            "a\\b",
            "a\0b",
        ] {
            let err = validate_file_path(bad).unwrap_err().to_string();
            assert!(err.contains("is not allowed"), "{bad}: {err}");
        }
    }
}
