//! The platform switchboard: the one place (with `transport/mod.rs` and `lib.rs`) where target
//! `cfg` decides anything.
//!
//! It provides the conditional `Send` bound ([`MaybeSend`], [`MaybeSync`]), the boxed-future
//! alias used by every async trait in the crate ([`BoxFuture`]), and the three effects the core
//! needs from its host: the wall clock, a sleep, and randomness. Library code never calls
//! `SystemTime::now`, `tokio::time::sleep` or `web_sys::window` itself; it asks a [`Runtime`],
//! whose default implementation, [`SystemRuntime`], forwards to the functions here.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

#[cfg(target_arch = "wasm32")]
mod wasm;
#[cfg(target_arch = "wasm32")]
use wasm as imp;

#[cfg(not(target_arch = "wasm32"))]
mod native;
#[cfg(not(target_arch = "wasm32"))]
use native as imp;

mod manual;
pub use manual::ManualRuntime;

/// Items for native targets only (the file sources and sinks of `objects`), so that the
/// target decision stays in this file.
#[cfg(not(target_arch = "wasm32"))]
macro_rules! native_only {
    ($($item:item)*) => { $($item)* };
}
/// Items for native targets only (the file sources and sinks of `objects`), so that the
/// target decision stays in this file.
#[cfg(target_arch = "wasm32")]
macro_rules! native_only {
    ($($item:item)*) => {};
}
pub(crate) use native_only;

/// `Send` on native targets, nothing on wasm32 (where JS values are never `Send`).
#[cfg(not(target_arch = "wasm32"))]
pub trait MaybeSend: Send {}
#[cfg(not(target_arch = "wasm32"))]
impl<T: Send + ?Sized> MaybeSend for T {}

/// `Send` on native targets, nothing on wasm32 (where JS values are never `Send`).
#[cfg(target_arch = "wasm32")]
pub trait MaybeSend {}
#[cfg(target_arch = "wasm32")]
impl<T: ?Sized> MaybeSend for T {}

/// `Sync` on native targets, nothing on wasm32.
#[cfg(not(target_arch = "wasm32"))]
pub trait MaybeSync: Sync {}
#[cfg(not(target_arch = "wasm32"))]
impl<T: Sync + ?Sized> MaybeSync for T {}

/// `Sync` on native targets, nothing on wasm32.
#[cfg(target_arch = "wasm32")]
pub trait MaybeSync {}
#[cfg(target_arch = "wasm32")]
impl<T: ?Sized> MaybeSync for T {}

/// A pinned, boxed future that is `Send` on native targets only.
#[cfg(not(target_arch = "wasm32"))]
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;
/// A pinned, boxed future that is `Send` on native targets only.
#[cfg(target_arch = "wasm32")]
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + 'a>>;

/// A pinned, boxed stream that is `Send` on native targets only.
#[cfg(not(target_arch = "wasm32"))]
pub type BoxStream<'a, T> = Pin<Box<dyn futures_util::Stream<Item = T> + Send + 'a>>;
/// A pinned, boxed stream that is `Send` on native targets only.
#[cfg(target_arch = "wasm32")]
pub type BoxStream<'a, T> = Pin<Box<dyn futures_util::Stream<Item = T> + 'a>>;

/// The effects the client needs from its host: time, sleeping and randomness.
///
/// Inject your own to make signing and retries deterministic in tests ([`ManualRuntime`] is
/// one); the default is [`SystemRuntime`].
pub trait Runtime: MaybeSend + MaybeSync + fmt::Debug {
    /// Milliseconds since the Unix epoch, from the wall clock.
    fn now_ms(&self) -> u64;
    /// A future that completes after `duration`.
    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()>;
    /// Fills `buf` with cryptographically secure random bytes.
    fn fill_random(&self, buf: &mut [u8]);
    /// A uniformly distributed number in `[0, 1)`.
    fn random_unit(&self) -> f64 {
        let mut b = [0u8; 8];
        self.fill_random(&mut b);
        // 53 random bits -> [0, 1)
        (u64::from_le_bytes(b) >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// The host's real clock, timers and random source: `Date.now`, `setTimeout` (through
/// gloo-timers) and `crypto.getRandomValues` on wasm32; `SystemTime`, tokio and the OS on
/// native targets.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemRuntime;

impl Runtime for SystemRuntime {
    fn now_ms(&self) -> u64 {
        imp::now_ms()
    }
    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()> {
        Box::pin(imp::sleep(duration))
    }
    fn fill_random(&self, buf: &mut [u8]) {
        getrandom::fill(buf).expect("the host has no secure random source");
    }
}

/// A sha256 + sha512 hasher provided by the host, when it has a faster one than the
/// pure-Rust implementation (Node's OpenSSL, from WebAssembly).
pub(crate) trait HostHashers: MaybeSend {
    /// Adds bytes.
    fn update(&mut self, bytes: &[u8]);
    /// The sha256 and sha512, lowercase hex.
    fn finish(self: Box<Self>) -> (String, String);
    /// The host's own hasher object, for code that hashes without going through Rust.
    #[cfg_attr(not(feature = "js"), allow(dead_code))]
    fn host_value(&self) -> &dyn std::any::Any;
}

/// Node's `node:crypto` hashers, through the wasm32 platform module.
#[cfg(target_arch = "wasm32")]
impl HostHashers for wasm::NodeHashers {
    fn update(&mut self, bytes: &[u8]) {
        wasm::NodeHashers::update(self, bytes)
    }
    fn finish(self: Box<Self>) -> (String, String) {
        wasm::NodeHashers::finish(&self)
    }
    fn host_value(&self) -> &dyn std::any::Any {
        wasm::NodeHashers::host_value(self)
    }
}

/// The host's hashers, if it has faster ones: Node's under WebAssembly; none natively, where
/// sha2 is as fast as it gets.
pub(crate) fn host_hashers() -> Option<Box<dyn HostHashers>> {
    #[cfg(target_arch = "wasm32")]
    return wasm::host_hashers().map(|h| Box::new(h) as Box<dyn HostHashers>);
    #[cfg(not(target_arch = "wasm32"))]
    None
}

/// Reads an environment variable of the host: the process environment natively, and
/// `process.env` (Node) or `Deno.env` (Deno) under WebAssembly. Empty values count as unset.
pub(crate) fn env_var(name: &str) -> Option<String> {
    imp::env_var(name).filter(|v| !v.is_empty())
}

/// True when running in a browser page or a browser worker (where CORS forbids custom headers).
pub(crate) fn is_browser() -> bool {
    imp::is_browser()
}
