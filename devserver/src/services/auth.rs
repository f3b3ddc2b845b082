//! The auth service: clients, roles, scope expansion and Hawk checks for other services.

use crate::call::{after_key, date_field, limit, ok, paginate, Call, Ep, Reply, Service};
use crate::clock::now_ms;
use crate::errors::TcError;
use crate::hawkauth::{authenticate, AuthOutcome, AuthRequest};
use crate::state::{Client, Role};
use crate::util::{iso, lock, random_token};
use serde_json::{json, Value};

/// The auth endpoints (routes, query keys and scope expressions from the references).
#[rustfmt::skip]
static ENDPOINTS: &[Ep] = &[
    Ep { service: "auth", method: "GET", route: "/ping", name: "ping", query: &[], scopes: None },
    Ep { service: "auth", method: "GET", route: "/__lbheartbeat__", name: "lbheartbeat", query: &[], scopes: None },
    Ep { service: "auth", method: "GET", route: "/__version__", name: "version", query: &[], scopes: None },
    Ep { service: "auth", method: "GET", route: "/clients/", name: "listClients", query: &["prefix", "continuationToken", "limit"], scopes: Some(r#""auth:list-clients""#) },
    Ep { service: "auth", method: "GET", route: "/clients/<clientId>", name: "client", query: &[], scopes: Some(r#""auth:get-client:<clientId>""#) },
    Ep { service: "auth", method: "PUT", route: "/clients/<clientId>", name: "createClient", query: &[], scopes: Some(r#"{"AllOf":["auth:create-client:<clientId>",{"each":"<scope>","for":"scope","in":"scopes"}]}"#) },
    Ep { service: "auth", method: "POST", route: "/clients/<clientId>/reset", name: "resetAccessToken", query: &[], scopes: Some(r#""auth:reset-access-token:<clientId>""#) },
    Ep { service: "auth", method: "POST", route: "/clients/<clientId>", name: "updateClient", query: &[], scopes: Some(r#"{"AllOf":["auth:update-client:<clientId>",{"each":"<scope>","for":"scope","in":"scopesAdded"}]}"#) },
    Ep { service: "auth", method: "POST", route: "/clients/<clientId>/enable", name: "enableClient", query: &[], scopes: Some(r#""auth:enable-client:<clientId>""#) },
    Ep { service: "auth", method: "POST", route: "/clients/<clientId>/disable", name: "disableClient", query: &[], scopes: Some(r#""auth:disable-client:<clientId>""#) },
    Ep { service: "auth", method: "DELETE", route: "/clients/<clientId>", name: "deleteClient", query: &[], scopes: Some(r#""auth:delete-client:<clientId>""#) },
    Ep { service: "auth", method: "GET", route: "/roles/", name: "listRoles", query: &[], scopes: Some(r#""auth:list-roles""#) },
    Ep { service: "auth", method: "GET", route: "/roles2/", name: "listRoles2", query: &["continuationToken", "limit"], scopes: Some(r#""auth:list-roles""#) },
    Ep { service: "auth", method: "GET", route: "/roleids/", name: "listRoleIds", query: &["continuationToken", "limit"], scopes: Some(r#""auth:list-roles""#) },
    Ep { service: "auth", method: "GET", route: "/roles/<roleId>", name: "role", query: &[], scopes: Some(r#""auth:get-role:<roleId>""#) },
    Ep { service: "auth", method: "PUT", route: "/roles/<roleId>", name: "createRole", query: &[], scopes: Some(r#"{"AllOf":["auth:create-role:<roleId>",{"each":"<scope>","for":"scope","in":"scopes"}]}"#) },
    Ep { service: "auth", method: "POST", route: "/roles/<roleId>", name: "updateRole", query: &[], scopes: Some(r#"{"AllOf":["auth:update-role:<roleId>",{"each":"<scope>","for":"scope","in":"scopesAdded"}]}"#) },
    Ep { service: "auth", method: "DELETE", route: "/roles/<roleId>", name: "deleteRole", query: &[], scopes: Some(r#""auth:delete-role:<roleId>""#) },
    Ep { service: "auth", method: "POST", route: "/scopes/expand", name: "expandScopes", query: &[], scopes: Some(r#""auth:expand-scopes""#) },
    Ep { service: "auth", method: "GET", route: "/scopes/current", name: "currentScopes", query: &[], scopes: Some(r#""auth:current-scopes""#) },
    Ep { service: "auth", method: "POST", route: "/authenticate-hawk", name: "authenticateHawk", query: &[], scopes: None },
    Ep { service: "auth", method: "POST", route: "/test-authenticate", name: "testAuthenticate", query: &[], scopes: None },
    Ep { service: "auth", method: "GET", route: "/test-authenticate-get/", name: "testAuthenticateGet", query: &[], scopes: None },
    Ep { service: "auth", method: "GET", route: "/audit/<entityType>/<entityId>", name: "getEntityHistory", query: &["continuationToken", "limit"], scopes: Some(r#""auth:audit-history:<entityType>""#) },
    Ep { service: "auth", method: "GET", route: "/clients/<clientId>/audit", name: "listAuditHistory", query: &["continuationToken", "limit"], scopes: Some(r#""auth:client-audit-history:<clientId>""#) },
    // third-party credentials (services/credentials.rs); the entries the vendored references lack
    // or carry without scopes have v106's
    Ep { service: "auth", method: "GET", route: "/aws/s3/<level>/<bucket>/<prefix>", name: "awsS3Credentials", query: &["format"], scopes: Some(r#"{"else":"auth:aws-s3:read-write:<bucket>/<prefix>","if":"levelIsReadOnly","then":{"AnyOf":["auth:aws-s3:read-only:<bucket>/<prefix>","auth:aws-s3:read-write:<bucket>/<prefix>"]}}"#) },
    Ep { service: "auth", method: "GET", route: "/azure/accounts", name: "azureAccounts", query: &[], scopes: Some(r#""auth:azure-table:list-accounts""#) },
    Ep { service: "auth", method: "GET", route: "/azure/<account>/tables", name: "azureTables", query: &["continuationToken"], scopes: Some(r#""auth:azure-table:list-tables:<account>""#) },
    Ep { service: "auth", method: "GET", route: "/azure/<account>/table/<table>/<level>", name: "azureTableSAS", query: &[], scopes: Some(r#"{"else":"auth:azure-table:read-write:<account>/<table>","if":"levelIsReadOnly","then":{"AnyOf":["auth:azure-table:read-only:<account>/<table>","auth:azure-table:read-write:<account>/<table>"]}}"#) },
    Ep { service: "auth", method: "GET", route: "/azure/<account>/containers", name: "azureContainers", query: &["continuationToken"], scopes: Some(r#""auth:azure-container:list-containers:<account>""#) },
    Ep { service: "auth", method: "GET", route: "/azure/<account>/containers/<container>/<level>", name: "azureContainerSAS", query: &[], scopes: Some(r#"{"else":"auth:azure-container:read-write:<account>/<container>","if":"levelIsReadOnly","then":{"AnyOf":["auth:azure-container:read-only:<account>/<container>","auth:azure-container:read-write:<account>/<container>"]}}"#) },
    Ep { service: "auth", method: "GET", route: "/sentry/<project>/dsn", name: "sentryDSN", query: &[], scopes: Some(r#""auth:sentry:<project>""#) },
    Ep { service: "auth", method: "GET", route: "/websocktunnel/<wstAudience>/<wstClient>", name: "websocktunnelToken", query: &[], scopes: Some(r#""auth:websocktunnel-token:<wstAudience>/<wstClient>""#) },
    Ep { service: "auth", method: "GET", route: "/gcp/credentials/<projectId>/<serviceAccount>", name: "gcpCredentials", query: &[], scopes: Some(r#""auth:gcp:access-token:<projectId>/<serviceAccount>""#) },
    Ep { service: "auth", method: "POST", route: "/github/<appName>/<owner>/repo-token", name: "githubRepoToken", query: &[], scopes: Some(r#"{"AllOf":[{"each":"auth:github-repo-token:<appName>/<owner>/<repoPerm>","for":"repoPerm","in":"repoPerms"}]}"#) },
    Ep { service: "auth", method: "GET", route: "/__heartbeat__", name: "heartbeat", query: &[], scopes: None },
];

/// The auth service, for the router.
pub(crate) const SERVICE: Service = Service {
    name: "auth",
    endpoints: ENDPOINTS,
    handle: |call| Box::pin(async move { handle(call) }),
};

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

/// Handle an auth API call.
fn handle(call: &mut Call) -> Reply {
    let state = call.state.clone();
    let name = call.ep.name;
    // who acts, for the audit history
    let actor = call.caller.client_id.clone();
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
            db.clients.insert(client_id.clone(), c);
            db.audit("client", &client_id, actor.as_deref(), "created");
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
            let out = c.to_json(&roles);
            db.audit("client", &client_id, actor.as_deref(), "updated");
            ok(out)
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
            let out = c.to_json(&roles);
            let action = if c.disabled {
                "client disabled"
            } else {
                "client enabled"
            };
            db.audit("client", call.param("clientId"), actor.as_deref(), action);
            ok(out)
        }
        "deleteClient" => {
            let mut db = lock(&state.db);
            db.clients.remove(call.param("clientId"));
            db.audit(
                "client",
                call.param("clientId"),
                actor.as_deref(),
                "deleted",
            );
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
            let client_id = call.param("clientId");
            db.audit("client", client_id, actor.as_deref(), "access token reset");
            ok(out)
        }
        "listRoles" | "listRoleIds" | "listRoles2" => {
            let db = lock(&state.db);
            let roles = db.role_map();
            let items: Vec<(String, Value)> = db
                .roles()
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
            match db.roles().get(id) {
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
                    .roles()
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
                if let Some(r) = db.roles().get(&role_id) {
                    if r.scopes != scopes || r.description != description {
                        return Err(TcError::conflict("Role with same roleId already exists"));
                    }
                }
                db.roles_mut().entry(role_id.clone()).or_insert(Role {
                    scopes,
                    description,
                    created_ms: now,
                    last_modified_ms: now,
                });
            } else if let Some(r) = db.roles_mut().get_mut(&role_id) {
                r.scopes = scopes;
                r.description = description;
                r.last_modified_ms = now;
            }
            // v106 records a create that found the same role too
            let action = if name == "createRole" {
                "created"
            } else {
                "updated"
            };
            db.audit("role", &role_id, actor.as_deref(), action);
            let roles = db.role_map();
            ok(role_json(&role_id, &db.roles()[&role_id], &roles))
        }
        "deleteRole" => {
            let mut db = lock(&state.db);
            db.roles_mut().remove(call.param("roleId"));
            db.audit("role", call.param("roleId"), actor.as_deref(), "deleted");
            ok(json!({}))
        }
        "getEntityHistory" | "listAuditHistory" => {
            let after = after_key(call)?;
            let limit = limit(call, 1000, 1000);
            let db = lock(&state.db);
            let (entity_type, entity_id) = (call.param("entityType"), call.param("entityId"));
            let items = db
                .audit
                .iter()
                .filter(|a| {
                    if name == "listAuditHistory" {
                        a.client_id == call.param("clientId")
                    } else {
                        a.entity_type == entity_type && a.entity_id == entity_id
                    }
                })
                .enumerate()
                .map(|(i, a)| (format!("{i:012}"), a.json()))
                .collect();
            let (page, token) = paginate(items, after, limit);
            let mut out = json!({ "auditHistory": page });
            if let Some(t) = token {
                out["continuationToken"] = json!(t);
            }
            ok(out)
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
        _ => match crate::services::credentials::handle(call) {
            Some(reply) => reply,
            None => Err(TcError::new("InternalServerError", "not implemented")),
        },
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
