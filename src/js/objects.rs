//! Objects in JS: sources from `streamFactory` (Uint8Array, ArrayBuffer, Blob/File,
//! ReadableStream), sinks into `WritableStream`s, and the exported upload/download functions.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures_util::StreamExt;
use js_sys::{Function, Object, Promise, Reflect, Uint8Array, JSON};
use serde_json::Value;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use super::convert::{
    credentials_to_js, duration_field, get, get_string, number_field, retry_policy,
};
use super::error::{input_error, to_js_error, JsResult};
use crate::objects::{
    self, ArtifactCalls, ArtifactOptions, DownloadOptions, Hashes, HostPipe, HostPiped,
    ObjectCalls, Progress, Sink, Source, SourceStream, TransferHost, UploadOptions,
};
use crate::platform::BoxFuture;
use crate::transport::{Body, BodyError, JsBody, JsResponseBody};
use crate::{Credentials, Error, Result, RetryPolicy};

const CHUNK: u32 = 1 << 20;

#[wasm_bindgen]
extern "C" {
    /// Whatever the caller passed as `object`: any value with the object service's methods
    /// (a client of this package, a subclass, a wrapper, a mock, a `fake` client).
    type ObjectLike;
    #[wasm_bindgen(method, structural, catch, js_name = createUpload)]
    fn create_upload(this: &ObjectLike, name: &str, request: &JsValue) -> JsResult<JsValue>;
    #[wasm_bindgen(method, structural, catch, js_name = finishUpload)]
    fn finish_upload(this: &ObjectLike, name: &str, request: &JsValue) -> JsResult<JsValue>;
    #[wasm_bindgen(method, structural, catch, js_name = startDownload)]
    fn start_download(this: &ObjectLike, name: &str, request: &JsValue) -> JsResult<JsValue>;

    /// Whatever the caller passed as `queue`, likewise.
    type QueueLike;
    #[wasm_bindgen(method, structural, catch)]
    fn artifact(this: &QueueLike, task_id: &str, run_id: &JsValue, name: &str)
        -> JsResult<JsValue>;
    #[wasm_bindgen(method, structural, catch, js_name = latestArtifact)]
    fn latest_artifact(this: &QueueLike, task_id: &str, name: &str) -> JsResult<JsValue>;
}

/// Where a JS method's own rejection is kept, so that the transfer fails with that very value
/// (its class, fields and stack), as the official client's would.
#[derive(Default, Clone)]
struct Rejection(Rc<RefCell<Option<JsValue>>>);

impl Rejection {
    /// Settles what a JS method returned (a promise, or a plain value from a synchronous fake).
    async fn settle(&self, what: &str, called: JsResult<JsValue>) -> Result<JsValue> {
        let outcome = match called {
            Ok(v) => settle(v).await,
            Err(e) => Err(e),
        };
        outcome.map_err(|e| {
            let message = Reflect::get(&e, &"message".into())
                .ok()
                .and_then(|m| m.as_string())
                .unwrap_or_else(|| format!("{what} failed"));
            *self.0.borrow_mut() = Some(e);
            Error::external(message)
        })
    }

    /// [`settle`](Self::settle), then the value as JSON (`null` for `undefined`).
    async fn json(&self, what: &str, called: JsResult<JsValue>) -> Result<Value> {
        let v = self.settle(what, called).await?;
        from_js(&v, what)
    }

    /// The JS value to reject with: the method's own rejection when that is what ended the
    /// transfer, else the crate's error as a JS `Error`.
    fn error(&self, e: &Error) -> JsValue {
        match self.0.borrow_mut().take() {
            Some(original) if e.is_external() => original,
            _ => to_js_error(e),
        }
    }
}

fn to_js(v: &Value) -> Result<JsValue> {
    // `to_string`, not `Value`'s `Display`: the crate's one JSON writer (Display adds another).
    serde_json::to_string(v)
        .ok()
        .and_then(|t| JSON::parse(&t).ok())
        .ok_or_else(|| Error::invalid_input("cannot pass a request to JS"))
}

fn from_js(v: &JsValue, what: &str) -> Result<Value> {
    if v.is_undefined() {
        return Ok(Value::Null);
    }
    let text = JSON::stringify(v)
        .ok()
        .and_then(|s| s.as_string())
        .ok_or_else(|| Error::decode(format!("{what} did not resolve to JSON")))?;
    serde_json::from_slice(text.as_bytes())
        .map_err(|_| Error::decode(format!("{what} did not resolve to JSON")))
}

/// The caller's `object`, called through its public methods.
struct JsObjectCalls {
    object: ObjectLike,
    /// `expires` as the caller gave it (a `Date` or a string), passed on unchanged.
    expires: JsValue,
    rejection: Rejection,
}

impl TransferHost for JsObjectCalls {}

impl ObjectCalls for JsObjectCalls {
    fn create_upload<'a>(
        &'a self,
        name: &'a str,
        request: &'a Value,
    ) -> BoxFuture<'a, Result<Value>> {
        Box::pin(async move {
            let req = to_js(request)?;
            if !self.expires.is_undefined() {
                let _ = Reflect::set(&req, &"expires".into(), &self.expires);
            }
            self.rejection
                .json("object.createUpload", self.object.create_upload(name, &req))
                .await
        })
    }
    fn finish_upload<'a>(&'a self, name: &'a str, request: &'a Value) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            let req = to_js(request)?;
            self.rejection
                .settle("object.finishUpload", self.object.finish_upload(name, &req))
                .await?;
            Ok(())
        })
    }
    fn start_download<'a>(
        &'a self,
        name: &'a str,
        request: &'a Value,
    ) -> BoxFuture<'a, Result<Value>> {
        Box::pin(async move {
            let req = to_js(request)?;
            self.rejection
                .json(
                    "object.startDownload",
                    self.object.start_download(name, &req),
                )
                .await
        })
    }
}

/// The caller's `queue`, called through its public methods.
struct JsQueueCalls {
    queue: QueueLike,
    /// `runId` as the caller gave it, passed on unchanged.
    run_id: JsValue,
    /// `(credentials) => Object client` for `object` artifacts.
    object_for: Function,
    rejection: Rejection,
}

impl TransferHost for JsQueueCalls {}

impl ArtifactCalls for JsQueueCalls {
    fn artifact<'a>(
        &'a self,
        task_id: &'a str,
        _run_id: u32,
        name: &'a str,
    ) -> BoxFuture<'a, Result<Value>> {
        let called = self.queue.artifact(task_id, &self.run_id, name);
        Box::pin(self.rejection.json("queue.artifact", called))
    }
    fn latest_artifact<'a>(
        &'a self,
        task_id: &'a str,
        name: &'a str,
    ) -> BoxFuture<'a, Result<Value>> {
        let called = self.queue.latest_artifact(task_id, name);
        Box::pin(self.rejection.json("queue.latestArtifact", called))
    }
    fn object_with(&self, credentials: Credentials) -> Result<Box<dyn ObjectCalls>> {
        let creds = credentials_to_js(&credentials)
            .map_err(|e| js_err("cannot pass the artifact's credentials", e))?;
        let object = self
            .object_for
            .call1(&JsValue::NULL, &creds)
            .map_err(|e| js_err("cannot make an Object client for the artifact", e))?;
        Ok(Box::new(JsObjectCalls {
            object: object.unchecked_into(),
            expires: JsValue::UNDEFINED,
            rejection: self.rejection.clone(),
        }))
    }
}

async fn settle(v: JsValue) -> std::result::Result<JsValue, JsValue> {
    match v.dyn_into::<Promise>() {
        Ok(p) => JsFuture::from(p).await,
        Err(v) => Ok(v),
    }
}

fn js_err(what: &str, e: JsValue) -> Error {
    let msg = Reflect::get(&e, &"message".into())
        .ok()
        .and_then(|m| m.as_string())
        .or_else(|| e.as_string())
        .unwrap_or_else(|| "failed".into());
    Error::invalid_input(format!("{what}: {msg}"))
}

/// What a `streamFactory` returned.
enum Data {
    Bytes(Uint8Array),
    Blob(web_sys::Blob),
    Stream(web_sys::ReadableStream),
}

async fn call_factory(factory: &Function) -> Result<Data> {
    let v = factory
        .call0(&JsValue::NULL)
        .map_err(|e| js_err("streamFactory threw", e))?;
    let v = settle(v)
        .await
        .map_err(|e| js_err("streamFactory failed", e))?;
    if let Some(b) = v.dyn_ref::<web_sys::Blob>() {
        return Ok(Data::Blob(b.clone()));
    }
    if let Some(s) = v.dyn_ref::<web_sys::ReadableStream>() {
        return Ok(Data::Stream(s.clone()));
    }
    if v.is_instance_of::<js_sys::ArrayBuffer>() {
        return Ok(Data::Bytes(Uint8Array::new(&v)));
    }
    if js_sys::ArrayBuffer::is_view(&v) {
        let offset = Reflect::get(&v, &"byteOffset".into())
            .ok()
            .and_then(|x| x.as_f64())
            .unwrap_or(0.0) as u32;
        let len = Reflect::get(&v, &"byteLength".into())
            .ok()
            .and_then(|x| x.as_f64())
            .unwrap_or(0.0) as u32;
        let buffer = Reflect::get(&v, &"buffer".into()).unwrap_or(JsValue::UNDEFINED);
        return Ok(Data::Bytes(Uint8Array::new_with_byte_offset_and_length(
            &buffer, offset, len,
        )));
    }
    Err(Error::invalid_input(
        "streamFactory must return a Uint8Array, ArrayBuffer, Blob, File or ReadableStream (or a promise of one)",
    ))
}

fn chunks_of(bytes: Uint8Array) -> SourceStream {
    let len = bytes.length();
    let parts: Vec<std::result::Result<Bytes, BodyError>> = (0..len)
        .step_by(CHUNK as usize)
        .map(|i| {
            Ok(Bytes::from(
                bytes.subarray(i, (i + CHUNK).min(len)).to_vec(),
            ))
        })
        .collect();
    Box::pin(futures_util::stream::iter(parts))
}

fn stream_of(raw: web_sys::ReadableStream) -> SourceStream {
    let s = wasm_streams::ReadableStream::from_raw(raw)
        .into_stream()
        .map(|item| match item {
            Ok(chunk) => match chunk.dyn_into::<Uint8Array>() {
                Ok(a) => Ok(Bytes::from(a.to_vec())),
                Err(_) => Err(BodyError::from(
                    "the upload stream yielded something other than a Uint8Array",
                )),
            },
            Err(e) => Err(BodyError::from(
                js_err("the upload stream failed", e).message().to_string(),
            )),
        });
    Box::pin(s)
}

/// A `streamFactory` as an upload [`Source`].
struct JsSource {
    factory: Function,
    /// A stream the factory returned to [`Source::open_host`], kept for the `open` that
    /// follows in the same attempt, so the factory runs once per attempt.
    pending: std::cell::RefCell<Option<web_sys::ReadableStream>>,
}

impl Source for JsSource {
    fn open(&self) -> BoxFuture<'_, Result<SourceStream>> {
        Box::pin(async move {
            if let Some(s) = self.pending.borrow_mut().take() {
                return Ok(stream_of(s));
            }
            Ok(match call_factory(&self.factory).await? {
                Data::Bytes(b) => chunks_of(b),
                Data::Blob(b) => stream_of(b.stream()),
                Data::Stream(s) => stream_of(s),
            })
        })
    }

    fn open_host(&self) -> BoxFuture<'_, Result<Option<(Body, SourceStream)>>> {
        Box::pin(async move {
            // Blobs and byte arrays go to fetch as they are (a fixed-length body, never copied
            // into wasm memory); a second read of the same bytes is hashed.
            Ok(match call_factory(&self.factory).await? {
                Data::Bytes(b) => {
                    let len = b.length() as u64;
                    Some((
                        Body::Host(Box::new(JsBody::new(b.clone().into(), len))),
                        chunks_of(b),
                    ))
                }
                Data::Blob(b) => {
                    let len = b.size() as u64;
                    Some((
                        Body::Host(Box::new(JsBody::new(b.clone().into(), len))),
                        stream_of(b.stream()),
                    ))
                }
                Data::Stream(s) => {
                    *self.pending.borrow_mut() = Some(s);
                    None
                }
            })
        })
    }
}

/// A `streamFactory` of `WritableStream`s as a download [`Sink`]: a fresh stream after a reset.
struct JsSink {
    factory: Function,
    writer: Option<web_sys::WritableStreamDefaultWriter>,
    /// The caller's `onProgress`, for downloads piped in JS (undefined when unset).
    on_progress: JsValue,
}

impl JsSink {
    async fn writer(&mut self) -> Result<&web_sys::WritableStreamDefaultWriter> {
        if self.writer.is_none() {
            let v = self
                .factory
                .call0(&JsValue::NULL)
                .map_err(|e| js_err("streamFactory threw", e))?;
            let v = settle(v)
                .await
                .map_err(|e| js_err("streamFactory failed", e))?;
            let stream: web_sys::WritableStream = v.dyn_into().map_err(|_| {
                Error::invalid_input(
                    "streamFactory must return a WritableStream (or a promise of one)",
                )
            })?;
            let w = stream
                .get_writer()
                .map_err(|e| js_err("cannot write to the stream", e))?;
            self.writer = Some(w);
        }
        Ok(self.writer.as_ref().expect("set above"))
    }

    /// Closes the output after a verified download, aborts it after a failure, and gives the
    /// promise's value.
    async fn settle(
        &mut self,
        result: Result<objects::DownloadResult>,
        rejection: &Rejection,
    ) -> JsResult<JsValue> {
        match result {
            Ok(r) => {
                // A zero-byte object writes no chunk: the output is still opened, then closed.
                if let Err(e) = self.writer().await {
                    return Err(to_js_error(&e));
                }
                self.finish(None).await;
                result_js(&r)
            }
            Err(e) => {
                let err = rejection.error(&e);
                self.finish(Some(&err)).await;
                Err(err)
            }
        }
    }

    async fn finish(&mut self, error: Option<&JsValue>) {
        let Some(w) = self.writer.take() else { return };
        let p = match error {
            None => w.close(),
            Some(e) => w.abort_with_reason(e),
        };
        let _ = JsFuture::from(p).await;
    }
}

impl Sink for JsSink {
    fn write(&mut self, chunk: Bytes) -> BoxFuture<'_, Result<()>> {
        Box::pin(async move {
            let w = self.writer().await?;
            JsFuture::from(w.ready())
                .await
                .map_err(|e| js_err("the output stream failed", e))?;
            let p = w.write_with_chunk(&Uint8Array::from(&chunk[..]));
            JsFuture::from(p)
                .await
                .map_err(|e| js_err("the output stream failed", e))?;
            Ok(())
        })
    }

    fn pipe_host<'a>(
        &'a mut self,
        pipe: HostPipe<'a>,
    ) -> std::result::Result<BoxFuture<'a, HostPiped>, HostPipe<'a>> {
        // Only when the bytes can be hashed in JS too (Node's crypto); sha2 needs them in
        // WebAssembly memory anyway.
        let hashers = pipe
            .hasher
            .host_value()
            .and_then(|v| v.downcast_ref::<JsValue>())
            .cloned();
        let (Some(hashers), true) = (hashers, pipe.body.as_any().is::<JsResponseBody>()) else {
            return Err(pipe);
        };
        let HostPipe {
            body,
            hasher,
            skip,
            idle,
            progress,
        } = pipe;
        let Ok(body) = body.into_any().downcast::<JsResponseBody>() else {
            unreachable!("checked above")
        };
        Ok(Box::pin(async move {
            let writer: JsValue = match self.writer().await {
                Ok(w) => w.clone().into(),
                Err(e) => {
                    return HostPiped {
                        written: 0,
                        error: Some(e),
                    }
                }
            };
            let (on_progress, base, total) = match progress {
                Some((_, base, total)) => (self.on_progress.clone(), base, total),
                None => (JsValue::UNDEFINED, 0, None),
            };
            let idle_ms = u32::try_from(idle.as_millis()).unwrap_or(u32::MAX).max(1);
            let piped = body
                .pipe(
                    &writer,
                    &hashers,
                    skip,
                    idle_ms,
                    (&on_progress, base, total),
                )
                .await;
            hasher.hashed_elsewhere(piped.written);
            let error = match (piped.error, piped.sink_error) {
                (Some(e), _) => Some(Error::from(e)),
                (None, Some(e)) => Some(js_err("the output stream failed", e)),
                (None, None) => None,
            };
            HostPiped {
                written: piped.written,
                error,
            }
        }))
    }

    fn reset(&mut self) -> BoxFuture<'_, Result<()>> {
        Box::pin(async move {
            // Ask for the fresh stream first: when the factory refuses (a `downloadStream`
            // cannot start again), the old one stays, and is aborted with the download's error.
            let old = self.writer.take();
            match self.writer().await {
                Ok(_) => {
                    if let Some(w) = old {
                        let _ = JsFuture::from(w.abort()).await;
                    }
                    Ok(())
                }
                Err(e) => {
                    self.writer = old;
                    Err(e)
                }
            }
        })
    }
}

fn progress_of(f: &JsValue) -> Option<Progress> {
    let f = f.dyn_ref::<Function>()?.clone();
    Some(Arc::new(move |done: u64, total: Option<u64>| {
        let total = total
            .map(|t| JsValue::from_f64(t as f64))
            .unwrap_or(JsValue::UNDEFINED);
        let _ = f.call2(&JsValue::NULL, &JsValue::from_f64(done as f64), &total);
    }))
}

/// The transfer's retries: the official client's defaults (5 retries, delayFactor 100,
/// randomizationFactor 0.25, maxDelay 30 s), whatever the API client's settings, unless the
/// transfer's own options say otherwise.
fn retry_of(options: &JsValue) -> JsResult<RetryPolicy> {
    retry_policy(options, RetryPolicy::default(), "options")
}

fn ms_option(options: &JsValue, name: &str) -> JsResult<Option<Duration>> {
    duration_field(options, name, "options")
}

fn hashes_js(h: &Hashes) -> JsResult<JsValue> {
    let o = Object::new();
    Reflect::set(&o, &"sha256".into(), &h.sha256.as_str().into())?;
    Reflect::set(&o, &"sha512".into(), &h.sha512.as_str().into())?;
    Ok(o.into())
}

/// `upload(...)`: resolves to `{uploadId, hashes}`. `object` is called through its
/// `createUpload` and `finishUpload` methods.
#[wasm_bindgen(js_name = objectUpload)]
pub fn object_upload(object: JsValue, options: JsValue, factory: Function) -> JsResult<Promise> {
    let need = |k: &str| -> JsResult<String> {
        get_string(&options, k)?
            .ok_or_else(|| input_error(format!("upload: options.{k} is required")))
    };
    let original_expires = get(&options, "expires");
    let expires = match &original_expires {
        Some(v) if v.is_instance_of::<js_sys::Date>() => {
            let ms = super::convert::date_time(v.unchecked_ref::<js_sys::Date>());
            if ms.is_nan() {
                return Err(input_error("upload: options.expires is an invalid Date"));
            }
            crate::util::time::Timestamp::from_millis(ms as i64)
                .map_err(|e| to_js_error(&e))?
                .to_string()
        }
        Some(v) => v
            .as_string()
            .ok_or_else(|| input_error("upload: options.expires must be a Date or a string"))?,
        None => return Err(input_error("upload: options.expires is required")),
    };
    let content_length = number_field(&options, "contentLength")?
        .filter(|n| *n >= 0.0 && n.fract() == 0.0 && *n <= 9007199254740991.0)
        .ok_or_else(|| {
            input_error("upload: options.contentLength must be a whole number of bytes")
        })?;
    let opts = UploadOptions {
        project_id: need("projectId")?,
        name: need("name")?,
        expires,
        upload_id: get_string(&options, "uploadId")?,
        content_type: get_string(&options, "contentType")?
            .unwrap_or_else(|| "application/octet-stream".into()),
        content_length: content_length as u64,
        retry: Some(retry_of(&options)?),
        timeout: ms_option(&options, "timeout")?,
        idle_timeout: ms_option(&options, "idleTimeout")?,
        progress: get(&options, "onProgress").and_then(|f| progress_of(&f)),
    };
    let calls = JsObjectCalls {
        object: object.unchecked_into(),
        expires: original_expires.unwrap_or(JsValue::UNDEFINED),
        rejection: Rejection::default(),
    };
    Ok(wasm_bindgen_futures::future_to_promise(async move {
        let source = JsSource {
            factory,
            pending: Default::default(),
        };
        let r = objects::upload(&calls, &opts, &source)
            .await
            .map_err(|e| calls.rejection.error(&e))?;
        let o = Object::new();
        Reflect::set(&o, &"uploadId".into(), &r.upload_id.as_str().into())?;
        Reflect::set(&o, &"hashes".into(), &hashes_js(&r.hashes)?)?;
        Ok(o.into())
    }))
}

fn download_options(options: &JsValue) -> JsResult<DownloadOptions> {
    Ok(DownloadOptions {
        retry: Some(retry_of(options)?),
        progress: get(options, "onProgress").and_then(|f| progress_of(&f)),
        timeout: ms_option(options, "timeout")?,
        idle_timeout: ms_option(options, "idleTimeout")?,
    })
}

fn result_js(r: &objects::DownloadResult) -> JsResult<JsValue> {
    let o = Object::new();
    Reflect::set(&o, &"contentType".into(), &r.content_type.as_str().into())?;
    Reflect::set(&o, &"hashes".into(), &hashes_js(&r.hashes)?)?;
    Reflect::set(&o, &"length".into(), &JsValue::from_f64(r.length as f64))?;
    Ok(o.into())
}

/// `download(...)`: resolves to `{contentType, hashes, length}` once the data is verified; the
/// output stream is closed only then, and aborted on any failure. `object` is called through
/// its `startDownload` method.
#[wasm_bindgen(js_name = objectDownload)]
pub fn object_download(object: JsValue, options: JsValue, factory: Function) -> JsResult<Promise> {
    let name = get_string(&options, "name")?
        .ok_or_else(|| input_error("download: options.name is required"))?;
    let opts = download_options(&options)?;
    let on_progress = get(&options, "onProgress").unwrap_or(JsValue::UNDEFINED);
    let calls = JsObjectCalls {
        object: object.unchecked_into(),
        expires: JsValue::UNDEFINED,
        rejection: Rejection::default(),
    };
    Ok(wasm_bindgen_futures::future_to_promise(async move {
        let mut sink = JsSink {
            factory,
            writer: None,
            on_progress,
        };
        let r = objects::download(&calls, &name, &mut sink, &opts).await;
        sink.settle(r, &calls.rejection).await
    }))
}

/// `downloadArtifact(...)` (and the managed form, which refuses `reference` artifacts). `queue`
/// is called through its `artifact` / `latestArtifact` methods; `object_for(credentials)` gives
/// the Object client for an `object` artifact.
#[wasm_bindgen(js_name = artifactDownload)]
pub fn artifact_download(
    queue: JsValue,
    options: JsValue,
    factory: Function,
    allow_reference: bool,
    object_for: Function,
) -> JsResult<Promise> {
    let task_id = get_string(&options, "taskId")?
        .ok_or_else(|| input_error("downloadArtifact: options.taskId is required"))?;
    let name = get_string(&options, "name")?
        .ok_or_else(|| input_error("downloadArtifact: options.name is required"))?;
    let run_js = get(&options, "runId");
    let run_id = match &run_js {
        None => None,
        Some(v) => Some(
            v.as_f64()
                .or_else(|| {
                    // A u32 parse: parsing a float would pull float-parsing tables into the wasm.
                    v.as_string()
                        .and_then(|s| s.parse::<u32>().ok())
                        .map(f64::from)
                })
                .filter(|n| *n >= 0.0 && n.fract() == 0.0 && *n <= f64::from(u32::MAX))
                .ok_or_else(|| {
                    input_error("downloadArtifact: options.runId must be a whole number")
                })? as u32,
        ),
    };
    let opts = ArtifactOptions {
        task_id,
        run_id,
        name,
        allow_reference,
        download: download_options(&options)?,
    };
    let on_progress = get(&options, "onProgress").unwrap_or(JsValue::UNDEFINED);
    let calls = JsQueueCalls {
        queue: queue.unchecked_into(),
        run_id: run_js.unwrap_or(JsValue::UNDEFINED),
        object_for,
        rejection: Rejection::default(),
    };
    Ok(wasm_bindgen_futures::future_to_promise(async move {
        let mut sink = JsSink {
            factory,
            writer: None,
            on_progress,
        };
        let r = objects::download_artifact(&calls, &opts, &mut sink).await;
        sink.settle(r, &calls.rejection).await
    }))
}
