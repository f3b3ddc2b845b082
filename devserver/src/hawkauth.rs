//! Request authentication: Hawk headers and bewits, plus the Taskcluster layer on top (ext,
//! certificates, authorizedScopes), following `services/auth/src/signaturevalidator.js` and
//! the Hawk server it drives as described in `hawk.md` §10: the same order of checks, the same
//! messages, and the same treatment of odd input (the header is parsed and the MAC computed
//! over the attribute strings exactly as received, never re-encoded).

use crate::clock::now_ms;
use crate::scopes::{satisfies, satisfies_all, valid_scope};
use crate::util::{ct_eq, hmac_sha256, lenient_b64_decode, B64, B64URL};
use base64::Engine;
use serde_json::Value;

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
        /// The `hash` attribute exactly as sent (header auth only).
        hash: Option<String>,
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

/// Length as JavaScript counts it (UTF-16 code units).
fn js_len(s: &str) -> usize {
    if s.is_ascii() {
        s.len()
    } else {
        s.encode_utf16().count()
    }
}

/// JavaScript's `\s`.
fn js_space(c: char) -> bool {
    matches!(
        c,
        '\t' | '\n' | '\u{0b}' | '\u{0c}' | '\r' | ' ' | '\u{a0}' | '\u{1680}' | '\u{2000}'
            ..='\u{200a}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{202f}'
                | '\u{205f}'
                | '\u{3000}'
                | '\u{feff}'
    )
}

/// The characters JavaScript's `.` does not match.
fn js_line_terminator(c: char) -> bool {
    matches!(c, '\n' | '\r' | '\u{2028}' | '\u{2029}')
}

fn word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Whether the request target carries a bewit (`^\/.*[?&]bewit=`).
pub(crate) fn has_bewit(resource: &str) -> bool {
    resource.starts_with('/')
        && resource.match_indices("bewit=").any(|(i, _)| {
            i >= 2
                && matches!(resource.as_bytes()[i - 1], b'?' | b'&')
                && !resource[1..i - 1].chars().any(js_line_terminator)
        })
}

/// Authenticate a request.
pub(crate) fn authenticate(req: &AuthRequest<'_>, src: &dyn ClientSource) -> AuthOutcome {
    if let Some(authz) = req.authorization.filter(|a| !a.is_empty()) {
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

/// The characters an attribute value may have (at least one of them).
fn attr_value_ok(v: &str) -> bool {
    // Every allowed character is ASCII, so a byte test is exact.
    !v.is_empty()
        && v.bytes().all(|c| {
            c == b' ' || c.is_ascii_alphanumeric() || b"_!#$%&'()*+,-./:;<=>?@[]^`{|}~".contains(&c)
        })
}

/// One `name="value"` (with its trailing separator) at byte `pos`, like the regex
/// `(\w+)="([^"\\]*)"\s*(?:,\s*|$)`: returns (end, name, value).
fn attribute_at(s: &str, pos: usize) -> Option<(usize, &str, &str)> {
    let b = s.as_bytes();
    let mut i = pos;
    while i < b.len() && word_byte(b[i]) {
        i += 1;
    }
    if i == pos || !s[i..].starts_with("=\"") {
        return None;
    }
    let name = &s[pos..i];
    let vstart = i + 2;
    let vlen = b[vstart..].iter().position(|c| matches!(c, b'"' | b'\\'))?;
    let vend = vstart + vlen;
    if b[vend] != b'"' {
        return None;
    }
    let value = &s[vstart..vend];
    let skip_ws = |from: usize| {
        s[from..]
            .char_indices()
            .find(|(_, c)| !js_space(*c))
            .map_or(s.len(), |(k, _)| from + k)
    };
    let after = skip_ws(vend + 1);
    if after == s.len() {
        return Some((after, name, value));
    }
    if b[after] == b',' {
        return Some((skip_ws(after + 1), name, value));
    }
    None
}

/// Parse an Authorization header like hawk's `parseAuthorizationHeader`: the attributes, or
/// the message the Taskcluster validator reports.
pub(crate) fn parse_authorization(header: &str) -> Result<Vec<(String, String)>, String> {
    if js_len(header) > MAX_LEN {
        return Err("Bad Request: Header length too long".into());
    }
    // ^(\w+)(?:\s+(.*))?$
    let syntax = || "Bad Request: Invalid header syntax".to_string();
    let scheme_len = header.bytes().take_while(|b| word_byte(*b)).count();
    if scheme_len == 0 {
        return Err(syntax());
    }
    let (scheme, rest) = header.split_at(scheme_len);
    let attrs = if rest.is_empty() {
        ""
    } else {
        if !rest.starts_with(js_space) {
            return Err(syntax());
        }
        let a = rest.trim_start_matches(js_space);
        if a.bytes().any(|c| matches!(c, b'\n' | b'\r'))
            || (!a.is_ascii() && a.chars().any(js_line_terminator))
        {
            return Err(syntax());
        }
        a
    };
    if !scheme.eq_ignore_ascii_case("hawk") {
        return Err("Unauthorized: Unauthorized".into());
    }
    if attrs.is_empty() {
        return Err(syntax());
    }
    // the global replace of hawk: every match is removed, anything left over is an error
    let mut out: Vec<(String, String)> = Vec::new();
    let mut error = String::new();
    let mut leftover = false;
    let mut pos = 0;
    while pos < attrs.len() {
        if let Some((end, name, value)) = attribute_at(attrs, pos) {
            if !ATTR_NAMES.contains(&name) {
                error = format!("Unknown attribute: {name}");
                leftover = true;
            } else if !attr_value_ok(value) {
                error = format!("Bad attribute value: {name}");
                leftover = true;
            } else if out.iter().any(|(n, _)| n == name) {
                error = format!("Duplicate attribute: {name}");
                leftover = true;
            } else {
                out.push((name.to_string(), value.to_string()));
            }
            pos = end;
        } else {
            leftover = true;
            pos += attrs[pos..].chars().next().map_or(1, char::len_utf8);
        }
    }
    if leftover {
        if error.is_empty() {
            error = "Bad header format".into();
        }
        return Err(format!("Bad Request: {error}"));
    }
    Ok(out)
}

/// The Hawk attributes for the request log (never the MAC), when the header parses.
pub(crate) fn header_attributes(header: &str) -> Option<Vec<(String, String)>> {
    parse_authorization(header).ok()
}

/// The fields of a Hawk normalized string.
struct Artifacts<'a> {
    ts: &'a str,
    nonce: &'a str,
    method: &'a str,
    resource: &'a str,
    host: &'a str,
    port: u16,
    hash: &'a str,
    ext: &'a str,
    app: &'a str,
    dlg: &'a str,
}

/// `hawk.1.<kind>` normalized string (hawk `generateNormalizedString`).
fn normalized(kind: &str, a: &Artifacts<'_>) -> String {
    let mut resource = a.resource.to_string();
    if !resource.is_empty() && !resource.starts_with('/') {
        // an absolute URL: its path and query
        if let Some(i) = resource.find("://") {
            let after = &resource[i + 3..];
            resource = match after.find('/') {
                Some(j) => after[j..].to_string(),
                None => "/".to_string(),
            };
        }
    }
    let mut n = format!(
        "hawk.1.{kind}\n{}\n{}\n{}\n{resource}\n{}\n{}\n{}\n",
        a.ts,
        a.nonce,
        a.method.to_uppercase(),
        a.host.to_lowercase(),
        a.port,
        a.hash
    );
    if !a.ext.is_empty() {
        n.push_str(&a.ext.replace('\\', "\\\\").replace('\n', "\\n"));
    }
    n.push('\n');
    if !a.app.is_empty() {
        n.push_str(a.app);
        n.push('\n');
        n.push_str(a.dlg);
        n.push('\n');
    }
    n
}

fn mac_of(key: &str, kind: &str, a: &Artifacts<'_>) -> String {
    B64.encode(hmac_sha256(key.as_bytes(), normalized(kind, a).as_bytes()))
}

/// JavaScript `Number(s)` for a string.
fn js_to_number(s: &str) -> f64 {
    let t = s.trim_matches(|c: char| js_space(c));
    if t.is_empty() {
        return 0.0;
    }
    let radix = |p: &str, r: u32| {
        if p.is_empty() {
            return f64::NAN;
        }
        p.chars()
            .try_fold(0f64, |acc, c| {
                c.to_digit(r).map(|d| acc * r as f64 + d as f64)
            })
            .unwrap_or(f64::NAN)
    };
    for (prefix, r) in [
        ("0x", 16),
        ("0X", 16),
        ("0o", 8),
        ("0O", 8),
        ("0b", 2),
        ("0B", 2),
    ] {
        if let Some(p) = t.strip_prefix(prefix) {
            return radix(p, r);
        }
    }
    let unsigned = t.strip_prefix(['+', '-']).unwrap_or(t);
    if unsigned == "Infinity" {
        return if t.starts_with('-') {
            f64::NEG_INFINITY
        } else {
            f64::INFINITY
        };
    }
    // StrDecimalLiteral: digits [. digits] | . digits, then an optional exponent
    let b = unsigned.as_bytes();
    let mut i = 0;
    let digits = |i: &mut usize| {
        let s = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - s
    };
    let int = digits(&mut i);
    let mut frac = 0;
    if i < b.len() && b[i] == b'.' {
        i += 1;
        frac = digits(&mut i);
    }
    if int == 0 && frac == 0 {
        return f64::NAN;
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return f64::NAN;
        }
    }
    if i != b.len() {
        return f64::NAN;
    }
    t.parse::<f64>().unwrap_or(f64::NAN)
}

/// JavaScript `parseInt(s, 10)`.
fn js_parse_int(s: &str) -> f64 {
    let t = s.trim_start_matches(|c: char| js_space(c));
    let (neg, t) = match t.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let d: String = t.chars().take_while(char::is_ascii_digit).collect();
    if d.is_empty() {
        return f64::NAN;
    }
    let v = d.parse::<f64>().unwrap_or(f64::NAN);
    if neg {
        -v
    } else {
        v
    }
}

fn authenticate_header(req: &AuthRequest<'_>, authz: &str, src: &dyn ClientSource) -> AuthOutcome {
    let now = now_ms();
    let attrs = match parse_authorization(authz) {
        Ok(a) => a,
        Err(m) => return fail(m),
    };
    let get = |n: &str| {
        attrs
            .iter()
            .find(|(k, _)| k == n)
            .map_or("", |(_, v)| v.as_str())
    };
    let (id, ts, nonce, mac) = (get("id"), get("ts"), get("nonce"), get("mac"));
    if id.is_empty() || ts.is_empty() || nonce.is_empty() || mac.is_empty() {
        return fail("Bad Request: Missing attributes");
    }
    let ext = get("ext");
    // credentials callback (before the MAC)
    let creds = match load_credentials(id, (!ext.is_empty()).then_some(ext), src) {
        Ok(c) => c,
        Err(m) => return fail(m),
    };
    let expected = mac_of(
        &creds.key,
        "header",
        &Artifacts {
            ts,
            nonce,
            method: req.method,
            resource: req.resource,
            host: req.host,
            port: req.port,
            hash: get("hash"),
            ext,
            app: get("app"),
            dlg: get("dlg"),
        },
    );
    if !ct_eq(expected.as_bytes(), mac.as_bytes()) {
        return fail("Unauthorized: Bad mac");
    }
    // |ts·1000 − now| > skew; a ts that is not a number (NaN) is never stale, as in hawk
    if (js_to_number(ts) * 1000.0 - now as f64).abs() > SKEW_MS as f64 {
        return fail("Unauthorized: Stale timestamp");
    }
    let hash = get("hash");
    AuthOutcome::Success {
        client_id: id.to_string(),
        scopes: creds.scopes,
        expires_ms: creds.expires_ms,
        hash: (!hash.is_empty()).then(|| hash.to_string()),
    }
}

/// Locate the bewit like hawk's `^(\/.*)([\?&])bewit\=([^&$]*)(?:&(.+))?$` (the greedy
/// `.*` makes the last match win). Returns (resource without bewit, bewit value).
pub(crate) fn split_bewit(resource: &str) -> Option<(String, String)> {
    if !resource.starts_with('/') {
        return None;
    }
    let starts: Vec<usize> = resource.match_indices("bewit=").map(|(i, _)| i).collect();
    for &i in starts.iter().rev() {
        if i < 2 || !matches!(resource.as_bytes()[i - 1], b'?' | b'&') {
            continue;
        }
        let prefix = &resource[..i - 1];
        if prefix[1..].chars().any(js_line_terminator) {
            continue;
        }
        let sep = &resource[i - 1..i];
        let tail = &resource[i + "bewit=".len()..];
        let vlen = tail.find(['&', '$']).unwrap_or(tail.len());
        let value = &tail[..vlen];
        let after = &tail[vlen..];
        let mut res = prefix.to_string();
        if after.is_empty() {
            return Some((res, value.to_string()));
        }
        if let Some(rest) = after.strip_prefix('&') {
            if !rest.is_empty() && !rest.chars().any(js_line_terminator) {
                res.push_str(sep);
                res.push_str(rest);
                return Some((res, value.to_string()));
            }
        }
    }
    None
}

fn authenticate_bewit(req: &AuthRequest<'_>, src: &dyn ClientSource) -> AuthOutcome {
    let now = now_ms();
    if js_len(req.resource) > MAX_LEN {
        return fail("Bad Request: Resource path exceeds max length");
    }
    let Some((resource, value)) = split_bewit(req.resource) else {
        return fail("Unauthorized: Unauthorized");
    };
    if value.is_empty() {
        return fail("Unauthorized: Empty bewit");
    }
    let method = req.method.to_uppercase();
    if method != "GET" && method != "HEAD" {
        return fail("Unauthorized: Invalid method");
    }
    if !value.bytes().all(|b| word_byte(b) || b == b'-') {
        return fail("Bad Request: Invalid bewit encoding");
    }
    // Node's lenient decoder, read as latin1 ('binary')
    let raw: String = lenient_b64_decode(&value)
        .unwrap_or_default()
        .into_iter()
        .map(char::from)
        .collect();
    let parts: Vec<&str> = raw.split('\\').collect();
    if parts.len() != 4 {
        return fail("Bad Request: Invalid bewit structure");
    }
    let (id, exp, mac, ext) = (parts[0], parts[1], parts[2], parts[3]);
    if id.is_empty() || exp.is_empty() || mac.is_empty() {
        return fail("Bad Request: Missing bewit attributes");
    }
    let creds = match load_credentials(id, (!ext.is_empty()).then_some(ext), src) {
        Ok(c) => c,
        Err(m) => return fail(m),
    };
    let expected = mac_of(
        &creds.key,
        "bewit",
        &Artifacts {
            ts: exp,
            nonce: "",
            method: "GET",
            resource: &resource,
            host: req.host,
            port: req.port,
            hash: "",
            ext,
            app: "",
            dlg: "",
        },
    );
    if !ct_eq(expected.as_bytes(), mac.as_bytes()) {
        return fail("Unauthorized: Bad mac");
    }
    if js_parse_int(exp) * 1000.0 <= now as f64 {
        return fail("Unauthorized: Access expired");
    }
    AuthOutcome::Success {
        client_id: id.to_string(),
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

/// Decode a Taskcluster ext value (base64 JSON; invalid UTF-8 becomes U+FFFD, as in Node).
pub(crate) fn parse_ext(ext: &str) -> Result<Value, String> {
    let bytes = lenient_b64_decode(ext).ok_or("Failed to parse ext")?;
    let text = String::from_utf8_lossy(&bytes);
    serde_json::from_str::<Value>(&text).map_err(|_| "Failed to parse ext".to_string())
}

/// JavaScript truthiness.
fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        _ => true,
    }
}

/// `v[key]` as JavaScript reads it (only objects have named properties here).
fn prop<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
    v.as_object().and_then(|o| o.get(key))
}

fn scope_list(v: &Value) -> Option<Vec<String>> {
    v.as_array()?
        .iter()
        .map(|s| s.as_str().filter(|s| valid_scope(s)).map(str::to_string))
        .collect()
}

/// `mergeScopeSets(scopes, ['assume:anonymous'])` followed by role expansion.
fn with_anonymous(scopes: &[String], src: &dyn ClientSource) -> Vec<String> {
    let mut all = scopes.to_vec();
    all.push("assume:anonymous".to_string());
    src.expand(&all)
}

/// The credentials callback of `signaturevalidator.js` (`loadCredentials` and
/// `limitClientWithExt`).
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
    if let Some(e) = &ext {
        if e.is_null() {
            return Err("Cannot read properties of null (reading 'certificate')".into());
        }
        if let Some(issuer) = prop(e, "certificate")
            .and_then(|c| prop(c, "issuer"))
            .filter(|i| truthy(i))
        {
            let Some(issuer) = issuer.as_str() else {
                return Err("ext.certificate.issuer must be a string".into());
            };
            if issuer == credential_name {
                return Err("ext.certificate.issuer must differ from the supplied clientId".into());
            }
            issuing = issuer.to_string();
        }
    }
    let client = src.load(&issuing)?;
    let mut key = client.access_token.clone();
    let mut scopes = client.scopes.clone();
    let mut expires_ms = client.expires_ms;
    let ext = ext.filter(truthy);

    if let Some(cert) = ext
        .as_ref()
        .and_then(|e| prop(e, "certificate"))
        .filter(|c| truthy(c))
    {
        if !(cert.is_object() || cert.is_array()) {
            return Err("ext.certificate must be a JSON object".into());
        }
        let field = |k: &str| prop(cert, k);
        if field("version").and_then(Value::as_f64) != Some(1.0) {
            return Err("ext.certificate.version must be 1".into());
        }
        let Some(seed) = field("seed").and_then(Value::as_str) else {
            return Err("ext.certificate.seed must be a string".into());
        };
        if js_len(seed) != 44 {
            return Err("ext.certificate.seed must be 44 characters".into());
        }
        let Some(start) = field("start").filter(|v| v.is_number()) else {
            return Err("ext.certificate.start must be a number".into());
        };
        let Some(expiry) = field("expiry").filter(|v| v.is_number()) else {
            return Err("ext.certificate.expiry must be a number".into());
        };
        let Some(cert_scopes_v) = field("scopes").filter(|v| v.is_array()) else {
            return Err("ext.certificate.scopes must be an array".into());
        };
        let Some(cert_scopes) = scope_list(cert_scopes_v) else {
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
        } else if cert.as_object().is_some_and(|o| o.contains_key("clientId")) {
            return Err(
                "ext.certificate.clientId must only be used with ext.certificate.issuer".into(),
            );
        }
        if !satisfies_all(&scopes, &cert_scopes) {
            return Err(format!(
                "ext.certificate issuer `{issuing}` doesn't satisfy all certificate scopes {}.  The temporary credentials were not generated correctly.",
                cert_scopes.join(", ")
            ));
        }
        // signature over the exact string (numbers as JavaScript prints them)
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
        let ok = field("signature")
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
        // `new Date(expiry)` drops any fraction of a millisecond
        expires_ms = expires_ms.min(expiry_f.trunc() as i64);
        scopes = cert_scopes;
    }

    if let Some(auth_scopes) = ext
        .as_ref()
        .and_then(|e| prop(e, "authorizedScopes"))
        .filter(|v| truthy(v))
    {
        if !auth_scopes.is_array() {
            return Err("ext.authorizedScopes must be an array".into());
        }
        let Some(list) = scope_list(auth_scopes) else {
            return Err("ext.authorizedScopes must be an array of valid scopes".into());
        };
        // anonymous is granted before the check, so its scopes count
        let held = with_anonymous(&scopes, src);
        if !satisfies_all(&held, &list) {
            return Err(format!(
                "Supplied credentials do not satisfy authorizedScopes; credentials have scopes:\n\n```\n{}\n```\n\nauthorizedScopes are:\n\n```\n{}\n```",
                held.join("\n"),
                list.join("\n")
            ));
        }
        scopes = list;
    }
    Ok(Creds {
        key,
        scopes: with_anonymous(&scopes, src),
        expires_ms,
    })
}

/// Format a JSON number the way JavaScript's `String(n)` does (for the magnitudes a valid
/// certificate can have).
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
        let s = split_bewit;
        assert_eq!(s("/p?a=1&bewit=X"), Some(("/p?a=1".into(), "X".into())));
        assert_eq!(s("/p?bewit=X&a=1"), Some(("/p?a=1".into(), "X".into())));
        assert_eq!(s("/p?bewit=X"), Some(("/p".into(), "X".into())));
        assert_eq!(s("/p?bewit="), Some(("/p".into(), "".into())));
        // the last bewit= that fits wins; a dangling '&' or a '$' does not fit
        assert_eq!(
            s("/p?bewit=A&bewit=B"),
            Some(("/p?bewit=A".into(), "B".into()))
        );
        assert_eq!(
            s("/p?bewit=A&q=bewit=B"),
            Some(("/p?q=bewit=B".into(), "A".into()))
        );
        assert_eq!(s("/p?bewit=X&"), None);
        assert_eq!(
            s("/p?bewit=A&x=1&bewit=B$"),
            Some(("/p?x=1&bewit=B$".into(), "A".into()))
        );
        assert_eq!(s("p?bewit=X"), None);
    }

    fn attrs(h: &str) -> Result<Vec<(String, String)>, String> {
        parse_authorization(h)
    }

    #[test]
    fn header_syntax() {
        assert_eq!(
            attrs(r#"Hawk id="a", ts="1", nonce="n", mac="m""#)
                .unwrap()
                .len(),
            4
        );
        assert!(attrs(r#"hawk  id="a",ts="1""#).is_ok());
        let e = |h: &str| attrs(h).unwrap_err();
        assert_eq!(
            e(r#"Hawk id="a", id="b""#),
            "Bad Request: Duplicate attribute: id"
        );
        assert_eq!(e(r#"Hawk foo="a""#), "Bad Request: Unknown attribute: foo");
        assert_eq!(e(r#"Hawk id="""#), "Bad Request: Bad attribute value: id");
        assert_eq!(e(r#"Hawk id="é""#), "Bad Request: Bad attribute value: id");
        // a backslash or quote stops the value: the rest is left over
        assert_eq!(e(r#"Hawk id="a\b""#), "Bad Request: Bad header format");
        assert_eq!(e(r#"Hawk id="a" ts="1""#), "Bad Request: Bad header format");
        assert_eq!(e("Hawk"), "Bad Request: Invalid header syntax");
        assert_eq!(e("Hawk   "), "Bad Request: Invalid header syntax");
        assert_eq!(e(" Hawk id=\"a\""), "Bad Request: Invalid header syntax");
        assert_eq!(
            e("Hawk id=\"a\",\nts=\"1\""),
            "Bad Request: Invalid header syntax"
        );
        assert_eq!(e("Bearer abc"), "Unauthorized: Unauthorized");
        assert_eq!(e("Basic"), "Unauthorized: Unauthorized");
        assert_eq!(
            e(&format!("Hawk id=\"{}\"", "a".repeat(4090))),
            "Bad Request: Header length too long"
        );
    }

    #[test]
    fn js_numbers() {
        assert_eq!(js_to_number("1767225645"), 1767225645.0);
        assert_eq!(js_to_number(" 17 "), 17.0);
        assert_eq!(js_to_number("0x10"), 16.0);
        assert_eq!(js_to_number("1e3"), 1000.0);
        assert_eq!(js_to_number(".5"), 0.5);
        assert!(js_to_number("12abc").is_nan());
        assert!(js_to_number("inf").is_nan());
        assert!(js_to_number("-0x10").is_nan());
        assert_eq!(js_to_number("-Infinity"), f64::NEG_INFINITY);
        assert_eq!(js_parse_int("  42abc"), 42.0);
        assert_eq!(js_parse_int("-7"), -7.0);
        assert!(js_parse_int("abc").is_nan());
    }
}
