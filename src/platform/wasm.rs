//! WebAssembly implementations of the platform effects. Everything here goes through the
//! *global* scope (`globalThis`), never `window`, so it works in pages, workers, Node, Deno and
//! workerd alike.

use std::time::Duration;

use js_sys::{Function, Reflect};
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};

#[wasm_bindgen(module = "/js/snippets/node-http.js")]
extern "C" {
    /// True in a page or a browser worker (not Deno or workerd, which define some of the same
    /// globals).
    #[wasm_bindgen(js_name = isBrowser)]
    fn host_is_browser() -> bool;
    /// Node's OpenSSL hashers, or null elsewhere.
    #[wasm_bindgen(js_name = nodeHashers)]
    fn node_hashers() -> JsValue;
}

/// sha256 + sha512 through Node's crypto module (the platform's `HostHashers` on Node).
pub(super) struct NodeHashers(JsValue);

impl NodeHashers {
    /// Adds bytes.
    pub(super) fn update(&mut self, bytes: &[u8]) {
        if let Ok(f) =
            Reflect::get(&self.0, &"update".into()).and_then(|f| f.dyn_into::<Function>())
        {
            // SAFETY: the view is only valid until WebAssembly memory next grows; `update` is
            // synchronous node:crypto code that never calls back into WebAssembly, and the view
            // is dropped before this function returns.
            let view = unsafe { js_sys::Uint8Array::view(bytes) };
            let _ = f.call1(&self.0, &view);
        }
    }
    /// The `node:crypto` hasher object.
    pub(super) fn host_value(&self) -> &dyn std::any::Any {
        &self.0
    }
    /// The sha256 and sha512, lowercase hex.
    pub(super) fn finish(&self) -> (String, String) {
        let out = Reflect::get(&self.0, &"digest".into())
            .and_then(|f| f.dyn_into::<Function>())
            .and_then(|f| f.call0(&self.0))
            .unwrap_or(JsValue::UNDEFINED);
        let arr = js_sys::Array::from(&out);
        (
            arr.get(0).as_string().unwrap_or_default(),
            arr.get(1).as_string().unwrap_or_default(),
        )
    }
}

/// Node's hashers, when the host is Node.
pub(super) fn host_hashers() -> Option<NodeHashers> {
    let h = node_hashers();
    (!h.is_null() && !h.is_undefined()).then_some(NodeHashers(h))
}

pub(super) fn now_ms() -> u64 {
    js_sys::Date::now() as u64
}

/// The longest delay `setTimeout` takes: hosts keep it as a signed 32-bit number of
/// milliseconds, and fire a longer one at once (Node warns, browsers stay silent).
const MAX_TIMER_MS: u128 = (1 << 31) - 1;

/// Sleeps for `duration` in whole milliseconds, clamped to [`MAX_TIMER_MS`] (24.8 days): a
/// longer wait waits that long, rather than not at all as one oversized timer would.
pub(super) fn sleep(duration: Duration) -> gloo_timers::future::TimeoutFuture {
    let ms = duration.as_millis().min(MAX_TIMER_MS) as u32;
    gloo_timers::future::TimeoutFuture::new(ms)
}

fn get(target: &JsValue, key: &str) -> Option<JsValue> {
    Reflect::get(target, &JsValue::from_str(key))
        .ok()
        .filter(|v| !v.is_undefined() && !v.is_null())
}

pub(super) fn env_var(name: &str) -> Option<String> {
    let global: JsValue = js_sys::global().into();
    // Node (and Bun, and Deno's Node compatibility): process.env
    if let Some(value) = get(&global, "process")
        .and_then(|p| get(&p, "env"))
        .and_then(|env| get(&env, name))
    {
        return value.as_string();
    }
    // Deno: Deno.env.get(name); it throws without --allow-env, which reads as unset.
    let env = get(&global, "Deno").and_then(|d| get(&d, "env"))?;
    let getter = get(&env, "get")?.dyn_into::<Function>().ok()?;
    getter
        .call1(&env, &JsValue::from_str(name))
        .ok()
        .and_then(|v| v.as_string())
}

pub(super) fn is_browser() -> bool {
    host_is_browser()
}
