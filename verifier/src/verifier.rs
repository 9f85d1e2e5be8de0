//! [`Verifier`]: header checks, key lookup, signature, claims, in that order.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::Algorithm;

use crate::builder::VerifierBuilder;
use crate::claims::{Claims, Expectations};
use crate::error::VerifyError;
use crate::header;
use crate::jwks::KeyCache;

/// Verifies access tokens of one issuer for one audience. Cheap to clone: clones share the key cache.
#[derive(Clone)]
pub struct Verifier {
    inner: Arc<Inner>,
}

struct Inner {
    issuer: String,
    audience: String,
    leeway: i64,
    keys: KeyCache,
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Verifier")
            .field("issuer", &self.inner.issuer)
            .field("audience", &self.inner.audience)
            .field("jwks_uri", &self.inner.keys.url())
            .finish_non_exhaustive()
    }
}

impl Verifier {
    /// Starts configuring a verifier.
    pub fn builder() -> VerifierBuilder {
        VerifierBuilder::default()
    }

    pub(crate) fn new(issuer: String, audience: String, leeway: Duration, keys: KeyCache) -> Self {
        let leeway = i64::try_from(leeway.as_secs()).unwrap_or(i64::MAX);
        Self {
            inner: Arc::new(Inner {
                issuer,
                audience,
                leeway,
                keys,
            }),
        }
    }

    pub fn issuer(&self) -> &str {
        &self.inner.issuer
    }

    pub fn audience(&self) -> &str {
        &self.inner.audience
    }

    /// The JWKS URL keys are fetched from.
    pub fn jwks_uri(&self) -> &str {
        self.inner.keys.url()
    }

    /// Verifies an access token (RFC 9068 §4) and returns its claims.
    pub async fn verify(&self, token: &str) -> Result<Claims, VerifyError> {
        // The header is checked before any key is fetched, so a forged header costs the issuer nothing.
        let jws = header::parse(token)?;
        let key = self.inner.keys.key(&jws.kid).await?;
        let signature = URL_SAFE_NO_PAD
            .decode(jws.signature)
            .map_err(|_| VerifyError::Malformed("signature is not base64url"))?;
        // RS256 is fixed here, not read from the header, and the aws-lc provider is named explicitly: the process
        // default would panic if another crate in the build also enabled jsonwebtoken's `rust_crypto`.
        let verifier = (jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER.verifier_factory)(
            &Algorithm::RS256,
            &key,
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
                now: unix_now(),
            },
        )
    }
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}
