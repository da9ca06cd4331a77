//! `additional_informations/import`: the documented create-or-update order
//! and every error.

mod common;

use common::*;
use feishu_sandbox::Seed;
use feishu_sandbox::seed::{ids::*, open_id};
use reqwest::Method;
use serde_json::{Value, json};

const PATH: &str = "/open-apis/performance/v2/additional_informations/import";

fn item(reviewee: &str, text: &str) -> Value {
    json!({"reviewee_user_id": reviewee, "item": text, "time": "2024-03-12", "detailed_description": format!("{text} 的描述")})
}

async fn import(
    sandbox: &feishu_sandbox::Sandbox,
    token: &str,
    client_token: &str,
    items: Vec<Value>,
) -> Reply {
    let body = json!({"semester_id": SEMESTER_2, "additional_informations": items, "import_record_name": "测试"});
    api(
        sandbox,
        token,
        Method::POST,
        &format!("{PATH}?client_token={client_token}"),
        body,
    )
    .await
}

fn items_of(reply: &Reply) -> Vec<Value> {
    assert_eq!(reply.code(), 0, "{}", reply.text);
    reply.json()["data"]["additional_informations"]
        .as_array()
        .unwrap()
        .clone()
}

async fn expect(items: Vec<Value>, code: i64) {
    let sandbox = start().await;
    let token = token(&sandbox).await;
    assert_error(&import(&sandbox, &token, "c", items).await, 400, code);
    assert!(sandbox.ledger().is_empty());
}

#[tokio::test]
async fn creates_then_updates_by_item_id_external_id_and_content() {
    let sandbox = start().await;
    let token = token(&sandbox).await;
    let mut with_external = item(&open_id(1), "销售额");
    with_external["external_id"] = json!("ext-1");
    let created = items_of(
        &import(
            &sandbox,
            &token,
            "1",
            vec![with_external, item(&open_id(2), "客户满意度")],
        )
        .await,
    );
    assert_eq!(created.len(), 2);
    let (id_a, id_b) = (
        created[0]["item_id"].as_str().unwrap(),
        created[1]["item_id"].as_str().unwrap(),
    );
    assert_ne!(id_a, id_b);
    assert_eq!(created[0]["external_id"], "ext-1");
    assert_eq!(
        created[1]["external_id"], "",
        "an item imported without external_id returns it empty"
    );

    // 1. item_id wins.
    let mut by_id = item(&open_id(1), "销售额（修订）");
    by_id["item_id"] = json!(id_a);
    assert_eq!(
        items_of(&import(&sandbox, &token, "2", vec![by_id]).await)[0]["item_id"],
        id_a
    );
    // 2. then external_id.
    let mut by_external = item(&open_id(1), "销售额（再修订）");
    by_external["external_id"] = json!("ext-1");
    let updated = items_of(&import(&sandbox, &token, "3", vec![by_external]).await);
    assert_eq!(
        (updated[0]["item_id"].as_str(), updated[0]["item"].as_str()),
        (Some(id_a), Some("销售额（再修订）"))
    );
    // 3. then the exact (reviewee, item, time, description) combination.
    assert_eq!(
        items_of(&import(&sandbox, &token, "4", vec![item(&open_id(2), "客户满意度")]).await)[0]["item_id"],
        id_b
    );
    // 4. else a new item.
    let new = items_of(&import(&sandbox, &token, "5", vec![item(&open_id(2), "新事项")]).await);
    assert!(new[0]["item_id"] != id_a && new[0]["item_id"] != id_b);
    assert_eq!(sandbox.ledger().len(), 5);
}

#[tokio::test]
async fn reviewee_ids_follow_user_id_type() {
    let sandbox = start().await;
    let token = token(&sandbox).await;
    let user = &Seed::fixture().users[7];
    let body =
        json!({"semester_id": SEMESTER_2, "additional_informations": [item(&user.union_id, "x")]});
    let reply = api(
        &sandbox,
        &token,
        Method::POST,
        &format!("{PATH}?client_token=u&user_id_type=union_id"),
        body,
    )
    .await;
    assert_eq!(
        items_of(&reply)[0]["reviewee_user_id"],
        user.union_id.as_str()
    );
    assert_eq!(
        sandbox.ledger()[0].rows[0]["reviewee"],
        user.open_id.as_str()
    );
}

#[tokio::test]
async fn unknown_semester_answers_1580105() {
    let sandbox = start().await;
    let token = token(&sandbox).await;
    let body = json!({"semester_id": "1", "additional_informations": [item(&open_id(1), "x")]});
    assert_error(
        &api(
            &sandbox,
            &token,
            Method::POST,
            &format!("{PATH}?client_token=a"),
            body,
        )
        .await,
        400,
        1580105,
    );
}

#[tokio::test]
async fn unknown_reviewee_answers_1580111() {
    expect(vec![item("ou_nobody", "x")], 1580111).await;
}

#[tokio::test]
async fn repeated_client_token_answers_1580110() {
    let sandbox = start().await;
    let token = token(&sandbox).await;
    assert_eq!(
        import(&sandbox, &token, "dup", vec![item(&open_id(1), "x")])
            .await
            .code(),
        0
    );
    assert_error(
        &import(&sandbox, &token, "dup", vec![item(&open_id(1), "y")]).await,
        400,
        1580110,
    );
    assert_eq!(sandbox.ledger().len(), 1);
}

#[tokio::test]
async fn reviewee_outside_the_apps_scope_answers_1580112() {
    expect(vec![item(&open_id(Seed::OUT_OF_SCOPE.start), "x")], 1580112).await;
}

#[tokio::test]
async fn unknown_item_id_answers_1580201() {
    let mut x = item(&open_id(1), "x");
    x["item_id"] = json!("42");
    expect(vec![x], 1580201).await;
}

#[tokio::test]
async fn repeated_external_id_in_a_request_answers_1580202() {
    let (mut a, mut b) = (item(&open_id(1), "a"), item(&open_id(2), "b"));
    a["external_id"] = json!("e");
    b["external_id"] = json!("e");
    expect(vec![a, b], 1580202).await;
}

#[tokio::test]
async fn repeated_item_id_in_a_request_answers_1580203() {
    let (mut a, mut b) = (item(&open_id(1), "a"), item(&open_id(2), "b"));
    a["item_id"] = json!("1");
    b["item_id"] = json!("1");
    expect(vec![a, b], 1580203).await;
}

#[tokio::test]
async fn external_id_bound_to_another_item_answers_1580204() {
    let sandbox = start().await;
    let token = token(&sandbox).await;
    let mut first = item(&open_id(1), "a");
    first["external_id"] = json!("bound");
    items_of(&import(&sandbox, &token, "1", vec![first]).await);
    let other = items_of(&import(&sandbox, &token, "2", vec![item(&open_id(2), "b")]).await);
    let mut steal = item(&open_id(2), "b");
    steal["item_id"] = other[0]["item_id"].clone();
    steal["external_id"] = json!("bound");
    assert_error(
        &import(&sandbox, &token, "3", vec![steal]).await,
        400,
        1580204,
    );
    assert_eq!(sandbox.ledger().len(), 2);
}

#[tokio::test]
async fn lengths_out_of_range_answer_1580102() {
    let mut long = item(&open_id(1), "x");
    long["time"] = json!("9".repeat(101));
    expect(vec![long], 1580102).await;
    expect(vec![], 1580102).await;
}

#[tokio::test]
async fn the_page_example_updates_the_item_it_names_and_answers_in_its_shape() {
    let sandbox = start().await;
    let token = token(&sandbox).await;
    let reply = api(
        &sandbox,
        &token,
        Method::POST,
        &format!("{PATH}?client_token=example"),
        example!("additional_information.import.request"),
    )
    .await;
    assert_eq!(reply.code(), 0, "{}", reply.text);
    assert_shape(
        &example!("additional_information.import.response"),
        &reply.json(),
    );
    let items = items_of(&reply);
    assert_eq!(items[0]["item_id"], INFO_ITEM_IMPORTED);
    assert_eq!(items[0]["external_id"], "6789523104723558912");
}
