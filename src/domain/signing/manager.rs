//! Runs the key lifecycle on every replica: re-reads the key table on a short interval (or when a key-change notice
//! arrives), and, holding a lease so exactly one replica acts, performs the steps that are due.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;

use super::keyring::{KeyRing, KeyRingError, KeyState, generate_row};
use super::lifecycle::{KeyPolicy, Step, plan};
use super::master_key::MasterKey;
use crate::infra::clock::SharedClock;
use crate::infra::key_notices::KeyNotices;
use crate::store::Store;

const LEASE: &str = "signing-keys";

#[derive(Clone)]
pub struct KeyManager {
    pub store: Store,
    pub ring: Arc<KeyRing>,
    pub master: Arc<MasterKey>,
    pub policy: KeyPolicy,
    pub bits: u32,
    pub notices: Option<KeyNotices>,
    /// Identifies this replica in the lease table.
    pub holder: String,
    pub clock: SharedClock,
}

impl KeyManager {
    /// Applies the due steps (if this replica holds the lease) and reloads the ring. Returns whether it changed
    /// the key table.
    pub async fn tick(&self) -> Result<bool, KeyRingError> {
        let now = self.clock.now();
        let mut changed = false;
        if !plan(&self.store.list_signing_keys().await?, &self.policy, now).is_empty() {
            let lease_ttl = i64::try_from(self.policy.poll_interval.as_secs() * 3)
                .unwrap_or(30)
                .max(10);
            if self
                .store
                .try_acquire_lease(LEASE, &self.holder, now, lease_ttl)
                .await?
            {
                // Plan again under the lease: another replica may have acted meanwhile.
                for step in plan(&self.store.list_signing_keys().await?, &self.policy, now) {
                    changed |= self.apply(&step, now).await?;
                }
            }
        }
        self.ring.reload(&self.store, &self.master, now).await?;
        if changed && let Some(notices) = &self.notices {
            notices.publish().await;
        }
        Ok(changed)
    }

    async fn apply(&self, step: &Step, now: i64) -> Result<bool, KeyRingError> {
        match step {
            Step::CreateNext { activate_after } => {
                let mut row = generate_row(&self.master, self.bits, KeyState::Next, now).await?;
                row.activate_after = Some(*activate_after);
                self.store.insert_signing_key(&row).await?;
                tracing::info!(kid = %row.kid, activate_after, "published the next signing key");
                Ok(true)
            }
            Step::Promote { kid } => {
                let promoted = self
                    .store
                    .promote_signing_key(kid, now, self.policy.remove_after(now))
                    .await?;
                if promoted {
                    tracing::info!(kid = %kid, "the next signing key is now active");
                }
                Ok(promoted)
            }
            Step::Remove { kid } => {
                let removed = self.store.delete_retired_signing_key(kid).await?;
                if removed {
                    tracing::info!(kid = %kid, "removed a retired signing key from the JWKS");
                }
                Ok(removed)
            }
        }
    }

    /// Runs [`tick`](Self::tick) every poll interval, and at once on a key-change notice, until the process ends.
    pub fn spawn(self) -> tokio::task::JoinHandle<()> {
        let wake = Arc::new(Notify::new());
        if let Some(notices) = &self.notices {
            notices.subscribe(wake.clone());
        }
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    () = tokio::time::sleep(self.policy.poll_interval) => {}
                    () = wake.notified() => {}
                }
                if let Err(e) = self.tick().await {
                    // The ring keeps its last good state: a database outage must not stop signing.
                    tracing::warn!(error = %e, "key maintenance failed; retrying");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        })
    }
}
