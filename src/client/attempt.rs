//! One attempt: one HTTP exchange (headers, the token, the capped body read)
//! and what it ended with ([`Attempt`]), for the retry loop to judge.

use std::time::Duration;

use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};
use serde_json::Value;

use feishu_perf_core::{ApiRequest, HttpMethod};

use crate::Secret;
use crate::error::Error;
use crate::pacing::Permit;
use crate::response::{self, BodyError};

use super::{Client, RequestOptions, envelope};

/// What one attempt ended with.
pub(super) enum Attempt<T> {
    Done(T),
    /// Not to be retried whatever the error says: the server answered definitively.
    Final(Error),
    Failed {
        error: Error,
        /// The request may have been applied (no trustworthy answer came back).
        outcome_unknown: bool,
        /// The server asked to wait this long (`x-ogw-ratelimit-reset`).
        wait: Option<Duration>,
        /// The token was refused: fetch a new one.
        stale_token: bool,
    },
}

impl<T> Attempt<T> {
    pub(super) fn failed(error: Error, outcome_unknown: bool) -> Self {
        Attempt::Failed {
            error,
            outcome_unknown,
            wait: None,
            stale_token: false,
        }
    }

    /// Rate limited: wait as long as the server asked (`x-ogw-ratelimit-reset`),
    /// or a second.
    pub(super) fn rate_limited(
        endpoint: &'static str,
        reset: Option<Duration>,
        log_id: Option<String>,
    ) -> Self {
        Attempt::Failed {
            error: Error::RateLimited {
                endpoint,
                reset_after: reset,
                log_id,
            },
            outcome_unknown: false,
            wait: Some(reset.unwrap_or(Duration::from_secs(1))),
            stale_token: false,
        }
    }
}

impl Client {
    /// One attempt: `timeout` bounds it (sending to the end of the body);
    /// `after` is the limit a timeout reports (the attempt's, or the call's budget).
    pub(super) async fn attempt<R: ApiRequest>(
        &self,
        url: &reqwest::Url,
        body: Option<&[u8]>,
        token: &Secret,
        options: &RequestOptions,
        (timeout, after): (Duration, Duration),
        permit: &mut Permit<'_>,
    ) -> Attempt<R::Response> {
        let d = R::DESCRIPTOR;
        let method = match d.method {
            HttpMethod::Get => reqwest::Method::GET,
            HttpMethod::Post => reqwest::Method::POST,
            HttpMethod::Put => reqwest::Method::PUT,
            HttpMethod::Patch => reqwest::Method::PATCH,
            HttpMethod::Delete => reqwest::Method::DELETE,
        };
        let mut headers = HeaderMap::new();
        for (name, value) in &options.headers {
            if let (Ok(name), Ok(value)) = (
                HeaderName::try_from(name.as_str()),
                HeaderValue::try_from(value.as_str()),
            ) {
                headers.insert(name, value);
            }
        }
        // Fetched tokens are checked when they arrive, and a fixed one when the
        // client is built; a call's own token is checked here: never sent without it.
        match HeaderValue::try_from(format!("Bearer {}", token.expose())) {
            Ok(mut auth) if crate::auth::is_sendable(token.expose()) => {
                auth.set_sensitive(true);
                headers.insert(AUTHORIZATION, auth);
            }
            _ => {
                return Attempt::Final(Error::Config(
                    "the tenant_access_token is not a valid header value (it holds a space or a control character); nothing was sent".into(),
                ));
            }
        }
        headers.insert(
            CONTENT_TYPE,
            HeaderValue::from_static("application/json; charset=utf-8"),
        );
        if let Some(id) = options
            .request_id
            .as_deref()
            .and_then(|id| HeaderValue::try_from(id).ok())
        {
            headers.insert("Oapi-Sdk-Request-Id", id);
        }
        let mut builder = self
            .inner
            .http
            .request(method, url.clone())
            .headers(headers)
            .timeout(timeout);
        if let Some(body) = body {
            builder = builder.body(body.to_vec());
        }
        let timed_out = || Error::Timeout {
            endpoint: d.id,
            after,
        };
        let mut response = match builder.send().await {
            Ok(response) => response,
            Err(e) if e.is_timeout() => return Attempt::failed(timed_out(), true),
            // A failure to connect happens before anything is sent.
            Err(e) => {
                let sent = !e.is_connect();
                return Attempt::failed(
                    Error::Transport {
                        endpoint: d.id,
                        source: e.without_url(),
                    },
                    sent,
                );
            }
        };
        let status = response.status().as_u16();
        permit.observe(status, response.headers());
        // Redirects are never followed (the client's policy): Feishu never
        // redirects, and the request and its token stay with the base URL.
        if (300..400).contains(&status) {
            return Attempt::Final(Error::Redirect {
                endpoint: d.id,
                status,
                location: crate::response::location(response.headers(), url.as_str()),
            });
        }
        // A 2xx or 5xx answer that cannot be read may hide an applied request.
        let unreadable_may_be_applied = !(300..500).contains(&status);
        let header = |name: &str| response::header_str(response.headers(), name).map(str::to_owned);
        let log_id = header("x-tt-logid");
        let content_type = header("content-type");
        let reset = response::ratelimit_reset(response.headers());
        let bytes = match response::read_body(&mut response, self.inner.max_response_bytes).await {
            Ok(bytes) => bytes,
            Err(BodyError::TooLarge) => {
                return Attempt::failed(
                    Error::ResponseTooLarge {
                        endpoint: d.id,
                        status,
                        limit: self.inner.max_response_bytes,
                    },
                    unreadable_may_be_applied,
                );
            }
            Err(BodyError::Read(e)) if e.is_timeout() => return Attempt::failed(timed_out(), true),
            Err(BodyError::Read(e)) => {
                return Attempt::failed(
                    Error::Transport {
                        endpoint: d.id,
                        source: e.without_url(),
                    },
                    true,
                );
            }
        };
        tracing::debug!(
            status,
            log_id = log_id.as_deref().unwrap_or(""),
            bytes = bytes.len(),
            "response"
        );
        // Any 429 is rate limiting, whatever its body (JSON, HTML, empty, garbage).
        if status == 429 {
            let log_id = log_id.clone().or_else(|| {
                serde_json::from_slice::<Value>(&bytes).ok().and_then(|v| {
                    v.pointer("/error/log_id")
                        .and_then(Value::as_str)
                        .map(str::to_owned)
                })
            });
            return Attempt::rate_limited(d.id, reset, log_id);
        }
        envelope::decode::<R>(
            status,
            &bytes,
            log_id,
            content_type,
            reset,
            unreadable_may_be_applied,
        )
    }
}
