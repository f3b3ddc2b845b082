//! `/references/...` and `/schemas/...`, served from the repository's `references/` directory.

use crate::state::AppState;
use axum::response::Response;

/// Serve a reference document.
pub(crate) async fn serve(state: &AppState, url: &str) -> Response {
    let path = url.split('?').next().unwrap_or("");
    let Some(dir) = &state.references_dir else {
        return crate::api::not_found();
    };
    let rel = path.trim_start_matches('/');
    let rel = rel.strip_prefix("references/").unwrap_or(rel);
    if rel.split('/').any(|s| s == ".." || s.is_empty()) {
        return crate::api::not_found();
    }
    let candidates = [dir.join(rel), dir.join("references").join(rel)];
    for c in candidates {
        if let Ok(bytes) = tokio::fs::read(&c).await {
            if let Ok(v) = serde_json::from_slice::<serde_json::Value>(&bytes) {
                return crate::errors::json_response(200, &v);
            }
        }
    }
    crate::api::not_found()
}
