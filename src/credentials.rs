//! Credentials: permanent and temporary, with certificates.

use std::fmt;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Deserializer, Serialize};

use crate::auth::hawk::{hmac_b64, hmac_raw};
use crate::platform::Runtime;
use crate::{Error, Result};

/// The longest span a temporary credential may have: 31 days, in milliseconds.
pub const MAX_TEMPORARY_SPAN_MS: u64 = 31 * 24 * 3600 * 1000;

/// Taskcluster credentials: a client ID, an access token and, for temporary credentials, a
/// certificate.
///
/// `Debug` never shows the access token.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    client_id: String,
    access_token: String,
    certificate: Option<Certificate>,
}

/// A temporary credential's certificate, kept as compact JSON (the bytes that go into `ext`)
/// together with its parsed fields.
#[derive(Clone, PartialEq, Eq)]
pub struct Certificate {
    json: String,
    fields: CertificateFields,
}

/// The fields of a certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificateFields {
    /// Always 1.
    pub version: u32,
    /// The scopes the temporary credential holds.
    pub scopes: Vec<String>,
    /// Start of validity, milliseconds since the epoch.
    pub start: u64,
    /// End of validity, milliseconds since the epoch.
    pub expiry: u64,
    /// 44 random characters.
    pub seed: String,
    /// The issuer's signature.
    pub signature: String,
    /// The issuing client, for named temporary credentials.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
}

impl Certificate {
    /// Parses and checks a certificate given as JSON text.
    pub fn parse(json: &str) -> Result<Certificate> {
        // Parsed by hand from a Value: a derived Deserialize would pull serde's typed-error
        // formatting (with float printing) into the WebAssembly module.
        let bad = |what: &str| {
            Error::invalid_input(format!(
                "the certificate is not valid certificate JSON: {what}"
            ))
        };
        // `from_slice`, as everywhere else in the crate: one JSON parser in the module.
        let v: serde_json::Value =
            serde_json::from_slice(json.as_bytes()).map_err(|e| bad(&e.to_string()))?;
        let text = |k: &str| v.get(k).and_then(|x| x.as_str()).map(str::to_owned);
        let int = |k: &str| {
            v.get(k)
                .and_then(|x| x.as_u64())
                .ok_or_else(|| bad(&format!("{k} must be a whole number")))
        };
        let fields = CertificateFields {
            version: int("version")? as u32,
            scopes: v
                .get("scopes")
                .and_then(|x| x.as_array())
                .ok_or_else(|| bad("scopes must be an array"))?
                .iter()
                .map(|s| {
                    s.as_str()
                        .map(str::to_owned)
                        .ok_or_else(|| bad("scopes must be strings"))
                })
                .collect::<Result<Vec<_>>>()?,
            start: int("start")?,
            expiry: int("expiry")?,
            seed: text("seed").ok_or_else(|| bad("seed must be a string"))?,
            signature: text("signature").ok_or_else(|| bad("signature must be a string"))?,
            issuer: text("issuer"),
        };
        if fields.version != 1 {
            return Err(Error::invalid_input(format!(
                "the certificate has version {}; only version 1 exists",
                fields.version
            )));
        }
        if fields.expiry.saturating_sub(fields.start) > MAX_TEMPORARY_SPAN_MS {
            return Err(Error::invalid_input(
                "the certificate spans more than 31 days, which the server refuses",
            ));
        }
        Ok(Certificate {
            json: compact_json(json),
            fields,
        })
    }

    /// The certificate as compact JSON, keys in their original order.
    pub fn as_json(&self) -> &str {
        &self.json
    }

    /// The parsed fields.
    pub fn fields(&self) -> &CertificateFields {
        &self.fields
    }
}

impl fmt::Debug for Certificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Certificate")
            .field("scopes", &self.fields.scopes)
            .field("start", &self.fields.start)
            .field("expiry", &self.fields.expiry)
            .field("issuer", &self.fields.issuer)
            .finish_non_exhaustive()
    }
}

/// Removes insignificant whitespace from valid JSON, as `JSON.stringify(JSON.parse(s))` would.
fn compact_json(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    let mut in_string = false;
    let mut escaped = false;
    for c in json.chars() {
        if in_string {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
        } else if c == '"' {
            in_string = true;
            out.push(c);
        } else if !c.is_whitespace() {
            out.push(c);
        }
    }
    out
}

impl Credentials {
    /// Permanent credentials.
    pub fn new(client_id: impl Into<String>, access_token: impl Into<String>) -> Credentials {
        Credentials {
            client_id: client_id.into(),
            access_token: access_token.into(),
            certificate: None,
        }
    }

    /// Adds a certificate (JSON text), making these temporary credentials.
    pub fn with_certificate(mut self, certificate: &str) -> Result<Credentials> {
        self.certificate = Some(Certificate::parse(certificate)?);
        Ok(self)
    }

    /// Credentials from `TASKCLUSTER_CLIENT_ID`, `TASKCLUSTER_ACCESS_TOKEN` and, optionally,
    /// `TASKCLUSTER_CERTIFICATE`. `None` unless both the ID and the token are set.
    pub fn from_env() -> Result<Option<Credentials>> {
        let env = crate::util::env::EnvVars::read();
        match (env.client_id, env.access_token) {
            (Some(id), Some(token)) => {
                let c = Credentials::new(id, token);
                match env.certificate {
                    Some(cert) => c.with_certificate(&cert).map(Some),
                    None => Ok(Some(c)),
                }
            }
            _ => Ok(None),
        }
    }

    /// The client ID.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The access token. Handle with care: this is the secret.
    pub fn access_token(&self) -> &str {
        &self.access_token
    }

    /// The certificate, for temporary credentials.
    pub fn certificate(&self) -> Option<&Certificate> {
        self.certificate.as_ref()
    }

    /// Checks the credentials are usable for signing.
    pub(crate) fn check(&self) -> Result<()> {
        if self.client_id.is_empty() {
            return Err(Error::invalid_input("credentials.clientId is empty"));
        }
        if self.access_token.is_empty() {
            return Err(Error::invalid_input("credentials.accessToken is empty"));
        }
        if let Some(bad) = self
            .client_id
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || "!@/:.+|_-".contains(*c)))
        {
            return Err(Error::invalid_input(format!(
                "credentials.clientId {:?} contains {bad:?}; client IDs may only contain A-Z a-z 0-9 and !@/:.+|_-",
                self.client_id
            )));
        }
        Ok(())
    }

    /// Creates temporary credentials issued by these (permanent) credentials.
    ///
    /// The certificate is signed exactly as the server checks it, including with no scopes at
    /// all (where the official JS clients produce a signature the server rejects).
    pub fn create_temporary(
        &self,
        options: &TemporaryOptions,
        runtime: &dyn Runtime,
    ) -> Result<Credentials> {
        let seed = format!(
            "{}{}",
            crate::util::slugid::v4_with(runtime),
            crate::util::slugid::v4_with(runtime)
        );
        let start = options.start.unwrap_or_else(|| runtime.now_ms());
        self.create_temporary_with_seed(options, start, &seed)
    }

    /// [`create_temporary`](Self::create_temporary) with a given start and seed (deterministic;
    /// for tests and vectors).
    pub fn create_temporary_with_seed(
        &self,
        options: &TemporaryOptions,
        start: u64,
        seed: &str,
    ) -> Result<Credentials> {
        self.check()?;
        if self.certificate.is_some() {
            return Err(Error::invalid_input(
                "temporary credentials cannot be used to make new temporary credentials; use permanent credentials",
            ));
        }
        if options.expiry <= start {
            return Err(Error::invalid_input(
                "the temporary credentials' expiry must be after their start",
            ));
        }
        if options.expiry - start > MAX_TEMPORARY_SPAN_MS {
            return Err(Error::invalid_input(
                "temporary credentials cannot span more than 31 days",
            ));
        }
        if seed.len() != 44 {
            return Err(Error::invalid_input(
                "a certificate seed must be 44 characters",
            ));
        }
        crate::auth::check_scopes("temporary credentials", &options.scopes)?;
        if let Some(name) = &options.client_id {
            if name.is_empty() {
                return Err(Error::invalid_input(
                    "the temporary credentials' clientId is empty",
                ));
            }
            if name == &self.client_id {
                return Err(Error::invalid_input(
                    "credential issuer must be different from the name",
                ));
            }
        }
        let mut lines = vec!["version:1".to_string()];
        if let Some(name) = &options.client_id {
            lines.push(format!("clientId:{name}"));
            lines.push(format!("issuer:{}", self.client_id));
        }
        lines.push(format!("seed:{seed}"));
        lines.push(format!("start:{start}"));
        lines.push(format!("expiry:{}", options.expiry));
        lines.push("scopes:".to_string());
        lines.extend(options.scopes.iter().cloned());
        let signature = hmac_b64(&self.access_token, lines.join("\n").as_bytes());
        let access_token = crate::auth::hawk::b64(
            &URL_SAFE_NO_PAD,
            &hmac_raw(&self.access_token, seed.as_bytes()),
        );
        let fields = CertificateFields {
            version: 1,
            scopes: options.scopes.clone(),
            start,
            expiry: options.expiry,
            seed: seed.to_string(),
            signature,
            issuer: options.client_id.as_ref().map(|_| self.client_id.clone()),
        };
        let json = serde_json::to_string(&fields).expect("certificate serializes");
        Ok(Credentials {
            client_id: options
                .client_id
                .clone()
                .unwrap_or_else(|| self.client_id.clone()),
            access_token,
            certificate: Some(Certificate { json, fields }),
        })
    }
}

/// Options for [`Credentials::create_temporary`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TemporaryOptions {
    /// Start of validity in milliseconds since the epoch; default now.
    pub start: Option<u64>,
    /// End of validity in milliseconds since the epoch (at most 31 days after the start).
    pub expiry: u64,
    /// The scopes; the issuer must hold them all.
    pub scopes: Vec<String>,
    /// A name, for named temporary credentials (the issuer needs `auth:create-client:<name>`).
    pub client_id: Option<String>,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("client_id", &self.client_id)
            .field("access_token", &"<redacted>")
            .field("certificate", &self.certificate)
            .finish()
    }
}

/// Serializes as `{clientId, accessToken, certificate?}` with the certificate as a JSON string,
/// the form the Node client and `TASKCLUSTER_CERTIFICATE` use.
impl Serialize for Credentials {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Credentials", 3)?;
        st.serialize_field("clientId", &self.client_id)?;
        st.serialize_field("accessToken", &self.access_token)?;
        if let Some(c) = &self.certificate {
            st.serialize_field("certificate", c.as_json())?;
        }
        st.end()
    }
}

/// Deserializes `{clientId, accessToken, certificate?}`, where the certificate may be a JSON
/// string or an object.
impl<'de> Deserialize<'de> for Credentials {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Raw {
            client_id: String,
            access_token: String,
            #[serde(default)]
            certificate: Option<serde_json::Value>,
        }
        let raw = Raw::deserialize(d)?;
        let creds = Credentials::new(raw.client_id, raw.access_token);
        match raw.certificate {
            None | Some(serde_json::Value::Null) => Ok(creds),
            Some(serde_json::Value::String(s)) => {
                creds.with_certificate(&s).map_err(serde::de::Error::custom)
            }
            Some(v @ serde_json::Value::Object(_)) => creds
                .with_certificate(&serde_json::to_string(&v).unwrap_or_default())
                .map_err(serde::de::Error::custom),
            Some(_) => Err(serde::de::Error::custom(
                "certificate must be a JSON string or an object",
            )),
        }
    }
}
