//! The token endpoints and the checks of the `Authorization` header.

mod common;

use std::time::Duration;

use common::*;
use feishu_sandbox::Config;
use feishu_sandbox::seed::{APP_ID, APP_SECRET, STORE_APP_ID, STORE_APP_SECRET, TENANT_KEY, ids};
use reqwest::Method;
use serde_json::json;

const TOKEN_PATH: &str = "/open-apis/auth/v3/tenant_access_token/internal";
const QUERY: &str = "/open-apis/performance/v2/review_templates/query";

#[tokio::test]
async fn self_built_app_gets_a_flat_tenant_token() {
    let sandbox = start().await;
    let reply = post_json(
        &sandbox,
        TOKEN_PATH,
        json!({"app_id": APP_ID, "app_secret": APP_SECRET}),
    )
    .await;
    let body = reply.json();
    assert_eq!((reply.status, body["code"].as_i64()), (200, Some(0)));
    assert!(
        body["tenant_access_token"]
            .as_str()
            .unwrap()
            .starts_with("t-")
    );
    assert_eq!(body["expire"], 7200);
    assert!(body.get("data").is_none(), "auth responses are flat");
    assert!(reply.header("x-tt-logid").is_some());
    // Asking again with more than 30 minutes left gives the same token.
    let again = post_json(
        &sandbox,
        TOKEN_PATH,
        json!({"app_id": APP_ID, "app_secret": APP_SECRET}),
    )
    .await;
    assert_eq!(
        again.json()["tenant_access_token"],
        body["tenant_access_token"]
    );

    let app = post_json(
        &sandbox,
        "/open-apis/auth/v3/app_access_token/internal",
        json!({"app_id": APP_ID, "app_secret": APP_SECRET}),
    )
    .await
    .json();
    assert_eq!(app["code"], 0);
    assert!(app["app_access_token"].is_string() && app["tenant_access_token"].is_string());
    assert_eq!(
        sandbox.stats().token_requests["tenant_access_token/internal"],
        2
    );
}

#[tokio::test]
async fn wrong_secret_answers_10015() {
    let sandbox = start().await;
    let reply = post_json(
        &sandbox,
        TOKEN_PATH,
        json!({"app_id": APP_ID, "app_secret": "nope"}),
    )
    .await;
    assert_eq!((reply.status, reply.code()), (400, 10015));
    assert!(!reply.text.contains(APP_SECRET));
}

#[tokio::test]
async fn unknown_app_answers_10014() {
    let sandbox = start().await;
    let reply = post_json(
        &sandbox,
        TOKEN_PATH,
        json!({"app_id": "cli_nobody", "app_secret": "x"}),
    )
    .await;
    assert_eq!((reply.status, reply.code()), (400, 10014));
}

#[tokio::test]
async fn missing_or_malformed_authorization_answers_99991661() {
    let sandbox = start().await;
    let url = format!("{}{QUERY}", sandbox.base_url());
    assert_error(
        &send(client().post(&url).json(&json!({}))).await,
        400,
        99991661,
    );
    assert_error(
        &send(
            client()
                .post(&url)
                .header("authorization", "t-abc")
                .json(&json!({})),
        )
        .await,
        400,
        99991661,
    );
}

#[tokio::test]
async fn token_without_t_or_u_prefix_answers_99991671() {
    let sandbox = start().await;
    assert_error(
        &api(&sandbox, "x-123", Method::POST, QUERY, json!({})).await,
        400,
        99991671,
    );
}

#[tokio::test]
async fn unknown_token_answers_99991663() {
    let sandbox = start().await;
    assert_error(
        &api(&sandbox, "t-forged", Method::POST, QUERY, json!({})).await,
        400,
        99991663,
    );
}

#[tokio::test]
async fn expired_token_answers_99991663() {
    let sandbox = start_with(Config {
        // Long enough to be used once on a loaded machine; expired for sure after the sleep.
        token_ttl: Duration::from_secs(4),
        rate_window: NO_RATE_LIMIT,
        ..Config::default()
    })
    .await;
    let token = token(&sandbox).await;
    assert_eq!(
        api(&sandbox, &token, Method::POST, QUERY, json!({}))
            .await
            .code(),
        0
    );
    tokio::time::sleep(Duration::from_millis(4100)).await;
    assert_error(
        &api(&sandbox, &token, Method::POST, QUERY, json!({})).await,
        400,
        99991663,
    );
    // A new token works again.
    let fresh = common::token(&sandbox).await;
    assert_ne!(fresh, token);
    assert_eq!(
        api(&sandbox, &fresh, Method::POST, QUERY, json!({}))
            .await
            .code(),
        0
    );
}

#[tokio::test]
async fn store_app_flow_with_app_ticket_and_tenant_key() {
    let sandbox = start().await;
    let ticket = sandbox.app_ticket(STORE_APP_ID).unwrap();
    let bad = post_json(
        &sandbox,
        "/open-apis/auth/v3/app_access_token",
        json!({"app_id": STORE_APP_ID, "app_secret": STORE_APP_SECRET, "app_ticket": "stale"}),
    )
    .await;
    assert_eq!(bad.code(), 10012);

    // Resending rotates the ticket; the old one stops working.
    let resend = post_json(
        &sandbox,
        "/open-apis/auth/v3/app_ticket/resend",
        json!({"app_id": STORE_APP_ID, "app_secret": STORE_APP_SECRET}),
    )
    .await;
    assert_eq!(resend.code(), 0);
    let new_ticket = sandbox.app_ticket(STORE_APP_ID).unwrap();
    assert_ne!(new_ticket, ticket);
    let via_control = send(client().get(format!(
        "{}/_sandbox/app_ticket/{STORE_APP_ID}",
        sandbox.base_url()
    )))
    .await;
    assert_eq!(via_control.text, new_ticket);

    let app = post_json(
        &sandbox,
        "/open-apis/auth/v3/app_access_token",
        json!({"app_id": STORE_APP_ID, "app_secret": STORE_APP_SECRET, "app_ticket": new_ticket}),
    )
    .await
    .json();
    assert_eq!(app["code"], 0);
    let app_token = app["app_access_token"].as_str().unwrap();

    let wrong_tenant = post_json(
        &sandbox,
        "/open-apis/auth/v3/tenant_access_token",
        json!({"app_access_token": app_token, "tenant_key": "other"}),
    )
    .await;
    assert_eq!(wrong_tenant.code(), 99991665);
    let wrong_app_token = post_json(
        &sandbox,
        "/open-apis/auth/v3/tenant_access_token",
        json!({"app_access_token": "a-forged", "tenant_key": TENANT_KEY}),
    )
    .await;
    assert_eq!(wrong_app_token.code(), 99991664);
    let tenant = post_json(
        &sandbox,
        "/open-apis/auth/v3/tenant_access_token",
        json!({"app_access_token": app_token, "tenant_key": TENANT_KEY}),
    )
    .await
    .json();
    let tenant_token = tenant["tenant_access_token"].as_str().unwrap();
    let reply = api(
        &sandbox,
        tenant_token,
        Method::POST,
        &format!("{QUERY}?page_size=1"),
        json!({"review_template_ids": [ids::SEMESTER]}),
    )
    .await;
    assert_eq!(reply.code(), 0);
}
