//! Shared server state: the records of every service (auth's clients, roles and secrets here;
//! the others' in the leaf modules below), fault rules, the request log and the server's
//! settings. Handlers reach it through [`crate::call::Call`]; nothing here knows a handler.

pub(crate) mod blobs;
pub(crate) mod hooks;
pub(crate) mod index;
pub(crate) mod object;
pub(crate) mod queue;

use crate::clock::{now_ms, ClockCell};
use crate::faults::{Fault, RequestRecord};
use crate::hawkauth::{ClientSource, LoadedClient};
use crate::scopes;
use crate::util::iso;
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use tokio::sync::watch;

/// A permanent client.
#[derive(Debug, Clone)]
pub(crate) struct Client {
    pub(crate) client_id: String,
    pub(crate) access_token: String,
    pub(crate) description: String,
    pub(crate) scopes: Vec<String>,
    pub(crate) expires_ms: i64,
    pub(crate) created_ms: i64,
    pub(crate) last_modified_ms: i64,
    pub(crate) last_date_used_ms: i64,
    pub(crate) last_rotated_ms: i64,
    pub(crate) disabled: bool,
    pub(crate) delete_on_expiration: bool,
}

impl Client {
    pub(crate) fn new(client_id: &str, access_token: &str, scopes: Vec<String>) -> Client {
        let now = now_ms();
        Client {
            client_id: client_id.to_string(),
            access_token: access_token.to_string(),
            description: String::new(),
            scopes,
            // far future, like the static clients of a deployment
            expires_ms: parse_far_future(),
            created_ms: now,
            last_modified_ms: now,
            last_date_used_ms: now,
            last_rotated_ms: now,
            disabled: false,
            delete_on_expiration: false,
        }
    }

    /// The API representation (no access token).
    pub(crate) fn to_json(&self, roles: &HashMap<String, Vec<String>>) -> Value {
        json!({
            "clientId": self.client_id,
            "description": self.description,
            "expires": iso(self.expires_ms),
            "created": iso(self.created_ms),
            "lastModified": iso(self.last_modified_ms),
            "lastDateUsed": iso(self.last_date_used_ms),
            "lastRotated": iso(self.last_rotated_ms),
            "deleteOnExpiration": self.delete_on_expiration,
            "disabled": self.disabled,
            "scopes": self.scopes,
            "expandedScopes": scopes::expand(&self.scopes, roles),
        })
    }
}

fn parse_far_future() -> i64 {
    crate::util::parse_iso("3000-01-01T00:00:00.000Z").unwrap_or(i64::MAX / 2)
}

/// A role.
#[derive(Debug, Clone)]
pub(crate) struct Role {
    pub(crate) scopes: Vec<String>,
    pub(crate) description: String,
    pub(crate) created_ms: i64,
    pub(crate) last_modified_ms: i64,
}

/// A secret.
#[derive(Debug, Clone)]
pub(crate) struct Secret {
    pub(crate) secret: Value,
    pub(crate) expires_ms: i64,
}

/// One entry of the audit history (v106's `audit_history` table): who did what to which
/// client, role, secret or hook.
#[derive(Debug, Clone)]
pub(crate) struct Audit {
    pub(crate) entity_id: String,
    /// `client`, `role`, `secret` or `hook`.
    pub(crate) entity_type: &'static str,
    /// The clientId that acted.
    pub(crate) client_id: String,
    /// `created`, `updated`, `deleted`, `client enabled`, `client disabled`,
    /// `access token reset`.
    pub(crate) action_type: &'static str,
    pub(crate) created_ms: i64,
}

impl Audit {
    /// `auditToJson` of v106's auth service.
    pub(crate) fn json(&self) -> Value {
        json!({
            "clientId": self.client_id,
            "actionType": self.action_type,
            "created": iso(self.created_ms),
            "entityId": self.entity_id,
            "entityType": self.entity_type,
        })
    }
}

/// All service data.
#[derive(Debug, Default)]
pub(crate) struct Db {
    pub(crate) clients: BTreeMap<String, Client>,
    /// Read with [`Db::roles`], changed only through [`Db::roles_mut`], which drops the
    /// expansions computed from the old roles.
    roles: BTreeMap<String, Role>,
    /// Role expansions already computed from the current roles, by the scopes expanded: every
    /// authenticated request expands its client's scopes, and the role table rarely changes.
    expanded: std::sync::Mutex<HashMap<Vec<String>, Vec<String>>>,
    pub(crate) secrets: BTreeMap<String, Secret>,
    pub(crate) queue: queue::QueueDb,
    pub(crate) objects: object::ObjectDb,
    pub(crate) index: index::IndexDb,
    pub(crate) hooks: hooks::HooksDb,
    /// Blob-store metadata by key (bytes are on disk).
    pub(crate) blobs: BTreeMap<String, blobs::Blob>,
    /// The audit history, oldest first.
    pub(crate) audit: Vec<Audit>,
}

impl Db {
    /// The roles, by roleId.
    pub(crate) fn roles(&self) -> &BTreeMap<String, Role> {
        &self.roles
    }

    /// The roles, to change: the cached expansions are dropped.
    pub(crate) fn roles_mut(&mut self) -> &mut BTreeMap<String, Role> {
        self.expanded
            .get_mut()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
        &mut self.roles
    }

    /// roleId → scopes, for expansion.
    pub(crate) fn role_map(&self) -> HashMap<String, Vec<String>> {
        self.roles
            .iter()
            .map(|(k, v)| (k.clone(), v.scopes.clone()))
            .collect()
    }

    /// Record that `client_id` did `action_type` to an entity (v106's `insert_*_audit_history`).
    pub(crate) fn audit(
        &mut self,
        entity_type: &'static str,
        entity_id: &str,
        client_id: Option<&str>,
        action_type: &'static str,
    ) {
        self.audit.push(Audit {
            entity_id: entity_id.to_string(),
            entity_type,
            client_id: client_id.unwrap_or_default().to_string(),
            action_type,
            created_ms: now_ms(),
        });
    }

    /// Role-expand scopes.
    pub(crate) fn expand(&self, s: &[String]) -> Vec<String> {
        let mut cache = self.expanded.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(done) = cache.get(s) {
            return done.clone();
        }
        let done = scopes::expand(s, &self.role_map());
        // Bounded: requests with ever-new scope sets (temporary credentials) cannot grow it.
        if cache.len() >= 1024 {
            cache.clear();
        }
        cache.insert(s.to_vec(), done.clone());
        done
    }
}

impl ClientSource for Db {
    fn load(&self, client_id: &str) -> Result<LoadedClient, String> {
        let Some(c) = self.clients.get(client_id) else {
            return Err(format!("Client with clientId '{client_id}' not found"));
        };
        if c.disabled {
            return Err(format!("Client with clientId '{client_id}' is disabled"));
        }
        if c.expires_ms < now_ms() {
            return Err(format!("Client with clientId: '{client_id}' has expired"));
        }
        Ok(LoadedClient {
            access_token: c.access_token.clone(),
            scopes: self.expand(&c.scopes),
            expires_ms: c.expires_ms,
        })
    }

    fn expand(&self, s: &[String]) -> Vec<String> {
        Db::expand(self, s)
    }
}

/// A fault rule with its remaining count.
#[derive(Debug, Clone)]
pub(crate) struct FaultEntry {
    pub(crate) fault: Fault,
    /// Remaining applications; `None` = forever.
    pub(crate) remaining: Option<u32>,
}

/// Shared state of one server.
#[derive(Debug)]
#[allow(dead_code)] // storage/queue fields are used by the queue/object services
pub(crate) struct State {
    pub(crate) db: Mutex<Db>,
    pub(crate) faults: Mutex<Vec<FaultEntry>>,
    pub(crate) log: Mutex<Vec<RequestRecord>>,
    pub(crate) root_url: String,
    pub(crate) data_dir: PathBuf,
    pub(crate) references_dir: Option<PathBuf>,
    pub(crate) shutdown: watch::Receiver<bool>,
    /// Key for signing storage URLs.
    pub(crate) storage_key: Vec<u8>,
    /// The queue's own (internal) credentials, used to issue task/artifact credentials.
    pub(crate) queue_client_id: String,
    pub(crate) queue_access_token: String,
    /// Woken when tasks become pending (for `claimWork` long polling).
    pub(crate) work: tokio::sync::Notify,
    /// The server clock (read through `util::now_ms` by the requests it serves).
    pub(crate) clock: Arc<ClockCell>,
}

/// Shared handle.
pub(crate) type AppState = Arc<State>;

impl State {
    /// Wait until the server shuts down.
    pub(crate) async fn wait_shutdown(&self) {
        let mut rx = self.shutdown.clone();
        while !*rx.borrow_and_update() {
            if rx.changed().await.is_err() {
                // sender dropped: the server is gone
                return;
            }
        }
    }
}
