//! The items of a metric table:
//! - `GET .../metric_sources/{metric_source_id}/tables/{metric_table_id}/items` (`获取指标项`),
//! - `GET .../items/{metric_item_id}` (`获取指标项详情`),
//! - `PATCH .../items/{metric_item_id}` (`更新指标项`, doc 004),
//! - `PATCH .../items/batch_update` (`批量更新指标项`): at most 100 items;
//!   the good ones are applied, the others come back in `failed_items` as
//!   `{metric_item_id, reason}` (the SDKs' `FailedMetricItem`), the reason
//!   being the message doc 004 gives the same refusal of a single item.
//!
//! All under `/open-apis/okr/v1`. A write is read back changed by the list
//! and the get; each accepted write is one ledger entry, one row an item.

use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State as Extract};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::{get, patch};
use serde_json::{Map, Value, json};

use crate::endpoint::{QueryMap, Shared, call};
use crate::okr::{invalid, not_found, page, query, user_id_type};
use crate::seed::OkrItem;
use crate::state::{ApiError, IdKind, State};

const PATCH: &str = "okr.v1.metric_source_table_item.patch";
const BATCH_UPDATE: &str = "okr.v1.metric_source_table_item.batch_update";
const LIST: &str = "okr.v1.metric_source_table_item.list";
const GET: &str = "okr.v1.metric_source_table_item.get";

/// The most items of one batch_update (the SDK's 单次调用最多更新 100 条记录).
const MAX_BATCH: usize = 100;

const ITEMS: &str =
    "/open-apis/okr/v1/metric_sources/{metric_source_id}/tables/{metric_table_id}/items";

/// The routes of this resource.
pub(crate) fn routes() -> Router<Arc<Mutex<State>>> {
    Router::new()
        .route(ITEMS, get(list_items))
        .route(&format!("{ITEMS}/batch_update"), patch(batch_update))
        .route(
            &format!("{ITEMS}/{{metric_item_id}}"),
            get(get_item).patch(patch_item),
        )
}

/// A refusal of one item: the code and message doc 004 gives it.
fn user_not_found() -> ApiError {
    ApiError::new(200, 1001003, "User not found.")
}
fn table_mismatch() -> ApiError {
    ApiError::new(400, 1001007, "table id match error")
}
fn start_equals_target() -> ApiError {
    ApiError::new(400, 1001006, "start value equals target value")
}

/// Indexes of the source and table; 1001004 when either is unknown.
fn table(s: &State, source_id: &str, table_id: &str) -> Result<(usize, usize), ApiError> {
    let source = s
        .seed
        .okr_sources
        .iter()
        .position(|x| x.metric_source_id == source_id)
        .ok_or_else(not_found)?;
    let table = s.seed.okr_sources[source]
        .tables
        .iter()
        .position(|t| t.metric_table_id == table_id)
        .ok_or_else(not_found)?;
    Ok((source, table))
}

/// Index of the item in its table; 1001007 when it lives in another table, 1001004 when nowhere.
fn item(s: &State, (source, table): (usize, usize), item_id: &str) -> Result<usize, ApiError> {
    let tables = &s.seed.okr_sources[source].tables;
    if let Some(i) = tables[table]
        .items
        .iter()
        .position(|i| i.metric_item_id == item_id)
    {
        return Ok(i);
    }
    let elsewhere = tables
        .iter()
        .any(|t| t.items.iter().any(|i| i.metric_item_id == item_id));
    Err(if elsewhere {
        table_mismatch()
    } else {
        not_found()
    })
}

/// `supported_user_id`: doc 004 does not say which id type it is (its
/// example is a bare number, with `user_id_type=` empty). A user known by
/// `user_id_type`, then by any id type; an all-digit id (the form of the
/// page's example) kept as given; any other id is `1001003 User not found`.
fn supported_user(s: &State, kind: IdKind, id: &str) -> Result<String, ApiError> {
    let kinds = [kind, IdKind::Open, IdKind::Union, IdKind::User];
    if let Some(open_id) = kinds.iter().find_map(|&k| s.resolve_user(k, id)) {
        return Ok(open_id);
    }
    if !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(id.to_owned());
    }
    Err(user_not_found())
}

/// The new values of one item (`None`: left as it is).
struct Change {
    values: [Option<f64>; 3],
    supported: Option<String>,
}

const VALUE_FIELDS: [&str; 3] = [
    "metric_initial_value",
    "metric_target_value",
    "metric_current_value",
];

/// Reads the values of `body`; a value of the wrong type is 1001001 (naming
/// `at` and the field), an unknown supported user 1001003.
fn change(
    s: &State,
    kind: IdKind,
    body: &Map<String, Value>,
    at: &str,
) -> Result<Change, ApiError> {
    let mut values = [None; 3];
    for (value, name) in values.iter_mut().zip(VALUE_FIELDS) {
        *value = match body.get(name) {
            None | Some(Value::Null) => None,
            Some(Value::Number(n)) => n.as_f64(),
            Some(other) => {
                return Err(invalid(
                    &format!("{at}{name}"),
                    &other.to_string(),
                    "must be a number",
                ));
            }
        };
    }
    let supported = match body.get("supported_user_id") {
        None | Some(Value::Null) => None,
        Some(Value::String(id)) => Some(supported_user(s, kind, id)?),
        Some(other) => {
            return Err(invalid(
                &format!("{at}supported_user_id"),
                &other.to_string(),
                "must be a string",
            ));
        }
    };
    Ok(Change { values, supported })
}

/// Applies `change` to the item, or refuses it (1001006) leaving it as it was.
fn apply(
    s: &mut State,
    app_id: &str,
    at: (usize, usize),
    index: usize,
    change: Change,
) -> Result<OkrItem, ApiError> {
    let operator = s
        .app(app_id)
        .map(|a| a.operator.clone())
        .unwrap_or_default();
    let slot = &mut s.seed.okr_sources[at.0].tables[at.1].items[index];
    let mut updated = slot.clone();
    let [initial, target, current] = change.values;
    updated.metric_initial_value = initial.unwrap_or(updated.metric_initial_value);
    updated.metric_target_value = target.unwrap_or(updated.metric_target_value);
    updated.metric_current_value = current.unwrap_or(updated.metric_current_value);
    if let Some(v) = change.supported {
        updated.supported_user_id = v;
    }
    if updated.metric_initial_value == updated.metric_target_value {
        return Err(start_equals_target());
    }
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or_default();
    updated.updated_at = now.to_string();
    updated.updated_by = operator;
    *slot = updated.clone();
    Ok(updated)
}

/// The ledger row of an applied item.
fn ledger_row(source_id: &str, table_id: &str, item: &OkrItem) -> Value {
    json!({
        "metric_source_id": source_id, "metric_table_id": table_id, "metric_item_id": item.metric_item_id,
        "metric_initial_value": item.metric_initial_value, "metric_target_value": item.metric_target_value,
        "metric_current_value": item.metric_current_value, "supported_user_id": item.supported_user_id,
    })
}

/// An item as the API answers it (`MetricItem`), users as `kind`.
fn render(s: &State, kind: IdKind, item: &OkrItem) -> Value {
    json!({
        "metric_item_id": item.metric_item_id,
        "user_id": s.render_user(kind, &item.user_id),
        "period_id": item.period_id,
        "metric_unit": item.metric_unit,
        "metric_initial_value": item.metric_initial_value,
        "metric_target_value": item.metric_target_value,
        "metric_current_value": item.metric_current_value,
        "supported_user_id": s.render_user(kind, &item.supported_user_id),
        "kr_id": item.kr_id,
        "updated_at": item.updated_at,
        "updated_by": s.render_user(kind, &item.updated_by),
    })
}

fn body_object(body: &Bytes) -> Result<Map<String, Value>, ApiError> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(invalid("body", "", "must be a JSON object")),
    }
}

/// `获取指标项`: the items of one table, with `total`.
async fn list_items(
    Extract(state): Shared,
    Path((source_id, table_id)): Path<(String, String)>,
    headers: HeaderMap,
    q: QueryMap,
) -> Response {
    call(&state, LIST, &[], &headers, |s, _app_id| {
        let q = query(&q)?;
        let kind = user_id_type(q)?;
        let page = page(q, super::MAX_PAGE_SIZE)?;
        let (source, table) = table(s, &source_id, &table_id)?;
        let items = &s.seed.okr_sources[source].tables[table].items;
        let (shown, has_more) = page.cut(items);
        let mut data = json!({
            "total": items.len(),
            "items": shown.iter().map(|i| render(s, kind, i)).collect::<Vec<_>>(),
        });
        page.finish(&mut data, has_more);
        Ok(data)
    })
    .await
}

/// `获取指标项详情`
async fn get_item(
    Extract(state): Shared,
    Path((source_id, table_id, item_id)): Path<(String, String, String)>,
    headers: HeaderMap,
    q: QueryMap,
) -> Response {
    call(&state, GET, &[], &headers, |s, _app_id| {
        let kind = user_id_type(query(&q)?)?;
        let at = table(s, &source_id, &table_id)?;
        let index = item(s, at, &item_id)?;
        Ok(render(
            s,
            kind,
            &s.seed.okr_sources[at.0].tables[at.1].items[index],
        ))
    })
    .await
}

/// `更新指标项`
async fn patch_item(
    Extract(state): Shared,
    Path((source_id, table_id, item_id)): Path<(String, String, String)>,
    headers: HeaderMap,
    q: QueryMap,
    body: Bytes,
) -> Response {
    call(&state, PATCH, &[], &headers, |s, app_id| {
        let kind = user_id_type(query(&q)?)?;
        let body = body_object(&body)?;
        let change = change(s, kind, &body, "")?;
        let at = table(s, &source_id, &table_id)?;
        let index = item(s, at, &item_id)?;
        let updated = apply(s, app_id, at, index, change)?;
        let row = ledger_row(&source_id, &table_id, &updated);
        s.record(PATCH, app_id, None, item_id.clone(), vec![row]);
        Ok(render(s, kind, &updated))
    })
    .await
}

/// `批量更新指标项`: more than 100 items is 1001005 for the whole request; a
/// malformed item (no id, a value of the wrong type) is 1001001 for the whole
/// request; an item refused on its own is reported in `failed_items` and the
/// others are applied.
async fn batch_update(
    Extract(state): Shared,
    Path((source_id, table_id)): Path<(String, String)>,
    headers: HeaderMap,
    q: QueryMap,
    body: Bytes,
) -> Response {
    call(&state, BATCH_UPDATE, &[], &headers, |s, app_id| {
        let kind = user_id_type(query(&q)?)?;
        let body = body_object(&body)?;
        let items = match body.get("items") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(items)) => items.clone(),
            Some(other) => return Err(invalid("items", &other.to_string(), "must be an array")),
        };
        if items.len() > MAX_BATCH {
            return Err(ApiError::new(400, 1001005, "update numbers exceeds limit"));
        }
        let at = table(s, &source_id, &table_id)?;
        // Read every item first: a malformed one refuses the request before anything is applied.
        let mut changes = Vec::with_capacity(items.len());
        for (n, entry) in items.iter().enumerate() {
            let path = format!("items[{n}].");
            let Value::Object(entry) = entry else {
                return Err(invalid(
                    &format!("items[{n}]"),
                    &entry.to_string(),
                    "must be an object",
                ));
            };
            let Some(Value::String(id)) = entry.get("metric_item_id") else {
                return Err(invalid(
                    &format!("{path}metric_item_id"),
                    "",
                    "is required (a string)",
                ));
            };
            let change = change(s, kind, entry, &path);
            // A value of the wrong type is the request's fault; an unknown user, the item's.
            if let Err(e) = &change
                && e.code == 1001001
            {
                return Err(e.clone());
            }
            changes.push((id.clone(), change));
        }
        let (mut applied, mut failed, mut rows) = (Vec::new(), Vec::new(), Vec::new());
        for (id, change) in changes {
            let outcome = change.and_then(|c| {
                let index = item(s, at, &id)?;
                apply(s, app_id, at, index, c)
            });
            match outcome {
                Ok(updated) => {
                    rows.push(ledger_row(&source_id, &table_id, &updated));
                    applied.push(render(s, kind, &updated));
                }
                Err(e) => failed.push(json!({"metric_item_id": id, "reason": e.msg})),
            }
        }
        if !rows.is_empty() {
            let record = s.next_id();
            s.record(BATCH_UPDATE, app_id, None, record, rows);
        }
        Ok(json!({"items": applied, "failed_items": failed}))
    })
    .await
}
