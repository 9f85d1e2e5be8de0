//! [`Verifier`]: header checks, key lookup, signature, claims, revocation, in that order.

use std::sync::Arc;
use std::time::SystemTime;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey};

use crate::claims::{Claims, Expectations};
use crate::clock::{self, Clock};
use crate::error::{FetchError, VerifyError};
use crate::feed::RevocationFeed;
use crate::header::{self, CompactJws};
use crate::jwks::KeyCache;
use crate::telemetry;

/// Verifies access tokens of one issuer for one audience. Cheap to clone: clones share the key cache and the
/// revocation feed, whose polling task ends when the last clone is dropped.
#[derive(Clone)]
pub struct Verifier {
    inner: Arc<Inner>,
}

struct Inner {
    issuer: String,
    audience: String,
    leeway: i64,
    keys: KeyCache,
    /// `None` unless the builder asked for the feed.
    feed: Option<RevocationFeed>,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Verifier")
            .field("issuer", &self.inner.issuer)
            .field("audience", &self.inner.audience)
            .field("jwks_uri", &self.inner.keys.url())
            .field(
                "revocation_feed",
                &self.inner.feed.as_ref().map(RevocationFeed::url),
            )
            .finish_non_exhaustive()
    }
}

impl Verifier {
    pub(crate) fn new(
        issuer: String,
        audience: String,
        leeway: i64,
        keys: KeyCache,
        feed: Option<RevocationFeed>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                issuer,
                audience,
                leeway,
                keys,
                feed,
                clock,
            }),
        }
    }

    /// The issuer a token's `iss` must equal.
    #[must_use]
    pub fn issuer(&self) -> &str {
        &self.inner.issuer
    }

    /// The audience a token's `aud` must contain.
    #[must_use]
    pub fn audience(&self) -> &str {
        &self.inner.audience
    }

    /// The JWKS URL keys are fetched from.
    #[must_use]
    pub fn jwks_uri(&self) -> &str {
        self.inner.keys.url()
    }

    /// The revocation feed's URL, when the verifier polls it.
    pub fn revocation_feed_uri(&self) -> Option<&str> {
        self.inner.feed.as_ref().map(RevocationFeed::url)
    }

    /// When the revocation feed was last read to its end (the time the completing request was sent): the list of
    /// revocations is at least this recent. `None` without a feed, or before its first successful read.
    pub fn revocations_read_at(&self) -> Option<SystemTime> {
        self.inner.feed.as_ref().and_then(RevocationFeed::read_at)
    }

    pub(crate) async fn first_revocation_poll(&self) -> Result<(), FetchError> {
        match &self.inner.feed {
            Some(feed) => feed.first_poll().await,
            None => Ok(()),
        }
    }

    /// Verifies an access token (RFC 9068 §4) and returns its claims; with a revocation feed, also that the feed
    /// does not list it.
    ///
    /// # Errors
    /// Why the token is refused; [`VerifyError::is_retryable`] tells an unreachable issuer apart from a bad token.
    pub async fn verify(&self, token: &str) -> Result<Claims, VerifyError> {
        let (kid, result) = self.check(token).await;
        telemetry::verified(kid.as_deref(), &result);
        result
    }

    /// [`verify`](Self::verify), also returning the kid once it named a published key (the metrics' label).
    async fn check(&self, token: &str) -> (Option<String>, Result<Claims, VerifyError>) {
        // The header is checked before any key is fetched, so a forged header costs the issuer nothing.
        let jws = match header::parse(token) {
            Ok(jws) => jws,
            Err(e) => return (None, Err(e)),
        };
        let key = match self.inner.keys.key(&jws.kid).await {
            Ok(key) => key,
            Err(e) => return (None, Err(e)),
        };
        let result = async {
            let claims = self.signed_claims(&jws, &key)?;
            if let Some(feed) = &self.inner.feed {
                feed.check(&claims).await?;
            }
            Ok(claims)
        }
        .await;
        (Some(jws.kid), result)
    }

    /// Checks the signature with `key`, then the claims.
    fn signed_claims(
        &self,
        jws: &CompactJws<'_>,
        key: &DecodingKey,
    ) -> Result<Claims, VerifyError> {
        let signature = URL_SAFE_NO_PAD
            .decode(jws.signature)
            .map_err(|_| VerifyError::Malformed("signature is not base64url"))?;
        // RS256 is fixed here, not read from the header, and the aws-lc provider is named explicitly: the process
        // default would panic if another crate in the build also enabled jsonwebtoken's `rust_crypto`.
        let verifier = (jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER.verifier_factory)(
            &Algorithm::RS256,
            key,
        )
        .map_err(|_| VerifyError::BadSignature)?;
        verifier
            .verify(jws.signing_input.as_bytes(), &signature)
            .map_err(|_| VerifyError::BadSignature)?;
        let payload = URL_SAFE_NO_PAD
            .decode(jws.payload)
            .map_err(|_| VerifyError::Malformed("payload is not base64url"))?;
        Claims::validate(
            &payload,
            &Expectations {
                issuer: &self.inner.issuer,
                audience: &self.inner.audience,
                leeway: self.inner.leeway,
                now: clock::unix_seconds(self.inner.clock.system_time()),
            },
        )
    }
}
