//! `POST /open-apis/performance/v2/additional_informations/import` (`批量导入补充信息`).

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State as Extract;
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::post;
use serde_json::json;

use crate::endpoint::{QueryMap, Shared, call};
use crate::input::{array, body_object, object, opt_str, query, reject, req_str, write_params};
use crate::state::AdditionalInformation;
use crate::state::State;

const INFO_IMPORT: &str = "performance.v2.additional_information.import";
/// The documented limit: 10 次/分钟.
const LIMIT: usize = 10;

/// The routes of this resource.
pub(crate) fn routes() -> Router<Arc<Mutex<State>>> {
    Router::new().route(
        "/open-apis/performance/v2/additional_informations/import",
        post(import),
    )
}

/// `批量导入补充信息`
async fn import(Extract(state): Shared, headers: HeaderMap, q: QueryMap, body: Bytes) -> Response {
    call(&state, INFO_IMPORT, Some(LIMIT), &headers, |s, app_id| {
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
