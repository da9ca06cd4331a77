//! Client-side pacing: keeps each endpoint under its documented limit so a
//! long batch never trips the server's, and a burst waits instead of failing.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

use feishu_perf_core::EndpointDescriptor;

/// How calls are paced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pacing {
    /// No pacing: the server's 429s are retried instead.
    Off,
    /// Each endpoint's documented limit per `window` (the platform's window is
    /// one minute; a shorter one suits a sandbox started with `--rate-window`).
    Documented {
        /// The window the documented per-minute limit applies to.
        window: Duration,
    },
    /// The same limit for every endpoint.
    Custom {
        /// Calls allowed per window.
        calls: u32,
        /// The window.
        window: Duration,
    },
}

impl Default for Pacing {
    fn default() -> Self {
        Pacing::Documented {
            window: Duration::from_secs(60),
        }
    }
}

/// A sliding-window log per endpoint and tenant (the platform counts per
/// endpoint, per app, per tenant; a client is one app): at most `limit`
/// calls start in any `window`. That is the server's own rule, so throughput
/// stays at the limit.
#[derive(Debug, Default)]
pub(crate) struct Pacer {
    calls: Mutex<HashMap<(&'static str, String), VecDeque<Instant>>>,
}

impl Pacer {
    /// Waits until a call to `endpoint` fits in its window, and records it.
    pub(crate) async fn acquire(
        &self,
        pacing: Pacing,
        endpoint: &EndpointDescriptor,
        tenant_key: Option<&str>,
    ) {
        let (limit, window) = match pacing {
            Pacing::Off => return,
            Pacing::Documented { window } => match endpoint.rate_limit.and_then(|l| l.per_minute) {
                Some(per_minute) => (per_minute as usize, window),
                None => return,
            },
            Pacing::Custom { calls, window } => (calls as usize, window),
        };
        if limit == 0 {
            return;
        }
        // The server sees a call slightly after the client sends it; keep a
        // small margin so the server's window never holds one call too many.
        let window =
            window + (window / 100).clamp(Duration::from_millis(5), Duration::from_millis(250));
        loop {
            let wait = {
                let mut calls = self.calls.lock().unwrap_or_else(|e| e.into_inner());
                let log = calls
                    .entry((endpoint.id, tenant_key.unwrap_or_default().to_owned()))
                    .or_default();
                let now = Instant::now();
                while log
                    .front()
                    .is_some_and(|&t| now.duration_since(t) >= window)
                {
                    log.pop_front();
                }
                if log.len() < limit {
                    log.push_back(now);
                    return;
                }
                window - now.duration_since(log[0])
            };
            tracing::debug!(
                endpoint = endpoint.id,
                wait_ms = wait.as_millis() as u64,
                "pacing"
            );
            tokio::time::sleep(wait).await;
        }
    }
}
