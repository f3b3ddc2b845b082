//! The queue's worker metadata, as v106 keeps it: task queues (with the deprecated provisioner
//! and worker-type views over them), workers (seen when they claim, declared, quarantined), the
//! pending and claimed lists of a task queue, and task priority changes. The queue's handler
//! ([`crate::services::queue`]) dispatches these endpoints here after its lazy maintenance.

use crate::call::{after_key, limit, ok, paginate, Call, Reply};
use crate::clock::now_ms;
use crate::errors::TcError;
use crate::state::queue::{task_queue_seen, worker_seen, QueueDb, TaskQueue, Worker, PRIORITIES};
use crate::state::AppState;
use crate::util::{iso, lock, parse_iso};
use crate::validate as v;
use serde_json::{json, Map, Value};

const DAY_MS: i64 = 86_400_000;

/// `provisionerId`, `workerType` of a task queue id.
fn split(task_queue_id: &str) -> (&str, &str) {
    task_queue_id.split_once('/').unwrap_or((task_queue_id, ""))
}

/// The task queues not expired at `now`, by id.
fn live_queues(q: &QueueDb, now: i64) -> impl Iterator<Item = (&String, &TaskQueue)> {
    q.task_queues
        .iter()
        .filter(move |(_, t)| t.expires_ms > now)
}

/// v106's emulated provisioner: the task queues under `provisionerId`, their latest expiry
/// and last activity, an empty description and `experimental`.
fn provisioner(q: &QueueDb, provisioner_id: &str, now: i64) -> Option<Value> {
    let (expires, active) = live_queues(q, now)
        .filter(|(id, _)| split(id).0 == provisioner_id)
        .fold(None, |acc: Option<(i64, i64)>, (_, t)| {
            Some(match acc {
                None => (t.expires_ms, t.last_date_active_ms),
                Some((e, a)) => (e.max(t.expires_ms), a.max(t.last_date_active_ms)),
            })
        })?;
    Some(json!({
        "provisionerId": provisioner_id,
        "expires": iso(expires),
        "lastDateActive": iso(active),
        "description": "",
        "stability": "experimental",
        "actions": [],
    }))
}

/// A task queue as a worker type (`serialize()` plus `provisionerId`, `workerType`).
fn worker_type_json(id: &str, t: &TaskQueue) -> Value {
    let mut o = t.json(id);
    let (p, w) = split(id);
    o["provisionerId"] = json!(p);
    o["workerType"] = json!(w);
    o
}

/// `Worker.serialize()` plus `provisionerId`, `workerType` and no actions.
fn worker_json(key: &(String, String, String), w: &Worker) -> Value {
    let (p, wt) = split(&key.0);
    json!({
        "taskQueueId": key.0,
        "workerGroup": key.1,
        "workerId": key.2,
        "quarantineUntil": iso(w.quarantine_until_ms),
        "expires": iso(w.expires_ms),
        "firstClaim": iso(w.first_claim_ms),
        "recentTasks": w.recent_tasks,
        "lastDateActive": iso(w.last_date_active_ms),
        "provisionerId": p,
        "workerType": wt,
        "actions": [],
    })
}

/// A reply of a method whose output schema the vendored references do not map (the methods
/// that only v106 has), checked against it as every other reply is.
fn ok_checked(call: &Call, schema: &str, value: Value) -> Reply {
    if let Err(lines) = crate::schema::check(schema, &value) {
        return Err(crate::schema::output_error(
            &call.state.root_url,
            schema,
            &lines,
        ));
    }
    ok(value)
}

/// The checks of a declare body against v106's `update-provisioner-request` /
/// `update-workertype-request` (not in the vendored references): an object of `stability`
/// (one of three), `description`, `expires` (a date-time) and, for a provisioner, `actions`.
fn declare_body(
    call: &Call,
    schema: &str,
    allowed: &[&str],
) -> Result<Map<String, Value>, TcError> {
    let mut lines = Vec::new();
    let Some(o) = call.payload.as_object() else {
        lines.push("data must be object".to_string());
        return Err(invalid(call, schema, &lines));
    };
    for (k, val) in o {
        match k.as_str() {
            "stability" => match val.as_str() {
                None => lines.push("data/stability must be string".into()),
                Some(s) if !matches!(s, "experimental" | "stable" | "deprecated") => {
                    lines.push("data/stability must be equal to one of the allowed values".into())
                }
                _ => {}
            },
            "description" if !val.is_string() => {
                lines.push("data/description must be string".into())
            }
            "expires" => match val.as_str() {
                None => lines.push("data/expires must be string".into()),
                Some(s) if parse_iso(s).is_none() => {
                    lines.push("data/expires must match format \"date-time\"".into())
                }
                _ => {}
            },
            "actions" if allowed.contains(&"actions") && !val.is_array() => {
                lines.push("data/actions must be array".into())
            }
            k if !allowed.contains(&k) => lines.push(format!(
                "data must NOT have additional properties: {}",
                serde_json::to_string(k).unwrap_or_default()
            )),
            _ => {}
        }
    }
    if lines.is_empty() {
        Ok(o.clone())
    } else {
        Err(invalid(call, schema, &lines))
    }
}

fn invalid(call: &Call, schema: &str, lines: &[String]) -> TcError {
    crate::schema::input_error(&call.state.root_url, schema, lines)
}

/// A list reply: `items` paged under `field`.
fn page(call: &Call, field: &str, items: Vec<(String, Value)>) -> Reply {
    let after = after_key(call)?;
    let limit = limit(call, 1000, 1000);
    let (page, token) = paginate(items, after, limit);
    let mut out = json!({ field: page });
    if let Some(t) = token {
        out["continuationToken"] = json!(t);
    }
    ok(out)
}

fn worker_not_found(call: &Call, suffix: &str) -> TcError {
    TcError::not_found(format!(
        "Worker with workerId `{}`, workerGroup `{}`,worker-type `{}` and provisionerId `{}` not found.{suffix}",
        call.param("workerId"),
        call.param("workerGroup"),
        call.param("workerType"),
        call.param("provisionerId"),
    ))
}

/// Handle the worker-metadata endpoints; `None` for another endpoint.
pub(crate) fn handle(call: &mut Call, state: &AppState) -> Option<Reply> {
    let now = now_ms();
    let provisioner_id = call.param("provisionerId").to_string();
    let tq_of_params = format!("{provisioner_id}/{}", call.param("workerType"));
    let worker_key = (
        tq_of_params.clone(),
        call.param("workerGroup").to_string(),
        call.param("workerId").to_string(),
    );
    Some(match call.ep.name {
        "listProvisioners" => {
            let db = lock(&state.db);
            let mut ids: Vec<&str> = live_queues(&db.queue, now)
                .map(|(id, _)| split(id).0)
                .collect();
            ids.dedup();
            // v106 pages these by offset but never hands out its token (it reads a field the
            // page does not have): a caller gets the first `limit` and no continuationToken
            let provisioners: Vec<Value> = ids
                .into_iter()
                .take(limit(call, 1000, 1000))
                .filter_map(|p| provisioner(&db.queue, p, now))
                .collect();
            ok(json!({ "provisioners": provisioners }))
        }
        "getProvisioner" => {
            let db = lock(&state.db);
            match provisioner(&db.queue, &provisioner_id, now) {
                Some(p) => ok(p),
                None => Err(provisioner_not_found(&provisioner_id)),
            }
        }
        "declareProvisioner" => (|| {
            let schema = "queue/v1/update-provisioner-request.json";
            let body = declare_body(
                call,
                schema,
                &["stability", "description", "expires", "actions"],
            )?;
            let properties: Vec<&String> = body.keys().collect();
            call.authorize(json!({ "properties": properties }))?;
            let db = lock(&state.db);
            match provisioner(&db.queue, &provisioner_id, now) {
                Some(p) => ok_checked(call, "queue/v1/provisioner-response.json", p),
                None => Err(provisioner_not_found(&provisioner_id)),
            }
        })(),
        "listWorkerTypes" => {
            let db = lock(&state.db);
            let items = live_queues(&db.queue, now)
                .filter(|(id, _)| split(id).0 == provisioner_id)
                .map(|(id, t)| (id.clone(), worker_type_json(id, t)))
                .collect();
            page(call, "workerTypes", items)
        }
        "getWorkerType" | "declareWorkerType" => (|| {
            if call.ep.name == "declareWorkerType" {
                let schema = "queue/v1/update-workertype-request.json";
                let body = declare_body(call, schema, &["stability", "description", "expires"])?;
                let properties: Vec<&String> = body.keys().collect();
                call.authorize(json!({ "properties": properties }))?;
                let expires = body
                    .get("expires")
                    .and_then(Value::as_str)
                    .and_then(parse_iso)
                    .unwrap_or(now + 5 * DAY_MS);
                task_queue_seen(
                    &mut lock(&state.db).queue,
                    &tq_of_params,
                    Some(expires),
                    body.get("description").and_then(Value::as_str),
                    body.get("stability").and_then(Value::as_str),
                );
            }
            let db = lock(&state.db);
            let Some(t) = db
                .queue
                .task_queues
                .get(&tq_of_params)
                .filter(|t| t.expires_ms > now)
            else {
                return Err(TcError::not_found(format!(
                    "Worker-type `{}` with Provisioner `{provisioner_id}` not found. Are you sure it was created?",
                    call.param("workerType")
                )));
            };
            let mut o = worker_type_json(&tq_of_params, t);
            o["actions"] = json!([]);
            ok_checked(call, "queue/v1/workertype-response.json", o)
        })(),
        "listTaskQueues" => {
            let db = lock(&state.db);
            let items = live_queues(&db.queue, now)
                .map(|(id, t)| (id.clone(), t.json(id)))
                .collect();
            page(call, "taskQueues", items)
        }
        "getTaskQueue" => {
            let id = call.param("taskQueueId").to_string();
            let db = lock(&state.db);
            match db.queue.task_queues.get(&id).filter(|t| t.expires_ms > now) {
                Some(t) => ok(t.json(&id)),
                None => Err(TcError::not_found(format!(
                    "Task queue with `{id}` not found. Are you sure it was created?"
                ))),
            }
        }
        "listWorkers" => {
            let quarantined = call.query.get("quarantined").cloned();
            let db = lock(&state.db);
            let items = db
                .queue
                .workers
                .iter()
                .filter(|(k, _)| k.0 == tq_of_params)
                .filter(|(_, w)| match quarantined.as_deref() {
                    Some("true") => w.quarantine_until_ms >= now,
                    Some("false") => w.quarantine_until_ms < now,
                    _ => true,
                })
                // quarantined workers stay visible after they expire
                .filter(|(_, w)| w.expires_ms >= now || w.quarantine_until_ms >= now)
                .map(|(k, w)| {
                    let mut o = json!({
                        "workerGroup": k.1,
                        "workerId": k.2,
                        "firstClaim": iso(w.first_claim_ms),
                        "lastDateActive": iso(w.last_date_active_ms),
                    });
                    if let Some(t) = w.recent_tasks.last() {
                        o["latestTask"] = t.clone();
                    }
                    if w.quarantine_until_ms > now {
                        o["quarantineUntil"] = json!(iso(w.quarantine_until_ms));
                    }
                    (format!("{}/{}", k.1, k.2), o)
                })
                .collect();
            page(call, "workers", items)
        }
        "getWorker" => {
            let db = lock(&state.db);
            let worker = db
                .queue
                .workers
                .get(&worker_key)
                .filter(|w| w.expires_ms > now || w.quarantine_until_ms > now);
            let queue_live = db
                .queue
                .task_queues
                .get(&tq_of_params)
                .is_some_and(|t| t.expires_ms > now);
            match worker {
                Some(w) if queue_live => ok(worker_json(&worker_key, w)),
                _ => Err(worker_not_found(call, " Are you sure it was created?")),
            }
        }
        "quarantineWorker" => (|| {
            let body = v::object(&call.payload, "data")?;
            let until = body
                .get("quarantineUntil")
                .and_then(Value::as_str)
                .and_then(parse_iso)
                .ok_or_else(|| v::fail("data must have required property 'quarantineUntil'"))?;
            let info = body
                .get("quarantineInfo")
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .unwrap_or("[unspecified]")
                .to_string();
            let details = json!({
                "clientId": call.caller.client_id.clone().unwrap_or_default(),
                "updatedAt": iso(now),
                "quarantineUntil": body["quarantineUntil"],
                "quarantineInfo": info,
            });
            let mut db = lock(&state.db);
            let Some(w) = db.queue.workers.get_mut(&worker_key) else {
                return Err(worker_not_found(call, ""));
            };
            w.quarantine_until_ms = until;
            w.expires_ms = w.expires_ms.max(now + DAY_MS);
            w.quarantine_details.push(details);
            ok(worker_json(&worker_key, w))
        })(),
        "declareWorker" => (|| {
            let body = v::object(&call.payload, "data")?.clone();
            let properties: Vec<&String> = body.keys().collect();
            call.authorize(json!({ "properties": properties }))?;
            let expires = body
                .get("expires")
                .and_then(Value::as_str)
                .and_then(parse_iso);
            let mut db = lock(&state.db);
            task_queue_seen(&mut db.queue, &tq_of_params, expires, None, None);
            worker_seen(&mut db.queue, worker_key.clone(), expires);
            match db.queue.workers.get(&worker_key) {
                Some(w) if w.expires_ms > now || w.quarantine_until_ms > now => {
                    ok(worker_json(&worker_key, w))
                }
                // v106 serializes what its lookup did not find: a server error
                _ => Err(TcError::new(
                    "InternalServerError",
                    "Cannot read properties of undefined (reading 'serialize')",
                )),
            }
        })(),
        "listPendingTasks" | "listClaimedTasks" => {
            let tq = call.param("taskQueueId").to_string();
            let pending = call.ep.name == "listPendingTasks";
            let db = lock(&state.db);
            let mut rows: Vec<(i64, String, Value)> = db
                .queue
                .tasks
                .iter()
                .filter(|(_, t)| t.task_queue_id == tq && t.deadline_ms > now)
                .filter_map(|(id, t)| {
                    let run_id = t.runs.len().checked_sub(1)?;
                    let r = &t.runs[run_id];
                    if pending && r.state == "pending" {
                        Some((
                            r.scheduled_ms,
                            id.clone(),
                            json!({"taskId": id, "runId": run_id, "task": t.def, "inserted": iso(r.scheduled_ms)}),
                        ))
                    } else if !pending && r.state == "running" {
                        let claimed = r.started_ms.unwrap_or(r.scheduled_ms);
                        Some((
                            claimed,
                            id.clone(),
                            json!({
                                "taskId": id, "runId": run_id,
                                "workerGroup": r.worker_group, "workerId": r.worker_id,
                                "claimed": iso(claimed), "task": t.def,
                            }),
                        ))
                    } else {
                        None
                    }
                })
                .collect();
            // oldest first (insertion / claim time), then by taskId
            rows.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
            let items = rows
                .into_iter()
                .map(|(t, id, v)| (format!("{t:015}/{id}"), v))
                .collect();
            page(call, "tasks", items)
        }
        "changeTaskPriority" => (|| {
            let task_id = call.param("taskId").to_string();
            let new = new_priority(call)?;
            let tq = {
                let db = lock(&state.db);
                let t = db.queue.tasks.get(&task_id).ok_or_else(|| {
                    TcError::not_found(format!(
                        "Task `{task_id}` not found. Are you sure it was created?"
                    ))
                })?;
                t.task_queue_id.clone()
            };
            call.authorize(json!({ "taskQueueId": tq }))?;
            let mut db = lock(&state.db);
            let t = db.queue.tasks.get_mut(&task_id).ok_or_else(|| {
                TcError::not_found(format!(
                    "Task `{task_id}` not found. Are you sure it was created?"
                ))
            })?;
            if t.deadline_ms <= now {
                return Err(TcError::conflict(format!(
                    "Task `{task_id}` can't be reprioritized past its deadline of {}.",
                    iso(t.deadline_ms)
                )));
            }
            if ever_resolved(t) || t.priority == new {
                return Err(TcError::conflict(format!(
                    "Task `{task_id}` is already resolved and cannot be reprioritized."
                )));
            }
            t.priority = new.clone();
            t.def["priority"] = json!(new);
            ok(json!({ "status": t.status(&task_id) }))
        })(),
        "changeTaskGroupPriority" => (|| {
            let group_id = call.param("taskGroupId").to_string();
            let sched = lock(&state.db)
                .queue
                .groups
                .get(&group_id)
                .map(|g| g.scheduler_id.clone())
                .ok_or_else(|| TcError::not_found(format!("Task group `{group_id}` not found.")))?;
            call.authorize(json!({ "schedulerId": sched }))?;
            let new = new_priority(call)?;
            let mut db = lock(&state.db);
            let mut ids = Vec::new();
            for (id, t) in db.queue.tasks.iter_mut() {
                if t.task_group_id == group_id
                    && !ever_resolved(t)
                    && t.deadline_ms > now
                    && t.priority != new
                {
                    t.priority = new.clone();
                    t.def["priority"] = json!(new);
                    ids.push(id.clone());
                }
            }
            ok(json!({
                "taskGroupId": group_id,
                "schedulerId": sched,
                "newPriority": new,
                "tasksAffected": ids.len(),
                "taskIds": ids,
            }))
        })(),
        _ => return None,
    })
}

fn provisioner_not_found(provisioner_id: &str) -> TcError {
    TcError::not_found(format!(
        "Provisioner `{provisioner_id}` not found. Are you sure it was created?"
    ))
}

/// `newPriority` of a change-task-priority request (the schema has checked it is a string;
/// v106's handler refuses a level it does not know).
fn new_priority(call: &Call) -> Result<String, TcError> {
    let p = call.payload["newPriority"].as_str().unwrap_or_default();
    if !PRIORITIES.contains(&p) {
        return Err(TcError::input(format!("Unknown priority `{p}`.")));
    }
    Ok(p.to_string())
}

/// v106's `ever_resolved`: the task was resolved once (a rerun keeps it so).
fn ever_resolved(t: &crate::state::queue::Task) -> bool {
    t.resolved() || t.runs.iter().any(|r| r.reason_created == "rerun")
}
