//! Webhook deliveries: one HTTP attempt of one delivery, for the
//! automation delivery worker (which decides what to send, when to retry
//! and what to record; this module only sends and classifies).
//!
//! What an attempt does, in order:
//!
//! 1. The URL is checked again ([`cairn_core::integration::parse_url`]) and
//!    must be allowed by the operator's allow-list
//!    ([`AllowList::allows`]): the list may have changed since the
//!    integration was made.
//! 2. A host name is resolved here, and every address it resolves to must
//!    pass [`AllowList::allows_address`] (no loopback, private or
//!    link-local address unless a CIDR entry allows it). The request then
//!    connects only to those checked addresses (the client's resolver is
//!    pinned to them), so a DNS answer cannot change between the check and
//!    the connection. Proxies from the environment are ignored for the same
//!    reason: the checked address is the one connected to.
//! 3. Redirects are not followed (a redirect could lead anywhere): a 3xx is
//!    a permanent failure naming its `Location`.
//! 4. The whole attempt (resolution, connection, request, the first KiB of
//!    the response) has one timeout.
//!
//! The request is a `POST` of the body as given, with these headers:
//!
//! | header | value |
//! |---|---|
//! | `Content-Type` | `application/json` |
//! | `User-Agent` | `cairn/<version>` |
//! | `X-Cairn-Delivery` | the delivery id, the same on every attempt: receivers de-duplicate on it |
//! | `X-Cairn-Event` | the event type |
//! | `X-Cairn-Timestamp` | UNIX seconds when the attempt was made |
//! | `X-Cairn-Signature` | with a signing secret: [`sign`]`(secret, timestamp, body)`, `sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">` |
//! | `Authorization` | with an access token: `Bearer <token>` |
//!
//! A receiver verifies a delivery by recomputing the HMAC over the
//! timestamp header, a `.` and the raw body bytes, comparing it with the
//! signature in constant time, refusing timestamps too far from its clock
//! (replays), and ignoring a delivery id it has already handled.
//!
//! Outcomes: 2xx is [`Outcome::Delivered`]; 408, 429, 5xx, connection
//! errors and timeouts are [`Outcome::Retry`]; anything else (other 4xx,
//! 3xx, a refused or unusable URL) is [`Outcome::Failed`], which retrying
//! would not change.
//!
//! A client is built per attempt, because its resolver is pinned to the
//! addresses checked for that attempt; building one costs far less than
//! the network round trip it precedes.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use cairn_core::integration::{self, AllowList};
use hmac::{Hmac, Mac};
use reqwest::header::{self, HeaderMap, HeaderValue};
use sha2::Sha256;

/// Most bytes of a response body kept in [`Attempt::response_excerpt`].
pub const MAX_EXCERPT_BYTES: usize = 1024;

/// One delivery to make.
#[derive(Clone)]
pub struct WebhookRequest {
    /// Where to POST (the integration's URL).
    pub url: String,
    /// The JSON body, sent byte for byte as given (and signed as such).
    pub body: Vec<u8>,
    /// The delivery's id, the same on every attempt (`X-Cairn-Delivery`).
    pub delivery_id: String,
    /// What happened (`X-Cairn-Event`).
    pub event_type: String,
    /// The value of the integration's signing secret, if it has one.
    pub signing_secret: Option<String>,
    /// The value of the integration's access token secret, if it has one.
    pub access_token: Option<String>,
}

// Hand-written so the secrets never reach a log line.
impl std::fmt::Debug for WebhookRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let redacted = |s: &Option<String>| s.as_ref().map(|_| "<redacted>");
        f.debug_struct("WebhookRequest")
            .field("url", &self.url)
            .field("body_bytes", &self.body.len())
            .field("delivery_id", &self.delivery_id)
            .field("event_type", &self.event_type)
            .field("signing_secret", &redacted(&self.signing_secret))
            .field("access_token", &redacted(&self.access_token))
            .finish()
    }
}

/// How an attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The receiver answered 2xx.
    Delivered,
    /// A failure that may pass: 408, 429, 5xx, no connection, a timeout.
    Retry,
    /// A permanent failure: retrying the same request would fail the same
    /// way (a refused URL, a redirect, another 4xx).
    Failed,
}

/// What one attempt did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    /// The response status, when there was a response.
    pub status: Option<u16>,
    /// Whether it was delivered, may be retried, or failed for good.
    pub outcome: Outcome,
    /// Why it was not delivered, for the operator.
    pub error: Option<String>,
    /// How long the attempt took, resolution included.
    pub elapsed_ms: u64,
    /// The start of the response body (at most [`MAX_EXCERPT_BYTES`],
    /// invalid UTF-8 replaced).
    pub response_excerpt: String,
}

/// Sends webhook deliveries, checking each against the allow-list.
#[derive(Debug, Clone)]
pub struct Sender {
    allow: Arc<AllowList>,
    timeout: Duration,
}

impl Sender {
    /// A sender allowing what `allow` allows, giving each attempt `timeout`
    /// from start to the end of the response excerpt.
    pub fn new(allow: Arc<AllowList>, timeout: Duration) -> Self {
        Sender { allow, timeout }
    }

    /// Make one attempt of `req`. Never panics and never errors: every way
    /// an attempt can end is an [`Attempt`].
    pub async fn send(&self, req: &WebhookRequest) -> Attempt {
        let started = Instant::now();
        let mut attempt = match tokio::time::timeout(self.timeout, self.attempt(req)).await {
            Ok(attempt) => attempt,
            Err(_) => fail(
                Outcome::Retry,
                format!("no answer within {} ms", self.timeout.as_millis()),
            ),
        };
        attempt.elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        attempt
    }

    async fn attempt(&self, req: &WebhookRequest) -> Attempt {
        let url = match integration::parse_url(&req.url) {
            Ok(url) => url,
            Err(e) => return fail(Outcome::Failed, e.to_string()),
        };
        if !self.allow.allows(&url) {
            return fail(
                Outcome::Failed,
                format!(
                    "the webhook allow-list (--webhook-allow) refused {}",
                    url.host_str().unwrap_or("the URL's host")
                ),
            );
        }
        let mut builder = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .connect_timeout(self.timeout)
            .timeout(self.timeout)
            .user_agent(concat!("cairn/", env!("CARGO_PKG_VERSION")));
        let host = url.host_str().unwrap_or_default();
        let literal = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
            .is_ok();
        // An IP literal the allow-list allows is used as is; a name is
        // resolved and its addresses checked.
        if !literal {
            let name = host;
            let port = url.port_or_known_default().unwrap_or(80);
            let addrs = match tokio::net::lookup_host((name, port)).await {
                Ok(addrs) => addrs.collect::<Vec<SocketAddr>>(),
                Err(e) => return fail(Outcome::Retry, format!("cannot resolve {name}: {e}")),
            };
            if addrs.is_empty() {
                return fail(Outcome::Retry, format!("{name} resolves to no address"));
            }
            if let Some(refused) = addrs.iter().find(|a| !self.allow.allows_address(a.ip())) {
                return fail(
                    Outcome::Failed,
                    format!(
                        "{name} resolves to {}, which the webhook allow-list (--webhook-allow) refuses: internal addresses need a CIDR entry",
                        refused.ip()
                    ),
                );
            }
            builder = builder.resolve_to_addrs(name, &addrs);
        }
        let headers = match headers(req, unix_seconds()) {
            Ok(headers) => headers,
            Err(e) => return fail(Outcome::Failed, e),
        };
        let client = match builder.build() {
            Ok(client) => client,
            Err(e) => return fail(Outcome::Retry, format!("cannot make an HTTP client: {e}")),
        };
        let response = client
            .post(url)
            .headers(headers)
            .body(req.body.clone())
            .send()
            .await;
        let mut response = match response {
            Ok(response) => response,
            Err(e) if e.is_builder() => return fail(Outcome::Failed, error_chain(&e)),
            Err(e) => return fail(Outcome::Retry, error_chain(&e)),
        };
        let status = response.status();
        let location = response
            .headers()
            .get(header::LOCATION)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
        let response_excerpt = excerpt(&mut response).await;
        let (outcome, error) = classify(status, location);
        Attempt {
            status: Some(status.as_u16()),
            outcome,
            error,
            elapsed_ms: 0,
            response_excerpt,
        }
    }
}

/// `X-Cairn-Signature` for `body` sent at `timestamp` (UNIX seconds):
/// `sha256=` and the lowercase hex HMAC-SHA256, keyed with `secret`, of the
/// timestamp in decimal, a `.`, and the body bytes.
pub fn sign(secret: &str, timestamp: u64, body: &[u8]) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC accepts keys of any length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    let hex: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("sha256={hex}")
}

/// The request headers (see the module docs); an error for values that
/// cannot be header values.
fn headers(req: &WebhookRequest, timestamp: u64) -> Result<HeaderMap, String> {
    let value = |name: &str, text: &str| {
        HeaderValue::from_str(text).map_err(|_| format!("the {name} cannot be sent as a header"))
    };
    let mut headers = HeaderMap::new();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers.insert("x-cairn-delivery", value("delivery id", &req.delivery_id)?);
    headers.insert("x-cairn-event", value("event type", &req.event_type)?);
    headers.insert("x-cairn-timestamp", HeaderValue::from(timestamp));
    if let Some(secret) = &req.signing_secret {
        let mut signature = value("signature", &sign(secret, timestamp, &req.body))?;
        signature.set_sensitive(true);
        headers.insert("x-cairn-signature", signature);
    }
    if let Some(token) = &req.access_token {
        let mut bearer = value("access token", &format!("Bearer {token}"))?;
        bearer.set_sensitive(true);
        headers.insert(header::AUTHORIZATION, bearer);
    }
    Ok(headers)
}

/// The outcome of a response with `status` (and `Location`, for 3xx).
fn classify(status: reqwest::StatusCode, location: Option<String>) -> (Outcome, Option<String>) {
    let code = status.as_u16();
    if status.is_success() {
        (Outcome::Delivered, None)
    } else if status.is_redirection() {
        let to = location.as_deref().unwrap_or("nowhere");
        (
            Outcome::Failed,
            Some(format!(
                "the receiver answered {code} redirecting to {to}; redirects are not followed, so set the integration's URL to the final one"
            )),
        )
    } else if code == 408 || code == 429 || status.is_server_error() {
        (
            Outcome::Retry,
            Some(format!("the receiver answered {code}")),
        )
    } else {
        (
            Outcome::Failed,
            Some(format!("the receiver answered {code}")),
        )
    }
}

/// The first [`MAX_EXCERPT_BYTES`] of the response body; whatever arrived
/// if reading it fails.
async fn excerpt(response: &mut reqwest::Response) -> String {
    let mut kept = Vec::new();
    while kept.len() < MAX_EXCERPT_BYTES {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                let room = MAX_EXCERPT_BYTES - kept.len();
                kept.extend_from_slice(&chunk[..chunk.len().min(room)]);
            }
            Ok(None) | Err(_) => break,
        }
    }
    String::from_utf8_lossy(&kept).into_owned()
}

fn fail(outcome: Outcome, error: String) -> Attempt {
    Attempt {
        status: None,
        outcome,
        error: Some(error),
        elapsed_ms: 0,
        response_excerpt: String::new(),
    }
}

/// An error and its sources (reqwest's own message is often only
/// "error sending request").
fn error_chain(e: &reqwest::Error) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

fn unix_seconds() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_hmac_sha256_over_timestamp_dot_body() {
        // Computed independently (Python's hmac module).
        assert_eq!(
            sign("whsec", 1_700_000_000, br#"{"a":1}"#),
            "sha256=8ad37ba156048ae0e0a5533c75cdf26fee88b07f93cb57ee4c80adb053012032"
        );
        assert_ne!(sign("Jefe", 1, b"{}"), sign("Jefe", 2, b"{}"));
        assert_ne!(sign("Jefe", 1, b"{}"), sign("jefe", 1, b"{}"));
    }

    #[test]
    fn statuses_are_classified() {
        use reqwest::StatusCode as S;
        assert_eq!(classify(S::NO_CONTENT, None).0, Outcome::Delivered);
        for retry in [408, 429, 500, 502, 503] {
            assert_eq!(
                classify(S::from_u16(retry).unwrap(), None).0,
                Outcome::Retry,
                "{retry}"
            );
        }
        for failed in [400, 401, 403, 404, 410, 422] {
            assert_eq!(
                classify(S::from_u16(failed).unwrap(), None).0,
                Outcome::Failed,
                "{failed}"
            );
        }
        let (outcome, error) = classify(S::FOUND, Some("https://elsewhere/".into()));
        assert_eq!(outcome, Outcome::Failed);
        assert!(error.unwrap().contains("https://elsewhere/"));
    }

    #[test]
    fn a_requests_debug_output_hides_its_secrets() {
        let req = WebhookRequest {
            url: "https://hooks.example.com/".into(),
            body: b"{}".to_vec(),
            delivery_id: "d1".into(),
            event_type: "RUN_STATE".into(),
            signing_secret: Some("sign-me".into()),
            access_token: Some("tok-en".into()),
        };
        let debug = format!("{req:?}");
        assert!(
            !debug.contains("sign-me") && !debug.contains("tok-en"),
            "{debug}"
        );
    }
}
