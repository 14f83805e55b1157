//! The webhook sender against a real receiver on `127.0.0.1:0`: the headers
//! and a signature checked independently of `webhook::sign`, each outcome,
//! and the allow-list enforced before anything connects.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::post;
use cairn_core::integration::AllowList;
use cairn_server::webhook::{Outcome, Sender, WebhookRequest};
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// What the receiver saw of the last request to `/ok`.
#[derive(Default)]
struct Seen {
    headers: Option<HeaderMap>,
    body: Vec<u8>,
    hits: usize,
}

/// A receiver: `/ok` records and answers 200 with a long body, `/boom`
/// 500, `/missing` 404, `/moved` a 302, `/slow` answers after 2 s.
async fn receiver() -> (u16, Arc<Mutex<Seen>>) {
    let seen = Arc::new(Mutex::new(Seen::default()));
    let record = seen.clone();
    let app = axum::Router::new()
        .route(
            "/ok",
            post(move |headers: HeaderMap, body: Bytes| {
                let record = record.clone();
                async move {
                    let mut seen = record.lock().unwrap();
                    seen.headers = Some(headers);
                    seen.body = body.to_vec();
                    seen.hits += 1;
                    "é".repeat(2000)
                }
            }),
        )
        .route(
            "/boom",
            post(|| async { (StatusCode::INTERNAL_SERVER_ERROR, "down") }),
        )
        .route("/missing", post(|| async { StatusCode::NOT_FOUND }))
        .route(
            "/moved",
            post(|| async {
                (
                    StatusCode::FOUND,
                    [(header::LOCATION, "http://169.254.169.254/latest")],
                )
                    .into_response()
            }),
        )
        .route(
            "/slow",
            post(|| async {
                tokio::time::sleep(Duration::from_secs(2)).await;
                "late"
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (port, seen)
}

fn sender(allow: &str) -> Sender {
    Sender::new(
        Arc::new(AllowList::parse(allow).unwrap()),
        Duration::from_millis(500),
    )
}

fn request(url: String) -> WebhookRequest {
    WebhookRequest {
        url,
        body: br#"{"event":"RUN_STATE","run":"r1"}"#.to_vec(),
        delivery_id: "dlv-0001".into(),
        event_type: "RUN_STATE".into(),
        signing_secret: None,
        access_token: None,
    }
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> &'a str {
    headers
        .get(name)
        .unwrap_or_else(|| panic!("no {name} header"))
        .to_str()
        .unwrap()
}

#[tokio::test]
async fn a_delivery_carries_its_headers_and_a_signature_the_receiver_can_check() {
    let (port, seen) = receiver().await;
    let mut req = request(format!("http://127.0.0.1:{port}/ok"));
    req.signing_secret = Some("whsec-test".into());
    req.access_token = Some("bearer-tok".into());
    let before = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let attempt = sender(&format!("127.0.0.1:{port}")).send(&req).await;
    assert_eq!(attempt.outcome, Outcome::Delivered, "{attempt:?}");
    assert_eq!(attempt.status, Some(200));
    assert_eq!(attempt.error, None);
    // At most 1 KiB kept, cut mid-character and replaced, never panicking.
    assert!(attempt.response_excerpt.len() <= 1024 + 3);
    assert!(attempt.response_excerpt.starts_with("éé"));

    let seen = seen.lock().unwrap();
    let headers = seen.headers.as_ref().unwrap();
    assert_eq!(seen.body, req.body);
    assert_eq!(header(headers, "content-type"), "application/json");
    assert!(header(headers, "user-agent").starts_with("cairn/"));
    assert_eq!(header(headers, "x-cairn-delivery"), "dlv-0001");
    assert_eq!(header(headers, "x-cairn-event"), "RUN_STATE");
    assert_eq!(header(headers, "authorization"), "Bearer bearer-tok");
    let timestamp = header(headers, "x-cairn-timestamp");
    let sent: u64 = timestamp.parse().unwrap();
    assert!(sent >= before && sent <= before + 5, "{sent} vs {before}");
    // What a receiver does: HMAC-SHA256 over "<timestamp>.<raw body>",
    // compared in constant time (`verify_slice`).
    let signature = header(headers, "x-cairn-signature");
    let hex = signature.strip_prefix("sha256=").unwrap();
    let given: Vec<u8> = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect();
    let mut mac = Hmac::<Sha256>::new_from_slice(b"whsec-test").unwrap();
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(&seen.body);
    mac.verify_slice(&given).expect("the signature verifies");
    assert_eq!(
        signature,
        cairn_server::webhook::sign("whsec-test", sent, &req.body)
    );
}

#[tokio::test]
async fn unsigned_deliveries_carry_no_signature_or_token() {
    let (port, seen) = receiver().await;
    let attempt = sender(&format!("127.0.0.1:{port}"))
        .send(&request(format!("http://127.0.0.1:{port}/ok")))
        .await;
    assert_eq!(attempt.outcome, Outcome::Delivered, "{attempt:?}");
    let seen = seen.lock().unwrap();
    let headers = seen.headers.as_ref().unwrap();
    assert!(headers.get("x-cairn-signature").is_none());
    assert!(headers.get("authorization").is_none());
}

#[tokio::test]
async fn server_errors_are_retried_and_other_answers_fail_for_good() {
    let (port, _) = receiver().await;
    let send = sender(&format!("127.0.0.1:{port}"));
    let url = |path: &str| format!("http://127.0.0.1:{port}{path}");

    let boom = send.send(&request(url("/boom"))).await;
    assert_eq!(
        (boom.outcome, boom.status),
        (Outcome::Retry, Some(500)),
        "{boom:?}"
    );
    assert_eq!(boom.response_excerpt, "down");

    let missing = send.send(&request(url("/missing"))).await;
    assert_eq!(
        (missing.outcome, missing.status),
        (Outcome::Failed, Some(404)),
        "{missing:?}"
    );

    // Not followed: the Location is reported, not visited.
    let moved = send.send(&request(url("/moved"))).await;
    assert_eq!(
        (moved.outcome, moved.status),
        (Outcome::Failed, Some(302)),
        "{moved:?}"
    );
    let error = moved.error.unwrap();
    assert!(error.contains("http://169.254.169.254/latest"), "{error}");
}

#[tokio::test]
async fn a_receiver_slower_than_the_timeout_is_retried() {
    let (port, _) = receiver().await;
    let attempt = sender(&format!("127.0.0.1:{port}"))
        .send(&request(format!("http://127.0.0.1:{port}/slow")))
        .await;
    assert_eq!(attempt.outcome, Outcome::Retry, "{attempt:?}");
    assert_eq!(attempt.status, None);
    assert!(
        (450..1900).contains(&attempt.elapsed_ms),
        "{}",
        attempt.elapsed_ms
    );
}

#[tokio::test]
async fn nothing_is_connected_to_when_the_allow_list_refuses_the_url() {
    let (allowed_port, _) = receiver().await;
    // A listener the list does not name: it must never see a connection.
    let refused = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let refused_port = refused.local_addr().unwrap().port();
    let send = sender(&format!("127.0.0.1:{allowed_port}"));
    let attempt = send
        .send(&request(format!("http://127.0.0.1:{refused_port}/ok")))
        .await;
    assert_eq!(attempt.outcome, Outcome::Failed, "{attempt:?}");
    assert!(attempt.error.unwrap().contains("allow-list"));
    let accepted = tokio::time::timeout(Duration::from_millis(200), refused.accept()).await;
    assert!(accepted.is_err(), "the refused URL was connected to");

    // Nor is a URL that is not a webhook URL at all.
    let attempt = send.send(&request("ftp://127.0.0.1/x".into())).await;
    assert_eq!(attempt.outcome, Outcome::Failed, "{attempt:?}");
}

#[tokio::test]
async fn a_name_resolving_to_loopback_needs_a_network_entry() {
    let (port, seen) = receiver().await;
    let url = format!("http://localhost:{port}/ok");

    // The name is allowed, but it resolves to an internal address.
    let attempt = sender(&format!("localhost:{port}"))
        .send(&request(url.clone()))
        .await;
    assert_eq!(attempt.outcome, Outcome::Failed, "{attempt:?}");
    let error = attempt.error.unwrap();
    assert!(
        error.contains("resolves to") && error.contains("CIDR"),
        "{error}"
    );
    assert_eq!(seen.lock().unwrap().hits, 0);

    // With the loopback networks allowed, it is delivered (to the address
    // checked: the receiver listens on 127.0.0.1 only).
    let attempt = sender(&format!("localhost:{port}, 127.0.0.0/8, ::1/128"))
        .send(&request(url))
        .await;
    assert_eq!(attempt.outcome, Outcome::Delivered, "{attempt:?}");
    assert_eq!(seen.lock().unwrap().hits, 1);
}
