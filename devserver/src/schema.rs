//! JSON-schema validation of payloads and replies, reported as Taskcluster v106 reports it.
//!
//! The schemas are the vendored `references/schemas/` (embedded at build time); the method → schema
//! map is each service's `references/<service>/v1/api.json`. Validation is done by the
//! `jsonschema` crate (draft 6, which the services' metaschema extends); what it finds is then
//! written the way v106 writes it: `libraries/validate` runs ajv v8 with `allErrors` and lists
//! `ajv.errorsText(errors, {separator: "\n  * "})` under the schema's URL, each line being
//! `data<instancePath> <message>` in ajv's English, with `: "<name>"` after an additional
//! property. ajv's order is kept: per schema, its untyped keywords (`$ref`, `const`, `enum`,
//! `anyOf`, `oneOf`) first, then the keywords of the value's type in ajv's rule order, the
//! properties in the order of the schema's source (`schema_order.json`, read from the v106 YAML,
//! since the vendored files have their keys sorted), array items in index order, and an
//! `anyOf`/`oneOf` failure after the errors of each of its branches.

use crate::errors::TcError;
use jsonschema::error::{TypeKind, ValidationErrorKind};
use jsonschema::{Draft, Registry, ValidationError, Validator};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/references.rs"));
}

/// The base the schemas get as `$id` inside the validator (never shown: messages use the
/// deployment's root URL, as the real services do).
const BASE: &str = "https://tc-devserver.invalid/schemas/";

/// Every schema, the source order of their properties, and each method's schemas.
struct Schemas {
    /// `"<service>/v1/<name>.json"` → the schema, with an absolute `$id` and no `$schema`.
    docs: HashMap<String, Value>,
    /// `"<service>/v1/<name>.json"` → JSON pointer of a schema node → its properties in order.
    order: HashMap<String, HashMap<String, Vec<String>>>,
    /// `(service, method name)` → (input schema, output schema), as `"<service>/v1/<name>.json"`.
    methods: HashMap<(String, String), (Option<String>, Option<String>)>,
    registry: Registry<'static>,
    validators: Mutex<HashMap<String, Arc<Validator>>>,
}

/// `"v1/secret.json#"` of `service` → `"secrets/v1/secret.json"`.
fn schema_name(service: &str, rel: &str) -> String {
    format!("{service}/{}", rel.trim_end_matches('#'))
}

fn schemas() -> &'static Schemas {
    static SCHEMAS: OnceLock<Schemas> = OnceLock::new();
    SCHEMAS.get_or_init(|| {
        let mut docs = HashMap::new();
        let mut methods = HashMap::new();
        for (path, text) in embedded::FILES {
            let mut v: Value = serde_json::from_str(text).expect("vendored JSON");
            if let Some(name) = path.strip_prefix("schemas/") {
                if let Some(o) = v.as_object_mut() {
                    o.remove("$schema");
                    o.insert("$id".into(), Value::String(format!("{BASE}{name}#")));
                }
                docs.insert(name.to_string(), v);
            } else {
                let service = v["serviceName"].as_str().unwrap_or_default().to_string();
                for e in v["entries"].as_array().into_iter().flatten() {
                    let name = e["name"].as_str().unwrap_or_default().to_string();
                    let schema = |k: &str| {
                        e[k].as_str()
                            .filter(|s| s.ends_with(".json#") || s.ends_with(".json"))
                            .map(|s| schema_name(&service, s))
                    };
                    methods.insert((service.clone(), name), (schema("input"), schema("output")));
                }
            }
        }
        // a method whose schema is not vendored (see references/SOURCES.md) is not validated
        for (i, o) in methods.values_mut() {
            for s in [i, o] {
                if s.as_ref().is_some_and(|n| !docs.contains_key(n)) {
                    *s = None;
                }
            }
        }
        let order = serde_json::from_str(include_str!("schema_order.json")).expect("schema order");
        let mut builder = Registry::new().draft(Draft::Draft6);
        for (name, doc) in &docs {
            builder = builder
                .add(
                    format!("{BASE}{name}"),
                    Draft::Draft6.create_resource(doc.clone()),
                )
                .expect("a vendored schema");
        }
        let registry = builder.prepare().expect("the vendored schemas resolve");
        Schemas {
            docs,
            order,
            methods,
            registry,
            validators: Mutex::new(HashMap::new()),
        }
    })
}

/// The input schema of a method (`"<service>/v1/<name>.json"`), if it has one.
pub(crate) fn input_schema(service: &str, method: &str) -> Option<&'static str> {
    let s = schemas();
    s.methods
        .get(&(service.to_string(), method.to_string()))
        .and_then(|(i, _)| i.as_deref())
}

/// The output schema of a method, if it has one (not for `blob` outputs).
pub(crate) fn output_schema(service: &str, method: &str) -> Option<&'static str> {
    let s = schemas();
    s.methods
        .get(&(service.to_string(), method.to_string()))
        .and_then(|(_, o)| o.as_deref())
}

/// The URL a deployment at `root_url` serves the schema `name` under.
pub(crate) fn schema_url(root_url: &str, name: &str) -> String {
    format!("{}/schemas/{name}#", root_url.trim_end_matches('/'))
}

fn validator(name: &str) -> Arc<Validator> {
    let s = schemas();
    let mut cache = s.validators.lock().unwrap_or_else(|e| e.into_inner());
    cache
        .entry(name.to_string())
        .or_insert_with(|| {
            let doc = s
                .docs
                .get(name)
                .unwrap_or_else(|| panic!("no schema {name}"));
            let v = jsonschema::options()
                .with_draft(Draft::Draft6)
                .with_registry(&s.registry)
                .should_validate_formats(true)
                .with_format("date-time", ajv_date_time)
                .with_format("uri", ajv_uri)
                .build(doc)
                .unwrap_or_else(|e| panic!("schema {name}: {e}"));
            Arc::new(v)
        })
        .clone()
}

/// Validate `value` against the schema `name`: `Err` holds ajv's lines
/// (`data/secret must be object`), in ajv's order.
pub(crate) fn check(name: &str, value: &Value) -> Result<(), Vec<String>> {
    check_text(name, value, None)
}

/// [`check`] of a payload parsed from `raw`, whose key order ajv follows.
pub(crate) fn check_text(name: &str, value: &Value, raw: Option<&str>) -> Result<(), Vec<String>> {
    let v = validator(name);
    let mut lines: Vec<(Vec<Key>, String)> = Vec::new();
    for e in v.iter_errors(value) {
        collect(name, &e, raw, &mut lines);
    }
    if lines.is_empty() {
        return Ok(());
    }
    // stable: errors at the same place keep the validator's order (e.g. `required`'s list)
    lines.sort_by(|a, b| a.0.cmp(&b.0));
    Err(lines.into_iter().map(|(_, l)| l).collect())
}

/// The `InputValidationError` of v106 for a payload that fails the schema `name`.
pub(crate) fn input_error(root_url: &str, name: &str, lines: &[String]) -> TcError {
    TcError::invalid(format!(
        "\nSchema Validation Failed!\nRejecting Schema: {}\nErrors:\n  * {}",
        schema_url(root_url, name),
        lines.join("\n  * ")
    ))
}

/// The error v106 turns into a 500 when a reply fails its output schema.
pub(crate) fn output_error(root_url: &str, name: &str, lines: &[String]) -> TcError {
    TcError::new(
        "InternalServerError",
        format!(
            "Output schema validation error: \nSchema Validation Failed!\nRejecting Schema: {}\nErrors:\n  * {}",
            schema_url(root_url, name),
            lines.join("\n  * ")
        ),
    )
}

/// One part of an error's position in ajv's order.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Key {
    N(u64),
    S(String),
}

/// ajv's rank of a keyword: the untyped rules, then the number, string, array and object rules.
fn rank(keyword: &str) -> u64 {
    match keyword {
        "$ref" => 1,
        "const" => 2,
        "enum" => 3,
        "not" => 4,
        "anyOf" => 5,
        "oneOf" => 6,
        "allOf" => 7,
        "maximum" => 10,
        "minimum" => 11,
        "exclusiveMaximum" => 12,
        "exclusiveMinimum" => 13,
        "multipleOf" => 14,
        "maxLength" => 20,
        "minLength" => 21,
        "pattern" => 22,
        "format" => 23,
        "maxItems" => 30,
        "minItems" => 31,
        "uniqueItems" => 32,
        "additionalItems" => 33,
        "items" => 34,
        "contains" => 35,
        "maxProperties" => 40,
        "minProperties" => 41,
        "required" => 42,
        "propertyNames" => 43,
        "additionalProperties" => 44,
        "dependencies" => 45,
        "properties" => 46,
        "patternProperties" => 47,
        _ => 60,
    }
}

/// Where ajv reports a `type` failure: up front, unless the schema has one type and rules for
/// that type (then in that type's group, after the untyped rules).
fn type_rank(node: &Value) -> u64 {
    let group: &[&str] = match node.get("type").and_then(Value::as_str) {
        Some("number") => &[
            "maximum",
            "minimum",
            "exclusiveMaximum",
            "exclusiveMinimum",
            "multipleOf",
            "format",
        ],
        Some("string") => &["maxLength", "minLength", "pattern", "format"],
        Some("array") => &[
            "maxItems",
            "minItems",
            "uniqueItems",
            "additionalItems",
            "items",
            "contains",
        ],
        Some("object") => &[
            "maxProperties",
            "minProperties",
            "required",
            "propertyNames",
            "additionalProperties",
            "dependencies",
            "properties",
            "patternProperties",
        ],
        _ => &[],
    };
    if group.iter().any(|k| node.get(*k).is_some()) {
        50
    } else {
        0
    }
}

/// Unescape a JSON pointer segment.
fn unescape(s: &str) -> String {
    s.replace("~1", "/").replace("~0", "~")
}

fn escape(s: &str) -> String {
    s.replace('~', "~0").replace('/', "~1")
}

/// Resolve a `$ref` found in the schema `doc`: the referenced schema's name and pointer.
fn resolve(doc: &str, reference: &str) -> (String, String) {
    let (file, pointer) = reference.split_once('#').unwrap_or((reference, ""));
    let name = if file.is_empty() {
        doc.to_string()
    } else if let Some(abs) = file.strip_prefix("/schemas/") {
        abs.to_string()
    } else {
        let dir = doc.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
        format!("{dir}/{file}")
    };
    (name, pointer.to_string())
}

/// Add the ajv lines of one validator error (and of the branches of an `anyOf`/`oneOf`).
fn collect(
    root: &str,
    e: &ValidationError<'_>,
    raw: Option<&str>,
    out: &mut Vec<(Vec<Key>, String)>,
) {
    let s = schemas();
    let segs: Vec<String> = e
        .evaluation_path()
        .as_str()
        .split('/')
        .skip(1)
        .map(unescape)
        .collect();
    let inst: Vec<String> = e
        .instance_path()
        .as_str()
        .split('/')
        .skip(1)
        .map(unescape)
        .collect();
    let mut doc = root.to_string();
    let mut ptr = String::new();
    let mut key = Vec::new();
    let mut node = s.docs.get(root);
    let (mut i, mut ii) = (0, 0);
    let child = |n: Option<&'static Value>, k: &str| n.and_then(|n| n.get(k));
    while i + 1 < segs.len() {
        let seg = segs[i].as_str();
        key.push(Key::N(rank(seg)));
        match seg {
            "$ref" => {
                let r = child(node, "$ref").and_then(Value::as_str).unwrap_or("");
                let (d, p) = resolve(&doc, r);
                node = s.docs.get(&d).and_then(|n| n.pointer(&p));
                doc = d;
                ptr = p;
                i += 1;
            }
            "properties" | "patternProperties" | "anyOf" | "oneOf" | "allOf" | "definitions" => {
                let name = &segs[i + 1];
                if seg == "properties" {
                    let pos = s
                        .order
                        .get(&doc)
                        .and_then(|o| o.get(&ptr))
                        .and_then(|o| o.iter().position(|p| p == name));
                    // without a recorded order, the (sorted) order of the vendored schema
                    let pos = pos.or_else(|| {
                        child(node, "properties")
                            .and_then(Value::as_object)
                            .and_then(|o| o.keys().position(|k| k == name))
                    });
                    key.push(Key::N(pos.unwrap_or(usize::MAX) as u64));
                } else if let Ok(n) = name.parse::<u64>() {
                    key.push(Key::N(n));
                } else {
                    key.push(Key::S(name.clone()));
                }
                if matches!(seg, "properties" | "patternProperties") {
                    if seg == "patternProperties" {
                        key.push(Key::S(inst.get(ii).cloned().unwrap_or_default()));
                    }
                    ii += 1;
                }
                node = child(node, seg).and_then(|n| {
                    n.get(name.as_str())
                        .or_else(|| name.parse::<usize>().ok().and_then(|k| n.get(k)))
                });
                ptr = format!("{ptr}/{seg}/{}", escape(name));
                i += 2;
            }
            "items" | "additionalProperties" | "additionalItems" => {
                let sub = child(node, seg);
                if let (Some(Value::Array(a)), Ok(k)) = (sub, segs[i + 1].parse::<usize>()) {
                    key.push(Key::N(k as u64));
                    node = a.get(k);
                    ptr = format!("{ptr}/{seg}/{k}");
                    i += 2;
                } else {
                    node = sub;
                    ptr = format!("{ptr}/{seg}");
                    i += 1;
                }
                let at = inst.get(ii).cloned().unwrap_or_default();
                key.push(match at.parse::<u64>() {
                    Ok(n) if seg != "additionalProperties" => Key::N(n),
                    _ => Key::S(at),
                });
                ii += 1;
            }
            _ => {
                node = child(node, seg);
                ptr = format!("{ptr}/{}", escape(seg));
                i += 1;
            }
        }
    }
    let leaf = segs.last().map(String::as_str).unwrap_or("");
    let path = e.instance_path().as_str();
    let line = |msg: String| format!("data{path} {msg}");
    key.push(Key::N(if leaf == "type" {
        node.map(type_rank).unwrap_or(0)
    } else {
        rank(leaf)
    }));
    let mut add = |k: Vec<Key>, l: String| out.push((k, l));
    match e.kind() {
        ValidationErrorKind::AdditionalProperties { unexpected } => {
            // ajv walks the object's keys in the order of the payload, which the parsed value
            // lost: their first position in the payload's text stands in for it
            let mut unexpected: Vec<&String> = unexpected.iter().collect();
            if let Some(text) = raw {
                unexpected.sort_by_key(|p| key_position(text, p));
            }
            for p in unexpected {
                let name = serde_json::to_string(p).unwrap_or_default();
                add(
                    key.clone(),
                    line(format!("must NOT have additional properties: {name}")),
                );
            }
        }
        ValidationErrorKind::AnyOf { context }
        | ValidationErrorKind::OneOfNotValid { context }
        | ValidationErrorKind::OneOfMultipleValid { context } => {
            for branch in context {
                for sub in branch {
                    collect(root, sub, raw, out);
                }
            }
            let mut k = key.clone();
            k.push(Key::N(u64::MAX));
            let msg = if leaf == "anyOf" {
                "must match a schema in anyOf"
            } else {
                "must match exactly one schema in oneOf"
            };
            out.push((k, line(msg.into())));
        }
        kind => add(key, line(message(kind, node, e.instance()))),
    }
}

/// Where `"key":` first appears in a JSON text (its end when absent).
fn key_position(text: &str, key: &str) -> usize {
    let quoted = serde_json::to_string(key).unwrap_or_default();
    let mut from = 0;
    while let Some(i) = text[from..].find(&quoted) {
        let end = from + i + quoted.len();
        if text[end..].trim_start().starts_with(':') {
            return from + i;
        }
        from = end;
    }
    usize::MAX
}

/// ajv v8's English message for one error.
fn message(kind: &ValidationErrorKind, node: Option<&Value>, value: &Value) -> String {
    use ValidationErrorKind as K;
    let fewer = |what: &str, comp: &str, n: &dyn std::fmt::Display| {
        format!("must NOT have {comp} than {n} {what}")
    };
    match kind {
        K::Type { kind } => {
            let types = match node.and_then(|n| n.get("type")) {
                Some(Value::Array(a)) => a
                    .iter()
                    .filter_map(Value::as_str)
                    .collect::<Vec<_>>()
                    .join(","),
                Some(Value::String(t)) => t.clone(),
                _ => match kind {
                    TypeKind::Single(t) => t.to_string(),
                    TypeKind::Multiple(ts) => ts
                        .iter()
                        .map(|t| t.to_string())
                        .collect::<Vec<_>>()
                        .join(","),
                },
            };
            format!("must be {types}")
        }
        K::Required { property } => {
            format!(
                "must have required property '{}'",
                property.as_str().unwrap_or_default()
            )
        }
        K::Enum { .. } => "must be equal to one of the allowed values".into(),
        K::Constant { .. } => "must be equal to constant".into(),
        K::Pattern { pattern } => format!("must match pattern \"{pattern}\""),
        K::Format { format } => format!("must match format \"{format}\""),
        K::MaxLength { limit } => fewer("characters", "more", limit),
        K::MinLength { limit } => fewer("characters", "fewer", limit),
        K::MaxItems { limit } => fewer("items", "more", limit),
        K::MinItems { limit } => fewer("items", "fewer", limit),
        K::AdditionalItems { limit } => fewer("items", "more", limit),
        K::MaxProperties { limit } => fewer("properties", "more", limit),
        K::MinProperties { limit } => fewer("properties", "fewer", limit),
        K::Maximum { limit } => format!("must be <= {limit}"),
        K::Minimum { limit } => format!("must be >= {limit}"),
        K::ExclusiveMaximum { limit } => format!("must be < {limit}"),
        K::ExclusiveMinimum { limit } => format!("must be > {limit}"),
        K::MultipleOf { multiple_of } => format!("must be multiple of {multiple_of}"),
        K::Not { .. } => "must NOT be valid".into(),
        K::FalseSchema => "boolean schema is false".into(),
        K::Contains => "must contain at least 1 valid item(s)".into(),
        K::PropertyNames { .. } => "property name must be valid".into(),
        K::UniqueItems => {
            let (j, i) = duplicates(node, value);
            format!("must NOT have duplicate items (items ## {j} and {i} are identical)")
        }
        other => format!("{} is not valid", other.keyword()),
    }
}

/// The pair ajv names for `uniqueItems`: with scalar `items` types it walks down from the end
/// remembering the last index of each value (`j` after `i`); otherwise it compares each item
/// with the ones before it (`j` before `i`).
fn duplicates(node: Option<&Value>, value: &Value) -> (usize, usize) {
    let items = value.as_array().map(Vec::as_slice).unwrap_or(&[]);
    let scalar = node
        .and_then(|n| n.get("items"))
        .and_then(|i| i.get("type"))
        .map(|t| {
            let one = |t: &Value| {
                matches!(
                    t.as_str(),
                    Some("string" | "number" | "integer" | "boolean" | "null")
                )
            };
            match t {
                Value::Array(a) => a.iter().all(one),
                t => one(t),
            }
        })
        .unwrap_or(false);
    for i in (0..items.len()).rev() {
        if scalar {
            if let Some(j) = (i + 1..items.len()).find(|&j| items[j] == items[i]) {
                return (j, i);
            }
        } else if let Some(j) = (0..i).rev().find(|&j| items[j] == items[i]) {
            return (j, i);
        }
    }
    (0, 0)
}

/// ajv-formats' `date-time` (full mode, v2.1.1): a date and a time split at `T`, `t` or a
/// space; the time zone may be left out (the check for it compares `undefined` with `""`).
fn ajv_date_time(s: &str) -> bool {
    let parts: Vec<&str> = s
        .split(|c: char| c == 't' || c == 'T' || c.is_whitespace())
        .collect();
    let [date, time] = parts[..] else {
        return false;
    };
    let d = date.as_bytes();
    let digits = |b: &[u8]| !b.is_empty() && b.iter().all(u8::is_ascii_digit);
    if d.len() != 10
        || d[4] != b'-'
        || d[7] != b'-'
        || !digits(&d[..4])
        || !digits(&d[5..7])
        || !digits(&d[8..])
    {
        return false;
    }
    let num = |b: &[u8]| b.iter().fold(0u32, |n, c| n * 10 + u32::from(c - b'0'));
    let (year, month, day) = (num(&d[..4]), num(&d[5..7]), num(&d[8..]));
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = [
        0,
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    if !(1..=12).contains(&month) || day < 1 || day > days[month as usize] {
        return false;
    }
    // ^(\d\d):(\d\d):(\d\d)(\.\d+)?(z|[+-]\d\d(?::?\d\d)?)?$
    let t = time.as_bytes();
    if t.len() < 8
        || t[2] != b':'
        || t[5] != b':'
        || !digits(&t[..2])
        || !digits(&t[3..5])
        || !digits(&t[6..8])
    {
        return false;
    }
    let mut rest = &t[8..];
    if rest.first() == Some(&b'.') {
        let n = rest[1..].iter().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 {
            return false;
        }
        rest = &rest[1 + n..];
    }
    let zone_ok = match rest {
        [] | [b'z' | b'Z'] => true,
        [b'+' | b'-', zone @ ..] => match zone {
            [a, b] => digits(&[*a, *b]),
            [a, b, c, d] => digits(&[*a, *b, *c, *d]),
            [a, b, b':', c, d] => digits(&[*a, *b, *c, *d]),
            _ => false,
        },
        _ => false,
    };
    let (h, m, sec) = (num(&t[..2]), num(&t[3..5]), num(&t[6..8]));
    zone_ok && ((h <= 23 && m <= 59 && sec <= 59) || (h == 23 && m == 59 && sec == 60))
}

/// ajv-formats' `uri` (full mode), close enough: a scheme, then no whitespace.
fn ajv_uri(s: &str) -> bool {
    let Some((scheme, rest)) = s.split_once(':') else {
        return false;
    };
    let mut c = scheme.chars();
    c.next().is_some_and(|f| f.is_ascii_alphabetic())
        && c.all(|ch| ch.is_ascii_alphanumeric() || "+-.".contains(ch))
        && !rest.chars().any(char::is_whitespace)
}

/// Fill the schema `name`'s defaults into `value`, as v106's ajv (`useDefaults: true`) does while
/// it validates a request body, before the handler sees it: a property missing from an object is
/// set to its schema's `default` (a fresh copy) wherever ajv evaluates `properties` outside a
/// composite rule, that is through `$ref`, `allOf`, `properties`, `additionalProperties` and
/// `items`, but never inside `anyOf`, `oneOf` or `not`. ajv assigns them before the object's
/// other keywords run, so a `required` property that has a default is never missing.
pub(crate) fn apply_defaults(name: &str, value: &mut Value) {
    let s = schemas();
    if let Some(doc) = s.docs.get(name) {
        fill_defaults(s, name, doc, value, 0);
    }
}

/// The document and node a `$ref` of the document `from` points at.
fn resolve_ref<'a>(s: &'a Schemas, from: &str, reference: &str) -> Option<(String, &'a Value)> {
    let (file, pointer) = reference.split_once('#').unwrap_or((reference, ""));
    let doc_name = if file.is_empty() {
        from.to_string()
    } else if let Some(abs) = file.strip_prefix("/schemas/") {
        abs.to_string()
    } else {
        // relative to the directory of `from`
        let mut parts: Vec<&str> = from.split('/').collect();
        parts.pop();
        for seg in file.split('/') {
            match seg {
                ".." => {
                    parts.pop();
                }
                "." | "" => {}
                seg => parts.push(seg),
            }
        }
        parts.join("/")
    };
    let doc = s.docs.get(&doc_name)?;
    let node = if pointer.is_empty() {
        doc
    } else {
        doc.pointer(pointer)?
    };
    let key = s.docs.get_key_value(&doc_name)?.0.clone();
    Some((key, node))
}

fn fill_defaults(s: &Schemas, doc: &str, schema: &Value, value: &mut Value, depth: usize) {
    if depth > 64 {
        return;
    }
    let Some(schema) = schema.as_object() else {
        return;
    };
    if let Some(Value::String(r)) = schema.get("$ref") {
        if let Some((target_doc, target)) = resolve_ref(s, doc, r) {
            fill_defaults(s, &target_doc, target, value, depth + 1);
        }
    }
    if let Some(Value::Array(all)) = schema.get("allOf") {
        for sub in all {
            fill_defaults(s, doc, sub, value, depth + 1);
        }
    }
    match value {
        Value::Object(o) => {
            let props = schema.get("properties").and_then(Value::as_object);
            if let Some(props) = props {
                for (k, sub) in props {
                    if let Some(d) = sub.get("default") {
                        if !o.contains_key(k) {
                            o.insert(k.clone(), d.clone());
                        }
                    }
                }
                for (k, sub) in props {
                    if let Some(v) = o.get_mut(k) {
                        fill_defaults(s, doc, sub, v, depth + 1);
                    }
                }
            }
            if let Some(extra) = schema.get("additionalProperties").filter(|a| a.is_object()) {
                for (k, v) in o.iter_mut() {
                    if !props.is_some_and(|p| p.contains_key(k)) {
                        fill_defaults(s, doc, extra, v, depth + 1);
                    }
                }
            }
        }
        Value::Array(items) => {
            if let Some(sub) = schema.get("items").filter(|i| i.is_object()) {
                for v in items.iter_mut() {
                    fill_defaults(s, doc, sub, v, depth + 1);
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn lines(name: &str, v: Value) -> Vec<String> {
        check(name, &v).err().unwrap_or_default()
    }

    #[test]
    fn secret_errors_in_source_order() {
        assert_eq!(
            lines(
                "secrets/v1/secret.json",
                json!({"secret": "x", "expires": "soon"})
            ),
            [
                "data/secret must be object",
                "data/expires must match format \"date-time\""
            ]
        );
        assert_eq!(
            lines("secrets/v1/secret.json", json!({"b": 1, "a": 2})),
            [
                "data must have required property 'secret'",
                "data must have required property 'expires'",
                "data must NOT have additional properties: \"a\"",
                "data must NOT have additional properties: \"b\"",
            ]
        );
        assert!(check(
            "secrets/v1/secret.json",
            &json!({"secret": {}, "expires": "2030-01-01T00:00:00.000Z"})
        )
        .is_ok());
    }

    #[test]
    fn replies_are_checked_against_output_schemas() {
        // the reply tc-devserver gave before it carried the group's expires
        let group =
            json!({"taskGroupId": "dSlITZ4yQgmvxxAi4A8fHQ", "schedulerId": "-", "tasks": []});
        assert_eq!(
            lines("queue/v1/list-task-group-response.json", group),
            ["data must have required property 'expires'"]
        );
        assert_eq!(
            output_schema("queue", "listTaskGroup"),
            Some("queue/v1/list-task-group-response.json")
        );
        assert_eq!(
            input_schema("secrets", "set"),
            Some("secrets/v1/secret.json")
        );
        assert_eq!(input_schema("secrets", "get"), None);
    }

    #[test]
    fn nested_errors_through_refs_and_arrays() {
        let scopes = lines(
            "auth/v1/scopeset.json",
            json!({"scopes": ["ok", 7, "a\nb"]}),
        );
        assert_eq!(
            scopes,
            [
                "data/scopes/1 must be string",
                "data/scopes/2 must match pattern \"^[ -~]*$\""
            ]
        );
        let e = input_error(
            "http://h",
            "secrets/v1/secret.json",
            &["data must be object".into()],
        );
        assert_eq!(e.code, "InputValidationError");
        assert_eq!(
            e.message,
            "\nSchema Validation Failed!\nRejecting Schema: http://h/schemas/secrets/v1/secret.json#\nErrors:\n  * data must be object"
        );
    }

    #[test]
    fn additional_properties_in_payload_order() {
        let text = r#"{"secret": {}, "expires": "2030-01-01T00:00:00Z", "zeta": 1, "alpha": 2}"#;
        let v: Value = serde_json::from_str(text).unwrap();
        assert_eq!(
            check_text("secrets/v1/secret.json", &v, Some(text)).unwrap_err(),
            [
                "data must NOT have additional properties: \"zeta\"",
                "data must NOT have additional properties: \"alpha\""
            ]
        );
    }

    #[test]
    fn date_time_as_ajv() {
        for ok in [
            "2030-01-01T00:00:00Z",
            "2030-01-01 00:00:00.5+01:00",
            "2030-01-01t00:00:00",
            "2024-02-29T23:59:60z",
        ] {
            assert!(ajv_date_time(ok), "{ok}");
        }
        for bad in [
            "soon",
            "2030-02-30T00:00:00Z",
            "2030-01-01T24:00:00Z",
            "2030-01-01",
            "2030-01-01T00:00:00.Z",
        ] {
            assert!(!ajv_date_time(bad), "{bad}");
        }
    }

    #[test]
    fn every_method_schema_compiles() {
        let s = schemas();
        assert!(s.methods.len() > 100);
        for (i, o) in s.methods.values() {
            for name in i.iter().chain(o) {
                validator(name);
            }
        }
    }

    #[test]
    fn defaults_fill_missing_properties_only() {
        // createTask: every top-level default, the payload's `[]` included (v106's schema says so)
        let mut v = json!({"metadata": {"name": "n"}, "retries": 2});
        apply_defaults("queue/v1/create-task-request.json", &mut v);
        assert_eq!(v["retries"], json!(2), "a given value stays");
        assert_eq!(v["priority"], json!("lowest"));
        assert_eq!(v["payload"], json!([]));
        assert_eq!(v["schedulerId"], json!("-"));
        assert_eq!(v["projectId"], json!("none"));
        assert_eq!(v["tags"], json!({}));
        assert_eq!(v["metadata"], json!({"name": "n"}));
        assert_eq!(
            lines("queue/v1/create-task-request.json", v.clone())
                .iter()
                .filter(|l| l.starts_with("data/payload"))
                .collect::<Vec<_>>(),
            vec!["data/payload must be object"]
        );
        // a required property with a default is not missing once filled
        let mut v = json!({});
        apply_defaults("auth/v1/test-authenticate-request.json", &mut v);
        assert_eq!(v, json!({"clientScopes": [], "requiredScopes": []}));
        assert!(check("auth/v1/test-authenticate-request.json", &v).is_ok());
        // not an object: nothing to fill, the type error stays
        let mut v = json!("x");
        apply_defaults("queue/v1/tasks-request.json", &mut v);
        assert_eq!(v, json!("x"));
    }

    #[test]
    fn defaults_follow_refs_into_nested_objects() {
        // hooks' create-hook-request: defaults at the top and inside the $ref'd metadata
        let mut v = json!({"metadata": {"name": "h", "description": "d", "owner": "o@example.com"}, "task": {}});
        apply_defaults("hooks/v1/create-hook-request.json", &mut v);
        assert_eq!(v["schedule"], json!([]));
        assert!(v["triggerSchema"].is_object());
        let meta = v["metadata"].as_object().expect("metadata");
        let expected: Vec<&String> = schemas().docs["hooks/v1/hook-metadata.json"]["properties"]
            .as_object()
            .expect("properties")
            .iter()
            .filter(|(_, p)| p.get("default").is_some())
            .map(|(k, _)| k)
            .collect();
        assert!(!expected.is_empty());
        for k in expected {
            assert!(meta.contains_key(k), "metadata default {k} filled");
        }
    }
}
