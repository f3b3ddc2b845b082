//! Hawk, as pure functions: payload hashes, normalized strings, MACs, headers and bewits.
//!
//! Nothing here reads a clock or a random source; callers pass the timestamp and nonce.

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

type HmacSha256 = Hmac<Sha256>;

/// `bytes` in base64 by `engine`. Every encoding in the crate goes through `encode_string`, so
/// the wasm holds one copy of the encoder.
pub(crate) fn b64(engine: &base64::engine::GeneralPurpose, bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    engine.encode_string(bytes, &mut out);
    out
}

/// The server's limit on the `Authorization` header and on a bewit URL's path and query.
pub const MAX_HEADER_LENGTH: usize = 4096;

/// What a Hawk MAC covers about the request target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The path and query exactly as sent (`/p?a=1`), never the fragment.
    pub resource: String,
    /// The host, lowercased.
    pub host: String,
    /// The explicit port, else 80 for `http` and 443 for anything else.
    pub port: u16,
}

impl Target {
    /// The target of a URL, as the server will see it on the wire: the path and query exactly
    /// as written (a bare trailing `?` included), the lowercased host (IPv6 literals keep their
    /// brackets, as the server derives them from the `Host` header), and the port.
    pub fn of(url: &http::Uri) -> Target {
        let resource = match url.path_and_query() {
            Some(pq) if !pq.as_str().is_empty() => pq.as_str().to_string(),
            _ => "/".to_string(),
        };
        let port = url
            .port_u16()
            .unwrap_or(if url.scheme_str() == Some("http") {
                80
            } else {
                443
            });
        Target {
            resource,
            host: url.host().unwrap_or_default().to_ascii_lowercase(),
            port,
        }
    }
}

/// The fields of a Hawk normalized string.
#[derive(Debug, Clone)]
pub struct Artifacts<'a> {
    /// Seconds since the epoch (for bewits: the expiry).
    pub ts: u64,
    /// The nonce (empty for bewits).
    pub nonce: &'a str,
    /// The HTTP method; uppercased in the MAC.
    pub method: &'a str,
    /// Resource, host and port.
    pub target: &'a Target,
    /// The payload hash, if one is sent.
    pub hash: Option<&'a str>,
    /// The `ext` value, if any.
    pub ext: Option<&'a str>,
    /// Oz `app` and `dlg`: never used by Taskcluster, supported for completeness.
    pub app: Option<(&'a str, Option<&'a str>)>,
}

/// `b64(SHA256("hawk.1.payload\n" + content type + "\n" + body + "\n"))`, with the content type
/// cut at `;`, trimmed and lowercased.
pub fn payload_hash(content_type: &str, payload: &[u8]) -> String {
    let ct = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    let mut h = Sha256::new();
    h.update(b"hawk.1.payload\n");
    h.update(ct.as_bytes());
    h.update(b"\n");
    h.update(payload);
    h.update(b"\n");
    b64(&STANDARD, &h.finalize())
}

/// The normalized string of `kind` (`header`, `bewit` or `response`).
pub fn normalized_string(kind: &str, a: &Artifacts<'_>) -> String {
    let mut s = String::with_capacity(128 + a.target.resource.len());
    write_normalized(&mut s, kind, a);
    s
}

/// Appends the normalized string to `s`: `hawk.1.<kind>`, then ts, nonce, method (uppercased),
/// resource, host (lowercased), port, hash and ext (`\` and newlines escaped), a line each,
/// and `app`/`dlg` lines when present.
fn write_normalized(s: &mut String, kind: &str, a: &Artifacts<'_>) {
    let line = |s: &mut String, v: &str| {
        s.push_str(v);
        s.push('\n');
    };
    s.push_str("hawk.1.");
    line(s, kind);
    line(s, itoa(a.ts, &mut [0; 20]));
    line(s, a.nonce);
    line_cased(s, a.method, true);
    line(s, &a.target.resource);
    line_cased(s, &a.target.host, false);
    line(s, itoa(u64::from(a.target.port), &mut [0; 20]));
    line(s, a.hash.unwrap_or_default());
    for c in a.ext.unwrap_or_default().chars() {
        match c {
            '\\' => s.push_str("\\\\"),
            '\n' => s.push_str("\\n"),
            c => s.push(c),
        }
    }
    s.push('\n');
    if let Some((app, dlg)) = a.app {
        line(s, app);
        line(s, dlg.unwrap_or_default());
    }
}

/// Appends `v` in ASCII upper or lower case, then a newline (usually `v` already is).
fn line_cased(s: &mut String, v: &str, upper: bool) {
    let convert = |b: u8| {
        if upper {
            b.is_ascii_lowercase()
        } else {
            b.is_ascii_uppercase()
        }
    };
    if v.bytes().any(convert) {
        s.push_str(&if upper {
            v.to_ascii_uppercase()
        } else {
            v.to_ascii_lowercase()
        });
    } else {
        s.push_str(v);
    }
    s.push('\n');
}

/// A number's decimal digits, written into `buf` (no formatting machinery on the signing path).
fn itoa(mut n: u64, buf: &mut [u8; 20]) -> &str {
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    // Only ASCII digits were written.
    std::str::from_utf8(&buf[i..]).unwrap_or_default()
}

/// A Hawk key: the HMAC-SHA256 state after absorbing the access token, computed once per
/// credentials so that each MAC hashes only its message. `Debug` shows nothing of it.
#[derive(Clone)]
pub struct Key(HmacSha256);

impl Key {
    /// The key of an access token (its UTF-8 bytes).
    pub fn new(access_token: &str) -> Key {
        Key(HmacSha256::new_from_slice(access_token.as_bytes()).expect("HMAC takes any key length"))
    }

    /// The MAC of the normalized string of `kind`, standard base64.
    pub fn mac(&self, kind: &str, a: &Artifacts<'_>) -> String {
        let mut out = String::with_capacity(44);
        self.append_mac(&mut out, kind, a);
        out
    }

    /// Appends [`mac`](Self::mac) to `out`.
    fn append_mac(&self, out: &mut String, kind: &str, a: &Artifacts<'_>) {
        let mut s = String::with_capacity(128 + a.target.resource.len());
        write_normalized(&mut s, kind, a);
        let mut mac = self.0.clone();
        mac.update(s.as_bytes());
        STANDARD.encode_string(mac.finalize().into_bytes(), out);
    }
}

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Key(..)")
    }
}

/// HMAC-SHA256 of `message` under `key` (the access token's UTF-8 bytes), standard base64.
pub fn hmac_b64(key: &str, message: &[u8]) -> String {
    b64(&STANDARD, &hmac_raw(key, message))
}

pub(crate) fn hmac_raw(key: &str, message: &[u8]) -> Vec<u8> {
    let mut mac = HmacSha256::new_from_slice(key.as_bytes()).expect("HMAC takes any key length");
    mac.update(message);
    mac.finalize().into_bytes().to_vec()
}

/// The MAC of a normalized string.
pub fn mac(key: &str, kind: &str, a: &Artifacts<'_>) -> String {
    Key::new(key).mac(kind, a)
}

/// The `Authorization` header value, in hawk's attribute order:
/// `Hawk id, ts, nonce[, hash][, ext], mac[, app[, dlg]]`.
pub fn header(id: &str, key: &str, a: &Artifacts<'_>) -> String {
    header_with(id, &Key::new(key), a)
}

/// [`header`] with a precomputed [`Key`].
pub fn header_with(id: &str, key: &Key, a: &Artifacts<'_>) -> String {
    let mut h = String::with_capacity(160 + id.len() + a.ext.map_or(0, str::len));
    let attr = |h: &mut String, name: &str, value: &str| {
        h.push_str(name);
        h.push_str("=\"");
        h.push_str(value);
        h.push('"');
    };
    attr(&mut h, "Hawk id", id);
    attr(&mut h, ", ts", itoa(a.ts, &mut [0; 20]));
    attr(&mut h, ", nonce", a.nonce);
    if let Some(hash) = a.hash {
        attr(&mut h, ", hash", hash);
    }
    if let Some(ext) = a.ext.filter(|e| !e.is_empty()) {
        attr(&mut h, ", ext", ext);
    }
    h.push_str(", mac=\"");
    key.append_mac(&mut h, "header", a);
    h.push('"');
    if let Some((app, dlg)) = a.app {
        attr(&mut h, ", app", app);
        if let Some(dlg) = dlg {
            attr(&mut h, ", dlg", dlg);
        }
    }
    h
}

/// The raw bewit, `id\exp\mac\ext`, before base64url.
pub fn bewit_raw(id: &str, key: &str, target: &Target, exp: u64, ext: Option<&str>) -> String {
    bewit_raw_with(id, &Key::new(key), target, exp, ext)
}

fn bewit_raw_with(id: &str, key: &Key, target: &Target, exp: u64, ext: Option<&str>) -> String {
    let a = Artifacts {
        ts: exp,
        nonce: "",
        method: "GET",
        target,
        hash: None,
        ext,
        app: None,
    };
    let ext = ext.unwrap_or_default();
    let mut raw = String::with_capacity(id.len() + ext.len() + 68);
    raw.push_str(id);
    raw.push('\\');
    raw.push_str(itoa(exp, &mut [0; 20]));
    raw.push('\\');
    key.append_mac(&mut raw, "bewit", &a);
    raw.push('\\');
    raw.push_str(ext);
    raw
}

/// Appends the bewit for `target` ([`bewit`] with a precomputed [`Key`]) to `out`.
pub fn append_bewit_with(
    out: &mut String,
    id: &str,
    key: &Key,
    target: &Target,
    exp: u64,
    ext: Option<&str>,
) {
    URL_SAFE_NO_PAD.encode_string(bewit_raw_with(id, key, target, exp, ext), out);
}

/// The bewit for `target`: base64url without padding of [`bewit_raw`].
pub fn bewit(id: &str, key: &str, target: &Target, exp: u64, ext: Option<&str>) -> String {
    bewit_with(id, &Key::new(key), target, exp, ext)
}

/// [`bewit`] with a precomputed [`Key`].
pub fn bewit_with(id: &str, key: &Key, target: &Target, exp: u64, ext: Option<&str>) -> String {
    b64(
        &URL_SAFE_NO_PAD,
        bewit_raw_with(id, key, target, exp, ext).as_bytes(),
    )
}

/// Appends `bewit=<bewit>` as the last query parameter of `url`.
pub fn append_bewit(url: &str, bewit: &str) -> String {
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}bewit={bewit}")
}

/// A `Server-Authorization` header for a response (Taskcluster never sends one; provided for
/// completeness and tested against the vectors).
pub fn response_header(key: &str, a: &Artifacts<'_>) -> String {
    let mac = mac(key, "response", a);
    let mut h = format!("Hawk mac=\"{mac}\"");
    if let Some(hash) = a.hash {
        h.push_str(&format!(", hash=\"{hash}\""));
    }
    if let Some(ext) = a.ext.filter(|e| !e.is_empty()) {
        h.push_str(&format!(", ext=\"{ext}\""));
    }
    h
}
