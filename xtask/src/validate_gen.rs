//! The table behind the crate's opt-in payload validation (the `validate` feature): every
//! method's input schema and the schemas those refer to, from references/schemas/, written to
//! `src/generated/input_schemas.json` (embedded by `src/validate.rs` only under the feature).

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::schemas::Schemas;

/// `refs` are `(service, reference JSON)` of the API references (not exchanges).
pub fn input_schemas(refs: &[(&str, &Value)], schemas: &Schemas) -> String {
    let mut methods = BTreeMap::new();
    let mut todo = Vec::new();
    for (service, json) in refs {
        for e in json["entries"].as_array().into_iter().flatten() {
            let (Some(name), Some(input)) = (e["name"].as_str(), e["input"].as_str()) else {
                continue;
            };
            let file = format!("{service}/{}", input.split('#').next().unwrap_or_default());
            if schemas.files.contains_key(&format!("schemas/{file}")) {
                methods.insert(format!("{service}/{name}"), Value::String(file.clone()));
                todo.push(file);
            }
        }
    }
    let mut docs = BTreeMap::new();
    while let Some(file) = todo.pop() {
        if docs.contains_key(&file) {
            continue;
        }
        let Some(doc) = schemas.files.get(&format!("schemas/{file}")) else {
            continue;
        };
        let dir = &file[..file.rfind('/').map_or(0, |i| i + 1)];
        let mut refs = Vec::new();
        let doc = thin(doc, &mut refs);
        for r in refs {
            let target = r.split('#').next().unwrap_or_default();
            if !target.is_empty() {
                todo.push(format!("{dir}{}", target.trim_start_matches("./")));
            }
        }
        docs.insert(file, doc);
    }
    let mut out = Map::new();
    out.insert(
        "methods".into(),
        Value::Object(methods.into_iter().collect()),
    );
    out.insert("schemas".into(), Value::Object(docs.into_iter().collect()));
    let mut s = serde_json::to_string(&Value::Object(out)).expect("JSON");
    s.push('\n');
    s
}

/// The schema without what validation does not read (`description` texts and `$schema`),
/// collecting its `$ref`s.
fn thin(v: &Value, refs: &mut Vec<String>) -> Value {
    match v {
        Value::Object(o) => Value::Object(
            o.iter()
                .filter(|(k, v)| {
                    !(k.as_str() == "$schema" || (k.as_str() == "description" && v.is_string()))
                })
                .map(|(k, v)| {
                    if let ("$ref", Value::String(r)) = (k.as_str(), v) {
                        refs.push(r.clone());
                    }
                    (k.clone(), thin(v, refs))
                })
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(|x| thin(x, refs)).collect()),
        other => other.clone(),
    }
}
