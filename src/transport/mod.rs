//! The [`Transport`] trait: the one seam between the client and the network.
//!
//! A transport takes an [`HttpRequest`] (an `http::Request` whose body is a [`Body`]) and
//! resolves to an [`HttpResponse`] whose body streams. It does not retry, sign, follow redirects
//! or interpret statuses: the client does all of that, identically on every target.
//!
//! Implementations:
//! - `FetchTransport` (wasm32): the *global* `fetch`, so the same build runs in a page, a
//!   worker, Node ≥ 20, Deno and workerd. A per-attempt timeout aborts the request through an
//!   `AbortController`; bodies stream through wasm-streams.
//! - `ReqwestTransport` (native, cargo feature `reqwest`, on by default): reqwest with
//!   redirects disabled.
//! - [`RecordingTransport`] (all targets): scripted responses and a log of what was sent, for
//!   tests.
//!
//! The shared types live in the leaf module `types` (header names in `headers`); this module
//! declares the transports, re-exports their items and picks the default one.

use std::sync::Arc;

// The table of known names serves the wasm32 build only.
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
mod headers;
mod recording;
mod types;

pub(crate) use headers::is_header_token;
pub use recording::{RecordedRequest, RecordingTransport};
pub use types::{
    Body, BodyError, Decoded, HostBody, HostResponseBody, HttpRequest, HttpResponse, RawHeaders,
    ResponseBody, Timeout, Transport, TransportError, TransportErrorKind, TransportFuture,
};

#[cfg(target_arch = "wasm32")]
mod fetch;
#[cfg(all(target_arch = "wasm32", feature = "js"))]
pub(crate) use fetch::{start_json, JsResponseBody};
#[cfg(target_arch = "wasm32")]
pub use fetch::{FetchTransport, JsBody};

#[cfg(all(not(target_arch = "wasm32"), feature = "reqwest"))]
mod reqwest;
#[cfg(all(not(target_arch = "wasm32"), feature = "reqwest"))]
pub use self::reqwest::ReqwestTransport;

/// The transport used when none is given: `FetchTransport` on wasm32 and
/// `ReqwestTransport` natively.
///
/// # Panics
/// On native targets built without the `reqwest` feature there is no default transport; pass
/// one to the client explicitly.
pub fn default_transport() -> Arc<dyn Transport> {
    #[cfg(target_arch = "wasm32")]
    return Arc::new(FetchTransport::new());
    #[cfg(all(not(target_arch = "wasm32"), feature = "reqwest"))]
    return Arc::new(ReqwestTransport::new());
    #[cfg(all(not(target_arch = "wasm32"), not(feature = "reqwest")))]
    panic!("taskcluster-wasm was built without a native transport; enable the `reqwest` feature or pass a Transport")
}

/// `name` as an `http::HeaderName` when this build holds it as one: any valid name natively,
/// a name from the known table on wasm32 (the others go in [`RawHeaders`]).
pub(crate) fn header_name(name: &str) -> Option<http::HeaderName> {
    #[cfg(not(target_arch = "wasm32"))]
    {
        http::HeaderName::from_bytes(name.as_bytes()).ok()
    }
    #[cfg(target_arch = "wasm32")]
    {
        headers::known_header(name)
    }
}
