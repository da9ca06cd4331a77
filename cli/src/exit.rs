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
}

impl Failure {
    /// A failure with `status`.
    pub fn new(status: Status, message: impl Into<String>) -> Failure {
        Failure {
            status,
            message: message.into(),
            hint: None,
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

    /// Interprets an SDK error from calls to `base_url`, naming the cause.
    pub fn from_sdk(error: &Error, base_url: &str) -> Failure {
        match error {
            Error::Transport { source, .. } => {
                let cause = causes(source);
                let what = if source.is_connect() {
                    format!("could not connect to {base_url}: {cause}")
                } else {
                    format!("the connection to {base_url} failed: {cause}")
                };
                Failure::new(Status::Resumable, what)
                    .hint("check the network and FEISHU_BASE_URL (or --brand)")
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
            .hint(format!(
                "set FEISHU_BASE_URL to {} (Feishu) or {} (Lark), or use --brand feishu|lark",
                feishu_perf::FEISHU,
                feishu_perf::LARK
            )),
            // The same, from a server that answers unknown paths with a JSON 404.
            Error::Authentication { code: 404, msg, .. } => Failure::usage(format!(
                "{base_url} has no Feishu token endpoint ({msg}): the base URL is wrong"
            ))
            .hint(format!(
                "set FEISHU_BASE_URL to {} (Feishu) or {} (Lark), or use --brand feishu|lark",
                feishu_perf::FEISHU,
                feishu_perf::LARK
            )),
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
                let cause = Failure::from_sdk(source, base_url);
                let message = format!("the outcome of the last request is unknown: {}", cause.message);
                if *resend_safe {
                    Failure::new(Status::Resumable, message).hint(
                        "the journal keeps its client_token: the same command re-sends it, and Feishu applies it at most once",
                    )
                } else {
                    Failure::new(Status::Refused, message)
                        .hint("it may have been applied: check in Feishu before sending it again")
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

/// An error and its causes, innermost last: `error sending request: client error (Connect): Connection refused`.
fn causes(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(s) = source {
        let s_text = s.to_string();
        if !text.contains(&s_text) {
            text.push_str(": ");
            text.push_str(&s_text);
        }
        source = s.source();
    }
    text
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, "\n  {hint}")?;
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
}
