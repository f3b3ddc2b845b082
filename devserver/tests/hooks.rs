//! Hooks service: definitions, firing (a task in the queue, scopes of the hook's role), trigger
//! tokens, last fires, and the seeded demo hooks.

mod common;
use common::*;
use serde_json::{json, Value};
use tc_devserver::ClientSeed;

const H: &str = "/api/hooks/v1";

/// The error message without the summary the services append.
fn msg(v: &Value) -> String {
    let m = message(v);
    m.split("\n\n---\n").next().unwrap_or("").to_string()
}

fn hook_def(message_required: bool) -> Value {
    json!({
        "metadata": {"name": "n", "description": "d", "owner": "o@example.com"},
        "task": {
            "taskQueueId": "proj-hooks/w",
            "schedulerId": "-",
            "projectId": "hooks",
            "payload": {
                "echo": {"$eval": "payload.message"},
                "by": "${firedBy}/${clientId}",
                "deadline": {"$fromNow": "2 hours"},
            },
            "metadata": {"name": "hooked ${payload.message}", "description": "d", "owner": "o@example.com", "source": "https://example.com"},
        },
        "triggerSchema": {
            "type": "object",
            "properties": {"message": {"type": "string"}, "taskId": {"type": "string"}},
            "required": if message_required { json!(["message"]) } else { json!([]) },
            "additionalProperties": false,
        },
    })
}

async fn add(s: &tc_devserver::DevServer, id: &str, scopes: &[&str]) -> Value {
    let token = format!("{id}-token-{}", slugid());
    s.add_client(ClientSeed {
        client_id: id.into(),
        access_token: token.clone(),
        scopes: scopes.iter().map(|s| s.to_string()).collect(),
        expires_ms: None,
        disabled: false,
        description: String::new(),
    })
    .unwrap();
    json!({"clientId": id, "accessToken": token})
}

async fn hook_role(root: &str, rc: &Value, role: &str, scopes: &[&str]) {
    let r = call_as(
        root,
        rc,
        "PUT",
        &format!("/api/auth/v1/roles/{}", role.replace('/', "%2F")),
        Some(&json!({"scopes": scopes, "description": "hook role"})),
    )
    .await;
    assert_eq!(r.0, 200, "{:?}", r.1);
}

#[tokio::test]
async fn definitions_create_list_get_update_remove() {
    let s = start().await;
    let root = s.root_url();
    let rc = root_creds(&s);
    let (st, v) = call_as(&root, &rc, "GET", &format!("{H}/hooks"), None).await;
    assert_eq!((st, v), (200, json!({"groups": []})));

    let def = hook_def(true);
    let (st, created) = call_as(&root, &rc, "PUT", &format!("{H}/hooks/g1/h1"), Some(&def)).await;
    assert_eq!(st, 200, "{created:?}");
    assert_eq!(created["hookGroupId"], "g1");
    assert_eq!(created["hookId"], "h1");
    assert_eq!(created["schedule"], json!([]));
    assert_eq!(created["bindings"], json!([]));
    assert_eq!(created["metadata"]["emailOnError"], json!(true));
    assert_eq!(created["task"], def["task"]);
    // a hookId may hold slashes (URL-encoded in one segment)
    let (st, _) = call_as(
        &root,
        &rc,
        "PUT",
        &format!("{H}/hooks/g1/a%2Fb"),
        Some(&def),
    )
    .await;
    assert_eq!(st, 200);
    let (st, _) = call_as(&root, &rc, "PUT", &format!("{H}/hooks/g2/x"), Some(&def)).await;
    assert_eq!(st, 200);

    let (_, v) = call_as(&root, &rc, "GET", &format!("{H}/hooks"), None).await;
    assert_eq!(v, json!({"groups": ["g1", "g2"]}));
    let (_, v) = call_as(&root, &rc, "GET", &format!("{H}/hooks/g1"), None).await;
    assert_eq!(field_of_each(&v, "hooks", "hookId"), ["a/b", "h1"]);
    let (st, v) = call_as(&root, &rc, "GET", &format!("{H}/hooks/g1/a%2Fb"), None).await;
    assert_eq!((st, v["hookId"].clone()), (200, json!("a/b")));
    let (st, v) = call_as(&root, &rc, "GET", &format!("{H}/hooks/nope"), None).await;
    assert_eq!((st, msg(&v)), (404, "No such group".to_string()));
    let (st, v) = call_as(&root, &rc, "GET", &format!("{H}/hooks/g1/nope"), None).await;
    assert_eq!((st, v["code"].clone()), (404, json!("ResourceNotFound")));
    let (st, v) = call_as(&root, &rc, "GET", &format!("{H}/hooks/g%20x/h"), None).await;
    assert_eq!(
        (st, v["code"].clone()),
        (400, json!("InvalidRequestArguments")),
        "{v}"
    );

    // createHook is idempotent for the same definition, a conflict otherwise
    let (st, _) = call_as(&root, &rc, "PUT", &format!("{H}/hooks/g1/h1"), Some(&def)).await;
    assert_eq!(st, 200);
    let mut other = def.clone();
    other["metadata"]["name"] = json!("changed");
    let (st, v) = call_as(&root, &rc, "PUT", &format!("{H}/hooks/g1/h1"), Some(&other)).await;
    assert_eq!((st, v["code"].clone()), (409, json!("RequestConflict")));
    let (st, v) = call_as(
        &root,
        &rc,
        "POST",
        &format!("{H}/hooks/g1/h1"),
        Some(&other),
    )
    .await;
    assert_eq!((st, v["metadata"]["name"].clone()), (200, json!("changed")));
    let (st, _) = call_as(
        &root,
        &rc,
        "POST",
        &format!("{H}/hooks/g1/zz"),
        Some(&other),
    )
    .await;
    assert_eq!(st, 404);
    let mut bad = def.clone();
    bad["hookId"] = json!("other");
    let (st, v) = call_as(&root, &rc, "PUT", &format!("{H}/hooks/g1/h9"), Some(&bad)).await;
    assert_eq!((st, msg(&v)), (400, "Hook Ids do not match".to_string()));
    let (st, v) = call_as(
        &root,
        &rc,
        "PUT",
        &format!("{H}/hooks/g1/h9"),
        Some(&json!({"task": {}})),
    )
    .await;
    assert_eq!(
        (st, v["code"].clone()),
        (400, json!("InputValidationError"))
    );

    let (st, _) = call_as(&root, &rc, "DELETE", &format!("{H}/hooks/g2/x"), None).await;
    assert_eq!(st, 200);
    let (_, v) = call_as(&root, &rc, "GET", &format!("{H}/hooks"), None).await;
    assert_eq!(v, json!({"groups": ["g1"]}));

    // scopes: hooks:list-hooks:<group>, hooks:get:<group>:<id>
    let c = add(&s, "lister", &["hooks:list-hooks:g1", "hooks:get:g1:h1"]).await;
    assert_eq!(
        call_as(&root, &c, "GET", &format!("{H}/hooks/g1"), None)
            .await
            .0,
        200
    );
    assert_eq!(
        call_as(&root, &c, "GET", &format!("{H}/hooks/g1/h1"), None)
            .await
            .0,
        200
    );
    let (st, v) = call_as(&root, &c, "GET", &format!("{H}/hooks"), None).await;
    assert_eq!((st, v["code"].clone()), (403, json!("InsufficientScopes")));
    let (st, _) = call_as(&root, &c, "GET", &format!("{H}/hooks/g1/a%2Fb"), None).await;
    assert_eq!(st, 403);
    // createHook needs the hook's role too
    let c = add(&s, "modifier", &["hooks:modify-hook:g1/*"]).await;
    let (st, v) = call_as(&root, &c, "PUT", &format!("{H}/hooks/g1/new"), Some(&def)).await;
    assert_eq!((st, v["code"].clone()), (403, json!("InsufficientScopes")));
    assert!(msg(&v).contains("assume:hook-id:g1/new"), "{}", msg(&v));
}

#[tokio::test]
async fn trigger_creates_the_task_with_the_hook_role() {
    let s = start().await;
    let root = s.root_url();
    let rc = root_creds(&s);
    hook_role(
        &root,
        &rc,
        "hook-id:g1/*",
        &[
            "queue:create-task:project:hooks",
            "queue:scheduler-id:-",
            "queue:create-task:lowest:proj-hooks/*",
        ],
    )
    .await;
    let (st, _) = call_as(
        &root,
        &rc,
        "PUT",
        &format!("{H}/hooks/g1/h1"),
        Some(&hook_def(true)),
    )
    .await;
    assert_eq!(st, 200);
    let (st, v) = call_as(&root, &rc, "GET", &format!("{H}/hooks/g1/h1/status"), None).await;
    assert_eq!((st, v), (200, json!({"lastFire": {"result": "no-fire"}})));
    let (st, v) = call_as(
        &root,
        &rc,
        "GET",
        &format!("{H}/hooks/g1/h1/last-fires"),
        None,
    )
    .await;
    assert_eq!(
        (st, msg(&v)),
        (404, "No such hook or never fired".to_string())
    );

    // only hooks:trigger-hook:<group>/<id> is needed to trigger; the task is the role's business
    let c = add(
        &s,
        "trigger",
        &[
            "hooks:trigger-hook:g1/h1",
            "queue:get-task:*",
            "queue:status:*",
        ],
    )
    .await;
    let before = now_ms();
    let (st, v) = call_as(
        &root,
        &c,
        "POST",
        &format!("{H}/hooks/g1/h1/trigger"),
        Some(&json!({"message": "hi"})),
    )
    .await;
    assert_eq!(st, 200, "{v}");
    let task_id = v["taskId"].as_str().unwrap().to_string();
    assert_eq!(v, json!({"taskId": task_id, "status": {"taskId": task_id}}));
    let (st, t) = call_as(
        &root,
        &c,
        "GET",
        &format!("/api/queue/v1/task/{task_id}"),
        None,
    )
    .await;
    assert_eq!(st, 200);
    assert_eq!(t["payload"]["echo"], "hi");
    assert_eq!(t["payload"]["by"], "triggerHook/trigger");
    assert_eq!(t["metadata"]["name"], "hooked hi");
    assert_eq!(
        t["taskGroupId"],
        json!(task_id),
        "a new task group, as upstream"
    );
    let created = chrono::DateTime::parse_from_rfc3339(t["created"].as_str().unwrap())
        .unwrap()
        .timestamp_millis();
    let deadline = chrono::DateTime::parse_from_rfc3339(t["deadline"].as_str().unwrap())
        .unwrap()
        .timestamp_millis();
    let in2h = chrono::DateTime::parse_from_rfc3339(t["payload"]["deadline"].as_str().unwrap())
        .unwrap()
        .timestamp_millis();
    assert!(created >= before - 1000 && created <= now_ms() + 1000);
    assert_eq!(
        deadline - created,
        24 * 3600 * 1000,
        "the default deadline is a day"
    );
    assert_eq!(in2h - created, 2 * 3600 * 1000);
    let (_, st_) = call_as(
        &root,
        &c,
        "GET",
        &format!("/api/queue/v1/task/{task_id}/status"),
        None,
    )
    .await;
    assert_eq!(st_["status"]["state"], "pending");

    // a taskId may be chosen by the payload
    let chosen = slugid();
    let (st, v) = call_as(
        &root,
        &c,
        "POST",
        &format!("{H}/hooks/g1/h1/trigger"),
        Some(&json!({"message": "two", "taskId": chosen})),
    )
    .await;
    assert_eq!((st, v["taskId"].clone()), (200, json!(chosen)));
    let (st, v) = call_as(
        &root,
        &c,
        "POST",
        &format!("{H}/hooks/g1/h1/trigger"),
        Some(&json!({"message": "x", "taskId": "nope"})),
    )
    .await;
    assert_eq!(
        (st, msg(&v)),
        (400, "Invalid taskId format: nope".to_string())
    );

    // the payload must match the trigger schema
    let (st, v) = call_as(
        &root,
        &c,
        "POST",
        &format!("{H}/hooks/g1/h1/trigger"),
        Some(&json!({"other": 1})),
    )
    .await;
    assert_eq!((st, v["code"].clone()), (400, json!("InputError")));
    assert_eq!(
        msg(&v),
        "data must have required property 'message'; data must NOT have additional properties"
    );

    // without the trigger scope
    let (st, v) = call_as(
        &root,
        &c,
        "POST",
        &format!("{H}/hooks/g1/other/trigger"),
        Some(&json!({})),
    )
    .await;
    assert_eq!((st, v["code"].clone()), (403, json!("InsufficientScopes")));

    // last fires: most recent first, with the task's state
    let (st, v) = call_as(
        &root,
        &rc,
        "GET",
        &format!("{H}/hooks/g1/h1/last-fires"),
        None,
    )
    .await;
    assert_eq!(st, 200);
    let fires = v["lastFires"].as_array().unwrap();
    assert_eq!(fires.len(), 2);
    assert_eq!(fires[0]["taskId"], json!(chosen));
    assert_eq!(fires[1]["taskId"], json!(task_id));
    for f in fires {
        assert_eq!(
            (
                f["result"].as_str(),
                f["firedBy"].as_str(),
                f["taskState"].as_str(),
                f["error"].as_str()
            ),
            (
                Some("success"),
                Some("triggerHook"),
                Some("pending"),
                Some("")
            )
        );
    }
    let (_, v) = call_as(
        &root,
        &rc,
        "GET",
        &format!("{H}/hooks/g1/h1/last-fires?limit=1"),
        None,
    )
    .await;
    assert_eq!(v["lastFires"].as_array().unwrap().len(), 1);
    let tok = v["continuationToken"].as_str().unwrap().to_string();
    let (_, v) = call_as(
        &root,
        &rc,
        "GET",
        &format!("{H}/hooks/g1/h1/last-fires?limit=1&continuationToken={tok}"),
        None,
    )
    .await;
    assert_eq!(v["lastFires"][0]["taskId"], json!(task_id));
    assert!(v.get("continuationToken").is_none());
    let (_, v) = call_as(&root, &rc, "GET", &format!("{H}/hooks/g1/h1/status"), None).await;
    assert_eq!(v["lastFire"]["result"], "success");
    assert_eq!(v["lastFire"]["taskId"], json!(chosen));

    // a hook whose role may not create the task: InsufficientScopes naming the role, no task
    let mut def = hook_def(false);
    def["task"]["payload"]["echo"] = json!("static");
    def["task"]["metadata"]["name"] = json!("n");
    let (st, _) = call_as(&root, &rc, "PUT", &format!("{H}/hooks/g2/h"), Some(&def)).await;
    assert_eq!(st, 200);
    let (st, v) = call_as(
        &root,
        &rc,
        "POST",
        &format!("{H}/hooks/g2/h/trigger"),
        Some(&json!({})),
    )
    .await;
    assert_eq!(
        (st, v["code"].clone()),
        (403, json!("InsufficientScopes")),
        "{v}"
    );
    assert!(
        msg(&v).starts_with(
            "The role `hook-id:g2/h` does not have sufficient scopes to create the task"
        ),
        "{}",
        msg(&v)
    );
    assert!(
        msg(&v).contains("queue:create-task:project:hooks"),
        "{}",
        msg(&v)
    );
    let (_, v) = call_as(&root, &rc, "GET", &format!("{H}/hooks/g2/h/status"), None).await;
    assert_eq!(v["lastFire"]["result"], "error");
    assert_eq!(v["lastFire"]["error"]["code"], "InsufficientScopes");
    let (_, v) = call_as(
        &root,
        &rc,
        "GET",
        &format!("{H}/hooks/g2/h/last-fires"),
        None,
    )
    .await;
    let failed_task = v["lastFires"][0]["taskId"].as_str().unwrap().to_string();
    assert_eq!(v["lastFires"][0]["taskState"], "unknown");
    let (st, _) = call_as(
        &root,
        &rc,
        "GET",
        &format!("/api/queue/v1/task/{failed_task}"),
        None,
    )
    .await;
    assert_eq!(st, 404, "no task was created");

    // a template error fails the fire and says why
    let mut def = hook_def(false);
    def["task"]["payload"]["x"] = json!({"$map": []});
    call_as(&root, &rc, "PUT", &format!("{H}/hooks/g1/bad"), Some(&def)).await;
    let (st, v) = call_as(
        &root,
        &rc,
        "POST",
        &format!("{H}/hooks/g1/bad/trigger"),
        Some(&json!({"message": "m"})),
    )
    .await;
    assert_eq!((st, v["code"].clone()), (400, json!("InputError")));
    assert!(msg(&v).contains("$map is not supported"), "{}", msg(&v));
    // a task the queue refuses: the queue's error, named
    let mut def = hook_def(false);
    def["task"]["priority"] = json!("urgent");
    call_as(
        &root,
        &rc,
        "PUT",
        &format!("{H}/hooks/g1/refused"),
        Some(&def),
    )
    .await;
    let (st, v) = call_as(
        &root,
        &rc,
        "POST",
        &format!("{H}/hooks/g1/refused/trigger"),
        Some(&json!({"message": "m"})),
    )
    .await;
    assert_eq!((st, v["code"].clone()), (400, json!("InputError")), "{v}");
    assert!(
        msg(&v).starts_with("While calling createTask: "),
        "{}",
        msg(&v)
    );
}

#[tokio::test]
async fn trigger_tokens() {
    let s = start().await;
    let root = s.root_url();
    let rc = root_creds(&s);
    hook_role(
        &root,
        &rc,
        "hook-id:g/t",
        &[
            "queue:create-task:project:hooks",
            "queue:scheduler-id:-",
            "queue:create-task:lowest:proj-hooks/w",
        ],
    )
    .await;
    call_as(
        &root,
        &rc,
        "PUT",
        &format!("{H}/hooks/g/t"),
        Some(&hook_def(true)),
    )
    .await;
    let (st, v) = call_as(&root, &rc, "GET", &format!("{H}/hooks/g/t/token"), None).await;
    assert_eq!(st, 200);
    let token = v["token"].as_str().unwrap().to_string();
    // a token trigger has no clientId in the template's context
    let url = format!("{root}{H}/hooks/g/t/trigger/{token}");
    let (st, v) = send("POST", &url, None, Some(&json!({"message": "tok"}))).await;
    assert_eq!(st, 400, "{v}");
    assert!(msg(&v).contains("unknown context value clientId"), "{v}");
    let mut def = hook_def(true);
    def["task"]["payload"]["by"] = json!("${firedBy}");
    let (st, _) = call_as(&root, &rc, "POST", &format!("{H}/hooks/g/t"), Some(&def)).await;
    assert_eq!(st, 200);
    // no credentials needed with the token
    let (st, v) = send("POST", &url, None, Some(&json!({"message": "tok"}))).await;
    assert_eq!(st, 200, "{v}");
    let task_id = v["taskId"].as_str().unwrap().to_string();
    let (_, t) = call_as(
        &root,
        &rc,
        "GET",
        &format!("/api/queue/v1/task/{task_id}"),
        None,
    )
    .await;
    assert_eq!(t["payload"]["by"], "triggerHookWithToken");
    let (st, v) = send(
        "POST",
        &format!("{root}{H}/hooks/g/t/trigger/wrong"),
        None,
        Some(&json!({"message": "tok"})),
    )
    .await;
    assert_eq!((st, msg(&v)), (401, "invalid hook token".to_string()));
    let (_, v) = call_as(&root, &rc, "POST", &format!("{H}/hooks/g/t/token"), None).await;
    assert_ne!(v["token"].as_str().unwrap(), token);
    let (st, _) = send(
        "POST",
        &format!("{root}{H}/hooks/g/t/trigger/{token}"),
        None,
        Some(&json!({"message": "tok"})),
    )
    .await;
    assert_eq!(st, 401, "the old token no longer works");
    let (_, v) = call_as(
        &root,
        &rc,
        "GET",
        &format!("{H}/hooks/g/t/last-fires"),
        None,
    )
    .await;
    assert_eq!(v["lastFires"][0]["firedBy"], "triggerHookWithToken");
}

#[tokio::test]
async fn seeded_demo_hooks_index_and_client() {
    let s = tc_devserver::DevServer::start(tc_devserver::Config {
        seed_demo_data: true,
        ..Default::default()
    })
    .await
    .unwrap();
    let root = s.root_url();
    let rc = root_creds(&s);
    let group = tc_devserver::DEMO_HOOK_GROUP_ID;
    let (_, v) = call_as(&root, &rc, "GET", &format!("{H}/hooks"), None).await;
    assert_eq!(v["groups"], json!(["other-team", group]));
    let (_, v) = call_as(&root, &rc, "GET", &format!("{H}/hooks/{group}"), None).await;
    let ids: Vec<&str> = v["hooks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["hookId"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["hello", "nightly/build"]);
    let (_, v) = call_as(
        &root,
        &rc,
        "GET",
        &format!("{H}/hooks/{group}/nightly%2Fbuild/status"),
        None,
    )
    .await;
    assert_eq!(v["lastFire"], json!({"result": "no-fire"}));
    assert!(
        v["nextScheduledDate"].is_string(),
        "a scheduled hook has a next date"
    );

    let (st, v) = call_as(
        &root,
        &rc,
        "POST",
        &format!("{H}/hooks/{group}/hello/trigger"),
        Some(&json!({"message": "hello from a test"})),
    )
    .await;
    assert_eq!(st, 200, "{v}");
    let (_, t) = call_as(
        &root,
        &rc,
        "GET",
        &format!("/api/queue/v1/task/{}", v["taskId"].as_str().unwrap()),
        None,
    )
    .await;
    assert_eq!(
        t["payload"]["command"],
        json!(["echo", "hello from a test"])
    );
    assert_eq!(t["taskQueueId"], "proj-devserver/demo");
    let (g, h) = tc_devserver::DEMO_HOOK_WITHOUT_SCOPES;
    let (st, v) = call_as(
        &root,
        &rc,
        "POST",
        &format!("{H}/hooks/{g}/{h}/trigger"),
        Some(&json!({"message": "m"})),
    )
    .await;
    assert_eq!((st, v["code"].clone()), (403, json!("InsufficientScopes")));

    let (_, v) = call_as(
        &root,
        &rc,
        "GET",
        "/api/index/v1/namespaces/project.devserver",
        None,
    )
    .await;
    let names: Vec<&str> = v["namespaces"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["builds", "demo"]);
    let (_, v) = call_as(
        &root,
        &rc,
        "GET",
        "/api/index/v1/tasks/project.devserver.builds.v1",
        None,
    )
    .await;
    assert_eq!(v["tasks"].as_array().unwrap().len(), 2);

    let (_, v) = call_as(
        &root,
        &rc,
        "GET",
        &format!(
            "/api/auth/v1/clients/{}",
            tc_devserver::DEMO_CLIENT_ID.replace('/', "%2F")
        ),
        None,
    )
    .await;
    let expanded: Vec<&str> = v["expandedScopes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert!(
        expanded.contains(&"secrets:get:project/devserver/*"),
        "{expanded:?}"
    );
    assert!(
        expanded.contains(&"queue:create-task:lowest:proj-devserver/*"),
        "{expanded:?}"
    );
}
