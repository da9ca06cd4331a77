//! Key-metric values of reviewees (关键指标数据):
//! `POST /open-apis/performance/v2/metric_details/import` (`录入被评估人关键指标数据`)
//! and `POST /open-apis/performance/v2/metric_details/query` (`获取被评估人关键指标结果`).
//!
//! The query returns what the imports stored, the values an administrator
//! filled in included: one `reviewee_metrics` entry per reviewee and metric
//! assigned to them, with every field of the metric (`field_value` empty
//! when nothing was entered; a person field carries `field_value_person`).
//! Requested ids that name no reviewee of the semester, or one outside the
//! app's data scope, are left out (the page lists no error for them). The
//! result-recording stage is `stage_status` 1 (待提交) in an open semester
//! and 2 (已逾期) past its deadline.

use std::collections::{HashMap, HashSet};
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
    array, body_object, chars, object, opt_str, param_invalid, query, reject, req_str, string_list,
    user_id_type, write_params,
};
use crate::seed::FieldKind;
use crate::state::State;

const METRIC_IMPORT: &str = "performance.v2.metric_detail.import";
/// The documented limit: 10 次/分钟.
const LIMIT: Limit = Limit::PerMinute(10);
const METRIC_QUERY: &str = "performance.v2.metric_detail.query";
/// The documented limit of the query: 20 次/分钟.
const QUERY_LIMIT: Limit = Limit::PerMinute(20);
/// The result-recording stage (`kpi_result_recording`) every semester of the fixture has.
const RESULT_RECORDING_STAGE: &str = "7303895818346430501";

/// The routes of this resource.
pub(crate) fn routes() -> Router<Arc<Mutex<State>>> {
    Router::new()
        .route(
            "/open-apis/performance/v2/metric_details/import",
            post(import),
        )
        .route(
            "/open-apis/performance/v2/metric_details/query",
            post(query_details),
        )
}

/// One field value of a metric import.
struct FieldInput<'a> {
    field_id: &'a str,
    value: Option<&'a str>,
    person: Option<&'a str>,
}

/// `录入被评估人关键指标数据`
async fn import(Extract(state): Shared, headers: HeaderMap, q: QueryMap, body: Bytes) -> Response {
    call(&state, METRIC_IMPORT, &[LIMIT], &headers, |s, app_id| {
        let (client_token, kind) = write_params(query(&q)?)?;
        let body = body_object(&body, false)?;
        let semester_id = req_str(&body, "", "semester_id", 0, usize::MAX)?;
        opt_str(&body, "", "import_record_name", 0, usize::MAX)?;
        let Some(metrics) = array(&body, "imported_metrics", 1, 50, true)? else {
            return Err(param_invalid("imported_metrics", "", "is required"));
        };
        let mut parsed = Vec::new();
        for (i, m) in metrics.iter().enumerate() {
            let path = format!("imported_metrics[{i}]");
            let m = object(m, &path)?;
            let reviewee = req_str(m, &path, "reviewee_user_id", 0, usize::MAX)?;
            let metric_id = req_str(m, &path, "metric_id", 0, usize::MAX)?;
            let fields = match m.get("fields") {
                Some(Value::Array(f)) if (1..=99).contains(&f.len()) => f,
                _ => return Err(param_invalid(&format!("{path}.fields"), "", "must have 1..99 items")),
            };
            let mut inputs = Vec::new();
            for (j, f) in fields.iter().enumerate() {
                let fpath = format!("{path}.fields[{j}]");
                let f = object(f, &fpath)?;
                inputs.push(FieldInput {
                    field_id: req_str(f, &fpath, "field_id", 0, usize::MAX)?,
                    value: opt_str(f, &fpath, "field_value", 0, usize::MAX)?,
                    person: opt_str(f, &fpath, "field_value_person", 0, usize::MAX)?,
                });
            }
            parsed.push((reviewee, metric_id, inputs));
        }

        if s.client_token_used(app_id, METRIC_IMPORT, &client_token) {
            return Err(reject(1580110, "request ID repeat"));
        }
        let Some(semester) = s.seed.semesters.iter().find(|x| x.semester_id == semester_id).cloned() else {
            return Err(reject(1580105, "invalid semester ID"));
        };
        if semester.past_deadline {
            return Err(reject(1580309, "input is not allowed after the deadline"));
        }
        let out_of_scope = s.app(app_id).map(|a| a.out_of_scope.clone()).unwrap_or_default();

        let mut seen_metrics = HashSet::new();
        let mut writes: Vec<(String, String, String, String)> = Vec::new(); // reviewee, metric, field, value
        for (reviewee_id, metric_id, inputs) in &parsed {
            let reviewee = s.resolve_user(kind, reviewee_id).ok_or_else(|| reject(1580306, "reviewee not found"))?;
            if out_of_scope.contains(&reviewee) {
                return Err(reject(1580112, "permission denied"));
            }
            if !semester.reviewees.contains(&reviewee) {
                return Err(reject(1580306, "reviewee not found"));
            }
            if !seen_metrics.insert((reviewee.clone(), metric_id.to_string())) {
                return Err(reject(1580307, "duplicate metric for the same reviewee in request"));
            }
            let metric = s
                .seed
                .metrics
                .iter()
                .find(|m| m.metric_id == *metric_id && m.assigned_to.contains(&reviewee))
                .ok_or_else(|| reject(1580312, "reviewee's metrics not found"))?;
            if metric.old_version {
                return Err(reject(1580310, "old vision metrics can't be input"));
            }
            let mut seen_fields = HashSet::new();
            for input in inputs {
                if !seen_fields.insert(input.field_id) {
                    return Err(reject(1580308, "duplicate field for the same metric in request"));
                }
                let field = metric
                    .fields
                    .iter()
                    .find(|f| f.field_id == input.field_id)
                    .ok_or_else(|| reject(1580305, "filed id not found in the metric"))?;
                let by_admin = s.seed.admin_values.iter().any(|a| {
                    a.semester_id == semester.semester_id
                        && a.reviewee == reviewee
                        && a.metric_id == metric.metric_id
                        && a.field_id == field.field_id
                });
                if by_admin {
                    return Err(reject(1580311, "data input by admins can't be overwritten"));
                }
                let value = match field.kind {
                    FieldKind::Person => match input.person.filter(|p| !p.is_empty()) {
                        Some(p) => Some(s.resolve_user(kind, p).ok_or_else(|| reject(1580301, "field value type is invalid"))?),
                        None => None,
                    },
                    _ => input.value.filter(|v| !v.is_empty()).map(str::to_owned),
                };
                let Some(value) = value else {
                    if field.required {
                        return Err(reject(1580302, "field_value is null"));
                    }
                    continue;
                };
                match field.kind {
                    FieldKind::Number if value.trim().parse::<f64>().is_err() => {
                        return Err(reject(1580301, "field value type is invalid"));
                    }
                    FieldKind::Weight if !value.trim().parse::<f64>().is_ok_and(|w| (0.0..=100.0).contains(&w)) => {
                        return Err(reject(1580301, "field value type is invalid"));
                    }
                    _ => {}
                }
                if chars(&value) > field.max_len {
                    return Err(reject(1580303, "field value length exceeds the limit"));
                }
                writes.push((reviewee.clone(), metric.metric_id.clone(), field.field_id.clone(), value));
            }
        }

        // Weights: the reviewee's weights over all metrics of the semester, after this import.
        let weight_fields: HashSet<&str> = s
            .seed
            .metrics
            .iter()
            .flat_map(|m| m.fields.iter().filter(|f| f.kind == FieldKind::Weight).map(|f| f.field_id.as_str()))
            .collect();
        let reviewees: HashSet<&String> = writes.iter().map(|w| &w.0).collect();
        for reviewee in reviewees {
            let mut weights: HashMap<(&str, &str), f64> = HashMap::new();
            for ((sem, r, m, f), v) in &s.metric_values {
                if sem == &semester.semester_id && r == reviewee && weight_fields.contains(f.as_str()) {
                    weights.insert((m, f), v.parse().unwrap_or(0.0));
                }
            }
            for (r, m, f, v) in &writes {
                if r == reviewee && weight_fields.contains(f.as_str()) {
                    weights.insert((m, f), v.parse().unwrap_or(0.0));
                }
            }
            if weights.values().sum::<f64>() > 100.0 + 1e-9 {
                return Err(reject(1580304, "sum of weights for metrics exceeds 100%"));
            }
        }

        let record_id = s.next_id();
        let mut rows = Vec::new();
        for (reviewee, metric_id, field_id, value) in writes {
            rows.push(json!({"reviewee": reviewee, "metric_id": metric_id, "field_id": field_id, "value": value}));
            s.metric_values.insert((semester.semester_id.clone(), reviewee, metric_id, field_id), value);
        }
        s.record(METRIC_IMPORT, app_id, Some(client_token), record_id.clone(), rows);
        Ok(json!({"import_record_id": record_id}))
    })
    .await
}

/// `获取被评估人关键指标结果`
async fn query_details(
    Extract(state): Shared,
    headers: HeaderMap,
    q: QueryMap,
    body: Bytes,
) -> Response {
    call(
        &state,
        METRIC_QUERY,
        &[QUERY_LIMIT],
        &headers,
        |s, app_id| {
            let kind = user_id_type(query(&q)?, true)?;
            let body = body_object(&body, false)?;
            let semester_id = req_str(&body, "", "semester_id", 0, usize::MAX)?.to_owned();
            let ids = string_list(&body, "reviewee_user_ids", 1, 50, true)?.unwrap_or_default();
            let Some(semester) = s
                .seed
                .semesters
                .iter()
                .find(|x| x.semester_id == semester_id)
            else {
                return Err(reject(1580105, "invalid semester ID"));
            };
            let mut reviewees: Vec<String> = Vec::new();
            for id in &ids {
                if let Some(open_id) = s.resolve_user(kind, id)
                    && semester.reviewees.contains(&open_id)
                    && s.in_scope(app_id, &open_id)
                    && !reviewees.contains(&open_id)
                {
                    reviewees.push(open_id);
                }
            }
            let stage_status = if semester.past_deadline { 2 } else { 1 };
            let mut out = Vec::new();
            for reviewee in &reviewees {
                for metric in s
                    .seed
                    .metrics
                    .iter()
                    .filter(|m| m.assigned_to.contains(reviewee))
                {
                    let fields: Vec<Value> = metric
                        .fields
                        .iter()
                        .map(|f| {
                            let key = (
                                semester_id.clone(),
                                reviewee.clone(),
                                metric.metric_id.clone(),
                                f.field_id.clone(),
                            );
                            let value = s.metric_values.get(&key);
                            match (f.kind, value) {
                                (FieldKind::Person, Some(person)) => json!({
                                    "field_id": f.field_id,
                                    "field_value": "",
                                    "field_value_person": s.user_object(kind, person),
                                }),
                                (_, value) => json!({
                                    "field_id": f.field_id,
                                    "field_value": value.cloned().unwrap_or_default(),
                                }),
                            }
                        })
                        .collect();
                    let d = &metric.detail;
                    let mut details =
                        json!({"metric_id": metric.metric_id, "name": d["name"], "fields": fields});
                    for key in [
                        "dimension_id",
                        "dimension_name",
                        "dimension_weight",
                        "add_from",
                        "is_from_library",
                    ] {
                        if !d[key].is_null() {
                            details[key] = d[key].clone();
                        }
                    }
                    out.push(json!({
                        "reviewee_user_id": s.user_object(kind, reviewee),
                        "metric_template_id": d["metric_template_id"].as_str().unwrap_or_default(),
                        "metric_details": details,
                        "reviewee_stage_statuses": [{
                            "stage_id": RESULT_RECORDING_STAGE,
                            "stage_type": "kpi_result_recording",
                            "stage_status": stage_status,
                        }],
                    }));
                }
            }
            Ok(json!({"semester_id": semester_id, "reviewee_metrics": out}))
        },
    )
    .await
}
