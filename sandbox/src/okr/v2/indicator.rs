//! `PATCH /open-apis/okr/v2/indicators/{indicator_id}` (`更新量化指标`).
//!
//! The SDK's field descriptions are its rules, and the sandbox keeps them
//! (1001001 naming the field):
//! - an objective's indicator takes no `start_value`, `target_value` or `unit` (不支持目标修改);
//! - `current_value_calculate_type`: 0 or 1 for an objective's, 0 or 2 for a key result's;
//! - `status_calculate_type`: 0, 1 or 2 for an objective's, 0 or 1 for a key result's;
//! - `current_value` only while the current value is not computed (type 1 of
//!   an objective, type 2 of a key result);
//! - `indicator_status` (-1, 0, 1, 2) only while the status is updated by hand (type 0).
//!
//! Every check passes before anything changes; the change is one ledger entry.

use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State as Extract};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::patch;
use serde_json::{Map, Value, json};

use crate::endpoint::{QueryMap, Shared, call};
use crate::okr::{invalid, not_found};
use crate::state::{ApiError, State};

const PATCH: &str = "okr.v2.indicator.patch";

/// The routes of this resource.
pub(crate) fn routes() -> Router<Arc<Mutex<State>>> {
    Router::new().route(
        "/open-apis/okr/v2/indicators/{indicator_id}",
        patch(patch_indicator),
    )
}

/// An integer field of `body` among `allowed`, or absent.
fn integer(
    body: &Map<String, Value>,
    name: &str,
    allowed: &[i64],
) -> Result<Option<i64>, ApiError> {
    match body.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => match v.as_i64() {
            Some(n) if allowed.contains(&n) => Ok(Some(n)),
            _ => Err(invalid(
                name,
                &v.to_string(),
                &format!("must be one of {allowed:?} here"),
            )),
        },
    }
}

/// A number field of `body`, or absent.
fn number(body: &Map<String, Value>, name: &str) -> Result<Option<f64>, ApiError> {
    match body.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_f64()
            .map(Some)
            .ok_or_else(|| invalid(name, &v.to_string(), "must be a number")),
    }
}

/// The changed indicator, or the first rule `body` breaks.
fn changed(
    mut indicator: Value,
    of_key_result: bool,
    body: &Map<String, Value>,
) -> Result<Value, ApiError> {
    let current_types: &[i64] = if of_key_result { &[0, 2] } else { &[0, 1] };
    let status_types: &[i64] = if of_key_result { &[0, 1] } else { &[0, 1, 2] };
    if let Some(t) = integer(body, "current_value_calculate_type", current_types)? {
        indicator["current_value_calculate_type"] = json!(t);
    }
    if let Some(t) = integer(body, "status_calculate_type", status_types)? {
        indicator["status_calculate_type"] = json!(t);
    }
    for name in ["start_value", "target_value", "unit"] {
        if !of_key_result && body.get(name).is_some_and(|v| !v.is_null()) {
            return Err(invalid(
                name,
                &body[name].to_string(),
                "an objective's indicator does not take it (不支持目标修改)",
            ));
        }
    }
    for name in ["start_value", "target_value"] {
        if let Some(v) = number(body, name)? {
            indicator[name] = json!(v);
        }
    }
    match body.get("unit") {
        None | Some(Value::Null) => {}
        Some(Value::Object(unit)) => {
            let mut merged = indicator["unit"].as_object().cloned().unwrap_or_default();
            if let Some(t) = unit.get("unit_type").filter(|v| !v.is_null()) {
                let t = t.as_i64().ok_or_else(|| {
                    invalid("unit.unit_type", &t.to_string(), "must be an integer")
                })?;
                merged.insert("unit_type".into(), json!(t));
            }
            if let Some(v) = unit.get("unit_value").filter(|v| !v.is_null()) {
                let v = v.as_str().ok_or_else(|| {
                    invalid("unit.unit_value", &v.to_string(), "must be a string")
                })?;
                merged.insert("unit_value".into(), json!(v));
            }
            indicator["unit"] = Value::Object(merged);
        }
        Some(other) => return Err(invalid("unit", &other.to_string(), "must be an object")),
    }
    if let Some(v) = number(body, "current_value")? {
        let computed = if of_key_result { 2 } else { 1 };
        if indicator["current_value_calculate_type"] == computed {
            return Err(invalid(
                "current_value",
                &v.to_string(),
                "the current value is computed, not updated by hand",
            ));
        }
        indicator["current_value"] = json!(v);
    }
    if let Some(status) = integer(body, "indicator_status", &[-1, 0, 1, 2])? {
        if indicator["status_calculate_type"] != 0 {
            return Err(invalid(
                "indicator_status",
                &status.to_string(),
                "the status is computed, not updated by hand",
            ));
        }
        indicator["indicator_status"] = json!(status);
    }
    Ok(indicator)
}

/// `更新量化指标`; an unknown indicator is 1001004.
async fn patch_indicator(
    Extract(state): Shared,
    Path(indicator_id): Path<String>,
    headers: HeaderMap,
    q: QueryMap,
    body: Bytes,
) -> Response {
    call(&state, PATCH, &[], &headers, |s, app_id| {
        let (_, kind) = super::id_types(&q)?;
        let body = match serde_json::from_slice::<Value>(&body) {
            Ok(Value::Object(map)) => map,
            _ => return Err(invalid("body", "", "must be a JSON object")),
        };
        let index = s
            .seed
            .okr_v2
            .indicators
            .iter()
            .position(|i| i.indicator["id"] == indicator_id.as_str())
            .ok_or_else(not_found)?;
        let current = &s.seed.okr_v2.indicators[index];
        let mut updated = changed(current.indicator.clone(), current.of_key_result, &body)?;
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis())
            .unwrap_or_default();
        updated["update_time"] = json!(now.to_string());
        s.seed.okr_v2.indicators[index].indicator = updated.clone();
        let mut row = Value::Object(body);
        row["indicator_id"] = json!(indicator_id);
        s.record(PATCH, app_id, None, indicator_id.clone(), vec![row]);
        Ok(json!({"indicator": super::render(s, kind, &updated)}))
    })
    .await
}
