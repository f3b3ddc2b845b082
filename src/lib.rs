//! # taskcluster-wasm
//!
//! A complete [Taskcluster](https://taskcluster.net) API client in Rust. The same code runs
//! natively (over reqwest) and as WebAssembly (over the global `fetch`) in browsers, workers,
//! Node, Deno and edge runtimes such as workerd.
//!
//! ```no_run
//! # async fn demo() -> taskcluster_wasm::Result<()> {
//! use taskcluster_wasm::{Client, Credentials};
//!
//! let client = Client::builder("https://tc.example.com")
//!     .credentials(Credentials::new("my/client", "my-access-token"))
//!     .build()?;
//! # let _ = client;
//! # Ok(())
//! # }
//! ```
//!
//! Layout: [`transport`] is the network seam; [`auth`] signs; [`call`] describes calls;
//! [`Client`] runs them with retries; [`util`] has `fromNow`, slugids and environment
//! variables.

#![deny(rustdoc::broken_intra_doc_links)]
// On wasm32 the shared types hold JS handles and are neither Send nor Sync; Arc still gives
// cheap clones there, and natively everything is Send + Sync (asserted at the end).
#![allow(clippy::arc_with_non_send_sync)]

pub mod auth;
pub mod call;
mod client;
mod credentials;
pub mod discover;
mod error;
pub mod events;
pub mod generated;
pub mod objects;
pub mod pagination;
pub mod platform;
pub mod retry;
pub mod transport;
pub mod util;
#[cfg(feature = "validate")]
pub mod validate;

#[cfg(all(target_arch = "wasm32", feature = "js"))]
mod js;

/// The npm package's allocator: talc, which is smaller than dlmalloc (the package has a size
/// budget) and quicker. Only the `js` build sets it; Rust users of the crate keep their own.
#[cfg(all(target_arch = "wasm32", feature = "js"))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

pub use call::{Call, Entry, Service, ServiceDiscoveryScheme};
pub use client::{config, Client, ClientBuilder, Response, TRACE_HEADER};
pub use credentials::{
    Certificate, CertificateFields, Credentials, TemporaryOptions, MAX_TEMPORARY_SPAN_MS,
};
pub use error::{Error, ErrorBody, ErrorKind, Result};
pub use generated::*;
pub use platform::{ManualRuntime, Runtime, SystemRuntime};
pub use retry::RetryPolicy;
pub use util::time::{from_now, from_now_json, Timestamp};

/// `Client` must be `Send + Sync` natively, so it can move between tokio tasks.
#[cfg(not(target_arch = "wasm32"))]
const _: fn() = || {
    fn assert_send_sync<T: Send + Sync + Clone>() {}
    assert_send_sync::<Client>();
};

/// The README's Rust examples, compiled as doctests so they stay correct.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
