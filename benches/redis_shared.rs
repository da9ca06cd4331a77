//! Several processes of one app sharing tokens and the rate budget through
//! Redis, against the sandbox with a one-second window. It starts a
//! `redis-server` (from PATH) and a sandbox, and spawns itself as the worker
//! processes:
//!
//! 1. 4 processes x 30 calls at once, one endpoint (10 a window) and tenant:
//!    HTTP 429s, and the combined throughput against the limit;
//! 2. 4 processes x 100 concurrent calls with a cold cache: token fetches;
//! 3. a process killed while it holds the token lock (its fetch hangs on a
//!    server that never answers): how long after the kill the others' calls
//!    are done, against the lock's expiry.
//!
//! `cargo bench --features redis --bench redis_shared`

#[allow(dead_code)]
#[path = "../tests/support/redis_server.rs"]
mod redis_server;

use std::process::{Command, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use feishu_perf::performance::v2::QueryReviewTemplateRequest;
use feishu_perf::redis::Redis;
use feishu_perf::{Client, Pacing, RetryPolicy};
use feishu_sandbox::seed::{APP_ID, APP_SECRET};
use feishu_sandbox::{Config, Sandbox};
use redis_server::RedisServer;

const PROCESSES: usize = 4;
const WINDOW: Duration = Duration::from_secs(1);
const LIMIT: usize = 10;
const LOCK_EXPIRY: Duration = Duration::from_secs(2);

fn now_ms() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
        * 1000.0
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    if args.get(1).map(String::as_str) == Some("worker") {
        runtime.block_on(worker(&args[2..]));
        return;
    }
    if let Some(why) = redis_server::unavailable() {
        println!("SKIPPED: {why}");
        return;
    }
    runtime.block_on(lead());
}

/// One worker process: `worker MODE SANDBOX_URL REDIS_URL CALLS`; prints one
/// line per call: `ok|err <ms since the epoch when it ended>`.
async fn worker(args: &[String]) {
    let (mode, base_url, redis_url, calls) = (
        args[0].as_str(),
        &args[1],
        &args[2],
        args[3].parse::<usize>().unwrap(),
    );
    let redis = Redis::connect(redis_url)
        .await
        .unwrap()
        .lock_expiry(LOCK_EXPIRY);
    let pacing = match mode {
        "pace" => Pacing::Documented { window: WINDOW },
        _ => Pacing::Off,
    };
    let client = Client::builder()
        .app(APP_ID, APP_SECRET)
        .base_url(base_url)
        .pacing(pacing)
        .retry(RetryPolicy::none())
        .timeout(Duration::from_secs(600))
        .redis(redis)
        .build()
        .unwrap();
    let calls = (0..calls).map(|_| {
        let client = client.clone();
        tokio::spawn(async move {
            let result = client
                .send(QueryReviewTemplateRequest::new().page_size(1))
                .await;
            (result.is_ok(), now_ms())
        })
    });
    for call in futures::future::join_all(calls).await {
        let (ok, at) = call.unwrap();
        println!("{} {at:.3}", if ok { "ok" } else { "err" });
    }
}

fn spawn(mode: &str, base_url: &str, redis_url: &str, calls: usize) -> std::process::Child {
    Command::new(std::env::current_exe().unwrap())
        .args(["worker", mode, base_url, redis_url, &calls.to_string()])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Each call's outcome and end time, from every worker.
fn collect(children: Vec<std::process::Child>) -> Vec<(bool, f64)> {
    let mut calls = Vec::new();
    for child in children {
        let output = child.wait_with_output().unwrap();
        for line in String::from_utf8_lossy(&output.stdout).lines() {
            if let Some((status, at)) = line.split_once(' ') {
                calls.push((status == "ok", at.parse::<f64>().unwrap()));
            }
        }
    }
    calls
}

async fn lead() {
    println!(
        "{PROCESSES} processes, sandbox window {WINDOW:?}, limit {LIMIT} a window, lock expiry {LOCK_EXPIRY:?}"
    );

    // 1. The shared rate budget.
    let redis = RedisServer::start();
    let sandbox = Sandbox::start(Config {
        rate_window: WINDOW,
        ..Config::default()
    })
    .await
    .unwrap();
    let children = (0..PROCESSES)
        .map(|_| spawn("pace", &sandbox.base_url(), &redis.url(), 30))
        .collect();
    let calls = tokio::task::spawn_blocking(move || collect(children))
        .await
        .unwrap();
    let stats = sandbox.stats();
    let ok = calls.iter().filter(|(ok, _)| *ok).count();
    let mut ends: Vec<f64> = calls.iter().map(|(_, at)| *at).collect();
    ends.sort_by(f64::total_cmp);
    let span_s = (ends[ends.len() - 1] - ends[0]) / 1000.0;
    // The first window's calls end at once; the others follow at the paced rate.
    let rate = (ends.len() - LIMIT) as f64 / span_s;
    let limit_rate = LIMIT as f64 / WINDOW.as_secs_f64();
    println!(
        "pacing: {} calls, {ok} succeeded, HTTP 429: {}, sandbox saw {}; \
         throughput {rate:.2}/s = {:.1}% of the limit ({limit_rate}/s)",
        calls.len(),
        stats.statuses.get(&429).copied().unwrap_or(0),
        stats.api_requests.values().sum::<u64>(),
        100.0 * rate / limit_rate,
    );
    drop(redis);

    // 2. One token for every process.
    let redis = RedisServer::start();
    let sandbox = Sandbox::start(Config {
        rate_window: Duration::from_nanos(1),
        ..Config::default()
    })
    .await
    .unwrap();
    let children = (0..PROCESSES)
        .map(|_| spawn("cold", &sandbox.base_url(), &redis.url(), 100))
        .collect();
    let calls = tokio::task::spawn_blocking(move || collect(children))
        .await
        .unwrap();
    println!(
        "tokens: {} cold calls, {} succeeded, token fetches: {}",
        calls.len(),
        calls.iter().filter(|(ok, _)| *ok).count(),
        sandbox.stats().token_requests["tenant_access_token/internal"]
    );
    drop(redis);

    // 3. A holder killed mid-fetch.
    let redis = RedisServer::start();
    let black_hole = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let hole_url = format!("http://{}", black_hole.local_addr().unwrap());
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in black_hole.incoming() {
            held.push(stream);
        }
    });
    let mut holder = spawn("cold", &hole_url, &redis.url(), 1);
    let lock_key = format!("feishu-perf:tenant_access_token:{APP_ID}::lock");
    while redis.command(&["EXISTS", &lock_key]).as_deref() != Some(":1") {
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    holder.kill().unwrap();
    let killed_at = now_ms();
    let _ = holder.wait();
    let left = redis.command(&["PTTL", &lock_key]).unwrap_or_default();
    let children = (0..PROCESSES - 1)
        .map(|_| spawn("cold", &sandbox.base_url(), &redis.url(), 1))
        .collect();
    let calls = tokio::task::spawn_blocking(move || collect(children))
        .await
        .unwrap();
    let latest = calls
        .iter()
        .map(|(_, at)| at - killed_at)
        .fold(0.0, f64::max);
    println!(
        "dead holder: killed with the lock held (PTTL {}ms left); {} others, {} succeeded, \
         the last done {latest:.0} ms after the kill (lock expiry {} ms)",
        left.trim_start_matches(':'),
        calls.len(),
        calls.iter().filter(|(ok, _)| *ok).count(),
        LOCK_EXPIRY.as_millis()
    );
}
