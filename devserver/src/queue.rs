//! The queue service.

use crate::api::Call;
use crate::errors::TcError;
use crate::services::Reply;

/// In-memory queue data.
#[derive(Debug, Default)]
pub(crate) struct QueueDb {}

/// Handle a queue API call.
pub(crate) async fn handle(_call: &mut Call) -> Reply {
    Err(TcError::new("InternalServerError", "not implemented"))
}
