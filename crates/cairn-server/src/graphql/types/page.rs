//! Relay-style pagination info, and the cursor format.
//!
//! Cursors are opaque to clients: `base64("cursor:<last row id>")`.

use async_graphql::SimpleObject;

use crate::graphql::ids;

/// `PageInfo` as W&B returns it.
#[derive(SimpleObject, Debug, Clone, Default)]
pub struct PageInfo {
    /// Cursor of the last edge in this page.
    pub end_cursor: Option<String>,
    /// Whether another page follows.
    pub has_next_page: bool,
    /// Cursor of the first edge in this page.
    pub start_cursor: Option<String>,
    /// Always false: pagination runs forwards only.
    pub has_previous_page: bool,
}

/// Encode a row id as a cursor.
pub fn cursor(id: i64) -> String {
    ids::encode("cursor", id).0
}

/// Decode a cursor from a client; a clear error if it is not one of ours.
pub fn decode_cursor(cursor: Option<&str>) -> Result<Option<i64>, cairn_core::CoreError> {
    match cursor.filter(|c| !c.is_empty()) {
        None => Ok(None),
        Some(c) => ids::decode("cursor", c).map(Some).map_err(|_| {
            cairn_core::CoreError::InvalidInput(format!("{c:?} is not a valid page cursor."))
        }),
    }
}
