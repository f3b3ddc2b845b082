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

/// In-memory queue data.
#[derive(Debug, Default)]
pub(crate) struct QueueDb {
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
