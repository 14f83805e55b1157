//! MD5 digests travel in two spellings: base64 in manifests, GraphQL and
//! `Content-MD5`, lower-case hex in URLs and blob keys.

use base64::Engine;

/// Lower-case hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Standard base64 of `bytes`.
pub fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// The hex form of a base64 MD5, if it is one.
pub fn hex_of(md5_b64: &str) -> Option<String> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(md5_b64)
        .ok()?;
    (bytes.len() == 16).then(|| hex(&bytes))
}

/// The base64 form of a hex MD5, if it is one.
pub fn b64_of(md5_hex: &str) -> Option<String> {
    if md5_hex.len() != 32 {
        return None;
    }
    let bytes: Option<Vec<u8>> = (0..16)
        .map(|i| u8::from_str_radix(md5_hex.get(2 * i..2 * i + 2)?, 16).ok())
        .collect();
    Some(b64(&bytes?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_two_spellings_convert_both_ways() {
        // MD5 of "hello world".
        let hex_form = "5eb63bbbe01eeed093cb22bb8f5acdc3";
        let b64_form = "XrY7u+Ae7tCTyyK7j1rNww==";
        assert_eq!(hex_of(b64_form).as_deref(), Some(hex_form));
        assert_eq!(b64_of(hex_form).as_deref(), Some(b64_form));
        assert_eq!(hex_of("not base64!"), None);
        assert_eq!(hex_of("aGVsbG8="), None); // base64, but not 16 bytes
        assert_eq!(b64_of("zz"), None);
        assert_eq!(b64_of(&"g".repeat(32)), None);
    }
}
