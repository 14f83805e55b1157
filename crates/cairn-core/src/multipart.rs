//! Multipart uploads: the rules for a file sent in parts.
//!
//! wandb-core uploads files of 2 GiB and more in parts, S3-style: it asks
//! `createArtifactFiles` for one URL per part number, sends the parts
//! (each acknowledged with its MD5 as `ETag`), then names them in
//! `completeMultipartUploadArtifact`. The server joins the parts in
//! part-number order and checks the whole against the file's digest
//! (`ContentStore::put_parts`). What a request may name is decided here, so
//! the GraphQL layer only translates.

use crate::error::{CoreError, CoreResult};

/// The most parts one upload may have, and so the highest part number
/// (S3's limit, which wandb-core's part sizes are chosen to respect).
pub const MAX_PARTS: i64 = 10_000;

/// A fresh upload id: 16 URL-safe characters, unguessable.
pub fn new_upload_id() -> CoreResult<String> {
    let mut random = [0u8; 12];
    getrandom::fill(&mut random)
        .map_err(|e| CoreError::Internal(format!("no randomness for an upload id: {e}")))?;
    Ok(cairn_types::digest::b64(&random)
        .replace('+', "-")
        .replace('/', "_"))
}

/// An upload id as the server makes them (and nothing that could name
/// another path).
pub fn check_upload_id(upload_id: &str) -> CoreResult<()> {
    let ours = !upload_id.is_empty()
        && upload_id.len() <= 64
        && upload_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ours {
        Ok(())
    } else {
        Err(CoreError::InvalidInput(format!(
            "{upload_id:?} is not an upload id of ours."
        )))
    }
}

/// The part numbers of an upload, checked (each 1 to [`MAX_PARTS`], none
/// twice, at least one) and in the order the parts are joined.
pub fn part_order(parts: impl IntoIterator<Item = i64>) -> CoreResult<Vec<i64>> {
    let mut order: Vec<i64> = parts.into_iter().collect();
    if order.is_empty() {
        return Err(CoreError::InvalidInput(
            "A multipart upload needs at least one part.".into(),
        ));
    }
    if let Some(bad) = order.iter().find(|p| !(1..=MAX_PARTS).contains(*p)) {
        return Err(CoreError::InvalidInput(format!(
            "Part number {bad} is out of range; parts are numbered 1 to {MAX_PARTS}."
        )));
    }
    order.sort_unstable();
    if let Some(twice) = order.windows(2).find(|w| w[0] == w[1]) {
        return Err(CoreError::InvalidInput(format!(
            "Part number {} is named twice.",
            twice[0]
        )));
    }
    Ok(order)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn part_numbers_are_checked_and_ordered() {
        assert_eq!(part_order([3, 1, 2]).unwrap(), [1, 2, 3]);
        assert_eq!(part_order([MAX_PARTS]).unwrap(), [MAX_PARTS]);
        for bad in [
            vec![],
            vec![0],
            vec![-1],
            vec![MAX_PARTS + 1],
            vec![2, 1, 2],
        ] {
            assert!(part_order(bad.clone()).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn upload_ids() {
        let id = new_upload_id().unwrap();
        assert_eq!(id.len(), 16);
        check_upload_id(&id).unwrap();
        for bad in ["", "../x", "a/b", "a b", &"x".repeat(65)] {
            assert!(check_upload_id(bad).is_err(), "{bad:?}");
        }
    }
}
