//! Key-change notices over Redis pub/sub, so every replica reloads its key ring at once after a rotation or an
//! emergency revocation. They only speed things up: each replica also re-reads the key table on a short interval,
//! so a Redis outage delays changes by at most that interval and never stops token issuance.

use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use tokio::sync::Notify;

use crate::infra::redis::SharedRedis;

#[derive(Clone)]
pub struct KeyNotices {
    redis: Arc<SharedRedis>,
    /// `{redis_prefix}:keys-changed`
    channel: String,
}

impl KeyNotices {
    pub fn new(redis: Arc<SharedRedis>) -> Self {
        let channel = redis.key("keys-changed");
        Self { redis, channel }
    }

    /// Tells every replica the key table changed. A failure is logged: polling still delivers the change.
    pub async fn publish(&self) {
        let result = self
            .redis
            .run(async |conn| {
                redis::cmd("PUBLISH")
                    .arg(&self.channel)
                    .arg("1")
                    .query_async::<i64>(conn)
                    .await
            })
            .await;
        if let Err(e) = result {
            tracing::warn!(error = %e, "could not publish a key-change notice");
        }
    }

    /// Wakes `wake` for every notice, reconnecting after failures, for as long as the process runs.
    pub fn subscribe(&self, wake: Arc<Notify>) {
        let client = self.redis.client().clone();
        let channel = self.channel.clone();
        tokio::spawn(async move {
            loop {
                match client.get_async_pubsub().await {
                    Ok(mut pubsub) => {
                        if let Err(e) = pubsub.subscribe(&channel).await {
                            tracing::warn!(error = %e, "could not subscribe to key-change notices");
                        } else {
                            let mut messages = pubsub.on_message();
                            while messages.next().await.is_some() {
                                wake.notify_one();
                            }
                            tracing::warn!("key-change notice subscription ended; reconnecting");
                        }
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "redis unreachable for key-change notices; polling only");
                    }
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        });
    }
}
