//! The typed methods and the generated schema types (`taskcluster_wasm::schemas`) against the
//! local deployment: every method below takes its typed payload, and its typed result is exactly
//! what the server sent: the JSON that the method's `_raw` twin returns for the same call,
//! read as that type, serializes back to itself (so no field is lost or misread).
#![cfg(not(target_arch = "wasm32"))]

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value};
use taskcluster_wasm::schemas as s;
use taskcluster_wasm::{Auth, Client, Credentials, Index, Object, Queue, Secrets};
use tc_devserver::{Config, DevServer};

/// `typed` must serialize to `raw`, the server's JSON for the same call.
#[track_caller]
fn same<T: Serialize>(what: &str, typed: &T, raw: &Value) {
    assert_eq!(
        &serde_json::to_value(typed).unwrap(),
        raw,
        "{what}: the typed result serializes back to the server's JSON"
    );
}

/// A typed payload from JSON (which must survive the round trip, so nothing is dropped).
#[track_caller]
fn payload<T: DeserializeOwned + Serialize>(what: &str, v: Value) -> T {
    let t: T = serde_json::from_value(v.clone()).unwrap_or_else(|e| panic!("{what}: {e}\n{v:#}"));
    same(what, &t, &v);
    t
}

/// `raw` read as the type of `typed` (the typed method's result for the same call) must
/// serialize back to exactly `raw`.
#[track_caller]
fn reread<T: DeserializeOwned + Serialize>(what: &str, _typed: &T, raw: &Value) {
    let again: T =
        serde_json::from_value(raw.clone()).unwrap_or_else(|e| panic!("{what}: {e}\n{raw:#}"));
    same(what, &again, raw);
}

/// Calls a read method typed and through its `_raw` twin: both succeed, and the raw JSON read
/// as the typed result's type round-trips exactly. (Some fields, such as `lastDateUsed`, change
/// between two calls, so the two results are not compared with each other.)
macro_rules! read {
    ($what:expr, $svc:ident . $m:ident / $raw:ident ( $($arg:expr),* )) => {{
        let typed = $svc.$m($($arg),*).await.unwrap_or_else(|e| panic!("{}: {e}", $what));
        let raw = $svc.$raw($($arg),*).await.unwrap_or_else(|e| panic!("{} (raw): {e}", $what));
        reread($what, &typed, &raw);
        typed
    }};
}

fn task_definition(task_group_id: &str, dependencies: &[&str]) -> s::CreateTaskRequest {
    payload(
        "a task definition",
        json!({
            "taskQueueId": "proj/worker",
            "taskGroupId": task_group_id,
            "dependencies": dependencies,
            "created": taskcluster_wasm::from_now_json("0 seconds").unwrap(),
            "deadline": taskcluster_wasm::from_now_json("1 hour").unwrap(),
            "payload": {},
            "tags": {"kind": "schemas"},
            "metadata": {"name": "n", "description": "d", "owner": "o@example.com", "source": "https://example.com"},
        }),
    )
}

#[tokio::test]
async fn typed_methods_take_and_return_the_generated_types_of_every_response() {
    let server = DevServer::start(Config::default())
        .await
        .expect("devserver starts");
    let client = Client::builder(server.root_url())
        .credentials(Credentials::new(server.client_id(), server.access_token()))
        .build()
        .unwrap();

    // Auth.
    let auth = Auth::new(client.clone());
    let scopes = read!("currentScopes", auth.current_scopes / current_scopes_raw());
    assert!(!scopes.scopes.is_empty());
    read!("client", auth.client / client_raw(server.client_id()));
    let created = auth
        .create_client(
            "project/schemas/c",
            &payload(
                "createClient payload",
                json!({"description": "typed", "expires": taskcluster_wasm::from_now_json("1 day").unwrap(), "scopes": ["secrets:get:project/schemas/*"]}),
            ),
        )
        .await
        .unwrap();
    assert_eq!(created.client_id, "project/schemas/c");
    assert!(!created.access_token.is_empty());
    let got = read!(
        "client (created)",
        auth.client / client_raw("project/schemas/c")
    );
    assert_eq!(got.scopes, ["secrets:get:project/schemas/*"]);
    read!(
        "listClients",
        auth.list_clients / list_clients_raw(&Default::default())
    );
    let role = auth
        .create_role(
            "project:schemas",
            &payload(
                "createRole payload",
                json!({"description": "r", "scopes": ["queue:get-task:*"]}),
            ),
        )
        .await
        .unwrap();
    assert_eq!(role.role_id, "project:schemas");
    read!("role", auth.role / role_raw("project:schemas"));
    read!("listRoles", auth.list_roles / list_roles_raw());
    read!(
        "listRoleIds",
        auth.list_role_ids / list_role_ids_raw(&Default::default())
    );
    let expanded = auth
        .expand_scopes(&s::Scopeset {
            scopes: vec!["assume:project:schemas".into()],
        })
        .await
        .unwrap();
    assert!(expanded.scopes.contains(&"queue:get-task:*".to_string()));

    // Secrets.
    let secrets = Secrets::new(client.clone());
    let secret = s::Secret {
        secret: serde_json::from_value(json!({"a": 1})).unwrap(),
        expires: taskcluster_wasm::from_now_json("1 hour").unwrap(),
    };
    secrets.set("project/schemas/s", &secret).await.unwrap();
    let got = read!("secrets.get", secrets.get / get_raw("project/schemas/s"));
    assert_eq!(got.secret, secret.secret);
    let list = read!("secrets.list", secrets.list / list_raw(&Default::default()));
    assert!(list.secrets.contains(&"project/schemas/s".to_string()));

    // Queue: a task group of two tasks, one depending on the other; a run, an artifact.
    let queue = Queue::new(client.clone());
    let group = taskcluster_wasm::util::slugid::nice();
    let first = group.clone();
    let second = taskcluster_wasm::util::slugid::nice();
    let status = queue
        .create_task(&first, &task_definition(&group, &[]))
        .await
        .unwrap();
    assert_eq!(status.status.task_id, first);
    let dependent = queue
        .create_task(&second, &task_definition(&group, &[&first]))
        .await
        .unwrap();
    assert_eq!(dependent.status.task_id, second);
    let task = read!("task", queue.task / task_raw(&first));
    assert_eq!(task.task_group_id, group);
    read!("status", queue.status / status_raw(&first));
    let group_typed = read!(
        "getTaskGroup",
        queue.get_task_group / get_task_group_raw(&group)
    );
    assert_eq!(group_typed.task_group_id, group);
    let deps = read!(
        "listDependentTasks",
        queue.list_dependent_tasks / list_dependent_tasks_raw(&first, &Default::default())
    );
    assert_eq!(deps.tasks.len(), 1);
    #[allow(deprecated)]
    let _ = read!(
        "pendingTasks",
        queue.pending_tasks / pending_tasks_raw("proj/worker")
    );
    let counts = read!(
        "taskQueueCounts",
        queue.task_queue_counts / task_queue_counts_raw("proj/worker")
    );
    assert_eq!((counts.pending_tasks, counts.claimed_tasks), (1, 0));

    let claimed = queue
        .claim_work(
            "proj/worker",
            &s::ClaimWorkRequest {
                tasks: 1,
                worker_group: "wg".into(),
                worker_id: "wi".into(),
            },
        )
        .await
        .unwrap();
    assert_eq!(claimed.tasks.len(), 1);
    assert_eq!(claimed.tasks[0].status.task_id, first);
    // A worker's credentials, from the claim, create an artifact.
    let creds = &claimed.tasks[0].credentials;
    let mut worker_creds = Credentials::new(&creds.client_id, &creds.access_token);
    if !creds.certificate.is_empty() {
        worker_creds = worker_creds.with_certificate(&creds.certificate).unwrap();
    }
    let worker = Queue::new(
        client
            .to_builder()
            .credentials(worker_creds)
            .build()
            .unwrap(),
    );
    let expires = taskcluster_wasm::from_now_json("1 day").unwrap();
    let created = worker
        .create_artifact(
            &first,
            "0",
            "public/link.txt",
            &payload(
                "createArtifact (reference)",
                json!({"storageType": "reference", "expires": expires, "contentType": "text/plain", "url": "https://example.com/x"}),
            ),
        )
        .await
        .unwrap();
    assert!(matches!(
        serde_json::to_value(&created).unwrap()["storageType"].as_str(),
        Some("reference")
    ));
    let error_artifact = worker
        .create_artifact(
            &first,
            "0",
            "public/error.txt",
            &payload(
                "createArtifact (error)",
                json!({"storageType": "error", "expires": expires, "reason": "file-missing-on-worker", "message": "gone"}),
            ),
        )
        .await
        .unwrap();
    let _ = error_artifact;
    read!(
        "artifact",
        queue.artifact / artifact_raw(&first, "0", "public/link.txt")
    );
    read!(
        "latestArtifact",
        queue.latest_artifact / latest_artifact_raw(&first, "public/link.txt")
    );
    read!(
        "artifactInfo",
        queue.artifact_info / artifact_info_raw(&first, "0", "public/link.txt")
    );
    read!(
        "latestArtifactInfo",
        queue.latest_artifact_info / latest_artifact_info_raw(&first, "public/error.txt")
    );
    let artifacts = read!(
        "listArtifacts",
        queue.list_artifacts / list_artifacts_raw(&first, "0", &Default::default())
    );
    assert_eq!(artifacts.artifacts.len(), 2);
    read!(
        "listLatestArtifacts",
        queue.list_latest_artifacts / list_latest_artifacts_raw(&first, &Default::default())
    );
    let done = worker.report_completed(&first, "0").await.unwrap();
    assert_eq!(
        serde_json::to_value(done.status.state).unwrap(),
        "completed"
    );
    read!("status (completed)", queue.status / status_raw(&first));
    let listed = read!(
        "listTaskGroup",
        queue.list_task_group / list_task_group_raw(&group, &Default::default())
    );
    assert_eq!(listed.tasks.len(), 2);

    // Object: an upload and a download, negotiated with typed requests and responses.
    let object = Object::new(client.clone());
    let name = format!("schemas/{}", taskcluster_wasm::util::slugid::nice());
    let upload_id = taskcluster_wasm::util::slugid::nice();
    let data = b"typed bytes";
    let upload = object
        .create_upload(
            &name,
            &payload(
                "createUpload payload",
                json!({"projectId": "proj", "uploadId": upload_id, "expires": expires,
                    "proposedUploadMethods": {"dataInline": {"contentType": "text/plain", "objectData": "dHlwZWQgYnl0ZXM="}}}),
            ),
        )
        .await
        .unwrap();
    assert!(upload.upload_method.data_inline.is_some());
    object
        .finish_upload(
            &name,
            &payload(
                "finishUpload payload",
                json!({"projectId": "proj", "uploadId": upload_id}),
            ),
        )
        .await
        .unwrap();
    let request: s::DownloadObjectRequest = payload(
        "startDownload payload",
        json!({"acceptDownloadMethods": {"getUrl": true, "simple": true}}),
    );
    let typed = object.start_download(&name, &request).await.unwrap();
    let raw = object.start_download_raw(&name, &request).await.unwrap();
    assert_eq!(raw["method"], "getUrl", "{raw}");
    match &typed {
        s::DownloadObjectResponse::Geturl(r) => {
            // (Each startDownload signs a fresh URL: the two URLs differ.)
            assert!(r.url.contains("/__storage/"), "{}", r.url);
            assert_eq!(r.hashes.sha256.as_deref(), raw["hashes"]["sha256"].as_str());
            reread("startDownload", &typed, &raw);
        }
        other => panic!("a getUrl response read as {other:?}"),
    }
    let fetched = reqwest::get(raw["url"].as_str().unwrap()).await.unwrap();
    assert_eq!(&fetched.bytes().await.unwrap()[..], data);

    // Index.
    let index = Index::new(client.clone());
    let insert = s::InsertTaskRequest {
        task_id: first.clone(),
        rank: 0.0,
        data: serde_json::from_value(json!({"k": "v"})).unwrap(),
        expires: taskcluster_wasm::from_now_json("1 day").unwrap(),
    };
    let inserted = index
        .insert_task("project.schemas.t", &insert)
        .await
        .unwrap();
    assert_eq!(inserted.task_id, first);
    let found = read!(
        "findTask",
        index.find_task / find_task_raw("project.schemas.t")
    );
    assert_eq!(found.task_id, first);
    assert_eq!(found.data, insert.data);
    let namespaces = read!(
        "listNamespaces",
        index.list_namespaces / list_namespaces_raw("project", &Default::default())
    );
    assert!(namespaces.namespaces.iter().any(|n| n.name == "schemas"));
    let tasks = read!(
        "listTasks",
        index.list_tasks / list_tasks_raw("project.schemas", &Default::default())
    );
    assert_eq!(tasks.tasks.len(), 1);
}

#[tokio::test]
async fn typed_pages_read_every_page_and_raw_pages_keep_the_json() {
    use futures_util::StreamExt;
    let server = DevServer::start(Config::default())
        .await
        .expect("devserver starts");
    let client = Client::builder(server.root_url())
        .credentials(Credentials::new(server.client_id(), server.access_token()))
        .build()
        .unwrap();
    let secrets = Secrets::new(client);
    let expires = taskcluster_wasm::from_now_json("1 hour").unwrap();
    for i in 0..5 {
        let secret: s::Secret = payload("secret", json!({"secret": {"i": i}, "expires": expires}));
        secrets
            .set(&format!("project/typed-pages/{i}"), &secret)
            .await
            .unwrap();
    }
    let query = taskcluster_wasm::secrets::ListQuery::default().limit(2u32);
    let typed: Vec<s::SecretList> = secrets
        .list_pages(&query)
        .map(|p| p.unwrap())
        .collect()
        .await;
    let raw: Vec<Value> = secrets
        .list_pages_raw(&query)
        .map(|p| p.unwrap())
        .collect()
        .await;
    assert!(typed.len() >= 3, "{} pages", typed.len());
    assert_eq!(typed.len(), raw.len());
    for (t, r) in typed.iter().zip(&raw) {
        same("a page of secrets.list", t, r);
    }
    let names: Vec<&String> = typed
        .iter()
        .flat_map(|p| &p.secrets)
        .filter(|n| n.starts_with("project/typed-pages/"))
        .collect();
    assert_eq!(names.len(), 5);
}
