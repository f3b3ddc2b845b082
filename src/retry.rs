//! Retries: the policy (which failures are retried, and how long to wait), and the one loop
//! that API calls, uploads and downloads all run.
//!
//! The policy is pure; the loop does the sleeping, through a [`Runtime`].

use std::time::Duration;

use crate::platform::{BoxFuture, MaybeSend, Runtime};
use crate::{Error, Result};

/// How failed attempts are retried. The defaults are the Node client's: 5 retries (6 attempts),
/// a delay factor of 100 ms, a randomization factor of 0.25 and at most 30 s between attempts.
///
/// Only network errors, timeouts and 5xx responses are retried; a 4xx never is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub retries: u32,
    /// The base of the exponential backoff.
    pub delay_factor: Duration,
    /// Jitter: each delay is multiplied by a uniform factor in `[1 − rf, 1 + rf)`; `0 ≤ rf < 1`.
    pub randomization_factor: f64,
    /// The longest delay between attempts.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            retries: 5,
            delay_factor: Duration::from_millis(100),
            randomization_factor: 0.25,
            max_delay: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// Checks the values, naming the one that is wrong. Every `Duration` is accepted: delays
    /// saturate (see [`delay`](Self::delay)).
    pub fn validate(&self) -> Result<()> {
        if !(0.0..1.0).contains(&self.randomization_factor) {
            // No float formatting here: it would add kilobytes to the WebAssembly module.
            return Err(Error::invalid_input(
                "randomizationFactor must be at least 0 and less than 1",
            ));
        }
        Ok(())
    }

    /// The delay after failed attempt number `attempt` (1-based), given `unit`, a uniform random
    /// number in `[0, 1)`: `min(2^attempt · delayFactor · (1 − rf + 2·rf·unit), maxDelay)`.
    ///
    /// Total: it never panics, whatever the fields and `unit` hold. The result saturates at
    /// `maxDelay` (and at [`Duration::MAX`]); a randomization factor or `unit` out of range
    /// (which [`validate`](Self::validate) prevents) gives some delay from 0 to `maxDelay`.
    pub fn delay(&self, attempt: u32, unit: f64) -> Duration {
        let rf = self.randomization_factor;
        let factor = 1.0 - rf + 2.0 * rf * unit;
        let exp = 2f64.powi(attempt.min(64) as i32);
        // In seconds, ≥ 0 (`max` also turns NaN into 0) and at most infinite.
        let secs = (exp * self.delay_factor.as_secs_f64() * factor).max(0.0);
        // `from_secs_f64` panics from 2^64 s on: saturate before.
        let delay = if secs < u64::MAX as f64 {
            Duration::from_secs_f64(secs)
        } else {
            Duration::MAX
        };
        delay.min(self.max_delay)
    }

    /// Whether to try again after `error` on attempt number `attempt` (1-based).
    pub fn should_retry(&self, error: &Error, attempt: u32) -> bool {
        error.is_retryable() && attempt <= self.retries
    }
}

/// How to try again after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Retry {
    /// After the policy's delay.
    Backoff,
    /// At once (a fresh URL for an expired one, a restart from byte 0).
    Now,
}

/// One use of the retry loop (an API call, an upload's PUT, a download's GET): what each
/// attempt does, and what differs between uses (what is retried, fresh URLs, resuming), as
/// inputs to [`run`]. A successful attempt keeps its result in the job, so that one copy of
/// the loop serves every use (the WebAssembly module has a size budget).
pub(crate) trait Attempts: MaybeSend {
    /// The method and URL that the final error names (the URL's query is never shown).
    fn request(&self) -> (&str, String);

    /// Runs before attempt `n` (from 1): signs afresh, replaces an expired URL, resets a sink.
    /// An error here ends the loop unchanged.
    fn prepare(&mut self, n: u32) -> BoxFuture<'_, Result<()>>;

    /// Attempt number `n`; on success, the job keeps what it got.
    fn attempt(&mut self, n: u32) -> BoxFuture<'_, Result<()>>;

    /// After attempt `n` failed with `error`: how to try again, or the error to give up with.
    /// The default is the policy's rule ([`by_policy`]).
    fn next(&mut self, error: Error, n: u32, policy: &RetryPolicy) -> Result<Retry, Error> {
        by_policy(error, n, policy)
    }
}

/// The policy's rule: network errors, timeouts and 5xx are retried after a delay while attempts
/// remain ([`RetryPolicy::should_retry`]); anything else is final.
pub(crate) fn by_policy(error: Error, n: u32, policy: &RetryPolicy) -> Result<Retry, Error> {
    if policy.should_retry(&error, n) {
        Ok(Retry::Backoff)
    } else {
        Err(error)
    }
}

/// The retry loop: runs `job`'s attempts until one succeeds or [`Attempts::next`] gives up,
/// sleeping `policy`'s delays (with `runtime`'s randomness) in between. The final error names
/// the request and the number of attempts ([`annotate`]).
pub(crate) async fn run(
    policy: &RetryPolicy,
    runtime: &dyn Runtime,
    job: &mut dyn Attempts,
) -> Result<()> {
    let mut n = 0u32;
    loop {
        n += 1;
        job.prepare(n).await?;
        let error = match job.attempt(n).await {
            Ok(()) => return Ok(()),
            Err(e) => e,
        };
        match job.next(error, n, policy) {
            Ok(Retry::Backoff) => runtime.sleep(policy.delay(n, runtime.random_unit())).await,
            Ok(Retry::Now) => {}
            Err(error) => {
                let (method, url) = job.request();
                return Err(annotate(error, method, &url, n));
            }
        }
    }
}

/// What a job's successful attempt kept (the loop ended with `Ok`, so there is one).
pub(crate) fn output<T>(kept: Option<T>) -> Result<T> {
    kept.ok_or_else(|| Error::decode("the retry loop ended without a result"))
}

/// The one way a failed request is described: its method, its URL without the query (which
/// may hold a bewit or a presigned signature) and the number of attempts made.
pub(crate) fn annotate(error: Error, method: &str, url: &str, attempts: u32) -> Error {
    error.with_request(method, url).with_attempts(attempts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedule_matches_the_node_client() {
        let p = RetryPolicy::default();
        let nominal: Vec<u128> = (1..=5).map(|a| p.delay(a, 0.5).as_millis()).collect();
        assert_eq!(nominal, [200, 400, 800, 1600, 3200]);
        assert_eq!(p.delay(1, 0.0).as_millis(), 150);
        assert_eq!(p.delay(1, 0.999_999).as_millis(), 249);
        assert_eq!(p.delay(20, 0.5), Duration::from_secs(30));
    }

    #[test]
    fn delays_saturate_instead_of_panicking() {
        let p = RetryPolicy {
            delay_factor: Duration::MAX,
            max_delay: Duration::MAX,
            ..RetryPolicy::default()
        };
        assert!(p.validate().is_ok());
        for attempt in [1, 2, 63, 64, 65, u32::MAX] {
            for unit in [0.0, 0.5, 0.999_999, 1.0] {
                assert_eq!(p.delay(attempt, unit), Duration::MAX);
            }
            for unit in [-1.0, f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
                let _ = p.delay(attempt, unit);
            }
        }
        // 2^0 · Duration::MAX · 0.75 is below the maximum, and still no panic.
        assert!(p.delay(0, 0.0) > Duration::from_secs(u64::MAX / 2));
        let capped = RetryPolicy {
            delay_factor: Duration::MAX,
            ..RetryPolicy::default()
        };
        assert_eq!(capped.delay(u32::MAX, 0.5), Duration::from_secs(30));
        let zero = RetryPolicy {
            delay_factor: Duration::ZERO,
            max_delay: Duration::MAX,
            ..RetryPolicy::default()
        };
        assert_eq!(zero.delay(64, 0.5), Duration::ZERO);
        // An invalid randomization factor or unit (validate rejects the factor) still gives a
        // delay, never a panic.
        for rf in [f64::NAN, -5.0, 5.0, f64::INFINITY, f64::NEG_INFINITY] {
            let bad = RetryPolicy {
                randomization_factor: rf,
                ..RetryPolicy::default()
            };
            for unit in [0.0, 0.9, -3.0, f64::NAN, f64::INFINITY] {
                assert!(bad.delay(3, unit) <= Duration::from_secs(30));
            }
        }
    }

    #[test]
    fn randomization_factor_bounds() {
        let mut p = RetryPolicy {
            randomization_factor: 1.0,
            ..RetryPolicy::default()
        };
        assert!(p
            .validate()
            .unwrap_err()
            .message()
            .contains("randomizationFactor"));
        p.randomization_factor = -0.1;
        assert!(p.validate().is_err());
        p.randomization_factor = 0.0;
        assert!(p.validate().is_ok());
    }
}
