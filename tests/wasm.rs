//! The client in WebAssembly hosts (Node, Chromium page and worker, Deno), over the global
//! `fetch`, against the local deployment on 127.0.0.1. The deployment's root URL and root
//! credentials are compiled in from TC_TEST_ROOT_URL, TC_TEST_CLIENT_ID and
//! TC_TEST_ACCESS_TOKEN (scripts/test sets them).
#![cfg(target_arch = "wasm32")]

mod common;

use std::time::Duration;

use bytes::Bytes;
use serde_json::{json, Value};
use taskcluster_wasm::transport::{Body, FetchTransport, Transport};
use taskcluster_wasm::{Call, Client, Credentials, ErrorKind, RetryPolicy};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::wasm_bindgen_test as test;

const ROOT_URL: Option<&str> = option_env!("TC_TEST_ROOT_URL");
const CLIENT_ID: Option<&str> = option_env!("TC_TEST_CLIENT_ID");
const ACCESS_TOKEN: Option<&str> = option_env!("TC_TEST_ACCESS_TOKEN");

fn required(value: Option<&'static str>, name: &str) -> &'static str {
    value.unwrap_or_else(|| panic!("build the wasm tests with {name} set (scripts/test does)"))
}

fn root_url() -> &'static str {
    required(ROOT_URL, "TC_TEST_ROOT_URL")
}

fn creds() -> Credentials {
    Credentials::new(
        required(CLIENT_ID, "TC_TEST_CLIENT_ID"),
        required(ACCESS_TOKEN, "TC_TEST_ACCESS_TOKEN"),
    )
}

fn client() -> Client {
    Client::builder(root_url())
        .credentials(creds())
        .retry(RetryPolicy {
            delay_factor: Duration::from_millis(5),
            ..RetryPolicy::default()
        })
        .build()
        .unwrap()
}

fn unique() -> String {
    taskcluster_wasm::util::slugid::nice()
}

fn in_browser() -> bool {
    let g = js_sys::global();
    let deno = js_sys::Reflect::get(&g, &"Deno".into())
        .map(|d| !d.is_undefined())
        .unwrap_or(false);
    !deno
        && (g.dyn_ref::<web_sys::Window>().is_some()
            || g.dyn_ref::<web_sys::WorkerGlobalScope>().is_some())
}

/// Plain JSON to the devserver's admin API.
async fn admin(method: &str, path: &str, body: Option<Value>) -> Value {
    let mut req = http::Request::builder()
        .method(method)
        .uri(format!("{}/__devserver/{path}", root_url()));
    let body = match body {
        Some(b) => {
            req = req.header("content-type", "application/json");
            Body::Bytes(Bytes::from(b.to_string()))
        }
        None => Body::Empty,
    };
    let resp = FetchTransport::new()
        .send(req.body(body).unwrap())
        .await
        .unwrap();
    let bytes = resp.into_body().bytes().await.unwrap();
    serde_json::from_slice(&bytes).unwrap_or(Value::Null)
}

async fn add_fault(f: Value) {
    admin("POST", "faults", Some(f)).await;
}

async fn requests(prefix: &str) -> Vec<Value> {
    let v = admin(
        "GET",
        &format!(
            "requests?pathPrefix={}",
            taskcluster_wasm::call::encode_component(prefix)
        ),
        None,
    )
    .await;
    v.as_array().cloned().unwrap_or_default()
}

async fn set_secret(c: &Client, name: &str) {
    let (svc, set) = common::entry("secrets", "set");
    let expires = taskcluster_wasm::from_now_json("1 hour").unwrap();
    c.call(
        &Call::new(&svc, &set)
            .arg(name)
            .payload(&json!({"secret": {"v": name}, "expires": expires}))
            .unwrap(),
    )
    .await
    .unwrap();
}

#[test]
async fn signed_get_with_awkward_query_is_accepted() {
    let prefix = format!("it's!ü/{}", unique());
    let (svc, entry) = common::entry("auth", "listClients");
    let result: Value = client()
        .call_json(&Call::new(&svc, &entry).query("prefix", prefix.as_str()))
        .await
        .unwrap();
    assert!(result["clients"].is_array(), "{result}");
    let log = requests("/api/auth/v1/clients/").await;
    let encoded = taskcluster_wasm::call::encode_component(&prefix).into_owned();
    let r = log
        .iter()
        .rev()
        .find(|r| r["url"].as_str().unwrap().ends_with(&encoded))
        .expect("logged");
    assert_eq!(r["status"], 200);
    assert_eq!(r["clientId"], creds().client_id());
}

#[test]
async fn signed_post_with_payload_is_accepted() {
    let (svc, entry) = common::entry("auth", "expandScopes");
    let call = Call::new(&svc, &entry)
        .payload(&json!({"scopes": ["queue:x:it's/x!"]}))
        .unwrap();
    let result: Value = client().call_json(&call).await.unwrap();
    assert_eq!(result["scopes"], json!(["queue:x:it's/x!"]));
}

#[test]
async fn two_500s_then_success_takes_three_attempts_with_three_nonces() {
    let c = client();
    let name = format!("project/wasm/{}", unique());
    set_secret(&c, &name).await;
    let path = format!(
        "/api/secrets/v1/secret/{}",
        taskcluster_wasm::call::encode_component(&name)
    );
    add_fault(json!({"method": "GET", "pathPrefix": path, "times": 2, "action": {"kind": "status", "status": 500}})).await;
    let (svc, get) = common::entry("secrets", "get");
    let got: Value = c
        .call_json(&Call::new(&svc, &get).arg(name.as_str()))
        .await
        .unwrap();
    assert_eq!(got["secret"]["v"], name.as_str());
    let log: Vec<Value> = requests(&path)
        .await
        .into_iter()
        .filter(|r| r["method"] == "GET")
        .collect();
    let statuses: Vec<u64> = log.iter().map(|r| r["status"].as_u64().unwrap()).collect();
    assert_eq!(statuses, [500, 500, 200]);
    let mut nonces: Vec<String> = log
        .iter()
        .map(|r| r["hawk"]["nonce"].as_str().unwrap().to_string())
        .collect();
    nonces.sort();
    nonces.dedup();
    assert_eq!(nonces.len(), 3);
}

#[test]
async fn a_404_is_one_attempt_and_a_typed_error() {
    let id = format!("missing/{}", unique());
    let (svc, entry) = common::entry("auth", "client");
    let err = client()
        .call(&Call::new(&svc, &entry).arg(id.as_str()))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Http);
    assert_eq!(err.status(), Some(404));
    assert_eq!(err.code(), Some("ResourceNotFound"));
    assert_eq!(err.attempts(), 1);
    let path = format!(
        "/api/auth/v1/clients/{}",
        taskcluster_wasm::call::encode_component(&id)
    );
    assert_eq!(requests(&path).await.len(), 1);
}

#[test]
async fn a_hung_response_times_out_with_econnaborted() {
    let name = format!("project/hang/{}", unique());
    let path = format!(
        "/api/secrets/v1/secret/{}",
        taskcluster_wasm::call::encode_component(&name)
    );
    add_fault(json!({"pathPrefix": path, "times": 0, "action": {"kind": "hang"}})).await;
    let c = client()
        .to_builder()
        .timeout(Some(Duration::from_millis(400)))
        .retries(0)
        .build()
        .unwrap();
    let (svc, get) = common::entry("secrets", "get");
    let start = js_sys::Date::now();
    let err = c
        .call(&Call::new(&svc, &get).arg(name.as_str()))
        .await
        .unwrap_err();
    let elapsed = js_sys::Date::now() - start;
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err:?}");
    assert_eq!(err.code(), Some("ECONNABORTED"));
    assert!(elapsed >= 390.0, "timed out after {elapsed} ms");
}

#[test]
async fn a_303_returns_its_json_body_where_the_host_allows() {
    let task = unique();
    let path = format!("/api/queue/v1/task/{task}/artifacts/");
    add_fault(json!({"pathPrefix": path, "action": {"kind": "status", "status": 303,
        "headers": {"location": "http://127.0.0.1:1/x"}, "body": {"storageType": "s3", "url": "http://127.0.0.1:1/x"}}}))
    .await;
    let (svc, entry) = common::entry("queue", "getLatestArtifact");
    let result = client()
        .call(&Call::new(&svc, &entry).arg(task.as_str()).arg("public/x"))
        .await;
    if in_browser() {
        // Browsers hide 3xx responses from fetch; the error says what to use instead.
        let err = result.unwrap_err();
        assert!(err.message().contains("redirect"), "{err}");
    } else {
        let response = result.unwrap();
        assert_eq!(response.status(), 303);
        assert_eq!(response.json::<Value>().unwrap()["storageType"], "s3");
    }
}

#[test]
async fn no_access_token_in_errors() {
    let (svc, entry) = common::entry("auth", "client");
    let c = client();
    let err = c
        .call(&Call::new(&svc, &entry).arg("missing"))
        .await
        .unwrap_err();
    let text = format!("{err:?} {err} {c:?}");
    assert!(!text.contains(creds().access_token()), "{text}");
}

#[test]
async fn vectors_also_pass_here() {
    // The signing code is the same; this proves it runs identically on wasm (see tests/vectors.rs).
    let u = "https://tc.example.com/api/queue/v1/ping"
        .parse::<http::Uri>()
        .unwrap();
    let c = Client::builder("https://tc.example.com")
        .credentials(creds())
        .build()
        .unwrap();
    assert!(c
        .authorization("GET", &u)
        .unwrap()
        .unwrap()
        .starts_with("Hawk id="));
}
