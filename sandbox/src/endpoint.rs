//! What every endpoint shares around its own logic: authentication, the
//! documented rate limit, the tenant's licence, injected faults, the
//! `{code, msg, data}` envelope and the counters.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::{Query, State as Extract};
use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::{Value, json};

use crate::faults::Fault;
use crate::state::{self, ApiError, State, dropped, error_response, gateway_page, json_response};

pub(crate) type Shared = Extract<Arc<Mutex<State>>>;
pub(crate) type QueryMap =
    Result<Query<HashMap<String, String>>, axum::extract::rejection::QueryRejection>;

/// A documented rate limit (`接口频率限制`) of one endpoint, per app.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Limit {
    /// `N 次/分钟`: the window is [`Config::rate_window`](crate::Config::rate_window).
    PerMinute(usize),
    /// `N 次/秒`: the window is a sixtieth of `rate_window`, so that a
    /// shortened minute shortens the second alike.
    PerSecond(usize),
}

/// Authentication, rate limits and faults around one endpoint's logic.
pub(crate) async fn call(
    state: &Arc<Mutex<State>>,
    endpoint: &str,
    limits: &[Limit],
    headers: &HeaderMap,
    handler: impl FnOnce(&mut State, &str) -> Result<Value, ApiError>,
) -> Response {
    let (fault, app_id, log_id) = {
        let mut s = state::lock(state);
        *s.stats.api_requests.entry(endpoint.to_owned()).or_default() += 1;
        if let Some(id) = headers
            .get("oapi-sdk-request-id")
            .and_then(|v| v.to_str().ok())
        {
            s.stats.request_ids.push(id.to_owned());
        }
        let log_id = s.next_log_id();
        // A page without a limit may be given one by configuration (per minute).
        let configured: Vec<Limit> = match s.undocumented_limits.get(endpoint) {
            Some(&n) if limits.is_empty() => vec![Limit::PerMinute(n)],
            _ => limits.to_vec(),
        };
        let checked = s.authenticate(headers).and_then(|app_id| {
            s.rate_limit(&app_id, endpoint, &configured)
                .map(|()| app_id)
        });
        let app_id = match checked {
            Ok(app_id) => app_id,
            Err(e) => return finish(&mut s, e.status, error_response(&e, &log_id)),
        };
        if endpoint.starts_with("performance.") && !s.seed.performance_licensed {
            let e = ApiError::new(400, 1580901, "tenant no licnese");
            return finish(&mut s, 400, error_response(&e, &log_id));
        }
        let fault = s.faults.next_fault();
        if fault != Fault::Ok {
            *s.stats.faults.entry(fault.to_string()).or_default() += 1;
        }
        match fault {
            Fault::Internal | Fault::Exception => {
                let e = internal_error(endpoint, fault);
                return finish(&mut s, 500, error_response(&e, &log_id));
            }
            Fault::BadGateway => return finish(&mut s, 502, gateway_page(502, &log_id)),
            Fault::GatewayTimeout => return finish(&mut s, 504, gateway_page(504, &log_id)),
            Fault::Drop => return dropped(),
            Fault::Revoke => {
                s.tokens.retain(|_, t| t.app_id != app_id);
                let e = ApiError::new(
                    400,
                    99991663,
                    "Invalid access token for authorization. Please make a request with token attached.",
                );
                return finish(&mut s, 400, error_response(&e, &log_id));
            }
            _ => {}
        }
        (fault, app_id, log_id)
    };
    if let Fault::Delay(delay) = fault {
        tokio::time::sleep(delay).await;
    }
    let mut s = state::lock(state);
    match handler(&mut s, &app_id) {
        Ok(data) => {
            let body = json!({"code": 0, "msg": "success", "data": data});
            match fault {
                Fault::ApplyDrop => dropped(),
                Fault::Truncate => {
                    let text = body.to_string();
                    let cut: String = text.chars().take(text.chars().count() / 2).collect();
                    let mut response = json_response(200, &log_id, &Value::Null, &[]);
                    *response.body_mut() = axum::body::Body::from(cut);
                    finish(&mut s, 200, response)
                }
                _ => finish(&mut s, 200, json_response(200, &log_id, &body, &[])),
            }
        }
        Err(e) => finish(&mut s, e.status, error_response(&e, &log_id)),
    }
}

/// An internal error as the endpoint's page documents it: the OKR page's
/// 1009999 (`500`) and 1009998 (`exception`), the performance pages' 1580101.
fn internal_error(endpoint: &str, fault: Fault) -> ApiError {
    match (endpoint.starts_with("okr."), fault) {
        (true, Fault::Exception) => ApiError::new(500, 1009998, "system exception"),
        (true, _) => ApiError::new(
            500,
            1009999,
            "Unknown error. Please contact Feishu Assistant or your customer success manager.",
        ),
        (false, _) => ApiError::new(500, 1580101, "internal error"),
    }
}

pub(crate) fn finish(state: &mut State, status: u16, response: Response) -> Response {
    *state.stats.statuses.entry(status).or_default() += 1;
    response
}

/// Unknown paths answer as the platform's gateway does: 404 with code 1254... is
/// not documented, so a plain 404 envelope.
pub(crate) async fn not_found() -> Response {
    json_response(
        404,
        "",
        &json!({"code": 404, "msg": "404 page not found"}),
        &[],
    )
}
