//! HTTP plumbing: connection handling (so faults can abort connections), the front
//! middleware (CORS, faults, request log), admin routes, and the router: the services'
//! endpoint tables ([`SERVICES`]) behind the API layer, the blob store and the references.

use crate::admin::{add_client, push_fault, stored_object};
use crate::api::{dispatch, AuthNoteCell};
use crate::call::{not_found, FaultFlag, Service};
use crate::clock::{now_ms, with_clock, Clock, ClockCell};
use crate::errors::{error_body, json_response, ReqInfo};
use crate::faults::{Fault, FaultAction, HawkInfo, RequestRecord};
use crate::services::{auth, hooks, index, object, queue, secrets};
use crate::state::AppState;
use crate::support::ClientSeed;
use crate::util::lock;
use axum::body::Body;
use axum::extract::{Query, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use axum::{Json, Router};
use bytes::Bytes;
use futures_util::StreamExt;
use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use std::collections::HashMap;
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::{watch, Notify};
use tower::ServiceExt;

/// Per-connection control, available to handlers as a request extension.
#[derive(Debug, Clone)]
pub(crate) struct ConnCtl {
    /// Notify to abort the connection with a TCP reset.
    pub(crate) kill: Arc<Notify>,
}

/// The services served under `/api/<name>/v1/`, each with its endpoint table.
static SERVICES: &[Service] = &[
    auth::SERVICE,
    secrets::SERVICE,
    queue::SERVICE,
    object::SERVICE,
    index::SERVICE,
    hooks::SERVICE,
];

/// Maximum request body accepted (bytes).
const BODY_LIMIT: usize = 1 << 30;

const API_ALLOW_HEADERS: &str =
    "X-Requested-With,Content-Type,Authorization,Accept,Origin,Cache-Control";
const EXTRA_ALLOW_HEADERS: &str = "X-Requested-With,Content-Type,Authorization,Accept,Origin,Cache-Control,Range,Content-Encoding,Content-Disposition,If-None-Match,If-Match,X-Taskcluster-Trace-Id";
const ALLOW_METHODS: &str = "OPTIONS,GET,HEAD,POST,PUT,DELETE,TRACE,CONNECT";

fn is_api(path: &str) -> bool {
    path.starts_with("/api/") || path.starts_with("/references/") || path.starts_with("/schemas/")
}

fn add_cors(headers: &mut HeaderMap, path: &str) {
    headers.insert("access-control-allow-origin", HeaderValue::from_static("*"));
    headers.insert("access-control-max-age", HeaderValue::from_static("900"));
    headers.insert(
        "access-control-allow-methods",
        HeaderValue::from_static(ALLOW_METHODS),
    );
    if is_api(path) {
        headers.insert(
            "access-control-allow-headers",
            HeaderValue::from_static(API_ALLOW_HEADERS),
        );
    } else {
        headers.insert(
            "access-control-allow-headers",
            HeaderValue::from_static(EXTRA_ALLOW_HEADERS),
        );
        headers.insert(
            "access-control-expose-headers",
            HeaderValue::from_static(
                "Content-Length,Content-Type,Content-Encoding,Content-Range,Content-Disposition,ETag,Accept-Ranges",
            ),
        );
    }
}

/// Hawk attributes for the log (id, ts, nonce, hash, ext; never the MAC).
fn hawk_info(headers: &HeaderMap) -> Option<HawkInfo> {
    let authz = headers.get(http::header::AUTHORIZATION)?;
    let authz: String = authz.as_bytes().iter().map(|b| char::from(*b)).collect();
    let attrs = crate::hawkauth::header_attributes(&authz)?;
    let get = |n: &str| attrs.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone());
    Some(HawkInfo {
        id: get("id").unwrap_or_default(),
        ts: get("ts").unwrap_or_default(),
        nonce: get("nonce").unwrap_or_default(),
        hash: get("hash"),
        ext: get("ext"),
    })
}

fn take_fault(state: &AppState, method: &Method, url: &str) -> Option<Fault> {
    let mut faults = lock(&state.faults);
    let idx = faults.iter().position(|f| {
        let m = match &f.fault.method {
            Some(m) => m.eq_ignore_ascii_case(method.as_str()),
            // preflights are only faulted when asked for explicitly
            None => method != Method::OPTIONS,
        };
        m && url.starts_with(&f.fault.path_prefix)
    })?;
    let fault = faults[idx].fault.clone();
    if let Some(n) = &mut faults[idx].remaining {
        *n -= 1;
        if *n == 0 {
            faults.remove(idx);
        }
    }
    Some(fault)
}

fn header_str(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
}

/// The front middleware: CORS, preflights, faults and the request log.
async fn front(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let method = req.method().clone();
    let url = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "/".into());
    let path = url.split('?').next().unwrap_or("/").to_string();
    let admin = path.starts_with("/__devserver/");

    // CORS preflight (not logged: browsers cache them, which would make counts unstable)
    let fault = if admin {
        None
    } else {
        take_fault(&state, &method, &url)
    };
    if method == Method::OPTIONS && fault.is_none() {
        let mut resp = StatusCode::OK.into_response();
        add_cors(resp.headers_mut(), &path);
        return resp;
    }

    let headers = req.headers().clone();
    let mut rec = RequestRecord {
        method: method.to_string(),
        url: url.clone(),
        hawk: hawk_info(&headers),
        bewit: crate::hawkauth::has_bewit(&url),
        status: 0,
        client_id: None,
        auth_error: None,
        content_type: header_str(&headers, "content-type"),
        content_length: header_str(&headers, "content-length").and_then(|v| v.parse().ok()),
        trace_id: header_str(&headers, "x-taskcluster-trace-id"),
        content_encoding: header_str(&headers, "content-encoding"),
        transfer_encoding: header_str(&headers, "transfer-encoding"),
        range: header_str(&headers, "range"),
        body_length: 0,
        body_sha256: None,
        faulted: fault.is_some(),
    };
    let conn = req.extensions().get::<ConnCtl>().cloned();
    let (mut parts, body) = req.into_parts();
    // blob-store bodies are streamed (to disk) and counted on the way, never buffered
    let streamed = path.starts_with(crate::storage::PREFIX);
    let counter = Arc::new(AtomicU64::new(0));
    let buffered = if streamed {
        let c = counter.clone();
        let counted = body.into_data_stream().map(move |chunk| {
            if let Ok(b) = &chunk {
                c.fetch_add(b.len() as u64, Ordering::Relaxed);
            }
            chunk
        });
        Ok((Bytes::new(), Some(Body::from_stream(counted))))
    } else {
        axum::body::to_bytes(body, BODY_LIMIT)
            .await
            .map(|b| (b, None))
            .map_err(|_| ())
    };
    let (bytes, body) = match buffered {
        Ok(x) => x,
        Err(_) => {
            let mut resp = (
                StatusCode::BAD_REQUEST,
                "IncompleteBody: the request body ended before Content-Length bytes",
            )
                .into_response();
            add_cors(resp.headers_mut(), &path);
            if !admin {
                rec.status = 400;
                lock(&state.log).push(rec);
            }
            return resp;
        }
    };
    rec.body_length = bytes.len() as u64;
    if !streamed {
        use sha2::Digest;
        rec.body_sha256 = Some(crate::util::hex(&sha2::Sha256::digest(&bytes)));
    }

    let mut flags = Vec::new();
    let mut truncate = None;
    let mut throttle = None;
    if let Some(f) = &fault {
        match &f.action {
            FaultAction::Status {
                status,
                body,
                headers,
            } => {
                let code = crate::errors::code_for_status(*status);
                let body = body.clone().unwrap_or_else(|| {
                    error_body(
                        *status,
                        code,
                        &format!("Injected fault (status {status})"),
                        &ReqInfo::default(),
                    )
                });
                let mut resp = json_response(*status, &body);
                for (k, v) in headers {
                    if let (Ok(k), Ok(v)) = (HeaderName::from_str(k), HeaderValue::from_str(v)) {
                        resp.headers_mut().insert(k, v);
                    }
                }
                add_cors(resp.headers_mut(), &path);
                rec.status = *status;
                lock(&state.log).push(rec);
                return resp;
            }
            FaultAction::Html { status } => {
                let html = format!(
                    "<html>\r\n<head><title>{status} Error</title></head>\r\n<body>\r\n<center><h1>{status} Error</h1></center>\r\n<hr><center>proxy</center>\r\n</body>\r\n</html>\r\n"
                );
                let mut resp = Response::new(Body::from(html));
                *resp.status_mut() =
                    StatusCode::from_u16(*status).unwrap_or(StatusCode::BAD_GATEWAY);
                resp.headers_mut().insert(
                    http::header::CONTENT_TYPE,
                    HeaderValue::from_static("text/html"),
                );
                add_cors(resp.headers_mut(), &path);
                rec.status = *status;
                lock(&state.log).push(rec);
                return resp;
            }
            FaultAction::Reset => {
                lock(&state.log).push(rec);
                if let Some(c) = &conn {
                    c.kill.notify_one();
                }
                std::future::pending::<()>().await;
                unreachable!()
            }
            FaultAction::Hang => {
                lock(&state.log).push(rec);
                state.wait_shutdown().await;
                return StatusCode::SERVICE_UNAVAILABLE.into_response();
            }
            FaultAction::Delay { ms } => {
                tokio::time::sleep(Duration::from_millis(*ms)).await;
            }
            FaultAction::Truncate { bytes } => truncate = Some(*bytes),
            FaultAction::WrongHash => flags.push(FaultFlag::WrongHash),
            FaultAction::ExpireUrl => flags.push(FaultFlag::ExpireUrl),
            FaultAction::IgnoreRange => flags.push(FaultFlag::IgnoreRange),
            FaultAction::WrongContentRange { start } => {
                flags.push(FaultFlag::WrongContentRange(*start))
            }
            FaultAction::Throttle {
                bytes_per_second,
                ms,
            } => throttle = Some((*bytes_per_second, *ms)),
        }
    }

    let note = AuthNoteCell::default();
    parts.extensions.insert(note.clone());
    parts.extensions.insert(flags);
    let req = Request::from_parts(parts, body.unwrap_or_else(|| Body::from(bytes)));
    let mut resp = next.run(req).await;
    add_cors(resp.headers_mut(), &path);

    if !admin {
        if streamed {
            rec.body_length = counter.load(Ordering::Relaxed);
            rec.body_sha256 = resp
                .extensions()
                .get::<crate::storage::BodyDigest>()
                .map(|d| d.0.clone());
        }
        rec.status = resp.status().as_u16();
        let n = lock(&note.0).clone();
        rec.client_id = n.client_id;
        rec.auth_error = n.auth_error;
        lock(&state.log).push(rec);
    }

    if let Some(n) = truncate {
        return truncate_response(resp, n);
    }
    if let Some((rate, ms)) = throttle {
        return throttle_response(resp, rate, Duration::from_millis(ms));
    }
    resp
}

/// Pace the body at `rate` bytes per second until `period` has passed since the head was
/// sent, then pass it through. Chunks are split into slices of at most 1/20 s worth of bytes
/// and each slice waits until the rate allows it; nothing is read ahead of the client.
fn throttle_response(resp: Response, rate: u64, period: Duration) -> Response {
    let (parts, body) = resp.into_parts();
    let rate = rate.max(1);
    let slice = (rate / 20).max(1) as usize;
    let started = tokio::time::Instant::now();
    let inner = body.into_data_stream();
    // state: the body, the unsent rest of the current chunk, bytes sent while throttled
    let stream = futures_util::stream::unfold(
        (inner, Bytes::new(), 0u64),
        move |(mut inner, mut pending, mut sent)| async move {
            if pending.is_empty() {
                match inner.next().await {
                    Some(Ok(chunk)) => pending = chunk,
                    Some(Err(e)) => {
                        return Some((
                            Err(std::io::Error::other(e.to_string())),
                            (inner, Bytes::new(), sent),
                        ))
                    }
                    None => return None,
                }
            }
            if started.elapsed() >= period {
                let all = std::mem::take(&mut pending);
                return Some((Ok::<Bytes, std::io::Error>(all), (inner, pending, sent)));
            }
            let piece = pending.split_to(slice.min(pending.len()));
            sent += piece.len() as u64;
            // the instant at which `sent` bytes are allowed, capped at the end of the period
            let due = Duration::from_secs_f64(sent as f64 / rate as f64).min(period);
            tokio::time::sleep_until(started + due).await;
            Some((Ok(piece), (inner, pending, sent)))
        },
    );
    Response::from_parts(parts, Body::from_stream(stream))
}

/// Send the head (with the full `Content-Length`) and the first `n` body bytes, then abort.
/// The body is streamed through, so large blob downloads stay bounded in memory.
fn truncate_response(resp: Response, n: u64) -> Response {
    use axum::body::HttpBody;
    let (parts, body) = resp.into_parts();
    let full_len = parts
        .headers
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        .or_else(|| body.size_hint().exact());
    let inner = body.into_data_stream();
    let stream =
        futures_util::stream::unfold((inner, n, false), |(mut inner, left, done)| async move {
            if done {
                return None;
            }
            if left > 0 {
                match inner.next().await {
                    Some(Ok(chunk)) => {
                        let take = (chunk.len() as u64).min(left);
                        let head = chunk.slice(..take as usize);
                        return Some((
                            Ok::<Bytes, std::io::Error>(head),
                            (inner, left - take, false),
                        ));
                    }
                    Some(Err(e)) => {
                        return Some((Err(std::io::Error::other(e.to_string())), (inner, 0, true)))
                    }
                    // the body ended first: still abort, as the declared length says more
                    None => {}
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
            Some((
                Err(std::io::Error::new(
                    std::io::ErrorKind::ConnectionAborted,
                    "injected truncation",
                )),
                (inner, 0, true),
            ))
        });
    let mut resp = Response::from_parts(parts, Body::from_stream(stream));
    if let Some(len) = full_len {
        resp.headers_mut()
            .insert(http::header::CONTENT_LENGTH, HeaderValue::from(len));
    }
    resp.headers_mut().remove(http::header::TRANSFER_ENCODING);
    resp
}

async fn api_fallback(State(state): State<AppState>, req: Request) -> Response {
    let method = req.method().clone();
    let url = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "/".into());
    let flags = req
        .extensions()
        .get::<Vec<FaultFlag>>()
        .cloned()
        .unwrap_or_default();
    let note = req
        .extensions()
        .get::<AuthNoteCell>()
        .cloned()
        .unwrap_or_default();
    let (parts, body) = req.into_parts();
    if url.starts_with(crate::storage::PREFIX) {
        return crate::storage::handle(&state, method, url, parts.headers, body, flags).await;
    }
    let body = axum::body::to_bytes(body, BODY_LIMIT)
        .await
        .unwrap_or_default();
    if url.starts_with("/api/") {
        dispatch(
            SERVICES,
            state,
            method,
            url,
            parts.headers,
            body,
            flags,
            note,
        )
        .await
    } else if url.starts_with("/references/") || url.starts_with("/schemas/") {
        crate::references::serve(&state, &url).await
    } else {
        not_found()
    }
}

async fn add_fault(State(state): State<AppState>, Json(f): Json<Fault>) -> Response {
    push_fault(&state, f);
    (StatusCode::OK, Json(serde_json::json!({}))).into_response()
}

async fn list_faults(State(state): State<AppState>) -> Response {
    let list: Vec<Fault> = lock(&state.faults)
        .iter()
        .map(|f| {
            let mut fault = f.fault.clone();
            fault.times = f.remaining.unwrap_or(0);
            fault
        })
        .collect();
    Json(list).into_response()
}

async fn clear_faults(State(state): State<AppState>) -> Response {
    lock(&state.faults).clear();
    Json(serde_json::json!({})).into_response()
}

async fn list_requests(
    State(state): State<AppState>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let prefix = q.get("pathPrefix").cloned().unwrap_or_default();
    let list: Vec<RequestRecord> = lock(&state.log)
        .iter()
        .filter(|r| r.url.starts_with(&prefix))
        .cloned()
        .collect();
    Json(list).into_response()
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct ObjectBody {
    name: String,
    #[serde(default = "default_project")]
    project_id: String,
    /// base64
    data: String,
    #[serde(default = "default_content_type")]
    content_type: String,
    #[serde(default)]
    content_encoding: Option<String>,
}

fn default_project() -> String {
    "devserver".to_string()
}

fn default_content_type() -> String {
    "application/octet-stream".to_string()
}

fn admin_error(status: StatusCode, message: String) -> Response {
    (status, Json(serde_json::json!({"message": message}))).into_response()
}

async fn put_object(State(state): State<AppState>, Json(b): Json<ObjectBody>) -> Response {
    let Some(data) = crate::util::lenient_b64_decode(&b.data) else {
        return admin_error(StatusCode::BAD_REQUEST, "data is not base64".into());
    };
    let expires = now_ms() + 24 * 3600 * 1000;
    match object::put_finished(
        &state,
        &b.name,
        &b.project_id,
        expires,
        &data,
        &b.content_type,
        b.content_encoding.as_deref(),
    )
    .await
    {
        Ok(()) => Json(serde_json::json!({})).into_response(),
        Err(e) if e.kind() == std::io::ErrorKind::InvalidInput => {
            admin_error(StatusCode::BAD_REQUEST, e.to_string())
        }
        Err(e) => admin_error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    }
}

async fn get_object(
    State(state): State<AppState>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let name = q.get("name").cloned().unwrap_or_default();
    match stored_object(&state, &name) {
        Some(o) => Json(o).into_response(),
        None => admin_error(StatusCode::NOT_FOUND, format!("no object {name:?}")),
    }
}

fn clock_json(clock: Clock) -> serde_json::Value {
    let now = clock.now_ms();
    let mut v = serde_json::json!({"nowMs": now, "now": crate::util::iso(now)});
    match clock {
        Clock::System => v["mode"] = "system".into(),
        Clock::Fixed(_) => v["mode"] = "fixed".into(),
        Clock::Offset(d) => {
            v["mode"] = "offset".into();
            v["offsetMs"] = d.into();
        }
    }
    v
}

async fn get_clock(State(state): State<AppState>) -> Response {
    Json(clock_json(state.clock.get())).into_response()
}

/// `{"fixed": <RFC 3339 or ms>}`, `{"offset": <"-90s" or ms>}` or `{"system": true}`.
async fn set_clock(State(state): State<AppState>, Json(b): Json<serde_json::Value>) -> Response {
    let text = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    };
    let clock = if let Some(v) = b.get("fixed") {
        text(v)
            .ok_or_else(|| "fixed must be a string or a number".to_string())
            .and_then(|t| Clock::parse_fixed(&t))
    } else if let Some(v) = b.get("offset") {
        text(v)
            .ok_or_else(|| "offset must be a string or a number".to_string())
            .and_then(|t| Clock::parse_offset(&t))
    } else if b.get("system") == Some(&serde_json::Value::Bool(true)) {
        Ok(Clock::System)
    } else {
        Err(r#"expected {"fixed": ...}, {"offset": ...} or {"system": true}"#.to_string())
    };
    match clock {
        Ok(c) => {
            state.clock.set(c);
            Json(clock_json(c)).into_response()
        }
        Err(e) => admin_error(StatusCode::BAD_REQUEST, e),
    }
}

async fn add_clients(State(state): State<AppState>, body: Bytes) -> Response {
    let text = String::from_utf8_lossy(&body);
    match ClientSeed::parse_json(&text) {
        Ok(list) => {
            for c in &list {
                add_client(&state, c);
            }
            let ids: Vec<&str> = list.iter().map(|c| c.client_id.as_str()).collect();
            Json(serde_json::json!({ "clientIds": ids })).into_response()
        }
        Err(e) => admin_error(StatusCode::BAD_REQUEST, e),
    }
}

async fn clear_requests(State(state): State<AppState>) -> Response {
    lock(&state.log).clear();
    Json(serde_json::json!({})).into_response()
}

/// Build the application router.
pub(crate) fn router(state: AppState) -> Router {
    Router::new()
        .route(
            "/__devserver/faults",
            post(add_fault).get(list_faults).delete(clear_faults),
        )
        .route(
            "/__devserver/requests",
            get(list_requests).delete(clear_requests),
        )
        .route("/__devserver/objects", post(put_object).get(get_object))
        .route("/__devserver/clock", get(get_clock).put(set_clock))
        .route("/__devserver/clients", post(add_clients))
        .route("/__devserver/live-log", get(crate::livelog::serve))
        .route(
            "/__devserver/ping",
            any(|| async { Json(serde_json::json!({"alive": true})) }),
        )
        .fallback(api_fallback)
        .layer(axum::middleware::from_fn_with_state(state.clone(), front))
        .with_state(state)
}

/// Accept loop: serves each connection with hyper, abortable by faults and shutdown.
pub(crate) async fn serve(
    listener: TcpListener,
    app: Router,
    mut shutdown: watch::Receiver<bool>,
    clock: Arc<ClockCell>,
) {
    loop {
        let accepted = tokio::select! {
            r = listener.accept() => r,
            _ = shutdown.changed() => break,
        };
        let Ok((stream, _)) = accepted else {
            tokio::time::sleep(Duration::from_millis(10)).await;
            continue;
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let clock = clock.clone();
        let mut shutdown = shutdown.clone();
        tokio::spawn(async move {
            let kill = Arc::new(Notify::new());
            // a second handle on the socket, to force an RST on injected resets
            let std_stream = match stream.into_std() {
                Ok(s) => s,
                Err(_) => return,
            };
            let raw = std_stream.try_clone().ok();
            let Ok(stream) = tokio::net::TcpStream::from_std(std_stream) else {
                return;
            };
            let ctl = ConnCtl { kill: kill.clone() };
            let svc =
                hyper::service::service_fn(move |req: http::Request<hyper::body::Incoming>| {
                    let mut req = req.map(Body::new);
                    req.extensions_mut().insert(ctl.clone());
                    with_clock(clock.clone(), app.clone().oneshot(req))
                });
            let conn = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .keep_alive(true)
                .serve_connection(TokioIo::new(stream), svc);
            tokio::select! {
                _ = conn => {}
                _ = kill.notified() => {
                    if let Some(raw) = &raw {
                        let _ = socket2::SockRef::from(raw).set_linger(Some(Duration::ZERO));
                    }
                }
                _ = shutdown.changed() => {}
            }
            drop(raw);
        });
    }
}
