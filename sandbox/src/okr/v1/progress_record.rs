//! OKR progress records (`/open-apis/okr/v1/progress_records`):
//! - `POST` (`创建 OKR 进展记录`): a record of an objective (`target_type`
//!   2) or key result (3); 1001004 when the target names nothing of its type;
//! - `GET`, `PUT`, `DELETE .../{progress_id}` (`获取`, `更新`, `删除 OKR 进展记录`);
//!   1001004 for an id that names no record.
//!
//! Checked as the create page writes its rules (1001001 naming the field):
//! `source_title`, `source_url`, `target_id`, `target_type` and `content`
//! required, the three URLs matching `^https?://`, `progress_rate.percent`
//! within ±99999999999, `progress_rate.status` one of -1, 0, 1, 2. The
//! create takes no `client_token`: the same body sent twice makes two
//! records (so does Feishu, as far as any source says). The records a
//! target has are listed by the OKR answers (`progress_record_list`).
//! Each accepted write is one ledger entry.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State as Extract};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::{get, post};
use serde_json::{Map, Value, json};

use super::period::object;
use super::{QueryPairs, id_kind, invalid, not_found, now_millis, pairs};
use crate::endpoint::{Limit, Shared, call};
use crate::seed::okr_v1::ProgressRecord;
use crate::state::{ApiError, State};

const CREATE: &str = "okr.v1.progress_record.create";
const GET: &str = "okr.v1.progress_record.get";
const UPDATE: &str = "okr.v1.progress_record.update";
const DELETE: &str = "okr.v1.progress_record.delete";
/// The pages' 100 calls a minute.
const PER_MINUTE: Limit = Limit::PerMinute(100);
/// `progress_rate.percent`'s range on the pages.
const MAX_PERCENT: f64 = 99_999_999_999.0;

/// The routes of this resource.
pub(crate) fn routes() -> Router<Arc<Mutex<State>>> {
    Router::new()
        .route("/open-apis/okr/v1/progress_records", post(create))
        .route(
            "/open-apis/okr/v1/progress_records/{progress_id}",
            get(get_record).put(update).delete(delete),
        )
}

/// A string member: required or not, and matching `^https?://` when `url`.
fn string<'a>(
    body: &'a Map<String, Value>,
    name: &str,
    required: bool,
    url: bool,
) -> Result<Option<&'a str>, ApiError> {
    match body.get(name) {
        None | Some(Value::Null) if !required => Ok(None),
        None | Some(Value::Null) => Err(invalid(name, "", "is required")),
        Some(Value::String(s))
            if url && !(s.starts_with("http://") || s.starts_with("https://")) =>
        {
            Err(invalid(name, s, "must match ^https?://.*$"))
        }
        Some(Value::String(s)) if required && s.is_empty() => Err(invalid(name, s, "is required")),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(other) => Err(invalid(name, &other.to_string(), "must be a string")),
    }
}

/// `content` (an object whose `blocks`, if any, is a list) and `progress_rate`.
fn content_and_rate(body: &Map<String, Value>) -> Result<(Value, Option<Value>), ApiError> {
    let content = match body.get("content") {
        Some(Value::Object(c)) if c.get("blocks").is_none_or(Value::is_array) => {
            Value::Object(c.clone())
        }
        Some(other) => {
            return Err(invalid(
                "content",
                &other.to_string(),
                "must be an object whose blocks is a list",
            ));
        }
        None => return Err(invalid("content", "", "is required")),
    };
    let rate = match body.get("progress_rate") {
        None | Some(Value::Null) => None,
        Some(Value::Object(r)) => {
            if let Some(p) = r.get("percent") {
                match p.as_f64() {
                    Some(v) if v.abs() <= MAX_PERCENT => {}
                    _ => {
                        return Err(invalid(
                            "progress_rate.percent",
                            &p.to_string(),
                            "must be a number within ±99999999999",
                        ));
                    }
                }
            }
            if let Some(st) = r.get("status")
                && !matches!(st.as_i64(), Some(-1..=2))
            {
                return Err(invalid(
                    "progress_rate.status",
                    &st.to_string(),
                    "must be -1, 0, 1 or 2",
                ));
            }
            Some(Value::Object(r.clone()))
        }
        Some(other) => {
            return Err(invalid(
                "progress_rate",
                &other.to_string(),
                "must be an object",
            ));
        }
    };
    Ok((content, rate))
}

/// The record as the pages answer it.
fn render(r: &ProgressRecord) -> Value {
    let mut data = json!({"progress_id": r.progress_id, "modify_time": r.modify_time,
        "content": r.content});
    if let Some(rate) = &r.progress_rate {
        data["progress_rate"] = rate.clone();
    }
    data
}

/// `创建 OKR 进展记录`.
async fn create(
    Extract(state): Shared,
    headers: HeaderMap,
    q: QueryPairs,
    body: Bytes,
) -> Response {
    call(&state, CREATE, &[PER_MINUTE], &headers, |s, app_id| {
        id_kind(pairs(&q)?, false)?;
        let body = object(&body)?;
        string(&body, "source_title", true, false)?;
        string(&body, "source_url", true, true)?;
        string(&body, "source_url_pc", false, true)?;
        string(&body, "source_url_mobile", false, true)?;
        let target = string(&body, "target_id", true, false)?
            .unwrap_or_default()
            .to_owned();
        let target_type = match body.get("target_type") {
            Some(v) => match v.as_i64() {
                Some(t @ (2 | 3)) => t,
                _ => return Err(invalid("target_type", &v.to_string(), "must be 2 or 3")),
            },
            None => return Err(invalid("target_type", "", "is required")),
        };
        let (content, progress_rate) = content_and_rate(&body)?;
        if !super::okr::target_exists(s, &target, target_type) {
            return Err(not_found());
        }
        let id = s.next_id();
        let mut source = body.clone();
        for key in ["content", "progress_rate", "target_id", "target_type"] {
            source.remove(key);
        }
        let record = ProgressRecord {
            progress_id: id.clone(),
            target_id: target,
            target_type,
            modify_time: now_millis(),
            content,
            progress_rate,
            source: Value::Object(source),
        };
        let data = render(&record);
        s.seed.okr_v1.progress_records.push(record);
        s.record(CREATE, app_id, None, id, vec![Value::Object(body)]);
        Ok(data)
    })
    .await
}

/// The index of record `id`, or 1001004.
fn index(s: &State, id: &str) -> Result<usize, ApiError> {
    s.seed
        .okr_v1
        .progress_records
        .iter()
        .position(|r| r.progress_id == id)
        .ok_or_else(not_found)
}

/// `获取 OKR 进展记录`.
async fn get_record(
    Extract(state): Shared,
    Path(progress_id): Path<String>,
    headers: HeaderMap,
    q: QueryPairs,
) -> Response {
    call(&state, GET, &[PER_MINUTE], &headers, |s, _app_id| {
        id_kind(pairs(&q)?, false)?;
        let i = index(s, &progress_id)?;
        Ok(render(&s.seed.okr_v1.progress_records[i]))
    })
    .await
}

/// `更新 OKR 进展记录`: replaces the content (and the rate, when given).
async fn update(
    Extract(state): Shared,
    Path(progress_id): Path<String>,
    headers: HeaderMap,
    q: QueryPairs,
    body: Bytes,
) -> Response {
    call(&state, UPDATE, &[PER_MINUTE], &headers, |s, app_id| {
        id_kind(pairs(&q)?, false)?;
        let body = object(&body)?;
        let (content, rate) = content_and_rate(&body)?;
        let i = index(s, &progress_id)?;
        let record = &mut s.seed.okr_v1.progress_records[i];
        record.content = content;
        if rate.is_some() {
            record.progress_rate = rate;
        }
        record.modify_time = now_millis();
        let data = render(record);
        s.record(
            UPDATE,
            app_id,
            None,
            progress_id.clone(),
            vec![Value::Object(body)],
        );
        Ok(data)
    })
    .await
}

/// `删除 OKR 进展记录`.
async fn delete(
    Extract(state): Shared,
    Path(progress_id): Path<String>,
    headers: HeaderMap,
) -> Response {
    call(&state, DELETE, &[PER_MINUTE], &headers, |s, app_id| {
        let i = index(s, &progress_id)?;
        s.seed.okr_v1.progress_records.remove(i);
        s.record(DELETE, app_id, None, progress_id.clone(), vec![]);
        Ok(json!({}))
    })
    .await
}
