//! Stage tasks (周期任务): `POST /open-apis/performance/v1/stage_tasks/find_by_page`
//! (`获取周期任务（全部用户）`) and `.../find_by_user_list` (`获取周期任务（指定用户）`).
//!
//! One item per user with at least one task left after the filters, in the
//! seed's user order; `stage_num_lists` counts that user's remaining tasks
//! by `task_option_id` (1, 2, 3). A task is kept when its `deadline` is in
//! `after_time..=before_time`. `find_by_page` pages over users; its page
//! puts `page_token` and `page_size` in the body (its example does), so they
//! are read from the body, and from the query (where the platform's other
//! POST queries take them) when the body has none; `has_more` and
//! `page_token` are answered inside `data`, as its table says (its
//! response example shows them beside `data`). Neither page lists an error
//! for an unknown semester: it answers 1580102 naming `semester_id`.
//! Unknown user ids are left out, as are users outside the app's data scope.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State as Extract;
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::post;
use serde_json::{Map, Value, json};

use crate::endpoint::{Limit, QueryMap, Shared, call};
use crate::input::{
    body_object, int_list, opt_millis, opt_str, param_invalid, query, req_str, string_list,
    user_id_type,
};
use crate::pagination::Page;
use crate::state::{ApiError, IdKind, State};

const FIND_BY_PAGE: &str = "performance.v1.stage_task.find_by_page";
const FIND_BY_USER_LIST: &str = "performance.v1.stage_task.find_by_user_list";
/// The documented limit of both: 20 次/分钟.
const LIMIT: Limit = Limit::PerMinute(20);

/// The routes of this resource.
pub(crate) fn routes() -> Router<Arc<Mutex<State>>> {
    Router::new()
        .route(
            "/open-apis/performance/v1/stage_tasks/find_by_page",
            post(find_by_page),
        )
        .route(
            "/open-apis/performance/v1/stage_tasks/find_by_user_list",
            post(find_by_user_list),
        )
}

/// The filters both pages share.
struct Filter {
    semester_id: String,
    options: Vec<i64>,
    after: Option<i64>,
    before: Option<i64>,
}

fn filter(body: &Map<String, Value>) -> Result<Filter, ApiError> {
    Ok(Filter {
        semester_id: req_str(body, "", "semester_id", 0, usize::MAX)?.to_owned(),
        options: int_list(body, "task_option_lists", 3, &[1, 2, 3])?.unwrap_or_default(),
        after: opt_millis(
            opt_str(body, "", "after_time", 0, usize::MAX)?,
            "after_time",
        )?,
        before: opt_millis(
            opt_str(body, "", "before_time", 0, usize::MAX)?,
            "before_time",
        )?,
    })
}

/// `base` and the items of `users` (open_ids, in order).
fn answer(
    s: &State,
    kind: IdKind,
    f: &Filter,
    users: &[String],
) -> Result<(Value, Vec<Value>), ApiError> {
    let semester = s
        .seed
        .semesters
        .iter()
        .find(|x| x.semester_id == f.semester_id)
        .ok_or_else(|| param_invalid("semester_id", &f.semester_id, "no such semester"))?;
    let base = json!({
        "semester_id": semester.semester_id,
        "semester_name": semester.info["name"],
        "start_time": semester.info["start_time"],
        "end_time": semester.info["end_time"],
    });
    let mut items = Vec::new();
    for user in users {
        let tasks: Vec<&Value> = s
            .seed
            .stage_tasks
            .iter()
            .filter(|t| t.semester_id == f.semester_id && &t.user == user)
            .map(|t| &t.info)
            .filter(|t| {
                f.options.is_empty()
                    || t["task_option_id"]
                        .as_i64()
                        .is_some_and(|o| f.options.contains(&o))
            })
            .filter(|t| {
                let deadline = t["deadline"]
                    .as_str()
                    .and_then(|d| d.parse::<i64>().ok())
                    .unwrap_or(0);
                f.after.is_none_or(|a| deadline >= a) && f.before.is_none_or(|b| deadline <= b)
            })
            .collect();
        if tasks.is_empty() {
            continue;
        }
        let counts: Vec<Value> = (1..=3)
            .map(|o| {
                let n = tasks.iter().filter(|t| t["task_option_id"] == o).count();
                json!({"task_option_id": o, "stage_num": n})
            })
            .collect();
        items.push(json!({
            "user_id": s.render_user(kind, user),
            "stage_num_lists": counts,
            "stage_task_info_lists": tasks,
        }));
    }
    Ok((base, items))
}

/// `获取周期任务（全部用户）`
async fn find_by_page(
    Extract(state): Shared,
    headers: HeaderMap,
    q: QueryMap,
    body: Bytes,
) -> Response {
    call(&state, FIND_BY_PAGE, &[LIMIT], &headers, |s, app_id| {
        let q = query(&q)?;
        let kind = user_id_type(q, true)?;
        let body = body_object(&body, false)?;
        let f = filter(&body)?;
        let size = match body.get("page_size") {
            None | Some(Value::Null) => q.get("page_size").cloned(),
            Some(Value::Number(n)) => Some(n.to_string()),
            Some(other) => {
                return Err(param_invalid(
                    "page_size",
                    &other.to_string(),
                    "must be an integer",
                ));
            }
        };
        let token = match opt_str(&body, "", "page_token", 0, usize::MAX)? {
            Some(t) => Some(t.to_owned()),
            None => q.get("page_token").cloned(),
        };
        let page = Page::parse(size.as_deref(), token.as_deref(), 0, 50)?;
        let users: Vec<String> = s
            .seed
            .semesters
            .iter()
            .find(|x| x.semester_id == f.semester_id)
            .map(|x| {
                x.reviewees
                    .iter()
                    .filter(|r| s.in_scope(app_id, r))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default();
        let (_, all) = answer(s, kind, &f, &users)?;
        let (items, has_more) = page.cut(&all);
        let (base, _) = answer(s, kind, &f, &[])?;
        let mut data = json!({"base": base, "items": items});
        page.finish(&mut data, has_more);
        Ok(data)
    })
    .await
}

/// `获取周期任务（指定用户）`
async fn find_by_user_list(
    Extract(state): Shared,
    headers: HeaderMap,
    q: QueryMap,
    body: Bytes,
) -> Response {
    call(
        &state,
        FIND_BY_USER_LIST,
        &[LIMIT],
        &headers,
        |s, app_id| {
            let kind = user_id_type(query(&q)?, true)?;
            let body = body_object(&body, false)?;
            let f = filter(&body)?;
            let ids = string_list(&body, "user_id_lists", 0, 50, true)?.unwrap_or_default();
            let mut users: Vec<String> = Vec::new();
            for id in &ids {
                if let Some(open_id) = s.resolve_user(kind, id)
                    && s.in_scope(app_id, &open_id)
                    && !users.contains(&open_id)
                {
                    users.push(open_id);
                }
            }
            let (base, items) = answer(s, kind, &f, &users)?;
            Ok(json!({"base": base, "items": items}))
        },
    )
    .await
}
