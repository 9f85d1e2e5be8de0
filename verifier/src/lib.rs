//! Verifies Latchkey access tokens in a resource server.
//!
//! Access tokens are RS256 JWTs in the RFC 9068 profile. [`Verifier`] checks them the way RFC 9068 §4 and the JWT
//! best current practices (RFC 8725) ask, against signing keys fetched from the issuer's JWKS and cached as the
//! issuer's HTTP caching headers say (see `README.md`). Optionally ([`VerifierBuilder::revocation_feed`]) it also
//! polls Latchkey's revocation feed and refuses the tokens revoked there.
//!
//! ```no_run
//! # async fn run(token: &str) -> Result<(), Box<dyn std::error::Error>> {
//! use latchkey_verifier::Verifier;
//!
//! let verifier = Verifier::builder()
//!     .issuer("https://login.example.com")
//!     .audience("https://api.example.com")
//!     .discover()
//!     .await?;
//! let claims = verifier.verify(token).await?;
//! if claims.has_scope("orders:read") { /* … */ }
//! # Ok(()) }
//! ```

mod builder;
mod claims;
mod clock;
mod discovery;
mod error;
mod feed;
mod fetch;
mod header;
mod jwks;
mod telemetry;
mod verifier;

#[cfg(feature = "actix-web")]
mod actix;

pub use builder::{DEFAULT_STALENESS_INTERVALS, VerifierBuilder};
pub use claims::{Claims, InsufficientScope, InsufficientUserAuthentication};
pub use clock::{Clock, SystemClock};
pub use error::{BuildError, FetchError, VerifyError};
pub use verifier::Verifier;

#[cfg(feature = "actix-web")]
pub use actix::BearerError;

/// Names of the series recorded with the `metrics` feature (see `README.md`).
#[cfg(feature = "metrics")]
pub mod metric_names {
    pub use crate::telemetry::{JWKS_FETCHES, VERIFICATIONS};
}
