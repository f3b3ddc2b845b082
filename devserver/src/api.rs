//! The Taskcluster API layer: routing over the endpoint tables of the services it is given,
//! query/param checks, payload parsing, authentication, scope checks, the endpoints every
//! service has (ping, heartbeats, version), and error rendering.

use crate::call::{not_found, ok, Call, Caller, Ep, FaultFlag, Reply, Service};
use crate::clock::now_ms;
use crate::errors::{error_response, ReqInfo, TcError};
use crate::hawkauth::{authenticate, AuthOutcome, AuthRequest, ClientSource, LoadedClient};
use crate::scopes::render;
use crate::state::AppState;
use crate::util::lock;
use axum::body::Body;
use axum::response::Response;
use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method, StatusCode};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::time::Instant;

/// Params whose value may contain `/` (v106's `{*name}`), anywhere in the route.
fn is_wildcard(ep: &Ep, param: &str) -> bool {
    (param == "prefix" && ep.name == "awsS3Credentials")
        || param == "taskQueueId"
            && ep.service == "queue"
            && matches!(
                ep.name,
                "claimWork"
                    | "pendingTasks"
                    | "taskQueueCounts"
                    | "listPendingTasks"
                    | "listClaimedTasks"
            )
        || param == "name"
            && match ep.service {
                "queue" | "secrets" | "index" => true,
                // upload/:name and finish-upload/:name match a single segment only
                "object" => !matches!(ep.name, "createUpload" | "finishUpload"),
                _ => false,
            }
}

/// Params that may be empty (express `:namespace?`).
fn is_optional(ep: &Ep, param: &str) -> bool {
    param == "namespace" && matches!(ep.name, "listNamespaces" | "listTasks")
}

/// Match `path` (raw, after `/api/<service>/v1`) against a route; returns decoded params.
fn match_route(ep: &Ep, raw_path: &str) -> Option<Params> {
    let route_segs: Vec<&str> = ep.route.split('/').collect();
    let path_segs: Vec<&str> = raw_path.split('/').collect();
    let mut params = BTreeMap::new();
    let mut i = 0;
    for (ri, rs) in route_segs.iter().enumerate() {
        if let Some(name) = rs.strip_prefix('<').and_then(|r| r.strip_suffix('>')) {
            let last = ri == route_segs.len() - 1;
            let raw = if is_wildcard(ep, name) {
                // all the segments but those the rest of the route needs (one each)
                let after = route_segs.len() - ri - 1;
                let end = path_segs.len().checked_sub(after)?;
                if end <= i {
                    return None;
                }
                let v = path_segs[i..end].join("/");
                i = end;
                v
            } else {
                // `/namespaces{/:namespace}` also matches `/namespaces`
                let v = match path_segs.get(i) {
                    Some(v) => v.to_string(),
                    None if last && is_optional(ep, name) => String::new(),
                    None => return None,
                };
                i += 1;
                v
            };
            if raw.is_empty() && !is_optional(ep, name) {
                return None;
            }
            match crate::util::pct_decode(&raw) {
                Some(v) => {
                    params.insert(name.to_string(), v);
                }
                None => return Some(Err(format!("Invalid URL encoding in parameter {name}"))),
            }
        } else {
            if path_segs.get(i) != Some(rs) {
                return None;
            }
            i += 1;
        }
    }
    // express non-strict routing: one trailing slash is optional
    let rest = &path_segs[i.min(path_segs.len())..];
    let exact = rest.is_empty() || (rest.len() == 1 && rest[0].is_empty());
    (exact || (ep.route.ends_with('/') && i == path_segs.len())).then_some(Ok(params))
}

/// Decoded URL params, or an error message for a bad encoding.
type Params = Result<BTreeMap<String, String>, String>;

/// Find the endpoint of a service for a method and raw path (without the query).
fn find_endpoint(service: &Service, method: &str, raw_path: &str) -> Option<(&'static Ep, Params)> {
    let method = if method == "HEAD" { "GET" } else { method };
    for ep in service.endpoints.iter().filter(|e| e.method == method) {
        if let Some(m) = match_route(ep, raw_path) {
            return Some((ep, m));
        }
        // trailing-slash routes also match without the slash
        if let Some(stripped) = ep.route.strip_suffix('/') {
            if stripped == raw_path {
                return Some((ep, Ok(BTreeMap::new())));
            }
        }
    }
    None
}

/// `/^[a-zA-Z0-9-_]{1,38}$/`
fn generic_id(value: &str) -> bool {
    (1..=38).contains(&value.len())
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The queue's GENERIC_ID_PATTERN and TASK_QUEUE_ID_PATTERN, as lib-api prints them.
const GENERIC_ID_PATTERN: &str = "/^[a-zA-Z0-9-_]{1,38}$/";
const TASK_QUEUE_ID_PATTERN: &str = "/^[a-zA-Z0-9-_]{1,38}\\/[a-z]([-a-z0-9]{0,36}[a-z0-9])?$/";

fn lower_digit(b: u8) -> bool {
    b.is_ascii_lowercase() || b.is_ascii_digit()
}

fn azure_account(v: &str) -> bool {
    (3..=24).contains(&v.len()) && v.bytes().all(lower_digit)
}

fn azure_table(v: &str) -> bool {
    (3..=63).contains(&v.len())
        && v.starts_with(|c: char| c.is_ascii_alphabetic())
        && v.bytes().all(|b| b.is_ascii_alphanumeric())
}

fn azure_container(v: &str) -> bool {
    let b = v.as_bytes();
    (3..=63).contains(&b.len())
        && lower_digit(b[0])
        && lower_digit(b[b.len() - 1])
        && b.iter().all(|&c| lower_digit(c) || c == b'-')
        && !v.contains("--")
}

fn s3_bucket(v: &str) -> bool {
    let b = v.as_bytes();
    (3..=64).contains(&b.len())
        && lower_digit(b[0])
        && lower_digit(b[b.len() - 1])
        && b.iter().all(|&c| lower_digit(c) || c == b'-')
}

fn printable(v: &str) -> bool {
    !v.is_empty() && crate::scopes::valid_scope(v)
}

/// The index's `namespaceFormat`: dot-separated non-empty words.
fn namespace_format(v: &str) -> bool {
    v.split('.').all(|w| {
        !w.is_empty()
            && w.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"_!~*'()%-".contains(&b))
    })
}

fn hook_id(v: &str, slash: bool) -> bool {
    (1..=1000).contains(&v.len())
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || (slash && b == b'/'))
}

fn task_queue_id(v: &str) -> bool {
    v.split_once('/').is_some_and(|(p, w)| {
        generic_id(p)
            && w.len() <= 38
            && w.starts_with(|c: char| c.is_ascii_lowercase())
            && !w.ends_with('-')
            && w.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    })
}

/// A v106 service's pattern for a URL parameter: whether `value` matches, and the regular
/// expression as lib-api prints it. `None` when the service gives the parameter no pattern.
fn param_pattern(service: &str, name: &str, value: &str) -> Option<(bool, &'static str)> {
    const SLUGID: &str =
        "/^[A-Za-z0-9_-]{8}[Q-T][A-Za-z0-9_-][CGKOSWaeimquy26-][A-Za-z0-9_-]{10}[AQgw]$/";
    const PRINTABLE: &str = "/^[\\x20-\\x7e]+$/";
    Some(match (service, name) {
        ("queue", "taskId" | "taskGroupId") => (crate::util::is_slugid(value), SLUGID),
        ("queue", "runId") => (
            !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()),
            "/^[1-9]*[0-9]+$/",
        ),
        ("queue", "name") | ("object", "name") | ("auth", "roleId") => {
            (printable(value), PRINTABLE)
        }
        ("queue", "provisionerId" | "workerType" | "workerGroup" | "workerId") => {
            (generic_id(value), GENERIC_ID_PATTERN)
        }
        ("queue", "taskQueueId") => (task_queue_id(value), TASK_QUEUE_ID_PATTERN),
        ("auth", "clientId") => (
            !value.is_empty()
                && value
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"!@/:.+|_-".contains(&b)),
            "/^[A-Za-z0-9!@/:.+|_-]+$/",
        ),
        ("auth", "account") => (azure_account(value), "/^[a-z0-9]{3,24}$/"),
        ("auth", "table") => (azure_table(value), "/^[A-Za-z][A-Za-z0-9]{2,62}$/"),
        ("auth", "container") => (
            azure_container(value),
            "/^(?!.*[-]{2})[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/",
        ),
        ("auth", "level") => (
            value == "read-write" || value == "read-only",
            "/^(read-write|read-only)$/",
        ),
        ("auth", "entityType") => (
            matches!(value, "client" | "role" | "secret" | "hook" | "worker-pool"),
            "/^(client|role|secret|hook|worker-pool)$/",
        ),
        ("auth", "appName") => (ascii_of(value, b"_-"), "/^[a-zA-Z0-9_-]+$/"),
        ("auth", "owner") => (ascii_of(value, b"._-"), "/^[A-Za-z0-9._-]+$/"),
        ("auth", "wstAudience") => (
            value.len() <= 38 && ascii_of(value, b"_-"),
            "/^[a-zA-Z0-9_-]{1,38}$/",
        ),
        ("auth", "wstClient") => (ascii_of(value, b"_~.%-"), "/^[a-zA-Z0-9_~.%-]+$/"),
        ("auth", "bucket") => (s3_bucket(value), "/^[a-z0-9][a-z0-9-]{1,62}[a-z0-9]$/"),
        ("auth", "project") => (
            (1..=64).contains(&value.len())
                && value
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-'),
            "/^[a-zA-Z0-9_-]{1,64}$/",
        ),
        ("index", "namespace" | "indexPath") => (
            namespace_format(value),
            "/^([a-zA-Z0-9_!~*'()%-]+\\.)*[a-zA-Z0-9_!~*'()%-]+$/",
        ),
        ("hooks", "hookGroupId") => (hook_id(value, false), "/^[a-zA-Z0-9-_]{1,1000}$/"),
        ("hooks", "hookId") => (hook_id(value, true), "/^[a-zA-Z0-9-_/]{1,1000}$/"),
        ("object", "projectId") => (
            value
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"._/-".contains(&b)),
            "/^([a-zA-Z0-9._/-]*)$/",
        ),
        _ => return None,
    })
}

/// Non-empty, of ASCII letters, digits and the bytes of `also`.
fn ascii_of(value: &str, also: &[u8]) -> bool {
    !value.is_empty()
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || also.contains(&b))
}

/// The query string as lib-api's queryValidator sees it: declared keys only, each once, `limit`
/// and `quarantined` to their patterns (`bewit` is authentication's).
fn parse_query(ep: &Ep, raw_query: Option<&str>) -> Result<BTreeMap<String, String>, TcError> {
    let mut query = BTreeMap::new();
    let Some(q) = raw_query.filter(|q| !q.is_empty()) else {
        return Ok(query);
    };
    for pair in q.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let k = crate::util::form_decode(k).unwrap_or_default();
        let v = crate::util::form_decode(v).unwrap_or_default();
        if k == "bewit" {
            continue;
        }
        if !ep.query.contains(&k.as_str()) {
            return Err(TcError::bad_args(format!(
                "Query-string parameter: {k} is not supported!"
            )));
        }
        if query.contains_key(&k) {
            return Err(TcError::bad_args(format!(
                "Query-string parameter: {k} must be a string!"
            )));
        }
        if k == "limit" && (v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit())) {
            return Err(TcError::bad_args(format!(
                "Query-string parameter: {k}=\"{v}\" does not match expression: /^[0-9]+$/"
            )));
        }
        if k == "quarantined" && v != "true" && v != "false" {
            return Err(TcError::bad_args(format!(
                "Query-string parameter: {k}=\"{v}\" does not match expression: /^(true|false)$/"
            )));
        }
        query.insert(k, v);
    }
    Ok(query)
}

/// lib-api's parameter check: every URL parameter the route gives (in the route's order) against
/// its service's pattern, all failures named in one `InvalidRequestArguments` message.
fn check_params(ep: &Ep, params: &BTreeMap<String, String>) -> Result<(), String> {
    let mut errors = Vec::new();
    for seg in ep.route.split('/') {
        let Some(name) = seg.strip_prefix('<').and_then(|r| r.strip_suffix('>')) else {
            continue;
        };
        let Some(value) = params.get(name) else {
            continue;
        };
        // an optional parameter left out is not in express's req.params
        if value.is_empty() && is_optional(ep, name) {
            continue;
        }
        if let Some((false, pattern)) = param_pattern(ep.service, name, value) {
            errors.push(format!(
                "URL parameter '{name}' given as '{value}' must match regular expression: '{pattern}'"
            ));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(format!("Invalid URL patterns:\n{}", errors.join("\n")))
    }
}

/// Outcome of authentication, for the request log.
#[derive(Debug, Clone, Default)]
pub(crate) struct AuthNote {
    pub(crate) client_id: Option<String>,
    pub(crate) auth_error: Option<String>,
}

/// Extension type carrying the note between the dispatcher and the logging middleware.
#[derive(Debug, Clone, Default)]
pub(crate) struct AuthNoteCell(pub(crate) std::sync::Arc<std::sync::Mutex<AuthNote>>);

/// Host and port for Hawk from the Host / X-Forwarded-* headers.
pub(crate) fn host_port(headers: &HeaderMap) -> (String, u16) {
    let host_hdr = headers
        .get(http::header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .trim();
    let (host, port) = if let Some(rest) = host_hdr.strip_prefix('[') {
        match rest.split_once(']') {
            Some((h, p)) => (
                format!("[{h}]"),
                p.strip_prefix(':').and_then(|p| p.parse().ok()),
            ),
            None => (host_hdr.to_string(), None),
        }
    } else {
        match host_hdr.rsplit_once(':') {
            Some((h, p)) => (h.to_string(), p.parse::<u16>().ok()),
            None => (host_hdr.to_string(), None),
        }
    };
    let fwd_port = headers
        .get("x-forwarded-port")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u16>().ok());
    let https = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("https"));
    let port = fwd_port
        .or(if https { Some(443) } else { None })
        .or(port)
        .unwrap_or(80);
    (host.to_ascii_lowercase(), port)
}

/// The built-in `tester` client of `testAuthenticate`.
struct TesterSource<'a> {
    scopes: Vec<String>,
    db: &'a crate::state::Db,
}

impl ClientSource for TesterSource<'_> {
    fn load(&self, client_id: &str) -> Result<LoadedClient, String> {
        if client_id != "tester" {
            return Err(format!("Client with clientId '{client_id}' not found"));
        }
        Ok(LoadedClient {
            access_token: "no-secret".into(),
            scopes: self.db.expand(&self.scopes),
            expires_ms: now_ms() + 3_600_000,
        })
    }
    fn expand(&self, s: &[String]) -> Vec<String> {
        self.db.expand(s)
    }
}

/// Whether the query string has a non-empty `bewit` parameter (`req.query.bewit` is truthy).
fn query_has_bewit(raw_query: Option<&str>) -> bool {
    let Some(q) = raw_query else {
        return false;
    };
    let values: Vec<String> = q
        .split('&')
        .filter_map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (crate::util::form_decode(k).as_deref() == Some("bewit"))
                .then(|| crate::util::form_decode(v).unwrap_or_else(|| v.to_string()))
        })
        .collect();
    // one value: a string (truthy unless empty); several: an array (always truthy)
    values.len() > 1 || values.first().is_some_and(|v| !v.is_empty())
}

/// Hawk payload hash over `body` with the media type (`hawk.1.payload`).
pub(crate) fn payload_hash(media_type: &str, body: &[u8]) -> String {
    use base64::Engine;
    use sha2::Digest;
    let mut h = sha2::Sha256::new();
    h.update(format!("hawk.1.payload\n{media_type}\n").as_bytes());
    h.update(body);
    h.update(b"\n");
    crate::util::B64.encode(h.finalize())
}

/// lib-api's `{{key}}` substitution of error messages: keys found in `details` are replaced
/// by their value, others are left as they are; one pass, so inserted text is not rescanned.
pub(crate) fn substitute(template: &str, details: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(i) = rest.find("{{") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 2..];
        let klen = after
            .bytes()
            .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_' || *b == b'-')
            .count();
        if klen > 0 && after[klen..].starts_with("}}") {
            let key = &after[..klen];
            match details.iter().find(|(k, _)| *k == key) {
                Some((_, v)) => out.push_str(v),
                None => out.push_str(&rest[i..i + 2 + klen + 2]),
            }
            rest = &after[klen + 2..];
        } else {
            out.push('{');
            rest = &rest[i + 1..];
        }
    }
    out.push_str(rest);
    out
}

static START: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();

/// The endpoints every service has (as lib-api adds them), or `None` for the service's own.
fn common(ep: &Ep) -> Option<Reply> {
    START.get_or_init(Instant::now);
    match ep.name {
        "ping" => Some(ok(json!({
            "alive": true,
            "uptime": START.get().map(|s| s.elapsed().as_secs_f64()).unwrap_or(0.0),
        }))),
        "lbheartbeat" | "heartbeat" => Some(ok(json!({}))),
        "version" => Some(ok(json!({
            "source": "https://github.com/taskcluster/taskcluster",
            "version": env!("CARGO_PKG_VERSION"),
            "commit": "tc-devserver",
            "build": "tc-devserver",
        }))),
        _ => None,
    }
}

/// Handle a request under `/api/<service>/v1/...` with the service of that name.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn dispatch(
    services: &[Service],
    state: AppState,
    method: Method,
    raw_target: String,
    headers: HeaderMap,
    body: Bytes,
    flags: Vec<FaultFlag>,
    note: AuthNoteCell,
) -> Response {
    let (raw_path, raw_query) = match raw_target.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (raw_target.as_str(), None),
    };
    let Some(rest) = raw_path.strip_prefix("/api/") else {
        return not_found();
    };
    let Some((service, rest)) = rest.split_once('/') else {
        return not_found();
    };
    let Some(sub) = rest.strip_prefix("v1") else {
        return not_found();
    };
    let sub = if sub.is_empty() { "/" } else { sub };
    let Some(svc) = services.iter().find(|s| s.name == service) else {
        return not_found();
    };
    let Some((ep, params)) = find_endpoint(svc, method.as_str(), sub) else {
        return not_found();
    };
    let mut info = ReqInfo {
        method: ep.name.to_string(),
        ..Default::default()
    };
    let params = match params {
        Ok(p) => p,
        Err(m) => return error_response(&TcError::bad_args(m), &info),
    };
    info.params = params.iter().map(|(k, v)| (k.clone(), json!(v))).collect();
    // lib-api validates the parameters and the query after authentication (and after a scope
    // check that needs only the URL's parameters): their errors wait until then
    let param_error = check_params(ep, &params).err().map(TcError::bad_args);
    let query = parse_query(ep, raw_query);

    // payload
    let content_type = headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let media = content_type
        .as_deref()
        .map(|c| {
            c.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .unwrap_or_default();
    let payload = if media == "application/json" && !body.is_empty() {
        match serde_json::from_slice::<Value>(&body) {
            Ok(v @ Value::Object(_)) => v,
            Ok(v @ Value::Array(_)) => v,
            Ok(_) => {
                return error_response(
                    &TcError::new(
                        "MalformedPayload",
                        "Failed to parse JSON: Must be an object or array",
                    ),
                    &info,
                )
            }
            Err(e) => {
                return error_response(
                    &TcError::new("MalformedPayload", format!("Failed to parse JSON: {e}")),
                    &info,
                )
            }
        }
    } else {
        json!({})
    };
    info.payload = payload.clone();

    // authentication (header values are read as latin1, as Node does)
    let authz = headers
        .get(http::header::AUTHORIZATION)
        .map(|v| {
            v.as_bytes()
                .iter()
                .map(|b| char::from(*b))
                .collect::<String>()
        })
        .filter(|a| !a.is_empty());
    let (host, port) = host_port(&headers);
    let areq = AuthRequest {
        method: method.as_str(),
        resource: &raw_target,
        host: &host,
        port,
        authorization: authz.as_deref(),
    };
    let outcome = if authz.is_some() && query_has_bewit(raw_query) {
        AuthOutcome::Failed {
            message: "Cannot use two authentication schemes at once this request has both bewit in querystring and 'authorization' header".into(),
        }
    } else {
        let db = lock(&state.db);
        match ep.name {
            "testAuthenticate" | "testAuthenticateGet" if service == "auth" => {
                let scopes = if ep.name == "testAuthenticate" {
                    payload
                        .get("clientScopes")
                        .and_then(Value::as_array)
                        .map(|a| {
                            a.iter()
                                .filter_map(|s| s.as_str().map(str::to_string))
                                .collect()
                        })
                        .unwrap_or_default()
                } else {
                    vec![
                        "test:*".to_string(),
                        "auth:create-client:test:*".to_string(),
                    ]
                };
                authenticate(&areq, &TesterSource { scopes, db: &db })
            }
            _ => authenticate(&areq, &*db),
        }
    };
    let mut auth_failure = None;
    let caller = match outcome {
        AuthOutcome::Success {
            client_id,
            scopes,
            expires_ms,
            hash,
        } => {
            lock(&note.0).client_id = Some(client_id.clone());
            if let Some(h) = hash {
                // lib-api hashes `req.text`: the body when it was parsed as JSON, else ''
                let text = if media == "application/json" {
                    String::from_utf8_lossy(&body).into_owned()
                } else {
                    String::new()
                };
                let computed = payload_hash(&media, text.as_bytes());
                if h.len() != computed.len() {
                    // crypto.timingSafeEqual throws on a length mismatch: a 500 there
                    lock(&note.0).auth_error = Some("payload hash of the wrong length".into());
                    return error_response(
                        &TcError::new("InternalServerError", "payload hash length"),
                        &info,
                    );
                }
                if !crate::util::ct_eq(h.as_bytes(), computed.as_bytes()) {
                    let template = "Invalid payload hash: {{hash}}\nComputed payload hash: {{computedHash}}\nThis happens when your request carries a signed hash of the payload and the hash doesn't match the hash we've computed on the server-side.";
                    let msg = substitute(
                        template,
                        &[
                            ("status", "auth-failed"),
                            ("message", template),
                            ("computedHash", &computed),
                        ],
                    );
                    lock(&note.0).auth_error = Some(msg.clone());
                    return error_response(&TcError::new("AuthenticationFailed", msg), &info);
                }
            }
            if let Some(c) = lock(&state.db).clients.get_mut(&client_id) {
                c.last_date_used_ms = now_ms();
            }
            Caller {
                client_id: Some(client_id),
                scopes,
                expires_ms: Some(expires_ms),
            }
        }
        AuthOutcome::NoAuth { scopes } => Caller {
            client_id: None,
            scopes,
            expires_ms: None,
        },
        AuthOutcome::Failed { message } => {
            lock(&note.0).auth_error = Some(message.clone());
            let msg = substitute(
                &message,
                &[("status", "auth-failed"), ("message", &message)],
            );
            let failure = TcError::new("AuthenticationFailed", msg);
            // testAuthenticate* validate explicitly
            if matches!(ep.name, "testAuthenticate" | "testAuthenticateGet") {
                return error_response(&failure, &info);
            }
            // authentication is lazy in libraries/api: it fails at the first scope check (up
            // front, or in the handler); endpoints without scopes never look at the credentials
            auth_failure = ep.scopes.is_some().then_some(failure);
            let scopes = lock(&state.db).expand(&["assume:anonymous".to_string()]);
            Caller {
                client_id: None,
                scopes,
                expires_ms: None,
            }
        }
    };

    let mut call = Call {
        state: state.clone(),
        ep,
        method: method.clone(),
        params,
        query: query.clone().unwrap_or_default(),
        payload,
        caller,
        flags,
        headers,
        raw_body: body,
        authorized: false,
        auth_failure,
    };

    // lib-api's remoteAuthentication checks the scopes up front when their expression needs
    // only the route's required parameters (an optional one is left to the handler)
    let tmpl: Option<Value> = ep
        .scopes
        .map(|t| serde_json::from_str(t).expect("valid scope template"));
    let url_params = |with_optional: bool| -> Map<String, Value> {
        call.params
            .iter()
            .filter(|(k, _)| with_optional || !is_optional(ep, k))
            .map(|(k, v)| (k.clone(), json!(v)))
            .collect()
    };
    match tmpl.as_ref().map(|t| render(t, &url_params(false))) {
        None => call.authorized = true,
        Some(Ok(expr)) => {
            if let Err(e) = call.check_expr(&expr) {
                return error_response(&e, &info);
            }
            call.authorized = true;
        }
        Some(Err(_)) => {}
    }
    if let Some(e) = param_error {
        return error_response(&e, &info);
    }
    if let Err(e) = query {
        return error_response(&e, &info);
    }

    // the method's input schema, after authentication and the parameters (lib-api's validateSchemas)
    if let Some(schema) = crate::schema::input_schema(service, ep.name) {
        if media != "application/json" {
            let got = content_type.as_deref().unwrap_or("null");
            let msg = format!(
                "Payload must be JSON with content-type: application/json got content-type: {got}"
            );
            return error_response(&TcError::new("MalformedPayload", msg), &info);
        }
        // ajv's useDefaults: the schema's defaults are part of the body the handler sees
        crate::schema::apply_defaults(schema, &mut call.payload);
        let text = std::str::from_utf8(&call.raw_body).ok();
        if let Err(lines) = crate::schema::check_text(schema, &call.payload, text) {
            let e = crate::schema::input_error(&state.root_url, schema, &lines);
            return error_response(&e, &info);
        }
    }

    // the index's `req.authorize({namespace: req.params.namespace || ''})`, first in its handlers
    if let (false, Some(t)) = (call.authorized, &tmpl) {
        if let Ok(expr) = render(t, &url_params(true)) {
            if let Err(e) = call.check_expr(&expr) {
                return error_response(&e, &info);
            }
            call.authorized = true;
        }
    }

    let result = match common(ep) {
        Some(reply) => reply,
        None => (svc.handle)(&mut call).await,
    };
    let mut resp = match result {
        // like lib-api: a handler that never checked the scopes is a server bug
        Ok(_) if !call.authorized => error_response(
            &TcError::new(
                "InternalServerError",
                format!("API method {} did not call req.authorize", ep.name),
            ),
            &call.info(),
        ),
        Ok(r) => match crate::schema::output_schema(service, ep.name) {
            Some(schema) if r.status() == StatusCode::OK => {
                check_output(r, schema, &state.root_url, &call.info()).await
            }
            _ => r,
        },
        Err(e) => error_response(&e, &call.info()),
    };
    if method == Method::HEAD {
        *resp.body_mut() = Body::empty();
    }
    let trace = call
        .headers
        .get("x-taskcluster-trace-id")
        .cloned()
        .unwrap_or_else(|| HeaderValue::from_str(&crate::util::random_token(22)).expect("ascii"));
    resp.headers_mut().insert("x-for-trace-id", trace);
    resp.headers_mut().insert(
        "x-for-request-id",
        HeaderValue::from_str(&crate::util::random_token(22)).expect("ascii"),
    );
    resp
}

/// A reply of a method with an output schema is checked against it, as lib-api's `res.reply`
/// does: one that does not conform is a server bug, answered with a 500 that names the errors.
async fn check_output(resp: Response, schema: &str, root_url: &str, info: &ReqInfo) -> Response {
    let (parts, body) = resp.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return error_response(
            &TcError::new("InternalServerError", "reply body unreadable"),
            info,
        );
    };
    if let Ok(v) = serde_json::from_slice::<Value>(&bytes) {
        if let Err(lines) = crate::schema::check(schema, &v) {
            return error_response(&crate::schema::output_error(root_url, schema, &lines), info);
        }
    }
    Response::from_parts(parts, Body::from(bytes))
}
