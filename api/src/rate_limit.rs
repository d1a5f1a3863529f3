//! Rate limits per API key (DESIGN.md §3.6): a fixed one-minute window per key, counted
//! in Redis when configured (one atomic round trip, shared by every node) and in
//! process otherwise. If Redis fails or is slow (its store's deadline and circuit,
//! `redis_store`), the node counts locally for as long as the outage lasts, against its
//! share of the quota (the quota divided by the live nodes Redis last counted), and
//! counts the fallbacks in `/metrics`: no request fails or waits because Redis is down.

use std::collections::HashMap;
use std::sync::Mutex;

use async_trait::async_trait;
use driehoek_domain::clock::SharedClock;
use driehoek_infra::redis_store::RedisStore;

pub const WINDOW_SECS: u32 = 60;

/// One request's standing against its key's quota.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quota {
    pub limit: u32,
    pub remaining: u32,
    /// Seconds until the window ends and the count starts again.
    pub reset_secs: u32,
    pub exceeded: bool,
}

impl Quota {
    fn from_count(limit: u32, count: u64, reset_secs: u32) -> Self {
        let remaining = u64::from(limit).saturating_sub(count);
        Self {
            limit,
            remaining: u32::try_from(remaining).unwrap_or(u32::MAX),
            reset_secs: reset_secs.max(1),
            exceeded: count > u64::from(limit),
        }
    }

    /// `RateLimit-Policy` (draft-ietf-httpapi-ratelimit-headers).
    pub fn policy_header(&self) -> String {
        format!("\"default\";q={};w={WINDOW_SECS}", self.limit)
    }

    /// `RateLimit`.
    pub fn state_header(&self) -> String {
        format!("\"default\";r={};t={}", self.remaining, self.reset_secs)
    }
}

/// Counters shared by all nodes.
#[async_trait]
pub trait SharedCounters: Send + Sync {
    /// Counts a hit on `bucket`: the count in the current window and the seconds left.
    /// Answers, or fails, within the store's deadline.
    async fn count_hit(&self, bucket: &str, window_secs: u32) -> Result<(u64, u32), String>;

    /// The nodes sharing the counters at the last count (at least 1).
    fn nodes(&self) -> u32;
}

#[async_trait]
impl SharedCounters for RedisStore {
    async fn count_hit(&self, bucket: &str, window_secs: u32) -> Result<(u64, u32), String> {
        RedisStore::count_hit(self, bucket, window_secs).await
    }

    fn nodes(&self) -> u32 {
        RedisStore::nodes(self)
    }
}

/// This node's own counters, per bucket and window.
#[derive(Default)]
struct LocalCounters {
    windows: Mutex<HashMap<String, (u64, u64)>>,
}

impl LocalCounters {
    fn count_hit(&self, bucket: &str, now_secs: u64) -> (u64, u32) {
        let window = now_secs / u64::from(WINDOW_SECS);
        let reset =
            u32::try_from((window + 1) * u64::from(WINDOW_SECS) - now_secs).unwrap_or(WINDOW_SECS);
        let Ok(mut windows) = self.windows.lock() else {
            // A poisoned lock only means another request panicked mid-count.
            return (0, reset);
        };
        if windows.len() > 100_000 {
            windows.retain(|_, (w, _)| *w == window);
        }
        let entry = windows.entry(bucket.to_owned()).or_insert((window, 0));
        if entry.0 != window {
            *entry = (window, 0);
        }
        entry.1 += 1;
        (entry.1, reset)
    }
}

pub struct RateLimiter {
    shared: Option<Box<dyn SharedCounters>>,
    local: LocalCounters,
    /// Where the windows are counted from.
    clock: SharedClock,
}

impl RateLimiter {
    pub fn new(shared: Option<Box<dyn SharedCounters>>, clock: SharedClock) -> Self {
        Self {
            shared,
            local: LocalCounters::default(),
            clock,
        }
    }

    /// Counts one request of `key` against `limit` requests a minute.
    pub async fn hit(&self, key: &str, limit: u32) -> Quota {
        let now = u64::try_from(self.clock.now().timestamp()).unwrap_or(0);
        let window = now / u64::from(WINDOW_SECS);
        let bucket = format!("rate:{key}:{window}");
        let mut share = limit;
        if let Some(shared) = &self.shared {
            match shared.count_hit(&bucket, WINDOW_SECS).await {
                Ok((count, reset)) => return Quota::from_count(limit, count, reset),
                Err(_) => {
                    metrics::counter!("driehoek_redis_fallbacks_total", "service" => "rate_limits")
                        .increment(1);
                    share = limit.div_ceil(shared.nodes().max(1));
                }
            }
        }
        let (count, reset) = self.local.count_hit(&bucket, now);
        Quota::from_count(share, count, reset)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use driehoek_domain::clock::SystemClock;

    /// Redis failing, as its store reports it; `nodes` counted before it failed.
    struct Down {
        nodes: u32,
    }

    #[async_trait]
    impl SharedCounters for Down {
        async fn count_hit(&self, _: &str, _: u32) -> Result<(u64, u32), String> {
            Err("connection refused".to_owned())
        }

        fn nodes(&self) -> u32 {
            self.nodes
        }
    }

    #[tokio::test]
    async fn counts_up_to_the_limit_then_refuses() {
        let limiter = RateLimiter::new(None, SystemClock::shared());
        let quotas: Vec<Quota> =
            futures_util::future::join_all((0..4).map(|_| limiter.hit("k1", 3))).await;
        let remaining: Vec<u32> = quotas.iter().map(|q| q.remaining).collect();
        assert_eq!(remaining, [2, 1, 0, 0]);
        assert_eq!(quotas.iter().filter(|q| q.exceeded).count(), 1);
        assert!(
            !limiter.hit("k2", 3).await.exceeded,
            "each key its own count"
        );
        assert!(quotas[0].reset_secs >= 1 && quotas[0].reset_secs <= 60);
        assert_eq!(quotas[0].policy_header(), "\"default\";q=3;w=60");
    }

    #[tokio::test]
    async fn a_failing_redis_falls_back_to_local_counts_of_the_nodes_share() {
        let limiter = RateLimiter::new(Some(Box::new(Down { nodes: 1 })), SystemClock::shared());
        assert_eq!(limiter.hit("k", 2).await.remaining, 1);
        limiter.hit("k", 2).await;
        assert!(
            limiter.hit("k", 2).await.exceeded,
            "local counts still limit"
        );

        // Three nodes shared a quota of 7: each lets 3 through while Redis is down.
        let limiter = RateLimiter::new(Some(Box::new(Down { nodes: 3 })), SystemClock::shared());
        let quotas: Vec<Quota> =
            futures_util::future::join_all((0..4).map(|_| limiter.hit("k", 7))).await;
        let passed = quotas.iter().filter(|q| !q.exceeded).count();
        assert_eq!(passed, 3);
        assert_eq!(quotas[0].limit, 3, "the headers tell the node's share");
    }
}
