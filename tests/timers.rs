//! Host timers in every WebAssembly host (Node, Chromium page and worker, Deno): a sleep longer
//! than `setTimeout` takes (2^31 − 1 ms) waits (it is clamped to 24.8 days), instead of firing
//! at once as one oversized timer does; and a dropped sleep clears its timer (the test runner
//! would otherwise never see the host go idle).
#![cfg(target_arch = "wasm32")]

use std::time::Duration;

use futures_util::future::{select, Either};
use taskcluster_wasm::{Runtime, SystemRuntime};
use wasm_bindgen_test::wasm_bindgen_test as test;

/// Which of `long` and a 300 ms timer finishes first.
async fn long_sleep_outlasts_300_ms(long: Duration) -> bool {
    let long = SystemRuntime.sleep(long);
    let short = SystemRuntime.sleep(Duration::from_millis(300));
    matches!(select(long, short).await, Either::Right(_))
}

#[test]
async fn sleeps_beyond_the_host_timer_limit_really_wait() {
    for ms in [(1u64 << 31) - 1, 1 << 31, (1 << 32) + 1, 1 << 40] {
        assert!(
            long_sleep_outlasts_300_ms(Duration::from_millis(ms)).await,
            "a {ms} ms sleep finished before 300 ms"
        );
    }
    assert!(
        long_sleep_outlasts_300_ms(Duration::MAX).await,
        "Duration::MAX finished before 300 ms"
    );
    // And a short one is not held back.
    assert!(!long_sleep_outlasts_300_ms(Duration::from_millis(10)).await);
}
