//! Access tokens: credentials, a shareable cache, and single-flight refresh.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use futures::future::BoxFuture;
use serde_json::{Value, json};

use crate::Secret;
use crate::error::Error;

/// How the client authenticates.
#[derive(Clone)]
pub enum Credentials {
    /// A self-built app (自建应用): `app_id` + `app_secret`.
    SelfBuilt {
        /// `cli_...`
        app_id: String,
        /// The app secret.
        app_secret: Secret,
    },
    /// A store app (商店应用): `app_id` + `app_secret`, the latest app_ticket
    /// (pushed by Feishu as an event) and the tenant to act in.
    Store {
        /// `cli_...`
        app_id: String,
        /// The app secret.
        app_secret: Secret,
        /// Supplies the latest app_ticket.
        app_ticket: Arc<dyn AppTicketSource>,
    },
    /// A tenant_access_token obtained elsewhere, used as is (never refreshed).
    TenantToken(Secret),
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credentials::SelfBuilt { app_id, .. } => f
                .debug_struct("SelfBuilt")
                .field("app_id", app_id)
                .field("app_secret", &"[redacted]")
                .finish(),
            Credentials::Store { app_id, .. } => f
                .debug_struct("Store")
                .field("app_id", app_id)
                .field("app_secret", &"[redacted]")
                .finish_non_exhaustive(),
            Credentials::TenantToken(_) => f.write_str("TenantToken([redacted])"),
        }
    }
}

impl Credentials {
    /// The app id, or `"fixed-token"` for a fixed token.
    pub fn app_id(&self) -> &str {
        match self {
            Credentials::SelfBuilt { app_id, .. } | Credentials::Store { app_id, .. } => app_id,
            Credentials::TenantToken(_) => "fixed-token",
        }
    }
}

/// Supplies a store app's latest app_ticket (Feishu pushes it every hour by
/// event; after `app_ticket/resend` a new one arrives the same way).
pub trait AppTicketSource: Send + Sync {
    /// The latest ticket, if one has arrived.
    fn app_ticket(&self) -> BoxFuture<'_, Option<String>>;
}

impl<F> AppTicketSource for F
where
    F: Fn() -> Option<String> + Send + Sync,
{
    fn app_ticket(&self) -> BoxFuture<'_, Option<String>> {
        let ticket = self();
        Box::pin(async move { ticket })
    }
}

/// A cached token and when it expires.
#[derive(Debug, Clone)]
pub struct CachedToken {
    /// The token.
    pub token: Secret,
    /// When the platform stops accepting it.
    pub expires_at: SystemTime,
}

/// Where tokens are kept between calls. In memory by default; implement it
/// over Redis or a file to share tokens between processes.
pub trait TokenCache: Send + Sync {
    /// The token stored under `key`.
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Option<CachedToken>>;
    /// Stores a token under `key`.
    fn set<'a>(&'a self, key: &'a str, token: CachedToken) -> BoxFuture<'a, ()>;
    /// Removes the token under `key` if it is still `stale` (so a token
    /// another task just fetched is kept).
    fn invalidate<'a>(&'a self, key: &'a str, stale: &'a Secret) -> BoxFuture<'a, ()>;
}

/// The default cache: a map in memory, shared by the clones of a client.
#[derive(Debug, Default)]
pub struct MemoryTokenCache {
    tokens: Mutex<HashMap<String, CachedToken>>,
}

impl TokenCache for MemoryTokenCache {
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Option<CachedToken>> {
        let token = self
            .tokens
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(key)
            .cloned();
        Box::pin(async move { token })
    }

    fn set<'a>(&'a self, key: &'a str, token: CachedToken) -> BoxFuture<'a, ()> {
        self.tokens
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key.to_owned(), token);
        Box::pin(async {})
    }

    fn invalidate<'a>(&'a self, key: &'a str, stale: &'a Secret) -> BoxFuture<'a, ()> {
        let mut tokens = self.tokens.lock().unwrap_or_else(|e| e.into_inner());
        if tokens.get(key).is_some_and(|t| &t.token == stale) {
            tokens.remove(key);
        }
        Box::pin(async {})
    }
}

/// Fetches, caches and refreshes tenant access tokens.
pub(crate) struct TokenManager {
    pub(crate) credentials: Credentials,
    pub(crate) cache: Arc<dyn TokenCache>,
    /// Held while fetching, so that concurrent callers wait for one fetch.
    fetching: tokio::sync::Mutex<()>,
}

/// Tokens are refreshed this long before they expire (as the official SDKs do).
const REFRESH_MARGIN: Duration = Duration::from_secs(180);

impl TokenManager {
    pub(crate) fn new(credentials: Credentials, cache: Arc<dyn TokenCache>) -> TokenManager {
        TokenManager {
            credentials,
            cache,
            fetching: tokio::sync::Mutex::new(()),
        }
    }

    fn key(&self, tenant_key: Option<&str>) -> String {
        format!(
            "feishu-perf:tenant_access_token:{}:{}",
            self.credentials.app_id(),
            tenant_key.unwrap_or("")
        )
    }

    fn fresh(token: &CachedToken) -> bool {
        token.expires_at > SystemTime::now() + REFRESH_MARGIN
    }

    /// A valid tenant token: from the cache, or fetched by exactly one caller at a time.
    pub(crate) async fn tenant_token(
        &self,
        http: &HttpAuth<'_>,
        tenant_key: Option<&str>,
    ) -> Result<Secret, Error> {
        if let Credentials::TenantToken(token) = &self.credentials {
            return Ok(token.clone());
        }
        let key = self.key(tenant_key);
        if let Some(token) = self.cache.get(&key).await.filter(Self::fresh) {
            return Ok(token.token);
        }
        let _guard = self.fetching.lock().await;
        // Another caller may have fetched it while this one waited.
        if let Some(token) = self.cache.get(&key).await.filter(Self::fresh) {
            return Ok(token.token);
        }
        let fetched = self.fetch(http, tenant_key).await?;
        self.cache.set(&key, fetched.clone()).await;
        Ok(fetched.token)
    }

    /// Drops `stale` from the cache (only if it is still the cached one).
    pub(crate) async fn invalidate(&self, tenant_key: Option<&str>, stale: &Secret) {
        let key = self.key(tenant_key);
        self.cache.invalidate(&key, stale).await;
    }

    async fn fetch(
        &self,
        http: &HttpAuth<'_>,
        tenant_key: Option<&str>,
    ) -> Result<CachedToken, Error> {
        match &self.credentials {
            Credentials::TenantToken(_) => unreachable!("fixed tokens are never fetched"),
            Credentials::SelfBuilt { app_id, app_secret } => {
                let body = json!({"app_id": app_id, "app_secret": app_secret.expose()});
                let reply = http
                    .post("/open-apis/auth/v3/tenant_access_token/internal", &body)
                    .await?;
                token_from(&reply, "tenant_access_token")
            }
            Credentials::Store {
                app_id,
                app_secret,
                app_ticket,
            } => {
                let tenant_key = tenant_key.ok_or_else(|| {
                    Error::Config("a store app needs a tenant_key (per client or per call)".into())
                })?;
                let app_token = match self
                    .store_app_token(http, app_id, app_secret, app_ticket.as_ref())
                    .await
                {
                    // An invalid ticket: ask Feishu to push a new one, then try once more.
                    Err(Error::Authentication { code: 10012, .. }) => {
                        let body = json!({"app_id": app_id, "app_secret": app_secret.expose()});
                        http.post("/open-apis/auth/v3/app_ticket/resend", &body)
                            .await?;
                        self.store_app_token(http, app_id, app_secret, app_ticket.as_ref())
                            .await?
                    }
                    other => other?,
                };
                let body =
                    json!({"app_access_token": app_token.token.expose(), "tenant_key": tenant_key});
                let reply = http
                    .post("/open-apis/auth/v3/tenant_access_token", &body)
                    .await?;
                token_from(&reply, "tenant_access_token")
            }
        }
    }

    async fn store_app_token(
        &self,
        http: &HttpAuth<'_>,
        app_id: &str,
        app_secret: &Secret,
        tickets: &dyn AppTicketSource,
    ) -> Result<CachedToken, Error> {
        let ticket = tickets.app_ticket().await.unwrap_or_default();
        let body =
            json!({"app_id": app_id, "app_secret": app_secret.expose(), "app_ticket": ticket});
        let reply = http
            .post("/open-apis/auth/v3/app_access_token", &body)
            .await?;
        token_from(&reply, "app_access_token")
    }
}

/// A flat token response: `{code, msg, <field>, expire}`.
fn token_from(reply: &(Value, Option<String>), field: &str) -> Result<CachedToken, Error> {
    let (body, log_id) = reply;
    let code = body["code"].as_i64().unwrap_or(-1);
    if code != 0 {
        return Err(Error::Authentication {
            code,
            msg: body["msg"].as_str().unwrap_or_default().to_owned(),
            log_id: log_id.clone(),
        });
    }
    let token = body[field]
        .as_str()
        .filter(|t| !t.is_empty())
        .ok_or_else(|| Error::Authentication {
            code,
            msg: format!("the response has no {field}"),
            log_id: log_id.clone(),
        })?;
    let expire = body["expire"].as_u64().unwrap_or(0);
    let now = SystemTime::now();
    // The server's number is not trusted with arithmetic: a lifetime past what
    // the clock can hold is used for this call and not cached.
    let expires_at = now
        .checked_add(Duration::from_secs(expire))
        .unwrap_or_else(|| {
            tracing::warn!(expire, "ignoring an out-of-range token lifetime");
            now
        });
    Ok(CachedToken {
        token: Secret::new(token),
        expires_at,
    })
}

/// The HTTP side of token requests.
pub(crate) struct HttpAuth<'a> {
    pub(crate) http: &'a reqwest::Client,
    pub(crate) base_url: &'a str,
    pub(crate) timeout: Duration,
}

impl HttpAuth<'_> {
    async fn post(&self, path: &str, body: &Value) -> Result<(Value, Option<String>), Error> {
        const ENDPOINT: &str = "auth.v3";
        let response = self
            .http
            .post(format!("{}{path}", self.base_url))
            .json(body)
            .timeout(self.timeout)
            .send()
            .await
            .map_err(|source| {
                if source.is_timeout() {
                    Error::Timeout {
                        endpoint: ENDPOINT,
                        after: self.timeout,
                    }
                } else {
                    Error::Transport {
                        endpoint: ENDPOINT,
                        source: source.without_url(),
                    }
                }
            })?;
        let status = response.status().as_u16();
        let log_id = response
            .headers()
            .get("x-tt-logid")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let bytes = response.bytes().await.map_err(|source| Error::Transport {
            endpoint: ENDPOINT,
            source: source.without_url(),
        })?;
        tracing::debug!(
            path,
            status,
            log_id = log_id.as_deref().unwrap_or(""),
            "token endpoint answered"
        );
        match serde_json::from_slice::<Value>(&bytes) {
            Ok(body) if body.is_object() => Ok((body, log_id)),
            _ => Err(Error::Decode {
                endpoint: ENDPOINT,
                status,
                content_type,
                // Token responses carry the token: never echo their body.
                body_start: format!("[{} bytes withheld: token endpoint]", bytes.len()),
                reason: "not a JSON object".into(),
                log_id,
                succeeded: false,
            }),
        }
    }
}
