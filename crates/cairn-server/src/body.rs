//! The one place an axum [`Body`] becomes a `cairn_core::blob::ByteStream`
//! and back: blob storage is written against streams of bytes (so it can
//! be a local directory or an object store), and only this edge knows the
//! HTTP body type.

use axum::body::{Body, HttpBody};
use cairn_core::blob::ByteStream;
use futures_util::StreamExt;

/// A request body as a byte stream, with its exact length if declared.
pub fn into_stream(body: Body) -> (ByteStream, Option<u64>) {
    let len = HttpBody::size_hint(&body).exact();
    let stream = body
        .into_data_stream()
        .map(|chunk| chunk.map_err(std::io::Error::other))
        .boxed();
    (stream, len)
}

/// A response body streaming `bytes`.
pub fn from_stream(bytes: ByteStream) -> Body {
    Body::from_stream(bytes)
}
