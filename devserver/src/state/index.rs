//! The index service's records.

use serde_json::Value;
use std::collections::BTreeMap;

/// One indexed task.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub(crate) task_id: String,
    pub(crate) rank: f64,
    pub(crate) data: Value,
    pub(crate) expires_ms: i64,
}

/// In-memory index data: full index path (`namespace.name`) → entry.
#[derive(Debug, Default)]
pub(crate) struct IndexDb {
    pub(crate) entries: BTreeMap<String, Entry>,
}
