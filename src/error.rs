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
    /// 99991400) and gave up: its retries ran out, or the wait the server
    /// asked for (or a hold an earlier 429 put on the endpoint, then unsent)
    /// is longer than the time the call has left
    /// ([`RetryPolicy::max_elapsed`](crate::RetryPolicy::max_elapsed)).
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
    /// A server answered with a redirect (HTTP 3xx). Feishu's open API never
    /// redirects: the redirect is not followed, so no request, and no
    /// credential, leaves the base URL's origin.
    Redirect {
        /// The endpoint (`auth.v3` for a token request).
        endpoint: &'static str,
        /// HTTP status.
        status: u16,
        /// The `Location` it named, without user info, query or fragment
        /// (where a secret could hide); `None` when it named none or not as text.
        location: Option<String>,
    },
    /// The base URL does not answer like Feishu's open platform: its token
    /// endpoint answers something that is not a token response (an HTML
    /// page, a JSON object without `code`, a token that cannot be sent back
    /// in a header), or, before any token was obtained from it, its host does
    /// not resolve or connect. A configuration error: check the base URL.
    NotFeishu {
        /// The endpoint (`auth.v3` for a token request).
        endpoint: &'static str,
        /// The base URL, without user info.
        base_url: String,
        /// What the answer was.
        reason: String,
        /// The cause, for a host that did not resolve or connect.
        source: Option<reqwest::Error>,
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
                "{endpoint} was rate limited (99991400) and the call gave up within its retries and time budget; calls are accepted again in {}s",
                reset_after.map_or(0, |d| d.as_secs_f64().ceil() as u64)
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
                ..
            } => write!(
                f,
                "{endpoint}: outcome unknown, the write may have been applied; {}",
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
            Error::Redirect {
                endpoint,
                status,
                location,
            } => write!(
                f,
                "{endpoint} answered with a redirect (HTTP {status}) to {}; Feishu's open API never redirects, so it was not followed and nothing was sent there: check the base URL",
                location.as_deref().unwrap_or("no location")
            ),
            Error::NotFeishu {
                endpoint,
                base_url,
                reason,
                ..
            } => write!(
                f,
                "the base URL {base_url} does not answer like Feishu's open platform ({endpoint}: {reason}): check the base URL"
            ),
            Error::Transport { endpoint, .. } => {
                write!(f, "transport error calling {endpoint}")
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
            Error::NotFeishu {
                source: Some(source),
                ..
            } => Some(source),
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

#[cfg(test)]
mod tests {
    use std::error::Error as _;

    use feishu_perf_core::validate::{JsonPath, Rule, Validate, Violation};
    use feishu_perf_core::{ErrorFacts, ErrorInfo};

    use super::*;

    const E: &str = "performance.v2.metric_detail.import";

    fn timeout() -> Error {
        Error::Timeout {
            endpoint: E,
            after: Duration::from_millis(1500),
        }
    }

    fn api(log_id: Option<&str>) -> Error {
        static INFO: ErrorInfo = ErrorInfo {
            code: 1580001,
            http_status: Some(400),
            message: "param error",
            hint: Some("check the parameters"),
            facts: ErrorFacts::NONE,
        };
        Error::Api(Box::new(ApiError {
            endpoint: E,
            status: 400,
            code: 1580001,
            msg: "param error".into(),
            info: Some(&INFO),
            log_id: log_id.map(str::to_owned),
            troubleshooter: None,
            permission_violations: Vec::new(),
            field_violations: Vec::new(),
        }))
    }

    fn outcome_unknown(client_token: Option<&str>, resend_safe: bool) -> Error {
        Error::OutcomeUnknown {
            endpoint: E,
            client_token: client_token.map(str::to_owned),
            resend_safe,
            source: Box::new(timeout()),
        }
    }

    fn transport() -> (Error, String) {
        // As the client does: reqwest has rustls without a bundled crypto provider.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let source = reqwest::Client::new()
            .get("http://[::1")
            .build()
            .unwrap_err();
        let text = source.to_string();
        (
            Error::Transport {
                endpoint: E,
                source,
            },
            text,
        )
    }

    struct Refused;

    impl Validate for Refused {
        fn validate_at(&self, _: &JsonPath<'_>, out: &mut Vec<Violation>) {
            out.push(Violation {
                path: "imported_metrics".into(),
                rule: Rule::Required,
                value: "null".into(),
            });
        }
    }

    /// Every variant's text, byte for byte: a user's logs and alerts may match on it. Each
    /// says its own sentence once; a cause is in `source()`, never repeated here.
    #[test]
    fn every_variant_displays_its_own_sentence() {
        let (transport, reqwest_text) = transport();
        assert!(!transport.to_string().contains(&reqwest_text));
        let cases: Vec<(Error, String)> = vec![
            (
                Error::Validation {
                    endpoint: E,
                    errors: Refused.validate().unwrap_err(),
                },
                format!(
                    "invalid request to {E}, nothing was sent: 1 invalid value\n  imported_metrics: is required (value: null)"
                ),
            ),
            (
                api(Some("202611221200")),
                format!(
                    "{E} failed with code 1580001 (HTTP 400): param error; check the parameters [log_id 202611221200]"
                ),
            ),
            (
                api(None),
                format!(
                    "{E} failed with code 1580001 (HTTP 400): param error; check the parameters"
                ),
            ),
            // An empty `X-Tt-Logid` names no log: it is left out rather than shown as `[log_id ]`.
            (
                api(Some("")),
                format!(
                    "{E} failed with code 1580001 (HTTP 400): param error; check the parameters"
                ),
            ),
            (
                Error::RateLimited {
                    endpoint: E,
                    reset_after: Some(Duration::from_millis(2900)),
                    log_id: Some("x".into()),
                },
                format!(
                    "{E} was rate limited (99991400) and the call gave up within its retries and time budget; calls are accepted again in 3s"
                ),
            ),
            (
                Error::RateLimited {
                    endpoint: E,
                    reset_after: None,
                    log_id: None,
                },
                format!(
                    "{E} was rate limited (99991400) and the call gave up within its retries and time budget; calls are accepted again in 0s"
                ),
            ),
            (
                Error::AlreadyApplied {
                    endpoint: E,
                    client_token: "t-1".into(),
                },
                format!(
                    "{E}: already applied by an earlier attempt whose response was lost (client_token t-1)"
                ),
            ),
            (
                outcome_unknown(Some("t-1"), true),
                format!(
                    "{E}: outcome unknown, the write may have been applied; re-send it with client_token t-1 (Client::resend), so the server applies it at most once"
                ),
            ),
            (
                outcome_unknown(None, true),
                format!(
                    "{E}: outcome unknown, the write may have been applied; re-sending it is safe: repeating it cannot change the outcome"
                ),
            ),
            (
                outcome_unknown(Some("t-1"), false),
                format!(
                    "{E}: outcome unknown, the write may have been applied; check whether it was applied before sending it again"
                ),
            ),
            (
                Error::ResponseTooLarge {
                    endpoint: E,
                    status: 200,
                    limit: 1024,
                },
                format!(
                    "{E} answered HTTP 200 with a body longer than the 1024-byte cap (ClientBuilder::max_response_bytes); reading stopped there"
                ),
            ),
            (
                Error::RepeatedPageToken {
                    endpoint: E,
                    page_token: "p\"1\n".into(),
                    pages: 3,
                },
                format!(
                    "{E} repeated page_token \"p\\\"1\\n\" after 3 pages with has_more true; the walk was stopped"
                ),
            ),
            (
                Error::PageBudgetExceeded {
                    endpoint: E,
                    max_pages: 10,
                },
                format!(
                    "{E} still had more after 10 pages (ClientBuilder::max_pages); the walk was stopped"
                ),
            ),
            (
                Error::Authentication {
                    code: 10003,
                    msg: "invalid param".into(),
                    log_id: None,
                },
                "authentication failed: 10003 invalid param; check the app id, the app secret (and for a store app, the app_ticket and tenant_key)".into(),
            ),
            (transport, format!("transport error calling {E}")),
            (
                Error::Redirect {
                    endpoint: "auth.v3",
                    status: 307,
                    location: Some("http://127.0.0.2:9/x".into()),
                },
                "auth.v3 answered with a redirect (HTTP 307) to http://127.0.0.2:9/x; Feishu's open API never redirects, so it was not followed and nothing was sent there: check the base URL".into(),
            ),
            (
                Error::NotFeishu {
                    endpoint: "auth.v3",
                    base_url: "https://example.com".into(),
                    reason: "HTML".into(),
                    source: None,
                },
                "the base URL https://example.com does not answer like Feishu's open platform (auth.v3: HTML): check the base URL".into(),
            ),
            (timeout(), format!("{E} timed out after 1.5s")),
            (
                Error::Decode {
                    endpoint: E,
                    status: 502,
                    content_type: Some("text/html".into()),
                    body_start: "<html>\u{fffd}".into(),
                    reason: "expected value at line 1 column 1".into(),
                    log_id: None,
                    succeeded: false,
                },
                format!(
                    "undecodable response from {E}: HTTP 502, content type Some(\"text/html\"), expected value at line 1 column 1; body starts: \"<html>\u{fffd}\""
                ),
            ),
            (
                Error::Decode {
                    endpoint: E,
                    status: 200,
                    content_type: None,
                    body_start: String::new(),
                    reason: "EOF".into(),
                    log_id: None,
                    succeeded: true,
                },
                format!(
                    "undecodable response from {E}: HTTP 200, content type None, EOF; body starts: \"\""
                ),
            ),
            (
                Error::Config("no app secret".into()),
                "configuration error: no app secret".into(),
            ),
            (
                Error::Input {
                    endpoint: "performance.v9.nothing.list".into(),
                    error: feishu_perf_core::registry::InputError::UnknownEndpoint {
                        id: "performance.v9.nothing.list".into(),
                    },
                },
                "performance.v9.nothing.list: no endpoint `performance.v9.nothing.list`; nothing was sent".into(),
            ),
        ];
        for (error, expected) in cases {
            assert_eq!(error.to_string(), expected, "{error:?}");
        }
    }

    /// `source()` gives the cause of a transport error and of an unknown outcome, and nothing
    /// else (a field that is not the cause, such as a validation's violations, is not one);
    /// a chain printed link by link says each thing once.
    #[test]
    fn source_chains_each_cause_once() {
        let (transport, reqwest_text) = transport();
        let cause = transport.source().expect("a transport error has its cause");
        assert!(cause.downcast_ref::<reqwest::Error>().is_some());
        assert_eq!(cause.to_string(), reqwest_text);

        let unknown = outcome_unknown(Some("t-1"), true);
        let cause = unknown
            .source()
            .expect("an unknown outcome has its last failure");
        // The cause is the SDK's error itself (not the box that holds it), so a caller can
        // downcast it; its text and its own chain are the last failure's.
        let last = cause.downcast_ref::<Error>().expect("an Error");
        assert!(matches!(last, Error::Timeout { .. }));
        assert_eq!(cause.to_string(), timeout().to_string());
        assert!(cause.source().is_none());

        let nested = Error::OutcomeUnknown {
            endpoint: E,
            client_token: None,
            resend_safe: false,
            source: Box::new(transport),
        };
        let chain: Vec<String> = std::iter::successors(
            Some(&nested as &dyn std::error::Error),
            |e: &&dyn std::error::Error| (*e).source(),
        )
        .map(ToString::to_string)
        .collect();
        // The unknown outcome, its last failure, then reqwest's error and its own causes.
        assert!(chain.len() >= 3, "{chain:?}");
        assert_eq!(chain[1], format!("transport error calling {E}"));
        assert_eq!(chain[2], reqwest_text);
        for (i, link) in chain.iter().enumerate() {
            for later in &chain[i + 1..] {
                assert!(!link.contains(later.as_str()), "{link:?} repeats {later:?}");
            }
        }

        let without_cause = [
            Error::Validation {
                endpoint: E,
                errors: Refused.validate().unwrap_err(),
            },
            api(Some("x")),
            timeout(),
            Error::Config("x".into()),
            Error::Input {
                endpoint: "x".into(),
                error: feishu_perf_core::registry::InputError::UnknownEndpoint { id: "x".into() },
            },
            Error::AlreadyApplied {
                endpoint: E,
                client_token: "t".into(),
            },
        ];
        for error in without_cause {
            assert!(error.source().is_none(), "{error:?}");
        }
    }
}
