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
