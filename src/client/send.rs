//! The one send path: validation, the `client_token`, the request URL; the
//! retry loop around each attempt is in `run.rs`.

use tracing::Instrument;

use feishu_perf_core::ApiRequest;

use crate::auth::HttpAuth;
use crate::error::Error;
use crate::retry::new_client_token;

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

    pub(super) fn http_auth(&self) -> HttpAuth<'_> {
        HttpAuth {
            http: &self.inner.http,
            base_url: &self.inner.base_url,
            timeout: self.inner.timeout,
        }
    }
}
