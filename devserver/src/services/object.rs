//! The object service: upload negotiation (dataInline / putUrl), finishUpload, download
//! negotiation (getUrl / simple), metadata and the simple-download redirect. Bytes live in
//! the blob store ([`crate::storage`]).

use crate::call::{not_found as no_route, ok, see_other, Call, Ep, FaultFlag, Reply, Service};
use crate::clock::now_ms;
use crate::errors::TcError;
use crate::state::object::Obj;
use crate::state::{AppState, Db};
use crate::util::{iso, lock, parse_iso};
use crate::validate as v;
use base64::Engine;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// Largest `objectData` accepted (characters of base64).
const MAX_INLINE_CHARS: usize = 10926;
/// Lifetime of a putUrl.
const PUT_URL_MS: i64 = 45 * 60 * 1000;
/// Reported lifetime of a getUrl (`expires`); the signature itself lasts twice as long.
const GET_URL_MS: i64 = 60 * 1000;
/// Lifetime of a simple-download URL.
const SIMPLE_URL_MS: i64 = 30 * 60 * 1000;
/// Unfinished uploads expire after a day.
const UPLOAD_EXPIRES_MS: i64 = 24 * 3600 * 1000;

fn check_hashes(v: Option<&Value>, path: &str) -> Result<BTreeMap<String, String>, TcError> {
    let mut out = BTreeMap::new();
    let Some(h) = v else { return Ok(out) };
    let o = v::object(h, path)?;
    for (k, val) in o {
        let want = match k.as_str() {
            "sha256" => 64,
            "sha512" => 128,
            _ => {
                return Err(v::fail(format!(
                    "{path} must NOT have additional properties (additionalProperty: {k})"
                )))
            }
        };
        let s = val
            .as_str()
            .ok_or_else(|| v::fail(format!("{path}/{k} must be string")))?;
        if s.len() != want
            || !s
                .bytes()
                .all(|b| b.is_ascii_digit() || b.is_ascii_lowercase())
        {
            return Err(v::fail(format!(
                "{path}/{k} must match pattern \"^[a-z0-9]{{{want}}}$\""
            )));
        }
        out.insert(k.clone(), s.to_string());
    }
    Ok(out)
}

fn merge_hashes(
    existing: &mut BTreeMap<String, String>,
    new: &BTreeMap<String, String>,
) -> Result<(), TcError> {
    for (k, val) in new {
        if let Some(old) = existing.get(k) {
            if old != val {
                return Err(TcError::conflict(
                    "Content hash already exists with a different value",
                ));
            }
        }
    }
    for (k, val) in new {
        existing.insert(k.clone(), val.clone());
    }
    Ok(())
}

/// Create the object row, or accept it idempotently ("lock in" an upload). Used by
/// createUpload and by the queue for object artifacts.
pub(crate) fn lock_in(
    db: &mut Db,
    name: &str,
    project_id: &str,
    upload_id: &str,
    expires_ms: i64,
    hashes: &BTreeMap<String, String>,
) -> Result<(), TcError> {
    let other = db
        .objects
        .objects
        .iter()
        .any(|(n, o)| n != name && o.upload_id.as_deref() == Some(upload_id));
    if other {
        return Err(TcError::conflict("Object already exists"));
    }
    match db.objects.objects.get_mut(name) {
        Some(o) => {
            let same = o.upload_id.as_deref() == Some(upload_id)
                && o.project_id == project_id
                && o.expires_ms == expires_ms;
            if !same {
                return Err(TcError::conflict("Object already exists"));
            }
            merge_hashes(&mut o.hashes, hashes)
        }
        None => {
            db.objects.objects.insert(
                name.to_string(),
                Obj {
                    project_id: project_id.to_string(),
                    upload_id: Some(upload_id.to_string()),
                    expires_ms,
                    upload_expires_ms: now_ms() + UPLOAD_EXPIRES_MS,
                    hashes: hashes.clone(),
                    blob_key: crate::storage::new_key(),
                },
            );
            Ok(())
        }
    }
}

/// Whether `name` is a finished object.
pub(crate) fn is_finished(db: &Db, name: &str) -> bool {
    db.objects
        .objects
        .get(name)
        .is_some_and(|o| o.upload_id.is_none())
}

/// The simple-download URL of a finished object.
pub(crate) fn simple_url(state: &AppState, name: &str, flags: &[FaultFlag]) -> Option<String> {
    let key = {
        let db = lock(&state.db);
        let o = db.objects.objects.get(name)?;
        if o.upload_id.is_some() {
            return None;
        }
        o.blob_key.clone()
    };
    let exp = if flags.contains(&FaultFlag::ExpireUrl) {
        now_ms() - 1000
    } else {
        now_ms() + SIMPLE_URL_MS
    };
    Some(crate::storage::get_url(state, &key, exp))
}

/// Store a finished object directly (seeding).
pub(crate) async fn put_finished(
    state: &AppState,
    name: &str,
    project_id: &str,
    expires_ms: i64,
    data: &[u8],
    content_type: &str,
    content_encoding: Option<&str>,
) -> std::io::Result<()> {
    let key = crate::storage::new_key();
    // Hashes are of the object's bytes; the blob holds them in `content_encoding`.
    let stored = match content_encoding.map(|e| e.to_ascii_lowercase()).as_deref() {
        None | Some("identity") => std::borrow::Cow::Borrowed(data),
        Some(other) => match crate::util::encode(data, other) {
            Some(encoded) => std::borrow::Cow::Owned(encoded),
            // An encoding the server cannot produce: the bytes are stored as given, under
            // that label (for testing clients faced with an encoding they cannot decode).
            None => std::borrow::Cow::Borrowed(data),
        },
    };
    // An empty content type: the blob is served without one.
    let served_type = Some(content_type).filter(|t| !t.is_empty());
    crate::storage::store_bytes(state, &key, &stored, served_type, content_encoding).await?;
    let (sha256, sha512) = crate::util::sha_hexes(data);
    let hashes = BTreeMap::from([
        ("sha256".to_string(), sha256),
        ("sha512".to_string(), sha512),
    ]);
    lock(&state.db).objects.objects.insert(
        name.to_string(),
        Obj {
            project_id: project_id.to_string(),
            upload_id: None,
            expires_ms,
            upload_expires_ms: now_ms(),
            hashes,
            blob_key: key,
        },
    );
    Ok(())
}

fn not_found(name: &str) -> TcError {
    TcError::not_found(format!("Object \"{name}\" not found"))
}

fn bad_name(name: &str) -> Result<(), TcError> {
    if name.is_empty() || !crate::scopes::valid_scope(name) {
        return Err(TcError::bad_args(format!(
            "Invalid URL patterns: URL parameter 'name' given as '{name}' must match /^[\\x20-\\x7e]+$/"
        )));
    }
    Ok(())
}

fn reported_hashes(h: &BTreeMap<String, String>, flags: &[FaultFlag]) -> Value {
    let mut m = Map::new();
    for (k, val) in h {
        let mut val = val.clone();
        if flags.contains(&FaultFlag::WrongHash) {
            // flip the first hex digit
            let first = if val.starts_with('0') { "1" } else { "0" };
            val.replace_range(0..1, first);
        }
        m.insert(k.clone(), json!(val));
    }
    Value::Object(m)
}

/// The object endpoints (routes, query keys and scope expressions from the references).
#[rustfmt::skip]
static ENDPOINTS: &[Ep] = &[
    Ep { service: "object", method: "GET", route: "/ping", name: "ping", query: &[], scopes: None },
    Ep { service: "object", method: "GET", route: "/__lbheartbeat__", name: "lbheartbeat", query: &[], scopes: None },
    Ep { service: "object", method: "GET", route: "/__version__", name: "version", query: &[], scopes: None },
    Ep { service: "object", method: "PUT", route: "/upload/<name>", name: "createUpload", query: &[], scopes: Some(r#""object:upload:<projectId>:<name>""#) },
    Ep { service: "object", method: "POST", route: "/finish-upload/<name>", name: "finishUpload", query: &[], scopes: Some(r#""object:upload:<projectId>:<name>""#) },
    Ep { service: "object", method: "PUT", route: "/start-download/<name>", name: "startDownload", query: &[], scopes: Some(r#""object:download:<name>""#) },
    Ep { service: "object", method: "GET", route: "/metadata/<name>", name: "object", query: &[], scopes: Some(r#""object:download:<name>""#) },
    Ep { service: "object", method: "GET", route: "/download/<name>", name: "download", query: &[], scopes: Some(r#""object:download:<name>""#) },
    Ep { service: "object", method: "GET", route: "/__heartbeat__", name: "heartbeat", query: &[], scopes: None },
];

/// The object service, for the router.
pub(crate) const SERVICE: Service = Service {
    name: "object",
    endpoints: ENDPOINTS,
    handle: |call| Box::pin(handle(call)),
};

/// Handle an object API call.
pub(crate) async fn handle(call: &mut Call) -> Reply {
    let state = call.state.clone();
    let name = call.param("name").to_string();
    bad_name(&name)?;
    match call.ep.name {
        "createUpload" => create_upload(call, &state, &name).await,
        "finishUpload" => {
            let body = v::object(&call.payload, "data")?.clone();
            v::only(&body, &["projectId", "uploadId", "hashes"], "data")?;
            let project_id = v::req_str(&body, "projectId", "data")?.to_string();
            v::project_id(&project_id, "data/projectId")?;
            let upload_id = v::req_slugid(&body, "uploadId", "data")?.to_string();
            let hashes = check_hashes(body.get("hashes"), "data/hashes")?;
            call.authorize(json!({ "projectId": project_id }))?;
            let mut db = lock(&state.db);
            let Some(o) = db.objects.objects.get_mut(&name) else {
                return Err(not_found(&name));
            };
            if o.project_id != project_id {
                return Err(TcError::input(format!(
                    "Object \"{name}\" does not have projectId {project_id}"
                )));
            }
            if o.upload_id.is_none() {
                for (k, val) in &hashes {
                    match o.hashes.get(k) {
                        None => {
                            return Err(TcError::conflict(format!(
                                "Object \"{name}\" already finished, but without hash algorithm {k}"
                            )))
                        }
                        Some(old) if old != val => {
                            return Err(TcError::conflict(format!(
                                "Object \"{name}\" already finished, but with a different hash for algorithm {k}"
                            )))
                        }
                        _ => {}
                    }
                }
                return ok(json!({}));
            }
            if o.upload_id.as_deref() != Some(upload_id.as_str()) {
                return Err(TcError::conflict(format!(
                    "Object \"{name}\" does not have uploadId {upload_id}"
                )));
            }
            merge_hashes(&mut o.hashes, &hashes)?;
            o.upload_id = None;
            ok(json!({}))
        }
        "startDownload" => {
            let body = v::object(&call.payload, "data")?.clone();
            v::only(&body, &["acceptDownloadMethods"], "data")?;
            let methods = body.get("acceptDownloadMethods").ok_or_else(|| {
                v::fail("data must have required property 'acceptDownloadMethods'")
            })?;
            let methods = v::object(methods, "data/acceptDownloadMethods")?;
            let mut accept = Vec::new();
            for (k, val) in methods {
                if !matches!(k.as_str(), "getUrl" | "simple") {
                    // unknown methods are allowed by the schema and simply not supported
                    continue;
                }
                if val != &Value::Bool(true) {
                    return Err(v::fail(format!(
                        "data/acceptDownloadMethods/{k} must be equal to constant"
                    )));
                }
                accept.push(k.clone());
            }
            let (key, hashes) = {
                let db = lock(&state.db);
                match db.objects.objects.get(&name) {
                    Some(o) if o.upload_id.is_none() => (o.blob_key.clone(), o.hashes.clone()),
                    _ => return Err(not_found(&name)),
                }
            };
            let expired = call.flags.contains(&FaultFlag::ExpireUrl);
            if accept.iter().any(|m| m == "getUrl") {
                let (sig_exp, exp) = if expired {
                    (now_ms() - 1000, now_ms() - 1000)
                } else {
                    (now_ms() + 2 * GET_URL_MS, now_ms() + GET_URL_MS)
                };
                let url = crate::storage::get_url(&state, &key, sig_exp);
                return ok(json!({
                    "method": "getUrl",
                    "url": url,
                    "expires": iso(exp),
                    "hashes": reported_hashes(&hashes, &call.flags),
                }));
            }
            if accept.iter().any(|m| m == "simple") {
                let url = simple_url(&state, &name, &call.flags).ok_or_else(|| not_found(&name))?;
                return ok(json!({"method": "simple", "url": url}));
            }
            Err(TcError::new(
                "NoMatchingMethod",
                "Object supports methods getUrl, simple",
            ))
        }
        "object" => {
            let db = lock(&state.db);
            match db.objects.objects.get(&name) {
                Some(o) if o.upload_id.is_none() => ok(json!({
                    "projectId": o.project_id,
                    "expires": iso(o.expires_ms),
                    "hashes": reported_hashes(&o.hashes, &call.flags),
                })),
                _ => Err(not_found(&name)),
            }
        }
        "download" => {
            let url = simple_url(&state, &name, &call.flags).ok_or_else(|| not_found(&name))?;
            Ok(see_other(&url))
        }
        _ => Ok(no_route()),
    }
}

async fn create_upload(call: &mut Call, state: &AppState, name: &str) -> Reply {
    let body = v::object(&call.payload, "data")?.clone();
    v::only(
        &body,
        &[
            "projectId",
            "uploadId",
            "expires",
            "hashes",
            "proposedUploadMethods",
        ],
        "data",
    )?;
    let project_id = v::req_str(&body, "projectId", "data")?.to_string();
    v::project_id(&project_id, "data/projectId")?;
    let upload_id = v::req_slugid(&body, "uploadId", "data")?.to_string();
    let expires_str = v::req_str(&body, "expires", "data")?.to_string();
    let expires_ms = parse_iso(&expires_str)
        .ok_or_else(|| v::fail("data/expires must match format \"date-time\""))?;
    let hashes = check_hashes(body.get("hashes"), "data/hashes")?;
    let proposed = body
        .get("proposedUploadMethods")
        .ok_or_else(|| v::fail("data must have required property 'proposedUploadMethods'"))?;
    let proposed = v::object(proposed, "data/proposedUploadMethods")?.clone();
    v::only(
        &proposed,
        &["dataInline", "putUrl"],
        "data/proposedUploadMethods",
    )?;
    let mut inline = None;
    if let Some(d) = proposed.get("dataInline") {
        let d = v::object(d, "data/proposedUploadMethods/dataInline")?;
        let p = "data/proposedUploadMethods/dataInline";
        v::only(d, &["contentType", "objectData"], p)?;
        let ct = v::req_str(d, "contentType", p)?.to_string();
        let data = v::req_str(d, "objectData", p)?.to_string();
        if data.len() > MAX_INLINE_CHARS {
            return Err(v::fail(format!(
                "{p}/objectData must NOT have more than {MAX_INLINE_CHARS} characters"
            )));
        }
        inline = Some((ct, data));
    }
    let mut put = None;
    if let Some(d) = proposed.get("putUrl") {
        let p = "data/proposedUploadMethods/putUrl";
        let d = v::object(d, p)?;
        v::only(d, &["contentType", "contentLength"], p)?;
        let ct = v::req_str(d, "contentType", p)?.to_string();
        let len = d
            .get("contentLength")
            .and_then(Value::as_u64)
            .ok_or_else(|| v::fail(format!("{p}/contentLength must be integer >= 0")))?;
        put = Some((ct, len));
    }
    call.authorize(json!({ "projectId": project_id }))?;

    let key = {
        let mut db = lock(&state.db);
        if db
            .objects
            .objects
            .get(name)
            .is_some_and(|o| o.upload_id.is_none())
        {
            return Err(TcError::conflict("Object already exists"));
        }
        lock_in(&mut db, name, &project_id, &upload_id, expires_ms, &hashes)?;
        db.objects.objects[name].blob_key.clone()
    };

    let method = if let Some((ct, data)) = inline {
        let bytes = crate::util::B64
            .decode(data.as_bytes())
            .map_err(|_| TcError::input("Invalid base64 objectData"))?;
        crate::storage::store_bytes(state, &key, &bytes, Some(&ct), None)
            .await
            .map_err(|e| TcError::new("InternalServerError", e.to_string()))?;
        json!({"dataInline": true})
    } else if let Some((ct, len)) = put {
        let exp = if call.flags.contains(&FaultFlag::ExpireUrl) {
            now_ms() - 1000
        } else {
            now_ms() + PUT_URL_MS
        };
        let url = crate::storage::put_url(state, &key, exp, &ct, len);
        json!({"putUrl": {
            "url": url,
            "expires": iso(exp),
            "headers": {
                "Content-Type": ct,
                "Content-Length": len.to_string(),
                "Content-Encoding": "identity",
            },
        }})
    } else {
        json!({})
    };
    ok(json!({
        "projectId": project_id,
        "uploadId": upload_id,
        "expires": expires_str,
        "uploadMethod": method,
    }))
}
