//! `POST /open-apis/performance/v2/questions/query` (`获取标签填写题配置`).

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State as Extract;
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::post;
use serde_json::Value;

use crate::endpoint::{Limit, QueryMap, Shared, call};
use crate::input::{body_object, query, string_list};
use crate::pagination::Page;
use crate::state::State;

const QUERY: &str = "performance.v2.question.query";
/// The documented limit: 10 次/分钟.
const LIMIT: Limit = Limit::PerMinute(10);

/// The routes of this resource.
pub(crate) fn routes() -> Router<Arc<Mutex<State>>> {
    Router::new().route(
        "/open-apis/performance/v2/questions/query",
        post(query_questions),
    )
}

/// `获取标签填写题配置`
async fn query_questions(
    Extract(state): Shared,
    headers: HeaderMap,
    q: QueryMap,
    body: Bytes,
) -> Response {
    call(&state, QUERY, &[LIMIT], &headers, |s, _app_id| {
        let q = query(&q)?;
        let page = Page::parse(
            q.get("page_size").map(String::as_str),
            q.get("page_token").map(String::as_str),
            0,
            50,
        )?;
        let body = body_object(&body, true)?;
        let ids = string_list(&body, "tag_based_question_ids", 0, 50, false)?.unwrap_or_default();
        let matching: Vec<Value> = s
            .seed
            .questions
            .iter()
            .filter(|x| ids.is_empty() || ids.iter().any(|id| x["question_id"] == id.as_str()))
            .cloned()
            .collect();
        Ok(page.answer("tag_based_questions", &matching))
    })
    .await
}
