//! The JWKS cache: signing keys by `kid`, kept fresh the way the issuer's caching headers say.
//!
//! Rules, in order:
//! - a key from a fresh set is used as is;
//! - otherwise (no set yet, set stale, or `kid` unknown) the set is fetched, conditionally with `If-None-Match`,
//!   but **never twice within `min_refetch_interval`**: that single bound is what keeps a flood of tokens with forged
//!   kids, or an issuer sending `no-store`, from turning every request into a request to the issuer;
//! - when a fetch fails, or it may not be tried yet, the cached keys keep being served (a warning is logged);
//! - concurrent callers share one fetch.

mod freshness;
mod set;

use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, Instant};

use jsonwebtoken::DecodingKey;
use reqwest::header::ETAG;

use crate::clock::Clock;
use crate::error::{FetchError, VerifyError, excerpt};
use crate::fetch::{self, Fetched};
use crate::telemetry;
use freshness::Freshness;
use set::Keys;

/// Even a `max-age` of a year is revalidated daily, so a key removed from the set stops verifying within a day.
const MAX_LIFETIME: Duration = Duration::from_secs(24 * 60 * 60);

/// How often the cache may go to the issuer.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RefreshPolicy {
    /// The least time between two fetches, whatever the reason.
    pub(crate) min_interval: Duration,
    /// Lifetime of a set served without `max-age`, `no-cache` or `no-store`.
    pub(crate) fallback_max_age: Duration,
}

/// Cached signing keys of one JWKS URL.
#[derive(Debug)]
pub(crate) struct KeyCache {
    url: String,
    http: reqwest::Client,
    policy: RefreshPolicy,
    clock: Arc<dyn Clock>,
    state: RwLock<State>,
    /// Held for the duration of a fetch, so concurrent misses wait for one fetch instead of each making their own.
    fetching: tokio::sync::Mutex<()>,
}

#[derive(Debug, Default)]
struct State {
    /// `None` until the first successful fetch.
    keys: Option<Arc<Keys>>,
    etag: Option<String>,
    /// The lifetime the last response gave, reused when a 304 doesn't restate it (RFC 9111 §4.3.4).
    lifetime: Duration,
    fresh_until: Option<Instant>,
    last_attempt: Option<Instant>,
    /// Why the last fetch failed; cleared by a successful one.
    last_error: Option<FetchError>,
}

enum Decision {
    Use(Arc<DecodingKey>),
    Fetch,
    Fail(VerifyError),
}

impl KeyCache {
    pub(crate) fn new(
        url: String,
        http: reqwest::Client,
        policy: RefreshPolicy,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            url,
            http,
            policy,
            clock,
            state: RwLock::default(),
            fetching: tokio::sync::Mutex::new(()),
        }
    }

    pub(crate) fn url(&self) -> &str {
        &self.url
    }

    /// The key named `kid`, fetching the set first when the rules above call for it.
    pub(crate) async fn key(&self, kid: &str) -> Result<Arc<DecodingKey>, VerifyError> {
        if let Some(found) = self.decide(kid, true).into_result()? {
            return Ok(found);
        }
        let _fetching = self.fetching.lock().await;
        // Decide again: whoever held the lock before us may have fetched already.
        if let Some(found) = self.decide(kid, true).into_result()? {
            return Ok(found);
        }
        self.refresh().await;
        self.decide(kid, false)
            .into_result()?
            .ok_or_else(|| VerifyError::UnknownKid(excerpt(kid)))
    }

    fn decide(&self, kid: &str, fetch_allowed: bool) -> Decision {
        let state = self.state.read().unwrap_or_else(PoisonError::into_inner);
        state.decide(
            kid,
            self.clock.now(),
            self.policy.min_interval,
            fetch_allowed,
        )
    }

    /// Fetches the set and updates the cache; failures only change `last_error` and are logged.
    async fn refresh(&self) {
        let etag = {
            let state = self.state.read().unwrap_or_else(PoisonError::into_inner);
            state.keys.as_ref().and(state.etag.clone())
        };
        let requested = self.clock.now();
        let result = fetch::get(
            &self.http,
            &self.url,
            "application/jwk-set+json, application/json",
            etag.as_deref(),
        )
        .await
        .and_then(|fetched| self.read(fetched));
        telemetry::jwks_fetched(match &result {
            Ok(Update { keys: Some(_), .. }) => telemetry::Fetch::Ok,
            Ok(Update { keys: None, .. }) => telemetry::Fetch::NotModified,
            Err(_) => telemetry::Fetch::Error,
        });
        let mut state = self.state.write().unwrap_or_else(PoisonError::into_inner);
        state.last_attempt = Some(self.clock.now());
        match result {
            Ok(update) => state.apply(update, requested, self.policy),
            Err(error) => {
                match &state.keys {
                    Some(keys) => tracing::warn!(
                        %error, cached_keys = keys.len(),
                        "cannot refresh the JWK set; still verifying with the cached keys"
                    ),
                    None => {
                        tracing::warn!(%error, "cannot fetch the JWK set; no keys to verify with");
                    }
                }
                state.last_error = Some(error);
            }
        }
    }

    fn read(&self, fetched: Fetched) -> Result<Update, FetchError> {
        match fetched {
            Fetched::NotModified { headers } => Ok(Update {
                keys: None,
                etag: etag_of(&headers),
                freshness: freshness::of(&headers),
            }),
            Fetched::Body { headers, body } => {
                let keys = set::parse(&body).map_err(|message| FetchError::InvalidBody {
                    url: self.url.clone(),
                    message,
                })?;
                // An empty set from an issuer that always has a signing key is a broken response, not a revocation
                // of every key: keep what we have.
                if keys.is_empty() {
                    return Err(FetchError::NoUsableKeys {
                        url: self.url.clone(),
                    });
                }
                Ok(Update {
                    keys: Some(keys),
                    etag: etag_of(&headers),
                    freshness: freshness::of(&headers),
                })
            }
        }
    }
}

/// A successful response, ready to apply.
struct Update {
    /// `None` for a 304.
    keys: Option<Keys>,
    etag: Option<String>,
    freshness: Freshness,
}

impl State {
    fn decide(
        &self,
        kid: &str,
        now: Instant,
        min_interval: Duration,
        fetch_allowed: bool,
    ) -> Decision {
        let key = self.keys.as_ref().and_then(|keys| keys.get(kid)).cloned();
        let fresh = self.fresh_until.is_some_and(|until| now < until);
        match key {
            Some(key) if fresh => return Decision::Use(key),
            _ => {}
        }
        let may_fetch = fetch_allowed
            && self
                .last_attempt
                .is_none_or(|last| now.saturating_duration_since(last) >= min_interval);
        if may_fetch {
            return Decision::Fetch;
        }
        match (key, &self.last_error) {
            // Stale, but the issuer was just asked (and failed): keep verifying with what we have.
            (Some(key), _) => Decision::Use(key),
            // We don't know this kid and couldn't ask: the token may be fine, so this is retryable.
            (None, Some(error)) => Decision::Fail(VerifyError::KeysUnavailable(error.clone())),
            (None, None) => Decision::Fail(VerifyError::UnknownKid(excerpt(kid))),
        }
    }

    fn apply(&mut self, update: Update, requested: Instant, policy: RefreshPolicy) {
        let lifetime = match update.freshness {
            Freshness::For(lifetime) => lifetime,
            Freshness::Stale => Duration::ZERO,
            Freshness::Unspecified if update.keys.is_none() => self.lifetime,
            Freshness::Unspecified => policy.fallback_max_age,
        };
        self.lifetime = lifetime;
        // Measured from when the request was sent (RFC 9111 §4.2.3), and never shorter than the refetch interval,
        // since the set can't be fetched more often than that anyway.
        let effective = lifetime.clamp(policy.min_interval.min(MAX_LIFETIME), MAX_LIFETIME);
        self.fresh_until = Some(requested + effective);
        self.last_error = None;
        if let Some(keys) = update.keys {
            tracing::debug!(kids = ?keys.keys().collect::<Vec<_>>(), ?lifetime, "JWK set fetched");
            self.keys = Some(Arc::new(keys));
            self.etag = update.etag;
        } else {
            tracing::debug!(?lifetime, "JWK set not modified");
            // A 304 may carry a new validator (RFC 9111 §4.3.4); otherwise the stored one stays.
            if update.etag.is_some() {
                self.etag = update.etag;
            }
        }
    }
}

impl Decision {
    /// `Ok(Some)` to use a key, `Ok(None)` to fetch, `Err` to give up.
    fn into_result(self) -> Result<Option<Arc<DecodingKey>>, VerifyError> {
        match self {
            Self::Use(key) => Ok(Some(key)),
            Self::Fetch => Ok(None),
            Self::Fail(error) => Err(error),
        }
    }
}

fn etag_of(headers: &reqwest::header::HeaderMap) -> Option<String> {
    headers
        .get(ETAG)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}
