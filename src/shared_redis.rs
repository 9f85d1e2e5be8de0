//! One Redis connection per process, shared by the denylist, the rate limiters and key-change notices: a
//! multiplexed connection that the manager re-establishes after a failure. Every call is bounded in time, so an
//! unreachable Redis costs a request at most [`TIMEOUT`] before the caller falls back or fails closed.

use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};

/// The longest one Redis call may take, connecting included.
pub const TIMEOUT: Duration = Duration::from_millis(500);

pub struct SharedRedis {
    client: redis::Client,
    manager: tokio::sync::OnceCell<ConnectionManager>,
    /// `redis_prefix`: every key is `{prefix}:…`.
    prefix: String,
}

impl SharedRedis {
    pub fn new(url: &str, prefix: &str) -> anyhow::Result<Self> {
        let client =
            redis::Client::open(url).map_err(|e| anyhow::anyhow!("redis_url is invalid: {e}"))?;
        Ok(Self {
            client,
            manager: tokio::sync::OnceCell::new(),
            prefix: prefix.to_owned(),
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
