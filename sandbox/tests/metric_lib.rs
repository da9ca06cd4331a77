//! `POST /open-apis/performance/v2/metric_libs/query`.

mod common;

use common::*;
use feishu_sandbox::seed::{ids::*, open_id};
use serde_json::json;

const PATH: &str = "/open-apis/performance/v2/metric_libs/query";

fn ids(data: &serde_json::Value) -> Vec<&str> {
    data["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["metric_id"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn the_page_example_is_accepted_and_answers_in_its_shape() {
    let sandbox = start().await;
    let token = token(&sandbox).await;
    let reply = post(&sandbox, &token, PATH, example!("metric_lib.query.request")).await;
    assert_eq!(ids(&data(&reply)), vec![METRIC]);
    assert_shape(&example!("metric_lib.query.response"), &reply.json());
    let all = post(
        &sandbox,
        &token,
        &format!("{PATH}?user_id_type=user_id"),
        json!({}),
    )
    .await;
    assert_shape(&example!("metric_lib.query.response"), &all.json());
    let data = data(&all);
    assert_eq!(
        ids(&data),
        vec![METRIC, METRIC_2, METRIC_OLD, METRIC_UNASSIGNED]
    );
    assert_eq!(
        data["items"][0]["data_source_inputters"][0],
        json!({"open_id": open_id(1), "user_id": "u00001"})
    );
    let fields: Vec<&str> = data["items"][0]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field_id"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        vec![
            FIELD_NUMBER,
            FIELD_TEXT,
            FIELD_PERSON,
            FIELD_WEIGHT,
            FIELD_REQUIRED
        ]
    );
}

#[tokio::test]
async fn filters_and_pages() {
    let sandbox = start().await;
    let token = token(&sandbox).await;
    assert_eq!(
        ids(&data(
            &post(&sandbox, &token, PATH, json!({"is_active": false})).await
        )),
        vec![METRIC_OLD]
    );
    assert_eq!(
        ids(&data(
            &post(&sandbox, &token, PATH, json!({"tag_ids": [TAG_2]})).await
        )),
        vec![METRIC_2, METRIC_UNASSIGNED]
    );
    assert_eq!(
        ids(&data(
            &post(
                &sandbox,
                &token,
                PATH,
                json!({"scoring_setting_type": "score_by_formula"})
            )
            .await
        )),
        vec![METRIC_UNASSIGNED]
    );
    let first = data(&post(&sandbox, &token, &format!("{PATH}?page_size=3"), json!({})).await);
    assert_eq!(first["has_more"], true);
    let token_2 = first["page_token"].as_str().unwrap();
    let second = data(
        &post(
            &sandbox,
            &token,
            &format!("{PATH}?page_size=3&page_token={token_2}"),
            json!({}),
        )
        .await,
    );
    assert_eq!(ids(&second), vec![METRIC_UNASSIGNED]);
    assert_eq!(second["has_more"], false);
}

#[tokio::test]
async fn documented_errors() {
    let sandbox = start().await;
    let token = token(&sandbox).await;
    assert_page_errors(&sandbox, &token, PATH, json!({})).await;
    assert_error(
        &post(&sandbox, &token, PATH, json!({"is_active": "yes"})).await,
        400,
        1580102,
    );
    assert_error(
        &post(
            &sandbox,
            &token,
            PATH,
            json!({"range_of_availability": "everyone"}),
        )
        .await,
        400,
        1580102,
    );
    let hundred: Vec<String> = (0..100).map(|n| n.to_string()).collect();
    assert_error(
        &post(&sandbox, &token, PATH, json!({"tag_ids": hundred})).await,
        400,
        1580102,
    );
}
