//! Configuration of a [`Verifier`]: who issues the tokens, who they must be for, and how keys are fetched.

use std::time::Duration;

use reqwest::Url;

use crate::discovery;
use crate::error::BuildError;
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
}

impl Default for VerifierBuilder {
    fn default() -> Self {
        Self {
            issuer: None,
            audience: None,
            leeway: Duration::from_secs(30),
            min_refetch_interval: Duration::from_secs(30),
            fallback_max_age: Duration::from_secs(5 * 60),
            http_timeout: Duration::from_secs(5),
        }
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

    /// Finds the JWKS URL in the issuer's metadata (RFC 8414) and builds the verifier.
    pub async fn discover(self) -> Result<Verifier, BuildError> {
        let (issuer, audience) = self.required()?;
        let http = fetch::client(self.http_timeout).map_err(BuildError::HttpClient)?;
        let jwks_uri = discovery::jwks_uri(&http, &issuer).await?;
        Ok(self.finish(issuer, audience, http, jwks_uri))
    }

    /// Builds the verifier with a known JWKS URL. Nothing is fetched until the first token arrives.
    pub fn jwks_uri(self, url: impl AsRef<str>) -> Result<Verifier, BuildError> {
        let (issuer, audience) = self.required()?;
        let url = url.as_ref();
        let jwks_uri = Url::parse(url)
            .ok()
            .filter(|u| matches!(u.scheme(), "https" | "http"))
            .ok_or_else(|| BuildError::InvalidUrl {
                what: "jwks_uri",
                url: url.to_owned(),
            })?;
        let http = fetch::client(self.http_timeout).map_err(BuildError::HttpClient)?;
        Ok(self.finish(issuer, audience, http, jwks_uri))
    }

    fn required(&self) -> Result<(String, String), BuildError> {
        let issuer = self.issuer.clone().ok_or(BuildError::MissingIssuer)?;
        let audience = self.audience.clone().ok_or(BuildError::MissingAudience)?;
        Ok((issuer, audience))
    }

    fn finish(
        self,
        issuer: String,
        audience: String,
        http: reqwest::Client,
        jwks_uri: Url,
    ) -> Verifier {
        let policy = RefreshPolicy {
            min_interval: self.min_refetch_interval,
            fallback_max_age: self.fallback_max_age,
        };
        let keys = KeyCache::new(jwks_uri.into(), http, policy);
        Verifier::new(issuer, audience, self.leeway, keys)
    }
}
