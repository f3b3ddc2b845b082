//! The JSON schemas of references/schemas/ as named types, for the TypeScript declarations
//! (js/apis.d.ts) and the Rust types (src/generated/types/).
//!
//! Every schema file is one named type, and so is every entry of its `definitions`. A `$ref`
//! to a file or a definition names that type; a `$ref` to any other JSON pointer (e.g.
//! `task.json#/properties/priority`) is replaced by the schema it points to.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::Value;

/// Where a named type comes from: a schema file and, for definitions, the definition's name.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct TypeKey {
    pub file: String,
    pub def: Option<String>,
}

pub struct Schemas {
    /// `schemas/<service>/v1/<name>.json` → the schema.
    pub files: BTreeMap<String, Value>,
    /// Every named type and its name.
    pub names: BTreeMap<TypeKey, String>,
    /// The named types with a `date-time` string somewhere inside (typed `D` in TypeScript, so
    /// that payloads may hold `Date`s, which `JSON.stringify` turns into strings).
    pub dated: BTreeSet<TypeKey>,
}

/// `create-task-request` → `CreateTaskRequest`, `list-lastFires-response` → `ListLastFiresResponse`.
pub fn pascal_words(s: &str) -> String {
    s.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|p| !p.is_empty())
        .map(|p| {
            let mut c = p.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

fn walk_files(dir: &Path, rel: &str, out: &mut BTreeMap<String, Value>) -> Result<(), String> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|e| e.ok())
        .collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let name = e.file_name().to_string_lossy().to_string();
        let path = e.path();
        let r = format!("{rel}/{name}");
        if path.is_dir() {
            walk_files(&path, &r, out)?;
        } else if name.ends_with(".json") && rel != "schemas" {
            let text =
                std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
            let v: Value =
                serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
            out.insert(r, v);
        }
    }
    Ok(())
}

impl Schemas {
    /// Loads references/schemas/; `reserved` are names already taken (they get a `Schema` suffix).
    pub fn load(root: &Path, reserved: &BTreeSet<String>) -> Result<Schemas, String> {
        let mut files = BTreeMap::new();
        let dir = root.join("references/schemas");
        if dir.exists() {
            walk_files(&dir, "schemas", &mut files)?;
        }
        // Names: the file's stem, prefixed with the service's where two services share one.
        let stem = |f: &str| pascal_words(f.rsplit('/').next().unwrap().trim_end_matches(".json"));
        let service = |f: &str| pascal_words(f.split('/').nth(1).unwrap_or(""));
        let mut count: BTreeMap<String, usize> = BTreeMap::new();
        for f in files.keys() {
            *count.entry(stem(f)).or_default() += 1;
        }
        let mut names = BTreeMap::new();
        for (f, v) in &files {
            let mut base = stem(f);
            if count[&base] > 1 {
                base = service(f) + &base;
            }
            if reserved.contains(&base) {
                base += "Schema";
            }
            names.insert(
                TypeKey {
                    file: f.clone(),
                    def: None,
                },
                base.clone(),
            );
            for d in v["definitions"]
                .as_object()
                .into_iter()
                .flatten()
                .map(|m| m.0)
            {
                names.insert(
                    TypeKey {
                        file: f.clone(),
                        def: Some(d.clone()),
                    },
                    base.clone() + &pascal_words(d),
                );
            }
        }
        let taken: BTreeSet<&String> = names.values().collect();
        assert_eq!(taken.len(), names.len(), "schema type names collide");
        let mut s = Schemas {
            files,
            names,
            dated: BTreeSet::new(),
        };
        // Which named types hold a date-time, to a fixed point.
        loop {
            let mut next = s.dated.clone();
            for k in s.names.keys() {
                if s.has_date(s.schema_of(k), &k.file, 0) {
                    next.insert(k.clone());
                }
            }
            if next == s.dated {
                break;
            }
            s.dated = next;
        }
        Ok(s)
    }

    pub fn schema_of(&self, k: &TypeKey) -> &Value {
        let f = &self.files[&k.file];
        match &k.def {
            None => f,
            Some(d) => &f["definitions"][d],
        }
    }

    fn has_date(&self, s: &Value, file: &str, depth: usize) -> bool {
        if depth > 30 {
            return false;
        }
        match s {
            Value::Object(m) => {
                if let Some(r) = m.get("$ref").and_then(Value::as_str) {
                    return match self.resolve(r, file) {
                        Resolved::Named(k) => self.dated.contains(&k),
                        Resolved::Inline(v, f) => self.has_date(v, &f, depth + 1),
                        Resolved::Missing => false,
                    };
                }
                if m.get("format").and_then(Value::as_str) == Some("date-time") {
                    return true;
                }
                m.iter().any(|(k, v)| {
                    k != "definitions"
                        && k != "default"
                        && k != "examples"
                        && k != "enum"
                        && k != "const"
                        && self.has_date(v, file, depth + 1)
                })
            }
            Value::Array(a) => a.iter().any(|v| self.has_date(v, file, depth + 1)),
            _ => false,
        }
    }

    /// What a `$ref` in `file` points to.
    pub fn resolve<'a>(&'a self, r: &str, file: &str) -> Resolved<'a> {
        let (target, pointer) = r.split_once('#').unwrap_or((r, ""));
        let target_file = if target.is_empty() {
            file.to_string()
        } else if let Some(abs) = target.strip_prefix('/') {
            abs.to_string()
        } else {
            let mut parts: Vec<&str> = file.split('/').collect();
            parts.pop();
            for seg in target.split('/') {
                match seg {
                    ".." => {
                        parts.pop();
                    }
                    "." => {}
                    s => parts.push(s),
                }
            }
            parts.join("/")
        };
        let Some(doc) = self.files.get(&target_file) else {
            return Resolved::Missing;
        };
        let pointer = pointer.trim_end_matches('/');
        if pointer.is_empty() {
            return Resolved::Named(TypeKey {
                file: target_file,
                def: None,
            });
        }
        if let Some(d) = pointer.strip_prefix("/definitions/") {
            if !d.contains('/') {
                return Resolved::Named(TypeKey {
                    file: target_file,
                    def: Some(d.to_string()),
                });
            }
        }
        match doc.pointer(pointer) {
            Some(v) => Resolved::Inline(v, target_file),
            None => Resolved::Missing,
        }
    }

    /// The named type of a method's `input`/`output` (`v1/x.json#`) in `service`.
    pub fn method_type(&self, service: &str, reference: &str) -> Option<TypeKey> {
        let k = TypeKey {
            file: format!("schemas/{service}/{}", reference.split('#').next().unwrap()),
            def: None,
        };
        self.names.contains_key(&k).then_some(k)
    }
}

pub enum Resolved<'a> {
    Named(TypeKey),
    Inline(&'a Value, String),
    Missing,
}

/// The doc text of a schema: title, description, format.
pub fn doc_lines(s: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let title = s["title"].as_str().map(str::trim).unwrap_or("");
    let desc = s["description"].as_str().map(str::trim).unwrap_or("");
    if !title.is_empty() {
        out.push(title.to_string());
    }
    if !desc.is_empty() && desc != title {
        if !out.is_empty() {
            out.push(String::new());
        }
        out.extend(desc.lines().map(|l| l.trim_end().to_string()));
    }
    if let Some(f) = s["format"].as_str() {
        if !out.is_empty() {
            out.push(String::new());
        }
        out.push(format!("Format: `{f}`."));
    }
    out
}

// ---------------------------------------------------------------------------------------------
// TypeScript

fn ts_ident_ok(k: &str) -> bool {
    let mut c = k.chars();
    c.next()
        .is_some_and(|f| f.is_ascii_alphabetic() || f == '_' || f == '$')
        && c.all(|x| x.is_ascii_alphanumeric() || x == '_' || x == '$')
}

fn ts_comment(lines: &[String], indent: &str) -> String {
    if lines.is_empty() {
        return String::new();
    }
    let body: Vec<String> = lines
        .iter()
        .map(|l| {
            let l = l.replace("*/", "*\\/");
            if l.is_empty() {
                format!("{indent} *")
            } else {
                format!("{indent} * {l}")
            }
        })
        .collect();
    format!("{indent}/**\n{}\n{indent} */\n", body.join("\n"))
}

impl Schemas {
    /// The doc lines of a property: its own, or those of the schema its `$ref` points to.
    pub fn doc_of(&self, v: &Value, file: &str) -> Vec<String> {
        let own = doc_lines(v);
        if !own.is_empty() {
            return own;
        }
        match v
            .get("$ref")
            .and_then(Value::as_str)
            .map(|r| self.resolve(r, file))
        {
            Some(Resolved::Inline(t, _)) => doc_lines(t),
            Some(Resolved::Named(k)) => doc_lines(self.schema_of(&k)),
            _ => own,
        }
    }

    /// The TypeScript name of a named type, with `<D>` when it holds dates.
    fn ts_named(&self, k: &TypeKey, d: &str) -> String {
        let n = &self.names[k];
        if self.dated.contains(k) {
            format!("{n}<{d}>")
        } else {
            n.clone()
        }
    }

    /// A method's payload type (dates may be `Date`s) or result type.
    pub fn ts_method_type(&self, service: &str, reference: &str, input: bool) -> String {
        match self.method_type(service, reference) {
            Some(k) if input => self.ts_named(&k, "string | Date"),
            Some(k) => self.names[&k].clone(),
            None => "unknown".into(),
        }
    }

    fn ts_type(&self, s: &Value, file: &str, indent: &str, depth: usize) -> String {
        if depth > 30 {
            return "unknown".into();
        }
        let Some(m) = s.as_object() else {
            // `true` / `false` schemas
            return if s == &Value::Bool(false) {
                "never".into()
            } else {
                "unknown".into()
            };
        };
        if let Some(r) = m.get("$ref").and_then(Value::as_str) {
            return match self.resolve(r, file) {
                Resolved::Named(k) => self.ts_named(&k, "D"),
                Resolved::Inline(v, f) => self.ts_type(v, &f, indent, depth + 1),
                Resolved::Missing => "unknown".into(),
            };
        }
        let mut parts: Vec<String> = Vec::new();
        if let Some(c) = m.get("const") {
            parts.push(c.to_string());
        } else if let Some(e) = m.get("enum").and_then(Value::as_array) {
            let vals: Vec<String> = e.iter().map(|v| v.to_string()).collect();
            parts.push(if vals.len() > 1 {
                format!("({})", vals.join(" | "))
            } else {
                vals.join("")
            });
        } else {
            let types: Vec<&str> = match m.get("type") {
                Some(Value::String(t)) => vec![t.as_str()],
                Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
                _ => {
                    if m.contains_key("properties") || m.contains_key("additionalProperties") {
                        vec!["object"]
                    } else {
                        vec![]
                    }
                }
            };
            let mut alts: Vec<String> = types
                .iter()
                .map(|t| self.ts_simple(t, m, file, indent, depth))
                .collect();
            alts.dedup();
            if !alts.is_empty() {
                parts.push(if alts.len() > 1 {
                    format!("({})", alts.join(" | "))
                } else {
                    alts.pop().unwrap()
                });
            }
        }
        for (key, sep) in [("oneOf", " | "), ("anyOf", " | "), ("allOf", " & ")] {
            if let Some(list) = m.get(key).and_then(Value::as_array) {
                let alts: Vec<String> = list
                    .iter()
                    .map(|v| self.ts_type(v, file, indent, depth + 1))
                    .collect();
                parts.push(format!("({})", alts.join(sep)));
            }
        }
        if parts.is_empty() {
            "unknown".into()
        } else {
            parts.join(" & ")
        }
    }

    fn ts_simple(
        &self,
        t: &str,
        m: &serde_json::Map<String, Value>,
        file: &str,
        indent: &str,
        depth: usize,
    ) -> String {
        match t {
            "string" => {
                if m.get("format").and_then(Value::as_str) == Some("date-time") {
                    "D".into()
                } else {
                    "string".into()
                }
            }
            "integer" | "number" => "number".into(),
            "boolean" => "boolean".into(),
            "null" => "null".into(),
            "array" => match m.get("items") {
                Some(Value::Array(tuple)) => {
                    let items: Vec<String> = tuple
                        .iter()
                        .map(|v| self.ts_type(v, file, indent, depth + 1))
                        .collect();
                    format!("[{}]", items.join(", "))
                }
                Some(items) => format!("Array<{}>", self.ts_type(items, file, indent, depth + 1)),
                None => "unknown[]".into(),
            },
            "object" => self.ts_object(m, file, indent, depth),
            _ => "unknown".into(),
        }
    }

    fn ts_object(
        &self,
        m: &serde_json::Map<String, Value>,
        file: &str,
        indent: &str,
        depth: usize,
    ) -> String {
        let inner = format!("{indent}  ");
        let props = m.get("properties").and_then(Value::as_object);
        let required: BTreeSet<&str> = m
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        let extra = match m.get("additionalProperties") {
            Some(Value::Bool(false)) => None,
            None | Some(Value::Bool(true)) => Some("unknown".to_string()),
            Some(schema) => Some(if props.is_some_and(|p| !p.is_empty()) {
                // Declared properties must fit the index signature: they need not fit this.
                "unknown".to_string()
            } else {
                self.ts_type(schema, file, &inner, depth + 1)
            }),
        };
        let extra = match (extra, m.get("patternProperties").and_then(Value::as_object)) {
            (None, Some(pp)) if props.is_none_or(|p| p.is_empty()) => {
                let alts: Vec<String> = pp
                    .values()
                    .map(|v| self.ts_type(v, file, &inner, depth + 1))
                    .collect();
                Some(alts.join(" | "))
            }
            (None, Some(_)) => Some("unknown".into()),
            (e, _) => e,
        };
        let mut out = String::from("{\n");
        for (k, v) in props.into_iter().flatten() {
            out += &ts_comment(&self.doc_of(v, file), &inner);
            let key = if ts_ident_ok(k) {
                k.clone()
            } else {
                serde_json::to_string(k).unwrap()
            };
            let opt = if required.contains(k.as_str()) {
                ""
            } else {
                "?"
            };
            out += &format!(
                "{inner}{key}{opt}: {};\n",
                self.ts_type(v, file, &inner, depth + 1)
            );
        }
        if let Some(e) = extra {
            out += &format!("{inner}[key: string]: {e};\n");
        }
        out += indent;
        out += "}";
        out
    }

    /// A schema file that only holds `definitions` (no type of its own).
    pub fn is_container(&self, k: &TypeKey) -> bool {
        let s = self.schema_of(k);
        k.def.is_none()
            && s.get("definitions").is_some()
            && [
                "type",
                "properties",
                "oneOf",
                "anyOf",
                "allOf",
                "$ref",
                "enum",
                "const",
            ]
            .iter()
            .all(|f| s.get(*f).is_none())
    }

    /// Every named type as a TypeScript declaration.
    pub fn ts_declarations(&self) -> String {
        let mut s = String::new();
        for (k, name) in &self.names {
            let schema = self.schema_of(k);
            if self.is_container(k) {
                continue;
            }
            let mut doc = doc_lines(schema);
            if !doc.is_empty() {
                doc.push(String::new());
            }
            let id = match &k.def {
                None => format!("/{}", k.file),
                Some(d) => format!("/{}#/definitions/{d}", k.file),
            };
            doc.push(format!("JSON schema: `{id}`."));
            let generic = if self.dated.contains(k) {
                doc.push("@typeParam D - how dates are given: `string` in results (ISO 8601), `string | Date` in payloads.".into());
                "<D = string>"
            } else {
                ""
            };
            s += &ts_comment(&doc, "");
            let body = self.ts_type(schema, &k.file, "", 0);
            if body.starts_with('{') && body.ends_with('}') && !body.contains("} &") {
                s += &format!("export interface {name}{generic} {body}\n\n");
            } else {
                s += &format!("export type {name}{generic} = {body};\n\n");
            }
        }
        s
    }
}
