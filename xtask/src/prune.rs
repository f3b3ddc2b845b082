//! Post-processing of wasm-bindgen's output for the release package, module and glue together:
//! [`prune`] drops the classes that nothing can reach and their exports (before wasm-opt, which
//! then drops the code only they reached); [`shorten_imports`] and [`shorten_exports`] (after
//! wasm-opt) give imports and exports one- or two-letter names, in the module, the glue and
//! the declarations of the raw exports. wasm-bindgen's names carry 16-digit hashes that
//! neither gzip nor a minifier can shorten (about 4.6 KiB gzip of the package). Each step
//! checks the glue's layout and fails the build rather than leave a half-renamed package.
//!
//! A dependency's `#[wasm_bindgen]` structs are exported whether the crate uses them or not:
//! wasm-streams exports `IntoUnderlyingByteSource` and `IntoUnderlyingSink`, which this crate
//! never creates (only `IntoUnderlyingSource` is). wasm-bindgen writes a private JS class for
//! each, which only the class itself names; no Rust code creates one (a class that Rust
//! creates is named by its `__wrap` in the glue), so JS never calls its exports. [`prune`]
//! removes such classes from the glue and their `.d.ts` declarations, and the exports that only
//! they called from the module; wasm-opt then drops the code that only those exports reached.
//!
//! The module is read with `wasmparser` and written with `wasm-encoder`: the import and export
//! sections are encoded anew, every other section is copied through byte for byte.

use std::collections::BTreeSet;

use wasm_encoder::{EntityType, ExportSection, ImportSection, Module, RawSection};
use wasmparser::{Encoding, Parser, Payload};

/// What [`prune`] removed.
#[derive(Debug, Default)]
pub(crate) struct Pruned {
    pub(crate) classes: Vec<String>,
    pub(crate) exports: Vec<String>,
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '$'
}

/// Whether `word` occurs in `text` as a whole identifier.
fn has_word(text: &str, word: &str) -> bool {
    text.match_indices(word).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + word.len()..].chars().next();
        !before.is_some_and(is_ident) && !after.is_some_and(is_ident)
    })
}

/// Where the first line of `text` that starts with `prefix` starts.
fn line_start(text: &str, prefix: &str) -> Option<usize> {
    if text.starts_with(prefix) {
        Some(0)
    } else {
        text.find(&format!("\n{prefix}")).map(|i| i + 1)
    }
}

/// The byte range of the first line of `text` that starts with `prefix`, with its newline.
fn line(text: &str, prefix: &str) -> Option<(usize, usize)> {
    let start = line_start(text, prefix)?;
    Some((
        start,
        text[start..]
            .find('\n')
            .map_or(text.len(), |i| start + i + 1),
    ))
}

/// The byte range from the first line of `text` that starts with `prefix` to the first line
/// after it that starts with `end_line_starts`, that line's newline included.
fn block(text: &str, prefix: &str, end_line_starts: &str) -> Option<(usize, usize)> {
    let start = line_start(text, prefix)?;
    let mut at = start;
    loop {
        let nl = text[at..].find('\n').map_or(text.len(), |i| at + i + 1);
        let line = &text[at..nl];
        if at > start && line.starts_with(end_line_starts) {
            return Some((start, nl));
        }
        if nl >= text.len() {
            return None;
        }
        at = nl;
    }
}

/// Removes `text[range]`.
fn cut(text: &mut String, range: (usize, usize)) -> String {
    let removed = text[range.0..range.1].to_string();
    text.replace_range(range.0..range.1, "");
    removed
}

/// The names `wasm.NAME` in `text`.
fn wasm_refs(text: &str) -> BTreeSet<String> {
    text.match_indices("wasm.")
        .map(|(i, _)| {
            text[i + 5..]
                .chars()
                .take_while(|&c| is_ident(c))
                .collect::<String>()
        })
        .filter(|n| !n.is_empty())
        .collect()
}

/// Prunes the glue (`js`) and its declarations (`dts`, `wasm_dts`), returning what to drop
/// from the module's exports. The texts are left unchanged when a class cannot be removed
/// whole (an unknown glue layout).
pub(crate) fn prune(js: &mut String, dts: &mut String, wasm_dts: &mut String) -> Pruned {
    let mut out = Pruned::default();
    let classes: Vec<String> = js
        .lines()
        .filter_map(|l| l.strip_prefix("class "))
        .filter_map(|l| l.strip_suffix(" {"))
        .filter(|n| n.chars().all(is_ident))
        .map(str::to_owned)
        .collect();
    let mut removed_refs = BTreeSet::new();
    for class in classes {
        let mut next = js.clone();
        let mut removed = String::new();
        let Some(body) = block(&next, &format!("class {class} {{"), "}") else {
            continue;
        };
        removed += &cut(&mut next, body);
        let dispose = format!("if (Symbol.dispose) {class}.prototype[Symbol.dispose]");
        if let Some(r) = line(&next, &dispose) {
            removed += &cut(&mut next, r);
        }
        let finalization = format!("const {class}Finalization = ");
        if let Some(r) = block(&next, &finalization, "    : new FinalizationRegistry(") {
            removed += &cut(&mut next, r);
        }
        if has_word(&next, &class) || has_word(&next, &format!("{class}Finalization")) {
            continue;
        }
        // The declarations: `declare class X { … }` and `export type { X };`.
        let mut next_dts = dts.clone();
        if let Some(r) = block(&next_dts, &format!("declare class {class} {{"), "}") {
            cut(&mut next_dts, r);
        }
        next_dts = next_dts.replace(&format!("export type {{ {class} }};\n"), "");
        *js = next;
        *dts = next_dts;
        removed_refs.extend(wasm_refs(&removed));
        out.classes.push(class);
    }
    for name in removed_refs {
        if !has_word(js, &name) {
            let line = |l: &str| {
                !(l.trim_start().starts_with(&format!("readonly {name}:"))
                    || l.starts_with(&format!("export const {name}:")))
            };
            *dts = keep_lines(dts, line);
            *wasm_dts = keep_lines(wasm_dts, line);
            out.exports.push(name);
        }
    }
    out
}

fn keep_lines(text: &str, keep: impl Fn(&str) -> bool) -> String {
    text.split_inclusive('\n').filter(|l| keep(l)).collect()
}

fn wasm_error(e: impl std::fmt::Display) -> String {
    format!("the wasm module: {e}")
}

/// The module rebuilt section by section: `edit` writes the sections it handles (returning
/// `true`) into the new module; every other section is copied through unchanged.
fn rewrite<'a>(
    wasm: &'a [u8],
    mut edit: impl FnMut(&Payload<'a>, &mut Module) -> Result<bool, String>,
) -> Result<Vec<u8>, String> {
    let mut module = Module::new();
    for payload in Parser::new(0).parse_all(wasm) {
        let payload = payload.map_err(wasm_error)?;
        if let Payload::Version { encoding, .. } = &payload {
            if *encoding != Encoding::Module {
                return Err("not a core wasm module".into());
            }
        }
        if edit(&payload, &mut module)? {
            continue;
        }
        // The code section comes whole (`CodeSectionStart`), its functions then one by one;
        // only whole sections have a range.
        if let Some((id, range)) = payload.as_section() {
            let data = usize::try_from(range.start)
                .ok()
                .zip(usize::try_from(range.end).ok())
                .and_then(|(start, end)| wasm.get(start..end))
                .ok_or("truncated wasm section")?;
            module.section(&RawSection { id, data });
        }
    }
    Ok(module.finish())
}

/// The module without the exports named in `drop`; an error when one of them is missing.
pub(crate) fn drop_exports(wasm: &[u8], drop: &[String]) -> Result<Vec<u8>, String> {
    let mut dropped = BTreeSet::new();
    let out = rewrite(wasm, |payload, module| {
        let Payload::ExportSection(reader) = payload else {
            return Ok(false);
        };
        let mut section = ExportSection::new();
        for export in reader.clone() {
            let export = export.map_err(wasm_error)?;
            if drop.iter().any(|d| d == export.name) {
                dropped.insert(export.name.to_string());
            } else {
                section.export(export.name, export.kind.into(), export.index);
            }
        }
        module.section(&section);
        Ok(true)
    })?;
    let missing: Vec<&String> = drop.iter().filter(|d| !dropped.contains(*d)).collect();
    if !missing.is_empty() {
        return Err(format!("the wasm module has no export {missing:?}"));
    }
    Ok(out)
}

/// The short names given to imports: `a`…`z`, `A`…`Z`, then `aa`, `ab`, ….
fn short_name(mut i: usize) -> String {
    const LETTERS: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let mut out = Vec::new();
    loop {
        out.push(LETTERS[i % LETTERS.len()]);
        if i < LETTERS.len() {
            break;
        }
        i = i / LETTERS.len() - 1;
    }
    out.reverse();
    String::from_utf8(out).unwrap()
}

/// The glue's import object for `module` (wasm-bindgen's `const import0 = { … };`): the byte
/// range of its entries, each `        NAME: function(…) {` … `        },`.
fn import_object(js: &str) -> Option<(usize, usize)> {
    let start = js.find("    const import0 = {\n")? + "    const import0 = {\n".len();
    let end = start + js[start..].find("\n    };\n")? + 1;
    Some((start, end))
}

/// Gives the module's imports from the glue (module `module`, provided by the glue's
/// `import0` object) one- or two-letter names, in the module and in the glue, and names the
/// module `a`; drops the glue's import functions that the module no longer imports (wasm-opt
/// removes those it does not call). wasm-bindgen's names carry a 16-digit hash each, which
/// neither gzip nor a minifier can shorten. Fails, leaving nothing half-renamed, when the glue
/// does not have the layout this expects.
pub(crate) fn shorten_imports(
    wasm: &[u8],
    js: &mut String,
    module: &str,
) -> Result<Vec<u8>, String> {
    let key = format!("        \"{module}\": import0,\n");
    if js.matches(&key).count() != 1 {
        return Err(format!("the glue does not pass its imports as {key:?}"));
    }
    let (start, end) = import_object(js).ok_or("the glue has no `const import0 = {…};`")?;
    let object = &js[start..end];
    // The entries of the glue's import object, in order: (name, text).
    let mut entries: Vec<(String, String)> = Vec::new();
    for line in object.split_inclusive('\n') {
        let entry = line
            .strip_prefix("        ")
            .filter(|l| !l.starts_with(' ') && !l.starts_with('}'))
            .and_then(|l| l.split_once(": function("));
        match entry {
            Some((name, _)) if name.chars().all(is_ident) => {
                entries.push((name.to_string(), line.to_string()))
            }
            _ if line == "        __proto__: null,\n" => {}
            _ => match entries.last_mut() {
                Some((_, text)) => text.push_str(line),
                None => return Err(format!("unexpected glue import line {line:?}")),
            },
        }
    }
    let mut renamed = std::collections::BTreeMap::new();
    let out = rewrite(wasm, |payload, out| {
        let Payload::ImportSection(reader) = payload else {
            return Ok(false);
        };
        let mut section = ImportSection::new();
        for import in reader.clone().into_imports() {
            let import = import.map_err(wasm_error)?;
            let ty = EntityType::try_from(import.ty).map_err(wasm_error)?;
            if import.module == module {
                if renamed.contains_key(import.name) {
                    return Err(format!("{} is imported twice", import.name));
                }
                let short = short_name(renamed.len());
                section.import("a", &short, ty);
                renamed.insert(import.name.to_string(), short);
            } else {
                section.import(import.module, import.name, ty);
            }
        }
        out.section(&section);
        Ok(true)
    })?;
    let mut object = String::new();
    for (name, text) in &entries {
        if has_word(&js[..start], name) || has_word(&js[end..], name) {
            return Err(format!(
                "the glue names the import {name} outside its import object"
            ));
        }
        if let Some(short) = renamed.remove(name) {
            object += &format!("        {short}{}", &text[8 + name.len()..]);
        }
    }
    if let Some(name) = renamed.keys().next() {
        return Err(format!(
            "the module imports {name}, which the glue does not provide"
        ));
    }
    let mut next = format!("{}{object}{}", &js[..start], &js[end..]);
    next = next.replacen(&key, "        a: import0,\n", 1);
    *js = next;
    Ok(out)
}

/// Renames the module's exports to short names, in the module and where the glue uses them
/// (`wasm.NAME`), and in the declarations of the raw exports (`dts`: `readonly NAME:`,
/// `wasm_dts`: `export const NAME:`). The glue reaches every export as `wasm.NAME`; an export
/// it also names otherwise keeps its name.
pub(crate) fn shorten_exports(
    wasm: &[u8],
    js: &mut String,
    dts: &mut String,
    wasm_dts: &mut String,
) -> Result<Vec<u8>, String> {
    let (mut next_js, mut next_dts, mut next_wasm_dts) =
        (js.clone(), dts.clone(), wasm_dts.clone());
    let mut k = 0;
    let out = rewrite(wasm, |payload, module| {
        let Payload::ExportSection(reader) = payload else {
            return Ok(false);
        };
        let mut section = ExportSection::new();
        for entry in reader.clone() {
            let entry = entry.map_err(wasm_error)?;
            let export = entry.name;
            let used = format!("wasm.{export}");
            // Only names the glue reaches as `wasm.NAME` and names nowhere else as a whole
            // word, but in comments, or where the glue has a function of the same name
            // (the closure shims and the exported functions), which its bare uses name.
            let own_function = next_js.contains(&format!("function {export}("));
            let elsewhere = !own_function
                && next_js.lines().any(|l| {
                    let t = l.trim_start();
                    !(t.starts_with("*") || t.starts_with("/*") || t.starts_with("//"))
                        && has_word(&l.replace(&used, ""), export)
                });
            let new = if elsewhere || !has_word(&next_js, &used) {
                export.to_string()
            } else {
                let short = loop {
                    let s = short_name(k);
                    k += 1;
                    if !has_word(&next_js, &format!("wasm.{s}")) {
                        break s;
                    }
                };
                next_js = replace_word(&next_js, &used, &format!("wasm.{short}"));
                next_dts = replace_word(
                    &next_dts,
                    &format!("readonly {export}:"),
                    &format!("readonly {short}:"),
                );
                next_wasm_dts = replace_word(
                    &next_wasm_dts,
                    &format!("export const {export}:"),
                    &format!("export const {short}:"),
                );
                short
            };
            section.export(&new, entry.kind.into(), entry.index);
        }
        module.section(&section);
        Ok(true)
    })?;
    (*js, *dts, *wasm_dts) = (next_js, next_dts, next_wasm_dts);
    Ok(out)
}

/// `text` with each whole-word `from` (not preceded or followed by an identifier character)
/// replaced by `to`.
fn replace_word(text: &str, from: &str, to: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for (at, _) in text.match_indices(from) {
        let before = text[..at].chars().next_back();
        let after = text[at + from.len()..].chars().next();
        let edge = |c: Option<char>, first: bool| {
            // `from` may begin or end with a non-identifier character (`wasm.x`, `readonly x:`).
            let inner = if first {
                from.chars().next()
            } else {
                from.chars().next_back()
            };
            !inner.is_some_and(is_ident) || !c.is_some_and(is_ident)
        };
        if at >= last && edge(before, true) && edge(after, false) {
            out.push_str(&text[last..at]);
            out.push_str(to);
            last = at + from.len();
        }
    }
    out.push_str(&text[last..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_encoder::{
        CodeSection, CustomSection, ExportKind, Function, FunctionSection, TypeSection,
    };

    /// A module with one function type, function imports of that type, one function, exports
    /// of that function, and a custom section after the code.
    fn module(imports: &[(&str, &str)], exports: &[&str]) -> Vec<u8> {
        let mut m = Module::new();
        let mut types = TypeSection::new();
        types.ty().function([], []);
        m.section(&types);
        if !imports.is_empty() {
            let mut section = ImportSection::new();
            for (module, name) in imports {
                section.import(module, name, EntityType::Function(0));
            }
            m.section(&section);
        }
        let mut functions = FunctionSection::new();
        functions.function(0);
        m.section(&functions);
        if !exports.is_empty() {
            let mut section = ExportSection::new();
            for name in exports {
                section.export(name, ExportKind::Func, imports.len() as u32);
            }
            m.section(&section);
        }
        let mut code = CodeSection::new();
        let mut f = Function::new([]);
        f.instructions().end();
        code.function(&f);
        m.section(&code);
        m.section(&CustomSection {
            name: "note".into(),
            data: b"copied as is".as_slice().into(),
        });
        m.finish()
    }

    /// The imports of `wasm`, (module, name), read back with wasmparser.
    fn imports_of(wasm: &[u8]) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for payload in Parser::new(0).parse_all(wasm) {
            if let Payload::ImportSection(reader) = payload.unwrap() {
                for import in reader.into_imports() {
                    let import = import.unwrap();
                    out.push((import.module.to_string(), import.name.to_string()));
                }
            }
        }
        out
    }

    const GLUE: &str = "\
class Dead {
    free() {
        wasm.__wbg_dead_free(this.__wbg_ptr, 0);
    }
    pull(c) {
        return wasm.dead_pull(this.__wbg_ptr, c);
    }
}
if (Symbol.dispose) Dead.prototype[Symbol.dispose] = Dead.prototype.free;

class Live {
    static __wrap(ptr) {
        const obj = Object.create(Live.prototype);
        LiveFinalization.register(obj, ptr, obj);
        return obj;
    }
    pull(c) {
        return wasm.live_pull(this.__wbg_ptr, c);
    }
}
if (Symbol.dispose) Live.prototype[Symbol.dispose] = Live.prototype.free;
export function f() { return Live.__wrap(wasm.make()); }
const DeadFinalization = (typeof FinalizationRegistry === 'undefined')
    ? { register: () => {}, unregister: () => {} }
    : new FinalizationRegistry(ptr => wasm.__wbg_dead_free(ptr, 1));
const LiveFinalization = (typeof FinalizationRegistry === 'undefined')
    ? { register: () => {}, unregister: () => {} }
    : new FinalizationRegistry(ptr => wasm.__wbg_live_free(ptr, 1));
";

    #[test]
    fn removes_only_unreachable_classes() {
        let mut js = GLUE.to_string();
        let mut dts = "declare class Dead {\n  pull(): void;\n}\nexport type { Dead };\n\
                       declare class Live {\n}\nexport type { Live };\n\
                       readonly dead_pull: (a: number) => void;\nreadonly live_pull: (a: number) => void;\n"
            .to_string();
        let mut wasm_dts =
            "export const dead_pull: (a: number) => void;\nexport const make: () => number;\n"
                .to_string();
        let p = prune(&mut js, &mut dts, &mut wasm_dts);
        assert_eq!(p.classes, ["Dead"]);
        assert_eq!(p.exports, ["__wbg_dead_free", "dead_pull"]);
        assert!(!js.contains("Dead"), "{js}");
        assert!(js.contains("class Live {") && js.contains("LiveFinalization = "));
        assert!(js.contains("wasm.live_pull") && js.contains("wasm.__wbg_live_free"));
        assert!(!dts.contains("Dead") && !dts.contains("dead_pull"), "{dts}");
        assert!(dts.contains("declare class Live") && dts.contains("live_pull"));
        assert_eq!(wasm_dts, "export const make: () => number;\n");
    }

    #[test]
    fn drops_named_exports() {
        let input = module(&[], &["a", "b"]);
        let out = drop_exports(&input, &["a".into()]).unwrap();
        // Every other section (types, functions, code, the custom section) comes through as is.
        assert_eq!(out, module(&[], &["b"]));
        let err = drop_exports(&input, &["c".into()]).unwrap_err();
        assert!(err.contains("no export [\"c\"]"), "{err}");
        let err = drop_exports(b"\0asx\x01\0\0\0", &[]).unwrap_err();
        assert!(err.starts_with("the wasm module: "), "{err}");
        let mut truncated = input.clone();
        truncated.truncate(input.len() - 3);
        assert!(drop_exports(&truncated, &[]).is_err());
    }

    #[test]
    fn short_names_are_distinct() {
        let names: BTreeSet<String> = (0..3000).map(short_name).collect();
        assert_eq!(names.len(), 3000);
        assert_eq!(short_name(0), "a");
        assert_eq!(short_name(51), "Z");
        assert_eq!(short_name(52), "aa");
        assert!(names
            .iter()
            .all(|n| n.chars().all(|c| c.is_ascii_alphabetic())));
    }

    #[test]
    fn shortens_imports_and_drops_unused_ones() {
        let js = "\
function __wbg_get_imports() {
    const import0 = {
        __proto__: null,
        __wbg_kept_0123456789abcdef: function(arg0) {
            const ret = typeof(arg0) === 'function';
            return ret;
        },
        __wbg_gone_0123456789abcdef: function() {
            return 1;
        },
        __wbindgen_init_externref_table: function() {
            const table = wasm.__wbindgen_externrefs;
        },
    };
    return {
        __proto__: null,
        \"./m_bg.js\": import0,
        \"./snippets/s.js\": import1,
    };
}
";
        let imports = [
            ("./m_bg.js", "__wbindgen_init_externref_table"),
            ("./snippets/s.js", "f"),
            ("./m_bg.js", "__wbg_kept_0123456789abcdef"),
        ];
        let input = module(&imports, &["run"]);
        let mut glue = js.to_string();
        let out = shorten_imports(&input, &mut glue, "./m_bg.js").unwrap();
        let shortened = [("a", "a"), ("./snippets/s.js", "f"), ("a", "b")];
        assert_eq!(out, module(&shortened, &["run"]));
        let names: Vec<(String, String)> = shortened
            .iter()
            .map(|(m, n)| (m.to_string(), n.to_string()))
            .collect();
        assert_eq!(imports_of(&out), names);
        assert!(
            glue.contains("        a: function() {\n            const table"),
            "{glue}"
        );
        assert!(glue.contains("        b: function(arg0) {\n"), "{glue}");
        assert!(!glue.contains("gone") && !glue.contains("kept"), "{glue}");
        assert!(glue.contains("        a: import0,\n        \"./snippets/s.js\": import1,"));
        // A glue without the expected layout is an error, and stays as it was.
        let mut other = js.replace("const import0", "const imports0");
        assert!(shorten_imports(&input, &mut other, "./m_bg.js").is_err());
        assert_eq!(other, js.replace("const import0", "const imports0"));
    }

    #[test]
    fn shortens_exports_the_glue_reaches_as_wasm_dot() {
        let input = module(&[], &["run_x", "other", "run_xy"]);
        let mut js = "/** run_xy, other */\nfunction run_x(a) { wasm.run_x(a); wasm.run_xy(); }\n\
                      export function f() { wasm.other(); return other; }\nrun_x(1);\n"
            .to_string();
        let mut dts =
            "    readonly run_x: () => void;\n    readonly run_xy: () => void;\n".to_string();
        let mut wasm_dts = "export const run_x: () => void;\n".to_string();
        let out = shorten_exports(&input, &mut js, &mut dts, &mut wasm_dts).unwrap();
        assert_eq!(
            js,
            "/** run_xy, other */\nfunction run_x(a) { wasm.a(a); wasm.b(); }\n\
             export function f() { wasm.other(); return other; }\nrun_x(1);\n"
        );
        assert_eq!(
            dts,
            "    readonly a: () => void;\n    readonly b: () => void;\n"
        );
        assert_eq!(wasm_dts, "export const a: () => void;\n");
        assert_eq!(out, module(&[], &["a", "other", "b"]));
    }

    #[test]
    fn replaces_whole_words_only() {
        assert_eq!(
            replace_word("wasm.ab wasm.abc xwasm.ab", "wasm.ab", "wasm.z"),
            "wasm.z wasm.abc xwasm.ab"
        );
    }
}
