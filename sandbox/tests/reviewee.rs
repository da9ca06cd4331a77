//! `POST /open-apis/performance/v2/reviewees/query`: lists exactly the
//! reviewees the imports accept.

mod common;

use common::*;
use feishu_sandbox::Seed;
use feishu_sandbox::seed::{ids::*, open_id};
use serde_json::{Value, json};

const PATH: &str = "/open-apis/performance/v2/reviewees/query";

async fn all_reviewees(sandbox: &feishu_sandbox::Sandbox, token: &str, body: Value) -> Vec<Value> {
    post_all_pages(sandbox, token, PATH, 50, "reviewees", body).await
}

#[tokio::test]
async fn the_page_example_is_accepted_and_answers_in_its_shape() {
    let sandbox = start().await;
    let token = token(&sandbox).await;
    let reply = post(&sandbox, &token, PATH, example!("reviewee.query.request")).await;
    let data = data(&reply);
    assert_eq!(
        data["reviewees"][0]["reviewee_user_id"]["open_id"],
        open_id(0)
    );
    assert_shape(&example!("reviewee.query.response"), &reply.json());
}

#[tokio::test]
async fn lists_the_reviewees_the_metric_import_accepts_and_no_other() {
    let sandbox = start().await;
    let token = token(&sandbox).await;
    let listed = all_reviewees(&sandbox, &token, json!({"semester_id": SEMESTER})).await;
    let open_ids: Vec<String> = listed
        .iter()
        .map(|r| {
            r["reviewee_user_id"]["open_id"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(open_ids.len(), Seed::REVIEWEES - Seed::OUT_OF_SCOPE.len());
    for chunk in open_ids.chunks(50) {
        let metrics: Vec<Value> = chunk
            .iter()
            .map(|r| json!({"reviewee_user_id": r, "metric_id": METRIC_2, "fields": [{"field_id": FIELD_WEIGHT_2, "field_value": "10"}]}))
            .collect();
        let body = json!({"semester_id": SEMESTER, "imported_metrics": metrics});
        let reply = import_metrics(&sandbox, &token, &format!("c-{}", chunk[0]), body).await;
        assert_eq!(
            reply.code(),
            0,
            "every listed reviewee is accepted: {}",
            reply.text
        );
    }
    let outside = open_id(Seed::OUT_OF_SCOPE.start);
    assert!(
        !open_ids.contains(&outside),
        "outside the data scope: not listed"
    );
    let body = metric_body(
        SEMESTER,
        &outside,
        METRIC_2,
        json!([{"field_id": FIELD_WEIGHT_2, "field_value": "10"}]),
    );
    assert_error(
        &import_metrics(&sandbox, &token, "outside", body).await,
        400,
        1580112,
    );
    let nobody = open_id(Seed::REVIEWEES);
    assert!(
        !open_ids.contains(&nobody),
        "a user who is no reviewee: not listed"
    );
    let body = metric_body(
        SEMESTER,
        &nobody,
        METRIC_2,
        json!([{"field_id": FIELD_WEIGHT_2, "field_value": "10"}]),
    );
    assert_error(
        &import_metrics(&sandbox, &token, "nobody", body).await,
        400,
        1580306,
    );
}

#[tokio::test]
async fn filters_by_user_and_activity_and_renders_user_id_type() {
    let sandbox = start().await;
    let token = token(&sandbox).await;
    let in_metrics = all_reviewees(
        &sandbox,
        &token,
        json!({"semester_id": SEMESTER, "activity_ids": [ACTIVITY_METRICS]}),
    )
    .await;
    assert_eq!(in_metrics.len(), 20);
    assert_eq!(
        in_metrics[0]["activity_ids"],
        json!([ACTIVITY, ACTIVITY_METRICS])
    );
    let reply = post(
        &sandbox,
        &token,
        &format!("{PATH}?user_id_type=people_admin_id"),
        json!({"semester_id": SEMESTER, "user_ids": ["pa7000003", "nobody"]}),
    )
    .await;
    let data = data(&reply);
    assert_eq!(data["reviewees"].as_array().unwrap().len(), 1);
    assert_eq!(
        data["reviewees"][0]["reviewee_user_id"],
        json!({"open_id": open_id(3), "user_id": "pa7000003"})
    );
    assert_eq!(data["has_more"], false);
}

#[tokio::test]
async fn documented_errors() {
    let sandbox = start().await;
    let token = token(&sandbox).await;
    assert_error(
        &post(&sandbox, &token, PATH, json!({"semester_id": "1"})).await,
        400,
        1580105,
    );
    assert_error(&post(&sandbox, &token, PATH, json!({})).await, 400, 1580102);
    assert_page_errors(&sandbox, &token, PATH, json!({"semester_id": SEMESTER})).await;
    let fifty_one: Vec<String> = (0..51).map(open_id).collect();
    assert_error(
        &post(
            &sandbox,
            &token,
            PATH,
            json!({"semester_id": SEMESTER, "user_ids": fifty_one}),
        )
        .await,
        400,
        1580102,
    );
}
