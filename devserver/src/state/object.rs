//! The object service's records.

use std::collections::BTreeMap;

/// One object (finished or not).
#[derive(Debug, Clone)]
pub(crate) struct Obj {
    pub(crate) project_id: String,
    /// `Some` while the upload is unfinished.
    pub(crate) upload_id: Option<String>,
    pub(crate) expires_ms: i64,
    #[allow(dead_code)]
    pub(crate) upload_expires_ms: i64,
    pub(crate) hashes: BTreeMap<String, String>,
    /// Key of the blob holding the bytes.
    pub(crate) blob_key: String,
}

/// In-memory object data.
#[derive(Debug, Default)]
pub(crate) struct ObjectDb {
    pub(crate) objects: BTreeMap<String, Obj>,
}
