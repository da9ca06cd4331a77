//! The client: [`Client`], its shared state and the options of one call.
//!
//! Where the rest is: `builder` configures and builds a client, `send` is the
//! one request path (validation, the request URL), `run` its retry loop
//! (tokens, pacing, the time budget), carrying out what `decide`, the retry
//! decision, says; `attempt` is one HTTP exchange, `envelope` reads an answer
//! into the response or a typed error, `pages` walks paged lists, and `json`
//! calls an endpoint by its id with JSON (the registry's way in).

mod attempt;
mod builder;
mod decide;
mod envelope;
mod json;
mod pages;
mod run;
mod send;

use std::sync::Arc;
use std::time::Duration;

use feishu_perf_core::{ApiRequest, Transport};

use crate::Secret;
use crate::auth::TokenManager;
use crate::error::Error;
use crate::pacing::{Pacer, Pacing};
use crate::retry::RetryPolicy;

pub use builder::ClientBuilder;

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

impl Client {
    /// A builder.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// The base URL calls go to.
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
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
