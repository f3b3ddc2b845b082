//! The crate's one error type.

use std::fmt;

use serde_json::Value;

use crate::transport::{TransportError, TransportErrorKind};

/// What kind of failure an [`Error`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Bad input (arguments, options, credentials, a time expression…), found before any
    /// network I/O. Nothing was sent.
    InvalidInput,
    /// The per-attempt timeout fired on the last attempt. The request may have been sent.
    Timeout,
    /// The connection failed (refused, reset, truncated…). The request may have been sent,
    /// unless the connection was never established.
    Network,
    /// The server answered with an error status (4xx or 5xx).
    Http,
    /// The response could not be decoded as expected.
    Decode,
    /// Downloaded data did not match its expected hashes or length.
    Integrity,
    /// An artifact cannot be downloaded: an `error` artifact, a refused `reference`, an
    /// unsupported storage type. [`Error::code`] says which.
    Artifact,
}

/// The body of an HTTP error response.
#[derive(Debug, Clone, PartialEq)]
pub enum ErrorBody {
    /// A JSON body, normally Taskcluster's `{code, message, requestInfo}`.
    Json(Value),
    /// Anything else (an HTML page from a proxy, say), as text.
    Text(String),
}

/// Every error this crate returns.
///
/// It answers what callers ask: [`kind`](Error::kind), [`status`](Error::status),
/// [`code`](Error::code) (Taskcluster's error code, or a system code such as `ECONNRESET`, or
/// `ECONNABORTED` for a timeout), [`message`](Error::message), the error [`body`](Error::body)
/// and its [`request_info`](Error::request_info), and whether the request
/// [may have been sent](Error::may_have_been_sent). It never contains an access token.
pub struct Error {
    inner: Box<Inner>,
}

struct Inner {
    kind: ErrorKind,
    message: String,
    status: Option<u16>,
    code: Option<String>,
    body: Option<ErrorBody>,
    method: Option<String>,
    url: Option<String>,
    attempts: u32,
    sent: bool,
    reason: Option<String>,
    request_id: Option<String>,
    /// Raised by a caller-supplied implementation of a transfer seam (a JS client's method),
    /// which keeps the original.
    external: bool,
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl Error {
    fn new(kind: ErrorKind, message: String) -> Self {
        Error {
            inner: Box::new(Inner {
                kind,
                message,
                status: None,
                code: None,
                body: None,
                method: None,
                url: None,
                attempts: 0,
                sent: false,
                reason: None,
                request_id: None,
                external: false,
                source: None,
            }),
        }
    }

    /// An [`ErrorKind::InvalidInput`] error: the message names what is wrong.
    pub fn invalid_input(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidInput, message.into())
    }

    /// An [`ErrorKind::Decode`] error.
    pub fn decode(message: impl Into<String>) -> Self {
        let mut e = Self::new(ErrorKind::Decode, message.into());
        e.inner.sent = true;
        e
    }

    /// An [`ErrorKind::Integrity`] error.
    pub fn integrity(message: impl Into<String>) -> Self {
        let mut e = Self::new(ErrorKind::Integrity, message.into());
        e.inner.sent = true;
        e
    }

    /// The failure of a call made through a caller-supplied seam, whose own error value is kept
    /// by the seam (the JS package rejects with it unchanged).
    #[cfg_attr(not(feature = "js"), allow(dead_code))]
    pub(crate) fn external(message: impl Into<String>) -> Self {
        let mut e = Self::new(ErrorKind::Decode, message.into());
        e.inner.external = true;
        e.inner.sent = true;
        e
    }

    /// Whether this error stands for a caller-supplied seam's own error.
    #[cfg_attr(not(feature = "js"), allow(dead_code))]
    pub(crate) fn is_external(&self) -> bool {
        self.inner.external
    }

    /// An [`ErrorKind::Artifact`] error with a code such as `ArtifactError`.
    pub fn artifact(code: &str, message: &str) -> Self {
        let mut e = Self::new(ErrorKind::Artifact, message.to_string());
        e.inner.code = Some(code.to_string());
        e
    }

    /// Attaches an error artifact's reason.
    pub fn with_reason(mut self, reason: &str) -> Self {
        self.inner.reason = Some(reason.to_string());
        self
    }

    /// Attaches the server's request ID (`x-for-request-id`).
    pub(crate) fn with_request_id(mut self, id: Option<&str>) -> Self {
        self.inner.request_id = id.map(str::to_owned);
        self
    }

    /// The server's ID for the failed request (`x-for-request-id`), when the host could read it
    /// (browsers cannot: Taskcluster does not expose the header to CORS requests).
    pub fn request_id(&self) -> Option<&str> {
        self.inner.request_id.as_deref()
    }

    /// The reason of an `error` artifact (`file-missing-on-worker`, …).
    pub fn reason(&self) -> Option<&str> {
        self.inner.reason.as_deref()
    }

    /// An HTTP error from a status and the response body, following the Node client: the
    /// message is the body's `message` (else a default for the status) and the code is the
    /// body's `code` (else `UnknownError`).
    pub fn http(status: u16, body: &[u8]) -> Self {
        let body = match serde_json::from_slice::<Value>(body) {
            Ok(v) => ErrorBody::Json(v),
            Err(_) => ErrorBody::Text(String::from_utf8_lossy(body).into_owned()),
        };
        let field = |name: &str| match &body {
            ErrorBody::Json(v) => v.get(name).and_then(Value::as_str).map(str::to_owned),
            ErrorBody::Text(_) => None,
        };
        let message = field("message")
            .filter(|m| !m.is_empty())
            .unwrap_or_else(|| {
                match status {
                    401 => "Authentication Error",
                    500 => "Internal Server Error",
                    _ => "Unknown Server Error",
                }
                .to_string()
            });
        let code = field("code").unwrap_or_else(|| "UnknownError".to_string());
        let mut e = Self::new(ErrorKind::Http, message);
        e.inner.status = Some(status);
        e.inner.code = Some(code);
        e.inner.body = Some(body);
        e.inner.sent = true;
        e
    }

    /// An HTTP error from a storage server (a presigned or artifact URL, not a Taskcluster
    /// service): "Request failed with status code 403 (Forbidden): PUT https://host/path", with
    /// the code `ERR_NON_2XX_3XX_RESPONSE` (as the official client's HTTP library) unless the
    /// body is JSON with a `code`. `url` must already be without its query.
    pub(crate) fn storage(status: u16, body: &[u8], method: &str, url: &str) -> Self {
        let mut e = Self::http(status, body);
        // The statuses storage servers answer with (a short table: the whole IANA list would
        // grow the WebAssembly module).
        let reason = match status {
            400 => "Bad Request",
            401 => "Unauthorized",
            403 => "Forbidden",
            404 => "Not Found",
            409 => "Conflict",
            410 => "Gone",
            416 => "Range Not Satisfiable",
            429 => "Too Many Requests",
            500 => "Internal Server Error",
            502 => "Bad Gateway",
            503 => "Service Unavailable",
            504 => "Gateway Timeout",
            _ if status < 500 => "Client Error",
            _ => "Server Error",
        };
        e.inner.message =
            format!("Request failed with status code {status} ({reason}): {method} {url}");
        if e.inner.code.as_deref() == Some("UnknownError") {
            e.inner.code = Some("ERR_NON_2XX_3XX_RESPONSE".to_string());
        }
        e.with_request(method, url)
    }

    /// Attaches the underlying cause.
    pub fn with_source(
        mut self,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        self.inner.source = Some(source.into());
        self
    }

    /// Records the failed request. The URL is kept without its query and fragment, where
    /// bewits and presigned-URL signatures travel.
    pub(crate) fn with_request(mut self, method: &str, url: &str) -> Self {
        self.inner.method = Some(method.to_string());
        self.inner.url = Some(without_query(url).to_string());
        self
    }

    /// Appends what happened next to the message.
    pub(crate) fn with_context(mut self, context: &str) -> Self {
        self.inner.message.push_str("; ");
        self.inner.message.push_str(context);
        self
    }

    pub(crate) fn with_attempts(mut self, attempts: u32) -> Self {
        self.inner.attempts = attempts;
        self
    }

    /// The kind of failure.
    pub fn kind(&self) -> ErrorKind {
        self.inner.kind
    }

    /// The HTTP status, for [`ErrorKind::Http`].
    pub fn status(&self) -> Option<u16> {
        self.inner.status
    }

    /// The error code: Taskcluster's `code` for HTTP errors (`UnknownError` when the body has
    /// none), `ECONNABORTED` for timeouts, a system code such as `ECONNRESET` for network
    /// errors when the host reports one.
    pub fn code(&self) -> Option<&str> {
        self.inner.code.as_deref()
    }

    /// The message. For HTTP errors it is the server's message, unchanged.
    pub fn message(&self) -> &str {
        &self.inner.message
    }

    /// The HTTP error body, parsed as JSON when it is JSON.
    pub fn body(&self) -> Option<&ErrorBody> {
        self.inner.body.as_ref()
    }

    /// The `requestInfo` of a Taskcluster error body: method name, params, payload and time.
    pub fn request_info(&self) -> Option<&Value> {
        match &self.inner.body {
            Some(ErrorBody::Json(v)) => v.get("requestInfo"),
            _ => None,
        }
    }

    /// The HTTP method and URL of the failed request, when there was one.
    pub fn request(&self) -> Option<(&str, &str)> {
        Some((self.inner.method.as_deref()?, self.inner.url.as_deref()?))
    }

    /// How many attempts were made (0 when the error came before any).
    pub fn attempts(&self) -> u32 {
        self.inner.attempts
    }

    /// Whether the server may have received the request (and acted on it). False for input
    /// errors and for connections that were never established.
    pub fn may_have_been_sent(&self) -> bool {
        self.inner.sent
    }

    /// Whether trying again could help: timeouts, network errors and 5xx statuses.
    pub fn is_retryable(&self) -> bool {
        match self.inner.kind {
            ErrorKind::Timeout | ErrorKind::Network => true,
            ErrorKind::Http => self.inner.status.is_some_and(|s| s >= 500),
            _ => false,
        }
    }

    /// True for [`ErrorKind::Timeout`].
    pub fn is_timeout(&self) -> bool {
        self.inner.kind == ErrorKind::Timeout
    }
}

impl From<TransportError> for Error {
    fn from(t: TransportError) -> Self {
        let (kind, sent) = match t.kind() {
            TransportErrorKind::Timeout => (ErrorKind::Timeout, true),
            TransportErrorKind::Connect => (ErrorKind::Network, false),
            TransportErrorKind::Network => (ErrorKind::Network, true),
            TransportErrorKind::Request => (ErrorKind::InvalidInput, false),
            #[allow(unreachable_patterns)]
            _ => (ErrorKind::Network, true),
        };
        // Transports may name the URL in their messages (reqwest does, and so does Node's
        // fetch for a URL it cannot parse): secrets in its query go.
        let (message, clean) = match redact_text(t.message()) {
            std::borrow::Cow::Borrowed(m) => (m.to_string(), true),
            std::borrow::Cow::Owned(m) => (m, false),
        };
        let mut e = Error::new(kind, message);
        e.inner.code = t.code().map(str::to_owned);
        if kind == ErrorKind::Timeout {
            e.inner.code = Some("ECONNABORTED".to_string());
        }
        e.inner.sent = sent;
        // A source whose message held a secret is not kept (its Display and Debug would
        // show it); such messages come from URLs, and have no source of their own.
        if clean {
            e.inner.source = Some(Box::new(t));
        }
        e
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Error");
        d.field("kind", &self.inner.kind)
            .field("message", &self.inner.message);
        if let Some(s) = self.inner.status {
            d.field("status", &s);
        }
        if let Some(c) = &self.inner.code {
            d.field("code", c);
        }
        if let (Some(m), Some(u)) = (&self.inner.method, &self.inner.url) {
            d.field("request", &format_args!("{m} {u}"));
        }
        if self.inner.attempts > 0 {
            d.field("attempts", &self.inner.attempts);
        }
        if let Some(s) = &self.inner.source {
            d.field("source", s);
        }
        d.finish()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &self.inner;
        match i.kind {
            ErrorKind::Http => write!(
                f,
                "HTTP {} {}",
                i.status.unwrap_or_default(),
                i.code.as_deref().unwrap_or("UnknownError")
            )?,
            ErrorKind::InvalidInput => f.write_str("invalid input")?,
            ErrorKind::Timeout => f.write_str("timed out (ECONNABORTED)")?,
            ErrorKind::Network => match &i.code {
                Some(c) => write!(f, "network error ({c})")?,
                None => f.write_str("network error")?,
            },
            ErrorKind::Decode => f.write_str("could not decode the response")?,
            ErrorKind::Integrity => f.write_str("integrity check failed")?,
            ErrorKind::Artifact => write!(f, "artifact ({})", i.code.as_deref().unwrap_or("?"))?,
        }
        if let (Some(m), Some(u)) = (&i.method, &i.url) {
            write!(f, " for {m} {u}")?;
        }
        if i.attempts > 1 {
            write!(f, " after {} attempts", i.attempts)?;
        }
        write!(f, ": {}", i.message)
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.inner
            .source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

/// `url` without its query and fragment: what errors show of a URL, since a query may hold a
/// bewit or a presigned URL's signature, which work as credentials until they expire.
pub(crate) fn without_query(url: &str) -> &str {
    url.find(['?', '#']).map_or(url, |i| &url[..i])
}

/// Query parameters whose values work as credentials (compared without case): bewits and
/// the signatures and session tokens of presigned storage URLs.
const SECRET_PARAMS: [&str; 5] = [
    "bewit=",
    "signature=",
    "x-amz-signature=",
    "x-amz-security-token=",
    "sig=",
];

/// `text` with the value of every credential-like query parameter (`?bewit=…`, `&sig=…`, …)
/// replaced by `…`; borrowed when there is none. Transport messages go through it, so a signed
/// URL that a transport names (reqwest does, and Node's fetch for a URL it cannot parse) shows
/// no secret; the client's own messages show URLs without their query.
pub(crate) fn redact_text(text: &str) -> std::borrow::Cow<'_, str> {
    let bytes = text.as_bytes();
    let mut out = String::new();
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        if matches!(bytes[i], b'?' | b'&') {
            let rest = &bytes[i + 1..];
            if let Some(name) = SECRET_PARAMS.iter().find(|n| {
                rest.len() >= n.len() && rest[..n.len()].eq_ignore_ascii_case(n.as_bytes())
            }) {
                let value = i + 1 + name.len();
                let end = bytes[value..]
                    .iter()
                    .position(|b| {
                        matches!(b, b'&' | b'#' | b'"' | b'\'' | b'`' | b'<' | b'>' | b')')
                            || b.is_ascii_whitespace()
                    })
                    .map_or(bytes.len(), |n| value + n);
                // Only ASCII bytes are compared, so both ends are char boundaries.
                out.push_str(&text[copied..value]);
                out += "…"; // as a str: smaller than pushing the char
                copied = end;
                i = end;
                continue;
            }
        }
        i += 1;
    }
    if copied == 0 {
        return std::borrow::Cow::Borrowed(text);
    }
    out.push_str(&text[copied..]);
    std::borrow::Cow::Owned(out)
}

/// `Result<T, taskcluster_wasm::Error>`.
pub type Result<T, E = Error> = std::result::Result<T, E>;
