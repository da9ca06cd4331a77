//! The decision as a table: every kind of request against everything that can
//! come back, with time and attempts to spare, out of attempts, and out of time.

use super::*;

const S: Duration = Duration::from_secs(1);
const KINDS: [Kind; 4] = [
    Kind::IdempotencyKey,
    Kind::ReadOnly,
    Kind::AbsoluteWrite,
    Kind::NonIdempotent,
];

fn came_all() -> Vec<Came> {
    vec![
        Came::TokenFailed { retryable: true },
        Came::TokenFailed { retryable: false },
        Came::Held(2 * S),
        Came::Held(300 * S),
        Came::OutOfTime,
        Came::NotSent,
        Came::Lost,
        Came::TimedOut,
        Came::ServerError,
        Came::RateLimited { wait: 2 * S },
        Came::RateLimited { wait: 300 * S },
        Came::TransientCode,
        Came::StaleToken,
        Came::AlreadyApplied,
        Came::Refused,
        Came::LostForGood,
        Came::Applied,
    ]
}

/// A call on its first attempt of 5, 6 s left, a 1 s backoff drawn.
fn call(kind: Kind) -> Call {
    Call {
        kind,
        attempt: 1,
        max_attempts: 5,
        time_left: 6 * S,
        outcome_unknown: false,
        can_renew_token: true,
        backoff: S,
    }
}

/// The situations a call can be in when something comes back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Left {
    /// Attempts and time to spare.
    Plenty,
    /// This was the last attempt.
    NoAttempts,
    /// Less time left than any wait (0.5 s).
    NoTime,
}

fn situated(kind: Kind, left: Left, unknown: bool) -> Call {
    let mut c = call(kind);
    c.outcome_unknown = unknown;
    match left {
        Left::Plenty => {}
        Left::NoAttempts => c.attempt = c.max_attempts,
        Left::NoTime => c.time_left = S / 2,
    }
    c
}

use Kind::*;
use Left::*;

const RETRY_1S: Step = Step::Retry { after: S };
const FAIL: Step = Step::Fail {
    outcome_unknown: false,
};
const UNKNOWN: Step = Step::Fail {
    outcome_unknown: true,
};

/// (kind, situation, earlier attempt lost, what came back, the step, unknown after).
#[rustfmt::skip]
fn table() -> Vec<(Kind, Left, bool, Came, Step, bool)> {
    let mut rows = Vec::new();
    for kind in KINDS {
        let write = kind.is_write();
        let safe = kind.resend_safe();
        // Unknown after a loss: a write that may have been applied says so.
        let lost_end = if write { UNKNOWN } else { FAIL };
        for unknown in [false, true] {
            let end = if unknown && write { UNKNOWN } else { FAIL };
            rows.extend([
                // Asking for a token changes nothing: retried while attempts and time allow.
                (kind, Plenty, unknown, Came::TokenFailed { retryable: true }, RETRY_1S, unknown),
                (kind, NoAttempts, unknown, Came::TokenFailed { retryable: true }, end, unknown),
                (kind, NoTime, unknown, Came::TokenFailed { retryable: true }, end, unknown),
                (kind, Plenty, unknown, Came::TokenFailed { retryable: false }, FAIL, unknown),
                // A hold shorter than the time left is waited out; a longer one ends the call at once.
                (kind, Plenty, unknown, Came::Held(2 * S), Step::Hold(2 * S), unknown),
                (kind, NoAttempts, unknown, Came::Held(2 * S), Step::Hold(2 * S), unknown),
                (kind, Plenty, unknown, Came::Held(300 * S), end, unknown),
                (kind, NoTime, unknown, Came::Held(2 * S), end, unknown),
                // Out of time while waiting: the call ends, an earlier loss said.
                (kind, Plenty, unknown, Came::OutOfTime, end, unknown),
                // Nothing was sent: always worth another try.
                (kind, Plenty, unknown, Came::NotSent, RETRY_1S, unknown),
                (kind, NoAttempts, unknown, Came::NotSent, end, unknown),
                (kind, NoTime, unknown, Came::NotSent, end, unknown),
                // Rate limited: wait as the server asked, if the time allows.
                (kind, Plenty, unknown, Came::RateLimited { wait: 2 * S }, Step::Retry { after: 2 * S }, unknown),
                (kind, Plenty, unknown, Came::RateLimited { wait: 300 * S }, end, unknown),
                (kind, NoAttempts, unknown, Came::RateLimited { wait: 2 * S }, end, unknown),
                (kind, Plenty, unknown, Came::TransientCode, RETRY_1S, unknown),
                (kind, NoTime, unknown, Came::TransientCode, end, unknown),
                // A refused token is renewed once, uncounted; a second refusal ends the call.
                (kind, Plenty, unknown, Came::StaleToken, Step::RenewToken, unknown),
                (kind, NoAttempts, unknown, Came::StaleToken, Step::RenewToken, unknown),
                // Definitive answers end the call as they are.
                (kind, Plenty, unknown, Came::Refused, FAIL, unknown),
                (kind, Plenty, unknown, Came::Applied, FAIL, unknown),
                (kind, Plenty, unknown, Came::LostForGood, lost_end, true),
                // Lost answers: retried when repeating is safe, else the outcome is unknown.
                (kind, Plenty, unknown, Came::Lost, if safe { RETRY_1S } else { lost_end }, true),
                (kind, Plenty, unknown, Came::TimedOut, if safe { RETRY_1S } else { lost_end }, true),
                (kind, Plenty, unknown, Came::ServerError, if safe { RETRY_1S } else { lost_end }, true),
                (kind, NoAttempts, unknown, Came::Lost, lost_end, true),
                (kind, NoAttempts, unknown, Came::TimedOut, lost_end, true),
                (kind, NoTime, unknown, Came::ServerError, lost_end, true),
                // A repeat refused as one proves the lost attempt applied; without a loss it is a refusal.
                (kind, Plenty, unknown, Came::AlreadyApplied, if unknown { Step::AlreadyApplied } else { FAIL }, unknown),
            ]);
        }
    }
    rows
}

#[test]
fn every_outcome_of_every_kind_decides_as_the_table_says() {
    let rows = table();
    for (kind, left, unknown, came, step, unknown_after) in &rows {
        let decided = decide(situated(*kind, *left, *unknown), *came);
        assert_eq!(
            decided,
            (*step, *unknown_after),
            "{kind:?}, {left:?}, earlier lost: {unknown}, came back {came:?}"
        );
    }
    // The table names every outcome for every kind.
    for kind in KINDS {
        for came in came_all() {
            assert!(
                rows.iter().any(|r| r.0 == kind && r.3 == came),
                "{kind:?} {came:?} is missing from the table"
            );
        }
    }
}

#[test]
fn a_token_already_renewed_is_not_renewed_again() {
    for kind in KINDS {
        let mut c = call(kind);
        c.can_renew_token = false;
        assert_eq!(decide(c, Came::StaleToken), (FAIL, false));
    }
}

/// Over every combination: never a wait past the time left, never a repeat of
/// a write that could apply twice, never an unknown outcome claimed for a read.
#[test]
fn invariants_hold_over_every_combination() {
    for kind in KINDS {
        for came in came_all() {
            for unknown in [false, true] {
                for attempt in 1..=5 {
                    for time_left in [0, 1, 2, 3, 299, 300, 301, 600].map(Duration::from_secs) {
                        for can_renew_token in [false, true] {
                            let c = Call {
                                kind,
                                attempt,
                                max_attempts: 5,
                                time_left,
                                outcome_unknown: unknown,
                                can_renew_token,
                                backoff: S,
                            };
                            let (step, unknown_after) = decide(c, came);
                            let what = format!("{c:?} {came:?} -> {step:?}");
                            match step {
                                Step::Retry { after } | Step::Hold(after) => {
                                    assert!(after < time_left, "{what}");
                                }
                                _ => {}
                            }
                            if let Step::Retry { .. } = step {
                                assert!(attempt < 5, "{what}");
                                assert!(kind.resend_safe() || !came.may_be_applied(), "{what}");
                            }
                            if let Step::Fail {
                                outcome_unknown: true,
                            } = step
                            {
                                assert!(kind.is_write() && unknown_after, "{what}");
                            }
                            assert!(unknown_after >= unknown, "{what}");
                        }
                    }
                }
            }
        }
    }
}

#[test]
fn kinds_follow_the_descriptors() {
    use feishu_perf_generated::{okr, performance};
    assert_eq!(
        Kind::of(&performance::v2::IMPORT_METRIC_DETAIL),
        IdempotencyKey
    );
    assert_eq!(Kind::of(&performance::v1::LIST_SEMESTER), ReadOnly);
    assert_eq!(Kind::of(&performance::v2::QUERY_REVIEW_TEMPLATE), ReadOnly);
    assert_eq!(Kind::of(&performance::v2::QUERY_REVIEW_DATA), ReadOnly);
    assert_eq!(
        Kind::of(&performance::v2::DELETE_ADDITIONAL_INFORMATIONS_BATCH),
        AbsoluteWrite
    );
    assert_eq!(Kind::of(&okr::v2::PATCH_OKR_INDICATOR), AbsoluteWrite);
    let mut d = performance::v2::QUERY_REVIEW_DATA;
    d.retry_safe = false;
    assert_eq!(Kind::of(&d), NonIdempotent);
}
