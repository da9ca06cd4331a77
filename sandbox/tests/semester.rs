//! `GET /open-apis/performance/v1/semesters`: every semester of the seed,
//! the one past its deadline included, its filters and its shape.

mod common;

use common::*;
use feishu_sandbox::seed::{ids::*, open_id};

const PATH: &str = "/open-apis/performance/v1/semesters";

fn ids(data: &serde_json::Value) -> Vec<String> {
    data["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn lists_every_semester_including_the_closed_one_in_the_documented_shape() {
    let sandbox = start().await;
    let token = token(&sandbox).await;
    let reply = get(&sandbox, &token, PATH).await;
    let data = data(&reply);
    let ids = ids(&data);
    for id in [
        SEMESTER,
        SEMESTER_2,
        SEMESTER_CLOSED,
        SEMESTER_EXAMPLE,
        SEMESTER_TASKS,
    ] {
        assert!(ids.contains(&id.to_owned()), "{id} listed");
    }
    assert_shape(&example!("semester.list.response"), &reply.json());
    let closed = &data["items"].as_array().unwrap()[2];
    assert_eq!(closed["id"], SEMESTER_CLOSED);
    assert_eq!(
        closed["name"]["zh-CN"], "2026 第三季度",
        "v1 text is zh-CN/en-US"
    );
    assert_eq!(closed["create_user_id"], open_id(0));
}

#[tokio::test]
async fn filters_are_anded() {
    let sandbox = start().await;
    let token = token(&sandbox).await;
    let q = |query: &str| format!("{PATH}?{query}");
    assert_eq!(
        ids(&data(
            &get(&sandbox, &token, &q("year=2026&type_group=Quarter")).await
        )),
        vec![SEMESTER, SEMESTER_CLOSED]
    );
    assert_eq!(
        ids(&data(&get(&sandbox, &token, &q("year=2026&type=Q4")).await)),
        vec![SEMESTER]
    );
    assert_eq!(
        ids(&data(
            &get(
                &sandbox,
                &token,
                &q("start_time=1782864000000&end_time=1790812799999")
            )
            .await
        )),
        vec![SEMESTER_CLOSED]
    );
    assert!(ids(&data(&get(&sandbox, &token, &q("year=1999")).await)).is_empty());
    let as_user_id = data(&get(&sandbox, &token, &q("user_id_type=user_id&type=Q4")).await);
    assert_eq!(as_user_id["items"][0]["modify_user_id"], "u00000");
}

#[tokio::test]
async fn malformed_filters_answer_1580102() {
    let sandbox = start().await;
    let token = token(&sandbox).await;
    for query in [
        "year=10000",
        "year=abc",
        "type_group=Weekly",
        "type=Q5",
        "start_time=yesterday",
        "user_id_type=people_admin_id",
    ] {
        assert_error(
            &get(&sandbox, &token, &format!("{PATH}?{query}")).await,
            400,
            1580102,
        );
    }
}
