//! Upload: createUpload → (dataInline | PUT putUrl) → finishUpload.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use futures_util::StreamExt;
use serde_json::{json, Value};

use super::calls::ObjectCalls;
use super::io::{read_all, Source};
use super::watch::{self, Activity};
use super::{report, Hasher, Hashes, Progress, DATA_INLINE_MAX_SIZE};
use crate::platform::{BoxFuture, Runtime};
use crate::retry::{self, Attempts, Retry};
use crate::transport::{Body, BodyError};
use crate::util::time::Timestamp;
use crate::{Error, Result, RetryPolicy};

/// What to upload, and how.
#[derive(Clone, Default)]
pub struct UploadOptions {
    /// The project the object belongs to.
    pub project_id: String,
    /// The object's name (printable ASCII).
    pub name: String,
    /// When the object expires, as an ISO 8601 string; sent unchanged on every call.
    pub expires: String,
    /// The upload ID (a slugid); a new one when `None`. Reuse it to retry a whole upload.
    pub upload_id: Option<String>,
    /// The content type.
    pub content_type: String,
    /// The exact number of bytes the source produces.
    pub content_length: u64,
    /// Retries of the data transfer (the PUT to storage). API calls follow their own
    /// client's policy; this one is independent of it. Default: [`RetryPolicy::default`], the
    /// official client's transfer defaults.
    pub retry: Option<RetryPolicy>,
    /// How long the storage server may take to answer once the body is sent (default 30 s).
    /// A body the host sends by itself (a JS `Blob` or byte array), whose progress cannot be
    /// seen, may take this long plus one second per 64 KiB.
    pub timeout: Option<Duration>,
    /// How long the body may make no progress before the attempt is abandoned (default 60 s).
    pub idle_timeout: Option<Duration>,
    /// Called with bytes sent and the total.
    pub progress: Option<Progress>,
}

impl std::fmt::Debug for UploadOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UploadOptions")
            .field("project_id", &self.project_id)
            .field("name", &self.name)
            .field("expires", &self.expires)
            .field("content_type", &self.content_type)
            .field("content_length", &self.content_length)
            .field("retry", &self.retry)
            .field("timeout", &self.timeout)
            .field("idle_timeout", &self.idle_timeout)
            .finish_non_exhaustive()
    }
}

/// What an upload produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadResult {
    /// The upload ID used.
    pub upload_id: String,
    /// The hashes of the bytes sent, as recorded by finishUpload.
    pub hashes: Hashes,
}

/// Checks what the object service would refuse, before any request.
pub(crate) fn check_name(name: &str) -> Result<()> {
    if name.is_empty() || !name.bytes().all(|b| (0x20..=0x7e).contains(&b)) {
        return Err(Error::invalid_input(format!(
            "object name {name:?} must be non-empty printable ASCII"
        )));
    }
    Ok(())
}

fn check(opts: &UploadOptions) -> Result<()> {
    check_name(&opts.name)?;
    if opts.project_id.is_empty()
        || opts.project_id.len() > 500
        || !opts
            .project_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._/-".contains(&b))
    {
        return Err(Error::invalid_input(format!(
            "projectId {:?} must be 1 to 500 characters of A-Z a-z 0-9 . _ / -",
            opts.project_id
        )));
    }
    Timestamp::parse(&opts.expires).map_err(|_| {
        Error::invalid_input(format!(
            "expires {:?} is not an ISO 8601 UTC time",
            opts.expires
        ))
    })?;
    if opts.content_type.is_empty() {
        return Err(Error::invalid_input("contentType is empty"));
    }
    if let Some(id) = &opts.upload_id {
        let b = id.as_bytes();
        let ok = b.len() == 22
            && b.iter()
                .all(|c| c.is_ascii_alphanumeric() || *c == b'-' || *c == b'_')
            && (b'Q'..=b'T').contains(&b[8])
            && b"CGKOSWaeimquy26-".contains(&b[10])
            && b"AQgw".contains(&b[21]);
        if !ok {
            return Err(Error::invalid_input(format!(
                "uploadId {id:?} is not a v4 slugid"
            )));
        }
    }
    Ok(())
}

/// Uploads an object. See the [module docs](super).
///
/// `object` makes the object-service calls: an [`Object`](crate::Object), or any
/// [`ObjectCalls`]. The data goes through its [`transport`](super::TransferHost::transport).
pub async fn upload(
    object: &dyn ObjectCalls,
    opts: &UploadOptions,
    source: &dyn Source,
) -> Result<UploadResult> {
    check(opts)?;
    let runtime = object.runtime();
    let upload_id = opts
        .upload_id
        .clone()
        .unwrap_or_else(|| crate::util::slugid::v4_with(runtime.as_ref()));
    let mut proposed = serde_json::Map::new();
    let mut inline_hashes = None;
    if opts.content_length < DATA_INLINE_MAX_SIZE {
        let data = read_all(source, opts.content_length).await?;
        if data.len() as u64 != opts.content_length {
            return Err(length_error(data.len() as u64, opts.content_length));
        }
        let mut h = Hasher::new();
        h.update(&data);
        inline_hashes = Some(h.finish());
        proposed.insert(
            "dataInline".into(),
            json!({"contentType": opts.content_type, "objectData": crate::auth::hawk::b64(&STANDARD, &data)}),
        );
    }
    proposed.insert(
        "putUrl".into(),
        json!({"contentType": opts.content_type, "contentLength": opts.content_length}),
    );
    let request = json!({
        "projectId": opts.project_id,
        "uploadId": upload_id,
        "expires": opts.expires,
        "proposedUploadMethods": proposed,
    });
    let response: Value = object.create_upload(&opts.name, &request).await?;
    let method = &response["uploadMethod"];
    let hashes = if method.get("dataInline").is_some_and(|v| v == true) {
        let hashes = inline_hashes.ok_or_else(|| {
            Error::decode("the object service chose dataInline, which was not proposed")
        })?;
        report(
            &opts.progress,
            opts.content_length,
            Some(opts.content_length),
        );
        hashes
    } else if method.get("putUrl").is_some() {
        put(
            object,
            runtime.as_ref(),
            opts,
            source,
            &request,
            method["putUrl"].clone(),
        )
        .await?
    } else {
        return Err(Error::decode("Could not negotiate an upload method"));
    };
    let finish = json!({"projectId": opts.project_id, "uploadId": upload_id, "hashes": hashes});
    object.finish_upload(&opts.name, &finish).await?;
    Ok(UploadResult { upload_id, hashes })
}

async fn hash_all(mut stream: super::io::SourceStream, want: u64) -> Result<Hashes> {
    let mut h = Hasher::new();
    while let Some(chunk) = stream.next().await {
        let chunk =
            chunk.map_err(|e| Error::invalid_input(format!("the upload source failed: {e}")))?;
        h.update(&chunk);
        if h.len() > want {
            return Err(length_error(h.len(), want));
        }
    }
    if h.len() != want {
        return Err(length_error(h.len(), want));
    }
    Ok(h.finish())
}

fn length_error(got: u64, want: u64) -> Error {
    Error::invalid_input(format!(
        "the upload source produced {got} bytes but contentLength is {want}"
    ))
}

fn expires_ms(put_url: &Value) -> Option<i64> {
    put_url["expires"]
        .as_str()
        .and_then(|s| Timestamp::parse(s).ok())
        .map(|t| t.as_millis())
}

async fn put(
    object: &dyn ObjectCalls,
    runtime: &dyn Runtime,
    opts: &UploadOptions,
    source: &dyn Source,
    request: &Value,
    put_url: Value,
) -> Result<Hashes> {
    let mut job = Put {
        object,
        runtime,
        opts,
        source,
        request,
        put_url,
        renew: false,
        renewed_after_403: false,
        hashes: None,
    };
    retry::run(&opts.retry.unwrap_or_default(), runtime, &mut job).await?;
    retry::output(job.hashes)
}

/// The attempts of an upload's PUT: a presigned URL that is about to expire, or that expired
/// under a 403, is replaced by a fresh one; the source is opened afresh every time.
struct Put<'a> {
    object: &'a dyn ObjectCalls,
    runtime: &'a dyn Runtime,
    opts: &'a UploadOptions,
    source: &'a dyn Source,
    /// The createUpload request, sent again unchanged for a fresh URL.
    request: &'a Value,
    put_url: Value,
    /// Ask for a fresh URL before the next attempt.
    renew: bool,
    renewed_after_403: bool,
    /// The hashes of the bytes sent, once a PUT succeeded.
    hashes: Option<Hashes>,
}

impl Put<'_> {
    /// Whether the URL expires within a minute.
    fn expiring(&self) -> bool {
        let now = self.runtime.now_ms() as i64;
        expires_ms(&self.put_url).is_some_and(|e| now >= e - 60_000)
    }
}

impl Attempts for Put<'_> {
    fn request(&self) -> (&str, String) {
        (
            "PUT",
            self.put_url["url"].as_str().unwrap_or_default().into(),
        )
    }

    fn prepare(&mut self, _n: u32) -> BoxFuture<'_, Result<()>> {
        Box::pin(async move {
            if std::mem::take(&mut self.renew) {
                self.put_url = renew(self.object, self.opts, self.request).await?;
            }
            if self.expiring() {
                self.put_url = renew(self.object, self.opts, self.request).await?;
            }
            Ok(())
        })
    }

    fn attempt(&mut self, _n: u32) -> BoxFuture<'_, Result<()>> {
        Box::pin(async move {
            let (object, runtime, opts, source) =
                (self.object, self.runtime, self.opts, self.source);
            self.hashes = Some(put_once(object, runtime, opts, source, &self.put_url).await?);
            Ok(())
        })
    }

    fn next(&mut self, error: Error, n: u32, policy: &RetryPolicy) -> Result<Retry, Error> {
        if error.status() == Some(403) && !self.renewed_after_403 && self.expiring() {
            // An expired presigned URL: ask for a fresh one, once, and try again at once.
            self.renewed_after_403 = true;
            self.renew = true;
            return Ok(Retry::Now);
        }
        retry::by_policy(error, n, policy)
    }
}

/// createUpload again with the identical body, for a fresh putUrl.
async fn renew(object: &dyn ObjectCalls, opts: &UploadOptions, request: &Value) -> Result<Value> {
    let response: Value = object.create_upload(&opts.name, request).await?;
    response["uploadMethod"]
        .get("putUrl")
        .cloned()
        .ok_or_else(|| Error::decode("createUpload no longer offers putUrl"))
}

async fn put_once(
    object: &dyn ObjectCalls,
    runtime: &dyn Runtime,
    opts: &UploadOptions,
    source: &dyn Source,
    put_url: &Value,
) -> Result<Hashes> {
    let url = put_url["url"]
        .as_str()
        .ok_or_else(|| Error::decode("putUrl has no url"))?;
    // Presigned query strings are bearer secrets: keep them out of errors.
    let shown = watch::without_query(url);
    let mut builder = http::Request::builder().method(http::Method::PUT).uri(url);
    let mut has_length = false;
    let mut raw = Vec::new();
    for (k, v) in put_url["headers"].as_object().into_iter().flatten() {
        let v = v
            .as_str()
            .filter(|v| http::HeaderValue::from_str(v).is_ok())
            .ok_or_else(|| Error::decode(format!("putUrl header {k} is not a header value")))?;
        if !crate::transport::is_header_token(k) {
            return Err(Error::decode(format!(
                "putUrl header {k:?} is not a header name"
            )));
        }
        has_length |= k.eq_ignore_ascii_case("content-length");
        match crate::transport::header_name(k) {
            Some(name) => builder = builder.header(name, v),
            None => raw.push((k.to_ascii_lowercase(), v.to_owned())),
        }
    }
    if !raw.is_empty() {
        builder = builder.extension(crate::transport::RawHeaders(raw));
    }
    if !has_length {
        builder = builder.header(http::header::CONTENT_LENGTH, opts.content_length);
    }
    let timeout = opts.timeout.unwrap_or(watch::DEFAULT_TIMEOUT);
    let idle = opts.idle_timeout.unwrap_or(watch::DEFAULT_IDLE);
    let transport = object.transport();
    if let Some((body, hash_stream)) = source.open_host().await? {
        // The host sends the body itself; hash the same bytes from a second read. Its progress
        // cannot be seen: allow the timeout plus a second per 64 KiB.
        let hashes = hash_all(hash_stream, opts.content_length).await?;
        let request = builder
            .body(body)
            .map_err(|e| Error::invalid_input(format!("cannot build the PUT request: {e}")))?;
        let allowance = timeout.saturating_add(Duration::from_secs(opts.content_length >> 16));
        let activity = Activity::body_sent();
        let response =
            watch::exchange(transport.send(request), runtime, &activity, idle, allowance).await?;
        watch::check_status(response, "PUT", &shown, runtime, idle).await?;
        report(
            &opts.progress,
            opts.content_length,
            Some(opts.content_length),
        );
        return Ok(hashes);
    }
    let state = Arc::new(Mutex::new((Hasher::new(), None::<String>)));
    let activity = Arc::new(Activity::default());
    let want = opts.content_length;
    let progress = opts.progress.clone();
    let counted = state.clone();
    let ended = state.clone();
    let (seen, finished) = (activity.clone(), activity.clone());
    let stream = source.open().await?;
    let stream = stream
        .map(move |chunk| {
            let chunk = chunk?;
            seen.tick();
            let mut s = counted.lock().unwrap_or_else(|e| e.into_inner());
            s.0.update(&chunk);
            let done = s.0.len();
            if done > want {
                let msg = length_error(done, want).message().to_string();
                s.1 = Some(msg.clone());
                return Err(BodyError::from(msg));
            }
            drop(s);
            if done == want {
                // (a transport that knows the length may never poll for the end)
                seen.finish_body();
            }
            report(&progress, done, Some(want));
            Ok::<Bytes, BodyError>(chunk)
        })
        .chain(
            futures_util::stream::once(async move {
                finished.finish_body();
                let mut s = ended.lock().unwrap_or_else(|e| e.into_inner());
                let done = s.0.len();
                if done < want {
                    let msg = length_error(done, want).message().to_string();
                    s.1 = Some(msg.clone());
                    Some(Err(BodyError::from(msg)))
                } else {
                    None
                }
            })
            .filter_map(|x| async move { x }),
        );
    let request = builder
        .body(Body::Stream {
            stream: Box::pin(stream),
            length: Some(want),
        })
        .map_err(|e| Error::invalid_input(format!("cannot build the PUT request: {e}")))?;
    let sent = watch::exchange(transport.send(request), runtime, &activity, idle, timeout).await;
    let (hasher, length_problem) = {
        let mut s = state.lock().unwrap_or_else(|e| e.into_inner());
        (std::mem::take(&mut s.0), s.1.take())
    };
    if let Some(msg) = length_problem {
        return Err(Error::invalid_input(msg));
    }
    let response = sent?;
    watch::check_status(response, "PUT", &shown, runtime, idle).await?;
    if hasher.len() != want {
        return Err(length_error(hasher.len(), want));
    }
    Ok(hasher.finish())
}
