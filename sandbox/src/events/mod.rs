//! Events: the sandbox raises the two performance events on request and delivers them by
//! webhook to the URL a test subscribes, as the platform does: the v2 envelope, signed and
//! encrypted when an encrypt key is set, retried until answered 200, with faults.
//!
//! Control (`/_sandbox/events/…`):
//! - `POST subscription` `{"url", "verification_token", "encrypt_key"?, "faults"?: ["duplicate",
//!   "reorder"], "retries"?: 3, "retry_delay_ms"?: 100, "timeout_ms"?: 3000}`;
//! - `POST review_data_changed` `{"semester_id"?, "activity_id"?, "reviewees"?: [open_id],
//!   "stage_id"?, "stage_type"?, "review_stage_role"?}` and `POST results_opened`
//!   `{"semester_id"?, "activity_id"?, "reviewees"?}`: raise one event, answer its `event_id`;
//! - `GET deliveries`: the events raised and every delivery attempt.
//!
//! No page kept here gives the platform's retry schedule or its timeout for an answer: both
//! are the subscription's settings. Faults: `duplicate` delivers each event twice (two
//! deliveries, one event id); `reorder` holds each event back until the next one is sent.

mod crypto;
mod payload;

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::seed::{Seed, TENANT_KEY};

/// Where and how events are delivered.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Subscription {
    /// The app's webhook URL.
    pub url: String,
    /// Sent as `header.token`.
    pub verification_token: String,
    /// When set, deliveries are encrypted and signed.
    #[serde(default)]
    pub encrypt_key: Option<String>,
    /// `duplicate`, `reorder`.
    #[serde(default)]
    pub faults: Vec<String>,
    /// Deliveries after the first when not answered 200.
    #[serde(default = "default_retries")]
    pub retries: u32,
    /// The wait before the first retry; it doubles each time.
    #[serde(default = "default_retry_delay")]
    pub retry_delay_ms: u64,
    /// How long an answer is waited for.
    #[serde(default = "default_timeout")]
    pub timeout_ms: u64,
}

fn default_retries() -> u32 {
    3
}
fn default_retry_delay() -> u64 {
    100
}
fn default_timeout() -> u64 {
    3000
}

/// One delivery attempt.
#[derive(Debug, Clone, Serialize)]
pub struct Attempt {
    /// The event delivered.
    pub event_id: String,
    /// 1 for the first delivery of this copy, 2 for its first retry, ...
    pub attempt: u32,
    /// The HTTP status answered, if any.
    pub status: Option<u16>,
    /// Why there was no answer.
    pub error: Option<String>,
}

#[derive(Default)]
struct HubState {
    subscription: Option<Subscription>,
    held: Option<(String, Value)>,
    raised: Vec<String>,
    attempts: Vec<Attempt>,
    next: u64,
}

/// The sandbox's events: what was raised and delivered.
pub struct Hub {
    seed: Seed,
    app_id: String,
    started: u128,
    state: Mutex<HubState>,
    client: reqwest::Client,
}

fn now_ms() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis())
}

impl Hub {
    pub fn new(seed: Seed) -> Arc<Hub> {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let app_id = seed
            .apps
            .iter()
            .find(|a| !a.store_app)
            .or(seed.apps.first())
            .map(|a| a.app_id.clone())
            .unwrap_or_default();
        Arc::new(Hub {
            seed,
            app_id,
            started: now_ms(),
            state: Mutex::default(),
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("an HTTP client"),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HubState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A fresh 32-hex-digit value, unique to this sandbox.
    fn unique(&self, what: &str) -> String {
        let n = {
            let mut s = self.lock();
            s.next += 1;
            s.next
        };
        let d = Sha256::new()
            .chain_update(self.started.to_le_bytes())
            .chain_update(n.to_le_bytes())
            .chain_update(what)
            .finalize();
        d[..16].iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Raises an event: its envelope is built now and delivered in the background.
    fn raise(self: &Arc<Self>, event_type: &str, event: Value) -> Result<String, String> {
        let sub = self
            .lock()
            .subscription
            .clone()
            .ok_or("no subscription: POST /_sandbox/events/subscription first")?;
        let event_id = self.unique("event");
        let envelope = json!({
            "schema": "2.0",
            "header": {
                "event_id": event_id,
                "event_type": event_type,
                "create_time": now_ms().to_string(),
                "token": sub.verification_token,
                "app_id": self.app_id,
                "tenant_key": TENANT_KEY,
            },
            "event": event,
        });
        let mut to_send = vec![(event_id.clone(), envelope)];
        {
            let mut s = self.lock();
            s.raised.push(event_id.clone());
            if sub.faults.iter().any(|f| f == "reorder") {
                // Hold this one; send the one held before after it.
                match s.held.take() {
                    Some(earlier) => to_send.push(earlier),
                    None => {
                        s.held = to_send.pop();
                    }
                }
            }
        }
        let copies = if sub.faults.iter().any(|f| f == "duplicate") {
            2
        } else {
            1
        };
        for (id, envelope) in to_send {
            for _ in 0..copies {
                let hub = self.clone();
                let sub = sub.clone();
                let id = id.clone();
                let envelope = envelope.clone();
                tokio::spawn(async move { hub.deliver(&sub, &id, &envelope).await });
            }
        }
        Ok(event_id)
    }

    async fn deliver(&self, sub: &Subscription, event_id: &str, envelope: &Value) {
        let plain = envelope.to_string();
        for attempt in 1..=sub.retries.saturating_add(1) {
            let body = match &sub.encrypt_key {
                Some(key) => {
                    let iv: [u8; 16] = Sha256::digest(self.unique("iv"))[..16]
                        .try_into()
                        .expect("16 bytes");
                    json!({ "encrypt": crypto::encrypt(plain.as_bytes(), key, iv) }).to_string()
                }
                None => plain.clone(),
            };
            let ts = (now_ms() / 1000).to_string();
            let nonce = self.unique("nonce")[..10].to_owned();
            let mut req = self
                .client
                .post(&sub.url)
                .timeout(Duration::from_millis(sub.timeout_ms.max(1)))
                .header("content-type", "application/json; charset=utf-8")
                .header("x-lark-request-timestamp", &ts)
                .header("x-lark-request-nonce", &nonce);
            if let Some(key) = &sub.encrypt_key {
                req = req.header(
                    "x-lark-signature",
                    crypto::sign(&ts, &nonce, key, body.as_bytes()),
                );
            }
            let result = req.body(body).send().await;
            let (status, error) = match &result {
                Ok(r) => (Some(r.status().as_u16()), None),
                Err(e) => (None, Some(e.to_string())),
            };
            self.lock().attempts.push(Attempt {
                event_id: event_id.to_owned(),
                attempt,
                status,
                error,
            });
            if status == Some(200) {
                return;
            }
            let wait = sub
                .retry_delay_ms
                .saturating_mul(1 << (attempt - 1).min(16));
            tokio::time::sleep(Duration::from_millis(wait)).await;
        }
    }
}

/// The control routes.
pub fn routes(hub: Arc<Hub>) -> Router {
    Router::new()
        .route("/_sandbox/events/subscription", post(subscribe))
        .route(
            "/_sandbox/events/review_data_changed",
            post(review_data_changed),
        )
        .route("/_sandbox/events/results_opened", post(results_opened))
        .route("/_sandbox/events/deliveries", get(deliveries))
        .with_state(hub)
}

type Answer = Result<Json<Value>, (StatusCode, String)>;

fn bad(e: impl std::fmt::Display) -> (StatusCode, String) {
    (StatusCode::BAD_REQUEST, e.to_string())
}

async fn subscribe(State(hub): State<Arc<Hub>>, Json(sub): Json<Subscription>) -> Answer {
    if let Some(f) = sub
        .faults
        .iter()
        .find(|f| !matches!(f.as_str(), "duplicate" | "reorder"))
    {
        return Err(bad(format!(
            "unknown event fault `{f}` (duplicate, reorder)"
        )));
    }
    if !(sub.url.starts_with("http://") || sub.url.starts_with("https://")) {
        return Err(bad("the url must be http:// or https://"));
    }
    let mut s = hub.lock();
    s.subscription = Some(sub);
    s.held = None;
    Ok(Json(json!({"subscribed": true})))
}

async fn review_data_changed(
    State(hub): State<Arc<Hub>>,
    Json(r): Json<payload::ReviewDataChanged>,
) -> Answer {
    let event = payload::review_data_changed(&hub.seed, r).map_err(bad)?;
    let id = hub
        .raise("performance.review_data.changed_v2", event)
        .map_err(bad)?;
    Ok(Json(json!({ "event_id": id })))
}

async fn results_opened(
    State(hub): State<Arc<Hub>>,
    Json(r): Json<payload::ResultsOpened>,
) -> Answer {
    let event = payload::results_opened(&hub.seed, r, now_ms()).map_err(bad)?;
    let id = hub
        .raise("performance.stage_task.open_result_v2", event)
        .map_err(bad)?;
    Ok(Json(json!({ "event_id": id })))
}

async fn deliveries(State(hub): State<Arc<Hub>>) -> Json<Value> {
    let s = hub.lock();
    let held: Vec<&String> = s.held.iter().map(|(id, _)| id).collect();
    Json(json!({ "raised": s.raised, "held": held, "attempts": s.attempts }))
}
