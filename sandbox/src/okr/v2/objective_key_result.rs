//! `GET /open-apis/okr/v2/objectives/{objective_id}/key_results` (`获取目标下的所有关键结果`).

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::Path;
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::get;

use crate::endpoint::{QueryMap, Shared};
use crate::state::State;

const LIST: &str = "okr.v2.objective_key_result.list";

/// The routes of this resource.
pub(crate) fn routes() -> Router<Arc<Mutex<State>>> {
    Router::new().route(
        "/open-apis/okr/v2/objectives/{objective_id}/key_results",
        get(list),
    )
}

/// `获取目标下的所有关键结果` (see [`super::list_children`]).
async fn list(state: Shared, Path(id): Path<String>, headers: HeaderMap, q: QueryMap) -> Response {
    super::list_children(state, LIST, true, id, headers, q).await
}
