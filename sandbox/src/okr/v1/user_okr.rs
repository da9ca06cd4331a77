//! `GET /open-apis/okr/v1/users/{user_id}/okrs` (`获取用户的 OKR 列表`): the
//! user's OKRs (v2 cycles), newest period first, from `offset`, at most
//! `limit` (0..=10, both required), filtered by `period_ids` (at most 10);
//! `total` counts them all. A user the tenant does not have is 1001003.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Path, State as Extract};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::get;
use serde_json::{Value, json};

use super::{QueryPairs, id_kind, invalid, lang, many, one, pairs, user_not_found};
use crate::endpoint::{Limit, Shared, call};
use crate::state::State;

const LIST: &str = "okr.v1.user_okr.list";

/// The page's 100 calls a minute.
const PER_MINUTE: Limit = Limit::PerMinute(100);
/// The routes of this resource.
pub(crate) fn routes() -> Router<Arc<Mutex<State>>> {
    Router::new().route("/open-apis/okr/v1/users/{user_id}/okrs", get(list))
}

/// A required non-negative integer given as a string, at most `max`.
fn count(q: &[(String, String)], name: &str, max: usize) -> Result<usize, crate::state::ApiError> {
    let raw = one(q, name).ok_or_else(|| invalid(name, "", "is required"))?;
    match raw.trim().parse::<usize>() {
        Ok(n) if n <= max => Ok(n),
        _ => Err(invalid(name, raw, &format!("must be an integer 0..={max}"))),
    }
}

/// `获取用户的 OKR 列表`.
async fn list(
    Extract(state): Shared,
    Path(user_id): Path<String>,
    headers: HeaderMap,
    q: QueryPairs,
) -> Response {
    call(&state, LIST, &[PER_MINUTE], &headers, |s, _app_id| {
        let q = pairs(&q)?;
        let kind = id_kind(q, true)?;
        lang(q)?;
        let offset = count(q, "offset", usize::MAX)?;
        let limit = count(q, "limit", 10)?;
        let periods = many(q, "period_ids", 10)?;
        let open_id = super::okr_user(s, kind, &user_id).ok_or_else(user_not_found)?;
        let mut cycles: Vec<&Value> = s
            .seed
            .okr_v2
            .cycles
            .iter()
            .filter(|c| c["owner"]["user_id"] == open_id.as_str())
            .filter(|c| {
                periods.is_empty()
                    || periods.contains(&c["tenant_cycle_id"].as_str().unwrap_or_default())
            })
            .collect();
        cycles.sort_by(|a, b| b["start_time"].as_str().cmp(&a["start_time"].as_str()));
        let total = cycles.len();
        let list: Vec<Value> = cycles
            .into_iter()
            .skip(offset)
            .take(limit)
            .map(|c| super::okr::render(s, c))
            .collect();
        Ok(json!({"total": total, "okr_list": list}))
    })
    .await
}
