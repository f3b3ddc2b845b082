//! The server clock ([`Clock`]): system, fixed or offset, shared by a server's requests
//! ([`ClockCell`]) and read through [`now_ms`] by whatever serves them, so that requests signed
//! at a known time can be replayed.

use crate::util::{iso, lock, parse_iso, system_now_ms};
use std::sync::Mutex;

/// The clock the server reads for everything time-dependent: Hawk timestamps and bewit
/// expiry, certificate and client validity, and the times it records and reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Clock {
    /// The system clock.
    #[default]
    System,
    /// Frozen at this instant (milliseconds since the Unix epoch).
    Fixed(i64),
    /// The system clock shifted by this many milliseconds (negative = in the past).
    Offset(i64),
}

impl Clock {
    /// The current time by this clock, in milliseconds since the Unix epoch.
    pub fn now_ms(&self) -> i64 {
        match *self {
            Clock::System => system_now_ms(),
            Clock::Fixed(t) => t,
            Clock::Offset(d) => system_now_ms().saturating_add(d),
        }
    }

    /// A fixed clock from an RFC 3339 date-time (`2026-01-01T00:00:00Z`) or an integer number
    /// of milliseconds since the Unix epoch.
    pub fn parse_fixed(s: &str) -> Result<Clock, String> {
        let t = s.trim();
        if let Ok(ms) = t.parse::<i64>() {
            return Ok(Clock::Fixed(ms));
        }
        parse_iso(t).map(Clock::Fixed).ok_or_else(|| {
            format!("clock {s:?} is neither an RFC 3339 date-time (e.g. 2026-01-01T00:00:00Z) nor milliseconds since the epoch")
        })
    }

    /// An offset clock from a signed duration: an integer with an optional unit `ms` (the
    /// default), `s`, `m`, `h` or `d`, e.g. `-90s`, `+15m`, `1500`.
    pub fn parse_offset(s: &str) -> Result<Clock, String> {
        let bad = || {
            format!("clock offset {s:?} is not a signed integer with an optional unit ms, s, m, h or d (e.g. -90s, +15m, 1500)")
        };
        let t = s.trim();
        let (num, unit) = match t.find(|c: char| c.is_ascii_alphabetic()) {
            Some(i) => (&t[..i], &t[i..]),
            None => (t, "ms"),
        };
        let mult: i64 = match unit {
            "ms" => 1,
            "s" => 1000,
            "m" => 60_000,
            "h" => 3_600_000,
            "d" => 86_400_000,
            _ => return Err(bad()),
        };
        let n: i64 = num.trim().parse().map_err(|_| bad())?;
        n.checked_mul(mult).map(Clock::Offset).ok_or_else(bad)
    }
}

/// A server's clock, shared by its requests and changeable while it runs.
#[derive(Debug, Default)]
pub(crate) struct ClockCell(Mutex<Clock>);

impl ClockCell {
    pub(crate) fn new(clock: Clock) -> Self {
        ClockCell(Mutex::new(clock))
    }
    pub(crate) fn get(&self) -> Clock {
        *lock(&self.0)
    }
    pub(crate) fn set(&self, clock: Clock) {
        *lock(&self.0) = clock;
    }
    pub(crate) fn now_ms(&self) -> i64 {
        self.get().now_ms()
    }
}

tokio::task_local! {
    /// The clock of the server whose request (or start-up) the current task is serving.
    static CLOCK: std::sync::Arc<ClockCell>;
}

/// Run `fut` with `clock` as the clock [`now_ms`] reads.
pub(crate) async fn with_clock<F: std::future::Future>(
    clock: std::sync::Arc<ClockCell>,
    fut: F,
) -> F::Output {
    CLOCK.scope(clock, fut).await
}

/// Milliseconds since the Unix epoch, by the clock of the server being served (fixed or
/// offset when configured), else the system clock.
pub(crate) fn now_ms() -> i64 {
    CLOCK
        .try_with(|c| c.now_ms())
        .unwrap_or_else(|_| system_now_ms())
}

/// The current time as an ISO string.
pub(crate) fn now_iso() -> String {
    iso(now_ms())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clocks() {
        assert_eq!(
            Clock::parse_fixed("2026-01-01T00:00:00Z").unwrap(),
            Clock::Fixed(1_767_225_600_000)
        );
        assert_eq!(
            Clock::parse_fixed("1767225645678").unwrap().now_ms(),
            1767225645678
        );
        assert!(Clock::parse_fixed("yesterday").is_err());
        assert_eq!(Clock::parse_offset("-90s").unwrap(), Clock::Offset(-90_000));
        assert_eq!(Clock::parse_offset("+15m").unwrap(), Clock::Offset(900_000));
        assert_eq!(Clock::parse_offset("1500").unwrap(), Clock::Offset(1500));
        assert_eq!(Clock::parse_offset("2h").unwrap(), Clock::Offset(7_200_000));
        assert!(Clock::parse_offset("5 weeks").is_err());
        assert!(Clock::parse_offset("s").is_err());
        let off = Clock::Offset(-3_600_000).now_ms() - system_now_ms();
        assert!((-3_600_100..=-3_599_900).contains(&off), "{off}");
    }
}
