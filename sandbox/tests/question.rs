//! `POST /open-apis/performance/v2/questions/query`.

mod common;

use common::*;
use feishu_sandbox::seed::ids::*;
use serde_json::json;

const PATH: &str = "/open-apis/performance/v2/questions/query";

#[tokio::test]
async fn the_page_example_is_accepted_and_answers_in_its_shape() {
    let sandbox = start().await;
    let token = token(&sandbox).await;
    let reply = post(&sandbox, &token, PATH, example!("question.query.request")).await;
    assert_shape(&example!("question.query.response"), &reply.json());
    let data = data(&reply);
    assert_eq!(data["tag_based_questions"][0]["question_id"], QUESTION);
    assert_eq!(
        data["tag_based_questions"][0]["tag_items"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(data["has_more"], false);
}

#[tokio::test]
async fn errors() {
    let sandbox = start().await;
    let token = token(&sandbox).await;
    assert_error(
        &post(&sandbox, &token, &format!("{PATH}?page_size=-1"), json!({})).await,
        400,
        1580102,
    );
    assert_error(
        &post(
            &sandbox,
            &token,
            &format!("{PATH}?page_token=7a"),
            json!({}),
        )
        .await,
        400,
        1580107,
    );
    assert_error(
        &post(
            &sandbox,
            &token,
            PATH,
            json!({"tag_based_question_ids": [7]}),
        )
        .await,
        400,
        1580102,
    );
}
