//! Key-change notices over Redis pub/sub, so every replica reloads its key ring at once after a rotation or an
//! emergency revocation. They only speed things up: each replica also re-reads the key table on a short interval,
//! so a Redis outage delays changes by at most that interval and never stops token issuance.

use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use tokio::sync::Notify;

const CHANNEL: &str = "latchkey:keys-changed";
const TIMEOUT: Duration = Duration::from_secs(2);

#[derive(Clone)]
pub struct KeyNotices {
    client: redis::Client,
    /// One multiplexed connection for every publish, opened on first use and re-established by the manager after a
    /// failure (rather than a new connection per notice).
    publisher: Arc<tokio::sync::OnceCell<redis::aio::ConnectionManager>>,
}

impl KeyNotices {
    pub fn new(url: &str) -> anyhow::Result<Self> {
        let client =
            redis::Client::open(url).map_err(|e| anyhow::anyhow!("redis_url is invalid: {e}"))?;
        Ok(Self {
            client,
            publisher: Arc::default(),
        })
    }

    /// Tells every replica the key table changed. A failure is logged: polling still delivers the change.
    pub async fn publish(&self) {
        let result = tokio::time::timeout(TIMEOUT, async {
            let manager = self
                .publisher
                .get_or_try_init(|| self.client.get_connection_manager())
                .await?;
            let mut conn = manager.clone();
            redis::cmd("PUBLISH")
                .arg(CHANNEL)
                .arg("1")
                .query_async::<i64>(&mut conn)
                .await
        })
        .await;
        match result {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => tracing::warn!(error = %e, "could not publish a key-change notice"),
            Err(_) => tracing::warn!("publishing a key-change notice timed out"),
        }
    }

    /// Wakes `wake` for every notice, reconnecting after failures, for as long as the process runs.
    pub fn subscribe(&self, wake: Arc<Notify>) {
        let client = self.client.clone();
        tokio::spawn(async move {
            loop {
                match client.get_async_pubsub().await {
                    Ok(mut pubsub) => {
                        if let Err(e) = pubsub.subscribe(CHANNEL).await {
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
                        tracing::warn!(error = %e, "redis unreachable for key-change notices; polling only")
                    }
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        });
    }
}
