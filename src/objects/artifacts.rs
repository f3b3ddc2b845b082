//! Artifact downloads, for every storage type.

use serde_json::Value;

use super::calls::ArtifactCalls;
use super::download::{transfer, Target};
use super::io::Sink;
use super::{DownloadOptions, DownloadResult};
use crate::{Credentials, Error, Result};

/// Which artifact to download.
#[derive(Debug, Clone, Default)]
pub struct ArtifactOptions {
    /// The task.
    pub task_id: String,
    /// The run; the latest run when `None`.
    pub run_id: Option<u32>,
    /// The artifact name.
    pub name: String,
    /// Follow `reference` artifacts, whose URL the task chose (off by default: fetching a
    /// task-supplied URL is a server-side request forgery risk in services).
    pub allow_reference: bool,
    /// Transfer options.
    pub download: DownloadOptions,
}

/// How many `link` artifacts are followed before giving up.
const MAX_LINKS: usize = 10;

/// Downloads an artifact into `sink`: `s3` and `reference` (when allowed) by URL, `object`
/// through the object service with the artifact's credentials (verifying hashes), `link` by
/// following it; an `error` artifact gives an error with its reason and message.
///
/// `queue` makes the queue calls: a [`Queue`](crate::Queue), or any [`ArtifactCalls`].
pub async fn download_artifact(
    queue: &dyn ArtifactCalls,
    opts: &ArtifactOptions,
    sink: &mut dyn Sink,
) -> Result<DownloadResult> {
    let mut name = opts.name.clone();
    for _ in 0..=MAX_LINKS {
        let artifact: Value = match opts.run_id {
            Some(run) => queue.artifact(&opts.task_id, run, &name).await?,
            None => queue.latest_artifact(&opts.task_id, &name).await?,
        };
        let kind = artifact["storageType"].as_str().unwrap_or_default();
        match kind {
            "s3" | "reference" => {
                if kind == "reference" && !opts.allow_reference {
                    return Err(Error::artifact(
                        "ArtifactStorageTypeRejected",
                        "Refusing to download a `reference` artifact: its URL is supplied by the task. \
                         Allow reference artifacts if fetching a task-supplied URL is intended.",
                    ));
                }
                let url = artifact["url"]
                    .as_str()
                    .ok_or_else(|| Error::decode("the artifact has no url"))?;
                let mut target = Target {
                    url: url.to_owned(),
                    expires_ms: None,
                    expected: None,
                };
                return transfer(
                    queue.transport(),
                    queue.runtime(),
                    &mut target,
                    sink,
                    &opts.download,
                    None,
                )
                .await;
            }
            "object" => {
                let c = &artifact["credentials"];
                let field = |k: &str| {
                    c[k].as_str().map(str::to_owned).ok_or_else(|| {
                        Error::decode(format!("the object artifact's credentials have no {k}"))
                    })
                };
                let mut creds = Credentials::new(field("clientId")?, field("accessToken")?);
                if let Some(cert) = c.get("certificate").filter(|v| !v.is_null()) {
                    let text = cert
                        .as_str()
                        .map(str::to_owned)
                        // (`to_string`, not `Display`: the crate's one JSON writer.)
                        .unwrap_or_else(|| serde_json::to_string(cert).unwrap_or_default());
                    creds = creds.with_certificate(&text)?;
                }
                let object_name = artifact["name"]
                    .as_str()
                    .ok_or_else(|| Error::decode("the object artifact has no name"))?;
                let object = queue.object_with(creds)?;
                return super::download(object.as_ref(), object_name, sink, &opts.download).await;
            }
            "error" => {
                let message = artifact["message"]
                    .as_str()
                    .unwrap_or("the task recorded an error artifact");
                let mut e = Error::artifact("ArtifactError", message);
                if let Some(reason) = artifact["reason"].as_str() {
                    e = e.with_reason(reason);
                }
                return Err(e);
            }
            "link" => {
                name = artifact["artifact"]
                    .as_str()
                    .ok_or_else(|| Error::decode("the link artifact names no artifact"))?
                    .to_owned();
            }
            other => {
                return Err(Error::artifact(
                    "ArtifactStorageTypeUnsupported",
                    &format!("Unsupported artifact storageType '{other}'"),
                ))
            }
        }
    }
    Err(Error::artifact(
        "ArtifactLinkTooDeep",
        &format!("more than {MAX_LINKS} links to follow"),
    ))
}
