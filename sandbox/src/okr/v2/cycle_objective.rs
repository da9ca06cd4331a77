//! `GET /open-apis/okr/v2/cycles/{cycle_id}/objectives` (`获取用户 OKR 周期内的目标`).

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::Path;
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::get;

use crate::endpoint::{QueryMap, Shared};
use crate::state::State;

const LIST: &str = "okr.v2.cycle_objective.list";

/// The routes of this resource.
pub(crate) fn routes() -> Router<Arc<Mutex<State>>> {
    Router::new().route("/open-apis/okr/v2/cycles/{cycle_id}/objectives", get(list))
}

/// `获取用户 OKR 周期内的目标` (see [`super::list_children`]).
async fn list(state: Shared, Path(id): Path<String>, headers: HeaderMap, q: QueryMap) -> Response {
    super::list_children(state, LIST, false, id, headers, q).await
}
