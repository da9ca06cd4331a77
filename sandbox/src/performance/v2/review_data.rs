//! `POST /open-apis/performance/v2/review_datas/query` (`获取绩效详情数据`).
//!
//! The seed's review data of the requested reviewees and semesters (ids
//! that name neither are left out). Stages: those in `stage_ids` when it is
//! non-empty, else those of `stage_types`, else none (as the page says);
//! `review_stage_roles` narrows `review` stages only. `stage_progresses`
//! keeps the records in those states, `updated_later_than` the records
//! with an answer submitted after it. `leader_review_data_source` is sent
//! only when `need_leader_review_data_source` is true. Reviewees outside
//! the app's data scope are left out.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State as Extract;
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::post;
use serde_json::{Value, json};

use crate::endpoint::{Limit, QueryMap, Shared, call};
use crate::input::{
    body_object, int_list, opt_bool, opt_millis, opt_str, param_invalid, query, string_list,
    user_id_type,
};
use crate::state::State;

const QUERY: &str = "performance.v2.review_data.query";
/// The documented limit: 20 次/分钟.
const LIMIT: Limit = Limit::PerMinute(20);

const STAGE_TYPES: &[&str] = &[
    "summarize_key_outputs",
    "review",
    "communication_and_open_result",
    "view_result",
    "reconsideration",
    "leader_review",
];
const ROLES: &[&str] = &[
    "reviewee",
    "invited_reviewer",
    "solid_line_leader",
    "dotted_line_leader",
    "secondary_solid_line_leader",
    "direct_project_leader",
    "custom_review_role",
    "metric_reviewer",
];

/// The routes of this resource.
pub(crate) fn routes() -> Router<Arc<Mutex<State>>> {
    Router::new().route(
        "/open-apis/performance/v2/review_datas/query",
        post(query_data),
    )
}

/// Checks every item of a string list against the page's `可选值`.
pub(crate) fn check_enum(
    name: &str,
    values: &[String],
    allowed: &[&str],
) -> Result<(), crate::state::ApiError> {
    match values.iter().find(|v| !allowed.contains(&v.as_str())) {
        Some(bad) => Err(param_invalid(
            name,
            bad,
            &format!("items must be one of {}", allowed.join(", ")),
        )),
        None => Ok(()),
    }
}

/// Whether a record has an answer submitted after `t`.
pub(crate) fn submitted_after(record: &Value, t: i64) -> bool {
    record["units"].as_array().into_iter().flatten().any(|u| {
        u["data"].as_array().into_iter().flatten().any(|d| {
            d["submit_time"]
                .as_str()
                .and_then(|v| v.parse::<i64>().ok())
                .is_some_and(|v| v > t)
        })
    })
}

/// `获取绩效详情数据`
async fn query_data(
    Extract(state): Shared,
    headers: HeaderMap,
    q: QueryMap,
    body: Bytes,
) -> Response {
    call(&state, QUERY, &[LIMIT], &headers, |s, app_id| {
        let kind = user_id_type(query(&q)?, true)?;
        let body = body_object(&body, false)?;
        let semester_ids = string_list(&body, "semester_ids", 0, 10, true)?.unwrap_or_default();
        let reviewee_ids =
            string_list(&body, "reviewee_user_ids", 0, 10, true)?.unwrap_or_default();
        let stage_types =
            string_list(&body, "stage_types", 0, usize::MAX, false)?.unwrap_or_default();
        check_enum("stage_types", &stage_types, STAGE_TYPES)?;
        let roles =
            string_list(&body, "review_stage_roles", 0, usize::MAX, false)?.unwrap_or_default();
        check_enum("review_stage_roles", &roles, ROLES)?;
        let stage_ids = string_list(&body, "stage_ids", 0, usize::MAX, false)?.unwrap_or_default();
        let with_source = opt_bool(&body, "need_leader_review_data_source")?.unwrap_or(false);
        let later = opt_millis(
            opt_str(&body, "", "updated_later_than", 0, usize::MAX)?,
            "updated_later_than",
        )?;
        let progresses =
            int_list(&body, "stage_progresses", 50, &[0, 1, 2, 3, 4])?.unwrap_or_default();
        let reviewees: Vec<String> = reviewee_ids
            .iter()
            .filter_map(|id| s.resolve_user(kind, id))
            .collect();
        let mut datas = Vec::new();
        for d in &s.seed.review_datas {
            let reviewee = d["user_id"]["open_id"].as_str().unwrap_or_default();
            let semester = d["semester_id"].as_str().unwrap_or_default();
            if !reviewees.iter().any(|r| r == reviewee)
                || !semester_ids.iter().any(|x| x == semester)
                || !s.in_scope(app_id, reviewee)
            {
                continue;
            }
            let mut d = d.clone();
            let stages: Vec<Value> = d["stages"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .filter(|st| {
                    let id = st["stage_id"].as_str().unwrap_or_default();
                    let kind = st["stage_type"].as_str().unwrap_or_default();
                    if !stage_ids.is_empty() {
                        stage_ids.iter().any(|x| x == id)
                    } else {
                        stage_types.iter().any(|x| x == kind)
                    }
                })
                .filter(|st| {
                    st["stage_type"] != "review"
                        || roles.is_empty()
                        || roles.iter().any(|r| st["review_stage_role"] == r.as_str())
                })
                .map(|mut st| {
                    let records: Vec<Value> = st["records"]
                        .as_array()
                        .cloned()
                        .unwrap_or_default()
                        .into_iter()
                        .filter(|r| {
                            progresses.is_empty()
                                || r["progress"]
                                    .as_i64()
                                    .is_some_and(|p| progresses.contains(&p))
                        })
                        .filter(|r| later.is_none_or(|t| submitted_after(r, t)))
                        .map(|mut r| {
                            if !with_source {
                                for u in r["units"].as_array_mut().into_iter().flatten() {
                                    for x in u["data"].as_array_mut().into_iter().flatten() {
                                        if let Value::Object(x) = x {
                                            x.remove("leader_review_data_source");
                                        }
                                    }
                                }
                            }
                            r
                        })
                        .collect();
                    st["records"] = Value::Array(records);
                    st
                })
                .collect();
            d["stages"] = Value::Array(stages);
            s.render_users(kind, &mut d);
            datas.push(d);
        }
        Ok(json!({"datas": datas}))
    })
    .await
}
