//! `POST /open-apis/performance/v2/user_group_user_rels/write` (`更新人员组成员`).
//!
//! Replaces a user group's members (覆盖式更新). Ids that name no user come
//! back in `fail_user_datas` with `fail_code` 1 and the others are written.
//! The 必填 column says optional, each description `**必填：** 是`: the schema
//! takes the stricter reading (its `sources: { required: .. }`), so
//! `group_id`, `scope_visible_setting` and `user_ids` are each required and
//! their absence answers 1580102, whatever the documented default of
//! `scope_visible_setting`. An unknown `group_id` answers 1580102 naming the
//! field (the page lists no code for it). 1580401 (group not open to API
//! imports), 1580402 (another import running) and 1580403 (more members than
//! the group allows) come from the seed's groups; 1580110 from a repeated
//! client_token.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State as Extract;
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::post;
use serde_json::{Value, json};

use crate::endpoint::{Limit, QueryMap, Shared, call};
use crate::input::{body_object, param_invalid, query, reject, req_str, string_list, write_params};
use crate::state::State;

const WRITE: &str = "performance.v2.user_group_user_rel.write";
/// The documented limit: 20 次/分钟.
const LIMIT: Limit = Limit::PerMinute(20);

/// The routes of this resource.
pub(crate) fn routes() -> Router<Arc<Mutex<State>>> {
    Router::new().route(
        "/open-apis/performance/v2/user_group_user_rels/write",
        post(write),
    )
}

/// `更新人员组成员`
async fn write(Extract(state): Shared, headers: HeaderMap, q: QueryMap, body: Bytes) -> Response {
    call(&state, WRITE, &[LIMIT], &headers, |s, app_id| {
        let (client_token, kind) = write_params(query(&q)?)?;
        let body = body_object(&body, false)?;
        let group_id = req_str(&body, "", "group_id", 0, 128)?.to_owned();
        let visible = match body.get("scope_visible_setting") {
            None | Some(Value::Null) => {
                return Err(param_invalid("scope_visible_setting", "", "is required"));
            }
            Some(v) => match v.as_i64() {
                Some(n) if (0..=10).contains(&n) => n,
                _ => {
                    return Err(param_invalid(
                        "scope_visible_setting",
                        &v.to_string(),
                        "must be an integer 0..10",
                    ));
                }
            },
        };
        let user_ids = string_list(&body, "user_ids", 0, 10_000, true)?.unwrap_or_default();
        if s.client_token_used(app_id, WRITE, &client_token) {
            return Err(reject(1580110, "request ID repeat"));
        }
        let Some(group) = s
            .seed
            .user_groups
            .iter()
            .position(|g| g.group_id == group_id)
        else {
            return Err(param_invalid("group_id", &group_id, "no such user group"));
        };
        if !s.seed.user_groups[group].api_import {
            return Err(reject(1580401, "user group not support api import"));
        }
        if s.seed.user_groups[group].import_running {
            return Err(reject(1580402, "user group has running import task"));
        }
        let mut members: Vec<String> = Vec::new();
        let mut success = Vec::new();
        let mut failed = Vec::new();
        for id in &user_ids {
            match s.resolve_user(kind, id) {
                Some(open_id) => {
                    if !members.contains(&open_id) {
                        members.push(open_id);
                    }
                    success.push(json!(id));
                }
                None => failed.push(json!({"user_id": id, "fail_code": 1})),
            }
        }
        if members.len() > s.seed.user_groups[group].max_members {
            return Err(reject(1580403, "scope over limit"));
        }
        let rows = vec![
            json!({"group_id": group_id, "scope_visible_setting": visible, "members": members}),
        ];
        let g = &mut s.seed.user_groups[group];
        g.members = members;
        g.scope_visible_setting = visible;
        let record_id = s.next_id();
        s.record(WRITE, app_id, Some(client_token), record_id, rows);
        Ok(json!({"data": {"success_user_ids": success, "fail_user_datas": failed}}))
    })
    .await
}
