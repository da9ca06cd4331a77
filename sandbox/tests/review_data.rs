//! `POST /open-apis/performance/v2/review_datas/query` and its v1 predecessor.

mod common;

use common::*;
use feishu_sandbox::Seed;
use feishu_sandbox::seed::{ids::*, open_id};
use serde_json::{Value, json};

const V2: &str = "/open-apis/performance/v2/review_datas/query";
const V1: &str = "/open-apis/performance/v1/review_datas/query";

fn stage_types(data: &Value) -> Vec<&str> {
    data["datas"][0]["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["stage_type"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn the_page_examples_are_accepted_and_answer_in_their_shape() {
    let sandbox = start().await;
    let token = token(&sandbox).await;
    let reply = post(
        &sandbox,
        &token,
        V2,
        example!("review_data.query.v2.request"),
    )
    .await;
    let v2 = data(&reply);
    assert_eq!(v2["datas"][0]["user_id"]["open_id"], open_id(0));
    assert!(
        v2["datas"][0]["stages"][0]["records"]
            .as_array()
            .unwrap()
            .is_empty(),
        "stage_ids wins over stage_types; its records are done (3), the example asks for 1"
    );
    let all_v2 = post(&sandbox, &token, V2, json!({"semester_ids": [SEMESTER_EXAMPLE], "reviewee_user_ids": [open_id(0)], "stage_types": ["review", "leader_review", "communication_and_open_result"], "need_leader_review_data_source": true})).await;
    assert_shape(&example!("review_data.query.v2.response"), &all_v2.json());

    let reply = post(
        &sandbox,
        &token,
        V1,
        example!("review_data.query.v1.request"),
    )
    .await;
    let v1 = data(&reply);
    assert_eq!(
        stage_types(&v1),
        vec!["leader_review", "communication_and_open_result"]
    );
    assert_eq!(
        v1["semesters"][0]["name"]["zh-CN"], "2024 全年绩效周期",
        "v1 text is zh-CN/en-US"
    );
    assert_eq!(
        v1["indicators"][0]["options"][0]["label"], "S",
        "v1 spells it label"
    );
    assert_shape(&example!("review_data.query.v1.response"), &reply.json());
}

#[tokio::test]
async fn v2_filters_stages_roles_progress_and_time() {
    let sandbox = start().await;
    let token = token(&sandbox).await;
    let ask = |extra: Value| {
        let mut body =
            json!({"semester_ids": [SEMESTER], "reviewee_user_ids": ["u00001", "u00003"]});
        for (k, v) in extra.as_object().unwrap() {
            body[k] = v.clone();
        }
        body
    };
    let path = format!("{V2}?user_id_type=user_id");
    let none = data(&post(&sandbox, &token, &path, ask(json!({}))).await);
    assert_eq!(none["datas"].as_array().unwrap().len(), 2);
    assert!(
        none["datas"][0]["stages"].as_array().unwrap().is_empty(),
        "neither stage_types nor stage_ids: no stage data"
    );
    assert_eq!(none["datas"][0]["user_id"]["user_id"], "u00001");

    let reviews = data(
        &post(
            &sandbox,
            &token,
            &path,
            ask(json!({"stage_types": ["review"], "review_stage_roles": ["solid_line_leader"]})),
        )
        .await,
    );
    let stages = reviews["datas"][0]["stages"].as_array().unwrap();
    assert_eq!(stages.len(), 1);
    assert_eq!(stages[0]["review_stage_role"], "solid_line_leader");
    let reviewer = &stages[0]["records"][0]["units"][0]["data"][0]["reviewer_user_id"];
    assert_eq!(reviewer["user_id"], format!("u{:05}", Seed::REVIEWEES));

    let leader = data(
        &post(
            &sandbox,
            &token,
            &path,
            ask(json!({"stage_types": ["leader_review"]})),
        )
        .await,
    );
    let detail = &leader["datas"][0]["stages"][0]["records"][0]["units"][0]["data"][0];
    assert!(
        detail.get("leader_review_data_source").is_none(),
        "only when asked for"
    );
    assert_eq!(detail["indicator_id"], INDICATOR);

    let waiting = data(
        &post(
            &sandbox,
            &token,
            &path,
            ask(json!({"stage_types": ["communication_and_open_result"], "stage_progresses": [1]})),
        )
        .await,
    );
    let records = |i: usize| {
        waiting["datas"][i]["stages"][0]["records"]
            .as_array()
            .unwrap()
            .len()
    };
    assert_eq!(
        (records(0), records(1)),
        (1, 1),
        "odd reviewees have not finished the result talk"
    );
    let later = data(
        &post(
            &sandbox,
            &token,
            &path,
            ask(json!({"stage_types": ["leader_review"], "updated_later_than": "1795996800000"})),
        )
        .await,
    );
    assert!(
        later["datas"][0]["stages"][0]["records"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn v1_picks_semesters_by_list_or_time_range() {
    let sandbox = start().await;
    let token = token(&sandbox).await;
    let body = json!({"start_time": "1782864000000", "end_time": "1798761599999", "stage_types": [], "reviewee_user_id_list": [open_id(2)]});
    let by_time = data(&post(&sandbox, &token, V1, body).await);
    assert_eq!(by_time["datas"].as_array().unwrap().len(), 1);
    assert_eq!(by_time["datas"][0]["semester_id"], SEMESTER);
    assert_eq!(
        stage_types(&by_time),
        vec!["leader_review", "communication_and_open_result"]
    );
    let data_item = &by_time["datas"][0]["stages"][0]["data"][0];
    assert_eq!(data_item["template_id"], "6982759008789366313");
    assert_eq!(data_item["unit_id"], "6982759009396508196");
    let empty_types = json!({"start_time": "0", "end_time": "0", "semester_id_list": [SEMESTER], "stage_types": [], "reviewee_user_id_list": [open_id(2)]});
    assert_eq!(
        stage_types(&data(&post(&sandbox, &token, V1, empty_types).await)).len(),
        2,
        "an empty list: every stage"
    );
}

#[tokio::test]
async fn malformed_requests_answer_1580102() {
    let sandbox = start().await;
    let token = token(&sandbox).await;
    let eleven: Vec<String> = (0..11).map(open_id).collect();
    for body in [
        json!({"reviewee_user_ids": [open_id(0)]}),
        json!({"semester_ids": [SEMESTER]}),
        json!({"semester_ids": [SEMESTER], "reviewee_user_ids": eleven}),
        json!({"semester_ids": [SEMESTER], "reviewee_user_ids": [], "stage_types": ["calibration"]}),
        json!({"semester_ids": [SEMESTER], "reviewee_user_ids": [], "review_stage_roles": ["boss"]}),
        json!({"semester_ids": [SEMESTER], "reviewee_user_ids": [], "stage_progresses": [5]}),
        json!({"semester_ids": [SEMESTER], "reviewee_user_ids": [], "need_leader_review_data_source": "yes"}),
    ] {
        assert_error(&post(&sandbox, &token, V2, body).await, 400, 1580102);
    }
    for body in [
        json!({"end_time": "1", "reviewee_user_id_list": []}),
        json!({"start_time": "1", "end_time": "1"}),
        json!({"start_time": "x", "end_time": "1", "reviewee_user_id_list": []}),
        json!({"start_time": "1", "end_time": "1", "reviewee_user_id_list": [], "stage_types": ["review"]}),
        // The schema's decision: `stage_types` is required (its column), not
        // left out to mean every stage (its description).
        json!({"start_time": "1", "end_time": "1", "reviewee_user_id_list": []}),
        json!({"start_time": "1", "end_time": "1", "reviewee_user_id_list": [], "stage_progress": [9]}),
    ] {
        assert_error(&post(&sandbox, &token, V1, body).await, 400, 1580102);
    }
}
