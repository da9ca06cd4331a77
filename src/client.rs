//! The client and its one request path.

use std::sync::Arc;
use std::time::Duration;

use futures_core::Stream;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};
use serde_json::Value;
use tokio::time::Instant;
use tracing::Instrument;

use feishu_perf_core::{
    ApiRequest, ErrorCode, ErrorFacts, HttpMethod, PaginatedRequest, Transport,
};

use feishu_perf_core::registry::{CallError, CallInput, InputError, PagingTransport};
use feishu_perf_core::wire;

use crate::auth::{Credentials, HttpAuth, MemoryTokenCache, TokenCache, TokenManager};
use crate::error::{ApiError, Error};
use crate::pacing::{Pacer, Pacing, Permit};
use crate::response::{self, BodyError};
use crate::retry::{RetryPolicy, new_client_token};
use crate::{AppTicketSource, Secret};

/// `https://open.feishu.cn` (China).
pub const FEISHU: &str = "https://open.feishu.cn";
/// `https://open.larksuite.com` (international).
pub const LARK: &str = "https://open.larksuite.com";

pub use crate::response::DEFAULT_MAX_RESPONSE_BYTES;

/// The default page budget of one paged walk ([`ClientBuilder::max_pages`]):
/// 10,000 pages, 500,000 review templates at the documented 50 a page.
pub const DEFAULT_MAX_PAGES: u64 = 10_000;

/// A Feishu client: cheap to clone (clones share tokens, pacing and connections),
/// `Send + Sync`, shareable across tasks.
///
/// ```no_run
/// # async fn demo() -> Result<(), feishu_perf::Error> {
/// use feishu_perf::prelude::*;
/// use feishu_perf::performance::v2::{QueryReviewTemplateRequest};
///
/// let client = Client::builder().app("cli_xxx", "secret").build()?;
/// let page = client.performance().v2().review_template().query(QueryReviewTemplateRequest::new()).await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    base_url: String,
    tokens: TokenManager,
    tenant_key: Option<String>,
    timeout: Duration,
    retry: RetryPolicy,
    pacing: Pacing,
    pacer: Pacer,
    max_response_bytes: u64,
    max_pages: u64,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.base_url)
            .field("credentials", &self.inner.tokens.credentials)
            .field("tenant_key", &self.inner.tenant_key)
            .field("retry", &self.inner.retry)
            .field("pacing", &self.inner.pacing)
            .finish_non_exhaustive()
    }
}

/// Options of one call.
#[derive(Debug, Clone, Default)]
pub struct RequestOptions {
    /// A tenant_access_token to use instead of the client's.
    pub tenant_access_token: Option<Secret>,
    /// The tenant, for a store app.
    pub tenant_key: Option<String>,
    /// Extra headers.
    pub headers: Vec<(String, String)>,
    /// A timeout for each attempt, instead of the client's. The retry
    /// policy's total budget still bounds the whole call.
    pub timeout: Option<Duration>,
    /// Sent as `Oapi-Sdk-Request-Id`.
    pub request_id: Option<String>,
    /// Re-sends a write whose outcome was unknown with the `client_token` it
    /// was first sent with ([`Error::client_token`]), replacing the request's
    /// own. A refusal as a repeat then ends the call as
    /// [`Error::AlreadyApplied`]: the first send went through.
    /// [`Client::resend`] sets it.
    pub client_token: Option<String>,
}

/// Builds a [`Client`].
#[derive(Debug)]
pub struct ClientBuilder {
    credentials: Option<Credentials>,
    base_url: String,
    tenant_key: Option<String>,
    connect_timeout: Duration,
    timeout: Duration,
    retry: RetryPolicy,
    pacing: Pacing,
    cache: Option<Arc<dyn TokenCache>>,
    allow_insecure_http: bool,
    max_response_bytes: u64,
    max_pages: u64,
    #[cfg(feature = "redis")]
    redis: Option<crate::redis::Redis>,
}

impl std::fmt::Debug for dyn TokenCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenCache")
    }
}

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder {
            credentials: None,
            base_url: FEISHU.to_owned(),
            tenant_key: None,
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(30),
            retry: RetryPolicy::default(),
            pacing: Pacing::default(),
            cache: None,
            allow_insecure_http: false,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            max_pages: DEFAULT_MAX_PAGES,
            #[cfg(feature = "redis")]
            redis: None,
        }
    }
}

impl ClientBuilder {
    /// A self-built app (自建应用).
    pub fn app(mut self, app_id: impl Into<String>, app_secret: impl Into<Secret>) -> Self {
        self.credentials = Some(Credentials::SelfBuilt {
            app_id: app_id.into(),
            app_secret: app_secret.into(),
        });
        self
    }

    /// A store app (商店应用), with the source of its latest app_ticket.
    pub fn store_app(
        mut self,
        app_id: impl Into<String>,
        app_secret: impl Into<Secret>,
        app_ticket: impl AppTicketSource + 'static,
    ) -> Self {
        self.credentials = Some(Credentials::Store {
            app_id: app_id.into(),
            app_secret: app_secret.into(),
            app_ticket: Arc::new(app_ticket),
        });
        self
    }

    /// A tenant_access_token obtained elsewhere.
    pub fn tenant_access_token(mut self, token: impl Into<Secret>) -> Self {
        self.credentials = Some(Credentials::TenantToken(token.into()));
        self
    }

    /// The tenant a store app acts in, for every call (a call may override it).
    pub fn tenant_key(mut self, tenant_key: impl Into<String>) -> Self {
        self.tenant_key = Some(tenant_key.into());
        self
    }

    /// The host: [`FEISHU`] (default), [`LARK`], or any URL (a sandbox).
    pub fn base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = base_url.into().trim_end_matches('/').to_owned();
        self
    }

    /// Connection timeout (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Timeout of each attempt (default 30 s): from sending the request to the
    /// end of its answer's body. The whole call, every attempt and wait
    /// included, is bounded by the retry policy's total budget
    /// ([`RetryPolicy::max_elapsed`], default 120 s); an attempt in flight when
    /// the budget runs out is abandoned.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The cap on one response body (default [`DEFAULT_MAX_RESPONSE_BYTES`],
    /// 128 MiB, above the largest documented answer). Reading stops there with
    /// [`Error::ResponseTooLarge`], so a huge or endless body never costs more memory.
    pub fn max_response_bytes(mut self, limit: u64) -> Self {
        self.max_response_bytes = limit;
        self
    }

    /// How many pages one [`Client::pages`] or [`Client::paginate`] walk reads at
    /// most (default 10,000) before it ends with [`Error::PageBudgetExceeded`],
    /// so a server that says `has_more` forever cannot keep a walk going.
    pub fn max_pages(mut self, max_pages: u64) -> Self {
        self.max_pages = max_pages;
        self
    }

    /// Retry policy ([`RetryPolicy::none`] turns retries off), including the
    /// total time budget of a call ([`RetryPolicy::max_elapsed`]).
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Client-side pacing (default: each endpoint's documented limit per minute).
    pub fn pacing(mut self, pacing: Pacing) -> Self {
        self.pacing = pacing;
        self
    }

    /// Where tokens are cached (default: in memory).
    pub fn token_cache(mut self, cache: Arc<dyn TokenCache>) -> Self {
        self.cache = Some(cache);
        self
    }

    /// Shares tokens and the rate budget with every process of the app
    /// through Redis (see [`redis`](crate::redis)); a cache set with
    /// [`token_cache`](Self::token_cache) is kept.
    #[cfg(feature = "redis")]
    pub fn redis(mut self, redis: crate::redis::Redis) -> Self {
        self.redis = Some(redis);
        self
    }

    /// Allows plain `http://` to hosts other than loopback (never do this in production).
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.allow_insecure_http = allow;
        self
    }

    /// Reads `FEISHU_APP_ID`, `FEISHU_APP_SECRET` and, if set, `FEISHU_BASE_URL`.
    pub fn from_env(mut self) -> Result<Self, Error> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let app_id =
            var("FEISHU_APP_ID").ok_or_else(|| Error::Config("FEISHU_APP_ID is not set".into()))?;
        let secret = var("FEISHU_APP_SECRET")
            .ok_or_else(|| Error::Config("FEISHU_APP_SECRET is not set".into()))?;
        self = self.app(app_id, secret);
        if let Some(url) = var("FEISHU_BASE_URL") {
            self = self.base_url(url);
        }
        Ok(self)
    }

    /// Builds the client.
    pub fn build(self) -> Result<Client, Error> {
        let credentials = self.credentials.ok_or_else(|| {
            Error::Config("no credentials: use app(), store_app() or tenant_access_token()".into())
        })?;
        let url = reqwest::Url::parse(&self.base_url)
            .map_err(|e| Error::Config(format!("base URL {:?}: {e}", self.base_url)))?;
        let host = url
            .host_str()
            .unwrap_or_default()
            .trim_start_matches('[')
            .trim_end_matches(']');
        let loopback = host == "localhost"
            || host
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback());
        match url.scheme() {
            "https" => {}
            "http" if loopback || self.allow_insecure_http => {}
            "http" => {
                return Err(Error::Config(format!(
                    "refusing plain http to {}: use https, or allow_insecure_http(true) for a test server",
                    self.base_url
                )));
            }
            other => {
                return Err(Error::Config(format!(
                    "unsupported scheme {other:?} in the base URL"
                )));
            }
        }
        // reqwest is built with rustls but without a bundled crypto provider:
        // use ring unless the application installed another one.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .connect_timeout(self.connect_timeout)
            .user_agent(concat!("feishu-perf/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::Config(format!("HTTP client: {e}")))?;
        #[cfg(feature = "redis")]
        let (cache, pacer) = match self.redis {
            Some(redis) => (
                self.cache.or_else(|| Some(Arc::new(redis.token_cache()))),
                Pacer::shared(crate::redis::SharedWindows::new(
                    redis,
                    credentials.app_id(),
                )),
            ),
            None => (self.cache, Pacer::default()),
        };
        #[cfg(not(feature = "redis"))]
        let (cache, pacer) = (self.cache, Pacer::default());
        let cache = cache.unwrap_or_else(|| Arc::new(MemoryTokenCache::default()));
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                base_url: self.base_url,
                tokens: TokenManager::new(credentials, cache),
                tenant_key: self.tenant_key,
                timeout: self.timeout,
                retry: self.retry,
                pacing: self.pacing,
                pacer,
                max_response_bytes: self.max_response_bytes,
                max_pages: self.max_pages,
            }),
        })
    }
}

/// The response envelope, read straight into the endpoint's response type. Its other
/// members (`msg`, `error`) are skipped here; an error is read from the bytes separately.
struct Envelope<T> {
    code: Option<i64>,
    data: Option<T>,
}

impl<'de, T: serde::Deserialize<'de>> wire::FromMap<'de> for Envelope<T> {
    const NAME: &'static str = "Envelope";
    const FIELDS: &'static [&'static str] = &["code", "data"];

    fn from_map<A: serde::de::MapAccess<'de>>(mut map: A) -> Result<Self, A::Error> {
        let (mut code, mut data): (Option<Option<i64>>, Option<Option<T>>) = (None, None);
        while let Some(key) = map.next_key_seed(wire::FieldIndex(Self::FIELDS))? {
            match key {
                Some(0) => wire::next_value(&mut map, &mut code, "code")?,
                Some(1) => wire::next_value(&mut map, &mut data, "data")?,
                _ => wire::skip_value(&mut map)?,
            }
        }
        Ok(Envelope {
            code: code.flatten(),
            data: data.flatten(),
        })
    }
}

impl<'de, T: serde::Deserialize<'de>> serde::Deserialize<'de> for Envelope<T> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        wire::deserialize_struct(deserializer)
    }
}

/// What one attempt ended with.
enum Attempt<T> {
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
    fn failed(error: Error, outcome_unknown: bool) -> Self {
        Attempt::Failed {
            error,
            outcome_unknown,
            wait: None,
            stale_token: false,
        }
    }
}

/// Whether a request changes something on the server (so that an unknown
/// outcome matters): anything but a `GET` and a paged query.
fn is_write(d: &feishu_perf_core::EndpointDescriptor) -> bool {
    d.method != HttpMethod::Get && d.pagination.is_none()
}

impl Client {
    /// A builder.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// The base URL calls go to.
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

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
    /// ([`ClientBuilder::timeout`]) and the whole call by the retry policy's
    /// total budget ([`RetryPolicy::max_elapsed`]), an attempt in flight
    /// included; waiting for the first pacing slot (this client's own queue)
    /// is not counted.
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

    fn http_auth(&self) -> HttpAuth<'_> {
        HttpAuth {
            http: &self.inner.http,
            base_url: &self.inner.base_url,
            timeout: self.inner.timeout,
        }
    }

    /// One attempt: `timeout` bounds it (sending to the end of the body);
    /// `after` is the limit a timeout reports (the attempt's, or the call's budget).
    async fn attempt<R: ApiRequest>(
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
        if let Ok(mut auth) = HeaderValue::try_from(format!("Bearer {}", token.expose())) {
            auth.set_sensitive(true);
            headers.insert(AUTHORIZATION, auth);
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
        let rate_limited = |log_id: Option<String>| Attempt::Failed {
            error: Error::RateLimited {
                endpoint: d.id,
                reset_after: reset,
                log_id,
            },
            outcome_unknown: false,
            wait: Some(reset.unwrap_or(Duration::from_secs(1))),
            stale_token: false,
        };
        // Any 429 is rate limiting, whatever its body (JSON, HTML, empty, garbage).
        if status == 429 {
            let log_id = log_id.clone().or_else(|| {
                serde_json::from_slice::<Value>(&bytes).ok().and_then(|v| {
                    v.pointer("/error/log_id")
                        .and_then(Value::as_str)
                        .map(str::to_owned)
                })
            });
            return rate_limited(log_id);
        }
        let decode_error = |reason: String, succeeded: bool| Error::Decode {
            endpoint: d.id,
            status,
            content_type: content_type.clone(),
            body_start: response::body_start(&bytes, 256),
            reason,
            log_id: log_id.clone(),
            succeeded,
        };
        // The common case in one pass: a success envelope whose data is the response type.
        if let Ok(Envelope {
            code: Some(0),
            data,
        }) = serde_json::from_slice::<Envelope<R::Response>>(&bytes)
        {
            let data = match data {
                Some(data) => Ok(data),
                None => serde_json::from_str::<R::Response>("{}"),
            };
            if let Ok(response) = data {
                return Attempt::Done(response);
            }
        }
        let envelope: Value = match serde_json::from_slice(&bytes) {
            Ok(Value::Object(map)) => Value::Object(map),
            Ok(_) => {
                return Attempt::failed(
                    decode_error("not a JSON object".into(), false),
                    unreadable_may_be_applied,
                );
            }
            // Truncated or HTML: the server may have applied the request.
            Err(e) => {
                return Attempt::failed(
                    decode_error(format!("invalid JSON: {e}"), false),
                    unreadable_may_be_applied,
                );
            }
        };
        let code = envelope.get("code").and_then(Value::as_i64);
        match code {
            Some(0) => {
                let data = match envelope.get("data") {
                    None | Some(Value::Null) => Value::Object(Default::default()),
                    Some(data) => data.clone(),
                };
                match serde_json::from_value::<R::Response>(data) {
                    Ok(response) => Attempt::Done(response),
                    // The call succeeded: retrying could apply a write twice. Say so.
                    Err(e) => Attempt::Final(decode_error(
                        format!(
                            "the call succeeded (code 0) but its data does not match the documented response: {e}"
                        ),
                        true,
                    )),
                }
            }
            Some(code) => {
                let error = &envelope["error"];
                let list = |key: &str| {
                    error
                        .get(key)
                        .and_then(Value::as_array)
                        .cloned()
                        .unwrap_or_default()
                };
                let api = ApiError {
                    endpoint: d.id,
                    status,
                    code,
                    msg: envelope
                        .get("msg")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_owned(),
                    info: R::ErrorCode::from_code(code).info(),
                    log_id: log_id.clone().or_else(|| {
                        error
                            .get("log_id")
                            .and_then(Value::as_str)
                            .map(str::to_owned)
                    }),
                    troubleshooter: error
                        .get("troubleshooter")
                        .and_then(Value::as_str)
                        .map(str::to_owned),
                    permission_violations: list("permission_violations"),
                    field_violations: list("field_violations"),
                };
                let facts = api.facts().copied().unwrap_or(ErrorFacts::NONE);
                if facts.rate_limited {
                    return rate_limited(api.log_id);
                }
                let stale_token = facts.renew_token;
                Attempt::Failed {
                    error: Error::Api(Box::new(api)),
                    // An internal error may or may not have been applied.
                    outcome_unknown: status >= 500,
                    wait: None,
                    stale_token,
                }
            }
            None => Attempt::failed(
                decode_error("no integer `code` in the envelope".into(), false),
                unreadable_may_be_applied,
            ),
        }
    }

    /// Every item of every page, fetched as the stream is read. Stops when
    /// `has_more` is false or `page_token` is empty or missing. Set the page
    /// size on the request (`.page_size(50)`). Ends with
    /// [`Error::RepeatedPageToken`] when the server gives a page token twice,
    /// and with [`Error::PageBudgetExceeded`] after
    /// [`ClientBuilder::max_pages`] pages.
    pub fn paginate<R: PaginatedRequest + 'static>(
        &self,
        request: R,
    ) -> impl Stream<Item = Result<R::Item, Error>> + Send + 'static
    where
        R::Item: Send,
        R::Response: Send,
    {
        use futures_util::StreamExt;
        self.pages(request)
            .map(|page| match page {
                Ok(page) => futures_util::stream::iter(
                    R::into_items(page).into_iter().map(Ok).collect::<Vec<_>>(),
                ),
                Err(e) => futures_util::stream::iter(vec![Err(e)]),
            })
            .flatten()
    }

    /// Every page's raw response, fetched as the stream is read. Stops like
    /// [`Client::paginate`], and ends with an error, never loops, when the
    /// server repeats a page token or pages past the budget.
    pub fn pages<R: PaginatedRequest + 'static>(
        &self,
        request: R,
    ) -> impl Stream<Item = Result<R::Response, Error>> + Send + 'static
    where
        R::Response: Send,
    {
        struct Walk<R> {
            next: Option<R>,
            /// The tokens asked for so far (memory bounded by the page budget).
            seen: std::collections::HashSet<String>,
            pages: u64,
            /// The error that ends the walk after the page just yielded.
            stop: Option<Error>,
        }
        let client = self.clone();
        let max_pages = self.inner.max_pages;
        let walk = Walk {
            next: Some(request),
            seen: Default::default(),
            pages: 0,
            stop: None,
        };
        futures_util::stream::try_unfold(walk, move |mut walk| {
            let client = client.clone();
            async move {
                if let Some(error) = walk.stop.take() {
                    return Err(error);
                }
                let Some(request) = walk.next.take() else {
                    return Ok(None);
                };
                let response = client.send(request.clone()).await?;
                walk.pages += 1;
                if let Some(token) = R::next_page_token(&response) {
                    let endpoint = R::DESCRIPTOR.id;
                    if !walk.seen.insert(token.clone()) {
                        walk.stop = Some(Error::RepeatedPageToken {
                            endpoint,
                            page_token: token,
                            pages: walk.pages,
                        });
                    } else if walk.pages >= max_pages {
                        walk.stop = Some(Error::PageBudgetExceeded {
                            endpoint,
                            max_pages,
                        });
                    } else {
                        let mut request = request;
                        request.set_page_token(Some(token));
                        walk.next = Some(request);
                    }
                }
                Ok(Some((response, walk)))
            }
        })
    }
}

/// Calls by endpoint id, with JSON: the registry's way into the one send path.
impl Client {
    /// Calls the endpoint `id` (`performance.v1.semester.list`, see
    /// [`registry::REGISTRY`](crate::registry::REGISTRY)) with `input`: path and
    /// query parameters as text, the body as JSON. The endpoint's typed request
    /// is built from it and sent like any typed call (validated, paced,
    /// retried, a `client_token` filled in); the answer is the response's
    /// `data` as JSON.
    ///
    /// ```no_run
    /// # async fn demo(client: feishu_perf::Client) -> Result<(), feishu_perf::Error> {
    /// use feishu_perf::registry::CallInput;
    /// let data = client
    ///     .send_json("performance.v1.semester.list", &CallInput::new().query("year", "2024"))
    ///     .await?;
    /// println!("{data}");
    /// # Ok(()) }
    /// ```
    pub async fn send_json(&self, id: &str, input: &CallInput) -> Result<Value, Error> {
        feishu_perf_generated::registry::call(self, id, input)
            .await
            .map_err(|e| call_error(id, e))
    }

    /// Calls the list endpoint `id` with `input` and walks every page
    /// ([`Client::paginate`]); the answer is every item of every page.
    pub async fn send_json_all_pages(
        &self,
        id: &str,
        input: &CallInput,
    ) -> Result<Vec<Value>, Error> {
        feishu_perf_generated::registry::call_all_pages(self, id, input)
            .await
            .map_err(|e| call_error(id, e))
    }
}

fn call_error(id: &str, error: CallError<Error>) -> Error {
    match error {
        CallError::Send(e) => e,
        // Validation is reported as by a typed call.
        CallError::Input(InputError::Invalid(errors)) => Error::Validation {
            endpoint: feishu_perf_generated::registry::find(id).map_or("", |e| e.descriptor.id),
            errors,
        },
        CallError::Input(error) => Error::Input {
            endpoint: id.to_owned(),
            error,
        },
    }
}

impl PagingTransport for Client {
    fn all_items<R: PaginatedRequest + 'static>(
        &self,
        request: R,
    ) -> impl Future<Output = Result<Vec<R::Item>, Error>> + Send
    where
        R::Item: Send,
    {
        use futures_util::TryStreamExt;
        self.paginate(request).try_collect()
    }
}

impl Transport for Client {
    type Error = Error;

    fn send<R: ApiRequest + 'static>(
        &self,
        request: R,
    ) -> impl Future<Output = Result<R::Response, Error>> + Send {
        Client::send(self, request)
    }
}
