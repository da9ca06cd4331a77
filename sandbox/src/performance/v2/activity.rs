//! `POST /open-apis/performance/v2/activity/query` (`获取项目列表`).
//!
//! `activity_ids`, when given, wins over `semester_ids` (as the page says);
//! with neither the answer is an empty list. Unknown ids are left out: the
//! page lists no error for them.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State as Extract;
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::post;
use serde_json::{Value, json};

use crate::endpoint::{Limit, QueryMap, Shared, call};
use crate::input::{body_object, query, string_list, user_id_type};
use crate::seed::Activity;
use crate::state::{IdKind, State};

const QUERY: &str = "performance.v2.activity.query";
/// The documented limit: 10 次/分钟.
const LIMIT: Limit = Limit::PerMinute(10);

/// The routes of this resource.
pub(crate) fn routes() -> Router<Arc<Mutex<State>>> {
    Router::new().route(
        "/open-apis/performance/v2/activity/query",
        post(query_activities),
    )
}

/// An activity as the page returns it.
pub(crate) fn render(s: &State, kind: IdKind, a: &Activity) -> Value {
    let mut item = json!({"id": a.activity_id});
    if let Value::Object(info) = &a.info {
        for (k, v) in info {
            item[k] = v.clone();
        }
    }
    item["semester_id"] = json!(a.semester_id);
    item["create_user_id"] = json!(s.render_user(kind, &a.creator));
    item["modify_user_id"] = json!(s.render_user(kind, &a.creator));
    item
}

/// `获取项目列表`
async fn query_activities(
    Extract(state): Shared,
    headers: HeaderMap,
    q: QueryMap,
    body: Bytes,
) -> Response {
    call(&state, QUERY, &[LIMIT], &headers, |s, _app_id| {
        let kind = user_id_type(query(&q)?, false)?;
        let body = body_object(&body, true)?;
        let semester_ids = string_list(&body, "semester_ids", 0, 10, false)?.unwrap_or_default();
        let activity_ids = string_list(&body, "activity_ids", 0, 50, false)?.unwrap_or_default();
        let activities: Vec<Value> = s
            .seed
            .activities
            .iter()
            .filter(|a| {
                if !activity_ids.is_empty() {
                    activity_ids.contains(&a.activity_id)
                } else {
                    semester_ids.contains(&a.semester_id)
                }
            })
            .map(|a| render(s, kind, a))
            .collect();
        Ok(json!({"activities": activities}))
    })
    .await
}
