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
