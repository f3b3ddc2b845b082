//! Objects and artifacts: streaming upload and download through the object service, for every
//! host.
//!
//! - [`upload`]: proposes `dataInline` for small objects and `putUrl` always, PUTs exactly the
//!   headers the service returns, hashes (sha256 + sha512) the bytes actually sent, asks for a
//!   fresh `putUrl` when the old one has expired, re-opens the [`Source`] for every attempt, and
//!   finishes the upload.
//! - [`download`]: `getUrl`, resumes with `Range` after a mid-stream failure (or restarts when
//!   the encoding makes resuming unsafe), calls `startDownload` again when its URL has expired,
//!   and verifies the hashes **before** reporting success.
//! - [`download_artifact`]: every artifact storage type (`s3`, `reference`, `object`, `error`;
//!   the queue resolves `link`).
//!
//! Memory stays bounded whatever the object size: bytes flow from the [`Source`] to the network
//! and from the network to the [`Sink`] chunk by chunk.

mod artifacts;
mod calls;
mod download;
mod fake;
mod hashing;
mod io;
mod upload;
mod watch;

crate::platform::native_only! {
    mod file;
    pub use file::{FileSink, FileSource};
}

pub use artifacts::{download_artifact, ArtifactOptions};
pub use calls::{ArtifactCalls, ObjectCalls, TransferHost};
pub use download::{download, DownloadOptions, DownloadResult};
pub use fake::{FakeCalls, FakeRequest, FakeRule, Operation, RuleMode};
pub use hashing::{Hasher, Hashes};
pub use io::{BytesSource, FnSource, HostPipe, HostPiped, Sink, Source, SourceStream, VecSink};
pub use upload::{upload, UploadOptions, UploadResult};

use std::sync::Arc;

use crate::platform::{MaybeSend, MaybeSync};

/// Objects below this size are proposed as `dataInline` (8 KiB − 1 is, 8 KiB is not).
pub const DATA_INLINE_MAX_SIZE: u64 = 8192;

/// A progress callback: bytes done and bytes total (when known). It is called on every chunk;
/// without one, transfers do no progress bookkeeping at all.
pub type Progress = Arc<dyn ProgressFn>;

/// What a [`Progress`] callback is: `Fn(done, total)`, `Send + Sync` on native targets.
pub trait ProgressFn: Fn(u64, Option<u64>) + MaybeSend + MaybeSync {}
impl<F: Fn(u64, Option<u64>) + MaybeSend + MaybeSync> ProgressFn for F {}

/// The progress callback as a `MaybeSend` trait object for internal use.
pub(crate) fn report(progress: &Option<Progress>, done: u64, total: Option<u64>) {
    if let Some(p) = progress {
        p(done, total);
    }
}
