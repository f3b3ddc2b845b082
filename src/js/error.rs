//! Errors as real JS `Error`s, shaped like the Node client's.

use js_sys::{Reflect, JSON};
use wasm_bindgen::JsValue;

use crate::{Error, ErrorBody, ErrorKind};

/// What the exports return: a JS value, or the JS `Error` they throw.
pub(super) type JsResult<T> = Result<T, JsValue>;

/// The JS `Error` for bad input: an [`Error::invalid_input`] with `message`.
pub(super) fn input_error(message: impl Into<String>) -> JsValue {
    to_js_error(&Error::invalid_input(message))
}

fn set(target: &JsValue, key: &str, value: &JsValue) {
    let _ = Reflect::set(target, &JsValue::from_str(key), value);
}

/// An `Error` whose `message` is the server's message, with `code` (Taskcluster's code,
/// `ECONNABORTED` on timeout, or a system code), `statusCode`, `body`, `requestInfo`, plus
/// `kind`, `attempts` and `maySendAgain`-style facts for callers that want them.
pub fn to_js_error(e: &Error) -> JsValue {
    let err: JsValue = js_sys::Error::new(e.message()).into();
    if let Some(code) = e.code() {
        set(&err, "code", &code.into());
    }
    if let Some(status) = e.status() {
        set(&err, "statusCode", &status.into());
    }
    match e.body() {
        Some(ErrorBody::Json(v)) => {
            // `to_string`, not `Value`'s `Display`: the crate's one JSON writer.
            let parsed = serde_json::to_string(v)
                .ok()
                .and_then(|t| JSON::parse(&t).ok())
                .unwrap_or(JsValue::NULL);
            if let Ok(info) = Reflect::get(&parsed, &"requestInfo".into()) {
                if !info.is_undefined() {
                    set(&err, "requestInfo", &info);
                }
            }
            set(&err, "body", &parsed);
        }
        Some(ErrorBody::Text(t)) => set(&err, "body", &t.as_str().into()),
        None => {}
    }
    let kind = match e.kind() {
        ErrorKind::InvalidInput => "invalid-input",
        ErrorKind::Timeout => "timeout",
        ErrorKind::Network => "network",
        ErrorKind::Http => "http",
        ErrorKind::Decode => "decode",
        ErrorKind::Integrity => "integrity",
        ErrorKind::Artifact => "artifact",
    };
    set(&err, "kind", &kind.into());
    if let Some(id) = e.request_id() {
        set(&err, "requestId", &id.into());
    }
    if let Some(reason) = e.reason() {
        set(&err, "reason", &reason.into());
    }
    if e.code() == Some("ArtifactStorageTypeRejected") {
        set(&err, "storageType", &"reference".into());
    }
    if e.attempts() > 0 {
        set(&err, "attempts", &e.attempts().into());
    }
    set(&err, "mayHaveBeenSent", &e.may_have_been_sent().into());
    if let Some((method, url)) = e.request() {
        set(&err, "method", &method.into());
        set(&err, "url", &url.into());
    }
    err
}
