//! Opt-in payload validation (`ClientBuilder::validate`, the `validate` feature) against the local
//! deployment: an invalid createTask payload is rejected before any request, naming each failing
//! field; a valid one is sent; with validation off the same invalid payload reaches the server.
//!
//! `cargo test --features validate --test validate`
#![cfg(all(feature = "validate", not(target_arch = "wasm32")))]

use serde_json::{json, Value};
use taskcluster_wasm::util::slugid;
use taskcluster_wasm::{from_now_json, Client, Credentials, ErrorKind, Queue};
use tc_devserver::{Config, DevServer};

fn client(s: &DevServer, validate: bool) -> Client {
    Client::builder(s.root_url())
        .credentials(Credentials::new(s.client_id(), s.access_token()))
        .retries(0)
        .validate(validate)
        .build()
        .unwrap()
}

fn valid_task() -> Value {
    json!({
        "taskQueueId": "proj-validate/ci", "schedulerId": "validate", "projectId": "none",
        "created": from_now_json("").unwrap(), "deadline": from_now_json("1 hour").unwrap(),
        "expires": from_now_json("1 day").unwrap(), "payload": {}, "retries": 2,
        "metadata": {"name": "v", "description": "validation", "owner": "v@example.com", "source": "https://example.com/v"}
    })
}

/// No metadata, retries of the wrong type, a field the schema does not allow.
fn invalid_task() -> Value {
    let mut t = valid_task();
    let o = t.as_object_mut().unwrap();
    o.remove("metadata");
    o.insert("retries".into(), json!("secret-ish value"));
    o.insert("bogus".into(), json!(1));
    t
}

#[tokio::test]
async fn invalid_create_task_is_rejected_before_any_request() {
    let s = DevServer::start(Config::default()).await.unwrap();
    let queue = Queue::new(client(&s, true));
    let before = s.requests().len();
    let err = queue
        .create_task_raw(&slugid::nice(), &invalid_task())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert_eq!(s.requests().len(), before, "a request was sent");
    let msg = err.to_string();
    for part in [
        "createTask payload does not match queue/v1/create-task-request.json",
        "/metadata: is required",
        "/retries: ",
        "'bogus' was unexpected",
    ] {
        assert!(msg.contains(part), "{part:?} not in {msg}");
    }
    assert!(
        !msg.contains("secret-ish"),
        "the payload's value is quoted: {msg}"
    );

    // The same payload without validation reaches the server, which rejects the same field.
    let plain = Queue::new(client(&s, false));
    let err = plain
        .create_task_raw(&slugid::nice(), &invalid_task())
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(400), "{err}");
    assert!(err.to_string().contains("metadata"), "{err}");
    assert_eq!(s.requests().len(), before + 1);
}

#[tokio::test]
async fn valid_create_task_is_sent() {
    let s = DevServer::start(Config::default()).await.unwrap();
    let queue = Queue::new(client(&s, true));
    let task_id = slugid::nice();
    let status = queue
        .create_task_raw(&task_id, &valid_task())
        .await
        .unwrap();
    assert_eq!(status["status"]["taskId"], task_id.as_str());
    assert_eq!(s.requests().len(), 1);
    // A method with no input schema is sent as before.
    let status = queue.status(&task_id).await.unwrap();
    assert_eq!(status.status.task_id, task_id);
}

/// Every method with an input has its schema embedded, and every schema compiles (its `$ref`s
/// resolve): a payload of the wrong type fails naming the schema, not the validator.
#[test]
fn every_input_schema_is_embedded_and_compiles() {
    use taskcluster_wasm::{generated as g, validate, Call};
    let apis = [
        (g::Auth::service(), g::Auth::entries()),
        (g::Github::service(), g::Github::entries()),
        (g::Hooks::service(), g::Hooks::entries()),
        (g::Index::service(), g::Index::entries()),
        (g::Notify::service(), g::Notify::entries()),
        (g::Object::service(), g::Object::entries()),
        (g::PurgeCache::service(), g::PurgeCache::entries()),
        (g::Queue::service(), g::Queue::entries()),
        (g::Secrets::service(), g::Secrets::entries()),
        (g::WebServer::service(), g::WebServer::entries()),
        (g::WorkerManager::service(), g::WorkerManager::entries()),
    ];
    let (mut checked, mut unchecked) = (Vec::new(), Vec::new());
    for (service, entries) in apis {
        for entry in entries.iter().filter(|e| e.input) {
            let Some(schema) = validate::input_schema(&service.name, &entry.name) else {
                // only a method whose schema is newer than references/schemas/ goes unchecked
                let refs = concat!(env!("CARGO_MANIFEST_DIR"), "/references");
                let api: Value = serde_json::from_str(
                    &std::fs::read_to_string(format!("{refs}/{}/v1/api.json", service.name))
                        .unwrap(),
                )
                .unwrap();
                let input = api["entries"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter(|e| e["name"] == entry.name.as_ref())
                    .find_map(|e| e["input"].as_str())
                    .unwrap();
                let file = format!(
                    "{refs}/schemas/{}/{}",
                    service.name,
                    input.trim_end_matches('#')
                );
                assert!(
                    !std::path::Path::new(&file).exists(),
                    "{file} is vendored but not embedded"
                );
                unchecked.push(format!("{}.{}", service.name, entry.name));
                continue;
            };
            let call = Call::new(service, entry).payload(&json!([1])).unwrap();
            let err = validate::check(&call).unwrap_err().to_string();
            assert!(
                err.contains(&format!("payload does not match {schema}:\n  * /: ")),
                "{err}"
            );
            checked.push(schema);
        }
    }
    assert!(
        checked.len() >= 45,
        "only {} methods checked",
        checked.len()
    );
    assert!(
        unchecked.len() <= 2,
        "methods without a vendored schema: {unchecked:?}"
    );
}
