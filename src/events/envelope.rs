//! What a delivery says once verified and decrypted: a `url_verification`, or an event in
//! the v2 envelope (`schema` "2.0", `header`, `event`) or the v1 one (`uuid`, `token`, `ts`,
//! `type` "event_callback", `event` with its `type`), as the official SDKs read them
//! (Node SDK `RequestHandle.parse`, Go SDK `EventFuzzy`).

use serde_json::{Map, Value};

use super::WebhookError;

/// Which envelope an event came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnvelopeVersion {
    /// `{"uuid", "token", "ts", "type": "event_callback", "event": {"type", ...}}`.
    V1,
    /// `{"schema": "2.0", "header": {...}, "event": {...}}`.
    V2,
}

/// One event, verified: its header and its `event` object as sent.
#[derive(Debug, Clone, PartialEq)]
pub struct ReceivedEvent {
    /// The envelope it came in.
    pub version: EnvelopeVersion,
    /// `header.event_id` (v2) or `uuid` (v1): the same for every delivery of one event.
    pub event_id: String,
    /// `header.event_type` (v2) or `event.type` (v1).
    pub event_type: String,
    /// `header.app_id` (v2) or `event.app_id` (v1), when sent.
    pub app_id: Option<String>,
    /// `header.tenant_key` (v2) or `event.tenant_key` (v1), when sent.
    pub tenant_key: Option<String>,
    /// `header.create_time` (v2, milliseconds) or `ts` (v1, seconds), as sent.
    pub create_time: Option<String>,
    /// The `event` object, as sent.
    pub event: Value,
}

/// A typed event object, or the JSON of a type the schema does not have.
#[derive(Debug, Clone, PartialEq)]
pub enum Payload {
    /// A type of the schema.
    Typed(super::Event),
    /// Any other type: its `event` object as sent.
    Raw(Value),
}

impl ReceivedEvent {
    /// The event object typed by its event type; an unknown type kept as JSON.
    pub fn payload(&self) -> Result<Payload, serde_json::Error> {
        match super::Event::from_json(&self.event_type, self.event.clone()) {
            Some(typed) => typed.map(Payload::Typed),
            None => Ok(Payload::Raw(self.event.clone())),
        }
    }

    /// The event as one JSON object: the header's facts, then `event` as sent.
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert(
            "schema".into(),
            Value::from(match self.version {
                EnvelopeVersion::V1 => "1.0",
                EnvelopeVersion::V2 => "2.0",
            }),
        );
        m.insert("event_id".into(), Value::from(self.event_id.clone()));
        m.insert("event_type".into(), Value::from(self.event_type.clone()));
        let opt = |v: &Option<String>| v.clone().map(Value::from).unwrap_or(Value::Null);
        m.insert("app_id".into(), opt(&self.app_id));
        m.insert("tenant_key".into(), opt(&self.tenant_key));
        m.insert("create_time".into(), opt(&self.create_time));
        m.insert("event".into(), self.event.clone());
        Value::Object(m)
    }
}

/// A delivery's plaintext, read.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Message {
    /// `{"type": "url_verification", "challenge", "token"}`.
    UrlVerification {
        challenge: String,
        token: Option<String>,
    },
    /// An event, with the token it carries.
    Event {
        event: ReceivedEvent,
        token: Option<String>,
    },
}

fn string(v: Option<&Value>) -> Option<String> {
    v.and_then(Value::as_str).map(str::to_owned)
}

/// Reads a delivery's plaintext JSON.
pub(crate) fn read(plain: &Value) -> Result<Message, WebhookError> {
    let Some(obj) = plain.as_object() else {
        return Err(WebhookError::Malformed(
            "the body is not a JSON object".into(),
        ));
    };
    if obj.get("type").and_then(Value::as_str) == Some("url_verification") {
        let challenge = string(obj.get("challenge")).ok_or_else(|| {
            WebhookError::Malformed("a url_verification without a `challenge` string".into())
        })?;
        // The token is top-level; the Go SDK also reads it from a `header` (its `EventFuzzy`).
        let token = string(obj.get("token"))
            .or_else(|| string(obj.get("header").and_then(|h| h.get("token"))));
        return Ok(Message::UrlVerification { challenge, token });
    }
    let event = obj.get("event").cloned().unwrap_or(Value::Null);
    if !event.is_object() {
        return Err(WebhookError::Malformed("no `event` object".into()));
    }
    if let Some(header) = obj.get("header") {
        let schema = obj.get("schema").and_then(Value::as_str);
        if schema != Some("2.0") {
            return Err(WebhookError::Malformed(format!(
                "a `header` with schema {schema:?}: only \"2.0\" is known"
            )));
        }
        let h = header
            .as_object()
            .ok_or_else(|| WebhookError::Malformed("`header` is not an object".into()))?;
        let need = |k: &str| {
            string(h.get(k))
                .filter(|s| !s.is_empty())
                .ok_or_else(|| WebhookError::Malformed(format!("no `header.{k}` string")))
        };
        return Ok(Message::Event {
            event: ReceivedEvent {
                version: EnvelopeVersion::V2,
                event_id: need("event_id")?,
                event_type: need("event_type")?,
                app_id: string(h.get("app_id")),
                tenant_key: string(h.get("tenant_key")),
                create_time: string(h.get("create_time")),
                event,
            },
            token: string(h.get("token")),
        });
    }
    // v1: `uuid` identifies the event, `event.type` names it.
    if obj.get("type").and_then(Value::as_str) != Some("event_callback") {
        return Err(WebhookError::Malformed(
            "neither a v2 envelope (`schema`, `header`) nor a v1 one (`type`: event_callback)"
                .into(),
        ));
    }
    let event_id = string(obj.get("uuid"))
        .filter(|s| !s.is_empty())
        .ok_or_else(|| WebhookError::Malformed("a v1 event without a `uuid` string".into()))?;
    let event_type = string(event.get("type"))
        .filter(|s| !s.is_empty())
        .ok_or_else(|| WebhookError::Malformed("a v1 event without `event.type`".into()))?;
    Ok(Message::Event {
        event: ReceivedEvent {
            version: EnvelopeVersion::V1,
            event_id,
            event_type,
            app_id: string(event.get("app_id")),
            tenant_key: string(event.get("tenant_key")),
            create_time: string(obj.get("ts")),
            event,
        },
        token: string(obj.get("token")),
    })
}
