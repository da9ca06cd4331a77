//! Each event delivered once: the event ids seen within a window. Feishu delivers an event
//! again when it did not get a 200 in time, and may deliver it twice anyway; every delivery
//! of one event has the same `event_id` (the official command line removes repeats by
//! `event_id` over five minutes, the default here).
//!
//! An id is *claimed* before its handler runs and *released* if the handler fails, so
//! Feishu's retry of a failed delivery is handled, and a repeat that arrives while the first
//! is being handled is not.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The default window: five minutes.
pub const DEFAULT_WINDOW: Duration = Duration::from_secs(300);
/// The default bound on the ids held in memory.
pub const DEFAULT_CAPACITY: usize = 100_000;
/// The longest event id taken (Feishu's are 32 characters): a longer one is refused.
pub const MAX_EVENT_ID_LEN: usize = 256;

/// Where the ids seen are kept.
#[derive(Debug)]
pub struct Dedupe {
    inner: Inner,
}

#[derive(Debug)]
enum Inner {
    Memory(Memory),
    #[cfg(feature = "redis")]
    Redis(RedisWindow),
}

/// Whether an event id is new.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// First seen now: handle it.
    First,
    /// Seen within the window: a repeat.
    Seen,
}

impl Dedupe {
    /// The ids of this process, in memory: at most `capacity` of them, each for `window`.
    /// When more than `capacity` distinct events arrive within one window, the oldest ids
    /// are forgotten early, and a repeat of one of those would be delivered again.
    pub fn memory(window: Duration, capacity: usize) -> Dedupe {
        Dedupe {
            inner: Inner::Memory(Memory {
                window,
                capacity: capacity.max(1),
                state: Mutex::new(State::default()),
            }),
        }
    }

    /// The ids shared through Redis, so that replicas behind one URL agree: `SET NX` with the
    /// window as its expiry, under `prefix`.
    #[cfg(feature = "redis")]
    pub fn redis(redis: &crate::redis::Redis, prefix: &str, window: Duration) -> Dedupe {
        Dedupe {
            inner: Inner::Redis(RedisWindow {
                conn: redis.connection(),
                prefix: prefix.to_owned(),
                window,
            }),
        }
    }

    /// Claims `event_id`.
    pub async fn claim(&self, event_id: &str) -> Result<Claim, String> {
        match &self.inner {
            Inner::Memory(m) => Ok(m.claim(event_id, Instant::now())),
            #[cfg(feature = "redis")]
            Inner::Redis(r) => r.claim(event_id).await,
        }
    }

    /// Gives `event_id` back: its handler failed, and a retry is to be handled.
    pub async fn release(&self, event_id: &str) {
        match &self.inner {
            Inner::Memory(m) => m.release(event_id),
            #[cfg(feature = "redis")]
            Inner::Redis(r) => r.release(event_id).await,
        }
    }
}

impl Default for Dedupe {
    fn default() -> Dedupe {
        Dedupe::memory(DEFAULT_WINDOW, DEFAULT_CAPACITY)
    }
}

#[derive(Debug)]
struct Memory {
    window: Duration,
    capacity: usize,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    /// Each id held and when it was claimed.
    seen: HashMap<String, Instant>,
    /// Claims in the order they were made (a released id's entry stays until it expires).
    order: VecDeque<(Instant, String)>,
}

impl Memory {
    fn claim(&self, id: &str, now: Instant) -> Claim {
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        // Forget what left the window, and what is over capacity.
        while let Some((at, _)) = s.order.front() {
            let expired = now.saturating_duration_since(*at) >= self.window;
            if !expired && s.order.len() < self.capacity {
                break;
            }
            let (at, old) = s.order.pop_front().expect("non-empty");
            if s.seen.get(&old) == Some(&at) {
                s.seen.remove(&old);
            }
        }
        if s.seen.contains_key(id) {
            return Claim::Seen;
        }
        s.seen.insert(id.to_owned(), now);
        s.order.push_back((now, id.to_owned()));
        Claim::First
    }

    fn release(&self, id: &str) {
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        s.seen.remove(id);
    }
}

#[cfg(feature = "redis")]
struct RedisWindow {
    conn: ::redis::aio::ConnectionManager,
    prefix: String,
    window: Duration,
}

#[cfg(feature = "redis")]
impl std::fmt::Debug for RedisWindow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisWindow")
            .field("prefix", &self.prefix)
            .field("window", &self.window)
            .finish_non_exhaustive()
    }
}

#[cfg(feature = "redis")]
impl RedisWindow {
    fn key(&self, id: &str) -> String {
        format!("{}{id}", self.prefix)
    }

    async fn claim(&self, id: &str) -> Result<Claim, String> {
        let mut conn = self.conn.clone();
        let set: Option<String> = ::redis::cmd("SET")
            .arg(self.key(id))
            .arg(1)
            .arg("NX")
            .arg("PX")
            .arg(self.window.as_millis().max(1) as u64)
            .query_async(&mut conn)
            .await
            .map_err(|e| format!("Redis: {e}"))?;
        Ok(if set.is_some() {
            Claim::First
        } else {
            Claim::Seen
        })
    }

    async fn release(&self, id: &str) {
        let mut conn = self.conn.clone();
        let _: Result<i64, _> = ::redis::cmd("DEL")
            .arg(self.key(id))
            .query_async(&mut conn)
            .await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_is_new_once_within_the_window_and_again_after_it() {
        let m = Memory {
            window: Duration::from_secs(300),
            capacity: 10,
            state: Mutex::default(),
        };
        let t0 = Instant::now();
        assert_eq!(m.claim("a", t0), Claim::First);
        assert_eq!(m.claim("a", t0 + Duration::from_secs(299)), Claim::Seen);
        assert_eq!(m.claim("a", t0 + Duration::from_secs(300)), Claim::First);
    }

    #[test]
    fn a_released_id_is_new_again_and_memory_stays_bounded() {
        let m = Memory {
            window: Duration::from_secs(300),
            capacity: 3,
            state: Mutex::default(),
        };
        let t0 = Instant::now();
        assert_eq!(m.claim("a", t0), Claim::First);
        m.release("a");
        assert_eq!(m.claim("a", t0), Claim::First);
        for i in 0..1000 {
            m.claim(&format!("id{i}"), t0);
        }
        let s = m.state.lock().unwrap();
        assert!(s.seen.len() <= 3 && s.order.len() <= 3, "{}", s.order.len());
    }
}
