//! Time, injected (DESIGN.md §14): expiry, lifetimes and key windows read the clock in the application state, so
//! tests move time instead of sleeping.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

/// A source of the current time in UNIX seconds, the unit of every stored timestamp, and in milliseconds, the unit of
/// the few instants that must be ordered within a second (an access token's issue and a user's revocation).
pub trait Clock: Send + Sync + std::fmt::Debug + 'static {
    /// Milliseconds since the Unix epoch.
    fn now_ms(&self) -> i64;

    /// Whole seconds since the Unix epoch: the second `now_ms` falls in, so both readings of one instant agree.
    fn now(&self) -> i64 {
        self.now_ms().div_euclid(1000)
    }
}

/// The clock every shared component holds.
pub type SharedClock = Arc<dyn Clock>;

/// The system's wall clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        let nanos = time::OffsetDateTime::now_utc().unix_timestamp_nanos();
        i64::try_from(nanos.div_euclid(1_000_000)).unwrap_or(i64::MAX)
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
    fn now_ms(&self) -> i64 {
        SystemClock.now_ms() + self.offset.load(Ordering::SeqCst) * 1000
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

    #[test]
    fn seconds_are_the_second_the_milliseconds_fall_in() {
        let clock = ManualClock::new();
        clock.advance(Duration::from_secs(7));
        let (ms, s, ms_after) = (clock.now_ms(), clock.now(), clock.now_ms());
        assert!(ms.div_euclid(1000) <= s && s <= ms_after.div_euclid(1000));
        assert!(clock.now_ms() - SystemClock.now_ms() >= 6_000);
    }
}
