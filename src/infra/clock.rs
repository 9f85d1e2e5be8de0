//! Time, injected (DESIGN.md §14): expiry, lifetimes and key windows read the clock in the application state, so
//! tests move time instead of sleeping.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

/// A source of the current time in UNIX seconds, the unit of every stored timestamp.
pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> i64;
}

/// The clock every shared component holds.
pub type SharedClock = Arc<dyn Clock>;

/// The system's wall clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> i64 {
        time::OffsetDateTime::now_utc().unix_timestamp()
    }
}

/// The system clock plus an offset that only grows: tests call [`advance`](Self::advance) to make an hour pass
/// in no time. Clones share the offset.
#[derive(Clone, Debug, Default)]
pub struct ManualClock {
    offset: Arc<AtomicI64>,
}

impl ManualClock {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn advance(&self, by: Duration) {
        let secs = i64::try_from(by.as_secs()).unwrap_or(i64::MAX / 4);
        self.offset.fetch_add(secs, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> i64 {
        SystemClock.now() + self.offset.load(Ordering::SeqCst)
    }
}

/// The system clock, shared.
pub fn system() -> SharedClock {
    Arc::new(SystemClock)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manual_clock_moves_forward_when_told_and_clones_follow() {
        let clock = ManualClock::new();
        let other = clock.clone();
        let before = clock.now();
        clock.advance(Duration::from_secs(3_600));
        assert!(other.now() >= before + 3_600);
        assert!(other.now() < before + 3_700);
    }
}
