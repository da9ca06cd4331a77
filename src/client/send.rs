//! The one send path: validation, the `client_token`, the request URL, and
//! the retry loop around each attempt (tokens, pacing, the time budget, and
//! what an error says about a write whose outcome is unknown).

use std::time::Duration;

use tokio::time::Instant;
use tracing::Instrument;

use feishu_perf_core::{ApiRequest, HttpMethod};

use crate::auth::HttpAuth;
use crate::error::Error;
use crate::retry::new_client_token;

use super::attempt::Attempt;
use super::{Client, RequestOptions};

/// Whether a request changes something on the server (so that an unknown
/// outcome matters): anything but a `GET` and a paged query.
fn is_write(d: &feishu_perf_core::EndpointDescriptor) -> bool {
    d.method != HttpMethod::Get && d.pagination.is_none()
}

impl Client {
    /// Sends `request` with default options.
    pub async fn send<R: ApiRequest>(&self, request: R) -> Result<R::Response, Error> {
        self.send_with(request, RequestOptions::default()).await
    }

    /// Re-sends a write that ended with [`Error::OutcomeUnknown`], the
    /// documented way: with the `client_token` it was first sent with, so the
    /// server applies it at most once. If the first send went through, the
    /// call ends with [`Error::AlreadyApplied`]; otherwise it is applied now.
    ///
    /// ```no_run
    /// # async fn demo(client: feishu_perf::Client, request: feishu_perf::performance::v2::ImportMetricDetailRequest) -> Result<(), feishu_perf::Error> {
    /// match client.send(request.clone()).await {
    ///     Err(error) if error.is_outcome_unknown() && error.is_retryable() => {
    ///         match client.resend(request, &error).await {
    ///             Ok(_) | Err(feishu_perf::Error::AlreadyApplied { .. }) => {} // applied once
    ///             Err(error) => return Err(error),
    ///         }
    ///     }
    ///     other => { other?; }
    /// }
    /// # Ok(()) }
    /// ```
    ///
    /// Any other error is not about an unknown outcome: `request` is sent as
    /// it is. A write that is not safe to repeat ([`Error::is_retryable`] is
    /// false) is refused with [`Error::Config`].
    pub async fn resend<R: ApiRequest>(
        &self,
        request: R,
        after: &Error,
    ) -> Result<R::Response, Error> {
        if let Error::OutcomeUnknown {
            resend_safe: false,
            endpoint,
            ..
        } = after
        {
            return Err(Error::Config(format!(
                "{endpoint} is not safe to repeat and its outcome is unknown: check whether it was applied instead of re-sending it"
            )));
        }
        let options = RequestOptions {
            client_token: after.client_token().map(str::to_owned),
            ..RequestOptions::default()
        };
        self.send_with(request, options).await
    }

    /// Sends `request`: validates it, fills in a `client_token` if the endpoint
    /// takes one and none is set, paces, authenticates, retries what is safe to
    /// retry (reusing the same `client_token`), and decodes the response.
    ///
    /// Each attempt is bounded by the client's timeout
    /// ([`ClientBuilder::timeout`](crate::ClientBuilder::timeout)) and the
    /// whole call by the retry policy's total budget
    /// ([`RetryPolicy::max_elapsed`](crate::RetryPolicy::max_elapsed)), an
    /// attempt in flight included; waiting for the first pacing slot (this
    /// client's own queue) is not counted.
    pub async fn send_with<R: ApiRequest>(
        &self,
        mut request: R,
        options: RequestOptions,
    ) -> Result<R::Response, Error> {
        let d = R::DESCRIPTOR;
        if let Some(token) = &options.client_token {
            if !d.client_token {
                return Err(Error::Config(format!(
                    "{} takes no client_token; re-send it as it is",
                    d.id
                )));
            }
            request.set_idempotency_token(token.clone());
        }
        request.validate().map_err(|errors| Error::Validation {
            endpoint: d.id,
            errors,
        })?;
        if d.client_token && request.idempotency_token().is_none() {
            request.set_idempotency_token(new_client_token());
        }
        let body = match request.json_body() {
            Some(body) => Some(
                serde_json::to_vec(body)
                    .map_err(|e| Error::Config(format!("serialising the body: {e}")))?,
            ),
            None => None,
        };
        let mut url = reqwest::Url::parse(&format!(
            "{}{}",
            self.inner.base_url,
            request.request_path()
        ))
        .map_err(|e| Error::Config(format!("request URL: {e}")))?;
        let query = request.query_pairs();
        if !query.is_empty() {
            url.query_pairs_mut()
                .extend_pairs(query.iter().map(|(k, v)| (*k, v.as_str())));
        }
        let span = tracing::info_span!("feishu.call", endpoint = d.id, method = d.method.as_str());
        self.run::<R>(
            url,
            body,
            request.idempotency_token().map(str::to_owned),
            &options,
        )
        .instrument(span)
        .await
    }

    async fn run<R: ApiRequest>(
        &self,
        url: reqwest::Url,
        body: Option<Vec<u8>>,
        client_token: Option<String>,
        options: &RequestOptions,
    ) -> Result<R::Response, Error> {
        let d = R::DESCRIPTOR;
        let inner = &*self.inner;
        let budget = inner.retry.max_elapsed;
        let far_future = || Instant::now() + Duration::from_secs(86_400 * 365 * 30);
        let mut deadline = Instant::now()
            .checked_add(budget)
            .unwrap_or_else(far_future);
        let out_of_budget = || Error::Timeout {
            endpoint: d.id,
            after: budget,
        };
        // The error a call ends with: a write whose outcome became unknown and
        // that then failed inconclusively says so, with its client_token.
        let conclude = |error: Error, outcome_unknown: bool, last_unknown: bool| {
            if outcome_unknown && is_write(d) && (last_unknown || error.is_retryable()) {
                Error::OutcomeUnknown {
                    endpoint: d.id,
                    client_token: client_token.clone(),
                    resend_safe: d.retry_safe,
                    source: Box::new(error),
                }
            } else {
                error
            }
        };
        let tenant_key = options
            .tenant_key
            .as_deref()
            .or(inner.tenant_key.as_deref());
        // A re-send of a write whose outcome was unknown starts unknown.
        let mut outcome_unknown = options.client_token.is_some();
        let mut token_refreshed = false;
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            let token = match &options.tenant_access_token {
                Some(token) => token.clone(),
                None => {
                    let http = self.http_auth();
                    let fetch = inner.tokens.tenant_token(&http, tenant_key);
                    match tokio::time::timeout_at(deadline, fetch).await {
                        Err(_) => return Err(conclude(out_of_budget(), outcome_unknown, false)),
                        Ok(Ok(token)) => token,
                        // Asking for a token changes nothing: retry a transient failure like a call.
                        Ok(Err(error))
                            if error.is_retryable() && attempt < inner.retry.max_attempts =>
                        {
                            let wait = inner.retry.backoff(attempt);
                            if Instant::now()
                                .checked_add(wait)
                                .is_none_or(|t| t >= deadline)
                            {
                                return Err(conclude(error, outcome_unknown, false));
                            }
                            tracing::warn!(attempt, "token request failed: {error}");
                            tokio::time::sleep(wait).await;
                            continue;
                        }
                        Ok(Err(error)) => return Err(conclude(error, outcome_unknown, false)),
                    }
                }
            };
            let queued = Instant::now();
            let acquire = inner.pacer.acquire(inner.pacing, d, tenant_key);
            let mut permit = if attempt == 1 {
                // Waiting behind this client's own calls is queueing, not the call.
                let permit = acquire.await;
                deadline = deadline.checked_add(queued.elapsed()).unwrap_or(deadline);
                permit
            } else {
                match tokio::time::timeout_at(deadline, acquire).await {
                    Ok(permit) => permit,
                    Err(_) => return Err(conclude(out_of_budget(), outcome_unknown, false)),
                }
            };
            let attempt_started = Instant::now();
            let remaining = deadline.saturating_duration_since(attempt_started);
            if remaining.is_zero() {
                return Err(conclude(out_of_budget(), outcome_unknown, false));
            }
            let per_attempt = options.timeout.unwrap_or(inner.timeout);
            let (timeout, after) = if per_attempt <= remaining {
                (per_attempt, per_attempt)
            } else {
                (remaining, budget)
            };
            let result = tokio::time::timeout(
                timeout,
                self.attempt::<R>(
                    &url,
                    body.as_deref(),
                    &token,
                    options,
                    (timeout, after),
                    &mut permit,
                ),
            )
            .await
            .unwrap_or_else(|_| {
                Attempt::failed(
                    Error::Timeout {
                        endpoint: d.id,
                        after,
                    },
                    true,
                )
            });
            // The call has ended: its pacing slot starts its window now.
            permit.end().await;
            let (error, unknown, wait, stale_token) = match result {
                Attempt::Final(error) => return Err(error),
                Attempt::Done(response) => {
                    tracing::info!(
                        attempt,
                        duration_ms = attempt_started.elapsed().as_millis() as u64,
                        "call succeeded"
                    );
                    return Ok(response);
                }
                Attempt::Failed {
                    error,
                    outcome_unknown,
                    wait,
                    stale_token,
                } => (error, outcome_unknown, wait, stale_token),
            };
            tracing::warn!(
                attempt,
                code = error.code().unwrap_or(0),
                log_id = error.log_id().unwrap_or(""),
                duration_ms = attempt_started.elapsed().as_millis() as u64,
                "call failed: {error}"
            );
            // A repeat refused after an attempt whose outcome was unknown: that attempt was applied.
            if outcome_unknown
                && matches!(&error, Error::Api(e) if e.facts().is_some_and(|f| f.already_applied))
            {
                return Err(Error::AlreadyApplied {
                    endpoint: d.id,
                    client_token: client_token.unwrap_or_default(),
                });
            }
            // A refused token: drop it, fetch a new one, retry once.
            if stale_token && options.tenant_access_token.is_none() && !token_refreshed {
                inner.tokens.invalidate(tenant_key, &token).await;
                token_refreshed = true;
                attempt -= 1;
                continue;
            }
            outcome_unknown |= unknown;
            let retryable = error.is_retryable() && (!unknown || d.retry_safe);
            if !retryable || attempt >= inner.retry.max_attempts {
                return Err(conclude(error, outcome_unknown, unknown));
            }
            let next_wait = wait.unwrap_or_else(|| inner.retry.backoff(attempt));
            if Instant::now()
                .checked_add(next_wait)
                .is_none_or(|t| t >= deadline)
            {
                return Err(conclude(error, outcome_unknown, unknown));
            }
            tracing::debug!(attempt, wait_ms = next_wait.as_millis() as u64, "retrying");
            tokio::time::sleep(next_wait).await;
        }
    }

    pub(super) fn http_auth(&self) -> HttpAuth<'_> {
        HttpAuth {
            http: &self.inner.http,
            base_url: &self.inner.base_url,
            timeout: self.inner.timeout,
        }
    }
}
