//! The blob store's records (the bytes are files under the data directory).

/// Metadata of one stored blob (the bytes are in a file named after the key).
#[derive(Debug, Clone)]
pub(crate) struct Blob {
    /// Stored length in bytes (as stored, i.e. possibly gzip-encoded).
    pub(crate) len: u64,
    /// `Content-Type` to serve, if any.
    pub(crate) content_type: Option<String>,
    /// `Content-Encoding` to serve, if any (replayed verbatim, `identity` included).
    pub(crate) content_encoding: Option<String>,
    /// `Content-Disposition` to serve, if any.
    pub(crate) content_disposition: Option<String>,
    /// Hex SHA-256 of the stored bytes.
    pub(crate) sha256: String,
    /// Hex SHA-512 of the stored bytes.
    pub(crate) sha512: String,
}
