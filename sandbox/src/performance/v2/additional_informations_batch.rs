//! `DELETE /open-apis/performance/v2/additional_informations/batch` (`批量删除补充信息`).
//!
//! Removes supplementary-information items of a semester, all or none: an
//! id that names no item of the semester answers 1580201, an item of a
//! reviewee outside the app's data scope 1580112, an unknown semester
//! 1580103 (this page's code; the query's is 1580105). An id repeated in
//! the request is deleted once. The page takes no client_token; the ledger
//! records each applied DELETE with the ids it removed.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State as Extract;
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::delete;
use serde_json::json;

use crate::endpoint::{Limit, QueryMap, Shared, call};
use crate::input::{body_object, query, reject, req_str, string_list, user_id_type};
use crate::state::State;

const DELETE: &str = "performance.v2.additional_informations_batch.delete";
/// The documented limit: 10 次/分钟.
const LIMIT: Limit = Limit::PerMinute(10);

/// The routes of this resource.
pub(crate) fn routes() -> Router<Arc<Mutex<State>>> {
    Router::new().route(
        "/open-apis/performance/v2/additional_informations/batch",
        delete(delete_items),
    )
}

/// `批量删除补充信息`
async fn delete_items(
    Extract(state): Shared,
    headers: HeaderMap,
    q: QueryMap,
    body: Bytes,
) -> Response {
    call(&state, DELETE, &[LIMIT], &headers, |s, app_id| {
        user_id_type(query(&q)?, false)?;
        let body = body_object(&body, false)?;
        let semester_id = req_str(&body, "", "semester_id", 1, 100)?.to_owned();
        let ids = string_list(&body, "additional_informations", 1, 100, true)?.unwrap_or_default();
        if !s
            .seed
            .semesters
            .iter()
            .any(|x| x.semester_id == semester_id)
        {
            return Err(reject(1580103, "semester_id is invalid"));
        }
        let mut unique: Vec<String> = Vec::new();
        for id in ids {
            let item = s
                .additional_informations
                .iter()
                .find(|x| x.semester_id == semester_id && x.item_id == id)
                .ok_or_else(|| reject(1580201, "item_id is invalid"))?;
            if !s.in_scope(app_id, &item.reviewee) {
                return Err(reject(1580112, "permission denied"));
            }
            if !unique.contains(&id) {
                unique.push(id);
            }
        }
        let rows = s
            .additional_informations
            .iter()
            .filter(|x| x.semester_id == semester_id && unique.contains(&x.item_id))
            .map(|x| json!({"item_id": x.item_id, "reviewee": x.reviewee, "deleted": true}))
            .collect();
        s.additional_informations
            .retain(|x| !(x.semester_id == semester_id && unique.contains(&x.item_id)));
        let record_id = s.next_id();
        s.record(DELETE, app_id, None, record_id, rows);
        Ok(json!({"additional_informations": unique}))
    })
    .await
}
