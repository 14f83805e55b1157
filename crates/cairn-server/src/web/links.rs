//! The URLs pages link to, built in one place: W&B's URL scheme
//! (`/ENTITY/PROJECT/runs/ID`, …) with every user-chosen segment
//! percent-encoded, and the `Content-Disposition` of downloads.

use axum::http::{HeaderValue, header};
use axum::response::Response;
use cairn_core::run::Run;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

/// What a segment keeps as is: letters, digits and RFC 3986's other
/// unreserved characters, so `train-data` reads as itself in the address bar.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// One path segment (or query value), percent-encoded.
pub fn enc(text: &str) -> String {
    utf8_percent_encode(text, SEGMENT).to_string()
}

/// A path of several segments (`media/images/x.png`), each encoded.
pub fn enc_path(path: &str) -> String {
    path.split('/').map(enc).collect::<Vec<_>>().join("/")
}

/// A run's page.
pub fn run_href(run: &Run) -> String {
    format!(
        "/{}/{}/runs/{}",
        run.entity_name,
        run.project_name,
        enc(&run.name)
    )
}

/// Make `response` a download of a file named `name` (its last segment),
/// never shown inline: an uploaded HTML file must not run as a page of
/// this site.
pub fn attachment(response: &mut Response, name: &str) {
    let leaf = name.rsplit('/').next().unwrap_or("file");
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename*=UTF-8''{}", enc(leaf)))
    {
        response
            .headers_mut()
            .insert(header::CONTENT_DISPOSITION, value);
    }
}
