//! The engine's decisions, as pure functions the send loop
//! ([`run_with`](super::run_with)) carries out: what to do with a batch given
//! what its journal says ([`before_send`]), and what to do once its request
//! has come back ([`after_send`]). They read no clock, no file and no
//! network, so every outcome is tested as a table (below).
//!
//! The engine holds no retry budget of its own: the client retries a request
//! (with its `client_token`) until its attempts or time run out, and what it
//! returns then is final for this run. The run's own state that a decision
//! reads is [`RunState`]: rows applied so far, and the code single units have
//! been refused with in a row.

use feishu_perf::{Error, Refuses};

use crate::journal::{BatchState, FailedUnit};

/// Single units refused with one code, before any row was applied, after
/// which a run stops and names the likely cause.
pub const SAME_REFUSALS_TO_STOP: usize = 4;

/// Units a refused request must have for the engine to probe single units
/// spread across it first (instead of halving it).
pub const PROBE_MIN_UNITS: usize = 2 * SAME_REFUSALS_TO_STOP;

/// What was sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sent {
    /// Units in the request.
    pub units: usize,
    /// It re-sends the token of an earlier run's request (from the journal).
    pub resumed: bool,
}

/// The run so far, as far as a decision reads it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RunState {
    /// Rows applied so far (in this run or an earlier run of the journal).
    pub applied_rows: usize,
    /// The code the last single units were refused with, and how many in a row.
    pub streak: Option<(i64, usize)>,
}

/// Why a request failed without the server deciding about its rows (after
/// the client's retries): the run stops, and exit status and advice follow
/// from the error itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// The connection failed or broke.
    Transport,
    /// No answer in time, or the retry budget's time ran out.
    Timeout,
    /// A write's answer was lost and the retries could not find out whether it was applied.
    OutcomeUnknown,
    /// Rate limited until the retries ran out.
    RateLimited,
    /// No token.
    Authentication,
    /// Anything else (an answer that does not decode, a configuration error, ...).
    Other,
}

/// What came back for a request.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    /// Applied (`code: 0`), but for the units the answer names as failed.
    Applied {
        /// The import record.
        record_id: Option<String>,
        /// Units the answer reported as not applied.
        failed: Vec<FailedUnit>,
    },
    /// A retry of this run was refused as a repeat: an earlier attempt was applied.
    AppliedEarlier,
    /// The platform refused it with `code`.
    Refused {
        /// The code.
        code: i64,
        /// What the endpoint's error table says the code blames (`None`: not decided).
        refuses: Option<Refuses>,
        /// The code says "this `client_token` was already applied".
        repeat: bool,
        /// The platform's message and the doc's hint.
        reason: String,
    },
    /// It failed without an answer about its rows.
    Failed(Failure),
    /// The run was cancelled while it was in flight, and the grace period ran out.
    Cancelled,
}

impl Answer {
    /// The answer an error stands for; `refuses` looks up a code in the endpoint's error table.
    pub fn from_error(error: &Error, refuses: impl Fn(i64) -> Option<Refuses>) -> Answer {
        match error {
            e if e.is_already_applied() => Answer::AppliedEarlier,
            Error::Api(api) => Answer::Refused {
                code: api.code,
                refuses: refuses(api.code),
                repeat: api.facts().is_some_and(|f| f.already_applied),
                reason: format!(
                    "{} {}",
                    api.msg,
                    api.info.and_then(|i| i.hint).unwrap_or_default()
                )
                .trim()
                .to_owned(),
            },
            Error::Transport { .. } => Answer::Failed(Failure::Transport),
            Error::Timeout { .. } => Answer::Failed(Failure::Timeout),
            Error::OutcomeUnknown { .. } => Answer::Failed(Failure::OutcomeUnknown),
            Error::RateLimited { .. } => Answer::Failed(Failure::RateLimited),
            Error::Authentication { .. } => Answer::Failed(Failure::Authentication),
            _ => Answer::Failed(Failure::Other),
        }
    }
}

/// What to do once a request came back.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// Journal it done; its rows are applied but for `failed`.
    Done {
        /// The import record.
        record_id: Option<String>,
        /// Units not applied.
        failed: Vec<FailedUnit>,
    },
    /// Journal it done: applied, its answer lost (counted once).
    DoneAnswerLost,
    /// Journal the split and queue the parts.
    Split {
        /// Single units spread across it first, rather than halves.
        probe: bool,
    },
    /// Journal its rows failed with `code`; with `stop`, the run then stops
    /// and names the likely cause (single units keep being refused alike, none applied).
    Reject {
        /// The code.
        code: i64,
        /// Why.
        reason: String,
        /// Stop the run after.
        stop: bool,
    },
    /// Stop the run with the error: the journal keeps the request as sent
    /// (its outcome unknown), and a resume re-sends it with its token.
    Stop,
    /// Stop the run, the request abandoned in flight (as for [`Step::Stop`]).
    Abandon,
}

/// What to do with a batch before sending it, from its journal state.
#[derive(Debug, Clone, PartialEq)]
pub enum Before {
    /// Done by an earlier run: count it.
    Count {
        /// Units the server reported as not applied.
        failed: Vec<FailedUnit>,
    },
    /// Refused by an earlier run: report its rows; with `stop`, stop again at once.
    Replay {
        /// Stop the run (an earlier run stopped at this refusal).
        stop: bool,
    },
    /// Split by an earlier run: queue its parts.
    Requeue {
        /// How it was split.
        probe: bool,
    },
    /// Send it: with the token an earlier run sent it with, or a new one.
    Send {
        /// The earlier run's token.
        resume_token: Option<String>,
    },
    /// The run is cancelled: send nothing more.
    Halt,
}

/// Counts a single unit refused with `code`: the new streak, and whether the
/// run stops (the [`SAME_REFUSALS_TO_STOP`]th in a row with one code, none applied).
pub fn count_refusal(run: RunState, code: i64) -> (Option<(i64, usize)>, bool) {
    let same = match run.streak {
        Some((c, n)) if c == code => n + 1,
        _ => 1,
    };
    let stop = run.applied_rows == 0 && same >= SAME_REFUSALS_TO_STOP;
    (Some((code, same)), stop)
}

/// What to do with a batch the journal knows as `state`, in a run that is
/// `cancelled` or not. Returns the step and the new streak.
pub fn before_send(
    state: Option<&BatchState>,
    cancelled: bool,
    run: RunState,
) -> (Before, Option<(i64, usize)>) {
    match state {
        Some(BatchState::Done { failed }) => (
            Before::Count {
                failed: failed.clone(),
            },
            run.streak,
        ),
        Some(BatchState::Failed { code, .. }) => {
            let (streak, stop) = count_refusal(run, *code);
            (Before::Replay { stop }, streak)
        }
        Some(BatchState::Split { probe }) => (Before::Requeue { probe: *probe }, run.streak),
        _ if cancelled => (Before::Halt, run.streak),
        Some(BatchState::Started { client_token }) => (
            Before::Send {
                resume_token: Some(client_token.clone()),
            },
            run.streak,
        ),
        None => (Before::Send { resume_token: None }, run.streak),
    }
}

/// What to do once `sent` came back with `answer`. Returns the step and the new streak.
pub fn after_send(sent: Sent, answer: Answer, run: RunState) -> (Step, Option<(i64, usize)>) {
    let streak = run.streak;
    match answer {
        Answer::Applied { record_id, failed } => (Step::Done { record_id, failed }, streak),
        Answer::AppliedEarlier => (Step::DoneAnswerLost, streak),
        // A resumed token refused as a repeat: the earlier run's request was applied.
        Answer::Refused { repeat: true, .. } if sent.resumed => (Step::DoneAnswerLost, streak),
        Answer::Refused {
            refuses: Some(Refuses::Unit),
            ..
        } if sent.units > 1 => {
            let probe = run.applied_rows == 0 && sent.units >= PROBE_MIN_UNITS;
            (Step::Split { probe }, streak)
        }
        Answer::Refused {
            code,
            refuses: Some(Refuses::Unit | Refuses::Request),
            reason,
            ..
        } => {
            let (streak, stop) = count_refusal(run, code);
            (Step::Reject { code, reason, stop }, streak)
        }
        // Refused for the whole run, or a code the schema does not decide.
        Answer::Refused { .. } | Answer::Failed(_) => (Step::Stop, streak),
        Answer::Cancelled => (Step::Abandon, streak),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    type Streak = Option<(i64, usize)>;

    fn refused(code: i64, refuses: Option<Refuses>, repeat: bool) -> Answer {
        Answer::Refused {
            code,
            refuses,
            repeat,
            reason: format!("reason {code}"),
        }
    }

    fn failed_unit() -> Vec<FailedUnit> {
        vec![FailedUnit {
            lines: vec![3],
            reason: "not found".into(),
        }]
    }

    /// Every outcome of a request, with the state it meets, and the step it leads to.
    #[test]
    fn every_outcome_after_a_request() {
        let fresh = RunState::default();
        let applied = RunState {
            applied_rows: 5,
            streak: None,
        };
        let three_alike = RunState {
            applied_rows: 0,
            streak: Some((1580112, SAME_REFUSALS_TO_STOP - 1)),
        };
        let one = Sent {
            units: 1,
            resumed: false,
        };
        let two = Sent {
            units: 2,
            resumed: false,
        };
        let many = Sent {
            units: PROBE_MIN_UNITS,
            resumed: false,
        };
        let resumed = Sent {
            units: 2,
            resumed: true,
        };
        let reject = |code: i64, stop| Step::Reject {
            code,
            reason: format!("reason {code}"),
            stop,
        };
        #[rustfmt::skip]
        let table: Vec<(&str, Sent, Answer, RunState, Step, Streak)> = vec![
            ("applied", two, Answer::Applied { record_id: Some("r".into()), failed: vec![] }, fresh,
                Step::Done { record_id: Some("r".into()), failed: vec![] }, None),
            ("applied, failed units", two, Answer::Applied { record_id: None, failed: failed_unit() }, fresh,
                Step::Done { record_id: None, failed: failed_unit() }, None),
            ("applied by an earlier attempt", two, Answer::AppliedEarlier, fresh, Step::DoneAnswerLost, None),
            ("resumed token refused as a repeat", resumed, refused(1580110, Some(Refuses::Run), true), fresh,
                Step::DoneAnswerLost, None),
            ("fresh token refused as a repeat: not ours", two, refused(1580110, Some(Refuses::Run), true), fresh,
                Step::Stop, None),
            ("unit refusal, several units, nothing applied yet: halves", two,
                refused(1580112, Some(Refuses::Unit), false), fresh, Step::Split { probe: false }, None),
            ("unit refusal, many units, nothing applied yet: probe", many,
                refused(1580112, Some(Refuses::Unit), false), fresh, Step::Split { probe: true }, None),
            ("unit refusal, many units, rows applied: halves", many,
                refused(1580112, Some(Refuses::Unit), false), applied, Step::Split { probe: false }, None),
            ("unit refusal, one unit", one, refused(1580112, Some(Refuses::Unit), false), applied,
                reject(1580112, false), Some((1580112, 1))),
            ("request refusal, several units: its rows fail", two, refused(1580301, Some(Refuses::Request), false),
                applied, reject(1580301, false), Some((1580301, 1))),
            ("single units refused alike, none applied: stop", one, refused(1580112, Some(Refuses::Unit), false),
                three_alike, reject(1580112, true), Some((1580112, SAME_REFUSALS_TO_STOP))),
            ("another code breaks the streak", one, refused(1580102, Some(Refuses::Unit), false), three_alike,
                reject(1580102, false), Some((1580102, 1))),
            ("refused for the whole run", two, refused(1580101, Some(Refuses::Run), false), fresh, Step::Stop, None),
            ("a code the schema does not decide", two, refused(99999, None, false), fresh, Step::Stop, None),
            ("transport error", two, Answer::Failed(Failure::Transport), fresh, Step::Stop, None),
            ("timeout", two, Answer::Failed(Failure::Timeout), fresh, Step::Stop, None),
            ("outcome unknown", two, Answer::Failed(Failure::OutcomeUnknown), fresh, Step::Stop, None),
            ("rate limited", two, Answer::Failed(Failure::RateLimited), fresh, Step::Stop, None),
            ("no token", two, Answer::Failed(Failure::Authentication), fresh, Step::Stop, None),
            ("anything else", two, Answer::Failed(Failure::Other), fresh, Step::Stop, None),
            ("cancelled in flight", two, Answer::Cancelled, three_alike, Step::Abandon,
                Some((1580112, SAME_REFUSALS_TO_STOP - 1))),
        ];
        for (what, sent, answer, run, step, streak) in table {
            assert_eq!(after_send(sent, answer, run), (step, streak), "{what}");
        }
    }

    /// Every journal state a batch can meet, cancelled or not.
    #[test]
    fn every_journal_state_before_a_request() {
        let fresh = RunState::default();
        let three_alike = RunState {
            applied_rows: 0,
            streak: Some((1580112, SAME_REFUSALS_TO_STOP - 1)),
        };
        let done = BatchState::Done {
            failed: failed_unit(),
        };
        let failed = BatchState::Failed {
            code: 1580112,
            reason: "r".into(),
            lines: vec![2],
        };
        let split = BatchState::Split { probe: true };
        let started = BatchState::Started {
            client_token: "t".into(),
        };
        #[rustfmt::skip]
        type Row<'s> = (&'s str, Option<&'s BatchState>, bool, RunState, Before, Streak);
        let table: Vec<Row<'_>> = vec![
            (
                "done earlier",
                Some(&done),
                false,
                fresh,
                Before::Count {
                    failed: failed_unit(),
                },
                None,
            ),
            (
                "done earlier, cancelled: still counted",
                Some(&done),
                true,
                fresh,
                Before::Count {
                    failed: failed_unit(),
                },
                None,
            ),
            (
                "refused earlier",
                Some(&failed),
                false,
                fresh,
                Before::Replay { stop: false },
                Some((1580112, 1)),
            ),
            (
                "refused earlier, the run had stopped there",
                Some(&failed),
                false,
                three_alike,
                Before::Replay { stop: true },
                Some((1580112, SAME_REFUSALS_TO_STOP)),
            ),
            (
                "split earlier",
                Some(&split),
                false,
                fresh,
                Before::Requeue { probe: true },
                None,
            ),
            (
                "in flight earlier",
                Some(&started),
                false,
                fresh,
                Before::Send {
                    resume_token: Some("t".into()),
                },
                None,
            ),
            (
                "in flight earlier, cancelled",
                Some(&started),
                true,
                fresh,
                Before::Halt,
                None,
            ),
            (
                "new",
                None,
                false,
                fresh,
                Before::Send { resume_token: None },
                None,
            ),
            ("new, cancelled", None, true, fresh, Before::Halt, None),
        ];
        for (what, state, cancelled, run, before, streak) in table {
            assert_eq!(
                before_send(state, cancelled, run),
                (before, streak),
                "{what}"
            );
        }
    }

    /// The errors the client returns, as the answers the decisions read.
    #[test]
    fn errors_become_answers() {
        let none = |_| None;
        let timeout = Error::Timeout {
            endpoint: "e",
            after: Duration::from_secs(1),
        };
        assert_eq!(
            Answer::from_error(&timeout, none),
            Answer::Failed(Failure::Timeout)
        );
        let unknown = Error::OutcomeUnknown {
            endpoint: "e",
            client_token: Some("t".into()),
            resend_safe: true,
            source: Box::new(timeout),
        };
        assert_eq!(
            Answer::from_error(&unknown, none),
            Answer::Failed(Failure::OutcomeUnknown)
        );
        let limited = Error::RateLimited {
            endpoint: "e",
            reset_after: None,
            log_id: None,
        };
        assert_eq!(
            Answer::from_error(&limited, none),
            Answer::Failed(Failure::RateLimited)
        );
        let repeat = Error::AlreadyApplied {
            endpoint: "e",
            client_token: "t".into(),
        };
        assert_eq!(Answer::from_error(&repeat, none), Answer::AppliedEarlier);
        assert_eq!(
            Answer::from_error(&Error::Config("x".into()), none),
            Answer::Failed(Failure::Other)
        );
    }

    /// A platform code, classified by the metric import's own error table.
    #[test]
    fn codes_are_classified_by_the_endpoints_table() {
        use feishu_perf::performance::v2::ImportMetricDetailRequest;
        use feishu_perf::{ApiError, ApiRequest};
        let d = ImportMetricDetailRequest::DESCRIPTOR;
        let api = |code: i64| {
            Error::Api(Box::new(ApiError {
                endpoint: d.id,
                status: 400,
                code,
                msg: "msg".into(),
                info: d.error(code),
                log_id: None,
                troubleshooter: None,
                permission_violations: vec![],
                field_violations: vec![],
            }))
        };
        let answer = |code| Answer::from_error(&api(code), |c| d.refuses(c));
        assert!(matches!(
            answer(1580112),
            Answer::Refused { code: 1580112, refuses: Some(Refuses::Unit), repeat: false, ref reason }
                if reason.starts_with("msg ") && reason.contains("被评估人")
        ));
        assert!(matches!(
            answer(1580105),
            Answer::Refused {
                refuses: Some(Refuses::Run),
                repeat: false,
                ..
            }
        ));
        assert!(matches!(
            answer(1580110),
            Answer::Refused { repeat: true, .. }
        ));
        assert!(matches!(
            answer(4242),
            Answer::Refused { refuses: None, repeat: false, ref reason, .. } if reason == "msg"
        ));
    }
}
