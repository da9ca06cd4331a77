//! The token cache on Redis, with a lock that makes a fetch single-flight
//! across processes.

use std::collections::HashMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures_util::future::BoxFuture;

use super::{Redis, unique_id};
use crate::Secret;
use crate::auth::{CachedToken, MemoryTokenCache, TokenCache};

/// Deletes a key only if it still holds `ARGV[1]` in field `ARGV[2]` (a hash)
/// or as its value (a string).
const DELETE_IF: &str = r"
local current
if ARGV[2] ~= '' then
  current = redis.call('HGET', KEYS[1], ARGV[2])
else
  current = redis.call('GET', KEYS[1])
end
if current == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
";

/// Tokens kept in Redis, shared by every process of the app: a hash per
/// token key (`token`, `refresh_at`, `expires_at` in ms), expiring with the
/// token; `<key>:lock` is held while one process fetches.
///
/// While Redis is unreachable, each process keeps to a copy in memory and
/// `lock` grants the fetch: each process then fetches its own token (one
/// fetch at a time per process).
#[derive(Debug, Clone)]
pub struct RedisTokenCache {
    redis: Redis,
    local: std::sync::Arc<MemoryTokenCache>,
}

fn millis(at: SystemTime) -> u64 {
    at.duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

impl RedisTokenCache {
    /// The cache on `redis`.
    pub fn new(redis: Redis) -> RedisTokenCache {
        RedisTokenCache {
            redis,
            local: Default::default(),
        }
    }
}

impl TokenCache for RedisTokenCache {
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Option<CachedToken>> {
        Box::pin(async move {
            let Some(fields) = self
                .redis
                .run("reading a token", |mut conn| async move {
                    ::redis::cmd("HGETALL")
                        .arg(key)
                        .query_async::<HashMap<String, String>>(&mut conn)
                        .await
                })
                .await
            else {
                return self.local.get(key).await;
            };
            let at = |name: &str| {
                let ms = fields.get(name)?.parse::<u64>().ok()?;
                UNIX_EPOCH.checked_add(Duration::from_millis(ms))
            };
            Some(CachedToken {
                token: Secret::new(fields.get("token")?.clone()),
                refresh_at: at("refresh_at")?,
                expires_at: at("expires_at")?,
            })
        })
    }

    fn set<'a>(&'a self, key: &'a str, token: CachedToken) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            self.local.set(key, token.clone()).await;
            let expires = millis(token.expires_at);
            self.redis
                .run("storing a token", |mut conn| async move {
                    ::redis::pipe()
                        .atomic()
                        .del(key)
                        .ignore()
                        .hset_multiple(
                            key,
                            &[
                                ("token", token.token.expose().to_owned()),
                                ("refresh_at", millis(token.refresh_at).to_string()),
                                ("expires_at", expires.to_string()),
                            ],
                        )
                        .ignore()
                        .cmd("PEXPIREAT")
                        .arg(key)
                        .arg(expires)
                        .ignore()
                        .query_async::<()>(&mut conn)
                        .await
                })
                .await;
        })
    }

    fn invalidate<'a>(&'a self, key: &'a str, stale: &'a Secret) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            self.local.invalidate(key, stale).await;
            self.redis
                .run("dropping a token", |mut conn| async move {
                    ::redis::Script::new(DELETE_IF)
                        .key(key)
                        .arg(stale.expose())
                        .arg("token")
                        .invoke_async::<i64>(&mut conn)
                        .await
                })
                .await;
        })
    }

    fn lock<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Option<String>> {
        Box::pin(async move {
            let owner = unique_id();
            let expiry = self.redis.lock_expiry.as_millis() as u64;
            let lock_key = format!("{key}:lock");
            let taken = self
                .redis
                .run("taking the token lock", |mut conn| {
                    let owner = owner.clone();
                    async move {
                        ::redis::cmd("SET")
                            .arg(&lock_key)
                            .arg(owner)
                            .arg("NX")
                            .arg("PX")
                            .arg(expiry)
                            .query_async::<Option<String>>(&mut conn)
                            .await
                    }
                })
                .await;
            match taken {
                Some(Some(_)) => Some(owner),
                Some(None) => None,
                // Redis failed: fetch in this process.
                None => Some(String::new()),
            }
        })
    }

    fn unlock<'a>(&'a self, key: &'a str, owner: &'a str) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            if owner.is_empty() {
                return;
            }
            let lock_key = format!("{key}:lock");
            self.redis
                .run("releasing the token lock", |mut conn| async move {
                    ::redis::Script::new(DELETE_IF)
                        .key(&lock_key)
                        .arg(owner)
                        .arg("")
                        .invoke_async::<i64>(&mut conn)
                        .await
                })
                .await;
        })
    }
}
