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
    /// Each endpoint's documented limits: its per-minute limit per `window`
    /// (the platform's window is one minute; a shorter one suits a sandbox
    /// started with `--rate-window`), and its per-second limit per a sixtieth
    /// of `window`. An endpoint with both is held to both (REFERENCE.md:
    /// hitting either triggers it).
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

// The longest wait a 429's `x-ogw-ratelimit-reset` can impose is the client's
// one clamp, `response::MAX_RESET` (five minutes).
#[cfg(test)]
use crate::response::MAX_RESET;
/// The largest limit taken from `x-ogw-ratelimit-limit` (a larger one is ignored).
const MAX_ANNOUNCED_LIMIT: u32 = 1_000_000;
/// Calls remembered per endpoint and tenant while no limit is known, so that a
/// limit learned later counts the calls already made.
const UNLIMITED_LOG: usize = 10_000;

/// What a server said about its limit in one answer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Announced {
    /// `x-ogw-ratelimit-limit`: calls allowed per window.
    pub(crate) limit: Option<u32>,
    /// The `x-ogw-ratelimit-reset` of a 429: no call before this has passed.
    pub(crate) blocked_for: Option<Duration>,
}

impl Announced {
    /// Reads an answer's rate-limit headers. Values out of range are ignored
    /// (a reset is clamped to an hour), never trusted and never a panic.
    pub(crate) fn from_response(status: u16, headers: &reqwest::header::HeaderMap) -> Announced {
        // The client's one header parser: non-numbers, negatives and NaN ignored, logged.
        let limit = crate::response::header_number(headers, "x-ogw-ratelimit-limit", f64::MAX)
            .filter(|l| l.fract() == 0.0 && (1.0..=f64::from(MAX_ANNOUNCED_LIMIT)).contains(l))
            .map(|l| l as u32);
        let blocked_for = (status == 429)
            .then(|| crate::response::ratelimit_reset(headers))
            .flatten()
            .filter(|reset| !reset.is_zero());
        Announced { limit, blocked_for }
    }

    fn is_empty(&self) -> bool {
        self.limit.is_none() && self.blocked_for.is_none()
    }
}

/// The limit in force: the configured one (documented or custom), lowered
/// to a limit the server announced; none while neither is known. The Redis
/// script applies the same rule.
pub(crate) fn effective_limit(configured: Option<u32>, learned: Option<u32>) -> Option<u32> {
    match (configured.filter(|&c| c > 0), learned) {
        (Some(c), Some(l)) => Some(c.min(l)),
        (c, l) => c.or(l),
    }
}

/// One limit of a key: at most `limit` calls (none: no limit of its own) in
/// any `window`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Window {
    pub(crate) limit: Option<u32>,
    pub(crate) window: Duration,
}

/// Which of `windows` a limit the server announces applies to: its
/// `x-ogw-ratelimit-limit` names no window, so the first with a documented
/// (configured) limit, or else the first (the minute, the platform's window).
pub(crate) fn learned_window(windows: &[Window]) -> usize {
    windows.iter().position(|w| w.limit.is_some()).unwrap_or(0)
}

/// The windows a call to `endpoint` is paced by, longest first.
pub(crate) fn windows(pacing: Pacing, endpoint: &EndpointDescriptor) -> Vec<Window> {
    match pacing {
        Pacing::Off => Vec::new(),
        Pacing::Custom { calls, window } => vec![Window {
            limit: Some(calls),
            window,
        }],
        Pacing::Documented { window } => {
            let documented = endpoint.rate_limit;
            let mut out = vec![Window {
                limit: documented.and_then(|l| l.per_minute),
                window,
            }];
            if let Some(per_second) = documented.and_then(|l| l.per_second) {
                out.push(Window {
                    limit: Some(per_second),
                    window: window / 60,
                });
            }
            out
        }
    }
}

/// Calls are paced per app, endpoint and tenant (the platform counts per
/// endpoint, per app, per tenant; a client is one app).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct PaceKey {
    pub(crate) endpoint: &'static str,
    pub(crate) tenant: String,
}

/// Why a call cannot have a slot yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Busy {
    /// Its windows are full: ask again after this long (queueing behind other calls).
    Queue(Duration),
    /// A 429's reset holds the key this long: no call before it has passed.
    Hold(Duration),
}

/// A sliding-window log per endpoint and tenant in this process: at most the
/// limit in force in any of its windows (a minute, and a second where an
/// endpoint has a per-second limit), the server's own rule, so throughput
/// stays at the limit. One log serves every window of a key.
///
/// The server sees a call at some moment between the client sending it and
/// the answer coming back. A slot is therefore held from the start of a call
/// and starts its window only when the call ends: however long the call took,
/// the server never sees one call too many in its window. A limit the server
/// announces is learned, and a 429's reset blocks the key until it has passed.
#[derive(Debug, Default)]
pub(crate) struct LocalWindows {
    logs: Mutex<HashMap<PaceKey, Log>>,
}

#[derive(Debug, Default)]
struct Log {
    next_id: u64,
    /// Calls in the window: (id, when it ended; `None` while in flight).
    calls: VecDeque<(u64, Option<Instant>)>,
    /// The limit the server announced.
    learned: Option<u32>,
    /// No call before this (a 429's reset).
    blocked_until: Option<Instant>,
}

impl LocalWindows {
    /// A slot for a call under `key` (its id) in every one of `windows`, or
    /// how long to wait before asking again. `windows` is never empty.
    pub(crate) fn try_acquire(&self, key: &PaceKey, windows: &[Window]) -> Result<u64, Busy> {
        let mut logs = self.logs.lock().unwrap_or_else(|e| e.into_inner());
        let log = match logs.get_mut(key) {
            Some(log) => log,
            None => logs.entry(key.clone()).or_default(),
        };
        let now = Instant::now();
        if let Some(until) = log.blocked_until {
            if until > now {
                return Err(Busy::Hold(until - now));
            }
            log.blocked_until = None;
        }
        let longest = windows.iter().map(|w| w.window).max().unwrap_or_default();
        log.calls
            .retain(|(_, ended)| ended.is_none_or(|t| now.duration_since(t) < longest));
        let learns = learned_window(windows);
        let limits: Vec<(Option<usize>, Duration)> = windows
            .iter()
            .enumerate()
            .map(|(i, w)| {
                let learned = if i == learns { log.learned } else { None };
                (
                    effective_limit(w.limit, learned).map(|l| l as usize),
                    w.window,
                )
            })
            .collect();
        let in_window = |window: Duration| {
            log.calls
                .iter()
                .filter(|(_, ended)| ended.is_none_or(|t| now.duration_since(t) < window))
                .count()
        };
        let full: Vec<Duration> = limits
            .iter()
            .filter(|(limit, window)| limit.is_some_and(|limit| in_window(*window) >= limit))
            .map(|(_, window)| *window)
            .collect();
        if full.is_empty() {
            let id = log.next_id;
            log.next_id += 1;
            log.calls.push_back((id, None));
            if limits.iter().all(|(limit, _)| limit.is_none()) && log.calls.len() > UNLIMITED_LOG {
                log.calls.pop_front();
            }
            return Ok(id);
        }
        // Each full window frees up when its first ended call leaves it (while
        // every call in it is in flight, look again shortly); the call waits
        // for the last of them.
        Err(Busy::Queue(
            full.iter()
                .map(|&window| {
                    log.calls
                        .iter()
                        .filter_map(|(_, ended)| *ended)
                        .filter(|t| now.duration_since(*t) < window)
                        .map(|t| window.saturating_sub(now.duration_since(t)))
                        .min()
                        .unwrap_or(Duration::from_millis(5))
                })
                .max()
                .unwrap_or(Duration::from_millis(5)),
        ))
    }

    /// Notes a call paced elsewhere (through Redis), so that pacing here, if
    /// Redis goes away, counts it.
    #[cfg(feature = "redis")]
    pub(crate) fn record(&self, key: &PaceKey) -> u64 {
        let mut logs = self.logs.lock().unwrap_or_else(|e| e.into_inner());
        let log = logs.entry(key.clone()).or_default();
        let id = log.next_id;
        log.next_id += 1;
        log.calls.push_back((id, None));
        if log.calls.len() > UNLIMITED_LOG {
            log.calls.pop_front();
        }
        id
    }

    /// The call holding slot `id` has ended: the slot starts its window now.
    pub(crate) fn release(&self, key: &PaceKey, id: u64) {
        let mut logs = self.logs.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(call) = logs
            .get_mut(key)
            .and_then(|log| log.calls.iter_mut().find(|(i, _)| *i == id))
        {
            call.1 = Some(Instant::now());
        }
    }

    /// Learns what a server announced for `key`.
    pub(crate) fn learn(&self, key: &PaceKey, announced: Announced) {
        let mut logs = self.logs.lock().unwrap_or_else(|e| e.into_inner());
        let log = logs.entry(key.clone()).or_default();
        if let Some(limit) = announced.limit {
            log.learned = Some(limit);
        }
        if let Some(wait) = announced.blocked_for {
            let until = Instant::now() + wait;
            log.blocked_until = Some(log.blocked_until.map_or(until, |u| u.max(until)));
        }
    }
}

/// Paces calls: in this process, or, with a shared store (Redis), across
/// every process of the same app.
#[derive(Debug, Default)]
pub(crate) struct Pacer {
    local: LocalWindows,
    #[cfg(feature = "redis")]
    shared: Option<crate::redis::SharedWindows>,
}

/// Where a permit's slot is held.
#[derive(Debug)]
enum Slot {
    Local(u64),
    /// The slot in Redis, its longest window, and the call's record in this process.
    #[cfg(feature = "redis")]
    Shared(String, Duration, u64),
}

/// A call's place in its window; ending the call ([`Permit::end`], or dropping
/// the permit) starts the slot's window.
#[derive(Debug)]
pub(crate) struct Permit<'a> {
    pacer: &'a Pacer,
    key: PaceKey,
    slot: Option<Slot>,
    announced: Announced,
}

impl Permit<'_> {
    /// Notes what the answer said about the server's limit (learned when the call ends).
    pub(crate) fn observe(&mut self, status: u16, headers: &reqwest::header::HeaderMap) {
        if self.slot.is_some() {
            self.announced = Announced::from_response(status, headers);
        }
    }

    /// The call has ended: learns what the server announced and starts the
    /// slot's window.
    pub(crate) async fn end(mut self) {
        let announced = std::mem::take(&mut self.announced);
        match self.slot.take() {
            None => {}
            Some(Slot::Local(id)) => {
                if !announced.is_empty() {
                    self.pacer.local.learn(&self.key, announced);
                }
                self.pacer.local.release(&self.key, id);
            }
            #[cfg(feature = "redis")]
            Some(Slot::Shared(member, window, id)) => {
                self.pacer.local.release(&self.key, id);
                if let Some(shared) = &self.pacer.shared {
                    shared
                        .end(&self.key, &member, window, announced, &self.pacer.local)
                        .await;
                }
            }
        }
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        match self.slot.take() {
            None => {}
            Some(Slot::Local(id)) => self.pacer.local.release(&self.key, id),
            #[cfg(feature = "redis")]
            Some(Slot::Shared(member, window, id)) => {
                self.pacer.local.release(&self.key, id);
                // A call abandoned mid-flight: release its slot in the background.
                if let (Some(shared), Ok(runtime)) =
                    (&self.pacer.shared, tokio::runtime::Handle::try_current())
                {
                    let shared = shared.clone();
                    let key = self.key.clone();
                    runtime.spawn(async move {
                        let local = LocalWindows::default();
                        shared
                            .end(&key, &member, window, Announced::default(), &local)
                            .await;
                    });
                }
            }
        }
    }
}

impl Pacer {
    /// Paces through a store shared with other processes.
    #[cfg(feature = "redis")]
    pub(crate) fn shared(shared: crate::redis::SharedWindows) -> Pacer {
        Pacer {
            local: LocalWindows::default(),
            shared: Some(shared),
        }
    }

    /// Waits until a call to `endpoint` fits in its window, holds included,
    /// and holds its slot until the returned permit ends.
    #[cfg(test)]
    pub(crate) async fn acquire(
        &self,
        pacing: Pacing,
        endpoint: &EndpointDescriptor,
        tenant_key: Option<&str>,
    ) -> Permit<'_> {
        loop {
            match self.acquire_unless_held(pacing, endpoint, tenant_key).await {
                Ok(permit) => return permit,
                Err(hold) => tokio::time::sleep(hold).await,
            }
        }
    }

    /// Waits until a call to `endpoint` fits in its window (queueing behind
    /// other calls), and holds its slot until the returned permit ends; or,
    /// while a 429's reset holds the endpoint, returns at once how long the
    /// hold lasts, for the caller to decide whether its call can wait that long.
    pub(crate) async fn acquire_unless_held(
        &self,
        pacing: Pacing,
        endpoint: &EndpointDescriptor,
        tenant_key: Option<&str>,
    ) -> Result<Permit<'_>, Duration> {
        let key = PaceKey {
            endpoint: endpoint.id,
            tenant: tenant_key.unwrap_or_default().to_owned(),
        };
        let windows = windows(pacing, endpoint);
        if windows.is_empty() {
            return Ok(Permit {
                pacer: self,
                key,
                slot: None,
                announced: Announced::default(),
            });
        }
        loop {
            let turn = self.try_acquire(&key, &windows).await;
            match turn {
                Ok(slot) => {
                    return Ok(Permit {
                        pacer: self,
                        key,
                        slot: Some(slot),
                        announced: Announced::default(),
                    });
                }
                Err(Busy::Hold(hold)) => return Err(hold),
                Err(Busy::Queue(wait)) => {
                    tracing::debug!(
                        endpoint = endpoint.id,
                        wait_ms = wait.as_millis() as u64,
                        "pacing"
                    );
                    tokio::time::sleep(wait).await;
                }
            }
        }
    }

    async fn try_acquire(&self, key: &PaceKey, windows: &[Window]) -> Result<Slot, Busy> {
        #[cfg(feature = "redis")]
        if let Some(shared) = &self.shared {
            match shared.try_acquire(key, windows).await {
                Some(Ok(member)) => {
                    let id = self.local.record(key);
                    let longest = windows.iter().map(|w| w.window).max().unwrap_or_default();
                    return Ok(Slot::Shared(member, longest, id));
                }
                Some(Err(wait)) => return Err(wait),
                // Redis is unreachable: pace in this process meanwhile.
                None => {}
            }
        }
        self.local.try_acquire(key, windows).map(Slot::Local)
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
        first.end().await;
        drop(second);
        let _third = pacer.acquire(pacing, &ENDPOINT, None).await;
        assert_eq!(started.elapsed(), Duration::from_secs(13));
        // Another tenant has its own window.
        let _other = pacer.acquire(pacing, &ENDPOINT, Some("tenant-b")).await;
        assert_eq!(started.elapsed(), Duration::from_secs(13));
    }

    #[test]
    fn the_limit_in_force_is_the_lower_of_configured_and_learned() {
        assert_eq!(effective_limit(None, None), None);
        assert_eq!(effective_limit(Some(0), None), None);
        assert_eq!(effective_limit(Some(10), None), Some(10));
        assert_eq!(effective_limit(None, Some(5)), Some(5));
        assert_eq!(effective_limit(Some(10), Some(5)), Some(5));
        assert_eq!(effective_limit(Some(10), Some(50)), Some(10));
    }

    fn headers(pairs: &[(&'static str, &str)]) -> reqwest::header::HeaderMap {
        pairs
            .iter()
            .map(|(k, v)| {
                (
                    reqwest::header::HeaderName::from_static(k),
                    reqwest::header::HeaderValue::from_str(v).unwrap(),
                )
            })
            .collect()
    }

    #[test]
    fn announced_limits_out_of_range_are_ignored_never_a_panic() {
        for bad in [
            "-1",
            "0",
            "NaN",
            "inf",
            "1e30",
            "99999999999999999999",
            "",
            "x",
        ] {
            let a = Announced::from_response(
                429,
                &headers(&[
                    ("x-ogw-ratelimit-limit", bad),
                    ("x-ogw-ratelimit-reset", bad),
                ]),
            );
            assert_eq!(a.limit, None, "{bad}");
            assert!(a.blocked_for.is_none_or(|d| d <= MAX_RESET), "{bad}");
        }
        let a = Announced::from_response(
            429,
            &headers(&[
                ("x-ogw-ratelimit-limit", " 7 "),
                ("x-ogw-ratelimit-reset", "1e30"),
            ]),
        );
        assert_eq!(a.limit, Some(7));
        assert_eq!(a.blocked_for, Some(MAX_RESET));
        // A reset on a success is no refusal.
        let a = Announced::from_response(200, &headers(&[("x-ogw-ratelimit-reset", "3")]));
        assert_eq!(a.blocked_for, None);
    }

    #[tokio::test(start_paused = true)]
    async fn a_learned_limit_paces_an_undocumented_endpoint_and_a_reset_blocks() {
        let pacer = Pacer::default();
        let okr = feishu_perf_generated::okr::v1::PATCH_METRIC_SOURCE_TABLE_ITEM;
        let pacing = Pacing::Documented {
            window: Duration::from_secs(10),
        };
        let started = Instant::now();
        // Three calls before the limit is known; the third is refused with a 1-s reset.
        let first = pacer.acquire(pacing, &okr, None).await;
        let second = pacer.acquire(pacing, &okr, None).await;
        let mut third = pacer.acquire(pacing, &okr, None).await;
        third.observe(
            429,
            &headers(&[
                ("x-ogw-ratelimit-limit", "2"),
                ("x-ogw-ratelimit-reset", "1"),
            ]),
        );
        first.end().await;
        second.end().await;
        third.end().await;
        assert_eq!(started.elapsed(), Duration::ZERO);
        // Three calls in the window, two allowed: the next waits for a window after they ended.
        let _fourth = pacer.acquire(pacing, &okr, None).await;
        assert_eq!(started.elapsed(), Duration::from_secs(10));
        // Another tenant is blocked by neither.
        let _other = pacer.acquire(pacing, &okr, Some("tenant-b")).await;
        assert_eq!(started.elapsed(), Duration::from_secs(10));
    }

    #[tokio::test(start_paused = true)]
    async fn a_refusal_blocks_its_key_until_the_reset() {
        let pacer = Pacer::default();
        let pacing = Pacing::Custom {
            calls: 100,
            window: Duration::from_secs(10),
        };
        let started = Instant::now();
        let mut refused = pacer.acquire(pacing, &ENDPOINT, None).await;
        refused.observe(429, &headers(&[("x-ogw-ratelimit-reset", "3")]));
        refused.end().await;
        let _next = pacer.acquire(pacing, &ENDPOINT, None).await;
        assert_eq!(started.elapsed(), Duration::from_secs(3));
    }

    /// `n` calls, each ended at once; the time the last one started.
    async fn calls(
        pacer: &Pacer,
        pacing: Pacing,
        endpoint: &EndpointDescriptor,
        n: usize,
    ) -> Duration {
        let started = Instant::now();
        let mut last = Duration::ZERO;
        for _ in 0..n {
            let permit = pacer.acquire(pacing, endpoint, None).await;
            last = started.elapsed();
            permit.end().await;
        }
        last
    }

    #[tokio::test(start_paused = true)]
    async fn a_per_second_limit_is_paced_per_second() {
        // metric_tags: 10 次/秒, no per-minute limit.
        let tags = feishu_perf_generated::performance::v2::LIST_METRIC_TAG;
        assert_eq!(tags.rate_limit.unwrap().per_second, Some(10));
        let pacer = Pacer::default();
        // 25 calls: ten at 0 s, ten at 1 s, five at 2 s.
        assert_eq!(
            calls(&pacer, Pacing::default(), &tags, 25).await,
            Duration::from_secs(2)
        );
        // A window scaled for a sandbox scales the second with it.
        let pacer = Pacer::default();
        let fast = Pacing::Documented {
            window: Duration::from_secs(6),
        };
        assert_eq!(
            calls(&pacer, fast, &tags, 25).await,
            Duration::from_millis(200)
        );
    }

    #[tokio::test(start_paused = true)]
    async fn an_endpoint_with_both_limits_is_held_to_both() {
        let both = EndpointDescriptor {
            rate_limit: Some(feishu_perf_core::RateLimit {
                per_minute: Some(15),
                per_second: Some(10),
            }),
            ..ENDPOINT
        };
        let pacer = Pacer::default();
        // Ten at 0 s, five at 1 s; the 16th waits for the minute after the first ended.
        assert_eq!(
            calls(&pacer, Pacing::default(), &both, 15).await,
            Duration::from_secs(1)
        );
        assert_eq!(
            calls(&pacer, Pacing::default(), &both, 1).await,
            Duration::from_secs(59)
        );
    }

    #[test]
    fn an_announced_limit_applies_to_the_documented_window() {
        let w = |limit, secs| Window {
            limit,
            window: Duration::from_secs(secs),
        };
        // Per second only: the announcement is about the second.
        assert_eq!(learned_window(&[w(None, 60), w(Some(10), 1)]), 1);
        // Per minute (with or without per second), or nothing documented: the minute.
        assert_eq!(learned_window(&[w(Some(15), 60), w(Some(10), 1)]), 0);
        assert_eq!(learned_window(&[w(None, 60)]), 0);
        let tags = feishu_perf_generated::performance::v2::LIST_METRIC_TAG;
        assert_eq!(
            windows(Pacing::default(), &tags),
            [w(None, 60), w(Some(10), 1)]
        );
        assert!(windows(Pacing::Off, &tags).is_empty());
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
