//! The retry loop: it carries out what the decision (`decide.rs`) says after
//! each thing that comes back: the token, the pacing slot (a 429's hold), one
//! attempt. It keeps the call's time budget and ends a call with an error that
//! says an unknown outcome and holds no secret.

use std::time::Duration;

use tokio::time::Instant;

use feishu_perf_core::{ApiRequest, EndpointDescriptor};

use crate::Secret;
use crate::error::Error;
use crate::pacing::Permit;

use super::attempt::Attempt;
use super::decide::{Call, Came, Kind, Step, decide};
use super::{Client, RequestOptions};

/// A call in progress: what the loop carries from one step to the next.
struct Run<'a> {
    client: &'a Client,
    d: &'static EndpointDescriptor,
    options: &'a RequestOptions,
    tenant_key: Option<&'a str>,
    client_token: Option<String>,
    call: Call,
    /// The call's total budget (`RetryPolicy::max_elapsed`).
    budget: Duration,
    /// When the budget runs out (moved on by the first slot's queueing).
    deadline: Instant,
}

/// What a step ended with when the call goes on: the next step's input, or a
/// decision to start the loop over.
enum Go<T> {
    On(T),
    Again,
}

impl Client {
    /// Sends one request: tokens, pacing, attempts, as the decision says.
    pub(super) async fn run<R: ApiRequest>(
        &self,
        url: reqwest::Url,
        body: Option<Vec<u8>>,
        client_token: Option<String>,
        options: &RequestOptions,
    ) -> Result<R::Response, Error> {
        let mut run = Run::new(self, R::DESCRIPTOR, options, client_token);
        loop {
            run.call.attempt += 1;
            let Go::On(token) = run.token().await? else {
                continue;
            };
            let mut permit = run.slot(&token).await?;
            let started = Instant::now();
            let result = run
                .attempt::<R>(&url, body.as_deref(), &token, &mut permit)
                .await?;
            // The call has ended: its pacing slot starts its window now.
            permit.end().await;
            let (error, came) = match result {
                Attempt::Done(response) => {
                    tracing::info!(
                        attempt = run.call.attempt,
                        duration_ms = started.elapsed().as_millis() as u64,
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
            let shown = run.end(error, false, Some(&token));
            tracing::warn!(
                attempt = run.call.attempt,
                code = shown.code().unwrap_or(0),
                log_id = shown.log_id().unwrap_or(""),
                duration_ms = started.elapsed().as_millis() as u64,
                "call failed: {shown}"
            );
            match run.next(came) {
                Step::Retry { after } | Step::Hold(after) => {
                    tracing::debug!(
                        attempt = run.call.attempt,
                        wait_ms = after.as_millis() as u64,
                        "retrying"
                    );
                    tokio::time::sleep(after).await;
                }
                Step::RenewToken => {
                    let tokens = &self.inner.tokens;
                    tokens.invalidate(run.tenant_key, &token).await;
                    run.call.can_renew_token = false;
                    run.call.attempt -= 1;
                }
                Step::Fail { outcome_unknown } => {
                    return Err(run.end(shown, outcome_unknown, None));
                }
                Step::AlreadyApplied => {
                    return Err(Error::AlreadyApplied {
                        endpoint: run.d.id,
                        client_token: run.client_token.unwrap_or_default(),
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
}

fn says_unknown(step: Step) -> bool {
    matches!(
        step,
        Step::Fail {
            outcome_unknown: true
        }
    )
}

impl<'a> Run<'a> {
    fn new(
        client: &'a Client,
        d: &'static EndpointDescriptor,
        options: &'a RequestOptions,
        client_token: Option<String>,
    ) -> Run<'a> {
        let inner = &*client.inner;
        let budget = inner.retry.max_elapsed;
        let far_future = || Instant::now() + Duration::from_secs(86_400 * 365 * 30);
        Run {
            client,
            d,
            options,
            tenant_key: options
                .tenant_key
                .as_deref()
                .or(inner.tenant_key.as_deref()),
            client_token,
            call: Call {
                kind: Kind::of(d),
                attempt: 0,
                max_attempts: inner.retry.max_attempts,
                time_left: budget,
                // A re-send of a write whose outcome was unknown starts unknown.
                outcome_unknown: options.client_token.is_some(),
                can_renew_token: options.tenant_access_token.is_none(),
                backoff: Duration::ZERO,
            },
            budget,
            deadline: Instant::now()
                .checked_add(budget)
                .unwrap_or_else(far_future),
        }
    }

    /// What the decision says about `came`, with the time left now and a
    /// freshly drawn backoff; the call's outcome is unknown from now on if it says so.
    fn next(&mut self, came: Came) -> Step {
        self.call.time_left = self.deadline.saturating_duration_since(Instant::now());
        self.call.backoff = self.client.inner.retry.backoff(self.call.attempt.max(1));
        let (step, unknown) = decide(self.call, came);
        self.call.outcome_unknown = unknown;
        step
    }

    /// The error the call ends with: redacted of every secret (the
    /// configured ones, and `token`), and as an unknown outcome when the decision says so.
    fn end(&self, error: Error, outcome_unknown: bool, token: Option<&Secret>) -> Error {
        let mut secrets = self.client.inner.tokens.secrets();
        secrets.extend(token.map(Secret::expose));
        secrets.extend(
            self.options
                .tenant_access_token
                .as_ref()
                .map(Secret::expose),
        );
        let error = crate::redact::error(self.client.not_feishu(error), &secrets);
        if outcome_unknown {
            Error::OutcomeUnknown {
                endpoint: self.d.id,
                client_token: self.client_token.clone(),
                resend_safe: self.call.kind.resend_safe(),
                source: Box::new(error),
            }
        } else {
            error
        }
    }

    /// The budget ran out while the call waited.
    fn out_of_time(&mut self, token: Option<&Secret>) -> Error {
        let unknown = says_unknown(self.next(Came::OutOfTime));
        let error = Error::Timeout {
            endpoint: self.d.id,
            after: self.budget,
        };
        self.end(error, unknown, token)
    }

    /// The call's token (its own, or the client's, fetched if need be); on a
    /// transient failure, waits as the decision says and goes [`Go::Again`].
    async fn token(&mut self) -> Result<Go<Secret>, Error> {
        if let Some(token) = &self.options.tenant_access_token {
            return Ok(Go::On(token.clone()));
        }
        let http = self.client.http_auth();
        let fetch = self
            .client
            .inner
            .tokens
            .tenant_token(&http, self.tenant_key);
        let error = match tokio::time::timeout_at(self.deadline, fetch).await {
            Err(_) => return Err(self.out_of_time(None)),
            Ok(Ok(token)) => return Ok(Go::On(token)),
            Ok(Err(error)) => error,
        };
        let came = Came::TokenFailed {
            retryable: error.is_retryable(),
        };
        match self.next(came) {
            Step::Retry { after } => {
                let error = self.end(error, false, None);
                tracing::warn!(attempt = self.call.attempt, "token request failed: {error}");
                tokio::time::sleep(after).await;
                Ok(Go::Again)
            }
            step => Err(self.end(error, says_unknown(step), None)),
        }
    }

    /// The call's pacing slot. Queueing for the first attempt's slot is not
    /// counted against the budget; a 429's hold is, and one longer than the
    /// time left ends the call at once, unsent, rate limited.
    async fn slot(&mut self, token: &Secret) -> Result<Permit<'a>, Error> {
        let inner = &*self.client.inner;
        let queued = Instant::now();
        let mut held = Duration::ZERO;
        let permit = loop {
            let acquire = inner
                .pacer
                .acquire_unless_held(inner.pacing, self.d, self.tenant_key);
            let turn = if self.call.attempt == 1 {
                acquire.await
            } else {
                match tokio::time::timeout_at(self.deadline, acquire).await {
                    Ok(turn) => turn,
                    Err(_) => return Err(self.out_of_time(Some(token))),
                }
            };
            let hold = match turn {
                Ok(permit) => break permit,
                Err(hold) => hold,
            };
            match self.next(Came::Held(hold)) {
                Step::Hold(hold) => {
                    tokio::time::sleep(hold).await;
                    held += hold;
                }
                step => {
                    let error = Error::RateLimited {
                        endpoint: self.d.id,
                        reset_after: Some(hold),
                        log_id: None,
                    };
                    return Err(self.end(error, says_unknown(step), Some(token)));
                }
            }
        };
        if self.call.attempt == 1 {
            let queueing = queued.elapsed().saturating_sub(held);
            self.deadline = self.deadline.checked_add(queueing).unwrap_or(self.deadline);
        }
        Ok(permit)
    }

    /// One attempt, bounded by the smaller of the per-attempt timeout and the
    /// time left; a call with no time left ends here.
    async fn attempt<R: ApiRequest>(
        &mut self,
        url: &reqwest::Url,
        body: Option<&[u8]>,
        token: &Secret,
        permit: &mut Permit<'_>,
    ) -> Result<Attempt<R::Response>, Error> {
        let remaining = self.deadline.saturating_duration_since(Instant::now());
        if remaining.is_zero() {
            return Err(self.out_of_time(Some(token)));
        }
        let per_attempt = self.options.timeout.unwrap_or(self.client.inner.timeout);
        let (timeout, after) = if per_attempt <= remaining {
            (per_attempt, per_attempt)
        } else {
            (remaining, self.budget)
        };
        let attempt =
            self.client
                .attempt::<R>(url, body, token, self.options, (timeout, after), permit);
        Ok(tokio::time::timeout(timeout, attempt)
            .await
            .unwrap_or_else(|_| {
                let error = Error::Timeout {
                    endpoint: self.d.id,
                    after,
                };
                Attempt::failed(error, true)
            }))
    }
}
