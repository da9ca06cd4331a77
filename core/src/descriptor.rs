//! Static descriptions of endpoints, from which the runtime sends any request.

use crate::error_code::{ErrorInfo, Refuses, find_error};

/// HTTP methods of the documented endpoints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HttpMethod {
    /// `GET`
    Get,
    /// `POST`
    Post,
    /// `PUT`
    Put,
    /// `PATCH`
    Patch,
    /// `DELETE`
    Delete,
}

impl HttpMethod {
    /// The method as it appears on the wire.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Get => "GET",
            Self::Post => "POST",
            Self::Put => "PUT",
            Self::Patch => "PATCH",
            Self::Delete => "DELETE",
        }
    }

    /// Whether a request with this method changes state on the server.
    pub const fn is_write(self) -> bool {
        !matches!(self, Self::Get)
    }
}

/// Kinds of access token an endpoint accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AccessTokenType {
    /// `tenant_access_token`: the app acting in one tenant.
    Tenant,
    /// `user_access_token`: the app acting for a signed-in user.
    User,
    /// `app_access_token`: the app itself.
    App,
}

/// A documented rate limit, per endpoint, per app, per tenant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RateLimit {
    /// Calls allowed a minute (`10 次/分钟`).
    pub per_minute: Option<u32>,
    /// Calls allowed a second.
    pub per_second: Option<u32>,
}

/// How a list endpoint pages.
///
/// `page_token` and `page_size` are query parameters (even on `POST`), unless
/// the endpoint's page puts them in the body; the response carries
/// `has_more`, `page_token` and the items.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Pagination {
    /// The response field holding a page's items.
    pub items_field: &'static str,
    /// The server's page size when `page_size` is omitted.
    pub default_page_size: Option<u64>,
    /// The largest accepted `page_size`.
    pub max_page_size: Option<u64>,
    /// Whether `page_token` and `page_size` are fields of the JSON body rather
    /// than query parameters.
    pub tokens_in_body: bool,
}

/// Everything the runtime needs to send a request to one endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EndpointDescriptor {
    /// `service.version.resource.operation`, e.g. `performance.v2.metric_detail.import`.
    pub id: &'static str,
    /// The page title, e.g. `录入被评估人关键指标数据`.
    pub summary: &'static str,
    /// The documentation page.
    pub doc_url: &'static str,
    /// HTTP method.
    pub method: HttpMethod,
    /// Path with `{param}` placeholders, e.g. `/open-apis/performance/v2/metric_details/import`.
    pub path_template: &'static str,
    /// Access tokens the endpoint accepts.
    pub access_tokens: &'static [AccessTokenType],
    /// Scopes; any one of them suffices.
    pub scopes: &'static [&'static str],
    /// Field-level scopes, needed only for the sensitive fields they unlock.
    pub field_scopes: &'static [&'static str],
    /// The documented rate limit, if any.
    pub rate_limit: Option<RateLimit>,
    /// Whether the endpoint takes a `client_token` query parameter that makes a write idempotent.
    pub client_token: bool,
    /// Whether repeating a request cannot change the outcome: reads (`GET`, and
    /// the `POST` list queries that page), writes that set absolute values
    /// (`PUT`, `PATCH`, `DELETE`), and writes made idempotent by a `client_token`.
    /// The runtime retries a request whose outcome is unknown only when this holds.
    pub retry_safe: bool,
    /// Pagination, for list endpoints.
    pub pagination: Option<Pagination>,
    /// The page's error table, each row with the SDK's facts about it.
    pub errors: &'static [ErrorInfo],
    /// The platform-wide codes any endpoint may answer with.
    pub platform_errors: &'static [ErrorInfo],
}

impl EndpointDescriptor {
    /// The documentation and facts of `code`: the endpoint's own table first,
    /// then the platform-wide codes.
    pub fn error(&self, code: i64) -> Option<&'static ErrorInfo> {
        find_error(self.errors, code).or_else(|| find_error(self.platform_errors, code))
    }

    /// What a refusal with `code` blames, when the schema decides it.
    pub fn refuses(&self, code: i64) -> Option<Refuses> {
        self.error(code).and_then(|info| info.facts.refuses)
    }

    /// The code with which this endpoint refuses a repeated `client_token`
    /// (the write was applied before), if it has one.
    pub fn already_applied_code(&self) -> Option<i64> {
        self.errors
            .iter()
            .chain(self.platform_errors)
            .find(|info| info.facts.already_applied)
            .map(|info| info.code)
    }
}

/// The examples printed on an endpoint's documentation page, verbatim.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DocExamples {
    /// The query string of the page's call example.
    pub request_query: Option<&'static str>,
    /// The request body example (JSON).
    pub request_body: Option<&'static str>,
    /// The response example (JSON, with the `{code, msg, data}` envelope).
    pub response: Option<&'static str>,
}
