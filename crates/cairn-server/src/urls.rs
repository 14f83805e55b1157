//! The URL paths the server hands out: signed upload and download paths of
//! artifact bytes and the paths of run files.
//!
//! They live apart from the handlers that serve them so that GraphQL
//! resolvers (which build URLs) and HTTP handlers (which serve them) both
//! depend on this module instead of on each other.

use std::time::Duration;

use cairn_core::run::Run;
use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};

/// How long a download URL works.
pub const DOWNLOAD_URL_LIFETIME: Duration = Duration::from_secs(60 * 60);

/// The upload path of a digest's bytes for one pending artifact: the
/// upload proves that artifact's entries with this digest.
pub fn blob_upload_path(artifact_id: i64, md5_hex: &str) -> String {
    format!("/cairn/v1/artifacts/{artifact_id}/files/{md5_hex}")
}

/// The path a download URL's signature covers.
pub(crate) fn blob_signed_path(md5_hex: &str) -> String {
    format!("/cairn/v1/artifact-blobs/{md5_hex}")
}

/// Characters escaped in the cosmetic file-name segment (all but RFC 3986's
/// unreserved ones).
const NAME_SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// The download URL path of a digest's bytes, and the path its signature
/// covers. The URL ends in the file's name for clients that save under the
/// last segment; the signature leaves that segment out, so however a client
/// re-encodes the name the URL still works.
pub fn blob_download_path(md5_hex: &str, name: &str) -> (String, String) {
    let file = name.rsplit('/').next().unwrap_or("file");
    let file = percent_encoding::utf8_percent_encode(file, NAME_SEGMENT);
    let signed = blob_signed_path(md5_hex);
    (format!("{signed}/{file}"), signed)
}

/// The upload path of an artifact's manifest.
pub fn manifest_upload_path(artifact_id: i64, md5_hex: &str) -> String {
    format!("/cairn/v1/artifacts/{artifact_id}/manifest/{md5_hex}")
}

/// The upload path of one part of a multipart upload.
pub fn part_upload_path(upload_id: &str, part: i64) -> String {
    format!("/cairn/v1/artifact-uploads/{upload_id}/{part}")
}

/// Characters escaped in a path segment.
const SEGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'/')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}');

/// The path of a run file's URL, each segment percent-encoded.
pub fn file_path(run: &Run, name: &str) -> String {
    let segments: Vec<String> = [&run.entity_name, &run.project_name, &run.name]
        .into_iter()
        .map(String::as_str)
        .chain(name.split('/'))
        .map(|s| utf8_percent_encode(s, SEGMENT).to_string())
        .collect();
    format!("/files/{}", segments.join("/"))
}

/// The download path of a run's compacted history file `seq` (handed out
/// signed by `parquetHistory`).
pub fn history_file_path(run_id: i64, seq: i64) -> String {
    format!("/cairn/v1/history-files/{run_id}/{seq}.parquet")
}
