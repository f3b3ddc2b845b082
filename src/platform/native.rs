//! Native implementations of the platform effects.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::BoxFuture;

pub(super) fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// Native sleeping uses tokio's timer, so the native client runs inside a tokio runtime (as
/// reqwest does).
pub(super) fn sleep(duration: Duration) -> BoxFuture<'static, ()> {
    Box::pin(tokio::time::sleep(duration))
}

/// Natively, sha2 is as fast as it gets.
pub(super) fn host_hashers() -> Option<Box<dyn super::HostHashers>> {
    None
}

pub(super) fn env_var(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

pub(super) fn is_browser() -> bool {
    false
}

/// Native file I/O for objects: a file as an upload source, a file as a download sink.
pub(super) mod files {
    use std::path::PathBuf;

    use bytes::Bytes;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use crate::objects::{Sink, Source, SourceStream};
    use crate::platform::BoxFuture;
    use crate::{Error, Result};

    fn io_error(what: &str, path: &std::path::Path, e: std::io::Error) -> Error {
        Error::invalid_input(format!("cannot {what} {}: {e}", path.display())).with_source(e)
    }

    /// Uploads a file, reading it afresh from the start on every attempt.
    #[derive(Debug, Clone)]
    pub struct FileSource(pub PathBuf);

    impl FileSource {
        /// The file's length, for `UploadOptions::content_length`.
        pub async fn len(&self) -> Result<u64> {
            tokio::fs::metadata(&self.0)
                .await
                .map(|m| m.len())
                .map_err(|e| io_error("read", &self.0, e))
        }
    }

    impl Source for FileSource {
        fn open(&self) -> BoxFuture<'_, Result<SourceStream>> {
            Box::pin(async move {
                let file = tokio::fs::File::open(&self.0)
                    .await
                    .map_err(|e| io_error("open", &self.0, e))?;
                let stream = futures_util::stream::unfold(Some(file), |file| async move {
                    let mut file = file?;
                    let mut buf = vec![0u8; 256 * 1024];
                    match file.read(&mut buf).await {
                        Ok(0) => None,
                        Ok(n) => {
                            buf.truncate(n);
                            Some((Ok(Bytes::from(buf)), Some(file)))
                        }
                        Err(e) => Some((Err(e.into()), None)),
                    }
                });
                Ok(Box::pin(stream) as SourceStream)
            })
        }
    }

    /// Downloads into a file, truncating it when a download restarts.
    #[derive(Debug)]
    pub struct FileSink {
        path: PathBuf,
        file: Option<tokio::fs::File>,
    }

    impl FileSink {
        /// A sink that creates (or truncates) `path` on the first write.
        pub fn new(path: impl Into<PathBuf>) -> Self {
            FileSink {
                path: path.into(),
                file: None,
            }
        }

        /// Flushes the file to disk.
        pub async fn finish(mut self) -> Result<()> {
            if let Some(f) = self.file.as_mut() {
                f.flush()
                    .await
                    .map_err(|e| io_error("write", &self.path, e))?;
            }
            Ok(())
        }
    }

    impl Sink for FileSink {
        fn write(&mut self, chunk: Bytes) -> BoxFuture<'_, Result<()>> {
            Box::pin(async move {
                if self.file.is_none() {
                    let f = tokio::fs::File::create(&self.path)
                        .await
                        .map_err(|e| io_error("create", &self.path, e))?;
                    self.file = Some(f);
                }
                let f = self.file.as_mut().expect("opened above");
                f.write_all(&chunk)
                    .await
                    .map_err(|e| io_error("write", &self.path, e))
            })
        }

        fn reset(&mut self) -> BoxFuture<'_, Result<()>> {
            Box::pin(async move {
                self.file = None;
                tokio::fs::File::create(&self.path)
                    .await
                    .map_err(|e| io_error("truncate", &self.path, e))?;
                Ok(())
            })
        }
    }
}
