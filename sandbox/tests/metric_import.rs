//! `metric_details/import`: every error the request and the seed can decide,
//! one test each, and the success path.

mod common;

use common::*;
use feishu_sandbox::Seed;
use feishu_sandbox::seed::{ids::*, open_id};
use reqwest::Method;
use serde_json::{Value, json};

const DOC_EXAMPLE: &str = r#"{
    "semester_id": "7293040702907514899",
    "import_record_name": "API录入",
    "imported_metrics": [{
        "reviewee_user_id": "ou_3245842393d09e9428ad4655da6e30b3",
        "metric_id": "7272580325522276372",
        "fields": [{"field_id": "7283776005142675476", "field_value": "100", "field_value_person": "ou_3245842393d09e9428ad4655da6e30b3"}]
    }]
}"#;

fn one(field: &str, value: &str) -> Value {
    json!([{"field_id": field, "field_value": value}])
}

async fn expect(body: Value, status: u16, code: i64) {
    let sandbox = start().await;
    let token = token(&sandbox).await;
    let reply = import_metrics(&sandbox, &token, "ct-1", body).await;
    assert_error(&reply, status, code);
    assert!(
        sandbox.ledger().is_empty(),
        "a refused import must apply nothing"
    );
}

#[tokio::test]
async fn doc_example_is_applied_and_recorded() {
    let sandbox = start().await;
    let token = token(&sandbox).await;
    let reply = import_metrics(
        &sandbox,
        &token,
        "12454646",
        serde_json::from_str(DOC_EXAMPLE).unwrap(),
    )
    .await;
    assert_eq!((reply.status, reply.code()), (200, 0), "{}", reply.text);
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(DOC_EXAMPLE).unwrap(),
        example!("metric_detail.import.request"),
        "the page's example, as kept in tests/examples"
    );
    assert_shape(&example!("metric_detail.import.response"), &reply.json());
    let record = reply.json()["data"]["import_record_id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(record.len(), 19);
    let ledger = sandbox.ledger();
    assert_eq!(ledger.len(), 1);
    assert_eq!(ledger[0].record_id, record);
    assert_eq!(ledger[0].client_token.as_deref(), Some("12454646"));
    assert_eq!(
        ledger[0].rows,
        [
            json!({"reviewee": open_id(0), "metric_id": METRIC, "field_id": FIELD_NUMBER, "value": "100"})
        ]
    );
}

#[tokio::test]
async fn ids_follow_user_id_type() {
    let sandbox = start().await;
    let token = token(&sandbox).await;
    let seed = Seed::fixture();
    for (kind, id) in [
        ("union_id", &seed.users[3].union_id),
        ("user_id", &seed.users[3].user_id),
        ("people_admin_id", &seed.users[3].people_admin_id),
    ] {
        let body = metric_body(SEMESTER, id, METRIC, one(FIELD_NUMBER, "1"));
        let path = format!(
            "/open-apis/performance/v2/metric_details/import?client_token={kind}&user_id_type={kind}"
        );
        let reply = api(&sandbox, &token, Method::POST, &path, body).await;
        assert_eq!(reply.code(), 0, "{kind}: {}", reply.text);
    }
    // An open_id read as a user_id names nobody.
    let body = metric_body(SEMESTER, &open_id(3), METRIC, one(FIELD_NUMBER, "1"));
    let path =
        "/open-apis/performance/v2/metric_details/import?client_token=x&user_id_type=user_id";
    assert_error(
        &api(&sandbox, &token, Method::POST, path, body).await,
        400,
        1580306,
    );
    assert!(
        sandbox
            .ledger()
            .iter()
            .all(|e| e.rows[0]["reviewee"] == open_id(3))
    );
}

#[tokio::test]
async fn malformed_request_answers_1580102() {
    expect(
        json!({"semester_id": SEMESTER, "imported_metrics": []}),
        400,
        1580102,
    )
    .await;
    expect(json!({"imported_metrics": [{"reviewee_user_id": open_id(1), "metric_id": METRIC, "fields": one(FIELD_NUMBER, "1")}]}), 400, 1580102).await;
    expect(
        metric_body(SEMESTER, &open_id(1), METRIC, json!([])),
        400,
        1580102,
    )
    .await;
    expect(
        metric_body(SEMESTER, &open_id(1), METRIC, json!([{"field_value": "1"}])),
        400,
        1580102,
    )
    .await;
    let sandbox = start().await;
    let token = token(&sandbox).await;
    let long = "x".repeat(65);
    assert_error(
        &import_metrics(
            &sandbox,
            &token,
            &long,
            serde_json::from_str(DOC_EXAMPLE).unwrap(),
        )
        .await,
        400,
        1580102,
    );
    let no_token = "/open-apis/performance/v2/metric_details/import";
    assert_error(
        &api(
            &sandbox,
            &token,
            Method::POST,
            no_token,
            serde_json::from_str(DOC_EXAMPLE).unwrap(),
        )
        .await,
        400,
        1580102,
    );
    let bad_type =
        "/open-apis/performance/v2/metric_details/import?client_token=a&user_id_type=email";
    assert_error(
        &api(
            &sandbox,
            &token,
            Method::POST,
            bad_type,
            serde_json::from_str(DOC_EXAMPLE).unwrap(),
        )
        .await,
        400,
        1580102,
    );
}

#[tokio::test]
async fn unknown_semester_answers_1580105() {
    expect(
        metric_body("123", &open_id(1), METRIC, one(FIELD_NUMBER, "1")),
        400,
        1580105,
    )
    .await;
}

#[tokio::test]
async fn repeated_client_token_answers_1580110() {
    let sandbox = start().await;
    let token = token(&sandbox).await;
    let body = metric_body(SEMESTER, &open_id(1), METRIC, one(FIELD_NUMBER, "1"));
    assert_eq!(
        import_metrics(&sandbox, &token, "same", body.clone())
            .await
            .code(),
        0
    );
    assert_error(
        &import_metrics(&sandbox, &token, "same", body).await,
        400,
        1580110,
    );
    assert_eq!(sandbox.ledger().len(), 1);
}

#[tokio::test]
async fn reviewee_outside_the_apps_scope_answers_1580112() {
    expect(
        metric_body(
            SEMESTER,
            &open_id(Seed::OUT_OF_SCOPE.start),
            METRIC,
            one(FIELD_NUMBER, "1"),
        ),
        400,
        1580112,
    )
    .await;
}

#[tokio::test]
async fn text_in_a_number_field_answers_1580301() {
    expect(
        metric_body(SEMESTER, &open_id(1), METRIC, one(FIELD_NUMBER, "一百")),
        400,
        1580301,
    )
    .await;
}

#[tokio::test]
async fn empty_required_value_answers_1580302() {
    expect(
        metric_body(SEMESTER, &open_id(1), METRIC, one(FIELD_REQUIRED, "")),
        400,
        1580302,
    )
    .await;
}

#[tokio::test]
async fn too_long_value_answers_1580303() {
    expect(
        metric_body(
            SEMESTER,
            &open_id(1),
            METRIC,
            one(FIELD_TEXT, &"长".repeat(201)),
        ),
        400,
        1580303,
    )
    .await;
}

#[tokio::test]
async fn weights_over_100_percent_answer_1580304() {
    let sandbox = start().await;
    let token = token(&sandbox).await;
    // 60 + 40 is fine; then 60 + 50 is not, across two imports.
    let ok = json!({"semester_id": SEMESTER, "imported_metrics": [
        {"reviewee_user_id": open_id(2), "metric_id": METRIC, "fields": one(FIELD_WEIGHT, "60")},
        {"reviewee_user_id": open_id(2), "metric_id": METRIC_2, "fields": one(FIELD_WEIGHT_2, "40")}
    ]});
    assert_eq!(import_metrics(&sandbox, &token, "a", ok).await.code(), 0);
    let over = metric_body(SEMESTER, &open_id(2), METRIC_2, one(FIELD_WEIGHT_2, "50"));
    assert_error(
        &import_metrics(&sandbox, &token, "b", over).await,
        400,
        1580304,
    );
    assert_eq!(sandbox.ledger().len(), 1);
}

#[tokio::test]
async fn field_not_in_the_metric_answers_1580305() {
    expect(
        metric_body(SEMESTER, &open_id(1), METRIC, one(FIELD_WEIGHT_2, "1")),
        400,
        1580305,
    )
    .await;
}

#[tokio::test]
async fn reviewee_not_in_the_semester_answers_1580306() {
    expect(
        metric_body(
            SEMESTER,
            &open_id(Seed::REVIEWEES + 1),
            METRIC,
            one(FIELD_NUMBER, "1"),
        ),
        400,
        1580306,
    )
    .await;
    expect(
        metric_body(SEMESTER, "ou_nobody", METRIC, one(FIELD_NUMBER, "1")),
        400,
        1580306,
    )
    .await;
}

#[tokio::test]
async fn duplicate_metric_for_a_reviewee_answers_1580307() {
    let m = json!({"reviewee_user_id": open_id(1), "metric_id": METRIC, "fields": one(FIELD_NUMBER, "1")});
    expect(
        json!({"semester_id": SEMESTER, "imported_metrics": [m, m]}),
        400,
        1580307,
    )
    .await;
}

#[tokio::test]
async fn duplicate_field_answers_1580308() {
    let fields = json!([{"field_id": FIELD_NUMBER, "field_value": "1"}, {"field_id": FIELD_NUMBER, "field_value": "2"}]);
    expect(
        metric_body(SEMESTER, &open_id(1), METRIC, fields),
        400,
        1580308,
    )
    .await;
}

#[tokio::test]
async fn semester_past_its_deadline_answers_1580309() {
    expect(
        metric_body(SEMESTER_CLOSED, &open_id(1), METRIC, one(FIELD_NUMBER, "1")),
        400,
        1580309,
    )
    .await;
}

#[tokio::test]
async fn old_version_metric_answers_1580310() {
    expect(
        metric_body(
            SEMESTER,
            &open_id(1),
            METRIC_OLD,
            one("7000000000000000311", "1"),
        ),
        400,
        1580310,
    )
    .await;
}

#[tokio::test]
async fn field_filled_by_an_admin_answers_1580311() {
    expect(
        metric_body(
            SEMESTER,
            &open_id(Seed::ADMIN_FILLED_REVIEWEE),
            METRIC,
            one(FIELD_TEXT, "改"),
        ),
        400,
        1580311,
    )
    .await;
}

#[tokio::test]
async fn metric_not_assigned_answers_1580312() {
    expect(
        metric_body(
            SEMESTER,
            &open_id(1),
            METRIC_UNASSIGNED,
            one("7000000000000000313", "1"),
        ),
        400,
        1580312,
    )
    .await;
}

#[tokio::test]
async fn one_bad_row_rejects_the_whole_request() {
    let sandbox = start().await;
    let token = token(&sandbox).await;
    let body = json!({"semester_id": SEMESTER, "imported_metrics": [
        {"reviewee_user_id": open_id(1), "metric_id": METRIC, "fields": one(FIELD_NUMBER, "1")},
        {"reviewee_user_id": open_id(2), "metric_id": METRIC, "fields": one(FIELD_NUMBER, "x")}
    ]});
    assert_error(
        &import_metrics(&sandbox, &token, "t", body.clone()).await,
        400,
        1580301,
    );
    assert!(sandbox.ledger().is_empty());
    // The token was not consumed by the refused request.
    let fixed = json!({"semester_id": SEMESTER, "imported_metrics": [body["imported_metrics"][0]]});
    assert_eq!(import_metrics(&sandbox, &token, "t", fixed).await.code(), 0);
}

#[tokio::test]
async fn tenant_without_performance_seats_answers_1580901() {
    let mut seed = Seed::fixture();
    seed.performance_licensed = false;
    let sandbox = start_with(feishu_sandbox::Config {
        seed,
        ..feishu_sandbox::Config::default()
    })
    .await;
    let token = token(&sandbox).await;
    assert_error(
        &import_metrics(
            &sandbox,
            &token,
            "a",
            serde_json::from_str(DOC_EXAMPLE).unwrap(),
        )
        .await,
        400,
        1580901,
    );
    let query = api(
        &sandbox,
        &token,
        Method::POST,
        "/open-apis/performance/v2/review_templates/query",
        json!({}),
    )
    .await;
    assert_error(&query, 400, 1580901);
    // OKR is another product: unaffected.
    let path = format!(
        "/open-apis/okr/v1/metric_sources/{OKR_SOURCE}/tables/{OKR_TABLE}/items/{OKR_ITEM}"
    );
    assert_eq!(
        api(
            &sandbox,
            &token,
            Method::PATCH,
            &path,
            json!({"metric_current_value": 3.0})
        )
        .await
        .code(),
        0
    );
}

#[tokio::test]
async fn an_empty_id_is_an_unknown_id_not_a_broken_length_rule() {
    // The page gives these ids no length range: "" names nothing, like any unknown id.
    expect(
        metric_body(SEMESTER, "", METRIC, one(FIELD_NUMBER, "1")),
        400,
        1580306,
    )
    .await;
    expect(
        metric_body(SEMESTER, &open_id(1), "", one(FIELD_NUMBER, "1")),
        400,
        1580312,
    )
    .await;
    expect(
        metric_body("", &open_id(1), METRIC, one(FIELD_NUMBER, "1")),
        400,
        1580105,
    )
    .await;
}
