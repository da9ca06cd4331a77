//! `POST /open-apis/performance/v2/review_templates/query` (`获取绩效模板`).
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State as Extract;
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::post;
use serde_json::{Value, json};

use crate::endpoint::{Limit, QueryMap, Shared, call};
use crate::input::{array, body_object, param_invalid, query};
use crate::pagination::Page;
use crate::state::State;

const TEMPLATE_QUERY: &str = "performance.v2.review_template.query";
/// The documented limit: 10 次/分钟.
const LIMIT: Limit = Limit::PerMinute(10);

/// The routes of this resource.
pub(crate) fn routes() -> Router<Arc<Mutex<State>>> {
    Router::new().route(
        "/open-apis/performance/v2/review_templates/query",
        post(query_templates),
    )
}

/// `获取绩效模板`
async fn query_templates(
    Extract(state): Shared,
    headers: HeaderMap,
    q: QueryMap,
    body: Bytes,
) -> Response {
    call(&state, TEMPLATE_QUERY, &[LIMIT], &headers, |s, _app_id| {
        let q = query(&q)?;
        let page = Page::parse(
            q.get("page_size").map(String::as_str),
            q.get("page_token").map(String::as_str),
            0,
            50,
        )?;
        let body = body_object(&body, true)?;
        let ids: Option<Vec<String>> = match array(&body, "review_template_ids", 0, 50, false)? {
            Some(ids) => Some(
                ids.iter()
                    .map(|v| {
                        v.as_str().map(str::to_owned).ok_or_else(|| {
                            param_invalid("review_template_ids", &v.to_string(), "must be strings")
                        })
                    })
                    .collect::<Result<_, _>>()?,
            ),
            None => None,
        };
        let matching: Vec<&Value> = s
            .seed
            .review_templates
            .iter()
            .filter(|t| {
                ids.as_ref().is_none_or(|ids| {
                    ids.iter()
                        .any(|id| t["review_template_id"].as_str() == Some(id))
                })
            })
            .collect();
        let (page_items, has_more) = page.cut(&matching);
        let page_items: Vec<Value> = page_items.into_iter().cloned().collect();
        let mut data = json!({"review_templates": page_items});
        page.finish(&mut data, has_more);
        Ok(data)
    })
    .await
}
