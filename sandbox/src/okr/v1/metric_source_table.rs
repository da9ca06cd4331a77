//! `GET /open-apis/okr/v1/metric_sources/{metric_source_id}/tables` (`获取指标表`).

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Path, State as Extract};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::get;
use serde_json::{Value, json};

use crate::endpoint::{QueryMap, Shared, call};
use crate::okr::{not_found, page, query};
use crate::state::State;

const LIST: &str = "okr.v1.metric_source_table.list";

/// The routes of this resource.
pub(crate) fn routes() -> Router<Arc<Mutex<State>>> {
    Router::new().route(
        "/open-apis/okr/v1/metric_sources/{metric_source_id}/tables",
        get(list_tables),
    )
}

/// `获取指标表`: the tables of one source, with `total`; an unknown source is 1001004.
async fn list_tables(
    Extract(state): Shared,
    Path(source_id): Path<String>,
    headers: HeaderMap,
    q: QueryMap,
) -> Response {
    call(&state, LIST, &[], &headers, |s, _app_id| {
        let page = page(query(&q)?, super::MAX_PAGE_SIZE)?;
        let source = s
            .seed
            .okr_sources
            .iter()
            .find(|x| x.metric_source_id == source_id)
            .ok_or_else(not_found)?;
        let tables: Vec<Value> = source
            .tables
            .iter()
            .map(|t| {
                json!({
                    "metric_table_id": t.metric_table_id,
                    "metric_table_name": t.metric_table_name,
                    "period_id": t.period_id,
                })
            })
            .collect();
        let mut data = page.answer("items", &tables);
        data["total"] = json!(tables.len());
        Ok(data)
    })
    .await
}
