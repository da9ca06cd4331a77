//! `GET /open-apis/okr/v1/reviews/query` (`查询复盘信息`): for each user
//! asked (at most 5, required), the review links of each period asked (at
//! most 5, required) that has any, in the order asked. A user the tenant does
//! not have is 1001003.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::State as Extract;
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::get;
use serde_json::{Value, json};

use super::{QueryPairs, id_kind, invalid, many, pairs, user_not_found};
use crate::endpoint::{Limit, Shared, call};
use crate::state::State;

const QUERY: &str = "okr.v1.review.query";

/// The page's 100 calls a minute.
const PER_MINUTE: Limit = Limit::PerMinute(100);
/// The routes of this resource.
pub(crate) fn routes() -> Router<Arc<Mutex<State>>> {
    Router::new().route("/open-apis/okr/v1/reviews/query", get(query))
}

/// `查询复盘信息`.
async fn query(Extract(state): Shared, headers: HeaderMap, q: QueryPairs) -> Response {
    call(&state, QUERY, &[PER_MINUTE], &headers, |s, _app_id| {
        let q = pairs(&q)?;
        let kind = id_kind(q, true)?;
        let users = many(q, "user_ids", 5)?;
        let periods = many(q, "period_ids", 5)?;
        if users.is_empty() {
            return Err(invalid("user_ids", "", "is required"));
        }
        if periods.is_empty() {
            return Err(invalid("period_ids", "", "is required"));
        }
        let mut list = Vec::new();
        for user in users {
            let open_id = super::okr_user(s, kind, user).ok_or_else(user_not_found)?;
            let review_periods: Vec<Value> = periods
                .iter()
                .filter_map(|&p| {
                    let r = s
                        .seed
                        .okr_v1
                        .reviews
                        .iter()
                        .find(|r| r.user == open_id && r.period_id == p)?;
                    Some(
                        json!({"period_id": p, "cycle_review_list": r.cycle_review_list,
                        "progress_report_list": r.progress_report_list}),
                    )
                })
                .collect();
            list.push(json!({"user_id": s.user_object(kind, &open_id),
                "review_period_list": review_periods}));
        }
        Ok(json!({"review_list": list}))
    })
    .await
}
