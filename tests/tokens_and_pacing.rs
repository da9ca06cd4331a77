//! Token lifetimes and learned rate limits, against the sandbox over real HTTP.
//! Every assertion is on counts (token fetches, 429s), never on elapsed time.

use std::time::Duration;

use feishu_perf::okr::v1::{
    PatchMetricSourceTableItemRequest, PatchMetricSourceTableItemRequestBody,
};
use feishu_perf::performance::v2::QueryReviewTemplateRequest;
use feishu_perf::prelude::*;
use feishu_perf::{Pacing, RetryPolicy};
use feishu_sandbox::seed::{APP_ID, APP_SECRET, ids};
use feishu_sandbox::{Config, Sandbox};

const OKR_PATCH: &str = "okr.v1.metric_source_table_item.patch";

fn builder(sandbox: &Sandbox) -> feishu_perf::ClientBuilder {
    Client::builder()
        .app(APP_ID, APP_SECRET)
        .base_url(sandbox.base_url())
        .retry(RetryPolicy {
            base_delay: Duration::from_millis(10),
            ..RetryPolicy::default()
        })
}

async fn token_fetches_for_concurrent_calls(token_ttl: Duration) -> u64 {
    let sandbox = Sandbox::start(Config {
        token_ttl,
        rate_window: Duration::ZERO, // holds no call: no rate limit
        ..Config::default()
    })
    .await
    .unwrap();
    let client = builder(&sandbox).pacing(Pacing::Off).build().unwrap();
    let calls = (0..100).map(|_| {
        let client = client.clone();
        tokio::spawn(async move {
            client
                .send(QueryReviewTemplateRequest::new().page_size(1))
                .await
        })
    });
    for call in futures::future::join_all(calls).await {
        call.unwrap().unwrap();
    }
    sandbox.stats().token_requests["tenant_access_token/internal"]
}

#[tokio::test]
async fn a_short_lived_token_is_cached_and_fetched_once_for_a_hundred_calls() {
    // Shorter than the 3-minute refresh margin: cached for three quarters of its life.
    assert_eq!(
        token_fetches_for_concurrent_calls(Duration::from_secs(120)).await,
        1
    );
    assert_eq!(
        token_fetches_for_concurrent_calls(Duration::from_secs(7200)).await,
        1
    );
}

fn okr_patch(value: f64) -> PatchMetricSourceTableItemRequest {
    PatchMetricSourceTableItemRequest::new(ids::OKR_SOURCE, ids::OKR_TABLE, ids::OKR_ITEM)
        .body(PatchMetricSourceTableItemRequestBody::new().metric_current_value(value))
}

/// `n` OKR PATCHes at once; all must succeed.
async fn patches_at_once(client: &Client, n: usize) {
    let calls = (0..n).map(|i| {
        let client = client.clone();
        tokio::spawn(async move { client.send(okr_patch(i as f64)).await })
    });
    for call in futures::future::join_all(calls).await {
        call.unwrap().unwrap();
    }
}

#[tokio::test]
async fn a_limit_the_server_announces_is_learned_and_kept() {
    // The OKR page documents no limit; this server allows 10 a window.
    let sandbox = Sandbox::start(Config {
        // Two seconds, so that a burst of 30 sent at once lands within one
        // window even on a busy machine.
        rate_window: Duration::from_secs(2),
        undocumented_limits: [(OKR_PATCH.to_owned(), 10)].into(),
        ..Config::default()
    })
    .await
    .unwrap();
    let client = builder(&sandbox)
        .pacing(Pacing::Documented {
            window: Duration::from_secs(2),
        })
        .build()
        .unwrap();
    let refusals = || sandbox.stats().statuses.get(&429).copied().unwrap_or(0);

    patches_at_once(&client, 30).await;
    let first = refusals();
    // Only the first burst, sent before the limit was known, can be refused:
    // at most the 20 calls beyond the limit, each once.
    assert!(first <= 20, "{first} refusals in the first burst");
    assert!(first > 0, "the server did limit the first burst");

    patches_at_once(&client, 30).await;
    assert_eq!(refusals(), first, "no refusal once the limit is known");
    assert_eq!(sandbox.ledger().len(), 60, "every PATCH applied once");
}

#[tokio::test]
async fn pacing_off_learns_nothing() {
    let sandbox = Sandbox::start(Config {
        rate_window: Duration::from_secs(60),
        undocumented_limits: [(OKR_PATCH.to_owned(), 2)].into(),
        ..Config::default()
    })
    .await
    .unwrap();
    let client = builder(&sandbox)
        .pacing(Pacing::Off)
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    for i in 0..2 {
        client.send(okr_patch(i as f64)).await.unwrap();
    }
    let err = client.send(okr_patch(3.0)).await.unwrap_err();
    assert!(matches!(err, Error::RateLimited { .. }), "{err:?}");
    // Unpaced, the next call goes straight to the server (and is refused again).
    let err = client.send(okr_patch(4.0)).await.unwrap_err();
    assert!(matches!(err, Error::RateLimited { .. }), "{err:?}");
    assert_eq!(sandbox.stats().statuses[&429], 2);
}

/// `n` calls to the metric tags list (10 次/秒) at once; how many were refused.
async fn tag_lists_at_once(client: &Client, n: usize) -> usize {
    let calls = (0..n).map(|_| {
        let client = client.clone();
        tokio::spawn(async move {
            client
                .send(feishu_perf::performance::v2::ListMetricTagRequest::new())
                .await
        })
    });
    futures::future::join_all(calls)
        .await
        .into_iter()
        .filter(|call| matches!(call.as_ref().unwrap(), Err(Error::RateLimited { .. })))
        .count()
}

#[tokio::test]
async fn a_per_second_limit_is_kept_as_documented() {
    // The sandbox holds metric_tags to 10 a "second": a sixtieth of its window,
    // here three seconds, so that a burst lands in one of them on a busy machine.
    let config = || Config {
        rate_window: Duration::from_secs(180),
        ..Config::default()
    };
    // Unpaced, a burst of 20 is refused in part: the sandbox does enforce it.
    let sandbox = Sandbox::start(config()).await.unwrap();
    let unpaced = builder(&sandbox)
        .pacing(Pacing::Off)
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    assert!(tag_lists_at_once(&unpaced, 20).await > 0);
    // Paced by the descriptor's per-second limit, the same burst is never refused.
    let sandbox = Sandbox::start(config()).await.unwrap();
    let paced = builder(&sandbox)
        .pacing(Pacing::Documented {
            window: Duration::from_secs(180),
        })
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    assert_eq!(tag_lists_at_once(&paced, 20).await, 0);
    assert_eq!(sandbox.stats().statuses.get(&429), None);
    assert_eq!(
        sandbox.stats().api_requests["performance.v2.metric_tag.list"],
        20
    );
}
