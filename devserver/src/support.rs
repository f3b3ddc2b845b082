//! Test support: the server clock ([`Clock`]) and clients configured up front ([`ClientSeed`]),
//! so that requests signed at a known time with known credentials can be replayed.

use serde_json::Value;
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
            Clock::System => crate::util::system_now_ms(),
            Clock::Fixed(t) => t,
            Clock::Offset(d) => crate::util::system_now_ms().saturating_add(d),
        }
    }

    /// A fixed clock from an RFC 3339 date-time (`2026-01-01T00:00:00Z`) or an integer number
    /// of milliseconds since the Unix epoch.
    pub fn parse_fixed(s: &str) -> Result<Clock, String> {
        let t = s.trim();
        if let Ok(ms) = t.parse::<i64>() {
            return Ok(Clock::Fixed(ms));
        }
        crate::util::parse_iso(t).map(Clock::Fixed).ok_or_else(|| {
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
        *crate::state::lock(&self.0)
    }
    pub(crate) fn set(&self, clock: Clock) {
        *crate::state::lock(&self.0) = clock;
    }
    pub(crate) fn now_ms(&self) -> i64 {
        self.get().now_ms()
    }
}

/// A permanent client the server knows: its credentials, scopes (role-expanded by the server
/// on use) and validity.
#[derive(Clone, PartialEq, Eq)]
pub struct ClientSeed {
    /// clientId (`^[A-Za-z0-9!@/:.+|_-]+$`).
    pub client_id: String,
    /// accessToken (the Hawk key, used as given).
    pub access_token: String,
    /// Scopes of the client (unexpanded).
    pub scopes: Vec<String>,
    /// When the client expires, in milliseconds since the Unix epoch; `None` = far future.
    pub expires_ms: Option<i64>,
    /// A disabled client cannot authenticate.
    pub disabled: bool,
    /// Description shown by the auth service.
    pub description: String,
}

impl std::fmt::Debug for ClientSeed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientSeed")
            .field("client_id", &self.client_id)
            .field("access_token", &"<redacted>")
            .field("scopes", &self.scopes)
            .field("expires_ms", &self.expires_ms)
            .field("disabled", &self.disabled)
            .field("description", &self.description)
            .finish()
    }
}

fn valid_client_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!@/:.+|_-".contains(&b))
}

impl ClientSeed {
    /// An enabled client that never expires.
    pub fn new(client_id: &str, access_token: &str, scopes: &[&str]) -> ClientSeed {
        ClientSeed {
            client_id: client_id.to_string(),
            access_token: access_token.to_string(),
            scopes: scopes.iter().map(|s| s.to_string()).collect(),
            expires_ms: None,
            disabled: false,
            description: String::new(),
        }
    }

    /// Check the fields; the error names the client and what is wrong.
    pub fn validate(&self) -> Result<(), String> {
        if !valid_client_id(&self.client_id) {
            return Err(format!(
                "client {:?}: clientId must match ^[A-Za-z0-9!@/:.+|_-]+$",
                self.client_id
            ));
        }
        if self.access_token.is_empty() {
            return Err(format!(
                "client {:?}: accessToken must not be empty",
                self.client_id
            ));
        }
        if let Some(bad) = self.scopes.iter().find(|s| !crate::scopes::valid_scope(s)) {
            return Err(format!(
                "client {:?}: scope {bad:?} is not printable ASCII",
                self.client_id
            ));
        }
        Ok(())
    }

    /// Clients from JSON, in any of these forms:
    ///
    /// * a map `{"<clientId>": {"accessToken", "scopes"?, "expires"?, "disabled"?,
    ///   "description"?}}` (the `clients` table of the shared Hawk vectors);
    /// * an array `[{"clientId", "accessToken", ...}]`;
    /// * an object with either of those under `"clients"` (e.g. the whole vector file).
    ///
    /// `expires` is an RFC 3339 date-time or milliseconds since the epoch.
    pub fn parse_json(text: &str) -> Result<Vec<ClientSeed>, String> {
        let v: Value =
            serde_json::from_str(text).map_err(|e| format!("clients: not valid JSON: {e}"))?;
        let v = match v.get("clients") {
            Some(inner)
                if (inner.is_object() || inner.is_array())
                    && inner.get("accessToken").is_none() =>
            {
                inner.clone()
            }
            _ => v,
        };
        let mut out = Vec::new();
        match &v {
            Value::Object(map) => {
                for (id, c) in map {
                    out.push(seed_from(id, c, &format!("clients[{id:?}]"))?);
                }
            }
            Value::Array(list) => {
                for (i, c) in list.iter().enumerate() {
                    let at = format!("clients[{i}]");
                    let id = c
                        .get("clientId")
                        .and_then(Value::as_str)
                        .ok_or_else(|| format!("{at}: clientId must be a string"))?;
                    out.push(seed_from(id, c, &at)?);
                }
            }
            _ => {
                return Err(
                    "clients: expected an object (clientId -> client) or an array of clients"
                        .into(),
                )
            }
        }
        Ok(out)
    }
}

fn seed_from(id: &str, c: &Value, at: &str) -> Result<ClientSeed, String> {
    if !c.is_object() {
        return Err(format!("{at}: must be an object"));
    }
    let access_token = c
        .get("accessToken")
        .and_then(Value::as_str)
        .ok_or_else(|| format!("{at}: accessToken must be a string"))?;
    let scopes = match c.get("scopes") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(a)) => a
            .iter()
            .map(|s| s.as_str().map(str::to_string))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| format!("{at}: scopes must be an array of strings"))?,
        Some(_) => return Err(format!("{at}: scopes must be an array of strings")),
    };
    let expires_ms = match c.get("expires") {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) => Some(
            n.as_i64()
                .ok_or_else(|| format!("{at}: expires must be an integer of milliseconds"))?,
        ),
        Some(Value::String(s)) => Some(
            crate::util::parse_iso(s)
                .ok_or_else(|| format!("{at}: expires {s:?} is not an RFC 3339 date-time"))?,
        ),
        Some(_) => {
            return Err(format!(
                "{at}: expires must be an RFC 3339 date-time or milliseconds"
            ))
        }
    };
    let disabled = match c.get("disabled") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err(format!("{at}: disabled must be a boolean")),
    };
    let description = match c.get("description") {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(_) => return Err(format!("{at}: description must be a string")),
    };
    let seed = ClientSeed {
        client_id: id.to_string(),
        access_token: access_token.to_string(),
        scopes,
        expires_ms,
        disabled,
        description,
    };
    seed.validate()?;
    Ok(seed)
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
        let off = Clock::Offset(-3_600_000).now_ms() - crate::util::system_now_ms();
        assert!((-3_600_100..=-3_599_900).contains(&off), "{off}");
    }

    #[test]
    fn clients_json() {
        let map = r#"{"a/b": {"accessToken": "tok", "scopes": ["x:*"], "expires": "2026-04-01T00:00:45.678Z"}}"#;
        let c = ClientSeed::parse_json(map).unwrap();
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].client_id, "a/b");
        assert_eq!(c[0].expires_ms, Some(1_775_001_645_678));
        let wrapped = format!(r#"{{"meta": {{}}, "clients": {map}}}"#);
        assert_eq!(ClientSeed::parse_json(&wrapped).unwrap(), c);
        let list = r#"[{"clientId": "a/b", "accessToken": "tok", "scopes": ["x:*"], "expires": 1775001645678}]"#;
        assert_eq!(ClientSeed::parse_json(list).unwrap(), c);
        let e = ClientSeed::parse_json(r#"[{"clientId": "a b", "accessToken": "t"}]"#);
        assert!(e.unwrap_err().contains("clientId must match"));
        let e = ClientSeed::parse_json(r#"{"x": {"scopes": []}}"#).unwrap_err();
        assert_eq!(e, "clients[\"x\"]: accessToken must be a string");
        let dbg = format!("{:?}", c[0]);
        assert!(!dbg.contains("tok\""), "{dbg}");
    }
}
