//! Exit statuses, the same for every command, and failures worded to point
//! at their cause.
//!
//! | status | meaning | rerun? |
//! |---|---|---|
//! | 0 | success: every row applied (or, for `--dry-run`, every row sendable) | |
//! | 1 | Feishu refused the whole run (unknown semester, deadline passed, ...) | no: fix what the message names |
//! | 2 | bad local input or usage (missing or unreadable file, bad option value, wrong base URL) | no |
//! | 3 | authentication or permission (credentials, scopes, data scope, seats) | no: the message says what to check |
//! | 4 | stopped by a failure worth resuming (network, timeout, 5xx, rate limit) | yes: the same command resumes |
//! | 5 | finished, but some rows were rejected (written to the rejects file) | no: fix those rows |
//! | 130 | interrupted (Ctrl-C) | yes: the same command resumes |

use std::fmt;
use std::process::ExitCode;

use feishu_perf::platform::PlatformErrorCode;
use feishu_perf::{Blames, Error, ErrorCode, ErrorFacts};

/// How a command ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// 0.
    Success,
    /// 1: Feishu refused the whole run.
    Refused,
    /// 2: bad local input or usage.
    Usage,
    /// 3: authentication or permission.
    Auth,
    /// 4: a failure worth resuming.
    Resumable,
    /// 5: some rows were rejected.
    RowsRejected,
    /// 130: interrupted.
    Interrupted,
}

impl Status {
    /// The process exit status.
    pub fn code(self) -> u8 {
        match self {
            Status::Success => 0,
            Status::Refused => 1,
            Status::Usage => 2,
            Status::Auth => 3,
            Status::Resumable => 4,
            Status::RowsRejected => 5,
            Status::Interrupted => 130,
        }
    }
}

impl From<Status> for ExitCode {
    fn from(status: Status) -> ExitCode {
        ExitCode::from(status.code())
    }
}

/// A command that failed: the status, what happened, and what to do.
#[derive(Debug, Clone)]
pub struct Failure {
    /// The exit status.
    pub status: Status,
    /// What happened.
    pub message: String,
    /// What to check or do next.
    pub hint: Option<String>,
    /// What the user must know besides (a write whose outcome is unknown).
    pub warning: Option<String>,
    /// The causes of `message`, outermost first, each said once.
    pub causes: Vec<String>,
}

impl Failure {
    /// A failure with `status`.
    pub fn new(status: Status, message: impl Into<String>) -> Failure {
        Failure {
            status,
            message: message.into(),
            hint: None,
            warning: None,
            causes: Vec::new(),
        }
    }

    /// Bad local input or usage (status 2).
    pub fn usage(message: impl Into<String>) -> Failure {
        Failure::new(Status::Usage, message)
    }

    /// Adds what to do next.
    pub fn hint(mut self, hint: impl Into<String>) -> Failure {
        self.hint = Some(hint.into());
        self
    }

    /// Adds the causes of `error` (its `source()` chain), each once.
    fn caused_by(mut self, error: &(dyn std::error::Error + 'static)) -> Failure {
        self.causes
            .extend(std::iter::successors(error.source(), |e| e.source()).map(|e| e.to_string()));
        self
    }

    /// Interprets an SDK error from calls to `base_url`, naming the cause.
    pub fn from_sdk(error: &Error, base_url: &str) -> Failure {
        let wrong_base_url = || {
            format!(
                "set FEISHU_BASE_URL to {} (Feishu) or {} (Lark), or use --brand feishu|lark",
                feishu_perf::FEISHU,
                feishu_perf::LARK
            )
        };
        match error {
            Error::Transport { source, .. } => {
                let what = if source.is_connect() {
                    format!("could not connect to {base_url}")
                } else {
                    format!("the connection to {base_url} failed")
                };
                Failure::new(Status::Resumable, what)
                    .caused_by(error)
                    .hint("check the network and FEISHU_BASE_URL (or --brand)")
            }
            // The base URL is not Feishu's: a configuration error, nothing to resume.
            Error::NotFeishu { .. } | Error::Redirect { .. } => {
                Failure::usage(error.to_string())
                    .caused_by(error)
                    .hint(wrong_base_url())
            }
            Error::Timeout { endpoint, after } => Failure::new(
                Status::Resumable,
                format!("{endpoint} at {base_url} did not answer within {after:?}"),
            ),
            Error::RateLimited { .. } => Failure::new(Status::Resumable, error.to_string()),
            // The token endpoint is not there: the base URL points somewhere else.
            Error::Decode {
                endpoint: "auth.v3",
                status: 404,
                ..
            } => Failure::usage(format!(
                "{base_url} has no Feishu token endpoint (HTTP 404 from {base_url}/open-apis/auth/v3/...): the base URL is wrong"
            ))
            .hint(wrong_base_url()),
            // The same, from a server that answers unknown paths with a JSON 404.
            Error::Authentication { code: 404, msg, .. } => Failure::usage(format!(
                "{base_url} has no Feishu token endpoint ({msg}): the base URL is wrong"
            ))
            .hint(wrong_base_url()),
            Error::Decode {
                endpoint, status, ..
            } if *status == 404 || *status == 405 => Failure::usage(format!(
                "{base_url} answered HTTP {status} to {endpoint}: the base URL is probably wrong ({error})"
            )),
            Error::Decode { succeeded: true, .. } => Failure::new(Status::Resumable, error.to_string())
                .hint("the server applied the call; a resumed run counts it once"),
            Error::Decode { .. } if error.is_retryable() => {
                Failure::new(Status::Resumable, error.to_string())
            }
            Error::Decode { .. } => Failure::new(Status::Refused, error.to_string()),
            Error::Authentication { code, msg, log_id } => {
                let check = PlatformErrorCode::from_code(*code)
                    .info()
                    .and_then(|info| info.facts.check)
                    .unwrap_or("the app id and secret (FEISHU_APP_ID, FEISHU_APP_SECRET) and the base URL");
                Failure::new(
                    Status::Auth,
                    format!(
                        "authentication failed at {base_url}: {code} {msg}{}",
                        log_id
                            .as_deref()
                            .filter(|l| !l.is_empty())
                            .map(|l| format!(" [log_id {l}]"))
                            .unwrap_or_default()
                    ),
                )
                .hint(format!("check {check}"))
            }
            Error::Api(api) if api.status >= 500 || error.is_retryable() => {
                Failure::new(Status::Resumable, error.to_string())
            }
            Error::Api(api) if blamed(api.facts()).is_some() || !api.permission_violations.is_empty() => {
                let facts = api.facts().filter(|f| f.blames.is_some());
                let mut check = facts
                    .and_then(|f| f.check)
                    .unwrap_or("the credentials (FEISHU_APP_ID, FEISHU_APP_SECRET) and the app's scopes")
                    .to_owned();
                if blamed(facts) == Some(Blames::Scope) {
                    check.push_str("; `feishu-perf auth check` lists the scopes each command needs");
                }
                Failure::new(Status::Auth, error.to_string()).hint(format!("check {check}"))
            }
            Error::Api(_) => Failure::new(Status::Refused, error.to_string()),
            Error::AlreadyApplied { .. } => Failure::new(Status::Refused, error.to_string()),
            // Retries ran out on a write that may have gone through: with the journal,
            // the same command re-sends it with its client_token, applied at most once.
            Error::OutcomeUnknown {
                source,
                resend_safe,
                ..
            } => {
                // The last failure says what happened; the unknown outcome is a warning beside it.
                let last = Failure::from_sdk(source, base_url);
                let warning = "the outcome of the last request is unknown: it may have been applied";
                let (status, hint) = if *resend_safe {
                    (
                        Status::Resumable,
                        "the journal keeps its client_token: the same command re-sends it, and Feishu applies it at most once",
                    )
                } else {
                    (
                        Status::Refused,
                        "it may have been applied: check in Feishu before sending it again",
                    )
                };
                Failure {
                    status,
                    hint: Some(hint.into()),
                    warning: Some(warning.into()),
                    ..last
                }
            }
            Error::Validation { .. } | Error::Input { .. } => Failure::usage(error.to_string()),
            Error::Config(message) => Failure::usage(message.clone()),
            // A kind of error this version does not know yet.
            _ => Failure::new(Status::Refused, error.to_string()),
        }
    }
}

/// What a code blames (credentials, scopes, the tenant's licence), as the
/// schema decides (`decision: { blames: .. }`).
fn blamed(facts: Option<&ErrorFacts>) -> Option<Blames> {
    facts.and_then(|f| f.blames)
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.message)?;
        for cause in &self.causes {
            write!(f, "\n  caused by: {cause}")?;
        }
        if let Some(warning) = &self.warning {
            write!(f, "\nwarning: {warning}")?;
        }
        if let Some(hint) = &self.hint {
            write!(f, "\nhint: {hint}")?;
        }
        Ok(())
    }
}

impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Failure {
        Failure::usage(format!("writing the output: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_are_the_documented_numbers() {
        let all = [
            (Status::Success, 0),
            (Status::Refused, 1),
            (Status::Usage, 2),
            (Status::Auth, 3),
            (Status::Resumable, 4),
            (Status::RowsRejected, 5),
            (Status::Interrupted, 130),
        ];
        for (status, code) in all {
            assert_eq!(status.code(), code, "{status:?}");
        }
    }

    #[test]
    fn an_empty_log_id_is_not_printed() {
        let failure = |log_id: Option<&str>| {
            let error = Error::Authentication {
                code: 10014,
                msg: "app id is invalid".into(),
                log_id: log_id.map(str::to_owned),
            };
            Failure::from_sdk(&error, "https://example.com").to_string()
        };
        for nothing in [None, Some("")] {
            let text = failure(nothing);
            assert!(text.contains("10014 app id is invalid"), "{text}");
            assert!(!text.contains("log_id"), "{text}");
        }
        let text = failure(Some("20260101abc"));
        assert!(text.contains(" [log_id 20260101abc]"), "{text}");
    }

    #[test]
    fn a_404_from_the_token_endpoint_blames_the_base_url() {
        let error = Error::Decode {
            endpoint: "auth.v3",
            status: 404,
            content_type: Some("text/html".into()),
            body_start: "<html>".into(),
            reason: "not JSON".into(),
            log_id: None,
            succeeded: false,
        };
        let failure = Failure::from_sdk(&error, "https://example.com");
        assert_eq!(failure.status, Status::Usage);
        assert!(failure.message.contains("base URL is wrong"), "{failure}");
        assert!(!failure.to_string().contains("credentials"), "{failure}");
    }

    /// A refused connection, as the client reports it (a fixed token: no token request).
    async fn refused() -> Error {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let client = feishu_perf::Client::builder()
            .tenant_access_token("t-fixed")
            .base_url(format!("http://127.0.0.1:{port}"))
            .retry(feishu_perf::RetryPolicy::none())
            .build()
            .unwrap();
        let error = client
            .send(feishu_perf::performance::v2::QueryReviewTemplateRequest::new())
            .await
            .unwrap_err();
        assert!(matches!(error, Error::Transport { .. }), "{error}");
        error
    }

    #[tokio::test]
    async fn the_chain_is_printed_once_with_labels() {
        let transport = refused().await;
        let failure = Failure::from_sdk(&transport, "http://127.0.0.1:9");
        assert_eq!(failure.status, Status::Resumable);
        let text = failure.to_string();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0], "could not connect to http://127.0.0.1:9",
            "{text}"
        );
        assert!(lines.len() >= 3, "the causes, then the hint: {text}");
        // Each line says its own thing: no line repeats another's text.
        for (i, line) in lines.iter().enumerate() {
            let own = line.trim_start().trim_start_matches("caused by: ");
            for other in lines.iter().skip(i + 1) {
                let later = other.trim_start().trim_start_matches("caused by: ");
                assert!(!own.contains(later), "{own:?} repeats {later:?} in {text}");
            }
        }
        assert!(lines.last().unwrap().starts_with("hint: "), "{text}");

        let unknown = Error::OutcomeUnknown {
            endpoint: "performance.v2.metric_detail.import",
            client_token: Some("t-1".into()),
            resend_safe: true,
            source: Box::new(transport),
        };
        let failure = Failure::from_sdk(&unknown, "http://127.0.0.1:9");
        assert_eq!(failure.status, Status::Resumable);
        let text = failure.to_string();
        assert!(
            text.starts_with("could not connect to http://127.0.0.1:9\n  caused by: "),
            "{text}"
        );
        assert_eq!(text.matches("warning: ").count(), 1, "{text}");
        assert_eq!(text.matches("hint: ").count(), 1, "{text}");
        assert!(
            text.contains("\nwarning: the outcome of the last request is unknown"),
            "{text}"
        );
        assert!(
            text.contains("\nhint: the journal keeps its client_token"),
            "{text}"
        );
    }

    #[test]
    fn a_base_url_that_is_not_feishu_is_a_configuration_error() {
        let errors = [
            Error::NotFeishu {
                endpoint: "auth.v3",
                base_url: "https://example.com".into(),
                reason: "POST /open-apis/auth/v3/tenant_access_token/internal answered HTTP 200 with 5 bytes that are not JSON".into(),
                source: None,
            },
            Error::Redirect {
                endpoint: "auth.v3",
                status: 302,
                location: Some("https://elsewhere.example/login".into()),
            },
        ];
        for error in errors {
            let failure = Failure::from_sdk(&error, "https://example.com");
            assert_eq!(failure.status, Status::Usage, "{failure}");
            let text = failure.to_string();
            assert!(text.contains("FEISHU_BASE_URL"), "{text}");
            assert!(!text.contains("unknown"), "{text}");
        }
    }
}
