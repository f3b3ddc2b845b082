//! The hooks service: hook definitions, firing a hook (a task created in the queue from the
//! hook's task template, with the queue's scope check run against the hook's role
//! `hook-id:<hookGroupId>/<hookId>`), trigger tokens and the record of fires.
//!
//! Templates are JSON-e; the devserver renders a subset of it ([`render`]): `$eval`, `$if` /
//! `then` / `else`, `$json`, `$fromNow`, `${…}` interpolation in strings and keys, and
//! expressions made of context paths (`payload.a.b`, `x["k"]`, `x[0]`), literals, `!`, `==`,
//! `!=`, `&&` and `||`. Anything else fails the fire with an error saying so. Trigger payloads
//! are checked against the hook's `triggerSchema` for `type`, `required`, `properties`,
//! `additionalProperties: false`, `items` and `enum`. Schedules and pulse bindings are stored
//! but never fire.

use crate::call::{ok, Call, Ep, Reply, Service};
use crate::clock::now_ms;
use crate::errors::TcError;
use crate::scopes::{render as render_scopes, Expr};
use crate::services::queue;
use crate::state::hooks::{Fire, Hook};
use crate::state::queue::PRIORITIES;
use crate::util::{is_slugid, iso, lock, parse_iso, slugid};
use serde_json::{json, Map, Value};

/// The hooks endpoints (routes, query keys and scope expressions from the references).
#[rustfmt::skip]
static ENDPOINTS: &[Ep] = &[
    Ep { service: "hooks", method: "GET", route: "/ping", name: "ping", query: &[], scopes: None },
    Ep { service: "hooks", method: "GET", route: "/__lbheartbeat__", name: "lbheartbeat", query: &[], scopes: None },
    Ep { service: "hooks", method: "GET", route: "/__version__", name: "version", query: &[], scopes: None },
    Ep { service: "hooks", method: "GET", route: "/hooks", name: "listHookGroups", query: &[], scopes: Some(r#""hooks:list-hooks:""#) },
    Ep { service: "hooks", method: "GET", route: "/hooks/<hookGroupId>", name: "listHooks", query: &[], scopes: Some(r#""hooks:list-hooks:<hookGroupId>""#) },
    Ep { service: "hooks", method: "GET", route: "/hooks/<hookGroupId>/<hookId>", name: "hook", query: &[], scopes: Some(r#""hooks:get:<hookGroupId>:<hookId>""#) },
    Ep { service: "hooks", method: "GET", route: "/hooks/<hookGroupId>/<hookId>/status", name: "getHookStatus", query: &[], scopes: Some(r#""hooks:status:<hookGroupId>/<hookId>""#) },
    Ep { service: "hooks", method: "PUT", route: "/hooks/<hookGroupId>/<hookId>", name: "createHook", query: &[], scopes: Some(r#"{"AllOf":["hooks:modify-hook:<hookGroupId>/<hookId>","assume:hook-id:<hookGroupId>/<hookId>"]}"#) },
    Ep { service: "hooks", method: "POST", route: "/hooks/<hookGroupId>/<hookId>", name: "updateHook", query: &[], scopes: Some(r#"{"AllOf":["hooks:modify-hook:<hookGroupId>/<hookId>","assume:hook-id:<hookGroupId>/<hookId>"]}"#) },
    Ep { service: "hooks", method: "DELETE", route: "/hooks/<hookGroupId>/<hookId>", name: "removeHook", query: &[], scopes: Some(r#""hooks:modify-hook:<hookGroupId>/<hookId>""#) },
    Ep { service: "hooks", method: "POST", route: "/hooks/<hookGroupId>/<hookId>/trigger", name: "triggerHook", query: &[], scopes: Some(r#""hooks:trigger-hook:<hookGroupId>/<hookId>""#) },
    Ep { service: "hooks", method: "GET", route: "/hooks/<hookGroupId>/<hookId>/token", name: "getTriggerToken", query: &[], scopes: Some(r#""hooks:get-trigger-token:<hookGroupId>/<hookId>""#) },
    Ep { service: "hooks", method: "POST", route: "/hooks/<hookGroupId>/<hookId>/token", name: "resetTriggerToken", query: &[], scopes: Some(r#""hooks:reset-trigger-token:<hookGroupId>/<hookId>""#) },
    Ep { service: "hooks", method: "POST", route: "/hooks/<hookGroupId>/<hookId>/trigger/<token>", name: "triggerHookWithToken", query: &[], scopes: None },
    Ep { service: "hooks", method: "GET", route: "/hooks/<hookGroupId>/<hookId>/last-fires", name: "listLastFires", query: &["continuationToken", "limit"], scopes: Some(r#""hooks:list-last-fires:<hookGroupId>/<hookId>""#) },
    Ep { service: "hooks", method: "GET", route: "/__heartbeat__", name: "heartbeat", query: &[], scopes: None },
];

/// The hooks service, for the router.
pub(crate) const SERVICE: Service = Service {
    name: "hooks",
    endpoints: ENDPOINTS,
    handle: |call| Box::pin(async move { handle(call) }),
};

/// The client the real hooks service creates tasks as (for error messages).
const HOOKS_CLIENT: &str = "static/taskcluster/hooks";

fn no_hook() -> TcError {
    TcError::not_found("No such hook")
}

/// The URL parameters' patterns (`params` of the real service's API builder).
fn check_params(call: &Call) -> Result<(String, String), TcError> {
    let group = call.param("hookGroupId").to_string();
    let id = call.param("hookId").to_string();
    let ok_group = |s: &str| {
        s.len() <= 1000
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    let ok_id = |s: &str| {
        s.len() <= 1000
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_/".contains(&b))
    };
    for (name, value, good) in [
        ("hookGroupId", &group, ok_group(&group)),
        ("hookId", &id, ok_id(&id)),
    ] {
        if !good || (value.is_empty() && call.params.contains_key(name)) {
            return Err(TcError::bad_args(format!(
                "Invalid URL patterns:\n * {name}: '{value}' does not match the required pattern"
            )));
        }
    }
    Ok((group, id))
}

/// Insert or replace a hook from a definition (for `createHook`, `updateHook` and seeding);
/// fills the defaults of `create-hook-request.json`.
pub(crate) fn put_hook(
    db: &mut crate::state::Db,
    group: &str,
    id: &str,
    input: &Value,
) -> Result<Value, TcError> {
    let o = input
        .as_object()
        .ok_or_else(|| crate::validate::fail("data must be object"))?;
    crate::validate::only(
        o,
        &[
            "bindings",
            "hookGroupId",
            "hookId",
            "metadata",
            "schedule",
            "task",
            "triggerSchema",
        ],
        "data",
    )?;
    let md = crate::validate::object(
        o.get("metadata")
            .ok_or_else(|| crate::validate::fail("data must have required property 'metadata'"))?,
        "data/metadata",
    )?;
    crate::validate::only(
        md,
        &["name", "description", "owner", "emailOnError"],
        "data/metadata",
    )?;
    for k in ["name", "description", "owner"] {
        crate::validate::req_str(md, k, "data/metadata")?;
    }
    let task = match o.get("task") {
        Some(t @ Value::Object(_)) => t.clone(),
        Some(_) => return Err(crate::validate::fail("data/task must be object")),
        None => {
            return Err(crate::validate::fail(
                "data must have required property 'task'",
            ))
        }
    };
    if o.get("hookGroupId").is_some_and(|g| g != group) {
        return Err(TcError::input("Hook Group Ids do not match"));
    }
    if o.get("hookId").is_some_and(|h| h != id) {
        return Err(TcError::input("Hook Ids do not match"));
    }
    let schedule = match o.get("schedule") {
        None => json!([]),
        Some(Value::Array(a)) if a.iter().all(Value::is_string) => json!(a),
        Some(_) => {
            return Err(crate::validate::fail(
                "data/schedule must be array of strings",
            ))
        }
    };
    let trigger_schema = match o.get("triggerSchema") {
        None => json!({"type": "object", "additionalProperties": false}),
        Some(s @ Value::Object(_)) => s.clone(),
        Some(_) => return Err(crate::validate::fail("data/triggerSchema must be object")),
    };
    let bindings = match o.get("bindings") {
        None => json!([]),
        Some(b @ Value::Array(_)) => b.clone(),
        Some(_) => return Err(crate::validate::fail("data/bindings must be array")),
    };
    let mut metadata = Value::Object(md.clone());
    if metadata.get("emailOnError").is_none() {
        metadata["emailOnError"] = json!(true);
    }
    let definition = json!({
        "hookGroupId": group,
        "hookId": id,
        "bindings": bindings,
        "metadata": metadata,
        "task": task,
        "schedule": schedule,
        "triggerSchema": trigger_schema,
    });
    let key = (group.to_string(), id.to_string());
    let token = db
        .hooks
        .hooks
        .get(&key)
        .map(|h| h.trigger_token.clone())
        .unwrap_or_else(slugid);
    db.hooks.hooks.insert(
        key,
        Hook {
            definition: definition.clone(),
            trigger_token: token,
        },
    );
    Ok(definition)
}

/// Handle a hooks API call.
fn handle(call: &mut Call) -> Reply {
    let state = call.state.clone();
    if call.ep.name == "listHookGroups" {
        let db = lock(&state.db);
        let mut groups: Vec<&String> = db.hooks.hooks.keys().map(|(g, _)| g).collect();
        groups.dedup();
        return ok(json!({ "groups": groups }));
    }
    let (group, id) = check_params(call)?;
    let key = (group.clone(), id.clone());
    match call.ep.name {
        "listHooks" => {
            let db = lock(&state.db);
            let hooks: Vec<&Value> = db
                .hooks
                .hooks
                .iter()
                .filter(|((g, _), _)| *g == group)
                .map(|(_, h)| &h.definition)
                .collect();
            if hooks.is_empty() {
                return Err(TcError::not_found("No such group"));
            }
            ok(json!({ "hooks": hooks }))
        }
        "hook" => {
            let db = lock(&state.db);
            let h = db.hooks.hooks.get(&key).ok_or_else(no_hook)?;
            ok(h.definition.clone())
        }
        "getHookStatus" => {
            let db = lock(&state.db);
            let h = db.hooks.hooks.get(&key).ok_or_else(no_hook)?;
            let last = db.hooks.fires.get(&key).and_then(|f| f.last());
            let last_fire = match last {
                None => json!({"result": "no-fire"}),
                Some(f) if f.result == "success" => {
                    json!({"result": "success", "taskId": f.task_id, "time": iso(f.task_create_ms)})
                }
                Some(f) => {
                    let error = serde_json::from_str::<Value>(&f.error)
                        .ok()
                        .filter(Value::is_object)
                        .unwrap_or_else(|| json!({"message": f.error}));
                    json!({"result": "error", "error": error, "time": iso(f.task_create_ms)})
                }
            };
            let mut out = json!({ "lastFire": last_fire });
            if h.definition["schedule"]
                .as_array()
                .is_some_and(|s| !s.is_empty())
            {
                // schedules never fire here; a far-off next date keeps the shape
                out["nextScheduledDate"] = json!(iso(now_ms() + 365 * 24 * 3600 * 1000));
            }
            ok(out)
        }
        "createHook" | "updateHook" => {
            let mut db = lock(&state.db);
            let exists = db.hooks.hooks.contains_key(&key);
            if call.ep.name == "updateHook" && !exists {
                return Err(no_hook());
            }
            if call.ep.name == "createHook" && exists {
                let old = db.hooks.hooks[&key].definition.clone();
                // idempotent for the same definition, as upstream
                let mut probe = crate::state::Db::default();
                let new = put_hook(&mut probe, &group, &id, &call.payload)?;
                if new != old {
                    return Err(TcError::conflict(format!(
                        "hook `{group}/{id}` already exists."
                    )));
                }
                return ok(old);
            }
            let out = put_hook(&mut db, &group, &id, &call.payload)?;
            let action = if exists { "updated" } else { "created" };
            let hook = format!("{group}/{id}");
            db.audit("hook", &hook, call.caller.client_id.as_deref(), action);
            ok(out)
        }
        "removeHook" => {
            let mut db = lock(&state.db);
            db.hooks.hooks.remove(&key);
            db.hooks.fires.remove(&key);
            let hook = format!("{group}/{id}");
            db.audit("hook", &hook, call.caller.client_id.as_deref(), "deleted");
            ok(json!({}))
        }
        "getTriggerToken" | "resetTriggerToken" => {
            let mut db = lock(&state.db);
            let h = db.hooks.hooks.get_mut(&key).ok_or_else(no_hook)?;
            if call.ep.name == "resetTriggerToken" {
                h.trigger_token = slugid();
            }
            ok(json!({ "token": h.trigger_token }))
        }
        "triggerHook" | "triggerHookWithToken" => {
            let hook = lock(&state.db)
                .hooks
                .hooks
                .get(&key)
                .cloned()
                .ok_or_else(no_hook)?;
            let client_id = if call.ep.name == "triggerHookWithToken" {
                if call.param("token") != hook.trigger_token {
                    return Err(TcError::new("AuthenticationFailed", "invalid hook token"));
                }
                None
            } else {
                call.caller.client_id.clone()
            };
            let payload = call.payload.clone();
            fire(call, &hook, payload, client_id)
        }
        "listLastFires" => {
            let after = call
                .query
                .get("continuationToken")
                .map(|t| {
                    t.parse::<usize>()
                        .map_err(|_| TcError::bad_args("Invalid continuationToken"))
                })
                .transpose()?
                .unwrap_or(0);
            let limit = crate::call::limit(call, 1000, 1000);
            let db = lock(&state.db);
            let fires: Vec<Value> = db
                .hooks
                .fires
                .get(&key)
                .map(|f| {
                    f.iter()
                        .rev()
                        .map(|f| {
                            let task_state = db
                                .queue
                                .tasks
                                .get(&f.task_id)
                                .map(|t| t.state().to_string())
                                .unwrap_or_else(|| "unknown".into());
                            json!({
                                "hookGroupId": group,
                                "hookId": id,
                                "firedBy": f.fired_by,
                                "taskId": f.task_id,
                                "taskCreateTime": iso(f.task_create_ms),
                                "result": f.result,
                                "error": f.error,
                                "taskState": task_state,
                            })
                        })
                        .collect()
                })
                .unwrap_or_default();
            if fires.is_empty() {
                return Err(TcError::not_found("No such hook or never fired"));
            }
            let page: Vec<Value> = fires.iter().skip(after).take(limit).cloned().collect();
            let mut out = json!({ "lastFires": page });
            if after + limit < fires.len() {
                out["continuationToken"] = json!((after + limit).to_string());
            }
            ok(out)
        }
        _ => Err(TcError::new("InternalServerError", "not implemented")),
    }
}

/// Fire a hook: validate the payload, render the task, check the hook role's scopes as the
/// queue would, create the task and record the fire (`taskcreator.fire` upstream).
fn fire(call: &Call, hook: &Hook, payload: Value, client_id: Option<String>) -> Reply {
    let state = call.state.clone();
    let def = &hook.definition;
    let group = def["hookGroupId"].as_str().unwrap_or("").to_string();
    let id = def["hookId"].as_str().unwrap_or("").to_string();
    if let Err(e) = check_schema(&def["triggerSchema"], &payload, "data") {
        return Err(TcError::input(e));
    }
    let task_id = match payload.get("taskId") {
        Some(Value::String(t)) if !t.is_empty() => {
            if !is_slugid(t) {
                return Err(TcError::input(format!("Invalid taskId format: {t}")));
            }
            t.clone()
        }
        _ => slugid(),
    };
    let now = now_ms();
    let fired_by = call.ep.name.to_string();
    let mut ctx = Map::new();
    ctx.insert("firedBy".into(), json!(fired_by));
    ctx.insert("payload".into(), payload);
    if let Some(c) = client_id {
        ctx.insert("clientId".into(), json!(c));
    }
    ctx.insert("now".into(), json!(iso(now)));
    ctx.insert("taskId".into(), json!(task_id));
    let record = |result: &str, error: String| {
        lock(&state.db)
            .hooks
            .fires
            .entry((group.clone(), id.clone()))
            .or_default()
            .push(Fire {
                fired_by: fired_by.clone(),
                task_id: task_id.clone(),
                task_create_ms: now_ms(),
                result: result.into(),
                error,
            });
    };
    let task = match render(&def["task"], &ctx, now) {
        Ok(Some(Value::Object(t))) => t,
        Ok(None) => return ok(json!({})),
        Ok(Some(_)) => {
            let e = "the task template did not render to an object".to_string();
            record("error", e.clone());
            return Err(TcError::input(format!("While firing hook:\n\n{e}")));
        }
        Err(e) => {
            let e = format!("TemplateError: {e}");
            record("error", e.clone());
            return Err(TcError::input(format!("While firing hook:\n\n{e}")));
        }
    };
    let mut task = task;
    if !task.contains_key("created") {
        task.insert("created".into(), json!(iso(now)));
    }
    if !task.contains_key("deadline") {
        task.insert("deadline".into(), json!(iso(now + 24 * 3600 * 1000)));
    }
    if !task.contains_key("expires") {
        task.insert("expires".into(), json!(iso(now + 30 * 24 * 3600 * 1000)));
    }
    if !task.contains_key("taskGroupId") {
        task.insert("taskGroupId".into(), json!(task_id));
    }
    let task = Value::Object(task);
    // The task is created with authorizedScopes [assume:hook-id:<group>/<id>].
    let role = format!("hook-id:{group}/{id}");
    let held = lock(&state.db).expand(&[format!("assume:{role}")]);
    let expr = create_task_expr(&task);
    if !expr.satisfied(&held) {
        let show = |e: &Expr| match e.to_json() {
            Value::String(s) => s,
            v => serde_json::to_string_pretty(&v).unwrap_or_default(),
        };
        let missing = expr.unsatisfied(&held).unwrap_or(expr.clone());
        let queue_message = format!(
            "Client ID {HOOKS_CLIENT} does not have sufficient scopes and is missing the following scopes:\n\n```\n{}\n```\n\nThis request requires the client to satisfy the following scope expression:\n\n```\n{}\n```",
            show(&missing),
            show(&expr),
        );
        record(
            "error",
            serde_json::to_string_pretty(&json!({
                "name": "InsufficientScopesError",
                "message": queue_message,
                "code": "InsufficientScopes",
                "statusCode": 403,
            }))
            .unwrap_or_default(),
        );
        return Err(TcError::new(
            "InsufficientScopes",
            format!("The role `{role}` does not have sufficient scopes to create the task:\n\n{queue_message}"),
        ));
    }
    let created = {
        let mut db = lock(&state.db);
        queue::create_task_unchecked(&mut db.queue, &task_id, &task)
    };
    match created {
        Ok(()) => {
            state.work.notify_waiters();
            record("success", String::new());
            ok(json!({ "taskId": task_id, "status": { "taskId": task_id } }))
        }
        Err(e) => {
            record(
                "error",
                serde_json::to_string_pretty(
                    &json!({"name": format!("{}Error", e.code), "message": e.message, "code": e.code}),
                )
                .unwrap_or_default(),
            );
            Err(TcError::input(format!(
                "While calling createTask: {}\n\n{}",
                e.code, e.message
            )))
        }
    }
}

/// The queue's `createTask` scope expression for a task definition (its defaults applied).
fn create_task_expr(task: &Value) -> Expr {
    let s = |k: &str, d: &str| task.get(k).and_then(Value::as_str).unwrap_or(d).to_string();
    let (prov, wt) = match task.get("taskQueueId").and_then(Value::as_str) {
        Some(q) => q
            .split_once('/')
            .map(|(p, w)| (p.to_string(), w.to_string()))
            .unwrap_or((q.to_string(), String::new())),
        None => (s("provisionerId", ""), s("workerType", "")),
    };
    let priority = s("priority", "lowest");
    let rank = PRIORITIES
        .iter()
        .position(|p| *p == priority)
        .unwrap_or(PRIORITIES.len() - 1);
    let list = |k: &str| task.get(k).cloned().unwrap_or_else(|| json!([]));
    let ep = queue::SERVICE
        .endpoints
        .iter()
        .find(|e| e.name == "createTask")
        .and_then(|e| e.scopes)
        .unwrap_or(r#""queue:create-task""#);
    let tmpl: Value = serde_json::from_str(ep).unwrap_or(Value::Null);
    let params = json!({
        "scopes": list("scopes"),
        "routes": list("routes"),
        "projectId": s("projectId", "none"),
        "schedulerId": s("schedulerId", "-"),
        "priorities": PRIORITIES[..=rank],
        "provisionerId": prov,
        "workerType": wt,
    });
    let params = params.as_object().cloned().unwrap_or_default();
    // a template whose parameters do not fit (e.g. scopes not strings) can never be satisfied
    render_scopes(&tmpl, &params).unwrap_or_else(|p| Expr::Scope(format!("<{p}>")))
}

// ---------------------------------------------------------------------------------------
// Trigger schema (a subset of JSON schema, with ajv's `errorsText` wording)

fn type_ok(t: &str, v: &Value) -> bool {
    match t {
        "object" => v.is_object(),
        "array" => v.is_array(),
        "string" => v.is_string(),
        "number" => v.is_number(),
        "integer" => v.as_f64().is_some_and(|f| f.fract() == 0.0),
        "boolean" => v.is_boolean(),
        "null" => v.is_null(),
        _ => true,
    }
}

fn check_schema(schema: &Value, v: &Value, path: &str) -> Result<(), String> {
    let mut errors = Vec::new();
    check_into(schema, v, path, &mut errors);
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors.join("; "))
    }
}

fn check_into(schema: &Value, v: &Value, path: &str, errors: &mut Vec<String>) {
    let Some(s) = schema.as_object() else { return };
    match s.get("type") {
        Some(Value::String(t)) if !type_ok(t, v) => {
            errors.push(format!("{path} must be {t}"));
            return;
        }
        Some(Value::Array(ts)) if !ts.iter().filter_map(Value::as_str).any(|t| type_ok(t, v)) => {
            let names: Vec<&str> = ts.iter().filter_map(Value::as_str).collect();
            errors.push(format!("{path} must be {}", names.join(",")));
            return;
        }
        _ => {}
    }
    if let Some(Value::Array(allowed)) = s.get("enum") {
        if !allowed.contains(v) {
            errors.push(format!("{path} must be equal to one of the allowed values"));
        }
    }
    if let Value::Object(o) = v {
        for r in s
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            if !o.contains_key(r) {
                errors.push(format!("{path} must have required property '{r}'"));
            }
        }
        let props = s.get("properties").and_then(Value::as_object);
        for (k, item) in o {
            match props.and_then(|p| p.get(k)) {
                Some(sub) => check_into(sub, item, &format!("{path}/{k}"), errors),
                None => {
                    if s.get("additionalProperties") == Some(&Value::Bool(false)) {
                        errors.push(format!("{path} must NOT have additional properties"));
                    }
                }
            }
        }
    }
    if let (Value::Array(a), Some(items)) = (v, s.get("items")) {
        for (i, item) in a.iter().enumerate() {
            check_into(items, item, &format!("{path}/{i}"), errors);
        }
    }
}

// ---------------------------------------------------------------------------------------
// JSON-e (the subset described in the module documentation)

/// Render a JSON-e template; `None` when the template deletes itself (an `$if` without the
/// branch taken).
pub(crate) fn render(
    t: &Value,
    ctx: &Map<String, Value>,
    now: i64,
) -> Result<Option<Value>, String> {
    match t {
        Value::String(s) => interpolate(s, ctx).map(|s| Some(Value::String(s))),
        Value::Array(a) => {
            let mut out = Vec::new();
            for item in a {
                if let Some(v) = render(item, ctx, now)? {
                    out.push(v);
                }
            }
            Ok(Some(Value::Array(out)))
        }
        Value::Object(o) => {
            if let Some(op) = o
                .keys()
                .find(|k| k.starts_with('$') && !k.starts_with("$$"))
            {
                return operator(op, o, ctx, now);
            }
            let mut out = Map::new();
            for (k, v) in o {
                let key = if let Some(rest) = k.strip_prefix("$$") {
                    format!("${rest}")
                } else {
                    interpolate(k, ctx)?
                };
                if let Some(v) = render(v, ctx, now)? {
                    out.insert(key, v);
                }
            }
            Ok(Some(Value::Object(out)))
        }
        v => Ok(Some(v.clone())),
    }
}

fn operator(
    op: &str,
    o: &Map<String, Value>,
    ctx: &Map<String, Value>,
    now: i64,
) -> Result<Option<Value>, String> {
    let expr_of = |v: &Value| -> Result<String, String> {
        v.as_str()
            .map(str::to_string)
            .ok_or_else(|| format!("{op} can evaluate string expressions only"))
    };
    match op {
        "$eval" => Ok(Some(eval(&expr_of(&o[op])?, ctx)?)),
        "$json" => {
            let v = render(&o[op], ctx, now)?.unwrap_or(Value::Null);
            Ok(Some(Value::String(
                serde_json::to_string(&v).map_err(|e| e.to_string())?,
            )))
        }
        "$if" => {
            let cond = truthy(&eval(&expr_of(&o[op])?, ctx)?);
            let branch = if cond { o.get("then") } else { o.get("else") };
            match branch {
                Some(b) => render(b, ctx, now),
                None => Ok(None),
            }
        }
        "$fromNow" => {
            let text = render(&o[op], ctx, now)?
                .and_then(|v| v.as_str().map(str::to_string))
                .ok_or("$fromNow expects a string")?;
            let base = match o.get("from") {
                Some(f) => {
                    let f = render(f, ctx, now)?
                        .and_then(|v| v.as_str().map(str::to_string))
                        .ok_or("$fromNow's from must be a string")?;
                    parse_iso(&f).ok_or_else(|| format!("invalid date in from: {f}"))?
                }
                None => ctx
                    .get("now")
                    .and_then(Value::as_str)
                    .and_then(parse_iso)
                    .unwrap_or(now),
            };
            Ok(Some(json!(iso(base + offset_ms(&text)?))))
        }
        other => Err(format!(
            "{other} is not supported by tc-devserver's JSON-e subset ($eval, $if, $json, $fromNow)"
        )),
    }
}

/// A relative time such as `1 day 2 hours` or `-30 min`, in milliseconds.
fn offset_ms(text: &str) -> Result<i64, String> {
    let t = text.trim();
    let (sign, t) = match t.strip_prefix('-') {
        Some(r) => (-1, r),
        None => (1, t.strip_prefix('+').unwrap_or(t)),
    };
    let bad = || format!("invalid relative time: {text}");
    let mut total: i64 = 0;
    let mut rest = t.trim();
    if rest.is_empty() {
        return Err(bad());
    }
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        let n: i64 = rest[..digits].parse().map_err(|_| bad())?;
        rest = rest[digits..].trim_start();
        let unit_len = rest.bytes().take_while(u8::is_ascii_alphabetic).count();
        let unit = &rest[..unit_len];
        rest = rest[unit_len..].trim_start();
        let ms: i64 = match unit {
            "y" | "yr" | "yrs" | "year" | "years" => 365 * 86_400_000,
            "mo" | "month" | "months" => 30 * 86_400_000,
            "w" | "wk" | "wks" | "week" | "weeks" => 7 * 86_400_000,
            "d" | "day" | "days" => 86_400_000,
            "h" | "hr" | "hrs" | "hour" | "hours" => 3_600_000,
            "m" | "min" | "mins" | "minute" | "minutes" => 60_000,
            "s" | "sec" | "secs" | "second" | "seconds" => 1000,
            _ => return Err(bad()),
        };
        total = total.saturating_add(n.saturating_mul(ms));
    }
    Ok(sign * total)
}

fn interpolate(s: &str, ctx: &Map<String, Value>) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find("${") {
        if rest[..i].ends_with('$') {
            // `$${` is a literal `${`
            out.push_str(&rest[..i - 1]);
            out.push_str("${");
            rest = &rest[i + 2..];
            continue;
        }
        out.push_str(&rest[..i]);
        let end = rest[i..]
            .find('}')
            .ok_or_else(|| format!("unterminated ${{ in {s:?}"))?;
        let v = eval(&rest[i + 2..i + end], ctx)?;
        match v {
            Value::String(x) => out.push_str(&x),
            Value::Number(n) => out.push_str(&n.to_string()),
            Value::Bool(b) => out.push_str(&b.to_string()),
            Value::Null => {}
            _ => return Err("interpolation of an object or array into a string".into()),
        }
        rest = &rest[i + end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64() != Some(0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Str(String),
    Num(f64),
    Op(&'static str),
}

fn tokens(src: &str) -> Result<Vec<Tok>, String> {
    let b = src.as_bytes();
    let mut i = 0;
    let mut out = Vec::new();
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_whitespace() {
            i += 1;
        } else if c.is_ascii_alphabetic() || c == b'_' {
            let start = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                i += 1;
            }
            out.push(Tok::Ident(src[start..i].to_string()));
        } else if c.is_ascii_digit() {
            let start = i;
            while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'.') {
                i += 1;
            }
            out.push(Tok::Num(src[start..i].parse().map_err(|_| "bad number")?));
        } else if c == b'"' || c == b'\'' {
            let end = src[i + 1..]
                .find(char::from(c))
                .ok_or("unterminated string")?;
            out.push(Tok::Str(src[i + 1..i + 1 + end].to_string()));
            i += end + 2;
        } else {
            let two = src.get(i..i + 2).unwrap_or("");
            let op = ["==", "!=", "&&", "||"]
                .into_iter()
                .find(|o| *o == two)
                .or_else(|| {
                    [".", "[", "]", "(", ")", "!", "-"]
                        .into_iter()
                        .find(|o| o.as_bytes()[0] == c)
                })
                .ok_or_else(|| {
                    format!(
                        "unexpected {:?} in {src:?} (tc-devserver's JSON-e expressions: paths, literals, !, ==, !=, &&, ||)",
                        char::from(c)
                    )
                })?;
            out.push(Tok::Op(op));
            i += op.len();
        }
    }
    Ok(out)
}

struct Parser<'a> {
    toks: Vec<Tok>,
    pos: usize,
    ctx: &'a Map<String, Value>,
}

impl Parser<'_> {
    fn peek_op(&self, op: &str) -> bool {
        matches!(self.toks.get(self.pos), Some(Tok::Op(o)) if *o == op)
    }
    fn expect(&mut self, op: &str) -> Result<(), String> {
        if self.peek_op(op) {
            self.pos += 1;
            Ok(())
        } else {
            Err(format!("expected {op}"))
        }
    }
    fn or(&mut self) -> Result<Value, String> {
        let mut l = self.and()?;
        while self.peek_op("||") {
            self.pos += 1;
            let r = self.and()?;
            l = json!(truthy(&l) || truthy(&r));
        }
        Ok(l)
    }
    fn and(&mut self) -> Result<Value, String> {
        let mut l = self.eq()?;
        while self.peek_op("&&") {
            self.pos += 1;
            let r = self.eq()?;
            l = json!(truthy(&l) && truthy(&r));
        }
        Ok(l)
    }
    fn eq(&mut self) -> Result<Value, String> {
        let l = self.unary()?;
        for (op, want) in [("==", true), ("!=", false)] {
            if self.peek_op(op) {
                self.pos += 1;
                let r = self.unary()?;
                return Ok(json!(same(&l, &r) == want));
            }
        }
        Ok(l)
    }
    fn unary(&mut self) -> Result<Value, String> {
        if self.peek_op("!") {
            self.pos += 1;
            return Ok(json!(!truthy(&self.unary()?)));
        }
        if self.peek_op("-") {
            self.pos += 1;
            return match self.unary()?.as_f64() {
                Some(n) => Ok(json!(-n)),
                None => Err("unary - applies to numbers only".into()),
            };
        }
        self.postfix()
    }
    fn postfix(&mut self) -> Result<Value, String> {
        let mut v = self.primary()?;
        loop {
            if self.peek_op(".") {
                self.pos += 1;
                let Some(Tok::Ident(k)) = self.toks.get(self.pos).cloned() else {
                    return Err("expected a property name after .".into());
                };
                self.pos += 1;
                v = property(&v, &Value::String(k))?;
            } else if self.peek_op("[") {
                self.pos += 1;
                let k = self.or()?;
                self.expect("]")?;
                v = property(&v, &k)?;
            } else {
                return Ok(v);
            }
        }
    }
    fn primary(&mut self) -> Result<Value, String> {
        let t = self
            .toks
            .get(self.pos)
            .cloned()
            .ok_or("unexpected end of expression")?;
        self.pos += 1;
        match t {
            Tok::Num(n) => Ok(json!(n)),
            Tok::Str(s) => Ok(json!(s)),
            Tok::Ident(id) => match id.as_str() {
                "true" => Ok(json!(true)),
                "false" => Ok(json!(false)),
                "null" => Ok(Value::Null),
                _ => self
                    .ctx
                    .get(&id)
                    .cloned()
                    .ok_or_else(|| format!("unknown context value {id}")),
            },
            Tok::Op("(") => {
                let v = self.or()?;
                self.expect(")")?;
                Ok(v)
            }
            Tok::Op(o) => Err(format!("unexpected {o}")),
        }
    }
}

/// Equality with numbers compared by value (`2 == 2.0`).
fn same(a: &Value, b: &Value) -> bool {
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    }
}

fn property(v: &Value, k: &Value) -> Result<Value, String> {
    match (v, k) {
        (Value::Object(o), Value::String(k)) => o
            .get(k)
            .cloned()
            .ok_or_else(|| format!("object has no property {k}")),
        (Value::Array(a), Value::Number(n)) => {
            let i = n.as_f64().unwrap_or(-1.0);
            let idx = if i < 0.0 { a.len() as f64 + i } else { i };
            a.get(idx as usize)
                .filter(|_| idx >= 0.0 && idx.fract() == 0.0)
                .cloned()
                .ok_or_else(|| "index out of bounds".to_string())
        }
        _ => Err("cannot access a property of a non-object".into()),
    }
}

fn eval(src: &str, ctx: &Map<String, Value>) -> Result<Value, String> {
    let mut p = Parser {
        toks: tokens(src)?,
        pos: 0,
        ctx,
    };
    let v = p.or()?;
    if p.pos != p.toks.len() {
        return Err(format!("unexpected trailing input in {src:?}"));
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> Map<String, Value> {
        json!({"payload": {"a": {"b": "x"}, "n": 2, "list": [1, 2, 3], "flag": false}, "taskId": "T"})
            .as_object()
            .cloned()
            .unwrap()
    }

    #[test]
    fn json_e_subset() {
        let c = ctx();
        let r = |t: Value| render(&t, &c, 0).unwrap();
        assert_eq!(r(json!({"$eval": "payload.a.b"})), Some(json!("x")));
        assert_eq!(r(json!({"$eval": "payload['list'][-1]"})), Some(json!(3)));
        assert_eq!(r(json!("id ${taskId}-${payload.n}")), Some(json!("id T-2")));
        assert_eq!(r(json!("$${literal}")), Some(json!("${literal}")));
        assert_eq!(
            r(json!({"k": {"$if": "payload.flag", "then": 1}, "j": {"$json": [1]}})),
            Some(json!({"j": "[1]"}))
        );
        assert_eq!(
            r(json!({"$if": "!payload.flag && payload.n == 2", "then": "y", "else": "n"})),
            Some(json!("y"))
        );
        assert_eq!(
            r(json!({"$fromNow": "1 day 1 h", "from": "2024-01-01T00:00:00.000Z"})),
            Some(json!("2024-01-02T01:00:00.000Z"))
        );
        assert_eq!(r(json!({"$$eval": 1})), Some(json!({"$eval": 1})));
        for bad in [
            json!({"$eval": "nope"}),
            json!({"$eval": "payload.missing"}),
            json!({"$map": []}),
            json!({"$eval": "payload.n + 1"}),
        ] {
            assert!(render(&bad, &c, 0).is_err(), "{bad}");
        }
    }

    #[test]
    fn trigger_schema_subset() {
        let s = json!({"type": "object", "required": ["m"], "additionalProperties": false,
            "properties": {"m": {"type": "string"}, "n": {"type": "integer", "enum": [1, 2]}}});
        assert!(check_schema(&s, &json!({"m": "x", "n": 1}), "data").is_ok());
        assert_eq!(
            check_schema(&s, &json!({"n": 3, "z": 1}), "data").unwrap_err(),
            "data must have required property 'm'; data/n must be equal to one of the allowed values; data must NOT have additional properties"
        );
        assert_eq!(
            check_schema(&s, &json!([]), "data").unwrap_err(),
            "data must be object"
        );
    }
}
