//! Project commands: `cargo xtask <command>`.
//!
//! - `pkg [--dev]`: builds the npm package into pkg/ as wasm-pack.toml describes.
//! - `check-cfg`: fails when a target `cfg` appears outside the files allowed to hold one.
//! - `references [ARGS]`: refreshes references/ (runs `scripts/refresh-references.py ARGS`).
//! - `codegen [--check]`: regenerates src/generated/, js/apis.js and js/apis.d.ts from
//!   references/ (with `--check`: fails if they are stale).

mod codegen;

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
    /// In a release build, these copied modules are bundled into `api.js` (the one module
    /// that imports them) and left out of the package.
    #[serde(default)]
    bundle_into_api: Vec<String>,
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

fn pkg(dev: bool) -> Result<(), String> {
    let root = root();
    let cfg: PackConfig = toml::from_str(
        &std::fs::read_to_string(root.join("wasm-pack.toml"))
            .map_err(|e| format!("wasm-pack.toml: {e}"))?,
    )
    .map_err(|e| format!("wasm-pack.toml: {e}"))?;
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
        .arg("--out-dir")
        .arg(&out)
        .arg("--out-name")
        .arg(&cfg.build.out_name)
        .arg(&wasm))?;
    let bg = out.join(format!("{}_bg.wasm", cfg.build.out_name));
    let wasm_opt = root.join("tests/js/node_modules/.bin/wasm-opt");
    if cfg.build.wasm_opt && !dev {
        if wasm_opt.exists() {
            run(Command::new(&wasm_opt)
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
        } else {
            eprintln!(
                "note: {} is not installed; skipping wasm-opt",
                wasm_opt.display()
            );
        }
    }
    for f in &cfg.files.copy {
        std::fs::copy(root.join("js").join(f), out.join(f))
            .map_err(|e| format!("copying js/{f}: {e}"))?;
    }
    let glue = format!("{}.js", cfg.build.out_name);
    let mut files: Vec<String> = cfg.files.copy.clone();
    files.extend([
        glue.clone(),
        format!("{}.d.ts", cfg.build.out_name),
        format!("{}_bg.wasm", cfg.build.out_name),
    ]);
    if out.join("snippets").is_dir() {
        // JS the crate imports through wasm-bindgen (`module = "/js/snippets/…"`).
        files.push("snippets/".to_string());
    }
    if cfg.build.minify_js && !dev {
        if !cfg.files.bundle_into_api.is_empty() && bundle_api(&root, &out, &glue)? {
            for f in &cfg.files.bundle_into_api {
                std::fs::remove_file(out.join(f)).map_err(|e| format!("removing {f}: {e}"))?;
            }
            files.retain(|f| !cfg.files.bundle_into_api.contains(f));
        }
        minify(&root, &out)?;
    }
    // Written by hand: condition order matters in "exports" (the first match wins, so
    // "types" and "workerd" must precede "default"), and serde_json's map sorts keys.
    let s = |v: &str| serde_json::Value::from(v).to_string();
    let files = serde_json::Value::from(files).to_string();
    let package = format!(
        r#"{{
  "name": {name},
  "version": {version},
  "description": {description},
  "license": {license},
  "type": "module",
  "main": "./index.js",
  "types": "./index.d.ts",
  "exports": {{
    ".": {{ "types": "./index.d.ts", "workerd": "./workerd.js", "default": "./index.js" }},
    "./workerd": {{ "types": "./index.d.ts", "default": "./workerd.js" }},
    "./package.json": "./package.json"
  }},
  "files": {files},
  "sideEffects": ["./index.js", "./workerd.js"],
  "engines": {{ "node": ">=20" }}
}}
"#,
        name = s(&cfg.npm.name),
        version = s(&crate_version(&root)?),
        description = s(&cfg.npm.description),
        license = s(&cfg.npm.license),
    );
    std::fs::write(out.join("package.json"), package).map_err(|e| e.to_string())?;
    eprintln!("pkg: built {}", out.display());
    Ok(())
}

/// Bundles `api.js` with the modules it imports (all but the wasm-bindgen glue and Node's
/// built-ins, which stay imports), still as plain ESM: one file instead of six compresses
/// better. False when esbuild is not installed.
fn bundle_api(root: &Path, out: &Path, glue: &str) -> Result<bool, String> {
    let esbuild = root.join("tests/js/node_modules/.bin/esbuild");
    if !esbuild.exists() {
        return Ok(false);
    }
    let api = out.join("api.js");
    run(Command::new(&esbuild)
        .arg(&api)
        .arg(format!("--outfile={}", api.display()))
        .arg(format!("--external:./{glue}"))
        .args([
            "--external:node:*",
            "--bundle",
            "--allow-overwrite",
            "--format=esm",
            "--target=es2022",
            "--charset=utf8",
            "--log-level=error",
        ]))?;
    Ok(true)
}

/// Minifies every `.js` file under `out` in place with esbuild, one file at a time: the
/// package keeps its module structure and stays plain ESM (no bundling, no renamed exports).
fn minify(root: &Path, out: &Path) -> Result<(), String> {
    let esbuild = root.join("tests/js/node_modules/.bin/esbuild");
    if !esbuild.exists() {
        eprintln!(
            "note: {} is not installed; not minifying",
            esbuild.display()
        );
        return Ok(());
    }
    let mut stack = vec![out.to_path_buf()];
    let mut js = Vec::new();
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).map_err(|e| e.to_string())? {
            let path = entry.map_err(|e| e.to_string())?.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "js") {
                js.push(path);
            }
        }
    }
    js.sort();
    for f in js {
        run(Command::new(&esbuild)
            .arg(&f)
            .arg(format!("--outfile={}", f.display()))
            .args([
                "--allow-overwrite",
                "--minify",
                "--format=esm",
                "--target=es2022",
                "--charset=utf8",
                "--legal-comments=none",
                "--log-level=error",
            ]))?;
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
        Some("codegen") => codegen::codegen(&root(), args.iter().any(|a| a == "--check")),
        Some("references") => references(&args[1..]),
        _ => Err(
            "usage: cargo xtask <pkg [--dev] | check-cfg | codegen [--check] | references [ARGS]>"
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
