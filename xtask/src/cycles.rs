//! `check-cycles`: fails when modules of a crate import each other in a circle.
//!
//! The module tree is read from the files: from a crate root (`lib.rs`, `main.rs`) every
//! `mod x;` is `x.rs` or `x/mod.rs` beside it (in `<stem>/` for a non-`mod.rs` file); inline
//! `mod x { … }` blocks belong to their file. One file is one node of the graph.
//!
//! An edge A → B is a path in A (outside comments and string literals) that names B or an item
//! of B: `crate::…` (also `$crate::…`), `super::…`, `self::…`, or a path that starts with a
//! child module of A or with a name that a `use` of A binds. A path is resolved to the longest
//! module prefix; when the next segment is a re-export of that module (`pub use …`, also
//! `pub use …::*`), it is followed to the module that defines the item, so facades such as
//! `lib.rs` do not tie everything together. A re-export is itself an edge only when its file
//! also uses the name (not just passes it on).

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::path::{Path, PathBuf};

/// A module path below the crate root (`[]` is the root, `["a", "b"]` is `crate::a::b`).
type ModPath = Vec<String>;

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    /// `::`
    Sep,
    Punct(char),
    Other,
}

#[derive(Debug, Clone)]
struct Token {
    tok: Tok,
    line: usize,
}

/// A `use` leaf: the full path it names, the name it binds (`None` for a glob).
#[derive(Debug, Clone)]
struct UseLeaf {
    segs: Vec<String>,
    bind: Option<String>,
}

/// What one module (file or inline) holds.
#[derive(Debug, Default, Clone)]
struct Module {
    /// The file that holds it (the graph node).
    file: ModPath,
    /// Child modules (file or inline) by name.
    children: BTreeSet<String>,
    /// Names of items defined here.
    defines: BTreeSet<String>,
    /// `pub use` bindings: name → (path, line).
    reexports: BTreeMap<String, (Vec<String>, usize)>,
    /// `pub use path::*` targets.
    glob_reexports: Vec<Vec<String>>,
    /// Private `use` bindings: name → path.
    bindings: BTreeMap<String, Vec<String>>,
}

/// One file of the crate.
#[derive(Debug)]
struct File {
    path: PathBuf,
    /// Paths seen in the file: (module they are in, segments, line, whether inside a `use`
    /// statement that is a re-export).
    paths: Vec<(ModPath, Vec<String>, usize, Option<String>)>,
    /// How often each identifier occurs outside `use` statements.
    ident_uses: BTreeMap<String, usize>,
}

/// The module graph of one crate.
#[derive(Debug, Default)]
pub struct Crate {
    /// The crate root's path, as given (for messages).
    root_file: PathBuf,
    modules: BTreeMap<ModPath, Module>,
    files: BTreeMap<ModPath, File>,
}

/// An import edge between two files, with where it appears.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edge {
    /// The file that imports.
    pub from: String,
    /// The file imported from.
    pub to: String,
    /// `file:line` of the first occurrence.
    pub site: String,
    /// How many occurrences there are.
    pub count: usize,
}

/// Blank out comments, string, byte-string, raw-string and char literals (newlines are kept,
/// so line numbers stay right).
fn strip(src: &str) -> Vec<char> {
    let s: Vec<char> = src.chars().collect();
    let mut out = Vec::with_capacity(s.len());
    let blank = |c: char| if c == '\n' { '\n' } else { ' ' };
    let mut i = 0;
    while i < s.len() {
        let c = s[i];
        let next = s.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < s.len() && s[i] != '\n' {
                out.push(' ');
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < s.len() {
                if s[i] == '/' && s.get(i + 1) == Some(&'*') {
                    depth += 1;
                    out.extend([' ', ' ']);
                    i += 2;
                } else if s[i] == '*' && s.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    out.extend([' ', ' ']);
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    out.push(blank(s[i]));
                    i += 1;
                }
            }
        } else if c == '"' {
            out.push(' ');
            i += 1;
            while i < s.len() && s[i] != '"' {
                if s[i] == '\\' && i + 1 < s.len() {
                    out.push(' ');
                    i += 1;
                }
                out.push(blank(s[i]));
                i += 1;
            }
            if i < s.len() {
                out.push(' ');
                i += 1;
            }
        } else if c == '\'' {
            // a char literal ('x', '\n', '\u{..}') or a lifetime / label ('a)
            let close = if next == Some('\\') {
                (i + 2..s.len().min(i + 14)).find(|&j| s[j] == '\'')
            } else if s.get(i + 2) == Some(&'\'') {
                Some(i + 2)
            } else {
                None
            };
            match close {
                Some(j) => {
                    out.extend(std::iter::repeat_n(' ', j + 1 - i));
                    i = j + 1;
                }
                None => {
                    out.push(c);
                    i += 1;
                }
            }
        } else if c.is_alphabetic() || c == '_' {
            let start = i;
            while i < s.len() && (s[i].is_alphanumeric() || s[i] == '_') {
                i += 1;
            }
            let word: String = s[start..i].iter().collect();
            let hashes = s[i..].iter().take_while(|&&c| c == '#').count();
            let raw = matches!(word.as_str(), "r" | "br" | "cr")
                && s.get(i + hashes) == Some(&'"')
                && (hashes > 0 || s.get(i) == Some(&'"'));
            if raw {
                // r#"…"#: ends at a quote followed by as many hashes
                let mut j = i + hashes + 1;
                while j < s.len() {
                    if s[j] == '"'
                        && s[j + 1..]
                            .iter()
                            .take(hashes)
                            .filter(|&&c| c == '#')
                            .count()
                            == hashes
                    {
                        j += 1 + hashes;
                        break;
                    }
                    j += 1;
                }
                out.extend(s[start..j.min(s.len())].iter().map(|&c| blank(c)));
                i = j.min(s.len());
            } else if matches!(word.as_str(), "b" | "c") && matches!(s.get(i), Some('"' | '\'')) {
                // b"…", c"…", b'x': the literal follows; blank the prefix
                out.push(' ');
            } else {
                out.extend(s[start..i].iter());
            }
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

fn tokenize(src: &str) -> Vec<Token> {
    let s = strip(src);
    let mut toks = Vec::new();
    let mut line = 1;
    let mut i = 0;
    while i < s.len() {
        let c = s[i];
        if c == '\n' {
            line += 1;
            i += 1;
        } else if c.is_whitespace() {
            i += 1;
        } else if c.is_alphabetic() || c == '_' {
            let start = i;
            while i < s.len() && (s[i].is_alphanumeric() || s[i] == '_') {
                i += 1;
            }
            let mut word: String = s[start..i].iter().collect();
            if word == "r" && s.get(i) == Some(&'#') {
                // raw identifier r#name
                let st = i + 1;
                i = st;
                while i < s.len() && (s[i].is_alphanumeric() || s[i] == '_') {
                    i += 1;
                }
                word = s[st..i].iter().collect();
            }
            toks.push(Token {
                tok: Tok::Ident(word),
                line,
            });
        } else if c.is_ascii_digit() {
            while i < s.len() && (s[i].is_alphanumeric() || s[i] == '_') {
                i += 1;
            }
            toks.push(Token {
                tok: Tok::Other,
                line,
            });
        } else if c == ':' && s.get(i + 1) == Some(&':') {
            toks.push(Token {
                tok: Tok::Sep,
                line,
            });
            i += 2;
        } else {
            toks.push(Token {
                tok: Tok::Punct(c),
                line,
            });
            i += 1;
        }
    }
    toks
}

fn ident(t: Option<&Token>) -> Option<&str> {
    match t.map(|t| &t.tok) {
        Some(Tok::Ident(s)) => Some(s),
        _ => None,
    }
}

/// Parse a use tree starting at `toks[*i]`, appending its leaves (with `prefix`).
fn parse_use_tree(toks: &[Token], i: &mut usize, prefix: &[String], out: &mut Vec<UseLeaf>) {
    let mut segs = prefix.to_vec();
    if toks.get(*i).map(|t| &t.tok) == Some(&Tok::Sep) {
        *i += 1; // leading `::` (2015 style)
    }
    loop {
        match toks.get(*i).map(|t| &t.tok) {
            Some(Tok::Ident(name)) => {
                segs.push(name.clone());
                *i += 1;
                if toks.get(*i).map(|t| &t.tok) == Some(&Tok::Sep) {
                    *i += 1;
                    continue;
                }
                let mut bind = segs.last().cloned();
                if bind.as_deref() == Some("self") {
                    segs.pop();
                    bind = segs.last().cloned();
                }
                if ident(toks.get(*i)) == Some("as") {
                    *i += 1;
                    bind = ident(toks.get(*i))
                        .filter(|n| *n != "_")
                        .map(str::to_string);
                    *i += 1;
                }
                out.push(UseLeaf { segs, bind });
                return;
            }
            Some(Tok::Punct('*')) => {
                *i += 1;
                out.push(UseLeaf { segs, bind: None });
                return;
            }
            Some(Tok::Punct('{')) => {
                *i += 1;
                loop {
                    match toks.get(*i).map(|t| &t.tok) {
                        Some(Tok::Punct('}')) => {
                            *i += 1;
                            return;
                        }
                        Some(Tok::Punct(',')) => *i += 1,
                        None => return,
                        _ => {
                            let before = *i;
                            parse_use_tree(toks, i, &segs, out);
                            if *i == before {
                                *i += 1;
                            }
                        }
                    }
                }
            }
            _ => return,
        }
    }
}

/// Whether the tokens before `toks[i]` (a `use`) make it public (`pub`, `pub(crate)`, …).
fn is_pub_before(toks: &[Token], i: usize) -> bool {
    if i == 0 {
        return false;
    }
    match &toks[i - 1].tok {
        Tok::Ident(s) => s == "pub",
        Tok::Punct(')') => {
            let open = (0..i - 1).rev().find(|&j| toks[j].tok == Tok::Punct('('));
            open.is_some_and(|j| j > 0 && ident(toks.get(j - 1)) == Some("pub"))
        }
        _ => false,
    }
}

const ITEM_KEYWORDS: &[&str] = &[
    "fn", "struct", "enum", "trait", "type", "const", "static", "union", "mod",
];

impl Crate {
    /// Read the crate whose root file is `root_file`.
    pub fn load(root_file: &Path) -> Result<Crate, String> {
        let mut krate = Crate {
            root_file: root_file.to_path_buf(),
            ..Default::default()
        };
        let dir = root_file.parent().unwrap_or(Path::new(".")).to_path_buf();
        krate.load_file(root_file, Vec::new(), dir)?;
        Ok(krate)
    }

    /// Read one file module `path` (at `file_mod`), whose child files live in `child_dir`.
    fn load_file(
        &mut self,
        path: &Path,
        file_mod: ModPath,
        child_dir: PathBuf,
    ) -> Result<(), String> {
        let src = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let toks = tokenize(&src);
        let mut file = File {
            path: path.to_path_buf(),
            paths: Vec::new(),
            ident_uses: BTreeMap::new(),
        };
        self.modules.entry(file_mod.clone()).or_default().file = file_mod.clone();
        // the current module (file path + inline modules) and the brace depth each inline
        // module closes at
        let mut cur = file_mod.clone();
        let mut inline: Vec<usize> = Vec::new();
        let mut depth = 0usize;
        let mut pending_inline: Option<String> = None;
        let mut file_children: Vec<(ModPath, String)> = Vec::new();
        let mut i = 0;
        while i < toks.len() {
            let t = &toks[i];
            match &t.tok {
                Tok::Punct('{') => {
                    depth += 1;
                    if let Some(name) = pending_inline.take() {
                        cur.push(name);
                        inline.push(depth);
                        let m = self.modules.entry(cur.clone()).or_default();
                        m.file = file_mod.clone();
                    }
                    i += 1;
                }
                Tok::Punct('}') => {
                    if inline.last() == Some(&depth) {
                        inline.pop();
                        cur.pop();
                    }
                    depth = depth.saturating_sub(1);
                    i += 1;
                }
                Tok::Ident(kw)
                    if kw == "mod"
                        && !matches!(
                            toks.get(i.wrapping_sub(1)).map(|t| &t.tok),
                            Some(Tok::Sep)
                        ) =>
                {
                    let Some(name) = ident(toks.get(i + 1)).map(str::to_string) else {
                        i += 1;
                        continue;
                    };
                    self.modules
                        .get_mut(&cur)
                        .unwrap()
                        .children
                        .insert(name.clone());
                    self.modules
                        .get_mut(&cur)
                        .unwrap()
                        .defines
                        .insert(name.clone());
                    match toks.get(i + 2).map(|t| &t.tok) {
                        Some(Tok::Punct(';')) => file_children.push((cur.clone(), name)),
                        Some(Tok::Punct('{')) => pending_inline = Some(name),
                        _ => {}
                    }
                    i += 2;
                }
                Tok::Ident(kw)
                    if kw == "use"
                        && !matches!(
                            toks.get(i.wrapping_sub(1)).map(|t| &t.tok),
                            Some(Tok::Sep)
                        ) =>
                {
                    let public = is_pub_before(&toks, i);
                    let line = t.line;
                    let mut j = i + 1;
                    let mut leaves = Vec::new();
                    parse_use_tree(&toks, &mut j, &[], &mut leaves);
                    while j < toks.len() && toks[j].tok != Tok::Punct(';') {
                        j += 1;
                    }
                    let m = self.modules.get_mut(&cur).unwrap();
                    for leaf in leaves {
                        match (&leaf.bind, public) {
                            (Some(b), true) => {
                                m.reexports.insert(b.clone(), (leaf.segs.clone(), line));
                            }
                            (None, true) => m.glob_reexports.push(leaf.segs.clone()),
                            (Some(b), false) => {
                                m.bindings.insert(b.clone(), leaf.segs.clone());
                            }
                            (None, false) => {}
                        }
                        let reexported = if public {
                            leaf.bind.clone().or(Some(String::new()))
                        } else {
                            None
                        };
                        file.paths.push((cur.clone(), leaf.segs, line, reexported));
                    }
                    i = j + 1;
                }
                Tok::Ident(name) => {
                    *file.ident_uses.entry(name.clone()).or_default() += 1;
                    if ITEM_KEYWORDS.contains(&name.as_str()) {
                        if let Some(n) = ident(toks.get(i + 1)) {
                            self.modules
                                .get_mut(&cur)
                                .unwrap()
                                .defines
                                .insert(n.to_string());
                        }
                    }
                    if name == "macro_rules" {
                        if let Some(n) = ident(toks.get(i + 2)) {
                            self.modules
                                .get_mut(&cur)
                                .unwrap()
                                .defines
                                .insert(n.to_string());
                        }
                    }
                    let starts_path = toks.get(i + 1).map(|t| &t.tok) == Some(&Tok::Sep)
                        && !matches!(toks.get(i.wrapping_sub(1)).map(|t| &t.tok), Some(Tok::Sep));
                    if !starts_path {
                        i += 1;
                        continue;
                    }
                    let mut segs = vec![name.clone()];
                    let mut j = i + 1;
                    while toks.get(j).map(|t| &t.tok) == Some(&Tok::Sep) {
                        match ident(toks.get(j + 1)) {
                            Some(n) => {
                                segs.push(n.to_string());
                                j += 2;
                            }
                            None => break,
                        }
                    }
                    for s in &segs[1..] {
                        *file.ident_uses.entry(s.clone()).or_default() += 1;
                    }
                    file.paths.push((cur.clone(), segs, t.line, None));
                    i = j;
                }
                _ => i += 1,
            }
        }
        self.files.insert(file_mod.clone(), file);
        for (parent, name) in file_children {
            let mut dir = child_dir.clone();
            for seg in &parent[file_mod.len()..] {
                dir.push(seg);
            }
            let flat = dir.join(format!("{name}.rs"));
            let nested = dir.join(&name).join("mod.rs");
            let mut m = parent.clone();
            m.push(name.clone());
            if flat.is_file() {
                self.load_file(&flat, m, dir.join(&name))?;
            } else if nested.is_file() {
                self.load_file(&nested, m, dir.join(&name))?;
            } else {
                return Err(format!(
                    "{}: `mod {name};` but neither {} nor {} exists",
                    path.display(),
                    flat.display(),
                    nested.display()
                ));
            }
        }
        Ok(())
    }

    /// The absolute module path a path written in module `ctx` starts from, with its rest.
    fn absolute(&self, ctx: &[String], segs: &[String]) -> Option<Vec<String>> {
        self.absolute_at(ctx, segs, 0)
    }

    fn absolute_at(&self, ctx: &[String], segs: &[String], depth: usize) -> Option<Vec<String>> {
        let first = segs.first()?;
        if depth > 16 {
            return None;
        }
        match first.as_str() {
            "crate" => Some(segs[1..].to_vec()),
            "self" => Some([ctx, &segs[1..]].concat()),
            "super" => {
                let ups = segs.iter().take_while(|s| *s == "super").count();
                let base = ctx.get(..ctx.len().checked_sub(ups)?)?;
                Some([base, &segs[ups..]].concat())
            }
            name => {
                let m = self.modules.get(ctx)?;
                if m.children.contains(name) {
                    Some([ctx, segs].concat())
                } else if let Some(target) = m
                    .bindings
                    .get(name)
                    .or(m.reexports.get(name).map(|r| &r.0))
                    // `use base64;` names the extern crate, not itself
                    .filter(|t| t.first() != Some(first))
                {
                    let abs = self.absolute_at(ctx, target, depth + 1)?;
                    Some([abs.as_slice(), &segs[1..]].concat())
                } else {
                    None
                }
            }
        }
    }

    /// The module that defines what absolute path `abs` names (following re-exports).
    fn resolve(&self, abs: &[String], depth: usize) -> Option<ModPath> {
        let n = (0..=abs.len())
            .rev()
            .find(|&n| self.modules.contains_key(&abs[..n]))?;
        let module = abs[..n].to_vec();
        if n == abs.len() || depth > 16 {
            return Some(module);
        }
        let m = &self.modules[&module];
        let name = &abs[n];
        if let Some((target, _)) = m.reexports.get(name) {
            if let Some(t) = self.absolute(&module, target) {
                let full = [t.as_slice(), &abs[n + 1..]].concat();
                if let Some(r) = self.resolve(&full, depth + 1) {
                    return Some(r);
                }
            }
        }
        if !m.defines.contains(name) {
            for g in &m.glob_reexports {
                let Some(t) = self.absolute(&module, g) else {
                    continue;
                };
                let Some(gm) = self.modules.get(&t) else {
                    continue;
                };
                if gm.defines.contains(name)
                    || gm.reexports.contains_key(name)
                    || !gm.glob_reexports.is_empty()
                {
                    let full = [t.as_slice(), &abs[n..]].concat();
                    if let Some(r) = self.resolve(&full, depth + 1) {
                        if r != t || gm.defines.contains(name) {
                            return Some(r);
                        }
                    }
                }
            }
        }
        Some(module)
    }

    fn file_of(&self, module: &[String]) -> ModPath {
        self.modules[module].file.clone()
    }

    /// A readable name for a file module (`crate`, `crate::a::b`).
    fn name(file: &[String]) -> String {
        std::iter::once("crate".to_string())
            .chain(file.iter().cloned())
            .collect::<Vec<_>>()
            .join("::")
    }

    /// Every import edge between two different files.
    pub fn edges(&self) -> Vec<Edge> {
        let mut edges: BTreeMap<(ModPath, ModPath), (String, usize)> = BTreeMap::new();
        for (fmod, file) in &self.files {
            for (ctx, segs, line, reexported) in &file.paths {
                if let Some(name) = reexported {
                    // a re-export is an edge only when the file uses the name itself
                    let used =
                        !name.is_empty() && file.ident_uses.get(name).copied().unwrap_or(0) > 0;
                    if !used {
                        continue;
                    }
                }
                let Some(abs) = self.absolute(ctx, segs) else {
                    continue;
                };
                let Some(target) = self.resolve(&abs, 0) else {
                    continue;
                };
                let to = self.file_of(&target);
                if &to == fmod {
                    continue;
                }
                let site = format!("{}:{line}", file.path.display());
                edges
                    .entry((fmod.clone(), to))
                    .and_modify(|e| e.1 += 1)
                    .or_insert((site, 1));
            }
        }
        edges
            .into_iter()
            .map(|((from, to), (site, count))| Edge {
                from: Self::name(&from),
                to: Self::name(&to),
                site,
                count,
            })
            .collect()
    }

    /// The import cycles: each strongly connected component of more than one file, as a
    /// report (its files, one shortest cycle, and every edge inside it with its site).
    pub fn cycles(&self) -> Vec<String> {
        let edges = self.edges();
        let nodes: Vec<String> = self.files.keys().map(|f| Self::name(f)).collect();
        let index: BTreeMap<&str, usize> = nodes
            .iter()
            .enumerate()
            .map(|(i, n)| (n.as_str(), i))
            .collect();
        let mut adj = vec![Vec::new(); nodes.len()];
        for e in &edges {
            adj[index[e.from.as_str()]].push(index[e.to.as_str()]);
        }
        let mut reports = Vec::new();
        for scc in tarjan(&adj) {
            if scc.len() < 2 {
                continue;
            }
            let members: BTreeSet<usize> = scc.iter().copied().collect();
            let start = *members.iter().next().unwrap();
            let cycle = shortest_cycle(&adj, start, &members);
            let mut r = format!(
                "import cycle in {} between {} modules: {}\n  e.g. {}\n",
                self.root_file.display(),
                members.len(),
                members
                    .iter()
                    .map(|&m| nodes[m].as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                cycle
                    .iter()
                    .map(|&m| nodes[m].as_str())
                    .collect::<Vec<_>>()
                    .join(" -> "),
            );
            for e in &edges {
                if members.contains(&index[e.from.as_str()])
                    && members.contains(&index[e.to.as_str()])
                {
                    let more = if e.count > 1 {
                        format!(" (+{} more)", e.count - 1)
                    } else {
                        String::new()
                    };
                    r.push_str(&format!("  {} -> {}  at {}{more}\n", e.from, e.to, e.site));
                }
            }
            reports.push(r);
        }
        reports
    }

    /// The files of the crate (for messages).
    pub fn file_count(&self) -> usize {
        self.files.len()
    }

    #[cfg(test)]
    fn file_path(&self, file: &[String]) -> String {
        self.files[file].path.display().to_string()
    }
}

/// Strongly connected components (Tarjan), each as a list of node indices.
fn tarjan(adj: &[Vec<usize>]) -> Vec<Vec<usize>> {
    struct S<'a> {
        adj: &'a [Vec<usize>],
        index: Vec<Option<usize>>,
        low: Vec<usize>,
        on: Vec<bool>,
        stack: Vec<usize>,
        next: usize,
        out: Vec<Vec<usize>>,
    }
    fn visit(s: &mut S, v: usize) {
        s.index[v] = Some(s.next);
        s.low[v] = s.next;
        s.next += 1;
        s.stack.push(v);
        s.on[v] = true;
        for &w in &s.adj[v] {
            match s.index[w] {
                None => {
                    visit(s, w);
                    s.low[v] = s.low[v].min(s.low[w]);
                }
                Some(iw) if s.on[w] => s.low[v] = s.low[v].min(iw),
                _ => {}
            }
        }
        if Some(s.low[v]) == s.index[v] {
            let mut comp = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on[w] = false;
                comp.push(w);
                if w == v {
                    break;
                }
            }
            s.out.push(comp);
        }
    }
    let n = adj.len();
    let mut s = S {
        adj,
        index: vec![None; n],
        low: vec![0; n],
        on: vec![false; n],
        stack: Vec::new(),
        next: 0,
        out: Vec::new(),
    };
    for v in 0..n {
        if s.index[v].is_none() {
            visit(&mut s, v);
        }
    }
    s.out
}

/// A shortest cycle through `start` inside `members` (breadth first), ending at `start`.
fn shortest_cycle(adj: &[Vec<usize>], start: usize, members: &BTreeSet<usize>) -> Vec<usize> {
    let mut prev: BTreeMap<usize, usize> = BTreeMap::new();
    let mut queue = VecDeque::from([start]);
    while let Some(v) = queue.pop_front() {
        for &w in &adj[v] {
            if !members.contains(&w) {
                continue;
            }
            if w == start {
                let mut path = vec![start, v];
                let mut x = v;
                while x != start {
                    x = prev[&x];
                    path.push(x);
                }
                path.reverse();
                return path;
            }
            if let std::collections::btree_map::Entry::Vacant(e) = prev.entry(w) {
                e.insert(v);
                queue.push_back(w);
            }
        }
    }
    vec![start]
}

/// The crate roots to check for an argument: a root file, or a directory (its `lib.rs` and
/// `main.rs`).
fn roots(arg: &Path) -> Vec<PathBuf> {
    if arg.is_dir() {
        ["lib.rs", "main.rs"]
            .iter()
            .map(|f| arg.join(f))
            .filter(|p| p.is_file())
            .collect()
    } else {
        vec![arg.to_path_buf()]
    }
}

/// Check the crates under `targets` (root files or `src` directories); fails listing every
/// cycle with the file:line of each edge.
pub fn check(targets: &[PathBuf]) -> Result<(), String> {
    let mut reports = Vec::new();
    let mut checked = Vec::new();
    for t in targets {
        let rs = roots(t);
        if rs.is_empty() {
            return Err(format!("{}: no lib.rs or main.rs", t.display()));
        }
        for r in rs {
            let krate = Crate::load(&r)?;
            checked.push(format!("{} ({} files)", r.display(), krate.file_count()));
            reports.extend(krate.cycles());
        }
    }
    if reports.is_empty() {
        eprintln!("check-cycles: no import cycle in {}", checked.join(", "));
        Ok(())
    } else {
        Err(format!(
            "{} import cycle(s) (break each by moving the shared items into a module both can import):\n{}",
            reports.len(),
            reports.join("")
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// A fixture tree in a fresh temporary directory, removed on drop.
    struct Fixture(PathBuf);

    impl Fixture {
        fn new(files: &[(&str, &str)]) -> Fixture {
            static N: AtomicUsize = AtomicUsize::new(0);
            let dir = std::env::temp_dir().join(format!(
                "xtask-cycles-{}-{}",
                std::process::id(),
                N.fetch_add(1, Ordering::Relaxed)
            ));
            let _ = std::fs::remove_dir_all(&dir);
            for (path, text) in files {
                let p = dir.join(path);
                std::fs::create_dir_all(p.parent().unwrap()).unwrap();
                std::fs::write(p, text).unwrap();
            }
            Fixture(dir)
        }
        fn check(&self) -> Result<(), String> {
            check(&[self.0.join("src")])
        }
        fn edges(&self) -> Vec<(String, String)> {
            Crate::load(&self.0.join("src/lib.rs"))
                .unwrap()
                .edges()
                .into_iter()
                .map(|e| (e.from, e.to))
                .collect()
        }
    }

    impl Drop for Fixture {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn e(a: &str, b: &str) -> (String, String) {
        (a.to_string(), b.to_string())
    }

    /// A layered tree: leaves (types), services over them, a router over the services, a
    /// facade root that re-exports; comments, strings and test modules mention other modules.
    const ACYCLIC: &[(&str, &str)] = &[
        (
            "src/lib.rs",
            "//! uses crate::router in a comment\nmod types;\nmod services;\nmod router;\npub use types::{Reply, Request};\npub use services::*;\npub fn start() { router::serve(); }\n",
        ),
        ("src/types.rs", "pub struct Request;\npub struct Reply;\n#[cfg(test)]\nmod tests {\n    use super::*;\n    fn f(_: Request) {}\n}\n"),
        (
            "src/services/mod.rs",
            "mod queue;\nmod index;\npub use queue::queue_routes;\npub use self::index::index_routes;\n",
        ),
        (
            "src/services/queue.rs",
            "use crate::types::{Reply, Request};\n/* crate::router::serve() */\npub fn queue_routes(_: Request) -> Reply { let _ = \"crate::router\"; let _c = '\\''; let _r = r#\"crate::router\"#; Reply }\n",
        ),
        (
            "src/services/index.rs",
            "use crate::Request as Req;\npub fn index_routes(r: Req) -> super::super::types::Reply { crate::queue_routes(r) }\n",
        ),
        (
            "src/router.rs",
            "use crate::services as s;\npub fn serve() { s::queue_routes(crate::types::Request); crate::index_routes(crate::Request); }\n",
        ),
    ];

    #[test]
    fn acyclic_tree_passes_and_edges_are_resolved() {
        let f = Fixture::new(ACYCLIC);
        f.check().unwrap();
        let edges = f.edges();
        // the facade's re-exports lead to the defining files
        assert!(edges.contains(&e("crate::services::index", "crate::types")));
        assert!(edges.contains(&e("crate::services::index", "crate::services::queue")));
        assert!(edges.contains(&e("crate::router", "crate::services::index")));
        assert!(edges.contains(&e("crate::router", "crate::types")));
        // the alias `s` of crate::services leads through its re-export to queue
        assert!(edges.contains(&e("crate::router", "crate::services::queue")));
        assert!(edges.contains(&e("crate", "crate::router")));
        // comments, strings and chars name nothing; re-exports alone are no edge
        assert!(!edges.contains(&e("crate::services::queue", "crate::router")));
        assert!(!edges.contains(&e("crate", "crate::types")));
        assert!(!edges.contains(&e("crate::services", "crate::services::queue")));
        assert!(!edges.iter().any(|(from, to)| from == to));
    }

    #[test]
    fn a_cycle_fails_naming_each_edge_with_its_line() {
        let mut files = ACYCLIC.to_vec();
        // types (a leaf) now calls the router: types -> router -> types
        files[1] = (
            "src/types.rs",
            "pub struct Request;\npub struct Reply;\n\npub fn go() { crate::router::serve() }\n",
        );
        let f = Fixture::new(&files);
        let err = f.check().unwrap_err();
        assert!(err.contains("1 import cycle"), "{err}");
        assert!(err.contains("crate::types -> crate::router  at "), "{err}");
        assert!(
            err.contains(&format!("{}:4", f.0.join("src/types.rs").display())),
            "{err}"
        );
        assert!(err.contains("crate::router -> crate::types  at "), "{err}");
        assert!(
            err.contains(&format!("{}:2", f.0.join("src/router.rs").display())),
            "{err}"
        );
    }

    #[test]
    fn a_cycle_through_super_and_a_child_module_fails() {
        let f = Fixture::new(&[
            ("src/lib.rs", "mod objects;\n"),
            (
                "src/objects/mod.rs",
                "mod upload;\npub struct Options;\nfn run() { upload::go() }\n",
            ),
            (
                "src/objects/upload.rs",
                "pub fn go() { let _o = super::Options; }\n",
            ),
        ]);
        let err = f.check().unwrap_err();
        assert!(
            err.contains("crate::objects -> crate::objects::upload  at "),
            "{err}"
        );
        assert!(
            err.contains("crate::objects::upload -> crate::objects  at "),
            "{err}"
        );
        assert!(
            err.contains("e.g. crate::objects -> crate::objects::upload -> crate::objects"),
            "{err}"
        );
    }

    #[test]
    fn a_re_export_used_by_its_own_file_is_an_edge() {
        let f = Fixture::new(&[
            (
                "src/lib.rs",
                "mod a;\npub use a::Thing;\npub fn make() -> Thing { Thing }\n",
            ),
            ("src/a.rs", "pub struct Thing;\nfn f() { crate::make(); }\n"),
        ]);
        let err = f.check().unwrap_err();
        assert!(err.contains("crate -> crate::a"), "{err}");
        assert!(err.contains("crate::a -> crate  at "), "{err}");
    }

    #[test]
    fn inline_modules_resolve_super_within_their_file() {
        let f = Fixture::new(&[
            ("src/lib.rs", "mod a;\nmod b;\n"),
            (
                "src/a.rs",
                "pub fn x() {}\nmod inner {\n    use super::x;\n    mod deeper { fn g() { super::super::x(); crate::b::y(); } }\n}\n",
            ),
            ("src/b.rs", "pub fn y() {}\n"),
        ]);
        f.check().unwrap();
        assert_eq!(f.edges(), vec![e("crate::a", "crate::b")]);
        assert_eq!(
            Crate::load(&f.0.join("src/lib.rs"))
                .unwrap()
                .file_path(&["a".to_string()]),
            f.0.join("src/a.rs").display().to_string()
        );
    }

    #[test]
    fn a_missing_module_file_is_an_error() {
        let f = Fixture::new(&[("src/lib.rs", "mod gone;\n")]);
        let err = f.check().unwrap_err();
        assert!(err.contains("`mod gone;` but neither"), "{err}");
    }
}
