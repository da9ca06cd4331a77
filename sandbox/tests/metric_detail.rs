//! `POST /open-apis/performance/v2/metric_details/query`: returns what
//! `metric_details/import` stored, the administrator's values included.
//! (The import's own rules are in `metric_import.rs`.)

mod common;

use common::*;
use feishu_sandbox::Seed;
use feishu_sandbox::seed::{ids::*, open_id};
use serde_json::{Value, json};

const PATH: &str = "/open-apis/performance/v2/metric_details/query";

fn metric<'a>(data: &'a Value, reviewee: &str, metric_id: &str) -> &'a Value {
    data["reviewee_metrics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| {
            m["reviewee_user_id"]["open_id"] == reviewee
                && m["metric_details"]["metric_id"] == metric_id
        })
        .unwrap_or_else(|| panic!("{reviewee} {metric_id} in {data}"))
}

fn field<'a>(metric: &'a Value, field_id: &str) -> &'a Value {
    metric["metric_details"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["field_id"] == field_id)
        .unwrap()
}

#[tokio::test]
async fn the_page_example_is_accepted_and_answers_in_its_shape() {
    let sandbox = start().await;
    let token = token(&sandbox).await;
    let reply = post(
        &sandbox,
        &token,
        PATH,
        example!("metric_detail.query.request"),
    )
    .await;
    let data = data(&reply);
    assert_eq!(data["semester_id"], SEMESTER_EXAMPLE);
    assert_eq!(
        data["reviewee_metrics"].as_array().unwrap().len(),
        3,
        "the three metrics assigned to every reviewee"
    );
    assert_eq!(
        data["reviewee_metrics"][0]["reviewee_stage_statuses"][0]["stage_status"], 2,
        "past its deadline"
    );
    assert_shape(&example!("metric_detail.query.response"), &reply.json());
}

#[tokio::test]
async fn returns_what_the_import_stored_and_the_admin_filled_in() {
    let sandbox = start().await;
    let token = token(&sandbox).await;
    let admin = open_id(Seed::ADMIN_FILLED_REVIEWEE);
    let body = json!({"semester_id": SEMESTER, "imported_metrics": [
        {"reviewee_user_id": open_id(1), "metric_id": METRIC, "fields": [
            {"field_id": FIELD_NUMBER, "field_value": "98.5"},
            {"field_id": FIELD_PERSON, "field_value_person": open_id(7)},
            {"field_id": FIELD_REQUIRED, "field_value": "按时完成"},
        ]},
        {"reviewee_user_id": admin, "metric_id": METRIC, "fields": [{"field_id": FIELD_NUMBER, "field_value": "12"}]},
    ]});
    assert_eq!(
        import_metrics(&sandbox, &token, "one", body).await.code(),
        0
    );

    let reply = post(
        &sandbox,
        &token,
        &format!("{PATH}?user_id_type=user_id"),
        json!({"semester_id": SEMESTER, "reviewee_user_ids": ["u00001", "u00005", "u00002"]}),
    )
    .await;
    let got = data(&reply);
    let one = metric(&got, &open_id(1), METRIC);
    assert_eq!(one["reviewee_user_id"]["user_id"], "u00001");
    assert_eq!(field(one, FIELD_NUMBER)["field_value"], "98.5");
    assert_eq!(field(one, FIELD_REQUIRED)["field_value"], "按时完成");
    assert_eq!(
        field(one, FIELD_PERSON)["field_value_person"],
        json!({"open_id": open_id(7), "user_id": "u00007"})
    );
    assert_eq!(
        field(one, FIELD_TEXT)["field_value"],
        "",
        "nothing entered: empty"
    );
    let by_admin = metric(&got, &admin, METRIC);
    assert_eq!(
        field(by_admin, FIELD_TEXT)["field_value"],
        "管理员录入",
        "the administrator's value"
    );
    assert_eq!(field(by_admin, FIELD_NUMBER)["field_value"], "12");
    let untouched = metric(&got, &open_id(2), METRIC);
    assert_eq!(field(untouched, FIELD_NUMBER)["field_value"], "");
    assert_eq!(untouched["reviewee_stage_statuses"][0]["stage_status"], 1);

    // A second import overwrites; the query follows.
    let body = metric_body(
        SEMESTER,
        &open_id(1),
        METRIC,
        json!([{"field_id": FIELD_NUMBER, "field_value": "99"}, {"field_id": FIELD_REQUIRED, "field_value": "x"}]),
    );
    assert_eq!(
        import_metrics(&sandbox, &token, "two", body).await.code(),
        0
    );
    let again = data(
        &post(
            &sandbox,
            &token,
            PATH,
            json!({"semester_id": SEMESTER, "reviewee_user_ids": [open_id(1)]}),
        )
        .await,
    );
    assert_eq!(
        field(metric(&again, &open_id(1), METRIC), FIELD_NUMBER)["field_value"],
        "99"
    );
    // Other semesters are separate.
    let other = data(
        &post(
            &sandbox,
            &token,
            PATH,
            json!({"semester_id": SEMESTER_2, "reviewee_user_ids": [open_id(1)]}),
        )
        .await,
    );
    assert_eq!(
        field(metric(&other, &open_id(1), METRIC), FIELD_NUMBER)["field_value"],
        ""
    );
}

#[tokio::test]
async fn leaves_out_ids_that_name_no_reviewee_in_scope() {
    let sandbox = start().await;
    let token = token(&sandbox).await;
    let outside = open_id(Seed::OUT_OF_SCOPE.start);
    let reply = post(
        &sandbox,
        &token,
        PATH,
        json!({"semester_id": SEMESTER, "reviewee_user_ids": [outside, open_id(Seed::REVIEWEES), "nobody"]}),
    )
    .await;
    assert!(
        data(&reply)["reviewee_metrics"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn documented_errors() {
    let sandbox = start().await;
    let token = token(&sandbox).await;
    assert_error(
        &post(
            &sandbox,
            &token,
            PATH,
            json!({"semester_id": "1", "reviewee_user_ids": [open_id(0)]}),
        )
        .await,
        400,
        1580105,
    );
    assert_error(
        &post(
            &sandbox,
            &token,
            PATH,
            json!({"semester_id": SEMESTER, "reviewee_user_ids": []}),
        )
        .await,
        400,
        1580102,
    );
    assert_error(
        &post(&sandbox, &token, PATH, json!({"semester_id": SEMESTER})).await,
        400,
        1580102,
    );
    let fifty_one: Vec<String> = (0..51).map(open_id).collect();
    assert_error(
        &post(
            &sandbox,
            &token,
            PATH,
            json!({"semester_id": SEMESTER, "reviewee_user_ids": fifty_one}),
        )
        .await,
        400,
        1580102,
    );
    assert_error(
        &post(
            &sandbox,
            &token,
            &format!("{PATH}?user_id_type=email"),
            json!({"semester_id": SEMESTER, "reviewee_user_ids": [open_id(0)]}),
        )
        .await,
        400,
        1580102,
    );
}
