//! Fault injection rules and the request log (test-support data types).

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A fault rule: requests matching `method` (if set) and `path_prefix` get `action`, `times`
/// times (0 = forever). Rules are tried in the order they were added; the first match wins.
///
/// `pathPrefix` is compared with the **raw** request target (path and query exactly as
/// received, still percent-encoded), so `/api/secrets/v1/secret/a%2Fb` matches a secret named
/// `a/b`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Fault {
    /// HTTP method to match (case-insensitive); `None` matches any method.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// Raw request-target prefix to match (default `/`, i.e. everything).
    #[serde(default = "default_prefix")]
    pub path_prefix: String,
    /// How many matching requests get the fault (default 1; 0 = forever).
    #[serde(default = "default_times")]
    pub times: u32,
    /// What to do.
    pub action: FaultAction,
}

fn default_prefix() -> String {
    "/".to_string()
}
fn default_times() -> u32 {
    1
}

impl Fault {
    /// A fault matching `path_prefix` (any method), applied once.
    pub fn new(path_prefix: impl Into<String>, action: FaultAction) -> Fault {
        Fault {
            method: None,
            path_prefix: path_prefix.into(),
            times: 1,
            action,
        }
    }

    /// Restrict to one HTTP method.
    pub fn method(mut self, method: impl Into<String>) -> Fault {
        self.method = Some(method.into());
        self
    }

    /// Apply `times` times (0 = forever).
    pub fn times(mut self, times: u32) -> Fault {
        self.times = times;
        self
    }
}

/// What a fault does. JSON is tagged by `kind` (camelCase).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum FaultAction {
    /// Answer with this status (and body, default: a Taskcluster error body for the status)
    /// instead of running the handler.
    Status {
        /// HTTP status code.
        status: u16,
        /// JSON body; default is `{code, message, requestInfo}` for the status.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        body: Option<serde_json::Value>,
        /// Extra response headers.
        #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
        headers: BTreeMap<String, String>,
    },
    /// Abort the TCP connection (RST) without sending a response.
    Reset,
    /// Wait `ms` milliseconds, then answer normally.
    Delay {
        /// Delay in milliseconds.
        ms: u64,
    },
    /// Never answer (until the server shuts down).
    Hang,
    /// Run the handler, send the headers with the real `Content-Length`, then only `bytes`
    /// body bytes, then abort the connection.
    Truncate {
        /// Body bytes to send before aborting.
        bytes: u64,
    },
    /// An HTML error page with `content-type: text/html`, as a proxy would send.
    Html {
        /// HTTP status (e.g. 403, 502).
        status: u16,
    },
    /// Object service: on a storage GET, serve bytes that differ from the stored hashes (one
    /// byte flipped, same length); on `startDownload`/`object` (metadata) calls, report wrong
    /// hashes (first hex digit changed).
    WrongHash,
    /// Object service: on `startDownload`/`createUpload`/`download` and on queue
    /// `createArtifact`/`getArtifact`/`artifact` calls, mint a storage URL that has already
    /// expired; on a storage request, treat its URL as expired (403).
    ExpireUrl,
    /// Storage GET: ignore any `Range` header and answer 200 with the whole body, as servers
    /// that do not support ranges do.
    IgnoreRange,
    /// Storage GET with a `Range` header: answer 206 from byte `start` instead of the offset
    /// asked for (`Content-Range` and the body agree with `start`, not with the request). A
    /// request without `Range` is served normally.
    WrongContentRange {
        /// The offset actually served.
        start: u64,
    },
    /// Send the response body at most `bytesPerSecond` bytes per second for the first `ms`
    /// milliseconds after the handler answered, then as fast as the client reads (the body
    /// stays streamed: nothing is buffered).
    #[serde(rename_all = "camelCase")]
    Throttle {
        /// Rate limit while throttled.
        bytes_per_second: u64,
        /// How long the throttle lasts, in milliseconds.
        ms: u64,
    },
}

/// The Hawk attributes of a logged request (never the MAC or any token).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(rename_all = "camelCase")]
pub struct HawkInfo {
    /// `id` attribute.
    pub id: String,
    /// `ts` attribute (seconds).
    pub ts: String,
    /// `nonce` attribute.
    pub nonce: String,
    /// `hash` attribute, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hash: Option<String>,
    /// `ext` attribute, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ext: Option<String>,
}

/// One entry of the request log.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(rename_all = "camelCase")]
pub struct RequestRecord {
    /// HTTP method.
    pub method: String,
    /// Raw request target (path + query exactly as received).
    pub url: String,
    /// Parsed Hawk header attributes, or `null` if there was no (parsable) Hawk header.
    pub hawk: Option<HawkInfo>,
    /// Whether the URL carried a `bewit=` query parameter.
    pub bewit: bool,
    /// Response status (0 if no response was sent: reset or hang).
    pub status: u16,
    /// Authenticated clientId, if authentication succeeded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// Authentication failure message, if it failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_error: Option<String>,
    /// Request `Content-Type`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// Request `Content-Length` header.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_length: Option<u64>,
    /// `x-taskcluster-trace-id` request header.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace_id: Option<String>,
    /// `Content-Encoding` request header.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_encoding: Option<String>,
    /// `Transfer-Encoding` request header (uploads must not be chunked).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transfer_encoding: Option<String>,
    /// `Range` request header.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub range: Option<String>,
    /// Bytes of request body received.
    pub body_length: u64,
    /// Hex SHA-256 of the request body: of every buffered (API) body, and of a storage PUT
    /// body once it was received completely; `None` otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body_sha256: Option<String>,
    /// Whether a fault rule was applied.
    pub faulted: bool,
}
