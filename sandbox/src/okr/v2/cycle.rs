//! `GET /open-apis/okr/v2/cycles` (`获取用户 OKR 周期列表`).

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::State as Extract;
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::get;
use serde_json::Value;

use crate::endpoint::{QueryMap, Shared, call};
use crate::okr::page;
use crate::state::State;

const LIST: &str = "okr.v2.cycle.list";

/// The routes of this resource.
pub(crate) fn routes() -> Router<Arc<Mutex<State>>> {
    Router::new().route("/open-apis/okr/v2/cycles", get(list_cycles))
}

/// `获取用户 OKR 周期列表`: the cycles of `user_id` (read as `user_id_type`);
/// a user the tenant does not have has none. Without `user_id` (the SDK does
/// not mark it required) every cycle of the tenant is listed.
async fn list_cycles(Extract(state): Shared, headers: HeaderMap, q: QueryMap) -> Response {
    call(&state, LIST, &[], &headers, |s, _app_id| {
        let (q, kind) = super::id_types(&q)?;
        let page = page(q, super::MAX_PAGE_SIZE)?;
        let owner = q.get("user_id").map(|id| s.resolve_user(kind, id));
        let cycles: Vec<Value> = s
            .seed
            .okr_v2
            .cycles
            .iter()
            .filter(|c| match &owner {
                None => true,
                Some(found) => found.as_deref().is_some_and(|o| c["owner"]["user_id"] == o),
            })
            .map(|c| super::render(s, kind, c))
            .collect();
        Ok(page.answer("items", &cycles))
    })
    .await
}
