//! Retry policy: exponential backoff with full jitter, bounded in attempts and
//! in the total time of a call.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// When and how often a failed call is retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included (1 turns retries off).
    pub max_attempts: u32,
    /// Backoff before the first retry (before jitter).
    pub base_delay: Duration,
    /// Largest backoff (before jitter).
    pub max_delay: Duration,
    /// The total time budget of a call: every attempt (an attempt in flight
    /// is abandoned when it runs out), backoff, token fetch and pacing wait
    /// after the first attempt's slot. The per-attempt limit is
    /// [`ClientBuilder::timeout`](crate::ClientBuilder::timeout); an attempt
    /// gets the smaller of that and what is left of this budget. A call that
    /// runs out ends with [`Error::Timeout`](crate::Error::Timeout) (or, for a
    /// write that may have been applied, [`Error::OutcomeUnknown`](crate::Error::OutcomeUnknown)).
    pub max_elapsed: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 5,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(10),
            max_elapsed: Duration::from_secs(120),
        }
    }
}

impl RetryPolicy {
    /// No retries.
    pub fn none() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        }
    }

    /// The wait before retry number `retry` (1 for the first): uniformly random
    /// in `0..=min(max_delay, base_delay * 2^(retry-1))` ("full jitter").
    pub fn backoff(&self, retry: u32) -> Duration {
        let exp = self
            .base_delay
            .saturating_mul(1u32 << (retry.saturating_sub(1)).min(16));
        let cap = exp.min(self.max_delay);
        cap.mul_f64(random_unit())
    }
}

/// A uniform number in `[0, 1)`. Jitter needs no cryptographic quality: a
/// splitmix64 sequence seeded from the clock, without a dependency.
fn random_unit() -> f64 {
    static STATE: AtomicU64 = AtomicU64::new(0);
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    let mut x = STATE.fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed) ^ seed;
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^= x >> 31;
    (x >> 11) as f64 / (1u64 << 53) as f64
}

/// A fresh `client_token`: 32 hex digits (well under the 64-character limit).
pub(crate) fn new_client_token() -> String {
    let a = (random_unit() * (1u64 << 53) as f64) as u64;
    let b = (random_unit() * (1u64 << 53) as f64) as u64;
    let c = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    format!("{:016x}{:016x}", a ^ (c << 11), b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_is_capped_and_jittered() {
        let policy = RetryPolicy::default();
        for retry in 1..20 {
            let cap = policy
                .base_delay
                .saturating_mul(1 << (retry - 1).min(16))
                .min(policy.max_delay);
            assert!(policy.backoff(retry) <= cap);
        }
        let draws: std::collections::HashSet<_> = (0..20).map(|_| policy.backoff(5)).collect();
        assert!(draws.len() > 10, "jitter varies");
    }

    #[test]
    fn client_tokens_are_unique_and_short() {
        let tokens: std::collections::HashSet<_> = (0..1000).map(|_| new_client_token()).collect();
        assert_eq!(tokens.len(), 1000);
        assert!(tokens.iter().all(|t| t.len() == 32));
    }
}
