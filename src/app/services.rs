//! Storage and crypto shared by `serve` and the operator commands: the store, the master key, the password hasher,
//! the key policy, and Redis when it is configured.

use std::sync::Arc;

use crate::config::Config;
use crate::domain::passwords::PasswordHasher;
use crate::domain::revocation::{FeedKey, RedisDenylist, Revocations};
use crate::domain::signing::{KeyPolicy, MasterKey};
use crate::infra::clock::SharedClock;
use crate::infra::key_notices::KeyNotices;
use crate::infra::redis::SharedRedis;
use crate::store::Store;

/// Storage and crypto shared by `serve` and the operator commands.
pub struct Services {
    pub store: Store,
    pub master: Arc<MasterKey>,
    pub hasher: PasswordHasher,
    pub policy: KeyPolicy,
    /// Key-change notices to the other replicas, when Redis is configured.
    pub notices: Option<KeyNotices>,
    /// Shared by the denylist and rate limits, when Redis is configured.
    pub redis: Option<Arc<SharedRedis>>,
}

impl Services {
    /// Revocation over this database, with the denylist in Redis when it is configured.
    pub fn revocations(&self, clock: SharedClock, access_token_ttl: i64) -> Revocations {
        let redis = self
            .redis
            .as_ref()
            .map(|redis| Arc::new(RedisDenylist::new(redis.clone(), clock.clone())));
        let feed_key = FeedKey::new(self.master.derive_bytes("revocation-feed-sub"));
        Revocations::new(
            self.store.clone(),
            redis,
            access_token_ttl,
            clock.clone(),
            feed_key,
        )
    }

    /// For an operator command: the embedded SQLite default is migrated implicitly (a first command on a new
    /// machine just works); any other database with pending migrations is refused, because other replicas may be
    /// running the old schema: `latchkey migrate` is the one command that changes it.
    pub async fn for_command(config: &Config) -> anyhow::Result<Self> {
        let embedded = config.database_url.is_embedded();
        if !embedded {
            let pending = crate::store::pending_migrations(&config.database_url).await?;
            if !pending.is_empty() {
                anyhow::bail!(
                    "the database has {} pending migration(s) ({}): run `latchkey migrate` first \
                     (operator commands never change the schema of a shared database)",
                    pending.len(),
                    pending.join(", ")
                );
            }
        }
        Self::open(config, embedded).await
    }

    /// Connects (migrating first when `migrate`), loads the master key and the password hasher.
    pub async fn open(config: &Config, migrate: bool) -> anyhow::Result<Self> {
        let store = Store::connect(
            &config.database_url,
            config.database_pool_size,
            config.database_timeout.0,
            migrate,
        )
        .await?;
        let hasher = PasswordHasher::new(
            config.password_hash_memory_kib,
            config.password_hash_iterations,
            config.password_hash_parallelism,
            config.password_hash_concurrency(),
            config.password_queue_limit,
        )?;
        // The key file may be created only for a fresh embedded database: never replace a lost key silently.
        let fresh = store.list_signing_keys().await?.is_empty();
        let embedded = config.database_url.is_embedded();
        let master = Arc::new(MasterKey::load(
            &config.master_key_source(),
            fresh && embedded,
        )?);
        // Every replica picks the same dummy hash for an unknown login.
        hasher.key_dummies(master.derive_hmac_key("unknown-login-dummy"));
        let redis = config
            .redis_url
            .as_ref()
            .map(|url| SharedRedis::new(url.expose(), &config.redis_prefix).map(Arc::new))
            .transpose()?;
        let notices = redis.clone().map(KeyNotices::new);
        Ok(Self {
            store,
            master,
            hasher,
            policy: config.key_policy(),
            notices,
            redis,
        })
    }
}
