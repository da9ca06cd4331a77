//! The runtime client against the sandbox, over real HTTP on loopback: each
//! endpoint end to end, each error class, each fault kind.

use std::sync::Arc;
use std::time::Duration;

use feishu_perf::okr::v1::{
    PatchMetricSourceTableItemRequest, PatchMetricSourceTableItemRequestBody,
};
use feishu_perf::performance::v2::{
    AdditionalInformation, ImportAdditionalInformationRequest,
    ImportAdditionalInformationRequestBody, ImportMetricDetailErrorCode, ImportMetricDetailRequest,
    ImportMetricDetailRequestBody, ImportedMetric, ImportedMetricField, QueryReviewTemplateRequest,
    StageType, UserIdType,
};
use feishu_perf::prelude::*;
use feishu_perf::{Pacing, RequestOptions, RetryPolicy};
use feishu_sandbox::seed::{
    APP_ID, APP_SECRET, STORE_APP_ID, STORE_APP_SECRET, TENANT_KEY, ids, open_id,
};
use feishu_sandbox::{Config, Sandbox};
use futures::StreamExt;

/// A sandbox without a rate limit: a zero window holds no call, however fast
/// or slow the calls land.
async fn sandbox() -> Sandbox {
    Sandbox::start(Config {
        rate_window: Duration::ZERO,
        ..Config::default()
    })
    .await
    .unwrap()
}

/// The fixture's self-built app, against the sandbox.
fn builder(sandbox: &Sandbox) -> feishu_perf::ClientBuilder {
    Client::builder()
        .app(APP_ID, APP_SECRET)
        .base_url(sandbox.base_url())
}

/// A client for the sandbox with quick retries.
fn client(sandbox: &Sandbox) -> Client {
    builder(sandbox)
        .pacing(Pacing::Off)
        .retry(RetryPolicy {
            base_delay: Duration::from_millis(10),
            ..RetryPolicy::default()
        })
        .build()
        .unwrap()
}

/// `n` template queries started at once from clones of `client`; all must succeed.
async fn queries_at_once(client: &Client, n: usize) {
    let calls = (0..n).map(|_| {
        let client = client.clone();
        tokio::spawn(async move {
            client
                .send(QueryReviewTemplateRequest::new().page_size(1))
                .await
        })
    });
    for call in futures::future::join_all(calls).await {
        call.unwrap().unwrap();
    }
}

fn import(n: usize) -> ImportMetricDetailRequest {
    ImportMetricDetailRequest::new(ImportMetricDetailRequestBody::new(
        ids::SEMESTER,
        vec![ImportedMetric::new(
            open_id(n),
            ids::METRIC,
            vec![ImportedMetricField::new(ids::FIELD_NUMBER).field_value(n.to_string())],
        )],
    ))
}

#[tokio::test]
async fn every_endpoint_end_to_end() {
    let sandbox = sandbox().await;
    let client = client(&sandbox);

    let data = client
        .performance()
        .v2()
        .metric_detail()
        .import(import(1))
        .await
        .unwrap();
    assert_eq!(
        data.import_record_id.as_deref(),
        Some(sandbox.ledger()[0].record_id.as_str())
    );
    assert_eq!(
        sandbox.ledger()[0].client_token.as_ref().unwrap().len(),
        32,
        "a client_token was generated"
    );

    let info = ImportAdditionalInformationRequest::new(
        ImportAdditionalInformationRequestBody::new(ids::SEMESTER_2).additional_informations(vec![
            AdditionalInformation::new(
                open_id(2),
                "业绩补充说明",
                "2024-03-12",
                "销售额增长目标超额完成",
            )
            .external_id("ext-9"),
        ]),
    );
    let data = client
        .performance()
        .v2()
        .additional_information()
        .import(info)
        .await
        .unwrap();
    let items = data.additional_informations.unwrap();
    assert_eq!(items[0].external_id.as_deref(), Some("ext-9"));
    assert_eq!(items[0].reviewee_user_id, Some(open_id(2)));

    let page = client
        .performance()
        .v2()
        .review_template()
        .query(QueryReviewTemplateRequest::new().page_size(3))
        .await
        .unwrap();
    let templates = page.review_templates.unwrap();
    assert_eq!(templates.len(), 3);
    assert_eq!(
        templates[2].templates.as_ref().unwrap()[0].stage_type,
        Some(StageType::Unknown("leader_review".into()))
    );
    assert_eq!(page.has_more, Some(true));

    let patch =
        PatchMetricSourceTableItemRequest::new(ids::OKR_SOURCE, ids::OKR_TABLE, ids::OKR_ITEM)
            .body(
                PatchMetricSourceTableItemRequestBody::new()
                    .metric_initial_value(1.0)
                    .metric_target_value(3.0)
                    .metric_current_value(2.0),
            );
    let item = client
        .okr()
        .v1()
        .metric_source_table_item()
        .patch(patch)
        .await
        .unwrap();
    assert_eq!(item.metric_current_value, Some(2.0));
    assert!(item.updated_at.is_some() && item.updated_by.is_some());
    assert_eq!(sandbox.ledger().len(), 3);
}

#[tokio::test]
async fn user_id_type_is_sent() {
    let sandbox = sandbox().await;
    let user = feishu_sandbox::Seed::fixture().users[4].clone();
    let request = ImportMetricDetailRequest::new(ImportMetricDetailRequestBody::new(
        ids::SEMESTER,
        vec![ImportedMetric::new(
            &user.union_id,
            ids::METRIC,
            vec![ImportedMetricField::new(ids::FIELD_NUMBER).field_value("4")],
        )],
    ))
    .user_id_type(UserIdType::UnionId);
    client(&sandbox).send(request).await.unwrap();
    assert_eq!(
        sandbox.ledger()[0].rows[0]["reviewee"],
        user.open_id.as_str()
    );
}

#[tokio::test]
async fn pagination_streams_every_item_and_stops() {
    let sandbox = sandbox().await;
    let client = client(&sandbox);
    let items: Vec<_> = client
        .paginate(QueryReviewTemplateRequest::new().page_size(20))
        .collect()
        .await;
    assert_eq!(items.len(), 45);
    assert!(items.iter().all(Result::is_ok));
    let pages: Vec<_> = client
        .pages(QueryReviewTemplateRequest::new().page_size(20))
        .collect()
        .await;
    let flags: Vec<_> = pages.into_iter().map(|p| p.unwrap().has_more).collect();
    assert_eq!(flags, [Some(true), Some(true), Some(false)]);
    assert_eq!(
        sandbox.stats().api_requests["performance.v2.review_template.query"],
        6
    );
}

#[tokio::test]
async fn validation_errors_are_raised_before_anything_is_sent() {
    let sandbox = sandbox().await;
    let request =
        ImportMetricDetailRequest::new(ImportMetricDetailRequestBody::new(ids::SEMESTER, vec![]));
    let err = client(&sandbox).send(request).await.unwrap_err();
    let Error::Validation { errors, .. } = &err else {
        panic!("{err}")
    };
    assert_eq!(errors.violations()[0].path, "imported_metrics");
    assert!(err.to_string().contains("nothing was sent"));
    assert!(sandbox.stats().api_requests.is_empty());
    assert!(sandbox.stats().token_requests.is_empty());
}

#[tokio::test]
async fn api_errors_carry_the_typed_code_log_id_and_hint() {
    let sandbox = sandbox().await;
    let request = ImportMetricDetailRequest::new(ImportMetricDetailRequestBody::new(
        "404",
        vec![ImportedMetric::new(
            open_id(1),
            ids::METRIC,
            vec![ImportedMetricField::new(ids::FIELD_NUMBER)],
        )],
    ));
    let err = client(&sandbox).send(request).await.unwrap_err();
    let Error::Api(api) = &err else {
        panic!("{err}")
    };
    assert_eq!((api.status, api.code), (400, 1580105));
    assert_eq!(
        api.typed::<ImportMetricDetailErrorCode>(),
        ImportMetricDetailErrorCode::InvalidSemesterId
    );
    assert!(api.log_id.is_some() && api.troubleshooter.is_some());
    assert_eq!(err.code(), Some(1580105));
    assert!(!err.is_retryable());
    let text = err.to_string();
    assert!(
        text.contains("1580105") && text.contains("请检查 `semester_id` 入参是否正确"),
        "{text}"
    );
    assert!(text.contains(err.log_id().unwrap()));
    assert_eq!(
        sandbox.stats().api_requests.values().sum::<u64>(),
        1,
        "not retried"
    );
}

#[tokio::test]
async fn rate_limited_when_retries_run_out() {
    let sandbox = Sandbox::start(Config {
        rate_window: Duration::from_secs(60),
        ..Config::default()
    })
    .await
    .unwrap();
    let client = builder(&sandbox)
        .pacing(Pacing::Off)
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    for _ in 0..10 {
        client
            .send(QueryReviewTemplateRequest::new())
            .await
            .unwrap();
    }
    let err = client
        .send(QueryReviewTemplateRequest::new())
        .await
        .unwrap_err();
    let Error::RateLimited { reset_after, .. } = &err else {
        panic!("{err}")
    };
    assert!(reset_after.unwrap() >= Duration::from_secs(1));
    assert!(err.is_retryable());
}

#[tokio::test]
async fn authentication_errors_name_the_code() {
    let sandbox = sandbox().await;
    let client = Client::builder()
        .app(APP_ID, "wrong-secret")
        .base_url(sandbox.base_url())
        .build()
        .unwrap();
    let err = client
        .send(QueryReviewTemplateRequest::new())
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Authentication { code: 10015, .. }),
        "{err}"
    );
    assert!(!err.to_string().contains("wrong-secret"));
}

#[tokio::test]
async fn transport_and_timeout_errors() {
    // Nothing listens on the port of a stopped sandbox.
    let stopped = sandbox().await;
    let url = stopped.base_url();
    stopped.stop().await;
    let client = Client::builder()
        .tenant_access_token("t-fixed")
        .base_url(url)
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let err = client
        .send(QueryReviewTemplateRequest::new())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err}");

    let sandbox = sandbox().await;
    sandbox.set_faults("delay=500").unwrap();
    let client = builder(&sandbox)
        .timeout(Duration::from_millis(100))
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let err = client
        .send(QueryReviewTemplateRequest::new())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }), "{err}");
}

#[tokio::test]
async fn undecodable_responses_keep_status_and_body_start() {
    let sandbox = sandbox().await;
    sandbox.set_faults("502").unwrap();
    let client = builder(&sandbox)
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let err = client
        .send(QueryReviewTemplateRequest::new())
        .await
        .unwrap_err();
    let Error::Decode {
        status,
        content_type,
        body_start,
        ..
    } = &err
    else {
        panic!("{err}")
    };
    assert_eq!((*status, content_type.as_deref()), (502, Some("text/html")));
    assert!(body_start.starts_with("<html>"));
}

#[tokio::test]
async fn plain_http_is_refused_except_to_loopback() {
    let err = Client::builder()
        .app("a", "b")
        .base_url("http://open.feishu.cn")
        .build()
        .unwrap_err();
    assert!(matches!(err, Error::Config(_)), "{err}");
    assert!(
        Client::builder()
            .app("a", "b")
            .base_url("http://open.feishu.cn")
            .allow_insecure_http(true)
            .build()
            .is_ok()
    );
    assert!(
        Client::builder()
            .app("a", "b")
            .base_url("http://localhost:8787")
            .build()
            .is_ok()
    );
    assert!(
        Client::builder()
            .app("a", "b")
            .base_url(feishu_perf::LARK)
            .build()
            .is_ok()
    );
    assert!(matches!(Client::builder().build(), Err(Error::Config(_))));
}

#[tokio::test]
async fn faults_are_retried_to_success() {
    for fault in ["500", "502", "504", "drop", "500,502,504"] {
        let sandbox = sandbox().await;
        sandbox.set_faults(fault).unwrap();
        let client = client(&sandbox);
        let data = client
            .send(QueryReviewTemplateRequest::new())
            .await
            .unwrap_or_else(|e| panic!("{fault}: {e}"));
        assert!(data.review_templates.is_some());
        let import = client
            .send(import(3))
            .await
            .unwrap_or_else(|e| panic!("{fault}: {e}"));
        assert!(import.import_record_id.is_some(), "{fault}");
        assert_eq!(sandbox.ledger().len(), 1, "{fault}: exactly one write");
    }
}

#[tokio::test]
async fn timeout_is_retried_with_the_same_client_token() {
    let sandbox = sandbox().await;
    // The first attempt is held far past its timeout; the retries are answered at once.
    sandbox.set_faults("delay=1500").unwrap();
    let client = builder(&sandbox)
        .timeout(Duration::from_millis(500))
        .pacing(Pacing::Off)
        .retry(RetryPolicy {
            base_delay: Duration::from_millis(10),
            ..RetryPolicy::default()
        })
        .build()
        .unwrap();
    // The delayed attempt is applied after the client gave up on it; the retry is refused as a repeat.
    let result = client.send(import(4).client_token("ct-timeout")).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    match result {
        Err(Error::AlreadyApplied { client_token, .. }) => assert_eq!(client_token, "ct-timeout"),
        Ok(_) => {}
        Err(e) => panic!("{e}"),
    }
    assert_eq!(sandbox.ledger().len(), 1);
}

#[tokio::test]
async fn lost_response_then_retry_ends_as_already_applied_with_one_write() {
    for fault in ["apply_drop", "truncate"] {
        let sandbox = sandbox().await;
        sandbox.set_faults(fault).unwrap();
        let err = client(&sandbox).send(import(5)).await.unwrap_err();
        let Error::AlreadyApplied { client_token, .. } = &err else {
            panic!("{fault}: {err}")
        };
        assert!(err.is_already_applied());
        let ledger = sandbox.ledger();
        assert_eq!(ledger.len(), 1, "{fault}: exactly one write");
        assert_eq!(ledger[0].client_token.as_ref(), Some(client_token));
    }
}

#[tokio::test]
async fn an_unknown_outcome_is_said_and_the_documented_resend_writes_once() {
    // The write is applied and its answer lost; every retry then fails until they run out.
    let sandbox = sandbox().await;
    sandbox.set_faults("apply_drop,500*10").unwrap();
    let client = client(&sandbox);
    let request = import(8);
    let err = client.send(request.clone()).await.unwrap_err();
    let Error::OutcomeUnknown {
        source,
        client_token: Some(token),
        ..
    } = &err
    else {
        panic!("{err}")
    };
    assert_eq!(source.code(), Some(1580101), "the last failure: {source}");
    assert!(err.is_outcome_unknown() && err.is_retryable());
    assert_eq!(err.client_token(), Some(token.as_str()));
    let text = err.to_string();
    assert!(
        text.contains("outcome unknown") && text.contains(token.as_str()),
        "{text}"
    );
    let ledger = sandbox.ledger();
    assert_eq!(ledger.len(), 1);
    assert_eq!(ledger[0].client_token.as_ref(), Some(token));

    // The documented retry, once the server is well again: the same token, refused as a repeat.
    sandbox.set_faults("").unwrap();
    let again = client.resend(request.clone(), &err).await.unwrap_err();
    assert!(
        matches!(&again, Error::AlreadyApplied { client_token, .. } if client_token == token),
        "{again}"
    );
    // The same through the request's own setter.
    let again = client
        .send(request.client_token(token.clone()))
        .await
        .unwrap_err();
    assert_eq!(again.code(), Some(1580110), "{again}");
    assert_eq!(sandbox.ledger().len(), 1, "no doubled row");

    // A write that was not applied (500s only) is applied by the documented retry.
    sandbox.set_faults("500*10").unwrap();
    let err = client.send(import(9)).await.unwrap_err();
    assert!(err.is_outcome_unknown() && err.is_retryable(), "{err}");
    sandbox.set_faults("").unwrap();
    let data = client.resend(import(9), &err).await.unwrap();
    assert!(data.import_record_id.is_some());
    let ledger = sandbox.ledger();
    assert_eq!(ledger.len(), 2);
    assert_eq!(ledger[1].client_token.as_deref(), err.client_token());
}

#[tokio::test]
async fn a_repeat_without_a_lost_response_is_an_error_not_already_applied() {
    let sandbox = sandbox().await;
    let client = client(&sandbox);
    client.send(import(6).client_token("mine")).await.unwrap();
    let err = client
        .send(import(6).client_token("mine"))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Api(api) if api.code == 1580110),
        "{err}"
    );
}

#[tokio::test]
async fn revoked_token_is_refreshed_and_the_call_succeeds() {
    let sandbox = sandbox().await;
    let client = client(&sandbox);
    client
        .send(QueryReviewTemplateRequest::new())
        .await
        .unwrap();
    sandbox.set_faults("revoke").unwrap();
    client.send(import(7)).await.unwrap();
    assert_eq!(
        sandbox.stats().token_requests["tenant_access_token/internal"],
        2
    );
    // A revocation outside the call path is handled the same way.
    sandbox.revoke_tokens();
    client
        .send(QueryReviewTemplateRequest::new())
        .await
        .unwrap();
    assert_eq!(
        sandbox.stats().token_requests["tenant_access_token/internal"],
        3
    );
}

#[tokio::test]
async fn a_hundred_concurrent_calls_fetch_one_token() {
    let sandbox = sandbox().await;
    let client = client(&sandbox);
    queries_at_once(&client, 100).await;
    assert_eq!(
        sandbox.stats().token_requests["tenant_access_token/internal"],
        1
    );
}

#[tokio::test]
async fn pacing_keeps_thirty_calls_under_the_limit() {
    let sandbox = Sandbox::start(Config {
        rate_window: Duration::from_secs(1),
        ..Config::default()
    })
    .await
    .unwrap();
    let client = builder(&sandbox)
        .pacing(Pacing::Documented {
            window: Duration::from_secs(1),
        })
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let started = std::time::Instant::now();
    queries_at_once(&client, 30).await;
    let elapsed = started.elapsed();
    assert_eq!(
        sandbox.stats().statuses.get(&429),
        None,
        "no call was rate limited"
    );
    // 10 a window: the last ten cannot start before two windows have passed.
    assert!(elapsed >= Duration::from_secs(2), "{elapsed:?}");
    // A generous bound against pacing far below the limit (evenly spaced calls
    // would take 29 s; the limit allows 2 s).
    assert!(elapsed < Duration::from_secs(25), "{elapsed:?}");
}

#[tokio::test]
async fn store_app_refetches_its_ticket_on_10012() {
    let sandbox = Arc::new(sandbox().await);
    let asked = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let (sb, count) = (sandbox.clone(), asked.clone());
    // The first ticket offered is stale, as after a restart.
    let tickets = move || {
        if count.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0 {
            Some("stale".to_owned())
        } else {
            sb.app_ticket(STORE_APP_ID)
        }
    };
    let client = Client::builder()
        .store_app(STORE_APP_ID, STORE_APP_SECRET, tickets)
        .tenant_key(TENANT_KEY)
        .base_url(sandbox.base_url())
        .build()
        .unwrap();
    client
        .send(QueryReviewTemplateRequest::new())
        .await
        .unwrap();
    let stats = sandbox.stats();
    assert_eq!(stats.token_requests["app_ticket/resend"], 1);
    assert_eq!(stats.token_requests["app_access_token"], 2);
    assert_eq!(stats.token_requests["tenant_access_token"], 1);

    // Without a tenant_key a store app cannot get a tenant token.
    let no_tenant = Client::builder()
        .store_app(STORE_APP_ID, STORE_APP_SECRET, || None)
        .base_url(sandbox.base_url())
        .build()
        .unwrap();
    assert!(matches!(
        no_tenant.send(QueryReviewTemplateRequest::new()).await,
        Err(Error::Config(_))
    ));
}

#[tokio::test]
async fn per_call_options() {
    let sandbox = sandbox().await;
    let client = client(&sandbox);
    let forged = RequestOptions {
        tenant_access_token: Some("t-forged".into()),
        request_id: Some("req-1".into()),
        ..RequestOptions::default()
    };
    let err = client
        .send_with(QueryReviewTemplateRequest::new(), forged)
        .await
        .unwrap_err();
    assert_eq!(
        err.code(),
        Some(99991663),
        "a caller's own token is not replaced"
    );
    assert!(sandbox.stats().token_requests.is_empty());

    let options = RequestOptions {
        request_id: Some("req-2".into()),
        headers: vec![("X-Request-Source".into(), "bi-sync".into())],
        timeout: Some(Duration::from_secs(5)),
        ..RequestOptions::default()
    };
    client
        .send_with(QueryReviewTemplateRequest::new(), options)
        .await
        .unwrap();
    assert_eq!(
        sandbox.stats().request_ids,
        ["req-1", "req-2"],
        "sent as Oapi-Sdk-Request-Id"
    );
}

#[tokio::test]
async fn rate_limit_answers_are_retried_after_the_reset() {
    // A 5 s window: ten calls fill it on however loaded a machine, and the
    // eleventh waits out the reset (at most the window) once.
    let sandbox = Sandbox::start(Config {
        rate_window: Duration::from_secs(5),
        ..Config::default()
    })
    .await
    .unwrap();
    let client = builder(&sandbox).pacing(Pacing::Off).build().unwrap();
    for _ in 0..11 {
        client
            .send(QueryReviewTemplateRequest::new().page_size(1))
            .await
            .unwrap();
    }
    let stats = sandbox.stats();
    assert_eq!(
        stats.statuses[&429], 1,
        "the eleventh call was limited once"
    );
    assert_eq!(
        stats.statuses[&200], 11,
        "then retried after x-ogw-ratelimit-reset"
    );
}

#[tokio::test]
async fn clients_sharing_a_token_cache_share_tokens() {
    let sandbox = sandbox().await;
    let cache: Arc<dyn feishu_perf::TokenCache> =
        Arc::new(feishu_perf::MemoryTokenCache::default());
    for _ in 0..3 {
        let client = builder(&sandbox)
            .token_cache(cache.clone())
            .build()
            .unwrap();
        client
            .send(QueryReviewTemplateRequest::new().page_size(1))
            .await
            .unwrap();
    }
    assert_eq!(
        sandbox.stats().token_requests["tenant_access_token/internal"],
        1
    );
}

#[test]
fn clients_are_send_sync_and_cheap_to_clone() {
    fn assert_send_sync<T: Send + Sync + Clone>() {}
    assert_send_sync::<Client>();
    fn assert_error<T: std::error::Error + Send + Sync + 'static>() {}
    assert_error::<Error>();
}

#[tokio::test]
async fn unreadable_answers_to_reads_are_retried_to_success() {
    for fault in ["truncate", "truncate,502,drop"] {
        let sandbox = sandbox().await;
        sandbox.set_faults(fault).unwrap();
        let page = client(&sandbox)
            .send(QueryReviewTemplateRequest::new())
            .await
            .unwrap_or_else(|e| panic!("{fault}: {e}"));
        assert!(page.review_templates.is_some());
    }
}

#[tokio::test]
async fn idempotent_patch_is_retried_after_a_lost_answer() {
    // The OKR PATCH sets absolute values, so it is retry-safe: a dropped answer is retried.
    let sandbox = sandbox().await;
    sandbox.set_faults("apply_drop").unwrap();
    let patch =
        PatchMetricSourceTableItemRequest::new(ids::OKR_SOURCE, ids::OKR_TABLE, ids::OKR_ITEM)
            .body(PatchMetricSourceTableItemRequestBody::new().metric_current_value(7.0));
    let item = client(&sandbox).send(patch).await.unwrap();
    assert_eq!(item.metric_current_value, Some(7.0));
    assert_eq!(
        sandbox.ledger().len(),
        2,
        "applied twice, to the same values"
    );
    const { assert!(feishu_perf::okr::v1::PATCH_METRIC_SOURCE_TABLE_ITEM.retry_safe) };
}

/// A request type wrapping the OKR PATCH with another descriptor or response
/// type, to drive the client down paths no documented endpoint takes.
macro_rules! patch_variant {
    ($(#[$doc:meta])* $name:ident, descriptor: $descriptor:expr, response: $response:ty) => {
        $(#[$doc])*
        #[derive(Clone)]
        struct $name(PatchMetricSourceTableItemRequest);

        impl feishu_perf::Validate for $name {
            fn validate_at(&self, path: &feishu_perf_core::JsonPath<'_>, out: &mut Vec<feishu_perf::Violation>) {
                self.0.validate_at(path, out);
            }
        }

        impl feishu_perf::ApiRequest for $name {
            type Body = <PatchMetricSourceTableItemRequest as feishu_perf::ApiRequest>::Body;
            type Response = $response;
            type ErrorCode = <PatchMetricSourceTableItemRequest as feishu_perf::ApiRequest>::ErrorCode;
            const DESCRIPTOR: &'static feishu_perf::EndpointDescriptor = $descriptor;

            fn request_path(&self) -> String {
                self.0.request_path()
            }
            fn query_pairs(&self) -> Vec<(&'static str, String)> {
                self.0.query_pairs()
            }
            fn json_body(&self) -> Option<&Self::Body> {
                self.0.json_body()
            }
        }
    };
}

const UNSAFE_PATCH: feishu_perf::EndpointDescriptor = feishu_perf::EndpointDescriptor {
    retry_safe: false,
    ..feishu_perf::okr::v1::PATCH_METRIC_SOURCE_TABLE_ITEM
};

patch_variant!(
    /// The OKR PATCH under a descriptor that says it is not safe to repeat, to
    /// check that the client never repeats such a request after a lost answer.
    UnsafePatch,
    descriptor: &UNSAFE_PATCH,
    response: <PatchMetricSourceTableItemRequest as feishu_perf::ApiRequest>::Response
);

#[tokio::test]
async fn a_write_that_is_not_retry_safe_is_not_repeated_after_a_lost_answer() {
    let sandbox = sandbox().await;
    sandbox.set_faults("apply_drop").unwrap();
    let patch =
        PatchMetricSourceTableItemRequest::new(ids::OKR_SOURCE, ids::OKR_TABLE, ids::OKR_ITEM)
            .body(PatchMetricSourceTableItemRequestBody::new().metric_current_value(7.0));
    let err = client(&sandbox)
        .send(UnsafePatch(patch.clone()))
        .await
        .unwrap_err();
    let Error::OutcomeUnknown {
        source,
        client_token: None,
        resend_safe: false,
        ..
    } = &err
    else {
        panic!("{err}")
    };
    assert!(matches!(**source, Error::Transport { .. }), "{source}");
    assert!(!err.is_retryable(), "not safe to re-send");
    assert!(matches!(
        client(&sandbox)
            .resend(UnsafePatch(patch.clone()), &err)
            .await,
        Err(Error::Config(_))
    ));
    assert_eq!(sandbox.ledger().len(), 1, "applied once, not repeated");

    // A refusal that proves nothing was applied (HTTP 500 from a fault, connection refused, 429) is still retried.
    sandbox.set_faults("502").unwrap();
    let err = client(&sandbox)
        .send(UnsafePatch(patch.clone()))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::OutcomeUnknown { source, .. } if matches!(**source, Error::Decode { status: 502, .. })),
        "a 502 may hide an applied write: {err}"
    );
    sandbox.set_faults("").unwrap();
    client(&sandbox).send(UnsafePatch(patch)).await.unwrap();
}

#[tokio::test]
async fn a_failed_token_request_is_retried() {
    // The server is down when the first token request is made, and back soon after.
    let first = sandbox().await;
    let addr = first.addr();
    first.stop().await;
    let restart = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(100)).await;
        Sandbox::start_on(
            addr,
            Config {
                rate_window: Duration::ZERO,
                ..Config::default()
            },
        )
        .await
        .unwrap()
    });
    let client = Client::builder()
        .app(APP_ID, APP_SECRET)
        .base_url(format!("http://{addr}"))
        .retry(RetryPolicy {
            base_delay: Duration::from_millis(150),
            max_delay: Duration::from_millis(300),
            // Enough for a restart that a loaded machine delays by seconds.
            max_attempts: 100,
            ..RetryPolicy::default()
        })
        .build()
        .unwrap();
    let page = client
        .send(QueryReviewTemplateRequest::new())
        .await
        .unwrap();
    assert!(page.review_templates.is_some());
    let second = restart.await.unwrap();
    assert_eq!(
        second.stats().token_requests["tenant_access_token/internal"],
        1
    );
}

#[tokio::test]
async fn tenant_without_seats_is_a_typed_error() {
    let mut seed = feishu_sandbox::Seed::fixture();
    seed.performance_licensed = false;
    let sandbox = Sandbox::start(Config {
        seed,
        ..Config::default()
    })
    .await
    .unwrap();
    let err = client(&sandbox).send(import(1)).await.unwrap_err();
    let Error::Api(api) = &err else {
        panic!("{err}")
    };
    assert_eq!(
        api.typed::<ImportMetricDetailErrorCode>(),
        ImportMetricDetailErrorCode::TenantNoLicense
    );
    assert!(
        err.to_string().contains("请联系租户管理员开通绩效席位"),
        "{err}"
    );
}

#[derive(Debug, serde::Deserialize)]
#[allow(dead_code)]
struct NotTheDocumentedResponse {
    field_the_server_never_sends: String,
}

patch_variant!(
    /// The OKR PATCH decoded into a response type the server's data does not fit.
    MismatchedPatch,
    descriptor: &feishu_perf::okr::v1::PATCH_METRIC_SOURCE_TABLE_ITEM,
    response: NotTheDocumentedResponse
);

#[tokio::test]
async fn a_success_whose_data_does_not_fit_is_reported_not_retried() {
    let sandbox = sandbox().await;
    let patch =
        PatchMetricSourceTableItemRequest::new(ids::OKR_SOURCE, ids::OKR_TABLE, ids::OKR_ITEM)
            .body(PatchMetricSourceTableItemRequestBody::new().metric_current_value(9.0));
    let err = client(&sandbox)
        .send(MismatchedPatch(patch))
        .await
        .unwrap_err();
    let Error::Decode { status, reason, .. } = &err else {
        panic!("{err}")
    };
    assert_eq!(*status, 200);
    assert!(reason.contains("the call succeeded"), "{reason}");
    assert_eq!(sandbox.ledger().len(), 1, "applied once, not retried");
}

#[test]
fn a_decode_error_after_success_is_not_retryable() {
    let err = Error::Decode {
        endpoint: "x",
        status: 200,
        content_type: None,
        body_start: String::new(),
        reason: String::new(),
        log_id: None,
        succeeded: true,
    };
    assert!(!err.is_retryable());
}
