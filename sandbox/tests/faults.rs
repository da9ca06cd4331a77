//! Every fault kind, observed by a plain HTTP client; rate limits; the ledger
//! under concurrency; seeds loaded from a file.

mod common;

use std::time::{Duration, Instant};

use common::*;
use feishu_sandbox::seed::{ids::*, open_id};
use feishu_sandbox::{Config, Seed};
use reqwest::Method;
use serde_json::json;

fn body(n: usize) -> serde_json::Value {
    metric_body(
        SEMESTER,
        &open_id(n),
        METRIC,
        json!([{"field_id": FIELD_NUMBER, "field_value": n.to_string()}]),
    )
}

async fn raw_import(
    sandbox: &feishu_sandbox::Sandbox,
    token: &str,
    client_token: &str,
) -> Result<Reply, reqwest::Error> {
    let url = format!(
        "{}/open-apis/performance/v2/metric_details/import?client_token={client_token}",
        sandbox.base_url()
    );
    let response = client()
        .post(url)
        .bearer_auth(token)
        .json(&body(1))
        .send()
        .await?;
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await?;
    Ok(Reply {
        status,
        headers,
        text,
    })
}

#[tokio::test]
async fn internal_error_answers_500_1580101_and_applies_nothing() {
    let sandbox = start_with(Config {
        faults: "500".into(),
        rate_window: NO_RATE_LIMIT,
        ..Config::default()
    })
    .await;
    let token = token(&sandbox).await;
    assert_error(
        &raw_import(&sandbox, &token, "a").await.unwrap(),
        500,
        1580101,
    );
    assert!(sandbox.ledger().is_empty());
    // The sequence is used up: the next call is normal, and the token was not consumed.
    assert_eq!(raw_import(&sandbox, &token, "a").await.unwrap().code(), 0);
}

#[tokio::test]
async fn gateway_errors_answer_html() {
    let sandbox = start().await;
    sandbox.set_faults("502,504").unwrap();
    let token = token(&sandbox).await;
    for status in [502, 504] {
        let reply = raw_import(&sandbox, &token, "a").await.unwrap();
        assert_eq!(reply.status, status);
        assert_eq!(reply.header("content-type").as_deref(), Some("text/html"));
        assert!(reply.text.starts_with("<html>"));
    }
    assert!(sandbox.ledger().is_empty());
}

#[tokio::test]
async fn dropped_connection_gives_no_response_and_applies_nothing() {
    let sandbox = start().await;
    sandbox.set_faults("drop").unwrap();
    let token = token(&sandbox).await;
    assert!(raw_import(&sandbox, &token, "a").await.is_err());
    assert!(sandbox.ledger().is_empty());
}

#[tokio::test]
async fn apply_drop_applies_the_write_then_drops_the_connection() {
    let sandbox = start().await;
    sandbox.set_faults("apply_drop").unwrap();
    let token = token(&sandbox).await;
    assert!(raw_import(&sandbox, &token, "lost").await.is_err());
    assert_eq!(sandbox.ledger().len(), 1, "the write was applied");
    // A retry with the same client_token is refused, which is what makes it safe.
    assert_error(
        &raw_import(&sandbox, &token, "lost").await.unwrap(),
        400,
        1580110,
    );
    assert_eq!(sandbox.ledger().len(), 1);
}

#[tokio::test]
async fn truncated_json_after_applying() {
    let sandbox = start().await;
    sandbox.set_faults("truncate").unwrap();
    let token = token(&sandbox).await;
    let reply = raw_import(&sandbox, &token, "t").await.unwrap();
    assert_eq!(reply.status, 200);
    assert!(
        serde_json::from_str::<serde_json::Value>(&reply.text).is_err(),
        "{}",
        reply.text
    );
    assert!(reply.text.starts_with("{\"code\":0"));
    assert_eq!(sandbox.ledger().len(), 1);
}

#[tokio::test]
async fn delay_holds_the_answer() {
    let sandbox = start().await;
    sandbox.set_faults("delay=300").unwrap();
    let token = token(&sandbox).await;
    let started = Instant::now();
    assert_eq!(raw_import(&sandbox, &token, "d").await.unwrap().code(), 0);
    assert!(started.elapsed() >= Duration::from_millis(300));
}

#[tokio::test]
async fn revocation_answers_99991663_until_a_new_token_is_fetched() {
    let sandbox = start().await;
    let old = token(&sandbox).await;
    // Set through the control endpoint, as a user of the binary would.
    let set = send(
        client()
            .post(format!("{}/_sandbox/faults", sandbox.base_url()))
            .body("revoke"),
    )
    .await;
    assert_eq!(set.status, 200);
    assert_error(
        &raw_import(&sandbox, &old, "r").await.unwrap(),
        400,
        99991663,
    );
    assert_error(
        &raw_import(&sandbox, &old, "r").await.unwrap(),
        400,
        99991663,
    );
    let new = token(&sandbox).await;
    assert_ne!(new, old);
    assert_eq!(raw_import(&sandbox, &new, "r").await.unwrap().code(), 0);
    let bad = send(
        client()
            .post(format!("{}/_sandbox/faults", sandbox.base_url()))
            .body("explode"),
    )
    .await;
    assert_eq!(bad.status, 400);
}

const QUERY: &str = "/open-apis/performance/v2/review_templates/query";

/// The ten template queries a window allows.
async fn fill_the_window(sandbox: &feishu_sandbox::Sandbox, token: &str) {
    for _ in 0..10 {
        assert_eq!(
            api(sandbox, token, Method::POST, QUERY, json!({}))
                .await
                .code(),
            0
        );
    }
}

#[tokio::test]
async fn rate_limit_answers_429_with_the_platform_headers() {
    let sandbox = start_with(Config {
        rate_window: Duration::from_secs(60),
        ..Config::default()
    })
    .await;
    let token = token(&sandbox).await;
    fill_the_window(&sandbox, &token).await;
    let limited = api(&sandbox, &token, Method::POST, QUERY, json!({})).await;
    assert_error(&limited, 429, 99991400);
    assert_eq!(
        limited.header("x-ogw-ratelimit-limit").as_deref(),
        Some("10")
    );
    let reset: u64 = limited
        .header("x-ogw-ratelimit-reset")
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&reset), "{reset}");
    // The limit is per endpoint: another endpoint is still open.
    assert_eq!(
        raw_import(&sandbox, &token, "other").await.unwrap().code(),
        0
    );
    assert_eq!(sandbox.stats().statuses[&429], 1);
}

#[tokio::test]
async fn rate_window_is_configurable() {
    // No sleeps and no short windows: the answer does not depend on how fast
    // the machine is. A 30 s window fills and says so in its reset header; a
    // zero window holds no call, so the limit never applies (what the
    // functional tests rely on).
    let sandbox = start_with(Config {
        rate_window: Duration::from_secs(30),
        ..Config::default()
    })
    .await;
    let token = token(&sandbox).await;
    fill_the_window(&sandbox, &token).await;
    let limited = api(&sandbox, &token, Method::POST, QUERY, json!({})).await;
    assert_eq!(limited.code(), 99991400);
    let reset: u64 = limited
        .header("x-ogw-ratelimit-reset")
        .expect("a reset header")
        .parse()
        .expect("whole seconds");
    assert!(
        (1..=30).contains(&reset),
        "reset {reset} is within the 30 s window"
    );

    let fast = start_with(Config {
        rate_window: NO_RATE_LIMIT,
        ..Config::default()
    })
    .await;
    let fast_token = common::token(&fast).await;
    for _ in 0..30 {
        assert_eq!(
            api(&fast, &fast_token, Method::POST, QUERY, json!({}))
                .await
                .code(),
            0
        );
    }
}

#[tokio::test]
async fn many_clients_at_once_leave_a_consistent_ledger() {
    let sandbox = start().await;
    let token = token(&sandbox).await;
    // 40 distinct writes and 10 attempts of one same write, all at once.
    let mut tasks = Vec::new();
    for n in 0..40 {
        let (url, token) = (sandbox.base_url(), token.clone());
        tasks.push(tokio::spawn(async move {
            let url =
                format!("{url}/open-apis/performance/v2/metric_details/import?client_token=c{n}");
            client()
                .post(url)
                .bearer_auth(token)
                .json(&body(n))
                .send()
                .await
                .unwrap()
                .json::<serde_json::Value>()
                .await
                .unwrap()["code"]
                .as_i64()
        }));
    }
    for _ in 0..10 {
        let (url, token) = (sandbox.base_url(), token.clone());
        tasks.push(tokio::spawn(async move {
            let url =
                format!("{url}/open-apis/performance/v2/metric_details/import?client_token=same");
            client()
                .post(url)
                .bearer_auth(token)
                .json(&body(100))
                .send()
                .await
                .unwrap()
                .json::<serde_json::Value>()
                .await
                .unwrap()["code"]
                .as_i64()
        }));
    }
    let mut codes = Vec::new();
    for task in tasks {
        codes.push(task.await.unwrap().unwrap());
    }
    assert_eq!(codes.iter().filter(|&&c| c == 0).count(), 41);
    assert_eq!(codes.iter().filter(|&&c| c == 1580110).count(), 9);
    let ledger = sandbox.ledger();
    assert_eq!(ledger.len(), 41);
    let mut tokens: Vec<_> = ledger
        .iter()
        .map(|e| e.client_token.clone().unwrap())
        .collect();
    tokens.sort();
    tokens.dedup();
    assert_eq!(tokens.len(), 41, "no write applied twice");
    let seqs: Vec<u64> = ledger.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, (1..=41).collect::<Vec<_>>());
    let via_control: Vec<feishu_sandbox::LedgerEntry> = client()
        .get(format!("{}/_sandbox/ledger", sandbox.base_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(via_control, ledger);
}

#[tokio::test]
async fn seed_loads_from_a_file() {
    let mut seed = Seed::fixture();
    seed.semesters.truncate(1);
    seed.semesters[0].reviewees.truncate(3);
    let path =
        std::env::temp_dir().join(format!("feishu-sandbox-seed-{}.json", std::process::id()));
    std::fs::write(&path, serde_json::to_string(&seed).unwrap()).unwrap();
    let loaded = Seed::from_file(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    let sandbox = start_with(Config {
        seed: loaded,
        rate_window: NO_RATE_LIMIT,
        ..Config::default()
    })
    .await;
    let token = token(&sandbox).await;
    assert_eq!(
        import_metrics(&sandbox, &token, "a", body(2)).await.code(),
        0
    );
    assert_error(
        &import_metrics(&sandbox, &token, "b", body(3)).await,
        400,
        1580306,
    );
    assert!(Seed::from_file(std::path::Path::new("/nonexistent/seed.json")).is_err());
}
