//! The app secret and the tokens never appear in Debug or Display output,
//! logs or error messages: every path is driven with tracing captured at TRACE.

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use feishu_perf::performance::v2::{
    ImportMetricDetailRequest, ImportMetricDetailRequestBody, ImportedMetric, ImportedMetricField,
    QueryReviewTemplateRequest,
};
use feishu_perf::prelude::*;
use feishu_perf::{Pacing, RequestOptions, RetryPolicy, Secret};
use feishu_sandbox::seed::{APP_ID, APP_SECRET, ids, open_id};
use feishu_sandbox::{Config, Sandbox};

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn secrets_never_leak() {
    let capture = Capture::default();
    let writer = capture.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let sandbox = Sandbox::start(Config {
        rate_window: Duration::ZERO, // holds no call: no rate limit
        ..Config::default()
    })
    .await
    .unwrap();
    let client = Client::builder()
        .app(APP_ID, APP_SECRET)
        .base_url(sandbox.base_url())
        .pacing(Pacing::Off)
        .retry(RetryPolicy {
            base_delay: Duration::from_millis(5),
            ..RetryPolicy::default()
        })
        .build()
        .unwrap();
    let mut shown = vec![format!("{client:?}")];
    let import = |n: usize| {
        ImportMetricDetailRequest::new(ImportMetricDetailRequestBody::new(
            ids::SEMESTER,
            vec![ImportedMetric::new(
                open_id(n),
                ids::METRIC,
                vec![ImportedMetricField::new(ids::FIELD_NUMBER).field_value("1")],
            )],
        ))
    };

    // Success, retried faults, a refreshed token, an already-applied write, an API error,
    // a decode error, a validation error, an authentication error.
    client
        .send(QueryReviewTemplateRequest::new())
        .await
        .unwrap();
    sandbox.set_faults("500,502,drop,revoke").unwrap();
    client
        .send(QueryReviewTemplateRequest::new())
        .await
        .unwrap();
    sandbox.set_faults("apply_drop").unwrap();
    let errors = [
        client.send(import(1)).await.unwrap_err(),
        client
            .send(ImportMetricDetailRequest::new(
                ImportMetricDetailRequestBody::new(
                    "404",
                    vec![ImportedMetric::new(
                        open_id(1),
                        ids::METRIC,
                        vec![ImportedMetricField::new(ids::FIELD_NUMBER)],
                    )],
                ),
            ))
            .await
            .unwrap_err(),
        client
            .send(ImportMetricDetailRequest::new(
                ImportMetricDetailRequestBody::new(ids::SEMESTER, vec![]),
            ))
            .await
            .unwrap_err(),
        Client::builder()
            .app(APP_ID, "not-the-secret")
            .base_url(sandbox.base_url())
            .build()
            .unwrap()
            .send(QueryReviewTemplateRequest::new())
            .await
            .unwrap_err(),
        client
            .send_with(
                QueryReviewTemplateRequest::new(),
                RequestOptions {
                    tenant_access_token: Some(Secret::new("t-caller-token")),
                    ..Default::default()
                },
            )
            .await
            .unwrap_err(),
    ];
    sandbox.set_faults("truncate").unwrap();
    let no_retry = Client::builder()
        .app(APP_ID, APP_SECRET)
        .base_url(sandbox.base_url())
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let decode = no_retry
        .send(QueryReviewTemplateRequest::new())
        .await
        .unwrap_err();
    shown.push(format!("{no_retry:?}"));
    for e in errors.iter().chain([&decode]) {
        shown.push(format!("{e}"));
        shown.push(format!("{e:?}"));
    }
    shown.push(format!(
        "{:?}",
        RequestOptions {
            tenant_access_token: Some(Secret::new("t-caller-token")),
            ..Default::default()
        }
    ));

    // The token the sandbox issued to this app (it hands out the same one while it is fresh).
    let token: serde_json::Value = reqwest::Client::new()
        .post(format!(
            "{}/open-apis/auth/v3/tenant_access_token/internal",
            sandbox.base_url()
        ))
        .json(&serde_json::json!({"app_id": APP_ID, "app_secret": APP_SECRET}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = token["tenant_access_token"].as_str().unwrap().to_owned();

    let logs = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("feishu.call"), "tracing was captured");
    assert!(logs.contains("call failed"), "failures were logged");
    let everything = format!("{logs}\n{}", shown.join("\n"));
    for secret in [
        APP_SECRET,
        token.as_str(),
        "t-caller-token",
        "not-the-secret",
    ] {
        assert!(!everything.contains(secret), "{secret} leaked");
    }
}

/// A server that echoes the request into its answer (the token endpoint into
/// its `msg`, an API into its `msg`, `troubleshooter` or an unreadable body)
/// puts no configured secret into an error's Display or Debug, nor into a log.
#[tokio::test]
async fn secrets_echoed_by_a_server_are_redacted() {
    use common::hostile::{Hostile, Reply, http, json, token_ok};

    let capture = Capture::default();
    let writer = capture.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    const SECRET: &str = "echoed-app-secret-0123";
    const TOKEN: &str = "t-hostile";
    const CALLER: &str = "t-caller-echoed";
    let server = Hostile::start().await;
    let client = Client::builder()
        .app("cli_echo", SECRET)
        .base_url(server.base_url())
        .pacing(Pacing::Off)
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let mut errors = Vec::new();

    // The token endpoint refuses, echoing the request it received.
    server.set_token(json(&format!(
        r#"{{"code":10003,"msg":"invalid param: {{\"app_id\":\"cli_echo\",\"app_secret\":\"{SECRET}\"}}"}}"#
    )));
    errors.push(
        client
            .send(QueryReviewTemplateRequest::new())
            .await
            .unwrap_err(),
    );
    assert!(
        matches!(errors[0], Error::Authentication { .. }),
        "{:?}",
        errors[0]
    );

    // An API refusing a call, echoing its token in every piece of text.
    server.set_token(token_ok());
    server.set_api([json(&format!(
        r#"{{"code":1580001,"msg":"bad token Bearer {TOKEN} for secret {SECRET}","error":{{"troubleshooter":"{TOKEN}","field_violations":[{{"field":"x","value":"{TOKEN}"}}]}}}}"#
    ))]);
    errors.push(
        client
            .send(QueryReviewTemplateRequest::new())
            .await
            .unwrap_err(),
    );
    // An unreadable answer that echoes the token in its body's start.
    server.set_api([Reply::Raw(http(
        400,
        &[("content-type", b"text/plain")],
        format!("Authorization: Bearer {TOKEN}").as_bytes(),
    ))]);
    errors.push(
        client
            .send(QueryReviewTemplateRequest::new())
            .await
            .unwrap_err(),
    );
    // A caller's own token, echoed.
    server.set_api([json(&format!(
        r#"{{"code":1580001,"msg":"bad token {CALLER}"}}"#
    ))]);
    errors.push(
        client
            .send_with(
                QueryReviewTemplateRequest::new(),
                RequestOptions {
                    tenant_access_token: Some(Secret::new(CALLER)),
                    ..Default::default()
                },
            )
            .await
            .unwrap_err(),
    );

    let logs = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("call failed"), "failures were logged");
    let mut shown = vec![logs];
    for e in &errors {
        shown.push(format!("{e}"));
        shown.push(format!("{e:?}"));
        assert!(format!("{e}").contains("[redacted]"), "{e}");
    }
    let everything = shown.join("\n");
    for secret in [SECRET, TOKEN, CALLER] {
        assert!(
            !everything.contains(secret),
            "{secret} leaked: {everything}"
        );
    }
}
