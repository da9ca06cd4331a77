//! The retry decision: what the send loop does next, from what was sent (the
//! endpoint's kind), what came back and what is left of the call (time,
//! attempts). A pure function, with no clock, I/O or randomness (the loop
//! draws the backoff and passes it in), so every combination is tested as a
//! table; the loop in `send.rs` only carries the steps out.

use std::time::Duration;

use feishu_perf_core::{EndpointDescriptor, HttpMethod};

use crate::error::Error;

/// What kind of request was sent: what repeating it can do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A write that takes a `client_token`: a repeat with the same token is applied at most once.
    IdempotencyKey,
    /// A read (`GET`, a paged query, a `POST` the schema marks `read_only`): changes nothing.
    ReadOnly,
    /// A write that sets absolute values (`PUT`, `PATCH`, `DELETE`): a repeat changes nothing more.
    AbsoluteWrite,
    /// A write that a repeat could apply twice.
    NonIdempotent,
}

impl Kind {
    /// The kind of `d`, from its descriptor (see `EndpointDescriptor::retry_safe`).
    pub(crate) fn of(d: &EndpointDescriptor) -> Kind {
        if d.client_token {
            Kind::IdempotencyKey
        } else if !d.retry_safe {
            Kind::NonIdempotent
        } else if matches!(d.method, HttpMethod::Get | HttpMethod::Post) {
            // A `POST` that is retry-safe without a client_token is a read
            // (paged, or `read_only: true` in its schema file).
            Kind::ReadOnly
        } else {
            Kind::AbsoluteWrite
        }
    }

    /// Whether an unknown outcome matters: the request changes something.
    pub(crate) fn is_write(self) -> bool {
        self != Kind::ReadOnly
    }

    /// Whether repeating a request whose outcome is unknown cannot apply it twice.
    pub(crate) fn resend_safe(self) -> bool {
        self != Kind::NonIdempotent
    }
}

/// What came back, as the decision sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Came {
    /// The token could not be obtained; `retryable`: a transient failure
    /// (asking for a token changes nothing on the server).
    TokenFailed { retryable: bool },
    /// Pacing holds the endpoint this long (a 429's reset) before a call may go out.
    Held(Duration),
    /// The call's time budget ran out while it waited (for a token, for
    /// pacing) or before an attempt could start.
    OutOfTime,
    /// No connection was made: nothing was sent.
    NotSent,
    /// The connection broke after the request went out, or the answer could
    /// not be read: the request may have been applied.
    Lost,
    /// No answer in time: the request may have been applied.
    TimedOut,
    /// HTTP 5xx: the request may have been applied.
    ServerError,
    /// HTTP 429 or 99991400: not applied; the server asked to wait this long.
    RateLimited { wait: Duration },
    /// A code the schema marks transient (e.g. 1580101): refused, not applied.
    TransientCode,
    /// The token was refused (the schema's `renew_token` codes): not applied.
    StaleToken,
    /// A repeat refused as one (the endpoint's already-applied code).
    AlreadyApplied,
    /// Any other refusal (a documented code, a 4xx, a redirect): definitive.
    Refused,
    /// An answer that may hide an applied request and cannot be read again
    /// (a body past the cap): not retried.
    LostForGood,
    /// Applied (`code: 0`) with data that does not decode: never repeated.
    Applied,
}

impl Came {
    /// Whether the request may have been applied without the call learning so.
    pub(crate) fn may_be_applied(self) -> bool {
        matches!(
            self,
            Came::Lost | Came::TimedOut | Came::ServerError | Came::LostForGood
        )
    }

    /// Whether sending again may succeed (whether it is safe is the kind's question).
    fn worth_retrying(self) -> bool {
        match self {
            Came::TokenFailed { retryable } => retryable,
            Came::NotSent
            | Came::Lost
            | Came::TimedOut
            | Came::ServerError
            | Came::RateLimited { .. }
            | Came::TransientCode
            | Came::Held(_)
            | Came::OutOfTime => true,
            Came::StaleToken
            | Came::AlreadyApplied
            | Came::Refused
            | Came::LostForGood
            | Came::Applied => false,
        }
    }

    /// What one attempt's failure was, from the error and what the attempt
    /// learned (`may_be_applied`, the server's wait, a refused token).
    pub(crate) fn of_attempt(
        error: &Error,
        may_be_applied: bool,
        wait: Option<Duration>,
        stale_token: bool,
    ) -> Came {
        if stale_token {
            return Came::StaleToken;
        }
        if let Error::Api(e) = error
            && e.facts().is_some_and(|f| f.already_applied)
        {
            return Came::AlreadyApplied;
        }
        if let Some(wait) = wait {
            return Came::RateLimited { wait };
        }
        let server_error = matches!(
            error,
            Error::Api(e) if e.status >= 500
        ) || matches!(error, Error::Decode { status, .. } if *status >= 500);
        match (error, error.is_retryable(), may_be_applied) {
            (
                Error::Decode {
                    succeeded: true, ..
                },
                ..,
            ) => Came::Applied,
            (Error::Timeout { .. }, ..) => Came::TimedOut,
            (Error::RateLimited { .. }, ..) => Came::RateLimited {
                wait: Duration::from_secs(1),
            },
            (_, true, true) if server_error => Came::ServerError,
            (_, true, true) => Came::Lost,
            (Error::Transport { .. }, true, false) => Came::NotSent,
            (_, true, false) => Came::TransientCode,
            (_, false, true) => Came::LostForGood,
            (_, false, false) => Came::Refused,
        }
    }
}

/// Where a call stands when something comes back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Call {
    /// What was sent.
    pub(crate) kind: Kind,
    /// Attempts made, this one included.
    pub(crate) attempt: u32,
    /// Attempts allowed in all.
    pub(crate) max_attempts: u32,
    /// What is left of the call's time budget.
    pub(crate) time_left: Duration,
    /// An earlier attempt's outcome is unknown (or the call re-sends such a write).
    pub(crate) outcome_unknown: bool,
    /// The token was fetched by the client and not yet renewed in this call.
    pub(crate) can_renew_token: bool,
    /// The backoff drawn for the next retry (when the server named no wait).
    pub(crate) backoff: Duration,
}

/// What the loop does next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Step {
    /// Send again after waiting this long.
    Retry { after: Duration },
    /// Wait out a pacing hold, then send (the same attempt).
    Hold(Duration),
    /// Drop the refused token, fetch a new one and send again, uncounted.
    RenewToken,
    /// End the call with the error that came back (a hold: rate limited, with
    /// the hold as when to retry); `outcome_unknown`: as
    /// [`Error::OutcomeUnknown`], since a write may have been applied.
    Fail { outcome_unknown: bool },
    /// End the call: the repeat was refused because an earlier attempt, whose
    /// answer was lost, was applied ([`Error::AlreadyApplied`]).
    AlreadyApplied,
}

/// The next step, and whether the call's outcome is unknown from now on.
pub(crate) fn decide(call: Call, came: Came) -> (Step, bool) {
    let unknown = call.outcome_unknown || came.may_be_applied();
    let fail = |unknown_now: bool| Step::Fail {
        // A read changes nothing; a definitive answer after a lost attempt
        // (a refusal) ends the call on its own terms.
        outcome_unknown: unknown_now
            && call.kind.is_write()
            && (came.may_be_applied() || came.worth_retrying()),
    };
    let step = match came {
        Came::AlreadyApplied if call.outcome_unknown => Step::AlreadyApplied,
        Came::StaleToken if call.can_renew_token => Step::RenewToken,
        // A hold is no attempt: it is waited out while the time allows.
        Came::Held(hold) if hold < call.time_left => Step::Hold(hold),
        Came::Held(_) | Came::OutOfTime => fail(unknown),
        _ if !came.worth_retrying() => fail(unknown),
        // The request may have been applied: repeat it only if that is safe.
        _ if came.may_be_applied() && !call.kind.resend_safe() => fail(unknown),
        _ if call.attempt >= call.max_attempts => fail(unknown),
        _ => {
            let after = match came {
                Came::RateLimited { wait } => wait,
                _ => call.backoff,
            };
            if after < call.time_left {
                Step::Retry { after }
            } else {
                fail(unknown)
            }
        }
    };
    (step, unknown)
}

#[cfg(test)]
mod tests;
