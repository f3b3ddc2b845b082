//! Issuing temporary credentials (certificates), as the queue does for workers and artifacts.

use crate::util::{hmac_sha256, B64, B64URL};
use base64::Engine;
use serde_json::{json, Value};

/// Create temporary credentials signed by `issuer_id`/`issuer_token`.
///
/// With `name`, the credentials are *named* (`clientId` = name, `certificate.issuer` =
/// issuer); otherwise `clientId` is the issuer's. Returns `{clientId, accessToken,
/// certificate}` with the certificate as a JSON **string**, as the real services do.
pub(crate) fn create(
    issuer_id: &str,
    issuer_token: &str,
    name: Option<&str>,
    scopes: &[String],
    start_ms: i64,
    expiry_ms: i64,
) -> Value {
    let seed = format!("{}{}", crate::util::slugid(), crate::util::slugid());
    let mut lines = vec!["version:1".to_string()];
    if let Some(n) = name {
        lines.push(format!("clientId:{n}"));
        lines.push(format!("issuer:{issuer_id}"));
    }
    lines.push(format!("seed:{seed}"));
    lines.push(format!("start:{start_ms}"));
    lines.push(format!("expiry:{expiry_ms}"));
    lines.push("scopes:".to_string());
    lines.extend(scopes.iter().cloned());
    let signature = B64.encode(hmac_sha256(
        issuer_token.as_bytes(),
        lines.join("\n").as_bytes(),
    ));
    let mut cert = json!({
        "version": 1,
        "scopes": scopes,
        "start": start_ms,
        "expiry": expiry_ms,
        "seed": seed,
        "signature": signature,
    });
    if name.is_some() {
        cert["issuer"] = json!(issuer_id);
    }
    let access_token = B64URL.encode(hmac_sha256(issuer_token.as_bytes(), seed.as_bytes()));
    json!({
        "clientId": name.unwrap_or(issuer_id),
        "accessToken": access_token,
        "certificate": serde_json::to_string(&cert).expect("serializable"),
    })
}

/// Temporary credentials issued by the server's internal queue client.
pub(crate) fn from_queue(
    state: &crate::state::State,
    name: &str,
    scopes: &[String],
    start_ms: i64,
    expiry_ms: i64,
) -> Value {
    create(
        &state.queue_client_id,
        &state.queue_access_token,
        Some(name),
        scopes,
        start_ms,
        expiry_ms,
    )
}
