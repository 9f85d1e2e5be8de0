//! Every setting, flat as it is written in the TOML file and the environment, with its default, and the values
//! derived from them.

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::duration::HumanDuration;
use super::issuer::IssuerUrl;
use crate::domain::mfa::Policy as MfaPolicy;
use crate::domain::registration::RegistrationMode;
use crate::domain::signing::lifecycle::KeyPolicy;
use crate::domain::signing::master_key::MasterKeySource;
use crate::http::client_addr::TrustedProxies;
use crate::store::DatabaseUrl;
use crate::values::secret::SecretString;

/// Every setting; `config/latchkey.toml` documents each one and states its default.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Address the HTTP server binds to.
    pub bind: SocketAddr,
    /// Address of the Prometheus `/metrics` listener, kept apart from `bind` so it is never public; unset: off.
    pub metrics_bind: Option<SocketAddr>,
    /// `sqlite://path` (embedded, the default) or `postgres://…`; parsed when the configuration is read.
    pub database_url: DatabaseUrl,
    /// Connections kept open to the database.
    pub database_pool_size: usize,
    /// How long a request waits for a database connection before answering 503.
    pub database_timeout: HumanDuration,
    /// Run pending migrations when `serve` starts.
    pub migrate_on_start: bool,
    /// `iss` of every token; derived from `bind` when unset.
    pub issuer: Option<IssuerUrl>,
    pub access_token_ttl: HumanDuration,
    /// Idle lifetime of a refresh token: each rotation starts it again.
    pub refresh_token_ttl: HumanDuration,
    /// Absolute lifetime of a refresh-token family, counted from the login.
    pub refresh_token_max_lifetime: HumanDuration,
    /// A repeated refresh of the token just rotated, within this window, gets the same successor (0: off).
    pub refresh_reuse_grace: HumanDuration,
    /// argon2id memory cost in KiB.
    pub password_hash_memory_kib: u32,
    /// argon2id iterations.
    pub password_hash_iterations: u32,
    /// argon2id lanes.
    pub password_hash_parallelism: u32,
    /// Password hashes computed at once; 0 means one per CPU core.
    pub password_hash_concurrency: usize,
    /// Password verifications allowed to wait for a hashing thread; when that many wait, more are refused at once
    /// (503, load shedding) instead of queueing without bound.
    pub password_queue_limit: usize,
    /// HTTP worker threads; 0 means one per CPU core.
    pub workers: usize,
    /// Threads of the runtime beside the HTTP workers (background tasks, the Redis connection); 0 means a quarter of
    /// the CPU cores, at least one.
    pub runtime_threads: usize,
    /// Open connections per process (shared out among the workers); more wait in the listen backlog.
    pub max_connections: usize,
    /// Open connections one source (an IPv4 address, an IPv6 network of `ipv6_source_prefix` bits) may hold across
    /// all workers; more are answered 503 and closed. Trusted proxies are exempt; 0: no cap.
    pub max_connections_per_source: usize,
    /// How long a request head (request line and headers) may take to arrive, from its first byte, on every request
    /// of a connection; an overdue head ends the connection.
    pub request_head_timeout: HumanDuration,
    /// How long a request body may take to arrive after its head before it is answered 408 and dropped.
    pub request_body_timeout: HumanDuration,
    /// Reverse proxies whose `X-Forwarded-For` is believed: addresses and CIDR ranges.
    pub trusted_proxies: TrustedProxies,
    /// Master key (32 bytes, standard base64) that encrypts signing keys at rest.
    pub master_key: Option<SecretString>,
    /// File holding the master key; created (mode 0600) on first start of an embedded database.
    pub master_key_file: PathBuf,
    /// The master key that sealed keys before the current one, while `latchkey keys rewrap` moves them over.
    pub master_key_previous: Option<SecretString>,
    /// RSA modulus size of new signing keys.
    pub key_bits: u32,
    /// How long a key signs before the next one takes over.
    pub key_rotation_interval: HumanDuration,
    /// How long a new key is published in the JWKS before it may sign.
    pub key_publish_ahead: HumanDuration,
    /// `text` or `json`.
    pub log_format: LogFormat,
    /// Optional Redis shared by replicas.
    pub redis_url: Option<SecretString>,
    /// Prefix of every Redis key and channel Latchkey uses, so several deployments can share one Redis.
    pub redis_prefix: String,
    /// Lifetime of an authorization code (RFC 6749 §4.1.2: short; at most 10 minutes).
    pub authorization_code_ttl: HumanDuration,
    /// A hosted sign-in session nobody used for this long ends.
    pub session_idle_ttl: HumanDuration,
    /// Every hosted sign-in session ends this long after the password was entered.
    pub session_max_lifetime: HumanDuration,
    /// Name shown on the hosted pages.
    pub product_name: String,
    /// An https URL of a logo shown on the hosted pages instead of the product name.
    pub logo_url: Option<String>,
    /// A CSS file served after the built-in stylesheet (override its custom properties to theme the pages).
    pub theme_stylesheet: Option<PathBuf>,
    /// An https URL of the logo shown instead of `logo_url` when the browser prefers a dark colour scheme.
    pub logo_dark_url: Option<String>,
    /// An https URL of the pages' icon (favicon); unset, the built-in one at `/assets/favicon.svg`.
    pub favicon_url: Option<String>,
    /// https URLs of the terms of service, privacy policy and support page, linked in every page's footer.
    pub terms_url: Option<String>,
    pub privacy_url: Option<String>,
    pub support_url: Option<String>,
    /// The language of pages and mail when neither `ui_locales` nor `Accept-Language` names one Latchkey speaks.
    pub default_locale: String,
    /// A folder of the operator's Fluent catalogues, `<language>/*.ftl`: override any message, or add a language.
    pub locales_dir: Option<PathBuf>,
    /// The public base URL users reach the pages at; links in mail are built from it. Defaults to the issuer.
    pub public_url: Option<IssuerUrl>,
    /// How long a password-reset link works.
    pub password_reset_ttl: HumanDuration,
    /// Who may create an account on the hosted pages.
    pub registration: RegistrationMode,
    /// Addresses self-registration accepts, by domain (empty: any).
    #[serde(deserialize_with = "list_or_comma_separated")]
    pub registration_email_domains: Vec<String>,
    /// A self-registered account signs in only once its address is verified.
    pub require_verified_email: bool,
    /// How long an email verification link works.
    pub email_verification_ttl: HumanDuration,
    /// How long an invitation link works.
    pub invitation_ttl: HumanDuration,
    /// Whether signed-in users may delete their own account on the account page.
    pub account_deletion: bool,
    /// Whether users may register passkeys (WebAuthn) and sign in with them; needs a `public_url` (or issuer) whose
    /// host is a domain name, the relying-party id.
    pub passkeys: bool,
    /// `optional` (users choose to enrol a second factor) or `required` (every hosted sign-in needs one).
    pub mfa: MfaPolicy,
    /// Users with any of these roles need a second factor whatever `mfa` says.
    #[serde(deserialize_with = "list_or_comma_separated")]
    pub mfa_required_roles: Vec<String>,
    /// How long a sign-in may wait between its password and its second factor.
    pub mfa_pending_ttl: HumanDuration,
    /// How long "trust this browser" skips the second factor where no rule requires it (0: not offered).
    pub mfa_trusted_browser_ttl: HumanDuration,
    /// SMTP server for mail (lettre URL: `smtp://user:pass@host:587?tls=required`, `smtps://host`).
    pub smtp_url: Option<SecretString>,
    /// The `From` of every message.
    pub mail_from: String,
    /// Write mail as `.eml` files into this folder instead of sending it (development).
    pub mail_dir: Option<PathBuf>,
    /// Failed sign-ins per account from unknown sources (and per known device) before it is locked for them.
    pub login_failure_limit: u32,
    /// The window of every failure counter.
    pub login_failure_window: HumanDuration,
    /// Failed sign-ins and client authentications per address per window.
    pub address_failure_limit: u32,
    /// Requests per address per minute to `/token`, `/revoke`, `/introspect` and the sign-in form (0: off).
    pub address_request_limit: u32,
    /// Forgot-password requests per address per window.
    pub forgot_password_limit: u32,
    /// Reset mails per account per `login_failure_window`, whoever asks and from wherever.
    pub reset_mail_limit: u32,
    /// IPv6 sources are counted per network of this many leading bits (every per-address limit and the
    /// per-source connection cap); IPv4 sources per address.
    pub ipv6_source_prefix: u8,
    /// What each scope lets an app do, as the consent page says it (a TOML table, last in the file); scopes without
    /// an entry show the built-in text (openid, profile, email, offline_access) or their name.
    pub scope_descriptions: std::collections::BTreeMap<String, String>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            bind: SocketAddr::from(([127, 0, 0, 1], 8080)),
            metrics_bind: None,
            database_url: DatabaseUrl::Sqlite(PathBuf::from("data/latchkey.db")),
            database_pool_size: 16,
            database_timeout: HumanDuration::from_secs(3),
            migrate_on_start: true,
            issuer: None,
            access_token_ttl: HumanDuration::from_secs(15 * 60),
            refresh_token_ttl: HumanDuration::from_secs(7 * 86_400),
            refresh_token_max_lifetime: HumanDuration::from_secs(30 * 86_400),
            refresh_reuse_grace: HumanDuration::from_secs(10),
            password_hash_memory_kib: 19_456,
            password_hash_iterations: 2,
            password_hash_parallelism: 1,
            password_hash_concurrency: 0,
            password_queue_limit: 64,
            workers: 0,
            runtime_threads: 0,
            max_connections: 1024,
            // An eighth of `max_connections`: it takes eight sources to fill the process, while a large NAT or a
            // first-party backend's connection pool keeps ample room (browsers open at most six per host).
            max_connections_per_source: 128,
            request_head_timeout: HumanDuration::from_secs(5),
            request_body_timeout: HumanDuration::from_secs(10),
            trusted_proxies: TrustedProxies::default(),
            master_key: None,
            master_key_file: PathBuf::from("keys/master.key"),
            master_key_previous: None,
            key_bits: 2048,
            key_rotation_interval: HumanDuration::from_secs(30 * 86_400),
            key_publish_ahead: HumanDuration::from_secs(3_600),
            log_format: LogFormat::Text,
            redis_url: None,
            redis_prefix: "latchkey".to_owned(),
            authorization_code_ttl: HumanDuration::from_secs(60),
            session_idle_ttl: HumanDuration::from_secs(30 * 60),
            session_max_lifetime: HumanDuration::from_secs(10 * 3_600),
            product_name: "Latchkey".to_owned(),
            logo_url: None,
            theme_stylesheet: None,
            logo_dark_url: None,
            favicon_url: None,
            terms_url: None,
            privacy_url: None,
            support_url: None,
            default_locale: "en".to_owned(),
            locales_dir: None,
            public_url: None,
            password_reset_ttl: HumanDuration::from_secs(3_600),
            registration: RegistrationMode::Closed,
            registration_email_domains: Vec::new(),
            require_verified_email: true,
            email_verification_ttl: HumanDuration::from_secs(86_400),
            invitation_ttl: HumanDuration::from_secs(7 * 86_400),
            account_deletion: true,
            passkeys: true,
            mfa: MfaPolicy::Optional,
            mfa_required_roles: Vec::new(),
            mfa_pending_ttl: HumanDuration::from_secs(5 * 60),
            mfa_trusted_browser_ttl: HumanDuration::from_secs(30 * 86_400),
            smtp_url: None,
            mail_from: "Latchkey <no-reply@localhost>".to_owned(),
            mail_dir: None,
            login_failure_limit: 10,
            login_failure_window: HumanDuration::from_secs(15 * 60),
            address_failure_limit: 100,
            address_request_limit: 6_000,
            forgot_password_limit: 10,
            reset_mail_limit: 3,
            ipv6_source_prefix: crate::values::address::DEFAULT_IPV6_PREFIX,
            scope_descriptions: std::collections::BTreeMap::new(),
        }
    }
}

impl fmt::Debug for Config {
    // Secrets are redacted by their own types; the rest is safe to print.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("bind", &self.bind)
            .field("metrics_bind", &self.metrics_bind)
            .field("database_url", &self.database_url)
            .field("issuer", &self.issuer())
            .field("access_token_ttl", &self.access_token_ttl)
            .field("refresh_token_ttl", &self.refresh_token_ttl)
            .field(
                "refresh_token_max_lifetime",
                &self.refresh_token_max_lifetime,
            )
            .field("refresh_reuse_grace", &self.refresh_reuse_grace)
            .field("master_key", &self.master_key)
            .field("master_key_previous", &self.master_key_previous)
            .field("master_key_file", &self.master_key_file)
            .field("trusted_proxies", &self.trusted_proxies)
            .finish_non_exhaustive()
    }
}

/// A TOML array of strings, or one comma-separated string (how an environment variable carries a list); entries
/// trimmed, empty ones dropped.
fn list_or_comma_separated<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Written {
        One(String),
        Many(Vec<String>),
    }
    let entries = match Written::deserialize(deserializer)? {
        Written::One(text) => text.split(',').map(str::to_owned).collect(),
        Written::Many(entries) => entries,
    };
    Ok(entries
        .into_iter()
        .map(|e| e.trim().to_owned())
        .filter(|e| !e.is_empty())
        .collect())
}

/// How logs are written on standard error.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

impl Config {
    /// The base URL of links sent to users: `public_url`, else the issuer.
    pub fn public_url(&self) -> String {
        match &self.public_url {
            Some(url) => url.as_str().to_owned(),
            None => self.issuer(),
        }
    }

    /// The `iss` claim: configured, or `http://<bind>` for local use.
    pub fn issuer(&self) -> String {
        match &self.issuer {
            Some(issuer) => issuer.as_str().to_owned(),
            None => format!("http://{}", self.bind),
        }
    }

    /// Key rotation timing derived from the rotation interval, publication window and access-token lifetime.
    pub fn key_policy(&self) -> KeyPolicy {
        KeyPolicy::new(
            self.key_rotation_interval.0,
            self.key_publish_ahead.0,
            self.access_token_ttl.0,
        )
    }

    /// Where the master key comes from.
    pub fn master_key_source(&self) -> MasterKeySource<'_> {
        MasterKeySource {
            key: self.master_key.as_ref(),
            file: &self.master_key_file,
            previous: self.master_key_previous.as_ref(),
        }
    }

    pub fn workers(&self) -> usize {
        if self.workers == 0 {
            available_cores()
        } else {
            self.workers
        }
    }

    /// On 2 cores one thread beats two (bench/run.sh, PostgreSQL + Redis refresh at 32 chains: 0.60 → 0.68 of the
    /// SQLite throughput over five runs each): fewer threads taking turns on the cores the HTTP workers need. Larger
    /// machines get more, so that one thread driving every request's Redis round trip never becomes the limit; a
    /// quarter of the cores is a guess there, not a measurement.
    pub fn runtime_threads(&self) -> usize {
        if self.runtime_threads == 0 {
            (available_cores() / 4).max(1)
        } else {
            self.runtime_threads
        }
    }

    /// actix caps connections per worker: the process-wide cap shared out, at least one each.
    pub fn max_connections_per_worker(&self) -> usize {
        (self.max_connections / self.workers()).max(1)
    }

    pub fn password_hash_concurrency(&self) -> usize {
        if self.password_hash_concurrency == 0 {
            available_cores()
        } else {
            self.password_hash_concurrency
        }
    }
}

pub fn available_cores() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZero::get)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issuer_defaults_to_the_bind_address() {
        assert_eq!(Config::default().issuer(), "http://127.0.0.1:8080");
    }

    #[test]
    fn the_runtime_beside_the_workers_has_a_quarter_of_the_cores_unless_told() {
        let config = |runtime_threads| Config {
            runtime_threads,
            ..Config::default()
        };
        assert_eq!(config(3).runtime_threads(), 3);
        assert_eq!(config(0).runtime_threads(), (available_cores() / 4).max(1));
    }

    #[test]
    fn connections_are_shared_out_among_the_workers() {
        let config = |max_connections, workers| Config {
            workers,
            max_connections,
            ..Config::default()
        };
        assert_eq!(config(1024, 4).max_connections_per_worker(), 256);
        assert_eq!(config(10, 3).max_connections_per_worker(), 3);
        assert_eq!(config(2, 4).max_connections_per_worker(), 1);
        let error = config(0, 1).validate().unwrap_err().to_string();
        assert!(error.contains("max_connections"), "{error}");
    }

    #[test]
    fn debug_output_redacts_secrets() {
        let config = Config {
            database_url: DatabaseUrl::parse("postgres://u:hunter2@db/x").unwrap(),
            master_key: Some(SecretString::from("c2VjcmV0")),
            ..Config::default()
        };
        let printed = format!("{config:?}");
        assert!(
            !printed.contains("hunter2") && !printed.contains("c2VjcmV0"),
            "{printed}"
        );
    }
}
