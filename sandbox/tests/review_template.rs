//! `review_templates/query`: pagination walked end to end, filters, errors.

mod common;

use common::*;
use reqwest::Method;
use serde_json::{Value, json};

const PATH: &str = "/open-apis/performance/v2/review_templates/query";

async fn page(sandbox: &feishu_sandbox::Sandbox, token: &str, query: &str, body: Value) -> Reply {
    api(
        sandbox,
        token,
        Method::POST,
        &format!("{PATH}{query}"),
        body,
    )
    .await
}

#[tokio::test]
async fn walks_every_page_once() {
    let sandbox = start().await;
    let token = token(&sandbox).await;
    let mut seen = Vec::new();
    let mut sizes = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let query = match &next {
            Some(t) => format!("?page_token={t}"),
            None => String::new(),
        };
        let reply = page(&sandbox, &token, &query, json!({})).await;
        let data = reply.json()["data"].clone();
        let templates = data["review_templates"].as_array().unwrap();
        sizes.push(templates.len());
        seen.extend(
            templates
                .iter()
                .map(|t| t["review_template_id"].as_str().unwrap().to_owned()),
        );
        if data["has_more"] == true {
            next = Some(data["page_token"].as_str().unwrap().to_owned());
        } else {
            assert!(
                data.get("page_token").is_none(),
                "no page_token once has_more is false"
            );
            break;
        }
    }
    assert_eq!(sizes, [20, 20, 5], "default page size is 20");
    let mut unique = seen.clone();
    unique.dedup();
    assert_eq!(unique.len(), 45);

    let all = page(&sandbox, &token, "?page_size=50", json!({}))
        .await
        .json();
    assert_eq!(
        all["data"]["review_templates"].as_array().unwrap().len(),
        45
    );
    assert_eq!(all["data"]["has_more"], false);
}

#[tokio::test]
async fn filters_by_ids_and_keeps_undocumented_stage_types() {
    let sandbox = start().await;
    let token = token(&sandbox).await;
    let ids = json!({"review_template_ids": ["7343513161666707461", "7343513161666707459", "404"]});
    let data = page(&sandbox, &token, "", ids).await.json()["data"].clone();
    let templates = data["review_templates"].as_array().unwrap();
    assert_eq!(templates.len(), 2);
    assert_eq!(templates[1]["templates"][0]["stage_type"], "leader_review");
    assert_eq!(
        templates[1]["units"][0]["fields"][0]["objective_text_qustion_title"]["zh_cn"],
        "目标"
    );
}

#[tokio::test]
async fn bad_page_token_answers_1580107() {
    let sandbox = start().await;
    let token = token(&sandbox).await;
    assert_error(
        &page(&sandbox, &token, "?page_token=not-a-token", json!({})).await,
        400,
        1580107,
    );
}

#[tokio::test]
async fn out_of_range_page_size_or_ids_answer_1580102() {
    let sandbox = start().await;
    let token = token(&sandbox).await;
    assert_error(
        &page(&sandbox, &token, "?page_size=51", json!({})).await,
        400,
        1580102,
    );
    assert_error(
        &page(&sandbox, &token, "?page_size=-1", json!({})).await,
        400,
        1580102,
    );
    let ids: Vec<String> = (0..51).map(|i| i.to_string()).collect();
    assert_error(
        &page(&sandbox, &token, "", json!({"review_template_ids": ids})).await,
        400,
        1580102,
    );
}

#[tokio::test]
async fn page_size_zero_is_a_page_of_no_items_not_the_default() {
    // The page allows 0..=50 and says nothing more of 0: it is read as written.
    let sandbox = start().await;
    let token = token(&sandbox).await;
    let reply = page(&sandbox, &token, "?page_size=0", json!({})).await;
    assert_eq!(reply.code(), 0, "{}", reply.text);
    let data = &reply.json()["data"];
    assert_eq!(data["review_templates"].as_array().map(Vec::len), Some(0));
    assert_eq!(data["has_more"], true);
}

#[tokio::test]
async fn the_page_example_is_accepted_and_answers_in_its_shape() {
    let sandbox = start().await;
    let token = token(&sandbox).await;
    let reply = page(
        &sandbox,
        &token,
        "",
        example!("review_template.query.request"),
    )
    .await;
    assert_eq!(reply.code(), 0, "{}", reply.text);
    assert_eq!(
        reply.json()["data"]["review_templates"][0]["review_template_id"],
        "7343513161666707459"
    );
    assert_shape(&example!("review_template.query.response"), &reply.json());
}
