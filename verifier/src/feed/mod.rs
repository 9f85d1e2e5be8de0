//! The revocation feed (opt-in): a background task reads Latchkey's `GET /revocations?after=CURSOR` every poll
//! interval and keeps what it lists, so that a revoked token is refused without asking the issuer per request.
//!
//! Rules:
//! - a poll reads pages from the cursor until `more` is false; each page's entries apply as it arrives (entries only
//!   ever refuse more), and the poll counts as a success only once it has read to the end;
//! - a token an entry covers is refused ([`VerifyError::Revoked`]); user entries name a keyed hash of `sub` and
//!   cover tokens issued up to their millisecond (`revoked`);
//! - a page the verifier can't fully use (a user entry without a usable `sub_key`, an entry without its time) fails
//!   the poll like an unreachable feed: an entry is never skipped in a way that would accept what it revokes;
//! - a failed poll keeps the list as it is, logs a warning, and the next one comes after a growing delay; once the
//!   last success is older than the staleness bound every token is refused ([`VerifyError::RevocationsStale`]):
//!   a stale list could be missing the very revocation that matters;
//! - the first verifications wait for the first poll, so a new verifier never accepts a token revoked before it;
//! - the task is aborted when the [`RevocationFeed`] (held by the last `Verifier` clone) is dropped.

mod page;
mod revoked;

use std::hash::{BuildHasher, RandomState};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, Instant, SystemTime};

use reqwest::Url;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::claims::Claims;
use crate::clock::{self, Clock};
use crate::error::{BuildError, FetchError, VerifyError};
use crate::fetch::{self, Fetched};
use revoked::{RevocationList, TokenIds};

pub(crate) use page::default_url;

/// What the builder settled on.
#[derive(Clone, Debug)]
pub(crate) struct FeedSettings {
    pub(crate) url: Url,
    pub(crate) poll_interval: Duration,
    /// How old the last successful read may be before verification fails closed.
    pub(crate) max_staleness: Duration,
}

/// The polling task and what it has read. Dropping it stops the task.
#[derive(Debug)]
pub(crate) struct RevocationFeed {
    shared: Arc<Shared>,
    task: JoinHandle<()>,
}

#[derive(Debug)]
struct Shared {
    settings: FeedSettings,
    http: reqwest::Client,
    clock: Arc<dyn Clock>,
    /// Seconds the verifier accepts a token past its `exp`: entries are kept that much longer.
    leeway: i64,
    state: RwLock<State>,
    /// Becomes true when the first poll has ended, well or badly.
    first_poll_done: watch::Sender<bool>,
}

#[derive(Debug, Default)]
struct State {
    list: RevocationList,
    cursor: i64,
    /// When the request that completed the last successful poll was sent: the list is at least this fresh.
    last_success: Option<(Instant, SystemTime)>,
    /// Why the last poll failed; cleared by a successful one.
    last_error: Option<FetchError>,
}

impl RevocationFeed {
    /// Starts polling at once, on the current Tokio runtime.
    pub(crate) fn start(
        settings: FeedSettings,
        http: reqwest::Client,
        clock: Arc<dyn Clock>,
        leeway: i64,
    ) -> Result<Self, BuildError> {
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| BuildError::NoRuntime)?;
        let shared = Arc::new(Shared {
            settings,
            http,
            clock,
            leeway,
            state: RwLock::default(),
            first_poll_done: watch::Sender::new(false),
        });
        let task = runtime.spawn(run(shared.clone()));
        Ok(Self { shared, task })
    }

    pub(crate) fn url(&self) -> &str {
        self.shared.settings.url.as_str()
    }

    /// Waits for the first poll to end; `Err` with its failure when it did not read the feed.
    pub(crate) async fn first_poll(&self) -> Result<(), FetchError> {
        if !*self.shared.first_poll_done.borrow() {
            // The sender lives in `shared`, which we hold: this only returns once the value is true.
            let _ = self
                .shared
                .first_poll_done
                .subscribe()
                .wait_for(|done| *done)
                .await;
        }
        let state = self.shared.read();
        match (&state.last_success, &state.last_error) {
            (Some(_), _) => Ok(()),
            (None, Some(error)) => Err(error.clone()),
            (None, None) => Err(FetchError::Request {
                url: self.url().to_owned(),
                message: "the feed has not been read".to_owned(),
            }),
        }
    }

    /// Refuses a token the list covers, and every token while the list is stale.
    pub(crate) async fn check(&self, claims: &Claims) -> Result<(), VerifyError> {
        // A failed first poll leaves no success behind, so the token is refused as stale below.
        let _ = self.first_poll().await;
        let state = self.shared.read();
        let token = TokenIds {
            jti: &claims.jti,
            sid: claims.sid(),
            sub: &claims.sub,
            iat: claims.iat,
        };
        if state.list.covers(token) {
            return Err(VerifyError::Revoked);
        }
        let fresh = state
            .last_success
            .is_some_and(|(at, _)| self.shared.since(at) <= self.shared.settings.max_staleness);
        if fresh {
            Ok(())
        } else {
            Err(VerifyError::RevocationsStale {
                last_error: state.last_error.clone(),
            })
        }
    }

    /// When the list was last brought up to date (the send time of the request that completed the poll).
    pub(crate) fn read_at(&self) -> Option<SystemTime> {
        self.shared.read().last_success.map(|(_, at)| at)
    }
}

impl Drop for RevocationFeed {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Polls until aborted.
async fn run(shared: Arc<Shared>) {
    let mut failures: u32 = 0;
    loop {
        match shared.poll().await {
            Ok(()) => failures = 0,
            Err(error) => {
                failures = failures.saturating_add(1);
                let mut state = shared.write();
                let stale_for = state.last_success.map(|(at, _)| shared.since(at));
                tracing::warn!(
                    %error, failures, ?stale_for, entries = state.list.len(),
                    "cannot read the revocation feed; keeping the entries read so far"
                );
                state.last_error = Some(error);
            }
        }
        shared.first_poll_done.send_replace(true);
        tokio::time::sleep(shared.settings.delay_after(failures)).await;
    }
}

impl Shared {
    fn read(&self) -> std::sync::RwLockReadGuard<'_, State> {
        self.state.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, State> {
        self.state.write().unwrap_or_else(PoisonError::into_inner)
    }

    /// Time since `at` on the verifier's clock.
    fn since(&self, at: Instant) -> Duration {
        self.clock.now().saturating_duration_since(at)
    }

    /// Reads every page after the cursor.
    async fn poll(&self) -> Result<(), FetchError> {
        let mut cursor = self.read().cursor;
        loop {
            let url = page::url(&self.settings.url, cursor);
            let requested = (self.clock.now(), self.clock.system_time());
            let body = match fetch::get(&self.http, url.as_str(), "application/json", None).await? {
                Fetched::Body { body, .. } => body,
                // Only conditional requests get a 304, and these aren't.
                Fetched::NotModified { .. } => {
                    return Err(FetchError::Status {
                        url: url.into(),
                        status: 304,
                    });
                }
            };
            let page = page::parse(&body, cursor).map_err(|message| FetchError::InvalidBody {
                url: url.to_string(),
                message,
            })?;
            if page.unknown > 0 {
                tracing::warn!(
                    skipped = page.unknown,
                    "the revocation feed lists entries of a kind this verifier does not know"
                );
            }
            cursor = page.cursor;
            let mut state = self.write();
            for entry in page.entries {
                state.list.apply(entry);
            }
            state.cursor = cursor;
            if !page.more {
                state.list.forget_expired(
                    clock::unix_seconds(self.clock.system_time()).saturating_sub(self.leeway),
                );
                state.last_success = Some(requested);
                state.last_error = None;
                tracing::debug!(cursor, entries = state.list.len(), "revocation feed read");
                return Ok(());
            }
        }
    }
}

impl FeedSettings {
    /// One interval after a success. After failures: 1, 2, 4… intervals, at most a quarter of the staleness bound
    /// (so a few attempts fit in it and a recovered issuer is read again soon), less a random quarter so that
    /// verifiers that failed together do not retry together.
    #[expect(
        clippy::cast_precision_loss,
        reason = "a jitter fraction needs no more than f64's precision"
    )]
    fn delay_after(&self, failures: u32) -> Duration {
        if failures == 0 {
            return self.poll_interval;
        }
        let cap = self.poll_interval.max(self.max_staleness / 4);
        let doublings = (failures - 1).min(16);
        let backoff = self.poll_interval.saturating_mul(1 << doublings).min(cap);
        let random = RandomState::new().hash_one(failures);
        backoff.mul_f64(1.0 - 0.25 * (random as f64 / u64::MAX as f64))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(poll_ms: u64, stale_ms: u64) -> FeedSettings {
        FeedSettings {
            url: default_url("https://idp.example").unwrap(),
            poll_interval: Duration::from_millis(poll_ms),
            max_staleness: Duration::from_millis(stale_ms),
        }
    }

    #[test]
    fn failed_polls_back_off_up_to_a_quarter_of_the_staleness_bound() {
        let settings = settings(1_000, 10_000);
        assert_eq!(settings.delay_after(0), Duration::from_secs(1));
        let within = |failures, most: u64| {
            let delay = settings.delay_after(failures);
            let most = Duration::from_millis(most);
            assert!(
                delay <= most && delay >= most * 3 / 4,
                "{failures}: {delay:?}"
            );
        };
        within(1, 1_000);
        within(2, 2_000);
        within(3, 2_500);
        within(50, 2_500);
    }

    #[test]
    fn the_backoff_never_goes_beyond_one_interval_when_the_bound_is_short() {
        let settings = settings(1_000, 2_000);
        assert!(settings.delay_after(10) <= Duration::from_secs(1));
    }
}
