//! The client against the local deployment on 127.0.0.1, natively (reqwest transport).
#![cfg(not(target_arch = "wasm32"))]

mod common;

use std::time::{Duration, Instant};

use serde_json::{json, Value};
use taskcluster_wasm::{Call, Client, Credentials, ErrorKind, RetryPolicy};
use tc_devserver::{Config, DevServer, Fault};

async fn server() -> DevServer {
    DevServer::start(Config::default())
        .await
        .expect("devserver starts")
}

fn client(s: &DevServer) -> Client {
    Client::builder(s.root_url())
        .credentials(Credentials::new(s.client_id(), s.access_token()))
        .retry(RetryPolicy {
            delay_factor: Duration::from_millis(5),
            ..RetryPolicy::default()
        })
        .build()
        .unwrap()
}

fn fault(v: Value) -> Fault {
    serde_json::from_value(v).expect("fault JSON")
}

#[tokio::test]
async fn signed_get_with_awkward_query_is_accepted() {
    let s = server().await;
    let (svc, entry) = common::entry("auth", "listClients");
    let call = Call::new(&svc, &entry).query("prefix", "it's!ü");
    let result: Value = client(&s).call_json(&call).await.unwrap();
    assert!(result["clients"].is_array(), "{result}");
    let log = s.requests();
    let r = log.last().unwrap();
    assert_eq!(r.url, "/api/auth/v1/clients/?prefix=it%27s%21%C3%BC");
    assert_eq!(r.status, 200);
    assert_eq!(r.client_id.as_deref(), Some(s.client_id()));
    assert!(r.hawk.is_some());
}

#[tokio::test]
async fn signed_post_with_payload_is_accepted() {
    let s = server().await;
    let (svc, entry) = common::entry("auth", "expandScopes");
    let call = Call::new(&svc, &entry)
        .payload(&json!({"scopes": ["queue:create-task:it's/x!"]}))
        .unwrap();
    let result: Value = client(&s).call_json(&call).await.unwrap();
    assert_eq!(result["scopes"], json!(["queue:create-task:it's/x!"]));
    let r = s.requests().pop().unwrap();
    assert_eq!(r.method, "POST");
    assert_eq!(r.status, 200);
    assert_eq!(r.content_type.as_deref(), Some("application/json"));
}

#[tokio::test]
async fn put_and_get_a_secret_round_trip() {
    let s = server().await;
    let c = client(&s);
    let (svc, set) = common::entry("secrets", "set");
    let name = format!("project/test/{}", taskcluster_wasm::util::slugid::nice());
    let expires = taskcluster_wasm::from_now_json("1 hour").unwrap();
    let call = Call::new(&svc, &set)
        .arg(name.as_str())
        .payload(&json!({"secret": {"a": 1}, "expires": expires}))
        .unwrap();
    c.call(&call).await.unwrap();
    let (svc, get) = common::entry("secrets", "get");
    let got: Value = c
        .call_json(&Call::new(&svc, &get).arg(name.as_str()))
        .await
        .unwrap();
    assert_eq!(got["secret"], json!({"a": 1}));
}

#[tokio::test]
async fn two_500s_then_success_takes_three_attempts_with_three_nonces() {
    let s = server().await;
    s.add_fault(fault(json!({
        "method": "GET", "pathPrefix": "/api/auth/v1/scopes/current", "times": 2,
        "action": {"kind": "status", "status": 500}
    })));
    let (svc, entry) = common::entry("auth", "currentScopes");
    let result: Value = client(&s)
        .call_json(&Call::new(&svc, &entry))
        .await
        .unwrap();
    assert!(result["scopes"].is_array());
    let log: Vec<_> = s
        .requests()
        .into_iter()
        .filter(|r| r.url == "/api/auth/v1/scopes/current")
        .collect();
    assert_eq!(
        log.iter().map(|r| r.status).collect::<Vec<_>>(),
        [500, 500, 200]
    );
    let mut nonces: Vec<String> = log
        .iter()
        .map(|r| r.hawk.as_ref().unwrap().nonce.clone())
        .collect();
    nonces.sort();
    nonces.dedup();
    assert_eq!(nonces.len(), 3, "each attempt is signed afresh");
}

#[tokio::test]
async fn a_404_is_one_attempt_and_a_typed_error() {
    let s = server().await;
    let (svc, entry) = common::entry("auth", "client");
    let err = client(&s)
        .call(&Call::new(&svc, &entry).arg("no/such/client"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Http);
    assert_eq!(err.status(), Some(404));
    assert_eq!(err.code(), Some("ResourceNotFound"));
    assert_eq!(err.attempts(), 1);
    assert!(err.request_info().is_some(), "{err:?}");
    assert!(!err.is_retryable());
    assert_eq!(s.requests().len(), 1);
}

#[tokio::test]
async fn a_hung_response_times_out_with_econnaborted() {
    let s = server().await;
    s.add_fault(fault(json!({
        "pathPrefix": "/api/auth/v1/ping", "times": 0, "action": {"kind": "hang"}
    })));
    let (svc, entry) = common::entry("auth", "ping");
    let c = client(&s)
        .to_builder()
        .timeout(Some(Duration::from_millis(300)))
        .retries(1)
        .build()
        .unwrap();
    let start = Instant::now();
    let err = c.call(&Call::new(&svc, &entry)).await.unwrap_err();
    let elapsed = start.elapsed();
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err:?}");
    assert_eq!(err.code(), Some("ECONNABORTED"));
    assert_eq!(err.attempts(), 2, "timeouts are retried");
    assert!(elapsed >= Duration::from_millis(600), "{elapsed:?}");
}

#[tokio::test]
async fn a_303_returns_its_json_body() {
    let s = server().await;
    s.add_fault(fault(json!({
        "pathPrefix": "/api/queue/v1/task/", "times": 1,
        "action": {"kind": "status", "status": 303,
                   "headers": {"location": "http://127.0.0.1:1/elsewhere"},
                   "body": {"storageType": "s3", "url": "http://127.0.0.1:1/elsewhere"}}
    })));
    let (svc, entry) = common::entry("queue", "getLatestArtifact");
    let call = Call::new(&svc, &entry)
        .arg("fN1RzbN9S7mQvd5PtxdzjA")
        .arg("public/x");
    let response = client(&s).call(&call).await.unwrap();
    assert_eq!(response.status(), 303);
    assert_eq!(response.json::<Value>().unwrap()["storageType"], "s3");
    assert_eq!(s.requests().len(), 1, "the redirect is not followed");
}

#[tokio::test]
async fn connection_reset_is_retried_then_reported() {
    let s = server().await;
    s.add_fault(fault(json!({
        "pathPrefix": "/api/auth/v1/ping", "times": 0, "action": {"kind": "reset"}
    })));
    let (svc, entry) = common::entry("auth", "ping");
    let err = client(&s)
        .to_builder()
        .retries(2)
        .build()
        .unwrap()
        .call(&Call::new(&svc, &entry))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Network, "{err:?}");
    assert_eq!(err.attempts(), 3);
    assert!(err.may_have_been_sent());
}

#[tokio::test]
async fn html_from_a_proxy_is_an_error_with_a_text_body() {
    let s = server().await;
    s.add_fault(fault(json!({
        "pathPrefix": "/api/auth/v1/ping", "action": {"kind": "html", "status": 403}
    })));
    let (svc, entry) = common::entry("auth", "ping");
    let err = client(&s).call(&Call::new(&svc, &entry)).await.unwrap_err();
    assert_eq!(err.status(), Some(403));
    assert_eq!(err.code(), Some("UnknownError"));
    assert_eq!(err.attempts(), 1);
    assert!(matches!(err.body(), Some(taskcluster_wasm::ErrorBody::Text(t)) if t.contains("<")));
}

#[tokio::test]
async fn empty_post_sends_content_length_zero_and_trace_id() {
    let s = server().await;
    let c = client(&s)
        .to_builder()
        .trace_id(Some("trace-123".into()))
        .build()
        .unwrap();
    let (svc, create) = common::entry("auth", "createClient");
    let id = format!("test/{}", taskcluster_wasm::util::slugid::nice());
    let expires = taskcluster_wasm::from_now_json("1 day").unwrap();
    let call = Call::new(&svc, &create)
        .arg(id.as_str())
        .payload(&json!({"description": "t", "expires": expires, "scopes": []}))
        .unwrap();
    let created: Value = c.call_json(&call).await.unwrap();
    assert!(created["accessToken"].is_string());
    let (svc, reset) = common::entry("auth", "resetAccessToken");
    c.call(&Call::new(&svc, &reset).arg(id.as_str()))
        .await
        .unwrap();
    let r = s.requests().pop().unwrap();
    assert_eq!(r.method, "POST");
    assert_eq!(r.content_length, Some(0));
    assert_eq!(r.trace_id.as_deref(), Some("trace-123"));
}

#[tokio::test]
async fn anonymous_calls_and_insufficient_scopes() {
    let s = server().await;
    let anon = Client::builder(s.root_url()).build().unwrap();
    let (svc, entry) = common::entry("auth", "ping");
    anon.call(&Call::new(&svc, &entry)).await.unwrap();
    let (svc, entry) = common::entry("auth", "currentScopes");
    let err = anon.call(&Call::new(&svc, &entry)).await.unwrap_err();
    assert_eq!(err.code(), Some("InsufficientScopes"));
    let (svc, entry) = common::entry("secrets", "get");
    let err = anon
        .call(&Call::new(&svc, &entry).arg("x"))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(403));
    assert_eq!(err.code(), Some("InsufficientScopes"));
    assert!(s.requests().last().unwrap().hawk.is_none());
}

#[tokio::test]
async fn temporary_credentials_and_authorized_scopes_work_end_to_end() {
    let s = server().await;
    let root = Credentials::new(s.client_id(), s.access_token());
    let now = taskcluster_wasm::SystemRuntime;
    let temp = root
        .create_temporary(
            &taskcluster_wasm::TemporaryOptions {
                expiry: taskcluster_wasm::from_now("1 hour").unwrap().as_millis() as u64,
                scopes: vec!["auth:*".into(), "secrets:get:x/*".into()],
                ..Default::default()
            },
            &now,
        )
        .unwrap();
    let (svc, entry) = common::entry("auth", "currentScopes");
    let c = Client::builder(s.root_url())
        .credentials(temp.clone())
        .build()
        .unwrap();
    let scopes: Value = c.call_json(&Call::new(&svc, &entry)).await.unwrap();
    assert_eq!(
        scopes["scopes"],
        json!(["assume:anonymous", "auth:*", "secrets:get:x/*"])
    );
    // Empty scope lists are signed the way the server checks them.
    let empty = root
        .create_temporary(
            &taskcluster_wasm::TemporaryOptions {
                expiry: taskcluster_wasm::from_now("1 hour").unwrap().as_millis() as u64,
                ..Default::default()
            },
            &now,
        )
        .unwrap();
    // ping needs no scopes; the server still authenticates and logs the outcome.
    let c = Client::builder(s.root_url())
        .credentials(empty)
        .build()
        .unwrap();
    let (psvc, ping) = common::entry("auth", "ping");
    c.call(&Call::new(&psvc, &ping)).await.unwrap();
    let r = s.requests().pop().unwrap();
    assert_eq!(r.auth_error, None);
    assert_eq!(r.client_id.as_deref(), Some(s.client_id()));
    let narrowed = Client::builder(s.root_url())
        .credentials(temp)
        .authorized_scopes(Some(["auth:current-scopes", "secrets:get:x/y"]))
        .build()
        .unwrap();
    let scopes: Value = narrowed.call_json(&Call::new(&svc, &entry)).await.unwrap();
    assert_eq!(
        scopes["scopes"],
        json!(["assume:anonymous", "auth:current-scopes", "secrets:get:x/y"])
    );
}

#[tokio::test]
async fn signed_urls_work_without_credentials() {
    let s = server().await;
    let (svc, entry) = common::entry("auth", "currentScopes");
    let url = client(&s)
        .build_signed_url(&Call::new(&svc, &entry), Duration::from_secs(60))
        .unwrap();
    let body: Value = reqwest::get(&url).await.unwrap().json().await.unwrap();
    assert!(
        body["scopes"].as_array().unwrap().iter().any(|s| s == "*"),
        "{body}"
    );
}

#[tokio::test]
async fn no_access_token_in_debug_display_or_errors() {
    let s = server().await;
    let token = s.access_token().to_string();
    let c = client(&s);
    let (svc, entry) = common::entry("auth", "client");
    let err = c
        .call(&Call::new(&svc, &entry).arg("missing"))
        .await
        .unwrap_err();
    let bad = Client::builder(s.root_url())
        .credentials(Credentials::new(s.client_id(), "wrong-token-wrong-token"))
        .build()
        .unwrap();
    let (svc2, entry2) = common::entry("auth", "currentScopes");
    let auth_err = bad.call(&Call::new(&svc2, &entry2)).await.unwrap_err();
    assert_eq!(auth_err.status(), Some(401));
    let texts = [
        format!("{c:?}"),
        format!("{:?}", c.credentials()),
        format!("{:?}", c.to_builder()),
        format!("{err:?} {err}"),
        format!("{auth_err:?} {auth_err}"),
    ];
    for t in &texts {
        assert!(!t.contains(&token), "token leaked in {t}");
        assert!(
            !t.contains("wrong-token-wrong-token"),
            "token leaked in {t}"
        );
    }
}

#[tokio::test]
async fn from_env_reads_root_url_credentials_and_proxy() {
    // Environment variables are process-wide: this is the only test that sets them.
    let s = server().await;
    std::env::set_var("TASKCLUSTER_ROOT_URL", s.root_url());
    std::env::set_var("TASKCLUSTER_CLIENT_ID", s.client_id());
    std::env::set_var("TASKCLUSTER_ACCESS_TOKEN", s.access_token());
    std::env::remove_var("TASKCLUSTER_CERTIFICATE");
    std::env::remove_var("TASKCLUSTER_PROXY_URL");
    let c = taskcluster_wasm::ClientBuilder::from_env()
        .unwrap()
        .build()
        .unwrap();
    let (svc, entry) = common::entry("auth", "currentScopes");
    let scopes: Value = c.call_json(&Call::new(&svc, &entry)).await.unwrap();
    assert!(scopes["scopes"]
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s == "*"));
    std::env::set_var("TASKCLUSTER_PROXY_URL", "http://taskcluster");
    let p = taskcluster_wasm::ClientBuilder::from_env()
        .unwrap()
        .build()
        .unwrap();
    assert_eq!(p.root_url(), "http://taskcluster");
    assert!(p.credentials().is_none());
    for k in [
        "TASKCLUSTER_ROOT_URL",
        "TASKCLUSTER_CLIENT_ID",
        "TASKCLUSTER_ACCESS_TOKEN",
        "TASKCLUSTER_PROXY_URL",
    ] {
        std::env::remove_var(k);
    }
}

#[tokio::test]
async fn discover_and_generated_pagination() {
    use futures_util::StreamExt;
    let s = server().await;
    let c = client(&s);
    let found = taskcluster_wasm::discover::discover(&c).await.unwrap();
    assert!(found.len() >= 17, "{:?}", found.keys().collect::<Vec<_>>());
    let secrets = &found["Secrets"];
    let prefix = format!("project/pages/{}", taskcluster_wasm::util::slugid::nice());
    let expires = taskcluster_wasm::from_now_json("1 hour").unwrap();
    for i in 0..5 {
        let name = format!("{prefix}/{i}");
        let call = secrets
            .call("set")
            .unwrap()
            .arg(name.as_str())
            .payload(&json!({"secret": {"i": i}, "expires": expires}))
            .unwrap();
        c.call(&call).await.unwrap();
    }
    // The generated typed API pages through the same secrets.
    let typed = taskcluster_wasm::Secrets::new(c.clone());
    let query = taskcluster_wasm::secrets::ListQuery::default().limit(2u32);
    let pages: Vec<taskcluster_wasm::schemas::SecretList> =
        typed.list_pages(&query).map(|p| p.unwrap()).collect().await;
    assert!(pages.len() >= 3, "{} pages", pages.len());
    let names: Vec<&String> = pages
        .iter()
        .flat_map(|p| &p.secrets)
        .filter(|n| n.starts_with(&prefix))
        .collect();
    assert_eq!(names.len(), 5);
    let got = typed.get(&format!("{prefix}/3")).await.unwrap();
    assert_eq!(got.secret["i"], 3);
    let binding = taskcluster_wasm::QueueEvents
        .task_completed(&[("taskId", "abc")])
        .unwrap();
    assert_eq!(binding.routing_key_pattern, "primary.abc.*.*.*.*.*.*.*.#");
    assert!(taskcluster_wasm::QueueEvents
        .task_completed(&[("nope", "x")])
        .is_err());
}

/// What a raw HTTP/1.1 listener on 127.0.0.1 received: the request head of one request (the
/// devserver cannot tell: hyper folds repeated identical `Content-Length` headers into one).
async fn raw_request_head<F: std::future::Future<Output = ()>>(
    send: impl FnOnce(u16) -> F,
) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let serve = tokio::spawn(async move {
        let (mut sock, _) = listener.accept().await.unwrap();
        let mut got = Vec::new();
        let mut buf = [0u8; 4096];
        while !got.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = sock.read(&mut buf).await.unwrap();
            assert!(n > 0, "the connection closed mid-head");
            got.extend_from_slice(&buf[..n]);
        }
        let _ = sock
            .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
            .await;
        let end = got.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
        String::from_utf8_lossy(&got[..end]).into_owned()
    });
    send(port).await;
    serve.await.unwrap()
}

#[tokio::test]
async fn a_streamed_body_with_a_content_length_header_sends_exactly_one() {
    use taskcluster_wasm::transport::{Body, ReqwestTransport, Transport};
    let head = raw_request_head(|port| async move {
        let chunks = vec![Ok(bytes::Bytes::from_static(b"hello"))];
        let request = http::Request::builder()
            .method("PUT")
            .uri(format!("http://127.0.0.1:{port}/blob"))
            .header(http::header::CONTENT_LENGTH, 5)
            .body(Body::Stream {
                stream: Box::pin(futures_util::stream::iter(chunks)),
                length: Some(5),
            })
            .unwrap();
        let response = ReqwestTransport::new().send(request).await.unwrap();
        assert_eq!(response.status(), 200);
    })
    .await;
    let lengths: Vec<&str> = head
        .lines()
        .filter(|l| l.to_ascii_lowercase().starts_with("content-length:"))
        .collect();
    assert_eq!(lengths, ["content-length: 5"], "{head}");
    assert!(
        !head.to_ascii_lowercase().contains("transfer-encoding"),
        "{head}"
    );
}
