//! Tokens and the rate budget shared through a real Redis: each test starts
//! `redis-server` from PATH on a free loopback port (persistence off) and
//! several clients, each with its own connection and its own in-process
//! state, as separate processes would have. Assertions are on counts (token
//! fetches, 429s), never on elapsed time.
//!
//! Without `redis-server` on PATH (or without the `redis` feature) this prints
//! that the tests were skipped and why; with `FEISHU_PERF_REQUIRE_REDIS=1`
//! (set by `.ci/run`) a missing server is a failure.

#[cfg(not(feature = "redis"))]
fn main() {
    println!(
        "SKIPPED: the Redis tests (tests/redis.rs): built without the `redis` feature \
         (`cargo test --workspace` enables it; or `cargo test --features redis`)"
    );
}

#[cfg(feature = "redis")]
#[path = "support/redis_server.rs"]
mod redis_server;

#[cfg(feature = "redis")]
#[path = "common/hostile.rs"]
#[allow(dead_code)] // a part of it serves here
mod hostile;

#[cfg(feature = "redis")]
fn main() {
    use redis_server::{REQUIRE, unavailable};
    if let Some(why) = unavailable() {
        if std::env::var(REQUIRE).as_deref() == Ok("1") {
            eprintln!("FAILED: {REQUIRE}=1 but the Redis tests cannot run: {why}");
            std::process::exit(1);
        }
        println!(
            "SKIPPED: the Redis tests (tests/redis.rs): {why}. Install Redis \
             (Debian: apt-get install redis-server) to run them."
        );
        return;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    type Test = fn() -> futures::future::BoxFuture<'static, ()>;
    let tests: &[(&str, Test)] = &[
        ("four_clients_fetch_one_token", || {
            Box::pin(tests::four_clients_fetch_one_token())
        }),
        (
            "a_dead_lock_holder_blocks_the_others_only_until_expiry",
            || Box::pin(tests::a_dead_lock_holder_blocks_the_others_only_until_expiry()),
        ),
        ("four_clients_share_one_rate_budget", || {
            Box::pin(tests::four_clients_share_one_rate_budget())
        }),
        ("four_clients_share_one_per_second_budget", || {
            Box::pin(tests::four_clients_share_one_per_second_budget())
        }),
        ("a_learned_limit_is_shared", || {
            Box::pin(tests::a_learned_limit_is_shared())
        }),
        ("tenants_are_paced_on_their_own_budgets", || {
            Box::pin(tests::tenants_are_paced_on_their_own_budgets())
        }),
        (
            "redis_going_away_falls_back_to_local_and_comes_back",
            || Box::pin(tests::redis_going_away_falls_back_to_local_and_comes_back()),
        ),
        (
            "a_shared_hold_past_the_time_left_ends_a_call_at_once",
            || Box::pin(tests::a_shared_hold_past_the_time_left_ends_a_call_at_once()),
        ),
    ];
    println!("\nrunning {} Redis tests", tests.len());
    for (name, test) in tests {
        runtime.block_on(test());
        println!("test {name} ... ok");
    }
    println!("\ntest result: ok. {} passed (Redis)", tests.len());
}

#[cfg(feature = "redis")]
mod tests {
    use std::time::Duration;

    use feishu_perf::okr::v1::{
        PatchMetricSourceTableItemRequest, PatchMetricSourceTableItemRequestBody,
    };
    use feishu_perf::performance::v2::QueryReviewTemplateRequest;
    use feishu_perf::prelude::*;
    use feishu_perf::redis::Redis;
    use feishu_perf::{Pacing, RequestOptions, RetryPolicy};
    use feishu_sandbox::seed::{
        APP_ID, APP_SECRET, STORE_APP_ID, STORE_APP_SECRET, TENANT_KEY, ids,
    };
    use feishu_sandbox::{Config, Sandbox};

    use crate::redis_server::RedisServer;

    const OKR_PATCH: &str = "okr.v1.metric_source_table_item.patch";

    async fn client(sandbox_url: &str, redis: &RedisServer, pacing: Pacing) -> Client {
        let redis = Redis::connect(&redis.url()).await.unwrap();
        Client::builder()
            .app(APP_ID, APP_SECRET)
            .base_url(sandbox_url)
            .pacing(pacing)
            .retry(RetryPolicy {
                base_delay: Duration::from_millis(10),
                ..RetryPolicy::default()
            })
            .redis(redis)
            .build()
            .unwrap()
    }

    async fn queries(client: &Client, n: usize) -> Vec<Result<(), Error>> {
        let calls = (0..n).map(|_| {
            let client = client.clone();
            tokio::spawn(async move {
                client
                    .send(QueryReviewTemplateRequest::new().page_size(1))
                    .await
                    .map(drop)
            })
        });
        futures::future::join_all(calls)
            .await
            .into_iter()
            .map(|r| r.unwrap())
            .collect()
    }

    fn okr_patch(value: f64) -> PatchMetricSourceTableItemRequest {
        PatchMetricSourceTableItemRequest::new(ids::OKR_SOURCE, ids::OKR_TABLE, ids::OKR_ITEM)
            .body(PatchMetricSourceTableItemRequestBody::new().metric_current_value(value))
    }

    fn refusals(sandbox: &Sandbox) -> u64 {
        sandbox.stats().statuses.get(&429).copied().unwrap_or(0)
    }

    pub async fn four_clients_fetch_one_token() {
        let redis = RedisServer::start();
        let sandbox = Sandbox::start(Config {
            rate_window: Duration::from_millis(1),
            ..Config::default()
        })
        .await
        .unwrap();
        let mut clients = Vec::new();
        for _ in 0..4 {
            clients.push(client(&sandbox.base_url(), &redis, Pacing::Off).await);
        }
        let runs = clients.iter().map(|c| queries(c, 100));
        for results in futures::future::join_all(runs).await {
            for result in results {
                result.unwrap();
            }
        }
        assert_eq!(
            sandbox.stats().token_requests["tenant_access_token/internal"],
            1,
            "400 cold calls from four clients: one token fetch"
        );
    }

    pub async fn a_dead_lock_holder_blocks_the_others_only_until_expiry() {
        let redis = RedisServer::start();
        let sandbox = Sandbox::start(Config::default()).await.unwrap();
        // A server that accepts connections and never answers: the holder
        // hangs in its token fetch, and is then killed mid-fetch.
        let black_hole = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let hole_url = format!("http://{}", black_hole.local_addr().unwrap());
        let hole = tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((stream, _)) = black_hole.accept().await {
                held.push(stream);
            }
        });
        let connect = || async {
            Redis::connect(&redis.url())
                .await
                .unwrap()
                .lock_expiry(Duration::from_millis(500))
        };
        let holder = Client::builder()
            .app(APP_ID, APP_SECRET)
            .base_url(&hole_url)
            .redis(connect().await)
            .build()
            .unwrap();
        let lock_key = format!("feishu-perf:tenant_access_token:{APP_ID}::lock");
        let hung = tokio::spawn(async move {
            let _ = holder
                .send(QueryReviewTemplateRequest::new().page_size(1))
                .await;
        });
        while redis.command(&["EXISTS", &lock_key]).as_deref() != Some(":1") {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        hung.abort();
        let _ = hung.await;
        assert_eq!(
            redis.command(&["EXISTS", &lock_key]).as_deref(),
            Some(":1"),
            "the dead holder left its lock behind"
        );
        let other = Client::builder()
            .app(APP_ID, APP_SECRET)
            .base_url(sandbox.base_url())
            .redis(connect().await)
            .build()
            .unwrap();
        other
            .send(QueryReviewTemplateRequest::new().page_size(1))
            .await
            .unwrap();
        assert_eq!(
            sandbox.stats().token_requests["tenant_access_token/internal"],
            1
        );
        hole.abort();
    }

    pub async fn four_clients_share_one_rate_budget() {
        let redis = RedisServer::start();
        let window = Duration::from_secs(1);
        let sandbox = Sandbox::start(Config {
            rate_window: window,
            ..Config::default()
        })
        .await
        .unwrap();
        let mut clients = Vec::new();
        for _ in 0..4 {
            let c = client(&sandbox.base_url(), &redis, Pacing::Documented { window }).await;
            clients.push(c);
        }
        // Each alone would send 10 at once: 40 against a limit of 10.
        let runs = clients.iter().map(|c| queries(c, 10));
        for results in futures::future::join_all(runs).await {
            for result in results {
                result.unwrap();
            }
        }
        assert_eq!(refusals(&sandbox), 0, "40 calls from four clients, no 429");
        assert_eq!(
            sandbox.stats().api_requests["performance.v2.review_template.query"],
            40
        );
    }

    pub async fn four_clients_share_one_per_second_budget() {
        // metric_tags: 10 次/秒. The sandbox's "second" is a sixtieth of its
        // window, here three seconds, so a burst lands in one on a busy machine.
        let redis = RedisServer::start();
        let window = Duration::from_secs(180);
        let sandbox = Sandbox::start(Config {
            rate_window: window,
            ..Config::default()
        })
        .await
        .unwrap();
        let mut clients = Vec::new();
        for _ in 0..4 {
            let c = client(&sandbox.base_url(), &redis, Pacing::Documented { window }).await;
            clients.push(c);
        }
        // Five each at once: 20 against 10 a "second".
        let runs = clients.iter().map(|c| {
            let calls = (0..5).map(|_| {
                let client = c.clone();
                tokio::spawn(async move {
                    client
                        .send(feishu_perf::performance::v2::ListMetricTagRequest::new())
                        .await
                        .map(drop)
                })
            });
            futures::future::join_all(calls)
        });
        for results in futures::future::join_all(runs).await {
            for result in results {
                result.unwrap().unwrap();
            }
        }
        assert_eq!(refusals(&sandbox), 0, "20 calls from four clients, no 429");
        assert_eq!(
            sandbox.stats().api_requests["performance.v2.metric_tag.list"],
            20
        );
    }

    pub async fn a_learned_limit_is_shared() {
        let redis = RedisServer::start();
        let window = Duration::from_secs(1);
        let sandbox = Sandbox::start(Config {
            rate_window: window,
            undocumented_limits: [(OKR_PATCH.to_owned(), 5)].into(),
            ..Config::default()
        })
        .await
        .unwrap();
        let pacing = Pacing::Documented { window };
        let first = client(&sandbox.base_url(), &redis, pacing).await;
        for i in 0..6 {
            first.send(okr_patch(i as f64)).await.unwrap();
        }
        assert_eq!(refusals(&sandbox), 1, "the sixth call taught the limit");
        // Another client (another process) knows it without being refused.
        let second = client(&sandbox.base_url(), &redis, pacing).await;
        let calls = (0..15).map(|i| {
            let second = second.clone();
            tokio::spawn(async move { second.send(okr_patch(i as f64)).await })
        });
        for call in futures::future::join_all(calls).await {
            call.unwrap().unwrap();
        }
        assert_eq!(refusals(&sandbox), 1, "no refusal once the limit is shared");
    }

    pub async fn tenants_are_paced_on_their_own_budgets() {
        let redis = RedisServer::start();
        let tenants = [TENANT_KEY, "sandbox_tenant_b", "sandbox_tenant_c"];
        let mut seed = feishu_sandbox::Seed::fixture();
        for app in &mut seed.apps {
            if app.app_id == STORE_APP_ID {
                app.tenant_keys = tenants.iter().map(|t| t.to_string()).collect();
            }
        }
        let sandbox = std::sync::Arc::new(
            Sandbox::start(Config {
                seed,
                ..Config::default()
            })
            .await
            .unwrap(),
        );
        let sb = sandbox.clone();
        // Three calls a ten-minute window per tenant: were the budgets one,
        // the fourth call would wait ten minutes.
        let store = Client::builder()
            .store_app(STORE_APP_ID, STORE_APP_SECRET, move || {
                sb.app_ticket(STORE_APP_ID)
            })
            .base_url(sandbox.base_url())
            .pacing(Pacing::Custom {
                calls: 3,
                window: Duration::from_secs(600),
            })
            .redis(Redis::connect(&redis.url()).await.unwrap())
            .build()
            .unwrap();
        let calls = tenants.iter().flat_map(|tenant| {
            (0..3).map(|_| {
                let store = store.clone();
                let options = RequestOptions {
                    tenant_key: Some(tenant.to_string()),
                    ..RequestOptions::default()
                };
                tokio::spawn(async move {
                    store
                        .send_with(QueryReviewTemplateRequest::new().page_size(1), options)
                        .await
                })
            })
        });
        let all = futures::future::join_all(calls);
        let results = tokio::time::timeout(Duration::from_secs(120), all)
            .await
            .expect("no tenant waited for another's budget");
        for result in results {
            result.unwrap().unwrap();
        }
        assert_eq!(
            sandbox.stats().token_requests["tenant_access_token"],
            3,
            "one token per tenant"
        );
    }

    pub async fn redis_going_away_falls_back_to_local_and_comes_back() {
        let redis = RedisServer::start();
        let window = Duration::from_secs(1);
        let sandbox = Sandbox::start(Config {
            rate_window: window,
            ..Config::default()
        })
        .await
        .unwrap();
        let client = client(&sandbox.base_url(), &redis, Pacing::Documented { window }).await;
        let pace_key = format!("feishu-perf:pace:{APP_ID}:performance.v2.review_template.query:");
        assert!(queries(&client, 5).await.iter().all(Result::is_ok));
        assert_eq!(redis.command(&["EXISTS", &pace_key]).as_deref(), Some(":1"));
        let port = redis.stop();
        // Without Redis: paced in this process, the cached token still used.
        assert!(queries(&client, 15).await.iter().all(Result::is_ok));
        assert_eq!(refusals(&sandbox), 0);
        assert_eq!(
            sandbox.stats().token_requests["tenant_access_token/internal"],
            1
        );
        // Redis is back (empty): the client uses it again.
        let redis = RedisServer::start_on(port);
        let mut back = false;
        for _ in 0..100 {
            assert!(queries(&client, 1).await.iter().all(Result::is_ok));
            if redis.command(&["EXISTS", &pace_key]).as_deref() == Some(":1") {
                back = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(back, "pacing went back to Redis");
    }

    /// A 429's reset learned by one process holds the endpoint for all: in
    /// another, a call whose budget is shorter than the hold ends at once,
    /// unsent, with when calls are accepted again.
    pub async fn a_shared_hold_past_the_time_left_ends_a_call_at_once() {
        use crate::hostile::{Hostile, Reply, http};

        let redis = RedisServer::start();
        let server = Hostile::start().await;
        server.set_api([Reply::Raw(http(
            429,
            &[("x-ogw-ratelimit-reset", b"300")],
            br#"{"code":99991400,"msg":"too many requests"}"#,
        ))]);
        let process = |max_elapsed: Duration| {
            let (base_url, redis) = (server.base_url(), redis.url());
            async move {
                Client::builder()
                    .app("cli_hold", "secret-of-hold")
                    .base_url(base_url)
                    .retry(RetryPolicy {
                        max_elapsed,
                        ..RetryPolicy::default()
                    })
                    .redis(Redis::connect(&redis).await.unwrap())
                    .build()
                    .unwrap()
            }
        };
        let first = process(Duration::from_secs(6)).await;
        let err = first
            .send(QueryReviewTemplateRequest::new())
            .await
            .unwrap_err();
        assert!(matches!(err, Error::RateLimited { .. }), "{err:?}");
        assert_eq!(server.api_requests(), 1);
        let second = process(Duration::from_secs(6)).await;
        let err = tokio::time::timeout(
            Duration::from_secs(60),
            second.send(QueryReviewTemplateRequest::new()),
        )
        .await
        .expect("the held call waited past its budget")
        .unwrap_err();
        let Error::RateLimited { reset_after, .. } = &err else {
            panic!("{err:?}");
        };
        assert!(
            reset_after.is_some_and(|r| r > Duration::from_secs(200)),
            "{err:?}"
        );
        assert_eq!(server.api_requests(), 1, "the held call was not sent");
    }
}
