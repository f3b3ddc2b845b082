//! What the in-process API ([`crate::DevServer`]) and the admin routes (`/__devserver/`) do to a
//! running server: add clients and fault rules, read what the object service holds.

use crate::faults::Fault;
use crate::state::{Client, FaultEntry, State};
use crate::support::ClientSeed;
use crate::util::lock;

/// What the object service holds for one object ([`crate::DevServer::stored_object`]).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StoredObject {
    /// projectId.
    pub project_id: String,
    /// Whether the upload was finished.
    pub finished: bool,
    /// Hashes recorded by createUpload/finishUpload (hex, by algorithm).
    pub hashes: std::collections::BTreeMap<String, String>,
    /// The blob, once the blob store holds it.
    pub blob: Option<StoredBlob>,
}

/// A blob as the blob store received it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StoredBlob {
    /// Stored length (of the encoded bytes, for an encoded blob).
    pub len: u64,
    /// Hex SHA-256 of the stored bytes, computed by the blob store as they arrived.
    pub sha256: String,
    /// Hex SHA-512 of the stored bytes.
    pub sha512: String,
    /// `Content-Type` it is served with.
    pub content_type: Option<String>,
    /// `Content-Encoding` it is served with.
    pub content_encoding: Option<String>,
}

/// Create or replace a permanent client (already validated).
pub(crate) fn add_client(state: &State, seed: &ClientSeed) {
    let now = state.clock.now_ms();
    let mut c = Client::new(&seed.client_id, &seed.access_token, seed.scopes.clone());
    if let Some(e) = seed.expires_ms {
        c.expires_ms = e;
    }
    c.created_ms = now;
    c.last_modified_ms = now;
    c.last_date_used_ms = now;
    c.last_rotated_ms = now;
    c.disabled = seed.disabled;
    c.description = seed.description.clone();
    lock(&state.db).clients.insert(seed.client_id.clone(), c);
}

pub(crate) fn stored_object(state: &State, name: &str) -> Option<StoredObject> {
    let db = lock(&state.db);
    let obj = db.objects.objects.get(name)?;
    Some(StoredObject {
        project_id: obj.project_id.clone(),
        finished: obj.upload_id.is_none(),
        hashes: obj.hashes.clone(),
        blob: db.blobs.get(&obj.blob_key).map(|b| StoredBlob {
            len: b.len,
            sha256: b.sha256.clone(),
            sha512: b.sha512.clone(),
            content_type: b.content_type.clone(),
            content_encoding: b.content_encoding.clone(),
        }),
    })
}

/// Add a fault rule (applied in insertion order, first match wins).
pub(crate) fn push_fault(state: &State, f: Fault) {
    let remaining = if f.times == 0 { None } else { Some(f.times) };
    lock(&state.faults).push(FaultEntry {
        fault: f,
        remaining,
    });
}
