//! Services described by a live deployment's `/references/`, including methods newer than the
//! references this crate was generated from.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde_json::Value;

use crate::call::{Call, Entry, Service};
use crate::events::{Exchange, RoutingKeyElement};
use crate::{Client, Error, Result};

/// One service (API or exchanges) found on a deployment.
#[derive(Debug, Clone)]
pub struct DiscoveredService {
    /// The class name the JS client would give it (`Queue`, `QueueEvents`).
    pub class_name: String,
    /// Name and version.
    pub service: Service,
    /// API methods (empty for exchanges references).
    pub entries: Vec<Entry>,
    /// The exchange prefix, for exchanges references.
    pub exchange_prefix: Option<String>,
    /// Exchanges (empty for API references).
    pub exchanges: Vec<Exchange>,
}

impl DiscoveredService {
    /// The method called `name`.
    pub fn entry(&self, name: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.name == name)
    }

    /// A call of the method `name`, to add arguments to and pass to [`Client::call`].
    pub fn call(&self, name: &str) -> Result<Call<'_>> {
        let entry = self.entry(name).ok_or_else(|| {
            Error::invalid_input(format!("{} has no method {name}", self.class_name))
        })?;
        Ok(Call::new(&self.service, entry))
    }
}

fn strings(v: &Value) -> Vec<Cow<'static, str>> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str())
                .map(|s| Cow::Owned(s.to_owned()))
                .collect()
        })
        .unwrap_or_default()
}

fn text(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_owned)
}

/// Parses one API or exchanges reference (`None` for other documents: logs, metrics, …).
pub fn parse_reference(reference: &Value) -> Option<DiscoveredService> {
    let name = text(reference, "serviceName")?;
    let schema = text(reference, "$schema").unwrap_or_default();
    let prefix = text(reference, "exchangePrefix");
    let is_exchanges = prefix.is_some() || schema.contains("exchanges-reference");
    let entries = reference.get("entries")?.as_array()?;
    let is_api = !is_exchanges
        && (schema.contains("api-reference") || entries.iter().any(|e| e["type"] == "function"));
    if !is_api && !is_exchanges {
        return None;
    }
    let mut class_name: String = name
        .split('-')
        .map(|p| {
            p.chars()
                .take(1)
                .flat_map(char::to_uppercase)
                .chain(p.chars().skip(1))
                .collect::<String>()
        })
        .collect();
    if is_exchanges {
        class_name.push_str("Events");
    }
    let service = Service {
        name: name.into(),
        version: text(reference, "apiVersion")
            .unwrap_or_else(|| "v1".into())
            .into(),
    };
    let mut out = DiscoveredService {
        class_name,
        service,
        entries: Vec::new(),
        exchange_prefix: prefix,
        exchanges: Vec::new(),
    };
    for e in entries {
        if is_exchanges {
            let routing_key = e["routingKey"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|k| RoutingKeyElement {
                    name: text(k, "name").unwrap_or_default().into(),
                    multiple_words: k["multipleWords"].as_bool().unwrap_or(false),
                    required: k["required"].as_bool().unwrap_or(false),
                    constant: text(k, "constant").map(Cow::Owned),
                })
                .collect::<Vec<_>>();
            out.exchanges.push(Exchange {
                name: text(e, "name").unwrap_or_default().into(),
                exchange: text(e, "exchange").unwrap_or_default().into(),
                routing_key: Cow::Owned(routing_key),
            });
        } else if let (Some(name), Some(method), Some(route)) =
            (text(e, "name"), text(e, "method"), text(e, "route"))
        {
            out.entries.push(Entry {
                name: name.into(),
                method: method.into(),
                route: route.into(),
                args: Cow::Owned(strings(&e["args"])),
                query: Cow::Owned(strings(&e["query"])),
                input: e.get("input").is_some(),
            });
        }
    }
    Some(out)
}

/// Everything a deployment's `/references/manifest.json` lists, keyed by class name.
pub async fn discover(client: &Client) -> Result<BTreeMap<String, DiscoveredService>> {
    let root = client.root_url();
    let get = |path: String| async move {
        client
            .request_url("GET", &format!("{root}{path}"), None)
            .await?
            .json::<Value>()
    };
    let manifest = get("/references/manifest.json".into()).await?;
    let mut out = BTreeMap::new();
    for path in manifest["references"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
    {
        // A path, or (as real deployments write them) an absolute URL under the root URL;
        // never another host, since these requests carry the client's credentials.
        let path = match path.strip_prefix(root) {
            Some(rest) if rest.starts_with('/') => rest,
            _ if path.starts_with('/') => path,
            _ => {
                return Err(Error::decode(format!(
                    "the manifest lists {path:?}, which is neither a path nor a URL under {root}"
                )))
            }
        };
        let reference = get(path.to_owned()).await?;
        if let Some(s) = parse_reference(&reference) {
            out.insert(s.class_name.clone(), s);
        }
    }
    Ok(out)
}
