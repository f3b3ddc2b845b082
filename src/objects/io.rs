//! Where upload bytes come from ([`Source`]) and where download bytes go ([`Sink`]).

use bytes::Bytes;
use futures_util::StreamExt;

use crate::platform::{BoxFuture, BoxStream, MaybeSend, MaybeSync};
use crate::transport::BodyError;
use crate::Result;

/// A stream of chunks from a [`Source`].
pub type SourceStream = BoxStream<'static, std::result::Result<Bytes, BodyError>>;

/// Upload data that can be read again from the start: each attempt opens a fresh stream.
pub trait Source: MaybeSend + MaybeSync {
    /// A new stream over the whole object, from byte 0.
    fn open(&self) -> BoxFuture<'_, Result<SourceStream>>;

    /// For data the host can send by itself with a fixed length (a browser `Blob`): that body,
    /// and a stream over the same bytes to hash. `None` (the default) means the bytes of
    /// [`open`](Self::open) are sent.
    fn open_host(&self) -> BoxFuture<'_, Result<Option<(crate::transport::Body, SourceStream)>>> {
        Box::pin(async { Ok(None) })
    }
}

/// Bytes in memory.
#[derive(Debug, Clone)]
pub struct BytesSource(pub Bytes);

impl Source for BytesSource {
    fn open(&self) -> BoxFuture<'_, Result<SourceStream>> {
        let b = self.0.clone();
        Box::pin(async move {
            // Chunks of 1 MiB, so progress and memory behave as for any stream.
            let chunks: Vec<std::result::Result<Bytes, BodyError>> = (0..b.len())
                .step_by(1 << 20)
                .map(|i| Ok(b.slice(i..(i + (1 << 20)).min(b.len()))))
                .collect();
            Ok(Box::pin(futures_util::stream::iter(chunks)) as SourceStream)
        })
    }
}

/// A factory function: called once per attempt, it returns a fresh stream.
pub struct FnSource<F>(pub F);

impl<F> std::fmt::Debug for FnSource<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FnSource(..)")
    }
}

impl<F> Source for FnSource<F>
where
    F: Fn() -> BoxFuture<'static, Result<SourceStream>> + MaybeSend + MaybeSync,
{
    fn open(&self) -> BoxFuture<'_, Result<SourceStream>> {
        (self.0)()
    }
}

/// Where downloaded bytes go. A sink can be reset when a download must restart from byte 0.
pub trait Sink: MaybeSend {
    /// Appends a chunk.
    fn write(&mut self, chunk: Bytes) -> BoxFuture<'_, Result<()>>;
    /// Discards everything written so far.
    fn reset(&mut self) -> BoxFuture<'_, Result<()>>;
    /// A download's fast path: drains a response body still in the host's own form into this
    /// sink without copying its bytes through Rust, hashing them on the way. A sink that
    /// cannot (the default) hands the pipe back, and the download reads the body as chunks.
    fn pipe_host<'a>(
        &'a mut self,
        pipe: HostPipe<'a>,
    ) -> std::result::Result<BoxFuture<'a, HostPiped>, HostPipe<'a>> {
        Err(pipe)
    }
}

/// What [`Sink::pipe_host`] is given: one attempt's response body and how to treat it.
pub struct HostPipe<'a> {
    /// The response body, in the host's own form.
    pub body: Box<dyn crate::transport::HostResponseBody>,
    /// Hashes every byte written.
    pub hasher: &'a mut super::Hasher,
    /// Leading bytes to drop (already written by an earlier attempt).
    pub skip: u64,
    /// How long the body may stall before the attempt fails.
    pub idle: std::time::Duration,
    /// The progress callback, with the bytes written before this attempt and the total.
    pub progress: Option<(super::Progress, u64, Option<u64>)>,
}

impl std::fmt::Debug for HostPipe<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HostPipe")
            .field("skip", &self.skip)
            .finish_non_exhaustive()
    }
}

/// What [`Sink::pipe_host`] did.
#[derive(Debug)]
pub struct HostPiped {
    /// Bytes hashed and written in this attempt.
    pub written: u64,
    /// Why it stopped before the end of the body, if it did.
    pub error: Option<crate::Error>,
}

/// Collects the object in memory.
#[derive(Debug, Default)]
pub struct VecSink(pub Vec<u8>);

impl Sink for VecSink {
    fn write(&mut self, chunk: Bytes) -> BoxFuture<'_, Result<()>> {
        self.0.extend_from_slice(&chunk);
        Box::pin(async { Ok(()) })
    }
    fn reset(&mut self) -> BoxFuture<'_, Result<()>> {
        self.0.clear();
        Box::pin(async { Ok(()) })
    }
}

/// Reads a whole source into memory (for `dataInline`).
pub(crate) async fn read_all(source: &dyn Source, limit: u64) -> Result<Vec<u8>> {
    let mut stream = source.open().await?;
    let mut out = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk
            .map_err(|e| crate::Error::invalid_input(format!("the upload source failed: {e}")))?;
        out.extend_from_slice(&chunk);
        if out.len() as u64 > limit {
            break;
        }
    }
    Ok(out)
}
