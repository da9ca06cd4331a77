//! `POST /open-apis/performance/v2/metric_libs/query` (`获取指标列表`).
//!
//! The seed's metrics with their library settings. Filters are and-ed; the
//! field values of the library are the library's defaults (empty in the
//! fixture), not any reviewee's values (those are in `metric_details/query`).

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State as Extract;
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::post;
use serde_json::{Value, json};

use crate::endpoint::{Limit, QueryMap, Shared, call};
use crate::input::{body_object, opt_bool, opt_enum, query, string_list, user_id_type};
use crate::pagination::Page;
use crate::state::State;

const QUERY: &str = "performance.v2.metric_lib.query";
/// The documented limit: 20 次/分钟.
const LIMIT: Limit = Limit::PerMinute(20);

/// The routes of this resource.
pub(crate) fn routes() -> Router<Arc<Mutex<State>>> {
    Router::new().route(
        "/open-apis/performance/v2/metric_libs/query",
        post(query_libs),
    )
}

/// `获取指标列表`
async fn query_libs(
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
        let is_active = opt_bool(&body, "is_active")?;
        let tag_ids = string_list(&body, "tag_ids", 0, 99, false)?;
        // "type_ids的长度范围（0～99）", in the field's description.
        let type_ids = string_list(&body, "type_ids", 0, 99, false)?;
        let range = opt_enum(&body, "range_of_availability", &["admins_and_reviewees", "only_admins"])?;
        let scoring = opt_enum(&body, "scoring_setting_type", &["score_manually", "score_by_formula"])?;
        let matching: Vec<Value> = s
            .seed
            .metrics
            .iter()
            .filter(|m| {
                let l = &m.library;
                is_active.is_none_or(|a| l["is_active"].as_bool() == Some(a))
                    && tag_ids.as_ref().is_none_or(|ids| {
                        ids.is_empty()
                            || l["tags"].as_array().is_some_and(|tags| {
                                tags.iter().any(|t| ids.iter().any(|id| t["tag_id"] == id.as_str()))
                            })
                    })
                    && type_ids.as_ref().is_none_or(|ids| {
                        ids.is_empty() || ids.iter().any(|id| l["type_id"] == id.as_str())
                    })
                    && range.is_none_or(|r| l["range_of_availability"] == r)
                    && scoring.is_none_or(|r| l["scoring_setting_type"] == r)
            })
            .map(|m| {
                let mut item = json!({"metric_id": m.metric_id});
                if let Value::Object(l) = &m.library {
                    for (k, v) in l {
                        item[k] = v.clone();
                    }
                }
                item["fields"] = m
                    .fields
                    .iter()
                    .map(|f| json!({"field_id": f.field_id, "input_setting": f.input_setting, "field_value": ""}))
                    .collect();
                item
            })
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
