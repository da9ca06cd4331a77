//! Supplementary information (补充信息):
//! `POST /open-apis/performance/v2/additional_informations/import` (`批量导入补充信息`)
//! and `POST /open-apis/performance/v2/additional_informations/query` (`批量查询补充信息`).
//! The batch DELETE is [`super::additional_informations_batch`].
//!
//! The query returns what the imports created or updated and the batch
//! DELETE has not removed, in creation order. Of `item_ids`,
//! `external_ids` and `reviewee_user_ids` only the first non-empty one
//! filters (as the page says). Items of reviewees outside the app's data
//! scope are not returned: the imports and the DELETE refuse them (1580112).

use std::collections::HashSet;
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
    array, body_object, object, opt_str, query, reject, req_str, string_list, user_id_type,
    write_params,
};
use crate::pagination::Page;
use crate::state::AdditionalInformation;
use crate::state::State;

const INFO_IMPORT: &str = "performance.v2.additional_information.import";
/// The documented limit: 10 次/分钟 (import and query alike).
const LIMIT: Limit = Limit::PerMinute(10);
const INFO_QUERY: &str = "performance.v2.additional_information.query";

/// The routes of this resource.
pub(crate) fn routes() -> Router<Arc<Mutex<State>>> {
    Router::new()
        .route(
            "/open-apis/performance/v2/additional_informations/import",
            post(import),
        )
        .route(
            "/open-apis/performance/v2/additional_informations/query",
            post(query_items),
        )
}

/// `批量导入补充信息`
async fn import(Extract(state): Shared, headers: HeaderMap, q: QueryMap, body: Bytes) -> Response {
    call(&state, INFO_IMPORT, &[LIMIT], &headers, |s, app_id| {
        let (client_token, kind) = write_params(query(&q)?)?;
        let body = body_object(&body, false)?;
        let semester_id = req_str(&body, "", "semester_id", 1, 100)?.to_owned();
        opt_str(&body, "", "import_record_name", 0, 200)?;
        let items = array(&body, "additional_informations", 1, 1000, false)?
            .cloned()
            .unwrap_or_default();
        struct Input {
            item_id: Option<String>,
            external_id: Option<String>,
            reviewee: String,
            item: String,
            time: String,
            detailed_description: String,
        }
        let mut inputs = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let path = format!("additional_informations[{i}]");
            let o = object(item, &path)?;
            inputs.push(Input {
                item_id: opt_str(o, &path, "item_id", 1, 100)?.map(str::to_owned),
                external_id: opt_str(o, &path, "external_id", 0, 100)?
                    .filter(|e| !e.is_empty())
                    .map(str::to_owned),
                reviewee: req_str(o, &path, "reviewee_user_id", 1, 9999)?.to_owned(),
                item: req_str(o, &path, "item", 1, 1000)?.to_owned(),
                time: req_str(o, &path, "time", 1, 100)?.to_owned(),
                detailed_description: req_str(o, &path, "detailed_description", 1, 5000)?
                    .to_owned(),
            });
        }

        if s.client_token_used(app_id, INFO_IMPORT, &client_token) {
            return Err(reject(1580110, "request ID repeat"));
        }
        if !s
            .seed
            .semesters
            .iter()
            .any(|x| x.semester_id == semester_id)
        {
            return Err(reject(1580105, "semester_id is invalid"));
        }
        let out_of_scope = s
            .app(app_id)
            .map(|a| a.out_of_scope.clone())
            .unwrap_or_default();
        let mut item_ids = HashSet::new();
        let mut external_ids = HashSet::new();
        for input in &mut inputs {
            if let Some(id) = &input.item_id
                && !item_ids.insert(id.clone())
            {
                return Err(reject(1580203, "item ID repeat"));
            }
            if let Some(id) = &input.external_id
                && !external_ids.insert(id.clone())
            {
                return Err(reject(1580202, "external ID repeat"));
            }
            let open_id = s
                .resolve_user(kind, &input.reviewee)
                .ok_or_else(|| reject(1580111, "invalid user ID"))?;
            if out_of_scope.contains(&open_id) {
                return Err(reject(1580112, "permission denied"));
            }
            input.reviewee = open_id;
        }

        // Decide create or update for every row first, so a failure applies nothing.
        let mut stored = s.additional_informations.clone();
        let mut touched = Vec::new();
        for input in inputs {
            let in_semester = |x: &AdditionalInformation| x.semester_id == semester_id;
            let target = if let Some(id) = &input.item_id {
                Some(
                    stored
                        .iter()
                        .position(|x| in_semester(x) && &x.item_id == id)
                        .ok_or_else(|| reject(1580201, "item ID not found"))?,
                )
            } else if let Some(pos) = input.external_id.as_ref().and_then(|e| {
                stored
                    .iter()
                    .position(|x| in_semester(x) && x.external_id.as_ref() == Some(e))
            }) {
                Some(pos)
            } else {
                stored.iter().position(|x| {
                    in_semester(x)
                        && x.reviewee == input.reviewee
                        && x.item == input.item
                        && x.time == input.time
                        && x.detailed_description == input.detailed_description
                })
            };
            if let Some(external) = &input.external_id {
                let bound_elsewhere = stored.iter().enumerate().any(|(i, x)| {
                    in_semester(x) && x.external_id.as_ref() == Some(external) && Some(i) != target
                });
                if bound_elsewhere {
                    return Err(reject(1580204, "external ID is not unique"));
                }
            }
            let position = match target {
                Some(pos) => {
                    let x = &mut stored[pos];
                    if input.external_id.is_some() {
                        x.external_id = input.external_id;
                    }
                    x.reviewee = input.reviewee;
                    x.item = input.item;
                    x.time = input.time;
                    x.detailed_description = input.detailed_description;
                    pos
                }
                None => {
                    stored.push(AdditionalInformation {
                        item_id: s.next_id(),
                        semester_id: semester_id.clone(),
                        external_id: input.external_id,
                        reviewee: input.reviewee,
                        item: input.item,
                        time: input.time,
                        detailed_description: input.detailed_description,
                    });
                    stored.len() - 1
                }
            };
            touched.push(position);
        }
        s.additional_informations = stored;
        let record_id = s.next_id();
        let mut rows = Vec::new();
        let mut out = Vec::new();
        for pos in touched {
            let x = s.additional_informations[pos].clone();
            rows.push(json!({
                "item_id": x.item_id, "external_id": x.external_id, "reviewee": x.reviewee,
                "item": x.item, "time": x.time, "detailed_description": x.detailed_description,
            }));
            out.push(json!({
                "item_id": x.item_id,
                "external_id": x.external_id.unwrap_or_default(),
                "reviewee_user_id": s.render_user(kind, &x.reviewee),
                "item": x.item,
                "time": x.time,
                "detailed_description": x.detailed_description,
            }));
        }
        s.record(
            INFO_IMPORT,
            app_id,
            Some(client_token),
            record_id.clone(),
            rows,
        );
        Ok(json!({"import_record_id": record_id, "additional_informations": out}))
    })
    .await
}

/// `批量查询补充信息`
async fn query_items(
    Extract(state): Shared,
    headers: HeaderMap,
    q: QueryMap,
    body: Bytes,
) -> Response {
    call(&state, INFO_QUERY, &[LIMIT], &headers, |s, app_id| {
        let q = query(&q)?;
        let kind = user_id_type(q, true)?;
        let page = Page::parse(
            q.get("page_size").map(String::as_str),
            q.get("page_token").map(String::as_str),
            0,
            50,
        )?;
        let body = body_object(&body, false)?;
        let semester_id = req_str(&body, "", "semester_id", 1, 100)?.to_owned();
        let item_ids = string_list(&body, "item_ids", 0, 50, false)?.unwrap_or_default();
        let external_ids = string_list(&body, "external_ids", 0, 50, false)?.unwrap_or_default();
        let reviewee_ids =
            string_list(&body, "reviewee_user_ids", 0, 50, false)?.unwrap_or_default();
        if !s
            .seed
            .semesters
            .iter()
            .any(|x| x.semester_id == semester_id)
        {
            return Err(reject(1580105, "semester_id is invalid"));
        }
        let reviewees: Vec<String> = reviewee_ids
            .iter()
            .filter_map(|id| s.resolve_user(kind, id))
            .collect();
        let matching: Vec<&AdditionalInformation> = s
            .additional_informations
            .iter()
            .filter(|x| x.semester_id == semester_id && s.in_scope(app_id, &x.reviewee))
            .filter(|x| {
                if !item_ids.is_empty() {
                    item_ids.contains(&x.item_id)
                } else if !external_ids.is_empty() {
                    x.external_id
                        .as_ref()
                        .is_some_and(|e| external_ids.contains(e))
                } else if !reviewee_ids.is_empty() {
                    reviewees.contains(&x.reviewee)
                } else {
                    true
                }
            })
            .collect();
        let (items, has_more) = page.cut(&matching);
        let items: Vec<Value> = items
            .into_iter()
            .map(|x| {
                json!({
                    "item_id": x.item_id,
                    "external_id": x.external_id.clone().unwrap_or_default(),
                    "reviewee_user_id": s.render_user(kind, &x.reviewee),
                    "item": x.item,
                    "time": x.time,
                    "detailed_description": x.detailed_description,
                })
            })
            .collect();
        let mut data = json!({"additional_informations": items});
        page.finish(&mut data, has_more);
        Ok(data)
    })
    .await
}
