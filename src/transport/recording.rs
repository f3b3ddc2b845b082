//! A scripted transport that records every request, for tests on any target.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use futures_util::StreamExt;

use super::types::{
    Body, HttpRequest, ResponseBody, Timeout, Transport, TransportError, TransportFuture,
};

/// One request as the [`RecordingTransport`] received it.
#[derive(Debug, Clone)]
pub struct RecordedRequest {
    /// The HTTP method.
    pub method: http::Method,
    /// The full URL, as it would have gone on the wire.
    pub url: String,
    /// The headers.
    pub headers: http::HeaderMap,
    /// The request's [`RawHeaders`](super::RawHeaders) (empty when it had none).
    pub raw_headers: Vec<(String, String)>,
    /// The body (streams are read to the end); `None` for [`Body::Empty`].
    pub body: Option<Bytes>,
    /// The per-attempt timeout, if one was set.
    pub timeout: Option<Timeout>,
}

type Reply = Result<(u16, Vec<(String, String)>, Bytes), TransportError>;

/// Answers requests from a queue of scripted replies (then `404` once it runs dry), and keeps
/// every request for inspection. Clones share the same script and log.
#[derive(Debug, Clone, Default)]
pub struct RecordingTransport {
    state: Arc<Mutex<State>>,
}

#[derive(Debug, Default)]
struct State {
    replies: VecDeque<Reply>,
    requests: Vec<RecordedRequest>,
}

impl RecordingTransport {
    /// An empty script.
    pub fn new() -> Self {
        Self::default()
    }

    /// Queues a reply with a status, headers and body.
    pub fn reply(&self, status: u16, headers: &[(&str, &str)], body: impl Into<Bytes>) -> &Self {
        let headers = headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        self.lock()
            .replies
            .push_back(Ok((status, headers, body.into())));
        self
    }

    /// Queues a JSON reply.
    pub fn reply_json(&self, status: u16, body: &serde_json::Value) -> &Self {
        self.reply(
            status,
            &[("content-type", "application/json; charset=utf-8")],
            body.to_string(),
        )
    }

    /// Queues a transport failure.
    pub fn fail(&self, error: TransportError) -> &Self {
        self.lock().replies.push_back(Err(error));
        self
    }

    /// Every request received so far.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.lock().requests.clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Transport for RecordingTransport {
    fn send(&self, request: HttpRequest) -> TransportFuture<'_> {
        Box::pin(async move {
            let (parts, body) = request.into_parts();
            let body = match body {
                Body::Empty => None,
                Body::Bytes(b) => Some(b),
                Body::Host(h) => {
                    return Err(TransportError::new(
                        super::types::TransportErrorKind::Request,
                        format!("the recording transport cannot read {h:?}"),
                    ))
                }
                Body::Stream { mut stream, .. } => {
                    let mut all = Vec::new();
                    while let Some(chunk) = stream.next().await {
                        let chunk = chunk.map_err(|e| {
                            TransportError::new(
                                super::types::TransportErrorKind::Request,
                                e.to_string(),
                            )
                        })?;
                        all.extend_from_slice(&chunk);
                    }
                    Some(all.into())
                }
            };
            let reply = {
                let mut state = self.lock();
                state.requests.push(RecordedRequest {
                    method: parts.method,
                    url: parts.uri.to_string(),
                    headers: parts.headers,
                    raw_headers: parts
                        .extensions
                        .get::<super::types::RawHeaders>()
                        .map(|r| r.0.clone())
                        .unwrap_or_default(),
                    body,
                    timeout: parts.extensions.get::<Timeout>().copied(),
                });
                state
                    .replies
                    .pop_front()
                    .unwrap_or_else(|| Ok((404, Vec::new(), Bytes::new())))
            };
            let (status, headers, body) = reply?;
            let mut response = http::Response::builder().status(status);
            for (k, v) in headers {
                response = response.header(k, v);
            }
            response.body(ResponseBody::from_bytes(body)).map_err(|e| {
                TransportError::new(super::types::TransportErrorKind::Request, e.to_string())
            })
        }) as TransportFuture<'_>
    }
}
