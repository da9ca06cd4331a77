//! `GET /open-apis/okr/v1/metric_sources` (`获取指标库`).

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::State as Extract;
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::get;
use serde_json::{Value, json};

use crate::endpoint::{QueryMap, Shared, call};
use crate::okr::{page, query};
use crate::state::State;

const LIST: &str = "okr.v1.metric_source.list";

/// The routes of this resource.
pub(crate) fn routes() -> Router<Arc<Mutex<State>>> {
    Router::new().route("/open-apis/okr/v1/metric_sources", get(list_sources))
}

/// `获取指标库`: every source of the tenant, with `total`.
async fn list_sources(Extract(state): Shared, headers: HeaderMap, q: QueryMap) -> Response {
    call(&state, LIST, &[], &headers, |s, _app_id| {
        let page = page(query(&q)?, super::MAX_PAGE_SIZE)?;
        let sources: Vec<Value> = s
            .seed
            .okr_sources
            .iter()
            .map(|x| {
                json!({
                    "metric_source_id": x.metric_source_id,
                    "metric_source_name": x.metric_source_name,
                    "metric_name": x.metric_name,
                    "metric_unit": x.metric_unit,
                })
            })
            .collect();
        let mut data = page.answer("items", &sources);
        data["total"] = json!(sources.len());
        Ok(data)
    })
    .await
}
