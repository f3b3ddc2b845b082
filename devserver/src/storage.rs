//! Fake blob storage ("s3-like"), served by the same server under `/__storage/<key>`.
//!
//! URLs are presigned: `/__storage/<key>?expires=<unix ms>&sig=<base64url HMAC-SHA256>`.
//! The signature covers the method class (`GET` for GET/HEAD, `PUT`), the key and the expiry,
//! and for PUT also the `Content-Type` and `Content-Length` the uploader must send (like a
//! presigned S3 PUT). Bytes live in files under `<data dir>/blobs/`; uploads and downloads are
//! streamed, so memory stays bounded whatever the object size.

use crate::call::{not_found, FaultFlag};
use crate::clock::now_ms;
use crate::state::blobs::Blob;
use crate::state::AppState;
use crate::util::{hex, hmac_sha256, lock, B64URL};
use axum::body::Body;
use axum::response::Response;
use base64::Engine;
use bytes::Bytes;
use futures_util::StreamExt;
use http::{HeaderMap, HeaderValue, Method, StatusCode};
use sha2::{Digest, Sha256, Sha512};
use std::path::PathBuf;
use tokio::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};

/// URL path prefix of the blob store.
pub(crate) const PREFIX: &str = "/__storage/";

/// Chunk size for reading blobs from disk.
const CHUNK: usize = 64 * 1024;

/// Set in a storage PUT response's extensions: the hex SHA-256 of the body received, for the
/// request log.
#[derive(Debug, Clone)]
pub(crate) struct BodyDigest(pub(crate) String);

/// A fresh random blob key (`[A-Za-z0-9_-]`).
pub(crate) fn new_key() -> String {
    crate::util::random_token(22)
}

fn blob_dir(state: &AppState) -> PathBuf {
    state.data_dir.join("blobs")
}

fn blob_path(state: &AppState, key: &str) -> PathBuf {
    blob_dir(state).join(key)
}

fn sign(state: &AppState, text: &str) -> String {
    B64URL.encode(hmac_sha256(&state.storage_key, text.as_bytes()))
}

fn get_text(key: &str, expires_ms: i64) -> String {
    format!("GET\n{key}\n{expires_ms}")
}

fn put_text(key: &str, expires_ms: i64, content_type: &str, content_length: u64) -> String {
    format!("PUT\n{key}\n{expires_ms}\n{content_type}\n{content_length}")
}

/// A presigned GET (and HEAD) URL for `key`, valid until `expires_ms`.
pub(crate) fn get_url(state: &AppState, key: &str, expires_ms: i64) -> String {
    let sig = sign(state, &get_text(key, expires_ms));
    format!(
        "{}{PREFIX}{key}?expires={expires_ms}&sig={sig}",
        state.root_url
    )
}

/// A presigned PUT URL for `key`; the upload must carry exactly this `Content-Type` and
/// `Content-Length`.
pub(crate) fn put_url(
    state: &AppState,
    key: &str,
    expires_ms: i64,
    content_type: &str,
    content_length: u64,
) -> String {
    let sig = sign(
        state,
        &put_text(key, expires_ms, content_type, content_length),
    );
    format!(
        "{}{PREFIX}{key}?expires={expires_ms}&sig={sig}",
        state.root_url
    )
}

/// A presigned PUT URL for `key` that binds the `Content-Type` but accepts any
/// `Content-Length` (like the queue's s3 artifact URLs).
pub(crate) fn put_url_any_length(
    state: &AppState,
    key: &str,
    expires_ms: i64,
    content_type: &str,
) -> String {
    let sig = sign(state, &put_text_any(key, expires_ms, content_type));
    format!(
        "{}{PREFIX}{key}?expires={expires_ms}&anylen=1&sig={sig}",
        state.root_url
    )
}

fn put_text_any(key: &str, expires_ms: i64, content_type: &str) -> String {
    format!("PUT\n{key}\n{expires_ms}\n{content_type}\n*")
}

/// Store `data` under `key` directly (dataInline uploads, seeding).
pub(crate) async fn store_bytes(
    state: &AppState,
    key: &str,
    data: &[u8],
    content_type: Option<&str>,
    content_encoding: Option<&str>,
) -> std::io::Result<()> {
    tokio::fs::create_dir_all(blob_dir(state)).await?;
    let tmp = blob_dir(state).join(format!(".tmp-{}", new_key()));
    tokio::fs::write(&tmp, data).await?;
    tokio::fs::rename(&tmp, blob_path(state, key)).await?;
    let blob = Blob {
        len: data.len() as u64,
        content_type: content_type.map(str::to_string),
        content_encoding: content_encoding.map(str::to_string),
        content_disposition: None,
        sha256: hex(&Sha256::digest(data)),
        sha512: hex(&Sha512::digest(data)),
    };
    lock(&state.db).blobs.insert(key.to_string(), blob);
    Ok(())
}

/// An S3-style XML error.
fn s3_error(status: u16, code: &str, message: &str) -> Response {
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code><Message>{message}</Message></Error>"
    );
    let mut resp = Response::new(Body::from(body));
    *resp.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
    resp.headers_mut().insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/xml"),
    );
    resp
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// Serve a request under `/__storage/`.
pub(crate) async fn handle(
    state: &AppState,
    method: Method,
    url: String,
    headers: HeaderMap,
    body: Body,
    flags: Vec<FaultFlag>,
) -> Response {
    let (path, query) = url.split_once('?').unwrap_or((url.as_str(), ""));
    let Some(key) = path.strip_prefix(PREFIX) else {
        return not_found();
    };
    let key_ok = !key.is_empty()
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !key_ok {
        return s3_error(404, "NoSuchKey", "The specified key does not exist.");
    }
    if headers.contains_key(http::header::AUTHORIZATION) {
        return s3_error(
            400,
            "InvalidArgument",
            "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified",
        );
    }
    let mut expires = None;
    let mut sig = None;
    let mut any_len = false;
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        match k {
            "expires" => expires = v.parse::<i64>().ok(),
            "sig" => sig = Some(v.to_string()),
            "anylen" => any_len = v == "1",
            _ => {}
        }
    }
    let (Some(expires), Some(sig)) = (expires, sig) else {
        return s3_error(403, "AccessDenied", "Query-string authentication required.");
    };
    match method {
        Method::GET | Method::HEAD => {
            let expected = sign(state, &get_text(key, expires));
            if !crate::util::ct_eq(expected.as_bytes(), sig.as_bytes()) {
                return s3_error(
                    403,
                    "SignatureDoesNotMatch",
                    "The request signature we calculated does not match the signature you provided.",
                );
            }
            if expires <= now_ms() || flags.contains(&FaultFlag::ExpireUrl) {
                return s3_error(403, "AccessDenied", "Request has expired");
            }
            serve_get(state, key, &headers, method == Method::HEAD, &flags).await
        }
        Method::PUT => {
            let ct = header(&headers, "content-type").unwrap_or("");
            if header(&headers, "transfer-encoding")
                .is_some_and(|t| t.to_ascii_lowercase().contains("chunked"))
            {
                return s3_error(
                    501,
                    "NotImplemented",
                    "A header you provided implies functionality that is not implemented (Transfer-Encoding).",
                );
            }
            let Some(len) = header(&headers, "content-length").and_then(|v| v.parse::<u64>().ok())
            else {
                return s3_error(
                    411,
                    "MissingContentLength",
                    "You must provide the Content-Length HTTP header.",
                );
            };
            let expected = if any_len {
                sign(state, &put_text_any(key, expires, ct))
            } else {
                sign(state, &put_text(key, expires, ct, len))
            };
            if !crate::util::ct_eq(expected.as_bytes(), sig.as_bytes()) {
                return s3_error(
                    403,
                    "SignatureDoesNotMatch",
                    "The request signature we calculated does not match the signature you provided. Check your key and signing method (Content-Type and Content-Length are signed).",
                );
            }
            if expires <= now_ms() || flags.contains(&FaultFlag::ExpireUrl) {
                return s3_error(403, "AccessDenied", "Request has expired");
            }
            serve_put(state, key, &headers, len, body).await
        }
        _ => s3_error(
            405,
            "MethodNotAllowed",
            "The specified method is not allowed against this resource.",
        ),
    }
}

async fn serve_put(
    state: &AppState,
    key: &str,
    headers: &HeaderMap,
    len: u64,
    body: Body,
) -> Response {
    let dir = blob_dir(state);
    if let Err(e) = tokio::fs::create_dir_all(&dir).await {
        return s3_error(500, "InternalError", &format!("cannot create storage: {e}"));
    }
    let tmp = dir.join(format!(".tmp-{}", new_key()));
    let mut file = match tokio::fs::File::create(&tmp).await {
        Ok(f) => f,
        Err(e) => return s3_error(500, "InternalError", &format!("cannot store: {e}")),
    };
    let mut sha256 = Sha256::new();
    let mut sha512 = Sha512::new();
    let mut count: u64 = 0;
    let mut stream = body.into_data_stream();
    let mut failed = None;
    while let Some(chunk) = stream.next().await {
        match chunk {
            Ok(c) => {
                count += c.len() as u64;
                if count > len {
                    failed = Some(s3_error(
                        400,
                        "IncompleteBody",
                        "The request body is longer than Content-Length.",
                    ));
                    break;
                }
                sha256.update(&c);
                sha512.update(&c);
                if let Err(e) = file.write_all(&c).await {
                    failed = Some(s3_error(
                        500,
                        "InternalError",
                        &format!("write failed: {e}"),
                    ));
                    break;
                }
            }
            Err(_) => {
                failed = Some(s3_error(
                    400,
                    "IncompleteBody",
                    "You did not provide the number of bytes specified by the Content-Length HTTP header.",
                ));
                break;
            }
        }
    }
    if failed.is_none() && count != len {
        failed = Some(s3_error(
            400,
            "IncompleteBody",
            "You did not provide the number of bytes specified by the Content-Length HTTP header.",
        ));
    }
    if failed.is_none() {
        if let Err(e) = file.flush().await {
            failed = Some(s3_error(
                500,
                "InternalError",
                &format!("write failed: {e}"),
            ));
        }
    }
    drop(file);
    if let Some(resp) = failed {
        let _ = tokio::fs::remove_file(&tmp).await;
        return resp;
    }
    if let Err(e) = tokio::fs::rename(&tmp, blob_path(state, key)).await {
        let _ = tokio::fs::remove_file(&tmp).await;
        return s3_error(500, "InternalError", &format!("commit failed: {e}"));
    }
    let sha256 = hex(&sha256.finalize());
    let blob = Blob {
        len,
        content_type: header(headers, "content-type").map(str::to_string),
        content_encoding: header(headers, "content-encoding").map(str::to_string),
        content_disposition: header(headers, "content-disposition").map(str::to_string),
        sha512: hex(&sha512.finalize()),
        sha256: sha256.clone(),
    };
    lock(&state.db).blobs.insert(key.to_string(), blob);
    let mut resp = Response::new(Body::empty());
    if let Ok(v) = HeaderValue::from_str(&format!("\"{}\"", &sha256[..32])) {
        resp.headers_mut().insert(http::header::ETAG, v);
    }
    resp.extensions_mut().insert(BodyDigest(sha256));
    resp
}

/// Parse a single `bytes=` range against a length: `Ok(Some((start, end_inclusive)))`,
/// `Ok(None)` to serve everything (absent or unsupported), `Err(())` if unsatisfiable.
fn parse_range(h: Option<&str>, len: u64) -> Result<Option<(u64, u64)>, ()> {
    let Some(spec) = h.and_then(|h| h.trim().strip_prefix("bytes=")) else {
        return Ok(None);
    };
    if spec.contains(',') {
        // multiple ranges: serve the whole object, as S3 does
        return Ok(None);
    }
    let Some((a, b)) = spec.trim().split_once('-') else {
        return Ok(None);
    };
    let (a, b) = (a.trim(), b.trim());
    if a.is_empty() {
        // suffix range
        let Ok(n) = b.parse::<u64>() else {
            return Ok(None);
        };
        if n == 0 || len == 0 {
            return Err(());
        }
        let n = n.min(len);
        return Ok(Some((len - n, len - 1)));
    }
    let Ok(start) = a.parse::<u64>() else {
        return Ok(None);
    };
    let end = if b.is_empty() {
        len.saturating_sub(1)
    } else {
        match b.parse::<u64>() {
            Ok(e) if e >= start => e.min(len.saturating_sub(1)),
            _ => return Ok(None),
        }
    };
    if start >= len {
        return Err(());
    }
    Ok(Some((start, end)))
}

async fn serve_get(
    state: &AppState,
    key: &str,
    headers: &HeaderMap,
    head: bool,
    flags: &[FaultFlag],
) -> Response {
    let wrong_hash = flags.contains(&FaultFlag::WrongHash);
    let blob = lock(&state.db).blobs.get(key).cloned();
    let Some(blob) = blob else {
        return s3_error(404, "NoSuchKey", "The specified key does not exist.");
    };
    let asked = if flags.contains(&FaultFlag::IgnoreRange) {
        None
    } else {
        header(headers, "range")
    };
    let range = match parse_range(asked, blob.len) {
        Ok(r) => r,
        Err(()) => {
            let mut resp = s3_error(
                416,
                "InvalidRange",
                "The requested range is not satisfiable",
            );
            if let Ok(v) = HeaderValue::from_str(&format!("bytes */{}", blob.len)) {
                resp.headers_mut().insert(http::header::CONTENT_RANGE, v);
            }
            return resp;
        }
    };
    // A misbehaving server: answer a range request from another offset.
    let wrong_start = flags.iter().find_map(|f| match f {
        FaultFlag::WrongContentRange(start) => Some(*start),
        _ => None,
    });
    let range = match (range, wrong_start) {
        (Some(_), Some(s)) if s < blob.len => Some((s, blob.len - 1)),
        (r, _) => r,
    };
    let (start, count) = match range {
        Some((s, e)) => (s, e - s + 1),
        None => (0, blob.len),
    };
    let body = if head || count == 0 {
        Body::empty()
    } else {
        let mut file = match tokio::fs::File::open(blob_path(state, key)).await {
            Ok(f) => f,
            Err(_) => return s3_error(404, "NoSuchKey", "The specified key does not exist."),
        };
        if start > 0 && file.seek(std::io::SeekFrom::Start(start)).await.is_err() {
            return s3_error(500, "InternalError", "seek failed");
        }
        let stream = futures_util::stream::unfold(
            (file, count, wrong_hash),
            |(mut file, left, flip)| async move {
                if left == 0 {
                    return None;
                }
                let want = (left as usize).min(CHUNK);
                let mut buf = vec![0u8; want];
                match file.read(&mut buf).await {
                    Ok(0) => Some((
                        Err(std::io::Error::new(
                            std::io::ErrorKind::UnexpectedEof,
                            "blob shorter than recorded",
                        )),
                        (file, 0, false),
                    )),
                    Ok(n) => {
                        buf.truncate(n);
                        if flip {
                            buf[0] ^= 0x01;
                        }
                        Some((Ok(Bytes::from(buf)), (file, left - n as u64, false)))
                    }
                    Err(e) => Some((Err(e), (file, 0, false))),
                }
            },
        );
        Body::from_stream(stream)
    };
    let mut resp = Response::new(body);
    let h = resp.headers_mut();
    h.insert(http::header::CONTENT_LENGTH, HeaderValue::from(count));
    h.insert(
        http::header::ACCEPT_RANGES,
        HeaderValue::from_static("bytes"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("\"{}\"", &blob.sha256[..32])) {
        h.insert(http::header::ETAG, v);
    }
    for (name, val) in [
        (http::header::CONTENT_TYPE, &blob.content_type),
        (http::header::CONTENT_ENCODING, &blob.content_encoding),
        (http::header::CONTENT_DISPOSITION, &blob.content_disposition),
    ] {
        if let Some(v) = val.as_deref().and_then(|v| HeaderValue::from_str(v).ok()) {
            h.insert(name, v);
        }
    }
    if let Some((s, e)) = range {
        if let Ok(v) = HeaderValue::from_str(&format!("bytes {s}-{e}/{}", blob.len)) {
            h.insert(http::header::CONTENT_RANGE, v);
        }
        *resp.status_mut() = StatusCode::PARTIAL_CONTENT;
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::parse_range;

    #[test]
    fn ranges() {
        assert_eq!(parse_range(None, 10), Ok(None));
        assert_eq!(parse_range(Some("bytes=2-"), 10), Ok(Some((2, 9))));
        assert_eq!(parse_range(Some("bytes=2-4"), 10), Ok(Some((2, 4))));
        assert_eq!(parse_range(Some("bytes=2-40"), 10), Ok(Some((2, 9))));
        assert_eq!(parse_range(Some("bytes=-3"), 10), Ok(Some((7, 9))));
        assert_eq!(parse_range(Some("bytes=10-"), 10), Err(()));
        assert_eq!(parse_range(Some("bytes=0-"), 0), Err(()));
        assert_eq!(parse_range(Some("items=0-"), 10), Ok(None));
    }
}
