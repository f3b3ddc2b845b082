//! Index service: insert/find, ranks, namespace and task listings, artifact redirects.

mod common;
use common::*;
use serde_json::{json, Value};

const I: &str = "/api/index/v1";

async fn insert(root: &str, rc: &Value, path: &str, task_id: &str, rank: f64) -> (u16, Value) {
    call_as(
        root,
        rc,
        "PUT",
        &format!("{I}/task/{path}"),
        Some(
            &json!({"taskId": task_id, "rank": rank, "data": {"k": path}, "expires": iso_in(3600)}),
        ),
    )
    .await
}

#[tokio::test]
async fn insert_find_and_list() {
    let s = start().await;
    let root = s.root_url();
    let rc = root_creds(&s);
    let (t1, t2) = (slugid(), slugid());
    let r = insert(&root, &rc, "proj.app.v1", &t1, 5.0).await;
    assert_eq!(r.0, 200, "{:?}", r.1);
    assert_eq!(r.1["namespace"], "proj.app.v1");
    assert_eq!(r.1["taskId"], json!(t1));
    // a lower rank does not replace; an equal or higher one does
    let r = insert(&root, &rc, "proj.app.v1", &t2, 1.0).await;
    assert_eq!(r.1["taskId"], json!(t1));
    let (_, f) = call_as(&root, &rc, "GET", &format!("{I}/task/proj.app.v1"), None).await;
    assert_eq!(f["taskId"], json!(t1));
    assert_eq!(f["data"], json!({"k": "proj.app.v1"}));
    insert(&root, &rc, "proj.app.v1", &t2, 5.0).await;
    let (_, f) = call_as(&root, &rc, "GET", &format!("{I}/task/proj.app.v1"), None).await;
    assert_eq!(f["taskId"], json!(t2));
    let r = call_as(&root, &rc, "GET", &format!("{I}/task/proj.nope"), None).await;
    assert_eq!(
        (r.0, r.1["code"].as_str().unwrap()),
        (404, "ResourceNotFound")
    );

    for p in ["proj.app.v2", "proj.app.v3", "proj.lib.v1", "other.x"] {
        insert(&root, &rc, p, &t1, 0.0).await;
    }
    // the root, with and without the slash (v106: `/namespaces{/:namespace}`)
    for path in ["/namespaces/", "/namespaces"] {
        let (status, ns) = call_as(&root, &rc, "GET", &format!("{I}{path}"), None).await;
        assert_eq!(status, 200, "{path}: {ns}");
        assert_eq!(
            field_of_each(&ns, "namespaces", "namespace"),
            ["other", "proj"],
            "{path}"
        );
    }
    let (_, ns) = call_as(
        &root,
        &rc,
        "GET",
        &format!("{I}/namespaces/proj?limit=1"),
        None,
    )
    .await;
    assert_eq!(
        ns["namespaces"][0],
        json!({"namespace": "proj.app", "name": "app", "expires": ns["namespaces"][0]["expires"]})
    );
    let tok = ns["continuationToken"].as_str().unwrap();
    let (_, ns) = call_as(
        &root,
        &rc,
        "GET",
        &format!("{I}/namespaces/proj?limit=1&continuationToken={tok}"),
        None,
    )
    .await;
    assert_eq!(ns["namespaces"][0]["namespace"], "proj.lib");
    assert!(ns.get("continuationToken").is_none());

    let (_, ts) = call_as(
        &root,
        &rc,
        "GET",
        &format!("{I}/tasks/proj.app?limit=2"),
        None,
    )
    .await;
    assert_eq!(
        field_of_each(&ts, "tasks", "namespace"),
        ["proj.app.v1", "proj.app.v2"]
    );
    let tok = ts["continuationToken"].as_str().unwrap();
    let (_, ts) = call_as(
        &root,
        &rc,
        "GET",
        &format!("{I}/tasks/proj.app?continuationToken={tok}"),
        None,
    )
    .await;
    assert_eq!(ts["tasks"][0]["namespace"], "proj.app.v3");

    let (_, many) = call_as(
        &root,
        &rc,
        "POST",
        &format!("{I}/tasks/indexes"),
        Some(&json!({"indexes": ["proj.app.v1", "proj.none", "other.x"]})),
    )
    .await;
    assert_eq!(many["tasks"].as_array().map(Vec::len), Some(2), "{many}");

    let r = call_as(&root, &rc, "DELETE", &format!("{I}/task/other.x"), None).await;
    assert_eq!(r.0, 200);
    assert_eq!(
        call_as(&root, &rc, "GET", &format!("{I}/task/other.x"), None)
            .await
            .0,
        404
    );

    // scopes
    let (cert, token) = certificate(
        s.client_id(),
        s.access_token(),
        None,
        &["index:find-task:proj.app.*"],
        now_ms() - 1000,
        now_ms() + 3_600_000,
    );
    let limited =
        json!({"clientId": s.client_id(), "accessToken": token, "certificate": cert.to_string()});
    assert_eq!(
        call_as(
            &root,
            &limited,
            "GET",
            &format!("{I}/task/proj.app.v1"),
            None
        )
        .await
        .0,
        200
    );
    assert_eq!(
        call_as(
            &root,
            &limited,
            "GET",
            &format!("{I}/task/proj.lib.v1"),
            None
        )
        .await
        .0,
        403
    );
    assert_eq!(
        insert(&root, &limited, "proj.app.v9", &t1, 0.0).await.0,
        403
    );
}

#[tokio::test]
async fn find_artifact_from_task_redirects() {
    let s = tc_devserver::DevServer::start(tc_devserver::Config {
        seed_demo_data: true,
        ..Default::default()
    })
    .await
    .unwrap();
    let root = s.root_url();
    let rc = root_creds(&s);
    let path = tc_devserver::DEMO_INDEX_PATH;
    // public: an unsigned queue URL
    let (st, h, _) = raw_call(
        &root,
        Some(&rc),
        "GET",
        &format!("{I}/task/{path}/artifacts/public%2Fhello.txt"),
        None,
    )
    .await;
    assert_eq!(st, 303);
    let loc = h["location"].to_str().unwrap().to_string();
    assert_eq!(
        loc,
        format!(
            "{root}/api/queue/v1/task/{}/artifacts/public%2Fhello.txt",
            tc_devserver::DEMO_COMPLETED_TASK_ID
        )
    );
    let (st, h, _) = get_url(&loc, &[]).await;
    assert_eq!(st, 303);
    let (st, _, bytes) = get_url(h["location"].to_str().unwrap(), &[]).await;
    assert_eq!(st, 200);
    assert!(String::from_utf8_lossy(&bytes).starts_with("hello, world"));
    // private: signed with a bewit that the queue accepts
    let (st, h, _) = raw_call(
        &root,
        Some(&rc),
        "GET",
        &format!("{I}/task/{path}/artifacts/private%2Fsecret.txt"),
        None,
    )
    .await;
    assert_eq!(st, 303);
    let loc = h["location"].to_str().unwrap().to_string();
    assert!(loc.contains("?bewit="));
    let (st, _, _) = get_url(&loc, &[]).await;
    assert_eq!(st, 303);
    // anonymous, without the bewit: 403
    let unsigned = loc.split('?').next().unwrap();
    assert_eq!(get_url(unsigned, &[]).await.0, 403);
    // missing index path
    let (st, _, _) = raw_call(
        &root,
        Some(&rc),
        "GET",
        &format!("{I}/task/nope.nope/artifacts/public%2Fx"),
        None,
    )
    .await;
    assert_eq!(st, 404);
}
