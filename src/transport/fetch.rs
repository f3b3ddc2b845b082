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
use js_sys::{Object, Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, Headers, RequestInit, RequestRedirect};

use super::{
    Body, HttpRequest, ResponseBody, Timeout, Transport, TransportError, TransportErrorKind,
    TransportFuture,
};

#[wasm_bindgen]
extern "C" {
    /// The global `fetch` of whatever scope we run in.
    #[wasm_bindgen(catch, js_name = fetch)]
    fn global_fetch(input: &web_sys::Request) -> Result<Promise, JsValue>;
}

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
        headers: &Object,
        body: &web_sys::ReadableStream,
        signal: &web_sys::AbortSignal,
    ) -> Result<Promise, JsValue>;
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

impl super::HostBody for JsBody {
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

/// The longest delay `setTimeout` takes: hosts keep it as a signed 32-bit number of
/// milliseconds, and fire a longer one at once. A per-attempt timeout beyond it (24.8 days)
/// is clamped to it: no host keeps a request open that long anyway.
const MAX_TIMER_MS: u128 = (1 << 31) - 1;

/// Aborts the request when dropped, and owns the timer that aborts it on timeout.
struct AbortGuard {
    controller: AbortController,
    timed_out: Rc<Cell<bool>>,
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
            _timer: timer,
        })
    }
}

impl Drop for AbortGuard {
    fn drop(&mut self) {
        // Harmless once the body has been read; cancels the download otherwise.
        self.controller.abort();
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

fn build_request(
    parts: &http::request::Parts,
    body: Body,
    guard: &AbortGuard,
) -> Result<web_sys::Request, TransportError> {
    let req_err = |e: JsValue| error_from_js(TransportErrorKind::Request, &e, false);
    let init = RequestInit::new();
    init.set_method(parts.method.as_str());
    init.set_redirect(RequestRedirect::Manual);
    init.set_signal(Some(&guard.controller.signal()));
    if crate::platform::is_browser() {
        // Never send cookies; workerd rejects this field, so only browsers get it.
        init.set_credentials(web_sys::RequestCredentials::Omit);
    }
    let headers = Headers::new().map_err(req_err)?;
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
        headers.append(name.as_str(), value).map_err(req_err)?;
    }
    for (name, value) in raw_headers(&parts.extensions) {
        headers.append(name, value).map_err(req_err)?;
    }
    init.set_headers(&headers);
    match body {
        Body::Empty => {}
        Body::Bytes(b) => init.set_body(&Uint8Array::from(&b[..])),
        Body::Host(h) => match h.as_any().downcast_ref::<JsBody>() {
            Some(js) => init.set_body(&js.value),
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
            let raw = wasm_streams::ReadableStream::from_stream(js_stream).into_raw();
            init.set_body(&raw);
            // Streaming request bodies require half-duplex mode.
            let init_obj: &Object = init.as_ref();
            Reflect::set(init_obj, &"duplex".into(), &"half".into()).map_err(req_err)?;
        }
    }
    web_sys::Request::new_with_str_and_init(&parts.uri.to_string(), &init).map_err(req_err)
}

/// Node: streamed bodies through node:http, so memory stays bounded.
async fn send_with_node(
    parts: http::request::Parts,
    body: Body,
    guard: AbortGuard,
) -> Result<super::HttpResponse, TransportError> {
    let req_err = |e: JsValue| error_from_js(TransportErrorKind::Request, &e, false);
    let Body::Stream { stream, .. } = body else {
        unreachable!("only stream bodies come here")
    };
    let headers = Object::new();
    for (name, value) in &parts.headers {
        let value = value.to_str().map_err(|_| {
            TransportError::new(
                TransportErrorKind::Request,
                format!("header {name} is not valid text"),
            )
        })?;
        Reflect::set(&headers, &name.as_str().into(), &value.into()).map_err(req_err)?;
    }
    for (name, value) in raw_headers(&parts.extensions) {
        Reflect::set(&headers, &name.to_ascii_lowercase().into(), &value.into())
            .map_err(req_err)?;
    }
    let js_stream = stream
        .map_ok(|chunk| JsValue::from(Uint8Array::from(&chunk[..])))
        .map_err(|e| JsValue::from(js_sys::Error::new(&e.to_string())));
    let raw = wasm_streams::ReadableStream::from_stream(js_stream).into_raw();
    let promise = node_request(
        parts.method.as_str(),
        &parts.uri.to_string(),
        &headers,
        &raw,
        &guard.controller.signal(),
    )
    .map_err(req_err)?;
    let response = JsFuture::from(promise)
        .await
        .map_err(|e| error_from_js(TransportErrorKind::Network, &e, guard.timed_out.get()))?;
    let field = |k: &str| Reflect::get(&response, &k.into()).unwrap_or(JsValue::UNDEFINED);
    let status = field("status").as_f64().unwrap_or(0.0) as u16;
    let status = http::StatusCode::from_u16(status)
        .map_err(|_| TransportError::new(TransportErrorKind::Network, "invalid HTTP status"))?;
    let mut received = ReceivedHeaders::default();
    for pair in js_sys::Array::from(&field("headers")).iter() {
        received.add(pair);
    }
    let body = match field("body").dyn_into::<web_sys::ReadableStream>() {
        Ok(raw) => body_stream(raw, guard),
        Err(_) => ResponseBody::empty(),
    };
    let mut out = http::Response::new(body);
    *out.status_mut() = status;
    received.install(&mut out);
    Ok(out)
}

/// The [`RawHeaders`](super::RawHeaders) a request carries, as text.
fn raw_headers(extensions: &http::Extensions) -> impl Iterator<Item = (&str, &str)> {
    extensions
        .get::<super::RawHeaders>()
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
        match super::known_header(&name) {
            Some(known) => {
                if let Ok(value) = http::HeaderValue::from_str(&value) {
                    self.map.append(known, value);
                }
            }
            None => self.raw.push((name.to_ascii_lowercase(), value)),
        }
    }

    fn install(self, response: &mut super::HttpResponse) {
        *response.headers_mut() = self.map;
        if !self.raw.is_empty() {
            response
                .extensions_mut()
                .insert(super::RawHeaders(self.raw));
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
        Piped {
            written,
            error,
            sink_error,
        }
    }
}

impl super::HostResponseBody for JsResponseBody {
    fn into_stream(
        self: Box<Self>,
    ) -> crate::platform::BoxStream<'static, Result<Bytes, TransportError>> {
        let JsResponseBody { raw, guard } = *self;
        let timed_out = guard.timed_out.clone();
        let stream = wasm_streams::ReadableStream::from_raw(raw)
            .into_stream()
            .map(move |item| {
                let _guard = &guard;
                match item {
                    Ok(chunk) => Ok(Bytes::from(chunk.unchecked_into::<Uint8Array>().to_vec())),
                    Err(e) => Err(error_from_js(
                        TransportErrorKind::Network,
                        &e,
                        timed_out.get(),
                    )),
                }
            });
        Box::pin(stream)
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
            if matches!(body, Body::Stream { .. }) && is_node() {
                return send_with_node(parts, body, guard).await;
            }
            let request = build_request(&parts, body, &guard)?;
            let promise = global_fetch(&request)
                .map_err(|e| error_from_js(TransportErrorKind::Request, &e, false))?;
            let response: web_sys::Response = JsFuture::from(promise)
                .await
                .map_err(|e| error_from_js(TransportErrorKind::Network, &e, guard.timed_out.get()))?
                .dyn_into()
                .map_err(|_| {
                    TransportError::new(TransportErrorKind::Network, "fetch returned no Response")
                })?;
            if response.status() == 0 {
                return Err(TransportError::new(
                    TransportErrorKind::Request,
                    "the host hid a redirect (browsers do not expose 3xx responses to fetch); \
                     use a method that answers without redirecting, such as queue.artifact",
                ));
            }
            let status = http::StatusCode::from_u16(response.status()).map_err(|_| {
                TransportError::new(TransportErrorKind::Network, "invalid HTTP status")
            })?;
            let mut received = ReceivedHeaders::default();
            if let Ok(Some(iter)) = js_sys::try_iter(&response.headers()) {
                for entry in iter.flatten() {
                    received.add(entry);
                }
            }
            let body = match response.body() {
                None => ResponseBody::empty(),
                // The guard travels with the stream: dropping the body aborts.
                Some(raw) => body_stream(raw, guard),
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
                out.extensions_mut().insert(super::Decoded);
            }
            Ok(out)
        })
    }
}
