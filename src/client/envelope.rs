//! The response envelope (`code`, `msg`, `data`, `error`): an answer's body
//! read into the endpoint's response, or into a typed error ([`ApiError`]
//! with the documented facts of its code, or a decode error).

use std::time::Duration;

use serde_json::Value;

use feishu_perf_core::wire;
use feishu_perf_core::{ApiRequest, ErrorCode, ErrorFacts};

use crate::error::{ApiError, Error};
use crate::response;

use super::attempt::Attempt;

/// The response envelope, read straight into the endpoint's response type. Its other
/// members (`msg`, `error`) are skipped here; an error is read from the bytes separately.
struct Envelope<T> {
    code: Option<i64>,
    data: Option<T>,
}

impl<'de, T: serde::Deserialize<'de>> wire::FromMap<'de> for Envelope<T> {
    const NAME: &'static str = "Envelope";
    const FIELDS: &'static [&'static str] = &["code", "data"];

    fn from_map<A: serde::de::MapAccess<'de>>(mut map: A) -> Result<Self, A::Error> {
        let (mut code, mut data): (Option<Option<i64>>, Option<Option<T>>) = (None, None);
        while let Some(key) = map.next_key_seed(wire::FieldIndex(Self::FIELDS))? {
            match key {
                Some(0) => wire::next_value(&mut map, &mut code, "code")?,
                Some(1) => wire::next_value(&mut map, &mut data, "data")?,
                _ => wire::skip_value(&mut map)?,
            }
        }
        Ok(Envelope {
            code: code.flatten(),
            data: data.flatten(),
        })
    }
}

impl<'de, T: serde::Deserialize<'de>> serde::Deserialize<'de> for Envelope<T> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        wire::deserialize_struct(deserializer)
    }
}

/// Reads an answer's body (other than a 429's) into the endpoint's response,
/// or into what the attempt ended with. `unreadable_may_be_applied`: a body
/// that cannot be read may hide an applied request (a 2xx or 5xx answer).
pub(super) fn decode<R: ApiRequest>(
    status: u16,
    bytes: &[u8],
    log_id: Option<String>,
    content_type: Option<String>,
    reset: Option<Duration>,
    unreadable_may_be_applied: bool,
) -> Attempt<R::Response> {
    let d = R::DESCRIPTOR;
    let decode_error = |reason: String, succeeded: bool| Error::Decode {
        endpoint: d.id,
        status,
        content_type: content_type.clone(),
        body_start: response::body_start(bytes, 256),
        reason,
        log_id: log_id.clone(),
        succeeded,
    };
    // The common case in one pass: a success envelope whose data is the response type.
    if let Ok(Envelope {
        code: Some(0),
        data,
    }) = serde_json::from_slice::<Envelope<R::Response>>(bytes)
    {
        let data = match data {
            Some(data) => Ok(data),
            None => serde_json::from_str::<R::Response>("{}"),
        };
        if let Ok(response) = data {
            return Attempt::Done(response);
        }
    }
    let envelope: Value = match serde_json::from_slice(bytes) {
        Ok(Value::Object(map)) => Value::Object(map),
        Ok(_) => {
            return Attempt::failed(
                decode_error("not a JSON object".into(), false),
                unreadable_may_be_applied,
            );
        }
        // Truncated or HTML: the server may have applied the request.
        Err(e) => {
            return Attempt::failed(
                decode_error(format!("invalid JSON: {e}"), false),
                unreadable_may_be_applied,
            );
        }
    };
    let code = envelope.get("code").and_then(Value::as_i64);
    match code {
        Some(0) => {
            let data = match envelope.get("data") {
                None | Some(Value::Null) => Value::Object(Default::default()),
                Some(data) => data.clone(),
            };
            match serde_json::from_value::<R::Response>(data) {
                Ok(response) => Attempt::Done(response),
                // The call succeeded: retrying could apply a write twice. Say so.
                Err(e) => Attempt::Final(decode_error(
                    format!(
                        "the call succeeded (code 0) but its data does not match the documented response: {e}"
                    ),
                    true,
                )),
            }
        }
        Some(code) => {
            let error = &envelope["error"];
            let list = |key: &str| {
                error
                    .get(key)
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default()
            };
            let api = ApiError {
                endpoint: d.id,
                status,
                code,
                msg: envelope
                    .get("msg")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
                info: R::ErrorCode::from_code(code).info(),
                log_id: log_id.clone().or_else(|| {
                    error
                        .get("log_id")
                        .and_then(Value::as_str)
                        .map(str::to_owned)
                }),
                troubleshooter: error
                    .get("troubleshooter")
                    .and_then(Value::as_str)
                    .map(str::to_owned),
                permission_violations: list("permission_violations"),
                field_violations: list("field_violations"),
            };
            let facts = api.facts().copied().unwrap_or(ErrorFacts::NONE);
            if facts.rate_limited {
                return Attempt::rate_limited(d.id, reset, api.log_id);
            }
            let stale_token = facts.renew_token;
            Attempt::Failed {
                error: Error::Api(Box::new(api)),
                // An internal error may or may not have been applied.
                outcome_unknown: status >= 500,
                wait: None,
                stale_token,
            }
        }
        None => Attempt::failed(
            decode_error("no integer `code` in the envelope".into(), false),
            unreadable_may_be_applied,
        ),
    }
}
