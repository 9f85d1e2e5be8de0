//! Configuration of a [`Verifier`]: who issues the tokens, who they must be for, how keys are fetched, and whether
//! the revocation feed is polled.

use std::sync::Arc;
use std::time::Duration;

use reqwest::Url;

use crate::clock::{Clock, SystemClock};
use crate::discovery;
use crate::error::BuildError;
use crate::feed::{self, FeedSettings, RevocationFeed};
use crate::fetch;
use crate::jwks::{KeyCache, RefreshPolicy};
use crate::verifier::Verifier;

/// Builds a [`Verifier`]; start with [`Verifier::builder`], finish with [`discover`](Self::discover) or
/// [`jwks_uri`](Self::jwks_uri).
#[derive(Clone, Debug)]
#[must_use]
pub struct VerifierBuilder {
    issuer: Option<String>,
    audience: Option<String>,
    leeway: Duration,
    min_refetch_interval: Duration,
    fallback_max_age: Duration,
    http_timeout: Duration,
    revocation_poll_interval: Option<Duration>,
    revocation_max_staleness: Option<Duration>,
    revocation_feed_uri: Option<String>,
    clock: Arc<dyn Clock>,
}

/// Without [`VerifierBuilder::revocation_feed_max_staleness`], verification fails closed once the feed has not been
/// read for this many poll intervals.
pub const DEFAULT_STALENESS_INTERVALS: u32 = 10;

impl Default for VerifierBuilder {
    fn default() -> Self {
        Self {
            issuer: None,
            audience: None,
            leeway: Duration::from_secs(30),
            min_refetch_interval: Duration::from_secs(30),
            fallback_max_age: Duration::from_secs(5 * 60),
            http_timeout: Duration::from_secs(5),
            revocation_poll_interval: None,
            revocation_max_staleness: None,
            revocation_feed_uri: None,
            clock: Arc::new(SystemClock),
        }
    }
}

// Here rather than beside `Verifier`, so that the builder depends on the verifier and not both ways.
impl Verifier {
    /// Starts configuring a verifier.
    pub fn builder() -> VerifierBuilder {
        VerifierBuilder::default()
    }
}

impl VerifierBuilder {
    /// The issuer identifier; a token's `iss` must equal it exactly (RFC 9068 §4). Required.
    pub fn issuer(mut self, issuer: impl Into<String>) -> Self {
        self.issuer = Some(issuer.into());
        self
    }

    /// This resource server's identifier; a token's `aud` must contain it (RFC 9068 §4). Required.
    pub fn audience(mut self, audience: impl Into<String>) -> Self {
        self.audience = Some(audience.into());
        self
    }

    /// Clock skew tolerated on `exp`, `nbf` and `iat`. Default 30 s.
    pub fn leeway(mut self, leeway: Duration) -> Self {
        self.leeway = leeway;
        self
    }

    /// The least time between two JWKS fetches, whatever triggers them (unknown `kid`, expiry, a failed fetch).
    /// Default 30 s.
    pub fn min_refetch_interval(mut self, interval: Duration) -> Self {
        self.min_refetch_interval = interval;
        self
    }

    /// How long a JWK set stays fresh when its response has no `Cache-Control` freshness. Default 5 min.
    pub fn fallback_max_age(mut self, max_age: Duration) -> Self {
        self.fallback_max_age = max_age;
        self
    }

    /// Timeout of each request to the issuer. Default 5 s.
    pub fn http_timeout(mut self, timeout: Duration) -> Self {
        self.http_timeout = timeout;
        self
    }

    /// Polls Latchkey's revocation feed every `poll_interval` and refuses the tokens it lists
    /// ([`VerifyError::Revoked`](crate::VerifyError::Revoked)): a token revoked at Latchkey is refused within one
    /// interval plus the request time. Off by default; see the README for the cost and the guarantee.
    pub fn revocation_feed(mut self, poll_interval: Duration) -> Self {
        self.revocation_poll_interval = Some(poll_interval);
        self
    }

    /// How old the last successful read of the revocation feed may be before every token is refused with
    /// [`VerifyError::RevocationsStale`](crate::VerifyError::RevocationsStale) (retryable), until a read succeeds.
    /// Must be longer than the poll interval, and should be well above it plus `http_timeout`. Default: 10 poll
    /// intervals ([`DEFAULT_STALENESS_INTERVALS`]).
    pub fn revocation_feed_max_staleness(mut self, bound: Duration) -> Self {
        self.revocation_max_staleness = Some(bound);
        self
    }

    /// Where the revocation feed is read. Default `{issuer}/revocations`.
    pub fn revocation_feed_uri(mut self, url: impl Into<String>) -> Self {
        self.revocation_feed_uri = Some(url.into());
        self
    }

    /// Where the verifier reads the time. Default [`SystemClock`]; tests can pass a clock they move.
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Finds the JWKS URL in the issuer's metadata (RFC 8414) and builds the verifier. With a revocation feed, the
    /// feed has been read once when this returns, or this fails.
    ///
    /// # Errors
    /// A missing issuer or audience, invalid feed settings, or metadata or a feed that cannot be read.
    pub async fn discover(self) -> Result<Verifier, BuildError> {
        let (issuer, audience) = self.required()?;
        let feed = self.feed_settings(&issuer)?;
        let http = fetch::client(self.http_timeout).map_err(BuildError::HttpClient)?;
        let jwks_uri = discovery::jwks_uri(&http, &issuer).await?;
        let verifier = self.finish(issuer, audience, http, jwks_uri, feed)?;
        verifier
            .first_revocation_poll()
            .await
            .map_err(BuildError::RevocationFeed)?;
        Ok(verifier)
    }

    /// Builds the verifier with a known JWKS URL. Nothing is fetched until the first token arrives; with a
    /// revocation feed, the first poll starts at once (on the current Tokio runtime) and the first verifications
    /// wait for it.
    ///
    /// # Errors
    /// A missing issuer or audience, an invalid URL or feed settings, or a feed without a Tokio runtime.
    pub fn jwks_uri(self, url: impl AsRef<str>) -> Result<Verifier, BuildError> {
        let (issuer, audience) = self.required()?;
        let feed = self.feed_settings(&issuer)?;
        let url = url.as_ref();
        let jwks_uri = Url::parse(url)
            .ok()
            .filter(|u| matches!(u.scheme(), "https" | "http"))
            .ok_or_else(|| BuildError::InvalidUrl {
                what: "jwks_uri",
                url: url.to_owned(),
            })?;
        let http = fetch::client(self.http_timeout).map_err(BuildError::HttpClient)?;
        self.finish(issuer, audience, http, jwks_uri, feed)
    }

    fn required(&self) -> Result<(String, String), BuildError> {
        let issuer = self.issuer.clone().ok_or(BuildError::MissingIssuer)?;
        let audience = self.audience.clone().ok_or(BuildError::MissingAudience)?;
        Ok((issuer, audience))
    }

    fn feed_settings(&self, issuer: &str) -> Result<Option<FeedSettings>, BuildError> {
        let Some(poll_interval) = self.revocation_poll_interval else {
            if self.revocation_feed_uri.is_some() || self.revocation_max_staleness.is_some() {
                return Err(BuildError::InvalidRevocationFeed(
                    "revocation_feed_uri or revocation_feed_max_staleness set without revocation_feed",
                ));
            }
            return Ok(None);
        };
        if poll_interval.is_zero() {
            return Err(BuildError::InvalidRevocationFeed(
                "the poll interval must not be zero",
            ));
        }
        let max_staleness = self
            .revocation_max_staleness
            .unwrap_or_else(|| poll_interval.saturating_mul(DEFAULT_STALENESS_INTERVALS));
        if max_staleness <= poll_interval {
            return Err(BuildError::InvalidRevocationFeed(
                "the staleness bound must be longer than the poll interval",
            ));
        }
        let url = match &self.revocation_feed_uri {
            Some(url) => Url::parse(url)
                .ok()
                .filter(|u| matches!(u.scheme(), "https" | "http"))
                .ok_or_else(|| BuildError::InvalidUrl {
                    what: "revocation_feed_uri",
                    url: url.clone(),
                })?,
            None => feed::default_url(issuer).ok_or_else(|| BuildError::InvalidUrl {
                what: "issuer",
                url: issuer.to_owned(),
            })?,
        };
        Ok(Some(FeedSettings {
            url,
            poll_interval,
            max_staleness,
        }))
    }

    fn finish(
        self,
        issuer: String,
        audience: String,
        http: reqwest::Client,
        jwks_uri: Url,
        feed: Option<FeedSettings>,
    ) -> Result<Verifier, BuildError> {
        let policy = RefreshPolicy {
            min_interval: self.min_refetch_interval,
            fallback_max_age: self.fallback_max_age,
        };
        let leeway = i64::try_from(self.leeway.as_secs()).unwrap_or(i64::MAX);
        let feed = feed
            .map(|settings| {
                RevocationFeed::start(settings, http.clone(), self.clock.clone(), leeway)
            })
            .transpose()?;
        let keys = KeyCache::new(jwks_uri.into(), http, policy, self.clock.clone());
        Ok(Verifier::new(
            issuer, audience, leeway, keys, feed, self.clock,
        ))
    }
}
