//! `POST /open-apis/performance/v2/review_templates/query` (`获取绩效模板`).
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State as Extract;
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::post;
use serde_json::{Value, json};

use crate::endpoint::{QueryMap, Shared, call};
use crate::input::{array, body_object, param_invalid, query, reject};
use crate::pagination::{page_token, parse_page_token};
use crate::state::State;

const TEMPLATE_QUERY: &str = "performance.v2.review_template.query";
/// The documented limit: 10 次/分钟.
const LIMIT: usize = 10;

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
    call(
        &state,
        TEMPLATE_QUERY,
        Some(LIMIT),
        &headers,
        |s, _app_id| {
            let q = query(&q)?;
            let page_size = match q.get("page_size").map(|v| v.parse::<i64>()) {
                None => 20,
                Some(Ok(n)) if (0..=50).contains(&n) => {
                    if n == 0 {
                        20
                    } else {
                        n as usize
                    }
                }
                Some(_) => {
                    return Err(param_invalid(
                        "page_size",
                        q.get("page_size").map_or("", |s| s),
                        "must be 0..50",
                    ));
                }
            };
            let offset = match q.get("page_token").map(String::as_str) {
                None | Some("") => 0,
                Some(token) => {
                    parse_page_token(token).ok_or_else(|| reject(1580107, "page token invalid"))?
                }
            };
            let body = body_object(&body, true)?;
            let ids: Option<Vec<String>> = match array(&body, "review_template_ids", 0, 50, false)?
            {
                Some(ids) => Some(
                    ids.iter()
                        .map(|v| {
                            v.as_str().map(str::to_owned).ok_or_else(|| {
                                param_invalid(
                                    "review_template_ids",
                                    &v.to_string(),
                                    "must be strings",
                                )
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
            let page: Vec<Value> = matching
                .iter()
                .skip(offset)
                .take(page_size)
                .map(|t| (*t).clone())
                .collect();
            let has_more = offset + page.len() < matching.len();
            let mut data = json!({"review_templates": page, "has_more": has_more});
            if has_more {
                data["page_token"] = json!(page_token(offset + page_size));
            }
            Ok(data)
        },
    )
    .await
}
