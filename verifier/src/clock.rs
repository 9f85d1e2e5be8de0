//! Time as the verifier reads it: one source for every decision, the system clock unless the builder is given
//! another ([`VerifierBuilder::clock`](crate::VerifierBuilder::clock)), so that tests can move time instead of
//! waiting for it.

use std::fmt::Debug;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

/// Where a [`Verifier`](crate::Verifier) reads the time.
///
/// Both readings must advance together. The revocation feed's poll schedule is not read from here: it runs on
/// Tokio's timer.
pub trait Clock: Debug + Send + Sync {
    /// Monotonic time, for intervals: how long a JWK set stays fresh, the least interval between two JWKS fetches,
    /// and how old the revocation feed's last read is.
    fn now(&self) -> Instant;

    /// Wall-clock time, for what is compared with the issuer's clock: a token's `exp`, `nbf` and `iat`, and the
    /// feed entries' expiry.
    fn system_time(&self) -> SystemTime;
}

/// The operating system's clocks; the default.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Instant {
        Instant::now()
    }

    fn system_time(&self) -> SystemTime {
        SystemTime::now()
    }
}

/// `time` in seconds since the Unix epoch (0 before it).
pub(crate) fn unix_seconds(time: SystemTime) -> i64 {
    time.duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}
