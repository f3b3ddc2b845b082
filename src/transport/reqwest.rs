//! The native transport, over reqwest, with redirects disabled.

use std::error::Error as _;

use bytes::Bytes;
use futures_util::{StreamExt, TryStreamExt};

use super::types::{
    Body, HttpRequest, ResponseBody, Timeout, Transport, TransportError, TransportErrorKind,
    TransportFuture,
};

/// Sends requests with reqwest. Redirects are never followed; the per-attempt [`Timeout`]
/// covers the whole exchange, including reading the body.
#[derive(Debug, Clone)]
pub struct ReqwestTransport {
    client: reqwest::Client,
    /// The last origin (`scheme://authority`) sent to, parsed: a request to the same origin
    /// parses only its path and query against it, as the host part never changes.
    origin: std::sync::Arc<std::sync::Mutex<Option<(String, reqwest::Url)>>>,
}

impl Default for ReqwestTransport {
    fn default() -> Self {
        Self::new()
    }
}

impl ReqwestTransport {
    /// A transport with its own connection pool.
    pub fn new() -> Self {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("a reqwest client with the default TLS settings");
        Self::from_client(client)
    }

    /// Wraps a reqwest client you configured. Make sure its redirect policy is `none`:
    /// Taskcluster answers some calls with a 303 whose JSON body is the result.
    pub fn from_client(client: reqwest::Client) -> Self {
        ReqwestTransport {
            client,
            origin: Default::default(),
        }
    }

    /// The request's URL for reqwest: what parsing it whole gives, with the origin parsed
    /// once per origin and the path and query joined to it.
    fn url_of(&self, uri: &http::Uri) -> Result<reqwest::Url, TransportError> {
        let bad = |e: &dyn std::fmt::Display| {
            TransportError::new(TransportErrorKind::Request, format!("bad URL: {e}"))
        };
        let text = uri.to_string();
        let (Some(scheme), Some(authority)) = (uri.scheme_str(), uri.authority()) else {
            return reqwest::Url::parse(&text).map_err(|e| bad(&e));
        };
        let (origin, rest) = text.split_at(scheme.len() + 3 + authority.as_str().len());
        if !rest.starts_with('/') {
            return reqwest::Url::parse(&text).map_err(|e| bad(&e));
        }
        let mut cached = self.origin.lock().unwrap_or_else(|e| e.into_inner());
        match &*cached {
            Some((o, base)) if o == origin => base.join(rest).map_err(|e| bad(&e)),
            _ => {
                let base = reqwest::Url::parse(origin).map_err(|e| bad(&e))?;
                let url = base.join(rest).map_err(|e| bad(&e))?;
                *cached = Some((origin.to_owned(), base));
                Ok(url)
            }
        }
    }
}

fn classify(err: &reqwest::Error) -> TransportError {
    let kind = if err.is_timeout() {
        TransportErrorKind::Timeout
    } else if err.is_connect() {
        TransportErrorKind::Connect
    } else if err.is_builder() {
        TransportErrorKind::Request
    } else {
        TransportErrorKind::Network
    };
    // Find the io::Error at the bottom of the chain for a POSIX-style code.
    let mut code = None;
    let mut source = err.source();
    while let Some(s) = source {
        if let Some(io) = s.downcast_ref::<std::io::Error>() {
            code = io_code(io.kind());
        }
        source = s.source();
    }
    if kind == TransportErrorKind::Timeout {
        code = Some("ECONNABORTED");
    }
    // reqwest's Display includes the URL, which never carries secrets (bewits are MACs).
    let mut e = TransportError::new(kind, err.to_string());
    if let Some(code) = code {
        e = e.with_code(code);
    }
    e
}

fn io_code(kind: std::io::ErrorKind) -> Option<&'static str> {
    use std::io::ErrorKind::*;
    Some(match kind {
        ConnectionReset => "ECONNRESET",
        ConnectionRefused => "ECONNREFUSED",
        ConnectionAborted => "ECONNABORTED",
        TimedOut => "ETIMEDOUT",
        BrokenPipe => "EPIPE",
        UnexpectedEof => "ECONNRESET",
        _ => return None,
    })
}

impl Transport for ReqwestTransport {
    fn send(&self, request: HttpRequest) -> TransportFuture<'_> {
        Box::pin(async move {
            let (parts, body) = request.into_parts();
            let url = self.url_of(&parts.uri)?;
            let mut headers = parts.headers;
            for (k, v) in parts
                .extensions
                .get::<super::types::RawHeaders>()
                .map_or(&[][..], |r| &r.0)
            {
                let bad = || {
                    TransportError::new(TransportErrorKind::Request, format!("bad header {k:?}"))
                };
                headers.append(
                    http::HeaderName::from_bytes(k.as_bytes()).map_err(|_| bad())?,
                    http::HeaderValue::from_str(v).map_err(|_| bad())?,
                );
            }
            let has_length = headers.contains_key(http::header::CONTENT_LENGTH);
            let mut builder = self.client.request(parts.method, url).headers(headers);
            if let Some(Timeout(t)) = parts.extensions.get::<Timeout>() {
                builder = builder.timeout(*t);
            }
            builder = match body {
                Body::Empty => builder,
                Body::Bytes(b) => builder.body(b),
                Body::Host(_) => {
                    return Err(TransportError::new(
                        TransportErrorKind::Request,
                        "reqwest cannot send a host body",
                    ))
                }
                Body::Stream { stream, length } => {
                    let body = reqwest::Body::wrap_stream(stream);
                    // Exactly one Content-Length: the caller's, or the body's own.
                    if let (Some(len), false) = (length, has_length) {
                        builder = builder.header(http::header::CONTENT_LENGTH, len);
                    }
                    builder.body(body)
                }
            };
            let response = builder.send().await.map_err(|e| classify(&e))?;
            // Taken apart, not copied: the status and headers move out with the body.
            let (parts, body) = http::Response::<reqwest::Body>::from(response).into_parts();
            let (status, headers) = (parts.status, parts.headers);
            // Decoded here as fetch decodes: gzip and deflate. Any other encoding is passed
            // through as it is, without `Decoded`, for the caller to refuse.
            let encoding = headers
                .get(http::header::CONTENT_ENCODING)
                .and_then(|v| v.to_str().ok())
                .and_then(|e| match e.trim().to_ascii_lowercase().as_str() {
                    "gzip" | "x-gzip" => Some(Encoding::Gzip),
                    "deflate" => Some(Encoding::Deflate),
                    _ => None,
                });
            let stream = http_body_util::BodyDataStream::new(body).map_err(|e| classify(&e));
            let body = match encoding {
                Some(encoding) => ResponseBody::from_stream(decode(Box::pin(stream), encoding)),
                None => ResponseBody::from_stream(stream),
            };
            let mut out = http::Response::new(body);
            *out.status_mut() = status;
            *out.headers_mut() = headers;
            if encoding.is_some() {
                out.extensions_mut().insert(super::types::Decoded);
            }
            Ok(out)
        })
    }
}

type ByteStream =
    std::pin::Pin<Box<dyn futures_util::Stream<Item = Result<Bytes, TransportError>> + Send>>;

/// A `Content-Encoding` this transport decodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Encoding {
    Gzip,
    /// HTTP's "deflate": the zlib format.
    Deflate,
}

/// A decoder writing into a buffer that is drained after every chunk.
enum Decoder {
    Gzip(flate2::write::GzDecoder<Vec<u8>>),
    Deflate(flate2::write::ZlibDecoder<Vec<u8>>),
}

impl Decoder {
    fn write(&mut self, chunk: &[u8]) -> std::io::Result<Vec<u8>> {
        use std::io::Write;
        match self {
            Decoder::Gzip(d) => d.write_all(chunk).map(|()| std::mem::take(d.get_mut())),
            Decoder::Deflate(d) => d.write_all(chunk).map(|()| std::mem::take(d.get_mut())),
        }
    }

    fn finish(self) -> std::io::Result<Vec<u8>> {
        match self {
            Decoder::Gzip(d) => d.finish(),
            Decoder::Deflate(d) => d.finish(),
        }
    }
}

/// Decodes a body chunk by chunk, as fetch does, checking its end (gzip's trailer).
fn decode(
    stream: ByteStream,
    encoding: Encoding,
) -> impl futures_util::Stream<Item = Result<Bytes, TransportError>> + Send {
    let bad = move |e: std::io::Error| {
        let name = match encoding {
            Encoding::Gzip => "gzip",
            Encoding::Deflate => "deflate",
        };
        TransportError::new(TransportErrorKind::Network, format!("bad {name} body: {e}"))
    };
    let decoder = match encoding {
        Encoding::Gzip => Decoder::Gzip(flate2::write::GzDecoder::new(Vec::new())),
        Encoding::Deflate => Decoder::Deflate(flate2::write::ZlibDecoder::new(Vec::new())),
    };
    futures_util::stream::unfold(Some((stream, decoder)), move |state| async move {
        let (mut stream, mut decoder) = state?;
        loop {
            match stream.next().await {
                Some(Ok(chunk)) => match decoder.write(&chunk) {
                    Err(e) => return Some((Err(bad(e)), None)),
                    Ok(out) if !out.is_empty() => {
                        return Some((Ok(Bytes::from(out)), Some((stream, decoder))));
                    }
                    Ok(_) => {}
                },
                Some(Err(e)) => return Some((Err(e), None)),
                None => {
                    return match decoder.finish() {
                        Ok(rest) if rest.is_empty() => None,
                        Ok(rest) => Some((Ok(Bytes::from(rest)), None)),
                        Err(e) => Some((Err(bad(e)), None)),
                    }
                }
            }
        }
    })
}

#[cfg(test)]
mod url_tests {
    use super::*;

    /// Joining the path and query to the cached origin gives exactly what parsing the whole
    /// URL gives, whichever origin was cached before.
    #[test]
    fn joined_urls_equal_parsed_urls() {
        let origins = [
            "http://127.0.0.1:8080",
            "https://tc.example.com",
            "https://tc.example.com:443",
            "http://[::1]:9",
            "http://TC.Example.COM",
        ];
        let rests = [
            "/",
            "/api/queue/v1/task/abc",
            "/api/queue/v1/task/a%2Fb/artifacts/private%2Flog.txt?bewit=x-y_z",
            "/a/./b/../c//d",
            "/%2e%2E/x",
            "/p?q=1&r=%20&s=a+b#frag",
            "/~!$&'()*+,;=:@%zz",
            "/deploy/tc/api/index/v1/namespaces?limit=5",
        ];
        let transport = ReqwestTransport::new();
        for round in 0..2 {
            for origin in origins {
                for rest in rests {
                    let text = format!("{origin}{rest}");
                    let uri: http::Uri = text.parse().unwrap();
                    let expected = reqwest::Url::parse(&uri.to_string()).unwrap();
                    let got = transport.url_of(&uri).unwrap();
                    assert_eq!(got, expected, "{text} (round {round})");
                    assert_eq!(got.as_str(), expected.as_str());
                }
            }
        }
    }
}
