//! The API calls a transfer makes, as a seam: the engine in this module owns the protocol
//! (negotiation, hashing, retries, fresh URLs, resume, verification), and whatever implements
//! these traits makes the calls to the object service and the queue.
//!
//! Natively the generated [`Object`] and [`Queue`] implement them, through their `_raw`
//! methods: the engine reads the JSON itself, so a download method or field newer than the
//! vendored schemas reaches its negotiation rather than failing to deserialize. The JavaScript package
//! implements them over whatever object the caller passes (a client of this package, a
//! subclass, a wrapper, a mock or a `fake` client), by calling its public methods, as the
//! official client does.

use std::sync::Arc;

use serde_json::Value;

use crate::platform::{BoxFuture, MaybeSend, MaybeSync, Runtime, SystemRuntime};
use crate::transport::{default_transport, Transport};
use crate::{Client, Credentials, Object, Queue, Result};

/// The HTTP transport and the runtime that carry a transfer's data (the PUT and GET to storage
/// URLs, which are never signed). Both default to the platform's.
pub trait TransferHost: MaybeSend + MaybeSync {
    /// The transport for storage requests (default: [`default_transport`]).
    fn transport(&self) -> Arc<dyn Transport> {
        default_transport()
    }

    /// The clock, sleep and randomness of retries and timeouts (default: [`SystemRuntime`]).
    fn runtime(&self) -> Arc<dyn Runtime> {
        Arc::new(SystemRuntime)
    }
}

/// The object-service calls of an upload or a download: `createUpload`, `finishUpload` and
/// `startDownload`, each with the service's JSON request and response.
pub trait ObjectCalls: TransferHost {
    /// `createUpload(name, request)`.
    fn create_upload<'a>(
        &'a self,
        name: &'a str,
        request: &'a Value,
    ) -> BoxFuture<'a, Result<Value>>;
    /// `finishUpload(name, request)`.
    fn finish_upload<'a>(&'a self, name: &'a str, request: &'a Value) -> BoxFuture<'a, Result<()>>;
    /// `startDownload(name, request)`.
    fn start_download<'a>(
        &'a self,
        name: &'a str,
        request: &'a Value,
    ) -> BoxFuture<'a, Result<Value>>;
}

/// The queue calls of an artifact download (`artifact`, `latestArtifact`), and the object
/// service it continues with for `object` artifacts.
pub trait ArtifactCalls: TransferHost {
    /// `artifact(taskId, runId, name)`.
    fn artifact<'a>(
        &'a self,
        task_id: &'a str,
        run_id: u32,
        name: &'a str,
    ) -> BoxFuture<'a, Result<Value>>;
    /// `latestArtifact(taskId, name)`.
    fn latest_artifact<'a>(
        &'a self,
        task_id: &'a str,
        name: &'a str,
    ) -> BoxFuture<'a, Result<Value>>;
    /// An object service of the same deployment that signs with an `object` artifact's
    /// credentials.
    fn object_with(&self, credentials: Credentials) -> Result<Box<dyn ObjectCalls>>;
}

fn host_of(client: &Client) -> (Arc<dyn Transport>, Arc<dyn Runtime>) {
    (client.transport().clone(), client.runtime().clone())
}

impl TransferHost for Object {
    fn transport(&self) -> Arc<dyn Transport> {
        host_of(self.as_client()).0
    }
    fn runtime(&self) -> Arc<dyn Runtime> {
        host_of(self.as_client()).1
    }
}

impl ObjectCalls for Object {
    fn create_upload<'a>(
        &'a self,
        name: &'a str,
        request: &'a Value,
    ) -> BoxFuture<'a, Result<Value>> {
        Box::pin(Object::create_upload_raw(self, name, request))
    }
    fn finish_upload<'a>(&'a self, name: &'a str, request: &'a Value) -> BoxFuture<'a, Result<()>> {
        Box::pin(Object::finish_upload_raw(self, name, request))
    }
    fn start_download<'a>(
        &'a self,
        name: &'a str,
        request: &'a Value,
    ) -> BoxFuture<'a, Result<Value>> {
        Box::pin(Object::start_download_raw(self, name, request))
    }
}

impl TransferHost for Queue {
    fn transport(&self) -> Arc<dyn Transport> {
        host_of(self.as_client()).0
    }
    fn runtime(&self) -> Arc<dyn Runtime> {
        host_of(self.as_client()).1
    }
}

impl ArtifactCalls for Queue {
    fn artifact<'a>(
        &'a self,
        task_id: &'a str,
        run_id: u32,
        name: &'a str,
    ) -> BoxFuture<'a, Result<Value>> {
        Box::pin(async move { Queue::artifact_raw(self, task_id, &run_id.to_string(), name).await })
    }
    fn latest_artifact<'a>(
        &'a self,
        task_id: &'a str,
        name: &'a str,
    ) -> BoxFuture<'a, Result<Value>> {
        Box::pin(Queue::latest_artifact_raw(self, task_id, name))
    }
    fn object_with(&self, credentials: Credentials) -> Result<Box<dyn ObjectCalls>> {
        // The queue's deployment, transport and runtime; the artifact's credentials, and no
        // authorizedScopes (they would narrow what the artifact's credentials grant).
        let client = self
            .as_client()
            .to_builder()
            .credentials(credentials)
            .authorized_scopes(None::<Vec<String>>)
            .build()?;
        Ok(Box::new(Object::new(client)))
    }
}
