//! A limit on failed authentications per client address.
//!
//! Without it a client could try keys as fast as the server answers them
//! (2,000 wrong keys took 1.7 s). Generated keys have 256 bits and cannot
//! be guessed, but keys chosen by people may be weaker, and every attempt
//! costs a database look-up.
//!
//! The rule: every presented key is checked, always; a valid key is never
//! delayed or refused. When a key fails and its client address has already
//! failed [`Config::auth_failure_limit`](crate::Config) times in the
//! current one-minute window, the answer is 429 with `Retry-After` (the
//! rest of the window) instead of 401. The window starts at an address's
//! first failure. A wrong sign-in to the web UI counts the same (its 401
//! carries [`FailedSignIn`]). Requests without any credentials are not key checks and
//! are not counted. A limit of 0 turns this off.
//!
//! It is enforced in one place, a middleware around the whole router, so no
//! route can forget it: every failed key check, on any route, ends in a 401
//! (the policy in `error.rs`: 401 means "no valid credentials" and nothing
//! else), and the middleware turns a 401 to a request that carried an
//! `Authorization` header into a counted failure.
//!
//! The address is the TCP peer (`ConnectInfo`); forwarded-for headers are
//! not trusted. Behind a reverse proxy every client shares the proxy's
//! address, so the limit then applies to all failures together — valid keys
//! still work. An IPv6 client is counted by its /64 network, the block one
//! host usually holds. At most [`MAX_TRACKED`] addresses are remembered;
//! expired windows are dropped first, then the oldest.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, Request, State};
use axum::http::header::{AUTHORIZATION, RETRY_AFTER};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Marks a response as a failed sign-in to the web UI (a form, not an
/// `Authorization` header), so it is counted like a failed key.
#[derive(Debug, Clone, Copy)]
pub struct FailedSignIn;

/// How long failures are counted before an address starts afresh.
pub const WINDOW: Duration = Duration::from_secs(60);

/// Most client addresses remembered at once (about 50 bytes each).
pub const MAX_TRACKED: usize = 10_000;

/// Failed authentications per client address. Cheap to clone.
#[derive(Clone)]
pub struct AuthFailureLimiter {
    limit: u32,
    windows: Arc<Mutex<HashMap<IpAddr, Window>>>,
}

/// One address's failures in its current window.
#[derive(Debug, Clone, Copy)]
struct Window {
    started: Instant,
    failures: u32,
}

/// What to do with a failed key check.
#[derive(Debug, PartialEq, Eq)]
enum Verdict {
    /// Within the limit: answer 401 as usual.
    Allowed,
    /// Over it: answer 429, retry after this long. `first` on the first
    /// refusal of the window, the one that is logged.
    Refused { retry_after: Duration, first: bool },
}

impl AuthFailureLimiter {
    /// Allow `limit` failed key checks per address per [`WINDOW`]; 0 for no
    /// limit.
    pub fn new(limit: u32) -> Self {
        AuthFailureLimiter {
            limit,
            windows: Arc::default(),
        }
    }

    /// Count a failed key check from `client` at `now`.
    fn record_failure(&self, client: IpAddr, now: Instant) -> Verdict {
        if self.limit == 0 {
            return Verdict::Allowed;
        }
        let key = client_key(client);
        let mut windows = self
            .windows
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if !windows.contains_key(&key) && windows.len() >= MAX_TRACKED {
            make_room(&mut windows, now);
        }
        let window = windows.entry(key).or_insert(Window {
            started: now,
            failures: 0,
        });
        if now.duration_since(window.started) >= WINDOW {
            *window = Window {
                started: now,
                failures: 0,
            };
        }
        window.failures = window.failures.saturating_add(1);
        if window.failures <= self.limit {
            return Verdict::Allowed;
        }
        let retry_after = WINDOW.saturating_sub(now.duration_since(window.started));
        Verdict::Refused {
            retry_after,
            first: window.failures == self.limit + 1,
        }
    }

    /// Addresses currently remembered.
    #[cfg(test)]
    fn tracked(&self) -> usize {
        self.windows.lock().unwrap().len()
    }
}

/// Drop expired windows; if none had expired, the oldest one.
fn make_room(windows: &mut HashMap<IpAddr, Window>, now: Instant) {
    windows.retain(|_, w| now.duration_since(w.started) < WINDOW);
    if windows.len() >= MAX_TRACKED
        && let Some(oldest) = windows
            .iter()
            .min_by_key(|(_, w)| w.started)
            .map(|(key, _)| *key)
    {
        windows.remove(&oldest);
    }
}

/// The address failures are counted under: IPv4 as is (also when it
/// arrives IPv4-mapped), IPv6 by its /64 network.
fn client_key(ip: IpAddr) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V6(v6) => {
            let network = u128::from(v6) & !((1u128 << 64) - 1);
            IpAddr::V6(Ipv6Addr::from(network))
        }
        v4 => v4,
    }
}

/// Middleware: count 401s to requests that presented credentials, and
/// answer those over the limit with 429.
pub async fn limit_failed_authentications(
    State(limiter): State<AuthFailureLimiter>,
    request: Request,
    next: Next,
) -> Response {
    let presented = request.headers().contains_key(AUTHORIZATION);
    let client = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip());
    let response = next.run(request).await;
    let signed_in_wrong = response.extensions().get::<FailedSignIn>().is_some();
    if response.status() != StatusCode::UNAUTHORIZED || !(presented || signed_in_wrong) {
        return response;
    }
    let Some(client) = client else {
        return response;
    };
    match limiter.record_failure(client, Instant::now()) {
        Verdict::Allowed => response,
        Verdict::Refused { retry_after, first } => {
            // Whole seconds, rounded up, and never 0.
            let seconds = (retry_after.as_millis().div_ceil(1000) as u64).max(1);
            if first {
                tracing::warn!(
                    client = %client_key(client),
                    limit = limiter.limit,
                    retry_after_s = seconds,
                    "too many failed authentications; refusing further failures from this address for the rest of the minute"
                );
            }
            too_many(seconds)
        }
    }
}

fn too_many(seconds: u64) -> Response {
    let message =
        format!("Too many failed authentications from this address; retry in {seconds} s.");
    let mut response = (
        StatusCode::TOO_MANY_REQUESTS,
        axum::Json(serde_json::json!({ "errors": [{ "message": message }] })),
    )
        .into_response();
    response
        .headers_mut()
        .insert(RETRY_AFTER, HeaderValue::from(seconds));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn failures_beyond_the_limit_are_refused_until_the_window_ends() {
        let limiter = AuthFailureLimiter::new(3);
        let t0 = Instant::now();
        let client = ip("192.0.2.1");
        for _ in 0..3 {
            assert_eq!(limiter.record_failure(client, t0), Verdict::Allowed);
        }
        let later = t0 + Duration::from_secs(20);
        assert_eq!(
            limiter.record_failure(client, later),
            Verdict::Refused {
                retry_after: Duration::from_secs(40),
                first: true
            }
        );
        assert!(matches!(
            limiter.record_failure(client, later),
            Verdict::Refused { first: false, .. }
        ));
        // Another address has its own count.
        assert_eq!(
            limiter.record_failure(ip("192.0.2.2"), later),
            Verdict::Allowed
        );
        // A new window starts afresh.
        assert_eq!(
            limiter.record_failure(client, t0 + WINDOW),
            Verdict::Allowed
        );
    }

    #[test]
    fn zero_means_no_limit() {
        let limiter = AuthFailureLimiter::new(0);
        let now = Instant::now();
        for _ in 0..1000 {
            assert_eq!(
                limiter.record_failure(ip("192.0.2.1"), now),
                Verdict::Allowed
            );
        }
        assert_eq!(limiter.tracked(), 0);
    }

    #[test]
    fn ipv6_counts_by_network_and_mapped_ipv4_as_ipv4() {
        assert_eq!(
            client_key(ip("2001:db8:1:2:aaaa::1")),
            client_key(ip("2001:db8:1:2:bbbb::2"))
        );
        assert_ne!(
            client_key(ip("2001:db8:1:2::1")),
            client_key(ip("2001:db8:1:3::1"))
        );
        assert_eq!(client_key(ip("::ffff:192.0.2.1")), ip("192.0.2.1"));
    }

    #[test]
    fn memory_stays_bounded() {
        let limiter = AuthFailureLimiter::new(1);
        let t0 = Instant::now();
        for i in 0..(MAX_TRACKED as u32 + 500) {
            let client = IpAddr::from(std::net::Ipv4Addr::from(0x0a00_0000 + i));
            limiter.record_failure(client, t0 + Duration::from_millis(u64::from(i)));
        }
        assert_eq!(limiter.tracked(), MAX_TRACKED);
        // The newest address is still counted, the oldest forgotten.
        let newest = IpAddr::from(std::net::Ipv4Addr::from(
            0x0a00_0000 + MAX_TRACKED as u32 + 499,
        ));
        let now = t0 + Duration::from_secs(11);
        assert!(matches!(
            limiter.record_failure(newest, now),
            Verdict::Refused { .. }
        ));
        // Once windows expire, they make room before anything is evicted.
        let much_later = t0 + WINDOW * 2;
        limiter.record_failure(ip("192.0.2.9"), much_later);
        assert_eq!(limiter.tracked(), 1);
    }
}
