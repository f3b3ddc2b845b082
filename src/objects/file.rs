//! Files as object sources and sinks (native targets): a file as an upload [`Source`], a file as
//! a download [`Sink`].

use std::path::PathBuf;

use bytes::Bytes;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::io::{Sink, Source, SourceStream};
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
