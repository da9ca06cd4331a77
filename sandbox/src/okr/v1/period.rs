//! The tenant's OKR periods:
//! - `GET /open-apis/okr/v1/periods` (`获取 OKR 周期列表`): every period,
//!   newest first, `page_size` 10 by default (the page gives no maximum);
//! - `POST /open-apis/okr/v1/periods` (`创建 OKR 周期`): a period of a rule
//!   from a month. 1001004 for an unknown rule, 1001009 when the month is not
//!   a start of the rule's periods (a quarter or year rule's periods start at
//!   its `first_month` and every `length` months after), 1001008 when the
//!   rule already has a period from that month;
//! - `PATCH /open-apis/okr/v1/periods/{period_id}` (`修改 OKR 周期状态`):
//!   sets `status` (1, 2 or 3). The list page numbers statuses otherwise
//!   (0 正常, 1 暂不处理, 2 标记失效, 3 隐藏周期) than the patch page (1 正常,
//!   2 标记失效, 3 隐藏周期): the sandbox stores the number the patch sent and
//!   lists it as it is, its choice where the pages disagree.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State as Extract};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::{get, patch};
use serde_json::{Map, Value, json};

use super::{QueryPairs, invalid, not_found, one, pairs};
use crate::endpoint::{Limit, Shared, call};
use crate::pagination::{Page, page_token, parse_page_token};
use crate::seed::okr_v1::{Period, add_months, period};
use crate::state::{ApiError, State};

const LIST: &str = "okr.v1.period.list";
const CREATE: &str = "okr.v1.period.create";
const PATCH: &str = "okr.v1.period.patch";
/// `100 次/分钟` on each of the three pages.
/// The pages' 100 calls a minute.
const PER_MINUTE: Limit = Limit::PerMinute(100);

/// The routes of this resource.
pub(crate) fn routes() -> Router<Arc<Mutex<State>>> {
    Router::new()
        .route("/open-apis/okr/v1/periods", get(list).post(create))
        .route("/open-apis/okr/v1/periods/{period_id}", patch(patch_status))
}

/// `period` as the list answers it.
fn render(p: &Period) -> Value {
    json!({"id": p.id, "zh_name": p.zh_name, "en_name": p.en_name, "status": p.status,
        "period_start_time": p.period_start_time, "period_end_time": p.period_end_time})
}

/// `page_size` (default 10, at least 1) and `page_token` (one the sandbox issued).
pub(crate) fn page(q: &[(String, String)], default: usize) -> Result<Page, ApiError> {
    let size = match one(q, "page_size") {
        None => default,
        Some(raw) => match raw.trim().parse::<usize>() {
            Ok(n) if n >= 1 => n,
            _ => return Err(invalid("page_size", raw, "must be a positive integer")),
        },
    };
    let offset = match one(q, "page_token") {
        None | Some("") => 0,
        Some(token) => parse_page_token(token)
            .ok_or_else(|| invalid("page_token", token, "not a page token of this list"))?,
    };
    Ok(Page { offset, size })
}

/// `获取 OKR 周期列表`.
async fn list(Extract(state): Shared, headers: HeaderMap, q: QueryPairs) -> Response {
    call(&state, LIST, &[PER_MINUTE], &headers, |s, _app_id| {
        let page = page(pairs(&q)?, 10)?;
        let mut periods: Vec<&Period> = s.seed.okr_v1.periods.iter().collect();
        periods.sort_by(|a, b| b.start_month.cmp(&a.start_month).then(a.id.cmp(&b.id)));
        let items: Vec<Value> = periods.into_iter().map(render).collect();
        let (items, more) = page.cut(&items);
        let mut data = json!({"has_more": more, "items": items});
        if more {
            data["page_token"] = json!(page_token(page.offset + page.size));
        }
        Ok(data)
    })
    .await
}

/// A required string member of `body`.
fn string<'a>(body: &'a Map<String, Value>, name: &str) -> Result<&'a str, ApiError> {
    match body.get(name) {
        Some(Value::String(s)) if !s.is_empty() => Ok(s),
        Some(other) => Err(invalid(
            name,
            &other.to_string(),
            "must be a non-empty string",
        )),
        None => Err(invalid(name, "", "is required")),
    }
}

/// The body as a JSON object, or 1001001.
pub(crate) fn object(body: &Bytes) -> Result<Map<String, Value>, ApiError> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(invalid("body", "", "must be a JSON object")),
    }
}

/// `创建 OKR 周期`.
async fn create(Extract(state): Shared, headers: HeaderMap, body: Bytes) -> Response {
    call(&state, CREATE, &[PER_MINUTE], &headers, |s, app_id| {
        let body = object(&body)?;
        let rule_id = string(&body, "period_rule_id")?;
        let start = string(&body, "start_month")?;
        if add_months(start, 0).is_none() {
            return Err(invalid("start_month", start, "must be YYYY-MM"));
        }
        let rule = s
            .seed
            .okr_v1
            .period_rules
            .iter()
            .find(|r| r["period_rule_id"] == rule_id)
            .ok_or_else(not_found)?;
        let length = rule["length"].as_i64().unwrap_or(1).max(1);
        let first = rule["first_month"].as_i64().unwrap_or(1);
        let month: i64 = start[5..].parse().unwrap_or(1);
        if (month - first).rem_euclid(length) != 0 {
            return Err(ApiError::new(
                400,
                1001009,
                "start date does not fit for given period rule",
            ));
        }
        if s.seed
            .okr_v1
            .periods
            .iter()
            .any(|p| p.period_rule_id == rule_id && p.start_month == start)
        {
            return Err(ApiError::new(400, 1001008, "conflict period existed"));
        }
        let id = s.next_id();
        let made = period(&id, rule_id, length, start, 0)
            .ok_or_else(|| invalid("start_month", start, "must be YYYY-MM"))?;
        let data =
            json!({"period_id": id, "start_month": made.start_month, "end_month": made.end_month});
        s.seed.okr_v1.periods.push(made);
        s.record(CREATE, app_id, None, id, vec![Value::Object(body)]);
        Ok(data)
    })
    .await
}

/// `修改 OKR 周期状态`.
async fn patch_status(
    Extract(state): Shared,
    Path(period_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    call(&state, PATCH, &[PER_MINUTE], &headers, |s, app_id| {
        let body = object(&body)?;
        let status = match body.get("status") {
            Some(v) => match v.as_i64() {
                Some(n @ 1..=3) => n,
                _ => return Err(invalid("status", &v.to_string(), "must be 1, 2 or 3")),
            },
            None => return Err(invalid("status", "", "is required")),
        };
        let period = s
            .seed
            .okr_v1
            .periods
            .iter_mut()
            .find(|p| p.id == period_id)
            .ok_or_else(not_found)?;
        period.status = status;
        s.record(
            PATCH,
            app_id,
            None,
            period_id.clone(),
            vec![Value::Object(body)],
        );
        Ok(json!({"period_id": period_id, "status": status}))
    })
    .await
}
