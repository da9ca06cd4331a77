//! Each page's own example request, verbatim from the schema, is accepted by the
//! sandbox, for every endpoint of the registry; and an OKR internal error, as the OKR page documents it, is retried.

use std::time::Duration;

use feishu_perf::okr::v1::{
    PatchMetricSourceTableItemRequest, PatchMetricSourceTableItemRequestBody,
};
use feishu_perf::prelude::*;
use feishu_perf::registry::{REGISTRY, RegistryEntry};
use feishu_perf::{ENDPOINTS, Pacing, RetryPolicy};
use feishu_sandbox::seed::{APP_ID, APP_SECRET};
use feishu_sandbox::{Config, Sandbox};
use serde_json::{Value, json};

async fn sandbox() -> Sandbox {
    Sandbox::start(Config {
        rate_window: Duration::ZERO,
        ..Config::default()
    })
    .await
    .unwrap()
}

/// The path of the page's call example: the template with its parameters' examples.
fn example_path(entry: &RegistryEntry) -> String {
    let mut path = entry.descriptor.path_template.to_owned();
    for p in entry.path_params {
        let example = p.example.expect("a path parameter has an example");
        path = path.replace(&format!("{{{}}}", p.name), example);
    }
    assert!(!path.contains('{'), "{path}");
    path
}

/// The registry, its `DELETE`s last: a page's example delete removes the
/// record the examples of its siblings name (the OKR progress record
/// `7041857032248410131` of the get, update and delete pages).
fn deletes_last() -> Vec<&'static RegistryEntry> {
    let mut entries: Vec<&RegistryEntry> = REGISTRY.iter().collect();
    entries.sort_by_key(|e| e.descriptor.method.as_str() == "DELETE");
    entries
}

#[tokio::test]
async fn each_pages_own_example_request_is_accepted() {
    let sandbox = sandbox().await;
    // reqwest is built without a bundled crypto provider (as in the client).
    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = reqwest::Client::new();
    let token: Value = http
        .post(format!(
            "{}/open-apis/auth/v3/tenant_access_token/internal",
            sandbox.base_url()
        ))
        .json(&json!({"app_id": APP_ID, "app_secret": APP_SECRET}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = token["tenant_access_token"].as_str().unwrap().to_owned();
    assert_eq!(
        REGISTRY.len(),
        ENDPOINTS.len(),
        "every endpoint of the schema"
    );
    for entry in deletes_last() {
        let (d, examples) = (entry.descriptor, entry.examples);
        let mut url = format!("{}{}", sandbox.base_url(), example_path(entry));
        // A page without a call example gives its required client_token an example value.
        let query = examples
            .request_query
            .or(d.client_token.then_some("client_token=12454646"));
        if let Some(query) = query {
            url = format!("{url}?{query}");
        }
        let method = reqwest::Method::from_bytes(d.method.as_str().as_bytes()).unwrap();
        let mut request = http
            .request(method, &url)
            .bearer_auth(&token)
            .header("Content-Type", "application/json; charset=utf-8");
        if let Some(body) = examples.request_body {
            let mut body: Value = serde_json::from_str(body).unwrap();
            // A page token of the page's own system is unknown to any other
            // server (1580107): the example asks for the first page instead.
            if let Some(body) = body.as_object_mut() {
                body.remove("page_token");
            }
            request = request.body(body.to_string());
        }
        let reply = request.send().await.unwrap();
        let status = reply.status().as_u16();
        let text = reply.text().await.unwrap();
        let envelope: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            (status, envelope["code"].as_i64()),
            (200, Some(0)),
            "{}: the page's own example is refused: {text}",
            d.id
        );
    }
}

#[tokio::test]
async fn an_okr_internal_error_is_retried_as_the_schema_decides() {
    let sandbox = sandbox().await;
    sandbox.set_faults("500,exception").unwrap();
    let client = Client::builder()
        .app(APP_ID, APP_SECRET)
        .base_url(sandbox.base_url())
        .pacing(Pacing::Off)
        .retry(RetryPolicy {
            base_delay: Duration::from_millis(10),
            ..RetryPolicy::default()
        })
        .build()
        .unwrap();
    let id = "7041857032248410131";
    let request = PatchMetricSourceTableItemRequest::new(id, id, id)
        .body(PatchMetricSourceTableItemRequestBody::new().metric_current_value(2.5));
    let data = client
        .okr()
        .v1()
        .metric_source_table_item()
        .patch(request)
        .await
        .unwrap();
    assert_eq!(data.metric_current_value, Some(2.5));
    let stats = sandbox.stats();
    assert_eq!(stats.faults.get("500"), Some(&1), "{stats:?}");
    assert_eq!(stats.faults.get("exception"), Some(&1), "{stats:?}");
}
