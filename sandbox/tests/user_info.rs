//! `POST /open-apis/performance/v2/user_info/query`.

mod common;

use common::*;
use feishu_sandbox::Seed;
use feishu_sandbox::seed::{ids::*, open_id};
use serde_json::json;

const PATH: &str = "/open-apis/performance/v2/user_info/query";

#[tokio::test]
async fn the_page_example_is_accepted_and_answers_in_its_shape() {
    let sandbox = start().await;
    let token = token(&sandbox).await;
    let reply = post(&sandbox, &token, PATH, example!("user_info.query.request")).await;
    let data = data(&reply);
    let info = &data["user_infos"][0];
    assert_eq!(info["user_id"]["open_id"], open_id(0));
    assert_eq!(
        info["direct_leader_user_id"]["open_id"],
        open_id(Seed::REVIEWEES)
    );
    assert!(
        info["department"]["id"]
            .as_str()
            .unwrap()
            .starts_with("od-")
    );
    assert_shape(&example!("user_info.query.response"), &reply.json());
}

#[tokio::test]
async fn department_and_user_id_types_and_non_reviewees() {
    let sandbox = start().await;
    let token = token(&sandbox).await;
    let reply = post(
        &sandbox,
        &token,
        &format!("{PATH}?user_id_type=user_id&department_id_type=department_id"),
        json!({"semester_id": SEMESTER, "user_ids": ["u00007", "u00299", "nobody"]}),
    )
    .await;
    let data = data(&reply);
    let infos = data["user_infos"].as_array().unwrap();
    assert_eq!(
        infos.len(),
        1,
        "a user who is no reviewee and an unknown id are left out"
    );
    assert_eq!(infos[0]["user_id"]["user_id"], "u00007");
    assert_eq!(infos[0]["department"]["id"], "D003");
    assert_eq!(infos[0]["direct_leader_user_id"]["user_id"], "u00251");
}

#[tokio::test]
async fn malformed_requests_answer_1580102() {
    let sandbox = start().await;
    let token = token(&sandbox).await;
    let eleven: Vec<String> = (0..11).map(open_id).collect();
    for (query, body) in [
        ("", json!({"semester_id": SEMESTER, "user_ids": eleven})),
        ("", json!({"semester_id": SEMESTER})),
        ("", json!({"semester_id": "1", "user_ids": [open_id(0)]})),
        (
            "?department_id_type=x",
            json!({"semester_id": SEMESTER, "user_ids": []}),
        ),
        (
            "?user_id_type=people_admin_id",
            json!({"semester_id": SEMESTER, "user_ids": []}),
        ),
    ] {
        assert_error(
            &post(&sandbox, &token, &format!("{PATH}{query}"), body).await,
            400,
            1580102,
        );
    }
}
