//! A plain HTTP client for the sandbox tests: reqwest and serde_json only,
//! nothing of the SDK.
#![allow(dead_code)]

use std::time::Duration;

use feishu_sandbox::seed::{APP_ID, APP_SECRET};
use feishu_sandbox::{Config, Sandbox};
use serde_json::{Value, json};

pub struct Reply {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub text: String,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }
    pub fn code(&self) -> i64 {
        self.json()["code"].as_i64().unwrap()
    }
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
    }
}

/// A zero-length rate window holds no call, so the limit never applies, however
/// fast or slow the machine (a 1 ms window refuses a burst that lands within a
/// millisecond). `faults.rs` pins this.
pub const NO_RATE_LIMIT: Duration = Duration::ZERO;

/// A sandbox whose rate limit does not get in the way of functional tests.
pub async fn start() -> Sandbox {
    start_with(Config {
        rate_window: NO_RATE_LIMIT,
        ..Config::default()
    })
    .await
}

pub async fn start_with(config: Config) -> Sandbox {
    Sandbox::start(config).await.expect("the sandbox starts")
}

pub fn client() -> reqwest::Client {
    // reqwest is built without a bundled crypto provider; plain http needs none,
    // but the builder asks for one.
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

pub async fn send(request: reqwest::RequestBuilder) -> Reply {
    let response = request.send().await.expect("a response");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await.unwrap_or_default();
    Reply {
        status,
        headers,
        text,
    }
}

pub async fn post_json(sandbox: &Sandbox, path: &str, body: Value) -> Reply {
    send(
        client()
            .post(format!("{}{path}", sandbox.base_url()))
            .json(&body),
    )
    .await
}

/// A tenant_access_token of the fixture's self-built app.
pub async fn token(sandbox: &Sandbox) -> String {
    let reply = post_json(
        sandbox,
        "/open-apis/auth/v3/tenant_access_token/internal",
        json!({"app_id": APP_ID, "app_secret": APP_SECRET}),
    )
    .await;
    reply.json()["tenant_access_token"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// An authenticated API call.
pub async fn api(
    sandbox: &Sandbox,
    token: &str,
    method: reqwest::Method,
    path_and_query: &str,
    body: Value,
) -> Reply {
    let url = format!("{}{path_and_query}", sandbox.base_url());
    send(client().request(method, url).bearer_auth(token).json(&body)).await
}

pub async fn import_metrics(
    sandbox: &Sandbox,
    token: &str,
    client_token: &str,
    body: Value,
) -> Reply {
    api(
        sandbox,
        token,
        reqwest::Method::POST,
        &format!("/open-apis/performance/v2/metric_details/import?client_token={client_token}"),
        body,
    )
    .await
}

/// The metric import body for one reviewee and metric.
pub fn metric_body(semester: &str, reviewee: &str, metric: &str, fields: Value) -> Value {
    json!({
        "semester_id": semester,
        "imported_metrics": [{"reviewee_user_id": reviewee, "metric_id": metric, "fields": fields}]
    })
}

/// Asserts the failure envelope: status, code, `error.log_id` equal to the `X-Tt-Logid` header.
pub fn assert_error(reply: &Reply, status: u16, code: i64) {
    assert_eq!(
        (reply.status, reply.code()),
        (status, code),
        "{}",
        reply.text
    );
    let body = reply.json();
    let log_id = reply.header("x-tt-logid").expect("X-Tt-Logid");
    assert_eq!(body["error"]["log_id"], log_id.as_str());
    assert!(
        body["error"]["troubleshooter"]
            .as_str()
            .unwrap()
            .contains(&log_id)
    );
}

/// A page's request or response example, from `tests/examples/`.
#[macro_export]
macro_rules! example {
    ($name:literal) => {
        serde_json::from_str::<serde_json::Value>(include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/examples/",
            $name,
            ".json"
        )))
        .expect("the example is JSON")
    };
}

/// POST with a JSON body.
pub async fn post(sandbox: &Sandbox, token: &str, path_and_query: &str, body: Value) -> Reply {
    api(sandbox, token, reqwest::Method::POST, path_and_query, body).await
}

/// GET without a body.
pub async fn get(sandbox: &Sandbox, token: &str, path_and_query: &str) -> Reply {
    let url = format!("{}{path_and_query}", sandbox.base_url());
    send(client().get(url).bearer_auth(token)).await
}

/// `data` of a successful reply (code 0, HTTP 200).
pub fn data(reply: &Reply) -> Value {
    assert_eq!((reply.status, reply.code()), (200, 0), "{}", reply.text);
    reply.json()["data"].clone()
}

/// Asserts that `actual` has the shape of a page's response example: every
/// member of every object is one that the example has in that place, with
/// the same JSON type (array items are compared with all the example's
/// items of that array).
pub fn assert_shape(example: &Value, actual: &Value) {
    shape(&[example], actual, "$");
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn shape(examples: &[&Value], actual: &Value, path: &str) {
    let examples: Vec<&Value> = examples.iter().copied().filter(|e| !e.is_null()).collect();
    if examples.is_empty() {
        return;
    }
    assert!(
        examples.iter().any(|e| kind(e) == kind(actual)),
        "{path}: the example has {}, the answer {} ({actual})",
        kind(examples[0]),
        kind(actual)
    );
    match actual {
        Value::Object(map) => {
            for (key, value) in map {
                let inner: Vec<&Value> = examples.iter().filter_map(|e| e.get(key)).collect();
                assert!(!inner.is_empty(), "{path}.{key}: not in the page's example");
                shape(&inner, value, &format!("{path}.{key}"));
            }
        }
        Value::Array(items) => {
            let inner: Vec<&Value> = examples
                .iter()
                .filter_map(|e| e.as_array())
                .flatten()
                .collect();
            if inner.is_empty() {
                return;
            }
            for (i, item) in items.iter().enumerate() {
                shape(&inner, item, &format!("{path}[{i}]"));
            }
        }
        _ => {}
    }
}

/// A tenant_access_token of the fixture's store app (no data-scope limits).
pub async fn store_token(sandbox: &Sandbox) -> String {
    use feishu_sandbox::seed::{STORE_APP_ID, STORE_APP_SECRET, TENANT_KEY};
    let ticket = sandbox.app_ticket(STORE_APP_ID).expect("a ticket");
    let app = post_json(
        sandbox,
        "/open-apis/auth/v3/app_access_token",
        json!({"app_id": STORE_APP_ID, "app_secret": STORE_APP_SECRET, "app_ticket": ticket}),
    )
    .await
    .json();
    let tenant = post_json(
        sandbox,
        "/open-apis/auth/v3/tenant_access_token",
        json!({"app_access_token": app["app_access_token"], "tenant_key": TENANT_KEY}),
    )
    .await
    .json();
    tenant["tenant_access_token"]
        .as_str()
        .expect("a tenant token")
        .to_owned()
}

/// A POST list query that pages refuses a page size over 50 (1580102) and a
/// page token it never gave (1580107), for a `body` it otherwise accepts.
pub async fn assert_page_errors(sandbox: &Sandbox, token: &str, path: &str, body: Value) {
    for (query, code) in [("page_size=51", 1580102), ("page_token=bogus", 1580107)] {
        let reply = post(sandbox, token, &format!("{path}?{query}"), body.clone()).await;
        assert_error(&reply, 400, code);
    }
}

/// Every item (under `items`) of every page of a POST list query, `page_size`
/// at a time; the last page carries no `page_token`.
pub async fn post_all_pages(
    sandbox: &Sandbox,
    token: &str,
    path: &str,
    page_size: u32,
    items: &str,
    body: Value,
) -> Vec<Value> {
    let mut out = Vec::new();
    let mut page_token = String::new();
    loop {
        let query = format!("{path}?page_size={page_size}&page_token={page_token}");
        let data = data(&post(sandbox, token, &query, body.clone()).await);
        out.extend(data[items].as_array().unwrap().iter().cloned());
        if data["has_more"] != true {
            assert!(data.get("page_token").is_none(), "no page_token at the end");
            return out;
        }
        page_token = data["page_token"].as_str().unwrap().to_owned();
    }
}
