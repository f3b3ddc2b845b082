//! Header names without a parser: the table of names the wasm32 build recognizes, and the
//! RFC 9110 token check. A leaf module.

/// Names the wasm32 build recognizes without a parser. Everything the client itself reads
/// or writes is here.
static KNOWN_HEADERS: [http::HeaderName; 31] = [
    http::header::ACCEPT,
    http::header::ACCEPT_ENCODING,
    http::header::ACCEPT_RANGES,
    http::header::AGE,
    http::header::AUTHORIZATION,
    http::header::CACHE_CONTROL,
    http::header::CONNECTION,
    http::header::CONTENT_DISPOSITION,
    http::header::CONTENT_ENCODING,
    http::header::CONTENT_LANGUAGE,
    http::header::CONTENT_LENGTH,
    http::header::CONTENT_LOCATION,
    http::header::CONTENT_RANGE,
    http::header::CONTENT_TYPE,
    http::header::DATE,
    http::header::ETAG,
    http::header::EXPIRES,
    http::header::IF_MATCH,
    http::header::IF_NONE_MATCH,
    http::header::LAST_MODIFIED,
    http::header::LINK,
    http::header::LOCATION,
    http::header::RANGE,
    http::header::RETRY_AFTER,
    http::header::SERVER,
    http::header::TRANSFER_ENCODING,
    http::header::VARY,
    http::header::WWW_AUTHENTICATE,
    http::HeaderName::from_static("x-for-request-id"),
    http::HeaderName::from_static("x-taskcluster-trace-id"),
    http::HeaderName::from_static("x-taskcluster-artifact-storage-type"),
];

/// True for a valid header name (an RFC 9110 token).
pub(crate) fn is_header_token(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// `name` from the table of known names, compared case-insensitively, without a parser.
pub(crate) fn known_header(name: &str) -> Option<http::HeaderName> {
    KNOWN_HEADERS
        .iter()
        .find(|h| h.as_str().eq_ignore_ascii_case(name))
        .cloned()
}
