//! Taskcluster error bodies (`{code, message, requestInfo}`).

use axum::body::Body;
use axum::response::Response;
use http::{HeaderValue, StatusCode};
use serde_json::{json, Map, Value};

/// An API error, rendered like `libraries/api` `ErrorReply`.
#[derive(Debug, Clone)]
pub(crate) struct TcError {
    pub(crate) code: &'static str,
    pub(crate) message: String,
}

impl TcError {
    pub(crate) fn new(code: &'static str, message: impl Into<String>) -> Self {
        TcError {
            code,
            message: message.into(),
        }
    }
    pub(crate) fn not_found(message: impl Into<String>) -> Self {
        Self::new("ResourceNotFound", message)
    }
    pub(crate) fn conflict(message: impl Into<String>) -> Self {
        Self::new("RequestConflict", message)
    }
    #[allow(dead_code)]
    pub(crate) fn input(message: impl Into<String>) -> Self {
        Self::new("InputError", message)
    }
    pub(crate) fn invalid(message: impl Into<String>) -> Self {
        Self::new("InputValidationError", message)
    }
    pub(crate) fn bad_args(message: impl Into<String>) -> Self {
        Self::new("InvalidRequestArguments", message)
    }
}

/// HTTP status for a Taskcluster error code.
pub(crate) fn status_for(code: &str) -> u16 {
    match code {
        "MalformedPayload" | "InvalidRequestArguments" | "InputValidationError" | "InputError" => {
            400
        }
        "AuthenticationFailed" => 401,
        "InsufficientScopes" | "AuthorizationFailed" => 403,
        "ResourceNotFound" => 404,
        "NoMatchingMethod" => 406,
        "RequestConflict" => 409,
        "ResourceExpired" => 410,
        "InputTooLarge" => 413,
        "ContentEncodingNotAvailable" => 406,
        "ArtifactNotFound" => 424,
        _ => 500,
    }
}

/// Default error code for a bare status (used by fault injection).
pub(crate) fn code_for_status(status: u16) -> &'static str {
    match status {
        400 => "InputError",
        401 => "AuthenticationFailed",
        403 => "InsufficientScopes",
        404 => "ResourceNotFound",
        409 => "RequestConflict",
        410 => "ResourceExpired",
        413 => "InputTooLarge",
        _ => "InternalServerError",
    }
}

/// Information about the failing request for `requestInfo`.
#[derive(Debug, Clone, Default)]
pub(crate) struct ReqInfo {
    pub(crate) method: String,
    pub(crate) params: Map<String, Value>,
    pub(crate) payload: Value,
}

/// A random v4 UUID in its text form, as lib-api names an incident.
fn incident_id() -> String {
    let mut b = crate::util::random_bytes(16);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = crate::util::hex(&b);
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

/// The JSON error body.
pub(crate) fn error_body(status: u16, code: &str, message: &str, info: &ReqInfo) -> Value {
    let time = crate::clock::now_iso();
    let mut message = message.to_string();
    if code == "InternalServerError" && !message.contains("incidentId") {
        message = format!("Internal Server Error, incidentId {}.", incident_id());
    }
    let full = format!(
        "{message}\n\n---\n\n* method:     {}\n* errorCode:  {code}\n* statusCode: {status}\n* time:       {time}",
        info.method
    );
    json!({
        "code": code,
        "message": full,
        "requestInfo": {
            "method": info.method,
            "params": info.params,
            "payload": if info.payload.is_null() { json!({}) } else { info.payload.clone() },
            "time": time,
        }
    })
}

/// A JSON response with the headers every API response carries.
pub(crate) fn json_response(status: u16, body: &Value) -> Response {
    let mut resp = Response::new(Body::from(
        serde_json::to_vec(body).expect("serializable JSON"),
    ));
    *resp.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let h = resp.headers_mut();
    h.insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    h.insert(
        http::header::CACHE_CONTROL,
        HeaderValue::from_static("no-store no-cache must-revalidate"),
    );
    resp
}

/// Render a [`TcError`] as a response.
pub(crate) fn error_response(err: &TcError, info: &ReqInfo) -> Response {
    let status = status_for(err.code);
    let body = error_body(status, err.code, &err.message, info);
    let mut resp = json_response(status, &body);
    if status == 401 {
        resp.headers_mut().insert(
            http::header::WWW_AUTHENTICATE,
            HeaderValue::from_static("hawk"),
        );
    }
    resp
}
