//! The queue service: tasks and their runs (unscheduled → pending → running →
//! completed/failed/exception), claims with temporary task credentials, task groups,
//! dependencies, and artifacts of every storage type (s3, object, reference, link, error).
//!
//! Time-based transitions (claim expiry, deadlines) are applied lazily at the start of every
//! queue call.

use crate::call::{after_key, limit, not_found, ok, paginate, Call, Ep, FaultFlag, Reply, Service};
use crate::clock::now_ms;
use crate::errors::{json_response, TcError};
use crate::state::queue::{
    object_name, worker_info_seen, worker_task_seen, Artifact, Details, Group, QueueDb, Run, Task,
    MAX_RUNS, PRIORITIES,
};
use crate::state::{AppState, Db};
use crate::util::{is_slugid, iso, lock};
use crate::validate as v;
use axum::response::Response;
use http::HeaderValue;
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

/// How long a claim lasts (the real queue's `task_claim_timeout`).
pub(crate) const CLAIM_MS: i64 = 20 * 60 * 1000;
/// How long `claimWork` waits for work before answering with no tasks.
const CLAIM_WAIT: Duration = Duration::from_secs(1);
/// v106's answer for a task that does not exist, in the words of each method (the artifact
/// methods say `Task not found`).
fn task_not_found(method: &str, task_id: &str) -> TcError {
    let submitted = |question: &str| {
        format!("`{task_id}` does not correspond to a task that exists.\nAre you sure this task {question}?")
    };
    TcError::not_found(match method {
        "task" => submitted("has already been submitted"),
        "status" => submitted("exists"),
        "rerunTask" => submitted("has been submitted before"),
        "scheduleTask" => format!("taskId `{task_id}` not found. Are you sure it exists?"),
        "reportException" => format!("Task `{task_id}` not found. Are you sure it exists?"),
        "listDependentTasks" => format!("Task with taskId: `{task_id}` was not found"),
        "cancelTask" | "claimTask" | "reclaimTask" | "reportCompleted" | "reportFailed" => {
            format!("Task `{task_id}` not found. Are you sure it was created?")
        }
        _ => "Task not found".to_string(),
    })
}

/// v106's answer for a run a task does not have (claimTask, reclaimTask, report*).
fn run_not_found(task_id: &str, run_id: usize) -> TcError {
    TcError::not_found(format!("Run {run_id} not found on task `{task_id}`."))
}

fn reply_status(q: &QueueDb, task_id: &str) -> Reply {
    let t = q
        .tasks
        .get(task_id)
        .ok_or_else(|| task_not_found("status", task_id))?;
    ok(json!({ "status": t.status(task_id) }))
}

/// Apply time-based transitions: claim expiry (with retries), deadlines, then dependencies.
pub(crate) fn maintain(q: &mut QueueDb) {
    let now = now_ms();
    for t in q.tasks.values_mut() {
        if !t.resolved() && t.deadline_ms <= now {
            if t.runs.is_empty() {
                t.runs.push(Run::new("exception"));
            }
            if let Some(r) = t.runs.last_mut() {
                r.resolve("exception", "deadline-exceeded");
            }
            continue;
        }
        let expired = t
            .runs
            .last()
            .is_some_and(|r| r.state == "running" && r.taken_until_ms.is_some_and(|u| u <= now));
        if expired {
            if let Some(r) = t.runs.last_mut() {
                r.resolve("exception", "claim-expired");
            }
            if t.retries_left > 0 && t.runs.len() < MAX_RUNS {
                t.retries_left -= 1;
                t.runs.push(Run::new("retry"));
            }
        }
    }
    schedule_ready(q);
}

/// Schedule unscheduled tasks whose dependencies are satisfied.
fn schedule_ready(q: &mut QueueDb) {
    let states: BTreeMap<String, String> = q
        .tasks
        .iter()
        .map(|(k, t)| (k.clone(), t.state().to_string()))
        .collect();
    for t in q.tasks.values_mut() {
        if !t.runs.is_empty() {
            continue;
        }
        let ready = t.dependencies.iter().all(|d| {
            let s = states.get(d).map(String::as_str).unwrap_or("");
            if t.requires == "all-resolved" {
                matches!(s, "completed" | "failed" | "exception")
            } else {
                s == "completed"
            }
        });
        if ready {
            t.runs.push(Run::new("scheduled"));
        }
    }
}

fn js_seconds(ms: i64) -> String {
    if ms % 1000 == 0 {
        (ms / 1000).to_string()
    } else {
        let frac = format!("{:03}", ms.rem_euclid(1000));
        format!("{}.{}", ms.div_euclid(1000), frac.trim_end_matches('0'))
    }
}

/// Temporary credentials for a claimed run (as `task-creds.js` issues them).
fn task_credentials(state: &AppState, task_id: &str, run_id: usize, t: &Task) -> Value {
    let r = &t.runs[run_id];
    let until = r.taken_until_ms.unwrap_or_else(now_ms);
    let wg = r.worker_group.clone().unwrap_or_default();
    let wid = r.worker_id.clone().unwrap_or_default();
    let name = format!(
        "task-client/{task_id}/{run_id}/on/{wg}/{wid}/until/{}",
        js_seconds(until)
    );
    let mut scopes = vec![
        format!("queue:reclaim-task:{task_id}/{run_id}"),
        format!("queue:resolve-task:{task_id}/{run_id}"),
        format!("queue:create-artifact:{task_id}/{run_id}"),
    ];
    scopes.extend(t.scopes.iter().cloned());
    crate::tempcreds::from_queue(state, &name, &scopes, now_ms(), until)
}

/// Claim the pending last run of `task_id` for a worker; returns the claim JSON.
pub(crate) fn claim(
    state: &AppState,
    q: &mut QueueDb,
    task_id: &str,
    worker_group: &str,
    worker_id: &str,
) -> Option<Value> {
    let t = q.tasks.get_mut(task_id)?;
    let run_id = t.runs.len().checked_sub(1)?;
    let r = &mut t.runs[run_id];
    if r.state != "pending" {
        return None;
    }
    let now = now_ms();
    r.state = "running".into();
    r.worker_group = Some(worker_group.into());
    r.worker_id = Some(worker_id.into());
    r.started_ms = Some(now);
    r.taken_until_ms = Some(now + CLAIM_MS);
    let t = &q.tasks[task_id];
    Some(json!({
        "status": t.status(task_id),
        "runId": run_id,
        "workerGroup": worker_group,
        "workerId": worker_id,
        "takenUntil": iso(now + CLAIM_MS),
        "task": t.def,
        "credentials": task_credentials(state, task_id, run_id, t),
    }))
}

fn str_list(o: &Map<String, Value>, key: &str) -> Result<Vec<String>, TcError> {
    Ok(v::opt_str_list(o, key, "data")?.unwrap_or_default())
}

/// Validate and normalize a task definition (defaults filled in, dates normalized).
fn normalize_task(task_id: &str, input: &Value) -> Result<(Value, Task), TcError> {
    let o = v::object(input, "data")?;
    v::only(
        o,
        &[
            "taskQueueId",
            "provisionerId",
            "workerType",
            "schedulerId",
            "projectId",
            "taskGroupId",
            "dependencies",
            "requires",
            "routes",
            "priority",
            "retries",
            "created",
            "deadline",
            "expires",
            "scopes",
            "payload",
            "metadata",
            "tags",
            "extra",
        ],
        "data",
    )?;
    let (prov, wt, tq) = match (
        v::opt_str(o, "taskQueueId", "data")?,
        v::opt_str(o, "provisionerId", "data")?,
        v::opt_str(o, "workerType", "data")?,
    ) {
        (Some(tq), p, w) => {
            let Some((a, b)) = tq.split_once('/') else {
                return Err(v::fail(
                    "data/taskQueueId must match pattern \"^[a-zA-Z0-9-_]{1,38}/[a-z]([-a-z0-9]{0,36}[a-z0-9])?$\"",
                ));
            };
            if p.is_some_and(|p| p != a) || w.is_some_and(|w| w != b) {
                return Err(TcError::input(
                    "taskQueueId must match \"provisionerId/workerType\"",
                ));
            }
            (a.to_string(), b.to_string(), tq.to_string())
        }
        (None, Some(p), Some(w)) => (p.to_string(), w.to_string(), format!("{p}/{w}")),
        _ => {
            return Err(v::fail(
                "data must have required property 'taskQueueId' (or both 'provisionerId' and 'workerType')",
            ))
        }
    };
    v::identifier(&prov, "data/provisionerId")?;
    if wt.is_empty() || wt.len() > 38 {
        return Err(v::fail("data/workerType must be 1-38 characters"));
    }
    let scheduler_id = v::opt_str(o, "schedulerId", "data")?
        .unwrap_or("-")
        .to_string();
    v::identifier(&scheduler_id, "data/schedulerId")?;
    let project_id = v::opt_str(o, "projectId", "data")?
        .unwrap_or("none")
        .to_string();
    v::project_id(&project_id, "data/projectId")?;
    let task_group_id = v::opt_str(o, "taskGroupId", "data")?
        .unwrap_or(task_id)
        .to_string();
    if !is_slugid(&task_group_id) {
        return Err(v::fail("data/taskGroupId must match the slugid pattern"));
    }
    let dependencies = str_list(o, "dependencies")?;
    if dependencies.iter().any(|d| !is_slugid(d)) {
        return Err(v::fail(
            "data/dependencies items must match the slugid pattern",
        ));
    }
    if dependencies.iter().collect::<BTreeSet<_>>().len() != dependencies.len() {
        return Err(v::fail("data/dependencies must NOT have duplicate items"));
    }
    let requires = v::opt_str(o, "requires", "data")?
        .unwrap_or("all-completed")
        .to_string();
    if !matches!(requires.as_str(), "all-completed" | "all-resolved") {
        return Err(v::fail(
            "data/requires must be equal to one of the allowed values",
        ));
    }
    let routes = str_list(o, "routes")?;
    let priority = v::opt_str(o, "priority", "data")?
        .unwrap_or("lowest")
        .to_string();
    if !PRIORITIES.contains(&priority.as_str()) && priority != "normal" {
        return Err(v::fail(
            "data/priority must be equal to one of the allowed values",
        ));
    }
    let retries = match o.get("retries") {
        None => 5,
        Some(r) => r
            .as_u64()
            .filter(|r| *r <= 49)
            .ok_or_else(|| v::fail("data/retries must be an integer between 0 and 49"))?,
    };
    let created = v::req_date(o, "created", "data")?;
    let deadline = v::req_date(o, "deadline", "data")?;
    let expires = v::opt_date(o, "expires", "data")?.unwrap_or(deadline + 365 * 24 * 3600 * 1000);
    let scopes = str_list(o, "scopes")?;
    if scopes.iter().any(|s| !crate::scopes::valid_scope(s)) {
        return Err(v::fail("data/scopes items must be valid scopes"));
    }
    let payload = match o.get("payload") {
        Some(p @ Value::Object(_)) => p.clone(),
        Some(_) => return Err(v::fail("data/payload must be object")),
        None => return Err(v::fail("data must have required property 'payload'")),
    };
    let metadata = o
        .get("metadata")
        .ok_or_else(|| v::fail("data must have required property 'metadata'"))?;
    let md = v::object(metadata, "data/metadata")?;
    for k in ["name", "description", "owner", "source"] {
        v::req_str(md, k, "data/metadata")?;
    }
    let tags = match o.get("tags") {
        None => json!({}),
        Some(t @ Value::Object(m)) if m.values().all(Value::is_string) => t.clone(),
        Some(_) => return Err(v::fail("data/tags must be an object of strings")),
    };
    let extra = match o.get("extra") {
        None => json!({}),
        Some(e @ Value::Object(_)) => e.clone(),
        Some(_) => return Err(v::fail("data/extra must be object")),
    };
    if deadline > now_ms() + 5 * 24 * 3600 * 1000 + 60_000 {
        return Err(TcError::input(
            "Deadline cannot be more than 5 days into the future",
        ));
    }
    if expires < deadline {
        return Err(TcError::input("Expires must be after deadline"));
    }
    let def = json!({
        "provisionerId": prov,
        "workerType": wt,
        "taskQueueId": tq,
        "schedulerId": scheduler_id,
        "projectId": project_id,
        "taskGroupId": task_group_id,
        "dependencies": dependencies,
        "requires": requires,
        "routes": routes,
        "priority": priority,
        "retries": retries,
        "created": iso(created),
        "deadline": iso(deadline),
        "expires": iso(expires),
        "scopes": scopes,
        "payload": payload,
        "metadata": metadata,
        "tags": tags,
        "extra": extra,
    });
    let task = Task {
        def: def.clone(),
        task_group_id,
        scheduler_id,
        project_id,
        task_queue_id: tq,
        provisioner_id: prov,
        worker_type: wt,
        deadline_ms: deadline,
        expires_ms: expires,
        retries,
        retries_left: retries,
        dependencies,
        requires,
        scopes,
        priority,
        runs: Vec::new(),
        seq: 0,
    };
    Ok((def, task))
}

/// Insert a validated task (idempotent for an identical definition).
pub(crate) fn insert_task(q: &mut QueueDb, task_id: &str, mut task: Task) -> Result<(), TcError> {
    if let Some(existing) = q.tasks.get(task_id) {
        if existing.def != task.def {
            return Err(TcError::conflict(
                "taskId already used by another task.\n\nThis could be the result of faulty idempotency!",
            ));
        }
        return Ok(());
    }
    let missing: Vec<&String> = task
        .dependencies
        .iter()
        .filter(|d| d.as_str() != task_id && !q.tasks.contains_key(*d))
        .collect();
    if !missing.is_empty() {
        return Err(TcError::input(format!(
            "`task.dependencies` references non-existing tasks: {}\n\nAll taskIds in `task.dependencies` **must** exist before the task is created.",
            missing.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
        )));
    }
    match q.groups.get_mut(&task.task_group_id) {
        Some(g) => {
            if g.scheduler_id != task.scheduler_id {
                return Err(TcError::conflict(format!(
                    "Task group {} contains tasks with schedulerId {}. You are attempting to include tasks from schedulerId {}, which is not permitted. All tasks in the same task group must have the same schedulerId.",
                    task.task_group_id, g.scheduler_id, task.scheduler_id
                )));
            }
            if g.sealed_ms.is_some() {
                return Err(TcError::conflict(format!(
                    "Task group {} is sealed, no new tasks can be added",
                    task.task_group_id
                )));
            }
            g.expires_ms = g.expires_ms.max(task.expires_ms);
        }
        None => {
            q.groups.insert(
                task.task_group_id.clone(),
                Group {
                    scheduler_id: task.scheduler_id.clone(),
                    expires_ms: task.expires_ms,
                    sealed_ms: None,
                },
            );
        }
    }
    q.seq += 1;
    task.seq = q.seq;
    q.tasks.insert(task_id.to_string(), task);
    schedule_ready(q);
    Ok(())
}

/// Create a task from a (JSON) definition, as `createTask` does, without scope checks.
pub(crate) fn create_task_unchecked(
    q: &mut QueueDb,
    task_id: &str,
    def: &Value,
) -> Result<(), TcError> {
    let (_, task) = normalize_task(task_id, def)?;
    insert_task(q, task_id, task)
}

/// Resolve the last run of a task (`completed`, `failed` or `exception` with `reason`), for
/// seeding.
pub(crate) fn resolve_last_run(q: &mut QueueDb, task_id: &str, state: &str, reason: &str) {
    if let Some(r) = q.tasks.get_mut(task_id).and_then(|t| t.runs.last_mut()) {
        r.resolve(state, reason);
    }
    schedule_ready(q);
}

fn get_task<'a>(q: &'a QueueDb, method: &str, task_id: &str) -> Result<&'a Task, TcError> {
    q.tasks
        .get(task_id)
        .ok_or_else(|| task_not_found(method, task_id))
}

fn run_id(call: &Call) -> usize {
    call.param("runId").parse().unwrap_or(usize::MAX)
}

/// The queue endpoints (routes, query keys and scope expressions from the references).
#[rustfmt::skip]
static ENDPOINTS: &[Ep] = &[
    Ep { service: "queue", method: "GET", route: "/ping", name: "ping", query: &[], scopes: None },
    Ep { service: "queue", method: "GET", route: "/__lbheartbeat__", name: "lbheartbeat", query: &[], scopes: None },
    Ep { service: "queue", method: "GET", route: "/__version__", name: "version", query: &[], scopes: None },
    Ep { service: "queue", method: "GET", route: "/task/<taskId>", name: "task", query: &[], scopes: Some(r#""queue:get-task:<taskId>""#) },
    Ep { service: "queue", method: "GET", route: "/task/<taskId>/status", name: "status", query: &[], scopes: Some(r#""queue:status:<taskId>""#) },
    Ep { service: "queue", method: "GET", route: "/task-group/<taskGroupId>/list", name: "listTaskGroup", query: &["continuationToken", "limit"], scopes: Some(r#""queue:list-task-group:<taskGroupId>""#) },
    Ep { service: "queue", method: "GET", route: "/task-group/<taskGroupId>", name: "getTaskGroup", query: &[], scopes: Some(r#""queue:list-task-group:<taskGroupId>""#) },
    Ep { service: "queue", method: "PUT", route: "/task/<taskId>", name: "createTask", query: &[], scopes: Some(r#"{"AllOf":[{"each":"<scope>","for":"scope","in":"scopes"},{"each":"queue:route:<route>","for":"route","in":"routes"},"queue:create-task:project:<projectId>","queue:scheduler-id:<schedulerId>",{"AnyOf":[{"each":"queue:create-task:<priority>:<provisionerId>/<workerType>","for":"priority","in":"priorities"}]}]}"#) },
    Ep { service: "queue", method: "POST", route: "/task/<taskId>/schedule", name: "scheduleTask", query: &[], scopes: Some(r#"{"AnyOf":["queue:schedule-task:<schedulerId>/<taskGroupId>/<taskId>","queue:schedule-task-in-project:<projectId>",{"AllOf":["queue:schedule-task","assume:scheduler-id:<schedulerId>/<taskGroupId>"]}]}"#) },
    Ep { service: "queue", method: "POST", route: "/task/<taskId>/cancel", name: "cancelTask", query: &[], scopes: Some(r#"{"AnyOf":["queue:cancel-task:<schedulerId>/<taskGroupId>/<taskId>","queue:cancel-task-in-project:<projectId>",{"AllOf":["queue:cancel-task","assume:scheduler-id:<schedulerId>/<taskGroupId>"]}]}"#) },
    Ep { service: "queue", method: "POST", route: "/claim-work/<taskQueueId>", name: "claimWork", query: &[], scopes: Some(r#"{"AllOf":["queue:claim-work:<taskQueueId>","queue:worker-id:<workerGroup>/<workerId>"]}"#) },
    Ep { service: "queue", method: "POST", route: "/task/<taskId>/runs/<runId>/claim", name: "claimTask", query: &[], scopes: Some(r#"{"AllOf":["queue:claim-task:<provisionerId>/<workerType>","queue:worker-id:<workerGroup>/<workerId>"]}"#) },
    Ep { service: "queue", method: "POST", route: "/task/<taskId>/runs/<runId>/reclaim", name: "reclaimTask", query: &[], scopes: Some(r#""queue:reclaim-task:<taskId>/<runId>""#) },
    Ep { service: "queue", method: "POST", route: "/task/<taskId>/runs/<runId>/completed", name: "reportCompleted", query: &[], scopes: Some(r#""queue:resolve-task:<taskId>/<runId>""#) },
    Ep { service: "queue", method: "POST", route: "/task/<taskId>/runs/<runId>/failed", name: "reportFailed", query: &[], scopes: Some(r#""queue:resolve-task:<taskId>/<runId>""#) },
    Ep { service: "queue", method: "POST", route: "/task/<taskId>/runs/<runId>/exception", name: "reportException", query: &[], scopes: Some(r#""queue:resolve-task:<taskId>/<runId>""#) },
    Ep { service: "queue", method: "POST", route: "/task/<taskId>/runs/<runId>/artifacts/<name>", name: "createArtifact", query: &[], scopes: Some(r#""queue:create-artifact:<taskId>/<runId>""#) },
    Ep { service: "queue", method: "PUT", route: "/task/<taskId>/runs/<runId>/artifacts/<name>", name: "finishArtifact", query: &[], scopes: Some(r#""queue:create-artifact:<taskId>/<runId>""#) },
    Ep { service: "queue", method: "GET", route: "/task/<taskId>/runs/<runId>/artifacts/<name>", name: "getArtifact", query: &[], scopes: Some(r#"{"AllOf":[{"each":"queue:get-artifact:<name>","for":"name","in":"names"}]}"#) },
    Ep { service: "queue", method: "GET", route: "/task/<taskId>/artifacts/<name>", name: "getLatestArtifact", query: &[], scopes: Some(r#"{"AllOf":[{"each":"queue:get-artifact:<name>","for":"name","in":"names"}]}"#) },
    Ep { service: "queue", method: "GET", route: "/task/<taskId>/runs/<runId>/artifacts", name: "listArtifacts", query: &["continuationToken", "limit"], scopes: Some(r#""queue:list-artifacts:<taskId>:<runId>""#) },
    Ep { service: "queue", method: "GET", route: "/task/<taskId>/artifacts", name: "listLatestArtifacts", query: &["continuationToken", "limit"], scopes: Some(r#""queue:list-artifacts:<taskId>""#) },
    Ep { service: "queue", method: "GET", route: "/task/<taskId>/runs/<runId>/artifact-info/<name>", name: "artifactInfo", query: &[], scopes: Some(r#""queue:list-artifacts:<taskId>:<runId>""#) },
    Ep { service: "queue", method: "GET", route: "/task/<taskId>/artifact-info/<name>", name: "latestArtifactInfo", query: &[], scopes: Some(r#""queue:list-artifacts:<taskId>""#) },
    Ep { service: "queue", method: "GET", route: "/task/<taskId>/runs/<runId>/artifact-content/<name>", name: "artifact", query: &[], scopes: Some(r#"{"AllOf":[{"each":"queue:get-artifact:<name>","for":"name","in":"names"}]}"#) },
    Ep { service: "queue", method: "GET", route: "/task/<taskId>/artifact-content/<name>", name: "latestArtifact", query: &[], scopes: Some(r#"{"AllOf":[{"each":"queue:get-artifact:<name>","for":"name","in":"names"}]}"#) },
    Ep { service: "queue", method: "POST", route: "/tasks", name: "tasks", query: &["continuationToken", "limit"], scopes: Some(r#"{"AllOf":[{"each":"queue:get-task:<taskId>","for":"taskId","in":"taskIds"}]}"#) },
    Ep { service: "queue", method: "POST", route: "/tasks/status", name: "statuses", query: &["continuationToken", "limit"], scopes: Some(r#"{"AllOf":[{"each":"queue:status:<taskId>","for":"taskId","in":"taskIds"}]}"#) },
    Ep { service: "queue", method: "POST", route: "/task-group/<taskGroupId>/cancel", name: "cancelTaskGroup", query: &[], scopes: Some(r#""queue:cancel-task-group:<schedulerId>/<taskGroupId>""#) },
    Ep { service: "queue", method: "POST", route: "/task-group/<taskGroupId>/seal", name: "sealTaskGroup", query: &[], scopes: Some(r#""queue:seal-task-group:<schedulerId>/<taskGroupId>""#) },
    Ep { service: "queue", method: "GET", route: "/task/<taskId>/dependents", name: "listDependentTasks", query: &["continuationToken", "limit"], scopes: Some(r#""queue:list-dependent-tasks:<taskId>""#) },
    Ep { service: "queue", method: "POST", route: "/task/<taskId>/rerun", name: "rerunTask", query: &[], scopes: Some(r#"{"AnyOf":["queue:rerun-task:<schedulerId>/<taskGroupId>/<taskId>","queue:rerun-task-in-project:<projectId>",{"AllOf":["queue:rerun-task","assume:scheduler-id:<schedulerId>/<taskGroupId>"]}]}"#) },
    Ep { service: "queue", method: "GET", route: "/pending/<taskQueueId>", name: "pendingTasks", query: &[], scopes: Some(r#""queue:pending-count:<taskQueueId>""#) },
    Ep { service: "queue", method: "GET", route: "/task-queues/<taskQueueId>/counts", name: "taskQueueCounts", query: &[], scopes: Some(r#"{"AllOf":["queue:pending-count:<taskQueueId>","queue:claimed-count:<taskQueueId>"]}"#) },
    // worker metadata, pending/claimed lists and priorities (services/workers.rs); the scopes of
    // the entries the vendored references lack are v106's
    Ep { service: "queue", method: "POST", route: "/task/<taskId>/priority", name: "changeTaskPriority", query: &[], scopes: Some(r#"{"AnyOf":["queue:change-task-priority:<taskId>","queue:change-task-priority-in-queue:<taskQueueId>"]}"#) },
    Ep { service: "queue", method: "POST", route: "/task-group/<taskGroupId>/priority", name: "changeTaskGroupPriority", query: &[], scopes: Some(r#""queue:change-task-group-priority:<schedulerId>/<taskGroupId>""#) },
    Ep { service: "queue", method: "GET", route: "/provisioners", name: "listProvisioners", query: &["continuationToken", "limit"], scopes: Some(r#""queue:list-provisioners""#) },
    Ep { service: "queue", method: "GET", route: "/provisioners/<provisionerId>", name: "getProvisioner", query: &[], scopes: Some(r#""queue:get-provisioner:<provisionerId>""#) },
    Ep { service: "queue", method: "PUT", route: "/provisioners/<provisionerId>", name: "declareProvisioner", query: &[], scopes: Some(r#"{"AllOf":[{"each":"queue:declare-provisioner:<provisionerId>#<property>","for":"property","in":"properties"}]}"#) },
    Ep { service: "queue", method: "GET", route: "/task-queues/<taskQueueId>/pending", name: "listPendingTasks", query: &["continuationToken", "limit"], scopes: Some(r#""queue:pending-list:<taskQueueId>""#) },
    Ep { service: "queue", method: "GET", route: "/task-queues/<taskQueueId>/claimed", name: "listClaimedTasks", query: &["continuationToken", "limit"], scopes: Some(r#""queue:claimed-list:<taskQueueId>""#) },
    Ep { service: "queue", method: "GET", route: "/provisioners/<provisionerId>/worker-types", name: "listWorkerTypes", query: &["continuationToken", "limit"], scopes: Some(r#""queue:list-worker-types:<provisionerId>""#) },
    Ep { service: "queue", method: "GET", route: "/provisioners/<provisionerId>/worker-types/<workerType>", name: "getWorkerType", query: &[], scopes: Some(r#""queue:get-worker-type:<provisionerId>/<workerType>""#) },
    Ep { service: "queue", method: "PUT", route: "/provisioners/<provisionerId>/worker-types/<workerType>", name: "declareWorkerType", query: &[], scopes: Some(r#"{"AllOf":[{"each":"queue:declare-worker-type:<provisionerId>/<workerType>#<property>","for":"property","in":"properties"}]}"#) },
    Ep { service: "queue", method: "GET", route: "/task-queues", name: "listTaskQueues", query: &["continuationToken", "limit"], scopes: Some(r#""queue:list-task-queues""#) },
    Ep { service: "queue", method: "GET", route: "/task-queues/<taskQueueId>", name: "getTaskQueue", query: &[], scopes: Some(r#""queue:get-task-queue:<taskQueueId>""#) },
    Ep { service: "queue", method: "GET", route: "/provisioners/<provisionerId>/worker-types/<workerType>/workers", name: "listWorkers", query: &["continuationToken", "limit", "quarantined"], scopes: Some(r#""queue:list-workers:<provisionerId>/<workerType>""#) },
    Ep { service: "queue", method: "GET", route: "/provisioners/<provisionerId>/worker-types/<workerType>/workers/<workerGroup>/<workerId>", name: "getWorker", query: &[], scopes: Some(r#""queue:get-worker:<provisionerId>/<workerType>/<workerGroup>/<workerId>""#) },
    Ep { service: "queue", method: "PUT", route: "/provisioners/<provisionerId>/worker-types/<workerType>/workers/<workerGroup>/<workerId>", name: "quarantineWorker", query: &[], scopes: Some(r#"{"AllOf":["queue:quarantine-worker:<provisionerId>/<workerType>/<workerGroup>/<workerId>"]}"#) },
    Ep { service: "queue", method: "PUT", route: "/provisioners/<provisionerId>/worker-types/<workerType>/<workerGroup>/<workerId>", name: "declareWorker", query: &[], scopes: Some(r#"{"AllOf":[{"each":"queue:declare-worker:<provisionerId>/<workerType>/<workerGroup>/<workerId>#<property>","for":"property","in":"properties"}]}"#) },
    Ep { service: "queue", method: "GET", route: "/__heartbeat__", name: "heartbeat", query: &[], scopes: None },
];

/// The queue service, for the router.
pub(crate) const SERVICE: Service = Service {
    name: "queue",
    endpoints: ENDPOINTS,
    handle: |call| Box::pin(handle(call)),
};

/// Handle a queue API call.
pub(crate) async fn handle(call: &mut Call) -> Reply {
    let state = call.state.clone();
    maintain(&mut lock(&state.db).queue);
    let task_id = call.param("taskId").to_string();
    match call.ep.name {
        "task" => {
            let db = lock(&state.db);
            ok(get_task(&db.queue, call.ep.name, &task_id)?.def.clone())
        }
        "status" => reply_status(&lock(&state.db).queue, &task_id),
        "tasks" | "statuses" => {
            let body = v::object(&call.payload, "data")?.clone();
            v::only(&body, &["taskIds"], "data")?;
            let ids = v::opt_str_list(&body, "taskIds", "data")?
                .ok_or_else(|| v::fail("data must have required property 'taskIds'"))?;
            call.authorize(json!({ "taskIds": ids }))?;
            let db = lock(&state.db);
            let items: Vec<Value> = ids
                .iter()
                .filter_map(|id| db.queue.tasks.get(id).map(|t| (id, t)))
                .map(|(id, t)| {
                    if call.ep.name == "tasks" {
                        json!({"taskId": id, "task": t.def})
                    } else {
                        json!({"taskId": id, "status": t.status(id)})
                    }
                })
                .collect();
            ok(if call.ep.name == "tasks" {
                json!({ "tasks": items })
            } else {
                json!({ "statuses": items })
            })
        }
        "createTask" => {
            let (def, task) = normalize_task(&task_id, &call.payload)?;
            let pri_idx = task.priority_rank();
            let priorities: Vec<&str> = PRIORITIES[..=pri_idx].to_vec();
            call.authorize(json!({
                "scopes": task.scopes,
                "routes": def["routes"],
                "projectId": task.project_id,
                "schedulerId": task.scheduler_id,
                "priorities": priorities,
                "provisionerId": task.provisioner_id,
                "workerType": task.worker_type,
            }))?;
            let mut db = lock(&state.db);
            insert_task(&mut db.queue, &task_id, task)?;
            drop(db);
            state.work.notify_waiters();
            reply_status(&lock(&state.db).queue, &task_id)
        }
        "scheduleTask" | "cancelTask" | "rerunTask" => {
            let (sched, group, project) = {
                let db = lock(&state.db);
                let t = get_task(&db.queue, call.ep.name, &task_id)?;
                (
                    t.scheduler_id.clone(),
                    t.task_group_id.clone(),
                    t.project_id.clone(),
                )
            };
            call.authorize(
                json!({"schedulerId": sched, "taskGroupId": group, "projectId": project}),
            )?;
            let mut db = lock(&state.db);
            let q = &mut db.queue;
            let t = q
                .tasks
                .get_mut(&task_id)
                .ok_or_else(|| task_not_found(call.ep.name, &task_id))?;
            match call.ep.name {
                "scheduleTask" => {
                    if t.runs.is_empty() {
                        if t.deadline_ms <= now_ms() {
                            return Err(TcError::conflict(
                                "Task can't be scheduled past its deadline",
                            ));
                        }
                        t.runs.push(Run::new("scheduled"));
                    }
                }
                "cancelTask" => match t.state() {
                    "unscheduled" => {
                        let mut r = Run::new("exception");
                        r.resolve("exception", "canceled");
                        t.runs.push(r);
                    }
                    "pending" | "running" => {
                        if let Some(r) = t.runs.last_mut() {
                            r.resolve("exception", "canceled");
                        }
                    }
                    _ => {}
                },
                _ => {
                    if !matches!(t.state(), "pending" | "running") {
                        if t.runs.len() >= MAX_RUNS {
                            return Err(TcError::conflict("Maximum number of runs reached"));
                        }
                        if t.deadline_ms <= now_ms() {
                            return Err(TcError::conflict("Task can't be rerun past its deadline"));
                        }
                        let reason = if t.runs.is_empty() {
                            "scheduled"
                        } else {
                            "rerun"
                        };
                        t.runs.push(Run::new(reason));
                        t.retries_left = t.retries;
                    }
                }
            }
            schedule_ready(q);
            let r = reply_status(q, &task_id);
            drop(db);
            state.work.notify_waiters();
            r
        }
        "listTaskGroup" => {
            let group = call.param("taskGroupId").to_string();
            let after = after_key(call)?;
            let limit = limit(call, 1000, 1000);
            let db = lock(&state.db);
            let Some(g) = db.queue.groups.get(&group) else {
                return Err(TcError::not_found(format!(
                    "No task-group with taskGroupId: `{group}`"
                )));
            };
            // list-task-group-response.json: the group's schedulerId, expires and sealed too
            let mut head = json!({
                "taskGroupId": group,
                "schedulerId": g.scheduler_id,
                "expires": iso(g.expires_ms),
            });
            if let Some(s) = g.sealed_ms {
                head["sealed"] = json!(iso(s));
            }
            let items = db
                .queue
                .tasks
                .iter()
                .filter(|(_, t)| t.task_group_id == group)
                .map(|(id, t)| (id.clone(), json!({"status": t.status(id), "task": t.def})))
                .collect();
            let (page, token) = paginate(items, after, limit);
            let mut out = head;
            out["tasks"] = json!(page);
            if let Some(t) = token {
                out["continuationToken"] = json!(t);
            }
            ok(out)
        }
        "getTaskGroup" | "sealTaskGroup" | "cancelTaskGroup" => {
            let group_id = call.param("taskGroupId").to_string();
            let (sched, sealed) = lock(&state.db)
                .queue
                .groups
                .get(&group_id)
                .map(|g| (g.scheduler_id.clone(), g.sealed_ms.is_some()))
                .ok_or_else(|| {
                    TcError::not_found(format!("No task-group with taskGroupId: `{group_id}`"))
                })?;
            // v106 refuses an unsealed group before it looks at the caller's scopes
            if call.ep.name == "cancelTaskGroup" && !sealed {
                return Err(TcError::conflict(format!(
                    "Cannot cancel unsealed task group: `{group_id}`"
                )));
            }
            call.authorize(json!({ "schedulerId": sched }))?;
            let mut db = lock(&state.db);
            let q = &mut db.queue;
            let mut out = Map::new();
            if call.ep.name == "cancelTaskGroup" {
                let mut ids = Vec::new();
                let mut size = 0;
                for (id, t) in q.tasks.iter_mut() {
                    if t.task_group_id != group_id {
                        continue;
                    }
                    size += 1;
                    match t.state() {
                        "unscheduled" => {
                            let mut r = Run::new("exception");
                            r.resolve("exception", "canceled");
                            t.runs.push(r);
                            ids.push(id.clone());
                        }
                        "pending" | "running" => {
                            if let Some(r) = t.runs.last_mut() {
                                r.resolve("exception", "canceled");
                            }
                            ids.push(id.clone());
                        }
                        _ => {}
                    }
                }
                schedule_ready(q);
                return ok(json!({
                    "taskGroupId": group_id,
                    "taskGroupSize": size,
                    "cancelledCount": ids.len(),
                    "taskIds": ids,
                }));
            }
            let g = q.groups.get_mut(&group_id).ok_or_else(|| {
                TcError::not_found(format!("No task-group with taskGroupId: `{group_id}`"))
            })?;
            if call.ep.name == "sealTaskGroup" && g.sealed_ms.is_none() {
                g.sealed_ms = Some(now_ms());
            }
            out.insert("taskGroupId".into(), json!(group_id));
            out.insert("schedulerId".into(), json!(g.scheduler_id));
            out.insert("expires".into(), json!(iso(g.expires_ms)));
            if let Some(s) = g.sealed_ms {
                out.insert("sealed".into(), json!(iso(s)));
            }
            // v106's task-group-response.json allows no other field (no task count).
            ok(Value::Object(out))
        }
        "listDependentTasks" => {
            let after = after_key(call)?;
            let limit = limit(call, 1000, 1000);
            let db = lock(&state.db);
            get_task(&db.queue, call.ep.name, &task_id)?;
            let items = db
                .queue
                .tasks
                .iter()
                .filter(|(_, t)| t.dependencies.contains(&task_id))
                .map(|(id, t)| (id.clone(), json!({"status": t.status(id), "task": t.def})))
                .collect();
            let (page, token) = paginate(items, after, limit);
            let mut out = json!({"taskId": task_id, "tasks": page});
            if let Some(t) = token {
                out["continuationToken"] = json!(t);
            }
            ok(out)
        }
        "pendingTasks" | "taskQueueCounts" => {
            let tq = call.param("taskQueueId").to_string();
            let db = lock(&state.db);
            let count = |s: &str| {
                db.queue
                    .tasks
                    .values()
                    .filter(|t| t.task_queue_id == tq && t.state() == s)
                    .count()
            };
            let (p, w) = tq.split_once('/').unwrap_or((tq.as_str(), ""));
            if call.ep.name == "pendingTasks" {
                ok(json!({
                    "provisionerId": p,
                    "workerType": w,
                    "taskQueueId": tq,
                    "pendingTasks": count("pending"),
                }))
            } else {
                ok(json!({
                    "provisionerId": p,
                    "workerType": w,
                    "taskQueueId": tq,
                    "pendingTasks": count("pending"),
                    "claimedTasks": count("running"),
                }))
            }
        }
        "claimWork" => claim_work(call, &state).await,
        "claimTask" => {
            let body = v::object(&call.payload, "data")?.clone();
            v::only(&body, &["workerGroup", "workerId"], "data")?;
            let wg = v::req_str(&body, "workerGroup", "data")?.to_string();
            let wid = v::req_str(&body, "workerId", "data")?.to_string();
            v::identifier(&wg, "data/workerGroup")?;
            v::identifier(&wid, "data/workerId")?;
            let (prov, wt, nruns) = {
                let db = lock(&state.db);
                let t = get_task(&db.queue, call.ep.name, &task_id)?;
                (
                    t.provisioner_id.clone(),
                    t.worker_type.clone(),
                    t.runs.len(),
                )
            };
            call.authorize(json!({
                "provisionerId": prov, "workerType": wt, "workerGroup": wg, "workerId": wid,
            }))?;
            let rid = run_id(call);
            let mut db = lock(&state.db);
            let q = &mut db.queue;
            let tq = q.tasks[&task_id].task_queue_id.clone();
            let key = (tq.clone(), wg.clone(), wid.clone());
            if q.workers
                .get(&key)
                .is_some_and(|w| w.quarantine_until_ms > now_ms())
            {
                // v106 answers a quarantined worker with `{}`, which its output schema refuses
                return ok(json!({}));
            }
            // as v106: the task queue is seen before the run is looked for
            worker_info_seen(q, &tq, None);
            if rid >= nruns {
                return Err(run_not_found(&task_id, rid));
            }
            let t = &q.tasks[&task_id];
            let r = &t.runs[rid];
            if rid + 1 == nruns && r.state == "pending" {
                let c = claim(&state, q, &task_id, &wg, &wid)
                    .ok_or_else(|| task_not_found("claimTask", &task_id))?;
                worker_task_seen(q, &key, &task_id, rid);
                return ok(c);
            }
            if r.state == "running"
                && r.worker_group.as_deref() == Some(wg.as_str())
                && r.worker_id.as_deref() == Some(wid.as_str())
            {
                return ok(json!({
                    "status": t.status(&task_id),
                    "runId": rid,
                    "workerGroup": wg,
                    "workerId": wid,
                    "takenUntil": iso(r.taken_until_ms.unwrap_or_else(now_ms)),
                    "task": t.def,
                    "credentials": task_credentials(&state, &task_id, rid, t),
                }));
            }
            Err(TcError::conflict(format!(
                "Run {rid} was already claimed by another worker or is resolved"
            )))
        }
        "reclaimTask" => {
            let rid = run_id(call);
            let mut db = lock(&state.db);
            let q = &mut db.queue;
            let t = q
                .tasks
                .get_mut(&task_id)
                .ok_or_else(|| task_not_found(call.ep.name, &task_id))?;
            let Some(r) = t.runs.get_mut(rid) else {
                return Err(run_not_found(&task_id, rid));
            };
            if r.state != "running" {
                return Err(TcError::conflict(format!(
                    "Run {rid} on task {task_id} is resolved or not running.\n\nTask status: {}",
                    t.status(&task_id)
                )));
            }
            let until = now_ms() + CLAIM_MS;
            r.taken_until_ms = Some(until);
            let (wg, wid) = (r.worker_group.clone(), r.worker_id.clone());
            let tq = t.task_queue_id.clone();
            worker_info_seen(
                q,
                &tq,
                Some((wg.as_deref().unwrap_or(""), wid.as_deref().unwrap_or(""))),
            );
            let t = &q.tasks[&task_id];
            ok(json!({
                "status": t.status(&task_id),
                "runId": rid,
                "workerGroup": wg,
                "workerId": wid,
                "takenUntil": iso(until),
                "credentials": task_credentials(&state, &task_id, rid, t),
            }))
        }
        "reportCompleted" | "reportFailed" | "reportException" => {
            let (target, reason) = match call.ep.name {
                "reportCompleted" => ("completed", "completed".to_string()),
                "reportFailed" => ("failed", "failed".to_string()),
                _ => {
                    let body = v::object(&call.payload, "data")?;
                    v::only(body, &["reason"], "data")?;
                    let reason = v::req_str(body, "reason", "data")?.to_string();
                    if !matches!(
                        reason.as_str(),
                        "worker-shutdown"
                            | "malformed-payload"
                            | "resource-unavailable"
                            | "internal-error"
                            | "superseded"
                            | "intermittent-task"
                    ) {
                        return Err(v::fail(
                            "data/reason must be equal to one of the allowed values",
                        ));
                    }
                    ("exception", reason)
                }
            };
            let rid = run_id(call);
            let mut db = lock(&state.db);
            let q = &mut db.queue;
            let t = q
                .tasks
                .get_mut(&task_id)
                .ok_or_else(|| task_not_found(call.ep.name, &task_id))?;
            if rid >= t.runs.len() {
                return Err(run_not_found(&task_id, rid));
            }
            let r = &mut t.runs[rid];
            if r.state != "running" {
                if r.state == target && r.reason_resolved.as_deref() == Some(reason.as_str()) {
                    return reply_status(q, &task_id);
                }
                return Err(TcError::conflict(format!(
                    "Run {rid} of task {task_id} is not running (state: {})",
                    r.state
                )));
            }
            r.resolve(target, &reason);
            let last = rid + 1 == t.runs.len();
            if last
                && target == "exception"
                && matches!(reason.as_str(), "worker-shutdown" | "intermittent-task")
                && t.retries_left > 0
                && t.runs.len() < MAX_RUNS
            {
                t.retries_left -= 1;
                let why = if reason == "intermittent-task" {
                    "task-retry"
                } else {
                    "retry"
                };
                t.runs.push(Run::new(why));
            }
            schedule_ready(q);
            let r = reply_status(q, &task_id);
            drop(db);
            state.work.notify_waiters();
            r
        }
        "createArtifact" => create_artifact(call, &state).await,
        "finishArtifact" => {
            let body = v::object(&call.payload, "data")?.clone();
            v::only(&body, &["uploadId"], "data")?;
            let upload_id = v::req_slugid(&body, "uploadId", "data")?.to_string();
            let rid = run_id(call);
            let name = call.param("name").to_string();
            let mut db = lock(&state.db);
            let key = (task_id.clone(), rid, name.clone());
            let known_run = db
                .queue
                .tasks
                .get(&task_id)
                .is_some_and(|t| rid < t.runs.len());
            let Some(a) = db.queue.artifacts.get(&key).filter(|_| known_run).cloned() else {
                return Err(TcError::not_found(format!(
                    "Artifact with taskId `{task_id}`, runId {rid}, name `{name}` not found"
                )));
            };
            let Details::Object {
                upload_id: expected,
            } = &a.details
            else {
                return Err(TcError::input("Only object artifacts can be finished"));
            };
            if a.present {
                return Ok(no_content());
            }
            if expected.as_deref() != Some(upload_id.as_str()) {
                return Err(TcError::input(
                    "given uploadId does not match that for the artifact",
                ));
            }
            if !crate::services::object::is_finished(&db, &object_name(&task_id, rid, &name)) {
                return Err(TcError::input(
                    "Object storing artifact data does not exist",
                ));
            }
            if let Some(a) = db.queue.artifacts.get_mut(&key) {
                a.present = true;
                a.details = Details::Object { upload_id: None };
            }
            Ok(no_content())
        }
        "listArtifacts" | "listLatestArtifacts" => {
            let after = after_key(call)?;
            let limit = limit(call, 1000, 1000);
            let db = lock(&state.db);
            let t = get_task(&db.queue, call.ep.name, &task_id)?;
            if t.runs.is_empty() {
                return Err(TcError::not_found("Task doesn't have any runs"));
            }
            let rid = if call.ep.name == "listArtifacts" {
                let rid = run_id(call);
                if rid >= t.runs.len() {
                    return Err(TcError::not_found(format!(
                        "Task with taskId: `{task_id}` has no run with runId: {}",
                        call.param("runId")
                    )));
                }
                rid
            } else {
                t.runs.len() - 1
            };
            let items = db
                .queue
                .artifacts
                .range((task_id.clone(), rid, String::new())..)
                .take_while(|((t, r, _), _)| *t == task_id && *r == rid)
                .filter(|(_, a)| a.present)
                .map(|((_, _, n), a)| (n.clone(), a.json(n)))
                .collect();
            let (page, token) = paginate(items, after, limit);
            let mut out = json!({ "artifacts": page });
            if let Some(t) = token {
                out["continuationToken"] = json!(t);
            }
            ok(out)
        }
        "artifactInfo" | "latestArtifactInfo" => {
            let name = call.param("name").to_string();
            let db = lock(&state.db);
            let t = get_task(&db.queue, call.ep.name, &task_id)?;
            let rid = if call.ep.name == "artifactInfo" {
                run_id(call)
            } else {
                t.runs
                    .len()
                    .checked_sub(1)
                    .ok_or_else(|| TcError::not_found("Task doesn't have any runs"))?
            };
            match db
                .queue
                .artifacts
                .get(&(task_id.clone(), rid, name.clone()))
            {
                Some(a) if a.present => ok(a.json(&name)),
                _ => Err(TcError::not_found("Artifact not found")),
            }
        }
        "getArtifact" | "getLatestArtifact" | "artifact" | "latestArtifact" => {
            artifact_download(call, &state)
        }
        _ => match crate::services::workers::handle(call, &state) {
            Some(reply) => reply,
            None => Ok(not_found()),
        },
    }
}

fn no_content() -> Response {
    let mut resp = Response::new(axum::body::Body::empty());
    *resp.status_mut() = http::StatusCode::NO_CONTENT;
    resp
}

async fn claim_work(call: &mut Call, state: &AppState) -> Reply {
    let body = v::object(&call.payload, "data")?.clone();
    v::only(&body, &["workerGroup", "workerId", "tasks"], "data")?;
    let wg = v::req_str(&body, "workerGroup", "data")?.to_string();
    let wid = v::req_str(&body, "workerId", "data")?.to_string();
    v::identifier(&wg, "data/workerGroup")?;
    v::identifier(&wid, "data/workerId")?;
    let n = match body.get("tasks") {
        None => 1,
        Some(t) => t
            .as_u64()
            .filter(|n| (1..=32).contains(n))
            .ok_or_else(|| v::fail("data/tasks must be an integer between 1 and 32"))?
            as usize,
    };
    call.authorize(json!({"workerGroup": wg, "workerId": wid}))?;
    let tq = call.param("taskQueueId").to_string();
    let deadline = tokio::time::Instant::now() + CLAIM_WAIT;
    let key = (tq.clone(), wg.clone(), wid.clone());
    let quarantined = {
        let mut db = lock(&state.db);
        // the worker and its task queue are recorded as seen on every call
        worker_info_seen(&mut db.queue, &tq, Some((&wg, &wid)));
        db.queue.workers[&key].quarantine_until_ms > now_ms()
    };
    if quarantined {
        // a quarantined worker gets no work, after the usual wait
        tokio::time::sleep_until(deadline).await;
        return ok(json!({ "tasks": [] }));
    }
    loop {
        let notified = state.work.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        let claims = {
            let mut db = lock(&state.db);
            let q = &mut db.queue;
            maintain(q);
            let mut pending: Vec<(usize, u64, String)> = q
                .tasks
                .iter()
                .filter(|(_, t)| t.task_queue_id == tq && t.state() == "pending")
                .map(|(id, t)| (t.priority_rank(), t.seq, id.clone()))
                .collect();
            pending.sort();
            let claims = pending
                .into_iter()
                .take(n)
                .filter_map(|(_, _, id)| claim(state, q, &id, &wg, &wid))
                .collect::<Vec<_>>();
            for c in &claims {
                let run_id = c["runId"].as_u64().unwrap_or_default() as usize;
                let task_id = c["status"]["taskId"].as_str().unwrap_or_default();
                worker_task_seen(q, &key, task_id, run_id);
            }
            claims
        };
        if !claims.is_empty() {
            return ok(json!({ "tasks": claims }));
        }
        if tokio::time::timeout_at(deadline, notified).await.is_err() {
            return ok(json!({ "tasks": [] }));
        }
    }
}

/// A parsed createArtifact request.
struct ArtifactRequest {
    storage_type: String,
    content_type: Option<String>,
    expires_ms: i64,
    content_length: Option<u64>,
    details: Details,
}

fn parse_artifact_request(p: &Value) -> Result<ArtifactRequest, TcError> {
    let o = v::object(p, "data")?;
    let st = v::req_str(o, "storageType", "data")?.to_string();
    let expires = v::req_date(o, "expires", "data")?;
    let ct = v::opt_str(o, "contentType", "data")?.map(str::to_string);
    let details = match st.as_str() {
        "s3" => {
            v::only(o, &["storageType", "expires", "contentType"], "data")?;
            Details::S3 {
                key: crate::storage::new_key(),
            }
        }
        "object" => {
            v::only(
                o,
                &["storageType", "expires", "contentType", "contentLength"],
                "data",
            )?;
            Details::Object { upload_id: None }
        }
        "reference" => {
            v::only(o, &["storageType", "expires", "contentType", "url"], "data")?;
            Details::Reference {
                url: v::req_str(o, "url", "data")?.to_string(),
            }
        }
        "link" => {
            v::only(
                o,
                &["storageType", "expires", "contentType", "artifact"],
                "data",
            )?;
            Details::Link {
                artifact: v::req_str(o, "artifact", "data")?.to_string(),
            }
        }
        "error" => {
            v::only(o, &["storageType", "expires", "reason", "message"], "data")?;
            let reason = v::req_str(o, "reason", "data")?.to_string();
            if !matches!(
                reason.as_str(),
                "file-missing-on-worker"
                    | "invalid-resource-on-worker"
                    | "too-large-file-on-worker"
            ) {
                return Err(v::fail(
                    "data/reason must be equal to one of the allowed values",
                ));
            }
            Details::Error {
                reason,
                message: v::req_str(o, "message", "data")?.to_string(),
            }
        }
        _ => {
            return Err(v::fail(
                "data/storageType must be equal to one of the allowed values",
            ))
        }
    };
    Ok(ArtifactRequest {
        storage_type: st,
        content_type: ct,
        expires_ms: expires,
        content_length: o.get("contentLength").and_then(Value::as_u64),
        details,
    })
}

/// Create (or idempotently re-create) an artifact; returns the createArtifact response.
/// Scopes are the caller's business.
pub(crate) fn put_artifact(
    state: &AppState,
    db: &mut Db,
    task_id: &str,
    rid: usize,
    name: &str,
    payload: &Value,
    flags: &[FaultFlag],
) -> Result<Value, TcError> {
    let ArtifactRequest {
        storage_type: st,
        content_type: ct,
        expires_ms: expires,
        content_length: len,
        mut details,
    } = parse_artifact_request(payload)?;
    let content_type = ct.unwrap_or_else(|| "application/binary".into());
    if expires < now_ms() - 15 * 60 * 1000 {
        return Err(TcError::input("Expires must be in the future"));
    }
    let t = db
        .queue
        .tasks
        .get(task_id)
        .ok_or_else(|| TcError::input("Task not found"))?;
    let Some(run) = t.runs.get(rid) else {
        return Err(TcError::input("Run not found"));
    };
    let (Some(wg), Some(wid)) = (run.worker_group.clone(), run.worker_id.clone()) else {
        return Err(TcError::input(
            "Run was not claimed by a worker and so no artifacts can exist",
        ));
    };
    if expires > t.expires_ms {
        return Err(TcError::input(format!(
            "Artifact expires ({}) after the task expiration {} (task.expires < expires) - this is not allowed, artifacts may not expire after the task they belong to expires",
            iso(expires),
            iso(t.expires_ms)
        )));
    }
    if run.state != "running" {
        let allow = run.state == "exception"
            && run
                .resolved_ms
                .is_some_and(|r| r > now_ms() - 25 * 60 * 1000);
        if !allow {
            return Err(TcError::conflict(format!(
                "Artifacts cannot be created for a task after it is resolved, unless it is resolved 'exception', and even in this case only up to 25 min past resolution.This to ensure that artifacts have been uploaded before a task is 'completed' and output is consumed by a dependent task\n\nTask status: {}",
                t.status(task_id)
            )));
        }
    }
    let project_id = t.project_id.clone();
    let key = (task_id.to_string(), rid, name.to_string());
    if let Some(orig) = db.queue.artifacts.get(&key) {
        let same_type = orig.storage_type == st;
        let compatible = (st == "link" || orig.content_type == content_type)
            && orig.expires_ms <= expires
            && if same_type {
                match (&orig.details, &details) {
                    (Details::S3 { .. }, Details::S3 { .. }) => true,
                    (Details::Object { .. }, Details::Object { .. }) => !orig.present,
                    (Details::Reference { .. }, _) => true,
                    (a, b) => a == b,
                }
            } else {
                orig.storage_type == "reference" && st == "link"
            };
        if !compatible {
            return Err(TcError::conflict(format!(
                "Artifact already exists with different properties, and none of the allowed exceptions apply: {}",
                json!({"storageType": orig.storage_type, "contentType": orig.content_type, "expires": iso(orig.expires_ms)})
            )));
        }
        // keep the blob key / uploadId of the original (retries refresh URLs, not content)
        if same_type && matches!(orig.details, Details::S3 { .. } | Details::Object { .. }) {
            details = orig.details.clone();
        }
    }
    let object_name = object_name(task_id, rid, name);
    if let Details::Object { upload_id } = &mut details {
        if upload_id.is_none() {
            *upload_id = Some(crate::util::slugid());
        }
        let uid = upload_id.clone().unwrap_or_default();
        crate::services::object::lock_in(
            db,
            &object_name,
            &project_id,
            &uid,
            expires,
            &BTreeMap::new(),
        )?;
    }
    let present = !matches!(details, Details::Object { .. });
    db.queue.artifacts.insert(
        key,
        Artifact {
            storage_type: st.clone(),
            content_type: content_type.clone(),
            expires_ms: expires,
            present,
            content_length: len,
            details: details.clone(),
        },
    );
    Ok(match details {
        Details::S3 { key } => {
            let exp = if flags.contains(&FaultFlag::ExpireUrl) {
                now_ms() - 1000
            } else {
                now_ms() + 45 * 60 * 1000
            };
            let url = crate::storage::put_url_any_length(state, &key, exp + 10_000, &content_type);
            json!({
                "storageType": "s3",
                "contentType": content_type,
                "expires": iso(exp),
                "putUrl": url,
            })
        }
        Details::Object { upload_id } => {
            let expiry = expires.min(now_ms() + 24 * 3600 * 1000);
            let creds = crate::tempcreds::from_queue(
                state,
                &format!("artifact-upload/{task_id}/{rid}/on/{wg}/{wid}"),
                &[format!("object:upload:{project_id}:{object_name}")],
                now_ms(),
                expiry,
            );
            json!({
                "storageType": "object",
                "name": object_name,
                "projectId": project_id,
                "uploadId": upload_id,
                "expires": iso(expires),
                "credentials": creds,
            })
        }
        _ => json!({ "storageType": st }),
    })
}

async fn create_artifact(call: &mut Call, state: &AppState) -> Reply {
    let rid = run_id(call);
    let name = call.param("name").to_string();
    let task_id = call.param("taskId").to_string();
    let mut db = lock(&state.db);
    let out = put_artifact(
        state,
        &mut db,
        &task_id,
        rid,
        &name,
        &call.payload,
        &call.flags,
    )?;
    ok(out)
}

/// Follow links from `name`, authorizing every hop; returns the final name and artifact.
fn follow_links(
    call: &mut Call,
    state: &AppState,
    task_id: &str,
    rid: usize,
    name: &str,
) -> Result<(String, Artifact), TcError> {
    let mut names: Vec<String> = Vec::new();
    let mut name = name.to_string();
    loop {
        names.push(name.clone());
        call.authorize(json!({ "names": names }))?;
        let a = lock(&state.db)
            .queue
            .artifacts
            .get(&(task_id.to_string(), rid, name.clone()))
            .cloned();
        let a = match a {
            Some(a) if a.present => a,
            _ => return Err(TcError::not_found("Artifact not found")),
        };
        if a.expires_ms < now_ms() {
            return Err(TcError::new("ResourceExpired", "Artifact expired"));
        }
        let Details::Link { artifact } = &a.details else {
            return Ok((name, a));
        };
        if names.contains(artifact) {
            return Err(TcError::input("Artifact leads to a link cycle"));
        }
        name = artifact.clone();
    }
}

fn with_storage_type(mut resp: Response, st: &str) -> Response {
    if let Ok(v) = HeaderValue::from_str(st) {
        resp.headers_mut()
            .insert("x-taskcluster-artifact-storage-type", v);
    }
    resp
}

fn artifact_download(call: &mut Call, state: &AppState) -> Reply {
    let task_id = call.param("taskId").to_string();
    let name = call.param("name").to_string();
    let latest = matches!(call.ep.name, "getLatestArtifact" | "latestArtifact");
    let redirect = matches!(call.ep.name, "getArtifact" | "getLatestArtifact");
    // permission on the requested name first, before revealing whether the task exists
    call.authorize(json!({ "names": [name] }))?;
    let rid = if latest {
        let db = lock(&state.db);
        let t = get_task(&db.queue, call.ep.name, &task_id)?;
        t.runs
            .len()
            .checked_sub(1)
            .ok_or_else(|| TcError::not_found("Task doesn't have any runs"))?
    } else {
        run_id(call)
    };
    let (final_name, a) = follow_links(call, state, &task_id, rid, &name)?;
    let st = a.storage_type.clone();
    let expired_urls = call.flags.contains(&FaultFlag::ExpireUrl);
    let (body, url) = match &a.details {
        Details::S3 { key } => {
            let exp = if expired_urls {
                now_ms() - 1000
            } else {
                now_ms() + 30 * 60 * 1000
            };
            let url = crate::storage::get_url(state, key, exp);
            (json!({"storageType": st, "url": url}), Some(url))
        }
        Details::Reference { url } => (json!({"storageType": st, "url": url}), Some(url.clone())),
        Details::Object { .. } => {
            let oname = object_name(&task_id, rid, &final_name);
            if redirect {
                let url = crate::services::object::simple_url(state, &oname, &call.flags)
                    .ok_or_else(|| TcError::not_found("Object does not exist."))?;
                (json!({"storageType": st, "url": url}), Some(url))
            } else {
                let creds = crate::tempcreds::from_queue(
                    state,
                    &format!("artifact-download/{task_id}/{rid}/{final_name}"),
                    &[format!("object:download:{oname}")],
                    now_ms(),
                    now_ms() + 3600 * 1000,
                );
                (
                    json!({"storageType": st, "name": oname, "credentials": creds}),
                    None,
                )
            }
        }
        Details::Error { reason, message } => {
            if redirect {
                let resp = json_response(424, &json!({"reason": reason, "message": message}));
                return Ok(with_storage_type(resp, &st));
            }
            (
                json!({"storageType": st, "reason": reason, "message": message}),
                None,
            )
        }
        Details::Link { .. } => {
            return Err(TcError::new(
                "InternalServerError",
                "unexpected artifact with storageType `link`",
            ))
        }
    };
    let resp = match (redirect, url) {
        (true, Some(url)) => {
            let mut r = json_response(303, &body);
            if let Ok(v) = HeaderValue::from_str(&url) {
                r.headers_mut().insert(http::header::LOCATION, v);
            }
            r
        }
        _ => json_response(200, &body),
    };
    Ok(with_storage_type(resp, &st))
}
