//! Small request-payload checks with the real services' error codes
//! (`InputValidationError`, "Schema Validation Failed!").

use crate::errors::TcError;
use serde_json::{Map, Value};

/// A schema-validation error.
pub(crate) fn fail(msg: impl AsRef<str>) -> TcError {
    TcError::invalid(format!(
        "Schema Validation Failed!\nRejecting Schema: {}",
        msg.as_ref()
    ))
}

/// The value as an object, or an error naming `path`.
pub(crate) fn object<'a>(v: &'a Value, path: &str) -> Result<&'a Map<String, Value>, TcError> {
    v.as_object()
        .ok_or_else(|| fail(format!("{path} must be object")))
}

/// Reject properties not in `allowed` (`additionalProperties: false`).
pub(crate) fn only(o: &Map<String, Value>, allowed: &[&str], path: &str) -> Result<(), TcError> {
    for k in o.keys() {
        if !allowed.contains(&k.as_str()) {
            return Err(fail(format!(
                "{path} must NOT have additional properties (additionalProperty: {k})"
            )));
        }
    }
    Ok(())
}

/// A required string property.
pub(crate) fn req_str<'a>(
    o: &'a Map<String, Value>,
    key: &str,
    path: &str,
) -> Result<&'a str, TcError> {
    match o.get(key) {
        Some(Value::String(s)) => Ok(s),
        Some(_) => Err(fail(format!("{path}/{key} must be string"))),
        None => Err(fail(format!("{path} must have required property '{key}'"))),
    }
}

/// An optional string property.
pub(crate) fn opt_str<'a>(
    o: &'a Map<String, Value>,
    key: &str,
    path: &str,
) -> Result<Option<&'a str>, TcError> {
    match o.get(key) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(fail(format!("{path}/{key} must be string"))),
    }
}

/// A required RFC 3339 date-time property, in milliseconds since the epoch.
pub(crate) fn req_date(o: &Map<String, Value>, key: &str, path: &str) -> Result<i64, TcError> {
    let s = req_str(o, key, path)?;
    crate::util::parse_iso(s)
        .ok_or_else(|| fail(format!("{path}/{key} must match format \"date-time\"")))
}

/// An optional date-time property.
pub(crate) fn opt_date(
    o: &Map<String, Value>,
    key: &str,
    path: &str,
) -> Result<Option<i64>, TcError> {
    match o.get(key) {
        None => Ok(None),
        Some(_) => req_date(o, key, path).map(Some),
    }
}

/// A required slugid property.
pub(crate) fn req_slugid<'a>(
    o: &'a Map<String, Value>,
    key: &str,
    path: &str,
) -> Result<&'a str, TcError> {
    let s = req_str(o, key, path)?;
    if crate::util::is_slugid(s) {
        Ok(s)
    } else {
        Err(fail(format!(
            "{path}/{key} must match pattern \"^[A-Za-z0-9_-]{{8}}[Q-T][A-Za-z0-9_-][CGKOSWaeimquy26-][A-Za-z0-9_-]{{10}}[AQgw]$\""
        )))
    }
}

/// An optional array of strings.
pub(crate) fn opt_str_list(
    o: &Map<String, Value>,
    key: &str,
    path: &str,
) -> Result<Option<Vec<String>>, TcError> {
    match o.get(key) {
        None => Ok(None),
        Some(Value::Array(a)) => a
            .iter()
            .map(|v| {
                v.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| fail(format!("{path}/{key} items must be string")))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some),
        Some(_) => Err(fail(format!("{path}/{key} must be array"))),
    }
}

/// An identifier (`^([a-zA-Z0-9-_]*)$`, 1–38 characters).
pub(crate) fn identifier(s: &str, what: &str) -> Result<(), TcError> {
    let ok = !s.is_empty()
        && s.len() <= 38
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(fail(format!(
            "{what} must match pattern \"^([a-zA-Z0-9-_]*)$\" (1-38 characters)"
        )))
    }
}

/// A projectId (`^([a-zA-Z0-9._/-]*)$`, 1–500 characters).
pub(crate) fn project_id(s: &str, what: &str) -> Result<(), TcError> {
    let ok = !s.is_empty()
        && s.len() <= 500
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._/-".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(fail(format!(
            "{what} must match pattern \"^([a-zA-Z0-9._/-]*)$\" (1-500 characters)"
        )))
    }
}
