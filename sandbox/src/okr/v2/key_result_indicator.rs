//! `GET /open-apis/okr/v2/key_results/{key_result_id}/indicators` (`获取关键结果的量化指标`).

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::Path;
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::get;

use crate::endpoint::{QueryMap, Shared};
use crate::state::State;

const LIST: &str = "okr.v2.key_result_indicator.list";

/// The routes of this resource.
pub(crate) fn routes() -> Router<Arc<Mutex<State>>> {
    Router::new().route(
        "/open-apis/okr/v2/key_results/{key_result_id}/indicators",
        get(list),
    )
}

/// `获取关键结果的量化指标` (see [`super::list_indicator`]).
async fn list(state: Shared, Path(id): Path<String>, headers: HeaderMap, q: QueryMap) -> Response {
    super::list_indicator(state, LIST, true, id, headers, q).await
}
