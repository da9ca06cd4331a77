//! The one send path: validation, the `client_token`, the request URL, and
//! the retry loop around each attempt (tokens, pacing, the time budget, and
//! what an error says about a write whose outcome is unknown).

use std::time::Duration;

use tokio::time::Instant;
use tracing::Instrument;

use feishu_perf_core::ApiRequest;

use crate::Secret;
use crate::auth::HttpAuth;
use crate::error::Error;
use crate::retry::new_client_token;

use super::attempt::Attempt;
use super::decide::{Call, Came, Kind, Step, decide};
use super::{Client, RequestOptions};

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

    /// Carries out the retry decision ([`decide`]): fetches the token,
    /// waits for pacing, makes an attempt, and does what the decision says
    /// with what came back.
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
        let tenant_key = options
            .tenant_key
            .as_deref()
            .or(inner.tenant_key.as_deref());
        let kind = Kind::of(d);
        let mut call = Call {
            kind,
            attempt: 0,
            max_attempts: inner.retry.max_attempts,
            time_left: budget,
            // A re-send of a write whose outcome was unknown starts unknown.
            outcome_unknown: options.client_token.is_some(),
            can_renew_token: options.tenant_access_token.is_none(),
            backoff: Duration::ZERO,
        };
        // The error a call ends with: as the decision says, and never with a secret in it.
        let end = |error: Error, outcome_unknown: bool, token: Option<&Secret>| {
            let mut secrets = inner.tokens.secrets();
            secrets.extend(token.map(Secret::expose));
            secrets.extend(options.tenant_access_token.as_ref().map(Secret::expose));
            let error = crate::redact::error(self.not_feishu(error), &secrets);
            if outcome_unknown {
                Error::OutcomeUnknown {
                    endpoint: d.id,
                    client_token: client_token.clone(),
                    resend_safe: kind.resend_safe(),
                    source: Box::new(error),
                }
            } else {
                error
            }
        };
        // What the decision says about `came`, with the time left now and a fresh backoff.
        let next = |call: &mut Call, came: Came, deadline: Instant| {
            call.time_left = deadline.saturating_duration_since(Instant::now());
            call.backoff = inner.retry.backoff(call.attempt.max(1));
            let (step, unknown) = decide(*call, came);
            call.outcome_unknown = unknown;
            step
        };
        // The budget ran out while the call waited: as the decision says.
        let out_of_time = |call: &mut Call, deadline: Instant, token: Option<&Secret>| {
            let unknown = matches!(
                next(call, Came::OutOfTime, deadline),
                Step::Fail {
                    outcome_unknown: true
                }
            );
            end(out_of_budget(), unknown, token)
        };
        loop {
            call.attempt += 1;
            let token = match &options.tenant_access_token {
                Some(token) => token.clone(),
                None => {
                    let http = self.http_auth();
                    let fetch = inner.tokens.tenant_token(&http, tenant_key);
                    match tokio::time::timeout_at(deadline, fetch).await {
                        Err(_) => return Err(out_of_time(&mut call, deadline, None)),
                        Ok(Ok(token)) => token,
                        Ok(Err(error)) => {
                            let came = Came::TokenFailed {
                                retryable: error.is_retryable(),
                            };
                            match next(&mut call, came, deadline) {
                                Step::Retry { after } => {
                                    let error = end(error, false, None);
                                    tracing::warn!(
                                        attempt = call.attempt,
                                        "token request failed: {error}"
                                    );
                                    tokio::time::sleep(after).await;
                                    continue;
                                }
                                step => {
                                    let unknown = matches!(
                                        step,
                                        Step::Fail {
                                            outcome_unknown: true
                                        }
                                    );
                                    return Err(end(error, unknown, None));
                                }
                            }
                        }
                    }
                }
            };
            let queued = Instant::now();
            let mut held = Duration::ZERO;
            let mut permit = loop {
                let acquire = inner.pacer.acquire_unless_held(inner.pacing, d, tenant_key);
                let turn = if call.attempt == 1 {
                    // Waiting behind this client's own calls is queueing, not the call.
                    acquire.await
                } else {
                    match tokio::time::timeout_at(deadline, acquire).await {
                        Ok(turn) => turn,
                        Err(_) => return Err(out_of_time(&mut call, deadline, Some(&token))),
                    }
                };
                match turn {
                    Ok(permit) => break permit,
                    // A 429's reset holds the endpoint: wait it out only if the call has the time.
                    Err(hold) => match next(&mut call, Came::Held(hold), deadline) {
                        Step::Hold(hold) => {
                            tokio::time::sleep(hold).await;
                            held += hold;
                        }
                        step => {
                            let error = Error::RateLimited {
                                endpoint: d.id,
                                reset_after: Some(hold),
                                log_id: None,
                            };
                            let unknown = matches!(
                                step,
                                Step::Fail {
                                    outcome_unknown: true
                                }
                            );
                            return Err(end(error, unknown, Some(&token)));
                        }
                    },
                }
            };
            if call.attempt == 1 {
                let queueing = queued.elapsed().saturating_sub(held);
                deadline = deadline.checked_add(queueing).unwrap_or(deadline);
            }
            let attempt_started = Instant::now();
            let remaining = deadline.saturating_duration_since(attempt_started);
            if remaining.is_zero() {
                return Err(out_of_time(&mut call, deadline, Some(&token)));
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
            let (error, came) = match result {
                Attempt::Done(response) => {
                    tracing::info!(
                        attempt = call.attempt,
                        duration_ms = attempt_started.elapsed().as_millis() as u64,
                        "call succeeded"
                    );
                    return Ok(response);
                }
                Attempt::Final(error) => {
                    let came = match &error {
                        Error::Decode {
                            succeeded: true, ..
                        } => Came::Applied,
                        _ => Came::Refused,
                    };
                    (error, came)
                }
                Attempt::Failed {
                    error,
                    outcome_unknown,
                    wait,
                    stale_token,
                } => {
                    let came = Came::of_attempt(&error, outcome_unknown, wait, stale_token);
                    (error, came)
                }
            };
            let shown = end(error, false, Some(&token));
            tracing::warn!(
                attempt = call.attempt,
                code = shown.code().unwrap_or(0),
                log_id = shown.log_id().unwrap_or(""),
                duration_ms = attempt_started.elapsed().as_millis() as u64,
                "call failed: {shown}"
            );
            match next(&mut call, came, deadline) {
                Step::Retry { after } | Step::Hold(after) => {
                    tracing::debug!(
                        attempt = call.attempt,
                        wait_ms = after.as_millis() as u64,
                        "retrying"
                    );
                    tokio::time::sleep(after).await;
                }
                Step::RenewToken => {
                    inner.tokens.invalidate(tenant_key, &token).await;
                    call.can_renew_token = false;
                    call.attempt -= 1;
                }
                Step::Fail { outcome_unknown } => {
                    return Err(end(shown, outcome_unknown, None));
                }
                Step::AlreadyApplied => {
                    return Err(Error::AlreadyApplied {
                        endpoint: d.id,
                        client_token: client_token.unwrap_or_default(),
                    });
                }
            }
        }
    }

    /// A failure to reach the base URL before any token was ever obtained
    /// from it is a wrong base URL, not a network fault worth resuming.
    fn not_feishu(&self, error: Error) -> Error {
        match error {
            Error::Transport {
                endpoint: crate::auth::TOKEN_ENDPOINT,
                source,
            } if source.is_connect() && !self.inner.tokens.ever_obtained() => Error::NotFeishu {
                endpoint: crate::auth::TOKEN_ENDPOINT,
                base_url: crate::redact::base_url(&self.inner.base_url),
                reason: "its host does not resolve or accept connections, and no token was ever obtained from it".into(),
                source: Some(source),
            },
            error => error,
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
