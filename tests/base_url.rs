//! A wrong base URL is a configuration error (`Error::NotFeishu`), never a
//! failure worth retrying or resuming: a token endpoint that answers HTML, a
//! plain web server, a JSON answer that is no token response, a host that does
//! not accept connections before any token was obtained. A bare host gets a hint.

mod common;

use std::time::Duration;

use common::hostile::{Hostile, Reply, http, json};
use feishu_perf::performance::v2::QueryReviewTemplateRequest;
use feishu_perf::prelude::*;
use feishu_perf::{Pacing, RetryPolicy};

fn client(base_url: &str) -> Client {
    Client::builder()
        .app("cli_base", "secret-of-base")
        .base_url(base_url)
        .pacing(Pacing::Off)
        .retry(RetryPolicy {
            base_delay: Duration::from_millis(1),
            ..RetryPolicy::default()
        })
        .build()
        .unwrap()
}

async fn guarded<T>(call: impl Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(60), call)
        .await
        .expect("the call hung")
}

fn not_feishu(err: &Error, base_url: &str) {
    assert!(matches!(err, Error::NotFeishu { .. }), "{err:?}");
    assert!(!err.is_retryable(), "{err}");
    assert!(!err.is_outcome_unknown(), "{err}");
    let text = err.to_string();
    assert!(
        text.contains(&format!(
            "the base URL {base_url} does not answer like Feishu"
        )),
        "{text}"
    );
}

#[tokio::test]
async fn answers_that_are_no_token_response_blame_the_base_url() {
    let html = |status: u16| {
        Reply::Raw(http(
            status,
            &[("content-type", b"text/html")],
            b"<!doctype html><html><body>Welcome to nginx!</body></html>",
        ))
    };
    let answers = [
        ("an HTML page", html(200)),
        ("a plain web server's 404", html(404)),
        ("a 405", html(405)),
        ("a JSON object without code", json(r#"{"status":"ok"}"#)),
        ("JSON that is no object", json("[1,2]")),
        ("an empty body", Reply::Raw(http(200, &[], b""))),
        (
            "a JSON 404",
            Reply::Raw(http(
                404,
                &[("content-type", b"application/json")],
                br#"{"code":404,"msg":"page not found"}"#,
            )),
        ),
    ];
    for (what, answer) in answers {
        let server = Hostile::start().await;
        server.set_token(answer);
        let client = client(&server.base_url());
        let err = guarded(client.send(QueryReviewTemplateRequest::new()))
            .await
            .unwrap_err();
        let text = err.to_string();
        not_feishu(&err, &server.base_url());
        // Not retried: asked once.
        assert_eq!(server.token_requests(), 1, "{what}: {text}");
        assert_eq!(server.api_requests(), 0, "{what}");
    }
}

#[tokio::test]
async fn a_host_that_never_answered_is_not_feishu_and_one_that_did_is_a_transport_error() {
    // A port that was just free: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let base_url = format!("http://127.0.0.1:{port}");
    let err = guarded(client(&base_url).send(QueryReviewTemplateRequest::new()))
        .await
        .unwrap_err();
    not_feishu(&err, &base_url);
    let cause = std::error::Error::source(&err).expect("the connection failure is the cause");
    assert!(
        !err.to_string().contains(&cause.to_string()),
        "said once: {err}"
    );

    // A server that gave a token and then went away: a transport error, worth resuming.
    let server = Hostile::start().await;
    server.set_api([json(
        feishu_perf::performance::v2::QUERY_REVIEW_TEMPLATE_EXAMPLES
            .response
            .unwrap(),
    )]);
    let base_url = server.base_url();
    let client = client(&base_url);
    guarded(client.send(QueryReviewTemplateRequest::new()))
        .await
        .unwrap();
    drop(server);
    // Once the port refuses connections (the server's task is gone).
    guarded(async {
        while tokio::net::TcpStream::connect(base_url.trim_start_matches("http://"))
            .await
            .is_ok()
        {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
    let err = guarded(client.send(QueryReviewTemplateRequest::new()))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    assert!(err.is_retryable());
}

#[test]
fn a_bare_host_gets_a_hint() {
    let err = Client::builder()
        .app("cli_base", "secret-of-base")
        .base_url("open.feishu.cn")
        .build()
        .unwrap_err();
    assert!(matches!(err, Error::Config(_)), "{err:?}");
    assert!(
        err.to_string()
            .contains("did you mean https://open.feishu.cn?"),
        "{err}"
    );
}
