//! `POST /open-apis/performance/v2/metric_templates/query` (`获取指标模板列表`).
//!
//! The seed's metric templates; `metrics_template_ids` and `status` are and-ed.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State as Extract;
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::post;
use serde_json::{Value, json};

use crate::endpoint::{Limit, QueryMap, Shared, call};
use crate::input::{body_object, opt_enum, query, string_list, user_id_type};
use crate::pagination::Page;
use crate::state::State;

const QUERY: &str = "performance.v2.metric_template.query";
/// The documented limit: 20 次/分钟.
const LIMIT: Limit = Limit::PerMinute(20);

/// The routes of this resource.
pub(crate) fn routes() -> Router<Arc<Mutex<State>>> {
    Router::new().route(
        "/open-apis/performance/v2/metric_templates/query",
        post(query_templates),
    )
}

/// `获取指标模板列表`
async fn query_templates(
    Extract(state): Shared,
    headers: HeaderMap,
    q: QueryMap,
    body: Bytes,
) -> Response {
    call(&state, QUERY, &[LIMIT], &headers, |s, _app_id| {
        let q = query(&q)?;
        let kind = user_id_type(q, true)?;
        let page = Page::parse(
            q.get("page_size").map(String::as_str),
            q.get("page_token").map(String::as_str),
            1,
            50,
        )?;
        let body = body_object(&body, true)?;
        let ids = string_list(&body, "metrics_template_ids", 0, 50, false)?.unwrap_or_default();
        let status = opt_enum(
            &body,
            "status",
            &["to_be_configured", "to_be_activated", "enabled", "disabled"],
        )?;
        let matching: Vec<Value> = s
            .seed
            .metric_templates
            .iter()
            .filter(|t| ids.is_empty() || ids.iter().any(|id| t["id"] == id.as_str()))
            .filter(|t| status.is_none_or(|st| t["status"] == st))
            .cloned()
            .collect();
        let (mut items, has_more) = page.cut(&matching);
        for item in &mut items {
            s.render_users(kind, item);
        }
        let mut data = json!({"items": items});
        page.finish(&mut data, has_more);
        Ok(data)
    })
    .await
}
