//! The pacer's sliding window on Redis, shared by every process of an app.

use std::sync::LazyLock;
use std::time::Duration;

use super::{Redis, unique_id};
use crate::pacing::{Announced, Busy, LocalWindows, PaceKey, Window, learned_window};

static ACQUIRE: LazyLock<::redis::Script> =
    LazyLock::new(|| ::redis::Script::new(include_str!("acquire.lua")));
static END: LazyLock<::redis::Script> =
    LazyLock::new(|| ::redis::Script::new(include_str!("end.lua")));

/// Calls remembered per key while no limit is known (as in this process).
const UNLIMITED_LOG: u64 = 10_000;

/// The windows of one app on Redis (`feishu-perf:pace:<app>:<endpoint>:<tenant>`
/// and its `:announced` hash), with the rule of [`LocalWindows`].
#[derive(Debug, Clone)]
pub(crate) struct SharedWindows {
    redis: Redis,
    app_id: String,
}

impl SharedWindows {
    pub(crate) fn new(redis: Redis, app_id: &str) -> SharedWindows {
        SharedWindows {
            redis,
            app_id: app_id.to_owned(),
        }
    }

    fn keys(&self, key: &PaceKey) -> (String, String) {
        let log = format!(
            "feishu-perf:pace:{}:{}:{}",
            self.app_id, key.endpoint, key.tenant
        );
        let announced = format!("{log}:announced");
        (log, announced)
    }

    /// A slot (its member name) or how long to wait; `None` when Redis failed.
    pub(crate) async fn try_acquire(
        &self,
        key: &PaceKey,
        windows: &[Window],
    ) -> Option<Result<String, Busy>> {
        let (log, announced) = self.keys(key);
        let member = unique_id();
        let lease = self.redis.in_flight_lease.as_millis() as u64;
        let answer: Vec<i64> = self
            .redis
            .run("pacing", |mut conn| {
                let member = member.clone();
                async move {
                    let mut script = ACQUIRE.key(&log);
                    script
                        .key(&announced)
                        .arg(lease)
                        .arg(member)
                        .arg(UNLIMITED_LOG)
                        .arg(learned_window(windows) + 1);
                    for w in windows {
                        script
                            .arg(w.limit.unwrap_or(0))
                            .arg(w.window.as_millis().max(1) as u64);
                    }
                    script.invoke_async(&mut conn).await
                }
            })
            .await?;
        let wait = |ms: i64| Duration::from_millis(ms.clamp(1, 3_600_000) as u64);
        match answer.as_slice() {
            [0, ..] => Some(Ok(member)),
            [2, ms, ..] => Some(Err(Busy::Hold(wait(*ms)))),
            [_, ms, ..] => Some(Err(Busy::Queue(wait(*ms)))),
            _ => Some(Err(Busy::Queue(Duration::from_millis(5)))),
        }
    }

    /// The call holding `member` has ended: its slot starts its window, and
    /// what the server announced is learned (also by `local`, for a fallback).
    pub(crate) async fn end(
        &self,
        key: &PaceKey,
        member: &str,
        window: Duration,
        announced: Announced,
        local: &LocalWindows,
    ) {
        if announced.limit.is_some() || announced.blocked_for.is_some() {
            local.learn(key, announced);
        }
        let (log, announced_key) = self.keys(key);
        let lease = self.redis.in_flight_lease.as_millis() as u64;
        self.redis
            .run("ending a paced call", |mut conn| async move {
                END.key(&log)
                    .key(&announced_key)
                    .arg(member)
                    .arg(window.as_millis().max(1) as u64)
                    .arg(lease)
                    .arg(announced.limit.unwrap_or(0))
                    .arg(
                        announced
                            .blocked_for
                            .map_or(0, |d| d.as_millis().max(1) as u64),
                    )
                    .invoke_async::<i64>(&mut conn)
                    .await
            })
            .await;
    }
}
