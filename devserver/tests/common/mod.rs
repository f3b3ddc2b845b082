//! Helpers for driving the dev server with raw, hand-signed requests.
#![allow(dead_code, unreachable_pub)]

use base64::Engine;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{json, Value};
use sha2::Sha256;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tc_devserver::{Config, DevServer};

pub const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;
pub const B64URL: base64::engine::GeneralPurpose = base64::engine::general_purpose::URL_SAFE_NO_PAD;

pub async fn start() -> DevServer {
    DevServer::start(Config::default())
        .await
        .expect("server starts")
}

pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

pub fn port_of(root: &str) -> u16 {
    root.rsplit(':').next().unwrap().parse().unwrap()
}

/// `Hawk ...` header built with the hawk crate.
pub fn hawk_header(
    root: &str,
    id: &str,
    key: &str,
    method: &str,
    path_and_query: &str,
    ext: Option<&str>,
    ts: SystemTime,
) -> String {
    let creds = hawk::Credentials {
        id: id.to_string(),
        key: hawk::Key::new(key.as_bytes(), hawk::DigestAlgorithm::Sha256).unwrap(),
    };
    let req = hawk::RequestBuilder::new(method, "127.0.0.1", port_of(root), path_and_query)
        .ext(ext)
        .request();
    let header = req.make_header_full(&creds, ts, "abc123").unwrap();
    format!("Hawk {header}")
}

/// Signed URL (bewit) built with the hawk crate.
pub fn bewit_url(
    root: &str,
    id: &str,
    key: &str,
    path_and_query: &str,
    ext: Option<&str>,
    exp: SystemTime,
) -> String {
    let creds = hawk::Credentials {
        id: id.to_string(),
        key: hawk::Key::new(key.as_bytes(), hawk::DigestAlgorithm::Sha256).unwrap(),
    };
    let req = hawk::RequestBuilder::new("GET", "127.0.0.1", port_of(root), path_and_query)
        .ext(ext)
        .request();
    let bewit = req.make_bewit(&creds, exp).unwrap();
    let sep = if path_and_query.contains('?') {
        '&'
    } else {
        '?'
    };
    format!("{root}{path_and_query}{sep}bewit={}", bewit.to_str())
}

pub fn hmac(key: &str, msg: &str) -> Vec<u8> {
    let mut m = <Hmac<Sha256> as KeyInit>::new_from_slice(key.as_bytes()).unwrap();
    m.update(msg.as_bytes());
    m.finalize().into_bytes().to_vec()
}

/// A temporary-credentials certificate (server signature form) and its access token.
pub fn certificate(
    issuer_id: &str,
    issuer_token: &str,
    name: Option<&str>,
    scopes: &[&str],
    start: i64,
    expiry: i64,
) -> (Value, String) {
    let seed = "a".repeat(22) + &"b".repeat(22);
    let mut lines = vec!["version:1".to_string()];
    if let Some(n) = name {
        lines.push(format!("clientId:{n}"));
        lines.push(format!("issuer:{issuer_id}"));
    }
    lines.push(format!("seed:{seed}"));
    lines.push(format!("start:{start}"));
    lines.push(format!("expiry:{expiry}"));
    lines.push("scopes:".to_string());
    lines.extend(scopes.iter().map(|s| s.to_string()));
    let sig = B64.encode(hmac(issuer_token, &lines.join("\n")));
    let mut cert = json!({"version": 1, "scopes": scopes, "start": start, "expiry": expiry, "seed": seed, "signature": sig});
    if name.is_some() {
        cert["issuer"] = json!(issuer_id);
    }
    let token = B64URL.encode(hmac(issuer_token, &seed));
    (cert, token)
}

pub fn ext_of(v: &Value) -> String {
    B64.encode(serde_json::to_vec(v).unwrap())
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// Send a request with an optional Authorization header and JSON body; returns (status, json).
pub async fn send(
    method: &str,
    url: &str,
    authz: Option<&str>,
    body: Option<&Value>,
) -> (u16, Value) {
    let c = client();
    let mut rb = c.request(reqwest::Method::from_bytes(method.as_bytes()).unwrap(), url);
    if let Some(a) = authz {
        rb = rb.header("authorization", a);
    }
    if let Some(b) = body {
        rb = rb
            .header("content-type", "application/json")
            .body(serde_json::to_vec(b).unwrap());
    }
    let resp = rb.send().await.expect("request sent");
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

/// A signed call as the given client.
pub async fn call(
    server_root: &str,
    id: &str,
    key: &str,
    method: &str,
    path: &str,
    ext: Option<&str>,
    body: Option<&Value>,
) -> (u16, Value) {
    let h = hawk_header(server_root, id, key, method, path, ext, SystemTime::now());
    send(method, &format!("{server_root}{path}"), Some(&h), body).await
}

pub fn ago(secs: u64) -> SystemTime {
    SystemTime::now() - Duration::from_secs(secs)
}

pub fn message(v: &Value) -> String {
    v["message"].as_str().unwrap_or_default().to_string()
}

/// `(clientId, accessToken, ext)` for credentials JSON `{clientId, accessToken, certificate?}`
/// (the certificate as a JSON string, as the queue returns it).
pub fn creds_parts(creds: &Value) -> (String, String, Option<String>) {
    let id = creds["clientId"].as_str().unwrap().to_string();
    let key = creds["accessToken"].as_str().unwrap().to_string();
    let ext = creds["certificate"].as_str().map(|c| {
        let cert: Value = serde_json::from_str(c).unwrap();
        ext_of(&json!({ "certificate": cert }))
    });
    (id, key, ext)
}

/// A signed call with credentials JSON (temporary credentials included).
pub async fn call_as(
    root: &str,
    creds: &Value,
    method: &str,
    path: &str,
    body: Option<&Value>,
) -> (u16, Value) {
    let (id, key, ext) = creds_parts(creds);
    call(root, &id, &key, method, path, ext.as_deref(), body).await
}

/// Root credentials of a server as JSON.
pub fn root_creds(s: &DevServer) -> Value {
    json!({"clientId": s.client_id(), "accessToken": s.access_token()})
}

/// A signed request returning status, headers and raw body.
pub async fn raw_call(
    root: &str,
    creds: Option<&Value>,
    method: &str,
    path: &str,
    body: Option<&Value>,
) -> (u16, reqwest::header::HeaderMap, bytes::Bytes) {
    let c = client();
    let mut rb = c.request(
        reqwest::Method::from_bytes(method.as_bytes()).unwrap(),
        format!("{root}{path}"),
    );
    if let Some(cr) = creds {
        let (id, key, ext) = creds_parts(cr);
        let h = hawk_header(
            root,
            &id,
            &key,
            method,
            path,
            ext.as_deref(),
            SystemTime::now(),
        );
        rb = rb.header("authorization", h);
    }
    if let Some(b) = body {
        rb = rb
            .header("content-type", "application/json")
            .body(serde_json::to_vec(b).unwrap());
    }
    let resp = rb.send().await.expect("request sent");
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    (status, headers, resp.bytes().await.unwrap())
}

/// Plain (unsigned) GET of an absolute URL with optional extra headers.
pub async fn get_url(
    url: &str,
    headers: &[(&str, &str)],
) -> (u16, reqwest::header::HeaderMap, bytes::Bytes) {
    let mut rb = client().get(url);
    for (k, v) in headers {
        rb = rb.header(*k, *v);
    }
    let resp = rb.send().await.expect("request sent");
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    (status, headers, resp.bytes().await.unwrap())
}

/// Plain PUT of bytes to an absolute URL with the given headers.
pub async fn put_url(url: &str, headers: &[(&str, &str)], body: Vec<u8>) -> (u16, String) {
    let mut rb = client().put(url);
    for (k, v) in headers {
        rb = rb.header(*k, *v);
    }
    let resp = rb.body(body).send().await.expect("request sent");
    (
        resp.status().as_u16(),
        resp.text().await.unwrap_or_default(),
    )
}

pub fn iso_in(secs: i64) -> String {
    chrono::DateTime::<chrono::Utc>::from_timestamp_millis(now_ms() + secs * 1000)
        .unwrap()
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

/// A fresh v4 slugid.
pub fn slugid() -> String {
    let mut b = [0u8; 16];
    getrandom::fill(&mut b).unwrap();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    B64URL.encode(b)
}

/// A minimal task definition.
pub fn task_def(task_queue_id: &str, extra: Value) -> Value {
    let mut t = json!({
        "taskQueueId": task_queue_id,
        "created": iso_in(0),
        "deadline": iso_in(3600),
        "payload": {},
        "metadata": {"name": "t", "description": "d", "owner": "o@example.com", "source": "https://example.com"},
    });
    if let (Some(o), Value::Object(e)) = (t.as_object_mut(), extra) {
        o.extend(e);
    }
    t
}

pub fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

pub fn sha256_hex(b: &[u8]) -> String {
    use sha2::Digest;
    hex(&sha2::Sha256::digest(b))
}

pub fn sha512_hex(b: &[u8]) -> String {
    use sha2::Digest;
    hex(&sha2::Sha512::digest(b))
}

/// The string `field` of each item of the array `list` of an answer (`namespace` of each of
/// `namespaces`).
pub fn field_of_each<'a>(v: &'a Value, list: &str, field: &str) -> Vec<&'a str> {
    v[list]
        .as_array()
        .unwrap_or_else(|| panic!("no array {list} in {v}"))
        .iter()
        .map(|x| {
            x[field]
                .as_str()
                .unwrap_or_else(|| panic!("no string {field} in {x}"))
        })
        .collect()
}
