//! No redirect is followed: Feishu's open API never redirects, so a 3xx (to a
//! token request or to a call) ends the call with `Error::Redirect` naming its
//! `Location`, and nothing (no request, no app secret, no token) reaches the
//! host it points to. A second loopback server stands for that other host and
//! counts what it receives.

mod common;

use std::time::Duration;

use common::hostile::{Hostile, Reply, http, token_ok};
use feishu_perf::performance::v1::ListSemesterRequest;
use feishu_perf::performance::v2::{
    ImportMetricDetailRequest, ImportMetricDetailRequestBody, ImportedMetric, ImportedMetricField,
};
use feishu_perf::prelude::*;
use feishu_perf::{Pacing, RetryPolicy};

const SECRET: &str = "s3cret-of-the-app";
const STATUSES: [u16; 5] = [301, 302, 303, 307, 308];

fn import() -> ImportMetricDetailRequest {
    ImportMetricDetailRequest::new(ImportMetricDetailRequestBody::new(
        "7293040702907514899",
        vec![ImportedMetric::new(
            "ou_3245842393d09e9428ad4655da6e30b3",
            "7272580325522276372",
            vec![ImportedMetricField::new("7283776005142675476").field_value("100")],
        )],
    ))
}

fn client(server: &Hostile) -> Client {
    Client::builder()
        .app("cli_redirect", SECRET)
        .base_url(server.base_url())
        .pacing(Pacing::Off)
        .retry(RetryPolicy {
            base_delay: Duration::from_millis(1),
            ..RetryPolicy::default()
        })
        .build()
        .unwrap()
}

/// A redirect to `target`, as a server would send it.
fn redirect(status: u16, target: &str) -> Reply {
    Reply::Raw(http(status, &[("location", target.as_bytes())], b""))
}

async fn guarded<T>(call: impl Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(60), call)
        .await
        .expect("the call hung")
}

#[tokio::test]
async fn a_redirected_token_request_sends_the_app_secret_nowhere() {
    let other = Hostile::start().await;
    for status in STATUSES {
        let server = Hostile::start().await;
        // With user info and a query in the Location, which the error must not show.
        let target = format!(
            "http://user:pw@{}/open-apis/auth/v3/tenant_access_token/internal?app_secret={SECRET}#f",
            other.base_url().trim_start_matches("http://")
        );
        server.set_token(redirect(status, &target));
        server.set_api([common::hostile::json(r#"{"code":0,"data":{}}"#)]);
        let client = client(&server);
        let err = guarded(client.send(import())).await.unwrap_err();
        let Error::Redirect {
            endpoint,
            status: seen,
            location,
        } = &err
        else {
            panic!("{status}: {err:?}");
        };
        assert_eq!((*endpoint, *seen), ("auth.v3", status));
        assert_eq!(
            location.as_deref(),
            Some(
                format!(
                    "{}/open-apis/auth/v3/tenant_access_token/internal (query withheld)",
                    other.base_url()
                )
                .as_str()
            )
        );
        let shown = format!("{err} {err:?}");
        for secret in [SECRET, "pw"] {
            assert!(!shown.contains(secret), "{status}: {shown}");
        }
        // Asked once, not retried, and no call was made without a token.
        assert_eq!(server.token_requests(), 1, "{status}");
        assert_eq!(server.api_requests(), 0, "{status}");
    }
    assert_eq!(other.requests(), 0, "credentials sent to a redirect target");
}

#[tokio::test]
async fn a_redirected_call_is_an_error_not_a_success_elsewhere() {
    let other = Hostile::start().await;
    // The other host answers everything with success: following a redirect
    // would report rows written that reached no one.
    other.set_api([common::hostile::json(r#"{"code":0,"data":{}}"#)]);
    for status in STATUSES {
        let server = Hostile::start().await;
        server.set_token(token_ok());
        let target = format!(
            "{}/open-apis/performance/v2/metric_details/import",
            other.base_url()
        );
        server.set_api([redirect(status, &target)]);
        let client = client(&server);

        let err = guarded(client.send(import())).await.unwrap_err();
        assert!(
            matches!(&err, Error::Redirect { endpoint: "performance.v2.metric_detail.import", status: s, location: Some(l) } if *s == status && *l == target),
            "{status}: {err:?}"
        );
        assert!(!err.is_retryable(), "{err}");
        assert!(err.to_string().contains(&target), "{err}");
        assert_eq!(
            server.api_requests(),
            1,
            "{status}: a redirect is not retried"
        );

        // A read, sent as GET, likewise.
        server.set_api([redirect(
            status,
            &format!("{}/open-apis/performance/v1/semesters", other.base_url()),
        )]);
        let err = guarded(client.send(ListSemesterRequest::new()))
            .await
            .unwrap_err();
        assert!(matches!(&err, Error::Redirect { .. }), "{status}: {err:?}");
    }
    assert_eq!(
        other.requests(),
        0,
        "requests (and tokens) sent to a redirect target"
    );
}
