//! One HTTP `Range` on a stored body: artifact files and history files are
//! served through here, so both answer `bytes=a-b`, `bytes=a-` and the
//! suffix form `bytes=-n` with 206 and `Content-Range`, an unsatisfiable
//! range with 416, and no `Range` with 200 and the whole body.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use cairn_core::blob::ByteStream;

use crate::body;

/// A `Range` the body cannot satisfy; answered 416 with the body's size.
pub(crate) struct Unsatisfiable(u64);

impl IntoResponse for Unsatisfiable {
    fn into_response(self) -> Response {
        let mut response = StatusCode::RANGE_NOT_SATISFIABLE.into_response();
        if let Ok(v) = HeaderValue::from_str(&format!("bytes */{}", self.0)) {
            response.headers_mut().insert(header::CONTENT_RANGE, v);
        }
        response
    }
}

/// What the request's `Range` asks of a `size`-byte body: `Ok(None)` the
/// whole body, `Ok(Some((start, len)))` a part.
pub(crate) fn requested(
    headers: &HeaderMap,
    size: u64,
) -> Result<Option<(u64, u64)>, Unsatisfiable> {
    let Some(range) = headers.get(header::RANGE).and_then(|v| v.to_str().ok()) else {
        return Ok(None);
    };
    match parse_range(range, size) {
        Some((start, end)) => Ok(Some((start, end - start + 1))),
        None => Err(Unsatisfiable(size)),
    }
}

/// The answer carrying `bytes`: the whole `size`-byte body (200) or the
/// `part` of it (206, with `Content-Range`).
pub(crate) fn respond(part: Option<(u64, u64)>, size: u64, bytes: ByteStream) -> Response {
    let (status, len) = match part {
        None => (StatusCode::OK, size),
        Some((_, len)) => (StatusCode::PARTIAL_CONTENT, len),
    };
    let mut response = (status, body::from_stream(bytes)).into_response();
    let h = response.headers_mut();
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    if let Some((start, len)) = part
        && let Ok(v) = HeaderValue::from_str(&format!("bytes {start}-{}/{size}", start + len - 1))
    {
        h.insert(header::CONTENT_RANGE, v);
    }
    response
}

/// A single `bytes=a-b`, `bytes=a-` or `bytes=-n` range within `size`;
/// `None` if unsatisfiable or malformed.
fn parse_range(header: &str, size: u64) -> Option<(u64, u64)> {
    let spec = header.trim().strip_prefix("bytes=")?;
    if spec.contains(',') || size == 0 {
        return None;
    }
    let (a, b) = spec.split_once('-')?;
    let (start, end) = match (a.trim(), b.trim()) {
        ("", n) => {
            let n: u64 = n.parse().ok()?;
            (size.saturating_sub(n), size - 1)
        }
        (a, "") => (a.parse().ok()?, size - 1),
        (a, b) => (a.parse().ok()?, b.parse::<u64>().ok()?.min(size - 1)),
    };
    (start <= end && start < size).then_some((start, end))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        assert_eq!(parse_range("bytes=0-9", 100), Some((0, 9)));
        assert_eq!(parse_range("bytes=90-", 100), Some((90, 99)));
        assert_eq!(parse_range("bytes=-10", 100), Some((90, 99)));
        assert_eq!(parse_range("bytes=50-500", 100), Some((50, 99)));
        assert_eq!(parse_range("bytes=100-", 100), None);
        assert_eq!(parse_range("bytes=5-1", 100), None);
        assert_eq!(parse_range("bytes=0-1,3-4", 100), None);
        assert_eq!(parse_range("items=0-1", 100), None);
    }
}
