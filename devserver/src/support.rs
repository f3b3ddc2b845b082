//! Test support: clients configured up front ([`ClientSeed`]), so that requests signed with
//! known credentials can be replayed.

use serde_json::Value;

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
