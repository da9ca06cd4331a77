//! [`ClientBuilder`]: credentials, host, timeouts, limits, retries, pacing
//! and the token cache of a [`Client`].

use std::sync::Arc;
use std::time::Duration;

use crate::auth::{Credentials, MemoryTokenCache, TokenCache, TokenManager};
use crate::error::Error;
use crate::pacing::{Pacer, Pacing};
use crate::retry::RetryPolicy;
use crate::{AppTicketSource, Secret};

use super::{Client, DEFAULT_MAX_PAGES, DEFAULT_MAX_RESPONSE_BYTES, FEISHU, Inner};

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

    /// The host: [`FEISHU`] (default), [`LARK`](super::LARK), or any URL (a sandbox).
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
        if let Credentials::TenantToken(token) = &credentials
            && !crate::auth::is_sendable(token.expose())
        {
            return Err(Error::Config(
                "the tenant_access_token is not a valid header value (it holds a space or a control character)".into(),
            ));
        }
        let url = reqwest::Url::parse(&self.base_url).map_err(|e| {
            // `open.feishu.cn` without a scheme: say what was probably meant.
            let hint = if self.base_url.contains("://") {
                String::new()
            } else {
                format!(
                    "; a base URL needs its scheme: did you mean https://{}?",
                    self.base_url
                )
            };
            Error::Config(format!("base URL {:?}: {e}{hint}", self.base_url))
        })?;
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
        // Feishu's open API never redirects: a 3xx is an error naming its
        // Location, so no request (and no credential) leaves the base URL's origin.
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
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
