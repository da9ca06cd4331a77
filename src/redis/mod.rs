//! Tokens and the rate budget shared between processes through Redis
//! (cargo feature `redis`).
//!
//! Feishu's limits are per app, tenant and endpoint, not per process: several
//! processes of one app that pace alone exceed them together. With one
//! [`Redis`] given to each client ([`ClientBuilder::redis`](crate::ClientBuilder::redis)),
//! every process shares
//! - the token cache ([`RedisTokenCache`]), with a fetch that is single-flight
//!   across processes: a lock with an expiry, so a holder that dies blocks the
//!   others for one expiry at most;
//! - the pacer: the in-process pacer's sliding window (per app, tenant and
//!   endpoint; a slot starts its window when its call ends; limits the server
//!   announces are learned), kept by atomic Lua scripts on Redis's clock.
//!
//! When Redis goes away, each process paces and caches tokens on its own and
//! says so in a log line; when it is back (looked for once a second), it is
//! used again.
//!
//! ```no_run
//! # async fn demo() -> Result<(), feishu_perf::Error> {
//! use feishu_perf::prelude::*;
//!
//! let redis = feishu_perf::redis::Redis::connect("redis://127.0.0.1:6379/").await?;
//! let client = Client::builder().from_env()?.redis(redis).build()?;
//! # Ok(()) }
//! ```

mod pacing;
mod tokens;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ::redis::aio::{ConnectionManager, ConnectionManagerConfig};
use tokio::time::Instant;

use crate::error::Error;

pub(crate) use pacing::SharedWindows;
pub use tokens::RedisTokenCache;

/// How long a token-fetch lock lives unless released (default).
const LOCK_EXPIRY: Duration = Duration::from_secs(10);
/// How long an in-flight call holds its slot unless it ends (default).
const IN_FLIGHT_LEASE: Duration = Duration::from_secs(120);
/// How long Redis is left alone after a failure before it is tried again.
const RETRY_AFTER: Duration = Duration::from_secs(1);

/// A connection to the Redis that processes share tokens and rate budgets
/// through. Cheap to clone; reconnects by itself.
#[derive(Clone)]
pub struct Redis {
    conn: ConnectionManager,
    /// The URL without its password, for messages.
    url: String,
    lock_expiry: Duration,
    in_flight_lease: Duration,
    health: Arc<Health>,
}

impl std::fmt::Debug for Redis {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Redis")
            .field("url", &self.url)
            .field("lock_expiry", &self.lock_expiry)
            .field("in_flight_lease", &self.in_flight_lease)
            .finish_non_exhaustive()
    }
}

impl Redis {
    /// Connects to `url` (`redis://[:password@]host[:port][/db]`, or
    /// `rediss://` with TLS support compiled into the `redis` crate).
    pub async fn connect(url: &str) -> Result<Redis, Error> {
        let shown = redacted(url);
        let client = ::redis::Client::open(url)
            .map_err(|e| Error::Config(format!("Redis URL {shown}: {e}")))?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(1)))
            .set_response_timeout(Some(Duration::from_secs(2)))
            .set_number_of_retries(1);
        let conn = ConnectionManager::new_with_config(client, config)
            .await
            .map_err(|e| Error::Config(format!("Redis at {shown}: {e}")))?;
        Ok(Redis {
            conn,
            url: shown,
            lock_expiry: LOCK_EXPIRY,
            in_flight_lease: IN_FLIGHT_LEASE,
            health: Arc::new(Health::default()),
        })
    }

    /// How long a token-fetch lock lives unless its holder releases it
    /// (default 10 s): the longest a dead holder blocks the other processes.
    /// Longer than a token fetch takes; a fetch that outlives it only means a
    /// second fetch.
    pub fn lock_expiry(mut self, expiry: Duration) -> Redis {
        self.lock_expiry = expiry.max(Duration::from_millis(1));
        self
    }

    /// How long a call in flight holds its pacing slot unless it ends
    /// (default 2 minutes): the slot of a process that died mid-call frees a
    /// window after this. Keep it above the client's timeout.
    pub fn in_flight_lease(mut self, lease: Duration) -> Redis {
        self.in_flight_lease = lease.max(Duration::from_millis(1));
        self
    }

    /// The connection, for the event ids shared through this Redis.
    #[cfg(feature = "events")]
    pub(crate) fn connection(&self) -> ConnectionManager {
        self.conn.clone()
    }

    /// The token cache on this Redis.
    pub fn token_cache(&self) -> RedisTokenCache {
        RedisTokenCache::new(self.clone())
    }

    /// Whether to try Redis now (not within a second of a failure).
    fn usable(&self) -> bool {
        self.health.usable()
    }

    /// Runs a command, noting Redis's health; `None` when Redis failed.
    async fn run<T, F, Fut>(&self, what: &str, command: F) -> Option<T>
    where
        F: FnOnce(ConnectionManager) -> Fut,
        Fut: Future<Output = ::redis::RedisResult<T>>,
    {
        if !self.usable() {
            return None;
        }
        match command(self.conn.clone()).await {
            Ok(value) => {
                self.health.ok(&self.url);
                Some(value)
            }
            Err(error) => {
                self.health.failed(&self.url, what, &error);
                None
            }
        }
    }
}

/// Whether Redis answered last time, and when to try it again.
#[derive(Debug, Default)]
struct Health {
    down: AtomicBool,
    retry_at: Mutex<Option<Instant>>,
}

impl Health {
    fn usable(&self) -> bool {
        if !self.down.load(Ordering::Relaxed) {
            return true;
        }
        let mut retry_at = self.retry_at.lock().unwrap_or_else(|e| e.into_inner());
        match *retry_at {
            Some(at) if at > Instant::now() => false,
            // One caller probes; the others keep to the fallback meanwhile.
            _ => {
                *retry_at = Some(Instant::now() + RETRY_AFTER);
                true
            }
        }
    }

    fn ok(&self, url: &str) {
        if self.down.swap(false, Ordering::Relaxed) {
            tracing::warn!(
                redis = url,
                "Redis is reachable again: sharing tokens and pacing through it"
            );
        }
    }

    fn failed(&self, url: &str, what: &str, error: &::redis::RedisError) {
        *self.retry_at.lock().unwrap_or_else(|e| e.into_inner()) =
            Some(Instant::now() + RETRY_AFTER);
        if !self.down.swap(true, Ordering::Relaxed) {
            tracing::warn!(
                redis = url,
                "Redis failed ({what}: {error}): pacing and caching tokens in this process until it is back"
            );
        }
    }
}

/// `url` without its password.
fn redacted(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(mut parsed) => {
            if parsed.password().is_some() {
                let _ = parsed.set_password(Some("redacted"));
            }
            parsed.to_string()
        }
        Err(_) => "[unparsable URL]".to_owned(),
    }
}

/// A name no other process or call uses: a lock's owner, a pacing slot.
fn unique_id() -> String {
    static NONCE: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nonce = NONCE.get_or_init(|| {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        nanos ^ (u64::from(std::process::id()) << 40)
    });
    format!("{nonce:x}-{:x}", COUNTER.fetch_add(1, Ordering::Relaxed))
}

#[cfg(test)]
mod tests {
    #[test]
    fn passwords_never_show() {
        assert_eq!(
            super::redacted("redis://:hunter2@10.0.0.1:6380/2"),
            "redis://:redacted@10.0.0.1:6380/2"
        );
        assert_eq!(super::redacted("redis://127.0.0.1/"), "redis://127.0.0.1/");
        assert_ne!(super::unique_id(), super::unique_id());
    }
}
