//! `POST /open-apis/performance/v2/indicators/query`.

mod common;

use common::*;
use feishu_sandbox::seed::ids::*;
use serde_json::json;

const PATH: &str = "/open-apis/performance/v2/indicators/query";

#[tokio::test]
async fn the_page_example_is_accepted_and_answers_in_its_shape() {
    let sandbox = start().await;
    let token = token(&sandbox).await;
    let reply = post(&sandbox, &token, PATH, example!("indicator.query.request")).await;
    assert_shape(&example!("indicator.query.response"), &reply.json());
    let data = data(&reply);
    assert_eq!(data["indicators"][0]["id"], INDICATOR);
    assert_eq!(
        data["indicators"][0]["options"][0]["lable"], "S",
        "the page's spelling"
    );
}

#[tokio::test]
async fn pages_and_errors() {
    let sandbox = start().await;
    let token = token(&sandbox).await;
    let first = data(&post(&sandbox, &token, &format!("{PATH}?page_size=2"), json!({})).await);
    assert_eq!(first["indicators"].as_array().unwrap().len(), 2);
    let next = first["page_token"].as_str().unwrap();
    let rest = data(
        &post(
            &sandbox,
            &token,
            &format!("{PATH}?page_size=50&page_token={next}"),
            json!({}),
        )
        .await,
    );
    assert_eq!(rest["indicators"].as_array().unwrap().len(), 3);
    assert_eq!(rest["has_more"], false);
    assert_page_errors(&sandbox, &token, PATH, json!({})).await;
    let many: Vec<String> = (0..51).map(|n| n.to_string()).collect();
    assert_error(
        &post(&sandbox, &token, PATH, json!({"indicator_ids": many})).await,
        400,
        1580102,
    );
}
