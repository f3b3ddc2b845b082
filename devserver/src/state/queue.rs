//! The queue's records: tasks, their runs, artifacts and task groups.

use crate::clock::now_ms;
use crate::util::iso;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// Maximum runs per task.
pub(crate) const MAX_RUNS: usize = 50;
/// Priorities, highest first.
pub(crate) const PRIORITIES: [&str; 7] = [
    "highest",
    "very-high",
    "high",
    "medium",
    "low",
    "very-low",
    "lowest",
];

/// One run of a task.
#[derive(Debug, Clone)]
pub(crate) struct Run {
    pub(crate) state: String,
    pub(crate) reason_created: String,
    pub(crate) reason_resolved: Option<String>,
    pub(crate) worker_group: Option<String>,
    pub(crate) worker_id: Option<String>,
    pub(crate) taken_until_ms: Option<i64>,
    pub(crate) scheduled_ms: i64,
    pub(crate) started_ms: Option<i64>,
    pub(crate) resolved_ms: Option<i64>,
}

impl Run {
    pub(crate) fn new(reason: &str) -> Run {
        Run {
            state: "pending".into(),
            reason_created: reason.into(),
            reason_resolved: None,
            worker_group: None,
            worker_id: None,
            taken_until_ms: None,
            scheduled_ms: now_ms(),
            started_ms: None,
            resolved_ms: None,
        }
    }

    pub(crate) fn json(&self, run_id: usize) -> Value {
        let mut o = json!({
            "runId": run_id,
            "state": self.state,
            "reasonCreated": self.reason_created,
            "scheduled": iso(self.scheduled_ms),
        });
        if let Some(r) = &self.reason_resolved {
            o["reasonResolved"] = json!(r);
        }
        if let Some(w) = &self.worker_group {
            o["workerGroup"] = json!(w);
        }
        if let Some(w) = &self.worker_id {
            o["workerId"] = json!(w);
        }
        if let Some(t) = self.taken_until_ms {
            o["takenUntil"] = json!(iso(t));
        }
        if let Some(t) = self.started_ms {
            o["started"] = json!(iso(t));
        }
        if let Some(t) = self.resolved_ms {
            o["resolved"] = json!(iso(t));
        }
        o
    }

    pub(crate) fn resolve(&mut self, state: &str, reason: &str) {
        self.state = state.into();
        self.reason_resolved = Some(reason.into());
        self.resolved_ms = Some(now_ms());
    }
}

/// A task: its (normalized) definition plus status.
#[derive(Debug, Clone)]
pub(crate) struct Task {
    /// The definition as returned by `task()` (defaults filled in).
    pub(crate) def: Value,
    pub(crate) task_group_id: String,
    pub(crate) scheduler_id: String,
    pub(crate) project_id: String,
    pub(crate) task_queue_id: String,
    pub(crate) provisioner_id: String,
    pub(crate) worker_type: String,
    pub(crate) deadline_ms: i64,
    pub(crate) expires_ms: i64,
    pub(crate) retries: u64,
    pub(crate) retries_left: u64,
    pub(crate) dependencies: Vec<String>,
    pub(crate) requires: String,
    pub(crate) scopes: Vec<String>,
    pub(crate) priority: String,
    pub(crate) runs: Vec<Run>,
    /// Creation order, for FIFO claiming.
    pub(crate) seq: u64,
}

impl Task {
    pub(crate) fn state(&self) -> &str {
        self.runs
            .last()
            .map(|r| r.state.as_str())
            .unwrap_or("unscheduled")
    }

    pub(crate) fn resolved(&self) -> bool {
        matches!(self.state(), "completed" | "failed" | "exception")
    }

    pub(crate) fn status(&self, task_id: &str) -> Value {
        json!({
            "taskId": task_id,
            "provisionerId": self.provisioner_id,
            "workerType": self.worker_type,
            "taskQueueId": self.task_queue_id,
            "schedulerId": self.scheduler_id,
            "projectId": self.project_id,
            "taskGroupId": self.task_group_id,
            "deadline": iso(self.deadline_ms),
            "expires": iso(self.expires_ms),
            "retriesLeft": self.retries_left,
            "state": self.state(),
            "runs": self.runs.iter().enumerate().map(|(i, r)| r.json(i)).collect::<Vec<_>>(),
        })
    }

    pub(crate) fn priority_rank(&self) -> usize {
        let p = if self.priority == "normal" {
            "lowest"
        } else {
            self.priority.as_str()
        };
        PRIORITIES.iter().position(|x| *x == p).unwrap_or(6)
    }
}

/// Where an artifact's content is.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Details {
    /// Bytes in the blob store under this key.
    S3 { key: String },
    /// An object in the object service (`t/<taskId>/<runId>/<name>`); `upload_id` until
    /// finished.
    Object { upload_id: Option<String> },
    /// A URL chosen by the task.
    Reference { url: String },
    /// Another artifact of the same run.
    Link { artifact: String },
    /// An error instead of content.
    Error { reason: String, message: String },
}

/// An artifact of one run.
#[derive(Debug, Clone)]
pub(crate) struct Artifact {
    pub(crate) storage_type: String,
    pub(crate) content_type: String,
    pub(crate) expires_ms: i64,
    pub(crate) present: bool,
    pub(crate) content_length: Option<u64>,
    pub(crate) details: Details,
}

impl Artifact {
    pub(crate) fn json(&self, name: &str) -> Value {
        let mut o = json!({
            "storageType": self.storage_type,
            "name": name,
            "expires": iso(self.expires_ms),
            "contentType": self.content_type,
        });
        if let Some(l) = self.content_length {
            o["contentLength"] = json!(l);
        }
        o
    }
}

/// A task group.
#[derive(Debug, Clone)]
pub(crate) struct Group {
    pub(crate) scheduler_id: String,
    pub(crate) expires_ms: i64,
    pub(crate) sealed_ms: Option<i64>,
}

/// A task queue (a provisionerId/workerType pair) the queue has seen: v106's `task_queues`
/// row, created when a worker claims from it or when it is declared.
#[derive(Debug, Clone)]
pub(crate) struct TaskQueue {
    pub(crate) expires_ms: i64,
    pub(crate) last_date_active_ms: i64,
    pub(crate) description: String,
    pub(crate) stability: String,
}

impl TaskQueue {
    /// `TaskQueue.serialize()` of v106.
    pub(crate) fn json(&self, task_queue_id: &str) -> Value {
        json!({
            "taskQueueId": task_queue_id,
            "expires": iso(self.expires_ms),
            "lastDateActive": iso(self.last_date_active_ms),
            "description": self.description,
            "stability": self.stability,
        })
    }
}

/// A worker the queue has seen (v106's `queue_workers` row).
#[derive(Debug, Clone)]
pub(crate) struct Worker {
    /// In the past when the worker is not quarantined.
    pub(crate) quarantine_until_ms: i64,
    pub(crate) quarantine_details: Vec<Value>,
    pub(crate) expires_ms: i64,
    pub(crate) first_claim_ms: i64,
    /// The last 20 `{taskId, runId}` it claimed, oldest first.
    pub(crate) recent_tasks: Vec<Value>,
    pub(crate) last_date_active_ms: i64,
}

/// (taskQueueId, workerGroup, workerId).
pub(crate) type WorkerKey = (String, String, String);

/// `task_queue_seen`: create the task queue (description and stability as given, or `""` and
/// `experimental`), or bump its last-active time, its description and stability when given,
/// and its expiry, which never moves backward.
pub(crate) fn task_queue_seen(
    q: &mut QueueDb,
    task_queue_id: &str,
    expires_ms: Option<i64>,
    description: Option<&str>,
    stability: Option<&str>,
) {
    let now = now_ms();
    match q.task_queues.get_mut(task_queue_id) {
        Some(tq) => {
            tq.expires_ms = tq.expires_ms.max(expires_ms.unwrap_or(tq.expires_ms));
            tq.last_date_active_ms = now;
            if let Some(d) = description {
                tq.description = d.to_string();
            }
            if let Some(s) = stability {
                tq.stability = s.to_string();
            }
        }
        None => {
            q.task_queues.insert(
                task_queue_id.to_string(),
                TaskQueue {
                    expires_ms: expires_ms.unwrap_or(now),
                    last_date_active_ms: now,
                    description: description.unwrap_or_default().to_string(),
                    stability: stability.unwrap_or("experimental").to_string(),
                },
            );
        }
    }
}

/// `queue_worker_seen_with_last_date_active`: create the worker (not quarantined, first claim
/// now) or bump its last-active time and its expiry, which never moves backward.
pub(crate) fn worker_seen(q: &mut QueueDb, key: WorkerKey, expires_ms: Option<i64>) {
    let now = now_ms();
    match q.workers.get_mut(&key) {
        Some(w) => {
            w.expires_ms = w.expires_ms.max(expires_ms.unwrap_or(w.expires_ms));
            w.last_date_active_ms = now;
        }
        None => {
            q.workers.insert(
                key,
                Worker {
                    quarantine_until_ms: now - 10 * 365 * 86_400_000,
                    quarantine_details: Vec::new(),
                    expires_ms: expires_ms.unwrap_or(now),
                    first_claim_ms: now,
                    recent_tasks: Vec::new(),
                    last_date_active_ms: now,
                },
            );
        }
    }
}

/// What the queue records when a worker claims work (`WorkerInfo.seen` with the expiry v106
/// gives: 5 days for the task queue, 1 day for the worker).
pub(crate) fn worker_info_seen(q: &mut QueueDb, task_queue_id: &str, worker: Option<(&str, &str)>) {
    let now = now_ms();
    let expires = now
        + if worker.is_some() {
            86_400_000
        } else {
            5 * 86_400_000
        };
    task_queue_seen(q, task_queue_id, Some(expires), None, None);
    if let Some((group, id)) = worker {
        worker_seen(
            q,
            (task_queue_id.to_string(), group.to_string(), id.to_string()),
            Some(expires),
        );
    }
}

/// `queue_worker_task_seen`: remember a claimed run on an existing worker (the last 20).
pub(crate) fn worker_task_seen(q: &mut QueueDb, key: &WorkerKey, task_id: &str, run_id: usize) {
    if let Some(w) = q.workers.get_mut(key) {
        if w.recent_tasks.len() > 19 {
            w.recent_tasks.remove(0);
        }
        w.recent_tasks
            .push(json!({ "taskId": task_id, "runId": run_id }));
    }
}

/// In-memory queue data.
#[derive(Debug, Default)]
pub(crate) struct QueueDb {
    /// taskQueueId → task queue.
    pub(crate) task_queues: BTreeMap<String, TaskQueue>,
    pub(crate) workers: BTreeMap<WorkerKey, Worker>,
    pub(crate) tasks: BTreeMap<String, Task>,
    /// (taskId, runId, name) → artifact.
    pub(crate) artifacts: BTreeMap<(String, usize, String), Artifact>,
    pub(crate) groups: BTreeMap<String, Group>,
    pub(crate) seq: u64,
}

/// The object-service name of an object artifact.
pub(crate) fn object_name(task_id: &str, run_id: usize, name: &str) -> String {
    format!("t/{task_id}/{run_id}/{name}")
}
