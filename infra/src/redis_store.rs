//! The Redis connection shared by rate limits, idempotency keys and caches. With no
//! `REDIS_URL` the process runs with in-process twins instead (single node only).
//!
//! Redis only makes things faster or shared; it never holds a request up. Every call
//! has a deadline (`DRIEHOEK_REDIS_TIMEOUT_MS`, 100 ms by default). A call that fails
//! or stalls — refused connections, a server that accepts and never answers, a server
//! that answers errors (a read-only replica, out of memory) — opens this node's
//! circuit: from then on every call fails at once, without touching the network, and
//! the callers work from local state and the database. The outage is logged once and
//! counted in `/metrics` (`driehoek_redis_outages_total`, `driehoek_redis_up`); a task
//! in the background writes a probe key, with the same deadline, at growing intervals
//! (100 ms to 2 s) until Redis takes it, and closes the circuit.
//!
//! While Redis answers, each node keeps itself in a set of live nodes
//! (`nodes`, refreshed every 10 s), so that in an outage a node can count its share of
//! a shared quota locally.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{ErrorKind, FromRedisValue, RedisError};
use uuid::Uuid;

/// What callers get while the circuit is open.
const CIRCUIT_OPEN: &str = "Redis is failing; the circuit is open";

const PROBE_MIN: Duration = Duration::from_millis(100);
const PROBE_MAX: Duration = Duration::from_secs(2);
const PRESENCE_EVERY: Duration = Duration::from_secs(10);
const PRESENCE_TTL_SECS: u32 = 30;

#[derive(Clone)]
pub struct RedisStore {
    connection: ConnectionManager,
    /// Every key starts with this: `driehoek:<deployment id>:`.
    prefix: String,
    deadline: Duration,
    circuit: Arc<Circuit>,
}

struct Circuit {
    open: AtomicBool,
    /// This node, in the set of live nodes.
    node: Uuid,
    /// Live nodes at the last count (at least 1).
    nodes: AtomicU32,
}

impl RedisStore {
    /// Checks the URL and sets up a managed connection that reconnects by itself. Keys
    /// are kept apart per `deployment`, so deployments sharing a Redis never meet.
    /// Redis need not answer yet: if it does not, the node starts with its circuit open.
    pub async fn connect(url: &str, deployment: Uuid, deadline: Duration) -> Result<Self, String> {
        let client =
            redis::Client::open(url).map_err(|e| format!("REDIS_URL is not a Redis URL: {e}"))?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(deadline))
            .set_response_timeout(Some(deadline))
            .set_number_of_retries(1);
        let connection = ConnectionManager::new_lazy_with_config(client, config)
            .map_err(|e| format!("REDIS_URL cannot be used: {e}"))?;
        let store = Self {
            connection,
            prefix: format!("driehoek:{}:", deployment.simple()),
            deadline,
            circuit: Arc::new(Circuit {
                open: AtomicBool::new(false),
                node: Uuid::new_v4(),
                nodes: AtomicU32::new(1),
            }),
        };
        metrics::gauge!("driehoek_redis_up").set(1.0);
        if let Err(error) = store.ping().await {
            tracing::warn!(%error, "Redis does not answer at start; serving from local state until it does");
        }
        tokio::spawn(store.clone().keep_presence());
        Ok(store)
    }

    /// `Ok` when Redis answers a PING within the deadline.
    pub async fn ping(&self) -> Result<(), String> {
        self.query::<String>(redis::cmd("PING")).await.map(drop)
    }

    /// Whether this node is working without Redis now.
    fn circuit_open(&self) -> bool {
        self.circuit.open.load(Ordering::Relaxed)
    }

    /// Live nodes sharing this Redis at the last count (1 when never counted).
    pub fn nodes(&self) -> u32 {
        self.circuit.nodes.load(Ordering::Relaxed).max(1)
    }

    /// `name` in this deployment's key space.
    pub fn key(&self, name: &str) -> String {
        format!("{}{name}", self.prefix)
    }

    /// Runs `command` within the deadline, unless the circuit is open. A failure or a
    /// stall opens the circuit.
    pub async fn query<T: FromRedisValue>(&self, command: redis::Cmd) -> Result<T, String> {
        if self.circuit_open() {
            return Err(CIRCUIT_OPEN.to_owned());
        }
        let mut connection = self.connection.clone();
        match tokio::time::timeout(self.deadline, command.query_async::<T>(&mut connection)).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(error)) => {
                if trips(&error) {
                    self.trip(&error.to_string());
                }
                Err(error.to_string())
            }
            Err(_) => {
                let why = format!("no answer within {} ms", self.deadline.as_millis());
                self.trip(&why);
                Err(why)
            }
        }
    }

    /// Opens the circuit, once per outage, and starts probing.
    fn trip(&self, why: &str) {
        if self.circuit.open.swap(true, Ordering::AcqRel) {
            return;
        }
        tracing::error!(
            error = why,
            "Redis fails; this node works from local state and the database until it answers"
        );
        metrics::counter!("driehoek_redis_outages_total").increment(1);
        metrics::gauge!("driehoek_redis_up").set(0.0);
        tokio::spawn(self.clone().probe());
    }

    /// Writes a probe key (a write, so a read-only or full Redis stays out) until it is
    /// taken, then closes the circuit.
    async fn probe(self) {
        let mut wait = PROBE_MIN;
        loop {
            tokio::time::sleep(wait).await;
            wait = (wait * 2).min(PROBE_MAX);
            let mut probe = redis::cmd("SET");
            probe.arg(self.key("probe")).arg(1).arg("EX").arg(5);
            let mut connection = self.connection.clone();
            let answer =
                tokio::time::timeout(self.deadline, probe.query_async::<()>(&mut connection));
            if let Ok(Ok(())) = answer.await {
                self.circuit.open.store(false, Ordering::Release);
                metrics::gauge!("driehoek_redis_up").set(1.0);
                tracing::warn!("Redis answers again; this node uses it again");
                return;
            }
        }
    }

    /// Keeps this node in the set of live nodes and counts them, every 10 s.
    async fn keep_presence(self) {
        // ZADD with the server's time, drop nodes silent for 30 s, count: one key, one
        // round trip.
        const SCRIPT: &str = "local now = tonumber(redis.call('TIME')[1]) \
            redis.call('ZADD', KEYS[1], now, ARGV[1]) \
            redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[2])) \
            redis.call('EXPIRE', KEYS[1], ARGV[2]) \
            return redis.call('ZCARD', KEYS[1])";
        let mut tick = tokio::time::interval(PRESENCE_EVERY);
        loop {
            tick.tick().await;
            let mut command = redis::cmd("EVAL");
            command
                .arg(SCRIPT)
                .arg(1)
                .arg(self.key("nodes"))
                .arg(self.circuit.node.simple().to_string())
                .arg(PRESENCE_TTL_SECS);
            if let Ok(nodes) = self.query::<u32>(command).await {
                self.circuit.nodes.store(nodes.max(1), Ordering::Relaxed);
            }
        }
    }

    /// Counts one hit on `bucket` in its window of `window_secs` seconds, atomically and
    /// in one round trip: the count so far and the seconds until the window ends.
    pub async fn count_hit(&self, bucket: &str, window_secs: u32) -> Result<(u64, u32), String> {
        // INCR, and on the window's first hit EXPIRE, in one script: no counter is ever
        // left without an expiry. EVAL rather than EVALSHA: the script is short.
        const SCRIPT: &str = "local n = redis.call('INCR', KEYS[1]) \
            if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end \
            return {n, redis.call('TTL', KEYS[1])}";
        let mut command = redis::cmd("EVAL");
        command
            .arg(SCRIPT)
            .arg(1)
            .arg(self.key(bucket))
            .arg(window_secs);
        let (count, ttl): (u64, i64) = self.query(command).await?;
        Ok((count, u32::try_from(ttl.max(0)).unwrap_or(window_secs)))
    }

    /// Stores `record` under `key` for `ttl_secs` unless something is stored there
    /// already, which it answers instead — atomically, in one round trip.
    pub async fn claim(
        &self,
        key: &str,
        record: &str,
        ttl_secs: u32,
    ) -> Result<Option<String>, String> {
        const SCRIPT: &str = "local v = redis.call('GET', KEYS[1]) \
            if v then return v end \
            redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2]) \
            return false";
        let mut command = redis::cmd("EVAL");
        command
            .arg(SCRIPT)
            .arg(1)
            .arg(self.key(key))
            .arg(record)
            .arg(ttl_secs);
        self.query(command).await
    }

    /// Stores `record` under `key` for `ttl_secs`, replacing what was there.
    pub async fn put(&self, key: &str, record: &str, ttl_secs: u32) -> Result<(), String> {
        let mut command = redis::cmd("SET");
        command
            .arg(self.key(key))
            .arg(record)
            .arg("EX")
            .arg(ttl_secs);
        self.query(command).await
    }

    pub async fn remove(&self, key: &str) -> Result<(), String> {
        let mut command = redis::cmd("DEL");
        command.arg(self.key(key));
        self.query(command).await
    }

    pub async fn get(&self, key: &str) -> Result<Option<String>, String> {
        let mut command = redis::cmd("GET");
        command.arg(self.key(key));
        self.query(command).await
    }
}

/// Whether an error says Redis is failing (rather than that this code read an answer
/// wrongly, which opening the circuit would not mend).
fn trips(error: &RedisError) -> bool {
    !matches!(
        error.kind(),
        ErrorKind::Parse | ErrorKind::UnexpectedReturnType
    )
}
