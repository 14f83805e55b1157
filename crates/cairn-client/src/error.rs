//! The client's error type.

/// Everything that can go wrong talking to a server.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The client is misconfigured (missing or malformed key, bad URL).
    #[error("invalid configuration: {0}")]
    Config(String),
    /// The server refused the credentials.
    #[error("unauthorized: {0}")]
    Unauthorized(String),
    /// The server answered with GraphQL errors; the messages, joined by "; ".
    #[error("{0}")]
    Api(String),
    /// The named thing does not exist (or is hidden from the caller).
    #[error("{what} {name:?} not found")]
    NotFound {
        /// What kind of thing ("API key", "team", …).
        what: &'static str,
        /// Its name.
        name: String,
    },
    /// Waiting for something (a queued run to start or finish) took longer
    /// than the caller allowed.
    #[error("timed out: {0}")]
    Timeout(String),
    /// The server answered with an unexpected HTTP status.
    #[error("HTTP {status}: {body}")]
    Http {
        /// The status code.
        status: u16,
        /// The start of the body.
        body: String,
    },
    /// The request did not get through.
    #[error("transport error: {0}")]
    Transport(#[from] reqwest::Error),
    /// The answer did not have the expected shape.
    #[error("unexpected response: {0}")]
    Decode(String),
    /// An artifact is not of the type the caller named (Python raises
    /// `ValueError`).
    #[error("type {expected:?} specified but artifact {name} is of type {actual:?}")]
    TypeMismatch {
        /// The artifact or collection, as named.
        name: String,
        /// The type the caller asked for.
        expected: String,
        /// The type it has.
        actual: String,
    },
    /// Downloaded bytes do not match the digest the manifest records; the
    /// file was not kept.
    #[error("{path} arrived with MD5 {actual}, the manifest records {expected}")]
    DigestMismatch {
        /// The file's path in the artifact.
        path: String,
        /// The base64 MD5 the manifest records.
        expected: String,
        /// The base64 MD5 of the bytes that arrived.
        actual: String,
    },
    /// A local file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: std::path::PathBuf,
        /// What went wrong.
        source: std::io::Error,
    },
}

impl Error {
    pub(crate) fn io(path: &std::path::Path, source: std::io::Error) -> Error {
        Error::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// Result alias for client calls.
pub type Result<T, E = Error> = std::result::Result<T, E>;
