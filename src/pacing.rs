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
/// endpoint, per app, per tenant; a client is one app): at most `limit` calls
/// in any `window`, the server's own rule, so throughput stays at the limit.
///
/// The server sees a call at some moment between the client sending it and
/// the answer coming back. A slot is therefore held from the start of a call
/// and starts its window only when the call ends: however long the call took,
/// the server never sees one call too many in its window.
#[derive(Debug, Default)]
pub(crate) struct Pacer {
    logs: Mutex<HashMap<(&'static str, String), Log>>,
}

#[derive(Debug, Default)]
struct Log {
    next_id: u64,
    /// Calls in the window: (id, when it ended; `None` while in flight).
    calls: VecDeque<(u64, Option<Instant>)>,
}

/// A call's place in its window; ending the call (dropping the permit) starts
/// the slot's window.
#[derive(Debug)]
pub(crate) struct Permit<'a> {
    pacer: &'a Pacer,
    key: Option<((&'static str, String), u64)>,
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        if let Some((key, id)) = self.key.take() {
            let mut logs = self.pacer.logs.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(call) = logs
                .get_mut(&key)
                .and_then(|log| log.calls.iter_mut().find(|(i, _)| *i == id))
            {
                call.1 = Some(Instant::now());
            }
        }
    }
}

impl Pacer {
    /// Waits until a call to `endpoint` fits in its window, and holds its slot
    /// until the returned permit is dropped.
    pub(crate) async fn acquire(
        &self,
        pacing: Pacing,
        endpoint: &EndpointDescriptor,
        tenant_key: Option<&str>,
    ) -> Permit<'_> {
        let unpaced = Permit {
            pacer: self,
            key: None,
        };
        let (limit, window) = match pacing {
            Pacing::Off => return unpaced,
            Pacing::Documented { window } => match endpoint.rate_limit.and_then(|l| l.per_minute) {
                Some(per_minute) => (per_minute as usize, window),
                None => return unpaced,
            },
            Pacing::Custom { calls, window } => (calls as usize, window),
        };
        if limit == 0 {
            return unpaced;
        }
        let key = (endpoint.id, tenant_key.unwrap_or_default().to_owned());
        loop {
            let wait = {
                let mut logs = self.logs.lock().unwrap_or_else(|e| e.into_inner());
                let log = logs.entry(key.clone()).or_default();
                let now = Instant::now();
                log.calls
                    .retain(|(_, ended)| ended.is_none_or(|t| now.duration_since(t) < window));
                if log.calls.len() < limit {
                    let id = log.next_id;
                    log.next_id += 1;
                    log.calls.push_back((id, None));
                    return Permit {
                        pacer: self,
                        key: Some((key, id)),
                    };
                }
                // The first slot to free up; while every call is in flight, look again shortly.
                log.calls
                    .iter()
                    .filter_map(|(_, ended)| *ended)
                    .map(|t| window.saturating_sub(now.duration_since(t)))
                    .min()
                    .unwrap_or(Duration::from_millis(5))
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

#[cfg(test)]
mod tests {
    use super::*;

    const ENDPOINT: EndpointDescriptor =
        feishu_perf_generated::performance::v2::QUERY_REVIEW_TEMPLATE;

    #[tokio::test(start_paused = true)]
    async fn a_slot_frees_a_window_after_its_call_ends() {
        let pacer = Pacer::default();
        let pacing = Pacing::Custom {
            calls: 2,
            window: Duration::from_secs(10),
        };
        let started = Instant::now();
        let first = pacer.acquire(pacing, &ENDPOINT, None).await;
        let second = pacer.acquire(pacing, &ENDPOINT, None).await;
        assert_eq!(
            started.elapsed(),
            Duration::ZERO,
            "a burst up to the limit does not wait"
        );
        // The first call takes 3 s; its slot is free 10 s after it ended.
        tokio::time::sleep(Duration::from_secs(3)).await;
        drop(first);
        drop(second);
        let _third = pacer.acquire(pacing, &ENDPOINT, None).await;
        assert_eq!(started.elapsed(), Duration::from_secs(13));
        // Another tenant has its own window.
        let _other = pacer.acquire(pacing, &ENDPOINT, Some("tenant-b")).await;
        assert_eq!(started.elapsed(), Duration::from_secs(13));
    }

    #[tokio::test(start_paused = true)]
    async fn off_and_undocumented_endpoints_never_wait() {
        let pacer = Pacer::default();
        let okr = feishu_perf_generated::okr::v1::PATCH_METRIC_SOURCE_TABLE_ITEM;
        let started = Instant::now();
        for _ in 0..100 {
            let _ = pacer.acquire(Pacing::Off, &ENDPOINT, None).await;
            let _ = pacer.acquire(Pacing::default(), &okr, None).await;
        }
        assert_eq!(started.elapsed(), Duration::ZERO);
    }
}
