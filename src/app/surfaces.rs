//! Each surface's own settings, built from the configuration: the hosted pages' look, cookie and CSRF key, and the
//! admin API's verifier and OpenAPI document (DESIGN.md §19: registered as that surface's app data).

use std::sync::Arc;

use super::services::Services;
use crate::config::Config;
use crate::domain::signing::MasterKey;
use crate::infra::clock::SharedClock;
use crate::pages::security::{CookiePolicy, Csrf};
use crate::pages::{Chrome, PageSettings, messages};

/// The service's own clock as the admin verifier's wall clock (intervals stay monotonic), so that what the issuer
/// dates and what the admin API checks are one time.
struct IssuerClock(SharedClock);

impl std::fmt::Debug for IssuerClock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("IssuerClock")
    }
}

impl latchkey_verifier::Clock for IssuerClock {
    fn now(&self) -> std::time::Instant {
        std::time::Instant::now()
    }

    fn system_time(&self) -> std::time::SystemTime {
        let secs = u64::try_from(self.0.now()).unwrap_or(0);
        std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs)
    }
}

/// The hosted pages' settings; the operator's theme stylesheet is read once, here.
pub(super) fn page_settings(
    config: &Config,
    master: &MasterKey,
    issuer: &str,
) -> anyhow::Result<PageSettings> {
    let theme_css = match &config.theme_stylesheet {
        Some(path) => Some(
            std::fs::read_to_string(path)
                .map_err(|e| anyhow::anyhow!("theme_stylesheet {}: {e}", path.display()))?,
        ),
        None => None,
    };
    Ok(PageSettings {
        chrome: Chrome {
            product_name: config.product_name.clone(),
            logo_url: config.logo_url.clone(),
            logo_dark_url: config.logo_dark_url.clone(),
            favicon_url: config
                .favicon_url
                .clone()
                .unwrap_or_else(|| "/assets/favicon.svg".to_owned()),
            theme_stylesheet: theme_css.is_some(),
            footer_links: Chrome::footer_links(
                &messages::ENGLISH,
                config.terms_url.as_deref(),
                config.privacy_url.as_deref(),
                config.support_url.as_deref(),
            ),
            messages: &messages::ENGLISH,
            app: None,
        },
        cookie: CookiePolicy::for_issuer(issuer).with_public_url(&config.public_url()),
        csrf: Csrf::new(master.derive_hmac_key("csrf")),
        theme_css,
        code_ttl: config.authorization_code_ttl.as_secs(),
        account_deletion: config.account_deletion,
        consent_key: master.derive_hmac_key("consent"),
        scope_descriptions: config.scope_descriptions.clone(),
    })
}

/// The admin API's settings. Its verifier reads this process's own JWKS over loopback, as a resource server reads
/// it over the network: the same checks, and the same library, as every other verifier of Latchkey's tokens.
pub(super) fn admin_settings(
    config: &Config,
    services: &Services,
    issuer: &str,
    port: u16,
    clock: &SharedClock,
) -> anyhow::Result<crate::admin::AdminSettings> {
    let ip = match config.bind.ip() {
        std::net::IpAddr::V4(ip) if ip.is_unspecified() => std::net::Ipv4Addr::LOCALHOST.into(),
        std::net::IpAddr::V6(ip) if ip.is_unspecified() => std::net::Ipv6Addr::LOCALHOST.into(),
        ip => ip,
    };
    let jwks_uri = format!(
        "http://{}/.well-known/jwks.json",
        std::net::SocketAddr::new(ip, port)
    );
    let verifier = latchkey_verifier::Verifier::builder()
        .issuer(issuer)
        .audience(crate::admin::access::admin_audience(issuer))
        // The admin API shares the issuer's clock: no skew to tolerate, so a token is refused from its `exp` on
        // (a resource server elsewhere keeps the verifier's default leeway).
        .leeway(std::time::Duration::ZERO)
        .clock(Arc::new(IssuerClock(clock.clone())))
        // A fetch is a loopback request for bytes already in memory: a new key may be picked up within a second.
        .min_refetch_interval(std::time::Duration::from_secs(1))
        .jwks_uri(&jwks_uri)
        .map_err(|e| anyhow::anyhow!("admin API verifier: {e}"))?;
    Ok(crate::admin::AdminSettings {
        verifier,
        key_policy: services.policy,
        key_bits: config.key_bits,
        key_notices: services.notices.clone(),
        openapi: crate::admin::openapi::document(issuer),
    })
}
