//! The secrets service.

use crate::call::{after_key, date_field, limit, ok, paginate, Call, Ep, Reply, Service};
use crate::clock::now_ms;
use crate::errors::TcError;
use crate::state::Secret;
use crate::util::{iso, lock};
use serde_json::{json, Value};

/// The secrets endpoints (routes, query keys and scope expressions from the references).
#[rustfmt::skip]
static ENDPOINTS: &[Ep] = &[
    Ep { service: "secrets", method: "GET", route: "/ping", name: "ping", query: &[], scopes: None },
    Ep { service: "secrets", method: "GET", route: "/__lbheartbeat__", name: "lbheartbeat", query: &[], scopes: None },
    Ep { service: "secrets", method: "GET", route: "/__version__", name: "version", query: &[], scopes: None },
    Ep { service: "secrets", method: "PUT", route: "/secret/<name>", name: "set", query: &[], scopes: Some(r#""secrets:set:<name>""#) },
    Ep { service: "secrets", method: "DELETE", route: "/secret/<name>", name: "remove", query: &[], scopes: Some(r#""secrets:set:<name>""#) },
    Ep { service: "secrets", method: "GET", route: "/secret/<name>", name: "get", query: &[], scopes: Some(r#""secrets:get:<name>""#) },
    Ep { service: "secrets", method: "GET", route: "/secrets", name: "list", query: &["continuationToken", "limit"], scopes: Some(r#""secrets:list-secrets""#) },
    Ep { service: "secrets", method: "GET", route: "/__heartbeat__", name: "heartbeat", query: &[], scopes: None },
];

/// The secrets service, for the router.
pub(crate) const SERVICE: Service = Service {
    name: "secrets",
    endpoints: ENDPOINTS,
    handle: |call| Box::pin(async move { handle(call) }),
};

/// Handle a secrets API call.
fn handle(call: &mut Call) -> Reply {
    let state = call.state.clone();
    let name = call.param("name").to_string();
    match call.ep.name {
        "set" => {
            let secret = match call.payload.get("secret") {
                Some(v @ Value::Object(_)) => v.clone(),
                _ => {
                    return Err(TcError::invalid(
                        "Schema Validation Failed!\ndata must have required property 'secret' of type object",
                    ))
                }
            };
            let expires = date_field(call, "expires")?;
            let mut db = lock(&state.db);
            let old = db.secrets.insert(
                name.clone(),
                Secret {
                    secret,
                    expires_ms: expires,
                },
            );
            // v106 calls it an update when its get_secret found the secret (unexpired)
            let found = old.is_some_and(|o| o.expires_ms >= now_ms());
            let action = if found { "updated" } else { "created" };
            db.audit("secret", &name, call.caller.client_id.as_deref(), action);
            ok(json!({}))
        }
        "remove" => {
            // Taskcluster v106 deletes whether or not the secret exists.
            let mut db = lock(&state.db);
            db.secrets.remove(&name);
            db.audit("secret", &name, call.caller.client_id.as_deref(), "deleted");
            ok(json!({}))
        }
        "get" => {
            let db = lock(&state.db);
            // As in v106 (get_secret selects only unexpired rows): a missing or expired secret
            // is 404 "Secret not found", whatever its name.
            match db.secrets.get(&name) {
                Some(s) if s.expires_ms >= now_ms() => {
                    ok(json!({"secret": s.secret, "expires": iso(s.expires_ms)}))
                }
                _ => Err(TcError::not_found("Secret not found".to_string())),
            }
        }
        "list" => {
            let after = after_key(call)?;
            let limit = limit(call, 1000, 1000);
            let db = lock(&state.db);
            let items = db.secrets.keys().map(|k| (k.clone(), json!(k))).collect();
            let (page, token) = paginate(items, after, limit);
            let mut out = json!({ "secrets": page });
            if let Some(t) = token {
                out["continuationToken"] = json!(t);
            }
            ok(out)
        }
        _ => Err(TcError::new("InternalServerError", "not implemented")),
    }
}
