//! The SDK's overhead: one SDK call against one plain reqwest + serde_json call
//! of the same request to the same loopback server (the sandbox), in the same run.
//!
//! `cargo bench --bench overhead`

use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use feishu_perf::performance::v2::QueryReviewTemplateRequest;
use feishu_perf::{Client, Pacing, RetryPolicy};
use feishu_sandbox::seed::{APP_ID, APP_SECRET};
use feishu_sandbox::{Config, Sandbox};

fn bench(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (sandbox, client, token) = runtime.block_on(async {
        let sandbox = Sandbox::start(Config {
            rate_window: Duration::from_nanos(1),
            ..Config::default()
        })
        .await
        .unwrap();
        let client = Client::builder()
            .app(APP_ID, APP_SECRET)
            .base_url(sandbox.base_url())
            .pacing(Pacing::Off)
            .retry(RetryPolicy::none())
            .build()
            .unwrap();
        // Warm the token cache and the connection pool.
        client
            .send(QueryReviewTemplateRequest::new().page_size(1))
            .await
            .unwrap();
        let token: serde_json::Value = reqwest::Client::new()
            .post(format!(
                "{}/open-apis/auth/v3/tenant_access_token/internal",
                sandbox.base_url()
            ))
            .json(&serde_json::json!({"app_id": APP_ID, "app_secret": APP_SECRET}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        (
            sandbox,
            client,
            token["tenant_access_token"].as_str().unwrap().to_owned(),
        )
    });
    let plain = reqwest::Client::new();
    let url = format!(
        "{}/open-apis/performance/v2/review_templates/query?page_size=1",
        sandbox.base_url()
    );

    // Machine noise on a small box is larger than the difference being
    // measured, so first compare medians of interleaved pairs: both calls see
    // the same conditions.
    let (plain_median, sdk_median) = runtime.block_on(async {
        let mut plain_times = Vec::new();
        let mut sdk_times = Vec::new();
        for i in 0..4000 {
            let started = std::time::Instant::now();
            if i % 2 == 0 {
                plain_call(&plain, &url, &token).await;
                plain_times.push(started.elapsed());
            } else {
                sdk_call(&client).await;
                sdk_times.push(started.elapsed());
            }
        }
        plain_times.sort();
        sdk_times.sort();
        (
            plain_times[plain_times.len() / 2],
            sdk_times[sdk_times.len() / 2],
        )
    });
    println!(
        "interleaved medians over 2000 calls each: plain {plain_median:?}, feishu-perf {sdk_median:?}, ratio {:.3}",
        sdk_median.as_secs_f64() / plain_median.as_secs_f64()
    );

    let mut group = c.benchmark_group("review_template.query page_size=1");
    group.bench_function("plain reqwest + serde_json", |b| {
        b.to_async(&runtime).iter(|| async {
            let response = plain
                .post(&url)
                .bearer_auth(&token)
                .header("content-type", "application/json; charset=utf-8")
                .body("{}")
                .send()
                .await
                .unwrap();
            let body: serde_json::Value =
                serde_json::from_slice(&response.bytes().await.unwrap()).unwrap();
            assert_eq!(body["code"], 0);
        })
    });
    group.bench_function("feishu-perf client", |b| {
        b.to_async(&runtime).iter(|| async {
            let page = client
                .send(QueryReviewTemplateRequest::new().page_size(1))
                .await
                .unwrap();
            assert!(page.review_templates.is_some());
        })
    });
    group.finish();
}

async fn plain_call(plain: &reqwest::Client, url: &str, token: &str) {
    let response = plain
        .post(url)
        .bearer_auth(token)
        .header("content-type", "application/json; charset=utf-8")
        .body("{}")
        .send()
        .await
        .unwrap();
    let body: serde_json::Value = serde_json::from_slice(&response.bytes().await.unwrap()).unwrap();
    assert_eq!(body["code"], 0);
}

async fn sdk_call(client: &Client) {
    let page = client
        .send(QueryReviewTemplateRequest::new().page_size(1))
        .await
        .unwrap();
    assert!(page.review_templates.is_some());
}

criterion_group!(benches, bench);
criterion_main!(benches);
