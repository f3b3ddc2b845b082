//! The same scenarios natively against two targets: an in-process tc-devserver (always), or a real
//! Taskcluster deployment when `TC_TEST_TARGET=real` and `TC_TEST_ROOT_URL`, `TC_TEST_CLIENT_ID`,
//! `TC_TEST_ACCESS_TOKEN` name it (`scripts/real-taskcluster up`, then `eval "$(scripts/real-taskcluster env)"`).
//! Everything is set up through the Taskcluster API alone. Where the two targets answer differently,
//! the assertion is the real service's answer.
#![cfg(not(target_arch = "wasm32"))]

use std::time::Duration;

use bytes::Bytes;
use futures_util::StreamExt;
use serde_json::{json, Value};
use taskcluster_wasm::objects::{self, ArtifactOptions, BytesSource, UploadOptions, VecSink};
use taskcluster_wasm::util::slugid;
use taskcluster_wasm::{
    from_now, from_now_json, Auth, Client, Credentials, Index, Object, Queue, Secrets,
    TemporaryOptions,
};
use tc_devserver::{Config, DevServer};

/// A target: the real deployment named by the environment, or a fresh tc-devserver.
struct Target {
    _server: Option<DevServer>,
    root_url: String,
    creds: Credentials,
}

impl Target {
    async fn start() -> Target {
        if std::env::var("TC_TEST_TARGET").as_deref() == Ok("real") {
            let var = |k: &str| {
                std::env::var(k)
                    .unwrap_or_else(|_| panic!("{k} must be set for TC_TEST_TARGET=real"))
            };
            return Target {
                _server: None,
                root_url: var("TC_TEST_ROOT_URL"),
                creds: Credentials::new(var("TC_TEST_CLIENT_ID"), var("TC_TEST_ACCESS_TOKEN")),
            };
        }
        let s = DevServer::start(Config {
            anonymous_scopes: tc_devserver::ANONYMOUS_SCOPES
                .iter()
                .map(|s| s.to_string())
                .collect(),
            ..Config::default()
        })
        .await
        .unwrap();
        Target {
            root_url: s.root_url().to_string(),
            creds: Credentials::new(s.client_id(), s.access_token()),
            _server: Some(s),
        }
    }
    fn client_with(&self, creds: Option<Credentials>) -> Client {
        Client::builder(&self.root_url)
            .credentials(creds)
            .timeout(Some(Duration::from_secs(60)))
            .build()
            .unwrap()
    }
    fn client(&self) -> Client {
        self.client_with(Some(self.creds.clone()))
    }
}

/// Keeps the names of one run apart from earlier runs on the same deployment; lowercase, since
/// v106's task queue IDs allow only `[-a-z0-9]` in their second part.
fn run_id() -> String {
    slugid::nice()[..8].to_lowercase().replace(['_', '-'], "x")
}

/// What a caller holding `scopes` holds: those and the anonymous role's (every caller assumes it).
async fn with_anonymous(t: &Target, scopes: &[&str]) -> Value {
    let anon: Value = Auth::new(t.client_with(None))
        .current_scopes_raw()
        .await
        .unwrap();
    let mut all: Vec<String> = serde_json::from_value(anon["scopes"].clone()).unwrap();
    all.extend(scopes.iter().map(|s| s.to_string()));
    all.sort();
    all.dedup();
    json!(all)
}

fn assert_error(err: &taskcluster_wasm::Error, status: u16, code: &str) {
    assert_eq!(err.status(), Some(status), "{err}");
    assert_eq!(err.code(), Some(code), "{err}");
    assert_eq!(err.attempts(), 1, "4xx is never retried: {err}");
}

fn task_definition(task_queue_id: &str) -> Value {
    json!({
        "taskQueueId": task_queue_id, "schedulerId": "real-tests", "projectId": "none", "priority": "lowest",
        "created": from_now_json("").unwrap(), "deadline": from_now_json("1 hour").unwrap(), "expires": from_now_json("1 day").unwrap(),
        "payload": {}, "metadata": {"name": "scripts/test", "description": "an integration scenario", "owner": "tests@example.com", "source": "https://example.com/tests"}
    })
}

fn data(n: usize, seed: u32) -> Bytes {
    let mut x = seed.max(1);
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect::<Vec<u8>>()
        .into()
}

#[tokio::test]
async fn auth_permanent_temporary_named_and_authorized_scopes() {
    let t = Target::start().await;
    let run = run_id();
    let auth = Auth::new(t.client());
    let client_id = format!("project/real-tests/{run}/issuer");
    let created: Value = auth
        .create_client_raw(
            &client_id,
            &json!({"description": "scripts/test", "expires": from_now_json("1 hour").unwrap(),
                    "scopes": ["auth:current-scopes", "secrets:get:a/*", format!("auth:create-client:project/real-tests/{run}/named/*")]}),
        )
        .await
        .unwrap();
    let perm = Credentials::new(&client_id, created["accessToken"].as_str().unwrap());
    let scopes: Value = Auth::new(t.client_with(Some(perm.clone())))
        .current_scopes_raw()
        .await
        .unwrap();
    let issuer_scopes = format!("auth:create-client:project/real-tests/{run}/named/*");
    assert_eq!(
        scopes["scopes"],
        with_anonymous(
            &t,
            &["auth:current-scopes", "secrets:get:a/*", &issuer_scopes]
        )
        .await
    );

    let temp = |name: Option<String>, scopes: Vec<String>| {
        perm.create_temporary(
            &TemporaryOptions {
                client_id: name,
                expiry: from_now("1 hour").unwrap().as_millis() as u64,
                scopes,
                ..Default::default()
            },
            &taskcluster_wasm::SystemRuntime,
        )
        .unwrap()
    };
    let unnamed = temp(None, vec!["auth:current-scopes".into()]);
    let s: Value = Auth::new(t.client_with(Some(unnamed)))
        .current_scopes_raw()
        .await
        .unwrap();
    assert_eq!(
        s["scopes"],
        with_anonymous(&t, &["auth:current-scopes"]).await
    );
    let named = temp(
        Some(format!("project/real-tests/{run}/named/t")),
        vec!["auth:current-scopes".into()],
    );
    let s: Value = Auth::new(t.client_with(Some(named)))
        .current_scopes_raw()
        .await
        .unwrap();
    assert_eq!(
        s["scopes"],
        with_anonymous(&t, &["auth:current-scopes"]).await
    );
    let greedy = temp(None, vec!["queue:*".into()]);
    let err = Auth::new(t.client_with(Some(greedy)))
        .current_scopes_raw()
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(401), "{err}");

    let narrowed = Auth::new(
        t.client()
            .to_builder()
            .authorized_scopes(Some(["auth:current-scopes", "secrets:get:b/*"]))
            .build()
            .unwrap(),
    );
    let s: Value = narrowed.current_scopes_raw().await.unwrap();
    assert_eq!(
        s["scopes"],
        with_anonymous(&t, &["auth:current-scopes", "secrets:get:b/*"]).await
    );
    let narrowed_secrets = Secrets::new(
        t.client()
            .to_builder()
            .authorized_scopes(Some(["secrets:get:b/*"]))
            .build()
            .unwrap(),
    );
    let err = narrowed_secrets
        .set_raw(
            "project/x",
            &json!({"secret": {}, "expires": from_now_json("1 hour").unwrap()}),
        )
        .await
        .unwrap_err();
    assert_error(&err, 403, "InsufficientScopes");
}

#[tokio::test]
async fn error_shapes_401_403_404_400() {
    let t = Target::start().await;
    let wrong = Auth::new(t.client_with(Some(Credentials::new(
        t.creds.client_id(),
        "not-the-token-at-all-xxxxxxx",
    ))));
    assert_error(
        &wrong.current_scopes_raw().await.unwrap_err(),
        401,
        "AuthenticationFailed",
    );
    let anonymous = Secrets::new(t.client_with(None));
    assert_error(
        &anonymous.get_raw("project/none").await.unwrap_err(),
        403,
        "InsufficientScopes",
    );
    let auth = Auth::new(t.client());
    assert_error(
        &auth
            .client_raw(&format!("missing/{}", run_id()))
            .await
            .unwrap_err(),
        404,
        "ResourceNotFound",
    );
    let err = Queue::new(t.client())
        .create_task_raw(&slugid::nice(), &json!({"payload": {}}))
        .await
        .unwrap_err();
    assert_error(&err, 400, "InputValidationError");
}

#[tokio::test]
async fn secrets_bewits_without_credentials() {
    let t = Target::start().await;
    let secrets = Secrets::new(t.client());
    let name = format!("project/real-tests/{}/bewit", run_id());
    secrets
        .set_raw(
            &name,
            &json!({"secret": {"b": 1}, "expires": from_now_json("1 hour").unwrap()}),
        )
        .await
        .unwrap();
    let signed = secrets
        .get_signed_url(&name, Duration::from_secs(600))
        .unwrap();
    let r = reqwest::get(&signed).await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap()["secret"], json!({"b": 1}));
    assert_eq!(
        reqwest::get(secrets.get_url(&name).unwrap())
            .await
            .unwrap()
            .status(),
        403
    );
}

#[tokio::test]
async fn task_lifecycle_with_worker_credentials_and_every_artifact_type() {
    let t = Target::start().await;
    let run = run_id();
    let queue = Queue::new(t.client());
    let task_queue_id = format!("real-tests/n{run}");
    let task_id = slugid::nice();
    let _: Value = queue
        .create_task_raw(&task_id, &task_definition(&task_queue_id))
        .await
        .unwrap();
    let claim: Value = queue
        .claim_work_raw(
            &task_queue_id,
            &json!({"workerGroup": "real-tests", "workerId": format!("w{run}"), "tasks": 1}),
        )
        .await
        .unwrap();
    let claimed = &claim["tasks"][0];
    assert_eq!(claimed["status"]["taskId"], task_id.as_str());
    let run_id = claimed["runId"].as_u64().unwrap().to_string();
    let wc = &claimed["credentials"];
    let worker_creds = Credentials::new(
        wc["clientId"].as_str().unwrap(),
        wc["accessToken"].as_str().unwrap(),
    )
    .with_certificate(wc["certificate"].as_str().unwrap())
    .unwrap();
    let worker = Queue::new(t.client_with(Some(worker_creds)));
    let expires = from_now_json("1 hour").unwrap(); // an artifact may not outlive its task
    let hello = b"hello, native world\n";
    let s3: Value = worker
        .create_artifact_raw(
            &task_id,
            &run_id,
            "public/hello.txt",
            &json!({"storageType": "s3", "expires": expires, "contentType": "text/plain"}),
        )
        .await
        .unwrap();
    let put = reqwest::Client::new()
        .put(s3["putUrl"].as_str().unwrap())
        .header("content-type", "text/plain")
        .body(&hello[..])
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), 200);
    let obj: Value = worker
        .create_artifact_raw(&task_id, &run_id, "public/object.bin", &json!({"storageType": "object", "expires": expires, "contentType": "application/octet-stream"}))
        .await
        .unwrap();
    let oc = &obj["credentials"];
    let object = Object::new(
        t.client_with(Some(
            Credentials::new(
                oc["clientId"].as_str().unwrap(),
                oc["accessToken"].as_str().unwrap(),
            )
            .with_certificate(oc["certificate"].as_str().unwrap())
            .unwrap(),
        )),
    );
    let obj_data = data(20_000, 5);
    objects::upload(
        &object,
        &UploadOptions {
            project_id: obj["projectId"].as_str().unwrap().into(),
            name: obj["name"].as_str().unwrap().into(),
            expires: obj["expires"].as_str().unwrap().into(),
            upload_id: Some(obj["uploadId"].as_str().unwrap().into()),
            content_type: "application/octet-stream".into(),
            content_length: obj_data.len() as u64,
            ..Default::default()
        },
        &BytesSource(obj_data.clone()),
    )
    .await
    .unwrap();
    worker
        .finish_artifact_raw(
            &task_id,
            &run_id,
            "public/object.bin",
            &json!({"uploadId": obj["uploadId"]}),
        )
        .await
        .unwrap();
    let _: Value = worker
        .create_artifact_raw(&task_id, &run_id, "public/link", &json!({"storageType": "link", "expires": expires, "contentType": "text/plain", "artifact": "public/hello.txt"}))
        .await
        .unwrap();
    let _: Value = worker
        .create_artifact_raw(&task_id, &run_id, "public/error", &json!({"storageType": "error", "expires": expires, "reason": "file-missing-on-worker", "message": "gone"}))
        .await
        .unwrap();
    let done: Value = worker
        .report_completed_raw(&task_id, &run_id)
        .await
        .unwrap();
    assert_eq!(done["status"]["state"], "completed");

    let dl = |name: &str| ArtifactOptions {
        task_id: task_id.clone(),
        name: name.into(),
        ..Default::default()
    };
    let mut sink = VecSink::default();
    let r = objects::download_artifact(&queue, &dl("public/hello.txt"), &mut sink)
        .await
        .unwrap();
    assert_eq!(sink.0, hello);
    assert_eq!(r.content_type, "text/plain");
    let mut sink = VecSink::default();
    objects::download_artifact(&queue, &dl("public/object.bin"), &mut sink)
        .await
        .unwrap();
    assert!(sink.0 == obj_data, "object artifact bytes");
    let mut sink = VecSink::default();
    objects::download_artifact(&queue, &dl("public/link"), &mut sink)
        .await
        .unwrap();
    assert_eq!(sink.0, hello);
    let err = objects::download_artifact(&queue, &dl("public/error"), &mut VecSink::default())
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ArtifactError"), "{err}");
    // latestArtifact answers 200; getLatestArtifact's 303 is not followed: its JSON body is the answer
    let latest: Value = queue
        .latest_artifact_raw(&task_id, "public/hello.txt")
        .await
        .unwrap();
    assert_eq!(latest["storageType"], "s3");
    let redirected: Value = queue
        .get_latest_artifact_raw(&task_id, "public/hello.txt")
        .await
        .unwrap();
    assert_eq!(redirected["storageType"], "s3");
    assert!(
        redirected["url"]
            .as_str()
            .unwrap()
            .starts_with("http://127.0.0.1:"),
        "{redirected}"
    );

    let index = Index::new(t.client());
    let ns = format!("real-tests.n{run}");
    for i in 0..3 {
        let _: Value = index
            .insert_task_raw(&format!("{ns}.t{i}"), &json!({"taskId": task_id, "rank": i, "data": {"i": i}, "expires": from_now_json("1 day").unwrap()}))
            .await
            .unwrap();
    }
    let found: Value = index.find_task_raw(&format!("{ns}.t2")).await.unwrap();
    assert_eq!(found["taskId"], task_id.as_str());
    assert_eq!(found["data"], json!({"i": 2}));
    // The index serves an empty namespace (`/namespaces{/:namespace}`): the root's namespaces.
    let pages: Vec<_> = index
        .list_namespaces_pages("", &Default::default())
        .collect()
        .await;
    let roots: Vec<String> = pages
        .into_iter()
        .flat_map(|p| p.unwrap().namespaces)
        .map(|n| n.namespace)
        .collect();
    assert!(roots.iter().any(|n| n == "real-tests"), "{roots:?}");
    let at_root: Value = index.list_tasks_raw("", &Default::default()).await.unwrap();
    assert!(at_root["tasks"].is_array(), "{at_root}");
    // Any other empty argument is refused before a request, naming it.
    let err = index.find_task_raw("").await.unwrap_err();
    assert!(
        err.to_string()
            .contains("URL parameter indexPath of findTask must not be empty"),
        "{err}"
    );
}

#[tokio::test]
async fn objects_at_the_data_inline_boundary_and_64_mib() {
    let t = Target::start().await;
    let object = Object::new(t.client());
    let run = run_id();
    for n in [0usize, 8191, 8192, 64 * 1024 * 1024] {
        let d = data(n, n as u32 + 1);
        let name = format!("real-tests/{run}/native-{n}");
        let up = objects::upload(
            &object,
            &UploadOptions {
                project_id: "real-tests".into(),
                name: name.clone(),
                expires: from_now_json("1 day").unwrap(),
                content_type: "application/x-test".into(),
                content_length: n as u64,
                ..Default::default()
            },
            &BytesSource(d.clone()),
        )
        .await
        .unwrap();
        let mut sink = VecSink::default();
        let r = objects::download(&object, &name, &mut sink, &Default::default())
            .await
            .unwrap();
        assert!(sink.0 == d, "{n} bytes round trip");
        assert_eq!(r.hashes, up.hashes);
        assert_eq!(r.content_type, "application/x-test");
    }
}
