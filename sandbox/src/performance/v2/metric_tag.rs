//! `GET /open-apis/performance/v2/metric_tags` (`获取指标标签列表`).
//!
//! The only performance endpoint limited per second (10 次/秒). `tag_ids`
//! is repeated in the query (`tag_ids=1&tag_ids=2`); when it is given the
//! answer is not paged (as the page says) and unknown ids are left out.
//! `page_size` has only a maximum (50); 0 means the default.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Query, State as Extract};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::get;
use serde_json::{Value, json};

use crate::endpoint::{Limit, Shared, call};
use crate::input::param_invalid;
use crate::pagination::Page;
use crate::state::State;

const LIST: &str = "performance.v2.metric_tag.list";
/// The documented limit: 10 次/秒.
const LIMIT: Limit = Limit::PerSecond(10);

type Pairs = Result<Query<Vec<(String, String)>>, axum::extract::rejection::QueryRejection>;

/// The routes of this resource.
pub(crate) fn routes() -> Router<Arc<Mutex<State>>> {
    Router::new().route("/open-apis/performance/v2/metric_tags", get(list))
}

/// `获取指标标签列表`
async fn list(Extract(state): Shared, headers: HeaderMap, q: Pairs) -> Response {
    call(&state, LIST, &[LIMIT], &headers, |s, _app_id| {
        let pairs = q
            .as_ref()
            .map(|Query(p)| p.clone())
            .map_err(|_| param_invalid("query", "", "malformed query string"))?;
        let one = |name: &str| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        let tag_ids: Vec<&str> = pairs
            .iter()
            .filter(|(k, _)| k == "tag_ids")
            .map(|(_, v)| v.as_str())
            .collect();
        if tag_ids.len() > 9999 {
            return Err(param_invalid(
                "tag_ids",
                &format!("{} items", tag_ids.len()),
                "must have 0..9999 items",
            ));
        }
        let page = Page::parse(one("page_size"), one("page_token"), 0, 50)?;
        if !tag_ids.is_empty() {
            let items: Vec<Value> = s
                .seed
                .metric_tags
                .iter()
                .filter(|t| tag_ids.iter().any(|id| t["tag_id"] == *id))
                .cloned()
                .collect();
            return Ok(json!({"items": items, "has_more": false}));
        }
        Ok(page.answer("items", &s.seed.metric_tags))
    })
    .await
}
