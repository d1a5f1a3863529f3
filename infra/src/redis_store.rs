//! The Redis connection shared by rate limits, idempotency keys and caches. With no
//! `REDIS_URL` the process runs with in-process twins instead (single node only).

use std::time::Duration;

use redis::aio::ConnectionManager;

#[derive(Clone)]
pub struct RedisStore {
    connection: ConnectionManager,
    /// Every key starts with this: `driehoek:<deployment id>:`.
    prefix: String,
}

impl RedisStore {
    /// Checks the URL and opens a managed connection that reconnects by itself. Keys
    /// are kept apart per `deployment`, so deployments sharing a Redis never meet.
    pub async fn connect(url: &str, deployment: uuid::Uuid) -> Result<Self, String> {
        let client =
            redis::Client::open(url).map_err(|e| format!("REDIS_URL is not a Redis URL: {e}"))?;
        let connect = ConnectionManager::new(client);
        let connection = tokio::time::timeout(Duration::from_secs(5), connect)
            .await
            .map_err(|_| "Redis did not answer within 5 s".to_owned())?
            .map_err(|e| format!("cannot connect to Redis: {e}"))?;
        Ok(Self {
            connection,
            prefix: format!("driehoek:{}:", deployment.simple()),
        })
    }

    /// `Ok` when Redis answers a PING within a second.
    pub async fn ping(&self) -> Result<(), String> {
        let mut connection = self.connection.clone();
        let command = redis::cmd("PING");
        let ping = command.query_async::<String>(&mut connection);
        match tokio::time::timeout(Duration::from_secs(1), ping).await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) => Err(e.to_string()),
            Err(_) => Err("no answer within 1 s".to_owned()),
        }
    }

    pub fn connection(&self) -> ConnectionManager {
        self.connection.clone()
    }

    /// `name` in this deployment's key space.
    pub fn key(&self, name: &str) -> String {
        format!("{}{name}", self.prefix)
    }

    /// Counts one hit on `bucket` in its window of `window_secs` seconds, atomically and
    /// in one round trip: the count so far and the seconds until the window ends.
    pub async fn count_hit(&self, bucket: &str, window_secs: u32) -> Result<(u64, u32), String> {
        // INCR, and on the window's first hit EXPIRE, in one script: no counter is ever
        // left without an expiry. EVAL rather than EVALSHA: the script is short.
        const SCRIPT: &str = "local n = redis.call('INCR', KEYS[1]) \
            if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end \
            return {n, redis.call('TTL', KEYS[1])}";
        let mut connection = self.connection.clone();
        let (count, ttl): (u64, i64) = redis::cmd("EVAL")
            .arg(SCRIPT)
            .arg(1)
            .arg(self.key(bucket))
            .arg(window_secs)
            .query_async(&mut connection)
            .await
            .map_err(|e| e.to_string())?;
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
        let mut connection = self.connection.clone();
        redis::cmd("EVAL")
            .arg(SCRIPT)
            .arg(1)
            .arg(self.key(key))
            .arg(record)
            .arg(ttl_secs)
            .query_async(&mut connection)
            .await
            .map_err(|e| e.to_string())
    }

    /// Stores `record` under `key` for `ttl_secs`, replacing what was there.
    pub async fn put(&self, key: &str, record: &str, ttl_secs: u32) -> Result<(), String> {
        let mut connection = self.connection.clone();
        redis::cmd("SET")
            .arg(self.key(key))
            .arg(record)
            .arg("EX")
            .arg(ttl_secs)
            .query_async::<()>(&mut connection)
            .await
            .map_err(|e| e.to_string())
    }

    pub async fn remove(&self, key: &str) -> Result<(), String> {
        let mut connection = self.connection.clone();
        redis::cmd("DEL")
            .arg(self.key(key))
            .query_async::<()>(&mut connection)
            .await
            .map_err(|e| e.to_string())
    }

    pub async fn get(&self, key: &str) -> Result<Option<String>, String> {
        let mut connection = self.connection.clone();
        redis::cmd("GET")
            .arg(self.key(key))
            .query_async(&mut connection)
            .await
            .map_err(|e| e.to_string())
    }
}
