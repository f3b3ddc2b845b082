//! Dispatch to the per-service handlers, plus the auth and secrets services.

use crate::api::Call;
use crate::errors::{json_response, TcError};
use crate::hawkauth::{authenticate, AuthOutcome, AuthRequest};
use crate::state::{lock, Client, Role, Secret};
use crate::util::{iso, now_ms, parse_iso, random_token, B64URL};
use axum::response::Response;
use base64::Engine;
use serde_json::{json, Value};
use std::time::Instant;

/// Handler result.
pub(crate) type Reply = Result<Response, TcError>;

/// A 200 JSON reply.
pub(crate) fn ok(v: Value) -> Reply {
    Ok(json_response(200, &v))
}

static START: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();

/// Run the handler for `call.ep`.
pub(crate) async fn handle(call: &mut Call) -> Reply {
    START.get_or_init(Instant::now);
    match call.ep.name {
        "ping" => {
            return ok(json!({
                "alive": true,
                "uptime": START.get().map(|s| s.elapsed().as_secs_f64()).unwrap_or(0.0),
            }))
        }
        "lbheartbeat" | "heartbeat" => return ok(json!({})),
        "version" => {
            return ok(json!({
                "source": "https://github.com/taskcluster/taskcluster",
                "version": env!("CARGO_PKG_VERSION"),
                "commit": "tc-devserver",
                "build": "tc-devserver",
            }))
        }
        _ => {}
    }
    match call.ep.service {
        "auth" => auth(call),
        "secrets" => secrets(call),
        "queue" => crate::queue::handle(call).await,
        "object" => crate::object::handle(call).await,
        "index" => crate::index::handle(call).await,
        _ => Err(TcError::new("InternalServerError", "unknown service")),
    }
}

/// Parse `continuationToken` (an opaque encoding of the last key returned).
pub(crate) fn after_key(call: &Call) -> Result<Option<String>, TcError> {
    match call.query.get("continuationToken") {
        None => Ok(None),
        Some(t) => B64URL
            .decode(t.as_bytes())
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .map(Some)
            .ok_or_else(|| TcError::bad_args("Invalid continuationToken")),
    }
}

/// The `limit` query (default `def`, capped at `max`).
pub(crate) fn limit(call: &Call, def: usize, max: usize) -> usize {
    call.query
        .get("limit")
        .and_then(|l| l.parse::<usize>().ok())
        .filter(|l| *l > 0)
        .unwrap_or(def)
        .min(max)
}

/// Paginate sorted `(key, value)` items; returns the page and the next token.
pub(crate) fn paginate<T>(
    items: Vec<(String, T)>,
    after: Option<String>,
    limit: usize,
) -> (Vec<T>, Option<String>) {
    let mut page = Vec::new();
    let mut last = None;
    let mut more = false;
    for (k, v) in items {
        if after.as_ref().is_some_and(|a| k.as_str() <= a.as_str()) {
            continue;
        }
        if page.len() == limit {
            more = true;
            break;
        }
        last = Some(k);
        page.push(v);
    }
    let token = if more {
        last.map(|l| B64URL.encode(l.as_bytes()))
    } else {
        None
    };
    (page, token)
}

fn string_list(v: Option<&Value>, field: &str) -> Result<Vec<String>, TcError> {
    match v {
        None | Some(Value::Null) => Ok(vec![]),
        Some(Value::Array(a)) => a
            .iter()
            .map(|s| {
                s.as_str()
                    .filter(|s| crate::scopes::valid_scope(s))
                    .map(str::to_string)
                    .ok_or_else(|| {
                        TcError::invalid(format!(
                            "Schema Validation Failed!\n{field} must be an array of scopes"
                        ))
                    })
            })
            .collect(),
        Some(_) => Err(TcError::invalid(format!(
            "Schema Validation Failed!\n{field} must be an array"
        ))),
    }
}

fn date_field(call: &Call, field: &str) -> Result<i64, TcError> {
    let s = call.body_str(field)?;
    parse_iso(&s).ok_or_else(|| {
        TcError::invalid(format!(
            "Schema Validation Failed!\n{field} must match format \"date-time\""
        ))
    })
}

fn auth(call: &mut Call) -> Reply {
    let state = call.state.clone();
    let name = call.ep.name;
    match name {
        "listClients" => {
            let after = after_key(call)?;
            let limit = limit(call, 1000, 1000);
            let prefix = call.query.get("prefix").cloned().unwrap_or_default();
            let db = lock(&state.db);
            let roles = db.role_map();
            let items = db
                .clients
                .iter()
                .filter(|(k, _)| k.starts_with(&prefix))
                .map(|(k, c)| (k.clone(), c.to_json(&roles)))
                .collect();
            let (page, token) = paginate(items, after, limit);
            let mut out = json!({ "clients": page });
            if let Some(t) = token {
                out["continuationToken"] = json!(t);
            }
            ok(out)
        }
        "client" => {
            let db = lock(&state.db);
            match db.clients.get(call.param("clientId")) {
                Some(c) => ok(c.to_json(&db.role_map())),
                None => Err(TcError::not_found("Client not found!")),
            }
        }
        "createClient" => {
            let client_id = call.param("clientId").to_string();
            let scopes = string_list(call.payload.get("scopes"), "scopes")?;
            let expires = date_field(call, "expires")?;
            call.authorize(json!({ "scopes": scopes }))?;
            let description = call
                .payload
                .get("description")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            let mut db = lock(&state.db);
            if db.clients.contains_key(&client_id) {
                return Err(TcError::conflict(
                    "client with same clientId already exists, possibly with different scopes, description or expiration",
                ));
            }
            let token = random_token(44);
            let mut c = Client::new(&client_id, &token, scopes);
            c.description = description;
            c.expires_ms = expires;
            c.delete_on_expiration = call
                .payload
                .get("deleteOnExpiration")
                .and_then(Value::as_bool)
                .unwrap_or(false);
            let mut out = c.to_json(&db.role_map());
            out["accessToken"] = json!(token);
            db.clients.insert(client_id, c);
            ok(out)
        }
        "updateClient" => {
            let client_id = call.param("clientId").to_string();
            let scopes = string_list(call.payload.get("scopes"), "scopes")?;
            let expires = date_field(call, "expires")?;
            let existing = lock(&state.db)
                .clients
                .get(&client_id)
                .map(|c| c.scopes.clone())
                .ok_or_else(|| TcError::not_found("Client not found!"))?;
            let added: Vec<String> = scopes
                .iter()
                .filter(|s| !existing.contains(s))
                .cloned()
                .collect();
            call.authorize(json!({ "scopesAdded": added }))?;
            let mut db = lock(&state.db);
            let roles = db.role_map();
            let c = db
                .clients
                .get_mut(&client_id)
                .ok_or_else(|| TcError::not_found("Client not found!"))?;
            c.scopes = scopes;
            c.expires_ms = expires;
            if let Some(d) = call.payload.get("description").and_then(Value::as_str) {
                c.description = d.to_string();
            }
            if let Some(d) = call
                .payload
                .get("deleteOnExpiration")
                .and_then(Value::as_bool)
            {
                c.delete_on_expiration = d;
            }
            c.last_modified_ms = now_ms();
            ok(c.to_json(&roles))
        }
        "enableClient" | "disableClient" => {
            let mut db = lock(&state.db);
            let roles = db.role_map();
            let c = db
                .clients
                .get_mut(call.param("clientId"))
                .ok_or_else(|| TcError::not_found("Client not found!"))?;
            c.disabled = name == "disableClient";
            c.last_modified_ms = now_ms();
            ok(c.to_json(&roles))
        }
        "deleteClient" => {
            lock(&state.db).clients.remove(call.param("clientId"));
            ok(json!({}))
        }
        "resetAccessToken" => {
            let mut db = lock(&state.db);
            let roles = db.role_map();
            let c = db
                .clients
                .get_mut(call.param("clientId"))
                .ok_or_else(|| TcError::not_found("Client not found!"))?;
            let token = random_token(44);
            c.access_token = token.clone();
            c.last_rotated_ms = now_ms();
            let mut out = c.to_json(&roles);
            out["accessToken"] = json!(token);
            ok(out)
        }
        "listRoles" | "listRoleIds" | "listRoles2" => {
            let db = lock(&state.db);
            let roles = db.role_map();
            let items: Vec<(String, Value)> = db
                .roles
                .iter()
                .map(|(k, r)| (k.clone(), role_json(k, r, &roles)))
                .collect();
            if name == "listRoles" {
                return ok(Value::Array(items.into_iter().map(|(_, v)| v).collect()));
            }
            let after = after_key(call)?;
            let limit = limit(call, 1000, 1000);
            let (page, token) = paginate(items, after, limit);
            let mut out = if name == "listRoleIds" {
                json!({"roleIds": page.iter().map(|r| r["roleId"].clone()).collect::<Vec<_>>()})
            } else {
                json!({ "roles": page })
            };
            if let Some(t) = token {
                out["continuationToken"] = json!(t);
            }
            ok(out)
        }
        "role" => {
            let db = lock(&state.db);
            let id = call.param("roleId");
            match db.roles.get(id) {
                Some(r) => ok(role_json(id, r, &db.role_map())),
                None => Err(TcError::not_found("Role not found!")),
            }
        }
        "createRole" | "updateRole" => {
            let role_id = call.param("roleId").to_string();
            let scopes = string_list(call.payload.get("scopes"), "scopes")?;
            let description = call
                .payload
                .get("description")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            if name == "createRole" {
                call.authorize(json!({ "scopes": scopes }))?;
            } else {
                let existing = lock(&state.db)
                    .roles
                    .get(&role_id)
                    .map(|r| r.scopes.clone())
                    .ok_or_else(|| TcError::not_found("Role not found!"))?;
                let added: Vec<String> = scopes
                    .iter()
                    .filter(|s| !existing.contains(s))
                    .cloned()
                    .collect();
                call.authorize(json!({ "scopesAdded": added }))?;
            }
            let mut db = lock(&state.db);
            let now = now_ms();
            if name == "createRole" {
                if let Some(r) = db.roles.get(&role_id) {
                    if r.scopes != scopes || r.description != description {
                        return Err(TcError::conflict("Role with same roleId already exists"));
                    }
                }
                db.roles.entry(role_id.clone()).or_insert(Role {
                    scopes,
                    description,
                    created_ms: now,
                    last_modified_ms: now,
                });
            } else if let Some(r) = db.roles.get_mut(&role_id) {
                r.scopes = scopes;
                r.description = description;
                r.last_modified_ms = now;
            }
            let roles = db.role_map();
            ok(role_json(&role_id, &db.roles[&role_id], &roles))
        }
        "deleteRole" => {
            lock(&state.db).roles.remove(call.param("roleId"));
            ok(json!({}))
        }
        "expandScopes" => {
            let scopes = string_list(call.payload.get("scopes"), "scopes")?;
            ok(json!({ "scopes": lock(&state.db).expand(&scopes) }))
        }
        "currentScopes" => ok(json!({ "scopes": call.caller.scopes })),
        "testAuthenticate" | "testAuthenticateGet" => {
            let required = if name == "testAuthenticate" {
                string_list(call.payload.get("requiredScopes"), "requiredScopes")?
            } else {
                vec!["test:authenticate-get".to_string()]
            };
            let expr = crate::scopes::Expr::AllOf(
                required
                    .into_iter()
                    .map(crate::scopes::Expr::Scope)
                    .collect(),
            );
            call.check_expr(&expr)?;
            let mut out = json!({ "scopes": call.caller.scopes });
            if let Some(c) = &call.caller.client_id {
                out["clientId"] = json!(c);
            }
            ok(out)
        }
        "authenticateHawk" => {
            let p = &call.payload;
            let method = p.get("method").and_then(Value::as_str).unwrap_or("GET");
            let resource = p.get("resource").and_then(Value::as_str).unwrap_or("/");
            let host = p.get("host").and_then(Value::as_str).unwrap_or("");
            let port = p
                .get("port")
                .and_then(Value::as_u64)
                .and_then(|p| u16::try_from(p).ok())
                .unwrap_or(443);
            let authorization = p.get("authorization").and_then(Value::as_str);
            let req = AuthRequest {
                method,
                resource,
                host,
                port,
                authorization,
            };
            let outcome = {
                let db = lock(&state.db);
                authenticate(&req, &*db)
            };
            ok(match outcome {
                AuthOutcome::Success {
                    client_id,
                    scopes,
                    expires_ms,
                    hash,
                } => {
                    let mut v = json!({"status": "auth-success", "scheme": "hawk", "clientId": client_id, "scopes": scopes, "expires": iso(expires_ms)});
                    if let Some(h) = hash {
                        v["hash"] = json!(h);
                    }
                    v
                }
                AuthOutcome::NoAuth { scopes } => {
                    json!({"status": "no-auth", "scheme": "none", "scopes": scopes, "expires": iso(now_ms() + 15 * 60 * 1000)})
                }
                AuthOutcome::Failed { message } => {
                    json!({"status": "auth-failed", "message": message})
                }
            })
        }
        _ => Err(TcError::new("InternalServerError", "not implemented")),
    }
}

fn role_json(id: &str, r: &Role, roles: &std::collections::HashMap<String, Vec<String>>) -> Value {
    json!({
        "roleId": id,
        "scopes": r.scopes,
        "description": r.description,
        "created": iso(r.created_ms),
        "lastModified": iso(r.last_modified_ms),
        "expandedScopes": crate::scopes::expand(&[format!("assume:{id}")], roles),
    })
}

fn secrets(call: &mut Call) -> Reply {
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
            lock(&state.db).secrets.insert(
                name,
                Secret {
                    secret,
                    expires_ms: expires,
                },
            );
            ok(json!({}))
        }
        "remove" => {
            // Taskcluster v106 deletes whether or not the secret exists.
            lock(&state.db).secrets.remove(&name);
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
