//! `POST /open-apis/performance/v2/user_group_user_rels/write`.

mod common;

use common::*;
use feishu_sandbox::seed::{ids::*, open_id};
use serde_json::json;

const PATH: &str = "/open-apis/performance/v2/user_group_user_rels/write";

fn write_path(client_token: &str) -> String {
    format!("{PATH}?client_token={client_token}")
}

#[tokio::test]
async fn the_page_example_is_accepted_and_answers_in_its_shape() {
    let sandbox = start().await;
    let token = token(&sandbox).await;
    let reply = post(
        &sandbox,
        &token,
        &write_path("123456"),
        example!("user_group_user_rel.write.request"),
    )
    .await;
    assert_shape(
        &example!("user_group_user_rel.write.response"),
        &reply.json(),
    );
    let data = data(&reply);
    assert_eq!(data["data"]["success_user_ids"], json!([]));
    assert_eq!(
        data["data"]["fail_user_datas"],
        json!([{"user_id": "ou_fab1210511b6d2f990ba3b4e2e0dbeef", "fail_code": 1}]),
        "the example's user is not in the fixture"
    );
}

#[tokio::test]
async fn replaces_the_members_and_records_the_write() {
    let sandbox = start().await;
    let token = token(&sandbox).await;
    let body = json!({"group_id": USER_GROUP, "scope_visible_setting": 0, "user_ids": ["u00001", "u00002", "nobody"]});
    let reply = post(
        &sandbox,
        &token,
        &format!("{}&user_id_type=user_id", write_path("a")),
        body,
    )
    .await;
    let data = data(&reply);
    assert_eq!(
        data["data"]["success_user_ids"],
        json!(["u00001", "u00002"])
    );
    assert_eq!(data["data"]["fail_user_datas"][0]["user_id"], "nobody");
    let body =
        json!({"group_id": USER_GROUP, "scope_visible_setting": 1, "user_ids": [open_id(3)]});
    assert_eq!(
        post(&sandbox, &token, &write_path("b"), body).await.code(),
        0
    );
    let ledger = sandbox.ledger();
    assert_eq!(ledger.len(), 2);
    assert_eq!(
        ledger[0].rows[0]["members"],
        json!([open_id(1), open_id(2)])
    );
    assert_eq!(
        ledger[1].rows[0]["members"],
        json!([open_id(3)]),
        "overwritten, not added"
    );
    assert_eq!(ledger[1].rows[0]["scope_visible_setting"], 1);
    assert_eq!(ledger[1].client_token.as_deref(), Some("b"));
    let again =
        json!({"group_id": USER_GROUP, "scope_visible_setting": 1, "user_ids": [open_id(4)]});
    assert_error(
        &post(&sandbox, &token, &write_path("b"), again).await,
        400,
        1580110,
    );
}

#[tokio::test]
async fn documented_errors_apply_nothing() {
    let sandbox = start().await;
    let token = token(&sandbox).await;
    let users = json!([open_id(1), open_id(2), open_id(3), open_id(4)]);
    for (group, code) in [
        (USER_GROUP_MANUAL, 1580401),
        (USER_GROUP_BUSY, 1580402),
        (USER_GROUP_SMALL, 1580403),
    ] {
        let body = json!({"group_id": group, "scope_visible_setting": 1, "user_ids": users});
        assert_error(
            &post(&sandbox, &token, &write_path(group), body).await,
            400,
            code,
        );
    }
    let long = "g".repeat(129);
    // Each of the three body fields is required: the schema's decision
    // (column 否, description **必填：** 是).
    for body in [
        json!({"group_id": "NO_SUCH_GROUP", "scope_visible_setting": 1, "user_ids": []}),
        json!({"group_id": long, "scope_visible_setting": 1, "user_ids": []}),
        json!({"group_id": USER_GROUP, "scope_visible_setting": 11, "user_ids": []}),
        json!({"group_id": USER_GROUP, "scope_visible_setting": 1}),
        json!({"scope_visible_setting": 1, "user_ids": []}),
        json!({"group_id": USER_GROUP, "user_ids": []}),
    ] {
        assert_error(
            &post(&sandbox, &token, &write_path("p"), body).await,
            400,
            1580102,
        );
    }
    assert_error(
        &post(
            &sandbox,
            &token,
            PATH,
            json!({"group_id": USER_GROUP, "scope_visible_setting": 1, "user_ids": []}),
        )
        .await,
        400,
        1580102,
    );
    assert!(sandbox.ledger().is_empty());
    // A refused write leaves its client_token free.
    assert_eq!(
        post(
            &sandbox,
            &token,
            &write_path("p"),
            json!({"group_id": USER_GROUP, "scope_visible_setting": 1, "user_ids": []})
        )
        .await
        .code(),
        0
    );
}
