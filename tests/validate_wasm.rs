//! Opt-in payload validation (`ClientBuilder::validate`, the `validate` feature) in a WebAssembly
//! host: an invalid createTask payload fails before the transport sees a request, naming the
//! field; a valid one is sent.
//!
//! `cargo test --target wasm32-unknown-unknown --features validate --test validate_wasm`
#![cfg(all(feature = "validate", target_arch = "wasm32"))]

use std::sync::Arc;

use serde_json::json;
use taskcluster_wasm::transport::RecordingTransport;
use taskcluster_wasm::{Client, Credentials, ErrorKind, Queue};
use wasm_bindgen_test::wasm_bindgen_test as test;

fn queue(transport: &RecordingTransport) -> Queue {
    Queue::new(
        Client::builder("https://tc.example.com")
            .credentials(Credentials::new("tester", "a-test-access-token-0123456789"))
            .retries(0)
            .validate(true)
            .transport(Arc::new(transport.clone()))
            .build()
            .unwrap(),
    )
}

fn task() -> serde_json::Value {
    json!({
        "taskQueueId": "proj-validate/ci", "created": "2026-01-01T00:00:00.000Z",
        "deadline": "2026-01-01T01:00:00.000Z", "payload": {},
        "metadata": {"name": "v", "description": "validation", "owner": "v@example.com", "source": "https://example.com/v"}
    })
}

#[test]
async fn validation_runs_in_wasm_before_any_request() {
    let transport = RecordingTransport::new();
    let q = queue(&transport);
    let mut bad = task();
    bad.as_object_mut().unwrap().remove("deadline");
    let err = q
        .create_task_raw("fN1SbArXTPSVFNUvaOlinQ", &bad)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert!(err.to_string().contains("/deadline: is required"), "{err}");
    assert!(transport.requests().is_empty());

    transport.reply_json(
        200,
        &json!({"status": {"taskId": "fN1SbArXTPSVFNUvaOlinQ"}}),
    );
    let ok = q
        .create_task_raw("fN1SbArXTPSVFNUvaOlinQ", &task())
        .await
        .unwrap();
    assert_eq!(ok["status"]["taskId"], "fN1SbArXTPSVFNUvaOlinQ");
    assert_eq!(transport.requests().len(), 1);
}
