//! One Redis connection per process, shared by the denylist, the rate limiters and key-change notices: a
//! multiplexed connection that the manager re-establishes after a failure. Every call is bounded in time, so an
//! unreachable Redis costs a request at most [`TIMEOUT`] before the caller falls back or fails closed; after a
//! failure, calls fail at once for [`BACKOFF`] before Redis is tried again, so an outage never adds its timeout to every
//! request.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use redis::aio::{ConnectionManager, ConnectionManagerConfig};

/// The longest one Redis call may take, connecting included.
pub const TIMEOUT: Duration = Duration::from_millis(500);
/// How long calls fail at once after a failure, before Redis is tried again.
pub const BACKOFF: Duration = Duration::from_millis(500);

pub struct SharedRedis {
    client: redis::Client,
    manager: tokio::sync::OnceCell<ConnectionManager>,
    /// `redis_prefix`: every key is `{prefix}:…`.
    prefix: String,
    /// Milliseconds after `epoch` until which calls fail at once (0: Redis is believed up).
    down_until: AtomicU64,
    epoch: Instant,
}

impl SharedRedis {
    pub fn new(url: &str, prefix: &str) -> anyhow::Result<Self> {
        let client =
            redis::Client::open(url).map_err(|e| anyhow::anyhow!("redis_url is invalid: {e}"))?;
        Ok(Self {
            client,
            manager: tokio::sync::OnceCell::new(),
            prefix: prefix.to_owned(),
            down_until: AtomicU64::new(0),
            epoch: Instant::now(),
        })
    }

    /// The key `{prefix}:{name}`.
    pub fn key(&self, name: &str) -> String {
        format!("{}:{name}", self.prefix)
    }

    pub fn client(&self) -> &redis::Client {
        &self.client
    }

    /// Runs `call` on the shared connection, opening it first if needed; an error or [`TIMEOUT`] is an `Err`.
    pub async fn run<T>(
        &self,
        call: impl AsyncFnOnce(&mut ConnectionManager) -> redis::RedisResult<T>,
    ) -> anyhow::Result<T> {
        let now = self.epoch.elapsed().as_millis() as u64;
        let down_until = self.down_until.load(Ordering::Acquire);
        if now < down_until {
            return Err(anyhow::anyhow!("redis failed moments ago; not retried yet"));
        }
        let result = self.attempt(call).await;
        if result.is_err() {
            self.down_until.store(
                self.epoch.elapsed().as_millis() as u64 + BACKOFF.as_millis() as u64,
                Ordering::Release,
            );
        }
        result
    }

    /// Whether Redis answers a `PING` now (within [`TIMEOUT`]; at once "no" during the backoff after a failure).
    pub async fn ping(&self) -> bool {
        self.run(async |conn| redis::cmd("PING").query_async::<String>(conn).await)
            .await
            .is_ok()
    }

    async fn attempt<T>(
        &self,
        call: impl AsyncFnOnce(&mut ConnectionManager) -> redis::RedisResult<T>,
    ) -> anyhow::Result<T> {
        let attempt = async {
            let manager = self
                .manager
                .get_or_try_init(|| {
                    let config = ConnectionManagerConfig::new()
                        .set_connection_timeout(Some(TIMEOUT))
                        .set_response_timeout(Some(TIMEOUT))
                        .set_number_of_retries(1)
                        .set_max_delay(Duration::from_millis(200));
                    self.client.get_connection_manager_with_config(config)
                })
                .await?;
            let mut conn = manager.clone();
            call(&mut conn).await
        };
        match tokio::time::timeout(TIMEOUT, attempt).await {
            Ok(result) => Ok(result?),
            Err(_) => Err(anyhow::anyhow!("redis did not answer within {TIMEOUT:?}")),
        }
    }
}
