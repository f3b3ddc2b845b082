//! Time expressions (`fromNow`) and ISO 8601 timestamps, without a date library.

use std::fmt;

use crate::platform::{Runtime, SystemRuntime};
use crate::{Error, Result};

/// The components of a time expression such as `"1 year 2 months 3 days -"`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TimeOffset {
    /// `true` for a leading `-`.
    pub negative: bool,
    /// Years (365 days each).
    pub years: u64,
    /// Months (30 days each).
    pub months: u64,
    /// Weeks.
    pub weeks: u64,
    /// Days.
    pub days: u64,
    /// Hours.
    pub hours: u64,
    /// Minutes.
    pub minutes: u64,
    /// Seconds.
    pub seconds: u64,
}

impl TimeOffset {
    /// The offset in milliseconds (negative for a leading `-`).
    pub fn as_millis(&self) -> Result<i64> {
        let days = self
            .days
            .checked_add(self.months.checked_mul(30).ok_or_else(overflow)?)
            .and_then(|d| d.checked_add(self.years.checked_mul(365)?))
            .ok_or_else(overflow)?;
        let secs = [
            (self.weeks, 7 * 86400),
            (days, 86400),
            (self.hours, 3600),
            (self.minutes, 60),
            (self.seconds, 1),
        ]
        .iter()
        .try_fold(0u64, |acc, (n, unit)| {
            acc.checked_add(n.checked_mul(*unit)?)
        })
        .ok_or_else(overflow)?;
        let ms =
            i64::try_from(secs.checked_mul(1000).ok_or_else(overflow)?).map_err(|_| overflow())?;
        Ok(if self.negative { -ms } else { ms })
    }
}

fn overflow() -> Error {
    Error::invalid_input("the time expression is too large")
}

const UNITS: [&[&str]; 7] = [
    &["y", "yr", "year", "years"],
    &["mo", "month", "months"],
    &["w", "wk", "week", "weeks"],
    &["d", "day", "days"],
    &["h", "hr", "hour", "hours"],
    &["m", "min", "minute", "minutes"],
    &["s", "sec", "second", "seconds"],
];

/// Parses a time expression: an optional sign, then optional `N unit` pairs in the order
/// years, months, weeks, days, hours, minutes, seconds. Units may be spelled `y yr year years`,
/// `mo month months`, `w wk week weeks`, `d day days`, `h hr hour hours`, `m min minute minutes`,
/// `s sec second seconds`, in any case; whitespace is allowed between tokens. An empty string
/// is a zero offset.
pub fn parse_time(expr: &str) -> Result<TimeOffset> {
    let bad = || Error::invalid_input(format!("String: '{expr}' isn't a time expression"));
    let lower = expr.to_ascii_lowercase();
    let mut rest = lower.trim_start();
    let mut out = TimeOffset::default();
    if let Some(r) = rest.strip_prefix('-') {
        out.negative = true;
        rest = r;
    } else if let Some(r) = rest.strip_prefix('+') {
        rest = r;
    }
    let mut next_unit = 0;
    loop {
        rest = rest.trim_start();
        if rest.is_empty() {
            return Ok(out);
        }
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return Err(bad());
        }
        let n: u64 = rest[..digits].parse().map_err(|_| overflow())?;
        rest = rest[digits..].trim_start();
        let letters = rest.bytes().take_while(u8::is_ascii_alphabetic).count();
        let word = &rest[..letters];
        rest = &rest[letters..];
        let unit = (next_unit..UNITS.len())
            .find(|&i| UNITS[i].contains(&word))
            .ok_or_else(bad)?;
        next_unit = unit + 1;
        let slot = match unit {
            0 => &mut out.years,
            1 => &mut out.months,
            2 => &mut out.weeks,
            3 => &mut out.days,
            4 => &mut out.hours,
            5 => &mut out.minutes,
            _ => &mut out.seconds,
        };
        *slot = n;
    }
}

/// A point in time with millisecond precision. `Display` gives the ISO 8601 form JavaScript's
/// `Date.prototype.toJSON` gives, such as `2017-01-19T16:27:20.974Z`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(i64);

/// JavaScript dates span ±8.64e15 ms around the epoch.
const MAX_JS_DATE_MS: i64 = 8_640_000_000_000_000;

impl Timestamp {
    /// A timestamp from milliseconds since the epoch.
    pub fn from_millis(ms: i64) -> Result<Timestamp> {
        // unsigned_abs: `i64::MIN.abs()` overflows (a panic in debug, a wrong Ok in release).
        if ms.unsigned_abs() > MAX_JS_DATE_MS as u64 {
            return Err(Error::invalid_input("the date is out of range"));
        }
        Ok(Timestamp(ms))
    }

    /// The current time of a runtime.
    pub fn now(runtime: &dyn Runtime) -> Timestamp {
        Timestamp(runtime.now_ms() as i64)
    }

    /// Milliseconds since the epoch.
    pub fn as_millis(&self) -> i64 {
        self.0
    }

    /// Parses the ISO 8601 form [`Display`](fmt::Display) writes (`YYYY-MM-DDTHH:MM:SS.sssZ`,
    /// fraction optional).
    pub fn parse(s: &str) -> Result<Timestamp> {
        let bad = || Error::invalid_input(format!("{s:?} is not an ISO 8601 UTC timestamp"));
        let b = s.as_bytes();
        if b.len() < 20
            || b[4] != b'-'
            || b[7] != b'-'
            || b[10] != b'T'
            || b[13] != b':'
            || b[16] != b':'
            || !s.ends_with('Z')
        {
            return Err(bad());
        }
        let num = |r: std::ops::Range<usize>| {
            s.get(r).and_then(|x| x.parse::<i64>().ok()).ok_or_else(bad)
        };
        let (y, mo, d, h, mi, sec) = (
            num(0..4)?,
            num(5..7)?,
            num(8..10)?,
            num(11..13)?,
            num(14..16)?,
            num(17..19)?,
        );
        let frac = &s[19..s.len() - 1];
        let ms = if frac.is_empty() {
            0
        } else {
            let digits = frac.strip_prefix('.').ok_or_else(bad)?;
            if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit()) {
                return Err(bad());
            }
            let padded = format!("{:0<3}", &digits[..digits.len().min(3)]);
            padded.parse::<i64>().map_err(|_| bad())?
        };
        if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || sec > 60 {
            return Err(bad());
        }
        Timestamp::from_millis(
            days_from_civil(y, mo, d) * 86_400_000 + h * 3_600_000 + mi * 60_000 + sec * 1000 + ms,
        )
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The proleptic Gregorian date of a day count since 1970-01-01.
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let days = self.0.div_euclid(86_400_000);
        let ms_of_day = self.0.rem_euclid(86_400_000);
        let (y, m, d) = civil_from_days(days);
        let (h, mi, s, ms) = (
            ms_of_day / 3_600_000,
            ms_of_day / 60_000 % 60,
            ms_of_day / 1000 % 60,
            ms_of_day % 1000,
        );
        if (0..=9999).contains(&y) {
            write!(f, "{y:04}")?;
        } else {
            // JavaScript's expanded years: a sign and six digits.
            write!(f, "{}{:06}", if y < 0 { '-' } else { '+' }, y.abs())?;
        }
        write!(f, "-{m:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{ms:03}Z")
    }
}

/// The time `expr` from `reference` (milliseconds since the epoch), or from now.
pub fn from_now_at(expr: &str, reference: Option<Timestamp>) -> Result<Timestamp> {
    let base = reference.unwrap_or_else(|| Timestamp::now(&SystemRuntime));
    let offset = parse_time(expr)?.as_millis()?;
    Timestamp::from_millis(base.0.checked_add(offset).ok_or_else(overflow)?)
}

/// The time `expr` from now, e.g. `from_now("2 hours")`, `from_now("-1 day")`.
pub fn from_now(expr: &str) -> Result<Timestamp> {
    from_now_at(expr, None)
}

/// [`from_now`] as an ISO 8601 string, ready for a JSON payload.
pub fn from_now_json(expr: &str) -> Result<String> {
    from_now(expr).map(|t| t.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vectors_from_the_official_suites() {
        let reference = Timestamp::parse("2017-01-19T16:27:20.974Z").unwrap();
        let cases = [
            ("1 hour", "2017-01-19T17:27:20.974Z"),
            ("1 hours", "2017-01-19T17:27:20.974Z"),
            ("3h", "2017-01-19T19:27:20.974Z"),
            ("-1 hour", "2017-01-19T15:27:20.974Z"),
            ("1 m", "2017-01-19T16:28:20.974Z"),
            ("1m", "2017-01-19T16:28:20.974Z"),
            ("12 min", "2017-01-19T16:39:20.974Z"),
            ("12min", "2017-01-19T16:39:20.974Z"),
            ("11m", "2017-01-19T16:38:20.974Z"),
            ("11 m", "2017-01-19T16:38:20.974Z"),
            ("1 day", "2017-01-20T16:27:20.974Z"),
            ("2 days", "2017-01-21T16:27:20.974Z"),
            ("1 second", "2017-01-19T16:27:21.974Z"),
            ("1 week", "2017-01-26T16:27:20.974Z"),
            ("1 month", "2017-02-18T16:27:20.974Z"),
            ("30 mo", "2019-07-08T16:27:20.974Z"),
            ("-30 mo", "2014-08-03T16:27:20.974Z"),
            ("1 year", "2018-01-19T16:27:20.974Z"),
            ("", "2017-01-19T16:27:20.974Z"),
            ("  - 1 Day 2 HOURS ", "2017-01-18T14:27:20.974Z"),
        ];
        for (expr, want) in cases {
            assert_eq!(
                from_now_at(expr, Some(reference)).unwrap().to_string(),
                want,
                "{expr:?}"
            );
        }
    }

    #[test]
    fn parse_time_components() {
        let t = parse_time("1yr2mo3w4d5h6min7s").unwrap();
        assert_eq!(
            t,
            TimeOffset {
                negative: false,
                years: 1,
                months: 2,
                weeks: 3,
                days: 4,
                hours: 5,
                minutes: 6,
                seconds: 7
            }
        );
        assert_eq!(parse_time("2 years 55mo").unwrap().months, 55);
    }

    #[test]
    fn rejects_bad_expressions() {
        for bad in [
            "1 hour 2 days",
            "3 mins",
            "1 secs",
            "abc",
            "1",
            "1 d 2",
            "--1d",
            "1 hrs",
            "1 ms",
            "5 fortnights",
        ] {
            let e = parse_time(bad).unwrap_err();
            assert!(e.message().contains(bad), "{bad:?}: {e}");
        }
    }

    #[test]
    fn iso_round_trip_and_extremes() {
        for ms in [
            0,
            1,
            -1,
            951_782_400_000,
            253_402_300_799_999,
            -62_135_596_800_000,
        ] {
            let t = Timestamp::from_millis(ms).unwrap();
            assert_eq!(Timestamp::parse(&t.to_string()).unwrap(), t, "{t}");
        }
        assert_eq!(
            Timestamp::from_millis(0).unwrap().to_string(),
            "1970-01-01T00:00:00.000Z"
        );
        assert_eq!(
            Timestamp::from_millis(-1).unwrap().to_string(),
            "1969-12-31T23:59:59.999Z"
        );
        assert_eq!(
            Timestamp::from_millis(8_640_000_000_000_000)
                .unwrap()
                .to_string(),
            "+275760-09-13T00:00:00.000Z"
        );
        assert!(from_now_at("1000000 years", Some(Timestamp(0))).is_err());
    }
}
