//! Each surface's own settings, built from the configuration: the hosted pages' look, cookie and CSRF key, and the
//! admin API's verifier and OpenAPI document (DESIGN.md §19: registered as that surface's app data).

use std::sync::Arc;

use super::services::Services;
use crate::config::Config;
use crate::domain::signing::MasterKey;
use crate::infra::clock::SharedClock;
use crate::pages::catalogue::{CatalogueSettings, Catalogues};
use crate::pages::letters::Letters;
use crate::pages::security::{CookiePolicy, Csrf};
use crate::pages::settings::Branding;
use crate::pages::{Chrome, PageSettings};
use crate::values::locale::Locale;

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
    let catalogues = Arc::new(catalogues(config)?);
    Ok(PageSettings {
        chromes: Chrome::for_each_language(
            &catalogues,
            &Branding {
                product_name: config.product_name.clone(),
                logo_url: config.logo_url.clone(),
                logo_dark_url: config.logo_dark_url.clone(),
                favicon_url: config
                    .favicon_url
                    .clone()
                    .unwrap_or_else(|| "/assets/favicon.svg".to_owned()),
                theme_stylesheet: theme_css.is_some(),
                terms_url: config.terms_url.clone(),
                privacy_url: config.privacy_url.clone(),
                support_url: config.support_url.clone(),
            },
        ),
        letters: Arc::new(Letters::new(catalogues.clone(), &config.product_name)),
        catalogues,
        cookie: CookiePolicy::for_issuer(issuer).with_public_url(&config.public_url()),
        csrf: Csrf::new(master.derive_hmac_key("csrf")),
        theme_css,
        code_ttl: config.authorization_code_ttl.as_secs(),
        account_deletion: config.account_deletion,
        consent_key: master.derive_hmac_key("consent"),
        scope_descriptions: config.scope_descriptions.clone(),
    })
}

/// The message catalogues: the shipped languages and the operator's `locales_dir`, checked and worded once (a
/// broken file stops the start, naming file and line); what they lack or don't use is logged.
pub(crate) fn catalogues(config: &Config) -> anyhow::Result<Catalogues> {
    let default_locale = Locale::parse(&config.default_locale).ok_or_else(|| {
        anyhow::anyhow!(
            "default_locale {}: not a language tag",
            config.default_locale
        )
    })?;
    let (catalogues, warnings) = Catalogues::load(&CatalogueSettings {
        product_name: config.product_name.clone(),
        reset_ttl: config.password_reset_ttl.as_secs(),
        verification_ttl: config.email_verification_ttl.as_secs(),
        invitation_ttl: config.invitation_ttl.as_secs(),
        default_locale,
        locales_dir: config.locales_dir.clone(),
    })
    .map_err(|e| anyhow::anyhow!("message catalogues: {e}"))?;
    for warning in warnings {
        tracing::warn!("message catalogues: {warning}");
    }
    Ok(catalogues)
}

/// The mails, worded from the catalogues: for the command line, which mails without serving pages.
pub fn letters(config: &Config) -> anyhow::Result<Letters> {
    Ok(Letters::new(
        Arc::new(catalogues(config)?),
        &config.product_name,
    ))
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
