//! The shared Hawk vectors (tests/data/hawk-vectors.json, made by the real JS libraries at a
//! pinned clock and checked against the real validator) replayed against tc-devserver running
//! at the vectors' clock with the vectors' clients, and the negative cases of hawk.md §10 with
//! the real status, error code and message.
//!
//! Requests are signed here with an HMAC written for the test (not the server's code), and
//! sent both to `auth.authenticateHawk` (whose answer is the validator result the vectors
//! record) and as real HTTP requests (Host / X-Forwarded-Port give the signed host and port).

mod common;
use base64::Engine;
use common::{client, hmac, B64};
use serde_json::{json, Value};
use sha2::Digest;
use tc_devserver::{ClientSeed, Clock, Config, DevServer};

fn vectors() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/data/hawk-vectors.json"
    );
    let text = std::fs::read_to_string(path).expect("tests/data/hawk-vectors.json");
    serde_json::from_str(&text).unwrap()
}

fn vector_clients() -> Vec<ClientSeed> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/data/hawk-vectors.json"
    );
    ClientSeed::parse_json(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// A server on the vectors' clock with their clients; `anonymous` scopes optional.
async fn vector_server(anonymous: &[&str]) -> DevServer {
    let v = vectors();
    DevServer::start(Config {
        clock: Clock::Fixed(v["meta"]["now_ms"].as_i64().unwrap()),
        clients: vector_clients(),
        anonymous_scopes: anonymous.iter().map(|s| s.to_string()).collect(),
        ..Config::default()
    })
    .await
    .unwrap()
}

const PERM: &str = "project/tc-rs/perm";
const CURRENT: &str = "/api/auth/v1/scopes/current";
const HOST: &str = "tc.example.com";

fn token(id: &str) -> String {
    vectors()["clients"][id]["accessToken"]
        .as_str()
        .unwrap()
        .to_string()
}

/// Hawk MAC, written from hawk.md §4.1 / §5.1.
#[allow(clippy::too_many_arguments)]
fn mac(
    key: &str,
    kind: &str,
    ts: &str,
    nonce: &str,
    method: &str,
    resource: &str,
    host: &str,
    port: u16,
    hash: &str,
    ext: &str,
) -> String {
    let n = format!(
        "hawk.1.{kind}\n{ts}\n{nonce}\n{method}\n{resource}\n{host}\n{port}\n{hash}\n{ext}\n"
    );
    B64.encode(hmac(key, &n))
}

/// A signed request to send.
#[derive(Clone)]
struct Req {
    method: String,
    resource: String,
    host: String,
    port: u16,
    authorization: Option<String>,
    content_type: Option<String>,
    body: Option<String>,
}

impl Req {
    fn get(resource: &str) -> Req {
        Req {
            method: "GET".into(),
            resource: resource.into(),
            host: HOST.into(),
            port: 443,
            authorization: None,
            content_type: None,
            body: None,
        }
    }

    /// Sign with a Hawk header (ts in seconds as a string, so odd values can be sent).
    fn signed(
        mut self,
        id: &str,
        key: &str,
        ts: &str,
        hash: Option<&str>,
        ext: Option<&str>,
    ) -> Req {
        let nonce = "rPlay1";
        let m = mac(
            key,
            "header",
            ts,
            nonce,
            &self.method,
            &self.resource,
            &self.host,
            self.port,
            hash.unwrap_or(""),
            ext.unwrap_or(""),
        );
        let mut h = format!(r#"Hawk id="{id}", ts="{ts}", nonce="{nonce}""#);
        if let Some(x) = hash {
            h.push_str(&format!(r#", hash="{x}""#));
        }
        if let Some(x) = ext {
            h.push_str(&format!(r#", ext="{x}""#));
        }
        h.push_str(&format!(r#", mac="{m}""#));
        self.authorization = Some(h);
        self
    }

    fn with_body(mut self, content_type: Option<&str>, body: &str) -> Req {
        self.content_type = content_type.map(str::to_string);
        self.body = Some(body.to_string());
        self
    }
}

/// A bewit URL path for `resource` (hawk.md §5.1).
fn bewit(id: &str, key: &str, resource: &str, exp: i64, ext: &str) -> String {
    let m = mac(
        key,
        "bewit",
        &exp.to_string(),
        "",
        "GET",
        resource,
        HOST,
        443,
        "",
        ext,
    );
    let raw = format!("{id}\\{exp}\\{m}\\{ext}");
    let b = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw);
    let sep = if resource.contains('?') { '&' } else { '?' };
    format!("{resource}{sep}bewit={b}")
}

/// The validator result through `auth.authenticateHawk`.
async fn authenticate_hawk(s: &DevServer, r: &Req) -> Value {
    let mut body = json!({
        "method": r.method.to_lowercase(),
        "resource": r.resource,
        "host": r.host,
        "port": r.port,
    });
    if let Some(a) = &r.authorization {
        body["authorization"] = json!(a);
    }
    let resp = client()
        .post(format!("{}/api/auth/v1/authenticate-hawk", s.root_url()))
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    serde_json::from_str(&resp.text().await.unwrap()).unwrap()
}

/// Send the request over HTTP as the real client would (the devserver learns the signed host
/// and port from Host / X-Forwarded-Port, like the real deployment behind its ingress).
async fn send(s: &DevServer, r: &Req) -> (u16, Value) {
    let port = s.root_url().rsplit(':').next().unwrap().to_string();
    let mut rb = client()
        .request(
            reqwest::Method::from_bytes(r.method.as_bytes()).unwrap(),
            format!("http://127.0.0.1:{port}{}", r.resource),
        )
        .header("host", &r.host)
        .header("x-forwarded-port", r.port.to_string());
    if let Some(a) = &r.authorization {
        rb = rb.header("authorization", a);
    }
    if let Some(ct) = &r.content_type {
        rb = rb.header("content-type", ct);
    }
    if let Some(b) = &r.body {
        rb = rb.body(b.clone());
    }
    let resp = rb.send().await.unwrap();
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

/// The message without lib-api's `---` trailer.
fn msg(body: &Value) -> String {
    let m = body["message"].as_str().unwrap_or_default();
    m.split("\n\n---\n").next().unwrap().to_string()
}

/// Compare a validator result with the recorded one (scopes as a set: the real deployment
/// normalizes them, the vector generator used identity expansion).
fn same_result(got: &Value, want: &Value) -> Result<(), String> {
    let sorted = |v: &Value| {
        let mut s: Vec<String> = v
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default();
        s.sort();
        s
    };
    for key in ["status", "message", "clientId", "expires", "hash"] {
        if got.get(key) != want.get(key) {
            return Err(format!(
                "{key}: got {:?}, want {:?}",
                got.get(key),
                want.get(key)
            ));
        }
    }
    if sorted(&got["scopes"]) != sorted(&want["scopes"]) {
        return Err(format!(
            "scopes: got {}, want {}",
            got["scopes"], want["scopes"]
        ));
    }
    Ok(())
}

fn s(v: &Value) -> &str {
    v.as_str().unwrap_or("")
}

/// The request a vector describes, if it is one the server can verify.
fn vector_request(v: &Value) -> Option<Req> {
    let e = &v["expected"];
    let i = &v["inputs"];
    match s(&v["kind"]) {
        "hawk_header" => {
            let r = &v["server_check"]["request"];
            let mut req = Req {
                method: s(&r["method"]).into(),
                resource: s(&r["resource"]).into(),
                host: s(&r["host"]).into(),
                port: r["port"].as_u64().unwrap() as u16,
                authorization: Some(s(&e["header"]).into()),
                content_type: None,
                body: None,
            };
            if let Some(p) = i["payload"].as_str() {
                req = req.with_body(i["content_type"].as_str().filter(|c| !c.is_empty()), p);
            }
            Some(req)
        }
        "tc_request" => {
            let mut req = Req {
                method: s(&e["http_method"]).into(),
                resource: s(&e["resource"]).into(),
                host: s(&e["host"]).into(),
                port: e["port"].as_u64().unwrap() as u16,
                authorization: Some(s(&e["authorization"]).into()),
                content_type: None,
                body: None,
            };
            if let Some(b) = e["body"].as_str() {
                req = req.with_body(Some("application/json"), b);
            }
            Some(req)
        }
        "bewit" => {
            let r = &v["server_check"]["request"];
            Some(Req {
                method: s(&r["method"]).into(),
                resource: s(&r["resource"]).into(),
                host: s(&r["host"]).into(),
                port: r["port"].as_u64().unwrap() as u16,
                authorization: None,
                content_type: None,
                body: None,
            })
        }
        _ => None,
    }
}

/// GET scopes/current signed with temporary credentials and ext = {certificate} (JS order).
fn temp_creds_request(client_id: &str, token: &str, cert_json: &str, now_s: i64) -> Req {
    let ext = B64.encode(format!(r#"{{"certificate":{cert_json}}}"#));
    Req::get(CURRENT).signed(client_id, token, &now_s.to_string(), None, Some(&ext))
}

fn payload_hash(media: &str, body: &str) -> String {
    let mut h = sha2::Sha256::new();
    h.update(format!("hawk.1.payload\n{media}\n{body}\n"));
    B64.encode(h.finalize())
}

#[tokio::test]
async fn vectors_replay_at_their_clock() {
    let all = vectors();
    let list = all["vectors"].as_array().unwrap();
    assert_eq!(list.len(), 51);
    let srv = vector_server(&[]).await;
    let now_ms = all["meta"]["now_ms"].as_i64().unwrap();
    let now_s = now_ms / 1000;
    let mut failures = Vec::new();
    let mut replayed = 0;
    let mut over_http = 0;
    let mut results_compared = 0;
    for v in list {
        let name = s(&v["name"]).to_string();
        let kind = s(&v["kind"]).to_string();
        let when = v["server_check"]["server_now_ms"]
            .as_i64()
            .unwrap_or(now_ms);
        srv.set_clock(Clock::Fixed(when));
        if let Some(req) = vector_request(v) {
            replayed += 1;
            let want = &v["server_check"]["result"];
            let got = authenticate_hawk(&srv, &req).await;
            results_compared += 1;
            if let Err(e) = same_result(&got, want) {
                failures.push(format!("{name} (authenticateHawk): {e}"));
            }
            if req.resource.starts_with("/api/") {
                over_http += 1;
                let (status, body) = send(&srv, &req).await;
                let ok = want["status"] == "auth-success";
                if ok && status == 401 {
                    failures.push(format!("{name} (HTTP): 401 {}", msg(&body)));
                }
                if !ok && (status != 401 || msg(&body) != s(&want["message"])) {
                    failures.push(format!("{name} (HTTP): {status} {}", msg(&body)));
                }
                if ok {
                    let log = srv.requests();
                    let rec = log.last().unwrap();
                    if rec.auth_error.is_some()
                        || rec
                            .client_id
                            .as_deref()
                            .is_some_and(|c| c != want["clientId"])
                    {
                        failures.push(format!(
                            "{name} (HTTP log): {:?} {:?}",
                            rec.client_id, rec.auth_error
                        ));
                    }
                }
            }
            continue;
        }
        match kind.as_str() {
            "temp_credentials" => {
                replayed += 1;
                let e = &v["expected"];
                let req = temp_creds_request(
                    s(&e["client_id"]),
                    s(&e["access_token"]),
                    s(&e["certificate"]),
                    when / 1000,
                );
                let want = &v["server_check"]["result"];
                results_compared += 1;
                if let Err(err) = same_result(&authenticate_hawk(&srv, &req).await, want) {
                    failures.push(format!("{name} (authenticateHawk): {err}"));
                }
                over_http += 1;
                let (status, body) = send(&srv, &req).await;
                let mut want_scopes: Vec<Value> = want["scopes"].as_array().unwrap().clone();
                want_scopes.sort_by_key(|x| x.to_string());
                // authenticated as the vector's clientId: its scopes, or (lacking
                // auth:current-scopes) the InsufficientScopes answer naming that clientId
                let insufficient = format!(
                    "Client ID {} does not have sufficient scopes and is missing the following scopes:\n\n```\nauth:current-scopes\n```",
                    s(&want["clientId"])
                );
                let fine = (status == 200 && body == json!({ "scopes": want_scopes }))
                    || (status == 403 && msg(&body).starts_with(&insufficient));
                if !fine {
                    failures.push(format!("{name} (HTTP): {status} {body}"));
                }
                // the JS clients' empty-scope certificates carry a signature the server rejects
                if let Some(js) = v.get("js_client") {
                    let req = temp_creds_request(
                        s(&e["client_id"]),
                        s(&e["access_token"]),
                        s(&js["certificate"]),
                        when / 1000,
                    );
                    results_compared += 1;
                    let got = authenticate_hawk(&srv, &req).await;
                    if let Err(err) = same_result(&got, &js["server_result"]) {
                        failures.push(format!("{name} js_client: {err}"));
                    }
                }
            }
            "payload_hash" => {
                // a signed GET scopes/current carrying the body, its Content-Type and the
                // vector's hash; lib-api hashes req.text, which is the body only when it was
                // parsed as JSON: other types hash as '' there and are refused
                replayed += 1;
                over_http += 1;
                let i = &v["inputs"];
                let ct = i["content_type"].as_str();
                let body = s(&i["payload"]);
                let hash = s(&v["expected"]["hash"]);
                let media = ct
                    .map(|c| c.split(';').next().unwrap().trim().to_lowercase())
                    .unwrap_or_default();
                let req = Req::get(CURRENT).with_body(ct, body).signed(
                    PERM,
                    &token(PERM),
                    &now_s.to_string(),
                    Some(hash),
                    None,
                );
                let (status, got) = send(&srv, &req).await;
                if media == "application/json" || body.is_empty() {
                    if status != 200 {
                        failures.push(format!("{name}: {status} {}", msg(&got)));
                    }
                } else {
                    let want = format!(
                        "Invalid payload hash: {{{{hash}}}}\nComputed payload hash: {}\nThis happens when your request carries a signed hash of the payload and the hash doesn't match the hash we've computed on the server-side.",
                        payload_hash(&media, "")
                    );
                    if status != 401 || got["code"] != "AuthenticationFailed" || msg(&got) != want {
                        failures.push(format!("{name}: {status} {got}"));
                    }
                }
            }
            "hawk_mac" => {
                // MAC-level vectors: the one that can travel in a header gets the real answer
                // (its ext "e" is not base64 JSON); the other cannot be sent (newline, quote)
                if let Some(h) = v["expected"]["header"].as_str() {
                    replayed += 1;
                    results_compared += 1;
                    let a = &v["inputs"]["artifacts"];
                    let req = Req {
                        method: s(&a["method"]).into(),
                        resource: s(&a["resource"]).into(),
                        host: s(&a["host"]).into(),
                        port: a["port"].as_u64().unwrap() as u16,
                        authorization: Some(h.into()),
                        content_type: None,
                        body: None,
                    };
                    let got = authenticate_hawk(&srv, &req).await;
                    let want = json!({"status": "auth-failed", "message": "Failed to parse ext"});
                    if let Err(err) = same_result(&got, &want) {
                        failures.push(format!("{name}: {err}"));
                    }
                }
            }
            "hawk_response" => {
                // Taskcluster servers send no Server-Authorization
                let r = Req::get("/api/queue/v1/ping").signed(
                    PERM,
                    &token(PERM),
                    &now_s.to_string(),
                    None,
                    None,
                );
                let resp = client()
                    .get(format!("{}{}", srv.root_url(), r.resource))
                    .send()
                    .await
                    .unwrap();
                if resp.headers().contains_key("server-authorization") {
                    failures.push(format!("{name}: Server-Authorization sent"));
                }
            }
            other => failures.push(format!("{name}: unknown kind {other}")),
        }
    }
    srv.shutdown().await;
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    // 6 payload hashes + 15 headers + 12 tc requests + 7 temporary credentials + 8 bewits
    // + the app/dlg MAC vector; not replayable: the ext-escaping MAC and the response MAC
    assert_eq!((replayed, over_http), (49, 46));
    assert_eq!(results_compared, 45);
}

/// A certificate (JSON text, JS key order) signed by `issuer` with the server's form.
#[allow(clippy::too_many_arguments)]
fn cert(
    issuer: &str,
    name: Option<&str>,
    scopes: &[&str],
    start: i64,
    expiry: i64,
    extra: &str,
) -> (String, String) {
    let key = token(issuer);
    let seed = "Qk3uYV1QTd-EYgq0w8bzAAx_Hq2t5sQkGJ9mS3bJd0Kw";
    let mut lines = vec!["version:1".to_string()];
    if let Some(n) = name {
        lines.push(format!("clientId:{n}"));
        lines.push(format!("issuer:{issuer}"));
    }
    lines.push(format!("seed:{seed}"));
    lines.push(format!("start:{start}"));
    lines.push(format!("expiry:{expiry}"));
    lines.push("scopes:".to_string());
    lines.extend(scopes.iter().map(|s| s.to_string()));
    let sig = B64.encode(hmac(&key, &lines.join("\n")));
    let issuer_field = name.map_or(String::new(), |_| format!(r#","issuer":"{issuer}""#));
    let json = format!(
        r#"{{"version":1,"scopes":{},"start":{start},"expiry":{expiry},"seed":"{seed}","signature":"{sig}"{issuer_field}{extra}}}"#,
        serde_json::to_string(scopes).unwrap()
    );
    let temp = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(hmac(&key, seed));
    (json, temp)
}

fn ext(json: &str) -> String {
    B64.encode(json)
}

#[tokio::test]
async fn negative_cases_answer_as_the_real_service() {
    let mut clients = vector_clients();
    let mut disabled = ClientSeed::new(
        "project/tc-rs/disabled",
        "tok-disabled-0123456789abc",
        &["*"],
    );
    disabled.disabled = true;
    let mut expired = ClientSeed::new(
        "project/tc-rs/expired",
        "tok-expired-0123456789abcd",
        &["*"],
    );
    expired.expires_ms = Some(1_767_225_645_677);
    clients.push(disabled);
    clients.push(expired);
    let anonymous = ["auth:current-scopes", "queue:get-artifact:public/*"];
    let now_ms = 1_767_225_645_678;
    let srv = DevServer::start(Config {
        clock: Clock::Fixed(now_ms),
        clients,
        anonymous_scopes: anonymous.iter().map(|s| s.to_string()).collect(),
        ..Config::default()
    })
    .await
    .unwrap();
    let now_s = now_ms / 1000;
    let ts = now_s.to_string();
    let perm = token(PERM);
    let limited = "project/tc-rs/limited";
    let issuer = "project/tc-rs/issuer";

    let mut cases: Vec<(&str, Req, u16, &str, String)> = Vec::new();
    let mut fail = |name: &'static str, r: Req, m: &str| {
        cases.push((name, r, 401, "AuthenticationFailed", m.to_string()));
    };
    let raw = |h: &str| {
        let mut r = Req::get(CURRENT);
        r.authorization = Some(h.to_string());
        r
    };
    // 1. header parsing
    fail(
        "long header",
        raw(&format!(r#"Hawk id="{}""#, "a".repeat(4100))),
        "Bad Request: Header length too long",
    );
    fail(
        "no attributes",
        raw("Hawk"),
        "Bad Request: Invalid header syntax",
    );
    fail(
        "other scheme",
        raw("Bearer abc"),
        "Unauthorized: Unauthorized",
    );
    fail(
        "unknown attribute",
        raw(r#"Hawk id="a", foo="b""#),
        "Bad Request: Unknown attribute: foo",
    );
    fail(
        "empty value",
        raw(r#"Hawk id="a", ext="""#),
        "Bad Request: Bad attribute value: ext",
    );
    fail(
        "duplicate",
        raw(r#"Hawk id="a", id="a""#),
        "Bad Request: Duplicate attribute: id",
    );
    fail(
        "no separator",
        raw(r#"Hawk id="a" ts="1""#),
        "Bad Request: Bad header format",
    );
    fail(
        "missing mac",
        raw(&format!(r#"Hawk id="{PERM}", ts="{ts}", nonce="n""#)),
        "Bad Request: Missing attributes",
    );
    // 2. credentials callback
    let signed =
        |id: &str, key: &str, e: Option<&str>| Req::get(CURRENT).signed(id, key, &ts, None, e);
    fail(
        "ext not base64 JSON",
        signed(PERM, &perm, Some("notjson")),
        "Failed to parse ext",
    );
    fail(
        "issuer not a string",
        signed(PERM, &perm, Some(&ext(r#"{"certificate":{"issuer":5}}"#))),
        "ext.certificate.issuer must be a string",
    );
    fail(
        "issuer is the id",
        signed(
            PERM,
            &perm,
            Some(&ext(&format!(r#"{{"certificate":{{"issuer":"{PERM}"}}}}"#))),
        ),
        "ext.certificate.issuer must differ from the supplied clientId",
    );
    fail(
        "unknown client",
        signed("nobody", "x", None),
        "Client with clientId 'nobody' not found",
    );
    fail(
        "disabled client",
        signed("project/tc-rs/disabled", "tok-disabled-0123456789abc", None),
        "Client with clientId 'project/tc-rs/disabled' is disabled",
    );
    fail(
        "expired client",
        signed("project/tc-rs/expired", "tok-expired-0123456789abcd", None),
        "Client with clientId: 'project/tc-rs/expired' has expired",
    );
    let c = |json: &str| ext(&format!(r#"{{"certificate":{json}}}"#));
    let (s0, e0) = (now_ms - 1000, now_ms + 3_600_000);
    fail(
        "cert not an object",
        signed(PERM, &perm, Some(&c(r#""abc""#))),
        "ext.certificate must be a JSON object",
    );
    fail(
        "cert version",
        signed(PERM, &perm, Some(&c(r#"{"version":2}"#))),
        "ext.certificate.version must be 1",
    );
    fail(
        "cert seed type",
        signed(PERM, &perm, Some(&c(r#"{"version":1,"seed":5}"#))),
        "ext.certificate.seed must be a string",
    );
    fail(
        "cert seed length",
        signed(PERM, &perm, Some(&c(r#"{"version":1,"seed":"abc"}"#))),
        "ext.certificate.seed must be 44 characters",
    );
    let seed = "a".repeat(44);
    fail(
        "cert start",
        signed(
            PERM,
            &perm,
            Some(&c(&format!(
                r#"{{"version":1,"seed":"{seed}","start":"x"}}"#
            ))),
        ),
        "ext.certificate.start must be a number",
    );
    fail(
        "cert expiry",
        signed(
            PERM,
            &perm,
            Some(&c(&format!(r#"{{"version":1,"seed":"{seed}","start":1}}"#))),
        ),
        "ext.certificate.expiry must be a number",
    );
    fail(
        "cert scopes",
        signed(
            PERM,
            &perm,
            Some(&c(&format!(
                r#"{{"version":1,"seed":"{seed}","start":1,"expiry":2,"scopes":"a"}}"#
            ))),
        ),
        "ext.certificate.scopes must be an array",
    );
    fail(
        "cert scope chars",
        signed(
            PERM,
            &perm,
            Some(&c(&format!(
                r#"{{"version":1,"seed":"{seed}","start":1,"expiry":2,"scopes":["\n"]}}"#
            ))),
        ),
        "ext.certificate.scopes must be an array of valid scopes",
    );
    let (future, t) = cert(PERM, None, &[], now_ms + 300_001, now_ms + 3_600_000, "");
    fail(
        "cert start > now",
        signed(PERM, &t, Some(&c(&future))),
        "ext.certificate.start > now",
    );
    let (old, t) = cert(PERM, None, &[], now_ms - 3_600_000, now_ms - 300_001, "");
    fail(
        "cert expiry < now",
        signed(PERM, &t, Some(&c(&old))),
        "ext.certificate.expiry < now",
    );
    let (long, t) = cert(PERM, None, &[], s0, s0 + 2_678_400_001, "");
    fail(
        "cert longer than 31 days",
        signed(PERM, &t, Some(&c(&long))),
        "ext.certificate cannot last longer than 31 days!",
    );
    let (named, t) = cert(issuer, Some("project/other/x"), &[], s0, e0, "");
    fail("named without create-client", signed("project/other/x", &t, Some(&c(&named))), "ext.certificate issuer `project/tc-rs/issuer` doesn't have `auth:create-client:project/other/x` for supplied clientId.");
    let (cid, t) = cert(PERM, None, &[], s0, e0, r#","clientId":"x""#);
    fail(
        "clientId without issuer",
        signed(PERM, &t, Some(&c(&cid))),
        "ext.certificate.clientId must only be used with ext.certificate.issuer",
    );
    let (wide, t) = cert(
        limited,
        None,
        &["queue:get-artifact:private/*", "secrets:get:x"],
        s0,
        e0,
        "",
    );
    fail("cert scopes beyond issuer", signed(limited, &t, Some(&c(&wide))), "ext.certificate issuer `project/tc-rs/limited` doesn't satisfy all certificate scopes queue:get-artifact:private/*, secrets:get:x.  The temporary credentials were not generated correctly.");
    let (good, t) = cert(PERM, None, &["queue:x"], s0, e0, "");
    let forged = good.replace(&format!("\"start\":{s0}"), &format!("\"start\":{}", s0 + 1));
    assert_ne!(forged, good);
    fail(
        "cert signature",
        signed(PERM, &t, Some(&c(&forged))),
        "ext.certificate.signature is not valid",
    );
    let (gn, t) = cert(
        issuer,
        Some("project/tc-rs/temp/a"),
        &["queue:x"],
        s0,
        e0,
        "",
    );
    fail(
        "named cert used under another name",
        signed("project/tc-rs/temp/b", &t, Some(&c(&gn))),
        "ext.certificate.signature is not valid, or wrong clientId provided",
    );
    fail(
        "authorizedScopes not an array",
        signed(PERM, &perm, Some(&ext(r#"{"authorizedScopes":"queue:*"}"#))),
        "ext.authorizedScopes must be an array",
    );
    fail(
        "authorizedScopes invalid",
        signed(
            PERM,
            &perm,
            Some(&ext(r#"{"authorizedScopes":["\u00e9"]}"#)),
        ),
        "ext.authorizedScopes must be an array of valid scopes",
    );
    // the credential scopes are listed expanded, anonymous role included, one per line
    let lim = vectors()["clients"][limited]["accessToken"]
        .as_str()
        .unwrap()
        .to_string();
    fail(
        "authorizedScopes beyond the client",
        signed(limited, &lim, Some(&ext(r#"{"authorizedScopes":["secrets:get:x","queue:get-artifact:public/a"]}"#))),
        "Supplied credentials do not satisfy authorizedScopes; credentials have scopes:\n\n```\nassume:anonymous\nauth:current-scopes\nqueue:get-artifact:private/*\nqueue:get-artifact:public/*\n```\n\nauthorizedScopes are:\n\n```\nsecrets:get:x\nqueue:get-artifact:public/a\n```",
    );
    // 3. MAC, 5. timestamp
    fail(
        "bad mac",
        signed(PERM, "not-the-token", None),
        "Unauthorized: Bad mac",
    );
    let at = |secs: i64| Req::get(CURRENT).signed(PERM, &perm, &secs.to_string(), None, None);
    fail(
        "ts 901 s early",
        at(now_s - 901),
        "Unauthorized: Stale timestamp",
    );
    fail(
        "ts 901 s late",
        at(now_s + 901),
        "Unauthorized: Stale timestamp",
    );
    // 7. payload hash (over the media type only), two schemes
    let body = r#"{"scopes":["queue:ping"]}"#;
    let h = payload_hash("application/json", body);
    let wrong = Req::get(CURRENT)
        .with_body(Some("application/json"), r#"{"scopes":["queue:pong"]}"#)
        .signed(PERM, &perm, &ts, Some(&h), None);
    let computed = payload_hash("application/json", r#"{"scopes":["queue:pong"]}"#);
    let m = format!("Invalid payload hash: {{{{hash}}}}\nComputed payload hash: {computed}\nThis happens when your request carries a signed hash of the payload and the hash doesn't match the hash we've computed on the server-side.");
    fail("payload hash mismatch", wrong, &m);
    let both =
        Req::get(&bewit(PERM, &perm, CURRENT, now_s + 60, "")).signed(PERM, &perm, &ts, None, None);
    fail("bewit and header", both, "Cannot use two authentication schemes at once this request has both bewit in querystring and 'authorization' header");
    // bewits
    fail(
        "empty bewit",
        Req::get(&format!("{CURRENT}?bewit=")),
        "Unauthorized: Empty bewit",
    );
    fail(
        "bewit not at the end",
        Req::get(&format!("{CURRENT}?bewit=abc&")),
        "Unauthorized: Unauthorized",
    );
    let mut post = Req::get(&bewit(
        PERM,
        &perm,
        "/api/auth/v1/scopes/expand",
        now_s + 60,
        "",
    ));
    post.method = "POST".into();
    fail(
        "bewit on POST",
        post.with_body(Some("application/json"), body),
        "Unauthorized: Invalid method",
    );
    fail(
        "padded bewit",
        Req::get(&format!("{CURRENT}?bewit=YWJj=")),
        "Bad Request: Invalid bewit encoding",
    );
    let b64u = |t: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(t);
    fail(
        "bewit of 3 fields",
        Req::get(&format!("{CURRENT}?bewit={}", b64u("a\\1\\m"))),
        "Bad Request: Invalid bewit structure",
    );
    fail(
        "bewit without mac",
        Req::get(&format!("{CURRENT}?bewit={}", b64u("a\\1\\\\"))),
        "Bad Request: Missing bewit attributes",
    );
    fail(
        "bewit too long",
        Req::get(&format!(
            "/api/auth/v1/clients/{}?bewit=abc",
            "a".repeat(4096)
        )),
        "Bad Request: Resource path exceeds max length",
    );
    let mut bad = bewit(PERM, "wrong", CURRENT, now_s + 60, "");
    fail("bewit bad mac", Req::get(&bad), "Unauthorized: Bad mac");
    bad = bewit(PERM, &perm, CURRENT, now_s, "");
    fail(
        "bewit expired",
        Req::get(&bad),
        "Unauthorized: Access expired",
    );
    let (short, t) = cert(
        PERM,
        None,
        &["auth:current-scopes"],
        now_ms - 3_600_000,
        now_ms - 300_001,
        "",
    );
    fail(
        "bewit outliving its certificate",
        Req::get(&bewit(PERM, &t, CURRENT, now_s + 3600, &c(&short))),
        "ext.certificate.expiry < now",
    );
    // scope checks after authentication
    cases.push((
        "no credentials",
        Req::get("/api/auth/v1/clients/"),
        403,
        "InsufficientScopes",
        "This request requires Taskcluster credentials that satisfy the following scope expression:\n\n```\nauth:list-clients\n```".into(),
    ));
    cases.push((
        "insufficient scopes",
        Req::get("/api/auth/v1/clients/").signed(limited, &lim, &ts, None, None),
        403,
        "InsufficientScopes",
        "Client ID project/tc-rs/limited does not have sufficient scopes and is missing the following scopes:\n\n```\nauth:list-clients\n```\n\nThis request requires the client to satisfy the following scope expression:\n\n```\nauth:list-clients\n```".into(),
    ));

    let mut failures = Vec::new();
    for (name, req, status, code, message) in &cases {
        let (st, body) = send(&srv, req).await;
        if st != *status || body["code"] != *code || msg(&body) != *message {
            failures.push(format!(
                "{name}: got {st} {} {:?}\n    want {status} {code} {message:?}",
                body["code"],
                msg(&body)
            ));
        }
        if *status == 401 {
            // the same message from auth.authenticateHawk, except what lib-api adds
            if !matches!(*name, "payload hash mismatch" | "bewit and header") {
                let r = authenticate_hawk(&srv, req).await;
                if r != json!({"status": "auth-failed", "message": message}) {
                    failures.push(format!("{name} (authenticateHawk): {r}"));
                }
            }
        }
    }

    // what is accepted: the skew boundary (inclusive), the media type of the payload hash, a
    // ts that is not a number (hawk never finds NaN stale), and a bewit with its ext
    srv.set_clock(Clock::Fixed(now_s * 1000));
    let mut ok: Vec<(&str, Req)> = vec![
        ("ts exactly 900 s early", at(now_s - 900)),
        ("ts exactly 900 s late", at(now_s + 900)),
        (
            "ts not a number",
            Req::get(CURRENT).signed(PERM, &perm, "soon", None, None),
        ),
        (
            "hash for application/json sent with charset",
            Req::get(CURRENT)
                .with_body(Some("application/json; charset=utf-8"), body)
                .signed(PERM, &perm, &ts, Some(&h), None),
        ),
    ];
    let (cv, t) = cert(
        PERM,
        None,
        &["auth:current-scopes"],
        now_ms - 1000,
        now_ms + 3_600_000,
        "",
    );
    ok.push((
        "bewit with certificate",
        Req::get(&bewit(PERM, &t, CURRENT, now_s + 60, &c(&cv))),
    ));
    for (name, req) in &ok {
        let (st, body) = send(&srv, req).await;
        if st != 200 {
            failures.push(format!("{name}: {st} {}", msg(&body)));
        }
    }
    srv.shutdown().await;
    assert!(
        failures.is_empty(),
        "{} of {} cases differ:\n{}",
        failures.len(),
        cases.len() + ok.len(),
        failures.join("\n")
    );
    assert_eq!(cases.len(), 50);
}
