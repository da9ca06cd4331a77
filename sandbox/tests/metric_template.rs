//! `POST /open-apis/performance/v2/metric_templates/query`.

mod common;

use common::*;
use feishu_sandbox::seed::{ids::*, open_id};
use serde_json::json;

const PATH: &str = "/open-apis/performance/v2/metric_templates/query";

#[tokio::test]
async fn the_page_example_is_accepted_and_answers_in_its_shape() {
    let sandbox = start().await;
    let token = token(&sandbox).await;
    let reply = post(
        &sandbox,
        &token,
        PATH,
        example!("metric_template.query.request"),
    )
    .await;
    assert!(
        data(&reply)["items"].as_array().unwrap().is_empty(),
        "its id is enabled, not to_be_configured: and-ed"
    );
    let reply = post(
        &sandbox,
        &token,
        &format!("{PATH}?user_id_type=union_id"),
        json!({}),
    )
    .await;
    assert_shape(&example!("metric_template.query.response"), &reply.json());
    let data = data(&reply);
    assert_eq!(data["items"][0]["id"], METRIC_TEMPLATE);
    let metrics = data["items"][0]["metrics"].as_array().unwrap();
    assert_eq!(metrics.len(), 2);
    assert_eq!(
        metrics[0]["data_source_inputters"][0]["open_id"],
        open_id(1)
    );
    assert!(
        metrics[0]["data_source_inputters"][0]["user_id"]
            .as_str()
            .unwrap()
            .starts_with("on_")
    );
}

#[tokio::test]
async fn filters_and_errors() {
    let sandbox = start().await;
    let token = token(&sandbox).await;
    let drafts = data(
        &post(
            &sandbox,
            &token,
            PATH,
            json!({"status": "to_be_configured"}),
        )
        .await,
    );
    assert_eq!(drafts["items"].as_array().unwrap().len(), 1);
    assert_eq!(drafts["items"][0]["id"], METRIC_TEMPLATE_DRAFT);
    assert_error(
        &post(&sandbox, &token, PATH, json!({"status": "archived"})).await,
        400,
        1580102,
    );
    assert_error(
        &post(&sandbox, &token, &format!("{PATH}?page_size=0"), json!({})).await,
        400,
        1580102,
    );
    assert_error(
        &post(
            &sandbox,
            &token,
            &format!("{PATH}?page_token=00"),
            json!({}),
        )
        .await,
        400,
        1580107,
    );
}
