//! The token endpoints of the platform reference. Their responses are flat:
//! `{code, msg, tenant_access_token, expire}`, no `data` wrapper.

use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State as Extract;
use axum::response::Response;
use serde_json::{Value, json};

use crate::state::{self, State, json_response};

type Shared = Extract<Arc<Mutex<State>>>;

/// A flat failure: HTTP 400 with `{code, msg}`.
fn fail(state: &mut State, code: i64, msg: &str) -> Response {
    let log_id = state.next_log_id();
    json_response(400, &log_id, &json!({"code": code, "msg": msg}), &[])
}

fn ok(state: &mut State, mut body: Value) -> Response {
    let log_id = state.next_log_id();
    body["code"] = json!(0);
    body["msg"] = json!("ok");
    json_response(200, &log_id, &body, &[])
}

fn string_field<'a>(body: &'a Value, name: &str) -> Option<&'a str> {
    body.get(name)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

/// Checks `app_id` and `app_secret`; the app on success.
fn check_app(state: &State, body: &Value, store_app: bool) -> Result<String, (i64, &'static str)> {
    let (Some(app_id), Some(secret)) = (
        string_field(body, "app_id"),
        string_field(body, "app_secret"),
    ) else {
        return Err((10003, "invalid param: app_id and app_secret are required"));
    };
    let Some(app) = state.app(app_id) else {
        return Err((10014, "app not authorised or disabled"));
    };
    if app.app_secret != secret {
        return Err((10015, "app secret invalid"));
    }
    if app.store_app != store_app {
        return Err((10014, "app type does not match this endpoint"));
    }
    Ok(app.app_id.clone())
}

fn count(state: &mut State, path: &str) {
    *state
        .stats
        .token_requests
        .entry(path.to_owned())
        .or_default() += 1;
}

fn parse(bytes: &Bytes) -> Value {
    serde_json::from_slice(bytes).unwrap_or(Value::Null)
}

/// `POST /open-apis/auth/v3/tenant_access_token/internal`
pub async fn tenant_token_internal(Extract(state): Shared, body: Bytes) -> Response {
    let mut state = state::lock(&state);
    count(&mut state, "tenant_access_token/internal");
    match check_app(&state, &parse(&body), false) {
        Ok(app_id) => {
            let (token, expire) = state.issue_token(&app_id, true);
            ok(
                &mut state,
                json!({"tenant_access_token": token, "expire": expire}),
            )
        }
        Err((code, msg)) => fail(&mut state, code, msg),
    }
}

/// `POST /open-apis/auth/v3/app_access_token/internal`
pub async fn app_token_internal(Extract(state): Shared, body: Bytes) -> Response {
    let mut state = state::lock(&state);
    count(&mut state, "app_access_token/internal");
    match check_app(&state, &parse(&body), false) {
        Ok(app_id) => {
            let (app_token, expire) = state.issue_token(&app_id, false);
            let (tenant_token, _) = state.issue_token(&app_id, true);
            ok(
                &mut state,
                json!({"app_access_token": app_token, "expire": expire, "tenant_access_token": tenant_token}),
            )
        }
        Err((code, msg)) => fail(&mut state, code, msg),
    }
}

/// `POST /open-apis/auth/v3/app_access_token` (store app, with its app_ticket)
pub async fn app_token_store(Extract(state): Shared, body: Bytes) -> Response {
    let mut state = state::lock(&state);
    count(&mut state, "app_access_token");
    let body = parse(&body);
    match check_app(&state, &body, true) {
        Ok(app_id) => {
            let ticket = string_field(&body, "app_ticket");
            if ticket.is_none() || state.app_tickets.get(&app_id).map(String::as_str) != ticket {
                return fail(&mut state, 10012, "app_ticket is invalid");
            }
            let (app_token, expire) = state.issue_token(&app_id, false);
            ok(
                &mut state,
                json!({"app_access_token": app_token, "expire": expire}),
            )
        }
        Err((code, msg)) => fail(&mut state, code, msg),
    }
}

/// `POST /open-apis/auth/v3/tenant_access_token` (store app, from its app token and a tenant_key)
pub async fn tenant_token_store(Extract(state): Shared, body: Bytes) -> Response {
    let mut state = state::lock(&state);
    count(&mut state, "tenant_access_token");
    let body = parse(&body);
    let app_token = string_field(&body, "app_access_token").unwrap_or_default();
    let app_id = match state.tokens.get(app_token) {
        Some(t) if !t.tenant && t.expires > std::time::Instant::now() => t.app_id.clone(),
        _ => return fail(&mut state, 99991664, "invalid app_access_token"),
    };
    let tenant_key = string_field(&body, "tenant_key").unwrap_or_default();
    let installed = state
        .app(&app_id)
        .is_some_and(|a| a.tenant_keys.iter().any(|k| k == tenant_key));
    if !installed {
        return fail(&mut state, 99991665, "invalid tenant code");
    }
    let (token, expire) = state.issue_token(&app_id, true);
    ok(
        &mut state,
        json!({"tenant_access_token": token, "expire": expire}),
    )
}

/// `POST /open-apis/auth/v3/app_ticket/resend`: rotates the store app's ticket.
pub async fn app_ticket_resend(Extract(state): Shared, body: Bytes) -> Response {
    let mut state = state::lock(&state);
    count(&mut state, "app_ticket/resend");
    match check_app(&state, &parse(&body), true) {
        Ok(app_id) => {
            let n = state.next_id();
            state
                .app_tickets
                .insert(app_id.clone(), format!("ticket-{app_id}-{n}"));
            ok(&mut state, json!({}))
        }
        Err((code, msg)) => fail(&mut state, code, msg),
    }
}
