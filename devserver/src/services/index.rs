//! The index service: tasks indexed under dotted namespaces, with ranks and expiry.

use crate::call::{after_key, limit, not_found, ok, paginate, see_other, Call, Ep, Reply, Service};
use crate::clock::now_ms;
use crate::errors::TcError;
use crate::state::index::{Entry, IndexDb};
use crate::state::AppState;
use crate::util::{iso, lock};
use crate::validate as v;
use serde_json::{json, Value};
use std::collections::BTreeMap;

fn entry_json(path: &str, e: &Entry) -> Value {
    json!({
        "namespace": path,
        "taskId": e.task_id,
        "rank": e.rank,
        "data": e.data,
        "expires": iso(e.expires_ms),
    })
}

fn parent(path: &str) -> &str {
    path.rsplit_once('.').map(|(p, _)| p).unwrap_or("")
}

/// Insert (or keep, when the existing rank is higher) an entry; returns the stored entry.
pub(crate) fn insert(db: &mut IndexDb, path: &str, e: Entry) -> Entry {
    let now = now_ms();
    match db.entries.get(path) {
        Some(old) if old.expires_ms > now && old.rank > e.rank => old.clone(),
        _ => {
            db.entries.insert(path.to_string(), e.clone());
            e
        }
    }
}

fn live(db: &IndexDb) -> impl Iterator<Item = (&String, &Entry)> {
    let now = now_ms();
    db.entries.iter().filter(move |(_, e)| e.expires_ms > now)
}

/// The index endpoints (routes, query keys and scope expressions from the references).
#[rustfmt::skip]
static ENDPOINTS: &[Ep] = &[
    Ep { service: "index", method: "GET", route: "/ping", name: "ping", query: &[], scopes: None },
    Ep { service: "index", method: "GET", route: "/__lbheartbeat__", name: "lbheartbeat", query: &[], scopes: None },
    Ep { service: "index", method: "GET", route: "/__version__", name: "version", query: &[], scopes: None },
    Ep { service: "index", method: "GET", route: "/task/<indexPath>", name: "findTask", query: &[], scopes: Some(r#""index:find-task:<indexPath>""#) },
    Ep { service: "index", method: "GET", route: "/namespaces/<namespace>", name: "listNamespaces", query: &["continuationToken", "limit"], scopes: Some(r#""index:list-namespaces:<namespace>""#) },
    Ep { service: "index", method: "GET", route: "/tasks/<namespace>", name: "listTasks", query: &["continuationToken", "limit"], scopes: Some(r#""index:list-tasks:<namespace>""#) },
    Ep { service: "index", method: "PUT", route: "/task/<namespace>", name: "insertTask", query: &[], scopes: Some(r#""index:insert-task:<namespace>""#) },
    Ep { service: "index", method: "DELETE", route: "/task/<namespace>", name: "deleteTask", query: &[], scopes: Some(r#""index:delete-task:<namespace>""#) },
    Ep { service: "index", method: "GET", route: "/task/<indexPath>/artifacts/<name>", name: "findArtifactFromTask", query: &[], scopes: Some(r#""queue:get-artifact:<name>""#) },
    Ep { service: "index", method: "POST", route: "/tasks/indexes", name: "findTasksAtIndex", query: &["continuationToken", "limit"], scopes: Some(r#"{"AllOf":[{"each":"index:find-task:<indexPath>","for":"indexPath","in":"indexPaths"}]}"#) },
    Ep { service: "index", method: "GET", route: "/__heartbeat__", name: "heartbeat", query: &[], scopes: None },
];

/// The index service, for the router.
pub(crate) const SERVICE: Service = Service {
    name: "index",
    endpoints: ENDPOINTS,
    handle: |call| Box::pin(handle(call)),
};

/// Handle an index API call.
pub(crate) async fn handle(call: &mut Call) -> Reply {
    let state = call.state.clone();
    match call.ep.name {
        "insertTask" => {
            let ns = call.param("namespace").to_string();
            let body = v::object(&call.payload, "data")?.clone();
            v::only(&body, &["taskId", "rank", "data", "expires"], "data")?;
            let task_id = v::req_slugid(&body, "taskId", "data")?.to_string();
            let rank = body
                .get("rank")
                .and_then(Value::as_f64)
                .ok_or_else(|| v::fail("data must have required property 'rank' (number)"))?;
            let data = match body.get("data") {
                Some(d @ Value::Object(_)) => d.clone(),
                Some(_) => return Err(v::fail("data/data must be object")),
                None => return Err(v::fail("data must have required property 'data'")),
            };
            let expires_ms = v::req_date(&body, "expires", "data")?;
            if ns.split('.').any(str::is_empty) {
                return Err(TcError::bad_args(format!(
                    "Invalid URL patterns:\n * namespace: '{ns}' must be dot-separated non-empty words"
                )));
            }
            let e = insert(
                &mut lock(&state.db).index,
                &ns,
                Entry {
                    task_id,
                    rank,
                    data,
                    expires_ms,
                },
            );
            ok(entry_json(&ns, &e))
        }
        "deleteTask" => {
            let ns = call.param("namespace").to_string();
            lock(&state.db).index.entries.remove(&ns);
            ok(json!({}))
        }
        "findTask" => {
            let path = call.param("indexPath").to_string();
            let db = lock(&state.db);
            match db.index.entries.get(&path) {
                Some(e) if e.expires_ms > now_ms() => ok(entry_json(&path, e)),
                _ => Err(TcError::not_found(format!(
                    "Indexed task not found for indexPath: {path}"
                ))),
            }
        }
        "findTasksAtIndex" => {
            // the body is `{indexes: [...]}` (list-tasks-at-index.json; `[]` by default), and
            // the scope expression names them `indexPaths`
            let body = v::object(&call.payload, "data")?.clone();
            let paths = v::opt_str_list(&body, "indexes", "data")?.unwrap_or_default();
            call.authorize(json!({ "indexPaths": paths }))?;
            let db = lock(&state.db);
            let tasks: Vec<Value> = paths
                .iter()
                .filter_map(|p| {
                    db.index
                        .entries
                        .get(p)
                        .filter(|e| e.expires_ms > now_ms())
                        .map(|e| entry_json(p, e))
                })
                .collect();
            ok(json!({ "tasks": tasks }))
        }
        "listNamespaces" => {
            let ns = call.param("namespace").to_string();
            let after = after_key(call)?;
            let limit = limit(call, 1000, 1000);
            let db = lock(&state.db);
            // namespaces are implied by indexed tasks: every proper prefix of a path
            let mut children: BTreeMap<String, i64> = BTreeMap::new();
            for (path, e) in live(&db.index) {
                let mut prefix = parent(path);
                while !prefix.is_empty() {
                    if parent(prefix) == ns {
                        let x = children.entry(prefix.to_string()).or_insert(0);
                        *x = (*x).max(e.expires_ms);
                    }
                    prefix = parent(prefix);
                }
            }
            let items = children
                .into_iter()
                .map(|(p, exp)| {
                    let name = p.rsplit('.').next().unwrap_or("").to_string();
                    (
                        p.clone(),
                        json!({"namespace": p, "name": name, "expires": iso(exp)}),
                    )
                })
                .collect();
            let (page, token) = paginate(items, after, limit);
            let mut out = json!({ "namespaces": page });
            if let Some(t) = token {
                out["continuationToken"] = json!(t);
            }
            ok(out)
        }
        "listTasks" => {
            let ns = call.param("namespace").to_string();
            let after = after_key(call)?;
            let limit = limit(call, 1000, 1000);
            let db = lock(&state.db);
            let items = live(&db.index)
                .filter(|(p, _)| parent(p) == ns)
                .map(|(p, e)| (p.clone(), entry_json(p, e)))
                .collect();
            let (page, token) = paginate(items, after, limit);
            let mut out = json!({ "tasks": page });
            if let Some(t) = token {
                out["continuationToken"] = json!(t);
            }
            ok(out)
        }
        "findArtifactFromTask" => {
            let path = call.param("indexPath").to_string();
            let name = call.param("name").to_string();
            let task_id = {
                let db = lock(&state.db);
                match db.index.entries.get(&path) {
                    Some(e) if e.expires_ms > now_ms() => e.task_id.clone(),
                    _ => {
                        return Err(TcError::not_found(format!(
                            "Indexed task not found for indexPath: {path}"
                        )))
                    }
                }
            };
            let url = artifact_url(&state, &task_id, &name);
            Ok(see_other(&url))
        }
        _ => Ok(not_found()),
    }
}

/// The queue `getLatestArtifact` URL for an artifact; non-`public/` names get a bewit signed
/// by the server's queue client (valid 30 minutes), as the real index does.
fn artifact_url(state: &AppState, task_id: &str, name: &str) -> String {
    let path = format!(
        "/api/queue/v1/task/{task_id}/artifacts/{}",
        crate::util::pct_encode(name)
    );
    if name.starts_with("public/") {
        return format!("{}{path}", state.root_url);
    }
    let port = state
        .root_url
        .rsplit(':')
        .next()
        .and_then(|p| p.parse::<u16>().ok())
        .unwrap_or(80);
    let bewit = hawk::Key::new(
        state.queue_access_token.as_bytes(),
        hawk::DigestAlgorithm::Sha256,
    )
    .ok()
    .and_then(|key| {
        let creds = hawk::Credentials {
            id: state.queue_client_id.clone(),
            key,
        };
        let exp_ms = u64::try_from(now_ms()).unwrap_or(0) + 30 * 60 * 1000;
        let exp = std::time::UNIX_EPOCH + std::time::Duration::from_millis(exp_ms);
        hawk::RequestBuilder::new("GET", "127.0.0.1", port, &path)
            .request()
            .make_bewit(&creds, exp)
            .ok()
            .map(|b| b.to_str())
    });
    match bewit {
        Some(b) => format!("{}{path}?bewit={b}", state.root_url),
        None => format!("{}{path}", state.root_url),
    }
}
