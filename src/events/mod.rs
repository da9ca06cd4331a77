//! Events Feishu sends an app (with the `events` feature): their typed objects, and the
//! webhook that verifies, decrypts and deduplicates their deliveries.
//!
//! The event kinds are generated from `schema/<service>/<version>/events/` (each imported from
//! its portal page): [`EVENTS`] lists them, [`Event`] reads an event's `event` object by its
//! type, and each kind's module has its object and the types it uses (open enums: a value the
//! page does not list is kept as `Unknown` and written back unchanged).
//!
//! [`Webhook`] takes a delivery's headers and bytes and returns the [`Answer`]; any HTTP server
//! can host it (`axum` has a ready route with the `events-axum` feature):
//!
//! ```no_run
//! use feishu_perf::events::{Payload, Webhook, WebhookConfig};
//! # async fn demo(headers: reqwest::header::HeaderMap, body: Vec<u8>) {
//! let webhook = Webhook::new(
//!     WebhookConfig::new()
//!         .encrypt_key(std::env::var("FEISHU_ENCRYPT_KEY").unwrap())
//!         .verification_token(std::env::var("FEISHU_VERIFICATION_TOKEN").unwrap()),
//! );
//! let (answer, _outcome) = webhook
//!     .handle(&headers, &body, |event| async move {
//!         match event.payload()? {
//!             Payload::Typed(typed) => println!("{}: {typed:?}", event.event_id),
//!             Payload::Raw(json) => println!("{} ({}): {json}", event.event_id, event.event_type),
//!         }
//!         Ok::<(), serde_json::Error>(())
//!     })
//!     .await;
//! // answer.status and answer.body go back to Feishu.
//! # }
//! ```

#[cfg(feature = "events-axum")]
pub mod axum;
pub mod crypto;
mod dedupe;
mod envelope;
mod webhook;

pub use dedupe::{Claim, DEFAULT_CAPACITY, DEFAULT_WINDOW, Dedupe, MAX_EVENT_ID_LEN};
pub use envelope::{EnvelopeVersion, Payload, ReceivedEvent};
pub use feishu_perf_generated::events::{
    EVENTS, Event, EventDescriptor, descriptor, review_data_changed_v2, stage_task_open_result_v2,
};
pub use webhook::{
    Answer, DEFAULT_MAX_AGE, DEFAULT_MAX_BODY, NONCE, Outcome, SIGNATURE, TIMESTAMP, Verified,
    Webhook, WebhookConfig, WebhookError,
};
