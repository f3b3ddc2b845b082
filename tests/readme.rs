//! The official Node client README's examples, through the Rust API, natively, against the local
//! deployment: construction, derived clients, createTask, URL builders fetched without
//! credentials, temporary credentials, fromNow, slugid, Events, fakes (a recording transport)
//! and clients built from a reference.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};
use taskcluster_wasm::transport::RecordingTransport;
use taskcluster_wasm::util::slugid;
use taskcluster_wasm::{
    from_now, from_now_json, Auth, Client, Credentials, Queue, QueueEvents, RetryPolicy, Secrets,
    TemporaryOptions,
};
use tc_devserver::{Config, DevServer};

async fn setup() -> (DevServer, Client) {
    // Like a real deployment: anonymous callers may read public things.
    let s = DevServer::start(Config {
        anonymous_scopes: tc_devserver::ANONYMOUS_SCOPES
            .iter()
            .map(|s| s.to_string())
            .collect(),
        ..Config::default()
    })
    .await
    .unwrap();
    let client = Client::builder(s.root_url())
        .credentials(Credentials::new(s.client_id(), s.access_token()))
        .timeout(Some(Duration::from_secs(30)))
        .retry(RetryPolicy {
            retries: 5,
            ..RetryPolicy::default()
        })
        .build()
        .unwrap();
    (s, client)
}

fn task_definition() -> taskcluster_wasm::schemas::CreateTaskRequest {
    serde_json::from_value(json!({
        "taskQueueId": "proj-readme/ci", "schedulerId": "readme", "projectId": "none", "priority": "lowest",
        "created": from_now_json("").unwrap(), "deadline": from_now_json("1 hour").unwrap(), "expires": from_now_json("1 day").unwrap(),
        "payload": {}, "metadata": {"name": "readme", "description": "a README example", "owner": "readme@example.com", "source": "https://example.com/readme"}
    }))
    .unwrap()
}

#[tokio::test]
async fn construction_use_and_create_task() {
    let (_s, client) = setup().await;
    let queue = Queue::new(client.clone());
    queue.ping().await.unwrap();
    let task_id = slugid::nice();
    // `use({retries: 0})`: a derived client with one option changed.
    let once = Queue::new(client.to_builder().retries(0).build().unwrap());
    let result = once
        .create_task(&task_id, &task_definition())
        .await
        .unwrap();
    assert_eq!(result.status.task_id, task_id);
    assert_eq!(
        serde_json::to_value(result.status.state).unwrap(),
        "pending"
    );
    let traced = Queue::new(
        client
            .to_builder()
            .trace_id(Some("trace-readme".into()))
            .build()
            .unwrap(),
    );
    let status = traced.status(&task_id).await.unwrap();
    assert_eq!(status.status.task_id, task_id);
}

#[tokio::test]
async fn urls_fetched_without_credentials() {
    let (s, client) = setup().await;
    let queue = Queue::new(client.clone());
    let task_id = slugid::nice();
    queue
        .create_task(&task_id, &task_definition())
        .await
        .unwrap();
    let url = queue.task_url(&task_id).unwrap();
    assert_eq!(url, format!("{}/api/queue/v1/task/{task_id}", s.root_url()));
    let plain = reqwest::get(&url).await.unwrap();
    assert_eq!(plain.status(), 200);
    let secrets = Secrets::new(client);
    let name = format!("project/readme/{}", slugid::nice());
    secrets
        .set(
            &name,
            &serde_json::from_value(
                json!({"secret": {"readme": true}, "expires": from_now_json("1 hour").unwrap()}),
            )
            .unwrap(),
        )
        .await
        .unwrap();
    let signed = secrets
        .get_signed_url(&name, Duration::from_secs(600))
        .unwrap();
    let body: Value = reqwest::get(&signed).await.unwrap().json().await.unwrap();
    assert_eq!(body["secret"], json!({"readme": true}));
    assert_eq!(
        reqwest::get(secrets.get_url(&name).unwrap())
            .await
            .unwrap()
            .status(),
        403
    );
}

#[tokio::test]
async fn temporary_credentials_for_a_call() {
    let (s, _) = setup().await;
    let issuer = Credentials::new(s.client_id(), s.access_token());
    let temp = issuer
        .create_temporary(
            &TemporaryOptions {
                client_id: Some(format!("readme/temp/{}", slugid::nice())),
                expiry: from_now("5 minutes").unwrap().as_millis() as u64,
                scopes: vec!["auth:current-scopes".into(), "queue:get-task:*".into()],
                ..Default::default()
            },
            &taskcluster_wasm::SystemRuntime,
        )
        .unwrap();
    let auth = Auth::new(
        Client::builder(s.root_url())
            .credentials(temp)
            .build()
            .unwrap(),
    );
    let scopes = auth.current_scopes().await.unwrap();
    assert!(
        scopes.scopes.iter().any(|s| s == "queue:get-task:*"),
        "{scopes:?}"
    );
}

#[test]
fn from_now_slugid_and_events() {
    let a = from_now("2 days 3 hours 1 minute").unwrap();
    let past = from_now("- 1 year 2 months 3 weeks 5 seconds").unwrap();
    assert!(past < a);
    let b = taskcluster_wasm::util::time::from_now_at("1 year", Some(a)).unwrap();
    assert_eq!(b.as_millis() - a.as_millis(), 365 * 24 * 3600 * 1000);
    let id = slugid::nice();
    assert_eq!(id.len(), 22);
    let binding = QueueEvents
        .task_completed(&[("taskId", "myTaskId")])
        .unwrap();
    assert_eq!(
        binding.exchange,
        "exchange/taskcluster-queue/v1/task-completed"
    );
    assert_eq!(
        binding.routing_key_pattern,
        "primary.myTaskId.*.*.*.*.*.*.*.#"
    );
}

#[tokio::test]
async fn fakes_through_a_recording_transport() {
    // The Rust counterpart of `fake`: a transport that answers from a script and records calls.
    let fake = RecordingTransport::new();
    fake.reply_json(
        200,
        &json!({"secret": "my-hardcoded-secret", "expires": "2030-01-01T00:00:00.000Z"}),
    );
    let secrets = Secrets::new(
        Client::builder("https://tc.example.com")
            .transport(Arc::new(fake.clone()))
            .build()
            .unwrap(),
    );
    // The scripted secret is a string, which the schema does not allow (a secret is an object):
    // the typed `get` refuses it, `get_raw` returns it as it came.
    fake.reply_json(
        200,
        &json!({"secret": "my-hardcoded-secret", "expires": "2030-01-01T00:00:00.000Z"}),
    );
    let err = secrets.get("thing-to-read").await.unwrap_err();
    assert_eq!(err.kind(), taskcluster_wasm::ErrorKind::Decode, "{err}");
    let s = secrets.get_raw("thing-to-read").await.unwrap();
    assert_eq!(s["secret"], "my-hardcoded-secret");
    let calls = fake.requests();
    assert_eq!(calls.len(), 2);
    assert_eq!(
        calls[0].url,
        "https://tc.example.com/api/secrets/v1/secret/thing-to-read"
    );
}

#[tokio::test]
async fn client_from_a_reference() {
    let (s, client) = setup().await;
    let reference: Value = reqwest::get(format!("{}/references/secrets/v1/api.json", s.root_url()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let dynamic = taskcluster_wasm::discover::parse_reference(&reference).unwrap();
    let name = format!("project/readme/{}", slugid::nice());
    let set = dynamic
        .call("set")
        .unwrap()
        .arg(name.as_str())
        .payload(&json!({"secret": {"made": "dynamically"}, "expires": from_now_json("1 hour").unwrap()}))
        .unwrap();
    client.call(&set).await.unwrap();
    let got: Value = client
        .call_json(&dynamic.call("get").unwrap().arg(name.as_str()))
        .await
        .unwrap();
    assert_eq!(got["secret"]["made"], "dynamically");
}
