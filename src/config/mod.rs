//! Configuration: documented defaults, then `config/latchkey.toml` (or `LATCHKEY_CONFIG`), then `LATCHKEY_*`
//! environment variables. Secrets may also come from `LATCHKEY_<NAME>_FILE`. Unknown keys are an error, so a typo
//! never silently falls back to a default.

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::domain::signing::lifecycle::{self, KeyPolicy};
use crate::domain::signing::master_key::MasterKeySource;
use crate::http::client_addr::TrustedProxies;
use crate::store::DatabaseUrl;
use crate::values::secret::SecretString;

/// The file read when `LATCHKEY_CONFIG` is not set; a missing default file is not an error.
pub const DEFAULT_CONFIG_PATH: &str = "config/latchkey.toml";

/// Settings that hold secrets and may be read from a file named by `LATCHKEY_<NAME>_FILE`. (`master_key_file` is a
/// setting of its own: the file is created on first start of an embedded database.)
const FILE_SECRETS: &[&str] = &[
    "database_url",
    "redis_url",
    "master_key_previous",
    "smtp_url",
];

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
    /// Open connections per process (shared out among the workers); more wait in the listen backlog.
    pub max_connections: usize,
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
    /// The public base URL users reach the pages at; links in mail are built from it. Defaults to the issuer.
    pub public_url: Option<IssuerUrl>,
    /// How long a password-reset link works.
    pub password_reset_ttl: HumanDuration,
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
            password_hash_memory_kib: 19_456,
            password_hash_iterations: 2,
            password_hash_parallelism: 1,
            password_hash_concurrency: 0,
            password_queue_limit: 64,
            workers: 0,
            max_connections: 1024,
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
            public_url: None,
            password_reset_ttl: HumanDuration::from_secs(3_600),
            smtp_url: None,
            mail_from: "Latchkey <no-reply@localhost>".to_owned(),
            mail_dir: None,
            login_failure_limit: 10,
            login_failure_window: HumanDuration::from_secs(15 * 60),
            address_failure_limit: 100,
            address_request_limit: 6_000,
            forgot_password_limit: 10,
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
            .field("master_key", &self.master_key)
            .field("master_key_previous", &self.master_key_previous)
            .field("master_key_file", &self.master_key_file)
            .field("trusted_proxies", &self.trusted_proxies)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("configuration: {0}")]
    Invalid(String),
    #[error("configuration file {path}: {source}")]
    File {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

impl Config {
    /// Loads defaults, the TOML file and the environment, then checks the values.
    pub fn load(explicit_path: Option<&Path>) -> Result<Self, ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        match explicit_path {
            Some(path) => {
                // An explicitly named file must exist: a typo in the path is not "no configuration".
                std::fs::metadata(path).map_err(|source| ConfigError::File {
                    path: path.display().to_string(),
                    source,
                })?;
                figment = figment.merge(Toml::file_exact(path));
            }
            None if Path::new(DEFAULT_CONFIG_PATH).exists() => {
                figment = figment.merge(Toml::file_exact(DEFAULT_CONFIG_PATH));
            }
            None => {}
        }
        figment = figment.merge(Env::prefixed("LATCHKEY_").filter(|key| {
            let key = key.as_str().to_ascii_lowercase();
            key != "config" && !FILE_SECRETS.iter().any(|s| key == format!("{s}_file"))
        }));
        for name in FILE_SECRETS {
            let var = format!("LATCHKEY_{}_FILE", name.to_uppercase());
            if let Ok(path) = std::env::var(&var) {
                let value = std::fs::read_to_string(&path).map_err(|source| ConfigError::File {
                    path: format!("{path} (from {var})"),
                    source,
                })?;
                figment = figment.merge((*name, value.trim().to_owned()));
            }
        }
        let config: Config = figment
            .extract()
            .map_err(|e| ConfigError::Invalid(e.to_string()))?;
        config.validate()?;
        Ok(config)
    }

    /// Checks relations between values that serde can't express.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let bad = |msg: String| Err(ConfigError::Invalid(msg));
        // The upper bound is also how long a revoked family stays on the denylist (migration
        // 2026-12-04-000001_revocation): an access token must not outlive its denylist entry.
        if self.login_failure_limit == 0
            || self.address_failure_limit == 0
            || self.forgot_password_limit == 0
        {
            return bad(
                "login_failure_limit, address_failure_limit and forgot_password_limit must be at least 1 \
                 (brute-force defence can't be turned off; raise them instead)"
                    .into(),
            );
        }
        if self.login_failure_window.0 < Duration::from_secs(1) {
            return bad("login_failure_window must be at least 1s".into());
        }
        if self.redis_prefix.is_empty()
            || self.redis_prefix.len() > 64
            || !self
                .redis_prefix
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.:".contains(c))
        {
            return bad("redis_prefix must be 1-64 characters of A-Z a-z 0-9 - _ . :".into());
        }
        if self.access_token_ttl.0 < Duration::from_secs(1)
            || self.access_token_ttl.0
                > Duration::from_secs(crate::domain::revocation::MAX_ACCESS_TOKEN_TTL as u64)
        {
            return bad("access_token_ttl must be between 1s and 24h".into());
        }
        if self.refresh_token_ttl.0 < Duration::from_secs(1) {
            return bad("refresh_token_ttl must be at least 1s".into());
        }
        if self.refresh_token_max_lifetime.0 < self.refresh_token_ttl.0 {
            return bad(
                "refresh_token_max_lifetime must not be shorter than refresh_token_ttl".into(),
            );
        }
        if self.database_pool_size == 0 {
            return bad("database_pool_size must be at least 1".into());
        }
        if self.max_connections == 0 {
            return bad("max_connections must be at least 1".into());
        }
        if self.request_body_timeout.0 < Duration::from_secs(1) {
            return bad("request_body_timeout must be at least 1s".into());
        }
        let code_ttl = self.authorization_code_ttl.0;
        if code_ttl < Duration::from_secs(1) || code_ttl > Duration::from_secs(600) {
            return bad(
                "authorization_code_ttl must be between 1s and 10m (RFC 6749 §4.1.2)".into(),
            );
        }
        if self.session_idle_ttl.0 < Duration::from_secs(60) {
            return bad("session_idle_ttl must be at least 1m".into());
        }
        if self.session_max_lifetime.0 < self.session_idle_ttl.0 {
            return bad("session_max_lifetime must not be shorter than session_idle_ttl".into());
        }
        if self.product_name.trim().is_empty() || self.product_name.len() > 64 {
            return bad("product_name must be 1-64 characters".into());
        }
        let reset_ttl = self.password_reset_ttl.0;
        if reset_ttl < Duration::from_secs(60) || reset_ttl > Duration::from_secs(86_400) {
            return bad("password_reset_ttl must be between 1m and 24h".into());
        }
        if self.mail_from.parse::<lettre::message::Mailbox>().is_err() {
            return bad(format!(
                "mail_from {:?} is not a mailbox (\"Name <address>\" or an address)",
                self.mail_from
            ));
        }
        if let Some(logo) = &self.logo_url
            && !url::Url::parse(logo).is_ok_and(|u| u.scheme() == "https")
        {
            return bad("logo_url must be an absolute https URL".into());
        }
        let policy = self.key_policy();
        if self.key_publish_ahead.0 < policy.safe_publication() {
            return bad(format!(
                "key_publish_ahead must be at least {}s: the JWKS max-age ({}s) plus the replicas' key poll interval \
                 ({}s) plus a {}s margin",
                policy.safe_publication().as_secs(),
                policy.jwks_max_age.as_secs(),
                policy.poll_interval.as_secs(),
                lifecycle::MARGIN.as_secs()
            ));
        }
        if self.key_rotation_interval.0 < self.key_publish_ahead.0 {
            return bad("key_rotation_interval must not be shorter than key_publish_ahead".into());
        }
        if !matches!(self.key_bits, 2048 | 3072 | 4096) {
            return bad(format!(
                "key_bits must be 2048, 3072 or 4096, not {}",
                self.key_bits
            ));
        }
        if let Err(e) = argon2::Params::new(
            self.password_hash_memory_kib,
            self.password_hash_iterations,
            self.password_hash_parallelism,
            None,
        ) {
            return bad(format!(
                "password_hash_* parameters are invalid for argon2id: {e}"
            ));
        }
        Ok(())
    }

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
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// The issuer URL (RFC 8414 §2: http(s), no query or fragment), checked when the configuration is read and kept
/// without a trailing slash, so `iss` and the metadata URLs built from it are written one way.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IssuerUrl(String);

impl IssuerUrl {
    pub fn parse(text: &str) -> Result<Self, String> {
        match url::Url::parse(text) {
            Ok(url)
                if matches!(url.scheme(), "http" | "https")
                    && url.has_host()
                    && url.query().is_none()
                    && url.fragment().is_none() =>
            {
                Ok(Self(text.trim_end_matches('/').to_owned()))
            }
            _ => Err(format!(
                "issuer must be an http(s) URL without query or fragment, not {text:?}"
            )),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<&str> for IssuerUrl {
    /// For tests and literals; panics on an invalid URL.
    fn from(text: &str) -> Self {
        Self::parse(text).unwrap_or_else(|e| panic!("{e}"))
    }
}

impl Serialize for IssuerUrl {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for IssuerUrl {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse(text.trim()).map_err(serde::de::Error::custom)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

/// A duration written for humans: `90s`, `15m`, `7d`, `1h 30m`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HumanDuration(pub Duration);

impl HumanDuration {
    pub const fn from_secs(secs: u64) -> Self {
        Self(Duration::from_secs(secs))
    }

    pub fn as_secs(&self) -> i64 {
        i64::try_from(self.0.as_secs()).unwrap_or(i64::MAX)
    }
}

impl Serialize for HumanDuration {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&humantime::format_duration(self.0).to_string())
    }
}

impl<'de> Deserialize<'de> for HumanDuration {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        humantime::parse_duration(text.trim())
            .map(HumanDuration)
            .map_err(|e| {
                serde::de::Error::custom(format!("{text:?} is not a duration like 15m or 7d ({e})"))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_are_read_as_humans_write_them() {
        let d: HumanDuration = serde_json::from_str("\"7d\"").unwrap();
        assert_eq!(d.0, Duration::from_secs(7 * 86_400));
        assert!(serde_json::from_str::<HumanDuration>("\"soon\"").is_err());
    }

    #[test]
    fn issuer_defaults_to_the_bind_address() {
        assert_eq!(Config::default().issuer(), "http://127.0.0.1:8080");
    }

    #[test]
    fn trusted_proxies_are_a_toml_list_or_a_comma_separated_variable() {
        let defaults = || Figment::from(Serialized::defaults(Config::default()));
        let from_toml: Config = defaults()
            .merge(Toml::string(
                r#"trusted_proxies = ["127.0.0.1/32", "10.0.0.0/8"]"#,
            ))
            .extract()
            .unwrap();
        // Parsed as figment's `Env` provider parses a variable's value.
        let variable: figment::value::Value = "127.0.0.1/32,10.0.0.0/8".parse().unwrap();
        let from_env: Config = defaults()
            .merge(("trusted_proxies", variable))
            .extract()
            .unwrap();
        assert_eq!(from_env.trusted_proxies, from_toml.trusted_proxies);
        assert!(
            from_env
                .trusted_proxies
                .contains("10.20.30.40".parse().unwrap())
        );
        assert!(Config::default().trusted_proxies.is_empty());

        let bad: figment::value::Value = "127.0.0.1/32,10.0.0.1/8".parse().unwrap();
        let error = defaults()
            .merge(("trusted_proxies", bad))
            .extract::<Config>()
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(error.contains("trusted_proxies"), "{error}");
    }

    #[test]
    fn connections_are_shared_out_among_the_workers() {
        let config = |max_connections, workers| Config {
            max_connections,
            workers,
            ..Config::default()
        };
        assert_eq!(config(1024, 4).max_connections_per_worker(), 256);
        assert_eq!(config(10, 3).max_connections_per_worker(), 3);
        assert_eq!(config(2, 4).max_connections_per_worker(), 1);
        let error = config(0, 1).validate().unwrap_err().to_string();
        assert!(error.contains("max_connections"), "{error}");
    }

    #[test]
    fn the_shipped_configuration_file_states_the_defaults() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/config/latchkey.toml");
        let shipped: Config = Figment::new()
            .merge(Toml::file_exact(path))
            .extract()
            .unwrap();
        assert_eq!(
            serde_json::to_value(&shipped).unwrap(),
            serde_json::to_value(Config::default()).unwrap()
        );
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
