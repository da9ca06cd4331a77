//! `POST /open-apis/performance/v2/reviewees/query` (`获取被评估人信息`).
//!
//! Lists exactly the reviewees the imports accept: the semester's reviewees
//! inside the app's data scope (a reviewee outside it is refused by the
//! imports with 1580112, and is not listed here). Filters by `user_ids` and
//! `activity_ids` are and-ed; ids that name no reviewee are left out (the
//! page lists no error for them). `reviewprofile_url` is empty when none of
//! the reviewee's activities has started (`configurable`, `unable`).

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State as Extract;
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::post;
use serde_json::{Value, json};

use crate::endpoint::{Limit, QueryMap, Shared, call};
use crate::input::{body_object, query, reject, req_str, string_list, user_id_type};
use crate::pagination::Page;
use crate::state::State;

const QUERY: &str = "performance.v2.reviewee.query";
/// The documented limit: 20 次/分钟.
const LIMIT: Limit = Limit::PerMinute(20);

/// The routes of this resource.
pub(crate) fn routes() -> Router<Arc<Mutex<State>>> {
    Router::new().route(
        "/open-apis/performance/v2/reviewees/query",
        post(query_reviewees),
    )
}

/// `获取被评估人信息`
async fn query_reviewees(
    Extract(state): Shared,
    headers: HeaderMap,
    q: QueryMap,
    body: Bytes,
) -> Response {
    call(&state, QUERY, &[LIMIT], &headers, |s, app_id| {
        let q = query(&q)?;
        let kind = user_id_type(q, true)?;
        let page = Page::parse(
            q.get("page_size").map(String::as_str),
            q.get("page_token").map(String::as_str),
            1,
            50,
        )?;
        let body = body_object(&body, false)?;
        let semester_id = req_str(&body, "", "semester_id", 0, usize::MAX)?.to_owned();
        let user_ids = string_list(&body, "user_ids", 0, 50, false)?.unwrap_or_default();
        let activity_ids =
            string_list(&body, "activity_ids", 0, usize::MAX, false)?.unwrap_or_default();
        let semester = s
            .seed
            .semesters
            .iter()
            .find(|x| x.semester_id == semester_id)
            .ok_or_else(|| reject(1580105, "invalid semester ID"))?;
        let wanted: Vec<String> = user_ids
            .iter()
            .filter_map(|id| s.resolve_user(kind, id))
            .collect();
        let activities: Vec<_> = s
            .seed
            .activities
            .iter()
            .filter(|a| a.semester_id == semester_id)
            .collect();
        let matching: Vec<&String> = semester
            .reviewees
            .iter()
            .filter(|r| s.in_scope(app_id, r))
            .filter(|r| user_ids.is_empty() || wanted.contains(r))
            .filter(|r| {
                activity_ids.is_empty()
                    || activities
                        .iter()
                        .any(|a| activity_ids.contains(&a.activity_id) && a.reviewees.contains(r))
            })
            .collect();
        let (page_items, has_more) = page.cut(&matching);
        let reviewees: Vec<Value> = page_items
            .into_iter()
            .map(|r| {
                let mine: Vec<_> = activities
                    .iter()
                    .filter(|a| a.reviewees.contains(r))
                    .collect();
                let started = mine.iter().any(|a| {
                    !matches!(
                        a.info["progress"].as_str(),
                        Some("configurable") | Some("unable")
                    )
                });
                let url = match mine.first() {
                    Some(a) if started => format!(
                        "https://perf.feishu.cn/perf/profile?rootReviewId={}&reviewee={}",
                        a.activity_id, r
                    ),
                    _ => String::new(),
                };
                json!({
                    "reviewee_user_id": s.user_object(kind, r),
                    "activity_ids": mine.iter().map(|a| a.activity_id.clone()).collect::<Vec<_>>(),
                    "reviewprofile_url": url,
                })
            })
            .collect();
        let mut data = json!({"semester_id": semester_id, "reviewees": reviewees});
        page.finish(&mut data, has_more);
        Ok(data)
    })
    .await
}
