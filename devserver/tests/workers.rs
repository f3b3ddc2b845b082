//! Queue worker metadata (task queues, worker types, provisioners, workers), the pending and
//! claimed lists, priority changes, task-group cancellation and schema defaults, as v106 has them.

mod common;
use common::*;
use serde_json::{json, Value};

const Q: &str = "/api/queue/v1";

async fn ok(root: &str, rc: &Value, method: &str, path: &str, body: Option<&Value>) -> Value {
    let r = call_as(root, rc, method, path, body).await;
    assert_eq!(r.0, 200, "{method} {path}: {:?}", r.1);
    r.1
}

#[tokio::test]
async fn claims_record_workers_and_task_queues() {
    let s = start().await;
    let root = s.root_url();
    let rc = root_creds(&s);
    // nothing is known before a worker shows up
    let r = call_as(
        &root,
        &rc,
        "GET",
        &format!("{Q}/task-queues/prov%2Fwt"),
        None,
    )
    .await;
    assert_eq!(r.0, 404);
    assert_eq!(
        first(&r.1),
        "Task queue with `prov/wt` not found. Are you sure it was created?"
    );
    let r = call_as(&root, &rc, "GET", &format!("{Q}/provisioners/prov"), None).await;
    assert_eq!(r.0, 404);

    let task_id = slugid();
    ok(
        &root,
        &rc,
        "PUT",
        &format!("{Q}/task/{task_id}"),
        Some(&task_def("prov/wt", json!({}))),
    )
    .await;
    // creating a task does not make a task queue (v106 records queues when workers claim)
    let r = call_as(
        &root,
        &rc,
        "GET",
        &format!("{Q}/task-queues/prov%2Fwt"),
        None,
    )
    .await;
    assert_eq!(r.0, 404);
    let pending = ok(
        &root,
        &rc,
        "GET",
        &format!("{Q}/task-queues/prov%2Fwt/pending"),
        None,
    )
    .await;
    assert_eq!(pending["tasks"].as_array().map(Vec::len), Some(1));
    assert_eq!(pending["tasks"][0]["taskId"], json!(task_id));
    assert_eq!(pending["tasks"][0]["runId"], json!(0));
    assert_eq!(pending["tasks"][0]["task"]["taskQueueId"], "prov/wt");

    let claim = ok(
        &root,
        &rc,
        "POST",
        &format!("{Q}/claim-work/prov%2Fwt"),
        Some(&json!({"workerGroup": "wg", "workerId": "w1"})),
    )
    .await;
    assert_eq!(claim["tasks"][0]["status"]["taskId"], json!(task_id));
    let pending = ok(
        &root,
        &rc,
        "GET",
        &format!("{Q}/task-queues/prov%2Fwt/pending"),
        None,
    )
    .await;
    assert_eq!(pending["tasks"], json!([]));
    let claimed = ok(
        &root,
        &rc,
        "GET",
        &format!("{Q}/task-queues/prov%2Fwt/claimed"),
        None,
    )
    .await;
    assert_eq!(claimed["tasks"][0]["taskId"], json!(task_id));
    assert_eq!(claimed["tasks"][0]["workerGroup"], "wg");
    assert_eq!(claimed["tasks"][0]["workerId"], "w1");

    let tq = ok(
        &root,
        &rc,
        "GET",
        &format!("{Q}/task-queues/prov%2Fwt"),
        None,
    )
    .await;
    assert_eq!(tq["description"], "");
    assert_eq!(tq["stability"], "experimental");
    let wt = ok(
        &root,
        &rc,
        "GET",
        &format!("{Q}/provisioners/prov/worker-types/wt"),
        None,
    )
    .await;
    assert_eq!(
        (wt["provisionerId"].as_str(), wt["workerType"].as_str()),
        (Some("prov"), Some("wt"))
    );
    let p = ok(&root, &rc, "GET", &format!("{Q}/provisioners"), None).await;
    assert_eq!(p["provisioners"][0]["provisionerId"], "prov");
    let w = ok(
        &root,
        &rc,
        "GET",
        &format!("{Q}/provisioners/prov/worker-types/wt/workers/wg/w1"),
        None,
    )
    .await;
    assert_eq!(w["recentTasks"], json!([{"taskId": task_id, "runId": 0}]));
    let expires_in = parse(&w["expires"]) - now_ms();
    assert!(
        (86_000_000..=86_400_000).contains(&expires_in),
        "a worker seen claiming lives a day: {expires_in}"
    );
    let list = ok(
        &root,
        &rc,
        "GET",
        &format!("{Q}/provisioners/prov/worker-types/wt/workers"),
        None,
    )
    .await;
    assert_eq!(list["workers"][0]["latestTask"]["taskId"], json!(task_id));
    assert!(list["workers"][0].get("quarantineUntil").is_none());
}

/// The message of an error body without lib-api's `---` details.
fn first(v: &Value) -> String {
    message(v)
        .split("\n\n---")
        .next()
        .unwrap_or_default()
        .to_string()
}

fn parse(v: &Value) -> i64 {
    let s = v.as_str().expect("a date");
    chrono::DateTime::parse_from_rfc3339(s)
        .unwrap_or_else(|e| panic!("{s}: {e}"))
        .timestamp_millis()
}

#[tokio::test]
async fn declare_and_quarantine() {
    let s = start().await;
    let root = s.root_url();
    let rc = root_creds(&s);
    let far = iso_in(30 * 86_400);
    let wt = ok(
        &root,
        &rc,
        "PUT",
        &format!("{Q}/provisioners/p1/worker-types/wt"),
        Some(&json!({"description": "first", "stability": "stable", "expires": far})),
    )
    .await;
    assert_eq!(wt["description"], "first");
    assert_eq!(wt["stability"], "stable");
    assert_eq!(wt["expires"], json!(far));
    assert_eq!(wt["actions"], json!([]));
    // expires never moves back; description and stability follow the latest declaration
    let wt = ok(
        &root,
        &rc,
        "PUT",
        &format!("{Q}/provisioners/p1/worker-types/wt"),
        Some(&json!({"description": "second", "expires": iso_in(60)})),
    )
    .await;
    assert_eq!(
        (wt["description"].as_str(), wt["stability"].as_str()),
        (Some("second"), Some("stable"))
    );
    assert_eq!(wt["expires"], json!(far));
    // the body is checked against v106's update-workertype-request
    let r = call_as(
        &root,
        &rc,
        "PUT",
        &format!("{Q}/provisioners/p1/worker-types/wt"),
        Some(&json!({"stability": "great", "colour": 1})),
    )
    .await;
    assert_eq!(r.0, 400);
    let m = message(&r.1);
    assert!(
        m.contains("data/stability must be equal to one of the allowed values"),
        "{m}"
    );
    assert!(
        m.contains("data must NOT have additional properties: \"colour\""),
        "{m}"
    );
    // the scopes name each property declared
    let r = call_as(
        &root,
        &rc,
        "PUT",
        "/api/auth/v1/clients/declarer",
        Some(&json!({"expires": iso_in(3600), "description": "d", "scopes": ["queue:declare-worker-type:p1/wt#stability"]})),
    )
    .await;
    assert_eq!(r.0, 200, "{:?}", r.1);
    let declarer = json!({"clientId": "declarer", "accessToken": r.1["accessToken"]});
    let path = format!("{Q}/provisioners/p1/worker-types/wt");
    ok(
        &root,
        &declarer,
        "PUT",
        &path,
        Some(&json!({"stability": "deprecated"})),
    )
    .await;
    let r = call_as(
        &root,
        &declarer,
        "PUT",
        &path,
        Some(&json!({"description": "x"})),
    )
    .await;
    assert_eq!(r.0, 403, "{:?}", r.1);
    assert!(message(&r.1).contains("queue:declare-worker-type:p1/wt#description"));

    // provisioners are a view over the task queues; declaring one changes nothing
    let p = ok(
        &root,
        &rc,
        "PUT",
        &format!("{Q}/provisioners/p1"),
        Some(&json!({"description": "ignored"})),
    )
    .await;
    assert_eq!(
        (p["description"].as_str(), p["expires"].as_str()),
        (Some(""), Some(far.as_str()))
    );
    let r = call_as(
        &root,
        &rc,
        "PUT",
        &format!("{Q}/provisioners/p2"),
        Some(&json!({})),
    )
    .await;
    assert_eq!(r.0, 404);
    assert_eq!(
        first(&r.1),
        "Provisioner `p2` not found. Are you sure it was created?"
    );

    // a declared worker, quarantined: no work for it, and listed as quarantined
    let w = ok(
        &root,
        &rc,
        "PUT",
        &format!("{Q}/provisioners/p1/worker-types/wt/wg/w1"),
        Some(&json!({"expires": far})),
    )
    .await;
    assert!(parse(&w["quarantineUntil"]) < now_ms());
    let until = iso_in(3600);
    let w = ok(
        &root,
        &rc,
        "PUT",
        &format!("{Q}/provisioners/p1/worker-types/wt/workers/wg/w1"),
        Some(&json!({"quarantineUntil": until})),
    )
    .await;
    assert_eq!(w["quarantineUntil"], json!(until));
    let task_id = slugid();
    ok(
        &root,
        &rc,
        "PUT",
        &format!("{Q}/task/{task_id}"),
        Some(&task_def("p1/wt", json!({}))),
    )
    .await;
    let claim = ok(
        &root,
        &rc,
        "POST",
        &format!("{Q}/claim-work/p1%2Fwt"),
        Some(&json!({"workerGroup": "wg", "workerId": "w1"})),
    )
    .await;
    assert_eq!(
        claim["tasks"],
        json!([]),
        "a quarantined worker claims nothing"
    );
    let q = ok(
        &root,
        &rc,
        "GET",
        &format!("{Q}/provisioners/p1/worker-types/wt/workers?quarantined=true"),
        None,
    )
    .await;
    assert_eq!(q["workers"][0]["workerId"], "w1");
    assert_eq!(q["workers"][0]["quarantineUntil"], json!(until));
    let q = ok(
        &root,
        &rc,
        "GET",
        &format!("{Q}/provisioners/p1/worker-types/wt/workers?quarantined=false"),
        None,
    )
    .await;
    assert_eq!(q["workers"], json!([]));
    let r = call_as(
        &root,
        &rc,
        "GET",
        &format!("{Q}/provisioners/p1/worker-types/wt/workers?quarantined=yes"),
        None,
    )
    .await;
    assert_eq!(r.0, 400);
    // another worker of the queue gets the task
    let claim = ok(
        &root,
        &rc,
        "POST",
        &format!("{Q}/claim-work/p1%2Fwt"),
        Some(&json!({"workerGroup": "wg", "workerId": "w2"})),
    )
    .await;
    assert_eq!(claim["tasks"][0]["status"]["taskId"], json!(task_id));
    let r = call_as(
        &root,
        &rc,
        "PUT",
        &format!("{Q}/provisioners/p1/worker-types/wt/workers/wg/nobody"),
        Some(&json!({"quarantineUntil": until})),
    )
    .await;
    assert_eq!(r.0, 404);
    // the queue's URL parameter patterns
    let r = call_as(
        &root,
        &rc,
        "GET",
        &format!("{Q}/task-queues/p1%2FNot_Valid"),
        None,
    )
    .await;
    assert_eq!(r.0, 400);
    assert!(message(&r.1).contains(
        "URL parameter 'taskQueueId' given as 'p1/Not_Valid' must match regular expression"
    ));
}

#[tokio::test]
async fn priorities_and_task_group_cancellation() {
    let s = start().await;
    let root = s.root_url();
    let rc = root_creds(&s);
    let group = slugid();
    let (a, b) = (slugid(), slugid());
    for id in [&a, &b] {
        ok(
            &root,
            &rc,
            "PUT",
            &format!("{Q}/task/{id}"),
            Some(&task_def("p/wt", json!({"taskGroupId": group}))),
        )
        .await;
    }
    let st = ok(
        &root,
        &rc,
        "POST",
        &format!("{Q}/task/{a}/priority"),
        Some(&json!({"newPriority": "high"})),
    )
    .await;
    assert_eq!(st["status"]["taskId"], json!(a));
    let t = ok(&root, &rc, "GET", &format!("{Q}/task/{a}"), None).await;
    assert_eq!(t["priority"], "high");
    let r = call_as(
        &root,
        &rc,
        "POST",
        &format!("{Q}/task/{a}/priority"),
        Some(&json!({"newPriority": "high"})),
    )
    .await;
    assert_eq!(r.0, 409);
    let g = ok(
        &root,
        &rc,
        "POST",
        &format!("{Q}/task-group/{group}/priority"),
        Some(&json!({"newPriority": "high"})),
    )
    .await;
    assert_eq!(
        g["tasksAffected"],
        json!(1),
        "only the task not already high: {g}"
    );
    assert_eq!(g["taskIds"], json!([b]));

    // an unsealed group cannot be cancelled (and is not sealed by trying)
    let r = call_as(
        &root,
        &rc,
        "POST",
        &format!("{Q}/task-group/{group}/cancel"),
        None,
    )
    .await;
    assert_eq!(r.0, 409);
    assert_eq!(
        first(&r.1),
        format!("Cannot cancel unsealed task group: `{group}`")
    );
    let g = ok(&root, &rc, "GET", &format!("{Q}/task-group/{group}"), None).await;
    assert!(g.get("sealed").is_none());
    ok(
        &root,
        &rc,
        "POST",
        &format!("{Q}/task-group/{group}/seal"),
        None,
    )
    .await;
    let c = ok(
        &root,
        &rc,
        "POST",
        &format!("{Q}/task-group/{group}/cancel"),
        None,
    )
    .await;
    assert_eq!(c["cancelledCount"], json!(2));
    // a resolved task cannot be reprioritized
    let r = call_as(
        &root,
        &rc,
        "POST",
        &format!("{Q}/task/{a}/priority"),
        Some(&json!({"newPriority": "low"})),
    )
    .await;
    assert_eq!(r.0, 409);
    assert_eq!(
        first(&r.1),
        format!("Task `{a}` is already resolved and cannot be reprioritized.")
    );
}

#[tokio::test]
async fn schema_defaults_reach_the_handler() {
    let s = start().await;
    let root = s.root_url();
    let rc = root_creds(&s);
    // taskIds defaults to []: an empty body lists nothing
    let r = ok(&root, &rc, "POST", &format!("{Q}/tasks"), Some(&json!({}))).await;
    assert_eq!(r, json!({"tasks": []}));
    // a task without a payload gets v106's default [], which its schema refuses
    let mut def = task_def("p/wt", json!({}));
    def.as_object_mut().map(|o| o.remove("payload"));
    let r = call_as(
        &root,
        &rc,
        "PUT",
        &format!("{Q}/task/{}", slugid()),
        Some(&def),
    )
    .await;
    assert_eq!(r.0, 400);
    assert!(
        message(&r.1).contains("data/payload must be object"),
        "{}",
        message(&r.1)
    );
}
