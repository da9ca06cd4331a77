//! Reading request JSON and query strings by hand, as the pages describe them.
//!
//! Choices where the docs are silent, shared with the runtime's docs:
//! - A malformed request (missing or mistyped field, length or size out of
//!   range, unknown `user_id_type`) answers 1580102 on the performance
//!   endpoints and 1001001 on the OKR one.
//! - A client_token is consumed only by a write that was applied: a request
//!   refused for any other reason may be retried with the same token.
//! - Writes are atomic: a request is applied whole or not at all.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::Query;
use serde_json::{Map, Value};

use crate::endpoint::QueryMap;
use crate::state::{ApiError, IdKind};

pub(crate) fn param_invalid(field: &str, value: &str, why: &str) -> ApiError {
    ApiError::new(400, 1580102, "param is invalid").violation(field, value, why)
}

pub(crate) fn chars(s: &str) -> usize {
    s.chars().count()
}

/// A string member: `Ok(None)` when absent, an error when present but not a string or out of range.
pub(crate) fn opt_str<'a>(
    obj: &'a Map<String, Value>,
    path: &str,
    name: &str,
    min: usize,
    max: usize,
) -> Result<Option<&'a str>, ApiError> {
    let field = if path.is_empty() {
        name.to_owned()
    } else {
        format!("{path}.{name}")
    };
    match obj.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if (min..=max).contains(&chars(s)) => Ok(Some(s)),
        Some(Value::String(s)) => Err(param_invalid(
            &field,
            s,
            &format!("length must be {min}..{max} characters"),
        )),
        Some(other) => Err(param_invalid(
            &field,
            &other.to_string(),
            "must be a string",
        )),
    }
}

pub(crate) fn req_str<'a>(
    obj: &'a Map<String, Value>,
    path: &str,
    name: &str,
    min: usize,
    max: usize,
) -> Result<&'a str, ApiError> {
    opt_str(obj, path, name, min, max)?.ok_or_else(|| {
        let field = if path.is_empty() {
            name.to_owned()
        } else {
            format!("{path}.{name}")
        };
        param_invalid(&field, "", "is required")
    })
}

pub(crate) fn array<'a>(
    obj: &'a Map<String, Value>,
    name: &str,
    min: usize,
    max: usize,
    required: bool,
) -> Result<Option<&'a Vec<Value>>, ApiError> {
    match obj.get(name) {
        None | Some(Value::Null) if !required => Ok(None),
        Some(Value::Array(items)) if (min..=max).contains(&items.len()) => Ok(Some(items)),
        Some(Value::Array(items)) => Err(param_invalid(
            name,
            &format!("{} items", items.len()),
            &format!("must have {min}..{max} items"),
        )),
        _ => Err(param_invalid(name, "", "must be an array")),
    }
}

pub(crate) fn object<'a>(
    value: &'a Value,
    field: &str,
) -> Result<&'a Map<String, Value>, ApiError> {
    value
        .as_object()
        .ok_or_else(|| param_invalid(field, &value.to_string(), "must be an object"))
}

pub(crate) fn body_object(bytes: &Bytes, empty_ok: bool) -> Result<Map<String, Value>, ApiError> {
    if empty_ok && bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(param_invalid("body", "", "must be a JSON object")),
    }
}

pub(crate) fn query(q: &QueryMap) -> Result<&HashMap<String, String>, ApiError> {
    q.as_ref()
        .map(|Query(q)| q)
        .map_err(|_| param_invalid("query", "", "malformed query string"))
}

/// `client_token` (required, 0..64 characters) and `user_id_type` of the performance writes.
pub(crate) fn write_params(q: &HashMap<String, String>) -> Result<(String, IdKind), ApiError> {
    let token = q
        .get("client_token")
        .ok_or_else(|| param_invalid("client_token", "", "is required"))?;
    if chars(token) > 64 {
        return Err(param_invalid(
            "client_token",
            token,
            "length must be 0..64 characters",
        ));
    }
    let kind = IdKind::parse(q.get("user_id_type").map(String::as_str), true).ok_or_else(|| {
        param_invalid(
            "user_id_type",
            q.get("user_id_type").map_or("", |s| s),
            "unknown user_id_type",
        )
    })?;
    Ok((token.clone(), kind))
}

pub(crate) fn reject(code: i64, msg: &str) -> ApiError {
    ApiError::new(400, code, msg)
}

/// `user_id_type` of the query (`open_id` when absent); `people_admin` says
/// whether the page lists `people_admin_id`.
pub(crate) fn user_id_type(
    q: &HashMap<String, String>,
    people_admin: bool,
) -> Result<IdKind, ApiError> {
    let raw = q.get("user_id_type").map(String::as_str);
    IdKind::parse(raw, people_admin)
        .ok_or_else(|| param_invalid("user_id_type", raw.unwrap_or(""), "unknown user_id_type"))
}

/// An array of strings with `min..=max` items; `None` when absent (an error
/// when `required`).
pub(crate) fn string_list(
    obj: &Map<String, Value>,
    name: &str,
    min: usize,
    max: usize,
    required: bool,
) -> Result<Option<Vec<String>>, ApiError> {
    let Some(items) = array(obj, name, min, max, required)? else {
        return Ok(None);
    };
    items
        .iter()
        .map(|v| {
            v.as_str()
                .map(str::to_owned)
                .ok_or_else(|| param_invalid(name, &v.to_string(), "must be strings"))
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

/// An array of integers, each one of `allowed`, at most `max` items.
pub(crate) fn int_list(
    obj: &Map<String, Value>,
    name: &str,
    max: usize,
    allowed: &[i64],
) -> Result<Option<Vec<i64>>, ApiError> {
    let Some(items) = array(obj, name, 0, max, false)? else {
        return Ok(None);
    };
    items
        .iter()
        .map(|v| match v.as_i64() {
            Some(n) if allowed.contains(&n) => Ok(n),
            _ => Err(param_invalid(
                name,
                &v.to_string(),
                &format!("items must be one of {allowed:?}"),
            )),
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

/// A boolean member, `None` when absent.
pub(crate) fn opt_bool(obj: &Map<String, Value>, name: &str) -> Result<Option<bool>, ApiError> {
    match obj.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(other) => Err(param_invalid(name, &other.to_string(), "must be a boolean")),
    }
}

/// A string member that must be one of the page's `可选值`.
pub(crate) fn opt_enum<'a>(
    obj: &'a Map<String, Value>,
    name: &str,
    allowed: &[&str],
) -> Result<Option<&'a str>, ApiError> {
    match opt_str(obj, "", name, 0, usize::MAX)? {
        Some(v) if !allowed.contains(&v) => Err(param_invalid(
            name,
            v,
            &format!("must be one of {}", allowed.join(", ")),
        )),
        other => Ok(other),
    }
}

/// A millisecond timestamp written as a string (`"1630425599999"`).
pub(crate) fn opt_millis(value: Option<&str>, name: &str) -> Result<Option<i64>, ApiError> {
    match value {
        None => Ok(None),
        Some(v) => v
            .trim()
            .parse::<i64>()
            .map(Some)
            .map_err(|_| param_invalid(name, v, "must be a millisecond timestamp")),
    }
}
