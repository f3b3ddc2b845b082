//! The object service.

use crate::api::Call;
use crate::services::Reply;

/// In-memory object data.
#[derive(Debug, Default)]
pub(crate) struct ObjectDb {}

/// Handle a object API call.
pub(crate) async fn handle(_call: &mut Call) -> Reply {
    // not implemented yet: answer like an unknown route
    Ok(crate::api::not_found())
}

/// Fake blob storage (`/storage/<key>?...`).
pub(crate) async fn storage(
    _state: &crate::state::AppState,
    _method: http::Method,
    _url: String,
    _headers: http::HeaderMap,
    _body: bytes::Bytes,
    _flags: Vec<crate::api::FaultFlag>,
    _ext: http::Extensions,
) -> axum::response::Response {
    crate::api::not_found()
}
