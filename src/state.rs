//! The domain services every request handler shares, injected as `web::Data<AppState>` (never global). A surface's
//! own settings (the pages' look, the admin API's verifier, the JWKS cache lifetime, the trusted proxies) are that
//! surface's application data, registered by its `configure`, never here (DESIGN.md §19).

use std::sync::Arc;

use crate::domain::invitations::InvitationSettings;
use crate::domain::letters::LetterWriter;
use crate::domain::mfa::MfaSettings;
use crate::domain::mfa::trusted::TrustedBrowsers;
use crate::domain::passkeys::Passkeys;
use crate::domain::password_reset::ResetSettings;
use crate::domain::passwords::PasswordHasher;
use crate::domain::registration::RegistrationSettings;
use crate::domain::revocation::Revocations;
use crate::domain::sessions::SessionSettings;
use crate::domain::signing::{KeyRing, MasterKey};
use crate::domain::throttle::Throttle;
use crate::domain::tokens::TokenSettings;
use crate::domain::tokens::issuer::TokenIssuer;
use crate::domain::web_origins::KnownOrigins;
use crate::infra::clock::SharedClock;
use crate::infra::metrics::Metrics;
use crate::store::Store;

pub struct AppState {
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
    pub sessions: SessionSettings,
    pub reset: ResetSettings,
    /// Who may register, and how addresses are verified.
    pub registration: RegistrationSettings,
    pub invitations: InvitationSettings,
    /// Second-factor policies and the limits of the second-factor step.
    pub mfa: MfaSettings,
    /// "Trust this browser" cookies of the second-factor step.
    pub trusted_browsers: TrustedBrowsers,
    /// Words and renders every mail in its reader's language (the pages' catalogues).
    pub letters: Arc<dyn LetterWriter>,
    /// Wakes the mail sender when a request queued mail.
    pub mail_wake: Arc<tokio::sync::Notify>,
    /// Wakes the handler of forgot-password and registration requests when one was queued.
    pub reset_wake: Arc<tokio::sync::Notify>,
    /// Every client's web origins, for the CORS answers of `/token`, `/revoke` and `/userinfo`.
    pub web_origins: KnownOrigins,
    /// The WebAuthn relying party; `None` when passkeys are off (setting `passkeys`, or no domain name to be one).
    pub passkeys: Option<Passkeys>,
    /// Where requests, grants and signatures are counted (a no-op unless `metrics_bind` is set).
    pub metrics: Metrics,
}

impl AppState {
    /// What the account's domain functions use (the account page, and the sign-in's enrolment that adds a
    /// passkey).
    pub fn account_services(&self) -> crate::domain::account::AccountServices<'_> {
        crate::domain::account::AccountServices {
            store: &self.store,
            hasher: &self.hasher,
            throttle: &self.throttle,
            revocations: &self.revocations,
            master: &self.master,
            metrics: &self.metrics,
        }
    }
}
