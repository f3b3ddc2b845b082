//! Opt-in validation of call payloads against the method's JSON schema (the `validate` feature,
//! turned on per client with [`ClientBuilder::validate`](crate::ClientBuilder::validate)).
//!
//! The schemas are each method's input schema from references/schemas/ and the schemas they
//! refer to, embedded at build time (`generated/input_schemas.json`, written by
//! `cargo xtask codegen`). A method whose schema is not vendored is not validated.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use jsonschema::error::ValidationErrorKind;
use jsonschema::{Draft, Registry, Validator};
use serde_json::Value;

use crate::call::Call;
use crate::{Error, Result};

/// The base the embedded schemas get as `$id`, so that their relative `$ref`s resolve (never
/// fetched, never shown).
const BASE: &str = "https://schemas.taskcluster-wasm.invalid/";

struct Schemas {
    /// `"<service>/<method>"` → `"<service>/v1/<name>.json"`.
    methods: HashMap<String, String>,
    /// `"<service>/v1/<name>.json"` → the schema, with an absolute `$id`.
    docs: HashMap<String, Value>,
    registry: Registry<'static>,
    validators: Mutex<HashMap<String, Arc<Validator>>>,
}

fn schemas() -> &'static Schemas {
    static SCHEMAS: OnceLock<Schemas> = OnceLock::new();
    SCHEMAS.get_or_init(|| {
        let table: Value = serde_json::from_str(include_str!("generated/input_schemas.json"))
            .expect("the embedded schema table is JSON");
        let methods = table["methods"]
            .as_object()
            .into_iter()
            .flatten()
            .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
            .collect();
        let mut docs = HashMap::new();
        let mut builder = Registry::new().draft(Draft::Draft6);
        for (name, doc) in table["schemas"].as_object().into_iter().flatten() {
            let mut doc = doc.clone();
            if let Some(o) = doc.as_object_mut() {
                o.insert("$id".into(), Value::String(format!("{BASE}{name}#")));
            }
            builder = builder
                .add(
                    format!("{BASE}{name}"),
                    Draft::Draft6.create_resource(doc.clone()),
                )
                .expect("an embedded schema");
            docs.insert(name.clone(), doc);
        }
        let registry = builder.prepare().expect("the embedded schemas resolve");
        Schemas {
            methods,
            docs,
            registry,
            validators: Mutex::new(HashMap::new()),
        }
    })
}

fn validator(s: &'static Schemas, name: &str) -> Result<Arc<Validator>> {
    let mut cache = s.validators.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(v) = cache.get(name) {
        return Ok(v.clone());
    }
    let doc = s
        .docs
        .get(name)
        .ok_or_else(|| Error::invalid_input(format!("no embedded schema {name}")))?;
    let v = jsonschema::options()
        .with_draft(Draft::Draft6)
        .with_registry(&s.registry)
        .should_validate_formats(true)
        .build(doc)
        .map_err(|e| Error::invalid_input(format!("the schema {name} does not compile: {e}")))?;
    let v = Arc::new(v);
    cache.insert(name.to_string(), v.clone());
    Ok(v)
}

/// The input schema of a method (`"queue/v1/create-task-request.json"`), if one is embedded.
pub fn input_schema(service: &str, method: &str) -> Option<&'static str> {
    schemas()
        .methods
        .get(&format!("{service}/{method}"))
        .map(String::as_str)
}

/// Checks `call`'s payload against its method's input schema. The error names the schema and,
/// for each failure, the field (a JSON pointer into the payload) and the reason; it never
/// quotes the payload's values, which may be secret.
pub fn check(call: &Call<'_>) -> Result<()> {
    let Some(name) = input_schema(&call.service.name, &call.entry.name) else {
        return Ok(());
    };
    let method = &call.entry.name;
    let Some(payload) = &call.payload else {
        return Err(Error::invalid_input(format!(
            "{method} needs a payload matching {name}"
        )));
    };
    let value: Value = serde_json::from_slice(payload)
        .map_err(|e| Error::invalid_input(format!("the payload of {method} is not JSON: {e}")))?;
    let v = validator(schemas(), name)?;
    let mut lines: Vec<String> = v
        .iter_errors(&value)
        .map(|e| {
            let at = e.instance_path().as_str().to_string();
            match e.kind() {
                ValidationErrorKind::Required { property } => {
                    let p = property.as_str().unwrap_or_default();
                    format!("{at}/{p}: is required")
                }
                _ => {
                    let at = if at.is_empty() { "/".to_string() } else { at };
                    format!("{at}: {}", e.masked_with("the value"))
                }
            }
        })
        .collect();
    if lines.is_empty() {
        return Ok(());
    }
    lines.sort();
    lines.dedup();
    Err(Error::invalid_input(format!(
        "the {method} payload does not match {name}:\n  * {}",
        lines.join("\n  * ")
    )))
}
