//! `GET /open-apis/okr/v2/objectives/{objective_id}/key_results` (`获取目标下的所有关键结果`).

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Path, State as Extract};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::get;
use serde_json::Value;

use crate::endpoint::{QueryMap, Shared, call};
use crate::okr::page;
use crate::state::State;

const LIST: &str = "okr.v2.objective_key_result.list";

/// The routes of this resource.
pub(crate) fn routes() -> Router<Arc<Mutex<State>>> {
    Router::new().route(
        "/open-apis/okr/v2/objectives/{objective_id}/key_results",
        get(list_key_results),
    )
}

/// `获取目标下的所有关键结果`, by position; an unknown objective is 1001004.
async fn list_key_results(
    Extract(state): Shared,
    Path(objective_id): Path<String>,
    headers: HeaderMap,
    q: QueryMap,
) -> Response {
    call(&state, LIST, &[], &headers, |s, _app_id| {
        let (q, kind) = super::id_types(&q)?;
        let page = page(q, super::MAX_PAGE_SIZE)?;
        super::find(&s.seed.okr_v2.objectives, &objective_id)?;
        let key_results: Vec<Value> =
            super::children(&s.seed.okr_v2.key_results, "objective_id", &objective_id)
                .iter()
                .map(|k| super::render(s, kind, k))
                .collect();
        Ok(page.answer("items", &key_results))
    })
    .await
}
