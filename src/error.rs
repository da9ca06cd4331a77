//! The one error type of every call.

use std::fmt;
use std::time::Duration;

use feishu_perf_core::{ErrorCode, ErrorFacts, ErrorInfo, ValidationErrors};

/// What went wrong in a call. Display says what happened and what to check.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The request breaks documented rules; nothing was sent.
    Validation {
        /// The endpoint.
        endpoint: &'static str,
        /// Every violation, with its JSON path.
        errors: ValidationErrors,
    },
    /// The platform answered with a non-zero `code`.
    Api(Box<ApiError>),
    /// The call was rate limited (any HTTP 429, whatever its body, or code
    /// 99991400) and retries ran out.
    RateLimited {
        /// The endpoint.
        endpoint: &'static str,
        /// `x-ogw-ratelimit-reset`: when calls are accepted again.
        reset_after: Option<Duration>,
        /// The response's log id.
        log_id: Option<String>,
    },
    /// A write whose response was lost (timeout, dropped connection) was
    /// retried with the same `client_token` and refused as a repeat (1580110):
    /// the first attempt was applied. Not a failure of the write; its
    /// response data (e.g. `import_record_id`) is lost.
    AlreadyApplied {
        /// The endpoint.
        endpoint: &'static str,
        /// The `client_token` the write was made with.
        client_token: String,
    },
    /// A write may have been applied, and the call could not find out: an
    /// attempt's answer was lost (a dropped connection, a timeout, an
    /// unreadable or 5xx answer) and the attempts after it failed too, until
    /// the retries or the time budget ran out. `source` is the last failure.
    ///
    /// The documented way to retry is [`Client::resend`](crate::Client::resend)
    /// (or the request's own `client_token(..)` setter with
    /// [`client_token`](Error::client_token)): it re-sends with the same
    /// `client_token`, so the server applies the write at most once, and a
    /// write that went through ends as [`Error::AlreadyApplied`].
    /// [`is_retryable`](Error::is_retryable) holds when that is safe: the
    /// endpoint takes a `client_token`, or repeating it cannot change the outcome.
    OutcomeUnknown {
        /// The endpoint.
        endpoint: &'static str,
        /// The `client_token` every attempt was sent with: re-send with it.
        client_token: Option<String>,
        /// Re-sending as documented cannot apply the write twice.
        resend_safe: bool,
        /// The last attempt's failure.
        source: Box<Error>,
    },
    /// The response body is longer than the client's cap
    /// ([`ClientBuilder::max_response_bytes`](crate::ClientBuilder::max_response_bytes));
    /// reading stopped there.
    ResponseTooLarge {
        /// The endpoint.
        endpoint: &'static str,
        /// HTTP status.
        status: u16,
        /// The cap, in bytes.
        limit: u64,
    },
    /// A paged walk was stopped: the server gave a `page_token` it had already
    /// given in this walk (with `has_more: true`), which would loop forever.
    RepeatedPageToken {
        /// The endpoint.
        endpoint: &'static str,
        /// The repeated token.
        page_token: String,
        /// Pages read before the repeat.
        pages: u64,
    },
    /// A paged walk read its budget of pages and the server still said
    /// `has_more` ([`ClientBuilder::max_pages`](crate::ClientBuilder::max_pages)).
    PageBudgetExceeded {
        /// The endpoint.
        endpoint: &'static str,
        /// The budget.
        max_pages: u64,
    },
    /// A token could not be obtained.
    Authentication {
        /// The token endpoint's `code`.
        code: i64,
        /// Its `msg`.
        msg: String,
        /// Its log id.
        log_id: Option<String>,
    },
    /// The connection failed or broke.
    Transport {
        /// The endpoint.
        endpoint: &'static str,
        /// The cause.
        source: reqwest::Error,
    },
    /// No response within the per-attempt timeout, or the retry policy's total
    /// budget ran out ([`RetryPolicy::max_elapsed`](crate::RetryPolicy::max_elapsed)).
    Timeout {
        /// The endpoint.
        endpoint: &'static str,
        /// The timeout that ran out.
        after: Duration,
    },
    /// The response could not be decoded.
    Decode {
        /// The endpoint.
        endpoint: &'static str,
        /// HTTP status.
        status: u16,
        /// `Content-Type`, if any.
        content_type: Option<String>,
        /// The first 256 bytes of the body, lossily as UTF-8.
        body_start: String,
        /// Why it could not be decoded.
        reason: String,
        /// `X-Tt-Logid`, if any.
        log_id: Option<String>,
        /// The envelope said `code: 0`: the call was applied, only its `data` did not fit.
        succeeded: bool,
    },
    /// The client is misconfigured.
    Config(String),
    /// A call by endpoint id ([`Client::send_json`](crate::Client::send_json))
    /// whose input makes no request: an unknown id or parameter, a value that
    /// does not parse, a body that does not decode. Nothing was sent. (A
    /// request that breaks a documented rule is [`Error::Validation`].)
    Input {
        /// The endpoint id asked for.
        endpoint: String,
        /// What is wrong with the input.
        error: feishu_perf_core::registry::InputError,
    },
}

/// A non-zero `code` from the platform.
#[derive(Debug, Clone)]
pub struct ApiError {
    /// The endpoint.
    pub endpoint: &'static str,
    /// HTTP status.
    pub status: u16,
    /// The envelope's `code`.
    pub code: i64,
    /// The envelope's `msg`.
    pub msg: String,
    /// The documentation of the code (message, hint, status), from the endpoint's error table.
    pub info: Option<&'static ErrorInfo>,
    /// `X-Tt-Logid` (or `error.log_id`): give it to Feishu support.
    pub log_id: Option<String>,
    /// `error.troubleshooter`.
    pub troubleshooter: Option<String>,
    /// `error.permission_violations`.
    pub permission_violations: Vec<serde_json::Value>,
    /// `error.field_violations`.
    pub field_violations: Vec<serde_json::Value>,
}

impl ApiError {
    /// The SDK's facts about the code (what it refuses, whether it is
    /// transient, ...), from the endpoint's error table in the schema.
    pub fn facts(&self) -> Option<&'static ErrorFacts> {
        self.info.map(|info| &info.facts)
    }

    /// The code as the endpoint's typed error code, e.g. `ImportMetricDetailErrorCode`.
    pub fn typed<C: ErrorCode>(&self) -> C {
        C::from_code(self.code)
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} failed with code {} (HTTP {}): {}",
            self.endpoint, self.code, self.status, self.msg
        )?;
        if let Some(hint) = self.info.and_then(|info| info.hint) {
            write!(f, "; {hint}")?;
        }
        if let Some(log_id) = self.log_id.as_deref().filter(|id| !id.is_empty()) {
            write!(f, " [log_id {log_id}]")?;
        }
        Ok(())
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Validation { endpoint, errors } => {
                write!(
                    f,
                    "invalid request to {endpoint}, nothing was sent: {errors}"
                )
            }
            Error::Api(e) => fmt::Display::fmt(e, f),
            Error::RateLimited {
                endpoint,
                reset_after,
                ..
            } => write!(
                f,
                "{endpoint} was rate limited (99991400) and retries ran out; calls are accepted again in {}s",
                reset_after.map_or(0, |d| d.as_secs())
            ),
            Error::AlreadyApplied {
                endpoint,
                client_token,
            } => write!(
                f,
                "{endpoint}: already applied by an earlier attempt whose response was lost (client_token {client_token})"
            ),
            Error::OutcomeUnknown {
                endpoint,
                client_token,
                resend_safe,
                source,
            } => write!(
                f,
                "{endpoint}: outcome unknown, the write may have been applied: {source}; {}",
                resend_hint(client_token.as_deref(), *resend_safe)
            ),
            Error::ResponseTooLarge {
                endpoint,
                status,
                limit,
            } => write!(
                f,
                "{endpoint} answered HTTP {status} with a body longer than the {limit}-byte cap (ClientBuilder::max_response_bytes); reading stopped there"
            ),
            Error::RepeatedPageToken {
                endpoint,
                page_token,
                pages,
            } => write!(
                f,
                "{endpoint} repeated page_token {page_token:?} after {pages} pages with has_more true; the walk was stopped"
            ),
            Error::PageBudgetExceeded {
                endpoint,
                max_pages,
            } => write!(
                f,
                "{endpoint} still had more after {max_pages} pages (ClientBuilder::max_pages); the walk was stopped"
            ),
            Error::Authentication { code, msg, .. } => write!(
                f,
                "authentication failed: {code} {msg}; check the app id, the app secret (and for a store app, the app_ticket and tenant_key)"
            ),
            Error::Transport { endpoint, source } => {
                write!(f, "transport error calling {endpoint}: {source}")
            }
            Error::Timeout { endpoint, after } => write!(f, "{endpoint} timed out after {after:?}"),
            Error::Decode {
                endpoint,
                status,
                content_type,
                body_start,
                reason,
                ..
            } => write!(
                f,
                "undecodable response from {endpoint}: HTTP {status}, content type {content_type:?}, {reason}; body starts: {body_start:?}"
            ),
            Error::Config(message) => write!(f, "configuration error: {message}"),
            Error::Input { endpoint, error } => write!(f, "{endpoint}: {error}; nothing was sent"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::OutcomeUnknown { source, .. } => Some(source.as_ref()),
            Error::Transport { source, .. } => Some(source),
            _ => None,
        }
    }
}

fn resend_hint(client_token: Option<&str>, resend_safe: bool) -> String {
    match (client_token, resend_safe) {
        (Some(token), true) => format!(
            "re-send it with client_token {token} (Client::resend), so the server applies it at most once"
        ),
        (None, true) => "re-sending it is safe: repeating it cannot change the outcome".into(),
        (_, false) => "check whether it was applied before sending it again".into(),
    }
}

impl Error {
    /// Whether sending the call again is safe and may succeed: transport
    /// errors, timeouts, 5xx, rate limits, the codes the endpoint's error
    /// table marks transient (`decision: { transient: true }`, e.g. 1580101
    /// internal error), and an [`OutcomeUnknown`](Error::OutcomeUnknown) write
    /// that is re-sent as documented ([`Client::resend`](crate::Client::resend),
    /// with its `client_token`).
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Transport { .. } | Error::Timeout { .. } | Error::RateLimited { .. } => true,
            Error::OutcomeUnknown { resend_safe, .. } => *resend_safe,
            Error::Api(e) => {
                e.status >= 500 || e.status == 429 || e.facts().is_some_and(|f| f.transient)
            }
            Error::Decode {
                status, succeeded, ..
            } => !succeeded && (*status >= 500 || (200..300).contains(status)),
            _ => false,
        }
    }

    /// The platform's `code`, for API, rate-limit and authentication errors.
    pub fn code(&self) -> Option<i64> {
        match self {
            Error::Api(e) => Some(e.code),
            Error::RateLimited { .. } => Some(99991400),
            Error::AlreadyApplied { endpoint, .. } => crate::ENDPOINTS
                .iter()
                .find(|d| d.id == *endpoint)
                .and_then(|d| d.already_applied_code()),
            Error::Authentication { code, .. } => Some(*code),
            Error::OutcomeUnknown { source, .. } => source.code(),
            _ => None,
        }
    }

    /// The log id of the response, if there was one.
    pub fn log_id(&self) -> Option<&str> {
        match self {
            Error::Api(e) => e.log_id.as_deref(),
            Error::RateLimited { log_id, .. }
            | Error::Authentication { log_id, .. }
            | Error::Decode { log_id, .. } => log_id.as_deref(),
            Error::OutcomeUnknown { source, .. } => source.log_id(),
            _ => None,
        }
    }

    /// Whether a write may have been applied without the call learning so
    /// ([`Error::OutcomeUnknown`]).
    pub fn is_outcome_unknown(&self) -> bool {
        matches!(self, Error::OutcomeUnknown { .. })
    }

    /// The `client_token` a write was sent with, when its outcome is unknown
    /// or it was already applied: re-send with this token, never a new one.
    pub fn client_token(&self) -> Option<&str> {
        match self {
            Error::OutcomeUnknown { client_token, .. } => client_token.as_deref(),
            Error::AlreadyApplied { client_token, .. } => Some(client_token),
            _ => None,
        }
    }

    /// Whether a write was applied by an earlier attempt whose response was lost.
    pub fn is_already_applied(&self) -> bool {
        matches!(self, Error::AlreadyApplied { .. })
    }
}
