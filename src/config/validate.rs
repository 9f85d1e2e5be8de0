//! Checks of relations between values that serde can't express, one function per section of the settings. Each
//! message names the setting at fault and what it may be.

use std::time::Duration;

use super::error::ConfigError;
use super::settings::Config;
use crate::domain::signing::lifecycle;

/// A section's verdict: the first thing wrong with it.
type Check = Result<(), String>;

/// `Err(message)` unless `ok`.
fn ensure(ok: bool, message: impl FnOnce() -> String) -> Check {
    if ok { Ok(()) } else { Err(message()) }
}

impl Config {
    /// Checks relations between values that serde can't express.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let sections: [fn(&Config) -> Check; 7] = [
            abuse_defence,
            redis,
            token_lifetimes,
            server,
            hosted_pages,
            signing_keys,
            password_hashing,
        ];
        sections
            .iter()
            .try_for_each(|check| check(self))
            .map_err(ConfigError::Invalid)
    }
}

/// How long common JWKS clients keep a key set whatever its `Cache-Control` says: PyJWT's `PyJWKClient` 5 minutes,
/// `jose` (under openid-client) 10 minutes; on an unknown `kid` they refetch only after a 30-60 s cool-down. A key
/// must be published at least this long before it signs, or such clients refuse valid tokens for a while.
pub(super) const CLIENT_JWKS_CACHE: Duration = Duration::from_secs(600);

impl Config {
    /// Values that are valid but likely to hurt someone, for the operator to read at start-up.
    pub fn warnings(&self) -> Vec<String> {
        let mut warnings = Vec::new();
        if self.key_publish_ahead.0 < CLIENT_JWKS_CACHE {
            warnings.push(format!(
                "key_publish_ahead is {}s: common JWKS clients (PyJWKClient, jose/openid-client, oauth4webapi) keep \
                 a key set for up to {}s whatever Cache-Control says, so for a while after each rotation they will \
                 refuse valid tokens signed by the new key; use at least {}m unless every verifier honours \
                 Cache-Control (the latchkey-verifier crate does)",
                self.key_publish_ahead.0.as_secs(),
                CLIENT_JWKS_CACHE.as_secs(),
                CLIENT_JWKS_CACHE.as_secs() / 60
            ));
        }
        warnings
    }
}

fn abuse_defence(config: &Config) -> Check {
    ensure(
        config.login_failure_limit != 0
            && config.address_failure_limit != 0
            && config.forgot_password_limit != 0
            && config.reset_mail_limit != 0,
        || {
            "login_failure_limit, address_failure_limit, forgot_password_limit and reset_mail_limit must be at \
             least 1 \
             (brute-force defence can't be turned off; raise them instead)"
                .into()
        },
    )?;
    ensure(
        config.login_failure_window.0 >= Duration::from_secs(1),
        || "login_failure_window must be at least 1s".into(),
    )?;
    ensure((32..=128).contains(&config.ipv6_source_prefix), || {
        "ipv6_source_prefix must be between 32 and 128 (64, one subnet, is the usual choice)".into()
    })
}

fn redis(config: &Config) -> Check {
    let prefix = &config.redis_prefix;
    ensure(
        !prefix.is_empty()
            && prefix.len() <= 64
            && prefix
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.:".contains(c)),
        || "redis_prefix must be 1-64 characters of A-Z a-z 0-9 - _ . :".into(),
    )
}

fn token_lifetimes(config: &Config) -> Check {
    // The upper bound is also how long a revoked family stays on the denylist (migration
    // 2026-12-04-000001_revocation): an access token must not outlive its denylist entry.
    let max_access = Duration::from_secs(crate::domain::revocation::MAX_ACCESS_TOKEN_TTL as u64);
    let access = config.access_token_ttl.0;
    ensure(
        access >= Duration::from_secs(1) && access <= max_access,
        || "access_token_ttl must be between 1s and 24h".into(),
    )?;
    ensure(config.refresh_token_ttl.0 >= Duration::from_secs(1), || {
        "refresh_token_ttl must be at least 1s".into()
    })?;
    ensure(
        config.refresh_token_max_lifetime.0 >= config.refresh_token_ttl.0,
        || "refresh_token_max_lifetime must not be shorter than refresh_token_ttl".into(),
    )?;
    // Longer would let a stolen, already rotated token be exchanged unnoticed for that long.
    ensure(
        config.refresh_reuse_grace.0 <= Duration::from_secs(60),
        || "refresh_reuse_grace must be at most 60s (0 turns it off)".into(),
    )
}

fn server(config: &Config) -> Check {
    ensure(config.database_pool_size != 0, || {
        "database_pool_size must be at least 1".into()
    })?;
    ensure(config.max_connections != 0, || {
        "max_connections must be at least 1".into()
    })?;
    ensure(
        config.request_body_timeout.0 >= Duration::from_secs(1),
        || "request_body_timeout must be at least 1s".into(),
    )?;
    let head = config.request_head_timeout.0;
    ensure(
        head >= Duration::from_secs(1) && head <= Duration::from_secs(60),
        || "request_head_timeout must be between 1s and 1m".into(),
    )
}

/// Hosted sign-in, its sessions and pages, and the mail they send.
fn hosted_pages(config: &Config) -> Check {
    let code_ttl = config.authorization_code_ttl.0;
    ensure(
        code_ttl >= Duration::from_secs(1) && code_ttl <= Duration::from_secs(600),
        || "authorization_code_ttl must be between 1s and 10m (RFC 6749 §4.1.2)".into(),
    )?;
    ensure(config.session_idle_ttl.0 >= Duration::from_secs(60), || {
        "session_idle_ttl must be at least 1m".into()
    })?;
    ensure(
        config.session_max_lifetime.0 >= config.session_idle_ttl.0,
        || "session_max_lifetime must not be shorter than session_idle_ttl".into(),
    )?;
    ensure(
        !config.product_name.trim().is_empty() && config.product_name.len() <= 64,
        || "product_name must be 1-64 characters".into(),
    )?;
    for (scope, text) in &config.scope_descriptions {
        ensure(
            crate::values::scope::Scope::parse(scope).is_ok_and(|s| s.iter().count() == 1),
            || format!("scope_descriptions: {scope:?} is not one scope token"),
        )?;
        ensure(
            !text.trim().is_empty()
                && text.chars().count() <= 200
                && !text.chars().any(char::is_control),
            || {
                format!(
                    "scope_descriptions.{scope} must be 1-200 characters without control characters"
                )
            },
        )?;
    }
    ensure(
        crate::values::locale::Locale::parse(&config.default_locale).is_some(),
        || "default_locale must be a language tag such as en, de or pt-BR".into(),
    )?;
    let verification_ttl = config.email_verification_ttl.0;
    ensure(
        verification_ttl >= Duration::from_secs(600)
            && verification_ttl <= Duration::from_secs(7 * 86_400),
        || "email_verification_ttl must be between 10m and 7d".into(),
    )?;
    let invitation_ttl = config.invitation_ttl.0;
    ensure(
        invitation_ttl >= Duration::from_secs(3600)
            && invitation_ttl <= Duration::from_secs(30 * 86_400),
        || "invitation_ttl must be between 1h and 30d".into(),
    )?;
    let pending_ttl = config.mfa_pending_ttl.0;
    ensure(
        pending_ttl >= Duration::from_secs(60) && pending_ttl <= Duration::from_secs(1800),
        || "mfa_pending_ttl must be between 1m and 30m".into(),
    )?;
    ensure(
        config.mfa_trusted_browser_ttl.0 <= Duration::from_secs(90 * 86_400),
        || "mfa_trusted_browser_ttl must be at most 90d (0s turns it off)".into(),
    )?;
    if let Some(domain) = config
        .registration_email_domains
        .iter()
        .find(|d| d.contains('@') || !d.contains('.') || d.chars().any(char::is_whitespace))
    {
        return Err(format!(
            "registration_email_domains: {domain:?} is not a domain (write example.org, without @)"
        ));
    }
    let reset_ttl = config.password_reset_ttl.0;
    ensure(
        reset_ttl >= Duration::from_secs(60) && reset_ttl <= Duration::from_secs(86_400),
        || "password_reset_ttl must be between 1m and 24h".into(),
    )?;
    ensure(
        config.mail_from.parse::<lettre::message::Mailbox>().is_ok(),
        || {
            format!(
                "mail_from {:?} is not a mailbox (\"Name <address>\" or an address)",
                config.mail_from
            )
        },
    )?;
    let https = |value: Option<&str>| {
        value.is_none_or(|v| url::Url::parse(v).is_ok_and(|u| u.scheme() == "https"))
    };
    for (name, value) in [
        ("logo_url", &config.logo_url),
        ("logo_dark_url", &config.logo_dark_url),
        ("favicon_url", &config.favicon_url),
        ("terms_url", &config.terms_url),
        ("privacy_url", &config.privacy_url),
        ("support_url", &config.support_url),
    ] {
        ensure(https(value.as_deref()), || {
            format!("{name} must be an absolute https URL")
        })?;
    }
    Ok(())
}

fn signing_keys(config: &Config) -> Check {
    let policy = config.key_policy();
    ensure(
        config.key_publish_ahead.0 >= policy.safe_publication(),
        || {
            format!(
                "key_publish_ahead must be at least {}s: the JWKS max-age ({}s) plus the replicas' key poll \
                 interval ({}s) plus a {}s margin",
                policy.safe_publication().as_secs(),
                policy.jwks_max_age.as_secs(),
                policy.poll_interval.as_secs(),
                lifecycle::MARGIN.as_secs()
            )
        },
    )?;
    ensure(
        config.key_rotation_interval.0 >= config.key_publish_ahead.0,
        || "key_rotation_interval must not be shorter than key_publish_ahead".into(),
    )?;
    ensure(matches!(config.key_bits, 2048 | 3072 | 4096), || {
        format!(
            "key_bits must be 2048, 3072 or 4096, not {}",
            config.key_bits
        )
    })
}

fn password_hashing(config: &Config) -> Check {
    argon2::Params::new(
        config.password_hash_memory_kib,
        config.password_hash_iterations,
        config.password_hash_parallelism,
        None,
    )
    .map(|_| ())
    .map_err(|e| format!("password_hash_* parameters are invalid for argon2id: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::HumanDuration;

    /// Issue 17: with 12 s ahead, PyJWKClient, openid-client and oauth4webapi refused valid tokens for up to a
    /// minute after a rotation. Such a value still starts (tests and single-verifier set-ups use it) but is
    /// reported; the default is not.
    #[test]
    fn a_key_publish_ahead_shorter_than_client_jwks_caches_is_reported() {
        assert!(Config::default().warnings().is_empty());
        let short = Config {
            key_publish_ahead: HumanDuration::from_secs(12),
            key_rotation_interval: HumanDuration::from_secs(3_600),
            ..Config::default()
        };
        assert!(short.validate().is_ok());
        let warnings = short.warnings();
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(
            warnings[0].contains("key_publish_ahead is 12s"),
            "{}",
            warnings[0]
        );
        let enough = Config {
            key_publish_ahead: HumanDuration::from_secs(600),
            ..Config::default()
        };
        assert!(enough.warnings().is_empty());
    }
}
