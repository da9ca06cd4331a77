//! `PATCH /open-apis/okr/v1/metric_sources/{metric_source_id}/tables/{metric_table_id}/items/{metric_item_id}` (`更新指标项`).

use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State as Extract};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::patch;
use serde_json::{Value, json};

use crate::endpoint::{QueryMap, Shared, call};
use crate::state::{ApiError, IdKind, State};

const OKR_PATCH: &str = "okr.v1.metric_source_table_item.patch";

/// The routes of this resource.
pub(crate) fn routes() -> Router<Arc<Mutex<State>>> {
    Router::new().route(
        "/open-apis/okr/v1/metric_sources/{metric_source_id}/tables/{metric_table_id}/items/{metric_item_id}",
        patch(patch_item),
    )
}

fn okr_invalid(field: &str, value: &str, why: &str) -> ApiError {
    ApiError::new(
        200,
        1001001,
        "Invalid parameters. Please check document and modify accordingly.",
    )
    .violation(field, value, why)
}

/// `supported_user_id`: the page does not say which id type it is (its example
/// is a bare number, with `user_id_type=` empty). The sandbox takes a user it
/// knows by `user_id_type`, then by any id type; an all-digit id (the form of
/// the page's example) it keeps as given; any other id is `1001003 User not found`.
fn supported_user(s: &State, kind: IdKind, id: &str) -> Result<String, ApiError> {
    let kinds = [kind, IdKind::Open, IdKind::Union, IdKind::User];
    if let Some(open_id) = kinds.iter().find_map(|&k| s.resolve_user(k, id)) {
        return Ok(open_id);
    }
    if !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(id.to_owned());
    }
    Err(ApiError::new(200, 1001003, "User not found."))
}

/// `更新指标项`
async fn patch_item(
    Extract(state): Shared,
    Path((source_id, table_id, item_id)): Path<(String, String, String)>,
    headers: HeaderMap,
    q: QueryMap,
    body: Bytes,
) -> Response {
    call(&state, OKR_PATCH, &[], &headers, |s, app_id| {
        let q = q.as_ref().map_err(|_| okr_invalid("query", "", "malformed query string"))?;
        let raw_kind = q.get("user_id_type").map(String::as_str).filter(|v| !v.is_empty());
        let kind = IdKind::parse(raw_kind, false).ok_or_else(|| okr_invalid("user_id_type", raw_kind.unwrap_or(""), "unknown user_id_type"))?;
        let body = match serde_json::from_slice::<Value>(&body) {
            Ok(Value::Object(map)) => map,
            _ => return Err(okr_invalid("body", "", "must be a JSON object")),
        };
        let number = |name: &str| -> Result<Option<f64>, ApiError> {
            match body.get(name) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::Number(n)) => Ok(n.as_f64()),
                Some(other) => Err(okr_invalid(name, &other.to_string(), "must be a number")),
            }
        };
        let initial = number("metric_initial_value")?;
        let target = number("metric_target_value")?;
        let current = number("metric_current_value")?;
        let supported = match body.get("supported_user_id") {
            None | Some(Value::Null) => None,
            Some(Value::String(id)) => Some(supported_user(s, kind, id)?),
            Some(other) => return Err(okr_invalid("supported_user_id", &other.to_string(), "must be a string")),
        };
        let not_found = || ApiError::new(200, 1001004, "OKR data not found.");
        let source = s.seed.okr_sources.iter().position(|x| x.metric_source_id == source_id).ok_or_else(not_found)?;
        let table = s.seed.okr_sources[source].tables.iter().position(|t| t.metric_table_id == table_id).ok_or_else(not_found)?;
        let Some(item) = s.seed.okr_sources[source].tables[table].items.iter().position(|i| i.metric_item_id == item_id) else {
            let elsewhere = s.seed.okr_sources[source].tables.iter().any(|t| t.items.iter().any(|i| i.metric_item_id == item_id));
            return Err(if elsewhere { ApiError::new(400, 1001007, "table id match error") } else { not_found() });
        };
        let operator = s.app(app_id).map(|a| a.operator.clone()).unwrap_or_default();
        let mut updated = s.seed.okr_sources[source].tables[table].items[item].clone();
        if let Some(v) = initial {
            updated.metric_initial_value = v;
        }
        if let Some(v) = target {
            updated.metric_target_value = v;
        }
        if let Some(v) = current {
            updated.metric_current_value = v;
        }
        if let Some(v) = supported {
            updated.supported_user_id = v;
        }
        if updated.metric_initial_value == updated.metric_target_value {
            return Err(ApiError::new(400, 1001006, "start value equals target value"));
        }
        let now = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis()).unwrap_or_default();
        updated.updated_at = now.to_string();
        updated.updated_by = operator;
        s.seed.okr_sources[source].tables[table].items[item] = updated.clone();
        let row = json!({
            "metric_source_id": source_id, "metric_table_id": table_id, "metric_item_id": item_id,
            "metric_initial_value": updated.metric_initial_value, "metric_target_value": updated.metric_target_value,
            "metric_current_value": updated.metric_current_value, "supported_user_id": updated.supported_user_id,
        });
        s.record(OKR_PATCH, app_id, None, item_id.clone(), vec![row]);
        Ok(json!({
            "metric_item_id": updated.metric_item_id,
            "user_id": s.render_user(kind, &updated.user_id),
            "period_id": updated.period_id,
            "metric_unit": updated.metric_unit,
            "metric_initial_value": updated.metric_initial_value,
            "metric_target_value": updated.metric_target_value,
            "metric_current_value": updated.metric_current_value,
            "supported_user_id": s.render_user(kind, &updated.supported_user_id),
            "kr_id": updated.kr_id,
            "updated_at": updated.updated_at,
            "updated_by": s.render_user(kind, &updated.updated_by),
        }))
    })
    .await
}
