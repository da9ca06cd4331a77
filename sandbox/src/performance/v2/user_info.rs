//! `POST /open-apis/performance/v2/user_info/query` (`获取绩效周期人员信息`).
//!
//! Answers for the requested users who are reviewees of the semester; other
//! ids are left out. The page lists no "invalid semester" error: an unknown
//! `semester_id` answers 1580102 naming the field. The fixture keeps one
//! snapshot per user, the same in every semester.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State as Extract;
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::post;
use serde_json::{Value, json};

use crate::endpoint::{Limit, QueryMap, Shared, call};
use crate::input::{body_object, param_invalid, query, req_str, string_list, user_id_type};
use crate::state::State;

const QUERY: &str = "performance.v2.user_info.query";
/// The documented limit: 100 次/分钟.
const LIMIT: Limit = Limit::PerMinute(100);

/// The routes of this resource.
pub(crate) fn routes() -> Router<Arc<Mutex<State>>> {
    Router::new().route(
        "/open-apis/performance/v2/user_info/query",
        post(query_user_info),
    )
}

/// `获取绩效周期人员信息`
async fn query_user_info(
    Extract(state): Shared,
    headers: HeaderMap,
    q: QueryMap,
    body: Bytes,
) -> Response {
    call(&state, QUERY, &[LIMIT], &headers, |s, _app_id| {
        let q = query(&q)?;
        let kind = user_id_type(q, false)?;
        let open_department = match q.get("department_id_type").map(String::as_str) {
            None | Some("open_department_id") => true,
            Some("department_id") => false,
            Some(other) => {
                return Err(param_invalid(
                    "department_id_type",
                    other,
                    "must be department_id or open_department_id",
                ));
            }
        };
        let body = body_object(&body, false)?;
        let semester_id = req_str(&body, "", "semester_id", 0, usize::MAX)?.to_owned();
        let user_ids = string_list(&body, "user_ids", 0, 10, true)?.unwrap_or_default();
        let semester = s
            .seed
            .semesters
            .iter()
            .find(|x| x.semester_id == semester_id)
            .ok_or_else(|| param_invalid("semester_id", &semester_id, "no such semester"))?;
        let mut user_infos = Vec::new();
        for id in &user_ids {
            let Some(open_id) = s.resolve_user(kind, id) else {
                continue;
            };
            if !semester.reviewees.contains(&open_id) {
                continue;
            }
            let mut info = json!({"user_id": s.user_object(kind, &open_id)});
            let profile = s
                .seed
                .users
                .iter()
                .find(|u| u.open_id == open_id)
                .and_then(|u| u.profile.as_ref());
            if let Some(p) = profile {
                if let Some(leader) = &p.direct_leader {
                    info["direct_leader_user_id"] = s.user_object(kind, leader);
                }
                if let Some(d) = s
                    .seed
                    .departments
                    .iter()
                    .find(|d| d.open_department_id == p.department)
                {
                    let id = if open_department {
                        &d.open_department_id
                    } else {
                        &d.department_id
                    };
                    info["department"] = json!({"id": id, "name": d.name});
                }
                let find = |list: &[Value], id: &str| list.iter().find(|x| x["id"] == id).cloned();
                if let Some(f) = find(&s.seed.job_families, &p.job_family) {
                    info["job_family"] = f;
                }
                if let Some(l) = find(&s.seed.job_levels, &p.job_level) {
                    info["job_level"] = l;
                }
            }
            user_infos.push(info);
        }
        Ok(json!({"semester_id": semester_id, "user_infos": user_infos}))
    })
    .await
}
