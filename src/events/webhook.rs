//! The webhook: a delivery's bytes and headers in, the answer out, with each verified
//! event handed to a handler once.
//!
//! In order: the body's size; the signature (`X-Lark-Signature` over the timestamp, nonce,
//! encrypt key and raw body) and the timestamp's age, when an encrypt key is set; the
//! decryption of `{"encrypt": …}`; the envelope (`url_verification`, v2, v1); the
//! verification token; the event id's first delivery; the handler. Feishu reads any answer
//! but a 200 as a failure and delivers again.

use std::future::Future;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::header::HeaderMap;
use serde_json::{Value, json};

use super::crypto::{self, DecryptError};
use super::dedupe::{Claim, Dedupe, MAX_EVENT_ID_LEN};
use super::envelope::{self, Message, ReceivedEvent};
use crate::Secret;

/// `X-Lark-Signature`.
pub const SIGNATURE: &str = "x-lark-signature";
/// `X-Lark-Request-Timestamp`: seconds since the epoch.
pub const TIMESTAMP: &str = "x-lark-request-timestamp";
/// `X-Lark-Request-Nonce`.
pub const NONCE: &str = "x-lark-request-nonce";
/// The largest body read by default.
pub const DEFAULT_MAX_BODY: usize = 1 << 20;
/// The oldest (or furthest ahead) a signed request's timestamp may be, by default. No Feishu
/// page gives a figure; five minutes is the window the official command line keeps event
/// ids for, and it bounds how long a captured request can be replayed.
pub const DEFAULT_MAX_AGE: Duration = Duration::from_secs(300);

/// Why a delivery was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum WebhookError {
    /// The body is larger than the limit.
    TooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
    /// The body is not what Feishu sends.
    Malformed(String),
    /// An encrypt key is set and the request has no `X-Lark-Signature`, timestamp or nonce.
    Unsigned,
    /// The signature is not the one the body, timestamp, nonce and encrypt key give.
    BadSignature,
    /// The timestamp is not a number of seconds.
    BadTimestamp,
    /// The timestamp is further from now than the limit.
    Stale {
        /// How far from now, in seconds.
        skew_secs: u64,
    },
    /// The body is encrypted and no encrypt key is set.
    EncryptedWithoutKey,
    /// An encrypt key is set and the body is not encrypted.
    NotEncrypted,
    /// The `encrypt` value does not decrypt.
    Decrypt(DecryptError),
    /// The verification token is not the app's.
    BadToken,
    /// The store of event ids failed.
    Dedupe(String),
}

impl WebhookError {
    /// The HTTP status answered.
    pub fn status(&self) -> u16 {
        match self {
            WebhookError::TooLarge { .. } => 413,
            WebhookError::Malformed(_)
            | WebhookError::EncryptedWithoutKey
            | WebhookError::NotEncrypted
            | WebhookError::BadTimestamp => 400,
            WebhookError::Unsigned
            | WebhookError::BadSignature
            | WebhookError::Stale { .. }
            | WebhookError::Decrypt(_)
            | WebhookError::BadToken => 401,
            WebhookError::Dedupe(_) => 503,
        }
    }
}

impl std::fmt::Display for WebhookError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WebhookError::TooLarge { limit } => write!(f, "the body is larger than {limit} bytes"),
            WebhookError::Malformed(m) => write!(f, "not a Feishu delivery: {m}"),
            WebhookError::Unsigned => f.write_str(
                "no X-Lark-Signature, X-Lark-Request-Timestamp or X-Lark-Request-Nonce (an encrypt key is set)",
            ),
            WebhookError::BadSignature => f.write_str(
                "X-Lark-Signature does not match the body (altered, or another encrypt key)",
            ),
            WebhookError::BadTimestamp => {
                f.write_str("X-Lark-Request-Timestamp is not a number of seconds")
            }
            WebhookError::Stale { skew_secs } => write!(
                f,
                "X-Lark-Request-Timestamp is {skew_secs} s from now: older or later than allowed"
            ),
            WebhookError::EncryptedWithoutKey => {
                f.write_str("the body is encrypted and no encrypt key is set")
            }
            WebhookError::NotEncrypted => {
                f.write_str("an encrypt key is set and the body is not encrypted")
            }
            WebhookError::Decrypt(e) => write!(f, "{e}"),
            WebhookError::BadToken => f.write_str("the verification token is not the app's"),
            WebhookError::Dedupe(m) => write!(f, "the store of event ids failed: {m}"),
        }
    }
}

impl std::error::Error for WebhookError {}

/// What to answer Feishu.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// The HTTP status.
    pub status: u16,
    /// The JSON body (`Content-Type: application/json; charset=utf-8`).
    pub body: String,
}

impl Answer {
    fn json(status: u16, value: Value) -> Answer {
        Answer {
            status,
            body: value.to_string(),
        }
    }

    fn msg(status: u16, msg: &str) -> Answer {
        Answer::json(status, json!({ "msg": msg }))
    }
}

/// What became of a delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Outcome {
    /// A `url_verification`, answered with its challenge.
    Challenge,
    /// An event handed to the handler, which succeeded.
    Delivered {
        /// Its id.
        event_id: String,
    },
    /// A repeat of an event already handed over: answered 200, not handed over.
    Duplicate {
        /// Its id.
        event_id: String,
    },
    /// The handler failed: answered 500, so Feishu delivers it again.
    HandlerFailed {
        /// Its id.
        event_id: String,
        /// The handler's error.
        message: String,
    },
    /// Refused before any handler ran.
    Refused(WebhookError),
}

/// The webhook's settings. The encrypt key and verification token are the app's, from its
/// event subscription page; without either, nothing authenticates a delivery.
#[derive(Debug, Clone)]
pub struct WebhookConfig {
    encrypt_key: Option<Secret>,
    verification_token: Option<Secret>,
    max_age: Option<Duration>,
    max_body: usize,
}

impl Default for WebhookConfig {
    fn default() -> Self {
        WebhookConfig {
            encrypt_key: None,
            verification_token: None,
            max_age: Some(DEFAULT_MAX_AGE),
            max_body: DEFAULT_MAX_BODY,
        }
    }
}

impl WebhookConfig {
    /// No key nor token yet; a timestamp may be five minutes off; bodies up to 1 MiB.
    pub fn new() -> Self {
        Self::default()
    }

    /// The encrypt key: deliveries are then signed and encrypted, and both are checked.
    pub fn encrypt_key(mut self, key: impl Into<Secret>) -> Self {
        self.encrypt_key = Some(key.into()).filter(|k: &Secret| !k.expose().is_empty());
        self
    }

    /// The verification token: every delivery must carry it.
    pub fn verification_token(mut self, token: impl Into<Secret>) -> Self {
        self.verification_token = Some(token.into()).filter(|k: &Secret| !k.expose().is_empty());
        self
    }

    /// How far a signed request's timestamp may be from now; `None`: any.
    pub fn max_age(mut self, max_age: Option<Duration>) -> Self {
        self.max_age = max_age;
        self
    }

    /// The largest body read.
    pub fn max_body(mut self, bytes: usize) -> Self {
        self.max_body = bytes;
        self
    }

    /// Whether anything authenticates a delivery (an encrypt key or a verification token).
    pub fn authenticates(&self) -> bool {
        self.encrypt_key.is_some() || self.verification_token.is_some()
    }
}

/// The webhook: its settings and the event ids seen.
#[derive(Debug)]
pub struct Webhook {
    config: WebhookConfig,
    dedupe: Dedupe,
}

impl Webhook {
    /// A webhook with event ids kept in memory for five minutes.
    pub fn new(config: WebhookConfig) -> Webhook {
        Webhook {
            config,
            dedupe: Dedupe::default(),
        }
    }

    /// Keeps the event ids in `dedupe` instead.
    pub fn with_dedupe(mut self, dedupe: Dedupe) -> Webhook {
        self.dedupe = dedupe;
        self
    }

    /// Handles one delivery: `on_event` runs for each event delivered for the first time, and
    /// its result decides the answer (an error is answered 500, so Feishu delivers again).
    pub async fn handle<F, Fut, E>(
        &self,
        headers: &HeaderMap,
        body: &[u8],
        on_event: F,
    ) -> (Answer, Outcome)
    where
        F: FnOnce(ReceivedEvent) -> Fut,
        Fut: Future<Output = Result<(), E>>,
        E: std::fmt::Display,
    {
        let message = match self.verify(headers, body, SystemTime::now()) {
            Ok(m) => m,
            Err(e) => return refuse(e),
        };
        let event = match message {
            Verified::Challenge(challenge) => {
                return (
                    Answer::json(200, json!({ "challenge": challenge })),
                    Outcome::Challenge,
                );
            }
            Verified::Event(event) => event,
        };
        let event_id = event.event_id.clone();
        match self.dedupe.claim(&event_id).await {
            Err(e) => return refuse(WebhookError::Dedupe(e)),
            Ok(Claim::Seen) => {
                return (Answer::msg(200, "success"), Outcome::Duplicate { event_id });
            }
            Ok(Claim::First) => {}
        }
        match on_event(event).await {
            Ok(()) => (Answer::msg(200, "success"), Outcome::Delivered { event_id }),
            Err(e) => {
                let message = e.to_string();
                drop(e);
                self.dedupe.release(&event_id).await;
                (
                    Answer::msg(500, "the event handler failed"),
                    Outcome::HandlerFailed { event_id, message },
                )
            }
        }
    }

    /// Every check but the event id's: the verified message, or why it is refused.
    pub fn verify(
        &self,
        headers: &HeaderMap,
        body: &[u8],
        now: SystemTime,
    ) -> Result<Verified, WebhookError> {
        let c = &self.config;
        if body.len() > c.max_body {
            return Err(WebhookError::TooLarge { limit: c.max_body });
        }
        let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        let signed = match (header(SIGNATURE), header(TIMESTAMP), header(NONCE)) {
            (Some(sig), Some(ts), Some(nonce)) => Some((sig, ts, nonce)),
            _ => None,
        };
        if let (Some(key), Some((sig, ts, nonce))) = (&c.encrypt_key, signed) {
            let expected = crypto::signature(ts, nonce, key.expose(), body);
            if !crypto::same(
                expected.as_bytes(),
                sig.trim().to_ascii_lowercase().as_bytes(),
            ) {
                return Err(WebhookError::BadSignature);
            }
            if let Some(max_age) = c.max_age {
                let at: i64 = ts.trim().parse().map_err(|_| WebhookError::BadTimestamp)?;
                let now = now
                    .duration_since(UNIX_EPOCH)
                    .map_or(0, |d| d.as_secs() as i64);
                let skew = now.abs_diff(at);
                if skew > max_age.as_secs() {
                    return Err(WebhookError::Stale { skew_secs: skew });
                }
            }
        }
        let outer: Value = serde_json::from_slice(body)
            .map_err(|e| WebhookError::Malformed(format!("the body is not JSON: {e}")))?;
        let encrypted = outer.get("encrypt");
        let plain = match (encrypted, &c.encrypt_key) {
            (Some(Value::String(blob)), Some(key)) => {
                let bytes = crypto::decrypt(blob, key.expose()).map_err(WebhookError::Decrypt)?;
                serde_json::from_slice(&bytes).map_err(|e| {
                    WebhookError::Malformed(format!("the decrypted body is not JSON: {e}"))
                })?
            }
            (Some(Value::String(_)), None) => return Err(WebhookError::EncryptedWithoutKey),
            (Some(_), _) => {
                return Err(WebhookError::Malformed("`encrypt` is not a string".into()));
            }
            (None, Some(_)) => return Err(WebhookError::NotEncrypted),
            (None, None) => outer,
        };
        let (message_token, verified) = match envelope::read(&plain)? {
            Message::UrlVerification { challenge, token } => {
                (token, Verified::Challenge(challenge))
            }
            Message::Event { event, token } => {
                // Every event is signed when an encrypt key is set; the official SDKs leave
                // only the url_verification unsigned.
                if c.encrypt_key.is_some() && signed.is_none() {
                    return Err(WebhookError::Unsigned);
                }
                if event.event_id.len() > MAX_EVENT_ID_LEN {
                    return Err(WebhookError::Malformed(format!(
                        "an event id longer than {MAX_EVENT_ID_LEN} bytes"
                    )));
                }
                (token, Verified::Event(event))
            }
        };
        if let Some(expected) = &c.verification_token {
            let given = message_token.unwrap_or_default();
            if !crypto::same(expected.expose().as_bytes(), given.as_bytes()) {
                return Err(WebhookError::BadToken);
            }
        }
        Ok(verified)
    }
}

/// A delivery that passed every check.
#[derive(Debug, Clone, PartialEq)]
pub enum Verified {
    /// A `url_verification`: its challenge.
    Challenge(String),
    /// An event.
    Event(ReceivedEvent),
}

fn refuse(e: WebhookError) -> (Answer, Outcome) {
    (Answer::msg(e.status(), &e.to_string()), Outcome::Refused(e))
}
