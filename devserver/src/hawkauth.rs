//! Request authentication: Hawk headers and bewits (verified with the `hawk` crate), plus the
//! Taskcluster layer on top (ext, certificates, authorizedScopes), following the order of
//! `services/auth/src/signaturevalidator.js` as described in `hawk.md` §10.

use crate::scopes::{satisfies, satisfies_all, valid_scope};
use crate::util::{ct_eq, hmac_sha256, lenient_b64_decode, now_ms, B64, B64URL};
use base64::Engine;
use serde_json::Value;
use std::str::FromStr;
use std::time::{Duration, UNIX_EPOCH};

/// Maximum length of the Authorization header / bewit request target.
pub(crate) const MAX_LEN: usize = 4096;
/// Allowed clock skew for header timestamps, in milliseconds (inclusive).
pub(crate) const SKEW_MS: i64 = 900_000;
/// Certificate start/expiry grace, in milliseconds.
const CERT_GRACE_MS: i64 = 5 * 60 * 1000;
/// Maximum certificate span, in milliseconds.
const MAX_CERT_SPAN_MS: i64 = 31 * 24 * 60 * 60 * 1000;

/// A client as loaded for authentication (scopes already role-expanded).
#[derive(Debug, Clone)]
pub(crate) struct LoadedClient {
    pub(crate) access_token: String,
    pub(crate) scopes: Vec<String>,
    pub(crate) expires_ms: i64,
}

/// What the authenticator needs from the outside world.
pub(crate) trait ClientSource {
    /// Load a client by id (`Client with clientId '<id>' not found`, disabled, expired).
    fn load(&self, client_id: &str) -> Result<LoadedClient, String>;
    /// Role-expand a scope set.
    fn expand(&self, scopes: &[String]) -> Vec<String>;
}

/// The request facts that authentication looks at.
#[derive(Debug, Clone)]
pub(crate) struct AuthRequest<'a> {
    pub(crate) method: &'a str,
    /// Raw request target (path + query exactly as received).
    pub(crate) resource: &'a str,
    pub(crate) host: &'a str,
    pub(crate) port: u16,
    pub(crate) authorization: Option<&'a str>,
}

/// Result of authentication.
#[derive(Debug, Clone)]
pub(crate) enum AuthOutcome {
    /// Valid credentials.
    Success {
        client_id: String,
        scopes: Vec<String>,
        expires_ms: i64,
        hash: Option<Vec<u8>>,
    },
    /// No credentials at all.
    NoAuth { scopes: Vec<String> },
    /// Rejected, with the Taskcluster message.
    Failed { message: String },
}

fn fail(msg: impl Into<String>) -> AuthOutcome {
    AuthOutcome::Failed {
        message: msg.into(),
    }
}

/// Whether the request target carries a bewit (`^/.*[?&]bewit=`).
pub(crate) fn has_bewit(resource: &str) -> bool {
    resource.starts_with('/') && (resource.contains("?bewit=") || resource.contains("&bewit="))
}

/// Authenticate a request.
pub(crate) fn authenticate(req: &AuthRequest<'_>, src: &dyn ClientSource) -> AuthOutcome {
    if let Some(authz) = req.authorization {
        return authenticate_header(req, authz, src);
    }
    if has_bewit(req.resource) {
        return authenticate_bewit(req, src);
    }
    AuthOutcome::NoAuth {
        scopes: src.expand(&["assume:anonymous".to_string()]),
    }
}

const ATTR_NAMES: [&str; 8] = ["id", "ts", "nonce", "hash", "ext", "mac", "app", "dlg"];

fn attr_char_ok(c: char) -> bool {
    c == ' ' || c.is_ascii_alphanumeric() || "_!#$%&'()*+,-./:;<=>?@[]^`{|}~".contains(c)
}

/// Strict syntax check of the attribute list, like hawk's `parseAuthorizationHeader`.
/// Returns the attributes (name, value) on success or the hawk error message.
pub(crate) fn check_attributes(attrs: &str) -> Result<Vec<(String, String)>, String> {
    let mut out: Vec<(String, String)> = Vec::new();
    let mut rest = attrs.trim_start();
    if rest.is_empty() {
        return Err("Bad Request: Invalid header syntax".into());
    }
    while !rest.is_empty() {
        let name_len = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        let name = &rest[..name_len];
        let after = &rest[name_len..];
        let Some(after) = after.strip_prefix("=\"") else {
            return Err("Bad Request: Bad header format".into());
        };
        let Some(end) = after.find('"') else {
            return Err("Bad Request: Bad header format".into());
        };
        let value = &after[..end];
        if name.is_empty() {
            return Err("Bad Request: Bad header format".into());
        }
        if !ATTR_NAMES.contains(&name) {
            return Err(format!("Bad Request: Unknown attribute: {name}"));
        }
        if !value.chars().all(attr_char_ok) {
            return Err(format!("Bad Request: Bad attribute value: {name}"));
        }
        if out.iter().any(|(n, _)| n == name) {
            return Err(format!("Bad Request: Duplicate attribute: {name}"));
        }
        out.push((name.to_string(), value.to_string()));
        rest = after[end + 1..].trim_start();
        if let Some(r) = rest.strip_prefix(',') {
            rest = r.trim_start();
        } else if !rest.is_empty() {
            return Err("Bad Request: Bad header format".into());
        }
    }
    Ok(out)
}

/// Split `Hawk <attrs>`; returns the attribute string.
pub(crate) fn strip_scheme(authz: &str) -> Option<&str> {
    let t = authz.trim_start();
    let end = t.find(char::is_whitespace)?;
    if t[..end].eq_ignore_ascii_case("hawk") {
        Some(&t[end..])
    } else {
        None
    }
}

fn authenticate_header(req: &AuthRequest<'_>, authz: &str, src: &dyn ClientSource) -> AuthOutcome {
    if authz.chars().count() > MAX_LEN {
        return fail("Bad Request: Header length too long");
    }
    let Some(attr_str) = strip_scheme(authz) else {
        return fail("Unauthorized");
    };
    let attrs = match check_attributes(attr_str) {
        Ok(a) => a,
        Err(m) => return fail(m),
    };
    let get = |n: &str| attrs.iter().find(|(k, _)| k == n).map(|(_, v)| v.as_str());
    let (Some(id), Some(ts_str), Some(_nonce), Some(_mac)) = (
        get("id").filter(|v| !v.is_empty()),
        get("ts").filter(|v| !v.is_empty()),
        get("nonce").filter(|v| !v.is_empty()),
        get("mac").filter(|v| !v.is_empty()),
    ) else {
        return fail("Bad Request: Missing attributes");
    };
    // the hawk crate does the real parse used for the MAC
    let header = match hawk::Header::from_str(attr_str.trim()) {
        Ok(h) => h,
        Err(_) => {
            if u64::from_str(ts_str).is_err() {
                return fail("Unauthorized: Stale timestamp");
            }
            return fail("Unauthorized: Bad mac");
        }
    };
    let ext = get("ext").filter(|e| !e.is_empty());

    // credentials callback (before the MAC)
    let creds = match load_credentials(id, ext, src) {
        Ok(c) => c,
        Err(m) => return fail(m),
    };

    let key = match hawk::Key::new(creds.key.as_bytes(), hawk::DigestAlgorithm::Sha256) {
        Ok(k) => k,
        Err(_) => return fail("Unauthorized: Bad mac"),
    };
    let method = req.method.to_ascii_uppercase();
    let host = req.host.to_ascii_lowercase();
    let request = hawk::RequestBuilder::new(&method, &host, req.port, req.resource).request();
    // The skew is checked below with millisecond precision; here only the MAC matters.
    let huge = Duration::from_secs(u64::MAX / 4);
    if !request.validate_header(&header, &key, huge) {
        return fail("Unauthorized: Bad mac");
    }
    let ts_ms = header
        .ts
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map(|d| d.as_secs() as i64 * 1000)
        .unwrap_or(0);
    if (ts_ms - now_ms()).abs() > SKEW_MS {
        return fail("Unauthorized: Stale timestamp");
    }
    AuthOutcome::Success {
        client_id: id.to_string(),
        scopes: creds.scopes,
        expires_ms: creds.expires_ms,
        hash: header.hash.clone(),
    }
}

/// Locate the bewit like hawk's regex `^(\/.*)([\?&])bewit\=([^&$]*)(?:&(.+))?$`.
/// Returns (resource without bewit, bewit value).
pub(crate) fn split_bewit(resource: &str) -> Option<(String, String)> {
    let pos = resource
        .rmatch_indices("bewit=")
        .map(|(i, _)| i)
        .find(|&i| i >= 2 && matches!(&resource[i - 1..i], "?" | "&"))?;
    let sep = &resource[pos - 1..pos];
    let prefix = &resource[..pos - 1];
    let tail = &resource[pos + "bewit=".len()..];
    let (value, rest) = match tail.find('&') {
        Some(i) => (&tail[..i], Some(&tail[i + 1..])),
        None => (tail, None),
    };
    let mut res = prefix.to_string();
    if let Some(r) = rest.filter(|r| !r.is_empty()) {
        res.push_str(sep);
        res.push_str(r);
    }
    Some((res, value.to_string()))
}

fn authenticate_bewit(req: &AuthRequest<'_>, src: &dyn ClientSource) -> AuthOutcome {
    if req.resource.len() > MAX_LEN {
        return fail("Bad Request: Resource path exceeds max length");
    }
    let Some((resource, value)) = split_bewit(req.resource) else {
        return fail("Unauthorized");
    };
    if value.is_empty() {
        return fail("Unauthorized: Empty bewit");
    }
    let method = req.method.to_ascii_uppercase();
    if method != "GET" && method != "HEAD" {
        return fail("Unauthorized: Invalid method");
    }
    if !value
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return fail("Bad Request: Invalid bewit encoding");
    }
    let Ok(raw) = B64URL.decode(value.as_bytes()) else {
        return fail("Bad Request: Invalid bewit encoding");
    };
    let raw = String::from_utf8_lossy(&raw).into_owned();
    let parts: Vec<&str> = raw.split('\\').collect();
    if parts.len() != 4 {
        return fail("Bad Request: Invalid bewit structure");
    }
    if parts[0].is_empty() || parts[1].is_empty() || parts[2].is_empty() {
        return fail("Bad Request: Missing bewit attributes");
    }
    let Ok(bewit) = hawk::Bewit::from_str(&value) else {
        // e.g. a non-numeric exp or a MAC that is not base64
        return fail("Unauthorized: Bad mac");
    };
    let id = bewit.id().to_string();
    let ext = bewit.ext().filter(|e| !e.is_empty()).map(str::to_string);
    let creds = match load_credentials(&id, ext.as_deref(), src) {
        Ok(c) => c,
        Err(m) => return fail(m),
    };
    let key = match hawk::Key::new(creds.key.as_bytes(), hawk::DigestAlgorithm::Sha256) {
        Ok(k) => k,
        Err(_) => return fail("Unauthorized: Bad mac"),
    };
    let host = req.host.to_ascii_lowercase();
    // The bewit MAC is always computed with GET. `validate_bewit` would fold the expiry into
    // the same boolean, so the MAC is compared via `hawk::mac::Mac` and expiry checked after.
    let expected = hawk::mac::Mac::new(
        hawk::mac::MacType::Bewit,
        &key,
        bewit.exp(),
        "",
        "GET",
        &host,
        req.port,
        &resource,
        None,
        bewit.ext(),
    );
    match expected {
        Ok(m) if &m == bewit.mac() => {}
        _ => return fail("Unauthorized: Bad mac"),
    }
    let exp_ms = bewit
        .exp()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64 * 1000)
        .unwrap_or(0);
    if exp_ms <= now_ms() {
        return fail("Unauthorized: Access expired");
    }
    // cross-check with the crate's own validator (MAC + expiry) for unexpired bewits
    let request = hawk::RequestBuilder::new("GET", &host, req.port, &resource).request();
    if !request.validate_bewit(&bewit, &key) {
        return fail("Unauthorized: Bad mac");
    }
    AuthOutcome::Success {
        client_id: id,
        scopes: creds.scopes,
        expires_ms: creds.expires_ms,
        hash: None,
    }
}

struct Creds {
    key: String,
    scopes: Vec<String>,
    expires_ms: i64,
}

/// Decode a Taskcluster ext value (base64 JSON).
pub(crate) fn parse_ext(ext: &str) -> Result<Value, String> {
    let bytes = lenient_b64_decode(ext).ok_or("Failed to parse ext")?;
    let text = String::from_utf8(bytes).map_err(|_| "Failed to parse ext")?;
    serde_json::from_str::<Value>(&text).map_err(|_| "Failed to parse ext".to_string())
}

fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        _ => true,
    }
}

fn scope_list(v: &Value) -> Option<Vec<String>> {
    v.as_array()?
        .iter()
        .map(|s| s.as_str().filter(|s| valid_scope(s)).map(str::to_string))
        .collect()
}

/// The credentials callback of `signaturevalidator.js`.
fn load_credentials(
    credential_name: &str,
    ext: Option<&str>,
    src: &dyn ClientSource,
) -> Result<Creds, String> {
    let ext = match ext {
        Some(e) => Some(parse_ext(e)?),
        None => None,
    };
    let mut issuing = credential_name.to_string();
    let cert = ext
        .as_ref()
        .and_then(|e| e.get("certificate"))
        .filter(|c| truthy(c));
    if let Some(issuer) = cert.and_then(|c| c.get("issuer")).filter(|i| truthy(i)) {
        let Some(issuer) = issuer.as_str() else {
            return Err("ext.certificate.issuer must be a string".into());
        };
        if issuer == credential_name {
            return Err("ext.certificate.issuer must differ from the supplied clientId".into());
        }
        issuing = issuer.to_string();
    }
    let client = src.load(&issuing)?;
    let mut key = client.access_token.clone();
    let mut scopes = client.scopes.clone();
    let mut expires_ms = client.expires_ms;

    if let Some(cert) = cert {
        let Some(c) = cert.as_object() else {
            return Err("ext.certificate must be a JSON object".into());
        };
        if c.get("version").and_then(Value::as_f64) != Some(1.0) {
            return Err("ext.certificate.version must be 1".into());
        }
        let Some(seed) = c.get("seed").and_then(Value::as_str) else {
            return Err("ext.certificate.seed must be a string".into());
        };
        if seed.encode_utf16().count() != 44 {
            return Err("ext.certificate.seed must be 44 characters".into());
        }
        let Some(start) = c.get("start").filter(|v| v.is_number()) else {
            return Err("ext.certificate.start must be a number".into());
        };
        let Some(expiry) = c.get("expiry").filter(|v| v.is_number()) else {
            return Err("ext.certificate.expiry must be a number".into());
        };
        let Some(cert_scopes_v) = c.get("scopes").and_then(Value::as_array) else {
            return Err("ext.certificate.scopes must be an array".into());
        };
        let Some(cert_scopes) = scope_list(&Value::Array(cert_scopes_v.clone())) else {
            return Err("ext.certificate.scopes must be an array of valid scopes".into());
        };
        let start_f = start.as_f64().unwrap_or(f64::NAN);
        let expiry_f = expiry.as_f64().unwrap_or(f64::NAN);
        let now = now_ms() as f64;
        if start_f > now + CERT_GRACE_MS as f64 {
            return Err("ext.certificate.start > now".into());
        }
        if expiry_f < now - CERT_GRACE_MS as f64 {
            return Err("ext.certificate.expiry < now".into());
        }
        if expiry_f - start_f > MAX_CERT_SPAN_MS as f64 {
            return Err("ext.certificate cannot last longer than 31 days!".into());
        }
        let named = issuing != credential_name;
        if named {
            let create = format!("auth:create-client:{credential_name}");
            if !satisfies(&scopes, &create) {
                return Err(format!(
                    "ext.certificate issuer `{issuing}` doesn't have `{create}` for supplied clientId."
                ));
            }
        } else if c.contains_key("clientId") {
            return Err(
                "ext.certificate.clientId must only be used with ext.certificate.issuer".into(),
            );
        }
        if !satisfies_all(&scopes, &cert_scopes) {
            return Err(format!(
                "ext.certificate issuer `{issuing}` doesn't satisfiy all certificate scopes {}.  The temporary credentials were not generated correctly.",
                cert_scopes.join(", ")
            ));
        }
        // signature over the exact string (numbers as JS would print them)
        let mut lines = vec!["version:1".to_string()];
        if named {
            lines.push(format!("clientId:{credential_name}"));
            lines.push(format!("issuer:{issuing}"));
        }
        lines.push(format!("seed:{seed}"));
        lines.push(format!("start:{}", js_number(start)));
        lines.push(format!("expiry:{}", js_number(expiry)));
        lines.push("scopes:".to_string());
        lines.extend(cert_scopes.iter().cloned());
        let expected = B64.encode(hmac_sha256(key.as_bytes(), lines.join("\n").as_bytes()));
        let ok = c
            .get("signature")
            .and_then(Value::as_str)
            .is_some_and(|s| ct_eq(s.as_bytes(), expected.as_bytes()));
        if !ok {
            return Err(if named {
                "ext.certificate.signature is not valid, or wrong clientId provided".into()
            } else {
                "ext.certificate.signature is not valid".into()
            });
        }
        key = B64URL.encode(hmac_sha256(key.as_bytes(), seed.as_bytes()));
        scopes = src.expand(&cert_scopes);
        expires_ms = expires_ms.min(expiry_f as i64);
    }

    if let Some(auth_scopes) = ext
        .as_ref()
        .and_then(|e| e.get("authorizedScopes"))
        .filter(|v| truthy(v))
    {
        if !auth_scopes.is_array() {
            return Err("ext.authorizedScopes must be an array".into());
        }
        let Some(list) = scope_list(auth_scopes) else {
            return Err("ext.authorizedScopes must be an array of valid scopes".into());
        };
        let mut held = scopes.clone();
        held.push("assume:anonymous".to_string());
        let held = src.expand(&held);
        if !satisfies_all(&held, &list) {
            return Err(format!(
                "Supplied credentials do not satisfy authorizedScopes; credentials have scopes [{}]; authorizedScopes are [{}]",
                scopes.join(","),
                list.join(",")
            ));
        }
        scopes = list;
    }
    scopes.push("assume:anonymous".to_string());
    Ok(Creds {
        key,
        scopes: src.expand(&scopes),
        expires_ms,
    })
}

/// Format a JSON number the way JavaScript's `String(n)` would for integers.
fn js_number(v: &Value) -> String {
    if let Some(i) = v.as_i64() {
        return i.to_string();
    }
    if let Some(u) = v.as_u64() {
        return u.to_string();
    }
    let f = v.as_f64().unwrap_or(f64::NAN);
    if f.fract() == 0.0 && f.abs() < 1e21 {
        format!("{f:.0}")
    } else {
        format!("{f}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bewit_split() {
        assert_eq!(
            split_bewit("/p?a=1&bewit=X").unwrap(),
            ("/p?a=1".to_string(), "X".to_string())
        );
        assert_eq!(
            split_bewit("/p?bewit=X&a=1").unwrap(),
            ("/p?a=1".to_string(), "X".to_string())
        );
        assert_eq!(
            split_bewit("/p?bewit=X").unwrap(),
            ("/p".to_string(), "X".to_string())
        );
    }

    #[test]
    fn attributes() {
        assert!(check_attributes(r#"id="a", ts="1", nonce="n", mac="m""#).is_ok());
        assert_eq!(
            check_attributes(r#"id="a", id="b""#).unwrap_err(),
            "Bad Request: Duplicate attribute: id"
        );
        assert_eq!(
            check_attributes(r#"foo="a""#).unwrap_err(),
            "Bad Request: Unknown attribute: foo"
        );
        assert_eq!(
            check_attributes(r#"id="a\b""#).unwrap_err(),
            "Bad Request: Bad attribute value: id"
        );
    }
}
