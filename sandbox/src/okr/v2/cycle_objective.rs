//! `GET /open-apis/okr/v2/cycles/{cycle_id}/objectives` (`获取用户 OKR 周期内的目标`).

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

const LIST: &str = "okr.v2.cycle_objective.list";

/// The routes of this resource.
pub(crate) fn routes() -> Router<Arc<Mutex<State>>> {
    Router::new().route(
        "/open-apis/okr/v2/cycles/{cycle_id}/objectives",
        get(list_objectives),
    )
}

/// `获取用户 OKR 周期内的目标`, by position; an unknown cycle is 1001004.
async fn list_objectives(
    Extract(state): Shared,
    Path(cycle_id): Path<String>,
    headers: HeaderMap,
    q: QueryMap,
) -> Response {
    call(&state, LIST, &[], &headers, |s, _app_id| {
        let (q, kind) = super::id_types(&q)?;
        let page = page(q, super::MAX_PAGE_SIZE)?;
        super::find(&s.seed.okr_v2.cycles, &cycle_id)?;
        let objectives: Vec<Value> =
            super::children(&s.seed.okr_v2.objectives, "cycle_id", &cycle_id)
                .iter()
                .map(|o| super::render(s, kind, o))
                .collect();
        Ok(page.answer("items", &objectives))
    })
    .await
}
