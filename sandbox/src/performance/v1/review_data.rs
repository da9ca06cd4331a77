//! `POST /open-apis/performance/v1/review_datas/query` (`获取绩效结果`).
//!
//! The same review data as v2 (see [`crate::performance::v2::review_data`]),
//! in v1's shape and localised text (`zh-CN`/`en-US`): the stages this page
//! supports (`leader_review`, `communication_and_open_result`,
//! `view_result`), each with the answers of its records flattened into
//! `data`, and the semesters, activities, indicators, templates, units and
//! fields they refer to. Semesters: `semester_id_list` when non-empty, else
//! those inside `start_time`..`end_time`.
//!
//! The column says `stage_types` is required, its description that leaving
//! it out means every stage: the schema takes the stricter reading (its
//! `sources: { required: .. }`), so its absence answers 1580102; an empty
//! list (the page allows 0..=50 items) means every stage the page supports.
//! `start_time` and `end_time` are required (also when
//! `semester_id_list` makes them moot). Semesters carry `id`, `name`,
//! `start_time` and `end_time`, as the page's response example does (its
//! table also lists the semester list's other members).

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
    body_object, int_list, opt_millis, opt_str, query, req_str, string_list, user_id_type,
};
use crate::performance::v2::review_data::{check_enum, submitted_after};
use crate::state::State;

const QUERY: &str = "performance.v1.review_data.query";
/// The documented limit: 20 次/分钟.
const LIMIT: Limit = Limit::PerMinute(20);

const STAGE_TYPES: &[&str] = &[
    "leader_review",
    "communication_and_open_result",
    "view_result",
];

/// The routes of this resource.
pub(crate) fn routes() -> Router<Arc<Mutex<State>>> {
    Router::new().route(
        "/open-apis/performance/v1/review_datas/query",
        post(query_data),
    )
}

/// `{zh_cn, en_us}` as `{zh-CN, en-US}`.
fn v1_text(v: &Value) -> Value {
    json!({"zh-CN": v["zh_cn"].as_str().unwrap_or_default(), "en-US": v["en_us"].as_str().unwrap_or_default()})
}

/// `获取绩效结果`
async fn query_data(
    Extract(state): Shared,
    headers: HeaderMap,
    q: QueryMap,
    body: Bytes,
) -> Response {
    call(&state, QUERY, &[LIMIT], &headers, |s, app_id| {
        let kind = user_id_type(query(&q)?, true)?;
        let body = body_object(&body, false)?;
        let start = opt_millis(Some(req_str(&body, "", "start_time", 0, usize::MAX)?), "start_time")?.unwrap_or(0);
        let end = opt_millis(Some(req_str(&body, "", "end_time", 0, usize::MAX)?), "end_time")?.unwrap_or(i64::MAX);
        let mut stage_types = string_list(&body, "stage_types", 0, 50, true)?.unwrap_or_default();
        check_enum("stage_types", &stage_types, STAGE_TYPES)?;
        if stage_types.is_empty() {
            stage_types = STAGE_TYPES.iter().map(|x| x.to_string()).collect();
        }
        let progresses = int_list(&body, "stage_progress", 50, &[0, 1, 2, 3, 4])?.unwrap_or_default();
        let semester_ids = string_list(&body, "semester_id_list", 0, 50, false)?.unwrap_or_default();
        let reviewee_ids = string_list(&body, "reviewee_user_id_list", 0, 50, true)?.unwrap_or_default();
        let later = opt_millis(opt_str(&body, "", "updated_later_than", 0, usize::MAX)?, "updated_later_than")?;
        let millis = |v: &Value| v.as_str().and_then(|x| x.parse::<i64>().ok());
        let semesters: Vec<_> = s
            .seed
            .semesters
            .iter()
            .filter(|x| {
                if !semester_ids.is_empty() {
                    semester_ids.contains(&x.semester_id)
                } else {
                    millis(&x.info["start_time"]).is_some_and(|t| t >= start)
                        && millis(&x.info["end_time"]).is_some_and(|t| t <= end)
                }
            })
            .collect();
        let reviewees: Vec<String> = reviewee_ids.iter().filter_map(|id| s.resolve_user(kind, id)).collect();
        let mut datas = Vec::new();
        let (mut used_semesters, mut used_activities, mut used_templates, mut used_units, mut used_fields, mut used_indicators) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let note = |list: &mut Vec<String>, v: &Value| {
            if let Some(id) = v.as_str().filter(|id| !id.is_empty())
                && !list.iter().any(|x| x == id)
            {
                list.push(id.to_owned());
            }
        };
        for d in &s.seed.review_datas {
            let reviewee = d["user_id"]["open_id"].as_str().unwrap_or_default();
            let semester = d["semester_id"].as_str().unwrap_or_default();
            if !reviewees.iter().any(|r| r == reviewee)
                || !semesters.iter().any(|x| x.semester_id == semester)
                || !s.in_scope(app_id, reviewee)
            {
                continue;
            }
            let mut stages = Vec::new();
            for st in d["stages"].as_array().into_iter().flatten() {
                let kind_of = st["stage_type"].as_str().unwrap_or_default();
                if !stage_types.iter().any(|x| x == kind_of) {
                    continue;
                }
                let records: Vec<&Value> = st["records"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter(|r| later.is_none_or(|t| submitted_after(r, t)))
                    .collect();
                let progress = records.first().and_then(|r| r["progress"].as_i64()).unwrap_or(0);
                if !progresses.is_empty() && !progresses.contains(&progress) {
                    continue;
                }
                note(&mut used_templates, &st["template_id"]);
                let mut data = Vec::new();
                for r in records {
                    for u in r["units"].as_array().into_iter().flatten() {
                        note(&mut used_units, &u["unit_id"]);
                        for x in u["data"].as_array().into_iter().flatten() {
                            let mut x = x.clone();
                            if let Value::Object(m) = &mut x {
                                m.remove("leader_review_data_source");
                                m.insert("template_id".into(), st["template_id"].clone());
                                m.insert("unit_id".into(), u["unit_id"].clone());
                            }
                            note(&mut used_fields, &x["field_id"]);
                            note(&mut used_indicators, &x["indicator_id"]);
                            data.push(x);
                        }
                    }
                }
                stages.push(json!({"stage_type": kind_of, "progress": progress, "data": data}));
            }
            note(&mut used_semesters, &d["semester_id"]);
            note(&mut used_activities, &d["activity_id"]);
            let mut out = json!({
                "user_id": d["user_id"], "semester_id": d["semester_id"],
                "activity_id": d["activity_id"], "stages": stages,
            });
            s.render_users(kind, &mut out);
            datas.push(out);
        }
        let semesters_out: Vec<Value> = semesters
            .iter()
            .filter(|x| used_semesters.contains(&x.semester_id))
            .map(|x| {
                json!({
                    "id": x.semester_id,
                    "name": x.info["name"],
                    "start_time": x.info["start_time"],
                    "end_time": x.info["end_time"],
                })
            })
            .collect();
        let activities: Vec<Value> = s
            .seed
            .activities
            .iter()
            .filter(|a| used_activities.contains(&a.activity_id))
            .map(|a| json!({"id": a.activity_id, "name": v1_text(&a.info["name"]), "semester_id": a.semester_id}))
            .collect();
        let indicators: Vec<Value> = s
            .seed
            .indicators
            .iter()
            .filter(|i| i["id"].as_str().is_some_and(|id| used_indicators.iter().any(|x| x == id)))
            .map(|i| {
                let options: Vec<Value> = i["options"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|o| json!({"id": o["id"], "name": v1_text(&o["name"]), "label": o["lable"]}))
                    .collect();
                json!({"id": i["id"], "name": v1_text(&i["name"]), "options": options})
            })
            .collect();
        let names = |key: &str, used: &[String]| -> Vec<Value> {
            s.seed.review_names[key]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|x| x["id"].as_str().is_some_and(|id| used.iter().any(|u| u == id)))
                .cloned()
                .collect()
        };
        let mut data = Map::new();
        data.insert("semesters".into(), json!(semesters_out));
        data.insert("activities".into(), json!(activities));
        data.insert("indicators".into(), json!(indicators));
        data.insert("templates".into(), json!(names("templates", &used_templates)));
        data.insert("units".into(), json!(names("units", &used_units)));
        data.insert("fields".into(), json!(names("fields", &used_fields)));
        data.insert("datas".into(), json!(datas));
        Ok(Value::Object(data))
    })
    .await
}
