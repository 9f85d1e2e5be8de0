//! What every request handler shares, injected as `web::Data<AppState>` (never global).

use std::sync::Arc;

use crate::clock::SharedClock;
use crate::http::client_addr::TrustedProxies;
use crate::metrics::Metrics;
use crate::pages::PageSettings;
use crate::password_reset::ResetSettings;
use crate::passwords::PasswordHasher;
use crate::revocation::Revocations;
use crate::sessions::SessionSettings;
use crate::signing::{KeyRing, MasterKey};
use crate::store::Store;
use crate::throttle::Throttle;
use crate::tokens::TokenSettings;
use crate::tokens::issuer::TokenIssuer;

pub struct AppState {
    /// The admin API's token verifier, key settings and OpenAPI document.
    pub admin: crate::admin::AdminSettings,
    pub store: Store,
    pub keys: Arc<KeyRing>,
    pub master: Arc<MasterKey>,
    pub hasher: PasswordHasher,
    pub tokens: TokenSettings,
    /// Stores refresh tokens and signs access tokens for every grant.
    pub issuer: TokenIssuer,
    /// Ends families, sessions and access tokens, and answers whether an access token was revoked.
    pub revocations: Revocations,
    /// Brute-force and abuse limits, and device cookies.
    pub throttle: Throttle,
    /// The time every expiry and window is judged by (tests move it).
    pub clock: SharedClock,
    /// `Cache-Control: max-age` of the JWKS, in seconds.
    pub jwks_max_age: u64,
    /// The hosted pages' look, cookie, CSRF key and code lifetime.
    pub pages: PageSettings,
    pub sessions: SessionSettings,
    pub reset: ResetSettings,
    /// Wakes the mail sender when a request queued mail.
    pub mail_wake: Arc<tokio::sync::Notify>,
    /// The proxies whose `X-Forwarded-For` is believed: pass them to
    /// [`client_address`](crate::http::client_addr::client_address).
    pub trusted_proxies: TrustedProxies,
    /// Where requests, grants and signatures are counted (a no-op unless `metrics_bind` is set).
    pub metrics: Metrics,
}
