//! The WebAssembly transport, over the *global* `fetch`.
//!
//! `fetch` is looked up on `globalThis`, never on `window`, so this works in a page, a
//! dedicated or shared worker, a service worker, Node ≥ 20, Deno and workerd. Each request gets
//! its own `AbortController`: the per-attempt timeout aborts it, and so does dropping the
//! response body before it is read (the guard lives inside the body stream).

use std::cell::Cell;
use std::rc::Rc;

use bytes::Bytes;
use futures_util::{StreamExt, TryStreamExt};
use js_sys::{Array, Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::AbortController;

use super::types::{
    Body, HttpRequest, ResponseBody, Timeout, Transport, TransportError, TransportErrorKind,
    TransportFuture,
};

#[wasm_bindgen(module = "/js/snippets/node-http.js")]
extern "C" {
    /// Whether this is Node (where streamed request bodies go through node:http).
    #[wasm_bindgen(js_name = isNode)]
    fn is_node() -> bool;
    /// Copies a response body into a writer, hashing it, all in JS (see `JsResponseBody::pipe`).
    #[wasm_bindgen(js_name = pipeBody)]
    fn pipe_body(
        body: &web_sys::ReadableStream,
        writer: &JsValue,
        hashers: &JsValue,
        skip: f64,
        idle_ms: u32,
        on_progress: &JsValue,
        base: f64,
        total: &JsValue,
    ) -> Promise;
    /// A request with a ReadableStream body through node:http(s), with backpressure.
    #[wasm_bindgen(catch, js_name = nodeRequest)]
    fn node_request(
        method: &str,
        url: &str,
        headers: &Array,
        body: &JsValue,
        signal: &web_sys::AbortSignal,
    ) -> Result<Promise, JsValue>;
    /// A request through the global `fetch` (throws synchronously when the host cannot build
    /// it); resolves like `nodeRequest`.
    #[wasm_bindgen(catch, js_name = hostFetch)]
    fn host_fetch(
        method: &str,
        url: &str,
        headers: &Array,
        body: &JsValue,
        signal: &web_sys::AbortSignal,
        browser: bool,
    ) -> Result<Promise, JsValue>;
    /// One attempt of an API call, all in JS (see [`FetchTransport::call_json`]).
    #[wasm_bindgen(js_name = fetchJson)]
    fn fetch_json(
        url: &str,
        method: &str,
        auth: Option<String>,
        trace: Option<&str>,
        body: &JsValue,
        timeout_ms: u32,
        browser: bool,
    ) -> Promise;
}

/// A JS value `fetch` takes as a body as it is (a `Blob`, `File` or typed array), with its
/// length. Sent without copying it into WebAssembly memory.
#[derive(Debug, Clone)]
pub struct JsBody {
    value: JsValue,
    len: u64,
}

impl JsBody {
    /// Wraps a `Blob`, `File`, `ArrayBuffer` or typed array of `len` bytes.
    pub fn new(value: JsValue, len: u64) -> Self {
        JsBody { value, len }
    }
}

impl super::types::HostBody for JsBody {
    fn len(&self) -> u64 {
        self.len
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

/// Sends requests with the host's global `fetch`, with `redirect: "manual"`.
#[derive(Debug, Clone, Default)]
pub struct FetchTransport {
    _private: (),
}

impl FetchTransport {
    /// A transport over the global `fetch`.
    pub fn new() -> Self {
        Self::default()
    }
}

#[cfg_attr(not(feature = "js"), allow(dead_code))]
impl FetchTransport {
    /// One attempt of a JSON API call, for the JS package's hot path: the host's `fetch` gets
    /// the URL and a plain init object, reads the body and parses it as JSON, all in one call
    /// out of WebAssembly. Resolves to the parsed body (`undefined` when it is not JSON) below
    /// 400; an HTTP error status, a failure or a timeout (which aborts the request) becomes
    /// the same [`Error`](crate::Error) as through [`Transport::send`].
    pub(crate) async fn call_json(
        url: &str,
        method: &str,
        auth: Option<String>,
        trace: Option<&str>,
        body: &JsValue,
        timeout: Option<std::time::Duration>,
    ) -> crate::Result<JsValue> {
        let promise = start_json(url, method, auth, trace, body, timeout);
        JsFuture::from(promise).await.map_err(|v| {
            if let Some(status) = get(&v, "status").as_f64() {
                let text = get(&v, "text").as_string().unwrap_or_default();
                let id = get(&v, "requestId").as_string();
                crate::Error::http(status as u16, text.as_bytes()).with_request_id(id.as_deref())
            } else if get(&v, "decode").is_truthy() {
                crate::Error::decode("the response is not valid JSON")
            } else if get(&v, "hidden").is_truthy() {
                hidden_redirect().into()
            } else {
                let timed_out = get(&v, "timedOut").is_truthy();
                error_from_js(TransportErrorKind::Network, &get(&v, "error"), timed_out).into()
            }
        })
    }
}

fn hidden_redirect() -> TransportError {
    TransportError::new(
        TransportErrorKind::Request,
        "the host hid a redirect (browsers do not expose 3xx responses to fetch); \
         use a method that answers without redirecting, such as queue.artifact",
    )
}

/// One attempt of an API call on the host, as [`FetchTransport::call_json`] makes it, without
/// awaiting it: the promise `fetchJson` returns (for the JS fast path, which hands it to the
/// caller as it is).
pub(crate) fn start_json(
    url: &str,
    method: &str,
    auth: Option<String>,
    trace: Option<&str>,
    body: &JsValue,
    timeout: Option<std::time::Duration>,
) -> Promise {
    // 0 is "no timeout"; a timeout is at least 1 ms.
    let ms = timeout.map_or(0, |t| t.as_millis().clamp(1, MAX_TIMER_MS) as u32);
    fetch_json(
        url,
        method,
        auth,
        trace,
        body,
        ms,
        crate::platform::is_browser(),
    )
}

/// The longest delay `setTimeout` takes: hosts keep it as a signed 32-bit number of
/// milliseconds, and fire a longer one at once. A per-attempt timeout beyond it (24.8 days)
/// is clamped to it: no host keeps a request open that long anyway.
const MAX_TIMER_MS: u128 = (1 << 31) - 1;

/// Aborts the request when dropped before its body was read to the end, and owns the timer
/// that aborts it on timeout. (A request that completed is not aborted: an abort costs the
/// host an exception object for nothing.)
struct AbortGuard {
    controller: AbortController,
    timed_out: Rc<Cell<bool>>,
    finished: Cell<bool>,
    _timer: Option<gloo_timers::callback::Timeout>,
}

impl AbortGuard {
    fn new(timeout: Option<Timeout>) -> Result<Self, TransportError> {
        let controller = AbortController::new()
            .map_err(|e| error_from_js(TransportErrorKind::Request, &e, false))?;
        let timed_out = Rc::new(Cell::new(false));
        let timer = timeout.map(|Timeout(t)| {
            let controller = controller.clone();
            let timed_out = timed_out.clone();
            let ms = t.as_millis().min(MAX_TIMER_MS) as u32;
            gloo_timers::callback::Timeout::new(ms, move || {
                timed_out.set(true);
                controller.abort();
            })
        });
        Ok(AbortGuard {
            controller,
            timed_out,
            finished: Cell::new(false),
            _timer: timer,
        })
    }
}

impl Drop for AbortGuard {
    fn drop(&mut self) {
        // Cancels the download of a body that was not read to the end.
        if !self.finished.get() {
            self.controller.abort();
        }
    }
}

fn get(target: &JsValue, key: &str) -> JsValue {
    Reflect::get(target, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

/// Maps a JS exception (a `TypeError` from fetch, a `DOMException` from an abort, …) to a
/// transport error, keeping Node's `cause.code` (ECONNRESET, ECONNREFUSED…) when there is one.
fn error_from_js(kind: TransportErrorKind, err: &JsValue, timed_out: bool) -> TransportError {
    if timed_out {
        return TransportError::new(TransportErrorKind::Timeout, "the request timed out")
            .with_code("ECONNABORTED");
    }
    let message = get(err, "message")
        .as_string()
        .or_else(|| err.as_string())
        .unwrap_or_else(|| "fetch failed".to_string());
    let cause = get(err, "cause");
    let code = get(&cause, "code")
        .as_string()
        .or_else(|| get(err, "code").as_string().filter(|c| c.starts_with('E')));
    let cause_message = get(&cause, "message").as_string();
    let kind = match code.as_deref() {
        Some("ECONNREFUSED") | Some("ENOTFOUND") | Some("EAI_AGAIN") => TransportErrorKind::Connect,
        _ => kind,
    };
    let message = match cause_message {
        Some(c) if !c.is_empty() && c != message => format!("{message}: {c}"),
        _ => message,
    };
    let mut e = TransportError::new(kind, message);
    if let Some(code) = code {
        e = e.with_code(code);
    }
    e
}

/// A request's headers as flat `[name, value, …]` pairs, and its body as a JS value.
fn request_parts(
    parts: &http::request::Parts,
    body: Body,
) -> Result<(Array, JsValue), TransportError> {
    let headers = Array::new();
    // fetch computes Content-Length itself for in-memory bodies; for a stream it sends chunks
    // unless told the length, which Node, Deno and workerd accept (browsers do not stream
    // fixed-length bodies: the package hands them Blobs instead).
    let stream_length = matches!(
        body,
        Body::Stream {
            length: Some(_),
            ..
        }
    ) && !crate::platform::is_browser();
    for (name, value) in &parts.headers {
        if name == http::header::CONTENT_LENGTH && !stream_length {
            continue;
        }
        let value = value.to_str().map_err(|_| {
            TransportError::new(
                TransportErrorKind::Request,
                format!("header {name} is not valid text"),
            )
        })?;
        headers.push(&name.as_str().into());
        headers.push(&value.into());
    }
    for (name, value) in raw_headers(&parts.extensions) {
        headers.push(&name.into());
        headers.push(&value.into());
    }
    let body = match body {
        Body::Empty => JsValue::UNDEFINED,
        Body::Bytes(b) => Uint8Array::from(&b[..]).into(),
        Body::Host(h) => match h.as_any().downcast_ref::<JsBody>() {
            Some(js) => js.value.clone(),
            None => {
                return Err(TransportError::new(
                    TransportErrorKind::Request,
                    "fetch cannot send this kind of body",
                ))
            }
        },
        Body::Stream { stream, .. } => {
            let js_stream = stream
                .map_ok(|chunk| JsValue::from(Uint8Array::from(&chunk[..])))
                .map_err(|e| JsValue::from(js_sys::Error::new(&e.to_string())));
            wasm_streams::ReadableStream::from_stream(js_stream)
                .into_raw()
                .into()
        }
    };
    Ok((headers, body))
}

/// The [`RawHeaders`](super::RawHeaders) a request carries, as text.
fn raw_headers(extensions: &http::Extensions) -> impl Iterator<Item = (&str, &str)> {
    extensions
        .get::<super::types::RawHeaders>()
        .into_iter()
        .flat_map(|r| r.0.iter().map(|(k, v)| (k.as_str(), v.as_str())))
}

/// Response headers from JS `[name, value]` pairs: known names into the `HeaderMap`, the
/// others into [`RawHeaders`](super::RawHeaders), so none is lost and no name parser is linked.
#[derive(Default)]
struct ReceivedHeaders {
    map: http::HeaderMap,
    raw: Vec<(String, String)>,
}

impl ReceivedHeaders {
    fn add(&mut self, pair: JsValue) {
        let pair: js_sys::Array = pair.unchecked_into();
        let (Some(name), Some(value)) = (pair.get(0).as_string(), pair.get(1).as_string()) else {
            return;
        };
        match super::headers::known_header(&name) {
            Some(known) => {
                if let Ok(value) = http::HeaderValue::from_str(&value) {
                    self.map.append(known, value);
                }
            }
            None => self.raw.push((name.to_ascii_lowercase(), value)),
        }
    }

    fn install(self, response: &mut super::types::HttpResponse) {
        *response.headers_mut() = self.map;
        if !self.raw.is_empty() {
            response
                .extensions_mut()
                .insert(super::types::RawHeaders(self.raw));
        }
    }
}

/// A response body from a JS ReadableStream; the guard travels with it.
fn body_stream(raw: web_sys::ReadableStream, guard: AbortGuard) -> ResponseBody {
    ResponseBody::from_host(Box::new(JsResponseBody { raw, guard }))
}

/// A `fetch` response body, still a JS `ReadableStream`. Dropping it aborts the request.
#[cfg_attr(not(feature = "js"), allow(dead_code))]
pub(crate) struct JsResponseBody {
    raw: web_sys::ReadableStream,
    guard: AbortGuard,
}

/// What [`JsResponseBody::pipe`] did.
#[cfg_attr(not(feature = "js"), allow(dead_code))]
pub(crate) struct Piped {
    /// Bytes hashed and handed to the writer.
    pub(crate) written: u64,
    /// Why it stopped early: the transfer failed or stalled.
    pub(crate) error: Option<TransportError>,
    /// Why it stopped early: the writer failed.
    pub(crate) sink_error: Option<JsValue>,
}

#[cfg_attr(not(feature = "js"), allow(dead_code))]
impl JsResponseBody {
    /// Copies the body into a JS `WritableStreamDefaultWriter` in JS, hashing each chunk with
    /// `hashers` (`{update(bytes)}`) on the way, after skipping `skip` bytes. No byte enters
    /// WebAssembly memory. `on_progress(base + bytesWritten, total)` follows each chunk.
    pub(crate) async fn pipe(
        self,
        writer: &JsValue,
        hashers: &JsValue,
        skip: u64,
        idle_ms: u32,
        (on_progress, base, total): (&JsValue, u64, Option<u64>),
    ) -> Piped {
        let total = total.map_or(JsValue::UNDEFINED, |t| JsValue::from_f64(t as f64));
        let promise = pipe_body(
            &self.raw,
            writer,
            hashers,
            skip as f64,
            idle_ms,
            on_progress,
            base as f64,
            &total,
        );
        let out = JsFuture::from(promise).await.unwrap_or(JsValue::UNDEFINED);
        let written = get(&out, "written").as_f64().unwrap_or(0.0) as u64;
        let error = get(&out, "error");
        let (error, sink_error) = if error.is_undefined() {
            (None, None)
        } else if get(&out, "sink").is_truthy() {
            (None, Some(error))
        } else if get(&out, "stalled").is_truthy() {
            let s = idle_ms / 1000;
            (
                Some(TransportError::new(
                    TransportErrorKind::Timeout,
                    format!("the download stalled for {s} s"),
                )),
                None,
            )
        } else {
            let kind = TransportErrorKind::Network;
            (
                Some(error_from_js(kind, &error, self.guard.timed_out.get())),
                None,
            )
        };
        if error.is_none() && sink_error.is_none() {
            self.guard.finished.set(true);
        }
        Piped {
            written,
            error,
            sink_error,
        }
    }
}

impl super::types::HostResponseBody for JsResponseBody {
    fn into_stream(
        self: Box<Self>,
    ) -> crate::platform::BoxStream<'static, Result<Bytes, TransportError>> {
        let JsResponseBody { raw, guard } = *self;
        let mut inner = wasm_streams::ReadableStream::from_raw(raw).into_stream();
        // The guard travels with the stream, which marks it finished at its end.
        Box::pin(futures_util::stream::poll_fn(move |cx| {
            let item = std::task::ready!(inner.poll_next_unpin(cx));
            std::task::Poll::Ready(match item {
                None => {
                    guard.finished.set(true);
                    None
                }
                Some(Ok(chunk)) => Some(Ok(Bytes::from(
                    chunk.unchecked_into::<Uint8Array>().to_vec(),
                ))),
                Some(Err(e)) => Some(Err(error_from_js(
                    TransportErrorKind::Network,
                    &e,
                    guard.timed_out.get(),
                ))),
            })
        }))
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }

    fn into_any(self: Box<Self>) -> Box<dyn std::any::Any> {
        self
    }
}

impl Transport for FetchTransport {
    fn send(&self, request: HttpRequest) -> TransportFuture<'_> {
        Box::pin(async move {
            let (parts, body) = request.into_parts();
            let guard = AbortGuard::new(parts.extensions.get::<Timeout>().copied())?;
            // Node: streamed bodies through node:http, so memory stays bounded.
            let node = matches!(body, Body::Stream { .. }) && is_node();
            let (headers, body) = request_parts(&parts, body)?;
            let (method, url) = (parts.method.as_str(), parts.uri.to_string());
            let signal = guard.controller.signal();
            let promise = if node {
                node_request(method, &url, &headers, &body, &signal)
            } else {
                let browser = crate::platform::is_browser();
                host_fetch(method, &url, &headers, &body, &signal, browser)
            }
            .map_err(|e| error_from_js(TransportErrorKind::Request, &e, false))?;
            let response = JsFuture::from(promise).await.map_err(|e| {
                error_from_js(TransportErrorKind::Network, &e, guard.timed_out.get())
            })?;
            let status = get(&response, "status").as_f64().unwrap_or(0.0) as u16;
            if status == 0 {
                return Err(hidden_redirect());
            }
            let status = http::StatusCode::from_u16(status).map_err(|_| {
                TransportError::new(TransportErrorKind::Network, "invalid HTTP status")
            })?;
            let mut received = ReceivedHeaders::default();
            for pair in Array::from(&get(&response, "headers")).iter() {
                received.add(pair);
            }
            let body = match get(&response, "body").dyn_into::<web_sys::ReadableStream>() {
                // The guard travels with the stream: dropping the body aborts.
                Ok(raw) => body_stream(raw, guard),
                Err(_) => {
                    guard.finished.set(true);
                    ResponseBody::empty()
                }
            };
            let encoded = received
                .map
                .get(http::header::CONTENT_ENCODING)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|e| {
                    !e.trim().is_empty() && !e.trim().eq_ignore_ascii_case("identity")
                });
            let mut out = http::Response::new(body);
            *out.status_mut() = status;
            received.install(&mut out);
            if encoded {
                // fetch has already decoded the body.
                out.extensions_mut().insert(super::types::Decoded);
            }
            Ok(out)
        })
    }
}
