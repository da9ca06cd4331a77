//! `GET /open-apis/okr/v1/period_rules` (`获取 OKR 周期规则`): every rule of the tenant.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::State as Extract;
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::get;
use serde_json::json;

use crate::endpoint::{Limit, Shared, call};
use crate::state::State;

const LIST: &str = "okr.v1.period_rule.list";

/// The page's 100 calls a minute.
const PER_MINUTE: Limit = Limit::PerMinute(100);
/// The routes of this resource.
pub(crate) fn routes() -> Router<Arc<Mutex<State>>> {
    Router::new().route("/open-apis/okr/v1/period_rules", get(list))
}

/// `获取 OKR 周期规则`.
async fn list(Extract(state): Shared, headers: HeaderMap) -> Response {
    call(&state, LIST, &[PER_MINUTE], &headers, |s, _app_id| {
        Ok(json!({"period_rules": s.seed.okr_v1.period_rules}))
    })
    .await
}
