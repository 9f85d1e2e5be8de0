//! Configuration: documented defaults, then `config/latchkey.toml` (or `LATCHKEY_CONFIG`), then `LATCHKEY_*`
//! environment variables. Secrets may also come from `LATCHKEY_<NAME>_FILE`. Unknown keys are an error, so a typo
//! never silently falls back to a default.
//!
//! `settings` holds the flat list of settings and what is derived from them, `validate` the checks serde can't
//! express (one function per section), `secrets` the `*_FILE` variables; `duration` and `issuer` are the value
//! types settings are written in.

mod duration;
mod error;
mod issuer;
mod secrets;
mod settings;
mod validate;

use std::path::Path;

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};

pub use crate::domain::registration::RegistrationMode;
pub use duration::HumanDuration;
pub use error::ConfigError;
pub use issuer::IssuerUrl;
pub use settings::{Config, LogFormat, available_cores};

/// The file read when `LATCHKEY_CONFIG` is not set; a missing default file is not an error.
pub const DEFAULT_CONFIG_PATH: &str = "config/latchkey.toml";

/// The prefix of every environment variable Latchkey reads.
const ENV_PREFIX: &str = "LATCHKEY_";

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
        // `LATCHKEY_CONFIG` names the file (read by the CLI) and `*_FILE` a secret's file: neither is a setting.
        figment = figment.merge(
            Env::prefixed(ENV_PREFIX)
                .ignore(&["config"])
                .filter(|key| !secrets::is_file_variable(key.as_str())),
        );
        for secret in secrets::from_files(ENV_PREFIX, |var| std::env::var_os(var))? {
            figment = figment.merge(secret);
        }
        let config: Config = figment
            .extract()
            .map_err(|e| ConfigError::Invalid(e.to_string()))?;
        config.validate()?;
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    #![expect(
        clippy::result_large_err,
        reason = "figment's Jail runs closures that return its large figment::Error"
    )]

    use figment::Jail;

    use super::*;
    use crate::values::secret::SecretString;

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

    /// `Config::load` in a jail: its own folder as working directory (so no `config/latchkey.toml` is read) and
    /// environment changes undone on exit, one jail at a time.
    fn load(jail: &Jail) -> Result<Config, ConfigError> {
        assert_eq!(std::env::current_dir().unwrap(), jail.directory());
        Config::load(None)
    }

    #[test]
    fn every_secret_can_be_read_from_a_file_named_by_its_variable() {
        Jail::expect_with(|jail| {
            jail.create_file("database_url", "postgres://u:hunter2@db/latchkey\n")?;
            jail.create_file("redis_url", "redis://:hunter3@cache:6379\r\n")?;
            jail.create_file("smtp_url", "  smtp://u:hunter4@mail:587  \n")?;
            jail.create_file("master_key_previous", "c2VjcmV0\n")?;
            for name in [
                "database_url",
                "redis_url",
                "smtp_url",
                "master_key_previous",
            ] {
                jail.set_env(format!("LATCHKEY_{}_FILE", name.to_uppercase()), name);
            }
            let config = load(jail).unwrap();
            assert_eq!(
                config.database_url.expose(),
                "postgres://u:hunter2@db/latchkey"
            );
            let exposed =
                |secret: &Option<SecretString>| secret.as_ref().map(|s| s.expose().to_owned());
            assert_eq!(
                exposed(&config.redis_url).as_deref(),
                Some("redis://:hunter3@cache:6379")
            );
            assert_eq!(
                exposed(&config.smtp_url).as_deref(),
                Some("smtp://u:hunter4@mail:587")
            );
            assert_eq!(
                exposed(&config.master_key_previous).as_deref(),
                Some("c2VjcmV0")
            );
            Ok(())
        });
    }

    #[test]
    fn a_secret_file_wins_over_the_variable_holding_the_secret() {
        Jail::expect_with(|jail| {
            jail.create_file("database_url", "postgres://from-file/latchkey")?;
            jail.set_env("LATCHKEY_DATABASE_URL", "postgres://from-variable/latchkey");
            jail.set_env("LATCHKEY_DATABASE_URL_FILE", "database_url");
            assert_eq!(
                load(jail).unwrap().database_url.expose(),
                "postgres://from-file/latchkey"
            );
            Ok(())
        });
    }

    #[test]
    fn master_key_file_names_the_key_file_and_is_not_read_when_loading() {
        Jail::expect_with(|jail| {
            // Created on first start of an embedded database, so it need not exist yet.
            jail.set_env("LATCHKEY_MASTER_KEY_FILE", "secrets/master.key");
            let config = load(jail).unwrap();
            assert_eq!(
                config.master_key_file,
                std::path::PathBuf::from("secrets/master.key")
            );
            assert!(config.master_key.is_none());
            Ok(())
        });
    }

    #[test]
    fn an_unreadable_secret_file_stops_loading_naming_the_variable() {
        Jail::expect_with(|jail| {
            jail.set_env("LATCHKEY_SMTP_URL_FILE", "missing/smtp_url");
            let error = load(jail).unwrap_err().to_string();
            assert!(
                error.contains("LATCHKEY_SMTP_URL_FILE") && error.contains("missing/smtp_url"),
                "{error}"
            );
            Ok(())
        });
    }

    #[test]
    fn a_bad_value_in_a_secret_file_is_refused_naming_the_variable_but_not_the_secret() {
        Jail::expect_with(|jail| {
            jail.create_file("database_url", "mysql://u:hunter2@db/latchkey\n")?;
            jail.set_env("LATCHKEY_DATABASE_URL_FILE", "database_url");
            let error = load(jail).unwrap_err().to_string();
            assert!(
                error.contains("database_url") && error.contains("LATCHKEY_DATABASE_URL_FILE"),
                "{error}"
            );
            assert!(!error.contains("hunter2"), "{error}");
            Ok(())
        });
    }

    #[test]
    fn settings_come_from_the_file_then_the_environment() {
        Jail::expect_with(|jail| {
            jail.create_file("custom.toml", "access_token_ttl = \"5m\"\nkey_bits = 3072")?;
            jail.set_env("LATCHKEY_KEY_BITS", "4096");
            let config = Config::load(Some(Path::new("custom.toml"))).unwrap();
            assert_eq!(config.access_token_ttl, HumanDuration::from_secs(300));
            assert_eq!(config.key_bits, 4096);
            assert_eq!(config.database_url, Config::default().database_url);

            let missing = Config::load(Some(Path::new("typo.toml"))).unwrap_err();
            assert!(missing.to_string().contains("typo.toml"), "{missing}");
            Ok(())
        });
    }
}
