//! The sandbox raises events and delivers them by webhook to the SDK's webhook over loopback
//! HTTP, encrypted and signed, with its faults (every event twice, events out of order, a
//! receiver that fails): each event is handed over exactly once.
#![cfg(feature = "events-axum")]

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use feishu_perf::events::{Event, Payload, ReceivedEvent, Webhook, WebhookConfig};
use feishu_sandbox::{Config, Sandbox};
use serde_json::{Value, json};

const KEY: &str = "sandbox-encrypt-key";
const TOKEN: &str = "sandbox-verification-token";

struct Receiver {
    url: String,
    seen: Arc<Mutex<Vec<ReceivedEvent>>>,
}

/// The SDK's webhook on a loopback port; `failures`: how many deliveries it fails first.
async fn receiver(failures: usize) -> Receiver {
    let seen: Arc<Mutex<Vec<ReceivedEvent>>> = Arc::default();
    let left = Arc::new(Mutex::new(failures));
    let webhook = Arc::new(Webhook::new(
        WebhookConfig::new()
            .encrypt_key(KEY)
            .verification_token(TOKEN),
    ));
    let store = seen.clone();
    let app = feishu_perf::events::axum::route("/hook", webhook, move |e| {
        let store = store.clone();
        let left = left.clone();
        async move {
            let mut l = left.lock().unwrap();
            if *l > 0 {
                *l -= 1;
                return Err("not now");
            }
            store.lock().unwrap().push(e);
            Ok(())
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    Receiver { url, seen }
}

async fn control(client: &reqwest::Client, sandbox: &Sandbox, path: &str, body: Value) -> Value {
    let resp = client
        .post(format!("{}/_sandbox/events/{path}", sandbox.base_url()))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200, "{path}");
    resp.json().await.unwrap()
}

async fn deliveries(client: &reqwest::Client, sandbox: &Sandbox) -> Value {
    client
        .get(format!("{}/_sandbox/events/deliveries", sandbox.base_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn every_event_raised_is_handed_over_once_through_duplicates_reordering_and_failures() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let sandbox = Sandbox::start(Config::default()).await.unwrap();
    let r = receiver(3).await;
    let client = reqwest::Client::new();
    control(
        &client,
        &sandbox,
        "subscription",
        json!({"url": r.url, "verification_token": TOKEN, "encrypt_key": KEY,
               "faults": ["duplicate", "reorder"], "retries": 5, "retry_delay_ms": 20}),
    )
    .await;
    let mut raised = Vec::new();
    for i in 0..20 {
        let path = if i % 2 == 0 {
            "review_data_changed"
        } else {
            "results_opened"
        };
        let answer = control(&client, &sandbox, path, json!({})).await;
        raised.push(answer["event_id"].as_str().unwrap().to_owned());
    }
    // `reorder` holds the last event until another comes: one more releases it.
    control(&client, &sandbox, "results_opened", json!({})).await;
    // Wait until every raised event was answered 200 on some attempt (a minute at most: a
    // safety net, not a timing target).
    for round in 0.. {
        assert!(round < 3000, "the deliveries did not finish");
        let d = deliveries(&client, &sandbox).await;
        let ok: BTreeSet<&str> = d["attempts"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|a| a["status"] == 200)
            .map(|a| a["event_id"].as_str().unwrap())
            .collect();
        if raised.iter().all(|id| ok.contains(id.as_str())) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let seen = r.seen.lock().unwrap().clone();
    let ids: Vec<&str> = seen.iter().map(|e| e.event_id.as_str()).collect();
    let unique: BTreeSet<&str> = ids.iter().copied().collect();
    assert_eq!(unique.len(), ids.len(), "an event was handed over twice");
    for id in &raised {
        assert!(unique.contains(id.as_str()), "event {id} was lost");
    }
    let d = deliveries(&client, &sandbox).await;
    let attempts = d["attempts"].as_array().unwrap().len();
    assert!(
        attempts >= 2 * raised.len() + 3,
        "duplicates and retries were sent: {attempts}"
    );
    for e in &seen {
        match e.payload().unwrap() {
            Payload::Typed(Event::ReviewDataChangedV2(x)) => {
                let item = &x.items.unwrap()[0];
                assert_eq!(item.semester_id.as_deref(), Some("7293040702907514899"));
                assert!(item.user_id.as_ref().unwrap().open_id.is_some());
            }
            Payload::Typed(Event::StageTaskOpenResultV2(x)) => {
                assert!(x.items.unwrap()[0].open_time.is_some());
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(e.tenant_key.as_deref(), Some("sandbox_tenant"));
    }
    sandbox.stop().await;
}
