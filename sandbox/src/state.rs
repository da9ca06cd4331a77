//! The sandbox's mutable state and the pieces every endpoint shares: the
//! envelope, log ids, token checks, rate limits and user-id mapping.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{Value, json};

use crate::endpoint::Limit;
use crate::faults::Faults;
use crate::seed::{App, Seed};
use crate::{Config, DropConnection};

/// One accepted write.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct LedgerEntry {
    /// Position in the ledger, from 1.
    pub seq: u64,
    /// `performance.v2.metric_detail.import`, ...
    pub endpoint: String,
    /// The app that wrote.
    pub app_id: String,
    /// The request's client_token, for endpoints that take one.
    pub client_token: Option<String>,
    /// The import record or item the write produced.
    pub record_id: String,
    /// What was written, one JSON object a row (user ids as open_ids).
    pub rows: Vec<Value>,
}

/// Counters of what the sandbox has seen.
#[derive(Debug, Clone, Default, PartialEq, Serialize, serde::Deserialize)]
pub struct Stats {
    /// Calls of the token endpoints, by path.
    pub token_requests: BTreeMap<String, u64>,
    /// API calls received, by endpoint id (before any check).
    pub api_requests: BTreeMap<String, u64>,
    /// API answers by HTTP status.
    pub statuses: BTreeMap<u16, u64>,
    /// Faults injected, by kind.
    pub faults: BTreeMap<String, u64>,
    /// The `Oapi-Sdk-Request-Id` of every API call that sent one, in order.
    pub request_ids: Vec<String>,
}

/// A token the sandbox issued.
#[derive(Debug, Clone)]
pub struct Token {
    pub app_id: String,
    pub tenant: bool,
    pub expires: Instant,
}

pub struct State {
    pub seed: Seed,
    pub token_ttl: Duration,
    pub rate_window: Duration,
    pub undocumented_limits: std::collections::BTreeMap<String, usize>,
    pub faults: Faults,
    pub tokens: HashMap<String, Token>,
    pub app_tickets: HashMap<String, String>,
    /// (app, endpoint, client_token) of every applied write.
    pub client_tokens: HashSet<(String, String, String)>,
    /// (semester, reviewee open_id, metric, field) → value.
    pub metric_values: HashMap<(String, String, String, String), String>,
    pub additional_informations: Vec<AdditionalInformation>,
    pub rate: HashMap<(String, String), VecDeque<Instant>>,
    pub ledger: Vec<LedgerEntry>,
    pub stats: Stats,
    users_by_id: HashMap<(IdKind, String), usize>,
    counter: u64,
}

/// A stored supplementary-information item.
#[derive(Debug, Clone)]
pub struct AdditionalInformation {
    pub item_id: String,
    pub semester_id: String,
    pub external_id: Option<String>,
    pub reviewee: String,
    pub item: String,
    pub time: String,
    pub detailed_description: String,
}

/// The ways a request may name a user (`user_id_type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IdKind {
    Open,
    Union,
    User,
    PeopleAdmin,
}

impl IdKind {
    /// Parses `user_id_type`; `people_admin` says whether the endpoint documents `people_admin_id`.
    pub fn parse(value: Option<&str>, people_admin: bool) -> Option<IdKind> {
        match value {
            None | Some("open_id") => Some(IdKind::Open),
            Some("union_id") => Some(IdKind::Union),
            Some("user_id") => Some(IdKind::User),
            Some("people_admin_id") if people_admin => Some(IdKind::PeopleAdmin),
            _ => None,
        }
    }
}

pub fn lock(state: &Arc<Mutex<State>>) -> MutexGuard<'_, State> {
    state.lock().unwrap_or_else(|e| e.into_inner())
}

impl State {
    pub fn new(config: Config, faults: Faults) -> State {
        let mut users_by_id = HashMap::new();
        for (i, u) in config.seed.users.iter().enumerate() {
            users_by_id.insert((IdKind::Open, u.open_id.clone()), i);
            users_by_id.insert((IdKind::Union, u.union_id.clone()), i);
            users_by_id.insert((IdKind::User, u.user_id.clone()), i);
            users_by_id.insert((IdKind::PeopleAdmin, u.people_admin_id.clone()), i);
        }
        let app_tickets = config
            .seed
            .apps
            .iter()
            .filter(|a| a.store_app)
            .map(|a| (a.app_id.clone(), format!("ticket-{}-1", a.app_id)))
            .collect();
        let mut metric_values = HashMap::new();
        for v in &config.seed.admin_values {
            metric_values.insert(
                (
                    v.semester_id.clone(),
                    v.reviewee.clone(),
                    v.metric_id.clone(),
                    v.field_id.clone(),
                ),
                v.value.clone(),
            );
        }
        let additional_informations = config
            .seed
            .additional_informations
            .iter()
            .map(|a| AdditionalInformation {
                item_id: a.item_id.clone(),
                semester_id: a.semester_id.clone(),
                external_id: a.external_id.clone(),
                reviewee: a.reviewee.clone(),
                item: a.item.clone(),
                time: a.time.clone(),
                detailed_description: a.detailed_description.clone(),
            })
            .collect();
        State {
            seed: config.seed,
            token_ttl: config.token_ttl,
            rate_window: config.rate_window,
            undocumented_limits: config.undocumented_limits,
            faults,
            tokens: HashMap::new(),
            app_tickets,
            client_tokens: HashSet::new(),
            metric_values,
            additional_informations,
            rate: HashMap::new(),
            ledger: Vec::new(),
            stats: Stats::default(),
            users_by_id,
            counter: 0,
        }
    }

    /// A fresh id: 19 decimal digits, as Feishu's.
    pub fn next_id(&mut self) -> String {
        self.counter += 1;
        format!("{}", 7_400_000_000_000_000_000_u64 + self.counter)
    }

    pub fn app(&self, app_id: &str) -> Option<&App> {
        self.seed.apps.iter().find(|a| a.app_id == app_id)
    }

    /// The open_id of the user `id` names, read as `kind`.
    pub fn resolve_user(&self, kind: IdKind, id: &str) -> Option<String> {
        self.users_by_id
            .get(&(kind, id.to_owned()))
            .map(|&i| self.seed.users[i].open_id.clone())
    }

    /// `open_id` rendered as `kind`.
    pub fn render_user(&self, kind: IdKind, open_id: &str) -> String {
        match self.users_by_id.get(&(IdKind::Open, open_id.to_owned())) {
            Some(&i) => {
                let u = &self.seed.users[i];
                match kind {
                    IdKind::Open => u.open_id.clone(),
                    IdKind::Union => u.union_id.clone(),
                    IdKind::User => u.user_id.clone(),
                    IdKind::PeopleAdmin => u.people_admin_id.clone(),
                }
            }
            None => open_id.to_owned(),
        }
    }

    /// The `user` object of the pages: `{open_id, user_id}`, `user_id` as `kind`.
    pub fn user_object(&self, kind: IdKind, open_id: &str) -> Value {
        json!({"open_id": open_id, "user_id": self.render_user(kind, open_id)})
    }

    /// Fills in `user_id` (as `kind`) of every `{"open_id": ...}` object in
    /// `value`: the seed keeps users that way.
    pub fn render_users(&self, kind: IdKind, value: &mut Value) {
        match value {
            Value::Object(map) => {
                if let Some(Value::String(open_id)) = map.get("open_id") {
                    let rendered = self.render_user(kind, open_id);
                    map.insert("user_id".into(), Value::String(rendered));
                }
                for v in map.values_mut() {
                    self.render_users(kind, v);
                }
            }
            Value::Array(items) => {
                for v in items {
                    self.render_users(kind, v);
                }
            }
            _ => {}
        }
    }

    /// Whether `app_id` may see the reviewee `open_id` (its data scope).
    pub fn in_scope(&self, app_id: &str, open_id: &str) -> bool {
        self.app(app_id)
            .is_none_or(|a| !a.out_of_scope.iter().any(|o| o == open_id))
    }

    /// Issues a token for `app_id`, reusing one with more than 30 minutes left, as the platform does.
    pub fn issue_token(&mut self, app_id: &str, tenant: bool) -> (String, u64) {
        let now = Instant::now();
        self.tokens.retain(|_, t| t.expires > now);
        if let Some((token, t)) = self.tokens.iter().find(|(_, t)| {
            t.app_id == app_id && t.tenant == tenant && t.expires > now + Duration::from_secs(1800)
        }) {
            return (token.clone(), t.expires.duration_since(now).as_secs());
        }
        self.counter += 1;
        let prefix = if tenant { "t-" } else { "a-" };
        let token = format!(
            "{prefix}g1044{:x}{:016x}",
            self.counter,
            pseudo_random(self.counter)
        );
        self.tokens.insert(
            token.clone(),
            Token {
                app_id: app_id.to_owned(),
                tenant,
                expires: now + self.token_ttl,
            },
        );
        (token, self.token_ttl.as_secs())
    }

    /// The app a request's `Authorization` header authenticates, or the platform's error.
    pub fn authenticate(&self, headers: &HeaderMap) -> Result<String, ApiError> {
        let value = headers.get("authorization").and_then(|v| v.to_str().ok());
        let Some(token) = value
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
        else {
            return Err(ApiError::new(
                400,
                99991661,
                "Missing access token for authorization. Please make a request with token attached.",
            ));
        };
        if token.starts_with("u-") {
            return Err(ApiError::new(
                400,
                99991668,
                "Invalid access token for authorization. Please make a request with token attached.",
            ));
        }
        if !token.starts_with("t-") {
            return Err(ApiError::new(
                400,
                99991671,
                "Invalid token: token must start with t- or u-",
            ));
        }
        match self.tokens.get(token) {
            Some(t) if t.tenant && t.expires > Instant::now() => Ok(t.app_id.clone()),
            _ => Err(ApiError::new(
                400,
                99991663,
                "Invalid access token for authorization. Please make a request with token attached.",
            )),
        }
    }

    /// Records a call against each of the endpoint's windows for the app;
    /// the platform's 429 when one of them is full (then nothing is recorded).
    pub fn rate_limit(
        &mut self,
        app_id: &str,
        endpoint: &str,
        limits: &[Limit],
    ) -> Result<(), ApiError> {
        let now = Instant::now();
        for &limit in limits {
            let (cap, window, per) = match limit {
                Limit::PerMinute(n) => (n, self.rate_window, "minute"),
                Limit::PerSecond(n) => (n, self.rate_window / 60, "second"),
            };
            let calls = self
                .rate
                .entry((app_id.to_owned(), format!("{endpoint}/{per}")))
                .or_default();
            while calls
                .front()
                .is_some_and(|&t| now.duration_since(t) >= window)
            {
                calls.pop_front();
            }
            if calls.len() >= cap {
                let oldest = *calls.front().expect("the window is full");
                let wait = window.saturating_sub(now.duration_since(oldest));
                let reset = wait.as_secs_f64().ceil().max(1.0) as u64;
                let mut error = ApiError::new(429, 99991400, "request trigger frequency limit");
                error
                    .headers
                    .push(("x-ogw-ratelimit-limit", cap.to_string()));
                error
                    .headers
                    .push(("x-ogw-ratelimit-reset", reset.to_string()));
                return Err(error);
            }
        }
        for &limit in limits {
            let per = match limit {
                Limit::PerMinute(_) => "minute",
                Limit::PerSecond(_) => "second",
            };
            self.rate
                .entry((app_id.to_owned(), format!("{endpoint}/{per}")))
                .or_default()
                .push_back(now);
        }
        Ok(())
    }

    pub fn next_log_id(&mut self) -> String {
        self.counter += 1;
        format!(
            "20261122{:06}{:018X}",
            self.counter % 1_000_000,
            pseudo_random(self.counter) >> 8
        )
    }

    pub fn record(
        &mut self,
        endpoint: &str,
        app_id: &str,
        client_token: Option<String>,
        record_id: String,
        rows: Vec<Value>,
    ) {
        if let Some(token) = &client_token {
            self.client_tokens
                .insert((app_id.to_owned(), endpoint.to_owned(), token.clone()));
        }
        let seq = self.ledger.len() as u64 + 1;
        self.ledger.push(LedgerEntry {
            seq,
            endpoint: endpoint.to_owned(),
            app_id: app_id.to_owned(),
            client_token,
            record_id,
            rows,
        });
    }

    pub fn client_token_used(&self, app_id: &str, endpoint: &str, token: &str) -> bool {
        self.client_tokens
            .contains(&(app_id.to_owned(), endpoint.to_owned(), token.to_owned()))
    }
}

fn pseudo_random(n: u64) -> u64 {
    let mut x = n.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03;
    x ^= x >> 31;
    x = x.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x ^ (x >> 29)
}

/// A failed call: HTTP status, code and message, with extra headers.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: u16,
    pub code: i64,
    pub msg: String,
    pub headers: Vec<(&'static str, String)>,
    pub field_violations: Vec<Value>,
}

impl ApiError {
    pub fn new(status: u16, code: i64, msg: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            msg: msg.into(),
            headers: Vec::new(),
            field_violations: Vec::new(),
        }
    }

    /// `field` broke a documented rule.
    pub fn violation(mut self, field: &str, value: &str, description: &str) -> ApiError {
        self.field_violations
            .push(json!({"field": field, "value": value, "description": description}));
        self
    }
}

/// A JSON response with the platform's headers.
pub fn json_response(
    status: u16,
    log_id: &str,
    body: &Value,
    headers: &[(&'static str, String)],
) -> Response {
    let mut response = (
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        body.to_string(),
    )
        .into_response();
    let h = response.headers_mut();
    h.insert(
        "content-type",
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    if let Ok(v) = HeaderValue::from_str(log_id) {
        h.insert("x-tt-logid", v);
    }
    for (name, value) in headers {
        if let Ok(v) = HeaderValue::from_str(value) {
            h.insert(*name, v);
        }
    }
    response
}

/// The failure envelope: `{code, msg, error: {log_id, troubleshooter, ...}}`.
pub fn error_response(error: &ApiError, log_id: &str) -> Response {
    let mut detail = json!({
        "log_id": log_id,
        "troubleshooter": format!("排查建议查看(Troubleshooting suggestions): https://open.feishu.cn/search?from=openapi&log_id={log_id}&code={}&method_id=0", error.code),
    });
    if !error.field_violations.is_empty() {
        detail["field_violations"] = Value::Array(error.field_violations.clone());
    }
    let body = json!({"code": error.code, "msg": error.msg, "error": detail});
    json_response(error.status, log_id, &body, &error.headers)
}

/// A response whose connection is closed without sending it.
pub fn dropped() -> Response {
    let mut response = StatusCode::INTERNAL_SERVER_ERROR.into_response();
    response.extensions_mut().insert(DropConnection);
    response
}

/// An HTML gateway page, as a load balancer sends it.
pub fn gateway_page(status: u16, log_id: &str) -> Response {
    let title = if status == 502 {
        "502 Bad Gateway"
    } else {
        "504 Gateway Time-out"
    };
    let html = format!(
        "<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n<center><h1>{title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
    );
    let mut response = (
        StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY),
        html,
    )
        .into_response();
    response
        .headers_mut()
        .insert("content-type", HeaderValue::from_static("text/html"));
    if let Ok(v) = HeaderValue::from_str(log_id) {
        response.headers_mut().insert("x-tt-logid", v);
    }
    response
}
