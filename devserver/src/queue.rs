//! The queue service.

use crate::api::Call;
use crate::services::Reply;

/// In-memory queue data.
#[derive(Debug, Default)]
pub(crate) struct QueueDb {}

/// Handle a queue API call.
pub(crate) async fn handle(_call: &mut Call) -> Reply {
    // not implemented yet: answer like an unknown route
    Ok(crate::api::not_found())
}
