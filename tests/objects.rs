//! Object upload and download, and artifact downloads, natively against the local deployment:
//! the conformance cases of objects.md §5 that a real server can exercise (IDs in test names).
#![cfg(not(target_arch = "wasm32"))]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use serde_json::{json, Value};
use taskcluster_wasm::objects::{
    self, ArtifactOptions, BytesSource, DownloadOptions, FnSource, Source, SourceStream,
    UploadOptions, VecSink,
};
use taskcluster_wasm::platform::BoxFuture;
use taskcluster_wasm::transport::RecordingTransport;
use taskcluster_wasm::util::slugid;
use taskcluster_wasm::{from_now_json, Client, Credentials, ErrorKind, Object, Queue, RetryPolicy};
use tc_devserver::{Config, DevServer, Fault};

const FAST: RetryPolicy = RetryPolicy {
    retries: 2,
    delay_factor: Duration::from_millis(1),
    randomization_factor: 0.0,
    max_delay: Duration::from_millis(10),
};

async fn setup(seed: bool) -> (DevServer, Client) {
    let s = DevServer::start(Config {
        seed_demo_data: seed,
        ..Config::default()
    })
    .await
    .unwrap();
    let c = Client::builder(s.root_url())
        .credentials(Credentials::new(s.client_id(), s.access_token()))
        .retry(FAST)
        .build()
        .unwrap();
    (s, c)
}

fn fault(v: Value) -> Fault {
    serde_json::from_value(v).unwrap()
}

fn options(name: &str, data_len: usize) -> UploadOptions {
    UploadOptions {
        project_id: "proj".into(),
        name: name.into(),
        expires: from_now_json("1 day").unwrap(),
        content_type: "text/plain".into(),
        content_length: data_len as u64,
        ..Default::default()
    }
}

fn data(n: usize) -> Bytes {
    (0..n)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect::<Vec<u8>>()
        .into()
}

/// Counts how often the factory is called.
fn counting_source(bytes: Bytes, opened: Arc<AtomicUsize>) -> impl Source {
    FnSource(
        move || -> BoxFuture<'static, taskcluster_wasm::Result<SourceStream>> {
            opened.fetch_add(1, Ordering::SeqCst);
            let b = bytes.clone();
            Box::pin(async move { BytesSource(b).open().await })
        },
    )
}

fn count(s: &DevServer, method: &str, prefix: &str) -> usize {
    s.requests()
        .iter()
        .filter(|r| r.method == method && r.url.starts_with(prefix))
        .count()
}

async fn download_vec(
    object: &Object,
    name: &str,
) -> taskcluster_wasm::Result<(Vec<u8>, objects::DownloadResult)> {
    let mut sink = VecSink::default();
    let r = objects::download(object, name, &mut sink, &DownloadOptions::default()).await?;
    Ok((sink.0, r))
}

#[tokio::test]
async fn u1_d1_small_object_goes_inline_and_round_trips() {
    let (s, c) = setup(false).await;
    let object = Object::new(c);
    let name = format!("u1/{}", slugid::nice());
    let up = objects::upload(
        &object,
        &options(&name, 12),
        &BytesSource(Bytes::from_static(b"hello, world")),
    )
    .await
    .unwrap();
    assert!(up.hashes.sha256.starts_with("09ca7e4e"), "{:?}", up.hashes);
    assert_eq!(count(&s, "PUT", "/__storage/"), 0, "dataInline: no PUT");
    assert_eq!(count(&s, "POST", "/api/object/v1/finish-upload/"), 1);
    let (bytes, r) = download_vec(&object, &name).await.unwrap();
    assert_eq!(bytes, b"hello, world");
    assert_eq!(r.content_type, "text/plain");
    assert_eq!(r.hashes, up.hashes);
    let get = s
        .requests()
        .into_iter()
        .find(|r| r.method == "GET" && r.url.starts_with("/__storage/"))
        .unwrap();
    assert!(get.hawk.is_none(), "storage GETs carry no credentials");
}

#[tokio::test]
async fn u2_inline_threshold_and_u3_put_url() {
    let (s, c) = setup(false).await;
    let object = Object::new(c);
    for (n, puts) in [(8191usize, 0usize), (8192, 1), (10240, 1)] {
        s.clear_requests();
        let name = format!("u2/{n}/{}", slugid::nice());
        let d = data(n);
        objects::upload(&object, &options(&name, n), &BytesSource(d.clone()))
            .await
            .unwrap();
        assert_eq!(count(&s, "PUT", "/__storage/"), puts, "{n} bytes");
        let put = s
            .requests()
            .into_iter()
            .find(|r| r.method == "PUT" && r.url.starts_with("/__storage/"));
        if let Some(p) = put {
            assert_eq!(p.content_length, Some(n as u64));
        }
        assert_eq!(download_vec(&object, &name).await.unwrap().0, d.to_vec());
    }
}

#[tokio::test]
async fn u4_d11_empty_object() {
    let (_s, c) = setup(false).await;
    let object = Object::new(c);
    let name = format!("u4/{}", slugid::nice());
    let up = objects::upload(&object, &options(&name, 0), &BytesSource(Bytes::new()))
        .await
        .unwrap();
    assert_eq!(
        up.hashes.sha256,
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
    let (bytes, r) = download_vec(&object, &name).await.unwrap();
    assert!(bytes.is_empty());
    assert_eq!(r.length, 0);
}

#[tokio::test]
async fn u5_u7_put_retries_reopen_the_source() {
    let (s, c) = setup(false).await;
    let object = Object::new(c);
    for action in [
        json!({"kind": "status", "status": 500}),
        json!({"kind": "reset"}),
    ] {
        s.clear_requests();
        s.add_fault(fault(
            json!({"method": "PUT", "pathPrefix": "/__storage/", "times": 1, "action": action}),
        ));
        let name = format!("u5/{}", slugid::nice());
        let d = data(10 * 1024);
        let opened = Arc::new(AtomicUsize::new(0));
        let up = objects::upload(
            &object,
            &options(&name, d.len()),
            &counting_source(d.clone(), opened.clone()),
        )
        .await
        .unwrap();
        assert_eq!(count(&s, "PUT", "/__storage/"), 2, "{action}");
        assert_eq!(opened.load(Ordering::SeqCst), 2, "one fresh stream per PUT");
        let (bytes, r) = download_vec(&object, &name).await.unwrap();
        assert_eq!(bytes, d.to_vec());
        assert_eq!(r.hashes, up.hashes, "hashes are not double-counted");
    }
}

#[tokio::test]
async fn u6_put_5xx_exhausts_retries_and_4xx_is_fatal() {
    let (s, c) = setup(false).await;
    let object = Object::new(c);
    for (status, puts) in [(500u16, 3usize), (400, 1), (403, 1)] {
        s.clear_requests();
        s.clear_faults();
        s.add_fault(fault(json!({"method": "PUT", "pathPrefix": "/__storage/", "times": 0, "action": {"kind": "status", "status": status}})));
        let name = format!("u6/{}", slugid::nice());
        let err = objects::upload(&object, &options(&name, 10240), &BytesSource(data(10240)))
            .await
            .unwrap_err();
        assert_eq!(err.status(), Some(status), "{err}");
        assert_eq!(count(&s, "PUT", "/__storage/"), puts);
        assert_eq!(count(&s, "POST", "/api/object/v1/finish-upload/"), 0);
    }
}

#[tokio::test]
async fn u8_expired_put_url_is_renewed_with_the_same_request() {
    let (s, c) = setup(false).await;
    let object = Object::new(c);
    s.add_fault(fault(json!({"method": "PUT", "pathPrefix": "/api/object/v1/upload/", "times": 1, "action": {"kind": "expireUrl"}})));
    let name = format!("u8/{}", slugid::nice());
    let d = data(10240);
    objects::upload(&object, &options(&name, d.len()), &BytesSource(d.clone()))
        .await
        .unwrap();
    assert_eq!(
        count(&s, "PUT", "/api/object/v1/upload/"),
        2,
        "a second createUpload for a fresh URL"
    );
    assert_eq!(download_vec(&object, &name).await.unwrap().0, d.to_vec());
}

#[tokio::test]
async fn u9_wrong_length_is_an_error_naming_both_counts() {
    let (s, c) = setup(false).await;
    let object = Object::new(c);
    for (have, declared) in [(9000usize, 10000usize), (11000, 10000), (10, 12)] {
        let name = format!("u9/{}", slugid::nice());
        let err = objects::upload(&object, &options(&name, declared), &BytesSource(data(have)))
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");
        assert!(
            err.message().contains(&have.to_string())
                && err.message().contains(&declared.to_string()),
            "{err}"
        );
    }
    assert_eq!(count(&s, "POST", "/api/object/v1/finish-upload/"), 0);
}

#[tokio::test]
async fn u10_no_method_negotiated() {
    let fake = RecordingTransport::new();
    fake.reply_json(
        200,
        &json!({"projectId": "proj", "uploadId": "x", "expires": "x", "uploadMethod": {}}),
    );
    let object = Object::new(
        Client::builder("https://tc.example.com")
            .transport(Arc::new(fake.clone()))
            .build()
            .unwrap(),
    );
    let err = objects::upload(&object, &options("n", 10240), &BytesSource(data(10240)))
        .await
        .unwrap_err();
    assert!(
        err.message()
            .contains("Could not negotiate an upload method"),
        "{err}"
    );
    assert_eq!(fake.requests().len(), 1, "no PUT, no finishUpload");
}

#[tokio::test]
async fn u13_conflict_is_not_retried_and_u16_names_are_checked_first() {
    let (s, c) = setup(false).await;
    let object = Object::new(c);
    let name = format!("u13/{}", slugid::nice());
    objects::upload(
        &object,
        &options(&name, 5),
        &BytesSource(Bytes::from_static(b"first")),
    )
    .await
    .unwrap();
    s.clear_requests();
    let err = objects::upload(
        &object,
        &options(&name, 6),
        &BytesSource(Bytes::from_static(b"second")),
    )
    .await
    .unwrap_err();
    assert_eq!(err.status(), Some(409));
    assert_eq!(err.code(), Some("RequestConflict"));
    assert_eq!(count(&s, "PUT", "/api/object/v1/upload/"), 1);
    s.clear_requests();
    let err = objects::upload(
        &object,
        &options("données/☃", 5),
        &BytesSource(Bytes::from_static(b"12345")),
    )
    .await
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert!(s.requests().is_empty(), "refused before any request");
}

#[tokio::test]
async fn u15_awkward_names_round_trip() {
    let (s, c) = setup(false).await;
    let object = Object::new(c);
    let name = format!("a b/c%d?e#f+g~'()/{}", slugid::nice());
    objects::upload(
        &object,
        &options(&name, 5),
        &BytesSource(Bytes::from_static(b"odd!!")),
    )
    .await
    .unwrap();
    let create = s
        .requests()
        .into_iter()
        .find(|r| r.url.starts_with("/api/object/v1/upload/"))
        .unwrap();
    assert!(
        create
            .url
            .starts_with("/api/object/v1/upload/a%20b%2Fc%25d%3Fe%23f%2Bg~%27%28%29%2F"),
        "{}",
        create.url
    );
    assert_eq!(download_vec(&object, &name).await.unwrap().0, b"odd!!");
}

#[tokio::test]
async fn d3_d4_get_retries_and_fatal_4xx() {
    let (s, c) = setup(false).await;
    let object = Object::new(c);
    let name = format!("d3/{}", slugid::nice());
    let d = data(20000);
    objects::upload(&object, &options(&name, d.len()), &BytesSource(d.clone()))
        .await
        .unwrap();
    for (times, status, gets, ok) in [
        (1u32, 500u16, 2usize, true),
        (0, 500, 3, false),
        (0, 404, 1, false),
    ] {
        s.clear_requests();
        s.clear_faults();
        s.add_fault(fault(json!({"method": "GET", "pathPrefix": "/__storage/", "times": times, "action": {"kind": "status", "status": status}})));
        let result = download_vec(&object, &name).await;
        assert_eq!(count(&s, "GET", "/__storage/"), gets, "{status} x{times}");
        match result {
            Ok((bytes, _)) => {
                assert!(ok);
                assert_eq!(bytes, d.to_vec());
            }
            Err(e) => {
                assert!(!ok, "{e}");
                assert_eq!(e.status(), Some(status));
                assert_eq!(count(&s, "PUT", "/api/object/v1/start-download/"), 1);
            }
        }
    }
}

#[tokio::test]
async fn d5_expired_download_url_is_renewed() {
    let (s, c) = setup(false).await;
    let object = Object::new(c);
    let name = format!("d5/{}", slugid::nice());
    objects::upload(&object, &options(&name, 10000), &BytesSource(data(10000)))
        .await
        .unwrap();
    s.clear_requests();
    s.add_fault(fault(json!({"method": "PUT", "pathPrefix": "/api/object/v1/start-download/", "times": 1, "action": {"kind": "expireUrl"}})));
    let (bytes, _) = download_vec(&object, &name).await.unwrap();
    assert_eq!(bytes, data(10000).to_vec());
    assert_eq!(count(&s, "PUT", "/api/object/v1/start-download/"), 2);
}

#[tokio::test]
async fn d6_wrong_hash_fails_once_without_retry() {
    let (s, c) = setup(false).await;
    let object = Object::new(c);
    let name = format!("d6/{}", slugid::nice());
    objects::upload(&object, &options(&name, 10000), &BytesSource(data(10000)))
        .await
        .unwrap();
    s.clear_requests();
    s.add_fault(fault(json!({"method": "GET", "pathPrefix": "/__storage/", "times": 0, "action": {"kind": "wrongHash"}})));
    let err = download_vec(&object, &name).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Integrity, "{err}");
    assert!(
        err.message().contains("sha256") || err.message().contains("sha512"),
        "{err}"
    );
    assert_eq!(count(&s, "GET", "/__storage/"), 1);
}

#[tokio::test]
async fn d9_truncated_body_resumes_with_range() {
    let (s, c) = setup(false).await;
    let object = Object::new(c);
    let name = format!("d9/{}", slugid::nice());
    let d = data(1 << 20);
    objects::upload(&object, &options(&name, d.len()), &BytesSource(d.clone()))
        .await
        .unwrap();
    s.clear_requests();
    s.add_fault(fault(json!({"method": "GET", "pathPrefix": "/__storage/", "times": 1, "action": {"kind": "truncate", "bytes": 524288}})));
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let progress = seen.clone();
    let mut sink = VecSink::default();
    let opts = DownloadOptions {
        progress: Some(Arc::new(move |done, total| {
            progress.lock().unwrap().push((done, total))
        })),
        ..Default::default()
    };
    let r = objects::download(&object, &name, &mut sink, &opts)
        .await
        .unwrap();
    assert_eq!(sink.0, d.to_vec(), "no duplicated or missing bytes");
    assert_eq!(r.length, 1 << 20);
    assert_eq!(count(&s, "GET", "/__storage/"), 2);
    let seen = seen.lock().unwrap();
    assert_eq!(seen.last(), Some(&(1 << 20, Some(1 << 20))));
    assert!(
        seen.windows(2).all(|w| w[0].0 <= w[1].0),
        "progress never goes backwards when resuming"
    );
}

#[tokio::test]
async fn d13_missing_object_is_404_without_a_get() {
    let (s, c) = setup(false).await;
    let object = Object::new(c);
    let err = download_vec(&object, "no/such/object").await.unwrap_err();
    assert_eq!(err.status(), Some(404));
    assert_eq!(count(&s, "GET", "/__storage/"), 0);
}

#[tokio::test]
async fn a1_to_a4_artifacts_of_every_type() {
    let (s, c) = setup(true).await;
    let queue = Queue::new(c);
    let task = tc_devserver::DEMO_COMPLETED_TASK_ID;
    let get = |name: &str, run: Option<u32>| ArtifactOptions {
        task_id: task.into(),
        run_id: run,
        name: name.into(),
        ..Default::default()
    };
    // A1: s3, by run and latest, with a retried 500.
    s.add_fault(fault(json!({"method": "GET", "pathPrefix": "/__storage/", "times": 1, "action": {"kind": "status", "status": 500}})));
    for run in [Some(0), None] {
        let mut sink = VecSink::default();
        let r = objects::download_artifact(&queue, &get("public/hello.txt", run), &mut sink)
            .await
            .unwrap();
        assert!(!sink.0.is_empty());
        assert_eq!(r.content_type, "text/plain");
    }
    // A6: gzip-encoded s3 artifact is decoded.
    let mut plain = VecSink::default();
    objects::download_artifact(&queue, &get("public/hello.txt", None), &mut plain)
        .await
        .unwrap();
    let mut gz = VecSink::default();
    objects::download_artifact(&queue, &get("public/hello-gzip.txt", None), &mut gz)
        .await
        .unwrap();
    assert!(
        gz.0.starts_with(b"hello, world (") && gz.0.ends_with(b"public/hello-gzip.txt)\n"),
        "decoded: {:?}",
        String::from_utf8_lossy(&gz.0)
    );
    // A3: object artifact, with the artifact's own credentials and hash verification.
    let mut obj = VecSink::default();
    let r = objects::download_artifact(&queue, &get("public/object.txt", None), &mut obj)
        .await
        .unwrap();
    assert!(!obj.0.is_empty());
    assert_eq!(r.hashes.sha256.len(), 64);
    // link: followed by the queue.
    let mut link = VecSink::default();
    objects::download_artifact(&queue, &get("public/link", None), &mut link)
        .await
        .unwrap();
    assert_eq!(link.0, plain.0);
    // A2: reference artifacts are refused unless allowed, before any fetch.
    s.clear_requests();
    let err = objects::download_artifact(
        &queue,
        &get("public/reference", None),
        &mut VecSink::default(),
    )
    .await
    .unwrap_err();
    assert_eq!(err.code(), Some("ArtifactStorageTypeRejected"));
    assert_eq!(err.kind(), ErrorKind::Artifact);
    // A4: error artifacts.
    let err =
        objects::download_artifact(&queue, &get("public/error", None), &mut VecSink::default())
            .await
            .unwrap_err();
    assert_eq!(err.code(), Some("ArtifactError"));
    assert!(err.reason().is_some(), "{err:?}");
    // A5: a missing artifact is a 404, not retried.
    s.clear_requests();
    let err = objects::download_artifact(
        &queue,
        &get("public/missing", None),
        &mut VecSink::default(),
    )
    .await
    .unwrap_err();
    assert_eq!(err.status(), Some(404));
    assert_eq!(s.requests().len(), 1);
}

#[tokio::test]
async fn files_as_source_and_sink() {
    let (_s, c) = setup(false).await;
    let object = Object::new(c);
    let dir = std::env::temp_dir().join(format!("tc-objects-{}", slugid::nice()));
    std::fs::create_dir_all(&dir).unwrap();
    let src = dir.join("in.bin");
    let d = data(300_000);
    std::fs::write(&src, &d).unwrap();
    let source = taskcluster_wasm::platform::FileSource(src);
    let name = format!("files/{}", slugid::nice());
    objects::upload(
        &object,
        &options(&name, source.len().await.unwrap() as usize),
        &source,
    )
    .await
    .unwrap();
    let out = dir.join("out.bin");
    let mut sink = taskcluster_wasm::platform::FileSink::new(&out);
    objects::download(&object, &name, &mut sink, &DownloadOptions::default())
        .await
        .unwrap();
    sink.finish().await.unwrap();
    assert_eq!(std::fs::read(&out).unwrap(), d.to_vec());
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A client whose every request is answered by `fake`, in order.
fn scripted(fake: &RecordingTransport) -> Object {
    Object::new(
        Client::builder("https://tc.example.com")
            .credentials(Credentials::new("c", "t"))
            .transport(Arc::new(fake.clone()))
            .retry(FAST)
            .build()
            .unwrap(),
    )
}

fn start_download_reply(fake: &RecordingTransport, hashes: Value) {
    fake.reply_json(200, &json!({"method": "getUrl", "url": "https://blob.example.com/x", "expires": from_now_json("1 hour").unwrap(), "hashes": hashes}));
}

#[tokio::test]
async fn d2_d7_d14_scripted_downloads() {
    let hello = Bytes::from_static(b"hello, world");
    let sha256 = "09ca7e4eaa6e8ae9c7d261167129184883644d07dfba7cbfbc4c8a2e08360d5b";
    // D2: no Content-Type gives application/binary; D7: sha256 alone is acceptable.
    let fake = RecordingTransport::new();
    start_download_reply(&fake, json!({"sha256": sha256}));
    fake.reply(200, &[], hello.clone());
    let mut sink = VecSink::default();
    let r = objects::download(
        &scripted(&fake),
        "x",
        &mut sink,
        &DownloadOptions::default(),
    )
    .await
    .unwrap();
    assert_eq!(r.content_type, "application/binary");
    assert_eq!(sink.0, hello.to_vec());
    let reqs = fake.requests();
    assert_eq!(
        reqs[0].body.as_deref(),
        Some(&br#"{"acceptDownloadMethods":{"getUrl":true}}"#[..])
    );
    assert!(
        reqs[1].headers.get("authorization").is_none(),
        "no credentials to storage"
    );
    // D7: only md5, or no hashes at all, is not acceptable.
    for hashes in [json!({"md5": "abc"}), json!({})] {
        let fake = RecordingTransport::new();
        start_download_reply(&fake, hashes);
        fake.reply(200, &[("content-type", "text/plain")], hello.clone());
        let err = objects::download(
            &scripted(&fake),
            "x",
            &mut VecSink::default(),
            &DownloadOptions::default(),
        )
        .await
        .unwrap_err();
        assert!(
            err.message().contains("No acceptable hash algorithm"),
            "{err}"
        );
    }
    // D14: a redirect from storage is fatal and not followed.
    let fake = RecordingTransport::new();
    start_download_reply(&fake, json!({"sha256": sha256}));
    fake.reply(
        302,
        &[("location", "https://elsewhere.example.com/")],
        Bytes::new(),
    );
    let err = objects::download(
        &scripted(&fake),
        "x",
        &mut VecSink::default(),
        &DownloadOptions::default(),
    )
    .await
    .unwrap_err();
    assert_eq!(err.status(), Some(302));
    assert_eq!(
        fake.requests().len(),
        2,
        "startDownload and one GET, no redirect followed"
    );
}

#[tokio::test]
async fn u11_put_url_for_a_small_object_and_u12_api_retries_resend_identical_bodies() {
    let fake = RecordingTransport::new();
    // U12: createUpload answers 500 first; the API layer retries with the same body.
    fake.reply_json(
        500,
        &json!({"code": "InternalServerError", "message": "boom"}),
    );
    // U11: the service picks putUrl although dataInline was proposed.
    fake.reply_json(200, &json!({"projectId": "proj", "uploadId": "x", "expires": "x", "uploadMethod": {
        "putUrl": {"url": "https://blob.example.com/put", "expires": from_now_json("1 hour").unwrap(),
                   "headers": {"Content-Type": "text/plain", "Content-Length": "5", "X-Test-Header": "good"}}}}));
    fake.reply(200, &[], Bytes::new());
    fake.reply_json(
        503,
        &json!({"code": "InternalServerError", "message": "busy"}),
    );
    fake.reply_json(200, &json!({}));
    let opened = Arc::new(AtomicUsize::new(0));
    let up = objects::upload(
        &scripted(&fake),
        &options("small", 5),
        &counting_source(Bytes::from_static(b"12345"), opened.clone()),
    )
    .await
    .unwrap();
    let reqs = fake.requests();
    let kinds: Vec<String> = reqs
        .iter()
        .map(|r| format!("{} {}", r.method, r.url.split('?').next().unwrap()))
        .collect();
    assert_eq!(
        kinds,
        [
            "PUT https://tc.example.com/api/object/v1/upload/small",
            "PUT https://tc.example.com/api/object/v1/upload/small",
            "PUT https://blob.example.com/put",
            "POST https://tc.example.com/api/object/v1/finish-upload/small",
            "POST https://tc.example.com/api/object/v1/finish-upload/small",
        ]
    );
    assert_eq!(
        reqs[0].body, reqs[1].body,
        "createUpload retried with a byte-identical body"
    );
    assert_eq!(
        reqs[3].body, reqs[4].body,
        "finishUpload retried with a byte-identical body"
    );
    assert_eq!(
        opened.load(Ordering::SeqCst),
        2,
        "read once for dataInline, again for the PUT"
    );
    let put = &reqs[2];
    assert_eq!(put.headers.get("x-test-header").unwrap(), "good");
    assert_eq!(put.headers.get_all("content-length").iter().count(), 1);
    assert_eq!(put.body.as_deref(), Some(&b"12345"[..]));
    assert!(put.headers.get("authorization").is_none());
    let finish: Value = serde_json::from_slice(reqs[4].body.as_ref().unwrap()).unwrap();
    assert_eq!(finish["hashes"]["sha256"], up.hashes.sha256);
}

#[tokio::test]
async fn u17_temporary_credentials_with_authorized_scopes() {
    let (s, root) = setup(false).await;
    let issuer = root.credentials().unwrap().clone();
    let temp = issuer
        .create_temporary(
            &taskcluster_wasm::TemporaryOptions {
                expiry: taskcluster_wasm::from_now("1 hour").unwrap().as_millis() as u64,
                scopes: vec![
                    "object:upload:proj:u17/*".into(),
                    "object:download:u17/*".into(),
                    "auth:current-scopes".into(),
                ],
                ..Default::default()
            },
            &taskcluster_wasm::SystemRuntime,
        )
        .unwrap();
    let name = format!("u17/{}", slugid::nice());
    let client = Client::builder(s.root_url())
        .credentials(temp)
        .authorized_scopes(Some([
            format!("object:upload:proj:{name}"),
            format!("object:download:{name}"),
        ]))
        .retry(FAST)
        .build()
        .unwrap();
    let object = Object::new(client);
    let d = data(20000);
    objects::upload(&object, &options(&name, d.len()), &BytesSource(d.clone()))
        .await
        .unwrap();
    assert_eq!(download_vec(&object, &name).await.unwrap().0, d.to_vec());
    for r in s
        .requests()
        .iter()
        .filter(|r| r.url.starts_with("/api/object/"))
    {
        assert!(
            r.hawk.as_ref().unwrap().ext.is_some(),
            "ext carries the certificate and authorizedScopes"
        );
        assert_eq!(r.auth_error, None, "{}", r.url);
    }
    // Outside the authorized scopes: refused.
    let err = objects::upload(
        &object,
        &options("u17/other", 3),
        &BytesSource(Bytes::from_static(b"abc")),
    )
    .await
    .unwrap_err();
    assert_eq!(err.status(), Some(403));
}
