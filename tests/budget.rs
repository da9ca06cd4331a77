//! The time budget of a call (`RetryPolicy::max_elapsed`) bounds the waits a
//! 429 imposes: a hold longer than the time a call has left ends that call at
//! once with `RateLimited`, saying when calls are accepted again; later calls
//! are still held, never sent early.

mod common;

use std::time::{Duration, Instant};

use common::hostile::{Hostile, Reply, http};
use feishu_perf::performance::v2::QueryReviewTemplateRequest;
use feishu_perf::prelude::*;
use feishu_perf::{Pacing, RetryPolicy};

/// A hang guard, far above what a call that does not wait needs even on a
/// loaded machine, and far below the 300 s hold it must not wait out.
const HANG: Duration = Duration::from_secs(60);

#[tokio::test]
async fn a_hold_past_the_time_left_ends_the_call_at_once() {
    let server = Hostile::start().await;
    // A 429 whose reset (1000 s) is clamped to 300 s.
    server.set_api([Reply::Raw(http(
        429,
        &[("x-ogw-ratelimit-reset", b"1000")],
        br#"{"code":99991400,"msg":"too many requests"}"#,
    ))]);
    let max_elapsed = Duration::from_secs(6);
    let client = Client::builder()
        .app("cli_budget", "secret-of-budget")
        .base_url(server.base_url())
        .pacing(Pacing::default())
        .retry(RetryPolicy {
            max_elapsed,
            ..RetryPolicy::default()
        })
        .build()
        .unwrap();

    // The call that got the 429: the wait it asks for does not fit in 6 s.
    let err = tokio::time::timeout(HANG, client.send(QueryReviewTemplateRequest::new()))
        .await
        .expect("the rate-limited call waited")
        .unwrap_err();
    assert!(matches!(err, Error::RateLimited { .. }), "{err:?}");
    assert_eq!(server.api_requests(), 1);

    // The calls after it are held by the 429's reset: each ends at once,
    // unsent, saying when calls are accepted again.
    let mut longest_past_budget = Duration::ZERO;
    for _ in 0..3 {
        let started = Instant::now();
        let err = tokio::time::timeout(HANG, client.send(QueryReviewTemplateRequest::new()))
            .await
            .expect("a held call waited past its budget")
            .unwrap_err();
        longest_past_budget =
            longest_past_budget.max(started.elapsed().saturating_sub(max_elapsed));
        let Error::RateLimited { reset_after, .. } = &err else {
            panic!("{err:?}");
        };
        let reset = reset_after.expect("when calls are accepted again");
        assert!(
            reset > Duration::from_secs(200) && reset <= Duration::from_secs(300),
            "{reset:?}"
        );
        assert!(
            err.to_string().contains("calls are accepted again in"),
            "{err}"
        );
        assert!(err.is_retryable());
    }
    // Still held: nothing more was sent.
    assert_eq!(server.api_requests(), 1);
    println!("longest wait past max_elapsed: {longest_past_budget:?}");
    assert_eq!(longest_past_budget, Duration::ZERO);
}
