//! Test support shared by the native and wasm test crates.
#![allow(dead_code, unreachable_pub)]

use std::borrow::Cow;

use serde_json::Value;
use taskcluster_wasm::{Entry, Service};

const REFERENCES: &[(&str, &str)] = &[
    ("auth", include_str!("../../references/auth/v1/api.json")),
    ("queue", include_str!("../../references/queue/v1/api.json")),
    (
        "secrets",
        include_str!("../../references/secrets/v1/api.json"),
    ),
    ("index", include_str!("../../references/index/v1/api.json")),
    (
        "object",
        include_str!("../../references/object/v1/api.json"),
    ),
];

/// The service and entry named `name` of the service `service` (by serviceName or class name),
/// from the checked-in references.
pub fn entry(service: &str, name: &str) -> (Service, Entry) {
    let svc = service.to_ascii_lowercase();
    let (_, text) = REFERENCES
        .iter()
        .find(|(s, _)| *s == svc)
        .unwrap_or_else(|| panic!("no reference for {service}"));
    let reference: Value = serde_json::from_str(text).unwrap();
    let e = reference["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == name)
        .unwrap_or_else(|| panic!("no entry {service}.{name}"));
    let names = |v: &Value| -> Cow<'static, [Cow<'static, str>]> {
        Cow::Owned(
            v.as_array()
                .map(|a| {
                    a.iter()
                        .map(|s| Cow::Owned(s.as_str().unwrap().to_string()))
                        .collect()
                })
                .unwrap_or_default(),
        )
    };
    (
        Service {
            name: Cow::Owned(reference["serviceName"].as_str().unwrap().to_string()),
            version: Cow::Owned(reference["apiVersion"].as_str().unwrap().to_string()),
        },
        Entry {
            name: Cow::Owned(name.to_string()),
            method: Cow::Owned(e["method"].as_str().unwrap().to_string()),
            route: Cow::Owned(e["route"].as_str().unwrap().to_string()),
            args: names(&e["args"]),
            query: names(&e["query"]),
            input: e.get("input").is_some(),
        },
    )
}

/// A JSON value as a URL argument, as the JS client stringifies it.
pub fn arg_string(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}
