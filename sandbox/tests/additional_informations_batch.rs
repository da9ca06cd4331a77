//! `additional_informations/query` and the batch DELETE, and how they agree
//! with the import: the query returns what the import created and the
//! DELETE did not remove.

mod common;

use common::*;
use feishu_sandbox::Seed;
use feishu_sandbox::seed::{ids::*, open_id};
use reqwest::Method;
use serde_json::{Value, json};

const IMPORT: &str = "/open-apis/performance/v2/additional_informations/import";
const QUERY: &str = "/open-apis/performance/v2/additional_informations/query";
const DELETE: &str = "/open-apis/performance/v2/additional_informations/batch";

async fn delete(sandbox: &feishu_sandbox::Sandbox, token: &str, body: Value) -> Reply {
    api(sandbox, token, Method::DELETE, DELETE, body).await
}

async fn query_all(sandbox: &feishu_sandbox::Sandbox, token: &str, body: Value) -> Vec<Value> {
    post_all_pages(sandbox, token, QUERY, 2, "additional_informations", body).await
}

fn ids(items: &[Value]) -> Vec<String> {
    items
        .iter()
        .map(|i| i["item_id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn the_page_examples_are_accepted_and_answer_in_their_shape() {
    let sandbox = start().await;
    let token = token(&sandbox).await;
    let reply = post(
        &sandbox,
        &token,
        QUERY,
        example!("additional_information.query.request"),
    )
    .await;
    assert_eq!(
        ids(data(&reply)["additional_informations"].as_array().unwrap()),
        vec![INFO_ITEM]
    );
    assert_eq!(
        reply.json(),
        {
            let mut expected = example!("additional_information.query.response");
            expected["data"]["has_more"] = json!(false);
            // The import example's item holds the external id (see the seed).
            expected["data"]["additional_informations"][0]["external_id"] = json!("");
            expected["data"]
                .as_object_mut()
                .unwrap()
                .remove("page_token");
            expected
        },
        "the fixture holds the example's item"
    );
    let reply = delete(
        &sandbox,
        &token,
        example!("additional_informations_batch.delete.request"),
    )
    .await;
    assert_eq!(
        reply.json(),
        example!("additional_informations_batch.delete.response")
    );
    assert_eq!(
        ids(&query_all(&sandbox, &token, json!({"semester_id": SEMESTER_2})).await),
        vec![INFO_ITEM_IMPORTED],
        "the deleted item is gone, the other stays"
    );
}

#[tokio::test]
async fn query_returns_what_import_created_and_delete_did_not_remove() {
    let sandbox = start().await;
    let token = token(&sandbox).await;
    let items: Vec<Value> = (1..=5)
        .map(|n| json!({"reviewee_user_id": open_id(n % 2 + 1), "item": format!("事项 {n}"), "time": "2026-11", "detailed_description": format!("描述 {n}"), "external_id": format!("ext-{n}")}))
        .collect();
    let reply = post(
        &sandbox,
        &token,
        &format!("{IMPORT}?client_token=a"),
        json!({"semester_id": SEMESTER_2, "additional_informations": items}),
    )
    .await;
    let created = data(&reply)["additional_informations"]
        .as_array()
        .unwrap()
        .clone();
    let all = query_all(&sandbox, &token, json!({"semester_id": SEMESTER_2})).await;
    assert_eq!(
        all.len(),
        7,
        "the examples' two items and the five imported"
    );
    for c in &created {
        let found = all
            .iter()
            .find(|a| a["item_id"] == c["item_id"])
            .expect("listed");
        assert_eq!(found, c, "as the import answered");
    }
    // Filters: item_ids > external_ids > reviewee_user_ids.
    let first = created[0]["item_id"].as_str().unwrap();
    let by_id = query_all(
        &sandbox,
        &token,
        json!({"semester_id": SEMESTER_2, "item_ids": [first], "external_ids": ["ext-2"]}),
    )
    .await;
    assert_eq!(ids(&by_id), vec![first]);
    let by_external = query_all(&sandbox, &token, json!({"semester_id": SEMESTER_2, "external_ids": ["ext-2", "ext-3"], "reviewee_user_ids": [open_id(0)]})).await;
    assert_eq!(by_external.len(), 2);
    let by_user = query_all(
        &sandbox,
        &token,
        json!({"semester_id": SEMESTER_2, "reviewee_user_ids": ["u00001"]}),
    )
    .await;
    assert!(by_user.is_empty(), "u00001 is no open_id");
    let as_user_id = post(
        &sandbox,
        &token,
        &format!("{QUERY}?user_id_type=user_id"),
        json!({"semester_id": SEMESTER_2, "reviewee_user_ids": ["u00002"]}),
    )
    .await;
    let as_user_id = data(&as_user_id);
    assert_eq!(
        as_user_id["additional_informations"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    assert_eq!(
        as_user_id["additional_informations"][0]["reviewee_user_id"],
        "u00002"
    );

    // Delete two (one named twice), then the query no longer lists them.
    let gone = [created[1]["item_id"].clone(), created[3]["item_id"].clone()];
    let reply = delete(
        &sandbox,
        &token,
        json!({"semester_id": SEMESTER_2, "additional_informations": [gone[0], gone[1], gone[0]]}),
    )
    .await;
    assert_eq!(data(&reply)["additional_informations"], json!(gone));
    let left = query_all(&sandbox, &token, json!({"semester_id": SEMESTER_2})).await;
    assert_eq!(left.len(), 5);
    assert!(left.iter().all(|l| !gone.contains(&l["item_id"])));
    let ledger = sandbox.ledger();
    let last = ledger.last().unwrap();
    assert_eq!(
        last.endpoint,
        "performance.v2.additional_informations_batch.delete"
    );
    assert_eq!(last.rows.len(), 2);
    // Deleted means gone: a second DELETE of the same id answers 1580201.
    assert_error(
        &delete(
            &sandbox,
            &token,
            json!({"semester_id": SEMESTER_2, "additional_informations": [gone[0]]}),
        )
        .await,
        400,
        1580201,
    );
}

#[tokio::test]
async fn delete_is_all_or_nothing_with_its_documented_codes() {
    let sandbox = start().await;
    let token = token(&sandbox).await;
    let outside = open_id(Seed::OUT_OF_SCOPE.start);
    assert_error(
        &delete(
            &sandbox,
            &token,
            json!({"semester_id": "404", "additional_informations": [INFO_ITEM]}),
        )
        .await,
        400,
        1580103,
    );
    assert_error(
        &delete(
            &sandbox,
            &token,
            json!({"semester_id": SEMESTER_2, "additional_informations": [INFO_ITEM, "404"]}),
        )
        .await,
        400,
        1580201,
    );
    assert_error(
        &delete(
            &sandbox,
            &token,
            json!({"semester_id": SEMESTER, "additional_informations": [INFO_ITEM]}),
        )
        .await,
        400,
        1580201,
    );
    assert_error(
        &delete(
            &sandbox,
            &token,
            json!({"semester_id": SEMESTER_2, "additional_informations": []}),
        )
        .await,
        400,
        1580102,
    );
    let hundred_one: Vec<String> = (0..101).map(|n| n.to_string()).collect();
    assert_error(
        &delete(
            &sandbox,
            &token,
            json!({"semester_id": SEMESTER_2, "additional_informations": hundred_one}),
        )
        .await,
        400,
        1580102,
    );
    assert_error(
        &delete(
            &sandbox,
            &token,
            json!({"semester_id": "", "additional_informations": [INFO_ITEM]}),
        )
        .await,
        400,
        1580102,
    );
    assert_eq!(
        query_all(&sandbox, &token, json!({"semester_id": SEMESTER_2}))
            .await
            .len(),
        2,
        "nothing deleted"
    );
    assert!(sandbox.ledger().is_empty());

    // An item of a reviewee outside the app's data scope, made by the store app (no scope limits).
    let store = store_token(&sandbox).await;
    let item =
        json!({"reviewee_user_id": outside, "item": "x", "time": "t", "detailed_description": "d"});
    let reply = post(
        &sandbox,
        &store,
        &format!("{IMPORT}?client_token=s"),
        json!({"semester_id": SEMESTER_2, "additional_informations": [item]}),
    )
    .await;
    let id = data(&reply)["additional_informations"][0]["item_id"].clone();
    assert_error(
        &delete(
            &sandbox,
            &token,
            json!({"semester_id": SEMESTER_2, "additional_informations": [id]}),
        )
        .await,
        400,
        1580112,
    );
    assert_eq!(
        query_all(&sandbox, &token, json!({"semester_id": SEMESTER_2}))
            .await
            .len(),
        2,
        "not visible to the app either"
    );
    assert_eq!(
        query_all(&sandbox, &store, json!({"semester_id": SEMESTER_2}))
            .await
            .len(),
        3
    );
}

#[tokio::test]
async fn query_errors() {
    let sandbox = start().await;
    let token = token(&sandbox).await;
    assert_error(
        &post(&sandbox, &token, QUERY, json!({"semester_id": "404"})).await,
        400,
        1580105,
    );
    assert_error(
        &post(&sandbox, &token, QUERY, json!({})).await,
        400,
        1580102,
    );
    assert_page_errors(&sandbox, &token, QUERY, json!({"semester_id": SEMESTER_2})).await;
    let many: Vec<String> = (0..51).map(|n| n.to_string()).collect();
    assert_error(
        &post(
            &sandbox,
            &token,
            QUERY,
            json!({"semester_id": SEMESTER_2, "item_ids": many}),
        )
        .await,
        400,
        1580102,
    );
}
