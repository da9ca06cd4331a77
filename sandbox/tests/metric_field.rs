//! `POST /open-apis/performance/v2/metric_fields/query`.

mod common;

use common::*;
use feishu_sandbox::seed::ids::*;
use serde_json::json;

const PATH: &str = "/open-apis/performance/v2/metric_fields/query";

#[tokio::test]
async fn the_page_example_is_accepted_and_every_field_answers_in_its_shape() {
    let sandbox = start().await;
    let token = token(&sandbox).await;
    let reply = post(
        &sandbox,
        &token,
        PATH,
        example!("metric_field.query.request"),
    )
    .await;
    assert!(
        data(&reply)["items"].as_array().unwrap().is_empty(),
        "the example's id is not in the fixture"
    );
    let reply = post(&sandbox, &token, PATH, json!({})).await;
    assert_shape(&example!("metric_field.query.response"), &reply.json());
    let items = data(&reply)["items"].as_array().unwrap().clone();
    let type_of = |id: &str| items.iter().find(|f| f["field_id"] == id).unwrap()["type"].clone();
    assert_eq!(type_of(FIELD_NUMBER), "number");
    assert_eq!(type_of(FIELD_TEXT), "text");
    assert_eq!(type_of(FIELD_PERSON), "person");
    assert_eq!(type_of(FIELD_WEIGHT), "pencentage", "the page's spelling");
    let one = data(
        &post(
            &sandbox,
            &token,
            PATH,
            json!({"field_ids": [FIELD_WEIGHT_2]}),
        )
        .await,
    );
    assert_eq!(one["items"][0]["name"]["zh_cn"], "权重");
}

#[tokio::test]
async fn more_than_fifty_ids_answer_1580102() {
    let sandbox = start().await;
    let token = token(&sandbox).await;
    let many: Vec<String> = (0..51).map(|n| n.to_string()).collect();
    assert_error(
        &post(&sandbox, &token, PATH, json!({"field_ids": many})).await,
        400,
        1580102,
    );
    assert_error(
        &post(&sandbox, &token, PATH, json!({"field_ids": "x"})).await,
        400,
        1580102,
    );
}
