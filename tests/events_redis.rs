//! Two webhooks behind one URL (replicas of one app) share their event ids through a real
//! Redis: a delivery handled by one is a repeat for the other; a failed handler gives its id
//! back. Starts `redis-server` from PATH; without it (or without the `redis` and `events`
//! features) says the tests were skipped and why, and fails with FEISHU_PERF_REQUIRE_REDIS=1.

#[cfg(not(all(feature = "redis", feature = "events")))]
fn main() {
    println!(
        "SKIPPED: tests/events_redis.rs: built without the `redis` and `events` features \
         (`cargo test --workspace` enables them)"
    );
}

#[cfg(all(feature = "redis", feature = "events"))]
#[path = "support/redis_server.rs"]
mod redis_server;

#[cfg(all(feature = "redis", feature = "events"))]
fn main() {
    use redis_server::{REQUIRE, RedisServer, unavailable};
    if let Some(why) = unavailable() {
        if std::env::var(REQUIRE).as_deref() == Ok("1") {
            eprintln!("FAILED: {REQUIRE}=1 but tests/events_redis.rs cannot run: {why}");
            std::process::exit(1);
        }
        println!("SKIPPED: tests/events_redis.rs: {why}");
        return;
    }
    let server = RedisServer::start();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(replicas_agree(&server.url()));
    println!("test replicas_behind_one_url_hand_each_event_over_once ... ok");
    server.stop();
}

#[cfg(all(feature = "redis", feature = "events"))]
async fn replicas_agree(url: &str) {
    use std::time::Duration;

    use feishu_perf::events::{Dedupe, Outcome, Webhook, WebhookConfig};
    use feishu_perf::redis::Redis;
    use reqwest::header::HeaderMap;
    use serde_json::json;

    let replica = |redis: Redis| {
        Webhook::new(WebhookConfig::new().verification_token("tok")).with_dedupe(Dedupe::redis(
            &redis,
            "events-test:",
            Duration::from_secs(300),
        ))
    };
    let a = replica(Redis::connect(url).await.unwrap());
    let b = replica(Redis::connect(url).await.unwrap());
    let body = |id: &str| {
        json!({"schema": "2.0", "header": {"event_id": id, "event_type": "performance.stage_task.open_result_v2", "token": "tok"}, "event": {"items": []}})
            .to_string()
    };
    let h = HeaderMap::new();
    let ok = |_e| async { Ok::<(), String>(()) };
    let fail = |_e| async { Err::<(), String>("down".into()) };

    // Handled by A: a repeat for B, and for A.
    let (_, first) = a.handle(&h, body("e-1").as_bytes(), ok).await;
    assert_eq!(
        first,
        Outcome::Delivered {
            event_id: "e-1".into()
        }
    );
    let (_, again) = b.handle(&h, body("e-1").as_bytes(), ok).await;
    assert_eq!(
        again,
        Outcome::Duplicate {
            event_id: "e-1".into()
        }
    );
    let (_, again) = a.handle(&h, body("e-1").as_bytes(), ok).await;
    assert_eq!(
        again,
        Outcome::Duplicate {
            event_id: "e-1".into()
        }
    );

    // A's handler fails: B handles Feishu's retry.
    let (answer, failed) = a.handle(&h, body("e-2").as_bytes(), fail).await;
    assert_eq!(answer.status, 500);
    assert!(matches!(failed, Outcome::HandlerFailed { .. }));
    let (_, retried) = b.handle(&h, body("e-2").as_bytes(), ok).await;
    assert_eq!(
        retried,
        Outcome::Delivered {
            event_id: "e-2".into()
        }
    );
}
