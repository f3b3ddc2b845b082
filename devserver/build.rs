//! Embeds the vendored service references and JSON schemas (`../references/`) into tc-devserver,
//! which validates every request payload against the method's input schema as the real services do.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The `*/v1/` directories under `top`, sorted.
fn v1_dirs(top: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<_> = std::fs::read_dir(top)
        .expect("read references/")
        .filter_map(Result::ok)
        .map(|e| e.path().join("v1"))
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

fn main() {
    let refs = Path::new(env!("CARGO_MANIFEST_DIR")).join("../references");
    let refs = refs.canonicalize().expect("references/ next to devserver/");
    println!("cargo:rerun-if-changed={}", refs.display());
    let mut out = String::from(
        "/// `(path under references/, contents)` of every API reference and JSON schema.\n\
         pub(crate) static FILES: &[(&str, &str)] = &[\n",
    );
    for dir in v1_dirs(&refs)
        .into_iter()
        .chain(v1_dirs(&refs.join("schemas")))
    {
        println!("cargo:rerun-if-changed={}", dir.display());
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .expect("read a v1/ directory")
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        files.sort();
        for f in files {
            let rel = f.strip_prefix(&refs).expect("under references/");
            let rel = rel.to_str().expect("utf-8 path").replace('\\', "/");
            if rel.starts_with("schemas/") || rel.ends_with("/api.json") {
                let abs = f.display().to_string();
                writeln!(out, "    ({rel:?}, include_str!({abs:?})),").expect("write");
            }
        }
    }
    out.push_str("];\n");
    let dest = Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("references.rs");
    std::fs::write(dest, out).expect("write OUT_DIR/references.rs");
}
