//! Access tokens: credentials, a shareable cache, and single-flight refresh.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use futures_util::future::BoxFuture;
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

/// A cached token, when it is due to be replaced, and when it expires.
#[derive(Debug, Clone)]
pub struct CachedToken {
    /// The token.
    pub token: Secret,
    /// When it is due to be replaced: 3 minutes before it expires (as the
    /// official SDKs do), or after three quarters of a life under 12 minutes.
    pub refresh_at: SystemTime,
    /// When the platform stops accepting it.
    pub expires_at: SystemTime,
}

/// Tokens are replaced this long before they expire (as the official SDKs do).
const REFRESH_MARGIN: Duration = Duration::from_secs(180);

/// The longest lifetime taken from a token response (a larger `expire` is clamped).
const MAX_LIFETIME: Duration = Duration::from_secs(30 * 24 * 3600);

impl CachedToken {
    /// A token that the platform accepts for `lifetime` from now. A lifetime
    /// beyond 30 days is read as 30 days.
    pub fn new(token: Secret, lifetime: Duration) -> CachedToken {
        let lifetime = lifetime.min(MAX_LIFETIME);
        let now = SystemTime::now();
        let margin = REFRESH_MARGIN.min(lifetime / 4);
        CachedToken {
            token,
            refresh_at: now + (lifetime - margin),
            expires_at: now + lifetime,
        }
    }

    /// Not yet due to be replaced.
    pub fn is_fresh(&self) -> bool {
        self.refresh_at > SystemTime::now()
    }
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
    /// Takes the lock that lets one fetch of the token under `key` run at a
    /// time across every process sharing the cache: `Some(owner)` when taken
    /// (pass `owner` to [`unlock`](TokenCache::unlock)), `None` while another
    /// holds it (the caller looks at the cache again shortly). A lock must
    /// expire on its own, so a holder that dies never blocks the others for
    /// long. Within one process the client already lets one task fetch at a
    /// time, so the default, for a cache no other process shares, always grants it.
    fn lock<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Option<String>> {
        let _ = key;
        Box::pin(async { Some(String::new()) })
    }
    /// Releases a lock taken with [`lock`](TokenCache::lock), if `owner` still holds it.
    fn unlock<'a>(&'a self, key: &'a str, owner: &'a str) -> BoxFuture<'a, ()> {
        let _ = (key, owner);
        Box::pin(async {})
    }
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
    /// One lock per token key, held while fetching, so that concurrent
    /// callers wait for one fetch (and tenants never wait for each other).
    flights: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    /// A token was obtained (fetched or found in the cache) at least once:
    /// the base URL answered like Feishu.
    obtained: std::sync::atomic::AtomicBool,
}

/// How often a caller looks at the cache again while another process fetches.
const LOCK_POLL: Duration = Duration::from_millis(10);

impl TokenManager {
    pub(crate) fn new(credentials: Credentials, cache: Arc<dyn TokenCache>) -> TokenManager {
        TokenManager {
            credentials,
            cache,
            flights: Mutex::new(HashMap::new()),
            obtained: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// Whether a token was ever obtained (a fixed token counts as one).
    pub(crate) fn ever_obtained(&self) -> bool {
        matches!(self.credentials, Credentials::TenantToken(_))
            || self.obtained.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The configured secrets, to be cut out of any server text shown.
    pub(crate) fn secrets(&self) -> Vec<&str> {
        match &self.credentials {
            Credentials::SelfBuilt { app_secret, .. } | Credentials::Store { app_secret, .. } => {
                vec![app_secret.expose()]
            }
            Credentials::TenantToken(token) => vec![token.expose()],
        }
    }

    fn key(&self, tenant_key: Option<&str>) -> String {
        format!(
            "feishu-perf:tenant_access_token:{}:{}",
            self.credentials.app_id(),
            tenant_key.unwrap_or("")
        )
    }

    fn flight(&self, key: &str) -> Arc<tokio::sync::Mutex<()>> {
        self.flights
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(key.to_owned())
            .or_default()
            .clone()
    }

    /// A valid tenant token: from the cache, or fetched by exactly one caller
    /// at a time (in this process, and across processes when the cache can lock).
    pub(crate) async fn tenant_token(
        &self,
        http: &HttpAuth<'_>,
        tenant_key: Option<&str>,
    ) -> Result<Secret, Error> {
        if let Credentials::TenantToken(token) = &self.credentials {
            return Ok(token.clone());
        }
        let key = self.key(tenant_key);
        let found = self.cache.get(&key).await;
        if let Some(token) = found.as_ref().filter(|t| t.is_fresh()) {
            self.mark_obtained();
            return Ok(token.token.clone());
        }
        let seen = found.map(|t| t.token);
        // A token stored since this caller looked, by a fetch it waited for,
        // serves it whatever its lifetime: waiting callers never fetch again.
        let usable = |token: &CachedToken| {
            token.is_fresh()
                || (seen.as_ref() != Some(&token.token) && token.expires_at > SystemTime::now())
        };
        let flight = self.flight(&key);
        let _turn = flight.lock().await;
        loop {
            if let Some(token) = self.cache.get(&key).await.filter(usable) {
                self.mark_obtained();
                return Ok(token.token);
            }
            let Some(owner) = self.cache.lock(&key).await else {
                // Another process is fetching: its token appears in the cache,
                // or its lock expires.
                tokio::time::sleep(LOCK_POLL).await;
                continue;
            };
            let stored = self.cache.get(&key).await.filter(usable);
            let result = match stored {
                Some(token) => Ok(token),
                None => match self.fetch(http, tenant_key).await {
                    Ok(token) => {
                        self.cache.set(&key, token.clone()).await;
                        Ok(token)
                    }
                    Err(error) => Err(error),
                },
            };
            self.cache.unlock(&key, &owner).await;
            if result.is_ok() {
                self.mark_obtained();
            }
            return result.map(|t| t.token);
        }
    }

    fn mark_obtained(&self) {
        self.obtained
            .store(true, std::sync::atomic::Ordering::Relaxed);
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
                token_from(http, &reply, "tenant_access_token")
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
                // An answer that echoes the app token shows it nowhere.
                let secrets = [app_token.token.expose(), app_secret.expose()];
                http.post("/open-apis/auth/v3/tenant_access_token", &body)
                    .await
                    .and_then(|reply| token_from(http, &reply, "tenant_access_token"))
                    .map_err(|e| crate::redact::error(e, &secrets))
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
        token_from(http, &reply, "app_access_token")
    }
}

/// Whether `token` can be sent back as `Authorization: Bearer <token>`:
/// visible ASCII only (no space, CR, LF, NUL, DEL or other control).
pub(crate) fn is_sendable(token: &str) -> bool {
    !token.is_empty() && token.bytes().all(|b| b.is_ascii_graphic())
}

/// A flat token response: `{code, msg, <field>, expire}`.
fn token_from(
    http: &HttpAuth<'_>,
    reply: &(Value, Option<String>),
    field: &str,
) -> Result<CachedToken, Error> {
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
    // A token that cannot go into a header would be sent without one: refuse it, uncached.
    if !is_sendable(token) {
        return Err(http.not_feishu(format!(
            "its {field} is not a valid header value (it holds a space or a control character such as CR, LF, NUL or DEL); it was not used"
        )));
    }
    let expire = body["expire"].as_u64().unwrap_or(0);
    if Duration::from_secs(expire) > MAX_LIFETIME {
        tracing::warn!(expire, "token lifetime out of range; read as 30 days");
    }
    Ok(CachedToken::new(
        Secret::new(token),
        Duration::from_secs(expire),
    ))
}

/// The endpoint named in the errors of token requests.
pub(crate) const TOKEN_ENDPOINT: &str = "auth.v3";

/// The HTTP side of token requests.
pub(crate) struct HttpAuth<'a> {
    pub(crate) http: &'a reqwest::Client,
    pub(crate) base_url: &'a str,
    pub(crate) timeout: Duration,
}

impl HttpAuth<'_> {
    fn not_feishu(&self, reason: impl Into<String>) -> Error {
        Error::NotFeishu {
            endpoint: TOKEN_ENDPOINT,
            base_url: crate::redact::base_url(self.base_url),
            reason: reason.into(),
            source: None,
        }
    }

    async fn post(&self, path: &str, body: &Value) -> Result<(Value, Option<String>), Error> {
        const ENDPOINT: &str = TOKEN_ENDPOINT;
        let url = format!("{}{path}", self.base_url);
        let timed_out = || Error::Timeout {
            endpoint: ENDPOINT,
            after: self.timeout,
        };
        let mut response = self
            .http
            .post(&url)
            .json(body)
            .timeout(self.timeout)
            .send()
            .await
            .map_err(|source| {
                // A connect timeout stays a failure to connect: before any
                // token, it says the base URL does not answer.
                if source.is_timeout() && !source.is_connect() {
                    timed_out()
                } else {
                    Error::Transport {
                        endpoint: ENDPOINT,
                        source: source.without_url(),
                    }
                }
            })?;
        let status = response.status().as_u16();
        // Redirects are never followed (the client's policy): the app secret stays here.
        if (300..400).contains(&status) {
            return Err(Error::Redirect {
                endpoint: ENDPOINT,
                status,
                location: crate::response::location(response.headers(), &url),
            });
        }
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
        let bytes =
            crate::response::read_body(&mut response, crate::response::MAX_TOKEN_RESPONSE_BYTES)
                .await
                .map_err(|e| match e {
                    crate::response::BodyError::TooLarge => Error::ResponseTooLarge {
                        endpoint: ENDPOINT,
                        status,
                        limit: crate::response::MAX_TOKEN_RESPONSE_BYTES,
                    },
                    crate::response::BodyError::Read(source) if source.is_timeout() => timed_out(),
                    crate::response::BodyError::Read(source) => Error::Transport {
                        endpoint: ENDPOINT,
                        source: source.without_url(),
                    },
                })?;
        tracing::debug!(
            path,
            status,
            log_id = log_id.as_deref().unwrap_or(""),
            "token endpoint answered"
        );
        let parsed = serde_json::from_slice::<Value>(&bytes);
        if status == 404 || status == 405 {
            return Err(self.not_feishu(format!(
                "POST {path} answered HTTP {status}: there is no token endpoint there"
            )));
        }
        match parsed {
            Ok(body) if body.get("code").is_some_and(Value::is_i64) => Ok((body, log_id)),
            // A server in trouble (a gateway's 5xx page): worth another try.
            _ if status >= 500 => Err(Error::Decode {
                endpoint: ENDPOINT,
                status,
                content_type,
                // Token responses carry the token: never echo their body.
                body_start: format!("[{} bytes withheld: token endpoint]", bytes.len()),
                reason: "not a token response".into(),
                log_id,
                succeeded: false,
            }),
            // Anything else is not Feishu's token endpoint: an HTML page, a
            // JSON answer without `code`, nothing at all.
            parsed => {
                let what = match parsed {
                    Ok(Value::Object(_)) => "a JSON object without a numeric `code`".to_owned(),
                    Ok(_) => "JSON that is not an object".to_owned(),
                    Err(_) if bytes.is_empty() => "an empty body".to_owned(),
                    Err(_) => format!(
                        "{} bytes that are not JSON (content type {})",
                        bytes.len(),
                        content_type.as_deref().unwrap_or("none")
                    ),
                };
                Err(self.not_feishu(format!(
                    "POST {path} answered HTTP {status} with {what}, not a token response"
                )))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_lived_tokens_are_kept_for_three_quarters_of_their_life() {
        let lifetime =
            |token: &CachedToken| token.expires_at.duration_since(token.refresh_at).unwrap();
        let long = CachedToken::new(Secret::new("t"), Duration::from_secs(7200));
        assert_eq!(lifetime(&long), REFRESH_MARGIN);
        assert!(long.is_fresh());
        let short = CachedToken::new(Secret::new("t"), Duration::from_secs(60));
        assert_eq!(lifetime(&short), Duration::from_secs(15));
        assert!(short.is_fresh());
        let spent = CachedToken::new(Secret::new("t"), Duration::ZERO);
        assert!(!spent.is_fresh());
    }

    #[test]
    fn an_absurd_expire_is_clamped_not_a_panic() {
        let reply = (
            json!({"code": 0, "tenant_access_token": "t", "expire": u64::MAX}),
            None,
        );
        let token = token_from(&http(), &reply, "tenant_access_token").unwrap();
        assert!(token.expires_at <= SystemTime::now() + MAX_LIFETIME);
    }

    fn http() -> HttpAuth<'static> {
        static CLIENT: std::sync::LazyLock<reqwest::Client> = std::sync::LazyLock::new(|| {
            let _ = rustls::crypto::ring::default_provider().install_default();
            reqwest::Client::new()
        });
        HttpAuth {
            http: &CLIENT,
            base_url: "https://open.feishu.cn",
            timeout: Duration::from_secs(1),
        }
    }

    #[test]
    fn a_token_that_cannot_be_a_header_value_is_refused() {
        for bad in ["t\r\nx", "t\nx", "t\0x", "t\u{7f}", "t x", "t\tx", "令牌"] {
            let reply = (
                json!({"code": 0, "tenant_access_token": bad, "expire": 7200}),
                None,
            );
            let error = token_from(&http(), &reply, "tenant_access_token").unwrap_err();
            assert!(matches!(error, Error::NotFeishu { .. }), "{bad:?}: {error}");
            assert!(
                error.to_string().contains("not a valid header value"),
                "{error}"
            );
        }
        assert!(is_sendable("t-6bd0e1b2c3"));
    }
}
