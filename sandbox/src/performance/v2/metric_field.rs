//! `POST /open-apis/performance/v2/metric_fields/query` (`获取指标字段列表`).
//!
//! Every field of the seed's metrics, once each. Field kinds map to the
//! page's types as written: number → `number`, text → `text`, person →
//! `person`, weight → `pencentage` (the page's spelling). Unknown ids are
//! left out.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State as Extract;
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::post;
use serde_json::{Value, json};

use crate::endpoint::{Limit, QueryMap, Shared, call};
use crate::input::{body_object, string_list};
use crate::seed::FieldKind;
use crate::state::State;

const QUERY: &str = "performance.v2.metric_field.query";
/// The documented limit: 20 次/分钟.
const LIMIT: Limit = Limit::PerMinute(20);

/// The routes of this resource.
pub(crate) fn routes() -> Router<Arc<Mutex<State>>> {
    Router::new().route(
        "/open-apis/performance/v2/metric_fields/query",
        post(query_fields),
    )
}

/// `获取指标字段列表`
async fn query_fields(
    Extract(state): Shared,
    headers: HeaderMap,
    _q: QueryMap,
    body: Bytes,
) -> Response {
    call(&state, QUERY, &[LIMIT], &headers, |s, _app_id| {
        let body = body_object(&body, true)?;
        let ids = string_list(&body, "field_ids", 0, 50, false)?.unwrap_or_default();
        let mut seen = std::collections::HashSet::new();
        let items: Vec<Value> = s
            .seed
            .metrics
            .iter()
            .flat_map(|m| m.fields.iter())
            .filter(|f| ids.is_empty() || ids.contains(&f.field_id))
            .filter(|f| seen.insert(f.field_id.clone()))
            .map(|f| {
                let kind = match f.kind {
                    FieldKind::Number => "number",
                    FieldKind::Text => "text",
                    FieldKind::Person => "person",
                    FieldKind::Weight => "pencentage",
                };
                json!({"field_id": f.field_id, "name": f.name, "type": kind})
            })
            .collect();
        Ok(json!({"items": items}))
    })
    .await
}
