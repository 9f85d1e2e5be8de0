//! When each key last signed, kept in its row so that `latchkey keys list` shows it across restarts and replicas.
//!
//! A write per token would double the writes of every grant; instead each replica writes a kid's time at most once
//! per [`WRITE_INTERVAL`], remembering in memory when it last did. The stored time is therefore at most that much
//! behind the last signature, which is plenty to tell a key that stopped signing days ago from one in use.

use std::collections::HashMap;
use std::sync::Mutex;

use crate::store::Store;
use crate::values::ids::Kid;

/// Least time between two writes of one kid's `last_signed_at` by one replica, in seconds.
pub const WRITE_INTERVAL: i64 = 60;

pub struct SigningUsage {
    store: Store,
    /// When this replica last wrote each kid's time.
    written: Mutex<HashMap<String, i64>>,
}

impl SigningUsage {
    pub fn new(store: Store) -> Self {
        Self {
            store,
            written: Mutex::new(HashMap::new()),
        }
    }

    /// Notes that `kid` signed at `now`, writing it through when this replica has not for [`WRITE_INTERVAL`]. A
    /// failed write is logged, never the caller's failure: the tokens were issued.
    pub async fn signed(&self, kid: &str, now: i64) {
        if !self.due(kid, now) {
            return;
        }
        if let Err(e) = self.store.mark_key_signed(&Kid::new(kid), now).await {
            tracing::warn!(error = %e, kid, "cannot record when the key last signed");
        }
    }

    /// Whether a write is due, claiming it if so (so concurrent signers write once).
    fn due(&self, kid: &str, now: i64) -> bool {
        let mut written = self
            .written
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match written.get(kid) {
            Some(&at) if now < at + WRITE_INTERVAL => false,
            _ => {
                written.insert(kid.to_owned(), now);
                true
            }
        }
    }
}
