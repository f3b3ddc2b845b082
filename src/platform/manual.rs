//! A [`Runtime`] for tests: a manual clock, recorded sleeps and seeded randomness.

use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use super::{BoxFuture, Runtime};

/// A deterministic [`Runtime`] for tests of code built on this crate: retry schedules, the
/// expiry of temporary credentials and presigned URLs, signatures with a known timestamp.
///
/// - **Clock**: fixed at the time it was created with, until [`advance`](Self::advance) or
///   [`set_now_ms`](Self::set_now_ms) moves it. [`stepping`](Self::stepping) makes it move by a
///   fixed step after every reading, and [`advancing_on_sleep`](Self::advancing_on_sleep)
///   makes every sleep move it by the time slept.
/// - **Sleeps** finish at once. Each one is recorded when it is first awaited, so a timer that
///   lost a race and was dropped unpolled (a watchdog beside a request that answered at once)
///   leaves no trace: [`sleeps`](Self::sleeps) is what the code actually waited for.
/// - **Randomness**: a pseudo-random sequence from a seed (0 unless
///   [`seeded`](Self::seeded)), the same on every run and target. Not secure: for tests only.
///
/// Clones share the clock, the record and the random sequence: keep one, give one away.
///
/// Since sleeps finish at once, pair it with a transport that answers at once (such as
/// [`RecordingTransport`](crate::transport::RecordingTransport)): a timeout raced against real
/// network I/O fires first.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use std::sync::Arc;
/// use std::time::Duration;
/// use taskcluster_wasm::transport::RecordingTransport;
/// use taskcluster_wasm::{Client, ManualRuntime, RetryPolicy};
///
/// let runtime = ManualRuntime::at(1_700_000_000_000).seeded(7);
/// let transport = RecordingTransport::new();
/// transport.reply(500, &[], "").reply(503, &[], "").reply_json(200, &serde_json::json!({}));
/// let client = Client::builder("https://tc.example.com")
///     .retry(RetryPolicy { randomization_factor: 0.0, ..RetryPolicy::default() })
///     .transport(Arc::new(transport.clone()))
///     .runtime(Arc::new(runtime.clone()))
///     .build()
///     .unwrap();
/// client.request_url("GET", "https://tc.example.com/api/queue/v1/ping", None).await.unwrap();
/// // Two failures, two backoffs of 2^n · 100 ms.
/// assert_eq!(runtime.sleeps(), [Duration::from_millis(200), Duration::from_millis(400)]);
/// assert_eq!(transport.requests().len(), 3);
/// # }
/// ```
#[derive(Clone, Default)]
pub struct ManualRuntime {
    state: Arc<Mutex<State>>,
}

#[derive(Debug, Default)]
struct State {
    now_ms: u64,
    step_ms: u64,
    advance_on_sleep: bool,
    random: u64,
    sleeps: Vec<Duration>,
}

impl fmt::Debug for ManualRuntime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.lock();
        f.debug_struct("ManualRuntime")
            .field("now_ms", &s.now_ms)
            .field("step_ms", &s.step_ms)
            .field("advance_on_sleep", &s.advance_on_sleep)
            .field("sleeps", &s.sleeps)
            .finish_non_exhaustive()
    }
}

impl ManualRuntime {
    /// A runtime whose clock reads `now_ms` (milliseconds since the Unix epoch), with seed 0.
    pub fn at(now_ms: u64) -> Self {
        let rt = ManualRuntime::default();
        rt.lock().now_ms = now_ms;
        rt
    }

    /// Restarts the random sequence from `seed`.
    pub fn seeded(self, seed: u64) -> Self {
        self.lock().random = seed;
        self
    }

    /// Moves the clock forward by `step` after every reading (a stepped clock).
    pub fn stepping(self, step: Duration) -> Self {
        self.lock().step_ms = millis(step);
        self
    }

    /// Moves the clock forward by each sleep's duration when the sleep is awaited.
    pub fn advancing_on_sleep(self) -> Self {
        self.lock().advance_on_sleep = true;
        self
    }

    /// Moves the clock forward by `by`.
    pub fn advance(&self, by: Duration) {
        let mut s = self.lock();
        s.now_ms = s.now_ms.saturating_add(millis(by));
    }

    /// Sets the clock.
    pub fn set_now_ms(&self, now_ms: u64) {
        self.lock().now_ms = now_ms;
    }

    /// The sleeps awaited so far, in order.
    pub fn sleeps(&self) -> Vec<Duration> {
        self.lock().sleeps.clone()
    }

    /// The sleeps awaited so far, in order, forgetting them.
    pub fn take_sleeps(&self) -> Vec<Duration> {
        std::mem::take(&mut self.lock().sleeps)
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

impl Runtime for ManualRuntime {
    fn now_ms(&self) -> u64 {
        let mut s = self.lock();
        let now = s.now_ms;
        s.now_ms = now.saturating_add(s.step_ms);
        now
    }

    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()> {
        let state = self.state.clone();
        // Recorded when first polled: the body of an async block runs then, not now.
        Box::pin(async move {
            let mut s = state.lock().unwrap_or_else(|e| e.into_inner());
            s.sleeps.push(duration);
            if s.advance_on_sleep {
                s.now_ms = s.now_ms.saturating_add(millis(duration));
            }
        })
    }

    fn fill_random(&self, buf: &mut [u8]) {
        let mut s = self.lock();
        for chunk in buf.chunks_mut(8) {
            // SplitMix64: a full-period sequence with well-mixed output, in a few lines.
            s.random = s.random.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = s.random;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^= z >> 31;
            chunk.copy_from_slice(&z.to_le_bytes()[..chunk.len()]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn poll_once(f: BoxFuture<'static, ()>) -> bool {
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        let mut f = f;
        f.as_mut().poll(&mut cx).is_ready()
    }

    #[test]
    fn fixed_and_stepped_clocks() {
        let fixed = ManualRuntime::at(5_000);
        assert_eq!([fixed.now_ms(), fixed.now_ms()], [5_000, 5_000]);
        fixed.advance(Duration::from_secs(2));
        assert_eq!(fixed.now_ms(), 7_000);
        fixed.set_now_ms(1);
        assert_eq!(fixed.now_ms(), 1);
        let stepped = ManualRuntime::at(100).stepping(Duration::from_millis(10));
        let readings: Vec<u64> = (0..3).map(|_| stepped.now_ms()).collect();
        assert_eq!(readings, [100, 110, 120]);
    }

    #[test]
    fn sleeps_are_recorded_when_awaited_and_finish_at_once() {
        let rt = ManualRuntime::at(0).advancing_on_sleep();
        let dropped = rt.sleep(Duration::from_secs(60));
        drop(dropped);
        assert!(poll_once(rt.sleep(Duration::from_millis(250))));
        assert_eq!(rt.sleeps(), [Duration::from_millis(250)]);
        assert_eq!(rt.now_ms(), 250, "the clock moved by the sleep");
        assert_eq!(rt.take_sleeps().len(), 1);
        assert!(rt.sleeps().is_empty());
        let still = ManualRuntime::at(0);
        assert!(poll_once(still.sleep(Duration::from_secs(1))));
        assert_eq!(still.now_ms(), 0, "a fixed clock stays");
    }

    #[test]
    fn randomness_is_seeded() {
        let bytes = |seed| {
            let mut b = [0u8; 20];
            ManualRuntime::default().seeded(seed).fill_random(&mut b);
            b
        };
        assert_eq!(bytes(1), bytes(1));
        assert_ne!(bytes(1), bytes(2));
        assert_ne!(bytes(1)[..8], bytes(1)[8..16], "the sequence moves on");
        let rt = ManualRuntime::default().seeded(9);
        let units: Vec<f64> = (0..100).map(|_| rt.random_unit()).collect();
        assert!(units.iter().all(|u| (0.0..1.0).contains(u)));
        assert!(units.iter().any(|u| *u < 0.5) && units.iter().any(|u| *u >= 0.5));
    }
}
