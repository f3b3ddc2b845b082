//! The hooks service's records: hook definitions and the fires of each hook.

use serde_json::Value;
use std::collections::BTreeMap;

/// One hook: its definition as the service returns it (`hook-definition.json`).
#[derive(Debug, Clone)]
pub(crate) struct Hook {
    /// `hookGroupId`, `hookId`, `metadata`, `task`, `schedule`, `triggerSchema`, `bindings`.
    pub(crate) definition: Value,
    /// The secret token of `triggerHookWithToken`.
    pub(crate) trigger_token: String,
}

/// One fire of a hook (a row of the real service's `last_fires` table).
#[derive(Debug, Clone)]
pub(crate) struct Fire {
    /// `schedule`, `triggerHook`, `triggerHookWithToken` or `pulseMessage`.
    pub(crate) fired_by: String,
    pub(crate) task_id: String,
    pub(crate) task_create_ms: i64,
    /// `success` or `error`.
    pub(crate) result: String,
    /// Empty on success.
    pub(crate) error: String,
}

/// In-memory hooks data, keyed by `(hookGroupId, hookId)`.
#[derive(Debug, Default)]
pub(crate) struct HooksDb {
    pub(crate) hooks: BTreeMap<(String, String), Hook>,
    /// Fires of each hook, oldest first.
    pub(crate) fires: BTreeMap<(String, String), Vec<Fire>>,
}
