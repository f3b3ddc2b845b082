//! Project commands: `cargo xtask <command>`.
//!
//! - `pkg [--dev]`: builds the npm package into pkg/ as wasm-pack.toml describes, with the
//!   build tools pinned in xtask/npm (installed there with `npm ci` when missing).
//! - `check-cfg`: fails when a target `cfg` appears outside the files allowed to hold one.
//! - `check-cycles [PATH...]`: fails on an import cycle between the modules of a crate (PATH:
//!   a crate root file or a `src` directory; default: the crate's src/ and devserver/src/).
//! - `references [ARGS]`: refreshes references/ (runs `scripts/refresh-references.py ARGS`).
//! - `codegen [--check]`: regenerates src/generated/, js/apis.js and js/apis.d.ts from
//!   references/ (with `--check`: fails if they are stale).

mod codegen;
mod cycles;
mod prune;
mod schemas;
mod schemas_rust;
mod validate_gen;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use serde::Deserialize;

#[derive(Deserialize)]
struct PackConfig {
    npm: Npm,
    build: Build,
    files: Files,
}

#[derive(Deserialize)]
struct Npm {
    name: String,
    description: String,
    license: String,
    repository: String,
    homepage: String,
    bugs: String,
    keywords: Vec<String>,
}

#[derive(Deserialize)]
struct Build {
    target: String,
    out_dir: String,
    out_name: String,
    features: Vec<String>,
    wasm_opt: bool,
    minify_js: bool,
}

#[derive(Deserialize)]
struct Files {
    copy: Vec<String>,
    /// In a release build, these entry points are each bundled with every module they import
    /// (the wasm-bindgen glue included) into one module.
    #[serde(default)]
    bundle_entries: Vec<String>,
    /// The copied modules that the bundled entries contain, left out of a release package.
    #[serde(default)]
    bundle_into_entries: Vec<String>,
    /// The browser entry point: bundled with everything it imports into one ES module of the
    /// same name, whose module graph has no `node:` import.
    browser: String,
    /// Modules that stand in for Node built-ins in the browser bundle: `["node:x", "js/…"]`.
    #[serde(default)]
    browser_aliases: Vec<(String, String)>,
    /// The `require()` entry point: bundled with everything it imports into `cjs_out`.
    cjs: String,
    cjs_out: String,
    /// Declaration files that get a CommonJS twin (`x.d.ts` → `x.d.cts`, with relative
    /// imports of `.js` files renamed `.cjs`), for `require` under TypeScript's node16 rules.
    cts_from: Vec<String>,
    /// Files from the repository's root that go into the package as they are.
    from_root: Vec<String>,
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn run(cmd: &mut Command) -> Result<(), String> {
    eprintln!("+ {cmd:?}");
    let status = cmd
        .status()
        .map_err(|e| format!("cannot run {cmd:?}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{cmd:?} failed with {status}"))
    }
}

fn crate_version(root: &Path) -> Result<String, String> {
    let manifest: toml::Value = toml::from_str(
        &std::fs::read_to_string(root.join("Cargo.toml")).map_err(|e| e.to_string())?,
    )
    .map_err(|e| e.to_string())?;
    manifest["package"]["version"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| "Cargo.toml has no package.version".to_string())
}

/// The build machine's path prefixes that panic locations in the module would carry: each
/// registry source directory of the Cargo home. (The standard library's come remapped to
/// `/rustc/<commit>/` already, which a second remap does not change.)
fn remapped_prefixes() -> Vec<String> {
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cargo")));
    if let Some(Ok(dirs)) = home.map(|h| std::fs::read_dir(h.join("registry/src"))) {
        let mut dirs: Vec<String> = dirs
            .flatten()
            .filter(|d| d.path().is_dir())
            .map(|d| format!("{}/", d.path().display()))
            .collect();
        dirs.sort();
        return dirs;
    }
    Vec::new()
}

/// The build tools, from npm at the versions pinned in xtask/npm/package-lock.json.
struct Tools {
    wasm_opt: PathBuf,
    esbuild: PathBuf,
}

/// Where the build tools live (`npm ci` there installs them).
const TOOLS_DIR: &str = "xtask/npm";

/// The pinned build tools, installed with `npm ci` into xtask/npm/node_modules when any is
/// missing or at another version (so every `cargo xtask pkg` builds the same package, whoever
/// runs it); an error naming what is missing when they cannot be installed.
fn tools(root: &Path) -> Result<Tools, String> {
    let dir = root.join(TOOLS_DIR);
    let manifest: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("package.json"))
            .map_err(|e| format!("{TOOLS_DIR}/package.json: {e}"))?,
    )
    .map_err(|e| format!("{TOOLS_DIR}/package.json: {e}"))?;
    let pins: Vec<(String, String)> = manifest["devDependencies"]
        .as_object()
        .ok_or_else(|| format!("{TOOLS_DIR}/package.json has no devDependencies"))?
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
        .collect();
    let bin = dir.join("node_modules/.bin");
    let tools = Tools {
        wasm_opt: bin.join("wasm-opt"),
        esbuild: bin.join("esbuild"),
    };
    // Names each pinned package that is not installed at its pinned version.
    let missing = || -> Vec<String> {
        let mut out: Vec<String> = pins
            .iter()
            .filter(|(name, pin)| {
                let installed = std::fs::read_to_string(
                    dir.join("node_modules").join(name).join("package.json"),
                )
                .ok()
                .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
                .and_then(|v| v["version"].as_str().map(str::to_owned));
                installed.as_deref() != Some(pin.as_str())
            })
            .map(|(name, pin)| format!("{name}@{pin}"))
            .collect();
        for t in [&tools.wasm_opt, &tools.esbuild] {
            if !t.exists() {
                out.push(t.display().to_string());
            }
        }
        out
    };
    let before = missing();
    if before.is_empty() {
        return Ok(tools);
    }
    eprintln!(
        "pkg: installing the pinned build tools ({}) into {TOOLS_DIR}",
        before.join(", ")
    );
    run(Command::new("npm")
        .current_dir(&dir)
        .args(["ci", "--no-audit", "--no-fund"]))
    .map_err(|e| {
        format!(
            "{e}\nthe package is built with {} (pinned in {TOOLS_DIR}/package-lock.json), which \
             `npm ci` installs: it needs npm (Node.js >= 20) and the npm registry",
            before.join(", ")
        )
    })?;
    let after = missing();
    if after.is_empty() {
        Ok(tools)
    } else {
        Err(format!(
            "after `npm ci` in {TOOLS_DIR}, still missing: {}",
            after.join(", ")
        ))
    }
}

/// A declaration file's text with each relative import of a `.js` file in a declaration file renamed `.cjs`.
fn cts(text: &str, names: &[String]) -> String {
    let mut out = text.to_string();
    for n in names {
        let stem = n.trim_end_matches(".d.ts");
        for q in ['\'', '"'] {
            out = out.replace(
                &format!("{q}./{stem}.js{q}"),
                &format!("{q}./{stem}.cjs{q}"),
            );
        }
    }
    out
}

/// Fails when an ES module's text imports a `node:` module (statically or with `import()`).
fn check_no_node_imports(path: &Path) -> Result<(), String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let squeezed: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    for pat in [
        "from\"node:",
        "from'node:",
        "import(\"node:",
        "import('node:",
        "import\"node:",
    ] {
        if squeezed.contains(pat) {
            return Err(format!(
                "{} imports a node: module (`{pat}…`): the browser graph must not",
                path.display()
            ));
        }
    }
    Ok(())
}

fn pkg(dev: bool) -> Result<(), String> {
    let root = root();
    let cfg: PackConfig = toml::from_str(
        &std::fs::read_to_string(root.join("wasm-pack.toml"))
            .map_err(|e| format!("wasm-pack.toml: {e}"))?,
    )
    .map_err(|e| format!("wasm-pack.toml: {e}"))?;
    // First, so that a machine without them fails before the long build.
    let tools = tools(&root)?;
    let profile = if dev { "debug" } else { "release" };
    let mut build = Command::new(env!("CARGO"));
    build
        .current_dir(&root)
        .args([
            "build",
            "--lib",
            "--target",
            "wasm32-unknown-unknown",
            "-p",
            "taskcluster-wasm",
        ])
        .args(["--features", &cfg.build.features.join(",")]);
    if !dev {
        build.arg("--release");
        // Panic locations name dependencies' sources by their path on the build machine;
        // without the prefixes (`http-1.5.0/src/uri/mod.rs`) the module is smaller and
        // carries no machine paths. The flags join those of .cargo/config.toml.
        let flags: Vec<String> = remapped_prefixes()
            .into_iter()
            .map(|p| toml::Value::String(format!("--remap-path-prefix={p}=")).to_string())
            .collect();
        if !flags.is_empty() {
            build.arg("--config").arg(format!(
                "target.wasm32-unknown-unknown.rustflags=[{}]",
                flags.join(", ")
            ));
        }
    }
    run(&mut build)?;
    let wasm = root.join(format!(
        "target/wasm32-unknown-unknown/{profile}/taskcluster_wasm.wasm"
    ));
    let out = root.join(&cfg.build.out_dir);
    let _ = std::fs::remove_dir_all(&out);
    std::fs::create_dir_all(&out).map_err(|e| e.to_string())?;
    run(Command::new("wasm-bindgen")
        .arg("--target")
        .arg(&cfg.build.target)
        // Every host the package supports has `TextEncoder.encodeInto`: no fallback in the glue.
        .args(["--encode-into", "always"])
        .arg("--out-dir")
        .arg(&out)
        .arg("--out-name")
        .arg(&cfg.build.out_name)
        .arg(&wasm))?;
    let bg = out.join(format!("{}_bg.wasm", cfg.build.out_name));
    if cfg.build.wasm_opt && !dev {
        // Classes of dependencies that nothing creates, and their exports: wasm-opt then drops
        // the code only they reached (see prune.rs).
        let read =
            |p: &Path| std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()));
        let glue = out.join(format!("{}.js", cfg.build.out_name));
        let glue_dts = out.join(format!("{}.d.ts", cfg.build.out_name));
        let bg_dts = out.join(format!("{}_bg.wasm.d.ts", cfg.build.out_name));
        let (mut js, mut dts, mut wasm_dts) = (read(&glue)?, read(&glue_dts)?, read(&bg_dts)?);
        let pruned = prune::prune(&mut js, &mut dts, &mut wasm_dts);
        if !pruned.classes.is_empty() {
            eprintln!(
                "pkg: removing the unused classes {:?} and the exports {:?}",
                pruned.classes, pruned.exports
            );
            let module = std::fs::read(&bg).map_err(|e| e.to_string())?;
            let module = prune::drop_exports(&module, &pruned.exports)?;
            std::fs::write(&bg, module).map_err(|e| e.to_string())?;
            for (p, t) in [(&glue, js), (&glue_dts, dts), (&bg_dts, wasm_dts)] {
                std::fs::write(p, t).map_err(|e| format!("{}: {e}", p.display()))?;
            }
        }
        run(Command::new(&tools.wasm_opt)
            // Merging near-identical monomorphizations first, then -Oz to a fixed point,
            // measured smallest (about 1 KiB gzip under plain -Oz). Engines ignore the
            // producers and target-features sections. The module defines its own memory,
            // so it starts zero-filled, and LLVM leaves its first KiB unused.
            .args([
                "--merge-similar-functions",
                "--zero-filled-memory",
                "--low-memory-unused",
                "-Oz",
                "--converge",
                "--strip-producers",
                "--strip-target-features",
                "--enable-bulk-memory",
                "--enable-nontrapping-float-to-int",
            ])
            .args([
                "--enable-sign-ext",
                "--enable-mutable-globals",
                "--enable-reference-types",
            ])
            .arg(&bg)
            .arg("-o")
            .arg(&bg))?;
        // Short import and export names, in the module, the glue and the declarations of
        // the raw exports (see prune.rs).
        let (mut js, mut dts, mut wasm_dts) = (read(&glue)?, read(&glue_dts)?, read(&bg_dts)?);
        let module = std::fs::read(&bg).map_err(|e| e.to_string())?;
        let module =
            prune::shorten_imports(&module, &mut js, &format!("./{}_bg.js", cfg.build.out_name))?;
        let module = prune::shorten_exports(&module, &mut js, &mut dts, &mut wasm_dts)?;
        std::fs::write(&bg, module).map_err(|e| e.to_string())?;
        for (p, t) in [(&glue, js), (&glue_dts, dts), (&bg_dts, wasm_dts)] {
            std::fs::write(p, t).map_err(|e| format!("{}: {e}", p.display()))?;
        }
    }
    for f in cfg
        .files
        .copy
        .iter()
        .chain([&cfg.files.browser, &cfg.files.cjs])
    {
        std::fs::copy(root.join("js").join(f), out.join(f))
            .map_err(|e| format!("copying js/{f}: {e}"))?;
    }
    let minify = cfg.build.minify_js && !dev;
    let glue = format!("{}.js", cfg.build.out_name);

    // The browser entry: one ES module with no `node:` import anywhere in its graph.
    let browser = out.join(&cfg.files.browser);
    let mut esb = Command::new(&tools.esbuild);
    esb.arg(&browser)
        .arg(format!("--outfile={}", browser.display()))
        .args([
            "--bundle",
            "--format=esm",
            "--platform=browser",
            "--target=es2022",
            VALIDATOR_EXTERNAL,
        ]);
    for (from, to) in &cfg.files.browser_aliases {
        esb.arg(format!("--alias:{from}={}", root.join(to).display()));
    }
    run(esb.args(esbuild_common(minify)))?;
    check_no_node_imports(&browser)?;

    // The require() entry: CommonJS that instantiates the module synchronously.
    let cjs_src = out.join(&cfg.files.cjs);
    run(Command::new(&tools.esbuild)
        .arg(&cjs_src)
        .arg(format!(
            "--outfile={}",
            out.join(&cfg.files.cjs_out).display()
        ))
        .args([
            "--bundle",
            "--format=cjs",
            "--platform=node",
            "--target=node20",
            VALIDATOR_EXTERNAL,
        ])
        // The glue's default path (`new URL(…, import.meta.url)`, never taken here) still
        // gets a true URL in CommonJS.
        .arg("--define:import.meta.url=__import_meta_url")
        .arg("--banner:js=var __import_meta_url = require('url').pathToFileURL(__filename).href;")
        .args(esbuild_common(minify)))?;
    std::fs::remove_file(&cjs_src).map_err(|e| e.to_string())?;

    // CommonJS twins of the declaration files.
    for f in &cfg.files.cts_from {
        let text =
            std::fs::read_to_string(root.join("js").join(f)).map_err(|e| format!("js/{f}: {e}"))?;
        let name = format!("{}.d.cts", f.trim_end_matches(".d.ts"));
        let header = format!("// Generated by `cargo xtask pkg` from {f}, for require().\n");
        std::fs::write(out.join(&name), header + &cts(&text, &cfg.files.cts_from))
            .map_err(|e| format!("{name}: {e}"))?;
    }
    for f in &cfg.files.from_root {
        std::fs::copy(root.join(f), out.join(f)).map_err(|e| format!("copying {f}: {e}"))?;
    }

    // The opt-in payload validator (`validate: true`): its own module, with its validator and
    // the input schemas, which the client imports only when asked for (every bundle above
    // keeps `./validate.js` external, so the default package does not carry it).
    let node_modules = root.join(TOOLS_DIR).join("node_modules");
    run(Command::new(&tools.esbuild)
        .arg(root.join("js/validate.js"))
        .arg(format!("--outfile={}", out.join(VALIDATOR).display()))
        .env("NODE_PATH", &node_modules)
        .args([
            "--bundle",
            "--format=esm",
            "--platform=neutral",
            "--main-fields=module,main",
            "--target=es2022",
        ])
        .args(esbuild_common(minify)))?;

    let mut files: Vec<String> = cfg.files.copy.clone();
    files.push(VALIDATOR.to_string());
    files.extend([
        cfg.files.browser.clone(),
        cfg.files.cjs_out.clone(),
        glue.clone(),
        format!("{}.d.ts", cfg.build.out_name),
        format!("{}_bg.wasm", cfg.build.out_name),
    ]);
    files.extend(
        cfg.files
            .cts_from
            .iter()
            .map(|f| format!("{}.d.cts", f.trim_end_matches(".d.ts"))),
    );
    files.extend(cfg.files.from_root.iter().cloned());
    if out.join("snippets").is_dir() {
        // JS the crate imports through wasm-bindgen (`module = "/js/snippets/…"`).
        files.push("snippets/".to_string());
    }
    if minify {
        // Each remaining entry becomes one self-contained module (one file compresses better
        // than six, and a page fetches one); the modules they bundle leave the package.
        let wasm_file = format!("{}_bg.wasm", cfg.build.out_name);
        for entry in &cfg.files.bundle_entries {
            bundle_entry(&tools, &out, entry, &wasm_file)?;
        }
        let bundled: Vec<String> = cfg
            .files
            .bundle_into_entries
            .iter()
            .cloned()
            .chain([glue.clone(), "snippets/".to_string()])
            .collect();
        for f in &bundled {
            let path = out.join(f);
            if path.is_dir() {
                std::fs::remove_dir_all(&path)
            } else {
                std::fs::remove_file(&path)
            }
            .map_err(|e| format!("removing {f}: {e}"))?;
        }
        files.retain(|f| !bundled.contains(f));
        minify_all(&tools, &out, &[browser.clone(), out.join(VALIDATOR)])?;
    }
    // Written by hand: condition order matters in "exports" (the first match wins, so
    // "types" and "workerd" must precede "browser", "require" and "default"), and
    // serde_json's map sorts keys.
    let s = |v: &str| serde_json::Value::from(v).to_string();
    let files = serde_json::Value::from(files).to_string();
    let side_effects = serde_json::Value::from(vec![
        "./index.js",
        "./workerd.js",
        "./browser.js",
        "./index.cjs",
    ])
    .to_string();
    let package = format!(
        r#"{{
  "name": {name},
  "version": {version},
  "description": {description},
  "keywords": {keywords},
  "homepage": {homepage},
  "bugs": {{ "url": {bugs} }},
  "repository": {{ "type": "git", "url": {repository} }},
  "license": {license},
  "type": "module",
  "main": "./{cjs}",
  "module": "./index.js",
  "types": "./index.d.ts",
  "exports": {{
    ".": {{
      "types": {{ "require": "./index.d.cts", "default": "./index.d.ts" }},
      "workerd": "./workerd.js",
      "browser": "./{browser}",
      "require": "./{cjs}",
      "default": "./index.js"
    }},
    "./workerd": {{ "types": "./index.d.ts", "default": "./workerd.js" }},
    "./package.json": "./package.json"
  }},
  "files": {files},
  "sideEffects": {side_effects},
  "engines": {{ "node": ">=20" }}
}}
"#,
        name = s(&cfg.npm.name),
        version = s(&crate_version(&root)?),
        description = s(&cfg.npm.description),
        keywords = serde_json::Value::from(cfg.npm.keywords.clone()),
        homepage = s(&cfg.npm.homepage),
        bugs = s(&cfg.npm.bugs),
        repository = s(&format!("git+{}.git", cfg.npm.repository)),
        license = s(&cfg.npm.license),
        cjs = cfg.files.cjs_out,
        browser = cfg.files.browser,
    );
    std::fs::write(out.join("package.json"), package).map_err(|e| e.to_string())?;
    eprintln!("pkg: built {}", out.display());
    Ok(())
}

/// The opt-in payload validator's module in pkg/, and the flag that keeps it out of bundles.
const VALIDATOR: &str = "validate.js";
const VALIDATOR_EXTERNAL: &str = "--external:./validate.js";

/// esbuild flags every step shares: UTF-8 kept, minified in a release build.
fn esbuild_common(minify: bool) -> Vec<&'static str> {
    let mut v = vec![
        "--allow-overwrite",
        "--charset=utf8",
        "--legal-comments=none",
        "--log-level=error",
    ];
    if minify {
        v.push("--minify");
    }
    v
}

/// Bundles an entry point (`index.js`, `workerd.js`) with every module it imports, the
/// wasm-bindgen glue and its snippets included, into one plain ES module in place. Node's
/// built-ins and the `.wasm` file (which workerd imports as a module) stay imports.
fn bundle_entry(tools: &Tools, out: &Path, entry: &str, wasm_file: &str) -> Result<(), String> {
    let file = out.join(entry);
    run(Command::new(&tools.esbuild)
        .arg(&file)
        .arg(format!("--outfile={}", file.display()))
        .arg(format!("--external:./{wasm_file}"))
        .args([
            "--external:node:*",
            VALIDATOR_EXTERNAL,
            "--bundle",
            "--allow-overwrite",
            "--format=esm",
            "--platform=neutral",
            "--target=es2022",
            "--charset=utf8",
            "--log-level=error",
        ]))
}

/// Minifies every `.js` file under `out` (but `skip`) in place with esbuild, one file at a
/// time: the package keeps its module structure and stays plain ESM (no bundling, no renamed
/// exports).
fn minify_all(tools: &Tools, out: &Path, skip: &[PathBuf]) -> Result<(), String> {
    let mut stack = vec![out.to_path_buf()];
    let mut js = Vec::new();
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).map_err(|e| e.to_string())? {
            let path = entry.map_err(|e| e.to_string())?.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "js") && !skip.contains(&path) {
                js.push(path);
            }
        }
    }
    js.sort();
    for f in js {
        run(Command::new(&tools.esbuild)
            .arg(&f)
            .arg(format!("--outfile={}", f.display()))
            .args(["--format=esm", "--target=es2022"])
            .args(esbuild_common(true)))?;
    }
    Ok(())
}

/// Files that may contain a target `cfg` (style guide, Part D).
const CFG_ALLOWED: &[&str] = &["src/lib.rs", "src/platform/mod.rs", "src/transport/mod.rs"];

fn check_cfg() -> Result<(), String> {
    let root = root();
    let mut bad = Vec::new();
    let mut stack = vec![root.join("src")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).map_err(|e| e.to_string())? {
            let path = entry.map_err(|e| e.to_string())?.path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let rel = path
                .strip_prefix(&root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            if CFG_ALLOWED.contains(&rel.as_str()) || path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let text = std::fs::read_to_string(&path).map_err(|e| e.to_string())?;
            for (n, line) in text.lines().enumerate() {
                if line.contains("target_arch")
                    || line.contains("target_family")
                    || line.contains("target_os")
                {
                    bad.push(format!("{rel}:{}: {}", n + 1, line.trim()));
                }
            }
        }
    }
    if bad.is_empty() {
        eprintln!("check-cfg: target cfg only in {}", CFG_ALLOWED.join(", "));
        Ok(())
    } else {
        Err(format!(
            "target cfg outside {}:\n{}",
            CFG_ALLOWED.join(", "),
            bad.join("\n")
        ))
    }
}

/// The crates `check-cycles` reads by default: the client crate and the local deployment.
const CYCLE_CHECKED: &[&str] = &["src", "devserver/src"];

fn check_cycles(args: &[String]) -> Result<(), String> {
    let root = root();
    let targets: Vec<PathBuf> = if args.is_empty() {
        CYCLE_CHECKED.iter().map(|p| root.join(p)).collect()
    } else {
        args.iter().map(|a| root.join(a)).collect()
    };
    cycles::check(&targets)
}

fn references(args: &[String]) -> Result<(), String> {
    let root = root();
    let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".to_string());
    run(Command::new(python)
        .current_dir(&root)
        .arg(root.join("scripts/refresh-references.py"))
        .args(args))
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("pkg") => pkg(args.iter().any(|a| a == "--dev")),
        Some("check-cfg") => check_cfg(),
        Some("check-cycles") => check_cycles(&args[1..]),
        Some("codegen") => codegen::codegen(&root(), args.iter().any(|a| a == "--check")),
        Some("references") => references(&args[1..]),
        _ => Err(
            "usage: cargo xtask <pkg [--dev] | check-cfg | check-cycles [PATH...] | codegen [--check] | references [ARGS]>"
                .to_string(),
        ),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}
