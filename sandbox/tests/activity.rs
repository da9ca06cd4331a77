//! `POST /open-apis/performance/v2/activity/query`.

mod common;

use common::*;
use feishu_sandbox::seed::ids::*;
use serde_json::json;

const PATH: &str = "/open-apis/performance/v2/activity/query";

fn ids(data: &serde_json::Value) -> Vec<&str> {
    data["activities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn the_page_example_is_accepted_and_answers_in_its_shape() {
    let sandbox = start().await;
    let token = token(&sandbox).await;
    let reply = post(&sandbox, &token, PATH, example!("activity.query.request")).await;
    data(&reply);
    let reply = post(&sandbox, &token, PATH, json!({"semester_ids": [SEMESTER]})).await;
    assert_eq!(ids(&data(&reply)), vec![ACTIVITY, ACTIVITY_METRICS]);
    assert_shape(&example!("activity.query.response"), &reply.json());
}

#[tokio::test]
async fn activity_ids_win_over_semester_ids_and_neither_answers_nothing() {
    let sandbox = start().await;
    let token = token(&sandbox).await;
    let both = json!({"semester_ids": [SEMESTER], "activity_ids": [ACTIVITY_2]});
    assert_eq!(
        ids(&data(&post(&sandbox, &token, PATH, both).await)),
        vec![ACTIVITY_2]
    );
    assert!(ids(&data(&post(&sandbox, &token, PATH, json!({})).await)).is_empty());
    let closed = data(
        &post(
            &sandbox,
            &token,
            PATH,
            json!({"semester_ids": [SEMESTER_CLOSED]}),
        )
        .await,
    );
    assert_eq!(closed["activities"][0]["progress"], "finished");
    assert_eq!(
        closed["activities"][0]["name"]["zh_cn"], "第三季度绩效评估",
        "v2 text is zh_cn/en_us"
    );
}

#[tokio::test]
async fn out_of_range_lists_answer_1580102() {
    let sandbox = start().await;
    let token = token(&sandbox).await;
    let eleven: Vec<String> = (0..11).map(|n| n.to_string()).collect();
    assert_error(
        &post(&sandbox, &token, PATH, json!({"semester_ids": eleven})).await,
        400,
        1580102,
    );
    let many: Vec<String> = (0..51).map(|n| n.to_string()).collect();
    assert_error(
        &post(&sandbox, &token, PATH, json!({"activity_ids": many})).await,
        400,
        1580102,
    );
    assert_error(
        &post(&sandbox, &token, PATH, json!({"activity_ids": [1]})).await,
        400,
        1580102,
    );
    assert_error(
        &post(
            &sandbox,
            &token,
            &format!("{PATH}?user_id_type=people_admin_id"),
            json!({}),
        )
        .await,
        400,
        1580102,
    );
}
