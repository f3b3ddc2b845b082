//! The index service.

use crate::api::Call;
use crate::services::Reply;

/// In-memory index data.
#[derive(Debug, Default)]
pub(crate) struct IndexDb {}

/// Handle a index API call.
pub(crate) async fn handle(_call: &mut Call) -> Reply {
    // not implemented yet: answer like an unknown route
    Ok(crate::api::not_found())
}
