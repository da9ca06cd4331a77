//! `GET /open-apis/okr/v1/okrs/batch_get` (`批量获取 OKR`), and the v1 shape
//! of an OKR, shared with the user's OKR list.
//!
//! A v1 OKR is a v2 cycle (same id) of one user; its `period_id` is the
//! cycle's `tenant_cycle_id`, its `name` the period's Chinese name, its
//! objectives and key results the cycle's v2 records by position. Scores and
//! weights are the v2 values (0..1) times 100; `progress_rate` is the latest
//! progress record's (the percent rounded to an integer, as the page types
//! it), `{percent: 0, status: "-1"}` (暂无) before any; `progress_record_list`
//! lists the target's records, oldest first. The sandbox keeps no
//! alignments or mentions: those lists are empty. Every OKR is readable
//! (`permission` 1) and confirmed (`confirm_status` 4).

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::State as Extract;
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::get;
use serde_json::{Value, json};

use super::{QueryPairs, id_kind, invalid, lang, many, not_found, pairs};
use crate::endpoint::{Limit, Shared, call};
use crate::okr::v2::children;
use crate::state::State;

const BATCH_GET: &str = "okr.v1.okr.batch_get";

/// The page's 100 calls a minute.
const PER_MINUTE: Limit = Limit::PerMinute(100);
/// `OKR ID 列表，最多10个`.
const MAX_IDS: usize = 10;

/// The routes of this resource.
pub(crate) fn routes() -> Router<Arc<Mutex<State>>> {
    Router::new().route("/open-apis/okr/v1/okrs/batch_get", get(batch_get))
}

/// The plain text of v2 rich text (every `text`, in order).
fn plain(value: &Value) -> String {
    match value {
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| match (k.as_str(), v) {
                ("text", Value::String(s)) => s.clone(),
                _ => plain(v),
            })
            .collect(),
        Value::Array(items) => items.iter().map(plain).collect::<Vec<_>>().join("\n"),
        _ => String::new(),
    }
}

/// v2's 0..1 value times 100.
fn hundred(value: &Value) -> f64 {
    (value.as_f64().unwrap_or(0.0) * 100.0 * 1000.0).round() / 1000.0
}

/// What the progress records of `target` (of `target_type`) say of it.
fn progress(s: &State, target: &str, target_type: i64) -> (Value, Vec<Value>, String) {
    let records: Vec<_> = s
        .seed
        .okr_v1
        .progress_records
        .iter()
        .filter(|r| r.target_id == target && r.target_type == target_type)
        .collect();
    let list = records
        .iter()
        .map(|r| json!({"id": r.progress_id}))
        .collect();
    let latest = records.iter().max_by_key(|r| &r.modify_time);
    let rate = match latest.and_then(|r| r.progress_rate.as_ref()) {
        Some(rate) => json!({
            "percent": rate["percent"].as_f64().unwrap_or(0.0).round() as i64,
            "status": rate["status"].as_i64().unwrap_or(-1).to_string(),
        }),
        None => json!({"percent": 0, "status": "-1"}),
    };
    let updated = latest.map_or_else(|| "0".to_owned(), |r| r.modify_time.clone());
    (rate, list, updated)
}

fn key_result(s: &State, kr: &Value) -> Value {
    let id = kr["id"].as_str().unwrap_or_default();
    let (rate, records, updated) = progress(s, id, 3);
    json!({"id": id, "content": plain(&kr["content"]), "score": hundred(&kr["score"]).round() as i64,
        "weight": hundred(&kr["weight"]).round() as i64, "kr_weight": hundred(&kr["weight"]),
        "progress_rate": rate, "progress_record_list": records,
        "progress_record_last_updated_time": updated, "deadline": kr["deadline"],
        "mentioned_user_list": []})
}

fn objective(s: &State, o: &Value) -> Value {
    let id = o["id"].as_str().unwrap_or_default();
    let (rate, records, updated) = progress(s, id, 2);
    let krs: Vec<Value> = children(&s.seed.okr_v2.key_results, "objective_id", id)
        .iter()
        .map(|kr| key_result(s, kr))
        .collect();
    json!({"id": id, "permission": 1, "content": plain(&o["content"]),
        "progress_report": plain(&o["notes"]), "score": hundred(&o["score"]).round() as i64,
        "weight": hundred(&o["weight"]), "progress_rate": rate, "kr_list": krs,
        "aligned_objective_list": [], "aligning_objective_list": [],
        "progress_record_list": records, "progress_record_last_updated_time": updated,
        "deadline": o["deadline"], "mentioned_user_list": []})
}

/// The v2 cycle `cycle` as a v1 OKR.
pub(crate) fn render(s: &State, cycle: &Value) -> Value {
    let id = cycle["id"].as_str().unwrap_or_default();
    let period_id = cycle["tenant_cycle_id"].as_str().unwrap_or_default();
    let name = s
        .seed
        .okr_v1
        .periods
        .iter()
        .find(|p| p.id == period_id)
        .map_or("", |p| p.zh_name.as_str());
    let objectives: Vec<Value> = children(&s.seed.okr_v2.objectives, "cycle_id", id)
        .iter()
        .map(|o| objective(s, o))
        .collect();
    json!({"id": id, "permission": 1, "period_id": period_id, "name": name,
        "objective_list": objectives, "confirm_status": 4})
}

/// Whether `id` names an objective (target type 2) or a key result (3).
pub(crate) fn target_exists(s: &State, id: &str, target_type: i64) -> bool {
    let records = match target_type {
        2 => &s.seed.okr_v2.objectives,
        3 => &s.seed.okr_v2.key_results,
        _ => return false,
    };
    records.iter().any(|r| r["id"] == id)
}

/// `批量获取 OKR`: the OKRs in the order asked; an id that names no OKR is
/// 1001004 (the page's code for an id that names nothing).
async fn batch_get(Extract(state): Shared, headers: HeaderMap, q: QueryPairs) -> Response {
    call(&state, BATCH_GET, &[PER_MINUTE], &headers, |s, _app_id| {
        let q = pairs(&q)?;
        id_kind(q, true)?;
        lang(q)?;
        let ids = many(q, "okr_ids", MAX_IDS)?;
        if ids.is_empty() {
            return Err(invalid("okr_ids", "", "is required"));
        }
        let mut list = Vec::new();
        for id in ids {
            let cycle = s
                .seed
                .okr_v2
                .cycles
                .iter()
                .find(|c| c["id"] == id)
                .ok_or_else(not_found)?;
            list.push(render(s, cycle));
        }
        Ok(json!({"okr_list": list}))
    })
    .await
}
