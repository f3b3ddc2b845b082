//! Download: startDownload (getUrl) → GET, resuming with Range → verify hashes.

use std::time::Duration;

use futures_util::future::{select, Either};
use futures_util::StreamExt;
use serde_json::{json, Value};

use std::sync::Arc;

use super::calls::ObjectCalls;
use super::io::{HostPipe, Sink};
use super::watch::{self, Activity};
use super::{report, Hasher, Hashes, Progress};
use crate::platform::{BoxFuture, Runtime};
use crate::retry::{self, Attempts, Retry};
use crate::transport::{Decoded, HttpRequest, Transport};
use crate::util::time::Timestamp;
use crate::{Error, Result, RetryPolicy};

/// How to download.
#[derive(Clone, Default)]
pub struct DownloadOptions {
    /// Retries of the data transfer (the GET from storage). API calls follow their own
    /// client's policy; this one is independent of it. Default: [`RetryPolicy::default`], the
    /// official client's transfer defaults.
    pub retry: Option<RetryPolicy>,
    /// Called with bytes received and the total, when known.
    pub progress: Option<Progress>,
    /// How long the storage server may take to send the response headers (default 30 s).
    pub timeout: Option<Duration>,
    /// How long the body may stall before the attempt is abandoned (default 60 s).
    pub idle_timeout: Option<Duration>,
}

impl std::fmt::Debug for DownloadOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DownloadOptions")
            .field("retry", &self.retry)
            .field("timeout", &self.timeout)
            .field("idle_timeout", &self.idle_timeout)
            .finish_non_exhaustive()
    }
}

/// What a download produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DownloadResult {
    /// The content type (`application/binary` when the server sent none).
    pub content_type: String,
    /// The hashes of the bytes received.
    pub hashes: Hashes,
    /// The number of bytes received.
    pub length: u64,
}

/// Where to GET from, and what the bytes must hash to.
pub(crate) struct Target {
    pub(crate) url: String,
    pub(crate) expires_ms: Option<i64>,
    pub(crate) expected: Option<Value>,
}

/// Downloads an object into `sink`, verifying its hashes before returning. See the
/// [module docs](super).
///
/// `object` makes the object-service calls: an [`Object`](crate::Object), or any
/// [`ObjectCalls`]. The data comes through its
/// [`transport`](super::TransferHost::transport).
pub async fn download(
    object: &dyn ObjectCalls,
    name: &str,
    sink: &mut dyn Sink,
    opts: &DownloadOptions,
) -> Result<DownloadResult> {
    super::upload::check_name(name)?;
    let mut target = start(object, name).await?;
    let result = transfer(
        object.transport(),
        object.runtime(),
        &mut target,
        sink,
        opts,
        Some((object, name)),
    )
    .await?;
    verify(target.expected.as_ref(), &result.hashes)?;
    Ok(result)
}

/// `startDownload` for a `getUrl`: where to GET, until when, and the expected hashes.
async fn start(object: &dyn ObjectCalls, name: &str) -> Result<Target> {
    let request = json!({"acceptDownloadMethods": {"getUrl": true}});
    let r: Value = object.start_download(name, &request).await?;
    if r["method"] != "getUrl" {
        return Err(Error::decode(format!(
            "Could not negotiate a download method (the object service offered {})",
            r["method"]
        )));
    }
    Ok(Target {
        url: r["url"]
            .as_str()
            .ok_or_else(|| Error::decode("startDownload gave no url"))?
            .to_owned(),
        expires_ms: r["expires"]
            .as_str()
            .and_then(|s| Timestamp::parse(s).ok())
            .map(|t| t.as_millis()),
        expected: Some(
            r.get("hashes")
                .cloned()
                .unwrap_or(Value::Object(Default::default())),
        ),
    })
}

/// Every algorithm present on both sides must match, and sha256 or sha512 must be among them.
pub(crate) fn verify(expected: Option<&Value>, got: &Hashes) -> Result<()> {
    let Some(expected) = expected else {
        return Ok(());
    };
    let mut acceptable = false;
    for (algo, value) in [("sha256", &got.sha256), ("sha512", &got.sha512)] {
        if let Some(want) = expected.get(algo).and_then(Value::as_str) {
            if !want.eq_ignore_ascii_case(value) {
                return Err(Error::integrity(format!(
                    "Computed {algo} hash does not match that from object service"
                )));
            }
            acceptable = true;
        }
    }
    if !acceptable {
        return Err(Error::integrity("No acceptable hash algorithm found"));
    }
    Ok(())
}

/// GETs `target.url` into `sink` with retries. After a failure mid-body the next attempt
/// resumes with `Range` when the body was not content-encoded, and restarts from byte 0
/// (resetting the sink) otherwise. With `renew` (the object service and the object's name), an
/// expired URL is replaced before a retry. (Not generic: one copy serves every caller.)
pub(crate) async fn transfer(
    transport: Arc<dyn Transport>,
    runtime: Arc<dyn Runtime>,
    target: &mut Target,
    sink: &mut dyn Sink,
    opts: &DownloadOptions,
    renew: Option<(&dyn ObjectCalls, &str)>,
) -> Result<DownloadResult> {
    let mut job = Get {
        transport,
        runtime: runtime.clone(),
        target,
        sink,
        opts,
        renew,
        idle: opts.idle_timeout.unwrap_or(watch::DEFAULT_IDLE),
        timeout: opts.timeout.unwrap_or(watch::DEFAULT_TIMEOUT),
        hasher: Hasher::new(),
        written: 0,
        resumable: false,
        wrong_offset: false,
        renewed_after_403: false,
        force_renew: false,
        cause: None,
        output: None,
    };
    retry::run(&opts.retry.unwrap_or_default(), runtime.as_ref(), &mut job).await?;
    retry::output(job.output)
}

/// The attempts of a download's GET, and what carries over from one to the next.
struct Get<'a> {
    transport: Arc<dyn Transport>,
    runtime: Arc<dyn Runtime>,
    target: &'a mut Target,
    sink: &'a mut dyn Sink,
    opts: &'a DownloadOptions,
    renew: Option<(&'a dyn ObjectCalls, &'a str)>,
    idle: Duration,
    timeout: Duration,
    hasher: Hasher,
    /// Bytes written to the sink so far.
    written: u64,
    /// Whether the next attempt may resume at `written` (the body was not content-encoded).
    resumable: bool,
    /// Set when a resumed response started at the wrong offset: restart from byte 0.
    wrong_offset: bool,
    renewed_after_403: bool,
    force_renew: bool,
    /// Why the last attempt failed, for when the sink cannot start again.
    cause: Option<Error>,
    output: Option<DownloadResult>,
}

impl Get<'_> {
    fn expired(&self) -> bool {
        let now = self.runtime.now_ms() as i64;
        self.target.expires_ms.is_some_and(|exp| now >= exp)
    }
}

impl Attempts for Get<'_> {
    fn request(&self) -> (&str, String) {
        ("GET", self.target.url.clone())
    }

    fn prepare(&mut self, n: u32) -> BoxFuture<'_, Result<()>> {
        Box::pin(async move {
            if n == 1 {
                return Ok(());
            }
            if let Some((object, name)) = self.renew {
                if self.target.expires_ms.is_some() && (self.force_renew || self.expired()) {
                    *self.target = start(object, name).await?;
                    self.force_renew = false;
                }
            }
            if self.written > 0 && !self.resumable {
                if let Err(e) = self.sink.reset().await {
                    return Err(match self.cause.take() {
                        Some(cause) => retry::annotate(
                            cause.with_context(&format!(
                                "the download cannot start again from byte 0: {}",
                                e.message()
                            )),
                            "GET",
                            &self.target.url,
                            n - 1,
                        ),
                        None => e,
                    });
                }
                self.hasher = Hasher::new();
                self.written = 0;
            }
            Ok(())
        })
    }

    fn next(&mut self, error: Error, n: u32, policy: &RetryPolicy) -> Result<Retry, Error> {
        let retry = if std::mem::take(&mut self.wrong_offset) {
            // A wrong Content-Range: restart from byte 0 at once, counting the attempt.
            if n > policy.retries {
                return Err(error);
            }
            Retry::Now
        } else if error.status() == Some(403)
            && !self.renewed_after_403
            && self.renew.is_some()
            && self.expired()
        {
            // An expired presigned URL: ask for a fresh one, once.
            self.renewed_after_403 = true;
            self.force_renew = true;
            Retry::Now
        } else if policy.should_retry(&error, n) {
            Retry::Backoff
        } else {
            return Err(error);
        };
        self.cause = Some(error);
        Ok(retry)
    }

    fn attempt(&mut self, _n: u32) -> BoxFuture<'_, Result<()>> {
        Box::pin(async move {
            self.output = Some(self.attempt_once().await?);
            Ok(())
        })
    }
}

impl Get<'_> {
    async fn attempt_once(&mut self) -> Result<DownloadResult> {
        let Get {
            transport,
            runtime,
            target,
            sink,
            opts,
            idle,
            timeout,
            hasher,
            written,
            resumable,
            wrong_offset,
            ..
        } = self;
        let (idle, timeout, opts) = (*idle, *timeout, *opts);
        let (transport, runtime, target) = (&**transport, &**runtime, &**target);
        // Presigned query strings are bearer secrets: keep them out of errors.
        let shown = |t: &Target| watch::without_query(&t.url);
        let mut req = http::Request::builder()
            .method(http::Method::GET)
            .uri(target.url.as_str());
        if *written > 0 {
            req = req.header(http::header::RANGE, format!("bytes={written}-"));
        }
        let req: HttpRequest = req
            .body(crate::transport::Body::Empty)
            .map_err(|e| Error::invalid_input(format!("cannot build the download request: {e}")))?;
        let sent = transport.send(req);
        let response =
            watch::exchange(sent, runtime, &Activity::body_sent(), idle, timeout).await?;
        let status = response.status().as_u16();
        if !(200..300).contains(&status) {
            let text = watch::read_body(response, runtime, idle)
                .await
                .map(|(_, b)| b)
                .unwrap_or_default();
            return Err(Error::storage(status, &text, "GET", &shown(target)));
        }
        let headers = response.headers().clone();
        let decoded = response.extensions().get::<Decoded>().is_some();
        let body = response.into_body();
        let encoding = headers
            .get(http::header::CONTENT_ENCODING)
            .and_then(|v| v.to_str().ok())
            .map(|s| s.trim().to_ascii_lowercase())
            .filter(|s| !s.is_empty() && s != "identity");
        if let (Some(e), false) = (&encoding, decoded) {
            // The transport passed the encoded bytes through: hashing them would only
            // report a mismatch that says nothing of the cause.
            return Err(Error::decode(format!(
                "the download is served with Content-Encoding {e}, which cannot be decoded here (gzip and deflate can)"
            )));
        }
        // Resuming a content-encoded body by byte offset would splice two encodings.
        *resumable = encoding.is_none() && !decoded;
        let mut skip = 0u64;
        if *written > 0 {
            if status == 206 {
                let start = headers
                    .get(http::header::CONTENT_RANGE)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.strip_prefix("bytes "))
                    .and_then(|v| v.split('-').next())
                    .and_then(|v| v.parse::<u64>().ok());
                if start != Some(*written) {
                    // Never splice at the wrong place: start again from byte 0.
                    *resumable = false;
                    *wrong_offset = true;
                    let got = start.map_or_else(|| "none".to_string(), |s| s.to_string());
                    return Err(Error::decode(format!(
                        "the server resumed at the wrong offset (asked for byte {written}, \
                         Content-Range starts at {got})"
                    )));
                }
            } else {
                // The server ignored Range: skip what we already have.
                skip = *written;
            }
        }
        let total = headers
            .get(http::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok())
            .filter(|_| encoding.is_none())
            .map(|n| if status == 206 { n + *written } else { n });
        let content_type = headers
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("application/binary")
            .to_string();
        let mut stream = match body.into_host() {
            Ok(host) => {
                let pipe = HostPipe {
                    body: host,
                    hasher,
                    skip,
                    idle,
                    progress: opts.progress.clone().map(|p| (p, *written, total)),
                };
                match sink.pipe_host(pipe) {
                    Ok(piping) => {
                        let piped = piping.await;
                        *written += piped.written;
                        if let Some(e) = piped.error {
                            return Err(e);
                        }
                        crate::transport::ResponseBody::empty().into_stream()
                    }
                    Err(pipe) => pipe.body.into_stream(),
                }
            }
            Err(body) => body.into_stream(),
        };
        // One idle timer per quiet period, not one per chunk. Only time spent waiting for
        // the body counts (a slow sink is not a stalled server): when the timer fires after
        // chunks came in, it is armed again for what is left of the current wait.
        let idle_ms = idle.as_millis() as u64;
        let mut timer = runtime.sleep(idle);
        let mut waiting_since = runtime.now_ms();
        let mut armed_at = waiting_since;
        loop {
            let item = match select(stream.next(), &mut timer).await {
                Either::Left((item, _)) => item,
                Either::Right(_) => {
                    let quiet = runtime.now_ms().saturating_sub(waiting_since);
                    // (no chunk since the timer was armed: a whole idle period passed)
                    if quiet >= idle_ms || waiting_since == armed_at {
                        return Err(Error::from(crate::transport::TransportError::new(
                            crate::transport::TransportErrorKind::Timeout,
                            format!("the download stalled for {} s", idle.as_secs()),
                        )));
                    }
                    armed_at = waiting_since;
                    timer = runtime.sleep(Duration::from_millis(idle_ms - quiet));
                    continue;
                }
            };
            let Some(chunk) = item else { break };
            let mut chunk = chunk.map_err(Error::from)?;
            if skip > 0 {
                let n = skip.min(chunk.len() as u64) as usize;
                chunk = chunk.slice(n..);
                skip -= n as u64;
            }
            if !chunk.is_empty() {
                hasher.update(&chunk);
                *written += chunk.len() as u64;
                sink.write(chunk).await?;
                report(&opts.progress, *written, total);
            }
            waiting_since = runtime.now_ms();
        }
        if let Some(t) = total {
            if *written != t {
                return Err(Error::from(crate::transport::TransportError::new(
                    crate::transport::TransportErrorKind::Network,
                    format!("the body ended after {written} of {t} bytes"),
                )));
            }
        }
        Ok(DownloadResult {
            content_type,
            hashes: std::mem::take(hasher).finish(),
            length: *written,
        })
    }
}
