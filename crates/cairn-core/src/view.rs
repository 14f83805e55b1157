//! Views: W&B's reports and saved workspaces.
//!
//! W&B keeps both as one kind of record, a *view*: a JSON `spec` stored per
//! project under a type (`runs` for a published report, `runs/draft` for a
//! draft of one, `project-view` for a saved workspace), an internal `name`
//! the client chooses and a `displayName` people read. The server never
//! interprets the spec: it is the client's document (blocks, panels, run
//! sets), kept byte for byte as sent, so whatever `wandb-workspaces` writes
//! it reads back unchanged. What the server does decide is here: which
//! types exist, that a spec is JSON and not too big, that a view cannot
//! turn from a report into a workspace, and who sees drafts.

use time::OffsetDateTime;

use crate::error::{CoreError, CoreResult};

/// The largest spec accepted, in bytes. W&B's own reports with many panel
/// grids stay well under a megabyte.
pub const MAX_SPEC_BYTES: usize = 8 * 1024 * 1024;

/// Longest name, display name or type, in characters.
pub const MAX_VIEW_NAME: usize = 256;

/// Longest description, in characters.
pub const MAX_VIEW_DESCRIPTION: usize = 16 * 1024;

/// A published report (`api.reports` lists these).
pub const REPORT: &str = "runs";

/// The suffix of a draft's type: `runs/draft` is a draft report.
pub const DRAFT_SUFFIX: &str = "/draft";

/// A view as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct View {
    /// Row id; the GraphQL id is `base64("View:<id>")`.
    pub id: i64,
    /// The project it belongs to.
    pub project_id: i64,
    /// Who created it.
    pub user_id: Option<i64>,
    /// Their username, while they exist.
    pub username: Option<String>,
    /// `runs`, `runs/draft`, `project-view`, …
    pub kind: String,
    /// The internal name the client chose.
    pub name: String,
    /// The title people read.
    pub display_name: String,
    /// Free text.
    pub description: String,
    /// The client's document, exactly as sent.
    pub spec: String,
    /// The published view a draft belongs to.
    pub parent_id: Option<i64>,
    /// `WANDB_SDK`, `WANDB_UI`, … as the client said.
    pub created_using: Option<String>,
    /// When it was created.
    pub created_at: OffsetDateTime,
    /// When it last changed.
    pub updated_at: OffsetDateTime,
}

impl View {
    /// Whether this is a draft, which only its author sees.
    pub fn is_draft(&self) -> bool {
        is_draft(&self.kind)
    }
}

/// Whether a view type is a draft's.
pub fn is_draft(kind: &str) -> bool {
    kind.ends_with(DRAFT_SUFFIX)
}

/// The family of a type: a draft and its published view share one, and a
/// view never leaves its family (a report does not become a workspace).
pub fn family(kind: &str) -> &str {
    kind.strip_suffix(DRAFT_SUFFIX).unwrap_or(kind)
}

/// A view to insert.
#[derive(Debug, Clone)]
pub struct NewView {
    /// The project.
    pub project_id: i64,
    /// The author.
    pub user_id: i64,
    /// Its type.
    pub kind: String,
    /// Its internal name.
    pub name: String,
    /// Its title.
    pub display_name: String,
    /// Its description.
    pub description: String,
    /// The spec, checked by [`check_spec`].
    pub spec: String,
    /// The published view a draft belongs to.
    pub parent_id: Option<i64>,
    /// How it was created.
    pub created_using: Option<String>,
}

/// The fields an update changes; `None` keeps the stored value.
#[derive(Debug, Clone, Default)]
pub struct ViewChange {
    /// A new type (same family).
    pub kind: Option<String>,
    /// A new internal name.
    pub name: Option<String>,
    /// A new title.
    pub display_name: Option<String>,
    /// A new description.
    pub description: Option<String>,
    /// A new spec, checked by [`check_spec`].
    pub spec: Option<String>,
}

/// Which of a project's views a listing returns.
#[derive(Debug, Clone, Default)]
pub struct ViewQuery {
    /// The project.
    pub project_id: i64,
    /// Only views of this type.
    pub kind: Option<String>,
    /// Only views of this name.
    pub name: Option<String>,
    /// Only views by this user.
    pub user_id: Option<i64>,
    /// Drafts by users other than this one are left out; `None` keeps
    /// them all (instance admins).
    pub viewer_id: Option<i64>,
    /// Keyset cursor: views with a smaller id.
    pub before_id: Option<i64>,
    /// At most this many.
    pub limit: i64,
}

/// Check a view type: non-empty, short, printable.
pub fn check_kind(kind: &str) -> CoreResult<()> {
    check_text("type", kind, MAX_VIEW_NAME)?;
    if kind.is_empty() || family(kind).is_empty() {
        return Err(CoreError::InvalidInput(
            "The view type must not be empty (reports are \"runs\", workspaces \"project-view\")."
                .into(),
        ));
    }
    Ok(())
}

/// Check a name, display name or description: bounded, no control
/// characters other than line breaks and tabs.
pub fn check_text(field: &str, value: &str, max: usize) -> CoreResult<()> {
    if value.chars().count() > max {
        return Err(CoreError::InvalidInput(format!(
            "The view {field} is longer than {max} characters."
        )));
    }
    if value
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(CoreError::InvalidInput(format!(
            "The view {field} contains a control character."
        )));
    }
    Ok(())
}

/// Check a spec: valid JSON, at most [`MAX_SPEC_BYTES`]. It is stored as
/// sent, so this only parses it, never rewrites it.
pub fn check_spec(spec: &str) -> CoreResult<()> {
    if spec.len() > MAX_SPEC_BYTES {
        return Err(CoreError::InvalidInput(format!(
            "The view spec is {} bytes; the limit is {MAX_SPEC_BYTES} bytes.",
            spec.len()
        )));
    }
    serde_json::from_str::<serde::de::IgnoredAny>(spec)
        .map_err(|e| CoreError::InvalidInput(format!("The view spec is not valid JSON: {e}.")))?;
    Ok(())
}

/// Check a type change: drafts and published views of one family may turn
/// into each other (saving a draft, publishing it); nothing else.
pub fn check_kind_change(from: &str, to: &str) -> CoreResult<()> {
    if family(from) == family(to) {
        Ok(())
    } else {
        Err(CoreError::InvalidInput(format!(
            "A view of type {from:?} cannot become one of type {to:?}."
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drafts_share_their_family() {
        assert!(is_draft("runs/draft"));
        assert!(!is_draft("runs"));
        assert_eq!(family("runs/draft"), "runs");
        assert_eq!(family("project-view"), "project-view");
        assert!(check_kind_change("runs", "runs/draft").is_ok());
        assert!(check_kind_change("runs/draft", "runs").is_ok());
        let err = check_kind_change("runs", "project-view").unwrap_err();
        assert!(err.to_string().contains("project-view"), "{err}");
    }

    #[test]
    fn specs_must_be_json_and_bounded() {
        assert!(check_spec(r#"{"blocks": [], "x": NaN}"#).is_err());
        assert!(check_spec(r#"{"blocks": []}"#).is_ok());
        assert!(check_spec("[1, 2]").is_ok());
        let err = check_spec("{not json").unwrap_err();
        assert!(err.to_string().contains("not valid JSON"), "{err}");
        let big = format!("\"{}\"", "x".repeat(MAX_SPEC_BYTES));
        assert!(check_spec(&big).unwrap_err().to_string().contains("limit"));
    }

    #[test]
    fn types_and_texts_are_checked() {
        assert!(check_kind("").is_err());
        assert!(check_kind("/draft").is_err());
        assert!(check_kind("runs").is_ok());
        assert!(check_text("name", "a\u{0}b", 10).is_err());
        assert!(check_text("description", "two\nlines", 100).is_ok());
        assert!(check_text("name", "abcdef", 3).is_err());
    }
}
