//! What every performance endpoint shares: its documented limit
//! (`接口频率限制`), per app and endpoint (the call after the limit answers
//! 429 / 99991400 with the platform's headers; a 3600 s window, so nothing
//! here depends on speed), the licence check (1580901) and the internal
//! error (1580101) under the `500` fault.

mod common;

use std::time::Duration;

use common::*;
use feishu_sandbox::{Config, Seed};
use reqwest::Method;
use serde_json::json;

/// (method, path, calls a minute) as INDEX.tsv and the pages give them.
const PER_MINUTE: &[(&str, &str, usize)] = &[
    (
        "POST",
        "/open-apis/performance/v2/metric_details/import",
        10,
    ),
    ("POST", "/open-apis/performance/v2/metric_details/query", 20),
    ("POST", "/open-apis/performance/v2/metric_fields/query", 20),
    ("POST", "/open-apis/performance/v2/metric_libs/query", 20),
    (
        "POST",
        "/open-apis/performance/v2/metric_templates/query",
        20,
    ),
    ("POST", "/open-apis/performance/v2/indicators/query", 10),
    ("POST", "/open-apis/performance/v2/questions/query", 10),
    (
        "POST",
        "/open-apis/performance/v2/review_templates/query",
        10,
    ),
    ("POST", "/open-apis/performance/v2/activity/query", 10),
    (
        "DELETE",
        "/open-apis/performance/v2/additional_informations/batch",
        10,
    ),
    (
        "POST",
        "/open-apis/performance/v2/additional_informations/import",
        10,
    ),
    (
        "POST",
        "/open-apis/performance/v2/additional_informations/query",
        10,
    ),
    ("POST", "/open-apis/performance/v2/reviewees/query", 20),
    ("POST", "/open-apis/performance/v2/user_info/query", 100),
    ("GET", "/open-apis/performance/v1/semesters", 10),
    (
        "POST",
        "/open-apis/performance/v2/user_group_user_rels/write",
        20,
    ),
    ("POST", "/open-apis/performance/v2/review_datas/query", 20),
    ("POST", "/open-apis/performance/v1/review_datas/query", 20),
    (
        "POST",
        "/open-apis/performance/v1/stage_tasks/find_by_page",
        20,
    ),
    (
        "POST",
        "/open-apis/performance/v1/stage_tasks/find_by_user_list",
        20,
    ),
];

#[tokio::test]
async fn each_endpoint_has_its_documented_limit_and_its_own_window() {
    let sandbox = start_with(Config {
        rate_window: Duration::from_secs(3600),
        ..Config::default()
    })
    .await;
    let token = token(&sandbox).await;
    // One client, so one kept-alive connection for the 430 calls.
    let http = client();
    let call = |method: Method, path: &str| {
        send(
            http.request(method, format!("{}{path}", sandbox.base_url()))
                .bearer_auth(&token)
                .json(&json!({})),
        )
    };
    for &(method, path, limit) in PER_MINUTE {
        let method: Method = method.parse().unwrap();
        for n in 0..limit {
            let reply = call(method.clone(), path).await;
            assert_ne!(
                reply.status,
                429,
                "{path}: call {} of {limit} is allowed",
                n + 1
            );
        }
        let limited = call(method.clone(), path).await;
        assert_eq!(
            (limited.status, limited.code()),
            (429, 99991400),
            "{path}: {}",
            limited.text
        );
        assert_eq!(
            limited.header("x-ogw-ratelimit-limit"),
            Some(limit.to_string()),
            "{path}"
        );
        let reset: u64 = limited
            .header("x-ogw-ratelimit-reset")
            .unwrap()
            .parse()
            .unwrap();
        assert!((1..=3600).contains(&reset), "{path}: reset {reset}");
    }
    // The store app has windows of its own.
    let store = store_token(&sandbox).await;
    let reply = api(
        &sandbox,
        &store,
        Method::GET,
        "/open-apis/performance/v1/semesters",
        json!({}),
    )
    .await;
    assert_eq!(reply.code(), 0);
}

const PER_SECOND: &[(&str, &str, usize)] = &[("GET", "/open-apis/performance/v2/metric_tags", 10)];

#[tokio::test]
async fn without_seats_every_endpoint_answers_1580901_and_faults_answer_1580101() {
    let mut seed = Seed::fixture();
    seed.performance_licensed = false;
    let sandbox = start_with(Config {
        seed,
        ..Config::default()
    })
    .await;
    let token = token(&sandbox).await;
    let http = client();
    for &(method, path, _) in PER_MINUTE.iter().chain(PER_SECOND) {
        let request = http
            .request(
                method.parse().unwrap(),
                format!("{}{path}", sandbox.base_url()),
            )
            .bearer_auth(&token)
            .json(&json!({}));
        assert_error(&send(request).await, 400, 1580901);
    }
    let sandbox = start().await;
    let token = common::token(&sandbox).await;
    sandbox.set_faults("500*21").unwrap();
    for &(method, path, _) in PER_MINUTE.iter().chain(PER_SECOND) {
        let request = http
            .request(
                method.parse().unwrap(),
                format!("{}{path}", sandbox.base_url()),
            )
            .bearer_auth(&token)
            .json(&json!({}));
        assert_error(&send(request).await, 500, 1580101);
    }
    assert!(sandbox.ledger().is_empty());
}
