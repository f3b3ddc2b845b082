//! Objects in JS: sources from `streamFactory` (Uint8Array, ArrayBuffer, Blob/File,
//! ReadableStream), sinks into `WritableStream`s, and the exported upload/download functions.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures_util::StreamExt;
use js_sys::{Function, Object, Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use super::convert::{get, get_string, number_field};
use super::{input_error, to_js_error, JsClient, JsResult};
use crate::objects::{
    self, ArtifactOptions, DownloadOptions, Hashes, HostPipe, HostPiped, Progress, Sink, Source,
    SourceStream, UploadOptions,
};
use crate::platform::BoxFuture;
use crate::transport::{Body, BodyError, JsBody, JsResponseBody};
use crate::{Error, Object as ObjectService, Queue, Result, RetryPolicy};

const CHUNK: u32 = 1 << 20;

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
    async fn settle(&mut self, result: Result<objects::DownloadResult>) -> JsResult<JsValue> {
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
                let err = to_js_error(&e);
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

fn retry_of(options: &JsValue, base: &RetryPolicy) -> JsResult<RetryPolicy> {
    let mut p = *base;
    if let Some(n) = number_field(options, "retries")? {
        p.retries = n.max(0.0) as u32;
    }
    if let Some(n) = number_field(options, "delayFactor")? {
        p.delay_factor = Duration::from_secs_f64(n.max(0.0) / 1000.0);
    }
    if let Some(n) = number_field(options, "maxDelay")? {
        p.max_delay = Duration::from_secs_f64(n.max(0.0) / 1000.0);
    }
    if let Some(n) = number_field(options, "randomizationFactor")? {
        p.randomization_factor = n;
    }
    p.validate().map_err(|e| to_js_error(&e))?;
    Ok(p)
}

fn hashes_js(h: &Hashes) -> JsResult<JsValue> {
    let o = Object::new();
    Reflect::set(&o, &"sha256".into(), &h.sha256.as_str().into())?;
    Reflect::set(&o, &"sha512".into(), &h.sha512.as_str().into())?;
    Ok(o.into())
}

fn client_of(v: &JsClient) -> crate::Client {
    v.client.clone()
}

/// `upload(...)`: resolves to `{uploadId, hashes}`.
#[wasm_bindgen(js_name = objectUpload)]
pub fn object_upload(object: &JsClient, options: JsValue, factory: Function) -> JsResult<Promise> {
    let client = client_of(object);
    let need = |k: &str| -> JsResult<String> {
        get_string(&options, k)?
            .ok_or_else(|| input_error(format!("upload: options.{k} is required")))
    };
    let expires = match get(&options, "expires") {
        Some(v) if v.is_instance_of::<js_sys::Date>() => {
            String::from(v.unchecked_into::<js_sys::Date>().to_iso_string())
        }
        Some(v) => v
            .as_string()
            .ok_or_else(|| input_error("upload: options.expires must be a Date or a string"))?,
        None => return Err(input_error("upload: options.expires is required")),
    };
    let content_length = number_field(&options, "contentLength")?
        .filter(|n| *n >= 0.0 && n.fract() == 0.0)
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
        retry: Some(retry_of(&options, client.retry_policy())?),
        progress: get(&options, "onProgress").and_then(|f| progress_of(&f)),
    };
    Ok(wasm_bindgen_futures::future_to_promise(async move {
        let object = ObjectService::new(client);
        let r = objects::upload(
            &object,
            &opts,
            &JsSource {
                factory,
                pending: Default::default(),
            },
        )
        .await
        .map_err(|e| to_js_error(&e))?;
        let o = Object::new();
        Reflect::set(&o, &"uploadId".into(), &r.upload_id.as_str().into())?;
        Reflect::set(&o, &"hashes".into(), &hashes_js(&r.hashes)?)?;
        Ok(o.into())
    }))
}

fn download_options(options: &JsValue, client: &crate::Client) -> JsResult<DownloadOptions> {
    Ok(DownloadOptions {
        retry: Some(retry_of(options, client.retry_policy())?),
        progress: get(options, "onProgress").and_then(|f| progress_of(&f)),
        idle_timeout: None,
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
/// output stream is closed only then, and aborted on any failure.
#[wasm_bindgen(js_name = objectDownload)]
pub fn object_download(
    object: &JsClient,
    options: JsValue,
    factory: Function,
) -> JsResult<Promise> {
    let client = client_of(object);
    let name = get_string(&options, "name")?
        .ok_or_else(|| input_error("download: options.name is required"))?;
    let opts = download_options(&options, &client)?;
    let on_progress = get(&options, "onProgress").unwrap_or(JsValue::UNDEFINED);
    Ok(wasm_bindgen_futures::future_to_promise(async move {
        let object = ObjectService::new(client);
        let mut sink = JsSink {
            factory,
            writer: None,
            on_progress,
        };
        let r = objects::download(&object, &name, &mut sink, &opts).await;
        sink.settle(r).await
    }))
}

/// `downloadArtifact(...)` (and the managed form, which refuses `reference` artifacts).
#[wasm_bindgen(js_name = artifactDownload)]
pub fn artifact_download(
    queue: &JsClient,
    options: JsValue,
    factory: Function,
    allow_reference: bool,
) -> JsResult<Promise> {
    let client = client_of(queue);
    let task_id = get_string(&options, "taskId")?
        .ok_or_else(|| input_error("downloadArtifact: options.taskId is required"))?;
    let name = get_string(&options, "name")?
        .ok_or_else(|| input_error("downloadArtifact: options.name is required"))?;
    let run_id = match get(&options, "runId") {
        None => None,
        Some(v) => Some(
            v.as_f64()
                .or_else(|| {
                    // A u32 parse: parsing a float would pull float-parsing tables into the wasm.
                    v.as_string()
                        .and_then(|s| s.parse::<u32>().ok())
                        .map(f64::from)
                })
                .filter(|n| *n >= 0.0 && n.fract() == 0.0)
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
        download: download_options(&options, &client)?,
    };
    let on_progress = get(&options, "onProgress").unwrap_or(JsValue::UNDEFINED);
    Ok(wasm_bindgen_futures::future_to_promise(async move {
        let queue = Queue::new(client);
        let mut sink = JsSink {
            factory,
            writer: None,
            on_progress,
        };
        let r = objects::download_artifact(&queue, &opts, &mut sink).await;
        sink.settle(r).await
    }))
}
