//! What a handler sees and answers: the endpoint facts ([`Ep`]), the call ([`Call`]: caller,
//! parameters, payload, and the server state), the reply helpers, and the shape of a service
//! ([`Service`]: its endpoint table and its handler). Services and the dispatcher both build on
//! this module; it knows neither.

use crate::errors::{json_response, ReqInfo, TcError};
use crate::scopes::{render, Expr};
use crate::state::AppState;
use crate::util::{parse_iso, B64URL};
use axum::body::Body;
use axum::response::Response;
use base64::Engine;
use bytes::Bytes;
use futures_util::future::BoxFuture;
use http::{HeaderMap, HeaderValue, Method, StatusCode};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// One API endpoint (facts from the service references).
#[derive(Debug)]
pub(crate) struct Ep {
    pub(crate) service: &'static str,
    pub(crate) method: &'static str,
    pub(crate) route: &'static str,
    pub(crate) name: &'static str,
    pub(crate) query: &'static [&'static str],
    pub(crate) scopes: Option<&'static str>,
}

/// A service's handler: answers a call to one of its endpoints.
pub(crate) type Handler = for<'a> fn(&'a mut Call) -> BoxFuture<'a, Reply>;

/// A service: its name (`/api/<name>/v1`), its endpoints and its handler.
#[derive(Debug)]
pub(crate) struct Service {
    pub(crate) name: &'static str,
    pub(crate) endpoints: &'static [Ep],
    pub(crate) handle: Handler,
}

/// Who is calling.
#[derive(Debug, Clone)]
#[allow(dead_code)] // expires_ms is for the queue/object services
pub(crate) struct Caller {
    pub(crate) client_id: Option<String>,
    pub(crate) scopes: Vec<String>,
    pub(crate) expires_ms: Option<i64>,
}

/// A fault flag passed to handlers (object service faults).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FaultFlag {
    WrongHash,
    ExpireUrl,
    IgnoreRange,
    /// Serve Range requests from this offset instead.
    WrongContentRange(u64),
}

/// Everything a handler needs.
#[derive(Debug)]
#[allow(dead_code)] // method/flags/raw_body are for the queue/object services
pub(crate) struct Call {
    pub(crate) state: AppState,
    pub(crate) ep: &'static Ep,
    pub(crate) method: Method,
    pub(crate) params: BTreeMap<String, String>,
    pub(crate) query: BTreeMap<String, String>,
    pub(crate) payload: Value,
    pub(crate) caller: Caller,
    pub(crate) flags: Vec<FaultFlag>,
    pub(crate) headers: HeaderMap,
    pub(crate) raw_body: Bytes,
    /// Set when the caller's scopes were already checked (or need no check).
    pub(crate) authorized: bool,
    /// The caller's credentials failed to authenticate: the first scope check answers this.
    pub(crate) auth_failure: Option<TcError>,
}

impl Call {
    /// `requestInfo` for error bodies.
    pub(crate) fn info(&self) -> ReqInfo {
        ReqInfo {
            method: self.ep.name.to_string(),
            params: self
                .params
                .iter()
                .map(|(k, v)| (k.clone(), json!(v)))
                .collect(),
            payload: self.payload.clone(),
        }
    }

    /// A URL parameter.
    pub(crate) fn param(&self, name: &str) -> &str {
        self.params.get(name).map(String::as_str).unwrap_or("")
    }

    /// Check the endpoint's scope expression with URL params plus `extra`.
    pub(crate) fn authorize(&mut self, extra: Value) -> Result<(), TcError> {
        let Some(tmpl) = self.ep.scopes else {
            self.authorized = true;
            return Ok(());
        };
        let tmpl: Value = serde_json::from_str(tmpl).expect("valid scope template");
        let mut params: Map<String, Value> = self
            .params
            .iter()
            .map(|(k, v)| (k.clone(), json!(v)))
            .collect();
        if let Value::Object(o) = extra {
            params.extend(o);
        }
        let expr = render(&tmpl, &params).map_err(|p| {
            TcError::new(
                "InternalServerError",
                format!("scope parameter {p} missing"),
            )
        })?;
        self.check_expr(&expr)?;
        self.authorized = true;
        Ok(())
    }

    /// Check an arbitrary scope expression.
    pub(crate) fn check_expr(&self, expr: &Expr) -> Result<(), TcError> {
        if let Some(e) = &self.auth_failure {
            return Err(e.clone());
        }
        if expr.satisfied(&self.caller.scopes) {
            return Ok(());
        }
        // lib-api inserts a string as it is and anything else as JSON.stringify(v, null, 2)
        let show = |v: &Value| match v {
            Value::String(s) => s.clone(),
            v => serde_json::to_string_pretty(v).unwrap_or_default(),
        };
        let required = show(&expr.to_json());
        let message = match &self.caller.client_id {
            Some(client_id) => {
                let missing = expr
                    .unsatisfied(&self.caller.scopes)
                    .unwrap_or(expr.clone());
                format!(
                    "Client ID {client_id} does not have sufficient scopes and is missing the following scopes:\n\n```\n{}\n```\n\nThis request requires the client to satisfy the following scope expression:\n\n```\n{required}\n```",
                    show(&missing.to_json()),
                )
            }
            None => format!(
                "This request requires Taskcluster credentials that satisfy the following scope expression:\n\n```\n{required}\n```"
            ),
        };
        Err(TcError::new("InsufficientScopes", message))
    }

    /// Whether the caller's scopes satisfy all of `scopes`.
    #[allow(dead_code)]
    pub(crate) fn satisfies(&self, scopes: &[String]) -> bool {
        crate::scopes::satisfies_all(&self.caller.scopes, scopes)
    }

    /// A required string field of the payload.
    pub(crate) fn body_str(&self, key: &str) -> Result<String, TcError> {
        self.payload
            .get(key)
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| TcError::invalid(format!("Schema Validation Failed!\nRejecting Schema: data must have required property '{key}' of type string")))
    }
}

/// Handler result.
pub(crate) type Reply = Result<Response, TcError>;

/// A 200 JSON reply.
pub(crate) fn ok(v: Value) -> Reply {
    Ok(json_response(200, &v))
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

/// The "Not found" reply of the real services for unknown routes.
pub(crate) fn not_found() -> Response {
    json_response(404, &json!({"error": "Not found"}))
}

/// A `303 See Other` to `url` with an express-style text body.
pub(crate) fn see_other(url: &str) -> Response {
    let mut resp = Response::new(Body::from(format!("See Other. Redirecting to {url}")));
    *resp.status_mut() = StatusCode::SEE_OTHER;
    let h = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(url) {
        h.insert(http::header::LOCATION, v);
    }
    h.insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    resp
}

/// A required date-time field of the payload.
pub(crate) fn date_field(call: &Call, field: &str) -> Result<i64, TcError> {
    let s = call.body_str(field)?;
    parse_iso(&s).ok_or_else(|| {
        TcError::invalid(format!(
            "Schema Validation Failed!\n{field} must match format \"date-time\""
        ))
    })
}
