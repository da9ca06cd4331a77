//! `GET /open-apis/performance/v1/semesters` (`获取周期列表`).
//!
//! Every semester of the seed, the ones past their deadline included.
//! Filters are and-ed (as the page says): a semester is left out when it
//! starts before `start_time`, ends after `end_time`, or differs in `year`,
//! `type_group` or `type`. The page documents no parameter error; a
//! malformed filter answers 1580102 like the other performance endpoints.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::State as Extract;
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::get;
use serde_json::{Value, json};

use crate::endpoint::{Limit, QueryMap, Shared, call};
use crate::input::{opt_millis, param_invalid, query, user_id_type};
use crate::state::State;

const LIST: &str = "performance.v1.semester.list";
/// The documented limit: 10 次/分钟.
const LIMIT: Limit = Limit::PerMinute(10);

const TYPE_GROUPS: &[&str] = &[
    "Annual",
    "Semi-annual",
    "Quarter",
    "Bimonth",
    "Month",
    "Non-standard",
];
const TYPES: &[&str] = &[
    "Annual",
    "H1",
    "H2",
    "Q1",
    "Q2",
    "Q3",
    "Q4",
    "January-February",
    "March-April",
    "May-June",
    "July-August",
    "September-October",
    "November-December",
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
    "Custom",
];

/// The routes of this resource.
pub(crate) fn routes() -> Router<Arc<Mutex<State>>> {
    Router::new().route("/open-apis/performance/v1/semesters", get(list))
}

fn millis_of(info: &Value, key: &str) -> Option<i64> {
    info[key].as_str().and_then(|v| v.parse().ok())
}

/// `获取周期列表`
async fn list(Extract(state): Shared, headers: HeaderMap, q: QueryMap) -> Response {
    call(&state, LIST, &[LIMIT], &headers, |s, _app_id| {
        let q = query(&q)?;
        let kind = user_id_type(q, false)?;
        let start = opt_millis(q.get("start_time").map(String::as_str), "start_time")?;
        let end = opt_millis(q.get("end_time").map(String::as_str), "end_time")?;
        let year = match q.get("year") {
            None => None,
            Some(v) => match v.trim().parse::<i64>() {
                Ok(y) if (0..=9999).contains(&y) => Some(y),
                _ => return Err(param_invalid("year", v, "must be 0..9999")),
            },
        };
        let pick = |name: &str, allowed: &[&str]| match q.get(name) {
            Some(v) if !allowed.contains(&v.as_str()) => Err(param_invalid(
                name,
                v,
                &format!("must be one of {}", allowed.join(", ")),
            )),
            other => Ok(other.cloned()),
        };
        let type_group = pick("type_group", TYPE_GROUPS)?;
        let kind_of = pick("type", TYPES)?;
        let items: Vec<Value> = s
            .seed
            .semesters
            .iter()
            .filter(|x| {
                let i = &x.info;
                start.is_none_or(|t| millis_of(i, "start_time").is_some_and(|v| v >= t))
                    && end.is_none_or(|t| millis_of(i, "end_time").is_some_and(|v| v <= t))
                    && year.is_none_or(|y| i["year"].as_i64() == Some(y))
                    && type_group
                        .as_ref()
                        .is_none_or(|g| i["type_group"].as_str() == Some(g))
                    && kind_of
                        .as_ref()
                        .is_none_or(|t| i["type"].as_str() == Some(t))
            })
            .map(|x| {
                let mut item = json!({"id": x.semester_id});
                if let Value::Object(info) = &x.info {
                    for (k, v) in info {
                        item[k] = v.clone();
                    }
                }
                item["create_user_id"] = json!(s.render_user(kind, &x.creator));
                item["modify_user_id"] = json!(s.render_user(kind, &x.creator));
                item
            })
            .collect();
        Ok(json!({"items": items}))
    })
    .await
}
