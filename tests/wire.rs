//! The generated structs read and write JSON exactly as serde's derive did with
//! `#[serde(default, skip_serializing_if = "Option::is_none")]` on each optional field and
//! `rename` on each wire name, checked on every object of every page's examples (request
//! bodies and response `data`), through `serde_json` text and `serde_path_to_error` as the
//! client reads a response:
//!
//! - a member the struct does not have is skipped;
//! - an optional member that is `null` reads as one that is absent, and neither is written;
//! - a required member that is absent is `missing field` at the object's path, and `null`
//!   for it is `invalid type` at the member's path;
//! - a member given twice is `duplicate field` at the object's path;
//! - a value of the wrong JSON type is `invalid type` at the member's path;
//! - hostile bytes in a skipped member (deep nesting, huge numbers, bad escapes) end as
//!   they do for a derived struct: the same result, the same message.

use feishu_perf::ApiRequest;
use feishu_perf::registry::{REGISTRY, typed_body};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};

/// Checks one type against one example; returns how many objects were structs.
type Check = fn(&str, &Value) -> Counts;

macro_rules! endpoints {
    ($($id:literal => $request:ty,)*) => {
        /// Every endpoint: its id, the check of its body type and of its response type.
        const ENDPOINTS: &[(&str, Check, Check)] = &[$((
            $id,
            check::<<$request as ApiRequest>::Body>,
            check::<<$request as ApiRequest>::Response>,
        ),)*];
    };
}

endpoints! {
    "okr.v1.metric_source.list" => feishu_perf::okr::v1::ListMetricSourceRequest,
    "okr.v1.metric_source_table.list" => feishu_perf::okr::v1::ListMetricSourceTableRequest,
    "okr.v1.metric_source_table_item.batch_update" => feishu_perf::okr::v1::BatchUpdateMetricSourceTableItemRequest,
    "okr.v1.metric_source_table_item.get" => feishu_perf::okr::v1::GetMetricSourceTableItemRequest,
    "okr.v1.metric_source_table_item.list" => feishu_perf::okr::v1::ListMetricSourceTableItemRequest,
    "okr.v1.metric_source_table_item.patch" => feishu_perf::okr::v1::PatchMetricSourceTableItemRequest,
    "okr.v1.okr.batch_get" => feishu_perf::okr::v1::BatchGetOkrRequest,
    "okr.v1.period.create" => feishu_perf::okr::v1::CreatePeriodRequest,
    "okr.v1.period.list" => feishu_perf::okr::v1::ListPeriodRequest,
    "okr.v1.period.patch" => feishu_perf::okr::v1::PatchPeriodRequest,
    "okr.v1.period_rule.list" => feishu_perf::okr::v1::ListPeriodRuleRequest,
    "okr.v1.progress_record.create" => feishu_perf::okr::v1::CreateProgressRecordRequest,
    "okr.v1.progress_record.delete" => feishu_perf::okr::v1::DeleteProgressRecordRequest,
    "okr.v1.progress_record.get" => feishu_perf::okr::v1::GetProgressRecordRequest,
    "okr.v1.progress_record.update" => feishu_perf::okr::v1::UpdateProgressRecordRequest,
    "okr.v1.review.query" => feishu_perf::okr::v1::QueryReviewRequest,
    "okr.v1.user_okr.list" => feishu_perf::okr::v1::ListUserOkrRequest,
    "okr.v2.cycle.list" => feishu_perf::okr::v2::ListOkrCycleRequest,
    "okr.v2.cycle_objective.list" => feishu_perf::okr::v2::ListOkrCycleObjectiveRequest,
    "okr.v2.indicator.patch" => feishu_perf::okr::v2::PatchOkrIndicatorRequest,
    "okr.v2.key_result_indicator.list" => feishu_perf::okr::v2::ListOkrKeyResultIndicatorRequest,
    "okr.v2.objective_indicator.list" => feishu_perf::okr::v2::ListOkrObjectiveIndicatorRequest,
    "okr.v2.objective_key_result.list" => feishu_perf::okr::v2::ListOkrObjectiveKeyResultRequest,
    "performance.v1.review_data.query" => feishu_perf::performance::v1::QueryReviewDataRequest,
    "performance.v1.semester.list" => feishu_perf::performance::v1::ListSemesterRequest,
    "performance.v1.stage_task.find_by_page" => feishu_perf::performance::v1::FindByPageStageTaskRequest,
    "performance.v1.stage_task.find_by_user_list" => feishu_perf::performance::v1::FindByUserListStageTaskRequest,
    "performance.v2.activity.query" => feishu_perf::performance::v2::QueryActivityRequest,
    "performance.v2.additional_information.import" => feishu_perf::performance::v2::ImportAdditionalInformationRequest,
    "performance.v2.additional_information.query" => feishu_perf::performance::v2::QueryAdditionalInformationRequest,
    "performance.v2.additional_informations_batch.delete" => feishu_perf::performance::v2::DeleteAdditionalInformationsBatchRequest,
    "performance.v2.indicator.query" => feishu_perf::performance::v2::QueryIndicatorRequest,
    "performance.v2.metric_detail.import" => feishu_perf::performance::v2::ImportMetricDetailRequest,
    "performance.v2.metric_detail.query" => feishu_perf::performance::v2::QueryMetricDetailRequest,
    "performance.v2.metric_field.query" => feishu_perf::performance::v2::QueryMetricFieldRequest,
    "performance.v2.metric_lib.query" => feishu_perf::performance::v2::QueryMetricLibRequest,
    "performance.v2.metric_tag.list" => feishu_perf::performance::v2::ListMetricTagRequest,
    "performance.v2.metric_template.query" => feishu_perf::performance::v2::QueryMetricTemplateRequest,
    "performance.v2.question.query" => feishu_perf::performance::v2::QueryQuestionRequest,
    "performance.v2.review_data.query" => feishu_perf::performance::v2::QueryReviewDataRequest,
    "performance.v2.review_template.query" => feishu_perf::performance::v2::QueryReviewTemplateRequest,
    "performance.v2.reviewee.query" => feishu_perf::performance::v2::QueryRevieweeRequest,
    "performance.v2.user_group_user_rel.write" => feishu_perf::performance::v2::WriteUserGroupUserRelRequest,
    "performance.v2.user_info.query" => feishu_perf::performance::v2::QueryUserInfoRequest,
}

#[derive(Debug, Default, Clone, Copy)]
struct Counts {
    /// Objects read by a generated struct.
    structs: usize,
    /// Objects kept as they are (a free-form value).
    free_form: usize,
    /// Members checked (absent, null, twice, wrong type).
    members: usize,
}

impl std::ops::AddAssign for Counts {
    fn add_assign(&mut self, other: Counts) {
        self.structs += other.structs;
        self.free_form += other.free_form;
        self.members += other.members;
    }
}

/// A step of a JSON path.
#[derive(Debug, Clone)]
enum Step {
    Key(String),
    Index(usize),
}

/// The path as `serde_path_to_error` writes it: `a.b[0].c`, `.` for the top.
fn path_text(path: &[Step]) -> String {
    if path.is_empty() {
        return ".".into();
    }
    let mut out = String::new();
    for step in path {
        match step {
            Step::Key(key) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(key);
            }
            Step::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

/// Every object in `value` (in the first item of an array), by path.
fn objects(value: &Value, path: &mut Vec<Step>, out: &mut Vec<Vec<Step>>) {
    match value {
        Value::Object(map) => {
            out.push(path.clone());
            for (key, member) in map {
                path.push(Step::Key(key.clone()));
                objects(member, path, out);
                path.pop();
            }
        }
        Value::Array(items) => {
            // The items of an array are of one type: the first stands for all.
            if let Some(item) = items.first() {
                path.push(Step::Index(0));
                objects(item, path, out);
                path.pop();
            }
        }
        _ => {}
    }
}

fn at<'a>(value: &'a Value, path: &[Step]) -> &'a Value {
    path.iter().fold(value, |v, step| match step {
        Step::Key(key) => &v[key.as_str()],
        Step::Index(i) => &v[*i],
    })
}

fn at_mut<'a>(value: &'a mut Value, path: &[Step]) -> &'a mut Map<String, Value> {
    let node = path.iter().fold(value, |v, step| match step {
        Step::Key(key) => &mut v[key.as_str()],
        Step::Index(i) => &mut v[*i],
    });
    node.as_object_mut().expect("an object")
}

/// `doc` as JSON text, with the object at `target` written as `members` (raw
/// `"key":value` pairs, which may repeat a key or hold text a `Value` cannot).
fn text_with(doc: &Value, target: &[Step], members: &[String]) -> String {
    const MARK: &str = "\"@@object under test@@\"";
    let mut marked = doc.clone();
    let mut placeholder = Value::String("@@object under test@@".into());
    match target.split_last() {
        None => return format!("{{{}}}", members.join(",")),
        Some((last, parent)) => {
            let parent = at_mut_value(&mut marked, parent);
            let slot = match last {
                Step::Key(key) => &mut parent[key.as_str()],
                Step::Index(i) => &mut parent[*i],
            };
            std::mem::swap(slot, &mut placeholder);
        }
    }
    let text = marked.to_string();
    assert_eq!(text.matches(MARK).count(), 1);
    text.replace(MARK, &format!("{{{}}}", members.join(",")))
}

fn at_mut_value<'a>(value: &'a mut Value, path: &[Step]) -> &'a mut Value {
    path.iter().fold(value, |v, step| match step {
        Step::Key(key) => &mut v[key.as_str()],
        Step::Index(i) => &mut v[*i],
    })
}

fn member(key: &str, value: &str) -> String {
    format!("{}:{value}", Value::String(key.into()))
}

/// The members of `map` as raw pairs.
fn members(map: &Map<String, Value>) -> Vec<String> {
    map.iter().map(|(k, v)| member(k, &v.to_string())).collect()
}

/// Reads `text` as `T` the way the client reads a response, and writes it back.
fn decode<T: DeserializeOwned + Serialize>(text: &str) -> Result<Value, (String, String)> {
    let mut de = serde_json::Deserializer::from_str(text);
    let typed: T = serde_path_to_error::deserialize(&mut de)
        .map_err(|e| (e.path().to_string(), e.into_inner().to_string()))?;
    de.end().map_err(|e| (".".into(), e.to_string()))?;
    Ok(serde_json::to_value(&typed).expect("a struct writes"))
}

/// A struct of no fields, derived: it skips every member, so a hostile member fails in
/// it as in a derived struct of the schema's fields.
#[derive(Debug, serde::Deserialize)]
struct Derived {}

/// Members that a struct skips; some of them are refused by `serde_json` itself.
fn hostile_members() -> Vec<String> {
    let deep = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
    vec![
        member("zz_deep", &deep(100)),
        member("zz_deep", &deep(200)),
        member(
            "zz_deep",
            &format!("{}1{}", "{\"a\":".repeat(10_000), "}".repeat(10_000)),
        ),
        member("zz_big", "123456789012345678901234567890123456789"),
        member("zz_big", "1e400"),
        member("zz_big", "-1e-400"),
        member("zz_escape", r#""\ud83d\ude00""#),
        member("zz_escape", r#""\ud800""#),
        member("zz_escape", r#""\udc00x""#),
        member("zz_escape", r#""\u00""#),
        member("zz_escape", "\"raw \u{1} control\""),
        r#""\ud800":1"#.into(),
        r#""\u0000":1"#.into(),
        member("zz_bytes", "\"\u{fffd}\u{10ffff}\""),
    ]
}

fn check<T: DeserializeOwned + Serialize>(what: &str, example: &Value) -> Counts {
    let doc = decode::<T>(&example.to_string())
        .unwrap_or_else(|e| panic!("{what}: the example does not decode: {e:?}"));
    let mut counts = Counts::default();
    let mut paths = Vec::new();
    objects(&doc, &mut Vec::new(), &mut paths);
    for path in paths {
        let here = path_text(&path);
        let node = at(&doc, &path).as_object().unwrap().clone();
        let all = members(&node);

        // A member it does not have: skipped by a struct, kept by a free-form value.
        let unknown = member("zz_undocumented", r#"{"a":[1,{"b":null}],"c":"d"}"#);
        let read = decode::<T>(&text_with(
            &doc,
            &path,
            &[all.clone(), vec![unknown]].concat(),
        ))
        .unwrap_or_else(|e| panic!("{what} {here}: an unknown member is refused: {e:?}"));
        if read == doc {
            counts.structs += 1;
        } else {
            let mut kept = doc.clone();
            at_mut(&mut kept, &path).insert(
                "zz_undocumented".into(),
                json!({"a":[1,{"b":null}],"c":"d"}),
            );
            assert_eq!(
                read, kept,
                "{what} {here}: an unknown member is neither skipped nor kept"
            );
            counts.free_form += 1;
            continue;
        }

        // Hostile skipped members, first in the object, as a derived struct reads them
        // (at the top of each example: what a struct skips does not depend on the struct).
        if path.is_empty() {
            for bad in hostile_members() {
                let text = format!(
                    "{{{}}}",
                    [vec![bad.clone()], all.clone()].concat().join(",")
                );
                let ours = decode::<T>(&text).map(|_| ()).map_err(|(_, e)| e);
                let derived = serde_json::from_str::<Derived>(&text)
                    .map(|_| ())
                    .map_err(|e| e.to_string());
                assert_eq!(ours, derived, "{what}: {bad:.80}");
            }
        }

        let member_path = |key: &str| {
            let mut p = path.clone();
            p.push(Step::Key(key.into()));
            path_text(&p)
        };
        for (key, value) in &node {
            counts.members += 1;
            let others: Vec<String> = members(&node)
                .into_iter()
                .zip(node.keys())
                .filter(|(_, k)| *k != key)
                .map(|(m, _)| m)
                .collect();
            let mut without = doc.clone();
            at_mut(&mut without, &path).remove(key);

            // Absent, and null.
            let absent = decode::<T>(&text_with(&doc, &path, &others));
            let null = decode::<T>(&text_with(
                &doc,
                &path,
                &[others.clone(), vec![member(key, "null")]].concat(),
            ));
            match (&absent, &null) {
                (Ok(absent), Ok(null)) => {
                    assert_eq!(absent, &without, "{what} {here}: `{key}` absent");
                    assert_eq!(null, &without, "{what} {here}: `{key}` null");
                }
                (Err((at_path, absent)), Err((null_path, null))) => {
                    assert_eq!(at_path, &here, "{what}: `{key}` absent");
                    assert!(
                        absent.starts_with(&format!("missing field `{key}`")),
                        "{what} {here}: {absent}"
                    );
                    assert_eq!(null_path, &member_path(key), "{what}: `{key}` null");
                    assert!(
                        null.starts_with("invalid type: null"),
                        "{what} {here}: {null}"
                    );
                }
                _ => panic!("{what} {here}: `{key}` absent {absent:?}, null {null:?}"),
            }

            // Twice, the same value both times.
            let twice = decode::<T>(&text_with(
                &doc,
                &path,
                &[all.clone(), vec![member(key, &value.to_string())]].concat(),
            ));
            match twice {
                Err((at_path, e)) => {
                    assert_eq!(at_path, here, "{what}: `{key}` twice");
                    assert!(
                        e.starts_with(&format!("duplicate field `{key}`")),
                        "{what} {here}: {e}"
                    );
                }
                Ok(_) => panic!("{what} {here}: `{key}` given twice is read"),
            }

            // A value of another JSON type.
            let wrong = match value {
                Value::Null => continue,
                Value::Bool(_) => "\"true\"",
                Value::Number(_) => "\"1\"",
                Value::String(_) => "true",
                Value::Array(_) => "{}",
                Value::Object(_) => "[]",
            };
            let mut with_wrong = all.clone();
            let i = node.keys().position(|k| k == key).unwrap();
            with_wrong[i] = member(key, wrong);
            match decode::<T>(&text_with(&doc, &path, &with_wrong)) {
                Err((at_path, e)) => {
                    assert_eq!(at_path, member_path(key), "{what}: `{key}` is {wrong}");
                    assert!(e.starts_with("invalid type: "), "{what} {here}: {e}");
                }
                Ok(read) => {
                    // Only a free-form member takes any JSON.
                    let mut kept = doc.clone();
                    at_mut(&mut kept, &path)
                        .insert(key.clone(), serde_json::from_str(wrong).unwrap());
                    assert_eq!(read, kept, "{what} {here}: `{key}` is {wrong}");
                }
            }
        }
    }
    counts
}

/// The `data` of a documented response.
fn data_of(response: &str) -> Value {
    let envelope: Value = serde_json::from_str(response).expect("the doc example is JSON");
    envelope.get("data").cloned().unwrap_or(json!({}))
}

#[test]
fn every_generated_struct_reads_and_writes_as_the_derive_did() {
    let ids: Vec<&str> = ENDPOINTS.iter().map(|(id, ..)| *id).collect();
    let registry: Vec<&str> = REGISTRY.iter().map(|e| e.id()).collect();
    assert_eq!(ids, registry, "the list of endpoints above is out of date");

    let mut counts = Counts::default();
    for (id, body, response) in ENDPOINTS {
        let entry = REGISTRY.iter().find(|e| e.id() == *id).unwrap();
        if let Some(example) = entry.examples.request_body {
            assert!(typed_body(id, &json!({})).is_some(), "{id}");
            counts += body(
                &format!("{id} request"),
                &serde_json::from_str(example).unwrap(),
            );
        }
        if let Some(example) = entry.examples.response {
            counts += response(&format!("{id} response"), &data_of(example));
        }
    }
    // The examples hold many objects and members; nearly all of them are structs.
    assert!(counts.structs > 150, "{counts:?}");
    assert!(counts.members > 800, "{counts:?}");
    assert!(counts.free_form < counts.structs / 10, "{counts:?}");
    println!("{counts:?}");
}
