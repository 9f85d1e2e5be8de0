//! Waiting for something that happens in the background (a sender, a replica, a feed): poll it against a deadline
//! and say what never happened, instead of sleeping for a guess.

use std::fmt::Debug;
use std::time::{Duration, Instant};

/// How often [`eventually`] polls.
const POLL: Duration = Duration::from_millis(50);

/// What a probe of [`eventually`] answers: done (with a value), or not yet (with what it saw, if anything).
pub(crate) trait Outcome {
    type Value;
    fn into_outcome(self) -> Result<Self::Value, Option<String>>;
}

impl<T> Outcome for Option<T> {
    type Value = T;
    fn into_outcome(self) -> Result<T, Option<String>> {
        self.ok_or(None)
    }
}

impl<T, E: Debug> Outcome for Result<T, E> {
    type Value = T;
    fn into_outcome(self) -> Result<T, Option<String>> {
        self.map_err(|seen| Some(format!("{seen:?}")))
    }
}

/// Polls `probe` until it answers `Some`/`Ok`, failing the test after `within` with `what` and the last `Err` it
/// saw. The probe runs at least once, and once more at the deadline.
pub(crate) async fn eventually<O: Outcome>(
    what: &str,
    within: Duration,
    mut probe: impl AsyncFnMut() -> O,
) -> O::Value {
    let deadline = Instant::now() + within;
    loop {
        let last = match probe().await.into_outcome() {
            Ok(value) => return value,
            Err(seen) => seen,
        };
        let now = Instant::now();
        if now >= deadline {
            match last {
                Some(seen) => panic!("{what}: not within {within:?} (last seen: {seen})"),
                None => panic!("{what}: not within {within:?}"),
            }
        }
        tokio::time::sleep(POLL.min(deadline - now)).await;
    }
}
