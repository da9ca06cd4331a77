//! The OKR metric-item PATCH.

mod common;

use common::*;
use feishu_sandbox::Seed;
use feishu_sandbox::seed::{ids::*, open_id};
use reqwest::Method;
use serde_json::{Value, json};

fn path(source: &str, table: &str, item: &str, query: &str) -> String {
    format!("/open-apis/okr/v1/metric_sources/{source}/tables/{table}/items/{item}{query}")
}

async fn patch(sandbox: &feishu_sandbox::Sandbox, token: &str, path: &str, body: Value) -> Reply {
    api(sandbox, token, Method::PATCH, path, body).await
}

#[tokio::test]
async fn updates_values_and_reports_who_and_when() {
    let sandbox = start().await;
    let token = token(&sandbox).await;
    let body = json!({"metric_initial_value": 1.0, "metric_target_value": 3.0, "metric_current_value": 2.0, "supported_user_id": open_id(3)});
    let reply = patch(
        &sandbox,
        &token,
        &path(OKR_SOURCE, OKR_TABLE, OKR_ITEM, ""),
        body,
    )
    .await;
    assert_eq!((reply.status, reply.code()), (200, 0), "{}", reply.text);
    let data = reply.json()["data"].clone();
    assert_eq!(data["metric_item_id"], OKR_ITEM);
    assert_eq!(
        (
            data["metric_initial_value"].as_f64(),
            data["metric_target_value"].as_f64(),
            data["metric_current_value"].as_f64()
        ),
        (Some(1.0), Some(3.0), Some(2.0))
    );
    assert_eq!(data["supported_user_id"], open_id(3).as_str());
    assert_eq!(data["updated_by"], open_id(0).as_str());
    assert!(
        data["updated_at"]
            .as_str()
            .unwrap()
            .parse::<u128>()
            .unwrap()
            > 1_663_145_941_129
    );
    assert_eq!(data["metric_unit"]["ja_jp"], "個");
    assert_eq!(sandbox.ledger().len(), 1);

    // Ids in and out follow user_id_type.
    let user = &Seed::fixture().users[4];
    let reply = patch(
        &sandbox,
        &token,
        &path(OKR_SOURCE, OKR_TABLE, OKR_ITEM, "?user_id_type=user_id"),
        json!({"supported_user_id": user.user_id}),
    )
    .await;
    assert_eq!(
        reply.json()["data"]["supported_user_id"],
        user.user_id.as_str()
    );
    assert_eq!(
        reply.json()["data"]["updated_by"],
        Seed::fixture().users[0].user_id.as_str()
    );
}

#[tokio::test]
async fn unknown_item_answers_1001004_with_http_200() {
    let sandbox = start().await;
    let token = token(&sandbox).await;
    assert_error(
        &patch(
            &sandbox,
            &token,
            &path(OKR_SOURCE, OKR_TABLE, "1", ""),
            json!({"metric_current_value": 1.0}),
        )
        .await,
        200,
        1001004,
    );
    assert_error(
        &patch(
            &sandbox,
            &token,
            &path("1", OKR_TABLE, OKR_ITEM, ""),
            json!({"metric_current_value": 1.0}),
        )
        .await,
        200,
        1001004,
    );
}

#[tokio::test]
async fn initial_value_equal_to_target_answers_1001006() {
    let sandbox = start().await;
    let token = token(&sandbox).await;
    let body = json!({"metric_initial_value": 5.0, "metric_target_value": 5.0});
    assert_error(
        &patch(
            &sandbox,
            &token,
            &path(OKR_SOURCE, OKR_TABLE, OKR_ITEM, ""),
            body,
        )
        .await,
        400,
        1001006,
    );
    assert!(sandbox.ledger().is_empty());
}

#[tokio::test]
async fn item_of_another_table_answers_1001007() {
    let sandbox = start().await;
    let token = token(&sandbox).await;
    assert_error(
        &patch(
            &sandbox,
            &token,
            &path(OKR_SOURCE, OKR_TABLE_2, OKR_ITEM, ""),
            json!({"metric_current_value": 1.0}),
        )
        .await,
        400,
        1001007,
    );
}

#[tokio::test]
async fn bad_parameters_answer_1001001() {
    let sandbox = start().await;
    let token = token(&sandbox).await;
    let item = path(OKR_SOURCE, OKR_TABLE, OKR_ITEM, "");
    assert_error(
        &patch(
            &sandbox,
            &token,
            &item,
            json!({"metric_current_value": "2"}),
        )
        .await,
        200,
        1001001,
    );
    let people_admin = path(
        OKR_SOURCE,
        OKR_TABLE,
        OKR_ITEM,
        "?user_id_type=people_admin_id",
    );
    assert_error(
        &patch(
            &sandbox,
            &token,
            &people_admin,
            json!({"metric_current_value": 2.0}),
        )
        .await,
        200,
        1001001,
    );
    assert_error(
        &patch(
            &sandbox,
            &token,
            &item,
            json!({"supported_user_id": "ou_nobody"}),
        )
        .await,
        200,
        1001003,
    );
}

#[tokio::test]
async fn internal_errors_are_the_okr_pages_own_codes() {
    let sandbox = start().await;
    let token = token(&sandbox).await;
    sandbox.set_faults("500,exception").unwrap();
    let item = path(OKR_SOURCE, OKR_TABLE, OKR_ITEM, "");
    let body = json!({"metric_current_value": 2.0});
    assert_error(
        &patch(&sandbox, &token, &item, body.clone()).await,
        500,
        1009999,
    );
    assert_error(
        &patch(&sandbox, &token, &item, body.clone()).await,
        500,
        1009998,
    );
    assert!(
        sandbox.ledger().is_empty(),
        "an internal error applies nothing"
    );
    assert_eq!(patch(&sandbox, &token, &item, body).await.code(), 0);
}

#[tokio::test]
async fn supported_user_id_is_not_tied_to_user_id_type() {
    let sandbox = start().await;
    let token = token(&sandbox).await;
    let item = path(OKR_SOURCE, OKR_TABLE, OKR_ITEM, "?user_id_type=");
    // The page's own example: an all-digit id, with user_id_type empty.
    let reply = patch(
        &sandbox,
        &token,
        &item,
        json!({"metric_initial_value": 1.0, "metric_target_value": 3.0, "metric_current_value": 2.0, "supported_user_id": "7041857032248410131"}),
    )
    .await;
    assert_eq!((reply.status, reply.code()), (200, 0), "{}", reply.text);
    assert_eq!(
        reply.json()["data"]["supported_user_id"],
        "7041857032248410131"
    );
    // A user_id under the default open_id is still found.
    let user = &Seed::fixture().users[4];
    let reply = patch(
        &sandbox,
        &token,
        &item,
        json!({"supported_user_id": user.user_id}),
    )
    .await;
    assert_eq!(
        reply.json()["data"]["supported_user_id"],
        open_id(4).as_str()
    );
}
