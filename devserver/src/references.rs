//! `/references/...` and `/schemas/...`, served from the repository's `references/` directory.

use crate::call::not_found;
use crate::state::AppState;
use axum::response::Response;

/// Serve a reference document.
pub(crate) async fn serve(state: &AppState, url: &str) -> Response {
    let path = url.split('?').next().unwrap_or("");
    let Some(dir) = &state.references_dir else {
        return not_found();
    };
    let rel = path.trim_start_matches('/');
    let rel = rel.strip_prefix("references/").unwrap_or(rel);
    if rel.split('/').any(|s| s == ".." || s.is_empty()) {
        return not_found();
    }
    let candidates = [dir.join(rel), dir.join("references").join(rel)];
    for c in candidates {
        if let Ok(bytes) = tokio::fs::read(&c).await {
            if let Ok(mut v) = serde_json::from_slice::<serde_json::Value>(&bytes) {
                if rel == "manifest.json" {
                    absolute_manifest(&mut v, &state.root_url);
                }
                return crate::errors::json_response(200, &v);
            }
        }
    }
    not_found()
}

/// A real deployment's manifest lists each reference by its absolute URL (upstream's
/// `relativize.js` writes them under the root URL): paths become URLs the same way here.
fn absolute_manifest(manifest: &mut serde_json::Value, root_url: &str) {
    let root = root_url.trim_end_matches('/');
    for r in manifest["references"].as_array_mut().into_iter().flatten() {
        if let Some(path) = r.as_str().filter(|p| p.starts_with('/')) {
            *r = serde_json::Value::String(format!("{root}{path}"));
        }
    }
}
