//! The Redis connection shared by rate limits, idempotency keys and caches. With no
//! `REDIS_URL` the process runs with in-process twins instead (single node only).

use std::time::Duration;

use redis::aio::ConnectionManager;

#[derive(Clone)]
pub struct RedisStore {
    connection: ConnectionManager,
}

impl RedisStore {
    /// Checks the URL and opens a managed connection that reconnects by itself.
    pub async fn connect(url: &str) -> Result<Self, String> {
        let client =
            redis::Client::open(url).map_err(|e| format!("REDIS_URL is not a Redis URL: {e}"))?;
        let connect = ConnectionManager::new(client);
        let connection = tokio::time::timeout(Duration::from_secs(5), connect)
            .await
            .map_err(|_| "Redis did not answer within 5 s".to_owned())?
            .map_err(|e| format!("cannot connect to Redis: {e}"))?;
        Ok(Self { connection })
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
}
