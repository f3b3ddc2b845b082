//! The transport's shared types: the [`Transport`] trait, request and response bodies,
//! [`TransportError`] and the extensions requests and responses carry. A leaf module: it
//! imports nothing from `transport` or its children, which all build on it.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures_util::StreamExt;

use crate::platform::{BoxFuture, BoxStream, MaybeSend, MaybeSync};

/// The request a transport sends. The per-attempt timeout, if any, is the [`Timeout`] extension.
pub type HttpRequest = http::Request<Body>;
/// The response a transport returns; its body is a stream.
pub type HttpResponse = http::Response<ResponseBody>;
/// What [`Transport::send`] returns.
pub type TransportFuture<'a> = BoxFuture<'a, Result<HttpResponse, TransportError>>;

/// Sends HTTP requests. Object-safe; `Send + Sync` on native targets only.
pub trait Transport: MaybeSend + MaybeSync + fmt::Debug {
    /// Sends one request (one attempt). Must not follow redirects: a 3xx is returned as is.
    fn send(&self, request: HttpRequest) -> TransportFuture<'_>;
}

impl<T: Transport + ?Sized> Transport for Arc<T> {
    fn send(&self, request: HttpRequest) -> TransportFuture<'_> {
        (**self).send(request)
    }
}

/// Set in a response's extensions when the transport already decoded its `Content-Encoding`
/// (fetch always does): the body is the decoded representation, so byte offsets of the
/// encoded one (`Range`) do not apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decoded;

/// Headers held by name as text rather than as `http::HeaderName`s, in a request's or a
/// response's extensions.
///
/// The wasm32 build never parses arbitrary header names: `http`'s parser would add about
/// 12 KB to the npm package. There, headers whose names are not in a small table of known
/// names travel here instead of in the `HeaderMap`:
/// - on requests, the headers an object upload must copy from the service's `putUrl` answer.
///   **A transport must send these like the headers in the `HeaderMap`.**
/// - on responses, what `FetchTransport` received under other names.
///
/// Natively every name is parsed, and the client never sets this extension.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RawHeaders(pub Vec<(String, String)>);

/// A per-attempt timeout, carried in the request's extensions. It covers the whole exchange,
/// until the response body has been read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeout(pub Duration);

/// An error from a stream that produces a request body.
pub type BodyError = Box<dyn std::error::Error + Send + Sync>;

/// A request body.
pub enum Body {
    /// No body at all.
    Empty,
    /// A body in memory.
    Bytes(Bytes),
    /// A body the host's own HTTP stack understands (a JS `Blob` or typed array for
    /// `fetch`), sent as is. Transports that do not know it refuse the request.
    Host(Box<dyn HostBody>),
    /// A body produced chunk by chunk, with its length when known.
    Stream {
        /// The chunks.
        stream: BoxStream<'static, Result<Bytes, BodyError>>,
        /// The total length in bytes, sent as `Content-Length` when known.
        length: Option<u64>,
    },
}

/// A body in the host's own representation (see [`Body::Host`]).
pub trait HostBody: MaybeSend + fmt::Debug {
    /// Its length in bytes.
    fn len(&self) -> u64;
    /// True for an empty body.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// For transports to recover their own type.
    fn as_any(&self) -> &dyn std::any::Any;
}

impl Body {
    /// The body's length when it is known without reading it.
    pub fn len(&self) -> Option<u64> {
        match self {
            Body::Empty => Some(0),
            Body::Bytes(b) => Some(b.len() as u64),
            Body::Host(h) => Some(h.len()),
            Body::Stream { length, .. } => *length,
        }
    }

    /// True for [`Body::Empty`] and empty byte bodies.
    pub fn is_empty(&self) -> bool {
        self.len() == Some(0)
    }
}

impl fmt::Debug for Body {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Body::Empty => f.write_str("Body::Empty"),
            Body::Bytes(b) => write!(f, "Body::Bytes({} bytes)", b.len()),
            Body::Host(h) => write!(f, "Body::Host({h:?})"),
            Body::Stream { length, .. } => write!(f, "Body::Stream(length: {length:?})"),
        }
    }
}

impl From<Bytes> for Body {
    fn from(b: Bytes) -> Self {
        Body::Bytes(b)
    }
}

impl From<Vec<u8>> for Body {
    fn from(b: Vec<u8>) -> Self {
        Body::Bytes(b.into())
    }
}

/// A streaming response body.
pub struct ResponseBody {
    inner: BodyInner,
}

enum BodyInner {
    Stream(BoxStream<'static, Result<Bytes, TransportError>>),
    Host(Box<dyn HostResponseBody>),
}

/// A response body still in the host's own form (a JS `ReadableStream` for `FetchTransport`),
/// so a consumer that can take it as it is copies no bytes through Rust: downloads pipe it
/// straight into a JS sink. Anyone else reads it as a stream of [`Bytes`].
pub trait HostResponseBody: MaybeSend {
    /// The body as chunks.
    fn into_stream(self: Box<Self>) -> BoxStream<'static, Result<Bytes, TransportError>>;
    /// For consumers to check the transport's own type.
    fn as_any(&self) -> &dyn std::any::Any;
    /// For consumers to recover the transport's own type.
    fn into_any(self: Box<Self>) -> Box<dyn std::any::Any>;
}

impl ResponseBody {
    /// A body from a stream of chunks.
    pub fn from_stream<S>(stream: S) -> Self
    where
        S: futures_util::Stream<Item = Result<Bytes, TransportError>> + MaybeSend + 'static,
    {
        ResponseBody {
            inner: BodyInner::Stream(Box::pin(stream)),
        }
    }

    /// A body in the host's own form.
    pub fn from_host(body: Box<dyn HostResponseBody>) -> Self {
        ResponseBody {
            inner: BodyInner::Host(body),
        }
    }

    /// The host's own form of the body, if it has one; the body itself otherwise.
    pub fn into_host(self) -> Result<Box<dyn HostResponseBody>, Self> {
        match self.inner {
            BodyInner::Host(h) => Ok(h),
            inner => Err(ResponseBody { inner }),
        }
    }

    /// A body already in memory.
    pub fn from_bytes(bytes: impl Into<Bytes>) -> Self {
        let bytes = bytes.into();
        Self::from_stream(futures_util::stream::iter(
            (!bytes.is_empty()).then_some(Ok(bytes)),
        ))
    }

    /// An empty body.
    pub fn empty() -> Self {
        Self::from_stream(futures_util::stream::empty())
    }

    /// The chunks, as they arrive.
    pub fn into_stream(self) -> BoxStream<'static, Result<Bytes, TransportError>> {
        match self.inner {
            BodyInner::Stream(s) => s,
            BodyInner::Host(h) => h.into_stream(),
        }
    }

    /// Reads the whole body into memory.
    pub async fn bytes(self) -> Result<Bytes, TransportError> {
        let mut first: Option<Bytes> = None;
        let mut rest: Vec<u8> = Vec::new();
        let mut stream = self.into_stream();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk?;
            match &first {
                None => first = Some(chunk),
                Some(f) => {
                    if rest.is_empty() {
                        rest.extend_from_slice(f);
                    }
                    rest.extend_from_slice(&chunk);
                }
            }
        }
        Ok(match first {
            None => Bytes::new(),
            Some(f) if rest.is_empty() => f,
            Some(_) => rest.into(),
        })
    }
}

impl fmt::Debug for ResponseBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ResponseBody(..)")
    }
}

/// What went wrong in a transport, as far as the client's retry logic is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportErrorKind {
    /// The per-attempt timeout fired; the request was aborted.
    Timeout,
    /// The connection could not be established; the request was certainly not sent.
    Connect,
    /// The connection failed while sending or receiving (reset, truncated body, …).
    Network,
    /// The request could not even be built (bad URL or header). Not retried.
    Request,
}

/// A transport failure. Its message never contains credentials: transports see only signed
/// headers, and do not put headers in messages.
#[derive(Debug)]
pub struct TransportError {
    kind: TransportErrorKind,
    message: String,
    code: Option<String>,
    source: Option<BodyError>,
}

impl TransportError {
    /// A new error of `kind`.
    pub fn new(kind: TransportErrorKind, message: impl Into<String>) -> Self {
        TransportError {
            kind,
            message: message.into(),
            code: None,
            source: None,
        }
    }

    /// Attaches a system error code such as `ECONNRESET`, when the host reports one.
    pub fn with_code(mut self, code: impl Into<String>) -> Self {
        self.code = Some(code.into());
        self
    }

    /// Attaches the underlying error.
    pub fn with_source(mut self, source: impl Into<BodyError>) -> Self {
        self.source = Some(source.into());
        self
    }

    /// The kind of failure.
    pub fn kind(&self) -> TransportErrorKind {
        self.kind
    }

    /// The system error code (`ECONNRESET`, `ECONNREFUSED`, …) if the host gave one.
    pub fn code(&self) -> Option<&str> {
        self.code.as_deref()
    }

    /// The message.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(code) = &self.code {
            write!(f, " ({code})")?;
        }
        Ok(())
    }
}

impl std::error::Error for TransportError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}
