//! Queue service: task lifecycle, claims with temporary credentials, artifacts.

mod common;
use base64::Engine;
use common::*;
use serde_json::{json, Value};

const Q: &str = "/api/queue/v1";

/// Create a task and claim it; returns (taskId, claim).
async fn running_task(root: &str, rc: &Value, tq: &str) -> (String, Value) {
    let task_id = slugid();
    let r = call_as(
        root,
        rc,
        "PUT",
        &format!("{Q}/task/{task_id}"),
        Some(&task_def(tq, json!({"scopes": ["secrets:get:x"]}))),
    )
    .await;
    assert_eq!(r.0, 200, "{:?}", r.1);
    let r = call_as(
        root,
        rc,
        "POST",
        &format!("{Q}/claim-work/{}", tq.replace('/', "%2F")),
        Some(&json!({"workerGroup": "wg", "workerId": "wid", "tasks": 1})),
    )
    .await;
    assert_eq!(r.0, 200, "{:?}", r.1);
    let claim = r.1["tasks"][0].clone();
    assert_eq!(claim["status"]["taskId"], json!(task_id));
    (task_id, claim)
}

#[tokio::test]
async fn task_lifecycle_with_task_credentials() {
    let s = start().await;
    let root = s.root_url();
    let rc = root_creds(&s);
    let task_id = slugid();
    let def = task_def("prov/wt", json!({}));
    let r = call_as(
        &root,
        &rc,
        "PUT",
        &format!("{Q}/task/{task_id}"),
        Some(&def),
    )
    .await;
    assert_eq!(r.0, 200, "{:?}", r.1);
    let st = &r.1["status"];
    assert_eq!(st["state"], "pending");
    assert_eq!(st["taskGroupId"], json!(task_id));
    assert_eq!(st["schedulerId"], "-");
    assert_eq!(st["projectId"], "none");
    assert_eq!(st["provisionerId"], "prov");
    assert_eq!(st["workerType"], "wt");
    assert_eq!(st["retriesLeft"], 5);
    assert_eq!(st["runs"][0]["reasonCreated"], "scheduled");

    // idempotent with the same definition, conflict otherwise
    let r = call_as(
        &root,
        &rc,
        "PUT",
        &format!("{Q}/task/{task_id}"),
        Some(&def),
    )
    .await;
    assert_eq!(r.0, 200);
    let mut other = def.clone();
    other["payload"] = json!({"x": 1});
    let r = call_as(
        &root,
        &rc,
        "PUT",
        &format!("{Q}/task/{task_id}"),
        Some(&other),
    )
    .await;
    assert_eq!(r.0, 409);
    assert_eq!(r.1["code"], "RequestConflict");

    // task() has the defaults filled in
    let (_, t) = call_as(&root, &rc, "GET", &format!("{Q}/task/{task_id}"), None).await;
    assert_eq!(t["priority"], "lowest");
    assert_eq!(t["retries"], 5);
    assert_eq!(t["requires"], "all-completed");
    assert_eq!(t["taskQueueId"], "prov/wt");
    assert_eq!(t["dependencies"], json!([]));
    assert!(t["expires"].as_str().unwrap() > t["deadline"].as_str().unwrap());

    // claimWork: no work on another queue (returns after the short long-poll)
    let r = call_as(
        &root,
        &rc,
        "POST",
        &format!("{Q}/claim-work/prov%2Fother"),
        Some(&json!({"workerGroup": "wg", "workerId": "wid", "tasks": 1})),
    )
    .await;
    assert_eq!(r.1, json!({"tasks": []}));
    let r = call_as(
        &root,
        &rc,
        "POST",
        &format!("{Q}/claim-work/prov%2Fwt"),
        Some(&json!({"workerGroup": "wg", "workerId": "wid", "tasks": 4})),
    )
    .await;
    assert_eq!(r.0, 200, "{:?}", r.1);
    let claim = &r.1["tasks"][0];
    assert_eq!(claim["runId"], 0);
    assert_eq!(claim["status"]["state"], "running");
    assert_eq!(claim["task"], t);
    let creds = claim["credentials"].clone();
    assert!(creds["clientId"]
        .as_str()
        .unwrap()
        .starts_with(&format!("task-client/{task_id}/0/on/wg/wid/until/")));
    let cert: Value = serde_json::from_str(creds["certificate"].as_str().unwrap()).unwrap();
    assert_eq!(
        cert["scopes"],
        json!([
            format!("queue:reclaim-task:{task_id}/0"),
            format!("queue:resolve-task:{task_id}/0"),
            format!("queue:create-artifact:{task_id}/0"),
        ])
    );
    assert_eq!(cert["issuer"], "static/taskcluster/queue");

    // the task credentials work for this run only
    let r = call_as(
        &root,
        &creds,
        "POST",
        &format!("{Q}/task/{task_id}/runs/0/reclaim"),
        None,
    )
    .await;
    assert_eq!(r.0, 200, "{:?}", r.1);
    assert!(r.1["credentials"]["certificate"].is_string());
    let r = call_as(&root, &creds, "GET", &format!("{Q}/task/{task_id}"), None).await;
    assert_eq!(r.0, 403);
    let r = call_as(
        &root,
        &creds,
        "POST",
        &format!("{Q}/task/{task_id}/runs/0/completed"),
        None,
    )
    .await;
    assert_eq!(r.0, 200, "{:?}", r.1);
    assert_eq!(r.1["status"]["state"], "completed");
    assert_eq!(r.1["status"]["runs"][0]["reasonResolved"], "completed");
    // repeating is fine, a different resolution conflicts
    let path = format!("{Q}/task/{task_id}/runs/0/completed");
    assert_eq!(call_as(&root, &creds, "POST", &path, None).await.0, 200);
    let path = format!("{Q}/task/{task_id}/runs/0/failed");
    assert_eq!(call_as(&root, &creds, "POST", &path, None).await.0, 409);
    let path = format!("{Q}/task/{task_id}/runs/0/reclaim");
    assert_eq!(call_as(&root, &creds, "POST", &path, None).await.0, 409);

    // errors
    let r = call_as(&root, &rc, "GET", &format!("{Q}/task/{}", slugid()), None).await;
    assert_eq!(r.0, 404);
    assert_eq!(r.1["code"], "ResourceNotFound");
    let r = call_as(&root, &rc, "GET", &format!("{Q}/task/not-a-slug"), None).await;
    assert_eq!(r.0, 400);
    let mut bad = def.clone();
    bad["bogus"] = json!(1);
    let r = call_as(
        &root,
        &rc,
        "PUT",
        &format!("{Q}/task/{}", slugid()),
        Some(&bad),
    )
    .await;
    assert_eq!(r.0, 400);
    assert_eq!(r.1["code"], "InputValidationError");
}

#[tokio::test]
async fn create_task_scopes() {
    let s = start().await;
    let root = s.root_url();
    let rc = root_creds(&s);
    let (cert, token) = certificate(
        s.client_id(),
        s.access_token(),
        None,
        &[
            "queue:create-task:project:none",
            "queue:scheduler-id:-",
            "queue:create-task:highest:prov/wt",
        ],
        now_ms() - 1000,
        now_ms() + 3_600_000,
    );
    let tmp =
        json!({"clientId": s.client_id(), "accessToken": token, "certificate": cert.to_string()});
    let path = format!("{Q}/task/{}", slugid());
    let r = call_as(
        &root,
        &tmp,
        "PUT",
        &path,
        Some(&task_def("prov/wt", json!({}))),
    )
    .await;
    assert_eq!(r.0, 200, "{:?}", r.1);
    let r = call_as(
        &root,
        &tmp,
        "PUT",
        &format!("{Q}/task/{}", slugid()),
        Some(&task_def("prov/wt", json!({"scopes": ["a:b"]}))),
    )
    .await;
    assert_eq!(r.0, 403);
    assert!(message(&r.1).contains("a:b"));
    let r = call_as(
        &root,
        &tmp,
        "PUT",
        &format!("{Q}/task/{}", slugid()),
        Some(&task_def("prov/other", json!({}))),
    )
    .await;
    assert_eq!(r.0, 403);
    let _ = rc;
}

#[tokio::test]
async fn cancel_rerun_retry_and_dependencies() {
    let s = start().await;
    let root = s.root_url();
    let rc = root_creds(&s);
    // cancel an unscheduled (dependent) task, then rerun it
    let (dep, claim) = running_task(&root, &rc, "p/deps").await;
    let group = claim["status"]["taskGroupId"].as_str().unwrap().to_string();
    let child = slugid();
    let r = call_as(
        &root,
        &rc,
        "PUT",
        &format!("{Q}/task/{child}"),
        Some(&task_def(
            "p/deps",
            json!({"dependencies": [dep], "taskGroupId": group}),
        )),
    )
    .await;
    assert_eq!(r.0, 200, "{:?}", r.1);
    assert_eq!(r.1["status"]["state"], "unscheduled");
    let (_, deps) = call_as(
        &root,
        &rc,
        "GET",
        &format!("{Q}/task/{dep}/dependents"),
        None,
    )
    .await;
    assert_eq!(deps["tasks"][0]["status"]["taskId"], json!(child));
    // dependency completes → child is scheduled
    let creds = &claim["credentials"];
    let r = call_as(
        &root,
        creds,
        "POST",
        &format!("{Q}/task/{dep}/runs/0/completed"),
        None,
    )
    .await;
    assert_eq!(r.0, 200);
    let (_, st) = call_as(&root, &rc, "GET", &format!("{Q}/task/{child}/status"), None).await;
    assert_eq!(st["status"]["state"], "pending");

    // cancel → exception/canceled; rerun → new pending run
    let r = call_as(
        &root,
        &rc,
        "POST",
        &format!("{Q}/task/{child}/cancel"),
        None,
    )
    .await;
    assert_eq!(r.0, 200, "{:?}", r.1);
    assert_eq!(r.1["status"]["state"], "exception");
    assert_eq!(r.1["status"]["runs"][0]["reasonResolved"], "canceled");
    let r = call_as(&root, &rc, "POST", &format!("{Q}/task/{child}/rerun"), None).await;
    assert_eq!(r.0, 200, "{:?}", r.1);
    assert_eq!(r.1["status"]["state"], "pending");
    assert_eq!(r.1["status"]["runs"][1]["reasonCreated"], "rerun");

    // worker-shutdown retries automatically
    let r = call_as(
        &root,
        &rc,
        "POST",
        "/api/queue/v1/claim-work/p%2Fdeps",
        Some(&json!({"workerGroup": "wg", "workerId": "w2", "tasks": 1})),
    )
    .await;
    assert_eq!(r.1["tasks"][0]["runId"], 1);
    let creds = r.1["tasks"][0]["credentials"].clone();
    let r = call_as(
        &root,
        &creds,
        "POST",
        &format!("{Q}/task/{child}/runs/1/exception"),
        Some(&json!({"reason": "worker-shutdown"})),
    )
    .await;
    assert_eq!(r.0, 200, "{:?}", r.1);
    assert_eq!(r.1["status"]["state"], "pending");
    assert_eq!(r.1["status"]["runs"][2]["reasonCreated"], "retry");
    assert_eq!(r.1["status"]["retriesLeft"], 4);
    let r = call_as(
        &root,
        &creds,
        "POST",
        &format!("{Q}/task/{child}/runs/1/exception"),
        Some(&json!({"reason": "nope"})),
    )
    .await;
    assert_eq!(r.0, 400);

    // listTaskGroup with pagination
    let (_, p1) = call_as(
        &root,
        &rc,
        "GET",
        &format!("{Q}/task-group/{group}/list?limit=1"),
        None,
    )
    .await;
    assert_eq!(p1["tasks"].as_array().unwrap().len(), 1);
    let tok = p1["continuationToken"].as_str().unwrap();
    let (_, p2) = call_as(
        &root,
        &rc,
        "GET",
        &format!("{Q}/task-group/{group}/list?limit=1&continuationToken={tok}"),
        None,
    )
    .await;
    assert_eq!(p2["tasks"].as_array().unwrap().len(), 1);
    assert!(p2.get("continuationToken").is_none());
    assert_ne!(
        p1["tasks"][0]["status"]["taskId"],
        p2["tasks"][0]["status"]["taskId"]
    );
    let r = call_as(
        &root,
        &rc,
        "GET",
        &format!("{Q}/task-group/{}/list", slugid()),
        None,
    )
    .await;
    assert_eq!(r.0, 404);
}

#[tokio::test]
async fn artifacts_of_every_storage_type() {
    let s = start().await;
    let root = s.root_url();
    let rc = root_creds(&s);
    let (task_id, claim) = running_task(&root, &rc, "p/art").await;
    let creds = claim["credentials"].clone();
    let exp = iso_in(3600);
    let art = |name: &str| {
        format!(
            "{Q}/task/{task_id}/runs/0/artifacts/{}",
            name.replace('/', "%2F")
        )
    };

    // s3: presigned PUT bound to the content type
    let r = call_as(
        &root,
        &creds,
        "POST",
        &art("public/log.txt"),
        Some(&json!({"storageType": "s3", "expires": exp, "contentType": "text/plain"})),
    )
    .await;
    assert_eq!(r.0, 200, "{:?}", r.1);
    assert_eq!(r.1["storageType"], "s3");
    assert_eq!(r.1["contentType"], "text/plain");
    let put = r.1["putUrl"].as_str().unwrap().to_string();
    assert!(put.starts_with(&format!("{root}/__storage/")));
    let r = put_url(&put, &[("content-type", "text/html")], b"x".to_vec()).await;
    assert_eq!(r.0, 403);
    let r = put_url(
        &put,
        &[("content-type", "text/plain")],
        b"hello, world".to_vec(),
    )
    .await;
    assert_eq!(r.0, 200, "{}", r.1);

    // object: credentials for the object service, finishArtifact
    let r = call_as(
        &root,
        &creds,
        "POST",
        &art("public/obj.bin"),
        Some(&json!({"storageType": "object", "expires": exp, "contentType": "application/octet-stream"})),
    )
    .await;
    assert_eq!(r.0, 200, "{:?}", r.1);
    let oname = format!("t/{task_id}/0/public/obj.bin");
    assert_eq!(r.1["name"], json!(oname));
    assert_eq!(r.1["projectId"], "none");
    let upload_id = r.1["uploadId"].as_str().unwrap().to_string();
    let oexpires = r.1["expires"].clone();
    let ocreds = r.1["credentials"].clone();
    let ocert: Value = serde_json::from_str(ocreds["certificate"].as_str().unwrap()).unwrap();
    assert_eq!(
        ocert["scopes"],
        json!([format!("object:upload:none:{oname}")])
    );
    // not visible before finishArtifact
    let info = format!("{Q}/task/{task_id}/runs/0/artifact-info/public%2Fobj.bin");
    assert_eq!(call_as(&root, &rc, "GET", &info, None).await.0, 404);
    let r = call_as(
        &root,
        &creds,
        "PUT",
        &art("public/obj.bin"),
        Some(&json!({"uploadId": upload_id})),
    )
    .await;
    assert_eq!(r.0, 400, "finish before upload: {:?}", r.1);
    let data = b"object artifact bytes".to_vec();
    let enc = oname.replace('/', "%2F");
    let r = call_as(
        &root,
        &ocreds,
        "PUT",
        &format!("/api/object/v1/upload/{enc}"),
        Some(&json!({
            "projectId": "none", "uploadId": upload_id, "expires": oexpires,
            "proposedUploadMethods": {"dataInline": {"contentType": "application/octet-stream", "objectData": B64.encode(&data)}},
        })),
    )
    .await;
    assert_eq!(r.0, 200, "{:?}", r.1);
    let r = call_as(
        &root,
        &ocreds,
        "POST",
        &format!("/api/object/v1/finish-upload/{enc}"),
        Some(&json!({"projectId": "none", "uploadId": upload_id, "hashes": {"sha256": sha256_hex(&data), "sha512": sha512_hex(&data)}})),
    )
    .await;
    assert_eq!(r.0, 200, "{:?}", r.1);
    let r = call_as(
        &root,
        &creds,
        "PUT",
        &art("public/obj.bin"),
        Some(&json!({"uploadId": slugid()})),
    )
    .await;
    assert_eq!(r.0, 400);
    let (st, _, body) = raw_call(
        &root,
        Some(&creds),
        "PUT",
        &art("public/obj.bin"),
        Some(&json!({"uploadId": upload_id})),
    )
    .await;
    assert_eq!(st, 204);
    assert!(body.is_empty());
    assert_eq!(call_as(&root, &rc, "GET", &info, None).await.0, 200);
    let r = call_as(
        &root,
        &creds,
        "PUT",
        &art("public/log.txt"),
        Some(&json!({"uploadId": upload_id})),
    )
    .await;
    assert_eq!(r.0, 400);
    assert!(message(&r.1).contains("Only object artifacts can be finished"));

    // reference, link, error
    for (name, body) in [
        (
            "public/ref",
            json!({"storageType": "reference", "expires": exp, "url": "https://example.com/x", "contentType": "text/plain"}),
        ),
        (
            "public/link",
            json!({"storageType": "link", "expires": exp, "artifact": "public/log.txt"}),
        ),
        (
            "public/err",
            json!({"storageType": "error", "expires": exp, "reason": "file-missing-on-worker", "message": "oh noes"}),
        ),
        (
            "public/c1",
            json!({"storageType": "link", "expires": exp, "artifact": "public/c2"}),
        ),
        (
            "public/c2",
            json!({"storageType": "link", "expires": exp, "artifact": "public/c1"}),
        ),
    ] {
        let r = call_as(&root, &creds, "POST", &art(name), Some(&body)).await;
        assert_eq!(r.0, 200, "{name}: {:?}", r.1);
        assert_eq!(r.1, json!({"storageType": body["storageType"]}));
    }
    // same call again is idempotent; a different type conflicts
    let r = call_as(&root, &creds, "POST", &art("public/err"), Some(&json!({"storageType": "error", "expires": exp, "reason": "file-missing-on-worker", "message": "oh noes"}))).await;
    assert_eq!(r.0, 200);
    let r = call_as(
        &root,
        &creds,
        "POST",
        &art("public/err"),
        Some(&json!({"storageType": "s3", "expires": exp, "contentType": "text/plain"})),
    )
    .await;
    assert_eq!(r.0, 409);

    // getArtifact: 303 + JSON + Location
    let get = |n: &str| {
        format!(
            "{Q}/task/{task_id}/runs/0/artifacts/{}",
            n.replace('/', "%2F")
        )
    };
    let (st, h, body) = raw_call(&root, Some(&rc), "GET", &get("public/log.txt"), None).await;
    assert_eq!(st, 303);
    let body: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(body["storageType"], "s3");
    assert_eq!(
        h["location"].to_str().unwrap(),
        body["url"].as_str().unwrap()
    );
    assert_eq!(h["x-taskcluster-artifact-storage-type"], "s3");
    let (st, h, bytes) = get_url(body["url"].as_str().unwrap(), &[]).await;
    assert_eq!(st, 200);
    assert_eq!(&bytes[..], b"hello, world");
    assert_eq!(h["content-type"], "text/plain");
    // link → target
    let (st, _, body) = raw_call(&root, Some(&rc), "GET", &get("public/link"), None).await;
    assert_eq!(st, 303);
    assert_eq!(
        serde_json::from_slice::<Value>(&body).unwrap()["storageType"],
        "s3"
    );
    // reference
    let (st, h, _) = raw_call(&root, Some(&rc), "GET", &get("public/ref"), None).await;
    assert_eq!(
        (st, h["location"].to_str().unwrap()),
        (303, "https://example.com/x")
    );
    // object → simple storage URL
    let (st, _, body) = raw_call(&root, Some(&rc), "GET", &get("public/obj.bin"), None).await;
    assert_eq!(st, 303);
    let url = serde_json::from_slice::<Value>(&body).unwrap()["url"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(&get_url(&url, &[]).await.2[..], &data[..]);
    // error → 424 {reason, message}
    let (st, h, body) = raw_call(&root, Some(&rc), "GET", &get("public/err"), None).await;
    assert_eq!(st, 424);
    assert_eq!(h["x-taskcluster-artifact-storage-type"], "error");
    assert_eq!(
        serde_json::from_slice::<Value>(&body).unwrap(),
        json!({"reason": "file-missing-on-worker", "message": "oh noes"})
    );
    // link cycle
    let r = call_as(&root, &rc, "GET", &get("public/c1"), None).await;
    assert_eq!(r.0, 400);
    assert!(message(&r.1).contains("link cycle"));
    // missing
    assert_eq!(
        call_as(&root, &rc, "GET", &get("public/none"), None)
            .await
            .0,
        404
    );

    // artifact-content (non-redirecting)
    let content = |n: &str| {
        format!(
            "{Q}/task/{task_id}/artifact-content/{}",
            n.replace('/', "%2F")
        )
    };
    let r = call_as(&root, &rc, "GET", &content("public/link"), None).await;
    assert_eq!(r.0, 200);
    assert_eq!(r.1["storageType"], "s3");
    let r = call_as(&root, &rc, "GET", &content("public/err"), None).await;
    assert_eq!(
        r.1,
        json!({"storageType": "error", "reason": "file-missing-on-worker", "message": "oh noes"})
    );
    let r = call_as(&root, &rc, "GET", &content("public/obj.bin"), None).await;
    assert_eq!(r.0, 200);
    assert_eq!(r.1["name"], json!(oname));
    let dl = r.1["credentials"].clone();
    assert!(dl["clientId"]
        .as_str()
        .unwrap()
        .starts_with("artifact-download/"));
    let r = call_as(
        &root,
        &dl,
        "PUT",
        &format!("/api/object/v1/start-download/{enc}"),
        Some(&json!({"acceptDownloadMethods": {"getUrl": true}})),
    )
    .await;
    assert_eq!(r.0, 200, "{:?}", r.1);
    assert_eq!(r.1["hashes"]["sha256"], json!(sha256_hex(&data)));
    assert_eq!(
        &get_url(r.1["url"].as_str().unwrap(), &[]).await.2[..],
        &data[..]
    );

    // scopes: get-artifact needs the scope for every name along the link chain
    let (cert, token) = certificate(
        s.client_id(),
        s.access_token(),
        None,
        &["queue:get-artifact:public/link"],
        now_ms() - 1000,
        now_ms() + 3_600_000,
    );
    let limited =
        json!({"clientId": s.client_id(), "accessToken": token, "certificate": cert.to_string()});
    let r = call_as(&root, &limited, "GET", &content("public/link"), None).await;
    assert_eq!(r.0, 403);
    assert!(message(&r.1).contains("queue:get-artifact:public/log.txt"));

    // listing with pagination (only present artifacts)
    let (_, l1) = call_as(
        &root,
        &rc,
        "GET",
        &format!("{Q}/task/{task_id}/runs/0/artifacts?limit=3"),
        None,
    )
    .await;
    assert_eq!(l1["artifacts"].as_array().unwrap().len(), 3);
    let tok = l1["continuationToken"].as_str().unwrap().to_string();
    let (_, l2) = call_as(
        &root,
        &rc,
        "GET",
        &format!("{Q}/task/{task_id}/artifacts?limit=10&continuationToken={tok}"),
        None,
    )
    .await;
    let mut names: Vec<String> = l1["artifacts"]
        .as_array()
        .unwrap()
        .iter()
        .chain(l2["artifacts"].as_array().unwrap())
        .map(|a| a["name"].as_str().unwrap().to_string())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "public/c1",
            "public/c2",
            "public/err",
            "public/link",
            "public/log.txt",
            "public/obj.bin",
            "public/ref"
        ]
    );
    let r = call_as(
        &root,
        &rc,
        "GET",
        &format!("{Q}/task/{task_id}/runs/5/artifacts"),
        None,
    )
    .await;
    assert_eq!(r.0, 404);

    // after resolution, no more artifacts
    let r = call_as(
        &root,
        &creds,
        "POST",
        &format!("{Q}/task/{task_id}/runs/0/completed"),
        None,
    )
    .await;
    assert_eq!(r.0, 200);
    let r = call_as(
        &root,
        &creds,
        "POST",
        &art("public/late"),
        Some(&json!({"storageType": "reference", "expires": exp, "url": "https://example.com", "contentType": "text/plain"})),
    )
    .await;
    assert_eq!(r.0, 409);
}

#[tokio::test]
async fn demo_data_is_seeded() {
    let s = tc_devserver::DevServer::start(tc_devserver::Config {
        seed_demo_data: true,
        ..Default::default()
    })
    .await
    .unwrap();
    let root = s.root_url();
    let rc = root_creds(&s);
    let (_, list) = call_as(
        &root,
        &rc,
        "GET",
        &format!("{Q}/task-group/{}/list", tc_devserver::DEMO_TASK_GROUP_ID),
        None,
    )
    .await;
    let mut states: Vec<(String, String)> = list["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["status"]["taskId"].as_str().unwrap().to_string(),
                t["status"]["state"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    states.sort();
    assert_eq!(
        states,
        vec![
            (
                tc_devserver::DEMO_COMPLETED_TASK_ID.to_string(),
                "completed".to_string()
            ),
            (
                tc_devserver::DEMO_PENDING_TASK_ID.to_string(),
                "pending".to_string()
            ),
            (
                tc_devserver::DEMO_RUNNING_TASK_ID.to_string(),
                "running".to_string()
            ),
        ]
    );
    // anonymous can read public artifacts of the completed task
    let done = tc_devserver::DEMO_COMPLETED_TASK_ID;
    let r = send(
        "GET",
        &format!("{root}{Q}/task/{done}/artifact-content/public%2Fhello.txt"),
        None,
        None,
    )
    .await;
    assert_eq!(r.0, 200, "{:?}", r.1);
    let (st, h, bytes) = get_url(r.1["url"].as_str().unwrap(), &[]).await;
    assert_eq!(st, 200);
    assert_eq!(h["content-type"], "text/plain");
    assert!(String::from_utf8_lossy(&bytes).starts_with("hello, world"));
    // a gzip-encoded s3 artifact
    let r = send(
        "GET",
        &format!("{root}{Q}/task/{done}/artifact-content/public%2Fhello-gzip.txt"),
        None,
        None,
    )
    .await;
    let (st, h, bytes) = get_url(r.1["url"].as_str().unwrap(), &[]).await;
    assert_eq!(st, 200);
    assert_eq!(h["content-encoding"], "gzip");
    assert_eq!(&bytes[..2], &[0x1f, 0x8b]);
    let (_, l) = call_as(
        &root,
        &rc,
        "GET",
        &format!("{Q}/task/{done}/artifacts"),
        None,
    )
    .await;
    let types: std::collections::BTreeSet<&str> = l["artifacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["storageType"].as_str().unwrap())
        .collect();
    assert_eq!(
        types.into_iter().collect::<Vec<_>>(),
        ["error", "link", "object", "reference", "s3"]
    );
    let r = call_as(
        &root,
        &rc,
        "GET",
        &format!("/api/index/v1/task/{}", tc_devserver::DEMO_INDEX_PATH),
        None,
    )
    .await;
    assert_eq!(r.1["taskId"], json!(done));
}
