//! Every registered client's web origins (the browser origins its app may call `/token`, `/revoke` and `/userinfo`
//! from, DESIGN.md §21), kept in memory for the CORS answers.

use std::collections::HashSet;
use std::sync::{Arc, RwLock};

use crate::infra::clock::SharedClock;
use crate::store::Store;

use super::clients::Client;

/// A set that answered "unknown origin" is reloaded once it is this old (seconds), so an origin registered by the
/// CLI or on another replica is known here within about this long.
pub const MISS_RECHECK_SECS: i64 = 1;

/// A set is reloaded once it is this old (seconds) in any case, so an origin removed elsewhere stops being answered
/// within about this long.
pub const MAX_AGE_SECS: i64 = 10;

/// Every web origin some registered client allows, answered from memory: used for the CORS headers only (which
/// browsers may *read* an answer). Whether a request may act as a client is decided on that client's fresh row
/// ([`Client::accepts_origin`]).
///
/// The set is reloaded from the store when a change in this process says so ([`KnownOrigins::invalidate`]), when
/// an origin it doesn't hold is asked for and it is [`MISS_RECHECK_SECS`] old (a client registered by the CLI or
/// another replica), and when it is [`MAX_AGE_SECS`] old. Unknown origins can thus cost at most one reload a second.
pub struct KnownOrigins {
    store: Store,
    clock: SharedClock,
    snapshot: RwLock<Snapshot>,
    reloading: tokio::sync::Mutex<()>,
}

#[derive(Clone, Default)]
struct Snapshot {
    origins: Arc<HashSet<String>>,
    /// When it was loaded (the injected clock); `None`: never, or invalidated.
    loaded_at: Option<i64>,
}

impl KnownOrigins {
    pub fn new(store: Store, clock: SharedClock) -> Self {
        Self {
            store,
            clock,
            snapshot: RwLock::new(Snapshot::default()),
            reloading: tokio::sync::Mutex::new(()),
        }
    }

    /// Whether `origin` (an `Origin` header's value) is a web origin of some registered client.
    pub async fn contains(&self, origin: &str) -> bool {
        let now = self.clock.now();
        let snapshot = self.read();
        let known = snapshot.origins.contains(origin);
        let age = snapshot.loaded_at.map(|at| now - at);
        let fresh = match age {
            Some(age) if known => age < MAX_AGE_SECS,
            Some(age) => age < MISS_RECHECK_SECS,
            None => false,
        };
        if fresh {
            return known;
        }
        self.reload(snapshot.loaded_at).await.contains(origin)
    }

    /// Forgets the set: the next question reloads it (a client was changed in this process).
    pub fn invalidate(&self) {
        if let Ok(mut snapshot) = self.snapshot.write() {
            snapshot.loaded_at = None;
        }
    }

    fn read(&self) -> Snapshot {
        self.snapshot.read().map(|s| s.clone()).unwrap_or_default()
    }

    /// Reloads the set unless another task did since `seen` was loaded; one reload at a time.
    async fn reload(&self, seen: Option<i64>) -> Arc<HashSet<String>> {
        let _one = self.reloading.lock().await;
        let current = self.read();
        if current.loaded_at.is_some() && current.loaded_at != seen {
            return current.origins;
        }
        let now = self.clock.now();
        let origins = match super::clients::list_clients(&self.store).await {
            Ok(clients) => Arc::new(
                clients
                    .iter()
                    .flat_map(Client::cors_origins)
                    .collect::<HashSet<_>>(),
            ),
            Err(e) => {
                // Keep answering from what was known; the next reload is a second away at most.
                tracing::warn!(error = %e, "cannot reload the clients' web origins");
                current.origins
            }
        };
        if let Ok(mut snapshot) = self.snapshot.write() {
            *snapshot = Snapshot {
                origins: origins.clone(),
                loaded_at: Some(now),
            };
        }
        origins
    }
}
