//! Signed URLs for run-file uploads and downloads.
//!
//! `wandb-core` PUTs run files to the `uploadUrl` we hand out without any
//! credentials, and download URLs may be fetched the same way, so each URL
//! carries its own proof: an expiry and an HMAC-SHA256 over the method, the
//! path and the expiry, keyed by a secret the server keeps in its database
//! — or, for deployments that keep secrets outside the data directory, one
//! the operator supplies (`--url-signing-key-file`, `CAIRN_URL_SIGNING_KEY`;
//! see `config.rs`), in which case the stored one is not used. A URL works
//! for one method, one path, and until it expires.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// How long an upload or download URL stays valid.
pub const URL_LIFETIME: Duration = Duration::from_secs(24 * 60 * 60);

/// Signs and checks URLs.
#[derive(Clone)]
pub struct UrlSigner {
    key: Vec<u8>,
}

/// The query parameters that prove a URL.
#[derive(Debug, serde::Deserialize, Default)]
pub struct Signature {
    /// Expiry, UNIX seconds.
    pub exp: Option<u64>,
    /// base64url HMAC.
    pub sig: Option<String>,
}

impl UrlSigner {
    /// A signer with `key`.
    pub fn new(key: Vec<u8>) -> Self {
        UrlSigner { key }
    }

    /// The query string (`exp=…&sig=…`) that lets `method` reach `path`.
    pub fn sign(&self, method: &str, path: &str) -> String {
        self.sign_for(method, path, URL_LIFETIME)
    }

    /// Like [`UrlSigner::sign`], valid for `lifetime`.
    pub fn sign_for(&self, method: &str, path: &str, lifetime: Duration) -> String {
        let exp = now_secs() + lifetime.as_secs();
        format!("exp={exp}&sig={}", self.mac(method, path, exp))
    }

    /// Whether `signature` proves `method` on `path` now.
    pub fn verify(&self, method: &str, path: &str, signature: &Signature) -> bool {
        let (Some(exp), Some(sig)) = (signature.exp, signature.sig.as_deref()) else {
            return false;
        };
        if exp < now_secs() {
            return false;
        }
        let Ok(given) = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(sig) else {
            return false;
        };
        self.hmac(method, path, exp).verify_slice(&given).is_ok()
    }

    fn mac(&self, method: &str, path: &str, exp: u64) -> String {
        let bytes = self.hmac(method, path, exp).finalize().into_bytes();
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    }

    fn hmac(&self, method: &str, path: &str, exp: u64) -> Hmac<Sha256> {
        let mut mac =
            Hmac::<Sha256>::new_from_slice(&self.key).expect("HMAC accepts keys of any length");
        mac.update(format!("{method}\n{path}\n{exp}").as_bytes());
        mac
    }
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(query: &str) -> Signature {
        let mut s = Signature::default();
        for pair in query.split('&') {
            let (k, v) = pair.split_once('=').unwrap();
            match k {
                "exp" => s.exp = v.parse().ok(),
                "sig" => s.sig = Some(v.to_string()),
                _ => {}
            }
        }
        s
    }

    #[test]
    fn a_signature_proves_one_method_and_path() {
        let signer = UrlSigner::new(b"secret".to_vec());
        let sig = parse(&signer.sign("PUT", "/files/a/b/c/x.txt"));
        assert!(signer.verify("PUT", "/files/a/b/c/x.txt", &sig));
        assert!(!signer.verify("GET", "/files/a/b/c/x.txt", &sig));
        assert!(!signer.verify("PUT", "/files/a/b/c/y.txt", &sig));
        assert!(!UrlSigner::new(b"other".to_vec()).verify("PUT", "/files/a/b/c/x.txt", &sig));
        let expired = Signature {
            exp: Some(1),
            sig: sig.sig.clone(),
        };
        assert!(!signer.verify("PUT", "/files/a/b/c/x.txt", &expired));
        assert!(!signer.verify("PUT", "/files/a/b/c/x.txt", &Signature::default()));
    }
}
