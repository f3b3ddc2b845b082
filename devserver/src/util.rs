//! Small helpers: time formats, encodings, randomness, HMAC, locking (no server state).

use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::Engine;
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256, Sha512};

/// Standard base64 with padding.
pub(crate) const B64: GeneralPurpose = base64::engine::general_purpose::STANDARD;
/// URL-safe base64 without padding.
pub(crate) const B64URL: GeneralPurpose = base64::engine::general_purpose::URL_SAFE_NO_PAD;

const LENIENT_CFG: GeneralPurposeConfig = GeneralPurposeConfig::new()
    .with_decode_padding_mode(DecodePaddingMode::Indifferent)
    .with_decode_allow_trailing_bits(true);
const LENIENT_STD: GeneralPurpose = GeneralPurpose::new(&base64::alphabet::STANDARD, LENIENT_CFG);

/// Decode base64 like Node's `Buffer.from(s, 'base64')`: both alphabets, optional padding,
/// whitespace ignored, decoding stops at the first `=`.
pub(crate) fn lenient_b64_decode(s: &str) -> Option<Vec<u8>> {
    let mut norm = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '-' => norm.push('+'),
            '_' => norm.push('/'),
            '=' => break,
            c if c.is_ascii_whitespace() => {}
            c => norm.push(c),
        }
    }
    // a single dangling character carries no full byte; Node drops it
    if norm.len() % 4 == 1 {
        norm.pop();
    }
    LENIENT_STD.decode(norm.as_bytes()).ok()
}

/// Lock a mutex, ignoring poisoning (a panicking handler must not wedge the server).
pub(crate) fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Milliseconds since the Unix epoch of the system clock.
pub(crate) fn system_now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// Format milliseconds since the epoch as `YYYY-MM-DDTHH:MM:SS.mmmZ` (JS `toJSON`).
pub(crate) fn iso(ms: i64) -> String {
    match chrono::DateTime::<chrono::Utc>::from_timestamp_millis(ms) {
        Some(d) => d.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
        None => "1970-01-01T00:00:00.000Z".to_string(),
    }
}

/// Parse an RFC 3339 date-time into milliseconds since the epoch.
pub(crate) fn parse_iso(s: &str) -> Option<i64> {
    chrono::DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|d| d.timestamp_millis())
}

/// `n` random bytes.
pub(crate) fn random_bytes(n: usize) -> Vec<u8> {
    let mut v = vec![0u8; n];
    getrandom::fill(&mut v).expect("OS randomness unavailable");
    v
}

/// A random string of `len` characters from `[A-Za-z0-9_-]`.
pub(crate) fn random_token(len: usize) -> String {
    let mut s = B64URL.encode(random_bytes(len));
    s.truncate(len);
    s
}

/// A v4 slugid (22 characters); `nice` makes the first character a letter.
#[allow(dead_code)]
pub(crate) fn slugid() -> String {
    let mut b = random_bytes(16);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    b[0] &= 0x7f;
    B64URL.encode(&b)
}

/// Whether `s` is a slugid (`^[A-Za-z0-9_-]{8}[Q-T][A-Za-z0-9_-][CGKOSWaeimquy26-][A-Za-z0-9_-]{10}[AQgw]$`).
pub(crate) fn is_slugid(s: &str) -> bool {
    let b = s.as_bytes();
    let ok = |c: u8| c.is_ascii_alphanumeric() || c == b'_' || c == b'-';
    b.len() == 22
        && b.iter().all(|c| ok(*c))
        && (b'Q'..=b'T').contains(&b[8])
        && b"CGKOSWaeimquy26-".contains(&b[10])
        && b"AQgw".contains(&b[21])
}

/// HMAC-SHA256.
pub(crate) fn hmac_sha256(key: &[u8], msg: &[u8]) -> Vec<u8> {
    let mut m = <Hmac<Sha256> as KeyInit>::new_from_slice(key).expect("HMAC accepts any key");
    m.update(msg);
    m.finalize().into_bytes().to_vec()
}

/// Constant-time byte comparison.
pub(crate) fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Lower-case hex.
#[allow(dead_code)]
pub(crate) fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// SHA-256 and SHA-512 hex digests.
#[allow(dead_code)]
pub(crate) fn sha_hexes(data: &[u8]) -> (String, String) {
    (hex(&Sha256::digest(data)), hex(&Sha512::digest(data)))
}

/// Percent-decode a path segment or query component (no `+` handling).
pub(crate) fn pct_decode(s: &str) -> Option<String> {
    percent_encoding::percent_decode_str(s)
        .decode_utf8()
        .ok()
        .map(|c| c.into_owned())
}

/// Decode an `application/x-www-form-urlencoded` component (`+` is a space).
pub(crate) fn form_decode(s: &str) -> Option<String> {
    pct_decode(&s.replace('+', " "))
}

/// Percent-encode everything except unreserved characters.
#[allow(dead_code)]
pub(crate) fn pct_encode(s: &str) -> String {
    const SET: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'~');
    percent_encoding::utf8_percent_encode(s, SET).to_string()
}

/// `data` in a `Content-Encoding`: `gzip` or `deflate` (the zlib format, as HTTP means it).
/// `None` for any other encoding.
pub(crate) fn encode(data: &[u8], encoding: &str) -> Option<Vec<u8>> {
    use std::io::Write;
    let level = flate2::Compression::default();
    match encoding {
        "gzip" => {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), level);
            e.write_all(data).ok()?;
            e.finish().ok()
        }
        "deflate" => {
            let mut e = flate2::write::ZlibEncoder::new(Vec::new(), level);
            e.write_all(data).ok()?;
            e.finish().ok()
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lenient() {
        assert_eq!(lenient_b64_decode("eyJhIjoxfQ==").unwrap(), b"{\"a\":1}");
        assert_eq!(lenient_b64_decode("eyJhIjoxfQ").unwrap(), b"{\"a\":1}");
        assert_eq!(lenient_b64_decode("-_8").unwrap(), vec![0xfb, 0xff]);
        assert!(is_slugid(&slugid()));
        assert_eq!(random_token(44).len(), 44);
        assert_eq!(iso(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(parse_iso("1970-01-01T00:00:01.500Z"), Some(1500));
        for encoding in ["gzip", "deflate"] {
            let encoded = encode(b"hello, hello, hello", encoding).unwrap();
            assert_ne!(encoded, b"hello, hello, hello");
        }
        assert_eq!(&encode(b"x", "gzip").unwrap()[..2], &[0x1f, 0x8b]);
        assert!(encode(b"x", "br").is_none());
    }
}
