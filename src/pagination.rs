//! Pagination over `continuationToken`, as a stream of pages.

use futures_util::stream;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::call::Call;
use crate::platform::{BoxStream, MaybeSend};
use crate::{Client, Error, Result};

/// Every page of a paginated call: `make(None)` builds the first call, `make(Some(token))` the
/// next, until a page has no `continuationToken`. An error ends the stream after yielding it.
pub fn pages<'a, F>(client: &'a Client, make: F) -> BoxStream<'a, Result<Value>>
where
    F: Fn(Option<String>) -> Call<'a> + MaybeSend + 'a,
{
    // State: None when done; Some(token) for the next page (Some(None) for the first).
    Box::pin(stream::unfold(
        Some(None),
        move |state: Option<Option<String>>| {
            let call = state.map(&make);
            async move {
                let call = call?;
                match client.call_json::<Value>(&call).await {
                    Ok(page) => {
                        let next = page
                            .get("continuationToken")
                            .and_then(Value::as_str)
                            .filter(|t| !t.is_empty())
                            .map(|t| Some(t.to_owned()));
                        Some((Ok(page), next))
                    }
                    Err(e) => Some((Err(e), None)),
                }
            }
        },
    ))
}

/// `pages`, each page read as a `T` (the generated `*_pages` of a typed method).
pub(crate) fn typed<'a, T: DeserializeOwned + MaybeSend + 'a>(
    pages: BoxStream<'a, Result<Value>>,
) -> BoxStream<'a, Result<T>> {
    Box::pin(futures_util::StreamExt::map(pages, |page| {
        page.and_then(|v| {
            serde_json::from_value(v).map_err(|e| {
                Error::decode(format!("the response is not the expected JSON: {e}")).with_source(e)
            })
        })
    }))
}
