//! `/open-apis/okr/v2/...`, one module per resource, served from the seed's
//! [`OkrV2`](crate::seed::okr::OkrV2): the way from a user's cycles to
//! their objectives, key results and quantitative indicators, and the
//! indicator PATCH, whose change the indicator lists read back.
//!
//! Records keep owners as open_ids; answers render them for `user_id_type`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::State as Extract;
use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::{Value, json};

use crate::endpoint::{QueryMap, Shared, call};
use crate::okr::{invalid, not_found, query, user_id_type};
use crate::state::{ApiError, IdKind, State};

pub(crate) mod cycle;
pub(crate) mod cycle_objective;
pub(crate) mod indicator;
pub(crate) mod key_result_indicator;
pub(crate) mod objective_indicator;
pub(crate) mod objective_key_result;

/// `分页大小，最大 100` (the SDK's words).
pub(crate) const MAX_PAGE_SIZE: usize = 100;

/// Every route of OKR v2.
pub(crate) fn routes() -> Router<Arc<Mutex<State>>> {
    Router::new()
        .merge(cycle::routes())
        .merge(cycle_objective::routes())
        .merge(objective_key_result::routes())
        .merge(objective_indicator::routes())
        .merge(key_result_indicator::routes())
        .merge(indicator::routes())
}

/// `user_id_type`, and `department_id_type` checked against its two values.
pub(crate) fn id_types(q: &QueryMap) -> Result<(&HashMap<String, String>, IdKind), ApiError> {
    let q = query(q)?;
    let kind = user_id_type(q)?;
    match q.get("department_id_type").map(String::as_str) {
        None | Some("department_id" | "open_department_id") => Ok((q, kind)),
        Some(other) => Err(invalid(
            "department_id_type",
            other,
            "unknown department_id_type",
        )),
    }
}

/// `record` as the API answers it: its `owner.user_id` rendered as `kind`.
pub(crate) fn render(s: &State, kind: IdKind, record: &Value) -> Value {
    let mut out = record.clone();
    if let Some(Value::String(open_id)) = out.pointer("/owner/user_id") {
        let rendered = s.render_user(kind, open_id);
        out["owner"]["user_id"] = Value::String(rendered);
    }
    out
}

/// The record of `records` whose `id` is `id`; 1001004 when none is.
pub(crate) fn find<'a>(records: &'a [Value], id: &str) -> Result<&'a Value, ApiError> {
    records.iter().find(|r| r["id"] == id).ok_or_else(not_found)
}

/// The records whose `parent` field is `id`, by `position`.
pub(crate) fn children(records: &[Value], parent: &str, id: &str) -> Vec<Value> {
    let mut out: Vec<Value> = records
        .iter()
        .filter(|r| r[parent] == id)
        .cloned()
        .collect();
    out.sort_by_key(|r| r["position"].as_i64());
    out
}

/// The lists of a parent's children: a cycle's objectives
/// (`获取用户 OKR 周期内的目标`), an objective's key results
/// (`获取目标下的所有关键结果`); by position, in pages of at most 100; an
/// unknown parent is 1001004.
pub(crate) async fn list_children(
    state: Shared,
    endpoint: &'static str,
    key_results: bool,
    parent: String,
    headers: HeaderMap,
    q: QueryMap,
) -> Response {
    let Extract(state) = state;
    call(&state, endpoint, &[], &headers, |s, _app_id| {
        let (q, kind) = id_types(&q)?;
        let page = crate::okr::page(q, MAX_PAGE_SIZE)?;
        let v2 = &s.seed.okr_v2;
        let (parents, records, field) = if key_results {
            (&v2.objectives, &v2.key_results, "objective_id")
        } else {
            (&v2.cycles, &v2.objectives, "cycle_id")
        };
        find(parents, &parent)?;
        let items: Vec<Value> = children(records, field, &parent)
            .iter()
            .map(|r| render(s, kind, r))
            .collect();
        Ok(page.answer("items", &items))
    })
    .await
}

/// The indicator lists (`获取目标的量化指标`, `获取关键结果的量化指标`):
/// `{indicator}` of the objective or key result `entity` (the SDK's response
/// holds one indicator), `{}` when it has none; an unknown `entity` is 1001004.
pub(crate) async fn list_indicator(
    state: Shared,
    endpoint: &'static str,
    of_key_result: bool,
    entity: String,
    headers: HeaderMap,
    q: QueryMap,
) -> Response {
    let Extract(state) = state;
    call(&state, endpoint, &[], &headers, |s, _app_id| {
        let (_, kind) = id_types(&q)?;
        let v2 = &s.seed.okr_v2;
        find(
            if of_key_result {
                &v2.key_results
            } else {
                &v2.objectives
            },
            &entity,
        )?;
        let found = v2.indicators.iter().find(|i| {
            i.of_key_result == of_key_result && i.indicator["entity_id"] == entity.as_str()
        });
        Ok(match found {
            Some(i) => json!({"indicator": render(s, kind, &i.indicator)}),
            None => json!({}),
        })
    })
    .await
}
