//! Rust serde types for the schemas of references/schemas/ (src/generated/schemas.rs).

use std::collections::BTreeSet;
use std::fmt::Write as _;

use serde_json::Value;

use crate::schemas::{doc_lines, pascal_words, Resolved, Schemas, TypeKey};

const RUST_KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern",
    "false", "fn", "for", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub",
    "ref", "return", "self", "static", "struct", "super", "trait", "true", "type", "unsafe", "use",
    "where", "while", "abstract", "become", "box", "do", "final", "macro", "override", "priv",
    "try", "typeof", "unsized", "virtual", "yield",
];

fn field_name(k: &str) -> String {
    let mut out = String::new();
    let mut prev_lower = false;
    for c in k.chars() {
        if c.is_ascii_uppercase() {
            if prev_lower {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
            prev_lower = false;
        } else if c.is_ascii_alphanumeric() {
            out.push(c);
            prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        } else {
            if !out.ends_with('_') {
                out.push('_');
            }
            prev_lower = false;
        }
    }
    let out = out.trim_matches('_').to_string();
    let out = if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        format!("f_{out}")
    } else {
        out
    };
    if RUST_KEYWORDS.contains(&out.as_str()) {
        format!("r#{out}")
    } else {
        out
    }
}

/// What serde's `rename_all = "camelCase"` makes of a snake-case field name.
fn camel(snake: &str) -> String {
    let snake = snake.trim_start_matches("r#");
    let mut out = String::new();
    let mut up = false;
    for c in snake.chars() {
        if c == '_' {
            up = true;
        } else if up {
            out.push(c.to_ascii_uppercase());
            up = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// `line` (its `<` escaped) with each `http(s)://` URL in angle brackets, so that rustdoc links it.
fn autolink(line: &str) -> String {
    let mut out = String::new();
    let mut rest = line;
    while let Some(i) = rest.find("http://").or_else(|| rest.find("https://")) {
        let i = match (rest.find("http://"), rest.find("https://")) {
            (Some(a), Some(b)) => a.min(b),
            _ => i,
        };
        out += &rest[..i];
        let tail = &rest[i..];
        let mut end = tail
            .find(|c: char| c.is_whitespace() || matches!(c, ')' | '>' | '"' | '\'' | '`'))
            .unwrap_or(tail.len());
        while end > 0 && tail[..end].ends_with(['.', ',', ';', ':']) {
            end -= 1;
        }
        let mut next = end;
        if out.ends_with("\\<") {
            // Already `<url>` in the schema (its `<` escaped above).
            out.truncate(out.len() - 2);
            if tail[end..].starts_with('>') {
                next += 1;
            }
        }
        if out.ends_with('`') {
            out += &tail[..end];
        } else {
            out += &format!("<{}>", &tail[..end]);
        }
        rest = &tail[next..];
    }
    out + rest
}

fn rust_doc(lines: &[String], indent: &str) -> String {
    let mut s = String::new();
    for l in lines.iter().flat_map(|l| l.split('\n')) {
        if l.trim().is_empty() {
            writeln!(s, "{indent}///").unwrap();
        } else {
            // Keep rustdoc from reading indented text as code or `[x]` as links.
            // Outside `code spans`, where escapes would show.
            let l: Vec<String> = l
                .trim_start()
                .split('`')
                .enumerate()
                .map(|(i, part)| {
                    if i % 2 == 1 {
                        return part.to_string();
                    }
                    autolink(
                        &part
                            .replace('[', "\\[")
                            .replace(']', "\\]")
                            .replace('<', "\\<"),
                    )
                })
                .collect();
            let l = l.join("`");
            writeln!(s, "{indent}/// {l}").unwrap();
        }
    }
    s
}

/// The variants of an untagged enum: the names of the types they hold, less the words they all
/// share at the start and the end (`DownloadMethodSimpleResponse`, `DownloadMethodGeturlResponse`
/// → `Simple`, `Geturl`), or `Variant1`, `Variant2`, … when the types are not all named.
fn variant_names(types: &[String]) -> Vec<String> {
    let fallback = || (1..=types.len()).map(|i| format!("Variant{i}")).collect();
    let bases: Vec<&str> = types
        .iter()
        .map(|t| {
            t.strip_prefix("Box<")
                .and_then(|x| x.strip_suffix('>'))
                .unwrap_or(t)
        })
        .collect();
    let named = |b: &&str| {
        b.starts_with(|c: char| c.is_ascii_uppercase())
            && b.chars().all(|c| c.is_ascii_alphanumeric())
    };
    // Types named here after the enum (`…Variant2`) have no name of their own.
    let anonymous = |b: &&str| {
        b.rsplit_once("Variant")
            .is_some_and(|(_, n)| n.chars().all(|c| c.is_ascii_digit()))
    };
    if types.len() < 2 || !bases.iter().all(named) || bases.iter().any(anonymous) {
        return fallback();
    }
    let words: Vec<Vec<String>> = bases
        .iter()
        .map(|b| {
            let mut w: Vec<String> = Vec::new();
            for c in b.chars() {
                match w.last_mut() {
                    Some(last) if !c.is_ascii_uppercase() => last.push(c),
                    _ => w.push(c.to_string()),
                }
            }
            w
        })
        .collect();
    let shortest = words.iter().map(Vec::len).min().unwrap_or(0);
    let mut pre = 0;
    while pre + 1 < shortest && words.iter().all(|w| w[pre] == words[0][pre]) {
        pre += 1;
    }
    let mut suf = 0;
    while pre + suf + 1 < shortest
        && words
            .iter()
            .all(|w| w[w.len() - 1 - suf] == words[0][words[0].len() - 1 - suf])
    {
        suf += 1;
    }
    let names: Vec<String> = words
        .iter()
        .map(|w| w[pre..w.len() - suf].concat())
        .collect();
    let unique: BTreeSet<&String> = names.iter().collect();
    if unique.len() != names.len()
        || names
            .iter()
            .any(|n| n.is_empty() || n.starts_with(|c: char| c.is_ascii_digit()))
    {
        return fallback();
    }
    names
}

pub struct RustGen<'a> {
    schemas: &'a Schemas,
    out: String,
    used: BTreeSet<String>,
}

impl<'a> RustGen<'a> {
    pub fn new(schemas: &'a Schemas) -> Self {
        RustGen {
            schemas,
            out: String::new(),
            used: schemas.names.values().cloned().collect(),
        }
    }

    fn fresh(&mut self, base: &str) -> String {
        let mut name = base.to_string();
        let mut i = 2;
        while self.used.contains(&name) {
            name = format!("{base}{i}");
            i += 1;
        }
        self.used.insert(name.clone());
        name
    }

    /// The Rust type of a schema; anonymous objects and enums become new items named `hint`.
    fn ty(&mut self, s: &Value, file: &str, hint: &str, depth: usize) -> String {
        if depth > 20 {
            return "serde_json::Value".into();
        }
        let Some(m) = s.as_object() else {
            return "serde_json::Value".into();
        };
        if let Some(r) = m.get("$ref").and_then(Value::as_str) {
            return match self.schemas.resolve(r, file) {
                Resolved::Named(k) if !self.schemas.is_container(&k) => {
                    format!("Box<{}>", self.schemas.names[&k])
                }
                Resolved::Inline(v, f) => self.ty(v, &f, hint, depth + 1),
                _ => "serde_json::Value".into(),
            };
        }
        for key in ["oneOf", "anyOf"] {
            if let Some(list) = m.get(key).and_then(Value::as_array) {
                if m.get("properties").is_some() {
                    return "serde_json::Value".into();
                }
                let name = self.fresh(hint);
                let types: Vec<String> = list
                    .iter()
                    .enumerate()
                    .map(|(i, v)| self.ty(v, file, &format!("{name}Variant{}", i + 1), depth + 1))
                    .collect();
                let variants: Vec<String> = variant_names(&types)
                    .iter()
                    .zip(&types)
                    .enumerate()
                    .map(|(i, (ident, t))| {
                        format!("    /// Alternative {}.\n    {ident}({t}),", i + 1)
                    })
                    .collect();
                let mut doc = doc_lines(s);
                if doc.is_empty() {
                    doc.push(format!("One of {} alternatives.", list.len()));
                }
                self.out += &rust_doc(&doc, "");
                writeln!(
                    self.out,
                    "#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]\n#[serde(untagged)]\npub enum {name} {{\n{}\n}}\n",
                    variants.join("\n")
                )
                .unwrap();
                return name;
            }
        }
        // A string constant is a one-value enum, so that untagged alternatives told apart by a
        // constant (`"method": "getUrl"`) deserialize into the right one.
        if let Some(c @ Value::String(_)) = m.get("const") {
            if m.get("allOf").is_none() {
                return self.string_enum(s, std::slice::from_ref(c), hint);
            }
        }
        if m.get("allOf").is_some() || m.get("const").is_some() {
            return "serde_json::Value".into();
        }
        let types: Vec<&str> = match m.get("type") {
            Some(Value::String(t)) => vec![t.as_str()],
            Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
            _ if m.contains_key("properties") => vec!["object"],
            _ => vec![],
        };
        let nullable = types.contains(&"null");
        let types: Vec<&str> = types.into_iter().filter(|t| *t != "null").collect();
        if types.len() != 1 {
            return "serde_json::Value".into();
        }
        let t = match types[0] {
            "string" => match m.get("enum").and_then(Value::as_array) {
                Some(vals) if vals.iter().all(Value::is_string) && !vals.is_empty() => {
                    self.string_enum(s, vals, hint)
                }
                _ => "String".into(),
            },
            "integer" => "i64".into(),
            "number" => "f64".into(),
            "boolean" => "bool".into(),
            "array" => match m.get("items") {
                Some(items @ Value::Object(_)) => {
                    let inner = self.ty(items, file, &format!("{hint}Item"), depth + 1);
                    format!(
                        "Vec<{}>",
                        inner
                            .strip_prefix("Box<")
                            .and_then(|x| x.strip_suffix('>'))
                            .unwrap_or(&inner)
                    )
                }
                _ => "Vec<serde_json::Value>".into(),
            },
            "object" => self.object(s, file, hint, depth),
            _ => "serde_json::Value".into(),
        };
        if nullable {
            format!("Option<{t}>")
        } else {
            t
        }
    }

    fn string_enum(&mut self, s: &Value, vals: &[Value], hint: &str) -> String {
        let name = self.fresh(hint);
        let mut doc = doc_lines(s);
        if doc.is_empty() {
            doc.push("One of a fixed set of strings.".into());
        }
        self.out += &rust_doc(&doc, "");
        let mut body = String::new();
        let mut seen = BTreeSet::new();
        for v in vals {
            let text = v.as_str().unwrap();
            let mut ident = pascal_words(text);
            if ident.is_empty() || ident.starts_with(|c: char| c.is_ascii_digit()) {
                ident = format!("V{ident}");
            }
            while !seen.insert(ident.clone()) {
                ident += "_";
            }
            writeln!(
                body,
                "    /// `{text}`\n    #[serde(rename = {text:?})]\n    {ident},"
            )
            .unwrap();
        }
        writeln!(
            self.out,
            "#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]\npub enum {name} {{\n{body}}}\n"
        )
        .unwrap();
        name
    }

    fn object(&mut self, s: &Value, file: &str, hint: &str, depth: usize) -> String {
        let props = s.get("properties").and_then(Value::as_object);
        let extra_allowed = !matches!(s.get("additionalProperties"), Some(Value::Bool(false)));
        if props.is_none_or(|p| p.is_empty()) {
            if !extra_allowed {
                return "serde_json::Map<String, serde_json::Value>".into();
            }
            return match s.get("additionalProperties") {
                Some(v @ Value::Object(_)) => {
                    let inner = self.ty(v, file, &format!("{hint}Value"), depth + 1);
                    format!("std::collections::BTreeMap<String, {inner}>")
                }
                _ => "serde_json::Map<String, serde_json::Value>".into(),
            };
        }
        let name = self.fresh(hint);
        self.struct_named(&name, s, file, depth, &doc_lines(s));
        name
    }

    fn struct_named(&mut self, name: &str, s: &Value, file: &str, depth: usize, doc: &[String]) {
        let props = s
            .get("properties")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let required: BTreeSet<&str> = s
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        let extra_allowed = !matches!(s.get("additionalProperties"), Some(Value::Bool(false)));
        let mut fields = String::new();
        for (k, v) in &props {
            let f = field_name(k);
            let t = self.ty(v, file, &format!("{name}{}", pascal_words(k)), depth + 1);
            let mut d = self.schemas.doc_of(v, file);
            if d.is_empty() {
                d.push(format!("`{k}`"));
            }
            fields += &rust_doc(&d, "    ");
            let mut attrs = Vec::new();
            if camel(&f) != *k {
                attrs.push(format!("rename = {k:?}"));
            }
            let t = if required.contains(k.as_str()) {
                t
            } else {
                attrs.push("default, skip_serializing_if = \"Option::is_none\"".into());
                format!("Option<{t}>")
            };
            if !attrs.is_empty() {
                writeln!(fields, "    #[serde({})]", attrs.join(", ")).unwrap();
            }
            writeln!(fields, "    pub {f}: {t},").unwrap();
        }
        if extra_allowed {
            fields += "    /// Fields the schema allows beyond those above.\n    #[serde(flatten)]\n    pub extra: serde_json::Map<String, serde_json::Value>,\n";
        }
        let mut doc = doc.to_vec();
        if doc.is_empty() {
            doc.push(format!("`{name}`"));
        }
        self.out += &rust_doc(&doc, "");
        writeln!(
            self.out,
            "#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]\n#[serde(rename_all = \"camelCase\")]\npub struct {name} {{\n{fields}}}\n"
        )
        .unwrap();
    }

    /// The whole module.
    pub fn module(mut self) -> String {
        let keys: Vec<TypeKey> = self.schemas.names.keys().cloned().collect();
        for k in keys {
            if self.schemas.is_container(&k) {
                continue;
            }
            let name = self.schemas.names[&k].clone();
            let schema = self.schemas.schema_of(&k).clone();
            let mut doc = doc_lines(&schema);
            let id = match &k.def {
                None => format!("/{}", k.file),
                Some(d) => format!("/{}#/definitions/{d}", k.file),
            };
            if !doc.is_empty() {
                doc.push(String::new());
            }
            doc.push(format!("JSON schema: `{id}`."));
            let is_struct = schema
                .get("properties")
                .and_then(Value::as_object)
                .is_some_and(|p| !p.is_empty())
                && ["oneOf", "anyOf", "allOf", "$ref"]
                    .iter()
                    .all(|f| schema.get(*f).is_none());
            if is_struct {
                self.used.remove(&name);
                self.used.insert(name.clone());
                self.struct_named(&name, &schema, &k.file, 0, &doc);
            } else {
                let t = self.ty(&schema, &k.file, &format!("{name}Inner"), 0);
                self.out += &rust_doc(&doc, "");
                writeln!(self.out, "pub type {name} = {t};\n").unwrap();
            }
        }
        format!(
            "{}//! Request and response types, one per JSON schema of references/schemas/ (generated).\n\n#![allow(clippy::large_enum_variant, clippy::enum_variant_names, clippy::doc_lazy_continuation, clippy::doc_overindented_list_items, clippy::box_collection, clippy::vec_box)]\n\nuse serde::{{Deserialize, Serialize}};\n\n{}",
            "// @generated by `cargo xtask codegen` from references/schemas/. Do not edit.\n",
            self.out
        )
    }
}
