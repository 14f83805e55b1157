//! The two spellings of a file's MD5 the wire uses: base64 in GraphQL
//! (`md5`, manifest `digest`), hex in blob URLs.

use base64::Engine;
use md5::{Digest, Md5};

/// Base64 of the MD5 of `bytes`.
pub fn b64_md5(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(Md5::digest(bytes))
}

/// Lower-case hex of the MD5 of `bytes`.
pub fn hex_md5(bytes: &[u8]) -> String {
    Md5::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The file holding the stored blob of `bytes` under a server's data
/// directory, if one is stored: `cas/<2 hex>/<32 hex>.<random>` (each
/// upload writes a key of its own) or, for blobs from before that,
/// `cas/<2 hex>/<32 hex>`.
pub fn blob_file(data_dir: &std::path::Path, bytes: &[u8]) -> Option<std::path::PathBuf> {
    let hex = hex_md5(bytes);
    let dir = data_dir.join("blobs/data/cas").join(&hex[..2]);
    let mut found: Vec<_> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            name == hex || name.strip_prefix(&hex).is_some_and(|s| s.starts_with('.'))
        })
        .collect();
    assert!(found.len() <= 1, "one stored copy per digest: {found:?}");
    found.pop()
}
