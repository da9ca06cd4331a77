//! The four documented endpoints, checked and answered as their pages say.
//!
//! Choices where the docs are silent, shared with the runtime's docs:
//! - A malformed request (missing or mistyped field, length or size out of
//!   range, unknown `user_id_type`) answers 1580102 on the performance
//!   endpoints and 1001001 on the OKR one.
//! - A client_token is consumed only by a write that was applied: a request
//!   refused for any other reason may be retried with the same token.
//! - Writes are atomic: a request is applied whole or not at all.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::extract::{Path, Query, State as Extract};
use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::{Map, Value, json};

use crate::faults::Fault;
use crate::seed::FieldKind;
use crate::state::{
    self, AdditionalInformation, ApiError, IdKind, State, dropped, error_response, gateway_page,
    json_response,
};

type Shared = Extract<Arc<Mutex<State>>>;
type QueryMap = Result<Query<HashMap<String, String>>, axum::extract::rejection::QueryRejection>;

const METRIC_IMPORT: &str = "performance.v2.metric_detail.import";
const INFO_IMPORT: &str = "performance.v2.additional_information.import";
const TEMPLATE_QUERY: &str = "performance.v2.review_template.query";
const OKR_PATCH: &str = "okr.v1.metric_source_table_item.patch";
/// The documented limit of the performance endpoints: 10 次/分钟.
const PERFORMANCE_LIMIT: usize = 10;

/// Authentication, rate limit and faults around one endpoint's logic.
async fn call(
    state: &Arc<Mutex<State>>,
    endpoint: &str,
    limit: Option<usize>,
    headers: &HeaderMap,
    handler: impl FnOnce(&mut State, &str) -> Result<Value, ApiError>,
) -> Response {
    let (fault, app_id, log_id) = {
        let mut s = state::lock(state);
        *s.stats.api_requests.entry(endpoint.to_owned()).or_default() += 1;
        if let Some(id) = headers
            .get("oapi-sdk-request-id")
            .and_then(|v| v.to_str().ok())
        {
            s.stats.request_ids.push(id.to_owned());
        }
        let log_id = s.next_log_id();
        let limit = limit.or_else(|| s.undocumented_limits.get(endpoint).copied());
        let checked = s.authenticate(headers).and_then(|app_id| match limit {
            Some(limit) => s.rate_limit(&app_id, endpoint, limit).map(|()| app_id),
            None => Ok(app_id),
        });
        let app_id = match checked {
            Ok(app_id) => app_id,
            Err(e) => return finish(&mut s, e.status, error_response(&e, &log_id)),
        };
        if endpoint.starts_with("performance.") && !s.seed.performance_licensed {
            let e = ApiError::new(400, 1580901, "tenant no licnese");
            return finish(&mut s, 400, error_response(&e, &log_id));
        }
        let fault = s.faults.next_fault();
        if fault != Fault::Ok {
            *s.stats.faults.entry(fault.to_string()).or_default() += 1;
        }
        match fault {
            Fault::Internal => {
                let e = ApiError::new(500, 1580101, "internal error");
                return finish(&mut s, 500, error_response(&e, &log_id));
            }
            Fault::BadGateway => return finish(&mut s, 502, gateway_page(502, &log_id)),
            Fault::GatewayTimeout => return finish(&mut s, 504, gateway_page(504, &log_id)),
            Fault::Drop => return dropped(),
            Fault::Revoke => {
                s.tokens.retain(|_, t| t.app_id != app_id);
                let e = ApiError::new(
                    400,
                    99991663,
                    "Invalid access token for authorization. Please make a request with token attached.",
                );
                return finish(&mut s, 400, error_response(&e, &log_id));
            }
            _ => {}
        }
        (fault, app_id, log_id)
    };
    if let Fault::Delay(delay) = fault {
        tokio::time::sleep(delay).await;
    }
    let mut s = state::lock(state);
    match handler(&mut s, &app_id) {
        Ok(data) => {
            let body = json!({"code": 0, "msg": "success", "data": data});
            match fault {
                Fault::ApplyDrop => dropped(),
                Fault::Truncate => {
                    let text = body.to_string();
                    let cut: String = text.chars().take(text.chars().count() / 2).collect();
                    let mut response = json_response(200, &log_id, &Value::Null, &[]);
                    *response.body_mut() = axum::body::Body::from(cut);
                    finish(&mut s, 200, response)
                }
                _ => finish(&mut s, 200, json_response(200, &log_id, &body, &[])),
            }
        }
        Err(e) => finish(&mut s, e.status, error_response(&e, &log_id)),
    }
}

fn finish(state: &mut State, status: u16, response: Response) -> Response {
    *state.stats.statuses.entry(status).or_default() += 1;
    response
}

/// Unknown paths answer as the platform's gateway does: 404 with code 1254... is
/// not documented, so a plain 404 envelope.
pub async fn not_found() -> Response {
    json_response(
        404,
        "",
        &json!({"code": 404, "msg": "404 page not found"}),
        &[],
    )
}

// ---------------------------------------------------------------------------
// Reading JSON by hand, as the docs describe it.

fn param_invalid(field: &str, value: &str, why: &str) -> ApiError {
    ApiError::new(400, 1580102, "param is invalid").violation(field, value, why)
}

fn chars(s: &str) -> usize {
    s.chars().count()
}

/// A string member: `Ok(None)` when absent, an error when present but not a string or out of range.
fn opt_str<'a>(
    obj: &'a Map<String, Value>,
    path: &str,
    name: &str,
    min: usize,
    max: usize,
) -> Result<Option<&'a str>, ApiError> {
    let field = if path.is_empty() {
        name.to_owned()
    } else {
        format!("{path}.{name}")
    };
    match obj.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if (min..=max).contains(&chars(s)) => Ok(Some(s)),
        Some(Value::String(s)) => Err(param_invalid(
            &field,
            s,
            &format!("length must be {min}..{max} characters"),
        )),
        Some(other) => Err(param_invalid(
            &field,
            &other.to_string(),
            "must be a string",
        )),
    }
}

fn req_str<'a>(
    obj: &'a Map<String, Value>,
    path: &str,
    name: &str,
    min: usize,
    max: usize,
) -> Result<&'a str, ApiError> {
    opt_str(obj, path, name, min, max)?.ok_or_else(|| {
        let field = if path.is_empty() {
            name.to_owned()
        } else {
            format!("{path}.{name}")
        };
        param_invalid(&field, "", "is required")
    })
}

fn array<'a>(
    obj: &'a Map<String, Value>,
    name: &str,
    min: usize,
    max: usize,
    required: bool,
) -> Result<Option<&'a Vec<Value>>, ApiError> {
    match obj.get(name) {
        None | Some(Value::Null) if !required => Ok(None),
        Some(Value::Array(items)) if (min..=max).contains(&items.len()) => Ok(Some(items)),
        Some(Value::Array(items)) => Err(param_invalid(
            name,
            &format!("{} items", items.len()),
            &format!("must have {min}..{max} items"),
        )),
        _ => Err(param_invalid(name, "", "must be an array")),
    }
}

fn object<'a>(value: &'a Value, field: &str) -> Result<&'a Map<String, Value>, ApiError> {
    value
        .as_object()
        .ok_or_else(|| param_invalid(field, &value.to_string(), "must be an object"))
}

fn body_object(bytes: &Bytes, empty_ok: bool) -> Result<Map<String, Value>, ApiError> {
    if empty_ok && bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(param_invalid("body", "", "must be a JSON object")),
    }
}

fn query(q: &QueryMap) -> Result<&HashMap<String, String>, ApiError> {
    q.as_ref()
        .map(|Query(q)| q)
        .map_err(|_| param_invalid("query", "", "malformed query string"))
}

/// `client_token` (required, 0..64 characters) and `user_id_type` of the performance writes.
fn write_params(q: &HashMap<String, String>) -> Result<(String, IdKind), ApiError> {
    let token = q
        .get("client_token")
        .ok_or_else(|| param_invalid("client_token", "", "is required"))?;
    if chars(token) > 64 {
        return Err(param_invalid(
            "client_token",
            token,
            "length must be 0..64 characters",
        ));
    }
    let kind = IdKind::parse(q.get("user_id_type").map(String::as_str), true).ok_or_else(|| {
        param_invalid(
            "user_id_type",
            q.get("user_id_type").map_or("", |s| s),
            "unknown user_id_type",
        )
    })?;
    Ok((token.clone(), kind))
}

fn reject(code: i64, msg: &str) -> ApiError {
    ApiError::new(400, code, msg)
}

// ---------------------------------------------------------------------------
// POST /open-apis/performance/v2/metric_details/import

/// One field value of a metric import.
struct FieldInput<'a> {
    field_id: &'a str,
    value: Option<&'a str>,
    person: Option<&'a str>,
}

/// `录入被评估人关键指标数据`
pub async fn metric_detail_import(
    Extract(state): Shared,
    headers: HeaderMap,
    q: QueryMap,
    body: Bytes,
) -> Response {
    call(&state, METRIC_IMPORT, Some(PERFORMANCE_LIMIT), &headers, |s, app_id| {
        let (client_token, kind) = write_params(query(&q)?)?;
        let body = body_object(&body, false)?;
        let semester_id = req_str(&body, "", "semester_id", 1, usize::MAX)?;
        opt_str(&body, "", "import_record_name", 0, usize::MAX)?;
        let Some(metrics) = array(&body, "imported_metrics", 1, 50, true)? else {
            return Err(param_invalid("imported_metrics", "", "is required"));
        };
        let mut parsed = Vec::new();
        for (i, m) in metrics.iter().enumerate() {
            let path = format!("imported_metrics[{i}]");
            let m = object(m, &path)?;
            let reviewee = req_str(m, &path, "reviewee_user_id", 1, usize::MAX)?;
            let metric_id = req_str(m, &path, "metric_id", 1, usize::MAX)?;
            let fields = match m.get("fields") {
                Some(Value::Array(f)) if (1..=99).contains(&f.len()) => f,
                _ => return Err(param_invalid(&format!("{path}.fields"), "", "must have 1..99 items")),
            };
            let mut inputs = Vec::new();
            for (j, f) in fields.iter().enumerate() {
                let fpath = format!("{path}.fields[{j}]");
                let f = object(f, &fpath)?;
                inputs.push(FieldInput {
                    field_id: req_str(f, &fpath, "field_id", 1, usize::MAX)?,
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

// ---------------------------------------------------------------------------
// POST /open-apis/performance/v2/additional_informations/import

/// `批量导入补充信息`
pub async fn additional_information_import(
    Extract(state): Shared,
    headers: HeaderMap,
    q: QueryMap,
    body: Bytes,
) -> Response {
    call(
        &state,
        INFO_IMPORT,
        Some(PERFORMANCE_LIMIT),
        &headers,
        |s, app_id| {
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
                        in_semester(x)
                            && x.external_id.as_ref() == Some(external)
                            && Some(i) != target
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
        },
    )
    .await
}

// ---------------------------------------------------------------------------
// POST /open-apis/performance/v2/review_templates/query

/// Page tokens are opaque to clients: here, the hex of `offset:N`.
fn page_token(offset: usize) -> String {
    format!("offset:{offset}")
        .bytes()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn parse_page_token(token: &str) -> Option<usize> {
    if !token.len().is_multiple_of(2) {
        return None;
    }
    let bytes: Option<Vec<u8>> = (0..token.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(token.get(i..i + 2)?, 16).ok())
        .collect();
    String::from_utf8(bytes?)
        .ok()?
        .strip_prefix("offset:")?
        .parse()
        .ok()
}

/// `获取绩效模板`
pub async fn review_template_query(
    Extract(state): Shared,
    headers: HeaderMap,
    q: QueryMap,
    body: Bytes,
) -> Response {
    call(
        &state,
        TEMPLATE_QUERY,
        Some(PERFORMANCE_LIMIT),
        &headers,
        |s, _app_id| {
            let q = query(&q)?;
            let page_size = match q.get("page_size").map(|v| v.parse::<i64>()) {
                None => 20,
                Some(Ok(n)) if (0..=50).contains(&n) => {
                    if n == 0 {
                        20
                    } else {
                        n as usize
                    }
                }
                Some(_) => {
                    return Err(param_invalid(
                        "page_size",
                        q.get("page_size").map_or("", |s| s),
                        "must be 0..50",
                    ));
                }
            };
            let offset = match q.get("page_token").map(String::as_str) {
                None | Some("") => 0,
                Some(token) => {
                    parse_page_token(token).ok_or_else(|| reject(1580107, "page token invalid"))?
                }
            };
            let body = body_object(&body, true)?;
            let ids: Option<Vec<String>> = match array(&body, "review_template_ids", 0, 50, false)?
            {
                Some(ids) => Some(
                    ids.iter()
                        .map(|v| {
                            v.as_str().map(str::to_owned).ok_or_else(|| {
                                param_invalid(
                                    "review_template_ids",
                                    &v.to_string(),
                                    "must be strings",
                                )
                            })
                        })
                        .collect::<Result<_, _>>()?,
                ),
                None => None,
            };
            let matching: Vec<&Value> = s
                .seed
                .review_templates
                .iter()
                .filter(|t| {
                    ids.as_ref().is_none_or(|ids| {
                        ids.iter()
                            .any(|id| t["review_template_id"].as_str() == Some(id))
                    })
                })
                .collect();
            let page: Vec<Value> = matching
                .iter()
                .skip(offset)
                .take(page_size)
                .map(|t| (*t).clone())
                .collect();
            let has_more = offset + page.len() < matching.len();
            let mut data = json!({"review_templates": page, "has_more": has_more});
            if has_more {
                data["page_token"] = json!(page_token(offset + page_size));
            }
            Ok(data)
        },
    )
    .await
}

// ---------------------------------------------------------------------------
// PATCH /open-apis/okr/v1/metric_sources/{source}/tables/{table}/items/{item}

fn okr_invalid(field: &str, value: &str, why: &str) -> ApiError {
    ApiError::new(
        200,
        1001001,
        "Invalid parameters. Please check document and modify accordingly.",
    )
    .violation(field, value, why)
}

/// `更新指标项`
pub async fn okr_metric_item_patch(
    Extract(state): Shared,
    Path((source_id, table_id, item_id)): Path<(String, String, String)>,
    headers: HeaderMap,
    q: QueryMap,
    body: Bytes,
) -> Response {
    call(&state, OKR_PATCH, None, &headers, |s, app_id| {
        let q = q.as_ref().map_err(|_| okr_invalid("query", "", "malformed query string"))?;
        let raw_kind = q.get("user_id_type").map(String::as_str).filter(|v| !v.is_empty());
        let kind = IdKind::parse(raw_kind, false).ok_or_else(|| okr_invalid("user_id_type", raw_kind.unwrap_or(""), "unknown user_id_type"))?;
        let body = match serde_json::from_slice::<Value>(&body) {
            Ok(Value::Object(map)) => map,
            _ => return Err(okr_invalid("body", "", "must be a JSON object")),
        };
        let number = |name: &str| -> Result<Option<f64>, ApiError> {
            match body.get(name) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::Number(n)) => Ok(n.as_f64()),
                Some(other) => Err(okr_invalid(name, &other.to_string(), "must be a number")),
            }
        };
        let initial = number("metric_initial_value")?;
        let target = number("metric_target_value")?;
        let current = number("metric_current_value")?;
        let supported = match body.get("supported_user_id") {
            None | Some(Value::Null) => None,
            Some(Value::String(id)) => Some(s.resolve_user(kind, id).ok_or_else(|| ApiError::new(200, 1001003, "User not found."))?),
            Some(other) => return Err(okr_invalid("supported_user_id", &other.to_string(), "must be a string")),
        };
        let not_found = || ApiError::new(200, 1001004, "OKR data not found.");
        let source = s.seed.okr_sources.iter().position(|x| x.metric_source_id == source_id).ok_or_else(not_found)?;
        let table = s.seed.okr_sources[source].tables.iter().position(|t| t.metric_table_id == table_id).ok_or_else(not_found)?;
        let Some(item) = s.seed.okr_sources[source].tables[table].items.iter().position(|i| i.metric_item_id == item_id) else {
            let elsewhere = s.seed.okr_sources[source].tables.iter().any(|t| t.items.iter().any(|i| i.metric_item_id == item_id));
            return Err(if elsewhere { ApiError::new(400, 1001007, "table id match error") } else { not_found() });
        };
        let operator = s.app(app_id).map(|a| a.operator.clone()).unwrap_or_default();
        let mut updated = s.seed.okr_sources[source].tables[table].items[item].clone();
        if let Some(v) = initial {
            updated.metric_initial_value = v;
        }
        if let Some(v) = target {
            updated.metric_target_value = v;
        }
        if let Some(v) = current {
            updated.metric_current_value = v;
        }
        if let Some(v) = supported {
            updated.supported_user_id = v;
        }
        if updated.metric_initial_value == updated.metric_target_value {
            return Err(ApiError::new(400, 1001006, "start value equals target value"));
        }
        let now = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis()).unwrap_or_default();
        updated.updated_at = now.to_string();
        updated.updated_by = operator;
        s.seed.okr_sources[source].tables[table].items[item] = updated.clone();
        let row = json!({
            "metric_source_id": source_id, "metric_table_id": table_id, "metric_item_id": item_id,
            "metric_initial_value": updated.metric_initial_value, "metric_target_value": updated.metric_target_value,
            "metric_current_value": updated.metric_current_value, "supported_user_id": updated.supported_user_id,
        });
        s.record(OKR_PATCH, app_id, None, item_id.clone(), vec![row]);
        Ok(json!({
            "metric_item_id": updated.metric_item_id,
            "user_id": s.render_user(kind, &updated.user_id),
            "period_id": updated.period_id,
            "metric_unit": updated.metric_unit,
            "metric_initial_value": updated.metric_initial_value,
            "metric_target_value": updated.metric_target_value,
            "metric_current_value": updated.metric_current_value,
            "supported_user_id": s.render_user(kind, &updated.supported_user_id),
            "kr_id": updated.kr_id,
            "updated_at": updated.updated_at,
            "updated_by": s.render_user(kind, &updated.updated_by),
        }))
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_tokens_round_trip_and_reject_garbage() {
        assert_eq!(parse_page_token(&page_token(40)), Some(40));
        assert_eq!(parse_page_token("zz"), None);
        assert_eq!(parse_page_token("6f6666"), None);
    }
}
