//! The object service.

use crate::api::Call;
use crate::errors::TcError;
use crate::services::Reply;

/// In-memory object data.
#[derive(Debug, Default)]
pub(crate) struct ObjectDb {}

/// Handle a object API call.
pub(crate) async fn handle(_call: &mut Call) -> Reply {
    Err(TcError::new("InternalServerError", "not implemented"))
}
