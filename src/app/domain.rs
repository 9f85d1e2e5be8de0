//! The domain services every handler shares ([`AppState`]), built from the configuration and the opened services.

use std::sync::Arc;

use super::services::Services;
use crate::config::Config;
use crate::domain::invitations::InvitationSettings;
use crate::domain::letters::LetterWriter;
use crate::domain::mfa::MfaSettings;
use crate::domain::mfa::trusted::TrustedBrowsers;
use crate::domain::passkeys::Passkeys;
use crate::domain::password_reset::ResetSettings;
use crate::domain::registration::RegistrationSettings;
use crate::domain::sessions::SessionSettings;
use crate::domain::signing::KeyRing;
use crate::domain::signing::usage::SigningUsage;
use crate::domain::throttle::{DeviceCookies, Limits, Throttle};
use crate::domain::tokens::TokenSettings;
use crate::domain::tokens::issuer::TokenIssuer;
use crate::domain::web_origins::KnownOrigins;
use crate::infra::clock::SharedClock;
use crate::infra::metrics::Metrics;
use crate::state::AppState;

/// What the domain services are built from besides the configuration.
pub(super) struct Parts {
    pub services: Services,
    pub keys: Arc<KeyRing>,
    pub clock: SharedClock,
    pub metrics: Metrics,
    pub mail_wake: Arc<tokio::sync::Notify>,
    /// Whether the browser cookie is `Secure` (served over https): device cookies follow it.
    pub secure_cookies: bool,
    pub letters: Arc<dyn LetterWriter>,
}

/// The application state. Redis, when configured, is filled from the revocation log before the first request.
pub(super) async fn app_state(config: &Config, parts: Parts) -> AppState {
    let Parts {
        services,
        keys,
        clock,
        metrics,
        mail_wake,
        secure_cookies,
        letters,
    } = parts;
    let tokens = TokenSettings {
        issuer: config.issuer(),
        access_token_ttl: config.access_token_ttl.as_secs(),
        refresh_token_idle_ttl: config.refresh_token_ttl.as_secs(),
        refresh_token_max_lifetime: config.refresh_token_max_lifetime.as_secs(),
        refresh_reuse_grace: config.refresh_reuse_grace.as_secs(),
        clock: clock.clone(),
    };
    let revocations = services.revocations(clock.clone(), tokens.access_token_ttl);
    revocations.refill().await;
    revocations.spawn_refill();
    let issuer = TokenIssuer {
        store: services.store.clone(),
        keys: keys.clone(),
        master: services.master.clone(),
        settings: tokens.clone(),
        clock: clock.clone(),
        metrics: metrics.clone(),
        usage: SigningUsage::new(services.store.clone()),
        revocations: revocations.clone(),
        successor_key: services.master.derive_hmac_key("refresh-token-successor"),
    };
    let throttle = Throttle::new(
        services.redis.clone(),
        clock.clone(),
        DeviceCookies::new(
            services.master.derive_hmac_key("device-cookie"),
            secure_cookies,
        ),
        Limits {
            login_failures: config.login_failure_limit,
            login_failure_window: config.login_failure_window.0,
            address_failures: config.address_failure_limit,
            address_requests_per_minute: config.address_request_limit,
            forgot_password_requests: config.forgot_password_limit,
            ipv6_source_prefix: config.ipv6_source_prefix,
            reset_mails: config.reset_mail_limit,
        },
    );
    let web_origins = KnownOrigins::new(services.store.clone(), clock.clone());
    let passkeys = if config.passkeys {
        Passkeys::new(&config.public_url(), &config.product_name)
            .inspect_err(|e| tracing::warn!("{e}"))
            .ok()
    } else {
        None
    };
    let trusted_browsers = TrustedBrowsers::new(
        services.master.derive_hmac_key("trusted-browser"),
        secure_cookies,
    );
    AppState {
        trusted_browsers,
        mfa: MfaSettings {
            policy: config.mfa,
            required_roles: config.mfa_required_roles.clone(),
            pending_ttl: config.mfa_pending_ttl.as_secs(),
            pending_attempts: 5,
            trusted_browser_ttl: config.mfa_trusted_browser_ttl.as_secs(),
            totp_issuer: config.product_name.clone(),
        },
        web_origins,
        revocations,
        throttle,
        store: services.store,
        keys,
        master: services.master,
        hasher: services.hasher,
        tokens,
        issuer,
        clock,
        sessions: SessionSettings {
            idle_ttl: config.session_idle_ttl.as_secs(),
            max_lifetime: config.session_max_lifetime.as_secs(),
        },
        reset: ResetSettings {
            ttl: config.password_reset_ttl.as_secs(),
            public_url: config.public_url(),
        },
        invitations: InvitationSettings {
            ttl: config.invitation_ttl.as_secs(),
            public_url: config.public_url(),
        },
        letters,
        registration: RegistrationSettings {
            mode: config.registration,
            email_domains: config
                .registration_email_domains
                .iter()
                .map(|d| d.to_ascii_lowercase())
                .collect(),
            require_verified_email: config.require_verified_email,
            verification_ttl: config.email_verification_ttl.as_secs(),
            public_url: config.public_url(),
        },
        mail_wake,
        reset_wake: Arc::new(tokio::sync::Notify::new()),
        passkeys,
        metrics,
    }
}
