//! Time limits on storage requests, so that no transfer waits forever: a server that never
//! answers fails the attempt after the timeout, and a body that stops moving fails it after the
//! idle limit. Both are measured with the transfer's [`Runtime`] sleeps only (never its clock),
//! so a manual runtime drives them as well as the system one.

use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use futures_util::future::{select, Either};

use crate::platform::Runtime;
use crate::transport::{HttpResponse, TransportError, TransportErrorKind};
use crate::{Error, Result};

/// How long a storage server may take to start answering, by default.
pub(crate) const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a body may stall, by default.
pub(crate) const DEFAULT_IDLE: Duration = Duration::from_secs(60);

/// The progress of one request, shared by its body stream and its watchdog.
#[derive(Debug, Default)]
pub(crate) struct Activity {
    ticks: AtomicU64,
    body_sent: AtomicBool,
}

impl Activity {
    /// For a request whose body (if any) is not watched: the wait for the answer starts now.
    pub(crate) fn body_sent() -> Activity {
        Activity {
            ticks: AtomicU64::new(0),
            body_sent: AtomicBool::new(true),
        }
    }

    /// A chunk of the body moved.
    pub(crate) fn tick(&self) {
        self.ticks.fetch_add(1, Ordering::Relaxed);
    }

    /// The whole body was handed over: from now on, the server has `timeout` to answer.
    pub(crate) fn finish_body(&self) {
        self.body_sent.store(true, Ordering::Relaxed);
    }
}

/// `https://host/path` of a URL: presigned query strings are bearer secrets.
pub(crate) fn without_query(url: &str) -> String {
    url.split(['?', '#']).next().unwrap_or_default().to_string()
}

/// "30 s" or "1500 ms", without float formatting (which would grow the wasm module).
pub(crate) fn show(d: Duration) -> String {
    // (u64: formatting a u128 would add its own division and formatting code to the module)
    let ms = u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
    if ms % 1000 == 0 {
        format!("{} s", ms / 1000)
    } else {
        format!("{ms} ms")
    }
}

fn timed_out(message: String) -> Error {
    Error::from(TransportError::new(TransportErrorKind::Timeout, message))
}

/// Fails when nothing moves for `idle` while the body is being sent, or when the server has
/// not answered `timeout` after the body was sent. It polls in quarter periods, so a limit is
/// noticed within a quarter of it.
async fn watchdog(
    runtime: &dyn Runtime,
    activity: &Activity,
    idle: Duration,
    timeout: Duration,
) -> Error {
    loop {
        let sent = activity.body_sent.load(Ordering::Relaxed);
        let limit = if sent { timeout } else { idle };
        let step = (limit / 4).max(Duration::from_millis(1));
        let mut quiet = 0;
        let ticks = activity.ticks.load(Ordering::Relaxed);
        loop {
            runtime.sleep(step).await;
            if activity.ticks.load(Ordering::Relaxed) != ticks
                || activity.body_sent.load(Ordering::Relaxed) != sent
            {
                break;
            }
            quiet += 1;
            if quiet == 4 {
                return timed_out(if sent {
                    format!("the storage server did not answer within {}", show(limit))
                } else {
                    format!("the upload body made no progress for {}", show(limit))
                });
            }
        }
    }
}

/// Sends a storage request under the watchdog: dropping `send` when a limit is reached aborts
/// the request.
pub(crate) async fn exchange<F>(
    send: F,
    runtime: &dyn Runtime,
    activity: &Activity,
    idle: Duration,
    timeout: Duration,
) -> Result<HttpResponse>
where
    F: Future<Output = std::result::Result<HttpResponse, TransportError>>,
{
    let send = std::pin::pin!(send);
    let dog = std::pin::pin!(watchdog(runtime, activity, idle, timeout));
    match select(send, dog).await {
        Either::Left((response, _)) => response.map_err(Error::from),
        Either::Right((error, _)) => Err(error),
    }
}

/// Reads a (short) storage response body, giving up after `idle` without a byte.
pub(crate) async fn read_body(
    response: HttpResponse,
    runtime: &dyn Runtime,
    idle: Duration,
) -> Result<(http::response::Parts, bytes::Bytes)> {
    let (parts, body) = response.into_parts();
    let read = std::pin::pin!(body.bytes());
    let dog = std::pin::pin!(runtime.sleep(idle));
    match select(read, dog).await {
        Either::Left((Ok(bytes), _)) => Ok((parts, bytes)),
        Either::Left((Err(e), _)) => Err(Error::from(e)),
        Either::Right(_) => Err(timed_out(format!(
            "the storage server's answer stalled for {}",
            show(idle)
        ))),
    }
}

/// Reads the answer to a storage request and fails unless it is a 2xx, with the status, its
/// reason, the method and the query-less URL in the message. (The retry loop names the request
/// in the final error, whatever failed.)
pub(crate) async fn check_status(
    response: HttpResponse,
    method: &str,
    shown: &str,
    runtime: &dyn Runtime,
    idle: Duration,
) -> Result<()> {
    let status = response.status().as_u16();
    let body = read_body(response, runtime, idle).await;
    if !(200..300).contains(&status) {
        let body = body.map(|(_, b)| b).unwrap_or_default();
        return Err(Error::storage(status, &body, method, shown));
    }
    body.map(|_| ())
}
