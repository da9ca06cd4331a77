//! Each page's own example request, verbatim from the schema, is accepted by the
//! sandbox; and an OKR internal error, as the OKR page documents it, is retried.

use std::time::Duration;

use feishu_perf::okr::v1::{
    PATCH_METRIC_SOURCE_TABLE_ITEM, PATCH_METRIC_SOURCE_TABLE_ITEM_EXAMPLES,
    PatchMetricSourceTableItemRequest, PatchMetricSourceTableItemRequestBody,
};
use feishu_perf::okr::{v1, v2};
use feishu_perf::performance::v2::{
    IMPORT_ADDITIONAL_INFORMATION, IMPORT_ADDITIONAL_INFORMATION_EXAMPLES, IMPORT_METRIC_DETAIL,
    IMPORT_METRIC_DETAIL_EXAMPLES, QUERY_REVIEW_TEMPLATE, QUERY_REVIEW_TEMPLATE_EXAMPLES,
};
use feishu_perf::prelude::*;
use feishu_perf::{DocExamples, ENDPOINTS, EndpointDescriptor, Pacing, RetryPolicy};
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

/// The path of the page's call example: the template with the ids the example uses.
fn example_path(d: &EndpointDescriptor, ids: &[&str]) -> String {
    let mut path = d.path_template.to_owned();
    for id in ids {
        let start = path.find('{').expect("as many ids as placeholders");
        let end = path[start..].find('}').unwrap() + start;
        path.replace_range(start..=end, id);
    }
    assert!(!path.contains('{'), "{path}");
    path
}

#[tokio::test]
async fn each_pages_own_example_request_is_accepted() {
    // The OKR page's curl example uses 7041857032248410131 for each id of its path.
    let okr_ids = ["7041857032248410131"; 3];
    // The OKR endpoints without a page: the examples of their schema files,
    // with the ids their SDKs' examples use (the sandbox's seed has them).
    let v1_ids = ["7041857032248410131"; 3];
    let (cycle, objective) = (["7342342398472398471"], ["7342342398472398473"]);
    let cases: [(&EndpointDescriptor, DocExamples, &[&str]); 15] = [
        (&IMPORT_METRIC_DETAIL, IMPORT_METRIC_DETAIL_EXAMPLES, &[]),
        (
            &IMPORT_ADDITIONAL_INFORMATION,
            IMPORT_ADDITIONAL_INFORMATION_EXAMPLES,
            &[],
        ),
        (&QUERY_REVIEW_TEMPLATE, QUERY_REVIEW_TEMPLATE_EXAMPLES, &[]),
        (
            &PATCH_METRIC_SOURCE_TABLE_ITEM,
            PATCH_METRIC_SOURCE_TABLE_ITEM_EXAMPLES,
            &okr_ids,
        ),
        (
            &v1::LIST_METRIC_SOURCE,
            v1::LIST_METRIC_SOURCE_EXAMPLES,
            &[],
        ),
        (
            &v1::LIST_METRIC_SOURCE_TABLE,
            v1::LIST_METRIC_SOURCE_TABLE_EXAMPLES,
            &v1_ids[..1],
        ),
        (
            &v1::LIST_METRIC_SOURCE_TABLE_ITEM,
            v1::LIST_METRIC_SOURCE_TABLE_ITEM_EXAMPLES,
            &v1_ids[..2],
        ),
        (
            &v1::GET_METRIC_SOURCE_TABLE_ITEM,
            v1::GET_METRIC_SOURCE_TABLE_ITEM_EXAMPLES,
            &v1_ids,
        ),
        (
            &v1::BATCH_UPDATE_METRIC_SOURCE_TABLE_ITEM,
            v1::BATCH_UPDATE_METRIC_SOURCE_TABLE_ITEM_EXAMPLES,
            &v1_ids[..2],
        ),
        (&v2::LIST_OKR_CYCLE, v2::LIST_OKR_CYCLE_EXAMPLES, &[]),
        (
            &v2::LIST_OKR_CYCLE_OBJECTIVE,
            v2::LIST_OKR_CYCLE_OBJECTIVE_EXAMPLES,
            &cycle,
        ),
        (
            &v2::LIST_OKR_OBJECTIVE_KEY_RESULT,
            v2::LIST_OKR_OBJECTIVE_KEY_RESULT_EXAMPLES,
            &objective,
        ),
        (
            &v2::LIST_OKR_OBJECTIVE_INDICATOR,
            v2::LIST_OKR_OBJECTIVE_INDICATOR_EXAMPLES,
            &objective,
        ),
        (
            &v2::LIST_OKR_KEY_RESULT_INDICATOR,
            v2::LIST_OKR_KEY_RESULT_INDICATOR_EXAMPLES,
            &objective,
        ),
        (
            &v2::PATCH_OKR_INDICATOR,
            v2::PATCH_OKR_INDICATOR_EXAMPLES,
            &objective,
        ),
    ];
    assert_eq!(cases.len(), ENDPOINTS.len(), "every endpoint of the schema");
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
    for (d, examples, ids) in cases {
        let mut url = format!("{}{}", sandbox.base_url(), example_path(d, ids));
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
            request = request.body(body.to_owned());
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
