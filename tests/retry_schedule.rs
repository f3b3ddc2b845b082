//! The retry schedule of an API call, an upload and a download, asserted exactly with the
//! manual runtime: one test, run natively (`cargo test --test retry_schedule`) and in every
//! WebAssembly host (scripts/test adds it to the wasm tests). The three run through the one
//! retry loop: the same delays, the same counting of attempts, the same final error.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use serde_json::json;
use taskcluster_wasm::objects::{
    self, BytesSource, DownloadOptions, FakeCalls, FakeRule, Operation, RuleMode, UploadOptions,
    VecSink,
};
use taskcluster_wasm::transport::{RecordingTransport, TransportError, TransportErrorKind};
use taskcluster_wasm::{Client, Credentials, ManualRuntime, Result, RetryPolicy};

/// 2^n · 100 ms, capped at 300 ms, without jitter: 200, 300, 300 ms.
const POLICY: RetryPolicy = RetryPolicy {
    retries: 3,
    delay_factor: Duration::from_millis(100),
    randomization_factor: 0.0,
    max_delay: Duration::from_millis(300),
};
const SCHEDULE: [Duration; 3] = [
    Duration::from_millis(200),
    Duration::from_millis(300),
    Duration::from_millis(300),
];
/// 2030-01-01T00:00:00Z, well before the URLs below expire.
const NOW_MS: u64 = 1_893_456_000_000;
const STORAGE: &str = "https://storage.example.com/bucket/o";

/// Scripts three failures of different kinds, then `ok` (or a fourth failure).
fn three_failures(t: &RecordingTransport) {
    t.reply(500, &[], "")
        .fail(TransportError::new(TransportErrorKind::Network, "reset"))
        .reply(503, &[], "");
}

fn client(transport: &RecordingTransport, runtime: &ManualRuntime) -> Client {
    Client::builder("https://tc.example.com")
        .credentials(Credentials::new("tester", "not-a-real-token"))
        .retry(POLICY)
        .transport(Arc::new(transport.clone()))
        .runtime(Arc::new(runtime.clone()))
        .build()
        .unwrap()
}

/// The transfer seam, faked: storage URLs with secrets in their query, and `hashes` for
/// downloads.
fn seam(transport: &RecordingTransport, runtime: &ManualRuntime, hashes: &str) -> FakeCalls {
    let expires = "2030-01-01T01:00:00.000Z";
    FakeCalls::new(RuleMode::MatchAny)
        .rule(
            FakeRule::on(Operation::CreateUpload)
                .reply(json!({"uploadMethod": {"putUrl": {
                    "url": format!("{STORAGE}?X-Amz-Signature=secret"), "expires": expires, "headers": {}}}}))
                .always(),
        )
        .rule(FakeRule::on(Operation::FinishUpload).always())
        .rule(
            FakeRule::on(Operation::StartDownload)
                .reply(json!({"method": "getUrl", "url": format!("{STORAGE}?sig=secret"),
                              "expires": expires, "hashes": {"sha256": hashes}}))
                .always(),
        )
        .transport(Arc::new(transport.clone()))
        .runtime(Arc::new(runtime.clone()))
}

async fn upload(fake: &FakeCalls, data: &Bytes) -> Result<objects::UploadResult> {
    let opts = UploadOptions {
        project_id: "p".into(),
        name: "o".into(),
        expires: "2030-02-01T00:00:00.000Z".into(),
        content_type: "application/octet-stream".into(),
        content_length: data.len() as u64,
        retry: Some(POLICY),
        ..Default::default()
    };
    objects::upload(fake, &opts, &BytesSource(data.clone())).await
}

async fn download(fake: &FakeCalls, sink: &mut VecSink) -> Result<objects::DownloadResult> {
    let opts = DownloadOptions {
        retry: Some(POLICY),
        ..Default::default()
    };
    objects::download(fake, "o", sink, &opts).await
}

/// Each request of `t`, as "METHOD url-without-query".
fn requests(t: &RecordingTransport) -> Vec<String> {
    t.requests()
        .iter()
        .map(|r| format!("{} {}", r.method, r.url.split('?').next().unwrap()))
        .collect()
}

#[cfg_attr(not(target_arch = "wasm32"), tokio::test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
async fn calls_uploads_and_downloads_share_one_retry_schedule() {
    let runtime = ManualRuntime::at(NOW_MS).seeded(17);
    let ping = "https://tc.example.com/api/queue/v1/ping";
    let data = Bytes::from(vec![42u8; 20_000]);

    // An API call: three failures, then an answer; every attempt signed afresh.
    let t = RecordingTransport::new();
    three_failures(&t);
    t.reply_json(200, &json!({"alive": true}));
    let r = client(&t, &runtime)
        .request_url("GET", ping, None)
        .await
        .unwrap();
    assert_eq!(r.json::<serde_json::Value>().unwrap()["alive"], true);
    assert_eq!(runtime.take_sleeps(), SCHEDULE, "call");
    let auths: std::collections::HashSet<_> = t
        .requests()
        .iter()
        .map(|r| r.headers["authorization"].clone())
        .collect();
    assert_eq!(auths.len(), 4, "four attempts, four signatures");

    // An upload's PUT: three failures, then success; the source is read afresh each time.
    let t = RecordingTransport::new();
    three_failures(&t);
    t.reply(200, &[], "");
    let fake = seam(&t, &runtime, "");
    let done = upload(&fake, &data).await.unwrap();
    assert_eq!(runtime.take_sleeps(), SCHEDULE, "upload");
    assert_eq!(requests(&t), vec![format!("PUT {STORAGE}"); 4]);
    assert!(t
        .requests()
        .iter()
        .all(|r| r.body.as_deref() == Some(&data[..])));
    let finish = &fake.calls()[1];
    assert_eq!(finish.operation, Operation::FinishUpload);
    assert_eq!(finish.request["hashes"]["sha256"], done.hashes.sha256);
    let sha256 = done.hashes.sha256.as_str();

    // A download's GET: three failures, then the object.
    let t = RecordingTransport::new();
    three_failures(&t);
    t.reply(200, &[], data.clone());
    let mut sink = VecSink::default();
    let got = download(&seam(&t, &runtime, sha256), &mut sink)
        .await
        .unwrap();
    assert_eq!(runtime.take_sleeps(), SCHEDULE, "download");
    assert_eq!(requests(&t), vec![format!("GET {STORAGE}"); 4]);
    assert_eq!((got.length, sink.0.len()), (20_000, 20_000));
    assert_eq!(got.hashes, done.hashes, "the bytes uploaded, downloaded");

    // Four failures: each gives up after four attempts and the same three delays, and names
    // the request the same way, without its query.
    let t = RecordingTransport::new();
    three_failures(&t);
    t.reply(502, &[], "");
    let e = client(&t, &runtime)
        .request_url("GET", &format!("{ping}?bewit=secret"), None)
        .await
        .unwrap_err();
    assert_eq!(runtime.take_sleeps(), SCHEDULE, "call, exhausted");
    assert_eq!((e.status(), e.attempts()), (Some(502), 4));
    assert_eq!(e.request(), Some(("GET", ping)));

    let t = RecordingTransport::new();
    three_failures(&t);
    t.reply(502, &[], "");
    let e = upload(&seam(&t, &runtime, sha256), &data)
        .await
        .unwrap_err();
    assert_eq!(runtime.take_sleeps(), SCHEDULE, "upload, exhausted");
    assert_eq!((e.status(), e.attempts()), (Some(502), 4));
    assert_eq!(e.request(), Some(("PUT", STORAGE)));

    let t = RecordingTransport::new();
    three_failures(&t);
    t.reply(502, &[], "");
    let e = download(&seam(&t, &runtime, sha256), &mut VecSink::default())
        .await
        .unwrap_err();
    assert_eq!(runtime.take_sleeps(), SCHEDULE, "download, exhausted");
    assert_eq!((e.status(), e.attempts()), (Some(502), 4));
    assert_eq!(e.request(), Some(("GET", STORAGE)));
    for text in [e.to_string(), format!("{e:?}")] {
        assert!(!text.contains("secret"), "{text}");
    }

    // A 4xx is never retried, whoever sends it: one attempt, no sleep.
    let t = RecordingTransport::new();
    t.reply(404, &[], "");
    let e = download(&seam(&t, &runtime, sha256), &mut VecSink::default())
        .await
        .unwrap_err();
    assert_eq!((e.status(), e.attempts()), (Some(404), 1));
    assert!(runtime.sleeps().is_empty());
}
